import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { Delivery, DeliveryList, IdParams, ListDeliveriesQuery } from '@flowpilot/contracts';
import { currentUser } from '../../lib/auth-guard.ts';
import { errors } from '../../lib/http.ts';
import type { DeliveriesService } from './deliveries.service.ts';

export const deliveriesRoutes: FastifyPluginAsyncZod<{ deliveries: DeliveriesService }> = async (app, { deliveries }) => {
  const tags = ['team'];
  const security = [{ bearer: [] }];
  const config = { access: 'admin' as const };

  app.get(
    '/team/deliveries',
    {
      config,
      schema: {
        tags,
        security,
        summary: 'PSA notes, chat messages and emails that are pending or failed, with the last error',
        querystring: ListDeliveriesQuery,
        response: { 200: DeliveryList, ...errors(401, 403, 422) },
      },
    },
    async (request) => deliveries.list(currentUser(request), request.query),
  );

  app.post(
    '/team/deliveries/:id/retry',
    {
      config,
      schema: { tags, security, summary: 'Try a delivery again now', params: IdParams, response: { 200: Delivery, ...errors(401, 403, 404, 409, 422) } },
    },
    async (request) => deliveries.retry(currentUser(request), request.params.id),
  );
};
