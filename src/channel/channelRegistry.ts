import { RtcPoolError } from '../errors';
import type { PeerId } from '../signalling/messages';
import { CHUNK_PROTOCOL, MAX_HELD_CHANNELS, READY_RESEND_MS } from './chunkProtocol';
import { decodeFrame, readyFrame } from './framing';
import { PeerChannel, type PeerChannelSettings } from './peerChannel';
import { DEFAULT_CHUNK_BYTES, DEFAULT_HIGH_WATER_MARK, DEFAULT_MAX_MESSAGE_BYTES, type PeerChannelOptions } from './peerChannelOptions';

export { MAX_HELD_CHANNELS, READY_RESEND_MS };


/** One label this side has asked for, until its PeerChannel closes. */
interface Pending {
  readonly label: string;
  readonly options: PeerChannelOptions;
  readonly promise: Promise<PeerChannel>;
  readonly resolve: (channel: PeerChannel) => void;
  readonly reject: (error: RtcPoolError) => void;
  /** The channel this side made and waits on for READY, if any. */
  own: RTCDataChannel | null;
  /** The peer's channel this side took and is opening, if any. */
  adopted: RTCDataChannel | null;
  channel: PeerChannel | null;
  timer: ReturnType<typeof setTimeout> | null;
  /** Our channel that lost a glare, left for the peer to close; closed here once the winner is up, if still open. */
  lost: RTCDataChannel | null;
}

/**
 * Pairs the two ends of each `channel(label)` of one connection. Either side may call first, or
 * both at once; there is no pre-agreed id, so nothing can collide with the app's channels or the
 * control channel (id 1023):
 *
 * 1. A side that calls `channel(label)` and holds no channel of the peer's for that label makes
 *    one: not negotiated (the browser picks a free stream id), `protocol` {@link CHUNK_PROTOCOL},
 *    ordered and reliable. It waits for a READY frame on it.
 * 2. The other side sees it in `datachannel` (hidden from the app's listeners and streams) and
 *    holds it until its app calls `channel(label)`; then it sends READY on it. The maker answers
 *    READY and its end is up; the other end is up when that answer arrives.
 * 3. If both made one (both called before either saw the other's), each side sees both, and
 *    both keep the one with the smaller SCTP stream id (the same number on both sides), and go on
 *    as in 1 and 2: the side whose channel lost sends READY on the winner. The side that received
 *    the losing channel closes it; its maker leaves it alone until the winner is up (a Node peer
 *    loses a close that arrives before its `datachannel` event, and keeps a native handle).
 *
 * The two READYs matter because neither side can otherwise know the far side is listening: the
 * maker learns the peer asked, so no message is sent into a channel nobody reads; the taker
 * learns the maker has not given up (a held channel may be one whose close is still on the way),
 * and if it has, makes its own instead. The taker sends READY again every
 * {@link READY_RESEND_MS} until the answer comes, and the maker's end answers each one: Chromium
 * drops the first messages the taker sends on a stream id that the maker reused right after a
 * close (measured: 2 in 8 reopenings), while the taker's own reset of that stream is under way.
 * Only the taker's direction is stale (the maker gets an id only once its side of the old stream
 * is closed), and the taker sends data only after its READY got through, so no data is lost.
 */
export class ChannelRegistry {
  // TypeScript-private, not #private: spec/browser/peerChannel.spec.ts checks both are empty after a close
  private readonly pending = new Map<string, Pending>();
  private readonly held = new Map<string, RTCDataChannel>();
  /** How to take this registry's listeners off each channel it listens to. */
  readonly #releases = new WeakMap<RTCDataChannel, () => void>();
  #isClosed = false;

  readonly #pc: RTCPeerConnection;
  readonly #peer: PeerId;
  readonly #defaultTimeoutMs: number;

  constructor(
    pc: RTCPeerConnection,
    peer: PeerId,
    defaultTimeoutMs: number,
  ) {
    this.#pc = pc;
    this.#peer = peer;
    this.#defaultTimeoutMs = defaultTimeoutMs;
  }

