//! State machines driven through their timers with a fake clock.

use std::time::{Duration, Instant};

use super::*;
use crate::sip::transport::{ConnId, TransportKind};

const T1: Duration = Duration::from_millis(500);
const T2: Duration = Duration::from_secs(4);
const T4: Duration = Duration::from_secs(5);

fn layer() -> TransactionLayer {
    TransactionLayer::new(TimerConfig::default())
}

fn peer(transport: TransportKind, addr: &str) -> Peer {
    Peer {
        transport,
        addr: addr.parse().expect("test address"),
        conn: Some(ConnId(3)),
    }
}

fn udp() -> Peer {
    peer(TransportKind::Udp, "192.0.2.10:5062")
}

fn tcp() -> Peer {
    peer(TransportKind::Tcp, "192.0.2.10:40000")
}

fn request(method: &str, branch: &str, cseq: u32, transport: &str, extra: &str) -> rsip::Request {
    let text = format!(
        "{method} sip:1000@gw.example.com SIP/2.0\r\n\
         Via: SIP/2.0/{transport} 192.0.2.10:5062;branch={branch};rport\r\n\
         Max-Forwards: 70\r\n\
         From: <sip:101@example.com>;tag=from1\r\n\
         To: <sip:1000@gw.example.com>\r\n\
         Call-ID: call-1@192.0.2.10\r\n\
         CSeq: {cseq} {method}\r\n\
         {extra}\
         Content-Length: 0\r\n\r\n"
    );
    match message::parse(text.as_bytes()) {
        Ok(rsip::SipMessage::Request(r)) => r,
        other => panic!("test request: {other:?}"),
    }
}

fn invite(branch: &str) -> rsip::Request {
    request("INVITE", branch, 1, "UDP", "")
}

/// An incoming request as the endpoint hands it over (stamped).
fn incoming(mut req: rsip::Request, from: Peer) -> rsip::SipMessage {
    message::stamp_received(&mut req, from.addr).expect("stamp");
    rsip::SipMessage::Request(req)
}

fn response(req: &rsip::Request, code: u16, tag: Option<&str>) -> rsip::Response {
    message::response(req, code, None, tag)
}

fn sent(events: &[Event]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Transmit { data, .. } => Some(String::from_utf8_lossy(data).into_owned()),
            _ => None,
        })
        .collect()
}

fn status_line(wire: &str) -> &str {
    wire.lines().next().unwrap_or("")
}

fn server_key(events: &[Event]) -> TransactionKey {
    events
        .iter()
        .find_map(|e| match e {
            Event::Request { key, .. } => Some(key.clone()),
            _ => None,
        })
        .expect("a Request event")
}

/// Run every timer up to `until`, returning (time since `t0`, events).
fn run_until(l: &mut TransactionLayer, t0: Instant, until: Duration) -> Vec<(Duration, Event)> {
    let mut out = Vec::new();
    while let Some(at) = l.next_deadline() {
        if at > t0 + until {
            break;
        }
        for e in l.on_timer(at) {
            out.push((at - t0, e));
        }
    }
    out
}

fn transmit_times(events: &[(Duration, Event)]) -> Vec<Duration> {
    events
        .iter()
        .filter(|(_, e)| matches!(e, Event::Transmit { .. }))
        .map(|(t, _)| *t)
        .collect()
}

fn ms(v: &[u64]) -> Vec<Duration> {
    v.iter().map(|&m| Duration::from_millis(m)).collect()
}

// ---------------------------------------------------------------------------
// Server INVITE

#[test]
fn server_invite_sends_trying_and_absorbs_retransmissions() {
    let mut l = layer();
    let t0 = Instant::now();
    let inv = invite("z9hG4bKinv1");
    let ev = l.on_message(incoming(inv.clone(), udp()), udp(), t0);
    assert_eq!(ev.len(), 2, "{ev:?}");
    let Event::Transmit { to, data } = &ev[0] else {
        panic!("100 Trying first: {ev:?}")
    };
    assert!(data.starts_with(b"SIP/2.0 100 Trying\r\n"));
    assert_eq!(*to, udp(), "rport: back to the source port");
    let key = server_key(&ev);
    assert!(key.is_server() && key.method() == "INVITE");
    let Event::Request { cancels, from, .. } = &ev[1] else {
        unreachable!()
    };
    assert_eq!((cancels.clone(), *from), (None, udp()));

    // Retransmission in Proceeding: the 100 again, no new Request.
    let ev = l.on_message(incoming(inv.clone(), udp()), udp(), t0 + T1);
    assert_eq!(sent(&ev).len(), 1);
    assert!(status_line(&sent(&ev)[0]).starts_with("SIP/2.0 100"));
    let ev = l
        .respond(&key, response(&inv, 180, Some("srv")), t0 + T1)
        .unwrap();
    assert_eq!(status_line(&sent(&ev)[0]), "SIP/2.0 180 Ringing");
    let ev = l.on_message(incoming(inv, udp()), udp(), t0 + 2 * T1);
    assert_eq!(
        status_line(&sent(&ev)[0]),
        "SIP/2.0 180 Ringing",
        "the last provisional"
    );
    assert_eq!(l.len(), 1);
}

