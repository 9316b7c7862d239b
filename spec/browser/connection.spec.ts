import { expect } from 'chai';
import { firstValueFrom, take, toArray } from 'rxjs';
import { ManagedConnection, RtcPoolError, type Pool } from '../../src';
import { connectionControl } from '../../src/connection';
import { LOCAL_ONLY, uniquePool } from './support/environment';
import { canvasTrack, incomingChannel, link, nextMessage, PoolTracker } from './support/pools';

describe('ManagedConnection', () => {
  const tracker = new PoolTracker();
  const lone: RTCPeerConnection[] = [];
  let a: Pool;
  let b: Pool;
  beforeEach(async () => {
    [a, b] = (await tracker.mesh(uniquePool('conn'), 2)) as [Pool, Pool];
  });
  afterEach(() => {
    tracker.closeAll();
    for (const pc of lone.splice(0)) pc.close();
  });
  /** A connection around an RTCPeerConnection that has no peer, so nothing ever opens. */
  const unconnected = (): ManagedConnection => {
    const pc = new RTCPeerConnection(LOCAL_ONLY);
    lone.push(pc);
    return new ManagedConnection(pc, 'nobody', {});
  };

  it('new ManagedConnection(conn, id, desc_ref) wraps a peer connection and reads desc_ref[id]', () => {
    const pc = new RTCPeerConnection(LOCAL_ONLY);
    lone.push(pc);
    const descriptions: Record<string, unknown> = { 'peer-1': { name: 'Ada' } };
    const connection = new ManagedConnection(pc, 'peer-1', descriptions as Record<string, { name: string }>);
    expect(connection.id).to.equal('peer-1');
    expect(connection.description).to.deep.equal({ name: 'Ada' });
    expect(new ManagedConnection(pc, 'peer-2', descriptions as Record<string, null>).description).to.equal(null);
  });

  it('id is the peer\'s id in the pool', () => {
    expect(link(a, b).id).to.equal(b.id);
    expect(link(b, a).id).to.equal(a.id);
  });

  it('description is the description the server gave the peer, null when none', () => {
    expect(link(a, b).description).to.equal(null);
  });

  it('addEventListener accepts datachannel and track, and throws bad-event-type for anything else', async () => {
    const connection = link(b, a);
    const channels: string[] = [];
    connection.addEventListener('datachannel', (event) => channels.push((event as RTCDataChannelEvent).channel.label));
    await link(a, b).dataChannel('listened');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(channels).to.include('listened');
    for (const type of ['icecandidate', 'negotiationneeded', 'connectionstatechange', 'nonsense']) {
      expect(() => connection.addEventListener(type as 'track', () => undefined))
        .to.throw(RtcPoolError, `Event type '${type}' is not handled by ManagedConnection`)
        .with.property('code', 'bad-event-type');
    }
  });

  it('removeEventListener removes a listener added through the proxy', async () => {
    const connection = link(b, a);
    const seen: string[] = [];
    const listener = (event: Event): void => void seen.push((event as RTCDataChannelEvent).channel.label);
    connection.addEventListener('datachannel', listener);
    connection.removeEventListener('datachannel', listener);
    const arrived = incomingChannel(connection, 'unheard');
    await link(a, b).dataChannel('unheard');
    await arrived;
    expect(seen).to.deep.equal([]);
  });

  it('addTrack(track, ...streams) returns the sender, and the peer receives the track in that stream', async () => {
    const track = canvasTrack();
    const stream = new MediaStream([track]);
    const received = firstValueFrom(b.tracks$);
    const sender = link(a, b).addTrack(track, stream);
    expect(sender).to.be.instanceOf(RTCRtpSender);
    expect(sender.track).to.equal(track);
    const { connection, event } = await received;
    expect(connection.id).to.equal(a.id);
    expect(event.track.kind).to.equal('video');
    expect(event.streams.map((s) => s.id)).to.deep.equal([stream.id]);
    track.stop();
  });

  it('removeTrack(sender) stops sending: the track leaves the peer\'s stream', async () => {
    const track = canvasTrack();
    const received = firstValueFrom(b.tracks$);
    const sender = link(a, b).addTrack(track, new MediaStream([track]));
    const { event } = await received;
    const removed = new Promise((resolve) => event.streams[0]!.addEventListener('removetrack', resolve, { once: true }));
    link(a, b).removeTrack(sender);
    expect(sender.track).to.equal(null);
    await removed;
    expect(event.streams[0]!.getTracks()).to.deep.equal([]);
    track.stop();
  });

  describe('dataChannel(label, options, raw)', () => {
    it('resolves with the channel once it is open', async () => {
      const incoming = incomingChannel(link(b, a), 'chat');
      const channel = await link(a, b).dataChannel('chat', { ordered: true });
      expect(channel.readyState).to.equal('open');
      expect(channel.label).to.equal('chat');
      const peerChannel = await incoming;
      const message = nextMessage(peerChannel);
      channel.send('hi');
      expect(await message).to.equal('hi');
    });

    it('returns the channel at once when raw is true', async () => {
      const channel = link(a, b).dataChannel('raw', {}, true);
      expect(channel).to.be.instanceOf(RTCDataChannel);
      expect(channel.readyState).to.equal('connecting');
      await new Promise((resolve) => channel.addEventListener('open', resolve, { once: true }));
    });

    it('passes the options on: a negotiated channel opens with the same id on both sides', async () => {
      const [mine, theirs] = await Promise.all([
        link(a, b).dataChannel('pre-agreed', { negotiated: true, id: 7 }),
        link(b, a).dataChannel('pre-agreed', { negotiated: true, id: 7 }),
      ]);
      expect([mine.id, theirs.id]).to.deep.equal([7, 7]);
      const message = nextMessage(theirs);
      mine.send('negotiated');
      expect(await message).to.equal('negotiated');
    });

    it('rejects with timeout after options.timeout, and closes the channel', async () => {
      const connection = unconnected();
      const raw = connection.dataChannel('never', { timeout: 30 }, true);
      raw.close();
      const error = await connection.dataChannel('never', { timeout: 30 }).catch((e: RtcPoolError) => e);
      expect(error).to.be.instanceOf(RtcPoolError).and.include({ code: 'timeout', peer: 'nobody' });
    });

    it('rejects with closed when the connection closes before the channel opens', async () => {
      const connection = unconnected();
      const opening = connection.dataChannel('doomed');
      connectionControl(connection).close();
      expect(await opening.catch((e: RtcPoolError) => e.code)).to.equal('closed');
      expect(await firstValueFrom(connection.state$.pipe(toArray()))).to.deep.equal(['closed']);
    });

    it('rejects with closed once the connection is closed, and throws it with raw', async () => {
      const connection = link(a, b);
      b.close();
      await firstValueFrom(a.peerLeft$);
      expect(await connection.dataChannel('late').catch((e: RtcPoolError) => e.code)).to.equal('closed');
      expect(() => connection.dataChannel('late', {}, true)).to.throw(RtcPoolError).with.property('code', 'closed');
    });

    it('throws bad-argument for a label that is not a string', () => {
      expect(() => link(a, b).dataChannel(3 as unknown as string)).to.throw(RtcPoolError).with.property('code', 'bad-argument');
    });
  });

  describe('streams', () => {
    it('events$ emits the exposed events', async () => {
      const connection = link(b, a);
      const event = firstValueFrom(connection.events$);
      await link(a, b).dataChannel('observed');
      expect((await event).type).to.equal('datachannel');
    });

    it('state$ replays the current state and follows it to closed', async () => {
      const connection = link(a, b);
      const states = firstValueFrom(connection.state$.pipe(toArray()));
      expect(await firstValueFrom(connection.state$.pipe(take(1)))).to.be.oneOf(['new', 'connecting', 'connected']);
      a.close();
      const seen = await states;
      expect(seen[seen.length - 1]).to.equal('closed');
    });
  });

  it('exposes exactly the 3.x event list as ManagedConnection.EVENTS', () => {
    expect(ManagedConnection.EVENTS).to.deep.equal(['datachannel', 'track']);
  });
});
