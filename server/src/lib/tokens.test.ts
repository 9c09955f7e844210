import { eq } from 'drizzle-orm';
import { SignJWT, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, DB_KINDS, testConfig, type TestApp } from '../../test/harness.ts';
import { schema } from '../db/client.ts';
import { urlWithoutSecrets } from './tokens.ts';

const secret = new TextEncoder().encode(testConfig().jwtSecret);

/** A token signed with the server's real key, carrying exactly `claims` (no defaults added). */
const signRaw = (claims: JWTPayload, header: Record<string, string> = { alg: 'HS256', typ: 'JWT' }) =>
  new SignJWT(claims).setProtectedHeader({ alg: 'HS256', ...header }).sign(secret);

describe.each(DB_KINDS)('access token claims on %s', (kind) => {
  let t: TestApp;
  let complete: JWTPayload;
  beforeAll(async () => {
    t = await createTestApp(kind);
    const me = (await t.request({ method: 'GET', url: '/api/v1/auth/me', token: await t.tokenFor('admin') })).json();
    const [row] = await t.database.db.select({ version: schema.users.token_version }).from(schema.users).where(eq(schema.users.id, me.id));
    const now = Math.floor(Date.now() / 1000);
    complete = {
      sub: me.id,
      team_id: me.team_id,
      role: 'admin',
      typ: 'access',
      ver: row!.version,
      iss: 'flowpilot',
      aud: 'flowpilot-api',
      iat: now,
      exp: now + 600,
      jti: 'a-token-id',
    };
  });
  afterAll(async () => t?.close());

  const me = (token: string) => t.request({ method: 'GET', url: '/api/v1/auth/me', token });

  it('accepts a token with every claim, signed with the real key', async () => {
    expect((await me(await signRaw(complete))).statusCode).toBe(200);
  });

  it.each(['exp', 'iat', 'iss', 'aud', 'typ', 'sub', 'ver', 'team_id', 'role', 'jti'])('refuses a token without `%s`, though signed with the real key', async (claim) => {
    const { [claim]: _dropped, ...rest } = complete;
    const res = await me(await signRaw(rest));
    expect(res.statusCode).toBe(401);
    expect(res.json().detail).toBe('Invalid or expired access token');
  });

  it.each([
    ['another issuer', { iss: 'someone-else' }],
    ['another audience', { aud: 'another-api' }],
    ['another type', { typ: 'refresh' }],
    ['an unknown role', { role: 'owner' }],
    ['a lifetime longer than an access token', { exp: Math.floor(Date.now() / 1000) + 24 * 3600 }],
    ['an issue time in the future', { iat: Math.floor(Date.now() / 1000) + 3600, exp: Math.floor(Date.now() / 1000) + 3900 }],
    ['an issue time long past', { iat: Math.floor(Date.now() / 1000) - 3600, exp: Math.floor(Date.now() / 1000) + 60 }],
    ['a version that is not a number', { ver: '0' }],
  ])('refuses a token with %s', async (_what, change) => {
    expect((await me(await signRaw({ ...complete, ...change }))).statusCode).toBe(401);
  });

  it('refuses a token signed with another key or without a signature', async () => {
    const other = await new SignJWT(complete).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(new TextEncoder().encode('another-secret-another-secret-another-secret'));
    expect((await me(other)).statusCode).toBe(401);
    const payload = (await signRaw(complete)).split('.')[1];
    const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${payload}.`;
    expect((await me(unsigned)).statusCode).toBe(401);
  });
});

describe('urlWithoutSecrets', () => {
  it('takes reset tokens, invite codes and tickets out of a URL for the log, and nothing else', () => {
    expect(urlWithoutSecrets('/reset-password?token=abc.def_1')).toBe('/reset-password?token=[redacted]');
    expect(urlWithoutSecrets('/register?invite=Xy-9&next=%2F')).toBe('/register?invite=[redacted]&next=%2F');
    expect(urlWithoutSecrets('/api/v1/events?ticket=t1')).toBe('/api/v1/events?ticket=[redacted]');
    expect(urlWithoutSecrets('/api/v1/auth/invites/CODE123')).toBe('/api/v1/auth/invites/[redacted]');
    expect(urlWithoutSecrets('/api/v1/trees?q=printer&limit=5')).toBe('/api/v1/trees?q=printer&limit=5');
  });
});
