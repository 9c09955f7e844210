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

/** One step in words, as the documentation and the PSA note show it (hand-overs name who did them). */
export function describeStep(step: StepWithName): string {
  const who = step.user_name;
  const node = step.node_title ? `"${step.node_title}"` : 'the current step';
  switch (step.kind) {
    case 'escalate':
      return who ? `${who} escalated at ${node}` : `Escalated at ${node}`;
    case 'transfer':
      return who ? `${who} handed over at ${node}` : `Handed over at ${node}`;
    case 'pickup':
      return who ? `${who} picked up the escalation` : 'Picked up the escalation';
    default:
      return describeStepWithoutNames(step);
  }
}

/** One step in words without anyone's name (what leaves for an AI model). */
export function describeStepWithoutNames(step: Pick<StepWithName, 'kind' | 'node_title' | 'node_kind' | 'action'>): string {
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

/** Who did what in the session, by name: the documentation's credit. */
export interface Credits {
  started_by: string | null;
  escalated_by: string | null;
  picked_up_by: string | null;
  resolved_by: string | null;
}

/** The last person who took a step of this kind. */
const lastBy = (steps: StepWithName[], kind: string) => steps.findLast((s) => s.kind === kind)?.user_name ?? null;

export function creditsOf(session: SessionWithNames, steps: StepWithName[]): Credits {
  return {
    started_by: session.user_name,
    escalated_by: lastBy(steps, 'escalate'),
    picked_up_by: lastBy(steps, 'pickup'),
    resolved_by: session.status === 'completed' ? lastBy(steps, 'complete') : null,
  };
}

/** The credits of documentation written before they were recorded: none known. */
export const creditsIn = (content: Partial<Credits>): Credits => ({
  started_by: content.started_by ?? null,
  escalated_by: content.escalated_by ?? null,
  picked_up_by: content.picked_up_by ?? null,
  resolved_by: content.resolved_by ?? null,
});

/** "Started by Jamie Chen · escalated by Jamie Chen · picked up by Sam Rivera · resolved by Sam Rivera", or null when nobody is known. */
export function creditLine(content: Partial<Credits>): string | null {
  const c = creditsIn(content);
  const parts = [
    c.started_by && `Started by ${c.started_by}`,
    c.escalated_by && `escalated by ${c.escalated_by}`,
    c.picked_up_by && `picked up by ${c.picked_up_by}`,
    c.resolved_by && `resolved by ${c.resolved_by}`,
  ].filter((x): x is string => Boolean(x));
  if (parts.length === 0) return null;
  const line = parts.join(' · ');
  return line.charAt(0).toUpperCase() + line.slice(1);
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

/**
 * Steps worth a line in a write-up: pauses and resumes only add noise, and
 * the completion is the resolution, which has a section of its own.
 */
export const documented = (s: DocStep) => s.kind !== 'pause' && s.kind !== 'resume' && s.kind !== 'complete';

/** Whose step it was, when more than one person worked on the session (hand-overs name them already). */
export function stepAuthors(steps: DocStep[]): (s: DocStep) => string | null {
  const people = new Set(steps.map((s) => s.by).filter(Boolean));
  return (s) => (people.size > 1 && s.by && s.kind !== 'escalate' && s.kind !== 'transfer' && s.kind !== 'pickup' ? s.by : null);
}

export function buildContent(session: SessionWithNames, steps: StepWithName[], totalSeconds: number): DocumentationContent {
  return {
    problem: session.problem_summary ?? '',
    environment: { ticket_id: session.ticket_id, client_name: session.client_name, device: session.device },
    tree: { id: session.tree_id, title: session.tree_title, version: session.tree_version },
    steps: steps.map(toDocStep),
    resolution: session.resolution,
    total_seconds: totalSeconds,
    ...creditsOf(session, steps),
  };
}

/**
 * The deterministic summary, used at once and whenever no AI provider is
 * configured or it fails: who did it, truthfully ("Sam Rivera resolved …
 * after Jamie Chen escalated it"). `actor` is who wrote this documentation
 * (the one completing, escalating or handing over). The resolution is not
 * repeated here: it has its own section.
 */
export function templateSummary(content: DocumentationContent, kind: DocumentationKind, actor: string | null): string {
  const c = creditsIn(content);
  const moves = content.steps.filter((s) => s.kind === 'answer' || s.kind === 'off_tree').length;
  const problem = content.problem ? `"${content.problem}"` : 'the reported problem';
  const client = content.environment.client_name ? ` for ${content.environment.client_name}` : '';
  const ticket = content.environment.ticket_id ? ` (ticket ${content.environment.ticket_id})` : '';
  const work = `with the "${content.tree.title}" tree in ${formatDuration(content.total_seconds)} over ${moves} step${moves === 1 ? '' : 's'}`;
  if (kind === 'completion') {
    const who = c.resolved_by ?? actor ?? 'The technician';
    if (c.escalated_by && c.escalated_by !== who) {
      const pickedUp = c.picked_up_by && c.picked_up_by !== who ? ` and ${c.picked_up_by} picked it up` : '';
      return `${who} resolved ${problem}${client}${ticket} after ${c.escalated_by} escalated it${pickedUp}, ${work}.`;
    }
    return `${who} resolved ${problem}${client}${ticket} ${work}.`;
  }
  const who = actor ?? 'The technician';
  const started = c.started_by && c.started_by !== who ? ` (started by ${c.started_by})` : '';
  return `${who} ${kind === 'escalation' ? 'escalated' : 'handed over'} ${problem}${client}${ticket}${started} ${work}.`;
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
  const credit = creditLine(content);
  const lines = [`# Session documentation: ${mdInline(content.tree.title)}`, '', `**Summary.** ${mdInline(summary)}`, ''];
  if (credit) lines.push(`**Who.** ${mdInline(credit)}`, '');
  lines.push('## Problem', '', content.problem ? mdInline(content.problem) : '_Not recorded._', '', '## Environment', '');
  for (const [k, v] of environmentLines(content)) lines.push(`- **${k}:** ${mdInline(v)}`);
  lines.push('', '## Steps', '');
  const steps = content.steps.filter(documented);
  const author = stepAuthors(steps);
  if (steps.length === 0) lines.push('_No steps recorded._');
  steps.forEach((s, i) => {
    const answer = s.answer ? ` — **${mdInline(s.answer)}**` : '';
    const outcome = s.outcome ? ` — ${mdInline(s.outcome)}` : '';
    const time = s.duration_seconds ? ` (${formatDuration(s.duration_seconds)})` : '';
    const by = author(s) ? ` · _${mdInline(author(s)!)}_` : '';
    lines.push(`${i + 1}. ${mdInline(s.title)}${answer}${outcome}${time}${by}`);
    if (s.note) lines.push(`   > ${mdInline(s.note)}`);
  });
  lines.push('', kind === 'completion' ? '## Resolution' : '## Outcome', '', content.resolution ? mdInline(content.resolution) : (OPEN_ENDING[kind] ?? '_Not recorded._'), '');
  return lines.join('\n');
}

export function renderHtml(content: DocumentationContent, summary: string, kind: DocumentationKind): string {
  const steps = content.steps.filter(documented);
  const author = stepAuthors(steps);
  const credit = creditLine(content);
  const env = environmentLines(content)
    .map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`)
    .join('');
  const items = steps
    .map((s) => {
      const answer = s.answer ? ` — <strong>${escapeHtml(s.answer)}</strong>` : '';
      const outcome = s.outcome ? ` — ${escapeHtml(s.outcome)}` : '';
      const time = s.duration_seconds ? ` <small>(${escapeHtml(formatDuration(s.duration_seconds))})</small>` : '';
      const note = s.note ? `<blockquote>${escapeHtml(s.note)}</blockquote>` : '';
      const by = author(s) ? ` · <em>${escapeHtml(author(s)!)}</em>` : '';
      return `<li>${escapeHtml(s.title)}${answer}${outcome}${time}${by}${note}</li>`;
    })
    .join('');
  const end = content.resolution ? escapeHtml(content.resolution) : (OPEN_ENDING[kind] ?? '<em>Not recorded.</em>');
  return [
    `<h1>Session documentation: ${escapeHtml(content.tree.title)}</h1>`,
    `<p><strong>Summary.</strong> ${escapeHtml(summary)}</p>`,
    ...(credit ? [`<p><strong>Who.</strong> ${escapeHtml(credit)}</p>`] : []),
    `<h2>Problem</h2><p>${content.problem ? escapeHtml(content.problem) : '<em>Not recorded.</em>'}</p>`,
    `<h2>Environment</h2><dl>${env}</dl>`,
    `<h2>Steps</h2>${steps.length ? `<ol>${items}</ol>` : '<p><em>No steps recorded.</em></p>'}`,
    `<h2>${kind === 'completion' ? 'Resolution' : 'Outcome'}</h2><p>${end}</p>`,
  ].join('\n');
}

/** Plain text for a PSA note (ConnectWise and Autotask take no rich text), ending with the marker retries look for. */
export function renderPlainText(content: DocumentationContent, summary: string, marker: string): string {
  const credit = creditLine(content);
  const lines = [`FlowPilot session documentation: ${content.tree.title}`, '', `Summary: ${summary}`, ...(credit ? [`Who: ${credit}`] : []), ''];
  if (content.problem) lines.push(`Problem: ${content.problem}`);
  for (const [k, v] of environmentLines(content)) lines.push(`${k}: ${v}`);
  lines.push('', 'Steps:');
  const steps = content.steps.filter(documented);
  const author = stepAuthors(steps);
  steps.forEach((s, i) => {
    const answer = s.answer ? ` -> ${s.answer}` : '';
    const outcome = s.outcome ? ` -> ${s.outcome}` : '';
    const time = s.duration_seconds ? ` (${formatDuration(s.duration_seconds)})` : '';
    const by = author(s) ? ` [${author(s)}]` : '';
    lines.push(`${i + 1}. ${s.title}${answer}${outcome}${time}${by}`);
    if (s.note) lines.push(`   Note: ${s.note}`);
  });
  if (content.resolution) lines.push('', `Resolution: ${content.resolution}`);
  lines.push('', marker);
  return lines.join('\n');
}

