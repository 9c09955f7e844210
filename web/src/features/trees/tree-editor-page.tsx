import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
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
  type OnConnectEnd,
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
import { usePageTitle } from '../../components/use-page-title.ts';
import { KIND_LABEL, NODE_HEIGHT, NODE_WIDTH, autoLayout, edgesOf, nodeTypes, toFlowNodes, type FlowNode } from './tree-graph.tsx';
import { NodeForm } from './node-form.tsx';
import { TreeHistoryDrawer } from './tree-history-drawer.tsx';
import { downloadExport, useCategories, useCreateTree, useFetchNewestTree, useTree, useTreeList, useUpdateTree } from './trees-api.ts';
import { ImportTreesModal } from './import-trees-modal.tsx';
import { useNarrowScreen } from '../../components/use-narrow-screen.ts';

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

/** The editor's news goes bottom right: at the top it would sit on the Save button. */
const toast = (n: Parameters<typeof notifications.show>[0]) => notifications.show({ position: 'bottom-right', ...n });

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

const GAP = 40;
/** Room kept for a new step: its kind, two lines of title and two of a problem (a new step usually has one). */
const NEW_NODE_HEIGHT = 120;

/**
 * Where a new step goes: under the anchor (the selected or the last step), or
 * to the right of it when that is taken, row after row further down, never on
 * top of a step already there.
 */
export function freeSpot(taken: readonly Box[], anchor: Box | null, fallback: { x: number; y: number }): { x: number; y: number } {
  const start = anchor ? { x: anchor.x, y: anchor.y + anchor.height + GAP } : fallback;
  const free = (x: number, y: number) =>
    !taken.some((b) => x < b.x + b.width + GAP / 2 && x + NODE_WIDTH + GAP / 2 > b.x && y < b.y + b.height + GAP / 2 && y + NEW_NODE_HEIGHT + GAP / 2 > b.y);
  for (let row = 0; row < 200; row++) {
    for (let col = 0; col < 6; col++) {
      const x = start.x + col * (NODE_WIDTH + GAP);
      const y = start.y + row * (NODE_HEIGHT + GAP / 2);
      if (free(x, y)) return { x, y };
    }
  }
  return start;
}

