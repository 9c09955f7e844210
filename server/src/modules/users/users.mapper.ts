import type { UserResponse } from '@flowpilot/contracts';
import type { UserRow } from './users.repository.ts';

/** The public shape of a user: never the password hash. */
export function toUserResponse(row: UserRow): UserResponse {
  return {
    id: row.id,
    email: row.email,
    full_name: row.full_name,
    role: row.role,
    team_id: row.team_id,
    is_active: row.is_active,
    created_at: row.created_at.toISOString(),
  };
}
