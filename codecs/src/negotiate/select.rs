//! Choosing the codec of one m-line, for either role.

use super::{CodecParams, NegotiatedCodec, RtpProfile};
use crate::catalogue::{Capabilities, CodecName, MediaKind};
use crate::fmtp::FmtpParams;
use crate::h263::{self, H263Params};
use crate::h264::{self, H264Params};
use crate::opus::{self, OpusParams};
use crate::sdp::MediaDescription;
use crate::vp8::Vp8Params;

/// Which side of the exchange we are on.
#[derive(Clone, Copy)]
pub(super) enum Role<'a> {
    /// We answer; the peer's m-line is the offer's.
    Answerer,
    /// We offered this m-line; the peer's is the answer's.
    Offerer(&'a MediaDescription),
}

impl<'a> Role<'a> {
    fn ours(self) -> Option<&'a MediaDescription> {
        match self {
            Role::Answerer => None,
            Role::Offerer(m) => Some(m),
        }
    }

    /// An answer may only use payload types of the offer.
    fn allows(self, pt: u8) -> bool {
        self.ours()
            .is_none_or(|o| o.payload_types().any(|p| p == pt))
    }
}

/// The outcome for an m-line.
pub(super) struct Choice {
    pub codec: NegotiatedCodec,
    pub telephone_event: Option<u8>,
}

/// The codec, RTP clock rate and channels of a payload type: from the
/// rtpmap (the peer's, else ours), else from the static table of RFC 3551.
fn identify(pt: u8, peer: &MediaDescription, role: Role<'_>) -> Option<(CodecName, u32, u8)> {
    let map = peer
        .rtpmap(pt)
        .or_else(|| role.ours().and_then(|o| o.rtpmap(pt)));
    match map {
        Some(map) => {
            let codec = CodecName::from_encoding_name(&map.encoding_name)?;
            // Some endpoints write G.722 with its sampling rate; its RTP
            // clock is 8000 all the same (RFC 3551 §4.5.2).
            let clock = if codec == CodecName::G722 && map.clock_rate == 16_000 {
                8000
            } else {
                map.clock_rate
            };
            codec
                .accepts_rtpmap(clock, map.channels)
                .then(|| (codec, clock, map.channels.unwrap_or(1)))
        }
        None => {
            let codec = CodecName::from_static_payload_type(pt)?;
            Some((codec, codec.clock_rate(), codec.channels()))
        }
    }
}

/// Our fmtp and the peer's parameters for a codec, or `None` when the
/// payload type's parameters rule it out.
fn codec_params(
    codec: CodecName,
    pt: u8,
    peer: &MediaDescription,
    role: Role<'_>,
    caps: &Capabilities,
) -> Option<(Option<String>, CodecParams)> {
    let peer_fmtp = peer.fmtp(pt);
    let offered_fmtp = role.ours().and_then(|o| o.fmtp(pt)).map(str::to_string);
    match codec {
        CodecName::H264 => match role {
            Role::Answerer => {
                let offered = H264Params::from_fmtp(peer_fmtp).ok()?;
                let (ours, theirs) = h264::answer(&offered, caps)?;
                Some((Some(ours.to_fmtp()), CodecParams::H264(theirs)))
            }
            Role::Offerer(_) => {
                let ours = H264Params::from_fmtp(offered_fmtp.as_deref()).ok()?;
                let mut theirs = H264Params::from_fmtp(peer_fmtp).ok()?;
                // The payload type carries the mode; an answer that leaves
                // it out means the offered one.
                let has_mode = FmtpParams::parse(peer_fmtp.unwrap_or_default())
                    .get("packetization-mode")
                    .is_some();
                if !has_mode {
                    theirs.packetization_mode = ours.packetization_mode;
                }
                (theirs.packetization_mode == ours.packetization_mode
                    && h264::acceptable(&theirs, caps))
                .then_some((offered_fmtp, CodecParams::H264(theirs)))
            }
        },
        CodecName::H263 | CodecName::H263_1998 => {
            let theirs = H263Params::from_fmtp(peer_fmtp);
            let common = h263::answer(&theirs, &caps.h263_sizes);
            match role {
                Role::Answerer => {
                    let common = common?;
                    Some((Some(common.to_fmtp()), CodecParams::H263(common)))
                }
                // The answer is what the peer takes; the common sizes are
                // safer still when there are any.
                Role::Offerer(_) => {
                    Some((offered_fmtp, CodecParams::H263(common.unwrap_or(theirs))))
                }
            }
        }
        CodecName::Vp8 => {
            let theirs = Vp8Params::from_fmtp(peer_fmtp).ok()?;
            let ours = match role {
                Role::Answerer => Vp8Params {
                    max_fr: caps.vp8_max_fr,
                    max_fs: caps.vp8_max_fs,
                }
                .to_fmtp(),
                Role::Offerer(_) => offered_fmtp,
            };
            Some((ours, CodecParams::Vp8(theirs)))
        }
        CodecName::Opus => {
            let ours = match role {
                Role::Answerer => Some(opus::OUR_FMTP.to_string()),
                Role::Offerer(_) => offered_fmtp,
            };
            Some((ours, CodecParams::Opus(OpusParams::from_fmtp(peer_fmtp))))
        }
        CodecName::Pcmu | CodecName::Pcma | CodecName::G722 => {
            Some((offered_fmtp, CodecParams::None))
        }
        CodecName::TelephoneEvent => None,
    }
}

