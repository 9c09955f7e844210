import { useEffect, useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { Anchor, Card, Group, Pagination, SegmentedControl, Skeleton, Stack, Table, Text, Tooltip } from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import { IconAlertTriangle, IconUrgent } from '@tabler/icons-react';
import { formatDuration, type EscalationQueueItem } from '@flowpilot/contracts';
import { EmptyState } from '../../components/empty-state.tsx';
import { PageHeader } from '../../components/page-header.tsx';
import { QUEUE_PAGE_SIZE, useEscalationQueue } from './escalations-api.ts';
import { usePageTitle } from '../../components/use-page-title.ts';

/** The current time, once a second: waiting times tick without refetching. */
function useNow(): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  return now;
}

/** "4m 05s" under an hour, "2h 10m" after. */
function waited(seconds: number): string {
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ${String(seconds % 60).padStart(2, '0')}s`;
  return formatDuration(seconds);
}

function QueueRow({ item, waitingSeconds }: { item: EscalationQueueItem; waitingSeconds: number }) {
  const navigate = useNavigate();
  const title = [item.client_name, item.ticket_id && `ticket ${item.ticket_id}`].filter(Boolean).join(', ') || item.tree_title;
  return (
    <Table.Tr
      onClick={() => navigate(item.link)}
      style={{ cursor: 'pointer', background: item.overdue ? 'var(--mantine-color-red-light)' : undefined }}
      data-overdue={item.overdue || undefined}
    >
      <Table.Td>
        <Group gap={6} wrap="nowrap">
          {item.overdue && (
            <Tooltip label="Waiting longer than the first step of the escalation chain">
              <IconAlertTriangle size={16} color="var(--mantine-color-red-6)" aria-label="Overdue" />
            </Tooltip>
          )}
          <Text size="sm" fw={item.overdue ? 700 : 500} c={item.overdue ? 'red' : undefined} ff="monospace">
            {waited(waitingSeconds)}
          </Text>
        </Group>
      </Table.Td>
      <Table.Td>
        <Anchor component={Link} to={item.link} size="sm" fw={600} onClick={(e) => e.stopPropagation()} aria-label={`Open escalation: ${title}`}>
          {item.client_name ?? 'No client'}
        </Anchor>
        {item.device && (
          <Text size="xs" c="dimmed">
            {item.device}
          </Text>
        )}
      </Table.Td>
      <Table.Td>{item.ticket_id ?? '—'}</Table.Td>
      <Table.Td>
        <Text size="sm" lineClamp={2} maw={280}>
          {item.problem_summary ?? item.tree_title}
        </Text>
        {item.problem_summary && (
          <Text size="xs" c="dimmed">
            {item.tree_title}
          </Text>
        )}
      </Table.Td>
      <Table.Td>{item.technician_name ?? '—'}</Table.Td>
      <Table.Td>
        {item.target_user_name ? (
          <Text size="sm" fw={600} c="grape">
            {item.target_user_name}
          </Text>
        ) : (
          <Text size="sm" c="dimmed">
            Team queue
          </Text>
        )}
      </Table.Td>
      <Table.Td>
        <Text size="sm" lineClamp={2} maw={300}>
          {item.reason ?? '—'}
        </Text>
      </Table.Td>
    </Table.Tr>
  );
}

/** One escalation as a card, for phones: the same facts as a row, top to bottom. */
function QueueCard({ item, waitingSeconds }: { item: EscalationQueueItem; waitingSeconds: number }) {
  const title = [item.client_name, item.ticket_id && `ticket ${item.ticket_id}`].filter(Boolean).join(', ') || item.tree_title;
  return (
    <Card
      component={Link}
      to={item.link}
      withBorder
      radius="md"
      padding="md"
      aria-label={`Open escalation: ${title}`}
      data-overdue={item.overdue || undefined}
      style={{ borderLeft: `5px solid var(--mantine-color-${item.overdue ? 'red' : 'orange'}-6)` }}
    >
      <Group justify="space-between" wrap="nowrap" gap="xs" align="flex-start">
        <Text fw={700} size="sm" style={{ overflowWrap: 'anywhere' }}>
          {item.client_name ?? 'No client'}
          {item.ticket_id ? ` · ticket ${item.ticket_id}` : ''}
        </Text>
        <Group gap={4} wrap="nowrap">
          {item.overdue && <IconAlertTriangle size={16} color="var(--mantine-color-red-6)" aria-label="Overdue" />}
          <Text size="sm" fw={item.overdue ? 700 : 500} c={item.overdue ? 'red' : undefined} ff="monospace">
            {waited(waitingSeconds)}
          </Text>
        </Group>
      </Group>
      <Text size="sm" mt={4} lineClamp={3} style={{ overflowWrap: 'anywhere' }}>
        {item.problem_summary ?? item.tree_title}
      </Text>
      {item.reason && (
        <Text size="xs" c="dimmed" mt={4} lineClamp={2} style={{ overflowWrap: 'anywhere' }}>
          Reason: {item.reason}
        </Text>
      )}
      <Text size="xs" c="dimmed" mt={6}>
        {item.technician_name ?? 'A technician'} → {item.target_user_name ?? 'team queue'}
        {item.device ? ` · ${item.device}` : ''}
      </Text>
    </Card>
  );
}

/** Escalated sessions waiting for an engineer, oldest first, live: each row (a card on a phone) opens the pickup screen. */
export function EscalationQueuePage() {
  usePageTitle('Escalation queue');
  const [params, setParams] = useSearchParams();
  const mine = params.get('filter') === 'mine';
  const page = Math.max(1, Number(params.get('page') ?? 1) || 1);
  const queue = useEscalationQueue(mine, page);
  const phone = useMediaQuery('(max-width: 48em)');
  const now = useNow();
  const data = queue.data;
  const pages = data ? Math.ceil(data.total / QUEUE_PAGE_SIZE) : 0;
  // waiting_seconds is as of the fetch (no clock skew between browser and server); placeholder data has no fetch time of its own.
  const elapsed = queue.dataUpdatedAt ? Math.max(0, Math.floor((now - queue.dataUpdatedAt) / 1000)) : 0;

  const set = (next: { filter?: string | null; page?: number }) =>
    setParams((p) => {
      const out = new URLSearchParams(p);
      if (next.filter !== undefined) {
        if (next.filter) out.set('filter', next.filter);
        else out.delete('filter');
        out.delete('page');
      }
      if (next.page !== undefined) out.set('page', String(next.page));
      return out;
    });

  return (
    <>
      <PageHeader
        title="Escalation queue"
        description="Escalated sessions waiting for an engineer, oldest first. Open one to see what was tried and pick it up."
        actions={
          <SegmentedControl
            aria-label="Which escalations"
            value={mine ? 'mine' : 'all'}
            onChange={(v) => set({ filter: v === 'mine' ? 'mine' : null })}
            data={[
              { value: 'all', label: 'All' },
              { value: 'mine', label: 'Sent to me' },
            ]}
          />
        }
      />
      {queue.isLoading ? (
        <Skeleton h={240} />
      ) : !data || data.total === 0 ? (
        <EmptyState icon={<IconUrgent size={28} />} title="Nothing waiting">
          {mine ? 'No escalation is waiting for you personally.' : 'No session is waiting for pickup.'} New escalations appear here as they happen.
        </EmptyState>
      ) : phone ? (
        <Stack gap="sm" aria-label="Escalations waiting for pickup">
          {data.items.map((item) => (
            <QueueCard key={item.session_id} item={item} waitingSeconds={item.waiting_seconds + elapsed} />
          ))}
        </Stack>
      ) : (
        <Card withBorder radius="md" padding={0}>
          <Table.ScrollContainer minWidth={960}>
            <Table highlightOnHover verticalSpacing="sm" aria-label="Escalations waiting for pickup">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Waiting</Table.Th>
                  <Table.Th>Client</Table.Th>
                  <Table.Th>Ticket</Table.Th>
                  <Table.Th>Problem</Table.Th>
                  <Table.Th>Technician</Table.Th>
                  <Table.Th>Sent to</Table.Th>
                  <Table.Th>Reason</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {data.items.map((item) => (
                  <QueueRow key={item.session_id} item={item} waitingSeconds={item.waiting_seconds + elapsed} />
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </Card>
      )}
      {pages > 1 && (
        <Group justify="center" mt="md">
          <Pagination total={pages} value={page} onChange={(p) => set({ page: p })} />
        </Group>
      )}
    </>
  );
}
