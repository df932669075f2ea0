use std::net::SocketAddr;
use std::time::{Duration, Instant};

use diemcau_codecs::catalogue::{Capabilities, MediaKind};
use diemcau_codecs::h245::{choose_transmit, local_capability_set, MediaCapability};

use super::fast_start::{self, FastStartDirection, LocalMedia};
use super::*;
use crate::h323::asn1::h245::types::*;
use crate::h323::asn1::h245::{self as asn, wireshark};

fn config() -> Config {
    Config::new(local_capability_set(&Capabilities::default()))
}

fn addr(s: &str) -> SocketAddr {
    s.parse().expect("test address")
}

/// Two sessions wired back to back; every message either sends is also
/// kept (encoded) for tshark.
struct Pair {
    a: Session,
    b: Session,
    now: Instant,
    wire: Vec<Vec<u8>>,
}

impl Pair {
    fn new(ca: Config, cb: Config) -> Pair {
        let now = Instant::now();
        Pair {
            a: Session::new(ca, now),
            b: Session::new(cb, now),
            now,
            wire: Vec::new(),
        }
    }

    /// Deliver until neither has anything left to send.
    fn pump(&mut self) {
        for _ in 0..100 {
            let mut moved = false;
            while let Some(m) = self.a.poll_transmit() {
                self.wire.push(m.clone());
                self.b.handle_bytes(&m, self.now).expect("a sent valid PER");
                moved = true;
            }
            while let Some(m) = self.b.poll_transmit() {
                self.wire.push(m.clone());
                self.a.handle_bytes(&m, self.now).expect("b sent valid PER");
                moved = true;
            }
            if !moved {
                return;
            }
        }
        panic!("the sessions never went quiet");
    }

    fn advance(&mut self, d: Duration) {
        self.now += d;
        self.a.handle_timeout(self.now);
        self.b.handle_timeout(self.now);
    }
}

fn events(s: &mut Session) -> Vec<Event> {
    std::iter::from_fn(|| s.poll_event()).collect()
}

fn messages(s: &mut Session) -> Vec<MultimediaSystemControlMessage> {
    std::iter::from_fn(|| s.poll_message()).collect()
}

fn video_channel(caps: &CapabilitySet) -> OutgoingChannel {
    let peer = caps.clone();
    let chosen =
        choose_transmit(&peer, &Capabilities::default(), MediaKind::Video).expect("common video");
    OutgoingChannel {
        codec: ChannelCodec {
            capability: chosen,
            dynamic_payload_type: Some(96),
        },
        session_id: session_id(MediaKind::Video),
        local_rtcp: Some(addr("127.0.0.1:30001")),
    }
}

#[test]
fn two_sessions_exchange_capabilities_and_determine_master() {
    let mut cb = config();
    cb.terminal_type = 50; // a plain terminal
    let mut p = Pair::new(config(), cb);
    p.a.start(p.now);
    p.b.start(p.now);
    p.pump();
    let ea = events(&mut p.a);
    let eb = events(&mut p.b);
    assert!(
        ea.contains(&Event::MasterSlave(MasterSlave::Master)),
        "{ea:?}"
    );
    assert!(
        eb.contains(&Event::MasterSlave(MasterSlave::Slave)),
        "{eb:?}"
    );
    let Some(Event::PeerCapabilities(caps_of_b)) =
        ea.iter().find(|e| matches!(e, Event::PeerCapabilities(_)))
    else {
        panic!("no capabilities: {ea:?}");
    };
    // What B announced is what A now knows, entry for entry.
    assert_eq!(caps_of_b.entries, config().capabilities.entries);
    assert!(caps_of_b.user_input.dtmf);
    assert!(p.a.capabilities_acked() && p.b.capabilities_acked());
    assert_eq!(p.a.master_slave(), Some(MasterSlave::Master));
}

#[test]
fn equal_terminal_types_are_decided_by_the_numbers() {
    let mut p = Pair::new(config(), config());
    p.a.start(p.now);
    p.b.start(p.now);
    p.pump();
    let (a, b) = (p.a.master_slave(), p.b.master_slave());
    assert!(a.is_some() && b.is_some(), "{a:?} {b:?}");
    assert_ne!(a, b);
}

/// Our status determination number, from the MSD a started session sends.
fn our_number(s: &mut Session) -> u32 {
    messages(s)
        .into_iter()
        .find_map(|m| match m {
            MultimediaSystemControlMessage::Request(RequestMessage::MasterSlaveDetermination(
                m,
            )) => Some(m.status_determination_number),
            _ => None,
        })
        .expect("our MSD")
}

#[test]
fn status_determination_numbers_decide_as_annex_c() {
    for (offset, expected) in [
        (1u32, MasterSlave::Master),
        (0x7f_ffff, MasterSlave::Master),
        (0x80_0001, MasterSlave::Slave),
        (0xff_ffff, MasterSlave::Slave),
    ] {
        let now = Instant::now();
        let mut s = Session::new(config(), now);
        s.start(now);
        let ours = our_number(&mut s);
        s.handle_message(
            MultimediaSystemControlMessage::Request(RequestMessage::MasterSlaveDetermination(
                MasterSlaveDetermination {
                    terminal_type: TERMINAL_TYPE_MCU,
                    status_determination_number: (ours + offset) % (1 << 24),
                },
            )),
            now,
        );
        // We ack with the peer's status, then its Ack of our MSD confirms ours.
        let decision = messages(&mut s).into_iter().find_map(|m| match m {
            MultimediaSystemControlMessage::Response(
                ResponseMessage::MasterSlaveDeterminationAck(a),
            ) => Some(a.decision),
            _ => None,
        });
        let theirs = match expected {
            MasterSlave::Master => MasterSlaveDeterminationAckDecision::Slave,
            MasterSlave::Slave => MasterSlaveDeterminationAckDecision::Master,
        };
        assert_eq!(decision, Some(theirs.clone()), "offset {offset:#x}");
        let ours_said = match expected {
            MasterSlave::Master => MasterSlaveDeterminationAckDecision::Master,
            MasterSlave::Slave => MasterSlaveDeterminationAckDecision::Slave,
        };
        s.handle_message(
            MultimediaSystemControlMessage::Response(ResponseMessage::MasterSlaveDeterminationAck(
                MasterSlaveDeterminationAck {
                    decision: ours_said,
                },
            )),
            now,
        );
        assert_eq!(s.master_slave(), Some(expected), "offset {offset:#x}");
    }
}

