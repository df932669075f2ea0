//! rasn H.245 types <-> the plain capability model of `codecs::h245`:
//! capability sets, data types of logical channels, transport addresses.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use diemcau_codecs::h245::{
    h241, h263_mpis, h263_sizes, CapabilityDescriptor as Descriptor, CapabilityDirection,
    CapabilityEntry, CapabilitySet, ChannelCodec, H263Capability, H264Capability, MediaCapability,
    UserInputSupport,
};

use crate::h323::asn1::h245::{self as asn, *};

/// The H.241 RTP payload descriptors of H.264 packetization modes
/// (0.0.8.241.0.0.0.0 single NAL unit, 0.0.8.241.0.0.0.1 non-interleaved).
pub fn h264_packetization_oid(mode: u8) -> rasn::types::ObjectIdentifier {
    oid(&[0, 0, 8, 241, 0, 0, 0, u32::from(mode)])
}

fn param(id: u8, value: ParameterValue) -> GenericParameter {
    GenericParameter {
        parameter_identifier: ParameterIdentifier::Standard(id),
        parameter_value: value,
        supersedes: None,
    }
}

/// Parameter values H.241 writes as unsignedMin, clamped to their range.
fn unsigned_min(v: u32) -> ParameterValue {
    ParameterValue::UnsignedMin(u16::try_from(v).unwrap_or(u16::MAX))
}

/// The GenericCapability of H.264 (H.241 §8.3).
pub fn h264_generic(h: &H264Capability) -> GenericCapability {
    let mut collapsing = vec![
        param(h241::PROFILE, ParameterValue::BooleanArray(h.profiles)),
        param(h241::LEVEL, ParameterValue::UnsignedMin(h.level)),
    ];
    for (id, v) in [
        (h241::CUSTOM_MAX_MBPS, h.custom_max_mbps),
        (h241::CUSTOM_MAX_FS, h.custom_max_fs),
        (h241::CUSTOM_MAX_DPB, h.custom_max_dpb),
        (h241::CUSTOM_MAX_BR_AND_CPB, h.custom_max_br_cpb),
    ] {
        if let Some(v) = v {
            collapsing.push(param(id, unsigned_min(v)));
        }
    }
    GenericCapability {
        capability_identifier: CapabilityIdentifier::Standard(h264_capability_oid()),
        max_bit_rate: h.max_bit_rate,
        collapsing: Some(collapsing),
        non_collapsing: None,
        non_collapsing_raw: None,
        transport: None,
    }
}

fn parameter_number(p: &GenericParameter) -> Option<(u8, u32)> {
    let ParameterIdentifier::Standard(id) = p.parameter_identifier else {
        return None;
    };
    let v = match &p.parameter_value {
        ParameterValue::BooleanArray(v) => u32::from(*v),
        ParameterValue::UnsignedMin(v) | ParameterValue::UnsignedMax(v) => u32::from(*v),
        ParameterValue::Unsigned32Min(v) | ParameterValue::Unsigned32Max(v) => *v,
        _ => return None,
    };
    Some((id, v))
}

/// H.264 from a GenericCapability, if it is one (OID 0.0.8.241.0.0.1 with
/// a profile and a level).
pub fn h264_from_generic(g: &GenericCapability) -> Option<H264Capability> {
    if g.capability_identifier != CapabilityIdentifier::Standard(h264_capability_oid()) {
        return None;
    }
    let mut h = H264Capability {
        profiles: 0,
        level: 0,
        custom_max_mbps: None,
        custom_max_fs: None,
        custom_max_dpb: None,
        custom_max_br_cpb: None,
        max_bit_rate: g.max_bit_rate,
        packetization_mode: 0,
    };
    let params = g
        .collapsing
        .iter()
        .flatten()
        .chain(g.non_collapsing.iter().flatten());
    for p in params {
        match parameter_number(p) {
            Some((h241::PROFILE, v)) => h.profiles = u8::try_from(v).unwrap_or(0),
            Some((h241::LEVEL, v)) => h.level = u16::try_from(v).unwrap_or(u16::MAX),
            Some((h241::CUSTOM_MAX_MBPS, v)) => h.custom_max_mbps = Some(v),
            Some((h241::CUSTOM_MAX_FS, v)) => h.custom_max_fs = Some(v),
            Some((h241::CUSTOM_MAX_DPB, v)) => h.custom_max_dpb = Some(v),
            Some((h241::CUSTOM_MAX_BR_AND_CPB, v)) => h.custom_max_br_cpb = Some(v),
            _ => {}
        }
    }
    (h.profiles != 0 && h.level != 0).then_some(h)
}

