import type { Observable, Subscription } from 'rxjs';
import { isPeerChannelData, type PeerChannelData } from '../channel/messageSource';
import type { PeerChannel } from '../channel/peerChannel';
import type { ManagedConnection } from '../connection';
import { RtcPoolError } from '../errors';
import type { PeerId } from '../signalling/messages';
import type { PoolChannelSinks } from './poolChannel';
import { DEFAULT_MAX_QUEUED_BYTES, type PoolChannelOptions } from './poolChannelOptions';

/**
 * The working part of a {@link PoolChannel}, loaded on first use: one {@link PeerLink} per
 * connection of the pool, and the sends that fan out over them.
 */
export class PoolChannelCore {
  readonly #links = new Map<ManagedConnection, PeerLink>();
  readonly #subscription: Subscription;
  #published: readonly PeerId[] = [];

  readonly #label: string;
  readonly #options: PoolChannelOptions;
  readonly #sinks: PoolChannelSinks;

  constructor(
    label: string,
    options: PoolChannelOptions,
    connections$: Observable<readonly ManagedConnection[]>,
    sinks: PoolChannelSinks,
  ) {
    this.#label = label;
    this.#options = options;
    this.#sinks = sinks;
    this.#subscription = connections$.subscribe((connections) => this.#follow(connections));
  }

