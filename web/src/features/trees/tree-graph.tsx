import { useMemo } from 'react';
import dagre from '@dagrejs/dagre';
import {
  Background,
  Controls,
  Handle,
  MarkerType,
  Position,
  ReactFlow,
  ReactFlowProvider,
  type Edge,
  type Node,
  type NodeProps,
  type ReactFlowProps,
} from '@xyflow/react';
import { Text } from '@mantine/core';
import { successors, type NodeKind, type TreeNode } from '@flowpilot/contracts';

export const KIND_LABEL: Record<NodeKind, string> = {
  question: 'Question',
  action: 'Action',
  solution: 'Solution',
  escalate: 'Escalate',
  link: 'Link to tree',
};

export const KIND_COLOR: Record<NodeKind, string> = {
  question: 'var(--mantine-color-blue-6)',
  action: 'var(--mantine-color-violet-6)',
  solution: 'var(--mantine-color-green-7)',
  escalate: 'var(--mantine-color-orange-7)',
  link: 'var(--mantine-color-cyan-7)',
};

/** How a step differs in a version compared with the newest: drawn on the canvas when comparing. */
export type NodeDiff = 'added' | 'removed' | 'changed';

export const DIFF_LABEL: Record<NodeDiff, string> = { added: 'Comes back', removed: 'Goes away', changed: 'Changed' };

export type FlowNodeData = { node: TreeNode; isRoot: boolean; errors: string[]; diff?: NodeDiff };
export type FlowNode = Node<FlowNodeData, 'tree'>;

export const NODE_WIDTH = 220;
/** A typical step card: kind, two lines of title. Only a guess until the canvas has measured it. */
export const NODE_HEIGHT = 70;

function TreeNodeCard({ data, selected }: NodeProps<FlowNode>) {
  const { node, isRoot, errors, diff } = data;
  return (
    <div
      className="fp-node"
      data-selected={selected}
      data-invalid={errors.length > 0}
      data-diff={diff}
      data-testid={`node-${node.id}`}
      title={errors.join('\n') || undefined}
      style={{ ['--fp-node-color' as string]: KIND_COLOR[node.kind] }}
    >
      <Handle type="target" position={Position.Top} aria-label={`Connect to ${node.title}`} />
      <div className="fp-node-kind">
        {isRoot ? 'Start · ' : ''}
        {KIND_LABEL[node.kind]}
        {diff && <span className="fp-node-diff"> · {DIFF_LABEL[diff]}</span>}
      </div>
      <Text size="sm" fw={500} lineClamp={2}>
        {node.title}
      </Text>
      {errors.length > 0 && (
        <Text size="xs" c="red" mt={2} lineClamp={2} role="alert">
          {errors[0]}
        </Text>
      )}
      {node.kind !== 'solution' && node.kind !== 'escalate' && (
        <Handle type="source" position={Position.Bottom} aria-label={`Connect ${node.title} to another step`} />
      )}
    </div>
  );
}

export const nodeTypes = { tree: TreeNodeCard };

/** Edges of the graph: one per answer (labelled) or "next". */
export function edgesOf(nodes: readonly TreeNode[]): Edge[] {
  const ids = new Set(nodes.map((n) => n.id));
  const edges: Edge[] = [];
  for (const node of nodes) {
    if (node.kind === 'question') {
      node.options.forEach((o, i) => {
        if (ids.has(o.next)) {
          edges.push({
            id: `${node.id}::${i}`,
            source: node.id,
            target: o.next,
            label: o.label,
            markerEnd: { type: MarkerType.ArrowClosed },
            data: { option: i },
          });
        }
      });
    } else {
      for (const next of successors(node)) {
        if (ids.has(next)) edges.push({ id: `${node.id}::next`, source: node.id, target: next, markerEnd: { type: MarkerType.ArrowClosed } });
      }
    }
  }
  return edges;
}

/** Top-to-bottom positions from dagre, for nodes that have none saved. */
export function autoLayout(nodes: readonly TreeNode[], rootId: string): Map<string, { x: number; y: number }> {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: 'TB', nodesep: 40, ranksep: 70 });
  g.setDefaultEdgeLabel(() => ({}));
  const ordered = [...nodes].sort((a, b) => (a.id === rootId ? -1 : b.id === rootId ? 1 : 0));
  for (const n of ordered) g.setNode(n.id, { width: NODE_WIDTH, height: NODE_HEIGHT });
  for (const e of edgesOf(nodes)) g.setEdge(e.source, e.target);
  dagre.layout(g);
  const positions = new Map<string, { x: number; y: number }>();
  for (const n of nodes) {
    const p = g.node(n.id);
    positions.set(n.id, { x: p.x - NODE_WIDTH / 2, y: p.y - NODE_HEIGHT / 2 });
  }
  return positions;
}

export function toFlowNodes(
  nodes: readonly TreeNode[],
  rootId: string,
  errorsByNode: Map<string, string[]>,
  options: { relayout?: boolean; selectedId?: string | null; diff?: ReadonlyMap<string, NodeDiff> } = {},
): FlowNode[] {
  const needsLayout = options.relayout || nodes.some((n) => !n.position);
  const layout = needsLayout ? autoLayout(nodes, rootId) : null;
  return nodes.map((n) => ({
    id: n.id,
    type: 'tree',
    position: (!options.relayout && n.position) || layout?.get(n.id) || { x: 0, y: 0 },
    data: { node: n, isRoot: n.id === rootId, errors: errorsByNode.get(n.id) ?? [], diff: options.diff?.get(n.id) },
    selected: options.selectedId === n.id,
  }));
}

/** A read-only picture of a tree. */
export function TreeGraphView({
  treeNodes,
  rootId,
  height = 560,
  diff,
  ...props
}: {
  treeNodes: readonly TreeNode[];
  rootId: string;
  height?: number | string;
  /** Marks steps as added, removed or changed (the compare view). */
  diff?: ReadonlyMap<string, NodeDiff>;
} & Omit<Partial<ReactFlowProps<FlowNode>>, 'nodes' | 'edges'>) {
  const flowNodes = useMemo(() => toFlowNodes(treeNodes, rootId, new Map(), { diff }), [treeNodes, rootId, diff]);
  const edges = useMemo(() => edgesOf(treeNodes), [treeNodes]);
  return (
    // Its own provider: inside the editor (the compare view) it must not share the editor's canvas state.
    <ReactFlowProvider>
      <div style={{ height }} className="fp-readonly" data-testid="tree-graph">
        <ReactFlow<FlowNode>
          nodes={flowNodes}
          edges={edges}
          nodeTypes={nodeTypes}
          fitView
          nodesDraggable={false}
          nodesConnectable={false}
          proOptions={{ hideAttribution: true }}
          minZoom={0.1}
          {...props}
        >
          <Background />
          <Controls showInteractive={false} />
        </ReactFlow>
      </div>
    </ReactFlowProvider>
  );
}
