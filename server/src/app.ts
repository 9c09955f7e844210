import { randomUUID } from 'node:crypto';
import path from 'node:path';
import Fastify, { type FastifyInstance, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import fastifyFormbody from '@fastify/formbody';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Config } from './config.ts';
import type { Database } from './db/client.ts';
import { registerApiDocs } from './lib/api-docs.ts';
import { registerAuthGuard } from './lib/auth-guard.ts';
import { answerClientError, answerFrameworkError, registerErrorHandler } from './lib/error-handler.ts';
import { registerMetrics } from './lib/metrics.ts';
import { RequestLog } from './lib/request-log.ts';
import { AccessTokens, DerivedTokens, urlWithoutSecrets } from './lib/tokens.ts';
import { registerWebApp } from './lib/web-app.ts';
import { authRoutes } from './modules/auth/auth.routes.ts';
import { createAuthJobs } from './modules/auth/auth.jobs.ts';
import { createAuthService, DEFAULT_LOGIN_LIMITS, type LoginLimits } from './modules/auth/auth.service.ts';
import { healthRoutes } from './modules/health/health.routes.ts';
import { teamRoutes } from './modules/team/team.routes.ts';
import { createTeamService } from './modules/team/team.service.ts';
import { usersRoutes } from './modules/users/users.routes.ts';
import { treesRoutes } from './modules/trees/trees.routes.ts';
import { createTreesService } from './modules/trees/trees.service.ts';
import { createUsersService } from './modules/users/users.service.ts';
import { JobQueue } from './lib/jobs.ts';
import { SecretBox } from './lib/secret-box.ts';
import { deliveriesRoutes } from './modules/deliveries/deliveries.routes.ts';
import { createDeliveriesService, type RetryPolicy } from './modules/deliveries/deliveries.service.ts';
import { integrationsRoutes } from './modules/integrations/integrations.routes.ts';
import { createIntegrationsService } from './modules/integrations/integrations.service.ts';
import { createAiProvider } from './integrations/ai/index.ts';
import { createSessionsJobs } from './modules/sessions/sessions.jobs.ts';
import { sessionsRoutes } from './modules/sessions/sessions.routes.ts';
import { createSessionsService } from './modules/sessions/sessions.service.ts';
import { createMailer, type Mailer } from './integrations/email/mailer.ts';
import { EventBus } from './lib/events.ts';
import { eventsRoutes } from './modules/events/events.routes.ts';
import { createEventsService } from './modules/events/events.service.ts';
import { createHandoffsJobs } from './modules/handoffs/handoffs.jobs.ts';
import { handoffsRoutes } from './modules/handoffs/handoffs.routes.ts';
import { createHandoffsService } from './modules/handoffs/handoffs.service.ts';
import { notificationsRoutes } from './modules/notifications/notifications.routes.ts';
import { createNotificationsService } from './modules/notifications/notifications.service.ts';

export interface AppOptions {
  config: Readonly<Config>;
  database: Database;
  /** Fastify logger settings; defaults to JSON logs at the configured level with secrets redacted. */
  logger?: FastifyServerOptions['logger'];
  loginLimits?: LoginLimits;
  /** The clock sessions time their steps by (tests move it). */
  now?: () => Date;
  /** Job queue tuning (tests shorten the waits). */
  jobs?: { retry?: RetryPolicy; psaWaitMs?: number; pollingIntervalSeconds?: number; backstopSeconds?: number; psaTimeoutMs?: number; webhookTimeoutMs?: number };
  /** Live events tuning (tests shorten the heartbeat). */
  events?: { heartbeatMs?: number };
  /** Where emails go instead of SMTP_URL / the outbox (tests). */
  mailer?: Mailer;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The live events bus (tests and benchmarks watch it). */
    events: EventBus;
  }
}

export const BODY_LIMIT_BYTES = 1024 * 1024;

/** Paths whose values never reach a log line. */
export const LOG_REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.access_token',
  '*.refresh_token',
  '*.invite_code',
  '*.token',
  '*.secret',
  '*.private_key',
  '*.client_secret',
  '*.integration_code',
];

