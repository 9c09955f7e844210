import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { FastifyInstance, FastifyServerOptions, LightMyRequestResponse } from 'fastify';
import { inject } from 'vitest';
import { buildApp, type AppOptions } from '../src/app.ts';
import type { Config } from '../src/config.ts';
import { openDatabase, PGLITE_EXTENSIONS, type Database } from '../src/db/client.ts';
import { DEMO_LOGINS, seedDemoData } from '../src/db/seed.ts';
import type { LoginLimits } from '../src/modules/auth/auth.service.ts';
import { databaseUrlFor, withDatabase } from './pg-admin.ts';

export type DbKind = 'pglite' | 'postgres';

/** Every database the suite runs on: PGlite always, PostgreSQL when TEST_DATABASE_URL is set. */
export const DB_KINDS: DbKind[] = process.env.TEST_DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];

/** A migrated, empty database of its own: PGlite from the run's snapshot, or a clone of the PostgreSQL template. */
export async function createTestDatabase(kind: DbKind): Promise<Database> {
  if (kind === 'pglite') {
    const snapshot = readFileSync(inject('pgliteSnapshot'));
    const pglite = await PGlite.create({ loadDataDir: new Blob([snapshot]), extensions: PGLITE_EXTENSIONS });
    return openDatabase({ pglite });
  }
  const url = process.env.TEST_DATABASE_URL!;
  const template = inject('pgTemplate')!;
  const name = `${inject('pgRunPrefix')}_${randomBytes(5).toString('hex')}`;
  for (let attempt = 0; ; attempt++) {
    try {
      await withDatabase(url, (c) => c.query(`create database "${name}" template "${template}"`));
      break;
    } catch (err) {
      // Two files cloning the template at the same instant can collide; try again.
      if (attempt >= 10 || !/being accessed by other users/.test(String(err))) throw err;
      await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
    }
  }
  const database = await openDatabase({ databaseUrl: databaseUrlFor(url, name), poolSize: 10 });
  const close = database.close.bind(database);
  return {
    ...database,
    async close() {
      await close();
      await withDatabase(url, (c) => c.query(`drop database if exists "${name}" with (force)`));
    },
  };
}

/** Where test apps write files (the email outbox): one folder per test process. */
const TEST_DATA_DIR = mkdtempSync(path.join(tmpdir(), 'flowpilot-test-'));

export function testConfig(overrides: Partial<Config> = {}): Readonly<Config> {
  return Object.freeze<Config>({
    port: 0,
    host: '127.0.0.1',
    dataDir: TEST_DATA_DIR,
    databaseUrl: undefined,
    databasePoolSize: 10,
    demoData: true,
    jwtSecret: 'test-secret-test-secret-test-secret-0123456789',
    encryptionKey: 'test-encryption-key-test-encryption-key-0123',
    publicUrl: 'http://localhost:8000',
    smtpUrl: undefined,
    emailFrom: 'FlowPilot <flowpilot@localhost>',
    ai: { provider: 'anthropic', apiKey: undefined, baseUrl: undefined, model: undefined },
    allowPrivateNetworkTargets: false,
    trustProxy: false,
    logLevel: 'silent',
    metricsToken: undefined,
    webDist: undefined,
    ...overrides,
  });
}

export interface TestApp {
  app: FastifyInstance;
  database: Database;
  kind: DbKind;
  /** Signs in and returns the access token. */
  login(email: string, password: string): Promise<string>;
  /** An access token for the demo user of that role. */
  tokenFor(role: 'admin' | 'engineer' | 'technician'): Promise<string>;
  request(opts: {
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
    url: string;
    token?: string | undefined;
    body?: unknown;
    headers?: Record<string, string>;
  }): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

/** The whole app on a fresh database with the demo team seeded. */
export async function createTestApp(
  kind: DbKind,
  opts: { loginLimits?: LoginLimits; logger?: FastifyServerOptions['logger']; config?: Partial<Config>; seed?: boolean; now?: () => Date; jobs?: AppOptions['jobs'] } = {},
): Promise<TestApp> {
  const database = await createTestDatabase(kind);
  if (opts.seed !== false) await seedDemoData(database.db);
  const app = await buildApp({
    config: testConfig(opts.config),
    database,
    logger: opts.logger ?? false,
    ...(opts.loginLimits && { loginLimits: opts.loginLimits }),
    ...(opts.now && { now: opts.now }),
    jobs: { pollingIntervalSeconds: 0.5, backstopSeconds: 0.5, ...opts.jobs },
  });
  await app.ready();
  const tokens = new Map<string, string>();
  const harness: TestApp = {
    app,
    database,
    kind,
    async login(email, password) {
      const res = await app.inject({ method: 'POST', url: '/api/v1/auth/login/json', payload: { email, password } });
      if (res.statusCode !== 200) throw new Error(`login of ${email} failed: ${res.statusCode} ${res.body}`);
      return res.json<{ access_token: string }>().access_token;
    },
    async tokenFor(role) {
      const cached = tokens.get(role);
      if (cached) return cached;
      const demo = DEMO_LOGINS.find((l) => l.role === role)!;
      const token = await harness.login(demo.email, demo.password);
      tokens.set(role, token);
      return token;
    },
    request({ method, url, token, body, headers }) {
      return app.inject({
        method,
        url,
        headers: { ...(token && { authorization: `Bearer ${token}` }), ...headers },
        ...(body !== undefined && { payload: body as object }),
      });
    },
    async close() {
      await app.close();
      await database.close();
    },
  };
  return harness;
}
