import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schema } from '../../db/client.ts';
import * as authRepo from './auth.repository.ts';
import { REFRESH_REUSE_GRACE_SECONDS } from './auth.service.ts';
import { hashOpaqueToken } from '../../lib/tokens.ts';
import { eq } from 'drizzle-orm';
import { createTestApp, DB_KINDS, type TestApp } from '../../../test/harness.ts';

describe.each(DB_KINDS)('auth on %s', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(kind, { loginLimits: { accountFailures: 3, addressFailures: 6, windowSeconds: 60 } });
  });
  afterAll(async () => t?.close());

  const post = (url: string, body: unknown, token?: string) => t.request({ method: 'POST', url, body, token });
  /** Moves a token's rotation into the past, as if `seconds` had gone by. */
  const ageRotation = (refreshToken: string, seconds: number) =>
    t.database.db
      .update(schema.refreshTokens)
      .set({ rotated_at: new Date(Date.now() - seconds * 1000) })
      .where(eq(schema.refreshTokens.token_hash, hashOpaqueToken(refreshToken)));

  it('registers a new team with the registrant as its admin', async () => {
    const res = await post('/api/v1/auth/register', {
      email: 'Owner@Contoso-MSP.example',
      password: 'correct horse battery',
      full_name: 'Olivia Owner',
      team_name: 'Contoso MSP',
    });
    expect(res.statusCode).toBe(201);
    const user = res.json();
    expect(user).toMatchObject({ email: 'owner@contoso-msp.example', full_name: 'Olivia Owner', role: 'admin', is_active: true });
    expect(user).not.toHaveProperty('password_hash');
    const token = await t.login('owner@contoso-msp.example', 'correct horse battery');
    const team = await t.request({ method: 'GET', url: '/api/v1/team', token });
    expect(team.json()).toMatchObject({ id: user.team_id, name: 'Contoso MSP' });
  });

  it('refuses a second account with the same email, whatever its case', async () => {
    const res = await post('/api/v1/auth/register', {
      email: 'ADMIN@flowpilot.test',
      password: 'another password',
      full_name: 'Someone Else',
    });
    expect(res.statusCode).toBe(409);
    expect(res.json().detail).toMatch(/already exists/);
  });

  it('lists each invalid registration field with its path', async () => {
    const res = await post('/api/v1/auth/register', { email: 'not-an-email', password: 'short' });
    expect(res.statusCode).toBe(422);
    const locs = res.json().detail.map((d: { loc: string[] }) => d.loc.join('.'));
    expect(locs).toEqual(expect.arrayContaining(['body.email', 'body.password', 'body.full_name']));
  });

  it('signs in with form data (OAuth2 password flow) and with JSON', async () => {
    const form = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'username=engineer%40flowpilot.test&password=flowpilot-engineer&grant_type=password',
    });
    expect(form.statusCode).toBe(200);
    expect(form.json()).toMatchObject({ token_type: 'bearer', expires_in: 900 });
    const json = await post('/api/v1/auth/login/json', { email: 'Engineer@FlowPilot.test', password: 'flowpilot-engineer' });
    expect(json.statusCode).toBe(200);
    const me = await t.request({ method: 'GET', url: '/api/v1/auth/me', token: json.json().access_token });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({ email: 'engineer@flowpilot.test', full_name: 'Sam Rivera', role: 'engineer' });
  });

  it('answers a wrong password and an unknown email alike', async () => {
    const wrong = await post('/api/v1/auth/login/json', { email: 'tech@flowpilot.test', password: 'nope-nope' });
    const unknown = await post('/api/v1/auth/login/json', { email: 'ghost@flowpilot.test', password: 'nope-nope' });
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect(wrong.json()).toEqual(unknown.json());
  });

  it('refuses requests without a valid access token', async () => {
    expect((await t.request({ method: 'GET', url: '/api/v1/auth/me' })).statusCode).toBe(401);
    const forged = await t.request({ method: 'GET', url: '/api/v1/auth/me', token: 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.' });
    expect(forged.statusCode).toBe(401);
    expect(forged.headers['www-authenticate']).toBe('Bearer');
  });

  it('rotates the refresh token on every use', async () => {
    const first = (await post('/api/v1/auth/login/json', { email: 'tech@flowpilot.test', password: 'flowpilot-tech' })).json();
    const second = await post('/api/v1/auth/refresh', { refresh_token: first.refresh_token });
    expect(second.statusCode).toBe(200);
    const pair = second.json();
    expect(pair.refresh_token).not.toBe(first.refresh_token);
    expect((await t.request({ method: 'GET', url: '/api/v1/auth/me', token: pair.access_token })).statusCode).toBe(200);
    const third = await post('/api/v1/auth/refresh', { refresh_token: pair.refresh_token });
    expect(third.statusCode).toBe(200);
  });

  it('revokes the whole family when a rotated refresh token is used again later', async () => {
    const first = (await post('/api/v1/auth/login/json', { email: 'tech@flowpilot.test', password: 'flowpilot-tech' })).json();
    const other = (await post('/api/v1/auth/login/json', { email: 'tech@flowpilot.test', password: 'flowpilot-tech' })).json();
    const second = (await post('/api/v1/auth/refresh', { refresh_token: first.refresh_token })).json();
    await ageRotation(first.refresh_token, REFRESH_REUSE_GRACE_SECONDS + 5);
    const replay = await post('/api/v1/auth/refresh', { refresh_token: first.refresh_token });
    expect(replay.statusCode).toBe(401);
    expect(replay.json().detail).toMatch(/already used/);
    // The thief's replay also killed the legitimate holder's newer token…
    expect((await post('/api/v1/auth/refresh', { refresh_token: second.refresh_token })).statusCode).toBe(401);
    // …but not a separate sign-in (another device).
    expect((await post('/api/v1/auth/refresh', { refresh_token: other.refresh_token })).statusCode).toBe(200);
  });

  it('ten refreshes with the same token at once (tabs) all answer the one successor: the family never forks', async () => {
    const first = (await post('/api/v1/auth/login/json', { email: 'tech@flowpilot.test', password: 'flowpilot-tech' })).json();
    const results = await Promise.all(Array.from({ length: 10 }, () => post('/api/v1/auth/refresh', { refresh_token: first.refresh_token })));
    expect(results.map((r) => r.statusCode)).toEqual(Array(10).fill(200));
    const pairs = results.map((r) => r.json());
    const successors = new Set(pairs.map((p) => p.refresh_token));
    expect(successors.size).toBe(1);
    const [successor] = [...successors];
    expect(successor).not.toBe(first.refresh_token);
    // One row was added to the family: the login's token and its one successor.
    const family = await t.database.db
      .select({ family: schema.refreshTokens.family_id })
      .from(schema.refreshTokens)
      .where(eq(schema.refreshTokens.token_hash, hashOpaqueToken(first.refresh_token)));
    const rows = await t.database.db.select().from(schema.refreshTokens).where(eq(schema.refreshTokens.family_id, family[0]!.family));
    expect(rows).toHaveLength(2);
    // Every answer's access token works.
    for (const p of pairs) expect((await t.request({ method: 'GET', url: '/api/v1/auth/me', token: p.access_token })).statusCode).toBe(200);
    // The successor rotates on as usual.
    const next = await post('/api/v1/auth/refresh', { refresh_token: successor });
    expect(next.statusCode).toBe(200);
    // A replay of the first token after the grace ends the whole family, the newest token included.
    await ageRotation(first.refresh_token, REFRESH_REUSE_GRACE_SECONDS + 5);
    const replay = await post('/api/v1/auth/refresh', { refresh_token: first.refresh_token });
    expect(replay.statusCode).toBe(401);
    expect(replay.json().detail).toMatch(/already used/);
    expect((await post('/api/v1/auth/refresh', { refresh_token: successor })).statusCode).toBe(401);
    expect((await post('/api/v1/auth/refresh', { refresh_token: next.json().refresh_token })).statusCode).toBe(401);
  });

  it('a token presented again within the grace (a lost answer) gets the same successor, not a new branch', async () => {
    const first = (await post('/api/v1/auth/login/json', { email: 'tech@flowpilot.test', password: 'flowpilot-tech' })).json();
    const a = (await post('/api/v1/auth/refresh', { refresh_token: first.refresh_token })).json();
    await ageRotation(first.refresh_token, REFRESH_REUSE_GRACE_SECONDS - 10);
    const again = await post('/api/v1/auth/refresh', { refresh_token: first.refresh_token });
    expect(again.statusCode).toBe(200);
    expect(again.json().refresh_token).toBe(a.refresh_token);
    // After the grace the same replay is a theft.
    await ageRotation(first.refresh_token, REFRESH_REUSE_GRACE_SECONDS + 1);
    expect((await post('/api/v1/auth/refresh', { refresh_token: first.refresh_token })).statusCode).toBe(401);
    expect((await post('/api/v1/auth/refresh', { refresh_token: a.refresh_token })).statusCode).toBe(401);
  });

  it('refuses an unknown refresh token', async () => {
    const res = await post('/api/v1/auth/refresh', { refresh_token: 'made-up-token' });
    expect(res.statusCode).toBe(401);
  });

  it('logout revokes the refresh token', async () => {
    const pair = (await post('/api/v1/auth/login/json', { email: 'tech@flowpilot.test', password: 'flowpilot-tech' })).json();
    const out = await post('/api/v1/auth/logout', { refresh_token: pair.refresh_token }, pair.access_token);
    expect(out.statusCode).toBe(204);
    expect((await post('/api/v1/auth/refresh', { refresh_token: pair.refresh_token })).statusCode).toBe(401);
  });

  it('logout from every device ends every sign-in, access tokens included', async () => {
    const a = (await post('/api/v1/auth/login/json', { email: 'engineer@flowpilot.test', password: 'flowpilot-engineer' })).json();
    const b = (await post('/api/v1/auth/login/json', { email: 'engineer@flowpilot.test', password: 'flowpilot-engineer' })).json();
    expect((await t.request({ method: 'POST', url: '/api/v1/auth/logout', token: a.access_token })).statusCode).toBe(422);
    // At once: access tokens issued a moment ago (the same second) are cut too.
    expect((await post('/api/v1/auth/logout', { all_devices: true }, a.access_token)).statusCode).toBe(204);
    expect((await t.request({ method: 'GET', url: '/api/v1/auth/me', token: a.access_token })).statusCode).toBe(401);
    expect((await post('/api/v1/auth/refresh', { refresh_token: a.refresh_token })).statusCode).toBe(401);
    expect((await post('/api/v1/auth/refresh', { refresh_token: b.refresh_token })).statusCode).toBe(401);
    const me = await t.request({ method: 'GET', url: '/api/v1/auth/me', token: b.access_token });
    expect(me.statusCode).toBe(401);
    expect(me.json().detail).toMatch(/sign-in has ended/);
    await t.login('engineer@flowpilot.test', 'flowpilot-engineer');
  });

  it("cannot revoke someone else's refresh token through logout", async () => {
    const victim = (await post('/api/v1/auth/login/json', { email: 'admin@flowpilot.test', password: 'flowpilot-admin' })).json();
    const tech = await t.tokenFor('technician');
    await post('/api/v1/auth/logout', { refresh_token: victim.refresh_token }, tech);
    expect((await post('/api/v1/auth/refresh', { refresh_token: victim.refresh_token })).statusCode).toBe(200);
  });
});

