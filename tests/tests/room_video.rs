//! The room mixer's acceptance run with three real terminals (issue 3):
//! three baresips in room 1000, each with its own camera colour (a clip of
//! a white ball on red / green / blue) and its own tone (440 / 660 / 880 Hz).
//!
//! - Each one's received picture (baresip's snapshot, PNG) shows the other
//!   two colours as large regions and not its own; the API's per-receiver
//!   view lists the other two.
//! - Each one's received audio (baresip's sndfile dump of the decoded
//!   stream, WAV) holds the other two tones and its own below a tenth.
//! - Terminal B offers H.263 only and gets it; A and C get H.264
//!   packetization-mode 0 (baresip offers modes 0 and 1).
//! - C hangs up: within 2 s the others' views lose its tile, and a picture
//!   decoded after 2 s has no blue. C then dials in again.
//! - B is killed with SIGKILL: within 35 s (media timeout 30 s) the room no
//!   longer lists it, while A and C stay in the call with media flowing
//!   both ways and see only each other.

use std::thread::sleep;
use std::time::{Duration, Instant};

use serde_json::Value;

use diemcau_e2e::room_terminal::*;
use diemcau_e2e::util::{self, TempDir};
use diemcau_e2e::video::{solid_colour_clips, Colour};
use diemcau_e2e::{wait_until, Daemon, DaemonOptions};
fn video_tiles(p: &Value) -> Vec<u64> {
    p["video_tiles"]
        .as_array()
        .map(|v| v.iter().filter_map(Value::as_u64).collect())
        .unwrap_or_default()
}

fn views(d: &Daemon) -> Vec<(u64, Vec<u64>)> {
    participants(d)
        .iter()
        .filter_map(|p| {
            let mut tiles = video_tiles(p);
            tiles.sort_unstable();
            Some((p["id"].as_u64()?, tiles))
        })
        .collect()
}

fn views_are(d: &Daemon, ts: &[&Terminal]) -> bool {
    let v = views(d);
    v.len() == ts.len()
        && ts.iter().all(|t| {
            let mut others: Vec<u64> = ts.iter().filter(|o| o.id != t.id).map(|o| o.id).collect();
            others.sort_unstable();
            v.iter().any(|(id, tiles)| *id == t.id && *tiles == others)
        })
}

fn stream<'a>(p: &'a Value, kind: &str) -> Option<&'a Value> {
    p["streams"].as_array()?.iter().find(|s| s["kind"] == kind)
}

fn packets_received(d: &Daemon, user: &str, kind: &str) -> u64 {
    participant(d, user)
        .and_then(|p| stream(&p, kind).and_then(|s| s["packets_received"].as_u64()))
        .unwrap_or(0)
}

