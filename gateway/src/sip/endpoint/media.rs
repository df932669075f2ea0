//! Between negotiation (codecs) and the media engine (mixer): reserving
//! ports per media kind, turning negotiated streams into stream specs, and
//! what the API shows of them.

use diemcau_codecs::catalogue::{CodecName, MediaKind};
use diemcau_codecs::negotiate::{CodecParams, Direction, NegotiatedStream, Negotiation};
use diemcau_codecs::sdp::SessionDescription;
use diemcau_mixer::ports::PortPair;
use diemcau_mixer::spec::{self, PayloadFmtp, StreamSpec};
use diemcau_mixer::MixerError;

use super::Core;
use crate::rooms::StreamInfo;

/// Port pairs reserved for a call, by media kind, until media starts.
#[derive(Default)]
pub struct PendingPorts(Vec<(MediaKind, PortPair)>);

impl PendingPorts {
    /// The RTP port reserved for `kind` (0 when none: the m-line is refused).
    pub fn port(&self, kind: MediaKind) -> u16 {
        self.0
            .iter()
            .find(|(k, _)| *k == kind)
            .map(|(_, p)| p.rtp_port())
            .unwrap_or(0)
    }

    fn take(&mut self, kind: MediaKind) -> Option<PortPair> {
        let i = self.0.iter().position(|(k, _)| *k == kind)?;
        Some(self.0.remove(i).1)
    }
}

/// Reserve one port pair per kind.
pub fn reserve(core: &Core, kinds: &[MediaKind]) -> Result<PendingPorts, MixerError> {
    let mut out = PendingPorts::default();
    for k in kinds {
        out.0.push((*k, core.ports.allocate()?));
    }
    Ok(out)
}

/// Local ports for the accepted streams, in `Negotiation::accepted` order.
pub fn ports_in_order(ports: &PendingPorts, neg: &Negotiation) -> Vec<u16> {
    neg.accepted().map(|s| ports.port(s.kind)).collect()
}

/// For a re-negotiation: the ports media already runs on, in accepted
/// order; None when the new SDP accepts a kind we have no stream for.
pub fn ports_for_existing(local: &[(MediaKind, u16)], neg: &Negotiation) -> Option<Vec<u16>> {
    neg.accepted()
        .map(|s| local.iter().find(|(k, _)| *k == s.kind).map(|(_, p)| *p))
        .collect()
}

fn mixer_kind(k: MediaKind) -> spec::MediaKind {
    match k {
        MediaKind::Audio => spec::MediaKind::Audio,
        MediaKind::Video => spec::MediaKind::Video,
    }
}

fn mixer_direction(d: Direction) -> spec::Direction {
    match d {
        Direction::SendRecv => spec::Direction::SendRecv,
        Direction::SendOnly => spec::Direction::SendOnly,
        Direction::RecvOnly => spec::Direction::RecvOnly,
        Direction::Inactive => spec::Direction::Inactive,
    }
}

pub(crate) fn stream_spec(s: &NegotiatedStream) -> StreamSpec {
    let mut payload_types = vec![(
        s.codec.payload_type,
        s.codec.clock_rate,
        s.codec.name.to_string(),
    )];
    if let Some(pt) = s.telephone_event {
        payload_types.push((
            pt,
            s.codec.clock_rate.max(8000),
            CodecName::TelephoneEvent.to_string(),
        ));
    }
    StreamSpec {
        kind: mixer_kind(s.kind),
        payload_types,
        remote_rtp: s.remote_rtp,
        remote_rtcp: s.remote_rtcp,
        rtcp_mux: s.rtcp_mux,
        direction: mixer_direction(s.direction),
        fmtp: vec![PayloadFmtp {
            payload_type: s.codec.payload_type,
            recv: s.codec.fmtp.clone(),
            send: peer_fmtp(&s.codec.params),
        }],
        max_send_kbps: s.max_send_bitrate_kbps(),
        rtcp_fb: s.rtcp_fb.clone(),
    }
}

/// What the peer receives, as an fmtp the mixer parses back (H.264, H.263
/// and VP8 limits for its video encoder).
fn peer_fmtp(params: &CodecParams) -> Option<String> {
    match params {
        CodecParams::H264(p) => Some(p.to_fmtp()),
        CodecParams::H263(p) => Some(p.to_fmtp()),
        CodecParams::Vp8(p) => p.to_fmtp(),
        CodecParams::Opus(_) | CodecParams::None => None,
    }
}

