import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import {
  AbandonSessionBody,
  BackBody,
  CompleteSessionBody,
  ExportSessionBody,
  IdParams,
  ListSessionsQuery,
  OffTreeStepBody,
  PsaResult,
  SessionCloseResponse,
  SessionDocumentation,
  SessionList,
  SessionResponse,
  StartSessionBody,
  StepBody,
  UpdateSessionBody,
} from '@flowpilot/contracts';
import { currentUser } from '../../lib/auth-guard.ts';
import { errors, sendFile } from '../../lib/http.ts';
import type { SessionsService } from './sessions.service.ts';

export const sessionsRoutes: FastifyPluginAsyncZod<{ sessions: SessionsService }> = async (app, { sessions }) => {
  const tags = ['sessions'];
  const security = [{ bearer: [] }];
  const config = { access: 'member' as const };
  const acting = { 200: SessionResponse, ...errors(401, 403, 404, 409, 422) };

  app.get(
    '/sessions',
    {
      config,
      schema: {
        tags,
        security,
        summary: 'Sessions: your own and those assigned to you, or (engineers, admins) the whole team’s',
        querystring: ListSessionsQuery,
        response: { 200: SessionList, ...errors(401, 403, 422) },
      },
    },
    async (request) => sessions.list(currentUser(request), request.query),
  );

  app.post(
    '/sessions',
    {
      config,
      schema: {
        tags,
        security,
        summary: "Start a session on a tree (pinned to the tree's current version) with the ticket's context",
        body: StartSessionBody,
        response: { 201: SessionResponse, ...errors(401, 404, 409, 422) },
      },
    },
    async (request, reply) => reply.status(201).send(await sessions.start(currentUser(request), request.body)),
  );

  app.get(
    '/sessions/:id',
    {
      config,
      schema: { tags, security, summary: 'A session with its steps', params: IdParams, response: { 200: SessionResponse, ...errors(401, 404, 422) } },
    },
    async (request) => sessions.get(currentUser(request), request.params.id),
  );

  app.put(
    '/sessions/:id',
    {
      config,
      schema: { tags, security, summary: 'Update the ticket details and notes', params: IdParams, body: UpdateSessionBody, response: acting },
    },
    async (request) => sessions.update(currentUser(request), request.params.id, request.body),
  );

  app.post(
    '/sessions/:id/steps',
    {
      config,
      schema: {
        tags,
        security,
        summary: 'Answer the current node and/or add a note; a node that is no longer current is 409',
        params: IdParams,
        body: StepBody,
        response: acting,
      },
    },
    // Sent pre-serialised (the SessionResponse schema above documents it): the hottest write of the API, one per
    // keypress of a technician, whose answer carries every step so far (serialised once each, then reused).
    async (request, reply) => {
      const json = await sessions.step(currentUser(request), request.params.id, request.body);
      return reply.type('application/json; charset=utf-8').send(json as never);
    },
  );

  app.post(
    '/sessions/:id/back',
    {
      config,
      schema: { tags, security, summary: 'Go back to the previous node (recorded; history is kept)', params: IdParams, body: BackBody, response: acting },
    },
    async (request) => sessions.back(currentUser(request), request.params.id, request.body),
  );

  app.post(
    '/sessions/:id/off-tree',
    {
      config,
      schema: { tags, security, summary: 'Record something done that the tree does not cover', params: IdParams, body: OffTreeStepBody, response: acting },
    },
    async (request) => sessions.offTree(currentUser(request), request.params.id, request.body),
  );

  app.post(
    '/sessions/:id/pause',
    { config, schema: { tags, security, summary: 'Pause the clock', params: IdParams, response: acting } },
    async (request) => sessions.pause(currentUser(request), request.params.id),
  );

  app.post(
    '/sessions/:id/resume',
    { config, schema: { tags, security, summary: 'Resume a paused session', params: IdParams, response: acting } },
    async (request) => sessions.resume(currentUser(request), request.params.id),
  );

  app.post(
    '/sessions/:id/complete',
    {
      config,
      schema: {
        tags,
        security,
        summary: "Resolve the session: writes its documentation and puts it on the PSA ticket",
        params: IdParams,
        body: CompleteSessionBody,
        response: { 200: SessionCloseResponse, ...errors(401, 403, 404, 409, 422) },
      },
    },
    async (request) => sessions.complete(currentUser(request), request.params.id, request.body),
  );

  app.post(
    '/sessions/:id/abandon',
    {
      config,
      schema: { tags, security, summary: 'Stop a session without resolving it', params: IdParams, body: AbandonSessionBody.nullish(), response: acting },
    },
    async (request) => sessions.abandon(currentUser(request), request.params.id, request.body ?? {}),
  );

  app.get(
    '/sessions/:id/psa',
    {
      config,
      schema: {
        tags,
        security,
        summary: "How the documentation's note on the PSA ticket stands: pushed, queued (still trying, with the last error), failed (with why) or no_psa",
        params: IdParams,
        response: { 200: PsaResult, ...errors(401, 404, 422) },
      },
    },
    async (request) => sessions.psaResult(currentUser(request), request.params.id),
  );

  app.get(
    '/sessions/:id/documentation',
    {
      config,
      schema: {
        tags,
        security,
        summary: 'The documentation: as written at completion or escalation, else a draft of how the session stands',
        params: IdParams,
        response: { 200: SessionDocumentation, ...errors(401, 404, 422) },
      },
    },
    async (request) => sessions.documentationFor(currentUser(request), request.params.id),
  );

  app.post(
    '/sessions/:id/export',
    {
      config,
      schema: {
        tags,
        security,
        summary: 'The session as a file: Markdown, JSON, HTML or PDF, with the documentation and the full step history',
        params: IdParams,
        body: ExportSessionBody,
        response: { 200: z.string().describe('The file'), ...errors(401, 404, 422) },
      },
    },
    async (request, reply) => sendFile(reply, await sessions.exportFile(currentUser(request), request.params.id, request.body.format)),
  );
};
