/**
 * Stable machine-readable codes of {@link RtcPoolError}. An app branches on these, never on
 * the message text, which may change between releases.
 *
 * - `bad-argument`: a public method got an argument it cannot use.
 * - `bad-event-type`: `addEventListener` was asked for an event type that is not exposed.
 * - `bad-kind`: a media kind other than `audio`, `video` or none; or, for
 *   `ManagedStream.replaceTrack()`, a new track of another kind than the one it replaces.
 * - `unknown-track`: `ManagedStream.replaceTrack()` was given a track the stream does not send.
 * - `replace-failed`: `ManagedStream.replaceTrack()` could not switch the track on one peer's
 *   sender although its connection is open (see `peer` and `cause`); every other peer switched.
 * - `already-joined`: `join()` on a pool that is joining or joined.
 * - `closed`: the pool, connection or channel was closed before the operation finished.
 * - `timeout`: the operation did not finish within its time limit.
 * - `server-error`: the signalling server answered with `rtc:error` (see `reason`).
 * - `protocol`: a frame could not be parsed into an ssp v2 message (see `reason`).
 * - `unknown-peer`: signalling named a peer this endpoint does not know.
 * - `negotiation-failed`: a step of the perfect negotiation failed for one peer.
 * - `transport`: the signalling transport failed.
 * - `aborted`: a `PeerChannel.send()`, or a `channel()` still waiting for its peer, was
 *   cancelled through its `AbortSignal`.
 * - `too-large`: a `PeerChannel` refused a message over its receive limit (`maxMessageBytes`).
 * - `ice-server`: a STUN or TURN server failed a candidate (see `url`, and `reason`: the
 *   numeric error code, `'401'` for refused credentials).
 * - `connection-failed`: a peer connection went to `failed`.
 * - `unsupported`: what is needed is missing here (WebRTC in jsdom, SSR or plain Node; a
 *   WebSocket class in Node); the message says what to pass.
 * - `load-failed`: the code of a feature loaded on first use (`channel()`, `pool.channel()`,
 *   `stats$`) could not be fetched; the next call tries again.
 * - `overflow`: a pool channel held more for one slow peer than its `maxQueuedBytes`; that
 *   peer's channel was closed (see `PoolChannel`).
 * - `stats-failed`: `getStats()` of an open connection failed: it errors
 *   `ManagedConnection.stats$` (see `cause`).
 */
export type RtcPoolErrorCode =
  | 'bad-argument'
  | 'bad-event-type'
  | 'bad-kind'
  | 'unknown-track'
  | 'replace-failed'
  | 'already-joined'
  | 'closed'
  | 'timeout'
  | 'server-error'
  | 'protocol'
  | 'unknown-peer'
  | 'negotiation-failed'
  | 'transport'
  | 'aborted'
  | 'too-large'
  | 'ice-server'
  | 'connection-failed'
  | 'unsupported'
  | 'load-failed'
  | 'overflow'
  | 'stats-failed';

/**
 * The one error class rtcpool throws, rejects with, and emits on its error streams.
 *
 * @example
 * ```ts
 * try {
 *   await conn.dataChannel('chat');
 * } catch (err) {
 *   if (err instanceof RtcPoolError && err.code === 'closed') {
 *     // the peer left before the channel opened
 *   }
 * }
 * ```
 */
export class RtcPoolError extends Error {
  /** The stable code to branch on. */
  readonly code: RtcPoolErrorCode;
  /** A finer machine code where one exists: the `reason` of a protocol or server error. */
  readonly reason: string | undefined;
  /** The peer the error concerns, where there is one. */
  readonly peer: string | undefined;
  /** The URL of the server concerned, where there is one (the STUN or TURN server of `ice-server`). */
  readonly url: string | undefined;

  /**
   * @param code - the stable code
   * @param message - human-readable text
   * @param details - the underlying `cause`, a finer `reason`, the `peer` and the server `url` concerned
   */
  constructor(
    code: RtcPoolErrorCode,
    message: string,
    details: { cause?: unknown; reason?: string; peer?: string; url?: string } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'RtcPoolError';
    this.code = code;
    this.reason = details.reason;
    this.peer = details.peer;
    this.url = details.url;
  }
}
