-- Leaves an operator request for the engine working on the instance. ARGV: id, request.
if redis.call('EXISTS', KEYS[1]) == 0 then
  return 0
end
redis.call('HSET', KEYS[1], 'request', ARGV[2])
return 1
