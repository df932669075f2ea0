//! Fast start (H.323 §8.1.7): the caller puts OpenLogicalChannel proposals
//! in Setup, one per codec and direction; the callee picks at most one per
//! kind and direction, fills in its addresses and returns them, and media
//! flows without H.245 logical channel signalling.
//!
//! In a proposal, a channel the caller sends on has its codec in the
//! forward parameters and the caller's RTCP address; one it receives on
//! has `nullData` forward and its codec and RTP/RTCP addresses in the
//! reverse parameters. The mixer has one codec per kind for both
//! directions, so we pick, per kind, the first codec we support that the
//! caller offers both ways (else one way only).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use diemcau_codecs::catalogue::{Capabilities, CodecName, MediaKind};
use diemcau_codecs::h264::{H264Params, H264Profile, Level, ProfileLevelId};
use diemcau_codecs::negotiate::{CodecParams, NegotiatedCodec};
use rasn::types::OctetString;

use super::LocalMedia;
use crate::h323::asn1::h245::{
    self, AudioCapability, CapabilityIdentifier, DataType, GenericCapability, GenericParameter,
    H2250LogicalChannelParameters, LogicalChannelNumber, OpenLogicalChannel,
    OpenLogicalChannelForwardLogicalChannelParameters as Forward,
    OpenLogicalChannelForwardLogicalChannelParametersMultiplexParameters as ForwardMux,
    OpenLogicalChannelReverseLogicalChannelParameters as Reverse,
    OpenLogicalChannelReverseLogicalChannelParametersMultiplexParameters as ReverseMux,
    ParameterIdentifier, ParameterValue, TransportAddress, UnicastAddress,
    UnicastAddressIP6Address, UnicastAddressIPAddress, VideoCapability,
};
use crate::h323::media::H323Stream;

/// RTP session ids of H.225.0 §6.2.8.1: 1 audio, 2 video.
pub fn session_id(kind: MediaKind) -> u8 {
    match kind {
        MediaKind::Audio => 1,
        MediaKind::Video => 2,
    }
}

/// The dynamic payload type we give H.264 when the peer names none.
pub const H264_PAYLOAD_TYPE: u8 = 109;

/// Video bit rate we announce (units of 100 bit/s in H.245).
const VIDEO_MAX_KBPS: u32 = 1024;

pub fn h245_address(a: SocketAddr) -> TransportAddress {
    TransportAddress::UnicastAddress(match a.ip() {
        IpAddr::V4(ip) => UnicastAddress::IPAddress(UnicastAddressIPAddress {
            network: OctetString::from(ip.octets().to_vec()),
            tsap_identifier: a.port(),
        }),
        IpAddr::V6(ip) => UnicastAddress::IP6Address(UnicastAddressIP6Address {
            network: OctetString::from(ip.octets().to_vec()),
            tsap_identifier: a.port(),
        }),
    })
}

pub fn socket_addr(t: &TransportAddress) -> Option<SocketAddr> {
    match t {
        TransportAddress::UnicastAddress(UnicastAddress::IPAddress(a)) => {
            let o: [u8; 4] = a.network.as_ref().try_into().ok()?;
            Some(SocketAddr::new(
                IpAddr::V4(Ipv4Addr::from(o)),
                a.tsap_identifier,
            ))
        }
        TransportAddress::UnicastAddress(UnicastAddress::IP6Address(a)) => {
            let o: [u8; 16] = a.network.as_ref().try_into().ok()?;
            Some(SocketAddr::new(
                IpAddr::V6(Ipv6Addr::from(o)),
                a.tsap_identifier,
            ))
        }
        _ => None,
    }
}

/// H.241 Table 8-?: the `level` parameter's values and the level_idc of
/// each (1b is level_idc 9 in our model).
const H241_LEVELS: [(u16, u8); 16] = [
    (15, 10),
    (19, 9),
    (22, 11),
    (29, 12),
    (36, 13),
    (43, 20),
    (50, 21),
    (57, 22),
    (64, 30),
    (71, 31),
    (78, 32),
    (85, 40),
    (92, 41),
    (99, 42),
    (106, 50),
    (113, 51),
];

/// H.241 generic parameter numbers.
const PARAM_PROFILE: u8 = 41;
const PARAM_LEVEL: u8 = 42;
const PARAM_MAX_MBPS: u8 = 3;
const PARAM_MAX_FS: u8 = 4;
/// H.241 `profile` bits.
const PROFILE_BASELINE: u8 = 64;
const PROFILE_MAIN: u8 = 32;
const PROFILE_HIGH: u8 = 8;

