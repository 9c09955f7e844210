import { Outlet, NavLink as RouterNavLink, useNavigate } from 'react-router';
import {
  ActionIcon,
  AppShell,
  Avatar,
  Badge,
  Burger,
  Group,
  Menu,
  NavLink,
  ScrollArea,
  Text,
  Tooltip,
  UnstyledButton,
  useComputedColorScheme,
  useMantineColorScheme,
} from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import {
  IconBell,
  IconBinaryTree2,
  IconChevronDown,
  IconHome,
  IconKey,
  IconListCheck,
  IconLogout,
  IconMoon,
  IconSun,
  IconPlugConnected,
  IconUrgent,
  IconUsers,
} from '@tabler/icons-react';
import type { Role } from '@flowpilot/contracts';
import { hasRole, ROLE_LABEL, useAuth } from '../../lib/auth.tsx';
import { Logo } from '../../components/logo.tsx';
import { ChangePasswordModal } from '../../features/account/change-password-modal.tsx';
import { useEscalationCount } from '../../features/escalations/escalations-api.ts';
import { NotificationBell } from '../../features/notifications/notification-bell.tsx';
import { NotificationSettingsModal } from '../../features/notifications/notification-settings-modal.tsx';
import { useLiveUpdates } from '../live-updates.tsx';

interface NavItem {
  to: string;
  label: string;
  icon: typeof IconHome;
  minRole: Role;
  section?: string;
  /** A live count shown beside the label. */
  badge?: 'escalations';
}

const NAV: NavItem[] = [
  { to: '/', label: 'Home', icon: IconHome, minRole: 'technician' },
  { to: '/trees', label: 'Decision trees', icon: IconBinaryTree2, minRole: 'technician' },
  { to: '/sessions', label: 'Sessions', icon: IconListCheck, minRole: 'technician' },
  { to: '/escalations', label: 'Escalation queue', icon: IconUrgent, minRole: 'engineer', badge: 'escalations' },
  { to: '/admin/users', label: 'Users & invites', icon: IconUsers, minRole: 'admin', section: 'Admin' },
  { to: '/admin/integrations', label: 'Integrations', icon: IconPlugConnected, minRole: 'admin', section: 'Admin' },
];

function initials(name: string): string {
  return name
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((p) => p[0]!.toUpperCase())
    .join('');
}

function ColorSchemeToggle() {
  const { setColorScheme } = useMantineColorScheme();
  const scheme = useComputedColorScheme('light');
  const next = scheme === 'dark' ? 'light' : 'dark';
  return (
    <Tooltip label={`Switch to ${next} mode`}>
      <ActionIcon variant="default" size="lg" aria-label={`Switch to ${next} mode`} onClick={() => setColorScheme(next)}>
        {scheme === 'dark' ? <IconSun size={18} /> : <IconMoon size={18} />}
      </ActionIcon>
    </Tooltip>
  );
}

/** How many escalations wait for pickup, beside the sidebar item. */
function QueueBadge({ count }: { count: number }) {
  if (count === 0) return null;
  return (
    <Badge size="sm" color="orange" variant="filled" circle={count < 10} aria-label={`${count} waiting`}>
      {count > 99 ? '99+' : count}
    </Badge>
  );
}

export function AppLayout() {
  const [opened, { toggle, close }] = useDisclosure();
  const [changingPassword, passwordModal] = useDisclosure();
  const [editingNotifications, notificationsModal] = useDisclosure();
  const { user, logout } = useAuth();
  const navigate = useNavigate();
  useLiveUpdates();
  const queueCount = useEscalationCount(hasRole(user, 'engineer')).data?.count ?? 0;
  if (!user) return null;
  const items = NAV.filter((i) => hasRole(user, i.minRole));

  const signOut = async () => {
    await logout();
    navigate('/login', { replace: true });
  };

  return (
    <AppShell header={{ height: 60 }} navbar={{ width: 250, breakpoint: 'sm', collapsed: { mobile: !opened } }} padding="lg">
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between">
          <Group gap="sm">
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label="Toggle navigation" />
            <Logo />
          </Group>
          <Group gap="sm">
            <NotificationBell />
            <ColorSchemeToggle />
            <Menu position="bottom-end" width={240} withinPortal>
              <Menu.Target>
                <UnstyledButton aria-label="Account menu" px={6} py={4}>
                  <Group gap={8} wrap="nowrap">
                    <Avatar color="blue" radius="xl" size={32}>
                      {initials(user.full_name)}
                    </Avatar>
                    <div style={{ lineHeight: 1.1 }}>
                      <Text size="sm" fw={600} visibleFrom="xs">
                        {user.full_name}
                      </Text>
                      <Text size="xs" c="dimmed" visibleFrom="xs">
                        {ROLE_LABEL[user.role]}
                      </Text>
                    </div>
                    <IconChevronDown size={14} />
                  </Group>
                </UnstyledButton>
              </Menu.Target>
              <Menu.Dropdown>
                <Menu.Label>Signed in as</Menu.Label>
                <Menu.Item disabled>
                  <Text size="sm">{user.email}</Text>
                  <Badge size="xs" mt={4} variant="light">
                    {ROLE_LABEL[user.role]}
                  </Badge>
                </Menu.Item>
                <Menu.Divider />
                <Menu.Item leftSection={<IconKey size={16} />} onClick={passwordModal.open}>
                  Change password
                </Menu.Item>
                <Menu.Item leftSection={<IconBell size={16} />} onClick={notificationsModal.open}>
                  Notification settings
                </Menu.Item>
                <Menu.Item leftSection={<IconLogout size={16} />} onClick={signOut}>
                  Sign out
                </Menu.Item>
              </Menu.Dropdown>
            </Menu>
          </Group>
        </Group>
      </AppShell.Header>

      <AppShell.Navbar p="sm" aria-label="Main navigation">
        <AppShell.Section grow component={ScrollArea}>
          {items.map((item, i) => (
            <div key={item.to}>
              {item.section && item.section !== items[i - 1]?.section && (
                <Text size="xs" fw={700} c="dimmed" tt="uppercase" mt="md" mb={4} px="sm">
                  {item.section}
                </Text>
              )}
              <NavLink
                component={RouterNavLink}
                to={item.to}
                end={item.to === '/'}
                label={item.label}
                leftSection={<item.icon size={18} stroke={1.6} />}
                rightSection={item.badge === 'escalations' ? <QueueBadge count={queueCount} /> : undefined}
                onClick={close}
                style={{ borderRadius: 'var(--mantine-radius-md)' }}
              />
            </div>
          ))}
        </AppShell.Section>
        <AppShell.Section>
          <Text size="xs" c="dimmed" px="sm">
            FlowPilot
          </Text>
        </AppShell.Section>
      </AppShell.Navbar>

      <AppShell.Main>
        <Outlet />
      </AppShell.Main>
      <ChangePasswordModal opened={changingPassword} onClose={passwordModal.close} />
      <NotificationSettingsModal opened={editingNotifications} onClose={notificationsModal.close} />
    </AppShell>
  );
}
