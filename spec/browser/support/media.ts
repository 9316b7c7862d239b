import { filter, firstValueFrom, map, take, timeout, toArray } from 'rxjs';
import type { Pool } from '../../../src';
import { canvasTrack, MESH_TIMEOUT_MS } from './pools';

/** The engine's fake camera and microphone (Chromium's fake-device flags, Firefox's fake-streams prefs). */
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

/** Tracks that can be ended for real, and the means to end them; `close` in teardown. */
export interface EndableTracks {
  readonly tracks: MediaStreamTrack[];
  /** Ends a track as a source ends (a real `ended` event, in every engine). */
  end(track: MediaStreamTrack): Promise<void>;
  close(): void;
}

/**
 * Remote tracks of a loopback pair of RTCPeerConnections in this page: stopping the sending
 * transceiver ends the receiving track with a real `ended` event. A synthetic
 * `dispatchEvent(new Event('ended'))` reaches listeners in Chromium but not in Firefox, and
 * `stop()` fires no event anywhere, so this is the one way both engines end a track for a spec.
 * The remote tracks carry `sources` (a real capture, say), then canvas tracks up to `count`.
 */
export async function endableTracks(count: number, sources: readonly MediaStreamTrack[] = []): Promise<EndableTracks> {
  const sender = new RTCPeerConnection({ iceServers: [] });
  const receiver = new RTCPeerConnection({ iceServers: [] });
  sender.onicecandidate = ({ candidate }) => void receiver.addIceCandidate(candidate ?? undefined).catch(() => undefined);
  receiver.onicecandidate = ({ candidate }) => void sender.addIceCandidate(candidate ?? undefined).catch(() => undefined);
  const negotiate = async (): Promise<void> => {
    await sender.setLocalDescription();
    await receiver.setRemoteDescription(sender.localDescription!);
    await receiver.setLocalDescription();
    await sender.setRemoteDescription(receiver.localDescription!);
  };
  const sending = Array.from({ length: count }, (_, i) => sender.addTransceiver(sources[i] ?? canvasTrack(), { direction: 'sendonly' }));
  await negotiate();
  const tracks = sending.map((transceiver) => receiver.getTransceivers().find((t) => t.mid === transceiver.mid)!.receiver.track);
  return {
    tracks,
    async end(track) {
      const ended = new Promise((resolve) => track.addEventListener('ended', resolve, { once: true }));
      sending[tracks.indexOf(track)]!.stop();
      await negotiate();
      await ended;
    },
    close() {
      for (const transceiver of sending) transceiver.sender.track?.stop();
      sender.close();
      receiver.close();
    },
  };
}
