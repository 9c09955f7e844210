import { formatDuration, type SessionDocumentation } from '@flowpilot/contracts';
import { escapeHtml } from '../../lib/html.ts';
import type { DocumentationContent } from '../../db/schema/sessions.ts';
import type { SessionWithNames, StepWithName } from './sessions.repository.ts';

type DocStep = SessionDocumentation['steps'][number];
export type DocumentationKind = SessionDocumentation['kind'];

/** What the documentation says at its end when there is no resolution. */
export const OPEN_ENDING: Record<DocumentationKind, string | null> = {
  completion: null,
  escalation: 'Escalated to a senior engineer.',
  transfer: 'Handed over to a colleague, who continues the session.',
};

/** One step in words, as the documentation and the PSA note show it. */
export function describeStep(step: StepWithName): string {
  const node = step.node_title ? `"${step.node_title}"` : 'the current step';
  switch (step.kind) {
    case 'answer':
      return step.node_kind === 'action' ? `Done: ${step.node_title}` : step.node_kind === 'solution' ? `Tried solution: ${step.node_title}` : (step.node_title ?? 'Answered');
    case 'enter_link':
      return `Opened the linked tree at ${node}`;
    case 'return_link':
      return `Finished the linked tree at ${node} and returned`;
    case 'note':
      return `Note on ${node}`;
    case 'back':
      return `Went back from ${node}`;
    case 'off_tree':
      return `Off the tree: ${step.action ?? ''}`;
    case 'pause':
      return 'Paused';
    case 'resume':
      return 'Resumed';
    case 'context':
      return 'Updated the ticket details';
    case 'complete':
      return 'Completed';
    case 'abandon':
      return 'Abandoned';
    case 'escalate':
      return `Escalated at ${node}`;
    case 'transfer':
      return `Handed over at ${node}`;
    case 'pickup':
      return 'Picked up the escalation';
    default:
      return step.kind;
  }
}

export function toDocStep(step: StepWithName): DocStep {
  return {
    seq: step.seq,
    kind: step.kind as DocStep['kind'],
    title: describeStep(step),
    answer: step.answer,
    note: step.note,
    outcome: step.outcome,
    duration_seconds: Math.round(step.duration_ms / 1000),
    at: step.created_at.toISOString(),
    by: step.user_name,
  };
}

/** Steps worth a line in a write-up: pauses and resumes only add noise. */
export const documented = (s: DocStep) => s.kind !== 'pause' && s.kind !== 'resume';

export function buildContent(session: SessionWithNames, steps: StepWithName[], totalSeconds: number): DocumentationContent {
  return {
    problem: session.problem_summary ?? '',
    environment: { ticket_id: session.ticket_id, client_name: session.client_name, device: session.device },
    tree: { id: session.tree_id, title: session.tree_title, version: session.tree_version },
    steps: steps.map(toDocStep),
    resolution: session.resolution,
    total_seconds: totalSeconds,
  };
}

/** The deterministic summary, used at once and whenever no AI provider is configured or it fails. */
export function templateSummary(content: DocumentationContent, kind: DocumentationKind, technician: string | null): string {
  const moves = content.steps.filter((s) => s.kind === 'answer' || s.kind === 'off_tree').length;
  const problem = content.problem ? `"${content.problem}"` : 'the reported problem';
  const client = content.environment.client_name ? ` for ${content.environment.client_name}` : '';
  const ticket = content.environment.ticket_id ? ` (ticket ${content.environment.ticket_id})` : '';
  const who = technician ?? 'The technician';
  const outcome = kind === 'completion' ? 'resolved' : kind === 'escalation' ? 'escalated' : 'handed over';
  const base = `${who} ${outcome} ${problem}${client}${ticket} with the "${content.tree.title}" tree in ${formatDuration(content.total_seconds)} over ${moves} step${moves === 1 ? '' : 's'}.`;
  if (kind === 'completion' && content.resolution) return `${base} Resolution: ${content.resolution}`;
  return base;
}

