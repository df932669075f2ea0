//! The H.245 control session of one H.323 call, sans-IO.
//!
//! [`Session`] is fed the peer's messages ([`Session::handle_bytes`] for
//! aligned PER, [`Session::handle_message`] for decoded ones) and the time
//! ([`Session::handle_timeout`] at [`Session::poll_timeout`]); it queues
//! the encoded messages to send ([`Session::poll_transmit`]) and the
//! [`Event`]s for the call ([`Session::poll_event`]). The caller drives it
//! the same way whether H.245 is tunnelled in H.225.0 (`h245Control`
//! OCTET STRINGs, one message each) or runs on its own TCP connection
//! (one message per TPKT).
//!
//! Procedures (H.245 §8 and Annex C):
//! - capability exchange: [`Session::start`] sends our TerminalCapabilitySet
//!   (sequence numbers from 1); the peer's is acked (or rejected when a
//!   descriptor names an undefined entry) and given as
//!   [`Event::PeerCapabilities`]; no Ack within [`Config::timeout`]: TCS
//!   Release and [`Event::Failed`];
//! - master/slave determination: terminal type and a random 24-bit number,
//!   retried on identical numbers up to [`Config::msd_retries`];
//!   [`Event::MasterSlave`] with the result;
//! - logical channels: [`Session::open_channel`] (our media to the peer;
//!   [`Event::ChannelOpened`] with the peer's RTP/RTCP addresses when
//!   acked, [`Event::ChannelRejected`] otherwise); the peer's
//!   OpenLogicalChannel is checked against our capabilities (rejected with
//!   the right cause if we cannot take it) and offered as
//!   [`Event::ChannelOpenRequested`], which the caller answers with
//!   [`Session::accept_channel`] (our RTP/RTCP addresses) or
//!   [`Session::reject_channel`]; CloseLogicalChannel and
//!   RequestChannelClose both ways;
//! - commands and indications: videoFastUpdatePicture both ways,
//!   FlowControlCommand (bit rate), UserInputIndication (alphanumeric and
//!   signal: DTMF), EndSessionCommand;
//! - keep-alive: a RoundTripDelayRequest every
//!   [`Config::round_trip_interval`], [`Event::RoundTripDelay`] on each
//!   answer, [`Event::Failed`] with [`Failure::PeerGone`] after
//!   [`Config::round_trip_max_missed`] unanswered ones; the peer's
//!   requests are answered.
//!
//! Requests and commands we do not handle are answered with
//! FunctionNotUnderstood; undecodable bytes and responses to nothing we
//! asked are dropped and logged. Nothing from the network panics.
//!
//! [`fast_start`] builds and parses the fastStart OpenLogicalChannel
//! elements of H.225.0 Setup/Connect.

pub mod caps;
pub mod fast_start;
mod session;

pub use diemcau_codecs::h245::{
    CapabilitySet, ChannelCodec, MediaCapability, RemoteMedia, UserInputSupport,
};
pub use session::Session;

use std::net::SocketAddr;
use std::time::Duration;

use diemcau_codecs::catalogue::MediaKind;

/// H.323 terminal types (H.323 Table 1) for master/slave determination: an
/// MCU with MC and MP; the highest value wins, so we are master against
/// terminals (50) and gateways (60).
pub const TERMINAL_TYPE_MCU: u8 = 190;

/// Session settings.
#[derive(Debug, Clone)]
pub struct Config {
    /// What we announce and accept (`codecs::h245::local_capability_set`).
    pub capabilities: CapabilitySet,
    /// H.323 terminal type for master/slave determination.
    pub terminal_type: u8,
    /// How long a request waits for its response (T101, T103, T106, T108,
    /// T109 of H.245 Annex C).
    pub timeout: Duration,
    /// Master/slave determinations retried on identical numbers (N100).
    pub msd_retries: u32,
    /// Keep-alive period; `None`: no RoundTripDelayRequests of ours.
    pub round_trip_interval: Option<Duration>,
    /// Unanswered RoundTripDelayRequests after which the peer is gone.
    pub round_trip_max_missed: u32,
}

