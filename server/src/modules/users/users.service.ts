import type { CreateUserBody, ListUsersQuery, UpdateUserBody, UserList, UserResponse } from '@flowpilot/contracts';
import type { Db } from '../../db/client.ts';
import { isUniqueViolation } from '../../db/errors.ts';
import type { AuthUser } from '../../lib/auth-guard.ts';
import { badRequest, conflict, notFound } from '../../lib/errors.ts';
import { hashPassword } from '../../lib/passwords.ts';
import * as authRepo from '../auth/auth.repository.ts';
import * as usersRepo from './users.repository.ts';
import { toUserResponse } from './users.mapper.ts';

export type UsersService = ReturnType<typeof createUsersService>;

export function createUsersService({ db }: { db: Db }) {
  return {
    /** Team members; deactivated ones only for an admin who asks. */
    async list(actor: AuthUser, query: ListUsersQuery): Promise<UserList> {
      const { rows, total } = await usersRepo.listInTeam(db, actor.teamId, {
        role: query.role,
        includeInactive: actor.role === 'admin' && query.include_inactive === true,
        limit: query.limit,
        offset: query.offset,
      });
      return { items: rows.map(toUserResponse), total };
    },

    async get(actor: AuthUser, id: string): Promise<UserResponse> {
      const row = await usersRepo.findInTeam(db, actor.teamId, id);
      if (!row || (!row.is_active && actor.role !== 'admin')) throw notFound('User');
      return toUserResponse(row);
    },

    async create(actor: AuthUser, body: CreateUserBody): Promise<UserResponse> {
      if (await usersRepo.findByEmail(db, body.email)) throw conflict('An account with this email already exists');
      const passwordHash = await hashPassword(body.password);
      try {
        const row = await usersRepo.insert(db, {
          team_id: actor.teamId,
          email: body.email,
          full_name: body.full_name,
          role: body.role,
          password_hash: passwordHash,
        });
        return toUserResponse(row);
      } catch (err) {
        if (isUniqueViolation(err, 'users_email_key')) throw conflict('An account with this email already exists');
        throw err;
      }
    },

    /**
     * Changes role, name, active state or password. Deactivation and a new
     * password sign the user out everywhere at once. A team always keeps at
     * least one active admin.
     */
    async update(actor: AuthUser, id: string, body: UpdateUserBody): Promise<UserResponse> {
      if (id === actor.id && body.is_active === false) throw badRequest('You cannot deactivate your own account');
      const passwordHash = body.password !== undefined ? await hashPassword(body.password) : undefined;
      const row = await db.transaction(async (tx) => {
        const target = await usersRepo.findInTeam(tx, actor.teamId, id);
        if (!target) throw notFound('User');
        const losesAdmin =
          target.role === 'admin' &&
          target.is_active &&
          ((body.role !== undefined && body.role !== 'admin') || body.is_active === false);
        if (losesAdmin) {
          const admins = await usersRepo.lockActiveAdmins(tx, actor.teamId);
          if (admins.length <= 1) throw conflict('A team needs at least one active admin: make someone else admin first');
        }
        const updated = await usersRepo.update(tx, id, {
          ...(body.role !== undefined && { role: body.role }),
          ...(body.is_active !== undefined && { is_active: body.is_active }),
          ...(body.full_name !== undefined && { full_name: body.full_name }),
          ...(passwordHash !== undefined && { password_hash: passwordHash }),
        });
        if (!updated) throw notFound('User');
        // Every sign-in ends at once: refresh tokens revoked, access tokens refused from this commit on.
        if (body.is_active === false || passwordHash !== undefined) await authRepo.revokeAllForUser(tx, id);
        if (passwordHash !== undefined) await authRepo.spendPasswordResets(tx, id);
        return updated;
      });
      return toUserResponse(row);
    },
  };
}
