import closeWithGrace from 'close-with-grace';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.ts';
import { ConfigError, loadConfig } from './config.ts';
import { openDatabase } from './db/client.ts';
import { DataDirLockedError } from './db/data-dir-lock.ts';
import { DEMO_LOGINS, demoLoginsExist, seedDemoData } from './db/seed.ts';

/** Process entry: config → database (migrated, seeded) → app → listen; graceful shutdown on SIGINT/SIGTERM. */
async function main(): Promise<void> {
  const config = loadConfig();
  let log: ((err: Error) => void) | undefined;
  const database = await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    poolSize: config.databasePoolSize,
    onPoolError: (err) => log?.(err),
  });
  let app: FastifyInstance;
  try {
    await database.migrate();
    const seeded = config.demoData ? await seedDemoData(database.db) : false;
    app = await buildApp({ config, database });
    const appLog = app.log;
    log = (err) => appLog.warn({ err: { message: err.message } }, 'a PostgreSQL connection failed; the pool replaces it');
    if (seeded) app.log.info('seeded the demo team');
    if (seeded && database.kind === 'postgres') {
      app.log.warn('Demo accounts with published passwords were created on PostgreSQL: deactivate them or start with DEMO_DATA=false');
    }
  } catch (err) {
    await database.close();
    throw err;
  }

  // Running jobs get 10 s to finish (the job queue stops in app.close), so the whole stop gets longer.
  closeWithGrace({ delay: 20_000 }, async ({ signal, err }) => {
    if (err) app.log.error({ err }, 'shutting down after an error');
    else app.log.info({ signal }, 'shutting down');
    try {
      await app.close();
    } finally {
      // Last: the job queue and the event bus still use the database while they stop.
      await database.close();
    }
  });

  await app.listen({ port: config.port, host: config.host });
  const where = database.kind === 'pglite' ? `embedded database in ${config.dataDir}` : 'PostgreSQL';
  const lines = [
    '',
    `  FlowPilot is running at ${config.publicUrl}  (${where})`,
    `  API docs: ${config.publicUrl}/api/docs`,
  ];
  if (config.demoData && (await demoLoginsExist(database.db))) {
    lines.push('  Demo sign-ins (unless changed):');
    for (const l of DEMO_LOGINS) lines.push(`    ${l.role.padEnd(10)} ${l.email.padEnd(26)} password: ${l.password}`);
  }
  process.stdout.write(lines.join('\n') + '\n\n');
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError || err instanceof DataDirLockedError) {
    process.stderr.write(`FlowPilot cannot start.\n${err.message}\n`);
  } else {
    process.stderr.write(`FlowPilot cannot start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  }
  process.exit(1);
});