/// An `H263VideoCapability` with the sizes and bit rate, no options.
pub fn h263_video(h: &H263Capability) -> H263VideoCapability {
    let [sqcif, qcif, cif, cif4, cif16] = h263_mpis(&h.sizes);
    H263VideoCapability {
        sqcif_mpi: sqcif,
        qcif_mpi: qcif,
        cif_mpi: cif,
        cif4_mpi: cif4,
        cif16_mpi: cif16,
        max_bit_rate: h.max_bit_rate.clamp(1, 192_400),
        unrestricted_vector: false,
        arithmetic_coding: false,
        advanced_prediction: false,
        pb_frames: false,
        temporal_spatial_trade_off_capability: false,
        hrd_b: None,
        bpp_max_kb: None,
        slow_sqcif_mpi: None,
        slow_qcif_mpi: None,
        slow_cif_mpi: None,
        slow_cif4_mpi: None,
        slow_cif16_mpi: None,
        error_compensation: None,
        enhancement_layer_info: None,
        h263_options: None,
    }
}

pub fn audio_capability(c: &MediaCapability) -> Option<AudioCapability> {
    Some(match c {
        MediaCapability::G711Alaw { frames } => {
            AudioCapability::G711Alaw64k((*frames).clamp(1, 256))
        }
        MediaCapability::G711Ulaw { frames } => {
            AudioCapability::G711Ulaw64k((*frames).clamp(1, 256))
        }
        MediaCapability::G722 { frames } => AudioCapability::G722_64k((*frames).clamp(1, 256)),
        _ => return None,
    })
}

pub fn video_capability(c: &MediaCapability) -> Option<VideoCapability> {
    Some(match c {
        MediaCapability::H263(h) => VideoCapability::H263VideoCapability(h263_video(h)),
        MediaCapability::H264(h) => VideoCapability::GenericVideoCapability(h264_generic(h)),
        _ => return None,
    })
}

pub fn from_audio(a: &AudioCapability) -> Option<MediaCapability> {
    Some(match a {
        AudioCapability::G711Alaw64k(f) => MediaCapability::G711Alaw { frames: *f },
        AudioCapability::G711Ulaw64k(f) => MediaCapability::G711Ulaw { frames: *f },
        AudioCapability::G722_64k(f) => MediaCapability::G722 { frames: *f },
        _ => return None,
    })
}

pub fn from_video(v: &VideoCapability) -> Option<MediaCapability> {
    match v {
        VideoCapability::H263VideoCapability(h) => {
            let sizes = h263_sizes([h.sqcif_mpi, h.qcif_mpi, h.cif_mpi, h.cif4_mpi, h.cif16_mpi]);
            (!sizes.standard.is_empty()).then_some({
                MediaCapability::H263(H263Capability {
                    sizes,
                    max_bit_rate: h.max_bit_rate,
                    rfc4629: false,
                })
            })
        }
        VideoCapability::GenericVideoCapability(g) => {
            h264_from_generic(g).map(MediaCapability::H264)
        }
        _ => None,
    }
}

