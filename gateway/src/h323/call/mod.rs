//! H.225.0 call signalling, sans-IO: the call state machine for incoming
//! calls (a terminal dials a room) and outgoing ones (the room dials a
//! terminal, and the test caller), with fast start and H.245 either
//! tunnelled in the UUIEs or on its own TCP connection.
//!
//! A [`Call`] is fed decoded Q.931 payloads ([`Call::on_q931`]), H.245 PDUs
//! from a separate channel ([`Call::on_h245`]), timer ticks and the
//! operator's or mixer's wishes; it answers with [`Output`]s the I/O edge
//! carries out (bytes to send, an H.245 connection to open, media to start
//! or change, the call's end). Room lookup is behind [`Admission`], so the
//! machine can be tested without rooms.

pub mod control;
pub mod fast_start;
pub mod reason;
pub mod signal;
pub mod wire;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use diemcau_codecs::catalogue::{Capabilities, MediaKind};

use self::control::{Control, ControlEvent};
use self::reason::{Ending, ReleaseReason};
use self::signal::{Alias, FacilityKind, Kind, Signal};
use crate::h323::media::H323Stream;

/// How long an outgoing call may ring before we give up.
pub const RING_TIMEOUT: Duration = Duration::from_secs(60);
/// How long after Connect media must be settled (fast start or logical
/// channels) before the call is dropped for having no common capability.
pub const MEDIA_SETUP_TIMEOUT: Duration = Duration::from_secs(20);

/// Our RTP and RTCP addresses, per kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalMedia {
    pub audio: (SocketAddr, SocketAddr),
    pub video: Option<(SocketAddr, SocketAddr)>,
}

impl LocalMedia {
    pub fn of(&self, kind: MediaKind) -> Option<(SocketAddr, SocketAddr)> {
        match kind {
            MediaKind::Audio => Some(self.audio),
            MediaKind::Video => self.video,
        }
    }
}

/// Who we are in the messages we send.
#[derive(Debug, Clone)]
pub struct Endpoint {
    /// Our aliases (Setup sourceAddress, Connect connectedAddress).
    pub aliases: Vec<Alias>,
    /// Q.931 Display.
    pub display: String,
    /// An MCU (the gateway) or a terminal (the test caller).
    pub mcu: bool,
    pub product: String,
    /// Our call signalling address (Setup sourceCallSignalAddress).
    pub signal_address: Option<SocketAddr>,
    /// Codecs we take and send.
    pub caps: Capabilities,
    /// Whether our Setup proposes fast start; without it the media is
    /// opened by H.245 logical channels after Connect.
    pub fast_start: bool,
}

/// What an incoming Setup asks for, for the room lookup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdmitRequest {
    /// Candidate dial strings, best first: destinationAddress aliases, then
    /// the Q.931 Called party number.
    pub dialled: Vec<String>,
    /// The caller's name: Q.931 Display, else its first alias.
    pub caller: String,
    /// The caller's first alias or signalling address, for the API.
    pub remote: String,
}

/// The room side of incoming calls, implemented by the I/O edge.
pub trait Admission {
    /// Seats the caller in the room it dialled (or says why not) and
    /// reserves its media ports. `dialled` may be empty (a terminal
    /// answering a call from the room, which names nobody).
    fn admit(&mut self, req: &AdmitRequest) -> Result<LocalMedia, Ending>;
    /// A listening address for a separate H.245 channel, when the peer
    /// neither tunnels nor gives its own.
    fn h245_listener(&mut self) -> Option<SocketAddr>;
    /// Who answers, once admitted: our aliases (Connect connectedAddress)
    /// and display name; `None` keeps the endpoint's.
    fn identity(&self) -> Option<(Vec<Alias>, String)> {
        None
    }
}