  /** What `ManagedConnection.channel()` returns. */
  open(label: string, options: PeerChannelOptions): Promise<PeerChannel> {
    if (this.#isClosed) return Promise.reject(new RtcPoolError('closed', `the connection to ${this.#peer} is closed`, { peer: this.#peer }));
    const existing = this.pending.get(label);
    if (existing) return existing.promise;
    const invalid = invalidOption(options);
    if (invalid) return Promise.reject(new RtcPoolError('bad-argument', `channel('${label}'): ${invalid}`, { peer: this.#peer }));
    let resolve!: (channel: PeerChannel) => void;
    let reject!: (error: RtcPoolError) => void;
    const promise = new Promise<PeerChannel>((res, rej) => ((resolve = res), (reject = rej)));
    const entry: Pending = { label, options, promise, resolve, reject, own: null, adopted: null, channel: null, timer: null, lost: null };
    this.pending.set(label, entry);
    const timeout = options.timeout ?? this.#defaultTimeoutMs;
    // setTimeout would fire an Infinity (or anything past 2^31 - 1 ms) at once
    if (timeout !== Infinity) {
      entry.timer = setTimeout(() => this.#fail(entry, new RtcPoolError('timeout', `the peer ${this.#peer} did not open channel '${label}' within ${timeout} ms`, { peer: this.#peer })), timeout);
    }
    const { signal } = options;
    if (signal) {
      const abort = (): void => this.#fail(entry, new RtcPoolError('aborted', `channel('${label}') to ${this.#peer} was given up`, { peer: this.#peer }));
      if (signal.aborted) {
        abort();
        return promise;
      }
      signal.addEventListener('abort', abort, { once: true });
      const forget = (): void => signal.removeEventListener('abort', abort);
      promise.then(forget, forget);
    }
    const held = this.held.get(label);
    if (held) {
      this.#unhold(held);
      this.#adopt(entry, held);
    } else {
      this.#createOwn(entry);
    }
    return promise;
  }

  /** Takes a channel from `datachannel` if it is one of ours; true when it was (hide it from the app). */
  take(channel: RTCDataChannel): boolean {
    if (channel.protocol !== CHUNK_PROTOCOL) return false;
    if (this.#isClosed) {
      channel.close();
      return true;
    }
    const entry = this.pending.get(channel.label);
    if (entry && !entry.channel) {
      this.#contest(entry, channel);
      return true;
    }
    const held = this.held.get(channel.label);
    if (held) {
      // two unclaimed for one label: keep the one both sides keep
      const [keep, drop] = (held.id ?? Infinity) <= (channel.id ?? Infinity) ? [held, channel] : [channel, held];
      drop.close();
      if (keep === channel) this.#unhold(held);
      else return true;
    } else if (this.held.size >= MAX_HELD_CHANNELS) {
      channel.close();
      return true;
    }
    this.#hold(channel);
    return true;
  }

  /** Closes everything: pending calls reject with `closed`, PeerChannels close (rejecting their sends). */
  close(): void {
    if (this.#isClosed) return;
    this.#isClosed = true;
    for (const entry of [...this.pending.values()]) {
      if (entry.channel) entry.channel.close();
      else this.#fail(entry, new RtcPoolError('closed', `channel '${entry.label}' to ${this.#peer} was closed with its connection`, { peer: this.#peer }));
    }
    for (const channel of [...this.held.values()]) {
      this.#unhold(channel);
      channel.close();
    }
  }

  #createOwn(entry: Pending): void {
    let own: RTCDataChannel;
    try {
      own = this.#pc.createDataChannel(entry.label, { protocol: CHUNK_PROTOCOL, ordered: true });
    } catch (error) {
      this.#fail(entry, new RtcPoolError('bad-argument', `cannot create channel '${entry.label}': ${String(error)}`, { cause: error, peer: this.#peer }));
      return;
    }
    own.binaryType = 'arraybuffer';
    entry.own = own;
    const onMessage = ({ data }: MessageEvent): void => {
      if (decodeFrame(data as string | ArrayBuffer).type !== 'ready' || entry.own !== own) return;
      try {
        own.send(readyFrame());
      } catch {
        return;
      }
      this.#establish(entry, own);
    };
    const onClose = (): void => {
      // the peer closed it (it lost a glare, or its own call ended): its channel may still come
      if (entry.own === own) entry.own = null;
    };
    own.addEventListener('message', onMessage);
    own.addEventListener('close', onClose);
    this.#releases.set(own, () => {
      own.removeEventListener('message', onMessage);
      own.removeEventListener('close', onClose);
    });
  }

  /** Both sides made a channel for one label: keep the smaller stream id, as the peer does. */
  #contest(entry: Pending, foreign: RTCDataChannel): void {
    const rival = entry.own ?? entry.adopted;
    if (!rival) {
      this.#adopt(entry, foreign);
      return;
    }
    if (rival.id === null) {
      // not yet numbered (the transport was not up when it was made): decide once it opens, or
      // once it closes unopened (the peer closed it: it lost there), else the peer's channel
      // would wait here for an open that never comes
      const decide = (): void => {
        rival.removeEventListener('open', decide);
        rival.removeEventListener('close', decide);
        if (entry.channel) return;
        if (!this.#isClosed && this.pending.get(entry.label) === entry) this.#contest(entry, foreign);
        else this.take(foreign);
      };
      rival.addEventListener('open', decide);
      rival.addEventListener('close', decide);
      return;
    }
    if ((foreign.id ?? Infinity) < rival.id) {
      this.#release(rival);
      if (entry.own === rival) {
        // the peer closes our losing channel when it sees it (as below): closed from here too, the
        // close can reach the peer before its own `datachannel` event, and a Node peer
        // (node-datachannel) then never sees the channel close and keeps a native handle for ever
        entry.own = null;
        entry.lost = rival;
      } else {
        entry.adopted = null;
        rival.close();
      }
      this.#adopt(entry, foreign);
    } else {
      foreign.close();
    }
  }

  /**
   * Answers the peer's channel with READY once it is open, and uses it when the peer's READY
   * comes back: a held channel may be stale (its maker gave up, and its close is on the way), and
   * only the echo proves the maker still waits on it.
   */
  #adopt(entry: Pending, channel: RTCDataChannel): void {
    entry.adopted = channel;
    channel.binaryType = 'arraybuffer';
    let resend: ReturnType<typeof setTimeout> | null = null;
    const ready = (): void => {
      if (entry.adopted !== channel || entry.channel) return;
      try {
        channel.send(readyFrame());
      } catch {
        closed();
        return;
      }
      resend = setTimeout(ready, READY_RESEND_MS);
    };
    const echoed = ({ data }: MessageEvent): void => {
      if (decodeFrame(data as string | ArrayBuffer).type !== 'ready' || entry.adopted !== channel || entry.channel) return;
      this.#establish(entry, channel);
    };
    const closed = (): void => {
      this.#release(channel);
      if (entry.adopted !== channel || entry.channel) return;
      // the peer gave it up (its call timed out): make ours, and wait for the peer to ask again
      entry.adopted = null;
      if (!this.#isClosed && this.pending.get(entry.label) === entry && !entry.own) this.#createOwn(entry);
    };
    channel.addEventListener('message', echoed);
    channel.addEventListener('close', closed);
    this.#releases.set(channel, () => {
      if (resend !== null) clearTimeout(resend);
      channel.removeEventListener('open', ready);
      channel.removeEventListener('message', echoed);
      channel.removeEventListener('close', closed);
    });
    if (channel.readyState === 'open') ready();
    else if (channel.readyState === 'connecting') channel.addEventListener('open', ready, { once: true });
    else closed();
  }

  #establish(entry: Pending, channel: RTCDataChannel): void {
    const made = entry.own;
    this.#release(channel);
    if (entry.own && entry.own !== channel) (this.#release(entry.own), entry.own.close());
    if (entry.adopted && entry.adopted !== channel) (this.#release(entry.adopted), entry.adopted.close());
    entry.own = null;
    entry.adopted = null;
    if (entry.timer !== null) clearTimeout(entry.timer);
    entry.timer = null;
    // a READY round trip later, the peer has long seen our losing channel (and closed it, usually)
    closeLost(entry);
    // the maker's end answers every READY: the taker sends it again until one answer arrives
    const answersReady = channel === made;
    entry.channel = new PeerChannel(channel, this.#peer, { ...this.#settings(entry.options), answersReady }, () => {
      if (this.pending.get(entry.label) === entry) this.pending.delete(entry.label);
    });
    entry.resolve(entry.channel);
  }

  /** The options, checked, with the chunk size cut to what the transport takes. */
  #settings(options: PeerChannelOptions): PeerChannelSettings {
    const limit = this.#pc.sctp?.maxMessageSize;
    const chunkBytes = Math.min(options.chunkBytes ?? DEFAULT_CHUNK_BYTES, limit && limit > 0 ? limit : Infinity);
    // the mark leaves room for two frames, so the low-water event always comes while frames wait
    const highWaterMark = Math.max(options.highWaterMark ?? DEFAULT_HIGH_WATER_MARK, 2 * chunkBytes);
    const maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    return { chunkBytes, highWaterMark, maxMessageBytes };
  }

