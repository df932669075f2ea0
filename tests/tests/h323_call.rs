//! H.323 calls into the rooms (issue 5): an H.323 caller built on the
//! gateway's own stack (fast start, H.245 tunnelled or on its own TCP
//! connection) and a baresip SIP terminal in room 1000 see and hear each
//! other; the room dials the caller out from the admin API; an unknown
//! room is refused with Release Complete and the right reason; garbage on
//! the call signalling port is answered or dropped and other calls go on.
//!
//! Media is judged as the room tests do: the baresip's snapshot shows the
//! caller's colour, its decoded audio holds the caller's tone; the caller
//! decodes the room's H.264 (the baresip's colour) and its A-law (the
//! baresip's tone).

use std::io::{Read, Write};
use std::net::{SocketAddr, SocketAddrV4, TcpStream};
use std::time::{Duration, Instant};

use serde_json::Value;

use diemcau_e2e::audio::tone_amplitude;
use diemcau_e2e::h323::caller::{CallRecord, Caller, DialOptions};
use diemcau_e2e::h323::ras_client::{build, h225, RasClient, RasMessage};
use diemcau_e2e::ports;
use diemcau_e2e::room_terminal::*;
use diemcau_e2e::util::TempDir;
use diemcau_e2e::video::{solid_colour_clips, Colour};
use diemcau_e2e::{wait_for, wait_until, Daemon, DaemonOptions, Tshark};
use diemcau_gateway::h323::call::reason::{Ending, ReleaseReason};
use diemcau_gateway::h323::call::signal::{Alias, Kind, Signal};
use diemcau_gateway::h323::{call::wire, tpkt};

const CALL_WAIT: Duration = Duration::from_secs(10);

/// The daemon with `[h323]` on its own ports: gatekeeper (RAS) and call
/// signalling; terminals 201 and 202 may register.
struct H323Daemon {
    d: Daemon,
    /// Call signalling.
    cs: SocketAddr,
    /// The gatekeeper.
    ras: SocketAddr,
}

fn start_daemon(opts: DaemonOptions) -> H323Daemon {
    start_daemon_on(opts, ports::free_tcp_port(), ports::free_udp_tcp_port())
}

fn start_daemon_on(opts: DaemonOptions, cs_port: u16, ras_port: u16) -> H323Daemon {
    let mut opts = opts;
    opts.extra_toml.push_str(&format!(
        r#"
[h323]
enabled = true
ras_listen = ["127.0.0.1:{ras_port}"]
call_signalling_listen = "127.0.0.1:{cs_port}"

[[terminals]]
username = "201"
password = "unused"
display_name = "Điểm cầu H.323"
protocol = "h323"
aliases = ["h323-a", "2010"]

[[terminals]]
username = "202"
password = "unused"
display_name = "Terminal H.323"
protocol = "h323"
aliases = ["h323-c", "2020"]
"#
    ));
    let d = Daemon::start(opts);
    let cs = SocketAddr::from(([127, 0, 0, 1], cs_port));
    assert!(
        wait_until(Duration::from_secs(10), || TcpStream::connect(cs).is_ok()),
        "H.323 call signalling does not listen on {cs}"
    );
    H323Daemon {
        d,
        cs,
        ras: SocketAddr::from(([127, 0, 0, 1], ras_port)),
    }
}

fn v4(a: SocketAddr) -> SocketAddrV4 {
    match a {
        SocketAddr::V4(a) => a,
        SocketAddr::V6(_) => panic!("IPv4 only"),
    }
}

/// Registers `aliases` with call signalling address `cs` (RRQ → RCF);
/// returns the client and the endpoint identifier.
fn register(gk: SocketAddr, cs: SocketAddrV4, aliases: &[&str]) -> (RasClient, String) {
    let mut client = RasClient::new(gk);
    let me = client.local();
    let list: Vec<_> = aliases.iter().map(|a| build::alias(a)).collect();
    let answer = client.request(|s| build::rrq(s, cs, me, list.clone(), Some(120), None));
    let RasMessage::RegistrationConfirm(rcf) = answer else {
        panic!("no RCF: {answer:?}")
    };
    let id = h225::bmp_text(&rcf.endpoint_identifier.0);
    (client, id)
}

