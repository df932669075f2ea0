//! We offer (dial-out, or a 200 to an INVITE without SDP), and process the
//! peer's answer.

use std::net::IpAddr;

use super::answer::{
    self, echo_of, negotiate_line, rtpmap, LinePolicy, Taken, SESSION_NAME, TELEPHONE_EVENTS,
};
use super::select::Role;
use super::transport;
use super::{MediaLine, Negotiation};
use crate::catalogue::{payload_types as pts, Capabilities, CodecName, MediaKind};
use crate::h263::H263Params;
use crate::h264;
use crate::opus;
use crate::sdp::{Attribute, Bandwidth, Connection, MediaDescription, Origin, SessionDescription};
use crate::vp8::Vp8Params;
use crate::CodecError;

/// Hardware endpoints mostly do not do AVPF, and RTCP feedback lines mean
/// nothing in AVP: our offers are plain RTP/AVP.
const PROFILE: &str = "RTP/AVP";

struct Builder {
    m: MediaDescription,
}

impl Builder {
    fn new(kind: MediaKind, port: u16) -> Builder {
        Builder {
            m: MediaDescription::new(kind.as_str(), port, PROFILE, Vec::new()),
        }
    }

    fn codec(&mut self, pt: u8, name: CodecName, clock_rate: u32, fmtp: Option<String>) {
        self.m.formats.push(pt.to_string());
        self.m.attributes.push(Attribute::value(
            "rtpmap",
            rtpmap(pt, name, clock_rate, name.channels()),
        ));
        if let Some(fmtp) = fmtp.filter(|f| !f.is_empty()) {
            self.m
                .attributes
                .push(Attribute::value("fmtp", format!("{pt} {fmtp}")));
        }
    }

    fn finish(mut self, caps: &Capabilities) -> Option<MediaDescription> {
        if self.m.formats.is_empty() {
            return None;
        }
        if caps.rtcp_mux {
            self.m.attributes.push(Attribute::property("rtcp-mux"));
        }
        self.m.attributes.push(Attribute::property("sendrecv"));
        Some(self.m)
    }
}

fn audio_offer(caps: &Capabilities, port: u16) -> Option<MediaDescription> {
    let mut b = Builder::new(MediaKind::Audio, port);
    let mut rates = Vec::new();
    for codec in caps.codecs(MediaKind::Audio) {
        let (pt, fmtp) = match codec {
            CodecName::Opus => (pts::OPUS, Some(opus::OUR_FMTP.to_string())),
            other => match other.static_payload_type() {
                Some(pt) => (pt, None),
                None => continue,
            },
        };
        b.codec(pt, codec, codec.clock_rate(), fmtp);
        if !rates.contains(&codec.clock_rate()) {
            rates.push(codec.clock_rate());
        }
    }
    if caps.telephone_event() {
        // One telephone-event per audio clock rate (RFC 4733 §2.5.1.2).
        for rate in rates {
            let pt = if rate == 48_000 {
                pts::TELEPHONE_EVENT_48K
            } else {
                pts::TELEPHONE_EVENT_8K
            };
            b.codec(
                pt,
                CodecName::TelephoneEvent,
                rate,
                Some(TELEPHONE_EVENTS.to_string()),
            );
        }
    }
    // Telephone-event alone is no audio stream.
    caps.codecs(MediaKind::Audio).next()?;
    b.finish(caps)
}

