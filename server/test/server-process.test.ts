import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { Delivery, HandoffResponse, SessionCloseResponse, SessionResponse } from '@flowpilot/contracts';
import { MAPPED_DRIVE_MISSING_TREE_ID, PRINTER_OFFLINE_TREE_ID } from '../src/db/demo-trees/ids.ts';
import { startConnectWiseFake } from './fakes/connectwise.ts';
import { databaseUrlFor, withDatabase } from './pg-admin.ts';
import { eventually } from './eventually.ts';
import { api, tokenOf } from './http-api.ts';
import { openStream } from './sse.ts';

const serverEntry = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../src/server.ts');
const children: ChildProcess[] = [];

interface Proc {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

/** Starts `src/server.ts` as its own process; a setting given as undefined is left unset (its default applies). */
function start(env: Record<string, string | undefined>): Proc {
  const merged = { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env };
  const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), serverEntry], {
    cwd: mkdtempSync(path.join(tmpdir(), 'flowpilot-cwd-')),
    env: Object.fromEntries(Object.entries(merged).filter((e): e is [string, string] => e[1] !== undefined)),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

async function waitReady(port: number, proc: Proc): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (proc.child.exitCode !== null) throw new Error(`exited early:\n${proc.output()}`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}/readyz`)).ok) return;
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`not ready:\n${proc.output()}`);
}

async function login(port: number): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${port}/api/v1/auth/login/json`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'admin@flowpilot.test', password: 'flowpilot-admin' }),
  });
  return res.status;
}

afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
});

describe('the server process', () => {
  it('refuses to start on a bad setting, naming it', async () => {
    const proc = start({ PORT: 'eighty', DATA_DIR: mkdtempSync(path.join(tmpdir(), 'fp-')) });
    expect(await proc.exited).toBe(1);
    expect(proc.output()).toMatch(/FlowPilot cannot start/);
    expect(proc.output()).toMatch(/PORT: /);
  });

  it('starts on the embedded database with demo logins, locks its folder, stops cleanly and keeps its data', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'flowpilot-proc-'));
    const port = await freePort();
    const first = start({ PORT: String(port), DATA_DIR: dataDir });
    await waitReady(port, first);
    expect(first.output()).toContain('admin@flowpilot.test');
    expect(first.output()).toContain('password: flowpilot-tech');
    expect(await login(port)).toBe(200);

    const second = start({ PORT: String(await freePort()), DATA_DIR: dataDir });
    expect(await second.exited).toBe(1);
    expect(second.output()).toMatch(/in use by another FlowPilot process/);

    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);

    const restarted = start({ PORT: String(port), DATA_DIR: dataDir });
    await waitReady(port, restarted);
    expect(await login(port)).toBe(200);
    restarted.child.kill('SIGTERM');
    expect(await restarted.exited).toBe(0);
  }, 120_000);

  it('starts empty with DEMO_DATA=false', async () => {
    const port = await freePort();
    const proc = start({ PORT: String(port), DATA_DIR: mkdtempSync(path.join(tmpdir(), 'fp-')), DEMO_DATA: 'false' });
    await waitReady(port, proc);
    expect(await login(port)).toBe(401);
    expect(proc.output()).not.toContain('Demo sign-ins');
    proc.child.kill('SIGTERM');
    await proc.exited;
  }, 120_000);

  // Only where a PostgreSQL server is given; listed (not skipped) per database available.
  it.each(process.env.TEST_DATABASE_URL ? ['PostgreSQL'] : [])('several processes start at once on one %s database: one migrates and seeds', async () => {
    const url = process.env.TEST_DATABASE_URL!;
    const name = `fp_proc_${Date.now().toString(36)}`;
    await withDatabase(url, (c) => c.query(`create database "${name}"`));
    try {
      const env = { DATABASE_URL: databaseUrlFor(url, name), JWT_SECRET: 'p'.repeat(40) };
      const ports = [await freePort(), await freePort()];
      const procs = ports.map((port) => start({ ...env, PORT: String(port) }));
      await Promise.all(ports.map((port, i) => waitReady(port, procs[i]!)));
      // A token from one process works on the other: they share the secret and the database.
      const res = await fetch(`http://127.0.0.1:${ports[0]}/api/v1/auth/login/json`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'tech@flowpilot.test', password: 'flowpilot-tech' }),
      });
      const { access_token } = (await res.json()) as { access_token: string };
      const me = await fetch(`http://127.0.0.1:${ports[1]}/api/v1/auth/me`, { headers: { authorization: `Bearer ${access_token}` } });
      expect(me.status).toBe(200);
      const teams = await withDatabase(databaseUrlFor(url, name), (c) => c.query('select count(*)::int as n from teams'));
      expect(teams.rows[0].n).toBe(1);
      for (const p of procs) p.child.kill('SIGTERM');
      expect(await Promise.all(procs.map((p) => p.exited))).toEqual([0, 0]);
    } finally {
      await withDatabase(url, (c) => c.query(`drop database if exists "${name}" with (force)`));
    }
  }, 120_000);
});

