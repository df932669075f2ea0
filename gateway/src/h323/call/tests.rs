//! The call state machine without sockets: an outgoing call and an
//! incoming one wired back to back, and the incoming side alone against
//! bad input.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use diemcau_codecs::catalogue::{Capabilities, CodecName, MediaKind};

use super::reason::{Ending, ReleaseReason};
use super::signal::{Alias, Kind, Signal};
use super::*;

fn addr(p: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], p))
}

fn local(base: u16) -> LocalMedia {
    LocalMedia {
        audio: (addr(base), addr(base + 1)),
        video: Some((addr(base + 2), addr(base + 3))),
    }
}

fn endpoint(mcu: bool) -> Endpoint {
    Endpoint {
        aliases: vec![Alias::from_text(if mcu { "1000" } else { "h323-a" })],
        display: if mcu { "Phòng" } else { "Terminal" }.into(),
        mcu,
        product: "test".into(),
        signal_address: Some(addr(1720)),
        caps: Capabilities {
            audio: vec![CodecName::Pcma, CodecName::Pcmu],
            video: vec![CodecName::H264],
            ..Capabilities::default()
        },
        fast_start: true,
    }
}

/// A room directory with one room, "1000", full or not.
struct Rooms {
    full: bool,
    asked: Vec<AdmitRequest>,
    listener: Option<SocketAddr>,
}

impl Admission for Rooms {
    fn admit(&mut self, req: &AdmitRequest) -> Result<LocalMedia, Ending> {
        self.asked.push(req.clone());
        if !req.dialled.iter().any(|d| d == "1000") {
            return Err(Ending::NoSuchRoom);
        }
        if self.full {
            return Err(Ending::RoomFull);
        }
        Ok(local(6000))
    }
    fn h245_listener(&mut self) -> Option<SocketAddr> {
        self.listener
    }
}

fn rooms() -> Rooms {
    Rooms {
        full: false,
        asked: Vec::new(),
        listener: Some(addr(1800)),
    }
}

fn sent(outs: &[Output]) -> Vec<Signal> {
    outs.iter()
        .filter_map(|o| match o {
            Output::Send(b) => Some(wire::decode(b).expect("we decode what we send")),
            _ => None,
        })
        .collect()
}

fn media(outs: &[Output]) -> Option<Vec<H323Stream>> {
    outs.iter().rev().find_map(|o| match o {
        Output::Media(m) => Some(m.clone()),
        _ => None,
    })
}

fn ended(outs: &[Output]) -> Option<(Ending, Option<ReleaseReason>)> {
    outs.iter().find_map(|o| match o {
        Output::Ended { ending, peer } => Some((*ending, *peer)),
        _ => None,
    })
}

/// Carries every message one way and returns the other side's outputs.
fn deliver(outs: &[Output], to: &mut Call, now: Instant, adm: &mut dyn Admission) -> Vec<Output> {
    let mut back = Vec::new();
    for o in outs {
        if let Output::Send(b) = o {
            back.extend(to.on_q931(b, now, adm));
        }
    }
    back
}

/// A terminal `ep` dials room 1000 at 127.0.0.1:1720, its media on 5000-5003.
fn dial_room_1000(ep: Endpoint, now: Instant) -> (Call, Vec<Output>) {
    Call::outgoing(
        ep,
        vec![Alias::from_text("1000")],
        Some(addr(1720)),
        local(5000),
        None,
        now,
    )
}

/// Exchanges messages until neither side has anything more to say.
fn settle(
    a: &mut Call,
    b: &mut Call,
    first: Vec<Output>,
    now: Instant,
    adm_a: &mut dyn Admission,
    adm_b: &mut dyn Admission,
) -> (Vec<Output>, Vec<Output>) {
    let (mut all_a, mut all_b) = (first.clone(), Vec::new());
    let mut pending_a = first;
    for _ in 0..20 {
        let from_b = deliver(&pending_a, b, now, adm_b);
        all_b.extend(from_b.clone());
        let from_a = deliver(&from_b, a, now, adm_a);
        all_a.extend(from_a.clone());
        if from_a.iter().all(|o| !matches!(o, Output::Send(_)))
            && from_b.iter().all(|o| !matches!(o, Output::Send(_)))
        {
            break;
        }
        pending_a = from_a;
    }
    (all_a, all_b)
}

