import { sql } from 'drizzle-orm';
import { bigserial, check, index, integer, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import type { EscalationPackage } from '@flowpilot/contracts';
import { teams, users } from './accounts.ts';
import { sessionDocumentation, sessions } from './sessions.ts';

/**
 * One hand-over of a session (the seed's SessionHandoff): an escalation to
 * the team's queue or a named engineer, or a transfer to a colleague.
 * Pending until someone picks it up (escalations); transfers are accepted at once.
 */
export const sessionHandoffs = pgTable(
  'session_handoffs',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    team_id: uuid('team_id')
      .notNull()
      .references(() => teams.id, { onDelete: 'cascade' }),
    session_id: uuid('session_id')
      .notNull()
      .references(() => sessions.id, { onDelete: 'cascade' }),
    intent: text('intent', { enum: ['escalate', 'transfer'] }).notNull(),
    status: text('status', { enum: ['pending', 'accepted', 'cancelled'] }).notNull(),
    from_user_id: uuid('from_user_id').references(() => users.id, { onDelete: 'set null' }),
    to_user_id: uuid('to_user_id').references(() => users.id, { onDelete: 'set null' }),
    reason: text('reason').notNull(),
    /** Node where the session stood when it was handed over. */
    node_id: text('node_id'),
    documentation_id: uuid('documentation_id').references(() => sessionDocumentation.id, { onDelete: 'set null' }),
    /** What the engineer needs in 30 seconds; built at once, enriched by the AI when one is configured. */
    package: jsonb('package').$type<EscalationPackage>().notNull(),
    /** The last step of the escalation chain that re-announced it (-1: none yet); a repeated job does nothing. */
    reminded_step: integer('reminded_step').notNull().default(-1),
    accepted_by_id: uuid('accepted_by_id').references(() => users.id, { onDelete: 'set null' }),
    accepted_at: timestamp('accepted_at', { withTimezone: true }),
    created_at: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updated_at: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('session_handoffs_session_idx').on(t.session_id, t.created_at),
    index('session_handoffs_team_pending_idx').on(t.team_id, t.created_at).where(sql`${t.status} = 'pending'`),
    check('session_handoffs_intent_check', sql`${t.intent} in ('escalate', 'transfer')`),
    check('session_handoffs_status_check', sql`${t.status} in ('pending', 'accepted', 'cancelled')`),
  ],
);

/** The bell (the seed's AppNotification): one row per recipient. */
export const notifications = pgTable(
  'notifications',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    team_id: uuid('team_id')
      .notNull()
      .references(() => teams.id, { onDelete: 'cascade' }),
    user_id: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    type: text('type').notNull(),
    title: text('title').notNull(),
    body: text('body').notNull(),
    link: text('link'),
    session_id: uuid('session_id').references(() => sessions.id, { onDelete: 'cascade' }),
    read_at: timestamp('read_at', { withTimezone: true }),
    /** What became of what it announced, e.g. "Picked up by Sam Rivera". */
    outcome: text('outcome'),
    created_at: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('notifications_user_idx').on(t.user_id, t.created_at),
    index('notifications_user_unread_idx').on(t.user_id).where(sql`${t.read_at} is null`),
  ],
);

/**
 * Live events, kept so a stream that reconnects replays what it missed
 * (`Last-Event-ID`). `audience` is one user, or every engineer and admin of
 * the team (`staff`). Ids only: clients refetch what changed.
 */
export const events = pgTable(
  'events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    team_id: uuid('team_id')
      .notNull()
      .references(() => teams.id, { onDelete: 'cascade' }),
    audience: text('audience', { enum: ['user', 'staff'] }).notNull(),
    user_id: uuid('user_id').references(() => users.id, { onDelete: 'cascade' }),
    type: text('type').notNull(),
    data: jsonb('data').$type<Record<string, unknown>>().notNull(),
    created_at: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('events_user_idx').on(t.user_id, t.id),
    index('events_team_staff_idx').on(t.team_id, t.id).where(sql`${t.audience} = 'staff'`),
    index('events_created_idx').on(t.created_at),
    check('events_audience_check', sql`(${t.audience} = 'user' and ${t.user_id} is not null) or (${t.audience} = 'staff' and ${t.user_id} is null)`),
  ],
);

/** Short-lived, single-use tickets with which a browser opens its event stream (`?ticket=`), never a token in the URL. */
export const eventTickets = pgTable(
  'event_tickets',
  {
    /** SHA-256 of the ticket. */
    ticket_hash: text('ticket_hash').primaryKey(),
    user_id: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    expires_at: timestamp('expires_at', { withTimezone: true }).notNull(),
    used_at: timestamp('used_at', { withTimezone: true }),
  },
  (t) => [index('event_tickets_expires_idx').on(t.expires_at)],
);
