import { expect } from 'chai';
import { firstValueFrom, filter, take, toArray } from 'rxjs';
import { startChat } from '../../examples/legacy-chat';
import { joinChat } from '../../examples/rxjs-chat';
import { fileTransfer } from '../../examples/file-transfer';
import { shareScreen, watchScreens } from '../../examples/screen-share';
import { switchCamera } from '../../examples/switch-camera';
import { media, Pool, RtcPoolError, signalling, type ManagedStream } from '../../src';
import { ColourWatch, paintedTrack, type PaintedTrack } from './support/colours';
import { signallingUrl, thisEngine, uniquePool } from './support/environment';
import { endableTracks, fakeCamera, flowing, receiversFrom, type EndableTracks } from './support/media';
import { connectionsOf, link, peerConnectionMark, peerConnectionsSince, PoolTracker, settle } from './support/pools';

describe('README examples', () => {
  const pools: Pool[] = [];
  afterEach(() => pools.splice(0).forEach((pool) => pool.close()));

  it('the 3.x chat works as written', async () => {
    const room = uniquePool('legacy-chat');
    const heard: string[] = [];
    const alice = startChat(signallingUrl(), room, (_from, text) => heard.push(`alice heard ${text}`));
    pools.push(alice.pool);
    await new Promise((resolve) => (alice.pool.events.onjoin = resolve));
    const bob = startChat(signallingUrl(), room, (_from, text) => heard.push(`bob heard ${text}`));
    pools.push(bob.pool);
    await connectionsOf(alice.pool, 1);
    await connectionsOf(bob.pool, 1);
    // each side's own channel opens in its onpeer handler
    while (heard.length < 2) {
      await settle(20);
      alice.say('hi bob');
      bob.say('hi alice');
    }
    expect(heard).to.include.members(['alice heard hi alice', 'bob heard hi bob']);
  });

  it('the RxJS chat works as written', async () => {
    const room = uniquePool('rxjs-chat');
    const alice = joinChat(signallingUrl(), room);
    pools.push(alice.pool);
    await alice.joined;
    const bob = joinChat(signallingUrl(), room);
    pools.push(bob.pool);
    const roster = firstValueFrom(alice.roster$.pipe(filter((names) => names.length === 1), take(1)));
    const heard = firstValueFrom(alice.messages$.pipe(take(1), toArray()));
    const channel = await firstValueFrom(bob.outgoing$);
    await bob.joined;
    expect(await roster).to.deep.equal([bob.pool.id]);
    channel.send('hello from bob');
    expect(await heard).to.deep.equal([{ from: bob.pool.id, text: 'hello from bob' }]);
  });

  it('the file transfer works as written', async () => {
    const room = uniquePool('files');
    const a = new Pool({ iceServers: [] }, new signalling.websocket(signallingUrl()));
    const b = new Pool({ iceServers: [] }, new signalling.websocket(signallingUrl()));
    pools.push(a, b);
    await a.join(room);
    await b.join(room);
    const [ab] = await connectionsOf(a, 1);
    const [ba] = await connectionsOf(b, 1);
    const received = new Promise<Blob>((resolve) => void fileTransfer(ba!, resolve, () => undefined));
    const progress: number[] = [];
    const sender = await fileTransfer(ab!, () => undefined, (direction, fraction) => direction === 'send' && progress.push(fraction));
    const file = new Blob([new Uint8Array(3 * 1024 * 1024).fill(7)]);
    await sender.send(file);
    const got = new Uint8Array(await (await received).arrayBuffer());
    expect(got.length).to.equal(file.size);
    expect(got.every((byte) => byte === 7)).to.equal(true);
    expect(progress.at(-1)).to.equal(1);
  });

  it('the camera switch works as written: the new camera reaches the peer with no renegotiation, and the old one is stopped', async function () {
    this.timeout(60_000);
    const tracker = new PoolTracker();
    const mark = peerConnectionMark();
    const [a, b] = (await tracker.mesh(uniquePool('switch'), 2)) as [Pool, Pool];
    const atB = receiversFrom(b, a, 1);
    const camera = await fakeCamera();
    for (const track of camera.getAudioTracks()) track.stop();
    const shared = new media.ManagedStream(new MediaStream(camera.getVideoTracks()), a);
    try {
      const [{ receiver }] = (await atB) as [{ receiver: RTCRtpReceiver; stream: MediaStream }];
      await flowing(receiver);
      // stable again after the offer that brought the camera: any change from here is a renegotiation
      while (peerConnectionsSince(mark).some((pc) => pc.signalingState !== 'stable')) await settle(20);
      const changes: string[] = [];
      for (const pc of peerConnectionsSince(mark)) pc.addEventListener('signalingstatechange', () => changes.push(pc.signalingState));
      const [old] = shared.tracks as [MediaStreamTrack];
      // the fake device is the one camera there is: the same device gives a new track
      await switchCamera(shared, old.getSettings().deviceId!);
      const [now] = shared.tracks as [MediaStreamTrack];
      expect([now === old, now.readyState, old.readyState]).to.deep.equal([false, 'live', 'ended']);
      await flowing(receiver);
      expect(changes).to.deep.equal([]);
    } finally {
      shared.close();
      tracker.closeAll();
    }
  });

  describe('the screen share', () => {
    const tracker = new PoolTracker();
    const shared: ManagedStream[] = [];
    const painted: PaintedTrack[] = [];
    const sources: EndableTracks[] = [];
    const stops: Array<() => void> = [];
    afterEach(() => {
      for (const stop of stops.splice(0)) stop();
      for (const managed of shared.splice(0)) managed.close();
      for (const source of painted.splice(0)) source.stop();
      for (const source of sources.splice(0)) source.close();
      tracker.closeAll();
    });

    /**
     * A screen that ends as a browser's "Stop sharing" ends it: its source stops and the track
     * fires `ended`. Headless Chromium captures its fake screen without a prompt, but nothing in a
     * page can press its "Stop sharing" (and `track.stop()` fires no `ended`); headless Firefox
     * refuses getDisplayMedia without a user gesture, which a page cannot make. So the track comes
     * through a loopback peer connection (support/media.ts), whose sending side stopping ends it
     * for real in both engines; what it carries is the real screen in Chromium, a canvas in Firefox.
     */
    async function endableScreen(): Promise<{ stream: MediaStream; stopSharing: () => Promise<void> }> {
      let source: MediaStreamTrack;
      if (thisEngine() === 'chromium') {
        [source] = (await navigator.mediaDevices.getDisplayMedia({ video: true })).getVideoTracks() as [MediaStreamTrack];
      } else {
        const canvas = paintedTrack('green');
        painted.push(canvas);
        source = canvas.track;
      }
      const endable = await endableTracks(1, [source]);
      sources.push(endable);
      const [track] = endable.tracks as [MediaStreamTrack];
      return { stream: new MediaStream([track]), stopSharing: () => endable.end(track) };
    }

    it('the screen share works as written: a second stream next to the camera, told apart at every receiver and a late joiner; "Stop sharing" closes it and every receiver learns', async function () {
      this.timeout(90_000);
      const name = uniquePool('screen');
      const [a, b] = (await tracker.mesh(name, 2)) as [Pool, Pool];
      const seen: Array<[string, string, string | null]> = [];
      const screens = new Map<string, MediaStream | null>();
      const watch = (pool: Pool): void => {
        stops.push(watchScreens(pool, (peer, screen) => {
          seen.push([pool.id!, peer, screen && screen.id]);
          screens.set(pool.id!, screen);
        }));
      };
      watch(b);
      const cameraAtB = receiversFrom(b, a, 1);
      const red = paintedTrack('red');
      painted.push(red);
      const camera = new media.ManagedStream(new MediaStream([red.track]), a);
      shared.push(camera);
      const [{ stream: cameraStream, receiver: cameraReceiver }] = (await cameraAtB) as [{ receiver: RTCRtpReceiver; stream: MediaStream }];

      const { stream, stopSharing } = await endableScreen();
      const screen = await shareScreen(a, () => Promise.resolve(stream));
      shared.push(screen);
      const closed = new Promise((resolve) => screen.addEventListener('close', resolve));
      const late = tracker.create();
      watch(late);
      await late.join(name);
      await connectionsOf(a, 2);
      for (const pool of [b, late]) {
        const deadline = Date.now() + 15_000;
        while (!screens.get(pool.id!) && Date.now() < deadline) await settle(20);
        // the stream the sharer made for that peer, not the camera's
        expect(screens.get(pool.id!)?.id).to.equal(screen.getStream(pool.id!)!.id);
      }
      expect(screens.get(b.id!)!.id).to.not.equal(cameraStream.id);
      const shownAtB = new ColourWatch(screens.get(b.id!)!.getVideoTracks()[0]!);
      const cameraAtBWatch = new ColourWatch(cameraStream.getVideoTracks()[0]!);
      stops.push(() => shownAtB.close(), () => cameraAtBWatch.close());
      await cameraAtBWatch.until('red');
      // the screen's frames arrive: Chromium's fake screen in its own colours, Firefox's green canvas
      const screenAtB = (link(b, a) as unknown as { conn: RTCPeerConnection }).conn.getReceivers().find((r) => r.track === screens.get(b.id!)!.getVideoTracks()[0]);
      await flowing(screenAtB!);
      if (thisEngine() === 'firefox') await shownAtB.until('green');
      await shownAtB.never('red', 1_000);

      await stopSharing();
      await closed;
      expect([screen.closed, camera.closed]).to.deep.equal([true, false]);
      const deadline = Date.now() + 15_000;
      while ([b, late].some((pool) => screens.get(pool.id!) !== null) && Date.now() < deadline) await settle(20);
      expect(seen.filter(([, , id]) => id === null).map(([pool]) => pool).sort()).to.deep.equal([b.id, late.id].sort());
      // once shown and once ended at each receiver, always as a's
      expect(seen.map(([pool, peer, id]) => [pool, peer, id === null])).to.have.deep.members([
        [b.id, a.id, false],
        [late.id, a.id, false],
        [b.id, a.id, true],
        [late.id, a.id, true],
      ]);
      expect(seen).to.have.length(4);
      // the camera goes on
      await flowing(cameraReceiver);
    });

    it(`the screen share's default capture is getDisplayMedia: ${thisEngine() === 'chromium' ? 'headless Chromium shares its fake screen with every peer' : 'Firefox refuses it without a user gesture, and nothing is shared'}`, async function () {
      this.timeout(60_000);
      const [a, b] = (await tracker.mesh(uniquePool('screen-default'), 2)) as [Pool, Pool];
      if (thisEngine() === 'chromium') {
        const atB = receiversFrom(b, a, 1);
        const screen = await shareScreen(a);
        shared.push(screen);
        const [track] = screen.tracks as [MediaStreamTrack];
        expect([track.kind, track.getSettings().displaySurface]).to.deep.equal(['video', 'monitor']);
        const [{ receiver, stream }] = (await atB) as [{ receiver: RTCRtpReceiver; stream: MediaStream }];
        expect(stream.id).to.equal(screen.getStream(b.id!)!.id);
        await flowing(receiver);
      } else {
        const error: unknown = await shareScreen(a).then(() => null, (e: unknown) => e);
        expect(error).to.be.instanceOf(DOMException).and.include({ name: 'InvalidStateError' });
        expect(error).to.not.be.instanceOf(RtcPoolError);
        const tracks: unknown[] = [];
        b.tracks$.subscribe((event) => tracks.push(event));
        await settle(1_000);
        expect(tracks).to.deep.equal([]);
      }
    });
  });
});
