//! Constructors of the RAS messages we (and test peers) send, with every
//! component the standard makes mandatory set and the rest absent. The
//! H.225.0 structs are `#[non_exhaustive]` (rasn's extension marker), so
//! other crates build messages only through these.

use std::net::{SocketAddr, SocketAddrV4};

use rasn::types::{FixedOctetString, ObjectIdentifier, OctetString};

use crate::h323::asn1::h225::*;

/// H.225.0 version 7's protocol identifier, 0.0.8.2250.0.7.
pub fn protocol_identifier() -> ObjectIdentifier {
    ObjectIdentifier::new_unchecked(vec![0, 0, 8, 2250, 0, 7].into())
}

/// An IPv4 transport address.
pub fn transport(addr: SocketAddrV4) -> TransportAddress {
    TransportAddress::IpAddress(TransportAddressIpAddress {
        ip: FixedOctetString::new(addr.ip().octets()),
        port: addr.port(),
    })
}

/// The IPv4 address in a transport address, if it is one.
pub fn socket_addr(addr: &TransportAddress) -> Option<SocketAddrV4> {
    match addr {
        TransportAddress::IpAddress(a) => Some(SocketAddrV4::new((*a.ip).into(), a.port)),
        _ => None,
    }
}

/// IPv4 only (RAS and our config are IPv4); other addresses map to 0.0.0.0.
pub fn v4(addr: SocketAddr) -> SocketAddrV4 {
    match addr {
        SocketAddr::V4(a) => a,
        SocketAddr::V6(a) => SocketAddrV4::new(
            a.ip()
                .to_ipv4_mapped()
                .unwrap_or(std::net::Ipv4Addr::UNSPECIFIED),
            a.port(),
        ),
    }
}

/// An alias as written in the config: digits (and `#*,`) are an E.164
/// `dialledDigits`, anything else an `h323-ID`.
pub fn alias(text: &str) -> AliasAddress {
    let e164 = !text.is_empty()
        && text.len() <= 128
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || b"#*,".contains(&b));
    match ia5(text) {
        Some(digits) if e164 => AliasAddress::DialledDigits(digits),
        _ => AliasAddress::H323Id(bmp(text)),
    }
}

/// An alias as text (what [`alias`] takes), or `None` for the kinds we do
/// not route by (URLs, e-mail, transport IDs, party numbers…).
pub fn alias_text(alias: &AliasAddress) -> Option<String> {
    match alias {
        AliasAddress::DialledDigits(d) => Some(d.to_string()),
        AliasAddress::H323Id(s) => Some(bmp_text(s)),
        AliasAddress::PartyNumber(PartyNumber::E164Number(n)) => {
            Some(n.public_number_digits.0.to_string())
        }
        _ => None,
    }
}

/// What we are, in GCF/RCF/IRR: a gatekeeper that is also an MCU.
pub fn our_endpoint_type() -> EndpointType {
    EndpointType {
        non_standard_data: None,
        vendor: Some(vendor()),
        gatekeeper: Some(GatekeeperInfo {
            non_standard_data: None,
        }),
        gateway: None,
        mcu: Some(McuInfo {
            non_standard_data: None,
            protocol: None,
        }),
        terminal: None,
        mc: true,
        undefined_node: false,
        set: None,
        supported_tunnelled_protocols: None,
    }
}

/// A plain terminal, for test peers.
pub fn terminal_endpoint_type() -> EndpointType {
    EndpointType {
        non_standard_data: None,
        vendor: Some(vendor()),
        gatekeeper: None,
        gateway: None,
        mcu: None,
        terminal: Some(TerminalInfo {
            non_standard_data: None,
        }),
        mc: false,
        undefined_node: false,
        set: None,
        supported_tunnelled_protocols: None,
    }
}

/// diemcau's vendor identifier. diemcau has no registered T.35
/// manufacturer code: country 0xBC / manufacturer 0 are placeholders; the
/// product and version strings say who we are.
pub fn vendor() -> VendorIdentifier {
    VendorIdentifier {
        vendor: H221NonStandard {
            t35_country_code: 0xbc,
            t35_extension: 0,
            manufacturer_code: 0,
        },
        product_id: Some(OctetString::from_static(b"diemcau")),
        version_id: Some(OctetString::from(
            env!("CARGO_PKG_VERSION").as_bytes().to_vec(),
        )),
        enterprise_number: None,
    }
}

