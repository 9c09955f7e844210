import { randomBytes } from 'node:crypto';
import {
  isPlainObject,
  noteStore,
  parseIntId,
  readJson,
  startFakeServer,
  storeNote,
  type FakePsa,
  type FakeRequest,
  type HandlerResult,
  type HandlerTools,
  type Reply,
} from './fake-server.ts';
import { checkHaloAction } from './vendor-schemas.ts';

export interface HaloFakeOptions {
  clientId: string;
  clientSecret: string;
  /** Set to act as a Halo-hosted instance, where `POST /auth/token` must carry `?tenant=`. */
  tenant?: string;
  tickets: number[];
}

export interface HaloFake extends FakePsa {
  /** Invalidates every token issued so far, as if they had all expired. */
  expireTokens(): void;
}

const JSON_TYPES = ['application/json', 'application/json-patch+json', 'text/json'];

function haloError(status: number, message: string): Reply {
  return { status, body: { message }, rejected: message };
}

function oauthError(status: number, error: string, description: string): Reply {
  return { status, body: { error, error_description: description }, rejected: `${error}: ${description}` };
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function nonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.trim() !== '';
}

/**
 * A HaloPSA API v2 stand-in for ticket actions: an OAuth2 client-credentials token endpoint
 * (form-encoded, `?tenant=` when hosted) and Bearer-protected `/api` calls. `POST /api/Actions`
 * takes an array whose every element is checked against the published `Actions` schema
 * (which refuses unknown properties) before any is stored, so a batch is all or nothing.
 */
