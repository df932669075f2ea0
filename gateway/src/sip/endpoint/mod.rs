//! The SIP core: the one task that owns the transaction layer, the
//! registrar, the digest authenticator and the calls. Transports hand it
//! parsed messages; it hands bytes back to them. Everything it decides is in
//! the sans-IO modules next to it; this is where they meet the sockets,
//! the clock and the media engine.

mod calls;
mod headers;
mod keyframe;
pub(crate) mod media;
mod register;
mod room_control;

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use tokio::sync::mpsc;

use diemcau_codecs::catalogue::Capabilities;
use diemcau_mixer::ports::PortAllocator;
use diemcau_mixer::room::{MediaRoom, RoomEvent};

use super::auth::DigestAuthenticator;
use super::message;
use super::registrar::{Registrar, RegistrarConfig};
use super::transaction::{Event, TimerConfig, TransactionKey, TransactionLayer};
use super::transport::{Inbound, Peer, TransportKind, Transports};
use crate::config::Config;
use crate::control::{Command, ContactView, RegistrationView, RoomView, Views};
use crate::metrics::Metrics;
use crate::rooms::{Room, Rooms, SharedRooms};
use crate::timers::TimerQueue;

pub use calls::Call;

/// Methods we implement, for Allow headers.
pub const ALLOW: &str = "INVITE, ACK, BYE, CANCEL, OPTIONS, INFO, UPDATE, REGISTER";
pub const ACCEPT: &str = "application/sdp, application/media_control+xml, application/dtmf-relay";
pub const SUPPORTED: &str = "timer";

/// Timers of the core itself (the transaction layer keeps its own).
#[derive(Debug, Clone)]
enum CoreTimer {
    /// Answer a ringing inbound call (the configured answer delay ran out).
    Answer { call_id: String },
    /// We are the session refresher: send the refresh.
    SessionRefresh { call_id: String, generation: u64 },
    /// The peer should have refreshed by now: end the call.
    SessionExpire { call_id: String, generation: u64 },
    /// Drop expired registrations.
    RegistrarSweep,
}

/// Who is waiting for the result of a client transaction.
#[derive(Debug, Clone)]
enum TxnOwner {
    /// Our INVITE (initial dial-out or re-INVITE) of this call.
    Invite { call_id: String },
    /// An in-dialog request whose outcome matters only for logging, except a
    /// session refresh whose failure ends the call (RFC 4028 §10).
    InDialog {
        call_id: String,
        method: String,
        ends_on_failure: bool,
    },
}

/// What the core's task receives besides transport input.
pub enum CoreInput {
    Command(Command),
    Reload(Box<Config>),
}

/// State the HTTP API reads.
pub struct Shared {
    pub registrar: Mutex<Registrar>,
    pub rooms: SharedRooms,
    pub config: Mutex<Arc<Config>>,
}

impl Views for Shared {
    fn registrations(&self) -> Vec<RegistrationView> {
        let now = Instant::now();
        let cfg = self
            .config
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        let reg = self.registrar.lock().unwrap_or_else(|p| p.into_inner());
        let mut out: Vec<RegistrationView> = reg
            .users()
            .map(str::to_string)
            .collect::<Vec<_>>()
            .into_iter()
            .filter_map(|user| {
                let bindings = reg.bindings(&user, now);
                if bindings.is_empty() {
                    return None;
                }
                let display_name = cfg
                    .terminal(&user)
                    .map(|t| t.display_name.clone())
                    .unwrap_or_default();
                Some(RegistrationView {
                    protocol: "sip",
                    username: user.clone(),
                    display_name,
                    contacts: bindings
                        .iter()
                        .map(|b| ContactView {
                            uri: b.contact.clone(),
                            source: b.source.to_string(),
                            expires_in_secs: b.expires_at.saturating_duration_since(now).as_secs(),
                            user_agent: b.user_agent.clone(),
                        })
                        .collect(),
                })
            })
            .collect();
        out.sort_by(|a, b| a.username.cmp(&b.username));
        out
    }

