//! What the signalling layer tells the media engine about one negotiated
//! m-line. The gateway fills it from `diemcau_codecs::negotiate::NegotiatedStream`
//! so that this crate does not depend on the SDP model.

use std::net::SocketAddr;

pub use diemcau_codecs::catalogue::MediaKind;

/// Media direction of the stream **from the gateway's side**, i.e. the
/// attribute we put in our SDP. `SendOnly` therefore means the peer does not
/// send (it put itself on hold with `a=recvonly`, or we hold it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    SendRecv,
    SendOnly,
    RecvOnly,
    Inactive,
}

impl Direction {
    /// Whether the peer is expected to send RTP to us.
    pub fn peer_sends(self) -> bool {
        matches!(self, Direction::SendRecv | Direction::RecvOnly)
    }

    /// Whether we may send RTP to the peer (RFC 3264 §5.1).
    pub fn we_send(self) -> bool {
        matches!(self, Direction::SendRecv | Direction::SendOnly)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Direction::SendRecv => "sendrecv",
            Direction::SendOnly => "sendonly",
            Direction::RecvOnly => "recvonly",
            Direction::Inactive => "inactive",
        }
    }
}

/// One negotiated stream as the media engine needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamSpec {
    pub kind: MediaKind,
    /// Payload types the peer may send on this stream: `(payload type, RTP
    /// clock rate, codec name)`. Include telephone-event and comfort noise if
    /// negotiated; packets with any other payload type are dropped.
    pub payload_types: Vec<(u8, u32, String)>,
    /// Address from the SDP (`c=` and `m=` port). Only the first guess of
    /// where to send: the stream latches onto the real source (NAT).
    /// `None`, an unspecified IP (`c=0.0.0.0` hold) or port 0 mean unknown.
    pub remote_rtp: Option<SocketAddr>,
    /// From `a=rtcp` (RFC 3605); without it RTCP goes to RTP port + 1.
    pub remote_rtcp: Option<SocketAddr>,
    /// RTP and RTCP share the RTP port (RFC 5761).
    pub rtcp_mux: bool,
    pub direction: Direction,
    /// Codec parameters per payload type (video needs them to encode what
    /// the peer can take). Empty: every codec's defaults.
    pub fmtp: Vec<PayloadFmtp>,
    /// The most the peer wants to receive (kbit/s): its b=AS/TIAS and the
    /// codec's own limit, whichever is lower. `None`: no limit announced.
    pub max_send_kbps: Option<u32>,
    /// The `a=rtcp-fb` values agreed for the codec (`nack pli`, `ccm fir`…),
    /// AVPF only: how a keyframe can be asked of the peer over RTCP. Empty:
    /// only through the signalling (SIP INFO).
    pub rtcp_fb: Vec<String>,
}

/// The fmtp of one payload type, in both directions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayloadFmtp {
    pub payload_type: u8,
    /// Our `a=fmtp`: what we receive (e.g. the H.264 packetization mode
    /// the peer sends in).
    pub recv: Option<String>,
    /// The peer's parameters: what it can receive from us (max-fs,
    /// packetization-mode, H.263 sizes, VP8 max-fs/max-fr), plus, for
    /// H.264, the sprop-parameter-sets of the stream it sends.
    pub send: Option<String>,
}

impl StreamSpec {
    /// The fmtp of a payload type, if any was negotiated.
    pub fn fmtp(&self, pt: u8) -> Option<&PayloadFmtp> {
        self.fmtp.iter().find(|f| f.payload_type == pt)
    }

    /// Clock rate and codec name of a payload type, if negotiated.
    pub fn payload_type(&self, pt: u8) -> Option<(u32, &str)> {
        self.payload_types
            .iter()
            .find(|(p, _, _)| *p == pt)
            .map(|(_, rate, name)| (*rate, name.as_str()))
    }

    /// The SDP RTP address, if it is a usable one.
    pub fn sdp_rtp(&self) -> Option<SocketAddr> {
        self.remote_rtp.filter(|a| usable(*a))
    }

    /// The SDP RTCP address: `a=rtcp`, the RTP address when muxed, else the
    /// RTP port + 1 (RFC 3550 §11).
    pub fn sdp_rtcp(&self) -> Option<SocketAddr> {
        let rtp = self.sdp_rtp();
        if self.rtcp_mux {
            return rtp;
        }
        if let Some(a) = self.remote_rtcp.filter(|a| usable(*a)) {
            return Some(a);
        }
        let rtp = rtp?;
        let port = rtp.port().checked_add(1)?;
        Some(SocketAddr::new(rtp.ip(), port))
    }
}

fn usable(a: SocketAddr) -> bool {
    !a.ip().is_unspecified() && a.port() != 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(remote: &str, rtcp: Option<&str>, mux: bool) -> StreamSpec {
        StreamSpec {
            kind: MediaKind::Audio,
            payload_types: vec![
                (0, 8000, "PCMU".into()),
                (101, 8000, "telephone-event".into()),
            ],
            remote_rtp: Some(remote.parse().unwrap()),
            remote_rtcp: rtcp.map(|r| r.parse().unwrap()),
            rtcp_mux: mux,
            direction: Direction::SendRecv,
            fmtp: Vec::new(),
            max_send_kbps: None,
            rtcp_fb: Vec::new(),
        }
    }

    #[test]
    fn rtcp_address_rules() {
        let a = "192.0.2.1:4000".parse().unwrap();
        assert_eq!(
            spec("192.0.2.1:4000", None, false).sdp_rtcp(),
            Some("192.0.2.1:4001".parse().unwrap())
        );
        assert_eq!(spec("192.0.2.1:4000", None, true).sdp_rtcp(), Some(a));
        assert_eq!(
            spec("192.0.2.1:4000", Some("192.0.2.9:5000"), false).sdp_rtcp(),
            Some("192.0.2.9:5000".parse().unwrap())
        );
        // c=0.0.0.0 (RFC 2543 hold) is no address at all.
        assert_eq!(spec("0.0.0.0:4000", None, false).sdp_rtp(), None);
        assert_eq!(spec("0.0.0.0:4000", None, false).sdp_rtcp(), None);
        assert_eq!(spec("192.0.2.1:65535", None, false).sdp_rtcp(), None);
    }

    #[test]
    fn payload_type_lookup_and_directions() {
        let s = spec("192.0.2.1:4000", None, false);
        assert_eq!(s.payload_type(101), Some((8000, "telephone-event")));
        assert_eq!(s.payload_type(8), None);
        assert!(Direction::RecvOnly.peer_sends() && !Direction::RecvOnly.we_send());
        assert!(!Direction::SendOnly.peer_sends() && Direction::SendOnly.we_send());
        assert!(!Direction::Inactive.peer_sends() && !Direction::Inactive.we_send());
    }
}
