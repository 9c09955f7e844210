/** What the benchmark scripts share: pinning to cores, percentiles, and starting and stopping the processes they measure. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpus } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Two cores and `taskset`: measured processes run on core 0, the load generator on core 1. */
export const twoCores = cpus().length >= 2 && spawnSync('taskset', ['--version']).status === 0;

/** The command and arguments that run `args` on core 0 (unpinned without two cores). */
export const pinned = (args: string[]) => (twoCores ? ['taskset', ['-c', '0', ...args]] : [args[0]!, args.slice(1)]) as [string, string[]];

export const round = (n: number) => Math.round(n * 100) / 100;

/** The p-th percentile (nearest rank) of sorted values; NaN for none. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

/** Starts a process on core 0 and waits for `readyUrl`; its output is kept for errors and log checks. */
export function startProcess(args: string[], env: Record<string, string>, readyUrl: string): Promise<{ child: ChildProcess; output: () => string }> {
  const [cmd, cmdArgs] = pinned(args);
  const child = spawn(cmd, cmdArgs, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const output = () => out;
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + 60_000;
    const poll = async () => {
      if (child.exitCode !== null) return reject(new Error(`process exited:\n${out}`));
      try {
        if ((await fetch(readyUrl)).ok) return resolve({ child, output });
      } catch {
        /* not yet */
      }
      if (Date.now() > deadline) return reject(new Error(`not ready:\n${out}`));
      setTimeout(poll, 200);
    };
    void poll();
  });
}

/** Stops a process with SIGTERM and waits for it to exit. */
export async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}
