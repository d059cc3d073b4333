//! Where configuration documents come from besides a caller: a file the engine watches, and
//! (with the `redis` feature) a Redis key that is the config center. Either way a change is
//! applied through [`Engine::load_document`]: a bad document is refused whole, its
//! diagnostics kept on the watch, and the configuration in force stays.
//!
//! The file is polled (its content hashed) rather than watched through the OS: an editor
//! that saves by writing a new file and renaming it over the old one is then no special
//! case, and a change applies within one poll interval.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::Duration;

use super::Engine;
use super::document_loader::{LoadError, content_hash};
use super::inner::Inner;
use crate::document::DocumentOrigin;
use crate::store::Store;

/// How a watched source fares: the last document applied and the last one refused.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WatchStatus {
    /// The content hash of the last document applied.
    pub applied: Option<String>,
    /// Documents applied since the watch began (the first one included).
    pub applied_count: u64,
    /// Why the last changed document was refused, if it was (its diagnostics, rendered);
    /// cleared when a later one applies.
    pub refused: Option<String>,
}

/// A running watch of a configuration source; it ends with the engine's shutdown or when
/// dropped.
#[derive(Debug)]
pub struct ConfigWatch {
    status: Arc<Mutex<WatchStatus>>,
    stop: tokio_util::sync::CancellationToken,
}