/// The `DataType` of a logical channel carrying `c`.
pub fn data_type(c: &MediaCapability) -> DataType {
    match (audio_capability(c), video_capability(c)) {
        (Some(a), _) => DataType::AudioData(a),
        (_, Some(v)) => DataType::VideoData(v),
        _ => DataType::NullData,
    }
}

/// The capability of a logical channel's `DataType`, if we handle it.
pub fn from_data_type(d: &DataType) -> Option<MediaCapability> {
    match d {
        DataType::AudioData(a) => from_audio(a),
        DataType::VideoData(v) => from_video(v),
        _ => None,
    }
}

/// The codec of a channel: its data type with what its H.225.0 parameters
/// add (dynamic payload type, H.264 packetization mode, H.263 over RFC
/// 2429/4629).
pub fn channel_codec(d: &DataType, h2250: &H2250LogicalChannelParameters) -> Option<ChannelCodec> {
    let mut capability = from_data_type(d)?;
    if let Some(H2250LogicalChannelParametersMediaPacketization::RtpPayloadType(pt)) =
        &h2250.media_packetization
    {
        match (&mut capability, &pt.payload_descriptor) {
            (MediaCapability::H264(h), RTPPayloadTypePayloadDescriptor::Oid(o))
                if *o == h264_packetization_oid(1) =>
            {
                h.packetization_mode = 1;
            }
            (MediaCapability::H263(h), RTPPayloadTypePayloadDescriptor::RfcNumber(n)) => {
                h.rfc4629 = *n == 2429.into() || *n == 4629.into();
            }
            _ => {}
        }
    }
    Some(ChannelCodec {
        capability,
        dynamic_payload_type: h2250
            .dynamic_rtp_payload_type
            .filter(|pt| (96..=127).contains(pt)),
    })
}

/// `mediaPacketization` for a channel of this codec, where it matters.
pub fn media_packetization(
    codec: &ChannelCodec,
) -> Option<H2250LogicalChannelParametersMediaPacketization> {
    let descriptor = match &codec.capability {
        MediaCapability::H264(h) => {
            RTPPayloadTypePayloadDescriptor::Oid(h264_packetization_oid(h.packetization_mode))
        }
        MediaCapability::H263(h) if h.rfc4629 => {
            RTPPayloadTypePayloadDescriptor::RfcNumber(2429.into())
        }
        _ => return None,
    };
    Some(
        H2250LogicalChannelParametersMediaPacketization::RtpPayloadType(RTPPayloadType {
            payload_descriptor: descriptor,
            payload_type: codec.dynamic_payload_type,
        }),
    )
}

/// A transport address (IPv4 or IPv6 unicast).
pub fn transport_address(a: SocketAddr) -> TransportAddress {
    TransportAddress::UnicastAddress(match a.ip() {
        IpAddr::V4(ip) => UnicastAddress::IPAddress(UnicastAddressIPAddress {
            network: ip.octets().to_vec().into(),
            tsap_identifier: a.port(),
        }),
        IpAddr::V6(ip) => UnicastAddress::IP6Address(UnicastAddressIP6Address {
            network: ip.octets().to_vec().into(),
            tsap_identifier: a.port(),
        }),
    })
}

/// A socket address of a unicast IPv4/IPv6 transport address.
pub fn socket_address(t: &TransportAddress) -> Option<SocketAddr> {
    let TransportAddress::UnicastAddress(u) = t else {
        return None;
    };
    match u {
        UnicastAddress::IPAddress(a) => {
            let o: [u8; 4] = a.network.as_ref().try_into().ok()?;
            Some(SocketAddr::new(Ipv4Addr::from(o).into(), a.tsap_identifier))
        }
        UnicastAddress::IP6Address(a) => {
            let o: [u8; 16] = a.network.as_ref().try_into().ok()?;
            Some(SocketAddr::new(Ipv6Addr::from(o).into(), a.tsap_identifier))
        }
        _ => None,
    }
}

