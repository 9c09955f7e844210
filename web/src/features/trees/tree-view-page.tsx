import { Link, useNavigate, useParams, useSearchParams } from 'react-router';
import {
  Alert,
  Anchor,
  Badge,
  Button,
  Card,
  Group,
  Menu,
  Modal,
  Skeleton,
  Stack,
  Tabs,
  Text,
  Title,
} from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { IconChevronDown, IconDownload, IconEdit, IconHistory, IconPlayerPlay, IconTrash } from '@tabler/icons-react';
import { successors, type TreeNode, type TreeResponse } from '@flowpilot/contracts';
import { hasRole, useAuth } from '../../lib/auth.tsx';
import { Markdown } from '../../components/markdown.tsx';
import { NotFoundPage } from '../../components/not-found-page.tsx';
import { usePageTitle } from '../../components/use-page-title.ts';
import { StatusBadge, TagList } from './tree-badges.tsx';
import { KIND_COLOR, KIND_LABEL, TreeGraphView } from './tree-graph.tsx';
import { TreeHistoryDrawer } from './tree-history-drawer.tsx';
import { downloadExport, useDeleteTree, useTree } from './trees-api.ts';
import { ApiError } from '../../lib/api.ts';

/** Nodes in the order a technician meets them: breadth-first from the start. */
function walkOrder(tree: TreeResponse): TreeNode[] {
  const byId = new Map(tree.nodes.map((n) => [n.id, n]));
  const seen = new Set<string>();
  const order: TreeNode[] = [];
  const queue = [tree.root_node_id];
  while (queue.length) {
    const id = queue.shift()!;
    const node = byId.get(id);
    if (!node || seen.has(id)) continue;
    seen.add(id);
    order.push(node);
    queue.push(...successors(node));
  }
  return [...order, ...tree.nodes.filter((n) => !seen.has(n.id))];
}

function StepCard({ node, tree, index }: { node: TreeNode; tree: TreeResponse; index: number }) {
  const titleOf = (id: string) => tree.nodes.find((n) => n.id === id)?.title ?? id;
  return (
    <Card withBorder radius="md" padding="md" id={`step-${node.id}`} style={{ borderLeft: `4px solid ${KIND_COLOR[node.kind]}` }}>
      <Group gap="xs" mb={4}>
        <Text size="xs" c="dimmed" fw={700}>
          {index + 1}
        </Text>
        <Badge size="xs" variant="light" style={{ color: KIND_COLOR[node.kind] }}>
          {KIND_LABEL[node.kind]}
        </Badge>
        {node.id === tree.root_node_id && (
          <Badge size="xs" color="gray" variant="outline">
            start
          </Badge>
        )}
      </Group>
      <Text fw={600} mb={node.body ? 'xs' : 0} className="fp-wrap">
        {node.title}
      </Text>
      {node.body && <Markdown>{node.body}</Markdown>}
      {node.kind === 'question' && (
        <Stack gap={2} mt="xs">
          {node.options.map((o) => (
            <Text size="sm" key={o.label}>
              <Text span fw={600}>
                {o.label}
              </Text>{' '}
              → <Anchor href={`#step-${o.next}`}>{titleOf(o.next)}</Anchor>
            </Text>
          ))}
        </Stack>
      )}
      {(node.kind === 'action' || node.kind === 'link') && node.next && (
        <Text size="sm" mt="xs">
          Then → <Anchor href={`#step-${node.next}`}>{titleOf(node.next)}</Anchor>
        </Text>
      )}
      {node.kind === 'link' && (
        <Text size="sm" mt="xs">
          Continues in <Anchor component={Link} to={`/trees/${node.tree_id}`}>the linked tree</Anchor>
          {node.next ? ', then comes back here.' : '.'}
        </Text>
      )}
    </Card>
  );
}

