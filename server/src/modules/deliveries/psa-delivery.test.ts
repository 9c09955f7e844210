import { Writable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Delivery, SessionCloseResponse, TreeNode } from '@flowpilot/contracts';
import { LOG_REDACT_PATHS } from '../../app.ts';
import { startAutotaskFake } from '../../../test/fakes/autotask.ts';
import { startConnectWiseFake } from '../../../test/fakes/connectwise.ts';
import type { FakePsa } from '../../../test/fakes/fake-server.ts';
import { startHaloFake } from '../../../test/fakes/halopsa.ts';
import { createTestApp, DB_KINDS, type TestApp } from '../../../test/harness.ts';

const TICKET = 4711;
const tree = {
  title: 'Mapped drive missing',
  category: 'Files',
  status: 'published',
  root_node_id: 'q1',
  nodes: [
    { id: 'q1', kind: 'question', title: 'Can you ping the file server?', options: [{ label: 'Yes', next: 's1' }, { label: 'No', next: 'e1' }] },
    { id: 's1', kind: 'solution', title: 'Re-map the drive with `net use`' },
    { id: 'e1', kind: 'escalate', title: 'Network problem' },
  ] as TreeNode[],
};

const CW = { companyId: 'acme', publicKey: 'pubkey1', privateKey: 'cw-private-SECRET-9f8e', clientId: 'c1d2e3f4-0000-4000-8000-000000000001' };
const AT = { username: 'api@acme.test', secret: 'at-secret-SECRET-7a6b', integrationCode: 'INTEGRATIONCODE-SECRET-1234' };
const HALO = { clientId: 'flowpilot-app', clientSecret: 'halo-secret-SECRET-5c4d', tenant: 'acme' };
const SECRETS = [CW.privateKey, AT.secret, AT.integrationCode, HALO.clientSecret, Buffer.from(`${CW.companyId}+${CW.publicKey}:${CW.privateKey}`).toString('base64')];

interface Provider {
  name: 'connectwise' | 'autotask' | 'halopsa';
  start(): Promise<FakePsa>;
  settings(fake: FakePsa): Record<string, unknown>;
  /** The note text as the PSA stores it. */
  noteText(fake: FakePsa): string[];
}

const PROVIDERS: Provider[] = [
  {
    name: 'connectwise',
    start: () => startConnectWiseFake({ ...CW, tickets: [TICKET] }),
    settings: (fake) => ({ provider: 'connectwise', site_url: fake.url, company_id: CW.companyId, public_key: CW.publicKey, private_key: CW.privateKey, client_id: CW.clientId }),
    noteText: (fake) => (fake.notes.get(TICKET) ?? []).map((n) => n.text),
  },
  {
    name: 'autotask',
    start: () => startAutotaskFake({ ...AT, tickets: [TICKET] }),
    settings: (fake) => ({ provider: 'autotask', zone_lookup_url: `${fake.url}/atservicesrest`, username: AT.username, secret: AT.secret, integration_code: AT.integrationCode, note_type: 1, publish: 2 }),
    noteText: (fake) => (fake.notes.get(TICKET) ?? []).map((n) => n.text),
  },
  {
    name: 'halopsa',
    start: () => startHaloFake({ ...HALO, tickets: [TICKET] }),
    settings: (fake) => ({ provider: 'halopsa', base_url: fake.url, tenant: HALO.tenant, client_id: HALO.clientId, client_secret: HALO.clientSecret }),
    noteText: (fake) => (fake.notes.get(TICKET) ?? []).map((n) => n.text),
  },
];

