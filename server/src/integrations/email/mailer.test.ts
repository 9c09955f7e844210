import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { simpleParser, type ParsedMail } from 'mailparser';
import type { SMTPServerOptions } from 'smtp-server';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { EscalationMessage } from '../chat/escalation-message.ts';
import { DeliveryError } from '../outbound.ts';
import { startSmtpSink, type SmtpSink } from '../../../test/smtp-sink.ts';
import { buildEscalationEmail, createMailer, type Mailer } from './mailer.ts';

const LINK = 'https://flowpilot.example.com/escalations/6f1c2a9e-8d4b-4c1e-9a7f-2b3c4d5e6f70/pickup';
const FROM = '"FlowPilot" <noreply@msp.example.com>';
const PASSWORD = 'Sup3r-Secret-Pa55';
const RECIPIENT = { name: 'Sam Senior', email: 'sam@msp.example.com' };
const MESSAGE_ID = /^<[^@\s]+@[^>\s]+>$/;

const MSG: EscalationMessage = {
  kind: 'escalation',
  sessionId: '6f1c2a9e-8d4b-4c1e-9a7f-2b3c4d5e6f70',
  treeTitle: 'Outlook keeps asking for the password',
  ticketId: '4711',
  clientName: 'ACME <Ltd> & Sons',
  device: 'LAPTOP-042',
  problem: 'Outlook prompts for credentials',
  reason: 'Tried everything <script>alert("x")</script> & more 🔥\nSecond line',
  technicianName: 'Jane "JJ" Junior',
  targetName: 'Sam Senior',
  stoppedAt: 'Check modern authentication',
  stepsTried: 7,
  link: LINK,
};

/** The test's mail server: it asks for the sign-in FlowPilot is given. */
const startSink = (extra: Partial<SMTPServerOptions> = {}) =>
  startSmtpSink({
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    onAuth(auth, _session, callback) {
      if (auth.username === 'flowpilot' && auth.password === PASSWORD) callback(null, { user: auth.username });
      else callback(Object.assign(new Error('Invalid credentials'), { responseCode: 535 }));
    },
    ...extra,
  });

/** A port nobody listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function sendError(mailer: Mailer): Promise<DeliveryError> {
  const err = await mailer.send(buildEscalationEmail(MSG, RECIPIENT)).then(
    () => {
      throw new Error('expected a DeliveryError, but the email was sent');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DeliveryError);
  expect(`${(err as Error).message} ${(err as Error).stack ?? ''}`).not.toContain(PASSWORD);
  return err as DeliveryError;
}

/** The value of the first header line called `name` in the raw message. */
function rawHeader(raw: string, name: string): string | undefined {
  const head = raw.split(/\r?\n\r?\n/)[0] ?? '';
  const unfolded = head.replace(/\r?\n[ \t]+/g, ' ');
  return new RegExp(`^${name}:[ \\t]*(.*)$`, 'im').exec(unfolded)?.[1]?.trim();
}

/** What every FlowPilot escalation email must look like, however it travelled. */
function expectWellFormed(raw: string, mail: ParsedMail, messageId: string) {
  expect(rawHeader(raw, 'Content-Type')).toMatch(/^multipart\/alternative;/);
  expect(rawHeader(raw, 'MIME-Version')).toBe('1.0');
  const id = rawHeader(raw, 'Message-ID');
  expect(id).toMatch(MESSAGE_ID);
  expect(id).toBe(messageId);
  expect(id).toMatch(/@msp\.example\.com>$/);
  expect(rawHeader(raw, 'Auto-Submitted')).toBe('auto-generated');
  expect(rawHeader(raw, 'Date')).toBeTruthy();
  expect(mail.date).toBeInstanceOf(Date);
  expect(mail.from?.value).toEqual([{ name: 'FlowPilot', address: 'noreply@msp.example.com' }]);
  const to = Array.isArray(mail.to) ? mail.to : [mail.to];
  expect(to[0]?.value).toEqual([{ name: 'Sam Senior', address: 'sam@msp.example.com' }]);
  expect(mail.subject).toBe('Escalation: ACME <Ltd> & Sons – ticket #4711');

  // Both parts, text first: mailparser fills text and html from the two alternatives.
  expect(raw.indexOf('Content-Type: text/plain')).toBeGreaterThan(-1);
  expect(raw.indexOf('Content-Type: text/html')).toBeGreaterThan(raw.indexOf('Content-Type: text/plain'));
  const text = mail.text ?? '';
  const html = typeof mail.html === 'string' ? mail.html : '';
  expect(text).toContain(LINK);
  expect(text).toContain('Tried everything <script>alert("x")</script> & more 🔥\nSecond line');
  expect(text).toContain('Client: ACME <Ltd> & Sons');
  expect(text).toContain('Steps tried: 7');
  expect(text).toContain('Stopped at: Check modern authentication');
  expect(text).toContain('Account → Notifications');

  expect(html).toContain(`href="${LINK}"`);
  expect(html).toContain('Open pickup screen');
  expect(html).not.toMatch(/<script/i);
  expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; more 🔥');
  expect(html).toContain('ACME &lt;Ltd&gt; &amp; Sons');
  expect(html).toContain('Jane &quot;JJ&quot; Junior');
  expect(html).toContain('LAPTOP-042');
  expect(html).toContain('#4711');
  expect(html).toContain('Check modern authentication');
  expect(html).toContain('Account → Notifications');
}

