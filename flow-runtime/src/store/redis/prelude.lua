-- Shared by every script: the indexes an instance's hash implies, and journal compaction.
-- Keys (all in one hash slot, `{flow:N}`): KEYS[1] the record hash, KEYS[2] its journal
-- list, KEYS[3] the shard's due-queue, KEYS[4] its lease index, KEYS[5] its status index.

local function present(value)
  return value and value ~= ''
end

-- Rewrites the instance's entries in the due-queue, lease and status indexes from its hash.
local function reindex(id)
  local f = redis.call('HMGET', KEYS[1], 'status', 'due_at', 'lease_expires_at', 'quarantine', 'indexed_status')
  local status, due_at, lease, quarantine, indexed = f[1], f[2], f[3], f[4], f[5]
  if present(indexed) then
    redis.call('ZREM', KEYS[5], indexed .. ':' .. id)
  end
  if present(quarantine) then
    redis.call('ZREM', KEYS[3], id)
    redis.call('ZREM', KEYS[4], id)
    redis.call('ZADD', KEYS[5], 0, 'manual:' .. id)
    redis.call('HSET', KEYS[1], 'indexed_status', 'manual')
    return
  end
  redis.call('ZADD', KEYS[5], 0, status .. ':' .. id)
  redis.call('HSET', KEYS[1], 'indexed_status', status)
  if present(due_at) and status ~= 'paused' then
    redis.call('ZADD', KEYS[3], due_at, id)
  else
    redis.call('ZREM', KEYS[3], id)
  end
  if present(lease) then
    redis.call('ZADD', KEYS[4], lease, id)
  else
    redis.call('ZREM', KEYS[4], id)
  end
end

-- Drops the oldest entries past `cap` that compensation does not need: a compensable step
-- not yet undone is kept whatever the cap (the memory store's rule).
local function compact(cap)
  local length = redis.call('LLEN', KEYS[2])
  if length <= cap then
    return
  end
  local excess = length - cap
  local entries = redis.call('LRANGE', KEYS[2], 0, -1)
  local decoded, undone = {}, {}
  for i, entry in ipairs(entries) do
    local d = cjson.decode(entry)
    decoded[i] = d
    if d.kind == 'compensation' then
      undone[tostring(d.step)] = true
    end
  end
  local keep = {}
  for i, d in ipairs(decoded) do
    local needed = d.kind == 'step' and d.compensable == true and not undone[tostring(d.step)]
    if excess > 0 and not needed then
      excess = excess - 1
    else
      keep[#keep + 1] = entries[i]
    end
  end
  redis.call('DEL', KEYS[2])
  if #keep > 0 then
    redis.call('RPUSH', KEYS[2], unpack(keep))
  end
end

local function record()
  return { redis.call('HGETALL', KEYS[1]), redis.call('LRANGE', KEYS[2], 0, -1) }
end

local function leased_token(fields_fence, fields_lease)
  if present(fields_lease) then
    return fields_fence
  end
  return '0'
end
