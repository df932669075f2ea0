//! Decoding real-world bytes (see `crate::h323::testdata` for where each
//! message comes from) field by field, and round trips of what we build.

use super::*;
use crate::h323::testdata as td;

fn ras(hex: &str) -> RasMessage {
    let bytes = td::bytes(hex);
    match rasn::aper::decode::<RasMessage>(&bytes) {
        Ok(m) => m,
        Err(e) => panic!("decode failed: {e}"),
    }
}

fn uuie(q931_hex: &str) -> H323UserInformation {
    let bytes = td::user_user(&td::bytes(q931_hex));
    match rasn::aper::decode::<H323UserInformation>(&bytes) {
        Ok(m) => m,
        Err(e) => panic!("decode failed: {e}"),
    }
}

fn ip(addr: &TransportAddress) -> ([u8; 4], u16) {
    match addr {
        TransportAddress::IpAddress(a) => (*a.ip, a.port),
        other => panic!("not an IPv4 address: {other:?}"),
    }
}

fn oid(parts: &[u32]) -> ObjectIdentifier {
    ObjectIdentifier::new(parts.to_vec()).expect("valid OID")
}

fn alias_text(a: &AliasAddress) -> String {
    match a {
        AliasAddress::H323Id(s) => format!("h323:{}", bmp_text(s)),
        AliasAddress::DialledDigits(d) => format!("e164:{d}"),
        other => format!("{other:?}"),
    }
}

#[test]
fn tandberg_lightweight_rrq() {
    let RasMessage::RegistrationRequest(rrq) = ras(td::TANDBERG_RRQ_71) else {
        panic!("not an RRQ")
    };
    assert_eq!(rrq.request_seq_num, RequestSeqNum(18067));
    assert_eq!(rrq.protocol_identifier, oid(&[0, 0, 8, 2250, 0, 6]));
    assert!(!rrq.discovery_complete);
    assert_eq!(ip(&rrq.call_signal_address[0]), ([10, 47, 208, 204], 1720));
    assert_eq!(ip(&rrq.ras_address[0]), ([10, 47, 208, 204], 1719));
    let vendor = rrq.terminal_type.vendor.as_ref().expect("vendor");
    assert_eq!(
        (
            vendor.vendor.t35_country_code,
            vendor.vendor.t35_extension,
            vendor.vendor.manufacturer_code
        ),
        (130, 1, 256)
    );
    assert_eq!(vendor.product_id.as_deref(), Some(&b"Tandberg"[..]));
    assert_eq!(vendor.version_id.as_deref(), Some(&b"257"[..]));
    let terminal = rrq.terminal_type.terminal.as_ref().expect("terminal");
    let ns = terminal
        .non_standard_data
        .as_ref()
        .expect("nonStandardData");
    assert_eq!(&ns.data[..], b"Tandberg");
    assert!(rrq.terminal_type.mc && rrq.terminal_type.undefined_node);
    let aliases: Vec<String> = rrq
        .terminal_alias
        .as_ref()
        .expect("aliases")
        .iter()
        .map(alias_text)
        .collect();
    assert_eq!(aliases, ["h323:20203@am.sol", "e164:2098"]);
    assert_eq!(
        rrq.endpoint_vendor.product_id.as_deref(),
        Some(&b"Tandberg"[..])
    );
    assert_eq!(rrq.keep_alive, Some(true));
    assert_eq!(
        rrq.endpoint_identifier
            .as_ref()
            .map(|e| bmp_text(&e.0))
            .as_deref(),
        Some("bd020b80-6d41-11e1-a7fb-0010f30f65a0_17")
    );
    assert_eq!(rrq.will_supply_uuies, Some(false));
    assert_eq!(rrq.maintain_connection, Some(false));
    assert_eq!(rrq.supports_alt_gk, Some(()));
    assert_eq!(rrq.time_to_live, None);
    let features = rrq.feature_set.as_ref().expect("featureSet");
    assert!(features.replacement_feature_set);
    let supported = features
        .supported_features
        .as_ref()
        .expect("supportedFeatures");
    assert_eq!(supported.len(), 2);
    assert_eq!(supported[0].id, GenericIdentifier::Standard(18.into()));
    let generic = rrq.generic_data.as_ref().expect("genericData");
    let param = &generic[0].parameters.as_ref().expect("parameters")[0];
    let Some(Content::Raw(raw)) = &param.content else {
        panic!("raw content")
    };
    assert!(raw.starts_with(b"<assent><assent_type>client"));
    // Every later keep-alive is the same message with the next sequence number.
    let RasMessage::RegistrationRequest(next) = ras(td::TANDBERG_RRQ_73) else {
        panic!("not an RRQ")
    };
    assert_eq!(next.request_seq_num, RequestSeqNum(18068));
}

