//! One call signalling message as the state machine reads and writes it:
//! the Q.931 message type and information elements we use, and what we use
//! of its H.225.0 UUIE. [`Signal::to_uuie`] and [`Signal::from_uuie`] are
//! the only places that know the ASN.1 types, so the state machine and the
//! test caller work on this flat view.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use rasn::types::{BmpString, FixedOctetString, Ia5String, ObjectIdentifier, OctetString};

use super::reason::ReleaseReason;
use crate::h323::asn1::h225::{
    self, AliasAddress, CallIdentifier, EndpointType, FacilityReason, H323MessageBody,
    H323UserInformation, H323UuPdu, ReleaseCompleteReason, TransportAddress,
    TransportAddressIp6Address, TransportAddressIpAddress,
};

/// H.225.0 version 4 (`{itu-t(0) recommendation(0) h(8) 2250 version(0) 4}`):
/// the version with every UUIE field we set, and what room systems of the
/// field announce.
pub const PROTOCOL_VERSION: u32 = 4;

fn protocol_identifier() -> ObjectIdentifier {
    // The arcs are all below 2^32 and there are more than two: valid.
    ObjectIdentifier::new(vec![0, 0, 8, 2250, 0, PROTOCOL_VERSION])
        .unwrap_or_else(|| ObjectIdentifier::new_unchecked(vec![0, 0, 8, 2250, 0, 4].into()))
}

/// The Q.931 messages of H.225.0 call signalling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Setup,
    CallProceeding,
    Alerting,
    Connect,
    ReleaseComplete,
    Facility,
    Progress,
    Information,
    Status,
    StatusInquiry,
    Notify,
    SetupAcknowledge,
    /// A UUIE we do not handle (`empty`, or an unknown extension).
    Other,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Setup => "Setup",
            Kind::CallProceeding => "CallProceeding",
            Kind::Alerting => "Alerting",
            Kind::Connect => "Connect",
            Kind::ReleaseComplete => "ReleaseComplete",
            Kind::Facility => "Facility",
            Kind::Progress => "Progress",
            Kind::Information => "Information",
            Kind::Status => "Status",
            Kind::StatusInquiry => "StatusInquiry",
            Kind::Notify => "Notify",
            Kind::SetupAcknowledge => "SetupAcknowledge",
            Kind::Other => "other",
        }
    }
}

/// An alias as the call uses it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Alias {
    /// E.164 `dialedDigits`.
    Digits(String),
    /// `h323-ID`.
    H323Id(String),
    /// `url-ID` (`h323:1000@host`).
    Url(String),
    /// `email-ID`.
    Email(String),
    /// `transportID`.
    Transport(SocketAddr),
    /// A `partyNumber`'s digits.
    PartyNumber(String),
}

impl Alias {
    /// Its text, for dialling and display (`None` for a transport address).
    pub fn text(&self) -> Option<&str> {
        match self {
            Alias::Digits(s)
            | Alias::H323Id(s)
            | Alias::Url(s)
            | Alias::Email(s)
            | Alias::PartyNumber(s) => Some(s),
            Alias::Transport(_) => None,
        }
    }

    /// `dialedDigits` when the text is only E.164 characters, else an
    /// H.323-ID.
    pub fn from_text(s: &str) -> Alias {
        if !s.is_empty()
            && s.len() <= 128
            && s.bytes().all(|b| b.is_ascii_digit() || b"#*,".contains(&b))
        {
            Alias::Digits(s.to_string())
        } else {
            Alias::H323Id(s.to_string())
        }
    }
}