#[test]
fn identical_numbers_are_retried_then_fail() {
    let mut s = Session::new(config(), Instant::now());
    let now = Instant::now();
    s.start(now);
    let number = messages(&mut s)
        .into_iter()
        .find_map(|m| match m {
            MultimediaSystemControlMessage::Request(RequestMessage::MasterSlaveDetermination(
                m,
            )) => Some(m.status_determination_number),
            _ => None,
        })
        .expect("our MSD");
    // A peer with our terminal type and our number: indeterminate.
    let same = |n| {
        MultimediaSystemControlMessage::Request(RequestMessage::MasterSlaveDetermination(
            MasterSlaveDetermination {
                terminal_type: TERMINAL_TYPE_MCU,
                status_determination_number: n,
            },
        ))
    };
    s.handle_message(same(number), now);
    // We retry with a fresh number (a new MSD goes out).
    let retry = messages(&mut s);
    assert!(
        retry.iter().any(|m| matches!(
            m,
            MultimediaSystemControlMessage::Request(RequestMessage::MasterSlaveDetermination(_))
        )),
        "{retry:?}"
    );
    // Rejects until the retries run out, then failure.
    for _ in 0..3 {
        s.handle_message(
            MultimediaSystemControlMessage::Response(
                ResponseMessage::MasterSlaveDeterminationReject(MasterSlaveDeterminationReject {
                    cause: MasterSlaveDeterminationRejectCause::IdenticalNumbers,
                }),
            ),
            now,
        );
    }
    assert!(events(&mut s).contains(&Event::Failed(Failure::MasterSlaveDetermination)));
}

#[test]
fn logical_channels_open_both_ways_with_media_addresses() {
    let mut p = Pair::new(config(), config());
    p.a.start(p.now);
    p.b.start(p.now);
    p.pump();
    events(&mut p.a);
    events(&mut p.b);
    let caps_b = p.a.peer_capabilities().expect("caps").clone();
    let ch = p.a.open_channel(video_channel(&caps_b), p.now);
    p.pump();
    let eb = events(&mut p.b);
    let Some(Event::ChannelOpenRequested {
        channel,
        session_id,
        codec,
        remote_rtcp,
    }) = eb.first().cloned()
    else {
        panic!("{eb:?}");
    };
    assert_eq!(channel, ch);
    assert_eq!(session_id, 2);
    assert_eq!(
        *remote_rtcp.as_ref().expect("rtcp"),
        addr("127.0.0.1:30001")
    );
    let MediaCapability::H264(h) = &codec.capability else {
        panic!("{codec:?}");
    };
    assert_eq!(codec.dynamic_payload_type, Some(96));
    assert_eq!(h.level, 71, "level 3.1");
    p.b.accept_channel(
        channel,
        addr("127.0.0.1:40000"),
        Some(addr("127.0.0.1:40001")),
    )
    .expect("pending");
    p.pump();
    assert_eq!(
        events(&mut p.a),
        [Event::ChannelOpened {
            channel: ch,
            session_id: 2,
            remote: RemoteMedia {
                rtp: Some(addr("127.0.0.1:40000")),
                rtcp: Some(addr("127.0.0.1:40001")),
            },
        }]
    );
    // Answering twice is an error, not a second Ack.
    assert!(p
        .b
        .accept_channel(channel, addr("127.0.0.1:40000"), None)
        .is_err());

    // Fast update both ways, flow control, close.
    p.b.send_fast_update(channel);
    p.b.send_flow_control(Some(channel), Some(512));
    p.pump();
    assert_eq!(
        events(&mut p.a),
        [
            Event::FastUpdateRequested { channel: ch },
            Event::FlowControl {
                channel: Some(ch),
                max_kbps: Some(512)
            }
        ]
    );
    p.a.close_channel(ch).expect("ours");
    p.pump();
    assert_eq!(
        events(&mut p.a),
        [Event::ChannelClosed {
            channel: ch,
            outgoing: true
        }]
    );
    assert_eq!(
        events(&mut p.b),
        [Event::ChannelClosed {
            channel: ch,
            outgoing: false
        }]
    );
    let d = wireshark::dissect(&p.wire);
    assert_eq!(d.malformed, 0, "{}", d.verbose);
    for field in [
        "terminalCapabilitySet",
        "masterSlaveDetermination",
        "openLogicalChannel",
        "openLogicalChannelAck",
        "0.0.8.241.0.0.1",
        "videoFastUpdatePicture",
        "maximumBitRate: 5120",
        "closeLogicalChannel",
        "127.0.0.1",
        "tsapIdentifier: 40000",
    ] {
        assert!(d.verbose.contains(field), "tshark shows no {field}");
    }
}

