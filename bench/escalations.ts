/**
 * Escalations and live events: a scenario process of its own, run by
 * bench/run.ts after the job-queue scenarios (or alone). It starts FlowPilot
 * (server/src/server.ts, with the demo data) pinned to core 0 on a fresh
 * PostgreSQL database, and drives it from this process on core 1.
 *
 *   node --import tsx bench/escalations.ts      (from the repository root;
 *   BENCH_DURATION=5 for a quicker trial)
 *
 * It writes bench/results/escalate-latency.json, live-delivery-1000.json,
 * live-delivery-5000.json and stream-memory.json and prints the whole result
 * as one line of JSON last (run.ts reads that line). Alone, it also replaces
 * (or appends) the "## Escalations and live events" section of
 * bench/results/summary.md; from run.ts (BENCH_ESCALATIONS_FROM_RUN set)
 * run.ts writes the summary. It exits with 2 when a correctness check failed
 * (a stream missed an event or was dropped, an escalation was refused, emails
 * went missing): the results are still written and say why.
 *
 * Set-up: the demo team plus 8 engineers inserted directly in the database
 * (the demo engineer's password hash, same team), so an escalation to the
 * team's queue has exactly 10 recipients: the admin, the demo engineer and
 * the 8. Access tokens are minted with the server's `AccessTokens` and the
 * JWT_SECRET instead of logging in thousands of times (sign() sets iat to
 * now; the guard wants the user active in that team and iat not before
 * tokens_valid_after). Sessions are started through the API as the demo
 * technician.
 *
 * - escalate-latency: POST /api/v1/sessions/{id}/handoff {intent: 'escalate'}
 *   as the technician, each on a different active session, evenly paced
 *   (open loop) at BENCH_ESCALATE_RATE/s (default 20) for BENCH_DURATION s
 *   (default 10) after a 2 s warm-up, no stream open. The 10 emails of each
 *   escalation are written to the outbox (DATA_DIR, a temporary folder) by
 *   the server's own delivery workers while the load runs, as in production;
 *   the scenario then waits until every one of them is written.
 * - live-delivery-1000, live-delivery-5000: 1,000 (then 5,000 in all) SSE
 *   streams on GET /api/v1/events spread over the 10 staff users (one token
 *   and one socket each), then 20 escalations one at a time (≥ 300 ms apart,
 *   after one unmeasured that also shows every stream is registered) and,
 *   for each, the time until the LAST stream received its
 *   `escalation.created` frame, from the escalate response (clamped at 0: a
 *   stream may get the event before the response arrives) and from the
 *   request. The goal is judged on the first as asked, and reported on the
 *   second too (goal_from_request): the server writes the frames to every
 *   stream before it sends the escalate response, so with many streams the
 *   response itself is late and the clamped figure hides it. Every stream
 *   must receive every event.
 * - stream-memory: the server's RSS (/proc/<pid>/status VmRSS) and heap
 *   (GET /metrics) before any stream and with 1,000 and 5,000 open; bytes per
 *   stream = Δ / streams. Each reading follows a full garbage collection
 *   asked of the server's inspector (opened by SIGUSR1 only then; the server
 *   is started with --inspect-port=127.0.0.1:0 so it picks a free port). The
 *   5,000 are then held until each one has received another heartbeat (the
 *   server sends one every 20 s): none may be dropped.
 *
 * Each result also says where the time went: the server's CPU time per
 * escalation (/proc/<pid>/stat), its longest event-loop delay (GET /metrics)
 * and, for the streams, this process's own time reading them.
 *
 * Settings: BENCH_DATABASE_URL (as for run.ts), BENCH_DURATION,
 * BENCH_ESCALATE_RATE, BENCH_SERVER_NODE_ARGS (extra node flags for the
 * server, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" to profile it),
 * BENCH_ESCALATION_EMAILS=off (diagnostic: the team's escalation emails
 * off, to see the escalate call without the deliveries it causes; the
 * results say so).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import type { HandoffResponse, SessionResponse } from '@flowpilot/contracts';
import { MAPPED_DRIVE_MISSING_TREE_ID } from '../server/src/db/demo-trees/ids.ts';
import { percentile, root, round, startProcess, stop, twoCores } from './support.ts';
import { AccessTokens } from '../server/src/lib/tokens.ts';

const resultsDir = path.join(root, 'bench', 'results');
const adminUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const duration = Number(process.env.BENCH_DURATION ?? 10);
const RATE = Number(process.env.BENCH_ESCALATE_RATE ?? 20);
const WARMUP_S = 2;
const JWT_SECRET = 'bench-secret-bench-secret-bench-secret-0123';
const PORT = 18_402;
const DB_NAME = 'flowpilot_bench_escalations';
const EXTRA_ENGINEERS = 8;
const RECIPIENTS = 10;
const STREAM_STEPS = [1000, 5000] as const;
const LIVE_ESCALATIONS = 20;
const LIVE_GAP_MS = 300;
const OPEN_CONCURRENCY = 100;
/** The server's heartbeat interval (EventBus default). */
const HEARTBEAT_MS = 20_000;
const DELIVERY_TIMEOUT_MS = 10_000;
/** BENCH_ESCALATION_EMAILS=off turns the team's escalation emails off (a diagnostic: the escalate call without the deliveries it causes). */
const EMAILS = process.env.BENCH_ESCALATION_EMAILS !== 'off';
const REASON = 'Bench: the mapped drive is still missing after every check';
const tsx = import.meta.resolve('tsx');
/** Extra node flags for the server, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile it. */
const SERVER_NODE_ARGS = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);


export interface EscalateLatencyResult {
  name: 'escalate-latency';
  description: string;
  target_rate: number;
  duration_s: number;
  requests: number;
  requests_per_s: number;
  p50_ms: number;
  p95_ms: number;
  p99_ms: number;
  max_ms: number;
  non_2xx: number;
  errors: number;
  recipients: number;
  /** Emails expected (10 per accepted escalation, warm-up included) and written to the outbox. */
  emails_expected: number;
  emails_written: number;
  /** From the last escalate answer to the last email written. */
  emails_drained_s: number;
  /** Server CPU time (user + system) per accepted escalation, its 10 emails included (the measured load and the drain after it). */
  server_cpu_ms_per_escalation: number;
  /** Share of one core the server used during the measured load. */
  server_core_busy: number;
  /** The server's longest event-loop delay during the measured load (prom-client, 10 ms resolution). */
  server_loop_lag_max_ms: number | null;
  goal: { text: string; met: boolean };
}

