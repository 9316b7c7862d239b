import { expect } from 'chai';
import * as rtcpool from '../../src';

describe('package exports', () => {
  it('exports exactly the public API', () => {
    expect(Object.keys(rtcpool).sort()).to.deep.equal([
      'DEFAULT_DATA_CHANNEL_TIMEOUT_MS',
      'DEFAULT_JOIN_TIMEOUT_MS',
      'ManagedConnection',
      'ManagedStream',
      'ORPHAN_TIMEOUT_MS',
      'Pool',
      'PoolEvents',
      'RtcPoolError',
      'Signalling',
      'SocketIoSignalling',
      'SocketIoTransceiver',
      'Transceiver',
      'WebSocketSignalling',
      'WebSocketTransceiver',
      'media',
      'signalling',
    ]);
  });
});
