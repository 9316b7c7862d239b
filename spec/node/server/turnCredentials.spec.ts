import { expect } from 'chai';
import { checkTurnOptions, DEFAULT_TURN_TTL_SECONDS, grantIceServers } from '../../../src/server/turnCredentials';

describe('grantIceServers', () => {
  // 2026-01-01T00:00:00Z minus one day, so that the username's expiry is 1767225600
  const now = (1_767_225_600 - DEFAULT_TURN_TTL_SECONDS) * 1000;

  it('makes TURN REST credentials: "<unix expiry>:<member id>" and the base64 HMAC-SHA1 of it under the secret', () => {
    const grant = grantIceServers({ secret: 's3cret', urls: ['turn:127.0.0.1:3478'] }, [], 'member-1', now);
    // the credential as `openssl dgst -sha1 -hmac s3cret -binary | base64` makes it
    expect(grant.iceServers).to.deep.equal([
      { urls: ['turn:127.0.0.1:3478'], username: '1767225600:member-1', credential: 'NnCMpar8hOZ4FSfE9Z+r6BCop4E=' },
    ]);
    expect(grant.iceServersTtl).to.equal(DEFAULT_TURN_TTL_SECONDS);
  });

  it('honours ttlSeconds, and hands out plain ICE servers first, as they are', () => {
    const stun = { urls: 'stun:127.0.0.1:3478' };
    const grant = grantIceServers({ secret: 's', urls: ['turn:a', 'turns:b'], ttlSeconds: 60 }, [stun], 'm', 1_000_000);
    expect(grant.iceServers[0]).to.deep.equal(stun);
    expect(grant.iceServers[0]).not.to.equal(stun);
    expect(grant.iceServers[1]!.username).to.equal(`${1_000 + 60}:m`);
    expect(grant.iceServersTtl).to.equal(60);
  });

  it('without TURN options hands out the plain servers and no ttl', () => {
    expect(grantIceServers(undefined, [{ urls: 'stun:x' }], 'm')).to.deep.equal({ iceServers: [{ urls: 'stun:x' }] });
  });
});

describe('checkTurnOptions', () => {
  it('accepts a secret, turn: and turns: URLs and a whole ttl', () => {
    expect(() => checkTurnOptions({ secret: 's', urls: ['turn:h:3478', 'turns:h:5349'], ttlSeconds: 600 })).not.to.throw();
  });

  for (const [what, options] of [
    ['an empty secret', { secret: '', urls: ['turn:h'] }],
    ['no URLs', { secret: 's', urls: [] }],
    ['a URL that is not turn: or turns:', { secret: 's', urls: ['stun:h'] }],
    ['a ttl that is not a whole number', { secret: 's', urls: ['turn:h'], ttlSeconds: 1.5 }],
    ['a ttl too short to renew', { secret: 's', urls: ['turn:h'], ttlSeconds: 1 }],
  ] as const) {
    it(`refuses ${what}`, () => {
      expect(() => checkTurnOptions(options as never)).to.throw(/turn\./);
    });
  }
});
