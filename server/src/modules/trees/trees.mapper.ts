import type { GraphIssue, TreeResponse, TreeSummary } from '@flowpilot/contracts';
import type { TreeVersionRow, TreeWithPeople } from './trees.repository.ts';

export function toTreeSummary(row: TreeWithPeople): TreeSummary {
  return {
    id: row.id,
    title: row.title,
    description: row.description,
    category: row.category,
    tags: row.tags,
    status: row.status,
    current_version: row.current_version,
    node_count: row.node_count,
    updated_at: row.updated_at.toISOString(),
    updated_by: row.updated_by,
  };
}

/** A tree as of one version: the version's content with the tree's identity and history. */
export function toTreeResponse(
  tree: TreeWithPeople,
  version: TreeVersionRow & { created_by: { id: string; full_name: string } | null },
  warnings: GraphIssue[],
): TreeResponse {
  return {
    id: tree.id,
    team_id: tree.team_id,
    title: version.title,
    description: version.description,
    category: version.category,
    tags: version.tags,
    status: version.version === tree.current_version ? tree.status : version.status,
    root_node_id: version.root_node_id,
    nodes: version.nodes,
    version: version.version,
    current_version: tree.current_version,
    change_note: version.change_note,
    created_by: tree.created_by,
    updated_by: version.created_by,
    created_at: tree.created_at.toISOString(),
    updated_at: (version.version === tree.current_version ? tree.updated_at : version.created_at).toISOString(),
    warnings,
  };
}
