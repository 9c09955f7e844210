import path from 'node:path';
import {
  PSA_SECRET_FIELDS,
  SECRET_MASK,
  type IntegrationsResponse,
  type PsaProvider,
  type PsaSettings,
  type TestIntegrationBody,
  type TestIntegrationResponse,
  type UpdateIntegrationsBody,
} from '@flowpilot/contracts';
import type { z } from 'zod';
import type { Db } from '../../db/client.ts';
import type { EscalationMessage } from '../../integrations/chat/escalation-message.ts';
import { buildSlackMessage, postSlack } from '../../integrations/chat/slack.ts';
import { buildTeamsMessage, postTeams } from '../../integrations/chat/teams.ts';
import { buildEscalationEmail, type Mailer } from '../../integrations/email/mailer.ts';
import { DeliveryError, WEBHOOK_TIMEOUT_MS } from '../../integrations/outbound.ts';
import { createPsaAdapter, isTicketNumber, type PsaAdapter } from '../../integrations/psa/index.ts';
import type { AuthUser } from '../../lib/auth-guard.ts';
import { forbidden, invalid } from '../../lib/errors.ts';
import type { SecretBox } from '../../lib/secret-box.ts';
import { addressProblem } from './integration-addresses.ts';
import * as repo from './integrations.repository.ts';

type UpdateParsed = z.output<typeof UpdateIntegrationsBody>;
type TestParsed = z.output<typeof TestIntegrationBody>;
type Secrets = Record<string, string>;
/** The chat webhook addresses, sealed together. */
interface ChatSecrets {
  slack?: string;
  teams?: string;
}
type Problem = { loc: (string | number)[]; msg: string; type: string };

/** Where a team's escalations go besides the bell: the chat webhooks set up and whether email is on. */
export interface Channels {
  slackUrl: string | null;
  teamsUrl: string | null;
  email: boolean;
}

const URL_FIELDS = ['site_url', 'zone_lookup_url', 'base_url', 'auth_url'] as const;
const LABELS: Record<PsaProvider, string> = { connectwise: 'ConnectWise', autotask: 'Autotask', halopsa: 'HaloPSA' };

/** Timeouts per outside call (integrations.md §0: PSA 30 s). */
export const PSA_TIMEOUT_MS = 30_000;

export type IntegrationsService = ReturnType<typeof createIntegrationsService>;

