//! Real terminals (baresip with a sine tone and a test picture) in a room,
//! and a look at the SIP on the wire through Wireshark's dissectors.

use std::time::Duration;

use diemcau_e2e::{wait_until, Account, Baresip, BaresipOptions, Daemon, DaemonOptions, Tshark};

const WAIT: Duration = Duration::from_secs(15);

fn participant_count(d: &Daemon) -> usize {
    d.api_get("/rooms/1000").json()["participants"]
        .as_array()
        .map_or(0, Vec::len)
}

#[test]
fn two_terminals_join_the_room_and_leave() {
    let d = Daemon::start(DaemonOptions::default());
    let mut a = Baresip::start(
        &Account::new("101", "demo101", d.sip_addr()).line(),
        BaresipOptions::default(),
    );
    let mut b = Baresip::start(
        &Account::new("102", "demo102", d.sip_addr()).line(),
        BaresipOptions::audio_only(),
    );
    a.wait_registered(WAIT).expect("101 registers");
    b.wait_registered(WAIT).expect("102 registers");

    a.dial(&d.sip_uri("1000"));
    b.dial(&d.sip_uri("1000"));
    for (name, t) in [("101", &a), ("102", &b)] {
        assert!(
            t.wait_for_event("CALL_ESTABLISHED", WAIT).is_some(),
            "{name} not in the call; events {:?}",
            t.events()
        );
    }
    assert!(
        wait_until(WAIT, || participant_count(&d) == 2),
        "room does not list both"
    );
    // A call counts once our 200 is ACKed, which may land just after
    // baresip reports the call established.
    assert!(
        wait_until(WAIT, || d.metric("diemcau_calls", &[("room", "1000")])
            == Some(2.0)),
        "diemcau_calls is {:?}",
        d.metric("diemcau_calls", &[("room", "1000")])
    );

    a.hangup();
    assert!(
        wait_until(WAIT, || participant_count(&d) == 1),
        "101 still listed"
    );
    b.hangup();
    assert!(
        wait_until(WAIT, || participant_count(&d) == 0),
        "102 still listed"
    );
    assert_eq!(
        d.metric("diemcau_calls", &[("room", "1000")])
            .unwrap_or(0.0),
        0.0
    );
}

#[test]
fn gateway_ends_calls_with_bye_that_baresip_accepts() {
    let d = Daemon::start(DaemonOptions::default());
    let mut t = Baresip::start(
        &Account::new("103", "demo103", d.sip_addr())
            .regint(0)
            .line(),
        BaresipOptions::audio_only(),
    );
    t.dial(&d.sip_uri("1000"));
    assert!(
        t.wait_for_event("CALL_ESTABLISHED", WAIT).is_some(),
        "{:?}",
        t.events()
    );
    let room = d.api_get("/rooms/1000").json();
    let id = room["participants"][0]["id"]
        .as_u64()
        .expect("participant id");
    let r = d.api_delete(&format!("/rooms/1000/participants/{id}"));
    assert!(
        r.status == 200 || r.status == 204,
        "{} {}",
        r.status,
        r.body
    );
    assert!(
        t.wait_for_event("CALL_CLOSED", WAIT).is_some(),
        "no BYE reached baresip"
    );
}

#[test]
fn sip_on_the_wire_is_well_formed() {
    let d = Daemon::start(DaemonOptions::default());
    let mut cap = Tshark::start(&[d.ports().sip]);
    {
        let mut t = Baresip::start(
            &Account::new("101", "demo101", d.sip_addr()).line(),
            BaresipOptions::default(),
        );
        t.wait_registered(WAIT).expect("registers");
        t.dial(&d.sip_uri("1000"));
        assert!(
            t.wait_for_event("CALL_ESTABLISHED", WAIT).is_some(),
            "{:?}",
            t.events()
        );
        std::thread::sleep(Duration::from_secs(1));
        t.hangup();
        assert!(t.wait_for_event("CALL_CLOSED", WAIT).is_some());
    }
    let malformed = cap.malformed();
    assert!(malformed.is_empty(), "malformed packets: {malformed:#?}");

    // What the gateway sent, as Wireshark read it.
    let filter = format!("sip.Status-Code && udp.srcport == {}", d.ports().sip);
    let codes: Vec<String> = cap
        .fields(&filter, &["sip.Status-Code", "sip.CSeq.method"])
        .into_iter()
        .map(|row| row.join(" "))
        .collect();
    for want in ["401 REGISTER", "200 REGISTER", "200 INVITE", "200 BYE"] {
        assert!(
            codes.iter().any(|c| c == want),
            "no {want} from the gateway in {codes:?}"
        );
    }
    // The answer's SDP parsed: a media line with a real port.
    let sdp = cap.fields(
        &format!("sdp && udp.srcport == {}", d.ports().sip),
        &["sdp.media.port"],
    );
    assert!(
        sdp.iter()
            .flatten()
            .any(|p| p.split(',').any(|p| p.parse::<u16>().is_ok_and(|p| p > 0))),
        "no SDP media port from the gateway: {sdp:?}"
    );
}

fn participant_state(d: &Daemon) -> Option<String> {
    d.api_get("/rooms/1000").json()["participants"][0]["state"]
        .as_str()
        .map(str::to_owned)
}

fn rtp_packets(d: &Daemon) -> f64 {
    d.metric("diemcau_rtp_packets_received_total", &[])
        .unwrap_or(0.0)
}

