import { EventEmitter } from 'node:events';
import type { Delivery, DeliveryList, DeliveryStatus, ListDeliveriesQuery, PsaResult } from '@flowpilot/contracts';
import type { Db } from '../../db/client.ts';
import { DeliveryError, DeliverySkipped } from '../../integrations/outbound.ts';
import { isTicketNumber } from '../../integrations/psa/index.ts';
import type { AuthUser } from '../../lib/auth-guard.ts';
import { conflict, forbidden, notFound } from '../../lib/errors.ts';
import { JOB_EXPIRE_SECONDS, JOB_HEARTBEAT_SECONDS, type JobQueue } from '../../lib/jobs.ts';
import type { IntegrationsService } from '../integrations/integrations.service.ts';
import { renderPlainText } from '../sessions/documentation.ts';
import type { PsaHook } from '../sessions/sessions.service.ts';
import * as sessionsRepo from '../sessions/sessions.repository.ts';
import * as repo from './deliveries.repository.ts';

export interface RetryPolicy {
  /** First retry after this long; each next one doubles it (with jitter), up to `maxMs`. */
  baseMs: number;
  maxMs: number;
  /** Attempts before a delivery is given up as failed (the dead-letter state). */
  maxAttempts: number;
}

export const DEFAULT_RETRY: RetryPolicy = { baseMs: 5_000, maxMs: 15 * 60_000, maxAttempts: 8 };

/** How long completing a session waits for the PSA note before answering "queued". */
export const DEFAULT_PSA_WAIT_MS = 3_000;

const OPEN: DeliveryStatus[] = ['pending', 'sending', 'retrying', 'failed'];

interface Log {
  warn: (obj: object, msg: string) => void;
  error: (obj: object, msg: string) => void;
}

export type DeliveryChannel = repo.DeliveryRow['channel'];
/** Every channel a delivery can go through (the deliveries table's channel column). */
export const DELIVERY_CHANNELS = ['psa', 'slack', 'teams', 'email'] as const satisfies readonly DeliveryChannel[];
const queueOf = (channel: DeliveryChannel) => `delivery.${channel}` as const;

/**
 * Sends one delivery: returns the outside service's reference (or null) or
 * throws (a `DeliveryError` says whether trying again can help; `DeliverySkipped`
 * that it is not needed any more). `resumed`:
 * an earlier attempt may have gone through (a retry, or a worker that died).
 */
export type Sender = (row: repo.DeliveryRow, context: { attempt: number; resumed: boolean }) => Promise<string | null>;

/** What to record and send: the job handler re-reads everything else when it runs. */
export interface NewDelivery {
  teamId: string;
  sessionId: string | null;
  channel: DeliveryChannel;
  provider: string | null;
  target: string;
  payload: Record<string, unknown>;
}

/** The marker a PSA note carries, so a retry can see the note is already there. */
export const noteMarker = (sessionId: string, documentationId: string) => `[FlowPilot session ${sessionId} / documentation ${documentationId}]`;

