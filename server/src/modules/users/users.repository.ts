import { and, asc, count, eq, getTableColumns, sql, type SQL } from 'drizzle-orm';
import type { Role } from '@flowpilot/contracts';
import { preparedPer, schema, type Db } from '../../db/client.ts';

const { users, teams } = schema;
export type UserRow = typeof users.$inferSelect;
export type NewUserRow = typeof users.$inferInsert;

const findByIdStatement = preparedPer((db) => db.select().from(users).where(eq(users.id, sql.placeholder('id'))).limit(1).prepare('users_find_by_id'));

export async function findById(db: Db, id: string): Promise<UserRow | undefined> {
  const [row] = await findByIdStatement(db).execute({ id });
  return row;
}

/** A user with their team's tree-library stamp (`teams.library_version`), which changes with any of the team's trees. */
export type SignedInRow = UserRow & { library_version: number };

const findSignedInStatement = preparedPer((db) =>
  db
    .select({ ...getTableColumns(users), library_version: teams.library_version })
    .from(users)
    .innerJoin(teams, eq(teams.id, users.team_id))
    .where(sql`${users.id} = any(${sql.placeholder('ids')}::uuid[])`)
    .prepare('users_find_signed_in'),
);

/** Read for every authenticated request (several at once): the users, and the stamp that lets caches of the team's trees skip a query. */
export async function findSignedIn(db: Db, ids: string[]): Promise<SignedInRow[]> {
  return findSignedInStatement(db).execute({ ids });
}

export async function findInTeam(db: Db, teamId: string, id: string): Promise<UserRow | undefined> {
  const [row] = await db
    .select()
    .from(users)
    .where(and(eq(users.id, id), eq(users.team_id, teamId)))
    .limit(1);
  return row;
}

export async function findByEmail(db: Db, email: string): Promise<UserRow | undefined> {
  const [row] = await db.select().from(users).where(eq(users.email, email)).limit(1);
  return row;
}

export async function insert(db: Db, values: NewUserRow): Promise<UserRow> {
  const [row] = await db.insert(users).values(values).returning();
  if (!row) throw new Error('insert returned no row');
  return row;
}

export async function update(
  db: Db,
  id: string,
  values: Partial<Pick<UserRow, 'role' | 'is_active' | 'full_name' | 'password_hash'>>,
): Promise<UserRow | undefined> {
  const [row] = await db
    .update(users)
    .set({ ...values, updated_at: new Date() })
    .where(eq(users.id, id))
    .returning();
  return row;
}

export async function listInTeam(
  db: Db,
  teamId: string,
  filter: { role?: Role | undefined; includeInactive: boolean; limit: number; offset: number },
): Promise<{ rows: UserRow[]; total: number }> {
  const conditions: SQL[] = [eq(users.team_id, teamId)];
  if (filter.role) conditions.push(eq(users.role, filter.role));
  if (!filter.includeInactive) conditions.push(eq(users.is_active, true));
  const where = and(...conditions);
  const [rows, totals] = await Promise.all([
    db.select().from(users).where(where).orderBy(asc(users.full_name), asc(users.id)).limit(filter.limit).offset(filter.offset),
    db.select({ n: count() }).from(users).where(where),
  ]);
  return { rows, total: totals[0]?.n ?? 0 };
}

/** Locks the team's active admins (FOR UPDATE) so two demotions cannot both pass the last-admin check. */
export async function lockActiveAdmins(db: Db, teamId: string): Promise<string[]> {
  const rows = await db
    .select({ id: users.id })
    .from(users)
    .where(and(eq(users.team_id, teamId), eq(users.role, 'admin'), eq(users.is_active, true)))
    .for('update');
  return rows.map((r) => r.id);
}

/** Reads the user row and holds it against a concurrent change (FOR SHARE) until the transaction ends. */
export async function findForShare(db: Db, id: string): Promise<UserRow | undefined> {
  const [row] = await db.select().from(users).where(eq(users.id, id)).for('share');
  return row;
}
