-- Extends the current lease while its holder is at work. ARGV: id, token, expiry.
local f = redis.call('HMGET', KEYS[1], 'fence', 'lease_expires_at')
if f[1] == ARGV[2] and present(f[2]) then
  redis.call('HSET', KEYS[1], 'lease_expires_at', ARGV[3])
  reindex(ARGV[1])
  return 1
end
return 0
