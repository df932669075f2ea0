//! Registrar bindings (RFC 3261 §10.3), sans-IO: the caller authenticates the
//! REGISTER, hands over its Contact/Expires/Call-ID/CSeq values and the clock,
//! and turns the outcome into a response.
//!
//! A request is applied atomically: every contact is checked first (syntax,
//! 423, CSeq order) and the user's binding list is replaced only when all of
//! them pass (§10.3 step 7).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use super::transport::Peer;

/// Bindings kept per user; a new one beyond this replaces the least recently
/// refreshed (a device that moved and left a dead binding behind).
pub const MAX_BINDINGS_PER_USER: usize = 10;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RegistrarConfig {
    pub min_expires: u32,
    pub max_expires: u32,
    pub default_expires: u32,
}

/// One registered contact of a user.
#[derive(Clone, Debug, PartialEq)]
pub struct Binding {
    /// The Contact URI, e.g. `sip:101@192.0.2.1:5060;transport=udp`.
    pub contact: String,
    pub expires_at: Instant,
    pub q: Option<f32>,
    pub call_id: String,
    pub cseq: u32,
    /// Where the REGISTER came from (requests to the contact go there when it
    /// is behind NAT).
    pub source: Peer,
    pub user_agent: Option<String>,
    /// `+sip.instance` (RFC 5626), without the quotes.
    pub instance_id: Option<String>,
    /// When the binding was last created or refreshed.
    pub updated_at: Instant,
}

