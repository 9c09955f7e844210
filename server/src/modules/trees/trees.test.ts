import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TreeNode } from '@flowpilot/contracts';
import { queryRows } from '../../db/client.ts';
import { DEMO_TREES } from '../../db/demo-trees/index.ts';
import { validTree } from '../../../test/arbitraries.ts';
import { buildApp } from '../../app.ts';
import { createTestApp, DB_KINDS, testConfig, type TestApp } from '../../../test/harness.ts';

const smallTree = (overrides: Record<string, unknown> = {}) => ({
  title: 'Teams camera not detected',
  description: 'Camera missing in Microsoft Teams calls',
  category: 'Collaboration',
  tags: ['teams', 'camera'],
  status: 'published',
  root_node_id: 'q1',
  nodes: [
    { id: 'q1', kind: 'question', title: 'Does the camera work in the Windows Camera app?', options: [{ label: 'Yes', next: 'a1' }, { label: 'No', next: 'e1' }] },
    { id: 'a1', kind: 'action', title: 'Clear the Teams cache', body: 'Quit Teams, then delete `%appdata%\\Microsoft\\Teams`.', next: 's1' },
    { id: 's1', kind: 'solution', title: 'Camera works in Teams' },
    { id: 'e1', kind: 'escalate', title: 'Hardware fault suspected' },
  ] as TreeNode[],
  ...overrides,
});

