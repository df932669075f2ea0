//! The mixer benchmark (not a test; see docs/benchmarks.md and
//! bench/mixer.sh, which runs the cases and prints the table).
//!
//! ```text
//! room_bench clip PATH
//!     720p30 H.264 (constrained baseline, a keyframe every 2 s) as RTP
//!     packets in a file, encoded once.
//! room_bench load --impl mixer|reference --mode personal|shared --n N
//!                 --clip PATH [--warmup S] [--seconds S] [--port-base P]
//!     N participants replaying the clip as live RTP (a child process, so
//!     their cost is not the mixer's), each also counting what it is sent;
//!     the mixer (a MediaRoom in this process) or a bare gst-launch-1.0
//!     graph doing the same decode/composite/encode work. Prints one
//!     `RESULT` line: CPU seconds per wall second, ports per core, the
//!     output frame rate and bit rate per receiver. `--print-graph 1` prints
//!     the reference graph as a gst-launch-1.0 command line instead.
//! room_bench latency [--switches K] [--onsets K] [--port-base P]
//!     Added latency through the mixer, video (black/white switches) and
//!     audio (PCMU silence/tone onsets), against the same sender to the
//!     same receiver without the mixer. Prints `RESULT` lines.
//! room_bench latency-chains
//!     The audio decode and encode chains alone, to split the figure above.
//! room_bench send ...
//!     The sender child (started by `load`).
//! ```

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, UdpSocket};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use diemcau_mixer::video::label;
use diemcau_mixer::video::{
    compose, EncoderConfig, Layout, VideoCodec, VideoDecoder, VideoEncoder,
};
use diemcau_mixer::{
    Direction, MediaKind, MediaMetrics, MediaRoom, ParticipantId, PayloadFmtp, PortAllocator,
    StreamSpec,
};
use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;
use gstreamer_video as gst_video;

type Res<T> = Result<T, Box<dyn std::error::Error>>;

const WIDTH: u32 = 1280;
const HEIGHT: u32 = 720;
const FPS: u32 = 30;
/// Level 3.1 (720p30) and FU-A: what an HD room system announces.
const FMTP: &str = "profile-level-id=42e01f;packetization-mode=1";
/// The mixer's encoder bit rate for a receiver that announced no b=AS
/// (codec.rs DEFAULT_BITRATE_KBPS); the reference encodes at the same.
const OUT_KBPS: u32 = 1024;
/// The clip's bit rate: an HD camera's.
const CLIP_KBPS: u32 = 1500;
const LOCALHOST: [u8; 4] = [127, 0, 0, 1];

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("clip") => args
            .get(1)
            .ok_or_else(|| "clip PATH".into())
            .and_then(|p| make_clip(p)),
        Some("send") => send(&Opts::parse(&args[1..])),
        Some("load") => load(&Opts::parse(&args[1..])),
        Some("latency") => latency(&Opts::parse(&args[1..])),
        Some("latency-chains") => audio_chains(10),
        _ => Err("usage: room_bench clip|load|latency|send ... (see the source's header)".into()),
    };
    if let Err(e) = result {
        eprintln!("room_bench: {e}");
        std::process::exit(1);
    }
}

/// `--key value` options.
struct Opts(BTreeMap<String, String>);

impl Opts {
    fn parse(args: &[String]) -> Opts {
        let mut map = BTreeMap::new();
        let mut it = args.iter();
        while let Some(k) = it.next() {
            if let (Some(k), Some(v)) = (k.strip_prefix("--"), it.next()) {
                map.insert(k.to_string(), v.clone());
            }
        }
        Opts(map)
    }

    fn str(&self, key: &str, default: &str) -> String {
        self.0
            .get(key)
            .cloned()
            .unwrap_or_else(|| default.to_string())
    }

    fn num<T: std::str::FromStr>(&self, key: &str, default: T) -> Res<T> {
        match self.0.get(key) {
            None => Ok(default),
            Some(v) => v
                .parse()
                .map_err(|_| format!("--{key} {v}: not a number").into()),
        }
    }
}

// ---- the clip ----

/// Encodes 10 s of moving test picture once; the senders replay it.
fn make_clip(path: &str) -> Res<()> {
    if std::path::Path::new(path).exists() {
        return Ok(());
    }
    gst::init()?;
    let desc = format!(
        "videotestsrc num-buffers=300 pattern=smpte horizontal-speed=4 \
         ! video/x-raw,format=I420,width={WIDTH},height={HEIGHT},framerate={FPS}/1 \
         ! timeoverlay font-desc=\"Sans 60\" \
         ! x264enc tune=zerolatency speed-preset=veryfast bitrate={CLIP_KBPS} key-int-max=60 \
         ! video/x-h264,profile=constrained-baseline \
         ! rtph264pay pt=96 mtu=1200 config-interval=-1 ! appsink name=sink sync=false"
    );
    let pipeline = gst::parse::launch(&desc)?
        .downcast::<gst::Pipeline>()
        .map_err(|_| "not a pipeline")?;
    let sink = pipeline
        .by_name("sink")
        .and_then(|s| s.downcast::<gst_app::AppSink>().ok())
        .ok_or("no appsink")?;
    pipeline.set_state(gst::State::Playing)?;
    let mut out = Vec::new();
    let mut packets = 0;
    while let Some(sample) = sink.try_pull_sample(gst::ClockTime::from_seconds(30)) {
        let buf = sample.buffer().ok_or("sample without buffer")?;
        let map = buf.map_readable()?;
        let pts = buf.pts().map_or(0, |t| t.nseconds());
        out.extend_from_slice(&pts.to_le_bytes());
        out.extend_from_slice(&u32::try_from(map.len())?.to_le_bytes());
        out.extend_from_slice(map.as_slice());
        packets += 1;
    }
    pipeline.set_state(gst::State::Null)?;
    if packets == 0 {
        return Err("the clip pipeline produced nothing".into());
    }
    let tmp = format!("{path}.tmp");
    std::fs::write(&tmp, &out)?;
    std::fs::rename(&tmp, path)?;
    eprintln!(
        "clip: {packets} RTP packets, {} bytes, in {path}",
        out.len()
    );
    Ok(())
}

