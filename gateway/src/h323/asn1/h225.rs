//! H323-MESSAGES (ITU-T H.225.0 v7, 12/2009): RAS messages and call
//! signalling user-information, aligned PER through rasn.
//!
//! Every type keeps the standard's name (Rust case; the ASN.1 name is in
//! `identifier` where the two differ) and its full root and extension
//! markers, since a single missing root component or marker shifts every
//! bit after it. Extension additions are `Option`s even where the standard
//! makes them mandatory: version 1 endpoints leave them out, and decoding
//! must not fail on that. Encoders set the mandatory ones (see
//! `crate::h323::ras` for the helpers that build our messages).
//!
//! Anonymous inner SEQUENCE/CHOICE types are named `<Outer><Component>`.
//!
//! rasn hands an `Option<T>` extension addition only the constraints written
//! on the field (`Option<T>` does not carry `T`'s), so every extension
//! addition of a constrained newtype or integer (`TimeToLive`,
//! `EndpointIdentifier`, `GatekeeperIdentifier`, `BandWidth`, …) repeats its
//! constraint on the field; without it the value is written unconstrained
//! and the bits differ from the standard (the Tandberg and GnuGk captures in
//! the tests catch that).
//!
//! The imports from MULTIMEDIA-SYSTEM-CONTROL (DataProtocolCapability,
//! T38FaxProfile, QOSCapability) are the H.245 module's types
//! ([`super::h245`]); those from H235-SECURITY-MESSAGES are in [`super::h235`].

#![allow(missing_docs, clippy::large_enum_variant)]

use super::h235::{AuthenticationMechanism, ClearToken, CryptoToken, Encrypted, Hashed, Signed};
pub use super::h235::{Password, TimeStamp};
use super::h245::{DataProtocolCapability, QOSCapability, T38FaxProfile};
use rasn::prelude::*;

/// A BMPString from Rust text (UCS-2; characters outside the BMP become
/// U+FFFD, which H.225.0 strings cannot carry anyway).
pub fn bmp(text: &str) -> BmpString {
    let bytes: Vec<u8> = text
        .chars()
        .map(|c| u16::try_from(u32::from(c)).unwrap_or(0xfffd))
        .flat_map(u16::to_be_bytes)
        .collect();
    BmpString::try_from(bytes.as_slice()).unwrap_or_default()
}

/// A BMPString as Rust text.
pub fn bmp_text(value: &BmpString) -> String {
    String::from_utf16_lossy(value)
}

/// An IA5String from Rust text; `None` if it is not IA5 (7-bit).
pub fn ia5(text: &str) -> Option<Ia5String> {
    Ia5String::try_from(text).ok()
}

// ---------------------------------------------------------------------------
// Call signalling: H323-UserInformation and the UUIEs
// ---------------------------------------------------------------------------

/// `H323-UserInformation`: the root of every H.225.0 call signalling message
/// (carried in the Q.931 User-user information element).
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(automatic_tags, identifier = "H323-UserInformation")]
#[non_exhaustive]
pub struct H323UserInformation {
    #[rasn(identifier = "h323-uu-pdu")]
    pub h323_uu_pdu: H323UuPdu,
    #[rasn(identifier = "user-data")]
    pub user_data: Option<H323UserInformationUserData>,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(automatic_tags)]
#[non_exhaustive]
pub struct H323UserInformationUserData {
    #[rasn(value("0..=255"), identifier = "protocol-discriminator")]
    pub protocol_discriminator: u8,
    #[rasn(size("1..=131"), identifier = "user-information")]
    pub user_information: OctetString,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(automatic_tags, identifier = "H323-UU-PDU")]
#[non_exhaustive]
pub struct H323UuPdu {
    #[rasn(identifier = "h323-message-body")]
    pub h323_message_body: H323MessageBody,
    pub non_standard_data: Option<NonStandardParameter>,
    #[rasn(extension_addition)]
    pub h4501_supplementary_service: Option<SequenceOf<OctetString>>,
    /// Mandatory from v2 on: whether H.245 tunnelling is enabled.
    #[rasn(extension_addition)]
    pub h245_tunnelling: Option<bool>,
    /// Tunnelled H.245 PDUs (each one `MultimediaSystemControlMessage`, PER).
    #[rasn(extension_addition)]
    pub h245_control: Option<SequenceOf<OctetString>>,
    #[rasn(extension_addition)]
    pub non_standard_control: Option<SequenceOf<NonStandardParameter>>,
    #[rasn(extension_addition)]
    pub call_linkage: Option<CallLinkage>,
    #[rasn(extension_addition)]
    pub tunnelled_signalling_message: Option<H323UuPduTunnelledSignallingMessage>,
    #[rasn(extension_addition)]
    pub provisional_resp_to_h245_tunnelling: Option<()>,
    #[rasn(extension_addition)]
    pub stimulus_control: Option<StimulusControl>,
    #[rasn(extension_addition)]
    pub generic_data: Option<SequenceOf<GenericData>>,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(choice, automatic_tags, identifier = "h323-message-body")]
#[non_exhaustive]
pub enum H323MessageBody {
    Setup(SetupUuie),
    CallProceeding(CallProceedingUuie),
    Connect(ConnectUuie),
    Alerting(AlertingUuie),
    Information(InformationUuie),
    ReleaseComplete(ReleaseCompleteUuie),
    Facility(FacilityUuie),
    #[rasn(extension_addition)]
    Progress(ProgressUuie),
    #[rasn(extension_addition)]
    Empty(()),
    #[rasn(extension_addition)]
    Status(StatusUuie),
    #[rasn(extension_addition)]
    StatusInquiry(StatusInquiryUuie),
    #[rasn(extension_addition)]
    SetupAcknowledge(SetupAcknowledgeUuie),
    #[rasn(extension_addition)]
    Notify(NotifyUuie),
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(automatic_tags)]
#[non_exhaustive]
pub struct H323UuPduTunnelledSignallingMessage {
    #[rasn(identifier = "tunnelledProtocolID")]
    pub tunnelled_protocol_id: TunnelledProtocol,
    pub message_content: SequenceOf<OctetString>,
    pub tunnelling_required: Option<()>,
    pub non_standard_data: Option<NonStandardParameter>,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(automatic_tags)]
#[non_exhaustive]
pub struct StimulusControl {
    pub non_standard: Option<NonStandardParameter>,
    pub is_text: Option<()>,
    pub h248_message: Option<OctetString>,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(automatic_tags, identifier = "Alerting-UUIE")]
#[non_exhaustive]
pub struct AlertingUuie {
    pub protocol_identifier: ProtocolIdentifier,
    pub destination_info: EndpointType,
    pub h245_address: Option<TransportAddress>,
    #[rasn(extension_addition)]
    pub call_identifier: Option<CallIdentifier>,
    #[rasn(extension_addition)]
    pub h245_security_mode: Option<H245Security>,
    #[rasn(extension_addition)]
    pub tokens: Option<SequenceOf<ClearToken>>,
    #[rasn(extension_addition)]
    pub crypto_tokens: Option<SequenceOf<CryptoH323Token>>,
    #[rasn(extension_addition)]
    pub fast_start: Option<SequenceOf<OctetString>>,
    #[rasn(extension_addition)]
    pub multiple_calls: Option<bool>,
    #[rasn(extension_addition)]
    pub maintain_connection: Option<bool>,
    #[rasn(extension_addition)]
    pub alerting_address: Option<SequenceOf<AliasAddress>>,
    #[rasn(extension_addition)]
    pub presentation_indicator: Option<PresentationIndicator>,
    #[rasn(extension_addition)]
    pub screening_indicator: Option<ScreeningIndicator>,
    #[rasn(extension_addition)]
    pub fast_connect_refused: Option<()>,
    #[rasn(extension_addition)]
    pub service_control: Option<SequenceOf<ServiceControlSession>>,
    #[rasn(extension_addition)]
    pub capacity: Option<CallCapacity>,
    #[rasn(extension_addition)]
    pub feature_set: Option<FeatureSet>,
    #[rasn(extension_addition)]
    pub display_name: Option<SequenceOf<DisplayName>>,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(automatic_tags, identifier = "CallProceeding-UUIE")]
#[non_exhaustive]
pub struct CallProceedingUuie {
    pub protocol_identifier: ProtocolIdentifier,
    pub destination_info: EndpointType,
    pub h245_address: Option<TransportAddress>,
    #[rasn(extension_addition)]
    pub call_identifier: Option<CallIdentifier>,
    #[rasn(extension_addition)]
    pub h245_security_mode: Option<H245Security>,
    #[rasn(extension_addition)]
    pub tokens: Option<SequenceOf<ClearToken>>,
    #[rasn(extension_addition)]
    pub crypto_tokens: Option<SequenceOf<CryptoH323Token>>,
    #[rasn(extension_addition)]
    pub fast_start: Option<SequenceOf<OctetString>>,
    #[rasn(extension_addition)]
    pub multiple_calls: Option<bool>,
    #[rasn(extension_addition)]
    pub maintain_connection: Option<bool>,
    #[rasn(extension_addition)]
    pub fast_connect_refused: Option<()>,
    #[rasn(extension_addition)]
    pub feature_set: Option<FeatureSet>,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(automatic_tags, identifier = "Connect-UUIE")]
#[non_exhaustive]
pub struct ConnectUuie {
    pub protocol_identifier: ProtocolIdentifier,
    pub h245_address: Option<TransportAddress>,
    pub destination_info: EndpointType,
    #[rasn(identifier = "conferenceID")]
    pub conference_id: ConferenceIdentifier,
    #[rasn(extension_addition)]
    pub call_identifier: Option<CallIdentifier>,
    #[rasn(extension_addition)]
    pub h245_security_mode: Option<H245Security>,
    #[rasn(extension_addition)]
    pub tokens: Option<SequenceOf<ClearToken>>,
    #[rasn(extension_addition)]
    pub crypto_tokens: Option<SequenceOf<CryptoH323Token>>,
    #[rasn(extension_addition)]
    pub fast_start: Option<SequenceOf<OctetString>>,
    #[rasn(extension_addition)]
    pub multiple_calls: Option<bool>,
    #[rasn(extension_addition)]
    pub maintain_connection: Option<bool>,
    #[rasn(extension_addition)]
    pub language: Option<SequenceOf<LanguageTag>>,
    #[rasn(extension_addition)]
    pub connected_address: Option<SequenceOf<AliasAddress>>,
    #[rasn(extension_addition)]
    pub presentation_indicator: Option<PresentationIndicator>,
    #[rasn(extension_addition)]
    pub screening_indicator: Option<ScreeningIndicator>,
    #[rasn(extension_addition)]
    pub fast_connect_refused: Option<()>,
    #[rasn(extension_addition)]
    pub service_control: Option<SequenceOf<ServiceControlSession>>,
    #[rasn(extension_addition)]
    pub capacity: Option<CallCapacity>,
    #[rasn(extension_addition)]
    pub feature_set: Option<FeatureSet>,
    #[rasn(extension_addition)]
    pub display_name: Option<SequenceOf<DisplayName>>,
}

/// `IA5String (SIZE (1..32))`: an RFC 1766 language tag.
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq)]
#[rasn(delegate, size("1..=32"))]
pub struct LanguageTag(pub Ia5String);

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(automatic_tags, identifier = "Information-UUIE")]
#[non_exhaustive]
pub struct InformationUuie {
    pub protocol_identifier: ProtocolIdentifier,
    #[rasn(extension_addition)]
    pub call_identifier: Option<CallIdentifier>,
    #[rasn(extension_addition)]
    pub tokens: Option<SequenceOf<ClearToken>>,
    #[rasn(extension_addition)]
    pub crypto_tokens: Option<SequenceOf<CryptoH323Token>>,
    #[rasn(extension_addition)]
    pub fast_start: Option<SequenceOf<OctetString>>,
    #[rasn(extension_addition)]
    pub fast_connect_refused: Option<()>,
    #[rasn(extension_addition)]
    pub circuit_info: Option<CircuitInfo>,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(automatic_tags, identifier = "ReleaseComplete-UUIE")]
#[non_exhaustive]
pub struct ReleaseCompleteUuie {
    pub protocol_identifier: ProtocolIdentifier,
    pub reason: Option<ReleaseCompleteReason>,
    #[rasn(extension_addition)]
    pub call_identifier: Option<CallIdentifier>,
    #[rasn(extension_addition)]
    pub tokens: Option<SequenceOf<ClearToken>>,
    #[rasn(extension_addition)]
    pub crypto_tokens: Option<SequenceOf<CryptoH323Token>>,
    #[rasn(extension_addition)]
    pub busy_address: Option<SequenceOf<AliasAddress>>,
    #[rasn(extension_addition)]
    pub presentation_indicator: Option<PresentationIndicator>,
    #[rasn(extension_addition)]
    pub screening_indicator: Option<ScreeningIndicator>,
    #[rasn(extension_addition)]
    pub capacity: Option<CallCapacity>,
    #[rasn(extension_addition)]
    pub service_control: Option<SequenceOf<ServiceControlSession>>,
    #[rasn(extension_addition)]
    pub feature_set: Option<FeatureSet>,
    #[rasn(extension_addition)]
    pub destination_info: Option<EndpointType>,
    #[rasn(extension_addition)]
    pub display_name: Option<SequenceOf<DisplayName>>,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(choice, automatic_tags)]
