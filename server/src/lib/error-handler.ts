import { maxHeaderSize, STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { isTransientConflict } from '../db/errors.ts';
import type { ConnectionError, FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors, ResponseSerializationError } from 'fastify-type-provider-zod';
import { AppError } from './errors.ts';

type Loc = (string | number)[];

/**
 * What of an unexpected error goes to the log: never a query's parameters
 * (Drizzle puts them in the message and on the error), which may hold
 * password hashes, tokens or customer data.
 */
export function loggableError(error: unknown): Record<string, unknown> {
  const e = error as { name?: string; message?: string; stack?: string; code?: unknown; cause?: unknown; query?: unknown };
  const scrub = (text: string | undefined) => text?.replace(/\nparams:[\s\S]*$/, '\nparams: [redacted]');
  const cause = e.cause as { code?: unknown; message?: string; constraint?: unknown } | undefined;
  return {
    type: e.name,
    message: scrub(e.message),
    stack: scrub(e.stack),
    ...(e.code !== undefined && { code: e.code }),
    ...(typeof e.query === 'string' && { query: e.query }),
    ...(cause && { cause: { code: cause.code, message: scrub(cause.message), constraint: cause.constraint } }),
  };
}

/** PostgreSQL cannot store U+0000 in text: such input is refused up front, naming the field. */
class NulCharacterError extends Error {
  constructor(readonly loc: Loc) {
    super('NUL character in input');
  }
}

function findNul(value: unknown, loc: Loc, depth = 0): Loc | null {
  if (typeof value === 'string') return value.includes('\u0000') ? loc : null;
  if (depth > 32 || value === null || typeof value !== 'object') return null;
  for (const [key, child] of Object.entries(value)) {
    const found = findNul(child, [...loc, Array.isArray(value) ? Number(key) : key], depth + 1);
    if (found) return found;
  }
  return null;
}

/** A path that exists, asked with a method it does not take. */
class MethodNotAllowedError extends Error {
  constructor(readonly allow: string[]) {
    super('Method not allowed');
  }
}

/**
 * The app's route paths with their methods, to tell a path that does not
 * exist (404) from one asked with the wrong method (405, with `Allow`).
 */
class RouteTable {
  readonly #routes: { methods: Set<string>; pattern: RegExp }[] = [];

  add(methods: string | string[], url: string): void {
    const list = new Set(Array.isArray(methods) ? methods : [methods]);
    if (list.has('GET')) list.add('HEAD');
    const segments = url.split('/').map((segment) => {
      if (segment.endsWith('*')) return '.*';
      if (segment.includes(':')) return '[^/]+';
      return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    });
    this.#routes.push({ methods: list, pattern: new RegExp(`^${segments.join('/')}/?$`) });
  }

  /** The methods the path answers, in a stable order; empty when no route has the path. */
  allowed(path: string): string[] {
    const methods = new Set<string>();
    for (const route of this.#routes) if (route.pattern.test(path)) for (const m of route.methods) methods.add(m);
    return [...methods].sort();
  }
}

/** Errors Fastify meets before any route runs (a malformed URL, a path segment over the length limit). */
export function answerFrameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  if (error.code === 'FST_ERR_BAD_URL') {
    void reply.status(400).send({ detail: 'The address is not valid: it has a malformed percent-encoding' });
    return;
  }
  // A path segment longer than any id: nothing by that id exists.
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    void reply.status(404).send({ detail: 'Not Found' });
    return;
  }
  request.log.error({ err: loggableError(error) }, 'unhandled framework error');
  void reply.status(500).send({ detail: 'Internal server error' });
}

/** The start of a request line: a method, then the target. */
const REQUEST_LINE = /^[A-Z]+ /;

/** Status and detail for a request the HTTP parser refused (it never reaches Fastify). */
function clientErrorAnswer(error: ConnectionError): [number, string] {
  switch (error.code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return [408, 'The request took too long to arrive'];
    case 'HPE_HEADER_OVERFLOW': {
      // The parser counts the request line with the headers: when the line alone takes half the room, the URI is the problem.
      const raw: unknown = error.rawPacket;
      const head = Buffer.isBuffer(raw) ? raw.toString('latin1', 0, maxHeaderSize + 2) : '';
      const line = head.split('\r\n', 1)[0] ?? '';
      if (REQUEST_LINE.test(line) && line.length >= maxHeaderSize / 2) return [414, 'The address (URI) is too long'];
      return [431, 'The request headers (or its address) are too large'];
    }
    case 'HPE_INVALID_CONTENT_LENGTH':
    case 'HPE_UNEXPECTED_CONTENT_LENGTH':
      return [400, 'The Content-Length header is not valid'];
    case 'HPE_INVALID_HEADER_TOKEN':
    case 'HPE_INVALID_EOF_STATE':
    case 'HPE_LF_EXPECTED':
    case 'HPE_CR_EXPECTED':
      return [400, 'A request header is malformed'];
    case 'HPE_INVALID_METHOD':
      return [400, 'The request method is not valid'];
    case 'HPE_INVALID_URL':
      return [400, 'The request address is not valid'];
    case 'HPE_INVALID_TRANSFER_ENCODING':
    case 'HPE_INVALID_CHUNK_SIZE':
      return [400, 'The request body encoding is not valid'];
    default:
      return [400, 'The request is not valid HTTP'];
  }
}