  #fail(entry: Pending, error: RtcPoolError): void {
    if (entry.channel || this.pending.get(entry.label) !== entry) return;
    this.pending.delete(entry.label);
    if (entry.timer !== null) clearTimeout(entry.timer);
    for (const channel of [entry.own, entry.adopted]) {
      if (!channel) continue;
      this.#release(channel);
      channel.close();
    }
    entry.own = null;
    entry.adopted = null;
    closeLost(entry);
    entry.reject(error);
  }

  #hold(channel: RTCDataChannel): void {
    this.held.set(channel.label, channel);
    const onClose = (): void => {
      if (this.held.get(channel.label) === channel) this.#unhold(channel);
    };
    channel.addEventListener('close', onClose);
    this.#releases.set(channel, () => channel.removeEventListener('close', onClose));
  }

  #unhold(channel: RTCDataChannel): void {
    if (this.held.get(channel.label) === channel) this.held.delete(channel.label);
    this.#release(channel);
  }

  /** Removes the listeners this registry put on a channel. */
  #release(channel: RTCDataChannel): void {
    this.#releases.get(channel)?.();
    this.#releases.delete(channel);
  }
}

/** Closes the channel of ours that lost a glare, unless the peer already closed it. */
function closeLost(entry: Pending): void {
  const lost = entry.lost;
  entry.lost = null;
  if (lost && (lost.readyState === 'open' || lost.readyState === 'connecting')) lost.close();
}

/** The smallest chunk that leaves room for a START header and some payload. */
const MIN_CHUNK_BYTES = 64;

/** Why options cannot be used, or null. */
function invalidOption(options: PeerChannelOptions): string | null {
  const positive = (value: unknown): boolean => typeof value === 'number' && Number.isFinite(value) && value > 0;
  const { timeout } = options;
  if (timeout !== undefined && !(timeout === Infinity || (positive(timeout) && timeout < 2 ** 31) || timeout === 0)) {
    return 'timeout is a number of milliseconds below 2^31, or Infinity';
  }
  if (options.chunkBytes !== undefined && !(positive(options.chunkBytes) && options.chunkBytes >= MIN_CHUNK_BYTES)) {
    return `chunkBytes is a number of bytes, at least ${MIN_CHUNK_BYTES}`;
  }
  if (options.highWaterMark !== undefined && !positive(options.highWaterMark)) return 'highWaterMark is a number of bytes';
  if (options.signal !== undefined && !(options.signal instanceof AbortSignal)) return 'signal is an AbortSignal';
  if (options.maxMessageBytes !== undefined && !(positive(options.maxMessageBytes) || options.maxMessageBytes === 0)) {
    return 'maxMessageBytes is a number of bytes';
  }
  return null;
}
