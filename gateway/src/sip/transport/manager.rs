//! The set of bound transports and the table of stream connections. Receiving
//! tasks parse what arrives and hand it to the SIP core over one channel;
//! sending never blocks the core (stream writes go through per-connection
//! queues, new outbound connections are opened on a task).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use tokio::net::{TcpListener, UdpSocket};
use tokio::sync::mpsc;

use super::{ConnId, Peer, TransportKind};
use crate::metrics::Metrics;
use crate::GatewayError;

/// What the receiving side hands to the SIP core.
#[derive(Debug)]
pub enum Inbound {
    Message {
        msg: rsip::SipMessage,
        from: Peer,
    },
    /// A new outbound stream connection could not be opened: `data` was not
    /// sent. The core decides (retry over UDP, or fail the transaction).
    SendFailed {
        to: Peer,
        data: Bytes,
    },
}

/// Most stream connections we keep open at once; beyond it new ones are
/// refused so that a flood cannot exhaust file descriptors.
const MAX_STREAM_CONNECTIONS: usize = 4096;

struct Conn {
    peer: SocketAddr,
    kind: TransportKind,
    tx: mpsc::Sender<Bytes>,
}

pub struct Transports {
    udp: Vec<Arc<UdpSocket>>,
    udp_local: Vec<SocketAddr>,
    tcp_local: Vec<SocketAddr>,
    conns: Mutex<HashMap<ConnId, Conn>>,
    next_conn: AtomicU64,
    inbound: mpsc::Sender<Inbound>,
    pub(super) metrics: Metrics,
}

impl Transports {
    /// Bind every configured listener and start receiving. Binding errors name
    /// the address, so a port clash fails at start.
    pub async fn bind(
        udp: &[SocketAddr],
        tcp: &[SocketAddr],
        metrics: Metrics,
        inbound: mpsc::Sender<Inbound>,
    ) -> Result<Arc<Self>, GatewayError> {
        let mut udp_socks = Vec::new();
        let mut udp_local = Vec::new();
        for addr in udp {
            let sock = UdpSocket::bind(addr)
                .await
                .map_err(|e| GatewayError::Bind {
                    what: "SIP UDP",
                    addr: addr.to_string(),
                    source: e,
                })?;
            udp_local.push(sock.local_addr()?);
            udp_socks.push(Arc::new(sock));
        }
        let mut listeners = Vec::new();
        let mut tcp_local = Vec::new();
        for addr in tcp {
            let l = TcpListener::bind(addr)
                .await
                .map_err(|e| GatewayError::Bind {
                    what: "SIP TCP",
                    addr: addr.to_string(),
                    source: e,
                })?;
            tcp_local.push(l.local_addr()?);
            listeners.push(l);
        }
        let this = Arc::new(Self {
            udp: udp_socks,
            udp_local,
            tcp_local,
            conns: Mutex::new(HashMap::new()),
            next_conn: AtomicU64::new(1),
            inbound,
            metrics,
        });
        for (i, sock) in this.udp.iter().enumerate() {
            tokio::spawn(super::udp::receive_loop(this.clone(), sock.clone(), i));
        }
        for l in listeners {
            tokio::spawn(super::tcp::accept_loop(this.clone(), l));
        }
        Ok(this)
    }

    pub fn udp_local_addrs(&self) -> &[SocketAddr] {
        &self.udp_local
    }

    pub fn tcp_local_addrs(&self) -> &[SocketAddr] {
        &self.tcp_local
    }

    pub(super) async fn deliver(&self, msg: Inbound) {
        // The core applies back-pressure; a closed channel means shutdown.
        let _ = self.inbound.send(msg).await;
    }

    /// Send bytes to a peer. UDP goes out of the listener that `peer.conn`
    /// names (the one the request came in on), else the first of the right
    /// address family. Stream transports use the named connection, else an
    /// open one to the same address, else a new outbound connection.
    pub fn send(self: &Arc<Self>, to: Peer, data: Bytes) {
        match to.transport {
            TransportKind::Udp => self.send_udp(to, data),
            TransportKind::Tcp | TransportKind::Tls => self.send_stream(to, data),
        }
    }

    fn send_udp(&self, to: Peer, data: Bytes) {
        let pick = to
            .conn
            .and_then(|c| self.udp.get(c.0 as usize))
            .or_else(|| {
                self.udp
                    .iter()
                    .zip(&self.udp_local)
                    .find(|(_, l)| l.is_ipv4() == to.addr.is_ipv4())
                    .map(|(s, _)| s)
            });
        let Some(sock) = pick else {
            tracing::warn!(peer = %to, "no UDP listener to send from");
            return;
        };
        match sock.try_send_to(&data, to.addr) {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                let sock = sock.clone();
                tokio::spawn(async move {
                    if let Err(e) = sock.send_to(&data, to.addr).await {
                        tracing::warn!(peer = %to, error = %e, "UDP send failed");
                    }
                });
            }
            Err(e) => tracing::warn!(peer = %to, error = %e, "UDP send failed"),
        }
    }

    fn send_stream(self: &Arc<Self>, to: Peer, data: Bytes) {
        let existing = {
            let conns = self.conns.lock().unwrap_or_else(|p| p.into_inner());
            to.conn
                .and_then(|id| conns.get(&id).map(|c| c.tx.clone()))
                .or_else(|| {
                    conns
                        .values()
                        .find(|c| c.peer == to.addr && c.kind == to.transport)
                        .map(|c| c.tx.clone())
                })
        };
        if let Some(tx) = existing {
            if tx.try_send(data).is_err() {
                tracing::warn!(peer = %to, "stream connection queue full or closed; message dropped");
            }
            return;
        }
        if to.transport == TransportKind::Tls {
            tracing::warn!(peer = %to, "TLS is not configured; message dropped");
            return;
        }
        let this = self.clone();
        tokio::spawn(async move {
            match tokio::net::TcpStream::connect(to.addr).await {
                Ok(stream) => {
                    let tx = super::tcp::start_connection(this, stream, to.addr);
                    if let Some(tx) = tx {
                        let _ = tx.send(data).await;
                    }
                }
                Err(e) => {
                    tracing::warn!(peer = %to, error = %e, "TCP connect failed");
                    this.deliver(Inbound::SendFailed { to, data }).await;
                }
            }
        });
    }

    /// Record a new stream connection; None when the table is full.
    pub(super) fn add_conn(
        &self,
        peer: SocketAddr,
        kind: TransportKind,
        tx: mpsc::Sender<Bytes>,
    ) -> Option<ConnId> {
        let mut conns = self.conns.lock().unwrap_or_else(|p| p.into_inner());
        if conns.len() >= MAX_STREAM_CONNECTIONS {
            return None;
        }
        let id = ConnId(self.next_conn.fetch_add(1, Ordering::Relaxed));
        conns.insert(id, Conn { peer, kind, tx });
        Some(id)
    }

    pub(super) fn remove_conn(&self, id: ConnId) {
        let mut conns = self.conns.lock().unwrap_or_else(|p| p.into_inner());
        conns.remove(&id);
    }

    /// Is this connection still open? Registrations over TCP use it to send
    /// calls down the connection the terminal registered on.
    pub fn conn_open(&self, id: ConnId) -> bool {
        let conns = self.conns.lock().unwrap_or_else(|p| p.into_inner());
        conns.contains_key(&id)
    }
}
