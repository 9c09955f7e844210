import { and, count, desc, eq, inArray, isNull } from 'drizzle-orm';
import { schema, type Db } from '../../db/client.ts';

const { notifications, users } = schema;

export type NotificationRow = typeof notifications.$inferSelect;
export type NewNotificationRow = typeof notifications.$inferInsert;

export async function insertMany(db: Db, values: NewNotificationRow[]): Promise<NotificationRow[]> {
  if (values.length === 0) return [];
  return db.insert(notifications).values(values).returning();
}

export async function list(db: Db, userId: string, opts: { unread?: boolean | undefined; limit: number; offset: number }) {
  const where = and(eq(notifications.user_id, userId), opts.unread ? isNull(notifications.read_at) : undefined);
  const [rows, totals] = await Promise.all([
    db.select().from(notifications).where(where).orderBy(desc(notifications.created_at), desc(notifications.id)).limit(opts.limit).offset(opts.offset),
    db.select({ n: count() }).from(notifications).where(where),
  ]);
  return { rows, total: totals[0]?.n ?? 0 };
}

export async function unreadCount(db: Db, userId: string): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(notifications)
    .where(and(eq(notifications.user_id, userId), isNull(notifications.read_at)));
  return row?.n ?? 0;
}

/** Marks one of the user's notifications read; false when it is not theirs (or does not exist). */
export async function markRead(db: Db, userId: string, id: string, at: Date): Promise<boolean> {
  const mine = await db
    .select({ id: notifications.id, read_at: notifications.read_at })
    .from(notifications)
    .where(and(eq(notifications.id, id), eq(notifications.user_id, userId)))
    .limit(1);
  if (mine.length === 0) return false;
  if (!mine[0]!.read_at) await db.update(notifications).set({ read_at: at }).where(eq(notifications.id, id));
  return true;
}

/**
 * An escalation was picked up: the escalation and reminder notifications of
 * the session are marked read for `takerId`, and say `outcome` for everyone.
 */
export async function settleEscalation(db: Db, sessionId: string, takerId: string, outcome: string, at: Date): Promise<void> {
  const ofEscalation = and(eq(notifications.session_id, sessionId), inArray(notifications.type, ['escalation', 'escalation_reminder']));
  await db.update(notifications).set({ read_at: at }).where(and(ofEscalation, eq(notifications.user_id, takerId), isNull(notifications.read_at)));
  await db.update(notifications).set({ outcome }).where(and(ofEscalation, isNull(notifications.outcome)));
}

export async function markAllRead(db: Db, userId: string, at: Date): Promise<void> {
  await db
    .update(notifications)
    .set({ read_at: at })
    .where(and(eq(notifications.user_id, userId), isNull(notifications.read_at)));
}

export async function setEscalationEmails(db: Db, userId: string, on: boolean): Promise<void> {
  await db.update(users).set({ escalation_emails: on, updated_at: new Date() }).where(eq(users.id, userId));
}
