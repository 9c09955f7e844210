import { and, count, desc, eq, inArray, sql } from 'drizzle-orm';
import type { DeliveryStatus } from '@flowpilot/contracts';
import { schema, type Db } from '../../db/client.ts';

const { deliveries } = schema;
export type DeliveryRow = typeof deliveries.$inferSelect;

/** Several deliveries in one statement, in the order given. */
export async function insertMany(db: Db, values: (typeof deliveries.$inferInsert)[]): Promise<DeliveryRow[]> {
  if (values.length === 0) return [];
  return db.insert(deliveries).values(values).returning();
}

export async function find(db: Db, id: string): Promise<DeliveryRow | undefined> {
  const [row] = await db.select().from(deliveries).where(eq(deliveries.id, id)).limit(1);
  return row;
}

export async function findInTeam(db: Db, teamId: string, id: string): Promise<DeliveryRow | undefined> {
  const [row] = await db
    .select()
    .from(deliveries)
    .where(and(eq(deliveries.id, id), eq(deliveries.team_id, teamId)))
    .limit(1);
  return row;
}

/** The session's latest delivery on a channel (the PSA note of its last completion or escalation). */
export async function latestForSession(db: Db, teamId: string, sessionId: string, channel: DeliveryRow['channel']): Promise<DeliveryRow | undefined> {
  const [row] = await db
    .select()
    .from(deliveries)
    .where(and(eq(deliveries.team_id, teamId), eq(deliveries.session_id, sessionId), eq(deliveries.channel, channel)))
    .orderBy(desc(deliveries.created_at), desc(deliveries.id))
    .limit(1);
  return row;
}

export async function lock(db: Db, teamId: string, id: string): Promise<DeliveryRow | undefined> {
  const [row] = await db
    .select()
    .from(deliveries)
    .where(and(eq(deliveries.id, id), eq(deliveries.team_id, teamId)))
    .for('update');
  return row;
}

/**
 * Claims attempt `attempt`: only from the attempt before it, or (a worker
 * died mid-attempt) from the same attempt still marked sending but not
 * touched for `abandonedAfterSeconds` (a live worker touches it while it
 * sends). A stale or duplicate job claims nothing, so two workers never send
 * one delivery at once.
 */
export async function claimAttempt(db: Db, id: string, attempt: number, abandonedAfterSeconds: number): Promise<boolean> {
  const rows = await db
    .update(deliveries)
    .set({ attempts: attempt, status: 'sending', updated_at: sql`now()` })
    .where(
      and(
        eq(deliveries.id, id),
        inArray(deliveries.status, ['pending', 'retrying', 'sending']),
        sql`(${deliveries.attempts} = ${attempt - 1} or (${deliveries.attempts} = ${attempt} and ${deliveries.status} = 'sending' and ${deliveries.updated_at} < now() - make_interval(secs => ${abandonedAfterSeconds})))`,
      ),
    )
    .returning({ attempts: deliveries.attempts });
  return rows.length > 0;
}

/** Says that attempt `attempt` is still being sent by a live worker. */
export async function touchSending(db: Db, id: string, attempt: number): Promise<void> {
  await db
    .update(deliveries)
    .set({ updated_at: sql`now()` })
    .where(and(eq(deliveries.id, id), eq(deliveries.attempts, attempt), eq(deliveries.status, 'sending')));
}

export async function update(db: Db, id: string, patch: Partial<typeof deliveries.$inferInsert>): Promise<void> {
  await db
    .update(deliveries)
    .set({ ...patch, updated_at: sql`now()` })
    .where(eq(deliveries.id, id));
}

export async function list(db: Db, teamId: string, statuses: DeliveryStatus[], limit: number, offset: number) {
  const where = and(eq(deliveries.team_id, teamId), inArray(deliveries.status, statuses));
  const [rows, totals] = await Promise.all([
    db.select().from(deliveries).where(where).orderBy(desc(deliveries.created_at), desc(deliveries.id)).limit(limit).offset(offset),
    db.select({ n: count() }).from(deliveries).where(where),
  ]);
  return { rows, total: totals[0]?.n ?? 0 };
}
