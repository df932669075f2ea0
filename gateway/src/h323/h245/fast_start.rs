//! Fast start (H.323 §8.1.7): the OpenLogicalChannel proposals a caller
//! puts in Setup (`fastStart`, each an encoded OLC in an OCTET STRING) and
//! the callee's answer in CallProceeding/Alerting/Connect.
//!
//! A proposal is either a channel the caller sends (forward parameters
//! with the data type and its RTCP address) or one it receives (forward
//! data type `nullData`, reverse parameters with the data type and its
//! RTP/RTCP addresses). The answer echoes the accepted ones in the same
//! structure with the callee's addresses: its RTP address in forward
//! channels (where the caller sends), its RTCP address in both.

use std::net::SocketAddr;

use diemcau_codecs::catalogue::{Capabilities, MediaKind};
use diemcau_codecs::h245::{choose_transmit, CapabilitySet, ChannelCodec, RemoteMedia};

use super::caps;
use super::session::h2250_parameters;
use super::session_id;
use crate::error::GatewayError;
use crate::h323::asn1::h245::{self as asn, *};

/// Which way a fast start channel goes. Proposal and answer keep the
/// structure of the proposal: forward parameters for the caller's media
/// to the callee, reverse parameters for the callee's to the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FastStartDirection {
    /// Caller to callee (forward parameters carry the data type).
    Forward,
    /// Callee to caller (forward `nullData`, reverse parameters carry it).
    Reverse,
}

/// One fastStart element, decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FastStartChannel {
    /// `forwardLogicalChannelNumber`.
    pub channel: u16,
    pub direction: FastStartDirection,
    pub session_id: u8,
    pub codec: ChannelCodec,
    /// `mediaChannel` (RTP: the receiving end's address; the callee's in
    /// an answered forward channel, the caller's in a reverse one) and
    /// `mediaControlChannel` (RTCP of whoever wrote the element).
    pub media: RemoteMedia,
}

/// Our addresses for one kind of media.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalMedia {
    pub rtp: SocketAddr,
    pub rtcp: SocketAddr,
}

/// The OpenLogicalChannel of a fast start channel.
pub fn open_logical_channel(c: &FastStartChannel) -> OpenLogicalChannel {
    let h2250 =
        |media: Option<SocketAddr>| h2250_parameters(c.session_id, &c.codec, media, c.media.rtcp);
    let (forward, reverse) = match c.direction {
        FastStartDirection::Forward => (
            OpenLogicalChannelForwardLogicalChannelParameters {
                port_number: None,
                data_type: caps::data_type(&c.codec.capability),
                multiplex_parameters:
                    OpenLogicalChannelForwardLogicalChannelParametersMultiplexParameters::H2250LogicalChannelParameters(
                        h2250(c.media.rtp),
                    ),
                forward_logical_channel_dependency: None,
                replacement_for: None,
            },
            None,
        ),
        FastStartDirection::Reverse => (
            OpenLogicalChannelForwardLogicalChannelParameters {
                port_number: None,
                data_type: DataType::NullData,
                multiplex_parameters:
                    OpenLogicalChannelForwardLogicalChannelParametersMultiplexParameters::None,
                forward_logical_channel_dependency: None,
                replacement_for: None,
            },
            Some(OpenLogicalChannelReverseLogicalChannelParameters {
                data_type: caps::data_type(&c.codec.capability),
                multiplex_parameters: Some(
                    OpenLogicalChannelReverseLogicalChannelParametersMultiplexParameters::H2250LogicalChannelParameters(
                        h2250(c.media.rtp),
                    ),
                ),
                reverse_logical_channel_dependency: None,
                replacement_for: None,
            }),
        ),
    };
    OpenLogicalChannel {
        forward_logical_channel_number: LogicalChannelNumber(c.channel.max(1)),
        forward_logical_channel_parameters: forward,
        reverse_logical_channel_parameters: reverse,
        separate_stack: None,
        encryption_sync: None,
        generic_information: None,
    }
}

/// Encode fast start channels as fastStart elements.
pub fn encode(channels: &[FastStartChannel]) -> Result<Vec<Vec<u8>>, GatewayError> {
    channels
        .iter()
        .map(|c| {
            rasn::aper::encode(&open_logical_channel(c))
                .map_err(|e| GatewayError::H245(format!("cannot encode fastStart OLC: {e}")))
        })
        .collect()
}

