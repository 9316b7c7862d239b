import type { ClientMessage, ServerMessage } from './messages';

/** The longest peer id a parser accepts. */
export const MAX_ID_LENGTH = 128;
/** The longest pool name a parser accepts. */
export const MAX_POOL_NAME_LENGTH = 256;
/** Prefix of the event types that belong to signalling; other types are an app's own. */
export const SIGNALLING_PREFIX = 'rtc:';

/**
 * Deepest nesting of objects and arrays a frame may have. ssp v2 needs 3; the rest is room for
 * an app's descriptions. It is checked by a scan before `JSON.parse`, which would otherwise spend
 * its time (and stack) on a frame built to be deep.
 */
export const MAX_FRAME_DEPTH = 32;

/**
 * Stable codes for frames that cannot become an ssp v2 message. They travel as the `reason` of
 * `rtc:error` and of {@link RtcPoolError}.
 */
export type ProtocolReason = 'bad-json' | 'bad-frame' | 'frame-too-large' | 'frame-too-deep' | 'unknown-type' | 'bad-field';

/** What parsing one event gives: a typed message, an app's own event to pass by, or a refusal. */
export type Parsed<M> =
  | { readonly kind: 'message'; readonly message: M }
  | { readonly kind: 'foreign'; readonly type: string; readonly data: unknown }
  | { readonly kind: 'invalid'; readonly reason: ProtocolReason; readonly detail: string };

/** One decoded WebSocket frame: the event's type and data, not yet validated. */
export type Decoded =
  | { readonly kind: 'event'; readonly type: string; readonly data: unknown }
  | { readonly kind: 'invalid'; readonly reason: ProtocolReason; readonly detail: string };

/** What a field reader answers for a value it cannot accept. */
const INVALID: unique symbol = /*#__PURE__*/ Symbol('invalid');
/**
 * Reads one field: the value to keep (rebuilt from the fields it knows, for objects, so nothing
 * the sender added travels on), or {@link INVALID}.
 */
