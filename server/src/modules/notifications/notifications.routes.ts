import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { CountResponse, IdParams, ListNotificationsQuery, NotificationList, NotificationSettings } from '@flowpilot/contracts';
import { z } from 'zod';
import { currentUser } from '../../lib/auth-guard.ts';
import { errors } from '../../lib/http.ts';
import type { NotificationsService } from './notifications.service.ts';

export const notificationsRoutes: FastifyPluginAsyncZod<{ notifications: NotificationsService }> = async (app, { notifications }) => {
  const tags = ['notifications'];
  const security = [{ bearer: [] }];
  const config = { access: 'member' as const };

  app.get(
    '/notifications',
    {
      config,
      schema: { tags, security, summary: 'My notifications (the bell), newest first', querystring: ListNotificationsQuery, response: { 200: NotificationList, ...errors(401, 422) } },
    },
    async (request) => notifications.list(currentUser(request), request.query),
  );

  app.get(
    '/notifications/unread-count',
    { config, schema: { tags, security, summary: 'How many of my notifications are unread', response: { 200: CountResponse, ...errors(401) } } },
    async (request) => notifications.unreadCount(currentUser(request)),
  );

  app.post(
    '/notifications/:id/read',
    { config, schema: { tags, security, summary: 'Mark one notification read', params: IdParams, response: { 204: z.null(), ...errors(401, 404, 422) } } },
    async (request, reply) => {
      await notifications.markRead(currentUser(request), request.params.id);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/notifications/read-all',
    { config, schema: { tags, security, summary: 'Mark all my notifications read', response: { 204: z.null(), ...errors(401) } } },
    async (request, reply) => {
      await notifications.markAllRead(currentUser(request));
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/notifications/settings',
    { config, schema: { tags, security, summary: 'My notification settings', response: { 200: NotificationSettings, ...errors(401) } } },
    async (request) => notifications.settings(currentUser(request)),
  );

  app.put(
    '/notifications/settings',
    { config, schema: { tags, security, summary: 'Change my notification settings (e.g. escalation emails off)', body: NotificationSettings, response: { 200: NotificationSettings, ...errors(401, 422) } } },
    async (request) => notifications.updateSettings(currentUser(request), request.body),
  );
};
