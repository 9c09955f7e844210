import type {
  AbandonSessionBody,
  BackBody,
  CompleteSessionBody,
  ListSessionsQuery,
  OffTreeStepBody,
  PsaResult,
  SessionCloseResponse,
  SessionDocumentation,
  SessionList,
  SessionResponse,
  StartSessionBody,
  StepBody,
  TreeNode,
  UpdateSessionBody,
} from '@flowpilot/contracts';
import { LRUCache } from 'lru-cache';
import type { z } from 'zod';
import type { Db } from '../../db/client.ts';
import { isForeignKeyViolation } from '../../db/errors.ts';
import type { TrailEntry } from '../../db/schema/sessions.ts';
import type { AuthUser } from '../../lib/auth-guard.ts';
import { AppError, conflict, forbidden, notFound, unprocessable } from '../../lib/errors.ts';
import type { NewEvent } from '../../lib/events.ts';
import type { TreesService } from '../trees/trees.service.ts';
import type { ExportFile } from '../../lib/http.ts';
import { buildContent, creditsIn, renderHtml, renderMarkdown, templateSummary, type DocumentationKind } from './documentation.ts';
import { sessionAccess } from './session-access.ts';
import { exportSession } from './session-export.ts';
import { choicesAt, move, MoveError, type Position } from './session-engine.ts';
import * as repo from './sessions.repository.ts';

type Parsed<T extends z.ZodType> = z.output<T>;

/** What completing a session does about the PSA ticket: filled in by the PSA module. */
export interface PsaHook {
  /** Inside the completing transaction: records the delivery and enqueues its job. */
  enqueue(tx: Db, session: repo.SessionRow, documentationId: string): Promise<{ deliveryId: string; provider: PsaResult['provider'] } | null>;
  /** After commit: waits a short while for the delivery, and says how it stands. */
  settle(delivery: { deliveryId: string; provider: PsaResult['provider'] } | null): Promise<PsaResult>;
  /** How the session's latest PSA note stands now. */
  latest(teamId: string, sessionId: string): Promise<PsaResult>;
}

/** What completing a session does about an AI summary: filled in when an AI provider is configured. */
export interface SummaryHook {
  /** Inside the completing transaction: enqueues the summary job; false when there is no AI to ask. */
  enqueue(tx: Db, documentationId: string): Promise<boolean>;
  /** After commit: wakes this process's summary workers. */
  wake(): void;
}

const NO_SUMMARY: SummaryHook = { enqueue: async () => false, wake: () => {} };

const NO_PSA: PsaHook = {
  enqueue: async () => null,
  settle: async () => ({ status: 'no_psa', provider: null, delivery_id: null, message: null }),
  latest: async () => ({ status: 'no_psa', provider: null, delivery_id: null, message: null }),
};

/** Live announcements of a change to a session (not stored: a client that was away refetches anyway). */
export interface SessionAnnouncer {
  announce(list: NewEvent[]): void;
}

const { canSee, canAct } = sessionAccess;

/** "This session changed", to everyone who may have it open: its people and the team's engineers and admins. */
export function sessionChanged(
  row: { id: string; team_id: string; user_id: string; assigned_to_id: string | null; past_holder_ids: string[] },
  stepCount?: number,
): NewEvent[] {
  const data = { session_id: row.id, ...(stepCount !== undefined && { step_count: stepCount }) };
  const people = new Set([row.user_id, ...(row.assigned_to_id ? [row.assigned_to_id] : []), ...row.past_holder_ids]);
  return [
    { teamId: row.team_id, audience: 'staff', type: 'session.updated', data },
    ...[...people].map((userId): NewEvent => ({ teamId: row.team_id, audience: 'user', userId, type: 'session.updated', data })),
  ];
}

const iso = (d: Date) => d.toISOString();
const ms = (d: Date) => d.getTime();

/** Time on the current node so far, pauses excluded. */
function nodeElapsedMs(row: repo.SessionRow, at: Date): number {
  const pausedNow = row.paused_at ? ms(at) - ms(row.paused_at) : 0;
  return Math.max(0, ms(at) - ms(row.node_entered_at) - row.node_paused_ms - pausedNow);
}

