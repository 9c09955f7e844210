import { TREE_LIMITS, type GraphIssue, type TreeNode, type ValidationReport } from './trees.ts';

/** The graph part of a tree, as the editor holds it and the server receives it. */
export interface TreeGraph {
  root_node_id: string;
  nodes: readonly TreeNode[];
}

export interface ValidateOptions {
  /** Trees a link node may point to (the team's trees). Unset: link targets are not checked. */
  knownTreeIds?: ReadonlySet<string>;
  /** The tree being validated, which a link must not point back to. */
  treeId?: string;
}

/** The nodes a node leads to. */
export function successors(node: TreeNode): string[] {
  switch (node.kind) {
    case 'question':
      return node.options.map((o) => o.next);
    case 'action':
      return [node.next];
    case 'link':
      return node.next ? [node.next] : [];
    default:
      return [];
  }
}

/** Where a session can end: resolved, escalated, or carried on in a linked tree. */
export function isTerminal(node: TreeNode): boolean {
  return node.kind === 'solution' || node.kind === 'escalate' || (node.kind === 'link' && !node.next);
}

/**
 * Checks a tree's graph: the root exists, node ids are unique, every edge
 * target exists, questions have options with unique labels, links point to a
 * known other tree, every node is reachable from the root and can reach an
 * end. One implementation, used by the server on save and by the editor as
 * you draw. Errors block saving; warnings do not.
 */
export function validateTreeGraph(tree: TreeGraph, options: ValidateOptions = {}): ValidationReport {
  const errors: GraphIssue[] = [];
  const warnings: GraphIssue[] = [];
  const error = (code: string, message: string, nodeIds: string[]) => errors.push({ code, message, node_ids: nodeIds });
  const warn = (code: string, message: string, nodeIds: string[]) => warnings.push({ code, message, node_ids: nodeIds });

  const byId = new Map<string, TreeNode>();
  const duplicates = new Set<string>();
  for (const node of tree.nodes) {
    if (byId.has(node.id)) duplicates.add(node.id);
    else byId.set(node.id, node);
  }
  for (const id of duplicates) error('duplicate_node_id', `Node id "${id}" is used more than once`, [id]);

  if (!byId.has(tree.root_node_id)) {
    error('missing_root', `The start node "${tree.root_node_id}" does not exist`, [tree.root_node_id]);
  }

  for (const node of byId.values()) {
    for (const target of successors(node)) {
      if (!byId.has(target)) error('missing_target', `"${node.title}" leads to "${target}", which does not exist`, [node.id]);
    }
    if (node.kind === 'question') {
      if (node.options.length === 0) error('question_without_options', `Question "${node.title}" has no answers`, [node.id]);
      else if (node.options.length === 1) warn('single_option', `Question "${node.title}" has only one answer`, [node.id]);
      const seen = new Set<string>();
      for (const option of node.options) {
        const key = option.label.trim().toLowerCase();
        if (seen.has(key)) error('duplicate_option', `Question "${node.title}" has the answer "${option.label}" twice`, [node.id]);
        seen.add(key);
      }
    }
    if (node.kind === 'link') {
      if (options.treeId && node.tree_id === options.treeId) {
        error('link_to_self', `"${node.title}" links to this same tree`, [node.id]);
      } else if (options.knownTreeIds && !options.knownTreeIds.has(node.tree_id)) {
        error('unknown_link_target', `"${node.title}" links to a tree that does not exist in this team`, [node.id]);
      }
    }
    if ((node.body?.length ?? 0) > TREE_LIMITS.longBodyWarning) {
      warn('long_body', `"${node.title}" has a long body; technicians read it mid-call`, [node.id]);
    }
  }

  // Reachable from the root.
  const reachable = new Set<string>();
  if (byId.has(tree.root_node_id)) {
    const stack = [tree.root_node_id];
    while (stack.length) {
      const id = stack.pop()!;
      if (reachable.has(id)) continue;
      reachable.add(id);
      for (const next of successors(byId.get(id)!)) if (byId.has(next) && !reachable.has(next)) stack.push(next);
    }
    const unreachable = [...byId.keys()].filter((id) => !reachable.has(id));
    if (unreachable.length) {
      error('unreachable', `${unreachable.length} node(s) cannot be reached from the start node`, unreachable);
    }
  }

  // Can reach an end: walk backwards from the terminals.
  const predecessors = new Map<string, string[]>();
  for (const node of byId.values()) {
    for (const next of successors(node)) {
      if (!predecessors.has(next)) predecessors.set(next, []);
      predecessors.get(next)!.push(node.id);
    }
  }
  const canEnd = new Set<string>();
  const stack = [...byId.values()].filter(isTerminal).map((n) => n.id);
  while (stack.length) {
    const id = stack.pop()!;
    if (canEnd.has(id)) continue;
    canEnd.add(id);
    for (const prev of predecessors.get(id) ?? []) if (!canEnd.has(prev)) stack.push(prev);
  }
  const stuck = [...byId.keys()].filter((id) => !canEnd.has(id));
  if (stuck.length && byId.size > 0) {
    error('no_path_to_end', `${stuck.length} node(s) never lead to a solution, an escalation or a linked tree`, stuck);
  }

  return { valid: errors.length === 0, errors, warnings };
}