export interface LiveDeliveryResult {
  name: string;
  description: string;
  streams: number;
  users: number;
  escalations: number;
  /** Escalate response → the last stream has the frame, clamped at 0. */
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
  /** Escalate request sent → the last stream has the frame. */
  from_request_p50_ms: number;
  from_request_p99_ms: number;
  from_request_max_ms: number;
  /** Escalate request → response (the escalate call itself, with streams open). */
  escalate_p50_ms: number;
  escalate_max_ms: number;
  /** Escalate request → the first stream has the frame. */
  first_stream_p50_ms: number;
  /** Escalations whose every stream had the frame before the response arrived (clamped to 0). */
  delivered_before_response: number;
  /** Stream × escalation pairs that never got the frame (measured ones plus the warm-up); any is a failure. */
  misses: number;
  duplicates: number;
  /** Server CPU time per measured escalation (writing the frames to every stream included), and its longest event-loop delay meanwhile. */
  server_cpu_ms_per_escalation: number;
  server_loop_lag_max_ms: number | null;
  /** Time this (load) process spent reading and parsing stream data, per measured escalation. */
  client_ms_per_escalation: number;
  samples: { request_ms: number; from_request_ms: number; from_response_ms: number; first_ms: number }[];
  goal: { text: string; met: boolean };
  /**
   * The same limit from the escalate request: the response itself waits while
   * the server writes the frames to every stream, so clamped at 0 the time from
   * the response can hide the delay.
   */
  goal_from_request: { text: string; met: boolean };
}

export interface StreamMemoryResult {
  name: 'stream-memory';
  description: string;
  rss_before_bytes: number;
  rss_1000_bytes: number;
  rss_5000_bytes: number;
  rss_5000_after_hold_bytes: number;
  heap_used_5000_after_hold_bytes: number | null;
  /** Δ RSS / streams from no stream. */
  bytes_per_stream_1000: number;
  bytes_per_stream_5000: number;
  /** Δ RSS / streams from 1,000 to 5,000 (free of whatever the baseline still held). */
  bytes_per_stream_1000_to_5000: number;
  /** What the goal is judged on: the larger of the RSS and heap figures at 5,000 (RSS can understate when the baseline held freed pages). */
  judged_bytes_per_stream: number;
  heap_used_before_bytes: number | null;
  heap_used_1000_bytes: number | null;
  heap_used_5000_bytes: number | null;
  heap_bytes_per_stream_1000: number | null;
  heap_bytes_per_stream_5000: number | null;
  metrics_rss_5000_bytes: number | null;
  server_fds_5000: number;
  streams_held: number;
  streams_dropped: number;
  /** Each stream's heartbeats at the end (the 1,000 first ones had more time). */
  heartbeats_min: number;
  /** How long all 5,000 were open, up to the last check. */
  held_s: number;
  /** Server log lines saying a stream was closed for not reading. */
  server_closed_slow: number;
  goal: { text: string; met: boolean };
}

