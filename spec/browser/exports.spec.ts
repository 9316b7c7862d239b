import { expect } from 'chai';
import * as rtcpool from '../../src';

describe('package exports', () => {
  it('exports exactly the public API', () => {
    expect(Object.keys(rtcpool).sort()).to.deep.equal([
      'BLOB_READ_BYTES',
      'CHUNK_PROTOCOL',
      'CONTROL_CHANNEL',
      'DEFAULT_CHUNK_BYTES',
      'DEFAULT_DATA_CHANNEL_TIMEOUT_MS',
      'DEFAULT_HIGH_WATER_MARK',
      'DEFAULT_JOIN_TIMEOUT_MS',
      'DEFAULT_MAX_MESSAGE_BYTES',
      'FIRST_OFFER_GRACE_MS',
      'HEADER_EXTENSION_LOCK_WAIT_MS',
      'ICE_DISCONNECTED_RESTART_MS',
      'ICE_RENEW_AT',
      'ICE_RENEW_RETRY_MS',
      'MAX_HELD_CHANNELS',
      'MAX_QUEUED_FRAMES',
      'MAX_REBUILDS_PER_PEER',
      'ManagedConnection',
      'ManagedStream',
      'OFFERER_WAIT_MS',
      'ORPHAN_TIMEOUT_MS',
      'PeerChannel',
      'Pool',
      'PoolEvents',
      'READY_RESEND_MS',
      'REBUILD_BACKOFF_MS',
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