const RESTART_KINDS: ('pglite' | 'postgres')[] = process.env.TEST_DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];

/** The JSON log lines of a process's output (the start banner is plain text). */
function logLines(output: string): { level: number; msg: string; [k: string]: unknown }[] {
  return output
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { level: number; msg: string });
}

/** A settings environment of its own: a PGlite folder, or a fresh PostgreSQL database (dropped by `drop`). */
async function ownDatabase(kind: 'pglite' | 'postgres', tag: string): Promise<{ env: Record<string, string>; drop(): Promise<void> }> {
  const dataDir = mkdtempSync(path.join(tmpdir(), `flowpilot-${tag}-`));
  if (kind === 'pglite') return { env: { DATA_DIR: dataDir }, drop: async () => {} };
  const url = process.env.TEST_DATABASE_URL!;
  const name = `fp_${tag}_${Date.now().toString(36)}`;
  await withDatabase(url, (c) => c.query(`create database "${name}"`));
  return {
    env: { DATA_DIR: dataDir, DATABASE_URL: databaseUrlFor(url, name), JWT_SECRET: 'q'.repeat(40), DEMO_DATA: 'true' },
    drop: async () => void (await withDatabase(url, (c) => c.query(`drop database if exists "${name}" with (force)`))),
  };
}

/** What a day's use makes the server do: sign-ins, reads, a miss, an open event stream, an escalation with its jobs. */
async function useIt(port: number): Promise<void> {
  const [engineer, tech] = [await tokenOf(port, 'engineer'), await tokenOf(port, 'technician')];
  await api(port, 'GET', '/trees', tech, undefined, 200);
  await api(port, 'GET', '/nothing-here', tech, undefined, 404);
  const stream = await openStream(port, engineer);
  try {
    let session = await api<SessionResponse>(port, 'POST', '/sessions', tech, { tree_id: PRINTER_OFFLINE_TREE_ID, client_name: 'Quiet Co', problem_summary: 'Printer offline' }, 201);
    session = await api<SessionResponse>(port, 'POST', `/sessions/${session.id}/steps`, tech, { node_id: session.current_node_id, answer: session.choices[0] }, 200);
    await api<HandoffResponse>(port, 'POST', `/sessions/${session.id}/handoff`, tech, { intent: 'escalate', reason: 'Spooler keeps crashing' }, 200);
    await stream.waitFor((e) => e.type === 'notification.created' && e.data.session_id === session.id);
  } finally {
    stream.close();
  }
}

describe.each(RESTART_KINDS)('the server process at the default log level, on %s', (kind) => {
  it('logs no line per request, and stops on Ctrl-C with nothing logged as an error and exit code 0', async () => {
    const db = await ownDatabase(kind, 'quiet');
    try {
      const port = await freePort();
      const proc = start({ ...db.env, PORT: String(port), LOG_LEVEL: undefined });
      await waitReady(port, proc);
      await useIt(port);
      proc.child.kill('SIGINT');
      expect(await proc.exited, proc.output()).toBe(0);
      const lines = logLines(proc.output());
      // Logging is on (info): the shutdown is said; no request has a line, and nothing went wrong.
      expect(lines.map((l) => l.msg)).toContain('shutting down');
      expect(lines.filter((l) => 'reqId' in l || 'req' in l || 'res' in l)).toEqual([]);
      expect(lines.filter((l) => l.level >= 50)).toEqual([]);
      expect(proc.output()).not.toMatch(/error/i);
    } finally {
      await db.drop();
    }
  }, 120_000);

  it('at LOG_LEVEL=debug logs each request in one line, without the secrets of links', async () => {
    const db = await ownDatabase(kind, 'debug');
    try {
      const port = await freePort();
      const proc = start({ ...db.env, PORT: String(port), LOG_LEVEL: 'debug' });
      await waitReady(port, proc);
      await api(port, 'GET', '/nothing-here', null, undefined, 404);
      await login(port);
      // A link's secret (here an invite code) never reaches the log.
      await api(port, 'GET', '/auth/invites/SECRET-INVITE-CODE-4711', null, undefined, 404);
      proc.child.kill('SIGTERM');
      expect(await proc.exited).toBe(0);
      const requests = logLines(proc.output()).filter((l) => 'reqId' in l);
      expect(requests.filter((l) => l.url === '/api/v1/nothing-here')).toEqual([expect.objectContaining({ level: 20, msg: 'request', method: 'GET', status: 404 })]);
      const logins = requests.filter((l) => l.url === '/api/v1/auth/login/json');
      expect(logins).toEqual([expect.objectContaining({ level: 20, method: 'POST', status: 200 })]);
      // What a request line holds: no headers, no body.
      expect(Object.keys(logins[0]!).sort()).toEqual(['hostname', 'level', 'method', 'ms', 'msg', 'pid', 'reqId', 'status', 'time', 'url']);
      expect(requests.map((l) => l.url)).toContain('/api/v1/auth/invites/[redacted]');
      expect(proc.output()).not.toContain('SECRET-INVITE-CODE-4711');
    } finally {
      await db.drop();
    }
  }, 120_000);
});

