// A karma framework plugin: starts a real TURN server (coturn, see turnServer.cjs) before the
// browser starts, and hands its URL and REST secret to the page as `__karma__.config.turn`.
// Specs give the secret to a signalling server they spawn, which hands out credentials.
const { startTurnServer } = require('./turnServer.cjs');

function turnFramework(config, emitter) {
  let turn = null;
  emitter.on('exit', (done) => {
    (turn ? turn.stop() : Promise.resolve()).then(() => done(), () => done());
  });
  return startTurnServer().then((started) => {
    turn = started;
    config.client.turn = { url: started.url, secret: started.secret };
  });
}
turnFramework.$inject = ['config', 'emitter'];

module.exports = { 'framework:rtcpool-turn': ['factory', turnFramework] };
