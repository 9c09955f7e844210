import { randomUUID } from 'node:crypto';
import type {
  ForgotPasswordResponse,
  InvitePreviewResponse,
  LoginJsonBody,
  RegisterBody,
  ResetPasswordBody,
  TokenResponse,
  UserResponse,
} from '@flowpilot/contracts';
import type { Db } from '../../db/client.ts';
import type { AuthUser } from '../../lib/auth-guard.ts';
import { isUniqueViolation } from '../../db/errors.ts';
import { badRequest, conflict, AppError, tooManyRequests, unauthorized, unprocessable } from '../../lib/errors.ts';
import type { JobQueue } from '../../lib/jobs.ts';
import { burnPasswordCheck, hashPassword, passwordNeedsRehash, verifyPassword } from '../../lib/passwords.ts';
import {
  ACCESS_TOKEN_SECONDS,
  REFRESH_TOKEN_SECONDS,
  hashOpaqueToken,
  newOpaqueToken,
  type AccessTokens,
  type DerivedTokens,
} from '../../lib/tokens.ts';
import * as teamRepo from '../team/team.repository.ts';
import * as usersRepo from '../users/users.repository.ts';
import { toUserResponse } from '../users/users.mapper.ts';
import * as authRepo from './auth.repository.ts';

/** How long a just-rotated refresh token may be presented again without counting as a replay. */
export const REFRESH_REUSE_GRACE_SECONDS = 30;

/** How long a password reset link works. */
export const PASSWORD_RESET_MINUTES = 30;

/** The answer to every "forgot password" request, whether or not the email has an account. */
export const FORGOT_PASSWORD_MESSAGE =
  `If an account uses this email, we sent it a link to choose a new password. The link works once, for ${PASSWORD_RESET_MINUTES} minutes. ` +
  'No email? Check the spam folder, or ask an admin of your team.';

const INVITE_USED = 'This invite link has already been used. Ask an admin of the team for a new one.';
const INVITE_EXPIRED = 'This invite link has expired. Ask an admin of the team for a new one.';
const INVITE_UNKNOWN = 'This invite link is not valid: check that you copied all of it, or ask an admin of the team for a new one.';
const RESET_USED = 'This reset link has already been used. If you still need a new password, ask for another link.';
const RESET_EXPIRED = `This reset link has expired (links work for ${PASSWORD_RESET_MINUTES} minutes). Ask for another one.`;
const RESET_UNKNOWN = 'This reset link is not valid: check that you copied all of it, or ask for another one.';

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
  /** Derives refresh-token successors and reset-link tokens from the server secret. */
  derived: DerivedTokens;
  jobs: Pick<JobQueue, 'send' | 'wake'>;
  loginLimits: LoginLimits;
}

export type AuthService = ReturnType<typeof createAuthService>;

/** What the limits count: sign-in attempts (and current-password checks), or password reset requests. */
type Attempt = 'sign-in' | 'reset';
const TOO_MANY: Record<Attempt, { account: string; address: string }> = {
  'sign-in': { account: 'Too many failed sign-ins for this account', address: 'Too many failed sign-ins from this network' },
  reset: { account: 'Too many password reset requests for this email', address: 'Too many password reset requests from this network' },
};

