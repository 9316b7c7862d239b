/** First reconnect delay. */
export const RECONNECT_INITIAL_DELAY_MS = 250;
/** Longest reconnect delay. */
export const RECONNECT_MAX_DELAY_MS = 5_000;
/** Each failed attempt multiplies the delay by this. */
export const RECONNECT_FACTOR = 2;
/**
 * Share of each delay that is random (0 to 1), so that a room of clients cut off at once does
 * not reconnect at once.
 */
export const RECONNECT_JITTER = 0.5;

/** How a transport retries; every field defaults to the constant of the same name. */
export interface ReconnectOptions {
  /** First delay. */
  readonly initialDelayMs?: number;
  /** Longest delay. */
  readonly maxDelayMs?: number;
  /** What each failed attempt multiplies the delay by. */
  readonly factor?: number;
  /** Share of each delay that is random, 0 to 1. */
  readonly jitter?: number;
  /** Attempts before giving up for good. Default: never give up. */
  readonly maxAttempts?: number;
}

/**
 * The delay before reconnect attempt `attempt` (0 for the first): exponential, capped, with
 * the jitter share of it drawn at random.
 */
export function backoffDelay(attempt: number, options: ReconnectOptions = {}, random: () => number = Math.random): number {
  const initial = options.initialDelayMs ?? RECONNECT_INITIAL_DELAY_MS;
  const max = options.maxDelayMs ?? RECONNECT_MAX_DELAY_MS;
  const factor = options.factor ?? RECONNECT_FACTOR;
  const jitter = Math.min(1, Math.max(0, options.jitter ?? RECONNECT_JITTER));
  const delay = Math.min(max, initial * factor ** attempt);
  return delay * (1 - jitter * random());
}