export interface EscalationsResult {
  escalate: EscalateLatencyResult;
  live: LiveDeliveryResult[];
  memory: StreamMemoryResult;
  /** Correctness failures: any makes the run a failure. */
  failures: string[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function adminQuery(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/** The server's resident memory now, from /proc (kB there). */
function rssOf(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'));
  if (!line) throw new Error(`no VmRSS for process ${pid}`);
  return Number(/(\d+)/.exec(line)![1]) * 1024;
}

async function metricsOf(appUrl: string): Promise<{ rss: number | null; heapUsed: number | null }> {
  try {
    const text = await (await fetch(`${appUrl}/metrics`)).text();
    const read = (name: string) => {
      const m = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+]+)$`, 'm').exec(text);
      return m ? Number(m[1]) : null;
    };
    return { rss: read('flowpilot_process_resident_memory_bytes'), heapUsed: read('flowpilot_nodejs_heap_size_used_bytes') };
  } catch {
    return { rss: null, heapUsed: null };
  }
}

/**
 * The smallest client of the Chrome DevTools protocol over a WebSocket (no
 * dependency): enough to ask the server's inspector for a full garbage
 * collection, so that memory readings are of live data, not of whatever
 * garbage the last scenario left.
 */
async function collectGarbage(wsUrl: string, times = 2): Promise<void> {
  const url = new URL(wsUrl);
  const socket = net.connect(Number(url.port), url.hostname);
  await once(socket, 'connect');
  socket.write(
    `GET ${url.pathname} HTTP/1.1\r\nHost: ${url.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  );
  let buf = Buffer.alloc(0);
  let upgraded = false;
  const answers: number[] = [];
  let failed: Error | null = null;
  let wake = () => {};
  socket.on('close', () => {
    failed ??= new Error('the inspector closed the WebSocket');
    wake();
  });
  socket.on('data', (chunk: Buffer) => {
    buf = Buffer.concat([buf, chunk]);
    if (!upgraded) {
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      if (!/^HTTP\/1\.1 101/.test(buf.subarray(0, end).toString())) {
        failed = new Error(`the inspector refused the WebSocket: ${buf.toString().slice(0, 200)}`);
        socket.destroy();
        return wake();
      }
      upgraded = true;
      buf = buf.subarray(end + 4);
    }
    // Server frames are unmasked; CDP answers come whole (no fragments).
    for (;;) {
      if (buf.length < 2) break;
      let len = buf[1]! & 0x7f;
      let at = 2;
      if (len === 126) [len, at] = buf.length < 4 ? [Infinity, 4] : [buf.readUInt16BE(2), 4];
      else if (len === 127) [len, at] = buf.length < 10 ? [Infinity, 10] : [Number(buf.readBigUInt64BE(2)), 10];
      if (buf.length < at + len) break;
      const message = JSON.parse(buf.subarray(at, at + len).toString()) as { id?: number };
      buf = buf.subarray(at + len);
      if (message.id !== undefined) answers.push(message.id);
    }
    wake();
  });
  const send = (payload: object) => {
    const data = Buffer.from(JSON.stringify(payload));
    const mask = randomBytes(4);
    const header = data.length < 126 ? Buffer.from([0x81, 0x80 | data.length]) : Buffer.from([0x81, 0x80 | 126, data.length >> 8, data.length & 0xff]);
    socket.write(Buffer.concat([header, mask, Buffer.from(data.map((b, i) => b ^ mask[i % 4]!))]));
  };
  const waitFor = async (done: () => boolean, what: string) => {
    const deadline = Date.now() + 30_000;
    while (!done()) {
      if (failed) throw failed;
      if (Date.now() > deadline) throw new Error(`the inspector did not ${what} within 30 s`);
      await new Promise<void>((r) => {
        wake = r;
        setTimeout(r, 100);
      });
    }
  };
  try {
    // Frames sent before the upgrade is answered may be read with the request and dropped.
    await waitFor(() => upgraded, 'accept the WebSocket');
    for (let id = 1; id <= times; id++) {
      send({ id, method: 'HeapProfiler.collectGarbage' });
      await waitFor(() => answers.includes(id), 'answer HeapProfiler.collectGarbage');
    }
  } finally {
    socket.destroy();
  }
}

/**
 * The server's memory: after `settleMs`, full garbage collections through its
 * inspector (opened with SIGUSR1 on the first call, on the port given by
 * --inspect-port=0) a second apart until RSS holds still (V8 and malloc hand
 * freed pages back late, so one reading right after a collection can carry
 * the last scenario's garbage), then the median of three RSS readings and the
 * heap from /metrics.
 */
async function memoryOf(server: Server, settleMs = 1000): Promise<Memory> {
  await sleep(settleMs);
  if (!server.inspector) {
    const before = server.output().length;
    process.kill(server.pid, 'SIGUSR1');
    const deadline = Date.now() + 10_000;
    let m: RegExpExecArray | null = null;
    while (!(m = /Debugger listening on (ws:\/\/\S+)\r?\n/.exec(server.output().slice(before))) && Date.now() < deadline) await sleep(50);
    if (!m) throw new Error(`the server's inspector did not start:\n${server.output().slice(before)}`);
    server.inspector = m[1]!;
  }
  let last = Infinity;
  for (let round = 0; round < 15; round++) {
    await collectGarbage(server.inspector);
    await sleep(1000);
    const rss = rssOf(server.pid);
    if (Math.abs(rss - last) < 512 * 1024) break;
    last = rss;
  }
  const readings: number[] = [];
  for (let i = 0; i < 3; i++) {
    readings.push(rssOf(server.pid));
    await sleep(200);
  }
  readings.sort((a, b) => a - b);
  const m = await metricsOf(server.url);
  return { rss: readings[1]!, heapUsed: m.heapUsed, metricsRss: m.rss };
}

interface Memory {
  rss: number;
  heapUsed: number | null;
  metricsRss: number | null;
}

interface Server {
  pid: number;
  url: string;
  output: () => string;
  /** The inspector's WebSocket, once opened. */
  inspector?: string;
}

const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/** CPU time (user + system) the process has used, in ms, from /proc/<pid>/stat. */
function cpuMsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 and 15 of stat (utime, stime); after the command name they are the 12th and 13th.
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
}

/** The server's longest event-loop delay since the last read (prom-client resets it at each scrape of /metrics). */
async function loopLagMaxMs(appUrl: string): Promise<number | null> {
  try {
    const text = await (await fetch(`${appUrl}/metrics`)).text();
    const m = /^flowpilot_nodejs_eventloop_lag_max_seconds ([0-9.e+-]+)$/m.exec(text);
    return m ? round(Number(m[1]) * 1000) : null;
  } catch {
    return null;
  }
}

const outboxCount = (dir: string) => (existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.eml')).length : 0);

// ---------------------------------------------------------------------------
// SSE streams

interface Stream {
  index: number;
  userId: string;
  req: http.ClientRequest;
  carry: string;
  connected: boolean;
  closed: boolean;
  heartbeats: number;
  got: Set<string>;
}

/** Tracks, per escalated session, how many streams got its `escalation.created` frame and when. */
interface Delivery {
  expected: number;
  count: number;
  first: number;
  last: number;
  resolve: () => void;
  done: Promise<void>;
}

class Streams {
  readonly list: Stream[] = [];
  readonly deliveries = new Map<string, Delivery>();
  duplicates = 0;
  dropped = 0;
  /** Time this process spent handling stream data, ms. */
  handlerMs = 0;
  #closing = false;

  constructor(
    private readonly port: number,
    private readonly onDrop: (s: Stream, why: string) => void,
  ) {}

  get open(): number {
    return this.list.filter((s) => s.connected && !s.closed).length;
  }

  /** Expects `escalation.created` for `sessionId` on every open stream. */
  expect(sessionId: string): Delivery {
    let resolve!: () => void;
    const done = new Promise<void>((r) => (resolve = r));
    const d: Delivery = { expected: this.open, count: 0, first: NaN, last: NaN, resolve, done };
    this.deliveries.set(sessionId, d);
    return d;
  }

  /** Opens `count` more streams, `OPEN_CONCURRENCY` at a time, each resolved on its first bytes (`retry:`). */
  async openMore(count: number, tokens: { userId: string; token: string }[]): Promise<void> {
    const start = this.list.length;
    let next = start;
    const end = start + count;
    const worker = async () => {
      while (next < end) {
        const i = next++;
        await this.#openOne(i, tokens[i % tokens.length]!);
      }
    };
    await Promise.all(Array.from({ length: OPEN_CONCURRENCY }, worker));
  }

  #openOne(index: number, who: { userId: string; token: string }): Promise<void> {
    return new Promise((resolve, reject) => {
      const req = http.request({
        host: '127.0.0.1',
        port: this.port,
        path: '/api/v1/events',
        method: 'GET',
        agent: false,
        headers: { authorization: `Bearer ${who.token}`, accept: 'text/event-stream' },
      });
      const stream: Stream = { index, userId: who.userId, req, carry: '', connected: false, closed: false, heartbeats: 0, got: new Set() };
      this.list.push(stream);
      const timer = setTimeout(() => reject(new Error(`stream ${index}: no first bytes within 60 s`)), 60_000);
      const lost = (why: string) => {
        if (stream.closed) return;
        stream.closed = true;
        if (!stream.connected) {
          clearTimeout(timer);
          reject(new Error(`stream ${index}: ${why} before its first bytes`));
          return;
        }
        if (!this.#closing) {
          this.dropped++;
          this.onDrop(stream, why);
        }
      };
      req.on('error', (err) => lost(err.message));
      req.on('response', (res) => {
        if (res.statusCode !== 200) {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (body += c));
          res.on('end', () => {
            clearTimeout(timer);
            stream.closed = true;
            reject(new Error(`stream ${index}: HTTP ${res.statusCode}: ${body.slice(0, 500)}`));
          });
          return;
        }
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          const now = performance.now();
          this.#handled(stream, chunk, now, resolve, timer);
          this.handlerMs += performance.now() - now;
        });
        res.on('end', () => lost('the server ended the stream'));
        res.on('close', () => lost('the stream closed'));
        res.on('error', (err) => lost(err.message));
      });
      req.end();
    });
  }

  /** Splits a chunk into frames, keeping an incomplete one for the next chunk. */
  #handled(stream: Stream, chunk: string, now: number, resolve: () => void, timer: NodeJS.Timeout): void {
    stream.carry += chunk;
    let cut: number;
    while ((cut = stream.carry.indexOf('\n\n')) >= 0) {
      const frame = stream.carry.slice(0, cut);
      stream.carry = stream.carry.slice(cut + 2);
      if (!stream.connected && frame.startsWith('retry:')) {
        stream.connected = true;
        clearTimeout(timer);
        resolve();
      } else this.#frame(stream, frame, now);
    }
  }

  #frame(stream: Stream, frame: string, now: number): void {
    if (frame.startsWith(':')) {
      stream.heartbeats++;
      return;
    }
    // id: N\nevent: TYPE\ndata: JSON
    const eventAt = frame.indexOf('\nevent: ');
    if (eventAt < 0 || !frame.startsWith('escalation.created\n', eventAt + 8)) return;
    const dataAt = frame.indexOf('\ndata: ', eventAt);
    const sessionId = (JSON.parse(frame.slice(dataAt + 7)) as { session_id: string }).session_id;
    if (stream.got.has(sessionId)) {
      this.duplicates++;
      return;
    }
    stream.got.add(sessionId);
    const d = this.deliveries.get(sessionId);
    if (!d) return;
    d.count++;
    if (d.count === 1) d.first = now;
    d.last = now;
    if (d.count === d.expected) d.resolve();
  }

  closeAll(): void {
    this.#closing = true;
    for (const s of this.list) s.req.destroy();
  }
}

