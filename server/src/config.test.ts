import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

const dir = () => mkdtempSync(path.join(tmpdir(), 'flowpilot-config-'));

describe('config', () => {
  it('runs with no settings at all: embedded database in ./data, demo data on, port 8000', () => {
    const cwd = dir();
    const config = loadConfig({}, cwd);
    expect(config).toMatchObject({
      port: 8000,
      dataDir: path.join(cwd, 'data'),
      databaseUrl: undefined,
      demoData: true,
      smtpUrl: undefined,
      allowPrivateNetworkTargets: false,
      publicUrl: 'http://localhost:8000',
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('METRICS_TOKEN: unset leaves /metrics open; set, it is the token /metrics asks for', () => {
    expect(loadConfig({}, dir()).metricsToken).toBeUndefined();
    expect(loadConfig({ METRICS_TOKEN: '  ' }, dir()).metricsToken).toBeUndefined();
    expect(loadConfig({ METRICS_TOKEN: ' prometheus-scrape-token-1 ' }, dir()).metricsToken).toBe('prometheus-scrape-token-1');
  });

  it('generates JWT_SECRET once on the embedded database and keeps it in DATA_DIR', () => {
    const cwd = dir();
    const first = loadConfig({}, cwd);
    const secretFile = path.join(cwd, 'data', 'jwt-secret');
    expect(first.jwtSecret.length).toBeGreaterThanOrEqual(32);
    expect(readFileSync(secretFile, 'utf8').trim()).toBe(first.jwtSecret);
    expect(statSync(secretFile).mode & 0o077).toBe(0);
    expect(loadConfig({}, cwd).jwtSecret).toBe(first.jwtSecret);
  });

  it('requires JWT_SECRET with DATABASE_URL, since every process must share it', () => {
    expect(() => loadConfig({ DATABASE_URL: 'postgres://db.example/flowpilot' }, dir())).toThrow(/JWT_SECRET: required when DATABASE_URL is set/);
    const ok = loadConfig({ DATABASE_URL: 'postgres://db.example/flowpilot', JWT_SECRET: 'x'.repeat(40) }, dir());
    expect(ok.databaseUrl).toBe('postgres://db.example/flowpilot');
  });

  it.each([
    ['PORT', 'eighty', 'PORT'],
    ['PORT', '70000', 'PORT'],
    ['DEMO_DATA', 'maybe', 'DEMO_DATA'],
    ['DATABASE_URL', 'mysql://x/y', 'DATABASE_URL'],
    ['JWT_SECRET', 'short', 'JWT_SECRET'],
    ['SMTP_URL', 'not a url', 'SMTP_URL'],
    ['ALLOW_PRIVATE_NETWORK_TARGETS', 'sometimes', 'ALLOW_PRIVATE_NETWORK_TARGETS'],
    ['LOG_LEVEL', 'loud', 'LOG_LEVEL'],
    ['METRICS_TOKEN', 'too-short', 'METRICS_TOKEN'],
  ])('a bad %s (%s) stops start-up naming the setting', (name, value, named) => {
    let error: unknown;
    try {
      loadConfig({ [name]: value }, dir());
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(new RegExp(`^\\s+${named}: `, 'm'));
  });

  it('reads .env, and the environment wins over it', () => {
    const cwd = dir();
    writeFileSync(path.join(cwd, '.env'), 'PORT=9100\nDEMO_DATA=false\nDATA_DIR=./state\n');
    const fromFile = loadConfig({}, cwd);
    expect(fromFile).toMatchObject({ port: 9100, demoData: false, dataDir: path.join(cwd, 'state') });
    expect(loadConfig({ PORT: '9200' }, cwd).port).toBe(9200);
  });

  it('TRUST_PROXY takes off, a hop count, or proxy addresses', () => {
    expect(loadConfig({}, dir()).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: 'true' }, dir()).trustProxy).toBe(1);
    expect(loadConfig({ TRUST_PROXY: '2' }, dir()).trustProxy).toBe(2);
    expect(loadConfig({ TRUST_PROXY: '10.0.0.0/8, 192.0.2.7' }, dir()).trustProxy).toBe('10.0.0.0/8,192.0.2.7');
    expect(() => loadConfig({ TRUST_PROXY: 'everyone' }, dir())).toThrow(/TRUST_PROXY: /);
  });

  it('accepts the usual spellings of booleans and treats empty values as unset', () => {
    expect(loadConfig({ DEMO_DATA: 'off' }, dir()).demoData).toBe(false);
    expect(loadConfig({ DEMO_DATA: 'YES' }, dir()).demoData).toBe(true);
    expect(loadConfig({ DATABASE_URL: '' }, dir()).databaseUrl).toBeUndefined();
  });
});
