/**
 * The largest frame a {@link PeerChannel} sends, header included, unless the SCTP transport
 * allows less (`RTCSctpTransport.maxMessageSize`: 256 KiB in Chromium, more in Firefox). Measured
 * in Chromium on loopback (`bench/channel.ts`, rows C1·d): 64 KiB frames carry a big message
 * faster than 16 KiB ones and no slower than 256 KiB ones, and every engine takes them.
 */
export const DEFAULT_CHUNK_BYTES = 65_536; // 64 KiB, a literal so that bundlers drop it when unused

/**
 * The most a {@link PeerChannel} lets the transport buffer (`bufferedAmount`). Chromium closes a
 * data channel whose buffer passes 16 MiB; 4 MiB keeps a loopback link busy with room to spare.
 */
export const DEFAULT_HIGH_WATER_MARK = 4_194_304; // 4 MiB

/** The largest message a {@link PeerChannel} accepts by default, in bytes (it holds a whole message to deliver it). */
export const DEFAULT_MAX_MESSAGE_BYTES = 268_435_456; // 256 MiB

/**
 * How much of a Blob a sender reads at once. The sender holds at most two such slices (the one
 * it sends and the next, read ahead), so sending a Blob of any size costs about 2 × this.
 */
export const BLOB_READ_BYTES = 1_048_576; // 1 MiB, a literal so that bundlers drop it when unused

/**
 * Options of `ManagedConnection.channel()`. They are this side's own: the two ends of a channel
 * may use different ones.
 *
 * @example
 * ```ts
 * const files = await conn.channel('files', { maxMessageBytes: 512 * 1024 * 1024, timeout: 60_000 });
 * ```
 */
export interface PeerChannelOptions {
  /**
   * Milliseconds to wait for the peer to call `channel()` with the same label: `Infinity` waits
   * as long as the connection lives. Default: as `dataChannel()`.
   */
  readonly timeout?: number;
  /** Gives the wait up: the promise rejects with `aborted`, and the channel made for it is closed. */
  readonly signal?: AbortSignal;
  /** The most the transport may buffer, in bytes. Default {@link DEFAULT_HIGH_WATER_MARK}; raised to twice the chunk size if less. */
  readonly highWaterMark?: number;
  /** The largest frame to send, in bytes (at most the transport's `maxMessageSize`). Default {@link DEFAULT_CHUNK_BYTES}. */
  readonly chunkBytes?: number;
  /** The receive limit: a larger message is refused (`too-large` on `errors$`). Default {@link DEFAULT_MAX_MESSAGE_BYTES}. */
  readonly maxMessageBytes?: number;
}

/**
 * Options of one `PeerChannel.send()`.
 *
 * @example
 * ```ts
 * const cancel = new AbortController();
 * cancelButton.onclick = () => cancel.abort();
 * await files.send(file, { signal: cancel.signal, onProgress: ({ bytes, total }) => (bar.value = bytes / total) });
 * ```
 */
export interface SendOptions {
  /** Cancels the send: its promise rejects with `aborted`, and the peer drops what it got of the message. */
  readonly signal?: AbortSignal;
  /** Called as the message is handed to the transport, with the bytes so far and the total. */
  readonly onProgress?: (progress: { readonly bytes: number; readonly total: number }) => void;
}

/**
 * Progress of one message through a {@link PeerChannel}, for a progress bar: `bytes` of `total`
 * sent (handed to the transport) or received so far.
 *
 * @example
 * ```ts
 * files.progress$.pipe(filter((p) => p.direction === 'receive')).subscribe(({ bytes, total }) => (bar.value = bytes / total));
 * ```
 */
export interface ChannelProgress {
  /** Whether the message is going out or coming in. */
  readonly direction: 'send' | 'receive';
  /** Bytes of the message so far. */
  readonly bytes: number;
  /** The message's length in bytes. */
  readonly total: number;
}
