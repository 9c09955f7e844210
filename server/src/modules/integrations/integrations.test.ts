import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../db/client.ts';
import { createTestApp, DB_KINDS, type TestApp } from '../../../test/harness.ts';
import { startSlackFake, type SlackFake } from '../../../test/fakes/slack.ts';
import { startTeamsFake, type TeamsFake } from '../../../test/fakes/teams.ts';

const connectWise = (overrides: Record<string, unknown> = {}) => ({
  provider: 'connectwise',
  site_url: 'https://93.184.215.14',
  company_id: 'acme',
  public_key: 'pub-123',
  private_key: 'very-private-key-456',
  client_id: '1208d7d4-5a1c-4a4e-9b7e-6f0b0c1d2e3f',
  ...overrides,
});

describe.each(DB_KINDS)('team integrations on %s', (kind) => {
  let t: TestApp;
  let admin: string;
  let engineer: string;
  beforeAll(async () => {
    t = await createTestApp(kind);
    [admin, engineer] = await Promise.all([t.tokenFor('admin'), t.tokenFor('engineer')]);
  });
  afterAll(async () => t?.close());

  const put = (psa: unknown, token = admin) => t.request({ method: 'PUT', url: '/api/v1/team/integrations', token, body: { psa } });

  it('is for admins only', async () => {
    expect((await t.request({ method: 'GET', url: '/api/v1/team/integrations' })).statusCode).toBe(401);
    expect((await t.request({ method: 'GET', url: '/api/v1/team/integrations', token: engineer })).statusCode).toBe(403);
    expect((await put(connectWise(), engineer)).statusCode).toBe(403);
    expect((await t.request({ method: 'GET', url: '/api/v1/team/deliveries', token: engineer })).statusCode).toBe(403);
    const none = await t.request({ method: 'GET', url: '/api/v1/team/integrations', token: admin });
    expect(none.json()).toEqual({ psa: null, slack: null, teams: null, email: { enabled: true, transport: 'outbox' }, updated_at: null });
    const test = await t.request({ method: 'POST', url: '/api/v1/team/integrations/test', token: admin, body: { channel: 'psa' } });
    expect(test.json()).toEqual({ ok: false, message: 'No PSA is set up for this team' });
  });

  it('stores secrets sealed, answers them masked, and keeps them when the mask comes back', async () => {
    const saved = await put(connectWise());
    expect(saved.statusCode, saved.body).toBe(200);
    expect(saved.json().psa).toEqual({ ...connectWise(), private_key: '********', codebase: 'v4_6_release/', note_type: 'internal' });
    expect(saved.body).not.toContain('very-private-key-456');
    const [row] = await queryRows<{ psa_secrets: string; psa_settings: unknown }>(t.database.db, sql`select psa_secrets, psa_settings from team_integrations`);
    expect(row!.psa_secrets).toMatch(/^v1\./);
    expect(row!.psa_secrets).not.toContain('very-private');
    expect(JSON.stringify(row!.psa_settings)).not.toContain('very-private');

    const again = await put({ ...connectWise(), private_key: '********', company_id: 'acme2' });
    expect(again.statusCode).toBe(200);
    const { private_key: _omitted, ...withoutSecret } = connectWise({ company_id: 'acme3' });
    expect((await put(withoutSecret)).statusCode).toBe(200);
    const box = await import('../../lib/secret-box.ts');
    const [after] = await queryRows<{ psa_secrets: string }>(t.database.db, sql`select psa_secrets from team_integrations`);
    const opened = new box.SecretBox('test-encryption-key-test-encryption-key-0123').open<Record<string, string>>(after!.psa_secrets);
    expect(opened).toEqual({ private_key: 'very-private-key-456' });
  });

  it('needs the secrets when switching provider, and checks each field', async () => {
    const res = await put({ provider: 'halopsa', base_url: 'https://93.184.215.14', client_id: 'flowpilot' });
    expect(res.statusCode).toBe(422);
    expect(res.json().detail).toEqual([{ loc: ['body', 'psa', 'client_secret'], msg: 'Field required', type: 'missing' }]);
    const bad = await put({ provider: 'connectwise', site_url: 'ftp://x', codebase: 'nope' });
    expect(bad.statusCode).toBe(422);
    const locs = bad.json().detail.map((d: { loc: string[] }) => d.loc.join('.'));
    expect(locs).toEqual(expect.arrayContaining(['body.psa.site_url', 'body.psa.codebase', 'body.psa.company_id', 'body.psa.public_key', 'body.psa.client_id']));
    expect((await put({ provider: 'nope' })).statusCode).toBe(422);
  });

  it('refuses addresses on loopback or private networks (SSRF) unless allowed', async () => {
    for (const site of ['https://127.0.0.1:8443', 'https://10.1.2.3', 'https://[::1]', 'https://169.254.169.254', 'https://localhost', 'http://93.184.215.14']) {
      const res = await put(connectWise({ site_url: site }));
      expect(res.statusCode, site).toBe(422);
      expect(res.json().detail[0].loc).toEqual(['body', 'psa', 'site_url']);
    }
    expect((await put({ provider: 'autotask', zone_lookup_url: 'https://192.168.1.10/atservicesrest', username: 'api@acme.test', secret: 's', integration_code: 'c' })).statusCode).toBe(422);
  });

  it('turns the PSA off with null', async () => {
    expect((await put(connectWise())).statusCode).toBe(200);
    const off = await put(null);
    expect(off.json().psa).toBeNull();
    const [row] = await queryRows<{ psa_secrets: string | null }>(t.database.db, sql`select psa_secrets from team_integrations`);
    expect(row!.psa_secrets).toBeNull();
  });

  it('keeps chat webhook addresses sealed and masked, refuses plain http and private addresses, and turns email off', async () => {
    const slackUrl = 'https://93.184.215.14/services/T000/B000/very-secret-token';
    const saved = await t.request({ method: 'PUT', url: '/api/v1/team/integrations', token: admin, body: { slack: { webhook_url: slackUrl }, email: { enabled: false } } });
    expect(saved.statusCode, saved.body).toBe(200);
    expect(saved.json()).toMatchObject({ slack: { webhook_url: '********' }, teams: null, email: { enabled: false, transport: 'outbox' } });
    expect(saved.body).not.toContain('very-secret-token');
    const [row] = await queryRows<{ chat_secrets: string }>(t.database.db, sql`select chat_secrets from team_integrations`);
    expect(row!.chat_secrets).not.toContain('very-secret-token');
    // The mask keeps the stored address; other settings are left alone.
    const kept = await t.request({ method: 'PUT', url: '/api/v1/team/integrations', token: admin, body: { slack: { webhook_url: '********' }, teams: { webhook_url: 'https://93.184.215.14/workflows/abc/triggers/manual/paths/invoke?sig=s3cret' } } });
    expect(kept.json()).toMatchObject({ slack: { webhook_url: '********' }, teams: { webhook_url: '********' }, email: { enabled: false } });
    const box = await import('../../lib/secret-box.ts');
    const [after] = await queryRows<{ chat_secrets: string }>(t.database.db, sql`select chat_secrets from team_integrations`);
    expect(new box.SecretBox('test-encryption-key-test-encryption-key-0123').open(after!.chat_secrets)).toEqual({ slack: slackUrl, teams: 'https://93.184.215.14/workflows/abc/triggers/manual/paths/invoke?sig=s3cret' });
    for (const bad of ['http://93.184.215.14/hook', 'https://127.0.0.1/hook', 'https://10.0.0.8/hook', 'not a url']) {
      const res = await t.request({ method: 'PUT', url: '/api/v1/team/integrations', token: admin, body: { teams: { webhook_url: bad } } });
      expect(res.statusCode, bad).toBe(422);
      expect(res.json().detail[0].loc).toEqual(['body', 'teams', 'webhook_url']);
    }
    const email = await t.request({ method: 'POST', url: '/api/v1/team/integrations/test', token: admin, body: { channel: 'email' } });
    expect(email.json()).toEqual({ ok: false, message: 'Escalation emails are turned off for this team' });
    const off = await t.request({ method: 'PUT', url: '/api/v1/team/integrations', token: admin, body: { slack: null, teams: null, email: { enabled: true } } });
    expect(off.json()).toMatchObject({ slack: null, teams: null, email: { enabled: true } });
    const none = await t.request({ method: 'POST', url: '/api/v1/team/integrations/test', token: admin, body: { channel: 'slack' } });
    expect(none.json()).toEqual({ ok: false, message: 'Slack is not set up for this team' });
    // Without SMTP_URL the test email lands in the outbox as a file.
    const outbox = await t.request({ method: 'POST', url: '/api/v1/team/integrations/test', token: admin, body: { channel: 'email' } });
    expect(outbox.json().ok).toBe(true);
    expect(outbox.json().message).toMatch(/^A test email to admin@flowpilot\.test was written to the outbox as [^/]+\.eml$/);
  });
});

