/**
 * The job-queue benchmarks, one scenario on one database per process (run by
 * bench/run.ts on the server's core, so a queue process gets what the app
 * would get). Uses FlowPilot's `JobQueue` directly on a database of its own
 * (PGlite in a temporary folder, or a scratch PostgreSQL database), with a
 * throwaway handler on the `documentation.summarize` queue.
 *
 *   node --import tsx bench/jobs.ts pickup|throughput pglite|postgres
 *
 * Prints one line of JSON: the result. Settings: BENCH_DATABASE_URL (as for
 * run.ts), BENCH_PICKUP_JOBS (default 500), BENCH_QUEUE_JOBS (default 20000),
 * BENCH_DRAIN_CONCURRENCY (workers, default 2) and BENCH_DRAIN_BATCH (jobs per fetch, default 200).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { openDatabase, queryRows, type Database } from '../server/src/db/client.ts';
import { JobQueue } from '../server/src/lib/jobs.ts';
import { percentile, round } from './support.ts';

const QUEUE = 'documentation.summarize';
/** As the app runs this queue (server/src/app.ts). */
const APP_CONCURRENCY = 2;
const APP_POLLING_SECONDS = 2;
const PICKUP_JOBS = Number(process.env.BENCH_PICKUP_JOBS ?? 500);
const PICKUP_WARMUP = 50;
const QUEUE_JOBS = Number(process.env.BENCH_QUEUE_JOBS ?? 20_000);
const ENQUEUE_BATCH = 1000;
const DRAIN_CONCURRENCY = Number(process.env.BENCH_DRAIN_CONCURRENCY ?? 2);
const DRAIN_BATCH = Number(process.env.BENCH_DRAIN_BATCH ?? 200);
const adminUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface JobPickupResult {
  name: string;
  description: string;
  database: 'pglite' | 'postgres';
  jobs: number;
  p50_ms: number;
  p95_ms: number;
  p99_ms: number;
  max_ms: number;
  goal: { text: string; met: boolean };
}

export interface QueueThroughputResult {
  name: string;
  description: string;
  database: 'pglite' | 'postgres';
  jobs: number;
  enqueue_jobs_per_s: number;
  drain_s: number;
  jobs_per_s: number;
  goal: { text: string; met: boolean };
}

const log = {
  warn: (obj: object, msg: string) => console.error(msg, obj),
  error: (obj: object, msg: string) => console.error(msg, obj),
};

/** A fresh, empty database for one scenario, and how to get rid of it. */
async function scratchDatabase(kind: 'pglite' | 'postgres', scenario: string): Promise<{ database: Database; drop: () => Promise<void> }> {
  if (kind === 'pglite') {
    const dir = mkdtempSync(path.join(tmpdir(), 'flowpilot-bench-jobs-'));
    const database = await openDatabase({ dataDir: dir });
    return {
      database,
      drop: async () => {
        await database.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const name = `flowpilot_bench_${scenario}`;
  const admin = async (statement: string) => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  await admin(`drop database if exists ${name} with (force)`);
  await admin(`create database ${name}`);
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  const database = await openDatabase({ databaseUrl: u.toString(), poolSize: 20 });
  return {
    database,
    drop: async () => {
      await database.close();
      await admin(`drop database if exists ${name} with (force)`);
    },
  };
}

/** Commit of the enqueuing transaction → start of the handler, one job at a time, with the app's worker settings. */
async function pickup(kind: 'pglite' | 'postgres', database: Database, queue: JobQueue): Promise<JobPickupResult> {
  const waiting = new Map<string, (startedAt: number) => void>();
  await queue.work(QUEUE, async (data) => waiting.get(data.documentationId)?.(performance.now()), { concurrency: APP_CONCURRENCY });
  const latencies: number[] = [];
  for (let i = 0; i < PICKUP_WARMUP + PICKUP_JOBS; i++) {
    const key = `pickup-${i}`;
    const started = new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`job ${i} did not start within 30 s`)), 30_000);
      waiting.set(key, (at) => {
        clearTimeout(timer);
        resolve(at);
      });
    });
    await database.db.transaction(async (tx) => {
      await queue.send(tx, QUEUE, { documentationId: key });
    });
    const committed = performance.now();
    queue.wake(QUEUE);
    const at = await started;
    waiting.delete(key);
    if (i >= PICKUP_WARMUP) latencies.push(at - committed);
    // Jobs arrive at random moments, not in lockstep with the workers' loop.
    await new Promise((r) => setTimeout(r, 5 + Math.random() * 10));
  }
  latencies.sort((a, b) => a - b);
  const p95 = round(percentile(latencies, 95));
  return {
    name: `job-pickup-${kind}`,
    description:
      `commit of a transaction enqueuing one job → start of its handler, ${PICKUP_JOBS} jobs one at a time (5–15 ms apart, after ${PICKUP_WARMUP} unmeasured), ` +
      `${APP_CONCURRENCY} workers with the app's settings (wake() after commit, NOTIFY, ${APP_POLLING_SECONDS} s poll), ${kind === 'pglite' ? 'PGlite on disk' : 'PostgreSQL'}`,
    database: kind,
    jobs: latencies.length,
    p50_ms: round(percentile(latencies, 50)),
    p95_ms: p95,
    p99_ms: round(percentile(latencies, 99)),
    max_ms: round(latencies[latencies.length - 1]!),
    goal: { text: 'p95 ≤ 50 ms', met: p95 <= 50 },
  };
}

