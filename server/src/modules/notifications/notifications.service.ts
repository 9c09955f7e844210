import type { ListNotificationsQuery, Notification, NotificationList, NotificationSettings } from '@flowpilot/contracts';
import type { Db } from '../../db/client.ts';
import type { AuthUser } from '../../lib/auth-guard.ts';
import { notFound } from '../../lib/errors.ts';
import * as repo from './notifications.repository.ts';

export function toNotification(row: repo.NotificationRow): Notification {
  return {
    id: row.id,
    type: row.type as Notification['type'],
    title: row.title,
    body: row.body,
    link: row.link,
    session_id: row.session_id,
    read_at: row.read_at?.toISOString() ?? null,
    outcome: row.outcome,
    created_at: row.created_at.toISOString(),
  };
}

export type NotificationsService = ReturnType<typeof createNotificationsService>;

/** The bell: each user's notifications, newest first, and what is unread. */
export function createNotificationsService(deps: { db: Db }) {
  const { db } = deps;
  return {
    async list(actor: AuthUser, query: ListNotificationsQuery): Promise<NotificationList> {
      const { rows, total } = await repo.list(db, actor.id, query);
      return { items: rows.map(toNotification), total };
    },
    async unreadCount(actor: AuthUser): Promise<{ count: number }> {
      return { count: await repo.unreadCount(db, actor.id) };
    },
    /** Someone else's notification is 404, like a missing one. */
    async markRead(actor: AuthUser, id: string): Promise<void> {
      if (!(await repo.markRead(db, actor.id, id, new Date()))) throw notFound('Notification');
    },
    async markAllRead(actor: AuthUser): Promise<void> {
      await repo.markAllRead(db, actor.id, new Date());
    },
    async settings(actor: AuthUser): Promise<NotificationSettings> {
      // The guard read the user's row for this request.
      return { escalation_emails: actor.row.escalation_emails };
    },
    async updateSettings(actor: AuthUser, body: NotificationSettings): Promise<NotificationSettings> {
      await repo.setEscalationEmails(db, actor.id, body.escalation_emails);
      return { escalation_emails: body.escalation_emails };
    },
  };
}
