import type { PeerConnection } from 'node-datachannel';

/**
 * How long a connection whose peer closed it stays `disconnected` before it is `failed`: about
 * when browsers give up on a peer that stopped answering ICE consent checks.
 */
export const REMOTE_CLOSED_FAILED_AFTER_MS = 30_000;

/** The states a connection announces with a change event. */
type Kind = 'connection' | 'ice' | 'signaling';

const EVENT: Record<Kind, string> = {
  connection: 'connectionstatechange',
  ice: 'iceconnectionstatechange',
  signaling: 'signalingstatechange',
};

/**
 * The W3C states of a Node peer connection, read from libdatachannel's, each change announced
 * once. libdatachannel closes a connection on its own in two cases, and reports both as
 * `closed`, which in W3C terms only `close()` does:
 *
 * - it failed (ICE or DTLS gave up, or it died while being set up): `failed`, at once;
 * - its peer closed an established connection (DTLS close, SCTP abort): browsers notice no such
 *   thing, stay `connected`, and go `disconnected` then `failed` as ICE consent runs out, while
 *   the signalling server says the peer left. Here it is `disconnected` at once, and `failed`
 *   after {@link REMOTE_CLOSED_FAILED_AFTER_MS} unless the connection is closed first, so a peer
 *   that leaves is not reported as a failure.
 */
export class NativeStates {
  readonly #reported: Record<Kind, string> = { connection: 'new', ice: 'new', signaling: 'stable' };

  /** libdatachannel said `failed`, or the connection was never established: a close is a failure. */
  #failed = false;
  #established = false;
  #gaveUp = false;
  #timer: ReturnType<typeof setTimeout> | null = null;

  readonly #native: PeerConnection;
  readonly #isClosed: () => boolean;
  readonly #announce: (type: string) => void;
  readonly #failAfterMs;

  /**
   * @param native - the native connection (its state listeners are set here)
   * @param isClosed - whether `close()` was called
   * @param announce - dispatches a state change event of this type
   * @param failAfterMs - how long a connection closed by its peer stays `disconnected`
   */
  constructor(
    native: PeerConnection,
    isClosed: () => boolean,
    announce: (type: string) => void,
    failAfterMs = REMOTE_CLOSED_FAILED_AFTER_MS,
  ) {
    this.#native = native;
    this.#isClosed = isClosed;
    this.#announce = announce;
    this.#failAfterMs = failAfterMs;
    this.#established = native.state() === 'connected';
    native.onStateChange((state) => {
      if (state === 'connected') this.#established = true;
      else if (state === 'failed' || (state === 'closed' && !this.#established)) this.#failed = true;
      else if (state === 'closed' && !this.#failed) this.#giveUpLater();
      this.#report('connection', this.connection());
    });
    native.onIceStateChange(() => this.#report('ice', this.ice()));
    // the state the change was to, not the current one: each step of a quick exchange is announced
    native.onSignalingStateChange((state) => this.#report('signaling', state));
  }

  /** `RTCPeerConnection.connectionState`. */
  connection(): RTCPeerConnectionState {
    if (this.#isClosed()) return 'closed';
    const state = this.#native.state();
    if (state !== 'closed') return state;
    return this.#failed || this.#gaveUp ? 'failed' : 'disconnected';
  }

  /** `RTCPeerConnection.iceConnectionState`. */
  ice(): RTCIceConnectionState {
    if (this.#isClosed()) return 'closed';
    const state = this.#native.iceState();
    return state === 'closed' ? 'failed' : state === 'completed' ? 'connected' : state;
  }

  /** `RTCPeerConnection.signalingState`. */
  signaling(): RTCSignalingState {
    return this.#isClosed() ? 'closed' : (this.#native.signalingState() as RTCSignalingState);
  }

  /** The connection is closed: nothing more is announced, and no timer is left. */
  close(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }

  #giveUpLater(): void {
    if (this.#timer !== null || this.#isClosed()) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#gaveUp = true;
      this.#report('connection', this.connection());
    }, this.#failAfterMs);
    // a connection nobody closes must not keep the process alive
    this.#timer.unref();
  }

  #report(kind: Kind, state: string): void {
    if (this.#isClosed() || this.#reported[kind] === state) return;
    this.#reported[kind] = state;
    this.#announce(EVENT[kind]);
  }
}
