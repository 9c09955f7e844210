import { setTimeout as sleep } from 'node:timers/promises';
import { callService, DeliveryError, isRetryableStatus, JSON_HEADERS, parseRetryAfter, type OutboundResponse } from '../outbound.ts';
import { DEFAULT_AI_MAX_RETRIES, DEFAULT_AI_TIMEOUT_MS, type AiClientOptions, type AiProvider, type TextPrompt, withoutSecret } from './ai-provider.ts';

const SERVICE = 'OpenAI-compatible endpoint';

/** Longer waits than this are left to the job queue's retries rather than held in a worker. */
const MAX_IN_PROCESS_WAIT_MS = 60_000;

interface ChatCompletion {
  choices?: { message?: { content?: unknown }; finish_reason?: unknown }[];
}

/** The SDKs' schedule: 0.5 s doubling to 8 s, less up to a quarter of jitter. */
const backoffMs = (retry: number) => Math.min(500 * 2 ** retry, 8_000) * (1 - Math.random() * 0.25);

function failureOf(res: OutboundResponse, apiKey: string | undefined): DeliveryError {
  let said = '';
  try {
    const body = JSON.parse(res.text) as { error?: { message?: unknown } | string };
    const message = typeof body.error === 'string' ? body.error : body.error?.message;
    if (typeof message === 'string') said = `: ${withoutSecret(message, apiKey).slice(0, 300)}`;
  } catch {
    /* not JSON: the status says enough */
  }
  const hint =
    res.status === 401 || res.status === 403
      ? `${SERVICE} rejected the API key: check AI_API_KEY`
      : res.status === 404
        ? `${SERVICE} does not know this model or address: check AI_MODEL and AI_BASE_URL (it usually ends in /v1)`
        : res.status === 429
          ? `${SERVICE} is rate limiting FlowPilot`
          : res.status >= 500
            ? `${SERVICE} had an error`
            : `${SERVICE} refused the request`;
  return new DeliveryError(`${hint} (HTTP ${res.status}${said})`, { retryable: isRetryableStatus(res.status), retryAfterMs: parseRetryAfter(res.headers), status: res.status });
}

/**
 * Any server speaking OpenAI's chat completions (Ollama, llama.cpp, vLLM, LM
 * Studio, OpenAI itself): `POST {baseUrl}/chat/completions` with a Bearer key
 * when one is set. Retries 429/5xx and network errors like the SDKs do.
 */
export function openAiCompatibleProvider(settings: { baseUrl: string; model: string; apiKey?: string | undefined }, options: AiClientOptions = {}): AiProvider {
  const url = `${settings.baseUrl.replace(/\/+$/, '')}/chat/completions`;
  const timeoutMs = options.timeoutMs ?? DEFAULT_AI_TIMEOUT_MS;
  const maxRetries = options.maxRetries ?? DEFAULT_AI_MAX_RETRIES;
  const headers = { ...JSON_HEADERS, ...(settings.apiKey && { authorization: `Bearer ${settings.apiKey}` }) };
  // The address is the operator's own setting, not a user's: a model on the local network is the common case.
  const outbound = { service: SERVICE, allowPrivate: true, timeoutMs };

  async function attempt(prompt: TextPrompt): Promise<string> {
    const body = {
      model: settings.model,
      messages: [
        { role: 'system', content: prompt.system },
        { role: 'user', content: prompt.user },
      ],
      // Local servers implement max_tokens rather than OpenAI's newer max_completion_tokens (integrations.md §7.5).
      max_tokens: prompt.maxTokens,
      temperature: 0.2,
      stream: false,
    };
    const res = await callService(url, { method: 'POST', headers, body: JSON.stringify(body) }, outbound);
    if (res.status !== 200) throw failureOf(res, settings.apiKey);
    const choice = res.json<ChatCompletion>().choices?.[0];
    if (choice?.finish_reason === 'length') throw new DeliveryError(`${SERVICE} cut the answer off at the token limit`, { retryable: false });
    if (choice?.finish_reason === 'content_filter') throw new DeliveryError(`${SERVICE} declined to answer`, { retryable: false });
    const content = choice?.message?.content;
    if (typeof content !== 'string' || !content.trim()) throw new DeliveryError(`${SERVICE} answered without text`, { retryable: false });
    return content;
  }

  return {
    label: SERVICE,
    model: settings.model,
    async generate(prompt, signal) {
      for (let retry = 0; ; retry++) {
        try {
          return await attempt(prompt);
        } catch (err) {
          if (!(err instanceof DeliveryError) || !err.retryable || retry >= maxRetries) throw err;
          const wait = err.retryAfterMs ?? backoffMs(retry);
          if (wait > MAX_IN_PROCESS_WAIT_MS) throw err;
          try {
            await sleep(wait, undefined, signal ? { signal } : {});
          } catch {
            throw new DeliveryError(`The call to the ${SERVICE} was stopped (the job ran out of time)`, { retryable: true });
          }
        }
      }
    },
  };
}
