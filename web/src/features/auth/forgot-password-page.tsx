import { Link, useLocation } from 'react-router';
import { Alert, Anchor, Button, Stack, Text, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { IconAlertCircle, IconLock, IconMailCheck } from '@tabler/icons-react';
import { ApiError } from '../../lib/api.ts';
import { useForgotPassword } from './auth-api.ts';
import { AuthShell } from './auth-shell.tsx';
import { usePageTitle } from '../../components/use-page-title.ts';

const BackToSignIn = () => (
  <Anchor component={Link} to="/login">
    Back to sign in
  </Anchor>
);

export function ForgotPasswordPage() {
  usePageTitle('Forgot password');
  const location = useLocation();
  const typed = (location.state as { email?: string } | null)?.email ?? '';
  const forgot = useForgotPassword();
  const form = useForm({
    initialValues: { email: typed },
    validate: { email: (v) => (/^\S+@\S+\.\S+$/.test(v.trim()) ? null : 'Enter your email address') },
  });
  const submit = form.onSubmit(({ email }) => forgot.mutate(email.trim()));

  if (forgot.isSuccess) {
    return (
      <AuthShell title="Check your email" footer={<BackToSignIn />}>
        <Alert role="status" color="green" icon={<IconMailCheck size={18} />} title="Reset link on its way">
          {forgot.data.message}
        </Alert>
        <Text size="sm" c="dimmed">
          Sent to <b>{form.values.email.trim()}</b>.{' '}
          <Anchor component="button" type="button" size="sm" onClick={() => forgot.reset()}>
            Use another email
          </Anchor>
        </Text>
      </AuthShell>
    );
  }

  const limited = forgot.error instanceof ApiError && forgot.error.status === 429;
  return (
    <AuthShell title="Forgot your password?" subtitle="Enter the email you sign in with and we will send you a link to choose a new password." footer={<BackToSignIn />}>
      <form onSubmit={submit} noValidate>
        <Stack>
          {forgot.error && (
            <Alert role="alert" color={limited ? 'orange' : 'red'} icon={limited ? <IconLock size={18} /> : <IconAlertCircle size={18} />} title={limited ? 'Too many requests' : 'Not sent'}>
              {forgot.error instanceof ApiError ? forgot.error.message : 'The server did not answer. Try again in a moment.'}
            </Alert>
          )}
          <TextInput label="Email" type="email" autoComplete="username" placeholder="you@company.com" data-autofocus autoFocus {...form.getInputProps('email')} />
          <Button type="submit" loading={forgot.isPending} fullWidth>
            Send reset link
          </Button>
        </Stack>
      </form>
    </AuthShell>
  );
}
