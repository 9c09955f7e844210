import { useState } from 'react';
import { Link, Navigate, useLocation, useNavigate } from 'react-router';
import { Alert, Anchor, Button, Group, PasswordInput, Stack, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { IconAlertCircle, IconCircleCheck, IconLock } from '@tabler/icons-react';
import { ApiError } from '../../lib/api.ts';
import { useAuth } from '../../lib/auth.tsx';
import { AuthShell } from './auth-shell.tsx';
import { usePageTitle } from '../../components/use-page-title.ts';

function messageFor(error: unknown): { title: string; text: string; locked: boolean } {
  if (error instanceof ApiError) {
    if (error.status === 401) return { title: 'Sign-in failed', text: 'Incorrect email or password.', locked: false };
    if (error.status === 429) return { title: 'Temporarily locked', text: error.message, locked: true };
    if (error.status === 403) return { title: 'Account deactivated', text: error.message, locked: true };
    if (error.status === 422) return { title: 'Check your details', text: error.message, locked: false };
  }
  return { title: 'Cannot reach FlowPilot', text: 'The server did not answer. Try again in a moment.', locked: false };
}

export function LoginPage() {
  usePageTitle('Sign in');
  const { user, login } = useAuth();
  const navigate = useNavigate();
  const location = useLocation();
  const state = location.state as { from?: string; notice?: string } | null;
  const from = state?.from ?? '/';
  const [error, setError] = useState<unknown>(null);
  const [submitting, setSubmitting] = useState(false);
  const form = useForm({
    initialValues: { email: '', password: '' },
    validate: {
      email: (v) => (/^\S+@\S+\.\S+$/.test(v.trim()) ? null : 'Enter your email address'),
      password: (v) => (v.length > 0 ? null : 'Enter your password'),
    },
  });

  if (user) return <Navigate to={from} replace />;

  const submit = form.onSubmit(async ({ email, password }) => {
    setSubmitting(true);
    setError(null);
    try {
      await login(email.trim(), password);
      navigate(from, { replace: true });
    } catch (err) {
      setError(err);
    } finally {
      setSubmitting(false);
    }
  });
  const problem = error ? messageFor(error) : null;

  return (
    <AuthShell
      title="Sign in"
      subtitle="Guided troubleshooting and escalations for your help desk."
      footer={
        <>
          New to FlowPilot?{' '}
          <Anchor component={Link} to="/register">
            Create a team
          </Anchor>
        </>
      }
    >
      <form onSubmit={submit} noValidate>
        <Stack>
          {state?.notice && !problem && (
            <Alert role="status" color="green" icon={<IconCircleCheck size={18} />} title="Password changed">
              {state.notice}
            </Alert>
          )}
          {problem && (
            <Alert
              role="alert"
              color={problem.locked ? 'orange' : 'red'}
              title={problem.title}
              icon={problem.locked ? <IconLock size={18} /> : <IconAlertCircle size={18} />}
            >
              {problem.text}
            </Alert>
          )}
          <TextInput
            label="Email"
            type="email"
            autoComplete="username"
            placeholder="you@company.com"
            data-autofocus
            autoFocus
            {...form.getInputProps('email')}
          />
          <Stack gap={4}>
            <PasswordInput label="Password" autoComplete="current-password" {...form.getInputProps('password')} />
            <Group justify="flex-end">
              <Anchor component={Link} to="/forgot-password" state={{ email: form.values.email.trim() }} size="sm">
                Forgot password?
              </Anchor>
            </Group>
          </Stack>
          <Button type="submit" loading={submitting} fullWidth>
            Sign in
          </Button>
        </Stack>
      </form>
    </AuthShell>
  );
}
