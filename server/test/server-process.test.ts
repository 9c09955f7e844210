import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { databaseUrlFor, withDatabase } from './pg-admin.ts';

const serverEntry = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../src/server.ts');
const children: ChildProcess[] = [];

interface Proc {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

function start(env: Record<string, string>): Proc {
  const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), serverEntry], {
    cwd: mkdtempSync(path.join(tmpdir(), 'flowpilot-cwd-')),
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

async function waitReady(port: number, proc: Proc): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (proc.child.exitCode !== null) throw new Error(`exited early:\n${proc.output()}`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}/readyz`)).ok) return;
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`not ready:\n${proc.output()}`);
}

async function login(port: number): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${port}/api/v1/auth/login/json`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'admin@flowpilot.test', password: 'flowpilot-admin' }),
  });
  return res.status;
}

afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
});

describe('the server process', () => {
  it('refuses to start on a bad setting, naming it', async () => {
    const proc = start({ PORT: 'eighty', DATA_DIR: mkdtempSync(path.join(tmpdir(), 'fp-')) });
    expect(await proc.exited).toBe(1);
    expect(proc.output()).toMatch(/FlowPilot cannot start/);
    expect(proc.output()).toMatch(/PORT: /);
  });

  it('starts on the embedded database with demo logins, locks its folder, stops cleanly and keeps its data', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'flowpilot-proc-'));
    const port = await freePort();
    const first = start({ PORT: String(port), DATA_DIR: dataDir });
    await waitReady(port, first);
    expect(first.output()).toContain('admin@flowpilot.test');
    expect(first.output()).toContain('password: flowpilot-tech');
    expect(await login(port)).toBe(200);

    const second = start({ PORT: String(await freePort()), DATA_DIR: dataDir });
    expect(await second.exited).toBe(1);
    expect(second.output()).toMatch(/in use by another FlowPilot process/);

    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);

    const restarted = start({ PORT: String(port), DATA_DIR: dataDir });
    await waitReady(port, restarted);
    expect(await login(port)).toBe(200);
    restarted.child.kill('SIGTERM');
    expect(await restarted.exited).toBe(0);
  });

  it('starts empty with DEMO_DATA=false', async () => {
    const port = await freePort();
    const proc = start({ PORT: String(port), DATA_DIR: mkdtempSync(path.join(tmpdir(), 'fp-')), DEMO_DATA: 'false' });
    await waitReady(port, proc);
    expect(await login(port)).toBe(401);
    expect(proc.output()).not.toContain('Demo sign-ins');
    proc.child.kill('SIGTERM');
    await proc.exited;
  });

  it.runIf(process.env.TEST_DATABASE_URL)('several processes start at once on one PostgreSQL database: one migrates and seeds', async () => {
    const url = process.env.TEST_DATABASE_URL!;
    const name = `fp_proc_${Date.now().toString(36)}`;
    await withDatabase(url, (c) => c.query(`create database "${name}"`));
    try {
      const env = { DATABASE_URL: databaseUrlFor(url, name), JWT_SECRET: 'p'.repeat(40) };
      const ports = [await freePort(), await freePort()];
      const procs = ports.map((port) => start({ ...env, PORT: String(port) }));
      await Promise.all(ports.map((port, i) => waitReady(port, procs[i]!)));
      // A token from one process works on the other: they share the secret and the database.
      const res = await fetch(`http://127.0.0.1:${ports[0]}/api/v1/auth/login/json`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'tech@flowpilot.test', password: 'flowpilot-tech' }),
      });
      const { access_token } = (await res.json()) as { access_token: string };
      const me = await fetch(`http://127.0.0.1:${ports[1]}/api/v1/auth/me`, { headers: { authorization: `Bearer ${access_token}` } });
      expect(me.status).toBe(200);
      const teams = await withDatabase(databaseUrlFor(url, name), (c) => c.query('select count(*)::int as n from teams'));
      expect(teams.rows[0].n).toBe(1);
      for (const p of procs) p.child.kill('SIGTERM');
      expect(await Promise.all(procs.map((p) => p.exited))).toEqual([0, 0]);
    } finally {
      await withDatabase(url, (c) => c.query(`drop database if exists "${name}" with (force)`));
    }
  });
});
