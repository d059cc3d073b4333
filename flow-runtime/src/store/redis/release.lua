-- Ends the lease with token ARGV[2] if it is still the current one. ARGV: id, token.
local f = redis.call('HMGET', KEYS[1], 'fence', 'lease_expires_at')
if f[1] == ARGV[2] and present(f[2]) then
  redis.call('HSET', KEYS[1], 'lease_owner', '', 'lease_expires_at', '')
  reindex(ARGV[1])
end
return 'ok'
