//! The gatekeeper's socket edge: one UDP socket per `[h323] ras_listen`
//! address, and with `discovery_multicast` one on 0.0.0.0:1718 joined to
//! 224.0.1.41 (see [`super::discovery`]); each datagram through
//! [`Gatekeeper::handle`], answers back to the source, and an expiry sweep
//! once a second. Metrics: RAS messages by type, rejects by reason, and the
//! `h323` registrations gauge.

use std::net::{IpAddr, Ipv4Addr, SocketAddr, SocketAddrV4};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use prometheus::{IntCounterVec, IntGauge, Opts};
use tokio::net::UdpSocket;

use super::discovery::{
    group_interfaces, multicast_interfaces, ras_address_for, route_source, DISCOVERY_PORT,
};
use super::{build::v4, Gatekeeper, GatekeeperConfig};
use crate::config::{Config, DISCOVERY_GROUP};
use crate::control::{RegistrationView, RoomView, Views};
use crate::metrics::Metrics;
use crate::GatewayError;

/// The running gatekeeper, shared by its socket tasks and the API.
pub struct RasService {
    gatekeeper: Mutex<Gatekeeper>,
    local: Vec<SocketAddr>,
    messages: IntCounterVec,
    rejects: IntCounterVec,
    registrations: IntGauge,
}

impl RasService {
    /// Binds the RAS sockets and starts serving.
    pub async fn start(
        config: &Config,
        metrics: &Metrics,
    ) -> Result<Arc<RasService>, GatewayError> {
        let messages = IntCounterVec::new(
            Opts::new(
                "diemcau_h323_ras_messages_total",
                "H.225.0 RAS messages received, by message type (malformed: undecodable)",
            ),
            &["message"],
        )?;
        let rejects = IntCounterVec::new(
            Opts::new(
                "diemcau_h323_ras_rejects_total",
                "H.225.0 RAS rejects sent, by reject message and reason",
            ),
            &["message", "reason"],
        )?;
        metrics.registry.register(Box::new(messages.clone()))?;
        metrics.registry.register(Box::new(rejects.clone()))?;
        let mut sockets = Vec::new();
        for addr in &config.h323.ras_listen {
            let socket = UdpSocket::bind(addr)
                .await
                .map_err(|e| GatewayError::Bind {
                    what: "H.323 RAS",
                    addr: addr.to_string(),
                    source: e,
                })?;
            sockets.push(socket);
        }
        let bound: Vec<SocketAddrV4> = sockets
            .iter()
            .filter_map(|s| s.local_addr().ok())
            .map(v4)
            .collect();
        let discovery = if config.h323.discovery_multicast {
            Some(discovery_socket(&bound).await?)
        } else {
            None
        };
        let advertised = match config.public_address() {
            IpAddr::V4(ip) => ip,
            IpAddr::V6(_) => Ipv4Addr::LOCALHOST,
        };
        let service = Arc::new(RasService {
            gatekeeper: Mutex::new(Gatekeeper::new(GatekeeperConfig::from_config(
                config, advertised,
            ))),
            local: sockets.iter().filter_map(|s| s.local_addr().ok()).collect(),
            messages,
            rejects,
            registrations: metrics.registrations.with_label_values(&["h323"]),
        });
        if let Some(socket) = discovery {
            tokio::spawn(serve(service.clone(), socket, Local::Routed(bound)));
        }
        for socket in sockets {
            let local = socket
                .local_addr()
                .map(v4)
                .unwrap_or_else(|_| SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 1719));
            let mut local = local;
            if local.ip().is_unspecified() {
                local.set_ip(advertised);
            }
            tokio::spawn(serve(service.clone(), socket, Local::Fixed(local)));
        }
        let sweeper = service.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(1));
            loop {
                tick.tick().await;
                let gone = sweeper.lock().expire(Instant::now());
                for user in gone {
                    tracing::info!(terminal = %user, "H.323 registration expired");
                }
                sweeper.update_gauge();
            }
        });
        tracing::info!(ras = ?service.local, gatekeeper_id = %config.h323.gatekeeper_id, "H.323 gatekeeper ready");
        Ok(service)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Gatekeeper> {
        self.gatekeeper.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn update_gauge(&self) {
        let n = self.lock().registrations().len();
        self.registrations.set(i64::try_from(n).unwrap_or(i64::MAX));
    }

    /// The addresses the RAS sockets are bound to.
    pub fn local_addrs(&self) -> &[SocketAddr] {
        &self.local
    }

    /// SIGHUP: new known terminals, rooms, gatekeeper id, TTL (the sockets
    /// stay as they are).
    pub fn reconfigure(&self, config: &Config) {
        let advertised = match config.public_address() {
            IpAddr::V4(ip) => ip,
            IpAddr::V6(_) => Ipv4Addr::LOCALHOST,
        };
        self.lock()
            .reconfigure(GatekeeperConfig::from_config(config, advertised));
        self.update_gauge();
    }

    pub fn registration_views(&self) -> Vec<RegistrationView> {
        self.lock().views(Instant::now())
    }

    /// Handles one datagram; returns the answer to send.
    fn datagram(&self, data: &[u8], from: SocketAddr, local: SocketAddrV4) -> Option<Vec<u8>> {
        let outcome = self.lock().handle(data, from, local, Instant::now());
        self.messages.with_label_values(&[outcome.received]).inc();
        if let (Some(answered), Some(reason)) = (outcome.answered, outcome.reject_reason) {
            self.rejects.with_label_values(&[answered, reason]).inc();
            tracing::info!(%from, received = outcome.received, answered, reason, "RAS reject");
        }
        self.update_gauge();
        outcome.reply
    }
}

