import { Link } from 'react-router';
import { Alert, Button, Card, Drawer, Group, Loader, Stack, Text, ThemeIcon, Title } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { IconArrowsExchange, IconClockHour4, IconPackage, IconUserCheck } from '@tabler/icons-react';
import { formatDuration, type SessionResponse, type SessionStep } from '@flowpilot/contracts';
import { useHandoff } from './escalations-api.ts';
import { PackageCard, useSecondsSince } from './pickup-screen.tsx';

/** Whether a session waits in the escalation queue. */
export const isWaitingForPickup = (s: Pick<SessionResponse, 'status'>): boolean => s.status === 'escalated' || s.status === 'requesting_escalation';

/** The latest escalate, transfer or pickup step: how the session came to be where it is. */
function lastHandoffStep(steps: SessionStep[]): SessionStep | undefined {
  return steps.findLast((x) => x.kind === 'escalate' || x.kind === 'transfer' || x.kind === 'pickup');
}

/**
 * An escalated session, waiting: shown to the technician after escalating
 * (and to anyone else opening it); engineers get the way to the pickup screen.
 */
export function WaitingForPickup({ session, canPickUp }: { session: SessionResponse; canPickUp: boolean }) {
  const handoff = useHandoff(session.id);
  const step = lastHandoffStep(session.steps);
  const since = handoff.data?.created_at ?? step?.created_at ?? session.updated_at;
  const waiting = useSecondsSince(since);
  // Sent to someone: their name comes with the handoff (still loading, or not readable yet: no name rather than a wrong "team queue").
  const target = handoff.data ? (handoff.data.to_user_name ?? null) : session.escalated_to_id ? undefined : null;
  return (
    <Card withBorder radius="md" padding="lg" mb="lg" style={{ borderLeft: '5px solid var(--mantine-color-orange-6)' }} role="status" aria-live="polite">
      <Group justify="space-between" align="flex-start" wrap="wrap" gap="md">
        <Group align="flex-start" wrap="nowrap" gap="md">
          <ThemeIcon color="orange" variant="light" size={44} radius="xl">
            <IconClockHour4 size={24} />
          </ThemeIcon>
          <Stack gap={4}>
            <Title order={3}>Escalated — waiting for pickup</Title>
            <Text size="sm" c="dimmed">
              {target === undefined ? (
                handoff.isLoading ? <Loader size="xs" type="dots" /> : 'Sent to an engineer. '
              ) : target ? (
                `Sent to ${target}. `
              ) : (
                'Sent to the team queue: every engineer has been notified. '
              )}
              Waiting {formatDuration(waiting)}.
            </Text>
            {session.escalation_reason && (
              <Text size="sm" mt={4} style={{ whiteSpace: 'pre-wrap' }}>
                <Text span fw={600}>
                  Reason:
                </Text>{' '}
                {session.escalation_reason}
              </Text>
            )}
            <Text size="xs" c="dimmed" mt={4}>
              This page updates by itself when someone picks it up.
            </Text>
          </Stack>
        </Group>
        {canPickUp && (
          <Button component={Link} to={`/pilot/${session.id}?pickup=true`} color="teal" leftSection={<IconUserCheck size={16} />}>
            Review and pick up
          </Button>
        )}
      </Group>
    </Card>
  );
}

/**
 * Who has the session now, after a pickup or a handover: "Picked up by Sam
 * Rivera". With the package at hand for the engineer who took it.
 */
export function HandoffBanner({ session, userId, pickupRequested }: { session: SessionResponse; userId: string; pickupRequested: boolean }) {
  const [showing, packageDrawer] = useDisclosure();
  const step = lastHandoffStep(session.steps);
  const handoff = useHandoff(session.id, step?.kind === 'pickup' && step.user_id === userId);
  if (!step || step.kind === 'escalate') return null;

  if (step.kind === 'transfer') {
    const to = session.assigned_to_id === userId ? 'you' : (session.assigned_to_name ?? 'a colleague');
    return (
      <Alert color="blue" variant="light" icon={<IconArrowsExchange size={18} />} mb="md" title={`Handed over to ${to}`}>
        {step.user_name ?? 'A colleague'} handed it over{step.note ? `: ${step.note}` : '.'}
      </Alert>
    );
  }

  const mine = step.user_id === userId;
  const by = step.user_name ?? session.assigned_to_name ?? 'an engineer';
  return (
    <>
      <Alert
        color={pickupRequested && !mine ? 'orange' : 'teal'}
        variant="light"
        icon={<IconUserCheck size={18} />}
        mb="md"
        title={mine ? 'You picked this session up' : pickupRequested ? `Already picked up by ${by}` : `Picked up by ${by}`}
        role="status"
      >
        <Group justify="space-between" wrap="wrap" gap="xs">
          <Text size="sm">
            {mine
              ? `Carry on from where ${session.user_name ?? 'the technician'} stopped; everything they tried is in the history.`
              : session.user_id === userId
                ? `${by} is continuing from where you stopped.`
                : `${by} is working on it now.`}
          </Text>
          {mine && handoff.data && (
            <Button size="xs" variant="light" color="teal" leftSection={<IconPackage size={14} />} onClick={packageDrawer.open}>
              Escalation package
            </Button>
          )}
        </Group>
      </Alert>
      {handoff.data && (
        <Drawer opened={showing} onClose={packageDrawer.close} position="right" size="xl" title="Escalation package">
          <PackageCard pkg={handoff.data.package} handoff={handoff.data} />
        </Drawer>
      )}
    </>
  );
}