/// The SDP answer's video m-line, rtpmaps and fmtps from the terminal's SIP
/// trace: the first m=video after the last "SIP/2.0 200 OK" followed by one
/// (the terminal dialled, so that is the room's answer).
fn answered_video(t: &Terminal) -> String {
    let log = t.baresip.log();
    let answer = log
        .rsplit("SIP/2.0 200 OK")
        .find(|part| part.contains("m=video"))
        .unwrap_or_default();
    answer
        .lines()
        .skip_while(|l| !l.starts_with("m=video"))
        .take_while(|l| !l.starts_with("m=") || l.starts_with("m=video"))
        .filter(|l| {
            l.starts_with("m=video") || l.starts_with("a=rtpmap") || l.starts_with("a=fmtp")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The payload types of an answer's m=video line.
fn answered_pts(answer: &str) -> Vec<&str> {
    answer
        .lines()
        .find(|l| l.starts_with("m=video"))
        .map(|l| l.split_whitespace().skip(3).collect())
        .unwrap_or_default()
}

#[test]
fn three_terminals_see_and_hear_the_other_two() {
    let started = Instant::now();
    let clip_dir = TempDir::new("clips");
    let clips = solid_colour_clips(clip_dir.path(), &Colour::ALL);
    let d = Daemon::start(DaemonOptions::default());
    let mut a = start_terminal(&d, &clips[0], "A", "101", Colour::Red, 440, "");
    // B offers H.263 (RFC 2190, PT 34) and nothing else.
    let h263_only = ";video_codecs=H263";
    let mut b = start_terminal(&d, &clips[1], "B", "102", Colour::Green, 660, h263_only);
    let mut c = start_terminal(&d, &clips[2], "C", "103", Colour::Blue, 880, "");
    for t in [&mut a, &mut b, &mut c] {
        join(&d, t);
    }

    // Codecs: what the daemon negotiated, and what B's own trace saw.
    for (t, want) in [(&a, "H264"), (&b, "H263"), (&c, "H264")] {
        let p = participant(&d, t.user).unwrap_or_else(|| panic!("{} not listed", t.name));
        let codec = stream(&p, "video")
            .and_then(|s| s["codec"].as_str())
            .unwrap_or_default();
        assert!(
            codec.eq_ignore_ascii_case(want),
            "{}: video codec {codec:?}, want {want}: {p}",
            t.name
        );
    }
    // And what the terminals' own SIP traces saw answered: one video
    // format each, H.263 for B, H.264 packetization-mode 0 for A and C
    // (baresip offers both modes).
    let b_answer = answered_video(&b);
    assert_eq!(answered_pts(&b_answer), ["34"], "B's answer: {b_answer}");
    for t in [&a, &c] {
        let answer = answered_video(t);
        assert_eq!(
            answered_pts(&answer).len(),
            1,
            "{}'s answer: {answer}",
            t.name
        );
        assert!(
            answer.contains(" H264/90000") && !answer.contains("packetization-mode=1"),
            "{}'s answer: {answer}",
            t.name
        );
        assert!(
            t.baresip
                .log()
                .contains("Set video encoder: H264 packetization-mode=0"),
            "{} does not encode H.264 packetization-mode 0",
            t.name
        );
    }

    assert!(
        wait_until(WAIT, || views_are(&d, &[&a, &b, &c])),
        "each canvas should hold the other two: {:?} (ids A {} B {} C {})",
        views(&d),
        a.id,
        b.id,
        c.id
    );
    let mut pictures = Vec::new();
    for t in [&mut a, &mut b, &mut c] {
        let (present, absent): (Vec<Colour>, Vec<Colour>) =
            Colour::ALL.iter().partition(|x| **x != t.colour);
        pictures.push((t.name, wait_for_picture(t, "all", &present, &absent)));
    }
    eprintln!("pictures with three in the room: {pictures:?}");

    // Audio: a few seconds of mix into each dump, then judge the last two.
    sleep(Duration::from_secs(3));
    assert_hears(&a, &[&b, &c]);
    assert_hears(&b, &[&a, &c]);
    assert_hears(&c, &[&a, &b]);

    // C hangs up: its tile leaves the others' canvases within 2 s.
    c.baresip.hangup();
    let hung_up = Instant::now();
    assert!(
        wait_until(Duration::from_secs(2), || views_are(&d, &[&a, &b])),
        "2 s after C's BYE the views are {:?} (ids A {} B {} C {})",
        views(&d),
        a.id,
        b.id,
        c.id
    );
    if let Some(rest) = Duration::from_secs(2).checked_sub(hung_up.elapsed()) {
        sleep(rest);
    }
    for t in [&mut a, &mut b] {
        let pic = snapshot(t, "bye").unwrap_or_else(|e| panic!("{}: {e}", t.name));
        assert!(
            pic.share(Colour::Blue) <= ABSENT,
            "{} still shows C's blue 2 s after C hung up: {pic}",
            t.name
        );
    }
    assert!(c.baresip.wait_for_event("CALL_CLOSED", WAIT).is_some());

    // C comes back, so that two stay when B dies.
    join(&d, &mut c);
    assert!(
        wait_until(WAIT, || views_are(&d, &[&a, &b, &c])),
        "after C rejoined: {:?}",
        views(&d)
    );
    wait_for_picture(
        &mut a,
        "back",
        &[Colour::Green, Colour::Blue],
        &[Colour::Red],
    );

    // B dies without a word: the media timeout (30 s) removes it.
    util::signal(b.baresip.pid(), "KILL").expect("SIGKILL B");
    let killed = Instant::now();
    let audio_before = [
        received_audio(&a).duration_secs(),
        received_audio(&c).duration_secs(),
    ];
    let rx_before = [
        packets_received(&d, a.user, "audio"),
        packets_received(&d, a.user, "video"),
        packets_received(&d, c.user, "audio"),
        packets_received(&d, c.user, "video"),
    ];
    let gone = wait_until(Duration::from_secs(35), || {
        participant(&d, b.user).is_none()
    });
    let took = killed.elapsed();
    assert!(gone, "B still listed 35 s after SIGKILL: {}", room(&d));
    eprintln!("B removed {took:?} after SIGKILL");
    assert!(
        wait_until(Duration::from_secs(2), || views_are(&d, &[&a, &c])),
        "after B was dropped: {:?}",
        views(&d)
    );

    // A and C stayed in the call and media kept flowing both ways.
    for t in [&a, &c] {
        assert!(
            t.baresip
                .events()
                .iter()
                .all(|e| e["type"] != "CALL_CLOSED"),
            "{}'s call closed: {:?}",
            t.name,
            t.baresip.events()
        );
    }
    let rx_after = [
        packets_received(&d, a.user, "audio"),
        packets_received(&d, a.user, "video"),
        packets_received(&d, c.user, "audio"),
        packets_received(&d, c.user, "video"),
    ];
    let secs = took.as_secs_f64();
    for (i, what) in ["A audio", "A video", "C audio", "C video"]
        .iter()
        .enumerate()
    {
        // G.711 at 20 ms is 50 packets/s; video at least a few per second.
        let min = if i % 2 == 0 { 40.0 * secs } else { 5.0 * secs };
        let got = rx_after[i].saturating_sub(rx_before[i]);
        assert!(
            got as f64 >= min,
            "the daemon received only {got} {what} packets in {secs:.0} s after B died"
        );
    }
    for (t, before) in [(&a, audio_before[0]), (&c, audio_before[1])] {
        let now = received_audio(t).duration_secs();
        assert!(
            now - before >= 0.8 * secs,
            "{} decoded only {:.1} s of audio in the {secs:.0} s after B died",
            t.name,
            now - before
        );
    }
    assert_hears(&a, &[&c]);
    assert_hears(&c, &[&a]);
    wait_for_picture(
        &mut a,
        "last",
        &[Colour::Blue],
        &[Colour::Red, Colour::Green],
    );
    wait_for_picture(
        &mut c,
        "last",
        &[Colour::Red],
        &[Colour::Blue, Colour::Green],
    );

    a.baresip.hangup();
    c.baresip.hangup();
    assert!(
        wait_until(WAIT, || participants(&d).is_empty()),
        "{}",
        room(&d)
    );
    eprintln!("room_video took {:?}", started.elapsed());
}
