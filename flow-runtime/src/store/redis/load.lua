-- The record and its journal, read at one instant. ARGV: id.
if redis.call('EXISTS', KEYS[1]) == 0 then
  return { 'missing' }
end
local quarantine = redis.call('HGET', KEYS[1], 'quarantine')
if present(quarantine) then
  return { 'quarantined', quarantine }
end
return { 'ok', record() }
