import { CLUSTER_KEPT_LIMIT } from './clusterOptions';

// The cluster's shared state, in one Redis, changed only by these scripts: a script runs alone,
// so every rule checked in one (a free seat, the pool limits) still holds when it acts. Every
// script names its keys from ARGV[1], the key prefix: a single Redis (or Valkey) primary, not a
// Redis Cluster, whose scripts must declare their keys.
//
// Keys (P = prefix): P:pools SET of pool names; P:pool:<name> HASH member -> node; P:desc:<name>
// HASH member -> description JSON; P:offerers:<name> HASH member -> '1' for the members that
// joined as offerers; P:standing:<name> HASH member -> its standing offer JSON {sid, description};
// P:meta:<name> HASH created, instance, address, creator;
// P:member:<id> the member's pool; P:nonce:<id> the nonce its one good resume token carries;
// P:nodemembers:<node> SET of its members; P:nodes SET of nodes; P:alive:<node> liveness with a
// TTL; P:inbox:<node> STREAM of what that node delivers, entries { to = "id,id", pool, m = message
// JSON, seq = "n,n" } or, between nodes, { to = id, pool, ctl = moved | handover, ... } (see
// RESUME); P:seq:<id> the last number given to a member that acknowledges (relay acknowledgement:
// absent for one that does not), and P:kept:<id> STREAM of what it was sent and has not
// acknowledged, entry id <seq>-0 { m = message JSON }, so that any node can replay it after the
// member's node died; P:addrpools:<address>, P:connpools:<id> counters.

/**
 * Numbering for relay acknowledgement, in Redis so that it survives the member's node: `keep(id,
 * msg)` gives the message the member's next number and keeps it until acknowledged, or answers 0
 * for a member that does not acknowledge. Capped (`MAXLEN ~`): what is trimmed past the cap
 * comes from the old node's hand-over on a resume (see RESUME).
 */
const KEEP = `
local function keep(id, msg)
  local key = P .. ':seq:' .. id
  if not redis.call('GET', key) then return 0 end
  local seq = redis.call('INCR', key)
  redis.call('XADD', P .. ':kept:' .. id, 'MAXLEN', '~', ${CLUSTER_KEPT_LIMIT}, seq .. '-0', 'm', msg)
  return seq
end`;

/** Helpers every script starts with: sending to members through their nodes' inboxes, and leaving. */
export const COMMON = `
local P = ARGV[1]
local function q(s) return cjson.encode(s) end
local MAXLEN = 100000
${KEEP}
-- one stream entry per node, naming that node's recipients and the number each gets
local function deliver(members, skip, pool, msg)
  local byNode = {}
  local seqs = {}
  for i = 1, #members, 2 do
    local id, node = members[i], members[i + 1]
    if id ~= skip then
      if byNode[node] == nil then
        byNode[node] = {}
        seqs[node] = {}
      end
      table.insert(byNode[node], id)
      table.insert(seqs[node], keep(id, msg))
    end
  end
  for node, ids in pairs(byNode) do
    redis.call('XADD', P .. ':inbox:' .. node, 'MAXLEN', '~', MAXLEN, '*', 'to', table.concat(ids, ','), 'seq', table.concat(seqs[node], ','), 'pool', pool, 'm', msg)
  end
end
local function forgetKept(id)
  redis.call('DEL', P .. ':seq:' .. id, P .. ':kept:' .. id)
end
local function removePool(name)
  local meta = P .. ':meta:' .. name
  local address = redis.call('HGET', meta, 'address')
  local creator = redis.call('HGET', meta, 'creator')
  if address then
    if redis.call('DECR', P .. ':addrpools:' .. address) <= 0 then redis.call('DEL', P .. ':addrpools:' .. address) end
    if redis.call('DECR', P .. ':connpools:' .. creator) <= 0 then redis.call('DEL', P .. ':connpools:' .. creator) end
  end
  redis.call('DEL', meta, P .. ':pool:' .. name, P .. ':desc:' .. name, P .. ':offerers:' .. name, P .. ':standing:' .. name)
  redis.call('SREM', P .. ':pools', name)
end
-- takes a member out of its pool (only if it is on node, when node is given); rtc:close to the rest
local function leave(id, node)
  local name = redis.call('GET', P .. ':member:' .. id)
  if not name then return false end
  local poolKey = P .. ':pool:' .. name
  local at = redis.call('HGET', poolKey, id)
  if node and at and at ~= node then return false end
  redis.call('DEL', P .. ':member:' .. id, P .. ':nonce:' .. id)
  forgetKept(id)
  redis.call('HDEL', poolKey, id)
  redis.call('HDEL', P .. ':desc:' .. name, id)
  redis.call('HDEL', P .. ':offerers:' .. name, id)
  redis.call('HDEL', P .. ':standing:' .. name, id)
  if at then redis.call('SREM', P .. ':nodemembers:' .. at, id) end
  if redis.call('HLEN', poolKey) == 0 and redis.call('HGET', P .. ':meta:' .. name, 'created') ~= '1' then
    removePool(name)
  else
    deliver(redis.call('HGETALL', poolKey), nil, name, '{"type":"rtc:close","data":{"id":' .. q(id) .. ',"uid":' .. q(id) .. '}}')
  end
  return name
end
`;

