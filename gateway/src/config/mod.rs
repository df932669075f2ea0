//! Configuration: one TOML file, deserialised strictly (unknown keys are
//! errors) and validated before the daemon starts. Every error, syntactic or
//! semantic, names the file, line and column, so a typo is found at once.
//!
//! `raw` holds the file's shape (with spans for the values we check);
//! `validate` turns it into the plain types below.

mod h323;
mod raw;
mod validate;
mod webrtc;

pub use h323::{H323Config, DISCOVERY_GROUP};
pub use webrtc::{LinkConfig, WebrtcConfig};

use std::collections::HashMap;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

pub use crate::sip::auth::DigestAlgorithm;

/// The validated configuration of the daemon.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    pub server: ServerConfig,
    pub sip: SipConfig,
    pub media: MediaConfig,
    pub http: HttpConfig,
    pub auth: AuthConfig,
    pub rooms: Vec<RoomConfig>,
    pub terminals: Vec<TerminalConfig>,
    pub webrtc: WebrtcConfig,
    pub h323: H323Config,
    /// The file this was loaded from (used to reload it).
    pub source: PathBuf,
    /// Position in `terminals` by username: every REGISTER looks one up.
    terminal_index: HashMap<String, usize>,
    /// The host's primary address, found by [`Config::load`] (not by
    /// `from_str`, which stays free of I/O): the fallback to advertise when
    /// SIP listens on a wildcard address and no public address is set.
    detected_address: Option<IpAddr>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ServerConfig {
    /// The SIP domain of the gateway; also the digest realm.
    pub sip_domain: String,
    /// Address put in Contact headers and SDP when listening on 0.0.0.0;
    /// see [`Config::public_address`] for the default.
    pub public_address: Option<IpAddr>,
    /// User-Agent / Server header value.
    pub user_agent: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct SipConfig {
    /// UDP listen addresses.
    pub udp: Vec<SocketAddr>,
    /// TCP listen addresses.
    pub tcp: Vec<SocketAddr>,
    // TLS listeners will be a `tls: Vec<TlsListen>` here (address, cert, key).
    /// RFC 3261 T1 (RTT estimate), milliseconds.
    pub t1_ms: u64,
    /// RFC 3261 T2 (maximum retransmit interval for non-INVITE), milliseconds.
    pub t2_ms: u64,
    /// RFC 3261 T4 (maximum time a message stays in the network), milliseconds.
    pub t4_ms: u64,
    /// Smallest registration interval accepted (423 below it).
    pub min_expires: u32,
    /// Largest registration interval granted (longer ones are shortened).
    pub max_expires: u32,
    /// Interval granted when a REGISTER does not ask for one.
    pub default_expires: u32,
    /// Session-Expires we ask for (RFC 4028), seconds.
    pub session_expires: u32,
    /// Min-SE we accept (RFC 4028), seconds.
    pub min_se: u32,
    /// Largest SIP message accepted on any transport, bytes.
    pub max_message_size: usize,
    /// Delay between 180 Ringing and 200 OK for calls into rooms, ms; 0
    /// answers at once. Some terminals mishandle an immediate answer.
    pub answer_delay_ms: u64,
}

impl SipConfig {
    pub fn t1(&self) -> Duration {
        Duration::from_millis(self.t1_ms)
    }

    pub fn t2(&self) -> Duration {
        Duration::from_millis(self.t2_ms)
    }

    pub fn t4(&self) -> Duration {
        Duration::from_millis(self.t4_ms)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct MediaConfig {
    /// RTP bind address; `None` binds 0.0.0.0.
    pub address: Option<IpAddr>,
    /// First RTP port (even: RTP takes the even port, RTCP the next one).
    pub rtp_port_min: u16,
    /// Last RTP/RTCP port.
    pub rtp_port_max: u16,
    /// A call that receives no media for this long is hung up.
    pub media_timeout_secs: u32,
}

impl MediaConfig {
    pub fn bind_address(&self) -> IpAddr {
        self.address.unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
    }

    pub fn media_timeout(&self) -> Duration {
        Duration::from_secs(self.media_timeout_secs.into())
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct HttpConfig {
    pub listen: SocketAddr,
    /// Bearer token required by the admin API.
    pub admin_token: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct AuthConfig {
    /// How long a digest nonce stays valid before it is answered as stale.
    pub nonce_lifetime_secs: u32,
    /// Digest algorithms challenged with, most preferred first.
    pub algorithms: Vec<DigestAlgorithm>,
}

impl AuthConfig {
    pub fn nonce_lifetime(&self) -> Duration {
        Duration::from_secs(self.nonce_lifetime_secs.into())
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct RoomConfig {
    /// The number dialled to join the room (digits).
    pub number: String,
    pub name: String,
    /// PIN to join (digits); `None` lets anyone in.
    pub pin: Option<String>,
    /// 1..=64.
    pub max_participants: u32,
    pub layout: Layout,
    /// Everyone sees the same picture, self included: receivers with the
    /// same codec settings share one encoder (capacity over self-view
    /// exclusion).
    pub same_picture: bool,
    /// Other names the room can be dialled by. Phone-style aliases are stored
    /// normalised to digits (as [`crate::sip::dialplan::parse_dial`] returns
    /// them); the others as written.
    pub aliases: Vec<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct TerminalConfig {
    /// SIP username (digest and AOR user part).
    pub username: String,
    pub password: String,
    /// Defaults to the username.
    pub display_name: String,
    pub protocol: Protocol,
    /// H.323 aliases (E.164 numbers or H323-IDs).
    pub aliases: Vec<String>,
    /// Overrides `auth.algorithms` for this terminal: older firmware (libre
    /// before 2.x, some room systems) rejects a 401 that offers SHA-256.
    pub digest_algorithms: Option<Vec<DigestAlgorithm>>,
}

impl TerminalConfig {
    /// The algorithms to challenge this terminal with.
    pub fn algorithms<'a>(&'a self, auth: &'a AuthConfig) -> &'a [DigestAlgorithm] {
        self.digest_algorithms
            .as_deref()
            .unwrap_or(&auth.algorithms)
    }
}

/// The video layout of a room: the mixer's, with its config spellings.
pub use diemcau_mixer::video::Layout;

/// The signalling protocol of a terminal.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    #[default]
    Sip,
    H323,
}

impl Protocol {
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Sip => "sip",
            Protocol::H323 => "h323",
        }
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A configuration error, located in the file (line 0 when the file could not
/// be read at all). Lines and columns count from 1; columns in characters.
#[derive(Debug, thiserror::Error)]
#[error("{file}:{line}:{column}: {reason}")]
pub struct ConfigError {
    pub file: PathBuf,
    pub line: usize,
    pub column: usize,
    pub reason: String,
}

impl Config {
    /// Read, parse and validate the configuration file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            file: path.to_path_buf(),
            line: 0,
            column: 0,
            reason: format!("cannot read: {e}"),
        })?;
        let mut config = Config::from_str(&text, path)?;
        config.detected_address = primary_address();
        Ok(config)
    }

    /// Parse and validate configuration text; `path` is used in errors and
    /// kept as [`Config::source`].
    pub fn from_str(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let locator = validate::Locator::new(text, path);
        let raw: raw::RawConfig = toml::from_str(text).map_err(|e| {
            let span = e.span().unwrap_or(0..0);
            locator.error(span, e.message().trim().to_owned())
        })?;
        validate::build(raw, &locator)
    }

    /// The room with this number or alias. Phone-style strings are compared
    /// by their digits, other aliases case-insensitively.
    pub fn room(&self, number_or_alias: &str) -> Option<&RoomConfig> {
        if let Some(room) = self.rooms.iter().find(|r| r.number == number_or_alias) {
            return Some(room);
        }
        let key = validate::dial_key(number_or_alias);
        self.rooms.iter().find(|r| {
            validate::dial_key(&r.number) == key
                || r.aliases.iter().any(|a| validate::dial_key(a) == key)
        })
    }

    /// The terminal with this username (exact, as SIP user parts are
    /// case-sensitive).
    pub fn terminal(&self, username: &str) -> Option<&TerminalConfig> {
        self.terminal_index
            .get(username)
            .and_then(|&i| self.terminals.get(i))
    }

    /// The terminal with this H.323 alias (or username).
    pub fn terminal_by_alias(&self, alias: &str) -> Option<&TerminalConfig> {
        self.terminal(alias).or_else(|| {
            self.terminals
                .iter()
                .find(|t| t.aliases.iter().any(|a| a == alias))
        })
    }

    /// The configured public address, if any (without the fallbacks of
    /// [`Config::public_address`]).
    pub fn public_ip(&self) -> Option<IpAddr> {
        self.server.public_address
    }

    /// The address to put in SDP `c=` lines: the media bind address when it is
    /// specific, else [`Config::public_address`].
    pub fn media_ip(&self) -> IpAddr {
        match self.media.address {
            Some(ip) if !ip.is_unspecified() => ip,
            _ => self.public_address(),
        }
    }

    /// The address to advertise in Contact headers and SDP: the configured
    /// public address, else the first specific listen address, else the
    /// host's primary address (wildcard listeners), else loopback.
    pub fn public_address(&self) -> IpAddr {
        self.server.public_address.unwrap_or_else(|| {
            self.sip
                .udp
                .iter()
                .chain(&self.sip.tcp)
                .map(SocketAddr::ip)
                .find(|ip| !ip.is_unspecified())
                .or(self.detected_address)
                .unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST))
        })
    }
}

/// The source address the kernel would pick towards the outside world: a
/// connected UDP socket learns it from the routing table without sending
/// anything. None on a host without a route (then loopback is used).
fn primary_address() -> Option<IpAddr> {
    let sock = std::net::UdpSocket::bind((Ipv4Addr::UNSPECIFIED, 0)).ok()?;
    // TEST-NET-1 (RFC 5737): only the route matters; no packet is sent.
    sock.connect((Ipv4Addr::new(192, 0, 2, 1), 9)).ok()?;
    let ip = sock.local_addr().ok()?.ip();
    (!ip.is_unspecified() && !ip.is_loopback()).then_some(ip)
}

#[cfg(test)]
mod tests;
