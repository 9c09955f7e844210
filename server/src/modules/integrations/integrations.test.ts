import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../db/client.ts';
import { createTestApp, DB_KINDS, type TestApp } from '../../../test/harness.ts';
import { startConnectWiseFake } from '../../../test/fakes/connectwise.ts';
import type { FakePsa } from '../../../test/fakes/fake-server.ts';
import { startSlackFake, type SlackFake } from '../../../test/fakes/slack.ts';
import { startTeamsFake, type TeamsFake } from '../../../test/fakes/teams.ts';

/** A Teams Workflows address of the published form; saving it looks no name up. */
const TEAMS_URL = 'https://prod-00.westeurope.logic.azure.com/workflows/abc/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=s3cret';

/** Where each problem of a 422 stands and what it says. */
const fieldProblems = (detail: { loc: (string | number)[]; msg: string }[]) => detail.map(({ loc, msg }) => ({ loc, msg }));

const SECRET_KEY = 'test-encryption-key-test-encryption-key-0123';

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
    const opened = new box.SecretBox(SECRET_KEY).open<Record<string, string>>(after!.psa_secrets);
    expect(opened).toEqual({ private_key: 'very-private-key-456' });
  });

  it('needs the secrets when switching provider, and checks each field', async () => {
    const res = await put({ provider: 'halopsa', base_url: 'https://93.184.215.14', client_id: 'flowpilot' });
    expect(res.statusCode).toBe(422);
    expect(res.json().detail).toEqual([{ loc: ['body', 'psa', 'client_secret'], msg: 'Field required', type: 'missing' }]);
    const bad = await put({ provider: 'connectwise', site_url: 'ftp://x', codebase: 'not a codebase' });
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

  it('saves an address without looking its name up; the send checks it in full and says in words that the name does not resolve', async () => {
    // `.invalid` never resolves (RFC 6761); a label over 63 characters cannot even be asked for: no resolver is reached.
    const halo = await put({ provider: 'halopsa', base_url: 'https://helpdesk.flowpilot.invalid', client_id: 'flowpilot', client_secret: 'halo-secret' });
    expect(halo.statusCode, halo.body).toBe(200);
    const psaTest = await t.request({ method: 'POST', url: '/api/v1/team/integrations/test', token: admin, body: { channel: 'psa' } });
    expect(psaTest.json()).toEqual({ ok: false, message: 'The HaloPSA address names a host that does not resolve (helpdesk.flowpilot.invalid)' });

    const host = `${'n'.repeat(64)}.westeurope.logic.azure.com`;
    const teams = await t.request({ method: 'PUT', url: '/api/v1/team/integrations', token: admin, body: { teams: { webhook_url: TEAMS_URL.replace('prod-00.westeurope.logic.azure.com', host) } } });
    expect(teams.statusCode, teams.body).toBe(200);
    expect(teams.json().teams).toEqual({ webhook_url: '********' });
    const sent = await t.request({ method: 'POST', url: '/api/v1/team/integrations/test', token: admin, body: { channel: 'teams' } });
    expect(sent.json()).toEqual({ ok: false, message: `The Teams address names a host that does not resolve (${host})` });
    expect(sent.body).not.toContain('sig=');
    await t.request({ method: 'PUT', url: '/api/v1/team/integrations', token: admin, body: { psa: null, teams: null } });
  });

  it("says what is wrong with each address in words, on its field, from the vendors' formats", async () => {
    const chat = async (body: unknown) => {
      const res = await t.request({ method: 'PUT', url: '/api/v1/team/integrations', token: admin, body });
      expect(res.statusCode, res.body).toBe(422);
      return fieldProblems(res.json().detail);
    };
    expect(await chat({ slack: { webhook_url: 'https://example.com/hooks/abc' }, teams: { webhook_url: 'https://acme.webhook.office.com/webhookb2/x/IncomingWebhook/y/z' } })).toEqual([
      { loc: ['body', 'slack', 'webhook_url'], msg: 'Slack webhook address must start with https://hooks.slack.com/services/' },
      {
        loc: ['body', 'teams', 'webhook_url'],
        msg: 'Office 365 connector webhooks are retired: in Teams, create a workflow from “Post to a channel when a webhook request is received” and paste its address',
      },
    ]);
    expect((await chat({ slack: { webhook_url: 'hooks.slack.com/services/T0/B0/x' } }))[0]!.msg).toBe('Slack webhook address must start with https://hooks.slack.com/services/');
    expect((await chat({ slack: { webhook_url: 'http://hooks.slack.com/services/T0/B0/x' } }))[0]!.msg).toBe('Slack webhook address must start with https://hooks.slack.com/services/');
    // A host given as a public address is not the vendor's either (the schema leaves IP hosts to the server's check).
    expect((await chat({ slack: { webhook_url: 'https://93.184.215.14/services/T0/B0/x' } }))[0]!.msg).toBe('Slack webhook address must start with https://hooks.slack.com/services/');
    expect((await chat({ slack: { webhook_url: 'https://hooks.slack.com/services/T0' } }))[0]!.msg).toMatch(/^Slack webhook address must look like https:\/\/hooks\.slack\.com\/services\/T…\/B…\/…/);
    expect((await chat({ teams: { webhook_url: 'https://example.com/workflows/abc/triggers/manual/paths/invoke?sig=x' } }))[0]!.msg).toBe(
      'Teams workflow address must be on logic.azure.com or api.powerplatform.com: the HTTP POST URL of a Teams workflow',
    );
    expect((await chat({ teams: { webhook_url: TEAMS_URL.replace(/&sig=.*$/, '') } }))[0]!.msg).toBe(
      'Teams workflow address is incomplete: copy the whole HTTP POST URL of the workflow, including its sig= part',
    );
    // The newer Power Platform host is a Workflows address too.
    const platform = 'https://default0a1b2c.3d.environment.api.powerplatform.com:443/powerautomate/automations/direct/workflows/abc/triggers/manual/paths/invoke?api-version=1&sig=s3cret';
    expect((await t.request({ method: 'PUT', url: '/api/v1/team/integrations', token: admin, body: { teams: { webhook_url: platform } } })).statusCode).toBe(200);

    const psa = async (settings: unknown) => {
      const res = await put(settings);
      expect(res.statusCode, res.body).toBe(422);
      return fieldProblems(res.json().detail);
    };
    expect(await psa(connectWise({ site_url: 'https://na.myconnectwise.net' }))).toEqual([
      { loc: ['body', 'psa', 'site_url'], msg: 'ConnectWise cloud sites are reached through their api- host, e.g. https://api-na.myconnectwise.net' },
    ]);
    // Every field's problem in one answer: the format of one, the absence of others.
    expect(await psa({ provider: 'connectwise', site_url: 'https://na.myconnectwise.net', public_key: 'pub' })).toEqual(
      expect.arrayContaining([
        { loc: ['body', 'psa', 'site_url'], msg: 'ConnectWise cloud sites are reached through their api- host, e.g. https://api-na.myconnectwise.net' },
        { loc: ['body', 'psa', 'company_id'], msg: 'Field required' },
        { loc: ['body', 'psa', 'client_id'], msg: 'Field required' },
      ]),
    );
    expect((await psa(connectWise({ site_url: 'https://api-na.myconnectwise.net/v4_6_release/apis/3.0' })))[0]!.msg).toBe(
      'ConnectWise site address is the server only, e.g. https://api-na.myconnectwise.net (the codebase has its own field)',
    );
    expect(await psa({ provider: 'autotask', zone_lookup_url: 'https://example.com/atservicesrest', username: 'api@acme.test', secret: 's', integration_code: 'c' })).toEqual([
      { loc: ['body', 'psa', 'zone_lookup_url'], msg: 'Autotask zone lookup address must be on autotask.net, e.g. https://webservices.autotask.net/atservicesrest' },
    ]);
    expect((await psa(connectWise({ site_url: 'https://10.1.2.3' })))[0]!.msg).toBe(
      'ConnectWise site address resolves to a private address (10.1.2.3); set ALLOW_PRIVATE_NETWORK_TARGETS=true to allow private networks',
    );
    await t.request({ method: 'PUT', url: '/api/v1/team/integrations', token: admin, body: { teams: null } });
  });

  it('takes addresses and keys without the trivia: spaces, upper-case schemes, trailing slashes, pasted API suffixes', async () => {
    const cw = await put({
      provider: 'connectwise',
      site_url: '  HTTPS://API-NA.MyConnectWise.net/ ',
      codebase: 'v2025_1',
      company_id: ' acme ',
      public_key: ' pub-123 ',
      private_key: '  very-private-key-456\n',
      client_id: '1208d7d4-5a1c-4a4e-9b7e-6f0b0c1d2e3f ',
    });
    expect(cw.statusCode, cw.body).toBe(200);
    expect(cw.json().psa).toMatchObject({ site_url: 'https://api-na.myconnectwise.net', codebase: 'v2025_1/', company_id: 'acme', public_key: 'pub-123', client_id: '1208d7d4-5a1c-4a4e-9b7e-6f0b0c1d2e3f' });
    const box = await import('../../lib/secret-box.ts');
    const [row] = await queryRows<{ psa_secrets: string }>(t.database.db, sql`select psa_secrets from team_integrations`);
    expect(new box.SecretBox(SECRET_KEY).open(row!.psa_secrets)).toEqual({ private_key: 'very-private-key-456' });

    const halo = await put({ provider: 'halopsa', base_url: 'https://acme.halopsa.com/api/', auth_url: 'https://acme.halopsa.com/auth/token', client_id: 'flowpilot', client_secret: 's' });
    expect(halo.json().psa).toMatchObject({ base_url: 'https://acme.halopsa.com', auth_url: 'https://acme.halopsa.com/auth' });
    const autotask = await put({ provider: 'autotask', zone_lookup_url: 'https://webservices.autotask.net/ATServicesRest/V1.0/', username: ' api@acme.test ', secret: 's', integration_code: 'c' });
    expect(autotask.json().psa).toMatchObject({ zone_lookup_url: 'https://webservices.autotask.net/ATServicesRest', username: 'api@acme.test' });

    const slack = await t.request({ method: 'PUT', url: '/api/v1/team/integrations', token: admin, body: { slack: { webhook_url: ' HTTPS://hooks.slack.com/services/T0/B0/abc/ ' } } });
    expect(slack.statusCode, slack.body).toBe(200);
    const [chat] = await queryRows<{ chat_secrets: string }>(t.database.db, sql`select chat_secrets from team_integrations`);
    expect(new box.SecretBox(SECRET_KEY).open(chat!.chat_secrets)).toEqual({ slack: 'https://hooks.slack.com/services/T0/B0/abc' });
    await t.request({ method: 'PUT', url: '/api/v1/team/integrations', token: admin, body: { psa: null, slack: null } });
  });

  it('turns the PSA off with null', async () => {
    expect((await put(connectWise())).statusCode).toBe(200);
    const off = await put(null);
    expect(off.json().psa).toBeNull();
    const [row] = await queryRows<{ psa_secrets: string | null }>(t.database.db, sql`select psa_secrets from team_integrations`);
    expect(row!.psa_secrets).toBeNull();
  });

  it('keeps chat webhook addresses sealed and masked, refuses plain http and private addresses, and turns email off', async () => {
    const slackUrl = 'https://hooks.slack.com/services/T000/B000/very-secret-token';
    const saved = await t.request({ method: 'PUT', url: '/api/v1/team/integrations', token: admin, body: { slack: { webhook_url: slackUrl }, email: { enabled: false } } });
    expect(saved.statusCode, saved.body).toBe(200);
    expect(saved.json()).toMatchObject({ slack: { webhook_url: '********' }, teams: null, email: { enabled: false, transport: 'outbox' } });
    expect(saved.body).not.toContain('very-secret-token');
    const [row] = await queryRows<{ chat_secrets: string }>(t.database.db, sql`select chat_secrets from team_integrations`);
    expect(row!.chat_secrets).not.toContain('very-secret-token');
    // The mask keeps the stored address; other settings are left alone.
    const kept = await t.request({ method: 'PUT', url: '/api/v1/team/integrations', token: admin, body: { slack: { webhook_url: '********' }, teams: { webhook_url: TEAMS_URL } } });
    expect(kept.json()).toMatchObject({ slack: { webhook_url: '********' }, teams: { webhook_url: '********' }, email: { enabled: false } });
    const box = await import('../../lib/secret-box.ts');
    const [after] = await queryRows<{ chat_secrets: string }>(t.database.db, sql`select chat_secrets from team_integrations`);
    expect(new box.SecretBox(SECRET_KEY).open(after!.chat_secrets)).toEqual({ slack: slackUrl, teams: TEAMS_URL });
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
  let cw: FakePsa;
  const CW = { companyId: 'acme', publicKey: 'pubkey1', privateKey: 'cw-private-SECRET-9f8e', clientId: 'c1d2e3f4-0000-4000-8000-000000000001' };
  beforeAll(async () => {
    [slack, teams, cw] = await Promise.all([startSlackFake(), startTeamsFake(), startConnectWiseFake({ ...CW, tickets: [4711] })]);
    t = await createTestApp(kind, { config: { allowPrivateNetworkTargets: true } });
    admin = await t.tokenFor('admin');
  });
  afterAll(async () => {
    await t?.close();
    await Promise.all([slack?.close(), teams?.close(), cw?.close()]);
  });

  const tryIt = (body: unknown) => t.request({ method: 'POST', url: '/api/v1/team/integrations/test', token: admin, body });
  const stored = async () => (await t.request({ method: 'GET', url: '/api/v1/team/integrations', token: admin })).json();

  it('tries unsaved settings before the first save, checked and normalised as a save would, and stores nothing', async () => {
    // Pasted with a space and a trailing slash: the fake knows only the exact address, so it arriving at all shows the slash went.
    const okSlack = await tryIt({ channel: 'slack', settings: { webhook_url: ` ${slack.webhookUrl}/` } });
    expect(okSlack.json()).toEqual({ ok: true, message: 'Slack accepted the test message: look for it in the channel' });
    expect(slack.accepted).toHaveLength(1);
    const okTeams = await tryIt({ channel: 'teams', settings: { webhook_url: teams.webhookUrl } });
    expect(okTeams.json()).toMatchObject({ ok: true });
    expect(teams.accepted).toHaveLength(1);
    const cwSettings = { provider: 'connectwise', site_url: `${cw.url}/`, codebase: 'v4_6_release', company_id: CW.companyId, public_key: CW.publicKey, private_key: ` ${CW.privateKey} `, client_id: CW.clientId };
    const okPsa = await tryIt({ channel: 'psa', settings: cwSettings, ticket_id: '4711' });
    expect(okPsa.json().ok, okPsa.body).toBe(true);
    expect(okPsa.json().message).toMatch(/^Connected to/);
    const wrongKey = await tryIt({ channel: 'psa', settings: { ...cwSettings, private_key: 'not-the-key' } });
    expect(wrongKey.json().ok).toBe(false);
    expect(wrongKey.json().message).toMatch(/ConnectWise rejected the API keys/);
    expect(await stored()).toMatchObject({ psa: null, slack: null, teams: null, updated_at: null });

    // Wrong values are answered like a save, on the field of `settings`.
    const wrong = await tryIt({ channel: 'slack', settings: { webhook_url: 'https://example.com/hook' } });
    expect(wrong.statusCode).toBe(422);
    expect(fieldProblems(wrong.json().detail)).toEqual([{ loc: ['body', 'settings', 'webhook_url'], msg: 'Slack webhook address must start with https://hooks.slack.com/services/' }]);
    const noSecret = await tryIt({ channel: 'psa', settings: { ...cwSettings, private_key: '********' } });
    expect(noSecret.statusCode).toBe(422);
    expect(noSecret.json().detail).toEqual([{ loc: ['body', 'settings', 'private_key'], msg: 'Field required', type: 'missing' }]);
    const masked = await tryIt({ channel: 'slack', settings: { webhook_url: '********' } });
    expect(masked.json().detail[0].loc).toEqual(['body', 'settings', 'webhook_url']);
    expect(slack.accepted).toHaveLength(1);

    // Once saved, the mask stands for the stored secret: a changed field is tried with it.
    expect((await t.request({ method: 'PUT', url: '/api/v1/team/integrations', token: admin, body: { psa: cwSettings, slack: { webhook_url: slack.webhookUrl } } })).statusCode).toBe(200);
    const withStored = await tryIt({ channel: 'psa', settings: { ...cwSettings, private_key: '********', note_type: 'discussion' } });
    expect(withStored.json().ok, withStored.body).toBe(true);
    expect((await tryIt({ channel: 'slack', settings: { webhook_url: '********' } })).json().ok).toBe(true);
    expect(slack.accepted).toHaveLength(2);
    expect((await stored()).psa).toMatchObject({ note_type: 'internal', private_key: '********' });
    // Switching the email switch off is tried before it is saved.
    expect((await tryIt({ channel: 'email', settings: { enabled: false } })).json()).toEqual({ ok: false, message: 'Escalation emails are turned off for this team' });
    await t.request({ method: 'PUT', url: '/api/v1/team/integrations', token: admin, body: { psa: null, slack: null } });
    slack.accepted.splice(0);
    teams.accepted.splice(0);
  });

  it('waives the vendor host for a stand-in on the private network, never the rest of the form', async () => {
    const put = (body: unknown) => t.request({ method: 'PUT', url: '/api/v1/team/integrations', token: admin, body });
    expect((await put({ slack: { webhook_url: slack.webhookUrl } })).statusCode).toBe(200);
    const path = await put({ slack: { webhook_url: `${slack.url}/hooks/abc` } });
    expect(path.json().detail[0].msg).toMatch(/^Slack webhook address must look like/);
    const publicHost = await put({ slack: { webhook_url: 'https://example.com/services/T0/B0/x' } });
    expect(publicHost.json().detail[0].msg).toBe('Slack webhook address must start with https://hooks.slack.com/services/');
    await put({ slack: null });
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
