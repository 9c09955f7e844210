import { useState } from 'react';
import { ActionIcon, Button, Group, Paper, Select, Stack, Tabs, Text, TextInput, Textarea, Tooltip } from '@mantine/core';
import { IconFlag, IconPlus, IconTrash } from '@tabler/icons-react';
import { NODE_KINDS, type NodeKind, type TreeNode } from '@flowpilot/contracts';
import { Markdown } from '../../components/markdown.tsx';
import { KIND_LABEL } from './tree-graph.tsx';

/** Turns a node into another kind, keeping what still makes sense (title, body, where it leads). */
export function convertNode(node: TreeNode, kind: NodeKind): TreeNode {
  const base = { id: node.id, title: node.title, ...(node.body !== undefined && { body: node.body }), ...(node.position && { position: node.position }) };
  const firstNext = node.kind === 'question' ? node.options[0]?.next : node.kind === 'action' || node.kind === 'link' ? node.next : undefined;
  switch (kind) {
    case 'question':
      return { ...base, kind, options: node.kind === 'question' ? node.options : firstNext ? [{ label: 'Yes', next: firstNext }] : [] };
    case 'action':
      return { ...base, kind, next: firstNext ?? '' };
    case 'link':
      return { ...base, kind, tree_id: node.kind === 'link' ? node.tree_id : '', ...(firstNext && { next: firstNext }) };
    default:
      return { ...base, kind };
  }
}

export function NodeForm({
  node,
  nodes,
  isRoot,
  linkTargets,
  onChange,
  onMakeRoot,
  onDelete,
}: {
  node: TreeNode;
  nodes: TreeNode[];
  isRoot: boolean;
  linkTargets: { value: string; label: string }[];
  onChange: (node: TreeNode) => void;
  onMakeRoot: () => void;
  onDelete: () => void;
}) {
  const [bodyTab, setBodyTab] = useState<string | null>('write');
  const targets = nodes.filter((n) => n.id !== node.id).map((n) => ({ value: n.id, label: `${n.title} (${n.id})` }));
  return (
    <Stack gap="sm">
      <Group justify="space-between">
        <Text fw={700}>Step {node.id}</Text>
        <Group gap={4}>
          <Tooltip label={isRoot ? 'This is where sessions start' : 'Start sessions here'}>
            <ActionIcon variant={isRoot ? 'filled' : 'default'} aria-label="Start here" onClick={onMakeRoot} disabled={isRoot}>
              <IconFlag size={16} />
            </ActionIcon>
          </Tooltip>
          <Tooltip label="Delete this step">
            <ActionIcon variant="default" color="red" aria-label="Delete step" onClick={onDelete}>
              <IconTrash size={16} />
            </ActionIcon>
          </Tooltip>
        </Group>
      </Group>
      <Select
        label="Kind"
        allowDeselect={false}
        data={NODE_KINDS.map((k) => ({ value: k, label: KIND_LABEL[k] }))}
        value={node.kind}
        onChange={(k) => k && onChange(convertNode(node, k as NodeKind))}
      />
      <TextInput label="Title" value={node.title} onChange={(e) => onChange({ ...node, title: e.currentTarget.value })} />
      <div>
        <Text size="sm" fw={500} mb={4}>
          Instructions (Markdown)
        </Text>
        <Tabs value={bodyTab} onChange={setBodyTab} variant="outline">
          <Tabs.List>
            <Tabs.Tab value="write">Write</Tabs.Tab>
            <Tabs.Tab value="preview">Preview</Tabs.Tab>
          </Tabs.List>
          <Tabs.Panel value="write" pt="xs">
            <Textarea
              aria-label="Instructions"
              autosize
              minRows={5}
              maxRows={14}
              ff="monospace"
              fz="xs"
              placeholder={'What to check or run, e.g.\n\n```powershell\nGet-Printer | ft Name,PrinterStatus\n```'}
              value={node.body ?? ''}
              onChange={(e) => onChange({ ...node, body: e.currentTarget.value })}
            />
          </Tabs.Panel>
          <Tabs.Panel value="preview" pt="xs">
            <Paper withBorder p="sm" mih={100}>
              {node.body ? <Markdown>{node.body}</Markdown> : <Text c="dimmed" size="sm">Nothing written yet.</Text>}
            </Paper>
          </Tabs.Panel>
        </Tabs>
      </div>
      {node.kind === 'question' && (
        <Stack gap={6}>
          <Text size="sm" fw={500}>
            Answers
          </Text>
          {node.options.map((o, i) => (
            <Group key={i} gap={6} wrap="nowrap" align="flex-start">
              <TextInput
                aria-label={`Answer ${i + 1}`}
                style={{ flex: 1 }}
                value={o.label}
                onChange={(e) =>
                  onChange({ ...node, options: node.options.map((x, j) => (j === i ? { ...x, label: e.currentTarget.value } : x)) })
                }
              />
              <Select
                aria-label={`Answer ${i + 1} leads to`}
                style={{ flex: 1.2 }}
                data={targets}
                searchable
                value={o.next || null}
                placeholder="Leads to…"
                onChange={(v) => onChange({ ...node, options: node.options.map((x, j) => (j === i ? { ...x, next: v ?? '' } : x)) })}
              />
              <ActionIcon
                variant="subtle"
                color="red"
                mt={6}
                aria-label={`Remove answer ${i + 1}`}
                onClick={() => onChange({ ...node, options: node.options.filter((_, j) => j !== i) })}
              >
                <IconTrash size={14} />
              </ActionIcon>
            </Group>
          ))}
          <Button
            variant="light"
            size="xs"
            leftSection={<IconPlus size={14} />}
            onClick={() => onChange({ ...node, options: [...node.options, { label: `Answer ${node.options.length + 1}`, next: '' }] })}
          >
            Add answer
          </Button>
        </Stack>
      )}
      {node.kind === 'link' && (
        <Select
          label="Continue in tree"
          data={linkTargets}
          searchable
          value={node.tree_id || null}
          onChange={(v) => onChange({ ...node, tree_id: v ?? '' })}
        />
      )}
      {(node.kind === 'action' || node.kind === 'link') && (
        <Select
          label={node.kind === 'action' ? 'Then go to' : 'Come back to (optional)'}
          data={targets}
          searchable
          clearable={node.kind === 'link'}
          value={node.next || null}
          onChange={(v) =>
            onChange(node.kind === 'action' ? { ...node, next: v ?? '' } : { ...node, ...(v ? { next: v } : { next: undefined }) })
          }
        />
      )}
    </Stack>
  );
}
