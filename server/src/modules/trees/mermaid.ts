import type { NodeKind, TreeNode } from '@flowpilot/contracts';

/**
 * Mermaid `flowchart` text, both ways. Export writes one shape per node kind
 * and keeps what Mermaid cannot show (bodies, link targets, positions, the
 * start node) in `%% flowpilot:` comments, which Mermaid ignores, so a round
 * trip keeps the whole tree. Import also reads flowcharts engineers drew by
 * hand: the shape and the edges decide each node's kind.
 */

const SHAPE_OF: Record<NodeKind, [string, string]> = {
  question: ['{', '}'],
  action: ['[', ']'],
  solution: ['([', '])'],
  escalate: ['[[', ']]'],
  link: ['[/', '/]'],
};

/** Openers, longest first, with their closers. */
const SHAPES: { open: string; close: string; shape: string }[] = [
  { open: '([', close: '])', shape: 'stadium' },
  { open: '[[', close: ']]', shape: 'subroutine' },
  { open: '[(', close: ')]', shape: 'cylinder' },
  { open: '[/', close: '/]', shape: 'parallelogram' },
  { open: '[\\', close: '\\]', shape: 'parallelogram-alt' },
  { open: '((', close: '))', shape: 'circle' },
  { open: '{{', close: '}}', shape: 'hexagon' },
  { open: '[', close: ']', shape: 'rect' },
  { open: '(', close: ')', shape: 'round' },
  { open: '{', close: '}', shape: 'rhombus' },
  { open: '>', close: ']', shape: 'asymmetric' },
];

const KEYWORDS = new Set(['end', 'graph', 'flowchart', 'subgraph', 'style', 'class', 'classdef', 'click', 'linkstyle', 'default', 'direction']);

export interface MermaidTree {
  title: string;
  description: string;
  category: string;
  tags: string[];
  root_node_id: string;
  nodes: TreeNode[];
}

function escapeLabel(text: string): string {
  return text
    .replace(/#/g, '#35;')
    .replace(/"/g, '#quot;')
    .replace(/\|/g, '#124;')
    .replace(/[\u2028\u2029]/g, (c) => `#${c.charCodeAt(0)};`)
    .replace(/[\r\n]+/g, ' ');
}

/** JSON on one comment line: U+2028/U+2029 would read as line ends to some tools, so they are escaped too. */
function jsonLine(value: unknown): string {
  return JSON.stringify(value).replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

function unescapeLabel(text: string): string {
  return text
    .replace(/#quot;/g, '"')
    .replace(/#(\d{1,7});/g, (whole, code: string) => {
      const n = Number(code);
      // NUL and surrogate halves cannot be stored: leave the entity as text.
      return n > 0 && n <= 0x10ffff && (n < 0xd800 || n > 0xdfff) ? String.fromCodePoint(n) : whole;
    })
    .trim();
}

/** Mermaid text for a tree. */
export function treeToMermaid(tree: MermaidTree): string {
  const idFor = new Map<string, string>();
  // Ids Mermaid would misread (keywords, "--", a trailing "-") are written as fp_nN; the real id rides along in a comment.
  tree.nodes.forEach((node, index) => {
    const safe = !KEYWORDS.has(node.id.toLowerCase()) && /^[A-Za-z0-9_]+(?:-[A-Za-z0-9_]+)*$/.test(node.id) && !/^fp_n\d+$/.test(node.id);
    idFor.set(node.id, safe ? node.id : `fp_n${index}`);
  });
  const lines = ['---', `title: ${jsonLine(tree.title)}`, '---', 'flowchart TD'];
  lines.push(
    `  %% flowpilot:tree ${jsonLine({ description: tree.description, category: tree.category, tags: tree.tags })}`,
    `  %% flowpilot:root ${idFor.get(tree.root_node_id) ?? tree.root_node_id}`,
  );
  for (const node of tree.nodes) {
    const written = idFor.get(node.id)!;
    const extra: Record<string, unknown> = {};
    if (written !== node.id) extra.id = node.id;
    if (node.body !== undefined) extra.body = node.body;
    if (node.position) extra.position = node.position;
    if (node.kind === 'link') extra.tree_id = node.tree_id;
    if (Object.keys(extra).length) lines.push(`  %% flowpilot:node ${written} ${jsonLine(extra)}`);
  }
  for (const node of tree.nodes) {
    const [open, close] = SHAPE_OF[node.kind];
    lines.push(`  ${idFor.get(node.id)}${open}"${escapeLabel(node.title)}"${close}`);
  }
  for (const node of tree.nodes) {
    const from = idFor.get(node.id)!;
    if (node.kind === 'question') {
      for (const o of node.options) lines.push(`  ${from} -->|"${escapeLabel(o.label)}"| ${idFor.get(o.next) ?? o.next}`);
    } else if ((node.kind === 'action' || node.kind === 'link') && node.next) {
      lines.push(`  ${from} --> ${idFor.get(node.next) ?? node.next}`);
    }
  }
  return lines.join('\n') + '\n';
}

export class MermaidParseError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(`Line ${line}: ${message}`);
  }
}

interface ParsedNode {
  id: string;
  label: string | null;
  shape: string | null;
  order: number;
}

interface ParsedEdge {
  from: string;
  to: string;
  label: string | null;
}

const ID = /^[A-Za-z0-9_\u00C0-\uFFFF]+(?:[-.][A-Za-z0-9_\u00C0-\uFFFF]+)*/;
const ARROW = /^\s*(?:<)?(-{2,}>|={2,}>|-\.+->|-{3,}|={3,}|--[xo]|~~~)\s*(?:\|([^|]*)\|)?\s*/;
// Bounded repetitions: a line of many spaces must not make matching quadratic.
const TEXT_ARROW = /^\s{0,20}(--|==|-\.)\s{1,20}([^-=.>\s][^>]{0,300}?)\s{1,20}(-{2,}>|={2,}>|\.->|-{3,}|={3,})\s{0,20}/;

function sanitizeId(raw: string): string {
  const clean = raw.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64);
  return clean || 'node';
}