/// The clip's frames: each a list of RTP packets, in order.
fn read_clip(path: &str) -> Res<Vec<Vec<Vec<u8>>>> {
    let mut data = Vec::new();
    std::fs::File::open(path)?.read_to_end(&mut data)?;
    let mut frames: Vec<(u64, Vec<Vec<u8>>)> = Vec::new();
    let mut at = 0;
    while at + 12 <= data.len() {
        let pts = u64::from_le_bytes(data[at..at + 8].try_into()?);
        let len = u32::from_le_bytes(data[at + 8..at + 12].try_into()?) as usize;
        let packet = data
            .get(at + 12..at + 12 + len)
            .ok_or("truncated clip")?
            .to_vec();
        at += 12 + len;
        match frames.last_mut() {
            Some((p, list)) if *p == pts => list.push(packet),
            _ => frames.push((pts, vec![packet])),
        }
    }
    if frames.is_empty() {
        return Err("empty clip".into());
    }
    Ok(frames.into_iter().map(|(_, f)| f).collect())
}

// ---- the sender child ----

/// Replays the clip to every `--to` address at 30 fps from its own socket
/// (bound to `--bind` + 2i), each stream at another place in the clip (so
/// that keyframes do not all come at once), and counts what comes back to
/// each socket during the window `--warmup`..`--warmup + --seconds`.
fn send(o: &Opts) -> Res<()> {
    let frames = read_clip(&o.str("clip", ""))?;
    let to: Vec<SocketAddr> = o
        .str("to", "")
        .split(',')
        .map(|a| a.parse())
        .collect::<Result<_, _>>()?;
    let bind: u16 = o.num("bind", 27000)?;
    let warmup = Duration::from_secs_f64(o.num("warmup", 5.0)?);
    let window = Duration::from_secs_f64(o.num("seconds", 20.0)?);
    let n = to.len();
    let mut socks = Vec::new();
    for i in 0..n {
        let port = bind + 2 * u16::try_from(i)?;
        let s = UdpSocket::bind(SocketAddr::from((LOCALHOST, port)))?;
        s.set_nonblocking(true)?;
        socks.push(s);
    }
    // Tell the parent the sockets are bound.
    println!("ready");
    std::io::stdout().flush()?;
    let frame = Duration::from_secs(1) / FPS;
    let start = Instant::now();
    let end = start + warmup + window;
    let mut stats = vec![[0u64; 3]; n];
    let mut seq = vec![0u16; n];
    let mut late = Duration::ZERO;
    let mut buf = vec![0u8; 65536];
    let mut k: u64 = 0;
    loop {
        let due = start + frame * u32::try_from(k)?;
        let now = Instant::now();
        if now >= end {
            break;
        }
        if due > now {
            std::thread::sleep(due - now);
        } else {
            late = late.max(now - due);
        }
        for (i, sock) in socks.iter().enumerate() {
            let offset = i * frames.len() / n;
            let f = &frames[(k as usize + offset) % frames.len()];
            let ts = (k as u32).wrapping_mul(90_000 / FPS);
            for p in f {
                let mut p = p.clone();
                seq[i] = seq[i].wrapping_add(1);
                p[2..4].copy_from_slice(&seq[i].to_be_bytes());
                p[4..8].copy_from_slice(&ts.to_be_bytes());
                p[8..12].copy_from_slice(&(0x5eed_0000 + i as u32).to_be_bytes());
                let _ = sock.send_to(&p, to[i]);
            }
        }
        let counting = Instant::now().saturating_duration_since(start) >= warmup;
        for (i, sock) in socks.iter().enumerate() {
            while let Ok((len, _)) = sock.recv_from(&mut buf) {
                if counting && len >= 12 {
                    stats[i][0] += 1;
                    stats[i][1] += len as u64;
                    // The marker bit ends an access unit: one frame.
                    stats[i][2] += u64::from(buf[1] >> 7);
                }
            }
        }
        k += 1;
    }
    for (i, s) in stats.iter().enumerate() {
        println!("rx {i} {} {} {}", s[0], s[1], s[2]);
    }
    println!("late_ms {:.1}", late.as_secs_f64() * 1000.0);
    Ok(())
}

// ---- CPU accounting ----

