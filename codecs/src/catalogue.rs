//! The codecs we know: their SDP encoding names, RTP clock rates and static
//! payload types (RFC 3551), and `Capabilities`, what this gateway is willing
//! to negotiate.

use std::fmt;
use std::str::FromStr;

use crate::h263::{H263Size, H263Sizes};
use crate::h264::H264Profile;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MediaKind {
    Audio,
    Video,
}

impl MediaKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MediaKind::Audio => "audio",
            MediaKind::Video => "video",
        }
    }

    /// The kind of an SDP `m=` media token, if it is one we handle.
    pub fn from_sdp(media: &str) -> Option<MediaKind> {
        if media.eq_ignore_ascii_case("audio") {
            Some(MediaKind::Audio)
        } else if media.eq_ignore_ascii_case("video") {
            Some(MediaKind::Video)
        } else {
            None
        }
    }
}

impl fmt::Display for MediaKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A codec (or, for telephone-event, an RTP payload format) we can handle.
#[allow(non_camel_case_types)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum CodecName {
    /// G.711 µ-law
    Pcmu,
    /// G.711 A-law
    Pcma,
    G722,
    Opus,
    /// RFC 4733 DTMF events
    TelephoneEvent,
    /// RFC 6184
    H264,
    /// RFC 2190 ("H263", static payload type 34)
    H263,
    /// RFC 4629 H.263+ ("H263-1998"; "H263-2000" is the same family)
    H263_1998,
    /// RFC 7741
    Vp8,
}

/// The RTP clock rate of every video payload format.
pub const VIDEO_CLOCK_RATE: u32 = 90_000;

impl CodecName {
    pub const ALL: [CodecName; 9] = [
        CodecName::Pcmu,
        CodecName::Pcma,
        CodecName::G722,
        CodecName::Opus,
        CodecName::TelephoneEvent,
        CodecName::H264,
        CodecName::H263,
        CodecName::H263_1998,
        CodecName::Vp8,
    ];

    /// The encoding name we write in `a=rtpmap`.
    pub fn encoding_name(self) -> &'static str {
        match self {
            CodecName::Pcmu => "PCMU",
            CodecName::Pcma => "PCMA",
            CodecName::G722 => "G722",
            CodecName::Opus => "opus",
            CodecName::TelephoneEvent => "telephone-event",
            CodecName::H264 => "H264",
            CodecName::H263 => "H263",
            CodecName::H263_1998 => "H263-1998",
            CodecName::Vp8 => "VP8",
        }
    }

    /// The encoding name GStreamer's depayloaders expect in their caps: the
    /// SDP name upper-cased, as `gst_sdp_media_get_caps_from_media` does.
    pub fn gst_encoding_name(self) -> &'static str {
        match self {
            CodecName::Opus => "OPUS",
            CodecName::TelephoneEvent => "TELEPHONE-EVENT",
            other => other.encoding_name(),
        }
    }

    /// Recognise an rtpmap encoding name (case-insensitive, RFC 4855 §3).
    pub fn from_encoding_name(name: &str) -> Option<CodecName> {
        if name.eq_ignore_ascii_case("H263-2000") {
            return Some(CodecName::H263_1998);
        }
        CodecName::ALL
            .into_iter()
            .find(|c| c.encoding_name().eq_ignore_ascii_case(name))
    }

    pub fn kind(self) -> MediaKind {
        match self {
            CodecName::Pcmu
            | CodecName::Pcma
            | CodecName::G722
            | CodecName::Opus
            | CodecName::TelephoneEvent => MediaKind::Audio,
            CodecName::H264 | CodecName::H263 | CodecName::H263_1998 | CodecName::Vp8 => {
                MediaKind::Video
            }
        }
    }

    /// The RTP clock rate. G.722 samples at 16 kHz but its RTP clock runs at
    /// 8 kHz for historical reasons (RFC 3551 §4.5.2). Telephone-event takes
    /// the rate of the codec it goes with; 8000 is its usual one.
    pub fn clock_rate(self) -> u32 {
        match self {
            CodecName::Pcmu | CodecName::Pcma | CodecName::G722 | CodecName::TelephoneEvent => 8000,
            CodecName::Opus => 48_000,
            CodecName::H264 | CodecName::H263 | CodecName::H263_1998 | CodecName::Vp8 => {
                VIDEO_CLOCK_RATE
            }
        }
    }

    /// Channels in the rtpmap: opus is always written `/2` (RFC 7587 §7).
    pub fn channels(self) -> u8 {
        match self {
            CodecName::Opus => 2,
            _ => 1,
        }
    }

    /// Whether a clock rate (and channel count, if the rtpmap has one) from
    /// an rtpmap is valid for this codec.
    pub fn accepts_rtpmap(self, clock_rate: u32, channels: Option<u8>) -> bool {
        match self {
            // Its rate follows the audio codec; checked by the negotiation.
            CodecName::TelephoneEvent => clock_rate > 0 && channels.is_none_or(|c| c == 1),
            CodecName::Opus => clock_rate == 48_000 && channels == Some(2),
            other => clock_rate == other.clock_rate() && channels.is_none_or(|c| c == 1),
        }
    }

    /// The static payload type RFC 3551 assigns, if any.
    pub fn static_payload_type(self) -> Option<u8> {
        match self {
            CodecName::Pcmu => Some(0),
            CodecName::Pcma => Some(8),
            CodecName::G722 => Some(9),
            CodecName::H263 => Some(34),
            _ => None,
        }
    }

    /// The codec a static payload type stands for when no rtpmap names it.
    pub fn from_static_payload_type(pt: u8) -> Option<CodecName> {
        CodecName::ALL
            .into_iter()
            .find(|c| c.static_payload_type() == Some(pt))
    }

    /// Telephone-event only rides along with an audio codec.
    pub fn is_primary(self) -> bool {
        self != CodecName::TelephoneEvent
    }
}

