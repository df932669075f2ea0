//! We answer an offer (RFC 3264 §6), and the per-m-line rules shared with
//! processing an answer to our offer.

use std::net::IpAddr;

use super::select::{self, Role};
use super::transport;
use super::{Direction, LineEcho, MediaLine, NegotiatedStream, Negotiation, RtpProfile};
use crate::catalogue::{Capabilities, CodecName, MediaKind};
use crate::sdp::{Attribute, Bandwidth, Connection, MediaDescription, Origin, SessionDescription};
use crate::CodecError;

/// The session name of the SDP we write.
pub(super) const SESSION_NAME: &str = "diemcau";

/// The events we receive: DTMF 0-9, *, #, A-D (RFC 4733 §3.2).
pub(super) const TELEPHONE_EVENTS: &str = "0-15";

/// Which kinds already have their stream.
#[derive(Default)]
pub(super) struct Taken {
    audio: bool,
    video: bool,
}

impl Taken {
    fn slot(&mut self, kind: MediaKind) -> &mut bool {
        match kind {
            MediaKind::Audio => &mut self.audio,
            MediaKind::Video => &mut self.video,
        }
    }
}

/// What one side may do on a line regardless of the other.
pub(super) struct LinePolicy {
    /// The most we do: sendrecv as answerer, what we offered as offerer.
    pub direction: Direction,
    /// Whether rtcp-mux may be agreed.
    pub rtcp_mux: bool,
}

/// Accept or reject one m-line of the peer's SDP.
pub(super) fn negotiate_line(
    peer_sdp: &SessionDescription,
    peer: &MediaDescription,
    index: usize,
    role: Role<'_>,
    caps: &Capabilities,
    taken: &mut Taken,
    policy: &LinePolicy,
) -> MediaLine {
    let reject = |reason: String| MediaLine::Rejected {
        index,
        media: peer.media.clone(),
        reason,
    };
    // With ICE the address is in the candidates: `c=IN IP4 0.0.0.0` and
    // port 9 are placeholders, not a hold, and a bundle-only line (RFC
    // 8843) has port 0 yet is wanted.
    let ice = caps.dtls_srtp && peer.protocol.starts_with("UDP/TLS/");
    if peer.port == 0 && !(ice && peer.has_attribute("bundle-only")) {
        return reject("port 0".into());
    }
    let Some(kind) = MediaKind::from_sdp(&peer.media) else {
        return reject(format!(
            "unsupported media {} {}",
            peer.media, peer.protocol
        ));
    };
    let Some(profile) = RtpProfile::from_protocol(&peer.protocol) else {
        return reject(format!("unsupported transport {}", peer.protocol));
    };
    if profile.is_secure() && !(caps.dtls_srtp && peer.protocol.starts_with("UDP/TLS/")) {
        return reject(format!(
            "{} needs SRTP, which is not supported",
            peer.protocol
        ));
    }
    if kind == MediaKind::Video && transport::is_secondary_content(peer) {
        return reject("content stream (a=content) is not supported".into());
    }
    if *taken.slot(kind) {
        return reject(format!("only one {kind} stream is supported"));
    }
    let Some(choice) = select::choose(kind, peer, role, caps) else {
        return reject("no common codec".into());
    };
    *taken.slot(kind) = true;

    let rtcp_mux = policy.rtcp_mux && peer.has_attribute("rtcp-mux");
    let remote_rtp = transport::remote_rtp(peer_sdp, peer);
    let rtcp_fb = select::rtcp_fb(profile, kind, choice.codec.payload_type, peer, role, caps);
    MediaLine::Accepted(NegotiatedStream {
        index,
        kind,
        profile,
        telephone_event: choice.telephone_event,
        rtcp_fb,
        remote_rtp,
        remote_rtcp: transport::remote_rtcp(peer_sdp, peer, remote_rtp, rtcp_mux),
        rtcp_mux,
        direction: policy.direction.intersect(
            if ice {
                transport::declared_direction(peer_sdp, peer)
            } else {
                transport::peer_direction(peer_sdp, peer)
            }
            .reversed(),
        ),
        ptime: transport::ptime(peer),
        bandwidth_kbps: transport::bandwidth_kbps(peer_sdp, peer),
        codec: choice.codec,
    })
}

pub(super) fn echo_of(m: &MediaDescription) -> LineEcho {
    LineEcho {
        media: m.media.clone(),
        protocol: m.protocol.clone(),
        formats: m.formats.clone(),
        mid: m.attribute_value("mid").map(|v| v.trim().to_string()),
    }
}

