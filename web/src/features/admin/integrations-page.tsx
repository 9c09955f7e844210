import { useEffect, useState } from 'react';
import { Alert, Badge, Button, Card, Group, NumberInput, PasswordInput, Select, SegmentedControl, SimpleGrid, Stack, Switch, Table, Text, TextInput, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconPlugConnected, IconRefresh } from '@tabler/icons-react';
import { normaliseAddress, SECRET_MASK, type DeliveryStatus, type PsaProvider, type PsaSettingsInput } from '@flowpilot/contracts';
import { PageHeader } from '../../components/page-header.tsx';
import { EscalationChainCard } from './escalation-chain-card.tsx';
import { NO_PROBLEMS, problemsOf, useDeliveries, useIntegrations, useRetryDelivery, useSaveIntegrations, useTestIntegration, type Problems } from './integrations-api.ts';
import { ChatWebhookCard, EmailCard } from './notification-channels.tsx';
import { usePageTitle } from '../../components/use-page-title.ts';

type Draft = Record<string, string | number | boolean | undefined>;

interface Field {
  name: string;
  label: string;
  description?: string;
  kind?: 'text' | 'url' | 'secret' | 'number' | 'switch' | 'select';
  options?: { value: string; label: string }[];
  placeholder?: string;
}

const FIELDS: Record<PsaProvider, Field[]> = {
  connectwise: [
    { name: 'site_url', kind: 'url', label: 'Site address', placeholder: 'https://api-na.myconnectwise.net', description: 'Cloud sites use the api- host' },
    { name: 'codebase', label: 'Codebase', placeholder: 'v4_6_release/' },
    { name: 'company_id', label: 'Company id' },
    { name: 'public_key', label: 'Public key' },
    { name: 'private_key', label: 'Private key', kind: 'secret' },
    { name: 'client_id', label: 'Client id', description: 'Your ClientID from the ConnectWise developer portal' },
    {
      name: 'note_type',
      label: 'Note shows as',
      kind: 'select',
      options: [
        { value: 'internal', label: 'Internal analysis' },
        { value: 'discussion', label: 'Discussion' },
        { value: 'resolution', label: 'Resolution' },
      ],
    },
  ],
  autotask: [
    { name: 'zone_lookup_url', kind: 'url', label: 'Zone lookup address', placeholder: 'https://webservices.autotask.net/atservicesrest' },
    { name: 'username', label: 'API user name' },
    { name: 'secret', label: 'Secret', kind: 'secret' },
    { name: 'integration_code', label: 'Integration code (tracking identifier)', kind: 'secret' },
    { name: 'note_type', label: 'Note type value', kind: 'number', description: 'The test lists the values your tenant has' },
    { name: 'publish', label: 'Publish value', kind: 'number', description: 'e.g. internal only; the test lists them' },
  ],
  halopsa: [
    { name: 'base_url', kind: 'url', label: 'Halo address', placeholder: 'https://yourcompany.halopsa.com' },
    { name: 'auth_url', kind: 'url', label: 'Authorisation server', placeholder: 'Defaults to <Halo address>/auth' },
    { name: 'tenant', label: 'Tenant', description: 'Halo-hosted instances only' },
    { name: 'client_id', label: 'Client id' },
    { name: 'client_secret', label: 'Client secret', kind: 'secret' },
    { name: 'outcome', label: 'Action type', placeholder: 'Private Note' },
    { name: 'hidden_from_user', label: 'Hide the note from the end user', kind: 'switch' },
  ],
};

const PROVIDER_LABEL: Record<PsaProvider, string> = { connectwise: 'ConnectWise Manage', autotask: 'Autotask', halopsa: 'HaloPSA' };
const DEFAULTS: Record<PsaProvider, Draft> = {
  connectwise: { codebase: 'v4_6_release/', note_type: 'internal' },
  autotask: { zone_lookup_url: 'https://webservices.autotask.net/atservicesrest', note_type: 1, publish: 1 },
  halopsa: { outcome: 'Private Note', hidden_from_user: true },
};

/**
 * The PSA connection. Each problem the server finds stands under its field;
 * "Test connection" tries what is in the form, saved or not (a stored
 * secret left as is is used as stored).
 */