pub(crate) fn info(s: &NegotiatedStream, port: u16) -> StreamInfo {
    StreamInfo {
        kind: match s.kind {
            MediaKind::Audio => "audio",
            MediaKind::Video => "video",
        },
        codec: s.codec.name.to_string(),
        payload_type: s.codec.payload_type,
        local_port: port,
        direction: direction_str(s.direction).to_string(),
    }
}

fn direction_str(d: Direction) -> &'static str {
    match d {
        Direction::SendRecv => "sendrecv",
        Direction::SendOnly => "sendonly",
        Direction::RecvOnly => "recvonly",
        Direction::Inactive => "inactive",
    }
}

/// Specs with their ports for `MediaRoom::add_participant`, what the API
/// shows, and the local port per kind. Unused reserved ports are released.
#[allow(clippy::type_complexity)]
pub fn start_specs(
    neg: &Negotiation,
    ports: &mut PendingPorts,
) -> (
    Vec<(PortPair, StreamSpec)>,
    Vec<StreamInfo>,
    Vec<(MediaKind, u16)>,
) {
    let mut streams = Vec::new();
    let mut infos = Vec::new();
    let mut local = Vec::new();
    for s in neg.accepted() {
        if let Some(pair) = ports.take(s.kind) {
            let port = pair.rtp_port();
            infos.push(info(s, port));
            local.push((s.kind, port));
            streams.push((pair, stream_spec(s)));
        }
    }
    *ports = PendingPorts::default();
    (streams, infos, local)
}

/// Specs for `MediaRoom::update_participant`, in the order media started.
pub fn update_specs(neg: &Negotiation, local: &[(MediaKind, u16)]) -> Vec<StreamSpec> {
    local
        .iter()
        .filter_map(|(k, _)| neg.accepted().find(|s| s.kind == *k).map(stream_spec))
        .collect()
}

/// The peer holds the call when it sends on no stream (our answer is
/// recvonly or inactive everywhere).
pub fn peer_on_hold(neg: &Negotiation) -> bool {
    let mut any = false;
    for s in neg.accepted() {
        any = true;
        if matches!(s.direction, Direction::SendRecv | Direction::SendOnly) {
            return false;
        }
    }
    any
}

/// An SDP without its o= line, to tell whether a new answer differs from
/// the last one (RFC 3264 §8: the version changes only with the content).
pub fn without_origin(sdp: &SessionDescription) -> String {
    sdp.to_string()
        .lines()
        .filter(|l| !l.starts_with("o="))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use diemcau_codecs::catalogue::Capabilities;

    /// The mixer's video encoder needs what the peer takes: its H.264
    /// limits and packetization mode reach the spec as an fmtp it parses
    /// back, next to ours (what we receive) and its bit rate limit.
    #[test]
    fn video_specs_carry_both_fmtps_and_the_bit_rate() {
        let offer = SessionDescription::parse(
            "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n\
             m=audio 5000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n\
             m=video 5002 RTP/AVP 109\r\nb=AS:768\r\na=rtpmap:109 H264/90000\r\n\
             a=fmtp:109 profile-level-id=42e01f;packetization-mode=1;max-fs=3600\r\n",
        )
        .unwrap();
        let neg = diemcau_codecs::negotiate::answer(&offer, &Capabilities::default()).unwrap();
        let video = stream_spec(neg.stream(MediaKind::Video).unwrap());
        assert_eq!(video.max_send_kbps, Some(768));
        let fmtp = video.fmtp(109).expect("fmtp of the H.264 payload type");
        let send = fmtp.send.as_deref().unwrap();
        assert!(send.contains("packetization-mode=1"), "{send}");
        assert!(send.contains("max-fs=3600"), "{send}");
        assert!(fmtp.recv.as_deref().unwrap().contains("profile-level-id"));
        // Audio has nothing to say.
        let audio = stream_spec(neg.stream(MediaKind::Audio).unwrap());
        assert_eq!(audio.fmtp(0).map(|f| f.send.clone()), Some(None));
    }
}
