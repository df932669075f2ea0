//! TCP connections: accept, frame the byte stream (Content-Length), answer
//! CRLF pings, and write queued messages. TLS will reuse `run_connection`
//! over a TLS stream.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

use super::{Inbound, Peer, TransportKind, Transports};
use crate::sip::framing::{Frame, StreamFramer};
use crate::sip::message;

/// A connection with no traffic for this long is closed. Terminals that
/// register over TCP refresh (or send CRLF keep-alives) well within it.
const IDLE_TIMEOUT: Duration = Duration::from_secs(3600);
const WRITE_QUEUE: usize = 256;

pub(super) async fn accept_loop(transports: Arc<Transports>, listener: TcpListener) {
    loop {
        match listener.accept().await {
            Ok((stream, addr)) => {
                let _ = stream.set_nodelay(true);
                start_connection(transports.clone(), stream, addr);
            }
            Err(e) => {
                // EMFILE and friends: back off instead of spinning.
                tracing::warn!(error = %e, "TCP accept failed");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

/// Register a connection and spawn its reader and writer. Returns the write
/// queue, or None when the connection table is full (the socket is dropped).
pub(super) fn start_connection(
    transports: Arc<Transports>,
    stream: TcpStream,
    addr: SocketAddr,
) -> Option<mpsc::Sender<Bytes>> {
    let (tx, rx) = mpsc::channel::<Bytes>(WRITE_QUEUE);
    let Some(id) = transports.add_conn(addr, TransportKind::Tcp, tx.clone()) else {
        tracing::warn!(peer = %addr, "too many stream connections; refusing");
        return None;
    };
    let (rd, wr) = stream.into_split();
    tokio::spawn(write_loop(wr, rx));
    let peer = Peer {
        transport: TransportKind::Tcp,
        addr,
        conn: Some(id),
    };
    let t = transports.clone();
    let pong = tx.clone();
    tokio::spawn(async move {
        read_loop(&t, rd, peer, pong).await;
        t.remove_conn(id);
        tracing::debug!(peer = %peer, "connection closed");
    });
    Some(tx)
}

async fn write_loop<W: AsyncWrite + Unpin>(mut wr: W, mut rx: mpsc::Receiver<Bytes>) {
    while let Some(data) = rx.recv().await {
        if let Err(e) = wr.write_all(&data).await {
            tracing::debug!(error = %e, "stream write failed");
            break;
        }
    }
    let _ = wr.shutdown().await;
}

async fn read_loop<R: AsyncRead + Unpin>(
    transports: &Transports,
    mut rd: R,
    peer: Peer,
    pong: mpsc::Sender<Bytes>,
) {
    let mut framer = StreamFramer::new(message::MAX_MESSAGE_SIZE);
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = match tokio::time::timeout(IDLE_TIMEOUT, rd.read(&mut buf)).await {
            Ok(Ok(0)) | Err(_) => return,
            Ok(Ok(n)) => n,
            Ok(Err(e)) => {
                tracing::debug!(peer = %peer, error = %e, "stream read failed");
                return;
            }
        };
        framer.push(&buf[..n]);
        loop {
            match framer.next_frame() {
                Ok(None) => break,
                Ok(Some(Frame::Ping)) => {
                    let _ = pong.try_send(Bytes::from_static(b"\r\n"));
                }
                Ok(Some(Frame::Pong)) => {}
                Ok(Some(Frame::Message(raw))) => match message::parse(&raw) {
                    Ok(msg) => {
                        transports
                            .deliver(Inbound::Message { msg, from: peer })
                            .await
                    }
                    Err(e) => {
                        transports
                            .metrics
                            .sip_malformed
                            .with_label_values(&["tcp"])
                            .inc();
                        tracing::warn!(peer = %peer, error = %e, "malformed SIP message on stream");
                        if let Some(resp) = message::bad_request_for(&raw, &e.to_string()) {
                            transports
                                .metrics
                                .sip_responses
                                .with_label_values(&["400"])
                                .inc();
                            let _ = pong.try_send(Bytes::from(resp));
                        }
                    }
                },
                Err(e) => {
                    // Framing is lost (no Content-Length, oversized headers):
                    // the stream cannot be resynchronised, so close it.
                    transports
                        .metrics
                        .sip_malformed
                        .with_label_values(&["tcp"])
                        .inc();
                    tracing::warn!(peer = %peer, error = %e, "unframeable SIP stream; closing");
                    return;
                }
            }
        }
    }
}