impl Binding {
    /// Whole seconds left (rounded up), 0 once expired.
    pub fn remaining_secs(&self, now: Instant) -> u32 {
        ceil_secs(self.expires_at.saturating_duration_since(now))
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum RegisterOutcome {
    /// 200 OK: the complete current binding list of the AOR, each with its
    /// remaining expiry in seconds (for the Contact headers of the 200).
    Ok { bindings: Vec<(String, u32)> },
    /// 423 Interval Too Brief, with this Min-Expires.
    IntervalTooBrief { min_expires: u32 },
    /// 400 Bad Request, with a reason.
    BadRequest(String),
    /// 500: the same Call-ID with a CSeq not above the stored one
    /// (RFC 3261 §10.3 step 7) — a reordered or replayed REGISTER.
    OutOfOrder,
}

/// All bindings of all users.
#[derive(Debug)]
pub struct Registrar {
    config: RegistrarConfig,
    max_bindings: usize,
    users: HashMap<String, Vec<Binding>>,
}

/// A binding being rebuilt for one REGISTER.
struct Working {
    binding: Binding,
    /// Comparison key of its URI.
    key: String,
    /// Created or refreshed by this request: a second contact of the same
    /// request that matches it overwrites it without the CSeq check.
    touched: bool,
    removed: bool,
}

impl Registrar {
    pub fn new(config: RegistrarConfig) -> Self {
        Self {
            config,
            max_bindings: MAX_BINDINGS_PER_USER,
            users: HashMap::new(),
        }
    }

    /// Change the per-user binding limit (at least 1).
    pub fn with_max_bindings(mut self, max: usize) -> Self {
        self.max_bindings = max.max(1);
        self
    }

    /// New limits (configuration reload); existing bindings keep their expiry.
    pub fn set_config(&mut self, config: RegistrarConfig) {
        self.config = config;
    }

    /// Apply an authenticated REGISTER for `user`. `contacts` are the raw
    /// Contact header values (each may list several contacts, or be `*`);
    /// no contact at all is a query. `expires_header` is the Expires value.
    #[allow(clippy::too_many_arguments)] // mirrors the REGISTER's fields one to one
    pub fn register(
        &mut self,
        user: &str,
        contacts: &[String],
        expires_header: Option<u32>,
        call_id: &str,
        cseq: u32,
        source: Peer,
        user_agent: Option<String>,
        now: Instant,
    ) -> RegisterOutcome {
        let mut star = false;
        let mut parsed = Vec::new();
        for value in contacts {
            match parse_contact_list(value) {
                Ok(entries) => {
                    for entry in entries {
                        match entry {
                            ContactEntry::Star => star = true,
                            ContactEntry::Contact(c) => parsed.push(c),
                        }
                    }
                }
                Err(why) => return RegisterOutcome::BadRequest(format!("bad Contact: {why}")),
            }
        }

        self.prune_user(user, now);

        if star {
            if !parsed.is_empty() {
                return RegisterOutcome::BadRequest("Contact '*' must be the only contact".into());
            }
            if expires_header != Some(0) {
                return RegisterOutcome::BadRequest("Contact '*' requires Expires: 0".into());
            }
            let existing = self.users.get(user).map(Vec::as_slice).unwrap_or_default();
            if existing
                .iter()
                .any(|b| b.call_id == call_id && cseq <= b.cseq)
            {
                return RegisterOutcome::OutOfOrder;
            }
            self.users.remove(user);
            return RegisterOutcome::Ok {
                bindings: Vec::new(),
            };
        }

        if parsed.is_empty() {
            return RegisterOutcome::Ok {
                bindings: self.listing(user, now),
            };
        }

        // Every interval is settled before anything changes: one 423 rejects
        // the whole request.
        let mut planned = Vec::with_capacity(parsed.len());
        for contact in parsed {
            let asked = contact
                .expires()
                .or(expires_header)
                .unwrap_or(self.config.default_expires);
            if asked != 0 && asked < self.config.min_expires {
                return RegisterOutcome::IntervalTooBrief {
                    min_expires: self.config.min_expires,
                };
            }
            planned.push((contact, asked.min(self.config.max_expires)));
        }

        let mut working: Vec<Working> = self
            .users
            .get(user)
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .map(|b| Working {
                key: uri_key(&b.contact).unwrap_or_else(|| b.contact.clone()),
                binding: b.clone(),
                touched: false,
                removed: false,
            })
            .collect();

        for (contact, expires) in planned {
            let key = contact.key.clone();
            let instance = contact.instance_id();
            let matches: Vec<usize> = working
                .iter()
                .enumerate()
                .filter(|(_, w)| {
                    !w.removed
                        && (w.key == key
                            || matches!((&instance, &w.binding.instance_id),
                                (Some(a), Some(b)) if a.eq_ignore_ascii_case(b)))
                })
                .map(|(i, _)| i)
                .collect();

            let Some((&first, others)) = matches.split_first() else {
                if expires > 0 {
                    working.push(Working {
                        binding: Binding {
                            contact: contact.uri.clone(),
                            expires_at: now + Duration::from_secs(expires.into()),
                            q: contact.q(),
                            call_id: call_id.to_owned(),
                            cseq,
                            source,
                            user_agent: user_agent.clone(),
                            instance_id: instance,
                            updated_at: now,
                        },
                        key,
                        touched: true,
                        removed: false,
                    });
                }
                // Removing a contact that is not bound is not an error.
                continue;
            };

            for &i in std::iter::once(&first).chain(others) {
                let w = &working[i];
                if !w.touched && w.binding.call_id == call_id && cseq <= w.binding.cseq {
                    return RegisterOutcome::OutOfOrder;
                }
            }
            // The same device under another key (new URI, same instance):
            // one binding survives.
            for &i in others {
                working[i].removed = true;
            }
            let w = &mut working[first];
            if expires == 0 {
                w.removed = true;
                continue;
            }
            w.binding = Binding {
                contact: contact.uri.clone(),
                expires_at: now + Duration::from_secs(expires.into()),
                q: contact.q(),
                call_id: call_id.to_owned(),
                cseq,
                source,
                user_agent: user_agent.clone(),
                instance_id: instance.or_else(|| w.binding.instance_id.take()),
                updated_at: now,
            };
            w.key = key;
            w.touched = true;
        }

        let mut kept: Vec<Binding> = working
            .into_iter()
            .filter(|w| !w.removed)
            .map(|w| w.binding)
            .collect();
        while kept.len() > self.max_bindings {
            // Least recently refreshed first; among equals the earliest added.
            let oldest = kept
                .iter()
                .enumerate()
                .min_by_key(|(i, b)| (b.updated_at, *i))
                .map(|(i, _)| i);
            match oldest {
                Some(i) => {
                    kept.remove(i);
                }
                None => break,
            }
        }
        if kept.is_empty() {
            self.users.remove(user);
        } else {
            self.users.insert(user.to_owned(), kept);
        }
        RegisterOutcome::Ok {
            bindings: self.listing(user, now),
        }
    }

    /// Live bindings of `user`, highest q first (no q counts as 1.0), then the
    /// most recently refreshed.
    pub fn bindings(&self, user: &str, now: Instant) -> Vec<Binding> {
        let mut live: Vec<Binding> = self
            .users
            .get(user)
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .filter(|b| b.expires_at > now)
            .cloned()
            .collect();
        live.sort_by(|a, b| {
            let (qa, qb) = (a.q.unwrap_or(1.0), b.q.unwrap_or(1.0));
            qb.total_cmp(&qa).then(b.updated_at.cmp(&a.updated_at))
        });
        live
    }

    /// Drop expired bindings everywhere; returns them with their user.
    pub fn remove_expired(&mut self, now: Instant) -> Vec<(String, Binding)> {
        let mut gone = Vec::new();
        self.users.retain(|user, list| {
            let (dead, live): (Vec<Binding>, Vec<Binding>) = std::mem::take(list)
                .into_iter()
                .partition(|b| b.expires_at <= now);
            gone.extend(dead.into_iter().map(|b| (user.clone(), b)));
            *list = live;
            !list.is_empty()
        });
        gone
    }

    /// Users with at least one binding (expired ones included until
    /// [`Registrar::remove_expired`] runs).
    pub fn users(&self) -> impl Iterator<Item = &str> {
        self.users.keys().map(String::as_str)
    }

    /// Users with at least one live binding.
    pub fn registered_count(&self, now: Instant) -> usize {
        self.users
            .values()
            .filter(|list| list.iter().any(|b| b.expires_at > now))
            .count()
    }

    /// Forget a user (removed from the configuration).
    pub fn remove_user(&mut self, user: &str) {
        self.users.remove(user);
    }

    /// The earliest expiry of any binding, to schedule the next sweep.
    pub fn next_expiry(&self) -> Option<Instant> {
        self.users.values().flatten().map(|b| b.expires_at).min()
    }

    fn prune_user(&mut self, user: &str, now: Instant) {
        if let Some(list) = self.users.get_mut(user) {
            list.retain(|b| b.expires_at > now);
            if list.is_empty() {
                self.users.remove(user);
            }
        }
    }

    fn listing(&self, user: &str, now: Instant) -> Vec<(String, u32)> {
        self.bindings(user, now)
            .into_iter()
            .map(|b| {
                let secs = b.remaining_secs(now);
                (b.contact, secs)
            })
            .collect()
    }
}

fn ceil_secs(d: Duration) -> u32 {
    let secs = d.as_secs() + u64::from(d.subsec_nanos() > 0);
    u32::try_from(secs).unwrap_or(u32::MAX)
}

/// One element of a Contact header value.
#[derive(Clone, Debug, PartialEq)]
pub enum ContactEntry {
    /// `*` (remove all bindings).
    Star,
    Contact(ParsedContact),
}

/// A contact: `"Name" <uri>;params`, `Name <uri>;params` or `uri;params`.
#[derive(Clone, Debug, PartialEq)]
pub struct ParsedContact {
    pub display_name: Option<String>,
    /// The URI without angle brackets.
    pub uri: String,
    /// Header parameters, names lower-cased, quoted values unquoted.
    pub params: Vec<(String, Option<String>)>,
    /// Comparison key of the URI (RFC 3261 §19.1.4, simplified).
    key: String,
}

impl ParsedContact {
    pub fn param(&self, name: &str) -> Option<Option<&str>> {
        self.params
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_deref())
    }

    /// The `expires` parameter; a malformed one counts as absent. Values past
    /// u32 saturate (the registrar clamps them to its maximum anyway).
    pub fn expires(&self) -> Option<u32> {
        let v = self.param("expires")??.trim();
        if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        Some(v.parse::<u32>().unwrap_or(u32::MAX))
    }

    /// The `q` parameter when it is a valid qvalue (0 to 1).
    pub fn q(&self) -> Option<f32> {
        let v = self.param("q")??.trim();
        let ok_chars = !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit() || b == b'.');
        let q: f32 = v.parse().ok().filter(|_| ok_chars)?;
        (0.0..=1.0).contains(&q).then_some(q)
    }

