import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { EventTicketResponse } from '@flowpilot/contracts';
import { z } from 'zod';
import type { Db } from '../../db/client.ts';
import { authenticate, currentUser } from '../../lib/auth-guard.ts';
import { badRequest } from '../../lib/errors.ts';
import { errors } from '../../lib/http.ts';
import type { AccessTokens } from '../../lib/tokens.ts';
import type { EventsService } from './events.service.ts';

const EventsQuery = z.object({
  ticket: z.string().min(1).max(200).optional().describe('A ticket from POST /events/ticket (browsers); or send the Authorization header'),
  last_event_id: z.string().max(20).optional().describe('Resume after this event id (as the Last-Event-ID header does)'),
});

/** Event ids are positive integers; anything else is a bad request rather than a silent fresh start. */
function parseLastEventId(value: string | undefined): number | null {
  if (value === undefined || value === '') return null;
  if (!/^\d{1,18}$/.test(value)) throw badRequest('Last-Event-ID must be an event id');
  return Number(value);
}

export const eventsRoutes: FastifyPluginAsyncZod<{ events: EventsService; auth: { db: Db; tokens: AccessTokens } }> = async (app, { events, auth }) => {
  const tags = ['events'];

  app.post(
    '/events/ticket',
    {
      config: { access: 'member' },
      schema: {
        tags,
        security: [{ bearer: [] }],
        summary: 'A short-lived, single-use ticket to open the event stream from a browser',
        response: { 201: EventTicketResponse, ...errors(401) },
      },
    },
    async (request, reply) => reply.status(201).send(await events.issueTicket(currentUser(request))),
  );

  app.get(
    '/events',
    {
      // Authenticated here: by the Authorization header, or by a ticket for browsers.
      config: { access: 'public' },
      schema: {
        tags,
        security: [{ bearer: [] }, {}],
        summary: 'Live events for the current user (Server-Sent Events)',
        description:
          'Event types: notification.created, escalation.created, escalation.picked_up, session.updated, queue.count. Each carries ids; refetch what changed. Comment lines are heartbeats. Send Last-Event-ID (or ?last_event_id=) to replay what was missed.',
        querystring: EventsQuery,
        response: { 200: z.string().describe('text/event-stream'), ...errors(400, 401, 422) },
      },
    },
    async (request, reply) => {
      const user = request.query.ticket && !request.headers.authorization ? await events.redeemTicket(request.query.ticket) : await authenticate(request, auth);
      const header = request.headers['last-event-id'];
      const lastEventId = parseLastEventId(typeof header === 'string' && header ? header : request.query.last_event_id);
      reply.hijack();
      try {
        await events.open(reply.raw, user, lastEventId);
      } catch (err) {
        // The headers are out: the client reconnects and resumes from its last event.
        request.log.warn({ err: { message: err instanceof Error ? err.message : String(err) } }, 'could not open an event stream');
        reply.raw.destroy();
      }
    },
  );
};
