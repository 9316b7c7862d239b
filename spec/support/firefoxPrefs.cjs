// The Firefox ESR profile preferences measured to work on these machines (design.md), shared by
// the karma suite, the cross-engine specs and the benchmarks: WebRTC on loopback with host
// addresses in the clear (no mDNS names), fake camera and microphone without a prompt.
module.exports = {
  'media.peerconnection.ice.loopback': true,
  'media.peerconnection.ice.obfuscate_host_addresses': false,
  // without this Firefox gathers only on the default-route interface until getUserMedia is granted
  'media.peerconnection.ice.default_address_only': false,
  'media.navigator.streams.fake': true,
  'media.navigator.permission.disabled': true,
  'media.autoplay.default': 0,
  // a headless test page is never focused or visible: keep its timers at full rate
  'dom.min_background_timeout_value': 0,
  'dom.timeout.enable_budget_timer_throttling': false,
  // no network traffic of Firefox's own on a test machine
  'app.update.enabled': false,
  'browser.shell.checkDefaultBrowser': false,
  'datareporting.policy.dataSubmissionEnabled': false,
  'toolkit.telemetry.reportingpolicy.firstRun': false,
  'browser.safebrowsing.malware.enabled': false,
  'browser.safebrowsing.phishing.enabled': false,
  'network.captive-portal-service.enabled': false,
  'network.connectivity-service.enabled': false,
  'extensions.update.enabled': false,
  'browser.newtabpage.enabled': false,
  'browser.startup.homepage_override.mstone': 'ignore',
};
