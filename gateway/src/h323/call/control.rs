//! The call's H.245 control: the H245 helper's sans-IO [`Session`] as the
//! call drives it, whether its PDUs travel tunnelled in H.225.0 or on their
//! own TCP connection. Here the session's events become the call's: the
//! logical channels both ways become the media per kind (when fast start
//! did not settle it), fast update, flow control and user input pass
//! through.

use std::net::SocketAddr;
use std::time::Instant;

use diemcau_codecs::catalogue::{Capabilities, CodecName, MediaKind};
use diemcau_codecs::h245::{
    choose_transmit, local_capability_set, ChannelCodec, MediaCapability, RemoteMedia,
};

use super::fast_start;
use super::LocalMedia;
use crate::h323::h245::{self, Event, OutgoingChannel, Session};
use crate::h323::media::H323Stream;

/// H.323 terminal type of a plain terminal (H.323 Table 1), for the test
/// caller.
const TERMINAL_TYPE_TERMINAL: u8 = 50;

/// What the H.245 session tells the call.
#[derive(Debug, Clone, PartialEq)]
pub enum ControlEvent {
    /// Logical channels changed the media (opened, acknowledged, closed).
    Media(Vec<H323Stream>),
    /// videoFastUpdatePicture from the peer.
    FastUpdate,
    /// FlowControlCommand: the most the peer wants, kbit/s.
    Bitrate(u32),
    /// UserInputIndication digits.
    Dtmf(String),
    /// The capability sets share no codec.
    NoCommonCapability,
    /// EndSessionCommand from the peer.
    EndSession,
    /// A procedure failed for good (no answer, rejected, peer gone).
    Failed,
}

#[derive(Debug, Clone)]
struct OurChannel {
    number: u16,
    kind: MediaKind,
    codec: ChannelCodec,
    remote: Option<RemoteMedia>,
}

#[derive(Debug, Clone)]
struct PeerChannel {
    number: u16,
    kind: MediaKind,
    codec: ChannelCodec,
    rtcp: Option<SocketAddr>,
}

/// One H.245 session; PDUs in and out are aligned PER.
pub struct Control {
    session: Session,
    caps: Capabilities,
    local: LocalMedia,
    /// Fast start settled the media: no logical channels of ours.
    fast_started: bool,
    /// The peer's video channel to us from fast start (for fast update).
    fast_start_video_in: Option<u16>,
    ours: Vec<OurChannel>,
    theirs: Vec<PeerChannel>,
    opened: bool,
    /// Our fast start proposals are out, unanswered: the peer's
    /// capabilities wait here until we know whether channels are needed.
    awaiting_fast_start: bool,
    held: Option<h245::CapabilitySet>,
}

type Step = (Vec<Vec<u8>>, Vec<ControlEvent>);

fn kind_of(session_id: u8, codec: &ChannelCodec) -> MediaKind {
    match session_id {
        1 => MediaKind::Audio,
        2 => MediaKind::Video,
        _ => codec.capability.kind(),
    }
}

impl Control {
    pub fn new(
        caps: Capabilities,
        local: LocalMedia,
        mcu: bool,
        fast_started: bool,
        now: Instant,
    ) -> Control {
        let mut config = h245::Config::new(local_capability_set(&caps));
        if !mcu {
            config.terminal_type = TERMINAL_TYPE_TERMINAL;
        }
        Control {
            session: Session::new(config, now),
            caps,
            local,
            fast_started,
            fast_start_video_in: None,
            ours: Vec::new(),
            theirs: Vec::new(),
            opened: false,
            awaiting_fast_start: false,
            held: None,
        }
    }

    /// Fast start settled the media after the session was made.
    pub fn fast_started(&mut self, video_in: Option<u16>) {
        self.fast_started = true;
        self.awaiting_fast_start = false;
        self.held = None;
        self.fast_start_video_in = video_in;
    }

    /// We proposed fast start and have no answer yet: logical channels
    /// wait for [`Control::fast_start_refused`].
    pub fn await_fast_start(&mut self) {
        self.awaiting_fast_start = !self.fast_started;
    }

