import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import {
  CountResponse,
  EscalateBody,
  EscalationList,
  Handoff,
  HandoffBody,
  HandoffResponse,
  IdParams,
  ListEscalationsQuery,
  PickupResponse,
  TeamSettings,
  UpdateTeamSettingsBody,
} from '@flowpilot/contracts';
import { currentUser } from '../../lib/auth-guard.ts';
import { errors } from '../../lib/http.ts';
import type { HandoffsService } from './handoffs.service.ts';

export const handoffsRoutes: FastifyPluginAsyncZod<{ handoffs: HandoffsService }> = async (app, { handoffs }) => {
  const tags = ['escalations'];
  const security = [{ bearer: [] }];
  const member = { access: 'member' as const };
  const engineer = { access: 'engineer' as const };
  const handingOver = { 200: HandoffResponse, ...errors(400, 401, 403, 404, 409, 422) };

  app.post(
    '/sessions/:id/handoff',
    {
      config: member,
      schema: {
        tags,
        security,
        summary: 'Hand the session over: escalate it (to an engineer, or the team’s queue) or transfer it to a colleague',
        description:
          'One transaction: the session status, a handoff, the documentation, the escalation package, a notification per recipient and the delivery jobs (Slack, Teams, email, PSA). The answer never waits on them.',
        params: IdParams,
        body: HandoffBody,
        response: handingOver,
      },
    },
    async (request) => handoffs.handoff(currentUser(request), request.params.id, request.body),
  );

  app.post(
    '/sessions/:id/escalate',
    {
      config: member,
      schema: {
        tags,
        security,
        summary: 'Escalate the session (legacy URL: the same as /handoff with intent "escalate")',
        params: IdParams,
        body: EscalateBody,
        response: handingOver,
      },
    },
    async (request) => handoffs.escalate(currentUser(request), request.params.id, request.body),
  );

  app.post(
    '/sessions/:id/pickup',
    {
      config: engineer,
      schema: {
        tags,
        security,
        summary: 'Pick up an escalated session (exactly one of concurrent pickups wins; the others get 409 saying who did)',
        params: IdParams,
        response: { 200: PickupResponse, ...errors(401, 403, 404, 409, 422) },
      },
    },
    async (request) => handoffs.pickup(currentUser(request), request.params.id),
  );

  app.get(
    '/sessions/:id/handoff',
    {
      config: member,
      schema: {
        tags,
        security,
        summary: 'The latest handoff of the session, with its escalation package (the pickup screen)',
        params: IdParams,
        response: { 200: Handoff, ...errors(401, 404, 422) },
      },
    },
    async (request) => handoffs.latest(currentUser(request), request.params.id),
  );

  app.get(
    '/escalations',
    {
      config: engineer,
      schema: { tags, security, summary: 'The team’s escalation queue, oldest first, with waiting time', querystring: ListEscalationsQuery, response: { 200: EscalationList, ...errors(401, 403, 422) } },
    },
    async (request) => handoffs.queue(currentUser(request), request.query),
  );

  app.get(
    '/escalations/count',
    { config: engineer, schema: { tags, security, summary: 'How many escalations wait for pickup (the sidebar badge)', response: { 200: CountResponse, ...errors(401, 403) } } },
    async (request) => handoffs.count(currentUser(request)),
  );

  app.get(
    '/team/settings',
    { config: member, schema: { tags: ['team'], security, summary: 'Team settings: the escalation chain', response: { 200: TeamSettings, ...errors(401) } } },
    async (request) => handoffs.settings(currentUser(request)),
  );

  app.put(
    '/team/settings',
    {
      config: { access: 'admin' as const },
      schema: { tags: ['team'], security, summary: 'Change the team settings (admin)', body: UpdateTeamSettingsBody, response: { 200: TeamSettings, ...errors(401, 403, 422) } },
    },
    async (request) => handoffs.updateSettings(currentUser(request), request.body),
  );
};
