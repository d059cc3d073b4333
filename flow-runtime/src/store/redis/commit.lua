-- The step commit: compare-and-set on the revision and the lease's fencing token, the new
-- fields, the journal entry with its cap, the indexes, and the operator request back.
-- ARGV: 1 id, 2 expected revision, 3 token, 4 state, 5 status, 6 attempt, 7 step,
-- 8 has context, 9 context, 10 due_at, 11 compensation boundary, 12 paused_from,
-- 13 cancelled, 14 queries, 15 error, 16 clear request, 17 release lease,
-- 18 lease expiry, 19 journal entry, 20 journal cap.
if redis.call('EXISTS', KEYS[1]) == 0 then
  return { 'missing' }
end
local f = redis.call('HMGET', KEYS[1], 'revision', 'fence', 'lease_expires_at', 'quarantine')
if present(f[4]) then
  return { 'quarantined', f[4] }
end
local current = leased_token(f[2], f[3])
if current ~= ARGV[3] then
  return { 'fenced', current }
end
if f[1] ~= ARGV[2] then
  return { 'conflict', f[1] }
end
local revision = tostring(tonumber(f[1]) + 1)
local set = {
  'revision', revision, 'state', ARGV[4], 'status', ARGV[5], 'attempt', ARGV[6],
  'step', ARGV[7], 'due_at', ARGV[10], 'compensation_boundary', ARGV[11],
  'paused_from', ARGV[12], 'cancelled', ARGV[13], 'queries', ARGV[14], 'error', ARGV[15],
}
if ARGV[8] == '1' then
  set[#set + 1] = 'context'
  set[#set + 1] = ARGV[9]
end
if ARGV[16] == '1' then
  set[#set + 1] = 'request'
  set[#set + 1] = ''
end
if ARGV[17] == '1' then
  set[#set + 1] = 'lease_owner'
  set[#set + 1] = ''
  set[#set + 1] = 'lease_expires_at'
  set[#set + 1] = ''
elseif present(f[3]) then
  set[#set + 1] = 'lease_expires_at'
  set[#set + 1] = ARGV[18]
end
redis.call('HSET', KEYS[1], unpack(set))
if ARGV[19] ~= '' then
  redis.call('RPUSH', KEYS[2], ARGV[19])
  compact(tonumber(ARGV[20]))
end
reindex(ARGV[1])
return { 'ok', revision, redis.call('HGET', KEYS[1], 'request') }