// ---------------------------------------------------------------------------

interface Context {
  appUrl: string;
  pid: number;
  server: Server;
  techToken: string;
  staffTokens: () => Promise<{ userId: string; token: string }[]>;
  sessions: string[];
  outbox: string;
  failures: string[];
}

function escalate(ctx: Context, sessionId: string): Promise<Response> {
  return fetch(`${ctx.appUrl}/api/v1/sessions/${sessionId}/handoff`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ctx.techToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ intent: 'escalate', reason: REASON }),
  });
}

/** Open loop at RATE/s, a different session each time: latencies of the answers. */
async function escalateLatency(ctx: Context): Promise<EscalateLatencyResult> {
  let accepted = 0;
  let lastAnswer = 0;
  const run = async (seconds: number) => {
    const latencies: number[] = [];
    let non2xx = 0;
    let errors = 0;
    const pending: Promise<void>[] = [];
    const start = performance.now();
    for (let i = 0; i < seconds * RATE; i++) {
      const due = start + (i * 1000) / RATE;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      const sessionId = ctx.sessions.pop()!;
      const sent = performance.now();
      pending.push(
        escalate(ctx, sessionId)
          .then(async (res) => {
            const body = await res.text();
            latencies.push(performance.now() - sent);
            lastAnswer = performance.now();
            if (res.status === 200) accepted++;
            else {
              non2xx++;
              if (non2xx <= 3) console.error(`escalate: HTTP ${res.status}: ${body.slice(0, 300)}`);
            }
          })
          .catch((err: unknown) => {
            errors++;
            if (errors <= 3) console.error('escalate:', err);
          }),
      );
    }
    await Promise.all(pending);
    return { latencies: latencies.sort((a, b) => a - b), non2xx, errors };
  };
  await run(WARMUP_S);
  const accepted0 = accepted;
  await loopLagMaxMs(ctx.appUrl);
  const cpu0 = cpuMsOf(ctx.pid);
  const wall0 = performance.now();
  const { latencies, non2xx, errors } = await run(duration);
  const busy = (cpuMsOf(ctx.pid) - cpu0) / (performance.now() - wall0);
  const lag = await loopLagMaxMs(ctx.appUrl);

  // The deliveries the load queued: 10 emails per escalation, written by the server's workers.
  const expected = EMAILS ? accepted * RECIPIENTS : 0;
  const deadline = Date.now() + 180_000;
  let written = outboxCount(ctx.outbox);
  while (written < expected && Date.now() < deadline) {
    await sleep(100);
    written = outboxCount(ctx.outbox);
  }
  const drained = (performance.now() - lastAnswer) / 1000;
  // Approximate: the backlog of warm-up emails left at the start is counted in too.
  const cpuPer = (cpuMsOf(ctx.pid) - cpu0) / Math.max(1, accepted - accepted0);
  if (written !== expected) ctx.failures.push(`escalate-latency: ${written} emails in the outbox for ${expected} expected`);
  if (non2xx + errors > 0) ctx.failures.push(`escalate-latency: ${non2xx} non-2xx answers and ${errors} errors`);

  const p99 = round(percentile(latencies, 99));
  return {
    name: 'escalate-latency',
    description:
      `POST /api/v1/sessions/{id}/handoff {intent: 'escalate'} as the technician to the team's queue (${RECIPIENTS} recipients: notifications, events, ` +
      `${RECIPIENTS} email deliveries and the reminder jobs in one transaction), ${RATE}/s evenly paced, open loop, each on a different active session, ` +
      (EMAILS
        ? `no event streams open; the server's delivery workers write the ${RECIPIENTS} emails of each to the outbox meanwhile`
        : `no event streams open; the team's escalation emails turned OFF (BENCH_ESCALATION_EMAILS=off, a diagnostic run)`),
    target_rate: RATE,
    duration_s: duration,
    requests: latencies.length,
    requests_per_s: Math.round(latencies.length / duration),
    p50_ms: round(percentile(latencies, 50)),
    p95_ms: round(percentile(latencies, 95)),
    p99_ms: p99,
    max_ms: round(latencies.at(-1) ?? NaN),
    non_2xx: non2xx,
    errors,
    recipients: RECIPIENTS,
    emails_expected: expected,
    emails_written: written,
    emails_drained_s: round(drained),
    server_cpu_ms_per_escalation: round(cpuPer),
    server_core_busy: round(busy),
    server_loop_lag_max_ms: lag,
    goal: { text: 'p99 ≤ 100 ms', met: p99 <= 100 && non2xx + errors === 0 },
  };
}