describe('buildEscalationEmail', () => {
  it('has the subject, both renderings, and a footer on turning the emails off', () => {
    const mail = buildEscalationEmail(MSG, RECIPIENT);
    expect(mail.to).toEqual(RECIPIENT);
    expect(mail.subject).toBe('Escalation: ACME <Ltd> & Sons – ticket #4711');
    expect(mail.text).toContain(`Open the pickup screen:\n${LINK}`);
    expect(mail.html).toMatch(/^<!DOCTYPE html>/);
    expect(mail.html).not.toMatch(/<script|<link|<style|<img/i);
    expect(mail.html).toMatch(/style="[^"]+"/);
  });

  it('shows unknown facts as a dash and words reminders and transfers', () => {
    const none = buildEscalationEmail({ ...MSG, clientName: null, device: null, ticketId: null, stoppedAt: null, targetName: null }, RECIPIENT);
    expect(none.subject).toBe('Escalation: Outlook keeps asking for the password');
    expect(none.text).toMatch(/^Client: —$/m);
    expect(none.text).toMatch(/^Ticket: —$/m);
    expect(none.text).toMatch(/^Sent to: The team queue$/m);
    const reminder = buildEscalationEmail({ ...MSG, kind: 'reminder', waitingMinutes: 12 }, RECIPIENT);
    expect(reminder.subject).toBe('Still waiting for pickup (12 min): ACME <Ltd> & Sons – ticket #4711');
    expect(reminder.text).toMatch(/^Waiting: 12 min$/m);
    const transfer = buildEscalationEmail({ ...MSG, kind: 'transfer' }, RECIPIENT);
    expect(transfer.subject).toBe('Session handed over to you: ACME <Ltd> & Sons – ticket #4711');
    expect(transfer.text).toMatch(/^Handed over by: Jane "JJ" Junior$/m);
  });

  it('keeps a link that is not http(s) out of the email', () => {
    const mail = buildEscalationEmail({ ...MSG, link: 'javascript:alert(1)' }, RECIPIENT);
    expect(mail.html).not.toContain('javascript:');
    expect(mail.text).not.toContain('javascript:');
  });
});

describe('createMailer over SMTP', () => {
  let sink: SmtpSink;
  let mailer: Mailer | undefined;
  beforeAll(async () => {
    sink = await startSink();
  });
  afterAll(async () => sink?.close());
  afterEach(() => {
    mailer?.close();
    mailer = undefined;
  });

  it('delivers a well-formed multipart/alternative message with our Message-ID', async () => {
    mailer = createMailer({ smtpUrl: `smtp://flowpilot:${PASSWORD}@127.0.0.1:${sink.port}`, outboxDir: '/nonexistent', from: FROM, timeoutMs: 5000 });
    expect(mailer.describe).toBe(`SMTP server smtp://127.0.0.1:${sink.port}`);
    expect(mailer.describe).not.toContain(PASSWORD);
    const result = await mailer.send(buildEscalationEmail(MSG, RECIPIENT));
    expect(result.messageId).toMatch(MESSAGE_ID);
    expect(result.where).toBe(`smtp://127.0.0.1:${sink.port}`);
    const got = sink.received.at(-1);
    expect(got?.from).toBe('noreply@msp.example.com');
    expect(got?.to).toEqual(['sam@msp.example.com']);
    expectWellFormed(got!.raw, got!.mail, result.messageId);
  });

  it('gives every message its own Message-ID', async () => {
    mailer = createMailer({ smtpUrl: `smtp://127.0.0.1:${sink.port}`, outboxDir: '/nonexistent', from: 'noreply@msp.example.com' });
    const a = await mailer.send(buildEscalationEmail(MSG, RECIPIENT));
    const b = await mailer.send(buildEscalationEmail(MSG, RECIPIENT));
    expect(a.messageId).not.toBe(b.messageId);
  });

  it('uses flowpilot.local in the Message-ID when the From has no usable domain', async () => {
    const outbox = mkdtempSync(path.join(tmpdir(), 'flowpilot-outbox-'));
    try {
      const local = createMailer({ outboxDir: outbox, from: 'FlowPilot <noreply>' });
      expect((await local.send(buildEscalationEmail(MSG, RECIPIENT))).messageId).toMatch(/^<[^@\s]+@flowpilot\.local>$/);
      local.close();
    } finally {
      rmSync(outbox, { recursive: true, force: true });
    }
  });

  it('a wrong password is refused for good, without repeating the password', async () => {
    mailer = createMailer({ smtpUrl: `smtp://flowpilot:wrong-${PASSWORD}@127.0.0.1:${sink.port}`, outboxDir: '/nonexistent', from: FROM });
    const err = await sendError(mailer);
    expect(err).toMatchObject({ retryable: false, status: 535 });
    expect(err.message).toMatch(/refused the login/);
  });
});

