//! The router driven in memory (`tower::ServiceExt::oneshot`) against fake
//! views and a fake daemon task that answers commands.

use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use axum::body::Body;
use axum::http::{header, HeaderMap, Method, Request, StatusCode};
use axum::Router;
use serde_json::{json, Value};
use tokio::sync::{mpsc, oneshot};
use tower::ServiceExt;

use super::{build, HttpState};
use crate::control::{
    Command, CommandError, ContactView, DialTarget, MediaAction, ParticipantView, RegistrationView,
    RoomView, Views,
};
use crate::metrics::Metrics;

const TOKEN: &str = "t0ken";

struct FakeViews;

fn participant(id: u64, name: &str, direction: &'static str, uri: &str) -> ParticipantView {
    ParticipantView {
        id,
        display_name: name.into(),
        protocol: "sip",
        direction,
        state: "ringing",
        remote_uri: uri.into(),
        call_id: format!("call-{id}"),
        connected_secs: 0,
        muted: false,
        streams: Vec::new(),
        video_tiles: Vec::new(),
    }
}

impl Views for FakeViews {
    fn registrations(&self) -> Vec<RegistrationView> {
        vec![RegistrationView {
            protocol: "sip",
            username: "101".into(),
            display_name: "Phòng 101".into(),
            contacts: vec![ContactView {
                uri: "sip:101@192.0.2.10:5060".into(),
                source: "udp:192.0.2.10:5060".into(),
                expires_in_secs: 3600,
                user_agent: Some("PolycomRealPresenceGroup/6.2".into()),
            }],
        }]
    }

    fn rooms(&self) -> Vec<RoomView> {
        let room = |number: &str, participants| RoomView {
            number: number.into(),
            name: format!("Room {number}"),
            has_pin: false,
            max_participants: 16,
            layout: "grid".into(),
            same_picture: false,
            active_speaker: None,
            participants,
        };
        vec![
            room(
                "1000",
                vec![participant(3, "Yealink", "inbound", "sip:102@192.0.2.11")],
            ),
            room("1001", Vec::new()),
        ]
    }
}

/// What the fake daemon was asked, for asserting on what reached it.
type Seen = Arc<Mutex<Vec<String>>>;

/// Answers like the room manager would; room names steer the odd cases.
fn answer_commands(mut rx: mpsc::Receiver<Command>, seen: Seen) {
    tokio::spawn(async move {
        // Replies deliberately never answered (the timeout case).
        let mut held: Vec<oneshot::Sender<Result<ParticipantView, CommandError>>> = Vec::new();
        while let Some(cmd) = rx.recv().await {
            match cmd {
                Command::DialOut {
                    room,
                    target,
                    reply,
                } => {
                    seen.lock().unwrap().push(format!("dial {room} {target:?}"));
                    let answer = match (room.as_str(), target) {
                        ("silent", _) => {
                            held.push(reply);
                            continue;
                        }
                        ("dropped", _) => continue,
                        ("boom", _) => Err(CommandError::Internal("mixer crashed".into())),
                        ("1001", _) => Err(CommandError::RoomFull(room)),
                        ("1000", DialTarget::Terminal(t)) if t == "101" => {
                            Ok(participant(7, "101", "outbound", "sip:101@192.0.2.10"))
                        }
                        ("1000", DialTarget::Terminal(t)) => Err(CommandError::NotRegistered(t)),
                        ("1000", DialTarget::Uri(u)) if u.starts_with("sip:") => {
                            Ok(participant(8, "", "outbound", &u))
                        }
                        ("1000", DialTarget::Uri(u)) => Err(CommandError::InvalidTarget(u)),
                        _ => Err(CommandError::NoSuchRoom(room)),
                    };
                    let _ = reply.send(answer);
                }
                Command::HangUp {
                    room,
                    participant,
                    reply,
                } => {
                    seen.lock()
                        .unwrap()
                        .push(format!("hangup {room} {participant}"));
                    let answer = if room == "1000" && participant == 3 {
                        Ok(())
                    } else if room == "1000" {
                        Err(CommandError::NoSuchParticipant(participant))
                    } else {
                        Err(CommandError::NoSuchRoom(room))
                    };
                    let _ = reply.send(answer);
                }
                Command::Media {
                    room,
                    action,
                    reply,
                } => {
                    seen.lock()
                        .unwrap()
                        .push(format!("media {room} {action:?}"));
                    let answer = match (room.as_str(), action) {
                        ("1000", MediaAction::Mute { participant: 4, .. }) => {
                            Err(CommandError::NoMedia(4))
                        }
                        (
                            "1000",
                            MediaAction::Mute { participant, .. }
                            | MediaAction::Keyframe { participant },
                        ) if participant != 3 => Err(CommandError::NoSuchParticipant(participant)),
                        ("1000", _) => Ok(()),
                        _ => Err(CommandError::NoSuchRoom(room)),
                    };
                    let _ = reply.send(answer);
                }
            }
        }
    });
}

