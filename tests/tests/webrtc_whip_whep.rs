//! WHIP and WHEP with clients that are neither a browser nor ours (issue
//! 4): aiortc from PyPI, behind tests/webrtc/whip_client.py and
//! whep_client.py (only the HTTP glue is ours).
//!
//! Room 1000 has a baresip (red picture with a white ball, 440 Hz).
//! - A WHIP publisher (aiortc, bearer token) sends solid green and 1000 Hz:
//!   the API lists it (protocol webrtc), baresip's picture shows the green
//!   and its audio the 1000 Hz.
//! - A WHEP viewer receives decoded frames of the room (the canvas size,
//!   the baresip's red tile) and its audio with the 440 Hz, and does not
//!   count as a participant.
//! - Both DELETE their sessions (200), after which the room holds only the
//!   baresip.

use std::path::PathBuf;
use std::thread::sleep;
use std::time::{Duration, Instant};

use serde_json::Value;

use diemcau_e2e::aiortc::PyClient;
use diemcau_e2e::audio::{parse_wav, tone_amplitude};
use diemcau_e2e::video::{census_png, solid_colour_clips, Census, Colour};
use diemcau_e2e::{
    util::TempDir, wait_until, Account, Baresip, BaresipOptions, Daemon, DaemonOptions,
};

const WAIT: Duration = Duration::from_secs(20);
const PICTURE_WAIT: Duration = Duration::from_secs(20);
const TOKEN: &str = "whip-secret";
const PUBLISHER_TONE: u32 = 1000;
const TERMINAL_TONE: u32 = 440;
const WHEP_SECS: u32 = 8;
const PRESENT: f64 = 0.12;
const ABSENT: f64 = 0.01;

