import { randomBytes } from 'node:crypto';
import {
  isPlainObject,
  readJson,
  startFakeServer,
  type FakeRequest,
  type HandlerResult,
  type HandlerTools,
  type Reply,
  type ScriptedFailure,
  type StartedFake,
} from './fake-server.ts';
import { checkAdaptiveCard } from './vendor-schemas.ts';

/**
 * How the fake answers a body the flow cannot use. `strict` refuses it with 400 so a test
 * sees the mistake at once; `like-teams` answers 202 as the real service does (the flow
 * fails later, in its run history) and records a run failure instead.
 */
export type TeamsFakeMode = 'strict' | 'like-teams';

export interface TeamsFakeOptions {
  /** Id of the one workflow that exists; `abc` by default. */
  workflowId?: string;
  /** Its signature (`sig=`); random by default. */
  sig?: string;
  mode?: TeamsFakeMode;
}

/** A flow run that would have failed after the HTTP caller already got 202. */
export interface TeamsRunFailure {
  reason: string;
  body: unknown;
}

export interface TeamsFake extends StartedFake {
  /** The workflow's HTTP POST URL, with `api-version` and the valid `sig`. */
  webhookUrl: string;
  /** The same workflow with a wrong signature: 401. */
  badSignatureUrl: string;
  /** A workflow that does not exist (deleted): 404. */
  deletedWorkflowUrl: string;
  /** Messages answered 202 whose cards the flow could post, in arrival order. */
  accepted: unknown[];
  /** Bodies answered 202 in `like-teams` mode that the flow could not have posted. */
  runFailures: TeamsRunFailure[];
  mode: TeamsFakeMode;
}

/** About 28 KB, the documented maximum message size (integrations.md §5.2). */
export const TEAMS_FAKE_MAX_BYTES = 28 * 1024;
const CARD = 'application/vnd.microsoft.card.adaptive';
const INVOKE = /^\/workflows\/([^/]+)\/triggers\/manual\/paths\/invoke$/;

/** A Logic Apps error body: `{ error: { code, message } }`. */
function flowError(status: number, code: string, message: string): Reply {
  return { status, body: { error: { code, message } }, rejected: `${code}: ${message}` };
}

/** A scripted failure in the Logic Apps shape: `teamsFailure(429, '3')`, `teamsFailure(502)`. */
export function teamsFailure(status: number, retryAfter?: string): ScriptedFailure {
  const code = status === 429 ? 'WorkflowRequestsThrottled' : status >= 500 ? 'ServiceUnavailable' : 'ScriptedFailure';
  return {
    status,
    headers: retryAfter === undefined ? {} : { 'retry-after': retryAfter },
    body: { error: { code, message: `scripted ${status}` } },
  };
}

/** Why the flow could not post this body, or null when it could (the §5 "Fake must reject" list). */
function bodyProblem(value: unknown): string | null {
  if (!isPlainObject(value)) return 'the body must be a JSON object';
  if (value.type !== 'message') return `type must be "message", got ${JSON.stringify(value.type)}`;
  if (!Array.isArray(value.attachments)) return "attachments must be an array ('@triggerOutputs()?['body']?['attachments']' is of type 'Null')";
  if (value.attachments.length === 0) return 'attachments is empty: there is no card to post';
  for (const [i, attachment] of value.attachments.entries()) {
    if (!isPlainObject(attachment)) return `attachments/${i} must be an object`;
    if (attachment.contentType !== CARD) return `attachments/${i}/contentType must be ${CARD}, got ${JSON.stringify(attachment.contentType)}`;
    const card = attachment.content;
    if (!isPlainObject(card)) return `attachments/${i}/content must be an object`;
    if (card.type !== 'AdaptiveCard') return `attachments/${i}/content: Property 'type' must be 'AdaptiveCard'`;
    if (typeof card.version !== 'string' || !/^1\.[0-5]$/.test(card.version)) return `attachments/${i}/content/version must be 1.0 to 1.5, got ${JSON.stringify(card.version)}`;
    const errors = checkAdaptiveCard(card);
    if (errors.length > 0) return `attachments/${i}/content is not a valid Adaptive Card: ${errors.slice(0, 5).join('; ')}`;
  }
  return null;
}

/**
 * A Teams Workflows webhook stand-in ("When a Teams webhook request is received"): 404 for
 * an unknown workflow, 401 for a missing or wrong `sig`, 413 over 28 KB, 400 for a body
 * that is not JSON, not `{type: "message", attachments: [...]}`, or whose cards fail the
 * Adaptive Card 1.4 schema; otherwise 202 with an empty body. In `like-teams` mode bad
 * bodies get 202 too and land in `runFailures`. `failNext` scripts failures for messages
 * that pass every check.
 */
export async function startTeamsFake(options: TeamsFakeOptions = {}): Promise<TeamsFake> {
  checkAdaptiveCard({ type: 'AdaptiveCard', version: '1.4' });
  const workflowId = options.workflowId ?? 'abc';
  const sig = options.sig ?? randomBytes(24).toString('base64url');
  const accepted: unknown[] = [];
  const runFailures: TeamsRunFailure[] = [];
  const state = { mode: options.mode ?? ('strict' as TeamsFakeMode) };

  function handle(req: FakeRequest, tools: HandlerTools): HandlerResult {
    const match = INVOKE.exec(req.path);
    if (!match || match[1] !== workflowId) return flowError(404, 'WorkflowNotFound', `The workflow '${match?.[1] ?? req.path}' could not be found`);
    if (req.method !== 'POST') return flowError(405, 'MethodNotAllowed', `${req.method} is not allowed on a manual trigger`);
    if (!req.query['api-version']) return flowError(400, 'MissingApiVersionParameter', 'The api-version query parameter is required');
    if (!req.query.sig) return flowError(401, 'DirectApiAuthorizationRequired', 'The request must be authenticated with a signature (sig)');
    if (req.query.sig !== sig) return flowError(401, 'DirectApiInvalidAuthorizationSignature', 'The provided signature is not valid');
    const bytes = Buffer.byteLength(req.text, 'utf8');
    if (bytes > TEAMS_FAKE_MAX_BYTES) return flowError(413, 'RequestEntityTooLarge', `The body is ${bytes} bytes; at most ${TEAMS_FAKE_MAX_BYTES}`);

    const json = readJson(req);
    const problem = json.ok ? bodyProblem(json.value) : json.reason;
    if (problem !== null || !json.ok) {
      const reason = problem ?? 'unreadable body';
      if (state.mode === 'strict') return flowError(400, json.ok ? 'TriggerInputSchemaMismatch' : 'InvalidRequestContent', reason);
      runFailures.push({ reason, body: json.ok ? json.value : req.text });
      return { status: 202 };
    }
    const body = json.value;
    return tools.noteWrite(() => {
      accepted.push(body);
      return { status: 202 };
    });
  }

  const server = await startFakeServer(handle);
  const invoke = (id: string, signature: string) =>
    `${server.url}/workflows/${id}/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=${signature}`;
  return {
    ...server,
    webhookUrl: invoke(workflowId, sig),
    badSignatureUrl: invoke(workflowId, `${sig}x`),
    deletedWorkflowUrl: invoke(`${workflowId}-deleted`, sig),
    accepted,
    runFailures,
    get mode() {
      return state.mode;
    },
    set mode(mode: TeamsFakeMode) {
      state.mode = mode;
    },
  };
}
