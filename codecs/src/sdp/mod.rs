//! SDP (RFC 4566 / RFC 8866) session descriptions: the model, a tolerant but
//! bounded parser (`SessionDescription::parse`) and a writer (`Display`, CRLF
//! line ends, RFC 4566 §5 field order).
//!
//! The model keeps every line it does not interpret (unknown attributes and
//! even unknown type letters) so that nothing an endpoint sends is lost, but
//! only the fields the negotiation needs are typed.

mod parse;
mod write;

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

pub use parse::{MAX_MEDIA, MAX_SDP_BYTES};

/// A whole session description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionDescription {
    pub origin: Origin,
    /// `s=`; written as `-` when empty (RFC 4566 forbids an empty one).
    pub session_name: String,
    /// `i=`
    pub information: Option<String>,
    /// `u=`
    pub uri: Option<String>,
    /// `e=` lines
    pub emails: Vec<String>,
    /// `p=` lines
    pub phones: Vec<String>,
    /// Session-level `c=`; each m-line without its own uses it.
    pub connection: Option<Connection>,
    pub bandwidths: Vec<Bandwidth>,
    /// `t=` lines with their `r=` lines; `t=0 0` when empty.
    pub timing: Vec<Timing>,
    /// `z=` value, kept verbatim.
    pub time_zones: Option<String>,
    /// `k=` value, kept verbatim (obsolete, but some endpoints still send it).
    pub key: Option<String>,
    pub attributes: Vec<Attribute>,
    /// Lines with a type letter SDP does not define, kept in order.
    pub unknown_lines: Vec<UnknownLine>,
    pub media: Vec<MediaDescription>,
}

/// `o=<username> <sess-id> <sess-version> IN <IP4|IP6> <address>`
///
/// An FQDN in the address (allowed by RFC 4566, informational only) parses as
/// the unspecified address of the announced family.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub username: String,
    pub session_id: u64,
    pub version: u64,
    pub address: IpAddr,
}

/// `c=IN <IP4|IP6> <address>[/<ttl>][/<number of addresses>]`
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Connection {
    pub address: IpAddr,
    /// Multicast TTL (IPv4 multicast only).
    pub ttl: Option<u8>,
    /// Number of consecutive multicast addresses.
    pub address_count: Option<u32>,
}

impl Connection {
    pub fn new(address: IpAddr) -> Self {
        Connection {
            address,
            ttl: None,
            address_count: None,
        }
    }

    /// `c=0.0.0.0` (or `::`): the RFC 2543 way of putting a call on hold.
    pub fn is_hold(&self) -> bool {
        self.address.is_unspecified()
    }
}

/// `b=<type>:<value>`: AS and CT in kbit/s, TIAS in bit/s (RFC 3890), RS and
/// RR in bit/s (RFC 3556).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bandwidth {
    pub kind: String,
    pub value: u64,
}

impl Bandwidth {
    pub fn new(kind: impl Into<String>, value: u64) -> Self {
        Bandwidth {
            kind: kind.into(),
            value,
        }
    }
}

/// `t=<start> <stop>` and the `r=` lines that follow it (verbatim).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Timing {
    pub start: u64,
    pub stop: u64,
    pub repeats: Vec<String>,
}

/// `a=<name>` (property attribute, `value` is `None`) or `a=<name>:<value>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribute {
    pub name: String,
    pub value: Option<String>,
}

impl Attribute {
    pub fn property(name: impl Into<String>) -> Self {
        Attribute {
            name: name.into(),
            value: None,
        }
    }

    pub fn value(name: impl Into<String>, value: impl Into<String>) -> Self {
        Attribute {
            name: name.into(),
            value: Some(value.into()),
        }
    }
}

/// A line whose type letter SDP does not define.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownLine {
    pub letter: char,
    pub value: String,
}

/// One `m=` section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaDescription {
    /// `audio`, `video`, `application`, `text`, `message`, or anything else.
    pub media: String,
    pub port: u16,
    /// The `/<number of ports>` suffix of the port, if any.
    pub port_count: Option<u16>,
    /// `RTP/AVP`, `RTP/AVPF`, `RTP/SAVP`, `UDP/BFCP`, `TCP/BFCP`, ...
    pub protocol: String,
    /// Payload types for RTP protocols, `*` or other tokens otherwise.
    pub formats: Vec<String>,
    /// `i=`
    pub title: Option<String>,
    pub connection: Option<Connection>,
    pub bandwidths: Vec<Bandwidth>,
    /// `k=`
    pub key: Option<String>,
    pub attributes: Vec<Attribute>,
    pub unknown_lines: Vec<UnknownLine>,
}

/// A parsed `a=rtpmap:<pt> <encoding name>/<clock rate>[/<channels>]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RtpMap {
    pub payload_type: u8,
    pub encoding_name: String,
    pub clock_rate: u32,
    pub channels: Option<u8>,
}

impl RtpMap {
    /// Parse the value of an rtpmap attribute; `None` when malformed (an
    /// unparseable rtpmap makes its payload type unusable, not the SDP).
    pub fn parse(value: &str) -> Option<RtpMap> {
        let (pt, rest) = value.trim().split_once(char::is_whitespace)?;
        let payload_type = parse_payload_type(pt)?;
        let mut parts = rest.trim().split('/');
        let encoding_name = parts.next()?.trim();
        if encoding_name.is_empty() {
            return None;
        }
        let clock_rate = parts.next()?.trim().parse().ok()?;
        let channels = match parts.next() {
            Some(c) => Some(c.trim().parse().ok()?),
            None => None,
        };
        if parts.next().is_some() {
            return None;
        }
        Some(RtpMap {
            payload_type,
            encoding_name: encoding_name.to_string(),
            clock_rate,
            channels,
        })
    }
}

