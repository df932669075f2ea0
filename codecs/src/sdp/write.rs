//! The SDP writer: RFC 4566 §5 field order, CRLF line ends.
//!
//! Values are written as they are, except that CR and LF are replaced by
//! spaces: a value can never smuggle in a line of its own.

use std::borrow::Cow;
use std::fmt::{self, Display, Formatter};
use std::net::IpAddr;

use super::{
    Attribute, Bandwidth, Connection, MediaDescription, Origin, SessionDescription, UnknownLine,
};

fn clean(s: &str) -> Cow<'_, str> {
    if s.contains(['\r', '\n']) {
        Cow::Owned(s.replace(['\r', '\n'], " "))
    } else {
        Cow::Borrowed(s)
    }
}

/// A token field (no whitespace allowed): whitespace becomes `-`, and an
/// empty one is written as `-`.
fn token(s: &str) -> Cow<'_, str> {
    if s.is_empty() {
        Cow::Borrowed("-")
    } else if s.contains(char::is_whitespace) {
        Cow::Owned(s.replace(char::is_whitespace, "-"))
    } else {
        Cow::Borrowed(s)
    }
}

fn addr_type(ip: &IpAddr) -> &'static str {
    match ip {
        IpAddr::V4(_) => "IP4",
        IpAddr::V6(_) => "IP6",
    }
}

impl Display for Origin {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {} IN {} {}",
            token(&self.username),
            self.session_id,
            self.version,
            addr_type(&self.address),
            self.address
        )
    }
}

impl Display for Connection {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "IN {} {}", addr_type(&self.address), self.address)?;
        if let (IpAddr::V4(_), Some(ttl)) = (self.address, self.ttl) {
            write!(f, "/{ttl}")?;
        }
        if let Some(count) = self.address_count {
            write!(f, "/{count}")?;
        }
        Ok(())
    }
}

impl Display for Bandwidth {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", token(&self.kind), self.value)
    }
}

impl Display for Attribute {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match &self.value {
            Some(v) => write!(f, "{}:{}", clean(&self.name), clean(v)),
            None => write!(f, "{}", clean(&self.name)),
        }
    }
}

fn line(f: &mut Formatter<'_>, letter: char, value: impl Display) -> fmt::Result {
    write!(f, "{letter}={value}\r\n")
}

fn text_line(f: &mut Formatter<'_>, letter: char, value: &str) -> fmt::Result {
    line(f, letter, clean(value))
}

/// Lines of unknown type, written back as they came; a letter that would
/// change the structure (`m`, `v`, or no letter at all) is dropped.
fn unknown(f: &mut Formatter<'_>, lines: &[UnknownLine]) -> fmt::Result {
    lines
        .iter()
        .filter(|u| u.letter.is_ascii_lowercase() && !matches!(u.letter, 'm' | 'v'))
        .try_for_each(|u| text_line(f, u.letter, &u.value))
}

impl Display for MediaDescription {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "m={} {}", token(&self.media), self.port)?;
        if let Some(count) = self.port_count {
            write!(f, "/{count}")?;
        }
        write!(f, " {}", token(&self.protocol))?;
        for format in &self.formats {
            write!(f, " {}", token(format))?;
        }
        f.write_str("\r\n")?;
        if let Some(title) = &self.title {
            text_line(f, 'i', title)?;
        }
        if let Some(c) = &self.connection {
            line(f, 'c', c)?;
        }
        self.bandwidths.iter().try_for_each(|b| line(f, 'b', b))?;
        if let Some(key) = &self.key {
            text_line(f, 'k', key)?;
        }
        unknown(f, &self.unknown_lines)?;
        self.attributes.iter().try_for_each(|a| line(f, 'a', a))
    }
}

impl Display for SessionDescription {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str("v=0\r\n")?;
        line(f, 'o', &self.origin)?;
        let name = if self.session_name.trim().is_empty() {
            "-"
        } else {
            self.session_name.as_str()
        };
        text_line(f, 's', name)?;
        if let Some(i) = &self.information {
            text_line(f, 'i', i)?;
        }
        if let Some(u) = &self.uri {
            text_line(f, 'u', u)?;
        }
        self.emails.iter().try_for_each(|e| text_line(f, 'e', e))?;
        self.phones.iter().try_for_each(|p| text_line(f, 'p', p))?;
        if let Some(c) = &self.connection {
            line(f, 'c', c)?;
        }
        self.bandwidths.iter().try_for_each(|b| line(f, 'b', b))?;
        if self.timing.is_empty() {
            f.write_str("t=0 0\r\n")?;
        }
        for t in &self.timing {
            write!(f, "t={} {}\r\n", t.start, t.stop)?;
            t.repeats.iter().try_for_each(|r| text_line(f, 'r', r))?;
        }
        if let Some(z) = &self.time_zones {
            text_line(f, 'z', z)?;
        }
        if let Some(k) = &self.key {
            text_line(f, 'k', k)?;
        }
        unknown(f, &self.unknown_lines)?;
        self.attributes.iter().try_for_each(|a| line(f, 'a', a))?;
        self.media.iter().try_for_each(|m| write!(f, "{m}"))
    }
}
