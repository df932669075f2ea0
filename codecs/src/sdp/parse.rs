//! The SDP parser.
//!
//! Tolerant where endpoints differ in harmless ways (LF or CRLF, trailing
//! whitespace, blank lines, session-level lines out of order, unknown type
//! letters and attributes), strict where a mistake would change the media
//! (v=0 first, o=, c=, b=, t= and m= syntax, port numbers), and bounded:
//! oversized input is refused before any work is done.

use std::net::IpAddr;

use super::{
    unspecified, Attribute, Bandwidth, Connection, MediaDescription, Origin, SessionDescription,
    Timing, UnknownLine,
};
use crate::CodecError;

/// Largest SDP body we parse. Real offers stay below 4 KiB; a Polycom one
/// with every codec, BFCP and FECC is about 1.5 KiB.
pub const MAX_SDP_BYTES: usize = 64 * 1024;
/// Most m-lines we accept in one description.
pub const MAX_MEDIA: usize = 64;

type Result<T> = std::result::Result<T, CodecError>;

/// Session-level fields collected while the lines come in.
#[derive(Default)]
struct Session {
    origin: Option<Origin>,
    session_name: Option<String>,
    information: Option<String>,
    uri: Option<String>,
    emails: Vec<String>,
    phones: Vec<String>,
    connection: Option<Connection>,
    bandwidths: Vec<Bandwidth>,
    timing: Vec<Timing>,
    time_zones: Option<String>,
    key: Option<String>,
    attributes: Vec<Attribute>,
    unknown_lines: Vec<UnknownLine>,
}

pub(super) fn parse(text: &str) -> Result<SessionDescription> {
    if text.len() > MAX_SDP_BYTES {
        return Err(CodecError::sdp(
            0,
            format!(
                "SDP of {} bytes exceeds the {MAX_SDP_BYTES}-byte limit",
                text.len()
            ),
        ));
    }
    let mut session = Session::default();
    let mut media: Vec<MediaDescription> = Vec::new();
    let mut seen_version = false;

    for (index, raw) in text.split('\n').enumerate() {
        let n = index + 1;
        // Trailing whitespace includes the CR of CRLF line ends.
        let line = raw.trim_end();
        if line.is_empty() {
            continue;
        }
        let (letter, value) = split_line(line, n)?;
        if !seen_version {
            if letter != 'v' || value.trim() != "0" {
                return Err(CodecError::sdp(n, "an SDP must start with v=0"));
            }
            seen_version = true;
            continue;
        }
        match media.last_mut() {
            None => session_line(&mut session, letter, value, n)?,
            Some(m) if letter != 'm' => media_line(m, letter, value, n)?,
            Some(_) => {}
        }
        if letter == 'm' {
            if media.len() >= MAX_MEDIA {
                return Err(CodecError::sdp(n, format!("more than {MAX_MEDIA} m-lines")));
            }
            media.push(parse_media(value, n)?);
        }
    }

    if !seen_version {
        return Err(CodecError::sdp(0, "empty SDP"));
    }
    let origin = session
        .origin
        .ok_or_else(|| CodecError::sdp(0, "missing o= line"))?;
    let timing = if session.timing.is_empty() {
        vec![Timing::default()]
    } else {
        session.timing
    };
    Ok(SessionDescription {
        origin,
        // s= is mandatory, but a missing one costs nothing to forgive.
        session_name: session.session_name.unwrap_or_else(|| "-".to_string()),
        information: session.information,
        uri: session.uri,
        emails: session.emails,
        phones: session.phones,
        connection: session.connection,
        bandwidths: session.bandwidths,
        timing,
        time_zones: session.time_zones,
        key: session.key,
        attributes: session.attributes,
        unknown_lines: session.unknown_lines,
        media,
    })
}

/// `<letter>=<value>`; the letter must be a lower-case ASCII letter.
fn split_line(line: &str, n: usize) -> Result<(char, &str)> {
    let bytes = line.as_bytes();
    match bytes {
        [letter, b'=', ..] if letter.is_ascii_lowercase() => Ok((char::from(*letter), &line[2..])),
        _ => Err(CodecError::sdp(
            n,
            "expected <type>=<value> with a lower-case type letter",
        )),
    }
}

