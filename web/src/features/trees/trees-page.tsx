import { useEffect, useMemo, useRef, useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import {
  Alert,
  Anchor,
  Badge,
  Button,
  Card,
  Grid,
  Group,
  Loader,
  NavLink,
  Pagination,
  Paper,
  Select,
  SegmentedControl,
  Skeleton,
  Stack,
  Text,
  TextInput,
} from '@mantine/core';
import { useDebouncedValue, useDisclosure } from '@mantine/hooks';
import { IconBinaryTree2, IconDownload, IconFileImport, IconPlus, IconSearch } from '@tabler/icons-react';
import type { SearchHit, TreeStatus, TreeSummary } from '@flowpilot/contracts';
import { hasRole, useAuth } from '../../lib/auth.tsx';
import { EmptyState } from '../../components/empty-state.tsx';
import { PageHeader } from '../../components/page-header.tsx';
import { usePageTitle } from '../../components/use-page-title.ts';
import { ImportTreesModal } from './import-trees-modal.tsx';
import { StatusBadge, TagList } from './tree-badges.tsx';
import { downloadExport, PAGE_SIZE, useCategories, useTreeList, useTreeSearch, type LibraryFilters } from './trees-api.ts';

function TreeCard({ tree, showStatus, hit }: { tree: TreeSummary; showStatus: boolean; hit?: SearchHit }) {
  return (
    <Card withBorder padding="md" radius="md" data-testid="tree-card">
      <Group justify="space-between" align="flex-start" gap="xs">
        <Stack gap={4} style={{ minWidth: 0, flex: '1 1 240px' }}>
          <Anchor component={Link} to={`/trees/${tree.id}`} fw={600} size="md" className="fp-wrap">
            {tree.title}
          </Anchor>
          <Text size="sm" c="dimmed" lineClamp={2} className="fp-wrap">
            {tree.description}
          </Text>
        </Stack>
        <Group gap={6} wrap="nowrap" style={{ flexShrink: 0 }}>
          {showStatus && <StatusBadge status={tree.status} />}
          <Badge variant="light" size="sm">
            {tree.category}
          </Badge>
        </Group>
      </Group>
      {hit && (
        <Paper bg="var(--mantine-color-default-hover)" p="xs" mt="xs" radius="sm">
          {hit.match.node_title && (
            <Text size="xs" c="dimmed" mb={2}>
              Step: {hit.match.node_title}
            </Text>
          )}
          {/* The server escapes the snippet; its only markup is <mark>. */}
          <Text size="sm" className="fp-snippet" dangerouslySetInnerHTML={{ __html: hit.match.snippet }} />
        </Paper>
      )}
      <Group justify="space-between" mt="sm">
        <TagList tags={tree.tags} />
        <Text size="xs" c="dimmed">
          {tree.node_count} steps · v{tree.current_version} · updated {new Date(tree.updated_at).toLocaleDateString()}
        </Text>
      </Group>
    </Card>
  );
}

export function TreesPage() {
  usePageTitle('Trees');
  const { user } = useAuth();
  const author = hasRole(user, 'engineer');
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const [importing, importModal] = useDisclosure(false);
  const urlQ = params.get('q') ?? '';
  const filters: LibraryFilters = {
    category: params.get('category'),
    status: (params.get('status') as TreeStatus | null) ?? null,
    tag: params.get('tag'),
  };
  const page = Math.max(1, Number(params.get('page')) || 1);
  const setParam = (key: string, value: string | null) =>
    setParams(
      (prev) => {
        const next = new URLSearchParams(prev);
        if (value) next.set(key, value);
        else next.delete(key);
        if (key !== 'page') next.delete('page');
        return next;
      },
      { replace: true },
    );

  // The box owns what is typed; the URL follows it (debounced), never the other way while typing,
  // so no keystroke is lost to a URL update still on its way.
  const [q, setQ] = useState(urlQ);
  const [debouncedQ] = useDebouncedValue(q, 200);
  const writtenQ = useRef(urlQ);
  useEffect(() => {
    // The URL changed from outside (back, forward, a link): the box shows it.
    if (urlQ !== writtenQ.current) {
      writtenQ.current = urlQ;
      setQ(urlQ);
    }
  }, [urlQ]);
  useEffect(() => {
    if (debouncedQ === writtenQ.current) return;
    writtenQ.current = debouncedQ;
    setParam('q', debouncedQ || null);
  }, [debouncedQ]); // Only a new debounced value writes; setParam is a fresh closure each render.

  const categories = useCategories();
  const list = useTreeList(filters, page);
  const search = useTreeSearch(debouncedQ, filters, page);
  const searching = debouncedQ.trim().length > 0;
  const total = (searching ? search.data?.total : list.data?.total) ?? 0;
  const pages = Math.ceil(total / PAGE_SIZE);
  const tagOptions = useMemo(
    () => [...new Set([...(list.data?.items ?? []), ...(search.data?.items ?? [])].flatMap((t) => t.tags)), ...(filters.tag ? [filters.tag] : [])].sort(),
    [list.data, search.data, filters.tag],
  );
  const items: { tree: TreeSummary; hit?: SearchHit }[] = searching
    ? (search.data?.items ?? []).map((h) => ({ tree: h, hit: h }))
    : (list.data?.items ?? []).map((t) => ({ tree: t }));
  const loading = searching ? search.isPending : list.isPending;

  return (
    <>
      <PageHeader
        title="Decision trees"
        description="Your team’s troubleshooting library."
        actions={
          author && (
            <Group gap="xs">
              <Button variant="default" leftSection={<IconFileImport size={16} />} onClick={importModal.open}>
                Import
              </Button>
              <Button
                variant="default"
                leftSection={<IconDownload size={16} />}
                onClick={() => downloadExport('/trees/export', 'flowpilot-trees.json')}
              >
                Export all
              </Button>
              <Button leftSection={<IconPlus size={16} />} onClick={() => navigate('/trees/new')}>
                New tree
              </Button>
            </Group>
          )
        }
      />
      <Grid gap="lg">
        <Grid.Col span={{ base: 12, md: 3 }} hiddenFrom="md">
          <Select
            label="Category"
            data={[{ value: '', label: 'All trees' }, ...(categories.data?.items ?? []).map((c) => ({ value: c.category, label: `${c.category} (${c.count})` }))]}
            value={filters.category ?? ''}
            allowDeselect={false}
            onChange={(v) => setParam('category', v || null)}
          />
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 3 }} visibleFrom="md">
          <Paper withBorder p="xs" radius="md">
            <Text size="xs" fw={700} c="dimmed" tt="uppercase" px="sm" py={4}>
              Categories
            </Text>
            <NavLink label="All trees" active={!filters.category} onClick={() => setParam('category', null)} />
            {categories.data?.items.map((c) => (
              <NavLink
                key={c.category}
                label={c.category}
                active={filters.category === c.category}
                rightSection={
                  <Badge size="xs" variant="light" color="gray">
                    {c.count}
                  </Badge>
                }
                onClick={() => setParam('category', c.category)}
              />
            ))}
          </Paper>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 9 }}>
          <Stack>
            <Group align="flex-end" wrap="wrap">
              <TextInput
                style={{ flex: 1, minWidth: 240 }}
                label="Search"
                placeholder="Search titles, steps and commands — typos are fine"
                leftSection={<IconSearch size={16} />}
                rightSection={searching && search.isFetching ? <Loader size="xs" /> : null}
                value={q}
                onChange={(e) => setQ(e.currentTarget.value)}
              />
              {author && (
                <SegmentedControl
                  aria-label="Status"
                  value={filters.status ?? 'all'}
                  onChange={(v) => setParam('status', v === 'all' ? null : v)}
                  data={[
                    { value: 'all', label: 'Active' },
                    { value: 'published', label: 'Published' },
                    { value: 'draft', label: 'Drafts' },
                    { value: 'archived', label: 'Archived' },
                  ]}
                />
              )}
              <Select
                label="Tag"
                placeholder="Any tag"
                clearable
                searchable
                w={170}
                data={tagOptions}
                value={filters.tag}
                onChange={(v) => setParam('tag', v)}
              />
            </Group>
            {searching && search.data && search.data.corrected_terms.length > 0 && (
              <Text size="sm" c="dimmed">
                Also searched for: {search.data.corrected_terms.join(', ')}
              </Text>
            )}
            {(list.error || search.error) && <Alert color="red">{(list.error ?? search.error)!.message}</Alert>}
            {loading && [0, 1, 2].map((i) => <Skeleton key={i} h={96} radius="md" />)}
            {!loading && items.length === 0 && (
              <EmptyState icon={<IconBinaryTree2 size={28} />} title={searching ? 'No tree matches' : 'No trees here yet'}>
                {searching ? 'Try other words, or fewer of them.' : author ? 'Create one, or import your team’s trees.' : 'Published trees of your team appear here.'}
              </EmptyState>
            )}
            {items.map(({ tree, hit }) => (
              <TreeCard key={tree.id} tree={tree} hit={hit} showStatus={author} />
            ))}
            {pages > 1 && (
              <Group justify="space-between">
                <Text size="sm" c="dimmed">
                  {total} trees
                </Text>
                <Pagination total={pages} value={Math.min(page, pages)} onChange={(p) => setParam('page', String(p))} aria-label="Pages" />
              </Group>
            )}
          </Stack>
        </Grid.Col>
      </Grid>
      <ImportTreesModal opened={importing} onClose={importModal.close} />
    </>
  );
}
