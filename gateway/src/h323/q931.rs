//! Q.931 messages as H.225.0 uses them for call signalling: parse (never
//! panics; malformed input is a [`Q931Error`]) and build.
//!
//! A message is: protocol discriminator 0x08, the call reference (length
//! octet, then the value whose top bit is the flag: set when the message is
//! sent *to* the side that originated the call reference), the message type,
//! then information elements. Single-octet IEs (top bit set) have no length;
//! the User-user IE (0x7E) has a two-octet length in H.225.0 (§7.2.2.1);
//! every other IE a one-octet length. IEs we do not interpret are kept as
//! [`InformationElement::Other`] so that building back gives the same bytes.

use std::fmt;

/// Q.931's protocol discriminator.
pub const PROTOCOL_DISCRIMINATOR: u8 = 0x08;
/// The User-user IE's protocol discriminator for X.208/X.209 coded user
/// information, i.e. an H.225.0 `H323-UserInformation`.
pub const USER_USER_PROTOCOL_X208: u8 = 0x05;

/// Why a Q.931 message could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Q931Error {
    #[error("Q.931 message truncated: {0}")]
    Truncated(&'static str),
    #[error("not Q.931: protocol discriminator {0:#04x}")]
    ProtocolDiscriminator(u8),
    #[error("call reference of {0} octets (at most 2 are supported)")]
    CallReferenceLength(u8),
    #[error("information element {id:#04x} claims {len} octets, {left} left")]
    IeLength { id: u8, len: usize, left: usize },
    #[error("information element {0:#04x} too long to build")]
    IeTooLong(u8),
}

/// The message types H.225.0 uses (Table 3/H.225.0); others are kept by value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MessageType {
    Alerting,
    CallProceeding,
    Connect,
    Progress,
    Setup,
    SetupAcknowledge,
    ReleaseComplete,
    Facility,
    Information,
    Notify,
    Status,
    StatusEnquiry,
    Other(u8),
}

impl MessageType {
    pub fn from_u8(value: u8) -> Self {
        match value {
            0x01 => Self::Alerting,
            0x02 => Self::CallProceeding,
            0x03 => Self::Progress,
            0x05 => Self::Setup,
            0x07 => Self::Connect,
            0x0d => Self::SetupAcknowledge,
            0x5a => Self::ReleaseComplete,
            0x62 => Self::Facility,
            0x6e => Self::Notify,
            0x75 => Self::StatusEnquiry,
            0x7b => Self::Information,
            0x7d => Self::Status,
            other => Self::Other(other),
        }
    }

    pub fn to_u8(self) -> u8 {
        match self {
            Self::Alerting => 0x01,
            Self::CallProceeding => 0x02,
            Self::Progress => 0x03,
            Self::Setup => 0x05,
            Self::Connect => 0x07,
            Self::SetupAcknowledge => 0x0d,
            Self::ReleaseComplete => 0x5a,
            Self::Facility => 0x62,
            Self::Notify => 0x6e,
            Self::StatusEnquiry => 0x75,
            Self::Information => 0x7b,
            Self::Status => 0x7d,
            Self::Other(v) => v,
        }
    }
}

/// Bearer capability (Q.931 §4.5.5): the octets after the length. Octet 3
/// (coding standard + information transfer capability) and octet 4
/// (transfer mode + rate) are named; the rest (rate multiplier, layer 1
/// protocol, …) is kept as it came.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BearerCapability {
    pub octets: Vec<u8>,
}

impl BearerCapability {
    /// What H.323 endpoints send for a video call: ITU-T coding,
    /// unrestricted digital information, circuit mode, multirate ×6
    /// (384 kbit/s), layer 1 H.221/H.242.
    pub fn unrestricted_digital() -> Self {
        Self {
            octets: vec![0x88, 0x18, 0x86, 0xa5],
        }
    }

    /// Octet 3, low five bits: 0 speech, 8 unrestricted digital, 16 3.1 kHz audio…
    pub fn information_transfer_capability(&self) -> Option<u8> {
        self.octets.first().map(|o| o & 0x1f)
    }

    /// Octet 4, low five bits: 0x10 64 kbit/s, 0x18 multirate, …
    pub fn information_transfer_rate(&self) -> Option<u8> {
        self.octets.get(1).map(|o| o & 0x1f)
    }
}