#[test]
fn fast_start_call_with_tunnelled_h245_end_to_end() {
    let now = Instant::now();
    let (mut caller, first) = dial_room_1000(endpoint(false), now);
    let setup = &sent(&first)[0];
    assert_eq!(setup.kind(), Kind::Setup);
    assert!(setup.tunnelling && !setup.fast_start.is_empty());
    assert_eq!(setup.called_number.as_deref(), Some("1000"));

    let mut callee = Call::incoming(endpoint(true));
    let mut adm = rooms();
    let mut none = rooms();
    let (to_caller, to_callee) = settle(&mut caller, &mut callee, first, now, &mut none, &mut adm);
    assert_eq!(adm.asked[0].dialled, ["1000", "1000"]);
    assert_eq!(adm.asked[0].caller, "Terminal");
    let kinds: Vec<Kind> = sent(&to_callee).iter().map(Signal::kind).collect();
    assert_eq!(
        &kinds[..3],
        &[Kind::CallProceeding, Kind::Alerting, Kind::Connect]
    );
    let connect = &sent(&to_callee)[2];
    assert!(
        !connect.fast_start.is_empty(),
        "fast start answered in Connect"
    );
    // Our TCS and MSD ride in the first message after Setup.
    assert!(
        !sent(&to_callee)[0].h245_control.is_empty(),
        "our TCS/MSD tunnelled"
    );
    assert_eq!(callee.state(), State::Active);
    assert_eq!(caller.state(), State::Active);

    // Both sides: A-law and H.264 both ways, to each other's addresses.
    let theirs = media(&to_callee).expect("callee media");
    let ours = media(&to_caller).expect("caller media");
    assert_eq!(theirs.len(), 2);
    assert_eq!(ours.len(), 2);
    assert_eq!(theirs[0].codec.name, CodecName::Pcma);
    assert_eq!(theirs[0].peer_rtp, Some(addr(5000)));
    assert_eq!(ours[0].peer_rtp, Some(addr(6000)));
    assert_eq!(ours[1].peer_rtp, Some(addr(6002)));
    assert!(ours.iter().chain(&theirs).all(|s| s.receiving));

    // Fast start settled the media: no media set-up deadline on either side.
    let later = now + MEDIA_SETUP_TIMEOUT + Duration::from_secs(1);
    assert!(ended(&caller.on_timer(later)).is_none());
    assert!(ended(&callee.on_timer(later)).is_none());

    // The mixer wants a keyframe from the caller: H.245 fast update in a
    // Facility, which the caller reports.
    let ask = callee.ask_keyframe();
    assert_eq!(sent(&ask)[0].kind(), Kind::Facility);
    let got = deliver(&ask, &mut caller, now, &mut none);
    assert!(got.contains(&Output::PeerWantsKeyframe), "{got:?}");

    // The caller hangs up: EndSession, Release Complete; the callee ends.
    let bye = caller.release(Ending::Normal);
    let rc = sent(&bye);
    assert_eq!(rc.last().map(Signal::kind), Some(Kind::ReleaseComplete));
    assert_eq!(rc.last().and_then(|s| s.cause), Some(16));
    let got = deliver(&bye, &mut callee, now, &mut adm);
    assert!(ended(&got).is_some(), "{got:?}");
    assert_eq!(callee.state(), State::Released);
}

