-- An instance's last error becomes structured (message, action, kind, attempt, step), as
-- JSON in the same column; the plain messages of version 1 become its message.
UPDATE flow_instances
SET error = json_object('message', error, 'action', NULL, 'kind', NULL, 'attempt', attempt, 'step', step)
WHERE error IS NOT NULL;
