import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { apiAs as signedIn, deskOf, launchBrowser, SCREENSHOT_DIR, startServer, type RunningServer } from './support.ts';

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

/** A phone: 390 px wide, touch, as an iPhone 14 shows pages. */
const phoneOf = (email: string, password: string) => deskOf(browser, server.url, email, password, 390);
const apiAs = (email: string, password: string) => signedIn(server.url, email, password);

/**
 * What a person on a phone would notice: the page scrolls sideways, a button
 * label or a line of text is cut off, or a keyboard hint shows on a touch screen.
 */
async function problemsOn(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const found: string[] = [];
    const width = window.innerWidth;
    if (document.documentElement.scrollWidth > width + 1) found.push(`the page is ${document.documentElement.scrollWidth}px wide`);
    for (const el of document.querySelectorAll<HTMLElement>('.mantine-Button-label, .mantine-Badge-label, .mantine-NavLink-label, .mantine-SegmentedControl-innerLabel, .mantine-Tabs-tabLabel, h1, h2, h3')) {
      const r = el.getBoundingClientRect();
      if (r.width === 0 || getComputedStyle(el).visibility === 'hidden') continue;
      if (el.scrollWidth > el.clientWidth + 1) found.push(`cut off: "${el.textContent?.trim().slice(0, 60)}"`);
      if (r.right > width + 1) found.push(`off screen: "${el.textContent?.trim().slice(0, 60)}"`);
    }
    for (const kbd of document.querySelectorAll<HTMLElement>('kbd')) {
      if (kbd.getBoundingClientRect().width > 0 && getComputedStyle(kbd).display !== 'none') found.push(`keyboard hint "${kbd.textContent}" on a touch screen`);
    }
    return found;
  });
}

/** Checks the page and saves what the phone shows: the first screen, and the whole page. */
async function look(page: Page, name: string): Promise<void> {
  await page.waitForLoadState('networkidle');
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: `${SCREENSHOT_DIR}/phone-${name}.png`, animations: 'disabled' });
  expect(await problemsOn(page), name).toEqual([]);
}

describe('every main page on a 390 px phone', () => {
  it('a technician: home, trees, a tree, sessions, starting one, the runner with long answers, the escalate dialog', async () => {
    const page = await phoneOf('tech@flowpilot.test', 'flowpilot-tech');
    await look(page, 'home');
    await page.goto(`${server.url}/trees`);
    await page.getByRole('heading', { name: 'Decision trees', exact: true }).waitFor();
    await look(page, 'trees');
    await page.goto(`${server.url}/sessions`);
    await page.getByRole('heading', { name: 'My sessions', exact: true }).waitFor();
    await look(page, 'sessions');
    await page.goto(`${server.url}/sessions/new`);
    await page.getByRole('heading', { name: 'Start a session' }).waitFor();
    await look(page, 'start-session');

    // The printer tree's second question has the longest answers of the demo trees.
    const call = await apiAs('tech@flowpilot.test', 'flowpilot-tech');
    const tree = (await call<{ items: { id: string }[] }>('GET', '/trees/search?q=printer%20offline')).items[0]!;
    await page.goto(`${server.url}/trees/${tree.id}`);
    await page.getByRole('heading', { name: /Printer offline/ }).first().waitFor();
    await look(page, 'tree-view');
    const s = await call<{ id: string; current_node_id: string }>('POST', '/sessions', { tree_id: tree.id, client_name: 'Birch & Co', ticket_id: '5150', problem_summary: 'Nothing prints in accounts since the weekend' });
    await call('POST', `/sessions/${s.id}/steps`, { node_id: s.current_node_id, answer: 'Everyone / several PCs' });
    await page.goto(`${server.url}/pilot/${s.id}`);
    await page.getByTestId('current-node-title').waitFor();
    await page.getByRole('button', { name: "Dead, won't power on, or a service/fuser code" }).waitFor();
    await look(page, 'runner');
    await page.getByRole('button', { name: 'Escalate', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Hand this session on' });
    await dialog.waitFor();
    const box = await dialog.boundingBox();
    expect(box!.x).toBeGreaterThanOrEqual(0);
    expect(box!.x + box!.width).toBeLessThanOrEqual(390);
    await look(page, 'escalate-dialog');
    await dialog.getByLabel('Reason').fill('Fuser code 50.4 on the panel, no spare on site');
    await dialog.getByRole('button', { name: 'Escalate session' }).click();
    await page.getByRole('heading', { name: 'Escalated — waiting for pickup' }).waitFor();
    await look(page, 'runner-waiting');
    await page.context().close();
  });

  it('an engineer: the queue as cards, the pickup screen top to bottom with a compact pick-up bar; an admin: users and integrations', async () => {
    const tech = await apiAs('tech@flowpilot.test', 'flowpilot-tech');
    const tree = (await tech<{ items: { id: string }[] }>('GET', '/trees/search?q=vpn')).items[0]!;
    const s = await tech<{ id: string }>('POST', '/sessions', { tree_id: tree.id, client_name: 'Contoso Pharmaceuticals International', ticket_id: '88231', device: 'CONTOSO-LT-0042-FINANCE', problem_summary: 'VPN drops every ten minutes for the whole finance team working from home' });
    await tech('POST', `/sessions/${s.id}/escalate`, { reason: 'Tried reinstalling the client and a new profile; still drops' });

    const page = await phoneOf('engineer@flowpilot.test', 'flowpilot-engineer');
    await page.goto(`${server.url}/escalations`);
    const card = page.getByRole('link', { name: /Open escalation: Contoso Pharmaceuticals International/ });
    await card.waitFor();
    // A list of cards: no table to scroll sideways.
    expect(await page.locator('table').count()).toBe(0);
    await look(page, 'escalation-queue');
    await card.click();
    await page.getByRole('heading', { name: /Pick up:/ }).waitFor();
    const bar = page.getByRole('region', { name: 'Pick up this session' });
    const barBox = await bar.boundingBox();
    // Compact: the bar takes a small part of the screen, at its bottom.
    expect(barBox!.height).toBeLessThanOrEqual(120);
    expect(barBox!.y + barBox!.height).toBeLessThanOrEqual(844 + 1);
    await look(page, 'pickup-screen');
    await page.context().close();

    const admin = await phoneOf('admin@flowpilot.test', 'flowpilot-admin');
    await admin.goto(`${server.url}/admin/users`);
    await admin.getByRole('heading', { name: 'Users & invites', exact: true }).waitFor();
    await look(admin, 'users');
    await admin.goto(`${server.url}/admin/integrations`);
    await admin.getByRole('heading', { name: 'Integrations', exact: true }).waitFor();
    await look(admin, 'integrations');
    await admin.context().close();
  });

  it('signed out: the sign-in page', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });
    const page = await context.newPage();
    await page.goto(`${server.url}/login`);
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await look(page, 'login');
    await context.close();
  });
});
