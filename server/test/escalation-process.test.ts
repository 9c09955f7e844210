import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { Delivery, DeliveryList, HandoffResponse, SessionResponse } from '@flowpilot/contracts';
import { PRINTER_OFFLINE_TREE_ID } from '../src/db/demo-trees/ids.ts';
import { slackFailure, startSlackFake, type SlackFake } from './fakes/slack.ts';
import { startTeamsFake, teamsFailure, type TeamsFake } from './fakes/teams.ts';
import { databaseUrlFor, withDatabase } from './pg-admin.ts';
import { eventually as poll } from './eventually.ts';
import { api, tokenOf } from './http-api.ts';
import { startSmtpSink, type SmtpSink } from './smtp-sink.ts';
import { openStream, type SseStream } from './sse.ts';

/**
 * Escalations across real server processes: live events reach a stream held
 * by another process, and what was due when a process died is delivered by
 * the next one. Several processes can only share PostgreSQL; a restart is
 * tried on every database there is.
 */

const PG_URL = process.env.TEST_DATABASE_URL;
/** Two processes on one database: PostgreSQL only (PGlite's folder belongs to one process). */
const SHARED_KINDS: 'postgres'[] = PG_URL ? ['postgres'] : [];
const RESTART_KINDS: ('pglite' | 'postgres')[] = PG_URL ? ['pglite', 'postgres'] : ['pglite'];

const serverEntry = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../src/server.ts');
const children: ChildProcess[] = [];
const PUBLIC_URL = 'https://flowpilot.process-test.example';

interface Proc {
  child: ChildProcess;
  port: number;
  output(): string;
  exited: Promise<number | null>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** Starts `src/server.ts` as its own process and waits until it answers /readyz. */
async function start(env: Record<string, string>, port?: number): Promise<Proc> {
  const p = port ?? (await freePort());
  const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), serverEntry], {
    cwd: mkdtempSync(path.join(tmpdir(), 'flowpilot-cwd-')),
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', LOG_LEVEL: 'warn', PUBLIC_URL, ALLOW_PRIVATE_NETWORK_TARGETS: 'true', ...env, PORT: String(p) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const proc: Proc = { child, port: p, output: () => out, exited };
  await eventually(
    'the server to be ready',
    async () => {
      if (child.exitCode !== null) throw new Error(`the server exited early:\n${out}`);
      try {
        return (await fetch(`http://127.0.0.1:${p}/readyz`)).ok;
      } catch {
        return false;
      }
    },
    60_000,
    proc,
  );
  return proc;
}

afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
});

async function escalate(port: number, tech: string, client: string): Promise<HandoffResponse> {
  let session = await api<SessionResponse>(port, 'POST', '/sessions', tech, { tree_id: PRINTER_OFFLINE_TREE_ID, ticket_id: '4711', client_name: client, problem_summary: 'Printer shows offline' }, 201);
  session = await api<SessionResponse>(port, 'POST', `/sessions/${session.id}/steps`, tech, { node_id: session.current_node_id, answer: session.choices[0] }, 200);
  return api<HandoffResponse>(port, 'POST', `/sessions/${session.id}/handoff`, tech, { intent: 'escalate', reason: 'Spooler keeps crashing' }, 200);
}

async function deliveriesOf(port: number, admin: string, sessionId: string): Promise<Delivery[]> {
  const out: Delivery[] = [];
  for (const status of ['open', 'delivered']) {
    out.push(...(await api<DeliveryList>(port, 'GET', `/team/deliveries?status=${status}&limit=200`, admin, undefined, 200)).items.filter((d) => d.session_id === sessionId));
  }
  return out;
}

/** A fresh PostgreSQL database for the processes of one test, dropped afterwards. */
async function createDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const url = PG_URL!;
  const name = `fp_escproc_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e6)}`;
  await withDatabase(url, (c) => c.query(`create database "${name}"`));
  return { url: databaseUrlFor(url, name), drop: async () => void (await withDatabase(url, (c) => c.query(`drop database if exists "${name}" with (force)`))) };
}

