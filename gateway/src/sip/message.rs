//! SIP messages: parsing with the checks and limits rsip leaves out, header
//! access by name, building responses, serialisation, and the address rules
//! of RFC 3261 §18 and RFC 3581.
//!
//! rsip 0.4 is strict and lossy in places (no compact header names, no header
//! folding, no LWS before the colon, a closed method set, typed headers that
//! reject IPv6 `received=`). So [`parse`] first reads the message itself:
//! it unfolds and canonicalises header lines, applies the limits, checks the
//! mandatory headers and Content-Length, and only then hands a canonical text
//! to rsip for the envelope. Via, From/To parameters, CSeq and Call-ID are
//! read here from the header strings, not through rsip's typed headers.

use std::net::{IpAddr, SocketAddr};
use std::panic::{catch_unwind, AssertUnwindSafe};

use bytes::Bytes;
use rsip::message::HasHeaders;
use rsip::{Header, Method, StatusCode};

use super::transport::Peer;
use super::SipError;

/// Largest message we accept or frame (the largest UDP payload).
pub const MAX_MESSAGE_SIZE: usize = 65_535;
/// Most header fields in one message (after splitting Via lists).
pub const MAX_HEADERS: usize = 256;
/// Longest header field (name, colon and unfolded value).
pub const MAX_HEADER_LEN: usize = 8 * 1024;
/// CSeq numbers must be below 2**31 (RFC 3261 §8.1.1.5).
const MAX_CSEQ: u32 = (1 << 31) - 1;
/// Most Via values copied into a locally built error response.
const MAX_COPIED_VIAS: usize = 64;
/// Longest reason phrase we put on the wire.
const MAX_REASON_LEN: usize = 120;

// ---------------------------------------------------------------------------
// Header names

macro_rules! header_table {
    ($($variant:ident => $name:literal),* $(,)?) => {
        /// Name (canonical spelling) and value of a stored header.
        fn name_value(h: &Header) -> (&str, &str) {
            use rsip::headers::UntypedHeader;
            match h {
                $(Header::$variant(v) => ($name, v.value()),)*
                Header::Other(n, v) => (n.as_str(), v.as_str()),
            }
        }

        /// A header as the rsip variant its name maps to, so that rsip's own
        /// accessors (`HeadersExt`) find it; unknown names become `Other`.
        fn make_header(name: &str, value: String) -> Header {
            use rsip::headers::UntypedHeader;
            let name = expand_compact(name);
            $(
                if name.eq_ignore_ascii_case($name) {
                    return Header::$variant(rsip::headers::$variant::new(value));
                }
            )*
            Header::Other(name.to_string(), value)
        }
    };
}

header_table! {
    Accept => "Accept",
    AcceptEncoding => "Accept-Encoding",
    AcceptLanguage => "Accept-Language",
    AlertInfo => "Alert-Info",
    Allow => "Allow",
    AuthenticationInfo => "Authentication-Info",
    Authorization => "Authorization",
    CSeq => "CSeq",
    CallId => "Call-ID",
    CallInfo => "Call-Info",
    Contact => "Contact",
    ContentDisposition => "Content-Disposition",
    ContentEncoding => "Content-Encoding",
    ContentLanguage => "Content-Language",
    ContentLength => "Content-Length",
    ContentType => "Content-Type",
    Date => "Date",
    ErrorInfo => "Error-Info",
    Event => "Event",
    Expires => "Expires",
    From => "From",
    InReplyTo => "In-Reply-To",
    MaxForwards => "Max-Forwards",
    MimeVersion => "MIME-Version",
    MinExpires => "Min-Expires",
    Organization => "Organization",
    Priority => "Priority",
    ProxyAuthenticate => "Proxy-Authenticate",
    ProxyAuthorization => "Proxy-Authorization",
    ProxyRequire => "Proxy-Require",
    RecordRoute => "Record-Route",
    ReplyTo => "Reply-To",
    Require => "Require",
    RetryAfter => "Retry-After",
    Route => "Route",
    Server => "Server",
    Subject => "Subject",
    SubscriptionState => "Subscription-State",
    Supported => "Supported",
    Timestamp => "Timestamp",
    To => "To",
    Unsupported => "Unsupported",
    UserAgent => "User-Agent",
    Via => "Via",
    Warning => "Warning",
    WwwAuthenticate => "WWW-Authenticate",
}

/// The full name of a compact header name (RFC 3261 §7.3.3 and the RFCs that
/// added more), or the name itself.
pub fn expand_compact(name: &str) -> &str {
    if name.len() != 1 {
        return name;
    }
    match name.as_bytes().first().map(u8::to_ascii_lowercase) {
        Some(b'a') => "Accept-Contact",
        Some(b'b') => "Referred-By",
        Some(b'c') => "Content-Type",
        Some(b'd') => "Request-Disposition",
        Some(b'e') => "Content-Encoding",
        Some(b'f') => "From",
        Some(b'i') => "Call-ID",
        Some(b'j') => "Reject-Contact",
        Some(b'k') => "Supported",
        Some(b'l') => "Content-Length",
        Some(b'm') => "Contact",
        Some(b'n') => "Identity-Info",
        Some(b'o') => "Event",
        Some(b'r') => "Refer-To",
        Some(b's') => "Subject",
        Some(b't') => "To",
        Some(b'u') => "Allow-Events",
        Some(b'v') => "Via",
        Some(b'x') => "Session-Expires",
        Some(b'y') => "Identity",
        _ => name,
    }
}

fn same_name(stored: &str, wanted: &str) -> bool {
    expand_compact(stored).eq_ignore_ascii_case(expand_compact(wanted))
}

/// Every value of header `name` in order (case-insensitive, compact forms
/// included). Comma-separated lists are not split: see [`split_list`].
pub fn header_values<'a>(msg: &'a impl HasHeaders, name: &str) -> Vec<&'a str> {
    msg.headers()
        .iter()
        .map(name_value)
        .filter(|(n, _)| same_name(n, name))
        .map(|(_, v)| v)
        .collect()
}

/// The first value of header `name`.
pub fn header<'a>(msg: &'a impl HasHeaders, name: &str) -> Option<&'a str> {
    msg.headers()
        .iter()
        .map(name_value)
        .find(|(n, _)| same_name(n, name))
        .map(|(_, v)| v)
}

/// Append a header.
pub fn add_header(msg: &mut impl HasHeaders, name: &str, value: impl Into<String>) {
    msg.headers_mut().push(make_header(name, value.into()));
}

/// Replace every `name` header with one carrying `value` (at the position of
/// the first one, or appended).
pub fn set_header(msg: &mut impl HasHeaders, name: &str, value: impl Into<String>) {
    let new = make_header(name, value.into());
    let mut placed = false;
    let old: Vec<Header> = std::mem::take(msg.headers_mut()).into();
    let mut out = Vec::with_capacity(old.len() + 1);
    for h in old {
        if same_name(name_value(&h).0, name) {
            if !placed {
                out.push(new.clone());
                placed = true;
            }
        } else {
            out.push(h);
        }
    }
    if !placed {
        out.push(new);
    }
    *msg.headers_mut() = out.into();
}

/// Remove every `name` header; returns how many were removed.
pub fn remove_header(msg: &mut impl HasHeaders, name: &str) -> usize {
    let before = msg.headers().iter().count();
    msg.headers_mut()
        .retain(|h| !same_name(name_value(h).0, name));
    before - msg.headers().iter().count()
}

// ---------------------------------------------------------------------------
// Small grammar helpers

fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-.!%*_+`'~".contains(&b)
}

fn is_token(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(is_token_byte)
}

/// Split `value` at `sep` where it is outside double quotes (with backslash
/// escapes) and outside `<...>` and `[...]`.
fn split_outside(value: &str, sep: char) -> Vec<&str> {
    // Every delimiter is ASCII, and ASCII bytes never occur inside a UTF-8
    // multi-byte sequence, so scanning bytes is exact (and much faster on
    // the hot path of every message than decoding chars).
    debug_assert!(sep.is_ascii());
    let sep = sep as u8;
    let mut parts = Vec::new();
    let (mut in_quotes, mut escaped, mut angle, mut square) = (false, false, false, false);
    let mut start = 0;
    for (i, b) in value.bytes().enumerate() {
        if in_quotes {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_quotes = false;
            }
            continue;
        }
        match b {
            b'"' => in_quotes = true,
            b'<' => angle = true,
            b'>' => angle = false,
            b'[' => square = true,
            b']' => square = false,
            b if b == sep && !angle && !square => {
                parts.push(&value[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&value[start..]);
    parts
}

/// The elements of a comma-separated header value (Via, Route, Allow...),
/// trimmed, empty ones dropped. Commas inside quotes and `<...>` are kept.
pub fn split_list(value: &str) -> Vec<&str> {
    split_outside(value, ',')
        .into_iter()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect()
}

/// `;name=value` parameters: names lower-cased, values trimmed (quotes kept).
fn parse_params(s: &str) -> Vec<(String, Option<String>)> {
    split_outside(s, ';')
        .into_iter()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((n, v)) => (n.trim().to_ascii_lowercase(), Some(v.trim().to_string())),
            None => (p.to_ascii_lowercase(), None),
        })
        .collect()
}

/// Where the address part of a name-addr / addr-spec value ends and its
/// header parameters begin.
fn addr_end(value: &str) -> usize {
    let (mut in_quotes, mut escaped) = (false, false);
    for (i, c) in value.char_indices() {
        if in_quotes {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_quotes = false;
            }
            continue;
        }
        match c {
            '"' => in_quotes = true,
            '<' => {
                return value[i..]
                    .find('>')
                    .map(|j| i + j + 1)
                    .unwrap_or(value.len())
            }
            ';' => return i,
            _ => {}
        }
    }
    value.len()
}

/// The header parameters of a From/To/Contact/Route value.
pub fn addr_params(value: &str) -> Vec<(String, Option<String>)> {
    parse_params(&value[addr_end(value)..])
}

/// The `tag` parameter of a From or To value.
pub fn tag_param(value: &str) -> Option<String> {
    addr_params(value)
        .into_iter()
        .find(|(n, _)| n == "tag")
        .and_then(|(_, v)| v)
        .filter(|v| !v.is_empty())
}

/// Whether double quotes in `s` are balanced (backslash escapes honoured).
fn quotes_balanced(s: &str) -> bool {
    let (mut in_quotes, mut escaped) = (false, false);
    for c in s.chars() {
        if escaped {
            escaped = false;
        } else if in_quotes && c == '\\' {
            escaped = true;
        } else if c == '"' {
            in_quotes = !in_quotes;
        }
    }
    !in_quotes
}

/// One name-addr or addr-spec with a URI in it (`scheme:...`), as From and
/// To must hold: balanced quotes, no list, no LWS in the URI. Unquoted
/// display names are not checked for token characters: terminals send
/// `Room (A) <sip:...>` and such calls must not fail.
fn valid_addr(value: &str) -> bool {
    if !quotes_balanced(value) || split_list(value).len() != 1 {
        return false;
    }
    let addr = &value[..addr_end(value)];
    let uri = match (addr.rfind('<'), addr.rfind('>')) {
        (Some(a), Some(b)) if a < b => &addr[a + 1..b],
        (None, None) => addr,
        _ => return false,
    };
    let uri = uri.trim();
    match uri.split_once(':') {
        Some((scheme, rest)) => {
            is_token(scheme) && !rest.is_empty() && !uri.contains(char::is_whitespace)
        }
        None => false,
    }
}

fn sanitize_line(s: &str, max: usize) -> String {
    let mut out: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if out.len() > max {
        let mut cut = max;
        while !out.is_char_boundary(cut) {
            cut -= 1;
        }
        out.truncate(cut);
    }
    out.trim().to_string()
}

// ---------------------------------------------------------------------------
// Via

/// The parts of a Via value the transaction and transport layers use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ViaInfo {
    /// Upper-case transport token: UDP, TCP, TLS, SCTP, WS, WSS...
    pub transport: String,
    /// Sent-by host, lower-cased; IPv6 without brackets.
    pub host: String,
    pub port: Option<u16>,
    pub branch: Option<String>,
    /// `None`: no rport; `Some(None)`: rport without a value (asked for).
    pub rport: Option<Option<u16>>,
    pub received: Option<String>,
    pub maddr: Option<String>,
}

/// RFC 3261 §8.1.1.7 magic cookie.
pub const BRANCH_COOKIE: &str = "z9hG4bK";

impl ViaInfo {
    /// Parse one Via value (`SIP/2.0/UDP host:port;branch=...`), allowing LWS
    /// around the slashes and the colon (RFC 3261 §25).
    pub fn parse(value: &str) -> Result<Self, SipError> {
        let bad = |why: &str| SipError::Malformed(format!("bad Via ({why})"));
        let parts = split_outside(value, ';');
        let head = parts.first().copied().unwrap_or("");
        let mut protocol = head.splitn(3, '/');
        let name = protocol.next().unwrap_or("").trim();
        let version = protocol.next().unwrap_or("").trim();
        let rest = protocol
            .next()
            .ok_or_else(|| bad("no sent-protocol"))?
            .trim_start();
        if !name.eq_ignore_ascii_case("SIP") || version != "2.0" {
            return Err(bad("not SIP/2.0"));
        }
        let t_end = rest
            .find(|c: char| c.is_whitespace())
            .ok_or_else(|| bad("no sent-by"))?;
        let transport = &rest[..t_end];
        if !is_token(transport) {
            return Err(bad("transport"));
        }
        let sent_by: String = rest[t_end..]
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        let (host, port) = split_host_port(&sent_by).ok_or_else(|| bad("sent-by"))?;
        let mut via = ViaInfo {
            transport: transport.to_ascii_uppercase(),
            host,
            port,
            branch: None,
            rport: None,
            received: None,
            maddr: None,
        };
        for (n, v) in parse_params(&parts[1..].join(";")) {
            match (n.as_str(), v) {
                ("branch", Some(v)) if !v.is_empty() => via.branch = Some(v),
                ("branch", _) => return Err(bad("empty branch")),
                ("rport", None) => via.rport = Some(None),
                ("rport", Some(v)) if v.is_empty() => via.rport = Some(None),
                ("rport", Some(v)) => {
                    via.rport = Some(Some(parse_port(&v).ok_or_else(|| bad("rport"))?))
                }
                ("received", Some(v)) => via.received = Some(v),
                ("maddr", Some(v)) => via.maddr = Some(v),
                _ => {}
            }
        }
        Ok(via)
    }

    /// `host[:port]` as written in a Via (IPv6 in brackets).
    pub fn sent_by(&self) -> String {
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        match self.port {
            Some(p) => format!("{host}:{p}"),
            None => host,
        }
    }

    /// Whether the branch carries the RFC 3261 magic cookie.
    pub fn has_rfc3261_branch(&self) -> bool {
        self.branch
            .as_deref()
            .is_some_and(|b| b.starts_with(BRANCH_COOKIE))
    }
}

fn parse_port(s: &str) -> Option<u16> {
    if s.is_empty() || s.len() > 5 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// `host[:port]` → (lower-cased host without brackets, port).
fn split_host_port(s: &str) -> Option<(String, Option<u16>)> {
    let (host, port) = if let Some(v6) = s.strip_prefix('[') {
        let (h, rest) = v6.split_once(']')?;
        h.parse::<std::net::Ipv6Addr>().ok()?;
        let port = match rest {
            "" => None,
            r => Some(parse_port(r.strip_prefix(':')?)?),
        };
        (h, port)
    } else {
        match s.split_once(':') {
            Some((h, p)) => (h, Some(parse_port(p)?)),
            None => (s, None),
        }
    };
    let host_ok = !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b':'));
    host_ok.then(|| (host.to_ascii_lowercase(), port))
}

fn parse_ip(s: &str) -> Option<IpAddr> {
    s.trim_start_matches('[').trim_end_matches(']').parse().ok()
}

/// Index of the first Via header and its first (topmost) value.
fn top_via_raw(msg: &impl HasHeaders) -> Result<(usize, String), SipError> {
    msg.headers()
        .iter()
        .map(name_value)
        .enumerate()
        .find(|(_, (n, _))| same_name(n, "Via"))
        .and_then(|(i, (_, v))| split_list(v).first().map(|t| (i, t.to_string())))
        .ok_or_else(|| SipError::Malformed("no Via".into()))
}

/// The topmost Via of a message.
pub fn top_via(msg: &impl HasHeaders) -> Result<ViaInfo, SipError> {
    ViaInfo::parse(&top_via_raw(msg)?.1)
}

/// All Via values, topmost first (comma lists split).
pub fn vias(msg: &impl HasHeaders) -> Vec<String> {
    header_values(msg, "Via")
        .into_iter()
        .flat_map(split_list)
        .map(str::to_string)
        .collect()
}

/// RFC 3261 §18.2.1 and RFC 3581 §4: on a received request, add `received=`
/// when the sent-by host is not the source IP, and fill in `rport` (with
/// `received`) when the client asked for it. Any `received` the client put
/// there itself is replaced, so responses cannot be reflected elsewhere.
pub fn stamp_received(req: &mut rsip::Request, source: SocketAddr) -> Result<(), SipError> {
    let (index, first) = top_via_raw(req)?;
    let via = ViaInfo::parse(&first)?;
    let ip = source.ip().to_canonical();
    let same_ip = parse_ip(&via.host).is_some_and(|h| h.to_canonical() == ip);
    let mut parts = split_outside(&first, ';').into_iter();
    let mut value = parts.next().unwrap_or("").trim_end().to_string();
    for p in parts {
        let name = p
            .split('=')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        match name.as_str() {
            "received" => {}
            "rport" => value.push_str(&format!(";rport={}", source.port())),
            _ => {
                value.push(';');
                value.push_str(p.trim());
            }
        }
    }
    if !same_ip || via.rport.is_some() {
        value.push_str(&format!(";received={ip}"));
    }
    // The stored header may hold a list: keep the values below the top one.
    let stored: Vec<Header> = std::mem::take(req.headers_mut()).into();
    let mut out = Vec::with_capacity(stored.len() + 1);
    for (i, h) in stored.into_iter().enumerate() {
        if i == index {
            let full = name_value(&h).1.to_string();
            out.push(make_header("Via", value.clone()));
            for rest in split_list(&full).into_iter().skip(1) {
                out.push(make_header("Via", rest.to_string()));
            }
        } else {
            out.push(h);
        }
    }
    *req.headers_mut() = out.into();
    Ok(())
}

/// RFC 3261 §18.2.2 with RFC 3581: where a response to `req` goes. Reliable
/// transports answer on the connection the request came on; on UDP the
/// response goes to `received` (or the sent-by IP, or the source IP when
/// sent-by is a name) and to the source port when `rport` is present, else
/// the sent-by port or 5060. `maddr` is ignored: we are not multicast.
pub fn response_destination(req: &rsip::Request, source: Peer) -> Peer {
    if source.transport.is_reliable() {
        return source;
    }
    let Ok(via) = top_via(req) else {
        return source;
    };
    let ip = via
        .received
        .as_deref()
        .and_then(parse_ip)
        .or_else(|| parse_ip(&via.host))
        .unwrap_or_else(|| source.addr.ip());
    let port = match via.rport {
        Some(Some(p)) => p,
        Some(None) => source.addr.port(),
        None => via.port.unwrap_or(5060),
    };
    Peer {
        transport: source.transport,
        addr: SocketAddr::new(ip, port),
        conn: source.conn,
    }
}

// ---------------------------------------------------------------------------
// Accessors

fn single<'a>(msg: &'a impl HasHeaders, name: &str) -> Result<&'a str, SipError> {
    header(msg, name).ok_or_else(|| SipError::Malformed(format!("no {name}")))
}

/// The Call-ID.
pub fn call_id(msg: &impl HasHeaders) -> Result<String, SipError> {
    Ok(single(msg, "Call-ID")?.trim().to_string())
}

/// The CSeq number and method token.
fn cseq_parts(value: &str) -> Result<(u32, &str), SipError> {
    let bad = || SipError::Malformed("bad CSeq".into());
    let mut it = value.split_whitespace();
    let (num, method) = (it.next().ok_or_else(bad)?, it.next().ok_or_else(bad)?);
    if it.next().is_some()
        || !is_token(method)
        || num.len() > 10
        || !num.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(bad());
    }
    let n: u32 = num.parse().map_err(|_| bad())?;
    if n > MAX_CSEQ {
        return Err(bad());
    }
    Ok((n, method))
}

/// The CSeq number and method.
pub fn cseq(msg: &impl HasHeaders) -> Result<(u32, Method), SipError> {
    let (n, m) = cseq_parts(single(msg, "CSeq")?)?;
    let method = method_from_token(m)
        .ok_or_else(|| SipError::Malformed(format!("unknown CSeq method {m}")))?;
    Ok((n, method))
}

/// The tag of the From header, if any.
pub fn from_tag(msg: &impl HasHeaders) -> Option<String> {
    header(msg, "From").and_then(tag_param)
}

/// The tag of the To header, if any.
pub fn to_tag(msg: &impl HasHeaders) -> Option<String> {
    header(msg, "To").and_then(tag_param)
}

/// A method from its token; methods are case-sensitive (RFC 3261 §7.1).
pub fn method_from_token(token: &str) -> Option<Method> {
    Some(match token {
        "ACK" => Method::Ack,
        "BYE" => Method::Bye,
        "CANCEL" => Method::Cancel,
        "INFO" => Method::Info,
        "INVITE" => Method::Invite,
        "MESSAGE" => Method::Message,
        "NOTIFY" => Method::Notify,
        "OPTIONS" => Method::Options,
        "PRACK" => Method::PRack,
        "PUBLISH" => Method::Publish,
        "REFER" => Method::Refer,
        "REGISTER" => Method::Register,
        "SUBSCRIBE" => Method::Subscribe,
        "UPDATE" => Method::Update,
        _ => return None,
    })
}

// ---------------------------------------------------------------------------
// Identifiers

fn random_hex(len: usize) -> String {
    let mut s = format!(
        "{:032x}{:032x}",
        rand::random::<u128>(),
        rand::random::<u128>()
    );
    s.truncate(len.min(64));
    s
}

/// A fresh RFC 3261 branch (magic cookie + 64 random bits).
pub fn new_branch() -> String {
    format!("{BRANCH_COOKIE}{}", random_hex(16))
}

/// A fresh From/To tag.
pub fn new_tag() -> String {
    random_hex(12)
}

/// A fresh Call-ID at `host`.
pub fn new_call_id(host: &str) -> String {
    format!("{}@{}", random_hex(24), host)
}

// ---------------------------------------------------------------------------
// Status codes and responses

/// The RFC reason phrase of a status code (a generic one for unknown codes).
pub fn reason_phrase(code: u16) -> &'static str {
    standard_reason(code).unwrap_or(match code {
        100..=199 => "Provisional",
        200..=299 => "Success",
        300..=399 => "Redirection",
        400..=499 => "Client Error",
        500..=599 => "Server Error",
        _ => "Global Failure",
    })
}

fn standard_reason(code: u16) -> Option<&'static str> {
    Some(match code {
        100 => "Trying",
        180 => "Ringing",
        181 => "Call Is Being Forwarded",
        182 => "Queued",
        183 => "Session Progress",
        199 => "Early Dialog Terminated",
        200 => "OK",
        202 => "Accepted",
        204 => "No Notification",
        300 => "Multiple Choices",
        301 => "Moved Permanently",
        302 => "Moved Temporarily",
        305 => "Use Proxy",
        380 => "Alternative Service",
        400 => "Bad Request",
        401 => "Unauthorized",
        402 => "Payment Required",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        407 => "Proxy Authentication Required",
        408 => "Request Timeout",
        410 => "Gone",
        413 => "Request Entity Too Large",
        414 => "Request-URI Too Long",
        415 => "Unsupported Media Type",
        416 => "Unsupported URI Scheme",
        420 => "Bad Extension",
        421 => "Extension Required",
        422 => "Session Interval Too Small",
        423 => "Interval Too Brief",
        480 => "Temporarily Unavailable",
        481 => "Call/Transaction Does Not Exist",
        482 => "Loop Detected",
        483 => "Too Many Hops",
        484 => "Address Incomplete",
        485 => "Ambiguous",
        486 => "Busy Here",
        487 => "Request Terminated",
        488 => "Not Acceptable Here",
        489 => "Bad Event",
        491 => "Request Pending",
        493 => "Undecipherable",
        500 => "Server Internal Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Server Time-out",
        505 => "Version Not Supported",
        513 => "Message Too Large",
        580 => "Precondition Failure",
        600 => "Busy Everywhere",
        603 => "Decline",
        604 => "Does Not Exist Anywhere",
        606 => "Not Acceptable",
        _ => return None,
    })
}

/// The reason phrase we write for a status: the one given, else the RFC's
/// (rsip's own Display prints variant names such as `RequestTerminated`).
pub fn reason_of(status: &StatusCode) -> String {
    match status {
        StatusCode::Other(_, reason) if reason != "Other" && !reason.is_empty() => reason.clone(),
        other => reason_phrase(other.code()).to_string(),
    }
}

/// A status with our reason phrase. Without one, the typed rsip variant is
/// used (so `== StatusCode::OK` works); with one, `StatusCode::Other`. Either
/// way compare statuses with `.code()`.
pub fn status(code: u16, reason: Option<&str>) -> StatusCode {
    match reason {
        Some(r) => StatusCode::Other(code, sanitize_line(r, MAX_REASON_LEN)),
        None => match StatusCode::from(code) {
            StatusCode::Other(c, _) => StatusCode::Other(c, reason_phrase(c).to_string()),
            known => known,
        },
    }
}

/// The value of our `Server` / `User-Agent` header.
pub fn server_name() -> String {
    format!("diemcau/{}", env!("CARGO_PKG_VERSION"))
}

/// A response to `req` (RFC 3261 §8.2.6): Via(s), From, To (with `to_tag`
/// added when To has none), Call-ID and CSeq copied; Timestamp copied on a
/// 100; `Server` and `Content-Length: 0` added.
pub fn response(
    req: &rsip::Request,
    code: u16,
    reason: Option<&str>,
    to_tag: Option<&str>,
) -> rsip::Response {
    let mut headers: Vec<Header> = Vec::new();
    let (mut from, mut to, mut call_id, mut cseq) = (false, false, false, false);
    for h in req.headers.iter() {
        let (name, value) = name_value(h);
        let name = expand_compact(name);
        let once = |seen: &mut bool| !std::mem::replace(seen, true);
        if name.eq_ignore_ascii_case("Via") {
            for v in split_list(value) {
                headers.push(make_header("Via", v.to_string()));
            }
        } else if name.eq_ignore_ascii_case("From") && once(&mut from) {
            headers.push(make_header("From", value.to_string()));
        } else if name.eq_ignore_ascii_case("To") && once(&mut to) {
            let value = match to_tag {
                Some(tag) if tag_param(value).is_none() => format!("{value};tag={tag}"),
                _ => value.to_string(),
            };
            headers.push(make_header("To", value));
        } else if name.eq_ignore_ascii_case("Call-ID") && once(&mut call_id) {
            headers.push(make_header("Call-ID", value.to_string()));
        } else if name.eq_ignore_ascii_case("CSeq") && once(&mut cseq) {
            headers.push(make_header("CSeq", value.to_string()));
        } else if name.eq_ignore_ascii_case("Timestamp") && code == 100 {
            headers.push(make_header("Timestamp", value.to_string()));
        }
    }
    headers.push(make_header("Server", server_name()));
    headers.push(make_header("Content-Length", "0".to_string()));
    rsip::Response {
        status_code: status(code, reason),
        version: rsip::Version::V2,
        headers: headers.into(),
        body: Vec::new(),
    }
}

/// A CANCEL for an INVITE we sent (RFC 3261 §9.1): same Request-URI,
/// Call-ID, From, To, CSeq number and top Via (so the same branch), Routes
/// copied.
pub fn build_cancel(invite: &rsip::Request) -> Result<rsip::Request, SipError> {
    let (n, _) = cseq(invite)?;
    let (_, via) = top_via_raw(invite)?;
    let mut headers = vec![
        make_header("Via", via),
        make_header("Max-Forwards", "70".into()),
    ];
    for name in ["From", "To", "Call-ID"] {
        headers.push(make_header(name, single(invite, name)?.to_string()));
    }
    headers.push(make_header("CSeq", format!("{n} CANCEL")));
    for r in header_values(invite, "Route") {
        headers.push(make_header("Route", r.to_string()));
    }
    headers.push(make_header("User-Agent", server_name()));
    headers.push(make_header("Content-Length", "0".into()));
    Ok(rsip::Request {
        method: Method::Cancel,
        uri: invite.uri.clone(),
        version: rsip::Version::V2,
        headers: headers.into(),
        body: Vec::new(),
    })
}

// ---------------------------------------------------------------------------
// Bodies and serialisation

/// Messages with a body we can set.
pub trait SipBody: HasHeaders {
    fn body_vec(&mut self) -> &mut Vec<u8>;
}

impl SipBody for rsip::Request {
    fn body_vec(&mut self) -> &mut Vec<u8> {
        &mut self.body
    }
}

impl SipBody for rsip::Response {
    fn body_vec(&mut self) -> &mut Vec<u8> {
        &mut self.body
    }
}

impl SipBody for rsip::SipMessage {
    fn body_vec(&mut self) -> &mut Vec<u8> {
        self.body_mut()
    }
}

/// Replace the body, keeping Content-Type and Content-Length in step (an
/// empty body drops Content-Type).
pub fn set_body(msg: &mut impl SipBody, content_type: &str, body: Vec<u8>) {
    if body.is_empty() {
        remove_header(msg, "Content-Type");
    } else {
        set_header(msg, "Content-Type", content_type);
    }
    set_header(msg, "Content-Length", body.len().to_string());
    *msg.body_vec() = body;
}

fn encode_parts(start: String, headers: &rsip::Headers, body: &[u8]) -> Bytes {
    let mut out = Vec::with_capacity(start.len() + 512 + body.len());
    out.extend_from_slice(start.as_bytes());
    out.extend_from_slice(b"\r\n");
    let mut wrote_length = false;
    for h in headers.iter() {
        let (name, value) = name_value(h);
        if same_name(name, "Content-Length") {
            if !wrote_length {
                out.extend_from_slice(format!("Content-Length: {}\r\n", body.len()).as_bytes());
                wrote_length = true;
            }
            continue;
        }
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b": ");
        // A CR or LF in a value would inject headers: flatten it.
        for c in value.chars() {
            let c = if c == '\r' || c == '\n' { ' ' } else { c };
            let mut buf = [0u8; 4];
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
        }
        out.extend_from_slice(b"\r\n");
    }
    if !wrote_length {
        out.extend_from_slice(format!("Content-Length: {}\r\n", body.len()).as_bytes());
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(body);
    Bytes::from(out)
}

/// Wire form of a request: raw body bytes (rsip's Display would re-encode a
/// binary body lossily) and a Content-Length that matches the body.
pub fn encode_request(req: &rsip::Request) -> Bytes {
    encode_parts(
        format!("{} {} SIP/2.0", req.method, uri_string(&req.uri)),
        &req.headers,
        &req.body,
    )
}

/// Wire form of a response, with a proper reason phrase.
pub fn encode_response(resp: &rsip::Response) -> Bytes {
    let start = format!(
        "SIP/2.0 {} {}",
        resp.status_code.code(),
        sanitize_line(&reason_of(&resp.status_code), MAX_REASON_LEN)
    );
    encode_parts(start, &resp.headers, &resp.body)
}

/// Wire form of any message.
pub fn encode(msg: &rsip::SipMessage) -> Bytes {
    match msg {
        rsip::SipMessage::Request(r) => encode_request(r),
        rsip::SipMessage::Response(r) => encode_response(r),
    }
}

// ---------------------------------------------------------------------------
// Parsing

/// Offset just past the empty line ending the header section, searching from
/// `from` (lines may end in CRLF or a bare LF).
pub(crate) fn header_block_end(buf: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    while let Some(off) = buf.get(i..)?.iter().position(|&b| b == b'\n') {
        let lf = i + off;
        match (buf.get(lf + 1), buf.get(lf + 2)) {
            (Some(b'\n'), _) => return Some(lf + 2),
            (Some(b'\r'), Some(b'\n')) => return Some(lf + 3),
            _ => i = lf + 1,
        }
    }
    None
}

/// The bytes after leading CR/LF (RFC 3261 §7.5: ignored before a start line).
fn skip_leading_newlines(buf: &[u8]) -> &[u8] {
    let n = buf
        .iter()
        .take_while(|b| matches!(b, b'\r' | b'\n'))
        .count();
    buf.get(n..).unwrap_or_default()
}

/// Lines of a header section (start line first), continuation lines folded
/// into the previous one with a single space. Raw bytes: callers decide how
/// to treat non-UTF-8.
fn logical_lines(head: &[u8]) -> Vec<Vec<u8>> {
    let mut lines: Vec<Vec<u8>> = Vec::new();
    for line in head.split(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            continue;
        }
        // A folded line continues a header, never the start line.
        let folded = matches!(line.first(), Some(b' ' | b'\t')) && lines.len() > 1;
        match lines.last_mut() {
            Some(prev) if folded => {
                while prev.last().is_some_and(|b| *b == b' ' || *b == b'\t') {
                    prev.pop();
                }
                prev.push(b' ');
                let start = line
                    .iter()
                    .position(|b| *b != b' ' && *b != b'\t')
                    .unwrap_or(line.len());
                prev.extend_from_slice(line.get(start..).unwrap_or_default());
            }
            _ => lines.push(line.to_vec()),
        }
    }
    lines
}

/// The Content-Length among header values: all copies must agree.
fn content_length<'a>(values: impl Iterator<Item = &'a str>) -> Result<Option<usize>, SipError> {
    let mut found: Option<usize> = None;
    for v in values {
        let v = v.trim();
        if v.is_empty() || v.len() > 9 || !v.bytes().all(|b| b.is_ascii_digit()) {
            return Err(SipError::Malformed("bad Content-Length".into()));
        }
        let n: usize = v
            .parse()
            .map_err(|_| SipError::Malformed("bad Content-Length".into()))?;
        if found.is_some_and(|f| f != n) {
            return Err(SipError::Malformed("conflicting Content-Length".into()));
        }
        found = Some(n);
    }
    Ok(found)
}

/// The Content-Length declared in a raw header section (for stream framing).
pub(crate) fn content_length_of_head(head: &[u8]) -> Result<Option<usize>, SipError> {
    let lines = logical_lines(head);
    let values: Vec<String> = lines
        .iter()
        .skip(1)
        .filter_map(|l| {
            let text = String::from_utf8_lossy(l);
            let (n, v) = text.split_once(':')?;
            same_name(n.trim(), "Content-Length").then(|| v.to_string())
        })
        .collect();
    content_length(values.iter().map(String::as_str))
}

/// Why a start line is refused, and the status a request gets for it.
struct LineError {
    code: u16,
    reason: String,
}

impl LineError {
    fn bad(reason: impl Into<String>) -> Self {
        Self {
            code: 400,
            reason: reason.into(),
        }
    }
}

enum StartLine<'a> {
    Request { method: Method, uri: &'a str },
    Response { code: u16, reason: &'a str },
}

fn check_version(v: &str) -> Result<(), LineError> {
    let Some(num) = v
        .get(..4)
        .filter(|p| p.eq_ignore_ascii_case("SIP/"))
        .and(v.get(4..))
    else {
        return Err(LineError::bad("bad SIP version"));
    };
    if num == "2.0" {
        return Ok(());
    }
    match num.split_once('.') {
        Some((a, b))
            if !a.is_empty()
                && !b.is_empty()
                && (a.bytes().chain(b.bytes())).all(|c| c.is_ascii_digit()) =>
        {
            Err(LineError {
                code: 505,
                reason: format!("SIP version {num} not supported"),
            })
        }
        _ => Err(LineError::bad("bad SIP version")),
    }
}

fn check_start_line(line: &str) -> Result<StartLine<'_>, LineError> {
    if line.starts_with("SIP/") || line.starts_with("sip/") {
        let mut it = line.splitn(3, ' ');
        check_version(it.next().unwrap_or(""))?;
        let code = it.next().unwrap_or("");
        if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(LineError::bad("bad status code"));
        }
        let code: u16 = code
            .parse()
            .map_err(|_| LineError::bad("bad status code"))?;
        if !(100..=699).contains(&code) {
            return Err(LineError::bad("bad status code"));
        }
        return Ok(StartLine::Response {
            code,
            reason: it.next().unwrap_or(""),
        });
    }
    let parts: Vec<&str> = line.split(' ').collect();
    let [method, uri, version] = parts.as_slice() else {
        return Err(LineError::bad("bad request line"));
    };
    if !is_token(method) || uri.is_empty() || uri.contains(char::is_whitespace) {
        return Err(LineError::bad("bad request line"));
    }
    check_version(version)?;
    let scheme = uri.split_once(':').map(|(s, _)| s).unwrap_or("");
    if !is_token(scheme) {
        return Err(LineError::bad("bad Request-URI"));
    }
    // RFC 3261 §19.1.1: URI headers are not allowed in a Request-URI.
    if uri.contains('?') {
        return Err(LineError::bad("Request-URI with headers"));
    }
    if !scheme.eq_ignore_ascii_case("sip") && !scheme.eq_ignore_ascii_case("sips") {
        return Err(LineError {
            code: 416,
            reason: format!("URI scheme {scheme} not supported"),
        });
    }
    let method = method_from_token(method).ok_or_else(|| LineError {
        code: 501,
        reason: format!("method {method} not implemented"),
    })?;
    Ok(StartLine::Request { method, uri })
}

/// Parse one complete message: a UDP datagram or a frame from
/// [`super::framing`]. Enforces the size and header limits, checks Via
/// (at least one, each parseable), From, To, Call-ID and CSeq (exactly one
/// each, parseable; a request's CSeq method equals its method), Max-Forwards
/// if present, and Content-Length: a longer body is cut to it, a shorter one
/// is an error, none means the rest of the datagram. Compact names are
/// expanded, folded lines joined, Via lists split into one header per value.
/// Non-UTF-8 in header values (old terminals' Latin-1 display names) is
/// replaced, not refused; Call-ID, Via and CSeq must still be well-formed.
pub fn parse(bytes: &[u8]) -> Result<rsip::SipMessage, SipError> {
    if bytes.len() > MAX_MESSAGE_SIZE {
        return Err(SipError::TooLarge(bytes.len()));
    }
    let raw = skip_leading_newlines(bytes);
    if raw.is_empty() {
        return Err(SipError::Malformed("empty message".into()));
    }
    let head_end = header_block_end(raw, 0)
        .ok_or_else(|| SipError::Malformed("header section not terminated (truncated?)".into()))?;
    let (head, rest) = raw.split_at(head_end);
    let lines = logical_lines(head);
    let first = lines
        .first()
        .ok_or_else(|| SipError::Malformed("empty message".into()))?;
    let first = std::str::from_utf8(first)
        .map_err(|_| SipError::Malformed("non-UTF-8 start line".into()))?;
    if first.chars().any(char::is_control) {
        return Err(SipError::Malformed(
            "control character in start line".into(),
        ));
    }
    let start = check_start_line(first).map_err(|e| SipError::Malformed(e.reason))?;

    // (canonical name, value) in order; Via lists split.
    let mut fields: Vec<(String, String)> = Vec::with_capacity(lines.len());
    for line in lines.iter().skip(1) {
        if line.len() > MAX_HEADER_LEN {
            return Err(SipError::Malformed("header too long".into()));
        }
        let text = String::from_utf8_lossy(line);
        let (name, value) = text
            .split_once(':')
            .ok_or_else(|| SipError::Malformed("header line without colon".into()))?;
        let name = name.trim_end_matches([' ', '\t']);
        if !is_token(name) {
            return Err(SipError::Malformed("bad header name".into()));
        }
        let value = sanitize_line(value, MAX_HEADER_LEN);
        let canonical = canonical_name(name);
        if canonical == "Via" {
            let items = split_list(&value);
            if items.is_empty() {
                return Err(SipError::Malformed("empty Via".into()));
            }
            fields.extend(
                items
                    .into_iter()
                    .map(|v| ("Via".to_string(), v.to_string())),
            );
        } else {
            fields.push((canonical.to_string(), value));
        }
        if fields.len() > MAX_HEADERS {
            return Err(SipError::Malformed("too many headers".into()));
        }
    }

    let length = content_length(
        fields
            .iter()
            .filter(|f| f.0 == "Content-Length")
            .map(|f| f.1.as_str()),
    )?;
    let body = match length {
        Some(n) => rest
            .get(..n)
            .ok_or_else(|| SipError::Malformed("body shorter than Content-Length".into()))?,
        None => rest,
    };
    validate_fields(&start, &fields)?;

    let mut v6_host = None;
    let start_text = match &start {
        StartLine::Request { method, uri } => match hide_ipv6_host(uri) {
            Some((uri, ip)) => {
                v6_host = Some(ip);
                format!("{method} {uri} SIP/2.0")
            }
            None => format!("{method} {uri} SIP/2.0"),
        },
        StartLine::Response { code, reason } => format!("SIP/2.0 {code} {reason}"),
    };
    let mut text = Vec::with_capacity(head.len() + body.len() + 32);
    text.extend_from_slice(start_text.as_bytes());
    text.extend_from_slice(b"\r\n");
    for (name, value) in fields.iter().filter(|f| f.0 != "Content-Length") {
        text.extend_from_slice(format!("{name}: {value}\r\n").as_bytes());
    }
    text.extend_from_slice(format!("Content-Length: {}\r\n\r\n", body.len()).as_bytes());
    text.extend_from_slice(body);

    let parsed = catch_unwind(AssertUnwindSafe(|| {
        rsip::SipMessage::try_from(text.as_slice())
    }))
    .map_err(|_| SipError::Malformed("parser failure".into()))?;
    match (parsed, &start) {
        (Ok(rsip::SipMessage::Request(mut r)), _) => {
            if let Some(ip) = v6_host {
                r.uri.host_with_port.host = rsip::Host::IpAddr(IpAddr::V6(ip));
            }
            Ok(rsip::SipMessage::Request(r))
        }
        (Ok(msg), _) => Ok(msg),
        (Err(_), StartLine::Request { .. }) => {
            Err(SipError::Malformed("unsupported Request-URI".into()))
        }
        (Err(_), StartLine::Response { .. }) => {
            Err(SipError::Malformed("unparseable response".into()))
        }
    }
}

/// Stands in for a bracketed IPv6 host while rsip reads a Request-URI.
const V6_PLACEHOLDER: &str = "ipv6-host.invalid";

/// rsip 0.4 splits a URI's host and port at the first colon, so it cannot
/// read `sip:x@[2001:db8::1]:5060`. Returns the URI with the host replaced by
/// a placeholder and the address, which `parse` puts back afterwards.
fn hide_ipv6_host(uri: &str) -> Option<(String, std::net::Ipv6Addr)> {
    let colon = uri.find(':')?;
    let start = match uri.find('@') {
        Some(at) if at > colon => at + 1,
        _ => colon + 1,
    };
    let inner = uri.get(start..)?.strip_prefix('[')?;
    let (addr, tail) = inner.split_once(']')?;
    let ip = addr.parse().ok()?;
    Some((format!("{}{V6_PLACEHOLDER}{tail}", uri.get(..start)?), ip))
}

/// A URI as written on the wire. rsip's Display drops the brackets of an
/// IPv6 host (`sip:x@2001:db8::1:5060` is unreadable), so those are added.
pub fn uri_string(uri: &rsip::Uri) -> String {
    let rsip::Host::IpAddr(IpAddr::V6(ip)) = &uri.host_with_port.host else {
        return uri.to_string();
    };
    let mut out = match &uri.scheme {
        Some(rsip::Scheme::Other(s)) => format!("{s}://"),
        Some(s) => format!("{s}:"),
        None => String::new(),
    };
    if let Some(auth) = &uri.auth {
        out.push_str(&format!("{auth}@"));
    }
    out.push_str(&format!("[{ip}]"));
    if let Some(port) = &uri.host_with_port.port {
        out.push_str(&format!(":{port}"));
    }
    for p in &uri.params {
        out.push_str(&p.to_string());
    }
    out
}

/// Canonical spelling of a header name: the common names and the compact
/// forms' long names; others as received.
fn canonical_name(name: &str) -> &str {
    let long = expand_compact(name);
    KNOWN_NAMES
        .iter()
        .find(|k| k.eq_ignore_ascii_case(long))
        .copied()
        .unwrap_or(long)
}

const KNOWN_NAMES: &[&str] = &[
    "Via",
    "From",
    "To",
    "Call-ID",
    "CSeq",
    "Max-Forwards",
    "Content-Length",
    "Content-Type",
    "Contact",
    "Route",
    "Record-Route",
    "Supported",
    "Require",
    "Allow",
    "Expires",
    "User-Agent",
    "Server",
    "Authorization",
    "WWW-Authenticate",
    "Proxy-Authorization",
    "Proxy-Authenticate",
    "Session-Expires",
    "Min-SE",
    "Subject",
    "Content-Encoding",
    "Event",
    "Refer-To",
    "Referred-By",
    "Allow-Events",
    "Timestamp",
    "Min-Expires",
];

fn validate_fields(start: &StartLine<'_>, fields: &[(String, String)]) -> Result<(), SipError> {
    let mal = |s: String| SipError::Malformed(s);
    let one = |key: &str| -> Result<&str, SipError> {
        let mut it = fields.iter().filter(|f| f.0 == key);
        let first = it.next().ok_or_else(|| mal(format!("no {key}")))?;
        if it.next().is_some() {
            return Err(mal(format!("more than one {key}")));
        }
        Ok(first.1.as_str())
    };
    let mut via_count = 0;
    for (_, v) in fields.iter().filter(|f| f.0 == "Via") {
        ViaInfo::parse(v)?;
        via_count += 1;
    }
    if via_count == 0 {
        return Err(mal("no Via".into()));
    }
    for key in ["From", "To"] {
        if !valid_addr(one(key)?) {
            return Err(mal(format!("bad {key}")));
        }
    }
    let call_id = one("Call-ID")?;
    if call_id.is_empty() || !call_id.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(mal("bad Call-ID".into()));
    }
    let (_, cseq_method) = cseq_parts(one("CSeq")?)?;
    if let StartLine::Request { method, .. } = start {
        if cseq_method != method.to_string() {
            return Err(mal("CSeq method does not match the request".into()));
        }
    }
    for (_, v) in fields.iter().filter(|f| f.0 == "Max-Forwards") {
        // Leading zeros are allowed (RFC 4475 §3.1.1.1 sends 0068).
        let digits = !v.is_empty() && v.len() <= 10 && v.bytes().all(|b| b.is_ascii_digit());
        match v.parse::<u64>() {
            Ok(n) if digits && n <= 255 => {}
            _ => return Err(mal("bad Max-Forwards".into())),
        }
    }
    Ok(())
}

/// For input that failed [`parse`] but looks like a request: an error
/// response built from the Via/From/To/Call-ID/CSeq lines that can be
/// scraped. 400 with `reason`, except 501 for an unknown method, 505 for
/// another SIP version and 416 for a non-SIP Request-URI (RFC 3261 §8.2).
/// None for responses, ACKs, garbage, or requests without a Via.
pub fn bad_request_for(raw: &[u8], reason: &str) -> Option<Vec<u8>> {
    let raw = skip_leading_newlines(raw);
    let raw = raw.get(..raw.len().min(MAX_MESSAGE_SIZE))?;
    let head = &raw[..header_block_end(raw, 0).unwrap_or(raw.len())];
    let lines: Vec<String> = logical_lines(head)
        .iter()
        .map(|l| String::from_utf8_lossy(l).into_owned())
        .collect();
    let first = lines.first()?;
    let method = first.split(' ').next().unwrap_or("");
    if !is_token(method) || method.starts_with("SIP/") || method == "ACK" || !first.contains(' ') {
        return None;
    }
    let (mut code, mut phrase) = match check_start_line(first) {
        Err(e) if e.code != 400 => (e.code, reason_phrase(e.code).to_string()),
        _ => (400, sanitize_line(reason, MAX_REASON_LEN)),
    };
    if phrase.is_empty() {
        phrase = reason_phrase(code).to_string();
    }

    let mut vias = Vec::new();
    let (mut from, mut to, mut call_id, mut cseq) = (None, None, None, None);
    for line in lines.iter().skip(1) {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let name = expand_compact(name.trim());
        let value = sanitize_line(value, MAX_HEADER_LEN);
        if value.is_empty() {
            continue;
        }
        let slot = match name {
            n if n.eq_ignore_ascii_case("Via") => {
                vias.extend(split_list(&value).into_iter().map(str::to_string));
                continue;
            }
            n if n.eq_ignore_ascii_case("From") => &mut from,
            n if n.eq_ignore_ascii_case("To") => &mut to,
            n if n.eq_ignore_ascii_case("Call-ID") => &mut call_id,
            n if n.eq_ignore_ascii_case("CSeq") => &mut cseq,
            _ => continue,
        };
        slot.get_or_insert(value);
    }
    if vias.is_empty() {
        return None;
    }
    // An unknown method is only "not implemented" when the request is
    // otherwise consistent (RFC 4475 §3.1.2.16).
    let cseq_method = cseq.as_deref().and_then(|c| c.split_whitespace().nth(1));
    if code == 501 && cseq_method != Some(method) {
        code = 400;
        phrase = "CSeq method does not match the request".to_string();
    }
    let mut out = format!("SIP/2.0 {code} {phrase}\r\n");
    for v in vias.iter().take(MAX_COPIED_VIAS) {
        out.push_str(&format!("Via: {v}\r\n"));
    }
    if let Some(f) = from {
        out.push_str(&format!("From: {f}\r\n"));
    }
    if let Some(t) = to {
        match tag_param(&t) {
            Some(_) => out.push_str(&format!("To: {t}\r\n")),
            None => out.push_str(&format!("To: {t};tag={}\r\n", new_tag())),
        }
    }
    if let Some(c) = call_id {
        out.push_str(&format!("Call-ID: {c}\r\n"));
    }
    if let Some(c) = cseq {
        out.push_str(&format!("CSeq: {c}\r\n"));
    }
    out.push_str(&format!(
        "Server: {}\r\nContent-Length: 0\r\n\r\n",
        server_name()
    ));
    Some(out.into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sip::transport::{ConnId, TransportKind};

    const SDP: &str = "v=0\r\no=- 1 1 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\nm=audio 49170 RTP/AVP 0\r\n";

    fn invite_text() -> String {
        format!(
            "INVITE sip:1000@gw.example.com SIP/2.0\r\n\
             Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK74bf9;rport\r\n\
             Max-Forwards: 70\r\n\
             From: \"Room A\" <sip:101@example.com>;tag=9fxced76sl\r\n\
             To: <sip:1000@gw.example.com>\r\n\
             Call-ID: 3848276298220188511@192.0.2.10\r\n\
             CSeq: 1 INVITE\r\n\
             Contact: <sip:101@192.0.2.10:5060>\r\n\
             Timestamp: 54\r\n\
             Content-Type: application/sdp\r\n\
             Content-Length: {}\r\n\r\n{SDP}",
            SDP.len()
        )
    }

    fn req(text: &str) -> rsip::Request {
        match parse(text.as_bytes()) {
            Ok(rsip::SipMessage::Request(r)) => r,
            other => panic!("expected a request, got {other:?}"),
        }
    }

    fn err(text: &[u8]) -> String {
        match parse(text) {
            Err(e) => e.to_string(),
            Ok(m) => panic!("expected an error, parsed {m}"),
        }
    }

    fn udp(addr: &str) -> Peer {
        Peer {
            transport: TransportKind::Udp,
            addr: addr.parse().expect("test address"),
            conn: Some(ConnId(0)),
        }
    }

    #[test]
    fn parses_a_plain_invite() {
        let r = req(&invite_text());
        assert_eq!(r.method, Method::Invite);
        assert_eq!(r.body, SDP.as_bytes());
        assert_eq!(call_id(&r).unwrap(), "3848276298220188511@192.0.2.10");
        assert_eq!(cseq(&r).unwrap(), (1, Method::Invite));
        assert_eq!(from_tag(&r).as_deref(), Some("9fxced76sl"));
        assert_eq!(to_tag(&r), None);
        let via = top_via(&r).unwrap();
        assert_eq!(via.transport, "UDP");
        assert_eq!(via.host, "192.0.2.10");
        assert_eq!(via.port, Some(5060));
        assert_eq!(via.branch.as_deref(), Some("z9hG4bK74bf9"));
        assert_eq!(via.rport, Some(None));
        assert_eq!(via.received, None);
        // rsip's own accessors see the typed headers too.
        use rsip::prelude::HeadersExt;
        assert!(r.call_id_header().is_ok());
    }

    #[test]
    fn accepts_torture_style_valid_messages() {
        // Compact names, folding, LWS before colons and inside Via, mixed
        // case, a Via list, unknown headers, escaped R-URI, quoted display
        // names holding separators, leading CRLFs and bare LF line ends.
        let text = "\r\n\r\nINVITE sip:%61lice@gw.example.com;transport=udp SIP/2.0\n\
                    v: SIP / 2.0 / UDP  host1.example.com : 5070 ; branch = z9hG4bKa1 ; received=2001:db8::9,\n \
                    SIP/2.0/TCP [2001:db8::1]:5061;branch=z9hG4bKa0\n\
                    vIA: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKzz\n\
                    f: \"J, \\\"Rosenberg\\\" <x>; y\" <sip:jdrosen@example.com>  ;  tag = 98asjd8\n\
                    t: sip:1000@gw.example.com\n\
                    i: a84b4c76e66710@pc33.example.com\n\
                    CSEQ  :   8\n    INVITE\n\
                    Max-Forwards: 68\n\
                    m: <sip:101@host1.example.com:5070>\n\
                    k: timer, 100rel\n\
                    NewFangledHeader:   newfangled value\n  continued newfangled value\n\
                    UnknownHeaderWithUnusualValue: ;;,,;;,;\n\
                    l: 4\n\
                    \n\
                    abcdEXTRA";
        let r = req(text);
        assert_eq!(r.method, Method::Invite);
        assert_eq!(r.body, b"abcd", "UDP body is cut to Content-Length");
        let all = vias(&r);
        assert_eq!(all.len(), 3, "{all:?}");
        let top = top_via(&r).unwrap();
        assert_eq!(
            (top.host.as_str(), top.port),
            ("host1.example.com", Some(5070))
        );
        assert_eq!(top.branch.as_deref(), Some("z9hG4bKa1"));
        assert_eq!(top.received.as_deref(), Some("2001:db8::9"));
        let second = ViaInfo::parse(&all[1]).unwrap();
        assert_eq!(
            (second.transport.as_str(), second.host.as_str(), second.port),
            ("TCP", "2001:db8::1", Some(5061))
        );
        assert_eq!(second.sent_by(), "[2001:db8::1]:5061");
        assert_eq!(from_tag(&r).as_deref(), Some("98asjd8"));
        assert_eq!(cseq(&r).unwrap(), (8, Method::Invite));
        assert_eq!(header(&r, "Supported"), Some("timer, 100rel"));
        assert_eq!(header(&r, "k"), Some("timer, 100rel"));
        assert_eq!(
            header(&r, "newfangledheader"),
            Some("newfangled value continued newfangled value")
        );
        assert_eq!(
            header(&r, "Contact"),
            Some("<sip:101@host1.example.com:5070>")
        );
    }

    #[test]
    fn accepts_a_tortuous_invite() {
        // In the spirit of RFC 4475 §3.1.1.1: odd case, LWS everywhere,
        // folded values, escaped quotes, leading zeros.
        let body = "v=0\r\no=- 1 1 IN IP4 192.0.2.2\r\ns=-\r\nc=IN IP4 192.0.2.2\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n";
        let text = format!(
            "INVITE sip:room7@gw.example.com;unknownparam SIP/2.0\r\n\
             TO :\r\n sip:room7@gw.example.com ;   tag    = 8321234356\r\n\
             from   : \"Nguyen \\\\\\\"Le\\\"\"       <sip:nguyen@example.com>\r\n  ;\r\n  tag = 8a0sd\r\n\
             MaX-fOrWaRdS: 0068\r\n\
             Call-ID: tortuous.x7y@192.0.2.2\r\n\
             Content-Length   : {}\r\n\
             cseq: 0009\r\n  INVITE\r\n\
             Via  : SIP  /   2.0\r\n /UDP\r\n    192.0.2.2;branch=z9hG4bKtort\r\n\
             s :\r\n\
             Route:\r\n <sip:edge.example.com;lr;unknownwith=value;unknown-no-value>\r\n\
             v:  SIP  / 2.0  / TCP     edge.example.com   ;\r\n  branch  =   z9hG4bKe1  ,\r\n SIP  /    2.0   / UDP  10.9.8.7   ; branch=\r\n z9hG4bKe0\r\n\
             m:\"Quoted \\\"\\\"\" <sip:nguyen@192.0.2.2> ; newparam =\r\n      newvalue ;\r\n  secondparam ; q = 0.33\r\n\
             Content-Type: application/sdp\r\n\r\n{body}",
            body.len()
        );
        let r = req(&text);
        assert_eq!(r.body, body.as_bytes());
        assert_eq!(cseq(&r).unwrap(), (9, Method::Invite));
        assert_eq!(from_tag(&r).as_deref(), Some("8a0sd"));
        assert_eq!(to_tag(&r).as_deref(), Some("8321234356"));
        let v: Vec<ViaInfo> = vias(&r)
            .iter()
            .map(|v| ViaInfo::parse(v).unwrap())
            .collect();
        assert_eq!(v.len(), 3);
        assert_eq!(
            (v[0].host.as_str(), v[0].branch.as_deref()),
            ("192.0.2.2", Some("z9hG4bKtort"))
        );
        assert_eq!(
            (v[1].transport.as_str(), v[1].host.as_str()),
            ("TCP", "edge.example.com")
        );
        assert_eq!(v[2].branch.as_deref(), Some("z9hG4bKe0"));
        assert_eq!(header(&r, "Subject"), Some(""));
        assert!(header(&r, "Contact").unwrap().ends_with("q = 0.33"));
    }

    #[test]
    fn ipv6_request_uris_survive_rsip() {
        let text = invite_text().replace(
            "INVITE sip:1000@gw.example.com",
            "INVITE sip:1000@[2001:db8::10]:5070;transport=tcp",
        );
        let r = req(&text);
        assert_eq!(
            r.uri.host_with_port.host,
            rsip::Host::IpAddr("2001:db8::10".parse().unwrap())
        );
        assert_eq!(
            uri_string(&r.uri),
            "sip:1000@[2001:db8::10]:5070;transport=TCP"
        );
        let wire = encode_request(&r);
        assert!(wire.starts_with(b"INVITE sip:1000@[2001:db8::10]:5070;transport=TCP SIP/2.0\r\n"));
        assert!(parse(&wire).is_ok());
        let bare = invite_text().replace("INVITE sip:1000@gw.example.com", "INVITE sip:[::1]");
        assert_eq!(uri_string(&req(&bare).uri), "sip:[::1]");
        let broken = invite_text().replace(
            "INVITE sip:1000@gw.example.com",
            "INVITE sip:1000@[2001:db8::zz]",
        );
        assert!(parse(broken.as_bytes()).is_err());
    }

    #[test]
    fn accepts_unusual_responses() {
        let base = "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:c@d>;tag=2\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";
        for start in [
            "SIP/2.0 200 OK",
            "SIP/2.0 200 ",
            "SIP/2.0 200",
            "SIP/2.0 200 = 2**3 * 5**2 \u{43d}\u{43e} \u{441}\u{442}\u{43e}",
            "SIP/2.0 499 Something New",
        ] {
            let msg = parse(format!("{start}\r\n{base}").as_bytes())
                .unwrap_or_else(|e| panic!("{start}: {e}"));
            let rsip::SipMessage::Response(r) = msg else {
                panic!("{start}: not a response")
            };
            assert!(matches!(r.status_code.code(), 200 | 499), "{start}");
        }
        // A response's CSeq method may be one we do not know.
        assert!(parse(
            format!("SIP/2.0 200 OK\r\n{}", base.replace("1 OPTIONS", "1 FOO")).as_bytes()
        )
        .is_ok());
    }

    #[test]
    fn unknown_method_is_refused_with_501() {
        let text = invite_text()
            .replace("INVITE sip:", "FOO sip:")
            .replace("1 INVITE", "1 FOO");
        let e = err(text.as_bytes());
        assert!(e.contains("not implemented"), "{e}");
        let resp = bad_request_for(text.as_bytes(), &e).expect("a response");
        let resp = String::from_utf8(resp).unwrap();
        assert!(
            resp.starts_with("SIP/2.0 501 Not Implemented\r\n"),
            "{resp}"
        );
        assert!(resp.contains("CSeq: 1 FOO\r\n"), "{resp}");
        // Unknown method whose CSeq disagrees: a plain 400.
        let mismatch = invite_text().replace("INVITE sip:", "FOO sip:");
        let resp = bad_request_for(mismatch.as_bytes(), "x").unwrap();
        assert!(resp.starts_with(b"SIP/2.0 400 CSeq method does not match"));
        // Methods are case-sensitive: "invite" is an unknown extension.
        let lower = invite_text().replacen("INVITE sip:", "invite sip:", 1);
        assert!(err(lower.as_bytes()).contains("not implemented"));
    }

    #[test]
    fn refuses_bad_content_length() {
        let t = invite_text();
        let n = SDP.len();
        for bad in [
            "abc".to_string(),
            "-1".to_string(),
            (n + 1).to_string(),
            "99999999999".to_string(),
            String::new(),
        ] {
            let text = t.replace(
                &format!("Content-Length: {n}"),
                &format!("Content-Length: {bad}"),
            );
            let e = err(text.as_bytes());
            assert!(e.contains("Content-Length"), "{bad}: {e}");
        }
        let dup = t.replace("Content-Type:", &format!("l: {}\r\nContent-Type:", n - 1));
        assert!(err(dup.as_bytes()).contains("conflicting"));
        // Without Content-Length a datagram's body is the rest of it.
        let none = t.replace(&format!("Content-Length: {n}\r\n"), "");
        assert_eq!(req(&none).body, SDP.as_bytes());
    }

    #[test]
    fn refuses_missing_or_bad_mandatory_headers() {
        let t = invite_text();
        let via_line = "Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK74bf9;rport\r\n";
        let cases: Vec<(String, &str)> = vec![
            (t.replace(via_line, ""), "no Via"),
            (t.replace(via_line, "Via: garbage\r\n"), "bad Via"),
            (t.replace(via_line, "Via: SIP/2.0/UDP\r\n"), "bad Via"),
            (
                t.replace(via_line, "Via: SIP/2.0/UDP host:99999;branch=z9hG4bK1\r\n"),
                "bad Via",
            ),
            (
                t.replace("Call-ID: 3848276298220188511@192.0.2.10\r\n", ""),
                "no Call-ID",
            ),
            (t.replace("To: <sip:1000@gw.example.com>\r\n", ""), "no To"),
            (
                t.replace("To: <sip:1000@gw.example.com>", "To: nobody"),
                "bad To",
            ),
            (t.replace("CSeq: 1 INVITE", "CSeq: 1 BYE"), "CSeq method"),
            (t.replace("CSeq: 1 INVITE", "CSeq: INVITE"), "bad CSeq"),
            (
                t.replace("CSeq: 1 INVITE", "CSeq: 2147483648 INVITE"),
                "bad CSeq",
            ),
            (
                t.replace("Max-Forwards: 70", "Max-Forwards: 300"),
                "Max-Forwards",
            ),
            (
                t.replace("Call-ID:", "Call-ID: second\r\nCall-ID:"),
                "more than one Call-ID",
            ),
            (
                t.replace(
                    "INVITE sip:1000@gw.example.com SIP/2.0",
                    "INVITE  sip:1000@gw.example.com SIP/2.0",
                ),
                "request line",
            ),
            (
                t.replace("Max-Forwards: 70", "Max-Forwards 70"),
                "without colon",
            ),
            (
                t.replace("Max-Forwards: 70", "Max Forwards: 70"),
                "header name",
            ),
        ];
        for (text, want) in cases {
            let e = err(text.as_bytes());
            assert!(e.contains(want), "want {want:?}, got {e:?}");
        }
    }

    #[test]
    fn version_and_scheme_errors_choose_their_status() {
        let v = invite_text().replace("gw.example.com SIP/2.0", "gw.example.com SIP/7.0");
        let e = err(v.as_bytes());
        let resp = String::from_utf8(bad_request_for(v.as_bytes(), &e).unwrap()).unwrap();
        assert!(resp.starts_with("SIP/2.0 505 "), "{resp}");
        let tel = invite_text().replace("INVITE sip:1000@gw.example.com", "INVITE tel:+15551234");
        let e = err(tel.as_bytes());
        let resp = String::from_utf8(bad_request_for(tel.as_bytes(), &e).unwrap()).unwrap();
        assert!(resp.starts_with("SIP/2.0 416 "), "{resp}");
    }

    #[test]
    fn enforces_size_limits() {
        let t = invite_text();
        let huge = t.replace(
            "Max-Forwards: 70\r\n",
            &format!(
                "Max-Forwards: 70\r\nX-Big: {}\r\n",
                "a".repeat(MAX_HEADER_LEN)
            ),
        );
        assert!(err(huge.as_bytes()).contains("header too long"));
        let long_ok = t.replace(
            "Max-Forwards: 70\r\n",
            &format!("Max-Forwards: 70\r\nX-Big: {}\r\n", "a".repeat(7000)),
        );
        assert_eq!(header(&req(&long_ok), "x-big").map(str::len), Some(7000));
        let many: String = (0..MAX_HEADERS).map(|i| format!("X-H{i}: v\r\n")).collect();
        let crowded = t.replace(
            "Max-Forwards: 70\r\n",
            &format!("Max-Forwards: 70\r\n{many}"),
        );
        assert!(err(crowded.as_bytes()).contains("too many headers"));
        let mut big = t.into_bytes();
        big.resize(MAX_MESSAGE_SIZE + 1, b'a');
        assert!(matches!(parse(&big), Err(SipError::TooLarge(_))));
    }

    #[test]
    fn truncated_messages_are_errors() {
        let t = invite_text();
        let head_len = t.find("\r\n\r\n").unwrap();
        assert!(err(&t.as_bytes()[..head_len]).contains("not terminated"));
        assert!(err(&t.as_bytes()[..t.len() - 5]).contains("shorter than Content-Length"));
        assert!(err(b"").contains("empty"));
        assert!(err(b"\r\n\r\n").contains("empty"));
    }

    #[test]
    fn non_utf8_bytes() {
        let t = invite_text();
        // Latin-1 display name from an old terminal: accepted, replaced.
        let latin = t
            .replace("\"Room A\"", "\"Ph\u{f2}ng\"")
            .replace('\u{f2}', "\u{1}");
        let mut bytes = latin.into_bytes();
        let pos = bytes.iter().position(|&b| b == 1).unwrap();
        bytes[pos] = 0xf2;
        let r = match parse(&bytes) {
            Ok(rsip::SipMessage::Request(r)) => r,
            other => panic!("{other:?}"),
        };
        assert!(header(&r, "From").unwrap().contains('\u{fffd}'));
        // In the Call-ID it is refused.
        let mut bytes = t.clone().into_bytes();
        let pos = t.find("3848276298").unwrap();
        bytes[pos] = 0xff;
        assert!(err(&bytes).contains("Call-ID"));
        // In the start line too.
        let mut bytes = t.into_bytes();
        bytes[3] = 0xc3;
        assert!(parse(&bytes).is_err());
        // A binary body is kept byte for byte.
        let body = [0u8, 0xff, 0x80, b'\r', b'\n'];
        let mut msg = invite_text()
            .replace(
                &format!("Content-Length: {}", SDP.len()),
                "Content-Length: 5",
            )
            .replace(SDP, "")
            .into_bytes();
        msg.extend_from_slice(&body);
        let r = match parse(&msg) {
            Ok(rsip::SipMessage::Request(r)) => r,
            other => panic!("{other:?}"),
        };
        assert_eq!(r.body, body);
        let wire = encode_request(&r);
        assert!(wire.ends_with(&body));
    }

    /// A tiny deterministic generator for the mutation tests.
    struct Lcg(u64);
    impl Lcg {
        fn next(&mut self) -> u64 {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            self.0 >> 33
        }
    }

    fn exercise(bytes: &[u8]) {
        if let Ok(msg) = parse(bytes) {
            // Whatever parses must be usable without panics.
            let _ = (
                call_id(&msg),
                cseq(&msg),
                top_via(&msg),
                from_tag(&msg),
                to_tag(&msg),
            );
            let wire = encode(&msg);
            assert!(
                parse(&wire).is_ok(),
                "re-encoded message must parse: {}",
                String::from_utf8_lossy(&wire)
            );
            if let rsip::SipMessage::Request(mut r) = msg {
                let _ = stamp_received(&mut r, "198.51.100.7:4000".parse().unwrap());
                let _ = response_destination(&r, udp("198.51.100.7:4000"));
                let _ = encode_response(&response(&r, 200, None, Some("t")));
            }
        }
        let _ = bad_request_for(bytes, "x");
    }

    #[test]
    fn prefixes_and_mutations_never_panic() {
        let base = invite_text().into_bytes();
        for n in 0..=base.len() {
            exercise(&base[..n]);
        }
        let specials = [
            0u8, b'\r', b'\n', b' ', b':', b';', b',', b'<', b'>', b'"', b'[', b']', b'\\', b'=',
            0xff, 0xc3, b'%',
        ];
        let mut rng = Lcg(7);
        for i in 0..base.len() {
            for &s in &specials {
                let mut m = base.clone();
                m[i] = s;
                exercise(&m);
            }
            let mut del = base.clone();
            del.remove(i);
            exercise(&del);
        }
        for _ in 0..3000 {
            let mut m = base.clone();
            for _ in 0..(rng.next() % 8 + 1) {
                let pos = (rng.next() as usize) % m.len();
                match rng.next() % 3 {
                    0 => m[pos] = rng.next() as u8,
                    1 => m.insert(pos, specials[(rng.next() as usize) % specials.len()]),
                    _ => {
                        m.remove(pos);
                    }
                }
            }
            exercise(&m);
        }
        for _ in 0..500 {
            let len = (rng.next() % 300) as usize;
            let junk: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
            exercise(&junk);
        }
    }

    #[test]
    fn bad_request_copies_what_it_can() {
        let raw = "OPTIONS sip:gw.example.com SIP/2.0\r\n\
                   v: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKx1, SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKx0\r\n\
                   f: <sip:a@example.com>;tag=f1\r\n\
                   t: <sip:gw.example.com>\r\n\
                   i: call-1@192.0.2.1\r\n\
                   CSeq: 5 OPTIONS\r\n\
                   Content-Length: 12\r\n\r\nshort";
        let e = err(raw.as_bytes());
        let out = bad_request_for(raw.as_bytes(), &format!("{e}\r\nInjected: yes")).expect("a 400");
        let text = String::from_utf8(out.clone()).unwrap();
        assert!(text.starts_with("SIP/2.0 400 malformed message: body shorter than Content-Length  Injected: yes\r\n"), "{text}");
        assert!(!text.contains("\r\nInjected"));
        let resp = match parse(&out) {
            Ok(rsip::SipMessage::Response(r)) => r,
            other => panic!("{other:?}"),
        };
        assert_eq!(resp.status_code.code(), 400);
        assert_eq!(
            vias(&resp),
            vec![
                "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKx1",
                "SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKx0"
            ]
        );
        assert_eq!(call_id(&resp).unwrap(), "call-1@192.0.2.1");
        assert_eq!(header(&resp, "CSeq"), Some("5 OPTIONS"));
        assert_eq!(from_tag(&resp).as_deref(), Some("f1"));
        assert!(to_tag(&resp).is_some(), "a To tag is added");
    }

    #[test]
    fn bad_request_declines_what_cannot_be_answered() {
        let resp = b"SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nCSeq: x\r\n\r\n";
        assert_eq!(bad_request_for(resp, "x"), None);
        let no_via = b"OPTIONS sip:h SIP/2.0\r\nCall-ID: 1\r\nCSeq: x\r\n\r\n";
        assert_eq!(bad_request_for(no_via, "x"), None);
        let ack = b"ACK sip:h SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nCSeq: x\r\n\r\n";
        assert_eq!(bad_request_for(ack, "x"), None);
        assert_eq!(bad_request_for(b"\x16\x03\x01\x02\x00garbage", "x"), None);
        assert_eq!(bad_request_for(b"", "x"), None);
    }

    #[test]
    fn builds_responses() {
        let text = invite_text().replace(
            "Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK74bf9;rport\r\n",
            "Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK74bf9;rport\r\nVia: SIP/2.0/TCP proxy.example.com;branch=z9hG4bKp1\r\n",
        );
        let r = req(&text);
        let ok = response(&r, 200, None, Some("tt1"));
        assert_eq!(ok.status_code, StatusCode::OK);
        assert_eq!(vias(&ok), vias(&r));
        assert_eq!(to_tag(&ok).as_deref(), Some("tt1"));
        assert_eq!(header(&ok, "Server"), Some(server_name().as_str()));
        assert_eq!(header(&ok, "Timestamp"), None);
        let wire = String::from_utf8(encode_response(&ok).to_vec()).unwrap();
        assert!(wire.starts_with("SIP/2.0 200 OK\r\n"), "{wire}");
        assert!(wire.contains("\r\nContent-Length: 0\r\n\r\n"), "{wire}");

        let trying = response(&r, 100, None, None);
        assert_eq!(to_tag(&trying), None);
        assert_eq!(header(&trying, "Timestamp"), Some("54"));

        let term = encode_response(&response(&r, 487, None, Some("x")));
        assert!(term.starts_with(b"SIP/2.0 487 Request Terminated\r\n"));
        let custom = encode_response(&response(&r, 480, Some("Room closed\r\nX: y"), Some("x")));
        assert!(custom.starts_with(b"SIP/2.0 480 Room closed  X: y\r\n"));
        assert!(encode_response(&response(&r, 499, None, None))
            .starts_with(b"SIP/2.0 499 Client Error\r\n"));

        // An existing To tag is kept.
        let tagged = req(&invite_text().replace(
            "To: <sip:1000@gw.example.com>",
            "To: <sip:1000@gw.example.com>;tag=old",
        ));
        assert_eq!(
            to_tag(&response(&tagged, 200, None, Some("new"))).as_deref(),
            Some("old")
        );
    }

    #[test]
    fn set_body_keeps_lengths_right() {
        let r = req(&invite_text());
        let mut resp = response(&r, 200, None, Some("t"));
        set_body(&mut resp, "application/sdp", b"v=0\r\n".to_vec());
        assert_eq!(header(&resp, "Content-Type"), Some("application/sdp"));
        assert_eq!(header_values(&resp, "Content-Length"), vec!["5"]);
        let wire = String::from_utf8(encode_response(&resp).to_vec()).unwrap();
        assert!(
            wire.contains("\r\nContent-Length: 5\r\n") && wire.ends_with("\r\n\r\nv=0\r\n"),
            "{wire}"
        );
        set_body(&mut resp, "application/sdp", Vec::new());
        assert_eq!(header(&resp, "Content-Type"), None);
        assert_eq!(header(&resp, "l"), Some("0"));
        // A stale Content-Length set by hand is corrected on the wire, and
        // a CR/LF in a value cannot inject a header.
        set_header(&mut resp, "Content-Length", "99");
        add_header(&mut resp, "Subject", "a\r\nInjected: 1");
        resp.body = b"xyz".to_vec();
        let wire = String::from_utf8(encode_response(&resp).to_vec()).unwrap();
        assert!(
            wire.contains("Content-Length: 3\r\n") && !wire.contains("99"),
            "{wire}"
        );
        assert!(wire.contains("Subject: a  Injected: 1\r\n"), "{wire}");
        assert_eq!(remove_header(&mut resp, "subject"), 1);
    }

    #[test]
    fn stamps_received_and_rport() {
        let source: SocketAddr = "203.0.113.5:40123".parse().unwrap();
        // rport asked for: both parameters, even with the same IP.
        let mut r = req(&invite_text());
        stamp_received(&mut r, "192.0.2.10:40000".parse().unwrap()).unwrap();
        let v = top_via(&r).unwrap();
        assert_eq!(
            (v.rport, v.received.as_deref()),
            (Some(Some(40000)), Some("192.0.2.10"))
        );
        // No rport, sent-by is the source: untouched.
        let plain = invite_text().replace(";rport", "");
        let mut r = req(&plain);
        stamp_received(&mut r, "192.0.2.10:5060".parse().unwrap()).unwrap();
        assert_eq!(top_via(&r).unwrap().received, None);
        // NAT: private sent-by, a forged received replaced, lower Vias kept.
        let nat = invite_text().replace(
            "Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK74bf9;rport",
            "Via: SIP/2.0/UDP 10.1.1.1:5060;received=198.51.100.1;branch=z9hG4bK74bf9, SIP/2.0/UDP 10.1.1.2;branch=z9hG4bKlow",
        );
        let mut r = req(&nat);
        stamp_received(&mut r, source).unwrap();
        let v = top_via(&r).unwrap();
        assert_eq!(v.received.as_deref(), Some("203.0.113.5"));
        assert_eq!(v.branch.as_deref(), Some("z9hG4bK74bf9"));
        assert_eq!(vias(&r).len(), 2);
        assert_eq!(
            vias(&r)[0],
            "SIP/2.0/UDP 10.1.1.1:5060;branch=z9hG4bK74bf9;received=203.0.113.5"
        );
        // Domain sent-by, IPv6 source.
        let dom = invite_text().replace("192.0.2.10:5060;branch", "pc33.example.com;branch");
        let mut r = req(&dom);
        stamp_received(&mut r, "[2001:db8::7]:5062".parse().unwrap()).unwrap();
        let v = top_via(&r).unwrap();
        assert_eq!(
            (v.received.as_deref(), v.rport),
            (Some("2001:db8::7"), Some(Some(5062)))
        );
    }

    #[test]
    fn response_destination_follows_via() {
        let src = udp("203.0.113.5:40123");
        let mut r = req(&invite_text().replace("192.0.2.10:5060;branch", "10.1.1.1:5070;branch"));
        stamp_received(&mut r, src.addr).unwrap();
        assert_eq!(
            response_destination(&r, src),
            src,
            "rport: source address and port"
        );
        let mut r = req(&invite_text()
            .replace(";rport", "")
            .replace("192.0.2.10:5060;branch", "10.1.1.1:5070;branch"));
        stamp_received(&mut r, src.addr).unwrap();
        assert_eq!(
            response_destination(&r, src).addr,
            "203.0.113.5:5070".parse().unwrap(),
            "received + sent-by port"
        );
        let r = req(&invite_text().replace(";rport", "").replace(
            "192.0.2.10:5060;branch",
            "192.0.2.10;maddr=224.0.1.75;branch",
        ));
        let d = response_destination(&r, udp("192.0.2.10:5999"));
        assert_eq!(
            d.addr,
            "192.0.2.10:5060".parse().unwrap(),
            "default port, maddr ignored"
        );
        assert_eq!(d.conn, Some(ConnId(0)));
        let tcp = Peer {
            transport: TransportKind::Tcp,
            addr: "203.0.113.5:40123".parse().unwrap(),
            conn: Some(ConnId(9)),
        };
        assert_eq!(
            response_destination(&r, tcp),
            tcp,
            "streams answer on the connection"
        );
    }

    #[test]
    fn header_lookup_and_editing() {
        let mut r = req(&invite_text());
        assert_eq!(header(&r, "i"), header(&r, "CALL-ID"));
        assert_eq!(header(&r, "c"), Some("application/sdp"));
        assert_eq!(header(&r, "Session-Expires"), None);
        add_header(&mut r, "x", "1800;refresher=uac");
        assert_eq!(header(&r, "Session-Expires"), Some("1800;refresher=uac"));
        set_header(&mut r, "Session-Expires", "90");
        assert_eq!(header_values(&r, "x"), vec!["90"]);
        assert_eq!(
            split_list(" a , \"b,c\" <sip:x,y>, ,d"),
            vec!["a", "\"b,c\" <sip:x,y>", "d"]
        );
        assert_eq!(
            tag_param("\"a;tag=no\" <sip:x;tag=no>;tag=yes"),
            Some("yes".into())
        );
        assert_eq!(tag_param("sip:x@y;tag=t1"), Some("t1".into()));
        assert_eq!(
            addr_params("<sip:x>;expires=60;q=0.5")[1],
            ("q".into(), Some("0.5".into()))
        );
    }

    #[test]
    fn identifiers_are_fresh() {
        let (a, b) = (new_branch(), new_branch());
        assert!(a.starts_with(BRANCH_COOKIE) && a.len() > 20 && a != b);
        assert_ne!(new_tag(), new_tag());
        let c = new_call_id("192.0.2.1");
        assert!(c.ends_with("@192.0.2.1") && c.len() > 20);
    }

    #[test]
    fn builds_cancel_from_invite() {
        let r = req(&invite_text());
        let c = build_cancel(&r).unwrap();
        assert_eq!(c.method, Method::Cancel);
        assert_eq!(c.uri, r.uri);
        assert_eq!(vias(&c), vec![vias(&r)[0].clone()]);
        assert_eq!(cseq(&c).unwrap(), (1, Method::Cancel));
        assert_eq!(call_id(&c).unwrap(), call_id(&r).unwrap());
        assert!(parse(&encode_request(&c)).is_ok());
    }
}
