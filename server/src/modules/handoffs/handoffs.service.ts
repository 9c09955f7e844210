import {
  DEFAULT_ESCALATION_CHAIN,
  type ChainStep,
  type EscalationList,
  type Handoff,
  type HandoffIntent,
  type HandoffResponse,
  type ListEscalationsQuery,
  type PickupResponse,
  type PsaResult,
  type TeamSettings,
  type TreeNode,
} from '@flowpilot/contracts';
import type { Db } from '../../db/client.ts';
import type { AuthUser } from '../../lib/auth-guard.ts';
import { badRequest, conflict, forbidden, invalid, notFound } from '../../lib/errors.ts';
import type { EventBus, NewEvent } from '../../lib/events.ts';
import type { JobQueue } from '../../lib/jobs.ts';
import type { DeliveriesService, NewDelivery } from '../deliveries/deliveries.service.ts';
import type { Channels, IntegrationsService } from '../integrations/integrations.service.ts';
import * as notificationsRepo from '../notifications/notifications.repository.ts';
import type { SessionsService } from '../sessions/sessions.service.ts';
import { sessionChanged, totalSeconds } from '../sessions/sessions.service.ts';
import * as sessionsRepo from '../sessions/sessions.repository.ts';
import { buildPackage } from './escalation-package.ts';
import * as repo from './handoffs.repository.ts';


/** The pickup screen of a session: the bell, chat messages and emails all link here. */
export const pickupLink = (sessionId: string) => `/pilot/${sessionId}?pickup=true`;
export const sessionLink = (sessionId: string) => `/pilot/${sessionId}`;

const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** "ACME Ltd – printer offline", or what there is of it, for titles. */
export function sessionLabel(s: { client_name: string | null; problem_summary: string | null; ticket_id: string | null; tree_title: string }): string {
  const what = s.problem_summary ? clip(s.problem_summary.replace(/\s+/g, ' '), 80) : s.tree_title;
  const parts = [s.client_name, what].filter(Boolean).join(' – ');
  return s.ticket_id ? `${parts} (ticket ${s.ticket_id})` : parts;
}

/**
 * The handoff as `viewer` may see it: similar sessions of the team are for
 * engineers and admins only (technicians see just their own sessions).
 */
export function toHandoff(row: repo.HandoffWithNames, viewer: { role: AuthUser['role'] }): Handoff {
  const pkg = viewer.role === 'technician' && row.package.similar_sessions.length ? { ...row.package, similar_sessions: [] } : row.package;
  return {
    id: row.id,
    session_id: row.session_id,
    intent: row.intent,
    status: row.status,
    reason: row.reason,
    from_user_id: row.from_user_id,
    from_user_name: row.from_user_name,
    to_user_id: row.to_user_id,
    to_user_name: row.to_user_name,
    node_id: row.node_id,
    package: pkg,
    accepted_by_id: row.accepted_by_id,
    accepted_by_name: row.accepted_by_name,
    accepted_at: row.accepted_at?.toISOString() ?? null,
    created_at: row.created_at.toISOString(),
  };
}

/** Who hears about an escalation: the chosen engineer, else every active engineer and admin but the one escalating. */
async function recipientsOf(db: Db, actor: AuthUser, target: repo.Member | undefined): Promise<repo.Member[]> {
  if (target) return [target];
  return (await repo.activeMembers(db, actor.teamId, ['engineer', 'admin'])).filter((m) => m.id !== actor.id);
}

/** The deliveries an announcement makes: one per chat channel set up, one email per recipient who wants them. */
export function announcementDeliveries(
  channels: Channels,
  base: { teamId: string; sessionId: string; handoffId: string; kind: 'escalation' | 'reminder' | 'transfer' },
  recipients: repo.Member[],
  chat: boolean,
): NewDelivery[] {
  const out: NewDelivery[] = [];
  const payload = { handoffId: base.handoffId, kind: base.kind };
  const what = base.kind === 'transfer' ? 'Hand-over' : base.kind === 'reminder' ? 'Escalation reminder' : 'Escalation';
  if (chat && channels.slackUrl) out.push({ teamId: base.teamId, sessionId: base.sessionId, channel: 'slack', provider: 'slack', target: `${what} to the Slack channel`, payload });
  if (chat && channels.teamsUrl) out.push({ teamId: base.teamId, sessionId: base.sessionId, channel: 'teams', provider: 'teams', target: `${what} to the Teams channel`, payload });
  if (channels.email) {
    for (const r of recipients) {
      if (!r.escalation_emails || !r.is_active) continue;
      out.push({ teamId: base.teamId, sessionId: base.sessionId, channel: 'email', provider: 'email', target: `${what} email to ${r.full_name}`, payload: { ...payload, userId: r.id } });
    }
  }
  return out;
}