    /// `+sip.instance`, without its quotes.
    pub fn instance_id(&self) -> Option<String> {
        self.param("+sip.instance")?
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    }
}

/// Header parameters that a bare addr-spec (no angle brackets) may carry. By
/// RFC 3261 §20.10 every `;param` after a bare URI belongs to the header, but
/// terminals that omit the brackets mean `transport=` and friends for the URI:
/// those stay in the URI, and only these known header parameters move out.
fn is_contact_header_param(name: &str) -> bool {
    name.starts_with('+')
        || matches!(
            name,
            "expires"
                | "q"
                | "reg-id"
                | "methods"
                | "audio"
                | "video"
                | "text"
                | "data"
                | "control"
                | "application"
                | "automata"
                | "class"
                | "duplex"
                | "mobility"
                | "description"
                | "events"
                | "priority"
                | "schemes"
                | "isfocus"
                | "actor"
                | "language"
                | "type"
                | "extensions"
        )
}

/// Split a Contact header value into its comma-separated contacts (commas in
/// quoted strings and inside `<...>` do not split) and parse each.
pub fn parse_contact_list(value: &str) -> Result<Vec<ContactEntry>, String> {
    let mut out = Vec::new();
    for part in split_top_level(value)? {
        let part = part.trim();
        if part.is_empty() {
            continue;
        }
        out.push(parse_contact(part)?);
    }
    Ok(out)
}

