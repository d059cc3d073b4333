//! Which instances a listing asks a store for, one page at a time.

use flow_core::InstanceId;

use super::InstanceSummary;
use crate::outcome::Status;

/// A page of instances to list: those matching every filter given, after `after`, in id
/// order (instance ids are UUID v7, so that is the order they started in), at most `limit`.
/// The next page starts after the last id of this one, so pages neither overlap nor skip.
///
/// ```
/// use flow_runtime::Status;
/// use flow_runtime::store::InstanceQuery;
///
/// let waiting_reviews = InstanceQuery::new(50).status(Status::Waiting).flow("Review");
/// assert_eq!(waiting_reviews.limit, 50);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InstanceQuery<'a> {
    /// Only instances in this status; every status when `None`. Records a store set aside
    /// as undecodable are listed as [`Status::Manual`]: they need a person.
    pub status: Option<Status>,
    /// Only instances of this flow.
    pub flow: Option<&'a str>,
    /// Only instances of this flow version.
    pub version: Option<u32>,
    /// Only instances whose id is greater than this one (the last of the page before).
    pub after: Option<InstanceId>,
    /// At most this many.
    pub limit: usize,
}

impl<'a> InstanceQuery<'a> {
    /// The first `limit` instances, of every status, flow and version.
    pub fn new(limit: usize) -> Self {
        Self {
            status: None,
            flow: None,
            version: None,
            after: None,
            limit,
        }
    }

    /// Only instances in `status`.
    pub fn status(mut self, status: Status) -> Self {
        self.status = Some(status);
        self
    }

    /// Only instances of flow `flow`.
    pub fn flow(mut self, flow: &'a str) -> Self {
        self.flow = Some(flow);
        self
    }

    /// Only instances of flow version `version`.
    pub fn version(mut self, version: u32) -> Self {
        self.version = Some(version);
        self
    }

    /// Only instances after `id`: the page that follows the one that ended with `id`.
    pub fn after(mut self, id: InstanceId) -> Self {
        self.after = Some(id);
        self
    }

    /// Whether `summary` passes the query's filters (its limit aside): for stores that
    /// filter what they read rather than what they ask their backend for.
    pub fn admits(&self, summary: &InstanceSummary) -> bool {
        self.status.is_none_or(|status| summary.status == status)
            && self.flow.is_none_or(|flow| summary.flow == flow)
            && self
                .version
                .is_none_or(|version| summary.flow_version == version)
            && self.after.is_none_or(|after| summary.id > after)
    }
}
