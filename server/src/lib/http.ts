import type { FastifyReply } from 'fastify';
import { ErrorResponse } from '@flowpilot/contracts';

/** The error responses a route can give, for its schema and the OpenAPI document. */
export function errors(...statuses: (400 | 401 | 403 | 404 | 409 | 413 | 422 | 429)[]) {
  return Object.fromEntries(statuses.map((s) => [s, ErrorResponse])) as Record<number, typeof ErrorResponse>;
}

/** A file to download. */
export interface ExportFile {
  filename: string;
  contentType: string;
  body: string | Buffer;
}

/** A download: an ASCII file name for every client, and the real one (RFC 5987) for those that read it. */
export function sendFile(reply: FastifyReply, file: ExportFile) {
  const ascii = file.filename.normalize('NFKD').replace(/[^\x20-\x7e]/g, '').replace(/["\\]/g, '') || 'download';
  const fallback = /^\.[a-z]+$/.test(ascii) ? `download${ascii}` : ascii;
  return reply
    .header('content-type', file.contentType)
    .header('content-disposition', `attachment; filename="${fallback}"; filename*=UTF-8''${encodeURIComponent(file.filename)}`)
    .send(file.body);
}