#[test]
fn vcs_rcf_with_alternate_gatekeepers() {
    let RasMessage::RegistrationConfirm(rcf) = ras(td::VCS_RCF_72) else {
        panic!("not an RCF")
    };
    assert_eq!(rcf.request_seq_num, RequestSeqNum(18067));
    assert_eq!(ip(&rcf.call_signal_address[0]), ([10, 47, 208, 50], 1720));
    let aliases: Vec<String> = rcf
        .terminal_alias
        .as_ref()
        .expect("aliases")
        .iter()
        .map(alias_text)
        .collect();
    assert_eq!(aliases, ["h323:20203@am.sol", "e164:2098"]);
    assert_eq!(
        rcf.gatekeeper_identifier
            .as_ref()
            .map(|g| bmp_text(&g.0))
            .as_deref(),
        Some("am-vcs-0")
    );
    assert_eq!(
        bmp_text(&rcf.endpoint_identifier.0),
        "bd020b80-6d41-11e1-a7fb-0010f30f65a0_17"
    );
    let alternates = rcf
        .alternate_gatekeeper
        .as_ref()
        .expect("alternateGatekeeper");
    assert_eq!(alternates.len(), 3);
    assert_eq!(ip(&alternates[0].ras_address), ([10, 47, 208, 54], 1719));
    assert_eq!(
        alternates[0]
            .gatekeeper_identifier
            .as_ref()
            .map(|g| bmp_text(&g.0))
            .as_deref(),
        Some("Alternate 1")
    );
    assert_eq!(rcf.time_to_live, Some(TimeToLive(60)));
}

#[test]
fn gnugk_gcf_rrq_rcf() {
    let RasMessage::GatekeeperConfirm(gcf) = ras(td::GCF_60) else {
        panic!("not a GCF")
    };
    assert_eq!(gcf.request_seq_num, RequestSeqNum(1));
    assert_eq!(
        gcf.gatekeeper_identifier
            .as_ref()
            .map(|g| bmp_text(&g.0))
            .as_deref(),
        Some("OpenH323 Gatekeeper on mfottekin")
    );
    assert_eq!(ip(&gcf.ras_address), ([17, 2, 0, 161], 1719));

    let RasMessage::RegistrationRequest(rrq) = ras(td::RRQ_61) else {
        panic!("not an RRQ")
    };
    assert_eq!(rrq.request_seq_num, RequestSeqNum(2));
    assert!(rrq.discovery_complete);
    assert_eq!(ip(&rrq.ras_address[0]), ([17, 2, 0, 124], 2034));
    // A mobileUIM alias: TBCD strings with their own permitted alphabet.
    let aliases = rrq.terminal_alias.as_ref().expect("aliases");
    let AliasAddress::MobileUim(MobileUim::Ansi41Uim(uim)) = &aliases[0] else {
        panic!("not an ANSI-41 UIM: {:?}", aliases[0])
    };
    assert_eq!(
        uim.imsi.as_ref().map(|s| s.0.to_string()).as_deref(),
        Some("1111111111111111")
    );
    let Ansi41UimSystemId::Sid(sid) = &uim.system_id else {
        panic!("not a sid")
    };
    assert_eq!(sid.0.to_string(), "777#");
    assert_eq!(rrq.keep_alive, Some(false));
    assert_eq!(rrq.will_supply_uuies, Some(true));

    let RasMessage::RegistrationConfirm(rcf) = ras(td::RCF_62) else {
        panic!("not an RCF")
    };
    assert_eq!(bmp_text(&rcf.endpoint_identifier.0), "474a74c8:274");
    assert_eq!(rcf.time_to_live, Some(TimeToLive(3600)));
    assert_eq!(rcf.will_respond_to_irr, Some(true));
    let pre = rcf.pre_granted_arq.as_ref().expect("preGrantedARQ");
    assert!(!pre.make_call && !pre.answer_call);
    assert_eq!(pre.irr_frequency_in_call, Some(60));
    assert_eq!(rcf.maintain_connection, Some(false));
}

