import { LRUCache } from 'lru-cache';
import { escapeHtml } from '../../lib/html.ts';
import { callService, DeliveryError, failure, JSON_HEADERS, type OutboundResponse } from '../outbound.ts';
import type { AdapterContext, PsaAdapter, PsaNote } from './psa-adapter.ts';

export interface HaloConfig {
  base_url: string;
  auth_url?: string | undefined;
  tenant?: string | undefined;
  client_id: string;
  client_secret: string;
  outcome: string;
  hidden_from_user: boolean;
}

const SERVICE = 'HaloPSA';

/** Access tokens by client, kept until shortly before they expire (integrations.md §3.1). */
const tokens = new LRUCache<string, { token: string; expiresAt: number }>({ max: 1000 });

/** HaloPSA API v2: OAuth2 client-credentials token, then actions posted as a JSON array. */
export function haloAdapter(config: HaloConfig, ctx: AdapterContext): PsaAdapter {
  const opts = { service: SERVICE, allowPrivate: ctx.allowPrivate, timeoutMs: ctx.timeoutMs };
  const base = config.base_url.replace(/\/+$/, '');
  const authBase = (config.auth_url ?? `${base}/auth`).replace(/\/+$/, '');
  const cacheKey = `${authBase}|${config.tenant ?? ''}|${config.client_id}|${config.client_secret}`;

  async function token(): Promise<string> {
    const cached = tokens.get(cacheKey);
    if (cached && cached.expiresAt > Date.now()) return cached.token;
    const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: config.client_id, client_secret: config.client_secret, scope: 'all' });
    const url = `${authBase}/token${config.tenant ? `?tenant=${encodeURIComponent(config.tenant)}` : ''}`;
    const res = await callService(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, body: form.toString() }, opts);
    if (res.status !== 200) {
      throw failure(SERVICE, res, 'Signing in to HaloPSA failed', {
        400: 'HaloPSA refused the sign-in: check the client id, secret and tenant',
        401: 'HaloPSA rejected the client id or secret',
      });
    }
    const body = res.json<{ access_token?: unknown; expires_in?: unknown }>();
    if (typeof body.access_token !== 'string') throw new DeliveryError('HaloPSA answered the sign-in without a token', { retryable: false });
    const lifetime = typeof body.expires_in === 'number' ? body.expires_in : 3600;
    tokens.set(cacheKey, { token: body.access_token, expiresAt: Date.now() + Math.max(30, lifetime - 60) * 1000 });
    return body.access_token;
  }

  /** An API call with the token; a 401 (token expired or revoked early) gets one fresh token and one more try. */
  async function api(path: string, init: { method: 'GET' | 'POST'; body?: string }): Promise<OutboundResponse> {
    const send = async () => callService(`${base}/api${path}`, { ...init, headers: { ...JSON_HEADERS, authorization: `Bearer ${await token()}` } }, opts);
    const res = await send();
    if (res.status !== 401) return res;
    tokens.delete(cacheKey);
    return send();
  }

  return {
    provider: 'halopsa',
    label: SERVICE,
    async test(ticketId) {
      await token();
      const res = await api(ticketId !== undefined ? `/Tickets/${ticketId}` : '/Tickets?pageinate=true&page_size=1&page_no=1', { method: 'GET' });
      if (res.status !== 200) throw failure(SERVICE, res, ticketId !== undefined ? `Reading ticket ${ticketId} failed` : 'Reading tickets from HaloPSA failed');
      if (ticketId !== undefined) return `Connected to HaloPSA; ticket ${ticketId} is "${res.json<{ summary?: string }>().summary ?? ''}"`;
      return 'Connected to HaloPSA';
    },
    async findNote(ticketId, marker) {
      const res = await api(`/Actions?ticket_id=${ticketId}&count=200`, { method: 'GET' });
      if (res.status !== 200) throw failure(SERVICE, res, `Reading the actions of ticket ${ticketId} failed`);
      const actions = res.json<{ actions?: { id: number; note?: string | null; note_html?: string | null }[] }>().actions ?? [];
      const found = actions.find((a) => `${a.note ?? ''}${a.note_html ?? ''}`.includes(marker));
      return found ? String(found.id) : null;
    },
    async postNote(note: PsaNote) {
      const action = {
        ticket_id: note.ticketId,
        outcome: config.outcome,
        note_html: `${note.html}\n<p><small>${escapeHtml(note.marker)}</small></p>`,
        hiddenfromuser: config.hidden_from_user,
        sendemail: false,
      };
      const res = await api('/Actions', { method: 'POST', body: JSON.stringify([action]) });
      if (res.status < 200 || res.status >= 300) throw failure(SERVICE, res, `Adding the note to HaloPSA ticket ${note.ticketId} failed`);
      let created: unknown;
      try {
        created = res.json();
      } catch {
        created = null;
      }
      const first = Array.isArray(created) ? created[0] : created;
      const id = (first as { id?: unknown } | null)?.id;
      return typeof id === 'number' || typeof id === 'string' ? String(id) : 'created';
    },
  };
}