describe.each(DB_KINDS)('trees on %s', (kind) => {
  let t: TestApp;
  let admin: string;
  let engineer: string;
  let tech: string;
  beforeAll(async () => {
    t = await createTestApp(kind);
    [admin, engineer, tech] = await Promise.all([t.tokenFor('admin'), t.tokenFor('engineer'), t.tokenFor('technician')]);
  });
  afterAll(async () => t?.close());

  const create = (body: unknown, token = engineer) => t.request({ method: 'POST', url: '/api/v1/trees', token, body });

  describe('library and permissions', () => {
    it('the demo library holds the ten demo trees, by category', async () => {
      const list = await t.request({ method: 'GET', url: '/api/v1/trees?limit=50', token: tech });
      expect(list.statusCode).toBe(200);
      expect(list.json().total).toBe(DEMO_TREES.length);
      const cats = (await t.request({ method: 'GET', url: '/api/v1/trees/categories', token: tech })).json();
      expect(cats.items.map((c: { category: string }) => c.category)).toContain('Network');
      expect(cats.items.reduce((n: number, c: { count: number }) => n + c.count, 0)).toBe(DEMO_TREES.length);
      const network = (await t.request({ method: 'GET', url: '/api/v1/trees?category=Network', token: tech })).json();
      expect(network.items.every((i: { category: string }) => i.category === 'Network')).toBe(true);
      expect(network.total).toBeGreaterThanOrEqual(3);
    });

    it('technicians read published trees only, and cannot write', async () => {
      const draft = (await create(smallTree({ title: 'Draft: scanner to email', status: 'draft' }))).json();
      expect((await t.request({ method: 'GET', url: `/api/v1/trees/${draft.id}`, token: tech })).statusCode).toBe(404);
      expect((await t.request({ method: 'GET', url: `/api/v1/trees/${draft.id}`, token: engineer })).statusCode).toBe(200);
      const techList = (await t.request({ method: 'GET', url: '/api/v1/trees?limit=200', token: tech })).json();
      expect(techList.items.some((i: { id: string }) => i.id === draft.id)).toBe(false);
      const engList = (await t.request({ method: 'GET', url: '/api/v1/trees?limit=200&status=draft', token: engineer })).json();
      expect(engList.items.some((i: { id: string }) => i.id === draft.id)).toBe(true);
      expect((await create(smallTree(), tech)).statusCode).toBe(403);
      expect((await t.request({ method: 'PUT', url: `/api/v1/trees/${draft.id}`, token: tech, body: { ...smallTree(), base_version: 1 } })).statusCode).toBe(403);
      expect((await t.request({ method: 'DELETE', url: `/api/v1/trees/${draft.id}`, token: engineer })).statusCode).toBe(403);
      expect((await t.request({ method: 'POST', url: '/api/v1/trees/import', token: tech, body: { content: smallTree() } })).statusCode).toBe(403);
    });

    it('archived trees leave the library unless asked for', async () => {
      const tree = (await create(smallTree({ title: 'Old fax server' }))).json();
      await t.request({ method: 'PUT', url: `/api/v1/trees/${tree.id}`, token: engineer, body: { ...smallTree({ title: 'Old fax server' }), status: 'archived', base_version: 1 } });
      const list = (await t.request({ method: 'GET', url: '/api/v1/trees?limit=200', token: engineer })).json();
      expect(list.items.some((i: { id: string }) => i.id === tree.id)).toBe(false);
      const archived = (await t.request({ method: 'GET', url: '/api/v1/trees?status=archived', token: engineer })).json();
      expect(archived.items.map((i: { id: string }) => i.id)).toContain(tree.id);
      expect((await t.request({ method: 'GET', url: '/api/v1/trees?status=archived', token: tech })).json().total).toBe(0);
    });

    it("another team's trees are invisible (404) and cannot be linked to", async () => {
      await t.request({ method: 'POST', url: '/api/v1/auth/register', body: { email: 'lead@other.example', password: 'other-team-pw', full_name: 'Olga Other', team_name: 'Other MSP' } });
      const other = await t.login('lead@other.example', 'other-team-pw');
      const theirs = (await create(smallTree({ title: 'Their secret tree' }), other)).json();
      for (const url of [`/api/v1/trees/${theirs.id}`, `/api/v1/trees/${theirs.id}/versions`, `/api/v1/trees/${theirs.id}/export`]) {
        expect((await t.request({ method: 'GET', url, token: admin })).statusCode, url).toBe(404);
      }
      expect((await t.request({ method: 'PUT', url: `/api/v1/trees/${theirs.id}`, token: admin, body: { ...smallTree(), base_version: 1 } })).statusCode).toBe(404);
      expect((await t.request({ method: 'DELETE', url: `/api/v1/trees/${theirs.id}`, token: admin })).statusCode).toBe(404);
      const search = (await t.request({ method: 'GET', url: '/api/v1/trees/search?q=their%20secret%20tree', token: admin })).json();
      expect(search.items.some((i: { id: string }) => i.id === theirs.id)).toBe(false);
      const theirSearch = (await t.request({ method: 'GET', url: '/api/v1/trees/search?q=their%20secret%20tree', token: other })).json();
      expect(theirSearch.items.map((i: { id: string }) => i.id)).toEqual([theirs.id]);
      const linking = await create(
        smallTree({ nodes: [...smallTree().nodes.slice(0, 3), { id: 'e1', kind: 'link', title: 'Go to theirs', tree_id: theirs.id }] }),
      );
      expect(linking.statusCode).toBe(422);
      expect(linking.json().detail[0]).toMatchObject({ type: 'graph.unknown_link_target', node_ids: ['e1'] });
    });
  });

  describe('validation', () => {
    const broken: [string, Record<string, unknown>, string, string[]][] = [
      ['missing root', { root_node_id: 'nope' }, 'graph.missing_root', ['nope']],
      [
        'duplicate node id',
        { nodes: [...smallTree().nodes, { id: 's1', kind: 'solution', title: 'Again' }] },
        'graph.duplicate_node_id',
        ['s1'],
      ],
      [
        'edge to a missing node',
        { nodes: smallTree().nodes.map((n) => (n.id === 'a1' ? { ...n, next: 'ghost' } : n)) },
        'graph.missing_target',
        ['a1'],
      ],
      [
        'question without options',
        { nodes: [{ id: 'q1', kind: 'question', title: 'Anything?', options: [] }] },
        'graph.question_without_options',
        ['q1'],
      ],
      [
        'duplicate answer labels',
        { nodes: smallTree().nodes.map((n) => (n.id === 'q1' ? { ...n, options: [{ label: 'Yes', next: 'a1' }, { label: ' yes ', next: 'e1' }] } : n)) },
        'graph.duplicate_option',
        ['q1'],
      ],
      [
        'link to a tree that does not exist',
        { nodes: [...smallTree().nodes.slice(0, 3), { id: 'e1', kind: 'link', title: 'Elsewhere', tree_id: randomUUID() }] },
        'graph.unknown_link_target',
        ['e1'],
      ],
      [
        'unreachable node',
        { nodes: [...smallTree().nodes, { id: 'orphan', kind: 'solution', title: 'Nobody gets here' }] },
        'graph.unreachable',
        ['orphan'],
      ],
      [
        'a loop with no way out',
        {
          nodes: [
            { id: 'q1', kind: 'question', title: 'Start', options: [{ label: 'Loop', next: 'a1' }, { label: 'Done', next: 's1' }] },
            { id: 'a1', kind: 'action', title: 'Step A', next: 'a2' },
            { id: 'a2', kind: 'action', title: 'Step B', next: 'a1' },
            { id: 's1', kind: 'solution', title: 'Fixed' },
          ],
        },
        'graph.no_path_to_end',
        ['a1', 'a2'],
      ],
    ];
    it.each(broken)('%s is 422 naming the node', async (_name, overrides, type, nodeIds) => {
      const res = await create(smallTree(overrides));
      expect(res.statusCode).toBe(422);
      const problem = res.json().detail.find((d: { type: string }) => d.type === type);
      expect(problem, JSON.stringify(res.json())).toBeDefined();
      expect([...problem.node_ids].sort()).toEqual([...nodeIds].sort());
    });

    it('nothing of an invalid tree is stored', async () => {
      const before = (await t.request({ method: 'GET', url: '/api/v1/trees?limit=200&status=draft', token: engineer })).json().total;
      await create(smallTree({ status: 'draft', root_node_id: 'missing' }));
      expect((await t.request({ method: 'GET', url: '/api/v1/trees?limit=200&status=draft', token: engineer })).json().total).toBe(before);
    });

    it('text PostgreSQL cannot store is 422, never 500', async () => {
      for (const bad of [{ title: 'nul \u0000 here' }, { description: 'half \ud800 surrogate' }, { tags: ['ok', 'bad\u0000'] }]) {
        const res = await create(smallTree(bad));
        expect(res.statusCode, JSON.stringify(bad)).toBe(422);
      }
      const imported = await t.request({ method: 'POST', url: '/api/v1/trees/import', token: engineer, body: { content: JSON.stringify(smallTree({ title: 'x\u0000y' })) } });
      expect(imported.statusCode).toBe(200);
      expect(imported.json()).toMatchObject({ created: 0, failed: 1 });
    });

    it('a bad node shape is 422 with its path', async () => {
      const res = await create(smallTree({ nodes: [{ id: 'bad id!', kind: 'teleport', title: '' }] }));
      expect(res.statusCode).toBe(422);
      expect(res.json().detail[0].loc.slice(0, 3)).toEqual(['body', 'nodes', 0]);
    });

    it('warnings do not block a save and are returned', async () => {
      const res = await create(
        smallTree({ title: 'Long read', nodes: smallTree().nodes.map((n) => (n.id === 'a1' ? { ...n, body: 'x '.repeat(3000) } : n)) }),
      );
      expect(res.statusCode).toBe(201);
      expect(res.json().warnings).toEqual([expect.objectContaining({ code: 'long_body', node_ids: ['a1'] })]);
    });

    it('a published tree linking to a draft is saved with a warning naming the link', async () => {
      const draft = (await create(smallTree({ title: 'Unfinished target', status: 'draft' }))).json();
      const res = await create(
        smallTree({ title: 'Published linker', nodes: [...smallTree().nodes.slice(0, 3), { id: 'e1', kind: 'link', title: 'Continue', tree_id: draft.id }] }),
      );
      expect(res.statusCode).toBe(201);
      expect(res.json().warnings).toEqual([expect.objectContaining({ code: 'link_to_unpublished', node_ids: ['e1'] })]);
    });

    it('POST /trees/validate checks without saving', async () => {
      const res = await t.request({ method: 'POST', url: '/api/v1/trees/validate', token: engineer, body: smallTree({ root_node_id: 'x' }) });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ valid: false, errors: [expect.objectContaining({ code: 'missing_root' })] });
    });
  });

  describe('versions', () => {
    it('every save is a new version; old ones stay readable, comparable and restorable', async () => {
      const v1 = (await create(smallTree({ title: 'Headset crackles' }))).json();
      expect(v1).toMatchObject({ version: 1, current_version: 1, created_by: { full_name: 'Sam Rivera' } });
      const nodes2 = [...smallTree().nodes.map((n) => (n.id === 'a1' ? { ...n, title: 'Clear the Teams cache and restart' } : n))];
      nodes2[0] = { ...nodes2[0]!, options: [{ label: 'Yes', next: 'a1' }, { label: 'No', next: 'e1' }, { label: 'Not sure', next: 's2' }] } as TreeNode;
      nodes2.push({ id: 's2', kind: 'solution', title: 'Customer will check later' });
      const v2 = await t.request({
        method: 'PUT',
        url: `/api/v1/trees/${v1.id}`,
        token: admin,
        body: { ...smallTree({ title: 'Headset crackles', nodes: nodes2 }), base_version: 1, change_note: 'Added a branch' },
      });
      expect(v2.statusCode).toBe(200);
      expect(v2.json()).toMatchObject({ version: 2, current_version: 2, change_note: 'Added a branch', updated_by: { full_name: 'Morgan Price' } });

      const old = (await t.request({ method: 'GET', url: `/api/v1/trees/${v1.id}?version=1`, token: tech })).json();
      expect(old).toMatchObject({ version: 1, current_version: 2 });
      expect(old.nodes).toHaveLength(4);
      expect((await t.request({ method: 'GET', url: `/api/v1/trees/${v1.id}?version=9`, token: tech })).statusCode).toBe(404);

      const versions = (await t.request({ method: 'GET', url: `/api/v1/trees/${v1.id}/versions`, token: tech })).json();
      expect(versions.items.map((v: { version: number }) => v.version)).toEqual([2, 1]);
      expect(versions.items[0]).toMatchObject({ node_count: 5, change_note: 'Added a branch' });

      const diff = (await t.request({ method: 'GET', url: `/api/v1/trees/${v1.id}/compare?from=1&to=2`, token: tech })).json();
      expect(diff).toEqual({ from: 1, to: 2, fields_changed: [], added: ['s2'], removed: [], changed: ['q1', 'a1'] });

      const restored = await t.request({ method: 'POST', url: `/api/v1/trees/${v1.id}/restore`, token: engineer, body: { version: 1, base_version: 2 } });
      expect(restored.statusCode).toBe(200);
      expect(restored.json()).toMatchObject({ version: 3, change_note: 'Restored version 1' });
      expect(restored.json().nodes).toEqual(old.nodes);
    });

    it('technicians see only published versions; a restore brings content back but keeps the status', async () => {
      const tree = (await create(smallTree({ title: 'Draft history', status: 'draft' }))).json();
      await t.request({ method: 'PUT', url: `/api/v1/trees/${tree.id}`, token: engineer, body: { ...smallTree({ title: 'Draft history' }), status: 'published', base_version: 1 } });
      expect((await t.request({ method: 'GET', url: `/api/v1/trees/${tree.id}`, token: tech })).statusCode).toBe(200);
      expect((await t.request({ method: 'GET', url: `/api/v1/trees/${tree.id}?version=1`, token: tech })).statusCode).toBe(404);
      expect((await t.request({ method: 'GET', url: `/api/v1/trees/${tree.id}/compare?from=1&to=2`, token: tech })).statusCode).toBe(404);
      const versions = (await t.request({ method: 'GET', url: `/api/v1/trees/${tree.id}/versions`, token: tech })).json();
      expect(versions.items.map((v: { version: number }) => v.version)).toEqual([2]);
      const restored = await t.request({ method: 'POST', url: `/api/v1/trees/${tree.id}/restore`, token: engineer, body: { version: 1, base_version: 2 } });
      expect(restored.json()).toMatchObject({ version: 3, status: 'published' });
    });

    it('saving over a newer version is 409, and two saves from one base cannot both land', async () => {
      const tree = (await create(smallTree({ title: 'Shared mailbox missing' }))).json();
      const body = (title: string) => ({ ...smallTree({ title }), base_version: 1 });
      const [a, b] = await Promise.all([
        t.request({ method: 'PUT', url: `/api/v1/trees/${tree.id}`, token: engineer, body: body('Edit by Sam') }),
        t.request({ method: 'PUT', url: `/api/v1/trees/${tree.id}`, token: admin, body: body('Edit by Morgan') }),
      ]);
      expect([a.statusCode, b.statusCode].sort()).toEqual([200, 409]);
      const loser = a.statusCode === 409 ? a : b;
      expect(loser.json().detail).toMatch(/version 2 is the newest/);
      const now = (await t.request({ method: 'GET', url: `/api/v1/trees/${tree.id}`, token: engineer })).json();
      expect(now.current_version).toBe(2);
    });
  });

  describe('several servers', () => {
    it("a second server sees another's tree changes at once: reads, search and new sessions", async () => {
      // Its own caches, the same database: as a second process would be.
      const other = await buildApp({ config: testConfig(), database: t.database, logger: false, jobs: { pollingIntervalSeconds: 0.5, backstopSeconds: 0.5 } });
      await other.ready();
      try {
        const onOther = (method: 'GET' | 'POST', url: string, body?: object) =>
          other.inject({ method, url, headers: { authorization: `Bearer ${tech}` }, ...(body && { payload: body }) });
        const tree = (await create(smallTree({ title: 'Thunderbolt station ethernet' }))).json();
        // Read there first, so its caches hold the first version.
        expect((await onOther('GET', `/api/v1/trees/${tree.id}`)).json()).toMatchObject({ title: 'Thunderbolt station ethernet', version: 1 });
        const found = async (q: string) => (await onOther('GET', `/api/v1/trees/search?q=${q}`)).json().items.map((i: { id: string }) => i.id);
        expect(await found('thunderbolt')).toContain(tree.id);
        expect(await found('kensington')).not.toContain(tree.id);

        const saved = await t.request({
          method: 'PUT',
          url: `/api/v1/trees/${tree.id}`,
          token: engineer,
          body: { ...smallTree({ title: 'Kensington dock network drops' }), base_version: 1 },
        });
        expect(saved.statusCode).toBe(200);
        expect((await onOther('GET', `/api/v1/trees/${tree.id}`)).json()).toMatchObject({ title: 'Kensington dock network drops', version: 2, current_version: 2 });
        expect(await found('thunderbolt')).not.toContain(tree.id);
        expect(await found('kensington')).toContain(tree.id);
        const started = await onOther('POST', '/api/v1/sessions', { tree_id: tree.id });
        expect(started.json()).toMatchObject({ tree_version: 2 });

        // Unpublished here: gone for technicians there.
        await t.request({ method: 'PUT', url: `/api/v1/trees/${tree.id}`, token: engineer, body: { ...smallTree({ title: 'Kensington dock network drops' }), status: 'draft', base_version: 2 } });
        expect((await onOther('GET', `/api/v1/trees/${tree.id}`)).statusCode).toBe(404);
        expect((await onOther('POST', '/api/v1/sessions', { tree_id: tree.id })).statusCode).toBe(404);
      } finally {
        await other.close();
      }
    });
  });

  describe('delete', () => {
    it('a save linking to a tree that is being deleted at that moment is refused, not left dangling', async () => {
      const target = (await create(smallTree({ title: 'About to go' }))).json();
      const linking = smallTree({ title: 'Links to a goner', nodes: [...smallTree().nodes.slice(0, 3), { id: 'e1', kind: 'link', title: 'Go', tree_id: target.id }] });
      let save: Promise<{ statusCode: number }> | undefined;
      await t.database.db.transaction(async (tx) => {
        await tx.execute(sql`select id from trees where id = ${target.id} for update`);
        save = create(linking);
        await new Promise((r) => setTimeout(r, 300));
        await tx.execute(sql`delete from trees where id = ${target.id}`);
      });
      const res = await save!;
      expect(res.statusCode).toBe(422);
      const list = (await t.request({ method: 'GET', url: '/api/v1/trees?limit=200', token: engineer })).json();
      expect(list.items.some((i: { title: string }) => i.title === 'Links to a goner')).toBe(false);
    });

    it('admins delete; a tree other trees link to is refused', async () => {
      const target = (await create(smallTree({ title: 'Link target' }))).json();
      const linker = (
        await create(smallTree({ title: 'Links away', nodes: [...smallTree().nodes.slice(0, 3), { id: 'e1', kind: 'link', title: 'Continue there', tree_id: target.id }] }))
      ).json();
      const refused = await t.request({ method: 'DELETE', url: `/api/v1/trees/${target.id}`, token: admin });
      expect(refused.statusCode).toBe(409);
      expect(refused.json().detail).toContain('Links away');
      expect((await t.request({ method: 'DELETE', url: `/api/v1/trees/${linker.id}`, token: admin })).statusCode).toBe(204);
      expect((await t.request({ method: 'DELETE', url: `/api/v1/trees/${target.id}`, token: admin })).statusCode).toBe(204);
      expect((await t.request({ method: 'GET', url: `/api/v1/trees/${target.id}`, token: admin })).statusCode).toBe(404);
    });
  });

  describe('search', () => {
    const search = async (q: string, token = tech) => {
      const res = await t.request({ method: 'GET', url: `/api/v1/trees/search?q=${encodeURIComponent(q)}`, token });
      expect(res.statusCode).toBe(200);
      return res.json() as { items: { title: string; match: { node_id: string | null; snippet: string } }[]; total: number; corrected_terms: string[] };
    };

    it.each([
      ['printer offline', /printer/i],
      ['printr ofline', /printer/i],
      ['outlok wont open', /outlook/i],
      ['vpn', /vpn/i],
      ['blu scren', /blue screen/i],
      ['acount lockd out', /locked out/i],
      ['wifi droping', /wi-fi/i],
      ['mapped drvie', /mapped/i],
    ])('"%s" finds the right tree first', async (q, title) => {
      const result = await search(q);
      expect(result.items.length, JSON.stringify(result)).toBeGreaterThan(0);
      expect(result.items[0]!.title).toMatch(title);
    });

    it('all words may be spread over the tree and one of its steps', async () => {
      const result = await search('printer spooler');
      expect(result.items[0]!.title).toMatch(/printer/i);
      expect(result.items[0]!.match.node_id).not.toBeNull();
    });

    it('a known word is not "corrected" into other words', async () => {
      expect((await search('outlook')).corrected_terms).toEqual([]);
    });

    it('pages agree with each other', async () => {
      const first = (await t.request({ method: 'GET', url: '/api/v1/trees/search?q=check%20zzzzqx&limit=2', token: tech })).json();
      const second = (await t.request({ method: 'GET', url: '/api/v1/trees/search?q=check%20zzzzqx&limit=2&offset=2', token: tech })).json();
      expect(first.total).toBeGreaterThan(2);
      expect(second.total).toBe(first.total);
      expect(second.items.map((i: { id: string }) => i.id)).not.toContain(first.items[0].id);
    });

    it('reports the corrections it tried for a misspelling', async () => {
      const result = await search('printr');
      expect(result.corrected_terms).toContain('printer');
    });

    it('finds words that are only in a node body, naming the node, with a highlighted snippet', async () => {
      const result = await search('spooler');
      expect(result.items[0]!.title).toMatch(/printer/i);
      expect(result.items[0]!.match.node_id).not.toBeNull();
      expect(result.items[0]!.match.snippet).toMatch(/<mark>spooler<\/mark>/i);
    });

    it('snippets are escaped: markup in a tree is text, only <mark> is HTML', async () => {
      await create(
        smallTree({
          title: 'Kiosk browser',
          nodes: smallTree().nodes.map((n) =>
            n.id === 'a1' ? { ...n, body: 'Run <script>alert(1)</script><img src=x onerror=alert(2)> kioskreset for R&D "lab" when 5 > 3' } : n,
          ),
        }),
      );
      const snippet = (await search('kioskreset')).items[0]!.match.snippet;
      expect(snippet).toContain('<mark>kioskreset</mark>');
      expect(snippet).toContain('R&amp;D &quot;lab&quot;');
      expect(snippet.replace(/<\/?mark>/g, '')).not.toMatch(/[<>]/);
    });

    it('drafts are found by authors, not by technicians; filters narrow the results', async () => {
      await create(smallTree({ title: 'Zebra label printer calibration', status: 'draft', category: 'Printing', tags: ['zebra'] }));
      expect((await search('zebra calibration', engineer)).items[0]?.title).toBe('Zebra label printer calibration');
      expect((await search('zebra calibration', tech)).items.some((i) => i.title.startsWith('Zebra'))).toBe(false);
      const filtered = await t.request({ method: 'GET', url: '/api/v1/trees/search?q=printer&tag=zebra&status=draft', token: engineer });
      expect(filtered.json().items.map((i: { title: string }) => i.title)).toEqual(['Zebra label printer calibration']);
    });

    it('a query of only punctuation finds nothing, and an empty one is 422', async () => {
      expect((await search('?!')).items).toEqual([]);
      expect((await t.request({ method: 'GET', url: '/api/v1/trees/search?q=', token: tech })).statusCode).toBe(422);
    });

    it('runs on indexes, not table scans', async () => {
      // A lexicon the size of a large library, so the planner has a reason to choose.
      const [team] = await queryRows<{ id: string }>(t.database.db, sql`select id from teams limit 1`);
      const teamId = team!.id;
      await t.database.db.execute(
        sql`insert into search_lexicon (team_id, word) select ${teamId}, 'word' || i || md5(i::text) from generate_series(1, 30000) i on conflict do nothing`,
      );
      await t.database.db.execute(sql`analyze search_lexicon`);
      const plans: string[] = [];
      await t.database.db.transaction(async (tx) => {
        await tx.execute(sql`set local enable_seqscan = off`);
        for (const q of [
          sql`explain select node_id from tree_search_nodes where search_vector @@ to_tsquery('english', 'printer')`,
          sql`explain select id from trees where search_vector @@ to_tsquery('english', 'printer')`,
        ]) {
          plans.push((await queryRows<{ 'QUERY PLAN': string }>(tx, q)).map((r) => r['QUERY PLAN']).join('\n'));
        }
      });
      expect(plans[0]).toContain('tree_search_nodes_search_idx');
      expect(plans[1]).toContain('trees_search_idx');
      const lexiconPlan = (await queryRows<{ 'QUERY PLAN': string }>(t.database.db, sql`explain select word from search_lexicon where word % 'printr'`))
        .map((r) => r['QUERY PLAN'])
        .join('\n');
      expect(lexiconPlan).toContain('search_lexicon_word_trgm_idx');
    });
  });

  describe('import and export', () => {
    it('a tree exported as JSON imports back with the same graph', async () => {
      const demo = (await t.request({ method: 'GET', url: '/api/v1/trees?limit=1', token: engineer })).json().items[0];
      const exported = await t.request({ method: 'GET', url: `/api/v1/trees/${demo.id}/export?format=json`, token: engineer });
      expect(exported.headers['content-type']).toMatch(/application\/json/);
      expect(exported.headers['content-disposition']).toMatch(/attachment; filename=".+\.json"/);
      const report = (await t.request({ method: 'POST', url: '/api/v1/trees/import', token: engineer, body: { content: exported.body } })).json();
      expect(report).toMatchObject({ created: 1, failed: 0 });
      const original = (await t.request({ method: 'GET', url: `/api/v1/trees/${demo.id}`, token: engineer })).json();
      const copy = (await t.request({ method: 'GET', url: `/api/v1/trees/${report.results[0].tree_id}`, token: engineer })).json();
      expect(copy.nodes).toEqual(original.nodes);
      expect(copy.root_node_id).toBe(original.root_node_id);
    });

    it('a Mermaid export imports back with the same graph', async () => {
      const demo = (await t.request({ method: 'GET', url: '/api/v1/trees?limit=1&offset=2', token: engineer })).json().items[0];
      const exported = await t.request({ method: 'GET', url: `/api/v1/trees/${demo.id}/export?format=mermaid`, token: engineer });
      expect(exported.body.split('\n')).toContain('flowchart TD');
      const report = (await t.request({ method: 'POST', url: '/api/v1/trees/import', token: engineer, body: { format: 'mermaid', content: exported.body } })).json();
      expect(report.created).toBe(1);
      const original = (await t.request({ method: 'GET', url: `/api/v1/trees/${demo.id}`, token: engineer })).json();
      const copy = (await t.request({ method: 'GET', url: `/api/v1/trees/${report.results[0].tree_id}`, token: engineer })).json();
      expect(copy).toMatchObject({ title: original.title, category: original.category, root_node_id: original.root_node_id, status: 'draft' });
      expect(copy.nodes).toEqual(original.nodes);
    });

    it('a bundle with one bad tree imports the others whole and reports the bad one; links inside the bundle are kept', async () => {
      const a = randomUUID();
      const bundle = {
        format: 'flowpilot.trees',
        version: 1,
        trees: [
          smallTree({ id: a, title: 'Bundle: target' }),
          smallTree({ title: 'Bundle: links to target', nodes: [...smallTree().nodes.slice(0, 3), { id: 'e1', kind: 'link', title: 'Continue', tree_id: a }] }),
          smallTree({ title: 'Bundle: broken', root_node_id: 'missing' }),
          { title: 'Bundle: not even a tree' },
        ],
      };
      const res = await t.request({ method: 'POST', url: '/api/v1/trees/import', token: engineer, body: { content: bundle, status: 'draft' } });
      expect(res.statusCode).toBe(200);
      const report = res.json();
      expect(report).toMatchObject({ created: 2, failed: 2 });
      expect(report.results.map((r: { status: string }) => r.status)).toEqual(['created', 'created', 'failed', 'failed']);
      expect(report.results[2].errors[0].code).toBe('missing_root');
      expect(report.results[3].errors.length).toBeGreaterThan(0);
      const linker = (await t.request({ method: 'GET', url: `/api/v1/trees/${report.results[1].tree_id}`, token: engineer })).json();
      expect(linker.nodes.find((n: { id: string }) => n.id === 'e1').tree_id).toBe(report.results[0].tree_id);
      expect(linker.status).toBe('draft');
      const all = (await t.request({ method: 'GET', url: '/api/v1/trees?limit=200&status=draft', token: engineer })).json();
      expect(all.items.some((i: { title: string }) => i.title === 'Bundle: broken')).toBe(false);
    });

    it('a tree linking to a broken tree of the same bundle fails too', async () => {
      const bad = randomUUID();
      const bundle = {
        format: 'flowpilot.trees',
        version: 1,
        trees: [
          smallTree({ id: bad, title: 'Broken target', root_node_id: 'missing' }),
          smallTree({ title: 'Points at broken', nodes: [...smallTree().nodes.slice(0, 3), { id: 'e1', kind: 'link', title: 'Go', tree_id: bad }] }),
        ],
      };
      const report = (await t.request({ method: 'POST', url: '/api/v1/trees/import', token: engineer, body: { content: bundle } })).json();
      expect(report).toMatchObject({ created: 0, failed: 2 });
      expect(report.results[1].errors[0].code).toBe('unknown_link_target');
    });

    it('the library exports as one bundle that imports into another team', async () => {
      const bundle = await t.request({ method: 'GET', url: '/api/v1/trees/export', token: engineer });
      expect(bundle.statusCode).toBe(200);
      const parsed = JSON.parse(bundle.body);
      expect(parsed.format).toBe('flowpilot.trees');
      expect(parsed.trees.length).toBeGreaterThanOrEqual(DEMO_TREES.length);
      await t.request({ method: 'POST', url: '/api/v1/auth/register', body: { email: 'boss@newmsp.example', password: 'new-msp-pass', full_name: 'Nina New', team_name: 'New MSP' } });
      const other = await t.login('boss@newmsp.example', 'new-msp-pass');
      const report = (await t.request({ method: 'POST', url: '/api/v1/trees/import', token: other, body: { content: bundle.body } })).json();
      expect(report.failed).toBe(0);
      expect(report.created).toBe(parsed.trees.length);
      const theirs = (await t.request({ method: 'GET', url: '/api/v1/trees/search?q=printr', token: other })).json();
      expect(theirs.items[0].title).toMatch(/printer/i);
    });

    it('unreadable imports are 422, not 500', async () => {
      for (const body of [
        { content: '{not json' },
        { format: 'mermaid', content: 'this is not a flowchart' },
        { format: 'mermaid', content: { nodes: [] } },
      ]) {
        const res = await t.request({ method: 'POST', url: '/api/v1/trees/import', token: engineer, body });
        expect([400, 422], JSON.stringify(body)).toContain(res.statusCode);
      }
    });

    it('generated valid trees survive create and JSON export unchanged', async () => {
      await fc.assert(
        fc.asyncProperty(validTree({ maxNodes: 12, linkTargets: DEMO_TREES.map((d) => d.id) }), async (tree) => {
          const created = await create({ ...tree, status: 'draft' });
          expect(created.statusCode, JSON.stringify(created.json())).toBe(201);
          const exported = await t.request({ method: 'GET', url: `/api/v1/trees/${created.json().id}/export`, token: engineer });
          const back = JSON.parse(exported.body);
          expect(back.nodes).toEqual(tree.nodes);
          expect(back.root_node_id).toBe(tree.root_node_id);
        }),
        { numRuns: 15 },
      );
    });
  });
});

