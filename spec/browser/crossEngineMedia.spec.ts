import { expect } from 'chai';
import type { ManagedConnection, Pool } from '../../src';
import { HEADER_EXTENSION_LOCK_WAIT_MS } from '../../src/negotiation/headerExtensionLock';
import { otherEngine, thisEngine, uniquePool } from './support/environment';
import { fakeCamera, flowing } from './support/media';
import { canvasTrack, describePeers, MESH_TIMEOUT_MS, peerConnectionMark, peerConnectionsSince } from './support/pools';
import { ask, CrossEngineScene, type Order, type RoundReply } from './support/remoteControl';

/** New pairs per join order: each meets the other engine afresh, so each round 0 adds the pair's first tracks. */
const PAIRS = 5;
/** Rounds per pair: round 0 adds the first tracks, the next ones add more tracks at the same instant again. */
const ROUNDS = 3;

/** The ids of the remote streams whose tracks `connection` received, as they come. */
function streamsFrom(connection: ManagedConnection): { readonly ids: string[]; arrived(id: string): Promise<boolean>; receiver(id: string): RTCRtpReceiver | undefined; stop(): void } {
  const ids: string[] = [];
  const receivers = new Map<string, RTCRtpReceiver>();
  const subscription = connection.events$.subscribe((event) => {
    if (event.type !== 'track') return;
    const { streams, receiver } = event as RTCTrackEvent;
    ids.push(streams[0]?.id ?? '');
    receivers.set(streams[0]?.id ?? '', receiver);
  });
  return {
    ids,
    async arrived(id) {
      const deadline = Date.now() + MESH_TIMEOUT_MS;
      while (!ids.includes(id)) {
        if (Date.now() > deadline) return false;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      return true;
    },
    receiver: (id) => receivers.get(id),
    stop: () => subscription.unsubscribe(),
  };
}

/** Resolves once `pc` is in stable (or the mesh timeout has passed). */
async function stable(pc: RTCPeerConnection): Promise<void> {
  const deadline = Date.now() + MESH_TIMEOUT_MS;
  while (pc.signalingState !== 'stable' && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
}

/** The media sections of `pc` once it is stable, as `kind:currentDirection`. */
async function lockedSections(pc: RTCPeerConnection): Promise<string[]> {
  const deadline = Date.now() + MESH_TIMEOUT_MS;
  const sections = (): string[] => pc.getTransceivers().map((t) => `${t.receiver.track.kind}:${t.currentDirection}`);
  // the lock offer leaves the Firefox side when the first answer lands: give it a moment to settle
  await new Promise((resolve) => setTimeout(resolve, 200));
  while (pc.signalingState !== 'stable' || sections().some((section) => section.endsWith(':null'))) {
    if (Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return sections().sort();
}

// Chromium (libwebrtc) keeps the RTP header extension ids of an offer it rolls back; when the
// polite Chromium side and an impolite Firefox side added their first tracks at the same instant,
// Chromium then refused Firefox's offer ("RTP extension ID reassignment not supported") and that
// connection negotiated no media again. These specs prove the header extension lock (see
// src/negotiation/headerExtensionLock.ts) in both join orders, from both engines.
describe('Pool across engines: simultaneous first tracks (Chromium and Firefox in one pool)', () => {
  const scene = new CrossEngineScene();
  const { tracker, tracks } = scene;
  afterEach(() => scene.end());

  /** This engine's pool (made by `create`) and the other engine's remote peer in one new pool, joined in `order`. */
  async function meet(order: Order, pool: Pool = tracker.create()): Promise<{ pool: Pool; connection: ManagedConnection; ctl: RTCDataChannel }> {
    const { connection, ctl } = await scene.meet(order, pool, uniquePool('xmedia'));
    return { pool, connection, ctl };
  }

  for (const order of ['the other engine joins first', 'this engine joins first'] as const) {
    it(`costs one offer and one answer on a plain join (${order}), and one lock offer and answer more only when the Firefox peer is the older one; no track event`, async function () {
      this.timeout(60_000);
      const mark = peerConnectionMark();
      const pool = tracker.create();
      const offers = { made: 0, taken: 0 };
      const seen: string[] = [];
      pool.tracks$.subscribe(({ event }) => seen.push(event.track.kind));
      pool.peerJoined$.subscribe(() => {
        const pc = peerConnectionsSince(mark).at(-1)!;
        pc.addEventListener('signalingstatechange', () => {
          if (pc.signalingState === 'have-local-offer') offers.made += 1;
          if (pc.signalingState === 'have-remote-offer') offers.taken += 1;
        });
      });
      await meet(order, pool);
      const [pc] = peerConnectionsSince(mark);
      await lockedSections(pc!);
      // long enough for a lock offer, or for a polite side's wait to run out
      await new Promise((resolve) => setTimeout(resolve, HEADER_EXTENSION_LOCK_WAIT_MS + 200));
      const firefoxOlder = (thisEngine() === 'firefox') === (order === 'this engine joins first');
      const exchanges = firefoxOlder ? 2 : 1;
      // the older peer offers, the newcomer answers
      expect(offers).to.deep.equal(order === 'this engine joins first' ? { made: exchanges, taken: 0 } : { made: 0, taken: exchanges });
      expect(seen).to.deep.equal([]);
      expect(tracker.errors.map((error) => error.message)).to.deep.equal([]);
    });

    it(`both sides add their first tracks at the same instant (${order}): in each of ${PAIRS} new pairs each side receives the other's tracks, and again in ${ROUNDS - 1} more rounds of simultaneous tracks; no error on either side`, async function () {
      this.timeout(300_000);
      const failures: string[] = [];
      let collisions = 0;
      for (let pair = 0; pair < PAIRS && failures.length === 0; pair += 1) {
        const mark = peerConnectionMark();
        const { connection, ctl } = await meet(order);
        const [pc] = peerConnectionsSince(mark);
        const history: string[] = [];
        pc!.addEventListener('signalingstatechange', () => history.push(pc!.signalingState));
        const incoming = streamsFrom(connection);
        if (pair === 0) {
          // the Firefox side locks only when it is the older (impolite) one: the pair then has an
          // inactive audio and video section before any track; the other way round it has none
          const firefoxImpolite = (thisEngine() === 'firefox') === (order === 'this engine joins first');
          const sections = await lockedSections(pc!);
          expect(sections, describePeers(mark)).to.deep.equal(firefoxImpolite ? ['audio:inactive', 'video:inactive'] : []);
          expect(incoming.ids).to.deep.equal([]);
        }
        for (let round = 0; round < ROUNDS && failures.length === 0; round += 1) {
          // round 0: this side's first audio and video, the other side's first video
          const stream = round === 0 ? await fakeCamera() : new MediaStream([canvasTrack()]);
          tracks.push(...stream.getTracks());
          // the same instant: the command leaves, and this side adds its own in the same task
          const replied = ask<RoundReply>(ctl, { op: 'round', round, stream: stream.id });
          for (const track of stream.getTracks()) connection.addTrack(track, stream);
          const opening = connection.dataChannel(`local-${round}`, { timeout: MESH_TIMEOUT_MS });
          const mine = opening.then(
            (channel) => channel.readyState,
            (error: unknown) => String(error),
          );
          const reply = await replied;
          const theirs = await incoming.arrived(reply.stream);
          const wrong = [
            !reply.track && `the ${otherEngine()} side did not receive this side's tracks`,
            !theirs && `this side did not receive the ${otherEngine()} side's track`,
            (await mine) !== 'open' && `this side's channel: ${await mine}`,
            reply.channels.join() !== 'open,open' && `the other side's channels: ${reply.channels.join()}`,
            !reply.stable && 'the other side did not reach stable',
            reply.errors.length > 0 && `the other side's errors: ${reply.errors.join('; ')}`,
            tracker.errors.length > 0 && `errors here: ${tracker.errors.map((error) => error.message).join('; ')}`,
          ].filter(Boolean);
          if (wrong.length > 0) {
            const own = await opening.catch(() => null);
            failures.push(
              `pair ${pair} round ${round}: ${wrong.join(', ')}; here: ${describePeers(mark)}, channel ${own?.id}/${own?.readyState}; history ${history.join(' ')}; there: ${reply.state}`,
            );
          } else {
            // negotiated to receive, once the offer that brought it is answered (bytes are checked with
            // real cameras below: a still canvas sends none in Chromium)
            await stable(pc!);
            const transceiver = pc!.getTransceivers().find((t) => t.receiver === incoming.receiver(reply.stream));
            const receiving = transceiver?.currentDirection;
            if (receiving !== 'sendrecv' && receiving !== 'recvonly') {
              failures.push(`pair ${pair} round ${round}: the other side's track is ${receiving} here (mid ${transceiver?.mid}); here: ${describePeers(mark)}; history ${history.join(' ')}; there: ${reply.state}; streams ${incoming.ids.join()} want ${reply.stream}`);
            }
          }
        }
        collisions += history.join(' ').split('have-local-offer stable have-remote-offer').length - 1;
        incoming.stop();
        await scene.end();
      }
      expect(failures, `\n${failures.join('\n')}\n`).to.deep.equal([]);
      console.log(`${thisEngine()} with ${otherEngine()} (${order}): ${collisions} of ${PAIRS * ROUNDS} rounds rolled back here`);
    });

    it(`sends a first track added the instant the first exchange ends, and receives the other engine's camera, bytes flowing (${order}); the app sees only real tracks, no error`, async function () {
      this.timeout(120_000);
      const camera = await fakeCamera();
      tracks.push(...camera.getTracks());
      const mark = peerConnectionMark();
      const pool = tracker.create();
      const seen: string[] = [];
      const receivers: RTCRtpReceiver[] = [];
      pool.tracks$.subscribe(({ event }) => {
        seen.push(`${event.track.kind} of ${event.streams[0]?.id}`);
        receivers.push(event.receiver);
      });
      // on the polite libwebrtc side this offer meets the Firefox side's lock offer, if it is not held back
      pool.peerJoined$.subscribe((joined) => {
        const pc = peerConnectionsSince(mark).at(-1)!;
        const onState = (): void => {
          if (pc.signalingState !== 'stable' || !pc.remoteDescription) return;
          pc.removeEventListener('signalingstatechange', onState);
          for (const track of camera.getTracks()) joined.addTrack(track, camera);
        };
        pc.addEventListener('signalingstatechange', onState);
      });
      const { ctl } = await meet(order, pool);
      const reply = await ask<{ tracks: number; received: boolean; stream: string }>(ctl, { op: 'camera', stream: camera.id });
      expect(reply, describePeers(mark)).to.include({ tracks: 2, received: true });
      const deadline = Date.now() + MESH_TIMEOUT_MS;
      while (seen.length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
      // the lock's receive-only sections fire no track event: the app sees the other side's camera only
      expect(seen.sort(), describePeers(mark)).to.deep.equal([`audio of ${reply.stream}`, `video of ${reply.stream}`]);
      await Promise.all(receivers.map((receiver) => flowing(receiver)));
      expect(tracker.errors.map((error) => error.message)).to.deep.equal([]);
      expect((await ask<{ errors: string[] }>(ctl, { op: 'errors' })).errors).to.deep.equal([]);
    });
  }
});