pub fn gatekeeper_id(id: &str) -> GatekeeperIdentifier {
    GatekeeperIdentifier(bmp(id))
}

pub fn endpoint_id(id: &str) -> EndpointIdentifier {
    EndpointIdentifier(bmp(id))
}

pub fn gcf(seq: RequestSeqNum, gk: &str, ras: SocketAddrV4) -> RasMessage {
    RasMessage::GatekeeperConfirm(GatekeeperConfirm {
        request_seq_num: seq,
        protocol_identifier: protocol_identifier(),
        non_standard_data: None,
        gatekeeper_identifier: Some(gatekeeper_id(gk)),
        ras_address: transport(ras),
        alternate_gatekeeper: None,
        authentication_mode: None,
        tokens: None,
        crypto_tokens: None,
        algorithm_oid: None,
        integrity: None,
        integrity_check_value: None,
        feature_set: None,
        generic_data: None,
        assigned_gatekeeper: None,
        rehoming_model: None,
    })
}

pub fn grj(seq: RequestSeqNum, gk: &str, reason: GatekeeperRejectReason) -> RasMessage {
    RasMessage::GatekeeperReject(GatekeeperReject {
        request_seq_num: seq,
        protocol_identifier: protocol_identifier(),
        non_standard_data: None,
        gatekeeper_identifier: Some(gatekeeper_id(gk)),
        reject_reason: reason,
        alt_gk_info: None,
        tokens: None,
        crypto_tokens: None,
        integrity_check_value: None,
        feature_set: None,
        generic_data: None,
    })
}

pub fn rcf(
    seq: RequestSeqNum,
    gk: &str,
    call_signalling: SocketAddrV4,
    aliases: Vec<AliasAddress>,
    endpoint: &str,
    ttl_secs: u32,
) -> RasMessage {
    RasMessage::RegistrationConfirm(RegistrationConfirm {
        request_seq_num: seq,
        protocol_identifier: protocol_identifier(),
        non_standard_data: None,
        call_signal_address: vec![transport(call_signalling)],
        terminal_alias: (!aliases.is_empty()).then_some(aliases),
        gatekeeper_identifier: Some(gatekeeper_id(gk)),
        endpoint_identifier: endpoint_id(endpoint),
        alternate_gatekeeper: None,
        time_to_live: Some(TimeToLive(ttl_secs.max(1))),
        tokens: None,
        crypto_tokens: None,
        integrity_check_value: None,
        will_respond_to_irr: Some(false),
        pre_granted_arq: None,
        maintain_connection: Some(false),
        service_control: None,
        supports_additive_registration: None,
        terminal_alias_pattern: None,
        supported_prefixes: None,
        usage_spec: None,
        feature_server_alias: None,
        capacity_reporting_spec: None,
        feature_set: None,
        generic_data: None,
        assigned_gatekeeper: None,
        rehoming_model: None,
        transport_qos: None,
    })
}

pub fn rrj(seq: RequestSeqNum, gk: &str, reason: RegistrationRejectReason) -> RasMessage {
    RasMessage::RegistrationReject(RegistrationReject {
        request_seq_num: seq,
        protocol_identifier: protocol_identifier(),
        non_standard_data: None,
        reject_reason: reason,
        gatekeeper_identifier: Some(gatekeeper_id(gk)),
        alt_gk_info: None,
        tokens: None,
        crypto_tokens: None,
        integrity_check_value: None,
        feature_set: None,
        generic_data: None,
        assigned_gatekeeper: None,
    })
}

pub fn ucf(seq: RequestSeqNum) -> RasMessage {
    RasMessage::UnregistrationConfirm(UnregistrationConfirm {
        request_seq_num: seq,
        non_standard_data: None,
        tokens: None,
        crypto_tokens: None,
        integrity_check_value: None,
        generic_data: None,
        assigned_gatekeeper: None,
    })
}

