import { callService, DeliveryError, isRetryableStatus, JSON_HEADERS, parseRetryAfter, type OutboundResponse } from '../outbound.ts';
import { fitText, headline, oneLine, safeLink, senderLabel, UNKNOWN, type EscalationMessage } from './escalation-message.ts';

/**
 * The most a FlowPilot card may weigh as sent (UTF-8 JSON). Teams documents about 28 KB for
 * a whole message and has refused less; staying well under leaves room for that.
 */
export const TEAMS_MAX_BODY_BYTES = 24 * 1024;

/** The attachment content type the Workflows template's "Post card" step looks for. */
export const ADAPTIVE_CARD_CONTENT_TYPE = 'application/vnd.microsoft.card.adaptive';

interface TextBlock {
  type: 'TextBlock';
  text: string;
  wrap: true;
  weight?: 'Bolder';
  size?: 'Medium';
  isSubtle?: boolean;
  spacing?: 'Medium';
}

interface FactSet {
  type: 'FactSet';
  facts: { title: string; value: string }[];
}

/** An Adaptive Card 1.4 as FlowPilot builds it: only elements every Teams client renders. */
export interface AdaptiveCard {
  $schema: 'http://adaptivecards.io/schemas/adaptive-card.json';
  type: 'AdaptiveCard';
  version: '1.4';
  fallbackText: string;
  body: (TextBlock | FactSet)[];
  actions: { type: 'Action.OpenUrl'; title: string; url: string }[];
}

/** The body a Teams Workflows webhook ("When a Teams webhook request is received") expects. */
export interface TeamsWorkflowBody {
  type: 'message';
  attachments: { contentType: typeof ADAPTIVE_CARD_CONTENT_TYPE; contentUrl: null; content: AdaptiveCard }[];
}

/**
 * Card text is a Markdown subset. HTML is never rendered (so `<script>` shows as typed),
 * but `[text](url)` becomes a link whose target the reader cannot see: a zero-width space
 * between `]` and `(` keeps user text from disguising a link, and changes nothing visible.
 */
function plain(text: string): string {
  return text.replace(/\r\n?/g, '\n').replace(/\]\(/g, ']\u200B(');
}

/** Caps on each piece of user text, in characters, before the size check scales them down. */
const CAPS = { headline: 200, name: 100, tree: 200, fact: 300, problem: 1000, reason: 6000 };

function factValue(value: string | null, max: number): string {
  return value === null || oneLine(value) === '' ? UNKNOWN : fitText(plain(oneLine(value)), max);
}

function buildCard(msg: EscalationMessage, scale: number): TeamsWorkflowBody {
  const cap = (n: number) => Math.max(20, Math.floor(n * scale));
  const title = fitText(plain(oneLine(headline(msg))), cap(CAPS.headline));
  const tech = fitText(plain(oneLine(msg.technicianName)), cap(CAPS.name));
  const tree = fitText(plain(oneLine(msg.treeTitle)), cap(CAPS.tree));
  const target = msg.targetName ? fitText(plain(oneLine(msg.targetName)), cap(CAPS.name)) : null;
  const summary =
    msg.kind === 'transfer'
      ? `${tech} handed a "${tree}" session over to ${target ?? 'you'}.`
      : msg.kind === 'reminder'
        ? `${tech} escalated a "${tree}" session to ${target ?? 'the team queue'}; nobody has picked it up yet.`
        : `${tech} escalated a "${tree}" session to ${target ?? 'the team queue'}.`;
  const ticket = msg.ticketId ? `#${oneLine(msg.ticketId).replace(/^#+/, '')}` : null;

  const facts: FactSet['facts'] = [
    { title: 'Client', value: factValue(msg.clientName, cap(CAPS.fact)) },
    { title: 'Device', value: factValue(msg.device, cap(CAPS.fact)) },
    { title: 'Ticket', value: factValue(ticket, cap(CAPS.fact)) },
    { title: 'Problem', value: factValue(msg.problem, cap(CAPS.problem)) },
    { title: senderLabel(msg), value: tech },
    { title: 'Steps tried', value: String(msg.stepsTried) },
    { title: 'Stopped at', value: factValue(msg.stoppedAt, cap(CAPS.fact)) },
  ];
  if (msg.kind === 'reminder' && msg.waitingMinutes !== undefined) {
    facts.push({ title: 'Waiting', value: `${Math.max(0, Math.round(msg.waitingMinutes))} min` });
  }

  const reason = msg.reason.trim() === '' ? UNKNOWN : fitText(plain(msg.reason.trim()), cap(CAPS.reason));
  const body: AdaptiveCard['body'] = [
    { type: 'TextBlock', text: title, weight: 'Bolder', size: 'Medium', wrap: true },
    { type: 'TextBlock', text: summary, isSubtle: true, wrap: true },
    { type: 'FactSet', facts },
    { type: 'TextBlock', text: 'Reason', weight: 'Bolder', spacing: 'Medium', wrap: true },
    { type: 'TextBlock', text: reason, wrap: true },
  ];
  const link = safeLink(msg.link);
  if (!link) body.push({ type: 'TextBlock', text: 'Open the escalation queue in FlowPilot to pick it up.', wrap: true });

  return {
    type: 'message',
    attachments: [
      {
        contentType: ADAPTIVE_CARD_CONTENT_TYPE,
        contentUrl: null,
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.4',
          fallbackText: title,
          body,
          actions: link ? [{ type: 'Action.OpenUrl', title: 'Open pickup screen', url: link }] : [],
        },
      },
    ],
  };
}

