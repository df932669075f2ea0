//! `/api/v1` handlers: views are read straight from [`Views`]; actions go to
//! the daemon as [`Command`]s and wait (bounded) for its answer.
//!
//! [`Views`]: crate::control::Views

use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use tokio::sync::oneshot;

use super::error::{ApiError, ApiJson, ApiPath};
use super::Shared;
use crate::control::{
    Command, CommandError, DialTarget, MediaAction, ParticipantView, RegistrationView, RoomView,
};

pub(super) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/registrations", get(registrations))
        .route("/rooms", get(rooms))
        .route("/rooms/{number}", get(room).patch(change_room))
        .route("/rooms/{number}/participants", get(participants))
        .route(
            "/rooms/{number}/participants/{id}",
            get(participant).delete(hang_up).patch(change_participant),
        )
        .route("/rooms/{number}/participants/{id}/keyframe", post(keyframe))
        .route("/rooms/{number}/dial", post(dial))
        .route("/webrtc/sessions", get(webrtc_sessions))
        .route("/links", get(links).post(add_link))
        .route("/links/{id}", axum::routing::delete(remove_link))
}

fn webrtc(s: &Shared) -> Result<&Arc<crate::webrtc::WebrtcService>, ApiError> {
    s.http.webrtc.as_ref().ok_or_else(|| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "WebRTC is disabled in the configuration",
        )
    })
}

async fn webrtc_sessions(
    State(s): State<Arc<Shared>>,
) -> Result<Json<Vec<crate::webrtc::service::SessionView>>, ApiError> {
    Ok(Json(webrtc(&s)?.sessions()))
}

async fn links(
    State(s): State<Arc<Shared>>,
) -> Result<Json<Vec<crate::webrtc::link::LinkView>>, ApiError> {
    Ok(Json(webrtc(&s)?.links()))
}

/// Body of `POST /links`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LinkRequest {
    room: String,
    name: String,
    whip_url: Option<String>,
    whep_url: Option<String>,
    token: Option<String>,
    retry_max_secs: Option<u64>,
}

async fn add_link(
    State(s): State<Arc<Shared>>,
    ApiJson(req): ApiJson<LinkRequest>,
) -> Result<Response, ApiError> {
    let svc = webrtc(&s)?;
    let bad = |m: String| ApiError::new(StatusCode::BAD_REQUEST, m);
    if s.http.views.room(&req.room).is_none() {
        return Err(CommandError::NoSuchRoom(req.room).into());
    }
    if req.name.trim().is_empty() {
        return Err(bad("a link needs a name".to_string()));
    }
    if req.whip_url.is_none() && req.whep_url.is_none() {
        return Err(bad("a link needs whip_url, whep_url or both".to_string()));
    }
    for u in [&req.whip_url, &req.whep_url].into_iter().flatten() {
        crate::webrtc::client::HttpUrl::parse(u).map_err(bad)?;
    }
    let view = svc.start_link(
        crate::config::LinkConfig {
            room: req.room,
            name: req.name.trim().to_string(),
            whip_url: req.whip_url,
            whep_url: req.whep_url,
            token: req.token,
            retry_max: std::time::Duration::from_secs(req.retry_max_secs.unwrap_or(30).max(1)),
        },
        false,
    );
    Ok((StatusCode::CREATED, Json(view)).into_response())
}

async fn remove_link(
    State(s): State<Arc<Shared>>,
    ApiPath(id): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    let id: u64 = id
        .parse()
        .map_err(|_| ApiError::new(StatusCode::BAD_REQUEST, format!("bad link id {id:?}")))?;
    if webrtc(&s)?.stop_link(id) {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::new(
            StatusCode::NOT_FOUND,
            format!("link {id} not found"),
        ))
    }
}

async fn registrations(State(s): State<Arc<Shared>>) -> Json<Vec<RegistrationView>> {
    Json(s.http.views.registrations())
}

async fn rooms(State(s): State<Arc<Shared>>) -> Json<Vec<RoomView>> {
    Json(s.http.views.rooms())
}

async fn room(
    State(s): State<Arc<Shared>>,
    ApiPath(number): ApiPath<String>,
) -> Result<Json<RoomView>, ApiError> {
    find_room(&s, number).map(Json)
}

