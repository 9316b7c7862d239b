// A karma reporter that prints one line per spec, like mocha's `spec` reporter, and the failure
// log under a failed one. With more than one engine in the run, each line says which engine ran
// it. Counting is left to scripts/test.ts, which prints the total.
const engine = (browser) => (/firefox/i.test(browser.name) ? 'Firefox' : /chrom/i.test(browser.name) ? 'Chromium' : browser.name);

function SpecReporter(baseReporterDecorator, config) {
  baseReporterDecorator(this);
  const tagged = config.browsers.length > 1;
  this.onBrowserStart = (browser) => this.write(`\n  ${browser.name}\n`);
  this.onSpecComplete = (browser, result) => {
    const name = `${tagged ? `[${engine(browser)}] ` : ''}${[...result.suite, result.description].join(' › ')}`;
    if (result.skipped) this.write(`  - ${name} (skipped)\n`);
    else if (result.success) this.write(`  ✔ ${name} (${result.time} ms)\n`);
    else this.write(`  ✘ ${name}\n${result.log.map((line) => `      ${line}`).join('\n')}\n`);
  };
  this.onBrowserComplete = (browser) => {
    const { success, failed, skipped, error, disconnected } = browser.lastResult;
    const trouble = error ? ' (error outside a spec)' : disconnected ? ' (disconnected)' : '';
    this.write(`  ${engine(browser)}: ${success} passed, ${failed} failed, ${skipped} skipped${trouble}\n`);
  };
  // the base reporter's own per-spec and summary output is replaced by the lines above
  this.specSuccess = this.specFailure = this.specSkipped = () => undefined;
  this.onRunComplete = () => undefined;
}
SpecReporter.$inject = ['baseReporterDecorator', 'config'];

module.exports = { 'reporter:rtcpool-spec': ['type', SpecReporter] };
