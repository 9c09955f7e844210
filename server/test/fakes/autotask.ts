import {
  isPlainObject,
  noteStore,
  readJson,
  startFakeServer,
  storeNote,
  type FakePsa,
  type FakeRequest,
  type HandlerResult,
  type HandlerTools,
  type Reply,
} from './fake-server.ts';
import { autotaskRequiredHeaders, checkAutotaskTicketNote, checkAutotaskZoneInformation } from './vendor-schemas.ts';

export interface AutotaskFakeOptions {
  username: string;
  secret: string;
  integrationCode: string;
  tickets: number[];
  /** The tenant's `noteType` picklist values; the first is the default. */
  noteTypes?: number[];
  /** The tenant's `publish` picklist values; the first is the default. */
  publishValues?: number[];
}

export interface AutotaskFake extends FakePsa {
  /** The zone base URL the zone lookup hands out (`{url}/zone5/ATServicesRest`). */
  zoneUrl: string;
}

const ZONE_LOOKUP = '/atservicesrest/v1.0/zoneinformation';
const ZONE_PREFIX = '/zone5/atservicesrest/v1.0/';
const TITLE_MAX = 250;
const DESCRIPTION_MAX = 32000;
const NOTE_TYPE_LABELS: Record<number, string> = { 1: 'Task Summary', 2: 'Task Detail', 3: 'Task Notes' };
const PUBLISH_LABELS: Record<number, string> = { 1: 'All Autotask Users', 2: 'Internal Project Team', 3: 'Internal Only' };

function atError(status: number, ...messages: string[]): Reply {
  return { status, body: { errors: messages }, rejected: messages.join('; ') };
}

function picklist(values: number[], labels: Record<number, string>, prefix: string) {
  return values.map((value, i) => ({
    value: String(value),
    label: labels[value] ?? `${prefix} ${value}`,
    isDefaultValue: i === 0,
    sortOrder: i,
    parentValue: '',
    isActive: true,
    isSystem: true,
  }));
}

function field(name: string, extra: Record<string, unknown>) {
  return {
    name,
    dataType: 'integer',
    length: 0,
    isRequired: false,
    isReadOnly: false,
    isQueryable: true,
    isReference: false,
    referenceEntityType: '',
    isPickList: false,
    picklistValues: null,
    picklistParentValueField: '',
    isSupportedWebhookField: false,
    ...extra,
  };
}

/**
 * An Autotask PSA REST v1.0 stand-in for ticket notes: an unauthenticated zone lookup that
 * points the client back at this server, then the three auth headers the published document
 * marks required on every zone call. Note bodies are checked against `TicketNoteModel` and
 * the tenant's picklists. Like the real service, validation failures and unknown tickets
 * answer **500** `{errors: [...]}` rather than 400/404.
 */
