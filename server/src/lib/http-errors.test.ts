import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loggableError } from './error-handler.ts';
import { createTestApp, DB_KINDS, type TestApp } from '../../test/harness.ts';

describe('logging an unexpected error', () => {
  it('keeps the query but never its parameters', () => {
    const err = Object.assign(new Error('Failed query: select * from users where email = $1\nparams: boss@example.com'), {
      name: 'DrizzleQueryError',
      query: 'select * from users where email = $1',
      params: ['boss@example.com'],
      cause: Object.assign(new Error('connection reset'), { code: 'ECONNRESET' }),
    });
    const logged = JSON.stringify(loggableError(err));
    expect(logged).not.toContain('boss@example.com');
    expect(logged).toContain('select * from users where email = $1');
    expect(logged).toContain('ECONNRESET');
  });
});

describe.each(DB_KINDS)('error answers on %s', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(kind);
  });
  afterAll(async () => t?.close());

  it('malformed JSON is 400 with a detail', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login/json',
      headers: { 'content-type': 'application/json' },
      payload: '{"email": "a@b.c", ',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ detail: 'The request body is not valid JSON' });
  });

  it('a body over 1 MB is 413', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/register',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ email: 'big@example.com', password: 'x'.repeat(1024 * 1024), full_name: 'Big' }),
    });
    expect(res.statusCode).toBe(413);
    expect(res.json()).toEqual({ detail: 'Request body is too large' });
  });

  it('an unsupported content type is 415', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login/json',
      headers: { 'content-type': 'application/xml' },
      payload: '<login/>',
    });
    expect(res.statusCode).toBe(415);
    expect(res.json().detail).toMatch(/Unsupported content type/);
  });

  it('422 lists every bad field with its path, nested ones included', async () => {
    const res = await t.request({ method: 'POST', url: '/api/v1/auth/register', body: { email: 42, password: ['x'], full_name: '' } });
    expect(res.statusCode).toBe(422);
    const detail = res.json().detail as { loc: string[]; msg: string; type: string }[];
    expect(detail.map((d) => d.loc)).toEqual([
      ['body', 'email'],
      ['body', 'password'],
      ['body', 'full_name'],
    ]);
    for (const d of detail) expect(d.msg.length).toBeGreaterThan(0);
  });

  it('a JSON body that is not an object is 422, not 500', async () => {
    for (const payload of ['[]', '"text"', 'null', '12']) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login/json',
        headers: { 'content-type': 'application/json' },
        payload,
      });
      expect([400, 422], payload).toContain(res.statusCode);
      expect(res.json()).toHaveProperty('detail');
    }
  });

  it('an unknown API path is a JSON 404', async () => {
    const res = await t.request({ method: 'GET', url: '/api/v1/nothing-here' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ detail: 'Not Found' });
  });

  it('hostile strings are data, never errors', async () => {
    const token = await t.tokenFor('admin');
    const weird = ["'; drop table users; --", '\u0000\u202e', '😀'.repeat(50), '%s%n'];
    for (const name of weird) {
      const res = await t.request({
        method: 'POST',
        url: '/api/v1/users',
        token,
        body: { email: `w${weird.indexOf(name)}@example.com`, password: 'long-enough', full_name: name, role: 'technician' },
      });
      expect(res.statusCode, JSON.stringify(name)).toBeLessThan(500);
    }
    const list = await t.request({ method: 'GET', url: '/api/v1/users?limit=200', token });
    expect(list.json().items.some((u: { full_name: string }) => u.full_name === "'; drop table users; --")).toBe(true);
  });

  it('every response carries a request id, and a given one is echoed', async () => {
    const res = await t.request({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'ticket-4711-abc' } });
    expect(res.headers['x-request-id']).toBe('ticket-4711-abc');
    const generated = await t.request({ method: 'GET', url: '/healthz' });
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});