/// Cause (Q.931 §4.5.12).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cause {
    /// Octet 3's coding standard (bits 7–6) and location (bits 4–1).
    pub coding_and_location: u8,
    /// The cause value (Q.850), 7 bits: 16 normal clearing, 17 user busy, …
    pub value: u8,
    /// Diagnostics, if any.
    pub diagnostics: Vec<u8>,
}

impl Cause {
    /// ITU-T coding, location "user".
    pub fn new(value: u8) -> Self {
        Self {
            coding_and_location: 0x80,
            value: value & 0x7f,
            diagnostics: Vec::new(),
        }
    }
}

/// Called or calling party number (Q.931 §4.5.8, §4.5.10).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartyNumber {
    /// Octet 3: type of number (bits 7–5) and numbering plan (bits 4–1).
    pub type_and_plan: u8,
    /// Octet 3a (calling party only): presentation and screening.
    pub presentation: Option<u8>,
    pub digits: String,
}

impl PartyNumber {
    /// Unknown type, ISDN/telephony (E.164) plan.
    pub fn e164(digits: &str) -> Self {
        Self {
            type_and_plan: 0x01,
            presentation: None,
            digits: digits.to_string(),
        }
    }
}

/// The information elements we read and write; the rest pass through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InformationElement {
    BearerCapability(BearerCapability),
    Cause(Cause),
    /// Display text (IA5); trailing NULs some endpoints add are kept.
    Display(String),
    CalledPartyNumber(PartyNumber),
    CallingPartyNumber(PartyNumber),
    /// User-user: protocol discriminator and contents (for H.225.0, 0x05 and
    /// a PER-encoded `H323-UserInformation`).
    UserUser {
        protocol: u8,
        data: Vec<u8>,
    },
    /// A single-octet IE (top bit set), e.g. Sending complete (0xA1).
    Single(u8),
    Other {
        id: u8,
        data: Vec<u8>,
    },
}

const IE_BEARER_CAPABILITY: u8 = 0x04;
const IE_CAUSE: u8 = 0x08;
const IE_DISPLAY: u8 = 0x28;
const IE_CALLING_PARTY_NUMBER: u8 = 0x6c;
const IE_CALLED_PARTY_NUMBER: u8 = 0x70;
const IE_USER_USER: u8 = 0x7e;

/// One Q.931 message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// The call reference value (15 bits for the two-octet form).
    pub call_reference: u16,
    /// The call reference flag: false from the side that allocated the call
    /// reference, true towards it.
    pub to_originator: bool,
    pub message_type: MessageType,
    pub ies: Vec<InformationElement>,
}

struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn byte(&mut self, what: &'static str) -> Result<u8, Q931Error> {
        let b = *self.data.get(self.pos).ok_or(Q931Error::Truncated(what))?;
        self.pos += 1;
        Ok(b)
    }

    fn take(&mut self, id: u8, len: usize) -> Result<&'a [u8], Q931Error> {
        let left = self.data.len().saturating_sub(self.pos);
        let end = self.pos.checked_add(len).filter(|&e| e <= self.data.len());
        let end = end.ok_or(Q931Error::IeLength { id, len, left })?;
        let out = &self.data[self.pos..end];
        self.pos = end;
        Ok(out)
    }

    fn done(&self) -> bool {
        self.pos >= self.data.len()
    }
}

fn ia5_text(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| char::from(b & 0x7f)).collect()
}

fn parse_party(bytes: &[u8], calling: bool) -> PartyNumber {
    let type_and_plan = bytes.first().copied().unwrap_or(0x80) & 0x7f;
    let mut rest = bytes.get(1..).unwrap_or_default();
    let mut presentation = None;
    // Octet 3 without its extension bit set is followed by octet 3a.
    if calling && bytes.first().is_some_and(|o| o & 0x80 == 0) {
        presentation = rest.first().map(|o| o & 0x7f);
        rest = rest.get(1..).unwrap_or_default();
    }
    PartyNumber {
        type_and_plan,
        presentation,
        digits: ia5_text(rest),
    }
}

fn parse_cause(bytes: &[u8]) -> Cause {
    let octet3 = bytes.first().copied().unwrap_or(0x80);
    let mut i = 1;
    if octet3 & 0x80 == 0 {
        i += 1; // octet 3a: recommendation
    }
    Cause {
        coding_and_location: octet3 & 0x7f | 0x80,
        value: bytes.get(i).map_or(0, |v| v & 0x7f),
        diagnostics: bytes.get(i + 1..).unwrap_or_default().to_vec(),
    }
}

