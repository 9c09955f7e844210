import { callService, DeliveryError, failure, JSON_HEADERS } from '../outbound.ts';
import type { AdapterContext, PsaAdapter, PsaNote } from './psa-adapter.ts';

export interface ConnectWiseConfig {
  site_url: string;
  codebase: string;
  company_id: string;
  public_key: string;
  private_key: string;
  client_id: string;
  note_type: 'internal' | 'discussion' | 'resolution';
}

interface ServiceNote {
  id: number;
  text?: string;
}

const SERVICE = 'ConnectWise';
const HINTS = {
  401: 'ConnectWise rejected the API keys: check the company id, public and private key, and the client id',
  404: 'ConnectWise has no such ticket, or no API at this address (cloud sites use the api- host, e.g. api-na.myconnectwise.net)',
};

/** ConnectWise Manage REST 3.0: Basic auth of company+public:private, a clientId header, notes as ServiceNote. */
export function connectWiseAdapter(config: ConnectWiseConfig, ctx: AdapterContext): PsaAdapter {
  const base = `${config.site_url.replace(/\/+$/, '')}/${config.codebase}apis/3.0`;
  const headers = {
    ...JSON_HEADERS,
    accept: 'application/vnd.connectwise.com+json; version=2025.8',
    authorization: `Basic ${Buffer.from(`${config.company_id}+${config.public_key}:${config.private_key}`).toString('base64')}`,
    clientId: config.client_id,
  };
  const opts = { service: SERVICE, allowPrivate: ctx.allowPrivate, timeoutMs: ctx.timeoutMs };

  return {
    provider: 'connectwise',
    label: SERVICE,
    async test(ticketId) {
      const res = await callService(`${base}/service/tickets?pageSize=1&fields=id`, { method: 'GET', headers }, opts);
      if (res.status !== 200) throw failure(SERVICE, res, 'Connecting to ConnectWise failed', HINTS);
      if (ticketId !== undefined) {
        const ticket = await callService(`${base}/service/tickets/${ticketId}?fields=id,summary`, { method: 'GET', headers }, opts);
        if (ticket.status !== 200) throw failure(SERVICE, ticket, `Reading ticket ${ticketId} failed`, HINTS);
        return `Connected to ConnectWise as company ${config.company_id}; ticket ${ticketId} is "${ticket.json<{ summary?: string }>().summary ?? ''}"`;
      }
      return `Connected to ConnectWise as company ${config.company_id}`;
    },
    async findNote(ticketId, marker) {
      const res = await callService(`${base}/service/tickets/${ticketId}/notes?pageSize=1000&orderBy=id%20desc`, { method: 'GET', headers }, opts);
      if (res.status !== 200) throw failure(SERVICE, res, `Reading the notes of ticket ${ticketId} failed`, HINTS);
      const notes = res.json<ServiceNote[]>();
      const found = Array.isArray(notes) ? notes.find((n) => typeof n.text === 'string' && n.text.includes(marker)) : undefined;
      return found ? String(found.id) : null;
    },
    async postNote(note: PsaNote) {
      const body = {
        text: note.text,
        detailDescriptionFlag: config.note_type === 'discussion',
        internalAnalysisFlag: config.note_type === 'internal',
        resolutionFlag: config.note_type === 'resolution',
        processNotifications: false,
      };
      const res = await callService(`${base}/service/tickets/${note.ticketId}/notes`, { method: 'POST', headers, body: JSON.stringify(body) }, opts);
      if (res.status !== 201 && res.status !== 200) throw failure(SERVICE, res, `Adding the note to ConnectWise ticket ${note.ticketId} failed`, HINTS);
      const created = res.json<ServiceNote>();
      if (typeof created?.id !== 'number') throw new DeliveryError('ConnectWise accepted the note but did not say its id', { retryable: false });
      return String(created.id);
    },
  };
}
