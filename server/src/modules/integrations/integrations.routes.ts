import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { IntegrationsResponse, TestIntegrationBody, TestIntegrationResponse, UpdateIntegrationsBody } from '@flowpilot/contracts';
import { currentUser } from '../../lib/auth-guard.ts';
import { errors } from '../../lib/http.ts';
import type { IntegrationsService } from './integrations.service.ts';

export const integrationsRoutes: FastifyPluginAsyncZod<{ integrations: IntegrationsService }> = async (app, { integrations }) => {
  const tags = ['team'];
  const security = [{ bearer: [] }];
  const config = { access: 'admin' as const };

  app.get(
    '/team/integrations',
    { config, schema: { tags, security, summary: "The team's PSA (and other) integrations; secrets masked", response: { 200: IntegrationsResponse, ...errors(401, 403) } } },
    async (request) => integrations.get(currentUser(request)),
  );

  app.put(
    '/team/integrations',
    {
      config,
      schema: {
        tags,
        security,
        summary: 'Save the integrations; leave a secret out (or send the mask) to keep it',
        body: UpdateIntegrationsBody,
        response: { 200: IntegrationsResponse, ...errors(401, 403, 422) },
      },
    },
    async (request) => integrations.update(currentUser(request), request.body),
  );

  app.post(
    '/team/integrations/test',
    {
      config,
      schema: {
        tags,
        security,
        summary: 'Try an integration, with unsaved settings or the saved ones, and say what is wrong in words',
        body: TestIntegrationBody,
        response: { 200: TestIntegrationResponse, ...errors(401, 403, 422) },
      },
    },
    async (request) => integrations.test(currentUser(request), request.body),
  );
};