#[test]
fn server_invite_non_2xx_retransmits_on_timer_g_until_timer_h() {
    let mut l = layer();
    let t0 = Instant::now();
    let inv = invite("z9hG4bKinv2");
    let key = server_key(&l.on_message(incoming(inv.clone(), udp()), udp(), t0));
    let ev = l
        .respond(&key, response(&inv, 486, Some("srv")), t0)
        .unwrap();
    assert_eq!(status_line(&sent(&ev)[0]), "SIP/2.0 486 Busy Here");
    // A copy of the INVITE in Completed gets the final again.
    let ev = l.on_message(
        incoming(inv.clone(), udp()),
        udp(),
        t0 + Duration::from_millis(100),
    );
    assert_eq!(status_line(&sent(&ev)[0]), "SIP/2.0 486 Busy Here");
    assert!(l
        .respond(&key, response(&inv, 200, Some("srv")), t0)
        .is_err());

    let fired = run_until(&mut l, t0, Duration::from_secs(40));
    // Timer G: T1 doubling, capped at T2, until Timer H at 64*T1.
    assert_eq!(
        transmit_times(&fired),
        ms(&[500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500])
    );
    assert!(fired
        .iter()
        .all(|(_, e)| matches!(e, Event::Transmit { .. })));
    assert_eq!(l.len(), 0, "Timer H ends the transaction");
}

#[test]
fn server_invite_ack_for_non_2xx_is_absorbed() {
    let mut l = layer();
    let t0 = Instant::now();
    let inv = invite("z9hG4bKinv3");
    let key = server_key(&l.on_message(incoming(inv.clone(), udp()), udp(), t0));
    l.respond(&key, response(&inv, 404, Some("srv")), t0)
        .unwrap();
    let fired = run_until(&mut l, t0, Duration::from_millis(600));
    assert_eq!(transmit_times(&fired), ms(&[500]));

    let mut ack = request("ACK", "z9hG4bKinv3", 1, "UDP", "");
    message::set_header(&mut ack, "To", "<sip:1000@gw.example.com>;tag=srv");
    let ev = l.on_message(
        incoming(ack.clone(), udp()),
        udp(),
        t0 + Duration::from_secs(1),
    );
    assert!(ev.is_empty(), "absorbed, not passed up: {ev:?}");
    let ev = l.on_message(incoming(ack, udp()), udp(), t0 + Duration::from_secs(2));
    assert!(ev.is_empty(), "copies absorbed in Confirmed: {ev:?}");
    // No more 404s; Timer I (T4) ends the transaction.
    let fired = run_until(
        &mut l,
        t0,
        Duration::from_secs(1) + T4 - Duration::from_millis(1),
    );
    assert!(transmit_times(&fired).is_empty());
    assert_eq!(l.len(), 1);
    let fired = run_until(&mut l, t0, Duration::from_secs(1) + T4);
    assert!(fired.is_empty());
    assert_eq!(l.len(), 0);
}

#[test]
fn server_invite_2xx_is_retransmitted_until_the_ack() {
    let mut l = layer();
    let t0 = Instant::now();
    let inv = invite("z9hG4bKinv4");
    let key = server_key(&l.on_message(incoming(inv.clone(), udp()), udp(), t0));
    let ev = l
        .respond(&key, response(&inv, 200, Some("srv")), t0)
        .unwrap();
    assert_eq!(status_line(&sent(&ev)[0]), "SIP/2.0 200 OK");
    let fired = run_until(&mut l, t0, Duration::from_secs(5));
    assert_eq!(transmit_times(&fired), ms(&[500, 1500, 3500]));
    for (_, e) in &fired {
        let Event::Transmit { data, to } = e else {
            panic!("{e:?}")
        };
        assert!(data.starts_with(b"SIP/2.0 200 OK\r\n"));
        assert_eq!(*to, udp());
    }
    // INVITE copies in Accepted are absorbed: no Request, no response.
    let ev = l.on_message(incoming(inv, udp()), udp(), t0 + Duration::from_secs(5));
    assert!(ev.is_empty(), "{ev:?}");

    // The ACK for a 2xx has its own branch; it still stops the 2xx.
    let mut ack = request("ACK", "z9hG4bKack4", 1, "UDP", "");
    message::set_header(&mut ack, "To", "<sip:1000@gw.example.com>;tag=srv");
    let ev = l.on_message(incoming(ack, udp()), udp(), t0 + Duration::from_secs(6));
    assert_eq!(ev.len(), 1);
    assert!(
        matches!(&ev[0], Event::Ack { request, from } if request.method == rsip::Method::Ack && *from == udp())
    );
    let fired = run_until(&mut l, t0, Duration::from_secs(40));
    assert!(
        fired.is_empty(),
        "no retransmission, no AckTimeout: {fired:?}"
    );
    assert_eq!(l.len(), 0, "Timer L ends the transaction");
}

