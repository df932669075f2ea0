//! RFC 3264 offer/answer for room systems.
//!
//! - [`answer`]: we are the answerer (an INVITE with SDP). Per m-line, the
//!   first codec in the *offerer's* order that we support; at most one audio
//!   and one video stream; everything else (BFCP, FECC, content video,
//!   SRTP, unknown media) answered with port 0, never a failed call.
//! - [`offer`]: our offer (dial-out, or an INVITE without SDP).
//! - [`process_answer`]: the peer's answer to our offer.
//!
//! The result, a [`Negotiation`], lists every m-line of the offer as
//! accepted ([`NegotiatedStream`]: codec, payload types, addresses,
//! direction, the peer's receive limits) or rejected, and builds our SDP
//! answer with the local ports once they are known.
//!
//! Rules that real terminals made necessary:
//! - Polycom lists Siren/G.722.1/G.728/G.729 before G.722 and G.711: unknown
//!   payload types are skipped, never fatal. Static types (0, 8, 9, 34) need
//!   no rtpmap; names compare case-insensitively; G.722 runs an 8 kHz RTP
//!   clock even when written `G722/16000`.
//! - H.264 payload types in packetization mode 0 and 1 are separate offers;
//!   the first we support wins and keeps its mode (mode-0-only endpoints
//!   show black video otherwise). The profile is answered as offered, the
//!   level is the lower of both (42800d stays at CIF), and for HD we
//!   announce max-fs/max-mbps (Polycom DMA wants max-fs).
//! - RTP/AVP is answered in RTP/AVP and RTP/AVPF in RTP/AVPF; rtcp-fb only
//!   counts in AVPF (baresip writes it in AVP too).
//! - Content video (`a=content:slides`), BFCP, FECC (H.224) get port 0.
//! - `c=0.0.0.0` is the RFC 2543 hold: the peer wants nothing sent to it.

mod answer;
mod offer;
mod select;
mod transport;

use std::net::{IpAddr, SocketAddr};

use crate::caps::RtpCaps;
use crate::catalogue::{CodecName, MediaKind};
use crate::h263::H263Params;
use crate::h264::H264Params;
use crate::opus::OpusParams;
use crate::sdp::{Origin, SessionDescription};
use crate::vp8::Vp8Params;

pub use answer::answer;
pub use offer::{offer, process_answer};

/// The RTP profile of an m-line's transport.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum RtpProfile {
    /// RTP/AVP (RFC 3551)
    Avp,
    /// RTP/AVPF (RFC 4585): RTCP feedback
    Avpf,
    /// RTP/SAVP (RFC 3711)
    Savp,
    /// RTP/SAVPF (RFC 5124), also UDP/TLS/RTP/SAVPF
    Savpf,
}

impl RtpProfile {
    /// The profile of an SDP transport protocol, `None` for non-RTP ones
    /// (BFCP, TCP/RTP/AVP, ...).
    pub fn from_protocol(protocol: &str) -> Option<RtpProfile> {
        const TABLE: [(&str, RtpProfile); 6] = [
            ("RTP/AVP", RtpProfile::Avp),
            ("RTP/AVPF", RtpProfile::Avpf),
            ("RTP/SAVP", RtpProfile::Savp),
            ("RTP/SAVPF", RtpProfile::Savpf),
            ("UDP/TLS/RTP/SAVP", RtpProfile::Savp),
            ("UDP/TLS/RTP/SAVPF", RtpProfile::Savpf),
        ];
        TABLE
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(protocol))
            .map(|(_, p)| *p)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            RtpProfile::Avp => "RTP/AVP",
            RtpProfile::Avpf => "RTP/AVPF",
            RtpProfile::Savp => "RTP/SAVP",
            RtpProfile::Savpf => "RTP/SAVPF",
        }
    }

    /// RTCP feedback (PLI, FIR, NACK) is available.
    pub fn has_feedback(self) -> bool {
        matches!(self, RtpProfile::Avpf | RtpProfile::Savpf)
    }

    pub fn is_secure(self) -> bool {
        matches!(self, RtpProfile::Savp | RtpProfile::Savpf)
    }
}

/// Media direction (RFC 3264 §5.1), from the point of view of whoever
/// writes it in its SDP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum Direction {
    SendRecv,
    SendOnly,
    RecvOnly,
    Inactive,
}

impl Direction {
    /// The direction seen from the other end.
    pub fn reversed(self) -> Direction {
        match self {
            Direction::SendOnly => Direction::RecvOnly,
            Direction::RecvOnly => Direction::SendOnly,
            other => other,
        }
    }

    pub fn sends(self) -> bool {
        matches!(self, Direction::SendRecv | Direction::SendOnly)
    }