    fn rooms(&self) -> Vec<RoomView> {
        let rooms = self.rooms.lock().unwrap_or_else(|p| p.into_inner());
        rooms.rooms.values().map(Room::view).collect()
    }
}

/// Addresses the core writes into Via, Contact and SDP.
#[derive(Debug, Clone)]
struct LocalAddrs {
    /// Per UDP listener index, the address to advertise.
    udp: Vec<SocketAddr>,
    tcp: Option<SocketAddr>,
    media_ip: IpAddr,
}

impl LocalAddrs {
    fn sip_addr(&self, peer: &Peer) -> SocketAddr {
        match peer.transport {
            TransportKind::Udp => peer
                .conn
                .and_then(|c| self.udp.get(c.0 as usize).copied())
                .or_else(|| self.udp.first().copied())
                .or(self.tcp)
                .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 5060))),
            _ => self
                .tcp
                .or_else(|| self.udp.first().copied())
                .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 5060))),
        }
    }
}

pub struct Core {
    cfg: Arc<Config>,
    transports: Arc<Transports>,
    txn: TransactionLayer,
    auth: DigestAuthenticator,
    shared: Arc<Shared>,
    calls: HashMap<String, Call>,
    owners: HashMap<TransactionKey, TxnOwner>,
    timers: TimerQueue<CoreTimer>,
    metrics: Metrics,
    caps: Capabilities,
    ports: Arc<PortAllocator>,
    local: LocalAddrs,
    room_events: mpsc::Sender<(String, RoomEvent)>,
    room_events_rx: Option<mpsc::Receiver<(String, RoomEvent)>>,
    /// Client transactions moved from UDP to TCP for their size, with the
    /// request as it was for UDP, in case the peer refuses TCP.
    upgraded: HashMap<TransactionKey, Upgraded>,
}

struct Upgraded {
    udp_request: rsip::Request,
    udp_peer: Peer,
    sent_at: Instant,
}

/// The address to write for a bound listener: the configured public
/// address, else the bound one, else (wildcard binds) the config's fallback.
fn advertised(bound: SocketAddr, cfg: &Config) -> SocketAddr {
    match cfg.public_ip() {
        Some(ip) => SocketAddr::new(ip, bound.port()),
        None if bound.ip().is_unspecified() => SocketAddr::new(cfg.public_address(), bound.port()),
        None => bound,
    }
}

impl Core {
    pub fn new(
        cfg: Arc<Config>,
        transports: Arc<Transports>,
        metrics: Metrics,
    ) -> Result<(Self, Arc<Shared>), crate::GatewayError> {
        let local = LocalAddrs {
            udp: transports
                .udp_local_addrs()
                .iter()
                .map(|a| advertised(*a, &cfg))
                .collect(),
            tcp: transports
                .tcp_local_addrs()
                .first()
                .map(|a| advertised(*a, &cfg)),
            media_ip: cfg.media_ip(),
        };
        let ports = Arc::new(PortAllocator::new(
            cfg.media.bind_address(),
            cfg.media.rtp_port_min,
            cfg.media.rtp_port_max,
        ));
        let shared = Arc::new(Shared {
            registrar: Mutex::new(Registrar::new(RegistrarConfig {
                min_expires: cfg.sip.min_expires,
                max_expires: cfg.sip.max_expires,
                default_expires: cfg.sip.default_expires,
            })),
            rooms: Arc::new(Mutex::new(Rooms::default())),
            config: Mutex::new(cfg.clone()),
        });
        let (room_events, room_events_rx) = mpsc::channel(256);
        let mut core = Self {
            auth: DigestAuthenticator::new(
                cfg.server.sip_domain.clone(),
                cfg.auth.nonce_lifetime(),
            ),
            txn: TransactionLayer::new(TimerConfig {
                t1: cfg.sip.t1(),
                t2: cfg.sip.t2(),
                t4: cfg.sip.t4(),
            }),
            cfg,
            transports,
            shared: shared.clone(),
            calls: HashMap::new(),
            owners: HashMap::new(),
            timers: TimerQueue::default(),
            metrics,
            caps: Capabilities::default(),
            ports,
            local,
            room_events,
            room_events_rx: Some(room_events_rx),
            upgraded: HashMap::new(),
        };
        core.sync_rooms();
        Ok((core, shared))
    }

