import type { Config } from '../../config.ts';

export type AiSettings = Config['ai'];

/** One request for text: standing instructions and a single user turn. */
export interface TextPrompt {
  /** Anthropic's top-level `system`; a system message on OpenAI-compatible endpoints. */
  system: string;
  user: string;
  maxTokens: number;
  /** An opaque id (a hash) of whom the text is for, which Anthropic uses against abuse; never a name or address. */
  endUserId?: string;
}

/**
 * A language model behind one of the supported APIs. Failures are
 * `DeliveryError`s that say whether trying again later can help and never
 * carry the API key.
 */
export interface AiProvider {
  /** The service as an operator knows it, for logs: "Anthropic". */
  readonly label: string;
  readonly model: string;
  /** The model's answer as sent: untrusted text, to be passed through `cleanModelText` before use. */
  generate(prompt: TextPrompt, signal?: AbortSignal): Promise<string>;
}

export interface AiClientOptions {
  /** Per HTTP attempt; integrations.md §0 asks for 60–120 s for an LLM. */
  timeoutMs?: number;
  /** Quick in-process retries of 429/5xx and network errors before the job queue's slower ones take over. */
  maxRetries?: number;
}

export const DEFAULT_AI_TIMEOUT_MS = 60_000;
export const DEFAULT_AI_MAX_RETRIES = 2;

/** A service's own error text with the key blanked out, in case a proxy echoes request headers back. */
export function withoutSecret(text: string, secret: string | undefined): string {
  return secret ? text.split(secret).join('[redacted]') : text;
}

// C0/C1 controls except tab and newlines, plus zero-width and bidirectional
// formatting characters that can make a note read differently from what it holds.
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const INVISIBLE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u200B-\u200F\u202A-\u202E\u2060-\u2069\uFEFF]/g;

/**
 * Model output made safe to store as a one-paragraph summary: invisible and
 * control characters removed, whitespace collapsed, at most `maxChars`
 * characters (cut at a sentence or word end). Empty when nothing is left.
 */
export function cleanModelText(text: string, maxChars: number): string {
  const flat = text.normalize('NFC').replace(INVISIBLE, '').replace(/\s+/g, ' ').trim();
  const chars = Array.from(flat);
  if (chars.length <= maxChars) return flat;
  const cut = chars.slice(0, maxChars - 1).join('');
  const sentenceEnd = Math.max(cut.lastIndexOf('. '), cut.lastIndexOf('! '), cut.lastIndexOf('? '));
  if (sentenceEnd >= cut.length / 2) return cut.slice(0, sentenceEnd + 1);
  const wordEnd = cut.lastIndexOf(' ');
  return `${(wordEnd >= cut.length / 2 ? cut.slice(0, wordEnd) : cut).trimEnd()}…`;
}
