//! UDP receive loop: one datagram is one message (RFC 3261 §18.3).

use std::sync::Arc;

use bytes::Bytes;
use tokio::net::UdpSocket;

use super::{ConnId, Inbound, Peer, TransportKind, Transports};
use crate::sip::message;

pub(super) async fn receive_loop(transports: Arc<Transports>, sock: Arc<UdpSocket>, index: usize) {
    let mut buf = vec![0u8; message::MAX_MESSAGE_SIZE + 1];
    loop {
        let (len, addr) = match sock.recv_from(&mut buf).await {
            Ok(v) => v,
            Err(e) => {
                // ICMP port-unreachable surfaces here on Linux; keep serving.
                tracing::debug!(error = %e, "UDP receive error");
                continue;
            }
        };
        let from = Peer {
            transport: TransportKind::Udp,
            addr,
            conn: Some(ConnId(index as u64)),
        };
        let data = &buf[..len];
        if is_keepalive(data) {
            continue;
        }
        match message::parse(data) {
            Ok(msg) => transports.deliver(Inbound::Message { msg, from }).await,
            Err(e) => {
                transports
                    .metrics
                    .sip_malformed
                    .with_label_values(&["udp"])
                    .inc();
                tracing::warn!(peer = %from, error = %e, "malformed SIP datagram");
                if let Some(resp) = message::bad_request_for(data, &e.to_string()) {
                    transports
                        .metrics
                        .sip_responses
                        .with_label_values(&["400"])
                        .inc();
                    transports.send(from, Bytes::from(resp));
                }
            }
        }
    }
}

/// CRLF keep-alives (RFC 5626 §3.5.1 style) and STUN binding requests some
/// terminals send to keep NAT bindings open: nothing to parse or answer here.
fn is_keepalive(data: &[u8]) -> bool {
    data.iter().all(|b| matches!(b, b'\r' | b'\n' | 0))
        || (data.len() >= 20 && data[0] < 2 && data[4..8] == [0x21, 0x12, 0xa4, 0x42])
}

#[cfg(test)]
mod tests {
    use super::is_keepalive;

    #[test]
    fn keepalives_are_recognised() {
        assert!(is_keepalive(b"\r\n\r\n"));
        assert!(is_keepalive(b"\r\n"));
        let mut stun = vec![0u8, 1, 0, 0, 0x21, 0x12, 0xa4, 0x42];
        stun.extend_from_slice(&[0; 12]);
        assert!(is_keepalive(&stun));
        assert!(!is_keepalive(b"OPTIONS sip:x SIP/2.0\r\n\r\n"));
    }
}
