import {
  PSA_SECRET_FIELDS,
  SECRET_MASK,
  type IntegrationsResponse,
  type PsaProvider,
  type PsaSettings,
  type TestIntegrationResponse,
  type UpdateIntegrationsBody,
} from '@flowpilot/contracts';
import type { z } from 'zod';
import type { Db } from '../../db/client.ts';
import { DeliveryError } from '../../integrations/outbound.ts';
import { createPsaAdapter, isTicketNumber, type PsaAdapter } from '../../integrations/psa/index.ts';
import type { AuthUser } from '../../lib/auth-guard.ts';
import { forbidden, invalid } from '../../lib/errors.ts';
import { assertAllowedTarget, TargetRefused } from '../../lib/network-guard.ts';
import type { SecretBox } from '../../lib/secret-box.ts';
import * as repo from './integrations.repository.ts';

type UpdateParsed = z.output<typeof UpdateIntegrationsBody>;
type Secrets = Record<string, string>;

const URL_FIELDS = ['site_url', 'zone_lookup_url', 'base_url', 'auth_url'] as const;
const LABELS: Record<PsaProvider, string> = { connectwise: 'ConnectWise', autotask: 'Autotask', halopsa: 'HaloPSA' };

/** Timeouts per outside call (integrations.md §0: PSA 30 s). */
export const PSA_TIMEOUT_MS = 30_000;

export type IntegrationsService = ReturnType<typeof createIntegrationsService>;

export function createIntegrationsService(deps: { db: Db; box: SecretBox; allowPrivateTargets: boolean; psaTimeoutMs?: number }) {
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

  function masked(row: repo.IntegrationsRow | undefined): IntegrationsResponse {
    if (!row?.psa_provider || !row.psa_settings) return { psa: null, updated_at: row ? row.updated_at.toISOString() : null };
    const provider = row.psa_provider as PsaProvider;
    const secrets = openSecrets(row);
    const shown: Record<string, unknown> = { ...row.psa_settings, provider };
    for (const field of PSA_SECRET_FIELDS[provider]) if (secrets[field]) shown[field] = SECRET_MASK;
    return { psa: shown as PsaSettings, updated_at: row.updated_at.toISOString() };
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

  return {
    async get(actor: AuthUser): Promise<IntegrationsResponse> {
      requireAdmin(actor);
      return masked(await repo.find(db, actor.teamId));
    },

    /** Saves the settings: addresses are checked against SSRF, secrets sealed, a masked or missing secret keeps the stored one. */
    async update(actor: AuthUser, body: UpdateParsed): Promise<IntegrationsResponse> {
      requireAdmin(actor);
      const current = await repo.find(db, actor.teamId);
      if (body.psa === undefined) return masked(current);
      if (body.psa === null) {
        return masked(await repo.upsert(db, { team_id: actor.teamId, psa_provider: null, psa_settings: null, psa_secrets: null, updated_by_id: actor.id, updated_at: new Date() }));
      }
      const psa = body.psa;
      const problems: { loc: (string | number)[]; msg: string; type: string }[] = [];
      for (const field of URL_FIELDS) {
        const value = (psa as Record<string, unknown>)[field];
        if (typeof value !== 'string') continue;
        try {
          await assertAllowedTarget(value, deps.allowPrivateTargets);
        } catch (err) {
          if (!(err instanceof TargetRefused)) throw err;
          problems.push({ loc: ['body', 'psa', field], msg: `This address ${err.message}`, type: 'value_error.url_refused' });
        }
      }
      const kept = current?.psa_provider === psa.provider && current ? openSecrets(current) : {};
      const secrets: Secrets = {};
      const settings: Record<string, unknown> = { ...psa };
      for (const field of PSA_SECRET_FIELDS[psa.provider]) {
        const given = (psa as Record<string, unknown>)[field];
        delete settings[field];
        const value = typeof given === 'string' && given !== SECRET_MASK ? given : kept[field];
        if (value) secrets[field] = value;
        else problems.push({ loc: ['body', 'psa', field], msg: 'Field required', type: 'missing' });
      }
      if (problems.length) throw invalid(problems);
      delete settings.provider;
      return masked(
        await repo.upsert(db, {
          team_id: actor.teamId,
          psa_provider: psa.provider,
          psa_settings: settings,
          psa_secrets: box.seal(secrets),
          updated_by_id: actor.id,
          updated_at: new Date(),
        }),
      );
    },

    /** Tries the saved settings and says, in words, what works or what is wrong. */
    async test(actor: AuthUser, channel: 'psa' | 'slack' | 'teams' | 'email', ticketId?: string): Promise<TestIntegrationResponse> {
      requireAdmin(actor);
      if (channel !== 'psa') return { ok: false, message: `${channel === 'email' ? 'Email' : channel === 'slack' ? 'Slack' : 'Microsoft Teams'} is not set up for this team` };
      const settings = await psaSettings(actor.teamId);
      if (!settings) {
        const row = await repo.find(db, actor.teamId);
        return { ok: false, message: row?.psa_provider ? 'The PSA secrets cannot be read (the server key changed): enter them again' : 'No PSA is set up for this team' };
      }
      if (ticketId !== undefined && !isTicketNumber(ticketId)) return { ok: false, message: `"${ticketId}" is not a ticket number` };
      try {
        return { ok: true, message: await this.adapterFor(settings).test(ticketId === undefined ? undefined : Number(ticketId)) };
      } catch (err) {
        if (err instanceof DeliveryError) return { ok: false, message: err.message };
        throw err;
      }
    },

    psaSettings,

    adapterFor(settings: PsaSettings): PsaAdapter {
      return createPsaAdapter(settings, { allowPrivate: deps.allowPrivateTargets, timeoutMs: deps.psaTimeoutMs ?? PSA_TIMEOUT_MS });
    },

    label: (provider: PsaProvider) => LABELS[provider],
  };
}
