import { and, asc, count, desc, eq, inArray, ne, sql, type SQL } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { TreeBodyParsed, TreeStatus } from '@flowpilot/contracts';
import { preparedPer, queryRows, schema, type Db } from '../../db/client.ts';
import { markdownToText, searchWords } from '../../lib/markdown-text.ts';

const { trees, treeVersions, treeSearchNodes, searchLexicon, users, teams, sessions, sessionSteps } = schema;
export type TreeRow = typeof trees.$inferSelect;
export type TreeVersionRow = typeof treeVersions.$inferSelect;

const createdBy = alias(users, 'created_by');
const updatedBy = alias(users, 'updated_by');

/** A tree row with the names of who created and last changed it. */
export type TreeWithPeople = TreeRow & {
  created_by: { id: string; full_name: string } | null;
  updated_by: { id: string; full_name: string } | null;
};

const treeColumns = {
  id: trees.id,
  team_id: trees.team_id,
  title: trees.title,
  description: trees.description,
  category: trees.category,
  tags: trees.tags,
  status: trees.status,
  current_version: trees.current_version,
  node_count: trees.node_count,
  search_vector: sql<string>`''`.as('search_vector'),
  created_by_id: trees.created_by_id,
  updated_by_id: trees.updated_by_id,
  created_at: trees.created_at,
  updated_at: trees.updated_at,
  created_by_name: createdBy.full_name,
  updated_by_name: updatedBy.full_name,
};

function withPeople(row: TreeRow & { created_by_name: string | null; updated_by_name: string | null }): TreeWithPeople {
  const { created_by_name, updated_by_name, ...tree } = row;
  return {
    ...tree,
    created_by: tree.created_by_id && created_by_name !== null ? { id: tree.created_by_id, full_name: created_by_name } : null,
    updated_by: tree.updated_by_id && updated_by_name !== null ? { id: tree.updated_by_id, full_name: updated_by_name } : null,
  };
}

function selectTrees(db: Db) {
  return db
    .select(treeColumns)
    .from(trees)
    .leftJoin(createdBy, eq(createdBy.id, trees.created_by_id))
    .leftJoin(updatedBy, eq(updatedBy.id, trees.updated_by_id));
}

/** Title (A), category and tags (B), description (C). */
function treeVector(body: Pick<TreeBodyParsed, 'title' | 'category' | 'tags' | 'description'>): SQL {
  return sql`setweight(to_tsvector('english', ${body.title}), 'A')
    || setweight(to_tsvector('english', ${`${body.category} ${body.tags.join(' ')}`}), 'B')
    || setweight(to_tsvector('english', ${body.description}), 'C')`;
}

export async function insertTree(
  db: Db,
  values: { id?: string; teamId: string; body: TreeBodyParsed; userId: string },
): Promise<TreeRow> {
  const { body } = values;
  const [row] = await db
    .insert(trees)
    .values({
      ...(values.id && { id: values.id }),
      team_id: values.teamId,
      title: body.title,
      description: body.description,
      category: body.category,
      tags: body.tags,
      status: body.status,
      current_version: 1,
      node_count: body.nodes.length,
      search_vector: treeVector(body),
      created_by_id: values.userId,
      updated_by_id: values.userId,
    })
    .returning();
  if (!row) throw new Error('insert returned no row');
  return row;
}

export async function updateTreeHead(db: Db, id: string, body: TreeBodyParsed, version: number, userId: string): Promise<void> {
  await db
    .update(trees)
    .set({
      title: body.title,
      description: body.description,
      category: body.category,
      tags: body.tags,
      status: body.status,
      current_version: version,
      node_count: body.nodes.length,
      search_vector: treeVector(body),
      updated_by_id: userId,
      updated_at: new Date(),
    })
    .where(eq(trees.id, id));
}

export async function insertVersion(
  db: Db,
  values: { treeId: string; version: number; body: TreeBodyParsed; userId: string; changeNote: string | undefined },
): Promise<TreeVersionRow> {
  const { body } = values;
  const [row] = await db
    .insert(treeVersions)
    .values({
      tree_id: values.treeId,
      version: values.version,
      title: body.title,
      description: body.description,
      category: body.category,
      tags: body.tags,
      status: body.status,
      root_node_id: body.root_node_id,
      nodes: body.nodes,
      change_note: values.changeNote ?? null,
      created_by_id: values.userId,
    })
    .returning();
  if (!row) throw new Error('insert returned no row');
  return row;
}

