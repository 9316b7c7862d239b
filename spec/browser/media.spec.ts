import { expect } from 'chai';
import { firstValueFrom, toArray } from 'rxjs';
import { ManagedStream, media, RtcPoolError, type Pool } from '../../src';
import { uniquePool } from './support/environment';
import { endableTracks, fakeCamera, flowing, receiversFrom, stopped, type EndableTracks } from './support/media';
import { canvasTrack, connectionsOf, link, peerConnectionMark, peerConnectionsSince, PoolTracker } from './support/pools';

describe('ManagedStream', () => {
  const tracker = new PoolTracker();
  const streams: ManagedStream[] = [];
  const sources: EndableTracks[] = [];
  const share = (stream: MediaStream, pool: Pool): ManagedStream => {
    const managed = new media.ManagedStream(stream, pool);
    streams.push(managed);
    return managed;
  };
  afterEach(() => {
    for (const managed of streams.splice(0)) managed.close();
    for (const source of sources.splice(0)) source.close();
    tracker.closeAll();
  });

  it('is exported both as media.ManagedStream and ManagedStream', () => {
    expect(media.ManagedStream).to.equal(ManagedStream);
  });

  it('sends to every peer, and to a late joiner; each receives one stream; mute, unmute and close act on the bytes', async function () {
    this.timeout(90_000);
    const name = uniquePool('media');
    const [a, b, c] = (await tracker.mesh(name, 3)) as [Pool, Pool, Pool];
    const atB = receiversFrom(b, a, 2);
    const atC = receiversFrom(c, a, 2);
    const camera = await fakeCamera();
    const shared = share(camera, a);
    expect(shared.tracks.map((t) => t.kind).sort()).to.deep.equal(['audio', 'video']);

    const late = tracker.create();
    const atLate = receiversFrom(late, a, 2);
    await late.join(name);
    await connectionsOf(a, 3);

    const received = [await atB, await atC, await atLate];
    for (const [pool, tracks] of [[b, received[0]], [c, received[1]], [late, received[2]]] as const) {
      // one remote stream per peer, the one ManagedStream made for it
      expect(new Set(tracks.map(({ stream }) => stream.id)).size).to.equal(1);
      expect(shared.getStream(pool.id!)!.id).to.equal(tracks[0]!.stream.id);
      expect(shared.hasStream(tracks[0]!.stream.id)).to.equal(true);
      expect(shared.getConnection(tracks[0]!.stream.id)).to.equal(link(a, pool));
    }
    const receivers = received.flat().map(({ receiver }) => receiver);
    const ofKind = (kind: string) => receivers.filter((r) => r.track.kind === kind);
    await Promise.all(receivers.map(flowing));
    // two tracks to three peers
    const sending = peerConnectionsSince(0).flatMap((pc) => pc.getSenders()).filter((sender) => sender.track && shared.tracks.includes(sender.track));
    expect(sending).to.have.length(6);

    shared.mute('video');
    expect([shared.muted('video'), shared.muted('audio'), shared.muted()]).to.deep.equal([true, false, false]);
    await Promise.all([...ofKind('video').map(stopped), ...ofKind('audio').map(flowing)]);

    shared.unmute();
    expect([shared.muted('video'), shared.muted('audio'), shared.muted()]).to.deep.equal([false, false, false]);
    await Promise.all(receivers.map(flowing));

    shared.mute();
    expect(shared.muted()).to.equal(true);
    await Promise.all(receivers.map(stopped));
    shared.unmute('audio');
    await Promise.all([...ofKind('audio').map(flowing), ...ofKind('video').map(stopped)]);

    const tracks = shared.tracks;
    shared.close();
    expect(sending.map((sender) => sender.track)).to.deep.equal(Array(6).fill(null));
    expect(shared.closed).to.equal(true);
    expect(tracks.map((t) => t.readyState)).to.deep.equal(['ended', 'ended']);
    expect(shared.tracks).to.deep.equal([]);
    await Promise.all(receivers.map(stopped));
    for (const peer of [b, c, late]) {
      expect(link(a, peer).state).to.not.equal('closed');
    }
  });

  it('mutes and unmutes without a renegotiation', async function () {
    this.timeout(30_000);
    const first = peerConnectionMark();
    const [a, b] = (await tracker.mesh(uniquePool('nomute'), 2)) as [Pool, Pool];
    const pcs = peerConnectionsSince(first);
    const atB = receiversFrom(b, a, 2);
    const shared = share(await fakeCamera(), a);
    const video = (await atB).find(({ receiver }) => receiver.track.kind === 'video')!.receiver;
    await flowing(video);
    const changes: string[] = [];
    for (const pc of pcs) pc.addEventListener('signalingstatechange', () => changes.push(pc.signalingState));
    shared.mute('video');
    await stopped(video);
    shared.unmute('video');
    await flowing(video);
    expect(changes).to.deep.equal([]);
  });

  it('sends nothing to peers that join after close()', async () => {
    const name = uniquePool('closed');
    const [a] = (await tracker.mesh(name, 1)) as [Pool];
    share(new MediaStream([canvasTrack()]), a).close();
    const late = tracker.create();
    const tracks: unknown[] = [];
    late.tracks$.subscribe((e) => tracks.push(e));
    await late.join(name);
    await connectionsOf(a, 1);
    await link(a, late).dataChannel('probe');
    expect(tracks).to.deep.equal([]);
  });

  it('closes by itself, with a close event and closed$, when every track has ended', async () => {
    const [a] = (await tracker.mesh(uniquePool('ended'), 1)) as [Pool];
    const source = await endableTracks(2);
    sources.push(source);
    const [one, two] = source.tracks as [MediaStreamTrack, MediaStreamTrack];
    const shared = share(new MediaStream([one, two]), a);
    const closedValues = firstValueFrom(shared.closed$.pipe(toArray()));
    const event = new Promise((resolve) => shared.addEventListener('close', resolve));
    await source.end(one);
    expect(shared.closed).to.equal(false);
    expect(shared.tracks).to.deep.equal([two]);
    await source.end(two);
    await event;
    expect(shared.closed).to.equal(true);
    expect(await closedValues).to.deep.equal([false, true]);
  });

  it('reports mutes on muted$', async () => {
    const [a] = (await tracker.mesh(uniquePool('muted'), 1)) as [Pool];
    const shared = share(await fakeCamera(), a);
    const states = firstValueFrom(shared.muted$.pipe(toArray()));
    shared.mute('audio');
    shared.unmute('audio');
    shared.close();
    expect(await states).to.deep.equal([
      { audio: false, video: false },
      { audio: true, video: false },
      { audio: false, video: false },
    ]);
  });

  it('throws bad-kind for a kind other than audio, video or none, and changes nothing', async () => {
    const [a] = (await tracker.mesh(uniquePool('kind'), 1)) as [Pool];
    const shared = share(new MediaStream([canvasTrack()]), a);
    for (const call of [() => shared.mute('screen' as 'video'), () => shared.unmute('Video' as 'video'), () => shared.muted(1 as unknown as 'audio')]) {
      expect(call).to.throw(RtcPoolError).with.property('code', 'bad-kind');
    }
    expect(shared.muted()).to.equal(false);
    expect(() => new ManagedStream('camera' as unknown as MediaStream, a)).to.throw(RtcPoolError).with.property('code', 'bad-argument');
  });

  it('glare: two pools share streams with each other at the same moment, and both receive', async function () {
    this.timeout(30_000);
    const [a, b] = (await tracker.mesh(uniquePool('media-glare'), 2)) as [Pool, Pool];
    const atA = receiversFrom(a, b, 2);
    const atB = receiversFrom(b, a, 2);
    share(await fakeCamera(), a);
    share(await fakeCamera(), b);
    const received = [...(await atA), ...(await atB)];
    await Promise.all(received.map(({ receiver }) => flowing(receiver)));
    expect(tracker.errors).to.deep.equal([]);
  });
});
