import type { AuthUser } from '../../lib/auth-guard.ts';
import { forbidden, notFound, type AppError } from '../../lib/errors.ts';

/** What the access rule reads of a session. */
export interface SessionHolding {
  user_id: string;
  assigned_to_id: string | null;
  assigned_via: 'pickup' | 'transfer' | null;
  past_holder_ids: string[];
  user_name?: string | null;
  assigned_to_name?: string | null;
}

/**
 * The session access policy, the one place that says who may read a session
 * and who may change it.
 *
 * - Read: engineers and admins read every session of their team; a
 *   technician reads the sessions they started, hold, or held before.
 * - Change (steps, notes, off-tree, pause, back, complete, abandon, details,
 *   escalate, hand on): only the holder. The holder is the assignee once
 *   there is one (an engineer who picked it up, a colleague it was handed
 *   to), else the technician who started it. Everyone else who can read it
 *   gets 403 saying who holds it.
 */
export const sessionAccess = {
  /** Who may change the session now. */
  holderId: (s: SessionHolding): string => s.assigned_to_id ?? s.user_id,

  canSee(actor: AuthUser, s: SessionHolding): boolean {
    return actor.role !== 'technician' || s.user_id === actor.id || s.assigned_to_id === actor.id || s.past_holder_ids.includes(actor.id);
  },

  canAct(actor: AuthUser, s: SessionHolding): boolean {
    return sessionAccess.holderId(s) === actor.id;
  },

  /** Why this reader may not change the session, in words that name who may. */
  refusal(s: SessionHolding): AppError {
    if (s.assigned_to_id && s.assigned_to_id !== s.user_id) {
      const who = s.assigned_to_name ?? 'Another engineer';
      return forbidden(
        s.assigned_via === 'transfer'
          ? `${who} has this session now (it was handed over): only they can change it`
          : `${who} picked this up: only they can change this session now`,
      );
    }
    return forbidden(`Only ${s.user_name ?? 'the technician running it'} can change this session`);
  },

  /** The session if `actor` may read it; 404 otherwise (another team's, or not theirs). */
  visible<T extends SessionHolding>(actor: AuthUser, s: T | undefined): T {
    if (!s || !sessionAccess.canSee(actor, s)) throw notFound('Session');
    return s;
  },

  /** The session if `actor` may change it: not visible is 404, visible but held by someone else is 403. */
  actionable<T extends SessionHolding>(actor: AuthUser, s: T | undefined): T {
    const row = sessionAccess.visible(actor, s);
    if (!sessionAccess.canAct(actor, row)) throw sessionAccess.refusal(row);
    return row;
  },

  /** The holders a change of holder leaves behind: the one giving it up joins those who keep read access. */
  pastHoldersAfter(s: SessionHolding): string[] {
    const previous = sessionAccess.holderId(s);
    return s.past_holder_ids.includes(previous) ? s.past_holder_ids : [...s.past_holder_ids, previous];
  },
};
