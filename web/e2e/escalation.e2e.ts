import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startSlackFake, type SlackFake } from '../../server/test/fakes/slack.ts';
import { startTeamsFake, type TeamsFake } from '../../server/test/fakes/teams.ts';
import { apiAs as signedIn, deskOf as desk, launchBrowser, screenshot, signIn, startServer, type RunningServer } from './support.ts';

let server: RunningServer;
let browser: Browser;
let slack: SlackFake;
let teams: TeamsFake;

beforeAll(async () => {
  [slack, teams] = await Promise.all([startSlackFake(), startTeamsFake()]);
  // The fake Slack and Teams listen on loopback, which FlowPilot refuses unless told otherwise.
  server = await startServer({ ALLOW_PRIVATE_NETWORK_TARGETS: 'true' });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await slack?.close();
  await teams?.close();
});

const deskOf = (email: string, password: string) => desk(browser, server.url, email, password);
const apiAs = (email: string, password: string) => signedIn(server.url, email, password);

/**
 * A TCP relay in front of the server: `cut()` drops every open connection and
 * refuses new ones until `restore()`, as a network outage would.
 */
async function startRelay(port: string): Promise<{ url: string; cut(): void; restore(): void; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let down = false;
  const relay = createServer((client) => {
    if (down) return client.destroy();
    const upstream = connect(Number(port), '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(relay.address() as AddressInfo).port}`,
    cut() {
      down = true;
      for (const s of sockets) s.destroy();
    },
    restore() {
      down = false;
    },
    close: () => new Promise<void>((resolve) => relay.close(() => resolve())),
  };
}

/** A technician starts a session on a published tree and escalates it to the team queue, through the API. */
async function escalateThroughApi(client: string): Promise<string> {
  const call = await apiAs('tech@flowpilot.test', 'flowpilot-tech');
  const trees = await call<{ items: { id: string }[] }>('GET', '/trees?status=published&limit=1');
  const session = await call<{ id: string }>('POST', '/sessions', { tree_id: trees.items[0]!.id, client_name: client, problem_summary: 'Outlook keeps asking for the password' });
  await call('POST', `/sessions/${session.id}/escalate`, { reason: 'MFA prompt loops; out of ideas' });
  return session.id;
}

const bell = (page: Page, unread: number) => page.getByRole('button', { name: unread ? `Notifications (${unread} unread)` : 'Notifications', exact: true });

describe('escalation and pickup, live, in two browsers', () => {
  it('an admin connects Slack and Teams, keeps email on, tunes the escalation chain, and each test says it works', async () => {
    const admin = await deskOf('admin@flowpilot.test', 'flowpilot-admin');
    await admin.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name: 'Integrations' }).click();
    await admin.getByRole('heading', { name: 'Integrations' }).waitFor();

    for (const [name, label, url] of [
      ['Slack', 'Slack webhook URL', slack.webhookUrl],
      ['Microsoft Teams', 'Teams workflow URL', teams.webhookUrl],
    ] as const) {
      const card = admin.getByRole('region', { name });
      await card.getByLabel(label).fill(url);
      await card.getByRole('button', { name: 'Save webhook' }).click();
      await card.getByText('On', { exact: true }).waitFor();
      // The address is a credential: never shown again.
      expect(await card.getByLabel(label).inputValue()).toBe('');
      await card.getByRole('button', { name: 'Send test' }).click();
      await card.getByText('It works').waitFor();
    }
    expect(slack.accepted).toHaveLength(1);
    expect(teams.accepted).toHaveLength(1);
    expect(await admin.content()).not.toContain(slack.webhookUrl);

    const email = admin.getByRole('region', { name: 'Email' });
    await email.getByText('Outbox folder', { exact: true }).waitFor();
    expect(await email.getByRole('switch', { name: 'Email escalations to the engineers concerned' }).isChecked()).toBe(true);
    await email.getByRole('button', { name: 'Send test' }).click();
    await email.getByText('It works').waitFor();

    const chain = admin.getByRole('region', { name: 'Escalation chain' });
    const firstStep = chain.getByRole('textbox', { name: 'Step 1: minutes after the escalation' });
    await firstStep.waitFor();
    expect(await firstStep.inputValue()).toBe('5');
    await firstStep.fill('3');
    await chain.getByRole('button', { name: 'Save chain' }).click();
    await admin.getByText('Escalation chain saved').waitFor();
    await screenshot(admin, 'integrations-escalation-channels');
    await admin.reload();
    await expect.poll(() => chain.getByRole('textbox', { name: 'Step 1: minutes after the escalation' }).inputValue()).toBe('3');

    // Everyone decides for themselves whether escalations also come by email.
    await admin.getByRole('button', { name: 'Account menu' }).click();
    await admin.getByRole('menuitem', { name: 'Notification settings' }).click();
    const settings = admin.getByRole('dialog', { name: 'Notification settings' });
    const emails = settings.getByRole('switch', { name: 'Email me about escalations' });
    await emails.waitFor();
    expect(await emails.isChecked()).toBe(true);
    await emails.click();
    await admin.getByText('Escalation emails are off').waitFor();
    expect(await emails.isChecked()).toBe(false);
    await emails.click();
    await admin.getByText('Escalation emails are on').waitFor();
    await admin.context().close();
  });

  it('a technician escalates; the engineer’s bell and queue update without a reload; the engineer picks it up from the bell; the technician sees who took it', async () => {
    const engineer = await deskOf('engineer@flowpilot.test', 'flowpilot-engineer');
    const admin = await deskOf('admin@flowpilot.test', 'flowpilot-admin');
    const tech = await deskOf('tech@flowpilot.test', 'flowpilot-tech');
    await bell(engineer, 0).waitFor();

    // The technician starts a session from the ticket and answers the first question.
    await tech.goto(`${server.url}/sessions/new`);
    await tech.getByRole('heading', { name: 'Start a session' }).waitFor();
    await tech.getByLabel('Ticket number').fill('77120');
    await tech.getByLabel('Client').fill('Northwind Legal');
    await tech.getByLabel('Device').fill('NW-RECEPTION-PC');
    await tech.getByLabel('Problem').fill('Reception printer shows offline, nothing prints since this morning');
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

    // E opens the escalate modal; the reason is required, the engineer optional.
    await tech.keyboard.press('e');
    const modal = tech.getByRole('dialog', { name: 'Hand this session on' });
    await modal.waitFor();
    const submit = modal.getByRole('button', { name: 'Escalate session' });
    expect(await submit.isDisabled()).toBe(true);
    await modal.getByLabel('Reason').fill('Spooler restarted twice and the driver reinstalled; still offline. Suspect the print server, which I cannot reach.');
    await modal.getByRole('combobox', { name: 'Engineer' }).click();
    // Engineers and admins only, never yourself.
    const options = tech.getByRole('option');
    await options.first().waitFor();
    const names = await options.allInnerTexts();
    expect(names.some((n) => n.includes('Sam Rivera'))).toBe(true);
    expect(names.some((n) => n.includes('Morgan Price'))).toBe(true);
    expect(names.some((n) => n.includes('Jamie Chen'))).toBe(false);
    await tech.getByRole('option', { name: /Sam Rivera/ }).click();
    await screenshot(tech, 'escalate-modal', { viewport: true });
    await submit.click();

    await tech.getByRole('heading', { name: 'Escalated — waiting for pickup' }).waitFor();
    await tech.getByText('Sent to Sam Rivera.', { exact: false }).waitFor();
    await screenshot(tech, 'escalation-waiting');

    // The engineer's bell rises without a reload.
    await bell(engineer, 1).waitFor();
    await bell(engineer, 1).click();
    const list = engineer.getByRole('list', { name: 'Notifications' });
    await list.getByRole('button', { name: /Unread: Escalation/ }).waitFor();
    await screenshot(engineer, 'bell', { viewport: true });
    await engineer.keyboard.press('Escape');

    // The queue shows it live, with the sidebar count; "Sent to me" keeps it.
    const nav = engineer.getByRole('navigation', { name: 'Main navigation' });
    await nav.getByRole('link', { name: /Escalation queue.*1 waiting/ }).click();
    await engineer.getByRole('heading', { name: 'Escalation queue' }).waitFor();
    const row = engineer.getByRole('row', { name: /Northwind Legal/ });
    await row.waitFor();
    expect(await row.innerText()).toContain('77120');
    expect(await row.innerText()).toContain('Jamie Chen');
    expect(await row.innerText()).toMatch(/Sam Rivera/i);
    expect(await row.innerText()).toContain('Suspect the print server');
    await engineer.getByText('Sent to me').click();
    await engineer.getByRole('row', { name: /Northwind Legal/ }).waitFor();
    // The waiting time ticks, and stays sane while the filtered list loads.
    const waited = engineer.getByRole('row', { name: /Northwind Legal/ }).getByRole('cell').first();
    const before = await waited.innerText();
    expect(before).toMatch(/^\d+m \d{2}s$/);
    await expect.poll(() => waited.innerText(), { timeout: 5_000 }).not.toBe(before);
    await screenshot(engineer, 'escalation-queue');

    // The admin opens the pickup screen too: two seniors, one pickup.
    await admin.goto(`${server.url}/pilot/${sessionId}?pickup=true`);
    await admin.getByRole('button', { name: 'Pick up' }).waitFor();

    // The engineer follows the bell to the pickup screen: the package first, then the history, then "Pick up".
    await bell(engineer, 1).click();
    await engineer.getByRole('list', { name: 'Notifications' }).getByRole('button', { name: /Escalation/ }).click();
    await engineer.waitForURL(`**/pilot/${sessionId}?pickup=true`);
    await engineer.getByText('Escalation package').first().waitFor();
    await engineer.getByRole('heading', { name: /Jamie Chen escalated/ }).waitFor();
    await engineer.getByRole('heading', { name: 'Where it stopped' }).waitFor();
    await engineer.getByRole('table', { name: 'Steps tried' }).waitFor();
    await engineer.getByRole('heading', { name: 'Full step history' }).waitFor();
    expect(await engineer.getByText('Template', { exact: true }).isVisible()).toBe(true);
    // Following the bell marked it read.
    await bell(engineer, 0).waitFor();
    await screenshot(engineer, 'pickup-screen', { viewport: true });

    await engineer.getByRole('button', { name: 'Pick up' }).click();
    await engineer.waitForURL(`**/pilot/${sessionId}`);
    await engineer.getByRole('status', { name: 'You picked this session up' }).waitFor();
    await engineer.getByTestId('current-node-title').waitFor();
    expect(await engineer.getByRole('button', { name: 'Complete' }).isEnabled()).toBe(true);
    await screenshot(engineer, 'pickup-continue', { viewport: true });

    // Without a reload: the technician learns who took it, the admin that it is gone, the queue is empty.
    await tech.getByRole('status', { name: 'Picked up by Sam Rivera' }).waitFor();
    await screenshot(tech, 'escalation-picked-up', { viewport: true });
    await admin.getByRole('status', { name: 'Already picked up by Sam Rivera' }).waitFor();
    await screenshot(admin, 'escalation-already-picked-up', { viewport: true });
    // The technician's bell rang too; its toast opens the session and marks the notification read.
    await bell(tech, 1).waitFor();
    const toast = tech.getByRole('alert').filter({ hasText: 'Sam Rivera picked up your escalation' });
    await toast.getByRole('button', { name: 'Open' }).click();
    await bell(tech, 0).waitFor();
    await nav.getByRole('link', { name: 'Escalation queue' }).click();
    await engineer.getByText('Nothing waiting').waitFor();

    // The escalation also went to the team's Slack channel, with the link to the pickup screen.
    await expect.poll(() => slack.accepted.length, { timeout: 15_000 }).toBe(2);
    expect(JSON.stringify(slack.accepted[1]!.body)).toContain(`/pilot/${sessionId}?pickup=true`);

    for (const page of [engineer, admin, tech]) await page.context().close();
  });

  it('a dropped connection resumes from the last event: what happened meanwhile still reaches the bell and the queue', async () => {
    // The engineer's browser reaches FlowPilot through a relay the test can cut, like a flaky Wi-Fi.
    const relay = await startRelay(new URL(server.url).port);
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const engineer = await context.newPage();
    const streams: URL[] = [];
    engineer.on('request', (r) => {
      const url = new URL(r.url());
      if (url.pathname === '/api/v1/events') streams.push(url);
    });
    await signIn(engineer, relay.url, 'engineer@flowpilot.test', 'flowpilot-engineer');
    await engineer.getByRole('heading', { name: /Welcome back/ }).waitFor();
    await engineer.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name: 'Escalation queue' }).click();
    await engineer.getByRole('heading', { name: 'Escalation queue' }).waitFor();
    const label = (await engineer.getByRole('button', { name: /^Notifications/ }).getAttribute('aria-label')) ?? '';
    const unreadBefore = Number(/\((\d+) unread\)/.exec(label)?.[1] ?? 0);

    // One event while connected, so the stream has an id to resume from.
    await escalateThroughApi('Contoso Dental');
    await bell(engineer, unreadBefore + 1).waitFor();
    await engineer.getByRole('row', { name: /Contoso Dental/ }).waitFor();

    // The connection drops and stays down; meanwhile another escalation comes in.
    relay.cut();
    await engineer.getByRole('button', { name: /^Notifications/ }).click();
    await engineer.getByText('· reconnecting…').waitFor();
    await engineer.keyboard.press('Escape');
    await escalateThroughApi('Fabrikam Freight');
    await engineer.waitForTimeout(1000);
    expect(await engineer.getByRole('row', { name: /Fabrikam Freight/ }).count()).toBe(0);

    // Back: a new ticket, resumed after the last id seen; nothing missed, no reload.
    relay.restore();
    await bell(engineer, unreadBefore + 2).waitFor({ timeout: 40_000 });
    await engineer.getByRole('row', { name: /Fabrikam Freight/ }).waitFor();
    const resumed = streams.filter((u) => u.searchParams.has('last_event_id'));
    expect(resumed.length).toBeGreaterThan(0);
    // Every connection used a ticket of its own: a spent one cannot reconnect.
    expect(new Set(streams.map((u) => u.searchParams.get('ticket'))).size).toBe(streams.length);
    await context.close();
    await relay.close();
  });

  it('a technician hands a session over to a colleague at the end of a shift', async () => {
    const tech = await deskOf('tech@flowpilot.test', 'flowpilot-tech');
    const call = await apiAs('tech@flowpilot.test', 'flowpilot-tech');
    const trees = await call<{ items: { id: string }[] }>('GET', '/trees?status=published&limit=1');
    const session = await call<{ id: string }>('POST', '/sessions', { tree_id: trees.items[0]!.id, client_name: 'Litware Labs' });
    await tech.goto(`${server.url}/pilot/${session.id}`);
    await tech.getByTestId('current-node-title').waitFor();

    await tech.getByRole('button', { name: 'Escalate' }).click();
    const modal = tech.getByRole('dialog', { name: 'Hand this session on' });
    await modal.getByText('Hand over to a colleague').click();
    await modal.getByLabel('Reason').fill('End of my shift: waiting on the customer to reboot.');
    expect(await modal.getByRole('button', { name: 'Hand over session' }).isDisabled()).toBe(true);
    await modal.getByRole('combobox', { name: 'Colleague' }).click();
    await tech.getByRole('option', { name: /Sam Rivera/ }).click();
    await modal.getByRole('button', { name: 'Hand over session' }).click();

    await tech.getByRole('alert', { name: 'Handed over to Sam Rivera' }).waitFor();
    // Not escalated: the session stays active, with Sam as its assignee, and Sam's bell says so.
    await tech.getByText('Active', { exact: true }).waitFor();
    const sam = await apiAs('engineer@flowpilot.test', 'flowpilot-engineer');
    const bellItems = await sam<{ items: { type: string; link: string }[] }>('GET', '/notifications');
    expect(bellItems.items[0]).toMatchObject({ type: 'transfer', link: `/pilot/${session.id}` });
    await tech.context().close();
  });
});
