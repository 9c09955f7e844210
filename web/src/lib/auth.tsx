import { createContext, useContext, useEffect, type ReactNode } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import type { RegisterBody, Role, UserResponse } from '@flowpilot/contracts';
import { api } from './api.ts';

interface AuthState {
  user: UserResponse | null;
  loading: boolean;
  login(email: string, password: string): Promise<void>;
  /** Creates the account (joining an invite's team, or a new team) and signs in as it. */
  register(body: RegisterBody): Promise<void>;
  logout(): Promise<void>;
}

const AuthContext = createContext<AuthState | null>(null);

export const meQueryKey = ['auth', 'me'] as const;

export function AuthProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const me = useQuery({
    queryKey: meQueryKey,
    queryFn: () => (api.hasSession ? api.get<UserResponse>('/auth/me') : Promise.resolve(null)),
    staleTime: 60_000,
    retry: false,
  });

  useEffect(
    () =>
      api.onSessionChange((signedIn) => {
        if (signedIn) {
          void queryClient.invalidateQueries();
          return;
        }
        queryClient.removeQueries({ predicate: (q) => q.queryKey[0] !== 'auth' });
        queryClient.setQueryData(meQueryKey, null);
      }),
    [queryClient],
  );

  const value: AuthState = {
    user: me.data ?? null,
    loading: me.isPending,
    async login(email, password) {
      await api.login(email, password);
      await queryClient.refetchQueries({ queryKey: meQueryKey });
    },
    async register(body) {
      await api.request<UserResponse>('POST', '/auth/register', body, { auth: false });
      await api.login(body.email, body.password);
      await queryClient.refetchQueries({ queryKey: meQueryKey });
    },
    logout: () => api.logout(),
  };
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthState {
  const ctx = useContext(AuthContext);
  if (!ctx) throw new Error('useAuth outside AuthProvider');
  return ctx;
}

const RANK: Record<Role, number> = { technician: 1, engineer: 2, admin: 3 };
export const hasRole = (user: UserResponse | null, atLeast: Role): boolean =>
  user !== null && RANK[user.role] >= RANK[atLeast];

export const ROLE_LABEL: Record<Role, string> = { technician: 'Technician', engineer: 'Engineer', admin: 'Admin' };
