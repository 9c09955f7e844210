import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { sql, type SQL } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import * as schema from './schema/index.ts';
import { acquireDataDirLock } from './data-dir-lock.ts';

export { schema };

/** A Drizzle handle on either database; a transaction is one too. */
export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

/** PostgreSQL extensions FlowPilot uses, loaded into every embedded database. */
export const PGLITE_EXTENSIONS = { pg_trgm };

export const MIGRATIONS_FOLDER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');

export interface Database {
  db: Db;
  kind: 'pglite' | 'postgres';
  /** Present on PostgreSQL: the pool, for things that need a raw connection. */
  pool?: pg.Pool;
  /** Present on PostgreSQL: its URL, for things that open connections of their own (the job queue). */
  url?: string;
  /** Present on PGlite: the embedded instance. */
  pglite?: PGlite;
  migrate(): Promise<void>;
  close(): Promise<void>;
}

export interface OpenOptions {
  databaseUrl?: string | undefined;
  dataDir?: string;
  poolSize?: number;
  /** An already open PGlite (tests load a migrated snapshot). */
  pglite?: PGlite;
  /** Told about errors of idle PostgreSQL connections (e.g. the server restarted). */
  onPoolError?: (err: Error) => void;
}

/** Opens PostgreSQL when a URL is given, else PGlite in `DATA_DIR/pgdata` (locked against a second process). */
export async function openDatabase(opts: OpenOptions): Promise<Database> {
  if (opts.databaseUrl) return openPostgres(opts.databaseUrl, opts.poolSize ?? 20, opts.onPoolError);
  if (opts.pglite) return wrapPglite(opts.pglite, async () => {});
  if (!opts.dataDir) throw new Error('dataDir is required for the embedded database');
  mkdirSync(opts.dataDir, { recursive: true });
  const release = acquireDataDirLock(opts.dataDir);
  try {
    const pglite = await PGlite.create(path.join(opts.dataDir, 'pgdata'), { extensions: PGLITE_EXTENSIONS });
    return wrapPglite(pglite, async () => release());
  } catch (err) {
    release();
    throw err;
  }
}

function wrapPglite(pglite: PGlite, onClose: () => Promise<void>): Database {
  const db = drizzlePglite(pglite, { schema }) as unknown as Db;
  return {
    db,
    kind: 'pglite',
    pglite,
    async migrate() {
      await migratePglite(drizzlePglite(pglite), { migrationsFolder: MIGRATIONS_FOLDER });
    },
    async close() {
      if (!pglite.closed) await pglite.close();
      await onClose();
    },
  };
}

async function openPostgres(url: string, poolSize: number, onPoolError?: (err: Error) => void): Promise<Database> {
  const pool = new pg.Pool({ connectionString: url, max: poolSize });
  // An idle client that loses its connection must not crash the process; the pool replaces it.
  pool.on('error', (err) => onPoolError?.(err));
  const db = drizzlePg(pool, { schema }) as unknown as Db;
  await db.execute(sql`select 1`);
  return {
    db,
    kind: 'postgres',
    pool,
    url,
    async migrate() {
      // Several processes may start at once: one migrates, the others wait.
      const client = await pool.connect();
      try {
        await client.query(`select pg_advisory_lock(hashtext('flowpilot:migrations'))`);
        await migratePg(drizzlePg(client), { migrationsFolder: MIGRATIONS_FOLDER });
      } finally {
        await client.query(`select pg_advisory_unlock(hashtext('flowpilot:migrations'))`).catch(() => {});
        client.release();
      }
    },
    async close() {
      await pool.end();
    },
  };
}

/** Runs raw SQL and returns its rows; both drivers answer `{rows}`. */
export async function queryRows<T>(db: Db, query: SQL): Promise<T[]> {
  const result = (await db.execute(query)) as unknown as { rows: T[] };
  return result.rows;
}

/**
 * A statement built once per database handle: the hot reads and writes are
 * prepared (parsed and planned once per connection, not per request).
 */
export function preparedPer<T>(build: (db: Db) => T): (db: Db) => T {
  const statements = new WeakMap<Db, T>();
  return (db) => {
    let statement = statements.get(db);
    if (!statement) {
      statement = build(db);
      statements.set(db, statement);
    }
    return statement;
  };
}
