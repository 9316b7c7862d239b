// Counts what a signalling server relays, read off the bytes it writes to its clients' sockets:
// every WebSocket text frame the server sends is decoded and the rtc:sdp and rtc:candidate
// relays are tallied per directed pair (sender id > recipient id), and so are the standing offers
// `rtc:joined` hands a newcomer (as offers, and as standingOffers). Nothing in the server is
// touched: the counter watches the raw sockets of the HTTP server's upgrades, so it counts
// exactly what went on the wire. Test-only (spec/support/karmaSignallingFramework.cjs).

/** Decodes the unmasked frames a server writes; calls `onText` with each text frame. */
function frameReader(onText) {
  let buffer = Buffer.alloc(0);
  let handshakeDone = false;
  return (chunk) => {
    buffer = Buffer.concat([buffer, typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)]);
    if (!handshakeDone) {
      const end = buffer.indexOf('\r\n\r\n');
      if (end < 0) return;
      handshakeDone = true;
      buffer = buffer.subarray(end + 4);
    }
    for (;;) {
      if (buffer.length < 2) return;
      const opcode = buffer[0] & 0x0f;
      let length = buffer[1] & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (buffer.length < 4) return;
        length = buffer.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (buffer.length < 10) return;
        length = Number(buffer.readBigUInt64BE(2));
        offset = 10;
      }
      if (buffer.length < offset + length) return;
      if (opcode === 1) onText(buffer.subarray(offset, offset + length).toString('utf8'));
      buffer = buffer.subarray(offset + length);
    }
  };
}

class RelayCounter {
  constructor() {
    /** `${from}>${to}` -> tallies */
    this.pairs = new Map();
  }

  /** Watches one upgraded socket of the server. */
  watch(socket) {
    let recipient = null;
    const read = frameReader((text) => {
      let message;
      try {
        message = JSON.parse(text);
      } catch {
        return;
      }
      const data = message && message.data;
      if (!data) return;
      if (message.type === 'rtc:joined' || message.type === 'rtc:resumed') {
        recipient = data.client_id;
        for (const from of Object.keys(data.standingOffers || {})) {
          this.tally(from, recipient, (entry) => {
            entry.offers += 1;
            entry.standingOffers += 1;
          });
        }
      }
      else if (message.type === 'rtc:sdp') this.tally(data.peer, recipient, (entry) => (entry[`${data.description.type}s`] = (entry[`${data.description.type}s`] || 0) + 1));
      else if (message.type === 'rtc:candidate') {
        this.tally(data.from, recipient, (entry) => {
          // null, and the legacy empty candidate string (3.x relays both), end a generation's candidates
          if (data.candidate === null || data.candidate === undefined || data.candidate.candidate === '') {
            entry.endOfCandidates += 1;
            return;
          }
          const key = `${data.candidate.candidate}|${data.candidate.usernameFragment ?? ''}`;
          if (entry.seen.has(key)) entry.duplicateCandidates += 1;
          entry.seen.add(key);
          entry.candidates += 1;
        });
      }
    });
    const write = socket.write;
    socket.write = function (chunk, ...rest) {
      try {
        read(chunk);
      } catch {
        // counting never disturbs the server
      }
      return write.call(this, chunk, ...rest);
    };
  }

  tally(from, to, change) {
    const key = `${from}>${to}`;
    let entry = this.pairs.get(key);
    if (!entry) {
      entry = { offers: 0, standingOffers: 0, answers: 0, rollbacks: 0, candidates: 0, endOfCandidates: 0, duplicateCandidates: 0, seen: new Set() };
      this.pairs.set(key, entry);
    }
    change(entry);
  }

  /** Tallies per directed pair, `{ 'a>b': { offers, standingOffers, answers, candidates, endOfCandidates, duplicateCandidates } }`. */
  report() {
    return Object.fromEntries([...this.pairs].map(([key, { seen: _seen, ...counts }]) => [key, counts]));
  }
}

module.exports = { RelayCounter };
