//! Store URLs: which store a process uses is chosen at run time, from a string such as
//! `FLOW_STORE=sqlite://orders.db`.

use std::fmt;

use super::StoreError;

/// A parsed store URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreUrl {
    /// `memory:`: in-process, nothing survives the process.
    Memory,
    /// `sqlite://path` or `sqlite::memory:`: an embedded database file.
    Sqlite(String),
    /// `postgres://user:pass@host/db` (or `postgresql://`): a shared database.
    Postgres(String),
    /// `redis://[user:pass@]host:port[/db]` (or `rediss://` with TLS): a shared Redis;
    /// `redis+cluster://[user:pass@]host:port,host:port,...`: a Redis Cluster.
    Redis(String),
}

impl StoreUrl {
    /// Parses `url`; an unknown scheme is an error naming the schemes this build knows.
    pub fn parse(url: &str) -> Result<Self, StoreError> {
        let trimmed = url.trim();
        if trimmed == "memory:" || trimmed == "memory://" || trimmed == "memory" {
            return Ok(StoreUrl::Memory);
        }
        if let Some(path) = trimmed.strip_prefix("sqlite:") {
            let path = path.trim_start_matches("//");
            if path.is_empty() || path.starts_with('?') {
                return Err(StoreError::InvalidUrl {
                    url: redact_password(trimmed),
                    reason: "a SQLite URL needs a file: `sqlite://orders.db`, `sqlite:///var/lib/flows.db` or `sqlite::memory:`".into(),
                });
            }
            return Ok(StoreUrl::Sqlite(trimmed.to_owned()));
        }
        if trimmed.starts_with("postgres://") || trimmed.starts_with("postgresql://") {
            return Ok(StoreUrl::Postgres(trimmed.to_owned()));
        }
        if [
            "redis://",
            "rediss://",
            "redis+cluster://",
            "rediss+cluster://",
        ]
        .iter()
        .any(|scheme| trimmed.starts_with(scheme))
        {
            return Ok(StoreUrl::Redis(trimmed.to_owned()));
        }
        Err(StoreError::InvalidUrl {
            url: redact_password(trimmed),
            reason: "expected `memory:`, `sqlite://PATH`, `sqlite::memory:`, `postgres://USER:PASSWORD@HOST/DATABASE`, `redis://HOST:PORT` or `redis+cluster://HOST:PORT,HOST:PORT`".into(),
        })
    }
}

impl fmt::Display for StoreUrl {
    /// Writes the URL without its password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreUrl::Memory => f.write_str("memory:"),
            StoreUrl::Sqlite(url) | StoreUrl::Postgres(url) | StoreUrl::Redis(url) => {
                f.write_str(&redact_password(url))
            }
        }
    }
}

/// `url` with the password of its user info, and any `password=` or `sslpassword=` query
/// parameter, replaced by `***`, for errors and logs.
pub fn redact_password(url: &str) -> String {
    let url = redact_user_info(url);
    let Some((base, query)) = url.split_once('?') else {
        return url;
    };
    let query: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((key, _))
                if key.eq_ignore_ascii_case("password")
                    || key.eq_ignore_ascii_case("sslpassword") =>
            {
                format!("{key}=***")
            }
            _ => pair.to_owned(),
        })
        .collect();
    format!("{base}?{}", query.join("&"))
}

fn redact_user_info(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_owned();
    };
    let authority_start = scheme_end + 3;
    let rest = &url[authority_start..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let Some(at) = authority.rfind('@') else {
        return url.to_owned();
    };
    let user_info = &authority[..at];
    let Some(colon) = user_info.find(':') else {
        return url.to_owned();
    };
    format!(
        "{}{}:***{}",
        &url[..authority_start],
        &user_info[..colon],
        &url[authority_start + at..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            redact_password("postgres://app:s3cret@db.internal:5432/orders?sslmode=require"),
            "postgres://app:***@db.internal:5432/orders?sslmode=require"
        );
        assert_eq!(
            redact_password("postgres://app@db/orders"),
            "postgres://app@db/orders"
        );
        assert_eq!(redact_password("sqlite://orders.db"), "sqlite://orders.db");
        assert_eq!(
            redact_password("postgres://a:b@c@host/db"),
            "postgres://a:***@host/db"
        );
        assert_eq!(
            redact_password("postgres://127.0.0.1/x?user=app&password=secret&sslmode=disable"),
            "postgres://127.0.0.1/x?user=app&password=***&sslmode=disable"
        );
    }

    #[test]
    fn urls_pick_their_store() {
        assert_eq!(StoreUrl::parse("memory:").unwrap(), StoreUrl::Memory);
        assert_eq!(
            StoreUrl::parse("sqlite::memory:").unwrap(),
            StoreUrl::Sqlite("sqlite::memory:".into())
        );
        assert!(matches!(
            StoreUrl::parse("postgresql://u:p@h/d").unwrap(),
            StoreUrl::Postgres(_)
        ));
        for empty in ["sqlite://", "sqlite:", "sqlite://?synchronous=normal"] {
            let error = StoreUrl::parse(empty).unwrap_err().to_string();
            assert!(error.contains("needs a file"), "{empty}: {error}");
        }
        let error = StoreUrl::parse("mysql://root:hunter2@localhost/db").unwrap_err();
        let message = error.to_string();
        assert!(
            message.contains("mysql://root:***@localhost/db"),
            "{message}"
        );
        assert!(!message.contains("hunter2"), "{message}");
        assert!(message.contains("sqlite://PATH"), "{message}");
    }
}
