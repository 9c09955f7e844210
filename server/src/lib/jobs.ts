import { sql } from 'drizzle-orm';
import { PgBoss, fromDrizzle, fromPglite, type Job, type JobResult } from 'pg-boss';
import type { Database, Db } from '../db/client.ts';

/**
 * Every job FlowPilot runs, by name (`domain.action`). Each delivery channel
 * has its own queue, so a channel that is down or slow delays only itself.
 */
export const QUEUES = [
  'delivery.psa',
  'delivery.slack',
  'delivery.teams',
  'delivery.email',
  'documentation.summarize',
  'handoff.package',
  'handoff.remind',
  'auth.password_reset',
] as const;
export type QueueName = (typeof QUEUES)[number];

export interface JobData {
  'delivery.psa': { deliveryId: string; attempt: number };
  'delivery.slack': { deliveryId: string; attempt: number };
  'delivery.teams': { deliveryId: string; attempt: number };
  'delivery.email': { deliveryId: string; attempt: number };
  'documentation.summarize': { documentationId: string };
  /** Enrich an escalation package with the AI. */
  'handoff.package': { handoffId: string };
  /** One step of the escalation chain: re-announce a handoff nobody picked up yet. */
  'handoff.remind': { handoffId: string; step: number; notify: 'target' | 'engineers' | 'admins' };
  /**
   * Email a password reset link to the account with this email, if there is an active one
   * (decided here, not in the request, so the request answers alike for every email). The
   * link's token is derived from `resetId`; only its hash is stored.
   */
  'auth.password_reset': { resetId: string; email: string; requestedAt: string };
}

/** How many times a failing job is tried again (with backoff) before pg-boss gives it up as failed. */
export const JOB_RETRY_LIMIT = 5;

/**
 * Seconds a running job may take. A handler still running then is given up
 * (pg-boss fails the job and runs it again), so this is the longest a job
 * can take when every outside call it makes runs into its timeout.
 */
export const JOB_EXPIRE_SECONDS: Record<QueueName, number> = {
  // One PSA call may take 30 s (integrations.md §0) and a note takes two (look for it, write it).
  'delivery.psa': 120,
  // One webhook call, at most 10 s (WEBHOOK_TIMEOUT_MS), and a few reads.
  'delivery.slack': 30,
  'delivery.teams': 30,
  // SMTP: 10 s to connect, 10 s for the greeting, up to 20 s idle per command.
  'delivery.email': 60,
  // A model call may take 60 s and be retried in-process twice, with waits between.
  'documentation.summarize': 300,
  'handoff.package': 300,
  // Database work only.
  'handoff.remind': 60,
  // One email (SMTP limits as above) and a few reads.
  'auth.password_reset': 60,
};

/**
 * A running job's worker writes a heartbeat every half of this; a job whose
 * heartbeat is this old counts as abandoned (its process died: a crash,
 * `kill -9`) and runs again, on another process or after a restart, long
 * before it would expire. pg-boss's minimum.
 */
export const JOB_HEARTBEAT_SECONDS = 10;

/**
 * How often a process looks for abandoned (and expired) jobs. With the
 * heartbeat and the first retry's wait, a job whose process died runs again
 * within about 25 s.
 */
const SUPERVISE_SECONDS = 5;

/**
 * Seconds before pg-boss runs a failed job again (doubling each time).
 * Deliveries schedule their own retries (backoff, Retry-After), so pg-boss's
 * retry only follows a dead worker or a database error: soon.
 */
const RETRY_DELAY_SECONDS: Record<QueueName, number> = {
  'delivery.psa': 2,
  'delivery.slack': 2,
  'delivery.teams': 2,
  'delivery.email': 2,
  'documentation.summarize': 5,
  'handoff.package': 5,
  'handoff.remind': 2,
  // The email's own retries are pg-boss's: not too soon after a mail server said no.
  'auth.password_reset': 5,
};

