import type { ReactNode } from 'react';
import { createBrowserRouter, createRoutesFromElements, Navigate, Route, RouterProvider, useLocation } from 'react-router';
import { Center, Loader } from '@mantine/core';
import type { Role } from '@flowpilot/contracts';
import { hasRole, useAuth } from '../lib/auth.tsx';
import { AppLayout } from './layout/app-layout.tsx';
import { LoginPage } from '../features/auth/login-page.tsx';
import { RegisterPage } from '../features/auth/register-page.tsx';
import { ForgotPasswordPage } from '../features/auth/forgot-password-page.tsx';
import { ResetPasswordPage } from '../features/auth/reset-password-page.tsx';
import { HomePage } from '../features/home/home-page.tsx';
import { TreesPage } from '../features/trees/trees-page.tsx';
import { TreeViewPage } from '../features/trees/tree-view-page.tsx';
import { TreeEditorPage } from '../features/trees/tree-editor-page.tsx';
import { SessionsPage } from '../features/sessions/sessions-page.tsx';
import { StartSessionPage } from '../features/sessions/start-session-page.tsx';
import { RunnerPage } from '../features/sessions/runner-page.tsx';
import { IntegrationsPage } from '../features/admin/integrations-page.tsx';
import { EscalationQueuePage } from '../features/escalations/escalation-queue-page.tsx';
import { UsersPage } from '../features/admin/users-page.tsx';
import { NotFoundPage } from '../components/not-found-page.tsx';

function RequireAuth({ children }: { children: ReactNode }) {
  const { user, loading } = useAuth();
  const location = useLocation();
  if (loading) {
    return (
      <Center h="100vh">
        <Loader aria-label="Loading" />
      </Center>
    );
  }
  if (!user) return <Navigate to="/login" replace state={{ from: location.pathname + location.search }} />;
  return children;
}

function RequireRole({ role, children }: { role: Role; children: ReactNode }) {
  const { user } = useAuth();
  return hasRole(user, role) ? children : <NotFoundPage />;
}

/** A data router, so pages can guard against leaving with unsaved work (useBlocker). */
const router = createBrowserRouter(
  createRoutesFromElements(
    <>
      <Route path="/login" element={<LoginPage />} />
      <Route path="/register" element={<RegisterPage />} />
      <Route path="/forgot-password" element={<ForgotPasswordPage />} />
      <Route path="/reset-password" element={<ResetPasswordPage />} />
      <Route
        element={
          <RequireAuth>
            <AppLayout />
          </RequireAuth>
        }
      >
        <Route index element={<HomePage />} />
        <Route path="trees" element={<TreesPage />} />
        <Route
          path="trees/new"
          element={
            <RequireRole role="engineer">
              <TreeEditorPage />
            </RequireRole>
          }
        />
        <Route path="trees/:id" element={<TreeViewPage />} />
        <Route
          path="trees/:id/edit"
          element={
            <RequireRole role="engineer">
              <TreeEditorPage />
            </RequireRole>
          }
        />
        <Route path="sessions" element={<SessionsPage />} />
        <Route path="sessions/new" element={<StartSessionPage />} />
        <Route path="pilot/:id" element={<RunnerPage />} />
        <Route
          path="escalations"
          element={
            <RequireRole role="engineer">
              <EscalationQueuePage />
            </RequireRole>
          }
        />
        <Route
          path="admin/users"
          element={
            <RequireRole role="admin">
              <UsersPage />
            </RequireRole>
          }
        />
        <Route
          path="admin/integrations"
          element={
            <RequireRole role="admin">
              <IntegrationsPage />
            </RequireRole>
          }
        />
        <Route path="*" element={<NotFoundPage />} />
      </Route>
    </>,
  ),
);

export function AppRouter() {
  return <RouterProvider router={router} />;
}
