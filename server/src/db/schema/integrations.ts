import { sql } from 'drizzle-orm';
import { boolean, check, index, integer, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { teams, users } from './accounts.ts';
import { sessions } from './sessions.ts';

/** A team's outside services. Secrets are kept sealed (AES-256-GCM), apart from the settings that are not secret. */
export const teamIntegrations = pgTable('team_integrations', {
  team_id: uuid('team_id')
    .primaryKey()
    .references(() => teams.id, { onDelete: 'cascade' }),
  psa_provider: text('psa_provider'),
  /** The PSA settings without their secrets. */
  psa_settings: jsonb('psa_settings').$type<Record<string, unknown>>(),
  /** The PSA secrets, sealed. */
  psa_secrets: text('psa_secrets'),
  /** Slack and Teams webhook addresses, sealed: the address is the credential. */
  chat_secrets: text('chat_secrets'),
  /** Escalation emails to the engineers concerned (each can still turn them off). */
  email_enabled: boolean('email_enabled').notNull().default(true),
  updated_by_id: uuid('updated_by_id').references(() => users.id, { onDelete: 'set null' }),
  updated_at: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * Something FlowPilot sends out (a PSA note, a chat message, an email), with
 * how it stands: admins see what is pending or failed and retry by hand.
 */
export const deliveries = pgTable(
  'deliveries',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    team_id: uuid('team_id')
      .notNull()
      .references(() => teams.id, { onDelete: 'cascade' }),
    session_id: uuid('session_id').references(() => sessions.id, { onDelete: 'cascade' }),
    channel: text('channel', { enum: ['psa', 'slack', 'teams', 'email'] }).notNull(),
    provider: text('provider'),
    /** In words, without secrets: "ConnectWise ticket 4711". */
    target: text('target').notNull(),
    /** What to send, as the job handler needs it (ids, not copies of secrets). */
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
    status: text('status', { enum: ['pending', 'sending', 'retrying', 'delivered', 'failed', 'skipped'] }).notNull(),
    attempts: integer('attempts').notNull().default(0),
    max_attempts: integer('max_attempts').notNull().default(8),
    last_error: text('last_error'),
    next_attempt_at: timestamp('next_attempt_at', { withTimezone: true }),
    external_ref: text('external_ref'),
    created_at: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updated_at: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    delivered_at: timestamp('delivered_at', { withTimezone: true }),
  },
  (t) => [
    index('deliveries_team_status_idx').on(t.team_id, t.status, t.created_at),
    index('deliveries_session_idx').on(t.session_id),
    check('deliveries_status_check', sql`${t.status} in ('pending', 'sending', 'retrying', 'delivered', 'failed', 'skipped')`),
  ],
);