/// What the edge has to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Output {
    /// A Q.931 message for the call signalling connection (TPKT is the
    /// edge's).
    Send(Vec<u8>),
    /// An H.245 PDU for the separate H.245 connection.
    SendH245(Vec<u8>),
    /// Open the separate H.245 connection to the peer's address.
    ConnectH245(SocketAddr),
    /// The call is connected (Connect sent or received).
    Connected,
    /// The media as it now stands: start it, or update it.
    Media(Vec<H323Stream>),
    /// The peer asked for a keyframe (videoFastUpdatePicture).
    PeerWantsKeyframe,
    /// The peer wants at most this bit rate (kbit/s) on our video.
    PeerBitrate(u32),
    /// Digits the peer sent (UserInputIndication).
    Dtmf(String),
    /// The call is over; the connection can close. `peer`: the peer's
    /// Release Complete reason when it ended the call.
    Ended {
        ending: Ending,
        peer: Option<ReleaseReason>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Incoming,
    Outgoing,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Incoming: waiting for Setup.
    Idle,
    /// Outgoing: Setup sent.
    Calling,
    /// Outgoing: Call Proceeding or Alerting received.
    Ringing,
    Active,
    Released,
}

/// How H.245 travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum H245Path {
    /// Not settled yet.
    Unknown,
    Tunnelled,
    /// A separate TCP connection, `up` once connected.
    Tcp {
        up: bool,
    },
}

pub struct Call {
    role: Role,
    state: State,
    endpoint: Endpoint,
    crv: u16,
    call_id: [u8; 16],
    conference_id: [u8; 16],
    local: Option<LocalMedia>,
    path: H245Path,
    control: Option<Control>,
    /// Tunnelled H.245 waiting for the next UUIE.
    tunnel_out: Vec<Vec<u8>>,
    /// H.245 for the separate channel, waiting for it to connect.
    tcp_out: Vec<Vec<u8>>,
    /// Outgoing: our fast start proposals, and whether they were answered.
    proposals: Vec<Vec<u8>>,
    fast_started: bool,
    /// The peer's fast start video channel to us.
    fast_video_in: Option<u16>,
    streams: Vec<H323Stream>,
    /// The media as last reported to the edge.
    reported: Vec<H323Stream>,
    deadline: Option<(Instant, Ending)>,
    /// The peer's name (its Setup or Connect display).
    peer_name: Option<String>,
    out: Vec<Output>,
}

fn random_guid() -> [u8; 16] {
    rand::random()
}

impl Call {
    /// A call that waits for the peer's Setup on a new connection.
    pub fn incoming(endpoint: Endpoint) -> Call {
        Call::new(Role::Incoming, endpoint, 0)
    }

    fn new(role: Role, endpoint: Endpoint, crv: u16) -> Call {
        Call {
            role,
            state: State::Idle,
            endpoint,
            crv,
            call_id: random_guid(),
            conference_id: random_guid(),
            local: None,
            path: H245Path::Unknown,
            control: None,
            tunnel_out: Vec::new(),
            tcp_out: Vec::new(),
            proposals: Vec::new(),
            fast_started: false,
            fast_video_in: None,
            streams: Vec::new(),
            reported: Vec::new(),
            deadline: None,
            peer_name: None,
            out: Vec::new(),
        }
    }

    /// Starts an outgoing call: the Setup to send. `separate_h245`: our
    /// listening address when H.245 is to run on its own connection rather
    /// than tunnelled.
    pub fn outgoing(
        endpoint: Endpoint,
        destination: Vec<Alias>,
        dest_address: Option<SocketAddr>,
        local: LocalMedia,
        separate_h245: Option<SocketAddr>,
        now: Instant,
    ) -> (Call, Vec<Output>) {
        let crv = rand::random::<u16>() & 0x7fff;
        let mut call = Call::new(Role::Outgoing, endpoint, crv.max(1));
        call.state = State::Calling;
        call.local = Some(local);
        if call.endpoint.fast_start {
            call.proposals = fast_start::propose(&call.endpoint.caps, &local);
        }
        call.path = match separate_h245 {
            Some(_) => H245Path::Tcp { up: false },
            None => H245Path::Tunnelled,
        };
        let mut setup = call.signal(Kind::Setup);
        setup.destination = destination.clone();
        setup.source = call.endpoint.aliases.clone();
        setup.dest_signal_address = dest_address;
        setup.source_signal_address = call.endpoint.signal_address;
        setup.fast_start = call.proposals.clone();
        setup.h245_address = separate_h245;
        setup.called_number = destination.iter().find_map(|a| match a {
            Alias::Digits(d) => Some(d.clone()),
            _ => None,
        });
        setup.calling_number = call.endpoint.aliases.iter().find_map(|a| match a {
            Alias::Digits(d) => Some(d.clone()),
            _ => None,
        });
        call.send(setup);
        call.deadline = Some((now + RING_TIMEOUT, Ending::Timeout));
        let out = call.take();
        (call, out)
    }

