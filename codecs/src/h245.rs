//! H.245 capabilities in plain Rust, and their mapping to the codec model
//! the SIP side uses, so that an H.323 logical channel becomes the same
//! [`NegotiatedStream`] the mixer gets from an SDP answer.
//!
//! No ASN.1 here (this crate does not depend on the gateway): the gateway
//! converts its rasn `TerminalCapabilitySet`/`OpenLogicalChannel` to and
//! from these types.
//!
//! Units are the standard's, kept in the field names' docs:
//! - G.711/G.722 capabilities carry the largest number of frames (ms of
//!   audio) per packet; it becomes our `ptime`.
//! - `maxBitRate` is in units of 100 bit/s (H.245); Polycom writes some
//!   generic audio ones in bit/s, which is why audio ignores it.
//! - H.264 (H.241 §8.3, GenericCapability 0.0.8.241.0.0.1): parameter 41
//!   `Profile` is a bit mask (64 Baseline, 32 Main, 16 Extended, 8 High,
//!   4 High 10, 2 High 4:2:2, 1 High 4:4:4), 42 `Level` a level number (15
//!   for 1, 19 for 1b, 22 for 1.1, ... 7 apart from 1.1 on: 36 is 1.3, 64 is
//!   3, 71 is 3.1), 3 `CustomMaxMBPS` in units of 500 macroblocks/s, 4
//!   `CustomMaxFS` in units of 256 macroblocks, 5 `CustomMaxDPB` in units of
//!   32768 octets, 6 `CustomMaxBRandCPB` in units of 25000 bit/s.
//! - H.263 MPIs are in units of 1/29.97 s, as in RFC 4629.

use std::net::SocketAddr;

use crate::catalogue::{Capabilities, CodecName, MediaKind};
use crate::h263::{H263Params, H263Size, H263Sizes};
use crate::h264::{H264Params, H264Profile, Level};
use crate::negotiate::{CodecParams, Direction, NegotiatedCodec, NegotiatedStream, RtpProfile};

/// H.241 generic parameter numbers.
pub mod h241 {
    pub const PROFILE: u8 = 41;
    pub const LEVEL: u8 = 42;
    pub const CUSTOM_MAX_MBPS: u8 = 3;
    pub const CUSTOM_MAX_FS: u8 = 4;
    pub const CUSTOM_MAX_DPB: u8 = 5;
    pub const CUSTOM_MAX_BR_AND_CPB: u8 = 6;
    /// Units of the custom parameters.
    pub const MBPS_UNIT: u32 = 500;
    pub const FS_UNIT: u32 = 256;
    pub const BR_UNIT_BPS: u32 = 25_000;
    /// Profile bits.
    pub const BASELINE: u8 = 64;
    pub const MAIN: u8 = 32;
    pub const EXTENDED: u8 = 16;
    pub const HIGH: u8 = 8;
    pub const HIGH10: u8 = 4;
    pub const HIGH422: u8 = 2;
    pub const HIGH444: u8 = 1;
}

/// H.241 level numbers of each H.264 level (H.241 Table 8-2?), in level
/// order: 1, 1b, 1.1 ... 5.2.
const H241_LEVELS: [(Level, u16); 17] = [
    (Level::L1, 15),
    (Level::L1b, 19),
    (Level::L1_1, 22),
    (Level::L1_2, 29),
    (Level::L1_3, 36),
    (Level::L2, 43),
    (Level::L2_1, 50),
    (Level::L2_2, 57),
    (Level::L3, 64),
    (Level::L3_1, 71),
    (Level::L3_2, 78),
    (Level::L4, 85),
    (Level::L4_1, 92),
    (Level::L4_2, 99),
    (Level::L5, 106),
    (Level::L5_1, 113),
    (Level::L5_2, 120),
];

/// The H.241 level number of a level (levels above 5.2 are announced as
/// 5.2, the highest H.241 names).
pub fn h241_level(level: Level) -> u16 {
    H241_LEVELS
        .iter()
        .rev()
        .find(|(l, _)| *l <= level)
        .map(|(_, n)| *n)
        .unwrap_or(15)
}

/// The level of an H.241 level number: the highest level whose number is
/// at most `n` (unknown numbers round down, never up).
pub fn level_from_h241(n: u16) -> Level {
    H241_LEVELS
        .iter()
        .rev()
        .find(|(_, v)| *v <= n)
        .map(|(l, _)| *l)
        .unwrap_or(Level::L1)
}