pub fn urj(seq: RequestSeqNum, reason: UnregRejectReason) -> RasMessage {
    RasMessage::UnregistrationReject(UnregistrationReject {
        request_seq_num: seq,
        reject_reason: reason,
        non_standard_data: None,
        alt_gk_info: None,
        tokens: None,
        crypto_tokens: None,
        integrity_check_value: None,
        generic_data: None,
    })
}

pub fn acf(
    seq: RequestSeqNum,
    band_width: BandWidth,
    call_model: CallModel,
    destination: SocketAddrV4,
    destination_info: Option<Vec<AliasAddress>>,
) -> RasMessage {
    RasMessage::AdmissionConfirm(AdmissionConfirm {
        request_seq_num: seq,
        band_width,
        call_model,
        dest_call_signal_address: transport(destination),
        irr_frequency: None,
        non_standard_data: None,
        destination_info,
        dest_extra_call_info: None,
        destination_type: None,
        remote_extension_address: None,
        alternate_endpoints: None,
        tokens: None,
        crypto_tokens: None,
        integrity_check_value: None,
        transport_qos: None,
        will_respond_to_irr: Some(false),
        uuies_requested: Some(UuiesRequested::default()),
        language: None,
        alternate_transport_addresses: None,
        use_specified_transport: None,
        circuit_info: None,
        usage_spec: None,
        supported_protocols: None,
        service_control: None,
        multiple_calls: None,
        feature_set: None,
        generic_data: None,
        modified_src_info: None,
        assigned_gatekeeper: None,
    })
}

pub fn arj(seq: RequestSeqNum, reason: AdmissionRejectReason) -> RasMessage {
    RasMessage::AdmissionReject(AdmissionReject {
        request_seq_num: seq,
        reject_reason: reason,
        non_standard_data: None,
        alt_gk_info: None,
        tokens: None,
        crypto_tokens: None,
        call_signal_address: None,
        integrity_check_value: None,
        service_control: None,
        feature_set: None,
        generic_data: None,
        assigned_gatekeeper: None,
    })
}

pub fn dcf(seq: RequestSeqNum) -> RasMessage {
    RasMessage::DisengageConfirm(DisengageConfirm {
        request_seq_num: seq,
        non_standard_data: None,
        tokens: None,
        crypto_tokens: None,
        integrity_check_value: None,
        capacity: None,
        circuit_info: None,
        usage_information: None,
        generic_data: None,
        assigned_gatekeeper: None,
    })
}

pub fn drj(seq: RequestSeqNum, reason: DisengageRejectReason) -> RasMessage {
    RasMessage::DisengageReject(DisengageReject {
        request_seq_num: seq,
        reject_reason: reason,
        non_standard_data: None,
        alt_gk_info: None,
        tokens: None,
        crypto_tokens: None,
        integrity_check_value: None,
        generic_data: None,
    })
}

pub fn lcf(
    seq: RequestSeqNum,
    call_signalling: SocketAddrV4,
    ras: SocketAddrV4,
    destination_info: Vec<AliasAddress>,
) -> RasMessage {
    RasMessage::LocationConfirm(LocationConfirm {
        request_seq_num: seq,
        call_signal_address: transport(call_signalling),
        ras_address: transport(ras),
        non_standard_data: None,
        destination_info: Some(destination_info),
        dest_extra_call_info: None,
        destination_type: None,
        remote_extension_address: None,
        alternate_endpoints: None,
        tokens: None,
        crypto_tokens: None,
        integrity_check_value: None,
        alternate_transport_addresses: None,
        supported_protocols: None,
        multiple_calls: None,
        feature_set: None,
        generic_data: None,
        circuit_info: None,
        service_control: None,
        modified_src_info: None,
        band_width: None,
    })
}

pub fn lrj(seq: RequestSeqNum, reason: LocationRejectReason) -> RasMessage {
    RasMessage::LocationReject(LocationReject {
        request_seq_num: seq,
        reject_reason: reason,
        non_standard_data: None,
        alt_gk_info: None,
        tokens: None,
        crypto_tokens: None,
        integrity_check_value: None,
        feature_set: None,
        generic_data: None,
        service_control: None,
    })
}

