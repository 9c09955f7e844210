import type { ServerResponse } from 'node:http';
import { and, asc, eq, gt, inArray, lt, or, sql } from 'drizzle-orm';
import pg from 'pg';
import type { EventData, EventType } from '@flowpilot/contracts';
import type { Database, Db } from '../db/client.ts';
import { events, eventTickets, users } from '../db/schema/index.ts';

/** The PostgreSQL channel every process LISTENs on. */
export const EVENTS_CHANNEL = 'flowpilot_events';

/** The advisory lock that puts event ids in commit order (an arbitrary constant of FlowPilot's). */
const EVENTS_LOCK_KEY = 7_146_025_511;

/** NOTIFY payloads must stay under 8,000 bytes; events are split over several notifications below this. */
const NOTIFY_LIMIT = 7_500;

/** Streams written per turn of the event loop when an announcement goes to many. */
const FLUSH_SLICE = 500;

/** How long a stream remembers the ids it replayed, to drop their announcements should they arrive after the replay. */
const REPLAYED_MEMORY_MS = 60_000;

/** A live event to store and send: to one user, or to every engineer and admin of the team. */
export type NewEvent = {
  [T in EventType]: { teamId: string; type: T; data: EventData[T] } & ({ audience: 'user'; userId: string } | { audience: 'staff' });
}[EventType];

/** An event as stored, with the id a client resumes from. */
export interface StoredEvent {
  id: number;
  team_id: string;
  audience: 'user' | 'staff';
  user_id: string | null;
  type: string;
  data: Record<string, unknown>;
}

/** One open event stream. */
interface Stream {
  userId: string;
  teamId: string;
  staff: boolean;
  res: ServerResponse;
  /** The last event id written to this stream. */
  lastId: number;
  /** While the stream replays stored events, live ones wait here. */
  pending: StoredEvent[] | null;
  /** When it was opened (ms): a sign-out everywhere after this ends it. */
  openedAt: number;
  /** Ids the last replay read from the table whose announcement may still arrive: not written twice. */
  replayed: Set<number> | null;
}

interface Log {
  info: (obj: object, msg: string) => void;
  warn: (obj: object, msg: string) => void;
  error: (obj: object, msg: string) => void;
}

export interface EventBusOptions {
  log: Log;
  /** Comment lines keep proxies and browsers from closing an idle stream. */
  heartbeatMs?: number;
  /** Stored events older than this are deleted; a stream resuming from further back misses them. */
  retentionMs?: number;
  /** A stream whose client reads nothing while this much waits unsent is closed (it resumes on reconnect). */
  maxBufferedBytes?: number;
  /** Open streams one user may hold in this process; opening one more closes their oldest. */
  maxStreamsPerUser?: number;
}

/** Announcements that are not stored carry this id: they have no place in a resume. */
const TRANSIENT_ID = 0;

/** How an event is written on the wire: one string per event, shared by every stream it goes to. */
function frame(event: StoredEvent): string {
  // An unstored event has no id line: the browser's Last-Event-ID stays at the last stored one.
  const id = event.id === TRANSIENT_ID ? '' : `id: ${event.id}\n`;
  return `${id}event: ${event.type}\ndata: ${JSON.stringify(event.data)}\n\n`;
}

/**
 * Live events. An event is stored in the transaction that causes it and
 * announced there with `pg_notify`, which PostgreSQL (and PGlite) deliver
 * only when that transaction commits: a rolled-back change announces
 * nothing, a committed one reaches every process listening, and the process
 * that holds the user's stream writes it. Stored events let a stream that
 * reconnects replay what it missed (`Last-Event-ID`).
 */
