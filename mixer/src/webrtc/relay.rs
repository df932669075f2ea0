//! One m-line's plain RTP between the mixer and webrtcbin, over a loopback
//! socket. The mixer sees the relay as an ordinary RTP peer with rtcp-mux
//! (no change to its streams, statistics, feedback or timeouts); webrtcbin
//! does ICE, DTLS-SRTP and its own RTCP toward the browser. Keyframe
//! requests cross over: a PLI/FIR from the mixer becomes an upstream
//! force-key-unit on the pad webrtcbin delivers the peer's stream on (so
//! its RTP session sends the peer a PLI), and a force-key-unit that
//! webrtcbin sends upstream for a PLI from the peer becomes a PLI to the
//! mixer.

use std::net::{IpAddr, Ipv4Addr, SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;

use crate::video::feedback::{self, KeyframeFeedback};
use crate::MixerError;

/// Our SSRC on the PLIs the relay writes to the mixer (the mixer does not
/// check it; RTCP needs one).
const RELAY_SSRC: u32 = 0x6469_656d;
const MAX_PACKET: usize = 1500;

#[derive(Default)]
struct Slots {
    /// Where packets from the mixer go: the sending peer's appsrc.
    outgoing: Option<gst_app::AppSrc>,
    /// The sink pad of the appsink the peer's stream arrives on: an
    /// upstream event pushed on it makes webrtcbin ask the peer for a
    /// keyframe.
    incoming_pad: Option<gst::Pad>,
}

/// Counters for the API and tests.
#[derive(Debug, Default)]
pub struct RelayCounters {
    pub to_mixer: AtomicU64,
    pub from_mixer: AtomicU64,
    pub keyframes_asked_of_peer: AtomicU64,
    pub keyframes_asked_by_peer: AtomicU64,
}

pub struct Relay {
    /// The SSRC the peer sees on what we send. The mixer's SSRC of a
    /// receiver is its own business (it changes when the receiver moves
    /// between encoders); webrtcbin routes keyframe requests by the SSRC
    /// in the caps of its sink pad, so that one must be known and fixed.
    ssrc: u32,
    socket: Arc<UdpSocket>,
    mixer: SocketAddr,
    slots: Arc<Mutex<Slots>>,
    counters: Arc<RelayCounters>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for Relay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Relay")
            .field("local", &self.local_addr())
            .field("mixer", &self.mixer)
            .finish()
    }
}

/// Where the mixer's port can be reached from inside the host: its bound
/// address, or loopback when it listens on the wildcard.
pub fn mixer_address(bind_ip: IpAddr, port: u16) -> SocketAddr {
    let ip = if bind_ip.is_unspecified() {
        match bind_ip {
            IpAddr::V4(_) => IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(_) => IpAddr::V6(std::net::Ipv6Addr::LOCALHOST),
        }
    } else {
        bind_ip
    };
    SocketAddr::new(ip, port)
}

impl Relay {
    /// Binds the relay's socket next to the mixer port it talks to.
    pub fn bind(mixer: SocketAddr) -> Result<Relay, MixerError> {
        let socket = UdpSocket::bind(SocketAddr::new(mixer.ip(), 0))?;
        socket.set_read_timeout(Some(Duration::from_millis(200)))?;
        let socket = Arc::new(socket);
        let slots = Arc::new(Mutex::new(Slots::default()));
        let counters = Arc::new(RelayCounters::default());
        let stop = Arc::new(AtomicBool::new(false));
        let ssrc = rand::random::<u32>() | 1;
        let thread = {
            let (socket, slots, counters, stop) = (
                socket.clone(),
                slots.clone(),
                counters.clone(),
                stop.clone(),
            );
            std::thread::Builder::new()
                .name("webrtc-relay".into())
                .spawn(move || from_mixer(&socket, mixer, ssrc, &slots, &counters, &stop))?
        };
        Ok(Relay {
            ssrc,
            socket,
            mixer,
            slots,
            counters,
            stop,
            thread: Some(thread),
        })
    }