#[non_exhaustive]
pub enum ReleaseCompleteReason {
    NoBandwidth(()),
    GatekeeperResources(()),
    UnreachableDestination(()),
    DestinationRejection(()),
    InvalidRevision(()),
    NoPermission(()),
    UnreachableGatekeeper(()),
    GatewayResources(()),
    BadFormatAddress(()),
    AdaptiveBusy(()),
    InConf(()),
    UndefinedReason(()),
    #[rasn(extension_addition)]
    FacilityCallDeflection(()),
    #[rasn(extension_addition)]
    SecurityDenied(()),
    #[rasn(extension_addition)]
    CalledPartyNotRegistered(()),
    #[rasn(extension_addition)]
    CallerNotRegistered(()),
    #[rasn(extension_addition)]
    NewConnectionNeeded(()),
    #[rasn(extension_addition)]
    NonStandardReason(NonStandardParameter),
    #[rasn(extension_addition)]
    ReplaceWithConferenceInvite(ConferenceIdentifier),
    #[rasn(extension_addition)]
    GenericDataReason(()),
    #[rasn(extension_addition)]
    NeededFeatureNotSupported(()),
    #[rasn(extension_addition)]
    TunnelledSignallingRejected(()),
    #[rasn(extension_addition, identifier = "invalidCID")]
    InvalidCid(()),
    #[rasn(extension_addition)]
    SecurityError(SecurityErrors),
    #[rasn(extension_addition)]
    HopCountExceeded(()),
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(automatic_tags, identifier = "Setup-UUIE")]
#[non_exhaustive]
pub struct SetupUuie {
    pub protocol_identifier: ProtocolIdentifier,
    pub h245_address: Option<TransportAddress>,
    pub source_address: Option<SequenceOf<AliasAddress>>,
    pub source_info: EndpointType,
    pub destination_address: Option<SequenceOf<AliasAddress>>,
    pub dest_call_signal_address: Option<TransportAddress>,
    pub dest_extra_call_info: Option<SequenceOf<AliasAddress>>,
    #[rasn(identifier = "destExtraCRV")]
    pub dest_extra_crv: Option<SequenceOf<CallReferenceValue>>,
    #[rasn(identifier = "activeMC")]
    pub active_mc: bool,
    #[rasn(identifier = "conferenceID")]
    pub conference_id: ConferenceIdentifier,
    pub conference_goal: SetupUuieConferenceGoal,
    pub call_services: Option<QseriesOptions>,
    pub call_type: CallType,
    #[rasn(extension_addition)]
    pub source_call_signal_address: Option<TransportAddress>,
    #[rasn(extension_addition)]
    pub remote_extension_address: Option<AliasAddress>,
    #[rasn(extension_addition)]
    pub call_identifier: Option<CallIdentifier>,
    #[rasn(extension_addition)]
    pub h245_security_capability: Option<SequenceOf<H245Security>>,
    #[rasn(extension_addition)]
    pub tokens: Option<SequenceOf<ClearToken>>,
    #[rasn(extension_addition)]
    pub crypto_tokens: Option<SequenceOf<CryptoH323Token>>,
    #[rasn(extension_addition)]
    pub fast_start: Option<SequenceOf<OctetString>>,
    #[rasn(extension_addition)]
    pub media_wait_for_connect: Option<bool>,
    #[rasn(extension_addition)]
    pub can_overlap_send: Option<bool>,
    #[rasn(extension_addition, size("1..=128"))]
    pub endpoint_identifier: Option<EndpointIdentifier>,
    #[rasn(extension_addition)]
    pub multiple_calls: Option<bool>,
    #[rasn(extension_addition)]
    pub maintain_connection: Option<bool>,
    #[rasn(extension_addition)]
    pub connection_parameters: Option<SetupUuieConnectionParameters>,
    #[rasn(extension_addition)]
    pub language: Option<SequenceOf<LanguageTag>>,
    #[rasn(extension_addition)]
    pub presentation_indicator: Option<PresentationIndicator>,
    #[rasn(extension_addition)]
    pub screening_indicator: Option<ScreeningIndicator>,
    #[rasn(extension_addition)]
    pub service_control: Option<SequenceOf<ServiceControlSession>>,
    #[rasn(extension_addition)]
    pub symmetric_operation_required: Option<()>,
    #[rasn(extension_addition)]
    pub capacity: Option<CallCapacity>,
    #[rasn(extension_addition)]
    pub circuit_info: Option<CircuitInfo>,
    #[rasn(extension_addition)]
    pub desired_protocols: Option<SequenceOf<SupportedProtocols>>,
    #[rasn(extension_addition)]
    pub needed_features: Option<SequenceOf<FeatureDescriptor>>,
    #[rasn(extension_addition)]
    pub desired_features: Option<SequenceOf<FeatureDescriptor>>,
    #[rasn(extension_addition)]
    pub supported_features: Option<SequenceOf<FeatureDescriptor>>,
    #[rasn(extension_addition)]
    pub parallel_h245_control: Option<SequenceOf<OctetString>>,
    #[rasn(extension_addition)]
    pub additional_source_addresses: Option<SequenceOf<ExtendedAliasAddress>>,
    #[rasn(extension_addition, value("1..=31"))]
    pub hop_count: Option<u8>,
    #[rasn(extension_addition)]
    pub display_name: Option<SequenceOf<DisplayName>>,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, Copy, PartialEq, Eq)]
#[rasn(choice, automatic_tags)]
#[non_exhaustive]
pub enum SetupUuieConferenceGoal {
    Create(()),
    Join(()),
    Invite(()),
    #[rasn(extension_addition, identifier = "capability-negotiation")]
    CapabilityNegotiation(()),
    #[rasn(extension_addition)]
    CallIndependentSupplementaryService(()),
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(automatic_tags)]
#[non_exhaustive]
pub struct SetupUuieConnectionParameters {
    pub connection_type: ScnConnectionType,
    #[rasn(value("0..=65535"))]
    pub number_of_scn_connections: u16,
    pub connection_aggregation: ScnConnectionAggregation,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, Copy, PartialEq, Eq)]
#[rasn(choice, automatic_tags)]
#[non_exhaustive]
pub enum ScnConnectionType {
    Unknown(()),
    BChannel(()),
    Hybrid2x64(()),
    Hybrid384(()),
    Hybrid1536(()),
    Hybrid1920(()),
    Multirate(()),
}

#[derive(AsnType, Encode, Decode, Debug, Clone, Copy, PartialEq, Eq)]
#[rasn(choice, automatic_tags)]
#[non_exhaustive]
pub enum ScnConnectionAggregation {
    Auto(()),
    None(()),
    H221(()),
    #[rasn(identifier = "bonded-mode1")]
    BondedMode1(()),
    #[rasn(identifier = "bonded-mode2")]
    BondedMode2(()),
    #[rasn(identifier = "bonded-mode3")]
    BondedMode3(()),
}

#[derive(AsnType, Encode, Decode, Debug, Clone, Copy, PartialEq, Eq)]
#[rasn(choice, automatic_tags)]
#[non_exhaustive]
pub enum PresentationIndicator {
    PresentationAllowed(()),
    PresentationRestricted(()),
    AddressNotAvailable(()),
}

#[derive(AsnType, Encode, Decode, Debug, Clone, Copy, PartialEq, Eq)]
#[rasn(enumerated)]
#[non_exhaustive]
pub enum ScreeningIndicator {
    UserProvidedNotScreened = 0,
    UserProvidedVerifiedAndPassed = 1,
    UserProvidedVerifiedAndFailed = 2,
    NetworkProvided = 3,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(automatic_tags, identifier = "Facility-UUIE")]
#[non_exhaustive]
pub struct FacilityUuie {
    pub protocol_identifier: ProtocolIdentifier,
    pub alternative_address: Option<TransportAddress>,
    pub alternative_alias_address: Option<SequenceOf<AliasAddress>>,
    #[rasn(identifier = "conferenceID")]
    pub conference_id: Option<ConferenceIdentifier>,
    pub reason: FacilityReason,
    #[rasn(extension_addition)]
    pub call_identifier: Option<CallIdentifier>,
    #[rasn(extension_addition)]
    pub dest_extra_call_info: Option<SequenceOf<AliasAddress>>,
    #[rasn(extension_addition)]
    pub remote_extension_address: Option<AliasAddress>,
    #[rasn(extension_addition)]
    pub tokens: Option<SequenceOf<ClearToken>>,
    #[rasn(extension_addition)]
    pub crypto_tokens: Option<SequenceOf<CryptoH323Token>>,
    #[rasn(extension_addition)]
    pub conferences: Option<SequenceOf<ConferenceList>>,
    #[rasn(extension_addition)]
    pub h245_address: Option<TransportAddress>,
    #[rasn(extension_addition)]
    pub fast_start: Option<SequenceOf<OctetString>>,
    #[rasn(extension_addition)]
    pub multiple_calls: Option<bool>,
    #[rasn(extension_addition)]
    pub maintain_connection: Option<bool>,
    #[rasn(extension_addition)]
    pub fast_connect_refused: Option<()>,
    #[rasn(extension_addition)]
    pub service_control: Option<SequenceOf<ServiceControlSession>>,
    #[rasn(extension_addition)]
    pub circuit_info: Option<CircuitInfo>,
    #[rasn(extension_addition)]
    pub feature_set: Option<FeatureSet>,
    #[rasn(extension_addition)]
    pub destination_info: Option<EndpointType>,
    #[rasn(extension_addition)]
    pub h245_security_mode: Option<H245Security>,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(automatic_tags)]
#[non_exhaustive]
pub struct ConferenceList {
    #[rasn(identifier = "conferenceID")]
    pub conference_id: Option<ConferenceIdentifier>,
    pub conference_alias: Option<AliasAddress>,
    pub non_standard_data: Option<NonStandardParameter>,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, Copy, PartialEq, Eq)]
#[rasn(choice, automatic_tags)]
#[non_exhaustive]
pub enum FacilityReason {
    RouteCallToGatekeeper(()),
    CallForwarded(()),
    #[rasn(identifier = "routeCallToMC")]
    RouteCallToMc(()),
    UndefinedReason(()),
    #[rasn(extension_addition)]
    ConferenceListChoice(()),
    #[rasn(extension_addition)]
    StartH245(()),
    #[rasn(extension_addition)]
    NoH245(()),
    #[rasn(extension_addition)]
    NewTokens(()),
    #[rasn(extension_addition)]
    FeatureSetUpdate(()),
    #[rasn(extension_addition)]
    ForwardedElements(()),
    #[rasn(extension_addition)]
    TransportedInformation(()),
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(automatic_tags, identifier = "Progress-UUIE")]
#[non_exhaustive]
pub struct ProgressUuie {
    pub protocol_identifier: ProtocolIdentifier,
    pub destination_info: EndpointType,
    pub h245_address: Option<TransportAddress>,
    pub call_identifier: CallIdentifier,
    pub h245_security_mode: Option<H245Security>,
    pub tokens: Option<SequenceOf<ClearToken>>,
    pub crypto_tokens: Option<SequenceOf<CryptoH323Token>>,
    pub fast_start: Option<SequenceOf<OctetString>>,
    #[rasn(extension_addition)]
    pub multiple_calls: Option<bool>,
    #[rasn(extension_addition)]
    pub maintain_connection: Option<bool>,
    #[rasn(extension_addition)]
    pub fast_connect_refused: Option<()>,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(choice, automatic_tags)]
#[non_exhaustive]
pub enum TransportAddress {
    IpAddress(TransportAddressIpAddress),
    IpSourceRoute(TransportAddressIpSourceRoute),
    IpxAddress(TransportAddressIpxAddress),
    Ip6Address(TransportAddressIp6Address),
    NetBios(FixedOctetString<16>),
    #[rasn(size("1..=20"))]
    Nsap(OctetString),
    NonStandardAddress(NonStandardParameter),
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq)]
#[rasn(automatic_tags)]
pub struct TransportAddressIpAddress {
    pub ip: FixedOctetString<4>,
    #[rasn(value("0..=65535"))]
    pub port: u16,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq)]
#[rasn(automatic_tags)]
#[non_exhaustive]
pub struct TransportAddressIpSourceRoute {
    pub ip: FixedOctetString<4>,
    #[rasn(value("0..=65535"))]
    pub port: u16,
    pub route: SequenceOf<FixedOctetString<4>>,
    pub routing: TransportAddressIpSourceRouteRouting,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, Copy, PartialEq, Eq)]
#[rasn(choice, automatic_tags)]
#[non_exhaustive]
pub enum TransportAddressIpSourceRouteRouting {
    Strict(()),
    Loose(()),
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq)]
#[rasn(automatic_tags)]
pub struct TransportAddressIpxAddress {
    pub node: FixedOctetString<6>,
    pub netnum: FixedOctetString<4>,
    pub port: FixedOctetString<2>,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq)]
#[rasn(automatic_tags)]
#[non_exhaustive]
pub struct TransportAddressIp6Address {
    pub ip: FixedOctetString<16>,
    #[rasn(value("0..=65535"))]
    pub port: u16,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(automatic_tags, identifier = "Status-UUIE")]
#[non_exhaustive]
pub struct StatusUuie {
    pub protocol_identifier: ProtocolIdentifier,
    pub call_identifier: CallIdentifier,
    pub tokens: Option<SequenceOf<ClearToken>>,
    pub crypto_tokens: Option<SequenceOf<CryptoH323Token>>,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(automatic_tags, identifier = "StatusInquiry-UUIE")]
#[non_exhaustive]
pub struct StatusInquiryUuie {
    pub protocol_identifier: ProtocolIdentifier,
    pub call_identifier: CallIdentifier,
    pub tokens: Option<SequenceOf<ClearToken>>,
    pub crypto_tokens: Option<SequenceOf<CryptoH323Token>>,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(automatic_tags, identifier = "SetupAcknowledge-UUIE")]
#[non_exhaustive]
pub struct SetupAcknowledgeUuie {
    pub protocol_identifier: ProtocolIdentifier,
    pub call_identifier: CallIdentifier,
    pub tokens: Option<SequenceOf<ClearToken>>,
    pub crypto_tokens: Option<SequenceOf<CryptoH323Token>>,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(automatic_tags, identifier = "Notify-UUIE")]
#[non_exhaustive]
pub struct NotifyUuie {
    pub protocol_identifier: ProtocolIdentifier,
    pub call_identifier: CallIdentifier,
    pub tokens: Option<SequenceOf<ClearToken>>,
    pub crypto_tokens: Option<SequenceOf<CryptoH323Token>>,
    #[rasn(extension_addition)]
    pub connected_address: Option<SequenceOf<AliasAddress>>,
    #[rasn(extension_addition)]
    pub presentation_indicator: Option<PresentationIndicator>,
    #[rasn(extension_addition)]
    pub screening_indicator: Option<ScreeningIndicator>,
    #[rasn(extension_addition)]
    pub destination_info: Option<EndpointType>,
    #[rasn(extension_addition)]
    pub display_name: Option<SequenceOf<DisplayName>>,
}

// ---------------------------------------------------------------------------
// Common message elements
// ---------------------------------------------------------------------------

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(automatic_tags)]
#[non_exhaustive]
pub struct EndpointType {
    pub non_standard_data: Option<NonStandardParameter>,
    pub vendor: Option<VendorIdentifier>,
    pub gatekeeper: Option<GatekeeperInfo>,
    pub gateway: Option<GatewayInfo>,
    pub mcu: Option<McuInfo>,
    pub terminal: Option<TerminalInfo>,
    pub mc: bool,
    pub undefined_node: bool,
    #[rasn(extension_addition, size(32))]
    pub set: Option<BitString>,
    #[rasn(extension_addition)]
    pub supported_tunnelled_protocols: Option<SequenceOf<TunnelledProtocol>>,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(automatic_tags)]
#[non_exhaustive]
pub struct GatewayInfo {
    pub protocol: Option<SequenceOf<SupportedProtocols>>,
    pub non_standard_data: Option<NonStandardParameter>,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(choice, automatic_tags)]
