import { createHmac } from 'node:crypto';

/** Lifetime of handed-out TURN credentials when `turn.ttlSeconds` is not given: one day. */
export const DEFAULT_TURN_TTL_SECONDS = 86_400;
/** The shortest lifetime accepted: clients renew well before expiry, and must have time to. */
export const MIN_TURN_TTL_SECONDS = 2;

/**
 * The TURN servers a signalling server hands out, with credentials it makes for each member in
 * the TURN REST form (`use-auth-secret` in coturn; the "TURN REST API" draft): the username is
 * `<unix expiry>:<member id>` and the credential the base64 HMAC-SHA1 of that username under
 * the shared secret. The TURN server checks both without asking anyone.
 */
export interface TurnOptions {
  /** The secret shared with the TURN server (coturn's `--static-auth-secret`). */
  readonly secret: string;
  /** The TURN URLs, e.g. `turn:turn.example.org:3478?transport=udp`. At least one. */
  readonly urls: readonly string[];
  /** How long credentials stay valid. Default {@link DEFAULT_TURN_TTL_SECONDS}. */
  readonly ttlSeconds?: number;
}

/** What the server gives a member, as the wire carries it: ICE servers, and how many seconds the credentials in them last. */
export interface IceServerGrant {
  /** `RTCIceServer` entries, as a browser's `RTCConfiguration.iceServers` takes them. */
  readonly iceServers: RTCIceServer[];
  /** Seconds until the credentials expire; absent when nothing in `iceServers` expires. */
  readonly iceServersTtl?: number;
}

/**
 * Makes the ICE servers for one member: the plain `iceServers` as they are, then the TURN
 * servers of `turn` with fresh credentials for `memberId`.
 *
 * @param now - the current time in ms (a parameter so tests can pin it)
 * @example
 * ```ts
 * const grant = grantIceServers({ secret: 's3cret', urls: ['turn:127.0.0.1:3478'] }, [], 'member-1');
 * // grant.iceServers[0].username === `${expiry}:member-1`, expiry one day from now in unix seconds
 * ```
 */
export function grantIceServers(
  turn: TurnOptions | undefined,
  plain: readonly RTCIceServer[],
  memberId: string,
  now = Date.now(),
): IceServerGrant {
  const iceServers = plain.map((server) => ({ ...server }));
  if (!turn) return { iceServers };
  const ttl = turn.ttlSeconds ?? DEFAULT_TURN_TTL_SECONDS;
  const username = `${Math.floor(now / 1000) + ttl}:${memberId}`;
  const credential = createHmac('sha1', turn.secret).update(username).digest('base64');
  iceServers.push({ urls: [...turn.urls], username, credential });
  return { iceServers, iceServersTtl: ttl };
}

/**
 * Checks TURN options before a server starts, so a typo fails at start-up, not on the first call.
 *
 * @throws Error naming the bad field
 */
export function checkTurnOptions(turn: TurnOptions): void {
  if (typeof turn.secret !== 'string' || turn.secret === '') throw new Error('turn.secret must be a non-empty string');
  if (!Array.isArray(turn.urls) || turn.urls.length === 0) throw new Error('turn.urls must list at least one TURN URL');
  for (const url of turn.urls) {
    if (typeof url !== 'string' || !/^turns?:/.test(url)) throw new Error(`turn.urls: '${String(url)}' is not a turn: or turns: URL`);
  }
  const ttl = turn.ttlSeconds;
  if (ttl !== undefined && !(Number.isInteger(ttl) && ttl >= MIN_TURN_TTL_SECONDS)) {
    throw new Error(`turn.ttlSeconds must be a whole number of seconds, at least ${MIN_TURN_TTL_SECONDS}`);
  }
}