/** One escalation, measured until every open stream has its `escalation.created` frame (or the timeout). */
async function deliverOne(
  ctx: Context,
  streams: Streams,
  phase: Delivery[],
): Promise<{ request_ms: number; from_request_ms: number; from_response_ms: number; first_ms: number; missed: number }> {
  const sessionId = ctx.sessions.pop()!;
  const d = streams.expect(sessionId);
  phase.push(d);
  const sent = performance.now();
  const res = await escalate(ctx, sessionId);
  const body = await res.text();
  const answered = performance.now();
  if (res.status !== 200) throw new Error(`escalate: HTTP ${res.status}: ${body.slice(0, 500)}`);
  if ((JSON.parse(body) as HandoffResponse).session.id !== sessionId) throw new Error('escalate answered for another session');
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([d.done, new Promise((r) => (timer = setTimeout(r, DELIVERY_TIMEOUT_MS)))]);
  clearTimeout(timer);
  return {
    request_ms: answered - sent,
    from_request_ms: d.last - sent,
    from_response_ms: d.last - answered,
    first_ms: d.first - sent,
    missed: d.expected - d.count,
  };
}

async function liveDelivery(ctx: Context, streams: Streams, total: number): Promise<{ result: LiveDeliveryResult; memory: Memory; openedAt: number }> {
  const tokens = await ctx.staffTokens();
  const opening = performance.now();
  await streams.openMore(total - streams.list.length, tokens);
  const openedAt = performance.now();
  const openSeconds = (openedAt - opening) / 1000;
  console.error(`${total} streams open (${round(openSeconds)} s to open the new ones)`);
  // The first bytes are written before the server registers the stream (after one query): let it finish.
  await sleep(1000);
  // One unmeasured escalation, which also proves every stream is registered.
  const phase: Delivery[] = [];
  const warm = await deliverOne(ctx, streams, phase);
  let misses = warm.missed;
  if (warm.missed) console.error(`warm-up escalation: ${warm.missed} of ${total} streams missed it`);
  const memory = await memoryOf(ctx.server);

  const samples: LiveDeliveryResult['samples'] = [];
  await loopLagMaxMs(ctx.appUrl);
  const cpu0 = cpuMsOf(ctx.pid);
  const client0 = streams.handlerMs;
  let lastSent = performance.now();
  for (let i = 0; i < LIVE_ESCALATIONS; i++) {
    const wait = lastSent + LIVE_GAP_MS - performance.now();
    if (wait > 0) await sleep(wait);
    lastSent = performance.now();
    const r = await deliverOne(ctx, streams, phase);
    misses += r.missed;
    samples.push({ request_ms: round(r.request_ms), from_request_ms: round(r.from_request_ms), from_response_ms: round(r.from_response_ms), first_ms: round(r.first_ms) });
  }
  const cpuPer = (cpuMsOf(ctx.pid) - cpu0) / LIVE_ESCALATIONS;
  const clientPer = (streams.handlerMs - client0) / LIVE_ESCALATIONS;
  const lag = await loopLagMaxMs(ctx.appUrl);
  // A frame later than the timeout is still counted: look again once.
  await sleep(500);
  misses = phase.reduce((n, d) => n + d.expected - d.count, 0);
  if (misses) ctx.failures.push(`live-delivery-${total}: ${misses} stream × escalation pairs missed the escalation.created frame`);
  if (streams.duplicates) ctx.failures.push(`live-delivery-${total}: ${streams.duplicates} duplicate escalation.created frames`);

  const clamped = samples.map((s) => Math.max(0, s.from_response_ms)).sort((a, b) => a - b);
  const fromRequest = samples.map((s) => s.from_request_ms).sort((a, b) => a - b);
  const escalateTimes = samples.map((s) => s.request_ms).sort((a, b) => a - b);
  const firsts = samples.map((s) => s.first_ms).sort((a, b) => a - b);
  const p99 = round(percentile(clamped, 99));
  const limit = total <= 1000 ? 100 : 250;
  const users = new Set(streams.list.map((s) => s.userId)).size;
  const result: LiveDeliveryResult = {
    name: `live-delivery-${total}`,
    description:
      `${total} SSE streams on GET /api/v1/events (Authorization header, one socket each) over the ${users} staff users; ${LIVE_ESCALATIONS} escalations to the queue ` +
      `one at a time (≥ ${LIVE_GAP_MS} ms apart, after 1 unmeasured): escalate response → the last stream has the escalation.created frame, ` +
      `clamped at 0 (a stream may get it before the response arrives); also from the request. Over ${LIVE_ESCALATIONS} escalations p99 is the maximum`,
    streams: total,
    users,
    escalations: samples.length,
    p50_ms: round(percentile(clamped, 50)),
    p99_ms: p99,
    max_ms: round(clamped.at(-1)!),
    from_request_p50_ms: round(percentile(fromRequest, 50)),
    from_request_p99_ms: round(percentile(fromRequest, 99)),
    from_request_max_ms: round(fromRequest.at(-1)!),
    escalate_p50_ms: round(percentile(escalateTimes, 50)),
    escalate_max_ms: round(escalateTimes.at(-1)!),
    first_stream_p50_ms: round(percentile(firsts, 50)),
    delivered_before_response: samples.filter((s) => s.from_response_ms <= 0).length,
    misses,
    duplicates: streams.duplicates,
    server_cpu_ms_per_escalation: round(cpuPer),
    server_loop_lag_max_ms: lag,
    client_ms_per_escalation: round(clientPer),
    samples,
    goal: { text: `p99 ≤ ${limit} ms from the escalate response, no stream misses an event`, met: p99 <= limit && misses === 0 && streams.duplicates === 0 },
    goal_from_request: { text: `p99 ≤ ${limit} ms from the escalate request`, met: percentile(fromRequest, 99) <= limit && misses === 0 },
  };
  return { result, memory, openedAt };
}