/** Time worked on the whole session, pauses excluded. */
export function totalSeconds(row: repo.SessionRow, at: Date): number {
  const end = row.completed_at ?? at;
  const pausedNow = row.paused_at ? ms(end) - ms(row.paused_at) : 0;
  return Math.max(0, Math.round((ms(end) - ms(row.created_at) - row.paused_ms - Math.max(0, pausedNow)) / 1000));
}

/** The name of one of the session's people, as far as the row knows it (the owner or the assignee). */
function nameOf(row: repo.SessionWithNames, userId: string | null): string | null {
  if (!userId) return null;
  if (userId === row.assigned_to_id) return row.assigned_to_name;
  if (userId === row.user_id) return row.user_name;
  return null;
}

/** What a session shows in lists and in full. */
function sessionFields(row: repo.SessionWithNames, at: Date) {
  return {
    id: row.id,
    team_id: row.team_id,
    tree_id: row.tree_id,
    tree_version: row.tree_version,
    tree_title: row.tree_title,
    status: row.status,
    paused: row.paused_at !== null,
    user_id: row.user_id,
    user_name: row.user_name,
    assigned_to_id: row.assigned_to_id,
    assigned_to_name: row.assigned_to_name,
    assigned_via: row.assigned_via,
    held_by_id: sessionAccess.holderId(row),
    held_by_name: row.assigned_to_id ? row.assigned_to_name : row.user_name,
    current_tree_id: row.current_tree_id,
    current_tree_version: row.current_tree_version,
    current_node_id: row.current_node_id,
    ticket_id: row.ticket_id,
    client_name: row.client_name,
    device: row.device,
    problem_summary: row.problem_summary,
    escalation_reason: row.escalation_reason,
    escalated_to_id: row.escalated_to_id,
    resolution: row.resolution,
    resolved_by_id: row.resolved_by_id,
    resolved_by_name: nameOf(row, row.resolved_by_id),
    total_seconds: totalSeconds(row, at),
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
    completed_at: row.completed_at ? iso(row.completed_at) : null,
  };
}

/** How often a step reads and tries again when other changes to its session keep coming first. */
const STEP_ATTEMPTS = 25;

/** A step's columns that a kind of step leaves empty. */
const STEP_DEFAULTS = {
  tree_id: null,
  tree_version: null,
  node_id: null,
  node_title: null,
  node_kind: null,
  answer: null,
  note: null,
  to_node_id: null,
  action: null,
  outcome: null,
  duration_ms: 0,
} satisfies Partial<repo.NewStepRow>;

/** A step as the API shows it. */
const apiStep = (s: repo.StepWithName): SessionResponse['steps'][number] => ({
  id: s.id,
  seq: s.seq,
  kind: s.kind as SessionResponse['steps'][number]['kind'],
  tree_id: s.tree_id,
  node_id: s.node_id,
  node_title: s.node_title,
  node_kind: s.node_kind,
  answer: s.answer,
  note: s.note,
  to_node_id: s.to_node_id,
  action: s.action,
  outcome: s.outcome,
  user_id: s.user_id,
  user_name: s.user_name,
  duration_seconds: Math.round(s.duration_ms / 1000),
  created_at: iso(s.created_at),
});

/** Steps as the API shows them, serialised: their JSON objects joined by commas. */
const serializeSteps = (steps: repo.StepWithName[]) => steps.map((s) => JSON.stringify(apiStep(s))).join(',');

const positionOf = (row: repo.SessionRow): Position | null =>
  row.current_node_id
    ? { tree_id: row.current_tree_id, tree_version: row.current_tree_version, node_id: row.current_node_id, link_stack: row.link_stack }
    : null;

export type SessionsService = ReturnType<typeof createSessionsService>;

