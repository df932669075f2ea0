//! The gatekeeper (H.225.0 RAS), sans-IO: [`Gatekeeper::handle`] takes one
//! datagram (and the time), returns the answer to send and what happened;
//! [`udp`] is the socket edge.
//!
//! Registrations come only from the config's known terminals with
//! `protocol = "h323"`: a terminal registers with any of its aliases (its
//! username counts as one). Calls to rooms (number or alias) are admitted to
//! our own call-signalling address, calls to a registered terminal's alias
//! to that terminal's address.
//!
//! Answers go to the datagram's source address rather than the `rasAddress`
//! in the request: the same for a terminal on our network, and right for one
//! behind NAT.

pub mod build;
pub mod discovery;
pub mod udp;

use std::net::{SocketAddr, SocketAddrV4};
use std::time::{Duration, Instant};

use crate::config::{Config, Protocol};
use crate::control::{ContactView, RegistrationView};
use crate::h323::asn1::h225::*;
use build::{alias, alias_text, socket_addr, v4};

/// A terminal allowed to register, from `[[terminals]]`.
#[derive(Debug, Clone, PartialEq)]
pub struct KnownTerminal {
    pub username: String,
    pub display_name: String,
    /// Username and aliases, lower-cased for comparison.
    keys: Vec<String>,
}

/// What the gatekeeper needs from the config.
#[derive(Debug, Clone, PartialEq)]
pub struct GatekeeperConfig {
    pub gatekeeper_id: String,
    /// Where calls to rooms go (our H.225.0 call signalling).
    pub call_signalling: SocketAddrV4,
    pub time_to_live: Duration,
    pub terminals: Vec<KnownTerminal>,
    /// Room numbers and aliases, lower-cased.
    pub room_names: Vec<String>,
}

impl GatekeeperConfig {
    /// From the daemon's config; `advertised` replaces a wildcard
    /// call-signalling address (what terminals must connect to).
    pub fn from_config(config: &Config, advertised: std::net::Ipv4Addr) -> Self {
        let mut call_signalling = v4(config.h323.call_signalling_listen);
        if call_signalling.ip().is_unspecified() {
            call_signalling.set_ip(advertised);
        }
        let terminals = config
            .terminals
            .iter()
            .filter(|t| t.protocol == Protocol::H323)
            .map(|t| KnownTerminal {
                username: t.username.clone(),
                display_name: t.display_name.clone(),
                keys: std::iter::once(&t.username)
                    .chain(&t.aliases)
                    .map(|a| a.to_lowercase())
                    .collect(),
            })
            .collect();
        let room_names = config
            .rooms
            .iter()
            .flat_map(|r| std::iter::once(&r.number).chain(&r.aliases))
            .map(|a| a.to_lowercase())
            .collect();
        GatekeeperConfig {
            gatekeeper_id: config.h323.gatekeeper_id.clone(),
            call_signalling,
            time_to_live: config.h323.time_to_live,
            terminals,
            room_names,
        }
    }

    /// A config by hand: `terminals` are (username, display name, aliases).
    pub fn new(
        gatekeeper_id: &str,
        call_signalling: SocketAddrV4,
        time_to_live: Duration,
        terminals: &[(&str, &str, &[&str])],
        room_names: &[&str],
    ) -> Self {
        GatekeeperConfig {
            gatekeeper_id: gatekeeper_id.to_string(),
            call_signalling,
            time_to_live,
            terminals: terminals
                .iter()
                .map(|(user, name, aliases)| KnownTerminal {
                    username: user.to_string(),
                    display_name: name.to_string(),
                    keys: std::iter::once(user)
                        .chain(aliases.iter())
                        .map(|a| a.to_lowercase())
                        .collect(),
                })
                .collect(),
            room_names: room_names.iter().map(|r| r.to_lowercase()).collect(),
        }
    }

    fn terminal_of(&self, alias_key: &str) -> Option<usize> {
        self.terminals
            .iter()
            .position(|t| t.keys.iter().any(|k| k == alias_key))
    }
}

