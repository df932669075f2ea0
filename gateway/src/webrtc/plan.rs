//! From a WebRTC offer to what the session needs, sans-IO: the codec
//! answer (the same negotiation as for SIP terminals, with WebRTC's
//! capabilities) and, per accepted m-line, the RTP caps webrtcbin must
//! answer with and whether media goes each way.

use diemcau_codecs::catalogue::{Capabilities, CodecName, MediaKind};
use diemcau_codecs::negotiate::{self, NegotiatedStream, Negotiation};
use diemcau_codecs::sdp::SessionDescription;

/// One accepted m-line.
#[derive(Debug, Clone)]
pub struct PlannedLine {
    pub mline: usize,
    pub stream: NegotiatedStream,
    /// RTP caps of the chosen codec, no fmtp fields: webrtcbin intersects
    /// them with the offer's, so the answer keeps the offer's parameters
    /// for that payload type.
    pub caps: String,
    /// We send on it / the peer sends on it.
    pub send: bool,
    pub recv: bool,
}

#[derive(Debug, Clone)]
pub struct Plan {
    pub negotiation: Negotiation,
    pub lines: Vec<PlannedLine>,
    /// Number of m-lines in the offer.
    pub mlines: usize,
}

impl Plan {
    pub fn sends(&self) -> bool {
        self.lines.iter().any(|l| l.send)
    }

    pub fn receives(&self) -> bool {
        self.lines.iter().any(|l| l.recv)
    }
}

fn encoding_name(c: CodecName) -> Option<&'static str> {
    match c {
        CodecName::Opus => Some("OPUS"),
        CodecName::Vp8 => Some("VP8"),
        CodecName::H264 => Some("H264"),
        _ => None,
    }
}

/// The caps string for a negotiated stream.
pub fn caps(s: &NegotiatedStream) -> Option<String> {
    let name = encoding_name(s.codec.name)?;
    let media = match s.kind {
        MediaKind::Audio => "audio",
        MediaKind::Video => "video",
    };
    let mut out = format!(
        "application/x-rtp,media={media},encoding-name={name},payload={},clock-rate={}",
        s.codec.payload_type, s.codec.clock_rate
    );
    for fb in &s.rtcp_fb {
        let field = match fb.as_str() {
            "nack" => "nack",
            "nack pli" => "nack-pli",
            "ccm fir" => "ccm-fir",
            "goog-remb" => "goog-remb",
            _ => continue,
        };
        out.push_str(&format!(",rtcp-fb-{field}=(boolean)true"));
    }
    Some(out)
}

/// Why an offer cannot be taken (HTTP 400).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error("invalid SDP offer: {0}")]
    Sdp(String),
    #[error("no usable m-line: WebRTC sessions need DTLS-SRTP (UDP/TLS/RTP/SAVPF) with Opus audio or VP8/H.264 constrained baseline video")]
    NothingUsable,
}