    pub fn state(&self) -> State {
        self.state
    }

    pub fn role(&self) -> Role {
        self.role
    }

    pub fn call_identifier(&self) -> [u8; 16] {
        self.call_id
    }

    /// The media as negotiated so far.
    pub fn streams(&self) -> &[H323Stream] {
        &self.streams
    }

    /// The peer's name, from its Setup or Connect.
    pub fn peer_name(&self) -> Option<&str> {
        self.peer_name.as_deref()
    }

    /// Whether H.245 runs on a separate connection.
    pub fn separate_h245(&self) -> bool {
        matches!(self.path, H245Path::Tcp { .. })
    }

    fn take(&mut self) -> Vec<Output> {
        std::mem::take(&mut self.out)
    }

    /// Our state in Q.931's numbering (§2.1.1): H.225.0 has no Connect
    /// Acknowledge, so Connect sent or received is Active (10).
    fn q931_state(&self) -> u8 {
        match self.state {
            State::Idle | State::Released => 0,
            State::Calling => 1,
            State::Ringing => 3,
            State::Active => 10,
        }
    }

    /// A message of ours with the call's identity filled in.
    fn signal(&self, kind: Kind) -> Signal {
        let mut s = Signal::new(kind, self.crv, self.role == Role::Incoming);
        s.call_identifier = Some(self.call_id);
        s.conference_id = Some(self.conference_id);
        s.tunnelling = self.path == H245Path::Tunnelled;
        s.mcu = self.endpoint.mcu;
        s.product = Some(self.endpoint.product.clone());
        s.display = Some(self.endpoint.display.clone());
        s
    }

    /// Sends a message, carrying any tunnelled H.245 waiting.
    fn send(&mut self, mut s: Signal) {
        if self.path == H245Path::Tunnelled {
            s.h245_control.append(&mut self.tunnel_out);
        }
        match wire::encode(&s) {
            Ok(bytes) => self.out.push(Output::Send(bytes)),
            Err(e) => tracing::warn!(error = %e, kind = s.kind().as_str(), "cannot encode"),
        }
    }

    /// Tunnelled H.245 that no other message took goes in a Facility.
    fn flush(&mut self) {
        if self.state == State::Released {
            self.tunnel_out.clear();
            return;
        }
        if !self.tunnel_out.is_empty() && matches!(self.state, State::Active | State::Ringing) {
            let mut f = self.signal(Kind::Facility);
            f.facility_reason = Some(FacilityKind::Undefined);
            self.send(f);
        }
        if matches!(self.path, H245Path::Tcp { up: true }) {
            for pdu in self.tcp_out.drain(..) {
                self.out.push(Output::SendH245(pdu));
            }
        }
        if self.streams != self.reported && self.state == State::Active {
            self.reported = self.streams.clone();
            self.out.push(Output::Media(self.streams.clone()));
        }
    }

    /// Ends the call with Release Complete.
    pub fn release(&mut self, ending: Ending) -> Vec<Output> {
        self.release_inner(ending);
        self.take()
    }

    fn release_inner(&mut self, ending: Ending) {
        if self.state == State::Released {
            return;
        }
        if let Some(c) = &mut self.control {
            let pdus = c.end_session();
            self.queue_h245(pdus);
            // Tunnelled, the EndSessionCommand rides in the Release
            // Complete itself: a peer that answered a separate one with its
            // own Release Complete would never see our reason. On a
            // separate channel it goes first.
            if self.path != H245Path::Tunnelled {
                self.flush();
            }
        }
        let mut rc = self.signal(Kind::ReleaseComplete);
        rc.reason = Some(ending.reason());
        rc.cause = Some(ending.cause());
        self.send(rc);
        self.state = State::Released;
        self.out.push(Output::Ended { ending, peer: None });
    }

