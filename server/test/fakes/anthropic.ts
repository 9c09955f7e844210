import { randomBytes } from 'node:crypto';
import { HANG, isPlainObject, readJson, startFakeServer, type FakeRequest, type HandlerResult, type HandlerTools, type Reply, type ScriptedFailure, type StartedFake } from './fake-server.ts';

export interface AnthropicFakeOptions {
  apiKey: string;
  /** What the model answers; the `reply` property changes it later. */
  reply?: string;
}

/** One Messages request that passed every check, as sent. */
export interface MessagesRequest {
  model: string;
  max_tokens: number;
  system?: string | { type: 'text'; text: string }[];
  messages: { role: 'user' | 'assistant'; content: unknown }[];
  metadata?: { user_id?: string };
  [key: string]: unknown;
}

export interface AnthropicFake extends StartedFake {
  /** Valid requests in arrival order, including those answered with a scripted failure. */
  accepted: MessagesRequest[];
  reply: string;
  /** How long the model "thinks" before answering. */
  delayMs: number;
}

/** API versions the fake knows: the one integrations.md §7.1 documents. */
const KNOWN_VERSIONS = new Set(['2023-06-01']);

const TOP_LEVEL = new Set(['model', 'max_tokens', 'messages', 'system', 'temperature', 'top_p', 'top_k', 'stop_sequences', 'stream', 'tools', 'tool_choice', 'metadata', 'thinking', 'service_tier']);

const ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  402: 'billing_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  529: 'overloaded_error',
};

const requestId = () => `req_${randomBytes(12).toString('hex')}`;

function errorBody(status: number, message: string) {
  return { type: 'error', error: { type: ERROR_TYPES[status] ?? 'api_error', message }, request_id: requestId() };
}

function refuse(status: number, message: string): Reply {
  return { status, body: errorBody(status, message), rejected: message };
}

/**
 * A scripted Anthropic error with the real body shape: 429 with `retry-after`,
 * 500 `api_error`, 529 `overloaded_error`, 401 `authentication_error`, ...
 */
export function anthropicFailure(status: number, options: { retryAfter?: string; message?: string; errorCode?: string } = {}): ScriptedFailure {
  const body = errorBody(status, options.message ?? `scripted ${ERROR_TYPES[status] ?? 'error'}`);
  return {
    status,
    headers: { ...(options.retryAfter !== undefined && { 'retry-after': options.retryAfter }) },
    body: options.errorCode ? { ...body, error: { ...body.error, details: { error_code: options.errorCode } } } : body,
  };
}

function isTextBlock(value: unknown): boolean {
  return isPlainObject(value) && value.type === 'text' && typeof value.text === 'string';
}

/** Why a Messages body is malformed, or null when it is fine (integrations.md §7.1, "Fake must reject"). */
function checkBody(body: unknown): string | null {
  if (!isPlainObject(body)) return 'the body must be a JSON object';
  const extra = Object.keys(body).filter((k) => !TOP_LEVEL.has(k));
  if (extra.length) return `${extra[0]}: Extra inputs are not permitted`;
  if (typeof body.model !== 'string' || body.model.trim() === '') return 'model: Field required (a non-empty string)';
  if (typeof body.max_tokens !== 'number' || !Number.isInteger(body.max_tokens) || body.max_tokens < 1) return 'max_tokens: must be an integer of at least 1';
  if (!Array.isArray(body.messages) || body.messages.length === 0) return 'messages: at least one message is required';
  let expected: 'user' | 'assistant' = 'user';
  for (const [i, m] of body.messages.entries()) {
    if (!isPlainObject(m)) return `messages.${i}: must be an object`;
    if (m.role === 'system') return `messages.${i}.role: there is no "system" role in messages; use the top-level system parameter`;
    if (m.role !== 'user' && m.role !== 'assistant') return `messages.${i}.role: must be "user" or "assistant"`;
    if (m.role !== expected) return `messages.${i}.role: roles must alternate, starting with "user"`;
    expected = expected === 'user' ? 'assistant' : 'user';
    const content = m.content;
    const ok = (typeof content === 'string' && content.trim() !== '') || (Array.isArray(content) && content.length > 0 && content.every(isTextBlock));
    if (!ok) return `messages.${i}.content: must be a non-empty string or a list of text blocks`;
  }
  if ('system' in body && typeof body.system !== 'string' && !(Array.isArray(body.system) && body.system.every(isTextBlock))) return 'system: must be a string or a list of text blocks';
  if ('temperature' in body && (typeof body.temperature !== 'number' || body.temperature < 0 || body.temperature > 1)) return 'temperature: must be a number from 0 to 1';
  if ('stop_sequences' in body && !(Array.isArray(body.stop_sequences) && body.stop_sequences.every((s) => typeof s === 'string'))) return 'stop_sequences: must be a list of strings';
  if ('metadata' in body) {
    const md = body.metadata;
    if (!isPlainObject(md) || Object.keys(md).some((k) => k !== 'user_id')) return 'metadata: only user_id is allowed';
    if ('user_id' in md && md.user_id !== null && (typeof md.user_id !== 'string' || md.user_id.length > 256)) return 'metadata.user_id: must be a string of at most 256 characters';
  }
  if (body.stream === true) return 'stream: this fake does not stream';
  return null;
}

