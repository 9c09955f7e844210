import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import {
  ChangePasswordBody,
  ForgotPasswordBody,
  ForgotPasswordResponse,
  InviteCodeParams,
  InvitePreviewResponse,
  LoginFormBody,
  LoginJsonBody,
  LogoutBody,
  RefreshBody,
  RegisterBody,
  ResetPasswordBody,
  TokenResponse,
  UserResponse,
} from '@flowpilot/contracts';
import { currentUser } from '../../lib/auth-guard.ts';
import { errors } from '../../lib/http.ts';
import type { AuthService } from './auth.service.ts';

export const authRoutes: FastifyPluginAsyncZod<{ auth: AuthService }> = async (app, { auth }) => {
  const tags = ['auth'];

  app.post(
    '/auth/register',
    {
      config: { access: 'public' },
      schema: {
        tags,
        summary: 'Register: join a team with an invite code, or create a new team as its admin',
        body: RegisterBody,
        response: { 201: UserResponse, ...errors(400, 409, 422) },
      },
    },
    async (request, reply) => reply.status(201).send(await auth.register(request.body)),
  );

  app.get(
    '/auth/invites/:code',
    {
      config: { access: 'public' },
      schema: {
        tags,
        summary: 'What an invite link offers (team name and role), before registering; 404 says why it cannot be used',
        params: InviteCodeParams,
        response: { 200: InvitePreviewResponse, ...errors(404, 422) },
      },
    },
    async (request) => auth.previewInvite(request.params.code),
  );

  app.post(
    '/auth/password/forgot',
    {
      config: { access: 'public' },
      schema: {
        tags,
        summary: 'Email a single-use password reset link; the answer is the same whether or not the email has an account',
        body: ForgotPasswordBody,
        response: { 202: ForgotPasswordResponse, ...errors(422, 429) },
      },
    },
    async (request, reply) => reply.status(202).send(await auth.forgotPassword(request.body.email, request.ip)),
  );

  app.post(
    '/auth/password/reset',
    {
      config: { access: 'public' },
      schema: {
        tags,
        summary: 'Set a new password with the token of a reset link (once); every sign-in of the account ends',
        body: ResetPasswordBody,
        response: { 204: z.null().describe('Password changed'), ...errors(400, 422) },
      },
    },
    async (request, reply) => {
      await auth.resetPassword(request.body);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/auth/login',
    {
      config: { access: 'public' },
      schema: {
        tags,
        summary: 'Sign in (OAuth2 password flow, form data)',
        consumes: ['application/x-www-form-urlencoded'],
        body: LoginFormBody,
        response: { 200: TokenResponse, ...errors(401, 403, 422, 429) },
      },
    },
    async (request) => auth.login({ email: request.body.username, password: request.body.password }, request.ip),
  );

  app.post(
    '/auth/login/json',
    {
      config: { access: 'public' },
      schema: {
        tags,
        summary: 'Sign in with a JSON body',
        body: LoginJsonBody,
        response: { 200: TokenResponse, ...errors(401, 403, 422, 429) },
      },
    },
    async (request) => auth.login(request.body, request.ip),
  );

  app.post(
    '/auth/refresh',
    {
      config: { access: 'public' },
      schema: {
        tags,
        summary: 'Exchange a refresh token for a new pair (the old one stops working)',
        body: RefreshBody,
        response: { 200: TokenResponse, ...errors(401, 422) },
      },
    },
    async (request) => auth.refresh(request.body.refresh_token),
  );

  app.get(
    '/auth/me',
    {
      config: { access: 'member' },
      schema: { tags, summary: 'The signed-in user', security: [{ bearer: [] }], response: { 200: UserResponse, ...errors(401) } },
    },
    async (request) => auth.me(currentUser(request)),
  );

  app.post(
    '/auth/password',
    {
      config: { access: 'member' },
      schema: {
        tags,
        summary: 'Change your password; your other sign-ins end (pass `refresh_token` to keep this one)',
        security: [{ bearer: [] }],
        body: ChangePasswordBody,
        response: { 204: z.null().describe('Changed'), ...errors(400, 401, 422) },
      },
    },
    async (request, reply) => {
      const { current_password, new_password, refresh_token } = request.body;
      await auth.changePassword(currentUser(request), current_password, new_password, refresh_token, request.ip);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/auth/logout',
    {
      config: { access: 'member' },
      schema: {
        tags,
        summary: 'Sign out: revokes the given refresh token, or with all_devices every sign-in of yours',
        security: [{ bearer: [] }],
        body: LogoutBody.nullish(),
        response: { 204: z.null().describe('Signed out'), ...errors(401, 422) },
      },
    },
    async (request, reply) => {
      await auth.logout(currentUser(request).id, request.body?.refresh_token, request.body?.all_devices === true);
      return reply.status(204).send(null);
    },
  );
};