export class EventBus {
  readonly #database: Database;
  readonly #log: Log;
  readonly #heartbeatMs: number;
  readonly #retentionMs: number;
  readonly #maxBuffered: number;
  readonly #maxPerUser: number;
  readonly #byUser = new Map<string, Set<Stream>>();
  readonly #staffByTeam = new Map<string, Set<Stream>>();
  #count = 0;
  #listener: pg.Client | null = null;
  #unlisten: (() => Promise<void>) | null = null;
  #timers: NodeJS.Timeout[] = [];
  #stopped = false;
  /** Announcements (not stored) waiting for the end of this turn of the event loop. */
  readonly #unsent: StoredEvent[] = [];
  /** Called with each event this process receives (tests and benchmarks watch it). */
  onReceive: ((event: StoredEvent) => void) | null = null;

  constructor(database: Database, options: EventBusOptions) {
    this.#database = database;
    this.#log = options.log;
    this.#heartbeatMs = options.heartbeatMs ?? 20_000;
    this.#retentionMs = options.retentionMs ?? 24 * 3600_000;
    this.#maxBuffered = options.maxBufferedBytes ?? 256 * 1024;
    this.#maxPerUser = options.maxStreamsPerUser ?? 1000;
  }

  /** Open streams in this process. */
  get streamCount(): number {
    return this.#count;
  }

  /** Starts listening for events from every process, and the heartbeat and clean-up timers. */
  async start(): Promise<void> {
    await this.#listen();
    this.#timers.push(setInterval(() => this.#heartbeat(), this.#heartbeatMs).unref());
    const clean = () => void this.#cleanUp().catch((err: unknown) => this.#log.warn({ err: { message: String(err) } }, 'could not delete old events'));
    this.#timers.push(setInterval(clean, 3600_000).unref());
    clean();
  }

