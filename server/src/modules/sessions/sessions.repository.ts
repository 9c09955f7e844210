import { and, asc, count, desc, eq, ilike, or, sql, type SQL } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { SessionStatus } from '@flowpilot/contracts';
import { preparedPer, schema, type Db } from '../../db/client.ts';
import { isDatabaseRefusal } from '../../db/errors.ts';
import { perTurn } from '../../lib/batch.ts';
import { EVENTS_CHANNEL } from '../../lib/events.ts';

const { sessions, sessionSteps, sessionDocumentation, users, trees } = schema;

export type SessionRow = typeof sessions.$inferSelect;
export type NewSessionRow = typeof sessions.$inferInsert;
export type StepRow = typeof sessionSteps.$inferSelect;
export type NewStepRow = typeof sessionSteps.$inferInsert;
export type DocumentationRow = typeof sessionDocumentation.$inferSelect;

/** A session with the names the API shows next to its ids. */
export type SessionWithNames = SessionRow & { user_name: string | null; assigned_to_name: string | null; tree_title: string };
export type StepWithName = StepRow & { user_name: string | null };

const owner = alias(users, 'owner');
const assignee = alias(users, 'assignee');

function selectSessions<Extra extends Record<string, SQL>>(db: Db, extra: Extra = {} as Extra) {
  return db
    .select({ s: sessions, user_name: owner.full_name, assigned_to_name: assignee.full_name, tree_title: trees.title, ...extra })
    .from(sessions)
    .innerJoin(trees, eq(trees.id, sessions.tree_id))
    .leftJoin(owner, eq(owner.id, sessions.user_id))
    .leftJoin(assignee, eq(assignee.id, sessions.assigned_to_id));
}

type Joined = { s: SessionRow; user_name: string | null; assigned_to_name: string | null; tree_title: string };
const flatten = (r: Joined): SessionWithNames => ({ ...r.s, user_name: r.user_name, assigned_to_name: r.assigned_to_name, tree_title: r.tree_title });

export async function insert(db: Db, values: NewSessionRow): Promise<SessionRow> {
  const [row] = await db.insert(sessions).values(values).returning();
  if (!row) throw new Error('insert returned no row');
  return row;
}

const findInTeamStatement = preparedPer((db) =>
  selectSessions(db)
    .where(and(eq(sessions.id, sql.placeholder('id')), eq(sessions.team_id, sql.placeholder('team'))))
    .limit(1)
    .prepare('sessions_find_in_team'),
);

export async function findInTeam(db: Db, teamId: string, id: string): Promise<SessionWithNames | undefined> {
  const [row] = await findInTeamStatement(db).execute({ id, team: teamId });
  return row && flatten(row);
}

/** Every step of the session in the same row, as JSON (one statement, one snapshot). */
const stepsJson = sql<(Omit<StepWithName, 'created_at'> & { created_at: string })[]>`(
  select coalesce(json_agg(x order by x.seq), '[]'::json)
  from (select st.*, su.full_name as user_name from ${sessionSteps} st left join ${users} su on su.id = st.user_id where st.session_id = ${sessions.id}) x
)`;

const findWithStepsStatement = preparedPer((db) =>
  selectSessions(db, { steps: stepsJson })
    .where(and(eq(sessions.id, sql.placeholder('id')), eq(sessions.team_id, sql.placeholder('team'))))
    .limit(1)
    .prepare('sessions_find_with_steps'),
);

/** The session of the team with all its steps, oldest first, read together. */
export async function findWithSteps(db: Db, teamId: string, id: string): Promise<{ session: SessionWithNames; steps: StepWithName[] } | undefined> {
  const [row] = await findWithStepsStatement(db).execute({ id, team: teamId });
  if (!row) return undefined;
  return { session: flatten(row), steps: row.steps.map((step) => ({ ...step, created_at: new Date(step.created_at) })) };
}

/** Locks the session (FOR UPDATE): steps on one session take turns, and a stale one sees the move it lost to. */
const lockStatement = preparedPer((db) =>
  db
    .select()
    .from(sessions)
    .where(and(eq(sessions.id, sql.placeholder('id')), eq(sessions.team_id, sql.placeholder('team'))))
    .for('update')
    .prepare('sessions_lock'),
);

export async function lock(db: Db, teamId: string, id: string): Promise<SessionRow | undefined> {
  const [row] = await lockStatement(db).execute({ id, team: teamId });
  return row;
}

export async function update(db: Db, id: string, patch: Partial<NewSessionRow>): Promise<void> {
  await db.update(sessions).set(patch).where(eq(sessions.id, id));
}