/// One call signalling message.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Signal {
    pub kind: Option<Kind>,
    /// Q.931 call reference value (15 bits).
    pub call_reference: u16,
    /// The call reference flag: set in messages from the side that did not
    /// originate the call.
    pub from_destination: bool,
    pub call_identifier: Option<[u8; 16]>,
    pub conference_id: Option<[u8; 16]>,
    /// Setup: destinationAddress; Connect: connectedAddress.
    pub destination: Vec<Alias>,
    /// Setup: sourceAddress.
    pub source: Vec<Alias>,
    /// Q.931 Called party number (digits).
    pub called_number: Option<String>,
    /// Q.931 Calling party number (digits).
    pub calling_number: Option<String>,
    /// Q.931 Display.
    pub display: Option<String>,
    /// fastStart: OpenLogicalChannel proposals (Setup) or answers, PER.
    pub fast_start: Vec<Vec<u8>>,
    /// fastConnectRefused: the callee takes none of the proposals.
    pub fast_connect_refused: bool,
    /// h245Tunneling.
    pub tunnelling: bool,
    /// h245Control: tunnelled H.245 PDUs, PER.
    pub h245_control: Vec<Vec<u8>>,
    /// h245Address: where the sender listens for the H.245 channel.
    pub h245_address: Option<SocketAddr>,
    /// Setup: sourceCallSignalAddress.
    pub source_signal_address: Option<SocketAddr>,
    /// Setup: destCallSignalAddress.
    pub dest_signal_address: Option<SocketAddr>,
    /// Release Complete: the UUIE's reason.
    pub reason: Option<ReleaseReason>,
    /// Q.931 Cause (Q.850 value).
    pub cause: Option<u8>,
    /// Q.931 Call state (Status: the sender's state, Q.931 §4.5.7).
    pub call_state: Option<u8>,
    /// Facility: its reason.
    pub facility_reason: Option<FacilityKind>,
    /// We are (Setup: the caller is) an MCU; else a terminal.
    pub mcu: bool,
    /// Product name for the vendor field.
    pub product: Option<String>,
}

/// The Facility reasons the call uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FacilityKind {
    /// Sent to carry tunnelled H.245 with nothing else to say.
    Undefined,
    /// Asks the other side to open the separate H.245 channel.
    StartH245,
    /// The peer does not want H.245 at all.
    NoH245,
    /// Anything else (forwarding, conference lists, tokens…).
    Other,
}

pub fn socket_addr(t: &TransportAddress) -> Option<SocketAddr> {
    match t {
        TransportAddress::IpAddress(a) => {
            let o: &[u8; 4] = a.ip.as_ref().try_into().ok()?;
            Some(SocketAddr::new(IpAddr::V4(Ipv4Addr::from(*o)), a.port))
        }
        TransportAddress::Ip6Address(a) => {
            let o: &[u8; 16] = a.ip.as_ref().try_into().ok()?;
            Some(SocketAddr::new(IpAddr::V6(Ipv6Addr::from(*o)), a.port))
        }
        _ => None,
    }
}

pub fn transport_address(a: SocketAddr) -> TransportAddress {
    match a.ip() {
        IpAddr::V4(ip) => TransportAddress::IpAddress(TransportAddressIpAddress {
            ip: FixedOctetString::new(ip.octets()),
            port: a.port(),
        }),
        IpAddr::V6(ip) => TransportAddress::Ip6Address(TransportAddressIp6Address {
            ip: FixedOctetString::new(ip.octets()),
            port: a.port(),
        }),
    }
}

fn bmp_text(b: &BmpString) -> String {
    String::from_utf16_lossy(&b.clone().into_vec())
}

/// A BMP string of at most `max` UCS-2 characters (characters beyond the
/// BMP are dropped: they have no UCS-2 form).
pub fn bmp(s: &str, max: usize) -> Option<BmpString> {
    let t: String = s
        .chars()
        .filter(|c| (*c as u32) < 0x1_0000)
        .take(max)
        .collect();
    if t.is_empty() {
        return None;
    }
    // rasn takes a BMPString as its UCS-2 big-endian octets.
    let bytes: Vec<u8> = t.encode_utf16().flat_map(u16::to_be_bytes).collect();
    BmpString::try_from(bytes).ok()
}

fn ia5(s: &str) -> Option<Ia5String> {
    Ia5String::try_from(s).ok()
}