export async function startAutotaskFake(options: AutotaskFakeOptions): Promise<AutotaskFake> {
  checkAutotaskTicketNote({});
  const noteTypes = options.noteTypes ?? [1, 2, 3];
  const publishValues = options.publishValues ?? [1, 2];
  const configured: Record<string, string> = {
    apiintegrationcode: options.integrationCode,
    username: options.username,
    secret: options.secret,
  };
  const requiredHeaders = autotaskRequiredHeaders().map((name) => {
    const expected = configured[name.toLowerCase()];
    if (expected === undefined) throw new Error(`Autotask fake has no configured value for header ${name}`);
    return { name, expected };
  });
  const tickets = new Set(options.tickets);
  const notes = noteStore(options.tickets);
  const ticketNotes: Record<string, unknown>[] = [];
  let nextNoteId = 30777001;
  let zoneUrl = '';
  let webUrl = '';

  function checkAuth(req: FakeRequest): Reply | null {
    const problems: string[] = [];
    for (const { name, expected } of requiredHeaders) {
      const value = req.headers[name.toLowerCase()];
      if (value === undefined) problems.push(`The ${name} header is missing`);
      else if (value !== expected) problems.push(`The ${name} header is not valid`);
    }
    return problems.length > 0 ? atError(401, ...problems) : null;
  }

  function zoneLookup(req: FakeRequest): Reply {
    if (req.method !== 'GET') return atError(405, `${req.method} is not supported on zoneInformation`);
    const user = req.query.user;
    if (user === undefined || user === '') return atError(400, 'The user query parameter is required');
    if (user !== options.username) return atError(500, `Zone information could not be determined for user ${user}`);
    return { status: 200, body: { zoneName: 'Zone Fake', url: zoneUrl, webUrl, ci: 5 } };
  }

  function entityFields(): Reply {
    return {
      status: 200,
      body: {
        fields: [
          field('id', { dataType: 'long', isReadOnly: true }),
          field('ticketID', { isRequired: true, isReference: true, referenceEntityType: 'Ticket' }),
          field('noteType', {
            isRequired: true,
            isPickList: true,
            picklistValues: picklist(noteTypes, NOTE_TYPE_LABELS, 'Note type'),
          }),
          field('publish', {
            isRequired: true,
            isPickList: true,
            picklistValues: picklist(publishValues, PUBLISH_LABELS, 'Publish'),
          }),
          field('title', { dataType: 'string', length: TITLE_MAX, isRequired: true }),
          field('description', { dataType: 'string', length: DESCRIPTION_MAX, isRequired: true }),
          field('createDateTime', { dataType: 'datetime', isReadOnly: true }),
        ],
      },
    };
  }

  function createNote(req: FakeRequest, ticketId: number, tools: HandlerTools): HandlerResult {
    if (!tickets.has(ticketId)) {
      return atError(500, `Value does not reference an existing entity for ticketID. Ticket ${ticketId} not found.`);
    }
    const json = readJson(req);
    if (!json.ok) return atError(500, json.reason);
    const body = json.value;
    if (!isPlainObject(body)) return atError(500, 'The request body must be a TicketNote object');
    const schemaErrors = checkAutotaskTicketNote(body);
    if (schemaErrors.length > 0) return atError(500, ...schemaErrors);

    const problems: string[] = [];
    for (const name of ['title', 'description', 'noteType', 'publish']) {
      if (body[name] === undefined || body[name] === null) problems.push(`Missing Required Field: ${name}`);
    }
    if (typeof body.title === 'string' && body.title.trim() === '') problems.push('title must not be empty');
    if (typeof body.description === 'string' && body.description.trim() === '') {
      problems.push('description must not be empty');
    }
    if (typeof body.title === 'string' && body.title.length > TITLE_MAX) {
      problems.push(`title is ${body.title.length} characters; the maximum is ${TITLE_MAX}`);
    }
    if (typeof body.description === 'string' && body.description.length > DESCRIPTION_MAX) {
      problems.push(`description is ${body.description.length} characters; the maximum is ${DESCRIPTION_MAX}`);
    }
    if (body.ticketID !== undefined && body.ticketID !== ticketId) {
      problems.push(`ticketID ${String(body.ticketID)} does not match the parent ticket ${ticketId}`);
    }
    if (typeof body.noteType === 'number' && !noteTypes.includes(body.noteType)) {
      problems.push(`Value ${body.noteType} does not exist in the picklist for noteType.`);
    }
    if (typeof body.publish === 'number' && !publishValues.includes(body.publish)) {
      problems.push(`Value ${body.publish} does not exist in the picklist for publish.`);
    }
    if (problems.length > 0) return atError(500, ...problems);

    const description = body.description as string;
    return tools.noteWrite(() => {
      const id = nextNoteId++;
      const now = new Date().toISOString();
      ticketNotes.push({
        id,
        ticketID: ticketId,
        title: body.title,
        description,
        noteType: body.noteType,
        publish: body.publish,
        createDateTime: now,
        lastActivityDate: now,
        creatorResourceID: 29682885,
      });
      storeNote(notes, ticketId, { id, text: description, raw: body });
      return { status: 200, body: { itemId: id } };
    });
  }

  const server = await startFakeServer((req, tools) => {
    const lower = req.path.toLowerCase();
    if (lower === ZONE_LOOKUP) return zoneLookup(req);
    if (!lower.startsWith(ZONE_PREFIX)) return atError(404, `No resource at ${req.path}`);
    const denied = checkAuth(req);
    if (denied) return denied;
    const route = lower.slice(ZONE_PREFIX.length);

    if (route === 'ticketnotes/entityinformation/fields') {
      return req.method === 'GET' ? entityFields() : atError(405, `${req.method} is not supported here`);
    }

    let match = /^tickets\/([^/]+)$/.exec(route);
    if (match) {
      if (!/^\d{1,15}$/.test(match[1]!)) return atError(404, `No resource at ${req.path}`);
      if (req.method !== 'GET') return atError(405, `${req.method} is not supported here`);
      const id = Number(match[1]);
      const item = { id, ticketNumber: `T20240101.${String(id).padStart(4, '0')}`, title: `Fake ticket ${id}`, status: 1 };
      return { status: 200, body: { item: tickets.has(id) ? item : null } };
    }

    match = /^tickets\/([^/]+)\/notes$/.exec(route);
    if (match) {
      if (!/^\d{1,15}$/.test(match[1]!)) return atError(404, `No resource at ${req.path}`);
      const id = Number(match[1]);
      if (req.method === 'POST') return createNote(req, id, tools);
      if (req.method !== 'GET') return atError(405, `${req.method} is not supported here`);
      const items = ticketNotes.filter((n) => n.ticketID === id);
      return {
        status: 200,
        body: { items, pageDetails: { count: items.length, requestCount: 500, prevPageUrl: null, nextPageUrl: null } },
      };
    }

    return atError(404, `No resource at ${req.path}`);
  });
  zoneUrl = `${server.url}/zone5/ATServicesRest`;
  webUrl = `${server.url}/web`;
  const zoneProblems = checkAutotaskZoneInformation({ zoneName: 'Zone Fake', url: zoneUrl, webUrl, ci: 5 });
  if (zoneProblems.length > 0) {
    await server.close();
    throw new Error(`Autotask fake zone answer does not fit ZoneInformationResultModel: ${zoneProblems.join('; ')}`);
  }

  return { ...server, notes, zoneUrl };
}