/// H.264 as H.241 describes it in a GenericCapability.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct H264Capability {
    /// `Profile` bit mask ([`h241::BASELINE`] ...).
    pub profiles: u8,
    /// `Level` (H.241 number, e.g. 71 for 3.1).
    pub level: u16,
    /// `CustomMaxMBPS`, units of 500 macroblocks/s.
    pub custom_max_mbps: Option<u32>,
    /// `CustomMaxFS`, units of 256 macroblocks.
    pub custom_max_fs: Option<u32>,
    /// `CustomMaxDPB`, units of 32768 octets.
    pub custom_max_dpb: Option<u32>,
    /// `CustomMaxBRandCPB`, units of 25000 bit/s.
    pub custom_max_br_cpb: Option<u32>,
    /// `maxBitRate` of the GenericCapability, units of 100 bit/s.
    pub max_bit_rate: Option<u32>,
    /// RTP packetization (RFC 6184): from an OLC's `mediaPacketization`
    /// (0.0.8.241.0.0.0.0 single NAL unit, ...0.1 non-interleaved); a
    /// capability set does not say, and then it is 0 (H.241's default).
    pub packetization_mode: u8,
}

impl H264Capability {
    /// The H.264 profile we take from a profile mask: the first of ours
    /// (in our preference order) the mask allows.
    pub fn profile_for(&self, ours: &[H264Profile]) -> Option<H264Profile> {
        ours.iter()
            .copied()
            .find(|p| self.profiles & profile_bit(*p) != 0)
    }

    pub fn level(&self) -> Level {
        level_from_h241(self.level)
    }

    /// As SDP-side parameters: what the end that announced this receives.
    /// The profile is the highest one in the mask that we know (High over
    /// Main over Baseline).
    pub fn to_params(&self) -> H264Params {
        let profile = [
            (h241::HIGH, H264Profile::High),
            (h241::MAIN, H264Profile::Main),
            (h241::EXTENDED, H264Profile::Extended),
            (h241::BASELINE, H264Profile::Baseline),
        ]
        .into_iter()
        .find(|(bit, _)| self.profiles & bit != 0)
        .map(|(_, p)| p)
        .unwrap_or(H264Profile::Baseline);
        self.to_params_as(profile)
    }

    /// As SDP-side parameters, with the profile given.
    pub fn to_params_as(&self, profile: H264Profile) -> H264Params {
        let (profile_idc, profile_iop) = profile.idc();
        let mut p = H264Params::new(
            crate::h264::ProfileLevelId {
                profile_idc,
                profile_iop,
                level_idc: self.level().idc(),
            },
            self.packetization_mode,
        );
        let level = self.level().limits();
        // Custom values only count where they raise the level's (H.241 §8.3.2).
        p.max_mbps = self
            .custom_max_mbps
            .map(|v| v.saturating_mul(h241::MBPS_UNIT))
            .filter(|v| *v > level.max_mbps);
        p.max_fs = self
            .custom_max_fs
            .map(|v| v.saturating_mul(h241::FS_UNIT))
            .filter(|v| *v > level.max_fs);
        p.max_br = self
            .custom_max_br_cpb
            .map(|v| v.saturating_mul(h241::BR_UNIT_BPS) / 1000)
            .or(self.max_bit_rate.map(|v| v / 10));
        p
    }

    /// From SDP-side parameters (what we receive) and a bit rate (kbit/s).
    pub fn from_params(params: &H264Params, profiles: u8, max_kbps: Option<u32>) -> H264Capability {
        let level = params.level();
        let limits = level.limits();
        H264Capability {
            profiles,
            level: h241_level(level),
            custom_max_mbps: params
                .max_mbps
                .filter(|v| *v > limits.max_mbps)
                .map(|v| v / h241::MBPS_UNIT),
            custom_max_fs: params
                .max_fs
                .filter(|v| *v > limits.max_fs)
                .map(|v| v / h241::FS_UNIT),
            custom_max_dpb: None,
            custom_max_br_cpb: None,
            max_bit_rate: max_kbps.map(|k| k.saturating_mul(10)),
            packetization_mode: params.packetization_mode,
        }
    }
}

