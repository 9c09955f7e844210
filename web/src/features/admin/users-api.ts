import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type {
  CreateInviteBody,
  CreateUserBody,
  InviteList,
  InviteResponse,
  UpdateUserBody,
  UserList,
  UserResponse,
} from '@flowpilot/contracts';
import { api } from '../../lib/api.ts';

const usersKey = ['users', 'all'] as const;
const invitesKey = ['team', 'invites'] as const;

export const useTeamUsers = () =>
  useQuery({ queryKey: usersKey, queryFn: () => api.get<UserList>('/users?include_inactive=true&limit=200') });

export const useInvites = () => useQuery({ queryKey: invitesKey, queryFn: () => api.get<InviteList>('/team/invites') });

export function useCreateUser() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: CreateUserBody) => api.post<UserResponse>('/users', body),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['users'] }),
  });
}

export function useUpdateUser() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ id, body }: { id: string; body: UpdateUserBody }) => api.patch<UserResponse>(`/users/${id}`, body),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['users'] }),
  });
}

export function useCreateInvite() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: Pick<CreateInviteBody, 'role'> & Partial<CreateInviteBody>) => api.post<InviteResponse>('/team/invites', body),
    onSuccess: () => qc.invalidateQueries({ queryKey: invitesKey }),
  });
}

export function useRevokeInvite() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api.delete(`/team/invites/${id}`),
    onSuccess: () => qc.invalidateQueries({ queryKey: invitesKey }),
  });
}