/**
 * rtc:join. ARGV: prefix, node, id, pool, description JSON, address, private (1/0), maxPools,
 * maxMembersPerPool, maxPoolsPerAddress, maxPoolsPerConnection, a new instance, the member's
 * nonce, acknowledges (1/0), offerer (1/0), standing (1/0: the newcomer takes every standing offer
 * there is), its own standing offer JSON {sid, description} ('' for none), kept once it is
 * admitted. Returns { 'ok', instance, created, the others that are offerers (ids joined by ','),
 * the standing offers taken (a JSON object id -> {sid, description}), others (id, description
 * JSON, ...) } or { reason, detail }.
 */
export const JOIN = `${COMMON}
local node, id, name, desc, address = ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local current = redis.call('GET', P .. ':member:' .. id)
if current then return { 'already-joined', current } end
local meta = P .. ':meta:' .. name
local poolKey = P .. ':pool:' .. name
if redis.call('EXISTS', meta) == 0 then
  if ARGV[7] == '1' then return { 'pool-not-found', '' } end
  if redis.call('SCARD', P .. ':pools') >= tonumber(ARGV[8]) then return { 'too-many-pools', 'server' } end
  if tonumber(redis.call('GET', P .. ':connpools:' .. id) or '0') >= tonumber(ARGV[11]) then return { 'too-many-pools', 'connection' } end
  if tonumber(redis.call('GET', P .. ':addrpools:' .. address) or '0') >= tonumber(ARGV[10]) then return { 'too-many-pools', 'address' } end
  redis.call('HSET', meta, 'created', '0', 'instance', ARGV[12], 'address', address, 'creator', id)
  redis.call('SADD', P .. ':pools', name)
  redis.call('INCR', P .. ':connpools:' .. id)
  redis.call('INCR', P .. ':addrpools:' .. address)
end
if redis.call('HLEN', poolKey) >= tonumber(ARGV[9]) then return { 'pool-full', '' } end
local members = redis.call('HGETALL', poolKey)
local descs = redis.call('HGETALL', P .. ':desc:' .. name)
local offerers = redis.call('HKEYS', P .. ':offerers:' .. name)
redis.call('HSET', poolKey, id, node)
redis.call('HSET', P .. ':desc:' .. name, id, desc)
if ARGV[15] == '1' then redis.call('HSET', P .. ':offerers:' .. name, id, '1') end
redis.call('SET', P .. ':member:' .. id, name)
redis.call('SET', P .. ':nonce:' .. id, ARGV[13])
forgetKept(id)
if ARGV[14] == '1' then redis.call('SET', P .. ':seq:' .. id, 0) end
redis.call('SADD', P .. ':nodemembers:' .. node, id)
-- a newcomer that asked takes every standing offer there is; their members hear which of theirs
local taken = {}
local standingKey = P .. ':standing:' .. name
if ARGV[16] == '1' then
  local offers = redis.call('HGETALL', standingKey)
  for i = 1, #offers, 2 do taken[offers[i]] = offers[i + 1] end
  redis.call('DEL', standingKey)
  if ARGV[17] ~= '' then redis.call('HSET', standingKey, id, ARGV[17]) end
end
local plain = {}
local offered = {}
for i = 1, #members, 2 do
  local offer = taken[members[i]]
  if offer then
    deliver({ members[i], members[i + 1] }, nil, name, '{"type":"rtc:peer","data":{"id":' .. q(id) .. ',"description":' .. desc .. ',"standing":' .. q(cjson.decode(offer).sid) .. '}}')
    table.insert(offered, q(members[i]) .. ':' .. offer)
  else
    table.insert(plain, members[i])
    table.insert(plain, members[i + 1])
  end
end
deliver(plain, nil, name, '{"type":"rtc:peer","data":{"id":' .. q(id) .. ',"description":' .. desc .. '}}')
local reply = { 'ok', redis.call('HGET', meta, 'instance'), redis.call('HGET', meta, 'created'), table.concat(offerers, ','), '{' .. table.concat(offered, ',') .. '}' }
for i = 1, #descs do table.insert(reply, descs[i]) end
return reply
`;

