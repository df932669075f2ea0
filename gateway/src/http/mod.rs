//! HTTP: health, metrics and the admin API.
//!
//! `GET /healthz` and `GET /metrics` are open (probes and Prometheus scrape
//! from the ops network); everything under `/api/v1` needs the admin bearer
//! token. Every answer the server makes itself, including errors for unknown
//! routes, wrong methods and bad bodies, is JSON `{"error": "…"}`.

mod api;
mod auth;
mod error;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, DefaultBodyLimit, OriginalUri, Request};
use axum::http::{header, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use crate::control::{Command, Views};
use crate::metrics::Metrics;

use error::ApiError;

/// Largest request body accepted; dial requests are a few dozen bytes.
const BODY_LIMIT: usize = 64 * 1024;

/// How long the API waits for the daemon to act on a command.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(10);

/// What the HTTP server needs from the rest of the daemon.
#[derive(Clone)]
pub struct HttpState {
    /// The admin bearer token; replaced in place on config reload.
    pub admin_token: Arc<RwLock<String>>,
    pub metrics: Metrics,
    pub views: Arc<dyn Views>,
    pub commands: tokio::sync::mpsc::Sender<Command>,
    /// The join page and WHIP/WHEP endpoints; `None` when WebRTC is off.
    pub webrtc: Option<Arc<crate::webrtc::WebrtcService>>,
}

/// Handlers share one allocation instead of cloning every handle per request.
struct Shared {
    http: HttpState,
    command_timeout: Duration,
}

/// The whole HTTP application: health, metrics, admin API, JSON fallbacks.
pub fn router(state: HttpState) -> Router {
    build(state, COMMAND_TIMEOUT)
}

fn build(state: HttpState, command_timeout: Duration) -> Router {
    let webrtc = state.webrtc.clone().map(crate::webrtc::routes);
    let shared = Arc::new(Shared {
        http: state,
        command_timeout,
    });
    // The guard wraps the API's fallbacks too, so without the token nothing
    // under /api/v1 is revealed, not even which routes exist.
    let admin = api::routes()
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(
            shared.clone(),
            auth::require_bearer,
        ));
    let app = Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .method_not_allowed_fallback(method_not_allowed)
        .nest("/api/v1", admin)
        .fallback(not_found)
        .with_state(shared);
    let app = match webrtc {
        Some(w) => app.merge(w),
        None => app,
    };
    app.layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(middleware::from_fn(log_request))
}

/// Serves `router(state)` on an already-bound listener until `shutdown`
/// resolves; requests in flight are then allowed to finish.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: HttpState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    if let Ok(addr) = listener.local_addr() {
        tracing::info!(%addr, "HTTP listening");
    }
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}

async fn healthz() -> &'static str {
    "ok"
}

async fn metrics(axum::extract::State(s): axum::extract::State<Arc<Shared>>) -> Response {
    (
        [(header::CONTENT_TYPE, prometheus::TEXT_FORMAT)],
        s.http.metrics.render(),
    )
        .into_response()
}

// `OriginalUri`: inside the nested API router the plain URI lacks `/api/v1`.
async fn not_found(method: Method, OriginalUri(uri): OriginalUri) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        format!("no such resource: {method} {}", uri.path()),
    )
}

async fn method_not_allowed(method: Method, OriginalUri(uri): OriginalUri) -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        format!("{method} is not allowed on {}", uri.path()),
    )
}

/// One line per admin request (an audit trail of who changed what); probes
/// and scrapes only at debug level, they come every few seconds.
async fn log_request(req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(a)| a.to_string());
    let started = Instant::now();
    let res = next.run(req).await;
    let status = res.status().as_u16();
    let ms = started.elapsed().as_millis();
    let peer = peer.as_deref().unwrap_or("-");
    if res.status().is_server_error() {
        tracing::warn!(%method, %path, status, ms, peer, "HTTP request failed");
    } else if path == "/api" || path.starts_with("/api/") {
        tracing::info!(%method, %path, status, ms, peer, "admin API request");
    } else {
        tracing::debug!(%method, %path, status, ms, peer, "HTTP request");
    }
    res
}

#[cfg(test)]
mod tests;
