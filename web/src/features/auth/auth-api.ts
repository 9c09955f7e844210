import { useMutation, useQuery } from '@tanstack/react-query';
import type { ForgotPasswordResponse, InvitePreviewResponse, ResetPasswordBody } from '@flowpilot/contracts';
import { api, ApiError } from '../../lib/api.ts';

/** What an invite link offers; a 404 (used, expired, unknown) is an answer, not a failure to retry. */
export const useInvitePreview = (code: string | null) =>
  useQuery({
    queryKey: ['auth', 'invite', code],
    queryFn: () => api.request<InvitePreviewResponse>('GET', `/auth/invites/${encodeURIComponent(code!)}`, undefined, { auth: false }),
    enabled: code !== null,
    retry: (count, err) => !(err instanceof ApiError && err.status < 500) && count < 2,
    staleTime: Infinity,
  });

export const useForgotPassword = () =>
  useMutation({
    mutationFn: (email: string) => api.request<ForgotPasswordResponse>('POST', '/auth/password/forgot', { email }, { auth: false }),
  });

export const useResetPassword = () =>
  useMutation({
    mutationFn: (body: ResetPasswordBody) => api.request<void>('POST', '/auth/password/reset', body, { auth: false }),
  });