    /// Create media rooms for configured rooms, update changed ones and
    /// retire removed ones (their calls go on).
    fn sync_rooms(&mut self) {
        let mut rooms = self.shared.rooms.lock().unwrap_or_else(|p| p.into_inner());
        for rc in &self.cfg.rooms {
            match rooms.rooms.get_mut(&rc.number) {
                Some(r) => {
                    if r.config.layout != rc.layout {
                        r.media.set_layout(rc.layout);
                    }
                    if r.config.same_picture != rc.same_picture {
                        r.media.set_same_picture(rc.same_picture);
                    }
                    r.config = rc.clone();
                    r.retired = false;
                }
                None => {
                    let (media, mut events) = MediaRoom::new(
                        rc.name.clone(),
                        self.ports.clone(),
                        self.metrics.media.clone(),
                        self.cfg.media.media_timeout(),
                    );
                    media.set_layout(rc.layout);
                    media.set_same_picture(rc.same_picture);
                    let tx = self.room_events.clone();
                    let number = rc.number.clone();
                    tokio::spawn(async move {
                        while let Some(ev) = events.recv().await {
                            if tx.send((number.clone(), ev)).await.is_err() {
                                break;
                            }
                        }
                    });
                    rooms.rooms.insert(
                        rc.number.clone(),
                        Room {
                            config: rc.clone(),
                            media: Arc::new(media),
                            participants: Default::default(),
                            retired: false,
                        },
                    );
                }
            }
        }
        let configured: Vec<&str> = self.cfg.rooms.iter().map(|r| r.number.as_str()).collect();
        rooms.rooms.retain(|n, r| {
            if configured.contains(&n.as_str()) {
                return true;
            }
            r.retired = true;
            !r.participants.is_empty()
        });
    }

    /// Run until the inbound channel closes.
    pub async fn run(
        mut self,
        mut inbound: mpsc::Receiver<Inbound>,
        mut input: mpsc::Receiver<CoreInput>,
    ) {
        let mut room_events = match self.room_events_rx.take() {
            Some(rx) => rx,
            None => return,
        };
        self.timers.schedule(
            Instant::now() + Duration::from_secs(1),
            CoreTimer::RegistrarSweep,
        );
        loop {
            let deadline = [self.txn.next_deadline(), self.timers.next_deadline()]
                .into_iter()
                .flatten()
                .min()
                .unwrap_or_else(|| Instant::now() + Duration::from_secs(1));
            tokio::select! {
                msg = inbound.recv() => match msg {
                    Some(Inbound::Message { msg, from }) => self.on_message(msg, from).await,
                    Some(Inbound::SendFailed { to, data }) => self.on_send_failed(to, &data).await,
                    None => break,
                },
                Some(inp) = input.recv() => match inp {
                    CoreInput::Command(cmd) => self.on_command(cmd).await,
                    CoreInput::Reload(cfg) => self.reload(*cfg),
                },
                Some((room, ev)) = room_events.recv() => self.on_room_event(&room, ev),
                _ = tokio::time::sleep_until(deadline.into()) => self.on_timers().await,
            }
        }
    }

    fn reload(&mut self, cfg: Config) {
        let removed: Vec<String> = self
            .cfg
            .terminals
            .iter()
            .filter(|t| cfg.terminal(&t.username).is_none())
            .map(|t| t.username.clone())
            .collect();
        self.cfg = Arc::new(cfg);
        *self.shared.config.lock().unwrap_or_else(|p| p.into_inner()) = self.cfg.clone();
        {
            let mut reg = self
                .shared
                .registrar
                .lock()
                .unwrap_or_else(|p| p.into_inner());
            for u in &removed {
                reg.remove_user(u);
            }
        }
        self.sync_rooms();
        self.update_registration_gauge();
        tracing::info!(
            rooms = self.cfg.rooms.len(),
            terminals = self.cfg.terminals.len(),
            removed_terminals = removed.len(),
            "configuration reloaded"
        );
    }

