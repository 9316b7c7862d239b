import type { PeerChannelOptions } from '../channel/peerChannelOptions';
import type { PeerId } from '../signalling/messages';

/**
 * What a {@link PoolChannel} holds for one peer by default, in bytes, beyond the message its
 * transport is taking: four times a PeerChannel's high-water mark, so a peer that is briefly
 * slower than the others (a busy tab, a burst of loss) catches up without being dropped.
 */
export const DEFAULT_MAX_QUEUED_BYTES = 16_777_216; // 16 MiB, a literal so that bundlers drop it when unused

/**
 * Options of `pool.channel()`: those of each peer's `channel()` (its receive limit, high-water
 * mark and chunk size), and how much may wait for one slow peer.
 *
 * @example
 * ```ts
 * const state = pool.channel('state', { maxQueuedBytes: 1024 * 1024, maxMessageBytes: 64 * 1024 });
 * ```
 */
export interface PoolChannelOptions extends Omit<PeerChannelOptions, 'timeout' | 'signal'> {
  /**
   * The most bytes that may wait for one peer, not yet handed to its transport (a string counts
   * its length), beyond the one message it is taking. A send that would pass it is not queued
   * for that peer: its channel is closed, `overflow` is reported on `errors$`, and the peer
   * joins the channel afresh. Default {@link DEFAULT_MAX_QUEUED_BYTES}.
   */
  readonly maxQueuedBytes?: number;
}

/**
 * Options of one `PoolChannel.send()`.
 *
 * @example
 * ```ts
 * await chat.send('psst', { to: [alice.id] });
 * ```
 */
export interface PoolSendOptions {
  /** The peers to send to (each must be on the channel). Default: every peer on the channel. */
  readonly to?: readonly PeerId[];
}

/**
 * One message of a {@link PoolChannel}, with its sender.
 *
 * @example
 * ```ts
 * chat.messages$.subscribe(({ from, data }) => log(`${from}: ${String(data)}`));
 * ```
 */
export interface PoolMessage {
  /** The id of the peer that sent it. */
  readonly from: PeerId;
  /** The message, whole: a string or an ArrayBuffer, as sent. */
  readonly data: string | ArrayBuffer;
}