fn is_h264(g: &GenericCapability) -> bool {
    matches!(&g.capability_identifier, CapabilityIdentifier::Standard(oid)
        if *oid == h245::h264_capability_oid())
}

/// H.264 parameters out of an H.241 GenericCapability.
pub fn h264_params(g: &GenericCapability) -> Option<H264Params> {
    let mut profile = None;
    let mut level = None;
    let (mut mbps, mut fs) = (None, None);
    for p in g.collapsing.iter().flatten() {
        let ParameterIdentifier::Standard(id) = p.parameter_identifier else {
            continue;
        };
        match (id, &p.parameter_value) {
            (PARAM_PROFILE, ParameterValue::BooleanArray(bits)) => profile = Some(*bits),
            (PARAM_LEVEL, ParameterValue::UnsignedMin(v)) => level = Some(*v),
            (PARAM_MAX_MBPS, ParameterValue::UnsignedMin(v)) => mbps = Some(u32::from(*v) * 500),
            (PARAM_MAX_FS, ParameterValue::UnsignedMin(v)) => fs = Some(u32::from(*v) * 256),
            _ => {}
        }
    }
    let bits = profile?;
    let h264_profile = if bits & PROFILE_BASELINE != 0 {
        // What room systems mean by baseline, and what x264 sends.
        H264Profile::ConstrainedBaseline
    } else if bits & PROFILE_MAIN != 0 {
        H264Profile::Main
    } else if bits & PROFILE_HIGH != 0 {
        H264Profile::High
    } else {
        return None;
    };
    let level_idc = H241_LEVELS
        .iter()
        .find(|(code, _)| Some(*code) == level)
        .map(|(_, idc)| *idc)?;
    let mut params = H264Params::new(
        ProfileLevelId::new(h264_profile, Level::from_idc(level_idc)),
        0,
    );
    params.max_mbps = mbps;
    params.max_fs = fs;
    params.max_br = g.max_bit_rate.map(|r| r / 10);
    Some(params)
}

/// Our H.264 capability: constrained baseline at our level.
pub fn h264_capability(caps: &Capabilities) -> GenericCapability {
    let level = H241_LEVELS
        .iter()
        .find(|(_, idc)| *idc == caps.h264_max_level_idc)
        .map(|(code, _)| *code)
        .unwrap_or(71);
    let param = |id: u8, value: ParameterValue| GenericParameter {
        parameter_identifier: ParameterIdentifier::Standard(id),
        parameter_value: value,
        supersedes: None,
    };
    GenericCapability {
        capability_identifier: CapabilityIdentifier::Standard(h245::h264_capability_oid()),
        max_bit_rate: Some(VIDEO_MAX_KBPS * 10),
        collapsing: Some(vec![
            param(
                PARAM_PROFILE,
                ParameterValue::BooleanArray(PROFILE_BASELINE),
            ),
            param(PARAM_LEVEL, ParameterValue::UnsignedMin(level)),
        ]),
        non_collapsing: None,
        non_collapsing_raw: None,
        transport: None,
    }
}

/// The codec of a data type, with the payload type it travels with.
pub fn codec_of(dt: &DataType, dynamic_pt: Option<u8>) -> Option<(MediaKind, NegotiatedCodec)> {
    let audio = |name: CodecName, pt: u8| {
        Some((
            MediaKind::Audio,
            NegotiatedCodec {
                name,
                payload_type: pt,
                clock_rate: 8000,
                channels: 1,
                fmtp: None,
                params: CodecParams::None,
            },
        ))
    };
    match dt {
        DataType::AudioData(AudioCapability::G711Alaw64k(_)) => audio(CodecName::Pcma, 8),
        DataType::AudioData(AudioCapability::G711Ulaw64k(_)) => audio(CodecName::Pcmu, 0),
        DataType::AudioData(AudioCapability::G722_64k(_)) => audio(CodecName::G722, 9),
        DataType::VideoData(VideoCapability::GenericVideoCapability(g)) if is_h264(g) => {
            let params = h264_params(g)?;
            Some((
                MediaKind::Video,
                NegotiatedCodec {
                    name: CodecName::H264,
                    payload_type: dynamic_pt.unwrap_or(H264_PAYLOAD_TYPE),
                    clock_rate: 90_000,
                    channels: 1,
                    fmtp: Some(params.to_fmtp()),
                    params: CodecParams::H264(params),
                },
            ))
        }
        _ => None,
    }
}