/// One registered terminal.
#[derive(Debug, Clone, PartialEq)]
pub struct Registration {
    pub endpoint_id: String,
    pub username: String,
    pub display_name: String,
    pub aliases: Vec<AliasAddress>,
    pub call_signalling: SocketAddrV4,
    pub ras: SocketAddr,
    pub expires: Instant,
}

/// What one datagram did, for logs and metrics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The received message's name (`registrationRequest`, …, or
    /// `malformed`).
    pub received: &'static str,
    /// The answer's name, if we answer.
    pub answered: Option<&'static str>,
    /// The reject's reason (`securityDenial`, …) if the answer is a reject.
    pub reject_reason: Option<&'static str>,
    /// Encoded answer, to send back to the source.
    pub reply: Option<Vec<u8>>,
}

/// The gatekeeper's state.
pub struct Gatekeeper {
    config: GatekeeperConfig,
    registrations: Vec<Registration>,
    next_endpoint: u64,
}

/// A granted call's bandwidth limit (in 100 bit/s): 8 Mbit/s both ways.
const MAX_BANDWIDTH: BandWidth = 80_000;

fn key(a: &AliasAddress) -> Option<String> {
    alias_text(a).map(|t| t.to_lowercase())
}

pub fn message_name(m: &RasMessage) -> &'static str {
    match m {
        RasMessage::GatekeeperRequest(_) => "gatekeeperRequest",
        RasMessage::GatekeeperConfirm(_) => "gatekeeperConfirm",
        RasMessage::GatekeeperReject(_) => "gatekeeperReject",
        RasMessage::RegistrationRequest(_) => "registrationRequest",
        RasMessage::RegistrationConfirm(_) => "registrationConfirm",
        RasMessage::RegistrationReject(_) => "registrationReject",
        RasMessage::UnregistrationRequest(_) => "unregistrationRequest",
        RasMessage::UnregistrationConfirm(_) => "unregistrationConfirm",
        RasMessage::UnregistrationReject(_) => "unregistrationReject",
        RasMessage::AdmissionRequest(_) => "admissionRequest",
        RasMessage::AdmissionConfirm(_) => "admissionConfirm",
        RasMessage::AdmissionReject(_) => "admissionReject",
        RasMessage::BandwidthRequest(_) => "bandwidthRequest",
        RasMessage::BandwidthConfirm(_) => "bandwidthConfirm",
        RasMessage::BandwidthReject(_) => "bandwidthReject",
        RasMessage::DisengageRequest(_) => "disengageRequest",
        RasMessage::DisengageConfirm(_) => "disengageConfirm",
        RasMessage::DisengageReject(_) => "disengageReject",
        RasMessage::LocationRequest(_) => "locationRequest",
        RasMessage::LocationConfirm(_) => "locationConfirm",
        RasMessage::LocationReject(_) => "locationReject",
        RasMessage::InfoRequest(_) => "infoRequest",
        RasMessage::InfoRequestResponse(_) => "infoRequestResponse",
        RasMessage::NonStandardMessage(_) => "nonStandardMessage",
        RasMessage::UnknownMessageResponse(_) => "unknownMessageResponse",
        RasMessage::RequestInProgress(_) => "requestInProgress",
        RasMessage::ResourcesAvailableIndicate(_) => "resourcesAvailableIndicate",
        RasMessage::ResourcesAvailableConfirm(_) => "resourcesAvailableConfirm",
        RasMessage::InfoRequestAck(_) => "infoRequestAck",
        RasMessage::InfoRequestNak(_) => "infoRequestNak",
        RasMessage::ServiceControlIndication(_) => "serviceControlIndication",
        RasMessage::ServiceControlResponse(_) => "serviceControlResponse",
        RasMessage::AdmissionConfirmSequence(_) => "admissionConfirmSequence",
    }
}