/** Parses flowchart text into a tree; throws MermaidParseError for what it cannot read. */
export function mermaidToTree(text: string, defaults: { title?: string; category?: string } = {}): MermaidTree {
  let title = defaults.title ?? 'Imported flowchart';
  let meta: { description?: string; category?: string; tags?: string[] } = {};
  let root: string | null = null;
  const extras = new Map<string, Record<string, unknown>>();
  const nodes = new Map<string, ParsedNode>();
  const edges: ParsedEdge[] = [];
  let sawHeader = false;

  const rawLines = text.replace(/\r\n?/g, '\n').split('\n');
  let i = 0;
  if (rawLines[0]?.trim() === '---') {
    i = 1;
    for (; i < rawLines.length && rawLines[i]!.trim() !== '---'; i++) {
      const m = /^title:\s*([\s\S]+)$/.exec(rawLines[i]!.trim());
      if (m) {
        try {
          const value: unknown = m[1]!.startsWith('"') ? JSON.parse(m[1]!) : m[1]!;
          if (typeof value === 'string') title = value;
        } catch {
          throw new MermaidParseError('the title is not valid', i + 1);
        }
      }
    }
    i++;
  }

  const touch = (id: string, label: string | null, shape: string | null) => {
    const existing = nodes.get(id);
    if (existing) {
      if (label !== null) {
        existing.label = label;
        existing.shape = shape;
      }
    } else {
      nodes.set(id, { id, label, shape, order: nodes.size });
    }
  };

  for (; i < rawLines.length; i++) {
    const lineNo = i + 1;
    const line = rawLines[i]!.trim();
    if (!line) continue;
    if (line.startsWith('%%')) {
      const m = /^%%\s*flowpilot:(\w+)\s+([\s\S]*)$/.exec(line);
      if (!m) continue;
      const rest = m[2]!;
      try {
        if (m[1] === 'root') root = rest.trim();
        else if (m[1] === 'tree') meta = asObject(JSON.parse(rest));
        else if (m[1] === 'node') {
          const split = /^(\S+)\s+([\s\S]*)$/.exec(rest);
          if (split) extras.set(split[1]!, asObject(JSON.parse(split[2]!)));
        }
      } catch {
        throw new MermaidParseError('a flowpilot comment is not valid JSON', lineNo);
      }
      continue;
    }
    if (/^(flowchart|graph)\b/i.test(line)) {
      sawHeader = true;
      continue;
    }
    if (/^(style|classDef|class|click|linkStyle|direction|subgraph|end)\b/.test(line)) continue;
    if (!sawHeader) throw new MermaidParseError('expected "flowchart TD" (or "graph TD") first', lineNo);

    for (const statement of splitStatements(line)) {
      let rest = statement.trim();
      if (!rest) continue;
      let previous: string | null = null;
      let pendingLabel: string | null = null;
      while (rest.length) {
        const idMatch = ID.exec(rest);
        if (!idMatch) throw new MermaidParseError(`cannot read "${rest.slice(0, 40)}"`, lineNo);
        const id = idMatch[0];
        rest = rest.slice(id.length);
        let label: string | null = null;
        let shape: string | null = null;
        const opener = SHAPES.find((s) => rest.startsWith(s.open));
        if (opener) {
          rest = rest.slice(opener.open.length);
          let inner: string;
          if (rest.startsWith('"')) {
            const end = rest.indexOf('"', 1);
            if (end < 0) throw new MermaidParseError('a label has no closing quote', lineNo);
            inner = rest.slice(1, end);
            rest = rest.slice(end + 1);
            if (!rest.startsWith(opener.close)) throw new MermaidParseError(`expected "${opener.close}"`, lineNo);
            rest = rest.slice(opener.close.length);
          } else {
            const end = rest.indexOf(opener.close);
            if (end < 0) throw new MermaidParseError(`expected "${opener.close}"`, lineNo);
            inner = rest.slice(0, end);
            rest = rest.slice(end + opener.close.length);
          }
          label = unescapeLabel(inner);
          shape = opener.shape;
        }
        touch(id, label, shape);
        if (previous !== null) edges.push({ from: previous, to: id, label: pendingLabel });
        previous = id;
        pendingLabel = null;
        rest = rest.replace(/^:::\w+/, '');
        if (!rest.trim()) break;
        const arrow = ARROW.exec(rest) ?? null;
        const textArrow = arrow ? null : TEXT_ARROW.exec(rest);
        if (arrow) {
          pendingLabel = arrow[2] !== undefined ? unescapeLabel(arrow[2].replace(/^"([\s\S]*)"$/, '$1')) : null;
          rest = rest.slice(arrow[0].length);
        } else if (textArrow) {
          pendingLabel = unescapeLabel(textArrow[2]!.replace(/^"([\s\S]*)"$/, '$1'));
          rest = rest.slice(textArrow[0].length);
        } else {
          throw new MermaidParseError(`expected an arrow after "${id}"`, lineNo);
        }
        if (!rest.trim()) throw new MermaidParseError('an arrow leads nowhere', lineNo);
      }
    }
  }
  if (!sawHeader) throw new MermaidParseError('expected "flowchart TD" (or "graph TD")', 1);
  if (nodes.size === 0) throw new MermaidParseError('the flowchart has no nodes', 1);

  const realId = new Map<string, string>();
  const taken = new Set<string>();
  for (const n of nodes.values()) {
    const wanted = typeof extras.get(n.id)?.id === 'string' ? (extras.get(n.id)!.id as string) : sanitizeId(n.id);
    let id = wanted;
    for (let k = 2; taken.has(id); k++) id = `${wanted}_${k}`;
    taken.add(id);
    realId.set(n.id, id);
  }

  const outgoing = new Map<string, ParsedEdge[]>();
  for (const e of edges) {
    if (!outgoing.has(e.from)) outgoing.set(e.from, []);
    outgoing.get(e.from)!.push(e);
  }
  const incoming = new Set(edges.map((e) => e.to));
  const titleOf = (n: ParsedNode) => (n.label && n.label.length ? n.label : n.id).slice(0, 300);

  const treeNodes: TreeNode[] = [...nodes.values()].map((n) => {
    const out = outgoing.get(n.id) ?? [];
    const extra = extras.get(n.id) ?? {};
    const base = {
      id: realId.get(n.id)!,
      title: titleOf(n),
      ...(typeof extra.body === 'string' && { body: extra.body }),
      ...(isPosition(extra.position) && { position: extra.position }),
    };
    const next = (e: ParsedEdge) => realId.get(e.to)!;
    const kind = kindFor(n, out, extra);
    switch (kind) {
      case 'question':
        return {
          ...base,
          kind,
          options: out.map((e, idx) => ({ label: e.label || titleOf(nodes.get(e.to)!) || `Option ${idx + 1}`, next: next(e) })),
        };
      case 'action':
        return { ...base, kind, next: next(out[0]!) };
      case 'link':
        return { ...base, kind, tree_id: String(extra.tree_id), ...(out[0] && { next: next(out[0]) }) };
      default:
        return { ...base, kind };
    }
  });

  const first = [...nodes.values()].find((n) => !incoming.has(n.id)) ?? [...nodes.values()][0]!;
  const rootId = root && realId.has(root) ? realId.get(root)! : realId.get(first.id)!;
  return {
    title,
    description: typeof meta.description === 'string' ? meta.description : '',
    category: typeof meta.category === 'string' && meta.category ? meta.category : (defaults.category ?? 'Imported'),
    tags: Array.isArray(meta.tags) ? meta.tags.filter((t): t is string => typeof t === 'string') : [],
    root_node_id: rootId,
    nodes: treeNodes,
  };
}