/// The H.241 profile bit of one of our profiles (constrained ones are
/// announced as their base profile: a Baseline decoder takes Constrained
/// Baseline).
pub fn profile_bit(p: H264Profile) -> u8 {
    match p {
        H264Profile::ConstrainedBaseline | H264Profile::Baseline => h241::BASELINE,
        H264Profile::Main => h241::MAIN,
        H264Profile::Extended => h241::EXTENDED,
        H264Profile::High | H264Profile::ConstrainedHigh => h241::HIGH,
        H264Profile::High10 => h241::HIGH10,
        H264Profile::High422 => h241::HIGH422,
        H264Profile::High444 => h241::HIGH444,
    }
}

/// H.263 (`H263VideoCapability`): picture sizes with their MPI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct H263Capability {
    /// sqcifMPI, qcifMPI, cifMPI, cif4MPI, cif16MPI (1..32).
    pub sizes: H263Sizes,
    /// `maxBitRate`, units of 100 bit/s (1..192400).
    pub max_bit_rate: u32,
    /// RTP payload format RFC 4629 (H.263+, `H263-1998`) rather than RFC
    /// 2190: an OLC's `mediaPacketization` rfc-number 2429/4629.
    pub rfc4629: bool,
}

/// One media capability we handle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MediaCapability {
    /// `g711Alaw64k`: frames (ms) per packet.
    G711Alaw {
        frames: u16,
    },
    /// `g711Ulaw64k`
    G711Ulaw {
        frames: u16,
    },
    /// `g722-64k`
    G722 {
        frames: u16,
    },
    H263(H263Capability),
    H264(H264Capability),
}

impl MediaCapability {
    pub fn kind(&self) -> MediaKind {
        self.codec().kind()
    }

    /// The codec of the SIP-side model.
    pub fn codec(&self) -> CodecName {
        match self {
            MediaCapability::G711Alaw { .. } => CodecName::Pcma,
            MediaCapability::G711Ulaw { .. } => CodecName::Pcmu,
            MediaCapability::G722 { .. } => CodecName::G722,
            MediaCapability::H263(h) if h.rfc4629 => CodecName::H263_1998,
            MediaCapability::H263(_) => CodecName::H263,
            MediaCapability::H264(_) => CodecName::H264,
        }
    }

    /// Whether a capability (received in a set) can carry this one: same
    /// codec; for video, what is proposed stays within the receiver's set.
    pub fn same_codec(&self, other: &MediaCapability) -> bool {
        std::mem::discriminant(self) == std::mem::discriminant(other)
    }

    /// The RTP payload type: static for G.711/G.722/H.263 (RFC 2190), else
    /// `dynamic` (the OLC's `dynamicRTPPayloadType`).
    pub fn payload_type(&self, dynamic: Option<u8>) -> u8 {
        let fallback = match self.codec() {
            CodecName::H264 => crate::catalogue::payload_types::H264_MODE1,
            CodecName::H263_1998 => crate::catalogue::payload_types::H263_1998,
            c => c.static_payload_type().unwrap_or(96),
        };
        dynamic.unwrap_or(fallback)
    }

    /// The SDP-side parameters of what the announcing end receives.
    pub fn params(&self) -> CodecParams {
        match self {
            MediaCapability::H264(h) => CodecParams::H264(h.to_params()),
            MediaCapability::H263(h) => {
                let mut p = H263Params::new(h.sizes.clone());
                p.max_br = Some(h.max_bit_rate);
                CodecParams::H263(p)
            }
            _ => CodecParams::None,
        }
    }

    /// Audio frames per packet (ms), if audio.
    pub fn frames(&self) -> Option<u16> {
        match self {
            MediaCapability::G711Alaw { frames }
            | MediaCapability::G711Ulaw { frames }
            | MediaCapability::G722 { frames } => Some(*frames),
            _ => None,
        }
    }

    /// Video bit rate limit in kbit/s, if given.
    pub fn max_kbps(&self) -> Option<u32> {
        match self {
            MediaCapability::H264(h) => h.max_bit_rate.map(|b| b / 10),
            MediaCapability::H263(h) => Some(h.max_bit_rate / 10),
            _ => None,
        }
    }
}

/// Which way a capability goes (the `receive…`/`transmit…`/
/// `receiveAndTransmit…` alternatives of `Capability`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CapabilityDirection {
    Receive,
    Transmit,
    ReceiveAndTransmit,
}

impl CapabilityDirection {
    pub fn receives(self) -> bool {
        self != CapabilityDirection::Transmit
    }
}