/// The sequence number of any message, to answer it (XRS) even when we do
/// not handle its kind.
fn seq_of(m: &RasMessage) -> Option<RequestSeqNum> {
    Some(match m {
        RasMessage::GatekeeperConfirm(x) => x.request_seq_num,
        RasMessage::GatekeeperReject(x) => x.request_seq_num,
        RasMessage::RegistrationConfirm(x) => x.request_seq_num,
        RasMessage::RegistrationReject(x) => x.request_seq_num,
        RasMessage::UnregistrationConfirm(x) => x.request_seq_num,
        RasMessage::UnregistrationReject(x) => x.request_seq_num,
        RasMessage::AdmissionConfirm(x) => x.request_seq_num,
        RasMessage::AdmissionReject(x) => x.request_seq_num,
        RasMessage::BandwidthConfirm(x) => x.request_seq_num,
        RasMessage::BandwidthReject(x) => x.request_seq_num,
        RasMessage::DisengageConfirm(x) => x.request_seq_num,
        RasMessage::DisengageReject(x) => x.request_seq_num,
        RasMessage::LocationConfirm(x) => x.request_seq_num,
        RasMessage::LocationReject(x) => x.request_seq_num,
        RasMessage::NonStandardMessage(x) => x.request_seq_num,
        RasMessage::RequestInProgress(x) => x.request_seq_num,
        RasMessage::ResourcesAvailableIndicate(x) => x.request_seq_num,
        RasMessage::ResourcesAvailableConfirm(x) => x.request_seq_num,
        RasMessage::InfoRequestAck(x) => x.request_seq_num,
        RasMessage::InfoRequestNak(x) => x.request_seq_num,
        RasMessage::ServiceControlIndication(x) => x.request_seq_num,
        RasMessage::ServiceControlResponse(x) => x.request_seq_num,
        _ => return None,
    })
}

macro_rules! reason_name {
    ($value:expr, $($variant:path => $name:literal),* $(,)?) => {
        match $value { $( $variant(..) => $name, )* _ => "other" }
    };
}

fn rrj_reason(r: &RegistrationRejectReason) -> &'static str {
    use RegistrationRejectReason::*;
    match r {
        DiscoveryRequired(()) => "discoveryRequired",
        InvalidCallSignalAddress(()) => "invalidCallSignalAddress",
        InvalidRasAddress(()) => "invalidRASAddress",
        DuplicateAlias(_) => "duplicateAlias",
        UndefinedReason(()) => "undefinedReason",
        TransportNotSupported(()) => "transportNotSupported",
        InvalidAlias(()) => "invalidAlias",
        SecurityDenial(()) => "securityDenial",
        FullRegistrationRequired(()) => "fullRegistrationRequired",
        _ => "other",
    }
}

fn arj_reason(r: &AdmissionRejectReason) -> &'static str {
    use AdmissionRejectReason::*;
    match r {
        CalledPartyNotRegistered(()) => "calledPartyNotRegistered",
        CallerNotRegistered(()) => "callerNotRegistered",
        InvalidEndpointIdentifier(()) => "invalidEndpointIdentifier",
        RequestDenied(()) => "requestDenied",
        IncompleteAddress(()) => "incompleteAddress",
        _ => "other",
    }
}

impl Gatekeeper {
    pub fn new(config: GatekeeperConfig) -> Self {
        Gatekeeper {
            config,
            registrations: Vec::new(),
            next_endpoint: 1,
        }
    }

    /// A new config (SIGHUP): registrations whose terminal is gone, or is
    /// no longer H.323, are dropped.
    pub fn reconfigure(&mut self, config: GatekeeperConfig) {
        self.registrations
            .retain(|r| config.terminals.iter().any(|t| t.username == r.username));
        self.config = config;
    }

    pub fn config(&self) -> &GatekeeperConfig {
        &self.config
    }

    pub fn registrations(&self) -> &[Registration] {
        &self.registrations
    }