const mailsFor = (sink: SmtpSink, sessionId: string) => sink.received.filter((m) => (m.mail.text ?? '').includes(sessionId));
const slackFor = (slack: SlackFake, sessionId: string) => slack.accepted.filter((m) => JSON.stringify(m.body).includes(sessionId));
const teamsFor = (teams: TeamsFake, sessionId: string) => teams.accepted.filter((m) => JSON.stringify(m).includes(sessionId));

for (const kind of SHARED_KINDS) {
  describe(`two server processes on one ${kind} database`, () => {
    it('delivers a live event to a stream on one process when the escalation is sent to the other, and runs each delivery once', async () => {
      const db = await createDatabase();
      const [slack, sink] = await Promise.all([startSlackFake(), startSmtpSink()]);
      const procs: Proc[] = [];
      const streams: SseStream[] = [];
      try {
        const env = { DATABASE_URL: db.url, JWT_SECRET: 'm'.repeat(40), SMTP_URL: sink.url, DATA_DIR: mkdtempSync(path.join(tmpdir(), 'flowpilot-multi-')) };
        // One at a time: the first migrates and seeds.
        procs.push(await start(env));
        procs.push(await start(env));
        const [a, b] = procs as [Proc, Proc];
        const admin = await tokenOf(a.port, 'admin');
        const engineer = await tokenOf(a.port, 'engineer');
        const tech = await tokenOf(b.port, 'technician');
        await api(a.port, 'PUT', '/team/integrations', admin, { slack: { webhook_url: slack.webhookUrl }, email: { enabled: true } }, 200);

        const onA = await openStream(a.port, engineer);
        const techOnB = await openStream(b.port, tech);
        streams.push(onA, techOnB);
        const esc = await escalate(b.port, tech, 'Two Process Co');
        const sessionId = esc.session.id;
        const note = await onA.waitFor((e) => e.type === 'notification.created' && e.data.session_id === sessionId);
        expect(note.data).toMatchObject({ type: 'escalation' });
        await onA.waitFor((e) => e.type === 'escalation.created' && e.data.session_id === sessionId);
        await onA.waitFor((e) => e.type === 'queue.count' && e.data.count === 1);

        // Both processes run workers; each delivery went out once. (Before the pickup: a message still queued then is not sent.)
        const list = await eventually(
          'the deliveries to settle',
          async () => {
            const l = await deliveriesOf(a.port, admin, sessionId);
            return l.length === 3 && l.every((d) => d.status === 'delivered') && l;
          },
          20_000,
          a,
        );
        expect(list.every((d) => d.attempts === 1)).toBe(true);
        expect(slackFor(slack, sessionId)).toHaveLength(1);
        expect(mailsFor(sink, sessionId).map((m) => m.to).sort()).toEqual([['admin@flowpilot.test'], ['engineer@flowpilot.test']]);

        // And back: the pickup on A reaches the technician's stream on B.
        await api(a.port, 'POST', `/sessions/${sessionId}/pickup`, engineer, undefined, 200);
        const picked = await techOnB.waitFor((e) => e.type === 'escalation.picked_up' && e.data.session_id === sessionId);
        expect(picked.data).toMatchObject({ by_user_name: 'Sam Rivera' });

        for (const s of streams) s.close();
        for (const p of procs) p.child.kill('SIGTERM');
        expect(await Promise.all(procs.map((p) => p.exited))).toEqual([0, 0]);
      } finally {
        for (const s of streams) s.close();
        for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGKILL');
        await Promise.all(procs.map((p) => p.exited));
        await Promise.all([slack.close(), sink.close()]);
        await db.drop();
      }
    }, 180_000);
  });
}

