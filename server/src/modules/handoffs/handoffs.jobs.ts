import type { Job } from 'pg-boss';
import type { Db } from '../../db/client.ts';
import type { AiProvider } from '../../integrations/ai/index.ts';
import type { EscalationMessage } from '../../integrations/chat/escalation-message.ts';
import { buildSlackMessage, postSlack } from '../../integrations/chat/slack.ts';
import { buildTeamsMessage, postTeams } from '../../integrations/chat/teams.ts';
import { buildEscalationEmail, type Mailer } from '../../integrations/email/mailer.ts';
import { DeliveryError, DeliverySkipped, WEBHOOK_TIMEOUT_MS } from '../../integrations/outbound.ts';
import type { EventBus, NewEvent } from '../../lib/events.ts';
import { JOB_RETRY_LIMIT, type JobData, type JobQueue } from '../../lib/jobs.ts';
import type { DeliveriesService, Sender } from '../deliveries/deliveries.service.ts';
import type { IntegrationsService } from '../integrations/integrations.service.ts';
import * as notificationsRepo from '../notifications/notifications.repository.ts';
import * as sessionsRepo from '../sessions/sessions.repository.ts';
import * as usersRepo from '../users/users.repository.ts';
import { enrichPackage, packagePrompt } from './escalation-package.ts';
import { announcementDeliveries, pickupLink, sessionLabel, sessionLink } from './handoffs.service.ts';
import * as repo from './handoffs.repository.ts';

interface Log {
  info: (obj: object, msg: string) => void;
  warn: (obj: object, msg: string) => void;
  error: (obj: object, msg: string) => void;
}



type Kind = EscalationMessage['kind'];

export type HandoffsJobs = ReturnType<typeof createHandoffsJobs>;

/**
 * The handoffs' side effects, run by the job queue after the handoff
 * committed: the chat messages and emails (as delivery senders), the
 * escalation chain's reminders, and the AI-enriched package.
 */
