import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { schema } from '../../db/client.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, DB_KINDS, type TestApp } from '../../../test/harness.ts';

describe.each(DB_KINDS)('users and team on %s', (kind) => {
  let t: TestApp;
  let admin: string;
  let engineer: string;
  let tech: string;
  beforeAll(async () => {
    t = await createTestApp(kind);
    [admin, engineer, tech] = await Promise.all([t.tokenFor('admin'), t.tokenFor('engineer'), t.tokenFor('technician')]);
  });
  afterAll(async () => t?.close());

  const sampleBody = (url: string): unknown => {
    if (url === '/api/v1/users') return { email: `x${randomUUID().slice(0, 8)}@example.com`, password: 'long-enough', full_name: 'X', role: 'technician' };
    if (url.startsWith('/api/v1/users/')) return { role: 'engineer' };
    if (url === '/api/v1/team/invites') return { role: 'technician' };
    return {};
  };
  const concrete = (url: string) => url.replace(/:id\b/g, randomUUID());
  /** Adds a user as the admin; the user as created. */
  const addUser = async (body: { email: string; password: string; full_name: string; role: string }) =>
    (await t.request({ method: 'POST', url: '/api/v1/users', token: admin, body })).json<{ id: string }>();

  it('guards every admin route: 401 without a token, 403 for engineers and technicians', async () => {
    const adminRoutes = t.app.routeAccess.filter((r) => r.access === 'admin');
    expect(adminRoutes.length).toBeGreaterThanOrEqual(5);
    for (const route of adminRoutes) {
      const req = { method: route.method as 'GET', url: concrete(route.url), body: route.method === 'GET' || route.method === 'DELETE' ? undefined : sampleBody(route.url) };
      expect((await t.request(req)).statusCode, `${route.method} ${route.url} anonymous`).toBe(401);
      for (const token of [engineer, tech]) {
        const res = await t.request({ ...req, token });
        expect(res.statusCode, `${route.method} ${route.url}`).toBe(403);
        expect(res.json().detail).toBe('Only an admin can do this');
      }
    }
  });

  it('guards every member route: 401 without a token', async () => {
    for (const route of t.app.routeAccess.filter((r) => r.access === 'member')) {
      const res = await t.request({ method: route.method as 'GET', url: concrete(route.url) });
      expect(res.statusCode, `${route.method} ${route.url}`).toBe(401);
    }
  });

  it('lets every member list the team with names and roles, filtered by role', async () => {
    const all = await t.request({ method: 'GET', url: '/api/v1/users', token: tech });
    expect(all.statusCode).toBe(200);
    expect(all.json().total).toBe(3);
    expect(all.json().items.map((u: { full_name: string }) => u.full_name)).toEqual(['Jamie Chen', 'Morgan Price', 'Sam Rivera']);
    const engineers = await t.request({ method: 'GET', url: '/api/v1/users?role=engineer', token: tech });
    expect(engineers.json().items.map((u: { email: string }) => u.email)).toEqual(['engineer@flowpilot.test']);
    const bad = await t.request({ method: 'GET', url: '/api/v1/users?role=wizard&limit=0', token: tech });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().detail.map((d: { loc: string[] }) => d.loc.join('.')).sort()).toEqual(['querystring.limit', 'querystring.role']);
  });

  it('pages the user list with limit and offset', async () => {
    const page = await t.request({ method: 'GET', url: '/api/v1/users?limit=2&offset=1', token: admin });
    expect(page.json().total).toBe(3);
    expect(page.json().items.map((u: { full_name: string }) => u.full_name)).toEqual(['Morgan Price', 'Sam Rivera']);
  });

  it('an admin adds a user who can then sign in; a duplicate email is 409', async () => {
    const res = await t.request({
      method: 'POST',
      url: '/api/v1/users',
      token: admin,
      body: { email: 'new.tech@flowpilot.test', password: 'welcome-aboard', full_name: 'Nia Newton', role: 'technician' },
    });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ email: 'new.tech@flowpilot.test', role: 'technician', is_active: true });
    await t.login('new.tech@flowpilot.test', 'welcome-aboard');
    const dup = await t.request({
      method: 'POST',
      url: '/api/v1/users',
      token: admin,
      body: { email: 'NEW.tech@flowpilot.test', password: 'welcome-aboard', full_name: 'Dup', role: 'technician' },
    });
    expect(dup.statusCode).toBe(409);
  });

  it('a role change applies at once, even to a token issued before it', async () => {
    const created = await addUser({ email: 'promote.me@flowpilot.test', password: 'promote-me-pls', full_name: 'Pat Promote', role: 'technician' });
    const token = await t.login('promote.me@flowpilot.test', 'promote-me-pls');
    expect((await t.request({ method: 'POST', url: '/api/v1/team/invites', token, body: { role: 'technician' } })).statusCode).toBe(403);
    const patched = await t.request({ method: 'PATCH', url: `/api/v1/users/${created.id}`, token: admin, body: { role: 'admin' } });
    expect(patched.json().role).toBe('admin');
    expect((await t.request({ method: 'POST', url: '/api/v1/team/invites', token, body: { role: 'technician' } })).statusCode).toBe(201);
    expect((await t.request({ method: 'GET', url: '/api/v1/auth/me', token })).json().role).toBe('admin');
  });

  it('deactivating a user refuses their access token and refresh token at once, and their sign-in', async () => {
    const created = await addUser({ email: 'leaver@flowpilot.test', password: 'leaving-today', full_name: 'Lee Leaver', role: 'engineer' });
    const pair = (await t.request({ method: 'POST', url: '/api/v1/auth/login/json', body: { email: 'leaver@flowpilot.test', password: 'leaving-today' } })).json();
    expect((await t.request({ method: 'GET', url: '/api/v1/auth/me', token: pair.access_token })).statusCode).toBe(200);

    const off = await t.request({ method: 'PATCH', url: `/api/v1/users/${created.id}`, token: admin, body: { is_active: false } });
    expect(off.statusCode).toBe(200);
    expect(off.json().is_active).toBe(false);

    expect((await t.request({ method: 'GET', url: '/api/v1/auth/me', token: pair.access_token })).statusCode).toBe(401);
    expect((await t.request({ method: 'POST', url: '/api/v1/auth/refresh', body: { refresh_token: pair.refresh_token } })).statusCode).toBe(401);
    const login = await t.request({ method: 'POST', url: '/api/v1/auth/login/json', body: { email: 'leaver@flowpilot.test', password: 'leaving-today' } });
    expect(login.statusCode).toBe(403);
    expect(login.json().detail).toMatch(/deactivated/);
    // Hidden from the team list, except for an admin who asks.
    const list = (await t.request({ method: 'GET', url: '/api/v1/users', token: tech })).json();
    expect(list.items.some((u: { id: string }) => u.id === created.id)).toBe(false);
    const withInactive = (await t.request({ method: 'GET', url: '/api/v1/users?include_inactive=true', token: admin })).json();
    expect(withInactive.items.some((u: { id: string }) => u.id === created.id)).toBe(true);

    // Reactivated, they sign in again.
    await t.request({ method: 'PATCH', url: `/api/v1/users/${created.id}`, token: admin, body: { is_active: true } });
    await t.login('leaver@flowpilot.test', 'leaving-today');
  });

  it('requests arriving together are each answered as their own user, and a deactivation counts for every request after it', async () => {
    const leaver = await addUser({ email: 'burst.leaver@flowpilot.test', password: 'leaving-soon', full_name: 'Bea Burst', role: 'technician' });
    const theirs = await t.login('burst.leaver@flowpilot.test', 'leaving-soon');
    const who = new Map([[admin, 'Morgan Price'], [engineer, 'Sam Rivera'], [tech, 'Jamie Chen'], [theirs, 'Bea Burst']]);
    const tokens = Array.from({ length: 40 }, (_, i) => [admin, engineer, tech, theirs][i % 4]!);
    const burst = () => Promise.all(tokens.map((token) => t.request({ method: 'GET', url: '/api/v1/auth/me', token })));

    const before = await burst();
    expect(before.map((r) => r.json().full_name)).toEqual(tokens.map((token) => who.get(token)));

    expect((await t.request({ method: 'PATCH', url: `/api/v1/users/${leaver.id}`, token: admin, body: { is_active: false } })).statusCode).toBe(200);
    const after = await burst();
    expect(after.map((r) => r.statusCode)).toEqual(tokens.map((token) => (token === theirs ? 401 : 200)));
    expect(after.filter((r) => r.statusCode === 200).map((r) => r.json().full_name)).toEqual(tokens.filter((x) => x !== theirs).map((x) => who.get(x)));
  });

  it('keeps at least one active admin and refuses self-deactivation', async () => {
    const me = (await t.request({ method: 'GET', url: '/api/v1/auth/me', token: admin })).json();
    const self = await t.request({ method: 'PATCH', url: `/api/v1/users/${me.id}`, token: admin, body: { is_active: false } });
    expect(self.statusCode).toBe(400);
    const fresh = await createTestApp(kind);
    try {
      const freshAdmin = await fresh.tokenFor('admin');
      const freshMe = (await fresh.request({ method: 'GET', url: '/api/v1/auth/me', token: freshAdmin })).json();
      const demote = await fresh.request({ method: 'PATCH', url: `/api/v1/users/${freshMe.id}`, token: freshAdmin, body: { role: 'engineer' } });
      expect(demote.statusCode).toBe(409);
      expect(demote.json().detail).toMatch(/at least one active admin/);
      expect((await fresh.request({ method: 'GET', url: '/api/v1/auth/me', token: freshAdmin })).json().role).toBe('admin');
    } finally {
      await fresh.close();
    }
  });

  it('validates updates: unknown id 404, malformed id 422, empty body 422', async () => {
    expect((await t.request({ method: 'PATCH', url: `/api/v1/users/${randomUUID()}`, token: admin, body: { role: 'engineer' } })).statusCode).toBe(404);
    const malformed = await t.request({ method: 'PATCH', url: '/api/v1/users/not-a-uuid', token: admin, body: { role: 'engineer' } });
    expect(malformed.statusCode).toBe(422);
    expect(malformed.json().detail[0].loc).toEqual(['params', 'id']);
    const me = (await t.request({ method: 'GET', url: '/api/v1/auth/me', token: admin })).json();
    expect((await t.request({ method: 'PATCH', url: `/api/v1/users/${me.id}`, token: admin, body: {} })).statusCode).toBe(422);
    expect((await t.request({ method: 'PATCH', url: `/api/v1/users/${me.id}`, token: admin, body: { role: 'owner' } })).statusCode).toBe(422);
  });

  describe('invites', () => {
    it('a code joins the team with its role, once', async () => {
      const invite = await t.request({ method: 'POST', url: '/api/v1/team/invites', token: admin, body: { role: 'engineer' } });
      expect(invite.statusCode).toBe(201);
      const { invite_code, role } = invite.json();
      expect(role).toBe('engineer');
      const team = (await t.request({ method: 'GET', url: '/api/v1/team', token: admin })).json();
      const joined = await t.request({
        method: 'POST',
        url: '/api/v1/auth/register',
        body: { email: 'joiner@flowpilot.test', password: 'joining-now', full_name: 'Jo Iner', invite_code },
      });
      expect(joined.statusCode).toBe(201);
      expect(joined.json()).toMatchObject({ team_id: team.id, role: 'engineer' });
      const again = await t.request({
        method: 'POST',
        url: '/api/v1/auth/register',
        body: { email: 'joiner2@flowpilot.test', password: 'joining-now', full_name: 'Jo Two', invite_code },
      });
      expect(again.statusCode).toBe(400);
      expect(again.json().detail).toMatch(/This invite link has already been used/);
      // A failed registration leaves no account behind.
      expect((await t.request({ method: 'POST', url: '/api/v1/auth/login/json', body: { email: 'joiner2@flowpilot.test', password: 'joining-now' } })).statusCode).toBe(401);
    });

    it('lists open invites without their codes, and revokes one', async () => {
      const created = (await t.request({ method: 'POST', url: '/api/v1/team/invites', token: admin, body: { role: 'technician', expires_in_days: 1 } })).json();
      const list = (await t.request({ method: 'GET', url: '/api/v1/team/invites', token: admin })).json();
      const listed = list.items.find((i: { id: string }) => i.id === created.id);
      expect(listed).toMatchObject({ role: 'technician' });
      expect(listed).not.toHaveProperty('invite_code');
      expect((await t.request({ method: 'DELETE', url: `/api/v1/team/invites/${created.id}`, token: admin })).statusCode).toBe(204);
      expect((await t.request({ method: 'DELETE', url: `/api/v1/team/invites/${created.id}`, token: admin })).statusCode).toBe(404);
      const reg = await t.request({
        method: 'POST',
        url: '/api/v1/auth/register',
        body: { email: 'late@flowpilot.test', password: 'too-late-now', full_name: 'Late', invite_code: created.invite_code },
      });
      expect(reg.statusCode).toBe(400);
    });

    it('an expired code does not work', async () => {
      const created = (await t.request({ method: 'POST', url: '/api/v1/team/invites', token: admin, body: { role: 'technician' } })).json();
      await t.database.db.update(schema.invites).set({ expires_at: new Date(Date.now() - 60_000) }).where(eq(schema.invites.id, created.id));
      const reg = await t.request({
        method: 'POST',
        url: '/api/v1/auth/register',
        body: { email: 'expired@flowpilot.test', password: 'expired-code', full_name: 'Ex', invite_code: created.invite_code },
      });
      expect(reg.statusCode).toBe(400);
    });
  });

  describe('team isolation', () => {
    let otherAdmin: string;
    let otherUserId: string;
    let otherInviteId: string;
    beforeAll(async () => {
      await t.request({
        method: 'POST',
        url: '/api/v1/auth/register',
        body: { email: 'boss@rival-msp.example', password: 'rival-secret', full_name: 'Rita Rival', team_name: 'Rival MSP' },
      });
      otherAdmin = await t.login('boss@rival-msp.example', 'rival-secret');
      otherUserId = (
        await t.request({
          method: 'POST',
          url: '/api/v1/users',
          token: otherAdmin,
          body: { email: 'tech@rival-msp.example', password: 'rival-tech-pw', full_name: 'Ray Rival', role: 'technician' },
        })
      ).json().id;
      otherInviteId = (await t.request({ method: 'POST', url: '/api/v1/team/invites', token: otherAdmin, body: { role: 'engineer' } })).json().id;
    });

    it("another team's users are invisible (404), and lists hold only your team", async () => {
      expect((await t.request({ method: 'GET', url: `/api/v1/users/${otherUserId}`, token: tech })).statusCode).toBe(404);
      expect((await t.request({ method: 'PATCH', url: `/api/v1/users/${otherUserId}`, token: admin, body: { is_active: false } })).statusCode).toBe(404);
      expect((await t.request({ method: 'DELETE', url: `/api/v1/team/invites/${otherInviteId}`, token: admin })).statusCode).toBe(404);
      const mine = (await t.request({ method: 'GET', url: '/api/v1/users?limit=200', token: admin })).json();
      expect(mine.items.every((u: { email: string }) => !u.email.endsWith('rival-msp.example'))).toBe(true);
      const theirs = (await t.request({ method: 'GET', url: '/api/v1/users', token: otherAdmin })).json();
      expect(theirs.items.map((u: { email: string }) => u.email).sort()).toEqual(['boss@rival-msp.example', 'tech@rival-msp.example']);
      const invites = (await t.request({ method: 'GET', url: '/api/v1/team/invites', token: admin })).json();
      expect(invites.items.some((i: { id: string }) => i.id === otherInviteId)).toBe(false);
      // The rival's user is untouched.
      await t.login('tech@rival-msp.example', 'rival-tech-pw');
    });
  });
});