    async fn on_message(&mut self, mut msg: rsip::SipMessage, from: Peer) {
        if let rsip::SipMessage::Request(req) = &mut msg {
            self.metrics
                .sip_requests
                .with_label_values(&[crate::metrics::method_label(&req.method.to_string())])
                .inc();
            if let Err(e) = message::stamp_received(req, from.addr) {
                tracing::debug!(peer = %from, error = %e, "cannot stamp Via");
            }
        }
        let events = self.txn.on_message(msg, from, Instant::now());
        self.handle_events(events).await;
    }

    async fn on_timers(&mut self) {
        let now = Instant::now();
        let events = self.txn.on_timer(now);
        self.handle_events(events).await;
        for t in self.timers.due(now) {
            match t {
                CoreTimer::RegistrarSweep => {
                    let removed = {
                        let mut reg = self
                            .shared
                            .registrar
                            .lock()
                            .unwrap_or_else(|p| p.into_inner());
                        reg.remove_expired(now)
                    };
                    for (user, b) in &removed {
                        tracing::info!(user = %user, contact = %b.contact, "registration expired");
                    }
                    self.update_registration_gauge();
                    // Timer B/F end every transaction within 64*T1.
                    let horizon = self.cfg.sip.t1() * 64 + Duration::from_secs(1);
                    self.upgraded
                        .retain(|_, u| now.duration_since(u.sent_at) < horizon);
                    self.timers
                        .schedule(now + Duration::from_secs(1), CoreTimer::RegistrarSweep);
                }
                CoreTimer::Answer { call_id } => {
                    let span = self.call_span(Some(&call_id));
                    tracing::Instrument::instrument(self.answer_call(&call_id), span).await
                }
                CoreTimer::SessionRefresh {
                    call_id,
                    generation,
                } => {
                    let span = self.call_span(Some(&call_id));
                    let _in_call = span.enter();
                    self.session_refresh(&call_id, generation)
                }
                CoreTimer::SessionExpire {
                    call_id,
                    generation,
                } => {
                    let span = self.call_span(Some(&call_id));
                    let _in_call = span.enter();
                    self.session_expired(&call_id, generation)
                }
            }
        }
    }

    /// The span of call `call_id`; none when there is no such call.
    fn call_span(&self, call_id: Option<&str>) -> tracing::Span {
        call_id
            .and_then(|id| self.calls.get(id))
            .map_or_else(tracing::Span::none, |c| c.span.clone())
    }

    /// The span to handle a request in: its call's, a new one for an
    /// initial INVITE (its room is recorded once known), else none.
    fn request_span(&self, req: &rsip::Request, from: Peer) -> tracing::Span {
        let call_id = headers::call_id(req);
        if call_id
            .as_ref()
            .is_some_and(|id| self.calls.contains_key(id))
        {
            return self.call_span(call_id.as_deref());
        }
        match (&req.method, call_id) {
            (rsip::Method::Invite, Some(id)) if message::to_tag(req).is_none() => {
                tracing::info_span!("call", call_id = %id, room = tracing::field::Empty, peer = %from)
            }
            _ => tracing::Span::none(),
        }
    }

    /// Apply what the transaction layer decided.
    async fn handle_events(&mut self, events: Vec<Event>) {
        use tracing::Instrument;
        // Handlers may produce more events (responses, new requests); they
        // go through `emit`, which transmits directly, so no recursion here.
        for ev in events {
            match ev {
                Event::Transmit { to, data } => self.transports.send(to, data),
                Event::Request {
                    key,
                    request,
                    from,
                    cancels,
                } => {
                    let span = self.request_span(&request, from);
                    self.on_request(key, request, from, cancels)
                        .instrument(span)
                        .await
                }
                Event::Ack { request, from } => {
                    let span = self.request_span(&request, from);
                    self.on_ack(request, from).instrument(span).await
                }
                Event::Response { key, response } => {
                    let span = self.call_span(headers::call_id(&response).as_deref());
                    self.on_response(key, response).instrument(span).await
                }
                Event::Timeout { key } => self.on_client_timeout(key),
                Event::AckTimeout { call_id, .. } => {
                    let span = self.call_span(Some(&call_id));
                    let _in_call = span.enter();
                    tracing::warn!("no ACK for our 2xx; ending the call");
                    self.end_call(&call_id, true, "ACK timeout");
                }
                Event::StrayResponse { response } => {
                    tracing::debug!(status = %response.status_code, "stray response dropped");
                }
            }
        }
    }

