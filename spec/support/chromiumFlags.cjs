// The Chromium flags measured to work on these machines (design.md), shared by the karma suite,
// the end-to-end specs and the benchmarks. Without the fake-ui flag Chromium gathers candidates
// only on the default-route interface; the fake devices stand in for a camera and microphone.
module.exports = [
  '--no-sandbox',
  '--headless',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--allow-loopback-in-peer-connection',
  '--disable-features=WebRtcHideLocalIpsWithMdns',
  '--use-fake-ui-for-media-stream',
  '--use-fake-device-for-media-stream',
];
