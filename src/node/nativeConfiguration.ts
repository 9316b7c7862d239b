import type { RtcConfig } from 'node-datachannel';

const ICE_URL = /^(stun|stuns|turn|turns):/;

/**
 * The native configuration of a W3C `RTCConfiguration`, checked as browsers check it (a bad URL
 * is a `SyntaxError`, a TURN server without credentials an `InvalidAccessError`) before anything
 * native exists. The bridge negotiates itself, so libdatachannel's own negotiation is off.
 * Credentials are URL-encoded: libdatachannel decodes them from `turn:user:pass@host`, and
 * TURN REST passwords are base64 (`/`, `+`, `=`).
 */
export function nativeConfiguration(configuration: RTCConfiguration): RtcConfig {
  if (configuration.iceServers === null) throw new TypeError('iceServers cannot be null');
  const iceServers: string[] = [];
  for (const server of configuration.iceServers ?? []) {
    if (server === null || typeof server !== 'object') throw new TypeError('each ICE server is an object');
    const urls = typeof server.urls === 'string' ? [server.urls] : [...(server.urls ?? [])];
    if (urls.length === 0) throw new DOMException('an ICE server has no urls', 'SyntaxError');
    for (const url of urls) {
      if (typeof url !== 'string' || !ICE_URL.test(url)) throw new DOMException(`bad ICE server URL: ${String(url)}`, 'SyntaxError');
      const [scheme, rest] = [url.slice(0, url.indexOf(':')), url.slice(url.indexOf(':') + 1)];
      if (!scheme.startsWith('turn')) {
        iceServers.push(url);
        continue;
      }
      if (typeof server.username !== 'string' || typeof server.credential !== 'string') {
        throw new DOMException(`TURN server ${url} needs a username and a credential`, 'InvalidAccessError');
      }
      iceServers.push(`${scheme}:${encodeURIComponent(server.username)}:${encodeURIComponent(server.credential)}@${rest}`);
    }
  }
  const policy = configuration.iceTransportPolicy ?? 'all';
  if (policy !== 'all' && policy !== 'relay') throw new TypeError(`bad iceTransportPolicy: ${String(policy)}`);
  return { iceServers, iceTransportPolicy: policy, disableAutoNegotiation: true };
}

/** A copy of a configuration that shares no object with it (its ICE servers are copied too). */
export function copyConfiguration(configuration: RTCConfiguration): RTCConfiguration {
  return { ...configuration, iceServers: (configuration.iceServers ?? []).map((server) => ({ ...server })) };
}
