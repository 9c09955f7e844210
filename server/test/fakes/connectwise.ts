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
import { checkConnectWiseServiceNote } from './vendor-schemas.ts';

export interface ConnectWiseFakeOptions {
  companyId: string;
  publicKey: string;
  privateKey: string;
  /** The value the `clientId` header must carry. */
  clientId: string;
  tickets: number[];
}

const BASE = '/v4_6_release/apis/3.0';
const FLAG_MESSAGE = 'Please choose where to display the notes in order to save this record.';

function cwError(status: number, code: string, message: string, errors: unknown[] | null = null): Reply {
  return { status, body: { code, message, errors }, rejected: `${code}: ${message}` };
}

function invalidNote(errors: { message: string; field: string }[]): Reply {
  const reply = cwError(
    400,
    'InvalidObject',
    'serviceNote object is invalid',
    errors.map((e) => ({ code: 'InvalidField', message: e.message, resource: 'serviceNote', field: e.field })),
  );
  return { ...reply, rejected: `InvalidObject: ${errors.map((e) => e.message).join('; ')}` };
}

function nowIso(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Reads `page`/`pageSize` as ConnectWise does (pageSize 1..1000, default 25); a Reply when they are malformed. */
function paging(query: Record<string, string>): { page: number; pageSize: number } | Reply {
  const pageSize = query.pageSize === undefined ? 25 : Number(query.pageSize);
  const page = query.page === undefined ? 1 : Number(query.page);
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1000) {
    return cwError(400, 'InvalidObject', `pageSize must be an integer from 1 to 1000, got "${query.pageSize}"`);
  }
  if (!Number.isInteger(page) || page < 1) {
    return cwError(400, 'InvalidObject', `page must be a positive integer, got "${query.page}"`);
  }
  return { page, pageSize };
}

function pageOf<T>(items: T[], page: number, pageSize: number, url: string, query: Record<string, string>): Reply {
  const body = items.slice((page - 1) * pageSize, page * pageSize);
  const headers: Record<string, string> = {};
  if (page * pageSize < items.length) {
    const next = new URLSearchParams({ ...query, page: String(page + 1), pageSize: String(pageSize) });
    headers.link = `<${url}?${next.toString()}>; rel="next"`;
  }
  return { status: 200, headers, body };
}

/**
 * A ConnectWise Manage REST 3.0 stand-in for ticket notes. It checks Basic auth and the
 * `clientId` header on every request, validates note bodies against the published
 * `ServiceNote` definition plus the rules the real service adds (non-empty text, a display
 * flag), and answers errors in ConnectWise's `{code, message, errors}` shape.
 */