/**
 * rtc:standing: a member's standing offer replaces the one before, and the member hears so
 * through its node's inbox, behind any rtc:peer that said a newcomer took the one before.
 * ARGV: prefix, id, offer JSON {sid, description}, sid. Returns 'ok' or 'not-joined'.
 */
export const STANDING = `${COMMON}
local id = ARGV[2]
local name = redis.call('GET', P .. ':member:' .. id)
if not name then return 'not-joined' end
local node = redis.call('HGET', P .. ':pool:' .. name, id)
if not node then return 'not-joined' end
redis.call('HSET', P .. ':standing:' .. name, id, ARGV[3])
deliver({ id, node }, nil, name, '{"type":"rtc:standing","data":{"sid":' .. ARGV[4] .. '}}')
return 'ok'
`;

/** rtc:sdp or rtc:candidate. ARGV: prefix, from, to, message JSON. Returns 'ok', 'not-joined' or 'unknown-peer'. */
export const RELAY = `
local P = ARGV[1]
${KEEP}
local name = redis.call('GET', P .. ':member:' .. ARGV[2])
if not name then return 'not-joined' end
if ARGV[3] == ARGV[2] then return 'unknown-peer' end
local node = redis.call('HGET', P .. ':pool:' .. name, ARGV[3])
if not node then return 'unknown-peer' end
redis.call('XADD', P .. ':inbox:' .. node, 'MAXLEN', '~', 100000, '*', 'to', ARGV[3], 'seq', keep(ARGV[3], ARGV[4]), 'pool', name, 'm', ARGV[4])
return 'ok'
`;

/** A member leaves. ARGV: prefix, id, node. Returns the pool it left, or false. */
export const LEAVE = `${COMMON}
return leave(ARGV[2], ARGV[3])
`;

/** A member's description changes. ARGV: prefix, id, description JSON. */
export const DESCRIBE = `${COMMON}
local id = ARGV[2]
local name = redis.call('GET', P .. ':member:' .. id)
if not name then return 0 end
redis.call('HSET', P .. ':desc:' .. name, id, ARGV[3])
deliver(redis.call('HGETALL', P .. ':pool:' .. name), id, name, '{"type":"rtc:describe","data":{"id":' .. q(id) .. ',"uid":' .. q(id) .. ',"description":' .. ARGV[3] .. '}}')
return 1
`;

/** createPool. ARGV: prefix, name, maxPools, a new instance. Returns 1 or 0. */
export const CREATE = `
local P = ARGV[1]
local meta = P .. ':meta:' .. ARGV[2]
if redis.call('EXISTS', meta) == 1 then return 1 end
if redis.call('SCARD', P .. ':pools') >= tonumber(ARGV[3]) then return 0 end
redis.call('HSET', meta, 'created', '1', 'instance', ARGV[4])
redis.call('SADD', P .. ':pools', ARGV[2])
return 1
`;

/** stop(). ARGV: prefix, name. rtc:stop to every member; returns 1, or 0 when there is no such pool. */
export const STOP = `${COMMON}
local name = ARGV[2]
if redis.call('EXISTS', P .. ':meta:' .. name) == 0 then return 0 end
local members = redis.call('HGETALL', P .. ':pool:' .. name)
for i = 1, #members, 2 do
  redis.call('DEL', P .. ':member:' .. members[i], P .. ':nonce:' .. members[i])
  redis.call('SREM', P .. ':nodemembers:' .. members[i + 1], members[i])
end
deliver(members, nil, name, '{"type":"rtc:stop","data":{}}')
for i = 1, #members, 2 do forgetKept(members[i]) end
removePool(name)
return 1
`;

