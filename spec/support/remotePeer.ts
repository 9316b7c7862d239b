// The remote peer of the cross-engine specs: a page that the karma framework opens in the OTHER
// engine (a headless Firefox ESR when the specs run in Chromium, a headless Chromium when they
// run in Firefox), served and bundled by spec/support/karmaSignallingFramework.cjs. It joins the
// pool named in its URL through the same signalling server, with the same library, and then does
// what the spec asks over a data channel labelled 'ctl' that the spec opens to it:
//   { op: 'hello' }               -> { op: 'hello', engine }
//   { op: 'echo' }                -> echoes every message on any other channel the spec opens
//   { op: 'camera', stream }      -> waits for the spec's stream `stream` to arrive, then sends
//                                    its fake camera's tracks; { op: 'camera', tracks, received }
//   { op: 'colour', stream, colour } -> waits for the spec's stream `stream`, plays its video track
//                                    until it shows `colour` (support/colours.ts), and answers
//                                    { op: 'colour', shown, stream, track } (the remote ids it has)
//   { op: 'peerChannel', label }  -> opens its end of `connection.channel(label)` (64 MiB receive
//                                    limit), echoes every message on it, and answers once open;
//                                    the channel's errors$ go to `errors` as `code: message`
//   { op: 'round', round, stream? } -> at once: opens channel `remote-<round>` (and, with `stream`,
//                                    sends a track); then waits for the spec's `local-<round>`
//                                    channel (and its track of stream `stream`),
//                                    and answers { op: 'round', round, stable, channels, track, errors }
// Everything it sees go wrong (pool errors, exceptions) goes back in `errors`.
import { filter, firstValueFrom, take, timeout } from 'rxjs';
import { Pool, signalling, type ManagedConnection } from '../../src';
import { ColourWatch, type Colour } from '../browser/support/colours';
import { canvasTrack, describeChannelEnd, describePeers, MESH_TIMEOUT_MS, peerConnectionMark, peerConnectionsSince } from '../browser/support/pools';

const query = new URLSearchParams(location.search);
const engine = navigator.userAgent.includes('Firefox') ? 'firefox' : 'chromium';
const errors: string[] = [];
const tracks: MediaStreamTrack[] = [];
const mark = peerConnectionMark();
const pool = new Pool({ iceServers: [] }, new signalling.websocket(query.get('url')!));
pool.errors$.subscribe((error) => errors.push(`${error.code}: ${error.message}`));
window.addEventListener('error', (event) => errors.push(String(event.error ?? event.message)));
window.addEventListener('unhandledrejection', (event) => errors.push(String(event.reason)));