describe('createMailer failures', () => {
  let mailer: Mailer | undefined;
  let sink: SmtpSink | undefined;
  afterEach(async () => {
    mailer?.close();
    mailer = undefined;
    await sink?.close();
    sink = undefined;
  });

  it('a 550 from RCPT TO is permanent and carries the server response', async () => {
    sink = await startSink({
      onRcptTo(_address, _session, callback) {
        callback(Object.assign(new Error('5.1.1 No such user here'), { responseCode: 550 }));
      },
    });
    mailer = createMailer({ smtpUrl: `smtp://flowpilot:${PASSWORD}@127.0.0.1:${sink.port}`, outboxDir: '/nonexistent', from: FROM });
    const err = await sendError(mailer);
    expect(err).toMatchObject({ retryable: false, status: 550 });
    expect(err.message).toContain('No such user here');
    expect(sink.received).toEqual([]);
  });

  it('a 451 is retryable', async () => {
    sink = await startSink({
      onRcptTo(_address, _session, callback) {
        callback(Object.assign(new Error('4.7.1 Greylisted, try again later'), { responseCode: 451 }));
      },
    });
    mailer = createMailer({ smtpUrl: `smtp://127.0.0.1:${sink.port}`, outboxDir: '/nonexistent', from: FROM });
    const err = await sendError(mailer);
    expect(err).toMatchObject({ retryable: true, status: 451 });
    expect(err.message).toContain('Greylisted');
  });

  it('a server that is not listening is retryable', async () => {
    mailer = createMailer({ smtpUrl: `smtp://flowpilot:${PASSWORD}@127.0.0.1:${await closedPort()}`, outboxDir: '/nonexistent', from: FROM, timeoutMs: 2000 });
    const err = await sendError(mailer);
    expect(err.retryable).toBe(true);
    expect(err.message).toMatch(/Could not reach the mail server/);
  });

  it('a server that never greets is a retryable timeout', async () => {
    const sockets = new Set<Socket>();
    const silent: Server = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => {});
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = silent.address() as { port: number };
      mailer = createMailer({ smtpUrl: `smtp://flowpilot:${PASSWORD}@127.0.0.1:${port}`, outboxDir: '/nonexistent', from: FROM, timeoutMs: 300 });
      const err = await sendError(mailer);
      expect(err.retryable).toBe(true);
      expect(err.message).toMatch(/did not answer in time/);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });
});

describe('createMailer without SMTP', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'flowpilot-outbox-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes a readable .eml file to the outbox folder, creating it', async () => {
    const outbox = path.join(dir, 'data', 'outbox');
    const mailer = createMailer({ outboxDir: outbox, from: FROM });
    expect(mailer.describe).toBe(`outbox folder ${outbox}`);
    const result = await mailer.send(buildEscalationEmail(MSG, RECIPIENT));
    mailer.close();
    const files = readdirSync(outbox);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^[A-Za-z0-9._-]+\.eml$/);
    expect(result.where).toBe(path.join(outbox, files[0]!));
    const raw = readFileSync(result.where, 'utf8');
    expect(raw).toMatch(/\r\n/);
    expectWellFormed(raw, await simpleParser(raw), result.messageId);
  });

  it('writes a message sent again under the same key once, with one Message-ID', async () => {
    const outbox = path.join(dir, 'keyed');
    const mailer = createMailer({ outboxDir: outbox, from: FROM });
    const first = await mailer.send(buildEscalationEmail(MSG, RECIPIENT), '0b6f3c1e-delivery');
    const again = await mailer.send(buildEscalationEmail(MSG, RECIPIENT), '0b6f3c1e-delivery');
    const other = await mailer.send(buildEscalationEmail(MSG, RECIPIENT), 'another-delivery');
    mailer.close();
    expect(again).toEqual(first);
    expect(first.messageId).toMatch(/^<flowpilot-0b6f3c1e-delivery@/);
    expect(other.messageId).not.toBe(first.messageId);
    expect(readdirSync(outbox)).toHaveLength(2);
  });
});
