import { useEffect } from 'react';
import { useNavigate } from 'react-router';
import { ActionIcon, Box, Button, Divider, Group, Indicator, Popover, ScrollArea, Skeleton, Stack, Text, ThemeIcon, UnstyledButton } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { IconArrowsExchange, IconBell, IconBellOff, IconChecks, IconClockExclamation, IconUrgent, IconUserCheck } from '@tabler/icons-react';
import type { Notification } from '@flowpilot/contracts';
import { useStreamState } from '../../lib/event-stream.tsx';
import { BELL_PAGE_SIZE, setBellOpen, useMarkAllRead, useMarkRead, useNotifications, useUnreadCount } from './notifications-api.ts';

const TYPE_ICON: Record<Notification['type'], { icon: typeof IconBell; color: string }> = {
  escalation: { icon: IconUrgent, color: 'orange' },
  escalation_reminder: { icon: IconClockExclamation, color: 'red' },
  picked_up: { icon: IconUserCheck, color: 'teal' },
  transfer: { icon: IconArrowsExchange, color: 'blue' },
};

/** "just now", "5 min ago", "3 h ago", else the date. */
function timeAgo(iso: string, now = Date.now()): string {
  const seconds = Math.max(0, Math.round((now - new Date(iso).getTime()) / 1000));
  if (seconds < 45) return 'just now';
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 24) return `${hours} h ago`;
  return new Date(iso).toLocaleDateString([], { day: 'numeric', month: 'short' });
}

function NotificationItem({ n, onOpen }: { n: Notification; onOpen: (n: Notification) => void }) {
  const unread = n.read_at === null;
  const { icon: Icon, color } = TYPE_ICON[n.type];
  return (
    <UnstyledButton
      onClick={() => onOpen(n)}
      px="sm"
      py={10}
      w="100%"
      aria-label={`${unread ? 'Unread: ' : ''}${n.title}`}
      style={{
        borderRadius: 'var(--mantine-radius-md)',
        background: unread ? 'var(--mantine-color-blue-light)' : undefined,
      }}
      className="fp-bell-item"
    >
      <Group gap="sm" wrap="nowrap" align="flex-start">
        <ThemeIcon variant="light" color={color} radius="xl" size={30}>
          <Icon size={16} />
        </ThemeIcon>
        <Box style={{ flex: 1, minWidth: 0 }}>
          <Group gap={6} wrap="nowrap" justify="space-between" align="flex-start">
            <Text size="sm" fw={unread ? 700 : 500} lineClamp={2}>
              {n.title}
            </Text>
            {unread && <Box w={8} h={8} mt={6} style={{ borderRadius: 8, background: 'var(--mantine-color-blue-filled)', flexShrink: 0 }} aria-hidden />}
          </Group>
          {n.body && (
            <Text size="xs" c="dimmed" lineClamp={2}>
              {n.body}
            </Text>
          )}
          {n.outcome && (
            <Text size="xs" c="teal.8" fw={600}>
              {n.outcome}
            </Text>
          )}
          <Text size="xs" c="dimmed" mt={2}>
            {timeAgo(n.created_at)}
          </Text>
        </Box>
      </Group>
    </UnstyledButton>
  );
}

function NotificationList({ onOpen }: { onOpen: (n: Notification) => void }) {
  const list = useNotifications();
  if (list.isLoading) {
    return (
      <Stack gap="xs" p="sm">
        <Skeleton h={48} />
        <Skeleton h={48} />
      </Stack>
    );
  }
  const items = list.data?.items ?? [];
  if (items.length === 0) {
    return (
      <Stack align="center" gap={4} py="xl" px="md">
        <IconBellOff size={28} color="var(--mantine-color-dimmed)" />
        <Text size="sm" c="dimmed" ta="center">
          No notifications yet. Escalations and pickups show up here.
        </Text>
      </Stack>
    );
  }
  return (
    <ScrollArea.Autosize mah={420} type="auto">
      <Stack gap={2} p={6} role="list" aria-label="Notifications">
        {items.map((n) => (
          <div role="listitem" key={n.id}>
            <NotificationItem n={n} onOpen={onOpen} />
          </div>
        ))}
      </Stack>
      {(list.data?.total ?? 0) > BELL_PAGE_SIZE && (
        <Text size="xs" c="dimmed" ta="center" pb="xs">
          The {BELL_PAGE_SIZE} most recent are shown.
        </Text>
      )}
    </ScrollArea.Autosize>
  );
}

/** The bell in the header: the unread count, live; the latest notifications; a click opens where each leads. */
export function NotificationBell() {
  const [opened, { toggle, close }] = useDisclosure(false);
  const navigate = useNavigate();
  const unread = useUnreadCount().data?.count ?? 0;
  const markRead = useMarkRead();
  const markAll = useMarkAllRead();
  const reconnecting = useStreamState() === 'reconnecting';
  // While the list is open, toasts about the same notifications would only cover it.
  useEffect(() => {
    setBellOpen(opened);
    return () => setBellOpen(false);
  }, [opened]);
  const label = unread > 0 ? `Notifications (${unread} unread)` : 'Notifications';

  const openItem = (n: Notification) => {
    if (n.read_at === null) markRead.mutate(n.id);
    close();
    if (n.link) void navigate(n.link);
  };

  return (
    <Indicator label={unread > 99 ? '99+' : unread} size={18} offset={4} color="red" disabled={unread === 0} inline withBorder zIndex={1}>
      <Popover opened={opened} onDismiss={close} position="bottom-end" width={380} shadow="md" withinPortal returnFocus>
        <Popover.Target>
          <ActionIcon
            variant="default"
            size="lg"
            aria-label={label}
            title={label}
            onClick={toggle}
          >
            <IconBell size={18} />
          </ActionIcon>
        </Popover.Target>
        <Popover.Dropdown p={0} aria-label="Notifications">
          <Group justify="space-between" px="md" py="xs">
            <Group gap={6}>
              <Text fw={700} size="sm">
                Notifications
              </Text>
              {reconnecting && (
                <Text size="xs" c="dimmed">
                  · reconnecting…
                </Text>
              )}
            </Group>
            <Button size="compact-xs" variant="subtle" leftSection={<IconChecks size={14} />} disabled={unread === 0} loading={markAll.isPending} onClick={() => markAll.mutate()}>
              Mark all read
            </Button>
          </Group>
          <Divider />
          {opened && <NotificationList onOpen={openItem} />}
        </Popover.Dropdown>
      </Popover>
    </Indicator>
  );
}