export type JobHandler<N extends QueueName> = (data: JobData[N], job: Job<JobData[N]>) => Promise<void>;

export interface JobQueueOptions {
  /** PostgreSQL: the URL pg-boss opens its own small pool on (it LISTENs on one connection). */
  databaseUrl?: string | undefined;
  log: { warn: (obj: object, msg: string) => void; error: (obj: object, msg: string) => void };
  /** How often idle workers look for jobs when no NOTIFY wakes them (seconds). */
  pollingIntervalSeconds?: number;
  /** How often they look while NOTIFY works: delayed jobs (retries) become due without a NOTIFY. */
  backstopSeconds?: number;
}

/**
 * The durable job queue: pg-boss in FlowPilot's own database (PostgreSQL or
 * PGlite). Jobs are enqueued inside the transaction that causes them, so a
 * rollback leaves no job and a commit guarantees one; a job whose worker dies
 * mid-run is retried once its heartbeat stops, so a restart loses nothing.
 */
export class JobQueue {
  readonly #boss: PgBoss;
  readonly #log: JobQueueOptions['log'];
  readonly #polling: number;
  readonly #backstop: number;
  readonly #workers = new Map<QueueName, string[]>();
  #started = false;

  constructor(database: Database, options: JobQueueOptions) {
    this.#log = options.log;
    this.#polling = options.pollingIntervalSeconds ?? 2;
    this.#backstop = options.backstopSeconds ?? Math.max(this.#polling, 5);
    const common = { useListenNotify: true, schedule: false, superviseIntervalSeconds: SUPERVISE_SECONDS, monitorIntervalSeconds: SUPERVISE_SECONDS } as const;
    if (database.kind === 'pglite') {
      this.#boss = new PgBoss({ ...common, db: fromPglite(database.pglite!), backend: 'pglite' });
    } else {
      if (!options.databaseUrl) throw new Error('the job queue needs the PostgreSQL URL');
      this.#boss = new PgBoss({ ...common, connectionString: options.databaseUrl, max: 4, application_name: 'flowpilot-jobs' });
    }
    this.#boss.on('error', (err: Error) => this.#log.error({ err: { message: err.message } }, 'job queue error'));
  }