/// A terminal that does not offer fast start: after Connect, tunnelled
/// TCS and MSD, then OpenLogicalChannel both ways settle the same media;
/// keys typed on the caller arrive as UserInputIndication.
#[test]
fn without_fast_start_logical_channels_open_over_tunnelled_h245() {
    let now = Instant::now();
    let mut ep = endpoint(false);
    ep.fast_start = false;
    let (mut caller, first) = dial_room_1000(ep, now);
    let setup = &sent(&first)[0];
    assert!(setup.tunnelling && setup.fast_start.is_empty(), "{setup:?}");
    let mut callee = Call::incoming(endpoint(true));
    let (mut adm, mut none) = (rooms(), rooms());
    let (to_caller, to_callee) = settle(&mut caller, &mut callee, first, now, &mut none, &mut adm);
    let connect = sent(&to_callee)
        .into_iter()
        .find(|s| s.kind() == Kind::Connect)
        .expect("Connect");
    assert!(connect.fast_start.is_empty());
    let theirs = media(&to_callee).expect("callee media by logical channels");
    let ours = media(&to_caller).expect("caller media by logical channels");
    assert_eq!(theirs.len(), 2, "{theirs:?}");
    assert_eq!(ours.len(), 2, "{ours:?}");
    assert_eq!(theirs[0].codec.name, CodecName::Pcma);
    assert_eq!(theirs[1].codec.name, CodecName::H264);
    assert_eq!(theirs[0].peer_rtp, Some(addr(5000)));
    assert_eq!(ours[0].peer_rtp, Some(addr(6000)));
    assert_eq!(ours[1].peer_rtp, Some(addr(6002)));
    // Settled: no media set-up deadline.
    let later = now + MEDIA_SETUP_TIMEOUT + Duration::from_secs(1);
    assert!(ended(&callee.on_timer(later)).is_none());

    let keys = caller.send_dtmf("4321#");
    let got = deliver(&keys, &mut callee, now, &mut adm);
    let typed: String = got
        .iter()
        .filter_map(|o| match o {
            Output::Dtmf(d) => Some(d.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(typed, "4321#");
}

#[test]
fn separate_h245_when_the_caller_asks() {
    let now = Instant::now();
    let (mut caller, first) = Call::outgoing(
        endpoint(false),
        vec![Alias::from_text("1000")],
        None,
        local(5000),
        Some(addr(1801)),
        now,
    );
    let setup = &sent(&first)[0];
    assert!(!setup.tunnelling);
    assert_eq!(setup.h245_address, Some(addr(1801)));
    let mut callee = Call::incoming(endpoint(true));
    let mut adm = rooms();
    let outs = deliver(&first, &mut callee, now, &mut adm);
    assert!(callee.separate_h245());
    assert!(outs.contains(&Output::ConnectH245(addr(1801))), "{outs:?}");
    // Nothing tunnelled; once connected, TCS and MSD go on the channel.
    assert!(sent(&outs).iter().all(|s| s.h245_control.is_empty()));
    let up = callee.h245_connected(now);
    let pdus: Vec<&Vec<u8>> = up
        .iter()
        .filter_map(|o| match o {
            Output::SendH245(p) => Some(p),
            _ => None,
        })
        .collect();
    assert!(pdus.len() >= 2, "{up:?}");
    for p in pdus {
        let _ = caller.on_h245(p, now);
    }
}

#[test]
fn no_fast_start_gives_an_h245_address_and_logical_channels() {
    let now = Instant::now();
    let mut callee = Call::incoming(endpoint(true));
    let mut adm = rooms();
    let mut setup = Signal::new(Kind::Setup, 5, false);
    setup.destination = vec![Alias::from_text("1000")];
    let outs = callee.on_q931(&wire::encode(&setup).unwrap(), now, &mut adm);
    let connect = sent(&outs)
        .into_iter()
        .find(|s| s.kind() == Kind::Connect)
        .unwrap();
    assert_eq!(connect.h245_address, Some(addr(1800)));
    assert!(media(&outs).is_none(), "no media before channels");
    // No channels within the media set-up time: no common capability.
    let later = callee.on_timer(now + MEDIA_SETUP_TIMEOUT + Duration::from_secs(1));
    let rc = sent(&later);
    assert_eq!(
        rc.last().and_then(|s| s.reason),
        Some(ReleaseReason::UndefinedReason)
    );
    assert_eq!(rc.last().and_then(|s| s.cause), Some(88));
    assert_eq!(ended(&later).map(|e| e.0), Some(Ending::NoCommonCapability));
}

fn refused(adm: &mut Rooms, dest: &str) -> Signal {
    let now = Instant::now();
    let mut callee = Call::incoming(endpoint(true));
    let mut setup = Signal::new(Kind::Setup, 9, false);
    if !dest.is_empty() {
        setup.destination = vec![Alias::Url(format!("h323:{dest}@192.0.2.1"))];
    }
    let outs = callee.on_q931(&wire::encode(&setup).unwrap(), now, adm);
    let s = sent(&outs);
    assert_eq!(s.len(), 1, "{s:?}");
    assert_eq!(s[0].kind(), Kind::ReleaseComplete);
    assert!(s[0].from_destination);
    assert_eq!(s[0].call_reference, 9);
    assert_eq!(callee.state(), State::Released);
    s[0].clone()
}

#[test]
fn refusals_carry_reason_and_cause() {
    let mut adm = rooms();
    let rc = refused(&mut adm, "9999");
    assert_eq!(adm.asked[0].dialled, ["9999"], "the URL's user part");
    assert_eq!(rc.reason, Some(ReleaseReason::UnreachableDestination));
    assert_eq!(rc.cause, Some(1));
    adm.full = true;
    let rc = refused(&mut adm, "1000");
    assert_eq!(rc.reason, Some(ReleaseReason::InConf));
    assert_eq!(rc.cause, Some(17));
}

#[test]
fn bad_input_releases_or_is_ignored() {
    let now = Instant::now();
    let mut adm = rooms();
    // Undecodable: Release Complete, invalid message.
    let mut c = Call::incoming(endpoint(true));
    let outs = c.on_q931(
        &[0x08, 2, 0, 1, 5, 0x7e, 0, 3, 5, 0xff, 0xff],
        now,
        &mut adm,
    );
    assert_eq!(sent(&outs)[0].cause, Some(95));
    assert_eq!(ended(&outs).map(|e| e.0), Some(Ending::ProtocolError));
    // After the end, nothing.
    assert!(c.on_q931(&[1, 2, 3], now, &mut adm).is_empty());
    // A Connect before any Setup is out of place.
    let mut c = Call::incoming(endpoint(true));
    let connect = wire::encode(&Signal::new(Kind::Connect, 3, true)).unwrap();
    let outs = c.on_q931(&connect, now, &mut adm);
    assert_eq!(ended(&outs).map(|e| e.0), Some(Ending::ProtocolError));
    // Garbage tunnelled H.245 is dropped; the call goes on.
    let mut c = Call::incoming(endpoint(true));
    let mut setup = Signal::new(Kind::Setup, 4, false);
    setup.destination = vec![Alias::from_text("1000")];
    setup.tunnelling = true;
    setup.h245_control = vec![vec![0xff; 9], vec![]];
    let outs = c.on_q931(&wire::encode(&setup).unwrap(), now, &mut adm);
    assert!(ended(&outs).is_none(), "{outs:?}");
    assert_eq!(c.state(), State::Active);
}

#[test]
fn an_unanswered_outgoing_call_times_out() {
    let now = Instant::now();
    let (mut c, _) = Call::outgoing(endpoint(true), vec![], None, local(7000), None, now);
    assert!(c.on_timer(now + Duration::from_secs(1)).is_empty());
    let outs = c.on_timer(now + RING_TIMEOUT + Duration::from_secs(1));
    assert_eq!(ended(&outs).map(|e| e.0), Some(Ending::Timeout));
    assert_eq!(sent(&outs)[0].kind(), Kind::ReleaseComplete);
    let _ = MediaKind::Audio;
}

/// Status Enquiry gets Status (Q.931 §5.8.10): cause 30 and the call state,
/// in the call's own identifier; before and after Connect.
#[test]
fn status_enquiry_is_answered_with_status_and_the_call_state() {
    let now = Instant::now();
    let (mut caller, first) = dial_room_1000(endpoint(false), now);
    let setup = sent(&first).remove(0);
    let mut none = rooms();
    let enquire = |crv: u16, from_destination: bool| {
        let mut s = Signal::new(Kind::StatusInquiry, crv, from_destination);
        s.call_identifier = setup.call_identifier;
        wire::encode(&s).expect("encodes")
    };
    // The caller, Setup sent and nothing back yet: Call initiated (1).
    let status = sent(&caller.on_q931(&enquire(setup.call_reference, true), now, &mut none));
    assert_eq!(status.len(), 1, "{status:?}");
    assert_eq!(status[0].kind(), Kind::Status);
    assert_eq!(status[0].cause, Some(30));
    assert_eq!(status[0].call_state, Some(1));
    assert_eq!(status[0].call_identifier, setup.call_identifier);
    assert!(!status[0].from_destination);
    assert_eq!(caller.state(), State::Calling);

    let mut callee = Call::incoming(endpoint(true));
    let mut adm = rooms();
    settle(&mut caller, &mut callee, first, now, &mut none, &mut adm);
    assert_eq!(callee.state(), State::Active);
    // The callee, connected: Active (10), flagged as from the destination.
    let status = sent(&callee.on_q931(&enquire(setup.call_reference, false), now, &mut adm));
    assert_eq!(status.len(), 1, "{status:?}");
    assert_eq!(status[0].kind(), Kind::Status);
    assert_eq!(
        (status[0].cause, status[0].call_state),
        (Some(30), Some(10))
    );
    assert!(status[0].from_destination);
    assert_eq!(status[0].call_identifier, setup.call_identifier);
    // A Status back changes nothing: the call stays up.
    let got = deliver(
        &callee.on_q931(&enquire(setup.call_reference, false), now, &mut adm),
        &mut caller,
        now,
        &mut none,
    );
    assert!(sent(&got).is_empty() && ended(&got).is_none(), "{got:?}");
    assert_eq!(caller.state(), State::Active);
    assert_eq!(callee.state(), State::Active);
}