#[test]
fn server_invite_without_ack_reports_ack_timeout() {
    let mut l = layer();
    let t0 = Instant::now();
    let inv = invite("z9hG4bKinv5");
    let key = server_key(&l.on_message(incoming(inv.clone(), udp()), udp(), t0));
    l.respond(&key, response(&inv, 200, Some("srv")), t0)
        .unwrap();
    let fired = run_until(&mut l, t0, Duration::from_secs(40));
    assert_eq!(
        transmit_times(&fired),
        ms(&[500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500])
    );
    let timeouts: Vec<_> = fired
        .iter()
        .filter_map(|(t, e)| match e {
            Event::AckTimeout { key: k, call_id } => Some((*t, k.clone(), call_id.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(
        timeouts,
        vec![(T1 * 64, key, "call-1@192.0.2.10".to_string())]
    );
    assert_eq!(l.len(), 0);
}

#[test]
fn ack_matching_no_transaction_goes_to_the_dialog_layer() {
    let mut l = layer();
    let ack = request("ACK", "z9hG4bKlate", 9, "UDP", "");
    let ev = l.on_message(incoming(ack, udp()), udp(), Instant::now());
    assert!(matches!(ev.as_slice(), [Event::Ack { .. }]), "{ev:?}");
    assert_eq!(l.len(), 0);
}

#[test]
fn cancel_is_matched_to_its_invite() {
    let mut l = layer();
    let t0 = Instant::now();
    let inv = invite("z9hG4bKinv6");
    let invite_key = server_key(&l.on_message(incoming(inv.clone(), udp()), udp(), t0));
    let cancel = request("CANCEL", "z9hG4bKinv6", 1, "UDP", "");
    let ev = l.on_message(incoming(cancel.clone(), udp()), udp(), t0 + T1);
    let [Event::Request {
        key: cancel_key,
        cancels,
        request: got,
        ..
    }] = ev.as_slice()
    else {
        panic!("{ev:?}")
    };
    assert_eq!(got.method, rsip::Method::Cancel);
    assert_eq!(cancels.as_ref(), Some(&invite_key));
    assert_ne!(cancel_key, &invite_key);
    let ev = l
        .respond(cancel_key, response(&cancel, 200, Some("srv")), t0 + T1)
        .unwrap();
    assert!(status_line(&sent(&ev)[0]).starts_with("SIP/2.0 200"));
    let ev = l
        .respond(&invite_key, response(&inv, 487, Some("srv")), t0 + T1)
        .unwrap();
    assert_eq!(status_line(&sent(&ev)[0]), "SIP/2.0 487 Request Terminated");
    // A copy of the CANCEL gets its 200 again.
    let ev = l.on_message(incoming(cancel, udp()), udp(), t0 + 2 * T1);
    assert!(status_line(&sent(&ev)[0]).starts_with("SIP/2.0 200"));

    // A CANCEL for an INVITE we do not have.
    let stray = request("CANCEL", "z9hG4bKnone", 1, "UDP", "");
    let ev = l.on_message(incoming(stray, udp()), udp(), t0);
    assert!(
        matches!(ev.as_slice(), [Event::Request { cancels: None, .. }]),
        "{ev:?}"
    );
}

#[test]
fn rfc2543_requests_are_matched_without_a_branch_cookie() {
    let mut l = layer();
    let t0 = Instant::now();
    let inv = invite("old1");
    let key = server_key(&l.on_message(incoming(inv.clone(), udp()), udp(), t0));
    let ev = l.on_message(incoming(inv.clone(), udp()), udp(), t0 + T1);
    assert_eq!(sent(&ev).len(), 1, "copy recognised: {ev:?}");
    let cancel = request("CANCEL", "old1", 1, "UDP", "");
    let ev = l.on_message(incoming(cancel, udp()), udp(), t0 + T1);
    assert!(
        matches!(&ev[..], [Event::Request { cancels: Some(k), .. }] if *k == key),
        "{ev:?}"
    );
    l.respond(&key, response(&inv, 603, Some("srv")), t0 + T1)
        .unwrap();
    let mut ack = request("ACK", "old1", 1, "UDP", "");
    message::set_header(&mut ack, "To", "<sip:1000@gw.example.com>;tag=srv");
    let ev = l.on_message(incoming(ack, udp()), udp(), t0 + 2 * T1);
    assert!(ev.is_empty(), "ACK absorbed: {ev:?}");
}

#[test]
fn tu_that_never_answers_an_invite_gets_a_500() {
    let mut l = layer();
    let t0 = Instant::now();
    l.on_message(incoming(invite("z9hG4bKslow"), udp()), udp(), t0);
    let fired = run_until(&mut l, t0, TU_INVITE_LIMIT);
    let wires: Vec<String> = fired
        .iter()
        .filter_map(|(_, e)| match e {
            Event::Transmit { data, .. } => Some(String::from_utf8_lossy(data).into_owned()),
            _ => None,
        })
        .collect();
    assert_eq!(
        status_line(&wires[0]),
        "SIP/2.0 500 No Answer From Application"
    );
    run_until(&mut l, t0, TU_INVITE_LIMIT + T1 * 64);
    assert_eq!(l.len(), 0);
}

// ---------------------------------------------------------------------------
// Server non-INVITE

#[test]
fn server_non_invite_resends_the_last_response() {
    let mut l = layer();
    let t0 = Instant::now();
    let opt = request("OPTIONS", "z9hG4bKopt1", 1, "UDP", "");
    let ev = l.on_message(incoming(opt.clone(), udp()), udp(), t0);
    assert!(
        matches!(ev.as_slice(), [Event::Request { .. }]),
        "no 100 for non-INVITE: {ev:?}"
    );
    let key = server_key(&ev);
    // Trying: copies absorbed silently.
    assert!(l
        .on_message(incoming(opt.clone(), udp()), udp(), t0 + T1)
        .is_empty());
    let ev = l
        .respond(&key, response(&opt, 200, Some("s")), t0 + T1)
        .unwrap();
    let first = sent(&ev)[0].clone();
    let ev = l.on_message(incoming(opt.clone(), udp()), udp(), t0 + 2 * T1);
    assert_eq!(sent(&ev), vec![first]);
    assert!(l
        .respond(&key, response(&opt, 500, Some("s")), t0 + T1)
        .is_err());
    // No retransmission of responses on its own; Timer J (64*T1) ends it.
    let fired = run_until(&mut l, t0, T1 + T1 * 64 - Duration::from_millis(1));
    assert!(fired.is_empty());
    assert_eq!(l.len(), 1);
    run_until(&mut l, t0, T1 + T1 * 64);
    assert_eq!(l.len(), 0);
    // The next copy is a new request.
    let ev = l.on_message(incoming(opt, udp()), udp(), t0 + Duration::from_secs(60));
    assert!(matches!(ev.as_slice(), [Event::Request { .. }]));
}

#[test]
fn stateless_answers_keep_no_state_and_copies_are_handled_afresh() {
    let mut l = layer();
    let t0 = Instant::now();
    let reg = request("REGISTER", "z9hG4bKreg1", 1, "UDP", "");
    let ev = l.on_message(incoming(reg.clone(), udp()), udp(), t0);
    let key = server_key(&ev);
    let ev = l
        .respond_stateless(&key, response(&reg, 401, Some("s")), t0)
        .expect("answered");
    assert_eq!(sent(&ev).len(), 1);
    assert!(status_line(&sent(&ev)[0]).starts_with("SIP/2.0 401"));
    assert_eq!(l.len(), 0);
    // A copy goes to the TU again instead of being absorbed.
    let ev = l.on_message(incoming(reg.clone(), udp()), udp(), t0 + T1);
    assert!(matches!(ev.as_slice(), [Event::Request { .. }]));
    // Provisional answers and INVITEs always keep their transaction.
    let key = server_key(&ev);
    assert!(l
        .respond_stateless(&key, response(&reg, 180, Some("s")), t0 + T1)
        .is_err());
    let inv = invite("z9hG4bKinv9");
    let ev = l.on_message(incoming(inv.clone(), udp()), udp(), t0);
    let key = server_key(&ev);
    assert!(l
        .respond_stateless(&key, response(&inv, 486, Some("s")), t0)
        .is_err());
    // Stale timers of forgotten transactions fire harmlessly.
    assert!(run_until(&mut l, t0, T1 * 64)
        .iter()
        .all(|(_, e)| !matches!(e, Event::Timeout { .. })));
}

#[test]
fn server_non_invite_provisional_then_final() {
    let mut l = layer();
    let t0 = Instant::now();
    let reg = request("REGISTER", "z9hG4bKreg1", 4, "UDP", "");
    let key = server_key(&l.on_message(incoming(reg.clone(), udp()), udp(), t0));
    l.respond(&key, response(&reg, 100, None), t0).unwrap();
    let ev = l.on_message(incoming(reg.clone(), udp()), udp(), t0 + T1);
    assert!(status_line(&sent(&ev)[0]).starts_with("SIP/2.0 100"));
    l.respond(&key, response(&reg, 401, Some("s")), t0 + T1)
        .unwrap();
    let ev = l.on_message(incoming(reg, udp()), udp(), t0 + 2 * T1);
    assert_eq!(status_line(&sent(&ev)[0]), "SIP/2.0 401 Unauthorized");
}

#[test]
fn unanswered_non_invite_is_dropped_after_64_t1() {
    let mut l = layer();
    let t0 = Instant::now();
    l.on_message(
        incoming(request("INFO", "z9hG4bKinfo", 2, "UDP", ""), udp()),
        udp(),
        t0,
    );
    let fired = run_until(&mut l, t0, T1 * 64);
    assert!(fired.is_empty());
    assert_eq!(l.len(), 0);
}

// ---------------------------------------------------------------------------
// Client INVITE

#[test]
fn client_invite_timer_a_then_timer_b_timeout() {
    let mut l = layer();
    let t0 = Instant::now();
    let (key, ev) = l.send_request(invite("z9hG4bKout1"), udp(), t0).unwrap();
    assert!(!key.is_server());
    assert_eq!(sent(&ev).len(), 1);
    assert!(sent(&ev)[0].starts_with("INVITE sip:1000@gw.example.com SIP/2.0\r\n"));
    let fired = run_until(&mut l, t0, Duration::from_secs(40));
    // Timer A doubles without a cap: 7 transmissions in all within 64*T1.
    assert_eq!(
        transmit_times(&fired),
        ms(&[500, 1500, 3500, 7500, 15500, 31500])
    );
    let timeouts: Vec<_> = fired
        .iter()
        .filter(|(_, e)| matches!(e, Event::Timeout { key: k } if *k == key))
        .map(|(t, _)| *t)
        .collect();
    assert_eq!(timeouts, vec![T1 * 64]);
    assert_eq!(l.len(), 0);
}

#[test]
fn client_invite_acks_a_487_itself() {
    let mut l = layer();
    let t0 = Instant::now();
    let inv = request(
        "INVITE",
        "z9hG4bKout2",
        7,
        "UDP",
        "Route: <sip:proxy1.example.com;lr>\r\nRoute: <sip:proxy2.example.com;lr>\r\n",
    );
    let (key, _) = l.send_request(inv.clone(), udp(), t0).unwrap();
    let ev = l.on_message(response(&inv, 100, None).into(), udp(), t0 + T1 / 2);
    assert!(
        matches!(&ev[..], [Event::Response { key: k, response }] if *k == key && response.status_code.code() == 100)
    );
    // Proceeding: Timer A stopped.
    assert!(transmit_times(&run_until(&mut l, t0, Duration::from_secs(10))).is_empty());

    let term = response(&inv, 487, Some("uas9"));
    let ev = l.on_message(term.clone().into(), udp(), t0 + Duration::from_secs(10));
    assert_eq!(ev.len(), 2, "{ev:?}");
    let ack_wire = sent(&ev)[0].clone();
    assert!(ev.iter().any(
        |e| matches!(e, Event::Response { response, .. } if response.status_code.code() == 487)
    ));
    let ack = match message::parse(ack_wire.as_bytes()) {
        Ok(rsip::SipMessage::Request(r)) => r,
        other => panic!("ACK must parse: {other:?}\n{ack_wire}"),
    };
    assert_eq!(ack.method, rsip::Method::Ack);
    assert_eq!(ack.uri, inv.uri);
    assert_eq!(message::vias(&ack), vec![message::vias(&inv)[0].clone()]);
    assert_eq!(
        message::top_via(&ack).unwrap().branch.as_deref(),
        Some("z9hG4bKout2")
    );
    assert_eq!(message::to_tag(&ack).as_deref(), Some("uas9"));
    assert_eq!(message::from_tag(&ack).as_deref(), Some("from1"));
    assert_eq!(message::call_id(&ack).unwrap(), "call-1@192.0.2.10");
    assert_eq!(message::cseq(&ack).unwrap(), (7, rsip::Method::Ack));
    assert_eq!(
        message::header_values(&ack, "Route"),
        vec!["<sip:proxy1.example.com;lr>", "<sip:proxy2.example.com;lr>"]
    );
    let ev = l.on_message(term.into(), udp(), t0 + Duration::from_secs(11));
    assert_eq!(
        sent(&ev),
        vec![ack_wire],
        "copy of the final: ACK again, nothing for the TU"
    );
    // Timer D (32 s).
    run_until(
        &mut l,
        t0,
        Duration::from_secs(10) + TIMER_D - Duration::from_millis(1),
    );
    assert_eq!(l.len(), 1);
    run_until(&mut l, t0, Duration::from_secs(10) + TIMER_D);
    assert_eq!(l.len(), 0);
}

#[test]
fn client_invite_passes_every_2xx_to_the_tu() {
    let mut l = layer();
    let t0 = Instant::now();
    let inv = invite("z9hG4bKout3");
    let (key, _) = l.send_request(inv.clone(), udp(), t0).unwrap();
    let ok = response(&inv, 200, Some("uas1"));
    for i in 0..3 {
        let ev = l.on_message(ok.clone().into(), udp(), t0 + T1 * i);
        assert!(
            matches!(&ev[..], [Event::Response { key: k, .. }] if *k == key),
            "{ev:?}"
        );
    }
    // A fork's 2xx with another tag too; Timer A is off.
    let ev = l.on_message(response(&inv, 200, Some("uas2")).into(), udp(), t0 + T1 * 4);
    assert_eq!(ev.len(), 1);
    let fired = run_until(&mut l, t0, T1 * 64 + T1);
    assert!(transmit_times(&fired).is_empty());
    assert!(fired.is_empty(), "Timer M ends it quietly: {fired:?}");
    assert_eq!(l.len(), 0);
    // After Timer M a 2xx copy is stray.
    let ev = l.on_message(ok.into(), udp(), t0 + Duration::from_secs(40));
    assert!(matches!(&ev[..], [Event::StrayResponse { .. }]));
}

#[test]
fn client_invite_gives_up_after_cancel_or_timer_c() {
    let mut l = layer();
    let t0 = Instant::now();
    let inv = invite("z9hG4bKout4");
    let (key, _) = l.send_request(inv.clone(), udp(), t0).unwrap();
    l.on_message(response(&inv, 180, Some("u")).into(), udp(), t0 + T1);
    let cancel = message::build_cancel(&inv).unwrap();
    let cancel_at = t0 + Duration::from_secs(20);
    let (cancel_key, ev) = l.send_request(cancel.clone(), udp(), cancel_at).unwrap();
    assert_ne!(cancel_key, key);
    assert!(sent(&ev)[0].starts_with("CANCEL "));
    l.on_message(
        response(&cancel, 200, Some("u")).into(),
        udp(),
        cancel_at + T1,
    );
    // No 487 ever comes: the INVITE ends 64*T1 after the CANCEL.
    let fired = run_until(&mut l, t0, Duration::from_secs(20) + T1 * 64);
    let timeouts: Vec<_> = fired
        .iter()
        .filter(|(_, e)| matches!(e, Event::Timeout { key: k } if *k == key))
        .map(|(t, _)| *t)
        .collect();
    assert_eq!(timeouts, vec![Duration::from_secs(20) + T1 * 64]);
    assert_eq!(l.len(), 0);

    // Ringing forever without a CANCEL: Timer C, restarted by provisionals.
    let inv = invite("z9hG4bKout5");
    let (key, _) = l.send_request(inv.clone(), udp(), t0).unwrap();
    l.on_message(response(&inv, 180, Some("u")).into(), udp(), t0);
    l.on_message(
        response(&inv, 183, Some("u")).into(),
        udp(),
        t0 + Duration::from_secs(60),
    );
    let fired = run_until(&mut l, t0, Duration::from_secs(60) + TIMER_C);
    let timeouts: Vec<_> = fired
        .iter()
        .filter(|(_, e)| matches!(e, Event::Timeout { key: k } if *k == key))
        .map(|(t, _)| *t)
        .collect();
    assert_eq!(timeouts, vec![Duration::from_secs(60) + TIMER_C]);
}

// ---------------------------------------------------------------------------
// Client non-INVITE

#[test]
fn client_non_invite_timer_e_doubles_to_t2_then_timer_f() {
    let mut l = layer();
    let t0 = Instant::now();
    let (key, _) = l
        .send_request(request("OPTIONS", "z9hG4bKo1", 1, "UDP", ""), udp(), t0)
        .unwrap();
    let fired = run_until(&mut l, t0, Duration::from_secs(40));
    let mut expected = vec![500, 1500, 3500, 7500];
    let (mut t, t2) = (7500, T2.as_millis() as u64);
    while t + t2 < 32_000 {
        t += t2;
        expected.push(t);
    }
    assert_eq!(transmit_times(&fired), ms(&expected));
    assert!(fired
        .iter()
        .any(|(t, e)| *t == T1 * 64 && matches!(e, Event::Timeout { key: k } if *k == key)));
    assert_eq!(l.len(), 0);
}

#[test]
fn client_non_invite_after_provisional_retransmits_every_t2() {
    let mut l = layer();
    let t0 = Instant::now();
    let req = request("BYE", "z9hG4bKb1", 3, "UDP", "");
    let (key, _) = l.send_request(req.clone(), udp(), t0).unwrap();
    let ev = l.on_message(
        response(&req, 100, None).into(),
        udp(),
        t0 + Duration::from_millis(100),
    );
    assert!(matches!(&ev[..], [Event::Response { .. }]));
    let fired = run_until(&mut l, t0, Duration::from_secs(10));
    // The armed E at 500 ms fires, then every T2.
    assert_eq!(transmit_times(&fired), ms(&[500, 4500, 8500]));
    let ok = response(&req, 200, Some("x"));
    let ev = l.on_message(ok.clone().into(), udp(), t0 + Duration::from_secs(10));
    assert!(
        matches!(&ev[..], [Event::Response { key: k, response }] if *k == key && response.status_code.code() == 200)
    );
    // Completed: copies absorbed, no more retransmissions, Timer K = T4.
    assert!(l
        .on_message(ok.into(), udp(), t0 + Duration::from_secs(11))
        .is_empty());
    let fired = run_until(&mut l, t0, Duration::from_secs(10) + T4);
    assert!(fired.is_empty(), "{fired:?}");
    assert_eq!(l.len(), 0);
}

#[test]
fn transport_error_times_out_a_client_transaction() {
    let mut l = layer();
    let t0 = Instant::now();
    let (key, _) = l
        .send_request(request("OPTIONS", "z9hG4bKo9", 1, "TCP", ""), tcp(), t0)
        .unwrap();
    let ev = l.on_transport_error(&key, t0);
    assert!(matches!(&ev[..], [Event::Timeout { key: k }] if *k == key));
    assert_eq!(l.len(), 0);
}

// ---------------------------------------------------------------------------
// Reliable transports

#[test]
fn reliable_transports_never_retransmit() {
    let mut l = layer();
    let t0 = Instant::now();
    let long = Duration::from_secs(200);

    // Server INVITE, non-2xx: no Timer G; the ACK ends it at once (Timer I = 0).
    let inv = request("INVITE", "z9hG4bKt1", 1, "TCP", "");
    let key = server_key(&l.on_message(incoming(inv.clone(), tcp()), tcp(), t0));
    let ev = l.respond(&key, response(&inv, 486, Some("s")), t0).unwrap();
    assert!(matches!(&ev[..], [Event::Transmit { to, .. }] if *to == tcp()));
    let mut ack = request("ACK", "z9hG4bKt1", 1, "TCP", "");
    message::set_header(&mut ack, "To", "<sip:1000@gw.example.com>;tag=s");
    assert!(l
        .on_message(incoming(ack, tcp()), tcp(), t0 + T1)
        .is_empty());
    assert_eq!(l.len(), 0);

    // Server INVITE, 2xx: no retransmission, but still an ACK timeout.
    let inv = request("INVITE", "z9hG4bKt2", 1, "TCP", "");
    let key = server_key(&l.on_message(incoming(inv.clone(), tcp()), tcp(), t0));
    l.respond(&key, response(&inv, 200, Some("s")), t0).unwrap();
    // Server non-INVITE: gone as soon as answered (Timer J = 0).
    let opt = request("OPTIONS", "z9hG4bKt3", 1, "TCP", "");
    let okey = server_key(&l.on_message(incoming(opt.clone(), tcp()), tcp(), t0));
    l.respond(&okey, response(&opt, 200, Some("s")), t0)
        .unwrap();
    assert_eq!(l.len(), 1);
    // Client INVITE and non-INVITE: no Timer A / E, still Timer B / F.
    let (ckey, _) = l
        .send_request(request("INVITE", "z9hG4bKt4", 1, "TCP", ""), tcp(), t0)
        .unwrap();
    let (nkey, _) = l
        .send_request(request("OPTIONS", "z9hG4bKt5", 1, "TCP", ""), tcp(), t0)
        .unwrap();
    let fired = run_until(&mut l, t0, long);
    assert!(transmit_times(&fired).is_empty(), "{fired:?}");
    let mut outcome: Vec<String> = fired
        .iter()
        .map(|(t, e)| match e {
            Event::AckTimeout { key: k, .. } if *k == key => format!("ack-timeout@{t:?}"),
            Event::Timeout { key: k } if *k == ckey => format!("invite-timeout@{t:?}"),
            Event::Timeout { key: k } if *k == nkey => format!("options-timeout@{t:?}"),
            other => format!("unexpected {other:?}"),
        })
        .collect();
    outcome.sort();
    assert_eq!(
        outcome,
        vec![
            "ack-timeout@32s",
            "invite-timeout@32s",
            "options-timeout@32s"
        ]
    );
    assert_eq!(l.len(), 0);

    // Client finals over TCP: Completed lasts zero time (Timers D and K).
    let inv = request("INVITE", "z9hG4bKt6", 1, "TCP", "");
    l.send_request(inv.clone(), tcp(), t0).unwrap();
    let ev = l.on_message(response(&inv, 480, Some("u")).into(), tcp(), t0);
    assert_eq!(sent(&ev).len(), 1, "the ACK is still sent");
    let bye = request("BYE", "z9hG4bKt7", 2, "TCP", "");
    l.send_request(bye.clone(), tcp(), t0).unwrap();
    l.on_message(response(&bye, 200, Some("u")).into(), tcp(), t0);
    assert_eq!(l.len(), 0);
}

// ---------------------------------------------------------------------------
// Layer

#[test]
fn stray_responses_are_surfaced() {
    let mut l = layer();
    let t0 = Instant::now();
    let resp = response(
        &request("OPTIONS", "z9hG4bKnobody", 1, "UDP", ""),
        200,
        Some("x"),
    );
    let ev = l.on_message(resp.into(), udp(), t0);
    assert!(matches!(&ev[..], [Event::StrayResponse { .. }]));
    // Same branch, other method: not the same transaction.
    let req = request("OPTIONS", "z9hG4bKsb", 1, "UDP", "");
    l.send_request(req, udp(), t0).unwrap();
    let other = response(&request("BYE", "z9hG4bKsb", 1, "UDP", ""), 200, Some("x"));
    let ev = l.on_message(other.into(), udp(), t0);
    assert!(matches!(&ev[..], [Event::StrayResponse { .. }]));
}

#[test]
fn api_misuse_is_an_error() {
    let mut l = layer();
    let t0 = Instant::now();
    let inv = invite("z9hG4bKm1");
    assert!(l
        .send_request(request("ACK", "z9hG4bKm0", 1, "UDP", ""), udp(), t0)
        .is_err());
    assert!(l.send_request(invite("nocookie"), udp(), t0).is_err());
    let (key, _) = l.send_request(inv.clone(), udp(), t0).unwrap();
    assert!(
        l.send_request(inv.clone(), udp(), t0).is_err(),
        "duplicate branch"
    );
    assert!(
        l.respond(&key, response(&inv, 200, None), t0).is_err(),
        "client key"
    );
    let unknown = TransactionKey::server(&invite("z9hG4bKnope")).unwrap();
    assert!(l.respond(&unknown, response(&inv, 200, None), t0).is_err());
    let mut wrong = invite("z9hG4bKm2");
    message::set_header(&mut wrong, "CSeq", "1 BYE");
    assert!(l.send_request(wrong, udp(), t0).is_err());
}

#[test]
fn a_full_table_answers_503() {
    let mut l = layer().with_max_transactions(2);
    let t0 = Instant::now();
    for b in ["z9hG4bKf1", "z9hG4bKf2"] {
        l.on_message(
            incoming(request("OPTIONS", b, 1, "UDP", ""), udp()),
            udp(),
            t0,
        );
    }
    let ev = l.on_message(
        incoming(request("OPTIONS", "z9hG4bKf3", 1, "UDP", ""), udp()),
        udp(),
        t0,
    );
    assert_eq!(ev.len(), 1);
    assert_eq!(
        status_line(&sent(&ev)[0]),
        "SIP/2.0 503 Service Unavailable"
    );
    assert!(sent(&ev)[0].contains("Retry-After: 5\r\n"));
    assert!(l.send_request(invite("z9hG4bKf4"), udp(), t0).is_err());
    assert_eq!(l.len(), 2);
}

#[test]
fn stateless_send_serialises() {
    let mut l = layer();
    let ack = request("ACK", "z9hG4bKs1", 1, "UDP", "");
    let ev = l.send_stateless(ack.into(), udp());
    assert!(
        matches!(&ev[..], [Event::Transmit { to, data }] if *to == udp() && data.starts_with(b"ACK sip:"))
    );
    assert_eq!(l.len(), 0);
}

#[test]
fn memory_is_bounded_by_termination() {
    let mut l = layer();
    let t0 = Instant::now();
    for i in 0..200 {
        let opt = request("OPTIONS", &format!("z9hG4bKmany{i}"), 1, "UDP", "");
        let key = server_key(&l.on_message(incoming(opt.clone(), udp()), udp(), t0));
        l.respond(&key, response(&opt, 200, Some("t")), t0).unwrap();
        l.send_request(
            request("OPTIONS", &format!("z9hG4bKout{i}"), 1, "UDP", ""),
            udp(),
            t0,
        )
        .unwrap();
    }
    assert_eq!(l.len(), 400);
    run_until(&mut l, t0, Duration::from_secs(60));
    assert_eq!(l.len(), 0);
    assert_eq!(l.next_deadline(), None, "no timers left behind");
}