    /// Drops registrations not refreshed in time; returns their usernames.
    pub fn expire(&mut self, now: Instant) -> Vec<String> {
        let mut gone = Vec::new();
        self.registrations.retain(|r| {
            let keep = r.expires > now;
            if !keep {
                gone.push(r.username.clone());
            }
            keep
        });
        gone
    }

    /// The registrations as the API shows them (with the SIP ones).
    pub fn views(&self, now: Instant) -> Vec<RegistrationView> {
        self.registrations
            .iter()
            .filter(|r| r.expires > now)
            .map(|r| RegistrationView {
                protocol: "h323",
                username: r.username.clone(),
                display_name: r.display_name.clone(),
                contacts: vec![ContactView {
                    uri: format!(
                        "h323:{}@{}",
                        r.aliases
                            .iter()
                            .filter_map(alias_text)
                            .collect::<Vec<_>>()
                            .join(","),
                        r.call_signalling
                    ),
                    source: format!("udp:{}", r.ras),
                    expires_in_secs: r.expires.saturating_duration_since(now).as_secs(),
                    user_agent: None,
                }],
            })
            .collect()
    }

    /// Handles one datagram from `from`, received on our RAS address `local`.
    pub fn handle(
        &mut self,
        datagram: &[u8],
        from: SocketAddr,
        local: SocketAddrV4,
        now: Instant,
    ) -> Outcome {
        let message = match rasn::aper::decode::<RasMessage>(datagram) {
            Ok(m) => m,
            Err(e) => {
                tracing::debug!(%from, error = %e, len = datagram.len(), "malformed RAS datagram dropped");
                return Outcome {
                    received: "malformed",
                    answered: None,
                    reject_reason: None,
                    reply: None,
                };
            }
        };
        let received = message_name(&message);
        let answer = self.answer(message, datagram, from, local, now);
        let Some(answer) = answer else {
            return Outcome {
                received,
                answered: None,
                reject_reason: None,
                reply: None,
            };
        };
        let reject_reason = match &answer {
            RasMessage::GatekeeperReject(r) => Some(reason_name!(&r.reject_reason,
                GatekeeperRejectReason::TerminalExcluded => "terminalExcluded",
                GatekeeperRejectReason::ResourceUnavailable => "resourceUnavailable",
                GatekeeperRejectReason::UndefinedReason => "undefinedReason")),
            RasMessage::RegistrationReject(r) => Some(rrj_reason(&r.reject_reason)),
            RasMessage::UnregistrationReject(r) => Some(reason_name!(&r.reject_reason,
                UnregRejectReason::NotCurrentlyRegistered => "notCurrentlyRegistered")),
            RasMessage::AdmissionReject(r) => Some(arj_reason(&r.reject_reason)),
            RasMessage::DisengageReject(r) => Some(reason_name!(&r.reject_reason,
                DisengageRejectReason::NotRegistered => "notRegistered")),
            RasMessage::LocationReject(r) => Some(reason_name!(&r.reject_reason,
                LocationRejectReason::NotRegistered => "notRegistered",
                LocationRejectReason::RequestDenied => "requestDenied")),
            RasMessage::BandwidthReject(r) => Some(reason_name!(&r.reject_reason,
                BandRejectReason::NotBound => "notBound")),
            RasMessage::InfoRequestNak(r) => Some(reason_name!(&r.nak_reason,
                InfoRequestNakReason::NotRegistered => "notRegistered")),
            _ => None,
        };
        let answered = Some(message_name(&answer));
        match rasn::aper::encode(&answer) {
            Ok(bytes) => Outcome {
                received,
                answered,
                reject_reason,
                reply: Some(bytes),
            },
            Err(e) => {
                tracing::error!(error = %e, ?answered, "cannot encode our RAS answer");
                Outcome {
                    received,
                    answered: None,
                    reject_reason: None,
                    reply: None,
                }
            }
        }
    }

    fn registration_by_id(
        &mut self,
        id: &EndpointIdentifier,
        now: Instant,
    ) -> Option<&mut Registration> {
        let id = bmp_text(&id.0);
        self.registrations
            .iter_mut()
            .find(|r| r.endpoint_id == id && r.expires > now)
    }

