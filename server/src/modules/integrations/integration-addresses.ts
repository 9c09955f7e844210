import { checkTargetForm, namesPrivateHost, TargetRefused } from '../../lib/network-guard.ts';

/** The address fields of the integrations, each with its vendor's rules. */
export type AddressField = 'slack' | 'teams' | 'site_url' | 'zone_lookup_url' | 'base_url' | 'auth_url';

/** How each address is named in a message: it stands under its field, but must read on its own too. */
const LABEL: Record<AddressField, string> = {
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
 * What is wrong with an address given the vendor's published formats
 * (integrations.md §1.1, §2.1, §3.1, §4.1, §5.1), or null. The host rules
 * are waived for a stand-in on the operator's network when private targets
 * are allowed (a relay, or a test double); the rest still holds.
 */
function vendorProblem(field: AddressField, url: URL, standIn: boolean): string | null {
  const host = url.hostname.toLowerCase();
  switch (field) {
    case 'slack': {
      if (!standIn && (url.protocol !== 'https:' || host !== 'hooks.slack.com')) return `Slack webhook address must start with ${SLACK_PREFIX}`;
      if (!/^\/services\/[^/]+\/[^/]+\/[^/]+$/.test(url.pathname)) {
        return `Slack webhook address must look like ${SLACK_PREFIX}T…/B…/… (Slack app → Incoming Webhooks → copy the whole URL)`;
      }
      return null;
    }
    case 'teams': {
      if (!standIn) {
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
    }
    case 'site_url': {
      if (url.pathname !== '' && url.pathname !== '/') return 'ConnectWise site address is the server only, e.g. https://api-na.myconnectwise.net (the codebase has its own field)';
      if (!standIn && endsWithDomain(host, 'myconnectwise.net') && !host.startsWith('api-')) {
        return 'ConnectWise cloud sites are reached through their api- host, e.g. https://api-na.myconnectwise.net';
      }
      return null;
    }
    case 'zone_lookup_url':
      return standIn || endsWithDomain(host, 'autotask.net') ? null : 'Autotask zone lookup address must be on autotask.net, e.g. https://webservices.autotask.net/atservicesrest';
    case 'base_url':
    case 'auth_url':
      // Halo runs hosted and self-hosted alike: any https server.
      return null;
  }
}

/**
 * What is wrong with an address as it is saved (or tried before saving), in
 * words, or null. No name is looked up: a host that does not resolve yet may
 * be saved, and every send checks the address again in full (SSRF guard and
 * connection-level address check).
 */
export function addressProblem(field: AddressField, value: string, allowPrivate: boolean): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return field === 'slack' ? `Slack webhook address must start with ${SLACK_PREFIX}` : `${LABEL[field]} is not a full address: it starts with https://`;
  }
  const vendor = vendorProblem(field, url, allowPrivate && namesPrivateHost(url));
  if (vendor) return vendor;
  try {
    checkTargetForm(value, allowPrivate);
    return null;
  } catch (err) {
    if (err instanceof TargetRefused) return `${LABEL[field]} ${err.message}`;
    throw err;
  }
}
