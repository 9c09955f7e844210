import { sql } from 'drizzle-orm';
import type { ChainStep } from '@flowpilot/contracts';
import { boolean, check, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';

const timestamps = {
  created_at: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updated_at: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
};

/** One MSP (tenant). Nothing of one team is visible to another. */
export const teams = pgTable('teams', {
  id: uuid('id').primaryKey().defaultRandom(),
  name: text('name').notNull(),
  /** Bumped in the transaction of every change to the team's trees: search results cached under an older value are stale. */
  library_version: integer('library_version').notNull().default(0),
  /** How an escalation nobody picks up is re-announced; null: the default chain. */
  escalation_chain: jsonb('escalation_chain').$type<ChainStep[]>(),
  ...timestamps,
});

export const users = pgTable(
  'users',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    team_id: uuid('team_id')
      .notNull()
      .references(() => teams.id, { onDelete: 'cascade' }),
    /** Stored lower-cased; unique across all teams, since it is the login. */
    email: text('email').notNull(),
    full_name: text('full_name').notNull(),
    role: text('role', { enum: ['technician', 'engineer', 'admin'] }).notNull(),
    password_hash: text('password_hash').notNull(),
    is_active: boolean('is_active').notNull().default(true),
    /** Access tokens issued before this moment are refused (password change, sign-out everywhere, deactivation). */
    tokens_valid_after: timestamp('tokens_valid_after', { withTimezone: true }),
    /**
     * Carried by every access token (claim `ver`) and bumped when all the user's sign-ins end:
     * a token with another number is refused at once, whatever the clocks say.
     */
    token_version: integer('token_version').notNull().default(0),
    /** The user's choice: an email for each escalation sent to them. */
    escalation_emails: boolean('escalation_emails').notNull().default(true),
    ...timestamps,
  },
  (t) => [
    uniqueIndex('users_email_key').on(t.email),
    index('users_team_role_idx').on(t.team_id, t.role),
    check('users_role_check', sql`${t.role} in ('technician', 'engineer', 'admin')`),
  ],
);

/**
 * Refresh tokens, stored as SHA-256 hashes. Each login starts a family; every
 * refresh rotates to a new token of the same family. Presenting a token that
 * was already rotated revokes the whole family.
 */
export const refreshTokens = pgTable(
  'refresh_tokens',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    user_id: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    family_id: uuid('family_id').notNull(),
    token_hash: text('token_hash').notNull(),
    expires_at: timestamp('expires_at', { withTimezone: true }).notNull(),
    created_at: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    rotated_at: timestamp('rotated_at', { withTimezone: true }),
    revoked_at: timestamp('revoked_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('refresh_tokens_hash_key').on(t.token_hash),
    index('refresh_tokens_family_idx').on(t.family_id),
    index('refresh_tokens_user_idx').on(t.user_id),
  ],
);

/** Single-use codes with which a new user joins a team with a given role. */
export const invites = pgTable(
  'invites',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    team_id: uuid('team_id')
      .notNull()
      .references(() => teams.id, { onDelete: 'cascade' }),
    role: text('role', { enum: ['technician', 'engineer', 'admin'] }).notNull(),
    code_hash: text('code_hash').notNull(),
    created_by_id: uuid('created_by_id').references(() => users.id, { onDelete: 'set null' }),
    expires_at: timestamp('expires_at', { withTimezone: true }).notNull(),
    used_at: timestamp('used_at', { withTimezone: true }),
    used_by_id: uuid('used_by_id').references(() => users.id, { onDelete: 'set null' }),
    created_at: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('invites_code_hash_key').on(t.code_hash), index('invites_team_idx').on(t.team_id)],
);

/**
 * Password reset links sent by email. Only the token's hash is stored; a link
 * works once and until it expires.
 */
export const passwordResets = pgTable(
  'password_resets',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    user_id: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    token_hash: text('token_hash').notNull(),
    expires_at: timestamp('expires_at', { withTimezone: true }).notNull(),
    used_at: timestamp('used_at', { withTimezone: true }),
    created_at: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('password_resets_hash_key').on(t.token_hash), index('password_resets_user_idx').on(t.user_id)],
);

/**
 * Failed sign-in counters in fixed windows, shared by every server process:
 * key `account:<email>` (strict) or `address:<ip>` (generous).
 */
export const loginThrottle = pgTable('login_throttle', {
  key: text('key').primaryKey(),
  failures: integer('failures').notNull().default(0),
  window_started_at: timestamp('window_started_at', { withTimezone: true }).notNull().defaultNow(),
});