    fn answer(
        &mut self,
        message: RasMessage,
        datagram: &[u8],
        from: SocketAddr,
        local: SocketAddrV4,
        now: Instant,
    ) -> Option<RasMessage> {
        let gk = self.config.gatekeeper_id.clone();
        let ours =
            |id: &Option<GatekeeperIdentifier>| id.as_ref().is_none_or(|g| bmp_text(&g.0) == gk);
        Some(match message {
            RasMessage::GatekeeperRequest(grq) => {
                let seq = grq.request_seq_num;
                if !ours(&grq.gatekeeper_identifier) {
                    // Asked for another gatekeeper (discovery on multicast):
                    // not ours to answer.
                    return None;
                }
                let known = grq.endpoint_alias.as_ref().is_none_or(|aliases| {
                    aliases
                        .iter()
                        .filter_map(key)
                        .any(|k| self.config.terminal_of(&k).is_some())
                });
                if known {
                    build::gcf(seq, &gk, local)
                } else {
                    build::grj(seq, &gk, GatekeeperRejectReason::TerminalExcluded(()))
                }
            }
            RasMessage::RegistrationRequest(rrq) => self.registration(rrq, from, now),
            RasMessage::UnregistrationRequest(urq) => {
                let seq = urq.request_seq_num;
                let before = self.registrations.len();
                if let Some(id) = &urq.endpoint_identifier {
                    let id = bmp_text(&id.0);
                    self.registrations.retain(|r| r.endpoint_id != id);
                } else {
                    let addrs: Vec<SocketAddrV4> = urq
                        .call_signal_address
                        .iter()
                        .filter_map(socket_addr)
                        .collect();
                    self.registrations
                        .retain(|r| !addrs.contains(&r.call_signalling));
                }
                if self.registrations.len() < before {
                    build::ucf(seq)
                } else {
                    build::urj(seq, UnregRejectReason::NotCurrentlyRegistered(()))
                }
            }
            RasMessage::AdmissionRequest(arq) => self.admission(arq, now),
            RasMessage::DisengageRequest(drq) => {
                if self
                    .registration_by_id(&drq.endpoint_identifier, now)
                    .is_some()
                {
                    build::dcf(drq.request_seq_num)
                } else {
                    build::drj(
                        drq.request_seq_num,
                        DisengageRejectReason::NotRegistered(()),
                    )
                }
            }
            RasMessage::BandwidthRequest(brq) => {
                if self
                    .registration_by_id(&brq.endpoint_identifier, now)
                    .is_some()
                {
                    build::bcf(brq.request_seq_num, brq.band_width.min(MAX_BANDWIDTH))
                } else {
                    build::brj(brq.request_seq_num, BandRejectReason::NotBound(()), 0)
                }
            }
            RasMessage::LocationRequest(lrq) => {
                let seq = lrq.request_seq_num;
                match self.locate(&lrq.destination_info, now) {
                    Ok(Some(target)) => build::lcf(seq, target, local, lrq.destination_info),
                    Ok(None) => build::lrj(seq, LocationRejectReason::NotRegistered(())),
                    Err(()) => build::lrj(seq, LocationRejectReason::RequestDenied(())),
                }
            }
            RasMessage::InfoRequest(irq) => {
                build::irr(irq.request_seq_num, &gk, local, self.config.call_signalling)
            }
            RasMessage::InfoRequestResponse(irr) => {
                let seq = irr.request_seq_num;
                let ttl = self.config.time_to_live;
                match self.registration_by_id(&irr.endpoint_identifier, now) {
                    Some(reg) => {
                        reg.expires = now + ttl;
                        if irr.need_response == Some(true) {
                            build::iack(seq)
                        } else {
                            return None;
                        }
                    }
                    None => build::inak(seq, InfoRequestNakReason::NotRegistered(())),
                }
            }
            // Answers and indications sent to a gatekeeper: nothing to do,
            // but say so (XRS) so the sender stops retrying.
            other => {
                let seq = seq_of(&other)?;
                tracing::debug!(%from, message = message_name(&other), "RAS message not handled by a gatekeeper: XRS");
                build::xrs(seq, datagram)
            }
        })
    }

