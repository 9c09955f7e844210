import { sql } from 'drizzle-orm';
import { extractText, getDocumentProxy } from 'unpdf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SessionResponse, type SessionCloseResponse, type TreeNode } from '@flowpilot/contracts';
import { buildApp } from '../../app.ts';
import { createTestApp, DB_KINDS, testConfig, type TestApp } from '../../../test/harness.ts';

const linkedTree = {
  title: 'Restart the print spooler',
  description: 'Clears stuck jobs',
  category: 'Printing',
  tags: ['spooler'],
  status: 'published',
  root_node_id: 'l1',
  nodes: [
    { id: 'l1', kind: 'action', title: 'Run `Restart-Service Spooler -Force`', next: 'l2' },
    { id: 'l2', kind: 'solution', title: 'Spooler restarted' },
  ] as TreeNode[],
};

const mainTree = (linkId: string) => ({
  title: 'Printer offline',
  description: 'Printer shows offline on a workstation',
  category: 'Printing',
  tags: ['printer'],
  status: 'published',
  root_node_id: 'q1',
  nodes: [
    { id: 'q1', kind: 'question', title: 'Is the printer powered on?', options: [{ label: 'Yes', next: 'a1' }, { label: 'No', next: 's_power' }] },
    { id: 'a1', kind: 'action', title: 'Clear the print queue', next: 'lnk' },
    { id: 'lnk', kind: 'link', title: 'Restart the spooler', tree_id: linkId, next: 'q2' },
    { id: 'q2', kind: 'question', title: 'Does a test page print?', options: [{ label: 'Yes', next: 's_ok' }, { label: 'No', next: 'esc' }] },
    { id: 's_power', kind: 'solution', title: 'Power the printer on' },
    { id: 's_ok', kind: 'solution', title: 'Printing works again' },
    { id: 'esc', kind: 'escalate', title: 'Escalate to the printer vendor' },
  ] as TreeNode[],
});

