-- Saves a flow definition under its content hash unless the hash is taken; the first body
-- stays. KEYS[1] the definition's hash, KEYS[2] its flow's set of hashes.
-- ARGV: hash, flow, version, body, saved_at.
if redis.call('HSETNX', KEYS[1], 'body', ARGV[4]) == 0 then
  if redis.call('HGET', KEYS[1], 'body') == ARGV[4] then
    return 'same'
  end
  return 'mismatch'
end
redis.call('HSET', KEYS[1], 'hash', ARGV[1], 'flow', ARGV[2], 'version', ARGV[3], 'saved_at', ARGV[5])
redis.call('SADD', KEYS[2], ARGV[1])
return 'saved'
