/**
 * The DTLS fingerprint(s) of a session description: its `a=fingerprint` lines, normalised and
 * sorted, or null when it has none. Each `RTCPeerConnection` makes its own certificate, so a peer
 * whose fingerprint changes is talking from a new connection: it rebuilt the one we know.
 */
export function sdpFingerprint(sdp: string | null | undefined): string | null {
  const lines = (sdp ?? '').match(/^a=fingerprint:.*$/gim);
  if (!lines) return null;
  return [...new Set(lines.map((line) => line.trim().toLowerCase().replace(/\s+/g, ' ')))].sort().join('\n');
}
