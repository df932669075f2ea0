//! Calls into rooms with sipp: the happy path on both transports, every
//! refusal, CANCEL, INFO, hold/resume, a Polycom-sized offer. The admin API
//! and metrics are checked while the call is up.

use std::time::Duration;

use diemcau_e2e::{wait_until, Daemon, DaemonOptions, Room, Sipp};

const WAIT: Duration = Duration::from_secs(10);

/// sipp arguments for terminal 101 calling `room`.
fn caller(room: &str) -> Vec<&str> {
    vec![
        "-s", room, "-key", "caller", "101", "-au", "101", "-ap", "demo101",
    ]
}

fn participants(d: &Daemon, room: &str) -> Vec<serde_json::Value> {
    let r = d.api_get(&format!("/rooms/{room}"));
    assert_eq!(r.status, 200, "{}", r.body);
    r.json()["participants"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn call_is_listed_while_up(transport: &str) {
    let d = Daemon::start(DaemonOptions::default());
    let mut args = caller("1000");
    args.extend(["-d", "4000", "-t", transport]);
    let sipp = Sipp::spawn("call_basic.xml", Some(d.sip_addr()), &args);

    assert!(
        wait_until(WAIT, || participants(&d, "1000")
            .iter()
            .any(|p| p["state"] == "connected")),
        "no connected participant in room 1000: {:?}",
        participants(&d, "1000")
    );
    let p = participants(&d, "1000").remove(0);
    assert_eq!(p["direction"], "inbound");
    assert_eq!(p["protocol"], "sip");
    assert!(p["call_id"].as_str().is_some_and(|c| !c.is_empty()), "{p}");
    let streams = p["streams"].as_array().cloned().unwrap_or_default();
    assert!(streams.iter().any(|s| s["kind"] == "audio"), "{p}");
    assert_eq!(
        d.metric("diemcau_calls", &[("protocol", "sip"), ("room", "1000")]),
        Some(1.0)
    );

    sipp.wait(Duration::from_secs(30)).assert_success();
    assert!(
        wait_until(WAIT, || participants(&d, "1000").is_empty()),
        "participant left behind after BYE"
    );
    assert_eq!(
        d.metric("diemcau_calls", &[("room", "1000")])
            .unwrap_or(0.0),
        0.0
    );
}

#[test]
fn call_over_udp() {
    call_is_listed_while_up("u1");
}

#[test]
fn call_over_tcp() {
    call_is_listed_while_up("t1");
}

#[test]
fn unknown_room_is_not_found() {
    let d = Daemon::start(DaemonOptions::default());
    Sipp::run("call_not_found.xml", d.sip_addr(), &caller("4242")).assert_success();
}

#[test]
fn full_room_is_busy() {
    let d = Daemon::start(
        DaemonOptions::empty()
            .room(Room::new("1000", "Nhỏ").max_participants(1))
            .terminal(diemcau_e2e::Terminal::sip("101", "demo101")),
    );
    let mut args = caller("1000");
    args.extend(["-d", "8000"]);
    let first = Sipp::spawn("call_basic.xml", Some(d.sip_addr()), &args);
    assert!(
        wait_until(WAIT, || participants(&d, "1000").len() == 1),
        "first call never joined"
    );
    Sipp::run("call_busy.xml", d.sip_addr(), &caller("1000")).assert_success();
    first.wait(Duration::from_secs(30)).assert_success();
}

#[test]
fn unsupported_codecs_are_not_acceptable() {
    let d = Daemon::start(DaemonOptions::default());
    Sipp::run("call_unsupported_codecs.xml", d.sip_addr(), &caller("1000")).assert_success();
    assert!(participants(&d, "1000").is_empty());
}

#[test]
fn cancel_while_ringing() {
    // Ring for 5 s before answering so there is time to CANCEL.
    let d = Daemon::start(DaemonOptions::default().set("sip", "answer_delay_ms", "5000"));
    Sipp::run("call_cancel.xml", d.sip_addr(), &caller("1000")).assert_success();
    assert!(
        wait_until(WAIT, || participants(&d, "1000").is_empty()),
        "cancelled call still listed"
    );
}

#[test]
fn info_fast_update_and_dtmf_in_a_call() {
    let d = Daemon::start(DaemonOptions::default());
    Sipp::run("call_info.xml", d.sip_addr(), &caller("1000")).assert_success();
}

#[test]
fn hold_and_resume() {
    let d = Daemon::start(DaemonOptions::default());
    Sipp::run("call_hold.xml", d.sip_addr(), &caller("1000")).assert_success();
}

#[test]
fn large_offer_over_tcp() {
    let d = Daemon::start(DaemonOptions::default());
    let mut args = caller("1000");
    args.extend(["-t", "t1"]);
    Sipp::run("call_large_offer.xml", d.sip_addr(), &args).assert_success();
}
