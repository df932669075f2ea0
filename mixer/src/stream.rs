//! One negotiated m-line on the wire: the RTP and RTCP sockets, a receive
//! task, symmetric-RTP latching and the receiver statistics.
//!
//! Received packets go to a pluggable [`MediaSink`] (the mixing pipeline
//! later); the mixer sends back through [`MediaStream::send_rtp`], which
//! uses the same socket and the latched address, as symmetric RTP requires.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use bytes::Bytes;
use tokio::net::UdpSocket;
use tokio::task::JoinHandle;

use crate::latch::{Latch, LatchPolicy, LatchVerdict};
use crate::metrics::DropReason;
use crate::packet::{self, Class, RtcpInfo};
use crate::ports::{PortLease, PortPair};
use crate::spec::{Direction, MediaKind, StreamSpec};
use crate::stats::{PacketInfo, PacketOutcome, ReceiverStats, SeqVerdict};
use crate::{MediaMetrics, MixerError};

/// Span of the bitrate average.
const RATE_WINDOW: Duration = Duration::from_secs(2);
/// Interval of the fraction-lost figure, about one RTCP report interval.
const REPORT_INTERVAL: Duration = Duration::from_secs(5);
/// Larger than any RTP packet on an Ethernet path, with room for jumbo
/// frames; a datagram longer than this would be truncated.
const RECV_BUFFER: usize = 9216;

/// Where received packets go. Called from the stream's receive task: it
/// must not block (hand the packet to a channel or a pipeline's appsrc).
pub trait MediaSink: Send + Sync {
    fn on_rtp(&self, packet: ReceivedRtp);
    fn on_rtcp(&self, _packet: ReceivedRtcp) {}
}

/// An accepted RTP packet (known payload type, from the latched source).
#[derive(Debug, Clone)]
pub struct ReceivedRtp {
    pub packet: rtp::packet::Packet,
    /// Clock rate of the packet's payload type.
    pub clock_rate: u32,
    pub source: SocketAddr,
    pub arrival: Instant,
    /// RFC 3550 A.1 standing of the packet (probation, jump…).
    pub verdict: SeqVerdict,
}

/// An accepted RTCP compound packet, undecoded.
#[derive(Debug, Clone)]
pub struct ReceivedRtcp {
    pub data: Bytes,
    pub info: RtcpInfo,
    pub source: SocketAddr,
    pub arrival: Instant,
}

/// A snapshot of a stream for the API and the media watchdog.
#[derive(Debug, Clone, PartialEq)]
pub struct StreamStats {
    pub kind: MediaKind,
    pub direction: Direction,
    pub local_rtp_port: u16,
    pub local_rtcp_port: u16,
    pub rtcp_mux: bool,
    /// Where RTP is sent: the latched source, else the SDP address.
    pub remote_rtp: Option<SocketAddr>,
    /// Where RTCP is sent, by the same rule.
    pub remote_rtcp: Option<SocketAddr>,
    pub latched_rtp: Option<SocketAddr>,
    pub latched_rtcp: Option<SocketAddr>,
    pub ssrc: Option<u32>,
    /// RTP packets accepted.
    pub packets: u64,
    /// RTP payload bytes accepted.
    pub bytes: u64,
    /// Cumulative lost (RFC 3550), never negative.
    pub lost: u64,
    /// Fraction lost (0.0-1.0) over the last report interval.
    pub fraction_lost: f64,
    pub jitter_ms: f64,
    pub bitrate_kbps: f64,
    pub rtcp_packets: u64,
    /// Datagrams refused on this stream's ports.
    pub dropped: u64,
    pub last_rtp_at: Option<Instant>,
    pub last_rtcp_at: Option<Instant>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Port {
    Rtp,
    Rtcp,
}

/// The sockets. The lease is dropped last, so the ports go back to the
/// allocator only once they are closed.
struct Io {
    rtp: UdpSocket,
    rtcp: UdpSocket,
    /// Duplicates of the same sockets for sending from any thread without a
    /// runtime. Tokio's `try_send_to` refuses until the reactor has seen the
    /// socket writable once; a plain non-blocking send has no such state.
    rtp_tx: std::net::UdpSocket,
    rtcp_tx: std::net::UdpSocket,
    _lease: PortLease,
}

struct State {
    spec: StreamSpec,
    rtp_latch: Latch,
    rtcp_latch: Latch,
    stats: ReceiverStats,
    rtcp_packets: u64,
    last_rtcp_at: Option<Instant>,
    /// Last sign of life from the peer: accepted RTP or RTCP, or RTP with an
    /// unexpected payload type from the latched source (a peer sending only
    /// un-negotiated comfort noise is alive).
    last_heard: Option<Instant>,
    dropped: u64,
    sink: Option<Arc<dyn MediaSink>>,
}

enum Accepted {
    Rtp(ReceivedRtp, PacketOutcome, usize),
    Rtcp(ReceivedRtcp),
}

impl State {
    fn rtp_target(&self) -> Option<SocketAddr> {
        self.rtp_latch.addr().or_else(|| self.spec.sdp_rtp())
    }

