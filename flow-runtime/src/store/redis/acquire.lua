-- Leases a free instance. ARGV: id, now, owner, expiry.
if redis.call('EXISTS', KEYS[1]) == 0 then
  return { 'missing' }
end
local f = redis.call('HMGET', KEYS[1], 'lease_expires_at', 'quarantine')
if present(f[2]) then
  return { 'quarantined', f[2] }
end
if present(f[1]) and tonumber(f[1]) > tonumber(ARGV[2]) then
  return { 'busy' }
end
redis.call('HINCRBY', KEYS[1], 'fence', 1)
redis.call('HSET', KEYS[1], 'lease_owner', ARGV[3], 'lease_expires_at', ARGV[4])
reindex(ARGV[1])
return { 'ok', record() }
