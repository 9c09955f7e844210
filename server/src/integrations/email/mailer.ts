import { randomUUID } from 'node:crypto';
import { link, mkdir, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import nodemailer, { type NodemailerError, type SendMailOptions } from 'nodemailer';
import { escapeHtml } from '../../lib/html.ts';
import { fitText, headline, oneLine, safeLink, senderLabel, UNKNOWN, type EscalationMessage } from '../chat/escalation-message.ts';
import { DeliveryError } from '../outbound.ts';

/** A finished notification email: who gets it and both renderings of the same content. */
export interface OutgoingEmail {
  to: { name: string; email: string };
  subject: string;
  /** The plain-text part; meaningful on its own, never "view this in HTML". */
  text: string;
  html: string;
}

/** Built once at start-up and shared, so SMTP settings are read and checked in one place. */
export interface Mailer {
  /** Sends one email; `where` says where it went (the SMTP host, or the .eml file written). */
  /**
   * `key`, when given, makes the send repeatable: the Message-ID is derived from it (mail
   * clients show one message for one Message-ID) and the outbox file is written once.
   */
  send(mail: OutgoingEmail, key?: string): Promise<{ messageId: string; where: string }>;
  /** Releases the SMTP connection; nothing to do for the outbox. */
  close(): void;
  /** Where mail goes, for logs and the "send test" answer; never contains the password. */
  describe: string;
}

/** Read once from config: SMTP_URL, DATA_DIR/outbox and EMAIL_FROM. */
export interface MailerOptions {
  /** `smtp://` or `smtps://` with optional user:password; unset writes .eml files to the outbox instead. */
  smtpUrl?: string;
  outboxDir: string;
  /** The From header, e.g. `"FlowPilot" <noreply@msp.example>`. */
  from: string;
  /** Connection and greeting timeout; an idle socket gets twice this. 10 s by default. */
  timeoutMs?: number;
}

/**
 * The domain for our Message-IDs: the sender's, so the id looks like the mail's own, or
 * `flowpilot.local` when the From address has none we can use.
 */
function messageIdHost(from: string): string {
  const domain = /@([A-Za-z0-9.-]+)>?\s*$/.exec(from.trim())?.[1];
  return domain && /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$/.test(domain) ? domain.toLowerCase() : 'flowpilot.local';
}

/** Removes the SMTP user name and password from any text we are about to show, however the server echoed them. */
function redactor(smtpUrl: string | undefined): (text: string) => string {
  if (!smtpUrl) return (text) => text;
  const secrets: string[] = [];
  try {
    const url = new URL(smtpUrl);
    for (const raw of [url.password, url.username]) {
      secrets.push(raw);
      try {
        secrets.push(decodeURIComponent(raw));
      } catch {
        // A malformed %-escape: the raw value above is still hidden.
      }
    }
  } catch {
    // Not a URL: only the whole setting is hidden.
  }
  const hidden = secrets.filter((s) => s.length >= 3);
  return (text) => hidden.reduce((out, secret) => out.split(secret).join('***'), text.split(smtpUrl).join('***'));
}

/** The SMTP target without credentials: `smtp://mail.example.com:587`. */
function describeSmtp(smtpUrl: string): string {
  try {
    const url = new URL(smtpUrl);
    const secure = url.protocol === 'smtps:';
    return `${secure ? 'smtps' : 'smtp'}://${url.hostname}:${url.port || (secure ? '465' : '587')}`;
  } catch {
    return 'SMTP (the SMTP_URL is not a valid URL)';
  }
}

/** Connection-level failures: the message was not refused, the server was not reached or went away. */
const TRANSIENT_CODES = new Set(['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS', 'ETLS', 'EPROTOCOL', 'ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

/**
 * Turns what nodemailer threw into words an admin can act on. SMTP reply codes decide:
 * 4xx is "try later", 5xx is "refused for good" (nodemailer's `permanent` flag agrees,
 * except that it treats 503, a bad command sequence, as worth a new connection). Errors
 * without a reply are network trouble and worth another try.
 */
function smtpFailure(err: unknown, target: string, redact: (text: string) => string): DeliveryError {
  const e = (err ?? {}) as NodemailerError;
  const code = typeof e.responseCode === 'number' ? e.responseCode : undefined;
  const said = redact(oneLine(String(e.response ?? e.message ?? err))).slice(0, 300);
  if (code !== undefined && code >= 400) {
    const permanent = typeof e.permanent === 'boolean' ? e.permanent : code >= 500;
    if (e.code === 'EAUTH') {
      return new DeliveryError(`The mail server ${target} refused the login (${said}): check the user name and password in SMTP_URL`, { retryable: !permanent, status: code });
    }
    const what = e.code === 'EENVELOPE' ? 'refused the sender or recipient' : 'refused the message';
    return new DeliveryError(
      permanent ? `The mail server ${target} ${what} (${said})` : `The mail server ${target} ${what} for now (${said}): it will be tried again`,
      { retryable: !permanent, status: code },
    );
  }
  const errCode = typeof e.code === 'string' ? e.code : undefined;
  if (errCode === 'ETIMEDOUT') return new DeliveryError(`The mail server ${target} did not answer in time (${said})`, { retryable: true });
  if (errCode !== undefined && TRANSIENT_CODES.has(errCode)) {
    const cause = e.originalCode ?? errCode;
    return new DeliveryError(`Could not reach the mail server ${target} (${cause}): check SMTP_URL and that the server is online`, { retryable: true });
  }
  if (errCode === 'EAUTH' || errCode === 'ENOAUTH') {
    return new DeliveryError(`The mail server ${target} refused the login (${said}): check the user name and password in SMTP_URL`, { retryable: false });
  }
  return new DeliveryError(`Sending the email through ${target} failed (${errCode ?? 'error'}: ${said})`, { retryable: false });
}

/** `2026-05-04T10-11-12-345Z-<id>.eml`: sorts by time, and only characters every file system takes. */
function outboxFileName(messageId: string, keyed: boolean): string {
  const id = messageId.replace(/^<|>$/g, '').replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 120);
  // A keyed message has one file whenever it is written, so a repeated send finds it there.
  if (keyed) return `${id}.eml`;
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  return `${stamp}-${id}.eml`;
}

/**
 * The one way FlowPilot sends email. With an SMTP URL it keeps a single transport (created
 * once, as nodemailer recommends) with explicit timeouts; without one it writes each message
 * as an RFC 822 `.eml` file to the outbox folder, so a fresh install shows what it would
 * have sent. Every message is multipart/alternative (text and HTML), carries our own
 * Message-ID so it can be stored and threaded, and `Auto-Submitted: auto-generated` so
 * auto-responders stay quiet. Failures are DeliveryErrors that never contain the password.
 */
export function createMailer(opts: MailerOptions): Mailer {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const host = messageIdHost(opts.from);
  const redact = redactor(opts.smtpUrl);

  function compose(mail: OutgoingEmail, key?: string): SendMailOptions & { messageId: string } {
    return {
      from: opts.from,
      to: { name: oneLine(mail.to.name), address: mail.to.email },
      subject: oneLine(mail.subject),
      text: mail.text,
      html: mail.html,
      messageId: `<${key ? `flowpilot-${key.replace(/[^A-Za-z0-9._-]/g, '_')}` : randomUUID()}@${host}>`,
      headers: { 'Auto-Submitted': 'auto-generated', 'X-Auto-Response-Suppress': 'All' },
    };
  }

  if (opts.smtpUrl) {
    const target = describeSmtp(opts.smtpUrl);
    const transport = nodemailer.createTransport({
      url: opts.smtpUrl,
      connectionTimeout: timeoutMs,
      greetingTimeout: timeoutMs,
      socketTimeout: timeoutMs * 2,
    });
    return {
      describe: `SMTP server ${target}`,
      async send(mail, key) {
        const message = compose(mail, key);
        try {
          await transport.sendMail(message);
        } catch (err) {
          throw smtpFailure(err, target, redact);
        }
        return { messageId: message.messageId, where: target };
      },
      close() {
        transport.close();
      },
    };
  }

  const outboxDir = path.resolve(opts.outboxDir);
  const stream = nodemailer.createTransport({ streamTransport: true, buffer: true });
  // Made once (and again only if it disappears), not before every email.
  let folderReady: Promise<unknown> | null = null;
  return {
    describe: `outbox folder ${outboxDir}`,
    async send(mail, key) {
      const message = compose(mail, key);
      let raw: Buffer;
      try {
        const info = await stream.sendMail(message);
        raw = Buffer.isBuffer(info.message) ? info.message : Buffer.from(String(info.message));
      } catch (err) {
        throw new DeliveryError(`The email could not be built: ${oneLine(String((err as Error)?.message ?? err)).slice(0, 300)}`, { retryable: false });
      }
      const file = path.join(outboxDir, outboxFileName(message.messageId, key !== undefined));
      try {
        folderReady ??= mkdir(outboxDir, { recursive: true });
        await folderReady;
        if (key === undefined) await writeFile(file, raw, { flag: 'wx' });
        else {
          // Written whole under a temporary name, then linked into place: a crash mid-write never leaves a cut-off
          // message that a retry would take for sent; `link` fails with EEXIST when an earlier attempt finished.
          const partial = `${file}.${randomUUID()}.tmp`;
          await writeFile(partial, raw, { flag: 'wx' });
          try {
            await link(partial, file);
          } finally {
            await unlink(partial).catch(() => {});
          }
        }
      } catch (err) {
        // Written by an earlier attempt of the same keyed message: that is delivered.
        if (key !== undefined && (err as NodeJS.ErrnoException).code === 'EEXIST') return { messageId: message.messageId, where: file };
        folderReady = null;
        const code = (err as NodeJS.ErrnoException).code ?? 'error';
        throw new DeliveryError(`The email could not be written to the outbox folder ${outboxDir} (${code})`, { retryable: true });
      }
      return { messageId: message.messageId, where: file };
    },
    close() {
      stream.close();
    },
  };
}

/** One row of the facts table, in both renderings. */
interface Fact {
  label: string;
  value: string;
}

function factsOf(msg: EscalationMessage): Fact[] {
  const value = (v: string | null, max = 500) => (v === null || oneLine(v) === '' ? UNKNOWN : fitText(oneLine(v), max));
  const facts: Fact[] = [
    { label: 'Client', value: value(msg.clientName) },
    { label: 'Device', value: value(msg.device) },
    { label: 'Ticket', value: msg.ticketId ? `#${fitText(oneLine(msg.ticketId).replace(/^#+/, ''), 100)}` : UNKNOWN },
    { label: 'Problem', value: value(msg.problem, 2000) },
    { label: senderLabel(msg), value: value(msg.technicianName, 200) },
    { label: 'Sent to', value: msg.targetName ? value(msg.targetName, 200) : 'The team queue' },
    { label: 'Steps tried', value: String(msg.stepsTried) },
    { label: 'Stopped at', value: value(msg.stoppedAt) },
  ];
  if (msg.kind === 'reminder' && msg.waitingMinutes !== undefined) facts.push({ label: 'Waiting', value: `${Math.max(0, Math.round(msg.waitingMinutes))} min` });
  return facts;
}

function introOf(msg: EscalationMessage, recipientName: string): string {
  const tech = oneLine(msg.technicianName);
  const tree = oneLine(msg.treeTitle);
  const to = msg.targetName ? 'to you' : 'to the team queue';
  switch (msg.kind) {
    case 'escalation':
      return `Hi ${recipientName}, ${tech} escalated a "${tree}" session ${to} and is waiting for someone to pick it up.`;
    case 'reminder':
      return `Hi ${recipientName}, the "${tree}" session ${tech} escalated ${to} has not been picked up yet.`;
    case 'transfer':
      return `Hi ${recipientName}, ${tech} handed a "${tree}" session over to you.`;
  }
}

const FOOTER = 'You get this email because you are an engineer in FlowPilot. To turn these emails off, open FlowPilot and go to Account → Notifications.';

/**
 * The escalation notice as an email: the same facts as the chat cards, a button to the
 * pickup screen (and the link spelled out, for clients that hide buttons), and a footer that
 * says how to stop these emails. The HTML uses inline styles and tables only, has no scripts
 * or remote images, and escapes every piece of user text.
 */
export function buildEscalationEmail(msg: EscalationMessage, recipient: { name: string; email: string }): OutgoingEmail {
  const subject = fitText(oneLine(headline(msg)), 200);
  const name = fitText(oneLine(recipient.name), 100) || 'there';
  const intro = introOf(msg, name);
  const facts = factsOf(msg);
  const reason = msg.reason.trim() === '' ? UNKNOWN : fitText(msg.reason.trim().replace(/\r\n?/g, '\n'), 20_000);
  const link = safeLink(msg.link);

  const text = [
    subject,
    '',
    intro,
    '',
    'Reason:',
    reason,
    '',
    ...facts.map((f) => `${f.label}: ${f.value}`),
    '',
    link ? `Open the pickup screen:\n${link}` : 'Open the escalation queue in FlowPilot to pick it up.',
    '',
    '-- ',
    FOOTER,
    '',
  ].join('\n');

  const cell = 'padding:6px 12px 6px 0;vertical-align:top;font-size:14px;line-height:20px;';
  const rows = facts
    .map((f) => `<tr><td style="${cell}color:#555555;white-space:nowrap;">${escapeHtml(f.label)}</td><td style="${cell}color:#111111;">${escapeHtml(f.value)}</td></tr>`)
    .join('\n');
  const button = link
    ? linkButton(link, 'Open pickup screen', '20px')
    : `<p style="margin:20px 0 16px 0;font-size:14px;">Open the escalation queue in FlowPilot to pick it up.</p>`;

  const html = htmlEmail(subject, `<p style="margin:0 0 16px 0;font-size:14px;line-height:20px;">${escapeHtml(intro)}</p>
<h2 style="margin:0 0 6px 0;font-size:15px;line-height:20px;">Reason</h2>
<p style="margin:0 0 16px 0;font-size:14px;line-height:20px;white-space:pre-wrap;">${escapeHtml(reason)}</p>
<table role="presentation" cellpadding="0" cellspacing="0" border="0" style="margin:0 0 8px 0;">
${rows}
</table>
${button}`, FOOTER);

  return { to: { name: oneLine(recipient.name), email: recipient.email }, subject, text, html };
}

/** A link as a button, and spelled out below it for clients that hide buttons. */
export function linkButton(link: string, label: string, marginTop: string): string {
  return (
    `<table role="presentation" cellpadding="0" cellspacing="0" border="0" style="margin:${marginTop} 0 8px 0;"><tr><td style="background:#1d4ed8;border-radius:6px;">` +
    `<a href="${escapeHtml(link)}" style="display:inline-block;padding:12px 20px;color:#ffffff;font-size:15px;font-weight:bold;text-decoration:none;font-family:Arial,Helvetica,sans-serif;">${escapeHtml(label)}</a>` +
    `</td></tr></table>\n<p style="margin:0 0 16px 0;font-size:12px;line-height:18px;color:#555555;">Or copy this link: <a href="${escapeHtml(link)}" style="color:#1d4ed8;word-break:break-all;">${escapeHtml(link)}</a></p>`
  );
}

/**
 * FlowPilot's email page around `content` (already escaped HTML): the subject
 * as its heading, inline styles and tables only, no scripts or remote images,
 * and an optional footer line.
 */
export function htmlEmail(subject: string, content: string, footer?: string): string {
  const foot = footer
    ? `\n<tr><td style="padding:16px 24px;border-top:1px solid #e4e4e7;font-size:12px;line-height:18px;color:#71717a;">${escapeHtml(footer)}</td></tr>`
    : '';
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(subject)}</title>
</head>
<body style="margin:0;padding:0;background:#f4f4f5;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="background:#f4f4f5;">
<tr><td align="center" style="padding:24px 12px;">
<table role="presentation" width="600" cellpadding="0" cellspacing="0" border="0" style="max-width:600px;width:100%;background:#ffffff;border-radius:8px;font-family:Arial,Helvetica,sans-serif;color:#111111;">
<tr><td style="padding:24px;">
<h1 style="margin:0 0 12px 0;font-size:20px;line-height:26px;">${escapeHtml(subject)}</h1>
${content}
</td></tr>${foot}
</table>
</td></tr>
</table>
</body>
</html>
`;
}
