import { useEffect, useState } from 'react';
import { ActionIcon, Alert, Button, Card, Group, NumberInput, Select, Skeleton, Stack, Text, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconPlus, IconTrash } from '@tabler/icons-react';
import { DEFAULT_ESCALATION_CHAIN, type ChainStep } from '@flowpilot/contracts';
import { useTeamSettings, useSaveTeamSettings } from './team-settings-api.ts';

const AUDIENCE: { value: ChainStep['notify']; label: string }[] = [
  { value: 'target', label: 'The chosen engineer (or all)' },
  { value: 'engineers', label: 'Every engineer and admin' },
  { value: 'admins', label: 'The admins' },
];

/** What is wrong with a chain, in words; null when it can be saved. */
function problemOf(chain: ChainStep[]): string | null {
  if (chain.some((s) => !Number.isInteger(s.after_minutes) || s.after_minutes < 1)) return 'Each step needs a number of minutes, at least 1.';
  if (chain.some((s, i) => i > 0 && s.after_minutes <= chain[i - 1]!.after_minutes)) return 'Each step must come later than the one before.';
  return null;
}

/** Admin: who is reminded, and when, about an escalation nobody has picked up. */
export function EscalationChainCard() {
  const settings = useTeamSettings();
  const save = useSaveTeamSettings();
  const [chain, setChain] = useState<ChainStep[]>([]);

  useEffect(() => {
    if (settings.data) setChain(settings.data.escalation_chain);
  }, [settings.data]);

  const problem = problemOf(chain);
  const dirty = JSON.stringify(chain) !== JSON.stringify(settings.data?.escalation_chain ?? []);
  const update = (i: number, step: Partial<ChainStep>) => setChain((c) => c.map((s, j) => (j === i ? { ...s, ...step } : s)));
  const add = () =>
    setChain((c) => {
      const last = c.at(-1);
      return [...c, { after_minutes: last ? last.after_minutes + 10 : 5, notify: last?.notify === 'target' ? 'engineers' : (last?.notify ?? 'target') }];
    });

  return (
    <Card withBorder radius="md" padding="lg" component="section" aria-label="Escalation chain">
      <Title order={4} mb={4}>
        Escalation chain
      </Title>
      <Text size="sm" c="dimmed" mb="md">
        When nobody picks an escalation up, it is announced again, to a wider audience each time (bell, chat and email). A pickup stops the chain; the first step also
        marks it overdue in the queue.
      </Text>
      {settings.isLoading ? (
        <Skeleton h={120} />
      ) : (
        <Stack gap="sm" maw={720}>
          {chain.length === 0 ? (
            <Text size="sm" c="dimmed">
              No reminders: an escalation nobody picks up is announced only once.
            </Text>
          ) : (
            // Rows that wrap rather than a table: on a phone the audience drops below the minutes, whole.
            <Stack gap="xs">
              <Group gap="xs" wrap="nowrap" visibleFrom="sm">
                <Text size="sm" fw={600} w={150}>
                  After (minutes)
                </Text>
                <Text size="sm" fw={600}>
                  Notify
                </Text>
              </Group>
              <Text size="xs" c="dimmed" hiddenFrom="sm">
                Each step: after how many minutes, and who is notified.
              </Text>
              {chain.map((step, i) => (
                <Group key={i} gap="xs" wrap="wrap" align="center">
                  <Text size="xs" fw={600} w="100%" hiddenFrom="sm" mt={i ? 'xs' : 0} mb={-4}>
                    Step {i + 1}
                  </Text>
                  <NumberInput
                    aria-label={`Step ${i + 1}: minutes after the escalation`}
                    w={150}
                    min={1}
                    max={7 * 24 * 60}
                    allowDecimal={false}
                    value={step.after_minutes}
                    onChange={(v) => update(i, { after_minutes: typeof v === 'number' ? v : 0 })}
                  />
                  <Group gap="xs" wrap="nowrap" style={{ flex: '1 1 260px', minWidth: 0, maxWidth: 560 }}>
                    <Select
                      aria-label={`Step ${i + 1}: who is notified`}
                      data={AUDIENCE}
                      value={step.notify}
                      allowDeselect={false}
                      onChange={(v) => v && update(i, { notify: v as ChainStep['notify'] })}
                      style={{ flex: 1, minWidth: 0 }}
                    />
                    <ActionIcon variant="subtle" color="red" aria-label={`Remove step ${i + 1}`} onClick={() => setChain((c) => c.filter((_, j) => j !== i))}>
                      <IconTrash size={16} />
                    </ActionIcon>
                  </Group>
                </Group>
              ))}
            </Stack>
          )}
          {problem && <Alert color="orange">{problem}</Alert>}
          {save.error && <Alert color="red">{save.error.message}</Alert>}
          <Group gap="sm">
            <Button variant="default" leftSection={<IconPlus size={16} />} onClick={add} disabled={chain.length >= 10}>
              Add a step
            </Button>
            <Button
              onClick={() => save.mutate({ escalation_chain: chain }, { onSuccess: () => notifications.show({ color: 'teal', message: 'Escalation chain saved' }) })}
              loading={save.isPending}
              disabled={!dirty || problem !== null}
            >
              Save chain
            </Button>
            <Button variant="subtle" onClick={() => setChain(DEFAULT_ESCALATION_CHAIN)}>
              Restore the default
            </Button>
          </Group>
        </Stack>
      )}
    </Card>
  );
}
