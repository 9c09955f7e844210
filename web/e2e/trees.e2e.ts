import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import type { TreeResponse } from '@flowpilot/contracts';
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

async function pageAs(email: string, password: string, options: BrowserContextOptions = {}): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, ...options });
  const page = await context.newPage();
  await signIn(page, server.url, email, password);
  await page.getByRole('heading', { name: /Welcome back/ }).waitFor();
  return page;
}

const node = (page: Page, id: string) => page.locator(`.react-flow__node[data-id="${id}"]`);

const PRINTER_OFFLINE = '6f1c2a4e-1b7d-4c3a-9e2f-0a1b2c3d4e01';
const ENGINEER = ['engineer@flowpilot.test', 'flowpilot-engineer'] as const;
const ADMIN = ['admin@flowpilot.test', 'flowpilot-admin'] as const;
const TECH = ['tech@flowpilot.test', 'flowpilot-tech'] as const;

async function tokenFor([email, password]: readonly [string, string]): Promise<string> {
  const res = await fetch(`${server.url}/api/v1/auth/login/json`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  return ((await res.json()) as { access_token: string }).access_token;
}

async function callApi<T>(token: string, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${server.url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** A small valid tree: a question, an action, a follow-up question, a solution and an escalation. */
function spoolerTree(title: string) {
  return {
    title,
    description: 'Jobs sit in the queue and never print.',
    category: 'Printing',
    tags: ['printing'],
    status: 'published',
    root_node_id: 'start',
    nodes: [
      { id: 'start', kind: 'question', title: 'Does a test page print?', options: [{ label: 'Yes', next: 'fixed' }, { label: 'No', next: 'spooler' }], position: { x: 0, y: 0 } },
      { id: 'spooler', kind: 'action', title: 'Restart the print spooler', body: '```powershell\nRestart-Service Spooler\n```', next: 'again', position: { x: 260, y: 140 } },
      { id: 'again', kind: 'question', title: 'Does it print now?', options: [{ label: 'Yes', next: 'fixed' }, { label: 'No', next: 'escalate' }], position: { x: 260, y: 280 } },
      { id: 'fixed', kind: 'solution', title: 'Printing works', position: { x: 0, y: 420 } },
      { id: 'escalate', kind: 'escalate', title: 'Escalate to an engineer', position: { x: 300, y: 420 } },
    ],
  };
}

const conflictBanner = (page: Page) => page.getByRole('alert').filter({ hasText: 'Someone saved a newer version' });

function overlaps(a: { x: number; y: number; width: number; height: number }, b: typeof a): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

/** Nothing on the page is wider than the screen (a phone would scroll sideways, or cut it off). */
const fitsWidth = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);

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

describe('typing, saving and restoring as people do', () => {
  it('the search box keeps every keystroke, typed slowly or fast, and shows the results for what was typed', async () => {
    const page = await pageAs(...ENGINEER);
    await page.goto(`${server.url}/trees`);
    await page.getByTestId('tree-card').first().waitFor();
    await expect.poll(() => page.title()).toBe('Trees · FlowPilot');
    const token = await tokenFor(ENGINEER);
    const expected = (await callApi<{ items: { title: string }[] }>(token, 'GET', `/trees/search?q=${encodeURIComponent('printer offline')}&limit=30`)).items.map(
      (t) => t.title,
    );
    expect(expected[0]).toBe("Printer offline / won't print");
    const box = page.getByRole('textbox', { name: 'Search' });
    for (const delay of [20, 0]) {
      await box.fill('');
      await expect.poll(() => new URL(page.url()).searchParams.get('q')).toBeNull();
      await box.pressSequentially('printer offline', { delay });
      expect(await box.inputValue()).toBe('printer offline');
      await expect.poll(() => new URL(page.url()).searchParams.get('q'), { timeout: 5000 }).toBe('printer offline');
      await expect
        .poll(async () => (await page.getByTestId('tree-card').getByRole('link').allInnerTexts()).map((t) => t.trim()), { timeout: 5000 })
        .toEqual(expected);
      // The URL catching up never puts an older text back into the box.
      expect(await box.inputValue()).toBe('printer offline');
    }
    // A link to the library with a search shows that search in the box.
    await page.goto(`${server.url}/trees?q=vpn`);
    expect(await page.getByRole('textbox', { name: 'Search' }).inputValue()).toBe('vpn');
    await page.getByRole('link', { name: 'Decision trees' }).click();
    await expect.poll(() => page.getByRole('textbox', { name: 'Search' }).inputValue()).toBe('');

    // The editor's fields keep every keystroke too.
    await page.goto(`${server.url}/trees/${PRINTER_OFFLINE}/edit`);
    await node(page, 'start').click();
    const title = page.getByLabel('Title', { exact: true });
    for (const delay of [20, 0]) {
      await title.fill('');
      await title.pressSequentially('Printer offline on the second floor', { delay });
      expect(await title.inputValue()).toBe('Printer offline on the second floor');
      await expect.poll(() => node(page, 'start').innerText()).toContain('Printer offline on the second floor');
    }
    await page.locator('.react-flow__pane').click({ position: { x: 5, y: 5 } });
    const treeTitle = page.getByLabel('Title', { exact: true });
    await treeTitle.fill('');
    await treeTitle.pressSequentially('Printer offline in the finance office', { delay: 0 });
    expect(await treeTitle.inputValue()).toBe('Printer offline in the finance office');
    await page.getByRole('heading', { level: 1, name: 'Editing: Printer offline in the finance office' }).waitFor();
    await page.context().close();
  });

  it('saving twice raises no conflict; a save from another browser in between does', async () => {
    const token = await tokenFor(ENGINEER);
    const tree = await callApi<TreeResponse>(token, 'POST', '/trees', spoolerTree('Print queue stuck'));
    const page = await pageAs(...ENGINEER);
    await page.goto(`${server.url}/trees/${tree.id}/edit`);
    await node(page, 'spooler').waitFor();
    await expect.poll(() => page.title()).toBe('Edit: Print queue stuck · FlowPilot');

    for (const [version, text] of [
      [2, 'Restart the Print Spooler service'],
      [3, 'Restart the Print Spooler service and clear the queue'],
    ] as const) {
      await node(page, 'spooler').click();
      await page.getByLabel('Title', { exact: true }).fill(text);
      // The editor refetches the tree after its own save: that must not look like someone else's save.
      const refetched = page.waitForResponse((r) => new URL(r.url()).pathname === `/api/v1/trees/${tree.id}` && r.request().method() === 'GET');
      await page.getByTestId('save-tree').click();
      await page.getByText(new RegExp(`is now version ${version}`)).waitFor();
      await refetched;
      expect(await conflictBanner(page).count()).toBe(0);
    }

    // Someone else saves version 4 in another browser while this editor still has version 3.
    const other = await pageAs(...ADMIN);
    await other.goto(`${server.url}/trees/${tree.id}/edit`);
    await node(other, 'fixed').click();
    await other.getByLabel('Title', { exact: true }).fill('Printing works again');
    await other.getByTestId('save-tree').click();
    await other.getByText(/is now version 4/).waitFor();
    await other.context().close();

    await node(page, 'again').click();
    await page.getByLabel('Title', { exact: true }).fill('Does a test page print now?');
    await page.getByTestId('save-tree').click();
    await conflictBanner(page).waitFor();
    expect(await conflictBanner(page).innerText()).toMatch(/version 4/);
    // Nothing was overwritten: version 4 is still the newest, with the other person's change.
    const newest = await callApi<TreeResponse>(token, 'GET', `/trees/${tree.id}`);
    expect(newest.current_version).toBe(4);
    expect(newest.nodes.find((n) => n.id === 'fixed')?.title).toBe('Printing works again');
    await screenshot(page, 'tree-editor-conflict');

    // The way out: load the newest (the other person's change), then restore version 1 from the history
    // and save on top of it, all without a conflict.
    await conflictBanner(page).getByRole('button', { name: /Load the newest/ }).click();
    await conflictBanner(page).waitFor({ state: 'hidden' });
    await expect.poll(() => node(page, 'fixed').innerText()).toContain('Printing works again');
    await expect.poll(() => node(page, 'again').innerText()).toContain('Does it print now?');
    await page.getByRole('button', { name: 'History' }).click();
    await page.getByRole('button', { name: 'Compare and restore version 1' }).click();
    const dialog = page.getByRole('dialog', { name: 'Restore version 1?' });
    await dialog.getByTestId('change-spooler').waitFor();
    await dialog.getByRole('button', { name: 'Restore version 1' }).click();
    await page.getByText('Version 1 is back, as version 5.').waitFor();
    await expect.poll(() => node(page, 'spooler').innerText()).toContain('Restart the print spooler');
    await expect.poll(() => node(page, 'fixed').innerText()).toContain('Printing works');
    await node(page, 'fixed').click();
    await page.getByLabel('Title', { exact: true }).fill('The printer prints');
    await page.getByTestId('save-tree').click();
    await page.getByText(/is now version 6/).waitFor();
    expect(await conflictBanner(page).count()).toBe(0);
    await page.context().close();
  });

  it('restore first shows what changes; cancel changes nothing, confirming brings the old version back as a new one', async () => {
    const token = await tokenFor(ENGINEER);
    const v1 = await callApi<TreeResponse>(token, 'POST', '/trees', spoolerTree('Printer spooler keeps stopping'));
    const body = spoolerTree('Printer spooler keeps stopping');
    const nodes = body.nodes.map((n) => (n.id === 'spooler' ? { ...n, title: 'Clear the print queue' } : n));
    nodes.push({ id: 'driver', kind: 'solution', title: 'Reinstalled the driver', position: { x: 600, y: 420 } });
    nodes[2] = { ...nodes[2]!, options: [{ label: 'Yes', next: 'fixed' }, { label: 'No', next: 'escalate' }, { label: 'After a new driver', next: 'driver' }] };
    await callApi<TreeResponse>(token, 'PUT', `/trees/${v1.id}`, { ...body, nodes, base_version: 1 });

    const page = await pageAs(...ENGINEER);
    await page.goto(`${server.url}/trees/${v1.id}`);
    await page.getByRole('heading', { level: 1, name: 'Printer spooler keeps stopping' }).waitFor();
    await page.getByRole('button', { name: 'History' }).click();
    await page.getByRole('button', { name: 'Compare and restore version 1' }).click();
    const dialog = page.getByRole('dialog', { name: 'Restore version 1?' });
    // The changed step says how; the step only the newest version has is marked as going away.
    const changed = dialog.getByTestId('change-spooler');
    await changed.waitFor();
    expect(await changed.innerText()).toContain('Title: “Clear the print queue” → “Restart the print spooler”');
    expect(await dialog.getByTestId('change-driver').textContent()).toContain('Goes away');
    expect(await dialog.getByTestId('change-again').textContent()).toContain('Answers differ');
    const canvas = dialog.getByTestId('tree-graph');
    await expect.poll(() => canvas.getByTestId('node-spooler').getAttribute('data-diff')).toBe('changed');
    expect(await canvas.getByTestId('node-driver').getAttribute('data-diff')).toBe('removed');
    expect(await canvas.getByTestId('node-start').getAttribute('data-diff')).toBeNull();
    await screenshot(page, 'tree-compare', { viewport: true });

    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    expect((await callApi<TreeResponse>(token, 'GET', `/trees/${v1.id}`)).current_version).toBe(2);

    await page.getByRole('button', { name: 'Compare and restore version 1' }).click();
    await dialog.getByTestId('change-spooler').waitFor();
    await dialog.getByRole('button', { name: 'Restore version 1' }).click();
    await page.getByText('Version 1 is back, as version 3.').waitFor();
    await dialog.waitFor({ state: 'hidden' });
    const v3 = await callApi<TreeResponse>(token, 'GET', `/trees/${v1.id}`);
    expect(v3.version).toBe(3);
    const shape = (t: TreeResponse) => ({ title: t.title, root: t.root_node_id, status: t.status, nodes: t.nodes });
    expect(shape(v3)).toEqual(shape(v1));
    // The page shows the restored version.
    await page.locator('#step-spooler').getByText('Restart the print spooler').waitFor();
    expect(await page.locator('#step-driver').count()).toBe(0);
    await page.context().close();
  });

  it('new steps land where there is room, and a drag from a handle onto a step connects them', async () => {
    const page = await pageAs(...ENGINEER);
    await page.goto(`${server.url}/trees/new`);
    await expect.poll(() => page.title()).toBe('New tree · FlowPilot');
    await node(page, 'start').click();
    for (const kind of ['Action', 'Solution', 'Escalate']) {
      await page.getByRole('button', { name: 'Add step' }).click();
      await page.getByRole('menuitem', { name: kind, exact: true }).click();
    }
    // The view follows each new step; back to the whole tree, and the start step selected again: the spot under it is taken now.
    await page.getByRole('button', { name: 'Fit View' }).click();
    await node(page, 'start').click();
    await page.getByRole('button', { name: 'Add step' }).click();
    await page.getByRole('menuitem', { name: 'Question', exact: true }).click();
    await node(page, 'question-1').waitFor();
    await page.locator('.react-flow__pane').click({ position: { x: 5, y: 5 } });
    await page.getByRole('button', { name: 'Add step' }).click();
    await page.getByRole('menuitem', { name: 'Link to tree', exact: true }).click();
    await node(page, 'link-1').waitFor();
    await page.getByRole('button', { name: 'Fit View' }).click();
    await page.waitForTimeout(300);
    const ids = ['start', 'action-1', 'solution-1', 'escalate-1', 'question-1', 'link-1'];
    const boxes = await Promise.all(ids.map(async (id) => (await node(page, id).boundingBox())!));
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) expect(overlaps(boxes[i]!, boxes[j]!), `${ids[i]} and ${ids[j]} overlap`).toBe(false);
    }

    // The handle is hidden until the pointer is over the step, then big enough to grab.
    const handle = node(page, 'start').locator('.react-flow__handle.source');
    await page.locator('.react-flow__pane').click({ position: { x: 5, y: 5 } });
    await page.mouse.move(0, 0);
    await expect.poll(() => handle.evaluate((el) => getComputedStyle(el).opacity)).toBe('0');
    await node(page, 'start').hover();
    await expect.poll(() => handle.evaluate((el) => getComputedStyle(el).opacity)).toBe('1');
    const grip = (await handle.boundingBox())!;
    expect(grip.width).toBeGreaterThanOrEqual(12);
    await screenshot(page, 'tree-editor-handles', { viewport: true });
    // Dropped on the middle of a step, not on its small target dot.
    await handle.dragTo(node(page, 'action-1'));
    await expect.poll(() => page.locator('.react-flow__edge').count()).toBe(1);
    await handle.dragTo(node(page, 'escalate-1'));
    await expect.poll(() => page.locator('.react-flow__edge').count()).toBe(2);
    await node(page, 'start').click();
    expect(await page.getByRole('combobox', { name: 'Answer 1 leads to' }).inputValue()).toMatch(/action-1/);
    expect(await page.getByRole('combobox', { name: 'Answer 2 leads to' }).inputValue()).toMatch(/escalate-1/);
    await page.context().close();
  });

  it('a technician starts a session from the tree’s page, with the tree already picked', async () => {
    const page = await pageAs(...TECH);
    await page.goto(`${server.url}/trees/${PRINTER_OFFLINE}`);
    await page.getByRole('heading', { level: 1, name: "Printer offline / won't print" }).waitFor();
    await expect.poll(() => page.title()).toBe("Printer offline / won't print · FlowPilot");
    expect(await page.locator('h1').count()).toBe(1);
    await page.getByRole('button', { name: 'Start session' }).click();
    await page.waitForURL(/\/sessions\/new\?tree=/);
    const option = page.getByRole('button', { name: "Use Printer offline / won't print" });
    await expect.poll(() => option.getAttribute('aria-pressed')).toBe('true');
    await page.getByRole('main').getByRole('button', { name: 'Start session' }).click();
    await page.waitForURL(/\/pilot\//);
    await page.getByTestId('current-node-title').getByText('Is it one user or everyone who cannot print to this printer?').waitFor();
    await page.context().close();
  });

  it('a code block has a copy button that copies the command exactly, and no indent on its first line', async () => {
    const page = await pageAs(...TECH, { permissions: ['clipboard-read', 'clipboard-write'] });
    await page.goto(`${server.url}/trees/${PRINTER_OFFLINE}`);
    const step = page.locator('#step-ping-printer');
    await step.waitFor();
    await step.getByRole('button', { name: 'Copy code' }).first().click();
    await step.getByRole('button', { name: 'Copied' }).waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(
      'Test-Connection 10.0.20.45 -Count 2\nTest-NetConnection 10.0.20.45 -Port 9100   # RAW / JetDirect',
    );
    // Both lines start at the same place.
    const starts = await step.locator('pre code').first().evaluate((code) => {
      const text = code.firstChild as Text;
      const second = text.data.indexOf('\n') + 1;
      const at = (i: number) => {
        const range = document.createRange();
        range.setStart(text, i);
        range.setEnd(text, i + 1);
        return range.getBoundingClientRect().left;
      };
      return [at(0), at(second)];
    });
    expect(Math.abs(starts[0]! - starts[1]!)).toBeLessThan(1);
    await step.screenshot({ path: `${SCREENSHOT_DIR}/tree-viewer-code.png` });
    await page.context().close();
  });

  it('on a phone: long titles wrap, dialogs fit, handles show without hover and no keyboard hints', async () => {
    const token = await tokenFor(ENGINEER);
    const long = await callApi<TreeResponse>(token, 'POST', '/trees', {
      ...spoolerTree('Printer offline after the Windows 11 24H2 cumulative update on every finance-department workstation'),
      description: 'Jobs to \\\\PRINT01.finance.corp.example.com\\HP-Finance-2F-Colour-LaserJet-Enterprise-M555dn stay queued.',
    });
    const phone = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true };
    const page = await pageAs(...ENGINEER, phone);
    await page.goto(`${server.url}/trees?q=${encodeURIComponent('finance department workstation')}`);
    await page.getByTestId('tree-card').filter({ hasText: 'every finance-department workstation' }).waitFor();
    expect(await fitsWidth(page)).toBe(true);
    await screenshot(page, 'phone-trees-library');

    await page.goto(`${server.url}/trees/${long.id}`);
    await page.getByRole('heading', { level: 1 }).waitFor();
    expect(await fitsWidth(page)).toBe(true);
    await screenshot(page, 'phone-tree-viewer');

    await page.getByRole('button', { name: 'History' }).click();
    await page.getByRole('dialog', { name: 'Version history' }).waitFor();
    await screenshot(page, 'phone-tree-history', { viewport: true });
    await page.keyboard.press('Escape');

    await page.goto(`${server.url}/trees/${long.id}/edit`);
    await node(page, 'spooler').waitFor();
    expect(await fitsWidth(page)).toBe(true);
    expect(await page.locator('.fp-keyboard-hint').isVisible()).toBe(false);
    const handle = node(page, 'start').locator('.react-flow__handle.source');
    expect(await handle.evaluate((el) => getComputedStyle(el).opacity)).toBe('1');
    // Viewport captures: a full-page capture drops the touch-screen emulation (it would show hover-only styles).
    await screenshot(page, 'phone-tree-editor', { viewport: true });
    await page.getByText('No problems').scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${SCREENSHOT_DIR}/phone-tree-editor-form.png` });

    // A second version to compare with.
    await node(page, 'spooler').tap();
    await page.getByLabel('Title', { exact: true }).fill('Clear the queue and restart the spooler');
    await page.getByTestId('save-tree').tap();
    await page.getByText(/is now version 2/).waitFor();
    await page.getByRole('button', { name: 'History' }).tap();
    await page.getByRole('button', { name: 'Compare and restore version 1' }).tap();
    const dialog = page.getByRole('dialog', { name: 'Restore version 1?' });
    await dialog.getByTestId('change-spooler').waitFor();
    const box = (await dialog.boundingBox())!;
    expect(box.x).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width).toBeLessThanOrEqual(390);
    await dialog.getByRole('button', { name: 'Restore version 1' }).scrollIntoViewIfNeeded();
    await screenshot(page, 'phone-tree-compare', { viewport: true });
    await dialog.getByRole('button', { name: 'Cancel' }).tap();
    await page.context().close();

    // The keyboard hint is there on a desk.
    const desk = await pageAs(...ENGINEER);
    await desk.goto(`${server.url}/trees/${long.id}/edit`);
    await node(desk, 'spooler').waitFor();
    await desk.locator('.react-flow__pane').click({ position: { x: 5, y: 5 } });
    expect(await desk.locator('.fp-keyboard-hint').isVisible()).toBe(true);
    await desk.context().close();
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
