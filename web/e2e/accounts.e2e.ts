import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchBrowser, screenshot, signIn, startServer, type RunningServer } from './support.ts';

let server: RunningServer;
let browser: Browser;

beforeAll(async () => {
  server = await startServer();
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

async function newPage(width = 1440, opts: { clipboard?: boolean } = {}): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width, height: width < 600 ? 844 : 900 } });
  if (opts.clipboard) await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
  return { context, page: await context.newPage() };
}

/** Types like a person, one key at a time, and checks that the field kept every keystroke. */
async function typeSlowly(page: Page, label: string, text: string): Promise<void> {
  const field = page.getByLabel(label, { exact: true });
  await field.click();
  await field.pressSequentially(text, { delay: 20 });
  expect(await field.inputValue()).toBe(text);
}

/** Quoted-printable undone (soft line breaks and =XX escapes), so a link split over lines reads whole. */
const unQuotedPrintable = (raw: string) => raw.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));

/** The reset link of the email to `email` in the server's outbox, once it is there. */
async function resetLinkFor(email: string): Promise<string> {
  const outbox = path.join(server.dataDir, 'outbox');
  let link: string | undefined;
  await expect
    .poll(
      () => {
        let files: string[] = [];
        try {
          files = readdirSync(outbox).filter((f) => f.endsWith('.eml'));
        } catch {
          return undefined;
        }
        for (const file of files) {
          const mail = unQuotedPrintable(readFileSync(path.join(outbox, file), 'utf8'));
          if (!new RegExp(`^To: .*${email.replace(/[.]/g, '\\.')}`, 'mi').test(mail)) continue;
          link = /https?:\/\/\S+\/reset-password\?token=[A-Za-z0-9_%-]+/.exec(mail)?.[0];
        }
        return link;
      },
      { timeout: 15_000 },
    )
    .toBeTruthy();
  return link!;
}

