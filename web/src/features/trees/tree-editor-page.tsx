import { useCallback, useEffect, useMemo, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import {
  ReactFlow,
  ReactFlowProvider,
  Background,
  Controls,
  useReactFlow,
  type Connection,
  type EdgeChange,
  type NodeChange,
} from '@xyflow/react';
import {
  Alert,
  Anchor,
  Autocomplete,
  Badge,
  Button,
  Card,
  Group,
  Menu,
  Paper,
  ScrollArea,
  SegmentedControl,
  Skeleton,
  Stack,
  TagsInput,
  Text,
  TextInput,
  Textarea,
  Title,
  Tooltip,
} from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { IconChevronDown, IconDownload, IconFileImport, IconHistory, IconLayoutDistributeHorizontal, IconPlus } from '@tabler/icons-react';
import { validateTreeGraph, type NodeKind, type TreeNode, type TreeResponse, type TreeStatus } from '@flowpilot/contracts';
import { ApiError } from '../../lib/api.ts';
import { NotFoundPage } from '../../components/not-found-page.tsx';
import { KIND_LABEL, autoLayout, edgesOf, nodeTypes, toFlowNodes, type FlowNode } from './tree-graph.tsx';
import { NodeForm } from './node-form.tsx';
import { TreeHistoryDrawer } from './tree-history-drawer.tsx';
import { downloadExport, useCategories, useCreateTree, useTree, useTreeList, useUpdateTree } from './trees-api.ts';
import { ImportTreesModal } from './import-trees-modal.tsx';

interface Draft {
  title: string;
  description: string;
  category: string;
  tags: string[];
  status: TreeStatus;
  root_node_id: string;
  nodes: TreeNode[];
}

const NEW_TREE: Draft = {
  title: '',
  description: '',
  category: '',
  tags: [],
  status: 'draft',
  root_node_id: 'start',
  nodes: [{ id: 'start', kind: 'question', title: 'What does the customer see?', options: [], position: { x: 0, y: 0 } }],
};

function fromResponse(t: TreeResponse): Draft {
  return { title: t.title, description: t.description, category: t.category, tags: t.tags, status: t.status, root_node_id: t.root_node_id, nodes: t.nodes };
}

function newNodeId(kind: NodeKind, nodes: TreeNode[]): string {
  const taken = new Set(nodes.map((n) => n.id));
  for (let i = 1; ; i++) if (!taken.has(`${kind}-${i}`)) return `${kind}-${i}`;
}

function newNode(kind: NodeKind, id: string, position: { x: number; y: number }): TreeNode {
  const title = { question: 'New question', action: 'New action', solution: 'Resolved', escalate: 'Escalate to an engineer', link: 'Continue in another tree' }[kind];
  const base = { id, title, position };
  switch (kind) {
    case 'question':
      return { ...base, kind, options: [] };
    case 'action':
      return { ...base, kind, next: '' };
    case 'link':
      return { ...base, kind, tree_id: '' };
    default:
      return { ...base, kind };
  }
}

/** Removes a node and every edge into it. */
function withoutNode(draft: Draft, id: string): Draft {
  return {
    ...draft,
    nodes: draft.nodes
      .filter((n) => n.id !== id)
      .map((n) => {
        if (n.kind === 'question') return { ...n, options: n.options.filter((o) => o.next !== id) };
        if (n.kind === 'action' && n.next === id) return { ...n, next: '' };
        if (n.kind === 'link' && n.next === id) return { ...n, next: undefined };
        return n;
      }),
  };
}

function Editor({ initial, tree }: { initial: Draft; tree: TreeResponse | null }) {
  const navigate = useNavigate();
  const flow = useReactFlow<FlowNode>();
  const [draft, setDraft] = useState<Draft>(initial);
  /** The draft as last saved (or loaded): anything else is unsaved, including edits made while a save was on its way. */
  const [savedDraft, setSavedDraft] = useState<Draft>(initial);
  const dirty = draft !== savedDraft;
  const [baseVersion, setBaseVersion] = useState(tree?.current_version ?? 0);
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [conflict, setConflict] = useState<string | null>(null);
  const [serverErrors, setServerErrors] = useState<{ message: string; node_ids: string[] }[]>([]);
  const [changeNote, setChangeNote] = useState('');
  const [historyOpen, history] = useDisclosure(false);
  const [importOpen, importModal] = useDisclosure(false);
  const create = useCreateTree();
  const update = useUpdateTree(tree?.id ?? '');
  const categories = useCategories();
  const library = useTreeList({}, 1, 200);

  const linkTargets = useMemo(
    () => (library.data?.items ?? []).filter((t) => t.id !== tree?.id).map((t) => ({ value: t.id, label: t.title })),
    [library.data, tree?.id],
  );
  // Link targets are checked by the server on save (it knows every tree of the team); its answer lands on the nodes too.
  const report = useMemo(() => validateTreeGraph(draft, tree ? { treeId: tree.id } : {}), [draft, tree]);
  const errorsByNode = useMemo(() => {
    const map = new Map<string, string[]>();
    for (const e of [...report.errors, ...serverErrors]) for (const id of e.node_ids) map.set(id, [...(map.get(id) ?? []), e.message]);
    return map;
  }, [report, serverErrors]);

  // Someone else saved while this editor was open: say so, keep the edits.
  useEffect(() => {
    if (tree && tree.current_version > baseVersion) {
      setConflict(`Version ${tree.current_version} was saved by ${tree.updated_by?.full_name ?? 'someone'} while you were editing.`);
    }
  }, [tree, baseVersion]);
  const flowNodes = useMemo(() => toFlowNodes(draft.nodes, draft.root_node_id, errorsByNode, { selectedId }), [draft, errorsByNode, selectedId]);
  const flowEdges = useMemo(() => edgesOf(draft.nodes), [draft.nodes]);
  const fieldErrors = [!draft.title.trim() && 'The tree needs a title', !draft.category.trim() && 'The tree needs a category'].filter(Boolean) as string[];
  const canSave = report.valid && fieldErrors.length === 0;

  useEffect(() => {
    if (!dirty) return;
    const warn = (e: BeforeUnloadEvent) => e.preventDefault();
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [dirty]);

  const change = useCallback((fn: (d: Draft) => Draft) => {
    setDraft(fn);
    setServerErrors([]);
  }, []);
  const replaceNode = (node: TreeNode) => change((d) => ({ ...d, nodes: d.nodes.map((n) => (n.id === node.id ? node : n)) }));

  const onNodesChange = useCallback(
    (changes: NodeChange<FlowNode>[]) => {
      for (const c of changes) {
        if (c.type === 'position' && c.position) {
          const pos = c.position;
          change((d) => ({ ...d, nodes: d.nodes.map((n) => (n.id === c.id ? { ...n, position: { x: Math.round(pos.x), y: Math.round(pos.y) } } : n)) }));
        } else if (c.type === 'select') {
          setSelectedId((cur) => (c.selected ? c.id : cur === c.id ? null : cur));
        } else if (c.type === 'remove') {
          change((d) => withoutNode(d, c.id));
          setSelectedId((cur) => (cur === c.id ? null : cur));
        }
      }
    },
    [change],
  );

  const onEdgesChange = useCallback(
    (changes: EdgeChange[]) => {
      // Collect every removal first: answer edges are numbered, and removing one would renumber the rest.
      const removed = new Map<string, Set<string>>();
      for (const c of changes) {
        if (c.type !== 'remove') continue;
        const [source, which] = c.id.split('::') as [string, string];
        if (!removed.has(source)) removed.set(source, new Set());
        removed.get(source)!.add(which);
      }
      if (removed.size === 0) return;
      change((d) => ({
        ...d,
        nodes: d.nodes.map((n) => {
          const which = removed.get(n.id);
          if (!which) return n;
          if (n.kind === 'question') return { ...n, options: n.options.filter((_, i) => !which.has(String(i))) };
          if (n.kind === 'action') return { ...n, next: '' };
          if (n.kind === 'link') return { ...n, next: undefined };
          return n;
        }),
      }));
    },
    [change],
  );

  const onConnect = useCallback(
    (c: Connection) => {
      if (!c.source || !c.target || c.source === c.target) return;
      change((d) => ({
        ...d,
        nodes: d.nodes.map((n) => {
          if (n.id !== c.source) return n;
          if (n.kind === 'question') {
            const labels = new Set(n.options.map((o) => o.label.toLowerCase()));
            const defaults = ['Yes', 'No', 'Not sure'];
            let label = defaults.find((l) => !labels.has(l.toLowerCase()));
            for (let i = n.options.length + 1; !label; i++) if (!labels.has(`answer ${i}`)) label = `Answer ${i}`;
            return { ...n, options: [...n.options, { label, next: c.target }] };
          }
          if (n.kind === 'action') return { ...n, next: c.target };
          if (n.kind === 'link') return { ...n, next: c.target };
          return n;
        }),
      }));
    },
    [change],
  );

  const addNode = (kind: NodeKind) => {
    const id = newNodeId(kind, draft.nodes);
    const anchor = draft.nodes.find((n) => n.id === selectedId)?.position;
    const position = anchor
      ? { x: anchor.x + 40, y: anchor.y + 140 }
      : flow.screenToFlowPosition({ x: window.innerWidth / 2 - 200, y: window.innerHeight / 2 });
    change((d) => ({ ...d, nodes: [...d.nodes, newNode(kind, id, position)] }));
    setSelectedId(id);
  };

  const relayout = () => {
    const positions = autoLayout(draft.nodes, draft.root_node_id);
    change((d) => ({ ...d, nodes: d.nodes.map((n) => ({ ...n, position: positions.get(n.id)! })) }));
    setTimeout(() => flow.fitView({ duration: 300 }), 50);
  };

  const save = async () => {
    setConflict(null);
    const sent = draft;
    const body = { ...sent, ...(changeNote.trim() && { change_note: changeNote.trim() }) };
    try {
      const saved = tree ? await update.mutateAsync({ ...body, base_version: baseVersion }) : await create.mutateAsync(body);
      setBaseVersion(saved.current_version);
      setSavedDraft(sent);
      setChangeNote('');
      notifications.show({ color: 'green', title: 'Saved', message: `“${saved.title}” is now version ${saved.version}.` });
      for (const w of saved.warnings.filter((w) => w.code === 'link_to_unpublished')) {
        notifications.show({ color: 'yellow', title: 'Saved with a warning', message: w.message });
      }
      if (!tree) navigate(`/trees/${saved.id}/edit`, { replace: true });
    } catch (err) {
      if (err instanceof ApiError && err.status === 409) setConflict(err.message);
      else {
        if (err instanceof ApiError && err.status === 422 && Array.isArray(err.detail)) {
          setServerErrors((err.detail as { msg: string; node_ids?: string[] }[]).map((d) => ({ message: d.msg, node_ids: d.node_ids ?? [] })));
        }
        notifications.show({ color: 'red', title: 'Not saved', message: (err as Error).message });
      }
    }
  };

  const selected = draft.nodes.find((n) => n.id === selectedId) ?? null;
  const saving = create.isPending || update.isPending;

  return (
    <Stack gap="sm" h="calc(100vh - 100px)">
      <Group justify="space-between" wrap="wrap">
        <Stack gap={0}>
          <Anchor component={Link} to={tree ? `/trees/${tree.id}` : '/trees'} size="sm">
            ← {tree ? 'Back to the tree' : 'Decision trees'}
          </Anchor>
          <Title order={3}>{tree ? `Editing: ${draft.title || 'Untitled'}` : 'New tree'}</Title>
        </Stack>
        <Group gap="xs">
          <Menu>
            <Menu.Target>
              <Button variant="default" leftSection={<IconPlus size={16} />} rightSection={<IconChevronDown size={14} />}>
                Add step
              </Button>
            </Menu.Target>
            <Menu.Dropdown>
              {(['question', 'action', 'solution', 'escalate', 'link'] as NodeKind[]).map((k) => (
                <Menu.Item key={k} onClick={() => addNode(k)}>
                  {KIND_LABEL[k]}
                </Menu.Item>
              ))}
            </Menu.Dropdown>
          </Menu>
          <Button variant="default" leftSection={<IconLayoutDistributeHorizontal size={16} />} onClick={relayout}>
            Tidy layout
          </Button>
          {tree && (
            <Button variant="default" leftSection={<IconHistory size={16} />} onClick={history.open}>
              History
            </Button>
          )}
          <Button variant="default" leftSection={<IconFileImport size={16} />} onClick={importModal.open}>
            Import
          </Button>
          {tree && (
            <Menu position="bottom-end">
              <Menu.Target>
                <Button variant="default" leftSection={<IconDownload size={16} />} rightSection={<IconChevronDown size={14} />}>
                  Export
                </Button>
              </Menu.Target>
              <Menu.Dropdown>
                <Menu.Label>The saved version {baseVersion}</Menu.Label>
                <Menu.Item onClick={() => downloadExport(`/trees/${tree.id}/export?format=json`, 'tree.json')}>FlowPilot JSON</Menu.Item>
                <Menu.Item onClick={() => downloadExport(`/trees/${tree.id}/export?format=mermaid`, 'tree.mmd')}>Mermaid flowchart</Menu.Item>
              </Menu.Dropdown>
            </Menu>
          )}
          <Tooltip label={canSave ? 'Save as a new version' : 'Fix the problems first'} withArrow>
            <Button onClick={save} loading={saving} disabled={!canSave} data-testid="save-tree">
              Save
            </Button>
          </Tooltip>
        </Group>
      </Group>
      {conflict && (
        <Alert color="orange" title="Someone saved a newer version" withCloseButton onClose={() => setConflict(null)}>
          {conflict}{' '}
          <Anchor component="button" onClick={() => window.location.reload()}>
            Load the newest (your unsaved changes are lost)
          </Anchor>
        </Alert>
      )}
      <Group align="stretch" gap="sm" style={{ flex: 1, minHeight: 0 }} wrap="nowrap">
        <Card withBorder padding={0} radius="md" style={{ flex: 1, minWidth: 0 }}>
          <ReactFlow<FlowNode>
            nodes={flowNodes}
            edges={flowEdges}
            nodeTypes={nodeTypes}
            onNodesChange={onNodesChange}
            onEdgesChange={onEdgesChange}
            onConnect={onConnect}
            onPaneClick={() => setSelectedId(null)}
            deleteKeyCode={['Delete', 'Backspace']}
            fitView
            minZoom={0.1}
            proOptions={{ hideAttribution: true }}
          >
            <Background />
            <Controls />
              </ReactFlow>
        </Card>
        <Paper withBorder radius="md" w={380} p={0} style={{ display: 'flex', flexDirection: 'column' }}>
          <ScrollArea style={{ flex: 1 }} p="md">
            {selected ? (
              <NodeForm
                node={selected}
                nodes={draft.nodes}
                isRoot={selected.id === draft.root_node_id}
                linkTargets={linkTargets}
                onChange={replaceNode}
                onMakeRoot={() => change((d) => ({ ...d, root_node_id: selected.id }))}
                onDelete={() => {
                  change((d) => withoutNode(d, selected.id));
                  setSelectedId(null);
                }}
              />
            ) : (
              <Stack gap="sm">
                <Text fw={700}>Tree</Text>
                <TextInput label="Title" value={draft.title} onChange={(e) => change((d) => ({ ...d, title: e.currentTarget.value }))} />
                <Textarea
                  label="Description"
                  autosize
                  minRows={2}
                  value={draft.description}
                  onChange={(e) => change((d) => ({ ...d, description: e.currentTarget.value }))}
                />
                <Autocomplete
                  label="Category"
                  data={(categories.data?.items ?? []).map((c) => c.category)}
                  value={draft.category}
                  onChange={(v) => change((d) => ({ ...d, category: v }))}
                />
                <TagsInput label="Tags" value={draft.tags} onChange={(v) => change((d) => ({ ...d, tags: v }))} />
                <div>
                  <Text size="sm" fw={500} mb={4}>
                    Status
                  </Text>
                  <SegmentedControl
                    fullWidth
                    value={draft.status}
                    onChange={(v) => change((d) => ({ ...d, status: v as TreeStatus }))}
                    data={[
                      { value: 'draft', label: 'Draft' },
                      { value: 'published', label: 'Published' },
                      { value: 'archived', label: 'Archived' },
                    ]}
                  />
                </div>
                <TextInput label="Change note" placeholder="What changed in this version" value={changeNote} onChange={(e) => setChangeNote(e.currentTarget.value)} />
                <Text size="xs" c="dimmed">
                  Click a step to edit it. Drag from a step’s bottom handle to another step to connect them; select a step or an
                  arrow and press Delete to remove it.
                </Text>
              </Stack>
            )}
          </ScrollArea>
          <Stack gap={4} p="sm" style={{ borderTop: '1px solid var(--mantine-color-default-border)' }} data-testid="problems">
            {report.errors.length + fieldErrors.length === 0 ? (
              <Badge color="green" variant="light">
                No problems
              </Badge>
            ) : (
              <Text size="sm" fw={600} c="red">
                {report.errors.length + fieldErrors.length} problem(s) to fix before saving
              </Text>
            )}
            <ScrollArea.Autosize mah={140}>
              {fieldErrors.map((e) => (
                <Text key={e} size="xs" c="red">
                  {e}
                </Text>
              ))}
              {report.errors.map((e, i) => (
                <Text
                  key={i}
                  size="xs"
                  c="red"
                  style={{ cursor: 'pointer' }}
                  onClick={() => e.node_ids[0] && setSelectedId(e.node_ids[0])}
                >
                  {e.message}
                </Text>
              ))}
              {report.warnings.map((w, i) => (
                <Text key={`w${i}`} size="xs" c="orange">
                  {w.message}
                </Text>
              ))}
            </ScrollArea.Autosize>
          </Stack>
        </Paper>
      </Group>
      <ImportTreesModal opened={importOpen} onClose={importModal.close} />
      {tree && (
        <TreeHistoryDrawer treeId={tree.id} currentVersion={baseVersion} opened={historyOpen} onClose={history.close} canRestore />
      )}
    </Stack>
  );
}

export function TreeEditorPage() {
  const { id } = useParams<{ id: string }>();
  const tree = useTree(id);
  if (!id) {
    return (
      <ReactFlowProvider>
        <Editor initial={NEW_TREE} tree={null} />
      </ReactFlowProvider>
    );
  }
  if (tree.error instanceof ApiError && (tree.error.status === 404 || tree.error.status === 422)) return <NotFoundPage />;
  if (!tree.data) return <Skeleton h={500} radius="md" />;
  return (
    <ReactFlowProvider>
      <Editor key={tree.data.id} initial={fromResponse(tree.data)} tree={tree.data} />
    </ReactFlowProvider>
  );
}
