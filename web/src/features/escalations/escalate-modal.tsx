import { useEffect, useState } from 'react';
import { Alert, Badge, Button, Group, Modal, SegmentedControl, Select, Stack, Text, Textarea } from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import { notifications as toasts } from '@mantine/notifications';
import { IconArrowsExchange, IconUrgent } from '@tabler/icons-react';
import type { HandoffIntent, HandoffResponse, Role, SessionResponse } from '@flowpilot/contracts';
import { ApiError } from '../../lib/api.ts';
import { ROLE_LABEL } from '../../lib/auth.tsx';
import { useHandOver, useTeamMembers } from './escalations-api.ts';

/** What went wrong, in words: the server's messages without the field paths. */
function errorText(err: Error): string {
  if (err instanceof ApiError && Array.isArray(err.detail)) {
    return (err.detail as { msg?: string }[]).map((d) => d.msg ?? 'Invalid value').join('; ');
  }
  return err.message;
}

const SENIOR: Role[] = ['engineer', 'admin'];

/**
 * Hands the session on: escalate it to an engineer (or the team's queue), or
 * hand it over to a named colleague (a shift change). The status flips at
 * once; a refusal rolls it back and shows here.
 */
export function EscalateModal({
  session,
  userId,
  opened,
  onClose,
  onDone,
  draft,
}: {
  session: SessionResponse;
  userId: string;
  opened: boolean;
  /** A note typed but not saved yet: most likely the reason, so it starts the reason. */
  draft?: string;
  onClose: () => void;
  /** With the server's answer: the documentation and how its push to the PSA stands. */
  onDone?: (result: HandoffResponse) => void;
}) {
  const [intent, setIntent] = useState<HandoffIntent>('escalate');
  const phone = useMediaQuery('(max-width: 48em)');
  const [reason, setReason] = useState('');
  const [target, setTarget] = useState<string | null>(null);
  const members = useTeamMembers(opened);
  const handOver = useHandOver(session.id);

  useEffect(() => {
    if (opened && draft?.trim()) setReason((r) => r || draft.trim());
  }, [opened, draft]);

  const close = () => {
    setIntent('escalate');
    setReason('');
    setTarget(null);
    handOver.reset();
    onClose();
  };

  const escalating = intent === 'escalate';
  const people = (members.data?.items ?? [])
    .filter((u) => u.id !== userId && u.is_active && (!escalating || SENIOR.includes(u.role)))
    .sort((a, b) => a.full_name.localeCompare(b.full_name));
  const options = people.map((u) => ({ value: u.id, label: `${u.full_name} (${ROLE_LABEL[u.role]})` }));
  const ready = reason.trim().length > 0 && (escalating || target !== null);

  const submit = () => {
    if (!ready || handOver.isPending) return;
    const to = people.find((p) => p.id === target);
    handOver.mutate(
      { intent, reason: reason.trim(), target_user_id: target },
      {
        onSuccess: (result) => {
          close();
          onDone?.(result);
          toasts.show({
            color: escalating ? 'orange' : 'blue',
            title: escalating ? 'Escalated' : 'Handed over',
            message: escalating ? (to ? `${to.full_name} has been notified.` : 'The engineers of your team have been notified.') : `${to?.full_name ?? 'Your colleague'} can carry on from here.`,
          });
        },
      },
    );
  };

  return (
    <Modal opened={opened} onClose={close} title="Hand this session on" size="lg" fullScreen={phone}>
      <Stack>
        <SegmentedControl
          aria-label="What to do"
          fullWidth
          orientation={phone ? 'vertical' : 'horizontal'}
          value={intent}
          onChange={(v) => {
            setIntent(v as HandoffIntent);
            setTarget(null);
            handOver.reset();
          }}
          data={[
            { value: 'escalate', label: 'Escalate to an engineer' },
            { value: 'transfer', label: 'Hand over to a colleague' },
          ]}
        />
        <Text size="sm" c="dimmed">
          {escalating
            ? 'A senior engineer picks it up from the queue and continues from where you stopped, with everything you tried.'
            : 'For a shift change: your colleague carries on with the session at once, without it going to the queue.'}
        </Text>
        <Textarea
          label="Reason"
          description={escalating ? 'What you suspect and why you are stuck: the engineer reads this first' : 'Where things stand, for your colleague'}
          required
          autosize
          minRows={3}
          data-autofocus
          value={reason}
          onChange={(e) => setReason(e.currentTarget.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
              e.preventDefault();
              submit();
            }
          }}
          maxLength={5000}
        />
        <Select
          label={escalating ? 'Engineer' : 'Colleague'}
          description={escalating ? 'Optional: leave empty to send it to the team queue' : 'Who takes over'}
          placeholder={escalating ? 'Team queue (any engineer)' : 'Choose a colleague'}
          required={!escalating}
          clearable
          searchable
          nothingFoundMessage="Nobody matches"
          data={options}
          value={target}
          onChange={setTarget}
          disabled={members.isLoading}
          renderOption={({ option }) => {
            const person = people.find((p) => p.id === option.value);
            return (
              <Group justify="space-between" wrap="nowrap" w="100%">
                <Text size="sm">{person?.full_name ?? option.label}</Text>
                {person && (
                  <Badge size="xs" variant="light" color={person.role === 'technician' ? 'gray' : 'grape'}>
                    {ROLE_LABEL[person.role]}
                  </Badge>
                )}
              </Group>
            );
          }}
          comboboxProps={{ withinPortal: true }}
        />
        {members.error && <Alert color="red">Could not load your team: {members.error.message}</Alert>}
        {handOver.error && (
          <Alert color="red" role="alert" title={escalating ? 'Not escalated' : 'Not handed over'}>
            {errorText(handOver.error)}
          </Alert>
        )}
        <Group justify="flex-end">
          <Button variant="default" onClick={close}>
            Cancel
          </Button>
          <Button
            color={escalating ? 'orange' : 'blue'}
            leftSection={escalating ? <IconUrgent size={16} /> : <IconArrowsExchange size={16} />}
            onClick={submit}
            loading={handOver.isPending}
            disabled={!ready}
          >
            {escalating ? 'Escalate session' : 'Hand over session'}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