/// One capability table entry we understood.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CapabilityEntry {
    /// `capabilityTableEntryNumber` (1..65535).
    pub number: u16,
    pub direction: CapabilityDirection,
    pub capability: MediaCapability,
}

/// A `CapabilityDescriptor`: sets of alternatives that can run at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CapabilityDescriptor {
    pub number: u8,
    /// Each inner list is an `AlternativeCapabilitySet` (entry numbers).
    pub simultaneous: Vec<Vec<u16>>,
}

/// User input the end takes (`UserInputCapability`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UserInputSupport {
    /// `basicString`/`generalString`: UserInputIndication alphanumeric.
    pub alphanumeric: bool,
    /// `dtmf`: UserInputIndication signal.
    pub dtmf: bool,
}

/// A terminal capability set, reduced to what we handle.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CapabilitySet {
    pub entries: Vec<CapabilityEntry>,
    pub descriptors: Vec<CapabilityDescriptor>,
    pub user_input: UserInputSupport,
    /// Entries we do not handle (Siren, G.729, H.239, data ...): counted,
    /// not kept.
    pub unknown_entries: usize,
}

impl CapabilitySet {
    pub fn entry(&self, number: u16) -> Option<&CapabilityEntry> {
        self.entries.iter().find(|e| e.number == number)
    }

    /// Whether an entry is in some descriptor (a set without descriptors
    /// allows every entry, as old terminals send).
    fn usable(&self, number: u16) -> bool {
        self.descriptors.is_empty()
            || self
                .descriptors
                .iter()
                .any(|d| d.simultaneous.iter().any(|alt| alt.contains(&number)))
    }

    /// What the end can receive, of one kind, in its table order.
    pub fn receivable(&self, kind: MediaKind) -> impl Iterator<Item = &CapabilityEntry> {
        self.entries.iter().filter(move |e| {
            e.direction.receives() && e.capability.kind() == kind && self.usable(e.number)
        })
    }

    /// Whether `proposed` (the data type of a peer's OLC) is something this
    /// set (ours) receives: same codec, and for video within our limits.
    pub fn accepts(&self, proposed: &MediaCapability) -> bool {
        self.receivable(proposed.kind())
            .any(|e| within(proposed, &e.capability))
    }
}

/// Whether `proposed` stays within `limit` (same codec; H.264 profile in
/// the mask and level not above; H.263 sizes among the receiver's).
pub fn within(proposed: &MediaCapability, limit: &MediaCapability) -> bool {
    match (proposed, limit) {
        (MediaCapability::H264(p), MediaCapability::H264(l)) => p.profiles & l.profiles != 0,
        (MediaCapability::H263(p), MediaCapability::H263(l)) => p
            .sizes
            .standard
            .iter()
            .any(|(s, _)| l.sizes.mpi(*s).is_some()),
        (p, l) => p.same_codec(l),
    }
}

/// Our H.245 entry numbers: audio from 1, video from 11.
const FIRST_AUDIO_ENTRY: u16 = 1;
const FIRST_VIDEO_ENTRY: u16 = 11;

