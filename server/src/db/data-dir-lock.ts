import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';

export class DataDirLockedError extends Error {
  override name = 'DataDirLockedError';
}

/**
 * Takes `DATA_DIR/flowpilot.lock` for this process. The embedded database is
 * one process's alone: a second process opening the same folder would corrupt
 * it, so it fails here with a clear message. A lock left by a process that
 * died (same host, pid gone) is taken over.
 */
export function acquireDataDirLock(dataDir: string): () => void {
  const file = path.join(dataDir, 'flowpilot.lock');
  const me = JSON.stringify({ pid: process.pid, host: hostname(), started_at: new Date().toISOString() });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o600);
      writeSync(fd, me);
      closeSync(fd);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        try {
          unlinkSync(file);
        } catch {
          /* already gone */
        }
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = readHolder(file);
      if (holder && isAlive(holder)) {
        throw new DataDirLockedError(
          `The data folder ${dataDir} is in use by another FlowPilot process (pid ${holder.pid} on ${holder.host}). ` +
            'Stop that process, or set DATA_DIR to another folder, or set DATABASE_URL to run several processes on PostgreSQL.',
        );
      }
      try {
        unlinkSync(file);
      } catch {
        /* another starter removed it first */
      }
    }
  }
  throw new DataDirLockedError(`Could not lock the data folder ${dataDir}: another process is starting on it.`);
}

function readHolder(file: string): { pid: number; host: string } | null {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as { pid?: unknown; host?: unknown };
    if (typeof parsed.pid === 'number' && typeof parsed.host === 'string') return { pid: parsed.pid, host: parsed.host };
  } catch {
    /* unreadable or half-written: treat as stale */
  }
  return null;
}

function isAlive(holder: { pid: number; host: string }): boolean {
  if (holder.host !== hostname()) return true; // another machine on a shared folder: never steal
  if (holder.pid === process.pid) return true;
  try {
    process.kill(holder.pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
