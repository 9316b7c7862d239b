import { Pool } from 'rtcpool';
import { TestHub } from 'rtcpool/testing';

const hub = new TestHub(); // { privatePools, limits } as on the server
const alice = new Pool({ iceServers: [] }, hub.transceiver({ name: 'Alice' })); // a trusted description
const bob = new Pool({ iceServers: [] }, hub.transceiver({ name: 'Bob' }));
await alice.join('room');
await bob.join('room');
hub.describe(bob.id!, { name: 'Robert' }); // alice gets rtc:describe
hub.inject(alice.id!, 'not json'); // a frame as if the server sent it: alice.errors$ says `protocol`
hub.stop('room'); // both get rtc:stop
hub.pools(); // [{ id, created, members }]
