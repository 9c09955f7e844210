import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { TeamSettings, UpdateTeamSettingsBody } from '@flowpilot/contracts';
import { api } from '../../lib/api.ts';

const teamSettingsKey = ['team', 'settings'] as const;

export const useTeamSettings = () => useQuery({ queryKey: teamSettingsKey, queryFn: () => api.get<TeamSettings>('/team/settings') });

export function useSaveTeamSettings() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: UpdateTeamSettingsBody) => api.put<TeamSettings>('/team/settings', body),
    onSuccess: (saved) => qc.setQueryData(teamSettingsKey, saved),
  });
}
