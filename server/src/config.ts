import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseDotenv } from 'dotenv';
import { z } from 'zod';

const bool = (fallback: boolean) =>
  z
    .string()
    .trim()
    .toLowerCase()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === '') return fallback;
      if (['1', 'true', 'yes', 'on'].includes(v)) return true;
      if (['0', 'false', 'no', 'off'].includes(v)) return false;
      ctx.addIssue({ code: 'custom', message: `expected true or false, got "${v}"` });
      return z.NEVER;
    });

const optionalString = z
  .string()
  .trim()
  .optional()
  .transform((v) => (v === '' ? undefined : v));

const urlWithProtocol = (protocols: string[]) =>
  optionalString.refine(
    (v) => {
      if (v === undefined) return true;
      try {
        return protocols.includes(new URL(v).protocol);
      } catch {
        return false;
      }
    },
    { message: `must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}` },
  );

/** Every setting FlowPilot reads, with its default. The only reader of the environment. */
const EnvSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8000),
  HOST: z.string().trim().min(1).default('0.0.0.0'),
  DATA_DIR: z.string().trim().min(1).default('./data'),
  DATABASE_URL: urlWithProtocol(['postgres:', 'postgresql:']),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(500).default(20),
  DEMO_DATA: bool(true),
  JWT_SECRET: optionalString.refine((v) => v === undefined || v.length >= 32, {
    message: 'must be at least 32 characters',
  }),
  ENCRYPTION_KEY: optionalString.refine((v) => v === undefined || v.length >= 32, {
    message: 'must be at least 32 characters',
  }),
  PUBLIC_URL: urlWithProtocol(['http:', 'https:']),
  SMTP_URL: urlWithProtocol(['smtp:', 'smtps:']),
  EMAIL_FROM: z.string().trim().min(3).default('FlowPilot <flowpilot@localhost>'),
  AI_PROVIDER: z.preprocess((v) => (typeof v === 'string' ? v.trim().toLowerCase() || undefined : v), z.enum(['anthropic', 'openai']).default('anthropic')),
  ANTHROPIC_API_KEY: optionalString,
  AI_API_KEY: optionalString,
  AI_BASE_URL: urlWithProtocol(['http:', 'https:']),
  AI_MODEL: optionalString,
  ALLOW_PRIVATE_NETWORK_TARGETS: bool(false),
  TRUST_PROXY: z
    .string()
    .trim()
    .optional()
    .transform((v, ctx): boolean | number | string => {
      if (v === undefined || v === '' || /^(0|false|no|off)$/i.test(v)) return false;
      if (/^(1|true|yes|on)$/i.test(v)) return 1;
      if (/^\d+$/.test(v)) return Number(v);
      if (/^[0-9a-fA-F:.,/\s]+$/.test(v)) return v.replace(/\s+/g, '');
      ctx.addIssue({ code: 'custom', message: 'expected false, a number of proxy hops, or a comma-separated list of proxy addresses/CIDRs' });
      return z.NEVER;
    }),
  METRICS_TOKEN: optionalString.refine((v) => v === undefined || v.length >= 16, {
    message: 'must be at least 16 characters',
  }),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  WEB_DIST: optionalString,
});

/** The web app built by `npm run build`, next to the server in the repository. */
const DEFAULT_WEB_DIST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../web/dist');

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | undefined;
  databasePoolSize: number;
  demoData: boolean;
  jwtSecret: string;
  /** Encrypts integration secrets at rest; defaults to JWT_SECRET (then changing that one loses them). */
  encryptionKey: string;
  publicUrl: string;
  smtpUrl: string | undefined;
  emailFrom: string;
  /**
   * The AI that rewrites session summaries. Off (templates only) without a key
   * for Anthropic; an OpenAI-compatible endpoint needs its address and model.
   */
  ai: { provider: 'anthropic' | 'openai'; apiKey: string | undefined; baseUrl: string | undefined; model: string | undefined };
  allowPrivateNetworkTargets: boolean;
  /** Fastify's trustProxy: false, how many proxies sit in front, or which addresses are proxies. */
  trustProxy: boolean | number | string;
  logLevel: string;
  /** When set, `/metrics` answers only requests with `Authorization: Bearer <this>`; unset, it is open (for a scraper inside the network). */
  metricsToken: string | undefined;
  /** Folder of the built web app, served at `/` when it holds an index.html. */
  webDist: string | undefined;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * Reads the settings once from the environment and a `.env` file in `cwd`
 * (the environment wins), validates them and returns a frozen config.
 * A bad value throws a ConfigError naming the setting.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Readonly<Config> {
  const dotenvPath = path.join(cwd, '.env');
  const fromFile = existsSync(dotenvPath) ? parseDotenv(readFileSync(dotenvPath)) : {};
  const merged = { ...fromFile, ...env };
  const parsed = EnvSchema.safeParse(merged);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid settings:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const dataDir = path.resolve(cwd, e.DATA_DIR);
  let jwtSecret = e.JWT_SECRET;
  if (!jwtSecret) {
    if (e.DATABASE_URL) {
      throw new ConfigError(
        'Invalid settings:\n  JWT_SECRET: required when DATABASE_URL is set (every process must share it); use at least 32 random characters',
      );
    }
    jwtSecret = loadOrCreateSecret(dataDir, 'jwt-secret');
  }
  const webDist = e.WEB_DIST ? path.resolve(cwd, e.WEB_DIST) : DEFAULT_WEB_DIST;
  if (e.AI_PROVIDER === 'openai' && (!e.AI_BASE_URL || !e.AI_MODEL)) {
    throw new ConfigError('Invalid settings:\n  AI_PROVIDER: openai needs AI_BASE_URL (the address ending in /v1) and AI_MODEL');
  }
  return Object.freeze({
    port: e.PORT,
    host: e.HOST,
    dataDir,
    databaseUrl: e.DATABASE_URL,
    databasePoolSize: e.DATABASE_POOL_SIZE,
    demoData: e.DEMO_DATA,
    jwtSecret,
    encryptionKey: e.ENCRYPTION_KEY ?? jwtSecret,
    publicUrl: (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, ''),
    smtpUrl: e.SMTP_URL,
    emailFrom: e.EMAIL_FROM,
    ai: {
      provider: e.AI_PROVIDER,
      // An Anthropic key never goes to another vendor's endpoint.
      apiKey: e.AI_PROVIDER === 'anthropic' ? (e.ANTHROPIC_API_KEY ?? e.AI_API_KEY) : e.AI_API_KEY,
      baseUrl: e.AI_BASE_URL,
      model: e.AI_MODEL,
    },
    allowPrivateNetworkTargets: e.ALLOW_PRIVATE_NETWORK_TARGETS,
    trustProxy: e.TRUST_PROXY,
    logLevel: e.LOG_LEVEL,
    metricsToken: e.METRICS_TOKEN,
    webDist,
  });
}

/** A random secret generated on first start and kept in DATA_DIR, readable by the owner only. */
function loadOrCreateSecret(dataDir: string, name: string): string {
  const file = path.join(dataDir, name);
  if (existsSync(file)) {
    const value = readFileSync(file, 'utf8').trim();
    if (value.length >= 32) return value;
  }
  mkdirSync(dataDir, { recursive: true });
  const value = randomBytes(48).toString('base64url');
  writeFileSync(file, value + '\n', { mode: 0o600 });
  return value;
}
