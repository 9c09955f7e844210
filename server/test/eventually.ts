/**
 * Polls `check` until it gives a truthy value and returns it; fails naming
 * `what` after `ms` (with `details()` appended, e.g. a server's output).
 */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  ms = 10_000,
  options: { intervalMs?: number; details?: () => string } = {},
): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > until) throw new Error(`${what}: not within ${ms} ms${options.details ? `\n${options.details()}` : ''}`);
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 50));
  }
}