/// The telephone-event payload type at the codec's clock rate (RFC 4733
/// §2.5.1.2: events must share the audio's clock), if offered and enabled.
fn telephone_event(
    kind: MediaKind,
    clock_rate: u32,
    peer: &MediaDescription,
    role: Role<'_>,
    caps: &Capabilities,
) -> Option<u8> {
    if kind != MediaKind::Audio || !caps.telephone_event() {
        return None;
    }
    peer.payload_types()
        .filter(|pt| role.allows(*pt))
        .find(|pt| {
            peer.rtpmap(*pt)
                .or_else(|| role.ours().and_then(|o| o.rtpmap(*pt)))
                .is_some_and(|m| {
                    CodecName::from_encoding_name(&m.encoding_name)
                        == Some(CodecName::TelephoneEvent)
                        && m.clock_rate == clock_rate
                })
        })
}

/// The first payload type of the peer's m-line (in its order) that we
/// support, with its parameters and telephone-event.
pub(super) fn choose(
    kind: MediaKind,
    peer: &MediaDescription,
    role: Role<'_>,
    caps: &Capabilities,
) -> Option<Choice> {
    peer.payload_types()
        .filter(|pt| role.allows(*pt))
        .find_map(|pt| {
            let (name, clock_rate, channels) = identify(pt, peer, role)?;
            if name.kind() != kind || !name.is_primary() || !caps.supports(name) {
                return None;
            }
            let (fmtp, params) = codec_params(name, pt, peer, role, caps)?;
            Some(Choice {
                codec: NegotiatedCodec {
                    name,
                    payload_type: pt,
                    clock_rate,
                    channels,
                    fmtp,
                    params,
                },
                telephone_event: telephone_event(kind, clock_rate, peer, role, caps),
            })
        })
}

/// RTCP feedback for the chosen payload type: only in AVPF, only on video,
/// only what we support (and, as offerer, what we offered).
pub(super) fn rtcp_fb(
    profile: RtpProfile,
    kind: MediaKind,
    pt: u8,
    peer: &MediaDescription,
    role: Role<'_>,
    caps: &Capabilities,
) -> Vec<String> {
    if !profile.has_feedback() || kind != MediaKind::Video {
        return Vec::new();
    }
    let normal = |s: &str| {
        s.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_ascii_lowercase()
    };
    let offered: Option<Vec<String>> = role
        .ours()
        .map(|o| o.rtcp_fb(pt).into_iter().map(normal).collect());
    let mut out: Vec<String> = Vec::new();
    for fb in peer.rtcp_fb(pt).into_iter().map(normal) {
        let supported = caps.rtcp_fb.iter().any(|c| normal(c) == fb);
        let was_offered = offered.as_ref().is_none_or(|list| list.contains(&fb));
        if supported && was_offered && !out.contains(&fb) {
            out.push(fb);
        }
    }
    out
}