    /// Transmit what the transaction layer produced for a TU action.
    fn emit(&mut self, events: Vec<Event>) {
        for ev in events {
            match ev {
                Event::Transmit { to, data } => self.transports.send(to, data),
                other => {
                    tracing::debug!(event = ?std::mem::discriminant(&other), "unexpected event from a send")
                }
            }
        }
    }

    /// Answer a server transaction, counting the response.
    fn respond(&mut self, key: &TransactionKey, resp: rsip::Response) {
        self.send_response(key, resp, false);
    }

    /// A final answer that needs no retransmission absorption (see
    /// [`TransactionLayer::respond_stateless`]), counted like any other.
    fn respond_stateless(&mut self, key: &TransactionKey, resp: rsip::Response) {
        self.send_response(key, resp, true);
    }

    fn send_response(&mut self, key: &TransactionKey, resp: rsip::Response, stateless: bool) {
        let code = resp.status_code.code();
        self.metrics
            .sip_responses
            .with_label_values(&[&code.to_string()])
            .inc();
        let now = Instant::now();
        let sent = if stateless {
            self.txn.respond_stateless(key, resp, now)
        } else {
            self.txn.respond(key, resp, now)
        };
        match sent {
            Ok(ev) => self.emit(ev),
            Err(e) => tracing::debug!(error = %e, code, "response not sent"),
        }
    }

    /// A plain response to a request.
    fn reply(
        &mut self,
        key: &TransactionKey,
        req: &rsip::Request,
        code: u16,
        reason: Option<&str>,
    ) {
        let resp = Self::plain_response(req, code, reason);
        self.respond(key, resp);
    }

    /// [`Core::reply`] without Timer J: for refusals that change nothing.
    fn reply_stateless(
        &mut self,
        key: &TransactionKey,
        req: &rsip::Request,
        code: u16,
        reason: Option<&str>,
    ) {
        let resp = Self::plain_response(req, code, reason);
        self.respond_stateless(key, resp);
    }

    fn plain_response(req: &rsip::Request, code: u16, reason: Option<&str>) -> rsip::Response {
        // A final response outside a dialog needs a To tag of ours.
        let tag = message::to_tag(req).is_none().then(message::new_tag);
        let mut resp = message::response(req, code, reason, tag.as_deref());
        if code == 405 || code == 200 {
            headers::push(&mut resp, "Allow", ALLOW);
        }
        resp
    }

    /// Send a request in a new client transaction, remembering its owner.
    fn send_request(
        &mut self,
        req: rsip::Request,
        to: Peer,
        owner: Option<TxnOwner>,
    ) -> Option<TransactionKey> {
        let udp_request = req.clone();
        let (req, routed) = self.route_request(req, to);
        match self.txn.send_request(req, routed, Instant::now()) {
            Ok((key, ev)) => {
                if routed != to {
                    self.upgraded.insert(
                        key.clone(),
                        Upgraded {
                            udp_request,
                            udp_peer: to,
                            sent_at: Instant::now(),
                        },
                    );
                }
                self.emit(ev);
                if let Some(o) = owner {
                    self.owners.insert(key.clone(), o);
                }
                Some(key)
            }
            Err(e) => {
                tracing::warn!(peer = %routed, error = %e, "cannot send request");
                None
            }
        }
    }

