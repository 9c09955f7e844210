import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOG_REDACT_PATHS } from '../app.ts';
import { createTestApp, DB_KINDS, type TestApp } from '../../test/harness.ts';

describe.each(DB_KINDS)('operations endpoints on %s', (kind) => {
  let t: TestApp;
  const logLines: string[] = [];
  beforeAll(async () => {
    const stream = new Writable({
      write(chunk, _enc, cb) {
        logLines.push(chunk.toString());
        cb();
      },
    });
    t = await createTestApp(kind, {
      // Debug: the level that logs every request.
      logger: { level: 'debug', stream, redact: { paths: LOG_REDACT_PATHS, censor: '[redacted]' } },
    });
  });
  afterAll(async () => t?.close());

  it('/healthz and /readyz answer, naming the database', async () => {
    expect((await t.request({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
    expect((await t.request({ method: 'GET', url: '/readyz' })).json()).toEqual({ status: 'ready', database: kind });
  });

  it('/readyz is 503 when the database is gone', async () => {
    const broken = await createTestApp(kind);
    await broken.database.close();
    const res = await broken.request({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({ detail: 'Database unavailable' });
    await broken.app.close();
  });

  it('/metrics exposes request counts by route pattern in Prometheus format', async () => {
    await t.request({ method: 'GET', url: '/api/v1/auth/me' });
    const res = await t.request({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/plain/);
    expect(res.body).toMatch(/flowpilot_http_requests_total\{method="GET",route="\/api\/v1\/auth\/me",status_code="401"\} [1-9]/);
    expect(res.body).toContain('flowpilot_process_cpu_user_seconds_total');
  });

  it('publishes the OpenAPI document with every API route, Swagger UI and ReDoc', async () => {
    const doc = (await t.request({ method: 'GET', url: '/api/openapi.json' })).json();
    expect(doc.openapi).toBe('3.1.0');
    for (const route of t.app.routeAccess) {
      const path = route.url.replace(/:(\w+)/g, '{$1}');
      expect(doc.paths[path]?.[route.method.toLowerCase()], `${route.method} ${path}`).toBeDefined();
    }
    const register = doc.paths['/api/v1/auth/register'].post;
    expect(Object.keys(register.responses)).toEqual(expect.arrayContaining(['201', '409', '422']));
    const docs = await t.request({ method: 'GET', url: '/api/docs' });
    expect([200, 302]).toContain(docs.statusCode);
    const ui = await t.request({ method: 'GET', url: '/api/docs/' });
    expect(ui.body).toContain('swagger-ui');
    const redoc = await t.request({ method: 'GET', url: '/api/redoc' });
    expect(redoc.body).toContain('<redoc spec-url="/api/openapi.json">');
    const bundle = await t.request({ method: 'GET', url: '/api/redoc/redoc.standalone.js' });
    expect(bundle.statusCode).toBe(200);
    expect(bundle.body.length).toBeGreaterThan(100_000);
  });

  it('never writes passwords or tokens to the log', async () => {
    const pair = (
      await t.request({ method: 'POST', url: '/api/v1/auth/login/json', body: { email: 'admin@flowpilot.test', password: 'flowpilot-admin' } })
    ).json();
    await t.request({ method: 'GET', url: '/api/v1/auth/me', token: pair.access_token });
    await t.request({ method: 'POST', url: '/api/v1/auth/refresh', body: { refresh_token: pair.refresh_token } });
    await t.request({ method: 'POST', url: '/api/v1/auth/login/json', body: { email: 'admin@flowpilot.test', password: 'wrong-and-secret' } });
    const log = logLines.join('');
    expect(log).toContain('"url":"/api/v1/auth/refresh","status":200');
    expect(log).not.toContain('flowpilot-admin');
    expect(log).not.toContain('wrong-and-secret');
    expect(log).not.toContain(pair.access_token);
    expect(log).not.toContain(pair.refresh_token);
  });
});