/// ARQ for a call to `dest`: the ACF's call signalling address.
fn admit(client: &mut RasClient, endpoint: &str, from: &str, dest: &str) -> SocketAddr {
    let call = build::CallRef {
        call_reference_value: 1,
        conference_id: [7; 16],
        call_identifier: [8; 16],
    };
    let answer = client.request(|s| {
        build::arq(
            s,
            endpoint,
            call,
            vec![build::alias(from)],
            vec![build::alias(dest)],
            None,
            7680,
            false,
        )
    });
    let RasMessage::AdmissionConfirm(acf) = answer else {
        panic!("no ACF: {answer:?}")
    };
    SocketAddr::V4(build::socket_addr(&acf.dest_call_signal_address).expect("an IPv4 address"))
}

fn h323_participant(d: &Daemon) -> Option<Value> {
    participants(d)
        .into_iter()
        .find(|p| p["protocol"] == "h323")
}

fn connected_h323(d: &Daemon) -> Option<Value> {
    h323_participant(d).filter(|p| p["state"] == "connected")
}

/// The caller's newest decoded frame shows `colour` (the baresip's tile).
fn caller_sees(caller: &Caller, colour: Colour) -> bool {
    wait_until(PICTURE_WAIT, || {
        caller
            .media
            .picture()
            .is_ok_and(|c| c.share(colour) >= PRESENT)
    })
}

