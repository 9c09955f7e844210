import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';
import { urlWithoutSecrets } from './tokens.ts';

const DETAILED = new Set(['debug', 'trace']);

/**
 * Fastify's request log, quieter: instead of two info lines per request
 * ("incoming request", "request completed") one line when it is answered,
 * at debug, so the default level (info) shows only what an operator acts on.
 * The URL is logged without the secrets links carry (tokens, invite codes,
 * event-stream tickets).
 */
export class RequestLog extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (!DETAILED.has(request.log.level)) return;
    const line = { method: request.method, url: urlWithoutSecrets(request.url), status: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10 };
    // An error here is the connection failing mid-answer (the client went away), not a fault of the server.
    if (error) request.log.debug({ ...line, err: { message: error.message } }, 'request ended early');
    else request.log.debug(line, 'request');
  }
}