#[test]
fn gnugk_arq_acf_irq_drq() {
    let RasMessage::AdmissionRequest(arq) = ras(td::ARQ_63) else {
        panic!("not an ARQ")
    };
    assert_eq!(arq.call_type, CallType::PointToPoint(()));
    // This endpoint pads its identifier with NULs to 100 characters.
    let id = bmp_text(&arq.endpoint_identifier.0);
    assert_eq!((id.len(), id.trim_end_matches('\0')), (100, "474a74c8:274"));
    assert_eq!(
        ip(arq.dest_call_signal_address.as_ref().expect("dest")),
        ([17, 2, 0, 122], 1720)
    );
    assert!(!arq.answer_call);
    assert_eq!(
        arq.gatekeeper_identifier
            .as_ref()
            .map(|g| bmp_text(&g.0))
            .as_deref(),
        Some("OpenH323 Gatekeeper on mfottekin")
    );
    assert!(arq.call_identifier.is_some());

    let RasMessage::AdmissionConfirm(acf) = ras(td::ACF_64) else {
        panic!("not an ACF")
    };
    assert_eq!(acf.call_model, CallModel::Direct(()));
    assert_eq!(ip(&acf.dest_call_signal_address), ([17, 2, 0, 122], 1720));
    assert_eq!(acf.irr_frequency, Some(60));

    let RasMessage::InfoRequest(irq) = ras(td::IRQ_67) else {
        panic!("not an IRQ")
    };
    assert_eq!(irq.request_seq_num, RequestSeqNum(0x1054));
    assert!(irq.call_identifier.is_some());

    let RasMessage::DisengageRequest(drq) = ras(td::DRQ_69) else {
        panic!("not a DRQ")
    };
    assert_eq!(bmp_text(&drq.endpoint_identifier.0), "474a74c8:274");
    assert_eq!(drq.disengage_reason, DisengageReason::ForcedDrop(()));
    assert_eq!(drq.call_identifier, irq.call_identifier);
}

#[test]
fn openh323_setup_and_310i_answers() {
    let setup = uuie(td::SETUP_6_TPKT);
    let H323MessageBody::Setup(s) = &setup.h323_uu_pdu.h323_message_body else {
        panic!("not a Setup")
    };
    assert_eq!(s.protocol_identifier, oid(&[0, 0, 8, 2250, 0, 4]));
    let src: Vec<String> = s
        .source_address
        .as_ref()
        .expect("sourceAddress")
        .iter()
        .map(alias_text)
        .collect();
    assert_eq!(src, ["h323:m.jemec"]);
    let vendor = s.source_info.vendor.as_ref().expect("vendor");
    assert_eq!(
        vendor.product_id.as_deref(),
        Some(&b"Callgen323 pogacsam\0\0"[..])
    );
    assert_eq!(
        ip(s.dest_call_signal_address.as_ref().expect("dest")),
        ([10, 1, 6, 18], 1720)
    );
    assert!(!s.active_mc);
    assert_eq!(s.conference_goal, SetupUuieConferenceGoal::Create(()));
    assert_eq!(s.call_type, CallType::PointToPoint(()));
    assert_eq!(
        ip(s.source_call_signal_address.as_ref().expect("src")),
        ([10, 1, 3, 143], 32803)
    );
    let call_id = s.call_identifier.clone().expect("callIdentifier");
    assert_eq!(call_id.guid[..4], [0xc0, 0xfe, 0xf9, 0x3e]);
    assert_eq!(s.conference_id[..4], [0xf8, 0xfd, 0xf9, 0x3e]);
    assert_eq!(s.fast_start, None);
    assert_eq!(setup.h323_uu_pdu.h245_tunnelling, Some(false));

    for (hex, want) in [
        (td::CALL_PROCEEDING_10_TPKT, "cp"),
        (td::ALERTING_14_TPKT, "al"),
    ] {
        let m = uuie(hex);
        let (info, id) = match &m.h323_uu_pdu.h323_message_body {
            H323MessageBody::CallProceeding(c) if want == "cp" => {
                (&c.destination_info, &c.call_identifier)
            }
            H323MessageBody::Alerting(a) if want == "al" => {
                (&a.destination_info, &a.call_identifier)
            }
            other => panic!("unexpected {other:?}"),
        };
        assert_eq!(
            info.vendor.as_ref().and_then(|v| v.product_id.as_deref()),
            Some(&b"310i"[..])
        );
        assert_eq!(id.as_ref(), Some(&call_id));
    }

    let connect = uuie(td::CONNECT_18_TPKT);
    let H323MessageBody::Connect(c) = &connect.h323_uu_pdu.h323_message_body else {
        panic!("not a Connect")
    };
    assert_eq!(c.protocol_identifier, oid(&[0, 0, 8, 2250, 0, 3]));
    assert_eq!(
        ip(c.h245_address.as_ref().expect("h245Address")),
        ([10, 1, 6, 18], 1232)
    );
    let vendor = c.destination_info.vendor.as_ref().expect("vendor");
    assert_eq!(vendor.product_id.as_deref(), Some(&b"310i"[..]));
    assert_eq!(vendor.version_id.as_deref(), Some(&b"R"[..]));
    assert_eq!(c.conference_id, s.conference_id);
    assert_eq!(c.call_identifier.as_ref(), Some(&call_id));
    assert_eq!(c.multiple_calls, Some(false));
    assert_eq!(connect.h323_uu_pdu.h245_tunnelling, Some(false));
}