pub fn alias_of(a: &AliasAddress) -> Option<Alias> {
    Some(match a {
        AliasAddress::DialledDigits(d) => Alias::Digits(String::from(d.clone())),
        AliasAddress::H323Id(b) => Alias::H323Id(bmp_text(b)),
        AliasAddress::UrlId(u) => Alias::Url(String::from(u.clone())),
        AliasAddress::EmailId(u) => Alias::Email(String::from(u.clone())),
        AliasAddress::TransportId(t) => Alias::Transport(socket_addr(t)?),
        AliasAddress::PartyNumber(p) => Alias::PartyNumber(match p {
            h225::PartyNumber::E164Number(n) => String::from(n.public_number_digits.0.clone()),
            h225::PartyNumber::PrivateNumber(n) => String::from(n.private_number_digits.0.clone()),
            h225::PartyNumber::DataPartyNumber(n)
            | h225::PartyNumber::TelexPartyNumber(n)
            | h225::PartyNumber::NationalStandardPartyNumber(n) => String::from(n.0.clone()),
        }),
        _ => return None,
    })
}

pub fn alias_address(a: &Alias) -> Option<AliasAddress> {
    Some(match a {
        Alias::Digits(d) | Alias::PartyNumber(d) => AliasAddress::DialledDigits(ia5(d)?),
        Alias::H323Id(s) => AliasAddress::H323Id(bmp(s, 256)?),
        Alias::Url(u) => AliasAddress::UrlId(ia5(u)?),
        Alias::Email(u) => AliasAddress::EmailId(ia5(u)?),
        Alias::Transport(t) => AliasAddress::TransportId(transport_address(*t)),
    })
}

fn aliases(v: &Option<Vec<AliasAddress>>) -> Vec<Alias> {
    v.iter().flatten().filter_map(alias_of).collect()
}

fn alias_list(v: &[Alias]) -> Option<Vec<AliasAddress>> {
    let out: Vec<AliasAddress> = v.iter().filter_map(alias_address).collect();
    (!out.is_empty()).then_some(out)
}

fn octets(v: &Option<Vec<OctetString>>) -> Vec<Vec<u8>> {
    v.iter().flatten().map(|o| o.to_vec()).collect()
}

fn octet_list(v: &[Vec<u8>]) -> Option<Vec<OctetString>> {
    (!v.is_empty()).then(|| v.iter().map(|o| OctetString::from(o.clone())).collect())
}

fn guid(id: &Option<CallIdentifier>) -> Option<[u8; 16]> {
    id.as_ref()
        .and_then(|c| <[u8; 16]>::try_from(c.guid.as_ref()).ok())
}

pub fn release_reason(r: &ReleaseCompleteReason) -> ReleaseReason {
    use ReleaseCompleteReason as R;
    match r {
        R::NoBandwidth(()) => ReleaseReason::NoBandwidth,
        R::GatekeeperResources(()) => ReleaseReason::GatekeeperResources,
        R::UnreachableDestination(()) => ReleaseReason::UnreachableDestination,
        R::DestinationRejection(()) => ReleaseReason::DestinationRejection,
        R::InvalidRevision(()) => ReleaseReason::InvalidRevision,
        R::NoPermission(()) => ReleaseReason::NoPermission,
        R::UnreachableGatekeeper(()) => ReleaseReason::UnreachableGatekeeper,
        R::GatewayResources(()) => ReleaseReason::GatewayResources,
        R::BadFormatAddress(()) => ReleaseReason::BadFormatAddress,
        R::AdaptiveBusy(()) => ReleaseReason::AdaptiveBusy,
        R::InConf(()) => ReleaseReason::InConf,
        R::UndefinedReason(()) => ReleaseReason::UndefinedReason,
        R::SecurityDenied(()) => ReleaseReason::SecurityDenied,
        R::CalledPartyNotRegistered(()) => ReleaseReason::CalledPartyNotRegistered,
        R::CallerNotRegistered(()) => ReleaseReason::CallerNotRegistered,
        R::NewConnectionNeeded(()) => ReleaseReason::NewConnectionNeeded,
        _ => ReleaseReason::Other,
    }
}

