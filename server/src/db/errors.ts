/** True when `err` (or its cause, as Drizzle wraps driver errors) is a PostgreSQL unique violation, optionally of one constraint. */
export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const pgErr = e as { code?: unknown; constraint?: unknown; message?: unknown };
    if (pgErr.code === '23505') {
      if (!constraint) return true;
      if (pgErr.constraint === constraint) return true;
      return typeof pgErr.message === 'string' && pgErr.message.includes(constraint);
    }
  }
  return false;
}
