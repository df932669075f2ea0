//! WebRTC sessions: browsers from the served page, WHIP publishers, WHEP
//! viewers and our own bridge links. Each session is one participant of a
//! room: its offer is negotiated like a SIP terminal's (`plan.rs`), each
//! accepted m-line gets a mixer port pair and a relay, and a webrtcbin peer
//! does ICE and DTLS-SRTP toward the remote side.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use diemcau_mixer::room::MediaRoom;
use diemcau_mixer::webrtc::relay::mixer_address;
use diemcau_mixer::webrtc::{
    CandidatePolicy, PeerConfig, PeerEvent, PeerLine, PeerStats, Relay, WebRtcPeer,
};
use diemcau_mixer::{PortPair, StreamSpec};
use serde::Serialize;
use tokio::sync::mpsc;

use super::plan::{self, Plan, PlanError};
use crate::config::WebrtcConfig;
use crate::rooms::{CallDirection, LeaveReason, Participant, ParticipantState, SharedRooms};
use crate::sip::endpoint::media::{info, stream_spec};

/// What a session is, for the API and metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SessionKind {
    /// A browser from the served page.
    Participant,
    /// A WHIP publisher.
    Whip,
    /// A WHEP viewer.
    Whep,
    /// Our link to an external platform.
    Link,
}

impl SessionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SessionKind::Participant => "participant",
            SessionKind::Whip => "whip",
            SessionKind::Whep => "whep",
            SessionKind::Link => "link",
        }
    }

    pub const ALL: [SessionKind; 4] = [
        SessionKind::Participant,
        SessionKind::Whip,
        SessionKind::Whep,
        SessionKind::Link,
    ];
}

/// Why a join or a request on a session failed; the HTTP layer maps each
/// to its status code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebrtcError {
    #[error(transparent)]
    BadOffer(#[from] PlanError),
    #[error("{0}")]
    BadRequest(String),
    #[error("room {0} not found")]
    NoSuchRoom(String),
    #[error("wrong or missing PIN for room {0}")]
    WrongPin(String),
    #[error("room {0} is full")]
    RoomFull(String),
    #[error("missing or wrong bearer token")]
    Unauthorized,
    #[error("no such session")]
    NoSuchSession,
    #[error("ICE restart is not supported: leave (DELETE) and join again")]
    IceRestart,
    #[error("WebRTC is disabled in the configuration")]
    Disabled,
    #[error("{0}")]
    Internal(String),
}

/// One session's join request.
#[derive(Debug, Clone)]
pub struct JoinRequest {
    pub kind: SessionKind,
    pub room: String,
    pub name: Option<String>,
    pub pin: Option<String>,
    pub bearer: Option<String>,
    /// WHEP: the session id of a WHIP publisher in the same room whose
    /// media this viewer must not get back (our bridge links set it).
    pub exclude: Option<String>,
    pub offer: String,
}

#[derive(Debug, Clone)]
pub struct Joined {
    pub session: String,
    pub participant: u64,
    pub answer: String,
}

struct Session {
    kind: SessionKind,
    room: String,
    participant: u64,
    media: Arc<MediaRoom>,
    /// One peer; a link has two (its WHIP publisher and its WHEP viewer).
    peers: Mutex<Vec<WebRtcPeer>>,
    /// The relays of the session's m-lines (a link's watchdog reads them).
    relays: Vec<Arc<Relay>>,
    stats: Mutex<PeerStats>,
}

/// A session as the API and metrics show it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SessionView {
    pub id: String,
    pub kind: &'static str,
    pub room: String,
    pub participant: u64,
    pub ice_state: &'static str,
    pub dtls_state: &'static str,
    pub connection_state: &'static str,
    pub round_trip_secs: Option<f64>,
    pub fraction_lost: Option<f64>,
    pub packets_received: u64,
    pub packets_lost: i64,
    pub estimated_bps: Option<u64>,
}

