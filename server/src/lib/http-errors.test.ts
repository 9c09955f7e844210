import { connect, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loggableError } from './error-handler.ts';
import { PRINTER_OFFLINE_TREE_ID } from '../db/demo-trees/ids.ts';
import { createTestApp, DB_KINDS, type TestApp } from '../../test/harness.ts';

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  text: string;
}

/**
 * Writes `request` byte for byte on a fresh connection and reads the answer
 * until the server closes it: for requests no HTTP client would send, which
 * Node's parser refuses before Fastify sees them.
 */
function rawRequest(port: number, request: string): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(request));
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => {
      const whole = Buffer.concat(chunks).toString('utf8');
      const split = whole.indexOf('\r\n\r\n');
      if (split < 0) return reject(new Error(`no HTTP answer: ${JSON.stringify(whole.slice(0, 200))}`));
      const [statusLine, ...lines] = whole.slice(0, split).split('\r\n');
      const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
      resolve({ status: Number(statusLine!.split(' ')[1]), headers, text: whole.slice(split + 4) });
    });
  });
}

/** The detail of a JSON error answer; fails the test for any other shape. */
function detailOf(res: { headers: Record<string, string | undefined>; text: string }): unknown {
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  const body = JSON.parse(res.text) as Record<string, unknown>;
  expect(Object.keys(body)).toEqual(['detail']);
  return body.detail;
}

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