pub fn plan(offer: &str) -> Result<Plan, PlanError> {
    let sdp = SessionDescription::parse(offer).map_err(|e| PlanError::Sdp(e.to_string()))?;
    let negotiation = negotiate::answer(&sdp, &Capabilities::webrtc()).map_err(|e| match e {
        diemcau_codecs::CodecError::NoCommonCodec => PlanError::NothingUsable,
        other => PlanError::Sdp(other.to_string()),
    })?;
    if !sdp
        .media
        .iter()
        .all(|m| m.protocol.starts_with("UDP/TLS/") || m.port == 0 || m.media == "application")
    {
        return Err(PlanError::NothingUsable);
    }
    let lines: Vec<PlannedLine> = negotiation
        .accepted()
        .filter_map(|s| {
            Some(PlannedLine {
                mline: s.index,
                caps: caps(s)?,
                send: s.direction.sends(),
                recv: s.direction.receives(),
                stream: s.clone(),
            })
        })
        .collect();
    if lines.is_empty() {
        return Err(PlanError::NothingUsable);
    }
    Ok(Plan {
        negotiation,
        lines,
        mlines: sdp.media.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Trimmed from a Chromium offer: BUNDLE, VP8 before H.264, transport-cc.
    pub(crate) const CHROMIUM: &str = "v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n\
a=group:BUNDLE 0 1\r\na=msid-semantic: WMS\r\n\
m=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 126\r\nc=IN IP4 0.0.0.0\r\na=rtcp:9 IN IP4 0.0.0.0\r\n\
a=ice-ufrag:0Swk\r\na=ice-pwd:OWqhHWvTYNQIu9+VznWxu6w3\r\na=ice-options:trickle\r\n\
a=fingerprint:sha-256 7B:8B:F0:65:5F:78:E2:51:3B:AC:6F:F3:3F:46:1B:35:DC:B8:5F:64:1A:24:C2:43:F0:A1:58:D0:A1:2C:19:08\r\n\
a=setup:actpass\r\na=mid:0\r\na=sendrecv\r\na=rtcp-mux\r\n\
a=rtpmap:111 opus/48000/2\r\na=rtcp-fb:111 transport-cc\r\na=fmtp:111 minptime=10;useinbandfec=1\r\n\
a=rtpmap:63 red/48000/2\r\na=rtpmap:9 G722/8000\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:126 telephone-event/8000\r\n\
m=video 9 UDP/TLS/RTP/SAVPF 96 97 102 103\r\nc=IN IP4 0.0.0.0\r\na=rtcp:9 IN IP4 0.0.0.0\r\n\
a=ice-ufrag:0Swk\r\na=ice-pwd:OWqhHWvTYNQIu9+VznWxu6w3\r\na=ice-options:trickle\r\n\
a=fingerprint:sha-256 7B:8B:F0:65:5F:78:E2:51:3B:AC:6F:F3:3F:46:1B:35:DC:B8:5F:64:1A:24:C2:43:F0:A1:58:D0:A1:2C:19:08\r\n\
a=setup:actpass\r\na=mid:1\r\na=sendrecv\r\na=rtcp-mux\r\na=rtcp-rsize\r\n\
a=rtpmap:96 VP8/90000\r\na=rtcp-fb:96 goog-remb\r\na=rtcp-fb:96 transport-cc\r\na=rtcp-fb:96 ccm fir\r\na=rtcp-fb:96 nack\r\na=rtcp-fb:96 nack pli\r\n\
a=rtpmap:97 rtx/90000\r\na=fmtp:97 apt=96\r\n\
a=rtpmap:102 H264/90000\r\na=rtcp-fb:102 goog-remb\r\na=rtcp-fb:102 nack pli\r\na=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f\r\n\
a=rtpmap:103 rtx/90000\r\na=fmtp:103 apt=102\r\n";

    #[test]
    fn chromium_offer_gets_opus_and_vp8_with_remb() {
        let p = plan(CHROMIUM).unwrap();
        assert_eq!(p.lines.len(), 2);
        assert_eq!(
            p.lines[0].caps,
            "application/x-rtp,media=audio,encoding-name=OPUS,payload=111,clock-rate=48000"
        );
        assert_eq!(
            p.lines[1].caps,
            "application/x-rtp,media=video,encoding-name=VP8,payload=96,clock-rate=90000,\
rtcp-fb-goog-remb=(boolean)true,rtcp-fb-ccm-fir=(boolean)true,rtcp-fb-nack=(boolean)true,rtcp-fb-nack-pli=(boolean)true"
        );
        assert!(p.lines.iter().all(|l| l.send && l.recv));
        assert_eq!(p.mlines, 2);
    }

    #[test]
    fn h264_only_offer_is_answered_in_h264_mode_1() {
        let offer = CHROMIUM.replace("96 97 102 103", "102 103");
        let p = plan(&offer).unwrap();
        assert!(p.lines[1].caps.contains("encoding-name=H264,payload=102"));
    }

    #[test]
    fn directions_follow_the_offer() {
        let whep = CHROMIUM.replace("a=sendrecv", "a=recvonly");
        let p = plan(&whep).unwrap();
        assert!(p.sends() && !p.receives());
        let whip = CHROMIUM.replace("a=sendrecv", "a=sendonly");
        let p = plan(&whip).unwrap();
        assert!(!p.sends() && p.receives());
    }

    /// What webrtcbin offers as a WHEP client: c=0.0.0.0 (ICE, not a hold)
    /// and a bundle-only video line with port 0.
    #[test]
    fn bundle_only_lines_and_ice_placeholders_are_accepted() {
        let whep = CHROMIUM
            .replace("a=sendrecv", "a=recvonly")
            .replace("m=video 9 ", "m=video 0 ")
            .replace("a=mid:1\r\n", "a=mid:1\r\na=bundle-only\r\n");
        let p = plan(&whep).unwrap();
        assert_eq!(p.lines.len(), 2);
        assert!(p.lines.iter().all(|l| l.send && !l.recv));
    }

    #[test]
    fn unusable_offers_are_refused() {
        assert!(matches!(plan("hello"), Err(PlanError::Sdp(_))));
        // Plain RTP is for SIP, not for the WebRTC endpoints.
        let plain = CHROMIUM.replace("UDP/TLS/RTP/SAVPF", "RTP/AVP");
        assert_eq!(plan(&plain).unwrap_err(), PlanError::NothingUsable);
        let no_codec = CHROMIUM
            .replace("111 63 9 0 8 126", "9 0")
            .replace("96 97 102 103", "97");
        assert_eq!(plan(&no_codec).unwrap_err(), PlanError::NothingUsable);
    }
}