function PsaForm() {
  const settings = useIntegrations();
  const save = useSaveIntegrations();
  const test = useTestIntegration();
  const [provider, setProvider] = useState<PsaProvider | null>(null);
  const [draft, setDraft] = useState<Draft>({});
  const [ticket, setTicket] = useState('');
  const [problems, setProblems] = useState<Problems>(NO_PROBLEMS);

  useEffect(() => {
    const psa = settings.data?.psa;
    setProvider(psa?.provider ?? null);
    setDraft(psa ? ({ ...psa } as Draft) : {});
  }, [settings.data]);

  const stored = settings.data?.psa;
  const choose = (p: PsaProvider | null) => {
    setProvider(p);
    setProblems(NO_PROBLEMS);
    test.reset();
    setDraft(p && stored?.provider === p ? ({ ...stored } as Draft) : p ? { ...DEFAULTS[p] } : {});
  };

  /** The settings as the form holds them; empty fields are left out (the server names the ones it needs). */
  const bodyOf = (p: PsaProvider) => {
    const body: Draft = { provider: p };
    for (const f of FIELDS[p]) {
      const v = draft[f.name];
      if (v === undefined || v === '') continue;
      body[f.name] = v;
    }
    return body as unknown as PsaSettingsInput;
  };

  const secretStored = (name: string) => stored?.provider === provider && (stored as Record<string, unknown> | null | undefined)?.[name] === SECRET_MASK;

  /**
   * The problems of a refused save or test. A secret that is neither typed
   * nor stored is named at once too: the server checks secrets only once
   * the rest of the form is right.
   */
  const showProblems = (err: Error, prefix: string) => {
    const found = problemsOf(err, prefix);
    if (provider) for (const f of FIELDS[provider]) if (f.kind === 'secret' && !draft[f.name] && !secretStored(f.name)) found.fields[f.name] ??= 'Field required';
    setProblems(found);
  };

  const submit = () => {
    setProblems(NO_PROBLEMS);
    const onError = (err: Error) => showProblems(err, 'psa');
    if (!provider) {
      save.mutate({ psa: null }, { onSuccess: () => notifications.show({ color: 'teal', message: 'The PSA push is off' }), onError });
      return;
    }
    save.mutate({ psa: bodyOf(provider) }, { onSuccess: () => notifications.show({ color: 'teal', message: 'PSA settings saved' }), onError });
  };

  const tryIt = () => {
    if (!provider) return;
    setProblems(NO_PROBLEMS);
    test.mutate({ channel: 'psa', settings: bodyOf(provider), ...(ticket.trim() && { ticket_id: ticket.trim() }) }, { onError: (err) => showProblems(err, 'settings') });
  };

  return (
    <Card withBorder radius="md" padding="lg" component="section" aria-label="PSA">
      <Title order={4} mb={4}>
        PSA
      </Title>
      <Text size="sm" c="dimmed" mb="md">
        Completed sessions are written to the ticket as a note. Secrets are stored encrypted and never shown again.
      </Text>
      <Stack gap="sm" maw={560}>
        <Select
          label="Provider"
          placeholder="None: do not push to a PSA"
          clearable
          data={(Object.keys(PROVIDER_LABEL) as PsaProvider[]).map((p) => ({ value: p, label: PROVIDER_LABEL[p] }))}
          value={provider}
          onChange={(v) => choose(v as PsaProvider | null)}
        />
        {provider &&
          FIELDS[provider].map((f) => {
            const value = draft[f.name];
            const error = problems.fields[f.name];
            const set = (v: string | number | boolean | undefined) => {
              setDraft((d) => ({ ...d, [f.name]: v }));
              if (error) setProblems((p) => ({ ...p, fields: { ...p.fields, [f.name]: '' } }));
            };
            if (f.kind === 'secret') {
              const kept = secretStored(f.name);
              return (
                <PasswordInput
                  key={f.name}
                  label={f.label}
                  description={kept ? 'Stored. Leave as is to keep it, or type a new one.' : undefined}
                  value={value === SECRET_MASK ? '' : String(value ?? '')}
                  placeholder={kept ? '•••••••• (stored)' : undefined}
                  onChange={(e) => set(e.currentTarget.value || (kept ? SECRET_MASK : undefined))}
                  error={error || undefined}
                  autoComplete="off"
                />
              );
            }
            if (f.kind === 'number')
              return (
                <NumberInput
                  key={f.name}
                  label={f.label}
                  description={f.description}
                  min={0}
                  value={Number(value ?? 0)}
                  onChange={(v) => set(typeof v === 'number' ? v : undefined)}
                  error={error || undefined}
                />
              );
            if (f.kind === 'switch') return <Switch key={f.name} label={f.label} checked={value !== false} onChange={(e) => set(e.currentTarget.checked)} error={error || undefined} />;
            if (f.kind === 'select')
              return <Select key={f.name} label={f.label} data={f.options ?? []} value={String(value ?? '')} onChange={(v) => set(v ?? undefined)} error={error || undefined} />;
            return (
              <TextInput
                key={f.name}
                label={f.label}
                description={f.description}
                placeholder={f.placeholder}
                value={String(value ?? '')}
                onChange={(e) => set(e.currentTarget.value)}
                onBlur={f.kind === 'url' && typeof value === 'string' ? () => set(normaliseAddress(value)) : undefined}
                error={error || undefined}
              />
            );
          })}
        {problems.other && <Alert color="red">{problems.other}</Alert>}
        <Group>
          <Button onClick={submit} loading={save.isPending}>
            Save
          </Button>
        </Group>
        {provider && (
          <Card withBorder padding="sm" radius="md" bg="var(--mantine-color-default-hover)">
            <Text size="sm" c="dimmed" mb="xs">
              {stored?.provider === provider ? 'Tries what is in the form, saved or not.' : 'Tries what is in the form before you save it.'}
            </Text>
            <Group align="flex-end" gap="sm">
              <TextInput label="Check a ticket too (optional)" placeholder="Ticket number" value={ticket} onChange={(e) => setTicket(e.currentTarget.value)} w={200} />
              <Button variant="default" leftSection={<IconPlugConnected size={16} />} loading={test.isPending} onClick={tryIt}>
                Test connection
              </Button>
            </Group>
            {test.data && (
              <Alert mt="sm" color={test.data.ok ? 'teal' : 'red'} title={test.data.ok ? 'It works' : 'It does not work yet'}>
                {test.data.message}
              </Alert>
            )}
          </Card>
        )}
      </Stack>
    </Card>
  );
}