/** Bytes on the wire, as Teams counts the message size. */
export const teamsBodyBytes = (body: TeamsWorkflowBody) => Buffer.byteLength(JSON.stringify(body), 'utf8');

/**
 * The Workflows webhook body for an escalation notice: one Adaptive Card 1.4 with the
 * headline, who sent it where, the facts, the reason and an "Open pickup screen" button.
 * Teams answers 202 before the flow renders the card, so a card Teams cannot show fails
 * silently; the card therefore uses only plain TextBlocks, a FactSet and Action.OpenUrl,
 * and is shrunk (the reason first, as it is the longest) until it fits the size limit.
 */
export function buildTeamsMessage(msg: EscalationMessage): TeamsWorkflowBody {
  let scale = 1;
  let body = buildCard(msg, scale);
  while (teamsBodyBytes(body) > TEAMS_MAX_BODY_BYTES && scale > 0.001) {
    scale *= 0.7;
    body = buildCard(msg, scale);
  }
  return body;
}

const SERVICE = 'Teams';

/** The error code of a Logic Apps / Power Automate answer; never its message, which names the workflow. */
function flowCode(res: OutboundResponse): string | null {
  try {
    const code = (JSON.parse(res.text) as { error?: { code?: unknown } }).error?.code;
    return typeof code === 'string' && /^[A-Za-z][A-Za-z0-9_.]{0,79}$/.test(code) ? code : null;
  } catch {
    return null;
  }
}

function teamsFailure(res: OutboundResponse): DeliveryError {
  const code = flowCode(res);
  const said = `HTTP ${res.status}${code ? `: ${code}` : ''}`;
  const status = res.status;
  const retryAfterMs = parseRetryAfter(res.headers);
  if (status === 429) return new DeliveryError(`Posting to Teams failed: Teams is rate limiting this workflow (${said})`, { retryable: true, retryAfterMs, status });
  if (status >= 500) return new DeliveryError(`Posting to Teams failed: Teams had an error (${said})`, { retryable: true, retryAfterMs, status });
  if (status === 401 || status === 403) {
    return new DeliveryError(`Posting to Teams failed: the workflow URL was refused (expired or wrong signature): create it again in Teams and paste the new URL under Integrations (${said})`, {
      retryable: false,
      status,
    });
  }
  if (status === 404) {
    return new DeliveryError(`Posting to Teams failed: the workflow was not found, so it was probably deleted: create it again in Teams and paste the new URL under Integrations (${said})`, {
      retryable: false,
      status,
    });
  }
  if (status === 413) return new DeliveryError(`Posting to Teams failed: the message is too large for Teams (${said})`, { retryable: false, status });
  if (status === 400) return new DeliveryError(`Posting to Teams failed: the workflow refused the message format (${said}); check that the workflow is "Post to a channel when a webhook request is received"`, { retryable: false, status });
  return new DeliveryError(`Posting to Teams failed: Teams refused the message (${said})`, { retryable: isRetryableStatus(status), status });
}

/**
 * Posts a card to a Teams Workflows webhook. Any 2xx counts as accepted: the flow answers
 * 202 and runs later, so acceptance is not proof the card was shown (integrations.md §5.3).
 * 429 (with Retry-After), 5xx, network errors and timeouts are retryable; 400/401/403/404
 * are not. The URL carries its signature (`sig=`), so no message ever contains it.
 */
export async function postTeams(url: string, body: TeamsWorkflowBody, opts: { timeoutMs: number; allowPrivate: boolean }): Promise<void> {
  const res = await callService(url, { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify(body) }, {
    service: SERVICE,
    allowPrivate: opts.allowPrivate,
    timeoutMs: opts.timeoutMs,
  });
  if (res.status < 200 || res.status >= 300) throw teamsFailure(res);
}