describe('accounts', () => {
  it('an admin sends an invite link; the invitee sees team and role, registers and is signed in; the admin sees them', async () => {
    const admin = await newPage(1440, { clipboard: true });
    await signIn(admin.page, server.url, 'admin@flowpilot.test', 'flowpilot-admin');
    await admin.page.getByRole('heading', { name: 'Welcome back, Morgan' }).waitFor();
    await admin.page.goto(`${server.url}/admin/users`);
    await admin.page.getByRole('heading', { name: 'Invite links' }).waitFor();

    await admin.page.getByRole('combobox', { name: 'Role', exact: true }).click();
    await admin.page.getByRole('option', { name: 'Engineer' }).click();
    await admin.page.getByRole('button', { name: 'Create invite link' }).click();
    const shown = admin.page.getByRole('textbox', { name: 'Invite link' });
    await shown.waitFor();
    await admin.page.getByRole('button', { name: 'Copy invite link' }).click();
    await admin.page.getByRole('button', { name: 'Copy invite link' }).getByText('Copied').waitFor();
    const link = await admin.page.evaluate(() => navigator.clipboard.readText());
    expect(link).toBe(await shown.inputValue());
    expect(link).toMatch(new RegExp(`^${server.url}/register\\?invite=[\\w-]{10,}$`));
    await screenshot(admin.page, 'accounts-invite-link-1440');

    // Someone else, in their own browser, opens the link.
    const joiner = await newPage(1440);
    await joiner.page.goto(link);
    await joiner.page.getByRole('heading', { name: 'Join your team' }).waitFor();
    expect(await joiner.page.getByTestId('invite-team').innerText()).toBe('Northwind IT Services (demo)');
    expect(await joiner.page.getByTestId('invite-role').innerText()).toMatch(/engineer/i);
    expect(await joiner.page.getByLabel('Team name').count()).toBe(0);
    await screenshot(joiner.page, 'accounts-register-invite-1440');
    await typeSlowly(joiner.page, 'Your name', 'Avery Quinn');
    await typeSlowly(joiner.page, 'Email', 'avery.quinn@flowpilot.test');
    await joiner.page.getByLabel('Password', { exact: true }).fill('avery-joins-today');
    await joiner.page.getByRole('button', { name: 'Join the team' }).click();
    await joiner.page.getByRole('heading', { name: 'Welcome back, Avery' }).waitFor();
    // An engineer: the escalation queue is theirs.
    await joiner.page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name: 'Escalation queue' }).waitFor();

    // The admin's list shows the new person with the invite's role.
    await admin.page.reload();
    const row = admin.page.getByRole('row').filter({ hasText: 'avery.quinn@flowpilot.test' });
    await row.waitFor();
    expect(await row.getByRole('combobox', { name: 'Role of Avery Quinn' }).inputValue()).toBe('Engineer');

    // The link worked once.
    await joiner.page.goto(link);
    await expect.poll(() => joiner.page.getByRole('alert').innerText()).toContain('This invite link has already been used');
    await screenshot(joiner.page, 'accounts-register-invite-used-1440');

    // The invite page on a phone.
    await admin.page.getByRole('button', { name: 'Create invite link' }).click();
    await expect.poll(async () => (await admin.page.getByRole('textbox', { name: 'Invite link' }).inputValue()) !== link).toBe(true);
    const second = await admin.page.getByRole('textbox', { name: 'Invite link' }).inputValue();
    await admin.page.setViewportSize({ width: 390, height: 844 });
    await screenshot(admin.page, 'accounts-invite-link-390');
    const phone = await newPage(390);
    await phone.page.goto(second);
    await phone.page.getByTestId('invite-team').waitFor();
    await screenshot(phone.page, 'accounts-register-invite-390');
    for (const c of [admin, joiner, phone]) await c.context.close();
  });

  it('a user who forgot their password gets a link by email, sets a new one and signs in; the link works once', async () => {
    const { context, page } = await newPage(1440);
    await page.goto(`${server.url}/login`);
    await page.getByRole('link', { name: 'Forgot password?' }).click();
    await page.getByRole('heading', { name: 'Forgot your password?' }).waitFor();
    await screenshot(page, 'accounts-forgot-1440');
    await typeSlowly(page, 'Email', 'tech@flowpilot.test');
    await page.getByRole('button', { name: 'Send reset link' }).click();
    await page.getByRole('heading', { name: 'Check your email' }).waitFor();
    expect(await page.getByRole('status').innerText()).toMatch(/If an account uses this email, we sent it a link/);
    await screenshot(page, 'accounts-forgot-sent-1440');

    const link = await resetLinkFor('tech@flowpilot.test');
    expect(link.startsWith(`${server.url}/reset-password?token=`)).toBe(true);
    await page.goto(link);
    await page.getByRole('heading', { name: 'Choose a new password' }).waitFor();
    await screenshot(page, 'accounts-reset-1440');
    await page.getByLabel('New password', { exact: true }).fill('jamie-picked-this');
    await page.getByLabel('Repeat new password').fill('jamie-picked-thsi');
    await page.getByRole('button', { name: 'Set new password' }).click();
    await page.getByText('The passwords do not match').waitFor();
    await page.getByLabel('Repeat new password').clear();
    await typeSlowly(page, 'Repeat new password', 'jamie-picked-this');
    await page.getByRole('button', { name: 'Set new password' }).click();
    await page.waitForURL('**/login');
    expect(await page.getByRole('status').innerText()).toMatch(/Sign in with your new password/);

    await signIn(page, server.url, 'tech@flowpilot.test', 'flowpilot-tech');
    await expect.poll(() => page.getByRole('alert').innerText()).toContain('Incorrect email or password');
    await signIn(page, server.url, 'tech@flowpilot.test', 'jamie-picked-this');
    await page.getByRole('heading', { name: 'Welcome back, Jamie' }).waitFor();

    // The same link a second time.
    await page.goto(link);
    await page.getByLabel('New password', { exact: true }).fill('another-new-one');
    await page.getByLabel('Repeat new password').fill('another-new-one');
    await page.getByRole('button', { name: 'Set new password' }).click();
    await expect.poll(() => page.getByRole('alert').innerText()).toContain('This reset link has already been used');
    await screenshot(page, 'accounts-reset-used-1440');
    await context.close();

    const phone = await newPage(390);
    await phone.page.goto(`${server.url}/forgot-password`);
    await phone.page.getByRole('heading', { name: 'Forgot your password?' }).waitFor();
    await screenshot(phone.page, 'accounts-forgot-390');
    await phone.page.goto(link);
    await phone.page.getByRole('heading', { name: 'Choose a new password' }).waitFor();
    await screenshot(phone.page, 'accounts-reset-390');
    await phone.context.close();
  });

  it('someone new creates a team from the sign-in page and is its admin', async () => {
    const { context, page } = await newPage(390);
    await page.goto(`${server.url}/login`);
    await page.getByRole('link', { name: 'Create a team' }).click();
    await page.getByRole('heading', { name: 'Create a team' }).waitFor();
    await screenshot(page, 'accounts-register-team-390');
    await typeSlowly(page, 'Team name', 'Contoso Help Desk');
    await typeSlowly(page, 'Your name', 'Robin Ortega');
    await page.getByLabel('Email').fill('robin@contoso.example');
    await page.getByLabel('Password', { exact: true }).fill('short');
    await page.getByRole('button', { name: 'Create team and account' }).click();
    await page.getByText('Too short: use at least 8 characters').waitFor();
    await page.getByLabel('Password', { exact: true }).fill('contoso-owner-pass');
    await page.getByRole('button', { name: 'Create team and account' }).click();
    await page.getByRole('heading', { name: 'Welcome back, Robin' }).waitFor();

    // A team of one, with its own admin pages.
    await page.goto(`${server.url}/admin/users`);
    await page.getByRole('heading', { name: 'Users & invites' }).waitFor();
    // On a phone the team's members are a list of cards.
    const rows = page.getByRole('list', { name: 'Team members' }).getByRole('listitem');
    await rows.first().waitFor();
    expect(await rows.count()).toBe(1);
    expect(await rows.first().innerText()).toContain('robin@contoso.example');
    await context.close();

    const desktop = await newPage(1440);
    await desktop.page.goto(`${server.url}/register`);
    await desktop.page.getByRole('heading', { name: 'Create a team' }).waitFor();
    await typeSlowly(desktop.page, 'Team name', 'Second Team');
    await typeSlowly(desktop.page, 'Your name', 'Robin Again');
    await desktop.page.getByLabel('Email').fill('robin@contoso.example');
    await desktop.page.getByLabel('Password', { exact: true }).fill('contoso-owner-pass');
    await desktop.page.getByRole('button', { name: 'Create team and account' }).click();
    await expect.poll(() => desktop.page.getByRole('alert').innerText()).toContain('An account with this email already exists');
    await screenshot(desktop.page, 'accounts-register-team-1440');
    await desktop.context.close();
  });
});
