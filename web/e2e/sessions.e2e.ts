import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { TreeNode, TreeResponse } from '@flowpilot/contracts';
import { startConnectWiseFake } from '../../server/test/fakes/connectwise.ts';
import type { FakePsa } from '../../server/test/fakes/fake-server.ts';
import { launchBrowser, screenshot, signIn, startServer, type RunningServer } from './support.ts';

const TICKET = 88231;
const CW = { companyId: 'acme', publicKey: 'pub-e2e', privateKey: 'priv-e2e-secret', clientId: 'c1d2e3f4-0000-4000-8000-0000000000e2' };

let server: RunningServer;
let browser: Browser;
let fake: FakePsa;

beforeAll(async () => {
  fake = await startConnectWiseFake({ ...CW, tickets: [TICKET] });
  // The fake PSA listens on loopback, which FlowPilot refuses unless told otherwise.
  server = await startServer({ ALLOW_PRIVATE_NETWORK_TARGETS: 'true' });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await fake?.close();
});

async function pageAs(email: string, password: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, acceptDownloads: true });
  const page = await context.newPage();
  await signIn(page, server.url, email, password);
  await page.getByRole('heading', { name: /Welcome back/ }).waitFor();
  return page;
}

/** Signs in through the API and runs `fn` with an authenticated GET. */
async function apiGet<T>(email: string, password: string, fn: (get: <R>(path: string) => Promise<R>) => Promise<T>): Promise<T> {
  const login = await fetch(`${server.url}/api/v1/auth/login/json`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
  const { access_token: token } = (await login.json()) as { access_token: string };
  return fn(async <R>(path: string) => (await (await fetch(`${server.url}/api/v1${path}`, { headers: { authorization: `Bearer ${token}` } })).json()) as R);
}

/** The answer numbers (1-based) that lead from the root to a solution without leaving the tree. */
function pathToSolution(tree: TreeResponse): number[] {
  const byId = new Map(tree.nodes.map((n) => [n.id, n]));
  const queue: { id: string; keys: number[] }[] = [{ id: tree.root_node_id, keys: [] }];
  const seen = new Set<string>();
  while (queue.length) {
    const { id, keys } = queue.shift()!;
    const node = byId.get(id) as TreeNode;
    if (seen.has(id)) continue;
    seen.add(id);
    if (node.kind === 'solution') return keys;
    if (node.kind === 'question') node.options.forEach((o, i) => queue.push({ id: o.next, keys: [...keys, i + 1] }));
    if (node.kind === 'action') queue.push({ id: node.next, keys: [...keys, 1] });
  }
  throw new Error('no solution reachable without a link');
}

describe('sessions in the browser', () => {
  it('an admin connects ConnectWise and the test says it works', async () => {
    const page = await pageAs('admin@flowpilot.test', 'flowpilot-admin');
    await page.getByRole('link', { name: 'Integrations' }).click();
    await page.getByRole('heading', { name: 'Integrations' }).waitFor();
    await page.getByRole('combobox', { name: 'Provider' }).click();
    await page.getByRole('option', { name: 'ConnectWise Manage' }).click();
    await page.getByLabel('Site address').fill(fake.url);
    await page.getByLabel('Company id').fill(CW.companyId);
    await page.getByLabel('Public key').fill(CW.publicKey);
    await page.getByLabel('Private key').fill(CW.privateKey);
    await page.getByLabel('Client id').fill(CW.clientId);
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText('PSA settings saved').waitFor();
    await page.getByLabel('Check a ticket too (optional)').fill(String(TICKET));
    await page.getByRole('button', { name: 'Test connection' }).click();
    await page.getByText('It works').waitFor();
    expect(await page.getByText(/Connected to ConnectWise as company acme; ticket 88231/).isVisible()).toBe(true);
    // The secret is never shown again.
    expect(await page.getByLabel('Private key').inputValue()).toBe('');
    expect(await page.content()).not.toContain(CW.privateKey);
    await screenshot(page, 'integrations');
    await page.context().close();
  });

  it('a technician runs a demo tree to a solution with the keyboard, completes it, sees the documentation and exports a PDF; the PSA gets the note', async () => {
    const page = await pageAs('tech@flowpilot.test', 'flowpilot-tech');
    await page.goto(`${server.url}/sessions`);
    await page.getByRole('link', { name: 'New session' }).click();
    await page.getByRole('heading', { name: 'Start a session' }).waitFor();
    await page.getByLabel('Ticket number').fill(String(TICKET));
    await page.getByLabel('Client').fill('Harbour Dental');
    await page.getByLabel('Device').fill('FRONTDESK-01');
    await page.getByLabel('Problem').fill('Reception printer shows offline, nothing prints');
    await page.getByText('Suggested from the problem').waitFor();
    const suggestion = page.getByRole('button', { name: /Use Printer offline/ });
    await suggestion.waitFor();
    await screenshot(page, 'session-start');
    await suggestion.click();
    await page.getByRole('button', { name: 'Start session' }).click();
    await page.waitForURL(/\/pilot\//);
    const sessionId = page.url().split('/pilot/')[1]!;

    const tree = await apiGet<TreeResponse>('tech@flowpilot.test', 'flowpilot-tech', async (get) => {
      const session = await get<{ tree_id: string; tree_version: number }>(`/sessions/${sessionId}`);
      return get<TreeResponse>(`/trees/${session.tree_id}?version=${session.tree_version}`);
    });
    const keys = pathToSolution(tree);
    expect(keys.length).toBeGreaterThan(1);

    const title = page.getByTestId('current-node-title');
    await title.waitFor();
    for (const [i, key] of keys.entries()) {
      const before = await title.innerText();
      await page.keyboard.press(String(key));
      await expect.poll(() => title.innerText(), { message: `answer ${key} on "${before}"` }).not.toBe(before);
      if (i === 0) {
        // A note, typed after N and saved with Ctrl+Enter, stays on the step.
        await page.keyboard.press('n');
        await page.keyboard.type('Spooler queue had 14 stuck jobs');
        await page.keyboard.press('Control+Enter');
        await page.getByText('Spooler queue had 14 stuck jobs').waitFor();
        await expect.poll(() => page.getByLabel('Note').inputValue()).toBe('');
        await page.keyboard.press('Escape');
        await expect.poll(() => page.evaluate(() => document.activeElement?.tagName)).not.toBe('TEXTAREA');
      }
      if (i === 1) await screenshot(page, 'session-runner');
    }
    await page.getByText('A solution').waitFor();
    await page.keyboard.press('c');
    const resolution = page.getByLabel('Resolution');
    await resolution.waitFor();
    await resolution.press('End');
    await page.keyboard.type(' — confirmed with a test page');
    await page.keyboard.press('Control+Enter');

    await page.getByRole('heading', { name: 'Documentation', exact: true }).waitFor();
    await page.getByText('Documentation added to the ticket').waitFor();
    expect(await page.getByText('Reception printer shows offline, nothing prints').first().isVisible()).toBe(true);
    await screenshot(page, 'session-documentation');

    await page.getByRole('button', { name: 'Export' }).click();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('menuitem', { name: 'PDF' }).click()]);
    expect(download.suggestedFilename()).toBe(`session-${TICKET}-Harbour-Dental.pdf`);
    const pdf = await readFile((await download.path())!);
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');

    const notes = fake.notes.get(TICKET) ?? [];
    expect(notes).toHaveLength(1);
    expect(notes[0]!.text).toContain('Harbour Dental');
    expect(notes[0]!.text).toContain('confirmed with a test page');
    expect(fake.requests.filter((r) => r.rejected)).toEqual([]);

    await page.getByRole('link', { name: '← Sessions' }).click();
    await page.getByRole('cell', { name: /Printer offline/ }).first().waitFor();
    await screenshot(page, 'sessions-list');
    await page.context().close();
  });
});