export function createHandoffsJobs(deps: {
  db: Db;
  deliveries: DeliveriesService;
  integrations: IntegrationsService;
  bus: EventBus;
  jobs: Pick<JobQueue, 'wake'>;
  ai: AiProvider | null;
  mailer: Mailer;
  publicUrl: string;
  allowPrivateTargets: boolean;
  webhookTimeoutMs?: number;
  log: Log;
  now?: () => Date;
}) {
  const { db, deliveries, integrations, bus, ai, mailer, log } = deps;
  const now = deps.now ?? (() => new Date());
  const webhook = { timeoutMs: deps.webhookTimeoutMs ?? WEBHOOK_TIMEOUT_MS, allowPrivate: deps.allowPrivateTargets };

  /** The message as things stand now; throws `DeliverySkipped` when there is nothing to say any more (picked up, or gone). */
  async function messageFor(handoffId: string, kind: Kind): Promise<EscalationMessage> {
    const h = await repo.findWithNames(db, handoffId);
    if (!h) throw new DeliverySkipped('Not sent: the session was deleted');
    if (kind !== 'transfer' && h.status !== 'pending') throw new DeliverySkipped(`Not sent: ${h.accepted_by_name ?? 'an engineer'} picked it up first`);
    const session = await sessionsRepo.findInTeam(db, h.team_id, h.session_id);
    if (!session) throw new DeliverySkipped('Not sent: the session was deleted');
    const link = `${deps.publicUrl}${kind === 'transfer' ? sessionLink(session.id) : pickupLink(session.id)}`;
    return {
        kind,
        sessionId: session.id,
        treeTitle: session.tree_title,
        ticketId: session.ticket_id,
        clientName: session.client_name,
        device: session.device,
        problem: session.problem_summary,
        reason: h.reason,
        technicianName: h.from_user_name ?? 'A technician',
        targetName: h.to_user_name,
        stoppedAt: h.package.stopped_at?.title ?? null,
        stepsTried: h.package.steps_tried.length,
        ...(kind === 'reminder' && { waitingMinutes: Math.max(1, Math.round((now().getTime() - h.created_at.getTime()) / 60_000)) }),
        link,
    };
  }

  const payloadOf = (row: { payload: Record<string, unknown> }) => row.payload as { handoffId: string; kind: Kind; userId?: string };

  const sendSlack: Sender = async (row) => {
    const { handoffId, kind } = payloadOf(row);
    const { slackUrl } = await integrations.channels(row.team_id);
    if (!slackUrl) throw new DeliveryError('Slack is no longer set up for this team', { retryable: false });
    await postSlack(slackUrl, buildSlackMessage(await messageFor(handoffId, kind)), webhook);
    return null;
  };

  const sendTeams: Sender = async (row) => {
    const { handoffId, kind } = payloadOf(row);
    const { teamsUrl } = await integrations.channels(row.team_id);
    if (!teamsUrl) throw new DeliveryError('Microsoft Teams is no longer set up for this team', { retryable: false });
    await postTeams(teamsUrl, buildTeamsMessage(await messageFor(handoffId, kind)), webhook);
    return null;
  };

  const sendEmail: Sender = async (row) => {
    const { handoffId, kind, userId } = payloadOf(row);
    const user = userId ? await usersRepo.findById(db, userId) : undefined;
    if (!user || !user.is_active) throw new DeliveryError('The recipient is no longer an active member of the team', { retryable: false });
    if (!user.escalation_emails) throw new DeliverySkipped('Not sent: the recipient turned escalation emails off');
    const { email } = await integrations.channels(row.team_id);
    if (!email) throw new DeliverySkipped('Not sent: escalation emails were turned off for the team');
    // Keyed by the delivery: a repeated attempt (a lost answer, a worker that died) carries the same Message-ID.
    const sent = await mailer.send(buildEscalationEmail(await messageFor(handoffId, kind), { name: user.full_name, email: user.email }), row.id);
    return sent.messageId;
  };

  deliveries.setSender('slack', sendSlack);
  deliveries.setSender('teams', sendTeams);
  deliveries.setSender('email', sendEmail);

  /**
   * One step of the escalation chain: if nobody has picked the escalation up,
   * it is announced again to a wider audience. A pickup stops the chain: the
   * step finds the handoff accepted and does nothing.
   */
  async function remind(data: JobData['handoff.remind']): Promise<void> {
    const first = await repo.findWithNames(db, data.handoffId);
    if (!first || first.status !== 'pending' || first.intent !== 'escalate') return;
    const sent = await db.transaction(async (tx) => {
      // The session first, then the handoff: the order a pickup takes them in, so the two never deadlock.
      const locked = await sessionsRepo.lock(tx, first.team_id, first.session_id);
      const h = await repo.lock(tx, data.handoffId);
      if (!locked || !h || h.status !== 'pending' || !repo.isWaiting(locked.status)) return null;
      // Run once per step, however often the job runs (a retry after a crash, an expiry).
      if (h.reminded_step >= data.step) return null;
      await repo.update(tx, h.id, { reminded_step: data.step });
      const session = (await sessionsRepo.findInTeam(tx, h.team_id, h.session_id))!;
      let audience: repo.Member[];
      if (data.notify === 'admins') audience = await repo.activeMembers(tx, h.team_id, ['admin']);
      else if (data.notify === 'target' && h.to_user_id) {
        const target = await repo.member(tx, h.team_id, h.to_user_id);
        audience = target?.is_active ? [target] : await repo.activeMembers(tx, h.team_id, ['engineer', 'admin']);
      } else audience = await repo.activeMembers(tx, h.team_id, ['engineer', 'admin']);
      audience = audience.filter((m) => m.id !== h.from_user_id);
      if (audience.length === 0) return null;
      const at = now();
      const minutes = Math.max(1, Math.round((at.getTime() - h.created_at.getTime()) / 60_000));
      const notes = await notificationsRepo.insertMany(
        tx,
        audience.map((m) => ({
          team_id: h.team_id,
          user_id: m.id,
          type: 'escalation_reminder',
          title: `Still waiting for pickup (${minutes} min): ${sessionLabel(session)}`,
          body: `${h.reason}`.slice(0, 1000),
          link: pickupLink(session.id),
          session_id: session.id,
          created_at: at,
        })),
      );
      const channels = await integrations.channels(h.team_id, tx);
      const rows = await deliveries.enqueue(tx, announcementDeliveries(channels, { teamId: h.team_id, sessionId: session.id, handoffId: h.id, kind: 'reminder' }, audience, true));
      await bus.record(
        tx,
        notes.map((n): NewEvent => ({ teamId: h.team_id, audience: 'user', userId: n.user_id, type: 'notification.created', data: { notification_id: n.id, session_id: session.id, type: 'escalation_reminder' } })),
      );
      return rows;
    });
    if (sent) deliveries.wake(sent);
  }

  /**
   * Asks the AI for hypotheses and next steps and puts the richer package in
   * place of the template one; the session's people get `session.updated`.
   * Idempotent; a failure a later try can cure is thrown (the queue retries),
   * any other leaves the template package.
   */
  async function enrich(data: JobData['handoff.package'], job?: Pick<Job<JobData['handoff.package']>, 'retryCount' | 'signal'>): Promise<void> {
    const h = await repo.findWithNames(db, data.handoffId);
    if (!h || h.package.generated_by === 'ai' || !ai) return;
    const context = { handoffId: h.id, provider: ai.label, model: ai.model };
    let answer: string;
    try {
      answer = await ai.generate(packagePrompt(h.team_id, h.package), job?.signal);
    } catch (err) {
      const attempt = (job?.retryCount ?? 0) + 1;
      if (!(err instanceof DeliveryError)) {
        log.error({ ...context, attempt, err: { message: err instanceof Error ? err.message : String(err) } }, 'the AI package failed unexpectedly');
        throw err;
      }
      log.warn({ ...context, attempt, status: err.status, reason: err.message }, err.retryable && attempt <= JOB_RETRY_LIMIT ? 'the AI package failed: it will be tried again' : 'the AI package failed: the template package stays');
      if (err.retryable) throw err;
      return;
    }
    const enriched = enrichPackage(h.package, answer);
    if (!enriched) {
      log.warn(context, 'the AI answered with no usable package: the template package stays');
      return;
    }
    await db.transaction(async (tx) => {
      const locked = await repo.lock(tx, h.id);
      if (!locked || locked.package.generated_by === 'ai') return;
      await repo.update(tx, h.id, { package: enriched, updated_at: now() });
      const session = await sessionsRepo.findInTeam(tx, h.team_id, h.session_id);
      if (!session) return;
      const events: NewEvent[] = [{ teamId: h.team_id, audience: 'user', userId: session.user_id, type: 'session.updated', data: { session_id: session.id } }];
      if (locked.to_user_id) events.push({ teamId: h.team_id, audience: 'user', userId: locked.to_user_id, type: 'session.updated', data: { session_id: session.id } });
      else events.push({ teamId: h.team_id, audience: 'staff', type: 'session.updated', data: { session_id: session.id } });
      await bus.record(tx, events);
    });
  }

  return { remind, enrich };
}
