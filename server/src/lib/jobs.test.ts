import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../db/client.ts';
import { createTestDatabase, DB_KINDS } from '../../test/harness.ts';
import { JobQueue, QUEUES, type JobData } from './jobs.ts';

const quiet = { warn: () => {}, error: () => {} };

/** Resolves once `count` jobs have run, or rejects after `ms`. */
function collector(count: number, ms = 10_000) {
  const seen: JobData['documentation.summarize'][] = [];
  let done!: () => void;
  const finished = new Promise<void>((resolve, reject) => {
    done = resolve;
    setTimeout(() => reject(new Error(`only ${seen.length} of ${count} jobs ran`)), ms).unref();
  });
  return {
    seen,
    finished,
    handler: async (data: JobData['documentation.summarize']) => {
      seen.push(data);
      if (seen.length >= count) done();
    },
  };
}

describe.each(DB_KINDS)('the job queue on %s', (kind) => {
  let database: Database;
  beforeAll(async () => {
    database = await createTestDatabase(kind);
  });
  afterAll(async () => database?.close());

  it('start-up is refused, naming them, while a queue has no handler; a queue takes one handler only', async () => {
    const queue = new JobQueue(database, { databaseUrl: database.url, log: quiet, pollingIntervalSeconds: 0.5 });
    await queue.start();
    try {
      await queue.work('documentation.summarize', collector(0).handler);
      expect(() => queue.assertEveryQueueHandled()).toThrow(/no handler for the job queues delivery\.psa, delivery\.slack, .*handoff\.remind/);
      expect(() => queue.assertEveryQueueHandled()).not.toThrow(/documentation\.summarize/);
      await expect(queue.work('documentation.summarize', collector(0).handler)).rejects.toThrow('the job queue documentation.summarize has a handler already');
      for (const name of QUEUES) if (name !== 'documentation.summarize') await queue.work(name, async () => {});
      expect(() => queue.assertEveryQueueHandled()).not.toThrow();
    } finally {
      await queue.stop();
    }
  });

  it('runs a job enqueued in a committed transaction, never one from a rolled-back transaction, and does not deadlock', async () => {
    const queue = new JobQueue(database, { databaseUrl: database.url, log: quiet, pollingIntervalSeconds: 0.5 });
    await queue.start();
    try {
      const jobs = collector(1);
      await queue.work('documentation.summarize', jobs.handler);
      await expect(
        database.db.transaction(async (tx) => {
          await queue.send(tx, 'documentation.summarize', { documentationId: 'rolled-back' });
          await tx.execute(sql`select 1`);
          throw new Error('abort');
        }),
      ).rejects.toThrow('abort');
      const committedId = await database.db.transaction(async (tx) => {
        const id = await queue.send(tx, 'documentation.summarize', { documentationId: 'committed' });
        await tx.execute(sql`select 1`);
        return id;
      });
      queue.wake('documentation.summarize');
      await jobs.finished;
      // Give a wrongly kept job every chance to show up.
      await new Promise((r) => setTimeout(r, 1500));
      expect(jobs.seen).toEqual([{ documentationId: 'committed' }]);
      expect(await queue.jobState('documentation.summarize', committedId)).toBe('completed');
    } finally {
      await queue.stop();
    }
  });

  it('drains a backlog one job at a time without waiting out the polling interval after each job', async () => {
    // The production intervals: without an immediate re-fetch, 40 jobs on 2 workers would take over a minute.
    const queue = new JobQueue(database, { databaseUrl: database.url, log: quiet, pollingIntervalSeconds: 2, backstopSeconds: 5 });
    await queue.start();
    try {
      await database.db.transaction(async (tx) => {
        await queue.sendMany(tx, 'documentation.summarize', Array.from({ length: 40 }, (_, i) => ({ documentationId: `backlog-${i}` })));
      });
      const jobs = collector(40, 15_000);
      const started = Date.now();
      await queue.work('documentation.summarize', jobs.handler);
      await jobs.finished;
      expect(new Set(jobs.seen.map((d) => d.documentationId)).size).toBe(40);
      expect(Date.now() - started).toBeLessThan(15_000);
    } finally {
      await queue.stop();
    }
  });

  it('keeps jobs nobody ran for the next process that starts', async () => {
    const first = new JobQueue(database, { databaseUrl: database.url, log: quiet, pollingIntervalSeconds: 0.5 });
    await first.start();
    await database.db.transaction(async (tx) => {
      for (let i = 0; i < 3; i++) await first.send(tx, 'documentation.summarize', { documentationId: `pending-${i}` });
    });
    await first.stop();

    const second = new JobQueue(database, { databaseUrl: database.url, log: quiet, pollingIntervalSeconds: 0.5 });
    await second.start();
    try {
      const jobs = collector(3);
      await second.work('documentation.summarize', jobs.handler);
      await jobs.finished;
      expect(jobs.seen.map((d) => d.documentationId).sort()).toEqual(['pending-0', 'pending-1', 'pending-2']);
    } finally {
      await second.stop();
    }
  });

  it('enqueues many jobs at once (sendMany) and, with batchSize, drains them in batches, running each once and failing only the job that throws', async () => {
    const queue = new JobQueue(database, { databaseUrl: database.url, log: quiet, pollingIntervalSeconds: 0.5 });
    await queue.start();
    try {
      const data = Array.from({ length: 120 }, (_, i) => ({ documentationId: `batch-${i}` }));
      await expect(
        database.db.transaction(async (tx) => {
          await queue.sendMany(tx, 'documentation.summarize', [{ documentationId: 'rolled-back' }]);
          throw new Error('abort');
        }),
      ).rejects.toThrow('abort');
      const sent = await database.db.transaction((tx) => queue.sendMany(tx, 'documentation.summarize', data));
      expect(new Set(sent).size).toBe(120);
      const jobs = collector(120);
      await queue.work(
        'documentation.summarize',
        async (d) => {
          await jobs.handler(d);
          if (d.documentationId === 'batch-7') throw new Error('this one fails');
        },
        { concurrency: 2, batchSize: 25 },
      );
      await jobs.finished;
      await new Promise((r) => setTimeout(r, 500));
      expect(jobs.seen).toHaveLength(120);
      expect(new Set(jobs.seen.map((d) => d.documentationId))).toEqual(new Set(data.map((d) => d.documentationId)));
      const states = async () => {
        const all = await Promise.all(sent.map((id) => queue.jobState('documentation.summarize', id)));
        return { completed: all.filter((s) => s === 'completed').length, retry: all.filter((s) => s === 'retry').length };
      };
      await expect.poll(states).toEqual({ completed: 119, retry: 1 });
    } finally {
      await queue.stop();
    }
  });
});