export async function startHaloFake(options: HaloFakeOptions): Promise<HaloFake> {
  checkHaloAction({});
  const tickets = new Set(options.tickets);
  const notes = noteStore(options.tickets);
  const actions: Record<string, unknown>[] = [];
  const tokens = new Set<string>();
  let nextActionId = 5001;

  function issueToken(req: FakeRequest): Reply {
    if (req.method !== 'POST') return oauthError(405, 'invalid_request', `${req.method} is not supported on /auth/token`);
    if (options.tenant !== undefined && req.query.tenant !== options.tenant) {
      return oauthError(
        400,
        'invalid_request',
        req.query.tenant === undefined ? 'the tenant query parameter is required' : `unknown tenant ${req.query.tenant}`,
      );
    }
    if (req.mediaType !== 'application/x-www-form-urlencoded') {
      return oauthError(400, 'invalid_request', `the body must be application/x-www-form-urlencoded, not ${req.mediaType}`);
    }
    const form = new URLSearchParams(req.text);
    const grantType = form.get('grant_type');
    if (grantType !== 'client_credentials') {
      return oauthError(400, 'unsupported_grant_type', `grant_type ${grantType ?? '(missing)'} is not supported`);
    }
    if (form.get('client_id') !== options.clientId || form.get('client_secret') !== options.clientSecret) {
      return oauthError(401, 'invalid_client', 'client authentication failed');
    }
    const token = randomBytes(24).toString('base64url');
    tokens.add(token);
    return {
      status: 200,
      headers: { 'cache-control': 'no-store' },
      body: { access_token: token, token_type: 'Bearer', expires_in: 3600, scope: 'all' },
    };
  }

  function checkBearer(req: FakeRequest): Reply | null {
    const header = req.headers.authorization;
    const challenge = { 'www-authenticate': 'Bearer error="invalid_token"' };
    if (!header) return { ...haloError(401, 'Authorization header is missing'), headers: challenge };
    const match = /^Bearer (\S+)$/i.exec(header);
    if (!match) return { ...haloError(401, 'Authorization must be a Bearer token'), headers: challenge };
    if (!tokens.has(match[1]!)) {
      return { ...haloError(401, 'The access token is invalid or has expired'), headers: challenge };
    }
    return null;
  }

  function ticketBody(id: number): Record<string, unknown> {
    return {
      id,
      summary: `Fake ticket ${id}`,
      details: `Details of fake ticket ${id}`,
      status_id: 1,
      tickettype_id: 1,
      client_id: 12,
      client_name: 'Fake Client',
      site_id: 1,
      user_id: 1,
      user_name: 'Fake User',
      agent_id: 1,
      team: 'Support',
      priority_id: 3,
      inactive: false,
    };
  }

  function listTickets(req: FakeRequest): Reply {
    let list = [...tickets].sort((a, b) => a - b).map((id) => ({ id, summary: `Fake ticket ${id}` }));
    if (req.query.pageinate === 'true') {
      const size = Number(req.query.page_size ?? '50');
      const page = Number(req.query.page_no ?? '1');
      if (!Number.isInteger(size) || size < 1 || !Number.isInteger(page) || page < 1) {
        return haloError(400, 'page_size and page_no must be positive integers');
      }
      list = list.slice((page - 1) * size, page * size);
    }
    return { status: 200, body: { record_count: tickets.size, tickets: list } };
  }

  function listActions(req: FakeRequest): Reply {
    const ticketId = req.query.ticket_id === undefined ? null : parseIntId(req.query.ticket_id);
    if (ticketId === null) return haloError(400, 'ticket_id must be given as an integer');
    const list = actions.filter((a) => a.ticket_id === ticketId);
    return { status: 200, body: { record_count: list.length, actions: list } };
  }

  function elementProblems(element: unknown): string[] {
    if (!isPlainObject(element)) return ['must be an Actions object'];
    const problems = checkHaloAction(element);
    if (!Number.isInteger(element.ticket_id)) problems.push('ticket_id is required and must be an integer');
    else if (!tickets.has(element.ticket_id as number)) problems.push(`ticket ${String(element.ticket_id)} does not exist`);
    if (!nonEmptyString(element.note) && !nonEmptyString(element.note_html)) {
      problems.push('note or note_html is required');
    }
    if (element.id !== undefined) problems.push('id must not be sent when creating an action');
    if (element.hiddenfromuser !== undefined && typeof element.hiddenfromuser !== 'boolean') {
      problems.push('hiddenfromuser must be a boolean');
    }
    return problems;
  }

  function createActions(req: FakeRequest, tools: HandlerTools): HandlerResult {
    const json = readJson(req, JSON_TYPES);
    if (!json.ok) return haloError(400, json.reason);
    const body = json.value;
    if (!Array.isArray(body)) return haloError(400, 'The request body must be a JSON array of actions');
    if (body.length === 0) return haloError(400, 'The request body must hold at least one action');
    const problems = body.flatMap((element, i) => elementProblems(element).map((p) => `[${i}] ${p}`));
    if (problems.length > 0) return haloError(400, problems.join('; '));

    const elements = body as Record<string, unknown>[];
    return tools.noteWrite(() => {
      const created = elements.map((element) => {
        const id = nextActionId++;
        const ticketId = element.ticket_id as number;
        const note = nonEmptyString(element.note) ? element.note : null;
        const noteHtml = nonEmptyString(element.note_html) ? element.note_html : null;
        const action = {
          ...element,
          id,
          ticket_id: ticketId,
          note: note ?? noteHtml!.replace(/<[^>]*>/g, ''),
          note_html: noteHtml ?? `<p>${escapeHtml(note!)}</p>`,
          outcome: typeof element.outcome === 'string' ? element.outcome : 'Note',
          hiddenfromuser: element.hiddenfromuser === true,
          datecreated: new Date().toISOString(),
        };
        actions.push(action);
        storeNote(notes, ticketId, { id, text: (note ?? noteHtml)!, raw: element });
        return action;
      });
      return { status: 201, body: created };
    });
  }

  const server = await startFakeServer((req, tools) => {
    const lower = req.path.toLowerCase();
    if (lower === '/auth/token') return issueToken(req);
    if (!lower.startsWith('/api/')) return haloError(404, `No resource at ${req.path}`);
    const denied = checkBearer(req);
    if (denied) return denied;
    const route = lower.slice('/api/'.length);

    if (route === 'tickets') {
      return req.method === 'GET' ? listTickets(req) : haloError(405, `${req.method} /api/Tickets is not supported by the fake`);
    }
    const match = /^tickets\/([^/]+)$/.exec(route);
    if (match) {
      if (req.method !== 'GET') return haloError(405, `${req.method} is not supported here`);
      const id = parseIntId(match[1]!);
      if (id === null) return haloError(400, `Ticket id ${match[1]} is not an integer`);
      return tickets.has(id) ? { status: 200, body: ticketBody(id) } : haloError(404, `Ticket ${id} not found`);
    }
    if (route === 'actions') {
      if (req.method === 'GET') return listActions(req);
      if (req.method === 'POST') return createActions(req, tools);
      return haloError(405, `${req.method} is not supported here`);
    }
    return haloError(404, `No resource at ${req.path}`);
  });

  return {
    ...server,
    notes,
    expireTokens() {
      tokens.clear();
    },
  };
}