pub fn bcf(seq: RequestSeqNum, band_width: BandWidth) -> RasMessage {
    RasMessage::BandwidthConfirm(BandwidthConfirm {
        request_seq_num: seq,
        band_width,
        non_standard_data: None,
        tokens: None,
        crypto_tokens: None,
        integrity_check_value: None,
        capacity: None,
        generic_data: None,
        transport_qos: None,
    })
}

pub fn brj(seq: RequestSeqNum, reason: BandRejectReason, allowed: BandWidth) -> RasMessage {
    RasMessage::BandwidthReject(BandwidthReject {
        request_seq_num: seq,
        reject_reason: reason,
        allowed_band_width: allowed,
        non_standard_data: None,
        alt_gk_info: None,
        tokens: None,
        crypto_tokens: None,
        integrity_check_value: None,
        generic_data: None,
    })
}

/// Our IRR, answering an IRQ.
pub fn irr(
    seq: RequestSeqNum,
    gk: &str,
    ras: SocketAddrV4,
    call_signalling: SocketAddrV4,
) -> RasMessage {
    RasMessage::InfoRequestResponse(InfoRequestResponse {
        non_standard_data: None,
        request_seq_num: seq,
        endpoint_type: our_endpoint_type(),
        endpoint_identifier: endpoint_id(gk),
        ras_address: transport(ras),
        call_signal_address: vec![transport(call_signalling)],
        endpoint_alias: Some(vec![AliasAddress::H323Id(bmp(gk))]),
        per_call_info: None,
        tokens: None,
        crypto_tokens: None,
        integrity_check_value: None,
        need_response: Some(false),
        capacity: None,
        irr_status: Some(InfoRequestResponseStatus::Complete(())),
        unsolicited: Some(false),
        generic_data: None,
    })
}

pub fn iack(seq: RequestSeqNum) -> RasMessage {
    RasMessage::InfoRequestAck(InfoRequestAck {
        request_seq_num: seq,
        non_standard_data: None,
        tokens: None,
        crypto_tokens: None,
        integrity_check_value: None,
    })
}

pub fn inak(seq: RequestSeqNum, reason: InfoRequestNakReason) -> RasMessage {
    RasMessage::InfoRequestNak(InfoRequestNak {
        request_seq_num: seq,
        non_standard_data: None,
        nak_reason: reason,
        alt_gk_info: None,
        tokens: None,
        crypto_tokens: None,
        integrity_check_value: None,
    })
}

/// XRS: we understood the message's sequence number but not the message.
pub fn xrs(seq: RequestSeqNum, message: &[u8]) -> RasMessage {
    RasMessage::UnknownMessageResponse(UnknownMessageResponse {
        request_seq_num: seq,
        tokens: None,
        crypto_tokens: None,
        integrity_check_value: None,
        message_not_understood: Some(OctetString::from(message.to_vec())),
    })
}

// ---- what an endpoint sends (test peers, and dial-out later) -------------

pub fn grq(seq: u16, ras: SocketAddrV4, aliases: Vec<AliasAddress>) -> RasMessage {
    RasMessage::GatekeeperRequest(GatekeeperRequest {
        request_seq_num: RequestSeqNum(seq),
        protocol_identifier: protocol_identifier(),
        non_standard_data: None,
        ras_address: transport(ras),
        endpoint_type: terminal_endpoint_type(),
        gatekeeper_identifier: None,
        call_services: None,
        endpoint_alias: (!aliases.is_empty()).then_some(aliases),
        alternate_endpoints: None,
        tokens: None,
        crypto_tokens: None,
        authentication_capability: None,
        algorithm_oids: None,
        integrity: None,
        integrity_check_value: None,
        supports_alt_gk: None,
        feature_set: None,
        generic_data: None,
        supports_assigned_gk: Some(false),
        assigned_gatekeeper: None,
    })
}

