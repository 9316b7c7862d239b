// What the rebuild specs share, in the browser tier (the browser's RTCPeerConnection) and the Node
// tier (rtcpool/node's): a connection class whose first connections die during set-up, and a
// round trip over whichever connection a pool has once it is connected.
import type { ManagedConnection, Pool } from '../../src';
import type { PeerConnectionConstructor } from '../../src/poolOptions';

/** How long a spec waits for a rebuilt connection to connect. */
const CONNECTED_TIMEOUT_MS = 15_000;

/**
 * `Base`, except that the first `kills` connections made die during set-up as a flaky stack's do
 * (libdatachannel's "Got a remote candidate without ICE transport"): closed underneath and
 * reported as `failed`. One dies once its first remote description is set (before it can
 * answer), or just after its first local description is set and sent.
 */
export function flaky(Base: PeerConnectionConstructor, kills: number): { readonly PeerConnection: PeerConnectionConstructor; readonly made: RTCPeerConnection[] } {
  const made: RTCPeerConnection[] = [];
  let left = kills;
  class FlakyPeerConnection extends Base {
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

/** The connection of `pool` to `peer` once it is connected (whichever it is by then, after any rebuild). */
export async function connectedTo(pool: Pool, peer: string): Promise<ManagedConnection> {
  const deadline = Date.now() + CONNECTED_TIMEOUT_MS;
  for (;;) {
    const current = pool.getConnection(peer);
    if (current?.state === 'connected') return current;
    if (Date.now() > deadline) throw new Error(`no connected connection to ${peer}; now ${current?.state ?? 'none'}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const nextMessage = (channel: RTCDataChannel): Promise<string> =>
  new Promise((resolve) => channel.addEventListener('message', ({ data }) => resolve(String(data)), { once: true }));

/** A message from `a` to `b` over a new channel `a` opens, and one back; resolves with both. */
export async function roundTrip(a: Pool, b: Pool, label: string): Promise<[string, string]> {
  const ab = await connectedTo(a, b.id!);
  const ba = await connectedTo(b, a.id!);
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