async function main(): Promise<EscalationsResult> {
  if (twoCores) spawnSync('taskset', ['-p', '-c', '1', String(process.pid)], { stdio: 'ignore' });
  await adminQuery(`drop database if exists ${DB_NAME} with (force)`);
  await adminQuery(`create database ${DB_NAME}`);
  const u = new URL(adminUrl);
  u.pathname = `/${DB_NAME}`;
  const databaseUrl = u.toString();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'flowpilot-bench-escalations-'));
  const appUrl = `http://127.0.0.1:${PORT}`;
  const failures: string[] = [];
  let streams: Streams | undefined;
  const { child: app, output } = await startProcess(
    // --inspect-port=0 opens nothing: only SIGUSR1 does, for the memory readings (a random port, so nothing else on the machine is in the way).
    ['node', '--inspect-port=127.0.0.1:0', ...SERVER_NODE_ARGS, '--import', tsx, 'server/src/server.ts'],
    {
      DATABASE_URL: databaseUrl,
      DATABASE_POOL_SIZE: '20',
      JWT_SECRET,
      LOG_LEVEL: 'warn',
      HOST: '127.0.0.1',
      NODE_ENV: 'production',
      DATA_DIR: dataDir,
      PORT: String(PORT),
    },
    `${appUrl}/readyz`,
  );
  const db = new pg.Client({ connectionString: databaseUrl });
  try {
    // taskset execs node: the pid is the server's.
    const pid = app.pid!;
    const comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
    if (comm !== 'node') throw new Error(`process ${pid} is ${comm}, not the server`);

    await db.connect();
    const { rows: demo } = await db.query<{ id: string; team_id: string; role: string; email: string; password_hash: string }>(
      `select id, team_id, role, email, password_hash from users where email in ('admin@flowpilot.test', 'engineer@flowpilot.test', 'tech@flowpilot.test')`,
    );
    const engineer = demo.find((r) => r.email === 'engineer@flowpilot.test')!;
    const tech = demo.find((r) => r.email === 'tech@flowpilot.test')!;
    for (let i = 1; i <= EXTRA_ENGINEERS; i++) {
      await db.query(`insert into users (team_id, email, full_name, role, password_hash) values ($1, $2, $3, 'engineer', $4)`, [
        engineer.team_id,
        `bench-engineer-${i}@flowpilot.test`,
        `Bench Engineer ${i}`,
        engineer.password_hash,
      ]);
    }
    if (!EMAILS) await db.query(`insert into team_integrations (team_id, email_enabled) values ($1, false)`, [engineer.team_id]);
    // Who an escalation to the queue reaches (handoffs.repository activeMembers), and whether tokens minted now are accepted.
    const { rows: staff } = await db.query<{ id: string; team_id: string; role: 'engineer' | 'admin'; escalation_emails: boolean; valid_after: Date | null; token_version: number }>(
      `select id, team_id, role, escalation_emails, tokens_valid_after as valid_after, token_version from users
        where team_id = $1 and is_active and role in ('engineer', 'admin') and id <> $2 order by full_name`,
      [engineer.team_id, tech.id],
    );
    if (staff.length !== RECIPIENTS || !staff.every((s) => s.escalation_emails)) throw new Error(`${staff.length} recipients of an escalation, expected ${RECIPIENTS} (all wanting emails)`);
    const { rows: valid } = await db.query<{ valid_after: Date | null; token_version: number }>(`select tokens_valid_after as valid_after, token_version from users where id = $1`, [tech.id]);
    // authenticate() refuses tokens issued (iat, whole seconds) before tokens_valid_after.
    const cutoff = Math.max(...[...staff.map((s) => s.valid_after), valid[0]!.valid_after].map((d) => (d ? Math.floor(d.getTime() / 1000) : 0)));
    while (Math.floor(Date.now() / 1000) < cutoff) await sleep(200);

    // sign() sets iat to now and takes the user, team, role and token version as the guard checks them.
    const accessTokens = new AccessTokens(JWT_SECRET);
    const techToken = await accessTokens.sign({ userId: tech.id, teamId: tech.team_id, role: 'technician', version: valid[0]!.token_version });
    const staffTokens = () => Promise.all(Array.from({ length: STREAM_STEPS.at(-1)! }, (_, i) => staff[i % staff.length]!).map(async (s) => ({ userId: s.id, token: await accessTokens.sign({ userId: s.id, teamId: s.team_id, role: s.role, version: s.token_version }) })));
    for (const [who, token] of [['technician', techToken], ['engineer', (await staffTokens())[0]!.token]] as const) {
      const me = await fetch(`${appUrl}/api/v1/auth/me`, { headers: { authorization: `Bearer ${token}` } });
      if (!me.ok) throw new Error(`a minted ${who} token is refused: HTTP ${me.status}: ${await me.text()}`);
    }

    // Sessions to escalate, each once: the open-loop load, then a warm-up and the measured escalations per stream count.
    const needed = RATE * (WARMUP_S + duration) + STREAM_STEPS.length * (1 + LIVE_ESCALATIONS);
    const sessions: string[] = [];
    const body = JSON.stringify({ tree_id: MAPPED_DRIVE_MISSING_TREE_ID, client_name: 'Bench client' });
    let started = 0;
    await Promise.all(
      Array.from({ length: 10 }, async () => {
        while (started < needed) {
          started++;
          const res = await fetch(`${appUrl}/api/v1/sessions`, { method: 'POST', headers: { authorization: `Bearer ${techToken}`, 'content-type': 'application/json' }, body });
          const text = await res.text();
          if (res.status !== 201) throw new Error(`start a session: HTTP ${res.status}: ${text.slice(0, 500)}`);
          sessions.push((JSON.parse(text) as SessionResponse).id);
        }
      }),
    );
    await db.query('vacuum analyze');
    await db.query('checkpoint');
    console.error(`${RECIPIENTS} recipients, ${sessions.length} active sessions`);

    const server: Server = { pid, url: appUrl, output };
    const ctx: Context = { appUrl, pid, server, techToken, staffTokens, sessions, outbox: path.join(dataDir, 'outbox'), failures };

    const escalate = await escalateLatency(ctx);
    console.error(
      `${escalate.name}: p50 ${escalate.p50_ms} ms, p95 ${escalate.p95_ms} ms, p99 ${escalate.p99_ms} ms, max ${escalate.max_ms} ms; ` +
        `${escalate.emails_written}/${escalate.emails_expected} emails, drained ${escalate.emails_drained_s} s after the last answer`,
    );

    const before = await memoryOf(server, 3000);
    streams = new Streams(PORT, (s, why) => {
      if (streams!.dropped <= 5) console.error(`stream ${s.index} dropped: ${why}`);
    });
    const live: LiveDeliveryResult[] = [];
    const mem: Memory[] = [];
    let allOpenAt = 0;
    for (const total of STREAM_STEPS) {
      const { result, memory, openedAt } = await liveDelivery(ctx, streams, total);
      allOpenAt = openedAt;
      console.error(
        `${result.name}: from the response p50 ${result.p50_ms} ms, p99 ${result.p99_ms} ms, max ${result.max_ms} ms; ` +
          `from the request p50 ${result.from_request_p50_ms} ms, max ${result.from_request_max_ms} ms; misses ${result.misses}; ` +
          `RSS ${Math.round(memory.rss / 1048576)} MiB`,
      );
      live.push(result);
      mem.push(memory);
    }

    // Hold the 5,000 until each has had one more heartbeat: all still served, none dropped.
    const held = performance.now();
    const beats = streams.list.map((s) => s.heartbeats);
    const deadline = held + HEARTBEAT_MS + 10_000;
    while (streams.list.some((s, i) => s.heartbeats <= beats[i]!) && performance.now() < deadline) await sleep(250);
    const heldSeconds = (performance.now() - allOpenAt) / 1000;
    const fds = readdirSync(`/proc/${pid}/fd`).length;
    const after = await memoryOf(server, 0);
    const total = STREAM_STEPS.at(-1)!;
    const stale = streams.list.filter((s, i) => s.heartbeats <= beats[i]!).length;
    const heldOpen = streams.open;
    const slowClosed = output().split('\n').filter((l) => l.includes('is not reading')).length;
    if (stale) failures.push(`stream-memory: ${stale} streams got no heartbeat within ${HEARTBEAT_MS / 1000 + 10} s`);
    if (streams.dropped || heldOpen !== total) failures.push(`stream-memory: ${heldOpen} of ${total} streams open at the end, ${streams.dropped} dropped`);
    if (slowClosed) failures.push(`stream-memory: the server closed ${slowClosed} streams for not reading`);

    const perStream = (m: { rss: number }, n: number) => Math.round((m.rss - before.rss) / n);
    const perStream5000 = perStream(mem[1]!, total);
    const heapPer = (m: Memory, n: number) => (m.heapUsed !== null && before.heapUsed !== null ? Math.round((m.heapUsed - before.heapUsed) / n) : null);
    const judged = Math.max(perStream5000, heapPer(mem[1]!, total) ?? 0);
    const memory: StreamMemoryResult = {
      name: 'stream-memory',
      description:
        `resident memory of the server process (/proc/<pid>/status VmRSS, median of 3 readings after full garbage collections asked of its inspector, once RSS holds still; ` +
        `heap used from GET /metrics) before any stream ` +
        `and with ${STREAM_STEPS.join(' and ')} SSE streams open (each with its own token); bytes per stream = Δ / streams. RSS moves by tens of MiB with ` +
        `V8's young generation and malloc's free lists whatever the streams do, so the goal takes the larger of Δ RSS and Δ heap. The ${total} streams were then ` +
        `held until each received another heartbeat (every ${HEARTBEAT_MS / 1000} s)`,
      rss_before_bytes: before.rss,
      rss_1000_bytes: mem[0]!.rss,
      rss_5000_bytes: mem[1]!.rss,
      rss_5000_after_hold_bytes: after.rss,
      heap_used_5000_after_hold_bytes: after.heapUsed,
      bytes_per_stream_1000: perStream(mem[0]!, STREAM_STEPS[0]),
      bytes_per_stream_5000: perStream5000,
      bytes_per_stream_1000_to_5000: Math.round((mem[1]!.rss - mem[0]!.rss) / (total - STREAM_STEPS[0])),
      judged_bytes_per_stream: judged,
      heap_used_before_bytes: before.heapUsed,
      heap_used_1000_bytes: mem[0]!.heapUsed,
      heap_used_5000_bytes: mem[1]!.heapUsed,
      heap_bytes_per_stream_1000: heapPer(mem[0]!, STREAM_STEPS[0]),
      heap_bytes_per_stream_5000: heapPer(mem[1]!, total),
      metrics_rss_5000_bytes: mem[1]!.metricsRss,
      server_fds_5000: fds,
      streams_held: heldOpen,
      streams_dropped: streams.dropped,
      heartbeats_min: Math.min(...streams.list.map((s) => s.heartbeats)),
      held_s: round(heldSeconds),
      server_closed_slow: slowClosed,
      goal: {
        text: `≤ 16 KiB per stream at ${total} (the larger of Δ RSS and Δ heap); ${total} streams held by one process, none dropped, heartbeats to all`,
        met: judged <= 16 * 1024 && heldOpen === total && streams.dropped === 0 && stale === 0 && slowClosed === 0,
      },
    };
    console.error(
      `stream-memory: ${perStream5000} B RSS and ${memory.heap_bytes_per_stream_5000} B heap per stream at ${total} ` +
        `(${memory.bytes_per_stream_1000} B and ${memory.heap_bytes_per_stream_1000} B at ${STREAM_STEPS[0]}); ` +
        `${heldOpen} held for ${memory.held_s} s, ${streams.dropped} dropped, ${fds} fds`,
    );
    return { escalate, live, memory, failures };
  } finally {
    streams?.closeAll();
    await db.end().catch(() => {});
    await stop(app);
    await adminQuery(`drop database if exists ${DB_NAME} with (force)`).catch((err: unknown) => console.error('could not drop the bench database:', err));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const mib = (b: number) => `${(b / 1048576).toFixed(1)} MiB`;
const kib = (b: number | null) => (b === null ? '–' : `${(b / 1024).toFixed(1)} KiB`);
const met = (g: { met: boolean }) => (g.met ? 'met' : '**not met**');

/** The "## Escalations and live events" section of summary.md. */
export function escalationSummary(r: EscalationsResult): string[] {
  const e = r.escalate;
  const m = r.memory;
  const lag = (ms: number | null) => (ms === null ? '–' : String(ms));
  return [
    '## Escalations and live events',
    '',
    'bench/escalations.ts, in a process of its own after the job-queue scenarios: FlowPilot with the demo data on a fresh PostgreSQL database, on core 0, driven from core 1. ' +
      `An escalation to the team's queue reaches ${e.recipients} staff users (the demo admin and engineer and 8 more inserted in the database); tokens minted with \`AccessTokens\`. ` +
      'Server CPU is its user + system time per escalation (/proc); loop lag is its longest event-loop delay meanwhile (prom-client, 10 ms resolution).',
    '',
    '| scenario | load | n | p50 ms | p95 ms | p99 ms | max ms | errors | server CPU ms / escalation | server loop lag max ms |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    `| ${e.name} | paced ${e.target_rate}/s | ${e.requests} | ${e.p50_ms} | ${e.p95_ms} | ${e.p99_ms} | ${e.max_ms} | ${e.non_2xx + e.errors} | ` +
      `${e.server_cpu_ms_per_escalation} | ${lag(e.server_loop_lag_max_ms)} |`,
    '',
    'Live delivery: escalate response → the last stream has the `escalation.created` frame, clamped at 0 (p50 / p99 / max; over 20 escalations p99 is the maximum); ' +
      'the same from the escalate request; the escalate call itself; how many of the 20 every stream had before the response arrived.',
    '',
    '| scenario | streams | from response p50 / p99 / max ms | from request p50 / p99 / max ms | escalate p50 / max ms | before response | misses | server CPU ms / escalation | server loop lag max ms | load process ms / escalation |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...r.live.map(
      (l) =>
        `| ${l.name} | ${l.streams} | ${l.p50_ms} / ${l.p99_ms} / ${l.max_ms} | ${l.from_request_p50_ms} / ${l.from_request_p99_ms} / ${l.from_request_max_ms} | ` +
        `${l.escalate_p50_ms} / ${l.escalate_max_ms} | ${l.delivered_before_response} of ${l.escalations} | ${l.misses} | ${l.server_cpu_ms_per_escalation} | ` +
        `${lag(l.server_loop_lag_max_ms)} | ${l.client_ms_per_escalation} |`,
    ),
    '',
    '| scenario | RSS before / 1,000 / 5,000 | Δ RSS per stream at 1,000 / 5,000 / 1,000→5,000 | Δ heap per stream at 1,000 / 5,000 | held | dropped | server fds |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    `| ${m.name} | ${mib(m.rss_before_bytes)} / ${mib(m.rss_1000_bytes)} / ${mib(m.rss_5000_bytes)} | ` +
      `${kib(m.bytes_per_stream_1000)} / ${kib(m.bytes_per_stream_5000)} / ${kib(m.bytes_per_stream_1000_to_5000)} | ` +
      `${kib(m.heap_bytes_per_stream_1000)} / ${kib(m.heap_bytes_per_stream_5000)} | ${m.streams_held} for ${m.held_s} s | ${m.streams_dropped} | ${m.server_fds_5000} |`,
    '',
    `- **${e.name}**: ${e.description}; ${e.emails_written} of ${e.emails_expected} emails written, the last ${e.emails_drained_s} s after the last answer`,
    ...r.live.map((l) => `- **${l.name}**: ${l.description}`),
    `- **${m.name}**: ${m.description}`,
    '',
    'Goals:',
    '',
    `- **${e.name}**: ${e.goal.text}: ${met(e.goal)} (p99 ${e.p99_ms} ms)`,
    ...r.live.flatMap((l) => [
      `- **${l.name}**: ${l.goal.text}: ${met(l.goal)} (p99 ${l.p99_ms} ms; ${l.misses} misses; every stream had it before the response ${l.delivered_before_response} times of ${l.escalations})`,
      `- **${l.name}**: ${l.goal_from_request.text}: ${met(l.goal_from_request)} (p99 ${l.from_request_p99_ms} ms; the escalate call itself p50 ${l.escalate_p50_ms} ms)`,
    ]),
    `- **${m.name}**: ${m.goal.text}: ${met(m.goal)} (${kib(m.judged_bytes_per_stream)} per stream; ${m.streams_held} held, ${m.streams_dropped} dropped, ` +
      `every stream at least ${m.heartbeats_min} heartbeat${m.heartbeats_min === 1 ? '' : 's'})`,
    ...(r.failures.length ? ['', '**The run failed:**', '', ...r.failures.map((f) => `- ${f}`)] : []),
    '',
  ];
}

