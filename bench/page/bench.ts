// Runs in headless Chromium and Firefox (bundled by bench/browser.ts): the cases of P1, P2 and
// P5, each against its baseline of raw RTCPeerConnections signalled directly in the page, and
// P1's 3.0.2 baseline (setupPools3.ts). Firefox cannot be driven from Node here, so a page
// opened with `?task=` runs that one task, posts the result, and goes where the answer says.
import { firstValueFrom, filter } from 'rxjs';
import { Pool, signalling, type PoolOptions } from 'rtcpool';
import { joinRoom, joinRoom3 } from './joinRoom';
import { setupPools3 } from './setupPools3';

const LOCAL_ONLY: RTCConfiguration = { iceServers: [] };
/** Chunk size of the throughput cases. */
const CHUNK = 16 * 1024;
/** Keep at most this much queued in a channel; refill when it drains below the low mark. */
const HIGH_WATER = 4 * 1024 * 1024;
const LOW_WATER = 1024 * 1024;

const opened = (channel: RTCDataChannel): Promise<RTCDataChannel> =>
  channel.readyState === 'open' ? Promise.resolve(channel) : new Promise((resolve) => channel.addEventListener('open', () => resolve(channel), { once: true }));

/** Two raw peer connections signalled directly, with one channel opened from a to b. */
async function rawPair(): Promise<{ a: RTCPeerConnection; b: RTCPeerConnection; channel: RTCDataChannel; incoming: Promise<RTCDataChannel> }> {
  const a = new RTCPeerConnection(LOCAL_ONLY);
  const b = new RTCPeerConnection(LOCAL_ONLY);
  a.onicecandidate = ({ candidate }) => void (candidate && b.addIceCandidate(candidate));
  b.onicecandidate = ({ candidate }) => void (candidate && a.addIceCandidate(candidate));
  const incoming = new Promise<RTCDataChannel>((resolve) => (b.ondatachannel = ({ channel }) => resolve(opened(channel))));
  const channel = a.createDataChannel('bench');
  await a.setLocalDescription();
  await b.setRemoteDescription(a.localDescription!);
  await b.setLocalDescription();
  await a.setRemoteDescription(b.localDescription!);
  return { a, b, channel: await opened(channel), incoming };
}

/** Baseline of P1: every pair of n peers wired with raw RTCPeerConnections; ms until every channel is open. */
async function setupRaw(n: number): Promise<number> {
  const started = performance.now();
  const pairs = await Promise.all(Array.from({ length: (n * (n - 1)) / 2 }, () => rawPair()));
  const elapsed = performance.now() - started;
  for (const { a, b } of pairs) (a.close(), b.close());
  return elapsed;
}

/**
 * Diagnostic for P1: raw RTCPeerConnections, signalled with plain ssp v2 messages through the same
 * server (no rtcpool client code). rtcpool against this isolates the library's own cost from the
 * signalling round trips that the in-page baseline never makes.
 */
async function setupRawViaServer(url: string, n: number): Promise<number> {
  const sockets = await Promise.all(
    Array.from({ length: n }, () => new Promise<WebSocket>((resolve) => { const ws = new WebSocket(url); ws.onopen = () => resolve(ws); })),
  );
  const name = `rawsrv-${Math.random().toString(36).slice(2)}`;
  const send = (ws: WebSocket, type: string, data: object): void => ws.send(JSON.stringify({ type, data }));
  const started = performance.now();
  const peers = sockets.map(() => new Map<string, RTCPeerConnection>());
  const ids = await Promise.all(
    sockets.map(
      (ws, i) =>
        new Promise<string>((resolve) => {
          const pcFor = (peer: string): RTCPeerConnection => {
            let pc = peers[i]!.get(peer);
            if (!pc) {
              pc = new RTCPeerConnection(LOCAL_ONLY);
              pc.onicecandidate = ({ candidate }) => send(ws, 'rtc:candidate', { for: peer, candidate: candidate?.toJSON() ?? null });
              peers[i]!.set(peer, pc);
            }
            return pc;
          };
          ws.onmessage = async ({ data }) => {
            const message = JSON.parse(data as string);
            if (message.type === 'rtc:joined') resolve(message.data.client_id);
            else if (message.type === 'rtc:sdp') {
              const pc = pcFor(message.data.peer);
              await pc.setRemoteDescription(message.data.description);
              if (message.data.description.type === 'offer') {
                await pc.setLocalDescription();
                send(ws, 'rtc:sdp', { to: message.data.peer, description: pc.localDescription!.toJSON() });
              }
            } else if (message.type === 'rtc:candidate' && message.data.candidate) {
              void pcFor(message.data.from).addIceCandidate(message.data.candidate);
            }
          };
          (ws as WebSocket & { pcFor?: typeof pcFor }).pcFor = pcFor;
          send(ws, 'rtc:join', { pool: name });
        }),
    ),
  );
  const channels: Promise<RTCDataChannel>[] = [];
  sockets.forEach((ws, i) => {
    for (let j = i + 1; j < n; j += 1) {
      const pc = (ws as WebSocket & { pcFor: (peer: string) => RTCPeerConnection }).pcFor(ids[j]!);
      channels.push(opened(pc.createDataChannel('bench')));
      void pc.setLocalDescription().then(() => send(ws, 'rtc:sdp', { to: ids[j]!, description: pc.localDescription!.toJSON() }));
    }
  });
  await Promise.all(channels);
  const elapsed = performance.now() - started;
  for (const map of peers) for (const pc of map.values()) pc.close();
  for (const ws of sockets) ws.close();
  return elapsed;
}

