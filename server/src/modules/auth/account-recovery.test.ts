import { Writable } from 'node:stream';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LOG_REDACT_PATHS, LOG_SERIALIZERS } from '../../app.ts';
import { queryRows, schema } from '../../db/client.ts';
import { DEMO_TEAM_NAME } from '../../db/seed.ts';
import { hashOpaqueToken } from '../../lib/tokens.ts';
import { eventually } from '../../../test/eventually.ts';
import { createTestApp, DB_KINDS, type TestApp } from '../../../test/harness.ts';
import { startSmtpSink, type ReceivedMail, type SmtpSink } from '../../../test/smtp-sink.ts';
import { FORGOT_PASSWORD_MESSAGE } from './auth.service.ts';

describe.each(DB_KINDS)('invite links on %s', (kind) => {
  let t: TestApp;
  let admin: string;
  beforeAll(async () => {
    t = await createTestApp(kind);
    admin = await t.tokenFor('admin');
  });
  afterAll(async () => t?.close());

  const newInvite = async (role: string) =>
    (await t.request({ method: 'POST', url: '/api/v1/team/invites', token: admin, body: { role } })).json<{ id: string; invite_code: string }>();
  const preview = (code: string) => t.request({ method: 'GET', url: `/api/v1/auth/invites/${encodeURIComponent(code)}` });
  const register = (body: Record<string, unknown>) => t.request({ method: 'POST', url: '/api/v1/auth/register', body });

  it('shows anyone holding the link the team and role it offers, without signing in', async () => {
    const invite = await newInvite('engineer');
    const res = await preview(invite.invite_code);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ team_name: DEMO_TEAM_NAME, role: 'engineer', expires_at: expect.any(String) });
  });

  it('a used link says so, on the preview (404) and on a second registration (400)', async () => {
    const invite = await newInvite('technician');
    const first = await register({ email: 'first.joiner@example.com', password: 'joining-now-1', full_name: 'First Joiner', invite_code: invite.invite_code });
    expect(first.statusCode).toBe(201);
    expect(first.json()).toMatchObject({ role: 'technician' });
    const used = await preview(invite.invite_code);
    expect(used.statusCode).toBe(404);
    expect(used.json().detail).toBe('This invite link has already been used. Ask an admin of the team for a new one.');
    const again = await register({ email: 'second.joiner@example.com', password: 'joining-now-2', full_name: 'Second Joiner', invite_code: invite.invite_code });
    expect(again.statusCode).toBe(400);
    expect(again.json().detail).toMatch(/already been used/);
  });

  it('an expired, a revoked and an unknown link each answer 404 with words for the user', async () => {
    const expired = await newInvite('technician');
    await t.database.db.update(schema.invites).set({ expires_at: new Date(Date.now() - 60_000) }).where(eq(schema.invites.id, expired.id));
    const res = await preview(expired.invite_code);
    expect(res.statusCode).toBe(404);
    expect(res.json().detail).toMatch(/has expired/);
    const regExpired = await register({ email: 'late@example.com', password: 'too-late-now', full_name: 'Late', invite_code: expired.invite_code });
    expect(regExpired.statusCode).toBe(400);
    expect(regExpired.json().detail).toMatch(/has expired/);

    const revoked = await newInvite('engineer');
    await t.request({ method: 'DELETE', url: `/api/v1/team/invites/${revoked.id}`, token: admin });
    expect((await preview(revoked.invite_code)).json().detail).toMatch(/not valid/);
    const unknown = await preview('no-such-invite-code');
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().detail).toMatch(/not valid/);
  });

  it('keeps invite codes and reset tokens out of the request log', async () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk, _enc, cb) {
        lines.push(chunk.toString());
        cb();
      },
    });
    // Debug: the level that logs every request.
    const logged = await createTestApp(kind, { seed: false, logger: { level: 'debug', stream, redact: { paths: LOG_REDACT_PATHS, censor: '[redacted]' }, serializers: LOG_SERIALIZERS } });
    try {
      await logged.request({ method: 'GET', url: '/api/v1/auth/invites/secret-invite-code-123' });
      await logged.request({ method: 'GET', url: '/register?invite=secret-invite-code-456' });
      await logged.request({ method: 'GET', url: '/reset-password?token=secret-reset-token-789' });
      await logged.request({ method: 'POST', url: '/api/v1/auth/password/reset', body: { token: 'secret-reset-token-000', password: 'whatever-long' } });
    } finally {
      await logged.close();
    }
    const log = lines.join('');
    expect(log).toContain('/auth/invites/[redacted]');
    for (const secret of ['secret-invite-code-123', 'secret-invite-code-456', 'secret-reset-token-789', 'secret-reset-token-000', 'whatever-long']) expect(log).not.toContain(secret);
  });
});

