// Child process of leak.spec.ts: `cycles` create/connect/close cycles of a linked pair, then a
// summary line, then nothing: the process must end by itself once every native handle is gone.
import { linkPair, nextMessage, settled } from './linkedPair';
import { openSockets } from './openSockets';

async function main(cycles: number): Promise<void> {
  const before = openSockets();
  let failures = 0;
  /** Why cycles failed, each reason once: the spec prints them. */
  const errors = new Set<string>();
  for (let cycle = 0; cycle < cycles; cycle++) {
    const pair = linkPair();
    try {
      await settled(pair, [pair.a.control, pair.b.control]);
      const got = nextMessage(pair.b.control);
      pair.a.control.send('ping');
      await got;
      const reported = [...pair.a.failures, ...pair.b.failures];
      if (reported.length > 0) failures++;
      for (const error of reported) errors.add(error.message);
    } catch (error) {
      failures++;
      errors.add(error instanceof Error ? error.message : String(error));
    }
    pair.close();
  }
  // libdatachannel tears transports down on its own threads: give it a moment before counting
  let after = openSockets();
  for (let wait = 0; wait < 100 && after > before; wait++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    after = openSockets();
  }
  process.stdout.write(`${JSON.stringify({ cycles, failures, socketsBefore: before, socketsAfter: after, errors: [...errors] })}\n`);
}

void main(Number(process.argv[2] ?? 100));
