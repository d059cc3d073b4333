-- ARGV: id, field count n, n field/value arguments, then the journal entries.
if redis.call('EXISTS', KEYS[1]) == 1 then
  return 'exists'
end
local n = tonumber(ARGV[2])
local fields = {}
for i = 3, 2 + n do
  fields[#fields + 1] = ARGV[i]
end
redis.call('HSET', KEYS[1], unpack(fields))
for i = 3 + n, #ARGV do
  redis.call('RPUSH', KEYS[2], ARGV[i])
end
reindex(ARGV[1])
return 'ok'