describe.each(DB_KINDS)('sign-in limits on %s', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(kind, { loginLimits: { accountFailures: 3, addressFailures: 8, windowSeconds: 60 } });
  });
  afterAll(async () => t?.close());

  const login = (email: string, password: string, ip = '203.0.113.7') =>
    t.app.inject({ method: 'POST', url: '/api/v1/auth/login/json', payload: { email, password }, remoteAddress: ip });

  it('locks an account after its failed attempts, even for the right password, with Retry-After', async () => {
    for (let i = 0; i < 3; i++) expect((await login('tech@flowpilot.test', 'wrong-password')).statusCode).toBe(401);
    const locked = await login('tech@flowpilot.test', 'flowpilot-tech');
    expect(locked.statusCode).toBe(429);
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(locked.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(locked.json().detail).toMatch(/Too many failed sign-ins for this account/);
    // Another account on the same address still signs in.
    expect((await login('engineer@flowpilot.test', 'flowpilot-engineer')).statusCode).toBe(200);
  });

  it('limits an address generously, across accounts', async () => {
    const ip = '198.51.100.20';
    for (let i = 0; i < 8; i++) expect((await login(`user${i}@elsewhere.example`, 'wrong-password', ip)).statusCode).toBe(401);
    const blocked = await login('admin@flowpilot.test', 'flowpilot-admin', ip);
    expect(blocked.statusCode).toBe(429);
    expect(blocked.json().detail).toMatch(/from this network/);
    expect((await login('admin@flowpilot.test', 'flowpilot-admin', '198.51.100.21')).statusCode).toBe(200);
  });

  it('parallel guesses cannot slip past the account limit', async () => {
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) => login('admin@flowpilot.test', `parallel-guess-${i}`, `192.0.2.${100 + (i % 5)}`)),
    );
    const statuses = results.map((r) => r.statusCode);
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(3);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(27);
    expect((await login('admin@flowpilot.test', 'flowpilot-admin', '192.0.2.99')).statusCode).toBe(429);
    await t.database.db.delete(schema.loginThrottle);
  });

  it('a successful sign-in clears the account counter', async () => {
    for (let i = 0; i < 2; i++) await login('admin@flowpilot.test', 'wrong-password', '192.0.2.50');
    expect((await login('admin@flowpilot.test', 'flowpilot-admin', '192.0.2.50')).statusCode).toBe(200);
    for (let i = 0; i < 2; i++) await login('admin@flowpilot.test', 'wrong-password', '192.0.2.51');
    expect((await login('admin@flowpilot.test', 'flowpilot-admin', '192.0.2.51')).statusCode).toBe(200);
  });
});

