-- Flows may come from documents loaded at run time: each instance names the content hash of
-- the definition it started on (NULL for a flow compiled into the program), and the
-- definitions are kept here by that hash, so any engine process resumes an instance on the
-- exact definition it started with. saved_at is microseconds since the Unix epoch.
ALTER TABLE flow_instances ADD COLUMN definition TEXT;
CREATE TABLE flow_definitions (
    hash TEXT PRIMARY KEY NOT NULL,
    flow TEXT NOT NULL,
    version BIGINT NOT NULL,
    body TEXT NOT NULL,
    saved_at BIGINT NOT NULL
);
CREATE INDEX flow_definitions_flow ON flow_definitions (flow, version, saved_at);
