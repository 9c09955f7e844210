import type { ReactNode } from 'react';
import { createTheme, MantineProvider } from '@mantine/core';
import { Notifications } from '@mantine/notifications';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { ApiError } from '../lib/api.ts';
import { AuthProvider, useAuth } from '../lib/auth.tsx';
import { EventStreamProvider } from '../lib/event-stream.tsx';

const theme = createTheme({
  primaryColor: 'blue',
  defaultRadius: 'md',
  fontFamily: 'Inter, system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
});

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 15_000,
      retry: (count, error) => !(error instanceof ApiError && error.status < 500) && count < 2,
    },
  },
});

/** The live event stream follows the signed-in user: opened on sign-in, closed on sign-out. */
function LiveEvents({ children }: { children: ReactNode }) {
  const { user } = useAuth();
  return <EventStreamProvider userId={user?.id ?? null}>{children}</EventStreamProvider>;
}

export function Providers({ children }: { children: ReactNode }) {
  return (
    <MantineProvider theme={theme} defaultColorScheme="auto">
      <Notifications position="top-right" />
      <QueryClientProvider client={queryClient}>
        <AuthProvider>
          <LiveEvents>{children}</LiveEvents>
        </AuthProvider>
      </QueryClientProvider>
    </MantineProvider>
  );
}