/// The acceptance run: a real terminal registers with digest auth,
/// dials the room, stays 30 s with its media counted, is put on hold and
/// resumed by re-INVITE without losing the call, and hangs up with BYE.
#[test]
fn baresip_call_lasts_30s_with_media_hold_and_resume() {
    let d = Daemon::start(DaemonOptions::default());
    let mut t = Baresip::start(
        &Account::new("101", "demo101", d.sip_addr()).line(),
        BaresipOptions::default(),
    );
    t.wait_registered(WAIT).expect("101 registers");
    let started = std::time::Instant::now();
    t.dial(&d.sip_uri("1000"));
    assert!(
        t.wait_for_event("CALL_ESTABLISHED", WAIT).is_some(),
        "{:?}",
        t.events()
    );
    assert!(
        wait_until(WAIT, || participant_state(&d).as_deref()
            == Some("connected")),
        "state {:?}",
        participant_state(&d)
    );

    // Media flows and is counted: G.711 alone is 50 packets/s.
    let at_start = rtp_packets(&d);
    std::thread::sleep(Duration::from_secs(8));
    let after_8s = rtp_packets(&d);
    assert!(
        after_8s - at_start >= 200.0,
        "only {} RTP packets counted in 8 s",
        after_8s - at_start
    );

    t.command("hold", None)
        .expect("baresip puts the call on hold");
    assert!(
        wait_until(WAIT, || participant_state(&d).as_deref() == Some("on_hold")),
        "state after hold {:?}",
        participant_state(&d)
    );
    std::thread::sleep(Duration::from_secs(3));
    t.command("resume", None).expect("baresip resumes the call");
    assert!(
        wait_until(WAIT, || participant_state(&d).as_deref()
            == Some("connected")),
        "state after resume {:?}",
        participant_state(&d)
    );
    let after_resume = rtp_packets(&d);

    // Up to 30 s in the call, then media must still be flowing.
    let total = Duration::from_secs(30);
    if let Some(rest) = total.checked_sub(started.elapsed()) {
        std::thread::sleep(rest);
    }
    assert_eq!(participant_count(&d), 1, "the call did not last 30 s");
    assert!(
        t.events().iter().all(|e| e["type"] != "CALL_CLOSED"),
        "baresip saw the call close: {:?}",
        t.events()
    );
    assert!(
        rtp_packets(&d) - after_resume >= 200.0,
        "media did not come back after resume"
    );
    assert_eq!(d.metric("diemcau_rtp_packets_lost_total", &[]), Some(0.0));

    let byes = d
        .metric("diemcau_sip_requests_total", &[("method", "BYE")])
        .unwrap_or(0.0);
    t.hangup();
    assert!(
        wait_until(WAIT, || participant_count(&d) == 0),
        "still listed after BYE"
    );
    assert_eq!(
        d.metric("diemcau_sip_requests_total", &[("method", "BYE")]),
        Some(byes + 1.0)
    );
    assert_eq!(d.metric("diemcau_calls", &[("room", "1000")]), Some(0.0));
}

/// SIGHUP with a changed config: the call in progress goes on (media still
/// counted), a new terminal can register, a new room appears.
#[test]
fn reload_keeps_the_call_and_adds_a_terminal_and_a_room() {
    let mut d = Daemon::start(DaemonOptions::default());
    let mut a = Baresip::start(
        &Account::new("101", "demo101", d.sip_addr()).line(),
        BaresipOptions::audio_only(),
    );
    a.wait_registered(WAIT).expect("101 registers");
    a.dial(&d.sip_uri("1000"));
    assert!(a.wait_for_event("CALL_ESTABLISHED", WAIT).is_some());
    assert!(wait_until(WAIT, || participant_state(&d).as_deref()
        == Some("connected")));

    d.reconfigure(
        DaemonOptions::default()
            .room(diemcau_e2e::Room::new("2000", "Phòng họp 2"))
            .terminal(diemcau_e2e::Terminal::sip("104", "demo104").display_name("Điểm cầu Huế")),
    );
    assert!(
        wait_until(WAIT, || d.api_get("/rooms/2000").status == 200),
        "room 2000 missing after SIGHUP"
    );
    let b = Baresip::start(
        &Account::new("104", "demo104", d.sip_addr()).line(),
        BaresipOptions::audio_only(),
    );
    b.wait_registered(WAIT)
        .expect("104 registers after the reload");

    let before = rtp_packets(&d);
    std::thread::sleep(Duration::from_secs(2));
    assert!(
        rtp_packets(&d) > before + 50.0,
        "media stopped after SIGHUP"
    );
    assert_eq!(participant_state(&d).as_deref(), Some("connected"));
    assert!(a.events().iter().all(|e| e["type"] != "CALL_CLOSED"));
    a.hangup();
    assert!(wait_until(WAIT, || participant_count(&d) == 0));
}

/// Continuous presence reaches real terminals: two baresips with their
/// test pictures in the room each receive and decode the gateway's
/// composed video (H.264, sized from what baresip's offer allows).
#[test]
fn terminals_receive_the_composed_picture() {
    let d = Daemon::start(DaemonOptions::default());
    let mut terminals = Vec::new();
    for user in ["101", "102"] {
        let mut t = Baresip::start(
            &Account::new(user, &format!("demo{user}"), d.sip_addr()).line(),
            BaresipOptions::default(),
        );
        t.wait_registered(WAIT).expect("registers");
        t.dial(&d.sip_uri("1000"));
        assert!(
            t.wait_for_event("CALL_ESTABLISHED", WAIT).is_some(),
            "{user}: {:?}",
            t.events()
        );
        terminals.push(t);
    }
    for t in &terminals {
        assert!(
            t.wait_for_log("video: receiving with resolution", Duration::from_secs(20)),
            "no composed picture decoded; log tail:\n{}",
            t.log()
                .lines()
                .rev()
                .take(10)
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
    for t in &mut terminals {
        t.hangup();
    }
}