/// A full RRQ, or with `keep_alive` a lightweight one (which carries the
/// endpoint identifier it refreshes).
pub fn rrq(
    seq: u16,
    call_signalling: SocketAddrV4,
    ras: SocketAddrV4,
    aliases: Vec<AliasAddress>,
    time_to_live: Option<u32>,
    keep_alive: Option<&str>,
) -> RasMessage {
    RasMessage::RegistrationRequest(RegistrationRequest {
        request_seq_num: RequestSeqNum(seq),
        protocol_identifier: protocol_identifier(),
        non_standard_data: None,
        discovery_complete: true,
        call_signal_address: vec![transport(call_signalling)],
        ras_address: vec![transport(ras)],
        terminal_type: terminal_endpoint_type(),
        terminal_alias: (!aliases.is_empty()).then_some(aliases),
        gatekeeper_identifier: None,
        endpoint_vendor: vendor(),
        alternate_endpoints: None,
        time_to_live: time_to_live.map(TimeToLive),
        tokens: None,
        crypto_tokens: None,
        integrity_check_value: None,
        keep_alive: Some(keep_alive.is_some()),
        endpoint_identifier: keep_alive.map(endpoint_id),
        will_supply_uuies: Some(false),
        maintain_connection: Some(false),
        alternate_transport_addresses: None,
        additive_registration: None,
        terminal_alias_pattern: None,
        supports_alt_gk: None,
        usage_reporting_capability: None,
        multiple_calls: None,
        supported_h248_packages: None,
        call_credit_capability: None,
        capacity_reporting_capability: None,
        capacity: None,
        feature_set: None,
        generic_data: None,
        restart: None,
        supports_acf_sequences: None,
        supports_assigned_gk: Some(false),
        assigned_gatekeeper: None,
        transport_qos: None,
        language: None,
    })
}

pub fn urq(seq: u16, call_signalling: SocketAddrV4, endpoint: Option<&str>) -> RasMessage {
    RasMessage::UnregistrationRequest(UnregistrationRequest {
        request_seq_num: RequestSeqNum(seq),
        call_signal_address: vec![transport(call_signalling)],
        endpoint_alias: None,
        non_standard_data: None,
        endpoint_identifier: endpoint.map(endpoint_id),
        alternate_endpoints: None,
        gatekeeper_identifier: None,
        tokens: None,
        crypto_tokens: None,
        integrity_check_value: None,
        reason: None,
        endpoint_alias_pattern: None,
        supported_prefixes: None,
        alternate_gatekeeper: None,
        generic_data: None,
        assigned_gatekeeper: None,
    })
}

/// The call an ARQ/DRQ/BRQ is about.
#[derive(Debug, Clone, Copy)]
pub struct CallRef {
    pub call_reference_value: u16,
    pub conference_id: [u8; 16],
    pub call_identifier: [u8; 16],
}

#[allow(clippy::too_many_arguments)] // one per ARQ component a caller sets
pub fn arq(
    seq: u16,
    endpoint: &str,
    call: CallRef,
    source: Vec<AliasAddress>,
    destination: Vec<AliasAddress>,
    dest_call_signal_address: Option<SocketAddrV4>,
    band_width: BandWidth,
    answer_call: bool,
) -> RasMessage {
    RasMessage::AdmissionRequest(AdmissionRequest {
        request_seq_num: RequestSeqNum(seq),
        call_type: CallType::PointToPoint(()),
        call_model: None,
        endpoint_identifier: endpoint_id(endpoint),
        destination_info: (!destination.is_empty()).then_some(destination),
        dest_call_signal_address: dest_call_signal_address.map(transport),
        dest_extra_call_info: None,
        src_info: source,
        src_call_signal_address: None,
        band_width,
        call_reference_value: call.call_reference_value,
        non_standard_data: None,
        call_services: None,
        conference_id: FixedOctetString::new(call.conference_id),
        active_mc: false,
        answer_call,
        can_map_alias: Some(false),
        call_identifier: Some(CallIdentifier::new(call.call_identifier)),
        src_alternatives: None,
        dest_alternatives: None,
        gatekeeper_identifier: None,
        tokens: None,
        crypto_tokens: None,
        integrity_check_value: None,
        transport_qos: None,
        will_supply_uuies: Some(false),
        call_linkage: None,
        gateway_data_rate: None,
        capacity: None,
        circuit_info: None,
        desired_protocols: None,
        desired_tunnelled_protocol: None,
        feature_set: None,
        generic_data: None,
        can_map_src_alias: Some(false),
    })
}