describe.each(RESTART_KINDS)('a server killed right after an escalation, on %s', (kind) => {
  it('delivers the Slack, Teams and email messages after a restart, and a reconnecting stream gets the stored events', async () => {
    const [slack, teams, sink] = await Promise.all([startSlackFake(), startTeamsFake(), startSmtpSink()]);
    let env: Record<string, string> = { SMTP_URL: sink.url, DATA_DIR: mkdtempSync(path.join(tmpdir(), 'flowpilot-esc-restart-')) };
    let drop = async () => {};
    if (kind === 'postgres') {
      const db = await createDatabase();
      drop = db.drop;
      env = { ...env, DATABASE_URL: db.url, JWT_SECRET: 'k'.repeat(40) };
    }
    const procs: Proc[] = [];
    const streams: SseStream[] = [];
    try {
      const first = await start(env);
      procs.push(first);
      const port = first.port;
      const [admin, engineer, tech] = [await tokenOf(port, 'admin'), await tokenOf(port, 'engineer'), await tokenOf(port, 'technician')];
      await api(port, 'PUT', '/team/integrations', admin, { slack: { webhook_url: slack.webhookUrl }, teams: { webhook_url: teams.webhookUrl }, email: { enabled: true } }, 200);

      // Every channel is down until the kill: Slack and Teams ask to be tried again in 5 s, the mail server says "later".
      slack.failNext(1, slackFailure(429, '{"ok":false}', '5'));
      teams.failNext(1, teamsFailure(503, '5'));
      sink.hold = true;
      const stream = await openStream(port, engineer);
      streams.push(stream);
      const esc = await escalate(port, tech, 'Restart Co');
      const sessionId = esc.session.id;
      const firstSeen = await stream.waitFor((e) => e.type === 'notification.created' && e.data.session_id === sessionId);

      const waiting = await eventually(
        'all four deliveries to wait for a retry',
        async () => {
          const l = await deliveriesOf(port, admin, sessionId);
          return l.length === 4 && l.every((d) => d.status === 'retrying') && l;
        },
        15_000,
        first,
      );
      for (const d of waiting) expect(Date.parse(d.next_attempt_at!), `${d.target}: the kill comes before the retry is due`).toBeGreaterThan(Date.now());
      first.child.kill('SIGKILL');
      await first.exited;
      stream.close();
      expect(slackFor(slack, sessionId)).toEqual([]);
      expect(teamsFor(teams, sessionId)).toEqual([]);
      expect(mailsFor(sink, sessionId)).toEqual([]);

      sink.hold = false;
      const second = await start(env, port);
      procs.push(second);
      const delivered = await eventually(
        'everything to be delivered by the new process',
        async () => {
          const l = await deliveriesOf(port, admin, sessionId);
          return l.length === 4 && l.every((d) => d.status === 'delivered') && l;
        },
        30_000,
        second,
      );
      for (const d of delivered.filter((x) => x.channel !== 'email')) expect(d.attempts, d.target).toBe(2);
      for (const d of delivered.filter((x) => x.channel === 'email')) expect(d.attempts, d.target).toBeGreaterThanOrEqual(2);
      expect(slackFor(slack, sessionId)).toHaveLength(1);
      expect(JSON.stringify(slackFor(slack, sessionId)[0]!.body)).toContain(`${PUBLIC_URL}/pilot/${sessionId}?pickup=true`);
      expect(teamsFor(teams, sessionId)).toHaveLength(1);
      const mails = mailsFor(sink, sessionId);
      expect(mails.map((m) => m.to).sort()).toEqual([['admin@flowpilot.test'], ['engineer@flowpilot.test']]);
      expect(mails[0]!.mail.text).toContain(`${PUBLIC_URL}/pilot/${sessionId}?pickup=true`);

      // The engineer's browser reconnects to the new process from the last event it had.
      const resumed = await openStream(port, engineer, firstSeen.id);
      streams.push(resumed);
      await resumed.waitFor((e) => e.type === 'queue.count');
      expect(resumed.events.map((e) => [e.type, e.data.session_id ?? null])).toEqual([
        ['session.updated', sessionId],
        ['escalation.created', sessionId],
        ['queue.count', null],
      ]);
      expect(resumed.events.every((e) => e.id > firstSeen.id)).toBe(true);
      // And it is live on the new process.
      await api(port, 'POST', `/sessions/${sessionId}/pickup`, admin, undefined, 200);
      const picked = await resumed.waitFor((e) => e.type === 'escalation.picked_up');
      expect(picked.data).toMatchObject({ session_id: sessionId, by_user_name: 'Morgan Price' });

      resumed.close();
      second.child.kill('SIGTERM');
      expect(await second.exited).toBe(0);
    } finally {
      for (const s of streams) s.close();
      for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGKILL');
      await Promise.all(procs.map((p) => p.exited));
      await Promise.all([slack.close(), teams.close(), sink.close()]);
      await drop();
    }
  }, 180_000);
});