fn split_top_level(value: &str) -> Result<Vec<&str>, String> {
    let bytes = value.as_bytes();
    let mut parts = Vec::new();
    let (mut start, mut i) = (0, 0);
    let (mut in_quotes, mut in_angle) = (false, false);
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if in_quotes => i += 1,
            b'"' => in_quotes = !in_quotes,
            b'<' if !in_quotes => in_angle = true,
            b'>' if !in_quotes => in_angle = false,
            b',' if !in_quotes && !in_angle => {
                parts.push(&value[start..i]);
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    if in_quotes {
        return Err("unterminated quoted string".into());
    }
    if in_angle {
        return Err("missing '>'".into());
    }
    parts.push(value.get(start..).unwrap_or_default());
    Ok(parts)
}

fn parse_contact(text: &str) -> Result<ContactEntry, String> {
    if text == "*" {
        return Ok(ContactEntry::Star);
    }
    let bytes = text.as_bytes();
    // `bare`: an addr-spec without angle brackets.
    let (display_name, uri, rest, bare) = if bytes.first() == Some(&b'"') {
        let (name, after) = quoted(text, 1)?;
        let rest = text.get(after..).unwrap_or_default().trim_start();
        let (uri, rest) = bracketed(rest)?;
        (Some(name), uri.to_owned(), rest, false)
    } else {
        // name-addr when a '<' comes before any ';' (outside quotes).
        let first_special = bytes
            .iter()
            .position(|&b| b == b'<' || b == b';' || b == b'"');
        match first_special {
            Some(i) if bytes[i] == b'<' => {
                let name = text[..i].trim();
                let (uri, rest) = bracketed(&text[i..])?;
                let name = (!name.is_empty()).then(|| name.to_owned());
                (name, uri.to_owned(), rest, false)
            }
            Some(i) if bytes[i] == b'"' => return Err("unexpected '\"'".into()),
            _ => {
                let end = first_special.unwrap_or(text.len());
                (None, text[..end].trim().to_owned(), &text[end..], true)
            }
        }
    };
    let mut params = parse_params(rest)?;
    let mut uri = uri;
    if bare {
        // See `is_contact_header_param`.
        let (header, uri_params): (Vec<_>, Vec<_>) = params
            .into_iter()
            .partition(|(n, _)| is_contact_header_param(n));
        for (name, value) in uri_params {
            uri.push(';');
            uri.push_str(&name);
            if let Some(v) = value {
                uri.push('=');
                uri.push_str(&v);
            }
        }
        params = header;
    }
    let key = uri_key(&uri).ok_or_else(|| format!("not a SIP URI: {:?}", shorten(&uri)))?;
    Ok(ContactEntry::Contact(ParsedContact {
        display_name,
        uri,
        params,
        key,
    }))
}

/// `<uri>` at the start of `text`: the URI and what follows the '>'.
fn bracketed(text: &str) -> Result<(&str, &str), String> {
    let inner = text
        .strip_prefix('<')
        .ok_or_else(|| "expected '<' after the display name".to_owned())?;
    let end = inner.find('>').ok_or_else(|| "missing '>'".to_owned())?;
    Ok((inner[..end].trim(), &inner[end + 1..]))
}

/// A quoted string whose content starts at byte `start`: the unescaped text
/// and the index after the closing quote.
fn quoted(text: &str, start: usize) -> Result<(String, usize), String> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = start;
    loop {
        match bytes.get(i) {
            None => return Err("unterminated quoted string".into()),
            Some(b'"') => break,
            Some(b'\\') => {
                let c = bytes.get(i + 1).ok_or("unterminated quoted string")?;
                out.push(*c);
                i += 2;
            }
            Some(c) => {
                out.push(*c);
                i += 1;
            }
        }
    }
    let s = String::from_utf8(out).map_err(|_| "quoted string is not UTF-8".to_owned())?;
    Ok((s, i + 1))
}

/// `;name[=value]...`, values tokens or quoted strings.
fn parse_params(text: &str) -> Result<Vec<(String, Option<String>)>, String> {
    let bytes = text.as_bytes();
    let mut params = Vec::new();
    let mut i = skip_ws(bytes, 0);
    while i < bytes.len() {
        if bytes[i] != b';' {
            return Err(format!("unexpected text {:?}", shorten(&text[i..])));
        }
        i = skip_ws(bytes, i + 1);
        let start = i;
        while i < bytes.len() && is_param_char(bytes[i]) {
            i += 1;
        }
        if i == start {
            return Err("empty parameter name".into());
        }
        let name = text[start..i].to_ascii_lowercase();
        i = skip_ws(bytes, i);
        let value = if bytes.get(i) == Some(&b'=') {
            i = skip_ws(bytes, i + 1);
            if bytes.get(i) == Some(&b'"') {
                let (v, next) = quoted(text, i + 1)?;
                i = next;
                Some(v)
            } else {
                let v_start = i;
                while i < bytes.len() && is_param_char(bytes[i]) {
                    i += 1;
                }
                if i == v_start {
                    return Err(format!("parameter {name:?} has an empty value"));
                }
                Some(text[v_start..i].to_owned())
            }
        } else {
            None
        };
        params.push((name, value));
        i = skip_ws(bytes, i);
    }
    Ok(params)
}

