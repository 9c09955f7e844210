/**
 * What every escalation notice says, whatever carries it (Slack, Teams, email). The
 * channel adapters only decide how it looks; the facts and the wording of the headline
 * come from here so a senior reads the same thing in every channel.
 */
export interface EscalationMessage {
  kind: 'escalation' | 'reminder' | 'transfer';
  sessionId: string;
  treeTitle: string;
  ticketId: string | null;
  clientName: string | null;
  device: string | null;
  problem: string | null;
  /** The technician's reason, free text as typed. */
  reason: string;
  /** Who escalated (or handed over) the session. */
  technicianName: string;
  /** The engineer it was sent to; null means the team's escalation queue. */
  targetName: string | null;
  /** Title of the tree node where the technician stopped. */
  stoppedAt: string | null;
  stepsTried: number;
  /** For reminders: how long the escalation has waited for pickup. */
  waitingMinutes?: number;
  /** Absolute URL of the pickup screen. */
  link: string;
}

const ELLIPSIS = '…';
const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * Collapses line breaks and runs of white space: headlines, subjects and field values are
 * one line, and a user-typed newline must not be able to start a new header or list item.
 */
export function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/**
 * Cuts `text` so that, once `encode`d, it is at most `max` UTF-16 units long, ending with
 * "…" when something was cut. It cuts between whole characters (an emoji or a letter with
 * its accents is never split) and never inside an escape such as `&amp;`, which is why the
 * encoding happens here, piece by piece, rather than after a plain cut. UTF-16 length is
 * the strictest count the services might use (it is never less than the code-point count).
 */
export function fitText(text: string, max: number, encode: (piece: string) => string = (s) => s): string {
  const whole = encode(text);
  if (whole.length <= max) return whole;
  const room = max - ELLIPSIS.length;
  let out = '';
  for (const { segment } of graphemes.segment(text)) {
    const piece = encode(segment);
    if (out.length + piece.length > room) break;
    out += piece;
  }
  return out.trimEnd() + ELLIPSIS;
}

/** "ACME Ltd – ticket #4711", falling back to the tree's title when neither is known. */
export function subjectOf(msg: EscalationMessage): string {
  const ticket = msg.ticketId ? `ticket #${oneLine(msg.ticketId).replace(/^#+/, '')}` : null;
  const parts = [msg.clientName ? oneLine(msg.clientName) : null, ticket].filter((p): p is string => !!p);
  return parts.length > 0 ? parts.join(' – ') : oneLine(msg.treeTitle);
}

/**
 * The one-line summary shown as a notification title, card header and email subject:
 * "Escalation: ACME Ltd – ticket #4711", "Still waiting for pickup (12 min): …",
 * "Session handed over to you: …". Unbounded: each channel cuts it to its own limit.
 */
export function headline(msg: EscalationMessage): string {
  const subject = subjectOf(msg);
  switch (msg.kind) {
    case 'escalation':
      return `Escalation: ${subject}`;
    case 'reminder':
      return msg.waitingMinutes === undefined
        ? `Still waiting for pickup: ${subject}`
        : `Still waiting for pickup (${Math.max(0, Math.round(msg.waitingMinutes))} min): ${subject}`;
    case 'transfer':
      return `Session handed over to you: ${subject}`;
  }
}

/** How a channel shows an unknown value, so an empty field reads as "not recorded" rather than a gap. */
export const UNKNOWN = '—';

/** Label for the person who sent it: a transfer is not an escalation. */
export function senderLabel(msg: EscalationMessage): string {
  return msg.kind === 'transfer' ? 'Handed over by' : 'Escalated by';
}

/**
 * The link as a URL a button may open, or null when it is not an absolute http(s) URL:
 * a relative or `javascript:` link must never reach a button, whatever built the message.
 */
export function safeLink(link: string): string | null {
  try {
    const url = new URL(link);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : null;
  } catch {
    return null;
  }
}
