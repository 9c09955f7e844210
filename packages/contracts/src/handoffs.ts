import { z } from 'zod';
import { listOf, PageQuery, Uuid } from './common.ts';
import { SessionCloseResponse, SessionResponse, storableText as text } from './sessions.ts';

const timestamp = () => z.iso.datetime({ offset: true });

export const HANDOFF_INTENTS = ['escalate', 'transfer'] as const;
export const HandoffIntent = z.enum(HANDOFF_INTENTS).describe('escalate: to a senior (or the queue); transfer: to a named colleague (shift change)');
export type HandoffIntent = z.infer<typeof HandoffIntent>;

/** The legacy body of `POST /sessions/{id}/escalate`. */
export const EscalateBody = z
  .object({
    reason: text(5000).min(1, 'Say why you are stuck'),
    target_user_id: Uuid.nullish().describe("An engineer or admin of the team; empty: the team's escalation queue"),
  })
  .meta({ id: 'EscalateBody' });
export type EscalateBody = z.input<typeof EscalateBody>;

export const HandoffBody = EscalateBody.extend({
  intent: HandoffIntent,
})
  .refine((b) => b.intent !== 'transfer' || !!b.target_user_id, { message: 'A transfer needs the colleague to hand over to', path: ['target_user_id'] })
  .meta({ id: 'HandoffBody' });
export type HandoffBody = z.input<typeof HandoffBody>;

export const PackageStep = z.object({
  seq: z.number().int(),
  title: z.string().describe('The node or action, in words'),
  answer: z.string().nullable(),
  outcome: z.string().nullable(),
  note: z.string().nullable(),
  duration_seconds: z.number().int(),
  by: z.string().nullable(),
});

export const SimilarSession = z.object({
  session_id: Uuid,
  ticket_id: z.string().nullable(),
  client_name: z.string().nullable(),
  problem_summary: z.string().nullable(),
  resolution: z.string().nullable(),
  completed_at: timestamp().nullable(),
});

/** What the engineer picking up needs to know in 30 seconds. */
export const EscalationPackage = z
  .object({
    generated_by: z.enum(['template', 'ai']).describe('template: built at once from the session; ai: enriched by the AI model when ready'),
    headline: z.string().describe('The whole story in one or two sentences'),
    problem: z.string(),
    tree: z.object({ id: Uuid, title: z.string(), version: z.number().int() }),
    environment: z.object({ ticket_id: z.string().nullable(), client_name: z.string().nullable(), device: z.string().nullable() }),
    reason: z.string().describe("The technician's reason"),
    escalated_by: z.string().nullable(),
    stopped_at: z
      .object({ node_id: z.string(), title: z.string(), kind: z.string(), body: z.string().nullable() })
      .nullable()
      .describe('The node where it stopped; the engineer continues here'),
    steps_tried: z.array(PackageStep),
    time_spent_seconds: z.number().int(),
    hypotheses: z.array(z.string()).describe('Likely causes'),
    next_steps: z.array(z.string()).describe('Suggested next steps'),
    similar_sessions: z.array(SimilarSession).describe('Resolved sessions of the team on the same tree or problem'),
  })
  .meta({ id: 'EscalationPackage' });
export type EscalationPackage = z.infer<typeof EscalationPackage>;

export const Handoff = z
  .object({
    id: Uuid,
    session_id: Uuid,
    intent: HandoffIntent,
    status: z.enum(['pending', 'accepted', 'cancelled']).describe('pending until picked up; transfers are accepted at once'),
    reason: z.string(),
    from_user_id: Uuid.nullable(),
    from_user_name: z.string().nullable(),
    to_user_id: Uuid.nullable(),
    to_user_name: z.string().nullable(),
    node_id: z.string().nullable(),
    package: EscalationPackage,
    accepted_by_id: Uuid.nullable(),
    accepted_by_name: z.string().nullable(),
    accepted_at: timestamp().nullable(),
    created_at: timestamp(),
  })
  .meta({ id: 'Handoff' });
export type Handoff = z.infer<typeof Handoff>;

export const HandoffResponse = SessionCloseResponse.extend({ handoff: Handoff }).meta({ id: 'HandoffResponse' });
export type HandoffResponse = z.infer<typeof HandoffResponse>;

export const PickupResponse = z.object({ session: SessionResponse, handoff: Handoff }).meta({ id: 'PickupResponse' });
export type PickupResponse = z.infer<typeof PickupResponse>;

