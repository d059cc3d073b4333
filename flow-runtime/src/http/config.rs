//! How the API is set up: the tokens that may use it, the body limit, the event stream.

use super::auth::{ApiToken, TokenParseError};
use super::events::EventStream;

/// The environment variable [`HttpConfig::from_env`] reads tokens from:
/// `FLOW_HTTP_TOKENS="ci:service:s3cret,ops:operator:t0ken"`.
pub const TOKENS_VARIABLE: &str = "FLOW_HTTP_TOKENS";

/// The default limit of request bodies: start data and signal payloads are small documents.
pub const DEFAULT_BODY_LIMIT: usize = 256 * 1024;

/// The API's configuration. Without tokens every request but `/openapi.json` is refused:
/// the API is never open by mistake.
#[derive(Clone, Debug)]
pub struct HttpConfig {
    pub(crate) tokens: Vec<ApiToken>,
    pub(crate) body_limit: usize,
    pub(crate) events: Option<EventStream>,
}

impl Default for HttpConfig {
    fn default() -> Self {
        Self {
            tokens: Vec::new(),
            body_limit: DEFAULT_BODY_LIMIT,
            events: None,
        }
    }
}

impl HttpConfig {
    /// A configuration with the tokens of [`TOKENS_VARIABLE`] (none when it is unset).
    pub fn from_env() -> Result<Self, TokenParseError> {
        let mut config = Self::default();
        if let Ok(list) = std::env::var(TOKENS_VARIABLE) {
            config.tokens = ApiToken::parse_list(&list)?;
        }
        Ok(config)
    }

    /// Adds `token`.
    pub fn token(mut self, token: ApiToken) -> Self {
        self.tokens.push(token);
        self
    }

    /// Limits request bodies to `bytes`; larger ones are answered 413.
    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.body_limit = bytes;
        self
    }

    /// Serves `/events` from `stream`, the plugin installed on the engine.
    pub fn events(mut self, stream: EventStream) -> Self {
        self.events = Some(stream);
        self
    }

    /// The tokens configured.
    pub fn tokens(&self) -> &[ApiToken] {
        &self.tokens
    }
}