    fn queue_h245(&mut self, pdus: Vec<Vec<u8>>) {
        match self.path {
            H245Path::Tunnelled => self.tunnel_out.extend(pdus),
            H245Path::Tcp { .. } => self.tcp_out.extend(pdus),
            H245Path::Unknown => self.tunnel_out.extend(pdus),
        }
    }

    /// One Q.931 message from the call signalling connection. Malformed
    /// bytes release the call (cause 95).
    pub fn on_q931(
        &mut self,
        bytes: &[u8],
        now: Instant,
        admission: &mut dyn Admission,
    ) -> Vec<Output> {
        if self.state == State::Released {
            return Vec::new();
        }
        match wire::decode(bytes) {
            Ok(s) => self.on_signal(s, now, admission),
            Err(e) => {
                tracing::info!(error = %e, "malformed call signalling message");
                self.release_inner(Ending::ProtocolError);
            }
        }
        self.flush();
        self.take()
    }

    fn on_signal(&mut self, s: Signal, now: Instant, admission: &mut dyn Admission) {
        let kind = s.kind();
        tracing::debug!(
            kind = kind.as_str(),
            crv = s.call_reference,
            "call signalling in"
        );
        if kind == Kind::Setup {
            if self.role == Role::Incoming && self.state == State::Idle {
                self.on_setup(s, now, admission);
            }
            // A second Setup on the connection is not ours to take.
            return;
        }
        if self.state == State::Idle {
            // Nothing before Setup makes sense.
            self.release_inner(Ending::ProtocolError);
            return;
        }
        if kind == Kind::ReleaseComplete {
            self.state = State::Released;
            let ending = if self.role == Role::Outgoing && self.reported.is_empty() {
                Ending::Rejected
            } else {
                Ending::Normal
            };
            self.out.push(Output::Ended {
                ending,
                peer: s.reason,
            });
            return;
        }
        // H.245 before the rest: a Connect's tunnelled TCS comes with it.
        if self.path == H245Path::Tunnelled {
            // A callee may tunnel its TCS and MSD as early as Call
            // Proceeding; our side of the session must exist to take them.
            if self.role == Role::Outgoing && !s.h245_control.is_empty() {
                self.start_control(now);
            }
            self.feed_control(&s.h245_control, now);
        }
        if self.role == Role::Outgoing {
            if !self.fast_started && !s.fast_start.is_empty() {
                self.accept_fast_start(&s.fast_start);
            }
            if self.path == H245Path::Tunnelled
                && !s.tunnelling
                && matches!(
                    kind,
                    Kind::CallProceeding | Kind::Alerting | Kind::Connect | Kind::Progress
                )
            {
                // The callee turned tunnelling down: H.245 goes on its
                // address, if it gives one.
                self.path = H245Path::Tcp { up: false };
            }
        }
        if let Some(addr) = s.h245_address {
            if matches!(self.path, H245Path::Tcp { up: false } | H245Path::Unknown)
                && !(self.role == Role::Outgoing
                    && self.state == State::Calling
                    && kind == Kind::Facility)
            {
                self.path = H245Path::Tcp { up: false };
                self.out.push(Output::ConnectH245(addr));
            }
        }
        match (self.role, kind) {
            (Role::Outgoing, Kind::CallProceeding | Kind::Alerting | Kind::Progress)
                if self.state == State::Calling =>
            {
                self.state = State::Ringing;
            }
            (Role::Outgoing, Kind::Connect) if self.state != State::Active => {
                self.peer_name = s
                    .display
                    .clone()
                    .filter(|d| !d.trim().is_empty())
                    .or_else(|| {
                        s.destination
                            .iter()
                            .find_map(|a| a.text().map(str::to_string))
                    });
                self.state = State::Active;
                self.out.push(Output::Connected);
                // Fast start may have settled the media in this Connect.
                self.deadline = (!self.fast_started)
                    .then(|| (now + MEDIA_SETUP_TIMEOUT, Ending::NoCommonCapability));
                self.start_control(now);
                if let Some(c) = &mut self.control {
                    let (pdus, events) = c.fast_start_refused(now);
                    self.queue_h245(pdus);
                    self.on_events(events);
                }
            }
            (_, Kind::StatusInquiry) => {
                // Q.931 §5.8.10: Status with cause 30 (response to STATUS
                // ENQUIRY) and our call state; some terminals poll with it
                // and clear the call on any other answer.
                let mut status = self.signal(Kind::Status);
                status.cause = Some(30);
                status.call_state = Some(self.q931_state());
                status.display = None;
                self.send(status);
            }
            _ => {}
        }
    }

