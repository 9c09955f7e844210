import { eq } from 'drizzle-orm';
import { schema, type Db } from '../../db/client.ts';

const { teamIntegrations } = schema;
export type IntegrationsRow = typeof teamIntegrations.$inferSelect;
export type NewIntegrationsRow = typeof teamIntegrations.$inferInsert;

export async function find(db: Db, teamId: string): Promise<IntegrationsRow | undefined> {
  const [row] = await db.select().from(teamIntegrations).where(eq(teamIntegrations.team_id, teamId)).limit(1);
  return row;
}

export async function upsert(db: Db, values: typeof teamIntegrations.$inferInsert): Promise<IntegrationsRow> {
  const { team_id: _team, ...changes } = values;
  const [row] = await db.insert(teamIntegrations).values(values).onConflictDoUpdate({ target: teamIntegrations.team_id, set: changes }).returning();
  if (!row) throw new Error('upsert returned no row');
  return row;
}