/// utime + stime of a process, all threads, in seconds.
fn cpu_seconds(pid: &str) -> Res<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    // The command name may hold spaces: fields counted after its ')'.
    let rest = stat.rsplit_once(')').ok_or("odd /proc stat")?.1;
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = f[11].parse::<f64>()? + f[12].parse::<f64>()?;
    Ok(ticks / clock_ticks())
}

fn clock_ticks() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100.0)
}

/// Busy and total jiffies of the whole machine.
fn machine_ticks() -> Res<(f64, f64)> {
    let stat = std::fs::read_to_string("/proc/stat")?;
    let line = stat.lines().next().ok_or("empty /proc/stat")?;
    let v: Vec<f64> = line
        .split_whitespace()
        .skip(1)
        .filter_map(|x| x.parse().ok())
        .collect();
    let total: f64 = v.iter().take(8).sum();
    let idle = v.get(3).copied().unwrap_or(0.0) + v.get(4).copied().unwrap_or(0.0);
    Ok((total - idle, total))
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

// ---- the load cases ----

fn video_spec(remote: SocketAddr, direction: Direction) -> StreamSpec {
    StreamSpec {
        kind: MediaKind::Video,
        payload_types: vec![(96, 90_000, "H264".into())],
        remote_rtp: Some(remote),
        remote_rtcp: None,
        rtcp_mux: false,
        direction,
        fmtp: vec![PayloadFmtp {
            payload_type: 96,
            recv: Some(FMTP.into()),
            send: Some(FMTP.into()),
        }],
        max_send_kbps: None,
        rtcp_fb: Vec::new(),
    }
}

fn name_of(i: usize) -> String {
    format!("Điểm cầu {}", i + 1)
}

/// Starts the sender child towards `to`; returns once its sockets are bound.
fn start_sender(
    o: &Opts,
    to: &[SocketAddr],
    bind: u16,
) -> Res<(Child, BufReader<std::process::ChildStdout>)> {
    let list: Vec<String> = to.iter().map(|a| a.to_string()).collect();
    let mut child = Command::new(std::env::current_exe()?)
        .args(["send", "--clip", &o.str("clip", "")])
        .args(["--to", &list.join(",")])
        .args(["--bind", &bind.to_string()])
        .args(["--warmup", &o.str("warmup", "5")])
        .args(["--seconds", &o.str("seconds", "20")])
        .stdout(Stdio::piped())
        .spawn()?;
    let mut out = BufReader::new(child.stdout.take().ok_or("no sender stdout")?);
    let mut line = String::new();
    out.read_line(&mut line)?;
    if line.trim() != "ready" {
        let _ = child.kill();
        return Err(format!("sender did not start: {line}").into());
    }
    Ok((child, out))
}

/// The shared picture: everyone, the receiver included (participant ids
/// are 1..=n, and 0 is nobody).
fn tiles_for(mode: &str, n: usize, receiver: usize) -> Vec<diemcau_mixer::video::Tile> {
    let order: Vec<ParticipantId> = (1..=n as u64).collect();
    let me = if mode == "shared" {
        0
    } else {
        receiver as u64 + 1
    };
    compose(Layout::Auto, WIDTH, HEIGHT, &order, me, None).tiles
}

/// The bare graph: what the mixer does, written as one gst-launch-1.0
/// pipeline with the same elements and settings (codec.rs, canvas.rs).
/// The decoders have QoS off: the mixer's decoders end in an appsink and
/// never hear the compositors' QoS, while here avdec_h264 would take it
/// and skip decoding (tiles froze, and the graph did less work).
fn reference_graph(mode: &str, n: usize, in_base: u16, out_base: u16) -> Vec<String> {
    let mut g = String::new();
    for i in 0..n {
        g += &format!(
            "udpsrc address=127.0.0.1 port={} buffer-size=1048576 \
             caps=\"application/x-rtp,media=video,clock-rate=90000,encoding-name=H264,payload=96,packetization-mode=(string)1\" \
             ! rtpjitterbuffer latency=60 mode=none ! rtph264depay ! avdec_h264 qos=false ! videoconvert \
             ! video/x-raw,format=I420 ! tee name=d{i} ",
            in_base + 2 * i as u16
        );
    }
    let q = "queue max-size-buffers=2 max-size-bytes=0 max-size-time=0 leaky=downstream";
    let canvases = if mode == "shared" { 1 } else { n };
    for r in 0..canvases {
        let tiles = tiles_for(mode, n, r);
        let mut comp = format!(
            "compositor name=c{r} background=black latency=50000000 start-time-selection=first ignore-inactive-pads=true"
        );
        // The mixer lays each name as a still image over its tile (a second
        // compositor input, zorder 2): the label pads here are the same
        // size, fed by imagefreeze.
        let labels: Vec<(u32, u32, u32, u32)> = tiles
            .iter()
            .map(|t| {
                let img = label::render(
                    &name_of(t.participant as usize - 1),
                    label::text_px(t.rect.height),
                    t.rect.width,
                )
                .ok()
                .flatten()
                .map_or((8, 2), |i| (i.width, i.height));
                let x = t.rect.x + (t.rect.width - img.0) / 2;
                let y = t.rect.y + t.rect.height - img.1 - (t.rect.height / 40).max(2);
                (x, y, img.0, img.1)
            })
            .collect();
        for (k, t) in tiles.iter().enumerate() {
            comp += &format!(
                " sink_{k}::xpos={} sink_{k}::ypos={} sink_{k}::width={} sink_{k}::height={} sink_{k}::zorder=1",
                t.rect.x, t.rect.y, t.rect.width, t.rect.height
            );
        }
        for (k, (x, y, w, h)) in labels.iter().enumerate() {
            let k = k + tiles.len();
            comp += &format!(
                " sink_{k}::xpos={x} sink_{k}::ypos={y} sink_{k}::width={w} sink_{k}::height={h} sink_{k}::zorder=2"
            );
        }
        let out = if mode == "shared" {
            let clients: Vec<String> = (0..n)
                .map(|i| format!("127.0.0.1:{}", out_base + 2 * i as u16))
                .collect();
            format!(
                "multiudpsink clients={} sync=false async=false",
                clients.join(",")
            )
        } else {
            format!(
                "udpsink host=127.0.0.1 port={} sync=false async=false",
                out_base + 2 * r as u16
            )
        };
        g += &format!(
            "{comp} ! video/x-raw,format=I420,width={WIDTH},height={HEIGHT},framerate={FPS}/1,pixel-aspect-ratio=1/1 \
             ! {q} ! x264enc tune=zerolatency speed-preset=ultrafast bitrate={OUT_KBPS} key-int-max={} threads=1 \
             ! video/x-h264,profile=constrained-baseline ! rtph264pay pt=96 mtu=1200 config-interval=-1 ! {out} ",
            FPS * 10
        );
        for (k, t) in tiles.iter().enumerate() {
            let from = t.participant as usize - 1;
            g += &format!(
                "d{from}. ! {q} ! videoscale ! videoconvert \
                 ! video/x-raw,format=I420,width={},height={},pixel-aspect-ratio=1/1 \
                 ! {q} ! c{r}.sink_{k} ",
                t.rect.width, t.rect.height,
            );
        }
        for (k, (_, _, w, h)) in labels.iter().enumerate() {
            g += &format!(
                "videotestsrc num-buffers=1 pattern=white \
                 ! video/x-raw,format=I420,width={w},height={h},framerate={FPS}/1,pixel-aspect-ratio=1/1,interlace-mode=progressive \
                 ! imagefreeze is-live=true ! {q} ! c{r}.sink_{} ",
                k + tiles.len()
            );
        }
    }
    // gst-launch takes the description as words, quoting included.
    vec![g]
}

/// One load case; prints its `RESULT` line.
fn load(o: &Opts) -> Res<()> {
    let imp = o.str("impl", "mixer");
    let mode = o.str("mode", "personal");
    let n: usize = o.num("n", 2)?;
    let warmup: f64 = o.num("warmup", 5.0)?;
    let seconds: f64 = o.num("seconds", 20.0)?;
    let base: u16 = o.num("port-base", 27000)?;
    let (sender_base, ref_base) = (base, base + 100);
    let senders: Vec<SocketAddr> = (0..n)
        .map(|i| SocketAddr::from((LOCALHOST, sender_base + 2 * i as u16)))
        .collect();
    if o.0.contains_key("print-graph") {
        // The reference graph as a shell command line, to run or change by
        // hand.
        let g = reference_graph(&mode, n, ref_base, sender_base);
        println!("gst-launch-1.0 {}", g[0].replace('"', "'"));
        return Ok(());
    }
    let load_before = loadavg();

    // Keeps the room (and its runtime) or the gst-launch child alive.
    let runtime = tokio::runtime::Runtime::new()?;
    let mut room_keep = None;
    let mut gst_child = None;
    let (pid, targets) = if imp == "mixer" {
        let ports = Arc::new(PortAllocator::new(
            LOCALHOST.into(),
            base + 200,
            base + 200 + 4 * n as u16 + 3,
        ));
        let (room, events) = MediaRoom::new(
            "Bench",
            ports,
            MediaMetrics::unregistered(),
            Duration::from_secs(60),
        );
        // Everyone sees everyone, self included; receivers with the same
        // settings (all of them here) share one canvas and encoder.
        room.set_same_picture(mode == "shared");
        let mut targets = Vec::new();
        for (i, s) in senders.iter().enumerate() {
            let pair = room.reserve(1)?.remove(0);
            let id = i as u64 + 1;
            runtime.block_on(room.add_participant(
                id,
                &name_of(i),
                vec![(pair, video_spec(*s, Direction::SendRecv))],
            ))?;
            let port = room.participant_stats(id)[0].local_rtp_port;
            targets.push(SocketAddr::from((LOCALHOST, port)));
            let cfg = room.video().encoder_config(id).ok_or("no encoder")?;
            if (cfg.width, cfg.height, cfg.fps) != (WIDTH, HEIGHT, FPS) {
                return Err(
                    format!("the room encodes {}x{}@{}", cfg.width, cfg.height, cfg.fps).into(),
                );
            }
        }
        if mode == "shared" && room.video().encoder_groups().len() != 1 {
            return Err(format!("encoder groups: {:?}", room.video().encoder_groups()).into());
        }
        room_keep = Some((room, events));
        ("self".to_string(), targets)
    } else {
        let graph = reference_graph(&mode, n, ref_base, sender_base);
        let child = Command::new("gst-launch-1.0")
            .arg("-q")
            .args(graph[0].split_whitespace_quoted())
            .stdout(Stdio::null())
            .spawn()?;
        let pid = child.id().to_string();
        gst_child = Some(child);
        // Until its udpsrcs are bound and the graph plays.
        std::thread::sleep(Duration::from_secs(2));
        let targets = (0..n)
            .map(|i| SocketAddr::from((LOCALHOST, ref_base + 2 * i as u16)))
            .collect();
        (pid, targets)
    };

    let (mut sender, mut out) = start_sender(o, &targets, sender_base)?;
    let sender_pid = sender.id().to_string();
    std::thread::sleep(Duration::from_secs_f64(warmup));
    let room_cpu = || {
        room_keep
            .as_ref()
            .map_or(0.0, |(r, _)| r.cpu_time().as_secs_f64())
    };
    let r0 = room_cpu();
    let (c0, s0, m0, t0) = (
        cpu_seconds(&pid)?,
        cpu_seconds(&sender_pid)?,
        machine_ticks()?,
        Instant::now(),
    );
    std::thread::sleep(Duration::from_secs_f64(seconds));
    let (c1, s1, m1, wall) = (
        cpu_seconds(&pid)?,
        cpu_seconds(&sender_pid)?,
        machine_ticks()?,
        t0.elapsed().as_secs_f64(),
    );
    // The room's own meter (its pipelines' and mixer threads): the rest of
    // the process is RTP I/O in tokio and this program.
    let room_cores = (room_cpu() - r0) / wall;
    let mut text = String::new();
    out.read_to_string(&mut text)?;
    sender.wait()?;
    if let Some(mut c) = gst_child.take() {
        let _ = c.kill();
        let _ = c.wait();
    }
    drop(room_keep);
    drop(runtime);

    let mut fps = Vec::new();
    let mut kbps = Vec::new();
    let mut late = 0.0;
    for line in text.lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        match f.as_slice() {
            ["rx", _, _, bytes, frames] => {
                fps.push(frames.parse::<f64>()? / seconds);
                kbps.push(bytes.parse::<f64>()? * 8.0 / seconds / 1000.0);
            }
            ["late_ms", v] => late = v.parse()?,
            _ => {}
        }
    }
    let min_fps = fps.iter().copied().fold(f64::INFINITY, f64::min);
    let mean_kbps = kbps.iter().sum::<f64>() / kbps.len().max(1) as f64;
    let cores = (c1 - c0) / wall;
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get()) as f64;
    let busy = (m1.0 - m0.0) / (m1.1 - m0.1) * cpus;
    let others = busy - cores - (s1 - s0) / wall;
    // CPU per frame sent, summed over receivers: comparable between runs
    // that lost frames to a busy machine, unlike cores alone.
    let frames_per_s: f64 = fps.iter().sum();
    println!(
        "RESULT impl={imp} mode={mode} n={n} cpu_cores={cores:.3} ports_per_core={:.2} min_fps={min_fps:.1} \
         cpu_ms_per_frame={:.2} room_meter_cores={room_cores:.3} \
         mean_kbps={mean_kbps:.0} sender_cores={:.3} others_cores={others:.2} sender_late_ms={late:.1} \
         load_before={} fps={}",
        n as f64 / cores,
        1000.0 * cores / frames_per_s,
        (s1 - s0) / wall,
        load_before.replace(' ', "/"),
        fps.iter().map(|f| format!("{f:.1}")).collect::<Vec<_>>().join(",")
    );
    Ok(())
}

