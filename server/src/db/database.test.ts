import { mkdtempSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, DB_KINDS } from '../../test/harness.ts';
import { openDatabase, queryRows, type Database } from './client.ts';
import { DataDirLockedError } from './data-dir-lock.ts';
import { DEMO_LOGINS, seedDemoData } from './seed.ts';

async function tables(database: Database): Promise<string[]> {
  const rows = await queryRows<{ table_name: string }>(
    database.db,
    sql`select table_name from information_schema.tables where table_schema = 'public' order by table_name`,
  );
  return rows.map((r) => r.table_name);
}

async function columns(database: Database): Promise<string[]> {
  const rows = await queryRows<{ c: string }>(
    database.db,
    sql`select table_name || '.' || column_name || ':' || data_type || ':' || is_nullable as c
        from information_schema.columns where table_schema = 'public' order by 1`,
  );
  return rows.map((r) => r.c);
}

describe.each(DB_KINDS)('database on %s', (kind) => {
  let database: Database;
  beforeAll(async () => {
    database = await createTestDatabase(kind);
  });
  afterAll(async () => database?.close());

  it('migrations create the schema, and running them again changes nothing', async () => {
    const before = await columns(database);
    expect(await tables(database)).toEqual([
      'deliveries',
      'event_tickets',
      'events',
      'invites',
      'login_throttle',
      'notifications',
      'password_resets',
      'refresh_tokens',
      'search_lexicon',
      'session_documentation',
      'session_handoffs',
      'session_steps',
      'sessions',
      'team_integrations',
      'teams',
      'tree_search_nodes',
      'tree_versions',
      'trees',
      'users',
    ]);
    await database.migrate();
    await database.migrate();
    expect(await columns(database)).toEqual(before);
  });

  it('seeds the demo team once, however often start-up runs', async () => {
    expect(await seedDemoData(database.db)).toBe(true);
    expect(await seedDemoData(database.db)).toBe(false);
    const users = await queryRows<{ email: string; role: string }>(database.db, sql`select email, role from users order by email`);
    expect(users).toEqual(
      DEMO_LOGINS.map((l) => ({ email: l.email, role: l.role })).sort((a, b) => a.email.localeCompare(b.email)),
    );
  });
});

describe('embedded database on disk', () => {
  it('keeps data across a restart and refuses a second process on the same folder', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'flowpilot-disk-'));
    const first = await openDatabase({ dataDir });
    await first.migrate();
    await seedDemoData(first.db);
    await expect(openDatabase({ dataDir })).rejects.toBeInstanceOf(DataDirLockedError);
    await expect(openDatabase({ dataDir })).rejects.toThrow(/in use by another FlowPilot process/);
    await first.close();

    const second = await openDatabase({ dataDir });
    await second.migrate();
    const count = await queryRows<{ n: number }>(second.db, sql`select count(*)::int as n from users`);
    expect(count[0]?.n).toBe(3);
    expect(await seedDemoData(second.db)).toBe(false);
    await second.close();
  });

  it('takes over the lock of a process that died', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'flowpilot-stale-'));
    writeFileSync(path.join(dataDir, 'flowpilot.lock'), JSON.stringify({ pid: 2 ** 22 + 12345, host: hostname() }));
    const database = await openDatabase({ dataDir });
    await database.migrate();
    await database.close();
  });
});
