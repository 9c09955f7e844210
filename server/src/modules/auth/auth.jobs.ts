import type { Db } from '../../db/client.ts';
import type { Mailer } from '../../integrations/email/mailer.ts';
import { DeliveryError } from '../../integrations/outbound.ts';
import type { JobData } from '../../lib/jobs.ts';
import { hashOpaqueToken, type DerivedTokens } from '../../lib/tokens.ts';
import * as usersRepo from '../users/users.repository.ts';
import * as authRepo from './auth.repository.ts';
import { PASSWORD_RESET_MINUTES } from './auth.service.ts';
import { buildPasswordResetEmail } from './password-reset-email.ts';

interface Log {
  warn: (obj: object, msg: string) => void;
}

export type AuthJobs = ReturnType<typeof createAuthJobs>;

/** The accounts' side effects, run by the job queue: the password reset email. */
export function createAuthJobs(deps: { db: Db; mailer: Mailer; derived: DerivedTokens; publicUrl: string; log: Log }) {
  const { db, mailer, derived, log } = deps;
  return {
    /**
     * Sends the reset link when the email belongs to an active account; does
     * nothing otherwise (the requester is never told which). Repeatable: the
     * reset row and the outbox file are written once per request.
     */
    async sendPasswordReset({ resetId, email, requestedAt }: JobData['auth.password_reset']): Promise<void> {
      const expiresAt = new Date(Date.parse(requestedAt) + PASSWORD_RESET_MINUTES * 60_000);
      if (!(expiresAt.getTime() > Date.now())) return;
      const user = await usersRepo.findByEmail(db, email);
      if (!user?.is_active) return;
      const token = derived.derive('password-reset', resetId);
      await authRepo.insertPasswordReset(db, { id: resetId, userId: user.id, tokenHash: hashOpaqueToken(token), expiresAt });
      const reset = await authRepo.findPasswordResetById(db, resetId);
      // Used already (this is a retry after the send went through) or belongs to someone else: nothing to send.
      if (!reset || reset.used_at || reset.user_id !== user.id) return;
      const link = `${deps.publicUrl}/reset-password?token=${encodeURIComponent(token)}`;
      try {
        await mailer.send(buildPasswordResetEmail({ name: user.full_name, email: user.email }, link, PASSWORD_RESET_MINUTES), `password-reset-${resetId}`);
      } catch (err) {
        // Refused for good (a bad address): trying again cannot help, and the user can ask again.
        if (err instanceof DeliveryError && !err.retryable) {
          log.warn({ err: { message: err.message }, userId: user.id }, 'the password reset email was refused');
          return;
        }
        throw err;
      }
    },
  };
}