describe.each(DB_KINDS)('password reset by email on %s', (kind) => {
  let t: TestApp;
  let smtp: SmtpSink;
  let admin: string;
  const users: Record<string, string> = {};
  beforeAll(async () => {
    smtp = await startSmtpSink();
    t = await createTestApp(kind, { config: { smtpUrl: smtp.url }, loginLimits: { accountFailures: 4, addressFailures: 40, windowSeconds: 60 } });
    admin = await t.tokenFor('admin');
    for (const [email, name] of [['twice@flowpilot.test', 'Twice'], ['two.links@flowpilot.test', 'Two Links'], ['gone@flowpilot.test', 'Gone']]) {
      const res = await t.request({ method: 'POST', url: '/api/v1/users', token: admin, body: { email, password: 'first-password', full_name: name, role: 'technician' } });
      users[email!] = res.json().id;
    }
  });
  afterAll(async () => {
    await t?.close();
    await smtp?.close();
  });
  beforeEach(async () => {
    await t.database.db.delete(schema.loginThrottle);
  });

  const forgot = (email: string, remoteAddress = '203.0.113.10') =>
    t.app.inject({ method: 'POST', url: '/api/v1/auth/password/forgot', payload: { email }, remoteAddress });
  const reset = (token: string, password: string) => t.request({ method: 'POST', url: '/api/v1/auth/password/reset', body: { token, password } });
  const login = (email: string, password: string) => t.request({ method: 'POST', url: '/api/v1/auth/login/json', body: { email, password } });
  /** Waits until every reset job asked for so far has run. */
  const jobsSettled = () =>
    eventually('the reset jobs to run', async () => {
      const [row] = await queryRows<{ open: number }>(t.database.db, sql`select count(*)::int as open from pgboss.job where name = 'auth.password_reset' and state <> 'completed'`);
      return row?.open === 0;
    });
  const mailsTo = (email: string) => smtp.received.filter((m) => m.to.includes(email));
  /** The reset link of the newest email to this address. */
  const linkIn = (mail: ReceivedMail) => {
    const match = /http:\/\/localhost:8000\/reset-password\?token=([A-Za-z0-9_%-]+)/.exec(mail.mail.text ?? '');
    if (!match) throw new Error(`no reset link in:\n${mail.mail.text}`);
    return { url: match[0], token: decodeURIComponent(match[1]!) };
  };
  const newestLink = async (email: string, count: number) => linkIn((await eventually(`email ${count} to ${email}`, () => mailsTo(email).length >= count && mailsTo(email)))[count - 1]!);

  it('answers alike for an account, an unknown email and a deactivated account; only the account gets an email', async () => {
    await t.request({ method: 'PATCH', url: `/api/v1/users/${users['gone@flowpilot.test']}`, token: admin, body: { is_active: false } });

    const answers = await Promise.all([forgot('tech@flowpilot.test'), forgot('nobody@flowpilot.test'), forgot('gone@flowpilot.test')]);
    expect(answers.map((a) => a.statusCode)).toEqual([202, 202, 202]);
    expect(new Set(answers.map((a) => a.body)).size).toBe(1);
    expect(answers[0]!.json()).toEqual({ message: FORGOT_PASSWORD_MESSAGE });
    await jobsSettled();
    expect(mailsTo('tech@flowpilot.test')).toHaveLength(1);
    expect(mailsTo('nobody@flowpilot.test')).toHaveLength(0);
    expect(mailsTo('gone@flowpilot.test')).toHaveLength(0);

    const mail = mailsTo('tech@flowpilot.test')[0]!;
    expect(mail.mail.subject).toBe('Reset your FlowPilot password');
    const { url, token } = linkIn(mail);
    expect(mail.mail.html).toContain(`href="${url.replace(/&/g, '&amp;')}"`);
    expect(mail.mail.text).toMatch(/within 30 minutes/);
    // Only a hash is stored; the job carries no token either.
    const [stored] = await t.database.db.select().from(schema.passwordResets);
    expect(stored!.token_hash).toBe(hashOpaqueToken(token));
    const jobs = await queryRows<{ data: unknown }>(t.database.db, sql`select data from pgboss.job where name = 'auth.password_reset'`);
    expect(JSON.stringify(jobs)).not.toContain(token);
  });

  it('the link sets a new password once: old password and every sign-in end at once, a second use is refused', async () => {
    const before = (await login('engineer@flowpilot.test', 'flowpilot-engineer')).json();
    expect((await forgot('engineer@flowpilot.test')).statusCode).toBe(202);
    const { token } = await newestLink('engineer@flowpilot.test', 1);

    const weak = await reset(token, 'short');
    expect(weak.statusCode).toBe(422);
    expect(weak.json().detail[0].loc).toEqual(['body', 'password']);

    expect((await reset(token, 'engineers-new-secret')).statusCode).toBe(204);
    expect((await login('engineer@flowpilot.test', 'flowpilot-engineer')).statusCode).toBe(401);
    expect((await login('engineer@flowpilot.test', 'engineers-new-secret')).statusCode).toBe(200);
    expect((await t.request({ method: 'POST', url: '/api/v1/auth/refresh', body: { refresh_token: before.refresh_token } })).statusCode).toBe(401);
    const me = await t.request({ method: 'GET', url: '/api/v1/auth/me', token: before.access_token });
    expect(me.statusCode).toBe(401);
    expect(me.json().detail).toMatch(/sign-in has ended/);

    const again = await reset(token, 'someone-elses-pick');
    expect(again.statusCode).toBe(400);
    expect(again.json().detail).toBe('This reset link has already been used. If you still need a new password, ask for another link.');
    expect((await login('engineer@flowpilot.test', 'engineers-new-secret')).statusCode).toBe(200);
  });

  it('two uses of one link at once: one sets the password, the other is refused', async () => {
    await forgot('twice@flowpilot.test');
    const { token } = await newestLink('twice@flowpilot.test', 1);
    const results = await Promise.all([reset(token, 'twice-pick-one-1'), reset(token, 'twice-pick-two-2')]);
    expect(results.map((r) => r.statusCode).sort()).toEqual([204, 400]);
    const [winner, loser] = results[0]!.statusCode === 204 ? ['twice-pick-one-1', 'twice-pick-two-2'] : ['twice-pick-two-2', 'twice-pick-one-1'];
    expect((await login('twice@flowpilot.test', winner)).statusCode).toBe(200);
    expect((await login('twice@flowpilot.test', loser)).statusCode).toBe(401);
  });

  it('an expired link and a made-up one are refused with words for the user', async () => {
    await forgot('tech@flowpilot.test');
    const { token } = await newestLink('tech@flowpilot.test', 2);
    await t.database.db.update(schema.passwordResets).set({ expires_at: new Date(Date.now() - 1000) }).where(eq(schema.passwordResets.token_hash, hashOpaqueToken(token)));
    const expired = await reset(token, 'too-late-for-this');
    expect(expired.statusCode).toBe(400);
    expect(expired.json().detail).toMatch(/has expired/);
    const unknown = await reset('made-up-token', 'does-not-matter');
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().detail).toMatch(/not valid/);
    expect((await login('tech@flowpilot.test', 'flowpilot-tech')).statusCode).toBe(200);
  });

  it('changing the password another way spends the links still in the mailbox', async () => {
    await forgot('two.links@flowpilot.test');
    const first = await newestLink('two.links@flowpilot.test', 1);
    await forgot('two.links@flowpilot.test');
    const second = await newestLink('two.links@flowpilot.test', 2);
    expect(second.token).not.toBe(first.token);
    // The newer link works; the older one is spent with it.
    expect((await reset(second.token, 'second-password')).statusCode).toBe(204);
    expect((await reset(first.token, 'sneaky-password')).json().detail).toMatch(/already been used/);
    // An admin's new password spends an open link too.
    await forgot('two.links@flowpilot.test');
    const third = await newestLink('two.links@flowpilot.test', 3);
    expect((await t.request({ method: 'PATCH', url: `/api/v1/users/${users['two.links@flowpilot.test']}`, token: admin, body: { password: 'admin-set-password' } })).statusCode).toBe(200);
    expect((await reset(third.token, 'sneaky-password')).statusCode).toBe(400);
    expect((await login('two.links@flowpilot.test', 'admin-set-password')).statusCode).toBe(200);
  });

  it('limits requests per email (known or not, so the limit tells nothing) and per address', async () => {
    for (const email of ['tech@flowpilot.test', 'nobody-here@flowpilot.test']) {
      for (let i = 0; i < 4; i++) expect((await forgot(email, `198.51.100.${i}`)).statusCode).toBe(202);
      const limited = await forgot(email, '198.51.100.99');
      expect(limited.statusCode).toBe(429);
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      expect(limited.json().detail).toMatch(/^Too many password reset requests for this email\. Try again in \d+ minutes?\.$/);
    }
    // Sign-in is not locked by it.
    expect((await login('tech@flowpilot.test', 'flowpilot-tech')).statusCode).toBe(200);
  });

  it('validates the request bodies field by field', async () => {
    const bad = await t.request({ method: 'POST', url: '/api/v1/auth/password/forgot', body: { email: 'not-an-email' } });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().detail[0].loc).toEqual(['body', 'email']);
    const missing = await t.request({ method: 'POST', url: '/api/v1/auth/password/reset', body: {} });
    expect(missing.statusCode).toBe(422);
    expect(missing.json().detail.map((d: { loc: string[] }) => d.loc.join('.')).sort()).toEqual(['body.password', 'body.token']);
  });
});
