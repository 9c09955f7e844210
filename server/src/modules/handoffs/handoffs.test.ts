import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EscalationList, HandoffResponse, NotificationList, PickupResponse, SessionResponse, TeamSettings } from '@flowpilot/contracts';
import { PRINTER_OFFLINE_TREE_ID } from '../../db/demo-trees/ids.ts';
import { queryRows } from '../../db/client.ts';
import { createTestApp, DB_KINDS, type TestApp } from '../../../test/harness.ts';

describe.each(DB_KINDS)('escalation, handoff and pickup on %s', (kind) => {
  let t: TestApp;
  let admin: string;
  let engineer: string;
  let tech: string;
  let ids: { admin: string; engineer: string; tech: string; secondEngineer: string; inactiveEngineer: string; otherTech: string };
  let secondEngineer: string;
  let otherTeamAdmin: string;
  let otherTeamUserId: string;

  const me = async (token: string) => (await t.request({ method: 'GET', url: '/api/v1/auth/me', token })).json<{ id: string }>().id;

  async function createUser(email: string, role: string, password = 'a-long-enough-password') {
    const res = await t.request({ method: 'POST', url: '/api/v1/users', token: admin, body: { email, password, full_name: email.split('@')[0], role } });
    expect(res.statusCode).toBe(201);
    return { id: res.json<{ id: string }>().id, token: await t.login(email, password) };
  }

  /** A session on the printer tree, answered twice so the package has steps. */
  async function startSession(token = tech, context: Record<string, string> = {}) {
    const res = await t.request({
      method: 'POST',
      url: '/api/v1/sessions',
      token,
      body: { tree_id: PRINTER_OFFLINE_TREE_ID, ticket_id: '4711', client_name: 'ACME Ltd', device: 'PC-042', problem_summary: 'Printer shows offline', ...context },
    });
    expect(res.statusCode).toBe(201);
    const session = res.json<SessionResponse>();
    const answered = await t.request({ method: 'POST', url: `/api/v1/sessions/${session.id}/steps`, token, body: { node_id: session.current_node_id, answer: session.choices[0], note: 'Customer confirmed' } });
    expect(answered.statusCode).toBe(200);
    return answered.json<SessionResponse>();
  }

  const escalate = (id: string, body: Record<string, unknown>, token = tech, legacy = false) =>
    t.request({ method: 'POST', url: `/api/v1/sessions/${id}/${legacy ? 'escalate' : 'handoff'}`, token, body: legacy ? body : { intent: 'escalate', ...body } });

  const count = async (table: string, where: string) => {
    const rows = await queryRows<{ n: number }>(t.database.db, sql.raw(`select count(*)::int as n from ${table} where ${where}`));
    return rows[0]!.n;
  };

  beforeAll(async () => {
    t = await createTestApp(kind);
    [admin, engineer, tech] = await Promise.all([t.tokenFor('admin'), t.tokenFor('engineer'), t.tokenFor('technician')]);
    const second = await createUser('second.engineer@flowpilot.test', 'engineer');
    secondEngineer = second.token;
    const inactive = await createUser('gone.engineer@flowpilot.test', 'engineer');
    expect((await t.request({ method: 'PATCH', url: `/api/v1/users/${inactive.id}`, token: admin, body: { is_active: false } })).statusCode).toBe(200);
    const otherTech = await createUser('other.tech@flowpilot.test', 'technician');
    ids = { admin: await me(admin), engineer: await me(engineer), tech: await me(tech), secondEngineer: second.id, inactiveEngineer: inactive.id, otherTech: otherTech.id };
    const other = await t.request({ method: 'POST', url: '/api/v1/auth/register', body: { email: 'boss@other.test', password: 'another-team-password', full_name: 'Other Boss', team_name: 'Other MSP' } });
    expect(other.statusCode).toBe(201);
    otherTeamUserId = other.json<{ id: string }>().id;
    otherTeamAdmin = await t.login('boss@other.test', 'another-team-password');
  }, 60_000);

  afterAll(async () => t?.close());

  it('escalates to the queue in one step: status, handoff, documentation, package, a notification per engineer and admin', async () => {
    const session = await startSession();
    const res = await escalate(session.id, { reason: 'Driver reinstall did not help; spooler keeps crashing' });
    expect(res.statusCode).toBe(200);
    const body = res.json<HandoffResponse>();
    expect(body.session.status).toBe('escalated');
    expect(body.session.escalation_reason).toBe('Driver reinstall did not help; spooler keeps crashing');
    expect(body.session.escalated_to_id).toBeNull();
    expect(body.session.steps.at(-1)).toMatchObject({ kind: 'escalate', note: 'Driver reinstall did not help; spooler keeps crashing' });
    expect(body.documentation.kind).toBe('escalation');
    expect(body.psa_result.status).toBe('no_psa');
    expect(body.handoff).toMatchObject({ intent: 'escalate', status: 'pending', from_user_id: ids.tech, to_user_id: null, node_id: session.current_node_id });
    const pkg = body.handoff.package;
    expect(pkg.generated_by).toBe('template');
    expect(pkg.environment).toEqual({ ticket_id: '4711', client_name: 'ACME Ltd', device: 'PC-042' });
    expect(pkg.problem).toBe('Printer shows offline');
    expect(pkg.reason).toBe('Driver reinstall did not help; spooler keeps crashing');
    expect(pkg.stopped_at?.node_id).toBe(session.current_node_id);
    expect(pkg.steps_tried.length).toBeGreaterThanOrEqual(1);
    expect(pkg.steps_tried[0]).toMatchObject({ answer: session.steps[0]!.answer, note: 'Customer confirmed' });
    expect(pkg.next_steps[0]).toContain(pkg.stopped_at!.title);
    expect(pkg.headline).toContain('ACME Ltd');

    // Every active engineer and admin is told, with the pickup link; the deactivated one and the technician are not.
    const recipients = await queryRows<{ user_id: string; link: string; type: string }>(
      t.database.db,
      sql`select user_id, link, type from notifications where session_id = ${session.id}`,
    );
    expect(recipients.map((r) => r.user_id).sort()).toEqual([ids.admin, ids.engineer, ids.secondEngineer].sort());
    expect(new Set(recipients.map((r) => r.link))).toEqual(new Set([`/pilot/${session.id}?pickup=true`]));
    expect(new Set(recipients.map((r) => r.type))).toEqual(new Set(['escalation']));

    // The engineer's bell.
    const unread = await t.request({ method: 'GET', url: '/api/v1/notifications/unread-count', token: engineer });
    expect(unread.json<{ count: number }>().count).toBeGreaterThanOrEqual(1);
    const list = (await t.request({ method: 'GET', url: '/api/v1/notifications', token: engineer })).json<NotificationList>();
    expect(list.items[0]).toMatchObject({ type: 'escalation', link: `/pilot/${session.id}?pickup=true`, session_id: session.id, read_at: null });
    expect(list.items[0]!.title).toContain('ACME Ltd');

    // Emails are deliveries (one per recipient), enqueued with their jobs.
    expect(await count('deliveries', `session_id = '${session.id}' and channel = 'email'`)).toBe(3);
    // The escalation chain is scheduled: default 5, 10 and 20 minutes.
    const reminders = await queryRows<{ minutes: number }>(
      t.database.db,
      sql`select round(extract(epoch from (start_after - created_on)) / 60)::int as minutes from pgboss.job where name = 'handoff.remind' and data->>'handoffId' = ${body.handoff.id} order by start_after`,
    );
    expect(reminders.map((r) => r.minutes)).toEqual([5, 10, 20]);
  });

  it('gives the same result through the legacy /escalate URL and through /handoff', async () => {
    const a = await startSession();
    const b = await startSession();
    const viaHandoff = await escalate(a.id, { reason: 'Stuck', target_user_id: ids.engineer });
    const viaLegacy = await escalate(b.id, { reason: 'Stuck', target_user_id: ids.engineer }, tech, true);
    expect(viaHandoff.statusCode).toBe(200);
    expect(viaLegacy.statusCode).toBe(200);
    const strip = (r: HandoffResponse) => ({
      status: r.session.status,
      reason: r.session.escalation_reason,
      target: r.session.escalated_to_id,
      lastStep: r.session.steps.at(-1)!.kind,
      doc: r.documentation.kind,
      psa: r.psa_result.status,
      handoff: { intent: r.handoff.intent, status: r.handoff.status, to: r.handoff.to_user_id, to_name: r.handoff.to_user_name, from: r.handoff.from_user_id },
      keys: Object.keys(r).sort(),
    });
    expect(strip(viaLegacy.json())).toEqual(strip(viaHandoff.json()));
    for (const s of [a, b]) {
      const to = await queryRows<{ user_id: string }>(t.database.db, sql`select user_id from notifications where session_id = ${s.id}`);
      expect(to.map((r) => r.user_id)).toEqual([ids.engineer]);
    }
  });

  it('refuses what it must, and changes nothing when it does', async () => {
    const session = await startSession();
    const url = `/api/v1/sessions/${session.id}/handoff`;
    expect((await t.request({ method: 'POST', url, body: { intent: 'escalate', reason: 'x' } })).statusCode).toBe(401);
    const noReason = await escalate(session.id, { reason: '' });
    expect(noReason.statusCode).toBe(422);
    expect(JSON.stringify(noReason.json())).toContain('reason');
    expect((await escalate(session.id, { reason: 'x', target_user_id: 'not-a-uuid' })).statusCode).toBe(422);
    expect((await t.request({ method: 'POST', url, token: tech, body: { intent: 'shout', reason: 'x' } })).statusCode).toBe(422);
    const transferAlone = await t.request({ method: 'POST', url, token: tech, body: { intent: 'transfer', reason: 'Shift ends' } });
    expect(transferAlone.statusCode).toBe(422);
    expect(JSON.stringify(transferAlone.json())).toContain('target_user_id');
    // Another team: the session does not exist for them.
    expect((await escalate(session.id, { reason: 'x' }, otherTeamAdmin)).statusCode).toBe(404);
    // An engineer can see the technician's session but it is not theirs to hand over.
    expect((await escalate(session.id, { reason: 'x' }, engineer)).statusCode).toBe(403);
    // Another technician does not see it at all.
    const otherTech = await t.login('other.tech@flowpilot.test', 'a-long-enough-password');
    expect((await escalate(session.id, { reason: 'x' }, otherTech)).statusCode).toBe(404);
    const self = await escalate(session.id, { reason: 'x', target_user_id: ids.tech });
    expect(self.statusCode).toBe(400);
    expect(self.json<{ detail: string }>().detail).toMatch(/yourself/);
    expect((await escalate(session.id, { reason: 'x', target_user_id: otherTeamUserId })).statusCode).toBe(404);
    const toTech = await escalate(session.id, { reason: 'x', target_user_id: ids.otherTech });
    expect(toTech.statusCode).toBe(422);
    expect(JSON.stringify(toTech.json())).toMatch(/engineer or admin/);
    const toInactive = await escalate(session.id, { reason: 'x', target_user_id: ids.inactiveEngineer });
    expect(toInactive.statusCode).toBe(422);
    expect(JSON.stringify(toInactive.json())).toMatch(/deactivated/);
    // Nothing of any of that was written.
    expect(await count('session_handoffs', `session_id = '${session.id}'`)).toBe(0);
    expect(await count('notifications', `session_id = '${session.id}'`)).toBe(0);
    const still = (await t.request({ method: 'GET', url: `/api/v1/sessions/${session.id}`, token: tech })).json<SessionResponse>();
    expect(still.status).toBe('active');
    // Escalated already: not active any more.
    expect((await escalate(session.id, { reason: 'first' })).statusCode).toBe(200);
    const again = await escalate(session.id, { reason: 'second' });
    expect(again.statusCode).toBe(409);
    expect(again.json<{ detail: string }>().detail).toMatch(/escalated/);
    expect(await count('session_handoffs', `session_id = '${session.id}'`)).toBe(1);
  });

  it('writes nothing at all when any part of the transaction fails: no handoff, notification, delivery, event or job', async () => {
    const session = await startSession();
    const jobsBefore = await count('pgboss.job', `name like 'handoff.%' or name like 'delivery.%'`);
    const eventsBefore = await count('events', 'true');
    // The last write of the escalation (its live events) fails: everything before it must roll back.
    await t.database.db.execute(sql.raw(`create function refuse_event() returns trigger language plpgsql as $$ begin raise exception 'events are down'; end $$`));
    await t.database.db.execute(sql.raw(`create trigger refuse_event before insert on events for each row execute function refuse_event()`));
    try {
      const res = await escalate(session.id, { reason: 'Will fail' });
      expect(res.statusCode).toBe(500);
      expect(res.json<{ detail: string }>().detail).not.toMatch(/events are down/);
    } finally {
      await t.database.db.execute(sql.raw(`drop trigger refuse_event on events`));
      await t.database.db.execute(sql.raw(`drop function refuse_event()`));
    }
    expect(await count('session_handoffs', `session_id = '${session.id}'`)).toBe(0);
    expect(await count('notifications', `session_id = '${session.id}'`)).toBe(0);
    expect(await count('deliveries', `session_id = '${session.id}'`)).toBe(0);
    expect(await count('session_documentation', `session_id = '${session.id}'`)).toBe(0);
    expect(await count('session_steps', `session_id = '${session.id}' and kind = 'escalate'`)).toBe(0);
    expect(await count('pgboss.job', `name like 'handoff.%' or name like 'delivery.%'`)).toBe(jobsBefore);
    expect(await count('events', 'true')).toBe(eventsBefore);
    const still = (await t.request({ method: 'GET', url: `/api/v1/sessions/${session.id}`, token: tech })).json<SessionResponse>();
    expect(still.status).toBe('active');
    // And it works once the failure is gone.
    expect((await escalate(session.id, { reason: 'Now it works' })).statusCode).toBe(200);
  });

  it('lets exactly one of 50 concurrent pickups win, every time, and tells the others who did', async () => {
    const engineers = [{ token: engineer, name: 'Sam Rivera' }, { token: secondEngineer, name: 'second.engineer' }, { token: admin, name: 'Morgan Price' }];
    for (let i = 0; i < 3; i++) {
      const u = await createUser(`race${i}.${kind}@flowpilot.test`, 'engineer');
      engineers.push({ token: u.token, name: `race${i}.${kind}` });
    }
    for (let round = 0; round < 3; round++) {
      const session = await startSession();
      expect((await escalate(session.id, { reason: `Round ${round}` })).statusCode).toBe(200);
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) => t.request({ method: 'POST', url: `/api/v1/sessions/${session.id}/pickup`, token: engineers[i % engineers.length]!.token })),
      );
      const won = results.filter((r) => r.statusCode === 200);
      const lost = results.filter((r) => r.statusCode === 409);
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(49);
      const winner = won[0]!.json<PickupResponse>();
      const winnerName = winner.session.assigned_to_name!;
      for (const r of lost) expect(r.json<{ detail: string }>().detail).toBe(`Already picked up by ${winnerName}`);
      expect(winner.session.status).toBe('active');
      expect(winner.handoff).toMatchObject({ status: 'accepted', accepted_by_name: winnerName });
      expect(await count('session_steps', `session_id = '${session.id}' and kind = 'pickup'`)).toBe(1);
    }
  });

  it('hands the session to the engineer at the exact node, and tells the technician who took it', async () => {
    const session = await startSession();
    const esc = (await escalate(session.id, { reason: 'Need a hand', target_user_id: ids.engineer })).json<HandoffResponse>();
    const queue = (await t.request({ method: 'GET', url: '/api/v1/escalations', token: engineer })).json<EscalationList>();
    const mine = queue.items.find((i) => i.session_id === session.id)!;
    expect(mine).toMatchObject({ handoff_id: esc.handoff.id, target_user_id: ids.engineer, target_user_name: 'Sam Rivera', reason: 'Need a hand', technician_name: 'Jamie Chen', status: 'escalated', link: `/pilot/${session.id}?pickup=true` });
    expect(mine.waiting_seconds).toBeGreaterThanOrEqual(0);
    // The pickup screen reads the package.
    const pkg = await t.request({ method: 'GET', url: `/api/v1/sessions/${session.id}/handoff`, token: engineer });
    expect(pkg.statusCode).toBe(200);
    expect(pkg.json()).toMatchObject({ id: esc.handoff.id, status: 'pending' });
    // A technician cannot pick up.
    expect((await t.request({ method: 'POST', url: `/api/v1/sessions/${session.id}/pickup`, token: tech })).statusCode).toBe(403);
    // Another team cannot see it.
    expect((await t.request({ method: 'POST', url: `/api/v1/sessions/${session.id}/pickup`, token: otherTeamAdmin })).statusCode).toBe(404);
    const picked = await t.request({ method: 'POST', url: `/api/v1/sessions/${session.id}/pickup`, token: engineer });
    expect(picked.statusCode).toBe(200);
    const after = picked.json<PickupResponse>().session;
    expect(after).toMatchObject({ status: 'active', assigned_to_id: ids.engineer, current_node_id: session.current_node_id });
    // The engineer continues from there.
    const step = await t.request({ method: 'POST', url: `/api/v1/sessions/${session.id}/steps`, token: engineer, body: { node_id: after.current_node_id, note: 'Taking over' } });
    expect(step.statusCode).toBe(200);
    // The technician is told who picked it up.
    const techBell = (await t.request({ method: 'GET', url: '/api/v1/notifications', token: tech })).json<NotificationList>();
    expect(techBell.items[0]).toMatchObject({ type: 'picked_up', title: 'Sam Rivera picked up your escalation', link: `/pilot/${session.id}` });
    const techView = (await t.request({ method: 'GET', url: `/api/v1/sessions/${session.id}`, token: tech })).json<SessionResponse>();
    expect(techView.assigned_to_name).toBe('Sam Rivera');
    // Not in the queue any more; picking up again says who has it.
    const queueAfter = (await t.request({ method: 'GET', url: '/api/v1/escalations', token: engineer })).json<EscalationList>();
    expect(queueAfter.items.some((i) => i.session_id === session.id)).toBe(false);
    const late = await t.request({ method: 'POST', url: `/api/v1/sessions/${session.id}/pickup`, token: secondEngineer });
    expect(late.statusCode).toBe(409);
    expect(late.json<{ detail: string }>().detail).toBe('Already picked up by Sam Rivera');
  });

  it('picks up sessions still waiting in the legacy requesting_escalation status', async () => {
    const session = await startSession();
    await t.database.db.execute(sql`update sessions set status = 'requesting_escalation', escalation_reason = 'Legacy reason' where id = ${session.id}`);
    const countRes = await t.request({ method: 'GET', url: '/api/v1/escalations/count', token: engineer });
    expect(countRes.statusCode).toBe(200);
    const queue = (await t.request({ method: 'GET', url: '/api/v1/escalations?limit=200', token: engineer })).json<EscalationList>();
    const legacy = queue.items.find((i) => i.session_id === session.id)!;
    expect(legacy).toMatchObject({ status: 'requesting_escalation', handoff_id: null, reason: 'Legacy reason' });
    expect(countRes.json<{ count: number }>().count).toBe(queue.total);
    const picked = await t.request({ method: 'POST', url: `/api/v1/sessions/${session.id}/pickup`, token: engineer });
    expect(picked.statusCode).toBe(200);
    expect(picked.json<PickupResponse>().handoff).toMatchObject({ status: 'accepted', reason: 'Legacy reason', accepted_by_id: ids.engineer, from_user_id: ids.tech });
    expect(picked.json<PickupResponse>().handoff.package.steps_tried.length).toBeGreaterThanOrEqual(1);
  });

  it('lists the queue oldest first and counts it', async () => {
    const before = (await t.request({ method: 'GET', url: '/api/v1/escalations/count', token: engineer })).json<{ count: number }>().count;
    const first = await startSession(tech, { client_name: 'First Co' });
    const second = await startSession(tech, { client_name: 'Second Co' });
    await escalate(first.id, { reason: 'one' });
    await escalate(second.id, { reason: 'two' });
    const queue = (await t.request({ method: 'GET', url: '/api/v1/escalations?limit=200', token: engineer })).json<EscalationList>();
    const order = queue.items.map((i) => i.session_id);
    expect(order.indexOf(first.id)).toBeLessThan(order.indexOf(second.id));
    const times = queue.items.map((i) => Date.parse(i.escalated_at));
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect((await t.request({ method: 'GET', url: '/api/v1/escalations/count', token: engineer })).json<{ count: number }>().count).toBe(before + 2);
    expect((await t.request({ method: 'GET', url: '/api/v1/escalations', token: tech })).statusCode).toBe(403);
    expect((await t.request({ method: 'GET', url: '/api/v1/escalations/count', token: otherTeamAdmin })).json<{ count: number }>().count).toBe(0);
  });

  it('shows similar resolved sessions of the team to engineers only, never to a technician', async () => {
    // Another technician's resolved session on the same tree: not theirs to read.
    const otherTech = await t.login('other.tech@flowpilot.test', 'a-long-enough-password');
    const theirs = await startSession(otherTech, { client_name: 'SecretCorp Inc' });
    expect((await t.request({ method: 'POST', url: `/api/v1/sessions/${theirs.id}/complete`, token: otherTech, body: { resolution: 'Reset the print server admin password' } })).statusCode).toBe(200);
    const mine = await startSession();
    const res = (await escalate(mine.id, { reason: 'Same symptoms as last week' })).json<HandoffResponse>();
    expect(JSON.stringify(res)).not.toContain('SecretCorp');
    expect(res.handoff.package.similar_sessions).toEqual([]);
    const asTech = (await t.request({ method: 'GET', url: `/api/v1/sessions/${mine.id}/handoff`, token: tech })).json<HandoffResponse['handoff']>();
    expect(JSON.stringify(asTech)).not.toContain('SecretCorp');
    const asEngineer = (await t.request({ method: 'GET', url: `/api/v1/sessions/${mine.id}/handoff`, token: engineer })).json<HandoffResponse['handoff']>();
    expect(asEngineer.package.similar_sessions.map((x) => x.session_id)).toContain(theirs.id);
    expect(asEngineer.package.similar_sessions.find((x) => x.session_id === theirs.id)!.resolution).toBe('Reset the print server admin password');
  });

  it('answers a technician who hands on a session they were handed (and no longer have) with the result, not 404', async () => {
    const session = await startSession();
    const otherTech = await t.login('other.tech@flowpilot.test', 'a-long-enough-password');
    expect((await t.request({ method: 'POST', url: `/api/v1/sessions/${session.id}/handoff`, token: tech, body: { intent: 'transfer', reason: 'Shift ends', target_user_id: ids.otherTech } })).statusCode).toBe(200);
    const onward = await t.request({ method: 'POST', url: `/api/v1/sessions/${session.id}/handoff`, token: otherTech, body: { intent: 'escalate', reason: 'Beyond me' } });
    expect(onward.statusCode, onward.body).toBe(200);
    expect(onward.json<HandoffResponse>().session.status).toBe('escalated');
  });

  it('transfers a session to a colleague without escalating it', async () => {
    const session = await startSession();
    const res = await t.request({ method: 'POST', url: `/api/v1/sessions/${session.id}/handoff`, token: tech, body: { intent: 'transfer', reason: 'My shift ends', target_user_id: ids.otherTech } });
    expect(res.statusCode).toBe(200);
    const body = res.json<HandoffResponse>();
    expect(body.session).toMatchObject({ status: 'active', assigned_to_id: ids.otherTech, escalation_reason: null });
    expect(body.handoff).toMatchObject({ intent: 'transfer', status: 'accepted', to_user_id: ids.otherTech });
    expect(body.documentation.kind).toBe('transfer');
    const otherTech = await t.login('other.tech@flowpilot.test', 'a-long-enough-password');
    const bell = (await t.request({ method: 'GET', url: '/api/v1/notifications', token: otherTech })).json<NotificationList>();
    expect(bell.items[0]).toMatchObject({ type: 'transfer', link: `/pilot/${session.id}` });
    // The colleague carries on.
    const step = await t.request({ method: 'POST', url: `/api/v1/sessions/${session.id}/steps`, token: otherTech, body: { node_id: session.current_node_id, note: 'Picked up after the shift change' } });
    expect(step.statusCode).toBe(200);
  });

  it('marks notifications read one by one and all at once; another user’s is 404', async () => {
    const session = await startSession();
    await escalate(session.id, { reason: 'Bell test' });
    const list = (await t.request({ method: 'GET', url: '/api/v1/notifications?unread=true', token: secondEngineer })).json<NotificationList>();
    expect(list.items.length).toBeGreaterThan(0);
    const n = list.items[0]!;
    const before = (await t.request({ method: 'GET', url: '/api/v1/notifications/unread-count', token: secondEngineer })).json<{ count: number }>().count;
    expect((await t.request({ method: 'POST', url: `/api/v1/notifications/${n.id}/read`, token: engineer })).statusCode).toBe(404);
    expect((await t.request({ method: 'POST', url: `/api/v1/notifications/${n.id}/read`, token: secondEngineer })).statusCode).toBe(204);
    expect((await t.request({ method: 'GET', url: '/api/v1/notifications/unread-count', token: secondEngineer })).json<{ count: number }>().count).toBe(before - 1);
    expect((await t.request({ method: 'POST', url: '/api/v1/notifications/read-all', token: secondEngineer })).statusCode).toBe(204);
    expect((await t.request({ method: 'GET', url: '/api/v1/notifications/unread-count', token: secondEngineer })).json<{ count: number }>().count).toBe(0);
    const all = (await t.request({ method: 'GET', url: '/api/v1/notifications', token: secondEngineer })).json<NotificationList>();
    expect(all.items.every((i) => i.read_at !== null)).toBe(true);
  });

  it('lets a user turn escalation emails off, and an admin change the escalation chain', async () => {
    expect((await t.request({ method: 'PUT', url: '/api/v1/notifications/settings', token: secondEngineer, body: { escalation_emails: false } })).json()).toEqual({ escalation_emails: false });
    const session = await startSession();
    await escalate(session.id, { reason: 'Mail test' });
    const emails = await queryRows<{ target: string }>(t.database.db, sql`select target from deliveries where session_id = ${session.id} and channel = 'email'`);
    const targets = emails.map((e) => e.target);
    expect(targets).toEqual(expect.arrayContaining(['Escalation email to Morgan Price', 'Escalation email to Sam Rivera']));
    expect(targets).not.toContain('Escalation email to second.engineer');
    await t.request({ method: 'PUT', url: '/api/v1/notifications/settings', token: secondEngineer, body: { escalation_emails: true } });

    expect((await t.request({ method: 'PUT', url: '/api/v1/team/settings', token: engineer, body: { escalation_chain: [] } })).statusCode).toBe(403);
    const bad = await t.request({ method: 'PUT', url: '/api/v1/team/settings', token: admin, body: { escalation_chain: [{ after_minutes: 10, notify: 'admins' }, { after_minutes: 5, notify: 'engineers' }] } });
    expect(bad.statusCode).toBe(422);
    const ok = await t.request({ method: 'PUT', url: '/api/v1/team/settings', token: admin, body: { escalation_chain: [{ after_minutes: 2, notify: 'engineers' }] } });
    expect(ok.json<TeamSettings>().escalation_chain).toEqual([{ after_minutes: 2, notify: 'engineers' }]);
    const s2 = await startSession();
    const esc = (await escalate(s2.id, { reason: 'Chain test' })).json<HandoffResponse>();
    const reminders = await queryRows<{ minutes: number }>(
      t.database.db,
      sql`select round(extract(epoch from (start_after - created_on)) / 60)::int as minutes from pgboss.job where name = 'handoff.remind' and data->>'handoffId' = ${esc.handoff.id}`,
    );
    expect(reminders.map((r) => r.minutes)).toEqual([2]);
    await t.request({ method: 'PUT', url: '/api/v1/team/settings', token: admin, body: { escalation_chain: [{ after_minutes: 5, notify: 'target' }, { after_minutes: 10, notify: 'engineers' }, { after_minutes: 20, notify: 'admins' }] } });
  });
});
