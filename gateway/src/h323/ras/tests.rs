use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::path::Path;
use std::time::{Duration, Instant};

use super::build::{self, CallRef};
use super::*;

const CONFIG: &str = r#"
[server]
sip_domain = "example.test"
[http]
admin_token = "t"
[h323]
enabled = true
call_signalling_listen = "127.0.0.1:11720"
gatekeeper_id = "gk-test"
time_to_live_secs = 60
[[rooms]]
number = "1000"
name = "Room"
aliases = ["boardroom"]
[[terminals]]
username = "201"
password = "x"
display_name = "Cần Thơ"
protocol = "h323"
aliases = ["cantho.room", "2010"]
[[terminals]]
username = "202"
password = "x"
protocol = "h323"
aliases = ["hue.room"]
[[terminals]]
username = "101"
password = "x"
protocol = "sip"
"#;

const RAS: SocketAddrV4 = SocketAddrV4::new(Ipv4Addr::LOCALHOST, 11719);
const CS: SocketAddrV4 = SocketAddrV4::new(Ipv4Addr::LOCALHOST, 11720);

fn gk() -> Gatekeeper {
    let cfg = Config::from_str(CONFIG, Path::new("t.toml")).expect("config");
    Gatekeeper::new(GatekeeperConfig::from_config(&cfg, Ipv4Addr::LOCALHOST))
}

fn term(port: u16) -> SocketAddrV4 {
    SocketAddrV4::new(Ipv4Addr::new(127, 0, 0, 2), port)
}

fn send(
    gk: &mut Gatekeeper,
    m: &RasMessage,
    from: SocketAddrV4,
    now: Instant,
) -> (Outcome, RasMessage) {
    let bytes = rasn::aper::encode(m).expect("encodes");
    let out = gk.handle(&bytes, SocketAddr::V4(from), RAS, now);
    let reply = rasn::aper::decode(out.reply.as_deref().expect("an answer")).expect("decodes");
    (out, reply)
}

fn register(
    gk: &mut Gatekeeper,
    aliases: &[&str],
    port: u16,
    now: Instant,
) -> (Outcome, RasMessage) {
    let m = build::rrq(
        7,
        term(port),
        term(port + 1),
        aliases.iter().map(|a| build::alias(a)).collect(),
        None,
        None,
    );
    send(gk, &m, term(port + 1), now)
}

fn endpoint_of(m: &RasMessage) -> String {
    let RasMessage::RegistrationConfirm(rcf) = m else {
        panic!("not an RCF: {m:?}")
    };
    bmp_text(&rcf.endpoint_identifier.0)
}

const CALL: CallRef = CallRef {
    call_reference_value: 5,
    conference_id: [1; 16],
    call_identifier: [2; 16],
};

#[test]
fn grq_gets_gcf_with_our_id_and_sequence_number() {
    let mut gk = gk();
    let now = Instant::now();
    let (out, reply) = send(
        &mut gk,
        &build::grq(42, term(5001), vec![build::alias("cantho.room")]),
        term(5001),
        now,
    );
    assert_eq!(
        (out.received, out.answered),
        ("gatekeeperRequest", Some("gatekeeperConfirm"))
    );
    let RasMessage::GatekeeperConfirm(gcf) = reply else {
        panic!()
    };
    assert_eq!(gcf.request_seq_num, RequestSeqNum(42));
    assert_eq!(
        gcf.gatekeeper_identifier.map(|g| bmp_text(&g.0)).as_deref(),
        Some("gk-test")
    );
    assert_eq!(build::socket_addr(&gcf.ras_address), Some(RAS));
    // Unknown alias: GRJ terminalExcluded.
    let (out, reply) = send(
        &mut gk,
        &build::grq(43, term(5001), vec![build::alias("stranger")]),
        term(5001),
        now,
    );
    assert_eq!(out.reject_reason, Some("terminalExcluded"));
    assert!(
        matches!(reply, RasMessage::GatekeeperReject(r) if r.request_seq_num == RequestSeqNum(43))
    );
}