    /// RFC 3261 §18.1.1: a request within 200 bytes of the path MTU (we use
    /// 1300 bytes) goes over TCP, to the same address and port, as every SIP
    /// UA must listen on both. A CANCEL follows its INVITE there.
    fn route_request(&self, mut req: rsip::Request, to: Peer) -> (rsip::Request, Peer) {
        if to.transport != TransportKind::Udp {
            return (req, to);
        }
        let follows_invite = req.method == rsip::Method::Cancel
            && TransactionKey::client(&req)
                .is_ok_and(|k| self.upgraded.contains_key(&k.with_method("INVITE")));
        if !follows_invite && message::encode_request(&req).len() <= super::transport::UDP_MTU_LIMIT
        {
            return (req, to);
        }
        // Our requests carry exactly one Via: rewrite its transport token.
        if let Some(via) =
            message::header(&req, "Via").map(|v| v.replacen("SIP/2.0/UDP", "SIP/2.0/TCP", 1))
        {
            message::set_header(&mut req, "Via", via);
        }
        let tcp = Peer {
            transport: TransportKind::Tcp,
            addr: to.addr,
            conn: None,
        };
        (req, tcp)
    }

    /// A stream connection for one of our requests could not be opened. If
    /// the request went to TCP only for its size, RFC 3261 §18.1.1 says retry
    /// over UDP; otherwise the transaction fails now rather than at Timer B.
    async fn on_send_failed(&mut self, to: Peer, data: &[u8]) {
        let Ok(rsip::SipMessage::Request(req)) = message::parse(data) else {
            // A response on a connection that has gone: the peer retransmits.
            return;
        };
        let Ok(key) = TransactionKey::client(&req) else {
            return;
        };
        if let Some(up) = self.upgraded.remove(&key) {
            tracing::info!(peer = %up.udp_peer, method = %req.method, "peer refused TCP; sending the large request over UDP");
            self.txn.abandon(&key);
            match self
                .txn
                .send_request(up.udp_request, up.udp_peer, Instant::now())
            {
                Ok((_, ev)) => self.emit(ev),
                Err(e) => {
                    tracing::warn!(peer = %up.udp_peer, error = %e, "UDP retry failed");
                    let ev = self.txn.on_transport_error(&key, Instant::now());
                    self.handle_events(ev).await;
                }
            }
            return;
        }
        tracing::debug!(peer = %to, "client transaction failed at the transport");
        let ev = self.txn.on_transport_error(&key, Instant::now());
        self.handle_events(ev).await;
    }

    async fn on_request(
        &mut self,
        key: TransactionKey,
        req: rsip::Request,
        from: Peer,
        cancels: Option<TransactionKey>,
    ) {
        use rsip::Method;
        match req.method {
            Method::Register => self.on_register(&key, &req, from),
            Method::Options => self.on_options(&key, &req),
            Method::Invite => self.on_invite(key, req, from).await,
            Method::Cancel => self.on_cancel(&key, &req, cancels),
            Method::Bye => self.on_bye(&key, &req),
            Method::Info => self.on_info(&key, &req),
            Method::Update => self.on_update(&key, &req).await,
            // ACK without a transaction comes as Event::Ack; one here is stray.
            Method::Ack => {}
            _ => self.reply(&key, &req, 405, None),
        }
    }

    fn on_options(&mut self, key: &TransactionKey, req: &rsip::Request) {
        let mut resp = message::response(req, 200, None, Some(&message::new_tag()));
        headers::push(&mut resp, "Allow", ALLOW);
        headers::push(&mut resp, "Accept", ACCEPT);
        headers::push(&mut resp, "Supported", SUPPORTED);
        headers::push(&mut resp, "Accept-Language", "vi, en");
        self.respond(key, resp);
    }

    fn update_registration_gauge(&self) {
        let n = {
            let reg = self
                .shared
                .registrar
                .lock()
                .unwrap_or_else(|p| p.into_inner());
            reg.registered_count(Instant::now())
        };
        self.metrics
            .registrations
            .with_label_values(&["sip"])
            .set(n as i64);
    }

    fn user_agent(&self) -> &str {
        &self.cfg.server.user_agent
    }

    fn now_system() -> SystemTime {
        SystemTime::now()
    }
}
