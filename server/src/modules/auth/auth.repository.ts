import { and, eq, isNull, ne, sql } from 'drizzle-orm';
import { schema, type Db } from '../../db/client.ts';

const { refreshTokens, loginThrottle, users } = schema;
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

/** A refresh token that is neither revoked nor expired (by the database's clock). */
export async function findLiveRefreshToken(db: Db, tokenHash: string): Promise<RefreshTokenRow | undefined> {
  const [row] = await db
    .select()
    .from(refreshTokens)
    .where(and(eq(refreshTokens.token_hash, tokenHash), isNull(refreshTokens.revoked_at), sql`${refreshTokens.expires_at} > now()`))
    .limit(1);
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

/** Whether a token (not revoked) was rotated within the last `seconds`, by the database's clock. */
export async function rotatedWithin(db: Db, id: string, seconds: number): Promise<boolean> {
  const rows = await db
    .select({ id: refreshTokens.id })
    .from(refreshTokens)
    .where(
      and(
        eq(refreshTokens.id, id),
        isNull(refreshTokens.revoked_at),
        sql`${refreshTokens.rotated_at} > now() - make_interval(secs => ${seconds})`,
      ),
    );
  return rows.length > 0;
}

export async function revokeFamily(db: Db, familyId: string): Promise<void> {
  await db
    .update(refreshTokens)
    .set({ revoked_at: new Date() })
    .where(and(eq(refreshTokens.family_id, familyId), isNull(refreshTokens.revoked_at)));
}

/**
 * Ends every sign-in of a user, except the refresh-token family `keepFamilyId`
 * when given: revokes their refresh tokens and refuses access tokens issued
 * until now.
 */
export async function revokeAllForUser(db: Db, userId: string, keepFamilyId?: string): Promise<void> {
  await db.update(users).set({ tokens_valid_after: sql`now()` }).where(eq(users.id, userId));
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

/**
 * Counts one attempt against a key, starting a new window when the last one
 * has run out, and returns the count and the seconds left in the window (by
 * the database's clock, the same for every process).
 */
export async function countAttempt(
  db: Db,
  key: string,
  windowSeconds: number,
): Promise<{ attempts: number; retryAfterSeconds: number }> {
  const expired = sql`${loginThrottle.window_started_at} <= now() - make_interval(secs => ${windowSeconds})`;
  const [row] = await db
    .insert(loginThrottle)
    .values({ key, failures: 1 })
    .onConflictDoUpdate({
      target: loginThrottle.key,
      set: {
        failures: sql`case when ${expired} then 1 else ${loginThrottle.failures} + 1 end`,
        window_started_at: sql`case when ${expired} then now() else ${loginThrottle.window_started_at} end`,
      },
    })
    .returning({
      attempts: loginThrottle.failures,
      retryAfterSeconds: sql<number>`extract(epoch from ${loginThrottle.window_started_at} + make_interval(secs => ${windowSeconds}) - now())::float8`,
    });
  return { attempts: row?.attempts ?? 1, retryAfterSeconds: Number(row?.retryAfterSeconds ?? windowSeconds) };
}

/** Takes back one counted attempt (it turned out to be a correct password). */
export async function giveBackAttempt(db: Db, key: string): Promise<void> {
  await db
    .update(loginThrottle)
    .set({ failures: sql`greatest(${loginThrottle.failures} - 1, 0)` })
    .where(eq(loginThrottle.key, key));
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
