import { expect } from 'chai';
import { filter, firstValueFrom, take, timeout } from 'rxjs';
import { MAX_REBUILDS_PER_PEER } from '../../src/setupFailure';
import { Pool, signalling, type ManagedConnection, type RtcPoolError } from '../../src';
import { LOCAL_ONLY, signallingUrl, uniquePool } from './support/environment';
import { MESH_TIMEOUT_MS, nextMessage } from './support/pools';

type PeerConnectionClass = new (configuration?: RTCConfiguration) => RTCPeerConnection;

/**
 * The browser's RTCPeerConnection, except that the first `kills` connections made die during
 * set-up as a flaky stack's do: closed underneath and reported as `failed` (what rtcpool/node
 * reports when libdatachannel drops a connection). One dies once its first remote description
 * is set (before it can answer), or just after its first local description is set and sent.
 */
function flaky(kills: number): { readonly PeerConnection: PeerConnectionClass; readonly made: RTCPeerConnection[] } {
  const made: RTCPeerConnection[] = [];
  let left = kills;
  const Native: PeerConnectionClass = globalThis.RTCPeerConnection;
  class FlakyPeerConnection extends Native {
    private readonly doomed = left-- > 0;
    private dead = false;
    constructor(configuration?: RTCConfiguration) {
      super(configuration);
      made.push(this);
    }
    override get connectionState(): RTCPeerConnectionState {
      return this.dead ? 'failed' : super.connectionState;
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
      if (!this.doomed || this.dead) return;
      this.dead = true;
      this.close();
      this.dispatchEvent(new Event('connectionstatechange'));
    }
  }
  return { PeerConnection: FlakyPeerConnection, made };
}

/** The connection to `peer` once it is connected (after any rebuild). */
async function connected(pool: Pool, peer: string): Promise<ManagedConnection> {
  const deadline = Date.now() + MESH_TIMEOUT_MS;
  for (;;) {
    const current = pool.getConnection(peer);
    if (current?.state === 'connected') return current;
    if (Date.now() > deadline) throw new Error(`no connected connection to ${peer}; now ${current?.state ?? 'none'}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A message from `a` to `b` over a channel `a` opens, and one back. */
async function roundTrip(a: Pool, b: Pool, label: string): Promise<[string, string]> {
  const ab = await connected(a, b.id!);
  const ba = await connected(b, a.id!);
  const incoming = new Promise<RTCDataChannel>((resolve) =>
    ba.addEventListener('datachannel', (({ channel }: RTCDataChannelEvent) => channel.label === label && resolve(channel)) as EventListener),
  );
  const channel = await ab.dataChannel(label);
  const remote = await incoming;
  if (remote.readyState !== 'open') await new Promise((resolve) => remote.addEventListener('open', resolve, { once: true }));
  const there = nextMessage(remote);
  channel.send(`${label} from a`);
  const heard = await there;
  const back = nextMessage(channel);
  remote.send(`${label} from b`);
  return [heard, await back];
}

describe('PeerSet rebuilds', function () {
  this.timeout(30_000);
  const pools: Pool[] = [];
  const errors = new Map<Pool, RtcPoolError[]>();
  const pool = (PeerConnection?: PeerConnectionClass): Pool => {
    const made = new Pool(LOCAL_ONLY, new signalling.websocket(signallingUrl()), PeerConnection ? { RTCPeerConnection: PeerConnection } : {});
    const seen: RtcPoolError[] = [];
    made.errors$.subscribe((error) => seen.push(error));
    errors.set(made, seen);
    pools.push(made);
    return made;
  };
  afterEach(() => {
    for (const each of pools.splice(0)) each.close();
    errors.clear();
  });

  for (const killed of ['impolite', 'polite'] as const) {
    it(`rebuilds a connection that dies during set-up on the ${killed} side: both sides end connected and carry messages`, async () => {
      const stack = flaky(1);
      const first = killed === 'impolite' ? pool(stack.PeerConnection) : pool();
      const second = killed === 'impolite' ? pool() : pool(stack.PeerConnection);
      const arrivals = new Map<Pool, number>([
        [first, 0],
        [second, 0],
      ]);
      for (const each of [first, second]) each.peerJoined$.subscribe(() => arrivals.set(each, arrivals.get(each)! + 1));
      const name = uniquePool(`rebuild-${killed}`);
      await first.join(name);
      await second.join(name);
      expect(await roundTrip(first, second, 'there')).to.deep.equal(['there from a', 'there from b']);
      expect(await roundTrip(second, first, 'back')).to.deep.equal(['back from a', 'back from b']);
      expect(stack.made).to.have.length(2);
      const [killedSide, otherSide] = killed === 'impolite' ? [first, second] : [second, first];
      expect(arrivals.get(killedSide), 'connections made by the side whose connection died').to.equal(2);
      // the impolite side's offer went out before it died: the peer answered it and follows the new
      // fingerprint; the polite side died before answering: its new connection answers that offer
      expect(arrivals.get(otherSide), 'connections made by its peer').to.equal(killed === 'impolite' ? 2 : 1);
      expect(first.connections).to.have.length(1);
      expect(second.connections).to.have.length(1);
      expect(errors.get(first)!.map((e) => e.code)).to.deep.equal([]);
      expect(errors.get(second)!.map((e) => e.code)).to.deep.equal([]);
      first.close();
      second.close();
      expect(stack.made.map((pc) => pc.signalingState)).to.deep.equal(['closed', 'closed']);
    });
  }

  it(`gives up after MAX_REBUILDS_PER_PEER (${MAX_REBUILDS_PER_PEER}) rebuilds with connection-failed; close() leaves no connection`, async () => {
    const stack = flaky(Infinity);
    const doomed = pool(stack.PeerConnection);
    const healthy = pool();
    const name = uniquePool('rebuild-give-up');
    await doomed.join(name);
    await healthy.join(name);
    const failure = await firstValueFrom(doomed.errors$.pipe(filter((e) => e.code === 'connection-failed'), take(1), timeout(MESH_TIMEOUT_MS)));
    expect(failure.peer).to.equal(healthy.id);
    expect(stack.made).to.have.length(1 + MAX_REBUILDS_PER_PEER);
    doomed.close();
    healthy.close();
    expect(stack.made.every((pc) => pc.signalingState === 'closed')).to.equal(true);
  });
});