/// The capability set diemcau announces on H.323 for the SIP-side
/// capabilities: G.722, G.711 µ-law/A-law (in `caps.audio` order, 20 ms),
/// H.264 (the profiles of `caps.h264_profiles`, its level and custom
/// MaxFS/MaxMBPS), H.263 (RFC 2190 sizes of `caps.h263_sizes`), DTMF as
/// user input; one descriptor with audio and video as simultaneous
/// alternatives.
pub fn local_capability_set(caps: &Capabilities) -> CapabilitySet {
    let mut set = CapabilitySet {
        user_input: UserInputSupport {
            alphanumeric: true,
            dtmf: true,
        },
        ..CapabilitySet::default()
    };
    let mut audio = Vec::new();
    let mut n = FIRST_AUDIO_ENTRY;
    for codec in &caps.audio {
        let capability = match codec {
            CodecName::G722 => MediaCapability::G722 { frames: 20 },
            CodecName::Pcmu => MediaCapability::G711Ulaw { frames: 20 },
            CodecName::Pcma => MediaCapability::G711Alaw { frames: 20 },
            _ => continue,
        };
        set.entries.push(CapabilityEntry {
            number: n,
            direction: CapabilityDirection::Receive,
            capability,
        });
        audio.push(n);
        n += 1;
    }
    let mut video = Vec::new();
    let mut n = FIRST_VIDEO_ENTRY;
    let kbps = caps.max_video_bitrate_kbps;
    let mut h263_done = false;
    for codec in &caps.video {
        let capability = match codec {
            CodecName::H264 => {
                let profiles = caps
                    .h264_profiles
                    .iter()
                    .fold(0, |m, p| m | profile_bit(*p));
                let mut params = crate::h264::offer(caps, 1);
                params.max_fs = caps.h264_max_fs;
                params.max_mbps = caps.h264_max_mbps;
                let mut h = H264Capability::from_params(&params, profiles, Some(kbps));
                // A capability set says nothing of packetization.
                h.packetization_mode = 0;
                MediaCapability::H264(h)
            }
            // One H.263 entry (RFC 2190) for the H.263 family: H.323 room
            // systems do H.263 over RFC 2190 unless an OLC says otherwise.
            CodecName::H263 | CodecName::H263_1998 if !h263_done && !caps.h263_sizes.is_empty() => {
                h263_done = true;
                MediaCapability::H263(H263Capability {
                    sizes: caps.h263_sizes.clone(),
                    max_bit_rate: kbps.saturating_mul(10).clamp(1, 192_400),
                    rfc4629: false,
                })
            }
            _ => continue,
        };
        set.entries.push(CapabilityEntry {
            number: n,
            direction: CapabilityDirection::Receive,
            capability,
        });
        video.push(n);
        n += 1;
    }
    let simultaneous: Vec<Vec<u16>> = [audio, video]
        .into_iter()
        .filter(|a| !a.is_empty())
        .collect();
    if !simultaneous.is_empty() {
        set.descriptors.push(CapabilityDescriptor {
            number: 0,
            simultaneous,
        });
    }
    set
}

/// What to send to a peer of one kind: the first codec in OUR preference
/// order (`caps.audio`/`caps.video`) that the peer receives, with the
/// limits of both ends (H.264: our preferred profile the peer takes, the
/// lower level and custom limits; H.263: the common sizes at the slower
/// MPI; the lower bit rate). `None`: nothing in common.
pub fn choose_transmit(
    peer: &CapabilitySet,
    caps: &Capabilities,
    kind: MediaKind,
) -> Option<MediaCapability> {
    let ours = local_capability_set(caps);
    let order: Vec<CodecName> = match kind {
        MediaKind::Audio => caps.audio.clone(),
        MediaKind::Video => caps.video.clone(),
    };
    for codec in order {
        for mine in ours.receivable(kind).filter(|e| {
            e.capability.codec() == codec
                || (codec == CodecName::H263_1998 && e.capability.codec() == CodecName::H263)
        }) {
            for theirs in peer.receivable(kind) {
                if let Some(c) = common(&mine.capability, &theirs.capability, caps) {
                    return Some(c);
                }
            }
        }
    }
    None
}

/// The capability both `ours` and `theirs` handle, with the tighter limits.
fn common(
    ours: &MediaCapability,
    theirs: &MediaCapability,
    caps: &Capabilities,
) -> Option<MediaCapability> {
    match (ours, theirs) {
        (MediaCapability::H264(o), MediaCapability::H264(t)) => {
            let profile = t.profile_for(&caps.h264_profiles)?;
            // The tighter of both ends' effective limits, expressed against
            // the lower level.
            let (po, pt) = (o.to_params(), t.to_params());
            let level = o.level.min(t.level);
            let limits = level_from_h241(level).limits();
            // In the custom units, only where the lower level does not
            // already cover both: never above the peer's (floor), our own
            // limit rounded up (it binds our encoder only).
            let custom = |ours: u32, theirs: u32, level: u32, unit: u32| {
                (ours.min(theirs) > level).then(|| (theirs / unit).min(ours.div_ceil(unit)))
            };
            Some(MediaCapability::H264(H264Capability {
                profiles: profile_bit(profile),
                level,
                custom_max_mbps: custom(
                    po.effective_max_mbps(),
                    pt.effective_max_mbps(),
                    limits.max_mbps,
                    h241::MBPS_UNIT,
                ),
                custom_max_fs: custom(
                    po.effective_max_fs(),
                    pt.effective_max_fs(),
                    limits.max_fs,
                    h241::FS_UNIT,
                ),
                custom_max_dpb: None,
                custom_max_br_cpb: None,
                max_bit_rate: match (o.max_bit_rate, t.max_bit_rate) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                },
                packetization_mode: t.packetization_mode,
            }))
        }
        (MediaCapability::H263(o), MediaCapability::H263(t)) => {
            let sizes = o.sizes.intersection(&t.sizes);
            if sizes.standard.is_empty() {
                return None;
            }
            Some(MediaCapability::H263(H263Capability {
                sizes,
                max_bit_rate: o.max_bit_rate.min(t.max_bit_rate),
                rfc4629: false,
            }))
        }
        (o, t) if o.same_codec(t) => {
            // Audio: at most the frames per packet the peer takes.
            let frames = o.frames()?.min(t.frames()?).max(1);
            Some(match o {
                MediaCapability::G711Alaw { .. } => MediaCapability::G711Alaw { frames },
                MediaCapability::G711Ulaw { .. } => MediaCapability::G711Ulaw { frames },
                _ => MediaCapability::G722 { frames },
            })
        }
        _ => None,
    }
}