/// Splits a gst-launch description into words, keeping "quoted" parts
/// (with their quotes removed) whole, as a shell would.
trait SplitQuoted {
    fn split_whitespace_quoted(&self) -> Vec<String>;
}

impl SplitQuoted for String {
    fn split_whitespace_quoted(&self) -> Vec<String> {
        let mut words = Vec::new();
        let mut cur = String::new();
        let mut quoted = false;
        let mut any = false;
        for c in self.chars() {
            match c {
                '"' => {
                    quoted = !quoted;
                    any = true;
                }
                c if c.is_whitespace() && !quoted => {
                    if any {
                        words.push(std::mem::take(&mut cur));
                        any = false;
                    }
                }
                c => {
                    cur.push(c);
                    any = true;
                }
            }
        }
        if any {
            words.push(cur);
        }
        words
    }
}

// ---- added latency ----

fn solid_frame(luma: u8) -> Res<gst::Sample> {
    let info = gst_video::VideoInfo::builder(gst_video::VideoFormat::I420, WIDTH, HEIGHT)
        .fps(gst::Fraction::new(FPS as i32, 1))
        .build()?;
    let mut buffer = gst::Buffer::with_size(info.size())?;
    {
        let b = buffer.get_mut().ok_or("shared buffer")?;
        let mut frame = gst_video::VideoFrameRef::from_buffer_ref_writable(b, &info)
            .map_err(|_| "unwritable frame")?;
        for (i, v) in [luma, 128, 128].into_iter().enumerate() {
            frame.plane_data_mut(i as u32)?.fill(v);
        }
    }
    Ok(gst::Sample::builder()
        .buffer(&buffer)
        .caps(&info.to_caps()?)
        .build())
}

