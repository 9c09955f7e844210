/**
 * `npm run bench`: starts FlowPilot on PostgreSQL and the baseline server,
 * each pinned to core 0, and drives them with autocannon from this process on
 * core 1. Writes bench/results/<name>.json and bench/results/summary.md.
 *
 * Settings: BENCH_DATABASE_URL (a PostgreSQL server where a scratch database
 * may be created; default the local test server), BENCH_DURATION (seconds
 * per scenario, default 10), BENCH_CONNECTIONS (default 50).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import pg from 'pg';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const resultsDir = path.join(root, 'bench', 'results');
const adminUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const duration = Number(process.env.BENCH_DURATION ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 50);
const poolSize = 20;
const tsx = import.meta.resolve('tsx');

const twoCores = cpus().length >= 2 && spawnSync('taskset', ['--version']).status === 0;
if (twoCores) spawnSync('taskset', ['-p', '-c', '1', String(process.pid)], { stdio: 'ignore' });
const pinned = (args: string[]) => (twoCores ? ['taskset', ['-c', '0', ...args]] : [args[0]!, args.slice(1)]) as [string, string[]];

interface Result {
  name: string;
  description: string;
  connections: number;
  duration_s: number;
  requests: number;
  requests_per_s: number;
  p50_ms: number;
  p95_ms: number;
  p99_ms: number;
  non_2xx: number;
  errors: number;
  target_rate?: number;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

async function load(
  name: string,
  description: string,
  opts: autocannon.Options & { overallRate?: number },
): Promise<Result> {
  // Warm up: JIT, pool connections, caches.
  await autocannon({ ...opts, duration: 2 });
  const latencies: number[] = [];
  const instance = autocannon({ ...opts, duration }) as unknown as autocannon.Instance & Promise<autocannon.Result>;
  instance.on('response', (_client: unknown, _status: number, _bytes: number, time: number) => latencies.push(time));
  const r = await instance;
  latencies.sort((a, b) => a - b);
  const result: Result = {
    name,
    description,
    connections: opts.connections ?? 10,
    duration_s: duration,
    requests: r.requests.total,
    requests_per_s: Math.round(r.requests.total / duration),
    p50_ms: round(percentile(latencies, 50)),
    p95_ms: round(percentile(latencies, 95)),
    p99_ms: round(percentile(latencies, 99)),
    non_2xx: r.non2xx,
    errors: r.errors + r.timeouts,
    ...(opts.overallRate !== undefined && { target_rate: opts.overallRate }),
  };
  writeFileSync(path.join(resultsDir, `${name}.json`), JSON.stringify(result, null, 2) + '\n');
  console.log(`${name}: ${result.requests_per_s} req/s, p50 ${result.p50_ms} ms, p95 ${result.p95_ms} ms, p99 ${result.p99_ms} ms, non-2xx ${result.non_2xx}, errors ${result.errors}`);
  return result;
}

const round = (n: number) => Math.round(n * 100) / 100;

/**
 * Open-loop load at a fixed rate, one request every 1/rate s whatever the
 * answers do, as users arrive: latency includes any queueing at the server.
 * (autocannon's rate limit sends each second's requests in one burst.)
 */