/// One view of a session's peers: the worst state, the longest round
/// trip, the highest loss, traffic added up.
fn combine(all: Vec<PeerStats>) -> Option<PeerStats> {
    fn rank(state: &str) -> u8 {
        match state {
            "connected" | "completed" => 0,
            "new" | "checking" | "connecting" => 1,
            "disconnected" => 2,
            _ => 3,
        }
    }
    let max = |a: Option<f64>, b: Option<f64>| match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    };
    all.into_iter().reduce(|a, b| PeerStats {
        ice_state: if rank(b.ice_state) > rank(a.ice_state) {
            b.ice_state
        } else {
            a.ice_state
        },
        dtls_state: if rank(b.dtls_state) > rank(a.dtls_state) {
            b.dtls_state
        } else {
            a.dtls_state
        },
        connection_state: if rank(b.connection_state) > rank(a.connection_state) {
            b.connection_state
        } else {
            a.connection_state
        },
        round_trip_secs: max(a.round_trip_secs, b.round_trip_secs),
        fraction_lost: max(a.fraction_lost, b.fraction_lost),
        packets_received: a.packets_received + b.packets_received,
        packets_lost: a.packets_lost + b.packets_lost,
        bytes_received: a.bytes_received + b.bytes_received,
        bytes_sent: a.bytes_sent + b.bytes_sent,
        estimated_bps: a.estimated_bps.or(b.estimated_bps),
    })
}

enum Ev {
    Peer(String, PeerEvent),
    Leave(u64, LeaveReason),
}

