import { expect } from 'chai';
import { media, type ManagedStream } from '../../src';
import { paintedTrack, type Colour, type PaintedTrack } from './support/colours';
import { otherEngine, uniquePool } from './support/environment';
import { HEADER_EXTENSION_LOCK_WAIT_MS } from '../../src/negotiation/headerExtensionLock';
import { describePeers, MESH_TIMEOUT_MS, peerConnectionMark, peerConnectionsSince, settle } from './support/pools';
import { ask, CrossEngineScene } from './support/remoteControl';

/** What the remote peer answers a `colour` command (spec/support/remotePeer.ts). */
interface ColourReply {
  readonly shown: boolean;
  readonly stream: string;
  readonly track: string;
}

describe('ManagedStream.replaceTrack across engines (Chromium and Firefox in one pool)', () => {
  const scene = new CrossEngineScene();
  const painted: PaintedTrack[] = [];
  let shared: ManagedStream | null = null;
  afterEach(async () => {
    shared?.close();
    shared = null;
    for (const source of painted.splice(0)) source.stop();
    await scene.end();
  });
  const paint = (colour: Colour): MediaStreamTrack => {
    const source = paintedTrack(colour);
    painted.push(source);
    return source.track;
  };

  for (const order of ['the other engine joins first', 'this engine joins first'] as const) {
    it(`the other engine's receiver shows the new track, in the same remote stream and track, with no renegotiation (${order})`, async function () {
      this.timeout(120_000);
      const mark = peerConnectionMark();
      const pool = scene.tracker.create();
      const { connection, ctl } = await scene.meet(order, pool, uniquePool('xreplace'));
      const red = paint('red');
      shared = new media.ManagedStream(new MediaStream([red]), pool);
      const stream = shared.getStream(connection.id)!.id;
      const before = await ask<ColourReply>(ctl, { op: 'colour', stream, colour: 'red' });
      expect(before.shown, `the ${otherEngine()} peer never showed red`).to.equal(true);
      const [pc] = peerConnectionsSince(mark);
      // the offer that brought the track, and any header extension lock, are through
      await settle(HEADER_EXTENSION_LOCK_WAIT_MS + 200);
      const deadline = Date.now() + MESH_TIMEOUT_MS;
      while (pc!.signalingState !== 'stable' && Date.now() < deadline) await settle(20);
      expect(pc!.signalingState, describePeers(mark)).to.equal('stable');
      const changes: string[] = [];
      pc!.addEventListener('signalingstatechange', () => changes.push(pc!.signalingState));

      await shared.replaceTrack(red, paint('green'));
      const after = await ask<ColourReply>(ctl, { op: 'colour', stream, colour: 'green' });
      expect(after).to.deep.equal({ ...before, op: 'colour', shown: true });
      expect(changes).to.deep.equal([]);
      expect((await ask<{ errors: string[] }>(ctl, { op: 'errors' })).errors).to.deep.equal([]);
      expect(scene.tracker.errors).to.deep.equal([]);
    });
  }
});
