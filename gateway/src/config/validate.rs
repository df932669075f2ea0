//! Semantic checks and conversion from the raw file shape to [`Config`].
//! Each check reports the first offending value with its line and column;
//! when the value was defaulted (not written), the check points at another
//! value it involves, or at the section header.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::ops::Range;
use std::path::Path;

use toml::Spanned;

use super::raw::{
    Opt, RawAuth, RawConfig, RawHttp, RawMedia, RawRoom, RawServer, RawSip, RawTerminal,
};
use super::{
    AuthConfig, Config, ConfigError, DigestAlgorithm, HttpConfig, Layout, MediaConfig, RoomConfig,
    ServerConfig, SipConfig, TerminalConfig,
};
use crate::sip::dialplan::{normalize_number, parse_dial};

/// RFC 4028 §5: Min-SE may not be below 90 seconds.
const RFC4028_MIN_SE: u32 = 90;
const MAX_ROOM_PARTICIPANTS: u32 = 64;
/// Long enough for any real dialled number; short enough for logs.
const MAX_NUMBER_LEN: usize = 32;
const MAX_NAME_LEN: usize = 64;
/// Callers hear ringing for this long; beyond it the delay is a misconfiguration.
const MAX_ANSWER_DELAY_MS: u64 = 10_000;
const MESSAGE_SIZE_RANGE: Range<usize> = 4096..(4 << 20) + 1;

/// Turns byte spans of the source text into located errors.
pub(super) struct Locator<'a> {
    text: &'a str,
    path: &'a Path,
}

impl<'a> Locator<'a> {
    pub(super) fn new(text: &'a str, path: &'a Path) -> Self {
        Self { text, path }
    }

    pub(super) fn error(&self, span: Range<usize>, reason: String) -> ConfigError {
        let (line, column) = line_column(self.text, span.start);
        ConfigError {
            file: self.path.to_path_buf(),
            line,
            column,
            reason,
        }
    }

    pub(super) fn at<T>(&self, value: &Spanned<T>, reason: String) -> ConfigError {
        self.error(value.span(), reason)
    }

    /// The header line `[name]` of a section, for errors about values that
    /// were left at their defaults; the start of the file if there is none.
    fn section(&self, name: &str) -> Range<usize> {
        let header = format!("[{name}]");
        let mut offset = 0;
        for line in self.text.split_inclusive('\n') {
            let trimmed = line.trim_start();
            if trimmed.starts_with(&header) {
                let start = offset + (line.len() - trimmed.len());
                return start..start + header.len();
            }
            offset += line.len();
        }
        0..0
    }

    /// The span of the first value that was written, else the section header.
    fn first_written(&self, section: &str, spans: &[Option<Range<usize>>]) -> Range<usize> {
        spans
            .iter()
            .flatten()
            .next()
            .cloned()
            .unwrap_or_else(|| self.section(section))
    }

    fn line_of<T>(&self, value: &Spanned<T>) -> usize {
        line_column(self.text, value.span().start).0
    }
}

/// 1-based line and character column of a byte offset (clamped into the text).
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut end = offset.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let before = &text[..end];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

/// How the dial plan compares numbers and aliases: phone-style strings by
/// their digits, other aliases case-insensitively.
pub(super) fn dial_key(s: &str) -> String {
    normalize_number(s).unwrap_or_else(|| s.to_lowercase())
}

fn value<T: Copy>(v: &Opt<T>, default: T) -> T {
    v.as_ref().map_or(default, |s| *s.get_ref())
}

fn span<T>(v: &Opt<T>) -> Option<Range<usize>> {
    v.as_ref().map(Spanned::span)
}

fn is_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

fn has_control(s: &str) -> bool {
    s.chars().any(char::is_control)
}

pub(super) fn build(raw: RawConfig, loc: &Locator) -> Result<Config, ConfigError> {
    let server = server(raw.server, loc)?;
    let sip = sip(raw.sip, loc)?;
    let media = media(raw.media, loc)?;
    let http = http(raw.http, loc)?;
    let auth = auth(raw.auth, loc)?;
    let (rooms, dial_names) = rooms(raw.rooms, loc)?;
    let terminals = terminals(raw.terminals, &dial_names, loc)?;
    let numbers: Vec<String> = rooms.iter().map(|r| r.number.clone()).collect();
    let webrtc = super::webrtc::webrtc(raw.webrtc, &numbers, loc)?;
    let h323 = super::h323::h323(raw.h323, loc)?;
    Ok(Config {
        webrtc,
        h323,
        server,
        sip,
        media,
        http,
        auth,
        rooms,
        terminal_index: terminals
            .iter()
            .enumerate()
            .map(|(i, t)| (t.username.clone(), i))
            .collect(),
        terminals,
        source: loc.path.to_path_buf(),
        detected_address: None,
    })
}

