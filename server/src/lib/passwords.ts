import argon2 from 'argon2';

/**
 * argon2id at the OWASP minimum (19 MiB, 2 passes, 1 lane): strong enough,
 * and cheap enough that a two-core server keeps sign-in under 150 ms at
 * peak office-hours load. Hashes made with other settings are upgraded on
 * the next successful sign-in.
 */
const OPTIONS = { type: argon2.argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

export const hashPassword = (password: string): Promise<string> => argon2.hash(password, OPTIONS);

export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  try {
    return await argon2.verify(hash, password);
  } catch {
    return false;
  }
}

export const passwordNeedsRehash = (hash: string): boolean => argon2.needsRehash(hash, OPTIONS);

let dummyHash: Promise<string> | undefined;
/** Verifies against a throwaway hash so an unknown email takes as long as a wrong password. */
export async function burnPasswordCheck(password: string): Promise<void> {
  dummyHash ??= hashPassword('flowpilot-timing-equaliser');
  await verifyPassword(await dummyHash, password);
}
