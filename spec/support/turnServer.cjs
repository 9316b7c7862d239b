// A real TURN server for the tests: Debian's coturn (`turnserver`) on 127.0.0.1, with the TURN
// REST secret (`--use-auth-secret`), on free ports. Stopped by its pid. The flags are the ones
// measured to work on these machines (design.md).
const { spawn } = require('node:child_process');
const { accepts, freePort } = require('./ports.cjs');

/**
 * Starts coturn and resolves once it accepts connections.
 * @returns {Promise<{ url: string, port: number, secret: string, pid: number, stop: () => Promise<void> }>}
 */
async function startTurnServer({ secret = `turn-secret-${process.pid}`, realm = 'rtcpool.test' } = {}) {
  const port = await freePort();
  // relay ports: a block of its own per run, above the ephemeral ports' usual start
  const minPort = 40000 + (port % 200) * 40;
  const args = [
    '-n', '--listening-ip', '127.0.0.1', '--relay-ip', '127.0.0.1', '--listening-port', String(port),
    '--use-auth-secret', '--static-auth-secret', secret, '--realm', realm, '--allow-loopback-peers',
    '--no-tls', '--no-dtls', '--no-cli', '--min-port', String(minPort), '--max-port', String(minPort + 39),
    '--log-file', 'stdout', '--simple-log',
  ];
  const child = spawn(process.env.TURNSERVER_BIN || 'turnserver', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk) => (output = (output + chunk).slice(-20_000));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const deadline = Date.now() + 10_000;
  while (!(await accepts(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`turnserver did not start on 127.0.0.1:${port}:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    url: `turn:127.0.0.1:${port}?transport=udp`,
    port,
    secret,
    pid: child.pid,
    log: () => output,
    async stop() {
      if (child.exitCode === null) process.kill(child.pid, 'SIGTERM');
      const timer = setTimeout(() => child.exitCode === null && process.kill(child.pid, 'SIGKILL'), 3_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

module.exports = { startTurnServer };
