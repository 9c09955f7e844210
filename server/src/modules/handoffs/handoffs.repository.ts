import { and, asc, count, desc, eq, inArray, ne, or, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import { schema, type Db } from '../../db/client.ts';

const { sessionHandoffs, sessions, users, trees, teams } = schema;

export type HandoffRow = typeof sessionHandoffs.$inferSelect;
export type NewHandoffRow = typeof sessionHandoffs.$inferInsert;
export type HandoffWithNames = HandoffRow & { from_user_name: string | null; to_user_name: string | null; accepted_by_name: string | null };

const fromUser = alias(users, 'from_user');
const toUser = alias(users, 'to_user');
const acceptedBy = alias(users, 'accepted_by');

export async function insert(db: Db, values: NewHandoffRow): Promise<HandoffRow> {
  const [row] = await db.insert(sessionHandoffs).values(values).returning();
  if (!row) throw new Error('insert returned no row');
  return row;
}

function selectWithNames(db: Db) {
  return db
    .select({ h: sessionHandoffs, from_user_name: fromUser.full_name, to_user_name: toUser.full_name, accepted_by_name: acceptedBy.full_name })
    .from(sessionHandoffs)
    .leftJoin(fromUser, eq(fromUser.id, sessionHandoffs.from_user_id))
    .leftJoin(toUser, eq(toUser.id, sessionHandoffs.to_user_id))
    .leftJoin(acceptedBy, eq(acceptedBy.id, sessionHandoffs.accepted_by_id));
}
type Joined = { h: HandoffRow; from_user_name: string | null; to_user_name: string | null; accepted_by_name: string | null };
const flatten = (r: Joined): HandoffWithNames => ({ ...r.h, from_user_name: r.from_user_name, to_user_name: r.to_user_name, accepted_by_name: r.accepted_by_name });

export async function findWithNames(db: Db, id: string): Promise<HandoffWithNames | undefined> {
  const [row] = await selectWithNames(db).where(eq(sessionHandoffs.id, id)).limit(1);
  return row && flatten(row);
}

/** The session's latest handoff. */
export async function latestForSession(db: Db, sessionId: string): Promise<HandoffWithNames | undefined> {
  const [row] = await selectWithNames(db)
    .where(eq(sessionHandoffs.session_id, sessionId))
    .orderBy(desc(sessionHandoffs.created_at), desc(sessionHandoffs.id))
    .limit(1);
  return row && flatten(row);
}

export async function lock(db: Db, id: string): Promise<HandoffRow | undefined> {
  const [row] = await db.select().from(sessionHandoffs).where(eq(sessionHandoffs.id, id)).for('update');
  return row;
}

export async function update(db: Db, id: string, patch: Partial<NewHandoffRow>): Promise<void> {
  await db.update(sessionHandoffs).set(patch).where(eq(sessionHandoffs.id, id));
}

/** The pending escalation of a session (at most one: a session escalates again only after a pickup). */
export async function pendingForSession(db: Db, sessionId: string): Promise<HandoffRow | undefined> {
  const [row] = await db
    .select()
    .from(sessionHandoffs)
    .where(and(eq(sessionHandoffs.session_id, sessionId), eq(sessionHandoffs.status, 'pending')))
    .orderBy(desc(sessionHandoffs.created_at))
    .limit(1);
  return row;
}

export type Member = { id: string; full_name: string; email: string; role: 'technician' | 'engineer' | 'admin'; escalation_emails: boolean; is_active: boolean };

const memberFields = {
  id: users.id,
  full_name: users.full_name,
  email: users.email,
  role: users.role,
  escalation_emails: users.escalation_emails,
  is_active: users.is_active,
};

/** Active members of the team with one of these roles. */
export async function activeMembers(db: Db, teamId: string, roles: Member['role'][]): Promise<Member[]> {
  return db
    .select(memberFields)
    .from(users)
    .where(and(eq(users.team_id, teamId), eq(users.is_active, true), inArray(users.role, roles)))
    .orderBy(asc(users.full_name));
}

export async function member(db: Db, teamId: string, id: string): Promise<Member | undefined> {
  const [row] = await db
    .select(memberFields)
    .from(users)
    .where(and(eq(users.team_id, teamId), eq(users.id, id)))
    .limit(1);
  return row;
}

export async function escalationChain(db: Db, teamId: string) {
  const [row] = await db.select({ chain: teams.escalation_chain }).from(teams).where(eq(teams.id, teamId)).limit(1);
  return row?.chain ?? null;
}

export async function setEscalationChain(db: Db, teamId: string, chain: NonNullable<typeof teams.$inferInsert.escalation_chain>): Promise<void> {
  await db.update(teams).set({ escalation_chain: chain, updated_at: new Date() }).where(eq(teams.id, teamId));
}

/** The statuses of a session waiting for pickup (`requesting_escalation` is the legacy name). */
export const WAITING = ['escalated', 'requesting_escalation'] as const;
export const isWaiting = (status: string) => (WAITING as readonly string[]).includes(status);
const technician = alias(users, 'technician');
const target = alias(users, 'target');

/** The team's waiting escalations, oldest first, with their pending handoff when they have one. */
export async function queue(db: Db, teamId: string, opts: { targetUserId?: string | undefined; limit: number; offset: number }) {
  const where = and(
    eq(sessions.team_id, teamId),
    inArray(sessions.status, [...WAITING]),
    opts.targetUserId ? eq(sessions.escalated_to_id, opts.targetUserId) : undefined,
  );
  const since = sql<Date>`coalesce(${sessionHandoffs.created_at}, ${sessions.updated_at})`;
  const [rows, totals] = await Promise.all([
    db
      .select({
        session_id: sessions.id,
        status: sessions.status,
        tree_title: trees.title,
        ticket_id: sessions.ticket_id,
        client_name: sessions.client_name,
        device: sessions.device,
        problem_summary: sessions.problem_summary,
        reason: sessions.escalation_reason,
        technician_id: sessions.user_id,
        technician_name: technician.full_name,
        target_user_id: sessions.escalated_to_id,
        target_user_name: target.full_name,
        handoff_id: sessionHandoffs.id,
        escalated_at: since,
      })
      .from(sessions)
      .innerJoin(trees, eq(trees.id, sessions.tree_id))
      .leftJoin(sessionHandoffs, and(eq(sessionHandoffs.session_id, sessions.id), eq(sessionHandoffs.status, 'pending')))
      .leftJoin(technician, eq(technician.id, sessions.user_id))
      .leftJoin(target, eq(target.id, sessions.escalated_to_id))
      .where(where)
      .orderBy(asc(since), asc(sessions.id))
      .limit(opts.limit)
      .offset(opts.offset),
    db.select({ n: count() }).from(sessions).where(where),
  ]);
  return { rows: rows.map((r) => ({ ...r, escalated_at: new Date(r.escalated_at) })), total: totals[0]?.n ?? 0 };
}

/**
 * The queue count as it will stand when this transaction commits: changes to
 * one team's queue take turns from here to commit, so a count is never
 * computed while another change is in flight (a live count event is exact).
 */
export async function lockedQueueCount(tx: Db, teamId: string): Promise<number> {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`flowpilot:queue:${teamId}`}, 0))`);
  return queueCount(tx, teamId);
}

export async function queueCount(db: Db, teamId: string): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(sessions)
    .where(and(eq(sessions.team_id, teamId), inArray(sessions.status, [...WAITING])));
  return row?.n ?? 0;
}

/** Resolved sessions of the team like this one: same tree first, then a problem that reads alike. */
export async function similarResolved(db: Db, teamId: string, sessionId: string, treeId: string, problem: string | null, limit = 3) {
  const likeness = problem ? sql<number>`similarity(coalesce(${sessions.problem_summary}, ''), ${problem})` : sql<number>`0`;
  return db
    .select({
      session_id: sessions.id,
      ticket_id: sessions.ticket_id,
      client_name: sessions.client_name,
      problem_summary: sessions.problem_summary,
      resolution: sessions.resolution,
      completed_at: sessions.completed_at,
    })
    .from(sessions)
    .where(
      and(
        eq(sessions.team_id, teamId),
        eq(sessions.status, 'completed'),
        ne(sessions.id, sessionId),
        problem ? or(eq(sessions.tree_id, treeId), sql`${likeness} > 0.3`) : eq(sessions.tree_id, treeId),
      ),
    )
    .orderBy(desc(sql`(${sessions.tree_id} = ${treeId})::int + ${likeness}`), desc(sessions.completed_at))
    .limit(limit);
}

