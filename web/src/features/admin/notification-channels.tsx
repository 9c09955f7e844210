import { useState } from 'react';
import { Alert, Badge, Button, Card, Group, PasswordInput, Skeleton, Stack, Switch, Text, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconBrandSlack, IconBrandTeams, IconMail, IconSend } from '@tabler/icons-react';
import { normaliseAddress, type TestIntegrationBody, type TestIntegrationResponse } from '@flowpilot/contracts';
import { NO_PROBLEMS, problemsOf, useIntegrations, useSaveIntegrations, useTestIntegration, type Problems } from './integrations-api.ts';

function TestResult({ result }: { result: TestIntegrationResponse | undefined }) {
  if (!result) return null;
  return (
    <Alert color={result.ok ? 'teal' : 'red'} title={result.ok ? 'It works' : 'It does not work yet'}>
      {result.message}
    </Alert>
  );
}

const CHAT = {
  slack: {
    title: 'Slack',
    icon: IconBrandSlack,
    label: 'Slack webhook URL',
    placeholder: 'https://hooks.slack.com/services/…',
    help: 'An incoming webhook of the channel where escalations should appear (Slack app → Incoming Webhooks).',
  },
  teams: {
    title: 'Microsoft Teams',
    icon: IconBrandTeams,
    label: 'Teams workflow URL',
    placeholder: 'https://…logic.azure.com/workflows/…',
    help: 'A Workflows webhook of the channel: the “Post to a channel when a webhook request is received” template.',
  },
} as const;

/**
 * A chat channel for escalations: the webhook address is a credential, so it
 * is never shown again. "Send test" tries the address typed (before any
 * save) or, with the field left empty, the stored one.
 */
export function ChatWebhookCard({ channel }: { channel: 'slack' | 'teams' }) {
  const settings = useIntegrations();
  const save = useSaveIntegrations();
  const test = useTestIntegration();
  const [url, setUrl] = useState('');
  const [problems, setProblems] = useState<Problems>(NO_PROBLEMS);
  const meta = CHAT[channel];
  const stored = settings.data?.[channel] != null;

  /** The address as it will be sent: what a save would store. */
  const typed = () => {
    const value = normaliseAddress(url);
    if (value !== url) setUrl(value);
    return value;
  };
  const submit = () => {
    setProblems(NO_PROBLEMS);
    save.mutate(
      { [channel]: { webhook_url: typed() } },
      {
        onSuccess: () => {
          setUrl('');
          test.reset();
          notifications.show({ color: 'teal', message: `${meta.title} is connected` });
        },
        onError: (err) => setProblems(problemsOf(err, channel)),
      },
    );
  };
  const sendTest = () => {
    setProblems(NO_PROBLEMS);
    const value = typed();
    test.mutate({ channel, ...(value && { settings: { webhook_url: value } }) } as TestIntegrationBody, { onError: (err) => setProblems(problemsOf(err, 'settings')) });
  };
  const turnOff = () =>
    save.mutate(
      { [channel]: null },
      {
        onSuccess: () => {
          test.reset();
          setProblems(NO_PROBLEMS);
          notifications.show({ color: 'teal', message: `${meta.title} is off` });
        },
        onError: (err) => setProblems(problemsOf(err, channel)),
      },
    );

  return (
    <Card withBorder radius="md" padding="lg" component="section" aria-label={meta.title}>
      <Group justify="space-between" mb={4}>
        <Group gap="xs">
          <meta.icon size={20} />
          <Title order={4}>{meta.title}</Title>
        </Group>
        {settings.data && (
          <Badge color={stored ? 'teal' : 'gray'} variant="light">
            {stored ? 'On' : 'Off'}
          </Badge>
        )}
      </Group>
      <Text size="sm" c="dimmed" mb="md">
        Every escalation and reminder is posted with a link to the pickup screen. {meta.help}
      </Text>
      {settings.isLoading ? (
        <Skeleton h={80} />
      ) : (
        <Stack gap="sm">
          <PasswordInput
            label={meta.label}
            description={stored ? 'Stored. Leave empty to keep it, or paste a new one.' : 'Send test tries it before you save it.'}
            placeholder={stored ? '•••••••• (stored)' : meta.placeholder}
            value={url}
            onChange={(e) => {
              setUrl(e.currentTarget.value);
              if (problems.fields.webhook_url) setProblems(NO_PROBLEMS);
            }}
            onBlur={() => setUrl((u) => normaliseAddress(u))}
            error={problems.fields.webhook_url}
            autoComplete="off"
          />
          {problems.other && <Alert color="red">{problems.other}</Alert>}
          <Group gap="sm">
            <Button onClick={submit} loading={save.isPending && save.variables?.[channel] !== null} disabled={!url.trim()}>
              Save webhook
            </Button>
            <Button variant="default" leftSection={<IconSend size={16} />} onClick={sendTest} loading={test.isPending} disabled={!stored && !url.trim()}>
              Send test
            </Button>
            {stored && (
              <Button variant="subtle" color="red" onClick={turnOff} loading={save.isPending && save.variables?.[channel] === null}>
                Turn off
              </Button>
            )}
          </Group>
          <TestResult result={test.data} />
          {test.data?.ok && test.variables?.channel === channel && 'settings' in test.variables && url.trim() && (
            <Text size="sm" c="dimmed">
              Tried without saving: press Save webhook to keep it.
            </Text>
          )}
        </Stack>
      )}
    </Card>
  );
}

/** Escalation emails: on or off for the team, and how they leave the server. */
export function EmailCard() {
  const settings = useIntegrations();
  const save = useSaveIntegrations();
  const test = useTestIntegration();
  const email = settings.data?.email;
  return (
    <Card withBorder radius="md" padding="lg" component="section" aria-label="Email">
      <Group justify="space-between" mb={4}>
        <Group gap="xs">
          <IconMail size={20} />
          <Title order={4}>Email</Title>
        </Group>
        {email && (
          <Badge color={email.transport === 'smtp' ? 'blue' : 'gray'} variant="light">
            {email.transport === 'smtp' ? 'Via SMTP' : 'Outbox folder'}
          </Badge>
        )}
      </Group>
      <Text size="sm" c="dimmed" mb="md">
        {email?.transport === 'smtp'
          ? 'Sent through the SMTP server configured on the FlowPilot server.'
          : 'No SMTP server is configured (SMTP_URL): emails are written as .eml files to the server’s outbox folder.'}{' '}
        Each engineer can still turn escalation emails off for themselves.
      </Text>
      {!email ? (
        <Skeleton h={60} />
      ) : (
        <Stack gap="sm">
          <Switch
            label="Email escalations to the engineers concerned"
            checked={email.enabled}
            disabled={save.isPending}
            onChange={(e) => {
              const enabled = e.currentTarget.checked;
              test.reset();
              save.mutate({ email: { enabled } }, { onSuccess: () => notifications.show({ color: 'teal', message: enabled ? 'Escalation emails are on' : 'Escalation emails are off' }) });
            }}
          />
          {save.error && <Alert color="red">{save.error.message}</Alert>}
          <Group>
            <Button variant="default" leftSection={<IconSend size={16} />} onClick={() => test.mutate({ channel: 'email' })} loading={test.isPending} disabled={!email.enabled}>
              Send test
            </Button>
          </Group>
          <TestResult result={test.data} />
          {test.error && <Alert color="red">{test.error.message}</Alert>}
        </Stack>
      )}
    </Card>
  );
}
