import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TreeNode } from '@flowpilot/contracts';
import { createTestApp, DB_KINDS, type TestApp } from '../../../test/harness.ts';

/** A tree body as the original API's clients send it: no base_version. */
const treeBody = (title: string) => ({
  title,
  description: 'Docking station drops the network',
  category: 'Hardware',
  tags: ['dock'],
  status: 'published',
  root_node_id: 'q1',
  nodes: [
    { id: 'q1', kind: 'question', title: 'Does the laptop get a network without the dock?', options: [{ label: 'Yes', next: 'a1' }, { label: 'No', next: 'e1' }] },
    { id: 'a1', kind: 'action', title: 'Update the dock firmware', next: 's1' },
    { id: 's1', kind: 'solution', title: 'Network stays up on the dock' },
    { id: 'e1', kind: 'escalate', title: 'Network card fault' },
  ] as TreeNode[],
});

/**
 * `PUT /trees/{id}` and who saved first: without `base_version` or If-Match
 * the last save wins (clients of the original API); `base_version` and an
 * If-Match ETag from `GET /trees/{id}` each refuse a save over a newer version.
 */
describe.each(DB_KINDS)('saving a tree someone else may have saved, on %s', (kind) => {
  let t: TestApp;
  let engineer: string;
  beforeAll(async () => {
    t = await createTestApp(kind);
    engineer = await t.tokenFor('engineer');
  });
  afterAll(async () => t?.close());

  const newTree = async (title: string): Promise<string> => {
    const res = await t.request({ method: 'POST', url: '/api/v1/trees', token: engineer, body: treeBody(title) });
    expect(res.statusCode).toBe(201);
    return res.json<{ id: string }>().id;
  };
  const get = async (id: string) => {
    const res = await t.request({ method: 'GET', url: `/api/v1/trees/${id}`, token: engineer });
    expect(res.statusCode).toBe(200);
    return { etag: res.headers.etag as string, tree: res.json<{ title: string; current_version: number }>() };
  };
  const put = (id: string, body: unknown, headers: Record<string, string> = {}) => t.request({ method: 'PUT', url: `/api/v1/trees/${id}`, token: engineer, body, headers });

  it('without base_version or If-Match the save applies, last write wins', async () => {
    const id = await newTree('Dock drops network');
    const first = await put(id, treeBody('Dock drops network (first)'));
    expect(first.statusCode).toBe(200);
    const second = await put(id, treeBody('Dock drops network (second)'));
    expect(second.statusCode).toBe(200);
    expect(second.json()).toMatchObject({ version: 3, title: 'Dock drops network (second)' });
    expect((await get(id)).tree).toMatchObject({ current_version: 3, title: 'Dock drops network (second)' });
  });

  it('If-Match with the current ETag applies, and the answer carries the next ETag', async () => {
    const id = await newTree('Dock flickers');
    const { etag } = await get(id);
    expect(etag).toMatch(/^"[^"]+"$/);
    const saved = await put(id, treeBody('Dock flickers (fixed)'), { 'if-match': etag });
    expect(saved.statusCode).toBe(200);
    expect(saved.json()).toMatchObject({ version: 2, title: 'Dock flickers (fixed)' });
    const now = await get(id);
    expect(saved.headers.etag).toBe(now.etag);
    expect(now.etag).not.toBe(etag);
    // Chained: the ETag of the answer is good for the next save.
    expect((await put(id, treeBody('Dock flickers (again)'), { 'if-match': saved.headers.etag as string })).statusCode).toBe(200);
  });

  it('a stale If-Match is 412 naming the newest version, and nothing is saved', async () => {
    const id = await newTree('Dock audio crackles');
    const { etag: mine } = await get(id);
    expect((await put(id, treeBody('Dock audio crackles (colleague)'))).statusCode).toBe(200);
    const refused = await put(id, treeBody('Dock audio crackles (mine)'), { 'if-match': mine });
    expect(refused.statusCode).toBe(412);
    expect(refused.json()).toEqual({
      detail: 'Someone saved a newer version of this tree since your copy (version 1, by If-Match): version 2 is the newest. Reload it and apply your changes again.',
    });
    expect((await get(id)).tree).toMatchObject({ current_version: 2, title: 'Dock audio crackles (colleague)' });
  });

  it('a stale base_version is 409 naming the newest version, and nothing is saved', async () => {
    const id = await newTree('Dock charges slowly');
    expect((await put(id, { ...treeBody('Dock charges slowly (colleague)'), base_version: 1 })).statusCode).toBe(200);
    const refused = await put(id, { ...treeBody('Dock charges slowly (mine)'), base_version: 1 });
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toEqual({
      detail: 'Someone saved a newer version of this tree since version 1: version 2 is the newest. Reload it and apply your changes again.',
    });
    expect((await get(id)).tree).toMatchObject({ current_version: 2, title: 'Dock charges slowly (colleague)' });
  });

  it('with both, each is checked: a current If-Match with a stale base_version is still 409', async () => {
    const id = await newTree('Dock ignores monitor');
    expect((await put(id, treeBody('Dock ignores monitor (v2)'))).statusCode).toBe(200);
    const { etag } = await get(id);
    expect((await put(id, { ...treeBody('Dock ignores monitor (mine)'), base_version: 1 }, { 'if-match': etag })).statusCode).toBe(409);
    expect((await put(id, { ...treeBody('Dock ignores monitor (mine)'), base_version: 2 }, { 'if-match': etag })).statusCode).toBe(200);
  });

  it('a malformed If-Match is 400 saying what it should be; an ETag of something else is 412; * applies', async () => {
    const id = await newTree('Dock USB ports dead');
    const { etag } = await get(id);
    const unquoted = await put(id, treeBody('Dock USB ports dead (mine)'), { 'if-match': etag.slice(1, -1) });
    expect(unquoted.statusCode).toBe(400);
    expect(unquoted.json()).toEqual({ detail: 'If-Match must be the ETag that GET /trees/{id} sent, in its double quotes (or *)' });
    const foreign = await put(id, treeBody('Dock USB ports dead (mine)'), { 'if-match': '"not-this-tree"' });
    expect(foreign.statusCode).toBe(412);
    expect(foreign.json().detail).toBe('If-Match does not name the newest version of this tree: someone saved version 1 since. Reload it (for its ETag) and apply your changes again.');
    // A weak tag never matches for a write (strong comparison).
    expect((await put(id, treeBody('Dock USB ports dead (mine)'), { 'if-match': `W/${etag}` })).statusCode).toBe(412);
    expect((await get(id)).tree.current_version).toBe(1);
    expect((await put(id, treeBody('Dock USB ports dead (any)'), { 'if-match': '*' })).statusCode).toBe(200);
  });

  it('the OpenAPI document shows If-Match, the ETag and the optional base_version', async () => {
    const doc = (await t.request({ method: 'GET', url: '/api/openapi.json' })).json();
    const op = doc.paths['/api/v1/trees/{id}'].put;
    const header = op.parameters.find((p: { in: string; name: string }) => p.in === 'header' && p.name === 'if-match');
    expect(header).toMatchObject({ required: false });
    expect(header.description).toMatch(/ETag/);
    expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['200', '400', '409', '412']));
    expect(op.description).toMatch(/With neither the save applies/);
    const bodySchema = op.requestBody.content['application/json'].schema;
    const resolved = bodySchema.$ref ? doc.components.schemas[bodySchema.$ref.split('/').pop()] : bodySchema;
    expect(resolved.required).not.toContain('base_version');
  });
});