    /// The Connect came without a fast start answer: our logical channels
    /// open now, for the capabilities the peer already sent.
    pub fn fast_start_refused(&mut self, now: Instant) -> Step {
        let mut events = Vec::new();
        if self.awaiting_fast_start {
            self.awaiting_fast_start = false;
            if let Some(set) = self.held.take() {
                self.open_for(&set, now, &mut events);
            }
        }
        (self.drain(), events)
    }

    fn drain(&mut self) -> Vec<Vec<u8>> {
        std::iter::from_fn(|| self.session.poll_transmit()).collect()
    }

    /// Our opening PDUs (TerminalCapabilitySet, MasterSlaveDetermination).
    pub fn start(&mut self, now: Instant) -> Vec<Vec<u8>> {
        self.session.start(now);
        self.drain()
    }

    pub fn on_pdu(&mut self, pdu: &[u8], now: Instant) -> Step {
        if let Err(e) = self.session.handle_bytes(pdu, now) {
            // The session answers what it understood; bytes it cannot
            // decode are dropped (H.245 §8: no answer to garbage).
            tracing::info!(error = %e, "undecodable H.245 dropped");
        }
        let events = self.events(now);
        (self.drain(), events)
    }

    pub fn on_timer(&mut self, now: Instant) -> Step {
        if self.session.poll_timeout().is_some_and(|t| t <= now) {
            self.session.handle_timeout(now);
        }
        let events = self.events(now);
        (self.drain(), events)
    }

    fn media(&self) -> Vec<H323Stream> {
        [MediaKind::Audio, MediaKind::Video]
            .into_iter()
            .filter_map(|kind| {
                let send = self
                    .ours
                    .iter()
                    .find(|c| c.kind == kind && c.remote.is_some());
                let recv = self.theirs.iter().find(|c| c.kind == kind);
                let remote = RemoteMedia {
                    rtp: send.and_then(|c| c.remote.and_then(|r| r.rtp)),
                    rtcp: send
                        .and_then(|c| c.remote.and_then(|r| r.rtcp))
                        .or(recv.and_then(|c| c.rtcp)),
                };
                fast_start::stream(kind, send.map(|c| &c.codec), recv.map(|c| &c.codec), remote)
            })
            .collect()
    }

    /// Our channel for a kind: what the peer receives, in the codec it
    /// sends us when it takes it (the mixer has one codec per kind).
    fn open_ours(&mut self, peer: &h245::CapabilitySet, now: Instant) -> bool {
        let mut any = false;
        for kind in [MediaKind::Audio, MediaKind::Video] {
            let Some((_, rtcp)) = self.local.of(kind) else {
                continue;
            };
            if self.ours.iter().any(|c| c.kind == kind) {
                continue;
            }
            let mut caps = self.caps.clone();
            if let Some(theirs) = self.theirs.iter().find(|c| c.kind == kind) {
                let name = theirs.codec.capability.codec();
                let list = match kind {
                    MediaKind::Audio => &mut caps.audio,
                    MediaKind::Video => &mut caps.video,
                };
                list.retain(|c| *c != name);
                list.insert(0, name);
            }
            let Some(capability) = choose_transmit(peer, &caps, kind) else {
                continue;
            };
            let dynamic_payload_type = match &capability {
                MediaCapability::H264(h) => Some(if h.packetization_mode == 1 {
                    diemcau_codecs::catalogue::payload_types::H264_MODE1
                } else {
                    diemcau_codecs::catalogue::payload_types::H264_MODE0
                }),
                _ => None,
            };
            let codec = ChannelCodec {
                capability,
                dynamic_payload_type,
            };
            let number = self.session.open_channel(
                OutgoingChannel {
                    codec: codec.clone(),
                    session_id: h245::session_id(kind),
                    local_rtcp: Some(rtcp),
                },
                now,
            );
            self.ours.push(OurChannel {
                number,
                kind,
                codec,
                remote: None,
            });
            any = true;
        }
        any
    }

