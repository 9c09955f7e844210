import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../db/client.ts';
import { createTestDatabase, DB_KINDS } from '../../test/harness.ts';
import { JobQueue, type JobData } from './jobs.ts';

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
});
