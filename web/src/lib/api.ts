import type { TokenResponse } from '@flowpilot/contracts';

const REFRESH_KEY = 'flowpilot.refresh_token';

/** An API error with the server's `detail` turned into one readable message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly detail: unknown,
    readonly retryAfter: number | null = null,
  ) {
    super(describeDetail(detail, status));
  }
}

function describeDetail(detail: unknown, status: number): string {
  if (typeof detail === 'string') return detail;
  if (Array.isArray(detail)) {
    return detail
      .map((d: { loc?: unknown[]; msg?: string }) => {
        const field = (d.loc ?? []).slice(1).join('.');
        return field ? `${field}: ${d.msg}` : (d.msg ?? 'Invalid value');
      })
      .join('; ');
  }
  return `Request failed (${status})`;
}

type Listener = (signedIn: boolean) => void;

/**
 * The one API client. Keeps the access token in memory and the refresh token
 * in local storage; on a 401 it refreshes once (shared by concurrent calls)
 * and retries, so an expired access token never shows.
 */
class ApiClient {
  #accessToken: string | null = null;
  #refreshing: Promise<boolean> | null = null;
  #listeners = new Set<Listener>();

  /** This device's refresh token, so a password change can keep this sign-in. */
  get refreshToken(): string | null {
    return localStorage.getItem(REFRESH_KEY);
  }

  get hasSession(): boolean {
    return this.#accessToken !== null || localStorage.getItem(REFRESH_KEY) !== null;
  }

  onSessionChange(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  setTokens(tokens: TokenResponse): void {
    this.#accessToken = tokens.access_token;
    localStorage.setItem(REFRESH_KEY, tokens.refresh_token);
  }

  clearTokens(): void {
    const had = this.hasSession;
    this.#accessToken = null;
    localStorage.removeItem(REFRESH_KEY);
    if (had) this.#listeners.forEach((l) => l(false));
  }

  async login(email: string, password: string): Promise<void> {
    const tokens = await this.request<TokenResponse>('POST', '/auth/login/json', { email, password }, { auth: false });
    this.setTokens(tokens);
    this.#listeners.forEach((l) => l(true));
  }

  async logout(): Promise<void> {
    const refreshToken = localStorage.getItem(REFRESH_KEY);
    try {
      if (this.#accessToken || refreshToken) {
        await this.request('POST', '/auth/logout', refreshToken ? { refresh_token: refreshToken } : undefined);
      }
    } finally {
      this.clearTokens();
    }
  }

  /** Exchanges the stored refresh token for a new pair; false when there is none or it was refused. */
  refresh(): Promise<boolean> {
    this.#refreshing ??= (async () => {
      const refreshToken = localStorage.getItem(REFRESH_KEY);
      if (!refreshToken) return false;
      try {
        const res = await fetch('/api/v1/auth/refresh', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ refresh_token: refreshToken }),
        });
        if (!res.ok) {
          if (res.status === 401) this.clearTokens();
          return false;
        }
        this.setTokens((await res.json()) as TokenResponse);
        return true;
      } catch {
        return false;
      } finally {
        this.#refreshing = null;
      }
    })();
    return this.#refreshing;
  }

  async request<T>(method: string, path: string, body?: unknown, opts: { auth?: boolean } = {}): Promise<T> {
    const auth = opts.auth ?? true;
    if (auth && !this.#accessToken) await this.refresh();
    const send = () =>
      fetch(`/api/v1${path}`, {
        method,
        headers: {
          ...(body !== undefined && { 'content-type': 'application/json' }),
          ...(auth && this.#accessToken && { authorization: `Bearer ${this.#accessToken}` }),
        },
        ...(body !== undefined && { body: JSON.stringify(body) }),
      });
    let res = await send();
    if (res.status === 401 && auth && (await this.refresh())) res = await send();
    if (res.status === 204) return undefined as T;
    const data: unknown = await res.json().catch(() => null);
    if (!res.ok) {
      if (res.status === 401 && auth) this.clearTokens();
      const retryAfter = Number(res.headers.get('retry-after'));
      throw new ApiError(res.status, (data as { detail?: unknown } | null)?.detail, Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : null);
    }
    return data as T;
  }

  get<T>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }
  post<T>(path: string, body?: unknown): Promise<T> {
    return this.request<T>('POST', path, body);
  }
  patch<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PATCH', path, body);
  }
  delete<T = void>(path: string): Promise<T> {
    return this.request<T>('DELETE', path);
  }
}

export const api = new ApiClient();