fn session_line(s: &mut Session, letter: char, value: &str, n: usize) -> Result<()> {
    match letter {
        'v' => return Err(CodecError::sdp(n, "repeated v= line")),
        'o' => {
            if s.origin.is_some() {
                return Err(CodecError::sdp(n, "repeated o= line"));
            }
            s.origin = Some(parse_origin(value, n)?);
        }
        's' => {
            if s.session_name.is_some() {
                return Err(CodecError::sdp(n, "repeated s= line"));
            }
            s.session_name = Some(value.to_string());
        }
        'i' => s.information = Some(value.to_string()),
        'u' => s.uri = Some(value.to_string()),
        'e' => s.emails.push(value.to_string()),
        'p' => s.phones.push(value.to_string()),
        'c' => {
            if s.connection.is_some() {
                return Err(CodecError::sdp(n, "repeated session-level c= line"));
            }
            s.connection = Some(parse_connection(value, n)?);
        }
        'b' => s.bandwidths.push(parse_bandwidth(value, n)?),
        't' => s.timing.push(parse_timing(value, n)?),
        'r' => match s.timing.last_mut() {
            Some(t) => t.repeats.push(value.to_string()),
            None => return Err(CodecError::sdp(n, "r= line before any t= line")),
        },
        'z' => s.time_zones = Some(value.to_string()),
        'k' => s.key = Some(value.to_string()),
        'a' => s.attributes.push(parse_attribute(value, n)?),
        'm' => {}
        other => s.unknown_lines.push(UnknownLine {
            letter: other,
            value: value.to_string(),
        }),
    }
    Ok(())
}

fn media_line(m: &mut MediaDescription, letter: char, value: &str, n: usize) -> Result<()> {
    match letter {
        'v' | 'o' | 's' | 't' | 'r' | 'z' => {
            return Err(CodecError::sdp(
                n,
                format!("{letter}= is not allowed in a media section"),
            ))
        }
        'i' => m.title = Some(value.to_string()),
        'c' => {
            let c = parse_connection(value, n)?;
            // Several c= lines only occur for layered multicast; the first
            // one is the address to use.
            if m.connection.is_none() {
                m.connection = Some(c);
            }
        }
        'b' => m.bandwidths.push(parse_bandwidth(value, n)?),
        'k' => m.key = Some(value.to_string()),
        'a' => m.attributes.push(parse_attribute(value, n)?),
        other => m.unknown_lines.push(UnknownLine {
            letter: other,
            value: value.to_string(),
        }),
    }
    Ok(())
}

/// `<username> <sess-id> <sess-version> <nettype> <addrtype> <address>`.
/// Parsed from the right so that a username with spaces (seen in the wild)
/// still works.
fn parse_origin(value: &str, n: usize) -> Result<Origin> {
    let tokens: Vec<&str> = value.split_whitespace().collect();
    let Some(split) = tokens.len().checked_sub(5).filter(|s| *s >= 1) else {
        return Err(CodecError::sdp(n, "o= needs 6 fields"));
    };
    let (user, rest) = tokens.split_at(split);
    let [id, version, nettype, addrtype, address] = rest else {
        return Err(CodecError::sdp(n, "o= needs 6 fields"));
    };
    if !nettype.eq_ignore_ascii_case("IN") {
        return Err(CodecError::sdp(
            n,
            format!("unsupported network type {nettype}"),
        ));
    }
    let ipv6 = address_type(addrtype, n)?;
    let address = match address.parse::<IpAddr>() {
        Ok(ip) => ip,
        Err(_) if is_hostname(address) => unspecified(ipv6),
        Err(_) => {
            return Err(CodecError::sdp(
                n,
                format!("invalid origin address {address}"),
            ))
        }
    };
    Ok(Origin {
        username: user.join(" "),
        session_id: origin_number(id)
            .ok_or_else(|| CodecError::sdp(n, "o= session id must be numeric"))?,
        version: origin_number(version)
            .ok_or_else(|| CodecError::sdp(n, "o= session version must be numeric"))?,
        address,
    })
}

/// A decimal number; longer ones than fit in 64 bits wrap, since the id only
/// ever serves to recognise the session, and some endpoints use 128 bits.
fn origin_number(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(s.bytes().fold(0u64, |acc, b| {
        acc.wrapping_mul(10).wrapping_add(u64::from(b - b'0'))
    }))
}

fn is_hostname(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
}

/// `IP4` or `IP6`; returns whether it is IPv6.
fn address_type(s: &str, n: usize) -> Result<bool> {
    if s.eq_ignore_ascii_case("IP4") {
        Ok(false)
    } else if s.eq_ignore_ascii_case("IP6") {
        Ok(true)
    } else {
        Err(CodecError::sdp(n, format!("unsupported address type {s}")))
    }
}

