// The raw baseline of M1, M2, M3 and M3·s: a data channel paced by hand the way an app that reads
// MDN would, with PeerChannel's default high-water mark, so both sides of a ratio queue as much.
import { DEFAULT_HIGH_WATER_MARK } from 'rtcpool';

/**
 * Sends `data` `count` times on `channel`: at once while the bytes queued stay under
 * {@link DEFAULT_HIGH_WATER_MARK}, else after `bufferedamountlow` (at half of it). Resolves when
 * the last message is handed to the channel. A string is counted by its length (the benches send
 * ASCII, one byte per character).
 */
export async function sendPacedByHand(channel: RTCDataChannel, data: string | Uint8Array<ArrayBuffer>, count: number): Promise<void> {
  const size = typeof data === 'string' ? data.length : data.byteLength;
  channel.bufferedAmountLowThreshold = DEFAULT_HIGH_WATER_MARK / 2;
  for (let sent = 0; sent < count; sent += 1) {
    if (channel.bufferedAmount + size > DEFAULT_HIGH_WATER_MARK) {
      await new Promise((resolve) => channel.addEventListener('bufferedamountlow', resolve, { once: true }));
    }
    channel.send(data as string);
  }
}