#[test]
fn abilis_setup_v2_alerting_and_release_complete() {
    let setup = uuie(td::SETUP_47_TPKT);
    let H323MessageBody::Setup(s) = &setup.h323_uu_pdu.h323_message_body else {
        panic!("not a Setup")
    };
    let src: Vec<String> = s
        .source_address
        .as_ref()
        .expect("sourceAddress")
        .iter()
        .map(alias_text)
        .collect();
    assert_eq!(src, ["h323:ABILIS CPX 2000"]);
    assert_eq!(
        ip(s.dest_call_signal_address.as_ref().expect("dest")),
        ([192, 168, 0, 1], 1720)
    );

    let alerting = uuie(td::ALERTING_50_Q931);
    let H323MessageBody::Alerting(a) = &alerting.h323_uu_pdu.h323_message_body else {
        panic!("not Alerting")
    };
    assert_eq!(a.protocol_identifier, oid(&[0, 0, 8, 2250, 0, 2]));
    assert!(a.destination_info.terminal.is_some());
    assert_eq!(a.call_identifier, Some(CallIdentifier::new([0; 16])));
    // A v2 UU-PDU without extensions: no h245Tunnelling at all.
    assert_eq!(alerting.h323_uu_pdu.h245_tunnelling, None);

    let release = uuie(td::RELEASE_COMPLETE_66_TPKT);
    let H323MessageBody::ReleaseComplete(r) = &release.h323_uu_pdu.h323_message_body else {
        panic!("not Release Complete")
    };
    assert_eq!(r.protocol_identifier, oid(&[0, 0, 8, 2250, 0, 4]));
    assert!(r.call_identifier.is_some());
}

#[test]
fn what_wireshark_calls_malformed_does_not_decode() {
    // Frames 59 (GRQ) and 65 (Setup) are flagged malformed by Wireshark too.
    assert!(rasn::aper::decode::<RasMessage>(&td::bytes(td::RAS_59_MALFORMED)).is_err());
    let uu = td::user_user(&td::bytes(td::SETUP_65_MALFORMED_TPKT));
    assert!(rasn::aper::decode::<H323UserInformation>(&uu).is_err());
}