async function paced(name: string, description: string, rate: number, send: () => Promise<Response>): Promise<Result> {
  const run = async (seconds: number) => {
    const latencies: number[] = [];
    let non2xx = 0;
    let errors = 0;
    const pending: Promise<void>[] = [];
    const start = performance.now();
    for (let i = 0; i < seconds * rate; i++) {
      const due = start + (i * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const sent = performance.now();
      pending.push(
        send()
          .then(async (res) => {
            await res.arrayBuffer();
            latencies.push(performance.now() - sent);
            if (res.status < 200 || res.status >= 300) non2xx++;
          })
          .catch(() => void errors++),
      );
    }
    await Promise.all(pending);
    return { latencies: latencies.sort((a, b) => a - b), non2xx, errors };
  };
  await run(2);
  const { latencies, non2xx, errors } = await run(duration);
  const result: Result = {
    name,
    description,
    connections: rate,
    duration_s: duration,
    requests: latencies.length,
    requests_per_s: Math.round(latencies.length / duration),
    p50_ms: round(percentile(latencies, 50)),
    p95_ms: round(percentile(latencies, 95)),
    p99_ms: round(percentile(latencies, 99)),
    non_2xx: non2xx,
    errors,
    target_rate: rate,
  };
  writeFileSync(path.join(resultsDir, `${name}.json`), JSON.stringify(result, null, 2) + '\n');
  console.log(`${name}: ${result.requests_per_s} req/s, p50 ${result.p50_ms} ms, p95 ${result.p95_ms} ms, p99 ${result.p99_ms} ms, non-2xx ${non2xx}, errors ${errors}`);
  return result;
}

function startProcess(args: string[], env: Record<string, string>, readyUrl: string): Promise<ChildProcess> {
  const [cmd, cmdArgs] = pinned(args);
  const child = spawn(cmd, cmdArgs, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + 60_000;
    const poll = async () => {
      if (child.exitCode !== null) return reject(new Error(`process exited:\n${out}`));
      try {
        if ((await fetch(readyUrl)).ok) return resolve(child);
      } catch {
        /* not yet */
      }
      if (Date.now() > deadline) return reject(new Error(`not ready:\n${out}`));
      setTimeout(poll, 200);
    };
    void poll();
  });
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

async function main(): Promise<void> {
  mkdirSync(resultsDir, { recursive: true });
  const dbName = 'flowpilot_bench';
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`drop database if exists ${dbName} with (force)`);
  await admin.query(`create database ${dbName}`);
  await admin.end();
  const u = new URL(adminUrl);
  u.pathname = `/${dbName}`;
  const databaseUrl = u.toString();

  const appPort = 18_400;
  const basePort = 18_401;
  const env = {
    DATABASE_URL: databaseUrl,
    DATABASE_POOL_SIZE: String(poolSize),
    JWT_SECRET: 'bench-secret-bench-secret-bench-secret-0123',
    LOG_LEVEL: 'warn',
    HOST: '127.0.0.1',
    NODE_ENV: 'production',
  };
  const app = await startProcess(
    ['node', '--import', tsx, 'server/src/server.ts'],
    { ...env, PORT: String(appPort) },
    `http://127.0.0.1:${appPort}/readyz`,
  );
  const baseline = await startProcess(
    ['node', '--import', tsx, 'bench/baseline-server.ts'],
    { ...env, PORT: String(basePort) },
    `http://127.0.0.1:${basePort}/json`,
  );

  const results: Result[] = [];
  try {
    const appUrl = `http://127.0.0.1:${appPort}`;
    const login = await fetch(`${appUrl}/api/v1/auth/login/json`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'tech@flowpilot.test', password: 'flowpilot-tech' }),
    });
    const { access_token } = (await login.json()) as { access_token: string };
    const me = (await (await fetch(`${appUrl}/api/v1/auth/me`, { headers: { authorization: `Bearer ${access_token}` } })).json()) as {
      id: string;
    };

    results.push(await load('baseline-json', 'bare Fastify route, static JSON', { url: `http://127.0.0.1:${basePort}/json`, connections }));
    results.push(
      await load('baseline-db', 'bare Fastify route, one primary-key SELECT through a pool of the same size', {
        url: `http://127.0.0.1:${basePort}/db?id=${me.id}`,
        connections,
      }),
    );
    results.push(
      await load('auth-me', 'GET /api/v1/auth/me (JWT verify + user lookup)', {
        url: `${appUrl}/api/v1/auth/me`,
        connections,
        headers: { authorization: `Bearer ${access_token}` },
      }),
    );
    results.push(
      await paced('auth-login', 'POST /api/v1/auth/login/json, 20 logins/s evenly paced, open loop (argon2id verify)', 20, () =>
        fetch(`${appUrl}/api/v1/auth/login/json`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email: 'engineer@flowpilot.test', password: 'flowpilot-engineer' }),
        }),
      ),
    );
  } finally {
    await stop(app);
    await stop(baseline);
  }

  const json = results.find((r) => r.name === 'baseline-json')!;
  const db = results.find((r) => r.name === 'baseline-db')!;
  const lines = [
    `# FlowPilot benchmarks`,
    '',
    `${new Date().toISOString()} · Node ${process.version} · ${cpus().length} cores (${cpus()[0]?.model.trim()}) · ` +
      `${twoCores ? 'server on core 0, load generator on core 1' : 'not pinned'} · PostgreSQL · ${duration} s per scenario after a 2 s warm-up`,
    '',
    '| scenario | load | req/s | p50 ms | p95 ms | p99 ms | vs baseline-json | vs baseline-db | non-2xx |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...results.map(
      (r) =>
        `| ${r.name} | ${r.target_rate ? `paced ${r.target_rate}/s` : r.connections} | ${r.requests_per_s} | ${r.p50_ms} | ${r.p95_ms} | ${r.p99_ms} | ` +
        `${pct(r.requests_per_s, json.requests_per_s)} | ${pct(r.requests_per_s, db.requests_per_s)} | ${r.non_2xx + r.errors} |`,
    ),
    '',
    ...results.map((r) => `- **${r.name}**: ${r.description}`),
    '',
  ];
  writeFileSync(path.join(resultsDir, 'summary.md'), lines.join('\n'));
  console.log('\n' + lines.join('\n'));
}

const pct = (a: number, b: number) => `${Math.round((a / b) * 100)}%`;

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