#[test]
fn channels_we_cannot_take_are_rejected_with_the_cause() {
    let mut s = Session::new(config(), Instant::now());
    let now = Instant::now();
    // G.729 (not ours): dataTypeNotSupported.
    let mut olc = super::session::open_logical_channel(
        5,
        &OutgoingChannel {
            codec: ChannelCodec {
                capability: MediaCapability::G711Ulaw { frames: 20 },
                dynamic_payload_type: None,
            },
            session_id: 1,
            local_rtcp: None,
        },
    );
    olc.forward_logical_channel_parameters.data_type =
        DataType::AudioData(AudioCapability::G729(2));
    s.handle_message(
        MultimediaSystemControlMessage::Request(RequestMessage::OpenLogicalChannel(olc.clone())),
        now,
    );
    // Session 0 (the master is asked to assign one): invalidSessionID.
    let mut olc0 = olc.clone();
    olc0.forward_logical_channel_number = LogicalChannelNumber(6);
    olc0.forward_logical_channel_parameters.data_type =
        DataType::AudioData(AudioCapability::G711Ulaw64k(20));
    if let OpenLogicalChannelForwardLogicalChannelParametersMultiplexParameters::H2250LogicalChannelParameters(p) =
        &mut olc0.forward_logical_channel_parameters.multiplex_parameters
    {
        p.session_id = 0;
    }
    s.handle_message(
        MultimediaSystemControlMessage::Request(RequestMessage::OpenLogicalChannel(olc0)),
        now,
    );
    let causes: Vec<_> = messages(&mut s)
        .into_iter()
        .filter_map(|m| match m {
            MultimediaSystemControlMessage::Response(
                ResponseMessage::OpenLogicalChannelReject(r),
            ) => Some((r.forward_logical_channel_number.0, r.cause)),
            _ => None,
        })
        .collect();
    assert_eq!(
        causes,
        [
            (5, OpenLogicalChannelRejectCause::DataTypeNotSupported),
            (6, OpenLogicalChannelRejectCause::InvalidSessionID)
        ]
    );
    assert!(events(&mut s).is_empty());
}

#[test]
fn peer_asks_us_to_close_our_channel() {
    let mut p = Pair::new(config(), config());
    p.a.start(p.now);
    p.b.start(p.now);
    p.pump();
    let caps_b = p.a.peer_capabilities().expect("caps").clone();
    let ch = p.a.open_channel(video_channel(&caps_b), p.now);
    p.pump();
    events(&mut p.a);
    events(&mut p.b);
    p.b.accept_channel(ch, addr("127.0.0.1:40000"), None)
        .expect("pending");
    p.pump();
    events(&mut p.a);
    p.b.request_channel_close(ch, p.now).expect("peer channel");
    p.pump();
    assert_eq!(
        events(&mut p.a),
        [Event::ChannelClosed {
            channel: ch,
            outgoing: true
        }]
    );
    assert_eq!(
        events(&mut p.b),
        [Event::ChannelClosed {
            channel: ch,
            outgoing: false
        }]
    );
    // A close request for a channel that does not exist is rejected.
    p.a.handle_message(
        MultimediaSystemControlMessage::Request(RequestMessage::RequestChannelClose(
            RequestChannelClose {
                forward_logical_channel_number: LogicalChannelNumber(77),
                qos_capability: None,
                reason: None,
            },
        )),
        p.now,
    );
    assert!(messages(&mut p.a).iter().any(|m| matches!(
        m,
        MultimediaSystemControlMessage::Response(ResponseMessage::RequestChannelCloseReject(r))
            if r.forward_logical_channel_number.0 == 77
    )));
}

