import type { IncomingMessage, ServerResponse } from 'node:http';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ServerStats } from './serverStats';

/** Path of the Prometheus endpoint on the server's own HTTP server (and the CLI's). */
export const METRICS_PATH = '/metrics';
/** Buckets of the Redis round-trip histogram, in seconds: loopback to a slow link. */
const ROUND_TRIP_BUCKETS = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];

/** What the metrics read from the server, when scraped. */
export interface MetricsSource {
  /** The server's stats (walks every client: only on a scrape). */
  stats(): ServerStats;
  /** Relays sent since the server started. */
  relays(): number;
}

/**
 * A server's Prometheus metrics (one registry per server, so several servers in one process do
 * not mix). Nothing is counted on the hot path: the server keeps plain numbers, and a scrape
 * reads them; only Redis round trips (a few a second) are observed as they happen.
 */
export class ServerMetrics {
  /** The registry, for an app that merges it into its own. */
  readonly registry = new Registry();
  readonly #roundTrips: Histogram;

  constructor(source: MetricsSource, labels: { readonly node?: string } = {}) {
    if (labels.node) this.registry.setDefaultLabels({ node: labels.node });
    const gauge = (name: string, help: string, read: (stats: ServerStats) => number): void => {
      new Gauge({
        name,
        help,
        registers: [this.registry],
        collect() {
          this.set(read(source.stats()));
        },
      });
    };
    gauge('rtcpool_sockets', 'Open WebSockets on this node', (s) => s.sockets);
    gauge('rtcpool_pools', 'Pools this node has members in (the whole server when not in a cluster)', (s) => s.pools);
    gauge('rtcpool_members', 'Members on this node, present or away', (s) => s.members);
    gauge('rtcpool_away_members', 'Members in their grace period', (s) => s.away);
    gauge('rtcpool_held_bytes', 'Bytes kept for members: while away, or not yet acknowledged', (s) => s.heldBytes);
    gauge('rtcpool_queued_bytes', 'Bytes written to sockets and not yet sent', (s) => s.queuedBytes);
    new Counter({
      name: 'rtcpool_relays_total',
      help: 'rtc:sdp and rtc:candidate relays accepted from this node\'s members (rate() gives relays/s)',
      registers: [this.registry],
      collect() {
        this.reset();
        this.inc(source.relays());
      },
    });
    new Counter({
      name: 'rtcpool_refusals_total',
      help: 'Refusals by stable reason (rtc:error reasons, HTTP refusals, closes for limits)',
      labelNames: ['reason'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [reason, count] of Object.entries(source.stats().refusals)) this.inc({ reason }, count);
      },
    });
    this.#roundTrips = new Histogram({
      name: 'rtcpool_redis_round_trip_seconds',
      help: 'Round-trip time of the node\'s liveness refresh to Redis (cluster only)',
      buckets: ROUND_TRIP_BUCKETS,
      registers: [this.registry],
    });
  }

  /** One measured Redis round trip. */
  roundTrip(seconds: number): void {
    this.#roundTrips.observe(seconds);
  }

  /** The metrics in Prometheus text format. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  /** Answers a `GET /metrics` request. */
  async serve(_request: IncomingMessage, response: ServerResponse): Promise<void> {
    try {
      const body = await this.text();
      response.writeHead(200, { 'content-type': this.registry.contentType }).end(body);
    } catch {
      response.writeHead(500, { 'content-type': 'text/plain' }).end('metrics failed\n');
    }
  }
}