/// Both ways, audio and video, between the caller and terminal A.
fn judge_media(d: &Daemon, a: &mut Terminal, caller: &Caller) {
    let rec = caller
        .wait(CALL_WAIT, |r| r.connected && r.streams.len() == 2)
        .unwrap_or_else(|| {
            panic!(
                "caller not connected with audio and video: {:?}",
                caller.record()
            )
        });
    let with_media = |p: &Value| p["streams"].as_array().is_some_and(|s| s.len() == 2);
    let p = wait_for(WAIT, || connected_h323(d).filter(with_media))
        .unwrap_or_else(|| panic!("no connected h323 participant with media: {}", room(d)));
    let kinds: Vec<&str> = p["streams"]
        .as_array()
        .map(|s| s.iter().filter_map(|s| s["kind"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(kinds, ["audio", "video"], "{p}");
    assert_eq!(p["streams"][0]["codec"], "PCMA", "{p}");
    assert_eq!(p["streams"][1]["codec"], "H264", "{p}");
    assert_eq!(p["display_name"], caller.name, "{p}");
    assert!(rec.streams.iter().all(|s| s.peer_rtp.is_some()), "{rec:?}");

    // A sees the caller's colour (and not its own), hears its tone.
    wait_for_picture(a, "h323-", &[caller.media.colour], &[a.colour]);
    assert!(
        caller_sees(caller, a.colour),
        "the caller's decoded picture never showed {} ({:?}); {:?}\n{}",
        a.colour,
        caller.media.picture(),
        caller.media.received(),
        caller.media.logs()
    );
    std::thread::sleep(Duration::from_secs(3));
    let wav = received_audio(a);
    let tail = wav.last_secs(2.0);
    let heard = tone_amplitude(&tail, wav.rate, f64::from(caller.media.tone));
    assert!(
        heard > 500.0,
        "A hears the caller's {} Hz at only {heard:.0}",
        caller.media.tone
    );
    let from_a = caller.media.hears(a.tone);
    let own = caller.media.hears(caller.media.tone);
    assert!(
        from_a > 500.0 && own < from_a / 10.0,
        "the caller hears A's {} Hz at {from_a:.0}, itself at {own:.0}\n{}",
        a.tone,
        caller.media.logs()
    );
    let calls = d.metric("diemcau_calls", &[("protocol", "h323"), ("room", "1000")]);
    assert_eq!(calls, Some(1.0), "{}", d.metrics());
}

fn hang_up_and_check(d: &Daemon, caller: &Caller) {
    caller.hang_up();
    assert!(
        caller.wait(CALL_WAIT, |r| r.ended.is_some()).is_some(),
        "the caller's call did not end"
    );
    assert!(
        wait_until(WAIT, || h323_participant(d).is_none()),
        "the room still lists the caller: {}",
        room(d)
    );
    assert_eq!(
        d.metric("diemcau_calls", &[("protocol", "h323"), ("room", "1000")]),
        Some(0.0)
    );
}

/// What tshark makes of the daemon's messages: every one H.225.0 without
/// a malformed packet, with the fields we set.
fn judge_capture(tshark: &mut Tshark, cs_port: u16) {
    tshark.stop();
    let malformed = tshark.malformed();
    assert!(malformed.is_empty(), "malformed: {malformed:?}");
    let ours = format!("tcp.srcport == {cs_port} && h225");
    let rows = tshark.fields(
        &ours,
        &[
            "q931.message_type",
            "h225.h245Tunnelling",
            "h225.h323_message_body",
        ],
    );
    let types: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
    // Call Proceeding, Alerting, Connect, and at least one Facility with
    // tunnelled H.245 (our TCS, MSD and answers).
    for t in ["0x02", "0x01", "0x07", "0x62"] {
        assert!(
            types.contains(&t),
            "no Q.931 type {t} from the daemon: {rows:?}"
        );
    }
    assert!(
        rows.iter()
            .all(|r| r.get(1).map(String::as_str) == Some("1")),
        "h245Tunnelling not set everywhere: {rows:?}"
    );
    let mut sent = |filter: &str| tshark.count(&format!("{ours} && {filter}"));
    assert!(sent("h225.fastStart") >= 1, "no fastStart answer");
    assert!(
        sent("h225.connectedAddress && h225.dialledDigits == \"1000\"") >= 1,
        "no connectedAddress"
    );
    assert!(
        sent("h245.terminalCapabilitySet_element") >= 1,
        "no tunnelled TCS"
    );
    assert!(
        sent("h245.masterSlaveDetermination_element") >= 1,
        "no tunnelled MSD"
    );
    assert!(sent("h225.displayName") >= 1, "no display name");
    let from_caller = tshark.count(&format!("tcp.dstport == {cs_port} && h225.fastStart"));
    assert!(
        from_caller >= 1,
        "the caller's Setup with fast start is not decoded"
    );
}

fn terminal_a(d: &Daemon, dir: &TempDir) -> Terminal {
    let clips = solid_colour_clips(dir.path(), &[Colour::Red]);
    let mut a = start_terminal(d, &clips[0], "A", "101", Colour::Red, 440, "");
    join(d, &mut a);
    a
}

#[test]
fn fast_start_and_tunnelled_h245_with_a_sip_terminal() {
    let started = Instant::now();
    let dir = TempDir::new("h323-clips");
    // tshark judges every call signalling message on the daemon's port
    // (tunnelled H.245 and fast start OLCs are decoded inside H.225.0).
    let cs_port = ports::free_tcp_port();
    let mut tshark = Tshark::start_filter(
        &format!("tcp port {cs_port}"),
        // Q.931 over TPKT is found by Wireshark's TCP heuristics.
        &[],
    );
    let h = start_daemon_on(
        DaemonOptions::default(),
        cs_port,
        ports::free_udp_tcp_port(),
    );
    let d = &h.d;
    let mut a = terminal_a(d, &dir);
    // Registered with the gatekeeper and admitted: the ACF sends the call
    // to the daemon's call signalling address.
    let (mut ras, endpoint) = register(
        h.ras,
        SocketAddrV4::new([127, 0, 0, 1].into(), 1720),
        &["h323-a"],
    );
    let addr = admit(&mut ras, &endpoint, "h323-a", "1000");
    assert_eq!(addr, h.cs);
    let caller = Caller::dial(
        "Điểm cầu H.323",
        &["h323-a"],
        addr,
        "1000",
        Colour::Green,
        660,
        false,
    );
    judge_media(d, &mut a, &caller);
    let rec = caller.record();
    assert_eq!(
        &rec.received[..3],
        &[Kind::CallProceeding, Kind::Alerting, Kind::Connect],
        "{rec:?}"
    );
    assert!(!rec.separate_h245, "H.245 is tunnelled");
    hang_up_and_check(d, &caller);
    judge_capture(&mut tshark, cs_port);
    eprintln!("h323 fast start call: {:?}", started.elapsed());
}

#[test]
fn separate_h245_channel() {
    let started = Instant::now();
    let dir = TempDir::new("h323-clips");
    // The H.245 connection's port is the caller's, known only once it
    // dials: all of loopback's TCP is captured, and Wireshark follows the
    // h245Address of the Setup to the H.245 connection.
    let cs_port = ports::free_tcp_port();
    let mut tshark = Tshark::start_filter("tcp", &[]);
    let h = start_daemon_on(
        DaemonOptions::default(),
        cs_port,
        ports::free_udp_tcp_port(),
    );
    let (d, addr) = (&h.d, h.cs);
    let mut a = terminal_a(d, &dir);
    // A direct call by IP, without the gatekeeper.
    let caller = Caller::dial(
        "H.323 B",
        &["h323-b"],
        addr,
        "1000",
        Colour::Blue,
        880,
        true,
    );
    assert!(
        caller.wait(CALL_WAIT, |r| r.separate_h245).is_some(),
        "the daemon never opened the H.245 connection: {:?}",
        caller.record()
    );
    judge_media(d, &mut a, &caller);
    hang_up_and_check(d, &caller);

    tshark.stop();
    let ours = format!("(tcp.port == {cs_port} || h245)");
    let malformed = tshark.count(&format!("{ours} && _ws.malformed"));
    assert_eq!(malformed, 0, "malformed H.225.0 or H.245");
    // The H.245 connection is the one whose messages are not inside H.225.
    let h245_only = format!("h245 && !h225 && tcp.port != {cs_port}");
    assert!(tshark.count(&h245_only) > 0, "no H.245 connection decoded");
    let mut on_h245 = |what: &str| tshark.count(&format!("{h245_only} && {what}"));
    for what in [
        "h245.terminalCapabilitySet_element",
        "h245.terminalCapabilitySetAck_element",
        "h245.masterSlaveDetermination_element",
        "h245.masterSlaveDeterminationAck_element",
    ] {
        assert!(
            on_h245(what) >= 2,
            "{what}: not both ways on the H.245 connection"
        );
    }
    // Both TCS name H.264 by its H.241 OID.
    let oids = tshark.fields(
        &format!("{h245_only} && h245.terminalCapabilitySet_element"),
        &["h245.standardOid"],
    );
    let h264 = oids
        .iter()
        .filter(|r| r[0].split(',').any(|o| o == "0.0.8.241.0.0.1"))
        .count();
    assert!(
        h264 >= 2,
        "H.264 generic capability not in both TCS: {oids:?}"
    );
    let tunnelled = tshark.count(&format!(
        "tcp.srcport == {cs_port} && h245.terminalCapabilitySet_element"
    ));
    assert_eq!(tunnelled, 0, "H.245 tunnelled as well");
    eprintln!("h323 separate H.245 call: {:?}", started.elapsed());
}

#[test]
fn dial_out_from_the_api() {
    let started = Instant::now();
    let dir = TempDir::new("h323-clips");
    let h = start_daemon(DaemonOptions::default());
    let d = &h.d;
    let mut a = terminal_a(d, &dir);
    let caller = Caller::listen("Terminal H.323", &["h323-c"], Colour::Green, 660);
    // Registered: the room dials its alias.
    let listen = caller.listen_addr.expect("listening");
    let mut tshark = Tshark::start_filter(&format!("tcp port {}", listen.port()), &[]);
    let (_ras, _) = register(h.ras, v4(listen), &["h323-c"]);
    let r = d.api_post("/rooms/1000/dial", &serde_json::json!({ "h323": "h323-c" }));
    assert_eq!(r.status, 201, "{}", r.json());
    let v = r.json();
    assert_eq!(v["protocol"], "h323", "{v}");
    assert_eq!(v["direction"], "outbound", "{v}");
    judge_media(d, &mut a, &caller);
    // Hang-up from the API: the daemon ends H.245 (EndSessionCommand) and
    // the call (Release Complete); the caller, told first by H.245, may
    // release on its own before reading the Release Complete.
    let id = connected_h323(d)
        .and_then(|p| p["id"].as_u64())
        .expect("listed");
    let r = d.api_delete(&format!("/rooms/1000/participants/{id}"));
    assert!(r.status < 300, "{}", r.status);
    let rec = caller
        .wait(CALL_WAIT, |r| r.ended.is_some())
        .unwrap_or_else(|| panic!("no Release Complete: {:?}", caller.record()));
    assert!(matches!(rec.ended, Some((Ending::Normal, _))), "{rec:?}");
    // Counted once the daemon's call task has finished, which may be just
    // after the caller read the Release Complete.
    assert!(
        wait_until(WAIT, || d
            .metric(
                "diemcau_h323_release_complete_total",
                &[("reason", "undefinedReason"), ("direction", "sent")]
            )
            .is_some_and(|v| v >= 1.0)),
        "{}",
        d.metrics()
    );
    assert!(wait_until(WAIT, || h323_participant(d).is_none()));
    // An address nobody listens on is refused, and so is an unknown alias.
    let nobody = format!("127.0.0.1:{}", ports::free_tcp_port());
    let r = d.api_post("/rooms/1000/dial", &serde_json::json!({ "h323": nobody }));
    assert!(r.status >= 400, "{}", r.status);
    let r = d.api_post("/rooms/1000/dial", &serde_json::json!({ "h323": "nobody" }));
    assert!(r.status >= 400, "{}", r.status);

    // The daemon's Setup, as Wireshark reads it: from room 1000 with its
    // name, to the alias, fast start proposals and tunnelling.
    tshark.stop();
    let malformed = tshark.malformed();
    assert!(malformed.is_empty(), "malformed: {malformed:?}");
    let setup = format!(
        "tcp.dstport == {} && q931.message_type == 0x05",
        listen.port()
    );
    let rows = tshark.fields(
        &setup,
        &[
            "h225.h323_ID",
            "h225.dialledDigits",
            "h225.h245Tunnelling",
            "q931.display_information",
        ],
    );
    assert_eq!(
        rows.len(),
        1,
        "one Setup: {rows:?}\n{}",
        tshark.dump(&format!("tcp.port == {}", listen.port()))
    );
    let row = &rows[0];
    assert!(row[0].contains("h323-c"), "destination alias: {row:?}");
    assert!(row[1].contains("1000"), "source alias: {row:?}");
    assert_eq!(row[2], "1", "tunnelling: {row:?}");
    assert!(!row[3].is_empty(), "no Display: {row:?}");
    assert!(
        tshark.count(&format!("{setup} && h225.fastStart")) == 1,
        "no fast start in the Setup"
    );
    eprintln!("h323 dial-out: {:?}", started.elapsed());
}

/// A room with a PIN, dialled without it by a terminal that offers no fast
/// start: the caller connects into the lobby (logical channels opened by
/// tunnelled H.245), sees only the prompt and hears nothing while the room
/// neither sees nor hears it; a wrong PIN typed on the keypad keeps it
/// there, the right one lets it in with media both ways. Three wrong PINs
/// end another call with securityDenied. tshark reads the logical
/// channels and the keys.
#[test]
fn pin_typed_on_the_keypad_without_fast_start() {
    let started = Instant::now();
    let dir = TempDir::new("h323-clips");
    let cs_port = ports::free_tcp_port();
    let mut tshark = Tshark::start_filter(&format!("tcp port {cs_port}"), &[]);
    let mut opts = DaemonOptions::default();
    opts.rooms[0] = opts.rooms[0].clone().pin("4321");
    let h = start_daemon_on(opts, cs_port, ports::free_udp_tcp_port());
    let d = &h.d;
    let clips = solid_colour_clips(dir.path(), &[Colour::Red]);
    let mut a = start_terminal(d, &clips[0], "A", "101", Colour::Red, 440, "");
    join_as(d, &mut a, "1000*4321");
    let no_fast_start = DialOptions {
        separate_h245: false,
        fast_start: false,
    };
    let caller = Caller::dial_with(
        "Điểm cầu có PIN",
        &["h323-p"],
        h.cs,
        "1000",
        Colour::Green,
        660,
        no_fast_start,
    );
    caller
        .wait(CALL_WAIT, |r| r.connected && r.streams.len() == 2)
        .unwrap_or_else(|| panic!("not connected with media: {:?}", caller.record()));
    let waiting = |d: &Daemon| h323_participant(d).filter(|p| p["state"] == "awaiting_pin");
    assert!(
        wait_for(WAIT, || waiting(d)).is_some(),
        "not listed as awaiting its PIN: {}",
        room(d)
    );

    // In the lobby: the prompt only, silence; the room does not get it.
    assert!(
        wait_until(PICTURE_WAIT, || caller.media.picture().is_ok()),
        "the caller decodes no prompt picture: {:?}
{}",
        caller.media.received(),
        caller.media.logs()
    );
    std::thread::sleep(Duration::from_secs(3));
    let prompt = caller.media.picture().expect("a picture");
    assert!(
        prompt.share(a.colour) <= ABSENT,
        "the lobby shows the room: {prompt:?}"
    );
    let from_a = caller.media.hears(a.tone);
    assert!(from_a < 100.0, "the lobby hears A at {from_a:.0}");
    let seen = snapshot(&mut a, "lobby").expect("snapshot");
    assert!(
        seen.share(caller.media.colour) <= ABSENT,
        "A sees the caller in the lobby: {seen:?}"
    );
    let wav = received_audio(&a);
    let heard = tone_amplitude(&wav.last_secs(2.0), wav.rate, f64::from(caller.media.tone));
    assert!(heard < 100.0, "A hears the lobby at {heard:.0}");

    let pins = |result: &str| {
        d.metric("diemcau_h323_pin_entries_total", &[("result", result)])
            .unwrap_or(0.0)
    };
    caller.type_keys("1111#");
    assert!(wait_until(WAIT, || pins("wrong") == 1.0), "{}", d.metrics());
    assert!(waiting(d).is_some(), "{}", room(d));
    caller.type_keys("4321#");
    assert!(
        wait_until(WAIT, || pins("accepted") == 1.0),
        "{}",
        d.metrics()
    );
    judge_media(d, &mut a, &caller);
    hang_up_and_check(d, &caller);

    // Three wrong PINs: Release Complete, securityDenied, cause 21.
    let other = Caller::dial_with(
        "Sai PIN",
        &["h323-q"],
        h.cs,
        "1000",
        Colour::Blue,
        880,
        no_fast_start,
    );
    other
        .wait(CALL_WAIT, |r| r.connected)
        .unwrap_or_else(|| panic!("not connected: {:?}", other.record()));
    for keys in ["1#", "2#", "3#"] {
        other.type_keys(keys);
    }
    let rec = other
        .wait(CALL_WAIT, |r| r.ended.is_some())
        .unwrap_or_else(|| panic!("not released: {:?}", other.record()));
    // Connected, so not "rejected" for the caller: the reason says why.
    assert_eq!(
        rec.ended.and_then(|(_, reason)| reason),
        Some(ReleaseReason::SecurityDenied),
        "{rec:?}"
    );
    assert_eq!(rec.peer_cause, Some(21));
    assert_eq!(pins("refused"), 1.0, "{}", d.metrics());
    assert!(wait_until(WAIT, || h323_participant(d).is_none()));

    tshark.stop();
    let malformed = tshark.malformed();
    assert!(malformed.is_empty(), "malformed: {malformed:?}");
    let ours = format!("tcp.srcport == {cs_port}");
    let theirs = format!("tcp.dstport == {cs_port}");
    assert_eq!(
        tshark.count(&format!("{theirs} && h225.fastStart")),
        0,
        "the caller offered fast start"
    );
    assert!(
        tshark.count(&format!("{ours} && h245.openLogicalChannel_element")) >= 2,
        "the daemon opened no logical channels"
    );
    assert!(
        tshark.count(&format!("{ours} && h245.openLogicalChannelAck_element")) >= 2,
        "the daemon acknowledged no logical channels"
    );
    let keys = tshark.fields(
        &format!("{theirs} && h245.signalType"),
        &["h245.signalType"],
    );
    // Several indications in one message come comma-separated.
    let typed: String = keys.iter().flat_map(|r| r[0].split(',')).collect();
    assert!(typed.contains("4321#"), "keys on the wire: {typed:?}");
    eprintln!("h323 PIN by keypad: {:?}", started.elapsed());
}

fn refused(d: &Daemon, addr: SocketAddr, dest: &str) -> CallRecord {
    let caller = Caller::dial("X", &["h323-x"], addr, dest, Colour::Green, 660, false);
    let rec = caller
        .wait(CALL_WAIT, |r| r.ended.is_some())
        .unwrap_or_else(|| panic!("{dest}: not released: {:?}", caller.record()));
    assert!(h323_participant(d).is_none(), "{}", room(d));
    rec
}

#[test]
fn refusals_and_bad_input() {
    let h = start_daemon(
        DaemonOptions::default().room(diemcau_e2e::Room::new("2000", "Có PIN").pin("4321")),
    );
    let (d, addr) = (&h.d, h.cs);
    let mut tshark = Tshark::start_filter(&format!("tcp port {}", addr.port()), &[]);
    // Unknown room: unreachableDestination, cause 1 (unallocated number).
    let rec = refused(d, addr, "9999");
    assert_eq!(rec.received, [Kind::ReleaseComplete], "{rec:?}");
    assert_eq!(
        rec.ended,
        Some((
            Ending::Rejected,
            Some(ReleaseReason::UnreachableDestination)
        ))
    );
    assert_eq!(rec.peer_cause, Some(1));
    // Wrong PIN: securityDenied, cause 21.
    let rec = refused(d, addr, "2000*1111");
    assert_eq!(
        rec.ended,
        Some((Ending::Rejected, Some(ReleaseReason::SecurityDenied)))
    );
    assert_eq!(rec.peer_cause, Some(21));
    assert!(
        wait_until(WAIT, || d.metric(
            "diemcau_h323_release_complete_total",
            &[("reason", "unreachableDestination"), ("direction", "sent")]
        ) == Some(1.0)),
        "{}",
        d.metrics()
    );

    // Garbage that is not TPKT: the daemon closes the connection.
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(5))).ok();
    s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").ok();
    let mut buf = [0u8; 256];
    assert!(
        matches!(s.read(&mut buf), Ok(0) | Err(_)),
        "still open after garbage"
    );
    // TPKT around malformed Q.931/PER: Release Complete, then close.
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(5))).ok();
    let bad = [
        0x08, 0x02, 0x00, 0x01, 0x05, 0x7e, 0x00, 0x04, 0x05, 0xff, 0xff, 0xff,
    ];
    s.write_all(&tpkt::encode(&bad).unwrap()).ok();
    let mut got = Vec::new();
    let _ = s.read_to_end(&mut got);
    let mut dec = tpkt::Decoder::new(65_535);
    dec.push(&got);
    let answer = dec.next_packet().ok().flatten().expect("an answer");
    let rc = wire::decode(&answer).expect("decodable");
    assert_eq!(rc.kind(), Kind::ReleaseComplete);
    assert_eq!(rc.cause, Some(95), "invalid message");

    // And a good call still goes through.
    let caller = Caller::dial("Y", &["h323-y"], addr, "1000", Colour::Green, 660, false);
    assert!(
        caller.wait(CALL_WAIT, |r| r.connected).is_some(),
        "{:?}",
        caller.record()
    );
    assert!(
        wait_until(WAIT, || connected_h323(d).is_some()),
        "{}",
        room(d)
    );

    // Status Enquiry on a connected call: Status, cause 30 (response to
    // STATUS ENQUIRY), call state 10 (active), as Wireshark reads it too.
    let mut raw = RawCall::dial(addr, "1000");
    raw.wait_for(Kind::Connect);
    raw.send(Kind::StatusInquiry);
    let status = raw.wait_for(Kind::Status);
    assert_eq!((status.cause, status.call_state), (Some(30), Some(10)));
    assert_eq!(status.call_identifier, Some(raw.call_id));
    drop(raw);
    tshark.stop();
    let rows = tshark.fields(
        &format!(
            "tcp.srcport == {} && q931.message_type == 0x7d",
            addr.port()
        ),
        &["q931.cause_value", "q931.call_state", "h225.status_element"],
    );
    assert_eq!(rows.len(), 1, "{}", tshark.dump("q931"));
    // tshark prints the call state in hex.
    assert_eq!(rows[0][..2], ["30", "0x0a"], "{rows:?}");
    assert!(!rows[0][2].is_empty(), "no Status UUIE: {rows:?}");
}

