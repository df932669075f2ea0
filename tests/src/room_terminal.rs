//! A SIP room terminal for the room tests: a baresip with a solid-colour
//! camera clip and a tone, registered with the daemon, that dials room
//! 1000; and the checks on what it receives (its snapshot's colours, its
//! decoded audio's tones). Shared by the mixer, WebRTC and bridge tests.

use std::path::{Path, PathBuf};
use std::thread::sleep;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::audio::{parse_wav, tone_amplitude, Wav};
use crate::video::{census_png, Census, Colour};
use crate::{wait_for, Account, Baresip, BaresipOptions, Daemon};

pub const WAIT: Duration = Duration::from_secs(15);
/// How long a picture may take to show what it should after a change
/// (keyframe requests, a loaded 2-core machine).
pub const PICTURE_WAIT: Duration = Duration::from_secs(20);
pub const SNAPSHOT_WAIT: Duration = Duration::from_secs(5);

pub struct Terminal {
    pub name: &'static str,
    pub user: &'static str,
    pub colour: Colour,
    pub tone: u32,
    pub baresip: Baresip,
    /// The daemon's participant id for the current call.
    pub id: u64,
}

pub fn room(d: &Daemon) -> Value {
    d.api_get("/rooms/1000").json()
}

pub fn participants(d: &Daemon) -> Vec<Value> {
    room(d)["participants"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// The participant whose remote URI is `user`'s.
pub fn participant(d: &Daemon, user: &str) -> Option<Value> {
    let prefix = format!("sip:{user}@");
    participants(d).into_iter().find(|p| {
        p["remote_uri"]
            .as_str()
            .is_some_and(|u| u.contains(&prefix))
    })
}

/// Each participant id with the ids on its canvas, sorted.
/// Whether every listed terminal's canvas holds exactly the others.
pub fn start_terminal(
    d: &Daemon,
    clip: &Path,
    name: &'static str,
    user: &'static str,
    colour: Colour,
    tone: u32,
    account_extra: &str,
) -> Terminal {
    let mut opts = BaresipOptions {
        audio_modules: vec!["g711".into()],
        sine_hz: tone,
        ..BaresipOptions::default()
    }
    .set("video_source", &format!("avformat,{}", clip.display()))
    .set("module", "avformat.so")
    .set("module", "snapshot.so")
    .set("module", "sndfile.so")
    // Offers b=AS:512 for video (the maximum less 128 for audio), so the
    // gateway sends 512 kbit/s rather than 2 Mbit/s of 720p. At 2 Mbit/s
    // a keyframe is a burst of ~100 packets, and a baresip starved of CPU
    // on a loaded 2-core machine overflowed its socket buffer on them
    // (RcvbufErrors): every keyframe arrived damaged, and baresip 1.0 asks
    // for none on a concealed picture, so the picture stayed broken.
    .set("rtp_bandwidth", "128-640");
    // The dumps go to the working directory, which is the baresip's own
    // dir (created by start(), so not known here).
    opts = opts.set("snd_path", ".");
    let account = Account::new(user, &format!("demo{user}"), d.sip_addr()).extra(account_extra);
    let baresip = Baresip::start(&account.line(), opts);
    baresip.wait_registered(WAIT).expect("registers");
    Terminal {
        name,
        user,
        colour,
        tone,
        baresip,
        id: 0,
    }
}

/// Dials the room and waits until the daemon lists the call.
pub fn join(d: &Daemon, t: &mut Terminal) {
    join_as(d, t, "1000");
}

/// [`join`] with another dial string for room 1000 (`1000*PIN`).
pub fn join_as(d: &Daemon, t: &mut Terminal, dial: &str) {
    t.baresip.dial(&d.sip_uri(dial));
    assert!(
        t.baresip.wait_for_event("CALL_ESTABLISHED", WAIT).is_some(),
        "{}: {:?}",
        t.name,
        t.baresip.events()
    );
    let id = wait_for(WAIT, || {
        participant(d, t.user)
            .filter(|p| p["state"] == "connected")
            .and_then(|p| p["id"].as_u64())
    });
    t.id = id.unwrap_or_else(|| panic!("{} not listed as connected: {}", t.name, room(d)));
}

pub fn snapshot(t: &mut Terminal, label: &str) -> Result<Census, String> {
    let path: PathBuf = t.baresip.dir().join(format!("{label}.png"));
    let png = t.baresip.snapshot_recv(&path, SNAPSHOT_WAIT)?;
    census_png(&png)
}

/// A tile's colour covers at least this share of the picture (two tiles
/// side by side or stacked give each about a third to a half).
pub const PRESENT: f64 = 0.12;
/// A colour that is not on the picture: a few blocks of coding noise.
pub const ABSENT: f64 = 0.01;

pub fn shows(c: &Census, present: &[Colour], absent: &[Colour]) -> bool {
    present.iter().all(|p| c.share(*p) >= PRESENT) && absent.iter().all(|a| c.share(*a) <= ABSENT)
}

/// Snapshots until the picture shows `present` and not `absent`, for at
/// most PICTURE_WAIT; panics with the last census otherwise.
pub fn wait_for_picture(
    t: &mut Terminal,
    label: &str,
    present: &[Colour],
    absent: &[Colour],
) -> Census {
    let deadline = Instant::now() + PICTURE_WAIT;
    let mut last = Err("no snapshot taken".to_owned());
    let mut n = 0;
    while Instant::now() < deadline {
        n += 1;
        last = snapshot(t, &format!("{label}{n}"));
        if let Ok(c) = &last {
            if shows(c, present, absent) {
                return c.clone();
            }
        }
        sleep(Duration::from_millis(500));
    }
    panic!(
        "{} ({}) should see {present:?} and not {absent:?} within {PICTURE_WAIT:?}; last of {n} snapshots: {last:?}",
        t.name, t.colour
    );
}

/// The decoded-audio dump of the terminal's current call: the newest
/// `dump-*-dec.wav` in its dir.
pub fn received_audio(t: &Terminal) -> Wav {
    let newest = std::fs::read_dir(t.baresip.dir())
        .ok()
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .filter(|e| {
            let n = e.file_name().to_string_lossy().into_owned();
            n.starts_with("dump-") && n.ends_with("-dec.wav")
        })
        .max_by_key(|e| e.metadata().and_then(|m| m.modified()).ok());
    let Some(entry) = newest else {
        panic!(
            "{}: sndfile wrote no dump-*-dec.wav in {}",
            t.name,
            t.baresip.dir().display()
        );
    };
    let bytes =
        std::fs::read(entry.path()).unwrap_or_else(|e| panic!("{}: {e}", entry.path().display()));
    parse_wav(&bytes).unwrap_or_else(|e| panic!("{}: {e}", entry.path().display()))
}

/// The received audio's last 2 s hold each of `heard` and `t`'s own tone
/// below a tenth of the weakest of them.
pub fn assert_hears(t: &Terminal, heard: &[&Terminal]) {
    let wav = received_audio(t);
    assert!(
        wav.duration_secs() >= 3.0,
        "{}: only {:.1} s of received audio dumped",
        t.name,
        wav.duration_secs()
    );
    let tail = wav.last_secs(2.0);
    let own = tone_amplitude(&tail, wav.rate, f64::from(t.tone));
    let mut weakest = f64::MAX;
    for o in heard {
        let a = tone_amplitude(&tail, wav.rate, f64::from(o.tone));
        assert!(
            a > 500.0,
            "{} hears {} ({} Hz) at only {a:.0} (own {own:.0})",
            t.name,
            o.name,
            o.tone
        );
        weakest = weakest.min(a);
    }
    assert!(
        own < weakest / 10.0,
        "{} hears itself ({} Hz): {own:.0} against {weakest:.0}",
        t.name,
        t.tone
    );
}
