import { RtcPoolError } from '../errors';

/**
 * The typed error of something node-datachannel cannot do (a missing package, ICE restart,
 * media): an {@link RtcPoolError} with the code `unsupported`, saying what to do instead.
 */
export function unsupported(message: string, cause?: unknown): RtcPoolError {
  return new RtcPoolError('unsupported', message, cause === undefined ? {} : { cause });
}
