import type { ManagedStream } from 'rtcpool';

// Another camera for every peer, now and later, with no renegotiation; a muted camera stays muted.
export async function switchCamera(shared: ManagedStream, deviceId: string) {
  const camera = await navigator.mediaDevices.getUserMedia({ video: { deviceId: { exact: deviceId } } });
  const [current] = shared.tracks.filter((track) => track.kind === 'video');
  await shared.replaceTrack(current!, camera.getVideoTracks()[0]!);
  current!.stop(); // the old camera is the app's to stop: replaceTrack leaves it running
}
