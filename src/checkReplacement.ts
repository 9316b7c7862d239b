import { RtcPoolError } from './errors';

/**
 * Throws the typed error `ManagedStream.replaceTrack()` rejects with when it cannot replace
 * `oldTrack` by `newTrack` in a stream sending `tracks`; returns nothing when it can.
 */
export function checkReplacement(tracks: readonly MediaStreamTrack[], oldTrack: unknown, newTrack: unknown, closed: boolean): void {
  if (closed) throw new RtcPoolError('closed', 'replaceTrack on a closed ManagedStream');
  if (!(oldTrack instanceof MediaStreamTrack) || !tracks.includes(oldTrack)) {
    throw new RtcPoolError('unknown-track', 'replaceTrack: the old track is not one of the tracks this ManagedStream sends');
  }
  // an ended track would send nothing, and would close the stream at once if it were the last
  if (!(newTrack instanceof MediaStreamTrack) || newTrack.readyState !== 'live') {
    throw new RtcPoolError('bad-argument', 'replaceTrack: the new track must be a live MediaStreamTrack');
  }
  if (tracks.includes(newTrack)) {
    throw new RtcPoolError('bad-argument', 'replaceTrack: the new track is already one of the tracks this ManagedStream sends');
  }
  // RTCRtpSender.replaceTrack cannot change a sender's kind without renegotiation
  if (newTrack.kind !== oldTrack.kind) {
    throw new RtcPoolError('bad-kind', `replaceTrack: a ${newTrack.kind} track cannot replace a ${oldTrack.kind} track`);
  }
}
