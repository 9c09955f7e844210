import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { CreateInviteBody, IdParams, InviteList, InviteResponse, TeamResponse } from '@flowpilot/contracts';
import { currentUser } from '../../lib/auth-guard.ts';
import { errors } from '../../lib/http.ts';
import type { TeamService } from './team.service.ts';

export const teamRoutes: FastifyPluginAsyncZod<{ team: TeamService }> = async (app, { team }) => {
  const tags = ['team'];
  const security = [{ bearer: [] }];

  app.get(
    '/team',
    { config: { access: 'member' }, schema: { tags, security, summary: 'Your team', response: { 200: TeamResponse, ...errors(401) } } },
    async (request) => team.get(currentUser(request)),
  );

  app.post(
    '/team/invites',
    {
      config: { access: 'admin' },
      schema: {
        tags,
        security,
        summary: 'Create a single-use invite code for a role (admin)',
        body: CreateInviteBody,
        response: { 201: InviteResponse, ...errors(401, 403, 422) },
      },
    },
    async (request, reply) => reply.status(201).send(await team.createInvite(currentUser(request), request.body)),
  );

  app.get(
    '/team/invites',
    {
      config: { access: 'admin' },
      schema: { tags, security, summary: 'Open invites (admin); codes are shown only once, at creation', response: { 200: InviteList, ...errors(401, 403) } },
    },
    async (request) => team.listInvites(currentUser(request)),
  );

  app.delete(
    '/team/invites/:id',
    {
      config: { access: 'admin' },
      schema: {
        tags,
        security,
        summary: 'Revoke an open invite (admin)',
        params: IdParams,
        response: { 204: z.null().describe('Revoked'), ...errors(401, 403, 404, 422) },
      },
    },
    async (request, reply) => {
      await team.revokeInvite(currentUser(request), request.params.id);
      return reply.status(204).send(null);
    },
  );
};
