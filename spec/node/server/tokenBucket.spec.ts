import { expect } from 'chai';
import { TokenBucket } from '../../../src/server/tokenBucket';

describe('TokenBucket', () => {
  it('allows a burst of capacity, then refills at the rate', () => {
    let now = 0;
    const bucket = new TokenBucket(10, 3, () => now);
    expect([bucket.take(), bucket.take(), bucket.take(), bucket.take()]).to.deep.equal([true, true, true, false]);
    now = 100; // 0.1 s at 10/s: one token
    expect([bucket.take(), bucket.take()]).to.deep.equal([true, false]);
    now = 10_000; // never more than capacity
    expect([bucket.take(), bucket.take(), bucket.take(), bucket.take()]).to.deep.equal([true, true, true, false]);
  });
});