/** Read on every tree request: a prepared statement. */
const findTreeStatement = preparedPer((db) =>
  selectTrees(db)
    .where(and(eq(trees.id, sql.placeholder('id')), eq(trees.team_id, sql.placeholder('team'))))
    .limit(1)
    .prepare('trees_find_in_team'),
);

export async function findTree(db: Db, teamId: string, id: string): Promise<TreeWithPeople | undefined> {
  const [row] = await findTreeStatement(db).execute({ id, team: teamId });
  return row && withPeople(row);
}

/** Locks the tree row (FOR UPDATE) so two saves of one tree take turns. */
export async function lockTree(db: Db, teamId: string, id: string): Promise<TreeRow | undefined> {
  const [row] = await db
    .select()
    .from(trees)
    .where(and(eq(trees.id, id), eq(trees.team_id, teamId)))
    .for('update');
  return row;
}

export async function findVersion(
  db: Db,
  treeId: string,
  version: number,
): Promise<(TreeVersionRow & { created_by: { id: string; full_name: string } | null }) | undefined> {
  const [row] = await db
    .select({ v: treeVersions, name: users.full_name })
    .from(treeVersions)
    .leftJoin(users, eq(users.id, treeVersions.created_by_id))
    .where(and(eq(treeVersions.tree_id, treeId), eq(treeVersions.version, version)))
    .limit(1);
  if (!row) return undefined;
  return { ...row.v, created_by: row.v.created_by_id && row.name !== null ? { id: row.v.created_by_id, full_name: row.name } : null };
}

export async function listVersions(db: Db, treeId: string, limit: number, offset: number, status?: TreeStatus) {
  const where = and(eq(treeVersions.tree_id, treeId), status ? eq(treeVersions.status, status) : undefined);
  const [rows, totals] = await Promise.all([
    db
      .select({
        version: treeVersions.version,
        title: treeVersions.title,
        status: treeVersions.status,
        node_count: sql<number>`jsonb_array_length(${treeVersions.nodes})::int`,
        change_note: treeVersions.change_note,
        created_by_id: treeVersions.created_by_id,
        created_by_name: users.full_name,
        created_at: treeVersions.created_at,
      })
      .from(treeVersions)
      .leftJoin(users, eq(users.id, treeVersions.created_by_id))
      .where(where)
      .orderBy(desc(treeVersions.version))
      .limit(limit)
      .offset(offset),
    db.select({ n: count() }).from(treeVersions).where(where),
  ]);
  return { rows, total: totals[0]?.n ?? 0 };
}

export interface TreeFilter {
  statuses: TreeStatus[];
  category?: string | undefined;
  tag?: string | undefined;
}

function filterConditions(teamId: string, filter: TreeFilter): SQL[] {
  const conditions: SQL[] = [eq(trees.team_id, teamId), inArray(trees.status, filter.statuses)];
  if (filter.category) conditions.push(eq(trees.category, filter.category));
  if (filter.tag) conditions.push(sql`${trees.tags} @> array[${filter.tag.toLowerCase()}]::text[]`);
  return conditions;
}

export async function listTrees(db: Db, teamId: string, filter: TreeFilter, limit: number, offset: number) {
  const where = and(...filterConditions(teamId, filter));
  const [rows, totals] = await Promise.all([
    selectTrees(db).where(where).orderBy(asc(trees.category), asc(trees.title), asc(trees.id)).limit(limit).offset(offset),
    db.select({ n: count() }).from(trees).where(where),
  ]);
  return { rows: rows.map(withPeople), total: totals[0]?.n ?? 0 };
}

/** The team's trees with the content of their current versions, in one query. */
export async function currentVersions(db: Db, teamId: string, filter: TreeFilter) {
  return db
    .select({ tree: { id: trees.id, status: trees.status }, version: treeVersions })
    .from(trees)
    .innerJoin(treeVersions, and(eq(treeVersions.tree_id, trees.id), eq(treeVersions.version, trees.current_version)))
    .where(and(...filterConditions(teamId, filter)))
    .orderBy(asc(trees.category), asc(trees.title), asc(trees.id));
}

export async function categories(db: Db, teamId: string, statuses: TreeStatus[]) {
  return db
    .select({ category: trees.category, count: sql<number>`count(*)::int` })
    .from(trees)
    .where(and(eq(trees.team_id, teamId), inArray(trees.status, statuses)))
    .groupBy(trees.category)
    .orderBy(asc(trees.category));
}

