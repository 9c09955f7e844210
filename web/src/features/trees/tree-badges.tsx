import { Badge, Group } from '@mantine/core';
import type { TreeStatus } from '@flowpilot/contracts';

const STATUS_COLOR: Record<TreeStatus, string> = { draft: 'yellow', published: 'green', archived: 'gray' };

export function StatusBadge({ status }: { status: TreeStatus }) {
  return (
    <Badge color={STATUS_COLOR[status]} variant="light" size="sm">
      {status}
    </Badge>
  );
}

export function TagList({ tags }: { tags: string[] }) {
  if (!tags.length) return null;
  return (
    <Group gap={4}>
      {tags.map((t) => (
        <Badge key={t} variant="outline" color="gray" size="xs" tt="none">
          #{t}
        </Badge>
      ))}
    </Group>
  );
}