fn release_complete_reason(r: ReleaseReason) -> ReleaseCompleteReason {
    use ReleaseCompleteReason as R;
    match r {
        ReleaseReason::NoBandwidth => R::NoBandwidth(()),
        ReleaseReason::GatekeeperResources => R::GatekeeperResources(()),
        ReleaseReason::UnreachableDestination => R::UnreachableDestination(()),
        ReleaseReason::DestinationRejection => R::DestinationRejection(()),
        ReleaseReason::InvalidRevision => R::InvalidRevision(()),
        ReleaseReason::NoPermission => R::NoPermission(()),
        ReleaseReason::UnreachableGatekeeper => R::UnreachableGatekeeper(()),
        ReleaseReason::GatewayResources => R::GatewayResources(()),
        ReleaseReason::BadFormatAddress => R::BadFormatAddress(()),
        ReleaseReason::AdaptiveBusy => R::AdaptiveBusy(()),
        ReleaseReason::InConf => R::InConf(()),
        ReleaseReason::UndefinedReason | ReleaseReason::Other => R::UndefinedReason(()),
        ReleaseReason::SecurityDenied => R::SecurityDenied(()),
        ReleaseReason::CalledPartyNotRegistered => R::CalledPartyNotRegistered(()),
        ReleaseReason::CallerNotRegistered => R::CallerNotRegistered(()),
        ReleaseReason::NewConnectionNeeded => R::NewConnectionNeeded(()),
    }
}

impl Signal {
    pub fn new(kind: Kind, call_reference: u16, from_destination: bool) -> Signal {
        Signal {
            kind: Some(kind),
            call_reference,
            from_destination,
            ..Signal::default()
        }
    }

    pub fn kind(&self) -> Kind {
        self.kind.unwrap_or(Kind::Other)
    }

    fn endpoint_type(&self) -> EndpointType {
        // ITU-T T.35 country code 0xb5 (ITU-T "unallocated"), manufacturer
        // 0: no registered vendor; the product and version say who we are.
        let vendor = h225::VendorIdentifier {
            vendor: h225::H221NonStandard {
                t35_country_code: 0xb5,
                t35_extension: 0,
                manufacturer_code: 0,
            },
            product_id: self
                .product
                .as_ref()
                .map(|p| OctetString::from(p.as_bytes().to_vec())),
            version_id: Some(OctetString::from(
                env!("CARGO_PKG_VERSION").as_bytes().to_vec(),
            )),
            enterprise_number: None,
        };
        EndpointType {
            non_standard_data: None,
            vendor: Some(vendor),
            gatekeeper: None,
            gateway: None,
            mcu: self.mcu.then(|| h225::McuInfo {
                non_standard_data: None,
                protocol: None,
            }),
            terminal: (!self.mcu).then(|| h225::TerminalInfo {
                non_standard_data: None,
            }),
            mc: self.mcu,
            undefined_node: false,
            set: None,
            supported_tunnelled_protocols: None,
        }
    }

