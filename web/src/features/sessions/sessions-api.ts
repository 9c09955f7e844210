import { useState } from 'react';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type {
  CompleteSessionBody,
  OffTreeStepBody,
  PsaResult,
  SessionCloseResponse,
  SessionDocumentation,
  SessionList,
  SessionResponse,
  SessionStatus,
  StartSessionBody,
  StepBody,
  UpdateSessionBody,
} from '@flowpilot/contracts';
import { api } from '../../lib/api.ts';
import { downloadFile } from '../../lib/download.ts';

export interface SessionFilters {
  status?: SessionStatus | null;
  q?: string | null;
  scope?: 'mine' | 'team';
}

export const SESSIONS_PAGE_SIZE = 25;

export const sessionKeys = {
  all: ['sessions'] as const,
  list: (f: SessionFilters, page: number) => ['sessions', 'list', f, page] as const,
  detail: (id: string) => ['sessions', 'detail', id] as const,
  documentation: (id: string) => ['sessions', 'documentation', id] as const,
  psa: (id: string) => ['sessions', 'psa', id] as const,
};

function query(params: Record<string, string | number | null | undefined>): string {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== null && v !== undefined && v !== '') search.set(k, String(v));
  const s = search.toString();
  return s ? `?${s}` : '';
}

export const useSessions = (filters: SessionFilters, page = 1) =>
  useQuery({
    queryKey: sessionKeys.list(filters, page),
    queryFn: () => api.get<SessionList>(`/sessions${query({ ...filters, limit: SESSIONS_PAGE_SIZE, offset: (page - 1) * SESSIONS_PAGE_SIZE })}`),
    placeholderData: keepPreviousData,
  });

export const useSession = (id: string) => useQuery({ queryKey: sessionKeys.detail(id), queryFn: () => api.get<SessionResponse>(`/sessions/${id}`) });

/**
 * How the documentation's note on the PSA ticket stands: followed every two
 * seconds while it is still on its way (for up to five minutes), so "queued"
 * turns into "pushed" or "failed, and why" without a reload.
 */
export function usePsaResult(id: string, initial: PsaResult | null) {
  const [since] = useState(() => Date.now());
  return useQuery({
    queryKey: sessionKeys.psa(id),
    queryFn: () => api.get<PsaResult>(`/sessions/${id}/psa`),
    ...(initial && { initialData: initial, initialDataUpdatedAt: 0 }),
    refetchInterval: (q) => (q.state.data?.status === 'queued' && Date.now() - since < 5 * 60_000 ? 2000 : false),
  });
}

export const useDocumentation = (id: string, enabled: boolean) =>
  useQuery({ queryKey: sessionKeys.documentation(id), queryFn: () => api.get<SessionDocumentation>(`/sessions/${id}/documentation`), enabled });

export function useStartSession() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: StartSessionBody) => api.post<SessionResponse>('/sessions', body),
    onSuccess: (session) => {
      qc.setQueryData(sessionKeys.detail(session.id), session);
      void qc.invalidateQueries({ queryKey: ['sessions', 'list'] });
    },
  });
}

/** Every change to a session answers with the whole session: it replaces the cached one. */
function useSessionChange<TBody>(id: string, send: (body: TBody) => Promise<SessionResponse>) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: send,
    // A refetch under way (a live hint) must not land after this answer and show the session as it was before.
    onMutate: () => qc.cancelQueries({ queryKey: sessionKeys.detail(id) }),
    onSuccess: (session) => {
      qc.setQueryData(sessionKeys.detail(id), session);
      void qc.invalidateQueries({ queryKey: ['sessions', 'list'] });
    },
    // A 409 means someone (or another tab) moved the session: show how it stands now.
    onError: () => qc.invalidateQueries({ queryKey: sessionKeys.detail(id) }),
  });
}

export const useStep = (id: string) => useSessionChange(id, (body: StepBody) => api.post<SessionResponse>(`/sessions/${id}/steps`, body));
export const useBack = (id: string) => useSessionChange(id, (nodeId: string) => api.post<SessionResponse>(`/sessions/${id}/back`, { node_id: nodeId }));
export const useOffTree = (id: string) => useSessionChange(id, (body: OffTreeStepBody) => api.post<SessionResponse>(`/sessions/${id}/off-tree`, body));
export const usePause = (id: string) => useSessionChange(id, (paused: boolean) => api.post<SessionResponse>(`/sessions/${id}/${paused ? 'pause' : 'resume'}`));
export const useAbandon = (id: string) => useSessionChange(id, (reason: string) => api.post<SessionResponse>(`/sessions/${id}/abandon`, reason ? { reason } : {}));
export const useUpdateSession = (id: string) => useSessionChange(id, (body: UpdateSessionBody) => api.put<SessionResponse>(`/sessions/${id}`, body));

export function useCompleteSession(id: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: CompleteSessionBody) => api.post<SessionCloseResponse>(`/sessions/${id}/complete`, body),
    onSuccess: (closed) => {
      qc.setQueryData(sessionKeys.detail(id), closed.session);
      qc.setQueryData(sessionKeys.documentation(id), closed.documentation);
      void qc.invalidateQueries({ queryKey: ['sessions', 'list'] });
    },
  });
}

export const EXPORT_FORMATS = [
  { format: 'pdf', label: 'PDF' },
  { format: 'markdown', label: 'Markdown' },
  { format: 'html', label: 'HTML' },
  { format: 'json', label: 'JSON' },
] as const;

/** Saves an export of the session as a file. */
export function exportSession(id: string, format: (typeof EXPORT_FORMATS)[number]['format']): Promise<void> {
  return downloadFile(`/sessions/${id}/export`, `session.${format === 'markdown' ? 'md' : format}`, { format });
}

export const STATUS_COLOR: Record<SessionStatus, string> = {
  active: 'blue',
  completed: 'teal',
  escalated: 'orange',
  requesting_escalation: 'orange',
  abandoned: 'gray',
};

export const STATUS_LABEL: Record<SessionStatus, string> = {
  active: 'Active',
  completed: 'Completed',
  escalated: 'Escalated',
  requesting_escalation: 'Escalation requested',
  abandoned: 'Abandoned',
};
