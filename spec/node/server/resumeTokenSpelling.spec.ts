import { expect } from 'chai';
import { ResumeTokens } from '../../../src/server/resumeTokens';
import { startCliNode, stopCliNode, type CliNode } from '../../support/cliNode';
import { RedisServer } from '../../support/redisServer';
import { WsTestClient } from '../../support/wsTestClient';

const SECRET = 'spelling-secret';
const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** Each part of a token as the bytes Node's lenient base64url decoder reads from it. */
const bytesOf = (token: string): Buffer[] => token.split('.').map((part) => Buffer.from(part, 'base64url'));

/**
 * Other spellings of `token` that the decoder reads as the same bytes: each one a forger could
 * make from a token it saw, which must not resume in its place.
 */
function respellings(token: string): [string, string][] {
  const dot = token.indexOf('.');
  const body = token.slice(0, dot);
  const sig = token.slice(dot + 1);
  // the signature is 32 bytes: 43 characters whose last one has 2 spare low bits
  const last = BASE64URL.indexOf(sig[sig.length - 1]!);
  const spareBit = `${sig.slice(0, -1)}${BASE64URL[last ^ 1]}`;
  const variants: [string, string][] = [
    ['padded with =', `${token}=`],
    ['padded with ==', `${token}==`],
    ['its body padded', `${body}==.${sig}`],
    ['a spare low bit set otherwise', `${body}.${spareBit}`],
    ['a newline inside', `${body}.${sig.slice(0, 10)}\n${sig.slice(10)}`],
    ['a space at the end', `${token} `],
    ['a stray dot at the end', `${token}.`],
  ];
  if (/[-_]/.test(token)) variants.push(['in the base64 alphabet (+ and /)', `${body.replace(/-/g, '+').replace(/_/g, '/')}.${sig.replace(/-/g, '+').replace(/_/g, '/')}`]);
  return variants;
}

/** A member of `pool` on `url` whose token has a `-` or `_` (so that every re-spelling applies). */
async function memberWithFullToken(url: string, pool: string, clients: WsTestClient[]): Promise<[WsTestClient, string]> {
  for (let tries = 0; tries < 20; tries += 1) {
    const [client, joined] = await WsTestClient.joined(url, pool);
    clients.push(client);
    const token = joined.token as string;
    if (/[-_]/.test(token)) return [client, token];
    await client.close();
  }
  throw new Error('no token with - or _ in 20 joins');
}

/** Every re-spelling is refused with resume-failed and changes nothing; then the token itself resumes. */
async function expectOneSpelling(resumeUrl: string, member: WsTestClient, peer: WsTestClient, token: string, clients: WsTestClient[]): Promise<void> {
  const variants = respellings(token);
  expect(variants).to.have.length(8);
  for (const [what, variant] of variants) {
    const original = bytesOf(token);
    expect(bytesOf(variant).slice(0, 2), `${what}: the decoder reads the same bytes`).to.deep.equal(original);
    const forger = await WsTestClient.connect(resumeUrl);
    clients.push(forger);
    forger.send('rtc:resume', { id: member.id, pool: 'p', token: variant });
    expect(await forger.nextError(), what).to.equal('resume-failed');
  }
  await peer.expectSilence();
  const again = await WsTestClient.connect(resumeUrl);
  clients.push(again);
  again.send('rtc:resume', { id: member.id, pool: 'p', token });
  expect(await again.next('rtc:resumed')).to.deep.include({ client_id: member.id, peers: [peer.id] });
}

describe('Resume tokens: one spelling each', () => {
  const clients: WsTestClient[] = [];
  const nodes: CliNode[] = [];
  let redis: RedisServer | null = null;
  afterEach(async () => {
    for (const client of clients.splice(0)) client.socket.terminate();
    await Promise.all(nodes.splice(0).map((node) => stopCliNode(node.child, 'SIGKILL')));
    await redis?.stop();
    redis = null;
  });

  it('ResumeTokens.verify refuses a padded or otherwise re-spelled token, and reads the token itself', () => {
    const tokens = new ResumeTokens(SECRET);
    let token = '';
    while (!/[-_]/.test(token)) token = tokens.issue({ id: 'a', pool: 'p', instance: 'i', nonce: `n${Math.random()}` }, undefined);
    expect(tokens.verify('a', 'p', token, undefined)).to.be.an('object');
    for (const [what, variant] of respellings(token)) expect(tokens.verify('a', 'p', variant, undefined), what).to.equal('invalid');
  });

  it('a single server refuses padded and otherwise re-spelled tokens with resume-failed, and the token itself still resumes', async function () {
    this.timeout(20_000);
    nodes.push(await startCliNode(['--secret', SECRET]));
    const url = nodes[0]!.url;
    const [member, token] = await memberWithFullToken(url, 'p', clients);
    const [peer] = await WsTestClient.joined(url, 'p');
    clients.push(peer);
    await member.next('rtc:peer');
    member.socket.terminate();
    await expectOneSpelling(url, member, peer, token, clients);
  });

  it('a cluster node refuses them too, for a member of another node, and the token itself still resumes there', async function () {
    this.timeout(30_000);
    redis = await RedisServer.start();
    nodes.push(await startCliNode(['--secret', SECRET, '--redis', redis.url]));
    nodes.push(await startCliNode(['--secret', SECRET, '--redis', redis.url]));
    const [one, two] = nodes as [CliNode, CliNode];
    const [member, token] = await memberWithFullToken(one.url, 'p', clients);
    const [peer] = await WsTestClient.joined(two.url, 'p');
    clients.push(peer);
    await member.next('rtc:peer');
    member.socket.terminate();
    await expectOneSpelling(two.url, member, peer, token, clients);
  });
});
