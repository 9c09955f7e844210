import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startAutotaskFake, type AutotaskFake } from './autotask.ts';
import { startConnectWiseFake } from './connectwise.ts';
import type { FakePsa } from './fake-server.ts';
import { startHaloFake, type HaloFake } from './halopsa.ts';
import { vendorSchemasDir } from './vendor-schemas.ts';

const HANG_MS = 300;

async function jsonOf(res: Response): Promise<unknown> {
  const text = await res.text();
  return text === '' ? null : (JSON.parse(text) as unknown);
}

function lastRequest(fake: FakePsa) {
  const last = fake.requests.at(-1);
  if (!last) throw new Error('no request was recorded');
  return last;
}

describe('vendor schema loading', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('tells the developer to set VENDOR_SCHEMAS_DIR when the schemas are not there', () => {
    vi.stubEnv('VENDOR_SCHEMAS_DIR', '/nonexistent/vendor-schemas');
    expect(() => vendorSchemasDir()).toThrow(/VENDOR_SCHEMAS_DIR/);
  });
});

const CW = { companyId: 'acme', publicKey: 'pub123', privateKey: 'priv456', clientId: 'c0ffee00-0000-4000-8000-000000000001' };
const CW_BASE = '/v4_6_release/apis/3.0';

function cwHeaders(extra: Record<string, string> = {}): Record<string, string> {
  return {
    authorization: `Basic ${Buffer.from(`${CW.companyId}+${CW.publicKey}:${CW.privateKey}`).toString('base64')}`,
    clientId: CW.clientId,
    accept: 'application/vnd.connectwise.com+json; version=2025.8',
    ...extra,
  };
}