#[non_exhaustive]
pub enum SupportedProtocols {
    NonStandardData(NonStandardParameter),
    H310(H310Caps),
    H320(H320Caps),
    H321(H321Caps),
    H322(H322Caps),
    H323(H323Caps),
    H324(H324Caps),
    Voice(VoiceCaps),
    #[rasn(identifier = "t120-only")]
    T120Only(T120OnlyCaps),
    #[rasn(extension_addition)]
    NonStandardProtocol(NonStandardProtocol),
    #[rasn(extension_addition)]
    T38FaxAnnexbOnly(T38FaxAnnexbOnlyCaps),
    #[rasn(extension_addition, identifier = "sip")]
    Sip(SipCaps),
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(automatic_tags, identifier = "T38FaxAnnexbOnlyCaps")]
#[non_exhaustive]
pub struct T38FaxAnnexbOnlyCaps {
    pub non_standard_data: Option<NonStandardParameter>,
    pub data_rates_supported: Option<SequenceOf<DataRate>>,
    pub supported_prefixes: SequenceOf<SupportedPrefix>,
    pub t38_fax_protocol: DataProtocolCapability,
    pub t38_fax_profile: T38FaxProfile,
}

macro_rules! prefix_caps {
    ($($name:ident),*) => {$(
        #[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
        #[rasn(automatic_tags)]
        #[non_exhaustive]
        pub struct $name {
            pub non_standard_data: Option<NonStandardParameter>,
            #[rasn(extension_addition)]
            pub data_rates_supported: Option<SequenceOf<DataRate>>,
            #[rasn(extension_addition)]
            pub supported_prefixes: Option<SequenceOf<SupportedPrefix>>,
        }
    )*};
}
prefix_caps!(
    H310Caps,
    H320Caps,
    H321Caps,
    H322Caps,
    H323Caps,
    H324Caps,
    VoiceCaps,
    T120OnlyCaps
);

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(automatic_tags)]
#[non_exhaustive]
pub struct NonStandardProtocol {
    pub non_standard_data: Option<NonStandardParameter>,
    pub data_rates_supported: Option<SequenceOf<DataRate>>,
    pub supported_prefixes: SequenceOf<SupportedPrefix>,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(automatic_tags, identifier = "SIPCaps")]
#[non_exhaustive]
pub struct SipCaps {
    pub non_standard_data: Option<NonStandardParameter>,
    pub data_rates_supported: Option<SequenceOf<DataRate>>,
    pub supported_prefixes: Option<SequenceOf<SupportedPrefix>>,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(automatic_tags)]
#[non_exhaustive]
pub struct McuInfo {
    pub non_standard_data: Option<NonStandardParameter>,
    #[rasn(extension_addition)]
    pub protocol: Option<SequenceOf<SupportedProtocols>>,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(automatic_tags)]
#[non_exhaustive]
pub struct TerminalInfo {
    pub non_standard_data: Option<NonStandardParameter>,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(automatic_tags)]
#[non_exhaustive]
pub struct GatekeeperInfo {
    pub non_standard_data: Option<NonStandardParameter>,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(automatic_tags)]
#[non_exhaustive]
pub struct VendorIdentifier {
    pub vendor: H221NonStandard,
    #[rasn(size("1..=256"))]
    pub product_id: Option<OctetString>,
    #[rasn(size("1..=256"))]
    pub version_id: Option<OctetString>,
    #[rasn(extension_addition)]
    pub enterprise_number: Option<ObjectIdentifier>,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq)]
#[rasn(automatic_tags)]
#[non_exhaustive]
pub struct H221NonStandard {
    #[rasn(value("0..=255"))]
    pub t35_country_code: u8,
    #[rasn(value("0..=255"))]
    pub t35_extension: u8,
    #[rasn(value("0..=65535"))]
    pub manufacturer_code: u16,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(automatic_tags)]
#[non_exhaustive]
pub struct TunnelledProtocol {
    pub id: TunnelledProtocolId,
    #[rasn(size("1..=64"))]
    pub sub_identifier: Option<Ia5String>,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(choice, automatic_tags)]
#[non_exhaustive]
pub enum TunnelledProtocolId {
    #[rasn(identifier = "tunnelledProtocolObjectID")]
    TunnelledProtocolObjectId(ObjectIdentifier),
    #[rasn(identifier = "tunnelledProtocolAlternateID")]
    TunnelledProtocolAlternateId(TunnelledProtocolAlternateIdentifier),
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(automatic_tags)]
#[non_exhaustive]
pub struct TunnelledProtocolAlternateIdentifier {
    #[rasn(size("1..=64"))]
    pub protocol_type: Ia5String,
    #[rasn(size("1..=64"))]
    pub protocol_variant: Option<Ia5String>,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(automatic_tags)]
pub struct NonStandardParameter {
    pub non_standard_identifier: NonStandardIdentifier,
    pub data: OctetString,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(choice, automatic_tags)]
#[non_exhaustive]
pub enum NonStandardIdentifier {
    Object(ObjectIdentifier),
    H221NonStandard(H221NonStandard),
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(choice, automatic_tags)]
#[non_exhaustive]
pub enum AliasAddress {
    /// E.164 digits, `0123456789#*,`.
    #[rasn(size("1..=128"), from("#", "*", ",", "0..=9"))]
    DialledDigits(Ia5String),
    /// An H.323-ID (UCS-2).
    #[rasn(size("1..=256"), identifier = "h323-ID")]
    H323Id(BmpString),
    #[rasn(extension_addition, size("1..=512"), identifier = "url-ID")]
    UrlId(Ia5String),
    #[rasn(extension_addition, identifier = "transportID")]
    TransportId(TransportAddress),
    #[rasn(extension_addition, size("1..=512"), identifier = "email-ID")]
    EmailId(Ia5String),
    #[rasn(extension_addition)]
    PartyNumber(PartyNumber),
    #[rasn(extension_addition, identifier = "mobileUIM")]
    MobileUim(MobileUim),
    #[rasn(extension_addition)]
    IsupNumber(IsupNumber),
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(choice, automatic_tags)]
#[non_exhaustive]
pub enum AddressPattern {
    Wildcard(AliasAddress),
    Range(AddressPatternRange),
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(automatic_tags)]
pub struct AddressPatternRange {
    pub start_of_range: PartyNumber,
    pub end_of_range: PartyNumber,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(choice, automatic_tags)]
#[non_exhaustive]
pub enum PartyNumber {
    E164Number(PublicPartyNumber),
    DataPartyNumber(NumberDigits),
    TelexPartyNumber(NumberDigits),
    PrivateNumber(PrivatePartyNumber),
    NationalStandardPartyNumber(NumberDigits),
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(automatic_tags)]
pub struct PublicPartyNumber {
    pub public_type_of_number: PublicTypeOfNumber,
    pub public_number_digits: NumberDigits,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(automatic_tags)]
pub struct PrivatePartyNumber {
    pub private_type_of_number: PrivateTypeOfNumber,
    pub private_number_digits: NumberDigits,
}

/// `NumberDigits ::= IA5String (SIZE (1..128)) (FROM ("0123456789#*,"))`
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq)]
#[rasn(delegate, size("1..=128"), from("#", "*", ",", "0..=9"))]
pub struct NumberDigits(pub Ia5String);

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(automatic_tags)]
pub struct DisplayName {
    pub language: Option<Ia5String>,
    #[rasn(size("1..=80"))]
    pub name: BmpString,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, Copy, PartialEq, Eq)]
#[rasn(choice, automatic_tags)]
#[non_exhaustive]
pub enum PublicTypeOfNumber {
    Unknown(()),
    InternationalNumber(()),
    NationalNumber(()),
    NetworkSpecificNumber(()),
    SubscriberNumber(()),
    AbbreviatedNumber(()),
}

#[derive(AsnType, Encode, Decode, Debug, Clone, Copy, PartialEq, Eq)]
#[rasn(choice, automatic_tags)]
#[non_exhaustive]
pub enum PrivateTypeOfNumber {
    Unknown(()),
    Level2RegionalNumber(()),
    Level1RegionalNumber(()),
    #[rasn(identifier = "pISNSpecificNumber")]
    PIsnSpecificNumber(()),
    LocalNumber(()),
    AbbreviatedNumber(()),
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(choice, automatic_tags, identifier = "MobileUIM")]
#[non_exhaustive]
pub enum MobileUim {
    #[rasn(identifier = "ansi-41-uim")]
    Ansi41Uim(Ansi41Uim),
    #[rasn(identifier = "gsm-uim")]
    GsmUim(GsmUim),
}

/// `TBCD-STRING ::= IA5String (FROM ("0123456789#*abc"))`, with the size
/// each use gives it.
macro_rules! tbcd {
    ($name:ident, $size:literal) => {
        #[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq)]
        #[rasn(delegate, size($size), from("#", "*", "0..=9", "a..=c"))]
        pub struct $name(pub Ia5String);
    };
}
tbcd!(TbcdString3To16, "3..=16");
tbcd!(TbcdString16, "16");
tbcd!(TbcdString1To4, "1..=4");
tbcd!(TbcdString15To16, "15..=16");

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(automatic_tags, identifier = "ANSI-41-UIM")]
#[non_exhaustive]
pub struct Ansi41Uim {
    pub imsi: Option<TbcdString3To16>,
    pub min: Option<TbcdString3To16>,
    pub mdn: Option<TbcdString3To16>,
    pub msisdn: Option<TbcdString3To16>,
    pub esn: Option<TbcdString16>,
    pub mscid: Option<TbcdString3To16>,
    #[rasn(identifier = "system-id")]
    pub system_id: Ansi41UimSystemId,
    #[rasn(size(1))]
    pub system_my_type_code: Option<OctetString>,
    #[rasn(size(1))]
    pub system_access_type: Option<OctetString>,
    #[rasn(size(1))]
    pub qualification_information_code: Option<OctetString>,
    pub sesn: Option<TbcdString16>,
    pub soc: Option<TbcdString3To16>,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(choice, automatic_tags)]
#[non_exhaustive]
pub enum Ansi41UimSystemId {
    Sid(TbcdString1To4),
    Mid(TbcdString1To4),
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(automatic_tags, identifier = "GSM-UIM")]
#[non_exhaustive]
pub struct GsmUim {
    pub imsi: Option<TbcdString3To16>,
    #[rasn(size("1..=4"))]
    pub tmsi: Option<OctetString>,
    pub msisdn: Option<TbcdString3To16>,
    pub imei: Option<TbcdString15To16>,
    pub hplmn: Option<TbcdString1To4>,
    pub vplmn: Option<TbcdString1To4>,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(choice, automatic_tags)]
#[non_exhaustive]
pub enum IsupNumber {
    E164Number(IsupPublicPartyNumber),
    DataPartyNumber(IsupDigits),
    TelexPartyNumber(IsupDigits),
    PrivateNumber(IsupPrivatePartyNumber),
    NationalStandardPartyNumber(IsupDigits),
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(automatic_tags)]
#[non_exhaustive]
pub struct IsupPublicPartyNumber {
    pub nature_of_address: NatureOfAddress,
    pub address: IsupDigits,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(automatic_tags)]
#[non_exhaustive]
pub struct IsupPrivatePartyNumber {
    pub private_type_of_number: PrivateTypeOfNumber,
    pub address: IsupDigits,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, Copy, PartialEq, Eq)]
#[rasn(choice, automatic_tags)]
#[non_exhaustive]
pub enum NatureOfAddress {
    Unknown(()),
    SubscriberNumber(()),
    NationalNumber(()),
    InternationalNumber(()),
    NetworkSpecificNumber(()),
    RoutingNumberNationalFormat(()),
    RoutingNumberNetworkSpecificFormat(()),
    RoutingNumberWithCalledDirectoryNumber(()),
}

/// `IsupDigits ::= IA5String (SIZE (1..128)) (FROM ("0123456789ABCDE"))`
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq)]
#[rasn(delegate, size("1..=128"), from("0..=9", "A..=E"))]
pub struct IsupDigits(pub Ia5String);

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(automatic_tags)]
#[non_exhaustive]
pub struct ExtendedAliasAddress {
    pub address: AliasAddress,
    pub presentation_indicator: Option<PresentationIndicator>,
    pub screening_indicator: Option<ScreeningIndicator>,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(automatic_tags)]
#[non_exhaustive]
pub struct Endpoint {
    pub non_standard_data: Option<NonStandardParameter>,
    pub alias_address: Option<SequenceOf<AliasAddress>>,
    pub call_signal_address: Option<SequenceOf<TransportAddress>>,
    pub ras_address: Option<SequenceOf<TransportAddress>>,
    pub endpoint_type: Option<EndpointType>,
    pub tokens: Option<SequenceOf<ClearToken>>,
    pub crypto_tokens: Option<SequenceOf<CryptoH323Token>>,
    #[rasn(value("0..=127"))]
    pub priority: Option<u8>,
    pub remote_extension_address: Option<SequenceOf<AliasAddress>>,
    pub dest_extra_call_info: Option<SequenceOf<AliasAddress>>,
    #[rasn(extension_addition)]
    pub alternate_transport_addresses: Option<AlternateTransportAddresses>,
    #[rasn(extension_addition)]
    pub circuit_info: Option<CircuitInfo>,
    #[rasn(extension_addition)]
    pub feature_set: Option<FeatureSet>,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(automatic_tags)]
#[non_exhaustive]
pub struct AlternateTransportAddresses {
    pub annex_e: Option<SequenceOf<TransportAddress>>,
    #[rasn(extension_addition)]
    pub sctp: Option<SequenceOf<TransportAddress>>,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, Copy, PartialEq, Eq)]
#[rasn(choice, automatic_tags)]
#[non_exhaustive]
pub enum UseSpecifiedTransport {
    Tcp(()),
    AnnexE(()),
    #[rasn(extension_addition)]
    Sctp(()),
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(automatic_tags, identifier = "AlternateGK")]
#[non_exhaustive]
pub struct AlternateGk {
    pub ras_address: TransportAddress,
    pub gatekeeper_identifier: Option<GatekeeperIdentifier>,
    pub need_to_register: bool,
    #[rasn(value("0..=127"))]
    pub priority: u8,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(automatic_tags, identifier = "AltGKInfo")]
#[non_exhaustive]
pub struct AltGkInfo {
    pub alternate_gatekeeper: SequenceOf<AlternateGk>,
    #[rasn(identifier = "altGKisPermanent")]
    pub alt_gk_is_permanent: bool,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(choice, automatic_tags)]
#[non_exhaustive]
pub enum SecurityServiceMode {
    NonStandard(NonStandardParameter),
    None(()),
    Default(()),
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(automatic_tags)]
#[non_exhaustive]
pub struct SecurityCapabilities {
    pub non_standard: Option<NonStandardParameter>,
    pub encryption: SecurityServiceMode,
    /// Spelt `authenticaton` in the standard.
    #[rasn(identifier = "authenticaton")]
    pub authenticaton: SecurityServiceMode,
    pub integrity: SecurityServiceMode,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, Copy, PartialEq, Eq)]
