import { expect } from 'chai';
import { summarizeStats, type StatsSample } from '../../../src/stats/summarizeStats';
import { chromiumReport, firefoxReport, reportOf } from './fakeReports';

const NOW = 1_800_000_000_000;

describe('summarizeStats', () => {
  it('reads a Chromium report: the pair the transport selected (not the first nominated one), and the transport\'s byte counts', () => {
    const { stats } = summarizeStats(chromiumReport(NOW, 5_000, 7_000, ['relay', 'prflx']), null, 0);
    expect(stats).to.deep.equal({
      timestamp: NOW,
      rttMs: 2,
      bytesSent: 5_000,
      bytesReceived: 7_000,
      sendBitrate: null,
      receiveBitrate: null,
      localCandidateType: 'relay',
      remoteCandidateType: 'prflx',
    });
  });

  it('reads a Firefox report: the selected pair, and its byte counts (the transport has none)', () => {
    const { stats } = summarizeStats(firefoxReport(NOW, 3_000, 4_000), null, 0);
    expect(stats).to.include({ rttMs: 7, bytesSent: 3_000, bytesReceived: 4_000, localCandidateType: 'relay', remoteCandidateType: 'srflx' });
  });

  for (const transport of ['anonymous', 'none'] as const) {
    it(`reads a Firefox report whose transport ${transport === 'none' ? 'is missing' : 'names no pair'} by the pair flagged selected`, () => {
      const { stats } = summarizeStats(firefoxReport(NOW, 3_000, 4_000, 'p1', transport), null, 0);
      expect(stats).to.include({ rttMs: 7, bytesSent: 3_000, bytesReceived: 4_000, localCandidateType: 'relay', remoteCandidateType: 'srflx' });
    });
  }

  it('falls back on the nominated, succeeded pair that carried the most when nothing says which is selected', () => {
    const report = reportOf(
      { id: 'a', type: 'candidate-pair', timestamp: NOW, nominated: true, state: 'succeeded', bytesSent: 10, bytesReceived: 0, localCandidateId: 'la', remoteCandidateId: 'ra' },
      { id: 'b', type: 'candidate-pair', timestamp: NOW, nominated: true, state: 'succeeded', bytesSent: 900, bytesReceived: 100, localCandidateId: 'lb', remoteCandidateId: 'rb' },
      { id: 'lb', type: 'local-candidate', timestamp: NOW, candidateType: 'srflx' },
      { id: 'rb', type: 'remote-candidate', timestamp: NOW, candidateType: 'host' },
    );
    expect(summarizeStats(report, null, 0).stats).to.include({ bytesSent: 900, localCandidateType: 'srflx', remoteCandidateType: 'host', rttMs: null });
  });

  it('gives nulls and zero bytes before a pair is selected, stamped with the report\'s own time', () => {
    const early = reportOf(
      { id: 'P', type: 'peer-connection', timestamp: NOW, dataChannelsOpened: 0, dataChannelsClosed: 0 },
      { id: 'CP1', type: 'candidate-pair', timestamp: NOW, nominated: false, state: 'in-progress', localCandidateId: 'l', remoteCandidateId: 'r' },
    );
    expect(summarizeStats(early, null, 0).stats).to.deep.equal({
      timestamp: NOW,
      rttMs: null,
      bytesSent: 0,
      bytesReceived: 0,
      sendBitrate: null,
      receiveBitrate: null,
      localCandidateType: null,
      remoteCandidateType: null,
    });
  });

  it('stamps an empty report with the time it is given', () => {
    expect(summarizeStats(reportOf(), null, NOW).stats.timestamp).to.equal(NOW);
  });

  it('counts a Chromium transport\'s bytes before it selected a pair, with no candidate types yet', () => {
    const report = reportOf({ id: 'T01', type: 'transport', timestamp: NOW, bytesSent: 120, bytesReceived: 80 });
    expect(summarizeStats(report, null, 0).stats).to.include({ bytesSent: 120, bytesReceived: 80, localCandidateType: null, rttMs: null });
  });

  it('gives null, not a guess, for a candidate type outside host, srflx, prflx and relay, and for an rtt the pair lacks', () => {
    const report = reportOf(
      { id: 'T', type: 'transport', timestamp: NOW, bytesSent: 1, bytesReceived: 1, selectedCandidatePairId: 'CP' },
      { id: 'CP', type: 'candidate-pair', timestamp: NOW, localCandidateId: 'l', remoteCandidateId: 'r', state: 'succeeded' },
      { id: 'l', type: 'local-candidate', timestamp: NOW, candidateType: 'unknown' },
      { id: 'r', type: 'remote-candidate', timestamp: NOW, candidateType: 'relay' },
    );
    expect(summarizeStats(report, null, 0).stats).to.include({ localCandidateType: null, remoteCandidateType: 'relay', rttMs: null });
  });

  describe('bitrates', () => {
    it('are null in the first sample, then bits per second between two samples by the reports\' timestamps', () => {
      const first = summarizeStats(chromiumReport(NOW, 10_000, 20_000), null, 0);
      expect(first.stats.sendBitrate).to.equal(null);
      expect(first.stats.receiveBitrate).to.equal(null);
      // 1.25 s later (a late timer): 50 000 bytes more sent, 12 500 more received
      const second = summarizeStats(chromiumReport(NOW + 1_250, 60_000, 32_500), first.sample, 0);
      expect(second.stats.sendBitrate).to.equal(320_000);
      expect(second.stats.receiveBitrate).to.equal(80_000);
    });

    it('are 0 when nothing flowed', () => {
      const first = summarizeStats(firefoxReport(NOW, 500, 500), null, 0);
      const second = summarizeStats(firefoxReport(NOW + 1_000, 500, 500), first.sample, 0);
      expect(second.stats).to.include({ sendBitrate: 0, receiveBitrate: 0 });
    });

    it('are null when the counts come from another entry (Firefox selected another pair: its counts start again)', () => {
      const first = summarizeStats(firefoxReport(NOW, 90_000, 90_000, 'pairA'), null, 0);
      const second = summarizeStats(firefoxReport(NOW + 1_000, 1_000, 1_000, 'pairB'), first.sample, 0);
      expect(second.stats).to.include({ sendBitrate: null, receiveBitrate: null, bytesSent: 1_000 });
      const third = summarizeStats(firefoxReport(NOW + 2_000, 3_000, 1_500, 'pairB'), second.sample, 0);
      expect(third.stats).to.include({ sendBitrate: 16_000, receiveBitrate: 4_000 });
    });

    it('are null when a count went down or no time passed (one cached report served twice)', () => {
      const before: StatsSample = { source: 'T01', timestamp: NOW, bytesSent: 9_000, bytesReceived: 100 };
      const fewer = summarizeStats(chromiumReport(NOW + 1_000, 8_000, 200), before, 0);
      expect(fewer.stats).to.include({ sendBitrate: null, receiveBitrate: 800 });
      const same = summarizeStats(chromiumReport(NOW, 10_000, 200), before, 0);
      expect(same.stats).to.include({ sendBitrate: null, receiveBitrate: null });
    });

    it('are null while no entry counts bytes, and in the first sample that has one', () => {
      const none = summarizeStats(reportOf({ id: 'P', type: 'peer-connection', timestamp: NOW }), null, 0);
      const again = summarizeStats(reportOf({ id: 'P', type: 'peer-connection', timestamp: NOW + 1_000 }), none.sample, 0);
      expect(again.stats).to.include({ sendBitrate: null, bytesSent: 0 });
      const counted = summarizeStats(chromiumReport(NOW + 2_000, 500, 500), again.sample, 0);
      expect(counted.stats.sendBitrate).to.equal(null);
    });
  });
});