export function createSessionsService(deps: { db: Db; trees: TreesService; psa?: PsaHook; summaries?: SummaryHook; events?: SessionAnnouncer; now?: () => Date }) {
  const { db, trees } = deps;
  const announcer = deps.events ?? { announce: () => {} };
  /** After a change committed: every open screen of the session refetches it. */
  const announce = (row: Parameters<typeof sessionChanged>[0], stepCount?: number) => announcer.announce(sessionChanged(row, stepCount));
  const psa = deps.psa ?? NO_PSA;
  const summaries = deps.summaries ?? NO_SUMMARY;
  const now = deps.now ?? (() => new Date());

  async function nodeAt(treeId: string, version: number, nodeId: string): Promise<TreeNode | undefined> {
    const graph = await trees.pinnedGraph(treeId, version);
    return graph.nodes.find((n) => n.id === nodeId);
  }

  /**
   * Sessions as this process last stepped them (steps serialised). A step starts from here and
   * its statement applies only if the session's step count is unchanged (every
   * change to a session records a step), so an entry that another request or
   * process has overtaken costs one more try, never a wrong step. Names shown
   * in it (people, tree title) may lag a rename by up to the entry's minute.
   */
  const lastWritten = new LRUCache<string, { row: repo.SessionWithNames; stepsJson: string }>({
    maxSize: 64 * 1024 * 1024,
    sizeCalculation: (entry) => entry.stepsJson.length + 1024,
    ttl: 60_000,
  });

  /** The session and its steps, read together; the steps of a session that is not visible are read and dropped. */
  async function readSession(executor: Db, actor: AuthUser, id: string): Promise<[repo.SessionWithNames | undefined, repo.StepWithName[]]> {
    const found = await repo.findWithSteps(executor, actor.teamId, id);
    return [found?.session, found?.steps ?? []];
  }

  /** The session as the API shows it; graph reads happen here, outside any transaction. */
  async function respond(actor: AuthUser, id: string, executor: Db = db, opts: { trusted?: boolean } = {}): Promise<SessionResponse> {
    const [row, steps] = await readSession(executor, actor, id);
    // `trusted`: the answer to a change this user just made (e.g. handing the session away).
    if (!row || (!opts.trusted && !canSee(actor, row))) throw notFound('Session');
    return present(row, steps);
  }

  /** The session as the API shows it, from its row and steps. */
  async function present(row: repo.SessionWithNames, steps: repo.StepWithName[]): Promise<SessionResponse> {
    const waiting = row.status === 'escalated' || row.status === 'requesting_escalation';
    // A legacy escalation has no escalate step: its technician asked for it.
    const escalatedBy = waiting ? (steps.findLast((s) => s.kind === 'escalate')?.user_id ?? row.user_id) : null;
    return { ...(await presentHead(row)), escalated_by_id: escalatedBy, steps: steps.map(apiStep) };
  }

  /** The same, serialised, with the steps already serialised (`stepsJson`: their JSON objects joined by commas). */
  async function presentJson(row: repo.SessionWithNames, stepsJson: string): Promise<string> {
    return `${JSON.stringify(await presentHead(row)).slice(0, -1)},"steps":[${stepsJson}]}`;
  }

  /** Everything of the API's session but its steps. */
  async function presentHead(row: repo.SessionWithNames): Promise<Omit<SessionResponse, 'steps'>> {
    const node = row.current_node_id ? await nodeAt(row.current_tree_id, row.current_tree_version, row.current_node_id) : undefined;
    const at = now();
    return {
      ...sessionFields(row, at),
      link_stack: row.link_stack,
      choices: node && row.status === 'active' ? choicesAt(node, row.link_stack) : [],
      can_go_back: row.status === 'active' && row.trail.length > 0,
      notes: row.notes,
      // Only while it waits for pickup, which is never the session a step answers with.
      escalated_by_id: null,
    };
  }

  /** The session if this user may change it: not visible is 404, visible but held by someone else is 403. */
  async function actionable(actor: AuthUser, id: string) {
    return sessionAccess.actionable(actor, await repo.findInTeam(db, actor.teamId, id));
  }

  /** Why a session read under lock (no names) may not be changed by this user, naming who may. */
  async function refusalOf(executor: Db, actor: AuthUser, id: string) {
    const named = await repo.findInTeam(executor, actor.teamId, id);
    return named ? sessionAccess.refusal(named) : notFound('Session');
  }

  /** Where an answer leads, as API errors: not an option is 422, a terminal node 409. */
  function planMove(from: Position, node: TreeNode, answer: string) {
    try {
      return move(from, node, answer);
    } catch (err) {
      if (err instanceof MoveError) throw err.reason === 'not_an_option' ? unprocessable(err.message) : conflict(err.message);
      throw err;
    }
  }

  /** Someone moved the session first: said with the step it is at now, never its internal id. */
  async function movedOn(row: repo.SessionRow) {
    const node = row.current_node_id ? await nodeAt(row.current_tree_id, row.current_tree_version, row.current_node_id).catch(() => undefined) : undefined;
    const where = node ? `it is now at "${node.title}"` : row.current_node_id ? 'it is at another step now' : 'it has reached its end';
    return conflict(`The session has moved on (${where}): this screen now shows it as it stands`);
  }

  /** The session and where it stands, if this user may move it now from the node they saw. */
  async function movable(actor: AuthUser, id: string, nodeId: string, doing: string) {
    const row = await actionable(actor, id);
    requireActive(row, doing);
    requireRunning(row);
    const from = positionOf(row);
    if (!from || from.node_id !== nodeId) throw await movedOn(row);
    return { row, from, node: await nodeAt(from.tree_id, from.tree_version, from.node_id) };
  }

  function requireActive(row: repo.SessionRow, doing: string) {
    if (row.status !== 'active') throw conflict(`This session is ${row.status.replace('_', ' ')}: it cannot ${doing}`);
  }
  function requireRunning(row: repo.SessionRow) {
    if (row.paused_at) throw conflict('This session is paused: resume it first');
  }

  /**
   * Runs a change with the session locked (FOR UPDATE), so changes to one
   * session take turns; `expected` is the position the caller prepared
   * against, and a session that has moved since is a 409.
   */
  async function change<T>(actor: AuthUser, id: string, expected: Position | null, fn: (tx: Db, row: repo.SessionRow) => Promise<T>): Promise<T> {
    let changed: repo.SessionRow | undefined;
    const out = await db.transaction(async (tx) => {
      const row = sessionAccess.visible(actor, await repo.lock(tx, actor.teamId, id));
      if (!canAct(actor, row)) throw await refusalOf(tx, actor, id);
      if (expected) {
        const here = positionOf(row);
        if (!here || here.node_id !== expected.node_id || here.tree_id !== expected.tree_id || here.tree_version !== expected.tree_version) {
          throw await movedOn(row);
        }
      }
      const result = await fn(tx, row);
      changed = row;
      return result;
    });
    if (changed) announce(changed, changed.step_count);
    return out;
  }

  async function appendStep(tx: Db, row: repo.SessionRow, actor: AuthUser, at: Date, step: Omit<repo.NewStepRow, 'session_id' | 'seq' | 'user_id' | 'created_at'>) {
    const seq = row.step_count + 1;
    await repo.insertStep(tx, { ...step, session_id: row.id, seq, user_id: actor.id, created_at: at });
    row.step_count = seq;
    return seq;
  }

  /** The tree a link node enters: its current version, if this user may run it. */
  async function linkedTree(actor: AuthUser, treeId: string) {
    const graph = await trees.currentGraph(actor, treeId).catch((err: unknown) => {
      if (err instanceof AppError && err.status === 404) throw conflict('The linked tree is not available to you (deleted, or not published yet)');
      throw err;
    });
    return { treeId: graph.tree.id, version: graph.version.version, rootNodeId: graph.version.root_node_id };
  }

  const nodeFields = (node: TreeNode | undefined, pos: Position) => ({
    tree_id: pos.tree_id,
    tree_version: pos.tree_version,
    node_id: pos.node_id,
    node_title: node?.title ?? null,
    node_kind: node?.kind ?? null,
  });

  /** Moves the session to a new position, keeping where it was so "back" can return. */
  const movedTo = (row: repo.SessionRow, from: Position, to: Position, at: Date) => ({
    current_tree_id: to.tree_id,
    current_tree_version: to.tree_version,
    current_node_id: to.node_id,
    link_stack: to.link_stack,
    trail: [...row.trail, { tree_id: from.tree_id, tree_version: from.tree_version, node_id: from.node_id, link_stack: from.link_stack } satisfies TrailEntry],
    node_entered_at: at,
    node_paused_ms: 0,
  });

  /** Writes the documentation of the session as it stands in `tx`; returns it with the session and steps it was written from. */
  async function writeDocumentationOf(tx: Db, actor: AuthUser, id: string, kind: DocumentationKind, at: Date) {
    const session = await repo.findInTeam(tx, actor.teamId, id);
    if (!session) throw notFound('Session');
    const steps = await repo.listSteps(tx, id);
    const content = buildContent(session, steps, totalSeconds(session, at));
    const summary = templateSummary(content, kind, actor.fullName);
    const documentation = await repo.insertDocumentation(tx, {
      session_id: id,
      team_id: session.team_id,
      kind,
      generated_by: 'template',
      summary,
      content,
      markdown: renderMarkdown(content, summary, kind),
      html: renderHtml(content, summary, kind),
      created_at: at,
      updated_at: at,
    });
    return { documentation, session, steps };
  }

  async function writeDocumentation(tx: Db, actor: AuthUser, id: string, kind: DocumentationKind, at: Date) {
    return (await writeDocumentationOf(tx, actor, id, kind, at)).documentation;
  }

  function toDocumentation(row: repo.DocumentationRow): SessionDocumentation {
    return {
      id: row.id,
      session_id: row.session_id,
      kind: row.kind,
      generated_by: row.generated_by,
      summary: row.summary,
      ...row.content,
      // Written before credits were recorded: none known.
      ...creditsIn(row.content),
      markdown: row.markdown,
      html: row.html,
      created_at: iso(row.created_at),
      updated_at: iso(row.updated_at),
    };
  }

  /** The session's documentation: the latest written one, or a draft of how it stands now. */
  async function documentationFor(actor: AuthUser, id: string): Promise<SessionDocumentation> {
    const session = await repo.findInTeam(db, actor.teamId, id);
    if (!session || !canSee(actor, session)) throw notFound('Session');
    const written = await repo.latestDocumentation(db, id);
    if (written) return toDocumentation(written);
    const steps = await repo.listSteps(db, id);
    const at = now();
    const content = buildContent(session, steps, totalSeconds(session, at));
    const summary = `Draft: ${templateSummary(content, 'completion', session.assigned_to_name ?? session.user_name)}`;
    return {
      id: session.id,
      session_id: id,
      kind: 'completion',
      generated_by: 'template',
      summary,
      ...content,
      markdown: renderMarkdown(content, summary, 'completion'),
      html: renderHtml(content, summary, 'completion'),
      created_at: iso(at),
      updated_at: iso(at),
    };
  }

  return {
    respond,
    documentationFor,
    toDocumentation,
    /** For the handoffs module, which hands sessions over through the same rules and records. */
    internals: { access: sessionAccess, announce, positionOf, nodeAt, nodeFields, nodeElapsedMs, appendStep, writeDocumentationOf, summaries },

    async start(actor: AuthUser, body: Parsed<typeof StartSessionBody>): Promise<SessionResponse> {
      const { tree, version } = await trees.currentGraph(actor, body.tree_id);
      const at = now();
      const row = await repo
        .insert(db, {
        team_id: actor.teamId,
        tree_id: tree.id,
        tree_version: version.version,
        status: 'active',
        user_id: actor.id,
        current_tree_id: tree.id,
        current_tree_version: version.version,
        current_node_id: version.root_node_id,
        ticket_id: body.ticket_id ?? null,
        client_name: body.client_name ?? null,
        device: body.device ?? null,
        problem_summary: body.problem_summary ?? null,
        node_entered_at: at,
        created_at: at,
        updated_at: at,
      })
        .catch((err: unknown) => {
          // The tree was deleted between reading it and starting on it.
          if (isForeignKeyViolation(err)) throw notFound('Tree');
          throw err;
        });
      return respond(actor, row.id);
    },

    get: (actor: AuthUser, id: string) => respond(actor, id),

    /** How the documentation's way onto the PSA ticket stands (its latest note), for anyone who can read the session. */
    async psaResult(actor: AuthUser, id: string): Promise<PsaResult> {
      sessionAccess.visible(actor, await repo.findInTeam(db, actor.teamId, id));
      return psa.latest(actor.teamId, id);
    },

    async list(actor: AuthUser, query: ListSessionsQuery): Promise<SessionList> {
      if (query.scope === 'team' && actor.role === 'technician') throw forbidden("Only engineers and admins see the whole team's sessions");
      const { rows, total } = await repo.list(
        db,
        actor.teamId,
        { userId: query.scope === 'mine' ? actor.id : undefined, status: query.status, treeId: query.tree_id, q: query.q },
        query.limit,
        query.offset,
      );
      const at = now();
      return {
        total,
        items: rows.map((row) => ({ ...sessionFields(row, at), step_count: row.step_count })),
      };
    },

    /** Ticket details and notes; each change is a step, so the history shows who changed what. */
    async update(actor: AuthUser, id: string, body: Parsed<typeof UpdateSessionBody>): Promise<SessionResponse> {
      await change(actor, id, null, async (tx, row) => {
        if (row.status === 'completed' || row.status === 'abandoned') throw conflict(`This session is ${row.status}: its details can no longer change`);
        const at = now();
        const fields = ['ticket_id', 'client_name', 'device', 'problem_summary', 'notes'] as const;
        const patch: Partial<repo.NewSessionRow> = {};
        const changed: string[] = [];
        for (const f of fields) {
          const value = body[f];
          if (value === undefined) continue;
          const next = value === null || value === '' ? null : value;
          if (next !== row[f]) {
            patch[f] = next;
            changed.push(f.replace('_', ' '));
          }
        }
        if (changed.length === 0) return;
        await appendStep(tx, row, actor, at, { kind: 'context', note: `Changed ${changed.join(', ')}` });
        await repo.update(tx, id, { ...patch, step_count: row.step_count, updated_at: at });
      });
      return respond(actor, id);
    },

    /**
     * An answer (moves on), a note (stays), or both, on the current node.
     * A node other than the current one is 409: someone else moved first.
     */
    async step(actor: AuthUser, id: string, body: Parsed<typeof StepBody>): Promise<string> {
      let linked: { treeId: string; version: number; rootNodeId: string } | undefined;

      /** The step to record on the session as read, and where it moves it; refusals are thrown. */
      const decide = async (found: repo.SessionWithNames | undefined) => {
        const row = sessionAccess.actionable(actor, found);
        requireActive(row, 'take steps');
        requireRunning(row);
        const from = positionOf(row);
        if (!from || from.node_id !== body.node_id) throw await movedOn(row);
        const node = await nodeAt(from.tree_id, from.tree_version, from.node_id);
        if (!node) throw conflict('The current node no longer exists in this tree version');
        const at = now();
        const written = { ...STEP_DEFAULTS, ...nodeFields(node, from), session_id: id, user_id: actor.id, created_at: at };
        if (body.answer === undefined) return { row, at, written: { ...written, kind: 'note', note: body.note ?? null }, moved: undefined };
        const planned = planMove(from, node, body.answer);
        let target: Position;
        if (planned.kind === 'enter_link') {
          if (linked?.treeId !== planned.linkedTreeId) linked = await linkedTree(actor, planned.linkedTreeId);
          target = { ...planned.to, tree_version: linked.version, node_id: linked.rootNodeId };
        } else {
          target = planned.to;
        }
        const step = {
          ...written,
          kind: planned.kind,
          answer: choicesAt(node, from.link_stack).find((c) => c.toLowerCase() === body.answer!.toLowerCase()) ?? body.answer,
          note: body.note ?? null,
          to_node_id: target.node_id,
          duration_ms: body.duration_seconds !== undefined ? body.duration_seconds * 1000 : nodeElapsedMs(row, at),
        };
        return { row, at, written: step, moved: movedTo(row, from, target, at) };
      };

      // Read, decide, then one statement that records the step only if nothing changed the session
      // since the read (no lock held across round trips); when something did, read and decide again.
      for (let attempt = 1; ; attempt++) {
        let before: string | undefined;
        let decided: Awaited<ReturnType<typeof decide>> | undefined;
        // The first try starts from the session as this process last wrote it, if it has it: a refusal
        // or a lost write then only means it is out of date, and the session is read.
        const recent = attempt === 1 ? lastWritten.get(id) : undefined;
        if (recent?.row.team_id === actor.teamId) {
          decided = await decide(recent.row).catch(() => undefined);
          before = recent.stepsJson;
        }
        if (!decided) {
          const [row, steps] = await readSession(db, actor, id);
          decided = await decide(row);
          before = serializeSteps(steps);
        }
        const { row, at, written, moved } = decided;
        const appended = await repo.appendStepSoon(db, { expected: row.step_count, step: written, to: moved });
        if (appended && appended.seq === row.step_count + 1) {
          const seq = appended.seq;
          // Nothing else changed the session in between: it is what was read plus this step.
          const added = serializeSteps([{ ...written, id: appended.id, seq, user_name: actor.fullName }]);
          const after = { row: { ...row, ...moved, step_count: seq, updated_at: at }, stepsJson: before ? `${before},${added}` : added };
          // Its statement announced it to everyone who may have the session open.
          lastWritten.set(id, after);
          return presentJson(after.row, after.stepsJson);
        }
        if (appended) {
          // A note that other notes overtook: recorded, and the answer shows them all.
          if (recent && lastWritten.peek(id) === recent) lastWritten.delete(id);
          const [now, steps] = await readSession(db, actor, id);
          return JSON.stringify(await present(sessionAccess.visible(actor, now), steps));
        }
        // The copy it started from (if any) is out of date; one that another request stored since stays.
        if (recent && lastWritten.peek(id) === recent) lastWritten.delete(id);
        // Each lost try means another change was saved, so many at once on one session all get through in turn.
        if (attempt >= STEP_ATTEMPTS) throw conflict('The session kept changing while this step was saved: reload it and try again');
      }
    },

    /** Returns to the previous node; recorded as a step, history kept. */
    async back(actor: AuthUser, id: string, body: Parsed<typeof BackBody>): Promise<SessionResponse> {
      const { from, node } = await movable(actor, id, body.node_id, 'go back');
      await change(actor, id, from, async (tx, locked) => {
        const previous = locked.trail.at(-1);
        if (!previous) throw conflict('This is the first step: there is nothing to go back to');
        const at = now();
        await appendStep(tx, locked, actor, at, { ...nodeFields(node, from), kind: 'back', to_node_id: previous.node_id, duration_ms: nodeElapsedMs(locked, at) });
        await repo.update(tx, id, {
          current_tree_id: previous.tree_id,
          current_tree_version: previous.tree_version,
          current_node_id: previous.node_id,
          link_stack: previous.link_stack,
          trail: locked.trail.slice(0, -1),
          node_entered_at: at,
          node_paused_ms: 0,
          step_count: locked.step_count,
          updated_at: at,
        });
      });
      return respond(actor, id);
    },

    /** Something done that the tree does not cover: recorded where the session stands, without moving. */
    async offTree(actor: AuthUser, id: string, body: Parsed<typeof OffTreeStepBody>): Promise<SessionResponse> {
      const row = await actionable(actor, id);
      requireActive(row, 'take steps');
      requireRunning(row);
      const here = positionOf(row);
      const node = here ? await nodeAt(here.tree_id, here.tree_version, here.node_id) : undefined;
      await change(actor, id, null, async (tx, locked) => {
        requireActive(locked, 'take steps');
        const at = now();
        const pos = positionOf(locked);
        await appendStep(tx, locked, actor, at, {
          ...(pos && nodeFields(pos.node_id === here?.node_id ? node : undefined, pos)),
          kind: 'off_tree',
          action: body.action,
          outcome: body.outcome,
          note: body.note ?? null,
        });
        await repo.touch(tx, id, locked.step_count, at);
      });
      return respond(actor, id);
    },

    async pause(actor: AuthUser, id: string): Promise<SessionResponse> {
      await change(actor, id, null, async (tx, row) => {
        requireActive(row, 'be paused');
        if (row.paused_at) throw conflict('This session is already paused');
        const at = now();
        await appendStep(tx, row, actor, at, { kind: 'pause', node_id: row.current_node_id });
        await repo.update(tx, id, { paused_at: at, step_count: row.step_count, updated_at: at });
      });
      return respond(actor, id);
    },

    async resume(actor: AuthUser, id: string): Promise<SessionResponse> {
      await change(actor, id, null, async (tx, row) => {
        requireActive(row, 'be resumed');
        if (!row.paused_at) throw conflict('This session is not paused');
        const at = now();
        const paused = Math.max(0, ms(at) - ms(row.paused_at));
        await appendStep(tx, row, actor, at, { kind: 'resume', node_id: row.current_node_id, duration_ms: paused });
        await repo.update(tx, id, {
          paused_at: null,
          paused_ms: row.paused_ms + paused,
          node_paused_ms: row.node_paused_ms + paused,
          step_count: row.step_count,
          updated_at: at,
        });
      });
      return respond(actor, id);
    },

    /**
     * Resolved: writes the documentation with a template summary, and in the
     * same transaction hands it to the PSA and queues the AI summary that
     * replaces the template one later; the answer never waits for the AI.
     */
    async complete(actor: AuthUser, id: string, body: Parsed<typeof CompleteSessionBody>): Promise<SessionCloseResponse> {
      const row = await actionable(actor, id);
      requireActive(row, 'be completed');
      const here = positionOf(row);
      const node = here ? await nodeAt(here.tree_id, here.tree_version, here.node_id) : undefined;
      const { documentation, delivery, summarizing } = await change(actor, id, null, async (tx, locked) => {
        requireActive(locked, 'be completed');
        const at = now();
        const pausedNow = locked.paused_at ? Math.max(0, ms(at) - ms(locked.paused_at)) : 0;
        const pos = positionOf(locked);
        await appendStep(tx, locked, actor, at, {
          ...(pos && nodeFields(pos.node_id === here?.node_id ? node : undefined, pos)),
          kind: 'complete',
          note: body.resolution,
          duration_ms: nodeElapsedMs(locked, at),
        });
        await repo.update(tx, id, {
          status: 'completed',
          resolution: body.resolution,
          resolved_by_id: actor.id,
          paused_at: null,
          paused_ms: locked.paused_ms + pausedNow,
          completed_at: at,
          step_count: locked.step_count,
          updated_at: at,
        });
        const doc = await writeDocumentation(tx, actor, id, 'completion', at);
        const completed = { ...locked, status: 'completed' as const, resolution: body.resolution, resolved_by_id: actor.id, completed_at: at };
        return { documentation: doc, delivery: await psa.enqueue(tx, completed, doc.id), summarizing: await summaries.enqueue(tx, doc.id) };
      });
      if (summarizing) summaries.wake();
      const [session, psaResult] = await Promise.all([respond(actor, id), psa.settle(delivery)]);
      return { session, documentation: toDocumentation(documentation), psa_result: psaResult };
    },

    async abandon(actor: AuthUser, id: string, body: Parsed<typeof AbandonSessionBody>): Promise<SessionResponse> {
      await change(actor, id, null, async (tx, row) => {
        requireActive(row, 'be abandoned');
        const at = now();
        const pausedNow = row.paused_at ? Math.max(0, ms(at) - ms(row.paused_at)) : 0;
        await appendStep(tx, row, actor, at, { kind: 'abandon', node_id: row.current_node_id, note: body.reason ?? null });
        await repo.update(tx, id, {
          status: 'abandoned',
          paused_at: null,
          paused_ms: row.paused_ms + pausedNow,
          completed_at: at,
          step_count: row.step_count,
          updated_at: at,
        });
      });
      return respond(actor, id);
    },

    /** The session as a Markdown, JSON, HTML or PDF file. */
    async exportFile(actor: AuthUser, id: string, format: Parameters<typeof exportSession>[2]): Promise<ExportFile> {
      const [session, doc] = await Promise.all([respond(actor, id), documentationFor(actor, id)]);
      return exportSession(session, doc, format);
    },
  };
}
