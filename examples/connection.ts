import type { ManagedConnection } from 'rtcpool';

export async function useConnection(connection: ManagedConnection, stream: MediaStream, video: HTMLVideoElement) {
  const channel = await connection.dataChannel('chat'); // resolves once open
  const raw = connection.dataChannel('files', { ordered: false }, true); // the RTCDataChannel at once
  const sender = connection.addTrack(stream.getVideoTracks()[0]!, stream);
  connection.removeTrack(sender);
  connection.addEventListener('track', (event) => (video.srcObject = (event as RTCTrackEvent).streams[0]!));
  return { channel, raw };
}