export function createAuthService({ db, tokens, derived, jobs, loginLimits }: AuthServiceDeps) {
  const accessTokenFor = (user: usersRepo.UserRow) =>
    tokens.sign({ userId: user.id, teamId: user.team_id, role: user.role, version: user.token_version });

  /** Starts a new refresh-token family (a sign-in). */
  async function issueTokens(user: usersRepo.UserRow): Promise<TokenResponse> {
    const refreshToken = newOpaqueToken();
    await authRepo.insertRefreshToken(db, {
      userId: user.id,
      familyId: randomUUID(),
      tokenHash: hashOpaqueToken(refreshToken),
      expiresAt: new Date(Date.now() + REFRESH_TOKEN_SECONDS * 1000),
    });
    return pairOf(await accessTokenFor(user), refreshToken);
  }

  const pairOf = (accessToken: string, refreshToken: string): TokenResponse => ({
    access_token: accessToken,
    refresh_token: refreshToken,
    token_type: 'bearer',
    expires_in: ACCESS_TOKEN_SECONDS,
  });

  /**
   * Counts an attempt against the account and the address *before* the
   * password is checked, so parallel guesses cannot slip past the limit.
   * Throws 429 when either is over its limit.
   */
  async function countAttempt(accountKey: string, addressKey: string, kind: Attempt = 'sign-in'): Promise<void> {
    const [account, address] = await Promise.all([
      authRepo.countAttempt(db, accountKey, loginLimits.windowSeconds),
      authRepo.countAttempt(db, addressKey, loginLimits.windowSeconds),
    ]);
    await pruneNowAndThen();
    const over = [
      { state: account, limit: loginLimits.accountFailures, what: TOO_MANY[kind].account },
      { state: address, limit: loginLimits.addressFailures, what: TOO_MANY[kind].address },
    ].find((c) => c.state.attempts > c.limit);
    if (!over) return;
    const minutes = Math.max(1, Math.ceil(over.state.retryAfterSeconds / 60));
    throw tooManyRequests(`${over.what}. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`, over.state.retryAfterSeconds);
  }

  /** Why an invite cannot be used, in words for the person holding the link; null when it can. */
  function inviteProblem(invite: { used_at: Date | null; expired: boolean } | undefined): string | null {
    if (!invite) return INVITE_UNKNOWN;
    if (invite.used_at) return INVITE_USED;
    if (invite.expired) return INVITE_EXPIRED;
    return null;
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
    await authRepo.prunePasswordResets(db);
  }

  return {
    /** What an invite link offers (team and role), before the person registers; 404 with the reason when it cannot be used. */
    async previewInvite(code: string): Promise<InvitePreviewResponse> {
      const invite = await teamRepo.findInviteWithTeam(db, hashOpaqueToken(code));
      const problem = inviteProblem(invite);
      if (problem || !invite) throw new AppError(404, problem ?? INVITE_UNKNOWN);
      return { team_name: invite.team_name, role: invite.role, expires_at: invite.expires_at.toISOString() };
    },

    /** Creates a user: into the invite's team with its role, or as the admin of a new team. */
    async register(body: RegisterBody): Promise<UserResponse> {
      if (await usersRepo.findByEmail(db, body.email)) throw conflict('An account with this email already exists');
      const passwordHash = await hashPassword(body.password);
      try {
        const user = await db.transaction(async (tx) => {
          if (body.invite_code) {
            const codeHash = hashOpaqueToken(body.invite_code);
            const invite = await teamRepo.findOpenInvite(tx, codeHash);
            if (!invite) throw badRequest(inviteProblem(await teamRepo.findInviteWithTeam(tx, codeHash)) ?? INVITE_UNKNOWN);
            const created = await usersRepo.insert(tx, {
              team_id: invite.team_id,
              email: body.email,
              full_name: body.full_name,
              role: invite.role,
              password_hash: passwordHash,
            });
            // Single use: a concurrent registration with the same code loses here and rolls back.
            if (!(await teamRepo.consumeInvite(tx, codeHash, created.id))) throw badRequest(INVITE_USED);
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
      return issueTokens(user);
    },

    /**
     * Rotates a refresh token. Presented again within
     * REFRESH_REUSE_GRACE_SECONDS (two tabs at once, an answer lost on the
     * way), it answers the same successor, so a family never forks. Presented
     * again later, it is being replayed (stolen or leaked): the whole family
     * is revoked.
     */
    async refresh(refreshToken: string): Promise<TokenResponse> {
      const row = await authRepo.findLiveRefreshToken(db, hashOpaqueToken(refreshToken));
      if (!row) throw unauthorized('Invalid or expired refresh token');
      // Derived from the token itself: every use of it within the grace gets this one successor.
      const successor = derived.derive('refresh-successor', refreshToken);
      const successorHash = hashOpaqueToken(successor);
      const outcome = await db.transaction(async (tx) => {
        // Serialises with a password change or sign-out everywhere, so neither can miss the token made here.
        const user = await usersRepo.findForShare(tx, row.user_id);
        if (!user?.is_active) return 'inactive' as const;
        if (await authRepo.markRotated(tx, row.id)) {
          await authRepo.insertRefreshToken(tx, {
            userId: user.id,
            familyId: row.family_id,
            tokenHash: successorHash,
            expiresAt: new Date(Date.now() + REFRESH_TOKEN_SECONDS * 1000),
          });
          return user;
        }
        const state = await authRepo.rotationState(tx, row.id, REFRESH_REUSE_GRACE_SECONDS);
        if (state === 'revoked') return 'invalid' as const;
        if (state === 'old') {
          await authRepo.revokeFamily(tx, row.family_id);
          return 'replayed' as const;
        }
        // A concurrent refresh rotated it a moment ago (its transaction has committed): answer its successor.
        if (!(await authRepo.findLiveRefreshToken(tx, successorHash))) return 'invalid' as const;
        return user;
      });
      if (outcome === 'inactive') throw unauthorized('This account is no longer active');
      if (outcome === 'invalid') throw unauthorized('Invalid or expired refresh token');
      if (outcome === 'replayed') throw unauthorized('This refresh token was already used; every session from that sign-in is now signed out');
      return pairOf(await accessTokenFor(outcome), successor);
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
        // A reset link still lying in a mailbox would undo the change.
        await authRepo.spendPasswordResets(tx, actor.id);
      });
    },

    /**
     * Asks for a reset link. Answers the same whatever the email (no account,
     * deactivated, or active), after the same work: the job decides whether
     * to send. Limited per email and per address like sign-ins.
     */
    async forgotPassword(email: string, address: string): Promise<ForgotPasswordResponse> {
      await countAttempt(`reset:${email}`, `reset-address:${address}`, 'reset');
      await jobs.send(db, 'auth.password_reset', { resetId: randomUUID(), email, requestedAt: new Date().toISOString() });
      jobs.wake('auth.password_reset');
      return { message: FORGOT_PASSWORD_MESSAGE };
    },

    /**
     * Sets a new password from a reset link, once: every sign-in of the user
     * ends (refresh tokens revoked, access tokens refused at once) and their
     * other reset links stop working.
     */
    async resetPassword(body: ResetPasswordBody): Promise<void> {
      const reset = await authRepo.findPasswordReset(db, hashOpaqueToken(body.token));
      if (!reset) throw badRequest(RESET_UNKNOWN);
      if (reset.used_at) throw badRequest(RESET_USED);
      if (reset.expired) throw badRequest(RESET_EXPIRED);
      const passwordHash = await hashPassword(body.password);
      const user = await db.transaction(async (tx) => {
        // Two requests with one link: only the first spends it.
        if (!(await authRepo.usePasswordReset(tx, reset.id))) return null;
        const updated = await usersRepo.update(tx, reset.user_id, { password_hash: passwordHash });
        await authRepo.spendPasswordResets(tx, reset.user_id);
        await authRepo.revokeAllForUser(tx, reset.user_id);
        return updated ?? null;
      });
      if (!user) throw badRequest(RESET_USED);
      // They proved they own the mailbox: a lock-out from guessing the old password is over.
      await authRepo.clearThrottle(db, `account:${user.email}`);
    },

    /** The signed-in user, as the guard read it on this request. */
    me(actor: AuthUser): UserResponse {
      return toUserResponse(actor.row);
    },
  };

}
