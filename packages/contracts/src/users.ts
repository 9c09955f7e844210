import { z } from 'zod';
import { Uuid, listOf, PageQuery } from './common.ts';

export const ROLES = ['technician', 'engineer', 'admin'] as const;
/** technician: runs sessions; engineer: authors trees and picks up escalations; admin: everything. */
export const Role = z.enum(ROLES).describe('technician | engineer | admin');
export type Role = z.infer<typeof Role>;

/** Emails are compared case-insensitively and stored lower-cased. */
export const Email = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.email({ message: 'Enter a valid email address' }).max(254))
  .describe('Email address (case-insensitive)');

export const Password = z
  .string()
  .min(8, 'Password must be at least 8 characters')
  .max(256, 'Password must be at most 256 characters')
  .describe('At least 8 characters');

export const FullName = z.string().trim().min(1, 'Full name is required').max(200);

export const UserResponse = z
  .object({
    id: Uuid,
    email: z.string(),
    full_name: z.string(),
    role: Role,
    team_id: Uuid,
    is_active: z.boolean(),
    created_at: z.iso.datetime({ offset: true }),
  })
  .meta({ id: 'User' });
export type UserResponse = z.infer<typeof UserResponse>;

export const UserList = listOf(UserResponse).meta({ id: 'UserList' });
export type UserList = z.infer<typeof UserList>;

export const ListUsersQuery = PageQuery.extend({
  role: Role.optional().describe('Only users with this role'),
  include_inactive: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional()
    .describe('Admins may include deactivated users'),
});
export type ListUsersQuery = z.infer<typeof ListUsersQuery>;

export const CreateUserBody = z
  .object({ email: Email, password: Password, full_name: FullName, role: Role })
  .meta({ id: 'CreateUserBody' });
export type CreateUserBody = z.infer<typeof CreateUserBody>;

export const UpdateUserBody = z
  .object({
    role: Role.optional(),
    is_active: z.boolean().optional().describe('false deactivates: their sessions end at once'),
    full_name: FullName.optional(),
    password: Password.optional().describe('Set a new temporary password; signs the user out everywhere'),
  })
  .refine((b) => Object.keys(b).length > 0, { message: 'Nothing to update' })
  .meta({ id: 'UpdateUserBody' });
export type UpdateUserBody = z.infer<typeof UpdateUserBody>;