export type HandoffsService = ReturnType<typeof createHandoffsService>;

/**
 * The one path by which a session is handed over (the seed's
 * HandoffManager): escalations to the team's queue or a named engineer, and
 * transfers to a colleague. Everything a handoff changes is written in one
 * transaction — session, step, handoff, documentation, package,
 * notifications, events, deliveries and their jobs — and nothing outside is
 * called before it commits.
 */
export function createHandoffsService(deps: {
  db: Db;
  sessions: SessionsService;
  deliveries: DeliveriesService;
  integrations: IntegrationsService;
  bus: EventBus;
  jobs: Pick<JobQueue, 'send' | 'sendMany' | 'wake'>;
  /** True when an AI provider is configured to enrich packages. */
  ai: boolean;
  now?: () => Date;
}) {
  const { db, sessions, deliveries, integrations, bus, jobs } = deps;
  const now = deps.now ?? (() => new Date());
  const s = sessions.internals;

  async function chainOf(teamId: string, executor: Db = db): Promise<ChainStep[]> {
    return (await repo.escalationChain(executor, teamId)) ?? DEFAULT_ESCALATION_CHAIN;
  }

  async function handoff(actor: AuthUser, sessionId: string, body: { intent: HandoffIntent; reason: string; target_user_id?: string | null | undefined }): Promise<HandoffResponse> {
    const { intent, reason } = body;
    const escalating = intent === 'escalate';
    const row = s.access.actionable(actor, await sessionsRepo.findInTeam(db, actor.teamId, sessionId));
    if (row.status !== 'active') throw conflict(`This session is ${row.status.replace('_', ' ')}: only an active session can be ${escalating ? 'escalated' : 'handed over'}`);

    let target: repo.Member | undefined;
    const targetId = body.target_user_id ?? null;
    if (targetId) {
      if (targetId === actor.id) throw badRequest(escalating ? 'You cannot escalate a session to yourself' : 'You cannot hand a session over to yourself');
      target = await repo.member(db, actor.teamId, targetId);
      if (!target) throw notFound('User');
      const problem = !target.is_active
        ? `${target.full_name} is deactivated`
        : escalating && target.role === 'technician'
          ? `${target.full_name} is a technician: escalate to an engineer or admin`
          : null;
      if (problem) throw invalid([{ loc: ['body', 'target_user_id'], msg: problem, type: 'value_error.target' }]);
    }

    // Reads that need no lock, outside the transaction: the node, similar tickets, the chain, the channels.
    const here = s.positionOf(row);
    const [node, similar, chain, channels, recipients] = await Promise.all([
      here ? s.nodeAt(here.tree_id, here.tree_version, here.node_id) : Promise.resolve(undefined),
      escalating ? repo.similarResolved(db, actor.teamId, row.id, row.tree_id, row.problem_summary) : Promise.resolve([]),
      escalating ? chainOf(actor.teamId) : Promise.resolve([]),
      integrations.channels(actor.teamId),
      escalating ? recipientsOf(db, actor, target) : Promise.resolve(target ? [target] : []),
    ]);

    const done = await db.transaction(async (tx) => {
      const locked = s.access.visible(actor, await sessionsRepo.lock(tx, actor.teamId, sessionId));
      if (!s.access.canAct(actor, locked)) throw s.access.refusal((await sessionsRepo.findInTeam(tx, actor.teamId, sessionId)) ?? locked);
      if (locked.status !== 'active') throw conflict(`This session is ${locked.status.replace('_', ' ')}: only an active session can be ${escalating ? 'escalated' : 'handed over'}`);
      if (locked.current_node_id !== row.current_node_id) throw conflict('The session moved on while you were handing it over: reload it and try again');
      const at = now();
      const pausedNow = locked.paused_at ? Math.max(0, at.getTime() - locked.paused_at.getTime()) : 0;
      const pos = s.positionOf(locked);
      await s.appendStep(tx, locked, actor, at, {
        ...(pos && s.nodeFields(node, pos)),
        kind: intent === 'escalate' ? 'escalate' : 'transfer',
        note: reason,
        to_node_id: null,
        duration_ms: s.nodeElapsedMs(locked, at),
      });
      await sessionsRepo.update(tx, sessionId, {
        ...(escalating
          ? { status: 'escalated' as const, escalation_reason: reason, escalated_to_id: targetId }
          : { assigned_to_id: targetId, assigned_via: 'transfer' as const, past_holder_ids: s.access.pastHoldersAfter(locked), node_entered_at: at, node_paused_ms: 0 }),
        paused_at: null,
        paused_ms: locked.paused_ms + pausedNow,
        step_count: locked.step_count,
        updated_at: at,
      });
      const { documentation, session, steps } = await s.writeDocumentationOf(tx, actor, sessionId, escalating ? 'escalation' : 'transfer', at);
      const pkg = buildPackage({ session, steps, node, reason, escalatedBy: actor.fullName, similar: similar.map((x) => ({ ...x, completed_at: x.completed_at?.toISOString() ?? null })), totalSeconds: totalSeconds(session, at) });
      const handoffRow = await repo.insert(tx, {
        team_id: actor.teamId,
        session_id: sessionId,
        intent,
        status: escalating ? 'pending' : 'accepted',
        from_user_id: actor.id,
        to_user_id: targetId,
        reason,
        node_id: locked.current_node_id,
        documentation_id: documentation.id,
        package: pkg,
        ...(!escalating && { accepted_by_id: targetId, accepted_at: at }),
        created_at: at,
        updated_at: at,
      });
      const label = sessionLabel(session);
      const notes = await notificationsRepo.insertMany(
        tx,
        recipients.map((r) => ({
          team_id: actor.teamId,
          user_id: r.id,
          type: escalating ? 'escalation' : 'transfer',
          title: escalating ? `Escalation: ${label}` : `${actor.fullName} handed a session over to you: ${label}`,
          body: clip(`${actor.fullName}: ${reason}`, 1000),
          link: escalating ? pickupLink(sessionId) : sessionLink(sessionId),
          session_id: sessionId,
          created_at: at,
        })),
      );
      const out = announcementDeliveries(channels, { teamId: actor.teamId, sessionId, handoffId: handoffRow.id, kind: escalating ? 'escalation' : 'transfer' }, recipients, escalating);
      const sent = await deliveries.enqueue(tx, out);
      const psa = await deliveries.psaHook.enqueue(tx, { ...locked, status: escalating ? 'escalated' : 'active' }, documentation.id);
      const events: NewEvent[] = notes.map((n) => ({
        teamId: actor.teamId,
        audience: 'user' as const,
        userId: n.user_id,
        type: 'notification.created' as const,
        data: { notification_id: n.id, session_id: sessionId, type: n.type as 'escalation' | 'transfer' },
      }));
      // Everyone who may have it open: its people before and after, and the team's engineers and admins.
      events.push(...sessionChanged({ ...locked, past_holder_ids: [...locked.past_holder_ids, ...(targetId ? [targetId] : [])] }));
      if (escalating) {
        events.push({ teamId: actor.teamId, audience: 'staff', type: 'escalation.created', data: { session_id: sessionId, handoff_id: handoffRow.id } });
        events.push({ teamId: actor.teamId, audience: 'staff', type: 'queue.count', data: { count: await repo.lockedQueueCount(tx, actor.teamId) } });
        await jobs.sendMany(
          tx,
          'handoff.remind',
          chain.map((step, i) => ({ handoffId: handoffRow.id, step: i, notify: step.notify })),
          chain.map((step) => new Date(at.getTime() + step.after_minutes * 60_000)),
        );
        if (deps.ai) await jobs.send(tx, 'handoff.package', { handoffId: handoffRow.id });
      }
      const summarizing = await s.summaries.enqueue(tx, documentation.id);
      // Last before the commit (see EventBus.record).
      await bus.record(tx, events);
      return { documentation, handoffId: handoffRow.id, sent: psa ? [...sent, { channel: 'psa' as const }] : sent, psa, summarizing };
    });

    deliveries.wake(done.sent);
    if (deps.ai && escalating) jobs.wake('handoff.package');
    if (done.summarizing) s.summaries.wake();
    // Committed: the answer shows the session as handed over, even to a technician who no longer has it.
    const [session, handoffRow] = await Promise.all([sessions.respond(actor, sessionId, db, { trusted: true }), repo.findWithNames(db, done.handoffId)]);
    const psaResult: PsaResult = done.psa
      ? { status: 'queued', provider: done.psa.provider, delivery_id: done.psa.deliveryId, message: 'Sending to the ticket in the background' }
      : { status: 'no_psa', provider: null, delivery_id: null, message: null };
    return { session, documentation: sessions.toDocumentation(done.documentation), psa_result: psaResult, handoff: toHandoff(handoffRow!, actor) };
  }

  return {
    handoff,

    /** The legacy URL: the same path with `intent: escalate`. */
    escalate(actor: AuthUser, sessionId: string, body: { reason: string; target_user_id?: string | null | undefined }) {
      return handoff(actor, sessionId, { ...body, intent: 'escalate' });
    },

    /**
     * An engineer takes an escalated session: of any number of concurrent
     * pickups exactly one wins (the session row is locked and re-checked);
     * the others learn who won.
     */
    async pickup(actor: AuthUser, sessionId: string): Promise<PickupResponse> {
      if (actor.role === 'technician') throw forbidden('Only an engineer or admin can pick up an escalation');
      const row = await sessionsRepo.findInTeam(db, actor.teamId, sessionId);
      if (!row) throw notFound('Session');
      if (!repo.isWaiting(row.status)) throw await notWaiting(row);
      const legacy = row.status === 'requesting_escalation';
      const here = s.positionOf(row);
      const node: TreeNode | undefined = legacy && here ? await s.nodeAt(here.tree_id, here.tree_version, here.node_id) : undefined;

      const result = await db.transaction(async (tx) => {
        const locked = await sessionsRepo.lock(tx, actor.teamId, sessionId);
        if (!locked) throw notFound('Session');
        if (!repo.isWaiting(locked.status)) return { lost: true as const };
        const pending = await repo.pendingForSession(tx, sessionId);
        if ((pending?.from_user_id ?? locked.user_id) === actor.id) throw conflict('You escalated this session yourself: another engineer picks it up');
        const at = now();
        const pos = s.positionOf(locked);
        await s.appendStep(tx, locked, actor, at, { ...(pos && s.nodeFields(undefined, pos)), kind: 'pickup', note: null });
        // The engineer continues from the exact node; time on it counts from now.
        await sessionsRepo.update(tx, sessionId, {
          status: 'active',
          assigned_to_id: actor.id,
          assigned_via: 'pickup',
          past_holder_ids: s.access.pastHoldersAfter(locked),
          node_entered_at: at,
          node_paused_ms: 0,
          step_count: locked.step_count,
          updated_at: at,
        });
        let handoffId = pending?.id;
        if (handoffId) {
          await repo.update(tx, handoffId, { status: 'accepted', accepted_by_id: actor.id, accepted_at: at, updated_at: at });
        } else {
          // A legacy escalation has no handoff row: record one, accepted, so the history shows who took it.
          const session = (await sessionsRepo.findInTeam(tx, actor.teamId, sessionId))!;
          const steps = await sessionsRepo.listSteps(tx, sessionId);
          const reason = locked.escalation_reason ?? 'Escalated';
          const created = await repo.insert(tx, {
            team_id: actor.teamId,
            session_id: sessionId,
            intent: 'escalate',
            status: 'accepted',
            from_user_id: locked.user_id,
            to_user_id: locked.escalated_to_id,
            reason,
            node_id: locked.current_node_id,
            package: buildPackage({ session, steps, node, reason, escalatedBy: session.user_name, similar: [], totalSeconds: totalSeconds(session, at) }),
            accepted_by_id: actor.id,
            accepted_at: at,
            created_at: locked.updated_at,
            updated_at: at,
          });
          handoffId = created.id;
        }
        const [note] = await notificationsRepo.insertMany(tx, [
          {
            team_id: actor.teamId,
            user_id: locked.user_id,
            type: 'picked_up',
            title: `${actor.fullName} picked up your escalation`,
            body: clip(sessionLabel(row), 1000),
            link: sessionLink(sessionId),
            session_id: sessionId,
            created_at: at,
          },
        ]);
        // The escalation's bell notifications: read for the one who took it; for everyone else, they say who did.
        await notificationsRepo.settleEscalation(tx, sessionId, actor.id, `Picked up by ${actor.fullName}`, at);
        const by = { by_user_id: actor.id, by_user_name: actor.fullName };
        await bus.record(tx, [
          { teamId: actor.teamId, audience: 'staff', type: 'escalation.picked_up', data: { session_id: sessionId, handoff_id: handoffId, ...by } },
          { teamId: actor.teamId, audience: 'user', userId: locked.user_id, type: 'escalation.picked_up', data: { session_id: sessionId, handoff_id: handoffId, ...by } },
          { teamId: actor.teamId, audience: 'user', userId: locked.user_id, type: 'notification.created', data: { notification_id: note!.id, session_id: sessionId, type: 'picked_up' } },
          ...sessionChanged(locked),
          { teamId: actor.teamId, audience: 'staff', type: 'queue.count', data: { count: await repo.lockedQueueCount(tx, actor.teamId) } },
        ]);
        return { lost: false as const, handoffId };
      });
      if (result.lost) {
        const now = await sessionsRepo.findInTeam(db, actor.teamId, sessionId);
        throw await notWaiting(now ?? row);
      }
      const [session, handoffRow] = await Promise.all([sessions.respond(actor, sessionId), repo.findWithNames(db, result.handoffId)]);
      return { session, handoff: toHandoff(handoffRow!, actor) };
    },

    /** The latest handoff of a session, with its escalation package (the pickup screen). */
    async latest(actor: AuthUser, sessionId: string): Promise<Handoff> {
      const row = await sessionsRepo.findInTeam(db, actor.teamId, sessionId);
      s.access.visible(actor, row);
      const h = await repo.latestForSession(db, sessionId);
      if (!h) throw notFound('Handoff');
      return toHandoff(h, actor);
    },

    /** The team's escalation queue, oldest first, with how long each has waited. */
    async queue(actor: AuthUser, query: ListEscalationsQuery): Promise<EscalationList> {
      const [{ rows, total }, chain] = await Promise.all([
        repo.queue(db, actor.teamId, { targetUserId: query.mine ? actor.id : undefined, limit: query.limit, offset: query.offset }),
        chainOf(actor.teamId),
      ]);
      const at = now().getTime();
      const overdueAfter = (chain[0]?.after_minutes ?? 15) * 60;
      return {
        total,
        items: rows.map((r) => {
          const waiting = Math.max(0, Math.round((at - r.escalated_at.getTime()) / 1000));
          return {
            ...r,
            status: r.status as 'escalated' | 'requesting_escalation',
            escalated_at: r.escalated_at.toISOString(),
            waiting_seconds: waiting,
            overdue: waiting >= overdueAfter,
            link: pickupLink(r.session_id),
          };
        }),
      };
    },

    async count(actor: AuthUser): Promise<{ count: number }> {
      return { count: await repo.queueCount(db, actor.teamId) };
    },

    async settings(actor: AuthUser): Promise<TeamSettings> {
      return { escalation_chain: await chainOf(actor.teamId) };
    },

    async updateSettings(actor: AuthUser, body: { escalation_chain?: ChainStep[] | undefined }): Promise<TeamSettings> {
      if (actor.role !== 'admin') throw forbidden('Only an admin can do this');
      if (body.escalation_chain) await repo.setEscalationChain(db, actor.teamId, body.escalation_chain);
      return { escalation_chain: await chainOf(actor.teamId) };
    },
  };

  /** Why a session cannot be picked up: a colleague was faster (who), or it is not waiting at all. */
  async function notWaiting(row: sessionsRepo.SessionWithNames) {
    if (row.status === 'active' && row.assigned_to_id) {
      const h = await repo.latestForSession(db, row.id);
      const who = h?.accepted_by_name ?? row.assigned_to_name ?? 'another engineer';
      return conflict(`Already picked up by ${who}`);
    }
    return conflict(`This session is ${row.status.replace('_', ' ')}: there is nothing to pick up`);
  }
}
