import type { CreateInviteBody, InviteList, InviteResponse, TeamResponse } from '@flowpilot/contracts';
import type { Db } from '../../db/client.ts';
import type { AuthUser } from '../../lib/auth-guard.ts';
import { notFound } from '../../lib/errors.ts';
import { hashOpaqueToken, newOpaqueToken } from '../../lib/tokens.ts';
import * as teamRepo from './team.repository.ts';

export type TeamService = ReturnType<typeof createTeamService>;

export function createTeamService({ db }: { db: Db }) {
  return {
    async get(actor: AuthUser): Promise<TeamResponse> {
      const team = await teamRepo.findTeam(db, actor.teamId);
      if (!team) throw notFound('Team');
      return { id: team.id, name: team.name, created_at: team.created_at.toISOString() };
    },

    /** A single-use code; only its hash is stored, so the code is shown once. */
    async createInvite(actor: AuthUser, body: CreateInviteBody): Promise<InviteResponse> {
      const code = newOpaqueToken(18);
      const row = await teamRepo.insertInvite(db, {
        teamId: actor.teamId,
        role: body.role,
        codeHash: hashOpaqueToken(code),
        createdById: actor.id,
        expiresAt: new Date(Date.now() + body.expires_in_days * 24 * 60 * 60 * 1000),
      });
      return { id: row.id, invite_code: code, role: row.role, expires_at: row.expires_at.toISOString() };
    },

    async listInvites(actor: AuthUser): Promise<InviteList> {
      const rows = await teamRepo.listOpenInvites(db, actor.teamId);
      return {
        items: rows.map((r) => ({ id: r.id, role: r.role, expires_at: r.expires_at.toISOString() })),
        total: rows.length,
      };
    },

    async revokeInvite(actor: AuthUser, id: string): Promise<void> {
      if (!(await teamRepo.deleteOpenInvite(db, actor.teamId, id))) throw notFound('Invite');
    },
  };
}
