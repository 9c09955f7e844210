import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Role } from '@flowpilot/contracts';
import type { Db } from '../db/client.ts';
import { perTurn } from './batch.ts';
import { forbidden, unauthorized } from './errors.ts';
import type { AccessTokens } from './tokens.ts';
import * as usersRepo from '../modules/users/users.repository.ts';

/** Who may call a route: anyone, any signed-in member, or at least this role. */
export type Access = 'public' | 'member' | 'engineer' | 'admin';

/** The signed-in user, as read from the database on this request. */
export interface AuthUser {
  id: string;
  teamId: string;
  role: Role;
  email: string;
  fullName: string;
  /** The row as read for this request, so `/auth/me` needs no second query. */
  row: usersRepo.UserRow;
  /**
   * The team's tree-library stamp, read with the user at the start of this
   * request: caches of the team's trees compare it instead of querying.
   * (A request that changes a tree makes it stale for itself.)
   */
  libraryVersion: number;
}

/** The request's user from the row read for it. */
export function toAuthUser(row: usersRepo.SignedInRow): AuthUser {
  const { library_version, ...user } = row;
  return { id: user.id, teamId: user.team_id, role: user.role, email: user.email, fullName: user.full_name, row: user, libraryVersion: library_version };
}

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
  }
  interface FastifyRequest {
    authUser: AuthUser | null;
  }
  interface FastifyInstance {
    /** Every API route with the access it declared (for tests and audits). */
    routeAccess: { method: string; url: string; access: Access }[];
  }
}

const RANK: Record<Role, number> = { technician: 1, engineer: 2, admin: 3 };
const REQUIRED: Record<Exclude<Access, 'public'>, number> = { member: 1, engineer: 2, admin: 3 };

/** The signed-in user of a route that is not public (the guard has run). */
export function currentUser(request: FastifyRequest): AuthUser {
  if (!request.authUser) throw unauthorized();
  return request.authUser;
}

/**
 * The one role guard. Every API route declares `config.access`; start-up
 * fails for a route that does not. The user is re-read on every request, so
 * a deactivation or role change takes effect at once, even on a token that
 * has not expired.
 */
export function registerAuthGuard(app: FastifyInstance, deps: { db: Db; tokens: AccessTokens }): void {
  app.decorateRequest('authUser', null);
  const routeAccess: FastifyInstance['routeAccess'] = [];
  app.decorate('routeAccess', routeAccess);

  app.addHook('onRoute', (route) => {
    if (!route.url.startsWith('/api/v1/')) return;
    const access = route.config?.access;
    if (!access) throw new Error(`Route ${route.method} ${route.url} does not declare config.access`);
    for (const method of [route.method].flat()) if (method !== 'HEAD') routeAccess.push({ method, url: route.url, access });
  });

  app.addHook('onRequest', async (request) => {
    const access = request.routeOptions.config.access;
    if (!access || access === 'public') return;
    const user = await authenticate(request, deps);
    if (RANK[user.role] < REQUIRED[access]) {
      throw forbidden(access === 'admin' ? 'Only an admin can do this' : 'Only an engineer or admin can do this');
    }
    request.authUser = user;
  });
}

const loaders = new WeakMap<Db, (id: string) => Promise<usersRepo.SignedInRow | undefined>>();

/**
 * Reads the user of a request. The users of all requests that arrive in one
 * turn of the event loop are read by one statement, sent after the last of
 * them arrived: under load one round trip serves many requests, and each
 * still sees its user as they are after the request came in.
 */
function signedInLoader(db: Db) {
  let loader = loaders.get(db);
  if (!loader) {
    loader = perTurn<string, usersRepo.SignedInRow | undefined>(async (ids) => {
      const rows = await usersRepo.findSignedIn(db, [...new Set(ids)]);
      const byId = new Map(rows.map((r) => [r.id, r]));
      return ids.map((id) => byId.get(id));
    });
    loaders.set(db, loader);
  }
  return loader;
}

/** Resolves the bearer token of a request to an active user, or throws 401. */
export async function authenticate(request: FastifyRequest, deps: { db: Db; tokens: AccessTokens }): Promise<AuthUser> {
  const header = request.headers.authorization;
  const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  if (!match?.[1]) throw unauthorized();
  const claims = await deps.tokens.verify(match[1]);
  if (!claims) throw unauthorized('Invalid or expired access token');
  const row = await signedInLoader(deps.db)(claims.userId);
  if (!row || !row.is_active || row.team_id !== claims.teamId) throw unauthorized('This account is no longer active');
  // A sign-out everywhere, a password change or reset bumps the version: every token issued before is dead at once.
  if (claims.version !== row.token_version) throw unauthorized('This sign-in has ended; sign in again');
  return toAuthUser(row);
}