#[rasn(choice, automatic_tags)]
#[non_exhaustive]
pub enum SecurityErrors {
    SecurityWrongSyncTime(()),
    SecurityReplay(()),
    #[rasn(identifier = "securityWrongGeneralID")]
    SecurityWrongGeneralId(()),
    #[rasn(identifier = "securityWrongSendersID")]
    SecurityWrongSendersId(()),
    SecurityIntegrityFailed(()),
    #[rasn(identifier = "securityWrongOID")]
    SecurityWrongOid(()),
    #[rasn(identifier = "securityDHmismatch")]
    SecurityDhMismatch(()),
    SecurityCertificateExpired(()),
    SecurityCertificateDateInvalid(()),
    SecurityCertificateRevoked(()),
    SecurityCertificateNotReadable(()),
    SecurityCertificateSignatureInvalid(()),
    SecurityCertificateMissing(()),
    SecurityCertificateIncomplete(()),
    #[rasn(identifier = "securityUnsupportedCertificateAlgOID")]
    SecurityUnsupportedCertificateAlgOid(()),
    #[rasn(identifier = "securityUnknownCA")]
    SecurityUnknownCa(()),
}

#[derive(AsnType, Encode, Decode, Debug, Clone, Copy, PartialEq, Eq)]
#[rasn(choice, automatic_tags)]
#[non_exhaustive]
pub enum SecurityErrors2 {
    SecurityWrongSyncTime(()),
    SecurityReplay(()),
    #[rasn(identifier = "securityWrongGeneralID")]
    SecurityWrongGeneralId(()),
    #[rasn(identifier = "securityWrongSendersID")]
    SecurityWrongSendersId(()),
    SecurityIntegrityFailed(()),
    #[rasn(identifier = "securityWrongOID")]
    SecurityWrongOid(()),
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(choice, automatic_tags)]
#[non_exhaustive]
pub enum H245Security {
    NonStandard(NonStandardParameter),
    NoSecurity(()),
    Tls(SecurityCapabilities),
    Ipsec(SecurityCapabilities),
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq)]
#[rasn(automatic_tags)]
#[non_exhaustive]
pub struct QseriesOptions {
    pub q932_full: bool,
    pub q951_full: bool,
    pub q952_full: bool,
    pub q953_full: bool,
    pub q955_full: bool,
    pub q956_full: bool,
    pub q957_full: bool,
    pub q954_info: Q954Details,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq)]
#[rasn(automatic_tags)]
#[non_exhaustive]
pub struct Q954Details {
    pub conference_calling: bool,
    pub three_party_service: bool,
}

/// `GloballyUniqueID ::= OCTET STRING (SIZE (16))`
pub type GloballyUniqueId = FixedOctetString<16>;
/// `ConferenceIdentifier ::= GloballyUniqueID`
pub type ConferenceIdentifier = GloballyUniqueId;

/// `RequestSeqNum ::= INTEGER (1..65535)`
#[derive(AsnType, Encode, Decode, Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[rasn(delegate, value("1..=65535"))]
pub struct RequestSeqNum(pub u16);

/// `GatekeeperIdentifier ::= BMPString (SIZE (1..128))`
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq)]
#[rasn(delegate, size("1..=128"))]
pub struct GatekeeperIdentifier(pub BmpString);

/// `BandWidth ::= INTEGER (0..4294967295)`, in units of 100 bit/s.
pub type BandWidth = u32;

/// `CallReferenceValue ::= INTEGER (0..65535)`
pub type CallReferenceValue = u16;

/// `EndpointIdentifier ::= BMPString (SIZE (1..128))`
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq)]
#[rasn(delegate, size("1..=128"))]
pub struct EndpointIdentifier(pub BmpString);

/// `ProtocolIdentifier ::= OBJECT IDENTIFIER`
pub type ProtocolIdentifier = ObjectIdentifier;

/// `TimeToLive ::= INTEGER (1..4294967295)`, in seconds.
#[derive(AsnType, Encode, Decode, Debug, Clone, Copy, PartialEq, Eq)]
#[rasn(delegate, value("1..=4294967295"))]
pub struct TimeToLive(pub u32);

/// `H248PackagesDescriptor ::= OCTET STRING` (PER-encoded H.248)
pub type H248PackagesDescriptor = OctetString;
/// `H248SignalsDescriptor ::= OCTET STRING` (PER-encoded H.248)
pub type H248SignalsDescriptor = OctetString;
/// `FeatureDescriptor ::= GenericData`
pub type FeatureDescriptor = GenericData;

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq)]
#[rasn(automatic_tags)]
#[non_exhaustive]
pub struct CallIdentifier {
    pub guid: GloballyUniqueId,
}

impl CallIdentifier {
    pub fn new(guid: [u8; 16]) -> Self {
        Self {
            guid: FixedOctetString::new(guid),
        }
    }
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(choice, automatic_tags)]
#[non_exhaustive]
pub enum EncryptIntAlg {
    NonStandard(NonStandardParameter),
    IsoAlgorithm(ObjectIdentifier),
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(choice, automatic_tags)]
#[non_exhaustive]
pub enum NonIsoIntegrityMechanism {
    #[rasn(identifier = "hMAC-MD5")]
    HmacMd5(()),
    #[rasn(identifier = "hMAC-iso10118-2-s")]
    HmacIso10118_2S(EncryptIntAlg),
    #[rasn(identifier = "hMAC-iso10118-2-l")]
    HmacIso10118_2L(EncryptIntAlg),
    #[rasn(identifier = "hMAC-iso10118-3")]
    HmacIso10118_3(ObjectIdentifier),
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(choice, automatic_tags)]
#[non_exhaustive]
pub enum IntegrityMechanism {
    NonStandard(NonStandardParameter),
    DigSig(()),
    Iso9797(ObjectIdentifier),
    #[rasn(identifier = "nonIsoIM")]
    NonIsoIm(NonIsoIntegrityMechanism),
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(automatic_tags, identifier = "ICV")]
pub struct Icv {
    #[rasn(identifier = "algorithmOID")]
    pub algorithm_oid: ObjectIdentifier,
    pub icv: BitString,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(automatic_tags)]
pub struct CryptoH323TokenCryptoEpPwdHash {
    pub alias: AliasAddress,
    pub time_stamp: TimeStamp,
    pub token: Hashed,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(automatic_tags)]
pub struct CryptoH323TokenCryptoGkPwdHash {
    pub gatekeeper_id: GatekeeperIdentifier,
    pub time_stamp: TimeStamp,
    pub token: Hashed,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(choice, automatic_tags)]
#[non_exhaustive]
pub enum CryptoH323Token {
    #[rasn(identifier = "cryptoEPPwdHash")]
    CryptoEpPwdHash(CryptoH323TokenCryptoEpPwdHash),
    #[rasn(identifier = "cryptoGKPwdHash")]
    CryptoGkPwdHash(CryptoH323TokenCryptoGkPwdHash),
    #[rasn(identifier = "cryptoEPPwdEncr")]
    CryptoEpPwdEncr(Encrypted),
    #[rasn(identifier = "cryptoGKPwdEncr")]
    CryptoGkPwdEncr(Encrypted),
    #[rasn(identifier = "cryptoEPCert")]
    CryptoEpCert(Signed),
    #[rasn(identifier = "cryptoGKCert")]
    CryptoGkCert(Signed),
    CryptoFastStart(Signed),
    NestedcryptoToken(CryptoToken),
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(automatic_tags)]
#[non_exhaustive]
pub struct DataRate {
    pub non_standard_data: Option<NonStandardParameter>,
    pub channel_rate: BandWidth,
    #[rasn(value("1..=256"))]
    pub channel_multiplier: Option<u16>,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq)]
#[rasn(automatic_tags)]
#[non_exhaustive]
pub struct CallLinkage {
    pub global_call_id: Option<GloballyUniqueId>,
    pub thread_id: Option<GloballyUniqueId>,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(automatic_tags)]
#[non_exhaustive]
pub struct SupportedPrefix {
    pub non_standard_data: Option<NonStandardParameter>,
    pub prefix: AliasAddress,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq)]
#[rasn(automatic_tags)]
#[non_exhaustive]
pub struct CapacityReportingCapability {
    pub can_report_call_capacity: bool,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq)]
#[rasn(automatic_tags)]
#[non_exhaustive]
pub struct CapacityReportingSpecification {
    pub when: CapacityReportingSpecificationWhen,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq)]
#[rasn(automatic_tags)]
#[non_exhaustive]
pub struct CapacityReportingSpecificationWhen {
    pub call_start: Option<()>,
    pub call_end: Option<()>,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(automatic_tags)]
#[non_exhaustive]
pub struct CallCapacity {
    pub maximum_call_capacity: Option<CallCapacityInfo>,
    pub current_call_capacity: Option<CallCapacityInfo>,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(automatic_tags)]
#[non_exhaustive]
pub struct CallCapacityInfo {
    pub voice_gw_calls_available: Option<SequenceOf<CallsAvailable>>,
    pub h310_gw_calls_available: Option<SequenceOf<CallsAvailable>>,
    pub h320_gw_calls_available: Option<SequenceOf<CallsAvailable>>,
    pub h321_gw_calls_available: Option<SequenceOf<CallsAvailable>>,
    pub h322_gw_calls_available: Option<SequenceOf<CallsAvailable>>,
    pub h323_gw_calls_available: Option<SequenceOf<CallsAvailable>>,
    pub h324_gw_calls_available: Option<SequenceOf<CallsAvailable>>,
    pub t120_only_gw_calls_available: Option<SequenceOf<CallsAvailable>>,
    pub t38_fax_annexb_only_gw_calls_available: Option<SequenceOf<CallsAvailable>>,
    pub terminal_calls_available: Option<SequenceOf<CallsAvailable>>,
    pub mcu_calls_available: Option<SequenceOf<CallsAvailable>>,
    #[rasn(extension_addition)]
    pub sip_gw_calls_available: Option<SequenceOf<CallsAvailable>>,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(automatic_tags)]
#[non_exhaustive]
pub struct CallsAvailable {
    pub calls: u32,
    #[rasn(size("1..=128"))]
    pub group: Option<Ia5String>,
    #[rasn(extension_addition)]
    pub carrier: Option<CarrierInfo>,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(automatic_tags)]
#[non_exhaustive]
pub struct CircuitInfo {
    #[rasn(identifier = "sourceCircuitID")]
    pub source_circuit_id: Option<CircuitIdentifier>,
    #[rasn(identifier = "destinationCircuitID")]
    pub destination_circuit_id: Option<CircuitIdentifier>,
    pub generic_data: Option<SequenceOf<GenericData>>,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(automatic_tags)]
#[non_exhaustive]
pub struct CircuitIdentifier {
    pub cic: Option<CicInfo>,
    pub group: Option<GroupId>,
    #[rasn(extension_addition)]
    pub carrier: Option<CarrierInfo>,
}

/// `OCTET STRING (SIZE (2..4))`, one circuit identification code.
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq)]
#[rasn(delegate, size("2..=4"))]
pub struct CicCode(pub OctetString);

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq)]
#[rasn(automatic_tags)]
#[non_exhaustive]
pub struct CicInfo {
    pub cic: SequenceOf<CicCode>,
    #[rasn(size("2..=5"))]
    pub point_code: OctetString,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(automatic_tags, identifier = "GroupID")]
#[non_exhaustive]
pub struct GroupId {
    pub member: Option<SequenceOf<u16>>,
    #[rasn(size("1..=128"))]
    pub group: Ia5String,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(automatic_tags)]
#[non_exhaustive]
pub struct CarrierInfo {
    #[rasn(size("3..=4"))]
    pub carrier_identification_code: Option<OctetString>,
    #[rasn(size("1..=128"))]
    pub carrier_name: Option<Ia5String>,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(choice, automatic_tags)]
#[non_exhaustive]
pub enum ServiceControlDescriptor {
    #[rasn(size("0..=512"))]
    Url(Ia5String),
    Signal(H248SignalsDescriptor),
    NonStandard(NonStandardParameter),
    CallCreditServiceControl(CallCreditServiceControl),
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(automatic_tags)]
#[non_exhaustive]
pub struct ServiceControlSession {
    #[rasn(value("0..=255"))]
    pub session_id: u8,
    pub contents: Option<ServiceControlDescriptor>,
    pub reason: ServiceControlSessionReason,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, Copy, PartialEq, Eq)]
#[rasn(choice, automatic_tags)]
#[non_exhaustive]
pub enum ServiceControlSessionReason {
    Open(()),
    Refresh(()),
    Close(()),
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(automatic_tags)]
#[non_exhaustive]
pub struct RasUsageInfoTypes {
    pub non_standard_usage_types: SequenceOf<NonStandardParameter>,
    pub start_time: Option<()>,
    pub end_time: Option<()>,
    pub termination_cause: Option<()>,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(automatic_tags)]
#[non_exhaustive]
pub struct RasUsageSpecification {
    pub when: RasUsageSpecificationWhen,
    pub call_starting_point: Option<RasUsageSpecificationCallStartingPoint>,
    pub required: RasUsageInfoTypes,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq)]
#[rasn(automatic_tags)]
#[non_exhaustive]
pub struct RasUsageSpecificationWhen {
    pub start: Option<()>,
    pub end: Option<()>,
    pub in_irr: Option<()>,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq)]
#[rasn(automatic_tags)]
#[non_exhaustive]
pub struct RasUsageSpecificationCallStartingPoint {
    pub alerting: Option<()>,
    pub connect: Option<()>,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(automatic_tags)]
#[non_exhaustive]
pub struct RasUsageInformation {
    pub non_standard_usage_fields: SequenceOf<NonStandardParameter>,
    pub alerting_time: Option<TimeStamp>,
    pub connect_time: Option<TimeStamp>,
    pub end_time: Option<TimeStamp>,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(choice, automatic_tags)]
#[non_exhaustive]
pub enum CallTerminationCause {
    ReleaseCompleteReason(ReleaseCompleteReason),
    #[rasn(size("2..=32"), identifier = "releaseCompleteCauseIE")]
    ReleaseCompleteCauseIe(OctetString),
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(automatic_tags)]
#[non_exhaustive]
pub struct BandwidthDetails {
    pub sender: bool,
    pub multicast: bool,
    pub bandwidth: BandWidth,
    pub rtcp_addresses: TransportChannelInfo,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq)]
#[rasn(automatic_tags)]
#[non_exhaustive]
pub struct CallCreditCapability {
    pub can_display_amount_string: Option<bool>,
    pub can_enforce_duration_limit: Option<bool>,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(automatic_tags)]
#[non_exhaustive]
pub struct CallCreditServiceControl {
    #[rasn(size("1..=512"))]
    pub amount_string: Option<BmpString>,
    pub billing_mode: Option<CallCreditServiceControlBillingMode>,
    #[rasn(value("1..=4294967295"))]
    pub call_duration_limit: Option<u32>,
    pub enforce_call_duration_limit: Option<bool>,
    pub call_starting_point: Option<CallCreditServiceControlCallStartingPoint>,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, Copy, PartialEq, Eq)]
#[rasn(choice, automatic_tags)]
#[non_exhaustive]
pub enum CallCreditServiceControlBillingMode {
    Credit(()),
    Debit(()),
}

