import { Link, useNavigate, useSearchParams } from 'react-router';
import { Alert, Anchor, Button, PasswordInput, Stack, Text } from '@mantine/core';
import { useForm } from '@mantine/form';
import { IconAlertCircle } from '@tabler/icons-react';
import { ApiError } from '../../lib/api.ts';
import { useResetPassword } from './auth-api.ts';
import { AuthShell } from './auth-shell.tsx';
import { usePageTitle } from '../../components/use-page-title.ts';

const AskAgain = ({ children = 'Ask for a new link' }: { children?: string }) => (
  <Text size="sm" mt={6}>
    <Anchor component={Link} to="/forgot-password" inherit fw={600}>
      {children}
    </Anchor>
  </Text>
);

export function ResetPasswordPage() {
  usePageTitle('Choose a new password');
  const [params] = useSearchParams();
  const token = params.get('token')?.trim() || null;
  const navigate = useNavigate();
  const reset = useResetPassword();
  const form = useForm({
    initialValues: { password: '', confirm: '' },
    validate: {
      password: (v) => (v.length >= 8 ? null : 'Too short: use at least 8 characters'),
      confirm: (v, values) => (v === values.password ? null : 'The passwords do not match'),
    },
  });
  const footer = (
    <Anchor component={Link} to="/login">
      Back to sign in
    </Anchor>
  );

  if (!token) {
    return (
      <AuthShell title="Choose a new password" footer={footer}>
        <Alert role="alert" color="orange" icon={<IconAlertCircle size={18} />} title="This link is incomplete">
          Open the link from the email again, or copy all of it into the address bar.
          <AskAgain />
        </Alert>
      </AuthShell>
    );
  }

  const submit = form.onSubmit(async ({ password }) => {
    try {
      await reset.mutateAsync({ token, password });
      navigate('/login', { replace: true, state: { notice: 'Your password was changed and every earlier sign-in was ended. Sign in with your new password.' } });
    } catch {
      /* shown below */
    }
  });
  const refused = reset.error instanceof ApiError && reset.error.status === 400;
  return (
    <AuthShell title="Choose a new password" subtitle="After this, you sign in with the new password everywhere." footer={footer}>
      <form onSubmit={submit} noValidate>
        <Stack>
          {reset.error && (
            <Alert role="alert" color={refused ? 'orange' : 'red'} icon={<IconAlertCircle size={18} />} title={refused ? 'This link cannot be used' : 'Not changed'}>
              {reset.error instanceof ApiError ? reset.error.message : 'The server did not answer. Try again in a moment.'}
              {refused && <AskAgain />}
            </Alert>
          )}
          <PasswordInput label="New password" autoComplete="new-password" description="At least 8 characters" data-autofocus autoFocus {...form.getInputProps('password')} />
          <PasswordInput label="Repeat new password" autoComplete="new-password" {...form.getInputProps('confirm')} />
          <Button type="submit" loading={reset.isPending} fullWidth>
            Set new password
          </Button>
        </Stack>
      </form>
    </AuthShell>
  );
}
