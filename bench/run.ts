/**
 * `npm run bench`: starts FlowPilot on PostgreSQL and the baseline server,
 * each pinned to core 0, and drives them with autocannon from this process on
 * core 1. Writes bench/results/<name>.json and bench/results/summary.md.
 *
 * Before measuring, the tree scenarios get their data through the HTTP API as
 * the demo engineer: a library of 1,000 generated trees of 50 nodes
 * (bench/tree-library.ts, imported in batches of 100) and one tree of 200
 * nodes.
 *
 * The session scenarios start sessions on a demo tree as the demo
 * technician; the step scenario first adds 50 technicians to the team and
 * starts a pool of sessions for them, each stepped by its own technician.
 *
 * Then, with the app and the baseline stopped, the job-queue scenarios
 * (bench/jobs.ts), each in a process of its own on core 0 with a fresh
 * database, on PGlite and on PostgreSQL.
 *
 * Last, the escalation and live-event scenarios (bench/escalations.ts): a
 * process of its own on this core that starts FlowPilot on core 0 with a fresh
 * database, writes escalate-latency, live-delivery-1000, live-delivery-5000
 * and stream-memory.json, and gives the section "Escalations and live
 * events" of summary.md. A correctness failure there (a stream missing an
 * event, …) is written in the summary and makes `npm run bench` exit 1.
 * Alone: `node --import tsx bench/escalations.ts` (see its header).
 *
 * Settings: BENCH_DATABASE_URL (a PostgreSQL server where a scratch database
 * may be created; default the local test server), BENCH_DURATION (seconds
 * per scenario, default 10), BENCH_CONNECTIONS (default 50); for the job
 * scenarios see bench/jobs.ts.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import pg from 'pg';
import type { ImportReport, SearchResults, SessionResponse, TreeBody, TreeResponse } from '@flowpilot/contracts';
import { MAPPED_DRIVE_MISSING_TREE_ID } from '../server/src/db/demo-trees/ids.ts';
import { escalationSummary, type EscalationsResult } from './escalations.ts';
import type { JobPickupResult, QueueThroughputResult } from './jobs.ts';
import { percentile, pinned, root, round, startProcess, stop, twoCores } from './support.ts';
import { checkQueries, EXACT_QUERIES, generateLibrary, generateTree, libraryWords, TYPO_QUERIES } from './tree-library.ts';

const resultsDir = path.join(root, 'bench', 'results');
const adminUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const duration = Number(process.env.BENCH_DURATION ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 50);
const poolSize = 20;
const LIBRARY_TREES = 1000;
const LIBRARY_NODES = 50;
const BIG_TREE_NODES = 200;
const IMPORT_BATCH = 100;
const PROBE_ROUNDS = 10;
/** Sessions the step scenario spreads its notes over: enough that each gets a realistic dozen or so steps. */
const STEP_SESSIONS = 1000;
/** Technicians the step scenario's sessions belong to (each session is stepped by its own technician). */
const STEP_TECHNICIANS = 50;
const SESSION_TREE_ID = MAPPED_DRIVE_MISSING_TREE_ID;
const tsx = import.meta.resolve('tsx');

if (twoCores) spawnSync('taskset', ['-p', '-c', '1', String(process.pid)], { stdio: 'ignore' });

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
  goal?: { text: string; met: boolean };
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
  writeResult(result);
  console.log(`${name}: ${result.requests_per_s} req/s, p50 ${result.p50_ms} ms, p95 ${result.p95_ms} ms, p99 ${result.p99_ms} ms, non-2xx ${result.non_2xx}, errors ${result.errors}`);
  return result;
}

const writeResult = (r: Result) => writeFileSync(path.join(resultsDir, `${r.name}.json`), JSON.stringify(r, null, 2) + '\n');
const writeJobResult = (r: JobPickupResult | QueueThroughputResult) => writeFileSync(path.join(resultsDir, `${r.name}.json`), JSON.stringify(r, null, 2) + '\n');

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
  writeResult(result);
  console.log(`${name}: ${result.requests_per_s} req/s, p50 ${result.p50_ms} ms, p95 ${result.p95_ms} ms, p99 ${result.p99_ms} ms, non-2xx ${non2xx}, errors ${errors}`);
  return result;
}

