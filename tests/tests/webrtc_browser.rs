//! A browser in a room with a SIP terminal (issue 4): headless Debian
//! chromium opens the daemon's page, types a Vietnamese name and joins room
//! 1000, where a baresip sends red (a white ball on red) and 440 Hz; the
//! browser's fake camera is solid green and its microphone 1000 Hz.
//!
//! - The page: getStats shows video frames decoded (rising, 1280x720, the
//!   mixer's canvas) and audio with energy; a screenshot of its video shows
//!   the terminal's red tile with its name plate, not the browser's green;
//!   the participant list names both, the room title the room.
//! - The daemon's API lists the browser with its name and protocol webrtc.
//! - baresip's picture shows the browser's green, its audio the 1000 Hz.
//! - Muting the camera takes the green off baresip's picture, unmuting
//!   brings it back.
//! - #leave removes the participant within 2 s; a chromium killed without
//!   a word is removed within the media timeout.
//! - A wrong PIN on the page shows the PIN message.
//!
//! And the HTTP errors without a browser: 400, 404, 403, 409, 415, 401.

use std::path::PathBuf;
use std::thread::sleep;
use std::time::{Duration, Instant};

use serde_json::Value;

use diemcau_e2e::audio::{tone_amplitude, Wav};
use diemcau_e2e::browser::{Browser, FakeMedia};
use diemcau_e2e::util::TempDir;
use diemcau_e2e::video::{census_png, label_area_png, solid_colour_clips, Census, Colour};
use diemcau_e2e::{wait_for, wait_until, Account, Baresip, BaresipOptions, Daemon, DaemonOptions};
use diemcau_e2e::{HttpResponse, Room};

const WAIT: Duration = Duration::from_secs(15);
const PICTURE_WAIT: Duration = Duration::from_secs(20);
const SNAPSHOT_WAIT: Duration = Duration::from_secs(5);
/// Short, so that the killed browser's exit is judged in seconds.
const MEDIA_TIMEOUT_SECS: u64 = 5;
const BROWSER_NAME: &str = "Trình duyệt Hà Nội";
const TERMINAL_NAME: &str = "Điểm cầu Hà Nội";
const ROOM_NAME: &str = "Phòng họp trực tuyến";
const BROWSER_TONE: u32 = 1000;
const TERMINAL_TONE: u32 = 440;
/// The mixer's canvas (mixer/src/video/engine.rs): what the browser decodes.
const CANVAS: (u64, u64) = (1280, 720);
const PRESENT: f64 = 0.12;
const ABSENT: f64 = 0.01;

fn options() -> DaemonOptions {
    DaemonOptions::default()
        .room(Room::new("3000", "Phòng có mã PIN").pin("4321"))
        .set(
            "media",
            "media_timeout_secs",
            &MEDIA_TIMEOUT_SECS.to_string(),
        )
}