fn multipoint() -> MultipointCapability {
    MultipointCapability {
        multicast_capability: false,
        multi_uni_cast_conference: false,
        media_distribution_capability: vec![MediaDistributionCapability {
            centralized_control: false,
            distributed_control: false,
            centralized_audio: false,
            distributed_audio: false,
            centralized_video: false,
            distributed_video: false,
            centralized_data: None,
            distributed_data: None,
        }],
    }
}

/// The H.225.0 multiplex capability we announce: RTP over UDP, H.264 in
/// both packetization modes.
fn h2250_capability() -> H2250Capability {
    H2250Capability {
        maximum_audio_delay_jitter: 60,
        receive_multipoint_capability: multipoint(),
        transmit_multipoint_capability: multipoint(),
        receive_and_transmit_multipoint_capability: multipoint(),
        mc_capability: H2250CapabilityMcCapability {
            centralized_conference_mc: false,
            decentralized_conference_mc: false,
        },
        rtcp_video_control_capability: false,
        media_packetization_capability: MediaPacketizationCapability {
            h261a_video_packetization: false,
            rtp_payload_type: Some(
                [0, 1]
                    .map(|m| RTPPayloadType {
                        payload_descriptor: RTPPayloadTypePayloadDescriptor::Oid(
                            h264_packetization_oid(m),
                        ),
                        payload_type: None,
                    })
                    .to_vec(),
            ),
        },
        transport_capability: None,
        redundancy_encoding_capability: None,
        logical_channel_switching_capability: None,
        t120_dynamic_port_capability: None,
    }
}

/// The first user input entry number (after audio and video).
const USER_INPUT_ENTRY: u16 = 21;

/// Our TerminalCapabilitySet for a capability set.
pub fn terminal_capability_set(sequence: u8, set: &CapabilitySet) -> TerminalCapabilitySet {
    let mut table = Vec::new();
    for e in &set.entries {
        let capability = match (
            e.direction,
            audio_capability(&e.capability),
            video_capability(&e.capability),
        ) {
            (CapabilityDirection::Receive, Some(a), _) => Capability::ReceiveAudioCapability(a),
            (CapabilityDirection::Transmit, Some(a), _) => Capability::TransmitAudioCapability(a),
            (CapabilityDirection::ReceiveAndTransmit, Some(a), _) => {
                Capability::ReceiveAndTransmitAudioCapability(a)
            }
            (CapabilityDirection::Receive, _, Some(v)) => Capability::ReceiveVideoCapability(v),
            (CapabilityDirection::Transmit, _, Some(v)) => Capability::TransmitVideoCapability(v),
            (CapabilityDirection::ReceiveAndTransmit, _, Some(v)) => {
                Capability::ReceiveAndTransmitVideoCapability(v)
            }
            _ => continue,
        };
        table.push(CapabilityTableEntry {
            capability_table_entry_number: CapabilityTableEntryNumber(e.number),
            capability: Some(capability),
        });
    }
    let mut user_input = Vec::new();
    let mut n = USER_INPUT_ENTRY;
    for (on, cap) in [
        (
            set.user_input.alphanumeric,
            UserInputCapability::BasicString,
        ),
        (set.user_input.dtmf, UserInputCapability::Dtmf),
    ] {
        if on {
            table.push(CapabilityTableEntry {
                capability_table_entry_number: CapabilityTableEntryNumber(n),
                capability: Some(Capability::ReceiveAndTransmitUserInputCapability(cap)),
            });
            user_input.push(CapabilityTableEntryNumber(n));
            n += 1;
        }
    }
    let descriptors = set
        .descriptors
        .iter()
        .map(|d| {
            let mut sim: Vec<AlternativeCapabilitySet> = d
                .simultaneous
                .iter()
                .filter(|alt| !alt.is_empty())
                .map(|alt| {
                    AlternativeCapabilitySet(
                        alt.iter().map(|n| CapabilityTableEntryNumber(*n)).collect(),
                    )
                })
                .collect();
            if !user_input.is_empty() {
                sim.push(AlternativeCapabilitySet(user_input.clone()));
            }
            asn::CapabilityDescriptor {
                capability_descriptor_number: CapabilityDescriptorNumber(d.number),
                simultaneous_capabilities: (!sim.is_empty()).then_some(sim),
            }
        })
        .collect::<Vec<_>>();
    TerminalCapabilitySet {
        sequence_number: SequenceNumber(sequence),
        protocol_identifier: protocol_identifier(PROTOCOL_VERSION),
        multiplex_capability: Some(MultiplexCapability::H2250Capability(h2250_capability())),
        capability_table: (!table.is_empty()).then_some(table),
        capability_descriptors: (!descriptors.is_empty()).then_some(descriptors),
        generic_information: None,
    }
}

