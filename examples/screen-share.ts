import { media, type ManagedConnection, type Pool } from 'rtcpool';

// Each peer receives its own MediaStream, with an id of its own: the sharer names it in a label.
const SCREEN = 'screen ';

// A second ManagedStream next to the camera's. The browser's "Stop sharing" ends the track, and a
// ManagedStream whose every track has ended closes by itself: listen for its `close` event.
export async function shareScreen(pool: Pool, capture = () => navigator.mediaDevices.getDisplayMedia({ video: true })) {
  const screen = new media.ManagedStream(await capture(), pool);
  const labels = new Set<RTCDataChannel>();
  const tell = (connection: ManagedConnection) => {
    const id = screen.getStream(connection.id)?.id;
    if (!id) return;
    connection.dataChannel(SCREEN + id).then((label) => {
      if (screen.closed) return label.close();
      labels.add(label);
      label.addEventListener('close', () => labels.delete(label)); // the peer left
    }, () => undefined); // the peer left first
  };
  pool.connections.forEach(tell);
  const joining = pool.peerJoined$.subscribe(tell); // after the ManagedStream's: the stream exists
  screen.addEventListener('close', () => {
    joining.unsubscribe();
    labels.forEach((label) => label.close()); // tells every peer the share ended
  });
  return screen;
}

// The receiving side: `show(peer, stream)` for each screen shared with this pool, `show(peer, null)`
// when it ends. Any other remote stream (a camera) is not a screen. Returns a function to stop.
export function watchScreens(pool: Pool, show: (peer: string, screen: MediaStream | null) => void) {
  const streams = new Map<string, { peer: string; stream: MediaStream }>(); // by remote stream id
  const screens = new Map<string, { peer: string; shown: boolean }>(); // by the id a label named
  const found = (id: string) => {
    const screen = screens.get(id);
    const stream = streams.get(id)?.stream;
    if (!screen || !stream || screen.shown) return;
    screen.shown = true;
    show(screen.peer, stream);
  };
  const ended = (id: string) => {
    const screen = screens.get(id);
    screens.delete(id);
    streams.delete(id);
    if (screen?.shown) show(screen.peer, null);
  };
  const tracks = pool.tracks$.subscribe(({ connection, event }) => {
    for (const stream of event.streams) {
      streams.set(stream.id, { peer: connection.id, stream });
      found(stream.id);
    }
  });
  const labels = pool.dataChannels$.subscribe(({ connection, event: { channel } }) => {
    if (!channel.label.startsWith(SCREEN)) return;
    const id = channel.label.slice(SCREEN.length);
    screens.set(id, { peer: connection.id, shown: false });
    found(id);
    channel.addEventListener('close', () => ended(id)); // the sharer stopped
  });
  const left = pool.peerLeft$.subscribe((connection) => {
    for (const [id, { peer }] of [...streams, ...screens]) if (peer === connection.id) ended(id);
  });
  return () => [tracks, labels, left].forEach((subscription) => subscription.unsubscribe());
}