async fn participants(
    State(s): State<Arc<Shared>>,
    ApiPath(number): ApiPath<String>,
) -> Result<Json<Vec<ParticipantView>>, ApiError> {
    Ok(Json(find_room(&s, number)?.participants))
}

async fn participant(
    State(s): State<Arc<Shared>>,
    ApiPath((number, id)): ApiPath<(String, String)>,
) -> Result<Json<ParticipantView>, ApiError> {
    let id = participant_id(&id)?;
    find_room(&s, number)?
        .participants
        .into_iter()
        .find(|p| p.id == id)
        .map(Json)
        .ok_or_else(|| CommandError::NoSuchParticipant(id).into())
}

/// Body of `POST /rooms/{number}/dial`: exactly one of the fields.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DialRequest {
    terminal: Option<String>,
    uri: Option<String>,
    /// An H.323 terminal: a registered alias, or `ip[:port]`.
    h323: Option<String>,
}

impl DialRequest {
    fn into_target(self) -> Result<DialTarget, ApiError> {
        let nonblank = |field: &str, v: String| {
            if v.trim().is_empty() {
                Err(ApiError::bad_request(format!("\"{field}\" is empty")))
            } else {
                Ok(v)
            }
        };
        match (self.terminal, self.uri, self.h323) {
            (Some(t), None, None) => Ok(DialTarget::Terminal(nonblank("terminal", t)?)),
            (None, Some(u), None) => Ok(DialTarget::Uri(nonblank("uri", u)?)),
            (None, None, Some(h)) => Ok(DialTarget::H323(nonblank("h323", h)?)),
            (None, None, None) => Err(ApiError::bad_request(
                "give the callee as {\"terminal\": \"<username>\"}, {\"uri\": \"sip:…\"} or {\"h323\": \"<alias or ip>\"}",
            )),
            _ => Err(ApiError::bad_request(
                "give one of \"terminal\", \"uri\" and \"h323\", not several",
            )),
        }
    }
}

/// Starts a call from the room; 201 with the new (ringing) participant and
/// its URL. Failures the daemon reports map to 4xx/5xx by [`CommandError`].
async fn dial(
    State(s): State<Arc<Shared>>,
    ApiPath(number): ApiPath<String>,
    ApiJson(req): ApiJson<DialRequest>,
) -> Result<Response, ApiError> {
    let target = req.into_target()?;
    let room = number.clone();
    let p = ask(&s, |reply| Command::DialOut {
        room,
        target,
        reply,
    })
    .await?;
    let location = format!(
        "/api/v1/rooms/{}/participants/{}",
        percent_encode_segment(&number),
        p.id
    );
    let mut res = (StatusCode::CREATED, Json(p)).into_response();
    // Always valid: percent-encoding leaves only visible ASCII.
    if let Ok(v) = HeaderValue::try_from(location) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    Ok(res)
}

