import { randomUUID } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import {
  TreeExport,
  validateTreeGraph,
  type CategoryList,
  type GraphIssue,
  type ImportReport,
  type ImportTreesBody,
  type ListTreesQuery,
  type SearchResults,
  type SearchTreesQuery,
  type TreeBodyParsed,
  type TreeComparison,
  type TreeList,
  type TreeNode,
  type TreeResponse,
  type TreeStatus,
  type TreeVersionList,
  type ValidationReport,
} from '@flowpilot/contracts';
import type { z } from 'zod';
import type { Db } from '../../db/client.ts';
import type { AuthUser } from '../../lib/auth-guard.ts';
import { escapeHtml } from '../../lib/html.ts';
import type { ExportFile } from '../../lib/http.ts';
import { badRequest, conflict, forbidden, invalid, notFound, preconditionFailed } from '../../lib/errors.ts';
import { MermaidParseError, mermaidToTree, treeToMermaid } from './mermaid.ts';
import * as repo from './trees.repository.ts';
import { toTreeResponse, toTreeSummary } from './trees.mapper.ts';

type CreateParsed = TreeBodyParsed & { change_note?: string | undefined };
type UpdateParsed = CreateParsed & { base_version?: number | undefined };

/**
 * The ETag of a tree as read at `version`: it changes with every save (a
 * save is a new version, and status and update time change only with one).
 * Sent by `GET /trees/{id}`; `PUT /trees/{id}` takes the newest one in If-Match.
 */
function treeEtag(tree: Pick<repo.TreeRow, 'id' | 'current_version' | 'status' | 'updated_at'>, version: number): string {
  return `"${tree.id}.${version}.${tree.current_version}.${tree.status}.${tree.updated_at.getTime()}"`;
}

/** `*` or a comma-separated list of entity tags, each in double quotes and maybe weak (RFC 9110 §13.1.1). */
const IF_MATCH = /^\s*(?:\*|(?:W\/)?"[\x21\x23-\x7e\x80-\xff]*"(?:\s*,\s*(?:W\/)?"[\x21\x23-\x7e\x80-\xff]*")*)\s*$/;

/** The entity tags of an If-Match header, or `*`; a header that is neither is a 400 saying how it should look. */
function parseIfMatch(header: string): '*' | string[] {
  if (!IF_MATCH.test(header)) {
    throw badRequest('If-Match must be the ETag that GET /trees/{id} sent, in its double quotes (or *)');
  }
  if (header.trim() === '*') return '*';
  return header.split(',').map((tag) => tag.trim());
}

const canEdit = (actor: AuthUser) => actor.role !== 'technician';

/** Which statuses a user sees: technicians the published trees; authors everything but the archive unless asked. */
function visibleStatuses(actor: AuthUser, requested: TreeStatus | undefined): TreeStatus[] {
  if (!canEdit(actor)) return requested && requested !== 'published' ? [] : ['published'];
  return requested ? [requested] : ['draft', 'published'];
}

/** ts_headline marks matches with U+0001/U+0002 (stripped from stored text); the text is escaped first, so only our <mark> is markup. */
function snippetHtml(raw: string): string {
  return escapeHtml(raw).replaceAll('\u0001', '<mark>').replaceAll('\u0002', '</mark>');
}

function graphProblems(issues: GraphIssue[]) {
  return issues.map((i) => ({ loc: ['body', 'nodes'], msg: i.message, type: `graph.${i.code}`, node_ids: i.node_ids }));
}


export type TreesService = ReturnType<typeof createTreesService>;

