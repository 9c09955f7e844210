import { z } from 'zod';
import { listOf, PageQuery, Uuid } from './common.ts';

export const TREE_STATUSES = ['draft', 'published', 'archived'] as const;
export const TreeStatus = z.enum(TREE_STATUSES).describe('draft | published | archived');
export type TreeStatus = z.infer<typeof TreeStatus>;

export const NODE_KINDS = ['question', 'action', 'solution', 'escalate', 'link'] as const;
export type NodeKind = (typeof NODE_KINDS)[number];

/** Limits that keep a tree usable in the runner and the editor. */
export const TREE_LIMITS = {
  nodes: 1000,
  titleLength: 300,
  bodyLength: 20_000,
  longBodyWarning: 4_000,
  options: 20,
  tags: 20,
} as const;

/** Text PostgreSQL can store: no NUL, no lone UTF-16 surrogates. */
export function isStorableText(s: string): boolean {
  return !s.includes('\u0000') && !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s);
}
const text = () => z.string().refine(isStorableText, 'Text must not contain NUL characters or broken Unicode');

export const NodeId = z
  .string()
  .min(1, 'Node id is required')
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, 'Use letters, digits, "-" and "_" only')
  .describe('Unique within the tree');

const Position = z.object({ x: z.number().finite(), y: z.number().finite() }).describe('Where the editor draws the node');

const nodeBase = {
  id: NodeId,
  title: text().trim().min(1, 'Title is required').max(TREE_LIMITS.titleLength),
  body: text().max(TREE_LIMITS.bodyLength).optional().describe('Markdown'),
  position: Position.optional(),
};

export const QuestionOption = z.object({
  label: text().trim().min(1, 'Option label is required').max(200),
  next: NodeId.describe('The node this answer leads to'),
});
export type QuestionOption = z.infer<typeof QuestionOption>;

export const QuestionNode = z.object({
  ...nodeBase,
  kind: z.literal('question'),
  options: z.array(QuestionOption).max(TREE_LIMITS.options).describe('Answers, each leading to a node'),
});
export const ActionNode = z.object({ ...nodeBase, kind: z.literal('action'), next: NodeId.describe('Where to go once done') });
export const SolutionNode = z.object({ ...nodeBase, kind: z.literal('solution') });
export const EscalateNode = z.object({ ...nodeBase, kind: z.literal('escalate') });
export const LinkNode = z.object({
  ...nodeBase,
  kind: z.literal('link'),
  tree_id: Uuid.describe('The tree to continue in'),
  next: NodeId.optional().describe('Where to come back to when the linked tree ends; none ends the session there'),
});

export const TreeNode = z
  .discriminatedUnion('kind', [QuestionNode, ActionNode, SolutionNode, EscalateNode, LinkNode])
  .meta({ id: 'TreeNode' });
export type TreeNode = z.infer<typeof TreeNode>;

const Tags = z
  .array(text().trim().min(1).max(50))
  .max(TREE_LIMITS.tags)
  .default([])
  .transform((tags) => [...new Set(tags.map((t) => t.toLowerCase()))]);

/** The editable part of a tree: what is saved as a version. */
export const TreeBody = z
  .object({
    title: text().trim().min(1, 'Title is required').max(TREE_LIMITS.titleLength),
    description: text().max(5000).default(''),
    category: text().trim().min(1, 'Category is required').max(100),
    tags: Tags,
    status: TreeStatus.default('draft'),
    root_node_id: NodeId,
    nodes: z.array(TreeNode).min(1, 'A tree needs at least one node').max(TREE_LIMITS.nodes),
  })
  .meta({ id: 'TreeBody' });
export type TreeBody = z.input<typeof TreeBody>;
export type TreeBodyParsed = z.output<typeof TreeBody>;

export const CreateTreeBody = TreeBody.extend({ change_note: z.string().trim().max(500).optional() }).meta({ id: 'CreateTreeBody' });
export type CreateTreeBody = z.input<typeof CreateTreeBody>;