describe.each(DB_KINDS)('sign-in limits behind a proxy on %s', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(kind, {
      loginLimits: { accountFailures: 100, addressFailures: 3, windowSeconds: 60 },
      config: { trustProxy: 1 },
    });
  });
  afterAll(async () => t?.close());

  it('counts the address the proxy saw, not one the client wrote into X-Forwarded-For', async () => {
    const attempt = (spoofed: string) =>
      t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login/json',
        remoteAddress: '10.0.0.2',
        headers: { 'x-forwarded-for': `${spoofed}, 198.51.100.77` },
        payload: { email: 'tech@flowpilot.test', password: 'wrong-password' },
      });
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await attempt(`203.0.113.${i}`)).statusCode);
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
  });
});

describe.each(DB_KINDS)('passwords on %s', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(kind, { loginLimits: { accountFailures: 3, addressFailures: 50, windowSeconds: 60 } });
  });
  afterAll(async () => t?.close());

  const signIn = async (email: string, password: string) =>
    (await t.request({ method: 'POST', url: '/api/v1/auth/login/json', body: { email, password } })).json();

  it('a user changes their password: this device stays signed in, the others are signed out', async () => {
    const here = await signIn('engineer@flowpilot.test', 'flowpilot-engineer');
    const elsewhere = await signIn('engineer@flowpilot.test', 'flowpilot-engineer');
    const changed = await t.request({
      method: 'POST',
      url: '/api/v1/auth/password',
      token: here.access_token,
      body: { current_password: 'flowpilot-engineer', new_password: 'a-brand-new-secret', refresh_token: here.refresh_token },
    });
    expect(changed.statusCode).toBe(204);
    // Every access token is cut at once; this device keeps its refresh token and gets a new one with it.
    expect((await t.request({ method: 'GET', url: '/api/v1/auth/me', token: elsewhere.access_token })).statusCode).toBe(401);
    const renewed = await t.request({ method: 'POST', url: '/api/v1/auth/refresh', body: { refresh_token: here.refresh_token } });
    expect(renewed.statusCode).toBe(200);
    expect((await t.request({ method: 'GET', url: '/api/v1/auth/me', token: renewed.json().access_token })).statusCode).toBe(200);
    expect((await t.request({ method: 'POST', url: '/api/v1/auth/refresh', body: { refresh_token: elsewhere.refresh_token } })).statusCode).toBe(401);
    expect((await t.request({ method: 'POST', url: '/api/v1/auth/login/json', body: { email: 'engineer@flowpilot.test', password: 'flowpilot-engineer' } })).statusCode).toBe(401);
    await t.login('engineer@flowpilot.test', 'a-brand-new-secret');
  });

  it('a wrong current password is 400 and counts towards the lock-out; a weak new one is 422', async () => {
    const token = await t.tokenFor('technician');
    const weak = await t.request({ method: 'POST', url: '/api/v1/auth/password', token, body: { current_password: 'flowpilot-tech', new_password: 'short' } });
    expect(weak.statusCode).toBe(422);
    expect(weak.json().detail[0].loc).toEqual(['body', 'new_password']);
    for (let i = 0; i < 3; i++) {
      const wrong = await t.request({ method: 'POST', url: '/api/v1/auth/password', token, body: { current_password: `guess-${i}`, new_password: 'whatever-long' } });
      expect(wrong.statusCode).toBe(400);
    }
    const locked = await t.request({ method: 'POST', url: '/api/v1/auth/password', token, body: { current_password: 'flowpilot-tech', new_password: 'whatever-long' } });
    expect(locked.statusCode).toBe(429);
    // The password did not change.
    expect((await t.request({ method: 'POST', url: '/api/v1/auth/login/json', body: { email: 'tech@flowpilot.test', password: 'whatever-long' } })).statusCode).not.toBe(200);
  });

  it('an admin sets a new temporary password, which signs the user out everywhere', async () => {
    const admin = await t.tokenFor('admin');
    const created = (
      await t.request({ method: 'POST', url: '/api/v1/users', token: admin, body: { email: 'forgetful@flowpilot.test', password: 'forgot-this-one', full_name: 'Fo Getful', role: 'technician' } })
    ).json();
    const pair = await signIn('forgetful@flowpilot.test', 'forgot-this-one');
    const reset = await t.request({ method: 'PATCH', url: `/api/v1/users/${created.id}`, token: admin, body: { password: 'temporary-123' } });
    expect(reset.statusCode).toBe(200);
    expect(reset.json()).not.toHaveProperty('password');
    expect((await t.request({ method: 'POST', url: '/api/v1/auth/refresh', body: { refresh_token: pair.refresh_token } })).statusCode).toBe(401);
    // Their access token is cut at once, not when it expires.
    const me = await t.request({ method: 'GET', url: '/api/v1/auth/me', token: pair.access_token });
    expect(me.statusCode).toBe(401);
    expect(me.json().detail).toMatch(/sign-in has ended/);
    const fresh = await t.login('forgetful@flowpilot.test', 'temporary-123');
    expect((await t.request({ method: 'GET', url: '/api/v1/auth/me', token: fresh })).statusCode).toBe(200);
  });

  it('housekeeping drops spent counters and dead refresh tokens, but keeps rotated ones for replay detection', async () => {
    const db = t.database.db;
    const user = (await t.request({ method: 'GET', url: '/api/v1/auth/me', token: await t.tokenFor('admin') })).json();
    const day = 24 * 60 * 60 * 1000;
    const family = randomUUID();
    await db.insert(schema.refreshTokens).values([
      { user_id: user.id, family_id: family, token_hash: 'expired', expires_at: new Date(Date.now() - 2 * day) },
      { user_id: user.id, family_id: family, token_hash: 'revoked', expires_at: new Date(Date.now() + day), revoked_at: new Date(Date.now() - 2 * day) },
      { user_id: user.id, family_id: family, token_hash: 'rotated', expires_at: new Date(Date.now() + day), rotated_at: new Date(Date.now() - 2 * day) },
    ]);
    await db.insert(schema.loginThrottle).values([
      { key: 'account:old@example.com', failures: 5, window_started_at: new Date(Date.now() - day) },
      { key: 'account:fresh@example.com', failures: 5 },
    ]);
    await authRepo.pruneRefreshTokens(db);
    await authRepo.pruneThrottle(db, 60);
    const hashes = (await db.select({ h: schema.refreshTokens.token_hash }).from(schema.refreshTokens)).map((r) => r.h);
    expect(hashes).toContain('rotated');
    expect(hashes).not.toContain('expired');
    expect(hashes).not.toContain('revoked');
    const keys = (await db.select({ k: schema.loginThrottle.key }).from(schema.loginThrottle)).map((r) => r.k);
    expect(keys).toContain('account:fresh@example.com');
    expect(keys).not.toContain('account:old@example.com');
  });
});