#[derive(AsnType, Encode, Decode, Debug, Clone, Copy, PartialEq, Eq)]
#[rasn(choice, automatic_tags)]
#[non_exhaustive]
pub enum CallCreditServiceControlCallStartingPoint {
    Alerting(()),
    Connect(()),
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(automatic_tags)]
#[non_exhaustive]
pub struct GenericData {
    pub id: GenericIdentifier,
    #[rasn(size("1..=512"))]
    pub parameters: Option<SequenceOf<EnumeratedParameter>>,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(choice, automatic_tags)]
#[non_exhaustive]
pub enum GenericIdentifier {
    #[rasn(value("0..=16383", extensible))]
    Standard(Integer),
    Oid(ObjectIdentifier),
    NonStandard(GloballyUniqueId),
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(automatic_tags)]
#[non_exhaustive]
pub struct EnumeratedParameter {
    pub id: GenericIdentifier,
    pub content: Option<Content>,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(choice, automatic_tags)]
#[non_exhaustive]
pub enum Content {
    Raw(OctetString),
    Text(Ia5String),
    Unicode(BmpString),
    Bool(bool),
    Number8(u8),
    Number16(u16),
    Number32(u32),
    Id(GenericIdentifier),
    Alias(AliasAddress),
    Transport(TransportAddress),
    #[rasn(size("1..=512"))]
    Compound(SequenceOf<EnumeratedParameter>),
    #[rasn(size("1..=16"))]
    Nested(SequenceOf<GenericData>),
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(automatic_tags)]
#[non_exhaustive]
pub struct FeatureSet {
    pub replacement_feature_set: bool,
    pub needed_features: Option<SequenceOf<FeatureDescriptor>>,
    pub desired_features: Option<SequenceOf<FeatureDescriptor>>,
    pub supported_features: Option<SequenceOf<FeatureDescriptor>>,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(automatic_tags)]
#[non_exhaustive]
pub struct TransportChannelInfo {
    pub send_address: Option<TransportAddress>,
    pub recv_address: Option<TransportAddress>,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(automatic_tags, identifier = "RTPSession")]
#[non_exhaustive]
pub struct RtpSession {
    pub rtp_address: TransportChannelInfo,
    pub rtcp_address: TransportChannelInfo,
    pub cname: PrintableString,
    #[rasn(value("1..=4294967295"))]
    pub ssrc: u32,
    #[rasn(value("1..=255"))]
    pub session_id: u8,
    pub associated_session_ids: SequenceOf<SessionIdValue>,
    #[rasn(extension_addition)]
    pub multicast: Option<()>,
    #[rasn(extension_addition, value("0..=4294967295"))]
    pub bandwidth: Option<BandWidth>,
}

/// `INTEGER (1..255)` in `RTPSession.associatedSessionIds`.
#[derive(AsnType, Encode, Decode, Debug, Clone, Copy, PartialEq, Eq)]
#[rasn(delegate, value("1..=255"))]
pub struct SessionIdValue(pub u8);

#[derive(AsnType, Encode, Decode, Debug, Clone, Copy, PartialEq, Eq)]
#[rasn(choice, automatic_tags)]
pub enum RehomingModel {
    GatekeeperBased(()),
    EndpointBased(()),
}

// ---------------------------------------------------------------------------
// RAS
// ---------------------------------------------------------------------------

/// `RasMessage`: one UDP datagram of H.225.0 RAS.
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(choice, automatic_tags)]
#[non_exhaustive]
pub enum RasMessage {
    GatekeeperRequest(GatekeeperRequest),
    GatekeeperConfirm(GatekeeperConfirm),
    GatekeeperReject(GatekeeperReject),
    RegistrationRequest(RegistrationRequest),
    RegistrationConfirm(RegistrationConfirm),
    RegistrationReject(RegistrationReject),
    UnregistrationRequest(UnregistrationRequest),
    UnregistrationConfirm(UnregistrationConfirm),
    UnregistrationReject(UnregistrationReject),
    AdmissionRequest(AdmissionRequest),
    AdmissionConfirm(AdmissionConfirm),
    AdmissionReject(AdmissionReject),
    BandwidthRequest(BandwidthRequest),
    BandwidthConfirm(BandwidthConfirm),
    BandwidthReject(BandwidthReject),
    DisengageRequest(DisengageRequest),
    DisengageConfirm(DisengageConfirm),
    DisengageReject(DisengageReject),
    LocationRequest(LocationRequest),
    LocationConfirm(LocationConfirm),
    LocationReject(LocationReject),
    InfoRequest(InfoRequest),
    InfoRequestResponse(InfoRequestResponse),
    NonStandardMessage(NonStandardMessage),
    UnknownMessageResponse(UnknownMessageResponse),
    #[rasn(extension_addition)]
    RequestInProgress(RequestInProgress),
    #[rasn(extension_addition)]
    ResourcesAvailableIndicate(ResourcesAvailableIndicate),
    #[rasn(extension_addition)]
    ResourcesAvailableConfirm(ResourcesAvailableConfirm),
    #[rasn(extension_addition)]
    InfoRequestAck(InfoRequestAck),
    #[rasn(extension_addition)]
    InfoRequestNak(InfoRequestNak),
    #[rasn(extension_addition)]
    ServiceControlIndication(ServiceControlIndication),
    #[rasn(extension_addition)]
    ServiceControlResponse(ServiceControlResponse),
    #[rasn(extension_addition)]
    AdmissionConfirmSequence(SequenceOf<AdmissionConfirm>),
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(automatic_tags)]
#[non_exhaustive]
pub struct GatekeeperRequest {
    pub request_seq_num: RequestSeqNum,
    pub protocol_identifier: ProtocolIdentifier,
    pub non_standard_data: Option<NonStandardParameter>,
    pub ras_address: TransportAddress,
    pub endpoint_type: EndpointType,
    pub gatekeeper_identifier: Option<GatekeeperIdentifier>,
    pub call_services: Option<QseriesOptions>,
    pub endpoint_alias: Option<SequenceOf<AliasAddress>>,
    #[rasn(extension_addition)]
    pub alternate_endpoints: Option<SequenceOf<Endpoint>>,
    #[rasn(extension_addition)]
    pub tokens: Option<SequenceOf<ClearToken>>,
    #[rasn(extension_addition)]
    pub crypto_tokens: Option<SequenceOf<CryptoH323Token>>,
    #[rasn(extension_addition)]
    pub authentication_capability: Option<SequenceOf<AuthenticationMechanism>>,
    #[rasn(extension_addition, identifier = "algorithmOIDs")]
    pub algorithm_oids: Option<SequenceOf<ObjectIdentifier>>,
    #[rasn(extension_addition)]
    pub integrity: Option<SequenceOf<IntegrityMechanism>>,
    #[rasn(extension_addition)]
    pub integrity_check_value: Option<Icv>,
    #[rasn(extension_addition, identifier = "supportsAltGK")]
    pub supports_alt_gk: Option<()>,
    #[rasn(extension_addition)]
    pub feature_set: Option<FeatureSet>,
    #[rasn(extension_addition)]
    pub generic_data: Option<SequenceOf<GenericData>>,
    #[rasn(extension_addition, identifier = "supportsAssignedGK")]
    pub supports_assigned_gk: Option<bool>,
    #[rasn(extension_addition)]
    pub assigned_gatekeeper: Option<AlternateGk>,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(automatic_tags)]
#[non_exhaustive]
pub struct GatekeeperConfirm {
    pub request_seq_num: RequestSeqNum,
    pub protocol_identifier: ProtocolIdentifier,
    pub non_standard_data: Option<NonStandardParameter>,
    pub gatekeeper_identifier: Option<GatekeeperIdentifier>,
    pub ras_address: TransportAddress,
    #[rasn(extension_addition)]
    pub alternate_gatekeeper: Option<SequenceOf<AlternateGk>>,
    #[rasn(extension_addition)]
    pub authentication_mode: Option<AuthenticationMechanism>,
    #[rasn(extension_addition)]
    pub tokens: Option<SequenceOf<ClearToken>>,
    #[rasn(extension_addition)]
    pub crypto_tokens: Option<SequenceOf<CryptoH323Token>>,
    #[rasn(extension_addition, identifier = "algorithmOID")]
    pub algorithm_oid: Option<ObjectIdentifier>,
    #[rasn(extension_addition)]
    pub integrity: Option<SequenceOf<IntegrityMechanism>>,
    #[rasn(extension_addition)]
    pub integrity_check_value: Option<Icv>,
    #[rasn(extension_addition)]
    pub feature_set: Option<FeatureSet>,
    #[rasn(extension_addition)]
    pub generic_data: Option<SequenceOf<GenericData>>,
    #[rasn(extension_addition)]
    pub assigned_gatekeeper: Option<AlternateGk>,
    #[rasn(extension_addition)]
    pub rehoming_model: Option<RehomingModel>,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(automatic_tags)]
#[non_exhaustive]
pub struct GatekeeperReject {
    pub request_seq_num: RequestSeqNum,
    pub protocol_identifier: ProtocolIdentifier,
    pub non_standard_data: Option<NonStandardParameter>,
    pub gatekeeper_identifier: Option<GatekeeperIdentifier>,
    pub reject_reason: GatekeeperRejectReason,
    #[rasn(extension_addition, identifier = "altGKInfo")]
    pub alt_gk_info: Option<AltGkInfo>,
    #[rasn(extension_addition)]
    pub tokens: Option<SequenceOf<ClearToken>>,
    #[rasn(extension_addition)]
    pub crypto_tokens: Option<SequenceOf<CryptoH323Token>>,
    #[rasn(extension_addition)]
    pub integrity_check_value: Option<Icv>,
    #[rasn(extension_addition)]
    pub feature_set: Option<FeatureSet>,
    #[rasn(extension_addition)]
    pub generic_data: Option<SequenceOf<GenericData>>,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, Copy, PartialEq, Eq)]
#[rasn(choice, automatic_tags)]
#[non_exhaustive]
pub enum GatekeeperRejectReason {
    ResourceUnavailable(()),
    TerminalExcluded(()),
    InvalidRevision(()),
    UndefinedReason(()),
    #[rasn(extension_addition)]
    SecurityDenial(()),
    #[rasn(extension_addition)]
    GenericDataReason(()),
    #[rasn(extension_addition)]
    NeededFeatureNotSupported(()),
    #[rasn(extension_addition)]
    SecurityError(SecurityErrors),
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(automatic_tags)]
#[non_exhaustive]
pub struct RegistrationRequest {
    pub request_seq_num: RequestSeqNum,
    pub protocol_identifier: ProtocolIdentifier,
    pub non_standard_data: Option<NonStandardParameter>,
    pub discovery_complete: bool,
    pub call_signal_address: SequenceOf<TransportAddress>,
    pub ras_address: SequenceOf<TransportAddress>,
    pub terminal_type: EndpointType,
    pub terminal_alias: Option<SequenceOf<AliasAddress>>,
    pub gatekeeper_identifier: Option<GatekeeperIdentifier>,
    pub endpoint_vendor: VendorIdentifier,
    #[rasn(extension_addition)]
    pub alternate_endpoints: Option<SequenceOf<Endpoint>>,
    #[rasn(extension_addition, value("1..=4294967295"))]
    pub time_to_live: Option<TimeToLive>,
    #[rasn(extension_addition)]
    pub tokens: Option<SequenceOf<ClearToken>>,
    #[rasn(extension_addition)]
    pub crypto_tokens: Option<SequenceOf<CryptoH323Token>>,
    #[rasn(extension_addition)]
    pub integrity_check_value: Option<Icv>,
    /// Lightweight RRQ: refreshes an existing registration's time to live.
    #[rasn(extension_addition)]
    pub keep_alive: Option<bool>,
    #[rasn(extension_addition, size("1..=128"))]
    pub endpoint_identifier: Option<EndpointIdentifier>,
    #[rasn(extension_addition, identifier = "willSupplyUUIEs")]
    pub will_supply_uuies: Option<bool>,
    #[rasn(extension_addition)]
    pub maintain_connection: Option<bool>,
    #[rasn(extension_addition)]
    pub alternate_transport_addresses: Option<AlternateTransportAddresses>,
    #[rasn(extension_addition)]
    pub additive_registration: Option<()>,
    #[rasn(extension_addition)]
    pub terminal_alias_pattern: Option<SequenceOf<AddressPattern>>,
    #[rasn(extension_addition, identifier = "supportsAltGK")]
    pub supports_alt_gk: Option<()>,
    #[rasn(extension_addition)]
    pub usage_reporting_capability: Option<RasUsageInfoTypes>,
    #[rasn(extension_addition)]
    pub multiple_calls: Option<bool>,
    #[rasn(extension_addition)]
    pub supported_h248_packages: Option<SequenceOf<H248PackagesDescriptor>>,
    #[rasn(extension_addition)]
    pub call_credit_capability: Option<CallCreditCapability>,
    #[rasn(extension_addition)]
    pub capacity_reporting_capability: Option<CapacityReportingCapability>,
    #[rasn(extension_addition)]
    pub capacity: Option<CallCapacity>,
    #[rasn(extension_addition)]
    pub feature_set: Option<FeatureSet>,
    #[rasn(extension_addition)]
    pub generic_data: Option<SequenceOf<GenericData>>,
    #[rasn(extension_addition)]
    pub restart: Option<()>,
    #[rasn(extension_addition, identifier = "supportsACFSequences")]
    pub supports_acf_sequences: Option<()>,
    #[rasn(extension_addition, identifier = "supportsAssignedGK")]
    pub supports_assigned_gk: Option<bool>,
    #[rasn(extension_addition)]
    pub assigned_gatekeeper: Option<AlternateGk>,
    #[rasn(extension_addition, identifier = "transportQOS")]
    pub transport_qos: Option<TransportQos>,
    #[rasn(extension_addition)]
    pub language: Option<SequenceOf<LanguageTag>>,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(automatic_tags)]
