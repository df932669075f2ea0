//! An H.323 terminal for the tests, built on the gateway's own stack: the
//! sans-IO call state machine (`diemcau_gateway::h323::call`) with its
//! Q.931/H.225.0 encoding, TPKT framing and fast start, driven here by a
//! thread with blocking sockets; the camera and microphone are a
//! [`MediaPeer`].
//!
//! It dials (fast start, H.245 tunnelled or on its own connection) or
//! answers a call from the daemon, and records what happened: the
//! messages it received, the media the call settled on, how the call ended.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use diemcau_gateway::h323::call::reason::{Ending, ReleaseReason};
use diemcau_gateway::h323::call::signal::{Alias, Kind};
use diemcau_gateway::h323::call::{
    wire, Admission, AdmitRequest, Call, Endpoint, LocalMedia, Output,
};
use diemcau_gateway::h323::media::H323Stream;
use diemcau_gateway::h323::tpkt;

use diemcau_codecs::catalogue::{Capabilities, CodecName, MediaKind};

use super::media_peer::MediaPeer;
use crate::video::Colour;

/// What the caller saw of its call.
#[derive(Debug, Default, Clone)]
pub struct CallRecord {
    /// Kinds of the call signalling messages received, in order.
    pub received: Vec<Kind>,
    pub connected: bool,
    pub streams: Vec<H323Stream>,
    /// How the call ended: ours, and the peer's Release Complete reason.
    pub ended: Option<(Ending, Option<ReleaseReason>)>,
    /// Q.931 cause of the peer's Release Complete.
    pub peer_cause: Option<u8>,
    /// videoFastUpdatePicture requests from the daemon.
    pub keyframe_requests: u32,
    /// Whether an H.245 connection was set up.
    pub separate_h245: bool,
}

enum Cmd {
    HangUp,
    /// Keys typed on the keypad (H.245 UserInputIndication).
    Keys(String),
}

/// How [`Caller::dial_with`] calls.
#[derive(Debug, Clone, Copy)]
pub struct DialOptions {
    /// H.245 on its own connection rather than tunnelled.
    pub separate_h245: bool,
    /// Fast start proposals in the Setup; without, logical channels.
    pub fast_start: bool,
}

pub struct Caller {
    pub name: String,
    pub media: Arc<MediaPeer>,
    record: Arc<Mutex<CallRecord>>,
    cmd: Mutex<Option<mpsc::Sender<Cmd>>>,
    thread: Mutex<Option<thread::JoinHandle<()>>>,
    /// Where it takes calls (after [`Caller::listen`]).
    pub listen_addr: Option<SocketAddr>,
}

/// The caller's codecs: A-law and H.264, what its GStreamer pipelines do.
fn caller_caps() -> Capabilities {
    Capabilities {
        audio: vec![CodecName::Pcma],
        video: vec![CodecName::H264],
        ..Capabilities::default()
    }
}

fn endpoint(name: &str, aliases: &[&str]) -> Endpoint {
    Endpoint {
        aliases: aliases.iter().map(|a| Alias::from_text(a)).collect(),
        display: name.to_string(),
        mcu: false,
        product: "diemcau-e2e caller".into(),
        signal_address: None,
        caps: caller_caps(),
        fast_start: true,
    }
}

fn local_media(m: &MediaPeer) -> LocalMedia {
    LocalMedia {
        audio: m.rtp_rtcp(false),
        video: Some(m.rtp_rtcp(true)),
    }
}

/// Takes every call.
struct Accept(LocalMedia);

