import { sql } from 'drizzle-orm';
import { check, customType, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import type { TreeNode } from '@flowpilot/contracts';
import { teams, users } from './accounts.ts';

const tsvector = customType<{ data: string }>({ dataType: () => 'tsvector' });

/** A decision tree: what is shown in the library. Its content lives in immutable versions. */
export const trees = pgTable(
  'trees',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    team_id: uuid('team_id')
      .notNull()
      .references(() => teams.id, { onDelete: 'cascade' }),
    title: text('title').notNull(),
    description: text('description').notNull().default(''),
    category: text('category').notNull(),
    tags: text('tags').array().notNull().default(sql`'{}'::text[]`),
    status: text('status', { enum: ['draft', 'published', 'archived'] }).notNull(),
    current_version: integer('current_version').notNull(),
    node_count: integer('node_count').notNull(),
    /** Title (A), category and tags (B), description (C), for ranked full-text search. */
    search_vector: tsvector('search_vector').notNull(),
    created_by_id: uuid('created_by_id').references(() => users.id, { onDelete: 'set null' }),
    updated_by_id: uuid('updated_by_id').references(() => users.id, { onDelete: 'set null' }),
    created_at: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updated_at: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('trees_team_status_idx').on(t.team_id, t.status, t.category),
    index('trees_search_idx').using('gin', t.search_vector).with({ fastupdate: false }),
    index('trees_tags_idx').using('gin', t.tags),
    check('trees_status_check', sql`${t.status} in ('draft', 'published', 'archived')`),
  ],
);

/** Every save of a tree, never changed afterwards; sessions stay pinned to one. */
export const treeVersions = pgTable(
  'tree_versions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tree_id: uuid('tree_id')
      .notNull()
      .references(() => trees.id, { onDelete: 'cascade' }),
    version: integer('version').notNull(),
    title: text('title').notNull(),
    description: text('description').notNull(),
    category: text('category').notNull(),
    tags: text('tags').array().notNull(),
    status: text('status', { enum: ['draft', 'published', 'archived'] }).notNull(),
    root_node_id: text('root_node_id').notNull(),
    nodes: jsonb('nodes').$type<TreeNode[]>().notNull(),
    change_note: text('change_note'),
    created_by_id: uuid('created_by_id').references(() => users.id, { onDelete: 'set null' }),
    created_at: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('tree_versions_tree_version_key').on(t.tree_id, t.version)],
);

/** The nodes of each tree's current version, for search: the best-matching node and its snippet. */
export const treeSearchNodes = pgTable(
  'tree_search_nodes',
  {
    tree_id: uuid('tree_id')
      .notNull()
      .references(() => trees.id, { onDelete: 'cascade' }),
    node_id: text('node_id').notNull(),
    team_id: uuid('team_id').notNull(),
    title: text('title').notNull(),
    /** The body as plain text (Markdown stripped). */
    body: text('body').notNull(),
    /** Title (B) and body (D). */
    search_vector: tsvector('search_vector').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.tree_id, t.node_id] }),
    index('tree_search_nodes_search_idx').using('gin', t.search_vector).with({ fastupdate: false }),
    index('tree_search_nodes_team_idx').on(t.team_id),
  ],
);

/**
 * The words of a team's trees, to correct misspelled search words by trigram
 * similarity. The search indexes skip GIN's pending list (fastupdate off): a
 * save writes a little more, and a search never scans unmerged entries.
 */
export const searchLexicon = pgTable(
  'search_lexicon',
  {
    team_id: uuid('team_id')
      .notNull()
      .references(() => teams.id, { onDelete: 'cascade' }),
    word: text('word').notNull(),
  },
  (t) => [primaryKey({ columns: [t.team_id, t.word] }), index('search_lexicon_word_trgm_idx').using('gin', t.word.op('gin_trgm_ops')).with({ fastupdate: false })],
);
