import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { Delivery, DeliveryList, IntegrationsResponse, TestIntegrationBody, TestIntegrationResponse, UpdateIntegrationsBody } from '@flowpilot/contracts';
import { api, ApiError } from '../../lib/api.ts';

/** What a refused save or test says, per field: `fields` by name (the problems under `prefix` in the body, e.g. `psa` or `settings`), `other` for the rest, in words. */
export interface Problems {
  fields: Record<string, string>;
  other: string | null;
}

export const NO_PROBLEMS: Problems = { fields: {}, other: null };

/** Sorts the `detail` of a 422 onto the fields of a form, so each message can stand under its input. */
export function problemsOf(error: unknown, prefix: string): Problems {
  if (!(error instanceof ApiError) || !Array.isArray(error.detail)) return { fields: {}, other: error instanceof Error ? error.message : 'Something went wrong' };
  const fields: Record<string, string> = {};
  const rest: string[] = [];
  for (const d of error.detail as { loc?: unknown[]; msg?: string }[]) {
    const [where, group, field] = d.loc ?? [];
    if (where === 'body' && group === prefix && typeof field === 'string' && d.msg) fields[field] ??= d.msg;
    else rest.push(d.msg ?? 'Invalid value');
  }
  return { fields, other: rest.length ? rest.join('; ') : null };
}

export const integrationKeys = {
  settings: ['integrations'] as const,
  deliveries: (status: string) => ['deliveries', status] as const,
};

export const useIntegrations = () => useQuery({ queryKey: integrationKeys.settings, queryFn: () => api.get<IntegrationsResponse>('/team/integrations') });

export function useSaveIntegrations() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: UpdateIntegrationsBody) => api.put<IntegrationsResponse>('/team/integrations', body),
    onSuccess: (saved) => qc.setQueryData(integrationKeys.settings, saved),
  });
}

export const useTestIntegration = () => useMutation({ mutationFn: (body: TestIntegrationBody) => api.post<TestIntegrationResponse>('/team/integrations/test', body) });

export const useDeliveries = (status: string) =>
  useQuery({ queryKey: integrationKeys.deliveries(status), queryFn: () => api.get<DeliveryList>(`/team/deliveries?status=${status}&limit=100`), refetchInterval: 10_000 });

export function useRetryDelivery() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api.post<Delivery>(`/team/deliveries/${id}/retry`),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['deliveries'] }),
  });
}
