import { Alert, Button, Group, Modal, PasswordInput, Stack } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useMutation } from '@tanstack/react-query';
import { notifications } from '@mantine/notifications';
import { api } from '../../lib/api.ts';

export function ChangePasswordModal({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const change = useMutation({
    mutationFn: (body: { current_password: string; new_password: string }) =>
      api.post<void>('/auth/password', { ...body, ...(api.refreshToken && { refresh_token: api.refreshToken }) }),
  });
  const form = useForm({
    initialValues: { current_password: '', new_password: '', confirm: '' },
    validate: {
      current_password: (v) => (v ? null : 'Enter your current password'),
      new_password: (v) => (v.length >= 8 ? null : 'At least 8 characters'),
      confirm: (v, values) => (v === values.new_password ? null : 'The passwords do not match'),
    },
  });
  const close = () => {
    form.reset();
    change.reset();
    onClose();
  };
  const submit = form.onSubmit(async ({ current_password, new_password }) => {
    try {
      await change.mutateAsync({ current_password, new_password });
      notifications.show({ color: 'green', title: 'Password changed', message: 'Your other sign-ins have been signed out.' });
      close();
    } catch {
      /* shown below */
    }
  });
  return (
    <Modal opened={opened} onClose={close} title="Change password" centered>
      <form onSubmit={submit} noValidate>
        <Stack>
          {change.error && (
            <Alert color="red" role="alert">
              {change.error.message}
            </Alert>
          )}
          <PasswordInput label="Current password" autoComplete="current-password" data-autofocus {...form.getInputProps('current_password')} />
          <PasswordInput label="New password" autoComplete="new-password" description="At least 8 characters" {...form.getInputProps('new_password')} />
          <PasswordInput label="Repeat new password" autoComplete="new-password" {...form.getInputProps('confirm')} />
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>
              Cancel
            </Button>
            <Button type="submit" loading={change.isPending}>
              Change password
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
