import type { FastifyInstance, FastifyRequest } from 'fastify';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import { unauthorized } from './errors.ts';
import { secretsEqual } from './tokens.ts';

/** Whether a request carries `Authorization: Bearer <token>` (compared in constant time). */
function bearerMatches(request: FastifyRequest, token: string): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
  return match?.[1] !== undefined && secretsEqual(match[1], token);
}

/**
 * Prometheus metrics at `/metrics`: process defaults plus request counts and
 * latencies by route. Open by default (a scraper inside the network); with
 * `token` (METRICS_TOKEN) only a request bearing it is answered.
 */
export function registerMetrics(app: FastifyInstance, opts: { token?: string | undefined } = {}): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'flowpilot_' });
  const labelNames = ['method', 'route', 'status_code'] as const;
  const requests = new Counter({
    name: 'flowpilot_http_requests_total',
    help: 'HTTP requests answered',
    labelNames,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'flowpilot_http_request_duration_seconds',
    help: 'Time to answer an HTTP request',
    labelNames,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });

  app.addHook('onResponse', async (request, reply) => {
    // The route pattern, never the raw URL, so ids do not explode the label set.
    const route = request.routeOptions.url ?? 'unmatched';
    if (route === '/metrics') return;
    const labels = { method: request.method, route, status_code: String(reply.statusCode) };
    requests.inc(labels);
    duration.observe(labels, reply.elapsedTime / 1000);
  });

  app.get('/metrics', { schema: { hide: true } }, async (request, reply) => {
    if (opts.token !== undefined && !bearerMatches(request, opts.token)) {
      throw unauthorized('The metrics need a token: send Authorization: Bearer <METRICS_TOKEN>');
    }
    reply.type(registry.contentType);
    return registry.metrics();
  });
  return registry;
}
