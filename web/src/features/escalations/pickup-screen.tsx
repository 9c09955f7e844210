import { useEffect, useState, type ReactNode } from 'react';
import { Link, useNavigate } from 'react-router';
import {
  Alert,
  Anchor,
  Badge,
  Blockquote,
  Box,
  Button,
  Card,
  Grid,
  Group,
  List,
  Paper,
  SimpleGrid,
  Skeleton,
  Spoiler,
  Stack,
  Table,
  Text,
  ThemeIcon,
  Title,
} from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import { IconBulb, IconClock, IconListCheck, IconMapPin, IconRobot, IconSparkles, IconTemplate, IconUrgent, IconUserCheck } from '@tabler/icons-react';
import { formatDuration, type EscalationPackage, type Handoff, type SessionResponse } from '@flowpilot/contracts';
import { Markdown } from '../../components/markdown.tsx';
import { ApiError } from '../../lib/api.ts';
import { StepTimeline } from '../sessions/step-timeline.tsx';
import { STATUS_COLOR, STATUS_LABEL } from '../sessions/sessions-api.ts';
import { usePickup, useHandoff } from './escalations-api.ts';

/** Seconds since `iso`, ticking. */
export function useSecondsSince(iso: string | null | undefined): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!iso) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [iso]);
  return iso ? Math.max(0, Math.floor((now - new Date(iso).getTime()) / 1000)) : 0;
}

/** What a legacy escalation (no handoff recorded) still tells: the session itself. */
function packageOf(session: SessionResponse): EscalationPackage {
  return {
    generated_by: 'template',
    headline: `${session.user_name ?? 'The technician'} asked for help on "${session.tree_title}".`,
    problem: session.problem_summary ?? '',
    tree: { id: session.tree_id, title: session.tree_title, version: session.tree_version },
    environment: { ticket_id: session.ticket_id, client_name: session.client_name, device: session.device },
    reason: session.escalation_reason ?? '',
    escalated_by: session.user_name,
    stopped_at: null,
    steps_tried: [],
    time_spent_seconds: session.total_seconds,
    hypotheses: [],
    next_steps: [],
    similar_sessions: [],
  };
}

function Fact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div>
      <Text size="xs" c="dimmed" tt="uppercase" fw={700}>
        {label}
      </Text>
      <Text size="sm">{children || '—'}</Text>
    </div>
  );
}

function Section({ icon, title, children }: { icon: ReactNode; title: string; children: ReactNode }) {
  return (
    <Stack gap={6}>
      <Group gap={8}>
        <ThemeIcon variant="light" size="sm" radius="sm">
          {icon}
        </ThemeIcon>
        <Title order={4}>{title}</Title>
      </Group>
      {children}
    </Stack>
  );
}

