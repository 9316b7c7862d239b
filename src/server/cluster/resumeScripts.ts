// The scripts of session resume in a cluster and of relay acknowledgement: which node a member
// is on moves with its resume, and what Redis keeps for a member that acknowledges (see the keys
// in clusterScripts.ts) is replayed from here and trimmed by its acknowledgements.
import { COMMON } from './clusterScripts';

/** rtc:ack: what the member saw up to a number is no longer kept. ARGV: prefix, id, seq. */
export const ACK = `
redis.call('XTRIM', ARGV[1] .. ':kept:' .. ARGV[2], 'MINID', (tonumber(ARGV[3]) + 1) .. '-0')
return 1
`;

/**
 * rtc:resume on any node: the membership moves to the node the member came back on, if its token
 * is its one good token (the nonce) for this life of the pool; the nonce rotates. The node that
 * held the member is told (ctl = moved, with what the member saw last), and hands over on the
 * same bus what it kept for the member. A member that acknowledges gets what it has not seen from
 * here instead (P:kept), so it is not lost with a dead node; a member that starts to acknowledge
 * is numbered on from what it saw, and one that stops is no longer numbered. ARGV: prefix, node,
 * id, pool, instance, nonce, new nonce, last seen, acknowledges (1/0). Returns { 'ok', old node,
 * created, own description JSON, the last number given ('' when not numbered), kept ('1' when the
 * entries that follow are every one after last seen: else the old node's hand-over has them),
 * the count of entries, entries (seq, message JSON, ...), others (id, description JSON, ...) }
 * or { reason } ('lost': some of what the member did not see was kept only by a node known dead).
 */
export const RESUME = `${COMMON}
local node, id, name = ARGV[2], ARGV[3], ARGV[4]
if redis.call('GET', P .. ':member:' .. id) ~= name then return { 'ended' } end
local meta = P .. ':meta:' .. name
if redis.call('HGET', meta, 'instance') ~= ARGV[5] then return { 'ended' } end
if redis.call('GET', P .. ':nonce:' .. id) ~= ARGV[6] then return { 'used' } end
local poolKey = P .. ':pool:' .. name
local old = redis.call('HGET', poolKey, id)
local last = tonumber(ARGV[8])
local seqKey, keptKey = P .. ':seq:' .. id, P .. ':kept:' .. id
local counter = redis.call('GET', seqKey)
local entries, complete = {}, '0'
if ARGV[9] == '1' and counter then
  counter = math.max(tonumber(counter), last)
  entries = redis.call('XRANGE', keptKey, (last + 1) .. '-0', '+')
  -- every number after last seen is there (none trimmed away for the cap, none lost with a Redis
  -- that restarted since it was given): else only the old node's hand-over has them; a node
  -- known dead (its liveness key expired) hands over nothing, so the resume is refused rather
  -- than go on without them
  local first = entries[1] and tonumber(string.match(entries[1][1], '^%d+')) or counter + 1
  if first == last + 1 and #entries == counter - last then complete = '1' end
  if complete == '0' and old ~= node and redis.call('EXISTS', P .. ':alive:' .. old) == 0 then return { 'lost' } end
  redis.call('SET', seqKey, counter)
  redis.call('XTRIM', keptKey, 'MINID', (last + 1) .. '-0')
elseif ARGV[9] == '1' then
  redis.call('SET', seqKey, last)
  counter = last
else
  forgetKept(id)
  counter = false
end
redis.call('SET', P .. ':nonce:' .. id, ARGV[7])
if old ~= node then
  redis.call('HSET', poolKey, id, node)
  redis.call('SREM', P .. ':nodemembers:' .. old, id)
  redis.call('SADD', P .. ':nodemembers:' .. node, id)
  redis.call('XADD', P .. ':inbox:' .. old, 'MAXLEN', '~', MAXLEN, '*', 'to', id, 'pool', name, 'ctl', 'moved', 'node', node, 'last', ARGV[8])
end
local reply = { 'ok', old, redis.call('HGET', meta, 'created'), redis.call('HGET', P .. ':desc:' .. name, id) or 'null', counter and tostring(counter) or '', complete, tostring(#entries) }
for _, entry in ipairs(entries) do
  table.insert(reply, string.match(entry[1], '^%d+'))
  table.insert(reply, entry[2][2])
end
local descs = redis.call('HGETALL', P .. ':desc:' .. name)
for i = 1, #descs, 2 do
  if descs[i] ~= id then
    table.insert(reply, descs[i])
    table.insert(reply, descs[i + 1])
  end
end
return reply
`;

/**
 * What a node kept for a member that moved: to the member's new node. ARGV: prefix, node, id,
 * pool, the last number the old node gave, frames as JSON [[seq, frame], ...].
 */
export const HANDOVER = `
local P = ARGV[1]
redis.call('XADD', P .. ':inbox:' .. ARGV[2], 'MAXLEN', '~', 100000, '*', 'to', ARGV[3], 'pool', ARGV[4], 'ctl', 'handover', 'seq', ARGV[5], 'frames', ARGV[6])
return 1
`;
