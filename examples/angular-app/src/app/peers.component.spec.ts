// The component under TestBed, in the CLI's default test environment (Vitest + jsdom), driven by
// rtcpool/testing: its pool and the other members signal through an in-page TestHub. jsdom has
// no WebRTC, so every pool is given rtcpool/node's RTCPeerConnection: real connections, in Node.
import { TestBed, type ComponentFixture } from '@angular/core/testing';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Pool } from 'rtcpool';
import { RTCPeerConnection } from 'rtcpool/node';
import { filter, firstValueFrom } from 'rxjs';
import { TestHub } from 'rtcpool/testing';
import { PeersComponent } from './peers.component';
import { POOL_FACTORY } from './room.service';

describe('PeersComponent', () => {
  let hub: TestHub;
  let pools: Pool[];
  let fixture: ComponentFixture<PeersComponent>;

  const member = (name: string): Pool => {
    const pool = new Pool({ iceServers: [] }, hub.transceiver({ name }), { RTCPeerConnection });
    pools.push(pool);
    return pool;
  };
  const text = (selector: string): string[] =>
    [...(fixture.nativeElement as HTMLElement).querySelectorAll(selector)].map((element) => element.textContent!.trim());
  const clickJoin = (room: string): void => {
    const input = (fixture.nativeElement as HTMLElement).querySelector('input')!;
    input.value = room;
    (fixture.nativeElement as HTMLElement).querySelector('button')!.click();
  };
  /** Re-renders until the page shows what is expected: connections take a few network round trips. */
  const until = (expectation: () => void): Promise<void> =>
    vi.waitFor(
      () => {
        fixture.detectChanges();
        expectation();
      },
      { timeout: 10_000, interval: 20 },
    );

  beforeEach(() => {
    hub = new TestHub();
    pools = [];
  });

  afterEach(() => {
    fixture?.destroy();
    for (const pool of pools) pool.close();
    TestBed.resetTestingModule();
  });

  function render(factory: () => Pool): void {
    TestBed.configureTestingModule({ providers: [{ provide: POOL_FACTORY, useValue: factory }] });
    fixture = TestBed.createComponent(PeersComponent);
    fixture.detectChanges();
  }

  it('renders an empty room before joining, with no pool made', () => {
    let made = 0;
    render(() => {
      made += 1;
      return member('Ann');
    });
    expect(text('.state')).toEqual(['new']);
    expect(text('li')).toEqual([]);
    expect(made).toBe(0);
  });

  it('lists the peers already in the room by their names once joined, over real connections', async () => {
    await member('Bob').join('room');
    await member('Cy').join('room');
    let ann: Pool | undefined;
    render(() => (ann = member('Ann')));
    clickJoin('room');
    await until(() => {
      expect(text('.state')).toEqual(['joined']);
      expect(text('li').sort()).toEqual(['Bob', 'Cy']);
    });
    const states = await Promise.all(
      ann!.connections.map((connection) => firstValueFrom(connection.state$.pipe(filter((state) => state === 'connected')))),
    );
    expect(states).toEqual(['connected', 'connected']);
  });

  it('adds a peer that joins later and removes one that leaves', async () => {
    render(() => member('Ann'));
    clickJoin('room');
    await until(() => expect(text('.state')).toEqual(['joined']));
    const bob = member('Bob');
    await bob.join('room');
    await until(() => expect(text('li')).toEqual(['Bob']));
    bob.close();
    await until(() => expect(text('li')).toEqual([]));
  });

  it('shows the typed error when the pool cannot be made (jsdom without a peer connection class)', async () => {
    render(() => new Pool({ iceServers: [] }, hub.transceiver({ name: 'Ann' })));
    clickJoin('room');
    await until(() => expect(text('.error')).toHaveLength(1));
    expect(text('.error')[0]).toContain('there is no RTCPeerConnection here');
  });

  it('closes its pool when the app is destroyed', async () => {
    let ann: Pool | undefined;
    render(() => (ann = member('Ann')));
    clickJoin('room');
    await until(() => expect(text('.state')).toEqual(['joined']));
    fixture.destroy();
    TestBed.resetTestingModule();
    expect(ann!.state).toBe('closed');
  });
});
