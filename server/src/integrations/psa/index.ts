import type { PsaSettings } from '@flowpilot/contracts';
import { autotaskAdapter } from './autotask.ts';
import { connectWiseAdapter } from './connectwise.ts';
import { haloAdapter } from './halopsa.ts';
import type { AdapterContext, PsaAdapter } from './psa-adapter.ts';

export type { PsaAdapter, PsaNote } from './psa-adapter.ts';

/** A PSA ticket number: digits that fit a safe integer (a longer one would name another ticket once converted). */
export const isTicketNumber = (value: string) => /^\d{1,15}$/.test(value) && Number.isSafeInteger(Number(value));

/** The adapter for a team's PSA settings (secrets filled in). */
export function createPsaAdapter(settings: PsaSettings, ctx: AdapterContext): PsaAdapter {
  switch (settings.provider) {
    case 'connectwise':
      return connectWiseAdapter({ ...settings, private_key: settings.private_key ?? '' }, ctx);
    case 'autotask':
      return autotaskAdapter({ ...settings, secret: settings.secret ?? '', integration_code: settings.integration_code ?? '' }, ctx);
    case 'halopsa':
      return haloAdapter({ ...settings, client_secret: settings.client_secret ?? '' }, ctx);
  }
}
