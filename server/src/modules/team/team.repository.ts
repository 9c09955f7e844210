import { and, desc, eq, gt, isNull, sql } from 'drizzle-orm';
import type { Role } from '@flowpilot/contracts';
import { schema, type Db } from '../../db/client.ts';

const { teams, invites } = schema;
export type TeamRow = typeof teams.$inferSelect;
export type InviteRow = typeof invites.$inferSelect;

export async function insertTeam(db: Db, name: string): Promise<TeamRow> {
  const [row] = await db.insert(teams).values({ name }).returning();
  if (!row) throw new Error('insert returned no row');
  return row;
}

export async function findTeam(db: Db, id: string): Promise<TeamRow | undefined> {
  const [row] = await db.select().from(teams).where(eq(teams.id, id)).limit(1);
  return row;
}

export async function countTeams(db: Db): Promise<number> {
  const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(teams);
  return row?.n ?? 0;
}

export async function insertInvite(
  db: Db,
  values: { teamId: string; role: Role; codeHash: string; createdById: string; expiresAt: Date },
): Promise<InviteRow> {
  const [row] = await db
    .insert(invites)
    .values({
      team_id: values.teamId,
      role: values.role,
      code_hash: values.codeHash,
      created_by_id: values.createdById,
      expires_at: values.expiresAt,
    })
    .returning();
  if (!row) throw new Error('insert returned no row');
  return row;
}

/** Marks an open invite used and returns it; undefined if it is unknown, used or expired. */
export async function consumeInvite(db: Db, codeHash: string, usedById: string): Promise<InviteRow | undefined> {
  const [row] = await db
    .update(invites)
    .set({ used_at: new Date(), used_by_id: usedById })
    .where(and(eq(invites.code_hash, codeHash), isNull(invites.used_at), gt(invites.expires_at, sql`now()`)))
    .returning();
  return row;
}

export async function findOpenInvite(db: Db, codeHash: string): Promise<InviteRow | undefined> {
  const [row] = await db
    .select()
    .from(invites)
    .where(and(eq(invites.code_hash, codeHash), isNull(invites.used_at), gt(invites.expires_at, sql`now()`)))
    .limit(1);
  return row;
}

export async function listOpenInvites(db: Db, teamId: string): Promise<InviteRow[]> {
  return db
    .select()
    .from(invites)
    .where(and(eq(invites.team_id, teamId), isNull(invites.used_at), gt(invites.expires_at, sql`now()`)))
    .orderBy(desc(invites.created_at));
}

export async function deleteOpenInvite(db: Db, teamId: string, id: string): Promise<boolean> {
  const rows = await db
    .delete(invites)
    .where(and(eq(invites.id, id), eq(invites.team_id, teamId), isNull(invites.used_at)))
    .returning({ id: invites.id });
  return rows.length > 0;
}

/** An invite by its code's hash, whatever its state, with its team's name and whether it has expired (by the database's clock). */
export async function findInviteWithTeam(
  db: Db,
  codeHash: string,
): Promise<(InviteRow & { team_name: string; expired: boolean }) | undefined> {
  const [row] = await db
    .select({ invite: invites, team_name: teams.name, expired: sql<boolean>`${invites.expires_at} <= now()` })
    .from(invites)
    .innerJoin(teams, eq(teams.id, invites.team_id))
    .where(eq(invites.code_hash, codeHash))
    .limit(1);
  return row && { ...row.invite, team_name: row.team_name, expired: row.expired };
}