export function TreeViewPage() {
  const { id } = useParams<{ id: string }>();
  const [params] = useSearchParams();
  const version = params.get('version') ? Number(params.get('version')) : undefined;
  const { user } = useAuth();
  const author = hasRole(user, 'engineer');
  const navigate = useNavigate();
  const tree = useTree(id, version);
  const remove = useDeleteTree();
  const [historyOpen, history] = useDisclosure(false);
  const [deleting, deleteModal] = useDisclosure(false);
  const loaded = tree.data;
  usePageTitle(loaded ? (loaded.version !== loaded.current_version ? `${loaded.title} (version ${loaded.version})` : loaded.title) : null);

  if (tree.error instanceof ApiError && (tree.error.status === 404 || tree.error.status === 422)) return <NotFoundPage />;
  if (tree.isPending || !tree.data) return <Skeleton h={400} radius="md" />;
  const t = tree.data;
  const old = t.version !== t.current_version;

  const confirmDelete = async () => {
    try {
      await remove.mutateAsync(t.id);
      notifications.show({ color: 'green', message: `“${t.title}” was deleted.` });
      navigate('/trees');
    } catch (err) {
      deleteModal.close();
      notifications.show({ color: 'red', title: 'Not deleted', message: (err as Error).message });
    }
  };

  return (
    <>
      <Group justify="space-between" align="flex-start" mb="md" wrap="wrap">
        <Stack gap={6} style={{ flex: 1, minWidth: 260 }}>
          <Anchor component={Link} to="/trees" size="sm">
            ← Decision trees
          </Anchor>
          <Group gap="xs">
            <Title order={1} size="h2" className="fp-wrap">
              {t.title}
            </Title>
            {author && <StatusBadge status={t.status} />}
          </Group>
          <Text c="dimmed" className="fp-wrap">
            {t.description}
          </Text>
          <Group gap="xs">
            <Badge variant="light">{t.category}</Badge>
            <TagList tags={t.tags} />
            <Text size="xs" c="dimmed">
              Version {t.version}
              {t.updated_by ? ` · saved by ${t.updated_by.full_name}` : ''} · {new Date(t.updated_at).toLocaleString()}
            </Text>
          </Group>
        </Stack>
        <Group gap="xs">
          {t.status !== 'archived' && (
            <Button leftSection={<IconPlayerPlay size={16} />} onClick={() => navigate(`/sessions/new?tree=${t.id}`)}>
              Start session
            </Button>
          )}
          <Button variant="default" leftSection={<IconHistory size={16} />} onClick={history.open}>
            History
          </Button>
          <Menu position="bottom-end">
            <Menu.Target>
              <Button variant="default" leftSection={<IconDownload size={16} />} rightSection={<IconChevronDown size={14} />}>
                Export
              </Button>
            </Menu.Target>
            <Menu.Dropdown>
              <Menu.Item onClick={() => downloadExport(`/trees/${t.id}/export?format=json&version=${t.version}`, 'tree.json')}>
                FlowPilot JSON
              </Menu.Item>
              <Menu.Item onClick={() => downloadExport(`/trees/${t.id}/export?format=mermaid&version=${t.version}`, 'tree.mmd')}>
                Mermaid flowchart
              </Menu.Item>
            </Menu.Dropdown>
          </Menu>
          {author && (
            <Button variant="default" leftSection={<IconEdit size={16} />} onClick={() => navigate(`/trees/${t.id}/edit`)}>
              Edit
            </Button>
          )}
          {user?.role === 'admin' && (
            <Button color="red" variant="light" leftSection={<IconTrash size={16} />} onClick={deleteModal.open}>
              Delete
            </Button>
          )}
        </Group>
      </Group>
      {old && (
        <Alert color="blue" mb="md" title={`You are looking at version ${t.version}`}>
          The newest is version {t.current_version}. <Anchor component={Link} to={`/trees/${t.id}`}>Show the newest</Anchor>
        </Alert>
      )}
      <Tabs defaultValue="steps" keepMounted={false}>
        <Tabs.List mb="md">
          <Tabs.Tab value="steps">Steps</Tabs.Tab>
          <Tabs.Tab value="flowchart">Flowchart</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="steps">
          <Stack gap="sm">
            {walkOrder(t).map((node, i) => (
              <StepCard key={node.id} node={node} tree={t} index={i} />
            ))}
          </Stack>
        </Tabs.Panel>
        <Tabs.Panel value="flowchart">
          <Card withBorder padding={0} radius="md">
            <TreeGraphView treeNodes={t.nodes} rootId={t.root_node_id} height={620} />
          </Card>
        </Tabs.Panel>
      </Tabs>
      <Modal opened={deleting} onClose={deleteModal.close} title={`Delete “${t.title}”?`} centered>
        <Text size="sm" mb="lg">
          Every version of this tree is deleted. This cannot be undone; archiving keeps it out of the library instead.
        </Text>
        <Group justify="flex-end">
          <Button variant="default" onClick={deleteModal.close}>
            Cancel
          </Button>
          <Button color="red" loading={remove.isPending} onClick={confirmDelete}>
            Delete tree
          </Button>
        </Group>
      </Modal>
      <TreeHistoryDrawer treeId={t.id} currentVersion={t.current_version} opened={historyOpen} onClose={history.close} canRestore={author} />
    </>
  );
}
