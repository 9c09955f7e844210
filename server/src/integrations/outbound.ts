import { fetch as undiciFetch } from 'undici';
import { assertAllowedTarget, publicOnlyAgent, TargetRefused } from '../lib/network-guard.ts';

/**
 * Why a call to an outside service failed, in words an admin can act on.
 * Never carries credentials, tokens or webhook URLs.
 */
export class DeliveryError extends Error {
  override name = 'DeliveryError';
  readonly retryable: boolean;
  /** From Retry-After (or retry-after-ms): when the service asked to be tried again. */
  readonly retryAfterMs: number | undefined;
  /** A write may have gone through although no answer came (a timeout after sending): check before writing again. */
  readonly maybeSent: boolean;
  readonly status: number | undefined;

  constructor(message: string, opts: { retryable: boolean; retryAfterMs?: number | undefined; maybeSent?: boolean; status?: number | undefined }) {
    super(message);
    this.retryable = opts.retryable;
    this.retryAfterMs = opts.retryAfterMs;
    this.maybeSent = opts.maybeSent ?? false;
    this.status = opts.status;
  }
}

/** Thrown by a sender when, at its turn, the message is no longer needed (e.g. the escalation was picked up): the delivery ends `skipped`, with the reason. */
export class DeliverySkipped extends Error {
  override name = 'DeliverySkipped';
}

export interface OutboundResponse {
  status: number;
  headers: Headers;
  text: string;
  json<T = unknown>(): T;
}

export interface OutboundOptions {
  /** The service's name as users know it: "ConnectWise". */
  service: string;
  allowPrivate: boolean;
  timeoutMs: number;
}

/** Seconds or an HTTP date, as Retry-After gives it; also Anthropic's retry-after-ms. */
export function parseRetryAfter(headers: Headers, now = Date.now()): number | undefined {
  const ms = headers.get('retry-after-ms');
  if (ms && /^\d+(\.\d+)?$/.test(ms.trim())) return Math.ceil(Number(ms));
  const value = headers.get('retry-after')?.trim();
  if (!value) return undefined;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** integrations.md §0: chat webhooks get 10 s. */
export const WEBHOOK_TIMEOUT_MS = 10_000;

/** Network errors, 408, 409, 429 and 5xx are worth another try; other 4xx are not (rules of integrations.md §0). */
export const isRetryableStatus = (status: number) => status === 408 || status === 409 || status === 429 || status >= 500;

/**
 * One HTTP call to an outside service, with a timeout, no redirects (a
 * redirect could lead anywhere), and the target checked against SSRF first.
 */
export async function callService(
  url: string,
  init: { method: 'GET' | 'POST' | 'PATCH' | 'PUT'; headers?: Record<string, string>; body?: string },
  options: OutboundOptions,
): Promise<OutboundResponse> {
  try {
    await assertAllowedTarget(url, options.allowPrivate);
  } catch (err) {
    if (err instanceof TargetRefused) throw new DeliveryError(`The ${options.service} address ${err.message}`, { retryable: false });
    throw err;
  }
  let res: Response;
  try {
    const request = { method: init.method, headers: init.headers, body: init.body, redirect: 'manual' as const, signal: AbortSignal.timeout(options.timeoutMs) };
    // Without private targets, the connection itself checks the addresses it is given (no DNS rebinding).
    res = options.allowPrivate ? await fetch(url, request) : ((await undiciFetch(url, { ...request, dispatcher: publicOnlyAgent })) as unknown as Response);
  } catch (err) {
    const timedOut = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
    if (timedOut) {
      throw new DeliveryError(`${options.service} did not answer within ${Math.round(options.timeoutMs / 1000)} s`, {
        retryable: true,
        maybeSent: init.method !== 'GET',
      });
    }
    const cause = (err as { cause?: { code?: string } }).cause?.code;
    throw new DeliveryError(`Could not reach ${options.service}${cause ? ` (${cause})` : ''}: check the address and that it is online`, { retryable: true });
  }
  const text = await res.text().catch(() => '');
  if (res.status >= 300 && res.status < 400) {
    throw new DeliveryError(`${options.service} answered with a redirect (${res.status}): check the address`, { retryable: false, status: res.status });
  }
  return {
    status: res.status,
    headers: res.headers,
    text,
    json<T>() {
      try {
        return JSON.parse(text) as T;
      } catch {
        throw new DeliveryError(`${options.service} answered with something that is not JSON (status ${res.status})`, { retryable: isRetryableStatus(res.status), status: res.status });
      }
    },
  };
}

/** A short, safe excerpt of an error body: the vendor's message, never more than a line. */
function vendorMessage(res: OutboundResponse): string | null {
  try {
    const body = JSON.parse(res.text) as Record<string, unknown>;
    if (Array.isArray(body.errors) && typeof body.errors[0] === 'string') return body.errors[0];
    if (Array.isArray(body.errors) && typeof (body.errors[0] as { message?: unknown })?.message === 'string') return (body.errors[0] as { message: string }).message;
    if (typeof body.message === 'string') return body.message;
    if (typeof body.error_description === 'string') return body.error_description;
    if (typeof body.error === 'string') return body.error;
  } catch {
    /* not JSON: fall through */
  }
  const line = res.text.trim().split('\n')[0] ?? '';
  return line && line.length < 200 ? line : null;
}

/** Turns an unsuccessful answer into a DeliveryError that says what to do. */
export function failure(service: string, res: OutboundResponse, doing: string, hints: Partial<Record<number, string>> = {}): DeliveryError {
  const said = vendorMessage(res);
  const hint =
    hints[res.status] ??
    (res.status === 401
      ? `${service} rejected the credentials: check them in Integrations`
      : res.status === 403
        ? `${service} refused access: the API user lacks the permission`
        : res.status === 404
          ? `${service} says it does not exist`
          : res.status === 429
            ? `${service} is rate limiting FlowPilot`
            : res.status >= 500
              ? `${service} had an error`
              : `${service} refused the request`);
  return new DeliveryError(`${doing}: ${hint} (HTTP ${res.status}${said ? `: ${said.slice(0, 300)}` : ''})`, {
    retryable: isRetryableStatus(res.status),
    retryAfterMs: parseRetryAfter(res.headers),
    status: res.status,
  });
}

export const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8', accept: 'application/json' };
