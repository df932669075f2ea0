use super::*;
use crate::spec::{Direction, MediaKind};
use crate::stream::tests::{
    allocator, client, eventually, receiver_report, rtcp_addr, rtp, rtp_addr, spec,
};
use std::net::SocketAddr;
use tokio::net::UdpSocket;

const TIMEOUT: Duration = Duration::from_millis(200);

// ---- the watchdog alone ----

#[test]
fn silence_from_the_start_is_reported_once() {
    let t0 = Instant::now();
    let mut w = Watchdog::new(t0, true);
    assert!(!w.check(t0 + Duration::from_millis(199), true, None, TIMEOUT));
    assert!(w.check(t0 + TIMEOUT, true, None, TIMEOUT));
    assert!(!w.check(t0 + TIMEOUT * 3, true, None, TIMEOUT));
}

#[test]
fn activity_postpones_and_a_new_silence_is_reported_again() {
    let t0 = Instant::now();
    let ms = |n| t0 + Duration::from_millis(n);
    let mut w = Watchdog::new(t0, true);
    assert!(!w.check(ms(250), true, Some(ms(100)), TIMEOUT));
    assert!(w.check(ms(300), true, Some(ms(100)), TIMEOUT));
    assert!(!w.check(ms(400), true, Some(ms(100)), TIMEOUT));
    // The peer came back, then went silent again.
    assert!(!w.check(ms(500), true, Some(ms(450)), TIMEOUT));
    assert!(w.check(ms(650), true, Some(ms(450)), TIMEOUT));
}

#[test]
fn hold_suspends_and_resume_restarts_the_clock() {
    let t0 = Instant::now();
    let ms = |n| t0 + Duration::from_millis(n);
    let mut w = Watchdog::new(t0, false);
    assert!(!w.check(ms(1000), false, None, TIMEOUT));
    // Resumed at 1100: a full timeout from there.
    assert!(!w.check(ms(1100), true, None, TIMEOUT));
    assert!(!w.check(ms(1299), true, None, TIMEOUT));
    assert!(w.check(ms(1300), true, None, TIMEOUT));
    // Old activity before the hold does not shorten the new chance.
    let mut w = Watchdog::new(t0, true);
    assert!(!w.check(ms(100), false, Some(ms(50)), TIMEOUT));
    assert!(!w.check(ms(5000), true, Some(ms(50)), TIMEOUT));
    assert!(w.check(ms(5200), true, Some(ms(50)), TIMEOUT));
}

#[test]
fn an_undelivered_report_is_retried() {
    let t0 = Instant::now();
    let mut w = Watchdog::new(t0, true);
    assert!(w.check(t0 + TIMEOUT, true, None, TIMEOUT));
    w.unreport();
    assert!(w.check(t0 + TIMEOUT * 2, true, None, TIMEOUT));
}

// ---- rooms on loopback ----

fn room(
    pairs: u16,
    timeout: Duration,
) -> (MediaRoom, mpsc::Receiver<RoomEvent>, Arc<PortAllocator>) {
    let ports = Arc::new(allocator(pairs));
    let (room, events) = MediaRoom::new(
        "Test room",
        ports.clone(),
        MediaMetrics::unregistered(),
        timeout,
    );
    (room, events, ports)
}

fn video(mut s: StreamSpec) -> StreamSpec {
    s.kind = MediaKind::Video;
    s.payload_types = vec![(96, 90000, "H264".into())];
    s
}

async fn add(room: &MediaRoom, id: ParticipantId, specs: Vec<StreamSpec>) {
    let pairs = room.reserve(specs.len()).unwrap();
    room.add_participant(id, "Polycom", pairs.into_iter().zip(specs).collect())
        .await
        .unwrap();
}

fn addr_of(room: &MediaRoom, id: ParticipantId, index: usize, rtcp: bool) -> SocketAddr {
    let stats = room.participant_stats(id);
    let port = if rtcp {
        stats[index].local_rtcp_port
    } else {
        stats[index].local_rtp_port
    };
    SocketAddr::from(([127, 0, 0, 1], port))
}

