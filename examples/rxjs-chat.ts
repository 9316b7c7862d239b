// The same chat with the RxJS surface: streams in, streams out.
import { Pool, signalling } from 'rtcpool';
import { filter, from, fromEvent, map, mergeMap, type Observable } from 'rxjs';

export function joinChat(url: string, room: string) {
  const pool = new Pool({ iceServers: [] }, new signalling.websocket(url));

  // who is here: the server's description of each peer, or its id
  const roster$: Observable<string[]> = pool.connections$.pipe(
    map((connections) => connections.map((c) => String(c.description?.['name'] ?? c.id))),
  );

  // every message on every 'chat' channel a peer opens to us
  const messages$ = pool.dataChannels$.pipe(
    filter(({ event }) => event.channel.label === 'chat'),
    mergeMap(({ connection, event }) =>
      fromEvent<MessageEvent>(event.channel, 'message').pipe(map(({ data }) => ({ from: connection.id, text: String(data) }))),
    ),
  );

  // our own 'chat' channel to each peer, open
  const outgoing$ = pool.peerJoined$.pipe(mergeMap((connection) => from(connection.dataChannel('chat'))));

  return { pool, roster$, messages$, outgoing$, joined: pool.join(room) };
}
