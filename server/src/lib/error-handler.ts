import { isTransientConflict } from '../db/errors.ts';
import type { FastifyError, FastifyInstance } from 'fastify';
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

/**
 * Maps every error to `{"detail": ...}` with the right status. Anything not
 * known is logged and answered with a generic 500 that leaks nothing.
 */
export function registerErrorHandler(app: FastifyInstance): void {
  app.addHook('preValidation', async (request) => {
    const found = findNul(request.body, ['body']) ?? findNul(request.query, ['querystring']) ?? findNul(request.params, ['params']);
    if (found) throw new NulCharacterError(found);
  });
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof NulCharacterError) {
      return reply.status(422).send({ detail: [{ loc: error.loc, msg: 'Text must not contain NUL characters', type: 'nul_character' }] });
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
