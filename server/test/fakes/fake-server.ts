import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as the fake saw it, kept so tests can assert exactly what a client sent. */
export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  /** Lower-cased names, as Node delivers them. */
  headers: Record<string, string>;
  /** Parsed JSON or form fields when the body was JSON or form-encoded, else the raw text; null when empty. */
  body: unknown;
  /** The status answered; 0 while unanswered, and for ever when the fake hung on purpose. */
  status: number;
  /** Why the fake refused the request, or null when it was not refused (scripted failures are not refusals). */
  rejected: string | null;
}

export type ScriptedFailure =
  | { status: number; headers?: Record<string, string>; body?: unknown }
  | 'hang'
  | 'store-then-hang';

export interface StoredNote {
  id: number;
  text: string;
  /** The note as the client sent it. */
  raw: unknown;
}

export interface FakePsa {
  /** Base URL without a trailing slash, e.g. http://127.0.0.1:54321. */
  url: string;
  requests: RecordedRequest[];
  notes: Map<number, StoredNote[]>;
  /**
   * Makes the next `times` note writes that pass authentication and validation fail: a
   * malformed write is still refused as such and does not use up a scripted failure.
   */
  failNext(times: number, failure: ScriptedFailure): void;
  /** Stops the server, cutting hanging and keep-alive connections at once. */
  close(): Promise<void>;
}

/** What a vendor handler gets: the request with its body already read. */
export interface FakeRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  text: string;
  /** The Content-Type media type, lower-cased, without parameters; null when absent. */
  mediaType: string | null;
  /** The Content-Type charset parameter, lower-cased; null when absent. */
  charset: string | null;
}

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
  /** Set when the fake refuses the request: the reason, recorded in the request log. */
  rejected?: string;
}

/** Returned by a handler to leave the request unanswered until the client gives up or the fake closes. */
export const HANG = Symbol('hang');

export type HandlerResult = Reply | typeof HANG;

export interface HandlerTools {
  /**
   * Runs a validated note write through the scripted failures: `store` saves the note and
   * returns the success reply; it is skipped for a status failure and for 'hang'.
   */
  noteWrite(store: () => Reply): HandlerResult;
}

export type Handler = (req: FakeRequest, tools: HandlerTools) => HandlerResult | Promise<HandlerResult>;

const MAX_BODY_BYTES = 1024 * 1024;

function flattenHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

function parseContentType(value: string | undefined): { mediaType: string | null; charset: string | null } {
  if (!value) return { mediaType: null, charset: null };
  const [type, ...params] = value.split(';');
  let charset: string | null = null;
  for (const param of params) {
    const [key, val] = param.split('=');
    if (key?.trim().toLowerCase() === 'charset' && val) charset = val.trim().replace(/^"|"$/g, '').toLowerCase();
  }
  return { mediaType: type!.trim().toLowerCase() || null, charset };
}

/** How the request log shows a body: structured when it can be parsed, so tests can assert on it. */
function bodyForLog(req: FakeRequest): unknown {
  if (req.text === '') return null;
  if (req.mediaType === 'application/x-www-form-urlencoded') {
    return Object.fromEntries(new URLSearchParams(req.text));
  }
  if (req.mediaType !== null && /^(application|text)\/(.+\+)?json$/.test(req.mediaType)) {
    try {
      return JSON.parse(req.text) as unknown;
    } catch {
      return req.text;
    }
  }
  return req.text;
}

export type JsonBody = { ok: true; value: unknown } | { ok: false; reason: string };

