import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { apiAs as signedIn, launchBrowser, screenshot, signIn, startServer, type RunningServer } from './support.ts';

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

const apiAs = (email: string, password: string) => signedIn(server.url, email, password);

/** A signed-in page on the home page, in a browser context of its own: another person at another desk. */
async function homeOf(email: string, password: string, width = 1440): Promise<Page> {
  const context = await browser.newContext({ viewport: { width, height: 900 }, colorScheme: 'light' });
  const page = await context.newPage();
  await signIn(page, server.url, email, password);
  await page.getByRole('heading', { name: /Welcome back/ }).waitFor();
  return page;
}

const section = (page: Page, name: string) => page.getByRole('region', { name });

/** Nothing on the page is wider than the screen, and every card of the section lies inside it. */
async function expectFitsWidth(page: Page, width: number, sectionName: string): Promise<void> {
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
  for (const card of await section(page, sectionName).getByRole('article').all()) {
    const box = (await card.boundingBox())!;
    expect(box.x).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width).toBeLessThanOrEqual(width);
  }
}

describe('home: my open sessions, what waits for me, and the team queue, live', () => {
  it('a technician starts a session and finds it on home; escalates it; the engineer’s home shows it waiting, live, with a ticking waiting time', async () => {
    const engineer = await homeOf('engineer@flowpilot.test', 'flowpilot-engineer');
    const tech = await homeOf('tech@flowpilot.test', 'flowpilot-tech');

    // Nothing yet: each list says so in words.
    await section(tech, 'Your open sessions').getByText(/^No open sessions\./).waitFor();
    await section(tech, 'Waiting for you').getByText(/^Nothing is waiting for you\./).waitFor();
    expect(await section(tech, 'Waiting for pickup').count()).toBe(0);
    await section(engineer, 'Waiting for pickup').getByText('No session is waiting for pickup. New escalations appear here as they happen.').waitFor();
    await screenshot(engineer, 'home-engineer-empty');

    // The technician starts a session from the ticket and answers the first question.
    await tech.getByRole('link', { name: 'New session' }).click();
    await tech.getByRole('heading', { name: 'Start a session' }).waitFor();
    await tech.getByLabel('Ticket number').fill('88213');
    await tech.getByLabel('Client').fill('Tailspin Toys');
    await tech.getByLabel('Device').fill('TT-FRONTDESK');
    await tech.getByLabel('Problem').fill('Front desk printer shows offline, nothing prints since this morning');
    const suggestion = tech.getByRole('button', { name: /Use Printer offline/ });
    await suggestion.waitFor();
    await suggestion.click();
    await tech.getByRole('button', { name: 'Start session' }).click();
    await tech.waitForURL(/\/pilot\/[0-9a-f-]+$/);
    const sessionId = new URL(tech.url()).pathname.split('/').pop()!;
    const title = tech.getByTestId('current-node-title');
    await title.waitFor();
    const first = await title.innerText();
    await tech.keyboard.press('1');
    await expect.poll(() => title.innerText()).not.toBe(first);
    const nowAt = await title.innerText();

    // Home: the session with its tree, client, ticket, the step it stands on, and a way back in.
    await tech.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name: 'Home' }).click();
    const card = section(tech, 'Your open sessions').getByRole('article', { name: /Printer offline/ });
    await card.waitFor();
    const text = await card.innerText();
    expect(text).toContain('Tailspin Toys · ticket 88213 · TT-FRONTDESK');
    expect(text).toContain(`Now at: ${nowAt}`);
    expect(text).toMatch(/worked · last change (just now|\d+ (s|min) ago)/);
    await card.getByText('Active', { exact: true }).waitFor();
    await screenshot(tech, 'home-technician-open-session');
    await card.getByRole('link', { name: 'Continue session: Tailspin Toys' }).click();
    await tech.waitForURL(`**/pilot/${sessionId}`);
    await expect.poll(() => title.innerText()).toBe(nowAt);

    // Stuck: escalate to the team's queue.
    await tech.keyboard.press('e');
    const modal = tech.getByRole('dialog', { name: 'Hand this session on' });
    await modal.waitFor();
    await modal.getByLabel('Reason').fill('Spooler restarted, driver reinstalled, still offline. The print server does not answer.');
    await modal.getByRole('button', { name: 'Escalate session' }).click();
    await tech.getByRole('heading', { name: 'Escalated — waiting for pickup' }).waitFor();

    // The engineer's home, never reloaded, shows it in the queue with a waiting time that ticks.
    const queued = section(engineer, 'Waiting for pickup').getByRole('article', { name: 'Tailspin Toys' });
    await queued.waitFor();
    const queuedText = await queued.innerText();
    expect(queuedText).toContain('Ticket 88213');
    expect(queuedText).toContain('Jamie Chen: “Spooler restarted');
    expect(queuedText).toContain('Team queue');
    const waiting = queued.getByTestId('waiting-time');
    const before = await waiting.innerText();
    expect(before).toMatch(/^\d+m \d{2}s$/);
    await expect.poll(() => waiting.innerText(), { timeout: 5_000 }).not.toBe(before);
    // Sent to the queue, not to the engineer by name.
    await section(engineer, 'Waiting for you').getByText(/^Nothing is waiting for you\./).waitFor();
    await screenshot(engineer, 'home-engineer-queue');

    // The technician's home shows the session as waiting for pickup.
    await tech.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name: 'Home' }).click();
    const mine = section(tech, 'Your open sessions').getByRole('article', { name: /Printer offline/ });
    await mine.getByText('Waiting for pickup').waitFor();
    expect(await mine.innerText()).toContain(`Stopped at: ${nowAt}`);
    expect(await mine.getByRole('link', { name: 'Open session: Tailspin Toys' }).count()).toBe(1);

    // The queue card opens the pickup screen.
    await queued.getByRole('link', { name: 'Open escalation: Tailspin Toys' }).click();
    await engineer.waitForURL(`**/pilot/${sessionId}?pickup=true`);
    await engineer.getByRole('button', { name: 'Pick up' }).waitFor();
    for (const page of [engineer, tech]) await page.context().close();
  });

  it('what waits for an engineer by name arrives live: an escalation sent to them and a session a colleague hands over', async () => {
    const engineer = await homeOf('engineer@flowpilot.test', 'flowpilot-engineer');
    const waiting = section(engineer, 'Waiting for you');
    await waiting.getByText(/^Nothing is waiting for you\./).waitFor();
    const users = await (await apiAs('admin@flowpilot.test', 'flowpilot-admin'))<{ items: { id: string; email: string }[] }>('GET', '/users?limit=50');
    const sam = users.items.find((u) => u.email === 'engineer@flowpilot.test')!.id;

    const tech = await apiAs('tech@flowpilot.test', 'flowpilot-tech');
    const trees = await tech<{ items: { id: string; title: string }[] }>('GET', '/trees?status=published&limit=1');
    const escalated = await tech<{ id: string }>('POST', '/sessions', { tree_id: trees.items[0]!.id, client_name: 'Wide World Importers', ticket_id: '90411', problem_summary: 'VPN drops every ten minutes' });
    await tech('POST', `/sessions/${escalated.id}/escalate`, { reason: 'Tunnel renegotiates; I cannot read the firewall logs', target_user_id: sam });
    const sentToMe = waiting.getByRole('article', { name: 'Wide World Importers' });
    await sentToMe.waitFor();
    expect(await sentToMe.innerText()).toContain('Jamie Chen: “Tunnel renegotiates');
    await sentToMe.getByTestId('waiting-time').waitFor();

    const admin = await apiAs('admin@flowpilot.test', 'flowpilot-admin');
    const handed = await admin<{ id: string }>('POST', '/sessions', { tree_id: trees.items[0]!.id, client_name: 'Proseware', ticket_id: '90412', problem_summary: 'Shared mailbox missing in Outlook' });
    await admin('POST', `/sessions/${handed.id}/handoff`, { intent: 'transfer', reason: 'End of my shift: the user is on the phone now', target_user_id: sam });
    const handedOver = waiting.getByRole('article', { name: 'Proseware' });
    await handedOver.waitFor();
    await handedOver.getByText('Handed over', { exact: true }).waitFor();
    expect(await handedOver.innerText()).toContain('Morgan Price: “End of my shift');
    // Not twice: it waits for the engineer, it is not yet one of their open sessions.
    expect(await section(engineer, 'Your open sessions').getByRole('article', { name: /Proseware/ }).count()).toBe(0);
    // The toasts of the two arrivals closed, so the picture shows the page.
    for (const close of await engineer.locator('.mantine-Notification-closeButton').all()) await close.click();
    await expect.poll(() => engineer.getByRole('alert').count()).toBe(0);
    await screenshot(engineer, 'home-engineer-waiting-for-you');

    // On a phone: every list is a column of cards, nothing cut off.
    const phone = await homeOf('engineer@flowpilot.test', 'flowpilot-engineer', 390);
    await section(phone, 'Waiting for pickup').getByRole('article', { name: 'Wide World Importers' }).waitFor();
    await section(phone, 'Waiting for you').getByRole('article', { name: 'Proseware' }).waitFor();
    await expectFitsWidth(phone, 390, 'Waiting for pickup');
    await expectFitsWidth(phone, 390, 'Waiting for you');
    await screenshot(phone, 'home-engineer-phone');

    // Once the engineer works on the handed-over session, it is theirs: among their open sessions, no longer waiting.
    await handedOver.getByRole('link', { name: 'Continue session: Proseware' }).click();
    await engineer.waitForURL(`**/pilot/${handed.id}`);
    const title = engineer.getByTestId('current-node-title');
    await title.waitFor();
    const first = await title.innerText();
    await engineer.keyboard.press('1');
    await expect.poll(() => title.innerText()).not.toBe(first);
    await engineer.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name: 'Home' }).click();
    await section(engineer, 'Your open sessions').getByRole('article', { name: /./ }).filter({ hasText: 'Proseware' }).waitFor();
    expect(await waiting.getByRole('article', { name: 'Proseware' }).count()).toBe(0);
    for (const page of [engineer, phone]) await page.context().close();
  });
});
