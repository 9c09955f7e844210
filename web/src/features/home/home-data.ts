import { useEffect, useState } from 'react';
import { keepPreviousData, useQueries, useQuery } from '@tanstack/react-query';
import type { EscalationList, Handoff, SessionSummary, TreeResponse } from '@flowpilot/contracts';
import { api, ApiError } from '../../lib/api.ts';
import { escalationKeys, QUEUE_PAGE_SIZE } from '../escalations/escalations-api.ts';
import { useSessions } from '../sessions/sessions-api.ts';
import { treeKeys } from '../trees/trees-api.ts';

/** The current time, once a second: waiting times tick without refetching. */
export function useNow(): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  return now;
}

/**
 * The first page of the escalation queue (the team's, or `mine`: sent to me
 * by name), for engineers and admins only; the same cache entry as the queue
 * page, so the live events that refetch one refetch both.
 */
export const useQueueFirstPage = (mine: boolean, enabled: boolean) =>
  useQuery({
    queryKey: escalationKeys.list(mine, 1),
    queryFn: () => api.get<EscalationList>(`/escalations?limit=${QUEUE_PAGE_SIZE}&offset=0${mine ? '&mine=true' : ''}`),
    placeholderData: keepPreviousData,
    refetchInterval: 60_000,
    enabled,
  });

/** A session handed over to me that I have not worked on since, with who handed it over and why. */
export interface HandedOver {
  session: SessionSummary;
  handoff: Handoff;
}

/**
 * My sessions that are not finished: active (or paused) ones I started or
 * that are assigned to me, and my escalations still waiting for pickup.
 * Live events refetch them (`session.updated` invalidates every session list).
 */
export function useOpenSessions() {
  const active = useSessions({ status: 'active', scope: 'mine' });
  const escalated = useSessions({ status: 'escalated', scope: 'mine' });
  const items = [...(active.data?.items ?? []), ...(escalated.data?.items ?? [])].sort((a, b) => b.updated_at.localeCompare(a.updated_at));
  return { items, total: (active.data?.total ?? 0) + (escalated.data?.total ?? 0), isLoading: active.isLoading || escalated.isLoading };
}

/**
 * The sessions a colleague handed over to me (a transfer, not a pickup of
 * mine) that have not moved since: the session's last change is the handover
 * itself. Who handed it over and why come from each one's latest handoff.
 */
export function useHandedOver(sessions: SessionSummary[], userId: string): HandedOver[] {
  const candidates = sessions.filter((s) => s.status === 'active' && s.assigned_via === 'transfer' && s.assigned_to_id === userId);
  const handoffs = useQueries({
    queries: candidates.map((s) => ({
      queryKey: escalationKeys.handoff(s.id),
      queryFn: () =>
        api.get<Handoff>(`/sessions/${s.id}/handoff`).catch((err: unknown) => {
          if (err instanceof ApiError && err.status === 404) return null;
          throw err;
        }),
    })),
  });
  return candidates.flatMap((session, i) => {
    const handoff = handoffs[i]?.data;
    if (!handoff || handoff.intent !== 'transfer' || handoff.to_user_id !== userId) return [];
    // The handover writes the session's last change; any step of mine since comes later.
    const untouched = Date.parse(session.updated_at) <= Date.parse(handoff.created_at) + 1000;
    return untouched ? [{ session, handoff }] : [];
  });
}

/** The title of the node each session stands on, from its (immutable) tree version; shared with the runner's cache. */
export function useCurrentStepTitles(sessions: SessionSummary[]): Map<string, string> {
  const versions = [...new Map(sessions.map((s) => [`${s.current_tree_id}@${s.current_tree_version}`, s])).values()];
  const trees = useQueries({
    queries: versions.map((s) => ({
      queryKey: treeKeys.detail(s.current_tree_id, s.current_tree_version),
      queryFn: () => api.get<TreeResponse>(`/trees/${s.current_tree_id}?version=${s.current_tree_version}`),
      staleTime: Infinity,
    })),
  });
  const titles = new Map<string, string>();
  for (const s of sessions) {
    const tree = trees[versions.findIndex((v) => v.current_tree_id === s.current_tree_id && v.current_tree_version === s.current_tree_version)]?.data;
    const node = tree?.nodes.find((n) => n.id === s.current_node_id);
    if (node) titles.set(s.id, node.title);
  }
  return titles;
}