/// Mean luma of a 64x64 block at the picture's centre (away from the
/// name label at the bottom of the tile).
fn centre_luma(sample: &gst::Sample) -> Option<f64> {
    let info = gst_video::VideoInfo::from_caps(sample.caps()?).ok()?;
    let frame = gst_video::VideoFrameRef::from_buffer_ref_readable(sample.buffer()?, &info).ok()?;
    let stride = info.stride()[0] as usize;
    let y = frame.plane_data(0).ok()?;
    let (cx, cy) = (info.width() as usize / 2, info.height() as usize / 2);
    let mut sum = 0u64;
    for row in cy - 32..cy + 32 {
        for col in cx - 32..cx + 32 {
            sum += u64::from(*y.get(row * stride + col)?);
        }
    }
    Some(sum as f64 / 4096.0)
}

/// Decodes the H.264 RTP arriving on `sock` and records when each frame
/// came out and its centre luma.
fn video_receiver(
    sock: UdpSocket,
    stop: Arc<AtomicBool>,
) -> std::thread::JoinHandle<Vec<(Instant, f64)>> {
    std::thread::spawn(move || {
        let mut seen = Vec::new();
        let Ok(dec) = VideoDecoder::new(
            "application/x-rtp,media=video,clock-rate=90000,encoding-name=H264,payload=96",
        ) else {
            return seen;
        };
        let _ = sock.set_read_timeout(Some(Duration::from_millis(1)));
        let mut buf = vec![0u8; 65536];
        while !stop.load(Ordering::Relaxed) {
            while let Ok((n, _)) = sock.recv_from(&mut buf) {
                let _ = dec.push_rtp(&buf[..n]);
            }
            while let Ok(Some(s)) = dec.pull_frame(Duration::ZERO) {
                if let Some(l) = centre_luma(&s) {
                    seen.push((Instant::now(), l));
                }
            }
        }
        seen
    })
}