describe('ConnectWise fake', () => {
  let fake: FakePsa;
  beforeEach(async () => {
    fake = await startConnectWiseFake({ ...CW, tickets: [100, 101] });
  });
  afterEach(async () => fake.close());

  function postNote(body: unknown, ticket: string | number = 100, headers: Record<string, string> = {}) {
    return fetch(`${fake.url}${CW_BASE}/service/tickets/${ticket}/notes`, {
      method: 'POST',
      headers: cwHeaders({ 'content-type': 'application/json; charset=utf-8', ...headers }),
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  }

  it('lists tickets, reads one, stores a note and lists it back', async () => {
    const list = await fetch(`${fake.url}${CW_BASE}/service/tickets?pageSize=1`, { headers: cwHeaders() });
    expect(list.status).toBe(200);
    expect(await list.json()).toEqual([{ id: 100, summary: expect.any(String) }]);

    const ticket = await fetch(`${fake.url}${CW_BASE}/service/tickets/101`, { headers: cwHeaders() });
    expect(ticket.status).toBe(200);
    expect(await ticket.json()).toMatchObject({ id: 101, summary: expect.any(String), company: { id: expect.any(Number) } });

    const body = { text: 'Session summary\n[session:abc]', internalAnalysisFlag: true, processNotifications: false };
    const created = await postNote(body);
    expect(created.status).toBe(201);
    const note = (await created.json()) as { id: number };
    expect(note).toMatchObject({ ticketId: 100, text: body.text, internalAnalysisFlag: true, detailDescriptionFlag: false });

    const notes = await fetch(`${fake.url}${CW_BASE}/service/tickets/100/notes?pageSize=1000&orderBy=id%20desc`, {
      headers: cwHeaders(),
    });
    expect(notes.status).toBe(200);
    expect(await notes.json()).toEqual([
      expect.objectContaining({ id: note.id, ticketId: 100, text: body.text, resolutionFlag: false, dateCreated: expect.any(String) }),
    ]);
    expect(fake.notes.get(100)).toEqual([{ id: note.id, text: body.text, raw: body }]);
    expect(fake.requests.map((r) => r.rejected)).toEqual([null, null, null, null]);
    expect(fake.requests[2]).toMatchObject({ method: 'POST', body, status: 201 });
  });

  const encode = (s: string) => Buffer.from(s).toString('base64');
  it.each([
    ['no Authorization', { authorization: '' }],
    ['a wrong private key', { authorization: `Basic ${encode('acme+pub123:wrong')}` }],
    ['a Bearer scheme', { authorization: `Bearer ${encode('acme+pub123:priv456')}` }],
    ['a value that is not base64', { authorization: 'Basic acme+pub123:priv456' }],
    ['no company prefix', { authorization: `Basic ${encode('pub123:priv456')}` }],
    ['no clientId', { clientId: '' }],
    ['a wrong clientId', { clientId: 'not-registered' }],
  ])('answers 401 for %s', async (_name, override) => {
    const headers = cwHeaders();
    for (const [k, v] of Object.entries(override)) {
      if (v === '') delete headers[k];
      else headers[k] = v;
    }
    const res = await fetch(`${fake.url}${CW_BASE}/service/tickets/100`, { headers });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ code: 'Unauthorized', message: expect.any(String), errors: null });
    expect(lastRequest(fake).rejected).toBeTruthy();
  });

  it('answers 400 for a non-integer ticket id and 404 for an unknown ticket', async () => {
    const bad = await fetch(`${fake.url}${CW_BASE}/service/tickets/abc`, { headers: cwHeaders() });
    expect(bad.status).toBe(400);
    const missing = await fetch(`${fake.url}${CW_BASE}/service/tickets/999`, { headers: cwHeaders() });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ code: expect.any(String), message: expect.any(String) });
    expect((await postNote({ text: 'x', internalAnalysisFlag: true }, 999)).status).toBe(404);
    expect((await postNote({ text: 'x', internalAnalysisFlag: true }, '1.5')).status).toBe(400);
  });

  it.each([
    ['a non-JSON content type', 'text=hello', { 'content-type': 'application/x-www-form-urlencoded' }],
    ['malformed JSON', '{"text": ', {}],
    ['an array body', [{ text: 'x', internalAnalysisFlag: true }], {}],
    ['a missing text', { internalAnalysisFlag: true }, {}],
    ['an empty text', { text: '  ', internalAnalysisFlag: true }, {}],
    ['a non-boolean flag', { text: 'x', internalAnalysisFlag: 'yes' }, {}],
    ['a field of the wrong type', { text: 'x', internalAnalysisFlag: true, member: { id: 'seven' } }, {}],
  ])('answers 400 for %s and stores nothing', async (_name, body, headers) => {
    const res = await postNote(body, 100, headers);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: expect.any(String), message: expect.any(String) });
    expect(fake.notes.get(100)).toEqual([]);
    expect(lastRequest(fake)).toMatchObject({ status: 400, rejected: expect.any(String) });
  });

  it('answers InvalidObject for a missing text and for no display flag', async () => {
    const noText = await postNote({ internalAnalysisFlag: true });
    expect(await noText.json()).toMatchObject({ code: 'InvalidObject', message: 'serviceNote object is invalid' });
    const noFlag = await postNote({ text: 'x', internalAnalysisFlag: false, detailDescriptionFlag: false });
    expect(noFlag.status).toBe(400);
    expect(await noFlag.json()).toMatchObject({
      code: 'InvalidObject',
      message: 'serviceNote object is invalid',
      errors: [{ message: 'Please choose where to display the notes in order to save this record.' }],
    });
  });
});

const AT = { username: 'api@fake.example', secret: 's3cret', integrationCode: 'INTEGRATIONCODE0000000000001' };

function atHeaders(extra: Record<string, string> = {}): Record<string, string> {
  return { ApiIntegrationCode: AT.integrationCode, UserName: AT.username, Secret: AT.secret, ...extra };
}