/** The first connections of a page pay for starting WebRTC: one untimed pair first. */
async function warm(): Promise<void> {
  const { a, b } = await rawPair();
  a.close();
  b.close();
}

/**
 * P1: n pools join one pool through the real server; ms from the first join() until every pair's
 * channel is open. D1 passes `options` (standing offers).
 */
async function setupPools(url: string, n: number, options: PoolOptions = {}): Promise<number> {
  const pools = Array.from({ length: n }, () => new Pool(LOCAL_ONLY, new signalling.websocket(url), options));
  // the sockets connect before the clock starts: a page opens signalling long before it joins
  await Promise.all(pools.map((pool) => firstValueFrom(pool.signallingState$.pipe(filter((s) => s === 'open')))));
  const pairs = (n * (n - 1)) / 2;
  let open = 0;
  const allOpen = new Promise<void>((resolve) => {
    for (const pool of pools) {
      pool.peerJoined$.subscribe((connection) => {
        // one channel per pair, opened by the side with the smaller id
        if (pool.id! < connection.id) void connection.dataChannel('bench').then(() => ++open === pairs && resolve());
      });
    }
  });
  const name = `bench-${Math.random().toString(36).slice(2)}`;
  const started = performance.now();
  await Promise.all(pools.map((pool) => pool.join(name)));
  await allOpen;
  const elapsed = performance.now() - started;
  for (const pool of pools) pool.close();
  return elapsed;
}

/** Sends `bytes` over `channel` in CHUNK messages with flow control; ms until `receiver` has them all. */
async function pump(channel: RTCDataChannel, receiver: RTCDataChannel, bytes: number): Promise<number> {
  const chunk = new Uint8Array(CHUNK);
  let received = 0;
  const done = new Promise<void>((resolve) => {
    receiver.onmessage = ({ data }) => {
      received += (data as ArrayBuffer).byteLength;
      if (received >= bytes) resolve();
    };
  });
  receiver.binaryType = 'arraybuffer';
  channel.bufferedAmountLowThreshold = LOW_WATER;
  const started = performance.now();
  for (let sent = 0; sent < bytes; sent += CHUNK) {
    if (channel.bufferedAmount > HIGH_WATER) await new Promise((resolve) => channel.addEventListener('bufferedamountlow', resolve, { once: true }));
    channel.send(chunk);
  }
  await done;
  return performance.now() - started;
}

/** Baseline of P2: MB/s through a raw RTCDataChannel. */
async function throughputRaw(mib: number): Promise<number> {
  const { a, b, channel, incoming } = await rawPair();
  const ms = await pump(channel, await incoming, mib * 1024 * 1024);
  a.close();
  b.close();
  return (mib * 1.048576) / (ms / 1000);
}

/** P2: MB/s through a channel from ManagedConnection.dataChannel(). */
async function throughputManaged(url: string, mib: number): Promise<number> {
  const name = `bulk-${Math.random().toString(36).slice(2)}`;
  const a = new Pool(LOCAL_ONLY, new signalling.websocket(url));
  const b = new Pool(LOCAL_ONLY, new signalling.websocket(url));
  await a.join(name);
  const incoming = firstValueFrom(b.dataChannels$).then(({ event }) => opened(event.channel));
  await b.join(name);
  const connection = await firstValueFrom(a.connections$.pipe(filter((list) => list.length === 1)));
  const channel = await connection[0]!.dataChannel('bulk');
  const ms = await pump(channel, await incoming, mib * 1024 * 1024);
  a.close();
  b.close();
  return (mib * 1.048576) / (ms / 1000);
}

const bench = { setupRaw, setupRawViaServer, setupPools, setupPools3, joinRoom, joinRoom3, throughputRaw, throughputManaged, warm };
Object.assign(globalThis, { bench });

/** A task given in the URL (Firefox): `?task=setupPools&n=4&url=ws://…`; the server answers the result with the next URL. */
async function autopilot(): Promise<void> {
  const query = new URLSearchParams(location.search);
  const task = query.get('task') as 'setupRaw' | 'setupRawViaServer' | 'setupPools' | 'setupPools3' | null;
  if (!task) return;
  const url = query.get('url')!;
  const n = Number(query.get('n'));
  let result: { ms?: number; error?: string };
  try {
    await warm();
    result = { ms: task === 'setupRaw' ? await setupRaw(n) : await bench[task](url, n) };
  } catch (error) {
    result = { error: String(error) };
  }
  const next = await (await fetch(`/result?${query.toString()}`, { method: 'POST', body: JSON.stringify(result) })).text();
  if (next) location.href = next;
}
void autopilot();
