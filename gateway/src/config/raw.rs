//! The file's shape as serde sees it. Values that get checked after parsing
//! are `Spanned` so the check can point at them; optional keys are `Option`
//! so the checks know whether a value was written or defaulted.

use std::fmt;
use std::net::{IpAddr, SocketAddr};

use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;
use toml::Spanned;

use super::{Layout, Protocol};

pub(super) type Opt<T> = Option<Spanned<T>>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawConfig {
    pub server: RawServer,
    #[serde(default)]
    pub sip: RawSip,
    #[serde(default)]
    pub media: RawMedia,
    pub http: RawHttp,
    #[serde(default)]
    pub auth: RawAuth,
    #[serde(default)]
    pub rooms: Vec<RawRoom>,
    #[serde(default)]
    pub terminals: Vec<RawTerminal>,
    #[serde(default)]
    pub webrtc: super::webrtc::RawWebrtc,
    #[serde(default)]
    pub h323: super::h323::RawH323,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawServer {
    pub sip_domain: Spanned<String>,
    #[serde(default)]
    pub public_address: Opt<IpAddr>,
    #[serde(default)]
    pub user_agent: Opt<String>,
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSip {
    #[serde(default)]
    pub udp: Opt<Vec<Spanned<SocketAddr>>>,
    #[serde(default)]
    pub tcp: Opt<Vec<Spanned<SocketAddr>>>,
    #[serde(default)]
    pub t1_ms: Opt<u64>,
    #[serde(default)]
    pub t2_ms: Opt<u64>,
    #[serde(default)]
    pub t4_ms: Opt<u64>,
    #[serde(default)]
    pub min_expires: Opt<u32>,
    #[serde(default)]
    pub max_expires: Opt<u32>,
    #[serde(default)]
    pub default_expires: Opt<u32>,
    #[serde(default)]
    pub session_expires: Opt<u32>,
    #[serde(default)]
    pub min_se: Opt<u32>,
    #[serde(default)]
    pub max_message_size: Opt<usize>,
    #[serde(default)]
    pub answer_delay_ms: Opt<u64>,
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawMedia {
    #[serde(default)]
    pub address: Opt<IpAddr>,
    #[serde(default)]
    pub rtp_port_min: Opt<u16>,
    #[serde(default)]
    pub rtp_port_max: Opt<u16>,
    #[serde(default)]
    pub media_timeout_secs: Opt<u32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawHttp {
    #[serde(default)]
    pub listen: Opt<SocketAddr>,
    pub admin_token: Spanned<String>,
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawAuth {
    #[serde(default)]
    pub nonce_lifetime_secs: Opt<u32>,
    #[serde(default)]
    pub algorithms: Opt<Vec<Spanned<String>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRoom {
    pub number: Spanned<Digits>,
    pub name: Spanned<String>,
    #[serde(default)]
    pub pin: Opt<Digits>,
    #[serde(default)]
    pub max_participants: Opt<u32>,
    #[serde(default)]
    pub layout: Opt<LayoutName>,
    #[serde(default)]
    pub same_picture: Opt<bool>,
    #[serde(default)]
    pub aliases: Vec<Spanned<Digits>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawTerminal {
    pub username: Spanned<Digits>,
    pub password: Spanned<String>,
    #[serde(default)]
    pub display_name: Opt<String>,
    #[serde(default)]
    pub protocol: Protocol,
    #[serde(default)]
    pub aliases: Vec<Spanned<Digits>>,
    #[serde(default)]
    pub digest_algorithms: Opt<Vec<Spanned<String>>>,
}

/// A string that people naturally write as a bare number (`number = 1000`,
/// `username = 101`): accepted as a TOML string or a non-negative integer.
/// Whether it really is digits-only is checked later, where needed.
pub(super) struct Digits(pub String);

impl<'de> Deserialize<'de> for Digits {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct DigitsVisitor;

        impl Visitor<'_> for DigitsVisitor {
            type Value = Digits;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string or a non-negative integer")
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<Digits, E> {
                Ok(Digits(v.to_owned()))
            }

            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Digits, E> {
                Ok(Digits(v.to_string()))
            }

            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Digits, E> {
                u64::try_from(v)
                    .map(|v| Digits(v.to_string()))
                    .map_err(|_| E::invalid_value(de::Unexpected::Signed(v), &self))
            }
        }

        deserializer.deserialize_any(DigitsVisitor)
    }
}

/// A layout as written in the file (the type is the mixer's, so serde's
/// impl lives on this wrapper).
pub(super) struct LayoutName(pub Layout);

impl<'de> Deserialize<'de> for LayoutName {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct LayoutVisitor;

        impl Visitor<'_> for LayoutVisitor {
            type Value = LayoutName;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a layout name (auto, 1, 2, 2x2, 3x3, 4x4, 1+5, 1+7)")
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<LayoutName, E> {
                v.parse().map(LayoutName).map_err(E::custom)
            }

            // `layout = 1` reads as naturally as `layout = "1"`.
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<LayoutName, E> {
                self.visit_str(&v.to_string())
            }

            fn visit_u64<E: de::Error>(self, v: u64) -> Result<LayoutName, E> {
                self.visit_str(&v.to_string())
            }
        }

        deserializer.deserialize_any(LayoutVisitor)
    }
}