fn participants(d: &Daemon) -> Vec<Value> {
    d.api_get("/rooms/1000").json()["participants"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn snapshot(b: &mut Baresip, label: &str) -> Result<Census, String> {
    let path: PathBuf = b.dir().join(format!("{label}.png"));
    census_png(&b.snapshot_recv(&path, Duration::from_secs(5))?)
}

#[test]
fn an_aiortc_publisher_and_viewer_meet_a_sip_terminal() {
    let started = Instant::now();
    let clip_dir = TempDir::new("clips");
    let clips = solid_colour_clips(clip_dir.path(), &[Colour::Red]);
    let d = Daemon::start(DaemonOptions::default().set("webrtc", "token", &format!("\"{TOKEN}\"")));
    let base = format!("http://{}", d.http_addr());

    let account = Account::new("101", "demo101", d.sip_addr());
    let mut terminal = Baresip::start(
        &account.line(),
        BaresipOptions::camera(&clips[0], TERMINAL_TONE),
    );
    terminal.wait_registered(WAIT).expect("registers");
    terminal.dial(&d.sip_uri("1000"));
    assert!(terminal.wait_for_event("CALL_ESTABLISHED", WAIT).is_some());

    // The publisher: green and 1000 Hz, as "OBS Hà Nội".
    let mut whip = PyClient::start(
        "whip_client.py",
        &[
            format!("{base}/whip/1000?name=OBS%20H%C3%A0%20N%E1%BB%99i"),
            "--token".into(),
            TOKEN.into(),
            "--rgb".into(),
            "0x00ff00".into(),
            "--tone".into(),
            PUBLISHER_TONE.to_string(),
        ],
    );
    let answered = whip
        .wait_event("answered", WAIT)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(answered["status"], 201, "{answered}");
    whip.wait_event("connected", WAIT)
        .unwrap_or_else(|e| panic!("WHIP: {e}"));
    let publisher = diemcau_e2e::wait_for(WAIT, || {
        participants(&d)
            .into_iter()
            .find(|p| p["display_name"] == "OBS Hà Nội" && p["state"] == "connected")
    })
    .unwrap_or_else(|| panic!("the publisher is not listed: {:?}", participants(&d)));
    assert_eq!(publisher["protocol"], "webrtc", "{publisher}");

    // baresip sees the green and hears the 1000 Hz.
    let deadline = Instant::now() + PICTURE_WAIT;
    let mut last = Err(String::new());
    let mut n = 0;
    while Instant::now() < deadline {
        n += 1;
        last = snapshot(&mut terminal, &format!("whip{n}"));
        if last
            .as_ref()
            .is_ok_and(|c| c.share(Colour::Green) >= PRESENT && c.share(Colour::Red) <= ABSENT)
        {
            break;
        }
        sleep(Duration::from_millis(500));
    }
    let pic = last.unwrap_or_else(|e| panic!("baresip's snapshot: {e}"));
    assert!(
        pic.share(Colour::Green) >= PRESENT && pic.share(Colour::Red) <= ABSENT,
        "baresip should see the publisher's green: {pic}"
    );
    sleep(Duration::from_secs(3));
    let wav = terminal
        .received_audio()
        .unwrap_or_else(|e| panic!("baresip's audio: {e}"));
    let tail = wav.last_secs(2.0);
    let heard = tone_amplitude(&tail, wav.rate, f64::from(PUBLISHER_TONE));
    let own = tone_amplitude(&tail, wav.rate, f64::from(TERMINAL_TONE));
    eprintln!("baresip: picture {pic}; 1000 Hz at {heard:.0}, own 440 Hz at {own:.0}");
    assert!(
        heard > 500.0,
        "baresip hears the publisher at only {heard:.0}"
    );
    assert!(own < heard / 10.0, "baresip hears itself: {own:.0}");

    // The viewer: the room's picture and sound, not a participant.
    let before = participants(&d).len();
    let mut whep = PyClient::start(
        "whep_client.py",
        &[
            format!("{base}/whep/1000"),
            "--token".into(),
            TOKEN.into(),
            "--seconds".into(),
            WHEP_SECS.to_string(),
            "--png".into(),
            "last.png".into(),
            "--wav".into(),
            "room.wav".into(),
        ],
    );
    let answered = whep
        .wait_event("answered", WAIT)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(answered["status"], 201, "{answered}");
    whep.wait_event("connected", WAIT)
        .unwrap_or_else(|e| panic!("WHEP: {e}"));
    // Listed (it is a session of the room), but sending nothing and on
    // nobody's picture: an overflow audience must not fill the canvas.
    let viewer = diemcau_e2e::wait_for(WAIT, || {
        participants(&d).into_iter().find(|p| {
            p["remote_uri"]
                .as_str()
                .is_some_and(|u| u.starts_with("whep:"))
        })
    });
    if let Some(v) = &viewer {
        let streams = v["streams"].as_array().cloned().unwrap_or_default();
        assert!(
            streams.iter().all(|s| s["direction"] == "sendonly"),
            "the viewer's streams: {v}"
        );
        let id = v["id"].clone();
        assert!(
            participants(&d).iter().all(|p| p["video_tiles"]
                .as_array()
                .is_none_or(|tiles| !tiles.contains(&id))),
            "the WHEP viewer {id} is a tile on someone's picture: {:?}",
            participants(&d)
        );
    }
    assert!(participants(&d).len() <= before + 1);
    let done = whep
        .wait_event("done", Duration::from_secs(u64::from(WHEP_SECS) + 20))
        .unwrap_or_else(|e| panic!("WHEP: {e}"));
    eprintln!("WHEP viewer: {done}");
    assert_eq!(done["deleted"], 200, "{done}");
    let frames = done["frames"].as_u64().unwrap_or(0);
    assert!(
        frames >= u64::from(WHEP_SECS) * 5,
        "only {frames} frames decoded in {WHEP_SECS} s: {done}"
    );
    let png = std::fs::read(whep.dir().join("last.png")).expect("the viewer's last picture");
    let seen = census_png(&png).unwrap_or_else(|e| panic!("{e}"));
    eprintln!("WHEP picture: {seen}");
    assert!(
        seen.share(Colour::Red) >= PRESENT,
        "the viewer should see the terminal's red tile: {seen}"
    );
    let wav = parse_wav(&std::fs::read(whep.dir().join("room.wav")).expect("the viewer's audio"))
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        wav.duration_secs() >= f64::from(WHEP_SECS) - 3.0,
        "only {:.1} s of audio",
        wav.duration_secs()
    );
    let tail = wav.last_secs(3.0);
    let terminal_tone = tone_amplitude(&tail, wav.rate, f64::from(TERMINAL_TONE));
    let publisher_tone = tone_amplitude(&tail, wav.rate, f64::from(PUBLISHER_TONE));
    eprintln!("WHEP audio: 440 Hz at {terminal_tone:.0}, 1000 Hz at {publisher_tone:.0}");
    assert!(
        terminal_tone > 500.0,
        "the viewer hears the terminal at only {terminal_tone:.0}"
    );
    assert!(
        participants(&d).iter().all(|p| p["remote_uri"]
            .as_str()
            .is_none_or(|u| !u.starts_with("whep"))),
        "{:?}",
        participants(&d)
    );

    // The publisher stops: DELETE, then only the terminal is left.
    whip.close_stdin();
    let deleted = whip
        .wait_event("deleted", WAIT)
        .unwrap_or_else(|e| panic!("WHIP: {e}"));
    assert_eq!(deleted["status"], 200, "{deleted}");
    assert!(
        wait_until(Duration::from_secs(2), || participants(&d).len() == 1),
        "{:?}",
        participants(&d)
    );
    assert!(whip.wait_exit(Duration::from_secs(10)).is_some());
    terminal.hangup();
    eprintln!("webrtc_whip_whep took {:?}", started.elapsed());
}
