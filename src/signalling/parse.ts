import type { ClientMessage, ServerMessage } from './messages';

/** The longest peer id a parser accepts. */
export const MAX_ID_LENGTH = 128;
/** The longest pool name a parser accepts. */
export const MAX_POOL_NAME_LENGTH = 256;
/** Prefix of the event types that belong to signalling; other types are an app's own. */
export const SIGNALLING_PREFIX = 'rtc:';

/**
 * Stable codes for frames that cannot become an ssp v2 message. They travel as the `reason` of
 * `rtc:error` and of {@link RtcPoolError}.
 */
export type ProtocolReason = 'bad-json' | 'bad-frame' | 'frame-too-large' | 'unknown-type' | 'bad-field';

/** What parsing one event gives: a typed message, an app's own event to pass by, or a refusal. */
export type Parsed<M> =
  | { readonly kind: 'message'; readonly message: M }
  | { readonly kind: 'foreign'; readonly type: string; readonly data: unknown }
  | { readonly kind: 'invalid'; readonly reason: ProtocolReason; readonly detail: string };

/** One decoded WebSocket frame: the event's type and data, not yet validated. */
export type Decoded =
  | { readonly kind: 'event'; readonly type: string; readonly data: unknown }
  | { readonly kind: 'invalid'; readonly reason: ProtocolReason; readonly detail: string };

type Check = (value: unknown) => boolean;
interface Field {
  readonly check: Check;
  readonly optional?: boolean;
}
type Spec = { readonly [name: string]: Field };

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isString = (v: unknown): v is string => typeof v === 'string';
const isId: Check = (v) => isString(v) && v.length > 0 && v.length <= MAX_ID_LENGTH;
const isPoolName: Check = (v) => isString(v) && v.length > 0 && v.length <= MAX_POOL_NAME_LENGTH;
/** The longest resume token a parser accepts. */
const MAX_TOKEN_LENGTH = 256;
const isToken: Check = (v) => isString(v) && v.length > 0 && v.length <= MAX_TOKEN_LENGTH;
const orNull = (check: Check): Check => (v) => v === null || check(v);
const orAbsent = (check: Check): Check => (v) => v === undefined || check(v);
const SDP_TYPES = new Set(['offer', 'answer', 'pranswer', 'rollback']);
const isSdp: Check = (v) =>
  isObject(v) &&
  SDP_TYPES.has(v.type as string) &&
  // a rollback carries no SDP; every other type must
  (v.type === 'rollback' ? orAbsent(isString)(v.sdp) : isString(v.sdp));
const isCandidate: Check = orNull(
  (v) =>
    isObject(v) &&
    isString(v.candidate) &&
    orAbsent(orNull(isString))(v.sdpMid) &&
    orAbsent(orNull(Number.isInteger))(v.sdpMLineIndex) &&
    orAbsent(orNull(isString))(v.usernameFragment),
);
const isDescription: Check = orNull(isObject);
const isIdList: Check = (v) => Array.isArray(v) && v.every(isId);
const isDescriptionMap: Check = (v) => isObject(v) && Object.values(v).every(isDescription);

const required = (check: Check): Field => ({ check });
const optional = (check: Check): Field => ({ check, optional: true });

const CLIENT_SPECS: { readonly [T in ClientMessage['type']]: Spec } = {
  'rtc:join': { pool: required(isPoolName) },
  'rtc:sdp': { to: required(isId), description: required(isSdp) },
  // 3.x clients also send `from`; it is not picked, so it can never be trusted by mistake
  'rtc:candidate': { for: required(isId), candidate: required(isCandidate) },
  'rtc:resume': { id: required(isId), pool: required(isPoolName), token: required(isToken) },
};

const SERVER_SPECS: { readonly [T in ServerMessage['type']]: Spec } = {
  // descriptions and pool are read leniently: some ssp v2 servers leave them out
  'rtc:joined': {
    client_id: required(isId),
    peers: required(isIdList),
    descriptions: optional(isDescriptionMap),
    pool: optional(isString),
    token: optional(isToken),
  },
  'rtc:resumed': {
    client_id: required(isId),
    peers: required(isIdList),
    descriptions: required(isDescriptionMap),
    pool: required(isString),
  },
  'rtc:peer': { id: required(isId), description: optional(isDescription), resumed: optional((v) => typeof v === 'boolean') },
  'rtc:sdp': { peer: required(isId), description: required(isSdp) },
  'rtc:candidate': { from: required(isId), candidate: required(isCandidate) },
  // 3.0.0 servers sent only `uid`; it is copied to `id` below
  'rtc:close': { id: optional(isId), uid: optional(isId) },
  'rtc:stop': {},
  'rtc:describe': { id: optional(isId), uid: optional(isId), description: required(isDescription) },
  'rtc:error': { message: required(isString), reason: required(isString) },
};

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
  const spec = specs[type]!;
  const picked: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(spec)) {
    const value = data[name];
    if (value === undefined && field.optional) continue;
    if (value === undefined || !field.check(value)) {
      return { kind: 'invalid', reason: 'bad-field', detail: `${type}: field '${name}' is missing or malformed` };
    }
    picked[name] = value;
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
 * Decodes one WebSocket text frame, `{"type": ..., "data": {...}}`, without validating the
 * event itself. `maxLength` guards against frames too large to parse.
 */
export function decodeFrame(frame: unknown, maxLength = Infinity): Decoded {
  if (!isString(frame)) return { kind: 'invalid', reason: 'bad-frame', detail: 'frames are JSON text' };
  if (frame.length > maxLength) {
    return { kind: 'invalid', reason: 'frame-too-large', detail: `frame of ${frame.length} characters is over the limit of ${maxLength}` };
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
 * Decodes and validates one client frame as the server receives it: a typed message, an app's
 * own event to pass by, or a refusal. `maxLength` guards against frames too large to parse.
 */
export function parseClientFrame(frame: unknown, maxLength = Infinity): Parsed<ClientMessage> {
  const decoded = decodeFrame(frame, maxLength);
  return decoded.kind === 'invalid' ? decoded : parseClientMessage(decoded.type, decoded.data);
}

/** Encodes one event as a WebSocket text frame. */
export function encodeFrame(type: string, data: object): string {
  return JSON.stringify({ type, data });
}
