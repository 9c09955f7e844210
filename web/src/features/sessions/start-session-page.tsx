import { useState } from 'react';
import { useNavigate, useSearchParams } from 'react-router';
import { Alert, Badge, Button, Card, Grid, Group, Loader, Stack, Text, Textarea, TextInput, Title, UnstyledButton } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { IconPlayerPlay, IconSearch } from '@tabler/icons-react';
import type { TreeSummary } from '@flowpilot/contracts';
import { PageHeader } from '../../components/page-header.tsx';
import { useTree, useTreeList, useTreeSearch } from '../trees/trees-api.ts';
import { useStartSession } from './sessions-api.ts';
import { usePageTitle } from '../../components/use-page-title.ts';

interface Pickable {
  tree: TreeSummary;
  snippet?: string | undefined;
}

function TreeOption({ item, selected, onSelect }: { item: Pickable; selected: boolean; onSelect: () => void }) {
  return (
    <UnstyledButton onClick={onSelect} aria-pressed={selected} aria-label={`Use ${item.tree.title}`} w="100%">
      <Card withBorder padding="sm" radius="md" style={{ borderColor: selected ? 'var(--mantine-color-blue-6)' : undefined, borderWidth: selected ? 2 : 1 }}>
        <Group justify="space-between" wrap="wrap" gap={6}>
          <Text fw={600} size="sm">
            {item.tree.title}
          </Text>
          <Badge variant="light" size="sm" style={{ flexShrink: 0 }}>
            {item.tree.category}
          </Badge>
        </Group>
        {/* The server escapes the snippet; its only markup is <mark>. */}
        {item.snippet ? (
          <Text size="xs" c="dimmed" className="fp-snippet" dangerouslySetInnerHTML={{ __html: item.snippet }} />
        ) : (
          <Text size="xs" c="dimmed" lineClamp={2}>
            {item.tree.description}
          </Text>
        )}
      </Card>
    </UnstyledButton>
  );
}

/** Where a session starts: the ticket's details, and the tree (searched for, or suggested from the problem). */
export function StartSessionPage() {
  usePageTitle('Start a session');
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const [ticketId, setTicketId] = useState('');
  const [client, setClient] = useState('');
  const [device, setDevice] = useState('');
  const [problem, setProblem] = useState('');
  const [search, setSearch] = useState('');
  const [picked, setPicked] = useState<string | null>(params.get('tree'));
  const [debouncedSearch] = useDebouncedValue(search, 200);
  const [debouncedProblem] = useDebouncedValue(problem, 400);
  const query = debouncedSearch.trim() || debouncedProblem.trim();
  const results = useTreeSearch(query, { status: 'published' });
  const library = useTreeList({ status: 'published' }, 1, 12);
  const preselected = useTree(params.get('tree') ?? undefined);
  const start = useStartSession();

  // Suggestions from the problem text are the best few; a typed search shows all it finds.
  const hits = (results.data?.items ?? []).slice(0, debouncedSearch.trim() ? undefined : 6);
  const items: Pickable[] = query
    ? hits.map((hit) => ({ tree: hit, snippet: hit.match.snippet }))
    : (library.data?.items ?? []).map((tree) => ({ tree }));
  if (preselected.data && !items.some((i) => i.tree.id === preselected.data.id)) {
    const t = preselected.data;
    items.unshift({ tree: { ...t, current_version: t.version, node_count: t.nodes.length, updated_by: null } });
  }
  const heading = debouncedSearch.trim() ? 'Matching trees' : debouncedProblem.trim() ? 'Suggested from the problem' : 'Published trees';

  const submit = () => {
    if (!picked) return;
    start.mutate(
      {
        tree_id: picked,
        ticket_id: ticketId.trim() || null,
        client_name: client.trim() || null,
        device: device.trim() || null,
        problem_summary: problem.trim() || null,
      },
      { onSuccess: (session) => navigate(`/pilot/${session.id}`) },
    );
  };

  return (
    <>
      <PageHeader title="Start a session" description="Enter the ticket’s details, pick the tree that fits the problem, and go." />
      <Grid gap="xl">
        <Grid.Col span={{ base: 12, md: 5 }}>
          <Card withBorder radius="md" padding="lg">
            <Title order={4} mb="sm">
              Ticket
            </Title>
            <Stack gap="sm">
              <TextInput label="Ticket number" description="The PSA ticket the documentation goes to" value={ticketId} onChange={(e) => setTicketId(e.currentTarget.value)} maxLength={64} />
              <TextInput label="Client" value={client} onChange={(e) => setClient(e.currentTarget.value)} maxLength={200} />
              <TextInput label="Device" placeholder="Hostname, asset tag or serial" value={device} onChange={(e) => setDevice(e.currentTarget.value)} maxLength={200} />
              <Textarea
                label="Problem"
                description="What the customer reported; trees that match are suggested"
                autosize
                minRows={3}
                value={problem}
                onChange={(e) => setProblem(e.currentTarget.value)}
                maxLength={2000}
              />
            </Stack>
          </Card>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 7 }}>
          <Stack gap="sm">
            <TextInput
              aria-label="Search trees"
              placeholder="Search trees (typos are fine)"
              leftSection={<IconSearch size={16} />}
              rightSection={results.isFetching ? <Loader size="xs" /> : null}
              value={search}
              onChange={(e) => setSearch(e.currentTarget.value)}
            />
            <Text size="sm" fw={600} c="dimmed">
              {heading}
            </Text>
            {items.length === 0 && !results.isFetching && <Text c="dimmed">No published tree matches. Try other words.</Text>}
            {items.map((item) => (
              <TreeOption key={item.tree.id} item={item} selected={picked === item.tree.id} onSelect={() => setPicked(item.tree.id)} />
            ))}
            {start.error && <Alert color="red">{start.error.message}</Alert>}
            <Group justify="flex-end">
              <Button size="md" leftSection={<IconPlayerPlay size={18} />} disabled={!picked} loading={start.isPending} onClick={submit}>
                Start session
              </Button>
            </Group>
          </Stack>
        </Grid.Col>
      </Grid>
    </>
  );
}
