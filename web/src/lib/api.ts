import type { TokenResponse } from '@flowpilot/contracts';

const REFRESH_KEY = 'flowpilot.refresh_token';
const USER_KEY = 'flowpilot.user_id';

/** An API error with the server's `detail` turned into one readable message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly detail: unknown,
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

/** The `sub` (user id) of a JWT, without checking it (the server does). */
function subjectOf(jwt: string): string | null {
  try {
    const payload = JSON.parse(atob(jwt.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/'))) as { sub?: unknown };
    return typeof payload.sub === 'string' ? payload.sub : null;
  } catch {
    return null;
  }
}

/**
 * The one API client. Keeps the access token in memory and the refresh token
 * in local storage; on a 401 it refreshes once (shared by concurrent calls,
 * and by the tabs of this browser, which share the refresh token) and
 * retries, so an expired access token never shows.
 */
class ApiClient {
  #accessToken: string | null = null;
  #refreshing: Promise<boolean> | null = null;
  #listeners = new Set<Listener>();
  /** Bumped on sign-out, so a refresh that was in flight cannot sign the user back in. */
  #generation = 0;

  constructor() {
    // Another tab signed out, or signed in as someone else.
    window.addEventListener('storage', (event) => {
      if (event.key === REFRESH_KEY && event.newValue === null) {
        this.#accessToken = null;
        this.#generation++;
        this.#listeners.forEach((l) => l(false));
      } else if (event.key === USER_KEY && event.newValue !== null && event.oldValue !== event.newValue) {
        this.#accessToken = null;
        this.#listeners.forEach((l) => l(true));
      }
    });
  }

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
    const user = subjectOf(tokens.access_token);
    if (user && localStorage.getItem(USER_KEY) !== user) localStorage.setItem(USER_KEY, user);
  }

  clearTokens(): void {
    const had = this.hasSession;
    this.#generation++;
    this.#accessToken = null;
    localStorage.removeItem(REFRESH_KEY);
    localStorage.removeItem(USER_KEY);
    if (had) this.#listeners.forEach((l) => l(false));
  }

  async login(email: string, password: string): Promise<void> {
    const tokens = await this.request<TokenResponse>('POST', '/auth/login/json', { email, password }, { auth: false });
    this.#generation++;
    this.setTokens(tokens);
    this.#listeners.forEach((l) => l(true));
  }

  async logout(): Promise<void> {
    const refreshToken = localStorage.getItem(REFRESH_KEY);
    try {
      if (refreshToken) await this.request('POST', '/auth/logout', { refresh_token: refreshToken });
    } catch {
      /* signed out here whatever the server said */
    } finally {
      this.clearTokens();
    }
  }

  /**
   * Exchanges the stored refresh token for a new pair; false when there is
   * none, or the server could not be asked. Only a refusal (401) signs out:
   * a network error or a busy server keeps the session for the next try.
   */
  refresh(): Promise<boolean> {
    this.#refreshing ??= this.#refreshOnce().finally(() => {
      this.#refreshing = null;
    });
    return this.#refreshing;
  }

  async #refreshOnce(): Promise<boolean> {
    const generation = this.#generation;
    const run = async (): Promise<boolean> => {
      // Read inside the lock: another tab may have rotated it a moment ago.
      const refreshToken = localStorage.getItem(REFRESH_KEY);
      if (!refreshToken || generation !== this.#generation) return false;
      let res: Response;
      try {
        res = await fetch('/api/v1/auth/refresh', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ refresh_token: refreshToken }),
        });
      } catch {
        return false;
      }
      if (generation !== this.#generation) return false;
      if (res.status === 401) {
        if (localStorage.getItem(REFRESH_KEY) === refreshToken) this.clearTokens();
        return false;
      }
      if (!res.ok) return false;
      this.setTokens((await res.json()) as TokenResponse);
      return true;
    };
    // The tabs of a browser share the refresh token: one refresh at a time, or the server sees a replay.
    return typeof navigator !== 'undefined' && navigator.locks ? navigator.locks.request('flowpilot-refresh', run) : run();
  }

  /**
   * Sends a request, with the access token when `auth`; on a 401 refreshes
   * once and sends it again. An error answer becomes an ApiError.
   */
  async #send(method: string, path: string, body: unknown, auth: boolean): Promise<Response> {
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
    if (!res.ok) {
      const data = (await res.json().catch(() => null)) as { detail?: unknown } | null;
      throw new ApiError(res.status, data?.detail);
    }
    return res;
  }

  async request<T>(method: string, path: string, body?: unknown, opts: { auth?: boolean } = {}): Promise<T> {
    const res = await this.#send(method, path, body, opts.auth ?? true);
    if (res.status === 204) return undefined as T;
    return (await res.json().catch(() => null)) as T;
  }

  /** A file from the API, with the name the server gave it. */
  /** A file from the API: GET, or POST when a body is given (session exports). */
  async download(path: string, body?: unknown): Promise<{ blob: Blob; filename: string | null }> {
    const res = await this.#send(body === undefined ? 'GET' : 'POST', path, body, true);
    const disposition = res.headers.get('content-disposition') ?? '';
    const star = /filename\*=UTF-8''([^;]+)/i.exec(disposition);
    const plain = /filename="([^"]+)"/i.exec(disposition);
    return { blob: await res.blob(), filename: star ? decodeURIComponent(star[1]!) : (plain?.[1] ?? null) };
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
  put<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PUT', path, body);
  }
  delete<T = void>(path: string): Promise<T> {
    return this.request<T>('DELETE', path);
  }
}

export const api = new ApiClient();
