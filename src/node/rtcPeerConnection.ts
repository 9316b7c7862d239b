import type { PeerConnection } from 'node-datachannel';
import { DescriptionState } from './descriptionState';
import { LocalCandidates, type LocalCandidateInit } from './localCandidates';
import { nodeDataChannel } from './loadNodeDataChannel';
import { nativeChannelInit } from './nativeChannelInit';
import { copyConfiguration, nativeConfiguration } from './nativeConfiguration';
import { nativeStats } from './nativeStats';
import { NativeStates } from './nativeStates';
import { NegotiationNeededFlag } from './negotiationNeededFlag';
import { NodeDataChannel } from './nodeDataChannel';
import { PolyfillBase } from './polyfillBase';
import { iceUfrag, midAt } from './sdpLines';
import { unsupported } from './unsupported';

const MEDIA = 'media (tracks and transceivers) is not supported by rtcpool/node: node-datachannel has no MediaStreamTrack; use data channels';

/**
 * An `RTCPeerConnection` for Node.js, backed by node-datachannel (libdatachannel), for
 * `PoolOptions.RTCPeerConnection`. It builds on node-datachannel's W3C polyfill and adds what
 * perfect negotiation needs: `negotiationneeded` as browsers fire it, argument-less
 * `setLocalDescription()`, rollback, descriptions that are null until set, a final null
 * `icecandidate`, data channels whose `open` always fires, and W3C states where libdatachannel
 * closes a connection on its own: `failed` when it gave up on it, and `disconnected` when its peer
 * closed it (then `failed` after 30 s unless closed, as browsers when consent checks go unanswered).
 *
 * Data channels only: `addTrack()`, `addTransceiver()`, `restartIce()`, `createOffer()` and
 * `createAnswer()` throw (or reject with) an error whose `code` is `'unsupported'`, and so does
 * the constructor when the optional peer dependency `node-datachannel` is not installed.
 *
 * @example
 * ```ts
 * import { RTCPeerConnection } from 'rtcpool/node';
 * import WebSocket from 'ws';
 * const pool = new Pool(config, new signalling.websocket(new WebSocket(url)), { RTCPeerConnection });
 * ```
 */
export class RTCPeerConnection extends PolyfillBase implements globalThis.RTCPeerConnection {
  readonly #native: PeerConnection;
  readonly #configuration: RTCConfiguration;
  readonly #negotiation: NegotiationNeededFlag;
  readonly #candidates: LocalCandidates;
  readonly #states: NativeStates;
  readonly #descriptions: DescriptionState;
  readonly #channels = new Set<NodeDataChannel>();
  #closed = false;
  #operations: Promise<unknown> = Promise.resolve();

  /** Whether this side created a data channel (W3C: then data needs negotiating). */
  #createdChannel = false;

  /** The `datachannel` event handler (the polyfill calls it). */
  ondatachannel: ((this: globalThis.RTCPeerConnection, ev: RTCDataChannelEvent) => unknown) | null = null;

