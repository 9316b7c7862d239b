// Node.js peers in processes of their own, started and stopped through the karma framework
// spec/support/karmaNodePeerFramework.cjs.
import { signallingUrl } from './environment';

/** What the Node-peer framework hands the page (spec/support/karmaNodePeerFramework.cjs). */
declare const __karma__: { readonly config: { readonly nodePeerControlUrl?: string } };

/** A Node.js peer (spec/support/nodePeerProcess.ts) in a process of its own. */
export interface NodePeer {
  readonly pid: number;
  readonly id: string;
}

/** How a stopped Node peer ended: it must end by itself once its pool is closed. */
export interface NodePeerExit {
  readonly code: number | null;
  readonly signal: string | null;
  readonly killed: boolean;
  readonly output: string;
}

async function post<T>(path: string): Promise<T> {
  const base = __karma__.config.nodePeerControlUrl;
  if (!base) throw new Error('no Node peers here: karma.conf.cjs needs the rtcpool-node-peer framework (spec/support/karmaNodePeerFramework.cjs)');
  const response = await fetch(`${base}${path}`, { method: 'POST' });
  if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  return response.json() as Promise<T>;
}

/** Starts and stops Node peers through the karma framework. */
export const nodePeers = {
  /**
   * Starts a Node peer that joins `pool` on the test server; resolves once it has joined. With
   * `channel`, it also makes that pool channel, and answers each message on it to its sender.
   */
  start: (pool: string, channel?: string): Promise<NodePeer> =>
    post(`/start?url=${encodeURIComponent(signallingUrl())}&pool=${encodeURIComponent(pool)}${channel ? `&channel=${encodeURIComponent(channel)}` : ''}`),
  /** Freezes it (SIGSTOP): it reads nothing, acknowledges nothing, until {@link nodePeers.resume}. */
  pause: (peer: NodePeer): Promise<boolean> => post(`/pause?pid=${peer.pid}`),
  /** Lets a frozen Node peer run again (SIGCONT). */
  resume: (peer: NodePeer): Promise<boolean> => post(`/resume?pid=${peer.pid}`),
  /** Stops it by pid (it closes its pool, then must end by itself). */
  stop: (peer: NodePeer): Promise<NodePeerExit> => post(`/stop?pid=${peer.pid}`),
};

