import { useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { Alert, Anchor, Badge, Button, Group, Loader, PasswordInput, Stack, Text, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { IconAlertCircle, IconUsersGroup } from '@tabler/icons-react';
import type { InvitePreviewResponse } from '@flowpilot/contracts';
import { ApiError } from '../../lib/api.ts';
import { ROLE_LABEL, useAuth } from '../../lib/auth.tsx';
import { useInvitePreview } from './auth-api.ts';
import { AuthShell } from './auth-shell.tsx';
import { usePageTitle } from '../../components/use-page-title.ts';

const SignInLink = () => (
  <>
    Already have an account?{' '}
    <Anchor component={Link} to="/login">
      Sign in
    </Anchor>
  </>
);

/** The register form: joining the invite's team, or (without an invite) creating a team. */
function RegisterForm({ invite, inviteCode }: { invite: InvitePreviewResponse | null; inviteCode: string | null }) {
  const { register } = useAuth();
  const navigate = useNavigate();
  const [error, setError] = useState<unknown>(null);
  const [submitting, setSubmitting] = useState(false);
  const form = useForm({
    initialValues: { team_name: '', full_name: '', email: '', password: '' },
    validate: {
      team_name: (v) => (invite || v.trim() ? null : 'Name your team (your company or help desk)'),
      full_name: (v) => (v.trim() ? null : 'Enter your name'),
      email: (v) => (/^\S+@\S+\.\S+$/.test(v.trim()) ? null : 'Enter a valid email address'),
      password: (v) => (v.length >= 8 ? null : 'Too short: use at least 8 characters'),
    },
  });
  const submit = form.onSubmit(async (values) => {
    setSubmitting(true);
    setError(null);
    try {
      await register({
        email: values.email.trim(),
        password: values.password,
        full_name: values.full_name.trim(),
        ...(inviteCode ? { invite_code: inviteCode } : { team_name: values.team_name.trim() }),
      });
      navigate('/', { replace: true });
    } catch (err) {
      setError(err);
    } finally {
      setSubmitting(false);
    }
  });
  const problem = error instanceof ApiError ? error : null;
  return (
    <form onSubmit={submit} noValidate>
      <Stack>
        {error !== null && (
          <Alert role="alert" color="red" icon={<IconAlertCircle size={18} />} title={problem?.status === 409 ? 'Email already in use' : 'Not registered'}>
            {problem ? problem.message : 'The server did not answer. Try again in a moment.'}
            {problem?.status === 409 && (
              <Text size="sm" mt={4}>
                <Anchor component={Link} to="/login">
                  Sign in
                </Anchor>{' '}
                or{' '}
                <Anchor component={Link} to="/forgot-password">
                  reset your password
                </Anchor>
                .
              </Text>
            )}
          </Alert>
        )}
        {!invite && <TextInput label="Team name" placeholder="Contoso IT Services" autoComplete="organization" data-autofocus autoFocus {...form.getInputProps('team_name')} />}
        <TextInput label="Your name" autoComplete="name" autoFocus={invite !== null} {...form.getInputProps('full_name')} />
        <TextInput label="Email" type="email" autoComplete="email" placeholder="you@company.com" {...form.getInputProps('email')} />
        <PasswordInput label="Password" autoComplete="new-password" description="At least 8 characters" {...form.getInputProps('password')} />
        <Button type="submit" loading={submitting} fullWidth>
          {invite ? 'Join the team' : 'Create team and account'}
        </Button>
      </Stack>
    </form>
  );
}

export function RegisterPage() {
  const [params] = useSearchParams();
  const inviteCode = params.get('invite')?.trim() || null;
  usePageTitle(inviteCode ? 'Join your team' : 'Create a team');
  const preview = useInvitePreview(inviteCode);

  if (!inviteCode) {
    return (
      <AuthShell title="Create a team" subtitle="Set up FlowPilot for your help desk. You become the team’s admin and can invite colleagues." footer={<SignInLink />}>
        <RegisterForm invite={null} inviteCode={null} />
      </AuthShell>
    );
  }
  if (preview.isPending) {
    return (
      <AuthShell title="Join your team" footer={<SignInLink />}>
        <Group justify="center" py="md">
          <Loader aria-label="Checking the invite" />
        </Group>
      </AuthShell>
    );
  }
  if (preview.error) {
    const gone = preview.error instanceof ApiError && preview.error.status === 404;
    return (
      <AuthShell title="Join your team" footer={<SignInLink />}>
        <Alert role="alert" color="orange" icon={<IconAlertCircle size={18} />} title={gone ? 'This invite cannot be used' : 'Cannot check the invite'}>
          {gone ? preview.error.message : 'The server did not answer. Reload the page to try again.'}
        </Alert>
        <Text size="sm">
          Starting out on your own?{' '}
          <Anchor component={Link} to="/register">
            Create a new team
          </Anchor>
        </Text>
      </AuthShell>
    );
  }
  const invite = preview.data;
  return (
    <AuthShell
      title="Join your team"
      subtitle="You were invited to FlowPilot. Create your account to join."
      footer={<SignInLink />}
    >
      <Alert color="blue" variant="light" icon={<IconUsersGroup size={18} />} aria-label="Invitation">
        <Text size="sm" fw={600} data-testid="invite-team">
          {invite.team_name}
        </Text>
        <Group gap={6} mt={4}>
          <Text size="sm">You join as</Text>
          <Badge variant="light" data-testid="invite-role">
            {ROLE_LABEL[invite.role]}
          </Badge>
        </Group>
      </Alert>
      <RegisterForm invite={invite} inviteCode={inviteCode} />
    </AuthShell>
  );
}
