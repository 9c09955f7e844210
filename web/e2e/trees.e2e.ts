import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
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

async function pageAs(email: string, password: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  await signIn(page, server.url, email, password);
  await page.getByRole('heading', { name: /Welcome back/ }).waitFor();
  return page;
}

const node = (page: Page, id: string) => page.locator(`.react-flow__node[data-id="${id}"]`);

describe('decision trees in the browser', () => {
  it('an engineer builds a tree from scratch, sees mistakes on the nodes, saves it and finds it by a misspelled search', async () => {
    const page = await pageAs('engineer@flowpilot.test', 'flowpilot-engineer');
    await page.goto(`${server.url}/trees`);
    await page.getByTestId('tree-card').first().waitFor();
    await screenshot(page, 'trees-library');

    await page.getByRole('button', { name: 'New tree' }).click();
    await page.getByRole('heading', { name: 'New tree' }).waitFor();
    // The side panel shows the tree's own fields while no step is selected: make sure none is.
    await page.locator('.react-flow__pane').click({ position: { x: 5, y: 5 } });
    await page.getByRole('combobox', { name: 'Category' }).waitFor();
    await page.getByLabel('Title', { exact: true }).fill('Teams camera not detected');
    await page.getByRole('combobox', { name: 'Category' }).fill('Collaboration');
    await page.keyboard.press('Escape');
    await page.getByLabel('Description').fill('The camera is missing or black in Microsoft Teams calls.');

    // The lone start question has no answers yet: the node itself says so, and Save is blocked.
    await expect.poll(() => node(page, 'start').getAttribute('class')).toBeTruthy();
    await expect.poll(() => page.getByTestId('node-start').getAttribute('data-invalid')).toBe('true');
    await expect.poll(() => node(page, 'start').innerText()).toContain('has no answers');
    expect(await page.getByTestId('save-tree').isDisabled()).toBe(true);

    // Edit the start question.
    await node(page, 'start').click();
    await page.getByLabel('Title', { exact: true }).fill('Does the camera work in the Windows Camera app?');
    await page.getByLabel('Instructions').fill('Open **Camera** from the Start menu.\n\n```\nGet-PnpDevice -Class Camera\n```');

    // Add a solution and connect it by dragging from the question's handle.
    await page.getByRole('button', { name: 'Add step' }).click();
    await page.getByRole('menuitem', { name: 'Solution' }).click();
    await page.getByLabel('Title', { exact: true }).fill('Camera works again in Teams');
    await node(page, 'solution-1').waitFor();
    await page.getByRole('button', { name: 'Tidy layout' }).click();
    await page.waitForTimeout(400);
    await node(page, 'start').locator('.react-flow__handle.source').dragTo(node(page, 'solution-1').locator('.react-flow__handle.target'));
    await expect.poll(() => page.locator('.react-flow__edge').count()).toBe(1);

    // Add an escalation and connect it from the side panel.
    await page.getByRole('button', { name: 'Add step' }).click();
    await page.getByRole('menuitem', { name: 'Escalate' }).click();
    await node(page, 'escalate-1').waitFor();
    await node(page, 'start').click();
    await page.getByRole('button', { name: 'Add answer' }).click();
    await page.getByLabel('Answer 2', { exact: true }).fill('No');
    await page.getByRole('combobox', { name: 'Answer 2 leads to' }).click();
    await page.getByRole('option', { name: /Escalate to an engineer/ }).click();
    await expect.poll(() => page.locator('.react-flow__edge').count()).toBe(2);
    await page.getByRole('button', { name: 'Tidy layout' }).click();
    await page.waitForTimeout(400);
    await page.getByText('No problems').waitFor();
    await screenshot(page, 'tree-editor');

    await page.getByTestId('save-tree').click();
    await page.waitForURL(/\/trees\/[0-9a-f-]{36}\/edit$/);
    await page.getByText(/is now version 1/).waitFor();

    // A misspelled search finds it in the library.
    await page.goto(`${server.url}/trees?q=${encodeURIComponent('camra detcted')}`);
    const hit = page.getByTestId('tree-card').filter({ hasText: 'Teams camera not detected' });
    await hit.waitFor();
    expect(await page.getByTestId('tree-card').first().innerText()).toContain('Teams camera not detected');
    await screenshot(page, 'trees-search');

    // Edit again: a second save makes version 2.
    await hit.getByRole('link', { name: 'Teams camera not detected' }).click();
    await page.getByRole('button', { name: 'Edit' }).click();
    await node(page, 'solution-1').click();
    await page.getByLabel('Title', { exact: true }).fill('Camera works in Teams after a restart');
    await page.getByTestId('save-tree').click();
    await page.getByText(/is now version 2/).waitFor();
    await page.getByRole('link', { name: /Back to the tree/ }).click();
    await page.getByText('Camera works in Teams after a restart').first().waitFor();
    await page.context().close();
  });

  it('an invalid graph shows the error on the offending node', async () => {
    const page = await pageAs('engineer@flowpilot.test', 'flowpilot-engineer');
    await page.goto(`${server.url}/trees/new`);
    await page.getByRole('button', { name: 'Add step' }).click();
    await page.getByRole('menuitem', { name: 'Action' }).click();
    await node(page, 'action-1').waitFor();
    // Nothing leads to the new action, and it leads nowhere.
    await expect.poll(() => page.getByTestId('node-action-1').getAttribute('data-invalid')).toBe('true');
    const problems = await page.getByTestId('problems').innerText();
    expect(problems).toMatch(/cannot be reached from the start node/);
    expect(problems).toMatch(/leads to "", which does not exist/);
    await screenshot(page, 'tree-editor-invalid');
    await page.context().close();
  });

  it('a technician reads trees but sees no edit controls', async () => {
    const page = await pageAs('tech@flowpilot.test', 'flowpilot-tech');
    await page.goto(`${server.url}/trees?q=printer`);
    const card = page.getByTestId('tree-card').first();
    await card.waitFor();
    expect(await page.getByRole('button', { name: 'New tree' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Import' }).count()).toBe(0);
    await card.getByRole('link').first().click();
    await page.getByRole('tab', { name: 'Steps' }).waitFor();
    await page.locator('[id^="step-"]').first().waitFor();
    expect(await page.getByRole('button', { name: 'Edit' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Delete' }).count()).toBe(0);
    await screenshot(page, 'tree-viewer');
    await page.getByRole('tab', { name: 'Flowchart' }).click();
    await page.getByTestId('tree-graph').locator('.react-flow__node').first().waitFor();
    await screenshot(page, 'tree-viewer-flowchart');
    await page.goto(`${server.url}/trees/new`);
    await page.getByRole('heading', { name: 'Page not found' }).waitFor();
    await page.context().close();
  });
});

describe('a large library', () => {
  it('pages through the trees', async () => {
    const page = await pageAs('engineer@flowpilot.test', 'flowpilot-engineer');
    const token = await page.evaluate(async () => {
      const res = await fetch('/api/v1/auth/login/json', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'engineer@flowpilot.test', password: 'flowpilot-engineer' }),
      });
      return ((await res.json()) as { access_token: string }).access_token;
    });
    const trees = Array.from({ length: 35 }, (_, i) => ({
      title: `Bulk tree ${String(i + 1).padStart(2, '0')}`,
      category: 'Bulk',
      status: 'published',
      root_node_id: 's',
      nodes: [{ id: 's', kind: 'solution', title: 'Done' }],
    }));
    const res = await fetch(`${server.url}/api/v1/trees/import`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ content: { format: 'flowpilot.trees', version: 1, trees } }),
    });
    expect(((await res.json()) as { created: number }).created).toBe(35);
    await page.goto(`${server.url}/trees?category=Bulk`);
    await page.getByText('Bulk tree 01').waitFor();
    expect(await page.getByTestId('tree-card').count()).toBe(30);
    await page.getByRole('button', { name: '2' }).click();
    await page.getByText('Bulk tree 35').waitFor();
    expect(await page.getByTestId('tree-card').count()).toBe(5);
    expect(new URL(page.url()).searchParams.get('page')).toBe('2');
    await page.context().close();
  });
});
