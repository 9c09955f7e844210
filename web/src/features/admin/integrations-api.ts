import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { Delivery, DeliveryList, IntegrationsResponse, TestIntegrationBody, TestIntegrationResponse, UpdateIntegrationsBody } from '@flowpilot/contracts';
import { api } from '../../lib/api.ts';

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
