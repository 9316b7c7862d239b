import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

const root = join(import.meta.dirname, '../..');
import FLAGS from '../support/chromiumFlags.cjs';

/** Starts `rtcpool-server` as `npm start` does (the build is already there) and resolves with its page URL. */
function startCli(): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [join(root, 'dist/cli.cjs'), '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout!.on('data', (chunk) => {
      output += chunk;
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) resolve({ child, url: match[1]! });
    });
    child.once('exit', (code) => reject(new Error(`rtcpool-server exited with ${code}: ${output}`)));
  });
}

/**
 * Logs the page's WebSocket traffic and peer connection events to its console, which a failing
 * spec prints: enough to tell a signalling fault from a negotiation or ICE one.
 */
const PAGE_SPY = `(() => {
  const t0 = performance.now();
  const log = (what) => console.log('+' + Math.round(performance.now() - t0) + 'ms ' + what);
  const NativeSocket = WebSocket;
  window.WebSocket = class extends NativeSocket {
    constructor(url, protocols) {
      super(url, protocols);
      this.addEventListener('open', () => log('ws open'));
      this.addEventListener('close', (e) => log('ws close ' + e.code));
      this.addEventListener('message', (e) => log('ws in ' + String(e.data).slice(0, 90)));
      const send = this.send.bind(this);
      this.send = (data) => { log('ws out ' + String(data).slice(0, 90)); send(data); };
    }
  };
  const NativePc = RTCPeerConnection;
  window.RTCPeerConnection = class extends NativePc {
    constructor(configuration) {
      super(configuration);
      this.addEventListener('signalingstatechange', () => log('pc sig ' + this.signalingState));
      this.addEventListener('iceconnectionstatechange', () => log('pc ice ' + this.iceConnectionState));
      this.addEventListener('connectionstatechange', () => log('pc conn ' + this.connectionState));
    }
  };
})();`;

describe('demo (end to end, in Chromium)', () => {
  let cli: { child: ChildProcess; url: string };
  let browser: Browser;
  /** The two visitors of the room, shared by the specs in order. */
  let ada: Page;
  let bob: Page;
  /** What the pages said on their consoles: printed when a spec fails. */
  const consoles: string[] = [];
  afterEach(function () {
    if (this.currentTest?.state === 'failed') console.log(`    page consoles:\n${consoles.map((line) => `      ${line}`).join('\n')}`);
  });
  before(async function () {
    this.timeout(30_000);
    cli = await startCli();
    browser = await chromium.launch({ executablePath: process.env.CHROME_BIN ?? '/usr/bin/chromium', args: FLAGS });
  });
  after(async () => {
    await browser?.close();
    cli?.child.kill();
  });

  const open = async (name: string): Promise<Page> => {
    const page = await browser.newPage();
    page.on('console', (message) => consoles.push(`${name} ${message.type()}: ${message.text()}`));
    page.on('pageerror', (error) => consoles.push(`${name} page error: ${error.message}`));
    page.on('response', (response) => response.status() >= 400 && consoles.push(`${name} ${response.status()} ${response.url()}`));
    page.on('requestfailed', (request) => consoles.push(`${name} failed ${request.url()} ${request.failure()?.errorText}`));
    // plain JS: tsx's compiled helpers do not exist in the page
    await page.addInitScript({ content: PAGE_SPY });
    await page.goto(`${cli.url}?room=e2e&name=${name}`);
    return page;
  };

  it('two pages of the demo list each other by the name the server gave, and chat across', async function () {
    this.timeout(30_000);
    ada = await open('Ada');
    bob = await open('Bob');
    await ada.locator('#members li', { hasText: 'Bob' }).waitFor();
    await bob.locator('#members li', { hasText: 'Ada' }).waitFor();
    expect(await ada.locator('#status').textContent()).to.equal('connected');
    // the chat channel is opened as each peer arrives; send once it is up
    await ada.waitForFunction(() => document.querySelector('#log')?.textContent?.includes('Bob is here'));
    await bob.locator('#log li', { hasText: 'Ada is here' }).waitFor();
    await ada.waitForTimeout(200);
    await ada.fill('#text', 'hello Bob');
    await ada.press('#text', 'Enter');
    await bob.locator('#log li', { hasText: 'Ada: hello Bob' }).waitFor({ timeout: 10_000 });
    expect(await ada.locator('#log li.me').last().textContent()).to.equal('Ada: hello Bob');
  });

  it('shares the camera: the other page gets a video tile that plays', async function () {
    this.timeout(30_000);
    await ada.click('#camera');
    await bob.locator('#videos figure', { hasText: 'Ada' }).waitFor();
    await bob.waitForFunction(() => {
      const video = [...document.querySelectorAll<HTMLVideoElement>('#videos video')].find((v) => !v.muted);
      return video !== undefined && video.readyState >= 2 && video.videoWidth > 0;
    });
  });
});
