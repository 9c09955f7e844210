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
import { checkSlackBlocks } from './vendor-schemas.ts';

export interface SlackFakeOptions {
  /** Path tokens (`T…/B…/secret`) of the webhooks that exist; others answer 404 `no_service`. */
  tokens?: string[];
}

/** One message Slack would have shown in the channel. */
export interface SlackAcceptedMessage {
  /** The webhook token it was posted to. */
  token: string;
  body: Record<string, unknown>;
}

export interface SlackFake extends StartedFake {
  /** The URL of the first known webhook: `${url}/services/T000/B000/XXXX` by default. */
  webhookUrl: string;
  /** The URL of a webhook that does not exist (revoked, or mistyped), for `no_service`. */
  unknownWebhookUrl: string;
  /** Messages answered 200 `ok`, in arrival order; refused and scripted failures are not here. */
  accepted: SlackAcceptedMessage[];
}

/** The token of the one webhook the fake knows unless told otherwise. */
export const DEFAULT_SLACK_TOKEN = 'T000/B000/XXXX';

/** Limits of integrations.md §4.2 that the community schema does not hold (it allows 100 blocks). */
const MAX_BLOCKS = 50;
/** Slack truncates `text` at 40,000 characters; the fake refuses above the 4,000 FlowPilot keeps to, so a test notices. */
const MAX_TEXT = 4000;
const MAX_ATTACHMENTS = 100;

/** A Slack error: a bare string body, as the webhook answers (not JSON). */
function slackError(status: number, code: string, why: string): Reply {
  return { status, body: code, rejected: `${code}: ${why}` };
}

/**
 * A scripted Slack failure with the real body shape: `slackFailure(429, '{"ok":false}', '1')`
 * for rate limiting, `slackFailure(410, 'channel_is_archived')`, `slackFailure(500, 'rollup_error')`.
 */
export function slackFailure(status: number, body: string, retryAfter?: string): ScriptedFailure {
  return { status, body, headers: retryAfter === undefined ? {} : { 'retry-after': retryAfter } };
}

const textOf = (value: unknown): string | null => (isPlainObject(value) && typeof value.text === 'string' ? value.text : null);

/** The §4.2 limits, checked by hand so the refusal says which one; the schema repeats most of them. */
function limitViolations(blocks: unknown[]): string[] {
  const problems: string[] = [];
  if (blocks.length > MAX_BLOCKS) problems.push(`${blocks.length} blocks; at most ${MAX_BLOCKS} per message`);
  const ids = new Set<string>();
  blocks.forEach((block, i) => {
    if (!isPlainObject(block)) return;
    if (typeof block.block_id === 'string') {
      if (block.block_id.length > 255) problems.push(`/${i}/block_id is over 255 characters`);
      if (ids.has(block.block_id)) problems.push(`/${i}/block_id "${block.block_id}" is not unique in the message`);
      ids.add(block.block_id);
    }
    const text = textOf(block.text);
    if (block.type === 'header' && text !== null && text.length > 150) problems.push(`/${i} header text is ${text.length} characters; at most 150`);
    if (block.type === 'section') {
      if (text !== null && text.length > 3000) problems.push(`/${i} section text is ${text.length} characters; at most 3000`);
      if (Array.isArray(block.fields)) {
        if (block.fields.length > 10) problems.push(`/${i} has ${block.fields.length} fields; at most 10`);
        block.fields.forEach((f, j) => {
          const t = textOf(f);
          if (t !== null && t.length > 2000) problems.push(`/${i}/fields/${j} is ${t.length} characters; at most 2000`);
        });
      }
    }
    if (block.type === 'context' && Array.isArray(block.elements) && block.elements.length > 10) problems.push(`/${i} context has ${block.elements.length} elements; at most 10`);
    if (block.type === 'actions' && Array.isArray(block.elements)) {
      if (block.elements.length > 25) problems.push(`/${i} actions has ${block.elements.length} elements; at most 25`);
      block.elements.forEach((el, j) => {
        if (!isPlainObject(el) || el.type !== 'button') return;
        const t = textOf(el.text);
        if (t !== null && t.length > 75) problems.push(`/${i}/elements/${j} button text is ${t.length} characters; at most 75`);
        if (typeof el.url === 'string' && el.url.length > 3000) problems.push(`/${i}/elements/${j} button url is over 3000 characters`);
        if (typeof el.action_id === 'string' && el.action_id.length > 255) problems.push(`/${i}/elements/${j} action_id is over 255 characters`);
      });
    }
  });
  return problems;
}

/**
 * A Slack incoming-webhook stand-in (integrations.md §4 "Fake must reject"): 405 for
 * anything but POST, 404 `no_service` for an unknown token, 400 `invalid_payload` for a
 * body that is not JSON, 400 `no_text` when there is nothing to show, 400 `invalid_blocks`
 * when the blocks fail the Block Kit schema or a §4.2 limit; otherwise 200 `ok`.
 * `failNext` scripts failures for messages that pass every check.
 */
export async function startSlackFake(options: SlackFakeOptions = {}): Promise<SlackFake> {
  checkSlackBlocks([{ type: 'divider' }]);
  const tokens = new Set(options.tokens ?? [DEFAULT_SLACK_TOKEN]);
  const accepted: SlackAcceptedMessage[] = [];

  function handle(req: FakeRequest, tools: HandlerTools): HandlerResult {
    if (req.method !== 'POST') return { ...slackError(405, 'invalid_method', `${req.method} is not POST`), headers: { allow: 'POST' } };
    const match = /^\/services\/(.+)$/.exec(req.path);
    const token = match?.[1] ?? '';
    if (!tokens.has(token)) return slackError(404, 'no_service', `no webhook at ${req.path}`);
    const json = readJson(req);
    if (!json.ok) return slackError(400, 'invalid_payload', json.reason);
    const body = json.value;
    if (!isPlainObject(body)) return slackError(400, 'invalid_payload', 'the body must be a JSON object');
    if (body.text !== undefined && typeof body.text !== 'string') return slackError(400, 'invalid_payload', 'text must be a string');
    if (body.attachments !== undefined && !Array.isArray(body.attachments)) return slackError(400, 'invalid_payload', 'attachments must be an array');
    const hasText = typeof body.text === 'string' && body.text.trim() !== '';
    const hasBlocks = body.blocks !== undefined;
    const hasAttachments = Array.isArray(body.attachments) && body.attachments.length > 0;
    if (!hasText && !hasBlocks && !hasAttachments) return slackError(400, 'no_text', 'neither text nor blocks nor attachments');
    if (typeof body.text === 'string' && body.text.length > MAX_TEXT) return slackError(400, 'invalid_payload', `text is ${body.text.length} characters; keep it to ${MAX_TEXT}`);
    if (Array.isArray(body.attachments) && body.attachments.length > MAX_ATTACHMENTS) return slackError(400, 'too_many_attachments', `${body.attachments.length} attachments`);
    if (hasBlocks) {
      const problems = [...checkSlackBlocks(body.blocks), ...(Array.isArray(body.blocks) ? limitViolations(body.blocks) : [])];
      if (problems.length > 0) return slackError(400, 'invalid_blocks', problems.slice(0, 5).join('; '));
    }
    return tools.noteWrite(() => {
      accepted.push({ token, body });
      return { status: 200, body: 'ok' };
    });
  }

  const server = await startFakeServer(handle);
  const [first] = tokens;
  return {
    ...server,
    webhookUrl: `${server.url}/services/${first ?? DEFAULT_SLACK_TOKEN}`,
    unknownWebhookUrl: `${server.url}/services/T000/B000/REVOKED`,
    accepted,
  };
}
