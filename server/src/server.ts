import closeWithGrace from 'close-with-grace';
import { buildApp } from './app.ts';
import { ConfigError, loadConfig } from './config.ts';
import { openDatabase } from './db/client.ts';
import { DataDirLockedError } from './db/data-dir-lock.ts';
import { DEMO_LOGINS, seedDemoData } from './db/seed.ts';

/** Process entry: config → database (migrated, seeded) → app → listen; graceful shutdown on SIGINT/SIGTERM. */
async function main(): Promise<void> {
  const config = loadConfig();
  const database = await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    poolSize: config.databasePoolSize,
  });
  let app;
  try {
    await database.migrate();
    const seeded = config.demoData ? await seedDemoData(database.db) : false;
    app = await buildApp({ config, database });
    app.addHook('onClose', async () => database.close());
    if (seeded) app.log.info('seeded the demo team');
  } catch (err) {
    await database.close();
    throw err;
  }

  closeWithGrace({ delay: 10_000 }, async ({ signal, err }) => {
    if (err) app.log.error({ err }, 'shutting down after an error');
    else app.log.info({ signal }, 'shutting down');
    await app.close();
  });

  await app.listen({ port: config.port, host: config.host });
  const where = database.kind === 'pglite' ? `embedded database in ${config.dataDir}` : 'PostgreSQL';
  const lines = [
    '',
    `  FlowPilot is running at ${config.publicUrl}  (${where})`,
    `  API docs: ${config.publicUrl}/api/docs`,
  ];
  if (config.demoData) {
    lines.push('  Demo sign-ins:');
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
