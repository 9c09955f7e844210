import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { apiAs as signedIn, deskOf as desk, launchBrowser, screenshot, SCREENSHOT_DIR, startServer, type RunningServer } from './support.ts';

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

type Session = { id: string; current_node_id: string };

const deskOf = (email: string, password: string, width = 1440) => desk(browser, server.url, email, password, width);
const apiAs = (email: string, password: string) => signedIn(server.url, email, password);

/** The technician's printer session, walked to the hardware escalate node and escalated to the queue. */
async function escalatedPrinterSession(): Promise<string> {
  const tech = await apiAs('tech@flowpilot.test', 'flowpilot-tech');
  const trees = await tech<{ items: { id: string; title: string }[] }>('GET', '/trees/search?q=printer%20offline');
  const treeId = trees.items[0]!.id;
  let s = await tech<Session>('POST', '/sessions', { tree_id: treeId, ticket_id: '5150', client_name: 'Birch & Co', problem_summary: 'Accounts printer is dead' });
  for (const answer of ['Everyone / several PCs', "Dead, won't power on, or a service/fuser code"]) {
    s = await tech<Session>('POST', `/sessions/${s.id}/steps`, { node_id: s.current_node_id, answer });
  }
  expect(s.current_node_id).toBe('escalate-hardware');
  await tech('POST', `/sessions/${s.id}/handoff`, { intent: 'escalate', reason: 'Fuser error 50.4; no spare on site' });
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
    await engineerApi('POST', `/sessions/${id}/pickup`);
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
