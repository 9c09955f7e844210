import { and, eq, isNull, ne, sql } from 'drizzle-orm';
import { schema, type Db } from '../../db/client.ts';

const { refreshTokens, loginThrottle, users, passwordResets } = schema;
export type RefreshTokenRow = typeof refreshTokens.$inferSelect;
export type PasswordResetRow = typeof passwordResets.$inferSelect;

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

/**
 * How a token that could not be rotated stands now: `revoked` (or gone),
 * rotated within the last `seconds` (`recent`, by the database's clock), or
 * rotated longer ago (`old`).
 */
export async function rotationState(db: Db, id: string, seconds: number): Promise<'revoked' | 'recent' | 'old'> {
  const [row] = await db
    .select({
      revoked: sql<boolean>`${refreshTokens.revoked_at} is not null`,
      recent: sql<boolean>`coalesce(${refreshTokens.rotated_at} > now() - make_interval(secs => ${seconds}), false)`,
    })
    .from(refreshTokens)
    .where(eq(refreshTokens.id, id));
  if (!row || row.revoked) return 'revoked';
  return row.recent ? 'recent' : 'old';
}

export async function revokeFamily(db: Db, familyId: string): Promise<void> {
  await db
    .update(refreshTokens)
    .set({ revoked_at: new Date() })
    .where(and(eq(refreshTokens.family_id, familyId), isNull(refreshTokens.revoked_at)));
}

/**
 * Ends every sign-in of a user, except the refresh-token family `keepFamilyId`
 * when given: revokes their refresh tokens and bumps their token version, so
 * every access token issued until now is refused from this commit on.
 */
export async function revokeAllForUser(db: Db, userId: string, keepFamilyId?: string): Promise<void> {
  await db
    .update(users)
    .set({ tokens_valid_after: sql`now()`, token_version: sql`${users.token_version} + 1` })
    .where(eq(users.id, userId));
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

/** A reset link's row: its id is chosen by the caller, since the link's token is derived from it; written once (a retry finds it there). */
export async function insertPasswordReset(db: Db, values: { id: string; userId: string; tokenHash: string; expiresAt: Date }): Promise<void> {
  await db
    .insert(passwordResets)
    .values({ id: values.id, user_id: values.userId, token_hash: values.tokenHash, expires_at: values.expiresAt })
    .onConflictDoNothing();
}

export async function findPasswordResetById(db: Db, id: string): Promise<PasswordResetRow | undefined> {
  const [row] = await db.select().from(passwordResets).where(eq(passwordResets.id, id)).limit(1);
  return row;
}

/** A reset by its token's hash, with whether it has expired by the database's clock. */
export async function findPasswordReset(db: Db, tokenHash: string): Promise<(PasswordResetRow & { expired: boolean }) | undefined> {
  const [row] = await db
    .select({ row: passwordResets, expired: sql<boolean>`${passwordResets.expires_at} <= now()` })
    .from(passwordResets)
    .where(eq(passwordResets.token_hash, tokenHash))
    .limit(1);
  return row && { ...row.row, expired: row.expired };
}

/** Spends an open, unexpired reset; false when another request spent it first. */
export async function usePasswordReset(db: Db, id: string): Promise<boolean> {
  const rows = await db
    .update(passwordResets)
    .set({ used_at: sql`now()` })
    .where(and(eq(passwordResets.id, id), isNull(passwordResets.used_at), sql`${passwordResets.expires_at} > now()`))
    .returning({ id: passwordResets.id });
  return rows.length > 0;
}

/** Spends every open reset link of a user (their password was just set another way, or one link was used). */
export async function spendPasswordResets(db: Db, userId: string): Promise<void> {
  await db
    .update(passwordResets)
    .set({ used_at: sql`now()` })
    .where(and(eq(passwordResets.user_id, userId), isNull(passwordResets.used_at)));
}

/** Drops reset links that expired a day ago. */
export async function prunePasswordResets(db: Db): Promise<void> {
  await db.delete(passwordResets).where(sql`${passwordResets.expires_at} < now() - interval '1 day'`);
}
