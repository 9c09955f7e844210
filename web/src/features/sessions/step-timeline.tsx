import { Text, Timeline } from '@mantine/core';
import { IconArrowBackUp, IconArrowsExchange, IconMessage, IconPlus, IconUrgent, IconUserCheck } from '@tabler/icons-react';
import { formatDuration, type SessionStep } from '@flowpilot/contracts';

const STEP_LABEL: Record<SessionStep['kind'], string> = {
  answer: 'Answered',
  note: 'Note',
  back: 'Went back',
  enter_link: 'Opened linked tree',
  return_link: 'Returned from linked tree',
  off_tree: 'Off the tree',
  pause: 'Paused',
  resume: 'Resumed',
  context: 'Ticket details',
  complete: 'Completed',
  abandon: 'Abandoned',
  escalate: 'Escalated',
  transfer: 'Handed over',
  pickup: 'Picked up',
};

const BULLET: Partial<Record<SessionStep['kind'], typeof IconMessage>> = {
  note: IconMessage,
  back: IconArrowBackUp,
  off_tree: IconPlus,
  escalate: IconUrgent,
  transfer: IconArrowsExchange,
  pickup: IconUserCheck,
};

const HANDOFF_KINDS = new Set<SessionStep['kind']>(['escalate', 'transfer', 'pickup']);

function StepItem({ step }: { step: SessionStep }) {
  const time = new Date(step.created_at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  const Bullet = BULLET[step.kind];
  const handoff = HANDOFF_KINDS.has(step.kind);
  return (
    <Timeline.Item
      bullet={Bullet ? <Bullet size={12} /> : undefined}
      color={step.kind === 'escalate' ? 'orange' : step.kind === 'pickup' ? 'teal' : undefined}
      title={
        <Text size="sm" fw={600}>
          {step.kind === 'off_tree' ? step.action : handoff ? `${STEP_LABEL[step.kind]}${step.user_name ? ` by ${step.user_name}` : ''}` : (step.node_title ?? STEP_LABEL[step.kind])}
        </Text>
      }
    >
      <Text size="xs" c="dimmed">
        {[
          handoff ? step.node_title && `at ${step.node_title}` : STEP_LABEL[step.kind],
          step.answer,
          step.outcome,
          step.duration_seconds && step.kind !== 'resume' ? formatDuration(step.duration_seconds) : null,
          time,
          handoff ? null : step.user_name,
        ]
          .filter(Boolean)
          .join(' · ')}
      </Text>
      {step.note && step.kind !== 'complete' && (
        <Text size="sm" mt={2} style={{ whiteSpace: 'pre-wrap' }}>
          {step.note}
        </Text>
      )}
    </Timeline.Item>
  );
}

/** A session's steps, oldest first: who did what, when, and how long it took. */
export function StepTimeline({ steps, label = 'Steps taken' }: { steps: SessionStep[]; label?: string }) {
  return (
    <Timeline active={steps.length} bulletSize={18} lineWidth={2} aria-label={label}>
      {steps.map((x) => (
        <StepItem key={x.id} step={x} />
      ))}
    </Timeline>
  );
}
