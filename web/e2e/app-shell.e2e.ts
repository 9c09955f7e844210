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

async function newPage(opts: { colorScheme?: 'light' | 'dark'; width?: number } = {}): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({
    viewport: { width: opts.width ?? 1280, height: 800 },
    colorScheme: opts.colorScheme ?? 'light',
  });
  return { context, page: await context.newPage() };
}

const nav = (page: Page) => page.getByRole('navigation', { name: 'Main navigation' });

async function navLabels(page: Page): Promise<string[]> {
  const nav = page.getByRole('navigation', { name: 'Main navigation' });
  await nav.getByRole('link').first().waitFor();
  return (await nav.getByRole('link').allInnerTexts()).map((t) => t.trim());
}

describe('app shell by role', () => {
  it('technician: sign-in errors, then the technician shell without admin or queue', async () => {
    const { context, page } = await newPage();
    await page.goto(`${server.url}/sessions`);
    await page.waitForURL('**/login');
    await screenshot(page, 'login');

    await signIn(page, server.url, 'tech@flowpilot.test', 'not-my-password');
    await expect.poll(() => page.getByRole('alert').innerText()).toContain('Incorrect email or password');
    await screenshot(page, 'login-wrong-password');

    await page.getByLabel('Password', { exact: true }).fill('flowpilot-tech');
    await page.getByRole('button', { name: 'Sign in' }).click();
    // Back to the page they asked for before signing in.
    await page.getByRole('heading', { name: 'My sessions' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/sessions');
    expect(await navLabels(page)).toEqual(['Home', 'Decision trees', 'Sessions']);

    await nav(page).getByRole('link', { name: 'Home' }).click();
    await page.getByRole('heading', { name: 'Welcome back, Jamie' }).waitFor();
    await screenshot(page, 'home-technician');

    // A page above the role is not there for them.
    await page.goto(`${server.url}/admin/users`);
    await page.getByRole('heading', { name: 'Page not found' }).waitFor();

    // A reload keeps the session (the access token is renewed silently from the refresh token).
    await page.goto(`${server.url}/`);
    await page.getByRole('heading', { name: 'Welcome back, Jamie' }).waitFor();

    // They change their password from the account menu and stay signed in.
    await page.getByRole('button', { name: 'Account menu' }).click();
    await page.getByRole('menuitem', { name: 'Change password' }).click();
    const dialog = page.getByRole('dialog', { name: 'Change password' });
    await dialog.getByLabel('Current password').fill('wrong-current');
    await dialog.getByLabel('New password', { exact: true }).fill('jamies-new-password');
    await dialog.getByLabel('Repeat new password').fill('jamies-new-password');
    await dialog.getByRole('button', { name: 'Change password' }).click();
    await expect.poll(() => dialog.getByRole('alert').innerText()).toContain('current password is not correct');
    await dialog.getByLabel('Current password').fill('flowpilot-tech');
    await dialog.getByRole('button', { name: 'Change password' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await page.reload();
    await page.getByRole('heading', { name: 'Welcome back, Jamie' }).waitFor();
    await page.getByRole('button', { name: 'Account menu' }).click();
    await page.getByRole('menuitem', { name: 'Sign out' }).click();
    await signIn(page, server.url, 'tech@flowpilot.test', 'jamies-new-password');
    await page.getByRole('heading', { name: 'Welcome back, Jamie' }).waitFor();
    await context.close();
  });

  it('engineer: sees the escalation queue but not admin', async () => {
    const { context, page } = await newPage();
    await signIn(page, server.url, 'engineer@flowpilot.test', 'flowpilot-engineer');
    await page.getByRole('heading', { name: 'Welcome back, Sam' }).waitFor();
    expect(await navLabels(page)).toEqual(['Home', 'Decision trees', 'Sessions', 'Escalation queue']);
    await nav(page).getByRole('link', { name: 'Escalation queue' }).click();
    await page.getByRole('heading', { name: 'Escalation queue' }).waitFor();
    await screenshot(page, 'escalation-queue-engineer');
    await context.close();
  });

  it('admin: manages users and invites, signs out; a locked-out account is told so', async () => {
    const { context, page } = await newPage();
    await signIn(page, server.url, 'admin@flowpilot.test', 'flowpilot-admin');
    await page.getByRole('heading', { name: 'Welcome back, Morgan' }).waitFor();
    expect(await navLabels(page)).toEqual(['Home', 'Decision trees', 'Sessions', 'Escalation queue', 'Users & invites', 'Integrations']);
    await screenshot(page, 'home-admin');

    await nav(page).getByRole('link', { name: 'Users & invites' }).click();
    await page.getByRole('heading', { name: 'Users & invites' }).waitFor();
    await page.getByText('jamie', { exact: false }).first().waitFor();
    for (const name of ['Morgan Price', 'Sam Rivera', 'Jamie Chen']) await expect.poll(() => page.getByText(name).count()).toBeGreaterThan(0);

    await page.getByRole('button', { name: 'Add user' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add a user' });
    await dialog.getByLabel('Full name').fill('Riley Novak');
    await dialog.getByLabel('Email').fill('riley@flowpilot.test');
    await dialog.getByLabel('Temporary password').fill('riley-temp-pass');
    await dialog.getByRole('button', { name: 'Add user' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await page.getByText('riley@flowpilot.test').waitFor();

    const rileyRow = page.getByRole('row').filter({ hasText: 'riley@flowpilot.test' });
    await rileyRow.getByRole('button', { name: 'Set password' }).click();
    const reset = page.getByRole('dialog', { name: 'New password for Riley Novak' });
    await reset.getByLabel('Temporary password').fill('riley-second-pass');
    await reset.getByRole('button', { name: 'Set password' }).click();
    await reset.waitFor({ state: 'hidden' });

    await page.getByRole('button', { name: 'Create invite link' }).click();
    const link = await page.getByRole('textbox', { name: 'Invite link' }).inputValue();
    expect(link).toMatch(/\/register\?invite=[\w-]{10,}$/);
    await screenshot(page, 'admin-users');

    await page.getByRole('button', { name: 'Account menu' }).click();
    await page.getByRole('menuitem', { name: 'Sign out' }).click();
    await page.waitForURL('**/login');

    // The new user mistypes their password until the account locks.
    for (let i = 0; i < 10; i++) {
      await signIn(page, server.url, 'riley@flowpilot.test', `wrong-${i}`);
      await expect.poll(() => page.getByRole('alert').innerText()).toMatch(/Incorrect email or password/);
    }
    await signIn(page, server.url, 'riley@flowpilot.test', 'riley-second-pass');
    await expect.poll(() => page.getByRole('alert').innerText()).toMatch(/Too many failed sign-ins for this account/);
    await screenshot(page, 'login-locked');
    await context.close();
  });

  it('two tabs restore the session at the same moment, and signing out in one signs out both', async () => {
    const { context, page } = await newPage();
    await signIn(page, server.url, 'engineer@flowpilot.test', 'flowpilot-engineer');
    await page.getByRole('heading', { name: 'Welcome back, Sam' }).waitFor();
    const second = await context.newPage();
    await second.goto(`${server.url}/`);
    await second.getByRole('heading', { name: 'Welcome back, Sam' }).waitFor();
    // Both start without an access token and refresh with the one shared refresh token.
    for (let round = 0; round < 3; round++) {
      await Promise.all([page.reload(), second.reload()]);
      await Promise.all([
        page.getByRole('heading', { name: 'Welcome back, Sam' }).waitFor(),
        second.getByRole('heading', { name: 'Welcome back, Sam' }).waitFor(),
      ]);
    }
    await page.getByRole('button', { name: 'Account menu' }).click();
    await page.getByRole('menuitem', { name: 'Sign out' }).click();
    await page.waitForURL('**/login');
    await second.waitForURL('**/login');
    await context.close();
  });

  it('dark mode and a phone-sized screen', async () => {
    const { context, page } = await newPage({ colorScheme: 'dark', width: 390 });
    await signIn(page, server.url, 'engineer@flowpilot.test', 'flowpilot-engineer');
    await page.getByRole('heading', { name: 'Welcome back, Sam' }).waitFor();
    const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    expect(background).not.toBe('rgb(255, 255, 255)');
    await page.getByRole('button', { name: 'Toggle navigation' }).click();
    await nav(page).getByRole('link', { name: 'Escalation queue' }).click();
    await page.getByRole('heading', { name: 'Escalation queue' }).waitFor();
    await screenshot(page, 'mobile-dark');
    await context.close();
  });

  it('every page names its tab, has one h1, and loads nothing from another host (the API docs too)', async () => {
    const { context, page } = await newPage({ width: 1440 });
    const origin = new URL(server.url).origin;
    const elsewhere: string[] = [];
    // blob: URLs (ReDoc's search worker) belong to the page that made them; data: URLs are no request at all.
    context.on('request', (r) => {
      const url = new URL(r.url());
      if (url.protocol === 'data:') return;
      if ((url.protocol === 'blob:' ? new URL(url.pathname).origin : url.origin) !== origin) elsewhere.push(r.url());
    });
    await page.goto(`${server.url}/login`);
    await expect.poll(() => page.title()).toBe('Sign in · FlowPilot');
    await signIn(page, server.url, 'admin@flowpilot.test', 'flowpilot-admin');
    await page.getByRole('heading', { name: 'Welcome back, Morgan' }).waitFor();
    await expect.poll(() => page.title()).toBe('Home · FlowPilot');
    // The logo is a picture and a name, never the page's heading.
    expect(await page.getByRole('banner').locator('h1').count()).toBe(0);

    const pages: [path: string, title: string, heading: string][] = [
      ['/trees', 'Trees · FlowPilot', 'Decision trees'],
      ['/trees/6f1c2a4e-1b7d-4c3a-9e2f-0a1b2c3d4e01', "Printer offline / won't print · FlowPilot", "Printer offline / won't print"],
      ['/trees/6f1c2a4e-1b7d-4c3a-9e2f-0a1b2c3d4e01/edit', "Edit: Printer offline / won't print · FlowPilot", "Editing: Printer offline / won't print"],
      ['/trees/new', 'New tree · FlowPilot', 'New tree'],
      ['/sessions', 'Sessions · FlowPilot', 'sessions'],
      ['/sessions/new', 'Start a session · FlowPilot', 'Start a session'],
      ['/escalations', 'Escalation queue · FlowPilot', 'Escalation queue'],
      ['/admin/users', 'Users & invites · FlowPilot', 'Users & invites'],
      ['/admin/integrations', 'Integrations · FlowPilot', 'Integrations'],
      ['/no-such-page', 'Page not found · FlowPilot', 'Page not found'],
    ];
    for (const [path, title, heading] of pages) {
      await page.goto(`${server.url}${path}`);
      await page.getByRole('heading', { level: 1 }).first().waitFor();
      await expect.poll(() => page.title(), { message: path }).toBe(title);
      expect(await page.locator('h1').count(), path).toBe(1);
      expect((await page.locator('h1').innerText()).toLowerCase(), path).toContain(heading.toLowerCase());
    }

    // The API docs, on a desk and on a phone.
    for (const width of [1440, 390]) {
      await page.setViewportSize({ width, height: width > 400 ? 900 : 844 });
      await page.goto(`${server.url}/api/docs`);
      await page.getByText('/api/v1/auth/login/json').first().waitFor();
      await expect.poll(() => page.title()).toBe('API docs · FlowPilot');
      await screenshot(page, `api-docs-${width}`, { viewport: true });
      await page.goto(`${server.url}/api/redoc`);
      await page.getByRole('heading', { name: /FlowPilot API/ }).waitFor();
      await page.getByText('API docs by Redocly').first().waitFor({ state: 'attached' });
      await expect.poll(() => page.title()).toBe('API reference · FlowPilot');
      await page.waitForLoadState('networkidle');
      await screenshot(page, `api-redoc-${width}`, { viewport: true });
    }
    expect(elsewhere).toEqual([]);
    await context.close();
  });
});