/** Holds the given trees of the team against deletion (FOR SHARE) until the transaction ends; returns those that exist. */
export async function holdTrees(db: Db, teamId: string, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db
    .select({ id: trees.id })
    .from(trees)
    .where(and(eq(trees.team_id, teamId), inArray(trees.id, ids)))
    .for('share');
  return new Set(rows.map((r) => r.id));
}

export async function teamTreeIds(db: Db, teamId: string): Promise<Set<string>> {
  return new Set((await teamTreeStatuses(db, teamId)).keys());
}

/** Every tree of the team with its status. */
export async function teamTreeStatuses(db: Db, teamId: string): Promise<Map<string, TreeStatus>> {
  const rows = await db.select({ id: trees.id, status: trees.status }).from(trees).where(eq(trees.team_id, teamId));
  return new Map(rows.map((r) => [r.id, r.status]));
}

/** Titles of the other trees whose current version links to this one. */
export async function treesLinkingTo(db: Db, teamId: string, treeId: string): Promise<string[]> {
  const rows = await db
    .select({ title: trees.title })
    .from(trees)
    .innerJoin(treeVersions, and(eq(treeVersions.tree_id, trees.id), eq(treeVersions.version, trees.current_version)))
    .where(
      and(
        eq(trees.team_id, teamId),
        ne(trees.id, treeId),
        sql`${treeVersions.nodes} @> ${JSON.stringify([{ kind: 'link', tree_id: treeId }])}::jsonb`,
      ),
    );
  return rows.map((r) => r.title);
}

export async function deleteTree(db: Db, id: string): Promise<void> {
  await db.delete(trees).where(eq(trees.id, id));
}

/** Marks the team's library changed (inside the transaction that changes it). */
export async function bumpLibraryVersion(db: Db, teamId: string): Promise<void> {
  await db.update(teams).set({ library_version: sql`${teams.library_version} + 1` }).where(eq(teams.id, teamId));
}


/** Writes version `version` of a tree: the version row, its search rows and the team's search words. */
export async function saveTreeVersion(
  db: Db,
  values: { treeId: string; teamId: string; userId: string; version: number; body: TreeBodyParsed; changeNote: string | undefined },
): Promise<TreeVersionRow> {
  const { body } = values;
  const row = await insertVersion(db, values);
  await replaceSearchNodes(db, values.treeId, values.teamId, body);
  await bumpLibraryVersion(db, values.teamId);
  const text = [body.title, body.description, body.category, ...body.tags, ...body.nodes.flatMap((n) => [n.title, n.body ?? ''])];
  await addLexiconWords(db, values.teamId, searchWords(text.join(' ')));
  return row;
}

/**
 * Makes the search rows of a tree those of its nodes now. Each step also
 * carries its tree's title and tags (weight C), so "printer spooler" finds
 * the spooler step of the printer tree.
 */
export async function replaceSearchNodes(
  db: Db,
  treeId: string,
  teamId: string,
  body: Pick<TreeBodyParsed, 'title' | 'tags' | 'nodes'>,
): Promise<void> {
  await db.delete(treeSearchNodes).where(eq(treeSearchNodes.tree_id, treeId));
  const context = `${body.title} ${body.tags.join(' ')}`;
  const rows = body.nodes.map((n) => {
    const text = markdownToText(n.body ?? '');
    return {
      tree_id: treeId,
      node_id: n.id,
      team_id: teamId,
      title: n.title,
      body: text,
      search_vector: sql`setweight(to_tsvector('english', ${n.title}), 'B') || setweight(to_tsvector('english', ${context}), 'C') || setweight(to_tsvector('english', ${text}), 'D')`,
    };
  });
  for (let i = 0; i < rows.length; i += 200) await db.insert(treeSearchNodes).values(rows.slice(i, i + 200));
}

export async function addLexiconWords(db: Db, teamId: string, words: string[]): Promise<void> {
  // Sorted, so two saves inserting overlapping words lock them in the same order (no deadlock).
  const sorted = [...words].sort();
  for (let i = 0; i < sorted.length; i += 500) {
    const chunk = sorted.slice(i, i + 500);
    await db
      .insert(searchLexicon)
      .values(chunk.map((word) => ({ team_id: teamId, word })))
      .onConflictDoNothing();
  }
}

/**
 * For each query word the team's trees do not contain, up to five of their
 * words that look like it (trigram similarity). Words that exist are not
 * "corrected": `outlook` must not also search `out`.
 */