/** How a request shows in the log: Fastify's fields, with the secrets of links (reset tokens, invite codes) taken out of the URL. */
export const LOG_SERIALIZERS = {
  req: (req: FastifyRequest) => ({
    method: req.method,
    url: urlWithoutSecrets(req.url),
    host: req.host,
    remoteAddress: req.ip,
    remotePort: req.socket?.remotePort,
  }),
};

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Builds the whole application without listening: tests use `app.inject`, `server.ts` listens. */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const { config, database } = options;
  const app = Fastify({
    logger: options.logger ?? {
      level: config.logLevel,
      redact: { paths: LOG_REDACT_PATHS, censor: '[redacted]' },
      serializers: LOG_SERIALIZERS,
    },
    bodyLimit: BODY_LIMIT_BYTES,
    // Fastify takes a hop count too; its types only list booleans and addresses.
    trustProxy: config.trustProxy as boolean | string,
    requestIdHeader: 'x-request-id',
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    routerOptions: { ignoreTrailingSlash: true },
    // One debug line per request instead of two at info.
    logController: new RequestLog(),
    // Every answer Fastify or Node would give on their own is `{"detail": ...}` too.
    frameworkErrors: answerFrameworkError,
    clientErrorHandler: answerClientError,
    // Checked by the error handler's hook, which answers with a detail.
    return503OnClosing: false,
    http: { requireHostHeader: false },
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerErrorHandler(app);
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });

  await app.register(fastifyFormbody, { bodyLimit: BODY_LIMIT_BYTES });
  await registerApiDocs(app);
  registerMetrics(app, { token: config.metricsToken });

  const tokens = new AccessTokens(config.jwtSecret);
  const db = database.db;
  registerAuthGuard(app, { db, tokens });

  const derived = new DerivedTokens(config.jwtSecret);
  const users = createUsersService({ db });
  const team = createTeamService({ db });
  const trees = createTreesService({ db, log: app.log });

  // Every process runs workers; pg-boss hands each job to one of them.
  const jobs = new JobQueue(database, { databaseUrl: database.url, log: app.log, pollingIntervalSeconds: options.jobs?.pollingIntervalSeconds ?? 2,
    ...(options.jobs?.backstopSeconds && { backstopSeconds: options.jobs.backstopSeconds }),
  });
  await jobs.start();
  app.addHook('onClose', async () => jobs.stop());
  const mailer = options.mailer ?? createMailer({ smtpUrl: config.smtpUrl, outboxDir: path.join(config.dataDir, 'outbox'), from: config.emailFrom });
  app.addHook('onClose', async () => mailer.close());
  const auth = createAuthService({ db, tokens, derived, jobs, loginLimits: options.loginLimits ?? DEFAULT_LOGIN_LIMITS });
  const authJobs = createAuthJobs({ db, mailer, derived, publicUrl: config.publicUrl, log: app.log });
  await jobs.work('auth.password_reset', (data) => authJobs.sendPasswordReset(data), { concurrency: 2 });
  const integrations = createIntegrationsService({
    db,
    box: new SecretBox(config.encryptionKey),
    allowPrivateTargets: config.allowPrivateNetworkTargets,
    smtpConfigured: Boolean(config.smtpUrl),
    mailer,
    publicUrl: config.publicUrl,
    ...(options.jobs?.webhookTimeoutMs && { webhookTimeoutMs: options.jobs.webhookTimeoutMs }),
    ...(options.jobs?.psaTimeoutMs && { psaTimeoutMs: options.jobs.psaTimeoutMs }),
  });
  const deliveries = createDeliveriesService({
    db,
    jobs,
    integrations,
    log: app.log,
    ...(options.jobs?.retry && { retry: options.jobs.retry }),
    ...(options.jobs?.psaWaitMs !== undefined && { psaWaitMs: options.jobs.psaWaitMs }),
  });
  await jobs.work('delivery.psa', (data) => deliveries.runDelivery(data), { concurrency: 3 });
  const ai = createAiProvider(config.ai);
  if (ai) app.log.info({ provider: ai.label, model: ai.model }, 'AI summaries are on');
  const sessionJobs = createSessionsJobs({ db, jobs, ai, log: app.log });
  // Registered even without AI, so jobs queued while it was configured are drained rather than left waiting.
  await jobs.work('documentation.summarize', (data, job) => sessionJobs.summarizeDocumentation(data, job), { concurrency: 2 });
  const bus = new EventBus(database, { log: app.log, ...(options.events?.heartbeatMs && { heartbeatMs: options.events.heartbeatMs }) });
  await bus.start();
  // Before the job queue stops: open streams end first, so clients reconnect to another process.
  app.addHook('preClose', async () => bus.stop());
  app.decorate('events', bus);
  const sessions = createSessionsService({ db, trees, psa: deliveries.psaHook, summaries: sessionJobs.summaryHook, events: bus, ...(options.now && { now: options.now }) });
  const handoffJobs = createHandoffsJobs({
    db,
    deliveries,
    integrations,
    bus,
    jobs,
    ai,
    mailer,
    publicUrl: config.publicUrl,
    allowPrivateTargets: config.allowPrivateNetworkTargets,
    ...(options.jobs?.webhookTimeoutMs && { webhookTimeoutMs: options.jobs.webhookTimeoutMs }),
    log: app.log,
    ...(options.now && { now: options.now }),
  });
  // Each channel has its own queue and workers: one that is down delays only itself.
  await jobs.work('delivery.slack', (data) => deliveries.runDelivery(data), { concurrency: 2 });
  await jobs.work('delivery.teams', (data) => deliveries.runDelivery(data), { concurrency: 2 });
  await jobs.work('delivery.email', (data) => deliveries.runDelivery(data), { concurrency: 4 });
  await jobs.work('handoff.remind', (data) => handoffJobs.remind(data), { concurrency: 2 });
  await jobs.work('handoff.package', (data, job) => handoffJobs.enrich(data, job), { concurrency: 2 });
  // Start-up fails, naming it, when a queue has no handler or a delivery channel no sender.
  jobs.assertEveryQueueHandled();
  deliveries.assertEverySender();
  const handoffs = createHandoffsService({ db, sessions, deliveries, integrations, bus, jobs, ai: ai !== null, ...(options.now && { now: options.now }) });
  const notifications = createNotificationsService({ db });
  const events = createEventsService({ db, bus });

  await app.register(healthRoutes, { database });
  await app.register(
    async (api) => {
      await api.register(authRoutes, { auth });
      await api.register(usersRoutes, { users });
      await api.register(teamRoutes, { team });
      await api.register(treesRoutes, { trees });
      await api.register(sessionsRoutes, { sessions });
      await api.register(integrationsRoutes, { integrations });
      await api.register(deliveriesRoutes, { deliveries });
      await api.register(handoffsRoutes, { handoffs });
      await api.register(notificationsRoutes, { notifications });
      await api.register(eventsRoutes, { events, auth: { db, tokens } });
    },
    { prefix: '/api/v1' },
  );
  await registerWebApp(app, config.webDist);
  return app;
}
