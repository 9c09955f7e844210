import { sql } from 'drizzle-orm';
import type { Role } from '@flowpilot/contracts';
import type { Db } from './client.ts';
import { hashPassword } from '../lib/passwords.ts';
import * as teamRepo from '../modules/team/team.repository.ts';
import * as usersRepo from '../modules/users/users.repository.ts';
import * as treesRepo from '../modules/trees/trees.repository.ts';
import { CreateTreeBody } from '@flowpilot/contracts';
import { DEMO_TREES } from './demo-trees/index.ts';

export interface DemoLogin {
  role: Role;
  email: string;
  password: string;
  fullName: string;
}

/** The demo team's sign-ins, printed at start and written in the README. */
export const DEMO_LOGINS: readonly DemoLogin[] = [
  { role: 'admin', email: 'admin@flowpilot.test', password: 'flowpilot-admin', fullName: 'Morgan Price' },
  { role: 'engineer', email: 'engineer@flowpilot.test', password: 'flowpilot-engineer', fullName: 'Sam Rivera' },
  { role: 'technician', email: 'tech@flowpilot.test', password: 'flowpilot-tech', fullName: 'Jamie Chen' },
];

export const DEMO_TEAM_NAME = 'Northwind IT Services (demo)';

/** Whether the demo accounts are there (and active) to be signed in with. */
export async function demoLoginsExist(db: Db): Promise<boolean> {
  const users = await Promise.all(DEMO_LOGINS.map((l) => usersRepo.findByEmail(db, l.email)));
  return users.every((u) => u?.is_active);
}

/**
 * Seeds the demo team (an admin, an engineer, a technician and ten published
 * troubleshooting trees) on the first start of an empty database. Safe when
 * several processes start at once: one seeds, the others see it done.
 * Returns whether it seeded.
 */
export async function seedDemoData(db: Db): Promise<boolean> {
  // Nothing to do on every start but the first; hashing happens only when it will be used, and outside the transaction.
  if ((await teamRepo.countTeams(db)) > 0) return false;
  const hashes = await Promise.all(DEMO_LOGINS.map((l) => hashPassword(l.password)));
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext('flowpilot:seed'))`);
    if ((await teamRepo.countTeams(tx)) > 0) return false;
    const team = await teamRepo.insertTeam(tx, DEMO_TEAM_NAME);
    const created = [];
    for (const [i, login] of DEMO_LOGINS.entries()) {
      created.push(
        await usersRepo.insert(tx, {
          team_id: team.id,
          email: login.email,
          full_name: login.fullName,
          role: login.role,
          password_hash: hashes[i]!,
        }),
      );
    }
    const author = created.find((u) => u.role === 'engineer')!;
    for (const demo of DEMO_TREES) {
      const body = CreateTreeBody.parse(demo);
      await treesRepo.insertTree(tx, { id: demo.id, teamId: team.id, body, userId: author.id });
      await treesRepo.saveTreeVersion(tx, { treeId: demo.id, teamId: team.id, userId: author.id, version: 1, body, changeNote: 'Demo tree' });
    }
    return true;
  });
}