/// Sends `packet` to `to` every 40 ms until the returned sender is dropped.
fn keep_sending(
    sock: Arc<UdpSocket>,
    to: SocketAddr,
    packet: impl Fn(u16) -> Vec<u8> + Send + 'static,
) -> oneshot::Sender<()> {
    let (tx, mut rx) = oneshot::channel::<()>();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_millis(40));
        let mut seq = 0u16;
        loop {
            tokio::select! {
                _ = &mut rx => return,
                _ = tick.tick() => {
                    seq = seq.wrapping_add(1);
                    let _ = sock.send_to(&packet(seq), to).await;
                }
            }
        }
    });
    tx
}

async fn no_event_for(events: &mut mpsc::Receiver<RoomEvent>, d: Duration) -> bool {
    tokio::time::timeout(d, events.recv()).await.is_err()
}

async fn event_within(events: &mut mpsc::Receiver<RoomEvent>, d: Duration) -> Option<RoomEvent> {
    tokio::time::timeout(d, events.recv()).await.ok().flatten()
}

#[tokio::test]
async fn participants_get_streams_on_reserved_ports() {
    let (room, _events, ports) = room(4, Duration::from_secs(30));
    let pairs = room.reserve(2).unwrap();
    let expected: Vec<u16> = pairs.iter().map(|p| p.rtp_port()).collect();
    assert_eq!(ports.in_use(), 2);
    let specs = vec![
        spec(None, false, Direction::SendRecv),
        video(spec(None, false, Direction::SendRecv)),
    ];
    room.add_participant(7, "Room A", pairs.into_iter().zip(specs).collect())
        .await
        .unwrap();
    assert_eq!(room.participants(), vec![7]);
    assert_eq!(room.display_name(7).as_deref(), Some("Room A"));
    let stats = room.participant_stats(7);
    assert_eq!(
        stats.iter().map(|s| s.local_rtp_port).collect::<Vec<_>>(),
        expected
    );
    assert_eq!(stats[1].kind, MediaKind::Video);
    assert_eq!(room.streams(7).len(), 2);
    assert!(room.participant_stats(8).is_empty());

    // The same id twice is refused and its reserved ports come back.
    let again = room.reserve(1).unwrap();
    let dup = room
        .add_participant(
            7,
            "dup",
            vec![(
                again.into_iter().next().unwrap(),
                spec(None, false, Direction::SendRecv),
            )],
        )
        .await;
    assert!(matches!(dup, Err(MixerError::ParticipantExists(7))));
    assert_eq!(ports.in_use(), 2);

    // Too many reservations: an error, and nothing stays reserved.
    assert!(matches!(
        room.reserve(3),
        Err(MixerError::PortsExhausted { .. })
    ));
    assert_eq!(ports.in_use(), 2);

    room.remove_participant(7).unwrap();
    assert!(room.participants().is_empty());
    assert!(matches!(
        room.remove_participant(7),
        Err(MixerError::NoSuchParticipant(7))
    ));
    assert!(matches!(
        room.update_participant(7, vec![]),
        Err(MixerError::NoSuchParticipant(7))
    ));
    assert!(eventually(|| ports.in_use() == 0).await);
}

#[tokio::test]
async fn update_reaches_the_streams_in_order() {
    let (room, _events, _ports) = room(2, Duration::from_secs(30));
    add(
        &room,
        1,
        vec![
            spec(None, false, Direction::SendRecv),
            video(spec(None, false, Direction::SendRecv)),
        ],
    )
    .await;
    let remote: SocketAddr = "127.0.0.1:9".parse().unwrap();
    room.update_participant(
        1,
        vec![
            spec(Some(remote), false, Direction::RecvOnly),
            video(spec(Some(remote), false, Direction::Inactive)),
            spec(None, false, Direction::SendRecv),
        ],
    )
    .unwrap();
    let stats = room.participant_stats(1);
    assert_eq!(stats[0].direction, Direction::RecvOnly);
    assert_eq!(stats[1].direction, Direction::Inactive);
    assert_eq!(stats[1].kind, MediaKind::Video);
    assert_eq!(stats[0].remote_rtp, Some(remote));
    // Fewer specs leave the rest as they are.
    room.update_participant(1, vec![spec(None, false, Direction::SendRecv)])
        .unwrap();
    let stats = room.participant_stats(1);
    assert_eq!(stats[0].direction, Direction::SendRecv);
    assert_eq!(stats[1].direction, Direction::Inactive);
}