async fn hang_up(
    State(s): State<Arc<Shared>>,
    ApiPath((number, id)): ApiPath<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let participant = participant_id(&id)?;
    ask(&s, |reply| Command::HangUp {
        room: number,
        participant,
        reply,
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Body of `PATCH /rooms/{number}`: what to change.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RoomChange {
    layout: Option<String>,
    same_picture: Option<bool>,
}

/// Changes the room's layout and/or picture mode; 200 with the room.
async fn change_room(
    State(s): State<Arc<Shared>>,
    ApiPath(number): ApiPath<String>,
    ApiJson(req): ApiJson<RoomChange>,
) -> Result<Json<RoomView>, ApiError> {
    let mut actions = Vec::new();
    if let Some(name) = &req.layout {
        let layout = name.parse().map_err(ApiError::bad_request)?;
        actions.push(MediaAction::Layout(layout));
    }
    if let Some(on) = req.same_picture {
        actions.push(MediaAction::SamePicture(on));
    }
    if actions.is_empty() {
        return Err(ApiError::bad_request(
            "nothing to change: give \"layout\" and/or \"same_picture\"",
        ));
    }
    for action in actions {
        let room = number.clone();
        ask(&s, |reply| Command::Media {
            room,
            action,
            reply,
        })
        .await?;
    }
    find_room(&s, number).map(Json)
}

/// Body of `PATCH /rooms/{number}/participants/{id}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ParticipantChange {
    muted: bool,
}

/// Mutes or unmutes a participant's audio in the mix; 200 with it.
async fn change_participant(
    State(s): State<Arc<Shared>>,
    ApiPath((number, id)): ApiPath<(String, String)>,
    ApiJson(req): ApiJson<ParticipantChange>,
) -> Result<Json<ParticipantView>, ApiError> {
    let participant = participant_id(&id)?;
    let room = number.clone();
    ask(&s, |reply| Command::Media {
        room,
        action: MediaAction::Mute {
            participant,
            muted: req.muted,
        },
        reply,
    })
    .await?;
    find_room(&s, number)?
        .participants
        .into_iter()
        .find(|p| p.id == participant)
        .map(Json)
        .ok_or_else(|| CommandError::NoSuchParticipant(participant).into())
}

/// Sends the participant a keyframe now; 204.
async fn keyframe(
    State(s): State<Arc<Shared>>,
    ApiPath((number, id)): ApiPath<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let participant = participant_id(&id)?;
    ask(&s, |reply| Command::Media {
        room: number,
        action: MediaAction::Keyframe { participant },
        reply,
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

fn find_room(s: &Shared, number: String) -> Result<RoomView, ApiError> {
    s.http
        .views
        .room(&number)
        .ok_or_else(|| CommandError::NoSuchRoom(number).into())
}

fn participant_id(raw: &str) -> Result<u64, ApiError> {
    raw.parse()
        .map_err(|_| ApiError::bad_request(format!("participant id {raw:?} is not a number")))
}

/// Sends a command and waits for the daemon's answer. On timeout the command
/// may still be carried out later (the daemon then finds the reply channel
/// closed), so the message says so rather than claiming failure.
async fn ask<T>(
    s: &Shared,
    make: impl FnOnce(oneshot::Sender<Result<T, CommandError>>) -> Command,
) -> Result<T, ApiError> {
    let (reply, answer) = oneshot::channel();
    let exchange = async {
        s.http.commands.send(make(reply)).await.map_err(|_| {
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "the daemon is shutting down",
            )
        })?;
        answer
            .await
            .map_err(|_| {
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "the daemon dropped the request without an answer",
                )
            })?
            .map_err(ApiError::from)
    };
    tokio::time::timeout(s.command_timeout, exchange)
        .await
        .map_err(|_| {
            ApiError::new(
                StatusCode::GATEWAY_TIMEOUT,
                format!(
                    "the daemon did not answer within {} s; the request may still be carried out",
                    s.command_timeout.as_secs_f32()
                ),
            )
        })?
}

/// Percent-encodes everything but RFC 3986 unreserved characters, so any
/// room number can go back into a URL path segment.
fn percent_encode_segment(s: &str) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            // Writing to a String cannot fail.
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_encodes_path_segments() {
        assert_eq!(percent_encode_segment("1000"), "1000");
        assert_eq!(percent_encode_segment("a b/ç"), "a%20b%2F%C3%A7");
    }

    #[test]
    fn dial_request_needs_exactly_one_target() {
        let req = |t: Option<&str>, u: Option<&str>| DialRequest {
            terminal: t.map(str::to_owned),
            uri: u.map(str::to_owned),
            h323: None,
        };
        assert_eq!(
            req(Some("101"), None).into_target(),
            Ok(DialTarget::Terminal("101".into()))
        );
        assert_eq!(
            req(None, Some("sip:2001@192.0.2.1")).into_target(),
            Ok(DialTarget::Uri("sip:2001@192.0.2.1".into()))
        );
        for bad in [
            req(None, None),
            req(Some("101"), Some("sip:x@y")),
            req(Some("  "), None),
            req(None, Some("")),
        ] {
            let err = bad.into_target().expect_err("refused");
            assert_eq!(err.status, StatusCode::BAD_REQUEST, "{err:?}");
        }
        let h323 = |h: &str, t: Option<&str>| DialRequest {
            terminal: t.map(str::to_owned),
            uri: None,
            h323: Some(h.to_owned()),
        };
        assert_eq!(
            h323("room-a", None).into_target(),
            Ok(DialTarget::H323("room-a".into()))
        );
        for bad in [h323(" ", None), h323("x", Some("101"))] {
            let err = bad.into_target().expect_err("refused");
            assert_eq!(err.status, StatusCode::BAD_REQUEST, "{err:?}");
        }
    }
}