type Read = (value: unknown) => unknown;
interface Field {
  readonly name: string;
  readonly read: Read;
  readonly optional: boolean;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isString = (v: unknown): v is string => typeof v === 'string';
const checked =
  (test: (v: unknown) => boolean): Read =>
  (v) =>
    test(v) ? v : INVALID;
const isId = (v: unknown): boolean => isString(v) && v.length > 0 && v.length <= MAX_ID_LENGTH;
const isPoolName = (v: unknown): boolean => isString(v) && v.length > 0 && v.length <= MAX_POOL_NAME_LENGTH;
/** The longest resume token a parser accepts. */
const MAX_TOKEN_LENGTH = 256;
const isToken = (v: unknown): boolean => isString(v) && v.length > 0 && v.length <= MAX_TOKEN_LENGTH;
const isSeq = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const isBoolean = (v: unknown): boolean => typeof v === 'boolean';
const SDP_TYPES = /*#__PURE__*/ new Set(['offer', 'answer', 'pranswer', 'rollback']);

/** `{ type, sdp }` and nothing else; a rollback may leave out its SDP, every other type carries one. */
const readSdp: Read = (v) => {
  if (!isObject(v) || !SDP_TYPES.has(v.type as string)) return INVALID;
  if (v.sdp === undefined && v.type === 'rollback') return { type: v.type };
  return isString(v.sdp) ? { type: v.type, sdp: v.sdp } : INVALID;
};
/** An offer's `{ type, sdp }`: what a standing offer must be. */
const readOffer: Read = (v) => (isObject(v) && v.type === 'offer' ? readSdp(v) : INVALID);
/** `{ sid, description }` of a standing offer, riding on `rtc:join`. */
const readStandingOffer: Read = (v) => {
  if (!isObject(v) || !isSeq(v.sid)) return INVALID;
  const description = readOffer(v.description);
  return description === INVALID ? INVALID : { sid: v.sid, description };
};
/** `{ [peer]: offer }`, each offer read as {@link readOffer}. */
const readOfferMap: Read = (v) => {
  if (!isObject(v)) return INVALID;
  const offers: Array<[string, unknown]> = [];
  for (const [peer, offer] of Object.entries(v)) {
    const read = readOffer(offer);
    if (!isId(peer) || read === INVALID) return INVALID;
    offers.push([peer, read]);
  }
  // fromEntries defines each id as an own field, `__proto__` included: no assignment reaches a prototype
  return Object.fromEntries(offers);
};
// wrapped: a table that reads `Number.isInteger` at load is kept by bundlers even when unused
const isInteger = (v: unknown): boolean => Number.isInteger(v);
const CANDIDATE_FIELDS: ReadonlyArray<readonly [string, (v: unknown) => boolean]> = [
  ['sdpMid', isString],
  ['sdpMLineIndex', isInteger],
  ['usernameFragment', isString],
];
/** `{ candidate, sdpMid?, sdpMLineIndex?, usernameFragment? }` and nothing else, or null. */
const readCandidate: Read = (v) => {
  if (v === null) return null;
  if (!isObject(v) || !isString(v.candidate)) return INVALID;
  const candidate: Record<string, unknown> = { candidate: v.candidate };
  for (const [name, test] of CANDIDATE_FIELDS) {
    const value = v[name];
    if (value === undefined) continue;
    if (value !== null && !test(value)) return INVALID;
    candidate[name] = value;
  }
  return candidate;
};
/** The most ICE servers one message may hand out, and the longest URL or credential string. */
const MAX_ICE_SERVERS = 16;
const MAX_ICE_STRING_LENGTH = 1024;
const isIceString = (v: unknown): v is string => isString(v) && v.length > 0 && v.length <= MAX_ICE_STRING_LENGTH;
/** `RTCIceServer[]`, each rebuilt from `urls`, `username` and `credential` only. */
const readIceServers: Read = (v) => {
  if (!Array.isArray(v) || v.length > MAX_ICE_SERVERS) return INVALID;
  const servers: RTCIceServer[] = [];
  for (const entry of v) {
    if (!isObject(entry)) return INVALID;
    const { urls, username, credential } = entry;
    const validUrls = isIceString(urls) || (Array.isArray(urls) && urls.length > 0 && urls.length <= MAX_ICE_SERVERS && urls.every(isIceString));
    if (!validUrls) return INVALID;
    if ((username !== undefined && !isIceString(username)) || (credential !== undefined && !isIceString(credential))) return INVALID;
    const server: { urls: string | string[]; username?: string; credential?: string } = { urls: Array.isArray(urls) ? [...(urls as string[])] : (urls as string) };
    if (username !== undefined) server.username = username as string;
    if (credential !== undefined) server.credential = credential as string;
    servers.push(server);
  }
  return servers;
};
const isTtl = (v: unknown): boolean => Number.isSafeInteger(v) && (v as number) > 0;
const isDescription = (v: unknown): boolean => v === null || isObject(v);
const isIdList = (v: unknown): boolean => Array.isArray(v) && v.every(isId);
const isDescriptionMap = (v: unknown): boolean => isObject(v) && Object.values(v).every(isDescription);

type Spec = readonly Field[];
const spec = (fields: { readonly [name: string]: readonly [Read, 'optional'?] }): Spec =>
  Object.entries(fields).map(([name, [read, optional]]) => ({ name, read, optional: optional === 'optional' }));

// The tables are built by calls, which a bundler keeps unless they are marked pure: marked, a
// bundle that never reads a table leaves it out (the browser entry has no client table).
const CLIENT_SPECS: { readonly [T in ClientMessage['type']]: Spec } = /*#__PURE__*/ (() => ({
  'rtc:join': spec({
    pool: [checked(isPoolName)],
    ack: [checked(isBoolean), 'optional'],
    offerer: [checked(isBoolean), 'optional'],
    standing: [checked(isBoolean), 'optional'],
    standingOffer: [readStandingOffer, 'optional'],
  }),
  'rtc:standing': spec({ sid: [checked(isSeq)], description: [readOffer] }),
  'rtc:sdp': spec({ to: [checked(isId)], description: [readSdp] }),
  // 3.x clients also send `from`; it is not picked, so it can never be trusted by mistake
  'rtc:candidate': spec({ for: [checked(isId)], candidate: [readCandidate] }),
  'rtc:resume': spec({
    id: [checked(isId)],
    pool: [checked(isPoolName)],
    token: [checked(isToken)],
    ack: [checked(isBoolean), 'optional'],
    last: [checked(isSeq), 'optional'],
    offerer: [checked(isBoolean), 'optional'],
    standing: [checked(isBoolean), 'optional'],
  }),
  'rtc:ack': spec({ seq: [checked(isSeq)] }),
  'rtc:ice-servers': spec({}),
}))();

const SERVER_SPECS: { readonly [T in ServerMessage['type']]: Spec } = /*#__PURE__*/ (() => ({
  // descriptions and pool are read leniently: some ssp v2 servers leave them out
  'rtc:joined': spec({
    client_id: [checked(isId)],
    peers: [checked(isIdList)],
    descriptions: [checked(isDescriptionMap), 'optional'],
    pool: [checked(isString), 'optional'],
    token: [checked(isToken), 'optional'],
    iceServers: [readIceServers, 'optional'],
    iceServersTtl: [checked(isTtl), 'optional'],
    offerers: [checked(isIdList), 'optional'],
    standingOffers: [readOfferMap, 'optional'],
  }),
  'rtc:resumed': spec({
    client_id: [checked(isId)],
    peers: [checked(isIdList)],
    descriptions: [checked(isDescriptionMap)],
    pool: [checked(isString)],
    token: [checked(isToken), 'optional'],
    iceServers: [readIceServers, 'optional'],
    iceServersTtl: [checked(isTtl), 'optional'],
  }),
  'rtc:peer': spec({
    id: [checked(isId)],
    description: [checked(isDescription), 'optional'],
    resumed: [checked(isBoolean), 'optional'],
    standing: [checked(isSeq), 'optional'],
  }),
  'rtc:standing': spec({ sid: [checked(isSeq)] }),
  'rtc:sdp': spec({ peer: [checked(isId)], description: [readSdp] }),
  'rtc:candidate': spec({ from: [checked(isId)], candidate: [readCandidate] }),
  // 3.0.0 servers sent only `uid`; it is copied to `id` below
  'rtc:close': spec({ id: [checked(isId), 'optional'], uid: [checked(isId), 'optional'] }),
  'rtc:stop': spec({}),
  'rtc:describe': spec({ id: [checked(isId), 'optional'], uid: [checked(isId), 'optional'], description: [checked(isDescription)] }),
  'rtc:error': spec({ message: [checked(isString)], reason: [checked(isString)] }),
  'rtc:ice-servers': spec({ iceServers: [readIceServers], iceServersTtl: [checked(isTtl), 'optional'] }),
}))();

function hasOwn<K extends string>(specs: { readonly [T in K]: Spec }, type: string): type is K {
  return Object.prototype.hasOwnProperty.call(specs, type);
}

function parseWith<M>(specs: { readonly [type: string]: Spec }, type: unknown, data: unknown): Parsed<M> {
  if (!isString(type) || !isObject(data)) {
    return { kind: 'invalid', reason: 'bad-frame', detail: 'an event needs a string type and an object data' };
  }
  if (!type.startsWith(SIGNALLING_PREFIX)) return { kind: 'foreign', type, data };
  if (!hasOwn(specs, type)) {
    return { kind: 'invalid', reason: 'unknown-type', detail: `unknown signalling event type '${type}'` };
  }
  const picked: Record<string, unknown> = {};
  for (const field of specs[type]!) {
    const value = data[field.name];
    if (value === undefined && field.optional) continue;
    const read = value === undefined ? INVALID : field.read(value);
    if (read === INVALID) {
      return { kind: 'invalid', reason: 'bad-field', detail: `${type}: field '${field.name}' is missing or malformed` };
    }
    picked[field.name] = read;
  }
  return { kind: 'message', message: { type, data: picked } as M };
}

/**
 * Validates one event a client sent, as the server receives it. Unknown fields are dropped, so
 * a sender can never smuggle in a field the server sets itself.
 *
 * @example
 * ```ts
 * const parsed = parseClientMessage('rtc:join', { pool: 'lobby' });
 * if (parsed.kind === 'message') console.log(parsed.message.data.pool);
 * ```
 */
export function parseClientMessage(type: unknown, data: unknown): Parsed<ClientMessage> {
  return parseWith<ClientMessage>(CLIENT_SPECS, type, data);
}

/**
 * Validates one event a server sent, as the client receives it, and fills in `id` from the
 * 3.0.0 spelling `uid` (and the other way round).
 *
 * @example
 * ```ts
 * const parsed = parseServerMessage('rtc:close', { uid: 'a' });
 * // parsed.message.data is { id: 'a', uid: 'a' }
 * ```
 */
export function parseServerMessage(type: unknown, data: unknown): Parsed<ServerMessage> {
  const parsed = parseWith<ServerMessage>(SERVER_SPECS, type, data);
  if (parsed.kind !== 'message') return parsed;
  const message = parsed.message;
  if (message.type === 'rtc:close' || message.type === 'rtc:describe') {
    const id = message.data.id ?? message.data.uid;
    if (id === undefined) {
      return { kind: 'invalid', reason: 'bad-field', detail: `${message.type}: field 'id' is missing or malformed` };
    }
    return { kind: 'message', message: { ...message, data: { ...message.data, id, uid: id } } as ServerMessage };
  }
  if (message.type === 'rtc:joined' && message.data.descriptions === undefined) {
    return { kind: 'message', message: { ...message, data: { ...message.data, descriptions: {} } } };
  }
  return parsed;
}

/**
 * Whether a JSON text nests objects and arrays deeper than `maxDepth`: a linear scan that
 * skips strings, cheap next to the parse it spares.
 */
export function nestsDeeperThan(text: string, maxDepth: number): boolean {
  // a text this short cannot open more brackets than allowed
  if (text.length <= maxDepth) return false;
  let depth = 0;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // jump over the string to its closing quote (most of a frame is strings: SDP, candidates)
      let end = text.indexOf('"', i + 1);
      while (end > 0 && isEscaped(text, end)) end = text.indexOf('"', end + 1);
      // an unterminated string: the parse will refuse the frame
      if (end < 0) return false;
      i = end;
    } else if (c === 0x7b || c === 0x5b) {
      depth += 1;
      if (depth > maxDepth) return true;
    } else if (c === 0x7d || c === 0x5d) {
      depth -= 1;
    }
  }
  return false;
}