pub struct WebrtcService {
    rooms: SharedRooms,
    cfg: RwLock<WebrtcConfig>,
    sessions: Mutex<HashMap<String, Arc<Session>>>,
    events: mpsc::UnboundedSender<Ev>,
    joins: prometheus::IntCounterVec,
    /// `diemcau_calls{protocol="webrtc"}`, next to the SIP calls.
    calls: prometheus::IntGaugeVec,
    /// Links to external platforms; `bool`: from the config file (a reload
    /// replaces those), else added through the API.
    links: Mutex<Vec<(Arc<super::link::Link>, bool)>>,
    last_link: std::sync::atomic::AtomicU64,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// A display name fit for a tile: trimmed, one line, at most 64 characters.
fn clean_name(name: Option<&str>, kind: SessionKind) -> String {
    let name: String = name
        .unwrap_or_default()
        .chars()
        .filter(|c| !c.is_control())
        .take(64)
        .collect();
    let name = name.trim();
    if !name.is_empty() {
        return name.to_string();
    }
    match kind {
        SessionKind::Participant => "Trình duyệt".into(),
        SessionKind::Whip => "WHIP".into(),
        SessionKind::Whep => "WHEP".into(),
        SessionKind::Link => "Liên kết".into(),
    }
}

fn session_id() -> String {
    let a: u64 = rand::random();
    let b: u64 = rand::random();
    format!("{a:016x}{b:016x}")
}

impl WebrtcService {
    /// The service, its event loop and its statistics refresher.
    pub fn start(
        rooms: SharedRooms,
        cfg: WebrtcConfig,
        registry: &prometheus::Registry,
        calls: prometheus::IntGaugeVec,
    ) -> Result<Arc<WebrtcService>, crate::GatewayError> {
        diemcau_mixer::webrtc::init()?;
        let joins = prometheus::IntCounterVec::new(
            prometheus::Opts::new(
                "diemcau_webrtc_joins_total",
                "WebRTC session requests, by kind and result (ok or the HTTP status)",
            ),
            &["kind", "result"],
        )?;
        registry.register(Box::new(joins.clone()))?;
        let (events, mut rx) = mpsc::unbounded_channel();
        let (leave_tx, mut leave_rx) = mpsc::unbounded_channel();
        lock(&rooms).set_owner(
            "webrtc",
            crate::rooms::Owner {
                leave: leave_tx,
                keyframe: None,
            },
        );
        let svc = Arc::new(WebrtcService {
            rooms,
            cfg: RwLock::new(cfg),
            sessions: Mutex::new(HashMap::new()),
            events: events.clone(),
            joins,
            calls,
            links: Mutex::new(Vec::new()),
            last_link: std::sync::atomic::AtomicU64::new(0),
        });
        registry.register(Box::new(super::metrics::SessionCollector::new(
            Arc::downgrade(&svc),
        )?))?;
        tokio::spawn(async move {
            while let Some((p, r)) = leave_rx.recv().await {
                if events.send(Ev::Leave(p, r)).is_err() {
                    break;
                }
            }
        });
        for l in svc.config().links {
            svc.start_link(l, true);
        }
        let weak = Arc::downgrade(&svc);
        tokio::spawn(async move {
            while let Some(ev) = rx.recv().await {
                let Some(svc) = weak.upgrade() else { break };
                svc.on_event(ev).await;
            }
        });
        let weak = Arc::downgrade(&svc);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(2));
            loop {
                tick.tick().await;
                let Some(svc) = weak.upgrade() else { break };
                svc.refresh_stats().await;
            }
        });
        Ok(svc)
    }

    /// A reloaded config: links that changed or went are stopped, new
    /// ones started; links added through the API stay.
    pub fn set_config(self: &Arc<Self>, cfg: WebrtcConfig) {
        let wanted = cfg.links.clone();
        *self.cfg.write().unwrap_or_else(|p| p.into_inner()) = cfg;
        let mut keep = Vec::new();
        {
            let mut links = lock(&self.links);
            links.retain(|(l, from_config)| {
                if !*from_config {
                    return true;
                }
                if wanted.contains(&l.config) {
                    keep.push(l.config.clone());
                    true
                } else {
                    l.stop();
                    false
                }
            });
        }
        for l in wanted.into_iter().filter(|l| !keep.contains(l)) {
            self.start_link(l, true);
        }
    }

    /// Starts a link; its view.
    pub fn start_link(
        self: &Arc<Self>,
        cfg: crate::config::LinkConfig,
        from_config: bool,
    ) -> super::link::LinkView {
        let id = self
            .last_link
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            + 1;
        let link = super::link::spawn(self, id, cfg);
        let view = link.view();
        lock(&self.links).push((link, from_config));
        view
    }

    /// Stops and forgets a link; false if there is none with this id.
    pub fn stop_link(&self, id: u64) -> bool {
        let mut links = lock(&self.links);
        let before = links.len();
        links.retain(|(l, _)| {
            if l.id == id {
                l.stop();
                false
            } else {
                true
            }
        });
        links.len() != before
    }

    pub fn links(&self) -> Vec<super::link::LinkView> {
        lock(&self.links).iter().map(|(l, _)| l.view()).collect()
    }

    pub fn config(&self) -> WebrtcConfig {
        self.cfg.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn peer_config(&self) -> PeerConfig {
        let cfg = self.config();
        PeerConfig {
            stun_server: cfg.stun_server.clone(),
            turn_servers: cfg.turn_servers.clone(),
            candidates: CandidatePolicy {
                allowed: cfg.ice_addresses.clone(),
                public_address: cfg.public_address,
            },
            gather_timeout: cfg.gather_timeout,
            latency_ms: 50,
            port_range: cfg.ice_ports,
        }
    }

    fn count(&self, kind: SessionKind, result: &str) {
        self.joins.with_label_values(&[kind.as_str(), result]).inc();
    }

    /// A new session from an offer: the answer, or why not.
    pub async fn join(self: &Arc<Self>, req: JoinRequest) -> Result<Joined, WebrtcError> {
        let kind = req.kind;
        let r = self.join_inner(req).await;
        self.count(
            kind,
            match &r {
                Ok(_) => "ok",
                Err(WebrtcError::BadOffer(_) | WebrtcError::BadRequest(_)) => "400",
                Err(WebrtcError::Unauthorized) => "401",
                Err(WebrtcError::WrongPin(_)) => "403",
                Err(WebrtcError::NoSuchRoom(_)) => "404",
                Err(WebrtcError::RoomFull(_)) => "409",
                Err(_) => "500",
            },
        );
        r
    }

    async fn join_inner(self: &Arc<Self>, req: JoinRequest) -> Result<Joined, WebrtcError> {
        let cfg = self.config();
        if !cfg.enabled {
            return Err(WebrtcError::Disabled);
        }
        if matches!(req.kind, SessionKind::Whip | SessionKind::Whep) {
            if let Some(token) = &cfg.token {
                if req.bearer.as_deref() != Some(token.as_str()) {
                    return Err(WebrtcError::Unauthorized);
                }
            }
        }
        self.check_room(&req)?;
        let plan = plan::plan(&req.offer)?;
        match req.kind {
            SessionKind::Whip if !plan.receives() => {
                return Err(WebrtcError::BadRequest(
                    "a WHIP offer must send media (sendonly or sendrecv)".into(),
                ))
            }
            SessionKind::Whep if !plan.sends() => {
                return Err(WebrtcError::BadRequest(
                    "a WHEP offer must receive media (recvonly or sendrecv)".into(),
                ))
            }
            _ => {}
        }
        let name = clean_name(req.name.as_deref(), req.kind);
        let id = session_id();
        let options = diemcau_mixer::room::ParticipantOptions {
            viewer: req.kind == SessionKind::Whep,
            exclude: req
                .exclude
                .as_deref()
                .and_then(|x| self.session_room(x))
                .filter(|(_, room)| self.same_room(room, &req.room))
                .map(|(p, _)| vec![p])
                .unwrap_or_default(),
            lobby: None,
        };
        let (number, media, participant, pairs) = self.take_seat(&req, &name, &id, &plan)?;
        match self
            .connect(
                &id,
                req.kind,
                &name,
                &req.offer,
                &plan,
                &media,
                participant,
                pairs,
                options,
            )
            .await
        {
            Ok((peer, answer)) => {
                let relays = peer.lines().iter().map(|l| l.relay.clone()).collect();
                self.register(
                    &id,
                    req.kind,
                    number,
                    participant,
                    media,
                    vec![peer],
                    relays,
                );
                tracing::info!(session = %id, kind = req.kind.as_str(), room = %req.room, participant, name = %name, "WebRTC session joined");
                Ok(Joined {
                    session: id,
                    participant,
                    answer,
                })
            }
            Err(e) => {
                self.free_seat(&number, participant, &media).await;
                Err(e)
            }
        }
    }

    /// Room, PIN and capacity, before the offer is looked at: a wrong room
    /// or PIN is the answer even when the offer is bad too.
    fn check_room(&self, req: &JoinRequest) -> Result<(), WebrtcError> {
        let mut rooms = lock(&self.rooms);
        let room = rooms
            .find_mut(&req.room)
            .ok_or_else(|| WebrtcError::NoSuchRoom(req.room.clone()))?;
        if let Some(pin) = &room.config.pin {
            if req.pin.as_deref() != Some(pin.as_str()) {
                return Err(WebrtcError::WrongPin(req.room.clone()));
            }
        }
        if room.is_full() {
            return Err(WebrtcError::RoomFull(req.room.clone()));
        }
        Ok(())
    }

    /// Checks room, PIN and capacity again and holds a seat (a participant
    /// in state ringing) while the connection is set up, so that two joins
    /// at once cannot overfill a room.
    fn take_seat(
        &self,
        req: &JoinRequest,
        name: &str,
        id: &str,
        plan: &Plan,
    ) -> Result<(String, Arc<MediaRoom>, u64, Vec<PortPair>), WebrtcError> {
        self.seat(
            &req.room,
            Some(req.pin.as_deref()),
            name,
            format!("{}:{id}", req.kind.as_str()),
            id,
            plan.lines.len(),
        )
    }

    /// `pin`: `None` skips the PIN check (a link the operator configured).
    pub(super) fn seat(
        &self,
        room: &str,
        pin: Option<Option<&str>>,
        name: &str,
        remote_uri: String,
        id: &str,
        streams: usize,
    ) -> Result<(String, Arc<MediaRoom>, u64, Vec<PortPair>), WebrtcError> {
        let mut rooms = lock(&self.rooms);
        let participant = rooms.allocate_id();
        let r = rooms
            .find_mut(room)
            .ok_or_else(|| WebrtcError::NoSuchRoom(room.to_string()))?;
        if let (Some(want), Some(given)) = (&r.config.pin, pin) {
            if given != Some(want.as_str()) {
                return Err(WebrtcError::WrongPin(room.to_string()));
            }
        }
        if r.is_full() {
            return Err(WebrtcError::RoomFull(room.to_string()));
        }
        let pairs = r
            .media
            .reserve(streams)
            .map_err(|e| WebrtcError::Internal(e.to_string()))?;
        r.participants.insert(
            participant,
            Participant {
                id: participant,
                display_name: name.to_string(),
                protocol: "webrtc",
                direction: CallDirection::Inbound,
                state: ParticipantState::Ringing,
                remote_uri,
                call_id: id.to_string(),
                connected_at: None,
                streams: Vec::new(),
                muted: false,
            },
        );
        Ok((r.config.number.clone(), r.media.clone(), participant, pairs))
    }

    /// Marks a seated participant connected, with its streams.
    pub(super) fn seated(
        &self,
        participant: u64,
        streams: Vec<crate::rooms::StreamInfo>,
    ) -> Result<(), WebrtcError> {
        let mut rooms = lock(&self.rooms);
        let p = rooms
            .rooms
            .values_mut()
            .find_map(|r| r.participants.get_mut(&participant))
            .ok_or_else(|| WebrtcError::Internal("the room went away".into()))?;
        p.state = ParticipantState::Connected;
        p.connected_at = Some(Instant::now());
        p.streams = streams;
        let room = rooms
            .rooms
            .values()
            .find(|r| r.participants.contains_key(&participant))
            .map(|r| r.config.number.clone())
            .unwrap_or_default();
        self.calls.with_label_values(&["webrtc", &room]).inc();
        Ok(())
    }

    /// Keeps a new session.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn register(
        &self,
        id: &str,
        kind: SessionKind,
        room: String,
        participant: u64,
        media: Arc<MediaRoom>,
        peers: Vec<WebRtcPeer>,
        relays: Vec<Arc<Relay>>,
    ) {
        let session = Arc::new(Session {
            kind,
            room,
            participant,
            media,
            peers: Mutex::new(peers),
            relays,
            stats: Mutex::new(PeerStats::default()),
        });
        lock(&self.sessions).insert(id.to_string(), session);
    }

    /// A link session's health: `None` when it is gone; else whether media
    /// still arrives (packets into the mixer since the last call) and the
    /// worst peer connection state.
    pub(super) fn link_health(&self, id: &str) -> Option<(u64, Vec<&'static str>)> {
        let s = lock(&self.sessions).get(id).cloned()?;
        let inbound = s
            .relays
            .iter()
            .map(|r| {
                r.counters()
                    .to_mixer
                    .load(std::sync::atomic::Ordering::Relaxed)
            })
            .sum();
        let states = lock(&s.peers)
            .iter()
            .map(|p| p.connection_state())
            .collect();
        Some((inbound, states))
    }

    pub(super) fn events_sink(&self, id: &str) -> diemcau_mixer::webrtc::peer::EventSink {
        let events = self.events.clone();
        let sid = id.to_string();
        Arc::new(move |ev| {
            let _ = events.send(Ev::Peer(sid.clone(), ev));
        })
    }

    pub(super) fn new_session_id() -> String {
        session_id()
    }

    pub(super) fn peer_settings(&self) -> PeerConfig {
        self.peer_config()
    }

    pub(super) async fn unseat(&self, room: &str, participant: u64, media: &MediaRoom) {
        self.free_seat(room, participant, media).await
    }

    async fn free_seat(&self, room: &str, participant: u64, media: &MediaRoom) {
        if let Some(r) = lock(&self.rooms).rooms.get_mut(room) {
            let gone = r.participants.remove(&participant);
            if gone.is_some_and(|p| p.connected_at.is_some()) {
                self.calls.with_label_values(&["webrtc", room]).dec();
            }
        }
        let _ = media.remove_participant(participant);
    }

    #[allow(clippy::too_many_arguments)]
    async fn connect(
        self: &Arc<Self>,
        id: &str,
        kind: SessionKind,
        name: &str,
        offer: &str,
        plan: &Plan,
        media: &Arc<MediaRoom>,
        participant: u64,
        pairs: Vec<PortPair>,
        options: diemcau_mixer::room::ParticipantOptions,
    ) -> Result<(WebRtcPeer, String), WebrtcError> {
        let internal = |e: diemcau_mixer::MixerError| WebrtcError::Internal(e.to_string());
        let mut relays = Vec::new();
        for pair in &pairs {
            relays.push(Arc::new(
                Relay::bind(mixer_address(pair.local_ip(), pair.rtp_port())).map_err(internal)?,
            ));
        }
        let mut peer_plan: Vec<Option<PeerLine>> = vec![None; plan.mlines];
        for (line, relay) in plan.lines.iter().zip(&relays) {
            let caps = line.caps.clone();
            if let Some(slot) = peer_plan.get_mut(line.mline) {
                *slot = Some(PeerLine {
                    kind: line.stream.kind,
                    caps,
                    send: line.send,
                    recv: line.recv,
                    relay: relay.clone(),
                });
            }
        }
        let sink = self.events_sink(id);
        let peer_cfg = self.peer_config();
        let offer = offer.to_string();
        let pipeline_name = format!("webrtc-{}-{participant}", kind.as_str());
        let (peer, answer) = tokio::task::spawn_blocking(move || {
            WebRtcPeer::answer(&pipeline_name, &offer, peer_plan, &peer_cfg, sink)
        })
        .await
        .map_err(|e| WebrtcError::Internal(e.to_string()))?
        .map_err(internal)?;

        let mut streams: Vec<(PortPair, StreamSpec)> = Vec::new();
        let mut infos = Vec::new();
        for ((pair, line), relay) in pairs.into_iter().zip(&plan.lines).zip(&relays) {
            let mut spec = stream_spec(&line.stream);
            spec.remote_rtp = relay.local_addr();
            spec.remote_rtcp = None;
            spec.rtcp_mux = true;
            infos.push(info(&line.stream, pair.rtp_port()));
            streams.push((pair, spec));
        }
        media
            .add_participant_with(participant, name, streams, options)
            .await
            .map_err(internal)?;
        self.seated(participant, infos)?;
        Ok((peer, answer))
    }

    /// Ends a session (DELETE, peer gone, media timeout, operator).
    pub async fn leave(&self, id: &str, why: &str) -> Result<(), WebrtcError> {
        let session = lock(&self.sessions)
            .remove(id)
            .ok_or(WebrtcError::NoSuchSession)?;
        tracing::info!(session = %id, kind = session.kind.as_str(), room = %session.room, participant = session.participant, why, "WebRTC session left");
        self.free_seat(&session.room, session.participant, &session.media)
            .await;
        let peers = std::mem::take(&mut *lock(&session.peers));
        // Setting a pipeline to NULL waits for its threads.
        let _ = tokio::task::spawn_blocking(move || drop(peers)).await;
        Ok(())
    }

    /// A trickle ICE fragment from the peer.
    pub async fn patch(&self, id: &str, fragment: String) -> Result<(), WebrtcError> {
        let session = lock(&self.sessions)
            .get(id)
            .cloned()
            .ok_or(WebrtcError::NoSuchSession)?;
        let applied = tokio::task::spawn_blocking(move || {
            lock(&session.peers)
                .first()
                .map(|p| p.add_fragment(&fragment))
        })
        .await
        .map_err(|e| WebrtcError::Internal(e.to_string()))?;
        match applied {
            Some(true) => Ok(()),
            Some(false) => Err(WebrtcError::IceRestart),
            None => Err(WebrtcError::NoSuchSession),
        }
    }

    /// Whether a room number and a dialled number or alias name the same room.
    fn same_room(&self, number: &str, dialled: &str) -> bool {
        lock(&self.rooms)
            .find_mut(dialled)
            .is_some_and(|r| r.config.number == number)
    }

    /// Reads the rooms under their lock.
    pub fn with_rooms<T>(&self, f: impl FnOnce(&crate::rooms::Rooms) -> T) -> T {
        f(&lock(&self.rooms))
    }

    /// The participant id and room of a session.
    pub fn session_room(&self, id: &str) -> Option<(u64, String)> {
        lock(&self.sessions)
            .get(id)
            .map(|s| (s.participant, s.room.clone()))
    }

    pub fn sessions(&self) -> Vec<SessionView> {
        let mut out: Vec<SessionView> = lock(&self.sessions)
            .iter()
            .map(|(id, s)| {
                let st = lock(&s.stats).clone();
                SessionView {
                    id: id.clone(),
                    kind: s.kind.as_str(),
                    room: s.room.clone(),
                    participant: s.participant,
                    ice_state: if st.ice_state.is_empty() {
                        "new"
                    } else {
                        st.ice_state
                    },
                    dtls_state: if st.dtls_state.is_empty() {
                        "new"
                    } else {
                        st.dtls_state
                    },
                    connection_state: if st.connection_state.is_empty() {
                        "new"
                    } else {
                        st.connection_state
                    },
                    round_trip_secs: st.round_trip_secs,
                    fraction_lost: st.fraction_lost,
                    packets_received: st.packets_received,
                    packets_lost: st.packets_lost,
                    estimated_bps: st.estimated_bps,
                }
            })
            .collect();
        out.sort_by_key(|s| s.participant);
        out
    }

    async fn refresh_stats(&self) {
        let sessions: Vec<Arc<Session>> = lock(&self.sessions).values().cloned().collect();
        let _ = tokio::task::spawn_blocking(move || {
            for s in sessions {
                let all: Vec<PeerStats> = lock(&s.peers)
                    .iter()
                    .map(|p| p.stats(Duration::from_millis(500)))
                    .collect();
                if let Some(st) = combine(all) {
                    *lock(&s.stats) = st;
                }
            }
        })
        .await;
    }

    async fn on_event(&self, ev: Ev) {
        match ev {
            Ev::Peer(id, PeerEvent::Connection(state)) => {
                tracing::debug!(session = %id, state, "WebRTC connection state");
                if matches!(state, "failed" | "closed") {
                    let _ = self.leave(&id, state).await;
                }
            }
            Ev::Peer(id, PeerEvent::Bandwidth(bps)) => {
                // The peer's estimate of what it can receive: our encoder
                // for it follows (within what it negotiated).
                let s = lock(&self.sessions).get(&id).cloned();
                if let Some(s) = s {
                    let kbps = u32::try_from(bps / 1000).unwrap_or(u32::MAX);
                    tracing::debug!(session = %id, kbps, "WebRTC bandwidth estimate");
                    let _ = s.media.set_bitrate_limit(s.participant, Some(kbps));
                }
            }
            Ev::Leave(participant, reason) => {
                let id = lock(&self.sessions)
                    .iter()
                    .find(|(_, s)| s.participant == participant)
                    .map(|(id, _)| id.clone());
                if let Some(id) = id {
                    let why = match reason {
                        LeaveReason::MediaTimeout => "media timeout",
                        LeaveReason::Operator => "hung up by operator",
                    };
                    let _ = self.leave(&id, why).await;
                }
            }
        }
    }
}