    fn registration(
        &mut self,
        rrq: RegistrationRequest,
        from: SocketAddr,
        now: Instant,
    ) -> RasMessage {
        let gk = self.config.gatekeeper_id.clone();
        let seq = rrq.request_seq_num;
        let reject = |reason| build::rrj(seq, &gk, reason);
        let granted_ttl = |requested: Option<TimeToLive>, ours: Duration| {
            let ours = u32::try_from(ours.as_secs()).unwrap_or(u32::MAX);
            requested.map_or(ours, |t| t.0.clamp(1, ours))
        };
        if rrq
            .gatekeeper_identifier
            .as_ref()
            .is_some_and(|g| bmp_text(&g.0) != gk)
        {
            return reject(RegistrationRejectReason::UndefinedReason(()));
        }
        if rrq.keep_alive == Some(true) {
            let ttl = granted_ttl(rrq.time_to_live, self.config.time_to_live);
            let call_signalling = self.config.call_signalling;
            let found = rrq
                .endpoint_identifier
                .as_ref()
                .and_then(|id| self.registration_by_id(id, now));
            return match found {
                Some(reg) => {
                    reg.expires = now + Duration::from_secs(ttl.into());
                    build::rcf(
                        seq,
                        &gk,
                        call_signalling,
                        reg.aliases.clone(),
                        &reg.endpoint_id,
                        ttl,
                    )
                }
                None => reject(RegistrationRejectReason::FullRegistrationRequired(())),
            };
        }
        let Some(call_signalling) = rrq.call_signal_address.iter().find_map(socket_addr) else {
            return reject(if rrq.call_signal_address.is_empty() {
                RegistrationRejectReason::InvalidCallSignalAddress(())
            } else {
                RegistrationRejectReason::TransportNotSupported(())
            });
        };
        if call_signalling.ip().is_unspecified() || call_signalling.port() == 0 {
            return reject(RegistrationRejectReason::InvalidCallSignalAddress(()));
        }
        let aliases = rrq.terminal_alias.clone().unwrap_or_default();
        if aliases.is_empty() {
            // We assign no aliases: a terminal must say who it is.
            return reject(RegistrationRejectReason::InvalidAlias(()));
        }
        let mut terminal = None;
        for a in &aliases {
            let Some(k) = key(a) else {
                return reject(RegistrationRejectReason::InvalidAlias(()));
            };
            match (self.config.terminal_of(&k), terminal) {
                (None, _) => return reject(RegistrationRejectReason::SecurityDenial(())),
                (Some(t), None) => terminal = Some(t),
                (Some(t), Some(u)) if t != u => {
                    // Aliases of two different terminals in one RRQ.
                    return reject(RegistrationRejectReason::InvalidAlias(()));
                }
                _ => {}
            }
        }
        let Some(t) = terminal.and_then(|t| self.config.terminals.get(t)).cloned() else {
            return reject(RegistrationRejectReason::SecurityDenial(()));
        };
        self.registrations.retain(|r| r.expires > now);
        if let Some(other) = self
            .registrations
            .iter()
            .find(|r| r.username == t.username && r.call_signalling != call_signalling)
        {
            // The terminal is registered from elsewhere: its aliases are taken.
            return reject(RegistrationRejectReason::DuplicateAlias(
                other.aliases.clone(),
            ));
        }
        if self
            .registrations
            .iter()
            .any(|r| r.username != t.username && r.call_signalling == call_signalling)
        {
            return reject(RegistrationRejectReason::InvalidCallSignalAddress(()));
        }
        let ttl = granted_ttl(rrq.time_to_live, self.config.time_to_live);
        let expires = now + Duration::from_secs(ttl.into());
        let ras = rrq
            .ras_address
            .iter()
            .find_map(socket_addr)
            .map_or(from, SocketAddr::V4);
        let endpoint_id = match self
            .registrations
            .iter_mut()
            .find(|r| r.username == t.username)
        {
            Some(existing) => {
                existing.aliases = aliases.clone();
                existing.expires = expires;
                existing.ras = ras;
                existing.endpoint_id.clone()
            }
            None => {
                let id = format!("{}-{}", gk, self.next_endpoint);
                self.next_endpoint += 1;
                self.registrations.push(Registration {
                    endpoint_id: id.clone(),
                    username: t.username.clone(),
                    display_name: t.display_name.clone(),
                    aliases: aliases.clone(),
                    call_signalling,
                    ras,
                    expires,
                });
                id
            }
        };
        tracing::info!(terminal = %t.username, %call_signalling, endpoint = %endpoint_id, ttl, "H.323 terminal registered");
        build::rcf(
            seq,
            &gk,
            self.config.call_signalling,
            aliases,
            &endpoint_id,
            ttl,
        )
    }