export async function startConnectWiseFake(options: ConnectWiseFakeOptions): Promise<FakePsa> {
  checkConnectWiseServiceNote({});
  const expectedAuth = `${options.companyId}+${options.publicKey}:${options.privateKey}`;
  const tickets = new Set(options.tickets);
  const notes = noteStore(options.tickets);
  const serviceNotes: Record<string, unknown>[] = [];
  let nextNoteId = 1001;
  let baseUrl = '';

  function checkAuth(req: FakeRequest): Reply | null {
    const header = req.headers.authorization;
    if (!header) return cwError(401, 'Unauthorized', 'Authorization header is missing');
    const match = /^Basic ([A-Za-z0-9+/]+={0,2})$/.exec(header);
    if (!match || match[1]!.length % 4 !== 0) {
      return cwError(401, 'Unauthorized', 'Authorization must be Basic with a base64 value');
    }
    const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
    if (!/^[^+:]+\+[^:]+:.+$/.test(decoded)) {
      return cwError(401, 'Unauthorized', 'Authorization must be base64 of companyId+publicKey:privateKey');
    }
    if (decoded !== expectedAuth) return cwError(401, 'Unauthorized', 'Invalid credentials');
    const clientId = req.headers.clientid;
    if (!clientId) return cwError(401, 'Unauthorized', 'clientId header is missing');
    if (clientId !== options.clientId) return cwError(401, 'Unauthorized', 'clientId is not registered');
    return null;
  }

  function ticketId(segment: string): number | Reply {
    const id = parseIntId(segment);
    if (id === null) return cwError(400, 'InvalidObject', `Ticket id "${segment}" is not an integer`);
    if (!tickets.has(id)) return cwError(404, 'NotFound', `Ticket with id ${id} was not found`);
    return id;
  }

  function getTicket(id: number): Record<string, unknown> {
    return {
      id,
      summary: `Fake ticket ${id}`,
      recordType: 'ServiceTicket',
      board: { id: 1, name: 'Help Desk' },
      status: { id: 1, name: 'New' },
      company: { id: 250, identifier: 'FakeCo', name: 'Fake Company' },
      closedFlag: false,
    };
  }

  function listNotes(req: FakeRequest, id: number): Reply {
    const paged = paging(req.query);
    if ('status' in paged) return paged;
    const list = serviceNotes.filter((n) => n.ticketId === id);
    const orderBy = req.query.orderBy;
    if (orderBy !== undefined) {
      const match = /^\s*(\w+)(?:\s+(asc|desc))?\s*$/i.exec(orderBy);
      const field = match?.[1];
      if (!match || !field || !['id', 'dateCreated', 'ticketId', 'text'].includes(field)) {
        return cwError(400, 'InvalidObject', `orderBy "${orderBy}" is not supported`);
      }
      const dir = match[2]?.toLowerCase() === 'desc' ? -1 : 1;
      list.sort((a, b) => {
        const x = a[field] as string | number;
        const y = b[field] as string | number;
        return (x < y ? -1 : x > y ? 1 : (a.id as number) - (b.id as number)) * dir;
      });
    }
    return pageOf(list, paged.page, paged.pageSize, `${baseUrl}${req.path}`, req.query);
  }

  function createNote(req: FakeRequest, id: number, tools: HandlerTools): HandlerResult {
    const json = readJson(req);
    if (!json.ok) return cwError(400, 'InvalidObject', json.reason);
    const body = json.value;
    if (!isPlainObject(body)) return cwError(400, 'InvalidObject', 'The request body must be a serviceNote object');
    const schemaErrors = checkConnectWiseServiceNote(body);
    if (schemaErrors.length > 0) {
      return invalidNote(schemaErrors.map((message) => ({ message, field: message.split(' ')[0]!.replace(/^\//, '') })));
    }
    if (typeof body.text !== 'string' || body.text.trim() === '') {
      return invalidNote([{ message: 'text is required and must not be empty', field: 'text' }]);
    }
    const flags = ['detailDescriptionFlag', 'internalAnalysisFlag', 'resolutionFlag'] as const;
    if (!flags.some((f) => body[f] === true)) {
      return invalidNote([{ message: FLAG_MESSAGE, field: 'detailDescriptionFlag' }]);
    }
    const text = body.text;
    return tools.noteWrite(() => {
      const noteId = nextNoteId++;
      const created = nowIso();
      const note = {
        id: noteId,
        ticketId: id,
        text,
        detailDescriptionFlag: body.detailDescriptionFlag === true,
        internalAnalysisFlag: body.internalAnalysisFlag === true,
        resolutionFlag: body.resolutionFlag === true,
        issueFlag: false,
        member: { id: 1, identifier: 'apimember', name: 'API Member' },
        customerUpdatedFlag: body.customerUpdatedFlag === true,
        dateCreated: created,
        createdBy: 'apimember',
        internalFlag: body.internalAnalysisFlag === true,
        externalFlag: body.detailDescriptionFlag === true || body.resolutionFlag === true,
        _info: { lastUpdated: created, updatedBy: 'apimember' },
      };
      serviceNotes.push(note);
      storeNote(notes, id, { id: noteId, text, raw: body });
      return { status: 201, body: note };
    });
  }

  const server = await startFakeServer((req, tools) => {
    const denied = checkAuth(req);
    if (denied) return denied;
    if (!req.path.startsWith(`${BASE}/`)) return cwError(404, 'NotFound', `No API at ${req.path}`);
    const route = req.path.slice(BASE.length);

    if (/^\/service\/tickets\/?$/i.test(route)) {
      if (req.method !== 'GET') return cwError(405, 'MethodNotAllowed', `${req.method} is not supported here`);
      const paged = paging(req.query);
      if ('status' in paged) return paged;
      const list = [...tickets].sort((a, b) => a - b).map((id) => ({ id, summary: `Fake ticket ${id}` }));
      return pageOf(list, paged.page, paged.pageSize, `${baseUrl}${req.path}`, req.query);
    }

    let match = /^\/service\/tickets\/([^/]+)$/i.exec(route);
    if (match) {
      if (req.method !== 'GET') return cwError(405, 'MethodNotAllowed', `${req.method} is not supported here`);
      const id = ticketId(match[1]!);
      return typeof id === 'number' ? { status: 200, body: getTicket(id) } : id;
    }

    match = /^\/service\/tickets\/([^/]+)\/notes$/i.exec(route);
    if (match) {
      if (req.method !== 'GET' && req.method !== 'POST') {
        return cwError(405, 'MethodNotAllowed', `${req.method} is not supported here`);
      }
      const id = ticketId(match[1]!);
      if (typeof id !== 'number') return id;
      return req.method === 'GET' ? listNotes(req, id) : createNote(req, id, tools);
    }

    return cwError(404, 'NotFound', `No API at ${req.path}`);
  });
  baseUrl = server.url;

  return { ...server, notes };
}