/// Why a peer's capability set is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetError {
    /// A descriptor names an entry the table lacks.
    UndefinedTableEntryUsed,
}

/// The capabilities of a peer's TerminalCapabilitySet that we handle.
/// Entries we do not (Siren, G.729, H.239, data, ...) are counted.
pub fn capability_set(tcs: &TerminalCapabilitySet) -> Result<CapabilitySet, SetError> {
    let mut set = CapabilitySet::default();
    let table = tcs.capability_table.as_deref().unwrap_or_default();
    for e in table {
        let number = e.capability_table_entry_number.0;
        let mapped = match &e.capability {
            Some(Capability::ReceiveAudioCapability(a)) => {
                from_audio(a).map(|c| (CapabilityDirection::Receive, c))
            }
            Some(Capability::TransmitAudioCapability(a)) => {
                from_audio(a).map(|c| (CapabilityDirection::Transmit, c))
            }
            Some(Capability::ReceiveAndTransmitAudioCapability(a)) => {
                from_audio(a).map(|c| (CapabilityDirection::ReceiveAndTransmit, c))
            }
            Some(Capability::ReceiveVideoCapability(v)) => {
                from_video(v).map(|c| (CapabilityDirection::Receive, c))
            }
            Some(Capability::TransmitVideoCapability(v)) => {
                from_video(v).map(|c| (CapabilityDirection::Transmit, c))
            }
            Some(Capability::ReceiveAndTransmitVideoCapability(v)) => {
                from_video(v).map(|c| (CapabilityDirection::ReceiveAndTransmit, c))
            }
            Some(
                Capability::ReceiveUserInputCapability(u)
                | Capability::ReceiveAndTransmitUserInputCapability(u),
            ) => {
                match u {
                    UserInputCapability::BasicString
                    | UserInputCapability::IA5String
                    | UserInputCapability::GeneralString => set.user_input.alphanumeric = true,
                    UserInputCapability::Dtmf => set.user_input.dtmf = true,
                    _ => {}
                }
                continue;
            }
            _ => None,
        };
        match mapped {
            Some((direction, capability)) => set.entries.push(CapabilityEntry {
                number,
                direction,
                capability,
            }),
            None => set.unknown_entries += 1,
        }
    }
    for d in tcs.capability_descriptors.iter().flatten() {
        let mut simultaneous = Vec::new();
        for alt in d.simultaneous_capabilities.iter().flatten() {
            let mut ours = Vec::new();
            for n in &alt.0 {
                if !table.iter().any(|e| e.capability_table_entry_number == *n) {
                    return Err(SetError::UndefinedTableEntryUsed);
                }
                if set.entry(n.0).is_some() {
                    ours.push(n.0);
                }
            }
            if !ours.is_empty() {
                simultaneous.push(ours);
            }
        }
        set.descriptors.push(Descriptor {
            number: d.capability_descriptor_number.0,
            simultaneous,
        });
    }
    if set.user_input == UserInputSupport::default() && !table.is_empty() {
        // Every H.323 terminal takes alphanumeric user input (H.323 §7.6).
        set.user_input.alphanumeric = true;
    }
    Ok(set)
}