impl Message {
    pub fn new(call_reference: u16, to_originator: bool, message_type: MessageType) -> Self {
        Self {
            call_reference: call_reference & 0x7fff,
            to_originator,
            message_type,
            ies: Vec::new(),
        }
    }

    /// Parses one message (without its TPKT header).
    pub fn parse(data: &[u8]) -> Result<Self, Q931Error> {
        let mut r = Reader { data, pos: 0 };
        let pd = r.byte("protocol discriminator")?;
        if pd != PROTOCOL_DISCRIMINATOR {
            return Err(Q931Error::ProtocolDiscriminator(pd));
        }
        let crv_len = r.byte("call reference length")? & 0x0f;
        let (call_reference, to_originator) = match crv_len {
            0 => (0, false),
            1 => {
                let b = r.byte("call reference")?;
                (u16::from(b & 0x7f), b & 0x80 != 0)
            }
            2 => {
                let hi = r.byte("call reference")?;
                let lo = r.byte("call reference")?;
                (u16::from(hi & 0x7f) << 8 | u16::from(lo), hi & 0x80 != 0)
            }
            n => return Err(Q931Error::CallReferenceLength(n)),
        };
        let message_type = MessageType::from_u8(r.byte("message type")?);
        let mut ies = Vec::new();
        while !r.done() {
            let id = r.byte("information element")?;
            if id & 0x80 != 0 {
                ies.push(InformationElement::Single(id));
                continue;
            }
            let len = if id == IE_USER_USER {
                let hi = r.byte("user-user length")?;
                let lo = r.byte("user-user length")?;
                usize::from(hi) << 8 | usize::from(lo)
            } else {
                usize::from(r.byte("information element length")?)
            };
            let body = r.take(id, len)?;
            ies.push(match id {
                IE_BEARER_CAPABILITY => InformationElement::BearerCapability(BearerCapability {
                    octets: body.to_vec(),
                }),
                IE_CAUSE => InformationElement::Cause(parse_cause(body)),
                IE_DISPLAY => InformationElement::Display(ia5_text(body)),
                IE_CALLED_PARTY_NUMBER => {
                    InformationElement::CalledPartyNumber(parse_party(body, false))
                }
                IE_CALLING_PARTY_NUMBER => {
                    InformationElement::CallingPartyNumber(parse_party(body, true))
                }
                IE_USER_USER => match body.split_first() {
                    Some((&protocol, data)) => InformationElement::UserUser {
                        protocol,
                        data: data.to_vec(),
                    },
                    None => InformationElement::Other {
                        id,
                        data: Vec::new(),
                    },
                },
                _ => InformationElement::Other {
                    id,
                    data: body.to_vec(),
                },
            });
        }
        Ok(Self {
            call_reference,
            to_originator,
            message_type,
            ies,
        })
    }

    /// Encodes the message (two-octet call reference, as H.225.0 requires).
    pub fn build(&self) -> Result<Vec<u8>, Q931Error> {
        let mut out = vec![PROTOCOL_DISCRIMINATOR, 2];
        let flag = if self.to_originator { 0x80 } else { 0 };
        out.push(flag | ((self.call_reference >> 8) as u8 & 0x7f));
        out.push(self.call_reference as u8);
        out.push(self.message_type.to_u8());
        for ie in &self.ies {
            let (id, body) = match ie {
                InformationElement::Single(id) => {
                    out.push(*id | 0x80);
                    continue;
                }
                InformationElement::BearerCapability(b) => (IE_BEARER_CAPABILITY, b.octets.clone()),
                InformationElement::Cause(c) => {
                    let mut body = vec![c.coding_and_location | 0x80, c.value | 0x80];
                    body.extend_from_slice(&c.diagnostics);
                    (IE_CAUSE, body)
                }
                InformationElement::Display(text) => (
                    IE_DISPLAY,
                    text.chars().map(|c| (c as u32 & 0x7f) as u8).collect(),
                ),
                InformationElement::CalledPartyNumber(p) => {
                    let mut body = vec![p.type_and_plan | 0x80];
                    body.extend(p.digits.bytes());
                    (IE_CALLED_PARTY_NUMBER, body)
                }
                InformationElement::CallingPartyNumber(p) => {
                    let mut body = match p.presentation {
                        Some(pr) => vec![p.type_and_plan & 0x7f, pr | 0x80],
                        None => vec![p.type_and_plan | 0x80],
                    };
                    body.extend(p.digits.bytes());
                    (IE_CALLING_PARTY_NUMBER, body)
                }
                InformationElement::UserUser { protocol, data } => {
                    let mut body = vec![*protocol];
                    body.extend_from_slice(data);
                    (IE_USER_USER, body)
                }
                InformationElement::Other { id, data } => (*id, data.clone()),
            };
            out.push(id);
            if id == IE_USER_USER {
                let len = u16::try_from(body.len()).map_err(|_| Q931Error::IeTooLong(id))?;
                out.extend_from_slice(&len.to_be_bytes());
            } else {
                out.push(u8::try_from(body.len()).map_err(|_| Q931Error::IeTooLong(id))?);
            }
            out.extend_from_slice(&body);
        }
        Ok(out)
    }