#[test]
fn rrq_for_known_terminal_unknown_alias_and_conflicts() {
    let mut gk = gk();
    let now = Instant::now();
    let (out, reply) = register(&mut gk, &["cantho.room", "2010"], 6000, now);
    assert_eq!(out.answered, Some("registrationConfirm"));
    let RasMessage::RegistrationConfirm(rcf) = &reply else {
        panic!()
    };
    assert_eq!(rcf.request_seq_num, RequestSeqNum(7));
    assert_eq!(build::socket_addr(&rcf.call_signal_address[0]), Some(CS));
    assert_eq!(rcf.time_to_live, Some(TimeToLive(60)));
    let aliases: Vec<_> = rcf
        .terminal_alias
        .iter()
        .flatten()
        .filter_map(build::alias_text)
        .collect();
    assert_eq!(aliases, ["cantho.room", "2010"]);
    assert!(matches!(
        &rcf.terminal_alias.as_ref().unwrap()[1],
        AliasAddress::DialledDigits(_)
    ));
    assert_eq!(gk.registrations().len(), 1);
    let views = gk.views(now);
    assert_eq!(
        (
            views[0].protocol,
            views[0].username.as_str(),
            views[0].display_name.as_str()
        ),
        ("h323", "201", "Cần Thơ")
    );

    let (out, _) = register(&mut gk, &["stranger"], 6100, now);
    assert_eq!(out.reject_reason, Some("securityDenial"));
    // A SIP terminal's username is not an H.323 alias.
    let (out, _) = register(&mut gk, &["101"], 6100, now);
    assert_eq!(out.reject_reason, Some("securityDenial"));
    // Aliases of two terminals at once.
    let (out, _) = register(&mut gk, &["cantho.room", "hue.room"], 6100, now);
    assert_eq!(out.reject_reason, Some("invalidAlias"));
    // The same terminal from another address: its aliases are taken.
    let (out, reply) = register(&mut gk, &["2010"], 6200, now);
    assert_eq!(out.reject_reason, Some("duplicateAlias"));
    let RasMessage::RegistrationReject(rrj) = reply else {
        panic!()
    };
    assert!(
        matches!(rrj.reject_reason, RegistrationRejectReason::DuplicateAlias(a) if a.len() == 2)
    );
    // Another terminal on the first one's call-signalling address.
    let (out, _) = register(&mut gk, &["hue.room"], 6000, now);
    assert_eq!(out.reject_reason, Some("invalidCallSignalAddress"));
    // Re-registering from the same address keeps the endpoint identifier.
    let first = endpoint_of(&register(&mut gk, &["201"], 6000, now).1);
    assert_eq!(first, endpoint_of(&reply_of_first(&mut gk, now)));
    assert_eq!(gk.registrations().len(), 1);
}

fn reply_of_first(gk: &mut Gatekeeper, now: Instant) -> RasMessage {
    register(gk, &["cantho.room"], 6000, now).1
}

#[test]
fn keep_alive_refreshes_and_expiry_drops() {
    let mut gk = gk();
    let t0 = Instant::now();
    let id = endpoint_of(&register(&mut gk, &["hue.room"], 7000, t0).1);
    let t1 = t0 + Duration::from_secs(50);
    let keep = build::rrq(8, term(7000), term(7001), vec![], Some(30), Some(&id));
    let (out, reply) = send(&mut gk, &keep, term(7001), t1);
    assert_eq!(out.answered, Some("registrationConfirm"));
    let RasMessage::RegistrationConfirm(rcf) = reply else {
        panic!()
    };
    assert_eq!(rcf.time_to_live, Some(TimeToLive(30)));
    assert_eq!(bmp_text(&rcf.endpoint_identifier.0), id);
    // Without the refresh it would be gone at t0 + 60 s; now at t1 + 30 s.
    assert!(gk.expire(t0 + Duration::from_secs(61)).is_empty());
    assert_eq!(gk.expire(t1 + Duration::from_secs(31)), ["202"]);
    // A keep-alive for an expired or unknown endpoint needs a full RRQ.
    let (out, _) = send(&mut gk, &keep, term(7001), t1 + Duration::from_secs(32));
    assert_eq!(out.reject_reason, Some("fullRegistrationRequired"));
}