    /// Where a call to these aliases goes: `Ok(Some)` an address, `Ok(None)`
    /// a known terminal that is not registered, `Err` nobody we know.
    fn locate(&self, aliases: &[AliasAddress], now: Instant) -> Result<Option<SocketAddrV4>, ()> {
        let mut known = false;
        for k in aliases.iter().filter_map(key) {
            if self.config.room_names.contains(&k) {
                return Ok(Some(self.config.call_signalling));
            }
            if let Some(t) = self
                .config
                .terminal_of(&k)
                .and_then(|t| self.config.terminals.get(t))
            {
                known = true;
                if let Some(r) = self
                    .registrations
                    .iter()
                    .find(|r| r.username == t.username && r.expires > now)
                {
                    return Ok(Some(r.call_signalling));
                }
            }
        }
        if known {
            Ok(None)
        } else {
            Err(())
        }
    }

    fn admission(&mut self, arq: AdmissionRequest, now: Instant) -> RasMessage {
        let seq = arq.request_seq_num;
        if self
            .registration_by_id(&arq.endpoint_identifier, now)
            .is_none()
        {
            return build::arj(seq, AdmissionRejectReason::CallerNotRegistered(()));
        }
        let band_width = arq.band_width.min(MAX_BANDWIDTH);
        let ours = self.config.call_signalling;
        if arq.answer_call {
            // The terminal is being called (by us, a room dialling out).
            return build::acf(seq, band_width, CallModel::Direct(()), ours, None);
        }
        let destination = arq.destination_info.clone().unwrap_or_default();
        if destination.is_empty() {
            return match arq.dest_call_signal_address.as_ref().and_then(socket_addr) {
                // Dialled by address: our own is a room call (the room is in
                // the Setup), another one is the caller's business.
                Some(addr) if addr == ours => {
                    build::acf(seq, band_width, CallModel::GatekeeperRouted(()), ours, None)
                }
                Some(addr) => build::acf(seq, band_width, CallModel::Direct(()), addr, None),
                None => build::arj(seq, AdmissionRejectReason::IncompleteAddress(())),
            };
        }
        match self.locate(&destination, now) {
            Ok(Some(addr)) if addr == ours => build::acf(
                seq,
                band_width,
                CallModel::GatekeeperRouted(()),
                ours,
                Some(destination),
            ),
            Ok(Some(addr)) => build::acf(
                seq,
                band_width,
                CallModel::Direct(()),
                addr,
                Some(destination),
            ),
            Ok(None) | Err(()) => {
                build::arj(seq, AdmissionRejectReason::CalledPartyNotRegistered(()))
            }
        }
    }
}

/// An alias from config text (re-exported for callers building messages).
pub fn config_alias(text: &str) -> AliasAddress {
    alias(text)
}

#[cfg(test)]
mod tests;