describe('Autotask fake', () => {
  let fake: AutotaskFake;
  beforeEach(async () => {
    fake = await startAutotaskFake({ ...AT, tickets: [7865], noteTypes: [1, 3], publishValues: [1, 2] });
  });
  afterEach(async () => fake.close());

  function postNote(body: unknown, ticket: string | number = 7865, headers = atHeaders()) {
    return fetch(`${fake.zoneUrl}/v1.0/Tickets/${ticket}/Notes`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify(body),
    });
  }

  const goodNote = { ticketID: 7865, title: 'Remote session summary', description: 'Summary [session:abc]', noteType: 1, publish: 2 };

  it('discovers the zone without auth, in any path casing, pointing back at the fake', async () => {
    for (const path of ['/atservicesrest/v1.0/zoneInformation', '/ATServicesRest/V1.0/ZoneInformation']) {
      const res = await fetch(`${fake.url}${path}?user=${encodeURIComponent(AT.username)}`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({
        zoneName: 'Zone Fake',
        url: `${fake.url}/zone5/ATServicesRest`,
        webUrl: `${fake.url}/web`,
        ci: 5,
      });
    }
    expect(fake.zoneUrl).toBe(`${fake.url}/zone5/ATServicesRest`);
  });

  it('answers 400 to a zone lookup without user and 500 for an unknown user', async () => {
    const noUser = await fetch(`${fake.url}/atservicesrest/v1.0/zoneInformation`);
    expect(noUser.status).toBe(400);
    expect(await noUser.json()).toEqual({ errors: [expect.any(String)] });
    const unknown = await fetch(`${fake.url}/atservicesrest/v1.0/zoneInformation?user=nobody`);
    expect(unknown.status).toBe(500);
    expect(await unknown.json()).toEqual({ errors: [expect.any(String)] });
  });

  it('serves the note picklists it was configured with', async () => {
    const res = await fetch(`${fake.zoneUrl}/v1.0/TicketNotes/entityInformation/fields`, { headers: atHeaders() });
    expect(res.status).toBe(200);
    const { fields } = (await res.json()) as { fields: { name: string; picklistValues: { value: string }[] | null }[] };
    const byName = Object.fromEntries(fields.map((f) => [f.name, f]));
    expect(byName.noteType).toMatchObject({ dataType: 'integer', isRequired: true, isPickList: true });
    expect(byName.noteType!.picklistValues!.map((v) => v.value)).toEqual(['1', '3']);
    expect(byName.noteType!.picklistValues![0]).toMatchObject({ label: 'Task Summary', isDefaultValue: true, isActive: true });
    expect(byName.publish!.picklistValues!.map((v) => v.value)).toEqual(['1', '2']);
    expect(byName.title).toMatchObject({ dataType: 'string', length: 250, isRequired: true, isPickList: false });
    expect(byName.description).toMatchObject({ dataType: 'string', length: 32000 });
  });

  it('reads tickets: an item, null for an unknown id, 404 for a non-numeric id', async () => {
    const known = await fetch(`${fake.zoneUrl}/v1.0/Tickets/7865`, { headers: atHeaders() });
    expect(await known.json()).toMatchObject({ item: { id: 7865 } });
    const unknown = await fetch(`${fake.zoneUrl}/v1.0/Tickets/1`, { headers: atHeaders() });
    expect(unknown.status).toBe(200);
    expect(await unknown.json()).toEqual({ item: null });
    const bad = await fetch(`${fake.zoneUrl}/v1.0/Tickets/abc`, { headers: atHeaders() });
    expect(bad.status).toBe(404);
  });

  it('stores a note and lists it back, with or without ticketID in the body', async () => {
    const res = await postNote(goodNote);
    expect(res.status).toBe(200);
    const { itemId } = (await res.json()) as { itemId: number };
    expect(itemId).toEqual(expect.any(Number));
    const { ticketID: _omit, ...withoutTicketId } = goodNote;
    const second = await fetch(`${fake.url}/zone5/atservicesrest/v1.0/tickets/7865/notes`, {
      method: 'POST',
      headers: { ...atHeaders(), 'content-type': 'application/json' },
      body: JSON.stringify(withoutTicketId),
    });
    expect(second.status).toBe(200);

    const list = await fetch(`${fake.zoneUrl}/v1.0/Tickets/7865/Notes`, { headers: atHeaders() });
    expect(await list.json()).toEqual({
      items: [
        expect.objectContaining({ ...goodNote, id: itemId }),
        expect.objectContaining({ ticketID: 7865 }),
      ],
      pageDetails: { count: 2, requestCount: 500, prevPageUrl: null, nextPageUrl: null },
    });
    expect(fake.notes.get(7865)).toEqual([
      { id: itemId, text: goodNote.description, raw: goodNote },
      { id: expect.any(Number), text: goodNote.description, raw: withoutTicketId },
    ]);
  });

  it.each(['ApiIntegrationCode', 'UserName', 'Secret'])('answers 401 without the %s header', async (header) => {
    const headers = atHeaders();
    delete headers[header];
    const res = await postNote(goodNote, 7865, headers);
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ errors: [expect.stringContaining(header)] });
    expect(fake.notes.get(7865)).toEqual([]);
  });

  it('answers 401 for a wrong secret, on reads as well as writes', async () => {
    const res = await fetch(`${fake.zoneUrl}/v1.0/Tickets/7865`, { headers: atHeaders({ Secret: 'wrong' }) });
    expect(res.status).toBe(401);
    expect(lastRequest(fake).rejected).toMatch(/Secret/);
  });

  it.each([
    ['a missing description', { ...goodNote, description: undefined }],
    ['a missing noteType', { ...goodNote, noteType: undefined }],
    ['a missing publish', { ...goodNote, publish: undefined }],
    ['a missing title', { ...goodNote, title: undefined }],
    ['a string where an integer is expected', { ...goodNote, noteType: '1' }],
    ['a noteType outside the picklist', { ...goodNote, noteType: 2 }],
    ['a publish value outside the picklist', { ...goodNote, publish: 3 }],
    ['a ticketID that differs from the path', { ...goodNote, ticketID: 7866 }],
    ['a title over 250 characters', { ...goodNote, title: 't'.repeat(251) }],
    ['a description over 32000 characters', { ...goodNote, description: 'd'.repeat(32001) }],
  ])('answers 500 with errors for %s', async (_name, body) => {
    const res = await postNote(body);
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ errors: expect.arrayContaining([expect.any(String)]) });
    expect(fake.notes.get(7865)).toEqual([]);
    expect(lastRequest(fake).rejected).toBeTruthy();
  });

  it('answers 500 for an unknown ticket and 404 for a non-numeric one', async () => {
    const unknown = await postNote({ ...goodNote, ticketID: 1 }, 1);
    expect(unknown.status).toBe(500);
    expect(await unknown.json()).toEqual({ errors: [expect.any(String)] });
    expect((await postNote(goodNote, 'abc')).status).toBe(404);
  });

  it('answers 404 to a note created at the root TicketNotes resource', async () => {
    const res = await fetch(`${fake.zoneUrl}/v1.0/TicketNotes`, {
      method: 'POST',
      headers: { ...atHeaders(), 'content-type': 'application/json' },
      body: JSON.stringify(goodNote),
    });
    expect(res.status).toBe(404);
    expect(fake.notes.get(7865)).toEqual([]);
  });
});