/// G.711 µ-law of one sample.
fn ulaw(sample: i16) -> u8 {
    let mut x = i32::from(sample);
    let sign = if x < 0 {
        x = -x;
        0x80
    } else {
        0
    };
    x = x.min(32635) + 0x84;
    let exp = (31 - (x as u32).leading_zeros()) as i32 - 7;
    let mant = (x >> (exp + 3)) & 0x0f;
    !((sign | (exp << 4) | mant) as u8)
}

fn ulaw_decode(b: u8) -> i32 {
    let u = !b;
    let exp = i32::from((u >> 4) & 7);
    let x = (((i32::from(u & 0x0f)) << 3) + 0x84) << exp;
    let x = x - 0x84;
    if u & 0x80 != 0 {
        -x
    } else {
        x
    }
}

/// Records when each PCMU packet with a tone in it arrives on `sock`.
fn audio_receiver(sock: UdpSocket, stop: Arc<AtomicBool>) -> std::thread::JoinHandle<Vec<Instant>> {
    std::thread::spawn(move || {
        let mut loud = Vec::new();
        let _ = sock.set_read_timeout(Some(Duration::from_millis(2)));
        let mut buf = vec![0u8; 2048];
        while !stop.load(Ordering::Relaxed) {
            if let Ok((n, _)) = sock.recv_from(&mut buf) {
                let now = Instant::now();
                if n > 12 && buf[12..n].iter().any(|b| ulaw_decode(*b).abs() > 2000) {
                    loud.push(now);
                }
            }
        }
        loud
    })
}

/// For each event, the delay to the first sighting at or after it (within
/// `limit`); events never seen are left out.
fn delays(events: &[Instant], seen: &[Instant], limit: Duration) -> Vec<Option<f64>> {
    events
        .iter()
        .map(|e| {
            seen.iter()
                .find(|s| **s >= *e)
                .map(|s| *s - *e)
                .filter(|d| *d <= limit)
                .map(|d| d.as_secs_f64() * 1000.0)
        })
        .collect()
}

fn percentile(v: &[f64], p: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    let mut v = v.to_vec();
    v.sort_by(f64::total_cmp);
    v[((v.len() - 1) as f64 * p).round() as usize]
}

fn report(kind: &str, via: &[Option<f64>], direct: &[Option<f64>]) {
    let added: Vec<f64> = via
        .iter()
        .zip(direct)
        .filter_map(|(a, b)| Some((*a)? - (*b)?))
        .collect();
    let via: Vec<f64> = via.iter().flatten().copied().collect();
    let direct: Vec<f64> = direct.iter().flatten().copied().collect();
    println!(
        "RESULT latency={kind} events={} added_median_ms={:.1} added_p95_ms={:.1} \
         via_mixer_median_ms={:.1} direct_median_ms={:.1}",
        added.len(),
        percentile(&added, 0.5),
        percentile(&added, 0.95),
        percentile(&via, 0.5),
        percentile(&direct, 0.5)
    );
}

