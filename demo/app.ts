// The demo room: uses the built library exactly as an app would.
import { media, Pool, signalling, type ManagedConnection, type ManagedStream } from 'rtcpool';
import { filter, fromEvent, map, merge, mergeMap } from 'rxjs';

const params = new URLSearchParams(location.search);
const room = params.get('room') || 'lobby';
const name = params.get('name') || `guest-${Math.floor(Math.random() * 1000)}`;
const $ = <T extends HTMLElement>(selector: string): T => document.querySelector<T>(selector)!;

// the server trusts the name it is given here and hands it to the others as our description
const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/signal?name=${encodeURIComponent(name)}`;
// no STUN server: the demo connects tabs on this machine (or a LAN)
const pool = new Pool({ iceServers: [] }, new signalling.websocket(url));

$('#room').textContent = room;
$('#me').textContent = name;
const nameOf = (connection: ManagedConnection): string => String(connection.description?.['name'] ?? connection.id.slice(0, 8));

function say(text: string, kind: 'me' | 'peer' | 'system' = 'peer'): void {
  const line = document.createElement('li');
  line.className = kind;
  line.textContent = text;
  $('#log').append(line);
  line.scrollIntoView({ block: 'end' });
}

// members, with the description the server gave each
merge(pool.connections$, pool.described$.pipe(map(() => pool.connections))).subscribe((connections) => {
  $('#members').replaceChildren(
    ...connections.map((connection) => {
      const item = document.createElement('li');
      item.dataset['peer'] = connection.id;
      item.textContent = nameOf(connection);
      return item;
    }),
  );
});
pool.state$.subscribe((state) => ($('#status').textContent = state === 'joined' ? 'connected' : state));
pool.peerJoined$.subscribe((connection) => say(`${nameOf(connection)} is here`, 'system'));
pool.peerLeft$.subscribe((connection) => say(`${nameOf(connection)} left`, 'system'));
pool.errors$.subscribe((error) => console.warn('rtcpool:', error.code, error.message));

// chat: our own 'chat' channel to each peer, and every 'chat' channel a peer opens to us
const outgoing = new Map<string, RTCDataChannel>();
pool.peerJoined$.pipe(mergeMap((connection) => connection.dataChannel('chat').then((channel) => ({ connection, channel })))).subscribe({
  next: ({ connection, channel }) => outgoing.set(connection.id, channel),
  error: (error) => console.warn(error),
});
pool.peerLeft$.subscribe((connection) => outgoing.delete(connection.id));
pool.dataChannels$
  .pipe(
    filter(({ event }) => event.channel.label === 'chat'),
    mergeMap(({ connection, event }) => fromEvent<MessageEvent>(event.channel, 'message').pipe(map(({ data }) => `${nameOf(connection)}: ${data}`))),
  )
  .subscribe((line) => say(line));
$<HTMLFormElement>('#chat').addEventListener('submit', (event) => {
  event.preventDefault();
  const input = $<HTMLInputElement>('#text');
  const text = input.value.trim();
  if (!text) return;
  for (const channel of outgoing.values()) if (channel.readyState === 'open') channel.send(text);
  say(`${name}: ${text}`, 'me');
  input.value = '';
});

// media: share the camera with every current and future peer; a tile per peer that shares
let shared: ManagedStream | null = null;
function tile(id: string, label: string, stream: MediaStream, muted: boolean): void {
  let figure = document.getElementById(`tile-${id}`);
  if (!figure) {
    figure = document.createElement('figure');
    figure.id = `tile-${id}`;
    figure.innerHTML = '<video autoplay playsinline></video><figcaption></figcaption>';
    $('#videos').append(figure);
  }
  const video = figure.querySelector('video')!;
  video.muted = muted;
  if (video.srcObject !== stream) video.srcObject = stream;
  figure.querySelector('figcaption')!.textContent = label;
}
$('#camera').addEventListener('click', async () => {
  if (shared) {
    shared.close();
    return;
  }
  try {
    const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
    shared = new media.ManagedStream(stream, pool);
    tile('me', `${name} (you)`, stream, true);
    $('#camera').textContent = 'Stop sharing';
    $('#mute').hidden = false;
    shared.closed$.pipe(filter(Boolean)).subscribe(() => {
      shared = null;
      document.getElementById('tile-me')?.remove();
      $('#camera').textContent = 'Share camera and microphone';
      $('#mute').hidden = true;
    });
  } catch (error) {
    say(`no camera: ${(error as Error).message}`, 'system');
  }
});
$('#mute').addEventListener('click', () => {
  if (!shared) return;
  if (shared.muted()) shared.unmute();
  else shared.mute();
  $('#mute').textContent = shared.muted() ? 'Unmute' : 'Mute';
});
pool.tracks$.subscribe(({ connection, event }) => {
  const stream = event.streams[0] ?? new MediaStream([event.track]);
  tile(connection.id, nameOf(connection), stream, false);
});
pool.peerLeft$.subscribe((connection) => document.getElementById(`tile-${connection.id}`)?.remove());

addEventListener('pagehide', () => pool.close());
pool.join(room).catch((error) => say(`could not join: ${error.message}`, 'system'));