    /// Opens our channels once, for the peer's first non-empty set.
    fn open_for(&mut self, set: &h245::CapabilitySet, now: Instant, out: &mut Vec<ControlEvent>) {
        if self.fast_started || self.opened || set.entries.is_empty() {
            return;
        }
        self.opened = true;
        let speaks = |k: MediaKind| set.receivable(k).next().is_some();
        if !self.open_ours(set, now) && (speaks(MediaKind::Audio) || speaks(MediaKind::Video)) {
            out.push(ControlEvent::NoCommonCapability);
        }
    }

    fn events(&mut self, now: Instant) -> Vec<ControlEvent> {
        let mut out = Vec::new();
        let mut media_changed = false;
        while let Some(ev) = self.session.poll_event() {
            match ev {
                Event::PeerCapabilities(set) => {
                    if self.awaiting_fast_start {
                        self.held = Some(set);
                    } else {
                        self.open_for(&set, now, &mut out);
                    }
                }
                Event::ChannelOpenRequested {
                    channel,
                    session_id,
                    codec,
                    remote_rtcp,
                } => {
                    let kind = kind_of(session_id, &codec);
                    let Some((rtp, rtcp)) = self.local.of(kind) else {
                        let _ = self
                            .session
                            .reject_channel(channel, h245::RejectCause::DataTypeNotSupported);
                        continue;
                    };
                    if self
                        .session
                        .accept_channel(channel, rtp, Some(rtcp))
                        .is_ok()
                    {
                        self.theirs.retain(|c| c.kind != kind);
                        self.theirs.push(PeerChannel {
                            number: channel,
                            kind,
                            codec,
                            rtcp: remote_rtcp,
                        });
                        media_changed = true;
                    }
                }
                Event::ChannelOpened {
                    channel, remote, ..
                } => {
                    if let Some(c) = self.ours.iter_mut().find(|c| c.number == channel) {
                        c.remote = Some(remote);
                        media_changed = true;
                    }
                }
                Event::ChannelRejected { channel, cause } => {
                    tracing::info!(channel, ?cause, "our H.245 logical channel was refused");
                    self.ours.retain(|c| c.number != channel);
                }
                Event::ChannelClosed { channel, outgoing } => {
                    if outgoing {
                        self.ours.retain(|c| c.number != channel);
                    } else {
                        self.theirs.retain(|c| c.number != channel);
                    }
                    media_changed = true;
                }
                Event::FastUpdateRequested { .. } => out.push(ControlEvent::FastUpdate),
                Event::FlowControl {
                    max_kbps: Some(k), ..
                } => out.push(ControlEvent::Bitrate(k)),
                Event::FlowControl { .. } => {}
                Event::UserInput(s) => out.push(ControlEvent::Dtmf(s)),
                Event::EndSession => out.push(ControlEvent::EndSession),
                Event::Failed(f) => {
                    tracing::info!(failure = ?f, "H.245 session failed");
                    out.push(ControlEvent::Failed);
                }
                Event::MasterSlave(_)
                | Event::RoundTripDelay(_)
                | Event::ChannelCloseRefused { .. } => {}
            }
        }
        if media_changed && !self.fast_started {
            out.insert(0, ControlEvent::Media(self.media()));
        }
        out
    }

    pub fn end_session(&mut self) -> Vec<Vec<u8>> {
        if !self.session.is_ended() {
            self.session.end_session();
        }
        self.drain()
    }

    /// Asks the peer for an intra picture on its video channel to us.
    pub fn fast_update(&mut self) -> Vec<Vec<u8>> {
        let channel = self
            .theirs
            .iter()
            .find(|c| c.kind == MediaKind::Video)
            .map(|c| c.number)
            .or(self.fast_start_video_in);
        if let Some(c) = channel {
            self.session.send_fast_update(c);
        }
        self.drain()
    }

    pub fn user_input(&mut self, digits: &str) -> Vec<Vec<u8>> {
        self.session.send_user_input(digits);
        self.drain()
    }

    /// Whether the peer speaks a codec (for tests and traces).
    pub fn peer_has(&self, name: CodecName) -> bool {
        self.session
            .peer_capabilities()
            .is_some_and(|s| s.entries.iter().any(|e| e.capability.codec() == name))
    }
}