pub(super) fn video_bandwidth(caps: &Capabilities) -> Option<u32> {
    Some(caps.max_video_bitrate_kbps).filter(|b| *b > 0)
}

/// Answer an offer: at most one audio and one video stream, the first
/// usable of each; every other m-line rejected with port 0.
/// `Err(NoCommonCodec)` when no stream at all can be accepted.
pub fn answer(offer: &SessionDescription, caps: &Capabilities) -> Result<Negotiation, CodecError> {
    let mut taken = Taken::default();
    let policy = LinePolicy {
        direction: Direction::SendRecv,
        rtcp_mux: caps.rtcp_mux,
    };
    let lines: Vec<MediaLine> = offer
        .media
        .iter()
        .enumerate()
        .map(|(i, m)| negotiate_line(offer, m, i, Role::Answerer, caps, &mut taken, &policy))
        .collect();
    let negotiation = Negotiation {
        lines,
        echo: offer.media.iter().map(echo_of).collect(),
        video_bandwidth_kbps: video_bandwidth(caps),
    };
    if negotiation.accepted().next().is_none() {
        return Err(CodecError::NoCommonCodec);
    }
    Ok(negotiation)
}

/// `a=rtpmap` value: `<pt> <name>/<clock>[/<channels>]`.
pub(super) fn rtpmap(pt: u8, name: CodecName, clock_rate: u32, channels: u8) -> String {
    if channels > 1 {
        format!("{pt} {}/{clock_rate}/{channels}", name.encoding_name())
    } else {
        format!("{pt} {}/{clock_rate}", name.encoding_name())
    }
}

fn accepted_media(
    s: &NegotiatedStream,
    echo: &LineEcho,
    port: u16,
    video_bw: Option<u32>,
) -> MediaDescription {
    let c = &s.codec;
    let mut formats = vec![c.payload_type.to_string()];
    formats.extend(s.telephone_event.map(|te| te.to_string()));
    let mut m = MediaDescription::new(&echo.media, port, &echo.protocol, formats);
    if s.kind == MediaKind::Video {
        if let Some(bw) = video_bw {
            m.bandwidths.push(Bandwidth::new("AS", u64::from(bw)));
        }
    }
    let a = &mut m.attributes;
    a.push(Attribute::value(
        "rtpmap",
        rtpmap(c.payload_type, c.name, c.clock_rate, c.channels),
    ));
    if let Some(fmtp) = c.fmtp.as_deref().filter(|f| !f.is_empty()) {
        a.push(Attribute::value(
            "fmtp",
            format!("{} {fmtp}", c.payload_type),
        ));
    }
    for fb in &s.rtcp_fb {
        a.push(Attribute::value(
            "rtcp-fb",
            format!("{} {fb}", c.payload_type),
        ));
    }
    if let Some(te) = s.telephone_event {
        a.push(Attribute::value(
            "rtpmap",
            rtpmap(te, CodecName::TelephoneEvent, c.clock_rate, 1),
        ));
        a.push(Attribute::value("fmtp", format!("{te} {TELEPHONE_EVENTS}")));
    }
    if let Some(mid) = &echo.mid {
        a.push(Attribute::value("mid", mid));
    }
    if s.rtcp_mux {
        a.push(Attribute::property("rtcp-mux"));
    }
    a.push(Attribute::property(s.direction.as_str()));
    m
}

fn rejected_media(echo: &LineEcho) -> MediaDescription {
    let mut m = MediaDescription::new(&echo.media, 0, &echo.protocol, echo.formats.clone());
    if let Some(mid) = &echo.mid {
        m.attributes.push(Attribute::value("mid", mid));
    }
    m
}

pub(super) fn build_sdp(
    neg: &Negotiation,
    origin: &Origin,
    local_ip: IpAddr,
    ports: &[u16],
) -> SessionDescription {
    let mut sdp = SessionDescription::new(origin.clone(), SESSION_NAME);
    sdp.connection = Some(Connection::new(local_ip));
    let mut ports = ports.iter().copied();
    for (line, echo) in neg.lines.iter().zip(&neg.echo) {
        let m = match line {
            MediaLine::Accepted(s) => {
                accepted_media(s, echo, ports.next().unwrap_or(0), neg.video_bandwidth_kbps)
            }
            MediaLine::Rejected { .. } => rejected_media(echo),
        };
        sdp.media.push(m);
    }
    sdp
}
