import { createHash, randomBytes, randomUUID, webcrypto } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { jwtVerify, SignJWT, errors as joseErrors } from 'jose';
import type { Role } from '@flowpilot/contracts';

export const ACCESS_TOKEN_SECONDS = 15 * 60;
export const REFRESH_TOKEN_SECONDS = 30 * 24 * 60 * 60;
const ISSUER = 'flowpilot';
const AUDIENCE = 'flowpilot-api';

export interface AccessClaims {
  userId: string;
  teamId: string;
  role: Role;
  /** Seconds since the epoch when the token was issued. */
  issuedAt?: number;
}

/**
 * Signs and verifies the short-lived access JWTs (HS256 with JWT_SECRET).
 * A client sends the same token for up to 15 minutes, so verified tokens are
 * remembered until they expire: the signature is checked once per token, not
 * once per request. (Revocation does not depend on this: the guard re-reads
 * the user on every request.)
 */
export class AccessTokens {
  readonly #key: Promise<webcrypto.CryptoKey>;
  readonly #verified = new LRUCache<string, AccessClaims>({ max: 20_000 });

  constructor(secret: string) {
    // Imported once: handing jose raw bytes would import the key again on every call.
    this.#key = webcrypto.subtle.importKey('raw', Buffer.from(secret, 'utf8'), { name: 'HMAC', hash: 'SHA-256' }, false, [
      'sign',
      'verify',
    ]);
  }

  async sign(claims: AccessClaims): Promise<string> {
    return new SignJWT({ team_id: claims.teamId, role: claims.role, typ: 'access' })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(claims.userId)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setJti(randomUUID())
      .setExpirationTime(`${ACCESS_TOKEN_SECONDS}s`)
      .sign(await this.#key);
  }

  /** The claims of a valid token, or null when it is malformed, forged or expired. */
  async verify(token: string): Promise<AccessClaims | null> {
    const known = this.#verified.get(token);
    if (known) return known;
    try {
      const { payload } = await jwtVerify(token, await this.#key, {
        issuer: ISSUER,
        audience: AUDIENCE,
        algorithms: ['HS256'],
      });
      if (payload.typ !== 'access' || typeof payload.sub !== 'string' || typeof payload.team_id !== 'string') return null;
      const claims: AccessClaims = { userId: payload.sub, teamId: payload.team_id, role: payload.role as Role, issuedAt: payload.iat ?? 0 };
      const ttl = (payload.exp ?? 0) * 1000 - Date.now();
      if (ttl > 0) this.#verified.set(token, claims, { ttl });
      return claims;
    } catch (err) {
      if (err instanceof joseErrors.JOSEError || err instanceof TypeError) return null;
      throw err;
    }
  }
}

/** An opaque random token (refresh tokens, invite codes) and the hash we store instead of it. */
export function newOpaqueToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

export function hashOpaqueToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