    /// The H.225.0 side of the message, with every mandatory field set.
    pub fn to_uuie(&self) -> H323UserInformation {
        let call_identifier = self.call_identifier.map(CallIdentifier::new);
        let conference_id = FixedOctetString::new(self.conference_id.unwrap_or([0; 16]));
        let fast_start = octet_list(&self.fast_start);
        let h245_address = self.h245_address.map(transport_address);
        let fast_connect_refused = self.fast_connect_refused.then_some(());
        // The UUIE's display name is Unicode, unlike Q.931 Display.
        let display_name = self
            .display
            .as_deref()
            .and_then(|d| bmp(d, 80))
            .map(|name| {
                vec![h225::DisplayName {
                    language: None,
                    name,
                }]
            });
        let body = match self.kind() {
            Kind::Setup => H323MessageBody::Setup(h225::SetupUuie {
                protocol_identifier: protocol_identifier(),
                h245_address,
                source_address: alias_list(&self.source),
                source_info: self.endpoint_type(),
                destination_address: alias_list(&self.destination),
                dest_call_signal_address: self.dest_signal_address.map(transport_address),
                dest_extra_call_info: None,
                dest_extra_crv: None,
                active_mc: self.mcu,
                conference_id,
                conference_goal: h225::SetupUuieConferenceGoal::Create(()),
                call_services: None,
                call_type: h225::CallType::PointToPoint(()),
                source_call_signal_address: self.source_signal_address.map(transport_address),
                remote_extension_address: None,
                call_identifier,
                h245_security_capability: None,
                tokens: None,
                crypto_tokens: None,
                fast_start,
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
                display_name: display_name.clone(),
            }),
            Kind::CallProceeding => H323MessageBody::CallProceeding(h225::CallProceedingUuie {
                protocol_identifier: protocol_identifier(),
                destination_info: self.endpoint_type(),
                h245_address,
                call_identifier,
                h245_security_mode: None,
                tokens: None,
                crypto_tokens: None,
                fast_start,
                multiple_calls: Some(false),
                maintain_connection: Some(false),
                fast_connect_refused,
                feature_set: None,
            }),
            Kind::Alerting => H323MessageBody::Alerting(h225::AlertingUuie {
                protocol_identifier: protocol_identifier(),
                destination_info: self.endpoint_type(),
                h245_address,
                call_identifier,
                h245_security_mode: None,
                tokens: None,
                crypto_tokens: None,
                fast_start,
                multiple_calls: Some(false),
                maintain_connection: Some(false),
                alerting_address: None,
                presentation_indicator: None,
                screening_indicator: None,
                fast_connect_refused,
                service_control: None,
                capacity: None,
                feature_set: None,
                display_name: display_name.clone(),
            }),
            Kind::Connect => H323MessageBody::Connect(h225::ConnectUuie {
                protocol_identifier: protocol_identifier(),
                h245_address,
                destination_info: self.endpoint_type(),
                conference_id,
                call_identifier,
                h245_security_mode: None,
                tokens: None,
                crypto_tokens: None,
                fast_start,
                multiple_calls: Some(false),
                maintain_connection: Some(false),
                language: None,
                connected_address: alias_list(&self.destination),
                presentation_indicator: None,
                screening_indicator: None,
                fast_connect_refused,
                service_control: None,
                capacity: None,
                feature_set: None,
                display_name: display_name.clone(),
            }),
            Kind::ReleaseComplete => H323MessageBody::ReleaseComplete(h225::ReleaseCompleteUuie {
                protocol_identifier: protocol_identifier(),
                reason: self.reason.map(release_complete_reason),
                call_identifier,
                tokens: None,
                crypto_tokens: None,
                busy_address: None,
                presentation_indicator: None,
                screening_indicator: None,
                capacity: None,
                service_control: None,
                feature_set: None,
                destination_info: None,
                display_name: None,
            }),
            Kind::Status => H323MessageBody::Status(h225::StatusUuie {
                protocol_identifier: protocol_identifier(),
                call_identifier: CallIdentifier::new(self.call_identifier.unwrap_or([0; 16])),
                tokens: None,
                crypto_tokens: None,
            }),
            Kind::StatusInquiry => H323MessageBody::StatusInquiry(h225::StatusInquiryUuie {
                protocol_identifier: protocol_identifier(),
                call_identifier: CallIdentifier::new(self.call_identifier.unwrap_or([0; 16])),
                tokens: None,
                crypto_tokens: None,
            }),
            // Facility is what we send when only tunnelled H.245 or an
            // H.245 address has to go.
            _ => H323MessageBody::Facility(h225::FacilityUuie {
                protocol_identifier: protocol_identifier(),
                alternative_address: None,
                alternative_alias_address: None,
                conference_id: self.conference_id.map(FixedOctetString::new),
                reason: match self.facility_reason {
                    Some(FacilityKind::StartH245) => FacilityReason::StartH245(()),
                    Some(FacilityKind::NoH245) => FacilityReason::NoH245(()),
                    _ => FacilityReason::UndefinedReason(()),
                },
                call_identifier,
                dest_extra_call_info: None,
                remote_extension_address: None,
                tokens: None,
                crypto_tokens: None,
                conferences: None,
                h245_address,
                fast_start,
                multiple_calls: Some(false),
                maintain_connection: Some(false),
                fast_connect_refused,
                service_control: None,
                circuit_info: None,
                feature_set: None,
                destination_info: None,
                h245_security_mode: None,
            }),
        };
        H323UserInformation {
            h323_uu_pdu: H323UuPdu {
                h323_message_body: body,
                non_standard_data: None,
                h4501_supplementary_service: None,
                h245_tunnelling: Some(self.tunnelling),
                h245_control: octet_list(&self.h245_control),
                non_standard_control: None,
                call_linkage: None,
                tunnelled_signalling_message: None,
                provisional_resp_to_h245_tunnelling: None,
                stimulus_control: None,
                generic_data: None,
            },
            user_data: None,
        }
    }

