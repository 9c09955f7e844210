import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';

const DETAILED = new Set(['debug', 'trace']);

/**
 * Fastify's request log, quieter: instead of two info lines per request
 * ("incoming request", "request completed") one line when it is answered,
 * at debug, so the default level (info) shows only what an operator acts on.
 * The path is logged without its query string, which may carry a one-time
 * event-stream ticket.
 */
export class RequestLog extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (!DETAILED.has(request.log.level)) return;
    const path = request.url.split('?', 1)[0];
    const line = { method: request.method, path, status: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10 };
    // An error here is the connection failing mid-answer (the client went away), not a fault of the server.
    if (error) request.log.debug({ ...line, err: { message: error.message } }, 'request ended early');
    else request.log.debug(line, 'request');
  }
}
