// Browser tier: real RTCPeerConnections in Debian's Chromium, against the real signalling server
// that the rtcpool-signalling framework starts on 127.0.0.1. See design.md for the flags.
const { mkdirSync } = require('node:fs');
const { join } = require('node:path');

process.env.CHROME_BIN ??= '/usr/bin/chromium';

// karma-esbuild imports each spec by its path relative to os.tmpdir(), written without a
// leading './'; a checkout that lives under the temp folder (a CI clone in /tmp) then fails to
// resolve. A temp folder inside the project always gives a path that starts with '../'.
process.env.TMPDIR = join(__dirname, 'node_modules', '.cache', 'karma');
mkdirSync(process.env.TMPDIR, { recursive: true });

const CHROMIUM_FLAGS = [
  ...require('./spec/support/chromiumFlags.cjs'),
  // lets leak specs collect closed RTCPeerConnections between rounds
  '--js-flags=--expose-gc',
];

module.exports = (config) => {
  config.set({
    frameworks: ['mocha', 'rtcpool-signalling'],
    plugins: [
      'karma-mocha',
      'karma-esbuild',
      'karma-chrome-launcher',
      require('./spec/support/karmaSignallingFramework.cjs'),
      require('./spec/support/karmaSpecReporter.cjs'),
    ],
    // KARMA_SPECS=spec/browser/glare.spec.ts runs one file while iterating
    files: [{ pattern: process.env.KARMA_SPECS ?? 'spec/browser/**/*.spec.ts', watched: false }],
    preprocessors: { 'spec/browser/**/*.spec.ts': ['esbuild'] },
    // ignoreAnnotations: the package's `sideEffects: false` would otherwise let esbuild drop the specs
    esbuild: { target: 'es2022', sourcemap: 'inline', tsconfig: 'tsconfig.json', ignoreAnnotations: true },
    reporters: ['rtcpool-spec'],
    browsers: ['ChromiumHeadlessRtc'],
    customLaunchers: { ChromiumHeadlessRtc: { base: 'ChromeHeadless', flags: CHROMIUM_FLAGS } },
    client: { mocha: { timeout: 20_000, reporter: 'html' }, captureConsole: true },
    listenAddress: '127.0.0.1',
    hostname: '127.0.0.1',
    singleRun: true,
    autoWatch: false,
    browserNoActivityTimeout: 300_000,
    browserDisconnectTimeout: 30_000,
    captureTimeout: 120_000,
    logLevel: config.LOG_WARN,
  });
};
