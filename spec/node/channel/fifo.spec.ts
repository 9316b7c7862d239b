import { expect } from 'chai';
import { Fifo } from '../../../src/channel/fifo';

describe('Fifo', () => {
  it('gives items back in the order they came, across its compactions', () => {
    const fifo = new Fifo<number>();
    for (let i = 0; i < 5000; i += 1) fifo.push(i);
    const out: number[] = [];
    for (let i = 0; i < 3000; i += 1) out.push(fifo.shift()!);
    for (let i = 5000; i < 6000; i += 1) fifo.push(i);
    expect(fifo.length).to.equal(3000);
    expect(fifo.peek()).to.equal(3000);
    while (fifo.length > 0) out.push(fifo.shift()!);
    expect(out).to.deep.equal(Array.from({ length: 6000 }, (_, i) => i));
    expect(fifo.shift()).to.equal(undefined);
  });

  it('removes an item from the middle, and drains the rest', () => {
    const fifo = new Fifo<string>();
    for (const item of ['a', 'b', 'c', 'd']) fifo.push(item);
    fifo.shift();
    expect(fifo.remove('c')).to.equal(true);
    expect(fifo.remove('a')).to.equal(false);
    expect(fifo.drain()).to.deep.equal(['b', 'd']);
    expect(fifo.length).to.equal(0);
  });
});