#[test]
fn arq_routes_rooms_to_us_and_terminals_to_them() {
    let mut gk = gk();
    let now = Instant::now();
    let caller = endpoint_of(&register(&mut gk, &["cantho.room"], 8000, now).1);
    let src = vec![build::alias("cantho.room")];
    for dest in ["1000", "boardroom", "BoardRoom"] {
        let m = build::arq(
            9,
            &caller,
            CALL,
            src.clone(),
            vec![build::alias(dest)],
            None,
            7680,
            false,
        );
        let (out, reply) = send(&mut gk, &m, term(8001), now);
        assert_eq!(out.answered, Some("admissionConfirm"), "{dest}");
        let RasMessage::AdmissionConfirm(acf) = reply else {
            panic!()
        };
        assert_eq!(acf.request_seq_num, RequestSeqNum(9));
        assert_eq!(build::socket_addr(&acf.dest_call_signal_address), Some(CS));
        assert_eq!(acf.band_width, 7680);
    }
    // A registered terminal's alias: its own address.
    endpoint_of(&register(&mut gk, &["hue.room"], 8100, now).1);
    let m = build::arq(
        10,
        &caller,
        CALL,
        src.clone(),
        vec![build::alias("hue.room")],
        None,
        7680,
        false,
    );
    let (_, reply) = send(&mut gk, &m, term(8001), now);
    let RasMessage::AdmissionConfirm(acf) = reply else {
        panic!()
    };
    assert_eq!(
        build::socket_addr(&acf.dest_call_signal_address),
        Some(term(8100))
    );
    assert_eq!(acf.call_model, CallModel::Direct(()));
    // Nobody by that name; a caller that is not registered.
    let m = build::arq(
        11,
        &caller,
        CALL,
        src.clone(),
        vec![build::alias("9999")],
        None,
        7680,
        false,
    );
    assert_eq!(
        send(&mut gk, &m, term(8001), now).0.reject_reason,
        Some("calledPartyNotRegistered")
    );
    let m = build::arq(
        12,
        "nobody",
        CALL,
        src,
        vec![build::alias("1000")],
        None,
        7680,
        false,
    );
    assert_eq!(
        send(&mut gk, &m, term(8001), now).0.reject_reason,
        Some("callerNotRegistered")
    );
}

#[test]
fn drq_brq_lrq_irq_urq() {
    let mut gk = gk();
    let now = Instant::now();
    let id = endpoint_of(&register(&mut gk, &["cantho.room"], 9000, now).1);
    let (out, reply) = send(&mut gk, &build::drq(20, &id, CALL, false), term(9001), now);
    assert_eq!(out.answered, Some("disengageConfirm"));
    assert!(
        matches!(reply, RasMessage::DisengageConfirm(d) if d.request_seq_num == RequestSeqNum(20))
    );
    assert_eq!(
        send(
            &mut gk,
            &build::drq(21, "nobody", CALL, false),
            term(9001),
            now
        )
        .0
        .reject_reason,
        Some("notRegistered")
    );
    let (_, reply) = send(
        &mut gk,
        &build::brq(22, &id, CALL, 1_000_000),
        term(9001),
        now,
    );
    assert!(matches!(reply, RasMessage::BandwidthConfirm(b) if b.band_width == 80_000));
    let (out, reply) = send(
        &mut gk,
        &build::lrq(23, vec![build::alias("1000")], term(9001)),
        term(9001),
        now,
    );
    assert_eq!(out.answered, Some("locationConfirm"));
    let RasMessage::LocationConfirm(lcf) = reply else {
        panic!()
    };
    assert_eq!(build::socket_addr(&lcf.call_signal_address), Some(CS));
    assert_eq!(build::socket_addr(&lcf.ras_address), Some(RAS));
    assert_eq!(
        send(
            &mut gk,
            &build::lrq(24, vec![build::alias("hue.room")], term(9001)),
            term(9001),
            now
        )
        .0
        .reject_reason,
        Some("notRegistered")
    );
    assert_eq!(
        send(
            &mut gk,
            &build::lrq(25, vec![build::alias("x")], term(9001)),
            term(9001),
            now
        )
        .0
        .reject_reason,
        Some("requestDenied")
    );
    let (out, reply) = send(&mut gk, &build::irq(26, 0, None), term(9001), now);
    assert_eq!(out.answered, Some("infoRequestResponse"));
    assert!(
        matches!(reply, RasMessage::InfoRequestResponse(r) if r.request_seq_num == RequestSeqNum(26))
    );
    let (out, _) = send(
        &mut gk,
        &build::urq(27, term(9000), Some(&id)),
        term(9001),
        now,
    );
    assert_eq!(out.answered, Some("unregistrationConfirm"));
    assert!(gk.registrations().is_empty());
    assert_eq!(
        send(
            &mut gk,
            &build::urq(28, term(9000), Some(&id)),
            term(9001),
            now
        )
        .0
        .reject_reason,
        Some("notCurrentlyRegistered")
    );
}

