//! `[webrtc]`: browsers, WHIP/WHEP endpoints and links to an external
//! WebRTC platform. Its own file: the section's shape and its checks.

use std::net::IpAddr;
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;

use super::raw::{Digits, Opt};
use super::validate::Locator;
use super::ConfigError;

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawWebrtc {
    #[serde(default)]
    pub enabled: Opt<bool>,
    #[serde(default)]
    pub stun_server: Opt<String>,
    #[serde(default)]
    pub turn_servers: Vec<Spanned<String>>,
    #[serde(default)]
    pub ice_addresses: Vec<Spanned<IpAddr>>,
    #[serde(default)]
    pub public_address: Opt<IpAddr>,
    #[serde(default)]
    pub ice_port_min: Opt<u16>,
    #[serde(default)]
    pub ice_port_max: Opt<u16>,
    #[serde(default)]
    pub token: Opt<String>,
    #[serde(default)]
    pub gather_timeout_ms: Opt<u64>,
    #[serde(default)]
    pub links: Vec<RawLink>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawLink {
    pub room: Spanned<Digits>,
    pub name: Spanned<String>,
    #[serde(default)]
    pub whip_url: Opt<String>,
    #[serde(default)]
    pub whep_url: Opt<String>,
    #[serde(default)]
    pub token: Opt<String>,
    #[serde(default)]
    pub retry_max_secs: Opt<u64>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct WebrtcConfig {
    pub enabled: bool,
    /// `stun://host:port`
    pub stun_server: Option<String>,
    /// `turn://user:password@host:port`
    pub turn_servers: Vec<String>,
    /// Gather and accept ICE candidates on these addresses only. Empty: all
    /// interfaces.
    pub ice_addresses: Vec<IpAddr>,
    /// The address browsers reach us at through 1:1 NAT.
    pub public_address: Option<IpAddr>,
    pub ice_ports: Option<(u16, u16)>,
    /// Bearer token for `/whip` and `/whep`. `None`: open (rooms' PINs
    /// still apply).
    pub token: Option<String>,
    pub gather_timeout: Duration,
    pub links: Vec<LinkConfig>,
}

impl Default for WebrtcConfig {
    fn default() -> Self {
        WebrtcConfig {
            enabled: true,
            stun_server: None,
            turn_servers: Vec::new(),
            ice_addresses: Vec::new(),
            public_address: None,
            ice_ports: None,
            token: None,
            gather_timeout: Duration::from_secs(2),
            links: Vec::new(),
        }
    }
}

/// A room's link to a room on another WebRTC platform: we publish the
/// room there (WHIP) and pull that room back in as one participant (WHEP).
#[derive(Clone, Debug, PartialEq)]
pub struct LinkConfig {
    pub room: String,
    /// The participant's name in our room.
    pub name: String,
    pub whip_url: Option<String>,
    pub whep_url: Option<String>,
    pub token: Option<String>,
    /// Reconnect backoff: 1 s doubling up to this.
    pub retry_max: Duration,
}

fn url_ok(u: &str) -> Result<(), String> {
    if u.starts_with("https://") {
        return Err(format!(
            "{u}: https links are not supported yet (no TLS client in this build); use http:// through a local TLS proxy"
        ));
    }
    let rest = u
        .strip_prefix("http://")
        .ok_or_else(|| format!("{u}: not an http:// URL"))?;
    if rest.is_empty() || rest.starts_with('/') || u.chars().any(|c| c.is_whitespace()) {
        return Err(format!("{u}: no host"));
    }
    Ok(())
}

pub(super) fn webrtc(
    raw: RawWebrtc,
    room_numbers: &[String],
    loc: &Locator,
) -> Result<WebrtcConfig, ConfigError> {
    let d = WebrtcConfig::default();
    if let Some(s) = &raw.stun_server {
        if !s.get_ref().starts_with("stun://") {
            return Err(loc.at(
                s,
                format!("stun_server {:?} must be stun://host:port", s.get_ref()),
            ));
        }
    }
    for t in &raw.turn_servers {
        let v = t.get_ref();
        if !(v.starts_with("turn://") || v.starts_with("turns://")) || !v.contains('@') {
            return Err(loc.at(
                t,
                format!("turn server {v:?} must be turn://user:password@host:port"),
            ));
        }
    }
    for a in &raw.ice_addresses {
        if a.get_ref().is_unspecified() || a.get_ref().is_multicast() {
            return Err(loc.at(a, format!("{} is not an interface address", a.get_ref())));
        }
    }
    let ice_ports = match (&raw.ice_port_min, &raw.ice_port_max) {
        (None, None) => None,
        (Some(min), Some(max)) if *min.get_ref() > 0 && min.get_ref() < max.get_ref() => {
            Some((*min.get_ref(), *max.get_ref()))
        }
        (Some(v), _) | (None, Some(v)) => {
            return Err(loc.at(
                v,
                "ice_port_min and ice_port_max go together, min below max, neither 0".into(),
            ))
        }
    };
    if let Some(t) = &raw.token {
        if t.get_ref().trim().is_empty() {
            return Err(loc.at(t, "token must not be empty".into()));
        }
    }
    let gather_ms = raw
        .gather_timeout_ms
        .as_ref()
        .map_or(2000, |v| *v.get_ref());
    if !(100..=30_000).contains(&gather_ms) {
        let at = raw.gather_timeout_ms.as_ref();
        if let Some(at) = at {
            return Err(loc.at(at, "gather_timeout_ms must be 100..=30000".into()));
        }
    }
    let mut links = Vec::new();
    for l in raw.links {
        let room = l.room.get_ref().0.clone();
        if !room_numbers.contains(&room) {
            return Err(loc.at(&l.room, format!("link to unknown room {room}")));
        }
        if l.name.get_ref().trim().is_empty() {
            return Err(loc.at(&l.name, "a link needs a name".into()));
        }
        for u in [&l.whip_url, &l.whep_url].into_iter().flatten() {
            url_ok(u.get_ref()).map_err(|e| loc.at(u, e))?;
        }
        if l.whip_url.is_none() && l.whep_url.is_none() {
            return Err(loc.at(&l.room, "a link needs whip_url, whep_url or both".into()));
        }
        let retry = l.retry_max_secs.as_ref().map_or(30, |v| *v.get_ref());
        if retry == 0 {
            if let Some(v) = &l.retry_max_secs {
                return Err(loc.at(v, "retry_max_secs must be at least 1".into()));
            }
        }
        links.push(LinkConfig {
            room,
            name: l.name.into_inner(),
            whip_url: l.whip_url.map(Spanned::into_inner),
            whep_url: l.whep_url.map(Spanned::into_inner),
            token: l.token.map(Spanned::into_inner),
            retry_max: Duration::from_secs(retry),
        });
    }
    Ok(WebrtcConfig {
        enabled: raw.enabled.map_or(d.enabled, Spanned::into_inner),
        stun_server: raw.stun_server.map(Spanned::into_inner),
        turn_servers: raw
            .turn_servers
            .into_iter()
            .map(Spanned::into_inner)
            .collect(),
        ice_addresses: raw
            .ice_addresses
            .into_iter()
            .map(Spanned::into_inner)
            .collect(),
        public_address: raw.public_address.map(Spanned::into_inner),
        ice_ports,
        token: raw.token.map(Spanned::into_inner),
        gather_timeout: Duration::from_millis(gather_ms),
        links,
    })
}