fn participants(d: &Daemon) -> Vec<Value> {
    d.api_get("/rooms/1000").json()["participants"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn browser_participant(d: &Daemon) -> Option<Value> {
    participants(d)
        .into_iter()
        .find(|p| p["protocol"] == "webrtc")
}

fn start_terminal(d: &Daemon, clip: &std::path::Path) -> Baresip {
    let opts = BaresipOptions::camera(clip, TERMINAL_TONE);
    let account = Account::new("101", "demo101", d.sip_addr());
    let mut b = Baresip::start(&account.line(), opts);
    b.wait_registered(WAIT).expect("registers");
    b.dial(&d.sip_uri("1000"));
    assert!(
        b.wait_for_event("CALL_ESTABLISHED", WAIT).is_some(),
        "{:?}",
        b.events()
    );
    b
}

fn terminal_snapshot(b: &mut Baresip, label: &str) -> Result<Census, String> {
    let path: PathBuf = b.dir().join(format!("{label}.png"));
    let png = b.snapshot_recv(&path, SNAPSHOT_WAIT)?;
    census_png(&png)
}

/// Snapshots baresip's received picture until `check` holds.
fn wait_for_terminal_picture(b: &mut Baresip, label: &str, check: impl Fn(&Census) -> bool) {
    let deadline = Instant::now() + PICTURE_WAIT;
    let mut last = Err("no snapshot taken".to_owned());
    let mut n = 0;
    while Instant::now() < deadline {
        n += 1;
        last = terminal_snapshot(b, &format!("{label}{n}"));
        if last.as_ref().is_ok_and(&check) {
            return;
        }
        sleep(Duration::from_millis(500));
    }
    panic!("baresip's picture ({label}) within {PICTURE_WAIT:?}, last of {n}: {last:?}");
}

fn received_audio(b: &Baresip) -> Wav {
    b.received_audio()
        .unwrap_or_else(|e| panic!("baresip's audio: {e}"))
}

fn num(v: &Value) -> f64 {
    v.as_f64().unwrap_or(0.0)
}

/// Fills the form and clicks #join.
fn fill_and_join(br: &mut Browser, room: &str, pin: &str) {
    br.fill("#room", room);
    br.fill("#name", BROWSER_NAME);
    br.fill("#pin", pin);
    br.click("#join");
}

fn wait_joined(br: &mut Browser) {
    if let Err(e) = br.wait(
        "window.diemcau.state === 'joined' && window.diemcau.pc \
         && window.diemcau.pc.connectionState === 'connected'",
        WAIT,
    ) {
        let state = br.eval("JSON.stringify({s: window.diemcau.state, e: window.diemcau.error, c: window.diemcau.pc && window.diemcau.pc.connectionState, status: document.getElementById('status').textContent})");
        panic!("the page did not connect: {e}; {state}");
    }
}

#[test]
fn a_browser_sees_and_hears_a_sip_terminal_and_is_seen_and_heard() {
    let started = Instant::now();
    let media_dir = TempDir::new("fake-media");
    let media = FakeMedia::make(media_dir.path(), Colour::Green, BROWSER_TONE);
    let clips = solid_colour_clips(media_dir.path(), &[Colour::Red]);
    let d = Daemon::start(options());
    let mut terminal = start_terminal(&d, &clips[0]);
    assert!(
        wait_until(WAIT, || participants(&d)
            .iter()
            .any(|p| p["state"] == "connected")),
        "{:?}",
        participants(&d)
    );

    let mut br = Browser::launch(&media);
    br.goto(&format!("http://{}/", d.http_addr()));
    // The room list came from /webrtc/rooms.
    let listed = br
        .wait(
            "document.querySelectorAll('#rooms button').length >= 2 \
             && document.getElementById('rooms').textContent",
            WAIT,
        )
        .unwrap_or_else(|e| panic!("room list: {e}"));
    let listed = listed.as_str().unwrap_or_default().to_owned();
    assert!(
        listed.contains("1000") && listed.contains(ROOM_NAME) && listed.contains("3000"),
        "{listed}"
    );

    // A wrong PIN: the page says so, and nobody joined.
    fill_and_join(&mut br, "3000", "0000");
    br.wait("window.diemcau.state === 'error'", WAIT)
        .unwrap_or_else(|e| panic!("wrong PIN: {e}"));
    let error = br.eval("JSON.stringify(window.diemcau.error)");
    let shown = br.eval("document.getElementById('status').textContent");
    assert!(error.as_str().is_some_and(|e| e.contains("403")), "{error}");
    assert!(
        shown.as_str().is_some_and(|s| s.contains("Sai mã PIN")),
        "{shown}"
    );

    // Room 1000, no PIN.
    fill_and_join(&mut br, "1000", "");
    wait_joined(&mut br);
    let joined_at = Instant::now();

    // The daemon lists the browser under its Vietnamese name.
    let p = wait_for(WAIT, || {
        browser_participant(&d).filter(|p| p["state"] == "connected")
    })
    .unwrap_or_else(|| panic!("no connected webrtc participant: {:?}", participants(&d)));
    assert_eq!(p["display_name"], BROWSER_NAME, "{p}");
    let browser_id = p["id"].as_u64().unwrap_or_default();
    let session = br.eval("window.diemcau.sessionUrl");
    assert!(
        session
            .as_str()
            .is_some_and(|s| s.starts_with("/webrtc/sessions/")),
        "{session}"
    );

    // Video decoded, at the canvas size, and still rising a second later.
    let decoded = |br: &mut Browser| {
        let s = br.stats();
        (
            num(&s["inbound"]["video"]["framesDecoded"]),
            s["inbound"]["video"].clone(),
            s["inbound"]["audio"].clone(),
        )
    };
    assert!(
        wait_until(WAIT, || decoded(&mut br).0 >= 10.0),
        "no video decoded: {}",
        br.stats()
    );
    let (first, _, _) = decoded(&mut br);
    sleep(Duration::from_secs(2));
    let (second, video, audio) = decoded(&mut br);
    assert!(
        second >= first + 10.0,
        "frames decoded {first} then {second} 2 s later: {video}"
    );
    assert_eq!(
        (
            video["frameWidth"].as_u64().unwrap_or(0),
            video["frameHeight"].as_u64().unwrap_or(0)
        ),
        CANVAS,
        "{video}"
    );
    assert!(
        num(&audio["totalSamplesReceived"]) > 0.0 && num(&audio["totalAudioEnergy"]) > 0.0,
        "no audio: {audio}"
    );
    eprintln!(
        "browser decodes {} ({} frames in 2 s) and {}, {:.1} s after joining",
        video["mimeType"],
        second - first,
        audio["mimeType"],
        joined_at.elapsed().as_secs_f64()
    );

    // The page: room title and who is in it.
    let listing = br
        .wait(
            "document.getElementById('participants').children.length >= 2 \
             && document.getElementById('participants').textContent",
            WAIT,
        )
        .unwrap_or_else(|e| panic!("participant list: {e}"));
    let listing = listing.as_str().unwrap_or_default();
    assert!(
        listing.contains(&format!("{BROWSER_NAME} (bạn)")) && listing.contains(TERMINAL_NAME),
        "{listing}"
    );
    let title = br.eval("document.getElementById('room-title').textContent");
    assert!(
        title.as_str().is_some_and(|t| t.contains(ROOM_NAME)),
        "{title}"
    );

    // The page's picture: the terminal's red with its name plate, no green.
    let shots = br.dir().to_owned();
    let mut n = 0;
    let mut last = String::new();
    let seen = wait_until(PICTURE_WAIT, || {
        n += 1;
        let png = br.screenshot(&shots.join(format!("remote{n}.png")), Some("#remote"));
        let (Ok(c), Ok(l)) = (census_png(&png), label_area_png(&png)) else {
            return false;
        };
        last = format!("{c}; label {l:?}");
        c.share(Colour::Red) >= 0.5
            && c.share(Colour::Green) <= ABSENT
            && l.dark >= 0.03
            && l.text >= 0.02
    });
    assert!(
        seen,
        "the page's video should show the terminal's red tile with a name plate; last of {n}: {last}"
    );
    eprintln!("page picture: {last}");
    br.screenshot(&shots.join("page.png"), None);

    // The terminal sees the browser's green and hears its 1000 Hz.
    wait_for_terminal_picture(&mut terminal, "browser", |c| {
        c.share(Colour::Green) >= PRESENT && c.share(Colour::Red) <= ABSENT
    });
    sleep(Duration::from_secs(3));
    let wav = received_audio(&terminal);
    let tail = wav.last_secs(2.0);
    let tone = tone_amplitude(&tail, wav.rate, f64::from(BROWSER_TONE));
    let own = tone_amplitude(&tail, wav.rate, f64::from(TERMINAL_TONE));
    eprintln!("baresip hears 1000 Hz at {tone:.0}, its own 440 Hz at {own:.0}");
    assert!(tone > 500.0, "baresip hears the browser at only {tone:.0}");
    assert!(own < tone / 10.0, "baresip hears itself: {own:.0}");

    // Camera off: the green leaves the terminal's picture; on: it is back.
    br.click("#mute-video");
    let pressed = br.eval("document.getElementById('mute-video').getAttribute('aria-pressed')");
    assert_eq!(pressed, "true");
    wait_for_terminal_picture(&mut terminal, "camera-off", |c| {
        c.share(Colour::Green) <= ABSENT
    });
    br.click("#mute-video");
    wait_for_terminal_picture(&mut terminal, "camera-on", |c| {
        c.share(Colour::Green) >= PRESENT
    });

    // Leave: gone from the room within 2 s, the page back at its form.
    br.click("#leave");
    let left = Instant::now();
    assert!(
        wait_until(Duration::from_secs(2), || browser_participant(&d).is_none()),
        "still listed 2 s after #leave: {:?}",
        participants(&d)
    );
    eprintln!("removed {:?} after #leave", left.elapsed());
    if let Err(e) = br.wait("window.diemcau.state === 'left'", WAIT) {
        panic!(
            "the page did not leave: {e}; {}",
            br.eval("window.diemcau.state")
        );
    }
    assert_eq!(br.eval("window.diemcau.pc === null"), true);
    let gone = d.get(session.as_str().unwrap_or_default());
    assert!(
        gone.as_ref().is_ok_and(|r| r.status == 404),
        "{:?}",
        gone.map(|r| r.status)
    );

    // Join again, then kill chromium: no DELETE, the media timeout ends it.
    br.click("#join");
    wait_joined(&mut br);
    let again = wait_for(WAIT, || {
        browser_participant(&d).filter(|p| p["state"] == "connected")
    })
    .unwrap_or_else(|| panic!("not listed after joining again: {:?}", participants(&d)));
    assert_ne!(again["id"].as_u64(), Some(browser_id), "{again}");
    br.kill_chromium();
    let killed = Instant::now();
    let limit = Duration::from_secs(MEDIA_TIMEOUT_SECS + 5);
    assert!(
        wait_until(limit, || browser_participant(&d).is_none()),
        "still listed {limit:?} after chromium was killed: {:?}",
        participants(&d)
    );
    let took = killed.elapsed();
    eprintln!("killed browser removed after {took:?} (media timeout {MEDIA_TIMEOUT_SECS} s)");
    assert!(
        took >= Duration::from_secs(MEDIA_TIMEOUT_SECS - 2),
        "removed after {took:?}: before the media timeout, so by something else"
    );
    // The terminal stays.
    assert_eq!(participants(&d).len(), 1, "{:?}", participants(&d));
    assert!(terminal.events().iter().all(|e| e["type"] != "CALL_CLOSED"));
    terminal.hangup();
    eprintln!("webrtc_browser took {:?}", started.elapsed());
}

/// A WebRTC offer as chromium makes one (Opus, VP8, BUNDLE, DTLS), for the
/// answers that must come before any media.
fn offer() -> String {
    let ice = "a=ice-ufrag:Vb3e\r\na=ice-pwd:ZJ0nDqW1ox3sFo8HpiYrvYtl\r\n\
a=fingerprint:sha-256 3A:91:0C:55:7E:2B:AE:10:44:6D:C8:F1:09:7A:3D:62:E4:5B:88:13:9F:D2:6C:01:A7:34:5E:BB:C2:90:18:6F\r\n\
a=setup:actpass\r\n";
    format!(
        "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0 1\r\n\
m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\n{ice}a=mid:0\r\na=sendrecv\r\na=rtcp-mux\r\n\
a=rtpmap:111 opus/48000/2\r\na=fmtp:111 minptime=10;useinbandfec=1\r\n\
m=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\n{ice}a=mid:1\r\na=sendrecv\r\na=rtcp-mux\r\n\
a=rtpmap:96 VP8/90000\r\na=rtcp-fb:96 nack pli\r\na=rtcp-fb:96 goog-remb\r\n"
    )
}

fn post(d: &Daemon, path: &str, headers: &[(&str, &str)], ctype: &str, body: &str) -> HttpResponse {
    d.http("POST", path, headers, Some((ctype, body.as_bytes())))
        .unwrap_or_else(|e| panic!("POST {path}: {e}"))
}

fn assert_refused(r: &HttpResponse, status: u16, what: &str) {
    assert_eq!(r.status, status, "{what}: {} {}", r.status, r.body);
    assert!(
        r.header("content-type")
            .is_some_and(|c| c.starts_with("text/plain")),
        "{what}: {:?}",
        r.header("content-type")
    );
    assert!(!r.body.trim().is_empty(), "{what}: no message");
}

#[test]
fn bad_joins_get_their_http_errors() {
    let d = Daemon::start(
        DaemonOptions::empty()
            .room(Room::new("1000", "Phòng họp trực tuyến").max_participants(1))
            .room(Room::new("3000", "Phòng có mã PIN").pin("4321"))
            .set("webrtc", "token", "\"whip-secret\""),
    );
    let sdp = "application/sdp";

    // The room list the page shows.
    let rooms = d.get("/webrtc/rooms").expect("GET /webrtc/rooms");
    assert_eq!(rooms.status, 200, "{}", rooms.body);
    let list = rooms.json();
    let room = |n: &str| {
        list.as_array()
            .and_then(|l| l.iter().find(|r| r["number"] == n).cloned())
            .unwrap_or_else(|| panic!("room {n} not in {list}"))
    };
    assert_eq!(room("1000")["name"], "Phòng họp trực tuyến");
    assert_eq!(room("1000")["has_pin"], false);
    assert_eq!(room("1000")["max_participants"], 1);
    assert_eq!(room("3000")["has_pin"], true);
    assert_eq!(room("3000")["participants"], 0);
    // The page and its files.
    for (path, kind) in [
        ("/", "text/html"),
        ("/app.js", "text/javascript"),
        ("/app.css", "text/css"),
    ] {
        let r = d.get(path).expect(path);
        assert_eq!(r.status, 200, "{path}");
        assert!(
            r.header("content-type")
                .is_some_and(|c| c.starts_with(kind)),
            "{path}: {:?}",
            r.header("content-type")
        );
    }

    let join = "/webrtc/rooms/1000/join?name=Tr%C3%ACnh%20duy%E1%BB%87t";
    assert_refused(
        &post(&d, join, &[], sdp, "v=0\r\nnot an offer\r\n"),
        400,
        "bad SDP",
    );
    assert_refused(&post(&d, join, &[], "text/plain", &offer()), 415, "not SDP");
    assert_refused(
        &post(&d, "/webrtc/rooms/9999/join?name=x", &[], sdp, &offer()),
        404,
        "unknown room",
    );
    assert_refused(
        &post(
            &d,
            "/webrtc/rooms/3000/join?name=x&pin=1111",
            &[],
            sdp,
            &offer(),
        ),
        403,
        "wrong PIN",
    );
    assert_refused(
        &post(&d, "/webrtc/rooms/3000/join?name=x", &[], sdp, &offer()),
        403,
        "no PIN",
    );
    let whip = "/whip/1000?name=OBS";
    assert_refused(
        &post(
            &d,
            whip,
            &[("Authorization", "Bearer wrong")],
            sdp,
            &offer(),
        ),
        401,
        "wrong bearer",
    );
    assert_refused(&post(&d, whip, &[], sdp, &offer()), 401, "no bearer");
    assert_refused(
        &post(
            &d,
            "/whep/1000",
            &[("Authorization", "Bearer nope")],
            sdp,
            &offer(),
        ),
        401,
        "WHEP wrong bearer",
    );

    // The right PIN gets an answer; a second joiner finds room 1000 full.
    let ok = post(
        &d,
        "/webrtc/rooms/3000/join?name=x&pin=4321",
        &[],
        sdp,
        &offer(),
    );
    assert_eq!(ok.status, 201, "{}", ok.body);
    assert!(
        ok.header("content-type")
            .is_some_and(|c| c.starts_with("application/sdp")),
        "{:?}",
        ok.header("content-type")
    );
    assert!(
        ok.body.starts_with("v=0") && ok.body.contains("a=candidate:"),
        "{}",
        ok.body
    );
    assert!(
        ok.body
            .lines()
            .filter(|l| l.starts_with("a=candidate:"))
            .all(|l| l.contains(" 127.0.0.1 ")),
        "candidates off loopback: {}",
        ok.body
    );
    let first = post(&d, join, &[], sdp, &offer());
    assert_eq!(first.status, 201, "{}", first.body);
    let location = first.header("location").unwrap_or_default().to_owned();
    assert!(location.starts_with("/webrtc/sessions/"), "{location}");
    let full = post(&d, "/webrtc/rooms/1000/join?name=y", &[], sdp, &offer());
    assert_refused(&full, 409, "full room");

    // The session resource: its state, then DELETE, then gone.
    let state = d.get(&location).expect("GET session");
    assert_eq!(state.status, 200, "{}", state.body);
    let s = state.json();
    assert_eq!(s["room"]["number"], "1000", "{s}");
    assert!(
        s["participants"]
            .as_array()
            .is_some_and(|ps| ps.iter().any(|p| p["display_name"] == "Trình duyệt")),
        "{s}"
    );
    let del = d.http("DELETE", &location, &[], None).expect("DELETE");
    assert_eq!(del.status, 200, "{}", del.body);
    let after = d.get(&location).expect("GET session");
    assert_eq!(after.status, 404, "{}", after.body);
    // Room 1000 has its place back.
    assert!(
        wait_until(WAIT, || {
            d.get("/webrtc/rooms")
                .map(|r| r.json())
                .ok()
                .and_then(|l| {
                    l.as_array()?
                        .iter()
                        .find(|r| r["number"] == "1000")
                        .map(|r| r["participants"] == 0)
                })
                .unwrap_or(false)
        }),
        "room 1000 still counts the deleted session"
    );
}
