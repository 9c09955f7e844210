/** The PostgreSQL error code of `err` or its cause (Drizzle wraps driver errors). */
function pgCode(err: unknown): unknown {
  for (let e: unknown = err, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
}

/** True when PostgreSQL itself refused the statement (it carries an SQLSTATE): the statement wrote nothing. */
export const isDatabaseRefusal = (err: unknown) => pgCode(err) !== undefined;

/** True when PostgreSQL broke a deadlock or a serialization conflict by failing this transaction: trying again is safe. */
export const isTransientConflict = (err: unknown) => pgCode(err) === '40P01' || pgCode(err) === '40001';

/** True when a row referred to something that is gone (a foreign key violation): someone deleted it meanwhile. */
export const isForeignKeyViolation = (err: unknown) => pgCode(err) === '23503';

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