describe('GET /trees/{id}', () => {
  it('answers exactly the TreeResponse schema, for the newest and an old version', async () => {
    const { TreeResponse } = await import('@flowpilot/contracts');
    const t = await createTestApp('pglite');
    try {
      const token = await t.tokenFor('engineer');
      const created = (await t.request({ method: 'POST', url: '/api/v1/trees', token, body: smallTree({ title: 'Schema check' }) })).json();
      await t.request({ method: 'PUT', url: `/api/v1/trees/${created.id}`, token, body: { ...smallTree({ title: 'Schema check v2' }), base_version: 1 } });
      for (const url of [`/api/v1/trees/${created.id}`, `/api/v1/trees/${created.id}?version=1`, `/api/v1/trees/${created.id}?version=1`]) {
        const res = await t.request({ method: 'GET', url, token });
        expect(res.statusCode).toBe(200);
        expect(res.headers['content-type']).toMatch(/^application\/json/);
        const body = res.json();
        expect(TreeResponse.strict().parse(body)).toEqual(body);
      }
      const latestRes = await t.request({ method: 'GET', url: `/api/v1/trees/${created.id}`, token });
      const latest = latestRes.json();
      expect(latest).toMatchObject({ title: 'Schema check v2', version: 2, current_version: 2 });
      // A client that has it already gets 304 without the body, until the tree changes.
      const etag = latestRes.headers.etag as string;
      const again = await t.request({ method: 'GET', url: `/api/v1/trees/${created.id}`, token, headers: { 'if-none-match': etag } });
      expect(again.statusCode).toBe(304);
      expect(again.body).toBe('');
      await t.request({ method: 'PUT', url: `/api/v1/trees/${created.id}`, token, body: { ...smallTree({ title: 'Schema check v3' }), base_version: 2 } });
      const changed = await t.request({ method: 'GET', url: `/api/v1/trees/${created.id}`, token, headers: { 'if-none-match': etag } });
      expect(changed.statusCode).toBe(200);
      expect(changed.json().title).toBe('Schema check v3');
      const old = (await t.request({ method: 'GET', url: `/api/v1/trees/${created.id}?version=1`, token })).json();
      expect(old).toMatchObject({ title: 'Schema check', version: 1, current_version: 3 });
    } finally {
      await t.close();
    }
  });
});

