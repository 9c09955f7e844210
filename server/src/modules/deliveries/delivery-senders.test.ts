import { describe, expect, it } from 'vitest';
import type { Db } from '../../db/client.ts';
import type { JobQueue } from '../../lib/jobs.ts';
import type { IntegrationsService } from '../integrations/integrations.service.ts';
import { createDeliveriesService } from './deliveries.service.ts';

describe('delivery senders', () => {
  it('start-up is refused, naming it, while a delivery channel has no sender', () => {
    // Checked before anything is sent: the service alone, with no database, queue or integrations behind it.
    const deliveries = createDeliveriesService({ db: {} as Db, jobs: {} as JobQueue, integrations: {} as IntegrationsService, log: { warn: () => {}, error: () => {} } });
    expect(() => deliveries.assertEverySender()).toThrow('no sender for the delivery channels slack, teams, email');
    for (const channel of ['slack', 'teams'] as const) deliveries.setSender(channel, async () => ({ ok: true }) as never);
    expect(() => deliveries.assertEverySender()).toThrow(/^no sender for the delivery channel email:/);
    deliveries.setSender('email', async () => ({ ok: true }) as never);
    expect(() => deliveries.assertEverySender()).not.toThrow();
  });
});