/** Writes the four result files. */
export function writeEscalationResults(r: EscalationsResult): void {
  mkdirSync(resultsDir, { recursive: true });
  for (const x of [r.escalate, ...r.live, r.memory]) writeFileSync(path.join(resultsDir, `${x.name}.json`), JSON.stringify(x, null, 2) + '\n');
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href;
if (isMain) {
  main()
    .then((result) => {
      writeEscalationResults(result);
      // Alone: the section of summary.md is replaced (or added), the rest left as the last full run wrote it. (From run.ts: it writes the summary.)
      if (!process.env.BENCH_ESCALATIONS_FROM_RUN) {
        const summaryFile = path.join(resultsDir, 'summary.md');
        const section = escalationSummary(result).join('\n');
        const old = existsSync(summaryFile) ? readFileSync(summaryFile, 'utf8') : '';
        const at = old.indexOf('## Escalations and live events');
        const next = at < 0 ? -1 : old.indexOf('\n## ', at + 1);
        const updated = at < 0 ? `${old.replace(/\n*$/, '\n\n')}${section}` : `${old.slice(0, at)}${section}${next < 0 ? '' : old.slice(next + 1)}`;
        writeFileSync(summaryFile, updated);
      }
      if (result.failures.length) console.error(`FAILED:\n${result.failures.join('\n')}`);
      process.stdout.write(JSON.stringify(result) + '\n');
      process.exit(result.failures.length ? 2 : 0);
    })
    .catch((err: unknown) => {
      console.error(err);
      process.exit(1);
    });
}
