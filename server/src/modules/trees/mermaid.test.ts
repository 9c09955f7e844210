import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validateTreeGraph } from '@flowpilot/contracts';
import { validTree } from '../../../test/arbitraries.ts';
import { MermaidParseError, mermaidToTree, treeToMermaid } from './mermaid.ts';

describe('Mermaid flowcharts', () => {
  it('the generator makes valid trees (so the round-trip properties mean something)', () => {
    fc.assert(
      fc.property(validTree(), (tree) => {
        expect(validateTreeGraph(tree).errors).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it('a round trip keeps the whole tree: ids, kinds, titles, answers, bodies, links, positions, start node', () => {
    fc.assert(
      fc.property(validTree(), (tree) => {
        const back = mermaidToTree(treeToMermaid(tree));
        expect(back).toEqual(tree);
      }),
      { numRuns: 300 },
    );
  });

  it('reads a flowchart an engineer drew by hand', () => {
    const tree = mermaidToTree(
      `flowchart TD
        A{Is the printer on?} -->|Yes| B[Print a test page]
        A -->|No| C[Switch it on]
        C --> D([Printer works])
        B --> E{Did it print?}
        E -- Yes --> D
        E -- No --> F[Escalate to the print team]
        style A fill:#f9f`,
      { category: 'Printing' },
    );
    expect(tree.root_node_id).toBe('A');
    expect(tree.category).toBe('Printing');
    const byId = Object.fromEntries(tree.nodes.map((n) => [n.id, n]));
    expect(byId.A).toMatchObject({ kind: 'question', title: 'Is the printer on?', options: [{ label: 'Yes', next: 'B' }, { label: 'No', next: 'C' }] });
    expect(byId.B).toMatchObject({ kind: 'action', next: 'E' });
    expect(byId.D).toMatchObject({ kind: 'solution', title: 'Printer works' });
    expect(byId.E).toMatchObject({ kind: 'question', options: [{ label: 'Yes', next: 'D' }, { label: 'No', next: 'F' }] });
    expect(byId.F).toMatchObject({ kind: 'escalate' });
    expect(validateTreeGraph(tree).valid).toBe(true);
  });

  it('says which line it cannot read', () => {
    expect(() => mermaidToTree('A --> B')).toThrow(MermaidParseError);
    expect(() => mermaidToTree('flowchart TD\n  A[Start] -->\n')).toThrow(/Line 2: an arrow leads nowhere/);
    expect(() => mermaidToTree('flowchart TD\n  A["unclosed]\n')).toThrow(/Line 2/);
    expect(() => mermaidToTree('flowchart TD\n')).toThrow(/no nodes/);
  });

  it('never throws anything but a parse error on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => {
        try {
          mermaidToTree(`flowchart TD\n${text}`);
        } catch (err) {
          expect(err).toBeInstanceOf(MermaidParseError);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('Mermaid input that must not hurt', () => {
  it('reads a very long line of spaces in linear time', () => {
    expect(() => mermaidToTree(`flowchart TD\nA[x] --${' '.repeat(200_000)}y`)).toThrow(MermaidParseError);
  });

  it('keeps entities PostgreSQL cannot store as text, and ignores a flowpilot comment that is not an object', () => {
    const tree = mermaidToTree('flowchart TD\n  %% flowpilot:tree null\n  %% flowpilot:node A 42\n  A["nul #0; half #55296; ok #35;"] --> B([Done])\n');
    expect(tree.nodes[0]!.title).toBe('nul #0; half #55296; ok #');
    expect(tree.category).toBe('Imported');
  });

  it('a broken title is a parse error, not a crash', () => {
    expect(() => mermaidToTree('---\ntitle: "unterminated\n---\nflowchart TD\n  A --> B\n')).toThrow(MermaidParseError);
  });
});
