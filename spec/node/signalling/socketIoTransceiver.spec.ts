import { expect } from 'chai';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { filter, firstValueFrom, fromEvent, mergeMap, take, toArray } from 'rxjs';
import { Server } from 'socket.io';
import { io, type Socket } from 'socket.io-client';
import { resolveLimits } from '../../../src/server/options';
import { PoolRegistry, type Member } from '../../../src/server/poolRegistry';
import { parseClientMessage } from '../../../src/signalling/parse';
import { SocketIoSignalling } from '../../../src/signalling/channels';
import { SocketIoTransceiver } from '../../../src/signalling/socketIoTransceiver';
import type { ServerMessage } from '../../../src/signalling/messages';
import type { Pool } from '../../../src/pool';
import { RTCPeerConnection } from '../../../src/node';
import { joinOverSocketIo } from '../../../examples/socket-io';

/** A real socket.io server speaking ssp v2 through the server's own pool registry. */
async function socketIoServer(): Promise<{ url: string; io: Server; http: HttpServer }> {
  const http = createServer();
  const server = new Server(http);
  const registry = new PoolRegistry(resolveLimits(), false, { onJoin: () => undefined, onLeave: () => undefined });
  server.on('connection', (socket) => {
    const member: Member = { id: socket.id, description: null, pool: null, offerer: false, takesStanding: false, standing: null, send: (m: ServerMessage) => socket.emit(m.type, m.data) };
    socket.onAny((type: string, data: unknown) => {
      const parsed = parseClientMessage(type, data);
      if (parsed.kind === 'message' && parsed.message.type !== 'rtc:resume' && parsed.message.type !== 'rtc:ack' && parsed.message.type !== 'rtc:ice-servers') registry.handle(member, parsed.message);
    });
    socket.on('disconnect', () => registry.leave(member));
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`, io: server, http };
}

describe('SocketIoTransceiver', () => {
  let server: Awaited<ReturnType<typeof socketIoServer>>;
  const sockets: Socket[] = [];
  const pools: Pool[] = [];
  const connect = (): Socket => {
    const socket = io(server.url, { transports: ['websocket'], reconnection: false });
    sockets.push(socket);
    return socket;
  };
  beforeEach(async () => {
    server = await socketIoServer();
  });
  afterEach(async () => {
    for (const pool of pools.splice(0)) pool.close();
    for (const socket of sockets.splice(0)) socket.close();
    await new Promise((resolve) => server.io.close(resolve));
  });

  it('sends events as socket.io events and parses the replies into typed messages', async () => {
    const a = new SocketIoSignalling(connect());
    const b = new SocketIoSignalling(connect());
    const aJoined = firstValueFrom(a.messages$.pipe(filter((m) => m.type === 'rtc:joined')));
    a.send('rtc:join', { pool: 'io' });
    const joinedA = await aJoined;
    const peer = firstValueFrom(a.messages$.pipe(filter((m) => m.type === 'rtc:peer')));
    const bJoined = firstValueFrom(b.messages$.pipe(filter((m) => m.type === 'rtc:joined')));
    b.send('rtc:join', { pool: 'io' });
    const joinedB = await bJoined;
    expect(joinedB.type === 'rtc:joined' && joinedB.data.peers).to.deep.equal([joinedA.type === 'rtc:joined' && joinedA.data.client_id]);
    expect((await peer).type).to.equal('rtc:peer');
    a.close();
    b.close();
  });

  it('reports connecting, then open, and closed after close(), which also removes its listeners', async () => {
    const socket = connect();
    const transceiver = new SocketIoTransceiver(socket);
    const states = firstValueFrom(transceiver.state$.pipe(toArray()));
    await firstValueFrom(transceiver.state$.pipe(filter((s) => s === 'open')));
    transceiver.close();
    expect(await states).to.deep.equal(['connecting', 'open', 'closed']);
    expect(socket.listenersAny()).to.deep.equal([]);
    expect(socket.connected).to.equal(false);
  });

  it('turns an event without object data into an error event', async () => {
    const socket = connect();
    const transceiver = new SocketIoTransceiver(socket);
    const error = firstValueFrom(transceiver.events$.pipe(filter((e) => e.type === 'error'), take(1)));
    server.io.on('connection', (s) => s.emit('rtc:peer', 'not an object'));
    expect((await error).data).to.deep.include({ reason: 'bad-frame' });
    transceiver.close();
  });

  it("runs the README's example: two pools join over socket.io and open a data channel", async () => {
    const a = await joinOverSocketIo(server.url, 'example', { RTCPeerConnection });
    pools.push(a);
    const b = await joinOverSocketIo(server.url, 'example', { RTCPeerConnection });
    pools.push(b);
    const [toB] = await firstValueFrom(a.connections$.pipe(filter((connections) => connections.length === 1)));
    const heard = firstValueFrom(b.dataChannels$.pipe(mergeMap(({ event }) => fromEvent<MessageEvent>(event.channel, 'message')), take(1)));
    (await toB!.dataChannel('chat')).send('over socket.io');
    expect((await heard).data).to.equal('over socket.io');
    expect(toB!.id).to.equal(b.id);
  });

  it('says connecting while socket.io is away', async () => {
    const socket = connect();
    const transceiver = new SocketIoTransceiver(socket);
    await firstValueFrom(transceiver.state$.pipe(filter((s) => s === 'open')));
    const away = firstValueFrom(transceiver.state$.pipe(filter((s) => s === 'connecting')));
    server.io.disconnectSockets();
    expect(await away).to.equal('connecting');
    transceiver.close();
  });
});