impl ConfigWatch {
    /// How the source fares now.
    pub fn status(&self) -> WatchStatus {
        self.status
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl Drop for ConfigWatch {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

/// Applies `text` if it differs from what was applied last; records how it went.
async fn apply_if_changed<S: Store>(
    inner: &Arc<Inner<S>>,
    status: &Mutex<WatchStatus>,
    last_seen: &mut Option<String>,
    text: &str,
    origin: DocumentOrigin,
) {
    let hash = content_hash(text);
    if last_seen.as_deref() == Some(hash.as_str()) {
        return;
    }
    *last_seen = Some(hash.clone());
    let engine = Engine {
        inner: Arc::clone(inner),
    };
    let result = engine.load_document(text, origin).await;
    let mut status = status.lock().unwrap_or_else(PoisonError::into_inner);
    match result {
        Ok(_) => {
            tracing::info!(definition = %&hash[..12], "configuration applied");
            status.applied = Some(hash);
            status.applied_count += 1;
            status.refused = None;
        }
        Err(error) => {
            tracing::warn!(%error, "configuration refused; the one in force stays");
            status.refused = Some(error.to_string());
        }
    }
}

impl<S: Store> Engine<S> {
    /// Loads the document in file `path` now (it must be valid), then checks it every
    /// `interval` and applies each change. A change that does not validate is refused, and
    /// [`ConfigWatch::status`] says why; the configuration in force stays.
    pub async fn watch_document_file(
        &self,
        path: impl AsRef<Path>,
        interval: Duration,
    ) -> Result<ConfigWatch, LoadError> {
        let path: PathBuf = path.as_ref().to_owned();
        let (text, origin) = crate::document::FlowDocument::read_text(&path)?;
        self.load_document(&text, origin).await?;
        let status = Arc::new(Mutex::new(WatchStatus {
            applied: Some(content_hash(&text)),
            applied_count: 1,
            refused: None,
        }));
        let stop = self.inner.shutdown.child_token();
        let watch = ConfigWatch {
            status: Arc::clone(&status),
            stop: stop.clone(),
        };
        let weak = Arc::downgrade(&self.inner);
        let mut last_seen = Some(content_hash(&text));
        self.inner.tasks.spawn(async move {
            loop {
                tokio::select! {
                    () = stop.cancelled() => return,
                    () = tokio::time::sleep(interval) => {}
                }
                let Some(inner) = Weak::upgrade(&weak) else {
                    return;
                };
                match std::fs::read_to_string(&path) {
                    Ok(text) => {
                        let origin = DocumentOrigin::file(&path);
                        apply_if_changed(&inner, &status, &mut last_seen, &text, origin).await;
                    }
                    // Mid-rename, or removed: the configuration in force stays.
                    Err(error) => {
                        tracing::debug!(path = %path.display(), %error, "configuration file unreadable; trying again");
                    }
                }
            }
        });
        Ok(watch)
    }
}

#[cfg(feature = "redis")]
pub use self::redis_center::publish_redis_config;

/// Redis as the config center: a key holds the document, a notice on a channel says it
/// changed, and a poll catches up with notices missed while disconnected.
#[cfg(feature = "redis")]
mod redis_center {
    use super::*;
    use redis::AsyncCommands;

    /// The channel notices of `key` go to.
    fn channel(key: &str) -> String {
        format!("{key}:changed")
    }

    fn backend(error: redis::RedisError) -> crate::store::StoreError {
        crate::store::StoreError::Backend(error.to_string())
    }

    /// Publishes configuration document `text` under `key` on the Redis at `url` and tells
    /// every engine following it ([`Engine::follow_redis_config`]). Each engine checks it
    /// on its own and applies it, or keeps its configuration and says why.
    pub async fn publish_redis_config(
        url: &str,
        key: &str,
        text: &str,
    ) -> Result<(), crate::store::StoreError> {
        let client = redis::Client::open(url).map_err(backend)?;
        let mut connection = client
            .get_multiplexed_async_connection()
            .await
            .map_err(backend)?;
        let () = connection.set(key, text).await.map_err(backend)?;
        let _: i64 = connection
            .publish(channel(key), content_hash(text))
            .await
            .map_err(backend)?;
        Ok(())
    }

    impl<S: Store> Engine<S> {
        /// Follows the configuration document kept under `key` on the Redis at `url`:
        /// applies it now if there is one, then on every change notice, and every
        /// `interval` in case a notice was missed. Refused documents leave the configuration
        /// in force; [`ConfigWatch::status`] says why.
        pub async fn follow_redis_config(
            &self,
            url: &str,
            key: &str,
            interval: Duration,
        ) -> Result<ConfigWatch, crate::store::StoreError> {
            let client = redis::Client::open(url).map_err(backend)?;
            let status = Arc::new(Mutex::new(WatchStatus::default()));
            let stop = self.inner.shutdown.child_token();
            let watch = ConfigWatch {
                status: Arc::clone(&status),
                stop: stop.clone(),
            };
            let mut reader = client
                .get_multiplexed_async_connection()
                .await
                .map_err(backend)?;
            let mut last_seen = None;
            let origin = || DocumentOrigin::named(format!("redis key `{key}`"));
            let current: Option<String> = reader.get(key).await.map_err(backend)?;
            if let Some(text) = current {
                apply_if_changed(&self.inner, &status, &mut last_seen, &text, origin()).await;
            }
            // Notices come on their own connection: a subscribed connection can do nothing else.
            let mut notices = client.get_async_pubsub().await.map_err(backend)?;
            notices.subscribe(channel(key)).await.map_err(backend)?;
            let weak = Arc::downgrade(&self.inner);
            let key = key.to_owned();
            self.inner.tasks.spawn(async move {
                let mut messages = notices.into_on_message();
                loop {
                    tokio::select! {
                        () = stop.cancelled() => return,
                        _ = futures_next(&mut messages) => {}
                        () = tokio::time::sleep(interval) => {}
                    }
                    let Some(inner) = Weak::upgrade(&weak) else {
                        return;
                    };
                    match reader.get::<_, Option<String>>(&key).await {
                        Ok(Some(text)) => {
                            let origin = DocumentOrigin::named(format!("redis key `{key}`"));
                            apply_if_changed(&inner, &status, &mut last_seen, &text, origin).await;
                        }
                        Ok(None) => {}
                        Err(error) => {
                            tracing::warn!(%error, "reading the configuration from Redis failed; trying again");
                        }
                    }
                }
            });
            Ok(watch)
        }
    }

    /// The next message of a stream.
    async fn futures_next<T>(
        stream: &mut (impl futures_core::Stream<Item = T> + Unpin),
    ) -> Option<T> {
        std::future::poll_fn(|cx| std::pin::Pin::new(&mut *stream).poll_next(cx)).await
    }
}
