import { CONTINUE_ANSWER, type LinkFrame, type TreeNode } from '@flowpilot/contracts';

/** Where a session stands: a node of a pinned tree version, inside any linked trees entered. */
export interface Position {
  tree_id: string;
  tree_version: number;
  node_id: string;
  link_stack: LinkFrame[];
}

/** How deep linked trees may nest: deeper is almost surely two trees sending each other round. */
export const MAX_LINK_DEPTH = 8;

/** The frame a finished linked tree returns through: the innermost one that has somewhere to go back to. */
function returnFrame(stack: LinkFrame[]): number {
  for (let i = stack.length - 1; i >= 0; i--) if (stack[i]!.return_node_id) return i;
  return -1;
}

/** The answers a node takes, in the order the runner numbers them. */
export function choicesAt(node: TreeNode, stack: LinkFrame[]): string[] {
  switch (node.kind) {
    case 'question':
      return node.options.map((o) => o.label);
    case 'action':
    case 'link':
      return [CONTINUE_ANSWER];
    case 'solution':
      return returnFrame(stack) >= 0 ? [CONTINUE_ANSWER] : [];
    case 'escalate':
      return [];
  }
}

export type Move =
  | { kind: 'answer'; to: Position }
  | { kind: 'enter_link'; to: Omit<Position, 'node_id'>; linkedTreeId: string }
  | { kind: 'return_link'; to: Position };

export class MoveError extends Error {
  constructor(
    readonly reason: 'not_an_option' | 'terminal' | 'too_deep',
    message: string,
  ) {
    super(message);
  }
}

/**
 * Where an answer on a node leads. Entering a linked tree needs that tree's
 * version and root, which the caller resolves (`enter_link`).
 */
export function move(position: Position, node: TreeNode, answer: string): Move {
  const choices = choicesAt(node, position.link_stack);
  const chosen = choices.find((c) => c === answer) ?? choices.find((c) => c.toLowerCase() === answer.toLowerCase());
  if (!chosen) {
    if (choices.length === 0) {
      throw new MoveError('terminal', node.kind === 'escalate' ? 'This is an escalation point: escalate the session' : 'This is a solution: complete the session');
    }
    throw new MoveError('not_an_option', `"${answer}" is not an answer here; choose one of: ${choices.map((c) => `"${c}"`).join(', ')}`);
  }
  const here = { tree_id: position.tree_id, tree_version: position.tree_version };
  switch (node.kind) {
    case 'question': {
      const option = node.options.find((o) => o.label === chosen)!;
      return { kind: 'answer', to: { ...here, node_id: option.next, link_stack: position.link_stack } };
    }
    case 'action':
      return { kind: 'answer', to: { ...here, node_id: node.next, link_stack: position.link_stack } };
    case 'link': {
      if (position.link_stack.length >= MAX_LINK_DEPTH) {
        throw new MoveError('too_deep', `Linked trees are nested ${MAX_LINK_DEPTH} deep: finish or go back first`);
      }
      const frame: LinkFrame = { ...here, link_node_id: node.id, return_node_id: node.next ?? null };
      return { kind: 'enter_link', linkedTreeId: node.tree_id, to: { tree_id: node.tree_id, tree_version: 0, link_stack: [...position.link_stack, frame] } };
    }
    default: {
      const index = returnFrame(position.link_stack);
      const frame = position.link_stack[index]!;
      return {
        kind: 'return_link',
        to: { tree_id: frame.tree_id, tree_version: frame.tree_version, node_id: frame.return_node_id!, link_stack: position.link_stack.slice(0, index) },
      };
    }
  }
}