struct Harness {
    app: Router,
    token: Arc<RwLock<String>>,
    seen: Seen,
    metrics: Metrics,
}

fn harness() -> Harness {
    let (tx, rx) = mpsc::channel(8);
    let seen = Seen::default();
    answer_commands(rx, seen.clone());
    harness_with(tx, seen)
}

fn harness_with(commands: mpsc::Sender<Command>, seen: Seen) -> Harness {
    let token = Arc::new(RwLock::new(TOKEN.to_string()));
    let metrics = Metrics::new().expect("metrics");
    let state = HttpState {
        admin_token: token.clone(),
        metrics: metrics.clone(),
        views: Arc::new(FakeViews),
        webrtc: None,
        commands,
    };
    Harness {
        app: build(state, Duration::from_millis(200)),
        token,
        seen,
        metrics,
    }
}

struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", String::from_utf8_lossy(&self.body)))
    }

    /// The `error` text of a JSON error answer.
    fn error(&self) -> String {
        let v = self.json();
        v["error"]
            .as_str()
            .unwrap_or_else(|| panic!("no error field in {v}"))
            .to_owned()
    }

    fn header(&self, name: header::HeaderName) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

impl Harness {
    async fn send(&self, req: Request<Body>) -> Reply {
        let res = self.app.clone().oneshot(req).await.expect("infallible");
        let status = res.status();
        let headers = res.headers().clone();
        let body = axum::body::to_bytes(res.into_body(), usize::MAX)
            .await
            .expect("body")
            .to_vec();
        Reply {
            status,
            headers,
            body,
        }
    }

    async fn request(
        &self,
        method: Method,
        path: &str,
        auth: Option<&str>,
        json: Option<&str>,
    ) -> Reply {
        let mut b = Request::builder().method(method).uri(path);
        if let Some(a) = auth {
            b = b.header(header::AUTHORIZATION, a);
        }
        let body = match json {
            Some(j) => {
                b = b.header(header::CONTENT_TYPE, "application/json");
                Body::from(j.to_owned())
            }
            None => Body::empty(),
        };
        self.send(b.body(body).expect("request")).await
    }

    /// An authorised admin request.
    async fn admin(&self, method: Method, path: &str, json: Option<&str>) -> Reply {
        let auth = format!("Bearer {TOKEN}");
        self.request(method, path, Some(&auth), json).await
    }

    async fn get(&self, path: &str) -> Reply {
        self.admin(Method::GET, path, None).await
    }

    async fn dial(&self, room: &str, body: &str) -> Reply {
        self.admin(
            Method::POST,
            &format!("/api/v1/rooms/{room}/dial"),
            Some(body),
        )
        .await
    }

    fn seen(&self) -> Vec<String> {
        self.seen.lock().unwrap().clone()
    }
}

#[tokio::test]
async fn health_needs_no_token() {
    let h = harness();
    let r = h.request(Method::GET, "/healthz", None, None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body, b"ok");
}

#[tokio::test]
async fn metrics_are_prometheus_text_without_a_token() {
    let h = harness();
    h.metrics.auth_failures.inc();
    let r = h.request(Method::GET, "/metrics", None, None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        r.header(header::CONTENT_TYPE),
        Some("text/plain; version=0.0.4")
    );
    let text = String::from_utf8(r.body).expect("utf-8");
    assert!(
        text.contains("# TYPE diemcau_registrations gauge"),
        "{text}"
    );
    assert!(text.contains("diemcau_auth_failures_total 1"), "{text}");
}