    pub fn receives(self) -> bool {
        matches!(self, Direction::SendRecv | Direction::RecvOnly)
    }

    pub fn from_flags(sends: bool, receives: bool) -> Direction {
        match (sends, receives) {
            (true, true) => Direction::SendRecv,
            (true, false) => Direction::SendOnly,
            (false, true) => Direction::RecvOnly,
            (false, false) => Direction::Inactive,
        }
    }

    /// What both allow.
    pub fn intersect(self, other: Direction) -> Direction {
        Direction::from_flags(
            self.sends() && other.sends(),
            self.receives() && other.receives(),
        )
    }

    /// The SDP attribute name.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::SendRecv => "sendrecv",
            Direction::SendOnly => "sendonly",
            Direction::RecvOnly => "recvonly",
            Direction::Inactive => "inactive",
        }
    }

    pub fn from_attribute(name: &str) -> Option<Direction> {
        [
            Direction::SendRecv,
            Direction::SendOnly,
            Direction::RecvOnly,
            Direction::Inactive,
        ]
        .into_iter()
        .find(|d| d.as_str().eq_ignore_ascii_case(name))
    }
}

/// Codec-specific parameters of the negotiated payload type: what the PEER
/// can receive, i.e. the limits of what we may send to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodecParams {
    None,
    H264(H264Params),
    H263(H263Params),
    Vp8(Vp8Params),
    Opus(OpusParams),
}

/// The codec chosen for a stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NegotiatedCodec {
    pub name: CodecName,
    /// Used in both directions (we answer with the offered payload type).
    pub payload_type: u8,
    /// RTP clock rate (8000 for G.722).
    pub clock_rate: u32,
    pub channels: u8,
    /// The fmtp of OUR SDP (answer or offer) for this payload type: what we
    /// receive.
    pub fmtp: Option<String>,
    /// What the peer receives.
    pub params: CodecParams,
}

/// One accepted m-line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NegotiatedStream {
    /// Index of the m-line in the offer (and in the answer).
    pub index: usize,
    pub kind: MediaKind,
    /// The profile of the offer, which the answer keeps.
    pub profile: RtpProfile,
    pub codec: NegotiatedCodec,
    /// Payload type of telephone-event at the codec's clock rate (audio).
    pub telephone_event: Option<u8>,
    /// RTCP feedback agreed for the codec's payload type, e.g. `nack pli`
    /// (AVPF only).
    pub rtcp_fb: Vec<String>,
    /// Where the peer wants RTP; `None` for port 0 or `c=0.0.0.0` (hold).
    pub remote_rtp: Option<SocketAddr>,
    /// Where the peer wants RTCP: `a=rtcp` (RFC 3605), the RTP address when
    /// muxed, else RTP port + 1.
    pub remote_rtcp: Option<SocketAddr>,
    /// RTP and RTCP on one port (RFC 5761).
    pub rtcp_mux: bool,
    /// OUR direction (the attribute of our SDP): a `sendonly` peer makes it
    /// `RecvOnly`.
    pub direction: Direction,
    /// The peer's `a=ptime` (ms).
    pub ptime: Option<u32>,
    /// The peer's `b=TIAS` (converted to kbit/s) or `b=AS` for this m-line,
    /// else the session's: the most it wants to receive.
    pub bandwidth_kbps: Option<u32>,
}

impl NegotiatedStream {
    /// GStreamer caps of the RTP stream we RECEIVE on the codec's payload
    /// type, e.g. `application/x-rtp,media=(string)video,clock-rate=(int)90000,
    /// encoding-name=(string)H264,payload=(int)96,packetization-mode=(string)1,
    /// profile-level-id=(string)42e01f`.
    pub fn rtp_caps(&self) -> String {
        let c = &self.codec;
        let mut caps = RtpCaps::new(
            self.kind.as_str(),
            c.clock_rate,
            c.name.gst_encoding_name(),
            c.payload_type,
        );
        match (&c.name, &c.params) {
            (CodecName::Opus, _) => {
                caps.string("encoding-params", &c.channels.to_string());
            }
            (CodecName::H264, params) => {
                let h264 = H264Params::from_fmtp(c.fmtp.as_deref()).ok();
                if let Some(h) = &h264 {
                    caps.string("packetization-mode", &h.packetization_mode.to_string());
                    caps.string("profile-level-id", &h.profile_level_id().to_string());
                }
                // The peer's own parameter sets describe the stream it sends.
                if let CodecParams::H264(peer) = params {
                    if let Some(sprop) = &peer.sprop_parameter_sets {
                        caps.string("sprop-parameter-sets", sprop);
                    }
                }
            }
            _ => {}
        }
        for fb in &self.rtcp_fb {
            let name = format!(
                "rtcp-fb-{}",
                fb.split_whitespace().collect::<Vec<_>>().join("-")
            );
            caps.boolean(&name, true);
        }
        caps.build()
    }

