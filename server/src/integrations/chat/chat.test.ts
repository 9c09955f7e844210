import { createServer } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { slackFailure, startSlackFake, type SlackFake } from '../../../test/fakes/slack.ts';
import { TEAMS_FAKE_MAX_BYTES, startTeamsFake, teamsFailure, type TeamsFake } from '../../../test/fakes/teams.ts';
import { checkAdaptiveCard, checkSlackBlocks } from '../../../test/fakes/vendor-schemas.ts';
import { DeliveryError } from '../outbound.ts';
import { fitText, headline, type EscalationMessage } from './escalation-message.ts';
import { buildSlackMessage, postSlack, SLACK_LIMITS, type SlackWebhookBody } from './slack.ts';
import { buildTeamsMessage, postTeams, TEAMS_MAX_BODY_BYTES, teamsBodyBytes, type TeamsWorkflowBody } from './teams.ts';

const LINK = 'https://flowpilot.example.com/escalations/6f1c2a9e-8d4b-4c1e-9a7f-2b3c4d5e6f70/pickup';

const BASE: EscalationMessage = {
  kind: 'escalation',
  sessionId: '6f1c2a9e-8d4b-4c1e-9a7f-2b3c4d5e6f70',
  treeTitle: 'Outlook keeps asking for the password',
  ticketId: '4711',
  clientName: 'ACME Ltd',
  device: 'LAPTOP-042',
  problem: 'Outlook prompts for credentials every few minutes',
  reason: 'Credential manager cleared, profile rebuilt; still prompting. Looks like modern auth is off for the tenant.',
  technicianName: 'Jane Junior',
  targetName: 'Sam Senior',
  stoppedAt: 'Check modern authentication',
  stepsTried: 7,
  link: LINK,
};

const NASTY = '<script>alert("x")</script> & <!channel> <@U0123> [click](https://evil.example) 👩‍💻🔥 ';

/** `unit` repeated and padded to exactly `length` UTF-16 units, without cutting an emoji. */
function exactly(length: number, unit: string): string {
  let out = '';
  while (out.length + unit.length <= length) out += unit;
  return out + 'z'.repeat(length - out.length);
}

/** Every string field long and hostile; client, device and ticket unknown. */
const HOSTILE: EscalationMessage = {
  ...BASE,
  treeTitle: NASTY.repeat(20),
  clientName: null,
  device: null,
  ticketId: null,
  problem: NASTY.repeat(100),
  reason: exactly(5000, `${NASTY}line\n`),
  technicianName: `${NASTY}${'J'.repeat(300)}`,
  targetName: NASTY.repeat(10),
  stoppedAt: NASTY.repeat(100),
};

const VARIANTS: [string, EscalationMessage][] = [
  ['an ordinary escalation', BASE],
  ['long hostile text with no client, device or ticket', HOSTILE],
  ['a reminder to the team queue', { ...BASE, kind: 'reminder', targetName: null, waitingMinutes: 12 }],
  ['a transfer', { ...BASE, kind: 'transfer' }],
  ['a 5,000-character reason of emoji', { ...BASE, reason: '😀'.repeat(2500) }],
  ['a 200-character client name', { ...BASE, clientName: 'C'.repeat(200) }],
  ['an empty reason and no problem', { ...BASE, reason: '   ', problem: null, stoppedAt: null }],
  ['a link that is not http(s)', { ...BASE, link: 'javascript:alert(1)' }],
];

/** A lone surrogate means an emoji was cut in half. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Every mrkdwn string of a Slack body, where Slack reads markup. */
function mrkdwnTexts(body: SlackWebhookBody): string[] {
  const out = [body.text];
  for (const block of body.blocks) {
    if (block.type === 'section') out.push(block.text.text, ...(block.fields ?? []).map((f) => f.text));
    if (block.type === 'context') out.push(...block.elements.map((e) => e.text));
  }
  return out;
}

