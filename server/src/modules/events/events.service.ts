import { createHash, randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { and, eq, gt, isNull } from 'drizzle-orm';
import type { EventTicketResponse } from '@flowpilot/contracts';
import { schema, type Db } from '../../db/client.ts';
import { toAuthUser, type AuthUser } from '../../lib/auth-guard.ts';
import { unauthorized } from '../../lib/errors.ts';
import type { EventBus } from '../../lib/events.ts';
import * as usersRepo from '../users/users.repository.ts';

const { eventTickets } = schema;

/** A ticket opens one stream within this many seconds. */
export const EVENT_TICKET_SECONDS = 60;

const hash = (ticket: string) => createHash('sha256').update(ticket).digest('hex');

export type EventsService = ReturnType<typeof createEventsService>;

/** Opening live event streams: single-use tickets for browsers (EventSource cannot send headers), and the stream itself. */
export function createEventsService(deps: { db: Db; bus: EventBus }) {
  const { db, bus } = deps;
  return {
    async issueTicket(actor: AuthUser): Promise<EventTicketResponse> {
      const ticket = randomBytes(32).toString('base64url');
      const at = Date.now();
      await db.insert(eventTickets).values({ ticket_hash: hash(ticket), user_id: actor.id, expires_at: new Date(at + EVENT_TICKET_SECONDS * 1000) });
      return { ticket, expires_in: EVENT_TICKET_SECONDS };
    },

    /** The user a ticket was issued to, spending it; 401 when it is unknown, spent or expired. */
    async redeemTicket(ticket: string): Promise<AuthUser> {
      const [row] = await db
        .update(eventTickets)
        .set({ used_at: new Date() })
        .where(and(eq(eventTickets.ticket_hash, hash(ticket)), isNull(eventTickets.used_at), gt(eventTickets.expires_at, new Date())))
        .returning({ user_id: eventTickets.user_id, expires_at: eventTickets.expires_at });
      if (!row) throw unauthorized('This event ticket is unknown, used or expired: ask for a new one');
      const [user] = await usersRepo.findSignedIn(db, [row.user_id]);
      if (!user || !user.is_active) throw unauthorized('This account is no longer active');
      // Issued before a sign-out everywhere: as dead as the token that asked for it.
      const issuedAt = row.expires_at.getTime() - EVENT_TICKET_SECONDS * 1000;
      if (user.tokens_valid_after && user.tokens_valid_after.getTime() > issuedAt) throw unauthorized('This sign-in has ended; sign in again');
      return toAuthUser(user);
    },

    open(res: ServerResponse, user: AuthUser, lastEventId: number | null): Promise<void> {
      return bus.open(res, { id: user.id, teamId: user.teamId, staff: user.role !== 'technician' }, lastEventId);
    },
  };
}