#[test]
fn confirms_sent_to_us_get_xrs_and_garbage_is_dropped() {
    let mut gk = gk();
    let now = Instant::now();
    let stray = build::ucf(RequestSeqNum(30));
    let (out, reply) = send(&mut gk, &stray, term(9100), now);
    assert_eq!(out.answered, Some("unknownMessageResponse"));
    assert!(
        matches!(reply, RasMessage::UnknownMessageResponse(x) if x.request_seq_num == RequestSeqNum(30))
    );
    for garbage in [&[][..], &[0xff; 3], b"REGISTER sip:x SIP/2.0\r\n"] {
        let out = gk.handle(garbage, SocketAddr::V4(term(9100)), RAS, now);
        assert_eq!((out.received, out.reply), ("malformed", None));
    }
}

#[test]
fn real_tandberg_keep_alive_is_answered_without_a_registration() {
    // The Tandberg's lightweight RRQ (nDPI capture, see testdata): we do not
    // know its endpoint identifier, so it must register fully.
    let mut gk = gk();
    let out = gk.handle(
        &crate::h323::testdata::bytes(crate::h323::testdata::TANDBERG_RRQ_71),
        SocketAddr::V4(term(1719)),
        RAS,
        Instant::now(),
    );
    assert_eq!(out.reject_reason, Some("fullRegistrationRequired"));
}

/// Seeded mutations of the real captured messages (see testdata) through
/// every decoder and the gatekeeper: errors are fine, panics are not.
#[test]
fn mutated_real_messages_never_panic() {
    use crate::h323::testdata as td;
    let ras = [
        td::GCF_60,
        td::RRQ_61,
        td::RCF_62,
        td::ARQ_63,
        td::ACF_64,
        td::IRQ_67,
        td::DRQ_69,
        td::TANDBERG_RRQ_71,
        td::VCS_RCF_72,
    ];
    let cs = [
        td::SETUP_6_TPKT,
        td::CALL_PROCEEDING_10_TPKT,
        td::CONNECT_18_TPKT,
        td::SETUP_47_TPKT,
        td::RELEASE_COMPLETE_66_TPKT,
    ];
    // Our own answers too: what a peer might echo back, damaged.
    let mut gk = gk();
    let now = Instant::now();
    let (_, rcf) = register(&mut gk, &["cantho.room"], 6000, now);
    let ours = rasn::aper::encode(&rcf).expect("encodes");
    let mut inputs: Vec<Vec<u8>> = ras.iter().map(|h| td::bytes(h)).collect();
    inputs.push(ours);
    let mut q931: Vec<Vec<u8>> = cs.iter().map(|h| td::bytes(h)[4..].to_vec()).collect();
    q931.push(td::bytes(td::ALERTING_50_Q931));
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut mutate = |input: &[u8]| -> Vec<u8> {
        let mut m = input.to_vec();
        for _ in 0..=(next() % 4) {
            let len = m.len().max(1) as u64;
            let at = (next() % len) as usize;
            match next() % 5 {
                0 if !m.is_empty() => m[at] ^= 1 << (next() % 8),
                1 if !m.is_empty() => m[at] = next() as u8,
                2 => m.truncate(at),
                3 => m.insert(at.min(m.len()), next() as u8),
                _ if !m.is_empty() => {
                    m.remove(at.min(m.len() - 1));
                }
                _ => {}
            }
        }
        m
    };
    let local = RAS;
    for round in 0..1000 {
        for input in &inputs {
            let m = mutate(input);
            let _ = rasn::aper::decode::<RasMessage>(&m);
            let _ = gk.handle(
                &m,
                SocketAddr::V4(term(6001)),
                local,
                now + Duration::from_millis(round),
            );
        }
        for input in &q931 {
            let m = mutate(input);
            if let Ok(msg) = crate::h323::q931::Message::parse(&m) {
                let _ = msg.build();
                if let Some(uu) = msg.user_user() {
                    let _ = rasn::aper::decode::<H323UserInformation>(uu);
                }
            }
            let uu = td::user_user(input);
            let _ = rasn::aper::decode::<H323UserInformation>(&mutate(&uu));
        }
    }
}