/** A port nobody listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Runs `run`, expecting a DeliveryError, and checks that the secret URL is not in it. */
async function deliveryError(run: () => Promise<unknown>, ...secrets: string[]): Promise<DeliveryError> {
  const err = await run().then(
    () => {
      throw new Error('expected a DeliveryError, but the call succeeded');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DeliveryError);
  const text = `${(err as Error).message} ${(err as Error).stack ?? ''}`;
  for (const secret of secrets) expect(text).not.toContain(secret);
  return err as DeliveryError;
}

describe('headline', () => {
  it('names the client and ticket, and says what kind of notice it is', () => {
    expect(headline(BASE)).toBe('Escalation: ACME Ltd – ticket #4711');
    expect(headline({ ...BASE, kind: 'reminder', waitingMinutes: 12 })).toBe('Still waiting for pickup (12 min): ACME Ltd – ticket #4711');
    expect(headline({ ...BASE, kind: 'transfer' })).toBe('Session handed over to you: ACME Ltd – ticket #4711');
  });

  it('falls back to the tree title and keeps to one line', () => {
    expect(headline({ ...BASE, clientName: null, ticketId: null, treeTitle: 'Printer\noffline' })).toBe('Escalation: Printer offline');
    expect(headline({ ...BASE, ticketId: '#12' })).toBe('Escalation: ACME Ltd – ticket #12');
  });

  it('cuts between characters and never inside an escape', () => {
    const cut = fitText('a&b'.repeat(10), 10, (s) => s.replace(/&/g, '&amp;'));
    expect(cut.length).toBeLessThanOrEqual(10);
    expect(cut).toMatch(/…$/);
    expect(cut).not.toMatch(/&(?!amp;)/);
    expect(fitText('👩‍💻'.repeat(10), 7)).toMatch(/^(👩‍💻)*…$/);
  });
});

describe('Slack', () => {
  let fake: SlackFake;
  const opts = { timeoutMs: 2000, allowPrivate: true };
  beforeAll(async () => {
    fake = await startSlackFake();
  });
  afterAll(async () => fake?.close());
  beforeEach(() => {
    fake.accepted.length = 0;
  });

  it('builds a header, the facts, the reason and a pickup button', () => {
    const body = buildSlackMessage(BASE);
    expect(body.text).toContain('Escalation: ACME Ltd – ticket #4711');
    expect(body.blocks[0]).toEqual({ type: 'header', block_id: 'headline', text: { type: 'plain_text', text: 'Escalation: ACME Ltd – ticket #4711', emoji: true } });
    const summary = body.blocks[1];
    expect(summary?.type === 'section' && summary.fields?.map((f) => f.text)).toEqual([
      '*Client*\nACME Ltd',
      '*Device*\nLAPTOP-042',
      '*Ticket*\n#4711',
      '*Escalated by*\nJane Junior',
      '*Steps tried*\n7',
      '*Stopped at*\nCheck modern authentication',
    ]);
    expect(body.blocks[2]).toMatchObject({ type: 'section', text: { type: 'mrkdwn', text: `*Reason*\n${BASE.reason}` } });
    expect(body.blocks.at(-1)).toEqual({
      type: 'actions',
      block_id: 'pickup',
      elements: [{ type: 'button', action_id: 'open_pickup_screen', text: { type: 'plain_text', text: 'Open pickup screen' }, url: LINK, style: 'primary' }],
    });
  });

  it.each(VARIANTS)('builds a message the fake and the Block Kit schema accept: %s', async (_name, msg) => {
    const body = buildSlackMessage(msg);
    expect(checkSlackBlocks(body.blocks)).toEqual([]);
    await postSlack(fake.webhookUrl, body, opts);
    expect(fake.accepted).toEqual([{ token: 'T000/B000/XXXX', body: JSON.parse(JSON.stringify(body)) }]);
    expect(fake.requests.at(-1)?.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(JSON.stringify(body)).not.toMatch(LONE_SURROGATE);
  });

  it('escapes &, < and > in every mrkdwn text and stays within the limits', () => {
    const body = buildSlackMessage(HOSTILE);
    for (const text of mrkdwnTexts(body)) {
      expect(text).not.toMatch(/[<>]/);
      expect(text).not.toMatch(/&(?!amp;|lt;|gt;)/);
    }
    expect(body.text.length).toBeLessThanOrEqual(SLACK_LIMITS.fallbackText);
    const [header, summary, reason] = body.blocks;
    expect(header?.type === 'header' && header.text.text.length).toBeLessThanOrEqual(150);
    expect(summary?.type === 'section' && summary.text.text.length).toBeLessThanOrEqual(3000);
    expect(summary?.type === 'section' && summary.fields?.every((f) => f.text.length <= 2000)).toBe(true);
    expect(summary?.type === 'section' && summary.fields?.slice(0, 3).map((f) => f.text)).toEqual(['*Client*\n—', '*Device*\n—', '*Ticket*\n—']);
    expect(reason?.type === 'section' && reason.text.text.length).toBeLessThanOrEqual(3000);
    expect(reason?.type === 'section' && reason.text.text).toMatch(/^\*Reason\*\n&lt;script&gt;alert\("x"\)&lt;\/script&gt; &amp; &lt;!channel&gt;.*…$/s);
  });

  it('leaves out the button when the link is not an absolute http(s) URL', () => {
    const body = buildSlackMessage({ ...BASE, link: '/escalations/1/pickup' });
    expect(body.blocks.some((b) => b.type === 'actions')).toBe(false);
    expect(JSON.stringify(body)).not.toContain('/escalations/1/pickup');
  });

  describe('the fake refuses malformed bodies', () => {
    const good = () => buildSlackMessage(BASE);
    const post = (body: unknown, init: { method?: string; contentType?: string; url?: string } = {}) =>
      fetch(init.url ?? fake.webhookUrl, {
        method: init.method ?? 'POST',
        headers: { 'content-type': init.contentType ?? 'application/json' },
        body: init.method === 'GET' ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });

    it.each([
      ['a header of 200 characters', { ...good(), blocks: [{ type: 'header', text: { type: 'plain_text', text: 'H'.repeat(200) } }] }, {}, 400, 'invalid_blocks'],
      ['a section of 3,001 characters', { text: 'x', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'x'.repeat(3001) } }] }, {}, 400, 'invalid_blocks'],
      ['eleven fields', { text: 'x', blocks: [{ type: 'section', fields: Array.from({ length: 11 }, () => ({ type: 'mrkdwn', text: 'f' })) }] }, {}, 400, 'invalid_blocks'],
      ['a button text of 76 characters', { text: 'x', blocks: [{ type: 'actions', elements: [{ type: 'button', text: { type: 'plain_text', text: 'b'.repeat(76) }, url: LINK }] }] }, {}, 400, 'invalid_blocks'],
      ['51 blocks', { text: 'x', blocks: Array.from({ length: 51 }, () => ({ type: 'divider' })) }, {}, 400, 'invalid_blocks'],
      ['a repeated block_id', { text: 'x', blocks: [{ type: 'divider', block_id: 'a' }, { type: 'divider', block_id: 'a' }] }, {}, 400, 'invalid_blocks'],
      ['an unknown block type', { text: 'x', blocks: [{ type: 'marquee', text: 'hi' }] }, {}, 400, 'invalid_blocks'],
      ['an empty blocks array', { text: 'x', blocks: [] }, {}, 400, 'invalid_blocks'],
      ['a body that is not JSON', 'text=hello', {}, 400, 'invalid_payload'],
      ['JSON sent as text/plain', good(), { contentType: 'text/plain' }, 400, 'invalid_payload'],
      ['a JSON array', [good()], {}, 400, 'invalid_payload'],
      ['a fallback over 4,000 characters', { text: 't'.repeat(4001) }, {}, 400, 'invalid_payload'],
      ['no text, blocks or attachments', { unfurl_links: false }, {}, 400, 'no_text'],
      ['a GET', null, { method: 'GET' }, 405, 'invalid_method'],
    ])('%s', async (_name, body, init, status, code) => {
      const res = await post(body, init);
      expect(res.status).toBe(status);
      expect(await res.text()).toBe(code);
      expect(fake.requests.at(-1)?.rejected).toMatch(new RegExp(`^${code}: `));
      expect(fake.accepted).toEqual([]);
    });

    it('answers 404 no_service for an unknown webhook token', async () => {
      const res = await post(good(), { url: fake.unknownWebhookUrl });
      expect(res.status).toBe(404);
      expect(await res.text()).toBe('no_service');
    });

    it('answers 200 ok to a good message', async () => {
      const res = await post(good());
      expect(res.status).toBe(200);
      expect(await res.text()).toBe('ok');
    });
  });

  describe('failures', () => {
    const secrets = () => [fake.webhookUrl, 'T000/B000/XXXX'];

    it('a refused body is not retryable', async () => {
      const body = { ...buildSlackMessage(BASE), blocks: [{ type: 'header', block_id: 'h', text: { type: 'plain_text' as const, text: 'H'.repeat(200) } }] };
      const err = await deliveryError(() => postSlack(fake.webhookUrl, body as SlackWebhookBody, opts), ...secrets());
      expect(err).toMatchObject({ retryable: false, status: 400 });
      expect(err.message).toContain('invalid_blocks');
    });

    it('429 is retryable after the Retry-After', async () => {
      fake.failNext(1, slackFailure(429, '{"ok":false,"error":"rate_limited"}', '7'));
      const err = await deliveryError(() => postSlack(fake.webhookUrl, buildSlackMessage(BASE), opts), ...secrets());
      expect(err).toMatchObject({ retryable: true, retryAfterMs: 7000, status: 429 });
      expect(fake.accepted).toEqual([]);
    });

    it('500 is retryable', async () => {
      fake.failNext(1, slackFailure(500, 'rollup_error'));
      const err = await deliveryError(() => postSlack(fake.webhookUrl, buildSlackMessage(BASE), opts), ...secrets());
      expect(err).toMatchObject({ retryable: true, status: 500 });
      expect(err.message).toContain('rollup_error');
    });

    it('404 no_service says to set the webhook up again and is not retryable', async () => {
      const err = await deliveryError(() => postSlack(fake.unknownWebhookUrl, buildSlackMessage(BASE), opts), fake.unknownWebhookUrl, 'REVOKED');
      expect(err).toMatchObject({ retryable: false, status: 404 });
      expect(err.message).toMatch(/no_service/);
      expect(err.message).toMatch(/set up the incoming webhook again/i);
    });

    it.each([
      [410, 'channel_is_archived'],
      [404, 'channel_not_found'],
      [403, 'invalid_token'],
      [404, 'team_disabled'],
    ])('%i %s says to set the webhook up again', async (status, code) => {
      fake.failNext(1, slackFailure(status, code));
      const err = await deliveryError(() => postSlack(fake.webhookUrl, buildSlackMessage(BASE), opts), ...secrets());
      expect(err).toMatchObject({ retryable: false, status });
      expect(err.message).toMatch(/set up the incoming webhook again/i);
    });

    it('a hang is a retryable timeout that may have been delivered', async () => {
      fake.failNext(1, 'hang');
      const err = await deliveryError(() => postSlack(fake.webhookUrl, buildSlackMessage(BASE), { timeoutMs: 300, allowPrivate: true }), ...secrets());
      expect(err).toMatchObject({ retryable: true, maybeSent: true });
      expect(err.message).toMatch(/did not answer/);
    });

    it('a server that is not there is retryable', async () => {
      const url = `http://127.0.0.1:${await closedPort()}/services/T000/B000/XXXX`;
      const err = await deliveryError(() => postSlack(url, buildSlackMessage(BASE), opts), url, 'T000/B000/XXXX');
      expect(err.retryable).toBe(true);
    });

    it('refuses a private address unless allowed, without repeating the URL', async () => {
      const err = await deliveryError(() => postSlack(fake.webhookUrl, buildSlackMessage(BASE), { timeoutMs: 2000, allowPrivate: false }), ...secrets());
      expect(err.retryable).toBe(false);
    });
  });
});

