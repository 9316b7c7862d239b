import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Resume tokens: an HMAC of a member's id and pool under the server's secret. Verifying one
 * needs no state, so a server restarted with the same secret still honours the tokens it gave.
 */
export class ResumeTokens {
  private readonly secret: Buffer;

  /** @param secret - the HMAC key; a random one (lost on restart) when none is given */
  constructor(secret?: string | Buffer) {
    this.secret = secret === undefined ? randomBytes(32) : Buffer.from(secret);
  }

  /** The token proving that `id` was a member of `pool`. */
  issue(id: string, pool: string): string {
    return createHmac('sha256', this.secret).update(`${id}\n${pool}`).digest('base64url');
  }

  /** Whether `token` proves that `id` was a member of `pool` (in constant time). */
  verify(id: string, pool: string, token: string): boolean {
    const expected = Buffer.from(this.issue(id, pool));
    const given = Buffer.from(token);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }
}
