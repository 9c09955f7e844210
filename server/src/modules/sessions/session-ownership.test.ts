import { sql } from 'drizzle-orm';
import { extractText, getDocumentProxy } from 'unpdf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HandoffResponse, NotificationList, SessionCloseResponse, SessionDocumentation, SessionList, SessionResponse } from '@flowpilot/contracts';
import { PRINTER_OFFLINE_TREE_ID } from '../../db/demo-trees/ids.ts';
import { queryRows } from '../../db/client.ts';
import { startConnectWiseFake } from '../../../test/fakes/connectwise.ts';
import type { FakePsa } from '../../../test/fakes/fake-server.ts';
import { eventually } from '../../../test/eventually.ts';
import { createTestApp, DB_KINDS, type TestApp } from '../../../test/harness.ts';
import { openStream } from '../../../test/sse.ts';

const TICKET = 5150;
const CW = { companyId: 'acme', publicKey: 'pubkey1', privateKey: 'cw-private-SECRET-9f8e', clientId: 'c1d2e3f4-0000-4000-8000-000000000001' };

describe.each(DB_KINDS)('who may act on a session, and who gets the credit, on %s', (kind) => {
  let t: TestApp;
  let admin: string;
  let engineer: string;
  let tech: string;
  let otherTech: string;
  let ids: { engineer: string; tech: string; otherTech: string };
  let psa: FakePsa;

  const api = (method: 'GET' | 'POST' | 'PUT', url: string, token: string, body?: unknown) => t.request({ method, url: `/api/v1${url}`, token, body });
  const session = async (id: string, token = engineer) => (await api('GET', `/sessions/${id}`, token)).json<SessionResponse>();

  /** The technician's session on the printer tree, walked to the hardware escalate node and escalated to the queue. */
  async function escalatedSession(): Promise<SessionResponse> {
    const started = await api('POST', '/sessions', tech, { tree_id: PRINTER_OFFLINE_TREE_ID, ticket_id: String(TICKET), client_name: 'Birch & Co', problem_summary: 'Printer dead in accounts' });
    expect(started.statusCode).toBe(201);
    let s = started.json<SessionResponse>();
    for (const answer of ['Everyone / several PCs', "Dead, won't power on, or a service/fuser code"]) {
      const res = await api('POST', `/sessions/${s.id}/steps`, tech, { node_id: s.current_node_id, answer });
      expect(res.statusCode, res.body).toBe(200);
      s = res.json<SessionResponse>();
    }
    expect(s.current_node_id).toBe('escalate-hardware');
    const res = await api('POST', `/sessions/${s.id}/handoff`, tech, { intent: 'escalate', reason: 'Fuser error 50.4, no spare here' });
    expect(res.statusCode, res.body).toBe(200);
    return res.json<HandoffResponse>().session;
  }

  beforeAll(async () => {
    t = await createTestApp(kind, { config: { allowPrivateNetworkTargets: true }, jobs: { psaWaitMs: 3000 } });
    [admin, engineer, tech] = await Promise.all([t.tokenFor('admin'), t.tokenFor('engineer'), t.tokenFor('technician')]);
    const created = await api('POST', '/users', admin, { email: 'riley.tech@flowpilot.test', password: 'a-long-enough-password', full_name: 'Riley Park', role: 'technician' });
    expect(created.statusCode).toBe(201);
    otherTech = await t.login('riley.tech@flowpilot.test', 'a-long-enough-password');
    const me = async (token: string) => (await api('GET', '/auth/me', token)).json<{ id: string }>().id;
    ids = { engineer: await me(engineer), tech: await me(tech), otherTech: created.json<{ id: string }>().id };
    psa = await startConnectWiseFake({ ...CW, tickets: [TICKET] });
    const configured = await api('PUT', '/team/integrations', admin, {
      psa: { provider: 'connectwise', site_url: psa.url, company_id: CW.companyId, public_key: CW.publicKey, private_key: CW.privateKey, client_id: CW.clientId },
    });
    expect(configured.statusCode, configured.body).toBe(200);
  }, 60_000);

  afterAll(async () => {
    await t?.close();
    await psa?.close();
  });

  it('after pickup only the engineer acts: the technician reads, and every change is 403 naming who picked it up, with nothing written', async () => {
    const s = await escalatedSession();
    const picked = await api('POST', `/sessions/${s.id}/pickup`, engineer);
    expect(picked.statusCode, picked.body).toBe(200);
    const after = picked.json<{ session: SessionResponse }>().session;
    expect(after).toMatchObject({ status: 'active', assigned_to_id: ids.engineer, assigned_via: 'pickup', held_by_id: ids.engineer, held_by_name: 'Sam Rivera' });

    const node = after.current_node_id;
    const attempts: [string, 'POST' | 'PUT', string, unknown][] = [
      ['an answer', 'POST', `/sessions/${s.id}/steps`, { node_id: node, answer: 'Done' }],
      ['a note', 'POST', `/sessions/${s.id}/steps`, { node_id: node, note: 'I am still here' }],
      ['an off-tree step', 'POST', `/sessions/${s.id}/off-tree`, { action: 'Power cycled', outcome: 'Still dead' }],
      ['a pause', 'POST', `/sessions/${s.id}/pause`, undefined],
      ['a resume', 'POST', `/sessions/${s.id}/resume`, undefined],
      ['going back', 'POST', `/sessions/${s.id}/back`, { node_id: node }],
      ['new ticket details', 'PUT', `/sessions/${s.id}`, { device: 'PRN-07' }],
      ['completing', 'POST', `/sessions/${s.id}/complete`, { resolution: 'Fixed it myself' }],
      ['abandoning', 'POST', `/sessions/${s.id}/abandon`, {}],
      ['escalating', 'POST', `/sessions/${s.id}/handoff`, { intent: 'escalate', reason: 'again' }],
      ['escalating (legacy URL)', 'POST', `/sessions/${s.id}/escalate`, { reason: 'again' }],
      ['handing over', 'POST', `/sessions/${s.id}/handoff`, { intent: 'transfer', reason: 'shift', target_user_id: ids.otherTech }],
    ];
    for (const [what, method, url, body] of attempts) {
      const res = await t.request({ method, url: `/api/v1${url}`, token: tech, body });
      expect(res.statusCode, `${what}: ${res.body}`).toBe(403);
      expect(res.json<{ detail: string }>().detail, what).toBe('Sam Rivera picked this up: only they can change this session now');
    }
    const unchanged = await session(s.id);
    expect(unchanged.steps.length).toBe(after.steps.length);
    expect(unchanged).toMatchObject({ status: 'active', paused: false, device: null, current_node_id: node });

    // The technician keeps read access: the session, its documentation and the pickup screen's handoff.
    expect((await api('GET', `/sessions/${s.id}`, tech)).statusCode).toBe(200);
    expect((await api('GET', `/sessions/${s.id}/documentation`, tech)).statusCode).toBe(200);
    expect((await api('GET', `/sessions/${s.id}/handoff`, tech)).statusCode).toBe(200);

    // The engineer may do each of them.
    expect((await api('POST', `/sessions/${s.id}/steps`, engineer, { node_id: node, note: 'Fuser replaced from stock' })).statusCode).toBe(200);
    expect((await api('POST', `/sessions/${s.id}/off-tree`, engineer, { action: 'Replaced the fuser unit', outcome: 'Printer warms up, test page prints' })).statusCode).toBe(200);
    expect((await api('POST', `/sessions/${s.id}/pause`, engineer)).statusCode).toBe(200);
    expect((await api('POST', `/sessions/${s.id}/resume`, engineer)).statusCode).toBe(200);
    expect((await api('PUT', `/sessions/${s.id}`, engineer, { device: 'PRN-07' })).statusCode).toBe(200);
    const back = await api('POST', `/sessions/${s.id}/back`, engineer, { node_id: node });
    expect(back.statusCode, back.body).toBe(200);
    expect(back.json<SessionResponse>().current_node_id).toBe('check-printer-panel');
  });

  it('a transfer hands the session on: the new assignee acts, the previous holders read and are refused in words', async () => {
    const started = (await api('POST', '/sessions', tech, { tree_id: PRINTER_OFFLINE_TREE_ID, problem_summary: 'Shift change' })).json<SessionResponse>();
    const handed = await api('POST', `/sessions/${started.id}/handoff`, tech, { intent: 'transfer', reason: 'End of my shift', target_user_id: ids.otherTech });
    expect(handed.statusCode, handed.body).toBe(200);
    expect(handed.json<HandoffResponse>().session).toMatchObject({ assigned_to_id: ids.otherTech, assigned_via: 'transfer', held_by_id: ids.otherTech });

    const refused = await api('POST', `/sessions/${started.id}/steps`, tech, { node_id: 'start', answer: 'Everyone / several PCs' });
    expect(refused.statusCode).toBe(403);
    expect(refused.json<{ detail: string }>().detail).toBe('Riley Park has this session now (it was handed over): only they can change it');
    expect((await api('GET', `/sessions/${started.id}`, tech)).statusCode).toBe(200);

    const stepped = await api('POST', `/sessions/${started.id}/steps`, otherTech, { node_id: 'start', answer: 'Everyone / several PCs' });
    expect(stepped.statusCode, stepped.body).toBe(200);
    expect(stepped.json<SessionResponse>().steps.at(-1)).toMatchObject({ user_name: 'Riley Park', kind: 'answer' });

    // Handed on again: Riley, who held it, keeps reading it and finds it in their list; Jamie, who started it, too.
    const onward = await api('POST', `/sessions/${started.id}/handoff`, otherTech, { intent: 'transfer', reason: 'Needs a senior', target_user_id: ids.engineer });
    expect(onward.statusCode, onward.body).toBe(200);
    expect((await api('GET', `/sessions/${started.id}`, otherTech)).statusCode).toBe(200);
    const rileyRefused = await api('POST', `/sessions/${started.id}/pause`, otherTech);
    expect(rileyRefused.statusCode).toBe(403);
    expect(rileyRefused.json<{ detail: string }>().detail).toBe('Sam Rivera has this session now (it was handed over): only they can change it');
    const rileyList = (await api('GET', '/sessions', otherTech)).json<SessionList>();
    expect(rileyList.items.map((x) => x.id)).toContain(started.id);
    expect((await api('POST', `/sessions/${started.id}/pause`, tech)).statusCode).toBe(403);
    expect((await api('POST', `/sessions/${started.id}/pause`, engineer)).statusCode).toBe(200);
  });

  it('credits truthfully: who escalated, who picked up, who did each step and who resolved, in the summary, every export and the PSA note', async () => {
    const s = await escalatedSession();
    expect((await api('POST', `/sessions/${s.id}/pickup`, engineer)).statusCode).toBe(200);
    expect((await api('POST', `/sessions/${s.id}/off-tree`, engineer, { action: 'Replaced the fuser unit', outcome: 'Test page prints' })).statusCode).toBe(200);
    const done = await api('POST', `/sessions/${s.id}/complete`, engineer, { resolution: 'Fuser unit replaced; printing restored' });
    expect(done.statusCode, done.body).toBe(200);
    const closed = done.json<SessionCloseResponse>();
    expect(closed.session).toMatchObject({ status: 'completed', resolved_by_id: ids.engineer, resolved_by_name: 'Sam Rivera' });
    const doc: SessionDocumentation = closed.documentation;
    expect(doc).toMatchObject({ started_by: 'Jamie Chen', escalated_by: 'Jamie Chen', picked_up_by: 'Sam Rivera', resolved_by: 'Sam Rivera' });
    expect(doc.summary).toMatch(/^Sam Rivera resolved "Printer dead in accounts" for Birch & Co \(ticket 5150\) after Jamie Chen escalated it, with the "Printer offline \/ won't print" tree in .+ over 3 steps\.$/);
    const titles = doc.steps.map((x) => [x.title, x.by]);
    expect(titles).toContainEqual(['Jamie Chen escalated at "Escalate: printer hardware fault"', 'Jamie Chen']);
    expect(titles).toContainEqual(['Sam Rivera picked up the escalation', 'Sam Rivera']);
    expect(titles).toContainEqual(['Off the tree: Replaced the fuser unit', 'Sam Rivera']);

    const credit = 'Started by Jamie Chen · escalated by Jamie Chen · picked up by Sam Rivera · resolved by Sam Rivera';
    const once = (text: string, what: string) => expect(text.split('Fuser unit replaced; printing restored').length - 1, what).toBe(1);
    expect(doc.markdown).toContain(`**Who.** ${credit}`);
    expect(doc.markdown).toContain('Off the tree: Replaced the fuser unit — Test page prints · _Sam Rivera_');
    once(doc.markdown, 'markdown');
    expect(doc.html).toContain(`<strong>Who.</strong> ${credit}`);
    once(doc.html, 'html');

    for (const format of ['markdown', 'html', 'json'] as const) {
      const file = await api('POST', `/sessions/${s.id}/export`, tech, { format });
      expect(file.statusCode).toBe(200);
      expect(file.body, format).toContain('Sam Rivera resolved');
      expect(file.body, format).toContain('after Jamie Chen escalated it');
    }
    const pdf = await api('POST', `/sessions/${s.id}/export`, tech, { format: 'pdf' });
    expect(pdf.statusCode).toBe(200);
    const { text } = await extractText(await getDocumentProxy(new Uint8Array(pdf.rawPayload)), { mergePages: true });
    expect(text).toContain('Sam Rivera resolved');
    expect(text).toContain('Who: Started by Jamie Chen');

    // The PSA note: the escalation's and the completion's, the last one with the credit.
    const notes = await eventually('the completion note on the ticket', () => {
      const texts = (psa.notes.get(TICKET) ?? []).map((n) => n.text);
      return texts.some((x) => x.includes('Sam Rivera resolved')) && texts;
    });
    const note = notes.find((x) => x.includes('Sam Rivera resolved'))!;
    expect(note).toContain('after Jamie Chen escalated it');
    expect(note).toContain(`Who: ${credit}`);
    expect(note).toContain('Sam Rivera picked up the escalation');
    once(note, 'PSA note');

    // Anyone who reads the session can follow its PSA note to the end.
    const pushed = await eventually('the PSA result to read pushed', async () => {
      const res = await api('GET', `/sessions/${s.id}/psa`, tech);
      return res.statusCode === 200 && res.json<{ status: string }>().status === 'pushed' && res.json<{ status: string; message: string }>();
    });
    expect(pushed.message).toBe('Added to ConnectWise ticket 5150');
    const stranger = await t.request({ method: 'POST', url: '/api/v1/auth/register', body: { email: 'boss@elsewhere.test', password: 'another-team-password', full_name: 'Other Boss', team_name: 'Other MSP' } });
    expect(stranger.statusCode).toBe(201);
    expect((await api('GET', `/sessions/${s.id}/psa`, await t.login('boss@elsewhere.test', 'another-team-password'))).statusCode).toBe(404);
  });

  it('pickup never hands the senior a dead end: the package at an escalate node says what to gather and how to go on', async () => {
    const s = await escalatedSession();
    const handoff = (await api('GET', `/sessions/${s.id}/handoff`, engineer)).json<{ package: { next_steps: string[] } }>();
    const next = handoff.package.next_steps.join('\n');
    expect(next).not.toMatch(/Continue at/);
    expect(next).toContain('Make, model, serial number and asset tag');
    expect(next).toMatch(/off-tree step/);
    expect(next).toContain(`go back to "What does the printer's own display show?"`);
    const picked = (await api('POST', `/sessions/${s.id}/pickup`, engineer)).json<{ session: SessionResponse }>().session;
    // On the escalate node the senior can go back to the question that led there.
    expect(picked.can_go_back).toBe(true);
  });

  it('a session the engineer escalates on says so: another engineer or admin picks it up, not them', async () => {
    const s = await escalatedSession();
    expect(s.escalated_by_id).toBe(ids.tech);
    expect((await api('POST', `/sessions/${s.id}/pickup`, engineer)).statusCode).toBe(200);
    expect((await session(s.id)).escalated_by_id).toBeNull();
    const again = await api('POST', `/sessions/${s.id}/handoff`, engineer, { intent: 'escalate', reason: 'Needs the vendor; over to an admin' });
    expect(again.statusCode, again.body).toBe(200);
    expect(again.json<HandoffResponse>().session.escalated_by_id).toBe(ids.engineer);
    expect((await api('POST', `/sessions/${s.id}/pickup`, engineer)).statusCode).toBe(409);
    const taken = await api('POST', `/sessions/${s.id}/pickup`, admin);
    expect(taken.statusCode, taken.body).toBe(200);
    expect(taken.json<{ session: SessionResponse }>().session).toMatchObject({ held_by_name: 'Morgan Price', assigned_via: 'pickup' });
    // The engineer who held it before keeps reading it, and is refused in words.
    const refused = await api('POST', `/sessions/${s.id}/pause`, engineer);
    expect(refused.statusCode).toBe(403);
    expect(refused.json<{ detail: string }>().detail).toBe('Morgan Price picked this up: only they can change this session now');
  });

  it("the engineer's escalation notification is read once they pick it up; everyone else's says who took it", async () => {
    const s = await escalatedSession();
    expect((await api('POST', `/sessions/${s.id}/pickup`, engineer)).statusCode).toBe(200);
    const mine = (await api('GET', '/notifications', engineer)).json<NotificationList>().items.find((n) => n.session_id === s.id)!;
    expect(mine.read_at).not.toBeNull();
    expect(mine.outcome).toBe('Picked up by Sam Rivera');
    const theirs = (await api('GET', '/notifications', admin)).json<NotificationList>().items.find((n) => n.session_id === s.id)!;
    expect(theirs.read_at).toBeNull();
    expect(theirs.outcome).toBe('Picked up by Sam Rivera');
  });

  it('notes arriving together on the current node are all recorded; a refused move says where the session is in words', async () => {
    const s = (await api('POST', '/sessions', tech, { tree_id: PRINTER_OFFLINE_TREE_ID })).json<SessionResponse>();
    const notes = await Promise.all(Array.from({ length: 50 }, (_, i) => api('POST', `/sessions/${s.id}/steps`, tech, { node_id: 'start', note: `note ${i}` })));
    expect(notes.map((r) => r.statusCode)).toEqual(Array(50).fill(200));
    const after = await session(s.id, tech);
    expect(after.steps.map((x) => x.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(new Set(after.steps.map((x) => x.note)).size).toBe(50);
    const rows = await queryRows<{ n: number }>(t.database.db, sql`select step_count as n from sessions where id = ${s.id}`);
    expect(rows[0]!.n).toBe(50);

    expect((await api('POST', `/sessions/${s.id}/steps`, tech, { node_id: 'start', answer: 'Everyone / several PCs' })).statusCode).toBe(200);
    const stale = await api('POST', `/sessions/${s.id}/steps`, tech, { node_id: 'start', note: 'late' });
    expect(stale.statusCode).toBe(409);
    const detail = stale.json<{ detail: string }>().detail;
    expect(detail).toContain(`it is now at "What does the printer's own display show?"`);
    expect(detail).not.toContain('check-printer-panel');
  });

  it('every open screen hears when someone else changes the session: steps, notes and completion reach the technician and the team', async () => {
    const s = await escalatedSession();
    expect((await api('POST', `/sessions/${s.id}/pickup`, engineer)).statusCode).toBe(200);
    const address = await t.app.listen({ port: 0, host: '127.0.0.1' });
    const port = Number(new URL(address).port);
    const techStream = await openStream(port, tech);
    const adminStream = await openStream(port, admin);
    try {
      const from = techStream.events.length;
      const node = (await session(s.id)).current_node_id;
      expect((await api('POST', `/sessions/${s.id}/steps`, engineer, { node_id: node, note: 'Checking the fuser' })).statusCode).toBe(200);
      await techStream.waitFor((e) => e.type === 'session.updated' && e.data.session_id === s.id, 5000, from);
      await adminStream.waitFor((e) => e.type === 'session.updated' && e.data.session_id === s.id, 5000);
      const before = techStream.events.length;
      expect((await api('POST', `/sessions/${s.id}/complete`, engineer, { resolution: 'Fuser replaced' })).statusCode).toBe(200);
      await techStream.waitFor((e) => e.type === 'session.updated' && e.data.session_id === s.id, 5000, before);
    } finally {
      techStream.close();
      adminStream.close();
    }
  });
});