/** Resolves once every peer connection of this page is back in stable. */
async function stable(): Promise<boolean> {
  const deadline = Date.now() + MESH_TIMEOUT_MS;
  for (;;) {
    const pcs = peerConnectionsSince(mark).filter((pc) => pc.signalingState !== 'closed');
    if (pcs.every((pc) => pc.signalingState === 'stable')) return true;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const opened = (channel: RTCDataChannel): Promise<RTCDataChannel> =>
  channel.readyState === 'open' ? Promise.resolve(channel) : new Promise((resolve) => channel.addEventListener('open', () => resolve(channel), { once: true }));

/** One peer's side: its control channel, and what it has received from the spec. */
function serve(connection: ManagedConnection): void {
  const incoming = new Map<string, Promise<RTCDataChannel>>();
  const arrived = new Map<string, (channel: RTCDataChannel) => void>();
  const remoteStreams = new Map<string, () => void>();
  const seenStreams = new Set<string>();
  const streamsById = new Map<string, MediaStream>();
  let echo = false;
  /**
   * How each of the spec's channels closed or failed here, if it did: for the failure message of a
   * round (a channel once seen closed here, with nothing else wrong, could not be explained).
   */
  const closings = new Map<string, string>();
  const watchClosing = (channel: RTCDataChannel): void => {
    const arrivedAt = performance.now();
    const states = (): string => peerConnectionsSince(mark).map((pc) => pc.signalingState).join('/');
    for (const type of ['close', 'error'] as const) {
      channel.addEventListener(type, (event) => {
        closings.set(channel.label, `${channel.label}#${channel.id} ${describeChannelEnd(event)} ${(performance.now() - arrivedAt).toFixed(0)} ms after it arrived, in ${states()}`);
      });
    }
  };
  const streamArrived = (id: string): Promise<void> =>
    seenStreams.has(id) ? Promise.resolve() : new Promise<void>((resolve) => remoteStreams.set(id, resolve));
  const waitChannel = (label: string): Promise<RTCDataChannel> => {
    if (!incoming.has(label)) incoming.set(label, new Promise((resolve) => arrived.set(label, resolve)));
    return incoming.get(label)!;
  };
  connection.addEventListener('track', ((event: RTCTrackEvent) => {
    const id = event.streams[0]?.id ?? '';
    if (event.streams[0]) streamsById.set(id, event.streams[0]);
    seenStreams.add(id);
    remoteStreams.get(id)?.();
  }) as EventListener);
  connection.addEventListener('datachannel', (({ channel }: RTCDataChannelEvent) => {
    if (channel.label === 'ctl') {
      channel.onmessage = ({ data }) => void command(channel, JSON.parse(data as string)).catch((error) => errors.push(String(error)));
      return;
    }
    if (echo) channel.onmessage = ({ data }) => channel.send(`${engine} echo ${data}`);
    watchClosing(channel);
    if (!incoming.has(channel.label)) incoming.set(channel.label, opened(channel));
    else void opened(channel).then((open) => arrived.get(channel.label)?.(open));
  }) as EventListener);

  const command = async (ctl: RTCDataChannel, message: { op: string; round?: number; stream?: string; label?: string; colour?: Colour }): Promise<void> => {
    const reply = (body: object): void => ctl.send(JSON.stringify(body));
    switch (message.op) {
      case 'hello':
        return reply({ op: 'hello', engine });
      case 'echo':
        echo = true;
        return reply({ op: 'echo' });
      case 'camera': {
        // the spec's stream first, then ours: one offer at a time (glare is the storm's business)
        const received = await Promise.race([
          streamArrived(message.stream!).then(() => true),
          new Promise<boolean>((resolve) => setTimeout(() => resolve(false), MESH_TIMEOUT_MS)),
        ]);
        await stable();
        const camera = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 160, height: 120 } });
        tracks.push(...camera.getTracks());
        for (const track of camera.getTracks()) connection.addTrack(track, camera);
        return reply({ op: 'camera', tracks: camera.getTracks().length, stream: camera.id, received });
      }
      case 'round': {
        const round = message.round!;
        const withTrack = message.stream !== undefined;
        // the same instant as the spec's side: both offers are on their way before either lands
        const track = canvasTrack();
        tracks.push(track);
        const stream = new MediaStream([track]);
        if (withTrack) connection.addTrack(track, stream);
        const mine = connection.dataChannel(`remote-${round}`, { timeout: MESH_TIMEOUT_MS });
        const theirs = waitChannel(`local-${round}`);
        const theirTrack = withTrack ? streamArrived(message.stream!) : Promise.resolve();
        const deadline = Date.now() + MESH_TIMEOUT_MS;
        const within = <T>(promise: Promise<T>, what: string): Promise<T> =>
          Promise.race([promise, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`round ${round}: no ${what} (${describePeers(mark)})`)), deadline - Date.now()))]);
        let channels: string[] = [];
        let gotTrack = false;
        try {
          channels = (await within(Promise.all([mine, theirs]), 'channels')).map((channel) => channel.readyState);
          await within(theirTrack, 'track');
          gotTrack = true;
        } catch (error) {
          errors.push(String(error));
        }
        const settled = await stable();
        return reply({ op: 'round', round, stable: settled, channels, track: gotTrack, stream: stream.id, errors: errors.splice(0), state: [describePeers(mark), closings.get(`local-${round}`)].filter(Boolean).join('; ') });
      }
      case 'colour': {
        await streamArrived(message.stream!);
        const stream = streamsById.get(message.stream!)!;
        const [track] = stream.getVideoTracks();
        const watch = new ColourWatch(track!);
        const shown = await watch.until(message.colour!).then(() => true, (error: unknown) => (errors.push(String(error)), false));
        watch.close();
        return reply({ op: 'colour', shown, stream: stream.id, track: track!.id });
      }
      case 'peerChannel': {
        const channel = await connection.channel(message.label!, { maxMessageBytes: 64 * 1024 * 1024 });
        channel.errors$.subscribe((error) => errors.push(`${error.code}: ${error.message}`));
        channel.messages$.subscribe((data) => void channel.send(data).catch((error: unknown) => errors.push(String(error))));
        return reply({ op: 'peerChannel', label: message.label });
      }
      case 'errors':
        return reply({ op: 'errors', errors: errors.splice(0) });
    }
  };
}

pool.peerJoined$.subscribe(serve);
void pool
  .join(query.get('pool')!)
  .then(() => firstValueFrom(pool.connections$.pipe(filter((list) => list.length > 0), take(1), timeout(60_000))))
  .catch((error) => errors.push(String(error)));
window.addEventListener('pagehide', () => {
  for (const track of tracks) track.stop();
  pool.close();
});