fn video_offer(caps: &Capabilities, port: u16) -> Option<MediaDescription> {
    let mut b = Builder::new(MediaKind::Video, port);
    for codec in caps.codecs(MediaKind::Video) {
        match codec {
            CodecName::H264 => {
                let mut modes: Vec<u8> = Vec::new();
                for mode in caps
                    .h264_packetization_modes
                    .iter()
                    .copied()
                    .filter(|m| *m <= 1)
                {
                    if !modes.contains(&mode) {
                        modes.push(mode);
                    }
                }
                for mode in modes {
                    let pt = if mode == 1 {
                        pts::H264_MODE1
                    } else {
                        pts::H264_MODE0
                    };
                    b.codec(
                        pt,
                        codec,
                        codec.clock_rate(),
                        Some(h264::offer(caps, mode).to_fmtp()),
                    );
                }
            }
            CodecName::Vp8 => {
                let fmtp = Vp8Params {
                    max_fr: caps.vp8_max_fr,
                    max_fs: caps.vp8_max_fs,
                }
                .to_fmtp();
                b.codec(pts::VP8, codec, codec.clock_rate(), fmtp);
            }
            CodecName::H263_1998 | CodecName::H263 if !caps.h263_sizes.is_empty() => {
                let pt = codec.static_payload_type().unwrap_or(pts::H263_1998);
                let fmtp = H263Params::new(caps.h263_sizes.clone()).to_fmtp();
                b.codec(pt, codec, codec.clock_rate(), Some(fmtp));
            }
            _ => {}
        }
    }
    if let Some(bw) = answer::video_bandwidth(caps) {
        b.m.bandwidths.push(Bandwidth::new("AS", u64::from(bw)));
    }
    b.finish(caps)
}

/// Our offer: one audio and one video m-line in RTP/AVP with every enabled
/// codec in our preference order (H.264 once per packetization mode, mode 1
/// on 96 and mode 0 on 97, since legacy endpoints only do mode 0). A kind
/// without enabled codecs is left out.
pub fn offer(
    caps: &Capabilities,
    origin: &Origin,
    local_ip: IpAddr,
    audio_port: u16,
    video_port: u16,
) -> SessionDescription {
    let mut sdp = SessionDescription::new(origin.clone(), SESSION_NAME);
    sdp.connection = Some(Connection::new(local_ip));
    sdp.media.extend(audio_offer(caps, audio_port));
    sdp.media.extend(video_offer(caps, video_port));
    sdp
}

/// Process the peer's answer to our offer. The answer must have as many
/// m-lines as the offer (RFC 3264 §6); each answered line may only use
/// payload types we offered. `Err(NoCommonCodec)` when nothing is usable.
pub fn process_answer(
    our_offer: &SessionDescription,
    answer: &SessionDescription,
    caps: &Capabilities,
) -> Result<Negotiation, CodecError> {
    if answer.media.len() != our_offer.media.len() {
        return Err(CodecError::AnswerMismatch(format!(
            "{} m-lines in the answer, {} in the offer",
            answer.media.len(),
            our_offer.media.len()
        )));
    }
    let mut taken = Taken::default();
    let lines: Vec<MediaLine> = our_offer
        .media
        .iter()
        .zip(&answer.media)
        .enumerate()
        .map(|(index, (ours, theirs))| {
            let reject = |reason: &str| MediaLine::Rejected {
                index,
                media: ours.media.clone(),
                reason: reason.to_string(),
            };
            if ours.port == 0 {
                return reject("not offered");
            }
            if !theirs.media.eq_ignore_ascii_case(&ours.media) {
                return reject("media type changed in the answer");
            }
            if !theirs.protocol.eq_ignore_ascii_case(&ours.protocol) {
                return reject("transport changed in the answer");
            }
            let policy = LinePolicy {
                direction: transport::declared_direction(our_offer, ours),
                rtcp_mux: ours.has_attribute("rtcp-mux"),
            };
            negotiate_line(
                answer,
                theirs,
                index,
                Role::Offerer(ours),
                caps,
                &mut taken,
                &policy,
            )
        })
        .collect();
    let negotiation = Negotiation {
        lines,
        echo: our_offer.media.iter().map(echo_of).collect(),
        video_bandwidth_kbps: answer::video_bandwidth(caps),
    };
    if negotiation.accepted().next().is_none() {
        return Err(CodecError::NoCommonCodec);
    }
    Ok(negotiation)
}
