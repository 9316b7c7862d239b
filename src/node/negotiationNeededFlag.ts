/** What the negotiation-needed flag reads from its peer connection. */
export interface NegotiationNeededHost {
  /** Whether `close()` was called. */
  isClosed(): boolean;
  /** The signalling state now. */
  signalingState(): RTCSignalingState;
  /** W3C "check if negotiation is needed", for what the stack can negotiate. */
  isNegotiationNeeded(): boolean;
  /** Fires `negotiationneeded`. */
  fire(): void;
}

/**
 * The W3C negotiation-needed flag of one peer connection (webrtc-pc, "update the
 * negotiation-needed flag"), which node-datachannel does not have: the event is queued as a
 * task, fires only in `stable`, never twice for one need, waits while operations are chained,
 * and the need is checked again each time the connection returns to `stable`.
 */
export class NegotiationNeededFlag {
  #needed = false;
  #updateOnEmptyChain = false;
  #operations = 0;

  readonly #host: NegotiationNeededHost;

  constructor(host: NegotiationNeededHost) {
    this.#host = host;
  }

  /** W3C "update the negotiation-needed flag". */
  update(): void {
    if (this.#host.isClosed()) return;
    if (this.#operations > 0) {
      this.#updateOnEmptyChain = true;
      return;
    }
    setImmediate(() => {
      if (this.#host.isClosed()) return;
      if (this.#operations > 0) {
        this.#updateOnEmptyChain = true;
        return;
      }
      // checked again when the connection returns to stable
      if (this.#host.signalingState() !== 'stable') return;
      if (!this.#host.isNegotiationNeeded()) {
        this.#needed = false;
        return;
      }
      if (this.#needed) return;
      this.#needed = true;
      this.#host.fire();
    });
  }

  /**
   * The connection is back in `stable` (an answer was applied, or a rollback): whatever is still
   * not negotiated asks again, once, as browsers do when the flag was set before and after.
   */
  returnedToStable(): void {
    this.#needed = false;
    this.update();
  }

  /** An operation (setLocalDescription, setRemoteDescription, addIceCandidate) joined the chain. */
  operationStarted(): void {
    this.#operations++;
  }

  /** An operation left the chain; an update that waited for an empty chain runs now. */
  operationEnded(): void {
    this.#operations--;
    if (this.#operations === 0 && this.#updateOnEmptyChain) {
      this.#updateOnEmptyChain = false;
      this.update();
    }
  }
}