/** Reads a JSON body, refusing other media types, non-UTF-8 charsets and malformed JSON. */
export function readJson(req: FakeRequest, mediaTypes: readonly string[] = ['application/json']): JsonBody {
  if (req.mediaType === null) return { ok: false, reason: 'Content-Type is missing; expected application/json' };
  if (!mediaTypes.includes(req.mediaType)) {
    return { ok: false, reason: `Content-Type ${req.mediaType} is not accepted; expected ${mediaTypes.join(' or ')}` };
  }
  if (req.charset !== null && req.charset !== 'utf-8' && req.charset !== 'utf8') {
    return { ok: false, reason: `charset ${req.charset} is not accepted; expected utf-8` };
  }
  if (req.text.trim() === '') return { ok: false, reason: 'the request body is empty' };
  try {
    return { ok: true, value: JSON.parse(req.text) as unknown };
  } catch (err) {
    return { ok: false, reason: `the request body is not valid JSON: ${(err as Error).message}` };
  }
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Parses a path segment the way the vendors' int32 route parameters do; null when it is not one. */
export function parseIntId(segment: string): number | null {
  if (!/^-?\d{1,10}$/.test(segment)) return null;
  const n = Number(segment);
  return n >= -2147483648 && n <= 2147483647 ? n : null;
}

function send(res: ServerResponse, reply: Reply): void {
  const headers: Record<string, string> = { ...reply.headers };
  let payload: string | undefined;
  if (reply.body !== undefined) {
    const hasType = Object.keys(headers).some((h) => h.toLowerCase() === 'content-type');
    if (typeof reply.body === 'string') {
      payload = reply.body;
      if (!hasType) headers['content-type'] = 'text/plain; charset=utf-8';
    } else {
      payload = JSON.stringify(reply.body);
      if (!hasType) headers['content-type'] = 'application/json; charset=utf-8';
    }
  }
  res.writeHead(reply.status, headers);
  res.end(payload);
}

export interface StartedFake {
  url: string;
  requests: RecordedRequest[];
  failNext: FakePsa['failNext'];
  close: FakePsa['close'];
}

/**
 * Serves `handler` on 127.0.0.1 at a free port. Every request is logged in arrival order
 * before its body is read, so the log keeps the order even when answers interleave.
 */
export async function startFakeServer(handler: Handler): Promise<StartedFake> {
  const requests: RecordedRequest[] = [];
  const failures: ScriptedFailure[] = [];

  const tools: HandlerTools = {
    noteWrite(store) {
      const failure = failures.shift();
      if (failure === undefined) return store();
      if (failure === 'hang') return HANG;
      if (failure === 'store-then-hang') {
        store();
        return HANG;
      }
      return { status: failure.status, headers: failure.headers, body: failure.body };
    },
  };

  async function handle(req: IncomingMessage, res: ServerResponse, record: RecordedRequest): Promise<void> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        record.status = 413;
        record.rejected = `request body is over ${MAX_BODY_BYTES} bytes`;
        send(res, { status: 413, headers: { connection: 'close' }, body: { message: record.rejected } });
        return;
      }
      chunks.push(chunk);
    }
    const fakeReq: FakeRequest = {
      method: record.method,
      path: record.path,
      query: record.query,
      headers: record.headers,
      text: Buffer.concat(chunks).toString('utf8'),
      ...parseContentType(record.headers['content-type']),
    };
    record.body = bodyForLog(fakeReq);
    let result: HandlerResult;
    try {
      result = await handler(fakeReq, tools);
    } catch (err) {
      const reason = `fake server error: ${String(err)}`;
      result = { status: 500, body: { message: reason }, rejected: reason };
    }
    if (result === HANG) return;
    record.status = result.status;
    record.rejected = result.rejected ?? null;
    send(res, result);
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake.invalid');
    const record: RecordedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: flattenHeaders(req),
      body: null,
      status: 0,
      rejected: null,
    };
    requests.push(record);
    handle(req, res, record).catch((err: unknown) => {
      record.rejected = `fake server error: ${String(err)}`;
      res.destroy();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    failNext(times, failure) {
      if (!Number.isInteger(times) || times < 0) throw new Error(`failNext: times must be a whole number, got ${times}`);
      for (let i = 0; i < times; i++) failures.push(failure);
    },
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

/** An empty note list for every configured ticket, so `notes.get(id)` is defined for known tickets. */
export function noteStore(tickets: readonly number[]): Map<number, StoredNote[]> {
  for (const id of tickets) {
    if (!Number.isInteger(id) || id <= 0) throw new Error(`ticket ids must be positive integers, got ${id}`);
  }
  return new Map(tickets.map((id) => [id, []]));
}

export function storeNote(notes: Map<number, StoredNote[]>, ticketId: number, note: StoredNote): void {
  const list = notes.get(ticketId);
  if (list) list.push(note);
  else notes.set(ticketId, [note]);
}