/// Which RAS address answers name (a GCF's rasAddress).
enum Local {
    /// A RAS socket: its own address (the advertised one for 0.0.0.0).
    Fixed(SocketAddrV4),
    /// The discovery socket: the RAS socket the terminal can reach, found
    /// by routing back to it.
    Routed(Vec<SocketAddrV4>),
}

async fn serve(service: Arc<RasService>, socket: UdpSocket, local: Local) {
    // RAS messages fit one datagram; 64 KiB takes any UDP payload.
    let mut buf = vec![0u8; 65_536];
    loop {
        let (n, from) = match socket.recv_from(&mut buf).await {
            Ok(r) => r,
            Err(e) => {
                // ICMP port unreachable from an earlier answer, and the like.
                tracing::debug!(error = %e, "RAS socket receive error");
                continue;
            }
        };
        let Some(data) = buf.get(..n) else { continue };
        let here = match &local {
            Local::Fixed(a) => *a,
            Local::Routed(ras) => {
                match route_source(from).and_then(|ip| ras_address_for(ras, ip)) {
                    Some(a) => a,
                    None => {
                        tracing::warn!(%from, "discovery GRQ from where no RAS socket is reachable: not answered");
                        continue;
                    }
                }
            }
        };
        if let Some(reply) = service.datagram(data, from, here) {
            if let Err(e) = socket.send_to(&reply, from).await {
                tracing::debug!(%from, error = %e, "cannot send RAS answer");
            }
        }
    }
}

/// Binds 0.0.0.0:1718 and joins the discovery group on the RAS sockets'
/// interfaces. Port 1718 taken is fatal (discovery was asked for); an
/// interface that cannot join is logged, the others still answer.
async fn discovery_socket(ras: &[SocketAddrV4]) -> Result<UdpSocket, GatewayError> {
    let addr = SocketAddr::from((Ipv4Addr::UNSPECIFIED, DISCOVERY_PORT));
    let socket = UdpSocket::bind(addr)
        .await
        .map_err(|e| GatewayError::Bind {
            what: "H.323 gatekeeper discovery",
            addr: addr.to_string(),
            source: e,
        })?;
    let mut joined = Vec::new();
    for iface in group_interfaces(ras, multicast_interfaces) {
        match socket.join_multicast_v4(DISCOVERY_GROUP, iface) {
            Ok(()) => joined.push(iface),
            Err(e) => {
                tracing::warn!(%iface, error = %e, "cannot join the gatekeeper discovery group 224.0.1.41")
            }
        }
    }
    if joined.is_empty() {
        tracing::warn!(
            "gatekeeper discovery joined 224.0.1.41 on no interface: only unicast GRQs to port 1718 are answered"
        );
    } else {
        tracing::info!(interfaces = ?joined, "gatekeeper discovery on 224.0.1.41:1718");
    }
    Ok(socket)
}

/// The API's views: SIP registrations and rooms from the SIP core, H.323
/// registrations from the gatekeeper.
pub struct WithH323 {
    pub sip: Arc<dyn Views>,
    pub ras: Arc<RasService>,
}

impl Views for WithH323 {
    fn registrations(&self) -> Vec<RegistrationView> {
        let mut all = self.sip.registrations();
        all.extend(self.ras.registration_views());
        all
    }

    fn rooms(&self) -> Vec<RoomView> {
        self.sip.rooms()
    }

    fn room(&self, number: &str) -> Option<RoomView> {
        self.sip.room(number)
    }
}
