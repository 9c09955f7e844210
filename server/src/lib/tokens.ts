import { createHash, createHmac, randomBytes, randomUUID, timingSafeEqual, webcrypto } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { jwtVerify, SignJWT, errors as joseErrors } from 'jose';
import { ROLES, type Role } from '@flowpilot/contracts';

export const ACCESS_TOKEN_SECONDS = 15 * 60;
export const REFRESH_TOKEN_SECONDS = 30 * 24 * 60 * 60;
const ISSUER = 'flowpilot';
const AUDIENCE = 'flowpilot-api';
/** Clock difference between processes that a token's `iat` may show. */
const CLOCK_TOLERANCE_SECONDS = 30;
/** Every claim an access token must carry; a token without one of them is refused, whoever signed it. */
const REQUIRED_CLAIMS = ['exp', 'iat', 'iss', 'aud', 'sub', 'jti', 'typ', 'ver', 'team_id', 'role'];

export interface AccessClaims {
  userId: string;
  teamId: string;
  role: Role;
  /** The user's token version when the token was issued: a sign-out everywhere bumps it. */
  version: number;
}

/**
 * Signs and verifies the short-lived access JWTs (HS256 with JWT_SECRET).
 * A client sends the same token for up to 15 minutes, so verified tokens are
 * remembered until they expire: the signature is checked once per token, not
 * once per request. (Revocation does not depend on this: the guard re-reads
 * the user on every request and compares the token's version.)
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
    return new SignJWT({ team_id: claims.teamId, role: claims.role, typ: 'access', ver: claims.version })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(claims.userId)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setJti(randomUUID())
      .setExpirationTime(`${ACCESS_TOKEN_SECONDS}s`)
      .sign(await this.#key);
  }

  /**
   * The claims of a valid token, or null when it is malformed, forged, expired,
   * or lacks any claim we issue (`exp`, `iat`, `iss`, `aud`, `typ`, …): a token
   * without an expiry would otherwise work for ever.
   */
  async verify(token: string): Promise<AccessClaims | null> {
    const known = this.#verified.get(token);
    if (known) return known;
    try {
      const { payload } = await jwtVerify(token, await this.#key, {
        issuer: ISSUER,
        audience: AUDIENCE,
        algorithms: ['HS256'],
        requiredClaims: REQUIRED_CLAIMS,
        typ: 'JWT',
        // Refuses a token issued longer ago than any access token lives, whatever its `exp` says.
        maxTokenAge: ACCESS_TOKEN_SECONDS + CLOCK_TOLERANCE_SECONDS,
      });
      const { sub, team_id, role, ver, typ, iat, exp } = payload;
      if (typ !== 'access' || typeof sub !== 'string' || typeof team_id !== 'string') return null;
      if (typeof role !== 'string' || !(ROLES as readonly string[]).includes(role)) return null;
      if (typeof ver !== 'number' || !Number.isInteger(ver)) return null;
      if (iat === undefined || exp === undefined || exp - iat > ACCESS_TOKEN_SECONDS || iat > Date.now() / 1000 + CLOCK_TOLERANCE_SECONDS) return null;
      const claims: AccessClaims = { userId: sub, teamId: team_id, role: role as Role, version: ver };
      const ttl = exp * 1000 - Date.now();
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

/** What a derived token is for; each purpose has its own tokens, so one can never stand in for another. */
export type DerivedPurpose = 'refresh-successor' | 'password-reset';

/**
 * Opaque tokens computed from the server secret and an input (HMAC-SHA256):
 * the same input always gives the same token, and nobody without the secret
 * can compute one. So the database keeps only a token's hash, and the server
 * can still hand out the token again (the successor of a refresh token
 * presented twice in a moment; the link of a reset email, rebuilt by the job
 * that sends it).
 */
export class DerivedTokens {
  readonly #key: Buffer;

  constructor(secret: string) {
    this.#key = createHmac('sha256', secret).update('flowpilot derived tokens v1').digest();
  }

  derive(purpose: DerivedPurpose, input: string): string {
    return createHmac('sha256', this.#key).update(`${purpose}\0${input}`).digest('base64url');
  }
}

/** Compares two secrets in constant time (their SHA-256 digests, so the lengths never show either). */
export function secretsEqual(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/**
 * A request URL fit for the log: the values of the query parameters that
 * carry secrets (reset-link tokens, invite codes, event tickets) and the code
 * in an invite path are replaced, so a link never lands in a log line.
 */
export function urlWithoutSecrets(url: string): string {
  return url
    .replace(/([?&](?:token|invite|invite_code|ticket)=)[^&#]*/gi, '$1[redacted]')
    .replace(/(\/auth\/invites\/)[^/?#]+/i, '$1[redacted]');
}