/** The escalation package: what the engineer needs in 30 seconds. */
export function PackageCard({ pkg, handoff }: { pkg: EscalationPackage; handoff: Handoff | null }) {
  const env = pkg.environment;
  return (
    <Card withBorder radius="md" padding="lg" style={{ borderTop: '4px solid var(--mantine-color-orange-6)' }}>
      <Stack gap="lg">
        <Stack gap={4}>
          {/* The badge sits on the label's line, so the headline has the card's whole width (a phone's too). */}
          <Group justify="space-between" align="center" wrap="nowrap">
            <Text size="xs" c="orange" tt="uppercase" fw={800}>
              Escalation package
            </Text>
            {pkg.generated_by === 'ai' ? (
              <Badge color="grape" variant="light" leftSection={<IconSparkles size={12} />} style={{ flexShrink: 0 }}>
                AI
              </Badge>
            ) : (
              <Badge color="gray" variant="light" leftSection={<IconTemplate size={12} />} style={{ flexShrink: 0 }}>
                Template
              </Badge>
            )}
          </Group>
          <Title order={3} fz={{ base: 'md', sm: 'lg' }} fw={600} style={{ lineHeight: 1.45, overflowWrap: 'anywhere' }}>
            {pkg.headline}
          </Title>
        </Stack>

        <SimpleGrid cols={{ base: 2, sm: 4 }} spacing="md">
          <Fact label="Client">{env.client_name}</Fact>
          <Fact label="Device">{env.device}</Fact>
          <Fact label="Ticket">{env.ticket_id}</Fact>
          <Fact label="Time spent">{formatDuration(pkg.time_spent_seconds)}</Fact>
        </SimpleGrid>

        {pkg.problem && (
          <Section icon={<IconUrgent size={14} />} title="Problem">
            <Text size="sm">{pkg.problem}</Text>
          </Section>
        )}

        <Blockquote color="orange" cite={`— ${pkg.escalated_by ?? handoff?.from_user_name ?? 'the technician'}${handoff?.to_user_name ? `, to ${handoff.to_user_name}` : ', to the team queue'}`} py="sm" px="md">
          <Text size="sm" fw={500} style={{ whiteSpace: 'pre-wrap' }}>
            {pkg.reason || 'No reason given'}
          </Text>
        </Blockquote>

        {pkg.stopped_at && (
          <Section icon={<IconMapPin size={14} />} title="Where it stopped">
            <Paper withBorder p="sm" radius="md">
              <Group gap="xs" mb={4}>
                <Text fw={600} size="sm">
                  {pkg.stopped_at.title}
                </Text>
                <Badge size="xs" variant="light">
                  {pkg.stopped_at.kind}
                </Badge>
              </Group>
              {pkg.stopped_at.body && (
                <Spoiler maxHeight={96} showLabel="Show more" hideLabel="Show less">
                  <Markdown>{pkg.stopped_at.body}</Markdown>
                </Spoiler>
              )}
            </Paper>
          </Section>
        )}

        <Section icon={<IconListCheck size={14} />} title={`Steps tried (${pkg.steps_tried.length})`}>
          {pkg.steps_tried.length === 0 ? (
            <Text size="sm" c="dimmed">
              Nothing recorded before the escalation.
            </Text>
          ) : (
            <Table.ScrollContainer minWidth={560}>
              <Table verticalSpacing={6} striped aria-label="Steps tried">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th w={36}>#</Table.Th>
                    <Table.Th>Step</Table.Th>
                    <Table.Th>Answer / outcome</Table.Th>
                    <Table.Th w={80}>Time</Table.Th>
                    <Table.Th>By</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {pkg.steps_tried.map((st, i) => (
                    <Table.Tr key={st.seq}>
                      <Table.Td>
                        <Text size="xs" c="dimmed">
                          {i + 1}
                        </Text>
                      </Table.Td>
                      <Table.Td>
                        <Text size="sm">{st.title}</Text>
                        {st.note && (
                          <Text size="xs" c="dimmed" style={{ whiteSpace: 'pre-wrap' }}>
                            Note: {st.note}
                          </Text>
                        )}
                      </Table.Td>
                      <Table.Td>
                        <Text size="sm" fw={500}>
                          {[st.answer, st.outcome].filter(Boolean).join(' → ') || '—'}
                        </Text>
                      </Table.Td>
                      <Table.Td>
                        <Text size="sm">{formatDuration(st.duration_seconds)}</Text>
                      </Table.Td>
                      <Table.Td>
                        <Text size="sm">{st.by ?? '—'}</Text>
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          )}
        </Section>

        {(pkg.hypotheses.length > 0 || pkg.next_steps.length > 0) && (
          <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="lg">
            <Section icon={<IconBulb size={14} />} title="Hypotheses">
              {pkg.hypotheses.length ? (
                <List size="sm" spacing={4}>
                  {pkg.hypotheses.map((h) => (
                    <List.Item key={h}>{h}</List.Item>
                  ))}
                </List>
              ) : (
                <Text size="sm" c="dimmed">
                  None yet.
                </Text>
              )}
            </Section>
            <Section icon={<IconRobot size={14} />} title="Suggested next steps">
              {pkg.next_steps.length ? (
                <List type="ordered" size="sm" spacing={4}>
                  {pkg.next_steps.map((n) => (
                    <List.Item key={n}>{n}</List.Item>
                  ))}
                </List>
              ) : (
                <Text size="sm" c="dimmed">
                  None yet.
                </Text>
              )}
            </Section>
          </SimpleGrid>
        )}

        <Section icon={<IconUserCheck size={14} />} title="Similar resolved sessions">
          {pkg.similar_sessions.length === 0 ? (
            <Text size="sm" c="dimmed">
              No resolved session of the team looks like this one.
            </Text>
          ) : (
            <Stack gap="xs">
              {pkg.similar_sessions.map((x) => (
                <Paper key={x.session_id} withBorder p="sm" radius="md">
                  <Group justify="space-between" wrap="nowrap" align="flex-start">
                    <Anchor component={Link} to={`/pilot/${x.session_id}`} size="sm" fw={600}>
                      {[x.ticket_id && `Ticket ${x.ticket_id}`, x.client_name].filter(Boolean).join(' · ') || 'A resolved session'}
                    </Anchor>
                    {x.completed_at && (
                      <Text size="xs" c="dimmed">
                        {new Date(x.completed_at).toLocaleDateString([], { dateStyle: 'medium' })}
                      </Text>
                    )}
                  </Group>
                  {x.problem_summary && (
                    <Text size="xs" c="dimmed">
                      {x.problem_summary}
                    </Text>
                  )}
                  {x.resolution && (
                    <Text size="sm" mt={4}>
                      <Text span fw={600}>
                        Resolved by:
                      </Text>{' '}
                      {x.resolution}
                    </Text>
                  )}
                </Paper>
              ))}
            </Stack>
          )}
        </Section>
      </Stack>
    </Card>
  );
}

/**
 * The pickup screen: the package first, then every step, then the button that
 * takes the session. A pickup that loses the race says who won.
 */
export function PickupScreen({ session, userId }: { session: SessionResponse; userId: string }) {
  const navigate = useNavigate();
  const handoff = useHandoff(session.id);
  const pickup = usePickup(session.id);
  const pkg = handoff.data?.package ?? (handoff.data === null ? packageOf(session) : null);
  const since = handoff.data?.created_at ?? (handoff.data === null ? session.updated_at : null);
  const waiting = useSecondsSince(since);
  // Whoever escalated it cannot take it back themselves (the server refuses): another engineer picks it up.
  const own = (session.escalated_by_id ?? session.user_id) === userId;
  const phone = useMediaQuery('(max-width: 48em)');

  const take = () =>
    pickup.mutate(undefined, {
      onSuccess: () => navigate(`/pilot/${session.id}`, { replace: true }),
    });
  const lost = pickup.error instanceof ApiError && pickup.error.status === 409;

  return (
    <>
      <Group justify="space-between" align="flex-start" mb="md" wrap="wrap">
        <Stack gap={4}>
          <Anchor component={Link} to="/escalations" size="sm">
            ← Escalation queue
          </Anchor>
          <Title order={1} size="h2">
            Pick up: {session.tree_title}
          </Title>
          <Group gap="xs">
            <Badge color={STATUS_COLOR[session.status]}>{STATUS_LABEL[session.status]}</Badge>
            {session.ticket_id && <Badge variant="outline">Ticket {session.ticket_id}</Badge>}
            {session.client_name && (
              <Badge variant="light" color="gray">
                {session.client_name}
              </Badge>
            )}
            {since && (
              <Group gap={4}>
                <IconClock size={14} color="var(--mantine-color-dimmed)" />
                <Text size="sm" c="dimmed">
                  Waiting {formatDuration(waiting)}
                </Text>
              </Group>
            )}
          </Group>
        </Stack>
      </Group>

      <Grid gap="lg">
        <Grid.Col span={{ base: 12, lg: 8 }}>
          {handoff.isLoading ? (
            <Skeleton h={420} />
          ) : handoff.error ? (
            <Alert color="red">Could not load the escalation package: {handoff.error.message}</Alert>
          ) : (
            pkg && <PackageCard pkg={pkg} handoff={handoff.data ?? null} />
          )}
        </Grid.Col>
        <Grid.Col span={{ base: 12, lg: 4 }}>
          <Card withBorder radius="md" padding="lg">
            <Title order={4} mb="sm">
              Full step history
            </Title>
            {session.steps.length === 0 ? (
              <Text size="sm" c="dimmed">
                No steps recorded.
              </Text>
            ) : (
              <StepTimeline steps={session.steps} label="Step history" />
            )}
          </Card>
        </Grid.Col>
      </Grid>

      <Box pos="sticky" bottom={0} mt="lg" pb={phone ? 'xs' : 'md'} style={{ zIndex: 5 }}>
        <Paper withBorder shadow="lg" radius="md" p={phone ? 'sm' : 'md'} style={{ borderColor: 'var(--mantine-color-teal-5)' }} role="region" aria-label="Pick up this session">
          <Group justify="space-between" wrap="nowrap" gap="sm">
            <Stack gap={2} style={{ minWidth: 0 }}>
              <Text fw={700} size={phone ? 'sm' : undefined}>
                {own ? 'You escalated this session' : 'Ready to take it?'}
              </Text>
              {/* On a phone the bar stays small: the package above says where it stopped. */}
              {!phone && (
                <Text size="sm" c="dimmed">
                  {own
                    ? 'Another engineer or admin picks it up.'
                    : `It becomes yours and you continue ${pkg?.stopped_at ? `at “${pkg.stopped_at.title}”` : 'where it stopped'}; ${session.user_name ?? 'the technician'} is told.`}
                </Text>
              )}
            </Stack>
            <Button size={phone ? 'md' : 'lg'} color="teal" leftSection={<IconUserCheck size={20} />} onClick={take} loading={pickup.isPending} disabled={own} style={{ flexShrink: 0 }}>
              Pick up
            </Button>
          </Group>
          {pickup.error && (
            <Alert mt="sm" color={lost ? 'orange' : 'red'} role="alert" title={lost ? 'Too late' : 'Not picked up'}>
              {pickup.error.message}
            </Alert>
          )}
        </Paper>
      </Box>
    </>
  );
}
