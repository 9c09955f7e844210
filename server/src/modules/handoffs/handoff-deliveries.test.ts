import type { AddressInfo } from 'node:net';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Delivery, DeliveryList, EscalationPackage, HandoffResponse, NotificationList, PickupResponse, SessionResponse } from '@flowpilot/contracts';
import { queryRows } from '../../db/client.ts';
import { PRINTER_OFFLINE_TREE_ID } from '../../db/demo-trees/ids.ts';
import { anthropicFailure, startAnthropicFake, type AnthropicFake } from '../../../test/fakes/anthropic.ts';
import { slackFailure, startSlackFake, type SlackFake } from '../../../test/fakes/slack.ts';
import { startTeamsFake, teamsFailure, type TeamsFake } from '../../../test/fakes/teams.ts';
import { createTestApp, DB_KINDS, type TestApp } from '../../../test/harness.ts';
import { eventually } from '../../../test/eventually.ts';
import { startSmtpSink, type SmtpSink } from '../../../test/smtp-sink.ts';
import { openStream, type SseStream } from '../../../test/sse.ts';

const PUBLIC_URL = 'https://flowpilot.msp-example.test';
const ADMIN_EMAIL = 'admin@flowpilot.test';
const ENGINEER_EMAIL = 'engineer@flowpilot.test';

function helpers(get: () => { t: TestApp; admin: string; engineer: string; tech: string }) {
  async function startSession(client = 'ACME Ltd'): Promise<SessionResponse> {
    const { t, tech } = get();
    const res = await t.request({
      method: 'POST',
      url: '/api/v1/sessions',
      token: tech,
      body: { tree_id: PRINTER_OFFLINE_TREE_ID, ticket_id: '4711', client_name: client, device: 'PC-042', problem_summary: 'Printer shows offline' },
    });
    expect(res.statusCode, res.body).toBe(201);
    const session = res.json<SessionResponse>();
    const answered = await t.request({ method: 'POST', url: `/api/v1/sessions/${session.id}/steps`, token: tech, body: { node_id: session.current_node_id, answer: session.choices[0], note: 'Customer confirmed' } });
    expect(answered.statusCode, answered.body).toBe(200);
    return answered.json<SessionResponse>();
  }

  async function escalate(sessionId: string, reason = 'Spooler keeps crashing after a driver reinstall'): Promise<HandoffResponse> {
    const { t, tech } = get();
    const res = await t.request({ method: 'POST', url: `/api/v1/sessions/${sessionId}/handoff`, token: tech, body: { intent: 'escalate', reason } });
    expect(res.statusCode, res.body).toBe(200);
    return res.json<HandoffResponse>();
  }

  /** Every delivery of a session as the admin sees them (open ones and delivered ones). */
  async function deliveriesOf(sessionId: string): Promise<Delivery[]> {
    const { t, admin } = get();
    const out: Delivery[] = [];
    for (const status of ['open', 'delivered']) {
      const res = await t.request({ method: 'GET', url: `/api/v1/team/deliveries?status=${status}&limit=200`, token: admin });
      expect(res.statusCode, res.body).toBe(200);
      out.push(...res.json<DeliveryList>().items.filter((d) => d.session_id === sessionId));
    }
    return out;
  }

  /** Waits until `count` deliveries of the session are delivered or failed, and returns them. */
  async function settled(sessionId: string, count: number, ms = 10_000): Promise<Delivery[]> {
    return eventually(
      `${count} deliveries of the session to settle`,
      async () => {
        const list = await deliveriesOf(sessionId);
        return list.length === count && list.every((d) => d.status === 'delivered' || d.status === 'failed') && list;
      },
      ms,
    );
  }

  return { startSession, escalate, deliveriesOf, settled };
}

