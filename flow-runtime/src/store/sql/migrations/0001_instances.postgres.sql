-- Instances, their journals, leases and due times. Times are microseconds since the Unix
-- epoch; flags are 0 or 1; ids are the hyphenated UUID text.
CREATE TABLE flow_instances (
    id TEXT PRIMARY KEY NOT NULL,
    flow TEXT NOT NULL,
    flow_version BIGINT NOT NULL,
    state TEXT NOT NULL,
    status TEXT NOT NULL,
    attempt BIGINT NOT NULL,
    step BIGINT NOT NULL,
    revision BIGINT NOT NULL,
    context BYTEA NOT NULL,
    due_at BIGINT,
    compensation_boundary BIGINT,
    paused_from TEXT,
    cancelled BIGINT NOT NULL,
    queries BIGINT NOT NULL,
    request TEXT,
    error TEXT,
    -- The last fencing token granted; the lease is live while lease_expires_at is set.
    fence BIGINT NOT NULL,
    lease_owner BIGINT,
    lease_expires_at BIGINT,
    journal_len BIGINT NOT NULL,
    journal_seq BIGINT NOT NULL,
    -- Why the store set the record aside (it could not decode it); NULL for healthy records.
    quarantine TEXT
);
CREATE INDEX flow_instances_due ON flow_instances (due_at) WHERE due_at IS NOT NULL;
CREATE INDEX flow_instances_status ON flow_instances (status, id);
CREATE TABLE flow_journal (
    instance_id TEXT NOT NULL,
    seq BIGINT NOT NULL,
    step BIGINT NOT NULL,
    kind TEXT NOT NULL,
    compensable BIGINT NOT NULL,
    entry TEXT NOT NULL,
    PRIMARY KEY (instance_id, seq)
);
