//! Who may do what: bearer tokens, each with a name and a role. Roles are ordered, each
//! allowing what the ones below it allow:
//!
//! | role       | may                                                        |
//! |------------|------------------------------------------------------------|
//! | `viewer`   | read flows, instances, statistics, metrics, the event stream |
//! | `service`  | that, and start instances and send signals                 |
//! | `operator` | that, and pause, resume, cancel, retry and skip            |
//!
//! A request without a known token is answered 401, one whose token's role is too low 403.
//! What a token does is recorded under its name: signals as their sender, operator
//! instructions as their actor.

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;

use super::error::ApiError;
use super::router::ApiState;
use crate::store::Store;

/// What a token may do.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    serde::Serialize,
    serde::Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Reads.
    Viewer,
    /// Reads, starts instances, sends signals.
    Service,
    /// Reads, starts, signals, and gives operator instructions.
    Operator,
}

impl Role {
    /// The role's name as configured (`viewer`, `service`, `operator`).
    pub fn name(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Service => "service",
            Role::Operator => "operator",
        }
    }

    /// The role called `name`.
    pub fn from_name(name: &str) -> Option<Role> {
        [Role::Viewer, Role::Service, Role::Operator]
            .into_iter()
            .find(|role| role.name() == name)
    }
}

/// A bearer token the API accepts.
#[derive(Clone)]
pub struct ApiToken {
    name: String,
    role: Role,
    secret: String,
}

/// The secret stays out of logs.
impl std::fmt::Debug for ApiToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiToken")
            .field("name", &self.name)
            .field("role", &self.role)
            .finish_non_exhaustive()
    }
}

/// A token list that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenParseError {
    /// An entry is not `name:role:secret`.
    #[error("token entry {position} is not `name:role:secret`")]
    Shape {
        /// Its position in the list, from 1.
        position: usize,
    },
    /// An entry names a role that does not exist.
    #[error("token `{name}` has role `{role}`; the roles are viewer, service and operator")]
    Role {
        /// The token's name.
        name: String,
        /// The role given.
        role: String,
    },
    /// An entry has an empty name or secret.
    #[error("token entry {position} has an empty name or secret")]
    Empty {
        /// Its position in the list, from 1.
        position: usize,
    },
}

impl ApiToken {
    /// A token called `name` (what the journal records) with `role`, presented as
    /// `Authorization: Bearer <secret>`.
    pub fn new(name: impl Into<String>, role: Role, secret: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            role,
            secret: secret.into(),
        }
    }

    /// The tokens of `list`: `name:role:secret` entries separated by commas (a secret may
    /// hold colons).
    pub fn parse_list(list: &str) -> Result<Vec<ApiToken>, TokenParseError> {
        list.split(',')
            .map(str::trim)
            .filter(|entry| !entry.is_empty())
            .enumerate()
            .map(|(index, entry)| {
                let position = index + 1;
                let mut parts = entry.splitn(3, ':');
                let (Some(name), Some(role), Some(secret)) =
                    (parts.next(), parts.next(), parts.next())
                else {
                    return Err(TokenParseError::Shape { position });
                };
                if name.is_empty() || secret.is_empty() {
                    return Err(TokenParseError::Empty { position });
                }
                let role = Role::from_name(role).ok_or_else(|| TokenParseError::Role {
                    name: name.to_owned(),
                    role: role.to_owned(),
                })?;
                Ok(ApiToken::new(name, role, secret))
            })
            .collect()
    }

    /// The token's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The token's role.
    pub fn role(&self) -> Role {
        self.role
    }

    /// The secret, for a caller that prints how to use the API (an example, a test).
    pub fn secret(&self) -> &str {
        &self.secret
    }
}

/// The token a request came with, known and checked.
#[derive(Debug, Clone)]
pub(crate) struct Caller {
    pub(crate) name: Arc<str>,
    pub(crate) role: Role,
}

impl Caller {
    /// Refuses the request unless the caller's role is at least `needed`.
    pub(crate) fn require(&self, needed: Role, to: &str) -> Result<(), ApiError> {
        if self.role >= needed {
            Ok(())
        } else {
            Err(ApiError::Forbidden(format!(
                "token `{}` has role {}; to {to} it needs role {} or above",
                self.name,
                self.role.name(),
                needed.name()
            )))
        }
    }
}

impl<S: Store> FromRequestParts<ApiState<S>> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &ApiState<S>,
    ) -> Result<Self, Self::Rejection> {
        let Some(header) = parts.headers.get(AUTHORIZATION) else {
            return Err(ApiError::Unauthorized(
                "no `Authorization: Bearer <token>` header".to_owned(),
            ));
        };
        let presented = header
            .to_str()
            .ok()
            .and_then(|value| value.strip_prefix("Bearer "))
            .map(str::trim)
            .ok_or_else(|| {
                ApiError::Unauthorized(
                    "the Authorization header is not `Bearer <token>`".to_owned(),
                )
            })?;
        state
            .tokens
            .iter()
            .find(|token| same_secret(token.secret.as_bytes(), presented.as_bytes()))
            .map(|token| Caller {
                name: Arc::from(token.name.as_str()),
                role: token.role,
            })
            .ok_or_else(|| ApiError::Unauthorized("the bearer token is not known".to_owned()))
    }
}

/// Compares secrets in time that does not depend on where they differ, so that response
/// times do not give a secret away byte by byte.
fn same_secret(expected: &[u8], presented: &[u8]) -> bool {
    if expected.len() != presented.len() {
        return false;
    }
    expected
        .iter()
        .zip(presented)
        .fold(0u8, |difference, (a, b)| difference | (a ^ b))
        == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_list_is_read_with_names_roles_and_secrets() {
        let tokens = ApiToken::parse_list("ci:service:abc, ops:operator:x:y").unwrap();
        assert_eq!(tokens.len(), 2);
        assert_eq!(tokens[0].name(), "ci");
        assert_eq!(tokens[0].role(), Role::Service);
        assert_eq!(tokens[1].secret(), "x:y");
    }

    #[test]
    fn a_wrong_role_is_named() {
        let error = ApiToken::parse_list("ci:admin:abc").unwrap_err();
        assert_eq!(
            error.to_string(),
            "token `ci` has role `admin`; the roles are viewer, service and operator"
        );
        assert_eq!(
            ApiToken::parse_list("ci:viewer").unwrap_err(),
            TokenParseError::Shape { position: 1 }
        );
    }

    #[test]
    fn roles_include_the_ones_below() {
        let operator = Caller {
            name: Arc::from("ops"),
            role: Role::Operator,
        };
        assert!(operator.require(Role::Service, "start").is_ok());
        let viewer = Caller {
            name: Arc::from("dash"),
            role: Role::Viewer,
        };
        assert!(matches!(
            viewer.require(Role::Service, "start instances"),
            Err(ApiError::Forbidden(_))
        ));
    }
}