const DELIVERY_COLOR: Record<DeliveryStatus, string> = { pending: 'gray', sending: 'blue', retrying: 'yellow', delivered: 'teal', failed: 'red', skipped: 'gray' };

const DELIVERY_FILTERS = [
  { value: 'open', label: 'Pending & failed' },
  { value: 'failed', label: 'Failed' },
  { value: 'delivered', label: 'Delivered' },
  { value: 'skipped', label: 'Not needed' },
];

function DeliveriesCard() {
  const [status, setStatus] = useState('open');
  const deliveries = useDeliveries(status);
  const retry = useRetryDelivery();
  const items = deliveries.data?.items ?? [];
  return (
    <Card withBorder radius="md" padding="lg">
      <Group justify="space-between" mb="sm">
        <div>
          <Title order={4}>Deliveries</Title>
          <Text size="sm" c="dimmed">
            Notes and messages waiting to go out or given up on; failed ones can be retried once the problem is fixed.
          </Text>
        </div>
        {/* Four choices do not fit a phone's width side by side: a list there. */}
        <SegmentedControl aria-label="Which deliveries" value={status} onChange={setStatus} data={DELIVERY_FILTERS} visibleFrom="sm" />
        <Select aria-label="Which deliveries" value={status} onChange={(v) => v && setStatus(v)} data={DELIVERY_FILTERS} allowDeselect={false} hiddenFrom="sm" w="100%" />
      </Group>
      {items.length === 0 ? (
        <Text size="sm" c="dimmed">
          {status === 'delivered' ? 'Nothing delivered yet.' : status === 'skipped' ? 'Nothing was left unsent.' : 'Nothing waiting: everything went out.'}
        </Text>
      ) : (
        <Table.ScrollContainer minWidth={720}>
          <Table verticalSpacing="xs">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>To</Table.Th>
                <Table.Th>Status</Table.Th>
                <Table.Th>Attempts</Table.Th>
                <Table.Th>Last error or reason</Table.Th>
                <Table.Th>When</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((d) => (
                <Table.Tr key={d.id}>
                  <Table.Td>{d.target}</Table.Td>
                  <Table.Td>
                    <Badge color={DELIVERY_COLOR[d.status]} variant="light">
                      {d.status}
                    </Badge>
                  </Table.Td>
                  <Table.Td>{d.attempts}</Table.Td>
                  <Table.Td>
                    <Text size="xs" maw={380}>
                      {d.last_error ?? '—'}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Text size="xs" c="dimmed">
                      {new Date(d.updated_at).toLocaleString([], { dateStyle: 'short', timeStyle: 'short' })}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    {(d.status === 'failed' || d.status === 'retrying' || d.status === 'pending') && (
                      <Button size="xs" variant="light" leftSection={<IconRefresh size={14} />} loading={retry.isPending && retry.variables === d.id} onClick={() => retry.mutate(d.id)}>
                        Retry now
                      </Button>
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Card>
  );
}

/** Admin: the team's PSA connection, where escalations are announced, the reminder chain, and what is waiting to be delivered. */
export function IntegrationsPage() {
  usePageTitle('Integrations');
  return (
    <>
      <PageHeader title="Integrations" description="Where FlowPilot sends session documentation and escalations, and how those deliveries stand." />
      <Stack gap="lg">
        <PsaForm />
        <SimpleGrid cols={{ base: 1, md: 2 }} spacing="lg">
          <ChatWebhookCard channel="slack" />
          <ChatWebhookCard channel="teams" />
        </SimpleGrid>
        <EmailCard />
        <EscalationChainCard />
        <DeliveriesCard />
      </Stack>
    </>
  );
}
