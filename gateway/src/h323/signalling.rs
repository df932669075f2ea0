//! The I/O edge of H.323 call signalling: the TCP listener (1720), one task
//! per call feeding its sans-IO [`Call`], the separate H.245 connection
//! when there is one, and the call's place in its room (participant record,
//! mixer streams, metrics). Also the owner of H.323 participants for the
//! rest of the daemon: hang-up, media timeout and keyframe wishes arrive
//! through [`crate::rooms::Owner`]; dial-out through [`Signalling::dial_out`].

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use diemcau_codecs::catalogue::{Capabilities, CodecName, MediaKind};
use diemcau_mixer::room::MediaRoom;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

use super::call::reason::{Ending, ReleaseReason};
use super::call::signal::Alias;
use super::call::{Admission, AdmitRequest, Call, Endpoint, LocalMedia, Output};
use super::media::{self, Reserved};
use super::pin::{PinEntry, PinStep};
use super::tpkt;
use crate::control::{CommandError, ParticipantView};
use crate::error::GatewayError;
use crate::rooms::{CallDirection, LeaveReason, Participant, ParticipantState, SharedRooms};
use crate::sip::dialplan;

/// The most a call signalling or H.245 packet may be.
const MAX_PACKET: usize = 16_384;
/// How often calls' timers run.
const TICK: Duration = Duration::from_millis(500);
/// Connecting to a peer (dial-out, its H.245 address).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Port of call signalling when a dial-out target gives none.
pub const DEFAULT_PORT: u16 = 1720;

/// What a call task is asked from outside.
#[derive(Debug)]
enum CallCmd {
    Leave(LeaveReason),
    Keyframe,
}

/// Finds where a registered alias can be called; the gatekeeper's
/// registrations implement it.
pub trait Directory: Send + Sync {
    /// The call signalling address of the terminal registered with `alias`.
    fn locate(&self, alias: &str) -> Option<SocketAddr>;
}

