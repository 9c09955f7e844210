import { sql } from 'drizzle-orm';
import { bigint, check, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import type { LinkFrame, SessionDocumentation } from '@flowpilot/contracts';
import { teams, users } from './accounts.ts';
import { trees } from './trees.ts';

/** A position in a session's walk: where it was, so "back" can return there. */
export interface TrailEntry {
  tree_id: string;
  tree_version: number;
  node_id: string;
  link_stack: LinkFrame[];
}

/** A guided troubleshooting run of one tree version on one ticket. */
export const sessions = pgTable(
  'sessions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    team_id: uuid('team_id')
      .notNull()
      .references(() => teams.id, { onDelete: 'cascade' }),
    /** Trees that sessions used are archived, never deleted: the history stays readable. */
    tree_id: uuid('tree_id')
      .notNull()
      .references(() => trees.id, { onDelete: 'restrict' }),
    tree_version: integer('tree_version').notNull(),
    status: text('status', { enum: ['active', 'completed', 'escalated', 'requesting_escalation', 'abandoned'] }).notNull(),
    user_id: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'restrict' }),
    assigned_to_id: uuid('assigned_to_id').references(() => users.id, { onDelete: 'set null' }),
    /** How the assignee came to hold the session: an escalation picked up, or a hand-over. */
    assigned_via: text('assigned_via', { enum: ['pickup', 'transfer'] }),
    /** Everyone who held the session before its current holder: they keep read access. */
    past_holder_ids: uuid('past_holder_ids').array().notNull().default(sql`'{}'::uuid[]`),
    /** Who completed it. */
    resolved_by_id: uuid('resolved_by_id').references(() => users.id, { onDelete: 'set null' }),
    current_tree_id: uuid('current_tree_id').notNull(),
    current_tree_version: integer('current_tree_version').notNull(),
    current_node_id: text('current_node_id'),
    link_stack: jsonb('link_stack').$type<LinkFrame[]>().notNull().default(sql`'[]'::jsonb`),
    /** Positions before the current one, newest last; "back" pops one. */
    trail: jsonb('trail').$type<TrailEntry[]>().notNull().default(sql`'[]'::jsonb`),
    ticket_id: text('ticket_id'),
    client_name: text('client_name'),
    device: text('device'),
    problem_summary: text('problem_summary'),
    notes: text('notes'),
    escalation_reason: text('escalation_reason'),
    escalated_to_id: uuid('escalated_to_id').references(() => users.id, { onDelete: 'set null' }),
    resolution: text('resolution'),
    /** When the session was paused (null: running). */
    paused_at: timestamp('paused_at', { withTimezone: true }),
    /** Paused time before the current pause, excluded from the session's time. */
    paused_ms: bigint('paused_ms', { mode: 'number' }).notNull().default(0),
    /** When the current node was reached (resets on each move), for the time per step. */
    node_entered_at: timestamp('node_entered_at', { withTimezone: true }).notNull().defaultNow(),
    /** Paused time since the current node was reached. */
    node_paused_ms: bigint('node_paused_ms', { mode: 'number' }).notNull().default(0),
    step_count: integer('step_count').notNull().default(0),
    created_at: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updated_at: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    completed_at: timestamp('completed_at', { withTimezone: true }),
  },
  (t) => [
    index('sessions_team_status_idx').on(t.team_id, t.status, t.created_at),
    index('sessions_user_idx').on(t.user_id, t.created_at),
    index('sessions_assignee_idx').on(t.assigned_to_id),
    index('sessions_past_holders_idx').using('gin', t.past_holder_ids),
    index('sessions_tree_idx').on(t.tree_id),
    check('sessions_status_check', sql`${t.status} in ('active', 'completed', 'escalated', 'requesting_escalation', 'abandoned')`),
  ],
);

/** Everything that happened in a session, in order; never changed or removed. */
export const sessionSteps = pgTable(
  'session_steps',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    session_id: uuid('session_id')
      .notNull()
      .references(() => sessions.id, { onDelete: 'cascade' }),
    seq: integer('seq').notNull(),
    kind: text('kind').notNull(),
    tree_id: uuid('tree_id'),
    tree_version: integer('tree_version'),
    node_id: text('node_id'),
    node_title: text('node_title'),
    node_kind: text('node_kind'),
    answer: text('answer'),
    note: text('note'),
    to_node_id: text('to_node_id'),
    action: text('action'),
    outcome: text('outcome'),
    user_id: uuid('user_id').references(() => users.id, { onDelete: 'set null' }),
    duration_ms: bigint('duration_ms', { mode: 'number' }).notNull().default(0),
    created_at: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('session_steps_session_seq_key').on(t.session_id, t.seq)],
);

export type DocumentationContent = Omit<SessionDocumentation, 'id' | 'session_id' | 'kind' | 'generated_by' | 'summary' | 'markdown' | 'html' | 'created_at' | 'updated_at'>;

/** The write-up of a session when it is completed or escalated. */
export const sessionDocumentation = pgTable(
  'session_documentation',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    session_id: uuid('session_id')
      .notNull()
      .references(() => sessions.id, { onDelete: 'cascade' }),
    team_id: uuid('team_id').notNull(),
    kind: text('kind', { enum: ['completion', 'escalation', 'transfer'] }).notNull(),
    generated_by: text('generated_by', { enum: ['template', 'ai'] }).notNull(),
    summary: text('summary').notNull(),
    content: jsonb('content').$type<DocumentationContent>().notNull(),
    markdown: text('markdown').notNull(),
    html: text('html').notNull(),
    created_at: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updated_at: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('session_documentation_session_idx').on(t.session_id, t.created_at)],
);