    fn on_setup(&mut self, s: Signal, now: Instant, admission: &mut dyn Admission) {
        self.crv = s.call_reference;
        if let Some(id) = s.call_identifier {
            self.call_id = id;
        }
        if let Some(id) = s.conference_id {
            self.conference_id = id;
        }
        let mut dialled: Vec<String> = s
            .destination
            .iter()
            .filter_map(|a| a.text().map(dial_text))
            .collect();
        if let Some(n) = &s.called_number {
            dialled.push(n.clone());
        }
        dialled.retain(|d| !d.is_empty());
        let remote = s
            .source
            .iter()
            .find_map(|a| a.text().map(str::to_string))
            .or_else(|| s.source_signal_address.map(|a| a.to_string()))
            .unwrap_or_default();
        let caller = s
            .display
            .clone()
            .filter(|d| !d.trim().is_empty())
            .unwrap_or_else(|| remote.clone());
        self.peer_name = Some(caller.clone());
        let req = AdmitRequest {
            dialled,
            caller,
            remote,
        };
        let local = match admission.admit(&req) {
            Ok(l) => l,
            Err(e) => {
                self.release_inner(e);
                return;
            }
        };
        self.local = Some(local);
        if let Some((aliases, display)) = admission.identity() {
            self.endpoint.aliases = aliases;
            self.endpoint.display = display;
        }
        self.path = if s.tunnelling {
            H245Path::Tunnelled
        } else {
            H245Path::Tcp { up: false }
        };
        let mut answers = Vec::new();
        let mut refused = false;
        if !s.fast_start.is_empty() {
            match fast_start::answer(&s.fast_start, &self.endpoint.caps, &local) {
                Some((a, settled)) => {
                    answers = a;
                    self.streams = settled.streams;
                    self.fast_video_in = settled.video_in;
                    self.fast_started = true;
                }
                None => refused = true,
            }
        }
        self.start_control(now);
        if self.path == H245Path::Tunnelled {
            self.feed_control(&s.h245_control, now);
        }
        let proceeding = self.signal(Kind::CallProceeding);
        self.send(proceeding);
        let alerting = self.signal(Kind::Alerting);
        self.send(alerting);
        let mut connect = self.signal(Kind::Connect);
        connect.destination = self.endpoint.aliases.clone();
        connect.fast_start = answers;
        connect.fast_connect_refused = refused;
        match (self.path, s.h245_address) {
            (H245Path::Tcp { .. }, Some(addr)) => self.out.push(Output::ConnectH245(addr)),
            (H245Path::Tcp { .. }, None) => connect.h245_address = admission.h245_listener(),
            _ => {}
        }
        self.send(connect);
        self.state = State::Active;
        self.out.push(Output::Connected);
        if !self.fast_started {
            self.deadline = Some((now + MEDIA_SETUP_TIMEOUT, Ending::NoCommonCapability));
        }
    }

    fn accept_fast_start(&mut self, answers: &[Vec<u8>]) {
        let Some(local) = self.local else { return };
        if let Some(settled) = fast_start::accept(answers, &local) {
            self.streams = settled.streams;
            self.fast_video_in = settled.video_in;
            self.fast_started = true;
            if let Some(c) = &mut self.control {
                c.fast_started(settled.video_in);
            }
            if self.state == State::Active {
                self.deadline = None;
            }
        }
    }

