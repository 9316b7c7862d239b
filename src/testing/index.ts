/**
 * `rtcpool/testing`: test an app's rtcpool code in its own karma suite without a server.
 * @packageDocumentation
 */
export { HubTransceiver, TestHub, type TestHubOptions } from './testHub';