#[tokio::test]
async fn media_timeout_fires_for_a_silent_participant() {
    let (room, mut events, _ports) = room(2, TIMEOUT);
    add(&room, 3, vec![spec(None, false, Direction::SendRecv)]).await;
    let started = Instant::now();
    let ev = event_within(&mut events, Duration::from_secs(2)).await;
    assert_eq!(ev, Some(RoomEvent::MediaTimeout { participant: 3 }));
    assert!(started.elapsed() >= TIMEOUT - Duration::from_millis(20));
    // Reported once, not at every check.
    assert!(no_event_for(&mut events, TIMEOUT * 2).await);
}

#[tokio::test]
async fn rtcp_alone_keeps_the_participant_alive() {
    let (room, mut events, _ports) = room(2, TIMEOUT);
    add(
        &room,
        4,
        vec![
            spec(None, false, Direction::SendRecv),
            video(spec(None, false, Direction::SendRecv)),
        ],
    )
    .await;
    let sock = Arc::new(client().await);
    let rtcp_to = addr_of(&room, 4, 1, true);
    let stop = keep_sending(sock, rtcp_to, |_| receiver_report(77));
    assert!(no_event_for(&mut events, TIMEOUT * 3).await);
    assert!(room.participant_stats(4)[1].rtcp_packets > 0);
    drop(stop);
    let ev = event_within(&mut events, Duration::from_secs(2)).await;
    assert_eq!(ev, Some(RoomEvent::MediaTimeout { participant: 4 }));
}

#[tokio::test]
async fn audio_alone_keeps_the_participant_alive_when_the_camera_stops() {
    let (room, mut events, _ports) = room(2, TIMEOUT);
    add(
        &room,
        5,
        vec![
            spec(None, false, Direction::SendRecv),
            video(spec(None, false, Direction::SendRecv)),
        ],
    )
    .await;
    let sock = Arc::new(client().await);
    let _audio = keep_sending(sock, addr_of(&room, 5, 0, false), |seq| rtp(0, seq, 1));
    assert!(no_event_for(&mut events, TIMEOUT * 3).await);
    let stats = room.participant_stats(5);
    assert!(stats[0].packets > 0);
    assert_eq!(stats[1].packets, 0);
}

#[tokio::test]
async fn a_participant_on_hold_is_not_timed_out_until_it_resumes() {
    let (room, mut events, _ports) = room(2, TIMEOUT);
    // We hold it: a=sendonly on our side, the peer sends nothing.
    add(
        &room,
        6,
        vec![
            spec(None, false, Direction::SendOnly),
            video(spec(None, false, Direction::Inactive)),
        ],
    )
    .await;
    assert!(no_event_for(&mut events, TIMEOUT * 3).await);
    // Resume: the peer gets a full timeout from now to start sending.
    let resumed = Instant::now();
    room.update_participant(
        6,
        vec![
            spec(None, false, Direction::SendRecv),
            video(spec(None, false, Direction::Inactive)),
        ],
    )
    .unwrap();
    let ev = event_within(&mut events, Duration::from_secs(2)).await;
    assert_eq!(ev, Some(RoomEvent::MediaTimeout { participant: 6 }));
    assert!(resumed.elapsed() >= TIMEOUT - Duration::from_millis(20));
}

#[tokio::test]
async fn one_silent_participant_does_not_affect_another() {
    let (room, mut events, _ports) = room(2, TIMEOUT);
    add(&room, 1, vec![spec(None, false, Direction::SendRecv)]).await;
    add(&room, 2, vec![spec(None, true, Direction::SendRecv)]).await;
    let sock = Arc::new(client().await);
    // Participant 2 sends muxed RTCP only.
    let _keep = keep_sending(sock, addr_of(&room, 2, 0, false), |_| receiver_report(5));
    let ev = event_within(&mut events, Duration::from_secs(2)).await;
    assert_eq!(ev, Some(RoomEvent::MediaTimeout { participant: 1 }));
    assert!(no_event_for(&mut events, TIMEOUT * 2).await);
}