describe.each(DB_KINDS)('escalation deliveries to Slack, Teams and email on %s', (kind) => {
  let t: TestApp;
  let admin: string;
  let engineer: string;
  let tech: string;
  let slack: SlackFake;
  let teams: TeamsFake;
  let sink: SmtpSink;
  const h = helpers(() => ({ t, admin, engineer, tech }));

  const slackMessagesFor = (sessionId: string) => slack.accepted.filter((m) => JSON.stringify(m.body).includes(sessionId));
  const teamsMessagesFor = (sessionId: string) => teams.accepted.filter((m) => JSON.stringify(m).includes(sessionId));
  const mailsFor = (sessionId: string) => sink.received.filter((m) => (m.mail.text ?? '').includes(sessionId));
  const setIntegrations = async (body: Record<string, unknown>) => {
    const res = await t.request({ method: 'PUT', url: '/api/v1/team/integrations', token: admin, body });
    expect(res.statusCode, res.body).toBe(200);
  };
  const byChannel = (list: Delivery[], channel: Delivery['channel']) => list.filter((d) => d.channel === channel);

  beforeAll(async () => {
    [slack, teams, sink] = await Promise.all([startSlackFake(), startTeamsFake(), startSmtpSink()]);
    t = await createTestApp(kind, {
      config: { allowPrivateNetworkTargets: true, smtpUrl: sink.url, publicUrl: PUBLIC_URL },
      // Retry-After (1 s below) is honoured up to maxMs; a hanging webhook is given up after 1.5 s.
      jobs: { retry: { baseMs: 50, maxMs: 2_000, maxAttempts: 4 }, webhookTimeoutMs: 1_500 },
    });
    [admin, engineer, tech] = await Promise.all([t.tokenFor('admin'), t.tokenFor('engineer'), t.tokenFor('technician')]);
    await setIntegrations({ slack: { webhook_url: slack.webhookUrl }, teams: { webhook_url: teams.webhookUrl }, email: { enabled: true } });
  }, 60_000);

  afterEach(() => {
    // Whatever a test scripted, no request was ever refused as malformed by a fake.
    expect(slack.requests.filter((r) => r.rejected && r.status !== 404)).toEqual([]);
    expect(teams.requests.filter((r) => r.rejected)).toEqual([]);
  });

  afterAll(async () => {
    await t?.close();
    await Promise.all([slack?.close(), teams?.close(), sink?.close()]);
  });

  it('reaches Slack (Block Kit), Teams (Adaptive Card 1.4) and one multipart email per recipient, all with the absolute pickup link', async () => {
    const session = await h.startSession();
    const esc = await h.escalate(session.id);
    const link = `${PUBLIC_URL}/pilot/${session.id}?pickup=true`;

    const list = await h.settled(session.id, 4);
    expect(list.every((d) => d.status === 'delivered' && d.attempts === 1 && d.last_error === null)).toBe(true);
    // The admin's list of delivered items shows them too.
    const delivered = (await t.request({ method: 'GET', url: '/api/v1/team/deliveries?status=delivered&limit=200', token: admin })).json<DeliveryList>();
    const mine = delivered.items.filter((d) => d.session_id === session.id);
    expect(mine.map((d) => d.target).sort()).toEqual(
      ['Escalation email to Morgan Price', 'Escalation email to Sam Rivera', 'Escalation to the Slack channel', 'Escalation to the Teams channel'].sort(),
    );
    expect(mine.every((d) => d.delivered_at !== null)).toBe(true);

    // Slack: one message, passed the fake's Block Kit schema check, with the button to the pickup screen.
    const [slackMsg, ...moreSlack] = slackMessagesFor(session.id);
    expect(moreSlack).toEqual([]);
    expect(slackMsg!.body.text).toEqual(expect.stringContaining('ACME Ltd'));
    const blocks = slackMsg!.body.blocks as { type: string; elements?: { type: string; url?: string }[] }[];
    const button = blocks.find((b) => b.type === 'actions')!.elements!.find((e) => e.type === 'button')!;
    expect(button.url).toBe(link);
    expect(JSON.stringify(slackMsg!.body)).toContain('Spooler keeps crashing after a driver reinstall');

    // Teams: one Adaptive Card 1.4 that passed the schema, opening the pickup screen.
    const [teamsMsg, ...moreTeams] = teamsMessagesFor(session.id);
    expect(moreTeams).toEqual([]);
    const card = (teamsMsg as { type: string; attachments: { contentType: string; content: { version: string; actions: { type: string; url: string }[] } }[] }).attachments[0]!;
    expect(card.contentType).toBe('application/vnd.microsoft.card.adaptive');
    expect(card.content.version).toBe('1.4');
    expect(card.content.actions).toContainEqual(expect.objectContaining({ type: 'Action.OpenUrl', url: link }));

    // Email: exactly one per recipient (the engineer and the admin; not the technician who escalated).
    const mails = mailsFor(session.id);
    expect(mails.map((m) => m.to).sort()).toEqual([[ADMIN_EMAIL], [ENGINEER_EMAIL]]);
    for (const { mail, raw } of mails) {
      expect(mail.headers.get('content-type')).toMatchObject({ value: 'multipart/alternative' });
      expect(raw).toMatch(/Content-Type: text\/plain/i);
      expect(raw).toMatch(/Content-Type: text\/html/i);
      expect(mail.text).toContain(link);
      expect(mail.html || '').toContain(`href="${link}"`);
      expect(mail.messageId).toMatch(/^<[^@\s]+@[^>\s]+>$/);
      expect(mail.subject).toContain('ACME Ltd');
      expect(mail.headers.get('auto-submitted')).toBe('auto-generated');
    }
    const engineerMail = mails.find((m) => m.to[0] === ENGINEER_EMAIL)!.mail;
    expect(engineerMail.text).toContain('Hi Sam Rivera');
    // The delivery row keeps the Message-ID the mail went out with.
    const engineerDelivery = list.find((d) => d.target === 'Escalation email to Sam Rivera')!;
    expect(engineerDelivery.external_ref).toBe(engineerMail.messageId);
    expect(esc.handoff.status).toBe('pending');
  });

  it('waits out a Slack 429 for its Retry-After and delivers on the second attempt', async () => {
    slack.failNext(1, slackFailure(429, '{"ok":false,"error":"rate_limited"}', '1'));
    const session = await h.startSession();
    await h.escalate(session.id);
    // While it waits, the admin sees why.
    const waiting = await eventually('the Slack delivery to wait for its retry', async () => byChannel(await h.deliveriesOf(session.id), 'slack').find((d) => d.status === 'retrying'));
    expect(waiting.last_error).toMatch(/rate limiting/);
    expect(waiting.attempts).toBe(1);
    expect(Date.parse(waiting.next_attempt_at!) - Date.parse(waiting.created_at)).toBeGreaterThanOrEqual(900);

    const list = await h.settled(session.id, 4);
    const slackDelivery = byChannel(list, 'slack')[0]!;
    expect(slackDelivery).toMatchObject({ status: 'delivered', attempts: 2, last_error: null });
    expect(Date.parse(slackDelivery.delivered_at!) - Date.parse(slackDelivery.created_at), 'the retry came after Retry-After').toBeGreaterThanOrEqual(900);
    expect(slackMessagesFor(session.id)).toHaveLength(1);
    // The other channels did not wait for Slack.
    for (const d of list.filter((x) => x.channel !== 'slack')) expect(d).toMatchObject({ status: 'delivered', attempts: 1 });
  });

  it('does not send a message whose escalation was picked up while it waited, and says so (skipped, not delivered)', async () => {
    slack.failNext(1, slackFailure(429, '{"ok":false,"error":"rate_limited"}', '1'));
    const session = await h.startSession();
    await h.escalate(session.id);
    await eventually('the Slack delivery to wait for its retry', async () => byChannel(await h.deliveriesOf(session.id), 'slack').find((d) => d.status === 'retrying'));
    const picked = await t.request({ method: 'POST', url: `/api/v1/sessions/${session.id}/pickup`, token: engineer });
    expect(picked.statusCode, picked.body).toBe(200);
    const skipped = await eventually('the Slack delivery to be skipped', async () => {
      const res = await t.request({ method: 'GET', url: '/api/v1/team/deliveries?status=skipped&limit=200', token: admin });
      return res.json<DeliveryList>().items.find((d) => d.session_id === session.id && d.channel === 'slack');
    });
    expect(skipped).toMatchObject({ status: 'skipped', last_error: 'Not sent: Sam Rivera picked it up first', delivered_at: null });
    expect(slackMessagesFor(session.id)).toHaveLength(0);
    // Not in the admin's open list, and not to be retried.
    const open = (await t.request({ method: 'GET', url: '/api/v1/team/deliveries?status=open&limit=200', token: admin })).json<DeliveryList>();
    expect(open.items.some((d) => d.id === skipped.id)).toBe(false);
    const retry = await t.request({ method: 'POST', url: `/api/v1/team/deliveries/${skipped.id}/retry`, token: admin });
    expect(retry.statusCode).toBe(409);
    expect(retry.json<{ detail: string }>().detail).toMatch(/picked it up first/);
  });

  it('retries Teams after two 500s and delivers on the third attempt', async () => {
    teams.failNext(2, teamsFailure(500));
    const session = await h.startSession();
    await h.escalate(session.id);
    const list = await h.settled(session.id, 4);
    expect(byChannel(list, 'teams')[0]).toMatchObject({ status: 'delivered', attempts: 3, last_error: null });
    expect(teamsMessagesFor(session.id)).toHaveLength(1);
    expect(byChannel(list, 'slack')[0]).toMatchObject({ status: 'delivered', attempts: 1 });
  });

  it('fails a revoked Slack webhook at once with what to do (never the URL), and delivers after a fix and a retry', async () => {
    await setIntegrations({ slack: { webhook_url: slack.unknownWebhookUrl } });
    try {
      const session = await h.startSession();
      await h.escalate(session.id);
      const list = await h.settled(session.id, 4);
      const failed = byChannel(list, 'slack')[0]!;
      expect(failed).toMatchObject({ status: 'failed', attempts: 1, delivered_at: null });
      expect(failed.last_error).toMatch(/no_service/);
      expect(failed.last_error).toMatch(/Set up the incoming webhook again/);
      expect(failed.last_error).not.toContain(slack.url);
      expect(failed.last_error).not.toContain('REVOKED');
      expect(failed.last_error).not.toContain('T000');
      // It is in the admin's list of failures.
      const open = (await t.request({ method: 'GET', url: '/api/v1/team/deliveries?status=failed', token: admin })).json<DeliveryList>();
      expect(open.items.map((d) => d.id)).toContain(failed.id);
      expect(slackMessagesFor(session.id)).toEqual([]);

      // Only an admin may retry.
      expect((await t.request({ method: 'POST', url: `/api/v1/team/deliveries/${failed.id}/retry`, token: engineer })).statusCode).toBe(403);
      await setIntegrations({ slack: { webhook_url: slack.webhookUrl } });
      const retried = await t.request({ method: 'POST', url: `/api/v1/team/deliveries/${failed.id}/retry`, token: admin });
      expect(retried.statusCode, retried.body).toBe(200);
      expect(retried.json<Delivery>().status).toBe('retrying');
      const delivered = await eventually('the retried Slack delivery', async () => byChannel(await h.deliveriesOf(session.id), 'slack').find((d) => d.status === 'delivered'));
      expect(delivered).toMatchObject({ id: failed.id, attempts: 2, last_error: null });
      expect(slackMessagesFor(session.id)).toHaveLength(1);
      // Delivered: retrying again is refused.
      expect((await t.request({ method: 'POST', url: `/api/v1/team/deliveries/${failed.id}/retry`, token: admin })).statusCode).toBe(409);
    } finally {
      await setIntegrations({ slack: { webhook_url: slack.webhookUrl } });
    }
  });

  it('lets a hanging Slack webhook delay only itself: Teams and email arrive while it hangs, Slack after its timeout', async () => {
    slack.failNext(1, 'hang');
    const session = await h.startSession();
    await h.escalate(session.id);
    const others = await eventually('Teams and both emails to be delivered', async () => {
      const list = await h.deliveriesOf(session.id);
      const rest = list.filter((d) => d.channel !== 'slack');
      return rest.length === 3 && rest.every((d) => d.status === 'delivered') && list;
    });
    // At that moment Slack is still stuck in its first attempt.
    expect(byChannel(others, 'slack')[0]).toMatchObject({ status: 'sending', attempts: 1 });
    expect(mailsFor(session.id)).toHaveLength(2);
    expect(teamsMessagesFor(session.id)).toHaveLength(1);

    const list = await h.settled(session.id, 4);
    expect(byChannel(list, 'slack')[0]).toMatchObject({ status: 'delivered', attempts: 2, last_error: null });
    expect(slackMessagesFor(session.id)).toHaveLength(1);
  });

  it('marks an email the mail server refuses (550) as failed, and still delivers the others', async () => {
    sink.refuse.add(ENGINEER_EMAIL);
    try {
      const session = await h.startSession();
      await h.escalate(session.id);
      const list = await h.settled(session.id, 4);
      const refused = list.find((d) => d.target === 'Escalation email to Sam Rivera')!;
      expect(refused).toMatchObject({ status: 'failed', attempts: 1 });
      expect(refused.last_error).toMatch(/refused/);
      expect(refused.last_error).toMatch(/550/);
      expect(list.find((d) => d.target === 'Escalation email to Morgan Price')).toMatchObject({ status: 'delivered' });
      expect(mailsFor(session.id).map((m) => m.to)).toEqual([[ADMIN_EMAIL]]);
    } finally {
      sink.refuse.clear();
    }
  });

  it('sends no email to a user who turned escalation emails off', async () => {
    const off = await t.request({ method: 'PUT', url: '/api/v1/notifications/settings', token: engineer, body: { escalation_emails: false } });
    expect(off.statusCode).toBe(200);
    try {
      const session = await h.startSession();
      await h.escalate(session.id);
      const list = await h.settled(session.id, 3);
      expect(byChannel(list, 'email').map((d) => d.target)).toEqual(['Escalation email to Morgan Price']);
      expect(mailsFor(session.id).map((m) => m.to)).toEqual([[ADMIN_EMAIL]]);
      // The bell still rings for them.
      const bell = (await t.request({ method: 'GET', url: '/api/v1/notifications', token: engineer })).json<NotificationList>();
      expect(bell.items.some((n) => n.session_id === session.id && n.type === 'escalation')).toBe(true);
    } finally {
      await t.request({ method: 'PUT', url: '/api/v1/notifications/settings', token: engineer, body: { escalation_emails: true } });
    }
  });

  describe('the escalation chain', () => {
    /** Makes the chain step of a handoff due now: pg-boss's worker then runs it as it would minutes later. */
    async function runChainStep(handoffId: string, step: number): Promise<void> {
      const due = await queryRows<{ id: string }>(
        t.database.db,
        sql`update pgboss.job set start_after = now() - interval '1 second' where name = 'handoff.remind' and data->>'handoffId' = ${handoffId} and (data->>'step')::int = ${step} and state = 'created' returning id`,
      );
      expect(due, 'the chain step is scheduled').toHaveLength(1);
      await eventually(`chain step ${step} to run`, async () => {
        const [job] = await queryRows<{ state: string }>(t.database.db, sql`select state from pgboss.job where name = 'handoff.remind' and id = ${due[0]!.id}`);
        return job?.state === 'completed';
      });
    }

    const remindersOf = async (token: string, sessionId: string) =>
      (await t.request({ method: 'GET', url: '/api/v1/notifications?limit=100', token })).json<NotificationList>().items.filter((n) => n.session_id === sessionId && n.type === 'escalation_reminder');

    it('reminds the audience while nobody picked the escalation up, and stops once someone did', async () => {
      const session = await h.startSession('Reminder Co');
      const esc = await h.escalate(session.id);
      await h.settled(session.id, 4);

      await runChainStep(esc.handoff.id, 0);
      // Nobody was named: the engineers and admins are reminded, on the bell and on every channel.
      for (const token of [engineer, admin]) {
        const [reminder, ...more] = await remindersOf(token, session.id);
        expect(more).toEqual([]);
        expect(reminder).toMatchObject({ type: 'escalation_reminder', link: `/pilot/${session.id}?pickup=true`, read_at: null });
        expect(reminder!.title).toMatch(/^Still waiting for pickup \(\d+ min\): Reminder Co/);
      }
      expect(await remindersOf(tech, session.id)).toEqual([]);
      const afterReminder = await h.settled(session.id, 8);
      const reminders = afterReminder.filter((d) => d.target.startsWith('Escalation reminder'));
      expect(reminders.map((d) => d.target).sort()).toEqual(
        ['Escalation reminder email to Morgan Price', 'Escalation reminder email to Sam Rivera', 'Escalation reminder to the Slack channel', 'Escalation reminder to the Teams channel'].sort(),
      );
      expect(reminders.every((d) => d.status === 'delivered')).toBe(true);
      const slackReminder = slackMessagesFor(session.id).at(-1)!;
      expect(slackMessagesFor(session.id)).toHaveLength(2);
      expect(JSON.stringify(slackReminder.body)).toMatch(/nobody has picked it up yet/);
      expect(mailsFor(session.id).filter((m) => /Still waiting for pickup/.test(m.mail.subject ?? '')).map((m) => m.to).sort()).toEqual([[ADMIN_EMAIL], [ENGINEER_EMAIL]]);

      // Picked up: the next step finds nothing to do.
      const picked = await t.request({ method: 'POST', url: `/api/v1/sessions/${session.id}/pickup`, token: engineer });
      expect(picked.statusCode).toBe(200);
      expect(picked.json<PickupResponse>().handoff.status).toBe('accepted');
      const slackBefore = slackMessagesFor(session.id).length;
      const mailsBefore = mailsFor(session.id).length;
      await runChainStep(esc.handoff.id, 1);
      for (const token of [engineer, admin]) expect(await remindersOf(token, session.id)).toHaveLength(1);
      expect(await h.deliveriesOf(session.id)).toHaveLength(8);
      expect(slackMessagesFor(session.id)).toHaveLength(slackBefore);
      expect(mailsFor(session.id)).toHaveLength(mailsBefore);
    });
  });
});

