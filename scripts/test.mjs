#!/usr/bin/env node
// `npm test`: builds the web app (the browser journeys use it), then runs every test project.
// With TEST_DATABASE_URL set, every database test also runs on that PostgreSQL server.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const run = (cmd, args) => spawnSync(cmd, args, { cwd: root, stdio: 'inherit' }).status ?? 1;

const built = run(npm, ['run', 'build', '-w', 'web']);
if (built !== 0) process.exit(built);
process.exit(run(npm, ['exec', '--', 'vitest', 'run', ...process.argv.slice(2)]));
