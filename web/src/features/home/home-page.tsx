import { Link } from 'react-router';
import { Card, Group, SimpleGrid, Text, ThemeIcon, Title } from '@mantine/core';
import { IconBinaryTree2, IconListCheck, IconUrgent, IconUsers } from '@tabler/icons-react';
import type { Role } from '@flowpilot/contracts';
import { hasRole, ROLE_LABEL, useAuth } from '../../lib/auth.tsx';
import { usePageTitle } from '../../components/use-page-title.ts';

const CARDS: { to: string; title: string; text: string; icon: typeof IconUsers; minRole: Role; color: string }[] = [
  {
    to: '/sessions',
    title: 'Sessions',
    text: 'Work a customer’s problem step by step; everything you try is recorded for the ticket.',
    icon: IconListCheck,
    minRole: 'technician',
    color: 'teal',
  },
  {
    to: '/trees',
    title: 'Decision trees',
    text: 'Browse the team’s troubleshooting library by category or search.',
    icon: IconBinaryTree2,
    minRole: 'technician',
    color: 'blue',
  },
  {
    to: '/escalations',
    title: 'Escalation queue',
    text: 'Sessions technicians could not finish, oldest first, ready to pick up.',
    icon: IconUrgent,
    minRole: 'engineer',
    color: 'orange',
  },
  {
    to: '/admin/users',
    title: 'Users & invites',
    text: 'Add people to the team, change roles, deactivate accounts, send invite codes.',
    icon: IconUsers,
    minRole: 'admin',
    color: 'grape',
  },
];

export function HomePage() {
  usePageTitle('Home');
  const { user } = useAuth();
  if (!user) return null;
  const firstName = user.full_name.split(/\s+/)[0];
  return (
    <>
      <Title order={2}>Welcome back, {firstName}</Title>
      <Text c="dimmed" mb="xl">
        Signed in as {ROLE_LABEL[user.role].toLowerCase()}.
      </Text>
      <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }}>
        {CARDS.filter((c) => hasRole(user, c.minRole)).map((c) => (
          <Card key={c.to} component={Link} to={c.to} withBorder padding="lg" radius="md">
            <Group mb="xs">
              <ThemeIcon color={c.color} variant="light" size="lg" radius="md">
                <c.icon size={20} />
              </ThemeIcon>
              <Text fw={600}>{c.title}</Text>
            </Group>
            <Text size="sm" c="dimmed">
              {c.text}
            </Text>
          </Card>
        ))}
      </SimpleGrid>
    </>
  );
}
