//! HTTP for WebRTC: the join page, WHIP (RFC 9725) ingest, WHEP viewing and
//! the session resources they create. Errors are plain text, as WHIP/WHEP
//! clients show them to users.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Serialize;

use super::service::{JoinRequest, SessionKind, WebrtcError, WebrtcService};

const INDEX_HTML: &str = include_str!("page/index.html");
const APP_JS: &str = include_str!("page/app.js");
const APP_CSS: &str = include_str!("page/app.css");

pub fn routes(svc: Arc<WebrtcService>) -> Router {
    Router::new()
        .route("/", get(|| page(INDEX_HTML, "text/html; charset=utf-8")))
        .route(
            "/app.js",
            get(|| page(APP_JS, "text/javascript; charset=utf-8")),
        )
        .route("/app.css", get(|| page(APP_CSS, "text/css; charset=utf-8")))
        .route("/webrtc/rooms", get(rooms))
        .route("/webrtc/rooms/{room}/join", post(join_page))
        .route("/whip/{room}", post(join_whip))
        .route("/whep/{room}", post(join_whep))
        .route(
            "/webrtc/sessions/{id}",
            get(session).patch(patch).delete(delete),
        )
        .with_state(svc)
}

async fn page(body: &'static str, kind: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, kind),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response()
}

impl IntoResponse for WebrtcError {
    fn into_response(self) -> Response {
        let status = match &self {
            WebrtcError::BadOffer(_) | WebrtcError::BadRequest(_) => StatusCode::BAD_REQUEST,
            WebrtcError::Unauthorized => StatusCode::UNAUTHORIZED,
            WebrtcError::WrongPin(_) => StatusCode::FORBIDDEN,
            WebrtcError::NoSuchRoom(_) | WebrtcError::NoSuchSession => StatusCode::NOT_FOUND,
            WebrtcError::RoomFull(_) => StatusCode::CONFLICT,
            WebrtcError::IceRestart => StatusCode::UNPROCESSABLE_ENTITY,
            WebrtcError::Disabled => StatusCode::SERVICE_UNAVAILABLE,
            WebrtcError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        };
        let mut res = (
            status,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            format!("{self}\n"),
        )
            .into_response();
        if status == StatusCode::UNAUTHORIZED {
            res.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Bearer"),
            );
        }
        res
    }
}

fn content_type_is(headers: &HeaderMap, want: &str) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case(want))
}

fn bearer(headers: &HeaderMap) -> Option<String> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_string())
}

async fn join(
    svc: Arc<WebrtcService>,
    kind: SessionKind,
    room: String,
    q: HashMap<String, String>,
    headers: HeaderMap,
    body: String,
) -> Response {
    if !content_type_is(&headers, "application/sdp") {
        return (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            "the offer must be sent as Content-Type: application/sdp\n",
        )
            .into_response();
    }
    let offer_for_log = body.clone();
    let req = JoinRequest {
        kind,
        room,
        name: q.get("name").cloned(),
        pin: q.get("pin").cloned().filter(|p| !p.is_empty()),
        bearer: bearer(&headers),
        exclude: q.get("exclude").cloned(),
        offer: body,
    };
    match svc.join(req).await {
        Ok(j) => {
            let location = format!("/webrtc/sessions/{}", j.session);
            let mut res = (
                StatusCode::CREATED,
                [
                    (header::CONTENT_TYPE, "application/sdp".to_string()),
                    (header::LOCATION, location),
                    (header::ETAG, format!("\"{}\"", j.session)),
                ],
                j.answer,
            )
                .into_response();
            res.headers_mut().insert(
                "accept-patch",
                header::HeaderValue::from_static("application/trickle-ice-sdpfrag"),
            );
            res
        }
        Err(e) => {
            tracing::info!(kind = kind.as_str(), error = %e, "WebRTC join refused");
            tracing::debug!(offer = %offer_for_log, "the refused offer");
            e.into_response()
        }
    }
}

async fn join_page(
    State(svc): State<Arc<WebrtcService>>,
    Path(room): Path<String>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: String,
) -> Response {
    join(svc, SessionKind::Participant, room, q, headers, body).await
}

async fn join_whip(
    State(svc): State<Arc<WebrtcService>>,
    Path(room): Path<String>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: String,
) -> Response {
    join(svc, SessionKind::Whip, room, q, headers, body).await
}

async fn join_whep(
    State(svc): State<Arc<WebrtcService>>,
    Path(room): Path<String>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: String,
) -> Response {
    join(svc, SessionKind::Whep, room, q, headers, body).await
}

async fn patch(
    State(svc): State<Arc<WebrtcService>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: String,
) -> Response {
    if !content_type_is(&headers, "application/trickle-ice-sdpfrag") {
        return (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            "PATCH takes Content-Type: application/trickle-ice-sdpfrag\n",
        )
            .into_response();
    }
    match svc.patch(&id, body).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => e.into_response(),
    }
}

async fn delete(State(svc): State<Arc<WebrtcService>>, Path(id): Path<String>) -> Response {
    match svc.leave(&id, "DELETE").await {
        Ok(()) => StatusCode::OK.into_response(),
        Err(e) => e.into_response(),
    }
}

#[derive(Serialize)]
struct RoomSummary {
    number: String,
    name: String,
    has_pin: bool,
    participants: usize,
    max_participants: u32,
}

async fn rooms(State(svc): State<Arc<WebrtcService>>) -> Response {
    let list: Vec<RoomSummary> = svc.with_rooms(|rooms| {
        rooms
            .rooms
            .values()
            .filter(|r| !r.retired)
            .map(|r| RoomSummary {
                number: r.config.number.clone(),
                name: r.config.name.clone(),
                has_pin: r.config.pin.is_some(),
                participants: r.participants.len(),
                max_participants: r.config.max_participants,
            })
            .collect()
    });
    Json(list).into_response()
}

#[derive(Serialize)]
struct RoomRef {
    number: String,
    name: String,
}

#[derive(Serialize)]
struct Member {
    id: u64,
    display_name: String,
    protocol: &'static str,
    muted: bool,
}

#[derive(Serialize)]
struct SessionState {
    id: String,
    participant: u64,
    room: RoomRef,
    active_speaker: Option<u64>,
    participants: Vec<Member>,
}

/// What the page polls: its room and who is in it. Only the holder of the
/// (unguessable) session id can read it.
async fn session(State(svc): State<Arc<WebrtcService>>, Path(id): Path<String>) -> Response {
    let Some((participant, number)) = svc.session_room(&id) else {
        return WebrtcError::NoSuchSession.into_response();
    };
    let state = svc.with_rooms(|rooms| {
        rooms.rooms.get(&number).map(|r| SessionState {
            id: id.clone(),
            participant,
            room: RoomRef {
                number: r.config.number.clone(),
                name: r.config.name.clone(),
            },
            active_speaker: r.media.active_speaker(),
            participants: r
                .participants
                .values()
                .map(|p| Member {
                    id: p.id,
                    display_name: p.display_name.clone(),
                    protocol: p.protocol,
                    muted: p.muted,
                })
                .collect(),
        })
    });
    match state {
        Some(s) => Json(s).into_response(),
        None => WebrtcError::NoSuchSession.into_response(),
    }
}