#[non_exhaustive]
pub struct RegistrationConfirm {
    pub request_seq_num: RequestSeqNum,
    pub protocol_identifier: ProtocolIdentifier,
    pub non_standard_data: Option<NonStandardParameter>,
    pub call_signal_address: SequenceOf<TransportAddress>,
    pub terminal_alias: Option<SequenceOf<AliasAddress>>,
    pub gatekeeper_identifier: Option<GatekeeperIdentifier>,
    pub endpoint_identifier: EndpointIdentifier,
    #[rasn(extension_addition)]
    pub alternate_gatekeeper: Option<SequenceOf<AlternateGk>>,
    #[rasn(extension_addition, value("1..=4294967295"))]
    pub time_to_live: Option<TimeToLive>,
    #[rasn(extension_addition)]
    pub tokens: Option<SequenceOf<ClearToken>>,
    #[rasn(extension_addition)]
    pub crypto_tokens: Option<SequenceOf<CryptoH323Token>>,
    #[rasn(extension_addition)]
    pub integrity_check_value: Option<Icv>,
    #[rasn(extension_addition, identifier = "willRespondToIRR")]
    pub will_respond_to_irr: Option<bool>,
    #[rasn(extension_addition, identifier = "preGrantedARQ")]
    pub pre_granted_arq: Option<RegistrationConfirmPreGrantedArq>,
    #[rasn(extension_addition)]
    pub maintain_connection: Option<bool>,
    #[rasn(extension_addition)]
    pub service_control: Option<SequenceOf<ServiceControlSession>>,
    #[rasn(extension_addition)]
    pub supports_additive_registration: Option<()>,
    #[rasn(extension_addition)]
    pub terminal_alias_pattern: Option<SequenceOf<AddressPattern>>,
    #[rasn(extension_addition)]
    pub supported_prefixes: Option<SequenceOf<SupportedPrefix>>,
    #[rasn(extension_addition)]
    pub usage_spec: Option<SequenceOf<RasUsageSpecification>>,
    #[rasn(extension_addition)]
    pub feature_server_alias: Option<AliasAddress>,
    #[rasn(extension_addition)]
    pub capacity_reporting_spec: Option<CapacityReportingSpecification>,
    #[rasn(extension_addition)]
    pub feature_set: Option<FeatureSet>,
    #[rasn(extension_addition)]
    pub generic_data: Option<SequenceOf<GenericData>>,
    #[rasn(extension_addition)]
    pub assigned_gatekeeper: Option<AlternateGk>,
    #[rasn(extension_addition)]
    pub rehoming_model: Option<RehomingModel>,
    #[rasn(extension_addition, identifier = "transportQOS")]
    pub transport_qos: Option<TransportQos>,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(automatic_tags)]
#[non_exhaustive]
pub struct RegistrationConfirmPreGrantedArq {
    pub make_call: bool,
    #[rasn(identifier = "useGKCallSignalAddressToMakeCall")]
    pub use_gk_call_signal_address_to_make_call: bool,
    pub answer_call: bool,
    #[rasn(identifier = "useGKCallSignalAddressToAnswer")]
    pub use_gk_call_signal_address_to_answer: bool,
    #[rasn(extension_addition, value("1..=65535"))]
    pub irr_frequency_in_call: Option<u16>,
    #[rasn(extension_addition, value("0..=4294967295"))]
    pub total_bandwidth_restriction: Option<BandWidth>,
    #[rasn(extension_addition)]
    pub alternate_transport_addresses: Option<AlternateTransportAddresses>,
    #[rasn(extension_addition)]
    pub use_specified_transport: Option<UseSpecifiedTransport>,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(automatic_tags)]
#[non_exhaustive]
pub struct RegistrationReject {
    pub request_seq_num: RequestSeqNum,
    pub protocol_identifier: ProtocolIdentifier,
    pub non_standard_data: Option<NonStandardParameter>,
    pub reject_reason: RegistrationRejectReason,
    pub gatekeeper_identifier: Option<GatekeeperIdentifier>,
    #[rasn(extension_addition, identifier = "altGKInfo")]
    pub alt_gk_info: Option<AltGkInfo>,
    #[rasn(extension_addition)]
    pub tokens: Option<SequenceOf<ClearToken>>,
    #[rasn(extension_addition)]
    pub crypto_tokens: Option<SequenceOf<CryptoH323Token>>,
    #[rasn(extension_addition)]
    pub integrity_check_value: Option<Icv>,
    #[rasn(extension_addition)]
    pub feature_set: Option<FeatureSet>,
    #[rasn(extension_addition)]
    pub generic_data: Option<SequenceOf<GenericData>>,
    #[rasn(extension_addition)]
    pub assigned_gatekeeper: Option<AlternateGk>,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(choice, automatic_tags)]
#[non_exhaustive]
pub enum RegistrationRejectReason {
    DiscoveryRequired(()),
    InvalidRevision(()),
    InvalidCallSignalAddress(()),
    #[rasn(identifier = "invalidRASAddress")]
    InvalidRasAddress(()),
    DuplicateAlias(SequenceOf<AliasAddress>),
    InvalidTerminalType(()),
    UndefinedReason(()),
    TransportNotSupported(()),
    #[rasn(extension_addition, identifier = "transportQOSNotSupported")]
    TransportQosNotSupported(()),
    #[rasn(extension_addition)]
    ResourceUnavailable(()),
    #[rasn(extension_addition)]
    InvalidAlias(()),
    #[rasn(extension_addition)]
    SecurityDenial(()),
    #[rasn(extension_addition)]
    FullRegistrationRequired(()),
    #[rasn(extension_addition)]
    AdditiveRegistrationNotSupported(()),
    #[rasn(extension_addition)]
    InvalidTerminalAliases(RegistrationRejectReasonInvalidTerminalAliases),
    #[rasn(extension_addition)]
    GenericDataReason(()),
    #[rasn(extension_addition)]
    NeededFeatureNotSupported(()),
    #[rasn(extension_addition)]
    SecurityError(SecurityErrors),
    #[rasn(extension_addition, identifier = "registerWithAssignedGK")]
    RegisterWithAssignedGk(()),
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(automatic_tags)]
#[non_exhaustive]
pub struct RegistrationRejectReasonInvalidTerminalAliases {
    pub terminal_alias: Option<SequenceOf<AliasAddress>>,
    pub terminal_alias_pattern: Option<SequenceOf<AddressPattern>>,
    pub supported_prefixes: Option<SequenceOf<SupportedPrefix>>,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(automatic_tags)]
#[non_exhaustive]
pub struct UnregistrationRequest {
    pub request_seq_num: RequestSeqNum,
    pub call_signal_address: SequenceOf<TransportAddress>,
    pub endpoint_alias: Option<SequenceOf<AliasAddress>>,
    pub non_standard_data: Option<NonStandardParameter>,
    pub endpoint_identifier: Option<EndpointIdentifier>,
    #[rasn(extension_addition)]
    pub alternate_endpoints: Option<SequenceOf<Endpoint>>,
    #[rasn(extension_addition, size("1..=128"))]
    pub gatekeeper_identifier: Option<GatekeeperIdentifier>,
    #[rasn(extension_addition)]
    pub tokens: Option<SequenceOf<ClearToken>>,
    #[rasn(extension_addition)]
    pub crypto_tokens: Option<SequenceOf<CryptoH323Token>>,
    #[rasn(extension_addition)]
    pub integrity_check_value: Option<Icv>,
    #[rasn(extension_addition)]
    pub reason: Option<UnregRequestReason>,
    #[rasn(extension_addition)]
    pub endpoint_alias_pattern: Option<SequenceOf<AddressPattern>>,
    #[rasn(extension_addition)]
    pub supported_prefixes: Option<SequenceOf<SupportedPrefix>>,
    #[rasn(extension_addition)]
    pub alternate_gatekeeper: Option<SequenceOf<AlternateGk>>,
    #[rasn(extension_addition)]
    pub generic_data: Option<SequenceOf<GenericData>>,
    #[rasn(extension_addition)]
    pub assigned_gatekeeper: Option<AlternateGk>,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, Copy, PartialEq, Eq)]
#[rasn(choice, automatic_tags)]
#[non_exhaustive]
pub enum UnregRequestReason {
    ReregistrationRequired(()),
    TtlExpired(()),
    SecurityDenial(()),
    UndefinedReason(()),
    #[rasn(extension_addition)]
    Maintenance(()),
    #[rasn(extension_addition)]
    SecurityError(SecurityErrors2),
    #[rasn(extension_addition, identifier = "registerWithAssignedGK")]
    RegisterWithAssignedGk(()),
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(automatic_tags)]
#[non_exhaustive]
pub struct UnregistrationConfirm {
    pub request_seq_num: RequestSeqNum,
    pub non_standard_data: Option<NonStandardParameter>,
    #[rasn(extension_addition)]
    pub tokens: Option<SequenceOf<ClearToken>>,
    #[rasn(extension_addition)]
    pub crypto_tokens: Option<SequenceOf<CryptoH323Token>>,
    #[rasn(extension_addition)]
    pub integrity_check_value: Option<Icv>,
    #[rasn(extension_addition)]
    pub generic_data: Option<SequenceOf<GenericData>>,
    #[rasn(extension_addition)]
    pub assigned_gatekeeper: Option<AlternateGk>,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(automatic_tags)]
#[non_exhaustive]
pub struct UnregistrationReject {
    pub request_seq_num: RequestSeqNum,
    pub reject_reason: UnregRejectReason,
    pub non_standard_data: Option<NonStandardParameter>,
    #[rasn(extension_addition, identifier = "altGKInfo")]
    pub alt_gk_info: Option<AltGkInfo>,
    #[rasn(extension_addition)]
    pub tokens: Option<SequenceOf<ClearToken>>,
    #[rasn(extension_addition)]
    pub crypto_tokens: Option<SequenceOf<CryptoH323Token>>,
    #[rasn(extension_addition)]
    pub integrity_check_value: Option<Icv>,
    #[rasn(extension_addition)]
    pub generic_data: Option<SequenceOf<GenericData>>,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, Copy, PartialEq, Eq)]
#[rasn(choice, automatic_tags)]
#[non_exhaustive]
pub enum UnregRejectReason {
    NotCurrentlyRegistered(()),
    CallInProgress(()),
    UndefinedReason(()),
    #[rasn(extension_addition)]
    PermissionDenied(()),
    #[rasn(extension_addition)]
    SecurityDenial(()),
    #[rasn(extension_addition)]
    SecurityError(SecurityErrors2),
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(automatic_tags)]
#[non_exhaustive]
pub struct AdmissionRequest {
    pub request_seq_num: RequestSeqNum,
    pub call_type: CallType,
    pub call_model: Option<CallModel>,
    pub endpoint_identifier: EndpointIdentifier,
    pub destination_info: Option<SequenceOf<AliasAddress>>,
    pub dest_call_signal_address: Option<TransportAddress>,
    pub dest_extra_call_info: Option<SequenceOf<AliasAddress>>,
    pub src_info: SequenceOf<AliasAddress>,
    pub src_call_signal_address: Option<TransportAddress>,
    pub band_width: BandWidth,
    pub call_reference_value: CallReferenceValue,
    pub non_standard_data: Option<NonStandardParameter>,
    pub call_services: Option<QseriesOptions>,
    #[rasn(identifier = "conferenceID")]
    pub conference_id: ConferenceIdentifier,
    #[rasn(identifier = "activeMC")]
    pub active_mc: bool,
    pub answer_call: bool,
    #[rasn(extension_addition)]
    pub can_map_alias: Option<bool>,
    #[rasn(extension_addition)]
    pub call_identifier: Option<CallIdentifier>,
    #[rasn(extension_addition)]
    pub src_alternatives: Option<SequenceOf<Endpoint>>,
    #[rasn(extension_addition)]
    pub dest_alternatives: Option<SequenceOf<Endpoint>>,
    #[rasn(extension_addition, size("1..=128"))]
    pub gatekeeper_identifier: Option<GatekeeperIdentifier>,
    #[rasn(extension_addition)]
    pub tokens: Option<SequenceOf<ClearToken>>,
    #[rasn(extension_addition)]
    pub crypto_tokens: Option<SequenceOf<CryptoH323Token>>,
    #[rasn(extension_addition)]
    pub integrity_check_value: Option<Icv>,
    #[rasn(extension_addition, identifier = "transportQOS")]
    pub transport_qos: Option<TransportQos>,
    #[rasn(extension_addition, identifier = "willSupplyUUIEs")]
    pub will_supply_uuies: Option<bool>,
    #[rasn(extension_addition)]
    pub call_linkage: Option<CallLinkage>,
    #[rasn(extension_addition)]
    pub gateway_data_rate: Option<DataRate>,
    #[rasn(extension_addition)]
    pub capacity: Option<CallCapacity>,
    #[rasn(extension_addition)]
    pub circuit_info: Option<CircuitInfo>,
    #[rasn(extension_addition)]
    pub desired_protocols: Option<SequenceOf<SupportedProtocols>>,
    #[rasn(extension_addition)]
    pub desired_tunnelled_protocol: Option<TunnelledProtocol>,
    #[rasn(extension_addition)]
    pub feature_set: Option<FeatureSet>,
    #[rasn(extension_addition)]
    pub generic_data: Option<SequenceOf<GenericData>>,
    #[rasn(extension_addition)]
    pub can_map_src_alias: Option<bool>,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, Copy, PartialEq, Eq)]
#[rasn(choice, automatic_tags)]
#[non_exhaustive]
pub enum CallType {
    PointToPoint(()),
    OneToN(()),
    NToOne(()),
    NToN(()),
}

#[derive(AsnType, Encode, Decode, Debug, Clone, Copy, PartialEq, Eq)]
#[rasn(choice, automatic_tags)]
#[non_exhaustive]
pub enum CallModel {
    Direct(()),
    GatekeeperRouted(()),
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(choice, automatic_tags, identifier = "TransportQOS")]
#[non_exhaustive]
pub enum TransportQos {
    EndpointControlled(()),
    GatekeeperControlled(()),
    NoControl(()),
    #[rasn(extension_addition, size("1..=256"), identifier = "qOSCapabilities")]
    QosCapabilities(SequenceOf<QOSCapability>),
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(automatic_tags)]
#[non_exhaustive]
pub struct AdmissionConfirm {
    pub request_seq_num: RequestSeqNum,
    pub band_width: BandWidth,
    pub call_model: CallModel,
    pub dest_call_signal_address: TransportAddress,
    #[rasn(value("1..=65535"))]
    pub irr_frequency: Option<u16>,
    pub non_standard_data: Option<NonStandardParameter>,
    #[rasn(extension_addition)]
    pub destination_info: Option<SequenceOf<AliasAddress>>,
    #[rasn(extension_addition)]
    pub dest_extra_call_info: Option<SequenceOf<AliasAddress>>,
    #[rasn(extension_addition)]
    pub destination_type: Option<EndpointType>,
    #[rasn(extension_addition)]
    pub remote_extension_address: Option<SequenceOf<AliasAddress>>,
    #[rasn(extension_addition)]
    pub alternate_endpoints: Option<SequenceOf<Endpoint>>,
    #[rasn(extension_addition)]
    pub tokens: Option<SequenceOf<ClearToken>>,
    #[rasn(extension_addition)]
    pub crypto_tokens: Option<SequenceOf<CryptoH323Token>>,
    #[rasn(extension_addition)]
    pub integrity_check_value: Option<Icv>,
    #[rasn(extension_addition, identifier = "transportQOS")]
    pub transport_qos: Option<TransportQos>,
    #[rasn(extension_addition, identifier = "willRespondToIRR")]
    pub will_respond_to_irr: Option<bool>,
    #[rasn(extension_addition, identifier = "uuiesRequested")]
    pub uuies_requested: Option<UuiesRequested>,
    #[rasn(extension_addition)]
    pub language: Option<SequenceOf<LanguageTag>>,
    #[rasn(extension_addition)]
    pub alternate_transport_addresses: Option<AlternateTransportAddresses>,
    #[rasn(extension_addition)]
    pub use_specified_transport: Option<UseSpecifiedTransport>,
    #[rasn(extension_addition)]
    pub circuit_info: Option<CircuitInfo>,
    #[rasn(extension_addition)]
    pub usage_spec: Option<SequenceOf<RasUsageSpecification>>,
    #[rasn(extension_addition)]
    pub supported_protocols: Option<SequenceOf<SupportedProtocols>>,
    #[rasn(extension_addition)]
    pub service_control: Option<SequenceOf<ServiceControlSession>>,
    #[rasn(extension_addition)]
    pub multiple_calls: Option<bool>,
    #[rasn(extension_addition)]
    pub feature_set: Option<FeatureSet>,
    #[rasn(extension_addition)]
    pub generic_data: Option<SequenceOf<GenericData>>,
    #[rasn(extension_addition)]
    pub modified_src_info: Option<SequenceOf<AliasAddress>>,
    #[rasn(extension_addition)]
    pub assigned_gatekeeper: Option<AlternateGk>,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq, Default)]