/// The data type we propose for a codec.
fn data_type(name: CodecName, caps: &Capabilities) -> Option<DataType> {
    // 20 ms of G.711/G.722 per packet, in the frames-per-packet unit of
    // H.245 (milliseconds for these codecs).
    Some(match name {
        CodecName::Pcma => DataType::AudioData(AudioCapability::G711Alaw64k(20)),
        CodecName::Pcmu => DataType::AudioData(AudioCapability::G711Ulaw64k(20)),
        CodecName::G722 => DataType::AudioData(AudioCapability::G722_64k(20)),
        CodecName::H264 => DataType::VideoData(VideoCapability::GenericVideoCapability(
            h264_capability(caps),
        )),
        _ => return None,
    })
}

fn h2250(
    kind: MediaKind,
    rtp: Option<SocketAddr>,
    rtcp: Option<SocketAddr>,
    pt: Option<u8>,
) -> H2250LogicalChannelParameters {
    H2250LogicalChannelParameters {
        non_standard: None,
        session_id: session_id(kind),
        associated_session_id: None,
        media_channel: rtp.map(h245_address),
        media_guaranteed_delivery: None,
        media_control_channel: rtcp.map(h245_address),
        media_control_guaranteed_delivery: None,
        silence_suppression: (kind == MediaKind::Audio).then_some(false),
        destination: None,
        dynamic_rtp_payload_type: pt.filter(|p| (96..=127).contains(p)),
        media_packetization: None,
        transport_capability: None,
        redundancy_encoding: None,
        source: None,
        nominal_audio_level: None,
    }
}

fn encode(olc: &OpenLogicalChannel) -> Option<Vec<u8>> {
    rasn::aper::encode(olc).ok()
}

/// One direction's channel of a proposal or answer, decoded.
#[derive(Debug, Clone)]
struct Channel {
    olc: OpenLogicalChannel,
    /// Reverse: the proposer receives on it.
    reverse: bool,
    kind: MediaKind,
    codec: NegotiatedCodec,
    rtp: Option<SocketAddr>,
    rtcp: Option<SocketAddr>,
}

fn decode(bytes: &[u8]) -> Option<Channel> {
    let olc: OpenLogicalChannel = rasn::aper::decode(bytes).ok()?;
    let fwd = &olc.forward_logical_channel_parameters;
    let (reverse, dt, mux) = match (&fwd.data_type, &olc.reverse_logical_channel_parameters) {
        (DataType::NullData, Some(rev)) => (
            true,
            rev.data_type.clone(),
            match &rev.multiplex_parameters {
                Some(ReverseMux::H2250LogicalChannelParameters(p)) => Some(p.clone()),
                _ => None,
            },
        ),
        (dt, _) => (
            false,
            dt.clone(),
            match &fwd.multiplex_parameters {
                ForwardMux::H2250LogicalChannelParameters(p) => Some(p.clone()),
                _ => None,
            },
        ),
    };
    let mux = mux?;
    let (kind, codec) = codec_of(&dt, mux.dynamic_rtp_payload_type)?;
    Some(Channel {
        olc,
        reverse,
        kind,
        codec,
        rtp: mux.media_channel.as_ref().and_then(socket_addr),
        rtcp: mux.media_control_channel.as_ref().and_then(socket_addr),
    })
}

/// Outgoing: our proposals, for each codec we have, both ways.
pub fn propose(caps: &Capabilities, local: &LocalMedia) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut number = 0u16;
    for kind in [MediaKind::Audio, MediaKind::Video] {
        let Some((rtp, rtcp)) = local.of(kind) else {
            continue;
        };
        for name in caps.codecs(kind) {
            let Some(dt) = data_type(name, caps) else {
                continue;
            };
            let pt = (name == CodecName::H264).then_some(H264_PAYLOAD_TYPE);
            // We send: the codec forward, our RTCP for the peer's reports.
            number += 1;
            let send = OpenLogicalChannel {
                forward_logical_channel_number: LogicalChannelNumber(number),
                forward_logical_channel_parameters: Forward {
                    port_number: None,
                    data_type: dt.clone(),
                    multiplex_parameters: ForwardMux::H2250LogicalChannelParameters(h2250(
                        kind,
                        None,
                        Some(rtcp),
                        pt,
                    )),
                    forward_logical_channel_dependency: None,
                    replacement_for: None,
                },
                reverse_logical_channel_parameters: None,
                separate_stack: None,
                encryption_sync: None,
                generic_information: None,
            };
            // We receive: nullData forward, the codec and our addresses
            // reverse.
            number += 1;
            let recv =
                OpenLogicalChannel {
                    forward_logical_channel_number: LogicalChannelNumber(number),
                    forward_logical_channel_parameters: Forward {
                        port_number: None,
                        data_type: DataType::NullData,
                        multiplex_parameters: ForwardMux::None,
                        forward_logical_channel_dependency: None,
                        replacement_for: None,
                    },
                    reverse_logical_channel_parameters: Some(Reverse {
                        data_type: dt,
                        multiplex_parameters: Some(ReverseMux::H2250LogicalChannelParameters(
                            h2250(kind, Some(rtp), Some(rtcp), pt),
                        )),
                        reverse_logical_channel_dependency: None,
                        replacement_for: None,
                    }),
                    separate_stack: None,
                    encryption_sync: None,
                    generic_information: None,
                };
            out.extend(encode(&send));
            out.extend(encode(&recv));
        }
    }
    out
}