const AI_KEY = 'sk-ant-api03-handoff-test-key';
const AI_PACKAGE = {
  headline: 'The print spooler crashes on PC-042 after a driver reinstall. A third-party print processor is the likely cause.',
  hypotheses: ['A third-party print processor crashes the spooler', 'A stale printer port points at an old IP address'],
  next_steps: ['Look in Event Viewer under PrintService/Admin for the faulting module', 'Reset the print processor to winprint and restart the spooler'],
};

describe.each(DB_KINDS)('the AI escalation package on %s', (kind) => {
  let t: TestApp;
  let admin: string;
  let engineer: string;
  let tech: string;
  let port: number;
  let fake: AnthropicFake;
  const h = helpers(() => ({ t, admin, engineer, tech }));
  const streams: SseStream[] = [];

  const packageOf = async (sessionId: string) => {
    const res = await t.request({ method: 'GET', url: `/api/v1/sessions/${sessionId}/handoff`, token: engineer });
    expect(res.statusCode, res.body).toBe(200);
    return res.json<{ package: EscalationPackage }>().package;
  };
  const packageJobState = async (handoffId: string) =>
    (await queryRows<{ state: string }>(t.database.db, sql`select state from pgboss.job where name = 'handoff.package' and data->>'handoffId' = ${handoffId}`))[0]?.state;
  // Stored ones (with an id): the escalation's and the package's; each step's own hint carries no id.
  const updatesFor = (stream: SseStream, sessionId: string) => stream.events.filter((e) => e.type === 'session.updated' && e.data.session_id === sessionId && Number.isFinite(e.id));

  beforeAll(async () => {
    fake = await startAnthropicFake({ apiKey: AI_KEY, reply: JSON.stringify(AI_PACKAGE) });
    t = await createTestApp(kind, { config: { ai: { provider: 'anthropic', apiKey: AI_KEY, baseUrl: fake.url, model: 'claude-test-model' } } });
    [admin, engineer, tech] = await Promise.all([t.tokenFor('admin'), t.tokenFor('engineer'), t.tokenFor('technician')]);
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    port = (t.app.server.address() as AddressInfo).port;
  }, 60_000);

  afterAll(async () => {
    for (const s of streams) s.close();
    await t?.close();
    await fake?.close();
  });

  it('replaces the template package with the AI one, and tells the technician’s stream', async () => {
    const stream = await openStream(port, tech);
    streams.push(stream);
    // The model takes 2 s: the escalation answers long before.
    fake.delayMs = 2_000;
    const session = await h.startSession();
    const started = Date.now();
    const esc = await h.escalate(session.id);
    expect(Date.now() - started, 'the escalate request does not wait for the AI').toBeLessThan(2_000);
    expect(esc.handoff.package.generated_by).toBe('template');

    const pkg = await eventually('the AI package', async () => {
      const p = await packageOf(session.id);
      return p.generated_by === 'ai' && p;
    });
    expect(pkg).toMatchObject({ generated_by: 'ai', headline: AI_PACKAGE.headline, hypotheses: AI_PACKAGE.hypotheses, next_steps: AI_PACKAGE.next_steps });
    // What the template knew stays.
    expect(pkg.steps_tried).toEqual(esc.handoff.package.steps_tried);
    expect(pkg.environment).toEqual({ ticket_id: '4711', client_name: 'ACME Ltd', device: 'PC-042' });
    expect(pkg.reason).toBe('Spooler keeps crashing after a driver reinstall');
    // One update for the escalation itself, one for the richer package.
    await eventually('the second session.updated on the technician’s stream', () => updatesFor(stream, session.id).length >= 2);
    expect(updatesFor(stream, session.id)).toHaveLength(2);

    const asked = fake.accepted.find((r) => typeof r.system === 'string' && r.system.includes('Reply with one JSON object'))!;
    expect(asked).toMatchObject({ model: 'claude-test-model' });
    const prompt = asked.messages[0]!.content as string;
    expect(prompt).toContain('Problem: Printer shows offline');
    expect(prompt).toContain("Technician's reason: Spooler keeps crashing after a driver reinstall");
    expect(prompt).not.toContain('Jamie Chen');
    fake.delayMs = 0;
  });

  it('keeps the template package when the AI answers with something that is not the package', async () => {
    const stream = await openStream(port, tech);
    streams.push(stream);
    fake.reply = 'Sorry, I cannot help with printers today.';
    try {
      const session = await h.startSession();
      const esc = await h.escalate(session.id);
      await eventually('the package job to finish', async () => (await packageJobState(esc.handoff.id)) === 'completed');
      const pkg = await packageOf(session.id);
      expect(pkg).toEqual(esc.handoff.package);
      expect(pkg.generated_by).toBe('template');
      expect(updatesFor(stream, session.id)).toHaveLength(1);
    } finally {
      fake.reply = JSON.stringify(AI_PACKAGE);
    }
  });

  // Last in this file: the fake keeps failing until the app closes.
  it('keeps the template package while the AI fails with 500s', async () => {
    const stream = await openStream(port, tech);
    streams.push(stream);
    fake.failNext(1_000, anthropicFailure(500));
    const session = await h.startSession();
    const esc = await h.escalate(session.id);
    await eventually('the package job to be waiting for its retry', async () => (await packageJobState(esc.handoff.id)) === 'retry', 15_000);
    expect(fake.requests.filter((r) => r.status === 500).length).toBeGreaterThanOrEqual(1);
    const pkg = await packageOf(session.id);
    expect(pkg.generated_by).toBe('template');
    expect(pkg.hypotheses).toEqual(esc.handoff.package.hypotheses);
    expect(updatesFor(stream, session.id)).toHaveLength(1);
  });
});