#[rasn(automatic_tags, identifier = "UUIEsRequested")]
#[non_exhaustive]
pub struct UuiesRequested {
    pub setup: bool,
    pub call_proceeding: bool,
    pub connect: bool,
    pub alerting: bool,
    pub information: bool,
    pub release_complete: bool,
    pub facility: bool,
    pub progress: bool,
    pub empty: bool,
    #[rasn(extension_addition)]
    pub status: Option<bool>,
    #[rasn(extension_addition)]
    pub status_inquiry: Option<bool>,
    #[rasn(extension_addition)]
    pub setup_acknowledge: Option<bool>,
    #[rasn(extension_addition)]
    pub notify: Option<bool>,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(automatic_tags)]
#[non_exhaustive]
pub struct AdmissionReject {
    pub request_seq_num: RequestSeqNum,
    pub reject_reason: AdmissionRejectReason,
    pub non_standard_data: Option<NonStandardParameter>,
    #[rasn(extension_addition, identifier = "altGKInfo")]
    pub alt_gk_info: Option<AltGkInfo>,
    #[rasn(extension_addition)]
    pub tokens: Option<SequenceOf<ClearToken>>,
    #[rasn(extension_addition)]
    pub crypto_tokens: Option<SequenceOf<CryptoH323Token>>,
    #[rasn(extension_addition)]
    pub call_signal_address: Option<SequenceOf<TransportAddress>>,
    #[rasn(extension_addition)]
    pub integrity_check_value: Option<Icv>,
    #[rasn(extension_addition)]
    pub service_control: Option<SequenceOf<ServiceControlSession>>,
    #[rasn(extension_addition)]
    pub feature_set: Option<FeatureSet>,
    #[rasn(extension_addition)]
    pub generic_data: Option<SequenceOf<GenericData>>,
    #[rasn(extension_addition)]
    pub assigned_gatekeeper: Option<AlternateGk>,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(choice, automatic_tags)]
#[non_exhaustive]
pub enum AdmissionRejectReason {
    CalledPartyNotRegistered(()),
    InvalidPermission(()),
    RequestDenied(()),
    UndefinedReason(()),
    CallerNotRegistered(()),
    RouteCallToGatekeeper(()),
    InvalidEndpointIdentifier(()),
    ResourceUnavailable(()),
    #[rasn(extension_addition)]
    SecurityDenial(()),
    #[rasn(extension_addition)]
    QosControlNotSupported(()),
    #[rasn(extension_addition)]
    IncompleteAddress(()),
    #[rasn(extension_addition)]
    AliasesInconsistent(()),
    #[rasn(extension_addition, identifier = "routeCallToSCN")]
    RouteCallToScn(SequenceOf<PartyNumber>),
    #[rasn(extension_addition)]
    ExceedsCallCapacity(()),
    #[rasn(extension_addition)]
    CollectDestination(()),
    #[rasn(extension_addition, identifier = "collectPIN")]
    CollectPin(()),
    #[rasn(extension_addition)]
    GenericDataReason(()),
    #[rasn(extension_addition)]
    NeededFeatureNotSupported(()),
    #[rasn(extension_addition)]
    SecurityError(SecurityErrors2),
    #[rasn(extension_addition, identifier = "securityDHmismatch")]
    SecurityDhMismatch(()),
    #[rasn(extension_addition)]
    NoRouteToDestination(()),
    #[rasn(extension_addition)]
    UnallocatedNumber(()),
    #[rasn(extension_addition, identifier = "registerWithAssignedGK")]
    RegisterWithAssignedGk(()),
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(automatic_tags)]
#[non_exhaustive]
pub struct BandwidthRequest {
    pub request_seq_num: RequestSeqNum,
    pub endpoint_identifier: EndpointIdentifier,
    #[rasn(identifier = "conferenceID")]
    pub conference_id: ConferenceIdentifier,
    pub call_reference_value: CallReferenceValue,
    pub call_type: Option<CallType>,
    pub band_width: BandWidth,
    pub non_standard_data: Option<NonStandardParameter>,
    #[rasn(extension_addition)]
    pub call_identifier: Option<CallIdentifier>,
    #[rasn(extension_addition, size("1..=128"))]
    pub gatekeeper_identifier: Option<GatekeeperIdentifier>,
    #[rasn(extension_addition)]
    pub tokens: Option<SequenceOf<ClearToken>>,
    #[rasn(extension_addition)]
    pub crypto_tokens: Option<SequenceOf<CryptoH323Token>>,
    #[rasn(extension_addition)]
    pub integrity_check_value: Option<Icv>,
    #[rasn(extension_addition)]
    pub answered_call: Option<bool>,
    #[rasn(extension_addition)]
    pub call_linkage: Option<CallLinkage>,
    #[rasn(extension_addition)]
    pub capacity: Option<CallCapacity>,
    #[rasn(extension_addition)]
    pub usage_information: Option<RasUsageInformation>,
    #[rasn(extension_addition)]
    pub bandwidth_details: Option<SequenceOf<BandwidthDetails>>,
    #[rasn(extension_addition)]
    pub generic_data: Option<SequenceOf<GenericData>>,
    #[rasn(extension_addition, identifier = "transportQOS")]
    pub transport_qos: Option<TransportQos>,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(automatic_tags)]
#[non_exhaustive]
pub struct BandwidthConfirm {
    pub request_seq_num: RequestSeqNum,
    pub band_width: BandWidth,
    pub non_standard_data: Option<NonStandardParameter>,
    #[rasn(extension_addition)]
    pub tokens: Option<SequenceOf<ClearToken>>,
    #[rasn(extension_addition)]
    pub crypto_tokens: Option<SequenceOf<CryptoH323Token>>,
    #[rasn(extension_addition)]
    pub integrity_check_value: Option<Icv>,
    #[rasn(extension_addition)]
    pub capacity: Option<CallCapacity>,
    #[rasn(extension_addition)]
    pub generic_data: Option<SequenceOf<GenericData>>,
    #[rasn(extension_addition, identifier = "transportQOS")]
    pub transport_qos: Option<TransportQos>,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(automatic_tags)]
#[non_exhaustive]
pub struct BandwidthReject {
    pub request_seq_num: RequestSeqNum,
    pub reject_reason: BandRejectReason,
    pub allowed_band_width: BandWidth,
    pub non_standard_data: Option<NonStandardParameter>,
    #[rasn(extension_addition, identifier = "altGKInfo")]
    pub alt_gk_info: Option<AltGkInfo>,
    #[rasn(extension_addition)]
    pub tokens: Option<SequenceOf<ClearToken>>,
    #[rasn(extension_addition)]
    pub crypto_tokens: Option<SequenceOf<CryptoH323Token>>,
    #[rasn(extension_addition)]
    pub integrity_check_value: Option<Icv>,
    #[rasn(extension_addition)]
    pub generic_data: Option<SequenceOf<GenericData>>,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, Copy, PartialEq, Eq)]
#[rasn(choice, automatic_tags)]
#[non_exhaustive]
pub enum BandRejectReason {
    NotBound(()),
    #[rasn(identifier = "invalidConferenceID")]
    InvalidConferenceId(()),
    InvalidPermission(()),
    InsufficientResources(()),
    InvalidRevision(()),
    UndefinedReason(()),
    #[rasn(extension_addition)]
    SecurityDenial(()),
    #[rasn(extension_addition)]
    SecurityError(SecurityErrors2),
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(automatic_tags)]
#[non_exhaustive]
pub struct LocationRequest {
    pub request_seq_num: RequestSeqNum,
    pub endpoint_identifier: Option<EndpointIdentifier>,
    pub destination_info: SequenceOf<AliasAddress>,
    pub non_standard_data: Option<NonStandardParameter>,
    pub reply_address: TransportAddress,
    #[rasn(extension_addition)]
    pub source_info: Option<SequenceOf<AliasAddress>>,
    #[rasn(extension_addition)]
    pub can_map_alias: Option<bool>,
    #[rasn(extension_addition, size("1..=128"))]
    pub gatekeeper_identifier: Option<GatekeeperIdentifier>,
    #[rasn(extension_addition)]
    pub tokens: Option<SequenceOf<ClearToken>>,
    #[rasn(extension_addition)]
    pub crypto_tokens: Option<SequenceOf<CryptoH323Token>>,
    #[rasn(extension_addition)]
    pub integrity_check_value: Option<Icv>,
    #[rasn(extension_addition)]
    pub desired_protocols: Option<SequenceOf<SupportedProtocols>>,
    #[rasn(extension_addition)]
    pub desired_tunnelled_protocol: Option<TunnelledProtocol>,
    #[rasn(extension_addition)]
    pub feature_set: Option<FeatureSet>,
    #[rasn(extension_addition)]
    pub generic_data: Option<SequenceOf<GenericData>>,
    #[rasn(extension_addition, value("1..=255"))]
    pub hop_count: Option<u8>,
    #[rasn(extension_addition)]
    pub circuit_info: Option<CircuitInfo>,
    #[rasn(extension_addition)]
    pub call_identifier: Option<CallIdentifier>,
    #[rasn(extension_addition, value("0..=4294967295"))]
    pub band_width: Option<BandWidth>,
    #[rasn(extension_addition)]
    pub source_endpoint_info: Option<SequenceOf<AliasAddress>>,
    #[rasn(extension_addition)]
    pub can_map_src_alias: Option<bool>,
    #[rasn(extension_addition)]
    pub language: Option<SequenceOf<LanguageTag>>,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(automatic_tags)]
#[non_exhaustive]
pub struct LocationConfirm {
    pub request_seq_num: RequestSeqNum,
    pub call_signal_address: TransportAddress,
    pub ras_address: TransportAddress,
    pub non_standard_data: Option<NonStandardParameter>,
    #[rasn(extension_addition)]
    pub destination_info: Option<SequenceOf<AliasAddress>>,
    #[rasn(extension_addition)]
    pub dest_extra_call_info: Option<SequenceOf<AliasAddress>>,
    #[rasn(extension_addition)]
    pub destination_type: Option<EndpointType>,
    #[rasn(extension_addition)]
    pub remote_extension_address: Option<SequenceOf<AliasAddress>>,
    #[rasn(extension_addition)]
    pub alternate_endpoints: Option<SequenceOf<Endpoint>>,
    #[rasn(extension_addition)]
    pub tokens: Option<SequenceOf<ClearToken>>,
    #[rasn(extension_addition)]
    pub crypto_tokens: Option<SequenceOf<CryptoH323Token>>,
    #[rasn(extension_addition)]
    pub integrity_check_value: Option<Icv>,
    #[rasn(extension_addition)]
    pub alternate_transport_addresses: Option<AlternateTransportAddresses>,
    #[rasn(extension_addition)]
    pub supported_protocols: Option<SequenceOf<SupportedProtocols>>,
    #[rasn(extension_addition)]
    pub multiple_calls: Option<bool>,
    #[rasn(extension_addition)]
    pub feature_set: Option<FeatureSet>,
    #[rasn(extension_addition)]
    pub generic_data: Option<SequenceOf<GenericData>>,
    #[rasn(extension_addition)]
    pub circuit_info: Option<CircuitInfo>,
    #[rasn(extension_addition)]
    pub service_control: Option<SequenceOf<ServiceControlSession>>,
    #[rasn(extension_addition)]
    pub modified_src_info: Option<SequenceOf<AliasAddress>>,
    #[rasn(extension_addition, value("0..=4294967295"))]
    pub band_width: Option<BandWidth>,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(automatic_tags)]
#[non_exhaustive]
pub struct LocationReject {
    pub request_seq_num: RequestSeqNum,
    pub reject_reason: LocationRejectReason,
    pub non_standard_data: Option<NonStandardParameter>,
    #[rasn(extension_addition, identifier = "altGKInfo")]
    pub alt_gk_info: Option<AltGkInfo>,
    #[rasn(extension_addition)]
    pub tokens: Option<SequenceOf<ClearToken>>,
    #[rasn(extension_addition)]
    pub crypto_tokens: Option<SequenceOf<CryptoH323Token>>,
    #[rasn(extension_addition)]
    pub integrity_check_value: Option<Icv>,
    #[rasn(extension_addition)]
    pub feature_set: Option<FeatureSet>,
    #[rasn(extension_addition)]
    pub generic_data: Option<SequenceOf<GenericData>>,
    #[rasn(extension_addition)]
    pub service_control: Option<SequenceOf<ServiceControlSession>>,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(choice, automatic_tags)]
