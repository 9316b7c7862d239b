import { media, type MuteState, type Pool } from 'rtcpool';

export async function shareCamera(pool: Pool, peerId: string, render: (state: MuteState) => void) {
  const camera = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
  const shared = new media.ManagedStream(camera, pool);
  shared.mute('audio'); // 'audio', 'video', or nothing for every track
  shared.muted('audio'); // true: it tells the truth (3.x answered the opposite)
  shared.unmute();
  const stream = shared.getStream(peerId); // the MediaStream that peer receives (its id is the remote stream's id)
  shared.getConnection(stream!.id);
  shared.hasStream(stream!.id);
  shared.muted$.subscribe(render);
  return shared; // shared.close() stops the tracks and removes them from every peer
}