impl fmt::Display for CodecName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.encoding_name())
    }
}

impl FromStr for CodecName {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        CodecName::from_encoding_name(s.trim()).ok_or_else(|| format!("unknown codec {s:?}"))
    }
}

impl TryFrom<String> for CodecName {
    type Error = String;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<CodecName> for String {
    fn from(c: CodecName) -> String {
        c.encoding_name().to_string()
    }
}

/// Dynamic payload types we use in our own offers.
pub mod payload_types {
    pub const OPUS: u8 = 111;
    pub const TELEPHONE_EVENT_8K: u8 = 101;
    pub const TELEPHONE_EVENT_48K: u8 = 110;
    pub const H264_MODE1: u8 = 96;
    pub const H264_MODE0: u8 = 97;
    pub const VP8: u8 = 98;
    pub const H263_1998: u8 = 99;
}

/// What this gateway negotiates. The encoders behind it (x264, libvpx,
/// avenc_h263p, opus, G.7xx) and the decoders can do all of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Capabilities {
    /// Audio codecs in our preference order (used for our offers; when we
    /// answer, the offerer's order wins). Listing `TelephoneEvent` (anywhere)
    /// enables DTMF events.
    pub audio: Vec<CodecName>,
    /// Video codecs in our preference order.
    pub video: Vec<CodecName>,
    /// Highest H.264 level we receive and send (31 = 3.1 = 720p30).
    pub h264_max_level_idc: u8,
    /// H.264 profiles we accept; the peer's profile is answered unchanged.
    pub h264_profiles: Vec<H264Profile>,
    /// H.264 packetization modes we accept, in offer order (0 and 1).
    pub h264_packetization_modes: Vec<u8>,
    /// Frame size (macroblocks) we receive beyond the level, announced as
    /// `max-fs`. `None`: the level's.
    pub h264_max_fs: Option<u32>,
    /// Macroblocks per second we receive beyond the level (`max-mbps`).
    pub h264_max_mbps: Option<u32>,
    /// H.263/H.263+ picture sizes we receive, with their minimum picture
    /// interval (MPI, in 1/29.97 s).
    pub h263_sizes: H263Sizes,
    /// VP8 `max-fs` (macroblocks) and `max-fr` we announce, if any.
    pub vp8_max_fs: Option<u32>,
    pub vp8_max_fr: Option<u32>,
    /// Video bit rate we want to receive, announced as `b=AS`.
    pub max_video_bitrate_kbps: u32,
    /// Accept RTP/RTCP multiplexing (RFC 5761) when offered.
    pub rtcp_mux: bool,
    /// RTCP feedback (RFC 4585) we agree to on video in RTP/AVPF, e.g.
    /// `nack`, `nack pli`, `ccm fir`.
    pub rtcp_fb: Vec<String>,
    /// Accept DTLS-SRTP lines (`UDP/TLS/RTP/SAVPF`): the caller terminates
    /// DTLS and SRTP (webrtcbin for WebRTC sessions). SDES SRTP stays
    /// refused.
    pub dtls_srtp: bool,
}

impl Capabilities {
    /// Whether a primary codec is enabled.
    pub fn supports(&self, codec: CodecName) -> bool {
        match codec.kind() {
            MediaKind::Audio => self.audio.contains(&codec),
            MediaKind::Video => self.video.contains(&codec),
        }
    }

    pub fn telephone_event(&self) -> bool {
        self.audio.contains(&CodecName::TelephoneEvent)
    }

    /// Primary codecs of a kind, in preference order.
    pub fn codecs(&self, kind: MediaKind) -> impl Iterator<Item = CodecName> + '_ {
        let list = match kind {
            MediaKind::Audio => &self.audio,
            MediaKind::Video => &self.video,
        };
        list.iter()
            .copied()
            .filter(move |c| c.is_primary() && c.kind() == kind)
    }
}

