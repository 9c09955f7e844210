import { Alert, Button, Group, Modal, Skeleton, Stack, Switch, Text } from '@mantine/core';
import { notifications as toasts } from '@mantine/notifications';
import { useNotificationSettings, useSaveNotificationSettings } from './notifications-api.ts';

/** The signed-in user's own notification choices: for now, whether escalations also come by email. */
export function NotificationSettingsModal({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const settings = useNotificationSettings(opened);
  const save = useSaveNotificationSettings();
  const close = () => {
    save.reset();
    onClose();
  };
  return (
    <Modal opened={opened} onClose={close} title="Notification settings" centered>
      <Stack>
        <Text size="sm" c="dimmed">
          The bell in the header always shows escalations, handovers and pickups as they happen.
        </Text>
        {settings.isLoading ? (
          <Skeleton h={40} />
        ) : settings.error ? (
          <Alert color="red">{settings.error.message}</Alert>
        ) : (
          <Switch
            label="Email me about escalations"
            description="When a session is escalated to you or your team's queue, or handed over to you. Only sent if your admin has email turned on."
            checked={settings.data?.escalation_emails ?? true}
            disabled={save.isPending}
            onChange={(e) => {
              const on = e.currentTarget.checked;
              save.mutate(
                { escalation_emails: on },
                { onSuccess: () => toasts.show({ color: 'teal', message: on ? 'Escalation emails are on' : 'Escalation emails are off' }) },
              );
            }}
          />
        )}
        {save.error && (
          <Alert color="red" role="alert">
            {save.error.message}
          </Alert>
        )}
        <Group justify="flex-end">
          <Button variant="default" onClick={close}>
            Done
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