/// One direction of an H.323 media stream: a logical channel's codec and
/// RTP payload type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelCodec {
    pub capability: MediaCapability,
    /// `dynamicRTPPayloadType` of the channel, if any.
    pub dynamic_payload_type: Option<u8>,
}

impl ChannelCodec {
    pub fn payload_type(&self) -> u8 {
        self.capability.payload_type(self.dynamic_payload_type)
    }
}

/// Where the peer wants a stream: its media (RTP) and media control
/// (RTCP) addresses from the OLC/OLC Ack.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RemoteMedia {
    pub rtp: Option<SocketAddr>,
    pub rtcp: Option<SocketAddr>,
}

/// The stream the mixer gets for an H.323 session: `send` is our channel
/// to the peer (acked, or a fast start answer), `receive` the peer's
/// channel to us. Either may be missing (one-way streams, like SIP's
/// sendonly/recvonly). `index` is the stream's place among the call's
/// streams (audio 0, video 1 in our calls).
///
/// The codec is the sending channel's if there is one (its parameters are
/// what the peer receives), else the receiving one's; our `fmtp` is the
/// SDP spelling of what we receive, so the depayloader caps come out as
/// for SIP.
pub fn negotiated_stream(
    index: usize,
    send: Option<&ChannelCodec>,
    receive: Option<&ChannelCodec>,
    remote: RemoteMedia,
) -> Option<NegotiatedStream> {
    let main = send.or(receive)?;
    let kind = main.capability.kind();
    let name = main.capability.codec();
    let fmtp = receive.and_then(|r| match &r.capability {
        MediaCapability::H264(h) => Some(h.to_params().to_fmtp()),
        MediaCapability::H263(h) if h.rfc4629 => Some(H263Params::new(h.sizes.clone()).to_fmtp()),
        _ => None,
    });
    let params = match send {
        Some(s) => s.capability.params(),
        None => CodecParams::None,
    };
    Some(NegotiatedStream {
        index,
        kind,
        profile: RtpProfile::Avp,
        codec: NegotiatedCodec {
            name,
            // Each direction has its own payload type on H.323; the
            // receive side's is what our depayloader must expect.
            payload_type: receive.unwrap_or(main).payload_type(),
            clock_rate: name.clock_rate(),
            channels: name.channels(),
            fmtp,
            params,
        },
        telephone_event: None,
        rtcp_fb: Vec::new(),
        remote_rtp: send.and(remote.rtp),
        remote_rtcp: remote.rtcp,
        rtcp_mux: false,
        direction: Direction::from_flags(send.is_some(), receive.is_some()),
        ptime: send.and_then(|s| s.capability.frames()).map(u32::from),
        bandwidth_kbps: send.and_then(|s| s.capability.max_kbps()),
    })
}

/// The H.263 sizes of an `H263VideoCapability`'s MPI fields (sqcif, qcif,
/// cif, cif4, cif16); invalid MPIs are dropped.
pub fn h263_sizes(mpis: [Option<u8>; 5]) -> H263Sizes {
    let mut sizes = H263Sizes::default();
    for (size, mpi) in H263Size::ALL.into_iter().zip(mpis) {
        if let Some(m) = mpi.filter(|m| (1..=32).contains(m)) {
            sizes.standard.push((size, m));
        }
    }
    sizes
}

/// The MPI fields (sqcif, qcif, cif, cif4, cif16) of H.263 sizes.
pub fn h263_mpis(sizes: &H263Sizes) -> [Option<u8>; 5] {
    H263Size::ALL.map(|s| sizes.mpi(s))
}

#[cfg(test)]
mod tests;
