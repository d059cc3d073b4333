-- Listings page by id within a flow (and version) without reading the flow's other rows:
-- `GET /instances?flow=...` and `flowctl instances --flow` are one index range a page.
CREATE INDEX flow_instances_flow ON flow_instances (flow, flow_version, id);