#[tokio::test]
async fn dropping_the_room_stops_everything() {
    let (room, mut events, ports) = room(2, TIMEOUT);
    add(&room, 1, vec![spec(None, false, Direction::SendRecv)]).await;
    let stream = room.streams(1).remove(0);
    let (to_rtp, to_rtcp) = (rtp_addr(&stream), rtcp_addr(&stream));
    assert_eq!((to_rtp.port() + 1), to_rtcp.port());
    drop(room);
    // Streams held elsewhere are closed too, the ports come back and the
    // watchdog ends (the event channel closes without an event).
    assert!(stream.is_closed());
    assert!(eventually(|| ports.in_use() == 0).await);
    assert_eq!(
        event_within(&mut events, Duration::from_secs(2)).await,
        None
    );
}

// ---- mixed audio through real sockets and GStreamer ----

/// Three participants on loopback send 440, 660 and 880 Hz in PCMU; what
/// the room sends each of them back holds the other two tones and not its
/// own (mix-minus), in the codec they negotiated, from their own port.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_participants_hear_the_others_and_not_themselves() {
    use crate::audio::testutil::{tone_amplitude, tone_frame};
    use crate::audio::{AudioCodec, AudioDecoder, AudioEncoder};

    let (room, _events, _ports) = room(6, Duration::from_secs(30));
    let tones = [440.0, 660.0, 880.0];
    // The third talks 12 dB louder: it must take the floor.
    let amplitudes = [4000.0, 4000.0, 16000.0];
    let mut peers = Vec::new();
    for (i, _) in tones.iter().enumerate() {
        let sock = client().await;
        let addr = sock.local_addr().unwrap();
        let pair = room.reserve(1).unwrap().remove(0);
        let id = i as ParticipantId + 1;
        room.add_participant(
            id,
            &format!("P{id}"),
            vec![(pair, spec(Some(addr), false, Direction::SendRecv))],
        )
        .await
        .unwrap();
        let target = rtp_addr(&room.streams(id)[0]);
        let enc = AudioEncoder::new(AudioCodec::Pcmu, 0, 0x1000 + id as u32).unwrap();
        let dec = AudioDecoder::new(AudioCodec::Pcmu, 0).unwrap();
        peers.push((sock, target, enc, dec));
    }

    let mut buf = vec![0u8; 2048];
    for k in 0..100 {
        for (i, (sock, target, enc, dec)) in peers.iter_mut().enumerate() {
            enc.push_frame(&tone_frame(tones[i], amplitudes[i], k))
                .unwrap();
            for p in enc.pull_rtp().unwrap() {
                sock.send_to(&p, *target).await.unwrap();
            }
            while let Ok((n, from)) = sock.try_recv_from(&mut buf) {
                assert_eq!(
                    from, *target,
                    "mix must come from the participant's own port"
                );
                dec.push_rtp(&buf[..n]).unwrap();
            }
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    for (i, (_, _, _, dec)) in peers.iter_mut().enumerate() {
        let frames = dec.pull_frames_timeout(Duration::from_millis(500)).unwrap();
        assert!(
            frames.len() > 40,
            "participant {i} got {} frames",
            frames.len()
        );
        // Per-frame amplitudes, median over the second half (the start has
        // the others' audio still arriving; a late frame on a loaded machine
        // is a silent frame, which a median shrugs off).
        let median = |f: f64| {
            let mut a: Vec<f64> = frames[frames.len() / 2..]
                .iter()
                .map(|fr| tone_amplitude(fr, f))
                .collect();
            a.sort_by(f64::total_cmp);
            a[a.len() / 2]
        };
        let own = median(tones[i]);
        for (j, f) in tones.iter().enumerate() {
            if j == i {
                continue;
            }
            let other = median(*f);
            assert!(
                other > amplitudes[j] / 2.0,
                "participant {i} hears {f} Hz at only {other:.0}"
            );
            assert!(
                own < other / 10.0,
                "participant {i} hears itself: own {own:.0} vs {other:.0}"
            );
        }
    }
    assert_eq!(room.active_speaker(), Some(3));
}
