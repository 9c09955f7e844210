import { z } from 'zod';
import { isStorableText, NodeId } from './trees.ts';
import { listOf, PageQuery, Uuid } from './common.ts';

/** Trimmed text of at most `max` characters that PostgreSQL can store. */
export const storableText = (max: number) =>
  z
    .string()
    .trim()
    .max(max)
    .refine(isStorableText, 'Text must not contain NUL characters or broken Unicode');
const text = storableText;
const timestamp = () => z.iso.datetime({ offset: true });

export const SESSION_STATUSES = ['active', 'completed', 'escalated', 'requesting_escalation', 'abandoned'] as const;
/** `requesting_escalation` is the legacy name of `escalated`: read-only, still picked up. */
export const SessionStatus = z.enum(SESSION_STATUSES).describe('active | completed | escalated | requesting_escalation (legacy) | abandoned');
export type SessionStatus = z.infer<typeof SessionStatus>;

/** The answer that finishes an action node, opens a link node or returns from a linked tree's solution. */
export const CONTINUE_ANSWER = 'Done';

/** What the customer's ticket says: shown to the technician, written into the documentation and the PSA note. */
export const TicketContext = z.object({
  ticket_id: text(64).nullish().describe("The PSA's ticket number (numeric for ConnectWise, Autotask and HaloPSA)"),
  client_name: text(200).nullish().describe('The customer'),
  device: text(200).nullish().describe('Device or asset, e.g. a hostname or serial'),
  problem_summary: text(2000).nullish().describe('What the customer reported'),
});

export const StartSessionBody = TicketContext.extend({ tree_id: Uuid }).meta({ id: 'StartSessionBody' });
export type StartSessionBody = z.input<typeof StartSessionBody>;

export const UpdateSessionBody = TicketContext.extend({
  notes: text(10_000).nullish().describe('Free notes on the whole session'),
}).meta({ id: 'UpdateSessionBody' });
export type UpdateSessionBody = z.input<typeof UpdateSessionBody>;

export const StepBody = z
  .object({
    node_id: NodeId.describe("The session's current node; anything else is 409 (someone moved on)"),
    answer: text(200).min(1).optional().describe(`A question's option label; "${CONTINUE_ANSWER}" on an action, link, or a linked tree's solution`),
    note: text(5000).min(1).optional().describe('Recorded with the step; a note alone does not move the session'),
    duration_seconds: z.number().int().min(0).max(86_400).optional().describe('Override the time spent on this node (e.g. work done offline)'),
  })
  .refine((b) => b.answer !== undefined || b.note !== undefined, { message: 'Give an answer, a note, or both', path: ['answer'] })
  .meta({ id: 'StepBody' });
export type StepBody = z.input<typeof StepBody>;

export const BackBody = z
  .object({ node_id: NodeId.describe("The session's current node; anything else is 409") })
  .meta({ id: 'BackBody' });
export type BackBody = z.input<typeof BackBody>;

export const OffTreeStepBody = z
  .object({
    action: text(2000).min(1, 'Say what was done'),
    outcome: text(2000).min(1, 'Say what happened'),
    note: text(5000).optional(),
  })
  .meta({ id: 'OffTreeStepBody' });
export type OffTreeStepBody = z.input<typeof OffTreeStepBody>;

export const CompleteSessionBody = z
  .object({ resolution: text(10_000).min(1, 'Describe how it was resolved') })
  .meta({ id: 'CompleteSessionBody' });
export type CompleteSessionBody = z.input<typeof CompleteSessionBody>;

export const AbandonSessionBody = z.object({ reason: text(2000).optional() }).meta({ id: 'AbandonSessionBody' });
export type AbandonSessionBody = z.input<typeof AbandonSessionBody>;

export const STEP_KINDS = ['answer', 'note', 'back', 'enter_link', 'return_link', 'off_tree', 'pause', 'resume', 'context', 'complete', 'abandon', 'escalate', 'transfer', 'pickup'] as const;
export const StepKind = z.enum(STEP_KINDS);
export type StepKind = z.infer<typeof StepKind>;

export const SessionStep = z
  .object({
    id: Uuid,
    seq: z.number().int().describe('1, 2, 3… in the order they happened'),
    kind: StepKind,
    tree_id: Uuid.nullable(),
    node_id: z.string().nullable().describe('The node the step was taken on'),
    node_title: z.string().nullable(),
    node_kind: z.string().nullable(),
    answer: z.string().nullable(),
    note: z.string().nullable(),
    to_node_id: z.string().nullable().describe('Where the session went (null: it stayed)'),
    action: z.string().nullable().describe('Off-tree steps: what was done'),
    outcome: z.string().nullable().describe('Off-tree steps: what happened'),
    user_id: Uuid.nullable(),
    user_name: z.string().nullable(),
    duration_seconds: z.number().int().describe('Time spent on the node before this step, pauses excluded'),
    created_at: timestamp(),
  })
  .meta({ id: 'SessionStep' });
export type SessionStep = z.infer<typeof SessionStep>;

/** Where a linked tree returns to. */
export const LinkFrame = z.object({
  tree_id: Uuid,
  tree_version: z.number().int(),
  link_node_id: z.string(),
  return_node_id: z.string().nullable(),
});
export type LinkFrame = z.infer<typeof LinkFrame>;