/** Whether the character at `at` follows an odd run of backslashes. */
function isEscaped(text: string, at: number): boolean {
  let backslashes = 0;
  while (text.charCodeAt(at - 1 - backslashes) === 0x5c) backslashes += 1;
  return backslashes % 2 === 1;
}

/**
 * Decodes one WebSocket text frame, `{"type": ..., "data": {...}}`, without validating the
 * event itself. `maxLength` and `maxDepth` guard against frames too large or too deep to parse:
 * both are checked before the parse.
 */
export function decodeFrame(frame: unknown, maxLength = Infinity, maxDepth = MAX_FRAME_DEPTH): Decoded {
  if (!isString(frame)) return { kind: 'invalid', reason: 'bad-frame', detail: 'frames are JSON text' };
  if (frame.length > maxLength) {
    return { kind: 'invalid', reason: 'frame-too-large', detail: `frame of ${frame.length} characters is over the limit of ${maxLength}` };
  }
  if (nestsDeeperThan(frame, maxDepth)) {
    return { kind: 'invalid', reason: 'frame-too-deep', detail: `frame nests deeper than ${maxDepth} levels` };
  }
  let value: unknown;
  try {
    value = JSON.parse(frame);
  } catch {
    return { kind: 'invalid', reason: 'bad-json', detail: 'frame is not JSON' };
  }
  if (!isObject(value) || !isString(value.type) || !isObject(value.data)) {
    return { kind: 'invalid', reason: 'bad-frame', detail: 'a frame is an object with a string type and an object data' };
  }
  return { kind: 'event', type: value.type, data: value.data };
}

/**
 * The relay number (`seq`, our extension) a server put in an event's data, or null when it has
 * none (a plain ssp v2 server, or a message that is not numbered).
 */
export function sequenceOf(data: unknown): number | null {
  const seq = isObject(data) ? data.seq : undefined;
  return isSeq(seq) && seq > 0 ? seq : null;
}

/**
 * Decodes and validates one client frame as the server receives it: a typed message, an app's
 * own event to pass by, or a refusal. `maxLength` and `maxDepth` guard against frames too large
 * or too deep to parse.
 */
export function parseClientFrame(frame: unknown, maxLength = Infinity, maxDepth = MAX_FRAME_DEPTH): Parsed<ClientMessage> {
  const decoded = decodeFrame(frame, maxLength, maxDepth);
  return decoded.kind === 'invalid' ? decoded : parseClientMessage(decoded.type, decoded.data);
}

/** Encodes one event as a WebSocket text frame. */
export function encodeFrame(type: string, data: object): string {
  return JSON.stringify({ type, data });
}
