import { createHash, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HandoffResponse, SessionResponse } from '@flowpilot/contracts';
import { buildApp } from '../app.ts';
import { queryRows, type Database } from '../db/client.ts';
import { PRINTER_OFFLINE_TREE_ID } from '../db/demo-trees/ids.ts';
import { DEMO_LOGINS, seedDemoData } from '../db/seed.ts';
import { createTestDatabase, DB_KINDS, testConfig } from '../../test/harness.ts';
import type { NewEvent } from './events.ts';
import { eventually } from '../../test/eventually.ts';
import { connect, isOpen, type SseStream } from '../../test/sse.ts';

const HEARTBEAT_MS = 150;


describe.each(DB_KINDS)('live events over HTTP on %s', (kind) => {
  let app: FastifyInstance;
  let database: Database;
  let port: number;
  const tokens = { admin: '', engineer: '', tech: '', other: '' };
  const ids = { team: '', admin: '', engineer: '', tech: '', other: '', otherTeam: '' };
  const streams: SseStream[] = [];

  async function call<T>(method: 'GET' | 'POST' | 'PUT' | 'PATCH', url: string, token: string | null, body?: unknown, expected = 200): Promise<T> {
    const res = await app.inject({ method, url: `/api/v1${url}`, headers: token ? { authorization: `Bearer ${token}` } : {}, ...(body !== undefined && { payload: body as object }) });
    expect(res.statusCode, `${method} ${url}: ${res.body}`).toBe(expected);
    return (res.body ? res.json() : null) as T;
  }
  const login = async (email: string, password: string) => (await call<{ access_token: string }>('POST', '/auth/login/json', null, { email, password })).access_token;

  async function open(path: string, headers: Record<string, string> = {}): Promise<SseStream> {
    const opened = await connect(port, path, headers);
    if (!isOpen(opened)) throw new Error(`the stream did not open: ${opened.status} ${JSON.stringify(opened.body)}`);
    streams.push(opened);
    return opened;
  }
  const streamOf = (token: string, headers: Record<string, string> = {}) => open('/api/v1/events', { authorization: `Bearer ${token}`, ...headers });

  async function escalatedSession(client = 'ACME Ltd'): Promise<HandoffResponse> {
    const session = await call<SessionResponse>('POST', '/sessions', tokens.tech, { tree_id: PRINTER_OFFLINE_TREE_ID, client_name: client, problem_summary: 'Printer shows offline' }, 201);
    return call<HandoffResponse>('POST', `/sessions/${session.id}/handoff`, tokens.tech, { intent: 'escalate', reason: 'Spooler keeps crashing' });
  }

  /** Commits one event for a user directly on the bus: everything committed before it has reached the stream once it arrives. */
  async function fence(teamId: string, userId: string): Promise<string> {
    const marker = randomUUID();
    await database.db.transaction(async (tx) => {
      await app.events.record(tx, [{ teamId, audience: 'user', userId, type: 'session.updated', data: { session_id: marker } }]);
    });
    return marker;
  }

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    await seedDemoData(database.db);
    app = await buildApp({
      config: testConfig(),
      database,
      logger: false,
      jobs: { pollingIntervalSeconds: 0.5, backstopSeconds: 0.5 },
      events: { heartbeatMs: HEARTBEAT_MS },
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    port = (app.server.address() as AddressInfo).port;
    for (const role of ['admin', 'engineer', 'tech'] as const) {
      const demo = DEMO_LOGINS.find((l) => l.role === (role === 'tech' ? 'technician' : role))!;
      tokens[role] = await login(demo.email, demo.password);
      const me = await call<{ id: string; team_id: string }>('GET', '/auth/me', tokens[role]);
      ids[role] = me.id;
      ids.team = me.team_id;
    }
    await call('POST', '/auth/register', null, { email: 'boss@other-msp.test', password: 'another-team-password', full_name: 'Other Boss', team_name: 'Other MSP' }, 201);
    tokens.other = await login('boss@other-msp.test', 'another-team-password');
    const other = await call<{ id: string; team_id: string }>('GET', '/auth/me', tokens.other);
    ids.other = other.id;
    ids.otherTeam = other.team_id;
  }, 60_000);

  afterAll(async () => {
    for (const s of streams) s.close();
    await app?.close();
    await database?.close();
  });

  it('refuses a stream without authentication, with a bad token, or with an unknown, used or expired ticket', async () => {
    const none = await connect(port, '/api/v1/events');
    expect(none.status).toBe(401);
    const badToken = await connect(port, '/api/v1/events', { authorization: 'Bearer not-a-token' });
    expect(badToken.status).toBe(401);
    const unknown = await connect(port, '/api/v1/events?ticket=made-up-ticket');
    expect(unknown.status).toBe(401);
    expect(JSON.stringify((unknown as { body: unknown }).body)).toMatch(/unknown, used or expired/);
    // Only a signed-in user gets a ticket.
    expect((await app.inject({ method: 'POST', url: '/api/v1/events/ticket' })).statusCode).toBe(401);

    // A ticket opens one stream, for its user, once.
    const { ticket, expires_in } = await call<{ ticket: string; expires_in: number }>('POST', '/events/ticket', tokens.engineer, undefined, 201);
    expect(expires_in).toBeGreaterThan(0);
    const first = await open(`/api/v1/events?ticket=${encodeURIComponent(ticket)}`);
    expect(first.headers['content-type']).toMatch(/^text\/event-stream/);
    const marker = await fence(ids.team, ids.engineer);
    await first.waitFor((e) => e.data.session_id === marker);
    const again = await connect(port, `/api/v1/events?ticket=${encodeURIComponent(ticket)}`);
    expect(again.status).toBe(401);

    // An expired ticket is refused even unused.
    const expiring = await call<{ ticket: string }>('POST', '/events/ticket', tokens.engineer, undefined, 201);
    const hash = createHash('sha256').update(expiring.ticket).digest('hex');
    await database.db.execute(sql`update event_tickets set expires_at = now() - interval '1 second' where ticket_hash = ${hash}`);
    expect((await connect(port, `/api/v1/events?ticket=${encodeURIComponent(expiring.ticket)}`)).status).toBe(401);
  });

  it('refuses a ticket issued before its user signed out everywhere', async () => {
    await call('POST', '/users', tokens.admin, { email: `leaving.${kind}@flowpilot.test`, password: 'a-long-enough-password', full_name: 'Leaving', role: 'engineer' }, 201);
    const token = await login(`leaving.${kind}@flowpilot.test`, 'a-long-enough-password');
    const { ticket } = await call<{ ticket: string }>('POST', '/events/ticket', token, undefined, 201);
    // Token validity is counted in whole seconds: sign out in a later second than the ticket was issued.
    await new Promise((r) => setTimeout(r, 1100));
    await call('POST', '/auth/logout', token, { all_devices: true }, 204);
    const refused = await connect(port, `/api/v1/events?ticket=${encodeURIComponent(ticket)}`);
    expect(refused.status).toBe(401);
    expect(JSON.stringify((refused as { body: unknown }).body)).toMatch(/sign-in has ended/);
  });

  it('answers 400 for a Last-Event-ID that is not an event id', async () => {
    const header = await connect(port, '/api/v1/events', { authorization: `Bearer ${tokens.engineer}`, 'last-event-id': 'abc' });
    expect(header.status).toBe(400);
    expect(JSON.stringify((header as { body: unknown }).body)).toMatch(/Last-Event-ID/);
    const query = await connect(port, '/api/v1/events?last_event_id=abc', { authorization: `Bearer ${tokens.engineer}` });
    expect(query.status).toBe(400);
  });

  it('tells the engineers of an escalation and the technician of its pickup; never the technician staff events, never another team', async () => {
    const engineerStream = await streamOf(tokens.engineer);
    const adminStream = await streamOf(tokens.admin);
    const techStream = await streamOf(tokens.tech);
    const otherStream = await streamOf(tokens.other);

    const esc = await escalatedSession();
    const sessionId = esc.session.id;
    const queueCount = (await call<{ count: number }>('GET', '/escalations/count', tokens.engineer)).count;
    for (const [stream, userId] of [
      [engineerStream, ids.engineer],
      [adminStream, ids.admin],
    ] as const) {
      const note = await stream.waitFor((e) => e.type === 'notification.created' && e.data.session_id === sessionId);
      expect(note.data).toMatchObject({ type: 'escalation', session_id: sessionId });
      // The id is the bell item's: the client can fetch it.
      const [row] = await queryRows<{ user_id: string }>(database.db, sql`select user_id from notifications where id = ${note.data.notification_id as string}`);
      expect(row?.user_id).toBe(userId);
      const created = await stream.waitFor((e) => e.type === 'escalation.created' && e.data.session_id === sessionId);
      expect(created.data).toEqual({ session_id: sessionId, handoff_id: esc.handoff.id });
      const count = await stream.waitFor((e) => e.type === 'queue.count', 10_000, stream.events.indexOf(created));
      expect(count.data).toEqual({ count: queueCount });
    }

    const picked = await call<{ session: SessionResponse }>('POST', `/sessions/${sessionId}/pickup`, tokens.engineer);
    expect(picked.session.assigned_to_id).toBe(ids.engineer);
    const pickedUp = await techStream.waitFor((e) => e.type === 'escalation.picked_up' && e.data.session_id === sessionId);
    expect(pickedUp.data).toEqual({ session_id: sessionId, handoff_id: esc.handoff.id, by_user_id: ids.engineer, by_user_name: 'Sam Rivera' });
    const told = await techStream.waitFor((e) => e.type === 'notification.created' && e.data.session_id === sessionId);
    expect(told.data).toMatchObject({ type: 'picked_up' });
    const queueAfter = await engineerStream.waitFor((e) => e.type === 'queue.count' && e.data.count === queueCount - 1);
    expect(queueAfter).toBeTruthy();
    // The other engineers and admins see the pickup too (the queue changes for them).
    await adminStream.waitFor((e) => e.type === 'escalation.picked_up' && e.data.session_id === sessionId);

    // Everything committed so far has reached the streams once each one's fence arrives.
    const techFence = await fence(ids.team, ids.tech);
    await techStream.waitFor((e) => e.data.session_id === techFence);
    const otherFence = await fence(ids.otherTeam, ids.other);
    await otherStream.waitFor((e) => e.data.session_id === otherFence);

    const techTypes = techStream.events.filter((e) => e.data.session_id === sessionId).map((e) => e.type);
    expect(techTypes.sort()).toEqual(['escalation.picked_up', 'notification.created', 'session.updated', 'session.updated'].sort());
    expect(techStream.events.some((e) => e.type === 'escalation.created' || e.type === 'queue.count')).toBe(false);
    expect(otherStream.events.map((e) => e.data.session_id)).toEqual([otherFence]);
    // Ids only grow on each stream.
    for (const s of [engineerStream, adminStream, techStream]) {
      const list = s.events.map((e) => e.id);
      expect([...list].sort((a, b) => a - b)).toEqual(list);
      expect(new Set(list).size).toBe(list.length);
    }
  });

  it('sends heartbeats on an idle stream', async () => {
    const stream = await streamOf(tokens.engineer);
    expect(stream.retry).toBe(2000);
    await eventually('three heartbeats', () => stream.comments.length >= 3, 5_000);
    expect(stream.comments.slice(0, 3).map((c) => c.text)).toEqual([': keep-alive', ': keep-alive', ': keep-alive']);
    expect(stream.events).toEqual([]);
    expect(stream.ended).toBe(false);
  });

  it('ends the streams of a user who is deactivated or given another role, at the next heartbeat', async () => {
    const created = await call<{ id: string }>('POST', '/users', tokens.admin, { email: `leaver.${kind}@flowpilot.test`, password: 'a-long-enough-password', full_name: 'Leaver', role: 'engineer' }, 201);
    const promoted = await call<{ id: string }>('POST', '/users', tokens.admin, { email: `mover.${kind}@flowpilot.test`, password: 'a-long-enough-password', full_name: 'Mover', role: 'engineer' }, 201);
    const leaver = await streamOf(await login(`leaver.${kind}@flowpilot.test`, 'a-long-enough-password'));
    const moverToken = await login(`mover.${kind}@flowpilot.test`, 'a-long-enough-password');
    const mover = await streamOf(moverToken);
    const stays = await streamOf(tokens.engineer);
    await call('PATCH', `/users/${created.id}`, tokens.admin, { is_active: false });
    await call('PATCH', `/users/${promoted.id}`, tokens.admin, { role: 'technician' });
    await eventually('the deactivated and the demoted user’s streams to end', () => leaver.ended && mover.ended, 5_000);
    // A staff event after that reaches nobody who lost the right to it; the others go on.
    const esc = await escalatedSession('After the change');
    await stays.waitFor((e) => e.type === 'escalation.created' && e.data.session_id === esc.session.id);
    expect(leaver.events.some((e) => e.data.session_id === esc.session.id)).toBe(false);
    expect(mover.events.some((e) => e.data.session_id === esc.session.id)).toBe(false);
  });

  it('resumes with Last-Event-ID: exactly the events missed while away, in order, none twice', async () => {
    // A second stream of the same user stays connected throughout: it shows what there was to miss.
    const control = await streamOf(tokens.engineer);
    const first = await streamOf(tokens.engineer);
    const a = await escalatedSession('Resume A');
    const seen = await first.waitFor((e) => e.type === 'queue.count', 10_000, 0);
    await first.waitFor((e) => e.type === 'escalation.created' && e.data.session_id === a.session.id);
    const lastId = seen.id;
    first.close();
    await eventually('the server to drop the first stream', () => app.events.streamCount === streams.filter((s) => !s.ended).length);

    // While away: another escalation, and a pickup of the first.
    const b = await escalatedSession('Resume B');
    await call('POST', `/sessions/${a.session.id}/pickup`, tokens.admin);
    const lastMissed = await control.waitFor((e) => e.type === 'escalation.picked_up' && e.data.session_id === a.session.id);
    await control.waitFor((e) => e.type === 'queue.count', 10_000, control.events.indexOf(lastMissed));
    const missed = control.events.filter((e) => e.id > lastId);
    expect(missed.map((e) => e.type)).toEqual(
      expect.arrayContaining(['notification.created', 'escalation.created', 'queue.count', 'escalation.picked_up']),
    );
    expect(missed.some((e) => e.data.session_id === b.session.id)).toBe(true);

    const resumed = await streamOf(tokens.engineer, { 'last-event-id': String(lastId) });
    await eventually('the missed events to be replayed', () => resumed.events.length >= missed.length);
    expect(resumed.events).toEqual(missed);

    // Live events follow the replay, once each.
    const c = await escalatedSession('Resume C');
    await resumed.waitFor((e) => e.type === 'escalation.created' && e.data.session_id === c.session.id);
    const fenceId = await fence(ids.team, ids.engineer);
    await resumed.waitFor((e) => e.data.session_id === fenceId);
    await control.waitFor((e) => e.data.session_id === fenceId);
    expect(resumed.events).toEqual(control.events.filter((e) => e.id > lastId));
    const resumedIds = resumed.events.map((e) => e.id);
    expect(new Set(resumedIds).size).toBe(resumedIds.length);
    expect(resumedIds.every((id) => id > lastId)).toBe(true);

    // Browsers may give the id in the query instead; a ticket works with it.
    const { ticket } = await call<{ ticket: string }>('POST', '/events/ticket', tokens.engineer, undefined, 201);
    const viaQuery = await open(`/api/v1/events?ticket=${encodeURIComponent(ticket)}&last_event_id=${lastId}`);
    await eventually('the replay through the query', () => viaQuery.events.length >= resumed.events.length);
    expect(viaQuery.events.slice(0, resumed.events.length)).toEqual(resumed.events);
  });

  it('misses nothing committed after the stream answered 200', async () => {
    // Races the registration of a new stream against a commit made the moment its headers arrive.
    for (let i = 0; i < 400; i++) {
      const stream = await streamOf(tokens.engineer);
      const marker = await fence(ids.team, ids.engineer);
      await stream.waitFor((e) => e.data.session_id === marker, 5_000);
      stream.close();
    }
  });

  it('writes each event once when a stream resumes while events are being committed', async () => {
    let committing = true;
    const committer = (async () => {
      while (committing) {
        await fence(ids.team, ids.engineer);
        // PGlite answers on microtasks alone: let timers and sockets run between commits.
        await new Promise((r) => setImmediate(r));
      }
    })();
    try {
      for (let i = 0; i < 25; i++) {
        const [{ max }] = (await queryRows<{ max: number }>(database.db, sql`select coalesce(max(id), 0)::int as max from events`)) as [{ max: number }];
        const from = Math.max(0, max - 10);
        const stream = await streamOf(tokens.engineer, { 'last-event-id': String(from) });
        await stream.waitFor(() => stream.events.length >= 20);
        stream.close();
        const got = stream.events.map((e) => e.id);
        expect(new Set(got).size, 'no event twice').toBe(got.length);
        expect([...got].sort((a, b) => a - b), 'in order').toEqual(got);
        // And none left out: the stored events of the engineer in that range, exactly.
        const stored = (await app.events.eventsAfter({ id: ids.engineer, teamId: ids.team, staff: true }, from)).map((e) => e.id).filter((id) => id <= got.at(-1)!);
        expect(got).toEqual(stored);
      }
    } finally {
      committing = false;
      await committer;
    }
  });

  it('gives event ids in commit order: a transaction recording events waits for one that recorded before it to commit', async () => {
    let releaseFirst!: () => void;
    const firstHolds = new Promise<void>((r) => (releaseFirst = r));
    let firstRecorded!: () => void;
    const recorded = new Promise<void>((r) => (firstRecorded = r));
    const timeline: string[] = [];
    const first = database.db.transaction(async (tx) => {
      const [e] = await app.events.record(tx, [{ teamId: ids.team, audience: 'user', userId: ids.tech, type: 'session.updated', data: { session_id: randomUUID() } }]);
      firstRecorded();
      await firstHolds;
      timeline.push('first commits');
      return e!.id;
    });
    await recorded;
    const second = database.db.transaction(async (tx) => {
      const [e] = await app.events.record(tx, [{ teamId: ids.team, audience: 'user', userId: ids.tech, type: 'session.updated', data: { session_id: randomUUID() } }]);
      timeline.push('second recorded');
      return e!.id;
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(timeline).toEqual([]);
    releaseFirst();
    const [a, b] = await Promise.all([first, second]);
    expect(timeline).toEqual(['first commits', 'second recorded']);
    expect(b).toBeGreaterThan(a);
  });

  it('announces nothing for a change that rolled back', async () => {
    const stream = await streamOf(tokens.engineer);
    const rolledBack = randomUUID();
    const event: NewEvent = { teamId: ids.team, audience: 'user', userId: ids.engineer, type: 'session.updated', data: { session_id: rolledBack } };
    await expect(
      database.db.transaction(async (tx) => {
        await app.events.record(tx, [event, { teamId: ids.team, audience: 'staff', type: 'queue.count', data: { count: 4242 } }]);
        throw new Error('the change failed after its events were recorded');
      }),
    ).rejects.toThrow(/the change failed/);
    const committed = await fence(ids.team, ids.engineer);
    await stream.waitFor((e) => e.data.session_id === committed);
    expect(stream.events.map((e) => e.data.session_id)).toEqual([committed]);
    expect(stream.events.some((e) => e.type === 'queue.count')).toBe(false);
    // Nor is it stored for a later replay.
    const stored = await queryRows<{ n: number }>(database.db, sql`select count(*)::int as n from events where data->>'session_id' = ${rolledBack} or (data->>'count') = '4242'`);
    expect(stored[0]!.n).toBe(0);
  });
});
