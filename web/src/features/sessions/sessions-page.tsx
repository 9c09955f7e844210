import { useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { Badge, Button, Card, Group, Pagination, SegmentedControl, Select, Skeleton, Table, Text, TextInput } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { IconListCheck, IconPlayerPlay, IconSearch } from '@tabler/icons-react';
import { formatDuration, SESSION_STATUSES, type SessionStatus } from '@flowpilot/contracts';
import { EmptyState } from '../../components/empty-state.tsx';
import { PageHeader } from '../../components/page-header.tsx';
import { hasRole, useAuth } from '../../lib/auth.tsx';
import { SESSIONS_PAGE_SIZE, STATUS_COLOR, STATUS_LABEL, useSessions } from './sessions-api.ts';
import { usePageTitle } from '../../components/use-page-title.ts';

/** My sessions (and, for engineers and admins, the team's), with filters kept in the URL. */
export function SessionsPage() {
  usePageTitle('Sessions');
  const { user } = useAuth();
  const navigate = useNavigate();
  const seesTeam = hasRole(user, 'engineer');
  const [params, setParams] = useSearchParams();
  const [q, setQ] = useState(params.get('q') ?? '');
  const [debouncedQ] = useDebouncedValue(q, 250);
  const status = (params.get('status') as SessionStatus | null) ?? null;
  const scope = seesTeam && params.get('scope') === 'team' ? 'team' : 'mine';
  const page = Math.max(1, Number(params.get('page') ?? 1) || 1);
  const sessions = useSessions({ status, q: debouncedQ.trim() || null, scope }, page);

  const set = (key: string, value: string | null) =>
    setParams((p) => {
      const next = new URLSearchParams(p);
      if (value) next.set(key, value);
      else next.delete(key);
      if (key !== 'page') next.delete('page');
      return next;
    });

  const data = sessions.data;
  const pages = data ? Math.ceil(data.total / SESSIONS_PAGE_SIZE) : 0;

  return (
    <>
      <PageHeader
        title={seesTeam && scope === 'team' ? 'Team sessions' : 'My sessions'}
        description={scope === 'team' ? 'Every troubleshooting session of your team.' : 'Sessions you started and those assigned to you.'}
        actions={
          <Button component={Link} to="/sessions/new" leftSection={<IconPlayerPlay size={16} />}>
            New session
          </Button>
        }
      />
      <Group mb="md" gap="sm" wrap="wrap">
        <TextInput
          aria-label="Search sessions"
          placeholder="Ticket, client, device or problem"
          leftSection={<IconSearch size={16} />}
          value={q}
          onChange={(e) => setQ(e.currentTarget.value)}
          w={300}
        />
        <Select
          aria-label="Status"
          placeholder="Any status"
          clearable
          data={SESSION_STATUSES.filter((st) => st !== 'requesting_escalation').map((st) => ({ value: st, label: STATUS_LABEL[st] }))}
          value={status}
          onChange={(v) => set('status', v)}
          w={180}
        />
        {seesTeam && (
          <SegmentedControl
            aria-label="Whose sessions"
            data={[
              { value: 'mine', label: 'Mine' },
              { value: 'team', label: 'Team' },
            ]}
            value={scope}
            onChange={(v) => set('scope', v === 'team' ? 'team' : null)}
          />
        )}
      </Group>
      {sessions.isLoading ? (
        <Skeleton h={240} />
      ) : !data || data.total === 0 ? (
        <EmptyState icon={<IconListCheck size={28} />} title={status || debouncedQ ? 'No session matches' : 'No sessions yet'}>
          {status || debouncedQ ? 'Try another status or search.' : 'Start one from a customer’s ticket: every step you take is recorded for the documentation.'}
        </EmptyState>
      ) : (
        <Card withBorder radius="md" padding={0}>
          <Table.ScrollContainer minWidth={720}>
            <Table highlightOnHover verticalSpacing="sm">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Tree</Table.Th>
                  <Table.Th>Ticket</Table.Th>
                  <Table.Th>Client</Table.Th>
                  <Table.Th>Status</Table.Th>
                  {scope === 'team' && <Table.Th>Technician</Table.Th>}
                  <Table.Th>Steps</Table.Th>
                  <Table.Th>Time</Table.Th>
                  <Table.Th>Updated</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {data.items.map((s) => (
                  <Table.Tr key={s.id} style={{ cursor: 'pointer' }} onClick={() => navigate(`/pilot/${s.id}`)}>
                    <Table.Td>
                      <Text component={Link} to={`/pilot/${s.id}`} fw={600} size="sm" onClick={(e) => e.stopPropagation()}>
                        {s.tree_title}
                      </Text>
                      {s.problem_summary && (
                        <Text size="xs" c="dimmed" lineClamp={1} maw={320}>
                          {s.problem_summary}
                        </Text>
                      )}
                    </Table.Td>
                    <Table.Td>{s.ticket_id ?? '—'}</Table.Td>
                    <Table.Td>{s.client_name ?? '—'}</Table.Td>
                    <Table.Td>
                      <Group gap={4}>
                        <Badge color={STATUS_COLOR[s.status]} variant="light">
                          {STATUS_LABEL[s.status]}
                        </Badge>
                        {s.paused && (
                          <Badge color="yellow" variant="light">
                            Paused
                          </Badge>
                        )}
                      </Group>
                    </Table.Td>
                    {scope === 'team' && <Table.Td>{s.user_name}</Table.Td>}
                    <Table.Td>{s.step_count}</Table.Td>
                    <Table.Td>{formatDuration(s.total_seconds)}</Table.Td>
                    <Table.Td>
                      <Text size="sm" c="dimmed">
                        {new Date(s.updated_at).toLocaleString([], { dateStyle: 'short', timeStyle: 'short' })}
                      </Text>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </Card>
      )}
      {pages > 1 && (
        <Group justify="center" mt="md">
          <Pagination total={pages} value={page} onChange={(p) => set('page', String(p))} />
        </Group>
      )}
    </>
  );
}
