//! H235-SECURITY-MESSAGES (ITU-T H.235.0, 09/2005): the security types that
//! H.225.0 messages carry (`tokens`, `cryptoTokens`, authentication
//! mechanisms). diemcau does not authenticate with them, but they sit in the
//! roots of messages we decode (Progress, Status, Endpoint, …), so their full
//! definitions are needed for the bits of everything after them to be right.
//!
//! The parameterised types `SIGNED{}`, `ENCRYPTED{}` and `HASHED{}` are
//! written out once each; their `TYPE-IDENTIFIER.&Type` contents are open
//! types, which aligned PER encodes exactly like an unconstrained OCTET STRING
//! (length determinant + octets), so they are carried as [`OctetString`].

#![allow(missing_docs, clippy::large_enum_variant)]

use rasn::prelude::*;

/// `ChallengeString ::= OCTET STRING (SIZE (8..128))`
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq)]
#[rasn(delegate, size("8..=128"))]
pub struct ChallengeString(pub OctetString);

/// `TimeStamp ::= INTEGER (1..4294967295)`: seconds since 1970-01-01 UTC.
#[derive(AsnType, Encode, Decode, Debug, Clone, Copy, PartialEq, Eq)]
#[rasn(delegate, value("1..=4294967295"))]
pub struct TimeStamp(pub u32);

/// `RandomVal ::= INTEGER` (unconstrained)
pub type RandomVal = Integer;

/// `Password ::= BMPString (SIZE (1..128))`
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq)]
#[rasn(delegate, size("1..=128"))]
pub struct Password(pub BmpString);

/// `Identifier ::= BMPString (SIZE (1..128))`
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq)]
#[rasn(delegate, size("1..=128"))]
pub struct Identifier(pub BmpString);

/// `KeyMaterial ::= BIT STRING (SIZE (1..2048))`
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq)]
#[rasn(delegate, size("1..=2048"))]
pub struct KeyMaterial(pub BitString);

/// H.235's own `NonStandardParameter` (an OID, unlike H.225.0's).
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq)]
#[rasn(automatic_tags, identifier = "NonStandardParameter")]
pub struct H235NonStandardParameter {
    pub non_standard_identifier: ObjectIdentifier,
    pub data: OctetString,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq)]
#[rasn(automatic_tags, identifier = "DHset")]
#[non_exhaustive]
pub struct DhSet {
    #[rasn(size("0..=2048"))]
    pub halfkey: BitString,
    #[rasn(size("0..=2048"))]
    pub mod_size: BitString,
    #[rasn(size("0..=2048"))]
    pub generator: BitString,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq)]
#[rasn(automatic_tags, identifier = "ECpoint")]
#[non_exhaustive]
pub struct EcPoint {
    #[rasn(size("0..=511"))]
    pub x: Option<BitString>,
    #[rasn(size("0..=511"))]
    pub y: Option<BitString>,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq)]
#[rasn(automatic_tags)]
pub struct EckasdhEckasdhp {
    pub public_key: EcPoint,
    #[rasn(size("0..=511"))]
    pub modulus: BitString,
    pub base: EcPoint,
    #[rasn(size("0..=511"))]
    pub weierstrass_a: BitString,
    #[rasn(size("0..=511"))]
    pub weierstrass_b: BitString,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq)]
#[rasn(automatic_tags)]
pub struct EckasdhEckasdh2 {
    pub public_key: EcPoint,
    #[rasn(size("0..=511"))]
    pub field_size: BitString,
    pub base: EcPoint,
    #[rasn(size("0..=511"))]
    pub weierstrass_a: BitString,
    #[rasn(size("0..=511"))]
    pub weierstrass_b: BitString,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq)]
#[rasn(choice, automatic_tags, identifier = "ECKASDH")]
#[non_exhaustive]
pub enum Eckasdh {
    Eckasdhp(EckasdhEckasdhp),
    Eckasdh2(EckasdhEckasdh2),
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq)]
#[rasn(automatic_tags)]
#[non_exhaustive]
pub struct TypedCertificate {
    pub r#type: ObjectIdentifier,
    pub certificate: OctetString,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq)]
#[rasn(choice, automatic_tags, identifier = "AuthenticationBES")]
#[non_exhaustive]
pub enum AuthenticationBes {
    Default(()),
    Radius(()),
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq)]
#[rasn(choice, automatic_tags)]
#[non_exhaustive]
pub enum AuthenticationMechanism {
    DhExch(()),
    PwdSymEnc(()),
    PwdHash(()),
    CertSign(()),
    Ipsec(()),
    Tls(()),
    NonStandard(H235NonStandardParameter),
    #[rasn(extension_addition)]
    AuthenticationBes(AuthenticationBes),
    #[rasn(extension_addition)]
    KeyExch(ObjectIdentifier),
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq)]
#[rasn(automatic_tags)]
#[non_exhaustive]
pub struct ClearToken {
    pub token_oid: ObjectIdentifier,
    pub time_stamp: Option<TimeStamp>,
    pub password: Option<Password>,
    pub dhkey: Option<DhSet>,
    pub challenge: Option<ChallengeString>,
    pub random: Option<RandomVal>,
    pub certificate: Option<TypedCertificate>,
    #[rasn(identifier = "generalID")]
    pub general_id: Option<Identifier>,
    pub non_standard: Option<H235NonStandardParameter>,
    #[rasn(extension_addition)]
    pub eckasdhkey: Option<Eckasdh>,
    #[rasn(extension_addition, size("1..=128"), identifier = "sendersID")]
    pub senders_id: Option<Identifier>,
    #[rasn(extension_addition)]
    pub h235_key: Option<H235Key>,
    #[rasn(extension_addition)]
    pub profile_info: Option<SequenceOf<ProfileElement>>,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq)]
