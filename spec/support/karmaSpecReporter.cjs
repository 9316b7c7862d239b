// A karma reporter that prints one line per spec, like mocha's `spec` reporter, and the failure
// log under a failed one. Counting is left to scripts/test.ts, which prints the total.
function SpecReporter(baseReporterDecorator) {
  baseReporterDecorator(this);
  this.onSpecComplete = (_browser, result) => {
    const name = [...result.suite, result.description].join(' › ');
    if (result.skipped) this.write(`  - ${name} (skipped)\n`);
    else if (result.success) this.write(`  ✔ ${name} (${result.time} ms)\n`);
    else this.write(`  ✘ ${name}\n${result.log.map((line) => `      ${line}`).join('\n')}\n`);
  };
  // the base reporter's own per-spec and summary output is replaced by the lines above
  this.specSuccess = this.specFailure = this.specSkipped = () => undefined;
  this.onRunComplete = () => undefined;
}
SpecReporter.$inject = ['baseReporterDecorator'];

module.exports = { 'reporter:rtcpool-spec': ['type', SpecReporter] };
