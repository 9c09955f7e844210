import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAnthropicFake, type AnthropicFake } from './anthropic.ts';
import { startOpenAiFake, type OpenAiFake } from './openai-compatible.ts';

const KEY = 'sk-ant-fake-test-key';
const GOOD = { model: 'claude-test', max_tokens: 100, system: 'Be brief.', messages: [{ role: 'user', content: 'Hello' }] };

describe('the Anthropic fake', () => {
  let fake: AnthropicFake;
  beforeAll(async () => {
    fake = await startAnthropicFake({ apiKey: KEY, reply: 'Hi.' });
  });
  afterAll(async () => fake?.close());

  const post = (body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${fake.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': KEY, 'anthropic-version': '2023-06-01', 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  it('answers a well-formed request (2023-06-01, x-api-key) with a realistic Message and a request-id', async () => {
    const res = await post({ ...GOOD, temperature: 0.2, metadata: { user_id: 'abc' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('request-id')).toMatch(/^req_/);
    expect(await res.json()).toMatchObject({
      id: expect.stringMatching(/^msg_/),
      type: 'message',
      role: 'assistant',
      model: 'claude-test',
      content: [{ type: 'text', text: 'Hi.' }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: expect.any(Number), output_tokens: expect.any(Number) },
    });
  });

  it('refuses the key as a Bearer token: FlowPilot sends x-api-key', async () => {
    const res = await post(GOOD, { 'x-api-key': '', authorization: `Bearer ${KEY}` });
    expect(res.status).toBe(401);
  });

  it.each([
    ['no key', GOOD, { 'x-api-key': '' }, 401, 'authentication_error'],
    ['a wrong key', GOOD, { 'x-api-key': 'nope' }, 401, 'authentication_error'],
    ['no version', GOOD, { 'anthropic-version': '' }, 400, 'invalid_request_error'],
    ['an unknown version', GOOD, { 'anthropic-version': '2024-01-01' }, 400, 'invalid_request_error'],
    ['a non-JSON body', 'model=x', { 'content-type': 'application/x-www-form-urlencoded' }, 400, 'invalid_request_error'],
    ['malformed JSON', '{"model":', {}, 400, 'invalid_request_error'],
    ['no model', { ...GOOD, model: undefined }, {}, 400, 'invalid_request_error'],
    ['max_tokens 0', { ...GOOD, max_tokens: 0 }, {}, 400, 'invalid_request_error'],
    ['a fractional max_tokens', { ...GOOD, max_tokens: 1.5 }, {}, 400, 'invalid_request_error'],
    ['no messages', { ...GOOD, messages: [] }, {}, 400, 'invalid_request_error'],
    ['a system role in messages', { ...GOOD, messages: [{ role: 'system', content: 'x' }] }, {}, 400, 'invalid_request_error'],
    ['an assistant turn first', { ...GOOD, messages: [{ role: 'assistant', content: 'x' }] }, {}, 400, 'invalid_request_error'],
    ['two user turns in a row', { ...GOOD, messages: [{ role: 'user', content: 'a' }, { role: 'user', content: 'b' }] }, {}, 400, 'invalid_request_error'],
    ['empty content', { ...GOOD, messages: [{ role: 'user', content: '' }] }, {}, 400, 'invalid_request_error'],
    ['a non-text system', { ...GOOD, system: 42 }, {}, 400, 'invalid_request_error'],
    ['an unknown field', { ...GOOD, user: 'x' }, {}, 400, 'invalid_request_error'],
    ['a newer version than FlowPilot speaks', GOOD, { 'anthropic-version': '2026-10-21' }, 400, 'invalid_request_error'],
  ] as const)('refuses %s', async (_name, body, headers, status, type) => {
    const res = await post(body, headers);
    expect(res.status).toBe(status);
    expect(res.headers.get('request-id')).toMatch(/^req_/);
    expect(await res.json()).toMatchObject({ type: 'error', error: { type, message: expect.any(String) } });
    expect(fake.requests.at(-1)!.rejected).toBeTruthy();
  });
});

describe('the OpenAI-compatible fake', () => {
  let fake: OpenAiFake;
  beforeAll(async () => {
    fake = await startOpenAiFake({ apiKey: 'sk-local', reply: 'Hi.' });
  });
  afterAll(async () => fake?.close());

  const post = (body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${fake.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: 'Bearer sk-local', 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
  const good = { model: 'llama3.1', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hello' }], max_tokens: 50 };

  it('answers a well-formed request with a chat.completion', async () => {
    const res = await post(good);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      object: 'chat.completion',
      model: 'llama3.1',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Hi.' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: expect.any(Number), completion_tokens: expect.any(Number), total_tokens: expect.any(Number) },
    });
  });

  it.each([
    ['no key', good, { authorization: '' }, 401],
    ['a wrong key', good, { authorization: 'Bearer nope' }, 401],
    ['no model', { ...good, model: '' }, {}, 400],
    ['no messages', { ...good, messages: [] }, {}, 400],
    ['an unknown role', { ...good, messages: [{ role: 'robot', content: 'x' }] }, {}, 400],
    ['max_tokens 0', { ...good, max_tokens: 0 }, {}, 400],
  ] as const)('refuses %s', async (_name, body, headers, status) => {
    const res = await post(body, headers);
    expect(res.status).toBe(status);
    expect(await res.json()).toMatchObject({ error: { message: expect.any(String), type: expect.any(String) } });
  });
});