#[test]
fn user_input_goes_as_signals_or_alphanumeric() {
    let mut p = Pair::new(config(), config());
    p.a.start(p.now);
    p.b.start(p.now);
    p.pump();
    events(&mut p.b);
    // B announced DTMF, so A sends signals, one per digit.
    p.a.send_user_input("1234#");
    let sent: Vec<_> = std::iter::from_fn(|| p.a.poll_message()).collect();
    assert_eq!(sent.len(), 5);
    for m in sent {
        assert!(matches!(
            m,
            MultimediaSystemControlMessage::Indication(IndicationMessage::UserInput(
                UserInputIndication::Signal(_)
            ))
        ));
        let bytes = asn::encode(&m).expect("encode");
        p.wire.push(bytes.clone());
        p.b.handle_bytes(&bytes, p.now).expect("valid");
    }
    // Text goes alphanumeric.
    p.a.send_user_input("PIN 42");
    p.pump();
    let got: String = events(&mut p.b)
        .into_iter()
        .filter_map(|e| match e {
            Event::UserInput(s) => Some(s),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("|");
    assert_eq!(got, "1|2|3|4|#|PIN 42");
    // The Cisco gateway's real signal indication is read too.
    let cisco =
        crate::h323::asn1::h245::tests::hex(crate::h323::asn1::h245::tests::CISCO_UII_SIGNAL);
    p.b.handle_bytes(&cisco, p.now).expect("valid");
    assert_eq!(events(&mut p.b), [Event::UserInput("9".into())]);
    let d = wireshark::dissect(&p.wire);
    assert_eq!(d.malformed, 0, "{}", d.verbose);
    assert!(d.verbose.contains("signalType: #"));
    assert!(d.verbose.contains("alphanumeric: PIN 42"));
}

#[test]
fn round_trip_delay_keeps_alive_and_detects_a_gone_peer() {
    let mut cfg = config();
    cfg.round_trip_interval = Some(Duration::from_secs(10));
    cfg.round_trip_max_missed = 3;
    let mut p = Pair::new(cfg.clone(), cfg);
    p.advance(Duration::from_secs(10));
    p.pump();
    // Both asked and both answered.
    let ea = events(&mut p.a);
    assert!(
        matches!(ea.as_slice(), [Event::RoundTripDelay(d)] if *d == Duration::ZERO),
        "{ea:?}"
    );
    // Now B is gone: A's requests go unanswered.
    for _ in 0..3 {
        p.advance(Duration::from_secs(10));
        while p.a.poll_transmit().is_some() {}
    }
    p.advance(Duration::from_secs(10));
    assert_eq!(events(&mut p.a), [Event::Failed(Failure::PeerGone)]);
    // Nothing more is scheduled for the keep-alive.
    while p.a.poll_transmit().is_some() {}
    p.advance(Duration::from_secs(60));
    assert!(p.a.poll_transmit().is_none());
}

#[test]
fn capability_set_without_answer_times_out() {
    let now = Instant::now();
    let mut s = Session::new(config(), now);
    s.start(now);
    messages(&mut s);
    let deadline = s.poll_timeout().expect("timer");
    assert!(deadline <= now + Duration::from_secs(30));
    s.handle_timeout(now + Duration::from_secs(30));
    let ev = events(&mut s);
    assert!(
        ev.contains(&Event::Failed(Failure::CapabilityExchangeTimeout)),
        "{ev:?}"
    );
    assert!(
        ev.contains(&Event::Failed(Failure::MasterSlaveDetermination)),
        "{ev:?}"
    );
    let out = messages(&mut s);
    assert!(out.iter().any(|m| matches!(
        m,
        MultimediaSystemControlMessage::Indication(
            IndicationMessage::TerminalCapabilitySetRelease(_)
        )
    )));
}

#[test]
fn unanswered_channel_is_closed_and_reported() {
    let now = Instant::now();
    let mut s = Session::new(config(), now);
    let ch = s.open_channel(video_channel(&config().capabilities), now);
    messages(&mut s);
    s.handle_timeout(now + Duration::from_secs(31));
    assert!(events(&mut s).contains(&Event::ChannelRejected {
        channel: ch,
        cause: RejectCause::Other
    }));
    // A late Ack opens nothing.
    s.handle_message(
        MultimediaSystemControlMessage::Response(ResponseMessage::OpenLogicalChannelAck(
            OpenLogicalChannelAck {
                forward_logical_channel_number: LogicalChannelNumber(ch),
                reverse_logical_channel_parameters: None,
                separate_stack: None,
                forward_multiplex_ack_parameters: None,
                encryption_sync: None,
                generic_information: None,
                dtls_security_capability: None,
            },
        )),
        now + Duration::from_secs(32),
    );
    assert!(events(&mut s)
        .iter()
        .all(|e| !matches!(e, Event::ChannelOpened { .. })));
}

/// A RequestMode's one mode: this audio codec alone.
fn audio_mode(codec: AudioMode) -> Vec<ModeDescription> {
    vec![ModeDescription(vec![ModeElement {
        type_: ModeElementType::AudioMode(codec),
        h223_mode_parameters: None,
        v76_mode_parameters: None,
        h2250_mode_parameters: None,
        generic_mode_parameters: None,
        multiplexed_stream_mode_parameters: None,
        logical_channel_number: None,
    }])]
}

#[test]
fn mode_and_loop_requests_are_rejected_as_h245_asks() {
    let now = Instant::now();
    let mut s = Session::new(config(), now);
    let mode = RequestMessage::RequestMode(RequestMode {
        sequence_number: SequenceNumber(5),
        requested_modes: audio_mode(AudioMode::G711Ulaw64k),
    });
    s.handle_message(MultimediaSystemControlMessage::Request(mode), now);
    let looped = RequestMessage::MaintenanceLoopRequest(MaintenanceLoopRequest {
        type_: MaintenanceLoopRequestType::MediaLoop(LogicalChannelNumber(3)),
    });
    s.handle_message(MultimediaSystemControlMessage::Request(looped), now);
    assert_eq!(
        messages(&mut s),
        [
            MultimediaSystemControlMessage::Response(ResponseMessage::RequestModeReject(
                RequestModeReject {
                    sequence_number: SequenceNumber(5),
                    cause: RequestModeRejectCause::MultipointConstraint,
                }
            )),
            MultimediaSystemControlMessage::Response(ResponseMessage::MaintenanceLoopReject(
                MaintenanceLoopReject {
                    type_: MaintenanceLoopRejectType::MediaLoop(LogicalChannelNumber(3)),
                    cause: MaintenanceLoopRejectCause::CanNotPerformLoop,
                }
            )),
        ]
    );
    assert!(events(&mut s).is_empty());
}

#[test]
fn unknown_requests_get_function_not_understood_and_stray_responses_nothing() {
    let now = Instant::now();
    let mut s = Session::new(config(), now);
    let request = RequestMessage::RequestMultiplexEntry(RequestMultiplexEntry {
        entry_numbers: vec![MultiplexTableEntryNumber(1)],
    });
    s.handle_message(
        MultimediaSystemControlMessage::Request(request.clone()),
        now,
    );
    assert_eq!(
        messages(&mut s),
        [MultimediaSystemControlMessage::Indication(
            IndicationMessage::FunctionNotUnderstood(FunctionNotUnderstood::Request(request))
        )]
    );
    // Acks and responses to nothing we asked: ignored.
    for r in [
        ResponseMessage::TerminalCapabilitySetAck(TerminalCapabilitySetAck {
            sequence_number: SequenceNumber(9),
            generic_information: None,
        }),
        ResponseMessage::MasterSlaveDeterminationAck(MasterSlaveDeterminationAck {
            decision: MasterSlaveDeterminationAckDecision::Master,
        }),
        ResponseMessage::RoundTripDelayResponse(RoundTripDelayResponse {
            sequence_number: SequenceNumber(3),
        }),
        ResponseMessage::OpenLogicalChannelReject(OpenLogicalChannelReject {
            forward_logical_channel_number: LogicalChannelNumber(4),
            cause: OpenLogicalChannelRejectCause::Unspecified,
            generic_information: None,
        }),
    ] {
        s.handle_message(MultimediaSystemControlMessage::Response(r), now);
    }
    assert!(messages(&mut s).is_empty());
    assert!(events(&mut s).is_empty());
    // Garbage: an error for the caller, no state change, no panic.
    assert!(s.handle_bytes(&[0xff, 0xff, 0xff], now).is_err());
}

#[test]
fn a_capability_set_naming_undefined_entries_is_rejected() {
    let now = Instant::now();
    let mut s = Session::new(config(), now);
    let mut tcs = caps::terminal_capability_set(4, &config().capabilities);
    if let Some(d) = tcs.capability_descriptors.as_mut() {
        d[0].simultaneous_capabilities = Some(vec![AlternativeCapabilitySet(vec![
            CapabilityTableEntryNumber(999),
        ])]);
    }
    s.handle_message(
        MultimediaSystemControlMessage::Request(RequestMessage::TerminalCapabilitySet(tcs)),
        now,
    );
    assert!(matches!(
        messages(&mut s).as_slice(),
        [MultimediaSystemControlMessage::Response(ResponseMessage::TerminalCapabilitySetReject(r))]
            if r.sequence_number.0 == 4
                && r.cause == TerminalCapabilitySetRejectCause::UndefinedTableEntryUsed
    ));
}

#[test]
fn polycom_capabilities_map_to_what_we_send_it() {
    let now = Instant::now();
    let mut s = Session::new(config(), now);
    let bytes = crate::h323::asn1::h245::tests::hex(crate::h323::asn1::h245::tests::POLYCOM_TCS);
    s.handle_bytes(&bytes, now).expect("valid");
    // Acked with its sequence number.
    assert!(matches!(
        messages(&mut s).as_slice(),
        [MultimediaSystemControlMessage::Response(ResponseMessage::TerminalCapabilitySetAck(a))]
            if a.sequence_number.0 == 1
    ));
    let Some(Event::PeerCapabilities(set)) = s.poll_event() else {
        panic!("no capabilities");
    };
    // G.722, G.711 µ/A, H.264 Baseline and High, H.263 (the rest is Siren,
    // G.728, G.729, H.239, data...).
    let codecs: Vec<_> = set.entries.iter().map(|e| e.capability.codec()).collect();
    use diemcau_codecs::catalogue::CodecName as C;
    assert_eq!(
        codecs,
        [C::G722, C::Pcmu, C::Pcma, C::H264, C::H264, C::H263]
    );
    assert_eq!(set.unknown_entries, 27 - 6);
    // It announces no user input capability: alphanumeric, which every
    // H.323 terminal takes, and no DTMF signals.
    assert!(set.user_input.alphanumeric && !set.user_input.dtmf);
    let caps = Capabilities::default();
    let audio = choose_transmit(&set, &caps, MediaKind::Audio).expect("audio");
    assert_eq!(audio, MediaCapability::G722 { frames: 20 });
    let Some(MediaCapability::H264(video)) = choose_transmit(&set, &caps, MediaKind::Video) else {
        panic!("no H.264");
    };
    // Baseline (our first profile it takes), level 1.3 raised by its custom
    // limits to 720p30, which our level 3.1 allows too.
    assert_eq!(video.profiles, diemcau_codecs::h245::h241::BASELINE);
    assert_eq!(video.level, 36);
    let params = video.to_params();
    // Its own 15 * 256 macroblocks (our level 3.1 has 3600: 720p).
    assert_eq!(params.effective_max_fs(), 3840);
    assert_eq!(params.effective_max_mbps(), 108_000);
}

#[test]
fn end_session_both_ways() {
    let mut p = Pair::new(config(), config());
    p.a.end_session();
    p.pump();
    assert_eq!(events(&mut p.b), [Event::EndSession]);
    assert!(p.a.is_ended() && p.b.is_ended());
    // B answered with its own EndSessionCommand; A reports it.
    assert_eq!(events(&mut p.a), [Event::EndSession]);
    let d = wireshark::dissect(&p.wire);
    assert_eq!(d.malformed, 0, "{}", d.verbose);
    assert!(d.verbose.contains("endSessionCommand"));
}

#[test]
fn fast_start_proposals_and_answer_round_trip() {
    let caps = Capabilities::default();
    let caller_audio = LocalMedia {
        rtp: addr("127.0.0.1:20000"),
        rtcp: addr("127.0.0.1:20001"),
    };
    let caller_video = LocalMedia {
        rtp: addr("127.0.0.1:20002"),
        rtcp: addr("127.0.0.1:20003"),
    };
    let proposals = fast_start::proposals(&caps, Some(caller_audio), Some(caller_video));
    let encoded = fast_start::encode(&proposals).expect("encode");
    let parsed = fast_start::parse(&encoded).expect("parse");
    assert_eq!(parsed, proposals);
    // One forward (we send) and one reverse per codec we take, per kind.
    assert_eq!(
        parsed
            .iter()
            .filter(|c| c.direction == FastStartDirection::Forward)
            .count(),
        2
    );
    let callee_audio = LocalMedia {
        rtp: addr("127.0.0.1:30000"),
        rtcp: addr("127.0.0.1:30001"),
    };
    let callee_video = LocalMedia {
        rtp: addr("127.0.0.1:30002"),
        rtcp: addr("127.0.0.1:30003"),
    };
    let answer = fast_start::answer(&parsed, &caps, Some(callee_audio), Some(callee_video));
    assert_eq!(answer.streams.len(), 2);
    let audio = &answer.streams[0];
    assert_eq!(audio.kind, MediaKind::Audio);
    assert_eq!(
        audio.send.as_ref().map(|c| c.capability.clone()),
        Some(MediaCapability::G722 { frames: 20 })
    );
    // We send to the caller's RTP address; its RTCP is known.
    assert_eq!(audio.remote.rtp, Some(caller_audio.rtp));
    assert_eq!(audio.remote.rtcp, Some(caller_audio.rtcp));
    // The answer, as the caller parses it: the forward channel carries the
    // callee's RTP address, where the caller sends.
    let back =
        fast_start::parse(&fast_start::encode(&answer.channels).expect("encode")).expect("parse");
    let fwd = back
        .iter()
        .find(|c| c.direction == FastStartDirection::Forward && c.session_id == 1)
        .expect("forward audio");
    assert_eq!(fwd.media.rtp, Some(callee_audio.rtp));
    let mut msgs: Vec<Vec<u8>> = Vec::new();
    for c in proposals.iter().chain(&answer.channels) {
        msgs.push(
            asn::encode(&MultimediaSystemControlMessage::Request(
                RequestMessage::OpenLogicalChannel(fast_start::open_logical_channel(c)),
            ))
            .expect("encode"),
        );
    }
    let d = wireshark::dissect(&msgs);
    assert_eq!(d.malformed, 0, "{}", d.verbose);
    assert!(d.verbose.contains("g722-64k"));
    assert!(d.verbose.contains("reverseLogicalChannelParameters"));
    assert!(d.verbose.contains("tsapIdentifier: 30000"));
}

#[test]
fn fast_start_garbage_is_an_error() {
    assert!(fast_start::parse(&[vec![0xff; 7]]).is_err());
    assert!(fast_start::parse(&[Vec::new()]).is_err());
}

#[test]
fn mutated_messages_fed_to_a_session_never_panic() {
    use crate::h323::asn1::h245::tests::{mutate, seeds, Rng};
    // Seeds: real messages and everything a full session exchange sends.
    let mut p = Pair::new(config(), config());
    p.a.start(p.now);
    p.b.start(p.now);
    p.pump();
    let caps_b = p.a.peer_capabilities().expect("caps").clone();
    let ch = p.a.open_channel(video_channel(&caps_b), p.now);
    p.pump();
    let _ = p.b.accept_channel(ch, addr("127.0.0.1:40000"), None);
    p.b.send_user_input("12");
    p.b.send_fast_update(ch);
    p.a.end_session();
    p.pump();
    let mut corpus = seeds();
    corpus.extend(p.wire.iter().cloned());
    let mut rng = Rng(0xdead_beef_2451);
    let now = Instant::now();
    let mut s = Session::new(config(), now);
    s.start(now);
    for round in 0..3000 {
        let bytes = mutate(&mut rng, &corpus[round % corpus.len()]);
        let _ = s.handle_bytes(&bytes, now + Duration::from_millis(round as u64));
        while s.poll_transmit().is_some() {}
        while s.poll_event().is_some() {}
        let _ = fast_start::parse(&[bytes]);
    }
    s.handle_timeout(now + Duration::from_secs(3600));
}

#[test]
fn every_kind_of_message_we_send_decodes_in_wireshark() {
    let now = Instant::now();
    let mut wire = Vec::new();
    let drain = |s: &mut Session, wire: &mut Vec<Vec<u8>>| {
        while let Some(b) = s.poll_transmit() {
            wire.push(b);
        }
    };
    let msg = |r| MultimediaSystemControlMessage::Request(r);
    // Rejects (TCS, mode, loop), FunctionNotUnderstood, RTD response, RCC
    // reject.
    let mut s = Session::new(config(), now);
    let mut bad = caps::terminal_capability_set(4, &config().capabilities);
    if let Some(d) = bad.capability_descriptors.as_mut() {
        d[0].simultaneous_capabilities = Some(vec![AlternativeCapabilitySet(vec![
            CapabilityTableEntryNumber(999),
        ])]);
    }
    s.handle_message(msg(RequestMessage::TerminalCapabilitySet(bad)), now);
    s.handle_message(
        msg(RequestMessage::MaintenanceLoopRequest(
            MaintenanceLoopRequest {
                type_: MaintenanceLoopRequestType::SystemLoop,
            },
        )),
        now,
    );
    s.handle_message(
        msg(RequestMessage::RequestMultiplexEntry(
            RequestMultiplexEntry {
                entry_numbers: vec![MultiplexTableEntryNumber(2)],
            },
        )),
        now,
    );
    s.handle_message(
        msg(RequestMessage::RequestMode(RequestMode {
            sequence_number: SequenceNumber(8),
            requested_modes: audio_mode(AudioMode::G711Alaw64k),
        })),
        now,
    );
    s.handle_message(
        msg(RequestMessage::RoundTripDelayRequest(
            RoundTripDelayRequest {
                sequence_number: SequenceNumber(7),
            },
        )),
        now,
    );
    s.handle_message(
        msg(RequestMessage::RequestChannelClose(RequestChannelClose {
            forward_logical_channel_number: LogicalChannelNumber(9),
            qos_capability: None,
            reason: None,
        })),
        now,
    );
    let mut g729 = super::session::open_logical_channel(
        3,
        &OutgoingChannel {
            codec: ChannelCodec {
                capability: MediaCapability::G711Alaw { frames: 20 },
                dynamic_payload_type: None,
            },
            session_id: 1,
            local_rtcp: Some(addr("127.0.0.1:5001")),
        },
    );
    g729.forward_logical_channel_parameters.data_type =
        DataType::AudioData(AudioCapability::G729(2));
    s.handle_message(msg(RequestMessage::OpenLogicalChannel(g729)), now);
    drain(&mut s, &mut wire);
    // Timeouts: releases, our RTD request, our close of an unanswered OLC,
    // a request to close a peer channel and its release.
    let mut t = Session::new(config(), now);
    t.start(now);
    let mut audio = super::session::open_logical_channel(
        4,
        &OutgoingChannel {
            codec: ChannelCodec {
                capability: MediaCapability::G722 { frames: 20 },
                dynamic_payload_type: None,
            },
            session_id: 1,
            local_rtcp: None,
        },
    );
    audio.forward_logical_channel_number = LogicalChannelNumber(4);
    t.handle_message(msg(RequestMessage::OpenLogicalChannel(audio)), now);
    t.request_channel_close(4, now).expect("peer channel");
    t.open_channel(video_channel(&config().capabilities), now);
    t.send_flow_control(None, None);
    t.handle_timeout(now + Duration::from_secs(10));
    t.handle_timeout(now + Duration::from_secs(31));
    // The peer's MasterSlaveDetermination answered.
    let mut u = Session::new(config(), now);
    u.handle_message(
        msg(RequestMessage::MasterSlaveDetermination(
            MasterSlaveDetermination {
                terminal_type: TERMINAL_TYPE_MCU,
                status_determination_number: 0,
            },
        )),
        now,
    );
    drain(&mut t, &mut wire);
    drain(&mut u, &mut wire);
    let d = wireshark::dissect(&wire);
    assert_eq!(d.malformed, 0, "{}", d.verbose);
    for name in [
        "terminalCapabilitySetReject",
        "undefinedTableEntryUsed",
        "functionNotUnderstood",
        "requestMultiplexEntry",
        "maintenanceLoopReject",
        "canNotPerformLoop",
        "requestModeReject",
        "multipointConstraint",
        "roundTripDelayResponse",
        "requestChannelCloseReject",
        "openLogicalChannelReject",
        "dataTypeNotSupported",
        "terminalCapabilitySetRelease",
        "masterSlaveDeterminationRelease",
        "roundTripDelayRequest",
        "requestChannelClose",
        "requestChannelCloseRelease",
        "noRestriction",
        "wholeMultiplex",
        "closeLogicalChannel",
        "masterSlaveDeterminationAck",
    ] {
        assert!(d.verbose.contains(name), "tshark shows no {name}");
    }
}

/// The H.245 exchange of a real call (separate H.245 channel, TPKT
/// framed): OpenH323's Callgen323 at 10.1.3.143 and a "310i" terminal at
/// 10.1.6.18, frames 25-42 of nDPI's public capture
/// `tests/cfgs/default/pcap/h323.pcap` (the source of
/// `crate::h323::testdata`). `(frame, from the 310i, TCP payload)`.
const NDPI_H245: &[(u32, bool, &str)] = &[
    (25, true, "0300001c0230010600088175000500801bc520401d00800000001bc5"),
    (27, true, "0300000b01000080924fd5"),
    (29, false, "03000031027001060008817500078013800032000100000100000100000cc001000180008000002040ef00800100000000"),
    (30, false, "0300000b010032803782de"),
    (32, false, "030000072180010300000620a0"),
    (34, true, "03000007218001"),
    (36, true, "030000062080"),
    (38, false, "03000018030000640c201d800b0d0001000a01038f138980"),
    (39, true, "030000170300003c0c201d800a040001000a01061207d7"),
    (41, false, "0300001e22c0003c0280135c00000a01038f1388000a01038f1389010100"),
    (42, true, "0300001f22c000640480145c00000a01061207d6000a01061207d703000180"),
];

/// The H.245 messages of a TCP payload (one or more TPKTs).
fn tpkt_messages(payload: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut rest = payload;
    while rest.len() >= 4 {
        let len = usize::from(u16::from_be_bytes([rest[2], rest[3]]));
        assert!(
            rest[0] == 3 && len >= 4 && len <= rest.len(),
            "TPKT {rest:02x?}"
        );
        out.push(rest[4..len].to_vec());
        rest = &rest[len..];
    }
    assert!(rest.is_empty());
    out
}

fn ndpi(frame: u32) -> Vec<Vec<u8>> {
    let (_, _, hex) = NDPI_H245
        .iter()
        .find(|(f, _, _)| *f == frame)
        .expect("frame");
    tpkt_messages(&crate::h323::asn1::h245::tests::hex(&[hex]))
}

#[test]
fn real_call_h245_decodes_field_by_field_and_reencodes_alike() {
    let mut all = Vec::new();
    let mut reencoded = Vec::new();
    for (frame, _, _) in NDPI_H245 {
        for m in ndpi(*frame) {
            let msg = asn::decode(&m).unwrap_or_else(|e| panic!("frame {frame}: {e}"));
            // Our encoding reads back the same. Its bytes may differ: an
            // extension bitmap is as long as the encoder's version knows
            // additions (v17 here, v3-v7 there); both are valid PER.
            let ours = asn::encode(&msg).expect("encode");
            assert_eq!(
                asn::decode(&ours).expect("decode ours"),
                msg,
                "frame {frame}"
            );
            reencoded.push(ours);
            all.push(msg);
        }
    }
    // Frame 32 carries two messages: TCS Ack and MSD Ack.
    assert_eq!(all.len(), NDPI_H245.len() + 1);
    // The 310i's capability set: H.245 v5, no multiplex capability, one
    // entry (7110: G.711 A-law, 30 frames) in descriptor 0.
    let MultimediaSystemControlMessage::Request(RequestMessage::TerminalCapabilitySet(tcs)) =
        &all[0]
    else {
        panic!("{:?}", all[0]);
    };
    assert_eq!(tcs.protocol_identifier, asn::protocol_identifier(5));
    assert!(tcs.multiplex_capability.is_none());
    let set = caps::capability_set(tcs).expect("valid set");
    assert_eq!(set.entries.len(), 1);
    assert_eq!(set.entries[0].number, 7110);
    assert_eq!(
        set.entries[0].capability,
        MediaCapability::G711Alaw { frames: 30 }
    );
    assert_eq!(set.descriptors[0].simultaneous, [vec![7110]]);
    // Its MSD: terminal type 0.
    assert!(matches!(
        &all[1],
        MultimediaSystemControlMessage::Request(RequestMessage::MasterSlaveDetermination(m))
            if m.terminal_type == 0 && m.status_determination_number == 9_588_693
    ));
    // Callgen323's capability set: v7, G.711 A-law at 240 frames.
    let MultimediaSystemControlMessage::Request(RequestMessage::TerminalCapabilitySet(tcs)) =
        &all[2]
    else {
        panic!("{:?}", all[2]);
    };
    assert_eq!(tcs.protocol_identifier, asn::protocol_identifier(7));
    let set = caps::capability_set(tcs).expect("valid set");
    assert_eq!(
        set.entries[0].capability,
        MediaCapability::G711Alaw { frames: 240 }
    );
    // Callgen323 acks the 310i's channel 61 with its media addresses.
    let MultimediaSystemControlMessage::Response(ResponseMessage::OpenLogicalChannelAck(ack)) =
        &all[10]
    else {
        panic!("{:?}", all[10]);
    };
    assert_eq!(ack.forward_logical_channel_number.0, 61);
    let Some(OpenLogicalChannelAckForwardMultiplexAckParameters::H2250LogicalChannelAckParameters(
        p,
    )) = &ack.forward_multiplex_ack_parameters
    else {
        panic!("{ack:?}");
    };
    assert_eq!(p.session_id, Some(1));
    assert_eq!(
        p.media_channel.as_ref().and_then(caps::socket_address),
        Some(addr("10.1.3.143:5000"))
    );
    assert_eq!(
        p.media_control_channel
            .as_ref()
            .and_then(caps::socket_address),
        Some(addr("10.1.3.143:5001"))
    );
    let d = wireshark::dissect(&reencoded);
    assert_eq!(d.malformed, 0, "{}", d.verbose);
    assert!(d.verbose.contains("tsapIdentifier: 5000"));
}

#[test]
fn our_session_answers_the_real_terminal() {
    // We stand where Callgen323 stood: the 310i's messages in order.
    let now = Instant::now();
    let mut s = Session::new(config(), now);
    s.start(now);
    let mut wire: Vec<Vec<u8>> = std::iter::from_fn(|| s.poll_transmit()).collect();
    for frame in [25, 27, 39] {
        for m in ndpi(frame) {
            s.handle_bytes(&m, now).expect("real message");
        }
    }
    let ev = events(&mut s);
    assert!(matches!(&ev[0], Event::PeerCapabilities(c)
        if c.entries[0].capability == MediaCapability::G711Alaw { frames: 30 }));
    assert_eq!(
        ev[1],
        Event::ChannelOpenRequested {
            channel: 61,
            session_id: 1,
            codec: ChannelCodec {
                capability: MediaCapability::G711Alaw { frames: 30 },
                dynamic_payload_type: None,
            },
            remote_rtcp: Some(addr("10.1.6.18:2007")),
        }
    );
    s.accept_channel(61, addr("127.0.0.1:5000"), Some(addr("127.0.0.1:5001")))
        .expect("pending");
    let out = messages(&mut s);
    // TCS Ack (its sequence number 1), MSD Ack telling it it is slave
    // (terminal type 0 against our 190), our OLC Ack.
    assert!(matches!(&out[0], MultimediaSystemControlMessage::Response(
        ResponseMessage::TerminalCapabilitySetAck(a)) if a.sequence_number.0 == 1));
    assert!(matches!(&out[1], MultimediaSystemControlMessage::Response(
        ResponseMessage::MasterSlaveDeterminationAck(a))
        if a.decision == MasterSlaveDeterminationAckDecision::Slave));
    assert!(matches!(&out[2], MultimediaSystemControlMessage::Response(
        ResponseMessage::OpenLogicalChannelAck(a)) if a.forward_logical_channel_number.0 == 61));
    // Its acks of ours (frames 34, 36: TCS Ack 1, MSD Ack "you are master").
    for frame in [34, 36] {
        for m in ndpi(frame) {
            s.handle_bytes(&m, now).expect("real message");
        }
    }
    assert!(s.capabilities_acked());
    assert_eq!(s.master_slave(), Some(MasterSlave::Master));
    wire.extend(out.iter().map(|m| asn::encode(m).expect("encode")));
    let d = wireshark::dissect(&wire);
    assert_eq!(d.malformed, 0, "{}", d.verbose);
    assert!(d.verbose.contains("forwardLogicalChannelNumber: 61"));
}