    /// Adds an IE.
    pub fn with(mut self, ie: InformationElement) -> Self {
        self.ies.push(ie);
        self
    }

    /// The H.225.0 user information (User-user IE with discriminator 0x05).
    pub fn user_user(&self) -> Option<&[u8]> {
        self.ies.iter().find_map(|ie| match ie {
            InformationElement::UserUser { protocol, data }
                if *protocol == USER_USER_PROTOCOL_X208 =>
            {
                Some(data.as_slice())
            }
            _ => None,
        })
    }

    /// Sets (replaces) the H.225.0 user information.
    pub fn set_user_user(&mut self, data: Vec<u8>) {
        self.ies
            .retain(|ie| !matches!(ie, InformationElement::UserUser { .. }));
        self.ies.push(InformationElement::UserUser {
            protocol: USER_USER_PROTOCOL_X208,
            data,
        });
    }

    pub fn bearer_capability(&self) -> Option<&BearerCapability> {
        self.ies.iter().find_map(|ie| match ie {
            InformationElement::BearerCapability(b) => Some(b),
            _ => None,
        })
    }

    pub fn cause(&self) -> Option<&Cause> {
        self.ies.iter().find_map(|ie| match ie {
            InformationElement::Cause(c) => Some(c),
            _ => None,
        })
    }

    pub fn display(&self) -> Option<&str> {
        self.ies.iter().find_map(|ie| match ie {
            InformationElement::Display(d) => Some(d.as_str()),
            _ => None,
        })
    }

    pub fn called_party_number(&self) -> Option<&PartyNumber> {
        self.ies.iter().find_map(|ie| match ie {
            InformationElement::CalledPartyNumber(p) => Some(p),
            _ => None,
        })
    }

    pub fn calling_party_number(&self) -> Option<&PartyNumber> {
        self.ies.iter().find_map(|ie| match ie {
            InformationElement::CallingPartyNumber(p) => Some(p),
            _ => None,
        })
    }
}