    /// Caps for any payload type of this stream we receive: the codec's or
    /// telephone-event's.
    pub fn caps_for_payload(&self, pt: u8) -> Option<String> {
        if pt == self.codec.payload_type {
            return Some(self.rtp_caps());
        }
        let te = self.telephone_event.filter(|te| *te == pt)?;
        Some(
            RtpCaps::new(
                self.kind.as_str(),
                self.codec.clock_rate,
                CodecName::TelephoneEvent.gst_encoding_name(),
                te,
            )
            .build(),
        )
    }

    /// Every payload type the peer may send on this stream: `(payload type,
    /// clock rate, encoding name)`.
    pub fn payload_types(&self) -> Vec<(u8, u32, &'static str)> {
        let mut out = vec![(
            self.codec.payload_type,
            self.codec.clock_rate,
            self.codec.name.encoding_name(),
        )];
        if let Some(te) = self.telephone_event {
            out.push((
                te,
                self.codec.clock_rate,
                CodecName::TelephoneEvent.encoding_name(),
            ));
        }
        out
    }

    /// The picture size and frame rate to send to the peer (video only):
    /// the largest of the preferred shape within its limits.
    pub fn max_resolution(
        &self,
        prefer_w: u32,
        prefer_h: u32,
        fps: u32,
    ) -> Option<(u32, u32, u32)> {
        match &self.codec.params {
            CodecParams::H264(p) => Some(p.max_resolution(prefer_w, prefer_h, fps)),
            CodecParams::H263(p) => Some(p.max_resolution(prefer_w, prefer_h, fps)),
            CodecParams::Vp8(p) => Some(p.max_resolution(prefer_w, prefer_h, fps)),
            CodecParams::Opus(_) | CodecParams::None => None,
        }
    }

    /// The bit rate to send to the peer (kbit/s): its b=AS/TIAS, the codec's
    /// own limit (H.264 max-br or level), whichever is lower.
    pub fn max_send_bitrate_kbps(&self) -> Option<u32> {
        let codec = match &self.codec.params {
            CodecParams::H264(p) => Some(p.effective_max_br_kbps()),
            CodecParams::H263(p) => p.max_br.map(|br| br / 10),
            CodecParams::Opus(p) => p.maxaveragebitrate.map(|b| b / 1000),
            _ => None,
        };
        match (self.bandwidth_kbps, codec) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
}

/// The outcome for one m-line of the offer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MediaLine {
    Accepted(NegotiatedStream),
    Rejected {
        index: usize,
        /// The m-line's media token (`video`, `application`, ...).
        media: String,
        reason: String,
    },
}

impl MediaLine {
    pub fn index(&self) -> usize {
        match self {
            MediaLine::Accepted(s) => s.index,
            MediaLine::Rejected { index, .. } => *index,
        }
    }
}

/// What our SDP must repeat of each offered m-line.
#[derive(Debug, Clone, PartialEq, Eq)]
struct LineEcho {
    media: String,
    protocol: String,
    formats: Vec<String>,
    mid: Option<String>,
}

/// The outcome of an offer/answer exchange.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Negotiation {
    /// One entry per m-line, in order.
    pub lines: Vec<MediaLine>,
    echo: Vec<LineEcho>,
    /// The `b=AS` we put on accepted video lines.
    video_bandwidth_kbps: Option<u32>,
}

impl Negotiation {
    pub fn accepted(&self) -> impl Iterator<Item = &NegotiatedStream> {
        self.lines.iter().filter_map(|l| match l {
            MediaLine::Accepted(s) => Some(s),
            MediaLine::Rejected { .. } => None,
        })
    }

    /// The accepted stream of a kind, if any.
    pub fn stream(&self, kind: MediaKind) -> Option<&NegotiatedStream> {
        self.accepted().find(|s| s.kind == kind)
    }

    /// Build our SDP answer. `ports[i]` is the local RTP port of the i-th
    /// accepted stream (in `accepted()` order); a missing one is written as
    /// 0. Rejected lines get port 0 with the offered formats echoed (RFC
    /// 3264 §6).
    pub fn answer_sdp(
        &self,
        origin: &Origin,
        local_ip: IpAddr,
        ports: &[u16],
    ) -> SessionDescription {
        answer::build_sdp(self, origin, local_ip, ports)
    }
}

#[cfg(test)]
mod tests;