/// An RTP payload type: a number from 0 to 127.
pub fn parse_payload_type(s: &str) -> Option<u8> {
    let s = s.trim();
    if s.is_empty() || s.len() > 3 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse::<u8>().ok().filter(|pt| *pt <= 127)
}

/// Attribute lookups shared by the session and the media level.
fn attr<'a>(attrs: &'a [Attribute], name: &str) -> Option<&'a Attribute> {
    attrs.iter().find(|a| a.name.eq_ignore_ascii_case(name))
}

fn attr_values<'a>(attrs: &'a [Attribute], name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
    attrs
        .iter()
        .filter(move |a| a.name.eq_ignore_ascii_case(name))
        .filter_map(|a| a.value.as_deref())
}

/// The values of `a=<name>:<pt> <rest>` attributes for one payload type
/// (`*` matches every payload type when `wildcard`).
fn pt_attr_values<'a>(
    attrs: &'a [Attribute],
    name: &'a str,
    pt: u8,
    wildcard: bool,
) -> impl Iterator<Item = &'a str> + 'a {
    attr_values(attrs, name).filter_map(move |v| {
        let v = v.trim_start();
        let (p, rest) = v.split_once(char::is_whitespace).unwrap_or((v, ""));
        let matches = parse_payload_type(p) == Some(pt) || (wildcard && p == "*");
        matches.then(|| rest.trim())
    })
}

impl SessionDescription {
    /// A minimal description: `v=0`, the origin, `s=`, `t=0 0`.
    pub fn new(origin: Origin, session_name: impl Into<String>) -> Self {
        SessionDescription {
            origin,
            session_name: session_name.into(),
            information: None,
            uri: None,
            emails: Vec::new(),
            phones: Vec::new(),
            connection: None,
            bandwidths: Vec::new(),
            timing: vec![Timing::default()],
            time_zones: None,
            key: None,
            attributes: Vec::new(),
            unknown_lines: Vec::new(),
            media: Vec::new(),
        }
    }

    pub fn parse(text: &str) -> Result<Self, crate::CodecError> {
        parse::parse(text)
    }

    /// The first session-level attribute of that name (case-insensitive).
    pub fn attribute(&self, name: &str) -> Option<&Attribute> {
        attr(&self.attributes, name)
    }

    pub fn has_attribute(&self, name: &str) -> bool {
        self.attribute(name).is_some()
    }

    /// The connection an m-line uses: its own, else the session's.
    pub fn connection_for(&self, media: &MediaDescription) -> Option<Connection> {
        media.connection.or(self.connection)
    }
}

impl MediaDescription {
    pub fn new(
        media: impl Into<String>,
        port: u16,
        protocol: impl Into<String>,
        formats: Vec<String>,
    ) -> Self {
        MediaDescription {
            media: media.into(),
            port,
            port_count: None,
            protocol: protocol.into(),
            formats,
            title: None,
            connection: None,
            bandwidths: Vec::new(),
            key: None,
            attributes: Vec::new(),
            unknown_lines: Vec::new(),
        }
    }

    /// The first attribute of that name (case-insensitive).
    pub fn attribute(&self, name: &str) -> Option<&Attribute> {
        attr(&self.attributes, name)
    }

    /// The value of the first attribute of that name that has one.
    pub fn attribute_value(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .filter(|a| a.name.eq_ignore_ascii_case(name))
            .find_map(|a| a.value.as_deref())
    }

    pub fn has_attribute(&self, name: &str) -> bool {
        self.attribute(name).is_some()
    }

    /// The values of every attribute of that name.
    pub fn attribute_values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        attr_values(&self.attributes, name)
    }

    /// The rtpmap of a payload type, if the m-line has a well-formed one.
    pub fn rtpmap(&self, pt: u8) -> Option<RtpMap> {
        self.attribute_values("rtpmap")
            .filter_map(RtpMap::parse)
            .find(|m| m.payload_type == pt)
    }

    /// The fmtp parameter string of a payload type (first one if repeated).
    pub fn fmtp(&self, pt: u8) -> Option<&str> {
        pt_attr_values(&self.attributes, "fmtp", pt, false).next()
    }

    /// The `a=rtcp-fb` values that apply to a payload type: its own and the
    /// wildcard `*` ones (RFC 4585 §4.2), in order.
    pub fn rtcp_fb(&self, pt: u8) -> Vec<&str> {
        pt_attr_values(&self.attributes, "rtcp-fb", pt, true)
            .filter(|v| !v.is_empty())
            .collect()
    }

    /// The formats that are valid RTP payload types, in offered order.
    pub fn payload_types(&self) -> impl Iterator<Item = u8> + '_ {
        self.formats.iter().filter_map(|f| parse_payload_type(f))
    }

    pub fn add_attribute(&mut self, name: impl Into<String>, value: Option<String>) {
        self.attributes.push(Attribute {
            name: name.into(),
            value,
        });
    }
}

/// The unspecified address of the family an SDP `addrtype` names.
pub(crate) fn unspecified(ipv6: bool) -> IpAddr {
    if ipv6 {
        IpAddr::V6(Ipv6Addr::UNSPECIFIED)
    } else {
        IpAddr::V4(Ipv4Addr::UNSPECIFIED)
    }
}

#[cfg(test)]
mod tests;
