// rtcpool 3.0.2 (the `rtcpool3` alias, bundled with bench/babelRuntimePlugin.cjs) as the specs
// that mesh with 3.x peers use it: the part of its API they need, typed.
// @ts-expect-error 3.0.2 ships no types
import * as rtcpool3 from 'rtcpool3';
import { LOCAL_ONLY } from './environment';

/** A 3.0.2 pool. */
export interface Pool3 {
  readonly id: string | null;
  readonly events: EventTarget;
  join(pool: string): void;
  close(): void;
}

/** A 3.0.2 connection. */
export interface Connection3 {
  readonly id: string;
  dataChannel(label: string): Promise<RTCDataChannel>;
}

const { Pool, signalling } = rtcpool3 as unknown as {
  Pool: new (config: RTCConfiguration, signals: unknown) => Pool3;
  signalling: { websocket: new (socket: WebSocket) => unknown };
};

/** A 3.0.2 pool on a WebSocket to `url`, once the socket is open (3.0.2 sends on it at once). */
export async function pool3(url: string): Promise<Pool3> {
  const socket = new WebSocket(url);
  await new Promise((resolve, reject) => {
    socket.onopen = resolve;
    socket.onerror = reject;
  });
  return new Pool(LOCAL_ONLY, new signalling.websocket(socket));
}

/**
 * What a 3.x app that greets newcomers does: it opens a channel to every peer that arrives after
 * its own join (3.0.2 announces the peers already there before its `join` event). Resolves with
 * the channels of the first `count` greeted peers, once open.
 */
export function greetNewcomers(pool: Pool3, label: string, count: number): Promise<RTCDataChannel[]> {
  let joined = false;
  pool.events.addEventListener('join', () => (joined = true));
  const opened: Array<Promise<RTCDataChannel>> = [];
  return new Promise((resolve) => {
    pool.events.addEventListener('peer', (event) => {
      if (!joined) return;
      opened.push((event as CustomEvent<{ connection: Connection3 }>).detail.connection.dataChannel(label));
      if (opened.length === count) void Promise.all(opened).then(resolve);
    });
  });
}

/** Resolves with the first channel labelled `label` a peer opens to this 3.0.2 pool. */
export function channelFrom(pool: Pool3, label: string): Promise<RTCDataChannel> {
  return new Promise((resolve) => {
    const listener = (event: Event): void => {
      const { channel } = event as RTCDataChannelEvent;
      if (channel.label !== label) return;
      pool.events.removeEventListener('datachannel', listener);
      if (channel.readyState === 'open') resolve(channel);
      else channel.addEventListener('open', () => resolve(channel), { once: true });
    };
    pool.events.addEventListener('datachannel', listener);
  });
}