fn server(raw: RawServer, loc: &Locator) -> Result<ServerConfig, ConfigError> {
    let domain = raw.sip_domain.get_ref();
    // It is put into SIP URIs and the quoted digest realm.
    let host_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | ':' | '[' | ']');
    if domain.is_empty() || !domain.chars().all(host_char) {
        return Err(loc.at(
            &raw.sip_domain,
            format!("sip_domain {domain:?} is not a host name or IP address"),
        ));
    }
    if let Some(addr) = &raw.public_address {
        let ip = addr.get_ref();
        if ip.is_unspecified() || ip.is_multicast() {
            return Err(loc.at(
                addr,
                format!("public_address {ip} cannot be reached by terminals"),
            ));
        }
    }
    let user_agent = match raw.user_agent {
        Some(ua) => {
            let text = ua.get_ref();
            if text.trim().is_empty() || has_control(text) {
                return Err(loc.at(&ua, "user_agent must be non-empty text on one line".into()));
            }
            ua.into_inner()
        }
        None => "diemcau".to_owned(),
    };
    Ok(ServerConfig {
        sip_domain: raw.sip_domain.into_inner(),
        public_address: raw.public_address.map(Spanned::into_inner),
        user_agent,
    })
}

fn listen_list(
    list: Option<Spanned<Vec<Spanned<SocketAddr>>>>,
    loc: &Locator,
) -> Result<Vec<SocketAddr>, ConfigError> {
    let Some(list) = list else {
        return Ok(vec![SocketAddr::new(
            IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            5060,
        )]);
    };
    let mut out: Vec<SocketAddr> = Vec::new();
    for addr in list.into_inner() {
        let a = *addr.get_ref();
        if a.port() == 0 {
            return Err(loc.at(&addr, format!("{a}: port 0 is not a usable SIP port")));
        }
        if out.contains(&a) {
            return Err(loc.at(&addr, format!("{a} is listed twice")));
        }
        out.push(a);
    }
    Ok(out)
}

