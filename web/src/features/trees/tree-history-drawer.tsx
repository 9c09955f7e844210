import { useState } from 'react';
import { Link } from 'react-router';
import { Anchor, Badge, Button, Drawer, Group, Loader, Stack, Text, Timeline } from '@mantine/core';
import { TreeCompareModal } from './tree-compare-modal.tsx';
import { useTreeVersions, type OnSaved } from './trees-api.ts';
import { useNarrowScreen } from '../../components/use-narrow-screen.ts';

/** The versions of a tree, newest first, with view and (for authors) compare-then-restore. */
export function TreeHistoryDrawer({
  treeId,
  currentVersion,
  opened,
  onClose,
  canRestore,
  onRestored,
  unsavedChanges,
}: {
  treeId: string;
  currentVersion: number;
  opened: boolean;
  onClose: () => void;
  canRestore: boolean;
  /** Called with the new version as soon as a restore is saved. */
  onRestored?: OnSaved;
  /** The editor has unsaved changes a restore would replace. */
  unsavedChanges?: boolean;
}) {
  const phone = useNarrowScreen();
  const versions = useTreeVersions(treeId);
  const [comparing, setComparing] = useState<number | null>(null);
  return (
    <>
      <Drawer opened={opened} onClose={onClose} title="Version history" position="right" size={phone ? '100%' : 'md'}>
        {versions.isPending && <Loader />}
        <Timeline bulletSize={18} lineWidth={2} active={0}>
          {versions.data?.items.map((v) => (
            <Timeline.Item
              key={v.version}
              data-testid={`version-${v.version}`}
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
                {v.change_note && (
                  <Text size="sm" className="fp-wrap">
                    {v.change_note}
                  </Text>
                )}
                <Group gap="xs">
                  <Anchor component={Link} to={`/trees/${treeId}?version=${v.version}`} size="sm" onClick={onClose}>
                    View
                  </Anchor>
                  {canRestore && v.version !== currentVersion && (
                    <Button size="compact-xs" variant="light" onClick={() => setComparing(v.version)} aria-label={`Compare and restore version ${v.version}`}>
                      Compare &amp; restore
                    </Button>
                  )}
                </Group>
              </Stack>
            </Timeline.Item>
          ))}
        </Timeline>
      </Drawer>
      {comparing !== null && (
        <TreeCompareModal
          treeId={treeId}
          version={comparing}
          currentVersion={currentVersion}
          opened
          unsavedWarning={unsavedChanges}
          onClose={() => setComparing(null)}
          onRestored={(tree) => {
            onRestored?.(tree);
            onClose();
          }}
        />
      )}
    </>
  );
}
