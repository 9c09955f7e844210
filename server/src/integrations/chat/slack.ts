import { callService, DeliveryError, JSON_HEADERS, parseRetryAfter, type OutboundResponse } from '../outbound.ts';
import { fitText, headline, oneLine, safeLink, senderLabel, UNKNOWN, type EscalationMessage } from './escalation-message.ts';

/** Slack's own limits (integrations.md §4.2); going over them gets the whole message refused. */
export const SLACK_LIMITS = {
  headerText: 150,
  sectionText: 3000,
  fieldText: 2000,
  buttonText: 75,
  buttonUrl: 3000,
  /** Slack truncates at 40,000; a fallback that long is unreadable in a notification anyway. */
  fallbackText: 4000,
} as const;

interface PlainText {
  type: 'plain_text';
  text: string;
  emoji?: boolean;
}

interface Mrkdwn {
  type: 'mrkdwn';
  text: string;
}

/** The Block Kit blocks FlowPilot sends: a subset of `@slack/types` KnownBlock. */
export type SlackBlock =
  | { type: 'header'; block_id: string; text: PlainText }
  | { type: 'section'; block_id: string; text: Mrkdwn; fields?: Mrkdwn[] }
  | { type: 'context'; block_id: string; elements: Mrkdwn[] }
  | {
      type: 'actions';
      block_id: string;
      elements: { type: 'button'; action_id: string; text: PlainText; url: string; style: 'primary' }[];
    };

/** An incoming-webhook body; `text` is always set because notifications and old clients show only it. */
export interface SlackWebhookBody {
  text: string;
  blocks: SlackBlock[];
  unfurl_links: boolean;
  unfurl_media: boolean;
}

/**
 * Slack reads `&`, `<` and `>` as markup in mrkdwn and in the fallback text: `<!channel>`
 * would ping everyone and `<https://evil|Open>` would disguise a link. Escaping just these
 * three is what Slack asks for; other mrkdwn characters only change emphasis.
 */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** User text as a mrkdwn piece of at most `max` characters after escaping. */
const mrkdwn = (text: string, max: number) => fitText(text, max, escapeMrkdwn);

function summaryLine(msg: EscalationMessage): string {
  const tech = `*${mrkdwn(oneLine(msg.technicianName), 100)}*`;
  const tree = `*${mrkdwn(oneLine(msg.treeTitle), 200)}*`;
  const target = msg.targetName ? `*${mrkdwn(oneLine(msg.targetName), 100)}*` : 'the team queue';
  switch (msg.kind) {
    case 'escalation':
      return `${tech} escalated a ${tree} session to ${target}.`;
    case 'reminder':
      return `${tech} escalated a ${tree} session to ${target}; nobody has picked it up yet.`;
    case 'transfer':
      return `${tech} handed a ${tree} session over to ${msg.targetName ? target : 'you'}.`;
  }
}

function field(label: string, value: string | null): Mrkdwn {
  const head = `*${label}*\n`;
  const text = value === null || oneLine(value) === '' ? UNKNOWN : mrkdwn(oneLine(value), SLACK_LIMITS.fieldText - head.length);
  return { type: 'mrkdwn', text: head + text };
}

/**
 * The webhook body for an escalation notice: a header, who sent it where, the six facts a
 * senior needs to decide, the reason, and a button to the pickup screen. Every piece of user
 * text is escaped and cut to Slack's limits, because Slack refuses the whole message
 * (`invalid_blocks`) when one block is over, and a lost escalation is worse than a cut reason.
 */
