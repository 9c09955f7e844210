import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callService, DeliveryError } from '../integrations/outbound.ts';
import { fetch as undiciFetch } from 'undici';
import { assertAllowedTarget, checkTargetForm, publicOnlyAgent, publicOnlyLookup, TargetRefused } from './network-guard.ts';

const lookupOf = (host: string, all: boolean) =>
  new Promise<{ err: NodeJS.ErrnoException | null; address: unknown }>((resolve) => {
    publicOnlyLookup(host, { all }, (err: NodeJS.ErrnoException | null, address: unknown) => resolve({ err, address }));
  });

describe('the SSRF guard', () => {
  let server: Server;
  let port: number;
  let hits = 0;
  beforeAll(async () => {
    server = createServer((_req, res) => {
      hits++;
      res.end('{}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('refuses loopback, private and link-local targets before any request, unless private targets are allowed', async () => {
    for (const url of ['https://127.0.0.1/x', 'https://10.0.0.5/x', 'https://169.254.169.254/latest', 'https://[::1]/x', 'https://localhost/x', 'http://93.184.215.14/x']) {
      await expect(assertAllowedTarget(url, false), url).rejects.toBeInstanceOf(TargetRefused);
    }
    await expect(assertAllowedTarget('http://127.0.0.1/x', true)).resolves.toBeInstanceOf(URL);
  });

  it('checks the form of an address for saving without looking its name up: only a literal address or localhost is judged', async () => {
    expect(checkTargetForm('https://helpdesk.flowpilot.invalid/api', false).hostname).toBe('helpdesk.flowpilot.invalid');
    await expect(assertAllowedTarget('https://helpdesk.flowpilot.invalid/api', false)).rejects.toThrow('names a host that does not resolve (helpdesk.flowpilot.invalid)');
    for (const url of ['https://127.0.0.1/x', 'https://[fd00::1]/x', 'https://169.254.169.254/latest', 'https://printers.localhost/x', 'http://93.184.215.14/x', 'https://user:pw@example.com/', 'not a url']) {
      expect(() => checkTargetForm(url, false), url).toThrow(TargetRefused);
    }
    expect(checkTargetForm('http://127.0.0.1:8080/x', true).port).toBe('8080');
  });

  it('checks the addresses again as the connection is made (a name cannot switch to a private address after the check)', async () => {
    const single = await lookupOf('localhost', false);
    expect(single.err).toBeInstanceOf(TargetRefused);
    expect(String(single.err?.message)).toMatch(/loopback/);
    const all = await lookupOf('localhost', true);
    expect(all.err).toBeInstanceOf(TargetRefused);
    // Connections through the agent service calls use resolve names with that lookup: a private address is never reached.
    hits = 0;
    const refused = await undiciFetch(`http://localhost:${port}/`, { dispatcher: publicOnlyAgent }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(Error);
    expect(String((refused as { cause?: unknown }).cause)).toMatch(/loopback/);
    expect(hits).toBe(0);
    // And a service call refuses such an address in words, without calling it.
    const named = await callService(`https://localhost:${port}/`, { method: 'GET' }, { service: 'Test', timeoutMs: 2000, allowPrivate: false }).catch((e: unknown) => e);
    expect(named).toBeInstanceOf(DeliveryError);
    expect(hits).toBe(0);
    // Allowed private targets are called as usual.
    const ok = await callService(`http://127.0.0.1:${port}/`, { method: 'GET' }, { service: 'Test', timeoutMs: 2000, allowPrivate: true });
    expect(ok.status).toBe(200);
    expect(hits).toBe(1);
  });
});