const STEP_COLUMNS = ['session_id', 'seq', 'kind', 'tree_id', 'tree_version', 'node_id', 'node_title', 'node_kind', 'answer', 'note', 'to_node_id', 'action', 'outcome', 'user_id', 'duration_ms', 'created_at'] as const;

const insertStepStatement = preparedPer((db) =>
  db
    .insert(sessionSteps)
    .values(Object.fromEntries(STEP_COLUMNS.map((c) => [c, sql.placeholder(c)])) as unknown as NewStepRow)
    .prepare('session_steps_insert'),
);

/** Every step is written by one prepared statement (the hot write of a session). */
export async function insertStep(db: Db, values: NewStepRow): Promise<void> {
  // Its placeholders are typed by the columns, so the time goes in as a Date.
  await insertStepStatement(db).execute({ ...stepValues(values), seq: values.seq, created_at: values.created_at ?? new Date() });
}

const touchStatement = preparedPer((db) =>
  db
    .update(sessions)
    .set({ step_count: sql`${sql.placeholder('step_count')}::int`, updated_at: sql`${sql.placeholder('updated_at')}::timestamptz` })
    .where(eq(sessions.id, sql.placeholder('id')))
    .prepare('sessions_touch'),
);

/** A step that does not move the session: only its step count and time change. */
export async function touch(db: Db, id: string, stepCount: number, at: Date): Promise<void> {
  await touchStatement(db).execute({ id, step_count: stepCount, updated_at: at.toISOString() });
}

/** What the step statements return of each session they count a step on: for its answer and its live hint. */
const CLAIMED_COLUMNS = sql.raw('id, step_count as seq, team_id, user_id, assigned_to_id, past_holder_ids');

/**
 * "This session changed" for every session a step statement counted a step
 * on, announced by the statement itself (`pg_notify`, delivered on its
 * commit, as EventBus delivers): to the team's engineers and admins and the
 * session's people, with its new step count. Unstored, like EventBus.announce.
 */
function announcedFrom(db: Db) {
  const event = (audience: string, userId: string) =>
    `json_build_object('id', 0, 'team_id', c.team_id, 'audience', '${audience}', 'user_id', ${userId}, 'type', 'session.updated', 'data', json_build_object('session_id', c.id, 'step_count', c.seq))`;
  return db.$with('announced', { n: sql<number>`n`.as('n') }).as(
    sql`select pg_notify(${EVENTS_CHANNEL}, (
          select json_agg(e)::text from (
            select ${sql.raw(event('staff', 'null'))} as e
            union all
            select ${sql.raw(event('user', 'p.u'))} from (select distinct u from unnest(array[c.user_id, c.assigned_to_id] || c.past_holder_ids) as x(u) where u is not null) p
          ) events
        )) is null as n from claimed c`,
  );
}

/** A typed placeholder: parameters of a raw statement carry their type, as nothing else gives it. */
const param = (name: string, type: string) => sql`${sql.placeholder(name)}::${sql.raw(type)}`;

/** Where a step moves the session (its time on the node starts again at the step). */
export type MoveTo = Pick<SessionRow, 'current_tree_id' | 'current_tree_version' | 'current_node_id' | 'link_stack' | 'trail'>;

/**
 * The step's one statement, autocommitted (no lock is held across a round
 * trip). A move applies only if no other change came between the caller's
 * read and now (its step count is still the one read). A note applies while
 * the session is still running on the note's node in the hands of the one
 * writing it, whatever else was noted meanwhile: notes arriving together all
 * get in, each with its own seq. No row when it does not apply.
 */