/// Incoming: our answers to the caller's proposals, and the media they
/// make; `None` when we take none of them (fastConnectRefused).
pub fn answer(
    proposals: &[Vec<u8>],
    caps: &Capabilities,
    local: &LocalMedia,
) -> Option<(Vec<Vec<u8>>, Vec<H323Stream>)> {
    let channels: Vec<Channel> = proposals.iter().filter_map(|p| decode(p)).collect();
    let mut answers = Vec::new();
    let mut streams = Vec::new();
    for kind in [MediaKind::Audio, MediaKind::Video] {
        let Some((rtp, rtcp)) = local.of(kind) else {
            continue;
        };
        let supported = |c: &&Channel| c.kind == kind && caps.supports(c.codec.name);
        let of = |reverse: bool, name: Option<CodecName>| {
            channels
                .iter()
                .filter(supported)
                .find(|c| c.reverse == reverse && name.is_none_or(|n| c.codec.name == n))
        };
        // The first codec offered both ways, else the first either way.
        let both = channels
            .iter()
            .filter(supported)
            .find(|c| of(!c.reverse, Some(c.codec.name)).is_some())
            .map(|c| c.codec.name);
        let (peer_sends, peer_receives) = match both {
            Some(name) => (of(false, Some(name)), of(true, Some(name))),
            None => match channels.iter().find(supported) {
                Some(c) if c.reverse => (None, Some(c)),
                Some(c) => (Some(c), None),
                None => (None, None),
            },
        };
        if peer_sends.is_none() && peer_receives.is_none() {
            continue;
        }
        let mut codec = None;
        let mut stream_rtcp = None;
        if let Some(c) = peer_sends {
            // The caller sends: our RTP and RTCP go in its forward params.
            let mut olc = c.olc.clone();
            if let ForwardMux::H2250LogicalChannelParameters(p) =
                &mut olc.forward_logical_channel_parameters.multiplex_parameters
            {
                p.media_channel = Some(h245_address(rtp));
                p.media_control_channel = Some(h245_address(rtcp));
            }
            answers.extend(encode(&olc));
            codec = Some(c.codec.clone());
            stream_rtcp = c.rtcp;
        }
        let mut peer_rtp = None;
        if let Some(c) = peer_receives {
            // The caller receives: it gave its addresses; ours is the RTCP
            // source it will hear from.
            let mut olc = c.olc.clone();
            if let Some(Reverse {
                multiplex_parameters: Some(ReverseMux::H2250LogicalChannelParameters(p)),
                ..
            }) = &mut olc.reverse_logical_channel_parameters
            {
                p.media_control_channel = Some(h245_address(rtcp));
            }
            answers.extend(encode(&olc));
            peer_rtp = c.rtp;
            stream_rtcp = c.rtcp.or(stream_rtcp);
            // What the caller receives decides what we encode.
            codec = Some(match codec {
                Some(mut ours) => {
                    ours.params = c.codec.params.clone();
                    ours
                }
                None => c.codec.clone(),
            });
        }
        let Some(codec) = codec else { continue };
        streams.push(H323Stream {
            kind,
            max_kbps: match &codec.params {
                CodecParams::H264(p) => p.max_br,
                _ => None,
            },
            codec,
            receiving: peer_sends.is_some(),
            peer_rtp,
            peer_rtcp: stream_rtcp,
        });
    }
    (!answers.is_empty()).then_some((answers, streams))
}