/// Token characters, plus what appears unquoted in parameter values in
/// practice (`:` in IPv6 maddr, `[` `]`, `/`).
fn is_param_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-.!%*_+`'~:[]/".contains(&b)
}

fn skip_ws(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len() && matches!(bytes[i], b' ' | b'\t' | b'\r' | b'\n') {
        i += 1;
    }
    i
}

/// The comparison key of a SIP URI (RFC 3261 §19.1.4): scheme and host
/// case-insensitive, user part exact, port as written (an explicit 5060 is
/// not the same as none), and only the parameters that affect where requests
/// go (transport, user, ttl, method, maddr), case-insensitively and in any
/// order. `None` when `uri` is not a usable sip/sips URI.
fn uri_key(uri: &str) -> Option<String> {
    if uri
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | '"'))
    {
        return None;
    }
    let colon = uri.find(':')?;
    let scheme = uri[..colon].to_ascii_lowercase();
    if scheme != "sip" && scheme != "sips" {
        return None;
    }
    let rest = &uri[colon + 1..];
    // URI headers (`?...`) do not identify the contact.
    let rest = rest.split('?').next().unwrap_or_default();
    let (before_params, params) = match rest.find(';') {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => (rest, ""),
    };
    let (userinfo, hostport) = match before_params.rfind('@') {
        Some(i) => (Some(&before_params[..i]), &before_params[i + 1..]),
        None => (None, before_params),
    };
    if userinfo.is_some_and(str::is_empty) {
        return None;
    }
    let (host, port) = split_host_port(hostport)?;
    let valid_host = !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'[' | b']' | b':'));
    if !valid_host {
        return None;
    }

    let mut significant: Vec<String> = Vec::new();
    for p in params.split(';').filter(|p| !p.is_empty()) {
        let (name, value) = match p.split_once('=') {
            Some((n, v)) => (
                n.trim().to_ascii_lowercase(),
                Some(v.trim().to_ascii_lowercase()),
            ),
            None => (p.trim().to_ascii_lowercase(), None),
        };
        if matches!(
            name.as_str(),
            "transport" | "user" | "ttl" | "method" | "maddr"
        ) {
            significant.push(match value {
                Some(v) => format!("{name}={v}"),
                None => name,
            });
        }
    }
    significant.sort();

    let mut key = format!("{scheme}:");
    if let Some(u) = userinfo {
        key.push_str(u);
        key.push('@');
    }
    key.push_str(&host.to_ascii_lowercase());
    if let Some(p) = port {
        key.push(':');
        key.push_str(&p.to_string());
    }
    for p in significant {
        key.push(';');
        key.push_str(&p);
    }
    Some(key)
}

/// `host[:port]` with IPv6 references in brackets.
fn split_host_port(hostport: &str) -> Option<(&str, Option<u16>)> {
    let (host, port) = if hostport.starts_with('[') {
        let end = hostport.find(']')?;
        let after = &hostport[end + 1..];
        let port = match after.strip_prefix(':') {
            Some(p) => Some(p),
            None if after.is_empty() => None,
            None => return None,
        };
        (&hostport[..=end], port)
    } else {
        match hostport.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (hostport, None),
        }
    };
    let port = match port {
        Some(p) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => Some(p.parse().ok()?),
        Some(_) => return None,
        None => None,
    };
    Some((host, port))
}

fn shorten(s: &str) -> String {
    s.chars().take(48).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sip::transport::TransportKind;

    const CFG: RegistrarConfig = RegistrarConfig {
        min_expires: 60,
        max_expires: 3600,
        default_expires: 600,
    };

    fn peer(port: u16) -> Peer {
        Peer {
            transport: TransportKind::Udp,
            addr: std::net::SocketAddr::from(([192, 0, 2, 1], port)),
            conn: None,
        }
    }

    struct Client<'a> {
        reg: &'a mut Registrar,
        now: Instant,
        call_id: &'static str,
        cseq: u32,
    }

    impl Client<'_> {
        fn send(&mut self, contacts: &[&str], expires: Option<u32>) -> RegisterOutcome {
            self.cseq += 1;
            let contacts: Vec<String> = contacts.iter().map(|c| (*c).to_owned()).collect();
            self.reg.register(
                "101",
                &contacts,
                expires,
                self.call_id,
                self.cseq,
                peer(5060),
                Some("Test UA".into()),
                self.now,
            )
        }
    }

    fn ok(outcome: RegisterOutcome) -> Vec<(String, u32)> {
        match outcome {
            RegisterOutcome::Ok { bindings } => bindings,
            other => panic!("expected 200, got {other:?}"),
        }
    }

    fn list(items: &[(&str, u32)]) -> Vec<(String, u32)> {
        items.iter().map(|(c, s)| ((*c).to_owned(), *s)).collect()
    }

    fn client(reg: &mut Registrar, now: Instant) -> Client<'_> {
        Client {
            reg,
            now,
            call_id: "call-1",
            cseq: 0,
        }
    }

    #[test]
    fn register_uses_default_header_and_param_expiry() {
        let now = Instant::now();
        let mut reg = Registrar::new(CFG);
        let mut c = client(&mut reg, now);
        assert_eq!(
            ok(c.send(&["<sip:101@192.0.2.1:5060>"], None)),
            list(&[("sip:101@192.0.2.1:5060", 600)])
        );
        assert_eq!(
            ok(c.send(&["<sip:101@192.0.2.1:5060>"], Some(120))),
            list(&[("sip:101@192.0.2.1:5060", 120)])
        );
        assert_eq!(
            ok(c.send(&["<sip:101@192.0.2.1:5060>;expires=300"], Some(120))),
            list(&[("sip:101@192.0.2.1:5060", 300)])
        );
        // Longer than allowed: shortened to max_expires.
        assert_eq!(
            ok(c.send(&["<sip:101@192.0.2.1:5060>;expires=99999999999"], None)),
            list(&[("sip:101@192.0.2.1:5060", 3600)])
        );
        let b = reg.bindings("101", now);
        assert_eq!(b.len(), 1);
        assert_eq!(b[0].call_id, "call-1");
        assert_eq!(b[0].cseq, 4);
        assert_eq!(b[0].source, peer(5060));
        assert_eq!(b[0].user_agent.as_deref(), Some("Test UA"));
        assert_eq!(b[0].expires_at, now + Duration::from_secs(3600));
    }

    #[test]
    fn too_brief_interval_is_423_and_changes_nothing() {
        let now = Instant::now();
        let mut reg = Registrar::new(CFG);
        let mut c = client(&mut reg, now);
        ok(c.send(&["<sip:101@a.example>"], None));
        assert_eq!(
            c.send(
                &["<sip:101@b.example>", "<sip:101@c.example>;expires=59"],
                None
            ),
            RegisterOutcome::IntervalTooBrief { min_expires: 60 }
        );
        assert_eq!(
            c.send(&["<sip:101@b.example>"], Some(1)),
            RegisterOutcome::IntervalTooBrief { min_expires: 60 }
        );
        assert_eq!(
            reg.bindings("101", now).len(),
            1,
            "the valid contact of a 423'd request is not added"
        );
    }

    #[test]
    fn expires_zero_removes_one_contact() {
        let now = Instant::now();
        let mut reg = Registrar::new(CFG);
        let mut c = client(&mut reg, now);
        ok(c.send(&["<sip:101@a.example>, <sip:101@b.example>"], None));
        assert_eq!(
            ok(c.send(&["<sip:101@a.example>;expires=0"], None)),
            list(&[("sip:101@b.example", 600)])
        );
        assert_eq!(ok(c.send(&["<sip:101@b.example>"], Some(0))), list(&[]));
        assert_eq!(reg.users().count(), 0);
        // Removing something never bound is fine.
        let mut c = client(&mut reg, now);
        assert_eq!(ok(c.send(&["<sip:101@z.example>"], Some(0))), list(&[]));
    }

    #[test]
    fn star_removes_everything_but_only_with_expires_zero_and_alone() {
        let now = Instant::now();
        let mut reg = Registrar::new(CFG);
        let mut c = client(&mut reg, now);
        ok(c.send(&["<sip:101@a.example>", "<sip:101@b.example>"], None));
        assert!(matches!(
            c.send(&["*"], None),
            RegisterOutcome::BadRequest(_)
        ));
        assert!(matches!(
            c.send(&["*"], Some(60)),
            RegisterOutcome::BadRequest(_)
        ));
        assert!(matches!(
            c.send(&["*, <sip:101@a.example>"], Some(0)),
            RegisterOutcome::BadRequest(_)
        ));
        assert!(matches!(
            c.send(&["*", "<sip:101@a.example>"], Some(0)),
            RegisterOutcome::BadRequest(_)
        ));
        assert_eq!(reg.bindings("101", now).len(), 2);
        let mut c = client(&mut reg, now);
        c.cseq = 10;
        assert_eq!(ok(c.send(&["*"], Some(0))), list(&[]));
        assert!(reg.bindings("101", now).is_empty());
        assert_eq!(reg.registered_count(now), 0);
    }

    #[test]
    fn star_with_stale_cseq_is_out_of_order() {
        let now = Instant::now();
        let mut reg = Registrar::new(CFG);
        let mut c = client(&mut reg, now);
        c.cseq = 5;
        ok(c.send(&["<sip:101@a.example>"], None)); // cseq 6
        c.cseq = 4;
        assert_eq!(c.send(&["*"], Some(0)), RegisterOutcome::OutOfOrder); // cseq 5
        assert_eq!(reg.bindings("101", now).len(), 1);
    }

    #[test]
    fn query_without_contact_lists_bindings() {
        let now = Instant::now();
        let mut reg = Registrar::new(CFG);
        let mut c = client(&mut reg, now);
        assert_eq!(ok(c.send(&[], None)), list(&[]));
        ok(c.send(&["<sip:101@a.example>"], Some(100)));
        c.now = now + Duration::from_millis(30_500);
        // 69.5 s left: rounded up.
        assert_eq!(ok(c.send(&[], None)), list(&[("sip:101@a.example", 70)]));
        assert_eq!(
            ok(c.send(&["  "], None)),
            list(&[("sip:101@a.example", 70)])
        );
    }

    #[test]
    fn refresh_matches_by_uri_comparison_rules() {
        let now = Instant::now();
        let mut reg = Registrar::new(CFG);
        let mut c = client(&mut reg, now);
        ok(c.send(&["<sip:101@Host.Example;transport=UDP;foo=1>"], None));
        // Same URI by RFC 3261 §19.1.4: host and transport case, other params.
        let out = ok(c.send(
            &["\"Phone\" <SIP:101@host.example;foo=2;transport=udp>"],
            Some(100),
        ));
        assert_eq!(
            out,
            list(&[("SIP:101@host.example;foo=2;transport=udp", 100)])
        );
        // A different user part case, an explicit port, another transport:
        // each a new binding.
        ok(c.send(&["<sip:101@host.example:5060;transport=udp>"], None));
        ok(c.send(&["<sip:101@host.example;transport=tcp>"], None));
        ok(c.send(&["<sip:ABC@host.example;transport=udp>"], None));
        assert_eq!(reg.bindings("101", now).len(), 4);
    }

    #[test]
    fn same_instance_replaces_the_old_contact() {
        let now = Instant::now();
        let mut reg = Registrar::new(CFG);
        let mut c = client(&mut reg, now);
        let inst = "+sip.instance=\"<urn:uuid:00000000-0000-1000-8000-AABBCCDDEEFF>\"";
        ok(c.send(&[&format!("<sip:101@192.0.2.1:5060>;{inst}")], None));
        c.call_id = "call-2"; // rebooted with a new address and Call-ID
        c.cseq = 0;
        let lower = inst
            .to_lowercase()
            .replace("+sip.instance", "+SIP.Instance");
        let out = ok(c.send(&[&format!("<sip:101@192.0.2.99:5060>;{lower}")], None));
        assert_eq!(out, list(&[("sip:101@192.0.2.99:5060", 600)]));
        let b = reg.bindings("101", now);
        assert_eq!(
            b[0].instance_id.as_deref(),
            Some("<urn:uuid:00000000-0000-1000-8000-aabbccddeeff>")
        );
        assert_eq!(b[0].call_id, "call-2");
    }

    #[test]
    fn out_of_order_cseq_is_rejected_atomically() {
        let now = Instant::now();
        let mut reg = Registrar::new(CFG);
        let mut c = client(&mut reg, now);
        c.cseq = 10;
        ok(c.send(&["<sip:101@a.example>"], Some(100))); // cseq 11
        c.cseq = 10;
        // cseq 11 again: equal is not higher. The new contact listed first
        // must not be added either.
        assert_eq!(
            c.send(&["<sip:101@new.example>", "<sip:101@a.example>"], Some(200)),
            RegisterOutcome::OutOfOrder
        );
        assert_eq!(ok(c.send(&[], None)).len(), 1);
        // Another Call-ID may use any CSeq.
        c.call_id = "other";
        c.cseq = 0;
        assert_eq!(
            ok(c.send(&["<sip:101@a.example>"], Some(300))),
            list(&[("sip:101@a.example", 300)])
        );
    }

    #[test]
    fn a_contact_listed_twice_in_one_request_is_not_out_of_order() {
        let now = Instant::now();
        let mut reg = Registrar::new(CFG);
        let mut c = client(&mut reg, now);
        let out = ok(c.send(
            &[
                "<sip:101@a.example>;expires=100",
                "<sip:101@a.example>;expires=200",
            ],
            None,
        ));
        assert_eq!(out, list(&[("sip:101@a.example", 200)]));
    }

    #[test]
    fn contact_list_syntax() {
        let now = Instant::now();
        let mut reg = Registrar::new(CFG);
        let mut c = client(&mut reg, now);
        let out = ok(c.send(
            &[
                "\"Hà Nội, phòng 1\" <sip:101@a.example;transport=tcp>;q=0.5;expires=120, sip:101@b.example;transport=udp;expires=240;q=1.0",
                "Bob Room <sip:101@[2001:db8::1]:5070>;+sip.instance=\"<urn:uuid:x,y>\";q=0.7",
            ],
            None,
        ));
        assert_eq!(
            out,
            list(&[
                ("sip:101@b.example;transport=udp", 240),
                ("sip:101@[2001:db8::1]:5070", 600),
                ("sip:101@a.example;transport=tcp", 120),
            ])
        );
        let b = reg.bindings("101", now);
        assert_eq!(
            b.iter().map(|b| b.q).collect::<Vec<_>>(),
            [Some(1.0), Some(0.7), Some(0.5)]
        );
        assert_eq!(b[1].instance_id.as_deref(), Some("<urn:uuid:x,y>"));
    }

    #[test]
    fn parser_details() {
        let parse = |s: &str| parse_contact_list(s);
        let one = |s: &str| match parse(s).as_deref() {
            Ok([ContactEntry::Contact(c)]) => c.clone(),
            other => panic!("{s:?}: {other:?}"),
        };
        let c = one("\"A \\\"quoted\\\" name\"<sip:x@h>;Expires=30;Q=0.25;lr");
        assert_eq!(c.display_name.as_deref(), Some("A \"quoted\" name"));
        assert_eq!(c.uri, "sip:x@h");
        assert_eq!(c.expires(), Some(30));
        assert_eq!(c.q(), Some(0.25));
        assert_eq!(c.param("lr"), Some(None));

        let c = one("sip:x@h:5060;transport=tcp;expires=abc;q=2");
        assert_eq!(c.uri, "sip:x@h:5060;transport=tcp");
        assert_eq!(c.expires(), None, "malformed expires is ignored");
        assert_eq!(c.q(), None, "q above 1 is ignored");
        let c = one("<sip:h>;q=NaN");
        assert_eq!(c.q(), None);
        assert_eq!(c.uri, "sip:h");

        // Bare, with a quoted '<' in a header parameter.
        let c = one("sip:x@h;transport=tcp;+sip.instance=\"<urn:uuid:1>\";expires=90");
        assert_eq!(c.uri, "sip:x@h;transport=tcp");
        assert_eq!(c.instance_id().as_deref(), Some("<urn:uuid:1>"));
        assert_eq!(c.expires(), Some(90));
        assert_eq!(c.display_name, None);

        assert_eq!(parse("*").as_deref(), Ok(&[ContactEntry::Star][..]));
        assert_eq!(parse(" , ").map(|v| v.len()), Ok(0));
        assert_eq!(parse("<sip:a@h>, <sip:b@h>").map(|v| v.len()), Ok(2));
        assert_eq!(parse("<sip:a@h?subject=x,y>").map(|v| v.len()), Ok(1));
    }

    #[test]
    fn bad_contacts_are_400() {
        let now = Instant::now();
        let mut reg = Registrar::new(CFG);
        for bad in [
            "\"unterminated <sip:a@h>",
            "<sip:a@h",
            "Name sip:a@h",
            "<tel:+84241000>",
            "<mailto:a@h>",
            "<sip:>",
            "<sip:@h>",
            "<sip:a@h:port>",
            "<sip:a@h:99999>",
            "<sip:a b@h>",
            "<sip:a@h> junk",
            "<sip:a@h>;=x",
            "<sip:a@h>;expires=",
            "<sip:a@h>;p=\"open",
            "sip:a@h;\"x\"",
            "<sip:a@[::1>",
            "\"n\"",
        ] {
            let mut c = client(&mut reg, now);
            assert!(
                matches!(c.send(&[bad], None), RegisterOutcome::BadRequest(_)),
                "{bad:?} accepted"
            );
        }
        assert_eq!(reg.users().count(), 0);
    }

    #[test]
    fn binding_limit_replaces_the_least_recently_refreshed() {
        let start = Instant::now();
        let mut reg = Registrar::new(CFG).with_max_bindings(3);
        for (i, host) in ["a", "b", "c"].iter().enumerate() {
            let mut c = client(&mut reg, start + Duration::from_secs(i as u64));
            c.call_id = *host;
            ok(c.send(&[&format!("<sip:101@{host}.example>")], None));
        }
        // Refresh "a": now "b" is the oldest.
        let mut c = client(&mut reg, start + Duration::from_secs(10));
        c.call_id = "a";
        c.cseq = 5;
        ok(c.send(&["<sip:101@a.example>"], None));
        let mut c = client(&mut reg, start + Duration::from_secs(11));
        c.call_id = "d";
        ok(c.send(&["<sip:101@d.example>"], None));
        let mut hosts: Vec<String> = reg
            .bindings("101", start + Duration::from_secs(11))
            .into_iter()
            .map(|b| b.contact)
            .collect();
        hosts.sort();
        assert_eq!(
            hosts,
            [
                "sip:101@a.example",
                "sip:101@c.example",
                "sip:101@d.example"
            ]
        );
    }

    #[test]
    fn default_limit_is_ten() {
        let now = Instant::now();
        let mut reg = Registrar::new(CFG);
        let contacts: Vec<String> = (0..12).map(|i| format!("<sip:101@h{i}.example>")).collect();
        let refs: Vec<&str> = contacts.iter().map(String::as_str).collect();
        let out = ok(client(&mut reg, now).send(&refs, None));
        assert_eq!(out.len(), MAX_BINDINGS_PER_USER);
        assert!(!out
            .iter()
            .any(|(c, _)| c == "sip:101@h0.example" || c == "sip:101@h1.example"));
    }

    #[test]
    fn expiry_sweep_counts_and_removal() {
        let now = Instant::now();
        let mut reg = Registrar::new(CFG);
        ok(client(&mut reg, now).send(
            &[
                "<sip:101@a.example>;expires=60",
                "<sip:101@b.example>;expires=120",
            ],
            None,
        ));
        let other = vec!["<sip:102@c.example>".to_owned()];
        ok(reg.register("102", &other, Some(300), "x", 1, peer(5062), None, now));

        assert_eq!(reg.next_expiry(), Some(now + Duration::from_secs(60)));
        assert_eq!(reg.registered_count(now), 2);
        let mut users: Vec<&str> = reg.users().collect();
        users.sort_unstable();
        assert_eq!(users, ["101", "102"]);

        assert!(reg.remove_expired(now + Duration::from_secs(59)).is_empty());
        let gone = reg.remove_expired(now + Duration::from_secs(60));
        assert_eq!(gone.len(), 1);
        assert_eq!(
            (gone[0].0.as_str(), gone[0].1.contact.as_str()),
            ("101", "sip:101@a.example")
        );
        assert_eq!(reg.next_expiry(), Some(now + Duration::from_secs(120)));

        // Expired but not yet swept: not live, still listed as a user.
        let later = now + Duration::from_secs(200);
        assert_eq!(reg.registered_count(later), 1);
        assert!(reg.bindings("101", later).is_empty());
        assert_eq!(reg.users().count(), 2);
        let gone = reg.remove_expired(later);
        assert_eq!(gone.len(), 1);
        assert_eq!(reg.users().collect::<Vec<_>>(), ["102"]);

        reg.remove_user("102");
        assert_eq!(reg.users().count(), 0);
        assert_eq!(reg.next_expiry(), None);
    }

    #[test]
    fn expired_binding_does_not_block_a_lower_cseq() {
        let now = Instant::now();
        let mut reg = Registrar::new(CFG);
        let mut c = client(&mut reg, now);
        c.cseq = 50;
        ok(c.send(&["<sip:101@a.example>;expires=60"], None));
        c.now = now + Duration::from_secs(61);
        c.cseq = 1;
        assert_eq!(
            ok(c.send(&["<sip:101@a.example>"], None)),
            list(&[("sip:101@a.example", 600)])
        );
    }

    #[test]
    fn parser_never_panics() {
        let seeds = [
            "\"Đà Nẵng\" <sip:101@[2001:db8::1]:5060;transport=tcp>;expires=60;+sip.instance=\"<urn:uuid:1>\";q=0.5",
            "sip:101@h;transport=udp, *, <sips:x@y>",
        ];
        for seed in seeds {
            let chars: Vec<char> = seed.chars().collect();
            for i in 0..=chars.len() {
                let cut: String = chars[..i].iter().collect();
                let _ = parse_contact_list(&cut);
                for extra in ['"', '<', '>', ';', ',', '\\', '=', '@', ':', '[', ']', 'ư'] {
                    let mut v = chars.clone();
                    v.insert(i, extra);
                    let s: String = v.into_iter().collect();
                    if let Ok(entries) = parse_contact_list(&s) {
                        for e in entries {
                            if let ContactEntry::Contact(c) = e {
                                let _ = (c.expires(), c.q(), c.instance_id());
                            }
                        }
                    }
                }
            }
        }
    }
}
