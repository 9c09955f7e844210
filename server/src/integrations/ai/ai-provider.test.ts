import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { anthropicFailure, startAnthropicFake, type AnthropicFake } from '../../../test/fakes/anthropic.ts';
import { openAiFailure, startOpenAiFake, type OpenAiFake } from '../../../test/fakes/openai-compatible.ts';
import { ConfigError, loadConfig } from '../../config.ts';
import { DeliveryError } from '../outbound.ts';
import { cleanModelText, type TextPrompt } from './ai-provider.ts';
import { anthropicProvider, DEFAULT_ANTHROPIC_MODEL } from './anthropic.ts';
import { createAiProvider } from './index.ts';
import { openAiCompatibleProvider } from './openai-compatible.ts';

const KEY = 'sk-ant-api03-unit-SECRET-51c0ffee';
const PROMPT: TextPrompt = { system: 'Summarise.', user: 'Session record: the printer jammed.', maxTokens: 300, endUserId: 'a'.repeat(32) };

/** The error `fn` rejects with, failing the test when it resolves. */
async function failureOf(fn: () => Promise<unknown>): Promise<DeliveryError> {
  const err = await fn().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DeliveryError);
  return err as DeliveryError;
}

describe('cleanModelText', () => {
  it('removes control, zero-width and bidi characters and collapses whitespace', () => {
    expect(cleanModelText('  Fixed\u0000 the\u202E drive.\n\n\tIt  works\u200B now.\u0007 ', 500)).toBe('Fixed the drive. It works now.');
  });

  it('keeps markup as text: escaping is the renderers’ job', () => {
    expect(cleanModelText('<script>alert(1)</script> & done', 500)).toBe('<script>alert(1)</script> & done');
  });

  it('caps the length at a sentence end, else at a word end with an ellipsis', () => {
    expect(cleanModelText('First sentence here. Second one. Third sentence that runs on and on.', 45)).toBe('First sentence here. Second one.');
    const words = cleanModelText('word '.repeat(50), 42);
    expect(words.endsWith('…')).toBe(true);
    expect(Array.from(words).length).toBeLessThanOrEqual(42);
    expect(words).not.toMatch(/wor…$/);
  });

  it('never splits a character made of two UTF-16 units', () => {
    expect(cleanModelText('😀'.repeat(30), 10)).toBe(`${'😀'.repeat(9)}…`);
  });

  it('is empty when only invisible characters came back', () => {
    expect(cleanModelText('\u200B \n\u0000', 100)).toBe('');
  });
});

describe('AI settings', () => {
  const load = (env: Record<string, string>) => loadConfig(env, mkdtempSync(path.join(tmpdir(), 'flowpilot-ai-')));

  it('defaults to Anthropic, off until a key is set', () => {
    expect(load({}).ai).toEqual({ provider: 'anthropic', apiKey: undefined, baseUrl: undefined, model: undefined });
    expect(createAiProvider(load({}).ai)).toBeNull();
    const on = createAiProvider(load({ ANTHROPIC_API_KEY: KEY }).ai);
    expect(on).toMatchObject({ label: 'Anthropic', model: DEFAULT_ANTHROPIC_MODEL });
    expect(load({ AI_API_KEY: KEY, AI_MODEL: 'claude-x' }).ai).toMatchObject({ apiKey: KEY, model: 'claude-x' });
  });

  it('an OpenAI-compatible endpoint needs its address and model, and never gets the Anthropic key', () => {
    expect(() => load({ AI_PROVIDER: 'openai' })).toThrow(ConfigError);
    expect(() => load({ AI_PROVIDER: 'openai', AI_BASE_URL: 'http://localhost:11434/v1' })).toThrow(/AI_MODEL/);
    const ai = load({ AI_PROVIDER: ' OpenAI ', AI_BASE_URL: 'http://localhost:11434/v1', AI_MODEL: 'llama3.1', ANTHROPIC_API_KEY: KEY }).ai;
    expect(ai).toEqual({ provider: 'openai', apiKey: undefined, baseUrl: 'http://localhost:11434/v1', model: 'llama3.1' });
    expect(createAiProvider(ai)).toMatchObject({ model: 'llama3.1' });
    expect(load({ AI_PROVIDER: 'openai', AI_BASE_URL: 'http://h/v1', AI_MODEL: 'm', AI_API_KEY: 'k' }).ai.apiKey).toBe('k');
  });

  it('refuses an unknown provider', () => {
    expect(() => load({ AI_PROVIDER: 'gemini' })).toThrow(/AI_PROVIDER/);
  });
});

