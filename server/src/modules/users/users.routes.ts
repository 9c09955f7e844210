import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { CreateUserBody, IdParams, ListUsersQuery, UpdateUserBody, UserList, UserResponse } from '@flowpilot/contracts';
import { currentUser } from '../../lib/auth-guard.ts';
import { errors } from '../../lib/http.ts';
import type { UsersService } from './users.service.ts';

export const usersRoutes: FastifyPluginAsyncZod<{ users: UsersService }> = async (app, { users }) => {
  const tags = ['users'];
  const security = [{ bearer: [] }];

  app.get(
    '/users',
    {
      config: { access: 'member' },
      schema: { tags, security, summary: 'Members of your team', querystring: ListUsersQuery, response: { 200: UserList, ...errors(401, 422) } },
    },
    async (request) => users.list(currentUser(request), request.query),
  );

  app.get(
    '/users/:id',
    {
      config: { access: 'member' },
      schema: { tags, security, summary: 'One member of your team', params: IdParams, response: { 200: UserResponse, ...errors(401, 404, 422) } },
    },
    async (request) => users.get(currentUser(request), request.params.id),
  );

  app.post(
    '/users',
    {
      config: { access: 'admin' },
      schema: {
        tags,
        security,
        summary: 'Add a user to your team (admin)',
        body: CreateUserBody,
        response: { 201: UserResponse, ...errors(401, 403, 409, 422) },
      },
    },
    async (request, reply) => reply.status(201).send(await users.create(currentUser(request), request.body)),
  );

  app.patch(
    '/users/:id',
    {
      config: { access: 'admin' },
      schema: {
        tags,
        security,
        summary: 'Change a user’s role, name, active state or password (admin); deactivating or a new password signs them out everywhere at once',
        params: IdParams,
        body: UpdateUserBody,
        response: { 200: UserResponse, ...errors(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request) => users.update(currentUser(request), request.params.id, request.body),
  );
};