/// Outgoing: the media the callee's answers make, out of our proposals.
pub fn accept(
    answers: &[Vec<u8>],
    proposals: &[Vec<u8>],
    local: &LocalMedia,
) -> Option<Vec<H323Stream>> {
    let _ = proposals;
    let channels: Vec<Channel> = answers.iter().filter_map(|a| decode(a)).collect();
    let mut streams = Vec::new();
    for kind in [MediaKind::Audio, MediaKind::Video] {
        if local.of(kind).is_none() {
            continue;
        }
        // Our forward proposal answered: the callee receives, its RTP
        // address is in there. Our reverse one: the callee sends to us.
        let we_send = channels.iter().find(|c| c.kind == kind && !c.reverse);
        let we_receive = channels.iter().find(|c| c.kind == kind && c.reverse);
        let Some(first) = we_send.or(we_receive) else {
            continue;
        };
        streams.push(H323Stream {
            kind,
            codec: first.codec.clone(),
            receiving: we_receive.is_some(),
            peer_rtp: we_send.and_then(|c| c.rtp),
            peer_rtcp: we_send
                .and_then(|c| c.rtcp)
                .or(we_receive.and_then(|c| c.rtcp)),
            max_kbps: None,
        });
    }
    (!streams.is_empty()).then_some(streams)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn local(base: u16) -> LocalMedia {
        let a = |p: u16| SocketAddr::from(([127, 0, 0, 1], p));
        LocalMedia {
            audio: (a(base), a(base + 1)),
            video: Some((a(base + 2), a(base + 3))),
        }
    }

    fn caps(audio: Vec<CodecName>) -> Capabilities {
        Capabilities {
            audio,
            video: vec![CodecName::H264],
            ..Capabilities::default()
        }
    }

    /// Our own proposals answered by our own answer logic: both sides end
    /// up with the other's addresses and one codec per kind.
    #[test]
    fn proposals_answered_and_accepted() {
        let caller = local(5000);
        let callee = local(6000);
        let proposals = propose(&caps(vec![CodecName::Pcma, CodecName::Pcmu]), &caller);
        assert_eq!(proposals.len(), 6, "2 audio codecs and H.264, both ways");
        // The callee takes µ-law only.
        let (answers, streams) =
            answer(&proposals, &caps(vec![CodecName::Pcmu]), &callee).expect("answered");
        assert_eq!(answers.len(), 4);
        let audio = &streams[0];
        assert_eq!(audio.codec.name, CodecName::Pcmu);
        assert!(audio.receiving);
        assert_eq!(audio.peer_rtp, Some(caller.audio.0));
        assert_eq!(audio.peer_rtcp, Some(caller.audio.1));
        let video = &streams[1];
        assert_eq!(video.codec.name, CodecName::H264);
        assert_eq!(video.codec.payload_type, H264_PAYLOAD_TYPE);
        assert_eq!(video.peer_rtp, Some(caller.video.unwrap().0));
        match &video.codec.params {
            CodecParams::H264(p) => {
                assert_eq!(p.level_idc, 31);
                assert_eq!(p.profile_idc, 66);
            }
            other => panic!("{other:?}"),
        }

        let got = accept(&answers, &proposals, &caller).expect("accepted");
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].codec.name, CodecName::Pcmu);
        assert!(got[0].receiving);
        assert_eq!(got[0].peer_rtp, Some(callee.audio.0));
        assert_eq!(got[0].peer_rtcp, Some(callee.audio.1));
        assert_eq!(got[1].peer_rtp, Some(callee.video.unwrap().0));
    }

    #[test]
    fn nothing_in_common_or_garbage_is_refused() {
        let proposals = propose(&caps(vec![CodecName::G722]), &local(5000));
        assert!(answer(
            &proposals,
            &caps(vec![CodecName::Pcma]),
            &LocalMedia {
                video: None,
                ..local(6000)
            }
        )
        .is_none());
        assert!(answer(
            &[vec![0xff; 7], vec![]],
            &caps(vec![CodecName::Pcma]),
            &local(6000)
        )
        .is_none());
        assert!(accept(&[vec![1, 2, 3]], &proposals, &local(5000)).is_none());
    }

    #[test]
    fn h241_levels_map_both_ways() {
        let c = caps(vec![]);
        let g = h264_capability(&c);
        let p = h264_params(&g).expect("parsed back");
        assert_eq!((p.profile_idc, p.level_idc), (66, 31));
        assert_eq!(p.max_br, Some(VIDEO_MAX_KBPS));
    }
}