  /** @param configuration - ICE servers and policy; the rest of `RTCConfiguration` is ignored */
  constructor(configuration: RTCConfiguration = {}) {
    if (nodeDataChannel instanceof Error) throw nodeDataChannel;
    const native = new nodeDataChannel.native.PeerConnection(`rtcpool-${Math.random().toString(36).slice(2, 9)}`, nativeConfiguration(configuration));
    // the polyfill keeps (and rewrites) the configuration it gets: it gets its own copy
    super({ ...copyConfiguration(configuration), peerConnection: native });
    this.#native = native;
    this.#configuration = copyConfiguration(configuration);
    this.#states = new NativeStates(native, () => this.#closed, (type) => this.dispatchEvent(new Event(type)));
    this.#negotiation = new NegotiationNeededFlag({
      isClosed: () => this.#closed,
      signalingState: () => this.signalingState,
      isNegotiationNeeded: () => this.#createdChannel && !/^m=application/m.test(this.#descriptions.currentLocal?.sdp ?? ''),
      fire: () => this.dispatchEvent(new Event('negotiationneeded')),
    });
    this.#candidates = new LocalCandidates(
      () => native.localDescription()?.sdp ?? null,
      (candidate) => this.#emitCandidate(candidate),
    );
    this.#descriptions = new DescriptionState(native, () => this.signalingState, () => this.#candidates.holding);
    // the polyfill's listeners are replaced (node-datachannel keeps one listener per kind)
    native.onLocalCandidate((candidate, mid) => this.#closed || this.#candidates.add(candidate, mid));
    native.onGatheringStateChange((state) => {
      if (this.#closed) return;
      this.dispatchEvent(new Event('icegatheringstatechange'));
      if (state === 'complete') this.#candidates.complete();
    });
    native.onDataChannel((nativeChannel) => {
      if (this.#closed) return nativeChannel.close();
      const channel = this.#track(new NodeDataChannel(nativeChannel, {}, () => this.#closed));
      this.dispatchEvent(Object.assign(new Event('datachannel'), { channel }));
      channel.watchOpen();
    });
  }

  get connectionState(): RTCPeerConnectionState {
    return this.#states.connection();
  }

  get iceConnectionState(): RTCIceConnectionState {
    return this.#states.ice();
  }

  get signalingState(): RTCSignalingState {
    return this.#states.signaling();
  }

  get localDescription(): RTCSessionDescription | null {
    return this.#descriptions.local;
  }

  get remoteDescription(): RTCSessionDescription | null {
    return this.#descriptions.remote;
  }

  get currentLocalDescription(): RTCSessionDescription | null {
    return this.#descriptions.currentLocal;
  }

  get currentRemoteDescription(): RTCSessionDescription | null {
    return this.#descriptions.currentRemote;
  }

  get pendingLocalDescription(): RTCSessionDescription | null {
    return this.#descriptions.pendingLocal;
  }

  get pendingRemoteDescription(): RTCSessionDescription | null {
    return this.#descriptions.pendingRemote;
  }

  /**
   * Without a description (or with one without `sdp`), makes the offer or answer the signalling
   * state calls for and sets it; `{ type: 'rollback' }` rolls a local offer back. libdatachannel
   * writes its own SDP, so a description with an `sdp` is refused (`unsupported`), and an offer
   * asked for in `have-local-offer` keeps the pending one.
   */
  setLocalDescription(description?: RTCLocalSessionDescriptionInit): Promise<void> {
    return this.#chain(() => {
      if (description?.sdp) throw unsupported('rtcpool/node makes its own SDP: call setLocalDescription() without a description');
      const state = this.signalingState;
      const type = description?.type ?? (state === 'have-remote-offer' || state === 'have-local-pranswer' ? 'answer' : 'offer');
      if (type === 'rollback') {
        if (state !== 'have-local-offer' && state !== 'have-local-pranswer') throw new DOMException(`cannot roll back in ${state}`, 'InvalidStateError');
        this.#native.setLocalDescription('rollback');
        this.#descriptions.localSet(true);
        this.#settled();
        return;
      }
      if (type === 'offer' && state === 'have-local-offer') return;
      this.#native.setLocalDescription(type);
      this.#descriptions.localSet(false);
      this.#settled();
    });
  }

  /**
   * Applies the peer's description. A remote offer in `have-local-offer` rolls the local offer
   * back first (libdatachannel does it natively). A remote rollback only returns to `stable`:
   * libdatachannel has already taken the offer's ICE parameters and cannot undo that.
   */
  setRemoteDescription(description: RTCSessionDescriptionInit): Promise<void> {
    return this.#chain(() => {
      if (!description || typeof description.type !== 'string') throw new TypeError('a description needs a type');
      const state = this.signalingState;
      if (description.type === 'rollback') {
        if (state !== 'have-remote-offer' && state !== 'have-remote-pranswer') throw new DOMException(`cannot roll back in ${state}`, 'InvalidStateError');
        this.#native.setRemoteDescription(this.#native.remoteDescription()?.sdp ?? '', 'rollback');
        this.#descriptions.remoteSet(true);
        this.#settled();
        return;
      }
      if (!description.sdp) throw new DOMException(`the remote ${description.type} has no sdp`, 'InvalidAccessError');
      this.#native.setRemoteDescription(description.sdp, description.type);
      this.#descriptions.remoteSet(false);
      this.#candidates.release();
      this.#settled();
    });
  }

  /**
   * Adds a remote candidate; null, an empty candidate or no argument marks the end of
   * candidates (nothing to do for libdatachannel). Rejects like browsers without a remote
   * description, and with a candidate of another ICE generation (`usernameFragment`).
   */
  addIceCandidate(candidate?: RTCIceCandidateInit | null): Promise<void> {
    return this.#chain(() => {
      const remote = this.remoteDescription;
      if (!remote) throw new DOMException('addIceCandidate before a remote description', 'InvalidStateError');
      if (!candidate || !candidate.candidate) return;
      const mid = candidate.sdpMid ?? midAt(remote.sdp, candidate.sdpMLineIndex);
      if (mid === null) throw new TypeError('a candidate needs an sdpMid or an sdpMLineIndex');
      const ufrag = iceUfrag(remote.sdp);
      if (candidate.usernameFragment && ufrag && candidate.usernameFragment !== ufrag) {
        throw new DOMException(`candidate of another ICE generation (${candidate.usernameFragment})`, 'OperationError');
      }
      this.#native.addRemoteCandidate(candidate.candidate.replace(/^a=/, ''), mid);
    });
  }

  /** Creates a data channel; the first one on a connection with none negotiated needs negotiation. */
  createDataChannel(label: string, init: RTCDataChannelInit = {}): RTCDataChannel {
    if (this.#closed) throw new DOMException('the connection is closed', 'InvalidStateError');
    const channel = this.#track(new NodeDataChannel(this.#native.createDataChannel(String(label), nativeChannelInit(init)), init, () => this.#closed));
    channel.watchOpen();
    if (!this.#createdChannel) {
      this.#createdChannel = true;
      this.#negotiation.update();
    }
    return channel;
  }

  /** Not supported: libdatachannel makes and applies a description in one step. Use `setLocalDescription()`. */
  createOffer(): Promise<never> {
    return Promise.reject(unsupported('rtcpool/node cannot create an offer without setting it: call setLocalDescription()'));
  }

  /** Not supported: libdatachannel makes and applies a description in one step. Use `setLocalDescription()`. */
  createAnswer(): Promise<never> {
    return Promise.reject(unsupported('rtcpool/node cannot create an answer without setting it: call setLocalDescription()'));
  }

  /**
   * Not supported: libdatachannel runs one ICE session per connection, and closes the connection
   * when ICE fails or disconnects, so there is nothing left to restart. Make a new connection.
   */
  restartIce(): void {
    throw unsupported('rtcpool/node cannot restart ICE (libdatachannel closes a connection whose ICE fails): make a new connection');
  }

  /** Not supported: node-datachannel has no media (throws `unsupported`). */
  addTrack(): RTCRtpSender {
    throw unsupported(MEDIA);
  }

  /** Not supported (media). */
  addTransceiver(): RTCRtpTransceiver {
    throw unsupported(MEDIA);
  }

  /** Not supported (media). */
  removeTrack(): void {
    throw unsupported(MEDIA);
  }

  /** No media: always empty. */
  getSenders(): RTCRtpSender[] {
    return [];
  }

  /** No media: always empty. */
  getReceivers(): RTCRtpReceiver[] {
    return [];
  }

  /** No media: always empty. */
  getTransceivers(): RTCRtpTransceiver[] {
    return [];
  }

  /**
   * What libdatachannel knows, in W3C form with stable ids: a `transport` with the byte counts
   * (data channel payload bytes), and once ICE selected a pair, that `candidate-pair`
   * (`currentRoundTripTime`: SCTP's round-trip time, in seconds, when measured) and its two
   * candidates with their `candidateType`. No media or data channel entries.
   */
  getStats(): Promise<RTCStatsReport> {
    return new Promise((resolve) => resolve(nativeStats(this.#closed ? null : this.#native) as unknown as RTCStatsReport));
  }

  /** The configuration it was made with (a copy). */
  getConfiguration(): RTCConfiguration {
    return copyConfiguration(this.#configuration);
  }

  /** Not supported: libdatachannel takes its ICE servers once, when the connection is made. */
  setConfiguration(): void {
    throw unsupported('rtcpool/node cannot change the configuration of a connection: make a new one');
  }

  /**
   * Closes the connection and its channels and releases the native connection and channels, so
   * nothing native keeps the process alive. Fires no event on the connection; its channels fire
   * `close` as libdatachannel closes them.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#states.close();
    for (const channel of this.#channels) channel.closeWithConnection();
    this.#channels.clear();
    this.#native.close();
  }

  /** Runs W3C-chained operations one at a time, and the negotiation-needed update after the chain empties. */
  #chain(operation: () => void): Promise<void> {
    if (this.#closed) return Promise.reject(new DOMException('the connection is closed', 'InvalidStateError'));
    this.#negotiation.operationStarted();
    const run = this.#operations.then(() => {
      if (this.#closed) throw new DOMException('the connection is closed', 'InvalidStateError');
      operation();
    });
    this.#operations = run.catch(() => undefined);
    void this.#operations.then(() => this.#negotiation.operationEnded());
    return run;
  }

  /** After a description was set: the exchange is complete in stable, and negotiation is checked again. */
  #settled(): void {
    if (this.#descriptions.settled()) this.#negotiation.returnedToStable();
  }

  #track(channel: NodeDataChannel): NodeDataChannel {
    this.#channels.add(channel);
    channel.addEventListener('close', () => this.#channels.delete(channel), { once: true });
    return channel;
  }

  #emitCandidate(init: LocalCandidateInit | null): void {
    if (this.#closed || nodeDataChannel instanceof Error) return;
    const candidate = init && new nodeDataChannel.polyfill.RTCIceCandidate(init);
    this.dispatchEvent(new nodeDataChannel.polyfill.RTCPeerConnectionIceEvent(candidate as RTCIceCandidate));
  }
}

