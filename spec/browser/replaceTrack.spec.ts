import { expect } from 'chai';
import { firstValueFrom } from 'rxjs';
import { media, RtcPoolError, type ManagedConnection, type ManagedStream, type Pool } from '../../src';
import { connectionControl } from '../../src/connection';
import { ColourWatch, paintedTrack, type Colour, type PaintedTrack } from './support/colours';
import { testNetwork, uniquePool, type DelayedServer, type RelayCounts, type SpawnedServer } from './support/environment';
import { fakeCamera, flowing, receiversFrom, stopped } from './support/media';
import { connectionsOf, describePeers, link, peerConnectionMark, peerConnectionsSince, PoolTracker, settle } from './support/pools';

/** Each way between the pools and the counting server: a 300 ms round trip, as the timings must hold at. */
const DELAY_MS = 150;
/** Long enough after the last change for any offer it caused to have gone through the server. */
const QUIET_MS = 8 * DELAY_MS;

/** The descriptions (rtc:sdp) the server relayed between two of `pools`, per directed pair. */
function descriptionsAmong(counts: RelayCounts, pools: readonly Pool[]): Record<string, string> {
  const ids = new Set(pools.map((pool) => pool.id));
  return Object.fromEntries(
    Object.entries(counts)
      .filter(([key]) => key.split('>').every((id) => ids.has(id)))
      .map(([key, { offers, answers, rollbacks }]) => [key, `${offers} offers, ${answers} answers, ${rollbacks} rollbacks`]),
  );
}

/** The peer connection under a ManagedConnection, for the specs that close it behind rtcpool's back. */
const peerConnectionOf = (connection: ManagedConnection): RTCPeerConnection => (connection as unknown as { conn: RTCPeerConnection }).conn;

/** The code a promise rejects with, or 'resolved'. */
const outcome = (promise: Promise<unknown>): Promise<string> =>
  promise.then(
    () => 'resolved',
    (error: unknown) => (error instanceof RtcPoolError ? error.code : `not an RtcPoolError: ${String(error)}`),
  );