fn sip(raw: RawSip, loc: &Locator) -> Result<SipConfig, ConfigError> {
    const S: &str = "sip";
    let lists_span = loc.first_written(S, &[span(&raw.udp), span(&raw.tcp)]);
    let udp = listen_list(raw.udp, loc)?;
    let tcp = listen_list(raw.tcp, loc)?;
    if udp.is_empty() && tcp.is_empty() {
        return Err(loc.error(
            lists_span,
            "no SIP listen address: udp and tcp are both empty".into(),
        ));
    }

    let t1_ms = value(&raw.t1_ms, 500);
    let t2_ms = value(&raw.t2_ms, 4000);
    let t4_ms = value(&raw.t4_ms, 5000);
    if t1_ms == 0 {
        return Err(loc.error(
            loc.first_written(S, &[span(&raw.t1_ms)]),
            "t1_ms must be at least 1".into(),
        ));
    }
    if t2_ms < t1_ms {
        return Err(loc.error(
            loc.first_written(S, &[span(&raw.t2_ms), span(&raw.t1_ms)]),
            format!("t2_ms ({t2_ms}) must not be below t1_ms ({t1_ms})"),
        ));
    }
    if t4_ms == 0 {
        return Err(loc.error(
            loc.first_written(S, &[span(&raw.t4_ms)]),
            "t4_ms must be at least 1".into(),
        ));
    }

    let min_expires = value(&raw.min_expires, 60);
    let max_expires = value(&raw.max_expires, 3600);
    let default_expires = value(&raw.default_expires, 600);
    if min_expires == 0 {
        return Err(loc.error(
            loc.first_written(S, &[span(&raw.min_expires)]),
            "min_expires must be at least 1".into(),
        ));
    }
    if min_expires > max_expires {
        return Err(loc.error(
            loc.first_written(S, &[span(&raw.min_expires), span(&raw.max_expires)]),
            format!("min_expires ({min_expires}) must not exceed max_expires ({max_expires})"),
        ));
    }
    if default_expires < min_expires || default_expires > max_expires {
        return Err(loc.error(
            loc.first_written(
                S,
                &[span(&raw.default_expires), span(&raw.min_expires), span(&raw.max_expires)],
            ),
            format!(
                "default_expires ({default_expires}) must be between min_expires ({min_expires}) and max_expires ({max_expires})"
            ),
        ));
    }

    let session_expires = value(&raw.session_expires, 1800);
    let min_se = value(&raw.min_se, RFC4028_MIN_SE);
    if min_se < RFC4028_MIN_SE {
        return Err(loc.error(
            loc.first_written(S, &[span(&raw.min_se)]),
            format!("min_se ({min_se}) must be at least {RFC4028_MIN_SE} seconds (RFC 4028)"),
        ));
    }
    if session_expires < min_se {
        return Err(loc.error(
            loc.first_written(S, &[span(&raw.session_expires), span(&raw.min_se)]),
            format!("session_expires ({session_expires}) must not be below min_se ({min_se})"),
        ));
    }

    let max_message_size = value(&raw.max_message_size, 65_535);
    if !MESSAGE_SIZE_RANGE.contains(&max_message_size) {
        return Err(loc.error(
            loc.first_written(S, &[span(&raw.max_message_size)]),
            format!(
                "max_message_size ({max_message_size}) must be between {} and {} bytes",
                MESSAGE_SIZE_RANGE.start,
                MESSAGE_SIZE_RANGE.end - 1
            ),
        ));
    }

    let answer_delay_ms = value(&raw.answer_delay_ms, 0);
    if answer_delay_ms > MAX_ANSWER_DELAY_MS {
        return Err(loc.error(
            loc.first_written(S, &[span(&raw.answer_delay_ms)]),
            format!("answer_delay_ms ({answer_delay_ms}) must not exceed {MAX_ANSWER_DELAY_MS}"),
        ));
    }

    Ok(SipConfig {
        udp,
        tcp,
        t1_ms,
        t2_ms,
        t4_ms,
        min_expires,
        max_expires,
        default_expires,
        session_expires,
        min_se,
        max_message_size,
        answer_delay_ms,
    })
}

fn media(raw: RawMedia, loc: &Locator) -> Result<MediaConfig, ConfigError> {
    const S: &str = "media";
    if let Some(addr) = &raw.address {
        if addr.get_ref().is_multicast() {
            return Err(loc.at(addr, format!("{} is a multicast address", addr.get_ref())));
        }
    }
    let min = value(&raw.rtp_port_min, 20000);
    let max = value(&raw.rtp_port_max, 29999);
    if min == 0 || min & 1 == 1 {
        return Err(loc.error(
            loc.first_written(S, &[span(&raw.rtp_port_min)]),
            format!("rtp_port_min ({min}) must be a non-zero even port: RTP takes the even port of each pair"),
        ));
    }
    if min >= max {
        return Err(loc.error(
            loc.first_written(S, &[span(&raw.rtp_port_min), span(&raw.rtp_port_max)]),
            format!("rtp_port_min ({min}) must be below rtp_port_max ({max}): each call needs an RTP/RTCP pair"),
        ));
    }
    let media_timeout_secs = value(&raw.media_timeout_secs, 30);
    if media_timeout_secs == 0 {
        return Err(loc.error(
            loc.first_written(S, &[span(&raw.media_timeout_secs)]),
            "media_timeout_secs must be at least 1".into(),
        ));
    }
    Ok(MediaConfig {
        address: raw.address.map(Spanned::into_inner),
        rtp_port_min: min,
        rtp_port_max: max,
        media_timeout_secs,
    })
}

fn http(raw: RawHttp, loc: &Locator) -> Result<HttpConfig, ConfigError> {
    let listen = match &raw.listen {
        Some(l) if l.get_ref().port() == 0 => {
            return Err(loc.at(l, "http listen port must not be 0".into()));
        }
        Some(l) => *l.get_ref(),
        None => SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), 8080),
    };
    let token = raw.admin_token.get_ref();
    if token.trim().is_empty() {
        return Err(loc.at(&raw.admin_token, "admin_token must not be empty".into()));
    }
    if token.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(loc.at(
            &raw.admin_token,
            "admin_token must not contain spaces or control characters (it is sent as a bearer token)".into(),
        ));
    }
    Ok(HttpConfig {
        listen,
        admin_token: raw.admin_token.into_inner(),
    })
}

