import { Link } from 'react-router';
import { Alert, Anchor, Badge, Button, Drawer, Group, Loader, Stack, Text, Timeline } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useRestoreTree, useTreeVersions } from './trees-api.ts';

/** The versions of a tree, newest first, with view and (for authors) restore. */
export function TreeHistoryDrawer({
  treeId,
  currentVersion,
  opened,
  onClose,
  canRestore,
}: {
  treeId: string;
  currentVersion: number;
  opened: boolean;
  onClose: () => void;
  canRestore: boolean;
}) {
  const versions = useTreeVersions(treeId);
  const restore = useRestoreTree(treeId);
  return (
    <Drawer opened={opened} onClose={onClose} title="Version history" position="right" size="md">
      {versions.isPending && <Loader />}
      {restore.error && (
        <Alert color="red" mb="md">
          {restore.error.message}
        </Alert>
      )}
      <Timeline bulletSize={18} lineWidth={2} active={0}>
        {versions.data?.items.map((v) => (
          <Timeline.Item
            key={v.version}
            title={
              <Group gap={6}>
                <Text fw={600}>Version {v.version}</Text>
                {v.version === currentVersion && (
                  <Badge size="xs" variant="light">
                    newest
                  </Badge>
                )}
              </Group>
            }
          >
            <Stack gap={4}>
              <Text size="sm" c="dimmed">
                {v.created_by?.full_name ?? 'Someone'} · {new Date(v.created_at).toLocaleString()} · {v.node_count} steps · {v.status}
              </Text>
              {v.change_note && <Text size="sm">{v.change_note}</Text>}
              <Group gap="xs">
                <Anchor component={Link} to={`/trees/${treeId}?version=${v.version}`} size="sm" onClick={onClose}>
                  View
                </Anchor>
                {canRestore && v.version !== currentVersion && (
                  <Button
                    size="compact-xs"
                    variant="light"
                    loading={restore.isPending}
                    onClick={async () => {
                      const tree = await restore.mutateAsync({ version: v.version, base_version: currentVersion });
                      notifications.show({ color: 'green', message: `Version ${v.version} restored as version ${tree.version}.` });
                    }}
                  >
                    Restore
                  </Button>
                )}
              </Group>
            </Stack>
          </Timeline.Item>
        ))}
      </Timeline>
    </Drawer>
  );
}