describe('ManagedStream.replaceTrack', () => {
  const tracker = new PoolTracker();
  const streams: ManagedStream[] = [];
  const painted: PaintedTrack[] = [];
  const watches: ColourWatch[] = [];
  const others: MediaStreamTrack[] = [];
  let server: SpawnedServer;
  let proxy: DelayedServer;
  before(async () => {
    server = await testNetwork.spawnCounting();
    proxy = await testNetwork.proxy(DELAY_MS, { server });
  });
  after(async () => {
    await testNetwork.closeProxy(proxy);
  });
  afterEach(() => {
    for (const managed of streams.splice(0)) managed.close();
    for (const source of painted.splice(0)) source.stop();
    for (const watch of watches.splice(0)) watch.close();
    for (const track of others.splice(0)) track.stop();
    tracker.closeAll();
  });

  const share = (pool: Pool, ...tracks: MediaStreamTrack[]): ManagedStream => {
    const managed = new media.ManagedStream(new MediaStream(tracks), pool);
    streams.push(managed);
    return managed;
  };
  const paint = (colour: Colour): MediaStreamTrack => {
    const source = paintedTrack(colour);
    painted.push(source);
    return source.track;
  };
  /** What `pool` shows of the video `sender` sends it (the next remote video track). */
  const watchAt = async (pool: Pool, sender: Pool): Promise<{ watch: ColourWatch; receiver: RTCRtpReceiver; stream: MediaStream }> => {
    const [received] = await receiversFrom(pool, sender, 1);
    const watch = new ColourWatch(received!.receiver.track);
    watches.push(watch);
    return { watch, ...received! };
  };
  /** `count` pools that join `name` one after another through the delaying proxy to the counting server. */
  const mesh = async (name: string, count: number): Promise<Pool[]> => {
    const pools: Pool[] = [];
    for (let i = 0; i < count; i += 1) {
      const pool = tracker.create(proxy.url);
      await pool.join(name);
      pools.push(pool);
    }
    await Promise.all(pools.map((pool) => connectionsOf(pool, count - 1)));
    return pools;
  };

  it('switches every peer and a late joiner to the new track, with no rtc:sdp relayed; receivers keep their remote stream and track; the old track stays live', async function () {
    this.timeout(120_000);
    const mark = peerConnectionMark();
    const name = uniquePool('replace');
    const [a, b, c] = (await mesh(name, 3)) as [Pool, Pool, Pool];
    const atB = watchAt(b, a);
    const atC = watchAt(c, a);
    const red = paint('red');
    const shared = share(a, red);
    const receiving = [await atB, await atC];
    await Promise.all(receiving.map(({ watch }) => watch.until('red')));
    // the offers that brought the track are through: nothing is on its way
    await settle(QUIET_MS);
    expect(peerConnectionsSince(mark).filter((pc) => pc.signalingState !== 'closed').map((pc) => pc.signalingState), describePeers(mark)).to.deep.equal(Array(6).fill('stable'));
    const before = descriptionsAmong(await testNetwork.relays(server), [a, b, c]);
    const ids = receiving.map(({ receiver, stream }) => [stream.id, receiver.track.id]);
    const trackEvents: string[] = [];
    for (const pool of [b, c]) pool.tracks$.subscribe(({ event }) => trackEvents.push(event.track.id));

    const green = paint('green');
    await shared.replaceTrack(red, green);
    await Promise.all(receiving.map(({ watch }) => watch.until('green')));
    expect(shared.tracks).to.deep.equal([green]);
    expect(shared.getStream(b.id!)!.getTracks()).to.deep.equal([green]);
    // the app's old camera: not ours to stop
    expect(red.readyState).to.equal('live');
    // same remote stream, same remote track, no track event: only the frames changed
    expect(receiving.map(({ receiver, stream }) => [stream.id, receiver.track.id])).to.deep.equal(ids);
    expect(receiving.map(({ receiver, stream }) => [receiver.track.readyState, stream.getTracks().includes(receiver.track)])).to.deep.equal([
      ['live', true],
      ['live', true],
    ]);

    const late = tracker.create(proxy.url);
    const atLate = watchAt(late, a);
    await late.join(name);
    await (await atLate).watch.until('green');
    await settle(QUIET_MS);
    expect(trackEvents).to.deep.equal([]);
    // the late joiner's pairs negotiated as any join does; between the others, not one description
    expect(descriptionsAmong(await testNetwork.relays(server), [a, b, c])).to.deep.equal(before);
    expect(tracker.errors).to.deep.equal([]);
  });

  it('keeps a muted kind muted: no frame of the new track until unmute, then the new track', async function () {
    this.timeout(60_000);
    const [a, b] = (await mesh(uniquePool('replace-muted'), 2)) as [Pool, Pool];
    const atB = watchAt(b, a);
    const red = paint('red');
    const shared = share(a, red);
    const { watch, receiver } = await atB;
    await watch.until('red');
    shared.mute('video');
    await stopped(receiver);
    const green = paint('green');
    await shared.replaceTrack(red, green);
    expect([shared.muted('video'), await firstValueFrom(shared.muted$)]).to.deep.equal([true, { audio: false, video: true }]);
    expect(peerConnectionOf(link(a, b)).getSenders().map((sender) => sender.track)).to.deep.equal([null]);
    await Promise.all([watch.never('green', 2_000), stopped(receiver)]);
    shared.unmute('video');
    await watch.until('green');
    expect(peerConnectionOf(link(a, b)).getSenders().map((sender) => sender.track)).to.deep.equal([green]);
  });

  it('applies calls in the order they are made: replace, mute, unmute and replace again in one task, and a replace the instant a peer joins, leave every peer sending the last track', async function () {
    this.timeout(90_000);
    const name = uniquePool('replace-order');
    const [a, b] = (await mesh(name, 2)) as [Pool, Pool];
    const atB = watchAt(b, a);
    const red = paint('red');
    const shared = share(a, red);
    const { watch } = await atB;
    await watch.until('red');

    const [green, blue] = [paint('green'), paint('blue')];
    const replaced = [shared.replaceTrack(red, green)];
    shared.mute('video');
    shared.unmute('video');
    replaced.push(shared.replaceTrack(green, blue));
    shared.mute();
    shared.unmute();
    await Promise.all(replaced);
    await watch.until('blue');
    // a mute and an unmute in one task, with the sender's track settled: it must send again
    shared.mute('video');
    shared.unmute('video');
    await settle(500);
    expect(peerConnectionOf(link(a, b)).getSenders().map((sender) => sender.track)).to.deep.equal([blue]);

    // a replace the instant the newcomer's sender exists, before it is negotiated
    const red2 = paint('red');
    const late = tracker.create(proxy.url);
    const atLate = watchAt(late, a);
    const joined = firstValueFrom(a.peerJoined$).then((connection) => {
      expect(peerConnectionOf(connection).getSenders().map((sender) => sender.track)).to.deep.equal([blue]);
      return shared.replaceTrack(blue, red2);
    });
    await late.join(name);
    await joined;
    await Promise.all([watch.until('red'), (await atLate).watch.until('red')]);
    for (const peer of [b, late]) expect(peerConnectionOf(link(a, peer)).getSenders().map((sender) => sender.track)).to.deep.equal([red2]);
    expect(shared.tracks).to.deep.equal([red2]);
    expect(tracker.errors).to.deep.equal([]);
  });

  it('rejects misuse with a typed error and changes nothing: unknown-track, bad-kind, bad-argument, closed', async () => {
    const [a, b] = (await mesh(uniquePool('replace-misuse'), 2)) as [Pool, Pool];
    const red = paint('red');
    const blue = paint('blue');
    const shared = share(a, red, blue);
    shared.mute('video');
    const camera = await fakeCamera();
    others.push(...camera.getTracks());
    const [microphone] = camera.getAudioTracks();
    const ended = paint('green');
    ended.stop();
    const senders = (): Array<MediaStreamTrack | null> => peerConnectionOf(link(a, b)).getSenders().map((sender) => sender.track);
    await settle(100);
    const tracksBefore = shared.tracks;
    const sendersBefore = senders();
    const calls: Array<[string, () => Promise<void>]> = [
      ['unknown-track', () => shared.replaceTrack(paint('green'), paint('green'))],
      ['unknown-track', () => shared.replaceTrack('red' as unknown as MediaStreamTrack, paint('green'))],
      ['bad-kind', () => shared.replaceTrack(red, microphone!)],
      ['bad-argument', () => shared.replaceTrack(red, ended)],
      ['bad-argument', () => shared.replaceTrack(red, { kind: 'video' } as MediaStreamTrack)],
      ['bad-argument', () => shared.replaceTrack(red, blue)],
      ['bad-argument', () => shared.replaceTrack(red, red)],
    ];
    for (const [code, call] of calls) {
      // a promise that rejects, never a throw
      let promise: Promise<void> | undefined;
      expect(() => (promise = call())).to.not.throw();
      expect(await outcome(promise!), String(call)).to.equal(code);
    }
    await settle(100);
    expect(shared.tracks).to.deep.equal(tracksBefore);
    expect(senders()).to.deep.equal(sendersBefore);
    expect(shared.muted('video')).to.equal(true);

    shared.close();
    expect(await outcome(shared.replaceTrack(red, paint('green')))).to.equal('closed');
  });

  it('when a peer connection closes during the replace, the others switch and the promise resolves; the stream closing during it rejects with closed', async function () {
    this.timeout(90_000);
    const [a, b, c, d] = (await mesh(uniquePool('replace-closing'), 4)) as [Pool, Pool, Pool, Pool];
    const watching = [watchAt(b, a), watchAt(c, a), watchAt(d, a)];
    const red = paint('red');
    const shared = share(a, red);
    const [atB, atC, atD] = (await Promise.all(watching)) as [Awaited<(typeof watching)[0]>, Awaited<(typeof watching)[0]>, Awaited<(typeof watching)[0]>];
    await Promise.all([atB, atC, atD].map(({ watch }) => watch.until('red')));

    // the connection to b closes under the replace, as the pool closes it when b leaves (Firefox
    // then never settles that sender's replaceTrack), and c leaves at once
    const replaced = shared.replaceTrack(red, paint('green'));
    connectionControl(link(a, b)).close();
    c.close();
    expect(await outcome(replaced)).to.equal('resolved');
    await atD.watch.until('green');

    const replacedAgain = shared.replaceTrack(shared.tracks[0]!, paint('blue'));
    shared.close();
    expect(await outcome(replacedAgain)).to.equal('closed');
  });

  it('rejects with replace-failed, naming the peer, when the engine refuses one sender; every other peer switches, and the next unmute asks that sender again', async function () {
    this.timeout(60_000);
    const [a, b, c] = (await mesh(uniquePool('replace-refused'), 3)) as [Pool, Pool, Pool];
    const watching = Promise.all([watchAt(b, a), watchAt(c, a)]);
    const red = paint('red');
    const shared = share(a, red);
    const [atB, atC] = await watching;
    await Promise.all([atB!.watch.until('red'), atC!.watch.until('red')]);
    // the engine's refusal, once (as Chromium refuses a track it cannot send without renegotiating)
    const [refusing] = peerConnectionOf(link(a, b)).getSenders();
    const replace = refusing!.replaceTrack.bind(refusing);
    refusing!.replaceTrack = () => {
      refusing!.replaceTrack = replace;
      return Promise.reject(new DOMException('refused', 'InvalidModificationError'));
    };
    const green = paint('green');
    const error = await shared.replaceTrack(red, green).then(() => null, (e: unknown) => e);
    expect(error).to.be.instanceOf(RtcPoolError).and.include({ code: 'replace-failed', peer: b.id });
    expect((error as Error).cause).to.be.instanceOf(DOMException);
    await atC!.watch.until('green');
    await atB!.watch.never('green', 1_000);
    expect(shared.tracks).to.deep.equal([green]);
    shared.mute('video');
    shared.unmute('video');
    await atB!.watch.until('green');
  });

  it('replaces a microphone: the receiver keeps its live track, and packets of the new one arrive after the old one stopped', async function () {
    this.timeout(60_000);
    const [a, b] = (await mesh(uniquePool('replace-audio'), 2)) as [Pool, Pool];
    const atB = receiversFrom(b, a, 1);
    const camera = await fakeCamera();
    others.push(...camera.getTracks());
    const [microphone] = camera.getAudioTracks();
    const shared = share(a, microphone!);
    const [{ receiver, stream }] = (await atB) as [{ receiver: RTCRtpReceiver; stream: MediaStream }];
    await flowing(receiver);
    const audio = new AudioContext();
    const tone = audio.createOscillator();
    const destination = audio.createMediaStreamDestination();
    tone.connect(destination);
    tone.start();
    const [toneTrack] = destination.stream.getAudioTracks();
    others.push(toneTrack!);
    try {
      const ids = [stream.id, receiver.track.id];
      await shared.replaceTrack(microphone!, toneTrack!);
      // the old track sends nothing more: what flows now is the new one's
      microphone!.stop();
      expect(peerConnectionOf(link(a, b)).getSenders().map((sender) => sender.track)).to.deep.equal([toneTrack]);
      await flowing(receiver);
      // the ended listener moved with the track: the old one ending closes nothing
      expect([shared.closed, shared.tracks]).to.deep.equal([false, [toneTrack]]);
      expect([stream.id, receiver.track.id, receiver.track.readyState]).to.deep.equal([...ids, 'live']);
    } finally {
      tone.stop();
      await audio.close();
    }
  });
});