describe.each(DB_KINDS)('the chat "send test" buttons on %s', (kind) => {
  let t: TestApp;
  let admin: string;
  let slack: SlackFake;
  let teams: TeamsFake;
  beforeAll(async () => {
    [slack, teams] = await Promise.all([startSlackFake(), startTeamsFake()]);
    t = await createTestApp(kind, { config: { allowPrivateNetworkTargets: true } });
    admin = await t.tokenFor('admin');
  });
  afterAll(async () => {
    await t?.close();
    await Promise.all([slack?.close(), teams?.close()]);
  });

  it('sends a sample escalation that the services accept, and says in words what is wrong when they refuse', async () => {
    const saved = await t.request({ method: 'PUT', url: '/api/v1/team/integrations', token: admin, body: { slack: { webhook_url: slack.webhookUrl }, teams: { webhook_url: teams.webhookUrl } } });
    expect(saved.statusCode, saved.body).toBe(200);
    const okSlack = await t.request({ method: 'POST', url: '/api/v1/team/integrations/test', token: admin, body: { channel: 'slack' } });
    expect(okSlack.json()).toMatchObject({ ok: true });
    expect(slack.accepted).toHaveLength(1);
    expect(JSON.stringify(slack.accepted[0]!.body)).toContain('Morgan Price');
    const okTeams = await t.request({ method: 'POST', url: '/api/v1/team/integrations/test', token: admin, body: { channel: 'teams' } });
    expect(okTeams.json()).toMatchObject({ ok: true });
    expect(teams.accepted).toHaveLength(1);

    await t.request({ method: 'PUT', url: '/api/v1/team/integrations', token: admin, body: { slack: { webhook_url: slack.unknownWebhookUrl } } });
    const revoked = await t.request({ method: 'POST', url: '/api/v1/team/integrations/test', token: admin, body: { channel: 'slack' } });
    expect(revoked.json().ok).toBe(false);
    expect(revoked.json().message).toMatch(/set up again|set it up again|again/i);
    expect(revoked.body).not.toContain(slack.unknownWebhookUrl);
    await t.request({ method: 'PUT', url: '/api/v1/team/integrations', token: admin, body: { teams: { webhook_url: teams.badSignatureUrl } } });
    const refused = await t.request({ method: 'POST', url: '/api/v1/team/integrations/test', token: admin, body: { channel: 'teams' } });
    expect(refused.json().ok).toBe(false);
    expect(refused.body).not.toContain('sig=');
  });
});