describe.each(DB_KINDS)('PSA delivery on %s', (kind) => {
  let t: TestApp;
  let admin: string;
  let engineer: string;
  let tech: string;
  let treeId: string;
  let logs = '';

  beforeAll(async () => {
    const stream = new Writable({
      write(chunk, _enc, cb) {
        logs += chunk.toString();
        cb();
      },
    });
    t = await createTestApp(kind, {
      config: { allowPrivateNetworkTargets: true },
      logger: { level: 'debug', stream, redact: { paths: LOG_REDACT_PATHS, censor: '[redacted]' } },
      jobs: { retry: { baseMs: 100, maxMs: 2000, maxAttempts: 4 }, psaWaitMs: 3000, pollingIntervalSeconds: 0.5, backstopSeconds: 0.5, psaTimeoutMs: 800 },
    });
    [admin, engineer, tech] = await Promise.all([t.tokenFor('admin'), t.tokenFor('engineer'), t.tokenFor('technician')]);
    treeId = (await t.request({ method: 'POST', url: '/api/v1/trees', token: engineer, body: tree })).json().id;
  });
  afterAll(async () => {
    await t?.close();
    for (const secret of SECRETS) expect(logs).not.toContain(secret);
  });

  const configure = async (psa: Record<string, unknown>) => {
    const res = await t.request({ method: 'PUT', url: '/api/v1/team/integrations', token: admin, body: { psa } });
    expect(res.statusCode, res.body).toBe(200);
    for (const secret of SECRETS) expect(res.body).not.toContain(secret);
  };
  const completeSession = async (ticketId: string | null = String(TICKET)) => {
    const s = (await t.request({ method: 'POST', url: '/api/v1/sessions', token: tech, body: { tree_id: treeId, ticket_id: ticketId, client_name: 'Acme' } })).json();
    await t.request({ method: 'POST', url: `/api/v1/sessions/${s.id}/steps`, token: tech, body: { node_id: 'q1', answer: 'Yes' } });
    const res = await t.request({ method: 'POST', url: `/api/v1/sessions/${s.id}/complete`, token: tech, body: { resolution: 'Re-mapped S: to \\\\fs01\\share' } });
    expect(res.statusCode, res.body).toBe(200);
    return res.json<SessionCloseResponse>();
  };
  const delivery = async (id: string) => {
    const list = (await t.request({ method: 'GET', url: '/api/v1/team/deliveries?status=delivered&limit=200', token: admin })).json().items as Delivery[];
    const open = (await t.request({ method: 'GET', url: '/api/v1/team/deliveries?limit=200', token: admin })).json().items as Delivery[];
    return [...list, ...open].find((d) => d.id === id);
  };
  const eventually = async <T>(check: () => Promise<T | undefined | false>, ms = 8000): Promise<T> => {
    const until = Date.now() + ms;
    for (;;) {
      const value = await check();
      if (value) return value;
      if (Date.now() > until) throw new Error('condition not met in time');
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  describe.each(PROVIDERS)('$name', (provider) => {
    let fake: FakePsa;
    beforeAll(async () => {
      fake = await provider.start();
      await configure(provider.settings(fake));
    });
    afterEach(() => fake.requests.splice(0));
    afterAll(async () => fake?.close());

    it('tests the connection and names the ticket', async () => {
      const res = await t.request({ method: 'POST', url: '/api/v1/team/integrations/test', token: admin, body: { channel: 'psa', ticket_id: String(TICKET) } });
      expect(res.json(), res.body).toMatchObject({ ok: true });
      expect(res.json().message).toMatch(/^Connected to/);
      expect(fake.requests.filter((r) => r.rejected)).toEqual([]);
    });

    it('puts the documentation on the ticket when the session completes: pushed', async () => {
      const closed = await completeSession();
      expect(closed.psa_result).toMatchObject({ status: 'pushed', provider: provider.name });
      const texts = provider.noteText(fake);
      expect(texts).toHaveLength(1);
      expect(texts[0]).toContain('Re-mapped S: to');
      expect(texts[0]).toContain(`[FlowPilot session ${closed.session.id} / documentation ${closed.documentation.id}]`);
      expect(fake.requests.filter((r) => r.rejected)).toEqual([]);
      const d = await delivery(closed.psa_result.delivery_id!);
      expect(d).toMatchObject({ status: 'delivered', attempts: 1, channel: 'psa', target: expect.stringContaining(`ticket ${TICKET}`) });
      expect(d!.external_ref).toBeTruthy();
      fake.notes.clear();
    });

    it('honours 429 Retry-After, then delivers once', async () => {
      fake.failNext(1, { status: 429, headers: { 'retry-after': '1' } });
      const closed = await completeSession();
      expect(closed.psa_result.status).toBe('queued');
      expect(closed.psa_result.message).toMatch(/rate limiting/);
      const d = await eventually(async () => {
        const found = await delivery(closed.psa_result.delivery_id!);
        return found?.status === 'delivered' && found;
      });
      expect(d.attempts).toBe(2);
      // The retry waited for the second the service asked for.
      expect(Date.parse(d.delivered_at!) - Date.parse(d.created_at)).toBeGreaterThanOrEqual(950);
      const writes = fake.requests.filter((r) => r.method === 'POST' && /notes|actions/i.test(r.path));
      expect(writes).toHaveLength(2);
      expect(provider.noteText(fake)).toHaveLength(1);
      fake.notes.clear();
    });

    it('a write whose answer was lost (timeout) is found on retry, not written twice', async () => {
      fake.failNext(1, 'store-then-hang');
      const closed = await completeSession();
      const d = await eventually(async () => {
        const found = await delivery(closed.psa_result.delivery_id!);
        return found?.status === 'delivered' && found;
      });
      expect(d.attempts).toBe(2);
      expect(provider.noteText(fake)).toHaveLength(1);
      fake.notes.clear();
    });
  });

  describe('failures', () => {
    let fake: FakePsa;
    beforeAll(async () => {
      fake = await startConnectWiseFake({ ...CW, tickets: [TICKET] });
      await configure(PROVIDERS[0]!.settings(fake));
    });
    afterAll(async () => fake?.close());

    it('retries 500s with backoff until delivered', async () => {
      fake.failNext(2, { status: 500, body: { code: 'Internal', message: 'boom', errors: null } });
      const closed = await completeSession();
      const d = await eventually(async () => {
        const found = await delivery(closed.psa_result.delivery_id!);
        return found?.status === 'delivered' && found;
      });
      expect(d.attempts).toBe(3);
      expect(fake.notes.get(TICKET)).toHaveLength(1);
      fake.notes.clear();
    });

    it('does not retry a 401: failed at once, listed with the reason, and retried by hand', async () => {
      fake.failNext(1, { status: 401, body: { code: 'Unauthorized', message: 'nope', errors: null } });
      const closed = await completeSession();
      expect(closed.psa_result.status).toBe('failed');
      expect(closed.psa_result.message).toMatch(/rejected the API keys/);
      const failed = (await t.request({ method: 'GET', url: '/api/v1/team/deliveries?status=failed', token: admin })).json();
      const listed = failed.items.find((i: Delivery) => i.id === closed.psa_result.delivery_id);
      expect(listed).toMatchObject({ status: 'failed', attempts: 1, last_error: expect.stringContaining('HTTP 401') });
      for (const secret of SECRETS) expect(JSON.stringify(failed)).not.toContain(secret);
      expect(fake.notes.get(TICKET) ?? []).toHaveLength(0);

      const retried = await t.request({ method: 'POST', url: `/api/v1/team/deliveries/${closed.psa_result.delivery_id}/retry`, token: admin });
      expect(retried.statusCode).toBe(200);
      await eventually(async () => (await delivery(closed.psa_result.delivery_id!))?.status === 'delivered');
      expect(fake.notes.get(TICKET)).toHaveLength(1);
      expect((await t.request({ method: 'POST', url: `/api/v1/team/deliveries/${closed.psa_result.delivery_id}/retry`, token: admin })).statusCode).toBe(409);
      expect((await t.request({ method: 'POST', url: `/api/v1/team/deliveries/${closed.psa_result.delivery_id}/retry`, token: engineer })).statusCode).toBe(403);
      fake.notes.clear();
    });

    it('gives up after the last attempt (the dead-letter state) and says so', async () => {
      fake.failNext(4, { status: 503 });
      const closed = await completeSession();
      const d = await eventually(async () => {
        const found = await delivery(closed.psa_result.delivery_id!);
        return found?.status === 'failed' && found;
      }, 15_000);
      expect(d.attempts).toBe(4);
      expect(d.last_error).toMatch(/^Gave up after 4 attempts/);
    });

    it('answers no_psa without a ticket, and fails a ticket id that is not a number', async () => {
      expect((await completeSession(null)).psa_result).toEqual({ status: 'no_psa', provider: null, delivery_id: null, message: null });
      const closed = await completeSession('T20240101.0001');
      expect(closed.psa_result.status).toBe('failed');
      expect(closed.psa_result.message).toMatch(/not a ConnectWise ticket number/);
      // Too long to be a ticket number: converted, it would name another ticket.
      const tooLong = await completeSession('12345678901234567890');
      expect(tooLong.psa_result.status).toBe('failed');
      expect(fake.requests.filter((r) => r.path.includes('12345678901234'))).toEqual([]);
    });

    it('says in words what is wrong with bad credentials', async () => {
      await configure({ ...PROVIDERS[0]!.settings(fake), private_key: 'wrong-key' });
      const res = await t.request({ method: 'POST', url: '/api/v1/team/integrations/test', token: admin, body: { channel: 'psa' } });
      expect(res.json()).toEqual({ ok: false, message: expect.stringMatching(/^Connecting to ConnectWise failed: ConnectWise rejected the API keys/) });
      await configure(PROVIDERS[0]!.settings(fake));
    });
  });
});