/// A fast start channel from an OpenLogicalChannel; `None` for ones we do
/// not handle (data, unknown codecs, no H.225.0 parameters).
pub fn from_open_logical_channel(olc: &OpenLogicalChannel) -> Option<FastStartChannel> {
    let fwd = &olc.forward_logical_channel_parameters;
    let (direction, data_type, h2250) = match (&olc.reverse_logical_channel_parameters, &fwd.multiplex_parameters) {
        (
            None,
            OpenLogicalChannelForwardLogicalChannelParametersMultiplexParameters::H2250LogicalChannelParameters(p),
        ) => (FastStartDirection::Forward, &fwd.data_type, p),
        (Some(rev), _) if fwd.data_type == DataType::NullData => match &rev.multiplex_parameters {
            Some(OpenLogicalChannelReverseLogicalChannelParametersMultiplexParameters::H2250LogicalChannelParameters(p)) => {
                (FastStartDirection::Reverse, &rev.data_type, p)
            }
            _ => return None,
        },
        _ => return None,
    };
    let codec = caps::channel_codec(data_type, h2250)?;
    Some(FastStartChannel {
        channel: olc.forward_logical_channel_number.0,
        direction,
        session_id: h2250.session_id,
        codec,
        media: RemoteMedia {
            rtp: h2250.media_channel.as_ref().and_then(caps::socket_address),
            rtcp: h2250
                .media_control_channel
                .as_ref()
                .and_then(caps::socket_address),
        },
    })
}

/// Decode fastStart elements. Undecodable elements are an error (the
/// Setup is malformed); well-formed ones we do not handle are skipped.
pub fn parse(elements: &[Vec<u8>]) -> Result<Vec<FastStartChannel>, GatewayError> {
    let mut out = Vec::new();
    for e in elements {
        if e.len() > asn::MAX_MESSAGE_LEN {
            return Err(GatewayError::H245("fastStart element too long".into()));
        }
        let olc: OpenLogicalChannel = rasn::aper::decode(e)
            .map_err(|err| GatewayError::H245(format!("undecodable fastStart OLC: {err}")))?;
        out.extend(from_open_logical_channel(&olc));
    }
    Ok(out)
}

/// Our fast start proposals (as caller): for audio and video, the channel
/// we send (our first codec of the kind) and one channel we receive per
/// codec we take, in our preference order.
pub fn proposals(
    caps: &Capabilities,
    audio: Option<LocalMedia>,
    video: Option<LocalMedia>,
) -> Vec<FastStartChannel> {
    let ours = diemcau_codecs::h245::local_capability_set(caps);
    let mut out = Vec::new();
    let mut n = 1;
    for (kind, local) in [(MediaKind::Audio, audio), (MediaKind::Video, video)] {
        let Some(local) = local else { continue };
        let receivable: Vec<_> = ours.receivable(kind).cloned().collect();
        // What we would send: the first we receive too (symmetric codecs
        // are what room systems expect from a fast start caller).
        if let Some(first) = receivable.first() {
            out.push(FastStartChannel {
                channel: n,
                direction: FastStartDirection::Forward,
                session_id: session_id(kind),
                codec: with_payload_type(first.capability.clone()),
                media: RemoteMedia {
                    rtp: None,
                    rtcp: Some(local.rtcp),
                },
            });
            n += 1;
        }
        for e in &receivable {
            out.push(FastStartChannel {
                channel: n,
                direction: FastStartDirection::Reverse,
                session_id: session_id(kind),
                codec: with_payload_type(e.capability.clone()),
                media: RemoteMedia {
                    rtp: Some(local.rtp),
                    rtcp: Some(local.rtcp),
                },
            });
            n += 1;
        }
    }
    out
}

fn with_payload_type(capability: diemcau_codecs::h245::MediaCapability) -> ChannelCodec {
    let dynamic = match &capability {
        diemcau_codecs::h245::MediaCapability::H264(_) => {
            Some(diemcau_codecs::catalogue::payload_types::H264_MODE1)
        }
        _ => None,
    };
    let mut codec = ChannelCodec {
        capability,
        dynamic_payload_type: dynamic,
    };
    if let diemcau_codecs::h245::MediaCapability::H264(h) = &mut codec.capability {
        h.packetization_mode = 1;
    }
    codec
}

