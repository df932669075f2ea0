//! SIP transports: the I/O edge. UDP and TCP now; TLS plugs in as another
//! stream transport (same framing, same connection table).

/// Which transport a message travelled on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TransportKind {
    Udp,
    Tcp,
    Tls,
}

impl TransportKind {
    /// Reliable transports need no retransmissions (RFC 3261 §17).
    pub fn is_reliable(self) -> bool {
        !matches!(self, TransportKind::Udp)
    }

    /// The token used in Via headers and `transport=` URI parameters.
    pub fn via_token(self) -> &'static str {
        match self {
            TransportKind::Udp => "UDP",
            TransportKind::Tcp => "TCP",
            TransportKind::Tls => "TLS",
        }
    }
}

impl std::fmt::Display for TransportKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.via_token())
    }
}

/// Identifies one accepted or opened stream connection (TCP/TLS).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConnId(pub u64);

/// Where a message came from, or where it goes: the transport, the remote
/// socket address, and for stream transports the connection it is bound to
/// (responses go back on the connection the request arrived on).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Peer {
    pub transport: TransportKind,
    pub addr: std::net::SocketAddr,
    pub conn: Option<ConnId>,
}

impl std::fmt::Display for Peer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.transport, self.addr)
    }
}

mod manager;
mod tcp;
mod udp;

pub use manager::{Inbound, Transports};

/// Requests larger than this go over TCP even when UDP was asked for
/// (RFC 3261 §18.1.1): large Polycom-style SDPs fragment and get lost.
pub const UDP_MTU_LIMIT: usize = 1300;
