/** The one error type services throw; the error handler turns it into `{"detail": ...}`. */
export class AppError extends Error {
  override name = 'AppError';
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 409 | 412 | 413 | 422 | 429 | 503,
    /** A message, or for 422 the list of problems (each with `loc`, `msg`, `type`). */
    readonly detail: string | Record<string, unknown>[],
    readonly headers: Record<string, string> = {},
  ) {
    super(typeof detail === 'string' ? detail : 'Validation failed');
  }
}

export const badRequest = (detail: string) => new AppError(400, detail);
export const unauthorized = (detail = 'Not authenticated') =>
  new AppError(401, detail, { 'www-authenticate': 'Bearer' });
export const forbidden = (detail = 'You do not have permission to do this') => new AppError(403, detail);
/** Missing and "belongs to another team" are the same answer. */
export const notFound = (what: string) => new AppError(404, `${what} not found`);
export const conflict = (detail: string) => new AppError(409, detail);
/** A conditional request (If-Match) whose condition no longer holds. */
export const preconditionFailed = (detail: string) => new AppError(412, detail);
export const unprocessable = (detail: string) => new AppError(422, detail);
export const tooManyRequests = (detail: string, retryAfterSeconds: number) =>
  new AppError(429, detail, { 'retry-after': String(Math.max(1, Math.ceil(retryAfterSeconds))) });

/** A 422 listing problems, in the same shape as schema validation errors. */
export const invalid = (problems: { loc: (string | number)[]; msg: string; type: string; [k: string]: unknown }[]) =>
  new AppError(422, problems);