impl Admission for Accept {
    fn admit(&mut self, _req: &AdmitRequest) -> Result<LocalMedia, Ending> {
        Ok(self.0)
    }
    fn h245_listener(&mut self) -> Option<SocketAddr> {
        None
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Caller {
    /// Dials `destination` (a room number or alias, `1000*1234` with a
    /// PIN) at the daemon's call signalling address.
    pub fn dial(
        name: &str,
        aliases: &[&str],
        daemon: SocketAddr,
        destination: &str,
        colour: Colour,
        tone: u32,
        separate_h245: bool,
    ) -> Caller {
        let options = DialOptions {
            separate_h245,
            fast_start: true,
        };
        Caller::dial_with(name, aliases, daemon, destination, colour, tone, options)
    }

    /// [`Caller::dial`] with every option.
    pub fn dial_with(
        name: &str,
        aliases: &[&str],
        daemon: SocketAddr,
        destination: &str,
        colour: Colour,
        tone: u32,
        options: DialOptions,
    ) -> Caller {
        let media = Arc::new(MediaPeer::new(name, colour, tone));
        let stream = TcpStream::connect_timeout(&daemon, Duration::from_secs(5))
            .unwrap_or_else(|e| panic!("{name}: connect {daemon}: {e}"));
        let h245 = options.separate_h245.then(|| {
            TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap_or_else(|e| panic!("bind: {e}"))
        });
        let h245_addr = h245.as_ref().and_then(|l| l.local_addr().ok());
        let mut ep = endpoint(name, aliases);
        ep.signal_address = stream.local_addr().ok();
        ep.fast_start = options.fast_start;
        let (call, first) = Call::outgoing(
            ep,
            vec![Alias::from_text(destination)],
            Some(daemon),
            local_media(&media),
            h245_addr,
            Instant::now(),
        );
        let mut c = Caller {
            name: name.to_string(),
            media,
            record: Arc::new(Mutex::new(CallRecord::default())),
            cmd: Mutex::new(None),
            thread: Mutex::new(None),
            listen_addr: None,
        };
        c.spawn(stream, call, first, h245);
        c
    }

    /// Waits for the daemon to call (dial-out); answers the first call.
    pub fn listen(name: &str, aliases: &[&str], colour: Colour, tone: u32) -> Caller {
        let media = Arc::new(MediaPeer::new(name, colour, tone));
        let listener =
            TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap_or_else(|e| panic!("bind: {e}"));
        let addr = listener.local_addr().ok();
        let record = Arc::new(Mutex::new(CallRecord::default()));
        let (tx, rx) = mpsc::channel();
        let (m, r, n) = (media.clone(), record.clone(), name.to_string());
        let ep = endpoint(name, aliases);
        let handle = thread::spawn(move || {
            let Ok((stream, _)) = listener.accept() else {
                return;
            };
            let call = Call::incoming(ep);
            run(&n, stream, call, Vec::new(), None, &m, &r, &rx);
        });
        Caller {
            name: name.to_string(),
            media,
            record,
            cmd: Mutex::new(Some(tx)),
            thread: Mutex::new(Some(handle)),
            listen_addr: addr,
        }
    }

    fn spawn(
        &mut self,
        stream: TcpStream,
        call: Call,
        first: Vec<Output>,
        h245: Option<TcpListener>,
    ) {
        let (tx, rx) = mpsc::channel();
        let (m, r, n) = (self.media.clone(), self.record.clone(), self.name.clone());
        let handle = thread::spawn(move || run(&n, stream, call, first, h245, &m, &r, &rx));
        *lock(&self.cmd) = Some(tx);
        *lock(&self.thread) = Some(handle);
    }

    pub fn record(&self) -> CallRecord {
        lock(&self.record).clone()
    }

    /// Waits until `cond` holds of the record.
    pub fn wait(
        &self,
        timeout: Duration,
        cond: impl Fn(&CallRecord) -> bool,
    ) -> Option<CallRecord> {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            let r = self.record();
            if cond(&r) {
                return Some(r);
            }
            thread::sleep(Duration::from_millis(50));
        }
        None
    }

    /// Types `keys` on the keypad (sent as H.245 user input).
    pub fn type_keys(&self, keys: &str) {
        if let Some(tx) = lock(&self.cmd).as_ref() {
            let _ = tx.send(Cmd::Keys(keys.to_string()));
        }
    }

    pub fn hang_up(&self) {
        if let Some(tx) = lock(&self.cmd).as_ref() {
            let _ = tx.send(Cmd::HangUp);
        }
    }

    /// Hangs up and waits for the thread.
    pub fn stop(&self) {
        self.hang_up();
        if let Some(h) = lock(&self.thread).take() {
            let _ = h.join();
        }
        self.media.stop();
    }
}

impl Drop for Caller {
    fn drop(&mut self) {
        self.stop();
    }
}

fn send(stream: &mut TcpStream, payload: &[u8]) -> bool {
    match tpkt::encode(payload) {
        Ok(frame) => stream.write_all(&frame).is_ok(),
        Err(_) => false,
    }
}

/// The call's loop: sockets in, outputs out, until the call ends.
#[allow(clippy::too_many_arguments)]
fn run(
    name: &str,
    mut stream: TcpStream,
    mut call: Call,
    first: Vec<Output>,
    h245_listener: Option<TcpListener>,
    media: &MediaPeer,
    record: &Mutex<CallRecord>,
    cmds: &mpsc::Receiver<Cmd>,
) {
    let _ = stream.set_read_timeout(Some(Duration::from_millis(100)));
    let mut h245: Option<(TcpStream, tpkt::Decoder)> = None;
    if let Some(l) = &h245_listener {
        let _ = l.set_nonblocking(true);
    }
    let mut admission = Accept(local_media(media));
    let mut decoder = tpkt::Decoder::new(65_535);
    let mut pending: Vec<Output> = first;
    let mut media_started = false;
    let mut buf = [0u8; 4096];
    loop {
        // Outputs first: they may open connections and start media.
        while !pending.is_empty() {
            let outs = std::mem::take(&mut pending);
            for o in outs {
                match o {
                    Output::Send(bytes) => {
                        let _ = send(&mut stream, &bytes);
                    }
                    Output::SendH245(pdu) => {
                        if let Some((s, _)) = &mut h245 {
                            let _ = send(s, &pdu);
                        }
                    }
                    Output::ConnectH245(addr) => {
                        if let Ok(s) = TcpStream::connect_timeout(&addr, Duration::from_secs(3)) {
                            let _ = s.set_read_timeout(Some(Duration::from_millis(20)));
                            h245 = Some((s, tpkt::Decoder::new(65_535)));
                            lock(record).separate_h245 = true;
                            pending.extend(call.h245_connected(Instant::now()));
                        }
                    }
                    Output::Connected => lock(record).connected = true,
                    Output::Media(streams) => {
                        let rtp = |k: MediaKind| {
                            streams
                                .iter()
                                .find(|s| s.kind == k)
                                .and_then(|s| Some((s.peer_rtp?, s.codec.payload_type)))
                        };
                        if !media_started {
                            if let Some((audio, pt)) = rtp(MediaKind::Audio) {
                                media.start(audio, pt, rtp(MediaKind::Video));
                                media_started = true;
                            }
                        }
                        lock(record).streams = streams;
                    }
                    Output::PeerWantsKeyframe => lock(record).keyframe_requests += 1,
                    Output::PeerBitrate(_) | Output::Dtmf(_) => {}
                    Output::Ended { ending, peer } => {
                        lock(record).ended = Some((ending, peer));
                        eprintln!("{name}: call ended: {} (peer {peer:?})", ending.as_str());
                        return;
                    }
                }
            }
        }
        match cmds.try_recv() {
            Ok(Cmd::HangUp) => {
                pending.extend(call.release(Ending::Normal));
                continue;
            }
            Ok(Cmd::Keys(k)) => {
                pending.extend(call.send_dtmf(&k));
                continue;
            }
            Err(_) => {}
        }
        if let Some(l) = &h245_listener {
            if h245.is_none() {
                if let Ok((s, _)) = l.accept() {
                    let _ = s.set_nonblocking(false);
                    let _ = s.set_read_timeout(Some(Duration::from_millis(20)));
                    h245 = Some((s, tpkt::Decoder::new(65_535)));
                    lock(record).separate_h245 = true;
                    pending.extend(call.h245_connected(Instant::now()));
                    continue;
                }
            }
        }
        if let Some((s, d)) = &mut h245 {
            match s.read(&mut buf) {
                Ok(0) => h245 = None,
                Ok(n) => {
                    d.push(&buf[..n]);
                    while let Ok(Some(p)) = d.next_packet() {
                        pending.extend(call.on_h245(&p, Instant::now()));
                    }
                }
                Err(_) => {}
            }
        }
        match stream.read(&mut buf) {
            Ok(0) => {
                let mut r = lock(record);
                if r.ended.is_none() {
                    r.ended = Some((Ending::ProtocolError, None));
                }
                eprintln!("{name}: connection closed by the daemon");
                return;
            }
            Ok(n) => {
                decoder.push(&buf[..n]);
                loop {
                    match decoder.next_packet() {
                        Ok(Some(p)) => {
                            if let Ok(s) = wire::decode(&p) {
                                let mut r = lock(record);
                                r.received.push(s.kind());
                                if s.kind() == Kind::ReleaseComplete {
                                    r.peer_cause = s.cause;
                                }
                            }
                            pending.extend(call.on_q931(&p, Instant::now(), &mut admission));
                        }
                        Ok(None) => break,
                        Err(e) => {
                            eprintln!("{name}: not TPKT from the daemon: {e}");
                            return;
                        }
                    }
                }
            }
            Err(_) => {
                pending.extend(call.on_timer(Instant::now()));
            }
        }
    }
}
