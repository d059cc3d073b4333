-- Claims one due instance if it is still due, unleased and unpaused; the claim consumes its
-- timer. ARGV: id, now, owner, expiry.
local score = redis.call('ZSCORE', KEYS[3], ARGV[1])
if not score or tonumber(score) > tonumber(ARGV[2]) then
  return { 'gone' }
end
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('ZREM', KEYS[3], ARGV[1])
  return { 'gone' }
end
local f = redis.call('HMGET', KEYS[1], 'lease_expires_at', 'quarantine', 'status')
if present(f[2]) or f[3] == 'paused' then
  return { 'gone' }
end
if present(f[1]) and tonumber(f[1]) > tonumber(ARGV[2]) then
  return { 'gone' }
end
redis.call('HINCRBY', KEYS[1], 'fence', 1)
redis.call('HSET', KEYS[1], 'lease_owner', ARGV[3], 'lease_expires_at', ARGV[4], 'due_at', '')
reindex(ARGV[1])
return { 'ok', record() }