    /// The address the mixer's stream sends to (its `remote_rtp`).
    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.socket.local_addr().ok()
    }

    /// The SSRC of what the relay hands webrtcbin.
    pub fn ssrc(&self) -> u32 {
        self.ssrc
    }

    pub fn counters(&self) -> &RelayCounters {
        &self.counters
    }

    /// Packets from the mixer go into this appsrc (linked to a webrtcbin
    /// sink pad); `None` drops them (a link whose publisher is down).
    /// A force-key-unit event webrtcbin sends up this appsrc is a PLI to
    /// the mixer.
    pub fn set_outgoing(&self, appsrc: Option<gst_app::AppSrc>) {
        if let Some(src) = &appsrc {
            if let Some(pad) = src.static_pad("src") {
                let socket = Arc::downgrade(&self.socket);
                let (mixer, counters) = (self.mixer, self.counters.clone());
                pad.add_probe(gst::PadProbeType::EVENT_UPSTREAM, move |_, info| {
                    let is_fku = info
                        .event()
                        .is_some_and(|e| gstreamer_video::ForceKeyUnitEvent::is(e));
                    if is_fku {
                        if let Some(socket) = socket.upgrade() {
                            let pli =
                                feedback::keyframe_request(KeyframeFeedback::Pli, RELAY_SSRC, 0, 0);
                            let _ = socket.send_to(&pli, mixer);
                            counters
                                .keyframes_asked_by_peer
                                .fetch_add(1, Ordering::Relaxed);
                        }
                    }
                    gst::PadProbeReturn::Ok
                });
            }
        }
        lock(&self.slots).outgoing = appsrc;
    }

    /// Feeds the appsink that receives this m-line from webrtcbin into the
    /// mixer. Keyframe requests go up its sink pad into webrtcbin.
    pub fn set_incoming(&self, appsink: &gst_app::AppSink) {
        let socket = Arc::downgrade(&self.socket);
        let (mixer, counters) = (self.mixer, self.counters.clone());
        appsink.set_callbacks(
            gst_app::AppSinkCallbacks::builder()
                .new_sample(move |sink| {
                    let sample = sink.pull_sample().map_err(|_| gst::FlowError::Eos)?;
                    let Some(socket) = socket.upgrade() else {
                        return Err(gst::FlowError::Flushing);
                    };
                    if let Some(buf) = sample.buffer() {
                        if let Ok(map) = buf.map_readable() {
                            if socket.send_to(map.as_slice(), mixer).is_ok() {
                                counters.to_mixer.fetch_add(1, Ordering::Relaxed);
                            }
                        }
                    }
                    Ok(gst::FlowSuccess::Ok)
                })
                .build(),
        );
        lock(&self.slots).incoming_pad = appsink.static_pad("sink");
    }

    /// Forgets the pads and appsrc of a peer that is going away.
    pub fn detach(&self) {
        let mut s = lock(&self.slots);
        s.outgoing = None;
        s.incoming_pad = None;
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn lock(m: &Mutex<Slots>) -> std::sync::MutexGuard<'_, Slots> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// RTCP packet types are 192-223 in the second byte (RFC 5761 §4).
fn is_rtcp(data: &[u8]) -> bool {
    data.len() >= 8 && (192..=223).contains(&data[1])
}

fn from_mixer(
    socket: &UdpSocket,
    mixer: SocketAddr,
    ssrc: u32,
    slots: &Mutex<Slots>,
    counters: &RelayCounters,
    stop: &AtomicBool,
) {
    let mut buf = [0u8; MAX_PACKET];
    while !stop.load(Ordering::Relaxed) {
        let (n, from) = match socket.recv_from(&mut buf) {
            Ok(r) => r,
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock
                        | std::io::ErrorKind::TimedOut
                        | std::io::ErrorKind::ConnectionRefused
                ) =>
            {
                continue
            }
            Err(e) => {
                tracing::warn!(error = %e, "webrtc relay socket failed");
                return;
            }
        };
        // Only the mixer's port talks to a relay.
        if from != mixer || n < 12 {
            continue;
        }
        let data = &buf[..n];
        if is_rtcp(data) {
            if feedback::asks_for_keyframe(data) {
                let pad = lock(slots).incoming_pad.clone();
                if let Some(pad) = pad {
                    let ev = gstreamer_video::UpstreamForceKeyUnitEvent::builder()
                        .all_headers(true)
                        .build();
                    pad.push_event(ev);
                    counters
                        .keyframes_asked_of_peer
                        .fetch_add(1, Ordering::Relaxed);
                }
            }
            // Reports and the rest stay between the mixer and the relay:
            // webrtcbin keeps its own RTCP with the peer.
            continue;
        }
        let src = lock(slots).outgoing.clone();
        if let Some(src) = src {
            let mut packet = data.to_vec();
            packet[8..12].copy_from_slice(&ssrc.to_be_bytes());
            let buffer = gst::Buffer::from_slice(packet);
            if src.push_buffer(buffer).is_ok() {
                counters.from_mixer.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}