/**
 * Answers a request the HTTP parser refused (a URI or headers too large, a
 * malformed header or Content-Length) with `{"detail": ...}`, then closes
 * the connection: what follows on it cannot be trusted.
 */
export function answerClientError(this: FastifyInstance, error: ConnectionError, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, detail] = clientErrorAnswer(error);
  this.log.debug({ code: error.code, status }, 'refused a malformed request');
  if (socket.writable) {
    const body = JSON.stringify({ detail });
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}

/**
 * Maps every error to `{"detail": ...}` with the right status. Anything not
 * known is logged and answered with a generic 500 that leaks nothing.
 */
export function registerErrorHandler(app: FastifyInstance): void {
  const routes = new RouteTable();
  app.addHook('onRoute', (route) => routes.add(route.method, route.url));
  let closing = false;
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  app.addHook('onRequest', (request, _reply, done) => {
    // A request arriving on a kept-alive connection while the server drains: another process (or this one, restarted) takes it.
    if (closing) return done(new AppError(503, 'This FlowPilot server is shutting down: try again in a moment', { 'retry-after': '1' }));
    if (request.raw.httpVersion === '1.1' && request.headers.host === undefined) return done(new AppError(400, 'The Host header is missing'));
    if (request.is404) {
      const allow = routes.allowed(request.url.split('?', 1)[0] ?? '');
      if (allow.length > 0 && !allow.includes(request.method)) return done(new MethodNotAllowedError(allow));
    }
    done();
  });
  app.addHook('preValidation', async (request) => {
    const found = findNul(request.body, ['body']) ?? findNul(request.query, ['querystring']) ?? findNul(request.params, ['params']);
    if (found) throw new NulCharacterError(found);
  });
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof NulCharacterError) {
      return reply.status(422).send({ detail: [{ loc: error.loc, msg: 'Text must not contain NUL characters', type: 'nul_character' }] });
    }
    if (error instanceof MethodNotAllowedError) {
      return reply.status(405).header('allow', error.allow.join(', ')).send({ detail: `${request.method} is not allowed here; this address takes ${error.allow.join(', ')}` });
    }
    if (error instanceof AppError) {
      return reply.status(error.status).headers(error.headers).send({ detail: error.detail });
    }
    if (hasZodFastifySchemaValidationErrors(error)) {
      const where = error.validationContext ?? 'body';
      const seen = new Set<string>();
      const detail = [];
      // One entry per field: the first problem is the one to fix.
      for (const v of error.validation) {
        if (seen.has(v.instancePath)) continue;
        seen.add(v.instancePath);
        const path: Loc = v.instancePath
          .split('/')
          .filter((p) => p !== '')
          .map((p) => (/^\d+$/.test(p) ? Number(p) : p));
        detail.push({ loc: [where, ...path], msg: v.message ?? 'Invalid value', type: v.keyword });
      }
      return reply.status(422).send({ detail });
    }
    if (error instanceof ResponseSerializationError) {
      request.log.error({ err: error, issues: error.cause.issues }, 'response did not match its schema');
      return reply.status(500).send({ detail: 'Internal server error' });
    }
    if (isTransientConflict(error)) {
      request.log.warn({ err: loggableError(error) }, 'a transaction lost a deadlock or serialization conflict');
      return reply.status(409).send({ detail: 'Someone changed this at the same moment: try again' });
    }
    const status = error.statusCode ?? 500;
    if (status === 413 || error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return reply.status(413).send({ detail: 'Request body is too large' });
    }
    if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      return reply.status(415).send({ detail: `Unsupported content type: ${request.headers['content-type'] ?? 'none'}` });
    }
    if (error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') {
      return reply.status(400).send({ detail: 'The request body is empty but the content type is JSON' });
    }
    if (error instanceof SyntaxError || error.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
      return reply.status(400).send({ detail: 'The request body is not valid JSON' });
    }
    if (status === 429) {
      return reply.status(429).send({ detail: 'Too many requests' });
    }
    if (status >= 400 && status < 500) {
      return reply.status(status).send({ detail: error.message });
    }
    request.log.error({ err: loggableError(error) }, 'unhandled error');
    return reply.status(500).send({ detail: 'Internal server error' });
  });
}