function appendStepStatement(moves: boolean) {
  return preparedPer((db) => {
    const position = moves
      ? sql`current_tree_id = ${param('move_tree_id', 'uuid')}, current_tree_version = ${param('move_tree_version', 'int')},
          current_node_id = ${param('move_node_id', 'text')}, link_stack = ${param('link_stack', 'jsonb')}, trail = ${param('trail', 'jsonb')},
          node_entered_at = ${param('created_at', 'timestamptz')}, node_paused_ms = 0,`
      : sql``;
    const applies = moves
      ? sql`step_count = ${param('expected', 'int')}`
      : sql`status = 'active' and paused_at is null and current_tree_id = ${param('tree_id', 'uuid')}
          and current_tree_version = ${param('tree_version', 'int')} and current_node_id = ${param('node_id', 'text')}
          and coalesce(assigned_to_id, user_id) = ${param('user_id', 'uuid')}`;
    const claimed = db.$with('claimed', { id: sql<string>`id`.as('id'), seq: sql<number>`seq`.as('seq') }).as(
      sql`update ${sessions} set ${position} step_count = step_count + 1, updated_at = ${param('created_at', 'timestamptz')}
          where id = ${param('session_id', 'uuid')} and ${applies}
          returning ${CLAIMED_COLUMNS}`,
    );
    const inserted = db.$with('inserted', { id: sql<string>`id`.as('id'), seq: sql<number>`seq`.as('seq') }).as(
      sql`insert into ${sessionSteps} (${sql.raw(STEP_COLUMNS.join(', '))})
          select claimed.id, claimed.seq, ${param('kind', 'text')}, ${param('tree_id', 'uuid')}, ${param('tree_version', 'int')},
            ${param('node_id', 'text')}, ${param('node_title', 'text')}, ${param('node_kind', 'text')}, ${param('answer', 'text')},
            ${param('note', 'text')}, ${param('to_node_id', 'text')}, ${param('action', 'text')}, ${param('outcome', 'text')},
            ${param('user_id', 'uuid')}, ${param('duration_ms', 'bigint')}, ${param('created_at', 'timestamptz')}
          from claimed returning id, seq`,
    );
    const announced = announcedFrom(db);
    return db
      .with(claimed, inserted, announced)
      .select({ id: inserted.id, seq: inserted.seq, announced: sql<number>`(select count(*) from ${announced})` })
      .from(inserted)
      .prepare(moves ? 'session_steps_append_move' : 'session_steps_append');
  });
}
const appendNoteStatement = appendStepStatement(false);
const appendMoveStatement = appendStepStatement(true);

/** A step as written: its id and its place in the session. */
export interface AppendedStep {
  id: string;
  seq: number;
}

/**
 * Records a step and, with `to`, moves the session there, only if the
 * session's step count is still `expected` (every change to a session
 * records a step); a note (no `to`) only needs the session still running on
 * its node in its writer's hands (see appendStepStatement). The new step, or
 * null when it does not apply.
 */
export async function appendStepIfUnchanged(db: Db, expected: number, step: Omit<NewStepRow, 'seq'>, to?: MoveTo): Promise<AppendedStep | null> {
  const statement = to ? appendMoveStatement(db) : appendNoteStatement(db);
  const [row] = await statement.execute({ expected, ...stepValues(step), ...(to && moveValues(to)) });
  return row ? { id: row.id, seq: Number(row.seq) } : null;
}

/** A step's values as the step statements take them (all but `seq`, which the statement gives). */
function stepValues(step: Omit<NewStepRow, 'seq'>): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const c of STEP_COLUMNS) if (c !== 'seq') values[c] = step[c] ?? null;
  values.duration_ms = step.duration_ms ?? 0;
  values.created_at = (step.created_at ?? new Date()).toISOString();
  return values;
}

/** Where a step moves its session, as the step statements take it. */
function moveValues(to: MoveTo | undefined) {
  return {
    moves: !!to,
    move_tree_id: to?.current_tree_id ?? null,
    move_tree_version: to?.current_tree_version ?? null,
    move_node_id: to?.current_node_id ?? null,
    link_stack: to ? JSON.stringify(to.link_stack) : null,
    trail: to ? JSON.stringify(to.trail) : null,
  };
}

/** A step to record if its session's step count is still `expected` (see appendStepIfUnchanged). */
export interface StepAppend {
  expected: number;
  step: Omit<NewStepRow, 'seq'>;
  to?: MoveTo | undefined;
}

/** The columns of appendStepsStatement's input, with their types. */
const BATCH_COLUMNS = [
  ['session_id', 'uuid'],
  ['expected', 'int'],
  ['kind', 'text'],
  ['tree_id', 'uuid'],
  ['tree_version', 'int'],
  ['node_id', 'text'],
  ['node_title', 'text'],
  ['node_kind', 'text'],
  ['answer', 'text'],
  ['note', 'text'],
  ['to_node_id', 'text'],
  ['action', 'text'],
  ['outcome', 'text'],
  ['user_id', 'uuid'],
  ['duration_ms', 'bigint'],
  ['created_at', 'timestamptz'],
  ['moves', 'boolean'],
  ['move_tree_id', 'uuid'],
  ['move_tree_version', 'int'],
  ['move_node_id', 'text'],
  ['link_stack', 'jsonb'],
  ['trail', 'jsonb'],
] as const;

