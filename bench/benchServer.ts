import type { Server } from 'node:http';
import { createSignallingServer, type SignallingServer } from '../src/server';

/** A benchmark's page server with the real signalling server on it, listening on 127.0.0.1. */
export interface BenchServer {
  readonly signalling: SignallingServer;
  /** `http://127.0.0.1:<port>`, where the pages are. */
  readonly origin: string;
  /** The signalling server's WebSocket URL. */
  readonly url: string;
  /** Closes the signalling server, then the page server. */
  close(): Promise<void>;
}

/**
 * Puts the signalling server on `http` (the benchmark's own page routes, and any `upgrade`
 * listener it added first) and listens on a free port of 127.0.0.1. The message rate limits are
 * lifted: a benchmark's pools send far faster than the defaults allow one client.
 */
export async function startBenchServer(http: Server): Promise<BenchServer> {
  const signalling = await createSignallingServer({ server: http, path: '/signal', limits: { messagesPerSecond: 1e6, messageBurst: 1e6 } });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return {
    signalling,
    origin: `http://127.0.0.1:${signalling.address().port}`,
    url: signalling.url,
    close: async () => {
      await signalling.close();
      http.close();
    },
  };
}
