import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Locator, Page } from 'playwright-core';
import { startSlackFake, type SlackFake } from '../../server/test/fakes/slack.ts';
import { launchBrowser, screenshot, signIn, startServer, type RunningServer } from './support.ts';

let server: RunningServer;
let browser: Browser;
let slack: SlackFake;

beforeAll(async () => {
  slack = await startSlackFake();
  // The fake Slack listens on loopback, which FlowPilot refuses unless told otherwise.
  server = await startServer({ ALLOW_PRIVATE_NETWORK_TARGETS: 'true' });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await slack?.close();
});

async function integrationsPage(width: number): Promise<Page> {
  const context = await browser.newContext({ viewport: { width, height: 900 }, colorScheme: 'light' });
  const page = await context.newPage();
  await signIn(page, server.url, 'admin@flowpilot.test', 'flowpilot-admin');
  await page.getByRole('heading', { name: /Welcome back/ }).waitFor();
  await page.goto(`${server.url}/admin/integrations`);
  await page.getByRole('heading', { name: 'Integrations' }).waitFor();
  return page;
}

/** The message shown under an input, found the way a screen reader finds it: through the input's aria-describedby. */
async function errorUnder(input: Locator): Promise<string> {
  const page = input.page();
  const errorId = async () => ((await input.getAttribute('aria-describedby')) ?? '').split(/\s+/).find((id) => id.endsWith('-error'));
  await expect.poll(async () => {
    const id = await errorId();
    return id ? page.locator(`[id="${id}"]`).count() : 0;
  }).toBe(1);
  return page.locator(`[id="${(await errorId())!}"]`).innerText();
}

/** Whether an input shows no message under it. */
async function noErrorUnder(input: Locator): Promise<boolean> {
  return !((await input.getAttribute('aria-describedby')) ?? '').split(/\s+/).some((id) => id.endsWith('-error'));
}

describe('integrations: messages on the field, addresses normalised, a test before the first save', () => {
  it('an admin pastes a wrong Slack address and reads why under the field, then tries the right one (trailing slash and all) before saving, and saves it', async () => {
    const page = await integrationsPage(1440);
    const card = page.getByRole('region', { name: 'Slack' });
    const address = card.getByLabel('Slack webhook URL');
    await card.getByText('Off', { exact: true }).waitFor();

    // A Workflow Builder trigger is not an incoming webhook: the test (not saved yet) says so under the field.
    await address.fill('https://hooks.slack.com/triggers/T0/123/abc');
    await card.getByRole('button', { name: 'Send test' }).click();
    expect(await errorUnder(address)).toBe('Slack webhook address must look like https://hooks.slack.com/services/T…/B…/… (Slack app → Incoming Webhooks → copy the whole URL)');
    // Saving an address of another service says what a Slack one starts with.
    await address.fill('https://example.com/hooks/abc');
    await card.getByRole('button', { name: 'Save webhook' }).click();
    expect(await errorUnder(address)).toBe('Slack webhook address must start with https://hooks.slack.com/services/');
    await card.getByText('Off', { exact: true }).waitFor();
    await screenshot(page, 'integrations-slack-wrong-address');

    // Pasted with spaces and a trailing slash: taken without them (the fake knows only the exact address).
    await address.fill(`  ${slack.webhookUrl}/ `);
    await address.blur();
    await expect.poll(() => address.inputValue()).toBe(slack.webhookUrl);
    expect(await noErrorUnder(address)).toBe(true);
    await card.getByRole('button', { name: 'Send test' }).click();
    await card.getByText('It works').waitFor();
    await card.getByText('Slack accepted the test message: look for it in the channel').waitFor();
    expect(slack.accepted).toHaveLength(1);
    expect(JSON.stringify(slack.accepted[0]!.body)).toContain('Morgan Price');
    // Tried, not saved.
    await card.getByText('Off', { exact: true }).waitFor();
    await screenshot(page, 'integrations-slack-tested-before-save');

    await card.getByRole('button', { name: 'Save webhook' }).click();
    await card.getByText('On', { exact: true }).waitFor();
    expect(await address.inputValue()).toBe('');
    expect(await page.content()).not.toContain(slack.webhookUrl);
    await card.getByRole('button', { name: 'Send test' }).click();
    await card.getByText('It works').waitFor();
    expect(slack.accepted).toHaveLength(2);
    await page.context().close();
  });

  it('the PSA form puts each problem under its field and shows the address as stored (trailing slash and pasted /api gone)', async () => {
    const page = await integrationsPage(1440);
    const psa = page.getByRole('region', { name: 'PSA' });
    await psa.getByLabel('Provider').click();
    await page.getByRole('option', { name: 'ConnectWise Manage' }).click();
    const site = psa.getByLabel('Site address');
    await site.fill('https://na.myconnectwise.net');
    await psa.getByRole('button', { name: 'Save', exact: true }).click();
    expect(await errorUnder(site)).toBe('ConnectWise cloud sites are reached through their api- host, e.g. https://api-na.myconnectwise.net');
    expect(await errorUnder(psa.getByLabel('Company id'))).toBe('Field required');
    expect(await errorUnder(psa.getByLabel('Private key'))).toBe('Field required');
    await screenshot(page, 'integrations-psa-field-errors');

    await psa.getByLabel('Provider').click();
    await page.getByRole('option', { name: 'HaloPSA' }).click();
    const halo = psa.getByLabel('Halo address');
    // The resource server address as Halo shows it, with a slash: saved as the Halo address (no name is looked up on save).
    await halo.fill('HTTPS://acme.halopsa.example/api/');
    await psa.getByLabel('Client id').fill('flowpilot');
    await psa.getByLabel('Client secret').fill('  halo-secret  ');
    await psa.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText('PSA settings saved').waitFor();
    await expect.poll(() => halo.inputValue()).toBe('https://acme.halopsa.example');
    await page.context().close();
  });

  it('on a phone the cards stack and each message still sits under its field', async () => {
    const page = await integrationsPage(390);
    const card = page.getByRole('region', { name: 'Microsoft Teams' });
    const address = card.getByLabel('Teams workflow URL');
    await address.fill('https://acme.webhook.office.com/webhookb2/abc/IncomingWebhook/def/ghi');
    await card.getByRole('button', { name: 'Send test' }).click();
    expect(await errorUnder(address)).toMatch(/^Office 365 connector webhooks are retired/);
    // Nothing wider than the screen.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await card.scrollIntoViewIfNeeded();
    await screenshot(page, 'integrations-phone-field-error');
    await page.context().close();
  });
});