#[non_exhaustive]
pub enum LocationRejectReason {
    NotRegistered(()),
    InvalidPermission(()),
    RequestDenied(()),
    UndefinedReason(()),
    #[rasn(extension_addition)]
    SecurityDenial(()),
    #[rasn(extension_addition)]
    AliasesInconsistent(()),
    #[rasn(extension_addition, identifier = "routeCalltoSCN")]
    RouteCalltoScn(SequenceOf<PartyNumber>),
    #[rasn(extension_addition)]
    ResourceUnavailable(()),
    #[rasn(extension_addition)]
    GenericDataReason(()),
    #[rasn(extension_addition)]
    NeededFeatureNotSupported(()),
    #[rasn(extension_addition)]
    HopCountExceeded(()),
    #[rasn(extension_addition)]
    IncompleteAddress(()),
    #[rasn(extension_addition)]
    SecurityError(SecurityErrors2),
    #[rasn(extension_addition, identifier = "securityDHmismatch")]
    SecurityDhMismatch(()),
    #[rasn(extension_addition)]
    NoRouteToDestination(()),
    #[rasn(extension_addition)]
    UnallocatedNumber(()),
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(automatic_tags)]
#[non_exhaustive]
pub struct DisengageRequest {
    pub request_seq_num: RequestSeqNum,
    pub endpoint_identifier: EndpointIdentifier,
    #[rasn(identifier = "conferenceID")]
    pub conference_id: ConferenceIdentifier,
    pub call_reference_value: CallReferenceValue,
    pub disengage_reason: DisengageReason,
    pub non_standard_data: Option<NonStandardParameter>,
    #[rasn(extension_addition)]
    pub call_identifier: Option<CallIdentifier>,
    #[rasn(extension_addition, size("1..=128"))]
    pub gatekeeper_identifier: Option<GatekeeperIdentifier>,
    #[rasn(extension_addition)]
    pub tokens: Option<SequenceOf<ClearToken>>,
    #[rasn(extension_addition)]
    pub crypto_tokens: Option<SequenceOf<CryptoH323Token>>,
    #[rasn(extension_addition)]
    pub integrity_check_value: Option<Icv>,
    #[rasn(extension_addition)]
    pub answered_call: Option<bool>,
    #[rasn(extension_addition)]
    pub call_linkage: Option<CallLinkage>,
    #[rasn(extension_addition)]
    pub capacity: Option<CallCapacity>,
    #[rasn(extension_addition)]
    pub circuit_info: Option<CircuitInfo>,
    #[rasn(extension_addition)]
    pub usage_information: Option<RasUsageInformation>,
    #[rasn(extension_addition)]
    pub termination_cause: Option<CallTerminationCause>,
    #[rasn(extension_addition)]
    pub service_control: Option<SequenceOf<ServiceControlSession>>,
    #[rasn(extension_addition)]
    pub generic_data: Option<SequenceOf<GenericData>>,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, Copy, PartialEq, Eq)]
#[rasn(choice, automatic_tags)]
#[non_exhaustive]
pub enum DisengageReason {
    ForcedDrop(()),
    NormalDrop(()),
    UndefinedReason(()),
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(automatic_tags)]
#[non_exhaustive]
pub struct DisengageConfirm {
    pub request_seq_num: RequestSeqNum,
    pub non_standard_data: Option<NonStandardParameter>,
    #[rasn(extension_addition)]
    pub tokens: Option<SequenceOf<ClearToken>>,
    #[rasn(extension_addition)]
    pub crypto_tokens: Option<SequenceOf<CryptoH323Token>>,
    #[rasn(extension_addition)]
    pub integrity_check_value: Option<Icv>,
    #[rasn(extension_addition)]
    pub capacity: Option<CallCapacity>,
    #[rasn(extension_addition)]
    pub circuit_info: Option<CircuitInfo>,
    #[rasn(extension_addition)]
    pub usage_information: Option<RasUsageInformation>,
    #[rasn(extension_addition)]
    pub generic_data: Option<SequenceOf<GenericData>>,
    #[rasn(extension_addition)]
    pub assigned_gatekeeper: Option<AlternateGk>,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(automatic_tags)]
#[non_exhaustive]
pub struct DisengageReject {
    pub request_seq_num: RequestSeqNum,
    pub reject_reason: DisengageRejectReason,
    pub non_standard_data: Option<NonStandardParameter>,
    #[rasn(extension_addition, identifier = "altGKInfo")]
    pub alt_gk_info: Option<AltGkInfo>,
    #[rasn(extension_addition)]
    pub tokens: Option<SequenceOf<ClearToken>>,
    #[rasn(extension_addition)]
    pub crypto_tokens: Option<SequenceOf<CryptoH323Token>>,
    #[rasn(extension_addition)]
    pub integrity_check_value: Option<Icv>,
    #[rasn(extension_addition)]
    pub generic_data: Option<SequenceOf<GenericData>>,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, Copy, PartialEq, Eq)]
#[rasn(choice, automatic_tags)]
#[non_exhaustive]
pub enum DisengageRejectReason {
    NotRegistered(()),
    RequestToDropOther(()),
    #[rasn(extension_addition)]
    SecurityDenial(()),
    #[rasn(extension_addition)]
    SecurityError(SecurityErrors2),
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(automatic_tags)]
#[non_exhaustive]
pub struct InfoRequest {
    pub request_seq_num: RequestSeqNum,
    pub call_reference_value: CallReferenceValue,
    pub non_standard_data: Option<NonStandardParameter>,
    pub reply_address: Option<TransportAddress>,
    #[rasn(extension_addition)]
    pub call_identifier: Option<CallIdentifier>,
    #[rasn(extension_addition)]
    pub tokens: Option<SequenceOf<ClearToken>>,
    #[rasn(extension_addition)]
    pub crypto_tokens: Option<SequenceOf<CryptoH323Token>>,
    #[rasn(extension_addition)]
    pub integrity_check_value: Option<Icv>,
    #[rasn(extension_addition, identifier = "uuiesRequested")]
    pub uuies_requested: Option<UuiesRequested>,
    #[rasn(extension_addition)]
    pub call_linkage: Option<CallLinkage>,
    #[rasn(extension_addition)]
    pub usage_info_requested: Option<RasUsageInfoTypes>,
    #[rasn(extension_addition)]
    pub segmented_response_supported: Option<()>,
    #[rasn(extension_addition, value("0..=65535"))]
    pub next_segment_requested: Option<u16>,
    #[rasn(extension_addition)]
    pub capacity_info_requested: Option<()>,
    #[rasn(extension_addition)]
    pub generic_data: Option<SequenceOf<GenericData>>,
    #[rasn(extension_addition)]
    pub assigned_gatekeeper: Option<AlternateGk>,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(automatic_tags)]
#[non_exhaustive]
pub struct InfoRequestResponse {
    pub non_standard_data: Option<NonStandardParameter>,
    pub request_seq_num: RequestSeqNum,
    pub endpoint_type: EndpointType,
    pub endpoint_identifier: EndpointIdentifier,
    pub ras_address: TransportAddress,
    pub call_signal_address: SequenceOf<TransportAddress>,
    pub endpoint_alias: Option<SequenceOf<AliasAddress>>,
    pub per_call_info: Option<SequenceOf<InfoRequestResponsePerCallInfo>>,
    #[rasn(extension_addition)]
    pub tokens: Option<SequenceOf<ClearToken>>,
    #[rasn(extension_addition)]
    pub crypto_tokens: Option<SequenceOf<CryptoH323Token>>,
    #[rasn(extension_addition)]
    pub integrity_check_value: Option<Icv>,
    #[rasn(extension_addition)]
    pub need_response: Option<bool>,
    #[rasn(extension_addition)]
    pub capacity: Option<CallCapacity>,
    #[rasn(extension_addition)]
    pub irr_status: Option<InfoRequestResponseStatus>,
    #[rasn(extension_addition)]
    pub unsolicited: Option<bool>,
    #[rasn(extension_addition)]
    pub generic_data: Option<SequenceOf<GenericData>>,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(automatic_tags)]
#[non_exhaustive]
pub struct InfoRequestResponsePerCallInfo {
    pub non_standard_data: Option<NonStandardParameter>,
    pub call_reference_value: CallReferenceValue,
    #[rasn(identifier = "conferenceID")]
    pub conference_id: ConferenceIdentifier,
    pub originator: Option<bool>,
    pub audio: Option<SequenceOf<RtpSession>>,
    pub video: Option<SequenceOf<RtpSession>>,
    pub data: Option<SequenceOf<TransportChannelInfo>>,
    pub h245: TransportChannelInfo,
    pub call_signalling: TransportChannelInfo,
    pub call_type: CallType,
    pub band_width: BandWidth,
    pub call_model: CallModel,
    #[rasn(extension_addition)]
    pub call_identifier: Option<CallIdentifier>,
    #[rasn(extension_addition)]
    pub tokens: Option<SequenceOf<ClearToken>>,
    #[rasn(extension_addition)]
    pub crypto_tokens: Option<SequenceOf<CryptoH323Token>>,
    #[rasn(extension_addition, identifier = "substituteConfIDs")]
    pub substitute_conf_ids: Option<SequenceOf<ConferenceIdentifier>>,
    #[rasn(extension_addition)]
    pub pdu: Option<SequenceOf<InfoRequestResponsePerCallInfoPdu>>,
    #[rasn(extension_addition)]
    pub call_linkage: Option<CallLinkage>,
    #[rasn(extension_addition)]
    pub usage_information: Option<RasUsageInformation>,
    #[rasn(extension_addition)]
    pub circuit_info: Option<CircuitInfo>,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(automatic_tags)]
pub struct InfoRequestResponsePerCallInfoPdu {
    pub h323pdu: H323UuPdu,
    pub sent: bool,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, Copy, PartialEq, Eq)]
#[rasn(choice, automatic_tags)]
#[non_exhaustive]
pub enum InfoRequestResponseStatus {
    Complete(()),
    Incomplete(()),
    Segment(u16),
    InvalidCall(()),
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(automatic_tags)]
#[non_exhaustive]
pub struct InfoRequestAck {
    pub request_seq_num: RequestSeqNum,
    pub non_standard_data: Option<NonStandardParameter>,
    pub tokens: Option<SequenceOf<ClearToken>>,
    pub crypto_tokens: Option<SequenceOf<CryptoH323Token>>,
    pub integrity_check_value: Option<Icv>,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(automatic_tags)]
#[non_exhaustive]
pub struct InfoRequestNak {
    pub request_seq_num: RequestSeqNum,
    pub non_standard_data: Option<NonStandardParameter>,
    pub nak_reason: InfoRequestNakReason,
    #[rasn(identifier = "altGKInfo")]
    pub alt_gk_info: Option<AltGkInfo>,
    pub tokens: Option<SequenceOf<ClearToken>>,
    pub crypto_tokens: Option<SequenceOf<CryptoH323Token>>,
    pub integrity_check_value: Option<Icv>,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, Copy, PartialEq, Eq)]
#[rasn(choice, automatic_tags)]
#[non_exhaustive]
pub enum InfoRequestNakReason {
    NotRegistered(()),
    SecurityDenial(()),
    UndefinedReason(()),
    #[rasn(extension_addition)]
    SecurityError(SecurityErrors2),
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(automatic_tags)]
#[non_exhaustive]
pub struct NonStandardMessage {
    pub request_seq_num: RequestSeqNum,
    pub non_standard_data: NonStandardParameter,
    #[rasn(extension_addition)]
    pub tokens: Option<SequenceOf<ClearToken>>,
    #[rasn(extension_addition)]
    pub crypto_tokens: Option<SequenceOf<CryptoH323Token>>,
    #[rasn(extension_addition)]
    pub integrity_check_value: Option<Icv>,
    #[rasn(extension_addition)]
    pub feature_set: Option<FeatureSet>,
    #[rasn(extension_addition)]
    pub generic_data: Option<SequenceOf<GenericData>>,
}

/// XRS: the answer to a RAS message we did not understand.
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(automatic_tags)]
#[non_exhaustive]
pub struct UnknownMessageResponse {
    pub request_seq_num: RequestSeqNum,
    #[rasn(extension_addition)]
    pub tokens: Option<SequenceOf<ClearToken>>,
    #[rasn(extension_addition)]
    pub crypto_tokens: Option<SequenceOf<CryptoH323Token>>,
    #[rasn(extension_addition)]
    pub integrity_check_value: Option<Icv>,
    /// Mandatory extension addition (v3 on): the message not understood.
    #[rasn(extension_addition)]
    pub message_not_understood: Option<OctetString>,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(automatic_tags)]
#[non_exhaustive]
pub struct RequestInProgress {
    pub request_seq_num: RequestSeqNum,
    pub non_standard_data: Option<NonStandardParameter>,
    pub tokens: Option<SequenceOf<ClearToken>>,
    pub crypto_tokens: Option<SequenceOf<CryptoH323Token>>,
    pub integrity_check_value: Option<Icv>,
    #[rasn(value("1..=65535"))]
    pub delay: u16,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(automatic_tags)]
#[non_exhaustive]
pub struct ResourcesAvailableIndicate {
    pub request_seq_num: RequestSeqNum,
    pub protocol_identifier: ProtocolIdentifier,
    pub non_standard_data: Option<NonStandardParameter>,
    pub endpoint_identifier: EndpointIdentifier,
    pub protocols: SequenceOf<SupportedProtocols>,
    pub almost_out_of_resources: bool,
    pub tokens: Option<SequenceOf<ClearToken>>,
    pub crypto_tokens: Option<SequenceOf<CryptoH323Token>>,
    pub integrity_check_value: Option<Icv>,
    #[rasn(extension_addition)]
    pub capacity: Option<CallCapacity>,
    #[rasn(extension_addition)]
    pub generic_data: Option<SequenceOf<GenericData>>,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(automatic_tags)]
#[non_exhaustive]
pub struct ResourcesAvailableConfirm {
    pub request_seq_num: RequestSeqNum,
    pub protocol_identifier: ProtocolIdentifier,
    pub non_standard_data: Option<NonStandardParameter>,
    pub tokens: Option<SequenceOf<ClearToken>>,
    pub crypto_tokens: Option<SequenceOf<CryptoH323Token>>,
    pub integrity_check_value: Option<Icv>,
    #[rasn(extension_addition)]
    pub generic_data: Option<SequenceOf<GenericData>>,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(automatic_tags)]
#[non_exhaustive]
pub struct ServiceControlIndication {
    pub request_seq_num: RequestSeqNum,
    pub non_standard_data: Option<NonStandardParameter>,
    pub service_control: SequenceOf<ServiceControlSession>,
    pub endpoint_identifier: Option<EndpointIdentifier>,
    pub call_specific: Option<ServiceControlIndicationCallSpecific>,
    pub tokens: Option<SequenceOf<ClearToken>>,
    pub crypto_tokens: Option<SequenceOf<CryptoH323Token>>,
    pub integrity_check_value: Option<Icv>,
    pub feature_set: Option<FeatureSet>,
    pub generic_data: Option<SequenceOf<GenericData>>,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(automatic_tags)]
#[non_exhaustive]
pub struct ServiceControlIndicationCallSpecific {
    pub call_identifier: CallIdentifier,
    #[rasn(identifier = "conferenceID")]
    pub conference_id: ConferenceIdentifier,
    pub answered_call: bool,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(automatic_tags)]
#[non_exhaustive]
pub struct ServiceControlResponse {
    pub request_seq_num: RequestSeqNum,
    pub result: Option<ServiceControlResponseResult>,
    pub non_standard_data: Option<NonStandardParameter>,
    pub tokens: Option<SequenceOf<ClearToken>>,
    pub crypto_tokens: Option<SequenceOf<CryptoH323Token>>,
    pub integrity_check_value: Option<Icv>,
    pub feature_set: Option<FeatureSet>,
    pub generic_data: Option<SequenceOf<GenericData>>,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, Copy, PartialEq, Eq)]
#[rasn(choice, automatic_tags)]
#[non_exhaustive]
pub enum ServiceControlResponseResult {
    Started(()),
    Failed(()),
    Stopped(()),
    NotAvailable(()),
    NeededFeatureNotSupported(()),
}

#[cfg(test)]
#[path = "h225/tests.rs"]
mod tests;