function toDelivery(row: repo.DeliveryRow): Delivery {
  return {
    id: row.id,
    channel: row.channel,
    provider: row.provider,
    target: row.target,
    session_id: row.session_id,
    status: row.status,
    attempts: row.attempts,
    last_error: row.last_error,
    next_attempt_at: row.next_attempt_at?.toISOString() ?? null,
    delivered_at: row.delivered_at?.toISOString() ?? null,
    external_ref: row.external_ref,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

export type DeliveriesService = ReturnType<typeof createDeliveriesService>;

export function createDeliveriesService(deps: {
  db: Db;
  jobs: JobQueue;
  integrations: IntegrationsService;
  log: Log;
  retry?: RetryPolicy;
  psaWaitMs?: number;
}) {
  const { db, jobs, integrations, log } = deps;
  const retry = deps.retry ?? DEFAULT_RETRY;
  /** Told when a delivery reaches delivered, retrying or failed in this process. */
  const settled = new EventEmitter();
  settled.setMaxListeners(0);

  const backoff = (attempt: number) => {
    const exp = Math.min(retry.maxMs, retry.baseMs * 2 ** Math.max(0, attempt - 1));
    return Math.round(exp / 2 + (Math.random() * exp) / 2);
  };

  /** Records the outcome of an attempt that did not deliver: another try later, or given up. */
  async function attemptFailed(row: repo.DeliveryRow, attempt: number, err: unknown) {
    const known = err instanceof DeliveryError;
    if (!known) log.error({ err: { message: err instanceof Error ? err.message : String(err) } }, 'delivery failed with an unexpected error');
    const message = known ? err.message : 'FlowPilot hit an internal error while delivering; it will try again';
    const retryable = known ? err.retryable : true;
    if (retryable && attempt < row.max_attempts) {
      const delay = Math.min(retry.maxMs, Math.max(known && err.retryAfterMs !== undefined ? err.retryAfterMs : backoff(attempt), 0));
      const at = new Date(Date.now() + delay);
      await db.transaction(async (tx) => {
        await repo.update(tx, row.id, { status: 'retrying', last_error: message, next_attempt_at: at });
        await jobs.send(tx, queueOf(row.channel), { deliveryId: row.id, attempt: attempt + 1 }, { startAfter: at });
      });
      settled.emit(row.id, 'retrying');
      return;
    }
    await repo.update(db, row.id, { status: 'failed', last_error: retryable ? `Gave up after ${attempt} attempts. Last error: ${message}` : message, next_attempt_at: null });
    settled.emit(row.id, 'failed');
  }

  /** Writes one documentation note on the PSA ticket; a retry first looks for the note's marker, so it is never written twice. */
  const sendPsaNote: Sender = async (row, { attempt, resumed }) => {
    const payload = row.payload as { documentationId: string; ticketId: string };
    const settings = await integrations.psaSettings(row.team_id);
    if (!settings) throw new DeliveryError('No PSA is set up for this team any more (or its secrets must be entered again)', { retryable: false });
    if (!isTicketNumber(payload.ticketId)) throw new DeliveryError(`The ticket id "${payload.ticketId}" is not a ${integrations.label(settings.provider)} ticket number`, { retryable: false });
    const doc = await sessionsRepo.findDocumentation(db, payload.documentationId);
    if (!doc) throw new DeliveryError('The documentation was deleted', { retryable: false });
    const adapter = integrations.adapterFor(settings);
    const ticketId = Number(payload.ticketId);
    const marker = noteMarker(doc.session_id, doc.id);
    // A retry, or a worker that died mid-attempt, may follow a write that went through.
    const existing = attempt > 1 || resumed ? await adapter.findNote(ticketId, marker) : null;
    return (
      existing ??
      (await adapter.postNote({
        ticketId,
        title: `FlowPilot: ${doc.content.tree.title}`.slice(0, 250),
        text: renderPlainText(doc.content, doc.summary, marker),
        html: doc.html,
        marker,
      }))
    );
  };

  const senders = new Map<DeliveryChannel, Sender>([['psa', sendPsaNote]]);

  /**
   * Runs `send` while touching the claimed row now and then, so a job of the
   * same attempt handed out again meanwhile (its heartbeat was missed) sees a
   * live worker on it; a worker that died stops touching, and after
   * JOB_HEARTBEAT_SECONDS its attempt can be taken over. Past the job's
   * expiry pg-boss has given the job up, and so does the touching.
   */
  async function whileSending<T>(row: repo.DeliveryRow, send: () => Promise<T>): Promise<T> {
    const until = Date.now() + JOB_EXPIRE_SECONDS[queueOf(row.channel)] * 1000;
    const timer = setInterval(() => {
      if (Date.now() > until) return clearInterval(timer);
      // A touch that fails only shortens the claim: a later job may then send again, which retries allow anyway.
      repo.touchSending(db, row.id, row.attempts).catch(() => {});
    }, (JOB_HEARTBEAT_SECONDS * 1000) / 3);
    timer.unref();
    try {
      return await send();
    } finally {
      clearInterval(timer);
    }
  }

  /**
   * Runs one attempt of a delivery. Idempotent: a stale or repeated job
   * claims nothing; a failure is retried with backoff (or as Retry-After
   * says) until the attempts run out, then the delivery is `failed`.
   */
  async function runDelivery(data: { deliveryId: string; attempt: number }): Promise<void> {
    const before = await repo.find(db, data.deliveryId);
    if (!before) return;
    const resumed = before.status === 'sending' && before.attempts === data.attempt;
    if (!(await repo.claimAttempt(db, data.deliveryId, data.attempt, JOB_HEARTBEAT_SECONDS))) {
      // A live worker is still on this very attempt: the job fails, and pg-boss brings it back after that worker is done (or dead).
      if (resumed) throw new Error(`attempt ${data.attempt} of delivery ${data.deliveryId} is still being sent by another worker`);
      return;
    }
    const row = { ...before, attempts: data.attempt, status: 'sending' as const };
    try {
      const sender = senders.get(row.channel);
      if (!sender) throw new Error(`no sender for ${row.channel} deliveries`);
      const ref = await whileSending(row, () => sender(row, { attempt: data.attempt, resumed }));
      await repo.update(db, row.id, { status: 'delivered', external_ref: ref, delivered_at: new Date(), last_error: null, next_attempt_at: null });
      settled.emit(row.id, 'delivered');
    } catch (err) {
      if (err instanceof DeliverySkipped) {
        await repo.update(db, row.id, { status: 'skipped', last_error: err.message, next_attempt_at: null });
        settled.emit(row.id, 'skipped');
        return;
      }
      await attemptFailed(row, data.attempt, err);
    }
  }

  /** Records deliveries and enqueues their jobs inside the caller's transaction. */
  async function enqueue(tx: Db, list: NewDelivery[]): Promise<repo.DeliveryRow[]> {
    const rows = await repo.insertMany(
      tx,
      list.map((d) => ({
        team_id: d.teamId,
        session_id: d.sessionId,
        channel: d.channel,
        provider: d.provider,
        target: d.target,
        payload: d.payload,
        status: 'pending' as const,
        max_attempts: retry.maxAttempts,
      })),
    );
    for (const channel of new Set(rows.map((r) => r.channel))) {
      await jobs.sendMany(tx, queueOf(channel), rows.filter((r) => r.channel === channel).map((r) => ({ deliveryId: r.id, attempt: 1 })));
    }
    return rows;
  }

  /** Waits up to `ms` for a delivery to settle in this process, else looks at the row (another process may run it). */
  async function waitFor(id: string, ms: number): Promise<repo.DeliveryRow | undefined> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      const poll = setInterval(() => {
        // Another process may be running it: look at the row now and then.
        void repo
          .find(db, id)
          .then((r) => {
            if (r && (r.status === 'delivered' || r.status === 'failed' || r.status === 'retrying')) done();
          })
          .catch(() => {});
      }, 1000);
      function done() {
        clearTimeout(timer);
        clearInterval(poll);
        settled.off(id, done);
        resolve();
      }
      settled.once(id, done);
    });
    return repo.find(db, id);
  }

  /** How a PSA delivery stands, in the words the runner shows. */
  function psaResultOf(row: repo.DeliveryRow | undefined, delivery: { deliveryId: string; provider: PsaResult['provider'] }): PsaResult {
    const base = { provider: delivery.provider, delivery_id: delivery.deliveryId };
    if (row?.status === 'delivered') return { ...base, status: 'pushed', message: `Added to ${row.target}` };
    if (row?.status === 'failed') return { ...base, status: 'failed', message: row.last_error };
    if (row?.status === 'skipped') return { ...base, status: 'failed', message: `Not sent: ${row.last_error ?? 'no longer needed'}` };
    return { ...base, status: 'queued', message: row?.last_error ? `Will retry: ${row.last_error}` : 'Still sending; it continues in the background' };
  }

  const psaHook: PsaHook = {
    async enqueue(tx, session, documentationId) {
      const settings = await integrations.psaSettings(session.team_id, tx);
      if (!settings || !session.ticket_id) return null;
      const [row] = await enqueue(tx, [
        {
          teamId: session.team_id,
          sessionId: session.id,
          channel: 'psa',
          provider: settings.provider,
          target: `${integrations.label(settings.provider)} ticket ${session.ticket_id}`,
          payload: { documentationId, ticketId: session.ticket_id },
        },
      ]);
      return { deliveryId: row!.id, provider: settings.provider };
    },
    async settle(delivery) {
      if (!delivery) return { status: 'no_psa', provider: null, delivery_id: null, message: null };
      jobs.wake('delivery.psa');
      const row = await waitFor(delivery.deliveryId, deps.psaWaitMs ?? DEFAULT_PSA_WAIT_MS);
      return psaResultOf(row, delivery);
    },
    async latest(teamId, sessionId) {
      const row = await repo.latestForSession(db, teamId, sessionId, 'psa');
      if (!row) return { status: 'no_psa', provider: null, delivery_id: null, message: null };
      return psaResultOf(row, { deliveryId: row.id, provider: row.provider as PsaResult['provider'] });
    },
  };

  return {
    psaHook,
    runDelivery,
    enqueue,
    /** Sets how deliveries of a channel are sent (the handoffs module sends chat and email). */
    setSender(channel: DeliveryChannel, sender: Sender) {
      senders.set(channel, sender);
    },
    /** Start-up's check that every channel a delivery can go through has its sender; throws naming those without. */
    assertEverySender() {
      const missing = DELIVERY_CHANNELS.filter((c) => !senders.has(c));
      if (missing.length) throw new Error(`no sender for the delivery channel${missing.length > 1 ? 's' : ''} ${missing.join(', ')}: every channel needs one (setSender)`);
    },
    /** Wakes the workers of the channels these deliveries go through (after their transaction committed). */
    wake(rows: { channel: DeliveryChannel }[]) {
      for (const channel of new Set(rows.map((r) => r.channel))) jobs.wake(queueOf(channel));
    },

    async list(actor: AuthUser, query: ListDeliveriesQuery): Promise<DeliveryList> {
      if (actor.role !== 'admin') throw forbidden('Only an admin can do this');
      const statuses = query.status === 'open' ? OPEN : [query.status];
      const { rows, total } = await repo.list(db, actor.teamId, statuses, query.limit, query.offset);
      return { items: rows.map(toDelivery), total };
    },

    /** Tries a failed (or waiting) delivery again now, with a fresh allowance of attempts. */
    async retry(actor: AuthUser, id: string): Promise<Delivery> {
      if (actor.role !== 'admin') throw forbidden('Only an admin can do this');
      let channel: DeliveryChannel = 'psa';
      await db.transaction(async (tx) => {
        const row = await repo.lock(tx, actor.teamId, id);
        if (!row) throw notFound('Delivery');
        if (row.status === 'delivered') throw conflict('This was delivered already');
        if (row.status === 'skipped') throw conflict(`This was not needed any more: ${row.last_error ?? 'skipped'}`);
        if (row.status === 'sending') throw conflict('This is being sent right now');
        await repo.update(tx, id, { status: 'retrying', next_attempt_at: new Date(), max_attempts: row.attempts + retry.maxAttempts });
        await jobs.send(tx, queueOf(row.channel), { deliveryId: id, attempt: row.attempts + 1 });
        channel = row.channel;
      });
      jobs.wake(queueOf(channel));
      const row = await repo.findInTeam(db, actor.teamId, id);
      if (!row) throw notFound('Delivery');
      return toDelivery(row);
    },
  };
}
