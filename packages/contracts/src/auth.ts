import { z } from 'zod';
import { Email, FullName, Password, Role } from './users.ts';

export const RegisterBody = z
  .object({
    email: Email,
    password: Password,
    full_name: FullName,
    team_name: z.string().trim().min(1).max(200).optional().describe('Name of the new team (without an invite)'),
    invite_code: z.string().trim().min(1).max(200).optional().describe('Join the team of this invite'),
  })
  .meta({ id: 'RegisterBody' });
export type RegisterBody = z.infer<typeof RegisterBody>;

export const LoginJsonBody = z
  .object({ email: Email, password: z.string().min(1, 'Password is required').max(256) })
  .meta({ id: 'LoginJsonBody' });
export type LoginJsonBody = z.infer<typeof LoginJsonBody>;

/** OAuth2 password flow, sent as application/x-www-form-urlencoded. */
export const LoginFormBody = z
  .object({
    username: Email.describe('The email address'),
    password: z.string().min(1, 'Password is required').max(256),
    grant_type: z.literal('password').optional(),
    scope: z.string().optional(),
  })
  .meta({ id: 'LoginFormBody' });
export type LoginFormBody = z.infer<typeof LoginFormBody>;

export const TokenResponse = z
  .object({
    access_token: z.string().describe('JWT, valid for 15 minutes'),
    refresh_token: z.string().describe('Single use; valid for 30 days; rotated on every refresh'),
    token_type: z.literal('bearer'),
    expires_in: z.number().int().describe('Seconds until the access token expires'),
  })
  .meta({ id: 'TokenResponse' });
export type TokenResponse = z.infer<typeof TokenResponse>;

export const RefreshBody = z.object({ refresh_token: z.string().min(1).max(512) }).meta({ id: 'RefreshBody' });
export type RefreshBody = z.infer<typeof RefreshBody>;

export const LogoutBody = z
  .object({
    refresh_token: z.string().min(1).max(512).optional().describe('The sign-in to end'),
    all_devices: z.boolean().optional().describe('End every sign-in of yours, on every device'),
  })
  .meta({ id: 'LogoutBody' });
export type LogoutBody = z.infer<typeof LogoutBody>;

export const ChangePasswordBody = z
  .object({
    current_password: z.string().min(1, 'Enter your current password').max(256),
    new_password: Password,
    refresh_token: z.string().min(1).max(512).optional().describe('The refresh token of this device, to stay signed in here'),
  })
  .meta({ id: 'ChangePasswordBody' });
export type ChangePasswordBody = z.infer<typeof ChangePasswordBody>;

export const InviteCodeParams = z.object({ code: z.string().trim().min(1).max(200).describe('The invite code from the link') });
export type InviteCodeParams = z.infer<typeof InviteCodeParams>;

/** What an invite link offers, shown before the person registers. */
export const InvitePreviewResponse = z
  .object({
    team_name: z.string().describe('The team the invite joins'),
    role: Role.describe('The role the new account gets'),
    expires_at: z.iso.datetime({ offset: true }),
  })
  .meta({ id: 'InvitePreview' });
export type InvitePreviewResponse = z.infer<typeof InvitePreviewResponse>;

export const ForgotPasswordBody = z.object({ email: Email }).meta({ id: 'ForgotPasswordBody' });
export type ForgotPasswordBody = z.infer<typeof ForgotPasswordBody>;

/** The same answer whether or not an account has this email, so nobody can find out which emails have accounts. */
export const ForgotPasswordResponse = z
  .object({ message: z.string().describe('What happens next, in words for the user') })
  .meta({ id: 'ForgotPasswordResponse' });
export type ForgotPasswordResponse = z.infer<typeof ForgotPasswordResponse>;

export const ResetPasswordBody = z
  .object({
    token: z.string().trim().min(1, 'The reset link is incomplete').max(200).describe('The token from the reset link'),
    password: Password,
  })
  .meta({ id: 'ResetPasswordBody' });
export type ResetPasswordBody = z.infer<typeof ResetPasswordBody>;