export const UpdateTreeBody = TreeBody.extend({
  base_version: z
    .number()
    .int()
    .min(1)
    .optional()
    .describe(
      'The version this edit started from: if someone saved a newer one since, the save is refused with 409. Without it (and without If-Match) the save applies over whatever is newest',
    ),
  change_note: z.string().trim().max(500).optional(),
}).meta({ id: 'UpdateTreeBody' });
export type UpdateTreeBody = z.input<typeof UpdateTreeBody>;

export const UpdateTreeHeaders = z.object({
  'if-match': z
    .string()
    .optional()
    .describe(
      'The ETag GET /trees/{id} sent with the version this edit started from: if someone saved a newer version since, the save is refused with 412. Another way to say what base_version says; either may be given, or both',
    ),
});

const UserRef = z.object({ id: Uuid, full_name: z.string() }).nullable();

export const TreeResponse = z
  .object({
    id: Uuid,
    team_id: Uuid,
    title: z.string(),
    description: z.string(),
    category: z.string(),
    tags: z.array(z.string()),
    status: TreeStatus,
    root_node_id: z.string(),
    nodes: z.array(TreeNode),
    version: z.number().int().describe('The version shown'),
    current_version: z.number().int().describe('The newest version'),
    change_note: z.string().nullable(),
    created_by: UserRef,
    updated_by: UserRef,
    created_at: z.iso.datetime({ offset: true }),
    updated_at: z.iso.datetime({ offset: true }),
    warnings: z.array(z.lazy(() => GraphIssue)).describe('Problems that do not block saving'),
  })
  .meta({ id: 'Tree' });
export type TreeResponse = z.infer<typeof TreeResponse>;

export const TreeSummary = z
  .object({
    id: Uuid,
    title: z.string(),
    description: z.string(),
    category: z.string(),
    tags: z.array(z.string()),
    status: TreeStatus,
    current_version: z.number().int(),
    node_count: z.number().int(),
    updated_at: z.iso.datetime({ offset: true }),
    updated_by: UserRef,
  })
  .meta({ id: 'TreeSummary' });
export type TreeSummary = z.infer<typeof TreeSummary>;

export const TreeList = listOf(TreeSummary).meta({ id: 'TreeList' });
export type TreeList = z.infer<typeof TreeList>;

export const ListTreesQuery = PageQuery.extend({
  category: z.string().trim().min(1).max(100).optional(),
  status: TreeStatus.optional(),
  tag: z.string().trim().min(1).max(50).optional(),
});
export type ListTreesQuery = z.infer<typeof ListTreesQuery>;

export const SearchTreesQuery = ListTreesQuery.extend({
  q: z.string().trim().min(1, 'Type something to search for').max(200),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});
export type SearchTreesQuery = z.infer<typeof SearchTreesQuery>;

export const SearchHit = TreeSummary.extend({
  score: z.number(),
  match: z
    .object({
      node_id: z.string().nullable().describe('The best-matching node; null when the tree itself matched best'),
      node_title: z.string().nullable(),
      snippet: z.string().describe('HTML-escaped text with the matches in <mark>…</mark>'),
    })
    .describe('Where the query matched best'),
}).meta({ id: 'TreeSearchHit' });
export type SearchHit = z.infer<typeof SearchHit>;

export const SearchResults = z
  .object({
    items: z.array(SearchHit),
    total: z.number().int(),
    corrected_terms: z.array(z.string()).describe('Words the search also tried for misspelled ones'),
  })
  .meta({ id: 'TreeSearchResults' });
export type SearchResults = z.infer<typeof SearchResults>;

export const CategoryList = z
  .object({ items: z.array(z.object({ category: z.string(), count: z.number().int() })) })
  .meta({ id: 'TreeCategories' });
export type CategoryList = z.infer<typeof CategoryList>;