impl Default for Capabilities {
    fn default() -> Self {
        Capabilities {
            audio: vec![
                CodecName::Opus,
                CodecName::G722,
                CodecName::Pcmu,
                CodecName::Pcma,
                CodecName::TelephoneEvent,
            ],
            video: vec![
                CodecName::H264,
                CodecName::Vp8,
                CodecName::H263_1998,
                CodecName::H263,
            ],
            h264_max_level_idc: 31,
            h264_profiles: vec![
                H264Profile::ConstrainedBaseline,
                H264Profile::Baseline,
                H264Profile::Main,
                H264Profile::High,
                // High without B-frames: what a real-time x264 produces.
                H264Profile::ConstrainedHigh,
            ],
            h264_packetization_modes: vec![1, 0],
            h264_max_fs: None,
            h264_max_mbps: None,
            h263_sizes: H263Sizes::up_to(H263Size::Cif4, 1),
            vp8_max_fs: None,
            vp8_max_fr: None,
            max_video_bitrate_kbps: 2048,
            rtcp_mux: true,
            rtcp_fb: vec!["nack".into(), "nack pli".into(), "ccm fir".into()],
            dtls_srtp: false,
        }
    }
}

impl Capabilities {
    /// What WebRTC sessions use: Opus; VP8 or H.264 constrained baseline in
    /// packetization mode 1 (what every browser decodes); DTLS-SRTP,
    /// rtcp-mux, and REMB so that our encoder can follow the browser's
    /// bandwidth estimate.
    pub fn webrtc() -> Capabilities {
        Capabilities {
            audio: vec![CodecName::Opus],
            video: vec![CodecName::Vp8, CodecName::H264],
            h264_profiles: vec![H264Profile::ConstrainedBaseline],
            h264_packetization_modes: vec![1],
            rtcp_fb: vec![
                "nack".into(),
                "nack pli".into(),
                "ccm fir".into(),
                "goog-remb".into(),
            ],
            dtls_srtp: true,
            ..Capabilities::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoding_names_are_case_insensitive() {
        assert_eq!(CodecName::from_encoding_name("pcmu"), Some(CodecName::Pcmu));
        assert_eq!(CodecName::from_encoding_name("OPUS"), Some(CodecName::Opus));
        assert_eq!(CodecName::from_encoding_name("h264"), Some(CodecName::H264));
        assert_eq!(
            CodecName::from_encoding_name("H263-2000"),
            Some(CodecName::H263_1998)
        );
        assert_eq!(
            CodecName::from_encoding_name("h263-1998"),
            Some(CodecName::H263_1998)
        );
        assert_eq!(
            CodecName::from_encoding_name("Telephone-Event"),
            Some(CodecName::TelephoneEvent)
        );
        assert_eq!(CodecName::from_encoding_name("G7221"), None);
        assert_eq!(CodecName::from_encoding_name("SIREN14"), None);
    }

    #[test]
    fn static_payload_types() {
        assert_eq!(
            CodecName::from_static_payload_type(0),
            Some(CodecName::Pcmu)
        );
        assert_eq!(
            CodecName::from_static_payload_type(8),
            Some(CodecName::Pcma)
        );
        assert_eq!(
            CodecName::from_static_payload_type(9),
            Some(CodecName::G722)
        );
        assert_eq!(
            CodecName::from_static_payload_type(34),
            Some(CodecName::H263)
        );
        // G.728 (15) and G.729 (18) are static too, but not ours.
        assert_eq!(CodecName::from_static_payload_type(15), None);
        assert_eq!(CodecName::from_static_payload_type(18), None);
        assert_eq!(CodecName::from_static_payload_type(96), None);
    }

    #[test]
    fn g722_clock_is_8000() {
        assert_eq!(CodecName::G722.clock_rate(), 8000);
        assert!(CodecName::G722.accepts_rtpmap(8000, None));
        assert!(!CodecName::G722.accepts_rtpmap(16000, None));
        assert!(CodecName::Opus.accepts_rtpmap(48000, Some(2)));
        assert!(!CodecName::Opus.accepts_rtpmap(48000, None));
        assert!(!CodecName::Pcmu.accepts_rtpmap(8000, Some(2)));
    }

    #[test]
    fn default_capabilities() {
        let caps = Capabilities::default();
        assert!(caps.telephone_event());
        assert_eq!(
            caps.codecs(MediaKind::Audio).collect::<Vec<_>>(),
            [
                CodecName::Opus,
                CodecName::G722,
                CodecName::Pcmu,
                CodecName::Pcma
            ]
        );
        assert!(caps.supports(CodecName::H263));
        assert_eq!(caps.h264_max_level_idc, 31);
    }

    #[test]
    fn codec_names_round_trip_through_strings() {
        for c in CodecName::ALL {
            assert_eq!(c.to_string().parse::<CodecName>(), Ok(c));
        }
        assert!("SILK".parse::<CodecName>().is_err());
    }
}