pub struct Signalling {
    rooms: SharedRooms,
    local_addr: SocketAddr,
    media_ip: IpAddr,
    caps: Capabilities,
    calls_gauge: prometheus::IntGaugeVec,
    /// Release Complete by reason and direction (sent, received).
    releases: prometheus::IntCounterVec,
    /// Room PINs typed by DTMF, by result.
    pins: prometheus::IntCounterVec,
    calls: Mutex<HashMap<u64, mpsc::UnboundedSender<CallCmd>>>,
    directory: Mutex<Option<Arc<dyn Directory>>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// The codecs H.323 calls use: what room systems speak and fast start
/// carries (G.711, G.722, H.264).
pub fn h323_capabilities() -> Capabilities {
    Capabilities {
        audio: vec![CodecName::G722, CodecName::Pcmu, CodecName::Pcma],
        video: vec![CodecName::H264],
        ..Capabilities::default()
    }
}

impl Signalling {
    /// Binds the call signalling listener and starts accepting calls.
    pub async fn start(
        listen: SocketAddr,
        advertised: IpAddr,
        media_ip: IpAddr,
        rooms: SharedRooms,
        registry: &prometheus::Registry,
        calls_gauge: prometheus::IntGaugeVec,
    ) -> Result<Arc<Signalling>, GatewayError> {
        let listener = TcpListener::bind(listen)
            .await
            .map_err(|e| GatewayError::Bind {
                what: "H.323 call signalling",
                addr: listen.to_string(),
                source: e,
            })?;
        let bound = listener.local_addr()?;
        let releases = prometheus::IntCounterVec::new(
            prometheus::Opts::new(
                "diemcau_h323_release_complete_total",
                "H.225.0 Release Complete messages, by reason and direction (sent, received)",
            ),
            &["reason", "direction"],
        )?;
        registry.register(Box::new(releases.clone()))?;
        for r in ReleaseReason::ALL {
            for d in ["sent", "received"] {
                releases.with_label_values(&[r.label(), d]).reset();
            }
        }
        let pins = prometheus::IntCounterVec::new(
            prometheus::Opts::new(
                "diemcau_h323_pin_entries_total",
                "Room PINs typed by H.323 callers (H.245 user input), by result (accepted, wrong, refused, timeout)",
            ),
            &["result"],
        )?;
        registry.register(Box::new(pins.clone()))?;
        for r in ["accepted", "wrong", "refused", "timeout"] {
            pins.with_label_values(&[r]).reset();
        }
        let (leave_tx, mut leave_rx) = mpsc::unbounded_channel();
        let (key_tx, mut key_rx) = mpsc::unbounded_channel();
        lock(&rooms).set_owner(
            "h323",
            crate::rooms::Owner {
                leave: leave_tx,
                keyframe: Some(key_tx),
            },
        );
        let svc = Arc::new(Signalling {
            rooms,
            local_addr: SocketAddr::new(advertised, bound.port()),
            media_ip,
            caps: h323_capabilities(),
            calls_gauge,
            releases,
            pins,
            calls: Mutex::new(HashMap::new()),
            directory: Mutex::new(None),
        });
        let weak = Arc::downgrade(&svc);
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    Some((p, why)) = leave_rx.recv() => {
                        let Some(s) = weak.upgrade() else { break };
                        s.command(p, CallCmd::Leave(why));
                    }
                    Some(p) = key_rx.recv() => {
                        let Some(s) = weak.upgrade() else { break };
                        s.command(p, CallCmd::Keyframe);
                    }
                    else => break,
                }
            }
        });
        let weak = Arc::downgrade(&svc);
        tokio::spawn(async move {
            loop {
                let (stream, peer) = match listener.accept().await {
                    Ok(x) => x,
                    Err(e) => {
                        tracing::warn!(error = %e, "H.323 accept failed");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        continue;
                    }
                };
                let Some(svc) = weak.upgrade() else { break };
                tokio::spawn(async move {
                    let call = Call::incoming(svc.endpoint(None));
                    svc.run(stream, peer, call, None, Vec::new()).await;
                });
            }
        });
        tracing::info!(%bound, "H.323 call signalling listening");
        Ok(svc)
    }

    /// Where calls go (its advertised address).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The gatekeeper's registrations, for dial-out by alias.
    pub fn set_directory(&self, d: Arc<dyn Directory>) {
        *lock(&self.directory) = Some(d);
    }

    fn command(&self, participant: u64, cmd: CallCmd) {
        if let Some(tx) = lock(&self.calls).get(&participant) {
            let _ = tx.send(cmd);
        }
    }

    fn endpoint(&self, room: Option<(&str, &str)>) -> Endpoint {
        let (aliases, display) = match room {
            Some((number, name)) => (vec![Alias::from_text(number)], name.to_string()),
            None => (Vec::new(), "diemcau".to_string()),
        };
        Endpoint {
            aliases,
            display,
            mcu: true,
            product: "diemcau".into(),
            signal_address: Some(self.local_addr),
            caps: self.caps.clone(),
            fast_start: true,
        }
    }

    /// Starts a call from `room` to an H.323 terminal (a registered alias,
    /// or `ip[:port]`); answers once the Setup is on its way.
    pub async fn dial_out(
        self: &Arc<Self>,
        room: &str,
        target: &str,
    ) -> Result<ParticipantView, CommandError> {
        let target = target.trim();
        let located = lock(&self.directory)
            .as_ref()
            .and_then(|d| d.locate(target));
        let (addr, destination) = match located {
            Some(a) => (a, vec![Alias::from_text(target)]),
            None => {
                let addr = target
                    .parse::<SocketAddr>()
                    .or_else(|_| {
                        target
                            .parse::<IpAddr>()
                            .map(|ip| SocketAddr::new(ip, DEFAULT_PORT))
                    })
                    .map_err(|_| CommandError::NotRegistered(target.to_string()))?;
                (addr, Vec::new())
            }
        };
        let (number, name, media, participant, reserved, local) = {
            let mut rooms = lock(&self.rooms);
            let participant = rooms.allocate_id();
            let r = rooms
                .rooms
                .get_mut(room)
                .filter(|r| !r.retired)
                .ok_or_else(|| CommandError::NoSuchRoom(room.to_string()))?;
            if r.is_full() {
                return Err(CommandError::RoomFull(room.to_string()));
            }
            let (reserved, local) = self
                .reserve(&r.media)
                .map_err(|e| CommandError::Internal(format!("no media ports: {e}")))?;
            r.participants.insert(
                participant,
                Participant {
                    id: participant,
                    display_name: target.to_string(),
                    protocol: "h323",
                    direction: CallDirection::Outbound,
                    state: ParticipantState::Ringing,
                    remote_uri: format!("h323:{target}"),
                    call_id: String::new(),
                    connected_at: None,
                    streams: Vec::new(),
                    muted: false,
                },
            );
            (
                r.config.number.clone(),
                r.config.name.clone(),
                r.media.clone(),
                participant,
                reserved,
                local,
            )
        };
        let seat = Seat {
            room: number.clone(),
            participant,
            media,
            reserved,
            local,
            display: target.to_string(),
            pin: None,
        };
        let stream = match tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect(addr)).await {
            Ok(Ok(s)) => s,
            Ok(Err(e)) => {
                self.unseat(&seat, false);
                return Err(CommandError::InvalidTarget(format!("{addr}: {e}")));
            }
            Err(_) => {
                self.unseat(&seat, false);
                return Err(CommandError::InvalidTarget(format!(
                    "{addr}: connect timed out"
                )));
            }
        };
        let (call, first) = Call::outgoing(
            self.endpoint(Some((&number, &name))),
            destination,
            Some(addr),
            local,
            None,
            Instant::now(),
        );
        if let Some(p) = lock(&self.rooms).participant_mut(&number, participant) {
            p.call_id = hex(&call.call_identifier());
        }
        let view = {
            let rooms = lock(&self.rooms);
            rooms.rooms.get(&number).and_then(|r| {
                r.participants
                    .get(&participant)
                    .map(|p| r.participant_view(p))
            })
        }
        .ok_or_else(|| CommandError::Internal("the room went away".into()))?;
        let svc = self.clone();
        tokio::spawn(async move {
            svc.run(stream, addr, call, Some(seat), first).await;
        });
        Ok(view)
    }

    /// Reserves a port pair per kind: our RTP/RTCP addresses.
    fn reserve(
        &self,
        media: &MediaRoom,
    ) -> Result<(Reserved, LocalMedia), diemcau_mixer::MixerError> {
        let mut pairs = media.reserve(2)?.into_iter();
        let (Some(a), Some(v)) = (pairs.next(), pairs.next()) else {
            return Err(diemcau_mixer::MixerError::PortsExhausted { min: 0, max: 0 });
        };
        let addr = |p: u16| SocketAddr::new(self.media_ip, p);
        let local = LocalMedia {
            audio: (addr(a.rtp_port()), addr(a.rtcp_port())),
            video: Some((addr(v.rtp_port()), addr(v.rtcp_port()))),
        };
        Ok((
            Reserved::new(vec![(MediaKind::Audio, a), (MediaKind::Video, v)]),
            local,
        ))
    }

    /// Removes a participant and its media.
    fn unseat(&self, seat: &Seat, counted: bool) {
        let mut rooms = lock(&self.rooms);
        if let Some(r) = rooms.rooms.get_mut(&seat.room) {
            r.participants.remove(&seat.participant);
            if counted {
                self.calls_gauge
                    .with_label_values(&["h323", &seat.room])
                    .dec();
            }
            let _ = seat.media.remove_participant(seat.participant);
            if r.retired && r.participants.is_empty() {
                let n = seat.room.clone();
                rooms.rooms.remove(&n);
            }
        }
    }

    /// One call's connection, to the end.
    async fn run(
        self: Arc<Self>,
        stream: TcpStream,
        peer: SocketAddr,
        mut call: Call,
        seat: Option<Seat>,
        first: Vec<Output>,
    ) {
        let _ = stream.set_nodelay(true);
        let (mut rd, wr) = stream.into_split();
        let (cmd_tx, mut cmd_rx) = mpsc::unbounded_channel();
        let mut conn = Conn {
            svc: self.clone(),
            peer,
            wr,
            h245_wr: None,
            h245_rx: None,
            h245_listener: None,
            seat,
            started: Vec::new(),
            connected: false,
            cmd_tx: Some(cmd_tx),
            ended: false,
        };
        if let Some(s) = &conn.seat {
            if let Some(tx) = &conn.cmd_tx {
                lock(&self.calls).insert(s.participant, tx.clone());
            }
        }
        conn.apply(&mut call, first).await;
        let mut decoder = tpkt::Decoder::new(MAX_PACKET);
        let mut buf = vec![0u8; 4096];
        let mut tick = tokio::time::interval(TICK);
        while !conn.ended {
            tokio::select! {
                n = rd.read(&mut buf) => {
                    let n = match n {
                        Ok(0) | Err(_) => {
                            tracing::info!(%peer, "H.323 call signalling connection closed");
                            break;
                        }
                        Ok(n) => n,
                    };
                    decoder.push(buf.get(..n).unwrap_or_default());
                    loop {
                        match decoder.next_packet() {
                            Ok(Some(p)) if p.is_empty() => {}
                            Ok(Some(p)) => {
                                let outs = {
                                    let mut adm = RoomAdmission { conn: &mut conn };
                                    call.on_q931(&p, Instant::now(), &mut adm)
                                };
                                conn.apply(&mut call, outs).await;
                                if conn.ended { break; }
                            }
                            Ok(None) => break,
                            Err(e) => {
                                // No framing to answer in: the stream is
                                // unusable, so the call ends with it.
                                tracing::info!(%peer, error = %e, "not TPKT; closing");
                                conn.ended = true;
                                break;
                            }
                        }
                    }
                }
                Some(pdu) = recv_opt(&mut conn.h245_rx) => {
                    match pdu {
                        Some(p) => {
                            let outs = call.on_h245(&p, Instant::now());
                            conn.apply(&mut call, outs).await;
                        }
                        None => {
                            conn.h245_rx = None;
                            conn.h245_wr = None;
                        }
                    }
                }
                accepted = accept_opt(&conn.h245_listener) => {
                    conn.h245_listener = None;
                    if let Ok((s, _)) = accepted {
                        conn.h245_up(s);
                        let outs = call.h245_connected(Instant::now());
                        conn.apply(&mut call, outs).await;
                    }
                }
                Some(cmd) = cmd_rx.recv() => {
                    let outs = match cmd {
                        CallCmd::Leave(LeaveReason::MediaTimeout) => call.release(Ending::MediaTimeout),
                        CallCmd::Leave(LeaveReason::Operator) => call.release(Ending::Normal),
                        CallCmd::Keyframe => call.ask_keyframe(),
                    };
                    conn.apply(&mut call, outs).await;
                }
                _ = tick.tick() => {
                    let now = Instant::now();
                    let mut outs = call.on_timer(now);
                    if conn.pin_expired(now) {
                        outs.extend(call.release(Ending::WrongPin));
                    }
                    conn.apply(&mut call, outs).await;
                }
            }
        }
        let _ = conn.wr.shutdown().await;
        conn.finish();
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// A participant seat held by a call.
struct Seat {
    room: String,
    participant: u64,
    media: Arc<MediaRoom>,
    reserved: Reserved,
    local: LocalMedia,
    display: String,
    /// The room PIN still to be typed (the caller waits in the lobby).
    pin: Option<PinEntry>,
}

/// A call's connections and room state, for its task.
struct Conn {
    svc: Arc<Signalling>,
    peer: SocketAddr,
    wr: OwnedWriteHalf,
    h245_wr: Option<OwnedWriteHalf>,
    h245_rx: Option<mpsc::Receiver<Option<Vec<u8>>>>,
    h245_listener: Option<TcpListener>,
    seat: Option<Seat>,
    /// Kinds whose mixer streams run, in order.
    started: Vec<MediaKind>,
    connected: bool,
    cmd_tx: Option<mpsc::UnboundedSender<CallCmd>>,
    ended: bool,
}

async fn recv_opt(rx: &mut Option<mpsc::Receiver<Option<Vec<u8>>>>) -> Option<Option<Vec<u8>>> {
    match rx {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

async fn accept_opt(l: &Option<TcpListener>) -> std::io::Result<(TcpStream, SocketAddr)> {
    match l {
        Some(l) => l.accept().await,
        None => std::future::pending().await,
    }
}

/// Reads TPKT packets from the H.245 connection into a channel (`None`
/// at its end).
fn spawn_h245_reader(mut rd: OwnedReadHalf) -> mpsc::Receiver<Option<Vec<u8>>> {
    let (tx, rx) = mpsc::channel(64);
    tokio::spawn(async move {
        let mut decoder = tpkt::Decoder::new(MAX_PACKET);
        let mut buf = vec![0u8; 4096];
        loop {
            let n = match rd.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            decoder.push(buf.get(..n).unwrap_or_default());
            loop {
                match decoder.next_packet() {
                    Ok(Some(p)) if p.is_empty() => {}
                    Ok(Some(p)) => {
                        if tx.send(Some(p)).await.is_err() {
                            return;
                        }
                    }
                    Ok(None) => break,
                    Err(e) => {
                        tracing::info!(error = %e, "H.245 connection is not TPKT; closing it");
                        let _ = tx.send(None).await;
                        return;
                    }
                }
            }
        }
        let _ = tx.send(None).await;
    });
    rx
}

impl Conn {
    fn h245_up(&mut self, s: TcpStream) {
        let _ = s.set_nodelay(true);
        let (rd, wr) = s.into_split();
        self.h245_wr = Some(wr);
        self.h245_rx = Some(spawn_h245_reader(rd));
    }

    async fn write(&mut self, payload: &[u8], h245: bool) {
        let Ok(frame) = tpkt::encode(payload) else {
            tracing::warn!(len = payload.len(), "message too long for TPKT");
            return;
        };
        let w = if h245 {
            self.h245_wr.as_mut()
        } else {
            Some(&mut self.wr)
        };
        if let Some(w) = w {
            if let Err(e) = w.write_all(&frame).await {
                tracing::info!(peer = %self.peer, error = %e, "write failed");
                if !h245 {
                    self.ended = true;
                }
            }
        }
    }

    async fn apply(&mut self, call: &mut Call, outs: Vec<Output>) {
        let mut queue: std::collections::VecDeque<Output> = outs.into();
        while let Some(o) = queue.pop_front() {
            match o {
                Output::Send(bytes) => {
                    if let Ok(s) = super::call::wire::decode(&bytes) {
                        if s.kind() == super::call::signal::Kind::ReleaseComplete {
                            let label = s.reason.map(|r| r.label()).unwrap_or("none");
                            self.svc.releases.with_label_values(&[label, "sent"]).inc();
                        }
                    }
                    self.write(&bytes, false).await;
                }
                Output::SendH245(pdu) => self.write(&pdu, true).await,
                Output::ConnectH245(addr) => {
                    match tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect(addr)).await {
                        Ok(Ok(s)) => {
                            self.h245_up(s);
                            queue.extend(call.h245_connected(Instant::now()));
                        }
                        _ => {
                            tracing::info!(peer = %self.peer, %addr, "cannot open the H.245 connection")
                        }
                    }
                }
                Output::Connected => self.on_connected(call),
                Output::Media(streams) => self.on_media(&streams).await,
                Output::PeerWantsKeyframe => {
                    if let Some(s) = &self.seat {
                        s.media.request_keyframe(s.participant);
                    }
                }
                Output::PeerBitrate(kbps) => {
                    if let Some(s) = &self.seat {
                        let _ = s.media.set_bitrate_limit(s.participant, Some(kbps));
                    }
                }
                Output::Dtmf(d) => queue.extend(self.on_keys(call, &d)),
                Output::Ended { ending, peer } => {
                    if let Some(r) = peer {
                        self.svc
                            .releases
                            .with_label_values(&[r.label(), "received"])
                            .inc();
                    }
                    tracing::info!(peer = %self.peer, why = ending.as_str(), peer_reason = ?peer.map(|r| r.label()), "H.323 call ended");
                    self.ended = true;
                }
            }
        }
    }

    fn on_connected(&mut self, call: &Call) {
        if self.connected {
            return;
        }
        self.connected = true;
        let Some(s) = &mut self.seat else { return };
        let name: Option<String> = call
            .peer_name()
            .map(|n| n.chars().filter(|c| !c.is_control()).take(64).collect());
        if let Some(n) = name.filter(|n| !n.trim().is_empty()) {
            s.display = n;
        }
        let mut rooms = lock(&self.svc.rooms);
        if let Some(p) = rooms.participant_mut(&s.room, s.participant) {
            p.display_name = s.display.clone();
            p.state = if s.pin.is_some() {
                ParticipantState::AwaitingPin
            } else {
                ParticipantState::Connected
            };
            p.connected_at = Some(Instant::now());
            p.call_id = hex(&call.call_identifier());
        }
        self.svc
            .calls_gauge
            .with_label_values(&["h323", &s.room])
            .inc();
    }

    async fn on_media(&mut self, streams: &[media::H323Stream]) {
        let Some(seat) = &mut self.seat else { return };
        if self.started.is_empty() {
            let (specs, infos) = media::start_specs(streams, &mut seat.reserved);
            if specs.is_empty() {
                return;
            }
            self.started = streams
                .iter()
                .filter(|s| {
                    infos
                        .iter()
                        .any(|i| i.local_port != 0 && i.kind == kind_str(s.kind))
                })
                .map(|s| s.kind)
                .collect();
            let options = diemcau_mixer::room::ParticipantOptions {
                lobby: seat.pin.as_ref().map(PinEntry::prompt),
                ..Default::default()
            };
            if let Err(e) = seat
                .media
                .add_participant_with(seat.participant, &seat.display, specs, options)
                .await
            {
                tracing::warn!(error = %e, "H.323 media did not start");
                return;
            }
            if let Some(p) = lock(&self.svc.rooms).participant_mut(&seat.room, seat.participant) {
                p.streams = infos;
            }
        } else {
            let specs = media::update_specs(streams, &self.started);
            if let Err(e) = seat.media.update_participant(seat.participant, specs) {
                tracing::debug!(error = %e, "H.323 media update failed");
            }
            let infos: Vec<_> = streams
                .iter()
                .filter_map(|s| {
                    let port = seat.local.of(s.kind).map(|(rtp, _)| rtp.port())?;
                    self.started.contains(&s.kind).then(|| s.info(port))
                })
                .collect();
            if let Some(p) = lock(&self.svc.rooms).participant_mut(&seat.room, seat.participant) {
                p.streams = infos;
            }
        }
    }

    /// Keys the caller typed: the room PIN while it waits in the lobby,
    /// else only logged. Returns what the call must do (a refusal).
    fn on_keys(&mut self, call: &mut Call, keys: &str) -> Vec<Output> {
        let Some(seat) = &mut self.seat else {
            return Vec::new();
        };
        let Some(entry) = &mut seat.pin else {
            tracing::info!(peer = %self.peer, keys, "DTMF");
            return Vec::new();
        };
        // The PIN's digits stay out of the log.
        let step = entry.on_input(keys);
        let prompt = entry.prompt();
        let count = |r: &str| self.svc.pins.with_label_values(&[r]).inc();
        match step {
            PinStep::Typing => {}
            PinStep::Wrong { attempts_left } => {
                count("wrong");
                tracing::info!(peer = %self.peer, room = %seat.room, attempts_left, "wrong room PIN");
            }
            PinStep::Refused => {
                count("wrong");
                count("refused");
                tracing::info!(peer = %self.peer, room = %seat.room, "wrong room PIN too often; refused");
                return call.release(Ending::WrongPin);
            }
            PinStep::Accepted => {
                count("accepted");
                seat.pin = None;
                tracing::info!(peer = %self.peer, room = %seat.room, participant = seat.participant, "room PIN accepted");
                if !self.started.is_empty() {
                    if let Err(e) = seat.media.let_in(seat.participant) {
                        tracing::warn!(error = %e, "not let in from the lobby");
                    }
                }
                if self.connected {
                    if let Some(p) =
                        lock(&self.svc.rooms).participant_mut(&seat.room, seat.participant)
                    {
                        p.state = ParticipantState::Connected;
                    }
                }
                return Vec::new();
            }
        }
        if !self.started.is_empty() {
            let _ = seat.media.set_lobby_prompt(seat.participant, &prompt);
        }
        Vec::new()
    }

    /// Whether a caller in the lobby ran out of time for its PIN (counted
    /// once; the call is then released).
    fn pin_expired(&mut self, now: Instant) -> bool {
        let Some(seat) = &mut self.seat else {
            return false;
        };
        if !seat.pin.as_ref().is_some_and(|p| p.expired(now)) {
            return false;
        }
        seat.pin = None;
        self.svc.pins.with_label_values(&["timeout"]).inc();
        tracing::info!(peer = %self.peer, room = %seat.room, "no room PIN in time; refused");
        true
    }

    fn finish(&mut self) {
        if let Some(s) = self.seat.take() {
            lock(&self.svc.calls).remove(&s.participant);
            self.svc.unseat(&s, self.connected);
        }
    }
}

fn kind_str(k: MediaKind) -> &'static str {
    match k {
        MediaKind::Audio => "audio",
        MediaKind::Video => "video",
    }
}

/// Seats an incoming call in the room it dialled.
struct RoomAdmission<'a> {
    conn: &'a mut Conn,
}

