import { expect } from 'chai';
import type { PeerConnection } from 'node-datachannel';
import { NativeStates } from '../../../src/node/nativeStates';
import { linkPair, settled, type LinkedPair } from './support/linkedPair';

/** Resolves once `check()` holds; rejects after `ms`. */
async function until(check: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/**
 * A stand-in for libdatachannel's connection, for the mapping alone: it reports the states a
 * test sets. (Real native pairs made outside the bridge keep the process alive unless their
 * channels are closed just so; the first spec shows the real thing through the bridge.)
 */
function fakeNative(): { native: PeerConnection; set(state: string): void } {
  let state = 'new';
  let listener: (state: string) => void = () => undefined;
  const native = {
    state: () => state,
    iceState: () => 'new',
    signalingState: () => 'stable',
    onStateChange: (callback: (state: string) => void) => (listener = callback),
    onIceStateChange: () => undefined,
    onSignalingStateChange: () => undefined,
  };
  return {
    native: native as unknown as PeerConnection,
    set(next) {
      state = next;
      listener(next);
    },
  };
}

/** A short grace, for the specs. */
const GRACE_MS = 20;

describe('NativeStates (rtcpool/node)', () => {
  const pairs: LinkedPair[] = [];
  afterEach(() => {
    for (const pair of pairs.splice(0)) pair.close();
  });

  it('reports disconnected, not failed, when the peer closes an established connection (it left)', async () => {
    const pair = linkPair();
    pairs.push(pair);
    await settled(pair, [pair.a.control, pair.b.control]);
    const seen: string[] = [];
    pair.a.pc.addEventListener('connectionstatechange', () => seen.push(pair.a.pc.connectionState));
    pair.b.pc.close();
    await until(() => seen.includes('disconnected'), 'disconnected');
    // the native connection is closed by now; W3C-wise only close() makes it closed
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(pair.a.pc.connectionState).to.equal('disconnected');
    expect(seen).to.not.include('failed');
    expect(seen).to.not.include('closed');
  });

  it('goes on to failed once a connection closed by its peer stays open past the grace, with one event each', async () => {
    const { native, set } = fakeNative();
    const events: string[] = [];
    const states = new NativeStates(native, () => false, () => events.push(states.connection()), GRACE_MS);
    for (const state of ['connecting', 'connected', 'disconnected', 'closed']) set(state);
    expect(events).to.deep.equal(['connecting', 'connected', 'disconnected']);
    await until(() => events.length === 4, 'failed');
    expect(events.at(-1)).to.equal('failed');
    states.close();
  });

  it('reports failed at once when libdatachannel fails, or closes a connection that was never established', () => {
    const failing = fakeNative();
    const failed: string[] = [];
    const one = new NativeStates(failing.native, () => false, () => failed.push(one.connection()), GRACE_MS);
    for (const state of ['connecting', 'connected', 'failed', 'closed']) failing.set(state);
    expect(failed).to.deep.equal(['connecting', 'connected', 'failed']);
    const dying = fakeNative();
    const died: string[] = [];
    const other = new NativeStates(dying.native, () => false, () => died.push(other.connection()), GRACE_MS);
    for (const state of ['connecting', 'closed']) dying.set(state);
    expect(died).to.deep.equal(['connecting', 'failed']);
  });

  it('announces nothing more, and leaves no timer, once the connection is closed locally', async () => {
    const { native, set } = fakeNative();
    let closed = false;
    const events: string[] = [];
    const states = new NativeStates(native, () => closed, () => events.push(states.connection()), GRACE_MS);
    for (const state of ['connecting', 'connected', 'closed']) set(state);
    closed = true;
    states.close();
    await new Promise((resolve) => setTimeout(resolve, GRACE_MS * 5));
    expect(events).to.deep.equal(['connecting', 'connected', 'disconnected']);
    expect(states.connection()).to.equal('closed');
  });
});
