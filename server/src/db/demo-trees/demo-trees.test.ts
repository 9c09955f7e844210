import { describe, expect, it } from 'vitest';
import { CreateTreeBody, validateTreeGraph } from '@flowpilot/contracts';
import { DEMO_TREES } from './index.ts';

describe('demo trees', () => {
  const ids = new Set(DEMO_TREES.map((t) => t.id));
  it.each(DEMO_TREES.map((t) => [t.title, t] as const))('%s is valid, published and substantial', (_title, tree) => {
    const body = CreateTreeBody.parse(tree);
    expect(validateTreeGraph(body, { knownTreeIds: ids, treeId: tree.id })).toEqual({ valid: true, errors: [], warnings: [] });
    expect(body.status).toBe('published');
    expect(body.nodes.length).toBeGreaterThanOrEqual(12);
    const kinds = new Set(body.nodes.map((n) => n.kind));
    for (const kind of ['question', 'action', 'solution', 'escalate']) expect(kinds).toContain(kind);
  });

  it('there are at least ten, with unique ids and titles', () => {
    expect(DEMO_TREES.length).toBeGreaterThanOrEqual(10);
    expect(ids.size).toBe(DEMO_TREES.length);
    expect(new Set(DEMO_TREES.map((t) => t.title)).size).toBe(DEMO_TREES.length);
  });
});