export const SessionResponse = z
  .object({
    id: Uuid,
    team_id: Uuid,
    tree_id: Uuid,
    tree_version: z.number().int().describe('The version the session is pinned to'),
    tree_title: z.string(),
    status: SessionStatus,
    paused: z.boolean(),
    user_id: Uuid.describe('Who started it'),
    user_name: z.string().nullable(),
    assigned_to_id: Uuid.nullable(),
    assigned_to_name: z.string().nullable(),
    assigned_via: z.enum(['pickup', 'transfer']).nullable().describe('How the assignee came to hold it: an escalation picked up, or a hand-over'),
    held_by_id: Uuid.describe('The one person who may change the session now: the assignee, else who started it; everyone else reads'),
    held_by_name: z.string().nullable(),
    current_tree_id: Uuid.describe('The tree the current node is in (differs from tree_id inside a linked tree)'),
    current_tree_version: z.number().int(),
    current_node_id: z.string().nullable(),
    link_stack: z.array(LinkFrame).describe('Linked trees entered, outermost first'),
    choices: z.array(z.string()).describe('The answers the current node takes, in order (keys 1–9 in the runner)'),
    can_go_back: z.boolean(),
    ticket_id: z.string().nullable(),
    client_name: z.string().nullable(),
    device: z.string().nullable(),
    problem_summary: z.string().nullable(),
    notes: z.string().nullable(),
    escalation_reason: z.string().nullable(),
    escalated_to_id: Uuid.nullable(),
    escalated_by_id: Uuid.nullable().describe('While it waits for pickup: who escalated it (they cannot pick it up themselves); otherwise null'),
    resolution: z.string().nullable(),
    resolved_by_id: Uuid.nullable().describe('Who completed it'),
    resolved_by_name: z.string().nullable(),
    total_seconds: z.number().int().describe('Time worked on the session, pauses excluded'),
    steps: z.array(SessionStep),
    created_at: timestamp(),
    updated_at: timestamp(),
    completed_at: timestamp().nullable(),
  })
  .meta({ id: 'Session' });
export type SessionResponse = z.infer<typeof SessionResponse>;

export const SessionSummary = SessionResponse.omit({ steps: true, link_stack: true, choices: true, can_go_back: true, notes: true, escalated_by_id: true })
  .extend({ step_count: z.number().int() })
  .meta({ id: 'SessionSummary' });
export type SessionSummary = z.infer<typeof SessionSummary>;
export const SessionList = listOf(SessionSummary).meta({ id: 'SessionList' });
export type SessionList = z.infer<typeof SessionList>;

export const ListSessionsQuery = PageQuery.extend({
  status: SessionStatus.optional(),
  tree_id: Uuid.optional(),
  scope: z.enum(['mine', 'team']).default('mine').describe("mine: started by or assigned to me; team: the whole team's (engineers and admins)"),
  q: text(200).optional().describe('Matches ticket, client, device or problem'),
});
export type ListSessionsQuery = z.infer<typeof ListSessionsQuery>;

export const DocumentationStep = z.object({
  seq: z.number().int(),
  kind: StepKind,
  title: z.string().describe('What the step was, in words'),
  answer: z.string().nullable(),
  note: z.string().nullable(),
  outcome: z.string().nullable(),
  duration_seconds: z.number().int(),
  at: timestamp(),
  by: z.string().nullable(),
});

export const SessionDocumentation = z
  .object({
    id: Uuid,
    session_id: Uuid,
    kind: z.enum(['completion', 'escalation', 'transfer']),
    generated_by: z.enum(['template', 'ai']).describe('Who wrote the summary; an AI summary replaces the template one when ready'),
    summary: z.string(),
    problem: z.string(),
    environment: z.object({ ticket_id: z.string().nullable(), client_name: z.string().nullable(), device: z.string().nullable() }),
    tree: z.object({ id: Uuid, title: z.string(), version: z.number().int() }),
    steps: z.array(DocumentationStep),
    resolution: z.string().nullable(),
    total_seconds: z.number().int(),
    started_by: z.string().nullable().describe('Who started the session'),
    escalated_by: z.string().nullable().describe('Who escalated it last (null: never escalated)'),
    picked_up_by: z.string().nullable().describe('Who picked up the escalation last'),
    resolved_by: z.string().nullable().describe('Who completed it (null: not resolved)'),
    markdown: z.string(),
    html: z.string(),
    created_at: timestamp(),
    updated_at: timestamp(),
  })
  .meta({ id: 'SessionDocumentation' });
export type SessionDocumentation = z.infer<typeof SessionDocumentation>;

export const PsaResult = z
  .object({
    status: z.enum(['pushed', 'queued', 'failed', 'no_psa']),
    provider: z.enum(['connectwise', 'autotask', 'halopsa']).nullable(),
    delivery_id: Uuid.nullable().describe('Follow it in /team/deliveries'),
    message: z.string().nullable(),
  })
  .meta({ id: 'PsaResult' });
export type PsaResult = z.infer<typeof PsaResult>;

export const SessionCloseResponse = z
  .object({ session: SessionResponse, documentation: SessionDocumentation, psa_result: PsaResult })
  .meta({ id: 'SessionCloseResponse' });
export type SessionCloseResponse = z.infer<typeof SessionCloseResponse>;

export const EXPORT_FORMATS = ['markdown', 'json', 'html', 'pdf'] as const;
export const ExportSessionBody = z.object({ format: z.enum(EXPORT_FORMATS) }).meta({ id: 'ExportSessionBody' });
export type ExportSessionBody = z.input<typeof ExportSessionBody>;
