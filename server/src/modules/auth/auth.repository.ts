import { and, eq, inArray, isNull, ne, sql } from 'drizzle-orm';
import { schema, type Db } from '../../db/client.ts';

const { refreshTokens, loginThrottle } = schema;
export type RefreshTokenRow = typeof refreshTokens.$inferSelect;

export async function insertRefreshToken(
  db: Db,
  values: { userId: string; familyId: string; tokenHash: string; expiresAt: Date },
): Promise<void> {
  await db.insert(refreshTokens).values({
    user_id: values.userId,
    family_id: values.familyId,
    token_hash: values.tokenHash,
    expires_at: values.expiresAt,
  });
}

export async function findRefreshToken(db: Db, tokenHash: string): Promise<RefreshTokenRow | undefined> {
  const [row] = await db.select().from(refreshTokens).where(eq(refreshTokens.token_hash, tokenHash)).limit(1);
  return row;
}

/**
 * Marks a live token rotated. Only one caller can win for a given token, so
 * two refreshes racing with the same token cannot both get a new pair.
 */
export async function markRotated(db: Db, id: string): Promise<boolean> {
  const rows = await db
    .update(refreshTokens)
    .set({ rotated_at: new Date() })
    .where(and(eq(refreshTokens.id, id), isNull(refreshTokens.rotated_at), isNull(refreshTokens.revoked_at)))
    .returning({ id: refreshTokens.id });
  return rows.length > 0;
}

export async function revokeFamily(db: Db, familyId: string): Promise<void> {
  await db
    .update(refreshTokens)
    .set({ revoked_at: new Date() })
    .where(and(eq(refreshTokens.family_id, familyId), isNull(refreshTokens.revoked_at)));
}

/** Revokes every refresh token of a user, except those of `keepFamilyId` when given. */
export async function revokeAllForUser(db: Db, userId: string, keepFamilyId?: string): Promise<void> {
  await db
    .update(refreshTokens)
    .set({ revoked_at: new Date() })
    .where(
      and(
        eq(refreshTokens.user_id, userId),
        isNull(refreshTokens.revoked_at),
        keepFamilyId ? ne(refreshTokens.family_id, keepFamilyId) : undefined,
      ),
    );
}

export interface ThrottleState {
  key: string;
  failures: number;
  windowStartedAt: Date;
}

/** Current counters of the given keys whose window is still open. */
export async function readThrottle(db: Db, keys: string[], windowSeconds: number): Promise<ThrottleState[]> {
  const rows = await db
    .select()
    .from(loginThrottle)
    .where(
      and(
        inArray(loginThrottle.key, keys),
        sql`${loginThrottle.window_started_at} > now() - make_interval(secs => ${windowSeconds})`,
      ),
    );
  return rows.map((r) => ({ key: r.key, failures: r.failures, windowStartedAt: r.window_started_at }));
}

/** Counts one failure against a key, starting a new window when the last one has run out. */
export async function recordFailure(db: Db, key: string, windowSeconds: number): Promise<void> {
  const expired = sql`${loginThrottle.window_started_at} <= now() - make_interval(secs => ${windowSeconds})`;
  await db
    .insert(loginThrottle)
    .values({ key, failures: 1 })
    .onConflictDoUpdate({
      target: loginThrottle.key,
      set: {
        failures: sql`case when ${expired} then 1 else ${loginThrottle.failures} + 1 end`,
        window_started_at: sql`case when ${expired} then now() else ${loginThrottle.window_started_at} end`,
      },
    });
}

export async function clearThrottle(db: Db, key: string): Promise<void> {
  await db.delete(loginThrottle).where(eq(loginThrottle.key, key));
}

export async function pruneThrottle(db: Db, windowSeconds: number): Promise<void> {
  await db.delete(loginThrottle).where(sql`${loginThrottle.window_started_at} <= now() - make_interval(secs => ${windowSeconds})`);
}

/**
 * Drops refresh tokens that expired or were revoked a day ago. Rotated ones
 * stay until they expire: a replay of one must still be recognised.
 */
export async function pruneRefreshTokens(db: Db): Promise<void> {
  await db
    .delete(refreshTokens)
    .where(sql`${refreshTokens.expires_at} < now() - interval '1 day' or ${refreshTokens.revoked_at} < now() - interval '1 day'`);
}