const approxTokens = (text: string) => Math.max(1, Math.ceil(text.length / 4));

/**
 * An Anthropic Messages API stand-in: `POST /v1/messages` with the key as
 * `x-api-key` and `anthropic-version: 2023-06-01` (integrations.md §7.1),
 * and a body checked as the real API does. Answers a
 * realistic Message with a `request-id` header; scripted failures come with
 * the real error bodies.
 */
export async function startAnthropicFake(options: AnthropicFakeOptions): Promise<AnthropicFake> {
  const accepted: MessagesRequest[] = [];

  function handle(req: FakeRequest, tools: HandlerTools): HandlerResult {
    if (req.path !== '/v1/messages') return refuse(404, `Not found: ${req.method} ${req.path}`);
    if (req.method !== 'POST') return refuse(405, `${req.method} is not allowed on /v1/messages`);
    const key = req.headers['x-api-key'];
    if (!key) return refuse(401, 'x-api-key header is required');
    if (req.headers.authorization) return refuse(400, 'send the key as x-api-key, not as an Authorization header');
    if (key !== options.apiKey) return refuse(401, 'invalid x-api-key');
    const version = req.headers['anthropic-version'];
    if (!version) return refuse(400, 'anthropic-version: header is required');
    if (!KNOWN_VERSIONS.has(version)) return refuse(400, `anthropic-version: ${version} is not a valid version`);
    const json = readJson(req);
    if (!json.ok) return refuse(400, json.reason);
    const problem = checkBody(json.value);
    if (problem) return refuse(400, problem);
    const body = json.value as MessagesRequest;
    accepted.push(body);
    return tools.noteWrite(() => {
      const text = fake.reply;
      const input = JSON.stringify(body.messages) + JSON.stringify(body.system ?? '');
      return {
        status: 200,
        body: {
          id: `msg_${randomBytes(12).toString('hex')}`,
          type: 'message',
          role: 'assistant',
          model: body.model,
          content: [{ type: 'text', text }],
          stop_reason: 'end_turn',
          stop_sequence: null,
          usage: { input_tokens: approxTokens(input), output_tokens: approxTokens(text), cache_creation_input_tokens: 0, cache_read_input_tokens: 0, service_tier: 'standard' },
        },
      };
    });
  }

  const started = await startFakeServer(async (req, tools) => {
    if (fake.delayMs > 0) await new Promise((r) => setTimeout(r, fake.delayMs));
    const result = handle(req, tools);
    if (result === HANG) return result;
    return { ...result, headers: { 'request-id': requestId(), ...result.headers } };
  });
  const fake: AnthropicFake = { ...started, accepted, delayMs: 0, reply: options.reply ?? 'The user could not reach the file server share. Connectivity was confirmed and the drive was re-mapped, which fixed it.' };
  return fake;
}