pub fn drq(seq: u16, endpoint: &str, call: CallRef, answered: bool) -> RasMessage {
    RasMessage::DisengageRequest(DisengageRequest {
        request_seq_num: RequestSeqNum(seq),
        endpoint_identifier: endpoint_id(endpoint),
        conference_id: FixedOctetString::new(call.conference_id),
        call_reference_value: call.call_reference_value,
        disengage_reason: DisengageReason::NormalDrop(()),
        non_standard_data: None,
        call_identifier: Some(CallIdentifier::new(call.call_identifier)),
        gatekeeper_identifier: None,
        tokens: None,
        crypto_tokens: None,
        integrity_check_value: None,
        answered_call: Some(answered),
        call_linkage: None,
        capacity: None,
        circuit_info: None,
        usage_information: None,
        termination_cause: None,
        service_control: None,
        generic_data: None,
    })
}

pub fn brq(seq: u16, endpoint: &str, call: CallRef, band_width: BandWidth) -> RasMessage {
    RasMessage::BandwidthRequest(BandwidthRequest {
        request_seq_num: RequestSeqNum(seq),
        endpoint_identifier: endpoint_id(endpoint),
        conference_id: FixedOctetString::new(call.conference_id),
        call_reference_value: call.call_reference_value,
        call_type: None,
        band_width,
        non_standard_data: None,
        call_identifier: Some(CallIdentifier::new(call.call_identifier)),
        gatekeeper_identifier: None,
        tokens: None,
        crypto_tokens: None,
        integrity_check_value: None,
        answered_call: Some(false),
        call_linkage: None,
        capacity: None,
        usage_information: None,
        bandwidth_details: None,
        generic_data: None,
        transport_qos: None,
    })
}

pub fn lrq(seq: u16, destination: Vec<AliasAddress>, reply: SocketAddrV4) -> RasMessage {
    RasMessage::LocationRequest(LocationRequest {
        request_seq_num: RequestSeqNum(seq),
        endpoint_identifier: None,
        destination_info: destination,
        non_standard_data: None,
        reply_address: transport(reply),
        source_info: None,
        can_map_alias: Some(false),
        gatekeeper_identifier: None,
        tokens: None,
        crypto_tokens: None,
        integrity_check_value: None,
        desired_protocols: None,
        desired_tunnelled_protocol: None,
        feature_set: None,
        generic_data: None,
        hop_count: None,
        circuit_info: None,
        call_identifier: None,
        band_width: None,
        source_endpoint_info: None,
        can_map_src_alias: Some(false),
        language: None,
    })
}

pub fn irq(seq: u16, call_reference_value: u16, reply: Option<SocketAddrV4>) -> RasMessage {
    RasMessage::InfoRequest(InfoRequest {
        request_seq_num: RequestSeqNum(seq),
        call_reference_value,
        non_standard_data: None,
        reply_address: reply.map(transport),
        call_identifier: None,
        tokens: None,
        crypto_tokens: None,
        integrity_check_value: None,
        uuies_requested: None,
        call_linkage: None,
        usage_info_requested: None,
        segmented_response_supported: None,
        next_segment_requested: None,
        capacity_info_requested: None,
        generic_data: None,
        assigned_gatekeeper: None,
    })
}

/// Aligned PER encoding of a RAS message (for peers outside this crate).
pub fn encode(message: &RasMessage) -> Result<Vec<u8>, String> {
    rasn::aper::encode(message).map_err(|e| e.to_string())
}

/// Decodes one RAS datagram.
pub fn decode(datagram: &[u8]) -> Result<RasMessage, String> {
    rasn::aper::decode(datagram).map_err(|e| e.to_string())
}
