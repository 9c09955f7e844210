import { IconUrgent } from '@tabler/icons-react';
import { EmptyState } from '../../components/empty-state.tsx';
import { PageHeader } from '../../components/page-header.tsx';

export function EscalationQueuePage() {
  return (
    <>
      <PageHeader title="Escalation queue" description="Escalated sessions waiting for an engineer, oldest first." />
      <EmptyState icon={<IconUrgent size={28} />} title="Nothing waiting">
        No session is waiting for pickup.
      </EmptyState>
    </>
  );
}
