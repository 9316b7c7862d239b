import { expect } from 'chai';
import * as rtcpool from '../../src';

describe('package exports', () => {
  it('exports exactly the public API', () => {
    expect(Object.keys(rtcpool).sort()).to.deep.equal([
      'DEFAULT_DATA_CHANNEL_TIMEOUT_MS',
      'DEFAULT_JOIN_TIMEOUT_MS',
      'ICE_DISCONNECTED_RESTART_MS',
      'MAX_QUEUED_FRAMES',
      'ManagedConnection',
      'ManagedStream',
      'ORPHAN_TIMEOUT_MS',
      'Pool',
      'PoolEvents',
      'RECONNECT_FACTOR',
      'RECONNECT_INITIAL_DELAY_MS',
      'RECONNECT_JITTER',
      'RECONNECT_MAX_DELAY_MS',
      'RESUME_CONFIRM_MS',
      'RESUME_TIMEOUT_MS',
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