  /** What `PoolChannel.send()` does once the code is loaded. */
  send(data: PeerChannelData, to: readonly PeerId[] | undefined): Promise<void> {
    if (!isPeerChannelData(data)) return Promise.reject(new RtcPoolError('bad-argument', `pool channel '${this.#label}' sends strings, binary data and Blobs`));
    if (to !== undefined && !(Array.isArray(to) && to.every((id) => typeof id === 'string'))) {
      return Promise.reject(new RtcPoolError('bad-argument', `send(…, { to }): to is an array of peer ids`));
    }
    const open = [...this.#links.values()].filter((link) => link.channel);
    const targets = to === undefined ? open : open.filter((link) => to.includes(link.peer));
    const missing = (to ?? []).filter((id) => !targets.some((link) => link.peer === id));
    if (missing.length > 0) {
      return Promise.reject(new RtcPoolError('unknown-peer', `pool channel '${this.#label}': ${missing.join(', ')} not on it; nothing was sent`, { peer: missing[0]! }));
    }
    // the promise may resolve while slower peers still read the data: they read a copy
    const message = targets.length > 1 ? copyOf(data) : data;
    const bytes = typeof message === 'string' ? message.length : message instanceof Blob ? message.size : message.byteLength;
    const sends = targets.map((link) => link.send(message, bytes));
    if (sends.length === 0) return Promise.resolve();
    // the fastest peer paces the sender; the rest wait in their own queues
    return Promise.any(sends).catch((failure: AggregateError) => {
      throw failure.errors.find((error: RtcPoolError) => error.code === 'overflow') ?? failure.errors[0];
    });
  }

  /** Leaves every peer: closes each channel and gives up each wait. */
  close(): void {
    this.#subscription.unsubscribe();
    for (const link of this.#links.values()) link.close();
    this.#links.clear();
  }

  #follow(connections: readonly ManagedConnection[]): void {
    const current = new Set(connections);
    for (const [connection, link] of this.#links) {
      if (current.has(connection)) continue;
      link.close();
      this.#links.delete(connection);
    }
    for (const connection of connections) {
      if (!this.#links.has(connection)) this.#links.set(connection, new PeerLink(connection, this.#label, this.#options, this.#sinks, () => this.#publish()));
    }
    this.#publish();
  }

  /** Emits the peers reachable now, when they changed. */
  #publish(): void {
    const ids = [...this.#links.values()].filter((link) => link.channel).map((link) => link.peer);
    if (ids.length === this.#published.length && ids.every((id, i) => id === this.#published[i])) return;
    this.#published = ids;
    this.#sinks.peers.next(ids);
  }
}

/** A copy of binary data that the caller may change once its send resolves; strings and Blobs cannot change. */
function copyOf(data: PeerChannelData): PeerChannelData {
  if (typeof data === 'string' || data instanceof Blob) return data;
  if (data instanceof ArrayBuffer) return data.slice(0);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
}

/**
 * One peer of a pool channel: its `channel(label)` (asked again whenever it closes while the
 * connection lives, with no time limit: the peer may make its pool channel at any time), and
 * what waits for it.
 */
class PeerLink {
  /** The open channel, or null while waiting for the peer. */
  channel: PeerChannel | null = null;
  /** Bytes given to `channel.send()` and not yet handed to the transport. */
  #pendingBytes = 0;
  readonly #waiting = new AbortController();
  #streams: Subscription | null = null;
  #isClosed = false;

  readonly #connection: ManagedConnection;
  readonly #label: string;
  readonly #options: PoolChannelOptions;
  readonly #sinks: PoolChannelSinks;
  readonly #changed: () => void;

  constructor(
    connection: ManagedConnection,
    label: string,
    options: PoolChannelOptions,
    sinks: PoolChannelSinks,
    changed: () => void,
  ) {
    this.#connection = connection;
    this.#label = label;
    this.#options = options;
    this.#sinks = sinks;
    this.#changed = changed;
    this.#open();
  }

  get peer(): PeerId {
    return this.#connection.id;
  }

  send(data: PeerChannelData, bytes: number): Promise<void> {
    const channel = this.channel!;
    const limit = this.#options.maxQueuedBytes ?? DEFAULT_MAX_QUEUED_BYTES;
    // one message of any size may be in flight; what waits behind it is bounded
    if (this.#pendingBytes > 0 && this.#pendingBytes + bytes > limit) {
      const error = new RtcPoolError(
        'overflow',
        `pool channel '${this.#label}': ${this.peer} fell more than ${limit} bytes behind; its channel was closed`,
        { peer: this.peer },
      );
      this.#sinks.errors.next(error);
      // it joins afresh: closing makes both sides ask for the label again
      channel.close();
      return Promise.reject(error);
    }
    this.#pendingBytes += bytes;
    const settled = (): void => {
      if (this.channel === channel) this.#pendingBytes -= bytes;
    };
    const sent = channel.send(data);
    sent.then(settled, settled);
    return sent;
  }

  close(): void {
    this.#isClosed = true;
    this.#waiting.abort();
    this.#streams?.unsubscribe();
    this.channel?.close();
    this.channel = null;
  }

  #open(): void {
    const { maxQueuedBytes: _, ...channelOptions } = this.#options;
    this.#connection.channel(this.#label, { ...channelOptions, timeout: Infinity, signal: this.#waiting.signal }).then(
      (channel) => this.#attach(channel),
      (error: RtcPoolError) => {
        // closed or aborted: the connection or this link is gone, and the pool's list says so
        if (this.#isClosed || error.code === 'closed' || error.code === 'aborted') return;
        this.#sinks.errors.next(error);
      },
    );
  }

  #attach(channel: PeerChannel): void {
    if (this.#isClosed) return channel.close();
    this.channel = channel;
    this.#pendingBytes = 0;
    const from = this.peer;
    this.#streams = channel.messages$.subscribe({
      next: (data) => this.#sinks.messages.next({ from, data }),
      complete: () => this.#lost(channel),
    });
    this.#streams.add(channel.errors$.subscribe((error) => this.#sinks.errors.next(error)));
    this.#changed();
  }

  /** The channel closed (the peer closed its pool channel, or fell behind): wait for it again. */
  #lost(channel: PeerChannel): void {
    if (this.channel !== channel) return;
    this.channel = null;
    this.#streams?.unsubscribe();
    this.#streams = null;
    this.#changed();
    if (!this.#isClosed && this.#connection.state !== 'closed') this.#open();
  }
}
