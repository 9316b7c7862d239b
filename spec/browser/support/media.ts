import { filter, firstValueFrom, map, take, timeout, toArray } from 'rxjs';
import type { Pool } from '../../../src';
import { MESH_TIMEOUT_MS } from './pools';

/** Chromium's fake camera and microphone (the karma launcher passes the fake-device flags). */
export function fakeCamera(): Promise<MediaStream> {
  return navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 160, height: 120 } });
}

/** The receivers of the next `count` remote tracks `pool` gets from `sender`, with their streams. */
export function receiversFrom(pool: Pool, sender: Pool, count: number): Promise<Array<{ receiver: RTCRtpReceiver; stream: MediaStream }>> {
  return firstValueFrom(
    pool.tracks$.pipe(
      filter(({ connection }) => connection.id === sender.id),
      map(({ event }) => ({ receiver: event.receiver, stream: event.streams[0]! })),
      take(count),
      toArray(),
      timeout(MESH_TIMEOUT_MS),
    ),
  );
}

/** Bytes a receiver has received so far (its inbound-rtp stats). */
export async function bytesReceived(receiver: RTCRtpReceiver): Promise<number> {
  let bytes = 0;
  (await receiver.getStats()).forEach((report: { type: string; bytesReceived?: number }) => {
    if (report.type === 'inbound-rtp') bytes += report.bytesReceived ?? 0;
  });
  return bytes;
}

/** How long a check watches a byte counter. */
const WINDOW_MS = 600;
/** How long media takes to stop or resume after a change (a frame or two in flight, jitter buffers). */
const SETTLE_MS = 500;
const wait = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves once the receiver's bytes grow over a window; fails if they never do. */
export async function flowing(receiver: RTCRtpReceiver): Promise<void> {
  const deadline = Date.now() + MESH_TIMEOUT_MS;
  for (;;) {
    const before = await bytesReceived(receiver);
    await wait(WINDOW_MS);
    if ((await bytesReceived(receiver)) > before) return;
    if (Date.now() > deadline) throw new Error(`no ${receiver.track.kind} bytes arrive`);
  }
}

/** Resolves once the receiver's bytes stay still over a window, after things have settled. */
export async function stopped(receiver: RTCRtpReceiver): Promise<void> {
  const deadline = Date.now() + MESH_TIMEOUT_MS;
  await wait(SETTLE_MS);
  for (;;) {
    const before = await bytesReceived(receiver);
    await wait(WINDOW_MS);
    if ((await bytesReceived(receiver)) === before) return;
    if (Date.now() > deadline) throw new Error(`${receiver.track.kind} bytes keep arriving`);
  }
}
