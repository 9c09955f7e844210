import type { ReactNode } from 'react';
import { Link } from 'react-router';
import { Anchor, Badge, Button, Group, Paper, SimpleGrid, Skeleton, Stack, Text, Title } from '@mantine/core';
import { IconPlayerPlay } from '@tabler/icons-react';
import { hasRole, ROLE_LABEL, useAuth } from '../../lib/auth.tsx';
import { usePageTitle } from '../../components/use-page-title.ts';
import { EscalationCard, HandedOverCard, SessionCard } from './home-cards.tsx';
import { useCurrentStepTitles, useHandedOver, useNow, useOpenSessions, useQueueFirstPage } from './home-data.ts';

/** How many cards a list shows before it points to its page. */
const SHOWN = 6;

function Section({ id, title, count, action, children }: { id: string; title: string; count?: number; action?: ReactNode; children: ReactNode }) {
  return (
    <section aria-labelledby={id}>
      <Group justify="space-between" mb="sm" gap="xs">
        <Group gap="xs">
          <Title order={2} id={id} size="h4">
            {title}
          </Title>
          {count !== undefined && count > 0 && (
            <Badge variant="light" circle={count < 10}>
              {count}
            </Badge>
          )}
        </Group>
        {action}
      </Group>
      {children}
    </section>
  );
}

function Empty({ children }: { children: ReactNode }) {
  return (
    <Paper withBorder radius="md" p="md">
      <Text size="sm" c="dimmed">
        {children}
      </Text>
    </Paper>
  );
}

const Cards = ({ children }: { children: ReactNode }) => (
  <SimpleGrid cols={{ base: 1, md: 2, xl: 3 }} spacing="sm">
    {children}
  </SimpleGrid>
);

/**
 * Where each day starts: what is waiting for me (escalations sent to me,
 * sessions handed over to me), my open sessions to continue, and, for
 * engineers and admins, the team's escalation queue with live waiting times.
 * Live events keep every list current (see app/live-updates).
 */
export function HomePage() {
  usePageTitle('Home');
  const { user } = useAuth();
  const staff = hasRole(user, 'engineer');
  const now = useNow();
  const open = useOpenSessions();
  const handedOver = useHandedOver(open.items, user?.id ?? '');
  const personal = useQueueFirstPage(true, staff);
  const queue = useQueueFirstPage(false, staff);
  const titles = useCurrentStepTitles(open.items);
  if (!user) return null;

  const firstName = user.full_name.split(/\s+/)[0];
  const waitingIds = new Set(handedOver.map((h) => h.session.id));
  const mine = open.items.filter((s) => !waitingIds.has(s.id));
  // waiting_seconds is as of the fetch (no clock skew between browser and server).
  const since = (updatedAt: number) => (updatedAt ? Math.max(0, Math.floor((now - updatedAt) / 1000)) : 0);
  const sentToMe = staff ? (personal.data?.items ?? []) : [];
  const waitingCount = sentToMe.length + handedOver.length;

  return (
    <>
      <Group justify="space-between" align="flex-start" mb="lg" wrap="wrap">
        <div>
          <Title order={1} size="h2">
            Welcome back, {firstName}
          </Title>
          <Text c="dimmed">Signed in as {ROLE_LABEL[user.role].toLowerCase()}.</Text>
        </div>
        <Button component={Link} to="/sessions/new" leftSection={<IconPlayerPlay size={16} />}>
          New session
        </Button>
      </Group>
      <Stack gap="xl">
        <Section id="home-waiting" title="Waiting for you" count={waitingCount}>
          {open.isLoading || (staff && personal.isLoading) ? (
            <Skeleton h={100} />
          ) : waitingCount === 0 ? (
            <Empty>
              {staff
                ? 'Nothing is waiting for you. Escalations sent to you by name and sessions a colleague hands over to you appear here.'
                : 'Nothing is waiting for you. Sessions a colleague hands over to you appear here.'}
            </Empty>
          ) : (
            <Cards>
              {sentToMe.map((item) => (
                <EscalationCard key={item.session_id} item={item} waitingSeconds={item.waiting_seconds + since(personal.dataUpdatedAt)} personal />
              ))}
              {handedOver.map((entry) => (
                <HandedOverCard key={entry.session.id} entry={entry} stepTitle={titles.get(entry.session.id)} />
              ))}
            </Cards>
          )}
        </Section>

        <Section
          id="home-open"
          title="Your open sessions"
          count={mine.length}
          action={
            open.total > mine.length + handedOver.length || mine.length > SHOWN ? (
              <Anchor component={Link} to="/sessions" size="sm">
                All your sessions
              </Anchor>
            ) : undefined
          }
        >
          {open.isLoading ? (
            <Skeleton h={100} />
          ) : mine.length === 0 ? (
            <Empty>No open sessions. Start one from a ticket with New session; the ones you leave unfinished wait here for you to continue.</Empty>
          ) : (
            <Cards>
              {mine.slice(0, SHOWN).map((s) => (
                <SessionCard key={s.id} session={s} stepTitle={titles.get(s.id)} userId={user.id} now={now} />
              ))}
            </Cards>
          )}
        </Section>

        {staff && (
          <Section
            id="home-queue"
            title="Waiting for pickup"
            count={queue.data?.total}
            action={
              <Anchor component={Link} to="/escalations" size="sm">
                Open the queue
              </Anchor>
            }
          >
            {queue.isLoading ? (
              <Skeleton h={100} />
            ) : !queue.data || queue.data.total === 0 ? (
              <Empty>No session is waiting for pickup. New escalations appear here as they happen.</Empty>
            ) : (
              <Stack gap="xs">
                <Cards>
                  {queue.data.items.slice(0, SHOWN).map((item) => (
                    <EscalationCard key={item.session_id} item={item} waitingSeconds={item.waiting_seconds + since(queue.dataUpdatedAt)} />
                  ))}
                </Cards>
                {queue.data.total > SHOWN && (
                  <Text size="sm" c="dimmed">
                    And {queue.data.total - SHOWN} more in the queue, oldest first.
                  </Text>
                )}
              </Stack>
            )}
          </Section>
        )}
      </Stack>
    </>
  );
}
