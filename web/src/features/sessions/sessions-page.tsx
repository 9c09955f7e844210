import { IconListCheck } from '@tabler/icons-react';
import { EmptyState } from '../../components/empty-state.tsx';
import { PageHeader } from '../../components/page-header.tsx';
import { hasRole, useAuth } from '../../lib/auth.tsx';

export function SessionsPage() {
  const { user } = useAuth();
  const seesTeam = hasRole(user, 'engineer');
  return (
    <>
      <PageHeader
        title={seesTeam ? 'Sessions' : 'My sessions'}
        description={seesTeam ? 'Every troubleshooting session of your team.' : 'Your troubleshooting sessions and those assigned to you.'}
      />
      <EmptyState icon={<IconListCheck size={28} />} title="No sessions yet">
        Each guided session on a customer’s problem is listed here with its status and ticket.
      </EmptyState>
    </>
  );
}
