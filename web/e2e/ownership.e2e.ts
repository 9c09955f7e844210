import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, screenshot, SCREENSHOT_DIR, signIn, startServer, type RunningServer } from './support.ts';

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

/** A signed-in page in a browser context of its own: another person at another desk (or on a phone). */
async function deskOf(email: string, password: string, width = 1440): Promise<Page> {
  const context = await browser.newContext({ viewport: { width, height: width < 600 ? 844 : 900 }, colorScheme: 'light', hasTouch: width < 600, isMobile: width < 600 });
  const page = await context.newPage();
  await signIn(page, server.url, email, password);
  await page.getByRole('heading', { name: /Welcome back/ }).waitFor();
  return page;
}

async function apiAs(email: string, password: string) {
  const login = await fetch(`${server.url}/api/v1/auth/login/json`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
  const { access_token: token } = (await login.json()) as { access_token: string };
  return async <T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> => {
    const res = await fetch(`${server.url}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as T };
  };
}

type Session = { id: string; current_node_id: string };

/** The technician's printer session, walked to the hardware escalate node and escalated to the queue. */
async function escalatedPrinterSession(): Promise<string> {
  const tech = await apiAs('tech@flowpilot.test', 'flowpilot-tech');
  const trees = await tech<{ items: { id: string; title: string }[] }>('GET', '/trees/search?q=printer%20offline');
  const treeId = trees.body.items[0]!.id;
  let s = (await tech<Session>('POST', '/sessions', { tree_id: treeId, ticket_id: '5150', client_name: 'Birch & Co', problem_summary: 'Accounts printer is dead' })).body;
  for (const answer of ['Everyone / several PCs', "Dead, won't power on, or a service/fuser code"]) {
    s = (await tech<Session>('POST', `/sessions/${s.id}/steps`, { node_id: s.current_node_id, answer })).body;
  }
  expect(s.current_node_id).toBe('escalate-hardware');
  expect((await tech('POST', `/sessions/${s.id}/handoff`, { intent: 'escalate', reason: 'Fuser error 50.4; no spare on site' })).status).toBe(200);
  return s.id;
}

describe('one owner after pickup, live, with true credit', () => {
  it('the technician’s open runner turns read-only the moment the engineer picks up, follows every step, and shows who resolved it', async () => {
    const id = await escalatedPrinterSession();
    const tech = await deskOf('tech@flowpilot.test', 'flowpilot-tech');
    const engineer = await deskOf('engineer@flowpilot.test', 'flowpilot-engineer');
    await tech.goto(`${server.url}/pilot/${id}`);
    await tech.getByRole('heading', { name: 'Escalated — waiting for pickup' }).waitFor();

    await engineer.goto(`${server.url}/pilot/${id}?pickup=true`);
    await engineer.getByRole('button', { name: 'Pick up', exact: true }).click();
    await engineer.getByText('The tree ends here: it is yours to finish').waitFor();

    // Without a reload: the technician is told who has it, and is offered nothing that would fail.
    const notice = tech.getByTestId('read-only-notice');
    await notice.waitFor();
    expect(await notice.innerText()).toContain('Sam Rivera picked this up');
    for (const name of ['Complete', 'Pause', 'Escalate', 'Off-tree step']) expect(await tech.getByRole('button', { name, exact: true }).count()).toBe(0);
    expect(await tech.getByText('The tree ends here: it is yours to finish').count()).toBe(0);
    expect(await tech.getByLabel('Note').count()).toBe(0);
    await screenshot(tech, 'ownership-technician-read-only');

    // The senior is not handed a dead end: off-tree steps, back, complete.
    await engineer.getByRole('button', { name: 'Add an off-tree step' }).click();
    const dialog = engineer.getByRole('dialog', { name: 'Add an off-tree step' });
    await dialog.getByLabel('What you did').pressSequentially('Replaced the fuser unit from stock', { delay: 20 });
    await dialog.getByLabel('What happened').pressSequentially('Warms up, test page prints', { delay: 20 });
    expect(await dialog.getByLabel('What you did').inputValue()).toBe('Replaced the fuser unit from stock');
    await dialog.getByRole('button', { name: 'Add step' }).click();
    await dialog.waitFor({ state: 'hidden' });
    expect(await engineer.getByRole('button', { name: 'Go back a step' }).count()).toBe(1);
    await screenshot(engineer, 'ownership-engineer-finishing');

    // The technician's timeline follows the engineer's step live.
    await tech.getByText('Replaced the fuser unit from stock').first().waitFor();

    await engineer.getByRole('button', { name: 'Complete with a resolution' }).click();
    const complete = engineer.getByRole('dialog', { name: 'Complete the session' });
    await complete.getByLabel('Resolution').fill('Fuser unit replaced; printing restored for accounts');
    await complete.getByRole('button', { name: 'Complete and document' }).click();
    await engineer.getByRole('heading', { name: 'Documentation', exact: true }).waitFor();
    await engineer.getByText(/Sam Rivera resolved "Accounts printer is dead"/).waitFor();

    // The technician's page shows the documentation too, crediting both truthfully.
    await tech.getByRole('heading', { name: 'Documentation', exact: true }).waitFor();
    const summary = tech.getByText(/Sam Rivera resolved "Accounts printer is dead" for Birch & Co \(ticket 5150\) after Jamie Chen escalated it/);
    await summary.waitFor();
    await tech.getByText(/Started by Jamie Chen · escalated by Jamie Chen · picked up by Sam Rivera · resolved by Sam Rivera/).waitFor();
    expect(await tech.getByText('Fuser unit replaced; printing restored for accounts').count()).toBe(1);
    await screenshot(tech, 'ownership-technician-documentation');
    await tech.context().close();
    await engineer.context().close();
  });

  it('on a phone: the read-only runner and the engineer’s finishing step read top to bottom, nothing cut off', async () => {
    const id = await escalatedPrinterSession();
    const engineerApi = await apiAs('engineer@flowpilot.test', 'flowpilot-engineer');
    expect((await engineerApi('POST', `/sessions/${id}/pickup`)).status).toBe(200);
    for (const [email, password, name] of [
      ['tech@flowpilot.test', 'flowpilot-tech', 'ownership-technician-phone'],
      ['engineer@flowpilot.test', 'flowpilot-engineer', 'ownership-engineer-phone'],
    ] as const) {
      const page = await deskOf(email, password, 390);
      await page.goto(`${server.url}/pilot/${id}`);
      await page.getByTestId('current-node-title').waitFor();
      // Nothing wider than the screen.
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow).toBeLessThanOrEqual(0);
      // No keyboard hints on a touch screen.
      expect(await page.locator('kbd:visible').count()).toBe(0);
      // A full-page capture of an emulated phone drops the touch media features while it draws: capture the screen itself.
      await screenshot(page, name, { viewport: true });
      await page.getByRole('heading', { name: 'Steps', exact: true }).scrollIntoViewIfNeeded();
      await page.screenshot({ path: `${SCREENSHOT_DIR}/${name}-steps.png` });
      await page.context().close();
    }
  });
});