const HALO = { clientId: 'halo-client', clientSecret: 'halo-secret' };

describe('HaloPSA fake', () => {
  let fake: HaloFake;
  beforeEach(async () => {
    fake = await startHaloFake({ ...HALO, tenant: 'acme', tickets: [1234, 1235] });
  });
  afterEach(async () => fake.close());

  function tokenRequest(fields: Record<string, string>, query = '?tenant=acme', contentType = 'application/x-www-form-urlencoded') {
    return fetch(`${fake.url}/auth/token${query}`, {
      method: 'POST',
      headers: { 'content-type': contentType },
      body: contentType === 'application/json' ? JSON.stringify(fields) : new URLSearchParams(fields).toString(),
    });
  }

  const goodForm = { grant_type: 'client_credentials', client_id: HALO.clientId, client_secret: HALO.clientSecret, scope: 'all' };

  async function token(): Promise<string> {
    const res = await tokenRequest(goodForm);
    expect(res.status).toBe(200);
    return ((await res.json()) as { access_token: string }).access_token;
  }

  async function postActions(body: unknown, bearer?: string) {
    return fetch(`${fake.url}/api/Actions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${bearer ?? (await token())}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  }

  const goodAction = {
    ticket_id: 1234,
    outcome: 'Private Note',
    note_html: '<p>Summary [session:abc]</p>',
    hiddenfromuser: true,
    sendemail: false,
    timetaken: 0.25,
  };

  it('issues a Bearer token for client credentials', async () => {
    const res = await tokenRequest(goodForm);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ access_token: expect.any(String), token_type: 'Bearer', expires_in: 3600, scope: 'all' });
  });

  const FORM = 'application/x-www-form-urlencoded';
  it.each([
    ['a missing tenant', goodForm, '', FORM, 400, 'invalid_request'],
    ['a JSON body', goodForm, '?tenant=acme', 'application/json', 400, 'invalid_request'],
    ['another grant type', { ...goodForm, grant_type: 'password' }, '?tenant=acme', FORM, 400, 'unsupported_grant_type'],
    ['a wrong secret', { ...goodForm, client_secret: 'nope' }, '?tenant=acme', FORM, 401, 'invalid_client'],
    ['a wrong client id', { ...goodForm, client_id: 'nope' }, '?tenant=acme', FORM, 401, 'invalid_client'],
  ])('refuses a token request with %s', async (_name, form, query, contentType, status, error) => {
    const res = await tokenRequest(form, query, contentType);
    expect(res.status).toBe(status);
    expect(await res.json()).toMatchObject({ error });
  });

  it('does not ask for a tenant when configured as self-hosted', async () => {
    const selfHosted = await startHaloFake({ ...HALO, tickets: [1] });
    try {
      const res = await fetch(`${selfHosted.url}/auth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(goodForm).toString(),
      });
      expect(res.status).toBe(200);
    } finally {
      await selfHosted.close();
    }
  });

  it('reads tickets and stores actions that are listed back', async () => {
    const bearer = await token();
    const auth = { authorization: `Bearer ${bearer}` };
    const list = await fetch(`${fake.url}/api/Tickets?pageinate=true&page_size=1&page_no=2`, { headers: auth });
    expect(await list.json()).toEqual({ record_count: 2, tickets: [{ id: 1235, summary: expect.any(String) }] });
    const ticket = await fetch(`${fake.url}/api/Tickets/1234?includedetails=true`, { headers: auth });
    expect(await ticket.json()).toMatchObject({ id: 1234, summary: expect.any(String) });
    expect((await fetch(`${fake.url}/api/Tickets/99`, { headers: auth })).status).toBe(404);

    const plain = { ticket_id: 1234, note: 'Plain note' };
    const res = await postActions([goodAction, plain], bearer);
    expect(res.status).toBe(201);
    const created = (await res.json()) as { id: number }[];
    expect(created).toEqual([
      expect.objectContaining({ id: expect.any(Number), ticket_id: 1234, note_html: goodAction.note_html, hiddenfromuser: true }),
      expect.objectContaining({ id: expect.any(Number), ticket_id: 1234, note: 'Plain note', hiddenfromuser: false }),
    ]);

    const actions = await fetch(`${fake.url}/api/Actions?ticket_id=1234`, { headers: auth });
    expect(await actions.json()).toEqual({
      record_count: 2,
      actions: [
        expect.objectContaining({
          id: created[0]!.id,
          ticket_id: 1234,
          note: expect.any(String),
          note_html: goodAction.note_html,
          outcome: 'Private Note',
          hiddenfromuser: true,
        }),
        expect.objectContaining({ id: created[1]!.id, note: 'Plain note' }),
      ],
    });
    expect(fake.notes.get(1234)).toEqual([
      { id: created[0]!.id, text: goodAction.note_html, raw: goodAction },
      { id: created[1]!.id, text: 'Plain note', raw: plain },
    ]);
  });

  it('answers 401 without a token, with an unknown one, and with an expired one', async () => {
    const none = await fetch(`${fake.url}/api/Tickets/1234`);
    expect(none.status).toBe(401);
    expect((await postActions([goodAction], 'made-up')).status).toBe(401);

    const bearer = await token();
    expect((await fetch(`${fake.url}/api/Tickets/1234`, { headers: { authorization: `Bearer ${bearer}` } })).status).toBe(200);
    fake.expireTokens();
    const expired = await postActions([goodAction], bearer);
    expect(expired.status).toBe(401);
    expect(lastRequest(fake).rejected).toMatch(/expired/);
    expect((await postActions([goodAction])).status).toBe(201);
  });

  it.each([
    ['a body that is not an array', goodAction],
    ['an empty array', []],
    ['a missing ticket_id', [{ note: 'x' }]],
    ['a ticket_id that is a string', [{ ticket_id: '1234', note: 'x' }]],
    ['an unknown ticket', [{ ticket_id: 4321, note: 'x' }]],
    ['neither note nor note_html', [{ ticket_id: 1234, outcome: 'Note' }]],
    ['an id on create', [{ ...goodAction, id: 5 }]],
    ['a hiddenfromuser that is not boolean', [{ ...goodAction, hiddenfromuser: 'yes' }]],
    ['a hiddenfromuser that is null', [{ ...goodAction, hiddenfromuser: null }]],
    ['a property the schema does not know', [{ ...goodAction, notAField: 1 }]],
    ['one bad element in a batch', [goodAction, { ticket_id: 1234 }]],
  ])('answers 400 for %s and stores nothing', async (_name, body) => {
    const res = await postActions(body);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ message: expect.any(String) });
    expect(fake.notes.get(1234)).toEqual([]);
    expect(lastRequest(fake).rejected).toBeTruthy();
  });
});

