import { expect } from 'chai';
import * as rtcpool from '../../src';

describe('package exports', () => {
  it('exports exactly the public API', () => {
    expect(Object.keys(rtcpool).sort()).to.deep.equal([
      'CONTROL_CHANNEL',
      'DEFAULT_DATA_CHANNEL_TIMEOUT_MS',
      'DEFAULT_JOIN_TIMEOUT_MS',
      'FIRST_OFFER_GRACE_MS',
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
