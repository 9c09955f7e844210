import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, DB_KINDS, type TestApp } from '../../test/harness.ts';

const TOKEN = 'scrape-me-with-this-token-0123';

describe.each(DB_KINDS)('/metrics with METRICS_TOKEN on %s', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(kind, { config: { metricsToken: TOKEN } });
  });
  afterAll(async () => t?.close());

  const scrape = (authorization?: string) => t.request({ method: 'GET', url: '/metrics', ...(authorization && { headers: { authorization } }) });

  it.each([
    ['no Authorization header', undefined],
    ['a wrong token', 'Bearer scrape-me-with-this-token-0124'],
    ['a prefix of the token', `Bearer ${TOKEN.slice(0, -1)}`],
    ['the token as Basic credentials', `Basic ${TOKEN}`],
    ['a user access token', 'Bearer eyJhbGciOiJIUzI1NiJ9.e30.x'],
  ])('answers 401 {"detail"} to %s', async (_what, authorization) => {
    const res = await scrape(authorization);
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual({ detail: expect.stringMatching(/METRICS_TOKEN/) });
    expect(res.body).not.toContain('flowpilot_http_requests_total');
  });

  it('answers the metrics to the bearer of the token', async () => {
    const res = await scrape(`Bearer ${TOKEN}`);
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('flowpilot_http_requests_total');
  });
});

describe.each(DB_KINDS)('/metrics without METRICS_TOKEN on %s', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(kind, { seed: false });
  });
  afterAll(async () => t?.close());

  it('stays open, as Prometheus scrapes it by default', async () => {
    const res = await t.request({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('flowpilot_process_cpu_user_seconds_total');
  });
});
