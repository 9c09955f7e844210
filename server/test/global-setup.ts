import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';

import type { TestProject } from 'vitest/node';
import { openDatabase, PGLITE_EXTENSIONS } from '../src/db/client.ts';
import { JobQueue } from '../src/lib/jobs.ts';
import { databaseUrlFor, withDatabase } from './pg-admin.ts';

const quiet = { warn: () => {}, error: () => {} };

/** Installs the job queue's schema and queues, as the server's first start does. */
async function installJobQueue(database: Awaited<ReturnType<typeof openDatabase>>): Promise<void> {
  const queue = new JobQueue(database, { databaseUrl: database.url, log: quiet });
  await queue.start();
  await queue.stop();
}

declare module 'vitest' {
  export interface ProvidedContext {
    pgliteSnapshot: string;
    pgTemplate: string | null;
    pgRunPrefix: string;
  }
}

/**
 * Migrates once per run: a PGlite snapshot that every test file loads, and
 * (with TEST_DATABASE_URL) a PostgreSQL template database that every test
 * file clones.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dir = mkdtempSync(path.join(tmpdir(), 'flowpilot-test-'));
  const pglite = await PGlite.create({ extensions: PGLITE_EXTENSIONS });
  const database = await openDatabase({ pglite });
  await database.migrate();
  await installJobQueue(database);
  const dump = await pglite.dumpDataDir('none');
  const snapshot = path.join(dir, 'migrated.tar');
  writeFileSync(snapshot, Buffer.from(await dump.arrayBuffer()));
  await database.close();
  project.provide('pgliteSnapshot', snapshot);

  const runPrefix = `fp_test_${randomBytes(4).toString('hex')}`;
  project.provide('pgRunPrefix', runPrefix);
  const url = process.env.TEST_DATABASE_URL;
  let template: string | null = null;
  if (url) {
    template = `${runPrefix}_template`;
    await withDatabase(url, (c) => c.query(`create database "${template}"`));
    const tpl = await openDatabase({ databaseUrl: databaseUrlFor(url, template), poolSize: 2 });
    await tpl.migrate();
    await installJobQueue(tpl);
    await tpl.close();
  }
  project.provide('pgTemplate', template);

  return async () => {
    rmSync(dir, { recursive: true, force: true });
    if (url) {
      await withDatabase(url, async (c) => {
        const { rows } = await c.query<{ datname: string }>(`select datname from pg_database where datname like $1`, [
          `${runPrefix}%`,
        ]);
        for (const { datname } of rows) await c.query(`drop database if exists "${datname}" with (force)`);
      });
    }
  };
}