    fn start_control(&mut self, now: Instant) {
        if self.control.is_some() {
            return;
        }
        let Some(local) = self.local else { return };
        let mut c = Control::new(
            self.endpoint.caps.clone(),
            local,
            self.endpoint.mcu,
            self.fast_started,
            now,
        );
        if self.fast_started {
            c.fast_started(self.fast_video_in);
        } else if self.role == Role::Outgoing
            && !self.proposals.is_empty()
            && self.state != State::Active
        {
            c.await_fast_start();
        }
        let pdus = c.start(now);
        self.control = Some(c);
        self.queue_h245(pdus);
    }

    fn feed_control(&mut self, pdus: &[Vec<u8>], now: Instant) {
        for pdu in pdus {
            let Some(c) = &mut self.control else { return };
            let (out, events) = c.on_pdu(pdu, now);
            self.queue_h245(out);
            self.on_events(events);
            if self.state == State::Released {
                return;
            }
        }
    }

    fn on_events(&mut self, events: Vec<ControlEvent>) {
        for ev in events {
            match ev {
                ControlEvent::Media(streams) => {
                    // Fast start settled the media; logical channels opened
                    // later (a peer that refused or ignored fast start)
                    // take over.
                    if !streams.is_empty() {
                        self.streams = streams;
                        if self
                            .deadline
                            .is_some_and(|(_, e)| e == Ending::NoCommonCapability)
                        {
                            self.deadline = None;
                        }
                    }
                }
                ControlEvent::FastUpdate => self.out.push(Output::PeerWantsKeyframe),
                ControlEvent::Bitrate(kbps) => self.out.push(Output::PeerBitrate(kbps)),
                ControlEvent::Dtmf(d) => self.out.push(Output::Dtmf(d)),
                ControlEvent::NoCommonCapability => {
                    if !self.fast_started {
                        self.release_inner(Ending::NoCommonCapability);
                    }
                }
                ControlEvent::EndSession => self.release_inner(Ending::Normal),
                ControlEvent::Failed => self.release_inner(Ending::ProtocolError),
            }
        }
    }

    /// One PDU from the separate H.245 connection.
    pub fn on_h245(&mut self, pdu: &[u8], now: Instant) -> Vec<Output> {
        if self.state != State::Released {
            self.feed_control(&[pdu.to_vec()], now);
            self.flush();
        }
        self.take()
    }

    /// The separate H.245 connection is up: what waited for it goes.
    pub fn h245_connected(&mut self, now: Instant) -> Vec<Output> {
        self.path = H245Path::Tcp { up: true };
        self.start_control(now);
        self.flush();
        self.take()
    }

    /// Timers: ring and media set-up deadlines, H.245 procedures.
    pub fn on_timer(&mut self, now: Instant) -> Vec<Output> {
        if self.state == State::Released {
            return Vec::new();
        }
        if let Some((at, ending)) = self.deadline {
            if now >= at {
                self.deadline = None;
                self.release_inner(ending);
                return self.take();
            }
        }
        if let Some(c) = &mut self.control {
            let (out, events) = c.on_timer(now);
            self.queue_h245(out);
            self.on_events(events);
        }
        self.flush();
        self.take()
    }

    /// The mixer wants a keyframe from the peer.
    pub fn ask_keyframe(&mut self) -> Vec<Output> {
        if let Some(c) = &mut self.control {
            let pdus = c.fast_update();
            self.queue_h245(pdus);
        }
        self.flush();
        self.take()
    }

    /// Sends DTMF digits to the peer (UserInputIndication).
    pub fn send_dtmf(&mut self, digits: &str) -> Vec<Output> {
        if let Some(c) = &mut self.control {
            let pdus = c.user_input(digits);
            self.queue_h245(pdus);
        }
        self.flush();
        self.take()
    }
}

/// The dial string of an alias: a URL's user part (`h323:1000@host` →
/// `1000`), else the text.
fn dial_text(s: &str) -> String {
    let s = s.trim();
    let s = s
        .strip_prefix("h323:")
        .or_else(|| s.strip_prefix("H323:"))
        .unwrap_or(s);
    s.split('@').next().unwrap_or(s).to_string()
}

#[cfg(test)]
mod tests;