describe.each(RESTART_KINDS)('a server killed with a PSA delivery pending, on %s', (kind) => {
  const TICKET = 4711;
  const CW = { companyId: 'acme', publicKey: 'pubkey1', privateKey: 'cw-private-key-1', clientId: 'c1d2e3f4-0000-4000-8000-000000000001' };

  it('delivers it after a restart, exactly once', async () => {
    const fake = await startConnectWiseFake({ ...CW, tickets: [TICKET] });
    let env: Record<string, string> = { ALLOW_PRIVATE_NETWORK_TARGETS: 'true' };
    let dropDatabase = async () => {};
    if (kind === 'pglite') {
      env.DATA_DIR = mkdtempSync(path.join(tmpdir(), 'flowpilot-restart-'));
    } else {
      const url = process.env.TEST_DATABASE_URL!;
      const name = `fp_restart_${Date.now().toString(36)}`;
      await withDatabase(url, (c) => c.query(`create database "${name}"`));
      dropDatabase = async () => void (await withDatabase(url, (c) => c.query(`drop database if exists "${name}" with (force)`)));
      env = { ...env, DATABASE_URL: databaseUrlFor(url, name), JWT_SECRET: 'r'.repeat(40) };
    }
    const procs: Proc[] = [];
    const noteWrites = () => fake.requests.filter((r) => r.method === 'POST' && r.path.endsWith(`/service/tickets/${TICKET}/notes`));
    try {
      const port = await freePort();
      const first = start({ ...env, PORT: String(port) });
      procs.push(first);
      await waitReady(port, first);
      const [admin, tech] = [await tokenOf(port, 'admin'), await tokenOf(port, 'technician')];
      const psa = { provider: 'connectwise', site_url: fake.url, company_id: CW.companyId, public_key: CW.publicKey, private_key: CW.privateKey, client_id: CW.clientId };
      await api(port, 'PUT', '/team/integrations', admin, { psa }, 200);

      let session = await api<SessionResponse>(port, 'POST', '/sessions', tech, { tree_id: MAPPED_DRIVE_MISSING_TREE_ID, ticket_id: String(TICKET), client_name: 'Acme' }, 201);
      for (let i = 0; i < 3 && session.choices.length > 0; i++) {
        session = await api<SessionResponse>(port, 'POST', `/sessions/${session.id}/steps`, tech, { node_id: session.current_node_id, answer: session.choices[0] }, 200);
      }
      // The first write fails and asks for 3 s: time enough to kill the process before the retry is due.
      fake.failNext(1, { status: 503, headers: { 'retry-after': '3' } });
      const closed = await api<SessionCloseResponse>(port, 'POST', `/sessions/${session.id}/complete`, tech, { resolution: 'Re-mapped S: after a restart' }, 200);
      expect(closed.psa_result).toMatchObject({ status: 'queued', provider: 'connectwise' });
      // Normally already so when completing answers; a slow first attempt may still be running then.
      const retrying = await eventually(
        'the retry to be scheduled',
        async () => {
          const { items } = await api<{ items: Delivery[] }>(port, 'GET', '/team/deliveries?status=retrying', admin, undefined, 200);
          return items.find((d) => d.id === closed.psa_result.delivery_id);
        },
        10_000,
      );
      expect(retrying.last_error).toMatch(/503/);
      expect(Date.parse(retrying.next_attempt_at!), 'the kill comes before the retry is due').toBeGreaterThan(Date.now());
      first.child.kill('SIGKILL');
      await first.exited;
      expect(noteWrites().map((r) => r.status)).toEqual([503]);
      expect(fake.notes.get(TICKET)).toEqual([]);

      const second = start({ ...env, PORT: String(port) });
      procs.push(second);
      await waitReady(port, second);
      const delivered = await eventually(
        'the delivery after the restart',
        async () => {
          const { items } = await api<{ items: Delivery[] }>(port, 'GET', '/team/deliveries?status=delivered&limit=200', admin, undefined, 200);
          return items.find((d) => d.id === closed.psa_result.delivery_id);
        },
        20_000,
      );
      expect(delivered).toMatchObject({ status: 'delivered', attempts: 2 });
      const notes = fake.notes.get(TICKET)!;
      expect(notes).toHaveLength(1);
      expect(notes[0]!.text).toContain(`[FlowPilot session ${session.id} / documentation ${closed.documentation.id}]`);
      expect(noteWrites().map((r) => r.status)).toEqual([503, 201]);

      second.child.kill('SIGTERM');
      expect(await second.exited).toBe(0);
      expect(fake.notes.get(TICKET)).toHaveLength(1);
    } finally {
      await fake.close();
      for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGKILL');
      await Promise.all(procs.map((p) => p.exited));
      await dropDatabase();
    }
  }, 180_000);
});
