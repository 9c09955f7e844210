import type { ReactNode } from 'react';
import { Link } from 'react-router';
import { Badge, Button, Card, Group, Stack, Text } from '@mantine/core';
import { IconAlertTriangle, IconArrowRight, IconClock } from '@tabler/icons-react';
import { formatDuration, type EscalationQueueItem, type SessionSummary } from '@flowpilot/contracts';
import type { HandedOver } from './home-data.ts';

/** "4m 05s" under an hour, "2h 10m" after: a waiting time that visibly ticks. */
export function waited(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return formatDuration(s);
}

/** "just now", "3 min ago", "2 h 5 min ago". */
function ago(iso: string, now: number): string {
  const seconds = (now - Date.parse(iso)) / 1000;
  return seconds < 60 ? 'just now' : `${formatDuration(seconds)} ago`;
}

/** Client, ticket and device in one line, whichever were given. */
function contextLine(s: { client_name: string | null; ticket_id: string | null; device: string | null }): string {
  return [s.client_name, s.ticket_id && `ticket ${s.ticket_id}`, s.device].filter(Boolean).join(' · ') || 'No ticket details';
}

/** One card of a list on the home page: what it is, where it stands, and one button to go on. */
function HomeCard({ title, badge, lines, action, tone }: { title: string; badge?: ReactNode; lines: ReactNode[]; action: { to: string; label: string; name: string }; tone?: 'overdue' }) {
  return (
    <Card withBorder radius="md" padding="md" component="article" aria-label={title} bg={tone === 'overdue' ? 'var(--mantine-color-red-light)' : undefined}>
      <Stack gap={6} h="100%">
        <Group justify="space-between" align="flex-start" wrap="nowrap" gap="xs">
          <Text fw={600} lineClamp={2} style={{ minWidth: 0 }}>
            {title}
          </Text>
          {badge}
        </Group>
        {lines.map((line, i) => (
          <div key={i}>{line}</div>
        ))}
        <Group justify="flex-end" mt="auto" pt={4}>
          <Button component={Link} to={action.to} size="xs" variant="light" rightSection={<IconArrowRight size={14} />} aria-label={action.name}>
            {action.label}
          </Button>
        </Group>
      </Stack>
    </Card>
  );
}

/** One of my open sessions: tree, ticket, the step it stands on, time worked; continue it (or follow it, when a colleague has it now). */
export function SessionCard({ session, stepTitle, userId, now }: { session: SessionSummary; stepTitle: string | undefined; userId: string; now: number }) {
  const mine = session.held_by_id === userId;
  const badge =
    session.status === 'escalated' ? (
      <Badge color="orange" variant="light">
        Waiting for pickup
      </Badge>
    ) : !mine ? (
      <Badge color="grape" variant="light">
        With {session.held_by_name ?? 'a colleague'}
      </Badge>
    ) : session.paused ? (
      <Badge color="gray" variant="light">
        Paused
      </Badge>
    ) : (
      <Badge color="blue" variant="light">
        Active
      </Badge>
    );
  const label = session.client_name ?? session.tree_title;
  return (
    <HomeCard
      title={session.tree_title}
      badge={badge}
      lines={[
        <Text size="sm" key="context">
          {contextLine(session)}
        </Text>,
        <Text size="sm" key="step" c={stepTitle ? undefined : 'dimmed'} lineClamp={2}>
          {session.status === 'escalated' ? 'Stopped at' : 'Now at'}: {stepTitle ?? '…'}
        </Text>,
        <Text size="xs" c="dimmed" key="time">
          {formatDuration(session.total_seconds)} worked · last change {ago(session.updated_at, now)}
        </Text>,
      ]}
      action={{ to: `/pilot/${session.id}`, label: mine && session.status === 'active' ? 'Continue' : 'Open', name: `${mine && session.status === 'active' ? 'Continue' : 'Open'} session: ${label}` }}
    />
  );
}

/** An escalation in a queue, with its waiting time ticking; `personal` when it was sent to me by name. */
export function EscalationCard({ item, waitingSeconds, personal }: { item: EscalationQueueItem; waitingSeconds: number; personal?: boolean }) {
  const title = item.client_name ?? item.tree_title;
  return (
    <HomeCard
      title={title}
      tone={item.overdue ? 'overdue' : undefined}
      badge={
        <Group gap={4} wrap="nowrap" aria-label={`Waiting ${waited(waitingSeconds)}`}>
          {item.overdue ? <IconAlertTriangle size={16} color="var(--mantine-color-red-6)" aria-label="Overdue" /> : <IconClock size={16} color="var(--mantine-color-dimmed)" />}
          <Text size="sm" ff="monospace" fw={item.overdue ? 700 : 500} c={item.overdue ? 'red' : undefined} data-testid="waiting-time">
            {waited(waitingSeconds)}
          </Text>
        </Group>
      }
      lines={[
        <Text size="sm" key="context">
          {[item.ticket_id && `Ticket ${item.ticket_id}`, item.device, item.tree_title].filter(Boolean).join(' · ')}
        </Text>,
        item.problem_summary ? (
          <Text size="sm" key="problem" lineClamp={2}>
            {item.problem_summary}
          </Text>
        ) : null,
        <Text size="sm" key="reason" c="dimmed" lineClamp={3}>
          {item.technician_name ?? 'A technician'}: “{item.reason ?? 'no reason given'}”
        </Text>,
        personal ? null : (
          <Text size="xs" key="target" c={item.target_user_name ? 'grape' : 'dimmed'} fw={item.target_user_name ? 600 : undefined}>
            {item.target_user_name ? `Sent to ${item.target_user_name}` : 'Team queue'}
          </Text>
        ),
      ].filter(Boolean)}
      action={{ to: item.link, label: 'Open pickup', name: `Open escalation: ${title}` }}
    />
  );
}

/** A session a colleague handed over to me: who, why, and where it stands. */
export function HandedOverCard({ entry, stepTitle }: { entry: HandedOver; stepTitle: string | undefined }) {
  const { session, handoff } = entry;
  const title = session.client_name ?? session.tree_title;
  return (
    <HomeCard
      title={title}
      badge={
        <Badge color="blue" variant="light">
          Handed over
        </Badge>
      }
      lines={[
        <Text size="sm" key="context">
          {[session.ticket_id && `Ticket ${session.ticket_id}`, session.device, session.tree_title].filter(Boolean).join(' · ')}
        </Text>,
        <Text size="sm" key="step" lineClamp={2}>
          Now at: {stepTitle ?? '…'}
        </Text>,
        <Text size="sm" key="reason" c="dimmed" lineClamp={3}>
          {handoff.from_user_name ?? 'A colleague'}: “{handoff.reason}”
        </Text>,
      ]}
      action={{ to: `/pilot/${session.id}`, label: 'Continue', name: `Continue session: ${title}` }}
    />
  );
}
