import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { DEFAULT_RESUME_TOKEN_TTL_MS } from './options';

/** Names the layout of what is signed, so a later layout can never be read as this one. */
const TOKEN_VERSION = 'rtcpool-resume-1';

/** One membership a resume token stands for; its id and pool travel beside it in `rtc:resume`. */
export interface TokenClaims {
  /** The member's id. */
  readonly id: string;
  /** The pool's name. */
  readonly pool: string;
  /** Which life of that pool: a pool stopped and created again has another instance. */
  readonly instance: string;
  /** Which server process issued the token (a random value per process). */
  readonly epoch: string;
  /** The membership's current nonce: the server rotates it on every resume. */
  readonly nonce: string;
  /** When the token stops being good, in ms since the epoch. */
  readonly expiresAt: number;
}

/** A random value for instances, epochs and nonces: 72 bits, 12 characters. */
export function randomTag(): string {
  return randomBytes(9).toString('base64url');
}

/** The bytes `text` spells in unpadded base64url, if it is their one spelling; null otherwise. */
function canonicalBytes(text: string): Buffer | null {
  const bytes = Buffer.from(text, 'base64url');
  return bytes.toString('base64url') === text ? bytes : null;
}

/**
 * Resume tokens: `base64url(JSON [instance, epoch, nonce, expiresAt]) "." base64url(HMAC)`, both
 * unpadded, and no other spelling of the same bytes (see {@link ResumeTokens.verify}); the HMAC
 * covers a JSON array of every claim, the member's id and pool and its principal, so no two
 * memberships share an encoding. Whether a valid token may still resume (its nonce current, its
 * membership not ended) is the server's state; checking the signature and expiry needs none, so
 * a server restarted with the same secret can still read the tokens it gave.
 */
export class ResumeTokens {
  /** This process's epoch: a token carrying another one was issued before a restart. */
  readonly epoch = randomTag();
  readonly #secret: Buffer;

  readonly #ttlMs;
  readonly #now: () => number;

  /**
   * @param secret - the HMAC key; a random one (lost on restart) when none is given
   * @param ttlMs - how long a token is good for
   * @param now - the clock, for tests
   */
  constructor(
    secret?: string | Buffer,
    ttlMs = DEFAULT_RESUME_TOKEN_TTL_MS,
    now: () => number = Date.now,
  ) {
    this.#ttlMs = ttlMs;
    this.#now = now;
    this.#secret = secret === undefined ? randomBytes(32) : Buffer.from(secret);
  }

  /** A token for one membership under its current nonce, bound to `principal`. */
  issue(claims: Omit<TokenClaims, 'epoch' | 'expiresAt'>, principal: string | undefined): string {
    const full: TokenClaims = { ...claims, epoch: this.epoch, expiresAt: this.#now() + this.#ttlMs };
    const body = Buffer.from(JSON.stringify([full.instance, full.epoch, full.nonce, full.expiresAt])).toString('base64url');
    return `${body}.${this.#sign(full, principal).toString('base64url')}`;
  }

  /**
   * The claims of `token` if it was signed by this secret for `id` in `pool` and `principal`
   * (checked in constant time) and has not expired; otherwise what is wrong with it.
   */
  verify(id: string, pool: string, token: string, principal: string | undefined): TokenClaims | 'invalid' | 'expired' {
    const dot = token.indexOf('.');
    if (dot < 0) return 'invalid';
    // Node's decoder reads many spellings as the same bytes (padding, the base64 alphabet, spare
    // low bits, stray characters): only the one this class writes is a token, so each
    // membership's token has exactly one spelling
    const body = canonicalBytes(token.slice(0, dot));
    const given = canonicalBytes(token.slice(dot + 1));
    if (body === null || given === null) return 'invalid';
    let fields: unknown;
    try {
      fields = JSON.parse(body.toString('utf8'));
    } catch {
      return 'invalid';
    }
    if (!Array.isArray(fields) || fields.length !== 4) return 'invalid';
    const [instance, epoch, nonce, expiresAt] = fields as unknown[];
    if (typeof instance !== 'string' || typeof epoch !== 'string' || typeof nonce !== 'string' || !Number.isSafeInteger(expiresAt)) {
      return 'invalid';
    }
    const claims: TokenClaims = { id, pool, instance, epoch, nonce, expiresAt: expiresAt as number };
    const expected = this.#sign(claims, principal);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'invalid';
    return claims.expiresAt > this.#now() ? claims : 'expired';
  }

  #sign(claims: TokenClaims, principal: string | undefined): Buffer {
    const signed = [TOKEN_VERSION, claims.id, claims.pool, claims.instance, claims.epoch, claims.nonce, claims.expiresAt, principal ?? null];
    return createHmac('sha256', this.#secret).update(JSON.stringify(signed)).digest();
  }
}