/** Every pool: { name, created, members (id, description JSON, ...) as JSON } per pool. ARGV: prefix. */
export const LIST = `
local P = ARGV[1]
local out = {}
for _, name in ipairs(redis.call('SMEMBERS', P .. ':pools')) do
  local created = redis.call('HGET', P .. ':meta:' .. name, 'created') or '0'
  table.insert(out, { name, created, redis.call('HGETALL', P .. ':desc:' .. name) })
end
return out
`;

/**
 * Members of nodes whose liveness key has expired leave (rtc:close to the rest), and the nodes
 * are forgotten. Any survivor may run it; the first one does the work. ARGV: prefix, own node.
 * Returns how many members left.
 */
export const REAP = `${COMMON}
local count = 0
for _, node in ipairs(redis.call('SMEMBERS', P .. ':nodes')) do
  if node ~= ARGV[2] and redis.call('EXISTS', P .. ':alive:' .. node) == 0 then
    for _, id in ipairs(redis.call('SMEMBERS', P .. ':nodemembers:' .. node)) do
      if leave(id, node) then count = count + 1 end
    end
    redis.call('DEL', P .. ':nodemembers:' .. node, P .. ':inbox:' .. node)
    redis.call('SREM', P .. ':nodes', node)
  end
end
return count
`;

/**
 * A node's members are put back after Redis lost them (restarted empty, or the node was taken
 * for dead during an outage). ARGV: prefix, node, ttl ms, then per member: id, pool, description
 * JSON, instance, created (1/0), nonce ('' for a pool created with createPool, whose id is ''),
 * the last number it was given ('' for a member that does not acknowledge): numbering goes on
 * from there, so nothing new looks like something the member has seen; offerer (1/0). A member already there is left alone; one put back is announced
 * to the rest of its pool with rtc:peer `resumed`, as a restarted server's readmission is. A pool
 * there under another instance was stopped and created again: its member is named in the reply,
 * to be stopped.
 */
export const RESTORE = `${COMMON}
local node = ARGV[2]
redis.call('SADD', P .. ':nodes', node)
redis.call('SET', P .. ':alive:' .. node, '1', 'PX', ARGV[3])
local stopped = {}
for i = 4, #ARGV, 8 do
  local id, name, desc, instance, created = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4]
  local meta = P .. ':meta:' .. name
  local have = redis.call('HGET', meta, 'instance')
  if have and have ~= instance then
    table.insert(stopped, id)
  elseif id == '' then
    if not have then
      redis.call('HSET', meta, 'created', '1', 'instance', instance)
      redis.call('SADD', P .. ':pools', name)
    end
  elseif not redis.call('GET', P .. ':member:' .. id) then
    if not have then
      redis.call('HSET', meta, 'created', created, 'instance', instance)
      redis.call('SADD', P .. ':pools', name)
    end
    local poolKey = P .. ':pool:' .. name
    deliver(redis.call('HGETALL', poolKey), nil, name, '{"type":"rtc:peer","data":{"id":' .. q(id) .. ',"description":' .. desc .. ',"resumed":true}}')
    redis.call('HSET', poolKey, id, node)
    redis.call('HSET', P .. ':desc:' .. name, id, desc)
    redis.call('SET', P .. ':member:' .. id, name)
    redis.call('SET', P .. ':nonce:' .. id, ARGV[i + 5])
    if ARGV[i + 6] ~= '' then redis.call('SET', P .. ':seq:' .. id, ARGV[i + 6]) end
    if ARGV[i + 7] == '1' then redis.call('HSET', P .. ':offerers:' .. name, id, '1') end
    redis.call('SADD', P .. ':nodemembers:' .. node, id)
  end
end
return stopped
`;

/** A node says goodbye: its members leave, and it is forgotten. ARGV: prefix, node. */
export const DEPART = `${COMMON}
local node = ARGV[2]
for _, id in ipairs(redis.call('SMEMBERS', P .. ':nodemembers:' .. node)) do leave(id, node) end
redis.call('DEL', P .. ':nodemembers:' .. node, P .. ':inbox:' .. node, P .. ':alive:' .. node)
redis.call('SREM', P .. ':nodes', node)
return 1
`;
