-- Sets a record the engine cannot read aside: kept as it is, out of the queues, listed as
-- needing a person. ARGV: id, reason.
if redis.call('EXISTS', KEYS[1]) == 0 then
  return 'missing'
end
redis.call('HSET', KEYS[1], 'quarantine', ARGV[2])
reindex(ARGV[1])
return 'ok'
