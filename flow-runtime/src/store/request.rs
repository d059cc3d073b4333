//! Operator instructions left for the engine that drives an instance: what was asked and who
//! asked it, and the one text form every durable store keeps them in.

/// What an operator asked of an instance that an engine is working on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OperatorRequest {
    /// Stop after the running step, as `Paused`.
    Pause,
    /// Stop after the running step and compensate, as `Cancelled`.
    Cancel,
}

impl OperatorRequest {
    /// The request's stored name, the same as its serde name.
    pub fn name(self) -> &'static str {
        match self {
            OperatorRequest::Pause => "pause",
            OperatorRequest::Cancel => "cancel",
        }
    }

    /// The request stored as `name`, if it is one.
    pub fn from_name(name: &str) -> Option<OperatorRequest> {
        [OperatorRequest::Pause, OperatorRequest::Cancel]
            .into_iter()
            .find(|request| request.name() == name)
    }
}

/// An operator request waiting for the engine that drives the instance, with who gave it, so
/// that the engine journals the instruction under the operator's name when it applies it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct PendingRequest {
    /// What was asked.
    pub kind: OperatorRequest,
    /// Who asked (a person, an API token's name); `None` for a request stored before
    /// requests carried their actor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
}

/// Separates the kind from the actor in the stored text. Kinds never contain it, so the
/// first one ends the kind and an actor may contain it freely.
const SEPARATOR: char = ':';

impl PendingRequest {
    /// A request of `kind` given by `actor`.
    pub fn new(kind: OperatorRequest, actor: impl Into<String>) -> Self {
        Self {
            kind,
            actor: Some(actor.into()),
        }
    }

    /// The text durable stores keep: `pause:rita`, or the bare kind (`pause`) without an
    /// actor, which is also how requests were stored before they carried one.
    pub fn stored(&self) -> String {
        match &self.actor {
            Some(actor) => format!("{}{SEPARATOR}{actor}", self.kind.name()),
            None => self.kind.name().to_owned(),
        }
    }

    /// The request stored as `text`, if it is one (see [`PendingRequest::stored`]).
    pub fn from_stored(text: &str) -> Option<Self> {
        let (kind, actor) = match text.split_once(SEPARATOR) {
            Some((kind, actor)) => (kind, Some(actor.to_owned())),
            None => (text, None),
        };
        Some(Self {
            kind: OperatorRequest::from_name(kind)?,
            actor,
        })
    }
}

impl From<OperatorRequest> for PendingRequest {
    /// A request without an actor.
    fn from(kind: OperatorRequest) -> Self {
        Self { kind, actor: None }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_is_stored_with_its_actor_and_read_back() {
        let request = PendingRequest::new(OperatorRequest::Pause, "rita");
        assert_eq!(request.stored(), "pause:rita");
        assert_eq!(PendingRequest::from_stored("pause:rita"), Some(request));
    }

    #[test]
    fn an_actor_may_contain_the_separator() {
        let request = PendingRequest::new(OperatorRequest::Cancel, "ops:night shift");
        assert_eq!(
            PendingRequest::from_stored(&request.stored()),
            Some(request)
        );
    }

    #[test]
    fn a_request_stored_before_requests_carried_an_actor_reads_without_one() {
        assert_eq!(
            PendingRequest::from_stored("cancel"),
            Some(PendingRequest::from(OperatorRequest::Cancel))
        );
        assert_eq!(
            PendingRequest::from(OperatorRequest::Pause).stored(),
            "pause"
        );
    }

    #[test]
    fn an_unknown_kind_is_not_a_request() {
        assert_eq!(PendingRequest::from_stored("explode:rita"), None);
        assert_eq!(PendingRequest::from_stored(""), None);
        assert_eq!(PendingRequest::from_stored(":rita"), None);
    }
}
