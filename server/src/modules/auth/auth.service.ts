import { randomUUID } from 'node:crypto';
import type { LoginJsonBody, RegisterBody, TokenResponse, UserResponse } from '@flowpilot/contracts';
import type { Db } from '../../db/client.ts';
import type { AuthUser } from '../../lib/auth-guard.ts';
import { isUniqueViolation } from '../../db/errors.ts';
import { badRequest, conflict, AppError, tooManyRequests, unauthorized, unprocessable } from '../../lib/errors.ts';
import { burnPasswordCheck, hashPassword, passwordNeedsRehash, verifyPassword } from '../../lib/passwords.ts';
import {
  ACCESS_TOKEN_SECONDS,
  REFRESH_TOKEN_SECONDS,
  hashOpaqueToken,
  newOpaqueToken,
  type AccessTokens,
} from '../../lib/tokens.ts';
import * as teamRepo from '../team/team.repository.ts';
import * as usersRepo from '../users/users.repository.ts';
import { toUserResponse } from '../users/users.mapper.ts';
import * as authRepo from './auth.repository.ts';

/** How long a just-rotated refresh token may be presented again without counting as a replay. */
export const REFRESH_REUSE_GRACE_SECONDS = 30;

/** Failed sign-ins allowed per window: strict per account, generous per address (a whole office shares one). */
export interface LoginLimits {
  accountFailures: number;
  addressFailures: number;
  windowSeconds: number;
}

export const DEFAULT_LOGIN_LIMITS: LoginLimits = { accountFailures: 10, addressFailures: 200, windowSeconds: 15 * 60 };

export interface AuthServiceDeps {
  db: Db;
  tokens: AccessTokens;
  loginLimits: LoginLimits;
}

export type AuthService = ReturnType<typeof createAuthService>;