impl Config {
    /// Our usual settings for a capability set.
    pub fn new(capabilities: CapabilitySet) -> Config {
        Config {
            capabilities,
            terminal_type: TERMINAL_TYPE_MCU,
            timeout: Duration::from_secs(30),
            msd_retries: 3,
            round_trip_interval: Some(Duration::from_secs(10)),
            round_trip_max_missed: 3,
        }
    }
}

/// Our status after master/slave determination.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MasterSlave {
    Master,
    Slave,
}

/// A logical channel of ours to open: what we send, to which session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingChannel {
    pub codec: ChannelCodec,
    /// RTP session: 1 audio, 2 video (H.245 §7.2.2 primary sessions).
    pub session_id: u8,
    /// Our RTCP address (`mediaControlChannel`): where the peer sends its
    /// receiver reports for this stream.
    pub local_rtcp: Option<SocketAddr>,
}

/// The session of a media kind (H.245: 1 audio, 2 video).
pub fn session_id(kind: MediaKind) -> u8 {
    match kind {
        MediaKind::Audio => 1,
        MediaKind::Video => 2,
    }
}

/// Why the peer refused a channel of ours (`OpenLogicalChannelReject`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RejectCause {
    Unspecified,
    UnsuitableReverseParameters,
    DataTypeNotSupported,
    DataTypeNotAvailable,
    UnknownDataType,
    InsufficientBandwidth,
    InvalidSessionId,
    MasterSlaveConflict,
    /// Any other cause, or no answer in time.
    Other,
}

/// Why the session failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// No RoundTripDelayResponse to the last N requests.
    PeerGone,
    /// No answer to our TerminalCapabilitySet in time.
    CapabilityExchangeTimeout,
    /// The peer rejected our TerminalCapabilitySet.
    CapabilitiesRejected,
    /// Master/slave determination failed (identical numbers N100 times,
    /// contradicting answers, or no answer).
    MasterSlaveDetermination,
}

/// What the session tells the call.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// The peer's capability set (acked already). An empty set (no table)
    /// asks us to stop sending (H.245 §8.4.6, third-party pause).
    PeerCapabilities(CapabilitySet),
    /// Master/slave determination done.
    MasterSlave(MasterSlave),
    /// The peer opens a channel to us; answer with
    /// [`Session::accept_channel`] or [`Session::reject_channel`].
    ChannelOpenRequested {
        channel: u16,
        session_id: u8,
        codec: ChannelCodec,
        /// The peer's RTCP address for this stream, if given.
        remote_rtcp: Option<SocketAddr>,
    },
    /// Our channel was acked: where to send RTP and RTCP.
    ChannelOpened {
        channel: u16,
        session_id: u8,
        remote: RemoteMedia,
    },
    /// Our channel was refused (or not answered in time).
    ChannelRejected {
        channel: u16,
        cause: RejectCause,
    },
    /// A channel is closed: ours (`outgoing`, by us or at the peer's
    /// request) or the peer's.
    ChannelClosed {
        channel: u16,
        outgoing: bool,
    },
    /// The peer refused to close one of its channels we asked it to close.
    ChannelCloseRefused {
        channel: u16,
    },
    /// The peer asks for an intra picture on one of our channels.
    FastUpdateRequested {
        channel: u16,
    },
    /// The peer limits our bit rate: `channel` `None` for the whole
    /// multiplex, `max_kbps` `None` for no restriction.
    FlowControl {
        channel: Option<u16>,
        max_kbps: Option<u32>,
    },
    /// User input (DTMF digits or text).
    UserInput(String),
    /// A round-trip delay measured.
    RoundTripDelay(Duration),
    /// The peer ended the session (EndSessionCommand).
    EndSession,
    Failed(Failure),
}

#[cfg(test)]
mod tests;
