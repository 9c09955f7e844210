import { useMemo } from 'react';
import { Alert, Badge, Button, Grid, Group, Loader, Modal, Paper, ScrollArea, Stack, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconRestore } from '@tabler/icons-react';
import type { TreeComparison, TreeNode, TreeResponse } from '@flowpilot/contracts';
import { DIFF_LABEL, TreeGraphView, type NodeDiff } from './tree-graph.tsx';
import { useRestoreTree, useTree, useTreeCompare, type OnSaved } from './trees-api.ts';
import { useNarrowScreen } from '../../components/use-narrow-screen.ts';

const FIELD_LABEL: Record<string, string> = {
  title: 'Title',
  description: 'Description',
  category: 'Category',
  status: 'Status',
  root_node_id: 'Start step',
  tags: 'Tags',
};

const DIFF_COLOR: Record<NodeDiff, string> = { added: 'green', removed: 'red', changed: 'orange' };

function fieldValue(tree: TreeResponse, field: string): string {
  const value = (tree as unknown as Record<string, unknown>)[field];
  if (Array.isArray(value)) return value.length ? value.join(', ') : '(none)';
  return typeof value === 'string' && value ? value : '(empty)';
}

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/** What differs in a step between the newest version (`now`) and the one being restored (`then`), in words. */
export function describeNodeChange(now: TreeNode, then: TreeNode): string[] {
  const lines: string[] = [];
  if (now.kind !== then.kind) lines.push(`Kind: ${now.kind} → ${then.kind}`);
  if (now.title !== then.title) lines.push(`Title: “${now.title}” → “${then.title}”`);
  if ((now.body ?? '') !== (then.body ?? '')) lines.push('Instructions differ');
  const options = (n: TreeNode) => (n.kind === 'question' ? n.options : undefined);
  if (!same(options(now), options(then))) lines.push('Answers differ');
  const next = (n: TreeNode) => (n.kind === 'action' || n.kind === 'link' ? n.next : undefined);
  if (!same(next(now), next(then))) lines.push('Leads elsewhere');
  const linked = (n: TreeNode) => (n.kind === 'link' ? n.tree_id : undefined);
  if (!same(linked(now), linked(then))) lines.push('Links to another tree');
  if (lines.length === 0 && !same(now.position, then.position)) lines.push('Moved on the canvas');
  return lines;
}

/** Both versions' steps on one canvas: the restored version's, plus the newest's steps it would remove. */
function unionOf(comparison: TreeComparison, now: TreeResponse, then: TreeResponse): { nodes: TreeNode[]; diff: Map<string, NodeDiff> } {
  const diff = new Map<string, NodeDiff>();
  for (const id of comparison.added) diff.set(id, 'added');
  for (const id of comparison.removed) diff.set(id, 'removed');
  for (const id of comparison.changed) diff.set(id, 'changed');
  const removed = now.nodes.filter((n) => comparison.removed.includes(n.id));
  return { nodes: [...then.nodes, ...removed], diff };
}

/**
 * Shows what restoring an old version would change against the newest, on
 * the canvas and in words, and restores it only when asked. Cancel changes
 * nothing.
 */
