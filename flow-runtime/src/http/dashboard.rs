//! The dashboard at `/ui`: one page, a style sheet and a small script, embedded in the binary
//! (no CDN, no build step), served by the API's own router. The page loads without a token
//! and asks for one; the script then calls the API like any other client.
//!
//! How the token is handled, and why:
//! - The page asks once and keeps the token in `sessionStorage`: it lives as long as the
//!   tab, is not shared with other tabs, and is gone when the tab closes.
//! - Every call, the event stream included, sends it as `Authorization: Bearer`. The stream
//!   is read with `fetch` and a small parser instead of `EventSource` (which cannot send a
//!   header), so the token never goes into a URL (where access logs and proxies keep it) nor
//!   into a cookie (which the browser would send on its own, inviting cross-site requests).
//!   The API therefore accepts tokens in one place only, the header.
//! - The assets go out with a strict Content Security Policy: only the page's own script
//!   and style run, no inline code, no connection to another origin. Together with the
//!   script never putting data into `innerHTML`, a hostile value in an instance's context
//!   cannot run as code and read the token.

use axum::Router;
use axum::http::HeaderValue;
use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS,
    X_FRAME_OPTIONS,
};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

const PAGE: &str = include_str!("dashboard/index.html");
const SCRIPT: &str = include_str!("dashboard/app.js");
const STYLE: &str = include_str!("dashboard/app.css");

/// Only this origin's own files; SVG diagrams are parsed by the script, not loaded as images.
const POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; \
     frame-ancestors 'none'";

/// The dashboard's routes, merged into the API's router. They need no token: the page holds
/// no data until the script is given one.
pub(crate) fn routes<T: Clone + Send + Sync + 'static>() -> Router<T> {
    Router::new()
        .route("/ui", get(page))
        .route("/ui/", get(page))
        .route("/ui/app.js", get(script))
        .route("/ui/app.css", get(style))
}

async fn page() -> Response {
    asset("text/html; charset=utf-8", PAGE)
}

async fn script() -> Response {
    asset("text/javascript; charset=utf-8", SCRIPT)
}

async fn style() -> Response {
    asset("text/css; charset=utf-8", STYLE)
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static(POLICY));
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    // A new binary brings new assets: the browser asks again rather than keep an old script.
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}
