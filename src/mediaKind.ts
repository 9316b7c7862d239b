import { RtcPoolError } from './errors';

/** A media kind `mute`, `unmute` and `muted` accept; none (or null) means every track. */
export type MediaKind = 'audio' | 'video';

/** Which kinds are muted, as `muted$` reports it. */
export interface MuteState {
  /** Every audio track is muted. */
  readonly audio: boolean;
  /** Every video track is muted. */
  readonly video: boolean;
}

/** The kind `mute`, `unmute` and `muted` were given, or null for every track. */
export function checkKind(kind: unknown): MediaKind | null {
  if (kind === undefined || kind === null) return null;
  if (kind === 'audio' || kind === 'video') return kind;
  throw new RtcPoolError('bad-kind', `Invalid track kind "${String(kind)}": use 'audio', 'video' or none`);
}