export async function similarWords(db: Db, teamId: string, words: string[]): Promise<Map<string, string[]>> {
  const result = new Map<string, string[]>();
  if (words.length === 0) return result;
  const rows = await queryRows<{ w: string; word: string }>(
    db,
    sql`select q.w, l.word
        from unnest(${sql.param(words)}::text[]) as q(w)
        cross join lateral (
          select word from search_lexicon
          where team_id = ${teamId} and word % q.w
          order by word <-> q.w
          limit 5
        ) l
        where not exists (select 1 from search_lexicon e where e.team_id = ${teamId} and e.word = q.w)`,
  );
  for (const r of rows) {
    if (!result.has(r.w)) result.set(r.w, []);
    result.get(r.w)!.push(r.word);
  }
  return result;
}

export interface SearchRow {
  id: string;
  title: string;
  description: string;
  category: string;
  tags: string[];
  status: TreeStatus;
  current_version: number;
  node_count: number;
  updated_at: Date | string;
  updated_by_id: string | null;
  updated_by_name: string | null;
  score: number;
  node_id: string | null;
  node_title: string | null;
  snippet: string;
  total: number;
}

/**
 * Ranked matches of a tsquery over trees and their nodes: each side through
 * its GIN index, the best node per tree, and a snippet for the page's rows
 * only.
 */
export async function searchTrees(
  db: Db,
  teamId: string,
  tsquery: string,
  rawQuery: string,
  filter: TreeFilter,
  limit: number,
  offset: number,
): Promise<SearchRow[]> {
  const statuses = sql.raw(`array[${filter.statuses.map((s) => `'${s}'`).join(',')}]::text[]`);
  const category = filter.category ?? null;
  const tag = filter.tag?.toLowerCase() ?? null;
  const rows = await queryRows<SearchRow>(
    db,
    sql`with q as (select to_tsquery('english', ${tsquery}) as query),
      tree_hits as (
        select t.id, ts_rank_cd(t.search_vector, q.query, 1) as score
        from trees t, q
        where t.team_id = ${teamId} and t.search_vector @@ q.query
      ),
      node_best as (
        select distinct on (n.tree_id) n.tree_id, n.node_id, n.title, n.body, ts_rank_cd(n.search_vector, q.query, 1) as score
        from tree_search_nodes n, q
        where n.team_id = ${teamId} and n.search_vector @@ q.query
        order by n.tree_id, score desc, n.node_id
      ),
      candidates as (
        select coalesce(th.id, nb.tree_id) as id, coalesce(th.score, 0) * 2 + coalesce(nb.score, 0) as score,
               nb.node_id, nb.title as node_title, nb.body as node_body
        from tree_hits th full join node_best nb on nb.tree_id = th.id
      ),
      ranked as (
        select t.id, t.title, t.description, t.category, t.tags, t.status, t.current_version, t.node_count, t.updated_at,
               t.updated_by_id, u.full_name as updated_by_name,
               c.score + similarity(t.title, ${rawQuery}) * 0.5 as score, c.node_id, c.node_title, c.node_body,
               count(*) over () as total
        from candidates c
        join trees t on t.id = c.id
        left join users u on u.id = t.updated_by_id
        where t.status = any(${statuses})
          and (${category}::text is null or t.category = ${category})
          and (${tag}::text is null or t.tags @> array[${tag}]::text[])
        order by score desc, t.title, t.id
        limit ${limit} offset ${offset}
      )
      select r.id, r.title, r.description, r.category, r.tags, r.status, r.current_version, r.node_count, r.updated_at,
             r.updated_by_id, r.updated_by_name, r.score::float8 as score, r.node_id, r.node_title, r.total::int as total,
             ts_headline('english',
               case when r.node_id is null then coalesce(nullif(r.description, ''), r.title)
                    when r.node_body = '' then r.node_title
                    else r.node_body end,
               q.query, 'StartSel=' || chr(1) || ', StopSel=' || chr(2) || ', MaxWords=30, MinWords=12, MaxFragments=2, FragmentDelimiter=" … "') as snippet
      from ranked r, q
      order by r.score desc, r.title, r.id`,
  );
  return rows;
}

/**
 * Whether any session ran on the tree, as its own tree or entered through a
 * link (a step on one of its nodes, or standing in it now): then deleting it
 * archives it instead, so those sessions keep their history.
 */
export async function treeHasSessions(db: Db, treeId: string): Promise<boolean> {
  const rows = await queryRows<{ used: boolean }>(
    db,
    sql`select exists (select 1 from ${sessions} where ${sessions.tree_id} = ${treeId} or ${sessions.current_tree_id} = ${treeId})
      or exists (select 1 from ${sessionSteps} where ${sessionSteps.tree_id} = ${treeId}) as used`,
  );
  return rows[0]?.used === true;
}