impl fmt::Display for MessageType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self:?}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::h323::asn1::h225::{H323MessageBody, H323UserInformation};
    use crate::h323::testdata as td;

    /// The Q.931 message of a TPKT frame (TPKT is the CALL helper's; the
    /// header is 4 octets, version 3).
    fn q931(tpkt_hex: &str) -> Vec<u8> {
        let b = td::bytes(tpkt_hex);
        if b.first() == Some(&3) {
            b[4..].to_vec()
        } else {
            b
        }
    }

    #[test]
    fn openh323_setup() {
        let m = Message::parse(&q931(td::SETUP_6_TPKT)).expect("parses");
        assert_eq!(m.message_type, MessageType::Setup);
        assert_eq!(m.call_reference, 0x77f4);
        assert!(!m.to_originator);
        let bc = m.bearer_capability().expect("bearer capability");
        assert_eq!(bc.octets, [0x80, 0x90, 0xa5]);
        assert_eq!(bc.information_transfer_capability(), Some(0)); // speech
        assert_eq!(bc.information_transfer_rate(), Some(0x10)); // 64 kbit/s
        assert_eq!(m.display(), Some("m.jemec\0"));
        let uu = m.user_user().expect("user-user");
        let info: H323UserInformation = rasn::aper::decode(uu).expect("H.225.0");
        assert!(matches!(
            info.h323_uu_pdu.h323_message_body,
            H323MessageBody::Setup(_)
        ));
        // Building gives the same bytes.
        assert_eq!(m.build().expect("builds"), q931(td::SETUP_6_TPKT));
    }

    #[test]
    fn answers_from_the_310i() {
        for (hex, ty) in [
            (td::CALL_PROCEEDING_10_TPKT, MessageType::CallProceeding),
            (td::ALERTING_14_TPKT, MessageType::Alerting),
            (td::CONNECT_18_TPKT, MessageType::Connect),
        ] {
            let m = Message::parse(&q931(hex)).expect("parses");
            assert_eq!(m.message_type, ty);
            assert_eq!(m.call_reference, 0x77f4);
            assert!(m.to_originator, "answers carry the flag");
            assert!(m.user_user().is_some());
            assert_eq!(m.build().expect("builds"), q931(hex));
        }
        let connect = Message::parse(&q931(td::CONNECT_18_TPKT)).expect("parses");
        assert_eq!(connect.display(), Some("M.JEMEC"));
    }

    #[test]
    fn abilis_setup_gnugk_release_and_v2_alerting() {
        let setup = Message::parse(&q931(td::SETUP_47_TPKT)).expect("parses");
        assert_eq!(setup.message_type, MessageType::Setup);
        assert_eq!(setup.build().expect("builds"), q931(td::SETUP_47_TPKT));
        let release = Message::parse(&q931(td::RELEASE_COMPLETE_66_TPKT)).expect("parses");
        assert_eq!(release.message_type, MessageType::ReleaseComplete);
        assert_eq!(release.call_reference, 1);
        assert!(release.to_originator);
        let alerting = Message::parse(&td::bytes(td::ALERTING_50_Q931)).expect("parses");
        assert_eq!(alerting.message_type, MessageType::Alerting);
        assert_eq!(
            alerting.build().expect("builds"),
            td::bytes(td::ALERTING_50_Q931)
        );
    }

    #[test]
    fn built_release_complete_with_cause_and_numbers() {
        let m = Message::new(0x1234, true, MessageType::ReleaseComplete)
            .with(InformationElement::Cause(Cause::new(17)))
            .with(InformationElement::Display("diemcau".into()))
            .with(InformationElement::CalledPartyNumber(PartyNumber::e164(
                "1000",
            )))
            .with(InformationElement::CallingPartyNumber(PartyNumber {
                type_and_plan: 0x21,
                presentation: Some(0x03),
                digits: "2098".into(),
            }))
            .with(InformationElement::BearerCapability(
                BearerCapability::unrestricted_digital(),
            ))
            .with(InformationElement::Single(0xa1))
            .with(InformationElement::UserUser {
                protocol: USER_USER_PROTOCOL_X208,
                data: vec![0xaa; 300],
            });
        let bytes = m.build().expect("builds");
        assert_eq!(&bytes[..5], &[0x08, 0x02, 0x92, 0x34, 0x5a]);
        let back = Message::parse(&bytes).expect("parses");
        assert_eq!(back, m);
        assert_eq!(back.cause().map(|c| c.value), Some(17));
        assert_eq!(
            back.called_party_number().map(|p| p.digits.as_str()),
            Some("1000")
        );
        assert_eq!(
            back.calling_party_number().and_then(|p| p.presentation),
            Some(3)
        );
        assert_eq!(back.user_user().map(<[u8]>::len), Some(300));
    }

    #[test]
    fn malformed_input_is_an_error_not_a_panic() {
        assert_eq!(
            Message::parse(&[]),
            Err(Q931Error::Truncated("protocol discriminator"))
        );
        assert_eq!(
            Message::parse(&[0x09, 0, 5]),
            Err(Q931Error::ProtocolDiscriminator(9))
        );
        assert_eq!(
            Message::parse(&[0x08, 3, 0, 0, 0, 5]),
            Err(Q931Error::CallReferenceLength(3))
        );
        assert!(matches!(
            Message::parse(&[0x08, 2, 0, 1, 5, 0x7e, 0x01, 0x00, 5]),
            Err(Q931Error::IeLength {
                id: 0x7e,
                len: 256,
                ..
            })
        ));
        assert!(matches!(
            Message::parse(&[0x08, 2, 0, 1, 5, 0x28, 9, b'a']),
            Err(Q931Error::IeLength { id: 0x28, .. })
        ));
        assert_eq!(
            Message::parse(&[0x08, 2, 0]),
            Err(Q931Error::Truncated("call reference"))
        );
        // Every prefix of a real message either parses or is an error.
        let setup = q931(td::SETUP_6_TPKT);
        for n in 0..setup.len() {
            let _ = Message::parse(&setup[..n]);
        }
    }
}