describe.each(DB_KINDS)('sessions on %s', (kind) => {
  let t: TestApp;
  let admin: string;
  let engineer: string;
  let tech: string;
  let otherTech: string;
  let treeId: string;
  let linkId: string;
  let clock = Date.parse('2026-03-02T09:00:00Z');
  const tick = (seconds: number) => {
    clock += seconds * 1000;
  };

  beforeAll(async () => {
    t = await createTestApp(kind, { now: () => new Date(clock) });
    [admin, engineer, tech] = await Promise.all([t.tokenFor('admin'), t.tokenFor('engineer'), t.tokenFor('technician')]);
    const created = await t.request({
      method: 'POST',
      url: '/api/v1/users',
      token: admin,
      body: { email: 'second.tech@flowpilot.test', password: 'second-tech-pw', full_name: 'Second Tech', role: 'technician' },
    });
    expect(created.statusCode).toBe(201);
    otherTech = await t.login('second.tech@flowpilot.test', 'second-tech-pw');
    linkId = (await t.request({ method: 'POST', url: '/api/v1/trees', token: engineer, body: linkedTree })).json().id;
    treeId = (await t.request({ method: 'POST', url: '/api/v1/trees', token: engineer, body: mainTree(linkId) })).json().id;
  });
  afterAll(async () => t?.close());

  const start = async (body: Record<string, unknown> = {}, token = tech) => {
    const res = await t.request({ method: 'POST', url: '/api/v1/sessions', token, body: { tree_id: treeId, ...body } });
    expect(res.statusCode, res.body).toBe(201);
    return res.json<SessionResponse>();
  };
  const step = (id: string, body: Record<string, unknown>, token = tech) => t.request({ method: 'POST', url: `/api/v1/sessions/${id}/steps`, token, body });
  const answer = async (s: SessionResponse, value: string, token = tech) => {
    const res = await step(s.id, { node_id: s.current_node_id, answer: value }, token);
    expect(res.statusCode, res.body).toBe(200);
    return res.json<SessionResponse>();
  };
  const post = (id: string, action: string, body?: unknown, token = tech) => t.request({ method: 'POST', url: `/api/v1/sessions/${id}/${action}`, token, body });

  describe('starting', () => {
    it('starts at the root of the current version with the ticket context, and offers the answers', async () => {
      const s = await start({ ticket_id: '4711', client_name: 'Acme Dental', device: 'RECEPTION-PC', problem_summary: 'Front desk printer offline' });
      expect(s).toMatchObject({
        status: 'active',
        tree_id: treeId,
        tree_version: 1,
        tree_title: 'Printer offline',
        current_node_id: 'q1',
        choices: ['Yes', 'No'],
        can_go_back: false,
        ticket_id: '4711',
        client_name: 'Acme Dental',
        user_name: 'Jamie Chen',
        steps: [],
      });
    });

    it('refuses without sign-in, with bad fields, for unknown and unreadable trees', async () => {
      expect((await t.request({ method: 'POST', url: '/api/v1/sessions', body: { tree_id: treeId } })).statusCode).toBe(401);
      const bad = await t.request({ method: 'POST', url: '/api/v1/sessions', token: tech, body: { tree_id: 'nope', ticket_id: 'x'.repeat(65) } });
      expect(bad.statusCode).toBe(422);
      expect(bad.json().detail.map((d: { loc: string[] }) => d.loc.join('.')).sort()).toEqual(['body.ticket_id', 'body.tree_id']);
      const missing = await t.request({ method: 'POST', url: '/api/v1/sessions', token: tech, body: { tree_id: '00000000-0000-4000-8000-000000000000' } });
      expect(missing.statusCode).toBe(404);
      const draft = await t.request({ method: 'POST', url: '/api/v1/trees', token: engineer, body: { ...linkedTree, title: 'Draft tree', status: 'draft' } });
      expect((await t.request({ method: 'POST', url: '/api/v1/sessions', token: tech, body: { tree_id: draft.json().id } })).statusCode).toBe(404);
      // Authors may try out a draft.
      expect((await t.request({ method: 'POST', url: '/api/v1/sessions', token: engineer, body: { tree_id: draft.json().id } })).statusCode).toBe(201);
    });

    it('stays pinned to the version it started on when the tree changes', async () => {
      const s = await start();
      const tree = (await t.request({ method: 'GET', url: `/api/v1/trees/${treeId}`, token: engineer })).json();
      const renamed = tree.nodes.map((n: TreeNode) => (n.id === 'a1' ? { ...n, title: 'Purge the queue (v2)' } : n));
      const saved = await t.request({ method: 'PUT', url: `/api/v1/trees/${treeId}`, token: engineer, body: { ...mainTree(linkId), nodes: renamed, base_version: tree.version } });
      expect(saved.statusCode, saved.body).toBe(200);
      const moved = await answer(s, 'Yes');
      expect(moved.tree_version).toBe(1);
      const again = await answer(moved, 'Done');
      expect(again.steps[1]).toMatchObject({ node_id: 'a1', node_title: 'Clear the print queue' });
      expect((await start()).tree_version).toBe(2);
    });
  });

  describe('walking the tree', () => {
    it('answers, finishes actions, enters a linked tree and comes back, and records time per step', async () => {
      let s = await start();
      tick(30);
      s = await answer(s, 'yes'); // answers match case-insensitively and are stored as the option reads
      expect(s.current_node_id).toBe('a1');
      expect(s.choices).toEqual(['Done']);
      tick(120);
      s = await answer(s, 'Done');
      expect(s.current_node_id).toBe('lnk');
      s = await answer(s, 'Done');
      expect(s).toMatchObject({ current_tree_id: linkId, current_node_id: 'l1' });
      expect(s.link_stack).toEqual([{ tree_id: treeId, tree_version: 2, link_node_id: 'lnk', return_node_id: 'q2' }]);
      s = await answer(s, 'Done');
      expect(s).toMatchObject({ current_node_id: 'l2', choices: ['Done'] });
      s = await answer(s, 'Done');
      expect(s).toMatchObject({ current_tree_id: treeId, current_node_id: 'q2', link_stack: [] });
      s = await answer(s, 'No');
      expect(s).toMatchObject({ current_node_id: 'esc', choices: [] });
      const terminal = await step(s.id, { node_id: 'esc', answer: 'Done' });
      expect(terminal.statusCode).toBe(409);
      expect(terminal.json().detail).toMatch(/escalat/i);
      expect(s.steps.map((x) => [x.kind, x.node_id, x.answer, x.to_node_id])).toEqual([
        ['answer', 'q1', 'Yes', 'a1'],
        ['answer', 'a1', 'Done', 'lnk'],
        ['enter_link', 'lnk', 'Done', 'l1'],
        ['answer', 'l1', 'Done', 'l2'],
        ['return_link', 'l2', 'Done', 'q2'],
        ['answer', 'q2', 'No', 'esc'],
      ]);
      expect(s.steps.map((x) => x.duration_seconds).slice(0, 2)).toEqual([30, 120]);
      expect(s.total_seconds).toBe(150);
    });

    it('refuses a stale node (409), an answer that is not an option (422), and an empty step (422)', async () => {
      const s = await answer(await start(), 'Yes');
      const stale = await step(s.id, { node_id: 'q1', answer: 'No' });
      expect(stale.statusCode).toBe(409);
      expect(stale.json().detail).toMatch(/moved on/);
      const wrong = await step(s.id, { node_id: 'a1', answer: 'Maybe' });
      expect(wrong.statusCode).toBe(422);
      expect(wrong.json().detail).toMatch(/"Done"/);
      const empty = await step(s.id, { node_id: 'a1' });
      expect(empty.statusCode).toBe(422);
      const after = (await t.request({ method: 'GET', url: `/api/v1/sessions/${s.id}`, token: tech })).json();
      expect(after.current_node_id).toBe('a1');
      expect(after.steps).toHaveLength(1);
    });

    it('records a note without moving, and a note with an answer on the step', async () => {
      const s = await start();
      const noted = await step(s.id, { node_id: 'q1', note: 'Customer says the display is dark' });
      expect(noted.statusCode).toBe(200);
      expect(noted.json()).toMatchObject({ current_node_id: 'q1', steps: [{ kind: 'note', node_id: 'q1', note: 'Customer says the display is dark', to_node_id: null }] });
      const both = (await step(s.id, { node_id: 'q1', answer: 'No', note: 'Plug was out' })).json();
      expect(both.steps[1]).toMatchObject({ kind: 'answer', answer: 'No', note: 'Plug was out', to_node_id: 's_power' });
    });

    it('goes back as a recorded step and never erases history', async () => {
      let s = await start();
      s = await answer(s, 'Yes');
      s = await answer(s, 'Done');
      const back = await post(s.id, 'back', { node_id: 'lnk' });
      expect(back.statusCode).toBe(200);
      s = back.json();
      expect(s).toMatchObject({ current_node_id: 'a1', can_go_back: true });
      s = (await post(s.id, 'back', { node_id: 'a1' })).json();
      expect(s).toMatchObject({ current_node_id: 'q1', can_go_back: false });
      expect((await post(s.id, 'back', { node_id: 'q1' })).statusCode).toBe(409);
      expect((await post(s.id, 'back', { node_id: 'a1' })).statusCode).toBe(409);
      s = await answer(s, 'No');
      expect(s.steps.map((x) => x.kind)).toEqual(['answer', 'answer', 'back', 'back', 'answer']);
      expect(s.steps[2]).toMatchObject({ node_id: 'lnk', to_node_id: 'a1' });
    });

    it('going back out of a linked tree returns to the link node', async () => {
      let s = await start();
      s = await answer(await answer(await answer(s, 'Yes'), 'Done'), 'Done');
      expect(s.current_tree_id).toBe(linkId);
      s = (await post(s.id, 'back', { node_id: 'l1' })).json();
      expect(s).toMatchObject({ current_tree_id: treeId, current_node_id: 'lnk', link_stack: [] });
    });

    it('records off-tree steps where the session stands', async () => {
      const s = await start();
      const res = await post(s.id, 'off-tree', { action: 'Power-cycled the switch port', outcome: 'Link light came back', note: 'Port 12' });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ current_node_id: 'q1', steps: [{ kind: 'off_tree', action: 'Power-cycled the switch port', outcome: 'Link light came back', note: 'Port 12', node_id: 'q1' }] });
      expect((await post(s.id, 'off-tree', { action: '', outcome: 'x' })).statusCode).toBe(422);
    });

    it('lets exactly one of many concurrent answers on the same node apply', async () => {
      const s = await start();
      const results = await Promise.all(Array.from({ length: 8 }, (_, i) => step(s.id, { node_id: 'q1', answer: i % 2 ? 'Yes' : 'No' })));
      expect(results.filter((r) => r.statusCode === 200)).toHaveLength(1);
      expect(results.filter((r) => r.statusCode === 409)).toHaveLength(7);
      const after = (await t.request({ method: 'GET', url: `/api/v1/sessions/${s.id}`, token: tech })).json();
      expect(after.steps).toHaveLength(1);
    });

    it("a step's answer is exactly the session as the contract describes it, the same as reading it", async () => {
      const s = await start({ ticket_id: 'T-1', client_name: 'Acme' });
      const noted = await step(s.id, { node_id: 'q1', note: 'Power LED is amber' });
      const moved = await step(s.id, { node_id: 'q1', answer: 'yes', note: 'It is on' });
      for (const res of [noted, moved]) {
        expect(res.statusCode).toBe(200);
        expect(res.headers['content-type']).toMatch(/^application\/json/);
        // Nothing more and nothing less than the schema's fields, of the schema's types.
        expect(SessionResponse.parse(res.json())).toEqual(res.json());
      }
      const read = (await t.request({ method: 'GET', url: `/api/v1/sessions/${s.id}`, token: tech })).json<SessionResponse>();
      expect({ ...moved.json<SessionResponse>(), total_seconds: 0 }).toEqual({ ...read, total_seconds: 0 });
      expect(read.steps.map((x) => [x.kind, x.answer, x.note])).toEqual([
        ['note', null, 'Power LED is amber'],
        ['answer', 'Yes', 'It is on'],
      ]);
    });

    it('steps on many sessions at once each land on their own session', async () => {
      const sessions = await Promise.all(Array.from({ length: 12 }, () => start()));
      // Answers (moves) and notes, sent together: written together, each only to its own session.
      const first = await Promise.all(sessions.map((s, i) => step(s.id, i % 3 === 0 ? { node_id: 'q1', note: `Note on ${i}` } : { node_id: 'q1', answer: i % 3 === 1 ? 'Yes' : 'No' })));
      expect(first.map((r) => r.statusCode)).toEqual(Array(12).fill(200));
      const second = await Promise.all(sessions.map((s, i) => step(s.id, i % 3 === 1 ? { node_id: 'a1', answer: 'Done' } : { node_id: i % 3 === 0 ? 'q1' : 's_power', note: `Second on ${i}` })));
      expect(second.map((r) => r.statusCode)).toEqual(Array(12).fill(200));
      for (const [i, s] of sessions.entries()) {
        const read = (await t.request({ method: 'GET', url: `/api/v1/sessions/${s.id}`, token: tech })).json<SessionResponse>();
        expect(read).toEqual({ ...second[i]!.json<SessionResponse>(), total_seconds: read.total_seconds });
        const expected = [
          { current: 'q1', steps: [['note', 'q1', null, `Note on ${i}`], ['note', 'q1', null, `Second on ${i}`]] },
          { current: 'lnk', steps: [['answer', 'q1', 'Yes', null], ['answer', 'a1', 'Done', null]] },
          { current: 's_power', steps: [['answer', 'q1', 'No', null], ['note', 's_power', null, `Second on ${i}`]] },
        ][i % 3]!;
        expect(read.current_node_id).toBe(expected.current);
        expect(read.steps.map((x) => [x.kind, x.node_id, x.answer, x.note])).toEqual(expected.steps);
        expect(read.steps.map((x) => x.seq)).toEqual([1, 2]);
      }
    });

    it('a step the database refuses fails alone: the steps sent with it are written', async () => {
      const sessions = await Promise.all(Array.from({ length: 6 }, () => start()));
      await t.database.db.execute(
        sql.raw(`create function refuse_note() returns trigger language plpgsql as $$ begin if new.note = 'refused' then raise exception 'no'; end if; return new; end $$`),
      );
      await t.database.db.execute(sql.raw(`create trigger refuse_note before insert on session_steps for each row execute function refuse_note()`));
      try {
        const sent = await Promise.all(sessions.map((s, i) => step(s.id, { node_id: 'q1', note: i === 2 ? 'refused' : `Kept ${i}` })));
        expect(sent.map((r) => r.statusCode)).toEqual([200, 200, 500, 200, 200, 200]);
        for (const [i, s] of sessions.entries()) {
          const read = (await t.request({ method: 'GET', url: `/api/v1/sessions/${s.id}`, token: tech })).json<SessionResponse>();
          expect(read.steps.map((x) => x.note)).toEqual(i === 2 ? [] : [`Kept ${i}`]);
        }
      } finally {
        await t.database.db.execute(sql.raw(`drop trigger refuse_note on session_steps`));
        await t.database.db.execute(sql.raw(`drop function refuse_note()`));
      }
      // Nothing was left half-written: the refused session takes steps again.
      expect((await step(sessions[2]!.id, { node_id: 'q1', note: 'Now accepted' })).statusCode).toBe(200);
    });

    it('keeps every one of many concurrent notes and off-tree steps, numbered in order', async () => {
      const s = await start();
      const results = await Promise.all(
        Array.from({ length: 16 }, (_, i) =>
          i % 4 === 3 ? post(s.id, 'off-tree', { action: `Action ${i}`, outcome: 'done' }) : step(s.id, { node_id: 'q1', note: `Note ${i}` }),
        ),
      );
      expect(results.map((r) => r.statusCode)).toEqual(Array(16).fill(200));
      const after = (await t.request({ method: 'GET', url: `/api/v1/sessions/${s.id}`, token: tech })).json<SessionResponse>();
      expect(after.steps.map((x) => x.seq)).toEqual(Array.from({ length: 16 }, (_, i) => i + 1));
      expect(after.steps.map((x) => x.note ?? x.action).sort()).toEqual(
        Array.from({ length: 16 }, (_, i) => (i % 4 === 3 ? `Action ${i}` : `Note ${i}`)).sort(),
      );
      expect(after.current_node_id).toBe('q1');
    });
  });

  describe('several servers', () => {
    it('a step on one server applies to the session as another server left it', async () => {
      // Its own caches, the same database: as a second process would be.
      const other = await buildApp({ config: testConfig(), database: t.database, logger: false, now: () => new Date(clock), jobs: { pollingIntervalSeconds: 0.5, backstopSeconds: 0.5 } });
      await other.ready();
      try {
        const onOther = (id: string, action: string, body?: object) =>
          other.inject({ method: 'POST', url: `/api/v1/sessions/${id}/${action}`, headers: { authorization: `Bearer ${tech}` }, ...(body && { payload: body }) });
        const s = await start();
        expect((await step(s.id, { node_id: 'q1', note: 'Checked the power LED' })).statusCode).toBe(200);

        // Moved on over there: here, the old node is stale and the new one takes the step.
        expect((await onOther(s.id, 'steps', { node_id: 'q1', answer: 'Yes' })).statusCode).toBe(200);
        expect((await step(s.id, { node_id: 'q1', note: 'late' })).statusCode).toBe(409);
        const here = await step(s.id, { node_id: 'a1', note: 'Queue had 40 jobs' });
        expect(here.statusCode, here.body).toBe(200);
        expect(here.json<SessionResponse>()).toMatchObject({ current_node_id: 'a1', can_go_back: true });
        expect(here.json<SessionResponse>().steps.map((x) => [x.seq, x.kind, x.node_id])).toEqual([
          [1, 'note', 'q1'],
          [2, 'answer', 'q1'],
          [3, 'note', 'a1'],
        ]);

        // Paused over there: refused here; resumed there: taken here.
        expect((await onOther(s.id, 'pause')).statusCode).toBe(200);
        const paused = await step(s.id, { node_id: 'a1', note: 'while paused' });
        expect(paused.statusCode).toBe(409);
        expect(paused.json().detail).toMatch(/paused/);
        expect((await onOther(s.id, 'resume')).statusCode).toBe(200);
        expect((await step(s.id, { node_id: 'a1', note: 'Resumed' })).statusCode).toBe(200);

        // Went back over there: the step here is on the node it went back to.
        expect((await onOther(s.id, 'back', { node_id: 'a1' })).statusCode).toBe(200);
        const back = await step(s.id, { node_id: 'q1', answer: 'No' });
        expect(back.statusCode, back.body).toBe(200);
        expect(back.json<SessionResponse>()).toMatchObject({ current_node_id: 's_power' });
        expect(back.json<SessionResponse>().steps.map((x) => x.kind)).toEqual(['note', 'answer', 'note', 'pause', 'resume', 'note', 'back', 'answer']);
        expect(back.json<SessionResponse>().steps.map((x) => x.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      } finally {
        await other.close();
      }
    });
  });

  describe('pause, context, completion and abandoning', () => {
    it('pauses the clock: steps wait for resume, and paused time does not count', async () => {
      let s = await start();
      tick(60);
      s = (await post(s.id, 'pause')).json();
      expect(s.paused).toBe(true);
      expect((await post(s.id, 'pause')).statusCode).toBe(409);
      const blocked = await step(s.id, { node_id: 'q1', answer: 'Yes' });
      expect(blocked.statusCode).toBe(409);
      expect(blocked.json().detail).toMatch(/paused/);
      tick(3600);
      s = (await post(s.id, 'resume')).json();
      expect(s.paused).toBe(false);
      expect((await post(s.id, 'resume')).statusCode).toBe(409);
      tick(15);
      s = await answer(s, 'Yes');
      expect(s.steps.map((x) => x.kind)).toEqual(['pause', 'resume', 'answer']);
      expect(s.steps[2]!.duration_seconds).toBe(75);
      expect(s.total_seconds).toBe(75);
    });

    it('updates the ticket details, recording what changed', async () => {
      const s = await start({ client_name: 'Acme' });
      const res = await t.request({ method: 'PUT', url: `/api/v1/sessions/${s.id}`, token: tech, body: { ticket_id: '998', client_name: 'Acme Ltd', notes: 'VIP' } });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ ticket_id: '998', client_name: 'Acme Ltd', notes: 'VIP', steps: [{ kind: 'context', note: 'Changed ticket id, client name, notes' }] });
      const bad = await t.request({ method: 'PUT', url: `/api/v1/sessions/${s.id}`, token: tech, body: { device: 'x'.repeat(201) } });
      expect(bad.statusCode).toBe(422);
    });

    it('completes with documentation of every step, answer, note and time; then refuses further changes', async () => {
      let s = await start({ ticket_id: '5150', client_name: 'Birch & Co', device: 'BIRCH-PC7', problem_summary: 'Cannot print invoices' });
      tick(40);
      s = (await step(s.id, { node_id: 'q1', answer: 'Yes', note: 'Ready light on' })).json();
      tick(200);
      s = await answer(s, 'Done');
      tick(5);
      const res = await post(s.id, 'complete', { resolution: 'Cleared 14 stuck jobs; <b>printing</b> restored' });
      expect(res.statusCode, res.body).toBe(200);
      const closed = res.json<SessionCloseResponse>();
      expect(closed.session).toMatchObject({ status: 'completed', resolution: 'Cleared 14 stuck jobs; <b>printing</b> restored', choices: [], can_go_back: false });
      expect(closed.session.completed_at).toBe(new Date(clock).toISOString());
      expect(closed.psa_result).toEqual({ status: 'no_psa', provider: null, delivery_id: null, message: null });
      const doc = closed.documentation;
      expect(doc).toMatchObject({
        kind: 'completion',
        generated_by: 'template',
        problem: 'Cannot print invoices',
        environment: { ticket_id: '5150', client_name: 'Birch & Co', device: 'BIRCH-PC7' },
        tree: { id: treeId, title: 'Printer offline' },
        resolution: 'Cleared 14 stuck jobs; <b>printing</b> restored',
        total_seconds: 245,
      });
      expect(doc.summary).toBe(
        'Jamie Chen resolved "Cannot print invoices" for Birch & Co (ticket 5150) with the "Printer offline" tree in 4 min over 2 steps.',
      );
      expect(doc.resolved_by).toBe('Jamie Chen');
      // The resolution is said once, in its own section: not in the summary, not again as a step's note.
      expect(doc.markdown.split('Cleared 14 stuck jobs').length - 1).toBe(1);
      expect(doc.html.split('Cleared 14 stuck jobs').length - 1).toBe(1);
      expect(doc.steps.map((x) => [x.title, x.answer, x.note, x.duration_seconds])).toEqual([
        ['Is the printer powered on?', 'Yes', 'Ready light on', 40],
        ['Done: Purge the queue (v2)', 'Done', null, 200],
        ['Completed', null, 'Cleared 14 stuck jobs; <b>printing</b> restored', 5],
      ]);
      expect(doc.markdown).toContain('1. Is the printer powered on? — **Yes** (40 s)');
      expect(doc.markdown).toContain('   > Ready light on');
      expect(doc.markdown).toContain('- **Client:** Birch & Co');
      expect(doc.html).toContain('Cleared 14 stuck jobs; &lt;b&gt;printing&lt;/b&gt; restored');
      expect(doc.html).not.toContain('<b>printing</b>');

      expect((await step(s.id, { node_id: 'lnk', answer: 'Done' })).statusCode).toBe(409);
      expect((await post(s.id, 'complete', { resolution: 'again' })).statusCode).toBe(409);
      expect((await post(s.id, 'abandon', {})).statusCode).toBe(409);
      expect((await t.request({ method: 'PUT', url: `/api/v1/sessions/${s.id}`, token: tech, body: { notes: 'late' } })).statusCode).toBe(409);
      const saved = (await t.request({ method: 'GET', url: `/api/v1/sessions/${s.id}/documentation`, token: tech })).json();
      expect(saved.id).toBe(doc.id);
      expect((await post(s.id, 'complete', { resolution: '' })).statusCode).toBe(422);
    });

    it('abandons with a reason, without documentation being written', async () => {
      const s = await start();
      const res = await post(s.id, 'abandon', { reason: 'Customer cancelled' });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ status: 'abandoned', steps: [{ kind: 'abandon', note: 'Customer cancelled' }] });
      const bare = await start();
      const bareRes = await t.request({ method: 'POST', url: `/api/v1/sessions/${bare.id}/abandon`, token: tech });
      expect(bareRes.statusCode, bareRes.body).toBe(200);
    });
  });

  describe('who sees and acts', () => {
    it('only the owner acts; engineers read every team session; other technicians and teams get 404', async () => {
      const s = await start();
      const asEngineer = await t.request({ method: 'GET', url: `/api/v1/sessions/${s.id}`, token: engineer });
      expect(asEngineer.statusCode).toBe(200);
      const engineerStep = await step(s.id, { node_id: 'q1', answer: 'Yes' }, engineer);
      expect(engineerStep.statusCode).toBe(403);
      expect((await t.request({ method: 'GET', url: `/api/v1/sessions/${s.id}`, token: otherTech })).statusCode).toBe(404);
      expect((await step(s.id, { node_id: 'q1', answer: 'Yes' }, otherTech)).statusCode).toBe(404);

      const outsider = await t.request({ method: 'POST', url: '/api/v1/auth/register', body: { email: 'boss@rival.test', password: 'rival-password', full_name: 'Rival Boss', team_name: 'Rival MSP' } });
      expect(outsider.statusCode).toBe(201);
      const rival = await t.login('boss@rival.test', 'rival-password');
      expect((await t.request({ method: 'GET', url: `/api/v1/sessions/${s.id}`, token: rival })).statusCode).toBe(404);
      expect((await post(s.id, 'complete', { resolution: 'x' }, rival)).statusCode).toBe(404);
      expect((await t.request({ method: 'POST', url: '/api/v1/sessions', token: rival, body: { tree_id: treeId } })).statusCode).toBe(404);
      expect((await t.request({ method: 'GET', url: '/api/v1/sessions?scope=team', token: rival })).json().total).toBe(0);
    });

    it('lists my sessions by default, the team’s for engineers, with filters', async () => {
      const mine = await start({ client_name: 'Zebra Logistics' });
      await start({ client_name: 'Other client' }, otherTech);
      const list = (await t.request({ method: 'GET', url: '/api/v1/sessions?limit=200', token: tech })).json();
      expect(list.items.every((i: { user_id: string }) => i.user_id === mine.user_id)).toBe(true);
      expect(list.items.some((i: { id: string }) => i.id === mine.id)).toBe(true);
      const found = (await t.request({ method: 'GET', url: '/api/v1/sessions?q=zebra', token: tech })).json();
      expect(found.items.map((i: { id: string }) => i.id)).toEqual([mine.id]);
      expect((await t.request({ method: 'GET', url: '/api/v1/sessions?scope=team', token: tech })).statusCode).toBe(403);
      const team = (await t.request({ method: 'GET', url: '/api/v1/sessions?scope=team&limit=200', token: engineer })).json();
      expect(team.items.some((i: { client_name: string }) => i.client_name === 'Other client')).toBe(true);
      const completed = (await t.request({ method: 'GET', url: '/api/v1/sessions?status=completed&scope=team&limit=200', token: engineer })).json();
      expect(completed.items.every((i: { status: string }) => i.status === 'completed')).toBe(true);
      expect((await t.request({ method: 'GET', url: '/api/v1/sessions?status=bogus', token: tech })).statusCode).toBe(422);
    });
  });

  describe('export', () => {
    let closed: SessionCloseResponse;
    beforeAll(async () => {
      let s = await start({ ticket_id: '7001', client_name: 'Müller GmbH', problem_summary: 'Drucker offline → Rechnungen hängen' });
      tick(20);
      s = (await step(s.id, { node_id: 'q1', answer: 'Yes', note: 'Status LED grün' })).json();
      await post(s.id, 'off-tree', { action: 'Checked the IP reservation', outcome: 'Reservation was missing' });
      closed = (await post(s.id, 'complete', { resolution: 'Re-created the DHCP reservation' })).json();
    });
    const exportAs = (format: string) => t.request({ method: 'POST', url: `/api/v1/sessions/${closed.session.id}/export`, token: tech, body: { format } });

    it('exports Markdown with the documentation and the full history', async () => {
      const res = await exportAs('markdown');
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('text/markdown; charset=utf-8');
      expect(res.headers['content-disposition']).toContain("filename*=UTF-8''session-7001-M%C3%BCller-GmbH.md");
      expect(res.body).toContain('## Full history');
      expect(res.body).toContain('Re-created the DHCP reservation');
      expect(res.body).toMatch(/\| 2 \| .* \| Off the tree: Checked the IP reservation \| Reservation was missing \|/);
    });

    it('exports JSON that parses back to the session and documentation', async () => {
      const res = await exportAs('json');
      const parsed = JSON.parse(res.body);
      expect(parsed.session.id).toBe(closed.session.id);
      expect(parsed.session.steps).toHaveLength(3);
      expect(parsed.documentation.resolution).toBe('Re-created the DHCP reservation');
    });

    it('exports a standalone HTML page with user text escaped', async () => {
      const res = await exportAs('html');
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.body).toMatch(/^<!doctype html>/);
      expect(res.body).toContain('Drucker offline → Rechnungen hängen');
      expect(res.body).toContain('<h2>Full history</h2>');
    });

    it('exports a PDF whose text holds the write-up, non-ASCII names included', async () => {
      const res = await exportAs('pdf');
      expect(res.headers['content-type']).toBe('application/pdf');
      expect(res.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
      const pdf = await getDocumentProxy(new Uint8Array(res.rawPayload));
      const { text } = await extractText(pdf, { mergePages: true });
      expect(text).toContain('Session documentation: Printer offline');
      expect(text).toContain('Müller GmbH');
      expect(text).toContain('Drucker offline → Rechnungen hängen');
      expect(text).toContain('Re-created the DHCP reservation');
      expect(text).toContain('Status LED grün');
    });

    it('refuses an unknown format, and another technician', async () => {
      expect((await exportAs('docx')).statusCode).toBe(422);
      const other = await t.request({ method: 'POST', url: `/api/v1/sessions/${closed.session.id}/export`, token: otherTech, body: { format: 'json' } });
      expect(other.statusCode).toBe(404);
    });
  });

  it('deleting a tree that sessions ran on archives it, and its sessions stay readable', async () => {
    const tree = (await t.request({ method: 'POST', url: '/api/v1/trees', token: engineer, body: { ...linkedTree, title: 'Soon deleted' } })).json();
    const s = (await t.request({ method: 'POST', url: '/api/v1/sessions', token: tech, body: { tree_id: tree.id } })).json();
    expect((await t.request({ method: 'DELETE', url: `/api/v1/trees/${tree.id}`, token: admin })).statusCode).toBe(204);
    const after = (await t.request({ method: 'GET', url: `/api/v1/trees/${tree.id}`, token: engineer })).json();
    expect(after).toMatchObject({ status: 'archived', version: 2 });
    expect((await t.request({ method: 'GET', url: `/api/v1/sessions/${s.id}`, token: tech })).json().tree_title).toBe('Soon deleted');
    expect((await t.request({ method: 'POST', url: '/api/v1/sessions', token: engineer, body: { tree_id: tree.id } })).statusCode).toBe(409);
    const unused = (await t.request({ method: 'POST', url: '/api/v1/trees', token: engineer, body: { ...linkedTree, title: 'Never used' } })).json();
    expect((await t.request({ method: 'DELETE', url: `/api/v1/trees/${unused.id}`, token: admin })).statusCode).toBe(204);
    expect((await t.request({ method: 'GET', url: `/api/v1/trees/${unused.id}`, token: engineer })).statusCode).toBe(404);
  });
});
