import { useEffect, useRef, useState } from 'react';
import { Link, useBlocker, useParams, useSearchParams } from 'react-router';
import {
  Alert,
  Anchor,
  Badge,
  Button,
  Card,
  Grid,
  Group,
  Kbd,
  Menu,
  Modal,
  Skeleton,
  Stack,
  Text,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import {
  IconArrowBackUp,
  IconCheck,
  IconChevronDown,
  IconCornerDownRight,
  IconDownload,
  IconLink,
  IconPlayerPause,
  IconPlayerPlay,
  IconPlus,
  IconUrgent,
  IconX,
} from '@tabler/icons-react';
import { formatDuration, type PsaResult, type SessionResponse, type TreeNode } from '@flowpilot/contracts';
import { Markdown } from '../../components/markdown.tsx';
import { NotFoundPage } from '../../components/not-found-page.tsx';
import { ApiError } from '../../lib/api.ts';
import { hasRole, useAuth } from '../../lib/auth.tsx';
import { EscalateModal } from '../escalations/escalate-modal.tsx';
import { HandoffBanner, isWaitingForPickup, WaitingForPickup } from '../escalations/escalation-status.tsx';
import { PickupScreen } from '../escalations/pickup-screen.tsx';
import { KIND_COLOR, KIND_LABEL } from '../trees/tree-graph.tsx';
import { useTree } from '../trees/trees-api.ts';
import {
  EXPORT_FORMATS,
  exportSession,
  STATUS_COLOR,
  STATUS_LABEL,
  useAbandon,
  useBack,
  useCompleteSession,
  useDocumentation,
  useOffTree,
  usePause,
  usePsaResult,
  useSession,
  useStep,
} from './sessions-api.ts';
import { StepTimeline } from './step-timeline.tsx';
import hints from './key-hints.module.css';
import { usePageTitle } from '../../components/use-page-title.ts';

/** Seconds worked, ticking while the session runs. */
function useLiveSeconds(session: SessionResponse | undefined, fetchedAt: number): number {
  const [now, setNow] = useState(() => Date.now());
  const running = session?.status === 'active' && !session.paused;
  useEffect(() => {
    if (!running) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [running]);
  if (!session) return 0;
  return session.total_seconds + (running ? Math.max(0, Math.floor((now - fetchedAt) / 1000)) : 0);
}

function PsaBanner({ result }: { result: PsaResult }) {
  if (result.status === 'no_psa') return null;
  const color = result.status === 'pushed' ? 'teal' : result.status === 'queued' ? 'blue' : 'red';
  const title = result.status === 'pushed' ? 'Documentation added to the ticket' : result.status === 'queued' ? 'Documentation on its way to the ticket' : 'The documentation could not be added to the ticket';
  return (
    <Alert color={color} title={title} mb="md">
      {result.message}
    </Alert>
  );
}

function ExportMenu({ id }: { id: string }) {
  return (
    <Menu position="bottom-end">
      <Menu.Target>
        <Button variant="default" leftSection={<IconDownload size={16} />} rightSection={<IconChevronDown size={14} />}>
          Export
        </Button>
      </Menu.Target>
      <Menu.Dropdown>
        {EXPORT_FORMATS.map((f) => (
          <Menu.Item
            key={f.format}
            onClick={() => exportSession(id, f.format).catch((err: Error) => notifications.show({ color: 'red', title: 'Export failed', message: err.message }))}
          >
            {f.label}
          </Menu.Item>
        ))}
      </Menu.Dropdown>
    </Menu>
  );
}

function Documentation({ id, psa }: { id: string; psa: PsaResult | null }) {
  const doc = useDocumentation(id, true);
  const ticket = usePsaResult(id, psa);
  return (
    <Card withBorder radius="md" padding="lg">
      {ticket.data && <PsaBanner result={ticket.data} />}
      <Group justify="space-between" mb="xs">
        <Title order={3}>Documentation</Title>
        {doc.data && (
          <Badge variant="light" color={doc.data.generated_by === 'ai' ? 'grape' : 'gray'}>
            {doc.data.generated_by === 'ai' ? 'AI summary' : 'Template summary'}
          </Badge>
        )}
      </Group>
      {doc.isLoading ? <Skeleton h={200} /> : doc.data ? <Markdown headingOffset={2}>{doc.data.markdown}</Markdown> : <Text c="dimmed">No documentation.</Text>}
    </Card>
  );
}

const ANSWER_STYLES = {
  root: { height: 'auto', minHeight: 50, paddingBlock: 10 },
  label: { whiteSpace: 'normal', overflow: 'visible', textAlign: 'left', lineHeight: 1.35 },
} as const;

/**
 * Shown to everyone who can read a session but not change it: who holds it,
 * and that the page follows their work live.
 */
function ReadOnlyNotice({ session }: { session: SessionResponse }) {
  const who = session.held_by_name ?? 'Someone else';
  const how = session.assigned_via === 'pickup' ? `${who} picked this up` : session.assigned_via === 'transfer' ? `${who} has this session now` : `${who} is running this session`;
  return (
    <Alert color="gray" mb="sm" role="status" aria-live="polite" title={how} data-testid="read-only-notice">
      You are following along: this page shows each step as it is taken. Only {who} can change the session now.
    </Alert>
  );
}

/**
 * The session runner: one node at a time, answers by click or keys 1–9, B to
 * go back, E to escalate. With `?pickup=true` on an escalated session, an
 * engineer sees the pickup screen instead.
 */
export function RunnerPage() {
  const { id = '' } = useParams();
  const [params] = useSearchParams();
  const pickupRequested = params.get('pickup') === 'true';
  const { user } = useAuth();
  const session = useSession(id);
  const s = session.data;
  usePageTitle(s?.tree_title);
  const tree = useTree(s?.current_tree_id, s?.current_tree_version);
  const step = useStep(id);
  const back = useBack(id);
  const pause = usePause(id);
  const offTree = useOffTree(id);
  const abandon = useAbandon(id);
  const complete = useCompleteSession(id);
  const [note, setNote] = useState('');
  const [psa, setPsa] = useState<PsaResult | null>(null);
  const [completing, completeModal] = useDisclosure();
  const [addingOffTree, offTreeModal] = useDisclosure();
  const [escalating, escalateModal] = useDisclosure();
  const [resolution, setResolution] = useState('');
  const [offTreeAction, setOffTreeAction] = useState('');
  const [offTreeOutcome, setOffTreeOutcome] = useState('');
  const noteRef = useRef<HTMLTextAreaElement>(null);
  const seconds = useLiveSeconds(s, session.dataUpdatedAt);

  const dirty = note.trim().length > 0;
  const blocker = useBlocker(({ currentLocation, nextLocation }) => dirty && currentLocation.pathname !== nextLocation.pathname);
  useEffect(() => {
    if (!dirty) return;
    const warn = (e: BeforeUnloadEvent) => e.preventDefault();
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [dirty]);

  const node: TreeNode | undefined = tree.data?.nodes.find((n) => n.id === s?.current_node_id);
  // One holder at a time (the server's session access rule): after a pickup or a hand-over, only the assignee acts.
  const canAct = Boolean(s && user && s.held_by_id === user.id);
  const running = Boolean(s && s.status === 'active' && !s.paused && canAct);
  const busy = step.isPending || back.isPending;

  const onError = (err: Error) => notifications.show({ color: err instanceof ApiError && err.status === 409 ? 'orange' : 'red', title: 'Not saved', message: err.message });

  const answer = (choice: string) => {
    if (!s?.current_node_id || busy) return;
    step.mutate({ node_id: s.current_node_id, answer: choice, ...(note.trim() && { note: note.trim() }) }, { onSuccess: () => setNote(''), onError });
  };
  const saveNote = () => {
    if (!s?.current_node_id || !note.trim() || busy) return;
    step.mutate({ node_id: s.current_node_id, note: note.trim() }, { onSuccess: () => setNote(''), onError });
  };
  const goBack = () => {
    if (!s?.current_node_id || !s.can_go_back || busy) return;
    back.mutate(s.current_node_id, { onError });
  };

  const openComplete = () => {
    setResolution(node?.kind === 'solution' ? node.title : '');
    completeModal.open();
  };
  const answerRef = useRef(answer);
  const backRef = useRef(goBack);
  const openCompleteRef = useRef(openComplete);
  const openEscalateRef = useRef(escalateModal.open);
  answerRef.current = answer;
  backRef.current = goBack;
  openCompleteRef.current = openComplete;
  openEscalateRef.current = escalateModal.open;
  const choices = s?.choices ?? [];
  useEffect(() => {
    if (!running) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.ctrlKey || e.metaKey || e.altKey || e.defaultPrevented) return;
      const target = e.target as HTMLElement | null;
      if (target?.closest('input, textarea, select, [contenteditable="true"], [role="dialog"]')) return;
      if (/^[1-9]$/.test(e.key)) {
        const choice = choices[Number(e.key) - 1];
        if (choice) {
          e.preventDefault();
          answerRef.current(choice);
        }
      } else if (e.key === 'b' || e.key === 'B') {
        e.preventDefault();
        backRef.current();
      } else if (e.key === 'n' || e.key === 'N') {
        e.preventDefault();
        noteRef.current?.focus();
      } else if (e.key === 'c' || e.key === 'C') {
        e.preventDefault();
        openCompleteRef.current();
      } else if (e.key === 'e' || e.key === 'E') {
        e.preventDefault();
        openEscalateRef.current();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [running, choices]);

  if (session.error instanceof ApiError && session.error.status === 404) return <NotFoundPage />;
  if (!s || !user) return <Skeleton h={400} />;
  const waiting = isWaitingForPickup(s);
  const staff = hasRole(user, 'engineer');
  if (waiting && pickupRequested && staff) return <PickupScreen session={s} userId={user.id} />;

  const submitComplete = () =>
    complete.mutate(
      { resolution: resolution.trim() },
      {
        onSuccess: (closed) => {
          setPsa(closed.psa_result);
          setNote('');
          completeModal.close();
        },
      },
    );
  const submitOffTree = () =>
    offTree.mutate(
      { action: offTreeAction.trim(), outcome: offTreeOutcome.trim() },
      {
        onSuccess: () => {
          setOffTreeAction('');
          setOffTreeOutcome('');
          offTreeModal.close();
        },
        onError,
      },
    );

  const ended = s.status !== 'active';
  const frame = s.link_stack.at(-1);

  return (
    <>
      <Group justify="space-between" align="flex-start" mb="md" wrap="wrap">
        <Stack gap={4}>
          <Anchor component={Link} to="/sessions" size="sm">
            ← Sessions
          </Anchor>
          <Title order={1} size="h2">
            {s.tree_title}
          </Title>
          <Group gap="xs">
            <Badge color={STATUS_COLOR[s.status]}>{STATUS_LABEL[s.status]}</Badge>
            {s.paused && <Badge color="yellow">Paused</Badge>}
            {s.ticket_id && <Badge variant="outline">Ticket {s.ticket_id}</Badge>}
            {s.client_name && <Badge variant="light" color="gray">{s.client_name}</Badge>}
            {s.device && <Badge variant="light" color="gray">{s.device}</Badge>}
            <Text size="sm" c="dimmed" aria-label="Time worked">
              {formatDuration(seconds)}
            </Text>
          </Group>
          {s.problem_summary && (
            <Text size="sm" c="dimmed" maw={720}>
              {s.problem_summary}
            </Text>
          )}
        </Stack>
        <Group gap="xs">
          {!ended && canAct && (
            <>
              <Button
                variant="default"
                leftSection={s.paused ? <IconPlayerPlay size={16} /> : <IconPlayerPause size={16} />}
                loading={pause.isPending}
                onClick={() => pause.mutate(!s.paused, { onError })}
              >
                {s.paused ? 'Resume' : 'Pause'}
              </Button>
              <Button variant="default" leftSection={<IconPlus size={16} />} onClick={offTreeModal.open} disabled={s.paused}>
                Off-tree step
              </Button>
              <Button color="orange" variant="light" leftSection={<IconUrgent size={16} />} onClick={escalateModal.open}>
                Escalate
              </Button>
              <Button color="teal" leftSection={<IconCheck size={16} />} onClick={openComplete}>
                Complete
              </Button>
            </>
          )}
          <ExportMenu id={s.id} />
          {!ended && canAct && (
            <Menu position="bottom-end">
              <Menu.Target>
                <Button variant="subtle" color="gray" aria-label="More actions" px="xs">
                  <IconChevronDown size={16} />
                </Button>
              </Menu.Target>
              <Menu.Dropdown>
                <Menu.Item color="red" leftSection={<IconX size={14} />} onClick={() => abandon.mutate('', { onError })}>
                  Abandon session
                </Menu.Item>
              </Menu.Dropdown>
            </Menu>
          )}
        </Group>
      </Group>

      <Grid gap="lg">
        <Grid.Col span={{ base: 12, md: 8 }}>
          {waiting && <WaitingForPickup session={s} canPickUp={staff && (s.escalated_by_id ?? s.user_id) !== user.id} />}
          {!ended && <HandoffBanner session={s} userId={user.id} pickupRequested={pickupRequested} />}
          {ended ? (
            <Documentation id={s.id} psa={psa} />
          ) : (
            <Card withBorder radius="md" padding="lg" style={node ? { borderLeft: `5px solid ${KIND_COLOR[node.kind]}` } : undefined}>
              {frame && (
                <Alert variant="light" color="grape" icon={<IconLink size={16} />} mb="sm" py={6}>
                  In a linked tree{frame.return_node_id ? '; its end brings you back to where you were' : ''}.
                </Alert>
              )}
              {s.paused && (
                <Alert color="yellow" mb="sm">
                  Paused: the clock is stopped. Resume to carry on.
                </Alert>
              )}
              {!canAct && <ReadOnlyNotice session={s} />}
              {!node ? (
                <Skeleton h={160} />
              ) : (
                <Stack gap="sm">
                  <Badge variant="light" style={{ color: KIND_COLOR[node.kind] }}>
                    {KIND_LABEL[node.kind]}
                  </Badge>
                  <Title order={3} data-testid="current-node-title">
                    {node.title}
                  </Title>
                  {node.body && <Markdown>{node.body}</Markdown>}
                  {node.kind === 'escalate' && (s.assigned_via === 'pickup' && canAct ? (
                    <Alert color="teal" title="The tree ends here: it is yours to finish">
                      <Stack gap="xs" align="flex-start">
                        <Text size="sm">
                          Gather what the step above asks for and record each check or fix as an off-tree step. If an earlier answer looks wrong, go
                          back to it. When it works, complete the session with the resolution: it goes onto the ticket.
                        </Text>
                        {running && (
                          <Group gap="xs" wrap="wrap">
                            <Button size="xs" variant="light" leftSection={<IconPlus size={14} />} onClick={offTreeModal.open}>
                              Add an off-tree step
                            </Button>
                            {s.can_go_back && (
                              <Button size="xs" variant="default" leftSection={<IconArrowBackUp size={14} />} onClick={goBack}>
                                Go back a step
                              </Button>
                            )}
                            <Button size="xs" color="teal" leftSection={<IconCheck size={14} />} onClick={openComplete}>
                              Complete with a resolution
                            </Button>
                          </Group>
                        )}
                      </Stack>
                    </Alert>
                  ) : canAct && (
                    <Alert color="orange" title="This is where a senior engineer takes over">
                      <Stack gap="xs" align="flex-start">
                        <Text size="sm">Note what you tried, then hand the session on, or complete it if you solved it after all.</Text>
                        {running && (
                          <Button size="xs" color="orange" leftSection={<IconUrgent size={14} />} onClick={escalateModal.open}>
                            Escalate this session
                          </Button>
                        )}
                      </Stack>
                    </Alert>
                  ))}
                  {node.kind === 'solution' && choices.length === 0 && (
                    <Alert color="teal" title="A solution">
                      If this fixed it, complete the session: the documentation writes itself.
                    </Alert>
                  )}
                  <Stack gap="xs" mt="xs">
                    {choices.map((choice, i) => (
                      <Button
                        key={choice}
                        size="lg"
                        variant={node.kind === 'question' ? 'light' : 'filled'}
                        justify="flex-start"
                        leftSection={i < 9 ? <Kbd className={hints.hint}>{i + 1}</Kbd> : <IconCornerDownRight size={16} />}
                        onClick={() => answer(choice)}
                        disabled={!running || busy}
                        fullWidth
                        // Long answers wrap onto more lines instead of being cut off (a phone's width included).
                        styles={ANSWER_STYLES}
                      >
                        {node.kind === 'link' ? `Open the linked tree` : choice}
                      </Button>
                    ))}
                  </Stack>
                  {/* Only the holder gets controls: a reader cannot move the session by accident. */}
                  {canAct && (
                    <>
                      <Group justify="space-between" mt="xs">
                        <Button variant="subtle" leftSection={<IconArrowBackUp size={16} />} onClick={goBack} disabled={!running || !s.can_go_back || busy}>
                          Back{' '}
                          <Kbd ml={6} className={hints.hint}>
                            B
                          </Kbd>
                        </Button>
                        {node.kind === 'solution' && choices.length === 0 && running && (
                          <Button color="teal" leftSection={<IconCheck size={16} />} onClick={openComplete}>
                            Complete session
                          </Button>
                        )}
                      </Group>
                      <Textarea
                        ref={noteRef}
                        label="Note"
                        description={
                          <>
                            Saved with your next answer, or on its own with Save note.
                            <span className={hints.hint}> Ctrl+Enter saves it; press N to jump here, C to complete, E to escalate.</span>
                          </>
                        }
                        autosize
                        minRows={2}
                        value={note}
                        onChange={(e) => setNote(e.currentTarget.value)}
                        onKeyDown={(e) => {
                          if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
                            e.preventDefault();
                            saveNote();
                          } else if (e.key === 'Escape') {
                            e.currentTarget.blur();
                          }
                        }}
                        disabled={!running}
                        maxLength={5000}
                      />
                      <Group justify="flex-end">
                        <Button variant="default" size="xs" onClick={saveNote} disabled={!running || !note.trim() || busy}>
                          Save note
                        </Button>
                      </Group>
                    </>
                  )}
                </Stack>
              )}
            </Card>
          )}
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 4 }}>
          <Card withBorder radius="md" padding="lg">
            <Title order={4} mb="sm">
              Steps
            </Title>
            {s.steps.length === 0 ? (
              <Text size="sm" c="dimmed">
                Nothing yet: answer the first question.
              </Text>
            ) : (
              <StepTimeline steps={s.steps} />
            )}
          </Card>
        </Grid.Col>
      </Grid>

      <Modal opened={completing} onClose={completeModal.close} title="Complete the session" size="lg">
        <Stack>
          <Textarea
            label="Resolution"
            description="What fixed it: this goes into the documentation and onto the ticket"
            autosize
            minRows={3}
            data-autofocus
            value={resolution}
            onChange={(e) => setResolution(e.currentTarget.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter' && (e.ctrlKey || e.metaKey) && resolution.trim()) {
                e.preventDefault();
                submitComplete();
              }
            }}
            maxLength={10000}
          />
          {complete.error && <Alert color="red">{complete.error.message}</Alert>}
          <Group justify="flex-end">
            <Button variant="default" onClick={completeModal.close}>
              Cancel
            </Button>
            <Button color="teal" onClick={submitComplete} loading={complete.isPending} disabled={!resolution.trim()}>
              Complete and document
            </Button>
          </Group>
        </Stack>
      </Modal>

      <EscalateModal
        session={s}
        userId={user.id}
        opened={escalating}
        onClose={escalateModal.close}
        draft={note}
        onDone={(r) => {
          setPsa(r.psa_result);
          setNote('');
        }}
      />

      <Modal opened={addingOffTree} onClose={offTreeModal.close} title="Add an off-tree step">
        <Stack>
          <TextInput label="What you did" data-autofocus value={offTreeAction} onChange={(e) => setOffTreeAction(e.currentTarget.value)} maxLength={2000} />
          <TextInput label="What happened" value={offTreeOutcome} onChange={(e) => setOffTreeOutcome(e.currentTarget.value)} maxLength={2000} />
          <Group justify="flex-end">
            <Button variant="default" onClick={offTreeModal.close}>
              Cancel
            </Button>
            <Button onClick={submitOffTree} loading={offTree.isPending} disabled={!offTreeAction.trim() || !offTreeOutcome.trim()}>
              Add step
            </Button>
          </Group>
        </Stack>
      </Modal>

      <Modal opened={blocker.state === 'blocked'} onClose={() => blocker.reset?.()} title="Leave without saving the note?">
        <Text size="sm" mb="md">
          Your note on this step is not saved yet.
        </Text>
        <Group justify="flex-end">
          <Button variant="default" onClick={() => blocker.reset?.()}>
            Stay
          </Button>
          <Button color="red" onClick={() => blocker.proceed?.()}>
            Leave
          </Button>
        </Group>
      </Modal>
    </>
  );
}