fn latency(o: &Opts) -> Res<()> {
    let switches: usize = o.num("switches", 10)?;
    let onsets: usize = o.num("onsets", 20)?;
    let base: u16 = o.num("port-base", 27000)?;
    gst::init()?;
    let runtime = tokio::runtime::Runtime::new()?;
    let ports = Arc::new(PortAllocator::new(LOCALHOST.into(), base + 200, base + 299));
    let (room, _events) = MediaRoom::new(
        "Bench",
        ports,
        MediaMetrics::unregistered(),
        Duration::from_secs(60),
    );
    let bind = |port: u16| UdpSocket::bind(SocketAddr::from((LOCALHOST, port)));
    // Video: S sends (we only receive from it), R receives the room's
    // picture (S alone, full screen); D receives S directly.
    let (s_sock, r_sock, d_sock) = (bind(base)?, bind(base + 2)?, bind(base + 4)?);
    let add = |id: u64, name: &str, spec: StreamSpec| -> Res<u16> {
        let pair = room.reserve(1)?.remove(0);
        runtime.block_on(room.add_participant(id, name, vec![(pair, spec)]))?;
        Ok(room.participant_stats(id)[0].local_rtp_port)
    };
    let s_port = add(
        1,
        "S",
        video_spec(s_sock.local_addr()?, Direction::RecvOnly),
    )?;
    add(
        2,
        "R",
        video_spec(r_sock.local_addr()?, Direction::SendOnly),
    )?;
    let stop = Arc::new(AtomicBool::new(false));
    let via_rx = video_receiver(r_sock, stop.clone());
    let direct_rx = video_receiver(d_sock, stop.clone());
    let encoder = Arc::new(VideoEncoder::new(EncoderConfig {
        codec: VideoCodec::H264,
        payload_type: 96,
        width: WIDTH,
        height: HEIGHT,
        fps: FPS,
        bitrate_kbps: CLIP_KBPS,
        mtu: 1200,
        packetization_mode: 1,
        keyframe_interval: 60,
    })?);
    // Sends whatever the encoder produces, to the room and directly.
    let pump_stop = Arc::new(AtomicBool::new(false));
    let pump = {
        let (encoder, stop) = (encoder.clone(), pump_stop.clone());
        let to = [
            SocketAddr::from((LOCALHOST, s_port)),
            SocketAddr::from((LOCALHOST, base + 4)),
        ];
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                if let Ok(Some(p)) = encoder.pull_rtp(Duration::from_millis(2)) {
                    if let Ok(m) = p.map_readable() {
                        for a in to {
                            let _ = s_sock.send_to(m.as_slice(), a);
                        }
                    }
                }
            }
        })
    };
    let (black, white) = (solid_frame(16)?, solid_frame(235)?);
    let frame = Duration::from_secs(1) / FPS;
    // Two seconds to get going, then a switch every second.
    let total = 60 + 30 * switches as u32 + 15;
    let mut switch_at = Vec::new();
    let start = Instant::now();
    for k in 0..total {
        let due = start + frame * k;
        if let Some(d) = due.checked_duration_since(Instant::now()) {
            std::thread::sleep(d);
        }
        let white_now = k >= 60 && ((k - 60) / 30) % 2 == 0;
        if k >= 60 && (k - 60) % 30 == 0 && (k - 60) / 30 < switches as u32 {
            switch_at.push((Instant::now(), white_now));
        }
        encoder.push_frame(if white_now { &white } else { &black })?;
    }
    pump_stop.store(true, Ordering::Relaxed);
    stop.store(true, Ordering::Relaxed);
    let _ = pump.join();
    let via = via_rx.join().map_err(|_| "receiver panicked")?;
    let direct = direct_rx.join().map_err(|_| "receiver panicked")?;
    let seen = |frames: &[(Instant, f64)], white: bool| -> Vec<Instant> {
        frames
            .iter()
            .filter(|(_, l)| if white { *l > 180.0 } else { *l < 60.0 })
            .map(|(t, _)| *t)
            .collect()
    };
    let limit = Duration::from_millis(900);
    let mut via_d = Vec::new();
    let mut direct_d = Vec::new();
    for (t, white) in &switch_at {
        via_d.extend(delays(&[*t], &seen(&via, *white), limit));
        direct_d.extend(delays(&[*t], &seen(&direct, *white), limit));
    }
    report("video", &via_d, &direct_d);
    room.remove_participant(1)?;
    room.remove_participant(2)?;

    // Audio: A talks (we only receive from it), B hears the room's mix
    // (A alone); D hears A directly. 500 ms of silence, 500 ms of tone.
    let (a_sock, b_sock, d_sock) = (bind(base + 6)?, bind(base + 8)?, bind(base + 10)?);
    let audio_spec = |remote: SocketAddr, direction| StreamSpec {
        kind: MediaKind::Audio,
        payload_types: vec![(0, 8000, "PCMU".into())],
        remote_rtp: Some(remote),
        remote_rtcp: None,
        rtcp_mux: false,
        direction,
        fmtp: Vec::new(),
        max_send_kbps: None,
        rtcp_fb: Vec::new(),
    };
    let a_port = add(
        3,
        "A",
        audio_spec(a_sock.local_addr()?, Direction::RecvOnly),
    )?;
    add(
        4,
        "B",
        audio_spec(b_sock.local_addr()?, Direction::SendOnly),
    )?;
    let stop = Arc::new(AtomicBool::new(false));
    let via_rx = audio_receiver(b_sock, stop.clone());
    let direct_rx = audio_receiver(d_sock, stop.clone());
    let tone: Vec<u8> = (0..160)
        .map(|i| {
            ulaw((10000.0 * (2.0 * std::f64::consts::PI * 1000.0 * i as f64 / 8000.0).sin()) as i16)
        })
        .collect();
    let silence = vec![ulaw(0); 160];
    let ptime = Duration::from_millis(20);
    let to = [
        SocketAddr::from((LOCALHOST, a_port)),
        SocketAddr::from((LOCALHOST, base + 10)),
    ];
    let mut onset_at = Vec::new();
    // A second of silence first, then onsets every second.
    let total = 50 + 50 * onsets as u32;
    let start = Instant::now();
    for k in 0..total {
        let due = start + ptime * k;
        if let Some(d) = due.checked_duration_since(Instant::now()) {
            std::thread::sleep(d);
        }
        let loud = k >= 50 && (k - 50) % 50 < 25;
        let mut p = vec![0x80, 0];
        p.extend_from_slice(&(k as u16).to_be_bytes());
        p.extend_from_slice(&(k * 160).to_be_bytes());
        p.extend_from_slice(&0xa0d1_0000u32.to_be_bytes());
        p.extend_from_slice(if loud { &tone } else { &silence });
        if loud && (k - 50) % 50 == 0 {
            onset_at.push(Instant::now());
        }
        for a in to {
            a_sock.send_to(&p, a)?;
        }
    }
    std::thread::sleep(Duration::from_millis(300));
    stop.store(true, Ordering::Relaxed);
    let via = via_rx.join().map_err(|_| "receiver panicked")?;
    let direct = direct_rx.join().map_err(|_| "receiver panicked")?;
    let limit = Duration::from_millis(400);
    report(
        "audio",
        &delays(&onset_at, &via, limit),
        &delays(&onset_at, &direct, limit),
    );
    drop(room);
    Ok(())
}

