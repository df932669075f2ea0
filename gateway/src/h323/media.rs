//! An H.323 participant's logical channels as the mixer sees them.
//!
//! H.245 opens one unidirectional logical channel per direction and kind:
//! the peer's toward us (it sends; we tell it our RTP address in the ack)
//! and ours toward it (it tells us its RTP and RTCP addresses). The mixer
//! has one stream per kind, with one codec for both directions, so each
//! kind becomes one [`H323Stream`] whose direction says which channels are
//! open; from there the SIP side's helpers make the `StreamSpec` and the
//! API's `StreamInfo`, so that the mixer sees no difference.

use std::net::SocketAddr;

use diemcau_codecs::catalogue::MediaKind;
use diemcau_codecs::negotiate::{Direction, NegotiatedCodec, NegotiatedStream, RtpProfile};
use diemcau_mixer::ports::PortPair;
use diemcau_mixer::spec::StreamSpec;

use crate::rooms::StreamInfo;
use crate::sip::endpoint::media::{info, stream_spec};

/// One media kind of an H.323 call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct H323Stream {
    pub kind: MediaKind,
    /// The codec of both directions, with the peer's parameters (what it
    /// receives) and our fmtp (what we receive).
    pub codec: NegotiatedCodec,
    /// The peer's channel toward us is open: it sends.
    pub receiving: bool,
    /// Our channel toward the peer is open: where it receives RTP (from
    /// the fast start reverse parameters or its OpenLogicalChannelAck).
    pub peer_rtp: Option<SocketAddr>,
    /// Where the peer takes RTCP: its mediaControlChannel (of either
    /// channel; ours first).
    pub peer_rtcp: Option<SocketAddr>,
    /// The most the peer wants to receive (its capability's maxBitRate or
    /// a FlowControlCommand), kbit/s.
    pub max_kbps: Option<u32>,
}

impl H323Stream {
    /// Our direction, SDP style: `SendOnly` when only our channel is open.
    pub fn direction(&self) -> Direction {
        match (self.peer_rtp.is_some(), self.receiving) {
            (true, true) => Direction::SendRecv,
            (true, false) => Direction::SendOnly,
            (false, true) => Direction::RecvOnly,
            (false, false) => Direction::Inactive,
        }
    }

    /// The same stream as SIP negotiation would have produced it.
    pub fn negotiated(&self) -> NegotiatedStream {
        NegotiatedStream {
            index: match self.kind {
                MediaKind::Audio => 0,
                MediaKind::Video => 1,
            },
            kind: self.kind,
            profile: RtpProfile::Avp,
            codec: self.codec.clone(),
            // H.323 sends DTMF in H.245 UserInputIndication, not RTP events.
            telephone_event: None,
            // Keyframes are asked by H.245 videoFastUpdatePicture.
            rtcp_fb: Vec::new(),
            remote_rtp: self.peer_rtp,
            remote_rtcp: self.peer_rtcp,
            rtcp_mux: false,
            direction: self.direction(),
            ptime: None,
            bandwidth_kbps: self.max_kbps,
        }
    }

    pub fn spec(&self) -> StreamSpec {
        stream_spec(&self.negotiated())
    }

    pub fn info(&self, local_port: u16) -> StreamInfo {
        info(&self.negotiated(), local_port)
    }
}

/// Port pairs held for a call's kinds until its media starts.
#[derive(Debug, Default)]
pub struct Reserved(Vec<(MediaKind, PortPair)>);

impl Reserved {
    pub fn new(pairs: Vec<(MediaKind, PortPair)>) -> Self {
        Self(pairs)
    }

