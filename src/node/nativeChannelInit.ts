import type { DataChannelInitConfig } from 'node-datachannel';

/** The native options of a W3C `RTCDataChannelInit` (libdatachannel names reliability its own way). */
export function nativeChannelInit(init: RTCDataChannelInit): DataChannelInitConfig {
  const { ordered, maxPacketLifeTime, maxRetransmits, protocol, negotiated, id } = init;
  return {
    unordered: ordered === false,
    ...(maxPacketLifeTime == null ? {} : { maxPacketLifeTime }),
    ...(maxRetransmits == null ? {} : { maxRetransmits }),
    ...(protocol == null ? {} : { protocol }),
    ...(negotiated ? { negotiated: true, id } : {}),
  };
}