    fn rtcp_target(&self) -> Option<SocketAddr> {
        self.rtcp_latch.addr().or_else(|| {
            if self.spec.rtcp_mux {
                self.rtp_target()
            } else {
                self.spec.sdp_rtcp()
            }
        })
    }

    /// Classify, parse, check and account one datagram.
    fn accept(
        &mut self,
        port: Port,
        data: &[u8],
        src: SocketAddr,
        now: Instant,
    ) -> Result<Accepted, DropReason> {
        let mux = self.spec.rtcp_mux;
        match (packet::classify(data), port) {
            (Class::Other, _) => Err(DropReason::NotRtp),
            (Class::Rtp, Port::Rtp) => self.accept_rtp(data, src, now),
            (Class::Rtcp, Port::Rtp) if mux => self.accept_rtcp(data, src, now),
            (Class::Rtcp, Port::Rtcp) if !mux => self.accept_rtcp(data, src, now),
            _ => Err(DropReason::WrongPort),
        }
    }

    fn accept_rtp(
        &mut self,
        data: &[u8],
        src: SocketAddr,
        now: Instant,
    ) -> Result<Accepted, DropReason> {
        let raw = Bytes::copy_from_slice(data);
        let pkt = packet::parse_rtp(&raw).map_err(|_| DropReason::Malformed)?;
        let h = &pkt.header;
        let Some((clock_rate, _)) = self.spec.payload_type(h.payload_type) else {
            if self.rtp_latch.addr() == Some(src) {
                self.last_heard = Some(now);
            }
            return Err(DropReason::UnknownPayloadType);
        };
        if self.rtp_latch.on_packet(src, h.ssrc, now) == LatchVerdict::Reject {
            return Err(DropReason::WrongSource);
        }
        let payload_bytes = pkt.payload.len();
        let outcome = self.stats.on_packet(&PacketInfo {
            ssrc: h.ssrc,
            seq: h.sequence_number,
            timestamp: h.timestamp,
            clock_rate,
            payload_bytes,
            arrival: now,
        });
        self.last_heard = Some(now);
        Ok(Accepted::Rtp(
            ReceivedRtp {
                packet: pkt,
                clock_rate,
                source: src,
                arrival: now,
                verdict: outcome.verdict,
            },
            outcome,
            payload_bytes,
        ))
    }

    fn accept_rtcp(
        &mut self,
        data: &[u8],
        src: SocketAddr,
        now: Instant,
    ) -> Result<Accepted, DropReason> {
        let info = packet::check_rtcp(data).map_err(|_| DropReason::Malformed)?;
        if self.rtcp_latch.on_packet(src, info.sender_ssrc, now) == LatchVerdict::Reject {
            return Err(DropReason::WrongSource);
        }
        self.rtcp_packets += 1;
        self.last_rtcp_at = Some(now);
        self.last_heard = Some(now);
        Ok(Accepted::Rtcp(ReceivedRtcp {
            data: Bytes::copy_from_slice(data),
            info,
            source: src,
            arrival: now,
        }))
    }
}

struct Shared {
    state: Mutex<State>,
    metrics: MediaMetrics,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // Counters and addresses stay usable if a holder panicked.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn on_datagram(&self, port: Port, data: &[u8], src: SocketAddr, now: Instant) {
        let (result, sink) = {
            let mut st = self.lock();
            let r = st.accept(port, data, src, now);
            if r.is_err() {
                st.dropped += 1;
            }
            (r, st.sink.clone())
        };
        // Metrics and the sink run outside the lock: the sink may send.
        match result {
            Err(reason) => {
                tracing::trace!(%src, reason = reason.as_str(), len = data.len(), "media datagram dropped");
                self.metrics.dropped(reason);
            }
            Ok(Accepted::Rtp(pkt, outcome, payload_bytes)) => {
                self.metrics.rtp_packets_received.inc();
                self.metrics.rtp_bytes_received.inc_by(payload_bytes as u64);
                if outcome.lost_delta > 0 {
                    self.metrics.rtp_packets_lost.inc_by(outcome.lost_delta);
                }
                if let Some(sink) = sink {
                    sink.on_rtp(pkt);
                }
            }
            Ok(Accepted::Rtcp(pkt)) => {
                self.metrics.rtcp_packets_received.inc();
                if let Some(sink) = sink {
                    sink.on_rtcp(pkt);
                }
            }
        }
    }
}

