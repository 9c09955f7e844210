import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, DB_KINDS, type TestApp } from './harness.ts';

/**
 * Whatever a client sends to any API route — random JSON bodies, random path
 * ids and query strings, as an admin — the answer is never a 500, and every
 * error has a `detail`.
 */
describe.each(DB_KINDS)('no input produces a 500 on %s', (kind) => {
  let t: TestApp;
  let token: string;
  beforeAll(async () => {
    t = await createTestApp(kind);
    token = await t.tokenFor('admin');
  });
  afterAll(async () => t?.close());

  const pathValue = fc.oneof(fc.uuid(), fc.string({ maxLength: 40 }), fc.constant('00000000-0000-0000-0000-000000000000'));
  const queryString = fc
    .dictionary(fc.constantFrom('limit', 'offset', 'role', 'include_inactive', 'q', 'x'), fc.oneof(fc.string({ maxLength: 20 }), fc.integer().map(String)))
    .map((d) => new URLSearchParams(d).toString());

  it('holds for every route', async () => {
    // The event stream answers 200 and stays open for as long as the client listens: its bad inputs are tested in events.test.ts.
    for (const route of t.app.routeAccess.filter((r) => !(r.method === 'GET' && r.url === '/api/v1/events'))) {
      await fc.assert(
        fc.asyncProperty(fc.jsonValue({ maxDepth: 4 }), pathValue, queryString, async (body, id, query) => {
          const url = route.url.replace(/:(\w+)/g, () => encodeURIComponent(id)) + (query ? `?${query}` : '');
          const hasBody = route.method !== 'GET' && route.method !== 'DELETE';
          const res = await t.app.inject({
            method: route.method as 'GET',
            url,
            headers: { authorization: `Bearer ${token}`, ...(hasBody && { 'content-type': 'application/json' }) },
            ...(hasBody && { payload: JSON.stringify(body) }),
          });
          expect(res.statusCode, `${route.method} ${url} ${JSON.stringify(body)?.slice(0, 200)}`).toBeLessThan(500);
          if (res.statusCode >= 400) expect(res.json()).toHaveProperty('detail');
        }),
        { numRuns: 25 },
      );
    }
  });

  it('holds for well-shaped bodies with arbitrary text in every field', async () => {
    const text = fc.string({ unit: 'binary', maxLength: 300 });
    const role = fc.oneof(fc.constantFrom('technician', 'engineer', 'admin'), text);
    const cases: [string, string, fc.Arbitrary<unknown>][] = [
      ['POST', '/api/v1/auth/register', fc.record({ email: fc.oneof(fc.emailAddress(), text), password: text, full_name: text, team_name: fc.option(text, { nil: undefined }) })],
      ['POST', '/api/v1/auth/login/json', fc.record({ email: fc.oneof(fc.emailAddress(), text), password: text })],
      ['POST', '/api/v1/users', fc.record({ email: fc.emailAddress(), password: text, full_name: text, role })],
      ['POST', '/api/v1/team/invites', fc.record({ role, expires_in_days: fc.oneof(fc.integer(), fc.double()) })],
      ['POST', '/api/v1/auth/refresh', fc.record({ refresh_token: text })],
    ];
    for (const [method, url, arbitrary] of cases) {
      await fc.assert(
        fc.asyncProperty(arbitrary, async (body) => {
          const res = await t.app.inject({ method: method as 'POST', url, headers: { authorization: `Bearer ${token}` }, payload: body as object });
          expect(res.statusCode, `${method} ${url} ${JSON.stringify(body).slice(0, 200)}`).toBeLessThan(500);
          if (res.statusCode >= 400) expect(res.json()).toHaveProperty('detail');
        }),
        { numRuns: 40 },
      );
    }
  });
});
