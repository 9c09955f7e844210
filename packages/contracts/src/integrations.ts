import { z } from 'zod';
import { isStorableText } from './trees.ts';
import { listOf, Uuid } from './common.ts';

const text = (max: number) =>
  z
    .string()
    .trim()
    .max(max)
    .refine(isStorableText, 'Text must not contain NUL characters or broken Unicode');

/**
 * An address as it should be stored: surrounding spaces gone, scheme and host
 * in lower case, no default port, no trailing slash on the path (a pasted
 * `HTTPS://Example.com/ ` is `https://example.com`). Anything that is not an
 * http(s) URL, or that carries a user name or password, comes back trimmed
 * only, for the checks to refuse in words.
 */
export function normaliseAddress(raw: string): string {
  const value = raw.trim();
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return value;
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.username || url.password) return value;
  return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}${url.search}${url.hash}`;
}

/** A URL, normalised; `pastedSuffix` is taken off the end (what people paste by habit and the adapter adds itself: Halo's `/api`, Autotask's `/v1.0`). */
const url = (pastedSuffix?: RegExp) =>
  text(500)
    .overwrite((u) => (pastedSuffix ? normaliseAddress(u).replace(pastedSuffix, '') : normaliseAddress(u)))
    .pipe(z.url({ protocol: /^https?$/, message: 'Enter a full URL starting with https://' }));

/**
 * What a stored secret looks like in responses: never the value. On save,
 * leave a secret out (or send this mask back) to keep the stored one.
 */
export const SECRET_MASK = '********';
const secret = (label: string) =>
  text(500)
    .min(1, `${label} is required`)
    .describe(`Write-only: answered as "${SECRET_MASK}"; send it back unchanged (or leave it out) to keep the stored value`);

/** The address fields of the integrations, each with its vendor's rules. */
export type AddressField = 'slack' | 'teams' | 'site_url' | 'zone_lookup_url' | 'base_url' | 'auth_url';

/** How each address is named in a message: it stands under its field, but must read on its own too. */
export const ADDRESS_LABEL: Record<AddressField, string> = {
  slack: 'Slack webhook address',
  teams: 'Teams workflow address',
  site_url: 'ConnectWise site address',
  zone_lookup_url: 'Autotask zone lookup address',
  base_url: 'Halo address',
  auth_url: 'Halo authorisation server address',
};

const SLACK_PREFIX = 'https://hooks.slack.com/services/';
const endsWithDomain = (host: string, domain: string) => host === domain || host.endsWith(`.${domain}`);

/**
 * What is wrong with an address given its vendor's published formats
 * (integrations.md §1.1, §2.1, §3.1, §4.1, §5.1), or null. `standIn` waives
 * the host rules for a host the operator runs (a relay or a test double on
 * the private network); the rest still holds.
 */
export function vendorAddressProblem(field: AddressField, value: string, standIn: (url: URL) => boolean): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return field === 'slack' ? `Slack webhook address must start with ${SLACK_PREFIX}` : `${ADDRESS_LABEL[field]} is not a full address: it starts with https://`;
  }
  const waived = standIn(url);
  const host = url.hostname.toLowerCase();
  switch (field) {
    case 'slack':
      if (!waived && (url.protocol !== 'https:' || host !== 'hooks.slack.com')) return `Slack webhook address must start with ${SLACK_PREFIX}`;
      if (!/^\/services\/[^/]+\/[^/]+\/[^/]+$/.test(url.pathname)) {
        return `Slack webhook address must look like ${SLACK_PREFIX}T…/B…/… (Slack app → Incoming Webhooks → copy the whole URL)`;
      }
      return null;
    case 'teams':
      if (!waived) {
        if (endsWithDomain(host, 'webhook.office.com') || host === 'outlook.office.com' || host === 'outlook.office365.com') {
          return 'Office 365 connector webhooks are retired: in Teams, create a workflow from “Post to a channel when a webhook request is received” and paste its address';
        }
        if (url.protocol !== 'https:') return 'Teams workflow address must start with https://';
        if (!endsWithDomain(host, 'logic.azure.com') && !endsWithDomain(host, 'api.powerplatform.com')) {
          return 'Teams workflow address must be on logic.azure.com or api.powerplatform.com: the HTTP POST URL of a Teams workflow';
        }
      }
      if (!url.pathname.includes('/workflows/') || !url.searchParams.get('sig')) {
        return 'Teams workflow address is incomplete: copy the whole HTTP POST URL of the workflow, including its sig= part';
      }
      return null;
    case 'site_url':
      if (url.pathname !== '' && url.pathname !== '/') return 'ConnectWise site address is the server only, e.g. https://api-na.myconnectwise.net (the codebase has its own field)';
      if (!waived && endsWithDomain(host, 'myconnectwise.net') && !host.startsWith('api-')) {
        return 'ConnectWise cloud sites are reached through their api- host, e.g. https://api-na.myconnectwise.net';
      }
      return null;
    case 'zone_lookup_url':
      return waived || endsWithDomain(host, 'autotask.net') ? null : 'Autotask zone lookup address must be on autotask.net, e.g. https://webservices.autotask.net/atservicesrest';
    case 'base_url':
    case 'auth_url':
      // Halo runs hosted and self-hosted alike: any server.
      return null;
  }
}

