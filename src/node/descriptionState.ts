import type { PeerConnection } from 'node-datachannel';
import { sessionDescription, type SessionDescription } from './sessionDescription';
import { withoutCandidates } from './sdpLines';

/**
 * The session descriptions of a Node peer connection as W3C defines them (local, remote,
 * current and pending), kept beside libdatachannel's, which has only "the last one set": it
 * keeps a rolled-back description, and has no notion of the last completed exchange.
 */
export class DescriptionState {
  /** The local description of the last completed exchange (W3C [[CurrentLocalDescription]]). */
  #currentLocal: SessionDescription | null = null;
  #currentRemote: SessionDescription | null = null;

  /** A rollback back to no description: libdatachannel keeps the rolled-back one. */
  #localCleared = false;
  #remoteCleared = false;

  readonly #native: PeerConnection;
  readonly #signalingState: () => RTCSignalingState;
  readonly #holdingCandidates: () => boolean;

  /**
   * @param native - the native connection
   * @param signalingState - the connection's W3C signalling state
   * @param holdingCandidates - whether local candidates are held back (they stay out of the SDP too)
   */
  constructor(
    native: PeerConnection,
    signalingState: () => RTCSignalingState,
    holdingCandidates: () => boolean,
  ) {
    this.#native = native;
    this.#signalingState = signalingState;
    this.#holdingCandidates = holdingCandidates;
  }

  get local(): SessionDescription | null {
    if (this.#localCleared) return null;
    const local = this.#native.localDescription();
    // candidates wait for a remote description (see LocalCandidates), in the SDP as in events
    return this.#holdingCandidates() && local ? sessionDescription({ type: local.type, sdp: withoutCandidates(local.sdp) }) : sessionDescription(local);
  }

  get remote(): SessionDescription | null {
    return this.#remoteCleared ? null : sessionDescription(this.#native.remoteDescription());
  }

  get currentLocal(): SessionDescription | null {
    return this.#signalingState() === 'stable' ? this.local : this.#currentLocal;
  }

  get currentRemote(): SessionDescription | null {
    return this.#signalingState() === 'stable' ? this.remote : this.#currentRemote;
  }

  get pendingLocal(): SessionDescription | null {
    return this.#signalingState().startsWith('have-local') ? this.local : null;
  }

  get pendingRemote(): SessionDescription | null {
    return this.#signalingState().startsWith('have-remote') ? this.remote : null;
  }

  /** A local description was set (`rollback` true: rolled back). */
  localSet(rollback: boolean): void {
    this.#localCleared = rollback && this.#currentLocal === null;
  }

  /** A remote description was set (`rollback` true: rolled back). */
  remoteSet(rollback: boolean): void {
    this.#remoteCleared = rollback && this.#currentRemote === null;
  }

  /**
   * After a description was set: back in stable, the exchange is complete and its descriptions
   * become the current ones. Says whether it is back in stable.
   */
  settled(): boolean {
    if (this.#signalingState() !== 'stable') return false;
    this.#currentLocal = this.local;
    this.#currentRemote = this.remote;
    return true;
  }
}