#[test]
fn real_messages_round_trip() {
    // Decode, encode, decode again: the same value (our encoder writes the
    // full extension bitmap, so bytes may differ from the sender's).
    for hex in [
        td::GCF_60,
        td::RRQ_61,
        td::RCF_62,
        td::ARQ_63,
        td::ACF_64,
        td::IRQ_67,
        td::DRQ_69,
        td::TANDBERG_RRQ_71,
        td::VCS_RCF_72,
    ] {
        let m = ras(hex);
        let again = rasn::aper::encode(&m).expect("encodes");
        assert_eq!(
            rasn::aper::decode::<RasMessage>(&again).expect("decodes"),
            m
        );
    }
    // A message without extensions comes back byte for byte.
    assert_eq!(
        rasn::aper::encode(&ras(td::GCF_60)).expect("encodes"),
        td::bytes(td::GCF_60)
    );
    for hex in [
        td::SETUP_6_TPKT,
        td::CALL_PROCEEDING_10_TPKT,
        td::CONNECT_18_TPKT,
        td::SETUP_47_TPKT,
        td::ALERTING_50_Q931,
        td::RELEASE_COMPLETE_66_TPKT,
    ] {
        let m = uuie(hex);
        let again = rasn::aper::encode(&m).expect("encodes");
        assert_eq!(
            rasn::aper::decode::<H323UserInformation>(&again).expect("decodes"),
            m
        );
    }
}

#[test]
fn constrained_extension_additions_keep_their_bits() {
    // timeToLive 3600 as GnuGk sends it: open type of 3 octets, a 2-bit
    // octet count then 3599 (INTEGER (1..4294967295)).
    let RasMessage::RegistrationConfirm(rcf) = ras(td::RCF_62) else {
        panic!("not an RCF")
    };
    let bytes = rasn::aper::encode(&RasMessage::RegistrationConfirm(rcf)).expect("encodes");
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    assert!(hex.contains("03400e0f"), "{hex}");
}

#[test]
fn built_setup_with_fast_start_and_tunnelling_round_trips() {
    let setup = SetupUuie {
        protocol_identifier: oid(&[0, 0, 8, 2250, 0, 7]),
        h245_address: None,
        source_address: Some(vec![AliasAddress::H323Id(bmp("caller"))]),
        source_info: EndpointType {
            non_standard_data: None,
            vendor: None,
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
        },
        destination_address: Some(vec![AliasAddress::DialledDigits(ia5("1000").expect("ia5"))]),
        dest_call_signal_address: Some(TransportAddress::IpAddress(TransportAddressIpAddress {
            ip: FixedOctetString::new([127, 0, 0, 1]),
            port: 1720,
        })),
        dest_extra_call_info: None,
        dest_extra_crv: None,
        active_mc: false,
        conference_id: FixedOctetString::new([7; 16]),
        conference_goal: SetupUuieConferenceGoal::Create(()),
        call_services: None,
        call_type: CallType::PointToPoint(()),
        source_call_signal_address: None,
        remote_extension_address: None,
        call_identifier: Some(CallIdentifier::new([9; 16])),
        h245_security_capability: None,
        tokens: None,
        crypto_tokens: None,
        fast_start: Some(vec![OctetString::from_static(&[1, 2, 3])]),
        media_wait_for_connect: Some(false),
        can_overlap_send: Some(false),
        endpoint_identifier: None,
        multiple_calls: Some(false),
        maintain_connection: Some(false),
        connection_parameters: None,
        language: None,
        presentation_indicator: None,
        screening_indicator: None,
        service_control: None,
        symmetric_operation_required: None,
        capacity: None,
        circuit_info: None,
        desired_protocols: None,
        needed_features: None,
        desired_features: None,
        supported_features: None,
        parallel_h245_control: None,
        additional_source_addresses: None,
        hop_count: None,
        display_name: None,
    };
    let message = H323UserInformation {
        h323_uu_pdu: H323UuPdu {
            h323_message_body: H323MessageBody::Setup(setup),
            non_standard_data: None,
            h4501_supplementary_service: None,
            h245_tunnelling: Some(true),
            h245_control: Some(vec![OctetString::from_static(&[0x02, 0x70])]),
            non_standard_control: None,
            call_linkage: None,
            tunnelled_signalling_message: None,
            provisional_resp_to_h245_tunnelling: None,
            stimulus_control: None,
            generic_data: None,
        },
        user_data: None,
    };
    let bytes = rasn::aper::encode(&message).expect("encodes");
    assert_eq!(
        rasn::aper::decode::<H323UserInformation>(&bytes).expect("decodes"),
        message
    );
    // Digits outside "0123456789#*," are refused by the permitted alphabet.
    let bad = AliasAddress::DialledDigits(ia5("12a").expect("ia5"));
    assert!(rasn::aper::encode(&bad).is_err());
}
