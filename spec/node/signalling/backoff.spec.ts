import { expect } from 'chai';
import { backoffDelay, RECONNECT_INITIAL_DELAY_MS, RECONNECT_MAX_DELAY_MS } from '../../../src/signalling/backoff';

describe('backoffDelay', () => {
  it('doubles from the initial delay up to the cap, without jitter', () => {
    const delays = [0, 1, 2, 3, 10, 50].map((attempt) => backoffDelay(attempt, {}, () => 0));
    expect(delays).to.deep.equal([250, 500, 1000, 2000, RECONNECT_MAX_DELAY_MS, RECONNECT_MAX_DELAY_MS]);
  });

  it('takes up to the jitter share off at random', () => {
    expect(backoffDelay(0, {}, () => 1)).to.equal(RECONNECT_INITIAL_DELAY_MS / 2);
    expect(backoffDelay(0, { jitter: 1 }, () => 0.25)).to.equal(RECONNECT_INITIAL_DELAY_MS * 0.75);
  });

  it('follows its options', () => {
    expect(backoffDelay(2, { initialDelayMs: 10, factor: 3, maxDelayMs: 60, jitter: 0 })).to.equal(60);
    expect(backoffDelay(1, { initialDelayMs: 10, factor: 3, jitter: 0 })).to.equal(30);
  });
});