fn auth(raw: RawAuth, loc: &Locator) -> Result<AuthConfig, ConfigError> {
    let lifetime = value(&raw.nonce_lifetime_secs, 300);
    // Shorter nonces make every REGISTER refresh a stale round trip.
    if !(10..=86_400).contains(&lifetime) {
        return Err(loc.error(
            loc.first_written("auth", &[span(&raw.nonce_lifetime_secs)]),
            format!("nonce_lifetime_secs ({lifetime}) must be between 10 and 86400"),
        ));
    }
    let algorithms = match &raw.algorithms {
        Some(list) => algorithms(list, "auth.algorithms", loc)?,
        // MD5 alone by default: RFC 7616 clients use the first challenge
        // they support, and the stacks in room systems of this generation
        // (libre 1.x, sipp 3.6 and others) fail on a SHA-256 one. Operators
        // opt in to SHA-256 where the terminals support it.
        None => vec![DigestAlgorithm::Md5],
    };
    Ok(AuthConfig {
        nonce_lifetime_secs: lifetime,
        algorithms,
    })
}

/// A non-empty list of digest algorithm names without repeats.
fn algorithms(
    list: &Spanned<Vec<Spanned<String>>>,
    what: &str,
    loc: &Locator,
) -> Result<Vec<DigestAlgorithm>, ConfigError> {
    if list.get_ref().is_empty() {
        return Err(loc.at(
            list,
            format!("{what} must name at least one of \"SHA-256\", \"MD5\""),
        ));
    }
    let mut out = Vec::new();
    for name in list.get_ref() {
        let Some(alg) = DigestAlgorithm::from_name(name.get_ref()) else {
            return Err(loc.at(
                name,
                format!(
                    "{what}: unknown digest algorithm {:?} (use \"SHA-256\" or \"MD5\")",
                    name.get_ref()
                ),
            ));
        };
        if out.contains(&alg) {
            return Err(loc.at(name, format!("{what}: {} is listed twice", alg.as_str())));
        }
        out.push(alg);
    }
    Ok(out)
}

/// Every name that dials a room (numbers and aliases, by [`dial_key`]), with
/// what it is, for collision messages.
type DialNames = HashMap<String, String>;

fn rooms(raw: Vec<RawRoom>, loc: &Locator) -> Result<(Vec<RoomConfig>, DialNames), ConfigError> {
    let mut names: DialNames = HashMap::new();
    let mut out = Vec::with_capacity(raw.len());
    for room in raw {
        let number = room.number.get_ref().0.clone();
        if !is_digits(&number) || number.len() > MAX_NUMBER_LEN {
            return Err(loc.at(
                &room.number,
                format!("room number {number:?} must be 1 to {MAX_NUMBER_LEN} digits"),
            ));
        }
        let this = format!("room {number} (line {})", loc.line_of(&room.number));
        if let Some(other) = names.get(&number) {
            return Err(loc.at(
                &room.number,
                format!("room number {number} is already used by {other}"),
            ));
        }
        names.insert(number.clone(), this.clone());

        let name = room.name.get_ref().trim();
        if name.is_empty() || has_control(name) || name.chars().count() > MAX_NAME_LEN {
            return Err(loc.at(
                &room.name,
                format!("room name must be 1 to {MAX_NAME_LEN} characters on one line"),
            ));
        }

        let pin = match &room.pin {
            Some(pin) => {
                let p = pin.get_ref().0.as_str();
                if !is_digits(p) || p.len() > MAX_NUMBER_LEN {
                    return Err(loc.at(
                        pin,
                        format!("room PIN must be 1 to {MAX_NUMBER_LEN} digits"),
                    ));
                }
                Some(p.to_owned())
            }
            None => None,
        };

        let max_participants = value(&room.max_participants, 16);
        if !(1..=MAX_ROOM_PARTICIPANTS).contains(&max_participants) {
            let at = loc.first_written("rooms", &[span(&room.max_participants)]);
            return Err(loc.error(
                at,
                format!("max_participants ({max_participants}) must be between 1 and {MAX_ROOM_PARTICIPANTS}"),
            ));
        }

        let mut aliases = Vec::with_capacity(room.aliases.len());
        for alias in &room.aliases {
            let written = alias.get_ref().0.as_str();
            // An alias is stored the way the dial plan will hand it back.
            let dialled = match parse_dial(written) {
                Ok(d) if d.pin.is_none() && !has_control(written) && written.len() <= MAX_NAME_LEN => d.room,
                _ => {
                    return Err(loc.at(
                        alias,
                        format!(
                            "room alias {written:?} cannot be dialled: use digits, or letters, digits and - _ . ~ ! ' ( ) + (no * or #)"
                        ),
                    ))
                }
            };
            let key = dial_key(&dialled);
            if let Some(other) = names.get(&key) {
                return Err(loc.at(
                    alias,
                    format!("room alias {written:?} is already used by {other}"),
                ));
            }
            names.insert(key, this.clone());
            aliases.push(dialled);
        }

        out.push(RoomConfig {
            number,
            name: name.to_owned(),
            pin,
            max_participants,
            layout: room.layout.map_or(Layout::Auto, |l| l.into_inner().0),
            same_picture: value(&room.same_picture, false),
            aliases,
        });
    }
    Ok((out, names))
}