/// `IN <IP4|IP6> <address>[/ttl][/count]`. Host names are refused: we
/// cannot resolve them here and guessing would send media to the wrong place.
fn parse_connection(value: &str, n: usize) -> Result<Connection> {
    let tokens: Vec<&str> = value.split_whitespace().collect();
    let [nettype, addrtype, address] = tokens.as_slice() else {
        return Err(CodecError::sdp(n, "c= needs 3 fields"));
    };
    if !nettype.eq_ignore_ascii_case("IN") {
        return Err(CodecError::sdp(
            n,
            format!("unsupported network type {nettype}"),
        ));
    }
    let ipv6 = address_type(addrtype, n)?;
    let mut parts = address.split('/');
    let ip_text = parts.next().unwrap_or_default();
    let address: IpAddr = ip_text
        .parse()
        .map_err(|_| CodecError::sdp(n, format!("c= address {ip_text} is not an IP address")))?;
    let suffixes: Vec<&str> = parts.collect();
    let bad_suffix = || CodecError::sdp(n, format!("invalid c= address suffix in {value}"));
    let (ttl, address_count) = match (ipv6, suffixes.as_slice()) {
        (_, []) => (None, None),
        (false, [ttl]) => (Some(ttl.parse().map_err(|_| bad_suffix())?), None),
        (false, [ttl, count]) => (
            Some(ttl.parse().map_err(|_| bad_suffix())?),
            Some(count.parse().map_err(|_| bad_suffix())?),
        ),
        (true, [count]) => (None, Some(count.parse().map_err(|_| bad_suffix())?)),
        _ => return Err(bad_suffix()),
    };
    Ok(Connection {
        address,
        ttl,
        address_count,
    })
}

fn parse_bandwidth(value: &str, n: usize) -> Result<Bandwidth> {
    let (kind, number) = value
        .split_once(':')
        .ok_or_else(|| CodecError::sdp(n, "b= needs <type>:<value>"))?;
    let kind = kind.trim();
    if kind.is_empty() || kind.contains(char::is_whitespace) {
        return Err(CodecError::sdp(n, "invalid b= type"));
    }
    let value = number
        .trim()
        .parse()
        .map_err(|_| CodecError::sdp(n, format!("invalid b= value {}", number.trim())))?;
    Ok(Bandwidth {
        kind: kind.to_string(),
        value,
    })
}

fn parse_timing(value: &str, n: usize) -> Result<Timing> {
    let mut tokens = value.split_whitespace();
    let (Some(start), Some(stop), None) = (tokens.next(), tokens.next(), tokens.next()) else {
        return Err(CodecError::sdp(n, "t= needs <start> <stop>"));
    };
    let number = |s: &str| {
        s.parse::<u64>()
            .map_err(|_| CodecError::sdp(n, format!("invalid t= time {s}")))
    };
    Ok(Timing {
        start: number(start)?,
        stop: number(stop)?,
        repeats: Vec::new(),
    })
}

fn parse_attribute(value: &str, n: usize) -> Result<Attribute> {
    let (name, value) = match value.split_once(':') {
        Some((name, v)) => (name, Some(v.to_string())),
        None => (value, None),
    };
    let name = name.trim();
    if name.is_empty() {
        return Err(CodecError::sdp(n, "empty attribute name"));
    }
    Ok(Attribute {
        name: name.to_string(),
        value,
    })
}

/// `<media> <port>[/<count>] <proto> <fmt> ...`
fn parse_media(value: &str, n: usize) -> Result<MediaDescription> {
    let mut tokens = value.split_whitespace();
    let (Some(media), Some(port), Some(protocol)) = (tokens.next(), tokens.next(), tokens.next())
    else {
        return Err(CodecError::sdp(
            n,
            "m= needs <media> <port> <proto> <fmt>...",
        ));
    };
    let (port, port_count) = match port.split_once('/') {
        Some((p, c)) => (p, Some(c)),
        None => (port, None),
    };
    let port =
        parse_port(port).ok_or_else(|| CodecError::sdp(n, format!("invalid m= port {port}")))?;
    let port_count = match port_count {
        Some(c) => Some(
            parse_port(c)
                .filter(|c| *c > 0)
                .ok_or_else(|| CodecError::sdp(n, format!("invalid m= port count {c}")))?,
        ),
        None => None,
    };
    let formats: Vec<String> = tokens.map(str::to_string).collect();
    // A rejected line may come without formats from sloppy endpoints; an
    // active one without any is meaningless.
    if formats.is_empty() && port != 0 {
        return Err(CodecError::sdp(n, "m= line without formats"));
    }
    let mut m = MediaDescription::new(media, port, protocol, formats);
    m.port_count = port_count;
    Ok(m)
}

fn parse_port(s: &str) -> Option<u16> {
    if s.is_empty() || s.len() > 5 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}
