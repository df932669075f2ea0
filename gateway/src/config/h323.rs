//! `[h323]`: the gatekeeper (RAS on UDP) and the call-signalling listener
//! (TCP) H.323 terminals use. Its own file: the section's shape and checks.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;

use super::raw::Opt;
use super::validate::Locator;
use super::ConfigError;

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawH323 {
    #[serde(default)]
    pub enabled: Opt<bool>,
    #[serde(default)]
    pub ras_listen: Opt<Vec<Spanned<SocketAddr>>>,
    #[serde(default)]
    pub discovery_multicast: Opt<bool>,
    #[serde(default)]
    pub call_signalling_listen: Opt<SocketAddr>,
    #[serde(default)]
    pub gatekeeper_id: Opt<String>,
    #[serde(default)]
    pub time_to_live_secs: Opt<u32>,
}

/// The multicast group gatekeepers are discovered on (H.225.0 §7.6).
pub const DISCOVERY_GROUP: Ipv4Addr = Ipv4Addr::new(224, 0, 1, 41);

#[derive(Clone, Debug, PartialEq)]
pub struct H323Config {
    pub enabled: bool,
    /// UDP addresses the gatekeeper answers RAS on (standard port 1719).
    pub ras_listen: Vec<SocketAddr>,
    /// Answer multicast GRQs: a socket on 0.0.0.0:1718 joined to 224.0.1.41
    /// on the RAS sockets' interfaces.
    pub discovery_multicast: bool,
    /// The TCP address H.225.0 call signalling listens on (standard 1720);
    /// ACFs for calls to rooms point here.
    pub call_signalling_listen: SocketAddr,
    /// Our gatekeeper identifier (GCF/RCF, checked in GRQ/RRQ when given).
    pub gatekeeper_id: String,
    /// How long a registration lives without a keep-alive.
    pub time_to_live: Duration,
}

impl Default for H323Config {
    fn default() -> Self {
        H323Config {
            enabled: false,
            ras_listen: vec![SocketAddr::from(([0, 0, 0, 0], 1719))],
            discovery_multicast: false,
            call_signalling_listen: SocketAddr::from(([0, 0, 0, 0], 1720)),
            gatekeeper_id: "diemcau".into(),
            time_to_live: Duration::from_secs(300),
        }
    }
}

pub(super) fn h323(raw: RawH323, loc: &Locator) -> Result<H323Config, ConfigError> {
    let d = H323Config::default();
    let ras_listen = match raw.ras_listen {
        None => d.ras_listen,
        Some(list) => {
            if list.get_ref().is_empty() {
                return Err(loc.at(&list, "ras_listen needs at least one address".into()));
            }
            let mut out = Vec::new();
            for a in list.into_inner() {
                if a.get_ref().is_ipv6() {
                    return Err(loc.at(&a, "RAS listens on IPv4 addresses only".into()));
                }
                out.push(a.into_inner());
            }
            out
        }
    };
    if let Some(a) = &raw.call_signalling_listen {
        if a.get_ref().port() == 0 {
            return Err(loc.at(a, "call_signalling_listen needs a port".into()));
        }
    }
    if let Some(id) = &raw.gatekeeper_id {
        let n = id.get_ref().chars().count();
        if n == 0 || n > 128 || id.get_ref().chars().any(|c| u32::from(c) > 0xffff) {
            return Err(loc.at(
                id,
                "gatekeeper_id must be 1 to 128 characters of the Basic Multilingual Plane".into(),
            ));
        }
    }
    if let Some(t) = &raw.time_to_live_secs {
        if !(10..=86_400).contains(t.get_ref()) {
            return Err(loc.at(t, "time_to_live_secs must be 10..=86400".into()));
        }
    }
    Ok(H323Config {
        enabled: raw.enabled.map_or(d.enabled, Spanned::into_inner),
        ras_listen,
        discovery_multicast: raw
            .discovery_multicast
            .map_or(d.discovery_multicast, Spanned::into_inner),
        call_signalling_listen: raw
            .call_signalling_listen
            .map_or(d.call_signalling_listen, Spanned::into_inner),
        gatekeeper_id: raw
            .gatekeeper_id
            .map_or(d.gatekeeper_id, Spanned::into_inner),
        time_to_live: raw.time_to_live_secs.map_or(d.time_to_live, |t| {
            Duration::from_secs((*t.get_ref()).into())
        }),
    })
}