#[tokio::test]
async fn api_refuses_missing_malformed_and_wrong_tokens() {
    let h = harness();
    let cases = [
        (None, "Bearer realm=\"diemcau\""),
        (Some("Basic YWRtaW46dDBrZW4="), "invalid_request"),
        (Some("Bearer"), "invalid_request"),
        (Some("Bearer nope"), "invalid_token"),
        (Some("Bearer t0ken2"), "invalid_token"),
    ];
    for (auth, challenge) in cases {
        for path in [
            "/api/v1/rooms",
            "/api/v1/registrations",
            "/api/v1/no-such-route",
        ] {
            let r = h.request(Method::GET, path, auth, None).await;
            assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{auth:?} {path}");
            let www = r.header(header::WWW_AUTHENTICATE).unwrap_or_default();
            assert!(www.starts_with("Bearer "), "{www}");
            assert!(www.contains(challenge), "{auth:?}: {www}");
            assert!(!r.error().is_empty());
        }
    }
    let r = h
        .request(Method::GET, "/api/v1/rooms", Some("bearer t0ken"), None)
        .await;
    assert_eq!(r.status, StatusCode::OK);
}

#[tokio::test]
async fn unauthorised_dial_reaches_nobody() {
    let h = harness();
    let r = h
        .request(
            Method::POST,
            "/api/v1/rooms/1000/dial",
            Some("Bearer wrong"),
            Some(r#"{"terminal":"101"}"#),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r = h
        .request(
            Method::DELETE,
            "/api/v1/rooms/1000/participants/3",
            None,
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(h.seen(), Vec::<String>::new());
}

#[tokio::test]
async fn a_reloaded_token_takes_effect_at_once() {
    let h = harness();
    *h.token.write().unwrap() = "n3w".into();
    assert_eq!(
        h.get("/api/v1/rooms").await.status,
        StatusCode::UNAUTHORIZED
    );
    let r = h
        .request(Method::GET, "/api/v1/rooms", Some("Bearer n3w"), None)
        .await;
    assert_eq!(r.status, StatusCode::OK);
}

#[tokio::test]
async fn unknown_routes_and_methods_are_json_errors() {
    let h = harness();
    let r = h.request(Method::GET, "/nope", None, None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.error().contains("/nope"));

    let r = h.get("/api/v1/nope").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.error().contains("/api/v1/nope"), "{}", r.error());

    let r = h.admin(Method::PUT, "/api/v1/rooms", None).await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(r.error(), "PUT is not allowed on /api/v1/rooms");
    assert_eq!(r.header(header::ALLOW), Some("GET,HEAD"));

    let r = h.request(Method::POST, "/healthz", None, None).await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(!r.error().is_empty());
}

#[tokio::test]
async fn registrations_view() {
    let h = harness();
    let r = h.get("/api/v1/registrations").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.header(header::CONTENT_TYPE), Some("application/json"));
    let v = r.json();
    assert_eq!(v[0]["username"], "101");
    assert_eq!(v[0]["contacts"][0]["source"], "udp:192.0.2.10:5060");
    assert_eq!(v.as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn room_views() {
    let h = harness();
    let all = h.get("/api/v1/rooms").await;
    assert_eq!(all.status, StatusCode::OK);
    let numbers: Vec<_> = all
        .json()
        .as_array()
        .expect("array")
        .iter()
        .map(|r| r["number"].clone())
        .collect();
    assert_eq!(numbers, [json!("1000"), json!("1001")]);

    let one = h.get("/api/v1/rooms/1000").await;
    assert_eq!(one.status, StatusCode::OK);
    assert_eq!(one.json()["name"], "Room 1000");
    assert_eq!(one.json()["participants"][0]["id"], 3);

    let missing = h.get("/api/v1/rooms/9999").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.error(), "room 9999 not found");
}

#[tokio::test]
async fn participant_views() {
    let h = harness();
    let list = h.get("/api/v1/rooms/1000/participants").await;
    assert_eq!(list.status, StatusCode::OK);
    let list = list.json();
    assert_eq!(list.as_array().map(Vec::len), Some(1));
    assert_eq!(list[0]["remote_uri"], "sip:102@192.0.2.11");

    let empty = h.get("/api/v1/rooms/1001/participants").await;
    assert_eq!(empty.json(), json!([]));

    assert_eq!(
        h.get("/api/v1/rooms/9999/participants").await.status,
        StatusCode::NOT_FOUND
    );
    let one = h.get("/api/v1/rooms/1000/participants/3").await;
    assert_eq!(one.status, StatusCode::OK);
    assert_eq!(one.json()["display_name"], "Yealink");
    let gone = h.get("/api/v1/rooms/1000/participants/4").await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    assert_eq!(gone.error(), "participant 4 not found");
    let junk = h.get("/api/v1/rooms/1000/participants/x1").await;
    assert_eq!(junk.status, StatusCode::BAD_REQUEST);
    assert!(junk.error().contains("x1"));
}

#[tokio::test]
async fn dial_a_registered_terminal() {
    let h = harness();
    let r = h.dial("1000", r#"{"terminal": "101"}"#).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.error_or_body());
    assert_eq!(r.json()["id"], 7);
    assert_eq!(r.json()["direction"], "outbound");
    assert_eq!(
        r.header(header::LOCATION),
        Some("/api/v1/rooms/1000/participants/7")
    );
    assert_eq!(h.seen(), ["dial 1000 Terminal(\"101\")"]);
}

#[tokio::test]
async fn dial_a_uri() {
    let h = harness();
    let uri = "sip:2001@192.0.2.20:5060;transport=tcp";
    let r = h.dial("1000", &json!({ "uri": uri }).to_string()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.error_or_body());
    assert_eq!(r.json()["remote_uri"], uri);
    assert_eq!(h.seen(), [format!("dial 1000 Uri({uri:?})")]);
}

#[tokio::test]
async fn dial_failures_map_to_statuses() {
    let h = harness();
    let cases = [
        (
            "1000",
            r#"{"terminal":"103"}"#,
            StatusCode::CONFLICT,
            "terminal 103 is not registered",
        ),
        (
            "1001",
            r#"{"terminal":"101"}"#,
            StatusCode::CONFLICT,
            "room 1001 is full",
        ),
        (
            "9999",
            r#"{"terminal":"101"}"#,
            StatusCode::NOT_FOUND,
            "room 9999 not found",
        ),
        (
            "1000",
            r#"{"uri":"not a uri"}"#,
            StatusCode::BAD_REQUEST,
            "invalid target: not a uri",
        ),
        (
            "boom",
            r#"{"terminal":"101"}"#,
            StatusCode::INTERNAL_SERVER_ERROR,
            "mixer crashed",
        ),
    ];
    for (room, body, status, message) in cases {
        let r = h.dial(room, body).await;
        assert_eq!(
            (r.status, r.error()),
            (status, message.to_owned()),
            "{room} {body}"
        );
    }
}

#[tokio::test]
async fn dial_bodies_that_are_refused_before_the_daemon() {
    let h = harness();
    let cases = [
        ("{not json", "parse"),
        ("", "parse"),
        (r#"{"terminal": 101}"#, "invalid type"),
        (r#"{"terminal":"101","pin":"1234"}"#, "unknown field"),
        (r#"["101"]"#, "deserialize"),
        (r#"{"terminal":"101","uri":"sip:a@b"}"#, "not several"),
        (r#"{"h323":"1.2.3.4","uri":"sip:a@b"}"#, "not several"),
        (r#"{"h323":" "}"#, "empty"),
        (r#"{}"#, "terminal"),
        (r#"{"terminal":""}"#, "empty"),
    ];
    for (body, needle) in cases {
        let r = h.dial("1000", body).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{body}");
        assert!(r.error().contains(needle), "{body}: {}", r.error());
    }
    assert_eq!(h.seen(), Vec::<String>::new());
}

#[tokio::test]
async fn dial_needs_a_json_content_type() {
    let h = harness();
    let req = Request::post("/api/v1/rooms/1000/dial")
        .header(header::AUTHORIZATION, format!("Bearer {TOKEN}"))
        .body(Body::from(r#"{"terminal":"101"}"#))
        .expect("request");
    let r = h.send(req).await;
    assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(r.error().contains("application/json"));
}

#[tokio::test]
async fn oversized_bodies_are_refused() {
    let h = harness();
    let body = format!(r#"{{"uri":"sip:{}@example.com"}}"#, "a".repeat(70 * 1024));
    let r = h.dial("1000", &body).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(!r.error().is_empty());
    assert_eq!(h.seen(), Vec::<String>::new());
}

#[tokio::test]
async fn a_daemon_that_does_not_answer_gives_504() {
    let h = harness();
    let r = h.dial("silent", r#"{"terminal":"101"}"#).await;
    assert_eq!(r.status, StatusCode::GATEWAY_TIMEOUT);
    assert!(r.error().contains("did not answer"), "{}", r.error());
}

#[tokio::test]
async fn a_dropped_reply_gives_500() {
    let h = harness();
    let r = h.dial("dropped", r#"{"terminal":"101"}"#).await;
    assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(r.error().contains("without an answer"));
}

#[tokio::test]
async fn a_stopped_daemon_gives_503() {
    let (tx, rx) = mpsc::channel(1);
    drop(rx);
    let h = harness_with(tx, Seen::default());
    let r = h.dial("1000", r#"{"terminal":"101"}"#).await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(r.error().contains("shutting down"));
}

#[tokio::test]
async fn hang_up() {
    let h = harness();
    let r = h
        .admin(Method::DELETE, "/api/v1/rooms/1000/participants/3", None)
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert!(r.body.is_empty());

    let r = h
        .admin(
            Method::DELETE,
            "/api/v1/rooms/1000/participants/424242",
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.error(), "participant 424242 not found");

    let r = h
        .admin(Method::DELETE, "/api/v1/rooms/9999/participants/3", None)
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    let r = h
        .admin(Method::DELETE, "/api/v1/rooms/1000/participants/-1", None)
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);

    assert_eq!(
        h.seen(),
        ["hangup 1000 3", "hangup 1000 424242", "hangup 9999 3"]
    );
}

#[tokio::test]
async fn serves_over_tcp_until_shutdown() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let (tx, _rx) = mpsc::channel(1);
    let state = HttpState {
        admin_token: Arc::new(RwLock::new(TOKEN.into())),
        metrics: Metrics::new().expect("metrics"),
        views: Arc::new(FakeViews),
        webrtc: None,
        commands: tx,
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(super::serve(listener, state, async {
        let _ = stopped.await;
    }));

    let mut conn = tokio::net::TcpStream::connect(addr).await.expect("connect");
    conn.write_all(
        format!(
            "GET /api/v1/rooms/1001 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\nConnection: close\r\n\r\n"
        )
        .as_bytes(),
    )
    .await
    .expect("write");
    let mut raw = String::new();
    conn.read_to_string(&mut raw).await.expect("read");
    assert!(raw.starts_with("HTTP/1.1 200 OK\r\n"), "{raw}");
    assert!(raw.ends_with(r#""participants":[]}"#), "{raw}");

    let _ = stop.send(());
    let ended = tokio::time::timeout(Duration::from_secs(5), server)
        .await
        .expect("server stops after shutdown");
    assert!(matches!(ended, Ok(Ok(()))), "{ended:?}");
}

impl Reply {
    /// For assertion messages: the error text, or the raw body.
    fn error_or_body(&self) -> String {
        serde_json::from_slice::<Value>(&self.body)
            .ok()
            .and_then(|v| v["error"].as_str().map(str::to_owned))
            .unwrap_or_else(|| String::from_utf8_lossy(&self.body).into_owned())
    }
}

#[tokio::test]
async fn room_media_changes() {
    let h = harness();
    let patch = |path: &'static str, body: &'static str| {
        let h = &h;
        async move { h.admin(Method::PATCH, path, Some(body)).await }
    };
    let r = patch(
        "/api/v1/rooms/1000",
        r#"{"layout":"2x2","same_picture":true}"#,
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&r.body)
    );
    assert_eq!(r.json()["number"], "1000");
    let r = patch("/api/v1/rooms/1000", r#"{"layout":"7x7"}"#).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.error().contains("7x7"), "{}", r.error());
    let r = patch("/api/v1/rooms/1000", "{}").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    // A misspelt field is refused, not ignored.
    let r = patch("/api/v1/rooms/1000", r#"{"layuot":"2"}"#).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = patch("/api/v1/rooms/9999", r#"{"layout":"1"}"#).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    let r = patch("/api/v1/rooms/1000/participants/3", r#"{"muted":true}"#).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["id"], 3);
    let r = patch("/api/v1/rooms/1000/participants/4", r#"{"muted":true}"#).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.error().contains("no media"), "{}", r.error());
    let r = patch("/api/v1/rooms/1000/participants/5", r#"{"muted":false}"#).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    let r = h
        .admin(
            Method::POST,
            "/api/v1/rooms/1000/participants/3/keyframe",
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = h
        .admin(
            Method::POST,
            "/api/v1/rooms/1000/participants/6/keyframe",
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    assert_eq!(
        h.seen(),
        [
            "media 1000 Layout(Grid2x2)",
            "media 1000 SamePicture(true)",
            "media 9999 Layout(Single)",
            "media 1000 Mute { participant: 3, muted: true }",
            "media 1000 Mute { participant: 4, muted: true }",
            "media 1000 Mute { participant: 5, muted: false }",
            "media 1000 Keyframe { participant: 3 }",
            "media 1000 Keyframe { participant: 6 }",
        ]
    );
}