/// A running media stream. Stops (task ended, sockets closed, ports
/// returned) on [`close`](MediaStream::close) or drop.
pub struct MediaStream {
    shared: Arc<Shared>,
    io: Mutex<Option<Arc<Io>>>,
    task: JoinHandle<()>,
    local_rtp_port: u16,
    local_rtcp_port: u16,
}

impl MediaStream {
    /// Start receiving on a reserved port pair. Needs a tokio runtime.
    pub fn start(
        ports: PortPair,
        spec: StreamSpec,
        metrics: MediaMetrics,
    ) -> Result<Self, MixerError> {
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| MixerError::NoRuntime)?;
        let (local_rtp_port, local_rtcp_port) = (ports.rtp_port(), ports.rtcp_port());
        let (rtp, rtcp, lease) = ports.into_parts();
        let io = Arc::new(Io {
            rtp_tx: rtp.try_clone()?,
            rtcp_tx: rtcp.try_clone()?,
            rtp: UdpSocket::from_std(rtp)?,
            rtcp: UdpSocket::from_std(rtcp)?,
            _lease: lease,
        });
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                spec,
                rtp_latch: Latch::new(LatchPolicy::RTP),
                rtcp_latch: Latch::new(LatchPolicy::RTCP),
                stats: ReceiverStats::new(RATE_WINDOW),
                rtcp_packets: 0,
                last_rtcp_at: None,
                last_heard: None,
                dropped: 0,
                sink: None,
            }),
            metrics,
        });
        let task = runtime.spawn(receive(shared.clone(), io.clone()));
        Ok(Self {
            shared,
            io: Mutex::new(Some(io)),
            task,
            local_rtp_port,
            local_rtcp_port,
        })
    }

    pub fn local_rtp_port(&self) -> u16 {
        self.local_rtp_port
    }

    pub fn local_rtcp_port(&self) -> u16 {
        self.local_rtcp_port
    }

    pub fn spec(&self) -> StreamSpec {
        self.shared.lock().spec.clone()
    }

    pub fn direction(&self) -> Direction {
        self.shared.lock().spec.direction
    }

    /// Last RTP or RTCP from the peer (see the media timeout).
    pub fn last_activity(&self) -> Option<Instant> {
        self.shared.lock().last_heard
    }

    pub fn stats(&self) -> StreamStats {
        let now = Instant::now();
        let st = self.shared.lock();
        StreamStats {
            kind: st.spec.kind,
            direction: st.spec.direction,
            local_rtp_port: self.local_rtp_port,
            local_rtcp_port: self.local_rtcp_port,
            rtcp_mux: st.spec.rtcp_mux,
            remote_rtp: st.rtp_target(),
            remote_rtcp: st.rtcp_target(),
            latched_rtp: st.rtp_latch.addr(),
            latched_rtcp: st.rtcp_latch.addr(),
            ssrc: st.stats.ssrc(),
            packets: st.stats.packets(),
            bytes: st.stats.bytes(),
            lost: st.stats.lost(),
            fraction_lost: st.stats.fraction_lost(),
            jitter_ms: st.stats.jitter_ms(),
            bitrate_kbps: st.stats.bitrate_bps(now) / 1000.0,
            rtcp_packets: st.rtcp_packets,
            dropped: st.dropped,
            last_rtp_at: st.stats.last_packet_at(),
            last_rtcp_at: st.last_rtcp_at,
        }
    }

    /// Apply a re-negotiation (re-INVITE/UPDATE) on the same ports. A new
    /// SDP address means the peer moved: the latch starts over.
    pub fn update(&self, spec: StreamSpec) {
        let mut st = self.shared.lock();
        if spec.sdp_rtp() != st.spec.sdp_rtp() {
            st.rtp_latch.reset();
            st.rtcp_latch.reset();
        } else if spec.sdp_rtcp() != st.spec.sdp_rtcp() || spec.rtcp_mux != st.spec.rtcp_mux {
            st.rtcp_latch.reset();
        }
        st.spec = spec;
    }

    /// Where received packets go from now on (`None`: only counted).
    pub fn set_sink(&self, sink: Option<Arc<dyn MediaSink>>) {
        self.shared.lock().sink = sink;
    }

    /// Send an RTP packet to the peer from our RTP port. Never blocks: if
    /// the socket buffer is full the error is `Io(WouldBlock)` and the
    /// packet is lost, as it would be on the network.
    pub fn send_rtp(&self, packet: &[u8]) -> Result<usize, MixerError> {
        let target = {
            let st = self.shared.lock();
            if !st.spec.direction.we_send() {
                return Err(MixerError::NotSending(st.spec.direction.as_str()));
            }
            st.rtp_target().ok_or(MixerError::NoRemote)?
        };
        let io = self.io()?;
        Ok(io.rtp_tx.send_to(packet, target)?)
    }

    /// Send an RTCP packet, on the RTP port when muxed. RTCP flows whatever
    /// the direction (RFC 3264 §5.1).
    pub fn send_rtcp(&self, packet: &[u8]) -> Result<usize, MixerError> {
        let (target, mux) = {
            let st = self.shared.lock();
            (
                st.rtcp_target().ok_or(MixerError::NoRemote)?,
                st.spec.rtcp_mux,
            )
        };
        let io = self.io()?;
        let sock = if mux { &io.rtp_tx } else { &io.rtcp_tx };
        Ok(sock.send_to(packet, target)?)
    }

    /// Stop receiving and close the sockets. Idempotent.
    pub fn close(&self) {
        self.task.abort();
        let io = self.io.lock().unwrap_or_else(|p| p.into_inner()).take();
        drop(io);
    }

    pub fn is_closed(&self) -> bool {
        self.io.lock().unwrap_or_else(|p| p.into_inner()).is_none()
    }

    fn io(&self) -> Result<Arc<Io>, MixerError> {
        self.io
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
            .ok_or(MixerError::Closed)
    }
}