/** A backlog enqueued in transactions, then drained by batch workers: jobs per second from the first fetch to the last completion. */
async function throughput(kind: 'pglite' | 'postgres', database: Database, queue: JobQueue): Promise<QueueThroughputResult> {
  const enqueueStart = performance.now();
  for (let i = 0; i < QUEUE_JOBS; i += ENQUEUE_BATCH) {
    const batch = Array.from({ length: Math.min(ENQUEUE_BATCH, QUEUE_JOBS - i) }, (_, j) => ({ documentationId: `drain-${i + j}` }));
    await database.db.transaction(async (tx) => {
      await queue.sendMany(tx, QUEUE, batch);
    });
  }
  const enqueueSeconds = (performance.now() - enqueueStart) / 1000;

  const seen = new Set<string>();
  let runs = 0;
  let drained!: () => void;
  const allRan = new Promise<void>((resolve) => (drained = resolve));
  const drainStart = performance.now();
  await queue.work(
    QUEUE,
    async (data) => {
      runs++;
      seen.add(data.documentationId);
      if (seen.size === QUEUE_JOBS) drained();
    },
    { concurrency: DRAIN_CONCURRENCY, batchSize: DRAIN_BATCH },
  );
  const timeout = setTimeout(() => {
    console.error(`only ${seen.size} of ${QUEUE_JOBS} jobs ran within 10 minutes`);
    process.exit(1);
  }, 600_000);
  await allRan;
  // Drained means settled too: the last batches' completions are written.
  for (;;) {
    const [open] = await queryRows<{ n: number }>(database.db, sql`select count(*)::int as n from pgboss.job where name = ${QUEUE} and state in ('created', 'retry', 'active')`);
    if (open!.n === 0) break;
    await new Promise((r) => setTimeout(r, 10));
  }
  const drainSeconds = (performance.now() - drainStart) / 1000;
  clearTimeout(timeout);
  if (runs !== QUEUE_JOBS) throw new Error(`${runs} handler runs for ${QUEUE_JOBS} jobs`);
  const rate = Math.round(QUEUE_JOBS / drainSeconds);
  return {
    name: `queue-throughput-${kind}`,
    description:
      `${QUEUE_JOBS} jobs enqueued ${ENQUEUE_BATCH} per transaction (sendMany), then drained by ${DRAIN_CONCURRENCY} workers claiming ${DRAIN_BATCH} at a time ` +
      `(work(…, { batchSize: ${DRAIN_BATCH} })), empty handler, until every job is completed, ${kind === 'pglite' ? 'PGlite on disk' : 'PostgreSQL'}`,
    database: kind,
    jobs: QUEUE_JOBS,
    enqueue_jobs_per_s: Math.round(QUEUE_JOBS / enqueueSeconds),
    drain_s: round(drainSeconds),
    jobs_per_s: rate,
    goal: { text: '≥ 2,000 jobs/s', met: rate >= 2000 },
  };
}

async function main(): Promise<void> {
  const [scenario, kind] = process.argv.slice(2);
  if ((scenario !== 'pickup' && scenario !== 'throughput') || (kind !== 'pglite' && kind !== 'postgres')) {
    throw new Error('usage: jobs.ts pickup|throughput pglite|postgres');
  }
  const { database, drop } = await scratchDatabase(kind, scenario);
  const queue = new JobQueue(database, { databaseUrl: database.url, log, pollingIntervalSeconds: APP_POLLING_SECONDS });
  let result: JobPickupResult | QueueThroughputResult;
  try {
    await queue.start();
    result = scenario === 'pickup' ? await pickup(kind, database, queue) : await throughput(kind, database, queue);
  } finally {
    await queue.stop();
    await drop();
  }
  process.stdout.write(JSON.stringify(result) + '\n');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
