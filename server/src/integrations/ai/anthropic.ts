import Anthropic, { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from '@anthropic-ai/sdk';
import { DeliveryError, isRetryableStatus } from '../outbound.ts';
import { DEFAULT_AI_MAX_RETRIES, DEFAULT_AI_TIMEOUT_MS, type AiClientOptions, type AiProvider, type TextPrompt, withoutSecret } from './ai-provider.ts';

/** Fast and inexpensive, which suits a few sentences of summary; AI_MODEL picks another. */
export const DEFAULT_ANTHROPIC_MODEL = 'claude-haiku-5-5';

const SERVICE = 'Anthropic';
/** The Messages API version FlowPilot speaks (integrations.md §7.1). */
export const ANTHROPIC_VERSION = '2023-06-01';
const DEFAULT_BASE_URL = 'https://api.anthropic.com';

/** Anthropic's own words about a failure, cut short. */
const said = (err: APIError, apiKey: string) => (err.apiMessage ? `: ${withoutSecret(err.apiMessage, apiKey).slice(0, 300)}` : '');

function hintFor(err: APIError): string {
  switch (err.status) {
    case 401:
      return 'Anthropic rejected the API key: check ANTHROPIC_API_KEY';
    case 403:
      return 'Anthropic refused access: the API key lacks the permission';
    case 404:
      return 'Anthropic does not know this model or address: check AI_MODEL and AI_BASE_URL';
    case 429:
      return err.errorCode === 'enforced_spend_limit_reached' ? 'Anthropic stopped at the spend limit' : 'Anthropic is rate limiting FlowPilot';
    default:
      return err.status !== undefined && err.status >= 500 ? 'Anthropic had an error or is overloaded' : 'Anthropic refused the request';
  }
}

/** Turns whatever the SDK threw into a DeliveryError that says whether a later try can help. */
function toDeliveryError(err: unknown, timeoutMs: number, apiKey: string): unknown {
  if (err instanceof APIConnectionTimeoutError) {
    return new DeliveryError(`${SERVICE} did not answer within ${Math.round(timeoutMs / 1000)} s`, { retryable: true });
  }
  if (err instanceof APIUserAbortError) return new DeliveryError(`The ${SERVICE} call was stopped (the job ran out of time)`, { retryable: true });
  if (err instanceof APIConnectionError) return new DeliveryError(`Could not reach ${SERVICE}: check AI_BASE_URL and the network`, { retryable: true });
  if (err instanceof APIError && err.status !== undefined) {
    // A spend limit does not lift by waiting a few minutes (integrations.md §7.3).
    const retryable = isRetryableStatus(err.status) && err.errorCode !== 'enforced_spend_limit_reached';
    return new DeliveryError(`${hintFor(err)} (HTTP ${err.status}${said(err, apiKey)})`, { retryable, status: err.status });
  }
  return err;
}

/**
 * The Anthropic Messages API through the official SDK, which sends the
 * credentials and API version and retries 429/5xx (honouring retry-after-ms
 * and retry-after) up to `maxRetries` times.
 */
export function anthropicProvider(settings: { apiKey: string; baseUrl?: string | undefined; model?: string | undefined }, options: AiClientOptions = {}): AiProvider {
  const timeoutMs = options.timeoutMs ?? DEFAULT_AI_TIMEOUT_MS;
  const model = settings.model ?? DEFAULT_ANTHROPIC_MODEL;
  // Everything is passed explicitly so the SDK's own ANTHROPIC_* variables cannot override config.ts.
  // The credentials and API version go on the wire as integrations.md §7.1 has them (x-api-key,
  // anthropic-version 2023-06-01), not as this SDK's newer defaults (a Bearer token, a newer version).
  const client = new Anthropic({
    apiKey: null,
    authToken: null,
    defaultHeaders: { 'x-api-key': settings.apiKey, 'anthropic-version': ANTHROPIC_VERSION },
    baseURL: (settings.baseUrl ?? DEFAULT_BASE_URL).replace(/\/+$/, ''),
    webhookKey: null,
    timeout: timeoutMs,
    maxRetries: options.maxRetries ?? DEFAULT_AI_MAX_RETRIES,
    // FlowPilot logs the failures itself, without request details.
    logLevel: 'off',
  });

  return {
    label: SERVICE,
    model,
    async generate(prompt: TextPrompt, signal?: AbortSignal): Promise<string> {
      let message: Anthropic.Message;
      try {
        // No sampling temperature: newer models refuse one, and a summary does not need it.
        message = await client.messages.create(
          {
            model,
            max_tokens: prompt.maxTokens,
            system: prompt.system,
            messages: [{ role: 'user', content: prompt.user }],
            ...(prompt.endUserId && { metadata: { user_id: prompt.endUserId } }),
          },
          signal ? { signal } : undefined,
        );
      } catch (err) {
        throw toDeliveryError(err, timeoutMs, settings.apiKey);
      }
      if (message.stop_reason === 'max_tokens') throw new DeliveryError(`${SERVICE} cut the answer off at the token limit`, { retryable: false });
      if (message.stop_reason === 'refusal') throw new DeliveryError(`${SERVICE} declined to answer`, { retryable: false });
      const text = message.content.map((block) => (block.type === 'text' ? block.text : '')).join('');
      if (!text.trim()) throw new DeliveryError(`${SERVICE} answered without text`, { retryable: false });
      return text;
    },
  };
}
