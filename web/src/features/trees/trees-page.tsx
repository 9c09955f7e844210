import { IconBinaryTree2 } from '@tabler/icons-react';
import { EmptyState } from '../../components/empty-state.tsx';
import { PageHeader } from '../../components/page-header.tsx';

export function TreesPage() {
  return (
    <>
      <PageHeader title="Decision trees" description="Your team’s troubleshooting library." />
      <EmptyState icon={<IconBinaryTree2 size={28} />} title="No decision trees yet">
        Published trees of your team are listed here by category.
      </EmptyState>
    </>
  );
}