export const EscalationQueueItem = z
  .object({
    session_id: Uuid,
    handoff_id: Uuid.nullable().describe('null for a legacy session waiting as requesting_escalation'),
    status: z.enum(['escalated', 'requesting_escalation']),
    tree_title: z.string(),
    ticket_id: z.string().nullable(),
    client_name: z.string().nullable(),
    device: z.string().nullable(),
    problem_summary: z.string().nullable(),
    reason: z.string().nullable(),
    technician_id: Uuid,
    technician_name: z.string().nullable(),
    target_user_id: Uuid.nullable(),
    target_user_name: z.string().nullable(),
    escalated_at: timestamp(),
    waiting_seconds: z.number().int(),
    overdue: z.boolean().describe('Waiting longer than the first step of the escalation chain'),
    link: z.string(),
  })
  .meta({ id: 'EscalationQueueItem' });
export type EscalationQueueItem = z.infer<typeof EscalationQueueItem>;
export const EscalationList = listOf(EscalationQueueItem).meta({ id: 'EscalationList' });
export type EscalationList = z.infer<typeof EscalationList>;
export const ListEscalationsQuery = PageQuery.extend({
  mine: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional()
    .describe('true: only those sent to me'),
});
export type ListEscalationsQuery = z.infer<typeof ListEscalationsQuery>;

export const NOTIFICATION_TYPES = ['escalation', 'escalation_reminder', 'picked_up', 'transfer'] as const;
export const Notification = z
  .object({
    id: Uuid,
    type: z.enum(NOTIFICATION_TYPES),
    title: z.string(),
    body: z.string(),
    link: z.string().nullable().describe('Where clicking it leads, e.g. /pilot/{session_id}?pickup=true'),
    session_id: Uuid.nullable(),
    read_at: timestamp().nullable(),
    outcome: z.string().nullable().describe('What became of it, e.g. "Picked up by Sam Rivera"'),
    created_at: timestamp(),
  })
  .meta({ id: 'Notification' });
export type Notification = z.infer<typeof Notification>;
export const NotificationList = listOf(Notification).meta({ id: 'NotificationList' });
export type NotificationList = z.infer<typeof NotificationList>;
export const ListNotificationsQuery = PageQuery.extend({
  unread: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional()
    .describe('true: only unread ones'),
});
export type ListNotificationsQuery = z.infer<typeof ListNotificationsQuery>;

export const EVENT_TYPES = ['notification.created', 'escalation.created', 'escalation.picked_up', 'session.updated', 'queue.count'] as const;
export type EventType = (typeof EVENT_TYPES)[number];
/** What each live event carries: ids (and a count), so the client refetches what changed. */
export interface EventData {
  'notification.created': { notification_id: string; session_id: string | null; type: Notification['type'] };
  'escalation.created': { session_id: string; handoff_id: string };
  'escalation.picked_up': { session_id: string; handoff_id: string | null; by_user_id: string; by_user_name: string };
  /** `step_count`: how many steps the session has after the change (a client that has them all need not refetch). */
  'session.updated': { session_id: string; step_count?: number };
  'queue.count': { count: number };
}

export const EventTicketResponse = z
  .object({
    ticket: z.string().describe('Open GET /api/v1/events?ticket=… with it, once, within expires_in seconds'),
    expires_in: z.number().int(),
  })
  .meta({ id: 'EventTicket' });
export type EventTicketResponse = z.infer<typeof EventTicketResponse>;

export const CHAIN_AUDIENCES = ['target', 'engineers', 'admins'] as const;
export const ChainStep = z.object({
  after_minutes: z.number().int().min(1).max(7 * 24 * 60).describe('Minutes after the escalation'),
  notify: z.enum(CHAIN_AUDIENCES).describe("target: the engineer it was sent to (else every engineer); engineers: every engineer and admin; admins: the team's admins"),
});
export type ChainStep = z.infer<typeof ChainStep>;
export const EscalationChain = z
  .array(ChainStep)
  .max(10)
  .refine((steps) => steps.every((s, i) => i === 0 || s.after_minutes > steps[i - 1]!.after_minutes), 'Each step must come later than the one before')
  .describe('Re-announce an escalation nobody picked up, widening the audience; [] turns it off');
export const DEFAULT_ESCALATION_CHAIN: ChainStep[] = [
  { after_minutes: 5, notify: 'target' },
  { after_minutes: 10, notify: 'engineers' },
  { after_minutes: 20, notify: 'admins' },
];

export const TeamSettings = z.object({ escalation_chain: EscalationChain }).meta({ id: 'TeamSettings' });
export type TeamSettings = z.infer<typeof TeamSettings>;
export const UpdateTeamSettingsBody = z.object({ escalation_chain: EscalationChain.optional() }).meta({ id: 'UpdateTeamSettingsBody' });
export type UpdateTeamSettingsBody = z.input<typeof UpdateTeamSettingsBody>;

export const NotificationSettings = z
  .object({ escalation_emails: z.boolean().describe('Email me when a session is escalated or handed to me') })
  .meta({ id: 'NotificationSettings' });
export type NotificationSettings = z.infer<typeof NotificationSettings>;
