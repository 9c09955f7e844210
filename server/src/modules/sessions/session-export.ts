import { createRequire } from 'node:module';
import path from 'node:path';
import PDFDocument from 'pdfkit';
import { formatDuration, type SessionDocumentation, type SessionResponse } from '@flowpilot/contracts';
import type { ExportFile } from '../../lib/http.ts';
import { escapeHtml } from '../../lib/html.ts';
import { creditLine, documented, environmentLines, stepAuthors } from './documentation.ts';

type Format = 'markdown' | 'json' | 'html' | 'pdf';

/** DejaVu Sans covers far more of Unicode than the PDF standard fonts (names, accents, arrows, Cyrillic, Greek). */
const FONT_DIR = path.join(path.dirname(createRequire(import.meta.url).resolve('dejavu-fonts-ttf/package.json')), 'ttf');
const FONT = path.join(FONT_DIR, 'DejaVuSans.ttf');
const FONT_BOLD = path.join(FONT_DIR, 'DejaVuSans-Bold.ttf');

/** Every step, pauses included, in words: the full history that exports carry after the write-up. */
function historyRows(session: SessionResponse) {
  return session.steps.map((s) => {
    const what =
      s.kind === 'off_tree'
        ? `Off the tree: ${s.action ?? ''}`
        : s.kind === 'answer' || s.kind === 'note' || s.kind === 'back' || s.kind === 'enter_link' || s.kind === 'return_link'
          ? `${s.kind.replace('_', ' ')}: ${s.node_title ?? s.node_id ?? ''}`
          : s.kind.replace('_', ' ');
    return {
      seq: s.seq,
      at: s.created_at,
      by: s.user_name ?? '',
      what,
      answer: s.answer ?? s.outcome ?? '',
      note: s.note ?? '',
      time: s.duration_seconds ? formatDuration(s.duration_seconds) : '',
    };
  });
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

function markdown(session: SessionResponse, doc: SessionDocumentation): string {
  const lines = [doc.markdown.trimEnd(), '', '## Full history', '', '| # | When (UTC) | Who | What | Answer / outcome | Note | Time |', '| ---: | --- | --- | --- | --- | --- | ---: |'];
  for (const r of historyRows(session)) {
    lines.push(`| ${r.seq} | ${r.at.replace('T', ' ').slice(0, 19)} | ${cell(r.by)} | ${cell(r.what)} | ${cell(r.answer)} | ${cell(r.note)} | ${r.time} |`);
  }
  lines.push('', `_Session ${session.id}, status ${session.status}._`, '');
  return lines.join('\n');
}

function html(session: SessionResponse, doc: SessionDocumentation): string {
  const rows = historyRows(session)
    .map((r) => `<tr><td>${r.seq}</td><td>${escapeHtml(r.at.replace('T', ' ').slice(0, 19))}</td><td>${escapeHtml(r.by)}</td><td>${escapeHtml(r.what)}</td><td>${escapeHtml(r.answer)}</td><td>${escapeHtml(r.note)}</td><td>${escapeHtml(r.time)}</td></tr>`)
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(`Session: ${doc.tree.title}`)}</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1a1b1e}dt{font-weight:600}dd{margin:0 0 .4rem}table{border-collapse:collapse;width:100%;font-size:13px}td,th{border:1px solid #ccc;padding:4px 6px;text-align:left;vertical-align:top}blockquote{margin:.2rem 0 .2rem 1rem;color:#555}</style>
</head><body>
${doc.html}
<h2>Full history</h2>
<table><thead><tr><th>#</th><th>When (UTC)</th><th>Who</th><th>What</th><th>Answer / outcome</th><th>Note</th><th>Time</th></tr></thead><tbody>
${rows}
</tbody></table>
<p><small>Session ${escapeHtml(session.id)}, status ${escapeHtml(session.status)}.</small></p>
</body></html>
`;
}

/** A PDF laid out by pdfkit: the write-up, then the full history. */
function pdf(session: SessionResponse, doc: SessionDocumentation): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const pdfDoc = new PDFDocument({ size: 'A4', margin: 50, info: { Title: `Session documentation: ${doc.tree.title}`, Author: 'FlowPilot' } });
    const chunks: Buffer[] = [];
    pdfDoc.on('data', (c: Buffer) => chunks.push(c));
    pdfDoc.on('end', () => resolve(Buffer.concat(chunks)));
    pdfDoc.on('error', reject);
    pdfDoc.registerFont('Body', FONT);
    pdfDoc.registerFont('Bold', FONT_BOLD);
    const heading = (text: string) => pdfDoc.moveDown(0.6).font('Bold').fontSize(13).text(text).moveDown(0.2).font('Body').fontSize(10.5);
    pdfDoc.font('Bold').fontSize(17).text(`Session documentation: ${doc.tree.title}`);
    pdfDoc.moveDown(0.4).font('Body').fontSize(10.5).text(doc.summary);
    const credit = creditLine(doc);
    if (credit) pdfDoc.moveDown(0.3).font('Bold').text('Who: ', { continued: true }).font('Body').text(credit);
    heading('Problem');
    pdfDoc.text(doc.problem || 'Not recorded.');
    heading('Environment');
    for (const [k, v] of environmentLines(doc)) pdfDoc.font('Bold').text(`${k}: `, { continued: true }).font('Body').text(v);
    heading('Steps');
    const steps = doc.steps.filter(documented);
    const author = stepAuthors(steps);
    if (steps.length === 0) pdfDoc.text('No steps recorded.');
    steps.forEach((s, i) => {
      const parts = [`${i + 1}. ${s.title}`];
      if (s.answer) parts.push(`— ${s.answer}`);
      if (s.outcome) parts.push(`— ${s.outcome}`);
      if (s.duration_seconds) parts.push(`(${formatDuration(s.duration_seconds)})`);
      if (author(s)) parts.push(`· ${author(s)}`);
      pdfDoc.text(parts.join(' '));
      if (s.note) pdfDoc.fillColor('#555').text(`Note: ${s.note}`, { indent: 14 }).fillColor('black');
    });
    heading(doc.kind === 'completion' ? 'Resolution' : 'Outcome');
    pdfDoc.text(doc.resolution ?? (doc.kind === 'escalation' ? 'Escalated to a senior engineer.' : 'Not recorded.'));
    heading('Full history');
    pdfDoc.fontSize(9);
    for (const r of historyRows(session)) {
      const tail = [r.answer && `→ ${r.answer}`, r.time && `(${r.time})`].filter(Boolean).join(' ');
      pdfDoc.text(`${r.seq}. ${r.at.replace('T', ' ').slice(0, 19)}  ${r.by}  ${r.what}${tail ? ` ${tail}` : ''}`);
      if (r.note) pdfDoc.fillColor('#555').text(`Note: ${r.note}`, { indent: 14 }).fillColor('black');
    }
    pdfDoc.moveDown().fontSize(8).fillColor('#777').text(`Session ${session.id}, status ${session.status}. Generated by FlowPilot.`);
    pdfDoc.end();
  });
}

/** The session as a file in the asked format, with its documentation and full history. */
export async function exportSession(session: SessionResponse, doc: SessionDocumentation, format: Format): Promise<ExportFile> {
  const stem = `session-${[session.ticket_id, session.client_name].filter(Boolean).join('-') || session.id.slice(0, 8)}`
    .replace(/[^\p{L}\p{N}.-]+/gu, '-')
    .slice(0, 80);
  switch (format) {
    case 'markdown':
      return { filename: `${stem}.md`, contentType: 'text/markdown; charset=utf-8', body: markdown(session, doc) };
    case 'json':
      return { filename: `${stem}.json`, contentType: 'application/json; charset=utf-8', body: JSON.stringify({ session, documentation: doc }, null, 2) };
    case 'html':
      return { filename: `${stem}.html`, contentType: 'text/html; charset=utf-8', body: html(session, doc) };
    case 'pdf':
      return { filename: `${stem}.pdf`, contentType: 'application/pdf', body: await pdf(session, doc) };
  }
}
