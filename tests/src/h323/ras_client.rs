//! A small RAS client (an H.323 endpoint's side of H.225.0 RAS) on a
//! loopback UDP socket: sends GRQ/RRQ/ARQ/DRQ/URQ/LRQ/… built with the
//! gateway's `h323::ras::build` and waits for the answer with the same
//! sequence number (retrying as an endpoint would).

use std::net::{SocketAddr, SocketAddrV4, UdpSocket};
use std::time::{Duration, Instant};

pub use diemcau_gateway::h323::asn1::h225::{self, RasMessage};
pub use diemcau_gateway::h323::ras::build;

/// The request sequence number of an answer.
pub fn answer_seq(m: &RasMessage) -> Option<u16> {
    Some(match m {
        RasMessage::GatekeeperConfirm(x) => x.request_seq_num.0,
        RasMessage::GatekeeperReject(x) => x.request_seq_num.0,
        RasMessage::RegistrationConfirm(x) => x.request_seq_num.0,
        RasMessage::RegistrationReject(x) => x.request_seq_num.0,
        RasMessage::UnregistrationConfirm(x) => x.request_seq_num.0,
        RasMessage::UnregistrationReject(x) => x.request_seq_num.0,
        RasMessage::AdmissionConfirm(x) => x.request_seq_num.0,
        RasMessage::AdmissionReject(x) => x.request_seq_num.0,
        RasMessage::BandwidthConfirm(x) => x.request_seq_num.0,
        RasMessage::BandwidthReject(x) => x.request_seq_num.0,
        RasMessage::DisengageConfirm(x) => x.request_seq_num.0,
        RasMessage::DisengageReject(x) => x.request_seq_num.0,
        RasMessage::LocationConfirm(x) => x.request_seq_num.0,
        RasMessage::LocationReject(x) => x.request_seq_num.0,
        RasMessage::InfoRequestResponse(x) => x.request_seq_num.0,
        RasMessage::InfoRequestAck(x) => x.request_seq_num.0,
        RasMessage::InfoRequestNak(x) => x.request_seq_num.0,
        RasMessage::UnknownMessageResponse(x) => x.request_seq_num.0,
        _ => return None,
    })
}

pub struct RasClient {
    socket: UdpSocket,
    gatekeeper: SocketAddr,
    next_seq: u16,
}

impl RasClient {
    /// A client on a free 127.0.0.1 port talking to `gatekeeper`.
    pub fn new(gatekeeper: SocketAddr) -> RasClient {
        let socket = match UdpSocket::bind("127.0.0.1:0") {
            Ok(s) => s,
            Err(e) => panic!("binding the RAS client socket: {e}"),
        };
        RasClient {
            socket,
            gatekeeper,
            next_seq: 1,
        }
    }

    /// A client on `socket` (bound elsewhere: another namespace, another
    /// address) talking to `gatekeeper`, which may be the discovery group.
    pub fn on(socket: UdpSocket, gatekeeper: SocketAddr) -> RasClient {
        RasClient {
            socket,
            gatekeeper,
            next_seq: 1,
        }
    }

    /// Talks to another gatekeeper address from now on (the one a GCF named).
    pub fn set_gatekeeper(&mut self, gatekeeper: SocketAddr) {
        self.gatekeeper = gatekeeper;
    }

    /// The socket, for options such as the multicast interface.
    pub fn socket(&self) -> &UdpSocket {
        &self.socket
    }

    /// Our RAS address.
    pub fn local(&self) -> SocketAddrV4 {
        match self.socket.local_addr() {
            Ok(SocketAddr::V4(a)) => a,
            other => panic!("RAS client socket address: {other:?}"),
        }
    }

    /// A fresh sequence number.
    pub fn seq(&mut self) -> u16 {
        let s = self.next_seq;
        self.next_seq = self.next_seq.checked_add(1).unwrap_or(1);
        s
    }

    /// Sends raw bytes to the gatekeeper.
    pub fn send_raw(&self, bytes: &[u8]) {
        if let Err(e) = self.socket.send_to(bytes, self.gatekeeper) {
            panic!("sending to the gatekeeper: {e}");
        }
    }

    /// Receives one datagram within `timeout`, decoded.
    pub fn recv(&self, timeout: Duration) -> Option<RasMessage> {
        self.recv_from(timeout).map(|(m, _)| m)
    }

    /// Receives one datagram within `timeout`, decoded, with its source.
    pub fn recv_from(&self, timeout: Duration) -> Option<(RasMessage, SocketAddr)> {
        let _ = self.socket.set_read_timeout(Some(timeout));
        let mut buf = [0u8; 65_536];
        let (n, from) = self.socket.recv_from(&mut buf).ok()?;
        match build::decode(buf.get(..n)?) {
            Ok(m) => Some((m, from)),
            Err(e) => panic!("the gatekeeper sent an undecodable datagram: {e}"),
        }
    }

    /// Sends the message built for a fresh sequence number and returns the
    /// answer with that number: three tries, one second apart (H.225.0's
    /// default RAS timer is 3 s; loopback needs less).
    pub fn request(&mut self, message: impl Fn(u16) -> RasMessage) -> RasMessage {
        self.request_from(message).0
    }

    /// As [`RasClient::request`], with the address the answer came from.
    pub fn request_from(
        &mut self,
        message: impl Fn(u16) -> RasMessage,
    ) -> (RasMessage, SocketAddr) {
        let seq = self.seq();
        let bytes = match build::encode(&message(seq)) {
            Ok(b) => b,
            Err(e) => panic!("encoding our request: {e}"),
        };
        for _ in 0..3 {
            self.send_raw(&bytes);
            let deadline = Instant::now() + Duration::from_secs(1);
            while let Some(left) = deadline.checked_duration_since(Instant::now()) {
                match self.recv_from(left) {
                    Some((answer, from)) if answer_seq(&answer) == Some(seq) => {
                        return (answer, from)
                    }
                    Some(_) => continue,
                    None => break,
                }
            }
        }
        panic!(
            "no answer from the gatekeeper {} to request {seq}",
            self.gatekeeper
        );
    }
}