/// A call made message by message over raw TCP, for what the [`Caller`]
/// does not send: Setup without fast start, then whatever the test asks.
struct RawCall {
    stream: TcpStream,
    decoder: tpkt::Decoder,
    call_id: [u8; 16],
}

impl RawCall {
    const CRV: u16 = 0x0bad;

    fn dial(addr: SocketAddr, room: &str) -> RawCall {
        let stream = TcpStream::connect(addr).expect("connect");
        stream.set_read_timeout(Some(CALL_WAIT)).ok();
        let call_id: [u8; 16] = *b"raw-call-status!";
        let mut call = RawCall {
            stream,
            decoder: tpkt::Decoder::new(65_535),
            call_id,
        };
        let mut setup = call.signal(Kind::Setup);
        setup.destination = vec![Alias::from_text(room)];
        setup.source = vec![Alias::from_text("h323-raw")];
        setup.called_number = Some(room.into());
        setup.conference_id = Some(call_id);
        call.write(&setup);
        call
    }

    fn signal(&self, kind: Kind) -> Signal {
        let mut s = Signal::new(kind, Self::CRV, false);
        s.call_identifier = Some(self.call_id);
        s.tunnelling = true;
        s
    }

    fn send(&mut self, kind: Kind) {
        let s = self.signal(kind);
        self.write(&s);
    }

    fn write(&mut self, s: &Signal) {
        let q931 = wire::encode(s).expect("encodes");
        let bytes = tpkt::encode(&q931).expect("TPKT");
        self.stream
            .write_all(&bytes)
            .expect("sending to the daemon");
    }

    /// Reads messages until one of `kind` (others, such as tunnelled H.245
    /// in Facility, pass by).
    fn wait_for(&mut self, kind: Kind) -> Signal {
        let deadline = Instant::now() + CALL_WAIT;
        let mut buf = [0u8; 4096];
        while Instant::now() < deadline {
            while let Ok(Some(packet)) = self.decoder.next_packet() {
                let s = wire::decode(&packet).expect("decodable");
                if s.kind() == kind {
                    return s;
                }
                assert_ne!(s.kind(), Kind::ReleaseComplete, "released: {s:?}");
            }
            match self.stream.read(&mut buf) {
                Ok(0) => panic!("the daemon closed the call waiting for {kind:?}"),
                Ok(n) => self.decoder.push(&buf[..n]),
                Err(e) => panic!("waiting for {kind:?}: {e}"),
            }
        }
        panic!("no {kind:?} within {CALL_WAIT:?}")
    }
}
