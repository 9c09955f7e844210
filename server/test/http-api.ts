/** Calls to a FlowPilot server started as a process of its own, over real HTTP. */
import type { Role } from '@flowpilot/contracts';
import { DEMO_LOGINS } from '../src/db/seed.ts';

/** A JSON call to the API that must answer `expected`. */
export async function api<T>(port: number, method: string, url: string, token: string | null, body: unknown, expected: number): Promise<T> {
  const res = await fetch(`http://127.0.0.1:${port}/api/v1${url}`, {
    method,
    headers: { ...(token && { authorization: `Bearer ${token}` }), ...(body !== undefined && { 'content-type': 'application/json' }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (res.status !== expected) throw new Error(`${method} ${url}: HTTP ${res.status} (expected ${expected}): ${text}`);
  return JSON.parse(text) as T;
}

/** An access token of the demo user with this role. */
export async function tokenOf(port: number, role: Role): Promise<string> {
  const demo = DEMO_LOGINS.find((l) => l.role === role)!;
  return (await api<{ access_token: string }>(port, 'POST', '/auth/login/json', null, { email: demo.email, password: demo.password }, 200)).access_token;
}