  async #listen(): Promise<void> {
    if (this.#database.kind === 'pglite') {
      this.#unlisten = await this.#database.pglite!.listen(EVENTS_CHANNEL, (payload) => this.#received(payload));
      return;
    }
    // keepAlive: a connection that silently went away is noticed, and replaced.
    const client = new pg.Client({ connectionString: this.#database.url, application_name: 'flowpilot-events', keepAlive: true, keepAliveInitialDelayMillis: 10_000 });
    client.on('notification', (msg) => {
      if (msg.channel === EVENTS_CHANNEL && msg.payload) this.#received(msg.payload);
    });
    client.on('error', (err) => {
      this.#log.warn({ err: { message: err.message } }, 'the live events connection failed; reconnecting');
      void client.end().catch(() => {});
      if (this.#listener === client) this.#listener = null;
      this.#reconnect(1);
    });
    await client.connect();
    await client.query(`listen ${EVENTS_CHANNEL}`);
    this.#listener = client;
  }

  /** After the listening connection came back, streams replay what was announced while it was down. */
  #reconnect(attempt: number): void {
    if (this.#stopped) return;
    const delay = Math.min(10_000, 250 * 2 ** attempt);
    setTimeout(() => {
      if (this.#stopped) return;
      this.#listen()
        .then(() => this.#catchUpAll())
        .catch((err: unknown) => {
          this.#log.warn({ err: { message: String(err) }, attempt }, 'could not reconnect the live events connection');
          this.#reconnect(attempt + 1);
        });
    }, delay).unref();
  }

  async #catchUpAll(): Promise<void> {
    const all = new Set<Stream>();
    for (const set of this.#byUser.values()) for (const s of set) all.add(s);
    // Every stream holds its live events back before any replays: one still waiting its turn must not
    // write a new event first and so move its resume point past the ones it missed.
    for (const s of all) s.pending ??= [];
    for (const s of all) await this.#replay(s, true).catch(() => this.#end(s));
  }

  /**
   * Stores events and announces them on commit of `tx`. Returns them as stored.
   * Call it last in the transaction: other event-recording transactions wait from here to its commit.
   */
  async record(tx: Db, list: NewEvent[]): Promise<StoredEvent[]> {
    if (list.length === 0) return [];
    // Event ids in commit order: transactions that record events take turns from here to their
    // commit (call this last), so an id is never committed after a higher one, and a client that
    // resumes after the last id it saw cannot miss an event committed later with a lower one.
    await tx.execute(sql`select pg_advisory_xact_lock(${EVENTS_LOCK_KEY})`);
    const rows = (await tx
      .insert(events)
      .values(
        list.map((e) => ({
          team_id: e.teamId,
          audience: e.audience,
          user_id: e.audience === 'user' ? e.userId : null,
          type: e.type,
          data: e.data as Record<string, unknown>,
        })),
      )
      .returning({ id: events.id, team_id: events.team_id, audience: events.audience, user_id: events.user_id, type: events.type, data: events.data })) as StoredEvent[];
    let chunk: StoredEvent[] = [];
    let size = 2;
    const flush = async () => {
      if (chunk.length) await tx.execute(sql`select pg_notify(${EVENTS_CHANNEL}, ${JSON.stringify(chunk)})`);
      chunk = [];
      size = 2;
    };
    for (const row of rows) {
      const length = Buffer.byteLength(JSON.stringify(row)) + 1;
      if (size + length > NOTIFY_LIMIT) await flush();
      if (length + 2 > NOTIFY_LIMIT) {
        // Too big to announce: the streams concerned replay it from the table.
        await tx.execute(sql`select pg_notify(${EVENTS_CHANNEL}, ${JSON.stringify([{ ...row, data: null }])})`);
        continue;
      }
      chunk.push(row);
      size += length;
    }
    await flush();
    return rows;
  }

  /**
   * Announces events without storing them, for hints a client that was away
   * loses nothing by missing (it refetches on reconnect): "this session
   * changed", after every step. Call it after the change committed; the
   * announcements of one turn of the event loop go out as one notification.
   */
  announce(list: NewEvent[]): void {
    if (this.#stopped || list.length === 0) return;
    const first = this.#unsent.length === 0;
    for (const e of list) {
      this.#unsent.push({ id: TRANSIENT_ID, team_id: e.teamId, audience: e.audience, user_id: e.audience === 'user' ? e.userId : null, type: e.type, data: e.data as Record<string, unknown> });
    }
    if (first) setImmediate(() => void this.#sendAnnouncements());
  }

  async #sendAnnouncements(): Promise<void> {
    const all = this.#unsent.splice(0);
    const chunks: StoredEvent[][] = [[]];
    let size = 2;
    for (const e of all) {
      const length = Buffer.byteLength(JSON.stringify(e)) + 1;
      if (size + length > NOTIFY_LIMIT && chunks.at(-1)!.length) {
        chunks.push([]);
        size = 2;
      }
      chunks.at(-1)!.push(e);
      size += length;
    }
    for (const chunk of chunks) {
      if (chunk.length === 0) continue;
      await this.#database.db
        .execute(sql`select pg_notify(${EVENTS_CHANNEL}, ${JSON.stringify(chunk)})`)
        .catch((err: unknown) => this.#log.warn({ err: { message: String(err) } }, 'could not announce a live event'));
    }
  }

  #received(payload: string): void {
    let list: (StoredEvent & { data: Record<string, unknown> | null })[];
    try {
      list = JSON.parse(payload);
    } catch {
      return;
    }
    // Everything one announcement holds for a stream goes out in one write: a handoff's
    // notification, escalation and queue count are one system call per stream, not three.
    const batch = new Map<Stream, string>();
    for (const event of list) {
      if (event.data === null) {
        for (const s of this.#audience(event)) void this.#replay(s).catch(() => this.#end(s));
        continue;
      }
      this.onReceive?.(event);
      const text = frame(event);
      for (const s of this.#audience(event)) {
        if (event.id === TRANSIENT_ID) {
          // Not stored, so nothing to order or replay; one copy per stream (a user may be named twice).
          const sofar = batch.get(s) ?? '';
          if (!sofar.includes(text)) batch.set(s, sofar + text);
        } else if (this.#accept(s, event)) batch.set(s, (batch.get(s) ?? '') + text);
      }
    }
    this.#flush([...batch]);
  }

  /**
   * Writes a slice of streams now and the rest on later turns of the event
   * loop, so thousands of streams never hold up the requests this process serves.
   */
  #flush(writes: [Stream, string][], from = 0): void {
    const end = Math.min(writes.length, from + FLUSH_SLICE);
    for (let i = from; i < end; i++) this.#write(writes[i]![0], writes[i]![1]);
    if (end < writes.length) setImmediate(() => this.#flush(writes, end));
  }

  #audience(event: StoredEvent): Iterable<Stream> {
    if (event.audience === 'user') return event.user_id ? (this.#byUser.get(event.user_id) ?? []) : [];
    return this.#staffByTeam.get(event.team_id) ?? [];
  }

  /** Whether a live event is to be written to the stream now (false: it waits for a replay to end, or the replay wrote it). */
  #accept(stream: Stream, event: StoredEvent): boolean {
    if (stream.pending) {
      stream.pending.push(event);
      return false;
    }
    // A replay can read a committed event before its announcement reaches this process.
    if (stream.replayed?.delete(event.id)) return false;
    // Transactions may commit out of id order: a live event is written whatever its id.
    if (event.id > stream.lastId) stream.lastId = event.id;
    return true;
  }

  #deliver(stream: Stream, event: StoredEvent): void {
    if (this.#accept(stream, event)) this.#write(stream, frame(event));
  }

  #write(stream: Stream, text: string): void {
    if (stream.res.writableEnded || stream.res.destroyed) return;
    stream.res.write(text);
    if (stream.res.writableLength > this.#maxBuffered) {
      this.#log.warn({ userId: stream.userId }, 'an event stream is not reading; closing it (it resumes on reconnect)');
      this.#end(stream);
    }
  }

  #heartbeat(): void {
    for (const set of this.#byUser.values()) for (const s of set) if (!s.pending) this.#write(s, ': keep-alive\n\n');
    void this.#recheckUsers().catch((err: unknown) => this.#log.warn({ err: { message: String(err) } }, 'could not re-check the users of event streams'));
  }

  /**
   * Ends the streams of users who were deactivated, signed out everywhere or
   * given another role since they opened them: their client reconnects, and is
   * refused or gets what the new role may see.
   */
  async #recheckUsers(): Promise<void> {
    const ids = [...this.#byUser.keys()];
    if (ids.length === 0) return;
    const rows = await this.#database.db
      .select({ id: users.id, role: users.role, is_active: users.is_active, tokens_valid_after: users.tokens_valid_after })
      .from(users)
      .where(inArray(users.id, ids));
    const byId = new Map(rows.map((r) => [r.id, r]));
    for (const id of ids) {
      const u = byId.get(id);
      for (const s of [...(this.#byUser.get(id) ?? [])]) {
        const revoked = u?.tokens_valid_after && u.tokens_valid_after.getTime() > s.openedAt;
        if (!u || !u.is_active || revoked || (u.role !== 'technician') !== s.staff) this.#end(s);
      }
    }
  }

  /** Stored events this user should see after `afterId`, oldest first. */
  async eventsAfter(user: { id: string; teamId: string; staff: boolean }, afterId: number, limit = 1000): Promise<StoredEvent[]> {
    const mine = eq(events.user_id, user.id);
    const who = user.staff ? or(mine, and(eq(events.team_id, user.teamId), eq(events.audience, 'staff'))) : mine;
    return (await this.#database.db
      .select({ id: events.id, team_id: events.team_id, audience: events.audience, user_id: events.user_id, type: events.type, data: events.data })
      .from(events)
      .where(and(gt(events.id, afterId), who))
      .orderBy(asc(events.id))
      .limit(limit)) as StoredEvent[];
  }

  /** Writes what the stream missed since its last id, then what arrived meanwhile. */
  async #replay(stream: Stream, held = false): Promise<void> {
    // `held`: the caller already holds the stream's live events back (catch-up after a lost listener).
    if (stream.pending && !held) return;
    stream.pending ??= [];
    const replayed = new Set<number>();
    try {
      for (;;) {
        if (stream.res.destroyed) break;
        const missed = await this.eventsAfter({ id: stream.userId, teamId: stream.teamId, staff: stream.staff }, stream.lastId);
        for (const e of missed) {
          stream.lastId = e.id;
          replayed.add(e.id);
          this.#write(stream, frame(e));
        }
        if (missed.length < 1000) break;
      }
    } finally {
      const waiting = stream.pending;
      stream.pending = null;
      for (const e of waiting ?? []) if (!replayed.delete(e.id)) this.#deliver(stream, e);
      if (replayed.size > 0) {
        for (const id of stream.replayed ?? []) replayed.add(id);
        stream.replayed = replayed;
        setTimeout(() => {
          if (stream.replayed === replayed) stream.replayed = null;
        }, REPLAYED_MEMORY_MS).unref();
      }
    }
  }

  /**
   * Takes over a hijacked response as an event stream: headers, the retry
   * hint, then (given a last id) every stored event after it, then live
   * events as they come. Ends when the client goes away.
   */
  async open(res: ServerResponse, user: { id: string; teamId: string; staff: boolean }, lastEventId: number | null): Promise<void> {
    const stream: Stream = { userId: user.id, teamId: user.teamId, staff: user.staff, res, lastId: lastEventId ?? 0, pending: null, replayed: null, openedAt: Date.now() };
    if (lastEventId === null) {
      // A new client loads the current state itself; from here on it misses nothing.
      const [latest] = await this.#database.db.select({ id: sql<number>`coalesce(max(${events.id}), 0)::int8` }).from(events);
      stream.lastId = Number(latest?.id ?? 0);
    }
    // The client hears 200 only once the stream is registered: nothing committed after that is missed.
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write('retry: 2000\n\n');
    this.#add(stream);
    res.on('close', () => this.#remove(stream));
    // Gone while the query ran: 'close' has fired already.
    if (res.destroyed) this.#remove(stream);
    if (lastEventId !== null) await this.#replay(stream);
  }

  #add(stream: Stream): void {
    let mine = this.#byUser.get(stream.userId);
    if (!mine) this.#byUser.set(stream.userId, (mine = new Set()));
    // One user's tabs and devices, within reason: past the cap the oldest stream makes way.
    if (mine.size >= this.#maxPerUser) {
      const oldest = mine.values().next().value;
      if (oldest) this.#end(oldest);
    }
    mine.add(stream);
    if (stream.staff) {
      let team = this.#staffByTeam.get(stream.teamId);
      if (!team) this.#staffByTeam.set(stream.teamId, (team = new Set()));
      team.add(stream);
    }
    this.#count++;
  }

  #remove(stream: Stream): void {
    const mine = this.#byUser.get(stream.userId);
    if (!mine?.delete(stream)) return;
    if (mine.size === 0) this.#byUser.delete(stream.userId);
    const team = this.#staffByTeam.get(stream.teamId);
    team?.delete(stream);
    if (team?.size === 0) this.#staffByTeam.delete(stream.teamId);
    this.#count--;
  }

  #end(stream: Stream): void {
    this.#remove(stream);
    stream.res.destroy();
  }

  async #cleanUp(): Promise<void> {
    await this.#database.db.delete(events).where(lt(events.created_at, new Date(Date.now() - this.#retentionMs)));
    // Event tickets live a minute: spent and expired ones are of no use to anyone.
    await this.#database.db.delete(eventTickets).where(lt(eventTickets.expires_at, new Date(Date.now() - 60_000)));
  }

  /** Ends every stream (clients reconnect elsewhere) and stops listening. */
  async stop(): Promise<void> {
    this.#stopped = true;
    for (const t of this.#timers) clearInterval(t);
    const all = new Set<Stream>();
    for (const set of this.#byUser.values()) for (const s of set) all.add(s);
    for (const s of all) this.#end(s);
    if (this.#unlisten) await this.#unlisten().catch(() => {});
    const listener = this.#listener;
    this.#listener = null;
    if (listener) await listener.end().catch(() => {});
  }
}