/** appendStepStatement for many steps of different sessions at once: one round trip and one commit. */
const appendStepsStatement = preparedPer((db) => {
  const arrays = sql.join(
    BATCH_COLUMNS.map(([name, type]) => sql`${sql.placeholder(name)}::${sql.raw(type)}[]`),
    sql`, `,
  );
  const input = db.$with('input', { session_id: sql<string>`session_id`.as('session_id') }).as(
    sql`select * from unnest(${arrays}) as i(${sql.raw(BATCH_COLUMNS.map(([name]) => name).join(', '))})`,
  );
  const moved = (column: string, value: string) => sql.raw(`${column} = case when i.moves then ${value} else s.${column} end`);
  const claimed = db.$with('claimed', { id: sql<string>`id`.as('id'), seq: sql<number>`seq`.as('seq') }).as(
    sql`update ${sessions} s set step_count = s.step_count + 1, updated_at = i.created_at,
          ${moved('current_tree_id', 'i.move_tree_id')}, ${moved('current_tree_version', 'i.move_tree_version')},
          ${moved('current_node_id', 'i.move_node_id')}, ${moved('link_stack', 'i.link_stack')}, ${moved('trail', 'i.trail')},
          ${moved('node_entered_at', 'i.created_at')}, ${moved('node_paused_ms', '0')}
        from input i where s.id = i.session_id and case when i.moves then s.step_count = i.expected
          else s.status = 'active' and s.paused_at is null and s.current_tree_id = i.tree_id and s.current_tree_version = i.tree_version
            and s.current_node_id = i.node_id and coalesce(s.assigned_to_id, s.user_id) = i.user_id end
        returning ${sql.raw('s.id, s.step_count as seq, s.team_id, s.user_id, s.assigned_to_id, s.past_holder_ids')}`,
  );
  const inserted = db.$with('inserted', { id: sql<string>`id`.as('id'), session_id: sql<string>`session_id`.as('session_id'), seq: sql<number>`seq`.as('seq') }).as(
    sql`insert into ${sessionSteps} (${sql.raw(STEP_COLUMNS.join(', '))})
        select c.id, c.seq, ${sql.raw(STEP_COLUMNS.slice(2).map((name) => `i.${name}`).join(', '))}
        from claimed c join input i on i.session_id = c.id returning id, session_id, seq`,
  );
  const announced = announcedFrom(db);
  return db
    .with(input, claimed, inserted, announced)
    .select({ id: inserted.id, session_id: inserted.session_id, seq: inserted.seq, announced: sql<number>`(select count(*) from ${announced})` })
    .from(inserted)
    .prepare('session_steps_append_many');
});

/**
 * appendStepIfUnchanged for steps of different sessions, in one statement.
 * Each step as written, or null for each that does not apply.
 */
export async function appendStepsIfUnchanged(db: Db, appends: StepAppend[]): Promise<(AppendedStep | null)[]> {
  const values: Record<string, unknown[]> = Object.fromEntries(BATCH_COLUMNS.map(([name]) => [name, []]));
  const ids = new Set<string>();
  for (const { expected, step, to } of appends) {
    if (ids.has(step.session_id)) throw new Error('appendStepsIfUnchanged takes one step per session');
    ids.add(step.session_id);
    const row: Record<string, unknown> = { expected, ...stepValues(step), ...moveValues(to) };
    for (const [name] of BATCH_COLUMNS) values[name]!.push(row[name]);
  }
  const rows = await appendStepsStatement(db).execute(values);
  const bySession = new Map(rows.map((r) => [r.session_id, { id: r.id, seq: Number(r.seq) }]));
  return appends.map((a) => bySession.get(a.step.session_id) ?? null);
}

const stepWriters = new WeakMap<Db, (append: StepAppend) => Promise<AppendedStep | null>>();

/**
 * appendStepIfUnchanged, with the steps of all requests that arrive in one
 * turn of the event loop written by one statement (one round trip, one
 * commit). A second step of one session in the same turn is tried after the
 * others; if the database refuses the shared statement (e.g. a deadlock
 * with another process's), it wrote nothing and each step is tried alone.
 */