/** Markdown that reads well as plain text too; user text is quoted, never interpreted as headings or links. */
const mdInline = (text: string) => text.replace(/([\\`*_[\]<>#|])/g, '\\$1').replace(/\r?\n/g, ' ');

export function environmentLines(content: DocumentationContent): [string, string][] {
  const rows: [string, string][] = [];
  if (content.environment.ticket_id) rows.push(['Ticket', content.environment.ticket_id]);
  if (content.environment.client_name) rows.push(['Client', content.environment.client_name]);
  if (content.environment.device) rows.push(['Device', content.environment.device]);
  rows.push(['Tree', `${content.tree.title} (version ${content.tree.version})`]);
  rows.push(['Time worked', formatDuration(content.total_seconds)]);
  return rows;
}

export function renderMarkdown(content: DocumentationContent, summary: string, kind: DocumentationKind): string {
  const lines = [`# Session documentation: ${mdInline(content.tree.title)}`, '', `**Summary.** ${mdInline(summary)}`, '', '## Problem', '', content.problem ? mdInline(content.problem) : '_Not recorded._', '', '## Environment', ''];
  for (const [k, v] of environmentLines(content)) lines.push(`- **${k}:** ${mdInline(v)}`);
  lines.push('', '## Steps', '');
  const steps = content.steps.filter(documented);
  if (steps.length === 0) lines.push('_No steps recorded._');
  steps.forEach((s, i) => {
    const answer = s.answer ? ` — **${mdInline(s.answer)}**` : '';
    const outcome = s.outcome ? ` — ${mdInline(s.outcome)}` : '';
    const time = s.duration_seconds ? ` (${formatDuration(s.duration_seconds)})` : '';
    lines.push(`${i + 1}. ${mdInline(s.title)}${answer}${outcome}${time}`);
    if (s.note) lines.push(`   > ${mdInline(s.note)}`);
  });
  lines.push('', kind === 'completion' ? '## Resolution' : '## Outcome', '', content.resolution ? mdInline(content.resolution) : (OPEN_ENDING[kind] ?? '_Not recorded._'), '');
  return lines.join('\n');
}

export function renderHtml(content: DocumentationContent, summary: string, kind: DocumentationKind): string {
  const steps = content.steps.filter(documented);
  const env = environmentLines(content)
    .map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`)
    .join('');
  const items = steps
    .map((s) => {
      const answer = s.answer ? ` — <strong>${escapeHtml(s.answer)}</strong>` : '';
      const outcome = s.outcome ? ` — ${escapeHtml(s.outcome)}` : '';
      const time = s.duration_seconds ? ` <small>(${escapeHtml(formatDuration(s.duration_seconds))})</small>` : '';
      const note = s.note ? `<blockquote>${escapeHtml(s.note)}</blockquote>` : '';
      return `<li>${escapeHtml(s.title)}${answer}${outcome}${time}${note}</li>`;
    })
    .join('');
  const end = content.resolution ? escapeHtml(content.resolution) : (OPEN_ENDING[kind] ?? '<em>Not recorded.</em>');
  return [
    `<h1>Session documentation: ${escapeHtml(content.tree.title)}</h1>`,
    `<p><strong>Summary.</strong> ${escapeHtml(summary)}</p>`,
    `<h2>Problem</h2><p>${content.problem ? escapeHtml(content.problem) : '<em>Not recorded.</em>'}</p>`,
    `<h2>Environment</h2><dl>${env}</dl>`,
    `<h2>Steps</h2>${steps.length ? `<ol>${items}</ol>` : '<p><em>No steps recorded.</em></p>'}`,
    `<h2>${kind === 'completion' ? 'Resolution' : 'Outcome'}</h2><p>${end}</p>`,
  ].join('\n');
}

/** Plain text for a PSA note (ConnectWise and Autotask take no rich text), ending with the marker retries look for. */
export function renderPlainText(content: DocumentationContent, summary: string, marker: string): string {
  const lines = [`FlowPilot session documentation: ${content.tree.title}`, '', `Summary: ${summary}`, ''];
  if (content.problem) lines.push(`Problem: ${content.problem}`);
  for (const [k, v] of environmentLines(content)) lines.push(`${k}: ${v}`);
  lines.push('', 'Steps:');
  content.steps.filter(documented).forEach((s, i) => {
    const answer = s.answer ? ` -> ${s.answer}` : '';
    const outcome = s.outcome ? ` -> ${s.outcome}` : '';
    const time = s.duration_seconds ? ` (${formatDuration(s.duration_seconds)})` : '';
    lines.push(`${i + 1}. ${s.title}${answer}${outcome}${time}`);
    if (s.note) lines.push(`   Note: ${s.note}`);
  });
  if (content.resolution) lines.push('', `Resolution: ${content.resolution}`);
  lines.push('', marker);
  return lines.join('\n');
}

