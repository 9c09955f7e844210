import { useState } from 'react';
import { Navigate, useLocation, useNavigate } from 'react-router';
import { Alert, Button, Center, Paper, PasswordInput, Stack, Text, TextInput, Title } from '@mantine/core';
import { useForm } from '@mantine/form';
import { IconAlertCircle, IconLock } from '@tabler/icons-react';
import { ApiError } from '../../lib/api.ts';
import { useAuth } from '../../lib/auth.tsx';
import { Logo } from '../../components/logo.tsx';

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
  const { user, login } = useAuth();
  const navigate = useNavigate();
  const location = useLocation();
  const from = (location.state as { from?: string } | null)?.from ?? '/';
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
    <Center mih="100vh" p="md" bg="var(--mantine-color-body)">
      <Stack w="100%" maw={400} gap="lg">
        <Center>
          <Logo size={36} />
        </Center>
        <Paper withBorder shadow="sm" p="xl" radius="md">
          <form onSubmit={submit} noValidate>
            <Stack>
              <div>
                <Title order={2} size="h3">
                  Sign in
                </Title>
                <Text c="dimmed" size="sm">
                  Guided troubleshooting and escalations for your help desk.
                </Text>
              </div>
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
              <PasswordInput label="Password" autoComplete="current-password" {...form.getInputProps('password')} />
              <Button type="submit" loading={submitting} fullWidth>
                Sign in
              </Button>
            </Stack>
          </form>
        </Paper>
      </Stack>
    </Center>
  );
}