    /// Our RTP and RTCP ports for `kind`.
    pub fn ports(&self, kind: MediaKind) -> Option<(u16, u16)> {
        self.0
            .iter()
            .find(|(k, _)| *k == kind)
            .map(|(_, p)| (p.rtp_port(), p.rtcp_port()))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Specs with their ports for `MediaRoom::add_participant` and what the
/// API shows, for the streams that have a reserved pair and an open
/// channel; the pairs used are taken out of `reserved`, the rest stay.
pub fn start_specs(
    streams: &[H323Stream],
    reserved: &mut Reserved,
) -> (Vec<(PortPair, StreamSpec)>, Vec<StreamInfo>) {
    let mut specs = Vec::new();
    let mut infos = Vec::new();
    for s in streams
        .iter()
        .filter(|s| s.direction() != Direction::Inactive)
    {
        let Some(i) = reserved.0.iter().position(|(k, _)| *k == s.kind) else {
            continue;
        };
        let (_, pair) = reserved.0.remove(i);
        infos.push(s.info(pair.rtp_port()));
        specs.push((pair, s.spec()));
    }
    (specs, infos)
}

/// Specs for `MediaRoom::update_participant`, in the order media started
/// (`started`: the kinds given to `start_specs`' result, in order); a kind
/// whose channels all closed is inactive.
pub fn update_specs(streams: &[H323Stream], started: &[MediaKind]) -> Vec<StreamSpec> {
    started
        .iter()
        .filter_map(|k| streams.iter().find(|s| s.kind == *k).map(H323Stream::spec))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use diemcau_codecs::catalogue::CodecName;
    use diemcau_codecs::h264::H264Params;
    use diemcau_codecs::negotiate::CodecParams;
    use diemcau_mixer::spec;

    fn pcma() -> NegotiatedCodec {
        NegotiatedCodec {
            name: CodecName::Pcma,
            payload_type: 8,
            clock_rate: 8000,
            channels: 1,
            fmtp: None,
            params: CodecParams::None,
        }
    }

    fn h264() -> NegotiatedCodec {
        let params = H264Params::from_fmtp(Some(
            "profile-level-id=42801e;packetization-mode=1;max-fs=1620",
        ))
        .unwrap();
        NegotiatedCodec {
            name: CodecName::H264,
            payload_type: 109,
            clock_rate: 90_000,
            channels: 1,
            fmtp: Some("profile-level-id=42801f;packetization-mode=1".into()),
            params: CodecParams::H264(params),
        }
    }

    fn streams() -> Vec<H323Stream> {
        vec![
            H323Stream {
                kind: MediaKind::Audio,
                codec: pcma(),
                receiving: true,
                peer_rtp: Some("192.0.2.7:5004".parse().unwrap()),
                peer_rtcp: Some("192.0.2.7:5005".parse().unwrap()),
                max_kbps: None,
            },
            H323Stream {
                kind: MediaKind::Video,
                codec: h264(),
                receiving: true,
                peer_rtp: None,
                peer_rtcp: Some("192.0.2.7:5007".parse().unwrap()),
                max_kbps: Some(384),
            },
        ]
    }

    #[test]
    fn channels_become_mixer_streams() {
        let s = streams();
        let audio = s[0].spec();
        assert_eq!(audio.kind, spec::MediaKind::Audio);
        assert_eq!(audio.payload_types, vec![(8, 8000, "PCMA".to_string())]);
        assert_eq!(audio.direction, spec::Direction::SendRecv);
        assert_eq!(audio.sdp_rtcp(), Some("192.0.2.7:5005".parse().unwrap()));
        assert!(audio.rtcp_fb.is_empty() && !audio.rtcp_mux);

        // Only the peer's video channel is open so far: we receive only.
        let video = s[1].spec();
        assert_eq!(video.direction, spec::Direction::RecvOnly);
        assert_eq!(video.max_send_kbps, Some(384));
        let fmtp = video.fmtp(109).unwrap();
        assert!(fmtp.send.as_deref().unwrap().contains("max-fs=1620"));
        assert!(fmtp
            .recv
            .as_deref()
            .unwrap()
            .contains("packetization-mode=1"));

        let mut v = s[1].clone();
        v.receiving = false;
        assert_eq!(v.direction(), Direction::Inactive);
        v.peer_rtp = Some("192.0.2.7:5006".parse().unwrap());
        assert_eq!(v.spec().direction, spec::Direction::SendOnly);
    }

    #[test]
    fn start_specs_take_their_pairs_and_show_in_the_api() {
        let alloc =
            diemcau_mixer::ports::PortAllocator::new("127.0.0.1".parse().unwrap(), 41000, 41100);
        let mut reserved = Reserved::new(vec![
            (MediaKind::Audio, alloc.allocate().unwrap()),
            (MediaKind::Video, alloc.allocate().unwrap()),
        ]);
        let (audio_rtp, audio_rtcp) = reserved.ports(MediaKind::Audio).unwrap();
        assert_eq!(audio_rtcp, audio_rtp + 1);
        let mut s = streams();
        // Video never opened: its pair stays reserved.
        s[1].receiving = false;
        let (specs, infos) = start_specs(&s, &mut reserved);
        assert_eq!(specs.len(), 1);
        assert_eq!(specs[0].0.rtp_port(), audio_rtp);
        assert_eq!(infos[0].kind, "audio");
        assert_eq!(infos[0].codec, "PCMA");
        assert_eq!(infos[0].local_port, audio_rtp);
        assert_eq!(infos[0].direction, "sendrecv");
        assert!(reserved.ports(MediaKind::Audio).is_none());
        assert!(reserved.ports(MediaKind::Video).is_some());

        let upd = update_specs(&s, &[MediaKind::Audio]);
        assert_eq!(upd.len(), 1);
        assert_eq!(upd[0].kind, spec::MediaKind::Audio);
    }
}