/** Splits a line at `;`, except inside quotes or an edge label (entities like `#quot;` end in `;`). */
function splitStatements(line: string): string[] {
  const out: string[] = [];
  let current = '';
  let inQuote = false;
  let inPipe = false;
  for (const ch of line) {
    if (ch === '"') inQuote = !inQuote;
    else if (ch === '|' && !inQuote) inPipe = !inPipe;
    if (ch === ';' && !inQuote && !inPipe) {
      out.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  out.push(current);
  return out;
}

function asObject(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

function isPosition(v: unknown): v is { x: number; y: number } {
  return typeof v === 'object' && v !== null && typeof (v as { x: unknown }).x === 'number' && typeof (v as { y: unknown }).y === 'number';
}

function kindFor(n: ParsedNode, out: ParsedEdge[], extra: Record<string, unknown>): NodeKind {
  if (n.shape === 'rhombus' || n.shape === 'hexagon') return 'question';
  if (n.shape === 'stadium' && out.length === 0) return 'solution';
  if (n.shape === 'subroutine' && out.length === 0) return 'escalate';
  if (n.shape === 'parallelogram' && typeof extra.tree_id === 'string' && out.length <= 1) return 'link';
  if (out.length === 0) return /escalat/i.test(n.label ?? '') ? 'escalate' : 'solution';
  if (out.length === 1 && !out[0]!.label) return 'action';
  return 'question';
}