export function TreeCompareModal({
  treeId,
  version,
  currentVersion,
  opened,
  onClose,
  onRestored,
  unsavedWarning,
}: {
  treeId: string;
  /** The version that would be brought back. */
  version: number;
  /** The newest version, as this page knows it. */
  currentVersion: number;
  opened: boolean;
  onClose: () => void;
  onRestored?: OnSaved;
  /** Shown above the buttons: the editor's unsaved changes would be replaced. */
  unsavedWarning?: boolean;
}) {
  const phone = useNarrowScreen();
  const comparison = useTreeCompare(treeId, currentVersion, version, opened);
  const now = useTree(opened ? treeId : undefined, currentVersion);
  const then = useTree(opened ? treeId : undefined, version);
  const restore = useRestoreTree(treeId, onRestored);
  const union = useMemo(
    () => (comparison.data && now.data && then.data ? unionOf(comparison.data, now.data, then.data) : null),
    [comparison.data, now.data, then.data],
  );
  const error = comparison.error ?? now.error ?? then.error;
  const c = comparison.data;
  const nothingChanges = c && c.fields_changed.length + c.added.length + c.removed.length + c.changed.length === 0;

  const confirm = async () => {
    try {
      const tree = await restore.mutateAsync({ version, base_version: currentVersion });
      // Bottom right: in the editor a toast at the top would sit on the Save button.
      notifications.show({ position: 'bottom-right', color: 'green', title: 'Restored', message: `Version ${version} is back, as version ${tree.version}.` });
      onClose();
    } catch {
      /* shown in the modal */
    }
  };
  const close = () => {
    restore.reset();
    onClose();
  };

  const nodeTitle = (id: string) => then.data?.nodes.find((n) => n.id === id)?.title ?? now.data?.nodes.find((n) => n.id === id)?.title ?? id;

  return (
    <Modal
      opened={opened}
      onClose={close}
      title={`Restore version ${version}?`}
      size="90rem"
      fullScreen={phone}
      centered
      data-testid="compare-view"
    >
      <Stack gap="sm">
        <Text size="sm" c="dimmed">
          What changes if version {version} replaces version {currentVersion} (the newest). Restoring saves it as a new version; nothing
          is lost.
        </Text>
        {error && <Alert color="red">{error.message}</Alert>}
        {!error && !union && <Loader aria-label="Loading the comparison" />}
        {c && union && now.data && then.data && (
          <Grid gap="md">
            <Grid.Col span={{ base: 12, md: 8 }}>
              <Paper withBorder radius="md" style={{ overflow: 'hidden' }}>
                <TreeGraphView treeNodes={union.nodes} rootId={then.data.root_node_id} diff={union.diff} height={phone ? 320 : 480} />
              </Paper>
              <Group gap="xs" mt={6}>
                {(['added', 'removed', 'changed'] as NodeDiff[]).filter((d) => c[d].length > 0).map((d) => (
                  <Badge key={d} variant="light" color={DIFF_COLOR[d]} size="sm">
                    {DIFF_LABEL[d]}
                  </Badge>
                ))}
              </Group>
            </Grid.Col>
            <Grid.Col span={{ base: 12, md: 4 }}>
              <ScrollArea.Autosize mah={phone ? undefined : 500}>
                <Stack gap="sm" data-testid="compare-changes">
                  {nothingChanges && <Text size="sm">Version {version} is the same as the newest.</Text>}
                  {c.fields_changed.map((f) => (
                    <Paper key={f} withBorder p="xs" radius="sm">
                      <Text size="sm" fw={600}>
                        {FIELD_LABEL[f] ?? f}
                      </Text>
                      <Text size="xs" className="fp-wrap">
                        Now: {fieldValue(now.data!, f)}
                      </Text>
                      <Text size="xs" className="fp-wrap">
                        After restoring: {fieldValue(then.data!, f)}
                      </Text>
                    </Paper>
                  ))}
                  {(['changed', 'added', 'removed'] as NodeDiff[]).flatMap((d) =>
                    c[d].map((id) => {
                      const before = now.data!.nodes.find((n) => n.id === id);
                      const after = then.data!.nodes.find((n) => n.id === id);
                      return (
                        <Paper key={`${d}-${id}`} withBorder p="xs" radius="sm" data-diff={d} data-testid={`change-${id}`}>
                          <Group gap={6} wrap="nowrap" align="flex-start">
                            <Badge size="xs" variant="light" color={DIFF_COLOR[d]} style={{ flexShrink: 0 }}>
                              {DIFF_LABEL[d]}
                            </Badge>
                            <Text size="sm" fw={600} className="fp-wrap">
                              {nodeTitle(id)}
                            </Text>
                          </Group>
                          {d === 'changed' &&
                            before &&
                            after &&
                            describeNodeChange(before, after).map((line) => (
                              <Text key={line} size="xs" c="dimmed" className="fp-wrap">
                                {line}
                              </Text>
                            ))}
                        </Paper>
                      );
                    }),
                  )}
                </Stack>
              </ScrollArea.Autosize>
            </Grid.Col>
          </Grid>
        )}
        {restore.error && <Alert color="red">{restore.error.message}</Alert>}
        {unsavedWarning && (
          <Alert color="orange" p="xs">
            Your unsaved changes in the editor are replaced by version {version}.
          </Alert>
        )}
        <Group justify="flex-end" gap="xs">
          <Button variant="default" onClick={close}>
            Cancel
          </Button>
          <Button leftSection={<IconRestore size={16} />} loading={restore.isPending} disabled={!union} onClick={() => void confirm()}>
            Restore version {version}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
