//! Rooms as the daemon sees them: the configured room, its media room in the
//! mixer, and the participants' call metadata shown by the API. The SIP core
//! mutates this; the HTTP API reads snapshots of it.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use diemcau_mixer::room::MediaRoom;

use crate::config::RoomConfig;
use crate::control::{ParticipantView, RoomView, StreamView};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallDirection {
    Inbound,
    Outbound,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParticipantState {
    Ringing,
    Connected,
    OnHold,
    /// Connected into the lobby, typing the room PIN (H.323 DTMF).
    AwaitingPin,
}

/// A negotiated stream as the API shows it.
#[derive(Debug, Clone)]
pub struct StreamInfo {
    pub kind: &'static str,
    pub codec: String,
    pub payload_type: u8,
    pub local_port: u16,
    pub direction: String,
}

#[derive(Debug, Clone)]
pub struct Participant {
    pub id: u64,
    pub display_name: String,
    pub protocol: &'static str,
    pub direction: CallDirection,
    pub state: ParticipantState,
    pub remote_uri: String,
    pub call_id: String,
    pub connected_at: Option<Instant>,
    pub streams: Vec<StreamInfo>,
    /// Muted by the operator.
    pub muted: bool,
}

pub struct Room {
    pub config: RoomConfig,
    pub media: Arc<MediaRoom>,
    pub participants: BTreeMap<u64, Participant>,
    /// Set when a reload dropped the room from the config: it takes no new
    /// calls and disappears once its last participant leaves.
    pub retired: bool,
}

impl Room {
    pub fn is_full(&self) -> bool {
        self.participants.len() as u64 >= u64::from(self.config.max_participants)
    }

    pub fn view(&self) -> RoomView {
        RoomView {
            number: self.config.number.clone(),
            name: self.config.name.clone(),
            has_pin: self.config.pin.is_some(),
            max_participants: self.config.max_participants,
            layout: self.config.layout.to_string(),
            same_picture: self.config.same_picture,
            active_speaker: self.media.active_speaker(),
            participants: self
                .participants
                .values()
                .map(|p| self.participant_view(p))
                .collect(),
        }
    }

    pub fn participant_view(&self, p: &Participant) -> ParticipantView {
        let stats = self.media.participant_stats(p.id);
        let video_tiles = self
            .media
            .video()
            .views()
            .get(&p.id)
            .map(|tiles| tiles.iter().map(|t| t.participant).collect())
            .unwrap_or_default();
        ParticipantView {
            id: p.id,
            display_name: p.display_name.clone(),
            protocol: p.protocol,
            direction: match p.direction {
                CallDirection::Inbound => "inbound",
                CallDirection::Outbound => "outbound",
            },
            state: match p.state {
                ParticipantState::Ringing => "ringing",
                ParticipantState::Connected => "connected",
                ParticipantState::OnHold => "on_hold",
                ParticipantState::AwaitingPin => "awaiting_pin",
            },
            remote_uri: p.remote_uri.clone(),
            call_id: p.call_id.clone(),
            connected_secs: p.connected_at.map(|t| t.elapsed().as_secs()).unwrap_or(0),
            muted: p.muted,
            streams: p
                .streams
                .iter()
                .map(|s| {
                    let st = stats.iter().find(|x| x.local_rtp_port == s.local_port);
                    StreamView {
                        kind: s.kind,
                        codec: s.codec.clone(),
                        payload_type: s.payload_type,
                        local_port: s.local_port,
                        remote: st
                            .and_then(|x| x.latched_rtp.or(x.remote_rtp))
                            .map(|a| a.to_string()),
                        direction: s.direction.clone(),
                        packets_received: st.map(|x| x.packets).unwrap_or(0),
                        packets_lost: st.map(|x| x.lost).unwrap_or(0),
                        jitter_ms: st.map(|x| x.jitter_ms).unwrap_or(0.0),
                        bitrate_kbps: st.map(|x| x.bitrate_kbps).unwrap_or(0.0),
                        rtcp_packets_received: st.map(|x| x.rtcp_packets).unwrap_or(0),
                    }
                })
                .collect(),
            video_tiles,
        }
    }
}

/// Why a participant that is not a SIP call has to go; the SIP core,
/// which hears the mixer's events and the operator's commands, hands these
/// to the participant's owner (the WebRTC service, the H.323 signalling).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeaveReason {
    MediaTimeout,
    Operator,
}

pub type LeaveSender = tokio::sync::mpsc::UnboundedSender<(u64, LeaveReason)>;

/// Where the mixer's keyframe wishes for a participant go: the owner asks
/// its peer by signalling (H.245 videoFastUpdatePicture).
pub type KeyframeSender = tokio::sync::mpsc::UnboundedSender<u64>;

/// The service that owns the participants of one non-SIP protocol.
#[derive(Debug, Clone)]
pub struct Owner {
    pub leave: LeaveSender,
    /// None: the protocol needs no signalling for keyframes (WebRTC peers
    /// get RTCP PLI from the media path).
    pub keyframe: Option<KeyframeSender>,
}

/// All rooms, keyed by number.
#[derive(Default)]
pub struct Rooms {
    pub rooms: BTreeMap<String, Room>,
    /// Last participant id handed out: ids are unique across protocols.
    last_id: u64,
    /// The owners of non-SIP participants, by `Participant::protocol`.
    owners: BTreeMap<&'static str, Owner>,
}

impl Rooms {
    /// A fresh participant id.
    pub fn allocate_id(&mut self) -> u64 {
        self.last_id += 1;
        self.last_id
    }

    /// Registers (or replaces) the owner of `protocol`'s participants.
    pub fn set_owner(&mut self, protocol: &'static str, owner: Owner) {
        self.owners.insert(protocol, owner);
    }

    /// The owner of a participant of `room`, if it is not a SIP call.
    fn owner_of(&self, room: &str, participant: u64) -> Option<&Owner> {
        let p = self.rooms.get(room)?.participants.get(&participant)?;
        if p.protocol == "sip" {
            return None;
        }
        self.owners.get(p.protocol)
    }

    /// Asks the owner of a non-SIP participant to remove it; false when
    /// no such participant is in the room.
    pub fn ask_to_leave(&self, room: &str, participant: u64, reason: LeaveReason) -> bool {
        self.owner_of(room, participant)
            .is_some_and(|o| o.leave.send((participant, reason)).is_ok())
    }

    /// Hands the mixer's wish for a keyframe from a non-SIP participant to
    /// its owner; false when nobody takes it.
    pub fn ask_for_keyframe(&self, room: &str, participant: u64) -> bool {
        self.owner_of(room, participant)
            .and_then(|o| o.keyframe.as_ref())
            .is_some_and(|k| k.send(participant).is_ok())
    }

    /// The room a dialled number or alias names (retired rooms take no calls).
    pub fn find_mut(&mut self, number_or_alias: &str) -> Option<&mut Room> {
        let key = self
            .rooms
            .iter()
            .find(|(n, r)| {
                !r.retired
                    && (n.as_str() == number_or_alias
                        || r.config.aliases.iter().any(|a| a == number_or_alias))
            })
            .map(|(n, _)| n.clone())?;
        self.rooms.get_mut(&key)
    }

    pub fn participant_mut(&mut self, room: &str, id: u64) -> Option<&mut Participant> {
        self.rooms.get_mut(room)?.participants.get_mut(&id)
    }
}

pub type SharedRooms = Arc<Mutex<Rooms>>;