interface Driver {
  name: string;
  start(): Promise<FakePsa>;
  /** Sends one valid note write, fetching whatever auth the vendor needs first. */
  write(fake: FakePsa, text: string, signal?: AbortSignal): Promise<Response>;
  created: number;
  ticket: number;
}

const drivers: Driver[] = [
  {
    name: 'ConnectWise',
    start: () => startConnectWiseFake({ ...CW, tickets: [100] }),
    write: (fake, text, signal) =>
      fetch(`${fake.url}${CW_BASE}/service/tickets/100/notes`, {
        method: 'POST',
        headers: cwHeaders({ 'content-type': 'application/json' }),
        body: JSON.stringify({ text, internalAnalysisFlag: true }),
        signal,
      }),
    created: 201,
    ticket: 100,
  },
  {
    name: 'Autotask',
    start: () => startAutotaskFake({ ...AT, tickets: [7865] }),
    write: (fake, text, signal) =>
      fetch(`${fake.url}/zone5/ATServicesRest/v1.0/Tickets/7865/Notes`, {
        method: 'POST',
        headers: { ...atHeaders(), 'content-type': 'application/json' },
        body: JSON.stringify({ ticketID: 7865, title: 'Session', description: text, noteType: 1, publish: 1 }),
        signal,
      }),
    created: 200,
    ticket: 7865,
  },
  {
    name: 'HaloPSA',
    start: () => startHaloFake({ ...HALO, tickets: [1234] }),
    async write(fake, text, signal) {
      const tokenRes = await fetch(`${fake.url}/auth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'client_credentials', client_id: HALO.clientId, client_secret: HALO.clientSecret }),
      });
      const { access_token } = (await tokenRes.json()) as { access_token: string };
      return fetch(`${fake.url}/api/Actions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${access_token}`, 'content-type': 'application/json' },
        body: JSON.stringify([{ ticket_id: 1234, note: text, hiddenfromuser: true }]),
        signal,
      });
    },
    created: 201,
    ticket: 1234,
  },
];

describe.each(drivers)('$name fake scripted failures', (driver) => {
  let fake: FakePsa;
  beforeEach(async () => {
    fake = await driver.start();
  });
  afterEach(async () => fake.close());

  it('answers a scripted status with its headers for the given number of writes, then accepts', async () => {
    fake.failNext(2, { status: 429, headers: { 'retry-after': '1' }, body: { message: 'Too many requests' } });
    for (let i = 0; i < 2; i++) {
      const res = await driver.write(fake, `attempt ${i}`);
      expect(res.status).toBe(429);
      expect(res.headers.get('retry-after')).toBe('1');
      expect(await jsonOf(res)).toEqual({ message: 'Too many requests' });
    }
    expect(fake.notes.get(driver.ticket)).toEqual([]);
    const ok = await driver.write(fake, 'third time');
    expect(ok.status).toBe(driver.created);
    expect(fake.notes.get(driver.ticket)!.map((n) => n.text)).toEqual(['third time']);
    expect(fake.requests.every((r) => r.rejected === null)).toBe(true);
  });

  it("never answers a 'hang' write and stores nothing", async () => {
    fake.failNext(1, 'hang');
    await expect(driver.write(fake, 'lost', AbortSignal.timeout(HANG_MS))).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(fake.notes.get(driver.ticket)).toEqual([]);
    expect(lastRequest(fake)).toMatchObject({ method: 'POST', status: 0, rejected: null });
    expect((await driver.write(fake, 'retry')).status).toBe(driver.created);
  });

  it("stores a 'store-then-hang' write before leaving it unanswered", async () => {
    fake.failNext(1, 'store-then-hang');
    await expect(driver.write(fake, 'written [session:x]', AbortSignal.timeout(HANG_MS))).rejects.toMatchObject({
      name: 'TimeoutError',
    });
    expect(fake.notes.get(driver.ticket)!.map((n) => n.text)).toEqual(['written [session:x]']);
  });

  it('closes at once while a write is hanging', async () => {
    fake.failNext(1, 'hang');
    const pending = driver.write(fake, 'lost');
    const outcome = pending.then(
      () => 'answered',
      () => 'failed',
    );
    await vi.waitUntil(() => fake.requests.some((r) => r.status === 0 && r.body !== null), { timeout: 2000 });
    const started = Date.now();
    await fake.close();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await outcome).toBe('failed');
  });
});