export function buildSlackMessage(msg: EscalationMessage): SlackWebhookBody {
  const title = headline(msg);
  const problem = msg.problem && oneLine(msg.problem) !== '' ? `\n*Problem:* ${mrkdwn(oneLine(msg.problem), 1500)}` : '';
  // Each part is capped above, so the whole stays under the 3,000 of a section without a cut here
  // (a cut after escaping could split an entity such as `&amp;`).
  const summary = summaryLine(msg) + problem;
  const ticket = msg.ticketId ? `#${oneLine(msg.ticketId).replace(/^#+/, '')}` : null;

  const reasonHead = '*Reason*\n';
  const reason = msg.reason.trim() === '' ? UNKNOWN : mrkdwn(msg.reason.trim(), SLACK_LIMITS.sectionText - reasonHead.length);

  const link = safeLink(msg.link);
  const usableLink = link !== null && link.length <= SLACK_LIMITS.buttonUrl ? link : null;

  const blocks: SlackBlock[] = [
    { type: 'header', block_id: 'headline', text: { type: 'plain_text', text: fitText(oneLine(title), SLACK_LIMITS.headerText), emoji: true } },
    {
      type: 'section',
      block_id: 'summary',
      text: { type: 'mrkdwn', text: summary },
      fields: [
        field('Client', msg.clientName),
        field('Device', msg.device),
        field('Ticket', ticket),
        field(senderLabel(msg), msg.technicianName),
        field('Steps tried', String(msg.stepsTried)),
        field('Stopped at', msg.stoppedAt),
      ],
    },
    { type: 'section', block_id: 'reason', text: { type: 'mrkdwn', text: reasonHead + reason } },
  ];
  if (msg.kind === 'reminder' && msg.waitingMinutes !== undefined) {
    blocks.push({
      type: 'context',
      block_id: 'waiting',
      elements: [{ type: 'mrkdwn', text: `Waiting for pickup for ${Math.max(0, Math.round(msg.waitingMinutes))} min` }],
    });
  }
  if (usableLink) {
    blocks.push({
      type: 'actions',
      block_id: 'pickup',
      elements: [
        {
          type: 'button',
          action_id: 'open_pickup_screen',
          text: { type: 'plain_text', text: fitText('Open pickup screen', SLACK_LIMITS.buttonText) },
          url: usableLink,
          style: 'primary',
        },
      ],
    });
  } else {
    blocks.push({ type: 'context', block_id: 'pickup', elements: [{ type: 'mrkdwn', text: 'Open the escalation queue in FlowPilot to pick it up.' }] });
  }

  const fallbackReason = oneLine(msg.reason);
  const fallback = fallbackReason === '' ? oneLine(title) : `${oneLine(title)} – ${fallbackReason}`;
  return {
    text: mrkdwn(fallback, SLACK_LIMITS.fallbackText),
    blocks,
    // The pickup link needs a login: an unfurl would only show the sign-in page.
    unfurl_links: false,
    unfurl_media: false,
  };
}

const SERVICE = 'Slack';

/** The answers that mean the webhook itself is gone or revoked: retrying cannot help, only a new webhook can. */
const RECONFIGURE = new Set(['no_service', 'no_service_id', 'no_team', 'no_active_hooks', 'channel_not_found', 'channel_is_archived', 'invalid_token', 'team_disabled']);

/** The error string Slack puts in the body, or null when the body is not one (only a bare code is safe to repeat). */
function slackCode(res: OutboundResponse): string | null {
  const text = res.text.trim();
  return /^[a-z][a-z0-9_]{0,63}$/.test(text) ? text : null;
}

function slackFailure(res: OutboundResponse): DeliveryError {
  const code = slackCode(res);
  const said = `HTTP ${res.status}${code ? `: ${code}` : ''}`;
  const status = res.status;
  if (status === 429) {
    return new DeliveryError(`Posting to Slack failed: Slack is rate limiting this webhook (${said})`, {
      retryable: true,
      retryAfterMs: parseRetryAfter(res.headers),
      status,
    });
  }
  if (status >= 500) {
    return new DeliveryError(`Posting to Slack failed: Slack had an error (${said})`, { retryable: true, retryAfterMs: parseRetryAfter(res.headers), status });
  }
  if (code !== null && RECONFIGURE.has(code)) {
    return new DeliveryError(
      `Posting to Slack failed: the webhook no longer works (${said}). Set up the incoming webhook again in Slack and paste the new URL under Integrations`,
      { retryable: false, status },
    );
  }
  if (code === 'action_prohibited' || code === 'posting_to_general_channel_denied') {
    return new DeliveryError(`Posting to Slack failed: the Slack workspace does not let this webhook post there (${said})`, { retryable: false, status });
  }
  if (status >= 200 && status < 300) {
    // Slack answers exactly 200 "ok": anything else means this is not the webhook we think it is.
    return new DeliveryError(`Posting to Slack failed: the webhook gave an unexpected answer (${said}); check the webhook URL`, { retryable: false, status });
  }
  return new DeliveryError(`Posting to Slack failed: Slack refused the message (${said})`, { retryable: false, status });
}

/**
 * Posts a message to a Slack incoming webhook. Only 200 counts as delivered; 429 (with its
 * Retry-After), 5xx, network errors and timeouts are retryable, other answers are not
 * (integrations.md §4.3). The webhook URL is the credential, so no message or log ever
 * contains it: errors repeat only the status and Slack's bare error code.
 */
export async function postSlack(webhookUrl: string, body: SlackWebhookBody, opts: { timeoutMs: number; allowPrivate: boolean }): Promise<void> {
  const res = await callService(
    webhookUrl,
    { method: 'POST', headers: { ...JSON_HEADERS, accept: 'text/plain, */*' }, body: JSON.stringify(body) },
    { service: SERVICE, allowPrivate: opts.allowPrivate, timeoutMs: opts.timeoutMs },
  );
  if (res.status !== 200) throw slackFailure(res);
}
