import { randomBytes } from 'node:crypto';
import { isPlainObject, readJson, startFakeServer, type FakeRequest, type HandlerResult, type HandlerTools, type Reply, type ScriptedFailure, type StartedFake } from './fake-server.ts';

export interface OpenAiFakeOptions {
  /** The Bearer key required; unset acts like Ollama, which ignores it. */
  apiKey?: string;
  reply?: string;
}

export interface ChatCompletionRequest {
  model: string;
  messages: { role: string; content: unknown }[];
  max_tokens?: number;
  temperature?: number;
  [key: string]: unknown;
}

export interface OpenAiFake extends StartedFake {
  /** Valid requests in arrival order, including those answered with a scripted failure. */
  accepted: ChatCompletionRequest[];
  reply: string;
}

const ROLES = new Set(['system', 'developer', 'user', 'assistant', 'tool']);

function errorBody(message: string, type: string, code: string | null) {
  return { error: { message, type, param: null, code } };
}

function refuse(status: number, message: string, code: string | null = null): Reply {
  return { status, body: errorBody(message, 'invalid_request_error', code), rejected: message };
}

/** A scripted failure with OpenAI's error body (`ErrorResponse`). */
export function openAiFailure(status: number, options: { retryAfter?: string; message?: string } = {}): ScriptedFailure {
  const type = status === 429 ? 'rate_limit_exceeded' : status >= 500 ? 'server_error' : 'invalid_request_error';
  return { status, headers: { ...(options.retryAfter !== undefined && { 'retry-after': options.retryAfter }) }, body: errorBody(options.message ?? `scripted ${type}`, type, null) };
}

const isPart = (p: unknown) => isPlainObject(p) && p.type === 'text' && typeof p.text === 'string';

/** Why a chat completions body is malformed, or null (integrations.md §7.5). */
function checkBody(body: unknown): string | null {
  if (!isPlainObject(body)) return 'the body must be a JSON object';
  if (typeof body.model !== 'string' || body.model.trim() === '') return 'you must provide a model parameter';
  if (!Array.isArray(body.messages) || body.messages.length === 0) return "'messages' must contain at least one message";
  for (const [i, m] of body.messages.entries()) {
    if (!isPlainObject(m) || typeof m.role !== 'string' || !ROLES.has(m.role)) return `messages[${i}].role: must be one of ${[...ROLES].join(', ')}`;
    const ok = typeof m.content === 'string' || (Array.isArray(m.content) && m.content.every(isPart));
    if (!ok) return `messages[${i}].content: must be a string or a list of text parts`;
  }
  for (const k of ['max_tokens', 'max_completion_tokens']) {
    if (k in body && (typeof body[k] !== 'number' || !Number.isInteger(body[k]) || (body[k] as number) < 1)) return `${k}: must be an integer of at least 1`;
  }
  if ('temperature' in body && (typeof body.temperature !== 'number' || body.temperature < 0 || body.temperature > 2)) return 'temperature: must be a number from 0 to 2';
  if (body.stream === true) return 'stream: this fake does not stream';
  return null;
}

/**
 * An OpenAI-compatible chat completions stand-in (as Ollama, vLLM and the
 * like serve it): `POST /v1/chat/completions`, Bearer key when configured,
 * the body checked against the required fields, and a realistic answer.
 */
export async function startOpenAiFake(options: OpenAiFakeOptions = {}): Promise<OpenAiFake> {
  const accepted: ChatCompletionRequest[] = [];

  function handle(req: FakeRequest, tools: HandlerTools): HandlerResult {
    if (req.path !== '/v1/chat/completions') return refuse(404, `Unknown request URL: ${req.method} ${req.path}`, 'unknown_url');
    if (req.method !== 'POST') return refuse(405, `${req.method} is not allowed`);
    if (options.apiKey !== undefined) {
      const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      if (!bearer) return refuse(401, "You didn't provide an API key", 'missing_api_key');
      if (bearer !== options.apiKey) return refuse(401, 'Incorrect API key provided', 'invalid_api_key');
    }
    const json = readJson(req);
    if (!json.ok) return refuse(400, json.reason);
    const problem = checkBody(json.value);
    if (problem) return refuse(400, problem);
    const body = json.value as ChatCompletionRequest;
    accepted.push(body);
    return tools.noteWrite(() => {
      const prompt = Math.ceil(JSON.stringify(body.messages).length / 4);
      const completion = Math.ceil(fake.reply.length / 4);
      return {
        status: 200,
        body: {
          id: `chatcmpl-${randomBytes(10).toString('hex')}`,
          object: 'chat.completion',
          created: Math.floor(Date.now() / 1000),
          model: body.model,
          choices: [{ index: 0, message: { role: 'assistant', content: fake.reply }, finish_reason: 'stop', logprobs: null }],
          usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion },
        },
      };
    });
  }

  const started = await startFakeServer(handle);
  const fake: OpenAiFake = { ...started, accepted, reply: options.reply ?? 'The drive mapping was restored after confirming the file server answered.' };
  return fake;
}
