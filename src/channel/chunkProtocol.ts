// What a connection must know of `channel()` before its code is loaded: enough to tell a peer's
// PeerChannel from a raw data channel, and how many of them to hold meanwhile. The rest of the
// channel code is imported on first use (see `ManagedConnection.channel()`).

/**
 * The `protocol` of every channel `channel()` makes: what tells it from a raw data channel.
 *
 * @example
 * ```ts
 * // a peer that is not rtcpool recognises a PeerChannel by it
 * pc.ondatachannel = ({ channel }) => channel.protocol === CHUNK_PROTOCOL && speakChunks(channel);
 * ```
 */
export const CHUNK_PROTOCOL = 'rtcpool-chunks/1';

/**
 * The most channels a peer may open towards `channel()` labels this side has not asked for yet.
 * Each is held (idle, no data: its creator waits for READY) until the app asks or it closes;
 * past this many, new ones are closed at once, so a peer cannot make this side hold without end.
 */
export const MAX_HELD_CHANNELS = 64;

/**
 * How often the side that took a peer's channel sends READY again until the maker answers.
 * Chromium may drop the first messages on a stream id it reuses right after a close (the old
 * stream's reset still under way), so one READY is not always enough.
 */
export const READY_RESEND_MS = 250;
