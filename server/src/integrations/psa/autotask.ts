import { LRUCache } from 'lru-cache';
import { callService, DeliveryError, failure, JSON_HEADERS } from '../outbound.ts';
import type { AdapterContext, PsaAdapter, PsaNote } from './psa-adapter.ts';

export interface AutotaskConfig {
  zone_lookup_url: string;
  username: string;
  secret: string;
  integration_code: string;
  note_type: number;
  publish: number;
}

interface FieldInfo {
  name: string;
  isPickList?: boolean;
  picklistValues?: { value: string; label: string; isActive?: boolean }[] | null;
}

const SERVICE = 'Autotask';
const TITLE_MAX = 250;
const DESCRIPTION_MAX = 32_000;

/** The zone of each API user, looked up once a day (integrations.md §2.1: do first, cache). */
const zones = new LRUCache<string, string>({ max: 1000, ttl: 24 * 3600 * 1000 });

/** Keeps the end (the marker) when a note is longer than Autotask takes. */
export function fitDescription(text: string, max = DESCRIPTION_MAX): string {
  if (text.length <= max) return text;
  const lines = text.split('\n');
  const marker = lines.at(-1) ?? '';
  const cut = '\n[… shortened: the full documentation is in FlowPilot]\n';
  return `${text.slice(0, max - marker.length - cut.length)}${cut}${marker}`;
}

/** Autotask REST v1.0: zone discovery, then ApiIntegrationCode/UserName/Secret headers; notes on the child URL. */
export function autotaskAdapter(config: AutotaskConfig, ctx: AdapterContext): PsaAdapter {
  const opts = { service: SERVICE, allowPrivate: ctx.allowPrivate, timeoutMs: ctx.timeoutMs };
  const headers = { ...JSON_HEADERS, ApiIntegrationCode: config.integration_code, UserName: config.username, Secret: config.secret };
  const lookupUrl = config.zone_lookup_url.replace(/\/+$/, '');

  async function zone(): Promise<string> {
    const key = `${lookupUrl}|${config.username}`;
    const cached = zones.get(key);
    if (cached) return cached;
    const res = await callService(`${lookupUrl}/v1.0/zoneInformation?user=${encodeURIComponent(config.username)}`, { method: 'GET', headers: { accept: 'application/json' } }, opts);
    if (res.status !== 200) throw failure(SERVICE, res, 'Looking up the Autotask zone failed', { 404: 'Autotask does not know this API user name', 500: 'Autotask does not know this API user name' });
    const info = res.json<{ url?: unknown }>();
    if (typeof info.url !== 'string' || !/^https?:\/\//.test(info.url)) throw new DeliveryError('Autotask answered the zone lookup without a zone address', { retryable: false });
    const url = info.url.replace(/\/+$/, '');
    zones.set(key, url);
    return url;
  }

  async function picklists(): Promise<Map<string, FieldInfo>> {
    const res = await callService(`${await zone()}/v1.0/TicketNotes/entityInformation/fields`, { method: 'GET', headers }, opts);
    if (res.status !== 200) throw failure(SERVICE, res, 'Connecting to Autotask failed', { 401: 'Autotask rejected the API user: check the user name, secret and integration code' });
    return new Map((res.json<{ fields?: FieldInfo[] }>().fields ?? []).map((f) => [f.name.toLowerCase(), f]));
  }

  const describe = (field: FieldInfo | undefined) =>
    (field?.picklistValues ?? []).filter((v) => v.isActive !== false).map((v) => `${v.value} = ${v.label}`).join(', ');

  return {
    provider: 'autotask',
    label: SERVICE,
    async test(ticketId) {
      const fields = await picklists();
      const problems: string[] = [];
      const check = (name: string, value: number, label: string) => {
        const field = fields.get(name.toLowerCase());
        if (field?.isPickList && !(field.picklistValues ?? []).some((v) => Number(v.value) === value && v.isActive !== false)) {
          problems.push(`${label} ${value} is not one of this tenant's values (${describe(field)})`);
        }
      };
      check('noteType', config.note_type, 'Note type');
      check('publish', config.publish, 'Publish');
      if (problems.length) throw new DeliveryError(`Connected to Autotask, but: ${problems.join('; ')}`, { retryable: false });
      if (ticketId !== undefined) {
        const res = await callService(`${await zone()}/v1.0/Tickets/${ticketId}`, { method: 'GET', headers }, opts);
        if (res.status !== 200) throw failure(SERVICE, res, `Reading ticket ${ticketId} failed`);
        const item = res.json<{ item?: { title?: string } | null }>().item;
        if (!item) throw new DeliveryError(`Connected to Autotask, but ticket ${ticketId} does not exist`, { retryable: false });
        return `Connected to Autotask as ${config.username}; ticket ${ticketId} is "${item.title ?? ''}"`;
      }
      return `Connected to Autotask as ${config.username}`;
    },
    async findNote(ticketId, marker) {
      const res = await callService(`${await zone()}/v1.0/Tickets/${ticketId}/Notes`, { method: 'GET', headers }, opts);
      if (res.status !== 200) throw failure(SERVICE, res, `Reading the notes of ticket ${ticketId} failed`);
      const items = res.json<{ items?: { id: number; description?: string }[] }>().items ?? [];
      const found = items.find((n) => typeof n.description === 'string' && n.description.includes(marker));
      return found ? String(found.id) : null;
    },
    async postNote(note: PsaNote) {
      const body = {
        ticketID: note.ticketId,
        title: note.title.slice(0, TITLE_MAX),
        description: fitDescription(note.text),
        noteType: config.note_type,
        publish: config.publish,
      };
      const res = await callService(`${await zone()}/v1.0/Tickets/${note.ticketId}/Notes`, { method: 'POST', headers, body: JSON.stringify(body) }, opts);
      if (res.status !== 200 && res.status !== 201) {
        // Autotask answers validation errors with 500: those are not worth retrying when it names the problem.
        const err = failure(SERVICE, res, `Adding the note to Autotask ticket ${note.ticketId} failed`);
        if (res.status === 500 && /does not|invalid|required|must|not allowed|reference/i.test(res.text)) {
          throw new DeliveryError(err.message, { retryable: false, status: 500 });
        }
        throw err;
      }
      const itemId = res.json<{ itemId?: unknown }>().itemId;
      if (typeof itemId !== 'number') throw new DeliveryError('Autotask accepted the note but did not say its id', { retryable: false });
      return String(itemId);
    },
  };
}