export function createAuthService({ db, tokens, loginLimits }: AuthServiceDeps) {
  async function issueTokens(
    executor: Db,
    user: usersRepo.UserRow,
    familyId: string = randomUUID(),
  ): Promise<TokenResponse> {
    const refreshToken = newOpaqueToken();
    await authRepo.insertRefreshToken(executor, {
      userId: user.id,
      familyId,
      tokenHash: hashOpaqueToken(refreshToken),
      expiresAt: new Date(Date.now() + REFRESH_TOKEN_SECONDS * 1000),
    });
    const accessToken = await tokens.sign({ userId: user.id, teamId: user.team_id, role: user.role });
    return { access_token: accessToken, refresh_token: refreshToken, token_type: 'bearer', expires_in: ACCESS_TOKEN_SECONDS };
  }

  /**
   * Counts an attempt against the account and the address *before* the
   * password is checked, so parallel guesses cannot slip past the limit.
   * Throws 429 when either is over its limit.
   */
  async function countAttempt(accountKey: string, addressKey: string): Promise<void> {
    const [account, address] = await Promise.all([
      authRepo.countAttempt(db, accountKey, loginLimits.windowSeconds),
      authRepo.countAttempt(db, addressKey, loginLimits.windowSeconds),
    ]);
    await pruneNowAndThen();
    const over = [
      { state: account, limit: loginLimits.accountFailures, what: 'for this account' },
      { state: address, limit: loginLimits.addressFailures, what: 'from this network' },
    ].find((c) => c.state.attempts > c.limit);
    if (!over) return;
    const minutes = Math.max(1, Math.ceil(over.state.retryAfterSeconds / 60));
    throw tooManyRequests(
      `Too many failed sign-ins ${over.what}. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`,
      over.state.retryAfterSeconds,
    );
  }

  /** A correct password: the account starts afresh and the address gets its attempt back. */
  async function forgiveAttempt(accountKey: string, addressKey: string): Promise<void> {
    await authRepo.clearThrottle(db, accountKey);
    await authRepo.giveBackAttempt(db, addressKey);
  }

  let lastPrune = 0;
  /** Drops spent sign-in counters and dead refresh tokens, at most every ten minutes per process. */
  async function pruneNowAndThen(): Promise<void> {
    if (Date.now() - lastPrune < 10 * 60 * 1000) return;
    lastPrune = Date.now();
    await authRepo.pruneThrottle(db, loginLimits.windowSeconds);
    await authRepo.pruneRefreshTokens(db);
  }

  return {
    /** Creates a user: into the invite's team with its role, or as the admin of a new team. */
    async register(body: RegisterBody): Promise<UserResponse> {
      if (await usersRepo.findByEmail(db, body.email)) throw conflict('An account with this email already exists');
      const passwordHash = await hashPassword(body.password);
      try {
        const user = await db.transaction(async (tx) => {
          if (body.invite_code) {
            const codeHash = hashOpaqueToken(body.invite_code);
            const invite = await teamRepo.findOpenInvite(tx, codeHash);
            if (!invite) throw badRequest('This invite code is not valid: it is unknown, expired or already used');
            const created = await usersRepo.insert(tx, {
              team_id: invite.team_id,
              email: body.email,
              full_name: body.full_name,
              role: invite.role,
              password_hash: passwordHash,
            });
            // Single use: a concurrent registration with the same code loses here and rolls back.
            if (!(await teamRepo.consumeInvite(tx, codeHash, created.id))) {
              throw badRequest('This invite code is not valid: it is unknown, expired or already used');
            }
            return created;
          }
          const team = await teamRepo.insertTeam(tx, body.team_name ?? `${body.full_name}'s team`);
          return usersRepo.insert(tx, {
            team_id: team.id,
            email: body.email,
            full_name: body.full_name,
            role: 'admin',
            password_hash: passwordHash,
          });
        });
        return toUserResponse(user);
      } catch (err) {
        if (isUniqueViolation(err, 'users_email_key')) throw conflict('An account with this email already exists');
        throw err;
      }
    },

    /** Checks the password under the sign-in limits and starts a new refresh-token family. */
    async login(credentials: LoginJsonBody, address: string): Promise<TokenResponse> {
      const accountKey = `account:${credentials.email}`;
      const addressKey = `address:${address}`;
      await countAttempt(accountKey, addressKey);

      const user = await usersRepo.findByEmail(db, credentials.email);
      const passwordOk = user ? await verifyPassword(user.password_hash, credentials.password) : false;
      if (!user) await burnPasswordCheck(credentials.password);
      if (!user || !passwordOk) throw unauthorized('Incorrect email or password');
      await forgiveAttempt(accountKey, addressKey);
      // Said only to someone who knows the password.
      if (!user.is_active) throw new AppError(403, 'This account has been deactivated. Ask an admin of your team.');

      if (passwordNeedsRehash(user.password_hash)) {
        await usersRepo.update(db, user.id, { password_hash: await hashPassword(credentials.password) });
      }
      return issueTokens(db, user);
    },

    /**
     * Rotates a refresh token. A token that was rotated more than
     * REFRESH_REUSE_GRACE_SECONDS ago is being replayed (stolen or leaked):
     * the whole family is revoked.
     */
    async refresh(refreshToken: string): Promise<TokenResponse> {
      const row = await authRepo.findLiveRefreshToken(db, hashOpaqueToken(refreshToken));
      if (!row) throw unauthorized('Invalid or expired refresh token');
      const user = await usersRepo.findById(db, row.user_id);
      if (!user?.is_active) throw unauthorized('This account is no longer active');
      return db.transaction(async (tx) => {
        // Serialises with a password change or sign-out everywhere, so neither can miss the token made here.
        await usersRepo.lockForShare(tx, user.id);
        if (!(await authRepo.markRotated(tx, row.id))) {
          // Two tabs refreshing at once, or an answer lost on the way: a token
          // rotated a moment ago is not a theft. Anything older is a replay.
          if (!(await authRepo.rotatedWithin(tx, row.id, REFRESH_REUSE_GRACE_SECONDS))) {
            await authRepo.revokeFamily(tx, row.family_id);
            return null;
          }
        }
        return issueTokens(tx, user, row.family_id);
      }).then((pair) => {
        if (!pair) throw unauthorized('This refresh token was already used; every session from that sign-in is now signed out');
        return pair;
      });
    },

    /** Ends this sign-in (the family of the given refresh token, if it is the caller's), or every sign-in of the caller. */
    async logout(userId: string, refreshToken: string | undefined, allDevices: boolean): Promise<void> {
      if (allDevices) {
        await authRepo.revokeAllForUser(db, userId);
        return;
      }
      if (!refreshToken) throw unprocessable('Send the refresh_token to sign out, or all_devices: true to sign out everywhere');
      const row = await authRepo.findRefreshToken(db, hashOpaqueToken(refreshToken));
      if (row && row.user_id === userId) await authRepo.revokeFamily(db, row.family_id);
    },

    /**
     * Changes the caller's password after checking the current one. Every
     * other sign-in of theirs ends; the one given (this device) is kept.
     */
    async changePassword(
      actor: AuthUser,
      currentPassword: string,
      newPassword: string,
      keepRefreshToken: string | undefined,
      address: string,
    ): Promise<void> {
      // Guessing the current password counts against the same limits as signing in.
      const accountKey = `account:${actor.email}`;
      const addressKey = `address:${address}`;
      await countAttempt(accountKey, addressKey);
      if (!(await verifyPassword(actor.row.password_hash, currentPassword))) {
        throw badRequest('The current password is not correct');
      }
      await forgiveAttempt(accountKey, addressKey);
      const passwordHash = await hashPassword(newPassword);
      const keep = keepRefreshToken ? await authRepo.findRefreshToken(db, hashOpaqueToken(keepRefreshToken)) : undefined;
      await db.transaction(async (tx) => {
        await usersRepo.update(tx, actor.id, { password_hash: passwordHash });
        await authRepo.revokeAllForUser(tx, actor.id, keep?.user_id === actor.id ? keep.family_id : undefined);
      });
    },

    /** The signed-in user, as the guard read it on this request. */
    me(actor: AuthUser): UserResponse {
      return toUserResponse(actor.row);
    },
  };

}