describe('the Anthropic back end', () => {
  let fake: AnthropicFake;
  beforeAll(async () => {
    fake = await startAnthropicFake({ apiKey: KEY, reply: 'The printer was cleared and tested.' });
  });
  afterEach(() => {
    fake.requests.splice(0);
    fake.accepted.splice(0);
  });
  afterAll(async () => fake?.close());

  const provider = (maxRetries = 2, apiKey = KEY) => anthropicProvider({ apiKey, baseUrl: fake.url, model: 'claude-test' }, { maxRetries, timeoutMs: 5_000 });

  it('sends a well-formed Messages request and returns the text', async () => {
    await expect(provider().generate(PROMPT)).resolves.toBe('The printer was cleared and tested.');
    expect(fake.requests.map((r) => [r.path, r.status, r.rejected])).toEqual([['/v1/messages', 200, null]]);
    expect(fake.requests[0]!.headers['anthropic-version']).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(fake.requests[0]!.headers['content-type']).toMatch(/^application\/json/);
    expect(fake.accepted[0]).toEqual({
      model: 'claude-test',
      max_tokens: 300,
      system: 'Summarise.',
      messages: [{ role: 'user', content: 'Session record: the printer jammed.' }],
      metadata: { user_id: 'a'.repeat(32) },
    });
  });

  it('does not retry a 401 and says to check the key, without the key', async () => {
    const err = await failureOf(() => provider(2, 'sk-ant-wrong-key').generate(PROMPT));
    expect(err).toMatchObject({ retryable: false, status: 401 });
    expect(err.message).toMatch(/rejected the API key.*HTTP 401/);
    expect(fake.requests).toHaveLength(1);
  });

  it('retries a 429 after the retry-after it was given', async () => {
    fake.failNext(1, anthropicFailure(429, { retryAfter: '1' }));
    const started = Date.now();
    await expect(provider().generate(PROMPT)).resolves.toBeTruthy();
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(fake.requests.map((r) => r.status)).toEqual([429, 200]);
  });

  it('leaves 5xx and 529 to the job queue once its quick retries are used up', async () => {
    fake.failNext(1, anthropicFailure(529, { message: 'Overloaded' }));
    expect(await failureOf(() => provider(0).generate(PROMPT))).toMatchObject({ retryable: true, status: 529 });
    fake.failNext(1, anthropicFailure(500));
    expect(await failureOf(() => provider(0).generate(PROMPT))).toMatchObject({ retryable: true, status: 500 });
  });

  it('does not ask the job queue to retry a spend limit', async () => {
    fake.failNext(1, anthropicFailure(429, { errorCode: 'enforced_spend_limit_reached', message: 'spend limit reached' }));
    expect(await failureOf(() => provider(0).generate(PROMPT))).toMatchObject({ retryable: false, status: 429 });
  });

  it('blanks out the key if an error message echoes it', async () => {
    fake.failNext(1, anthropicFailure(400, { message: `bad request from key ${KEY}` }));
    const err = await failureOf(() => provider(0).generate(PROMPT));
    expect(err.message).toContain('[redacted]');
    expect(err.message).not.toContain(KEY);
  });

  it('an unreachable address is worth another try later', async () => {
    const gone = await startAnthropicFake({ apiKey: KEY });
    await gone.close();
    const err = await failureOf(() => anthropicProvider({ apiKey: KEY, baseUrl: gone.url }, { maxRetries: 0, timeoutMs: 2_000 }).generate(PROMPT));
    expect(err).toMatchObject({ retryable: true });
    expect(err.message).toMatch(/Could not reach Anthropic/);
  });
});

describe('the OpenAI-compatible back end', () => {
  const OPENAI_KEY = 'sk-local-unit-SECRET-9d8c';
  let fake: OpenAiFake;
  beforeAll(async () => {
    fake = await startOpenAiFake({ apiKey: OPENAI_KEY, reply: 'Cleared the jam; test page printed.' });
  });
  afterEach(() => {
    fake.requests.splice(0);
    fake.accepted.splice(0);
  });
  afterAll(async () => fake?.close());

  const provider = (apiKey: string | undefined = OPENAI_KEY, maxRetries = 2) => openAiCompatibleProvider({ baseUrl: `${fake.url}/v1/`, model: 'llama3.1', apiKey }, { maxRetries, timeoutMs: 5_000 });

  it('posts chat completions with a Bearer key and returns the text', async () => {
    await expect(provider().generate(PROMPT)).resolves.toBe('Cleared the jam; test page printed.');
    expect(fake.requests.map((r) => [r.method, r.path, r.status, r.rejected])).toEqual([['POST', '/v1/chat/completions', 200, null]]);
    expect(fake.requests[0]!.headers.authorization).toBe(`Bearer ${OPENAI_KEY}`);
    expect(fake.accepted[0]).toEqual({
      model: 'llama3.1',
      messages: [
        { role: 'system', content: 'Summarise.' },
        { role: 'user', content: 'Session record: the printer jammed.' },
      ],
      max_tokens: 300,
      temperature: 0.2,
      stream: false,
    });
  });

  it('sends no Authorization header without a key (Ollama needs none)', async () => {
    const open = await startOpenAiFake();
    try {
      await openAiCompatibleProvider({ baseUrl: `${open.url}/v1`, model: 'llama3.1' }).generate(PROMPT);
      expect(open.requests[0]!.headers.authorization).toBeUndefined();
    } finally {
      await open.close();
    }
  });

  it('does not retry a 401', async () => {
    const err = await failureOf(() => provider('wrong').generate(PROMPT));
    expect(err).toMatchObject({ retryable: false, status: 401 });
    expect(err.message).toMatch(/rejected the API key.*Incorrect API key/);
    expect(fake.requests).toHaveLength(1);
  });

  it('retries a 500, and a 429 after its retry-after', async () => {
    fake.failNext(1, openAiFailure(500));
    fake.failNext(1, openAiFailure(429, { retryAfter: '1' }));
    const started = Date.now();
    await expect(provider().generate(PROMPT)).resolves.toBeTruthy();
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(fake.requests.map((r) => r.status)).toEqual([500, 429, 200]);
  });

  it('hands a failure to the job queue once its quick retries are used up', async () => {
    fake.failNext(1, openAiFailure(503));
    expect(await failureOf(() => provider(OPENAI_KEY, 0).generate(PROMPT))).toMatchObject({ retryable: true, status: 503 });
  });
});