describe.each(RESTART_KINDS)('a server killed while a Slack message is on its way, on %s', (kind) => {
  it('the restarted server sends it within 30 s of the kill, and nothing that had arrived is sent again', async () => {
    const [slack, teams, sink] = await Promise.all([startSlackFake(), startTeamsFake(), startSmtpSink()]);
    let env: Record<string, string> = { SMTP_URL: sink.url, DATA_DIR: mkdtempSync(path.join(tmpdir(), 'flowpilot-esc-inflight-')) };
    let drop = async () => {};
    if (kind === 'postgres') {
      const db = await createDatabase();
      drop = db.drop;
      env = { ...env, DATABASE_URL: db.url, JWT_SECRET: 'f'.repeat(40) };
    }
    const procs: Proc[] = [];
    try {
      const first = await start(env);
      procs.push(first);
      const port = first.port;
      const [admin, tech] = [await tokenOf(port, 'admin'), await tokenOf(port, 'technician')];
      await api(port, 'PUT', '/team/integrations', admin, { slack: { webhook_url: slack.webhookUrl }, teams: { webhook_url: teams.webhookUrl }, email: { enabled: true } }, 200);

      // Slack takes the message and never answers: the process dies with the call open (a webhook call gives up after 10 s).
      slack.failNext(1, 'hang');
      const esc = await escalate(port, tech, 'In Flight Co');
      const sessionId = esc.session.id;
      const hanging = await eventually(
        'the Slack call to be open while Teams and email are delivered',
        async () => {
          const open = slack.requests.find((r) => r.method === 'POST' && r.status === 0 && JSON.stringify(r.body).includes(sessionId));
          const l = await deliveriesOf(port, admin, sessionId);
          const others = l.filter((d) => d.channel !== 'slack');
          return open && others.length === 3 && others.every((d) => d.status === 'delivered') && l.find((d) => d.channel === 'slack');
        },
        8_000,
        first,
      );
      expect(hanging.status).toBe('sending');
      first.child.kill('SIGKILL');
      const killedAt = Date.now();
      await first.exited;
      expect(slackFor(slack, sessionId)).toEqual([]);

      const second = await start(env, port);
      procs.push(second);
      await eventually('the Slack message from the new process', () => slackFor(slack, sessionId).length > 0, 30_000 - (Date.now() - killedAt), second);
      expect(Date.now() - killedAt).toBeLessThan(30_000);

      const settled = await eventually(
        'every delivery to be delivered',
        async () => {
          const l = await deliveriesOf(port, admin, sessionId);
          return l.length === 4 && l.every((d) => d.status === 'delivered') && l;
        },
        10_000,
        second,
      );
      // The open attempt was taken over where it stood; the others ran once.
      expect(settled.map((d) => [d.channel, d.attempts]).sort()).toEqual([
        ['email', 1],
        ['email', 1],
        ['slack', 1],
        ['teams', 1],
      ]);
      expect(slackFor(slack, sessionId)).toHaveLength(1);
      expect(teamsFor(teams, sessionId)).toHaveLength(1);
      expect(mailsFor(sink, sessionId).map((m) => m.to).sort()).toEqual([['admin@flowpilot.test'], ['engineer@flowpilot.test']]);
      expect(slack.requests.filter((r) => r.method === 'POST' && JSON.stringify(r.body).includes(sessionId)).map((r) => r.status)).toEqual([0, 200]);

      second.child.kill('SIGTERM');
      expect(await second.exited).toBe(0);
    } finally {
      for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGKILL');
      await Promise.all(procs.map((p) => p.exited));
      await Promise.all([slack.close(), teams.close(), sink.close()]);
      await drop();
    }
  }, 120_000);
});

/** Polls with the server's output in the failure. */
function eventually<T>(what: string, check: () => Promise<T | undefined | null | false> | T | undefined | null | false, ms: number, proc?: Proc): Promise<T> {
  return poll(what, check, ms, { intervalMs: 100, ...(proc && { details: () => `server output:\n${proc.output()}` }) });
}
