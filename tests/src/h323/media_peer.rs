//! The media side of the H.323 test caller: a camera (a ball on a solid
//! colour, H.264) and a microphone (a tone, G.711 A-law) encoded by
//! GStreamer, and what the room sends back decoded by GStreamer into PNG
//! frames and raw PCM the test judges.
//!
//! The mixer does symmetric RTP: it sends to where a stream's packets come
//! from. GStreamer's senders and receivers are separate processes with
//! their own sockets, so a relay owns the one socket per kind the caller
//! announces in H.245 and sits between them and the daemon.

use std::net::{Ipv4Addr, SocketAddr, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use crate::audio::tone_amplitude;
use crate::util::{self, TempDir};
use crate::video::{census_png, Census, Colour};

/// One kind's relay: `public` is the caller's RTP address in H.245, `local`
/// faces the GStreamer processes.
struct Relay {
    public: UdpSocket,
    /// The caller's RTCP address: reports are read and dropped.
    rtcp: UdpSocket,
    local: UdpSocket,
    /// Packets from the daemon.
    received: Arc<AtomicU64>,
    /// Packets sent to the daemon.
    sent: Arc<AtomicU64>,
}

impl Relay {
    fn bind() -> Relay {
        let any = || {
            UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).unwrap_or_else(|e| panic!("bind UDP: {e}"))
        };
        Relay {
            public: any(),
            rtcp: any(),
            local: any(),
            received: Arc::new(AtomicU64::new(0)),
            sent: Arc::new(AtomicU64::new(0)),
        }
    }

    fn port(s: &UdpSocket) -> u16 {
        s.local_addr().map(|a| a.port()).unwrap_or(0)
    }

    /// Forwards both ways until `stop`: GStreamer's packets to `remote`,
    /// the daemon's to the receiver's `to_receiver` port.
    fn run(&self, remote: SocketAddr, to_receiver: u16, stop: Arc<AtomicBool>) {
        let timeout = Some(Duration::from_millis(200));
        let (Ok(public), Ok(local), Ok(rtcp)) = (
            self.public.try_clone(),
            self.local.try_clone(),
            self.rtcp.try_clone(),
        ) else {
            panic!("cannot clone the relay sockets");
        };
        for s in [&public, &local, &rtcp] {
            let _ = s.set_read_timeout(timeout);
        }
        let (p2, l2) = (
            public.try_clone().expect("clone"),
            local.try_clone().expect("clone"),
        );
        let (sent, received) = (self.sent.clone(), self.received.clone());
        let s1 = stop.clone();
        thread::spawn(move || {
            let mut buf = [0u8; 2048];
            while !s1.load(Ordering::Relaxed) {
                if let Ok((n, _)) = local.recv_from(&mut buf) {
                    if public.send_to(&buf[..n], remote).is_ok() {
                        sent.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
        });
        let s2 = stop.clone();
        thread::spawn(move || {
            let mut buf = [0u8; 2048];
            let to = SocketAddr::from((Ipv4Addr::LOCALHOST, to_receiver));
            while !s2.load(Ordering::Relaxed) {
                if let Ok((n, _)) = p2.recv_from(&mut buf) {
                    received.fetch_add(1, Ordering::Relaxed);
                    let _ = l2.send_to(&buf[..n], to);
                }
            }
        });
        thread::spawn(move || {
            let mut buf = [0u8; 2048];
            while !stop.load(Ordering::Relaxed) {
                let _ = rtcp.recv_from(&mut buf);
            }
        });
    }
}

/// The caller's camera, microphone, screen and speaker.
pub struct MediaPeer {
    audio: Relay,
    video: Relay,
    pub colour: Colour,
    pub tone: u32,
    dir: TempDir,
    stop: Arc<AtomicBool>,
    children: Mutex<Vec<Child>>,
}

impl MediaPeer {
    pub fn new(label: &str, colour: Colour, tone: u32) -> MediaPeer {
        MediaPeer {
            audio: Relay::bind(),
            video: Relay::bind(),
            colour,
            tone,
            // The path goes into gst-launch pipelines split on spaces.
            dir: TempDir::new(&format!(
                "h323-media-{}",
                label
                    .chars()
                    .filter(char::is_ascii_alphanumeric)
                    .collect::<String>()
            )),
            stop: Arc::new(AtomicBool::new(false)),
            children: Mutex::new(Vec::new()),
        }
    }

    /// Where the caller receives RTP and RTCP of `video` or audio.
    pub fn rtp_rtcp(&self, video: bool) -> (SocketAddr, SocketAddr) {
        let r = if video { &self.video } else { &self.audio };
        (
            SocketAddr::from((Ipv4Addr::LOCALHOST, Relay::port(&r.public))),
            SocketAddr::from((Ipv4Addr::LOCALHOST, Relay::port(&r.rtcp))),
        )
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Starts sending to the daemon's RTP addresses and decoding what comes
    /// back, with the call's payload types (A-law; H.264). `video`: None
    /// for an audio-only call.
    pub fn start(&self, audio: SocketAddr, audio_pt: u8, video: Option<(SocketAddr, u8)>) {
        let gst = util::require_program("gst-launch-1.0", "gstreamer1.0-tools");
        let free = || {
            UdpSocket::bind((Ipv4Addr::LOCALHOST, 0))
                .and_then(|s| s.local_addr())
                .map(|a| a.port())
                .unwrap_or_else(|e| panic!("free UDP port: {e}"))
        };
        let (audio_in, video_in) = (free(), free());
        self.audio.run(audio, audio_in, self.stop.clone());
        let mut send = format!(
            "audiotestsrc is-live=true wave=sine freq={} volume=0.5 \
             ! audio/x-raw,rate=8000,channels=1 ! alawenc ! rtppcmapay pt={audio_pt} \
             ! udpsink host=127.0.0.1 port={}",
            self.tone,
            Relay::port(&self.audio.local)
        );
        // Unbuffered: the file is read while it grows, and filesink's
        // default 64 KiB buffer is four seconds of this audio.
        let mut recv = format!(
            "udpsrc port={audio_in} caps=application/x-rtp,media=audio,clock-rate=8000,encoding-name=PCMA,payload={audio_pt} \
             ! rtpjitterbuffer latency=100 ! rtppcmadepay ! alawdec \
             ! audio/x-raw,format=S16LE,channels=1 ! filesink buffer-mode=unbuffered location={}",
            self.audio_path().display()
        );
        if let Some((v, video_pt)) = video {
            self.video.run(v, video_in, self.stop.clone());
            send.push_str(&format!(
                " videotestsrc is-live=true pattern=ball background-color={:#x} foreground-color=0xffffffff \
                 ! video/x-raw,format=I420,width=352,height=288,framerate=15/1 \
                 ! x264enc tune=zerolatency speed-preset=ultrafast key-int-max=15 bitrate=256 \
                 ! video/x-h264,profile=constrained-baseline \
                 ! rtph264pay pt={video_pt} config-interval=1 mtu=1200 \
                 ! udpsink host=127.0.0.1 port={}",
                self.colour.argb(),
                Relay::port(&self.video.local)
            ));
            recv.push_str(&format!(
                " udpsrc port={video_in} caps=application/x-rtp,media=video,clock-rate=90000,encoding-name=H264,payload={video_pt} \
                 ! rtpjitterbuffer latency=200 ! rtph264depay ! avdec_h264 ! videoconvert ! videorate \
                 ! video/x-raw,format=RGB,framerate=2/1 ! pngenc ! multifilesink location={}/frame-%05d.png",
                self.dir.path().display()
            ));
        }
        for (name, pipeline) in [("send", send), ("recv", recv)] {
            let log = self.dir.join(&format!("gst-{name}.log"));
            let (out, err) = util::log_stdio(&log).unwrap_or_else(|e| panic!("{e}"));
            let child = Command::new(&gst)
                .args(pipeline.split_whitespace())
                .stdin(Stdio::null())
                .stdout(out)
                .stderr(err)
                .spawn()
                .unwrap_or_else(|e| panic!("gst-launch-1.0 {pipeline}: {e}"));
            self.children
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(child);
        }
    }

    fn audio_path(&self) -> PathBuf {
        self.dir.join("received.s16")
    }

    /// RTP packets (audio, video) from the daemon so far.
    pub fn received(&self) -> (u64, u64) {
        (
            self.audio.received.load(Ordering::Relaxed),
            self.video.received.load(Ordering::Relaxed),
        )
    }

    /// RTP packets (audio, video) sent to the daemon so far.
    pub fn sent(&self) -> (u64, u64) {
        (
            self.audio.sent.load(Ordering::Relaxed),
            self.video.sent.load(Ordering::Relaxed),
        )
    }

    /// Decoded frames written so far.
    pub fn frames(&self) -> Vec<PathBuf> {
        let mut v: Vec<PathBuf> = std::fs::read_dir(self.dir.path())
            .into_iter()
            .flatten()
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with("frame-") && n.ends_with(".png"))
            })
            .collect();
        v.sort();
        v
    }

    /// The colours of the newest complete decoded frame (the last one may be
    /// half written).
    pub fn picture(&self) -> Result<Census, String> {
        let frames = self.frames();
        let mut last = Err("no decoded frame yet".to_string());
        for f in frames.iter().rev().take(3) {
            match std::fs::read(f)
                .map_err(|e| e.to_string())
                .and_then(|b| census_png(&b))
            {
                Ok(c) => return Ok(c),
                Err(e) => last = Err(format!("{}: {e}", f.display())),
            }
        }
        last
    }

    /// The decoded audio (8 kHz mono) of the last `secs` seconds.
    pub fn audio_tail(&self, secs: f64) -> Vec<i16> {
        let bytes = std::fs::read(self.audio_path()).unwrap_or_default();
        let samples: Vec<i16> = bytes
            .chunks_exact(2)
            .map(|c| i16::from_le_bytes([c[0], c[1]]))
            .collect();
        let n = (secs * 8000.0) as usize;
        samples[samples.len().saturating_sub(n)..].to_vec()
    }

    /// Level of `freq` in the last two seconds of what the caller heard.
    pub fn hears(&self, freq: u32) -> f64 {
        tone_amplitude(&self.audio_tail(2.0), 8000, f64::from(freq))
    }

    /// The GStreamer logs, for failure messages.
    pub fn logs(&self) -> String {
        ["send", "recv"]
            .iter()
            .map(|n| {
                let p = self.dir.join(&format!("gst-{n}.log"));
                format!("gst-{n}: {}", util::tail(&util::read_lossy(&p), 20))
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    pub fn stop(&self) {
        self.stop.store(true, Ordering::Relaxed);
        let mut children = self.children.lock().unwrap_or_else(|p| p.into_inner());
        for c in children.iter_mut() {
            util::stop_child(c, "INT", Duration::from_secs(2));
        }
        children.clear();
    }
}

impl Drop for MediaPeer {
    fn drop(&mut self) {
        self.stop();
    }
}
