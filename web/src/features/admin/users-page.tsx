import { useState } from 'react';
import {
  ActionIcon,
  Alert,
  Badge,
  Button,
  CopyButton,
  Group,
  Modal,
  Paper,
  PasswordInput,
  Select,
  Skeleton,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useForm } from '@mantine/form';
import { useDisclosure, useMediaQuery } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { IconCheck, IconCopy, IconTrash, IconUserPlus } from '@tabler/icons-react';
import { ROLES, type Role, type UserResponse } from '@flowpilot/contracts';
import { ROLE_LABEL, useAuth } from '../../lib/auth.tsx';
import { PageHeader } from '../../components/page-header.tsx';
import { useCreateInvite, useCreateUser, useInvites, useRevokeInvite, useTeamUsers, useUpdateUser } from './users-api.ts';
import { usePageTitle } from '../../components/use-page-title.ts';

const roleOptions = ROLES.map((r) => ({ value: r, label: ROLE_LABEL[r] }));

function AddUserModal({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const create = useCreateUser();
  const form = useForm({
    initialValues: { full_name: '', email: '', role: 'technician' as Role, password: '' },
    validate: {
      full_name: (v) => (v.trim() ? null : 'Enter a name'),
      email: (v) => (/^\S+@\S+\.\S+$/.test(v.trim()) ? null : 'Enter a valid email address'),
      password: (v) => (v.length >= 8 ? null : 'At least 8 characters'),
    },
  });
  const submit = form.onSubmit(async (values) => {
    try {
      const user = await create.mutateAsync({ ...values, email: values.email.trim(), full_name: values.full_name.trim() });
      notifications.show({ color: 'green', title: 'User added', message: `${user.full_name} can sign in now.` });
      form.reset();
      onClose();
    } catch {
      /* shown below */
    }
  });
  return (
    <Modal opened={opened} onClose={onClose} title="Add a user" centered>
      <form onSubmit={submit} noValidate>
        <Stack>
          {create.error && (
            <Alert color="red" role="alert">
              {create.error.message}
            </Alert>
          )}
          <TextInput label="Full name" data-autofocus {...form.getInputProps('full_name')} />
          <TextInput label="Email" type="email" {...form.getInputProps('email')} />
          <Select label="Role" data={roleOptions} allowDeselect={false} {...form.getInputProps('role')} />
          <PasswordInput label="Temporary password" description="Share it with them securely." {...form.getInputProps('password')} />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={create.isPending}>
              Add user
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

function ResetPasswordModal({ user, onClose }: { user: UserResponse | null; onClose: () => void }) {
  const update = useUpdateUser();
  const form = useForm({
    initialValues: { password: '' },
    validate: { password: (v) => (v.length >= 8 ? null : 'At least 8 characters') },
  });
  const close = () => {
    form.reset();
    update.reset();
    onClose();
  };
  const submit = form.onSubmit(async ({ password }) => {
    if (!user) return;
    try {
      await update.mutateAsync({ id: user.id, body: { password } });
      notifications.show({ color: 'green', message: `${user.full_name} has a new temporary password and was signed out everywhere.` });
      close();
    } catch {
      /* shown below */
    }
  });
  return (
    <Modal opened={user !== null} onClose={close} title={`New password for ${user?.full_name ?? ''}`} centered>
      <form onSubmit={submit} noValidate>
        <Stack>
          {update.error && (
            <Alert color="red" role="alert">
              {update.error.message}
            </Alert>
          )}
          <PasswordInput
            label="Temporary password"
            description="They are signed out everywhere; share it with them securely."
            data-autofocus
            {...form.getInputProps('password')}
          />
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>
              Cancel
            </Button>
            <Button type="submit" loading={update.isPending}>
              Set password
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

/** A member's role, status and actions: one table row on a desk, one card on a phone. */
function UserRow({ user, isSelf, onResetPassword, asCard }: { user: UserResponse; isSelf: boolean; onResetPassword: () => void; asCard: boolean }) {
  const update = useUpdateUser();
  const change = async (body: Parameters<typeof update.mutateAsync>[0]['body'], done: string) => {
    try {
      await update.mutateAsync({ id: user.id, body });
      notifications.show({ color: 'green', message: done });
    } catch (err) {
      notifications.show({ color: 'red', title: 'Not changed', message: (err as Error).message });
    }
  };
  const who = (
    <>
      <Text fw={500} size="sm">
        {user.full_name} {isSelf && <Badge size="xs" variant="light">you</Badge>}
      </Text>
      <Text size="xs" c="dimmed" style={{ overflowWrap: 'anywhere' }}>
        {user.email}
      </Text>
    </>
  );
  const role = (
    <Select
      aria-label={`Role of ${user.full_name}`}
      size="xs"
      data={roleOptions}
      value={user.role}
      allowDeselect={false}
      disabled={update.isPending}
      onChange={(r) => r && r !== user.role && change({ role: r as Role }, `${user.full_name} is now ${ROLE_LABEL[r as Role].toLowerCase()}.`)}
    />
  );
  const status = (
    <Badge color={user.is_active ? 'green' : 'gray'} variant="light" style={{ flexShrink: 0 }}>
      {user.is_active ? 'Active' : 'Deactivated'}
    </Badge>
  );
  const actions = !isSelf && (
    <>
      <Button size="xs" variant="subtle" onClick={onResetPassword}>
        Set password
      </Button>
      <Button
        size="xs"
        variant="subtle"
        color={user.is_active ? 'red' : 'blue'}
        loading={update.isPending}
        onClick={() =>
          change({ is_active: !user.is_active }, user.is_active ? `${user.full_name} is deactivated and signed out.` : `${user.full_name} is active again.`)
        }
      >
        {user.is_active ? 'Deactivate' : 'Reactivate'}
      </Button>
    </>
  );
  if (asCard) {
    return (
      <Paper withBorder radius="md" p="sm" style={{ opacity: user.is_active ? 1 : 0.6 }} aria-label={user.full_name} role="listitem">
        <Group justify="space-between" align="flex-start" wrap="nowrap" gap="xs">
          <div style={{ minWidth: 0 }}>{who}</div>
          {status}
        </Group>
        <Group mt="xs" gap="xs" justify="space-between" wrap="wrap">
          <div style={{ width: 160 }}>{role}</div>
          <Group gap={0}>{actions}</Group>
        </Group>
      </Paper>
    );
  }
  return (
    <Table.Tr style={{ opacity: user.is_active ? 1 : 0.6 }}>
      <Table.Td>{who}</Table.Td>
      <Table.Td w={170}>{role}</Table.Td>
      <Table.Td>{status}</Table.Td>
      <Table.Td ta="right">{actions}</Table.Td>
    </Table.Tr>
  );
}

/** The link a new colleague opens to register into the team with the invite's role. */
const inviteLink = (code: string) => `${window.location.origin}/register?invite=${encodeURIComponent(code)}`;

function InvitesPanel() {
  const invites = useInvites();
  const create = useCreateInvite();
  const revoke = useRevokeInvite();
  const [role, setRole] = useState<Role>('technician');
  const [created, setCreated] = useState<{ link: string; role: Role } | null>(null);
  return (
    <Paper withBorder p="lg" radius="md">
      <Title order={4} mb={4}>
        Invite links
      </Title>
      <Text size="sm" c="dimmed" mb="md">
        An invite link lets one person create their account in this team with the chosen role. It works once and expires after 7 days.
      </Text>
      <Group align="flex-end">
        <Select label="Role" data={roleOptions} value={role} onChange={(v) => v && setRole(v as Role)} allowDeselect={false} w={180} />
        <Button
          loading={create.isPending}
          onClick={async () => {
            try {
              const invite = await create.mutateAsync({ role });
              setCreated({ link: inviteLink(invite.invite_code), role: invite.role });
            } catch (err) {
              notifications.show({ color: 'red', title: 'No invite created', message: (err as Error).message });
            }
          }}
        >
          Create invite link
        </Button>
      </Group>
      {created && (
        <Alert color="blue" mt="md" title={`Invite link for a new ${ROLE_LABEL[created.role].toLowerCase()} (shown once)`}>
          <Text size="sm" mb="xs">
            Send it to the person you invite. Whoever opens it first can join your team.
          </Text>
          <Group gap="xs" wrap="nowrap" align="center">
            <TextInput
              readOnly
              value={created.link}
              aria-label="Invite link"
              data-testid="invite-link"
              style={{ flex: 1, minWidth: 0 }}
              onFocus={(e) => e.currentTarget.select()}
              styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)', fontSize: 'var(--mantine-font-size-xs)' } }}
            />
            <CopyButton value={created.link}>
              {({ copied, copy }) => (
                <Button
                  variant={copied ? 'light' : 'filled'}
                  color={copied ? 'teal' : 'blue'}
                  leftSection={copied ? <IconCheck size={16} /> : <IconCopy size={16} />}
                  onClick={copy}
                  aria-label="Copy invite link"
                >
                  {copied ? 'Copied' : 'Copy'}
                </Button>
              )}
            </CopyButton>
          </Group>
        </Alert>
      )}
      {(invites.data?.items.length ?? 0) > 0 && (
        <Table mt="md" verticalSpacing="xs">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Open invite</Table.Th>
              <Table.Th>Expires</Table.Th>
              <Table.Th />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {invites.data!.items.map((inv) => (
              <Table.Tr key={inv.id}>
                <Table.Td>{ROLE_LABEL[inv.role]}</Table.Td>
                <Table.Td>{new Date(inv.expires_at).toLocaleString()}</Table.Td>
                <Table.Td ta="right">
                  <ActionIcon variant="subtle" color="red" aria-label="Revoke invite" onClick={() => revoke.mutate(inv.id)}>
                    <IconTrash size={16} />
                  </ActionIcon>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Paper>
  );
}

export function UsersPage() {
  usePageTitle('Users & invites');
  const { user: me } = useAuth();
  const users = useTeamUsers();
  const [adding, { open, close }] = useDisclosure(false);
  const [resetting, setResetting] = useState<UserResponse | null>(null);
  const phone = useMediaQuery('(max-width: 48em)');
  return (
    <>
      <PageHeader
        title="Users & invites"
        description="Who is on your team and what they may do."
        actions={
          <Button leftSection={<IconUserPlus size={16} />} onClick={open}>
            Add user
          </Button>
        }
      />
      <Stack gap="lg">
        {phone ? (
          <Stack gap="sm" role="list" aria-label="Team members">
            {users.isPending && [0, 1, 2].map((i) => <Skeleton key={i} h={96} radius="md" />)}
            {users.data?.items.map((u) => (
              <UserRow key={u.id} user={u} isSelf={u.id === me?.id} onResetPassword={() => setResetting(u)} asCard />
            ))}
            {users.error && <Alert color="red">{users.error.message}</Alert>}
          </Stack>
        ) : (
        <Paper withBorder radius="md">
          <Table.ScrollContainer minWidth={560}>
            <Table verticalSpacing="sm" highlightOnHover>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Name</Table.Th>
                  <Table.Th>Role</Table.Th>
                  <Table.Th>Status</Table.Th>
                  <Table.Th />
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {users.isPending &&
                  [0, 1, 2].map((i) => (
                    <Table.Tr key={i}>
                      <Table.Td colSpan={4}>
                        <Skeleton h={28} />
                      </Table.Td>
                    </Table.Tr>
                  ))}
                {users.data?.items.map((u) => (
                  <UserRow key={u.id} user={u} isSelf={u.id === me?.id} onResetPassword={() => setResetting(u)} asCard={false} />
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
          {users.error && (
            <Alert color="red" m="md">
              {users.error.message}
            </Alert>
          )}
        </Paper>
        )}
        <InvitesPanel />
      </Stack>
      <AddUserModal opened={adding} onClose={close} />
      <ResetPasswordModal user={resetting} onClose={() => setResetting(null)} />
    </>
  );
}