export const TreeVersionQuery = z.object({ version: z.coerce.number().int().min(1).optional() });

export const TreeVersionSummary = z
  .object({
    version: z.number().int(),
    title: z.string(),
    status: TreeStatus,
    node_count: z.number().int(),
    change_note: z.string().nullable(),
    created_by: UserRef,
    created_at: z.iso.datetime({ offset: true }),
  })
  .meta({ id: 'TreeVersionSummary' });
export const TreeVersionList = listOf(TreeVersionSummary).meta({ id: 'TreeVersionList' });
export type TreeVersionList = z.infer<typeof TreeVersionList>;

export const RestoreTreeBody = z
  .object({
    version: z.number().int().min(1).describe('The version to bring back'),
    base_version: z.number().int().min(1).describe('The newest version you have seen'),
  })
  .meta({ id: 'RestoreTreeBody' });

export const CompareQuery = z.object({
  from: z.coerce.number().int().min(1),
  to: z.coerce.number().int().min(1),
});

export const TreeComparison = z
  .object({
    from: z.number().int(),
    to: z.number().int(),
    fields_changed: z.array(z.string()).describe('Tree fields that differ (title, status, …)'),
    added: z.array(z.string()).describe('Node ids only in `to`'),
    removed: z.array(z.string()).describe('Node ids only in `from`'),
    changed: z.array(z.string()).describe('Node ids in both whose content differs'),
  })
  .meta({ id: 'TreeComparison' });
export type TreeComparison = z.infer<typeof TreeComparison>;

/** One validation finding; `node_ids` names the offending nodes. */
export const GraphIssue = z
  .object({
    code: z.string(),
    message: z.string(),
    node_ids: z.array(z.string()),
  })
  .meta({ id: 'GraphIssue' });
export type GraphIssue = z.infer<typeof GraphIssue>;

export const ValidationReport = z
  .object({ valid: z.boolean(), errors: z.array(GraphIssue), warnings: z.array(GraphIssue) })
  .meta({ id: 'TreeValidationReport' });
export type ValidationReport = z.infer<typeof ValidationReport>;

/** The JSON exchange format: one tree, or a bundle of many. */
export const TreeExport = TreeBody.extend({
  id: Uuid.optional().describe('Kept for links between trees of one bundle'),
}).meta({ id: 'TreeExport' });
export type TreeExport = z.input<typeof TreeExport>;

export const TreeBundle = z
  .object({
    format: z.literal('flowpilot.trees'),
    version: z.literal(1),
    exported_at: z.iso.datetime({ offset: true }).optional(),
    trees: z.array(z.unknown()).min(1).max(500).describe('Each is checked on its own'),
  })
  .meta({ id: 'TreeBundle' });

export const ImportTreesBody = z
  .object({
    format: z.enum(['json', 'mermaid']).default('json'),
    content: z.union([z.string().max(10_000_000), z.record(z.string(), z.unknown())]).describe(
      'A tree, a bundle ({"format": "flowpilot.trees", "trees": [...]}), or Mermaid flowchart text',
    ),
    status: TreeStatus.optional().describe('Override the status of every imported tree'),
    category: z.string().trim().min(1).max(100).optional().describe('Category for Mermaid imports (default "Imported")'),
  })
  .meta({ id: 'ImportTreesBody' });
export type ImportTreesBody = z.input<typeof ImportTreesBody>;

export const ImportReport = z
  .object({
    created: z.number().int(),
    failed: z.number().int(),
    results: z.array(
      z.object({
        index: z.number().int(),
        title: z.string().nullable(),
        status: z.enum(['created', 'failed']),
        tree_id: Uuid.nullable(),
        errors: z.array(GraphIssue),
      }),
    ),
  })
  .meta({ id: 'ImportReport' });
export type ImportReport = z.infer<typeof ImportReport>;

export const ExportQuery = z.object({ format: z.enum(['json', 'mermaid']).default('json'), version: z.coerce.number().int().min(1).optional() });