export function createIntegrationsService(deps: {
  db: Db;
  box: SecretBox;
  allowPrivateTargets: boolean;
  smtpConfigured: boolean;
  /** Sends the test email. */
  mailer: Mailer;
  /** Absolute address of the web app, for links in test messages. */
  publicUrl: string;
  psaTimeoutMs?: number;
  webhookTimeoutMs?: number;
}) {
  const { db, box } = deps;
  const requireAdmin = (actor: AuthUser) => {
    if (actor.role !== 'admin') throw forbidden('Only an admin can do this');
  };

  function openSecrets(row: repo.IntegrationsRow): Secrets {
    if (!row.psa_secrets) return {};
    try {
      return box.open<Secrets>(row.psa_secrets);
    } catch {
      // Sealed with another key (ENCRYPTION_KEY or JWT_SECRET changed): the secrets must be entered again.
      return {};
    }
  }

  function openChat(row: repo.IntegrationsRow | undefined): ChatSecrets {
    if (!row?.chat_secrets) return {};
    try {
      return box.open<ChatSecrets>(row.chat_secrets);
    } catch {
      return {};
    }
  }

  function masked(row: repo.IntegrationsRow | undefined): IntegrationsResponse {
    const chat = openChat(row);
    const base = {
      slack: chat.slack ? { webhook_url: SECRET_MASK } : null,
      teams: chat.teams ? { webhook_url: SECRET_MASK } : null,
      email: { enabled: row?.email_enabled ?? true, transport: deps.smtpConfigured ? ('smtp' as const) : ('outbox' as const) },
      updated_at: row ? row.updated_at.toISOString() : null,
    };
    if (!row?.psa_provider || !row.psa_settings) return { psa: null, ...base };
    const provider = row.psa_provider as PsaProvider;
    const secrets = openSecrets(row);
    const shown: Record<string, unknown> = { ...row.psa_settings, provider };
    for (const field of PSA_SECRET_FIELDS[provider]) if (secrets[field]) shown[field] = SECRET_MASK;
    return { psa: shown as PsaSettings, ...base };
  }

  /** The PSA settings with their secrets: a secret left out or sent as the mask is the stored one (same provider only); `loc` says where problems go. */
  function withSecrets(psa: PsaSettings, current: repo.IntegrationsRow | undefined, loc: (string | number)[], problems: Problem[]) {
    for (const field of URL_FIELDS) {
      const value = (psa as Record<string, unknown>)[field];
      if (typeof value !== 'string') continue;
      const msg = addressProblem(field, value, deps.allowPrivateTargets);
      if (msg) problems.push({ loc: [...loc, field], msg, type: 'value_error.url' });
    }
    const kept = current?.psa_provider === psa.provider && current ? openSecrets(current) : {};
    const secrets: Secrets = {};
    const settings: Record<string, unknown> = { ...psa };
    for (const field of PSA_SECRET_FIELDS[psa.provider]) {
      const given = (psa as Record<string, unknown>)[field];
      delete settings[field];
      const value = typeof given === 'string' && given !== SECRET_MASK ? given : kept[field];
      if (value) secrets[field] = value;
      else problems.push({ loc: [...loc, field], msg: 'Field required', type: 'missing' });
    }
    delete settings.provider;
    return { settings, secrets };
  }

  /** The PSA columns to store, or the problems with what was sent. */
  function psaColumns(psa: PsaSettings, current: repo.IntegrationsRow | undefined, problems: Problem[]) {
    const { settings, secrets } = withSecrets(psa, current, ['body', 'psa'], problems);
    return { psa_provider: psa.provider, psa_settings: settings, psa_secrets: box.seal(secrets) };
  }

  /**
   * A webhook address to keep (or try): the stored one when the mask comes
   * back, else the new one if its form is right. No name is looked up here:
   * each send checks the address in full.
   */
  function webhook(channel: 'slack' | 'teams', given: { webhook_url: string } | null | undefined, kept: ChatSecrets, loc: (string | number)[], problems: Problem[]) {
    if (given === undefined) return kept[channel];
    if (given === null) return undefined;
    if (given.webhook_url === SECRET_MASK) {
      if (!kept[channel]) problems.push({ loc, msg: 'Field required', type: 'missing' });
      return kept[channel];
    }
    const msg = addressProblem(channel, given.webhook_url, deps.allowPrivateTargets);
    if (msg) problems.push({ loc, msg, type: 'value_error.url' });
    return given.webhook_url;
  }

  /** The team's PSA settings with their secrets, or null when none is set up (or the secrets cannot be opened). */
  async function psaSettings(teamId: string, executor: Db = db): Promise<PsaSettings | null> {
    const row = await repo.find(executor, teamId);
    if (!row?.psa_provider || !row.psa_settings) return null;
    const provider = row.psa_provider as PsaProvider;
    const secrets = openSecrets(row);
    if (PSA_SECRET_FIELDS[provider].some((f) => !secrets[f])) return null;
    return { ...row.psa_settings, ...secrets, provider } as PsaSettings;
  }

  /** A sample escalation, so the test shows what a real one will look like. */
  const sample = (actor: AuthUser): EscalationMessage => ({
    kind: 'escalation',
    sessionId: '00000000-0000-0000-0000-000000000000',
    treeTitle: 'Test message',
    ticketId: null,
    clientName: 'FlowPilot test',
    device: null,
    problem: 'This is a test from the FlowPilot integrations page: no action is needed',
    reason: `Sent by ${actor.fullName} to check that escalations reach this channel.`,
    technicianName: actor.fullName,
    targetName: null,
    stoppedAt: null,
    stepsTried: 0,
    link: `${deps.publicUrl}/escalations`,
  });

  /** The chat webhook to try: the unsaved one given (checked like a save), else the stored one. */
  function chatTarget(channel: 'slack' | 'teams', given: { webhook_url: string } | undefined, kept: ChatSecrets): string | undefined {
    if (!given) return kept[channel];
    const problems: Problem[] = [];
    const target = webhook(channel, given, kept, ['body', 'settings', 'webhook_url'], problems);
    if (problems.length) throw invalid(problems);
    return target;
  }

  async function testChannel(actor: AuthUser, body: Exclude<TestParsed, { channel: 'psa' }>): Promise<TestIntegrationResponse> {
    const channels = await repo.find(db, actor.teamId);
    const chat = openChat(channels);
    const webhook = { timeoutMs: deps.webhookTimeoutMs ?? WEBHOOK_TIMEOUT_MS, allowPrivate: deps.allowPrivateTargets };
    try {
      if (body.channel === 'slack') {
        const target = chatTarget('slack', body.settings, chat);
        if (!target) return { ok: false, message: 'Slack is not set up for this team' };
        await postSlack(target, buildSlackMessage(sample(actor)), webhook);
        return { ok: true, message: 'Slack accepted the test message: look for it in the channel' };
      }
      if (body.channel === 'teams') {
        const target = chatTarget('teams', body.settings, chat);
        if (!target) return { ok: false, message: 'Microsoft Teams is not set up for this team' };
        await postTeams(target, buildTeamsMessage(sample(actor)), webhook);
        // A Workflows webhook answers 202 before the flow runs: a bad card fails later, in the flow's run history.
        return { ok: true, message: "Teams accepted the test message (202). If it does not appear in the channel, look at the workflow's run history" };
      }
      const enabled = body.settings?.enabled ?? channels?.email_enabled ?? true;
      if (!enabled) return { ok: false, message: 'Escalation emails are turned off for this team' };
      const sent = await deps.mailer.send(buildEscalationEmail(sample(actor), { name: actor.fullName, email: actor.email }));
      // The outbox file by its name only: the server's folders are not the admin's business.
      const where = sent.where.endsWith('.eml') ? `written to the outbox as ${path.basename(sent.where)}` : `sent through ${sent.where}`;
      return { ok: true, message: `A test email to ${actor.email} was ${where}` };
    } catch (err) {
      if (err instanceof DeliveryError) return { ok: false, message: err.message };
      throw err;
    }
  }

  /** The PSA settings to try: the unsaved ones given (checked like a save, stored secrets filled in), else the saved ones. */
  async function psaTarget(teamId: string, given: PsaSettings | undefined): Promise<PsaSettings | TestIntegrationResponse> {
    if (given) {
      const problems: Problem[] = [];
      const { settings, secrets } = withSecrets(given, await repo.find(db, teamId), ['body', 'settings'], problems);
      if (problems.length) throw invalid(problems);
      return { ...settings, ...secrets, provider: given.provider } as PsaSettings;
    }
    const settings = await psaSettings(teamId);
    if (settings) return settings;
    const row = await repo.find(db, teamId);
    return { ok: false, message: row?.psa_provider ? 'The PSA secrets cannot be read (the server key changed): enter them again' : 'No PSA is set up for this team' };
  }

  return {
    async get(actor: AuthUser): Promise<IntegrationsResponse> {
      requireAdmin(actor);
      return masked(await repo.find(db, actor.teamId));
    },

    /**
     * Saves the settings given (others stay): addresses checked in form
     * (vendor format, https, no literal private address; names are not
     * looked up until a send), secrets sealed, a masked or missing secret
     * keeps the stored one.
     */
    async update(actor: AuthUser, body: UpdateParsed): Promise<IntegrationsResponse> {
      requireAdmin(actor);
      const current = await repo.find(db, actor.teamId);
      const problems: Problem[] = [];
      const changes: Partial<repo.NewIntegrationsRow> = {};
      if (body.psa === null) Object.assign(changes, { psa_provider: null, psa_settings: null, psa_secrets: null });
      else if (body.psa) Object.assign(changes, psaColumns(body.psa, current, problems));
      if (body.slack !== undefined || body.teams !== undefined) {
        const kept = openChat(current);
        const chat: ChatSecrets = {};
        const slack = webhook('slack', body.slack, kept, ['body', 'slack', 'webhook_url'], problems);
        const teams = webhook('teams', body.teams, kept, ['body', 'teams', 'webhook_url'], problems);
        if (slack) chat.slack = slack;
        if (teams) chat.teams = teams;
        changes.chat_secrets = chat.slack || chat.teams ? box.seal(chat) : null;
      }
      if (body.email) changes.email_enabled = body.email.enabled;
      if (problems.length) throw invalid(problems);
      if (Object.keys(changes).length === 0) return masked(current);
      return masked(await repo.upsert(db, { team_id: actor.teamId, ...changes, updated_by_id: actor.id, updated_at: new Date() }));
    },

    /**
     * Tries an integration and says, in words, what works or what is wrong:
     * with the unsaved `settings` given (nothing is stored; a masked secret
     * is the stored one), else with the saved ones.
     */
    async test(actor: AuthUser, body: TestParsed): Promise<TestIntegrationResponse> {
      requireAdmin(actor);
      if (body.channel !== 'psa') return testChannel(actor, body);
      const settings = await psaTarget(actor.teamId, body.settings);
      if ('ok' in settings) return settings;
      const ticketId = body.ticket_id;
      if (ticketId !== undefined && !isTicketNumber(ticketId)) return { ok: false, message: `"${ticketId}" is not a ticket number` };
      try {
        return { ok: true, message: await this.adapterFor(settings).test(ticketId === undefined ? undefined : Number(ticketId)) };
      } catch (err) {
        if (err instanceof DeliveryError) return { ok: false, message: err.message };
        throw err;
      }
    },

    psaSettings,

    /** The team's chat webhooks (opened) and whether escalation emails are on. */
    async channels(teamId: string, executor: Db = db): Promise<Channels> {
      const row = await repo.find(executor, teamId);
      const chat = openChat(row);
      return { slackUrl: chat.slack ?? null, teamsUrl: chat.teams ?? null, email: row?.email_enabled ?? true };
    },

    adapterFor(settings: PsaSettings): PsaAdapter {
      return createPsaAdapter(settings, { allowPrivate: deps.allowPrivateTargets, timeoutMs: deps.psaTimeoutMs ?? PSA_TIMEOUT_MS });
    },

    label: (provider: PsaProvider) => LABELS[provider],
  };
}