describe.each(DB_KINDS)('error answers over real HTTP on %s', (kind) => {
  let t: TestApp;
  let port: number;
  let token: string;
  beforeAll(async () => {
    t = await createTestApp(kind);
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    port = (t.app.server.address() as AddressInfo).port;
    token = await t.tokenFor('admin');
  });
  afterAll(async () => t?.close());

  const call = async (path: string, init: RequestInit = {}) => {
    const res = await fetch(`http://127.0.0.1:${port}${path}`, init);
    return { status: res.status, headers: Object.fromEntries(res.headers), text: await res.text() };
  };
  const head = (lines: string[]) => `${lines.join('\r\n')}\r\n\r\n`;

  it('a URI too long is 414', async () => {
    const res = await rawRequest(port, head([`GET /api/v1/trees?q=${'a'.repeat(20_000)} HTTP/1.1`, 'Host: localhost']));
    expect(res.status).toBe(414);
    expect(detailOf(res)).toBe('The address (URI) is too long');
  });

  it('headers too large are 431', async () => {
    const res = await rawRequest(port, head(['GET /healthz HTTP/1.1', 'Host: localhost', `X-Padding: ${'a'.repeat(20_000)}`]));
    expect(res.status).toBe(431);
    expect(detailOf(res)).toMatch(/headers .* too large/);
  });

  it('a malformed header, a bad Content-Length, and a missing Host are 400', async () => {
    const badHeader = await rawRequest(port, head(['GET /healthz HTTP/1.1', 'Host: localhost', 'Bad Header: 1']));
    expect(badHeader.status).toBe(400);
    expect(detailOf(badHeader)).toBe('A request header is malformed');

    const badLength = await rawRequest(
      port,
      head(['POST /api/v1/auth/login/json HTTP/1.1', 'Host: localhost', 'Content-Type: application/json', 'Content-Length: twelve']) + '{}',
    );
    expect(badLength.status).toBe(400);
    expect(detailOf(badLength)).toBe('The Content-Length header is not valid');

    const both = await rawRequest(
      port,
      head(['POST /api/v1/auth/login/json HTTP/1.1', 'Host: localhost', 'Content-Type: application/json', 'Content-Length: 2', 'Transfer-Encoding: chunked']) + '{}',
    );
    expect(both.status).toBe(400);
    expect(detailOf(both)).toEqual(expect.any(String));

    const noHost = await rawRequest(port, head(['GET /healthz HTTP/1.1', 'Connection: close']));
    expect(noHost.status).toBe(400);
    expect(detailOf(noHost)).toBe('The Host header is missing');
  });

  it('a malformed percent-encoding in the path is 400', async () => {
    const res = await rawRequest(port, head(['GET /api/v1/trees/%zz HTTP/1.1', 'Host: localhost', 'Connection: close']));
    expect(res.status).toBe(400);
    expect(detailOf(res)).toMatch(/percent-encoding/);
  });

  it('an unknown route is 404, a known path with the wrong method 405 with Allow', async () => {
    const unknown = await call('/api/v1/nothing-here', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(unknown.status).toBe(404);
    expect(detailOf(unknown)).toBe('Not Found');

    const login = await call('/api/v1/auth/login/json', { method: 'DELETE' });
    expect(login.status).toBe(405);
    expect(login.headers.allow).toBe('POST');
    expect(detailOf(login)).toBe('DELETE is not allowed here; this address takes POST');

    const tree = await call(`/api/v1/trees/${PRINTER_OFFLINE_TREE_ID}/`, { method: 'PATCH', headers: { authorization: `Bearer ${token}` } });
    expect(tree.status).toBe(405);
    expect(tree.headers.allow).toBe('DELETE, GET, HEAD, PUT');
    expect(detailOf(tree)).toMatch(/^PATCH is not allowed here/);
  });

  it('a path id far too long is 404, one that is not a UUID 422', async () => {
    const headers = { authorization: `Bearer ${token}` };
    const long = await call(`/api/v1/trees/${'7'.repeat(10_000)}`, { headers });
    expect(long.status).toBe(404);
    expect(detailOf(long)).toBe('Not Found');
    const longPut = await call(`/api/v1/trees/${'x'.repeat(10_000)}`, { method: 'PUT', headers: { ...headers, 'content-type': 'application/json' }, body: '{}' });
    expect(longPut.status).toBe(404);
    expect(detailOf(longPut)).toBe('Not Found');

    const notUuid = await call('/api/v1/trees/not-a-uuid', { headers });
    expect(notUuid.status).toBe(422);
    expect(detailOf(notUuid)).toEqual([expect.objectContaining({ loc: ['params', 'id'] })]);
  });

  it('an unsupported media type is 415, a body too large 413, malformed JSON 400', async () => {
    const xml = await call('/api/v1/auth/login/json', { method: 'POST', headers: { 'content-type': 'application/xml' }, body: '<login/>' });
    expect(xml.status).toBe(415);
    expect(detailOf(xml)).toBe('Unsupported content type: application/xml');

    const big = await call('/api/v1/auth/register', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'big@example.com', password: 'x'.repeat(2 * 1024 * 1024), full_name: 'Big' }),
    });
    expect(big.status).toBe(413);
    expect(detailOf(big)).toBe('Request body is too large');

    const broken = await call('/api/v1/auth/login/json', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"email": ' });
    expect(broken.status).toBe(400);
    expect(detailOf(broken)).toBe('The request body is not valid JSON');
  });

  it('a request reaching a server that is shutting down is 503 with a detail', async () => {
    const closingApp = await createTestApp(kind);
    await closingApp.app.listen({ port: 0, host: '127.0.0.1' });
    const socket = connect((closingApp.app.server.address() as AddressInfo).port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    const ended = new Promise((resolve) => socket.on('close', resolve));
    await new Promise((resolve) => socket.once('connect', resolve));
    // A request still arriving keeps its connection open through the shutdown; the next one on it comes too late.
    const arrived = new Promise((resolve) => closingApp.app.server.once('request', resolve));
    socket.write(head(['POST /api/v1/auth/login/json HTTP/1.1', 'Host: localhost', 'Content-Type: application/json', 'Content-Length: 2']) + '{');
    await arrived;
    const closed = closingApp.close();
    while (closingApp.app.server.listening) await new Promise((resolve) => setTimeout(resolve, 5));
    socket.write('}' + head(['GET /healthz HTTP/1.1', 'Host: localhost']));
    await ended;
    await closed;
    const answers = Buffer.concat(chunks).toString('utf8');
    expect(answers).toMatch(/^HTTP\/1\.1 422 /);
    const last = answers.slice(answers.lastIndexOf('HTTP/1.1 '));
    expect(last).toMatch(/^HTTP\/1\.1 503 /);
    expect(last).toMatch(/\r\nretry-after: 1\r\n/i);
    expect(JSON.parse(last.slice(last.indexOf('\r\n\r\n') + 4))).toEqual({ detail: 'This FlowPilot server is shutting down: try again in a moment' });
  });
});
