-- Claims one orphan: running or compensating, no timer, its lease lapsed. ARGV: id, now,
-- owner, expiry.
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('ZREM', KEYS[4], ARGV[1])
  return { 'gone' }
end
local f = redis.call('HMGET', KEYS[1], 'lease_expires_at', 'quarantine', 'status', 'due_at')
if present(f[2]) or present(f[4]) then
  return { 'gone' }
end
if f[3] ~= 'running' and f[3] ~= 'compensating' then
  return { 'gone' }
end
if not present(f[1]) or tonumber(f[1]) > tonumber(ARGV[2]) then
  return { 'gone' }
end
redis.call('HINCRBY', KEYS[1], 'fence', 1)
redis.call('HSET', KEYS[1], 'lease_owner', ARGV[3], 'lease_expires_at', ARGV[4])
reindex(ARGV[1])
return { 'ok', record() }