export function createTreesService({ db, log }: { db: Db; log: { warn: (obj: object, msg: string) => void } }) {
  /** The tree if the user may see it; another team's, or a draft for a technician, is 404. */
  async function visibleTree(actor: AuthUser, id: string, executor: Db = db) {
    return visible(actor, await repo.findTree(executor, actor.teamId, id));
  }

  function visible(actor: AuthUser, tree: repo.TreeWithPeople | undefined) {
    if (!tree || (!canEdit(actor) && tree.status !== 'published')) throw notFound('Tree');
    return tree;
  }

  /**
   * Tree heads as read at a library stamp (`actor.libraryVersion`, read with
   * the user): any change to the team's trees moves the stamp, so an entry of
   * the request's stamp is current without a query. Names of people on the
   * tree may lag a rename by up to the entry's minute.
   */
  const heads = new LRUCache<string, { stamp: number; tree: repo.TreeWithPeople }>({ max: 10_000, ttl: 60_000 });

  /** visibleTree for requests that only read: from the cache when the library has not changed since. */
  async function readTree(actor: AuthUser, id: string) {
    const key = `${actor.teamId}:${id}`;
    const hit = heads.get(key);
    if (hit?.stamp === actor.libraryVersion) return visible(actor, hit.tree);
    const tree = await repo.findTree(db, actor.teamId, id);
    // Never over a head read at a later stamp (a request that started earlier may answer later).
    if (tree && !(hit && hit.stamp > actor.libraryVersion)) heads.set(key, { stamp: actor.libraryVersion, tree });
    return visible(actor, tree);
  }

  async function checkGraph(actor: AuthUser, body: TreeBodyParsed, treeId: string | undefined, extraKnown: Iterable<string> = []) {
    const statuses = await repo.teamTreeStatuses(db, actor.teamId);
    const known = new Set([...statuses.keys(), ...extraKnown]);
    const report = validateTreeGraph(body, { knownTreeIds: known, ...(treeId && { treeId }) });
    // A published tree that sends technicians into a tree they cannot open is allowed, but said.
    if (body.status === 'published') {
      const hidden = body.nodes.filter((n) => n.kind === 'link' && statuses.has(n.tree_id) && statuses.get(n.tree_id) !== 'published');
      if (hidden.length) {
        report.warnings.push({
          code: 'link_to_unpublished',
          message: 'Links to a tree that is not published: technicians cannot follow them until it is',
          node_ids: hidden.map((n) => n.id),
        });
      }
    }
    return report;
  }

  const saveVersion = (tx: Db, actor: AuthUser, treeId: string, version: number, body: TreeBodyParsed, changeNote?: string) =>
    repo.saveTreeVersion(tx, { treeId, teamId: actor.teamId, userId: actor.id, version, body, changeNote });

  /**
   * Inside the saving transaction: the trees this one links to still exist,
   * and cannot be deleted until the save commits (a delete then sees the link).
   */
  async function holdLinkTargets(tx: Db, actor: AuthUser, body: TreeBodyParsed, notYetCreated: Iterable<string> = []) {
    const pending = new Set(notYetCreated);
    const targets = [...new Set(body.nodes.flatMap((n) => (n.kind === 'link' && !pending.has(n.tree_id) ? [n.tree_id] : [])))];
    const held = await repo.holdTrees(tx, actor.teamId, targets);
    const gone = body.nodes.filter((n) => n.kind === 'link' && targets.includes(n.tree_id) && !held.has(n.tree_id));
    if (gone.length) {
      throw invalid(graphProblems([{ code: 'unknown_link_target', message: 'A linked tree was just deleted', node_ids: gone.map((n) => n.id) }]));
    }
  }

  async function createTree(actor: AuthUser, body: CreateParsed, options: { id?: string; knownExtra?: Iterable<string> } = {}) {
    const id = options.id ?? randomUUID();
    const report = await checkGraph(actor, body, id, options.knownExtra);
    if (!report.valid) return { report, tree: null };
    const tree = await db.transaction(async (tx) => {
      await holdLinkTargets(tx, actor, body, options.knownExtra);
      await repo.insertTree(tx, { id, teamId: actor.teamId, body, userId: actor.id });
      await saveVersion(tx, actor, id, 1, body, body.change_note);
      return id;
    });
    return { report, tree };
  }

  type CachedVersion = { row: NonNullable<Awaited<ReturnType<typeof repo.findVersion>>>; warnings: GraphIssue[]; json: string | null };
  /**
   * Versions never change once saved, so each is read, checked and (for the
   * hot GET) serialised once per process; only the small tree head is read
   * per request. Keyed by tree and version, it needs no invalidation.
   */
  const searchCache = new LRUCache<string, SearchResults>({ max: 5000 });
  const versions = new LRUCache<string, CachedVersion>({
    maxSize: 64 * 1024 * 1024,
    sizeCalculation: (v) => Math.max(1, JSON.stringify(v.row.nodes).length),
  });

  async function loadVersion(id: string, version: number): Promise<CachedVersion> {
    const key = `${id}:${version}`;
    const hit = versions.get(key);
    if (hit) return hit;
    const row = await repo.findVersion(db, id, version);
    if (!row) throw notFound(`Version ${version} of this tree`);
    const entry = { row, warnings: validateTreeGraph({ root_node_id: row.root_node_id, nodes: row.nodes }).warnings, json: null };
    versions.set(key, entry);
    return entry;
  }

  /** A version the user may read: technicians only ever see published ones. */
  async function readableVersion(actor: AuthUser, tree: repo.TreeRow, version: number | undefined): Promise<CachedVersion> {
    const cached = await loadVersion(tree.id, version ?? tree.current_version);
    if (!canEdit(actor) && version !== undefined && cached.row.status !== 'published') throw notFound(`Version ${version} of this tree`);
    return cached;
  }

  async function getResponse(actor: AuthUser, id: string, version?: number): Promise<TreeResponse> {
    const tree = await visibleTree(actor, id);
    const { row, warnings } = await readableVersion(actor, tree, version);
    return toTreeResponse(tree, row, warnings);
  }

  /** The same as getResponse, already serialised: the version's part is built once and reused. */
  /**
   * The same as getResponse, already serialised (the version's part is built
   * once and reused), with an ETag that changes whenever the answer would:
   * a client that already has it gets a 304 without the body.
   */
  async function getResponseJson(
    actor: AuthUser,
    id: string,
    version: number | undefined,
    ifNoneMatch: string | undefined,
  ): Promise<{ etag: string; json: string | null }> {
    const tree = await readTree(actor, id);
    const cached = await readableVersion(actor, tree, version);
    const etag = treeEtag(tree, cached.row.version);
    if (ifNoneMatch && ifNoneMatch.split(',').some((t) => t.trim().replace(/^W\//, '') === etag)) return { etag, json: null };
    const { nodes, warnings, ...head } = toTreeResponse(tree, cached.row, cached.warnings);
    cached.json ??= `"nodes":${JSON.stringify(nodes)},"warnings":${JSON.stringify(warnings)}`;
    return { etag, json: `${JSON.stringify(head).slice(0, -1)},${cached.json}}` };
  }

  /** Checks one imported tree: its fields, then (later) its graph. */
  function parseImported(candidate: unknown, overrides: { status?: TreeStatus | undefined }) {
    const parsed = TreeExport.safeParse(candidate);
    if (!parsed.success) {
      return {
        ok: false as const,
        title: typeof (candidate as { title?: unknown })?.title === 'string' ? ((candidate as { title: string }).title) : null,
        errors: parsed.error.issues.map((i) => ({ code: 'invalid_field', message: `${i.path.join('.') || 'tree'}: ${i.message}`, node_ids: [] })),
      };
    }
    const { id, ...body } = parsed.data as z.output<typeof TreeExport>;
    return { ok: true as const, sourceId: id, body: { ...body, ...(overrides.status && { status: overrides.status }) } };
  }

  return {
    /** A tree a session starts on or links into: one the user may read, at its current version. */
    async currentGraph(actor: AuthUser, id: string) {
      const tree = await readTree(actor, id);
      if (tree.status === 'archived') throw conflict(`"${tree.title}" is archived: sessions cannot start on it`);
      return { tree, version: (await loadVersion(id, tree.current_version)).row };
    },

    /** The graph of a version a running session is pinned to (the session's own tree, already checked). */
    async pinnedGraph(treeId: string, version: number) {
      return (await loadVersion(treeId, version)).row;
    },

    async list(actor: AuthUser, query: ListTreesQuery): Promise<TreeList> {
      const statuses = visibleStatuses(actor, query.status);
      if (statuses.length === 0) return { items: [], total: 0 };
      const { rows, total } = await repo.listTrees(db, actor.teamId, { statuses, category: query.category, tag: query.tag }, query.limit, query.offset);
      return { items: rows.map(toTreeSummary), total };
    },

    async categories(actor: AuthUser): Promise<CategoryList> {
      return { items: await repo.categories(db, actor.teamId, visibleStatuses(actor, undefined)) };
    },

    /** Search results depend only on the team's trees, so they are kept until any of them changes. */
    async search(actor: AuthUser, query: SearchTreesQuery): Promise<SearchResults> {
      const key = JSON.stringify([actor.teamId, actor.libraryVersion, canEdit(actor), query.q.toLowerCase(), query.status, query.category, query.tag, query.limit, query.offset]);
      const cached = searchCache.get(key);
      if (cached) return cached;
      const results = await this.searchFresh(actor, query);
      searchCache.set(key, results);
      return results;
    },

    /**
     * Ranked full-text search, tolerant of typos: each word also matches as a
     * prefix and as the team's known words that look like it (trigrams). All
     * words must match; if nothing does, any word may.
     */
    async searchFresh(actor: AuthUser, query: SearchTreesQuery): Promise<SearchResults> {
      const statuses = visibleStatuses(actor, query.status);
      const words = query.q
        .toLowerCase()
        .split(/[^\p{L}\p{N}]+/u)
        .filter((w) => w.length >= 2)
        .slice(0, 8);
      if (statuses.length === 0 || words.length === 0) return { items: [], total: 0, corrected_terms: [] };
      const similar = await repo.similarWords(db, actor.teamId, words.filter((w) => w.length >= 4));
      const corrected = new Set<string>();
      const groups = words.map((w) => {
        const alternatives = (similar.get(w) ?? []).filter((s) => s !== w);
        alternatives.forEach((a) => corrected.add(a));
        return `(${[`${w}:*`, ...alternatives].join(' | ')})`;
      });
      const filter = { statuses, category: query.category, tag: query.tag };
      const all = groups.join(' & ');
      let rows = await repo.searchTrees(db, actor.teamId, all, query.q, filter, query.limit, query.offset);
      // All words first; only when no tree has them all, any word. Decided the same way on every page.
      const allMatchNothing =
        rows.length === 0 && (query.offset === 0 || (await repo.searchTrees(db, actor.teamId, all, query.q, filter, 1, 0)).length === 0);
      if (allMatchNothing && groups.length > 1) {
        rows = await repo.searchTrees(db, actor.teamId, groups.join(' | '), query.q, filter, query.limit, query.offset);
      }
      if (rows.length === 0) return { items: [], total: 0, corrected_terms: [...corrected] };
      return {
        items: rows.map((r) => ({
          id: r.id,
          title: r.title,
          description: r.description,
          category: r.category,
          tags: r.tags,
          status: r.status,
          current_version: r.current_version,
          node_count: r.node_count,
          updated_at: new Date(r.updated_at).toISOString(),
          updated_by: r.updated_by_id && r.updated_by_name !== null ? { id: r.updated_by_id, full_name: r.updated_by_name } : null,
          score: Math.round(r.score * 1000) / 1000,
          match: { node_id: r.node_id, node_title: r.node_title, snippet: snippetHtml(r.snippet) },
        })),
        total: rows[0]!.total,
        corrected_terms: [...corrected],
      };
    },

    get: getResponse,
    getJson: getResponseJson,

    async versions(actor: AuthUser, id: string, limit: number, offset: number): Promise<TreeVersionList> {
      await visibleTree(actor, id);
      const { rows, total } = await repo.listVersions(db, id, limit, offset, canEdit(actor) ? undefined : 'published');
      return {
        items: rows.map((r) => ({
          version: r.version,
          title: r.title,
          status: r.status,
          node_count: r.node_count,
          change_note: r.change_note,
          created_by: r.created_by_id && r.created_by_name !== null ? { id: r.created_by_id, full_name: r.created_by_name } : null,
          created_at: r.created_at.toISOString(),
        })),
        total,
      };
    },

    async compare(actor: AuthUser, id: string, from: number, to: number): Promise<TreeComparison> {
      const tree = await visibleTree(actor, id);
      const [{ row: a }, { row: b }] = await Promise.all([readableVersion(actor, tree, from), readableVersion(actor, tree, to)]);
      const fields = (['title', 'description', 'category', 'status', 'root_node_id'] as const).filter((f) => a[f] !== b[f]);
      if (JSON.stringify(a.tags) !== JSON.stringify(b.tags)) fields.push('tags' as never);
      const before = new Map<string, TreeNode>(a.nodes.map((n) => [n.id, n]));
      const after = new Map<string, TreeNode>(b.nodes.map((n) => [n.id, n]));
      return {
        from,
        to,
        fields_changed: fields,
        added: [...after.keys()].filter((k) => !before.has(k)),
        removed: [...before.keys()].filter((k) => !after.has(k)),
        changed: [...after.keys()].filter((k) => before.has(k) && JSON.stringify(before.get(k)) !== JSON.stringify(after.get(k))),
      };
    },

    /** Checks a tree without saving it: what the editor shows before Save. */
    async validate(actor: AuthUser, body: TreeBodyParsed, treeId?: string): Promise<ValidationReport> {
      return checkGraph(actor, body, treeId);
    },

    async create(actor: AuthUser, body: CreateParsed): Promise<TreeResponse> {
      const { report, tree } = await createTree(actor, body);
      if (!tree) throw invalid(graphProblems(report.errors));
      return { ...(await getResponse(actor, tree)), warnings: report.warnings };
    },

    /**
     * Saves a new version. Refused when someone saved a newer one since the
     * edit started: since `base_version` (409) or since the copy an If-Match
     * ETag names (412). With neither, the save applies over the newest
     * (clients of the original API send neither). Returns the new ETag too.
     */
    async update(actor: AuthUser, id: string, body: UpdateParsed, ifMatch?: string): Promise<{ tree: TreeResponse; etag: string }> {
      await visibleTree(actor, id);
      const expected = ifMatch === undefined ? undefined : parseIfMatch(ifMatch);
      const report = await checkGraph(actor, body, id);
      if (!report.valid) throw invalid(graphProblems(report.errors));
      await db.transaction(async (tx) => {
        const head = await repo.lockTree(tx, actor.teamId, id);
        if (!head) throw notFound('Tree');
        // Strong comparison (RFC 9110 §13.1.1): a weak tag never matches.
        if (expected !== undefined && expected !== '*' && !expected.includes(treeEtag(head, head.current_version))) {
          const theirs = expected.map((tag) => new RegExp(`^"${head.id}\\.(\\d+)\\.`).exec(tag)?.[1]).find((v) => v !== undefined);
          throw preconditionFailed(
            theirs !== undefined && Number(theirs) < head.current_version
              ? `Someone saved a newer version of this tree since your copy (version ${theirs}, by If-Match): version ${head.current_version} is the newest. Reload it and apply your changes again.`
              : `If-Match does not name the newest version of this tree: someone saved version ${head.current_version} since. Reload it (for its ETag) and apply your changes again.`,
          );
        }
        if (body.base_version !== undefined && head.current_version !== body.base_version) {
          throw conflict(
            `Someone saved a newer version of this tree since version ${body.base_version}: version ${head.current_version} is the newest. Reload it and apply your changes again.`,
          );
        }
        await holdLinkTargets(tx, actor, body);
        const next = head.current_version + 1;
        await saveVersion(tx, actor, id, next, body, body.change_note);
        await repo.updateTreeHead(tx, id, body, next, actor.id);
      });
      const tree = await visibleTree(actor, id);
      const { row, warnings } = await readableVersion(actor, tree, tree.current_version);
      return { tree: { ...toTreeResponse(tree, row, warnings), warnings: report.warnings }, etag: treeEtag(tree, tree.current_version) };
    },

    /** Brings an old version back as the newest one (history is kept). */
    async restore(actor: AuthUser, id: string, version: number, baseVersion: number): Promise<TreeResponse> {
      const tree = await visibleTree(actor, id);
      const old = await repo.findVersion(db, id, version);
      if (!old) throw notFound(`Version ${version} of this tree`);
      // The content comes back; whether the tree is published stays as it is now.
      const body: UpdateParsed = {
        title: old.title,
        description: old.description,
        category: old.category,
        tags: old.tags,
        status: tree.status,
        root_node_id: old.root_node_id,
        nodes: old.nodes,
        base_version: baseVersion,
        change_note: `Restored version ${version}`,
      };
      return (await this.update(actor, id, body)).tree;
    },

    /**
     * Deletes a tree (admins). A tree that sessions ran on is archived
     * instead, as a new version, so their history stays readable. A tree
     * other trees link to is refused, so no tree is left pointing nowhere.
     */
    async remove(actor: AuthUser, id: string): Promise<'deleted' | 'archived'> {
      if (actor.role !== 'admin') throw forbidden('Only an admin can do this');
      return db.transaction(async (tx) => {
        const tree = await repo.lockTree(tx, actor.teamId, id);
        if (!tree) throw notFound('Tree');
        const linking = await repo.treesLinkingTo(tx, actor.teamId, id);
        if (linking.length) {
          throw conflict(`Other trees link to this one (${linking.slice(0, 5).join(', ')}): remove those links first, or archive it.`);
        }
        if (await repo.treeHasSessions(tx, id)) {
          if (tree.status === 'archived') return 'archived';
          const current = await repo.findVersion(tx, id, tree.current_version);
          if (!current) throw notFound('Tree');
          const body: TreeBodyParsed = {
            title: current.title,
            description: current.description,
            category: current.category,
            tags: current.tags,
            status: 'archived',
            root_node_id: current.root_node_id,
            nodes: current.nodes,
          };
          const next = tree.current_version + 1;
          await saveVersion(tx, actor, id, next, body, 'Archived instead of deleted: sessions ran on this tree');
          await repo.updateTreeHead(tx, id, body, next, actor.id);
          await repo.bumpLibraryVersion(tx, actor.teamId);
          return 'archived';
        }
        await repo.deleteTree(tx, id);
        await repo.bumpLibraryVersion(tx, actor.teamId);
        return 'deleted';
      });
    },

    async exportTree(actor: AuthUser, id: string, format: 'json' | 'mermaid', version?: number): Promise<ExportFile> {
      const tree = await getResponse(actor, id, version);
      const base = tree.title.replace(/[^\p{L}\p{N}]+/gu, '-').replace(/^-|-$/g, '').toLowerCase() || 'tree';
      const content = {
        title: tree.title,
        description: tree.description,
        category: tree.category,
        tags: tree.tags,
        root_node_id: tree.root_node_id,
        nodes: tree.nodes,
      };
      if (format === 'mermaid') {
        return { filename: `${base}.mmd`, contentType: 'text/vnd.mermaid; charset=utf-8', body: treeToMermaid(content) };
      }
      return {
        filename: `${base}.json`,
        contentType: 'application/json; charset=utf-8',
        body: JSON.stringify({ id: tree.id, ...content, status: tree.status }, null, 2) + '\n',
      };
    },

    /** Every tree the user can see, as one bundle. */
    async exportBundle(actor: AuthUser, query: Pick<ListTreesQuery, 'status' | 'category' | 'tag'>): Promise<ExportFile> {
      const statuses = visibleStatuses(actor, query.status);
      const rows = statuses.length ? await repo.currentVersions(db, actor.teamId, { statuses, category: query.category, tag: query.tag }) : [];
      const trees = rows.map(({ tree, version: v }) => ({
        id: tree.id,
        title: v.title,
        description: v.description,
        category: v.category,
        tags: v.tags,
        status: tree.status,
        root_node_id: v.root_node_id,
        nodes: v.nodes,
      }));
      const bundle = { format: 'flowpilot.trees', version: 1, exported_at: new Date().toISOString(), trees };
      return { filename: 'flowpilot-trees.json', contentType: 'application/json; charset=utf-8', body: JSON.stringify(bundle, null, 2) + '\n' };
    },

    /**
     * Imports one tree or a bundle (JSON), or a Mermaid flowchart. Each tree
     * is created whole or not at all, and the report says which. Links
     * between trees of one bundle are kept (the linked trees get new ids).
     */
    async import(actor: AuthUser, body: z.output<typeof ImportTreesBody>): Promise<ImportReport> {
      let candidates: unknown[];
      if (body.format === 'mermaid') {
        if (typeof body.content !== 'string') throw badRequest('Mermaid content must be text');
        try {
          candidates = [{ ...mermaidToTree(body.content, { category: body.category ?? 'Imported' }), status: 'draft' }];
        } catch (err) {
          if (err instanceof MermaidParseError) throw invalid([{ loc: ['body', 'content'], msg: err.message, type: 'mermaid' }]);
          throw err;
        }
      } else {
        let content: unknown = body.content;
        if (typeof content === 'string') {
          try {
            content = JSON.parse(content);
          } catch {
            throw invalid([{ loc: ['body', 'content'], msg: 'The content is not valid JSON', type: 'json' }]);
          }
        }
        const bundle = content as { format?: unknown; trees?: unknown };
        candidates = bundle && bundle.format === 'flowpilot.trees' && Array.isArray(bundle.trees) ? bundle.trees : [content];
        if (candidates.length > 500) throw invalid([{ loc: ['body', 'content'], msg: 'A bundle holds at most 500 trees', type: 'too_big' }]);
      }

      const parsed = candidates.map((c) => parseImported(c, { status: body.status }));
      const newIds = parsed.map(() => randomUUID());
      const idMap = new Map<string, string>();
      parsed.forEach((p, i) => p.ok && p.sourceId && idMap.set(p.sourceId, newIds[i]!));
      const bodies = parsed.map((p) =>
        p.ok
          ? {
              ...p.body,
              nodes: p.body.nodes.map((n) => (n.kind === 'link' && idMap.has(n.tree_id) ? { ...n, tree_id: idMap.get(n.tree_id)! } : n)),
            }
          : null,
      );
      // Trees that fail take the links to them down too: repeat until nothing more fails.
      const known = await repo.teamTreeIds(db, actor.teamId);
      const errors: GraphIssue[][] = parsed.map((p) => (p.ok ? [] : p.errors));
      let alive = new Set(bodies.flatMap((b, i) => (b ? [i] : [])));
      for (let changed = true; changed; ) {
        changed = false;
        const knownNow = new Set([...known, ...[...alive].map((i) => newIds[i]!)]);
        for (const i of [...alive]) {
          const report = validateTreeGraph(bodies[i]!, { knownTreeIds: knownNow, treeId: newIds[i]! });
          if (!report.valid) {
            errors[i] = report.errors;
            alive.delete(i);
            changed = true;
          }
        }
      }
      alive = new Set([...alive].sort((a, b) => a - b));
      const results: ImportReport['results'] = [];
      for (let i = 0; i < candidates.length; i++) {
        const title = bodies[i]?.title ?? (parsed[i]!.ok ? null : (parsed[i] as { title: string | null }).title);
        if (!alive.has(i)) {
          results.push({ index: i, title, status: 'failed', tree_id: null, errors: errors[i]! });
          continue;
        }
        try {
          const { tree, report } = await createTree(actor, bodies[i]!, { id: newIds[i]!, knownExtra: [...alive].map((k) => newIds[k]!) });
          results.push(
            tree
              ? { index: i, title, status: 'created', tree_id: tree, errors: [] }
              : { index: i, title, status: 'failed', tree_id: null, errors: report.errors },
          );
        } catch (err) {
          // This tree's transaction rolled back; the report says so and the others go on.
          log.warn({ err: { message: (err as Error).message } }, 'an imported tree could not be saved');
          results.push({ index: i, title, status: 'failed', tree_id: null, errors: [{ code: 'not_saved', message: 'This tree could not be saved', node_ids: [] }] });
        }
      }
      return { created: results.filter((r) => r.status === 'created').length, failed: results.filter((r) => r.status === 'failed').length, results };
    },

  };
}