async function login(appUrl: string, email: string, password: string): Promise<string> {
  const res = await fetch(`${appUrl}/api/v1/auth/login/json`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  if (!res.ok) throw new Error(`login as ${email}: HTTP ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

/** A JSON request that must answer `expected`; anything else stops the run. */
async function call<T>(url: string, init: RequestInit & { token: string }, expected: number, what: string): Promise<T> {
  const { token, ...rest } = init;
  const res = await fetch(url, {
    ...rest,
    headers: { authorization: `Bearer ${token}`, ...(rest.body !== undefined && { 'content-type': 'application/json' }) },
  });
  const text = await res.text();
  if (res.status !== expected) throw new Error(`${what}: HTTP ${res.status} (expected ${expected}): ${text.slice(0, 4000)}`);
  return JSON.parse(text) as T;
}

interface TreeData {
  bigTreeId: string;
  library: TreeBody[];
  seconds: number;
}

/** Creates the tree data through the API as the demo engineer: the library by bulk import, the big tree by POST. */
async function createTrees(appUrl: string): Promise<TreeData> {
  const started = performance.now();
  const token = await login(appUrl, 'engineer@flowpilot.test', 'flowpilot-engineer');
  const library = generateLibrary(LIBRARY_TREES, LIBRARY_NODES);
  const big = generateTree(LIBRARY_TREES + 1, BIG_TREE_NODES);
  checkQueries(libraryWords([...library, big]));
  for (let i = 0; i < library.length; i += IMPORT_BATCH) {
    const batch = library.slice(i, i + IMPORT_BATCH);
    const what = `import of library trees ${i + 1}-${i + batch.length}`;
    const report = await call<ImportReport>(
      `${appUrl}/api/v1/trees/import`,
      { method: 'POST', token, body: JSON.stringify({ content: { format: 'flowpilot.trees', version: 1, trees: batch }, status: 'published' }) },
      200,
      what,
    );
    if (report.failed !== 0 || report.created !== batch.length) {
      const failures = report.results.filter((r) => r.status !== 'created').slice(0, 5);
      throw new Error(`${what}: created ${report.created}, failed ${report.failed}:\n${JSON.stringify(failures, null, 2)}`);
    }
  }
  const created = await call<TreeResponse>(`${appUrl}/api/v1/trees`, { method: 'POST', token, body: JSON.stringify(big) }, 201, 'create the big tree');
  if (created.nodes.length !== BIG_TREE_NODES) throw new Error(`the big tree came back with ${created.nodes.length} nodes`);
  return { bigTreeId: created.id, library: [...library, big], seconds: (performance.now() - started) / 1000 };
}

/** Cycles every connection through `paths`, one request each, shared round-robin. */
function rotating(paths: readonly string[]): autocannon.Request[] {
  let next = 0;
  return [{ method: 'GET', setupRequest: (req) => ({ ...req, path: paths[next++ % paths.length]! }) }];
}

/** Cycles every connection through `targets`, one POST of `body` each as the target's user, shared round-robin. */
function rotatingPostAs(targets: readonly { path: string; token: string }[], body: unknown): autocannon.Request[] {
  let next = 0;
  return [
    {
      method: 'POST',
      body: JSON.stringify(body),
      setupRequest: (req) => {
        const { path, token } = targets[next++ % targets.length]!;
        return { ...req, path, headers: { ...req.headers, authorization: `Bearer ${token}` } };
      },
    },
  ];
}

/** Adds `count` technicians to the demo team through the API (as the demo admin) and signs each in. */
async function createTechnicians(appUrl: string, count: number): Promise<string[]> {
  const admin = await login(appUrl, 'admin@flowpilot.test', 'flowpilot-admin');
  const tokens: string[] = [];
  for (let i = 1; i <= count; i++) {
    const email = `bench.technician${i}@flowpilot.test`;
    const body = JSON.stringify({ email, password: 'bench-technician-password', full_name: `Bench Technician ${i}`, role: 'technician' });
    await call(`${appUrl}/api/v1/users`, { method: 'POST', token: admin, body }, 201, 'create a technician');
    tokens.push(await login(appUrl, email, 'bench-technician-password'));
  }
  return tokens;
}

/** Starts `count` sessions on `treeId` through the API, a few at a time, by the given users in turn. */
async function startSessions(appUrl: string, tokens: readonly string[], treeId: string, count: number): Promise<{ session: SessionResponse; token: string }[]> {
  const sessions: { session: SessionResponse; token: string }[] = [];
  const body = JSON.stringify({ tree_id: treeId, client_name: 'Bench client' });
  let started = 0;
  const worker = async () => {
    while (started < count) {
      const token = tokens[started++ % tokens.length]!;
      sessions.push({ session: await call<SessionResponse>(`${appUrl}/api/v1/sessions`, { method: 'POST', token, body }, 201, 'start a session'), token });
    }
  };
  await Promise.all(Array.from({ length: 10 }, worker));
  return sessions;
}

/** Runs one job-queue scenario in its own process on the server's core; its result is the last line it prints. */
function runJobs<T>(scenario: 'pickup' | 'throughput', kind: 'pglite' | 'postgres'): Promise<T> {
  const [cmd, args] = pinned(['node', '--import', tsx, 'bench/jobs.ts', scenario, kind]);
  const child = spawn(cmd, args, { cwd: root, env: { ...process.env, BENCH_DATABASE_URL: adminUrl, NODE_ENV: 'production' }, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => {
      const last = out.trim().split('\n').at(-1);
      if (code !== 0 || !last) return reject(new Error(`bench/jobs.ts ${scenario} ${kind} exited with ${code}:\n${out}`));
      resolve(JSON.parse(last) as T);
    });
  });
}

/**
 * The escalation and live-event scenarios in a process of their own. It stays on this core (core 1) as the load
 * generator and starts the app on core 0 itself; it writes its result files. Exit 2 means results with failures.
 */
function runEscalations(): Promise<EscalationsResult> {
  const child = spawn('node', ['--import', tsx, 'bench/escalations.ts'], {
    cwd: root,
    env: { ...process.env, BENCH_DATABASE_URL: adminUrl, BENCH_DURATION: String(duration), BENCH_ESCALATIONS_FROM_RUN: '1' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => {
      const last = out.trim().split('\n').at(-1);
      if ((code !== 0 && code !== 2) || !last) return reject(new Error(`bench/escalations.ts exited with ${code}:\n${out}`));
      resolve(JSON.parse(last) as EscalationsResult);
    });
  });
}

const searchPath = (q: string) => `/api/v1/trees/search?q=${encodeURIComponent(q)}`;

interface QueryProbe {
  q: string;
  kind: 'exact' | 'typo';
  total: number;
  corrected_terms: string[];
  median_ms: number;
  max_ms: number;
}

/** Each search query alone, one at a time after one unmeasured try (no concurrency): what it costs and what it finds. */
async function probeQueries(appUrl: string, token: string): Promise<QueryProbe[]> {
  const queries = [...EXACT_QUERIES.map((q) => ({ q, kind: 'exact' as const })), ...TYPO_QUERIES.map(({ q }) => ({ q, kind: 'typo' as const }))];
  const probes: QueryProbe[] = [];
  // Let the server and the database finish what the last load left queued.
  await new Promise((r) => setTimeout(r, 2000));
  for (const { q, kind } of queries) {
    await call<SearchResults>(`${appUrl}${searchPath(q)}`, { token }, 200, `search "${q}"`);
    const times: number[] = [];
    let answer: SearchResults | undefined;
    for (let i = 0; i < PROBE_ROUNDS; i++) {
      const t0 = performance.now();
      answer = await call<SearchResults>(`${appUrl}${searchPath(q)}`, { token }, 200, `search "${q}"`);
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    probes.push({
      q,
      kind,
      total: answer!.total,
      corrected_terms: answer!.corrected_terms,
      median_ms: round(percentile(times, 50)),
      max_ms: round(times[times.length - 1]!),
    });
  }
  writeFileSync(path.join(resultsDir, 'tree-search-queries.json'), JSON.stringify(probes, null, 2) + '\n');
  return probes;
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
  const { child: app } = await startProcess(
    ['node', '--import', tsx, 'server/src/server.ts'],
    { ...env, PORT: String(appPort) },
    `http://127.0.0.1:${appPort}/readyz`,
  );
  const { child: baseline } = await startProcess(
    ['node', '--import', tsx, 'bench/baseline-server.ts'],
    { ...env, PORT: String(basePort) },
    `http://127.0.0.1:${basePort}/json`,
  );

  const results: Result[] = [];
  let trees: TreeData;
  let probes: QueryProbe[] = [];
  try {
    const appUrl = `http://127.0.0.1:${appPort}`;
    const access_token = await login(appUrl, 'tech@flowpilot.test', 'flowpilot-tech');
    const me = (await (await fetch(`${appUrl}/api/v1/auth/me`, { headers: { authorization: `Bearer ${access_token}` } })).json()) as {
      id: string;
    };

    console.log(`creating ${LIBRARY_TREES} trees of ${LIBRARY_NODES} nodes and one of ${BIG_TREE_NODES} through the API…`);
    trees = await createTrees(appUrl);
    // Fresh planner statistics for the new rows, as autovacuum would give them soon anyway (and not mid-run),
    // and their pages written out now rather than by a checkpoint during a measurement.
    const benchDb = new pg.Client({ connectionString: databaseUrl });
    await benchDb.connect();
    await benchDb.query('vacuum analyze');
    await benchDb.query('checkpoint');
    await benchDb.end();
    console.log(`trees created in ${trees.seconds.toFixed(1)} s`);
    const auth = { authorization: `Bearer ${access_token}` };

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

    const treeUrl = `${appUrl}/api/v1/trees/${trees.bigTreeId}`;
    const treeBytes = (await (await fetch(treeUrl, { headers: auth })).arrayBuffer()).byteLength;
    const treeGet = await load('tree-get', `GET /api/v1/trees/{id} as the technician, a published tree of ${BIG_TREE_NODES} nodes (${Math.round(treeBytes / 1024)} kB of JSON)`, {
      url: treeUrl,
      connections,
      headers: auth,
    });
    const dbRate = results.find((r) => r.name === 'baseline-db')!.requests_per_s;
    treeGet.goal = { text: '≥ 50% of baseline-db req/s', met: treeGet.requests_per_s >= 0.5 * dbRate };
    writeResult(treeGet);
    results.push(treeGet);

    const exact = EXACT_QUERIES.map(searchPath);
    const typo = TYPO_QUERIES.map(({ q }) => searchPath(q));
    const library = `${LIBRARY_TREES} trees × ${LIBRARY_NODES} nodes (+ the ${BIG_TREE_NODES}-node tree and the demo trees), as the technician`;
    const search = await load('tree-search', `GET /api/v1/trees/search, ${exact.length} exact and ${typo.length} misspelled queries alternating, over ${library}`, {
      url: appUrl,
      connections,
      headers: auth,
      requests: rotating(exact.flatMap((p, i) => [p, typo[i]!])),
    });
    search.goal = { text: 'p99 ≤ 50 ms', met: search.p99_ms <= 50 };
    writeResult(search);
    results.push(search);
    results.push(
      await load('tree-search-exact', `the ${exact.length} exact queries of tree-search only`, { url: appUrl, connections, headers: auth, requests: rotating(exact) }),
    );
    results.push(
      await load('tree-search-typo', `the ${typo.length} misspelled queries of tree-search only`, { url: appUrl, connections, headers: auth, requests: rotating(typo) }),
    );
    // Never the same query twice: every request misses the search cache and runs the full search.
    const words = [...libraryWords(trees.library)].filter((w) => w.length >= 4).sort();
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const misspell = (w: string) => {
      const i = 1 + Math.floor(rand() * (w.length - 2));
      return w.slice(0, i) + w[i + 1] + w[i] + w.slice(i + 2);
    };
    const fresh = Array.from({ length: 60_000 }, (_, i) => {
      const a = words[Math.floor(rand() * words.length)]!;
      const b = words[Math.floor(rand() * words.length)]!;
      return searchPath(`${i % 2 ? misspell(a) : a} ${b}`);
    });
    results.push(
      await load('tree-search-uncached', `random two-word queries from the library (half misspelled), practically never repeated, so answered without the search cache`, {
        url: appUrl,
        connections,
        headers: auth,
        requests: rotating(fresh),
      }),
    );
    probes = await probeQueries(appUrl, access_token);

    // Last of the HTTP scenarios: the sessions and steps they write would otherwise be in the tables the others read.
    const dbRateNow = results.find((r) => r.name === 'baseline-db')!.requests_per_s;
    const json = { ...auth, 'content-type': 'application/json' };
    results.push(
      await load('session-start', 'POST /api/v1/sessions as the technician on a published demo tree (inserts the session, answers it with its current node)', {
        url: `${appUrl}/api/v1/sessions`,
        method: 'POST',
        connections,
        headers: json,
        body: JSON.stringify({ tree_id: SESSION_TREE_ID, client_name: 'Bench client' }),
      }),
    );
    const technicians = await createTechnicians(appUrl, STEP_TECHNICIANS);
    const pool = await startSessions(appUrl, technicians, SESSION_TREE_ID, STEP_SESSIONS);
    const rootNode = pool[0]!.session.current_node_id!;
    const stepDescription =
      `POST /api/v1/sessions/{id}/steps by ${STEP_TECHNICIANS} technicians, each on their own sessions: a note-only step {node_id: <current>, note} ` +
      `(recorded, does not move, so always valid) round-robin over ${STEP_SESSIONS} sessions started beforehand; the answer carries every step of the session`;
    const step = await load('session-step', stepDescription, {
      url: appUrl,
      connections,
      headers: json,
      requests: rotatingPostAs(pool.map((p) => ({ path: `/api/v1/sessions/${p.session.id}/steps`, token: p.token })), { node_id: rootNode, note: 'x' }),
    });
    const stepsOf = async ({ session, token }: (typeof pool)[number]) =>
      (await call<SessionResponse>(`${appUrl}/api/v1/sessions/${session.id}`, { token }, 200, 'read a stepped session')).steps.length;
    const counts = (await Promise.all(pool.map(stepsOf))).sort((a, b) => a - b);
    step.description = `${stepDescription}: ${counts[0]}–${counts.at(-1)} steps each by the end`;
    step.goal = { text: '≥ 35% of baseline-db req/s, p99 ≤ 50 ms', met: step.requests_per_s >= 0.35 * dbRateNow && step.p99_ms <= 50 };
    writeResult(step);
    results.push(step);
  } finally {
    await stop(app);
    await stop(baseline);
  }

  // The queue scenarios run with nothing else on the machine's cores but PostgreSQL.
  const pickups: JobPickupResult[] = [];
  const drains: QueueThroughputResult[] = [];
  for (const kind of ['pglite', 'postgres'] as const) {
    const p = await runJobs<JobPickupResult>('pickup', kind);
    writeJobResult(p);
    console.log(`${p.name}: p50 ${p.p50_ms} ms, p95 ${p.p95_ms} ms, p99 ${p.p99_ms} ms, max ${p.max_ms} ms over ${p.jobs} jobs`);
    pickups.push(p);
    const d = await runJobs<QueueThroughputResult>('throughput', kind);
    writeJobResult(d);
    console.log(`${d.name}: ${d.jobs_per_s} jobs/s (${d.jobs} jobs in ${d.drain_s} s; enqueued at ${d.enqueue_jobs_per_s} jobs/s)`);
    drains.push(d);
  }

  // Last: escalations and live events, with nothing else of ours running.
  const escalations = await runEscalations();

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
    '## Goals',
    '',
    ...results
      .filter((r) => r.goal)
      .map(
        (r) =>
          `- **${r.name}**: ${r.goal!.text}: ${r.goal!.met ? 'met' : '**not met**'} ` +
          `(${r.requests_per_s} req/s = ${pct(r.requests_per_s, db.requests_per_s)} of baseline-db, p99 ${r.p99_ms} ms)`,
      ),
    ...pickups.map((p) => `- **${p.name}**: ${p.goal.text}: ${p.goal.met ? 'met' : '**not met**'} (p95 ${p.p95_ms} ms)`),
    ...drains.map((d) => `- **${d.name}**: ${d.goal.text}: ${d.goal.met ? 'met' : '**not met**'} (${d.jobs_per_s} jobs/s)`),
    '',
    '## Job queue',
    '',
    'FlowPilot\'s `JobQueue` (pg-boss) used directly, each scenario in a process of its own on core 0 with a fresh database, after the HTTP scenarios, with the app stopped.',
    '',
    '| scenario | database | jobs | p50 ms | p95 ms | p99 ms | max ms |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: |',
    ...pickups.map((p) => `| ${p.name} | ${p.database} | ${p.jobs} | ${p.p50_ms} | ${p.p95_ms} | ${p.p99_ms} | ${p.max_ms} |`),
    '',
    '| scenario | database | jobs | drained in s | jobs/s | enqueued jobs/s |',
    '| --- | --- | ---: | ---: | ---: | ---: |',
    ...drains.map((d) => `| ${d.name} | ${d.database} | ${d.jobs} | ${d.drain_s} | ${d.jobs_per_s} | ${d.enqueue_jobs_per_s} |`),
    '',
    ...[...pickups, ...drains].map((r) => `- **${r.name}**: ${r.description}`),
    '',
    '## Search queries one at a time',
    '',
    `${trees!.library.length} generated trees created through the API in ${trees!.seconds.toFixed(1)} s (then \`VACUUM ANALYZE\`). ` +
      `Each query below sent once, then ${PROBE_ROUNDS} times in a row measured, no concurrency (tree-search-queries.json).`,
    '',
    '| query | kind | hits | corrected to | median ms | max ms |',
    '| --- | --- | ---: | --- | ---: | ---: |',
    ...probes.map((p) => `| ${p.q} | ${p.kind} | ${p.total} | ${p.corrected_terms.join(', ')} | ${p.median_ms} | ${p.max_ms} |`),
    '',
    ...escalationSummary(escalations),
  ];
  writeFileSync(path.join(resultsDir, 'summary.md'), lines.join('\n'));
  console.log('\n' + lines.join('\n'));
  if (escalations.failures.length) {
    console.error(`escalations: the run failed:\n${escalations.failures.join('\n')}`);
    process.exitCode = 1;
  }
}

const pct = (a: number, b: number) => `${Math.round((a / b) * 100)}%`;

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
