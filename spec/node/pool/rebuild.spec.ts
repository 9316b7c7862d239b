import { expect } from 'chai';
import { filter, firstValueFrom, take, timeout } from 'rxjs';
import { WebSocket } from 'ws';
import { Pool, signalling, type ManagedConnection, type RtcPoolError } from '../../../src';
import { RTCPeerConnection } from '../../../src/node';
import type { PeerConnectionConstructor } from '../../../src/poolOptions';
import { MAX_REBUILDS_PER_PEER, REBUILD_BACKOFF_MS } from '../../../src/setupFailure';
import { createSignallingServer, type SignallingServer } from '../../../src/server';

const MESH_TIMEOUT_MS = 15_000;

/**
 * The real rtcpool/node RTCPeerConnection, except that the first `kills` connections made die
 * during set-up as libdatachannel's do ("Got a remote candidate without ICE transport"): closed
 * underneath, reported as `failed`. One dies once its first remote description is set (before it
 * can answer), or just after its first local description is set and sent.
 */
function flaky(kills: number): { readonly PeerConnection: PeerConnectionConstructor; readonly made: RTCPeerConnection[] } {
  const made: RTCPeerConnection[] = [];
  let left = kills;
  class FlakyPeerConnection extends RTCPeerConnection {
    #doomed = left-- > 0;
    #dead = false;
    constructor(configuration?: RTCConfiguration) {
      super(configuration);
      made.push(this);
    }
    override get connectionState(): RTCPeerConnectionState {
      return this.#dead ? 'failed' : super.connectionState;
    }
    override async setLocalDescription(description?: RTCLocalSessionDescriptionInit): Promise<void> {
      await super.setLocalDescription(description);
      // after the description is read and sent
      setTimeout(() => this.die(), 0);
    }
    override async setRemoteDescription(description: RTCSessionDescriptionInit): Promise<void> {
      await super.setRemoteDescription(description);
      this.die();
    }
    private die(): void {
      if (!this.#doomed || this.#dead) return;
      this.#dead = true;
      this.close();
      this.dispatchEvent(new Event('connectionstatechange'));
    }
  }
  return { PeerConnection: FlakyPeerConnection, made };
}

/** Waits until the connection to `peer` is connected (whichever connection that is by then). */
async function connection(pool: Pool, peer: string): Promise<ManagedConnection> {
  const deadline = Date.now() + MESH_TIMEOUT_MS;
  for (;;) {
    const current = pool.getConnection(peer);
    if (current?.state === 'connected') return current;
    if (Date.now() > deadline) throw new Error(`no connected connection to ${peer}; now ${current?.state ?? 'none'}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A message from `a` to `b` over a new channel, and one back. */
async function roundTrip(a: Pool, b: Pool, label: string): Promise<[string, string]> {
  const ab = await connection(a, b.id!);
  const ba = await connection(b, a.id!);
  const incoming = new Promise<RTCDataChannel>((resolve) =>
    ba.addEventListener('datachannel', (({ channel }: RTCDataChannelEvent) => channel.label === label && resolve(channel)) as EventListener),
  );
  const channel = await ab.dataChannel(label);
  const remote = await incoming;
  if (remote.readyState !== 'open') await new Promise((resolve) => remote.addEventListener('open', resolve, { once: true }));
  const there = new Promise<string>((resolve) => remote.addEventListener('message', ({ data }) => resolve(String(data)), { once: true }));
  channel.send(`${label} from a`);
  const back = new Promise<string>((resolve) => channel.addEventListener('message', ({ data }) => resolve(String(data)), { once: true }));
  const heard = await there;
  remote.send(`${label} from b`);
  return [heard, await back];
}

describe('PeerSet rebuilds (rtcpool/node, real server)', function () {
  this.timeout(30_000);
  let server: SignallingServer;
  const pools: Pool[] = [];
  const errors = new Map<Pool, RtcPoolError[]>();
  const pool = (PeerConnection: PeerConnectionConstructor = RTCPeerConnection): Pool => {
    const made = new Pool({ iceServers: [] }, new signalling.websocket(server.url, { WebSocket }), { RTCPeerConnection: PeerConnection });
    const seen: RtcPoolError[] = [];
    made.errors$.subscribe((error) => seen.push(error));
    errors.set(made, seen);
    pools.push(made);
    return made;
  };
  beforeEach(async () => {
    server = await createSignallingServer();
  });
  afterEach(async () => {
    for (const each of pools.splice(0)) each.close();
    errors.clear();
    await server.close();
  });

  for (const killed of ['impolite', 'polite'] as const) {
    it(`rebuilds a connection that dies during set-up on the ${killed} side: both sides end connected and carry messages`, async () => {
      const flakyStack = flaky(1);
      const first = killed === 'impolite' ? pool(flakyStack.PeerConnection) : pool();
      const second = killed === 'impolite' ? pool() : pool(flakyStack.PeerConnection);
      const name = `rebuild-${killed}`;
      const arrivals = new Map<Pool, number>([[first, 0], [second, 0]]);
      for (const each of [first, second]) each.peerJoined$.subscribe(() => arrivals.set(each, arrivals.get(each)! + 1));
      await first.join(name);
      await second.join(name);
      expect(await roundTrip(first, second, 'after')).to.deep.equal(['after from a', 'after from b']);
      expect(await roundTrip(second, first, 'back')).to.deep.equal(['back from a', 'back from b']);
      // the dead connection was replaced by exactly one new one, and nothing was reported
      expect(flakyStack.made).to.have.length(2);
      const [killedSide, otherSide] = killed === 'impolite' ? [first, second] : [second, first];
      expect(arrivals.get(killedSide), 'connections made by the side whose connection died').to.equal(2);
      // the impolite side's offer went out before it died: the peer answered it and follows the new
      // fingerprint; the polite side died before answering: its new connection answers that offer
      expect(arrivals.get(otherSide), 'connections made by its peer').to.equal(killed === 'impolite' ? 2 : 1);
      expect(flakyStack.made[0]!.signalingState).to.equal('closed');
      expect(first.connections).to.have.length(1);
      expect(second.connections).to.have.length(1);
      expect(errors.get(first)!.map((e) => e.code)).to.deep.equal([]);
      expect(errors.get(second)!.map((e) => e.code)).to.deep.equal([]);
      for (const each of [first, second]) each.close();
      expect(flakyStack.made.map((pc) => pc.signalingState)).to.deep.equal(['closed', 'closed']);
    });
  }

  it('close() while a rebuild waits leaves nothing: no new connection is made, every one made is closed', async () => {
    const flakyStack = flaky(Infinity);
    const doomed = pool(flakyStack.PeerConnection);
    const healthy = pool();
    await doomed.join('close-mid-rebuild');
    await healthy.join('close-mid-rebuild');
    const deadline = Date.now() + MESH_TIMEOUT_MS;
    while (flakyStack.made[0]?.connectionState !== 'failed' && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(flakyStack.made).to.have.length(1);
    doomed.close();
    // past the first rebuild's wait: nothing may come of it
    await new Promise((resolve) => setTimeout(resolve, REBUILD_BACKOFF_MS * 4));
    expect(flakyStack.made).to.have.length(1);
    expect(flakyStack.made[0]!.signalingState).to.equal('closed');
    expect(doomed.connections).to.deep.equal([]);
  });

  it(`gives up after MAX_REBUILDS_PER_PEER (${MAX_REBUILDS_PER_PEER}) rebuilds with connection-failed, and close() leaves no connection`, async () => {
    const flakyStack = flaky(Infinity);
    const doomed = pool(flakyStack.PeerConnection);
    const healthy = pool();
    await doomed.join('give-up');
    await healthy.join('give-up');
    const failure = await firstValueFrom(doomed.errors$.pipe(filter((e) => e.code === 'connection-failed'), take(1), timeout(MESH_TIMEOUT_MS)));
    expect(failure.peer).to.equal(healthy.id);
    expect(flakyStack.made).to.have.length(1 + MAX_REBUILDS_PER_PEER);
    expect(errors.get(doomed)!.filter((e) => e.code === 'connection-failed')).to.have.length(1);
    doomed.close();
    healthy.close();
    expect(flakyStack.made.every((pc) => pc.signalingState === 'closed')).to.equal(true);
  });
});