  /** Installs or upgrades pg-boss's schema and creates every queue (before any transaction enqueues into one). */
  async start(): Promise<void> {
    await this.#boss.start();
    const existing = new Set((await this.#boss.getQueues()).map((q) => q.name));
    for (const name of QUEUES) {
      const options = {
        notify: true,
        // A handler still running after this is given up and its job run again.
        expireInSeconds: JOB_EXPIRE_SECONDS[name],
        retryLimit: JOB_RETRY_LIMIT,
        retryDelay: RETRY_DELAY_SECONDS[name],
        retryBackoff: true,
        retryDelayMax: 300,
        deleteAfterSeconds: 7 * 24 * 3600,
      };
      if (existing.has(name)) await this.#boss.updateQueue(name, options);
      else await this.#boss.createQueue(name, options);
    }
    this.#started = true;
  }

  /**
   * Enqueues a job inside the caller's transaction. `startAfter` delays it
   * (retries honouring Retry-After). Returns the job id.
   */
  async send<N extends QueueName>(tx: Db, name: N, data: JobData[N], options: { startAfter?: Date } = {}): Promise<string> {
    if (!this.#started) throw new Error('the job queue is not started');
    const id = await this.#boss.send(name, data, {
      heartbeatSeconds: JOB_HEARTBEAT_SECONDS,
      ...(options.startAfter && { startAfter: options.startAfter }),
      db: fromDrizzle(tx as unknown as Parameters<typeof fromDrizzle>[0], sql),
    });
    if (!id) throw new Error(`could not enqueue ${name}`);
    return id;
  }

  /** Enqueues many jobs of one queue inside the caller's transaction in one statement (with the queue's defaults; `startAfter[i]` delays job i). Returns the new jobs' ids. */
  async sendMany<N extends QueueName>(tx: Db, name: N, data: JobData[N][], startAfter?: Date[]): Promise<string[]> {
    if (!this.#started) throw new Error('the job queue is not started');
    if (data.length === 0) return [];
    const db = fromDrizzle(tx as unknown as Parameters<typeof fromDrizzle>[0], sql);
    const jobs = data.map((d, i) => ({ data: d, heartbeatSeconds: JOB_HEARTBEAT_SECONDS, ...(startAfter?.[i] && { startAfter: startAfter[i] }) }));
    const ids = await this.#boss.insert(name, jobs, { db, returnId: true });
    if (ids?.length !== data.length) throw new Error(`could not enqueue ${data.length} ${name} jobs`);
    return ids;
  }

  /** Wakes this process's workers of a queue at once (after the enqueuing transaction committed). */
  wake(name: QueueName): void {
    for (const id of this.#workers.get(name) ?? []) this.#boss.notifyWorker(id);
  }

  /**
   * Runs `handler` for each job of the queue, `concurrency` at a time in this process.
   *
   * `batchSize` > 1 is for queues of many short jobs: each worker claims up to
   * that many jobs per fetch, runs them one after another and settles each on
   * its own (a throw fails only that job), and fetches again at once while
   * batches come back full, so a backlog drains without waiting for polls.
   * A batch must finish within the queue's expiry.
   */
  async work<N extends QueueName>(name: N, handler: JobHandler<N>, options: { concurrency?: number; batchSize?: number } = {}): Promise<void> {
    // One handler per queue: a second would take half its jobs and do something else with them.
    if (this.#workers.has(name)) throw new Error(`the job queue ${name} has a handler already: one handler per queue`);
    const polling = { pollingIntervalSeconds: this.#polling, notifyPollingIntervalSeconds: this.#backstop };
    const batchSize = options.batchSize ?? 1;
    const ids: string[] = [];
    for (let i = 0; i < (options.concurrency ?? 2); i++) {
      let self = '';
      const id =
        batchSize > 1
          ? await this.#boss.work<JobData[N]>(name, { ...polling, batchSize, burstWhenBatchFull: true, perJobResults: true }, async (jobs) => {
              const results: JobResult[] = [];
              for (const job of jobs) {
                try {
                  await handler(job.data, job);
                  results.push({ id: job.id, status: 'completed' });
                } catch (err) {
                  results.push({ id: job.id, status: 'failed', output: err });
                }
              }
              return results;
            })
          : await this.#boss.work<JobData[N]>(name, polling, async ([job]) => {
              if (!job) return;
              try {
                await handler(job.data, job);
              } finally {
                // Fetch again as soon as this job is settled: there may be a backlog, and
                // otherwise the worker would wait out the polling interval after every job.
                if (self) this.#boss.notifyWorker(self);
              }
            });
      self = id;
      ids.push(id);
    }
    this.#workers.set(name, [...(this.#workers.get(name) ?? []), ...ids]);
  }

  /**
   * Start-up's check that every queue has its handler in this process: a
   * queue without one would fill up and never run, found only when someone
   * misses what it was for. Throws naming the queues without.
   */
  assertEveryQueueHandled(): void {
    const missing = QUEUES.filter((name) => !this.#workers.has(name));
    if (missing.length) throw new Error(`no handler for the job queue${missing.length > 1 ? 's' : ''} ${missing.join(', ')}: every queue needs one (JobQueue.work)`);
  }

  /** Jobs of a queue by state, for tests and the admin view. */
  async jobState(name: QueueName, id: string): Promise<string | null> {
    const job = await this.#boss.getJobById(name, id);
    return job?.state ?? null;
  }

  /** Stops the workers, letting running jobs finish for up to `timeoutMs`. */
  async stop(timeoutMs = 10_000): Promise<void> {
    if (!this.#started) return;
    this.#started = false;
    await this.#boss.stop({ graceful: true, timeout: timeoutMs, close: true });
  }
}
