//! What the HTTP admin API can see and ask of the daemon. The SIP endpoint
//! and room manager implement [`Views`] and serve [`Command`]s; the HTTP layer
//! knows nothing else about them.

use serde::Serialize;
use tokio::sync::oneshot;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RegistrationView {
    pub protocol: &'static str,
    pub username: String,
    pub display_name: String,
    pub contacts: Vec<ContactView>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ContactView {
    pub uri: String,
    /// Where the REGISTER came from (transport:ip:port).
    pub source: String,
    pub expires_in_secs: u64,
    pub user_agent: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RoomView {
    pub number: String,
    pub name: String,
    pub has_pin: bool,
    pub max_participants: u32,
    pub layout: String,
    /// Everyone sees the same picture (self included), sharing encoders.
    pub same_picture: bool,
    /// Participant id of the active speaker (from audio levels).
    pub active_speaker: Option<u64>,
    pub participants: Vec<ParticipantView>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ParticipantView {
    pub id: u64,
    pub display_name: String,
    pub protocol: &'static str,
    /// `inbound` (dialled the room) or `outbound` (dialled out by the gateway).
    pub direction: &'static str,
    /// `ringing`, `connected`, `on_hold`.
    pub state: &'static str,
    pub remote_uri: String,
    pub call_id: String,
    pub connected_secs: u64,
    /// Its audio is left out of the mix (operator's mute).
    pub muted: bool,
    pub streams: Vec<StreamView>,
    /// Whose tiles the mixer puts on the picture it sends this participant,
    /// in tile order; empty while it sends no video.
    pub video_tiles: Vec<u64>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct StreamView {
    pub kind: &'static str,
    pub codec: String,
    pub payload_type: u8,
    pub local_port: u16,
    pub remote: Option<String>,
    pub direction: String,
    pub packets_received: u64,
    pub packets_lost: u64,
    pub jitter_ms: f64,
    pub bitrate_kbps: f64,
    pub rtcp_packets_received: u64,
}

/// Read-only snapshots for the API.
pub trait Views: Send + Sync + 'static {
    fn registrations(&self) -> Vec<RegistrationView>;
    fn rooms(&self) -> Vec<RoomView>;
    fn room(&self, number: &str) -> Option<RoomView> {
        self.rooms().into_iter().find(|r| r.number == number)
    }
}

/// Whom to dial out to.
#[derive(Debug, Clone, PartialEq)]
pub enum DialTarget {
    /// A registered terminal, by username.
    Terminal(String),
    /// Any SIP URI (`sip:user@host:port;transport=tcp`).
    Uri(String),
    /// An H.323 terminal: an alias registered with our gatekeeper, or an
    /// address `ip[:port]` (port 1720 when absent).
    H323(String),
}

/// Why a command failed; the HTTP layer maps these to status codes.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CommandError {
    #[error("room {0} not found")]
    NoSuchRoom(String),
    #[error("participant {0} not found")]
    NoSuchParticipant(u64),
    #[error("terminal {0} is not registered")]
    NotRegistered(String),
    #[error("room {0} is full")]
    RoomFull(String),
    #[error("invalid target: {0}")]
    InvalidTarget(String),
    #[error("participant {0} has no media in the mixer yet (still ringing?)")]
    NoMedia(u64),
    #[error("{0}")]
    Internal(String),
}

/// A change to a room's media, from the operator.
#[derive(Debug, Clone, PartialEq)]
pub enum MediaAction {
    /// The room's video layout for every receiver.
    Layout(diemcau_mixer::video::Layout),
    /// "Same picture for all" (shared encoders) on or off.
    SamePicture(bool),
    /// Mute or unmute what a participant contributes to the mix.
    Mute { participant: u64, muted: bool },
    /// Send the participant a keyframe now.
    Keyframe { participant: u64 },
}

/// Actions the API asks of the daemon; answered on the oneshot.
#[derive(Debug)]
pub enum Command {
    /// Start a call from the room to the target. Answers as soon as the
    /// INVITE is sent, with the new participant (state `ringing`).
    DialOut {
        room: String,
        target: DialTarget,
        reply: oneshot::Sender<Result<ParticipantView, CommandError>>,
    },
    /// End a participant's call (BYE, or CANCEL while ringing).
    HangUp {
        room: String,
        participant: u64,
        reply: oneshot::Sender<Result<(), CommandError>>,
    },
    /// Change the room's media (layout, picture mode, mute, keyframe).
    Media {
        room: String,
        action: MediaAction,
        reply: oneshot::Sender<Result<(), CommandError>>,
    },
}