impl Admission for RoomAdmission<'_> {
    fn admit(&mut self, req: &AdmitRequest) -> Result<LocalMedia, Ending> {
        let svc = self.conn.svc.clone();
        let mut rooms = lock(&svc.rooms);
        let participant = rooms.allocate_id();
        // The first dial string that names a room wins.
        let mut parsed = None;
        for d in &req.dialled {
            if let Ok(dial) = dialplan::parse_dial(d) {
                if rooms.find_mut(&dial.room).is_some() {
                    parsed = Some(dial);
                    break;
                }
            }
        }
        let dial = match parsed {
            Some(d) => d,
            // A Setup that names nothing we can read as a room.
            None if req.dialled.is_empty() => return Err(Ending::BadAddress),
            None => return Err(Ending::NoSuchRoom),
        };
        let r = rooms.find_mut(&dial.room).ok_or(Ending::NoSuchRoom)?;
        let mut pin = None;
        if let Some(expected) = &r.config.pin {
            match dial.pin.as_deref() {
                Some(p) if p == expected => {}
                // Dialled with a wrong PIN: refused at once.
                Some(_) => return Err(Ending::WrongPin),
                // No PIN dialled: typed on the keypad, in the lobby.
                None => pin = Some(PinEntry::new(expected, Instant::now())),
            }
        }
        if r.is_full() {
            return Err(Ending::RoomFull);
        }
        let (reserved, local) = svc.reserve(&r.media).map_err(|_| Ending::Resources)?;
        let display: String = req
            .caller
            .chars()
            .filter(|c| !c.is_control())
            .take(64)
            .collect();
        let display = if display.trim().is_empty() {
            self.conn.peer.ip().to_string()
        } else {
            display
        };
        r.participants.insert(
            participant,
            Participant {
                id: participant,
                display_name: display.clone(),
                protocol: "h323",
                direction: CallDirection::Inbound,
                state: ParticipantState::Ringing,
                remote_uri: format!(
                    "h323:{}",
                    if req.remote.is_empty() {
                        self.conn.peer.to_string()
                    } else {
                        req.remote.clone()
                    }
                ),
                call_id: String::new(),
                connected_at: None,
                streams: Vec::new(),
                muted: false,
            },
        );
        let seat = Seat {
            room: r.config.number.clone(),
            participant,
            media: r.media.clone(),
            reserved,
            local,
            display,
            pin,
        };
        drop(rooms);
        if let Some(tx) = &self.conn.cmd_tx {
            lock(&svc.calls).insert(participant, tx.clone());
        }
        self.conn.seat = Some(seat);
        tracing::info!(peer = %self.conn.peer, room = %dial.room, participant, "H.323 call admitted");
        Ok(local)
    }

    fn identity(&self) -> Option<(Vec<Alias>, String)> {
        let seat = self.conn.seat.as_ref()?;
        let name = lock(&self.conn.svc.rooms)
            .rooms
            .get(&seat.room)
            .map(|r| r.config.name.clone())
            .unwrap_or_else(|| seat.room.clone());
        Some((vec![Alias::from_text(&seat.room)], name))
    }

    fn h245_listener(&mut self) -> Option<SocketAddr> {
        let ip = self.conn.svc.local_addr.ip();
        let std = std::net::TcpListener::bind(SocketAddr::new(ip, 0)).ok()?;
        std.set_nonblocking(true).ok()?;
        let addr = std.local_addr().ok()?;
        self.conn.h245_listener = Some(TcpListener::from_std(std).ok()?);
        Some(addr)
    }
}

/// Dial-out by alias: the gatekeeper's live registrations (username or
/// any alias) give the terminal's call signalling address.
impl Directory for crate::h323::ras::udp::RasService {
    fn locate(&self, alias: &str) -> Option<SocketAddr> {
        self.registration_views().into_iter().find_map(|r| {
            r.contacts.iter().find_map(|c| {
                let rest = c.uri.strip_prefix("h323:")?;
                let (aliases, addr) = rest.rsplit_once('@')?;
                let named = r.username == alias || aliases.split(',').any(|a| a == alias);
                named.then(|| addr.parse().ok()).flatten()
            })
        })
    }
}
