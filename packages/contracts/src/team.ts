import { z } from 'zod';
import { Role } from './users.ts';
import { Uuid } from './common.ts';

export const CreateInviteBody = z
  .object({
    role: Role,
    expires_in_days: z.number().int().min(1).max(90).default(7).describe('Days until the code expires'),
  })
  .meta({ id: 'CreateInviteBody' });
export type CreateInviteBody = z.infer<typeof CreateInviteBody>;

export const InviteResponse = z
  .object({
    id: Uuid,
    invite_code: z.string().describe('Give this to the new member; it works once'),
    role: Role,
    expires_at: z.iso.datetime({ offset: true }),
  })
  .meta({ id: 'Invite' });
export type InviteResponse = z.infer<typeof InviteResponse>;

export const TeamResponse = z
  .object({ id: Uuid, name: z.string(), created_at: z.iso.datetime({ offset: true }) })
  .meta({ id: 'Team' });
export type TeamResponse = z.infer<typeof TeamResponse>;

export const InviteSummary = InviteResponse.omit({ invite_code: true }).meta({ id: 'InviteSummary' });
export const InviteList = z
  .object({ items: z.array(InviteSummary), total: z.number().int().nonnegative() })
  .meta({ id: 'InviteList' });
export type InviteList = z.infer<typeof InviteList>;