describe('search results after a change', () => {
  it('a saved, imported or deleted tree shows in (or leaves) the very next search, on every process', async () => {
    const t = await createTestApp('pglite');
    try {
      const engineer = await t.tokenFor('engineer');
      const admin = await t.tokenFor('admin');
      // A second app on the same database stands in for a second server process.
      const { buildApp } = await import('../../app.ts');
      const { testConfig } = await import('../../../test/harness.ts');
      const other = await buildApp({ config: testConfig(), database: t.database, logger: false });
      const find = async (app: typeof t.app, q: string) =>
        (await app.inject({ method: 'GET', url: `/api/v1/trees/search?q=${q}`, headers: { authorization: `Bearer ${engineer}` } })).json()
          .items.map((i: { title: string }) => i.title);
      expect(await find(other, 'xylophone')).not.toContain('Xylophone kiosk reboot');
      expect(await find(t.app, 'xylophone')).not.toContain('Xylophone kiosk reboot');
      const created = (await t.request({ method: 'POST', url: '/api/v1/trees', token: engineer, body: smallTree({ title: 'Xylophone kiosk reboot' }) })).json();
      expect((await find(other, 'xylophone'))[0]).toBe('Xylophone kiosk reboot');
      await t.request({ method: 'PUT', url: `/api/v1/trees/${created.id}`, token: engineer, body: { ...smallTree({ title: 'Marimba kiosk reboot' }), base_version: 1 } });
      expect(await find(other, 'xylophone')).not.toContain('Xylophone kiosk reboot');
      expect((await find(t.app, 'marimba'))[0]).toBe('Marimba kiosk reboot');
      await t.request({ method: 'DELETE', url: `/api/v1/trees/${created.id}`, token: admin });
      expect(await find(other, 'marimba')).not.toContain('Marimba kiosk reboot');
      await other.close();
    } finally {
      await t.close();
    }
  });
});