impl Drop for MediaStream {
    fn drop(&mut self) {
        self.close();
    }
}

impl std::fmt::Debug for MediaStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MediaStream")
            .field("local_rtp_port", &self.local_rtp_port)
            .field("local_rtcp_port", &self.local_rtcp_port)
            .field("closed", &self.is_closed())
            .finish()
    }
}

async fn receive(shared: Arc<Shared>, io: Arc<Io>) {
    let mut rtp_buf = vec![0u8; RECV_BUFFER];
    let mut rtcp_buf = vec![0u8; RECV_BUFFER];
    let mut report = tokio::time::interval_at(
        tokio::time::Instant::now() + REPORT_INTERVAL,
        REPORT_INTERVAL,
    );
    report.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let (port, result) = tokio::select! {
            r = io.rtp.recv_from(&mut rtp_buf) => (Port::Rtp, r),
            r = io.rtcp.recv_from(&mut rtcp_buf) => (Port::Rtcp, r),
            _ = report.tick() => {
                shared.lock().stats.roll_interval();
                continue;
            }
        };
        match result {
            Ok((n, src)) => {
                let buf = match port {
                    Port::Rtp => &rtp_buf,
                    Port::Rtcp => &rtcp_buf,
                };
                // recv_from never reports more than the buffer holds.
                let data = buf.get(..n).unwrap_or(buf);
                shared.on_datagram(port, data, src, Instant::now());
            }
            Err(e) => {
                // Transient (ICMP errors reported on the socket, ENOBUFS);
                // pause a little so that a persistent one cannot spin.
                tracing::debug!(?port, error = %e, "media socket receive error");
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        }
    }
}

#[cfg(test)]
pub(crate) mod tests;