fn is_username(s: &str) -> bool {
    // Kept to characters that need no escaping in a SIP URI user part and no
    // quoting in a digest username.
    !s.is_empty()
        && s.len() <= MAX_NAME_LEN
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '!' | '~' | '+'))
}

fn terminals(
    raw: Vec<RawTerminal>,
    rooms: &DialNames,
    loc: &Locator,
) -> Result<Vec<TerminalConfig>, ConfigError> {
    // Usernames and H.323 aliases share one namespace: an H.323 call names
    // its target by either.
    let mut names: HashMap<String, String> = HashMap::new();
    let mut out = Vec::with_capacity(raw.len());
    for t in raw {
        let username = t.username.get_ref().0.clone();
        if !is_username(&username) {
            return Err(loc.at(
                &t.username,
                format!(
                    "terminal username {username:?} must be 1 to {MAX_NAME_LEN} of: letters, digits, - _ . ! ~ +"
                ),
            ));
        }
        if let Some(room) = rooms.get(&dial_key(&username)) {
            return Err(loc.at(
                &t.username,
                format!("terminal username {username:?} is also the number or alias of {room}"),
            ));
        }
        let this = format!("terminal {username} (line {})", loc.line_of(&t.username));
        if let Some(other) = names.get(&username) {
            return Err(loc.at(
                &t.username,
                format!("terminal username {username:?} is already used by {other}"),
            ));
        }
        names.insert(username.clone(), this.clone());

        if t.password.get_ref().is_empty() {
            return Err(loc.at(
                &t.password,
                format!("terminal {username}: password must not be empty"),
            ));
        }

        let display_name = match t.display_name {
            Some(d) => {
                let text = d.get_ref().trim();
                if text.is_empty() || has_control(text) || text.chars().count() > MAX_NAME_LEN {
                    return Err(loc.at(
                        &d,
                        format!("display_name must be 1 to {MAX_NAME_LEN} characters on one line"),
                    ));
                }
                text.to_owned()
            }
            None => username.clone(),
        };

        let mut aliases: Vec<String> = Vec::with_capacity(t.aliases.len());
        for alias in &t.aliases {
            let a = alias.get_ref().0.as_str();
            if a.is_empty()
                || a.len() > MAX_NAME_LEN
                || a.chars().any(|c| c.is_whitespace() || c.is_control())
            {
                return Err(loc.at(
                    alias,
                    format!("terminal alias {a:?} must be 1 to {MAX_NAME_LEN} characters without spaces"),
                ));
            }
            if let Some(room) = rooms.get(&dial_key(a)) {
                return Err(loc.at(
                    alias,
                    format!("terminal alias {a:?} is also the number or alias of {room}"),
                ));
            }
            // A terminal's own username as an alias is usual (H.323 E.164 = SIP user).
            if a != username {
                if let Some(other) = names.get(a) {
                    return Err(loc.at(
                        alias,
                        format!("terminal alias {a:?} is already used by {other}"),
                    ));
                }
                names.insert(a.to_owned(), this.clone());
            }
            if !aliases.iter().any(|x| x == a) {
                aliases.push(a.to_owned());
            }
        }

        out.push(TerminalConfig {
            username,
            password: t.password.into_inner(),
            display_name,
            protocol: t.protocol,
            aliases,
            digest_algorithms: match &t.digest_algorithms {
                Some(list) => Some(algorithms(list, "digest_algorithms", loc)?),
                None => None,
            },
        });
    }
    Ok(out)
}