/**
 * A host given as an IP address or `localhost`: what the request schemas
 * leave to the server, which knows whether private networks are allowed
 * (and then takes such a host as a stand-in the operator runs).
 */
export const namesHostByAddress = (url: URL) => /^(\d+\.){3}\d+$|^\[/.test(url.hostname) || /(^|\.)localhost\.?$/i.test(url.hostname);

/** A field refinement: the vendor's format, so that every field's problem comes back in one answer. */
const vendorFormat =
  (field: AddressField) =>
  (value: string, ctx: z.RefinementCtx): void => {
    if (value === SECRET_MASK) return;
    const message = vendorAddressProblem(field, value, namesHostByAddress);
    if (message) ctx.addIssue({ code: 'custom', message });
  };

export const PSA_PROVIDERS = ['connectwise', 'autotask', 'halopsa'] as const;
export const PsaProvider = z.enum(PSA_PROVIDERS).describe('connectwise | autotask | halopsa');
export type PsaProvider = z.infer<typeof PsaProvider>;

/**
 * The settings of each PSA. `checked`: with the vendors' address formats,
 * for what is sent; answers use the same shapes unchecked, so settings
 * stored under older rules can still be shown (and corrected).
 */
function psaSchemas(checked: boolean) {
  const address = (field: AddressField, pastedSuffix?: RegExp) => (checked ? url(pastedSuffix).superRefine(vendorFormat(field)) : url(pastedSuffix));
  const connectWise = z.object({
    provider: z.literal('connectwise'),
    site_url: address('site_url').describe('e.g. https://api-na.myconnectwise.net (cloud) or your server; the server only, without a path'),
    codebase: text(50)
      .overwrite((c) => (c ? `${c.replace(/^\/+|\/+$/g, '')}/` : c))
      .regex(/^[A-Za-z0-9_.-]+\/$/, 'A codebase is a name like v4_6_release/')
      .default('v4_6_release/')
      .describe('The slash at the end is added when missing'),
    company_id: text(100).min(1, 'Company id is required'),
    public_key: text(200).min(1, 'Public key is required'),
    private_key: secret('Private key').optional(),
    client_id: text(100).min(1, 'Client id is required').describe('Your ClientID from developer.connectwise.com'),
    note_type: z.enum(['internal', 'discussion', 'resolution']).default('internal').describe('Where the note shows: Internal, Discussion or Resolution'),
  });

  const autotask = z.object({
    provider: z.literal('autotask'),
    zone_lookup_url: address('zone_lookup_url', /\/v1\.0(\/zoneInformation)?$/i)
      .default('https://webservices.autotask.net/atservicesrest')
      .describe('Where the zone of the API user is looked up (on autotask.net)'),
    username: text(200).min(1, 'API user name is required'),
    secret: secret('Secret').optional(),
    integration_code: secret('Integration code').optional(),
    note_type: z.number().int().min(0).default(1).describe("The note type picklist value (your tenant's; the test lists them)"),
    publish: z.number().int().min(0).default(1).describe("The publish picklist value, e.g. internal only (your tenant's; the test lists them)"),
  });

  const halo = z.object({
    provider: z.literal('halopsa'),
    base_url: address('base_url', /\/api$/i).describe('Your Halo address, e.g. https://yourcompany.halopsa.com (a pasted resource server address ending in /api is taken as well)'),
    auth_url: address('auth_url', /\/token$/i).optional().describe('The authorisation server; defaults to <base_url>/auth'),
    tenant: text(100).optional().describe('Halo-hosted instances: your tenant name'),
    client_id: text(200).min(1, 'Client id is required'),
    client_secret: secret('Client secret').optional(),
    outcome: text(100).min(1).default('Private Note').describe('The action type the note is saved as'),
    hidden_from_user: z.boolean().default(true).describe('Keep the note from the end user'),
  });
  return [connectWise, autotask, halo] as const;
}

export const PsaSettings = z.discriminatedUnion('provider', psaSchemas(true)).meta({ id: 'PsaSettings' });
/** PSA settings as answered (secrets masked). */
export const PsaSettingsShown = z.discriminatedUnion('provider', psaSchemas(false)).meta({ id: 'PsaSettingsShown' });
export type PsaSettings = z.output<typeof PsaSettings>;
export type PsaSettingsInput = z.input<typeof PsaSettings>;

/** Which fields of each provider's settings are secrets. */
export const PSA_SECRET_FIELDS = {
  connectwise: ['private_key'],
  autotask: ['secret', 'integration_code'],
  halopsa: ['client_secret'],
} as const satisfies Record<PsaProvider, readonly string[]>;

/** A chat webhook as answered: the address is the credential, so it is write-only like a secret. */
export const WebhookSettings = z.object({
  webhook_url: text(2000)
    .min(1, 'The webhook address is required')
    .overwrite(normaliseAddress)
    .describe(`Write-only: answered as "${SECRET_MASK}"; send it back unchanged to keep the stored one`),
});
export type WebhookSettings = z.infer<typeof WebhookSettings>;
const webhookOf = (field: 'slack' | 'teams') => z.object({ webhook_url: WebhookSettings.shape.webhook_url.superRefine(vendorFormat(field)) });
/** A Slack incoming webhook, `https://hooks.slack.com/services/T…/B…/…`. */
export const SlackSettings = webhookOf('slack');
/** A Teams Workflows webhook on `*.logic.azure.com` or `*.api.powerplatform.com`, with its `sig=`. */
export const TeamsSettings = webhookOf('teams');

export const EmailSettings = z.object({
  enabled: z.boolean().describe('Email escalations to the engineers concerned (each can still turn them off for themselves)'),
});

export const UpdateIntegrationsBody = z
  .object({
    psa: PsaSettings.nullable().optional().describe('null turns the PSA push off; left out keeps it as it is'),
    slack: SlackSettings.nullable().optional().describe('A Slack incoming webhook (https://hooks.slack.com/services/…); null turns Slack off'),
    teams: TeamsSettings.nullable().optional().describe('A Teams Workflows webhook ("When a Teams webhook request is received"); null turns Teams off'),
    email: EmailSettings.optional(),
  })
  .meta({ id: 'UpdateIntegrationsBody' });
export type UpdateIntegrationsBody = z.input<typeof UpdateIntegrationsBody>;

export const IntegrationsResponse = z
  .object({
    psa: PsaSettingsShown.nullable().describe('Secrets are masked'),
    slack: WebhookSettings.nullable().describe('The address is masked'),
    teams: WebhookSettings.nullable().describe('The address is masked'),
    email: EmailSettings.extend({
      transport: z.enum(['smtp', 'outbox']).describe("smtp: sent through SMTP_URL; outbox: written as .eml files to the server's outbox folder (no SMTP_URL set)"),
    }),
    updated_at: z.iso.datetime({ offset: true }).nullable(),
  })
  .meta({ id: 'Integrations' });
export type IntegrationsResponse = z.infer<typeof IntegrationsResponse>;

const unsaved = 'Values to try instead of the saved ones (nothing is stored); a secret sent as the mask, or left out, means the stored one';
export const TestIntegrationBody = z
  .discriminatedUnion('channel', [
    z.object({
      channel: z.literal('psa'),
      settings: PsaSettings.optional().describe(unsaved),
      ticket_id: text(64).optional().describe('Also check this ticket can be read'),
    }),
    z.object({ channel: z.literal('slack'), settings: SlackSettings.optional().describe(unsaved) }),
    z.object({ channel: z.literal('teams'), settings: TeamsSettings.optional().describe(unsaved) }),
    z.object({ channel: z.literal('email'), settings: EmailSettings.optional().describe(unsaved) }),
  ])
  .meta({ id: 'TestIntegrationBody' });
export type TestIntegrationBody = z.input<typeof TestIntegrationBody>;

export const TestIntegrationResponse = z
  .object({ ok: z.boolean(), message: z.string().describe('What worked, or what is wrong, in words') })
  .meta({ id: 'TestIntegrationResponse' });
export type TestIntegrationResponse = z.infer<typeof TestIntegrationResponse>;

export const DELIVERY_STATUSES = ['pending', 'sending', 'retrying', 'delivered', 'failed', 'skipped'] as const;
export const DeliveryStatus = z.enum(DELIVERY_STATUSES).describe('failed: gave up (retry it by hand); skipped: no longer needed when its turn came (e.g. the escalation was picked up first), last_error says why');
export type DeliveryStatus = z.infer<typeof DeliveryStatus>;

export const Delivery = z
  .object({
    id: Uuid,
    channel: z.enum(['psa', 'slack', 'teams', 'email']),
    provider: z.string().nullable(),
    target: z.string().describe('What it goes to, e.g. "ConnectWise ticket 4711"'),
    session_id: Uuid.nullable(),
    status: DeliveryStatus,
    attempts: z.number().int(),
    last_error: z.string().nullable().describe('Why the last attempt failed, or (skipped) why it was not sent'),
    next_attempt_at: z.iso.datetime({ offset: true }).nullable(),
    delivered_at: z.iso.datetime({ offset: true }).nullable(),
    external_ref: z.string().nullable().describe("The note's id in the PSA, once delivered"),
    created_at: z.iso.datetime({ offset: true }),
    updated_at: z.iso.datetime({ offset: true }),
  })
  .meta({ id: 'Delivery' });
export type Delivery = z.infer<typeof Delivery>;
export const DeliveryList = listOf(Delivery).meta({ id: 'DeliveryList' });
export type DeliveryList = z.infer<typeof DeliveryList>;

export const ListDeliveriesQuery = z.object({
  status: z.enum(['open', ...DELIVERY_STATUSES]).default('open').describe('open: pending, sending, retrying and failed'),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});
export type ListDeliveriesQuery = z.infer<typeof ListDeliveriesQuery>;