/// The callee's choice among a caller's proposals.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FastStartAnswer {
    /// What to put in our fastStart answer (encode with [`encode`]).
    pub channels: Vec<FastStartChannel>,
    /// Per kind: what the caller sends us (its channel) and what we send
    /// it, with the caller's addresses.
    pub streams: Vec<AnsweredStream>,
}

/// One media kind of a fast start answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnsweredStream {
    pub kind: MediaKind,
    /// The caller's channel to us (its codec is what we receive).
    pub receive: Option<ChannelCodec>,
    /// Our channel to the caller.
    pub send: Option<ChannelCodec>,
    /// The caller's RTP (for our channel) and RTCP addresses.
    pub remote: RemoteMedia,
}

/// Answer a caller's proposals (as callee): per kind, the first channel it
/// sends that we take, and the channel it receives in our preference order
/// among its proposals. `local` gives our addresses per kind; kinds
/// without one are not answered.
pub fn answer(
    proposals: &[FastStartChannel],
    caps: &Capabilities,
    audio: Option<LocalMedia>,
    video: Option<LocalMedia>,
) -> FastStartAnswer {
    let ours = diemcau_codecs::h245::local_capability_set(caps);
    let mut out = FastStartAnswer::default();
    for (kind, local) in [(MediaKind::Audio, audio), (MediaKind::Video, video)] {
        let Some(local) = local else { continue };
        let of_kind = |d: FastStartDirection| {
            proposals
                .iter()
                .filter(move |p| p.direction == d && p.codec.capability.kind() == kind)
        };
        let receive = of_kind(FastStartDirection::Forward)
            .find(|p| ours.accepts(&p.codec.capability))
            .cloned();
        // The caller's receive proposals as a capability set: what it takes.
        let peer = CapabilitySet {
            entries: of_kind(FastStartDirection::Reverse)
                .enumerate()
                .map(|(i, p)| diemcau_codecs::h245::CapabilityEntry {
                    number: u16::try_from(i + 1).unwrap_or(u16::MAX),
                    direction: diemcau_codecs::h245::CapabilityDirection::Receive,
                    capability: p.codec.capability.clone(),
                })
                .collect(),
            ..CapabilitySet::default()
        };
        let send = choose_transmit(&peer, caps, kind).and_then(|chosen| {
            of_kind(FastStartDirection::Reverse)
                .find(|p| p.codec.capability.same_codec(&chosen))
                .map(|p| {
                    let mut p = p.clone();
                    // Keep the caller's payload type and packetization; send within both limits.
                    let mut codec = p.codec.clone();
                    if let (
                        diemcau_codecs::h245::MediaCapability::H264(mine),
                        diemcau_codecs::h245::MediaCapability::H264(theirs),
                    ) = (&chosen, &p.codec.capability)
                    {
                        let mut h = mine.clone();
                        h.packetization_mode = theirs.packetization_mode;
                        codec.capability = diemcau_codecs::h245::MediaCapability::H264(h);
                    } else {
                        codec.capability = chosen.clone();
                    }
                    p.codec = codec;
                    p
                })
        });
        let mut remote = RemoteMedia::default();
        if let Some(r) = &receive {
            remote.rtcp = r.media.rtcp;
            out.channels.push(FastStartChannel {
                media: RemoteMedia {
                    rtp: Some(local.rtp),
                    rtcp: Some(local.rtcp),
                },
                ..r.clone()
            });
        }
        if let Some(s) = &send {
            remote.rtp = s.media.rtp;
            remote.rtcp = remote.rtcp.or(s.media.rtcp);
            out.channels.push(FastStartChannel {
                media: RemoteMedia {
                    rtp: s.media.rtp,
                    rtcp: Some(local.rtcp),
                },
                ..s.clone()
            });
        }
        if receive.is_some() || send.is_some() {
            out.streams.push(AnsweredStream {
                kind,
                receive: receive.map(|r| r.codec),
                send: send.map(|s| s.codec),
                remote,
            });
        }
    }
    out
}