describe('Teams', () => {
  let fake: TeamsFake;
  const opts = { timeoutMs: 2000, allowPrivate: true };
  beforeAll(async () => {
    fake = await startTeamsFake();
  });
  afterAll(async () => fake?.close());
  beforeEach(() => {
    fake.accepted.length = 0;
    fake.runFailures.length = 0;
    fake.mode = 'strict';
  });

  const sig = () => new URL(fake.webhookUrl).searchParams.get('sig') ?? '';
  const cardOf = (body: TeamsWorkflowBody) => body.attachments[0]!.content;

  it('builds one Adaptive Card 1.4 with the headline, the facts, the reason and an OpenUrl action', () => {
    const body = buildTeamsMessage(BASE);
    expect(body).toMatchObject({ type: 'message', attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null }] });
    const card = cardOf(body);
    expect(card).toMatchObject({ $schema: 'http://adaptivecards.io/schemas/adaptive-card.json', type: 'AdaptiveCard', version: '1.4' });
    expect(card.body[0]).toEqual({ type: 'TextBlock', text: 'Escalation: ACME Ltd – ticket #4711', weight: 'Bolder', size: 'Medium', wrap: true });
    expect(card.body.find((b) => b.type === 'FactSet')).toMatchObject({
      facts: expect.arrayContaining([
        { title: 'Client', value: 'ACME Ltd' },
        { title: 'Device', value: 'LAPTOP-042' },
        { title: 'Ticket', value: '#4711' },
        { title: 'Escalated by', value: 'Jane Junior' },
        { title: 'Steps tried', value: '7' },
        { title: 'Stopped at', value: 'Check modern authentication' },
      ]),
    });
    expect(card.body.at(-1)).toEqual({ type: 'TextBlock', text: BASE.reason, wrap: true });
    expect(card.actions).toEqual([{ type: 'Action.OpenUrl', title: 'Open pickup screen', url: LINK }]);
  });

  it.each(VARIANTS)('builds a card the fake and the Adaptive Card schema accept: %s', async (_name, msg) => {
    const body = buildTeamsMessage(msg);
    expect(checkAdaptiveCard(cardOf(body))).toEqual([]);
    expect(teamsBodyBytes(body)).toBeLessThanOrEqual(TEAMS_MAX_BODY_BYTES);
    await postTeams(fake.webhookUrl, body, opts);
    expect(fake.accepted).toEqual([JSON.parse(JSON.stringify(body))]);
    expect(fake.requests.at(-1)).toMatchObject({ status: 202, rejected: null });
    expect(fake.requests.at(-1)?.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(JSON.stringify(body)).not.toMatch(LONE_SURROGATE);
  });

  it('shrinks a huge card under the size limit, keeps user text plain, and defuses Markdown links', async () => {
    const body = buildTeamsMessage({ ...HOSTILE, reason: '\u0001😀'.repeat(30_000) });
    expect(teamsBodyBytes(body)).toBeLessThanOrEqual(TEAMS_MAX_BODY_BYTES);
    const text = JSON.stringify(cardOf(body));
    expect(text).not.toContain('](');
    expect(text).toContain('<script>');
    await postTeams(fake.webhookUrl, body, opts);
    expect(fake.accepted).toHaveLength(1);
  });

  describe('the fake refuses malformed bodies', () => {
    const good = () => JSON.parse(JSON.stringify(buildTeamsMessage(BASE))) as TeamsWorkflowBody & Record<string, unknown>;
    const withCard = (change: (card: Record<string, unknown>) => void) => {
      const body = good();
      change(body.attachments[0]!.content as unknown as Record<string, unknown>);
      return body;
    };
    const post = (body: unknown, init: { method?: string; contentType?: string; url?: string } = {}) =>
      fetch(init.url ?? fake.webhookUrl, {
        method: init.method ?? 'POST',
        headers: { 'content-type': init.contentType ?? 'application/json; charset=utf-8' },
        body: init.method === 'GET' ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });

    it.each([
      ['a card with version "2.0"', withCard((c) => (c.version = '2.0')), 400],
      ['a body that is not JSON', 'not json at all', 400],
      ['JSON sent as text/plain', good(), 400, 'text/plain'],
      ['type other than "message"', { ...good(), type: 'MessageCard' }, 400],
      ['no attachments', { type: 'message', text: 'hello' }, 400],
      ['attachments that are not an array', { type: 'message', attachments: {} }, 400],
      ['a wrong contentType', { type: 'message', attachments: [{ ...good().attachments[0], contentType: 'application/json' }] }, 400],
      ['content.type other than AdaptiveCard', withCard((c) => (c.type = 'Card')), 400],
      ['a card that fails the schema (unknown element)', withCard((c) => (c.body = [{ type: 'Marquee', text: 'x' }])), 400],
      ['a card that fails the schema (Action.Submit field on OpenUrl)', withCard((c) => (c.actions = [{ type: 'Action.OpenUrl', url: LINK, data: {} }])), 400],
      ['a body over 28 KB', withCard((c) => (c.body = [{ type: 'TextBlock', text: 'x'.repeat(TEAMS_FAKE_MAX_BYTES), wrap: true }])), 413],
    ] as [string, unknown, number, string?][])('%s', async (_name, body, status, contentType) => {
      const res = await post(body, { contentType });
      expect(res.status).toBe(status);
      expect(await res.json()).toMatchObject({ error: { code: expect.any(String), message: expect.any(String) } });
      expect(fake.requests.at(-1)?.rejected).toBeTruthy();
      expect(fake.accepted).toEqual([]);
    });

    it('answers 401 for a wrong signature, 404 for a deleted workflow, 405 for a GET', async () => {
      expect((await post(good(), { url: fake.badSignatureUrl })).status).toBe(401);
      expect((await post(good(), { url: fake.deletedWorkflowUrl })).status).toBe(404);
      expect((await post(null, { method: 'GET' })).status).toBe(405);
    });

    it('answers 202 with an empty body to a good card', async () => {
      const res = await post(good());
      expect(res.status).toBe(202);
      expect(await res.text()).toBe('');
    });

    it('in like-teams mode answers 202 to a bad card and records a run failure', async () => {
      fake.mode = 'like-teams';
      const bad = withCard((c) => (c.version = '2.0'));
      await postTeams(fake.webhookUrl, bad, opts);
      expect(fake.requests.at(-1)?.status).toBe(202);
      expect(fake.accepted).toEqual([]);
      expect(fake.runFailures).toEqual([{ reason: expect.stringContaining('version'), body: bad }]);
    });
  });

  describe('failures', () => {
    const secrets = () => [fake.webhookUrl, sig()];

    it('429 is retryable after the Retry-After', async () => {
      fake.failNext(1, teamsFailure(429, '3'));
      const err = await deliveryError(() => postTeams(fake.webhookUrl, buildTeamsMessage(BASE), opts), ...secrets());
      expect(err).toMatchObject({ retryable: true, retryAfterMs: 3000, status: 429 });
    });

    it('500 is retryable', async () => {
      fake.failNext(1, teamsFailure(500));
      const err = await deliveryError(() => postTeams(fake.webhookUrl, buildTeamsMessage(BASE), opts), ...secrets());
      expect(err).toMatchObject({ retryable: true, status: 500 });
    });

    it('401 (wrong or expired signature) is not retryable and says to create the workflow again', async () => {
      const err = await deliveryError(() => postTeams(fake.badSignatureUrl, buildTeamsMessage(BASE), opts), fake.badSignatureUrl, sig());
      expect(err).toMatchObject({ retryable: false, status: 401 });
      expect(err.message).toContain('the workflow URL was refused (expired or wrong signature): create it again');
    });

    it('404 says the workflow was deleted', async () => {
      const err = await deliveryError(() => postTeams(fake.deletedWorkflowUrl, buildTeamsMessage(BASE), opts), fake.deletedWorkflowUrl, sig(), 'abc-deleted');
      expect(err).toMatchObject({ retryable: false, status: 404 });
      expect(err.message).toMatch(/deleted/);
    });

    it('400 is not retryable', async () => {
      const bad = JSON.parse(JSON.stringify(buildTeamsMessage(BASE))) as TeamsWorkflowBody;
      (bad.attachments[0]!.content as { version: string }).version = '2.0';
      const err = await deliveryError(() => postTeams(fake.webhookUrl, bad, opts), ...secrets());
      expect(err).toMatchObject({ retryable: false, status: 400 });
    });

    it('a hang is a retryable timeout', async () => {
      fake.failNext(1, 'hang');
      const err = await deliveryError(() => postTeams(fake.webhookUrl, buildTeamsMessage(BASE), { timeoutMs: 300, allowPrivate: true }), ...secrets());
      expect(err).toMatchObject({ retryable: true, maybeSent: true });
    });

    it('a server that is not there is retryable', async () => {
      const url = `http://127.0.0.1:${await closedPort()}/workflows/abc/triggers/manual/paths/invoke?api-version=2016-06-01&sig=secret-sig`;
      const err = await deliveryError(() => postTeams(url, buildTeamsMessage(BASE), opts), url, 'secret-sig');
      expect(err.retryable).toBe(true);
    });
  });
});