export function appendStepSoon(db: Db, append: StepAppend): Promise<AppendedStep | null> {
  let writer = stepWriters.get(db);
  if (!writer) {
    const alone = (a: StepAppend) => appendStepIfUnchanged(db, a.expected, a.step, a.to);
    writer = perTurn<StepAppend, AppendedStep | null>(async (appends) => {
      if (appends.length === 1) return [alone(appends[0]!)];
      const sessionsSeen = new Set<string>();
      // In session order, which the usual plan (a loop over the input) locks them in, so two processes' statements
      // rarely wait on each other crosswise; when they do, PostgreSQL fails one and its steps are written alone.
      const first = appends
        .filter((a) => !sessionsSeen.has(a.step.session_id) && sessionsSeen.add(a.step.session_id))
        .sort((a, b) => (a.step.session_id < b.step.session_id ? -1 : 1));
      // Refused by the database: nothing was written, so each is tried alone. Anything else (a lost connection,
      // when the statement may have committed) fails every step of it, as a failed transaction would.
      const together = appendStepsIfUnchanged(db, first).catch((err: unknown) => {
        if (isDatabaseRefusal(err)) return null;
        throw err;
      });
      return appends.map(async (a) => {
        const ids = await together;
        const k = first.indexOf(a);
        return ids && k >= 0 ? ids[k]! : alone(a);
      });
    });
    stepWriters.set(db, writer);
  }
  return writer(append);
}

const listStepsStatement = preparedPer((db) =>
  db
    .select({ step: sessionSteps, user_name: users.full_name })
    .from(sessionSteps)
    .leftJoin(users, eq(users.id, sessionSteps.user_id))
    .where(eq(sessionSteps.session_id, sql.placeholder('session')))
    .orderBy(asc(sessionSteps.seq))
    .prepare('session_steps_list'),
);

export async function listSteps(db: Db, sessionId: string): Promise<StepWithName[]> {
  const rows = await listStepsStatement(db).execute({ session: sessionId });
  return rows.map((r) => ({ ...r.step, user_name: r.user_name }));
}

export interface SessionFilter {
  /** Only sessions started by or assigned to this user. */
  userId?: string | undefined;
  status?: SessionStatus | undefined;
  treeId?: string | undefined;
  q?: string | undefined;
}

export async function list(db: Db, teamId: string, filter: SessionFilter, limit: number, offset: number) {
  const conditions: (SQL | undefined)[] = [eq(sessions.team_id, teamId)];
  // Mine: started, held now, or held before (a session handed on stays in its earlier holders' lists).
  if (filter.userId) conditions.push(or(eq(sessions.user_id, filter.userId), eq(sessions.assigned_to_id, filter.userId), sql`${sessions.past_holder_ids} @> array[${filter.userId}::uuid]`));
  if (filter.status) conditions.push(eq(sessions.status, filter.status));
  if (filter.treeId) conditions.push(eq(sessions.tree_id, filter.treeId));
  if (filter.q) {
    const pattern = `%${filter.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    conditions.push(
      or(
        ilike(sessions.ticket_id, pattern),
        ilike(sessions.client_name, pattern),
        ilike(sessions.device, pattern),
        ilike(sessions.problem_summary, pattern),
      ),
    );
  }
  const where = and(...conditions);
  const [rows, totals] = await Promise.all([
    selectSessions(db).where(where).orderBy(desc(sessions.updated_at), desc(sessions.id)).limit(limit).offset(offset),
    db.select({ n: count() }).from(sessions).where(where),
  ]);
  return { rows: rows.map(flatten), total: totals[0]?.n ?? 0 };
}

export async function insertDocumentation(db: Db, values: typeof sessionDocumentation.$inferInsert): Promise<DocumentationRow> {
  const [row] = await db.insert(sessionDocumentation).values(values).returning();
  if (!row) throw new Error('insert returned no row');
  return row;
}

export async function latestDocumentation(db: Db, sessionId: string): Promise<DocumentationRow | undefined> {
  const [row] = await db
    .select()
    .from(sessionDocumentation)
    .where(eq(sessionDocumentation.session_id, sessionId))
    .orderBy(desc(sessionDocumentation.created_at), desc(sessionDocumentation.id))
    .limit(1);
  return row;
}

export async function findDocumentation(db: Db, id: string): Promise<DocumentationRow | undefined> {
  const [row] = await db.select().from(sessionDocumentation).where(eq(sessionDocumentation.id, id)).limit(1);
  return row;
}

/**
 * Puts an AI summary in place of the template one. False when the
 * documentation is gone or already has an AI summary (a repeated job).
 */
export async function replaceTemplateSummary(db: Db, id: string, values: { summary: string; markdown: string; html: string }): Promise<boolean> {
  const rows = await db
    .update(sessionDocumentation)
    .set({ ...values, generated_by: 'ai', updated_at: sql`now()` })
    .where(and(eq(sessionDocumentation.id, id), eq(sessionDocumentation.generated_by, 'template')))
    .returning({ id: sessionDocumentation.id });
  return rows.length > 0;
}