#[rasn(automatic_tags)]
#[non_exhaustive]
pub struct ProfileElement {
    #[rasn(value("0..=255"), identifier = "elementID")]
    pub element_id: u8,
    #[rasn(identifier = "paramS")]
    pub param_s: Option<Params>,
    pub element: Option<Element>,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq)]
#[rasn(choice, automatic_tags)]
#[non_exhaustive]
pub enum Element {
    Octets(OctetString),
    Integer(Integer),
    Bits(BitString),
    Name(BmpString),
    Flag(bool),
}

/// `SIGNED{ToBeSigned}`: `to_be_signed` is the open type's encoding.
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq)]
#[rasn(automatic_tags, identifier = "SIGNED")]
pub struct Signed {
    pub to_be_signed: OctetString,
    #[rasn(identifier = "algorithmOID")]
    pub algorithm_oid: ObjectIdentifier,
    #[rasn(identifier = "paramS")]
    pub param_s: Params,
    pub signature: BitString,
}

/// `ENCRYPTED{ToBeEncrypted}`
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq)]
#[rasn(automatic_tags, identifier = "ENCRYPTED")]
pub struct Encrypted {
    #[rasn(identifier = "algorithmOID")]
    pub algorithm_oid: ObjectIdentifier,
    #[rasn(identifier = "paramS")]
    pub param_s: Params,
    pub encrypted_data: OctetString,
}

/// `HASHED{ToBeHashed}`
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq)]
#[rasn(automatic_tags, identifier = "HASHED")]
pub struct Hashed {
    #[rasn(identifier = "algorithmOID")]
    pub algorithm_oid: ObjectIdentifier,
    #[rasn(identifier = "paramS")]
    pub param_s: Params,
    pub hash: BitString,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq)]
#[rasn(automatic_tags)]
#[non_exhaustive]
pub struct Params {
    pub ran_int: Option<Integer>,
    #[rasn(size(8))]
    pub iv8: Option<OctetString>,
    #[rasn(extension_addition, size(16))]
    pub iv16: Option<OctetString>,
    #[rasn(extension_addition)]
    pub iv: Option<OctetString>,
    #[rasn(extension_addition)]
    pub clear_salt: Option<OctetString>,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq)]
#[rasn(automatic_tags)]
pub struct CryptoEncryptedToken {
    #[rasn(identifier = "tokenOID")]
    pub token_oid: ObjectIdentifier,
    pub token: Encrypted,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq)]
#[rasn(automatic_tags)]
pub struct CryptoSignedToken {
    #[rasn(identifier = "tokenOID")]
    pub token_oid: ObjectIdentifier,
    pub token: Signed,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq)]
#[rasn(automatic_tags)]
pub struct CryptoHashedToken {
    #[rasn(identifier = "tokenOID")]
    pub token_oid: ObjectIdentifier,
    pub hashed_vals: ClearToken,
    pub token: Hashed,
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq)]
#[rasn(choice, automatic_tags)]
#[non_exhaustive]
pub enum CryptoToken {
    CryptoEncryptedToken(CryptoEncryptedToken),
    CryptoSignedToken(CryptoSignedToken),
    CryptoHashedToken(CryptoHashedToken),
    CryptoPwdEncr(Encrypted),
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq)]
#[rasn(choice, automatic_tags, identifier = "H235Key")]
#[non_exhaustive]
pub enum H235Key {
    SecureChannel(KeyMaterial),
    SharedSecret(Encrypted),
    CertProtectedKey(Signed),
    #[rasn(extension_addition)]
    SecureSharedSecret(V3KeySyncMaterial),
}

#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq)]
#[rasn(automatic_tags)]
#[non_exhaustive]
pub struct V3KeySyncMaterial {
    #[rasn(identifier = "generalID")]
    pub general_id: Option<Identifier>,
    #[rasn(identifier = "algorithmOID")]
    pub algorithm_oid: Option<ObjectIdentifier>,
    #[rasn(identifier = "paramS")]
    pub param_s: Params,
    pub encrypted_session_key: Option<OctetString>,
    pub encrypted_salting_key: Option<OctetString>,
    pub clear_salting_key: Option<OctetString>,
    #[rasn(identifier = "paramSsalt")]
    pub param_ssalt: Option<Params>,
    #[rasn(identifier = "keyDerivationOID")]
    pub key_derivation_oid: Option<ObjectIdentifier>,
    #[rasn(extension_addition)]
    pub generic_key_material: Option<OctetString>,
}
