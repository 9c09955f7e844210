import { keepPreviousData, useMutation, useQuery, useQueryClient, type QueryClient } from '@tanstack/react-query';
import type {
  CountResponse,
  EscalationList,
  Handoff,
  HandoffBody,
  HandoffResponse,
  PickupResponse,
  SessionResponse,
  UserList,
} from '@flowpilot/contracts';
import { api, ApiError } from '../../lib/api.ts';
import { sessionKeys } from '../sessions/sessions-api.ts';

/** Escalations per page in the queue. */
export const QUEUE_PAGE_SIZE = 50;

export const escalationKeys = {
  all: ['escalations'] as const,
  list: (mine: boolean, page: number) => ['escalations', 'list', { mine, page }] as const,
  count: ['escalations', 'count'] as const,
  handoff: (sessionId: string) => ['sessions', 'handoff', sessionId] as const,
  members: ['users', 'members'] as const,
};

/** Refetches the queue and its count (a new escalation, a pickup). */
export function invalidateQueue(qc: QueryClient): Promise<void> {
  return qc.invalidateQueries({ queryKey: escalationKeys.all });
}

/**
 * Refetches a session and its latest handoff (it moved, or was picked up).
 * The session lists follow at most every few seconds: every step of the
 * team's sessions is announced, and a list need not reload at each.
 */
export function invalidateSession(qc: QueryClient, sessionId: string): Promise<void> {
  invalidateListsSoon(qc);
  return Promise.all([
    qc.invalidateQueries({ queryKey: sessionKeys.detail(sessionId) }),
    // Escalated, then completed by someone else: the documentation on screen is replaced by the new one.
    qc.invalidateQueries({ queryKey: sessionKeys.documentation(sessionId) }),
    qc.invalidateQueries({ queryKey: escalationKeys.handoff(sessionId) }),
  ]).then(() => undefined);
}

const LIST_REFRESH_MS = 3000;
let listRefresh: ReturnType<typeof setTimeout> | null = null;
let listRefreshedAt = 0;

/** The session lists refetched now, or (if they were a moment ago) once more at the end of the pause. */
function invalidateListsSoon(qc: QueryClient): void {
  if (listRefresh) return;
  const wait = Math.max(0, listRefreshedAt + LIST_REFRESH_MS - Date.now());
  listRefresh = setTimeout(() => {
    listRefresh = null;
    listRefreshedAt = Date.now();
    void qc.invalidateQueries({ queryKey: ['sessions', 'list'] });
  }, wait);
}

/** The team's queue, oldest first; live events refetch it, the interval only re-reads who is overdue. */
export const useEscalationQueue = (mine: boolean, page = 1) =>
  useQuery({
    queryKey: escalationKeys.list(mine, page),
    queryFn: () => api.get<EscalationList>(`/escalations?limit=${QUEUE_PAGE_SIZE}&offset=${(page - 1) * QUEUE_PAGE_SIZE}${mine ? '&mine=true' : ''}`),
    placeholderData: keepPreviousData,
    refetchInterval: 60_000,
  });

export const useEscalationCount = (enabled: boolean) =>
  useQuery({
    queryKey: escalationKeys.count,
    queryFn: () => api.get<CountResponse>('/escalations/count'),
    enabled,
    staleTime: 60_000,
    refetchInterval: 120_000,
  });

/** The latest handoff of a session with its escalation package; null when it never was handed over. */
export const useHandoff = (sessionId: string, enabled = true) =>
  useQuery({
    queryKey: escalationKeys.handoff(sessionId),
    queryFn: () =>
      api.get<Handoff>(`/sessions/${sessionId}/handoff`).catch((err: unknown) => {
        if (err instanceof ApiError && err.status === 404) return null;
        throw err;
      }),
    enabled,
  });

/** Every active member of the team, for the escalation and handover pickers. */
export const useTeamMembers = (enabled = true) =>
  useQuery({ queryKey: escalationKeys.members, queryFn: () => api.get<UserList>('/users?limit=200'), enabled, staleTime: 60_000 });

/**
 * Escalates or hands the session over. An escalation shows at once (the
 * cached session flips to `escalated`) and rolls back if the server refuses.
 */
export function useHandOver(sessionId: string) {
  const qc = useQueryClient();
  const key = sessionKeys.detail(sessionId);
  return useMutation({
    mutationFn: (body: HandoffBody) => api.post<HandoffResponse>(`/sessions/${sessionId}/handoff`, body),
    onMutate: async (body) => {
      await qc.cancelQueries({ queryKey: key });
      const before = qc.getQueryData<SessionResponse>(key);
      if (before && body.intent === 'escalate') {
        qc.setQueryData<SessionResponse>(key, {
          ...before,
          status: 'escalated',
          escalation_reason: body.reason,
          escalated_to_id: body.target_user_id ?? null,
          paused: false,
        });
      }
      return { before };
    },
    onError: (_err, _body, context) => {
      if (context?.before) qc.setQueryData(key, context.before);
      void qc.invalidateQueries({ queryKey: key });
    },
    onSuccess: async (result) => {
      // A read of the handoff sent while the optimistic status showed would answer "none yet": drop it.
      await qc.cancelQueries({ queryKey: escalationKeys.handoff(sessionId) });
      qc.setQueryData(key, result.session);
      qc.setQueryData(sessionKeys.documentation(sessionId), result.documentation);
      qc.setQueryData(escalationKeys.handoff(sessionId), result.handoff);
      void qc.invalidateQueries({ queryKey: ['sessions', 'list'] });
    },
  });
}

/** Picks the session up; a 409 means a colleague was faster (the message says who). */
export function usePickup(sessionId: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: () => api.post<PickupResponse>(`/sessions/${sessionId}/pickup`),
    onSuccess: (result) => {
      qc.setQueryData(sessionKeys.detail(sessionId), result.session);
      qc.setQueryData(escalationKeys.handoff(sessionId), result.handoff);
      void invalidateQueue(qc);
      void qc.invalidateQueries({ queryKey: ['sessions', 'list'] });
    },
    onError: () => invalidateSession(qc, sessionId),
  });
}
