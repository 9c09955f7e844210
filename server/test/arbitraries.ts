import fc from 'fast-check';
import type { TreeNode } from '@flowpilot/contracts';

const title = fc
  .string({ minLength: 1, maxLength: 40, unit: 'grapheme' })
  .map((s) => s.replace(/[\r\n\t]/g, ' ').trim())
  .filter((s) => s.length > 0);

const nodeId = fc.oneof(
  { weight: 5, arbitrary: fc.stringMatching(/^[a-z][a-z0-9]{0,6}(-[a-z0-9]{1,5})?$/) },
  { weight: 1, arbitrary: fc.stringMatching(/^[A-Za-z0-9_-]{1,10}$/) },
  { weight: 1, arbitrary: fc.constantFrom('end', 'graph', 'subgraph', 'x--y', 'trail-', 'fp_n1', 'class', '_') },
);

export interface GeneratedTree {
  title: string;
  description: string;
  category: string;
  tags: string[];
  root_node_id: string;
  nodes: TreeNode[];
}

/**
 * Valid decision trees: forward edges from the root so every node is
 * reachable, every non-terminal leads on, the sinks are terminals; plus some
 * back edges from questions (loops that still have a way out).
 */
export const validTree = (opts: { linkTargets?: string[]; maxNodes?: number } = {}): fc.Arbitrary<GeneratedTree> =>
  fc
    .uniqueArray(nodeId, { minLength: 2, maxLength: opts.maxNodes ?? 25, selector: (s) => s })
    .chain((ids) => {
      const n = ids.length;
      return fc
        .record({
          kinds: fc.array(fc.constantFrom('question', 'action', 'link', 'solution', 'escalate'), { minLength: n, maxLength: n }),
          parents: fc.array(fc.nat(), { minLength: n, maxLength: n }),
          extra: fc.array(fc.array(fc.nat(), { maxLength: 3 }), { minLength: n, maxLength: n }),
          titles: fc.array(title, { minLength: n, maxLength: n }),
          labels: fc.array(fc.array(title, { minLength: 4, maxLength: 4 }), { minLength: n, maxLength: n }),
          bodies: fc.array(fc.option(fc.string({ maxLength: 80 }), { nil: undefined }), { minLength: n, maxLength: n }),
          positions: fc.array(fc.option(fc.record({ x: fc.integer({ min: -2000, max: 2000 }), y: fc.integer({ min: -2000, max: 2000 }) }), { nil: undefined }), { minLength: n, maxLength: n }),
          meta: fc.record({ title, description: fc.string({ maxLength: 60 }), category: title, tags: fc.uniqueArray(fc.stringMatching(/^[a-z]{2,8}$/), { maxLength: 4 }) }),
          linkTarget: fc.constantFrom(...(opts.linkTargets?.length ? opts.linkTargets : ['00000000-0000-4000-8000-000000000001'])),
        })
        .map(({ kinds, parents, extra, titles, labels, bodies, positions, meta, linkTarget }) => {
          // children[i]: forward successors of i; every j > 0 hangs off an earlier node.
          const children: number[][] = ids.map(() => []);
          for (let j = 1; j < n; j++) children[parents[j]! % j]!.push(j);
          const kindOf = (i: number): TreeNode['kind'] => {
            const k = kinds[i]!;
            if (i === n - 1 && children[i]!.length === 0) return k === 'escalate' ? 'escalate' : 'solution';
            if (children[i]!.length > 0 && (k === 'solution' || k === 'escalate')) return 'question';
            if (children[i]!.length > 1) return 'question';
            return k;
          };
          const nodes: TreeNode[] = ids.map((id, i) => {
            let kind = kindOf(i);
            const base = {
              id,
              title: titles[i]!,
              ...(bodies[i] !== undefined && { body: bodies[i] }),
              ...(positions[i] !== undefined && { position: positions[i] }),
            };
            if (children[i]!.length === 0 && (kind === 'question' || kind === 'action')) kind = i % 2 ? 'solution' : 'escalate';
            const forward = children[i]!.length ? children[i]! : [];
            switch (kind) {
              case 'question': {
                const targets = [...forward, ...extra[i]!.map((e) => e % n)];
                const seen = new Set<string>();
                const options = targets
                  .map((t, k) => ({ label: `${labels[i]![k % 4]}${k >= 4 ? ` ${k}` : ''}`, next: ids[t]! }))
                  .filter((o) => {
                    const key = o.label.trim().toLowerCase();
                    if (seen.has(key)) return false;
                    seen.add(key);
                    return true;
                  });
                // Keep every forward child reachable even if a label collided.
                for (const t of forward) if (!options.some((o) => o.next === ids[t])) options.push({ label: `to ${ids[t]}`, next: ids[t]! });
                return { ...base, kind, options };
              }
              case 'action':
                return { ...base, kind, next: ids[forward[0]!]! };
              case 'link':
                return forward.length
                  ? { ...base, kind, tree_id: linkTarget, next: ids[forward[0]!]! }
                  : { ...base, kind, tree_id: linkTarget };
              default:
                return { ...base, kind };
            }
          });
          return { ...meta, root_node_id: ids[0]!, nodes };
        });
    });