/// The audio decode and encode chains alone (what the room runs for each
/// participant): when a tone onset comes out of each, polled every
/// millisecond, so that the room's added latency can be split.
fn audio_chains(onsets: usize) -> Res<()> {
    use diemcau_mixer::audio::{AudioCodec, AudioDecoder, AudioEncoder, Frame, FRAME_SAMPLES};
    let ptime = Duration::from_millis(20);
    let loud_at = |k: u32| k >= 10 && (k - 10) % 20 < 10;
    let total = 10 + 20 * onsets as u32;
    let tone: Vec<u8> = (0..160)
        .map(|i| {
            ulaw((10000.0 * (2.0 * std::f64::consts::PI * 1000.0 * i as f64 / 8000.0).sin()) as i16)
        })
        .collect();
    let mut dec = AudioDecoder::new(AudioCodec::Pcmu, 0)?;
    let (mut onset_at, mut heard) = (Vec::new(), Vec::new());
    let start = Instant::now();
    for k in 0..total {
        let mut p = vec![0x80, 0];
        p.extend_from_slice(&(k as u16).to_be_bytes());
        p.extend_from_slice(&(k * 160).to_be_bytes());
        p.extend_from_slice(&0xa0d1_0001u32.to_be_bytes());
        if loud_at(k) {
            p.extend_from_slice(&tone);
        } else {
            p.extend(std::iter::repeat_n(ulaw(0), 160));
        }
        if k > 0 && loud_at(k) && !loud_at(k - 1) {
            onset_at.push(Instant::now());
        }
        dec.push_rtp(&p)?;
        let due = start + ptime * (k + 1);
        while Instant::now() < due {
            for f in dec.pull_frames()? {
                if f.iter().any(|x| x.unsigned_abs() > 2000) {
                    heard.push(Instant::now());
                }
            }
            std::thread::sleep(Duration::from_millis(1));
        }
    }
    let d: Vec<f64> = delays(&onset_at, &heard, Duration::from_millis(300))
        .into_iter()
        .flatten()
        .collect();
    println!(
        "RESULT chain=audio_decoder events={} median_ms={:.1} p95_ms={:.1}",
        d.len(),
        percentile(&d, 0.5),
        percentile(&d, 0.95)
    );

    let mut enc = AudioEncoder::new(AudioCodec::Pcmu, 0, 0xa0d1_0002)?;
    let mut loud: Frame = [0; FRAME_SAMPLES];
    for (i, x) in loud.iter_mut().enumerate() {
        *x = (10000.0 * (2.0 * std::f64::consts::PI * 1000.0 * i as f64 / 48000.0).sin()) as i16;
    }
    let quiet: Frame = [0; FRAME_SAMPLES];
    let (mut onset_at, mut heard) = (Vec::new(), Vec::new());
    let start = Instant::now();
    for k in 0..total {
        if k > 0 && loud_at(k) && !loud_at(k - 1) {
            onset_at.push(Instant::now());
        }
        enc.push_frame(if loud_at(k) { &loud } else { &quiet })?;
        let due = start + ptime * (k + 1);
        while Instant::now() < due {
            for p in enc.pull_rtp()? {
                if p.len() > 12 && p[12..].iter().any(|b| ulaw_decode(*b).abs() > 2000) {
                    heard.push(Instant::now());
                }
            }
            std::thread::sleep(Duration::from_millis(1));
        }
    }
    let d: Vec<f64> = delays(&onset_at, &heard, Duration::from_millis(300))
        .into_iter()
        .flatten()
        .collect();
    println!(
        "RESULT chain=audio_encoder events={} median_ms={:.1} p95_ms={:.1}",
        d.len(),
        percentile(&d, 0.5),
        percentile(&d, 0.95)
    );
    Ok(())
}