    /// Fills the UUIE's fields into a signal whose Q.931 part is read.
    pub fn read_uuie(&mut self, ui: &H323UserInformation) {
        let pdu = &ui.h323_uu_pdu;
        self.tunnelling = pdu.h245_tunnelling.unwrap_or(false);
        self.h245_control = octets(&pdu.h245_control);
        let (kind, call_id) = match &pdu.h323_message_body {
            H323MessageBody::Setup(s) => {
                self.h245_address = s.h245_address.as_ref().and_then(socket_addr);
                self.source = aliases(&s.source_address);
                self.destination = aliases(&s.destination_address);
                self.dest_signal_address =
                    s.dest_call_signal_address.as_ref().and_then(socket_addr);
                self.source_signal_address =
                    s.source_call_signal_address.as_ref().and_then(socket_addr);
                self.conference_id = <[u8; 16]>::try_from(s.conference_id.as_ref()).ok();
                self.fast_start = octets(&s.fast_start);
                self.mcu = s.source_info.mcu.is_some();
                if let Some(d) = s.display_name.iter().flatten().next() {
                    self.display = Some(bmp_text(&d.name));
                }
                self.product = s
                    .source_info
                    .vendor
                    .as_ref()
                    .and_then(|v| v.product_id.as_ref())
                    .map(|p| {
                        String::from_utf8_lossy(p)
                            .trim_end_matches('\0')
                            .to_string()
                    });
                (Kind::Setup, &s.call_identifier)
            }
            H323MessageBody::CallProceeding(s) => {
                self.h245_address = s.h245_address.as_ref().and_then(socket_addr);
                self.fast_start = octets(&s.fast_start);
                self.fast_connect_refused = s.fast_connect_refused.is_some();
                (Kind::CallProceeding, &s.call_identifier)
            }
            H323MessageBody::Alerting(s) => {
                self.h245_address = s.h245_address.as_ref().and_then(socket_addr);
                self.fast_start = octets(&s.fast_start);
                self.fast_connect_refused = s.fast_connect_refused.is_some();
                (Kind::Alerting, &s.call_identifier)
            }
            H323MessageBody::Connect(s) => {
                self.h245_address = s.h245_address.as_ref().and_then(socket_addr);
                self.fast_start = octets(&s.fast_start);
                self.fast_connect_refused = s.fast_connect_refused.is_some();
                self.conference_id = <[u8; 16]>::try_from(s.conference_id.as_ref()).ok();
                self.destination = aliases(&s.connected_address);
                self.mcu = s.destination_info.mcu.is_some();
                if let Some(d) = s.display_name.iter().flatten().next() {
                    self.display = Some(bmp_text(&d.name));
                }
                (Kind::Connect, &s.call_identifier)
            }
            H323MessageBody::ReleaseComplete(s) => {
                self.reason = s.reason.as_ref().map(release_reason);
                (Kind::ReleaseComplete, &s.call_identifier)
            }
            H323MessageBody::Facility(s) => {
                self.h245_address = s.h245_address.as_ref().and_then(socket_addr);
                self.fast_start = octets(&s.fast_start);
                self.facility_reason = Some(match s.reason {
                    FacilityReason::StartH245(()) => FacilityKind::StartH245,
                    FacilityReason::NoH245(()) => FacilityKind::NoH245,
                    FacilityReason::UndefinedReason(()) => FacilityKind::Undefined,
                    _ => FacilityKind::Other,
                });
                (Kind::Facility, &s.call_identifier)
            }
            H323MessageBody::Progress(s) => {
                self.h245_address = s.h245_address.as_ref().and_then(socket_addr);
                self.fast_start = octets(&s.fast_start);
                self.call_identifier = guid(&Some(s.call_identifier.clone()));
                (Kind::Progress, &None)
            }
            H323MessageBody::Information(s) => (Kind::Information, &s.call_identifier),
            H323MessageBody::Status(s) => {
                self.call_identifier = guid(&Some(s.call_identifier.clone()));
                (Kind::Status, &None)
            }
            H323MessageBody::StatusInquiry(s) => {
                self.call_identifier = guid(&Some(s.call_identifier.clone()));
                (Kind::StatusInquiry, &None)
            }
            H323MessageBody::Notify(_) => (Kind::Notify, &None),
            H323MessageBody::SetupAcknowledge(_) => (Kind::SetupAcknowledge, &None),
            _ => (Kind::Other, &None),
        };
        // Q.931 said what the message is; a UUIE of another kind is the
        // peer's mistake, and the Q.931 type wins.
        if self.kind.is_none() {
            self.kind = Some(kind);
        }
        if let Some(id) = guid(call_id) {
            self.call_identifier = Some(id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roundtrip(s: &Signal) -> Signal {
        let ui = s.to_uuie();
        let bytes = rasn::aper::encode(&ui).expect("encodes");
        let back: H323UserInformation = rasn::aper::decode(&bytes).expect("decodes");
        assert_eq!(back, ui);
        let mut out = Signal {
            kind: None,
            ..Signal::default()
        };
        out.read_uuie(&back);
        out
    }

    #[test]
    fn setup_fields_survive_per() {
        let mut s = Signal::new(Kind::Setup, 7, false);
        s.call_identifier = Some([1; 16]);
        s.conference_id = Some([2; 16]);
        s.destination = vec![
            Alias::Digits("1000*1234".into()),
            Alias::H323Id("Phòng".into()),
        ];
        s.source = vec![Alias::H323Id("caller".into())];
        s.fast_start = vec![vec![1, 2, 3], vec![4]];
        s.tunnelling = true;
        s.h245_control = vec![vec![9, 9]];
        s.h245_address = Some("192.0.2.1:1800".parse().unwrap());
        s.source_signal_address = Some("192.0.2.1:1720".parse().unwrap());
        let back = roundtrip(&s);
        assert_eq!(back.kind(), Kind::Setup);
        assert_eq!(back.destination, s.destination);
        assert_eq!(back.source, s.source);
        assert_eq!(back.fast_start, s.fast_start);
        assert!(back.tunnelling);
        assert_eq!(back.h245_control, s.h245_control);
        assert_eq!(back.h245_address, s.h245_address);
        assert_eq!(back.source_signal_address, s.source_signal_address);
        assert_eq!(back.call_identifier, Some([1; 16]));
        assert_eq!(back.conference_id, Some([2; 16]));
    }

    #[test]
    fn every_kind_we_send_encodes_and_reads_back() {
        for kind in [
            Kind::CallProceeding,
            Kind::Alerting,
            Kind::Connect,
            Kind::ReleaseComplete,
            Kind::Facility,
        ] {
            let mut s = Signal::new(kind, 1, true);
            s.call_identifier = Some([3; 16]);
            s.mcu = true;
            s.product = Some("diemcau".into());
            s.reason = Some(ReleaseReason::InConf);
            s.facility_reason = Some(FacilityKind::StartH245);
            s.h245_address = Some("[2001:db8::1]:1801".parse().unwrap());
            let back = roundtrip(&s);
            assert_eq!(back.kind(), kind);
            assert_eq!(back.call_identifier, Some([3; 16]), "{kind:?}");
            match kind {
                Kind::ReleaseComplete => assert_eq!(back.reason, Some(ReleaseReason::InConf)),
                Kind::Facility => {
                    assert_eq!(back.facility_reason, Some(FacilityKind::StartH245));
                    assert_eq!(back.h245_address, s.h245_address);
                }
                _ => assert_eq!(back.h245_address, s.h245_address, "{kind:?}"),
            }
        }
    }

    #[test]
    fn alias_text_picks_digits_or_h323_id() {
        assert_eq!(
            Alias::from_text("1000*1234"),
            Alias::Digits("1000*1234".into())
        );
        assert_eq!(Alias::from_text("room-a"), Alias::H323Id("room-a".into()));
        assert_eq!(Alias::from_text(""), Alias::H323Id(String::new()));
        assert!(bmp("", 10).is_none());
        assert_eq!(
            bmp("Hà Nội 😀", 80).map(|b| bmp_text(&b)),
            Some("Hà Nội ".into())
        );
    }
}