function Editor({ initial, tree }: { initial: Draft; tree: TreeResponse | null }) {
  const navigate = useNavigate();
  const flow = useReactFlow<FlowNode>();
  const [draft, setDraft] = useState<Draft>(initial);
  /** The draft as last saved (or loaded): anything else is unsaved, including edits made while a save was on its way. */
  const [savedDraft, setSavedDraft] = useState<Draft>(initial);
  const dirty = draft !== savedDraft;
  const [baseVersion, setBaseVersion] = useState(tree?.current_version ?? 0);
  /**
   * The newest version this editor knows is its own base. Set the moment a
   * save or restore answers, before the refetch that follows can show the new
   * version: so the editor never mistakes its own save for someone else's.
   */
  const base = useRef(baseVersion);
  const phone = useNarrowScreen();
  const [connecting, setConnecting] = useState(false);
  const canvas = useRef<HTMLDivElement>(null);
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [conflict, setConflict] = useState<string | null>(null);
  const [serverErrors, setServerErrors] = useState<{ message: string; node_ids: string[] }[]>([]);
  const [changeNote, setChangeNote] = useState('');
  const [historyOpen, history] = useDisclosure(false);
  const [importOpen, importModal] = useDisclosure(false);
  const create = useCreateTree();
  const adopt = useCallback((saved: TreeResponse, content: Draft) => {
    base.current = saved.current_version;
    setBaseVersion(saved.current_version);
    setSavedDraft(content);
    setConflict(null);
  }, []);
  const onSaved = useCallback((saved: TreeResponse) => {
    base.current = saved.current_version;
  }, []);
  const update = useUpdateTree(tree?.id ?? '', onSaved);
  const fetchNewest = useFetchNewestTree(tree?.id ?? '');
  /** Replaces the draft with the newest saved version (the conflict banner's way out). */
  const loadNewest = async () => {
    try {
      const newest = await fetchNewest();
      const content = fromResponse(newest);
      setDraft(content);
      setSelectedId(null);
      setServerErrors([]);
      adopt(newest, content);
    } catch (err) {
      toast({ color: 'red', title: 'Not loaded', message: (err as Error).message });
    }
  };
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

  // A newer version than this editor's base arrived (a refetch), so someone else saved.
  // With no unsaved edits, simply show it; with edits, say so and keep them.
  useEffect(() => {
    if (!tree || tree.current_version <= base.current) return;
    if (draft === savedDraft) {
      const content = fromResponse(tree);
      setDraft(content);
      adopt(tree, content);
      toast({ message: `Showing version ${tree.current_version}, saved by ${tree.updated_by?.full_name ?? 'someone'}.` });
    } else {
      setConflict(`Version ${tree.current_version} was saved by ${tree.updated_by?.full_name ?? 'someone'} while you were editing.`);
    }
    // Only a new tree from the server is news; the draft is read as it stands then.
  }, [tree]);
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

  // A drop on a step (not only on its small top handle) connects to it.
  const onConnectEnd: OnConnectEnd = useCallback(
    (event, state) => {
      setConnecting(false);
      if (state.isValid || !state.fromNode || state.fromHandle?.type !== 'source') return;
      const point = 'changedTouches' in event ? event.changedTouches[0] : event;
      if (!point) return;
      const target = document.elementFromPoint(point.clientX, point.clientY)?.closest<HTMLElement>('.react-flow__node')?.dataset.id;
      if (target && target !== state.fromNode.id) onConnect({ source: state.fromNode.id, target, sourceHandle: null, targetHandle: null });
    },
    [onConnect],
  );

  const addNode = (kind: NodeKind) => {
    const id = newNodeId(kind, draft.nodes);
    const placed = toFlowNodes(draft.nodes, draft.root_node_id, new Map());
    const boxes = placed.map((n) => {
      const measured = flow.getInternalNode(n.id)?.measured;
      return { id: n.id, x: n.position.x, y: n.position.y, width: measured?.width ?? NODE_WIDTH, height: measured?.height ?? NEW_NODE_HEIGHT };
    });
    const anchor = boxes.find((b) => b.id === selectedId) ?? boxes.at(-1) ?? null;
    const fallback = flow.screenToFlowPosition({ x: window.innerWidth / 2 - 200, y: window.innerHeight / 2 });
    const position = freeSpot(boxes, anchor, fallback);
    change((d) => ({
      // Steps without a saved place get the one they are drawn at, so none moves when this one arrives.
      ...d,
      nodes: [...d.nodes.map((n) => (n.position ? n : { ...n, position: placed.find((p) => p.id === n.id)!.position })), newNode(kind, id, position)],
    }));
    setSelectedId(id);
    // Bring the new step into view, if it landed outside it; otherwise the view stays where the author put it.
    const rect = canvas.current?.getBoundingClientRect();
    if (rect) {
      const topLeft = flow.screenToFlowPosition({ x: rect.left, y: rect.top });
      const bottomRight = flow.screenToFlowPosition({ x: rect.right, y: rect.bottom });
      const inView =
        position.x >= topLeft.x && position.y >= topLeft.y && position.x + NODE_WIDTH <= bottomRight.x && position.y + NODE_HEIGHT <= bottomRight.y;
      if (!inView) flow.setCenter(position.x + NODE_WIDTH / 2, position.y + NODE_HEIGHT / 2, { zoom: flow.getZoom(), duration: 200 });
    }
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
      adopt(saved, sent);
      setChangeNote('');
      toast({ color: 'green', title: 'Saved', message: `“${saved.title}” is now version ${saved.version}.` });
      for (const w of saved.warnings.filter((w) => w.code === 'link_to_unpublished')) {
        toast({ color: 'yellow', title: 'Saved with a warning', message: w.message });
      }
      if (!tree) navigate(`/trees/${saved.id}/edit`, { replace: true });
    } catch (err) {
      if (err instanceof ApiError && err.status === 409) setConflict(err.message);
      else {
        if (err instanceof ApiError && err.status === 422 && Array.isArray(err.detail)) {
          setServerErrors((err.detail as { msg: string; node_ids?: string[] }[]).map((d) => ({ message: d.msg, node_ids: d.node_ids ?? [] })));
        }
        toast({ color: 'red', title: 'Not saved', message: (err as Error).message });
      }
    }
  };

  const selected = draft.nodes.find((n) => n.id === selectedId) ?? null;
  const saving = create.isPending || update.isPending;
  usePageTitle(tree ? `Edit: ${savedDraft.title || 'Untitled'}` : 'New tree');

  return (
    <Stack gap="sm" h={phone ? undefined : 'calc(100dvh - 100px)'}>
      <Group justify="space-between" wrap="wrap">
        <Stack gap={0} style={{ minWidth: 0, flex: '1 1 240px' }}>
          <Anchor component={Link} to={tree ? `/trees/${tree.id}` : '/trees'} size="sm">
            ← {tree ? 'Back to the tree' : 'Decision trees'}
          </Anchor>
          <Title order={1} size="h3" className="fp-wrap">
            {tree ? `Editing: ${draft.title || 'Untitled'}` : 'New tree'}
          </Title>
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
          <Anchor component="button" onClick={() => void loadNewest()}>
            Load the newest (your unsaved changes are lost)
          </Anchor>
        </Alert>
      )}
      {/* On a phone the canvas sits above the form; on a desk they sit side by side. */}
      <Stack gap="sm" style={phone ? undefined : { flex: 1, minHeight: 0, flexDirection: 'row', alignItems: 'stretch' }}>
        <Card
          ref={canvas}
          withBorder
          padding={0}
          radius="md"
          className={connecting ? 'fp-connecting' : undefined}
          style={phone ? { height: '60dvh' } : { flex: 1, minWidth: 0 }}
        >
          <ReactFlow<FlowNode>
            nodes={flowNodes}
            edges={flowEdges}
            nodeTypes={nodeTypes}
            onNodesChange={onNodesChange}
            onEdgesChange={onEdgesChange}
            onConnect={onConnect}
            onConnectStart={() => setConnecting(true)}
            onConnectEnd={onConnectEnd}
            connectionRadius={36}
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
        <Paper withBorder radius="md" w={phone ? undefined : 380} p={0} style={{ display: 'flex', flexDirection: 'column', flexShrink: 0 }}>
          <ScrollArea style={phone ? undefined : { flex: 1 }} p="md">
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
                  Click a step to edit it. Drag from the dot under a step onto another step to connect them.
                  <span className="fp-keyboard-hint"> Select a step or an arrow and press Delete to remove it.</span>
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
      </Stack>
      <ImportTreesModal opened={importOpen} onClose={importModal.close} />
      {tree && (
        <TreeHistoryDrawer
          treeId={tree.id}
          currentVersion={baseVersion}
          opened={historyOpen}
          onClose={history.close}
          canRestore
          unsavedChanges={dirty}
          onRestored={(restored) => {
            const content = fromResponse(restored);
            setDraft(content);
            setSelectedId(null);
            adopt(restored, content);
          }}
        />
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
