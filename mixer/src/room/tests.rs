use super::*;
use crate::spec::{Direction, MediaKind};
use crate::stream::tests::{
    allocator, client, eventually, receiver_report, rtcp_addr, rtp, rtp_addr, spec,
};
use std::collections::BTreeSet;
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
    let more = event_within(&mut events, TIMEOUT * 2).await;
    assert_eq!(more, None, "participant 2 is alive");
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

// ---- continuous presence through real sockets and GStreamer ----

/// A room system's camera: 320x180 H.264 at 15 fps, pm1, a keyframe a
/// second (the room decodes from the next one whatever it missed).
fn camera_encoder() -> crate::video::VideoEncoder {
    use crate::video::{EncoderConfig, VideoCodec, VideoEncoder};
    VideoEncoder::new(EncoderConfig {
        codec: VideoCodec::H264,
        payload_type: 96,
        width: 320,
        height: 180,
        fps: 15,
        bitrate_kbps: 300,
        mtu: 1200,
        packetization_mode: 1,
        keyframe_interval: 15,
    })
    .unwrap()
}

/// A terminal on loopback sending a solid colour in H.264.
struct Camera {
    id: ParticipantId,
    sock: UdpSocket,
    target: SocketAddr,
    colour: (u8, u8, u8),
    encoder: crate::video::VideoEncoder,
}

/// Sends a frame from every camera each 66 ms (15 fps), feeds what the
/// room sends camera `watch` to `decoder`, and returns the first decoded
/// picture that satisfies `ok`, or `None` after `within`.
async fn watch_until(
    cameras: &[Camera],
    watch: ParticipantId,
    decoder: &crate::video::VideoDecoder,
    within: Duration,
    ok: impl Fn(&crate::video::testutil::Picture) -> bool,
) -> Option<crate::video::testutil::Picture> {
    use crate::video::testutil::{solid_i420, Picture};
    let deadline = Instant::now() + within;
    let mut buf = vec![0u8; 2048];
    while Instant::now() < deadline {
        for c in cameras {
            c.encoder
                .push_frame(&solid_i420(320, 180, c.colour))
                .unwrap();
        }
        tokio::time::sleep(Duration::from_millis(66)).await;
        for c in cameras {
            while let Some(p) = c.encoder.pull_rtp(Duration::ZERO).unwrap() {
                let data = p.map_readable().unwrap();
                c.sock.send_to(data.as_slice(), c.target).await.unwrap();
            }
            while let Ok((n, from)) = c.sock.try_recv_from(&mut buf) {
                if c.id == watch {
                    assert_eq!(
                        from, c.target,
                        "video must come from the participant's own port"
                    );
                    decoder.push_rtp(&buf[..n]).unwrap();
                }
            }
        }
        while let Some(s) = decoder.pull_frame(Duration::ZERO).unwrap() {
            let pic = Picture::from_sample(&s);
            if ok(&pic) {
                return Some(pic);
            }
        }
    }
    None
}

/// Three participants on loopback send red, green and blue H.264 (as a
/// room system would, without fmtp); the room sends participant 1 a
/// picture with the other two side by side and not itself, in the default
/// size for a peer without fmtp. When 3 leaves, 1 sees 2 alone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_participants_see_the_others_and_not_themselves() {
    use crate::video::testutil::{Picture, BLUE_YUV, GREEN_YUV, RED_YUV};
    use crate::video::{VideoCodec, VideoDecoder};
    let started = Instant::now();
    let ports = Arc::new(allocator(6));
    // A name of its own: its pump thread is looked for by name at the end.
    let (room, _events) = MediaRoom::new(
        "cp-test",
        ports.clone(),
        MediaMetrics::unregistered(),
        Duration::from_secs(30),
    );
    let mut cameras = Vec::new();
    for (i, colour) in [RED_YUV, GREEN_YUV, BLUE_YUV].into_iter().enumerate() {
        let sock = client().await;
        let addr = sock.local_addr().unwrap();
        let pair = room.reserve(1).unwrap().remove(0);
        let id = i as ParticipantId + 1;
        room.add_participant(
            id,
            &format!("Điểm cầu {id}"),
            vec![(pair, video(spec(Some(addr), false, Direction::SendRecv)))],
        )
        .await
        .unwrap();
        let target = rtp_addr(&room.streams(id)[0]);
        let encoder = camera_encoder();
        cameras.push(Camera {
            id,
            sock,
            target,
            colour,
            encoder,
        });
    }
    let sent = room.video().encoder_config(1).unwrap();
    assert_eq!(
        (
            sent.codec,
            sent.payload_type,
            sent.width,
            sent.height,
            sent.fps
        ),
        (VideoCodec::H264, 96, 640, 360, 15)
    );
    assert_eq!(sent.packetization_mode, 0);
    let views = room.video().views();
    let view1 = &views[&1];
    let shown: Vec<_> = view1.iter().map(|t| t.participant).collect();
    assert_eq!(shown, [2, 3]);
    assert_eq!(view1[0].name, "Điểm cầu 2");

    let decoder = VideoDecoder::new(
        "application/x-rtp,media=video,clock-rate=90000,encoding-name=H264,payload=96",
    )
    .unwrap();
    let no_red = |pic: &Picture| {
        (0..pic.height).step_by(8).all(|y| {
            (0..pic.width)
                .step_by(8)
                .all(|x| pic.primary(x, y) != Some("red"))
        })
    };
    let centres = |pic: &Picture, tiles: &[crate::video::CanvasTile]| -> Vec<Option<&str>> {
        tiles
            .iter()
            .map(|t| {
                let (x, y) = t.rect.center();
                pic.primary(x, y)
            })
            .collect()
    };
    let pic = watch_until(&cameras, 1, &decoder, Duration::from_secs(8), |pic| {
        centres(pic, view1) == [Some("green"), Some("blue")]
    })
    .await
    .expect("participant 1 never saw green and blue side by side");
    assert_eq!((pic.width, pic.height), (640, 360));
    assert!(no_red(&pic), "participant 1 sees itself");
    // And it keeps seeing the two others, never itself, frame after frame.
    let frames = std::cell::Cell::new(0);
    let never = watch_until(&cameras, 1, &decoder, Duration::from_secs(1), |pic| {
        frames.set(frames.get() + 1);
        assert!(no_red(pic), "participant 1 sees itself");
        assert_eq!(centres(pic, view1), [Some("green"), Some("blue")]);
        false
    })
    .await;
    assert!(never.is_none());
    assert!(
        frames.get() >= 8,
        "only {} frames in a second",
        frames.get()
    );

    // 3 leaves: 1 gets 2 full screen.
    room.remove_participant(3).unwrap();
    let two = &cameras[..2];
    let view1 = room.video().views()[&1].clone();
    assert_eq!(view1.len(), 1);
    assert_eq!(view1[0].participant, 2);
    assert!(room.video().encoder_config(3).is_none());
    watch_until(two, 1, &decoder, Duration::from_secs(4), |pic| {
        centres(pic, &view1) == [Some("green")] && pic.primary(40, 40) == Some("green")
    })
    .await
    .expect("participant 1 never saw 2 alone");

    // A session refresh (same SDP) keeps the chains; 1 holding its camera
    // (we receive nothing, a=sendonly on our side) turns its tile on 2's
    // canvas into a placeholder and stops nothing else.
    let addr1 = cameras[0].sock.local_addr().unwrap();
    room.update_participant(
        1,
        vec![video(spec(Some(addr1), false, Direction::SendRecv))],
    )
    .unwrap();
    assert_eq!(room.video().encoder_config(1), Some(sent.clone()));
    room.update_participant(
        1,
        vec![video(spec(Some(addr1), false, Direction::SendOnly))],
    )
    .unwrap();
    let view2 = room.video().views()[&2].clone();
    assert_eq!(view2.len(), 1);
    assert_eq!(
        (view2[0].participant, view2[0].source),
        (1, crate::video::TileSource::Placeholder)
    );
    assert_eq!(room.video().encoder_config(1), Some(sent));

    // A configured layout applies to every receiver: 1 sees 2 in the
    // first quarter of a 2x2 grid.
    room.set_layout(crate::video::Layout::Grid2x2);
    let tile = room.video().views()[&1][0].clone();
    assert_eq!(tile.participant, 2);
    assert_eq!(
        (tile.rect.x, tile.rect.y, tile.rect.width, tile.rect.height),
        (0, 0, 320, 180)
    );

    // Dropping the room stops the pump thread and every pipeline.
    let pump_threads = || {
        std::fs::read_dir("/proc/self/task")
            .unwrap()
            .filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("comm")).ok())
            .filter(|name| name.trim() == "video-cp-test")
            .count()
    };
    assert_eq!(pump_threads(), 1);
    drop(room);
    assert_eq!(pump_threads(), 0);
    assert!(eventually(|| ports.in_use() == 0).await);
    eprintln!("video room test took {:?}", started.elapsed());
}

/// Five participants who only send video and one who receives it: the
/// receiver gets 1+5 with the active speaker in the large tile, and the
/// speaker moving there changes only the order of the same tiles.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_active_speaker_takes_the_large_tile() {
    let (room, _events, _ports) = room(6, Duration::from_secs(30));
    for id in 1..=6u64 {
        // Ours is recvonly for the senders: they get no canvas.
        let direction = if id == 1 {
            Direction::SendRecv
        } else {
            Direction::RecvOnly
        };
        add(&room, id, vec![video(spec(None, false, direction))]).await;
    }
    let views = room.video().views();
    assert_eq!(views.keys().copied().collect::<Vec<_>>(), [1]);
    let order = |room: &MediaRoom| -> Vec<ParticipantId> {
        room.video().views()[&1]
            .iter()
            .map(|t| t.participant)
            .collect()
    };
    assert_eq!(order(&room), [2, 3, 4, 5, 6]);
    let large = room.video().views()[&1][0].rect;
    room.video().set_speaker(Some(5));
    assert_eq!(order(&room), [5, 2, 3, 4, 6]);
    assert_eq!(room.video().views()[&1][0].rect, large);
    // The receiver talking changes nothing for itself.
    room.video().set_speaker(Some(1));
    assert_eq!(order(&room), [2, 3, 4, 5, 6]);
    // The speaker leaving: join order again, one tile fewer.
    room.video().set_speaker(Some(4));
    room.remove_participant(4).unwrap();
    assert_eq!(order(&room), [2, 3, 5, 6]);
}

// ---- shared outputs, placeholders, keyframe requests ----

/// RTP packets of payload type 96 that reached `sock`, as (SSRC, seq).
async fn video_rtp_for(sock: &UdpSocket, d: Duration) -> Vec<(u32, u16)> {
    let mut buf = vec![0u8; 2048];
    let mut got = Vec::new();
    let deadline = Instant::now() + d;
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        let Ok(Ok((n, _))) = tokio::time::timeout(left, sock.recv_from(&mut buf)).await else {
            break;
        };
        if n >= 12 && buf[0] >> 6 == 2 && buf[1] & 0x7f == 96 {
            let ssrc = u32::from_be_bytes([buf[8], buf[9], buf[10], buf[11]]);
            got.push((ssrc, u16::from_be_bytes([buf[2], buf[3]])));
        }
    }
    got
}

/// "Same picture for all": one canvas and encoder for three receivers
/// with the same settings, each shown with the others and itself; back
/// to personal pictures, one each. Through both changes every receiver
/// keeps one RTP stream (its SSRC, its sequence numbers).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn same_picture_for_all_shares_one_encoder() {
    let (room, _events, _ports) = room(3, Duration::from_secs(30));
    let mut socks = Vec::new();
    for id in 1..=3u64 {
        let sock = client().await;
        let addr = sock.local_addr().unwrap();
        add(
            &room,
            id,
            vec![video(spec(Some(addr), false, Direction::SendRecv))],
        )
        .await;
        socks.push(sock);
    }
    let groups = room.video().encoder_groups();
    assert_eq!(groups, [vec![1], vec![2], vec![3]]);
    for (id, tiles) in room.video().views() {
        assert_eq!(tiles.len(), 2);
        assert!(
            tiles.iter().all(|t| t.participant != id),
            "{id} sees itself"
        );
    }
    let mut before = Vec::new();
    for s in &socks {
        let got = video_rtp_for(s, Duration::from_millis(1500)).await;
        assert!(got.len() > 5, "only {} packets", got.len());
        assert!(got.iter().all(|p| p.0 == got[0].0), "one SSRC per receiver");
        before.push(*got.last().unwrap());
    }
    let ssrcs: BTreeSet<u32> = before.iter().map(|p| p.0).collect();
    assert_eq!(ssrcs.len(), 3, "every receiver has its own SSRC");

    room.set_same_picture(true);
    assert_eq!(room.video().encoder_groups(), [vec![1, 2, 3]]);
    assert_eq!(room.video().stats().encoders, [3]);
    let views = room.video().views();
    let shown: Vec<ParticipantId> = views[&1].iter().map(|t| t.participant).collect();
    assert_eq!(shown, [1, 2, 3]);
    assert!(views.values().all(|v| *v == views[&1]));
    for (s, (ssrc, last)) in socks.iter().zip(&before) {
        let got = video_rtp_for(s, Duration::from_millis(1500)).await;
        assert!(got.len() > 5, "only {} packets after the change", got.len());
        assert!(
            got.iter().all(|p| p.0 == *ssrc),
            "SSRC changed with the encoder"
        );
        // The sequence carries on: no jump beyond what was sent meanwhile.
        let gap = got[0].1.wrapping_sub(*last);
        assert!((1..2000).contains(&gap), "sequence jumped by {gap}");
    }

    room.set_same_picture(false);
    assert_eq!(room.video().encoder_groups().len(), 3);
    let stats = room.video().stats();
    assert_eq!(stats.encoders, [1, 1, 1]);
    assert!(stats.frames_composed > 30, "{stats:?}");
    // Canvases and encoders ran on threads counted for the room.
    assert!(
        room.cpu_time() > Duration::from_millis(50),
        "{:?}",
        room.cpu_time()
    );
}

/// An audio-only participant is a placeholder tile with its name on the
/// others' pictures; it gets no picture itself.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_audio_only_participant_is_a_placeholder_tile() {
    let (room, _events, _ports) = room(2, Duration::from_secs(30));
    add(
        &room,
        1,
        vec![video(spec(None, false, Direction::SendRecv))],
    )
    .await;
    let pair = room.reserve(1).unwrap().remove(0);
    room.add_participant(
        2,
        "Sở Nội vụ (thoại)",
        vec![(pair, spec(None, false, Direction::SendRecv))],
    )
    .await
    .unwrap();
    let views = room.video().views();
    assert_eq!(views.keys().copied().collect::<Vec<_>>(), [1]);
    let tile = &views[&1][0];
    assert_eq!(
        (tile.participant, tile.name.as_str(), tile.source),
        (
            2,
            "Sở Nội vụ (thoại)",
            crate::video::TileSource::Placeholder
        )
    );
    room.remove_participant(2).unwrap();
    assert!(room.video().views()[&1].is_empty());
}

/// H.264 that never decodes (non-IDR slices of garbage, as after a lost
/// keyframe): a sender with AVPF `nack pli` gets RTCP PLI for its SSRC, one
/// without feedback makes the room ask the signalling; both throttled.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn undecodable_senders_are_asked_for_keyframes() {
    let (room, mut events, _ports) = room(2, Duration::from_secs(30));
    let avpf = Arc::new(client().await);
    let plain = Arc::new(client().await);
    let mut with_fb = video(spec(
        Some(avpf.local_addr().unwrap()),
        true,
        Direction::SendRecv,
    ));
    with_fb.rtcp_fb = vec!["nack".into(), "nack pli".into()];
    add(&room, 1, vec![with_fb]).await;
    add(
        &room,
        2,
        vec![video(spec(
            Some(plain.local_addr().unwrap()),
            true,
            Direction::SendRecv,
        ))],
    )
    .await;
    let garbage = |ssrc: u32| {
        move |seq: u16| {
            let mut p = vec![0x80, 96];
            p.extend_from_slice(&seq.to_be_bytes());
            p.extend_from_slice(&(u32::from(seq) * 3000).to_be_bytes());
            p.extend_from_slice(&ssrc.to_be_bytes());
            // NAL type 1 (non-IDR slice), then noise.
            p.push(0x41);
            p.extend((0..200u32).map(|i| (i.wrapping_mul(151) ^ u32::from(seq)) as u8));
            p
        }
    };
    let _a = keep_sending(avpf.clone(), addr_of(&room, 1, 0, false), garbage(0xa1a1));
    let _b = keep_sending(plain.clone(), addr_of(&room, 2, 0, false), garbage(0xb2b2));

    // The AVPF sender: a compound RR + PLI naming its SSRC.
    let mut buf = vec![0u8; 2048];
    let mut plis = 0;
    let deadline = Instant::now() + Duration::from_secs(3);
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        let Ok(Ok((n, _))) = tokio::time::timeout(left, avpf.recv_from(&mut buf)).await else {
            break;
        };
        let p = &buf[..n];
        if n >= 20 && p[1] == 201 && p[8] == 0x81 && p[9] == 206 {
            assert_eq!(&p[16..20], &0xa1a1u32.to_be_bytes(), "PLI for another SSRC");
            plis += 1;
        }
    }
    // Asked at once, then at most once a second.
    assert!((1..=4).contains(&plis), "{plis} PLIs in 3 s");

    // What was asked meanwhile was asked for 2 only; then count 3 s afresh.
    let mut wanted = 0;
    while let Ok(ev) = events.try_recv() {
        if let RoomEvent::KeyframeWanted { participant } = ev {
            assert_eq!(participant, 2, "the AVPF sender is asked by RTCP");
            wanted += 1;
        }
    }
    assert!(wanted >= 1, "the plain sender was never asked for");
    let mut wanted = 0;
    let deadline = Instant::now() + Duration::from_secs(3);
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        match event_within(&mut events, left).await {
            Some(RoomEvent::KeyframeWanted { participant }) => {
                assert_eq!(participant, 2, "the AVPF sender is asked by RTCP");
                wanted += 1;
            }
            Some(_) => {}
            None => break,
        }
    }
    assert!(
        (1..=4).contains(&wanted),
        "{wanted} signalling requests in 3 s"
    );
    assert!(room.video().stats().keyframes_requested >= 2);
}

/// A camera that stops: its tile freezes, then turns into its placeholder;
/// its frames coming back bring the picture back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_camera_becomes_its_placeholder_and_comes_back() {
    use crate::video::testutil::{solid_i420, GREEN_YUV};
    use crate::video::TileSource;
    let (room, _events, _ports) = room(2, Duration::from_secs(30));
    let sock = client().await;
    add(
        &room,
        1,
        vec![video(spec(None, false, Direction::SendRecv))],
    )
    .await;
    add(
        &room,
        2,
        vec![video(spec(
            Some(sock.local_addr().unwrap()),
            false,
            Direction::SendRecv,
        ))],
    )
    .await;
    let target = addr_of(&room, 2, 0, false);
    let encoder = camera_encoder();
    let source_on_1 = |room: &MediaRoom| room.video().views()[&1][0].source;
    assert_eq!(source_on_1(&room), TileSource::Placeholder, "no frame yet");
    let send_for = |d: Duration| {
        let (encoder, sock) = (&encoder, &sock);
        async move {
            let deadline = Instant::now() + d;
            while Instant::now() < deadline {
                encoder
                    .push_frame(&solid_i420(320, 180, GREEN_YUV))
                    .unwrap();
                tokio::time::sleep(Duration::from_millis(66)).await;
                while let Some(p) = encoder.pull_rtp(Duration::ZERO).unwrap() {
                    let data = p.map_readable().unwrap();
                    sock.send_to(data.as_slice(), target).await.unwrap();
                }
            }
        }
    };
    send_for(Duration::from_secs(2)).await;
    assert_eq!(source_on_1(&room), TileSource::Frames);
    // Silence: frozen for a while, then the placeholder.
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(source_on_1(&room), TileSource::Frames, "frozen first");
    let deadline = Instant::now() + Duration::from_secs(4);
    while source_on_1(&room) != TileSource::Placeholder && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(source_on_1(&room), TileSource::Placeholder, "still frozen");
    send_for(Duration::from_secs(2)).await;
    assert_eq!(
        source_on_1(&room),
        TileSource::Frames,
        "back with its frames"
    );
}

// ---- viewers, exclusions, bit rate limits ----

/// A peer on loopback with an audio and a video stream, each its own
/// socket: sends a tone in PCMU and a solid colour in H.264.
struct AvPeer {
    id: ParticipantId,
    audio: UdpSocket,
    video: UdpSocket,
    audio_to: SocketAddr,
    video_to: SocketAddr,
    tone: f64,
    colour: (u8, u8, u8),
    sends_video: bool,
    camera: crate::video::VideoEncoder,
    mic: crate::audio::AudioEncoder,
}

impl AvPeer {
    async fn join(
        room: &MediaRoom,
        id: ParticipantId,
        (tone, colour): (f64, (u8, u8, u8)),
        directions: (Direction, Direction),
        options: ParticipantOptions,
    ) -> AvPeer {
        let (audio, video_sock) = (client().await, client().await);
        let pairs = room.reserve(2).unwrap();
        let specs = vec![
            spec(Some(audio.local_addr().unwrap()), false, directions.0),
            video(spec(
                Some(video_sock.local_addr().unwrap()),
                false,
                directions.1,
            )),
        ];
        room.add_participant_with(
            id,
            &format!("P{id}"),
            pairs.into_iter().zip(specs).collect(),
            options,
        )
        .await
        .unwrap();
        let streams = room.streams(id);
        AvPeer {
            id,
            audio,
            video: video_sock,
            audio_to: rtp_addr(&streams[0]),
            video_to: rtp_addr(&streams[1]),
            tone,
            colour,
            sends_video: directions.1.peer_sends(),
            camera: camera_encoder(),
            mic: crate::audio::AudioEncoder::new(crate::audio::AudioCodec::Pcmu, 0, id as u32)
                .unwrap(),
        }
    }
}

/// What one peer took in while [`run_av`] ran.
struct Heard {
    audio: Vec<crate::audio::Frame>,
    pictures: Vec<crate::video::testutil::Picture>,
}

/// Runs every peer for `d` (a tone frame each 20 ms, a video frame each
/// 60 ms) and decodes what the room sends peer `watch`.
async fn run_av(peers: &mut [AvPeer], watch: ParticipantId, d: Duration) -> Heard {
    use crate::audio::testutil::tone_frame;
    use crate::audio::{AudioCodec, AudioDecoder};
    use crate::video::testutil::{solid_i420, Picture};
    let mut adec = AudioDecoder::new(AudioCodec::Pcmu, 0).unwrap();
    let vdec = crate::video::VideoDecoder::new(
        "application/x-rtp,media=video,clock-rate=90000,encoding-name=H264,payload=96",
    )
    .unwrap();
    let mut heard = Heard {
        audio: Vec::new(),
        pictures: Vec::new(),
    };
    let mut buf = vec![0u8; 2048];
    let start = Instant::now();
    let mut k = 0;
    while start.elapsed() < d {
        for p in peers.iter_mut() {
            p.mic.push_frame(&tone_frame(p.tone, 8000.0, k)).unwrap();
            for pkt in p.mic.pull_rtp().unwrap() {
                p.audio.send_to(&pkt, p.audio_to).await.unwrap();
            }
            if p.sends_video && k % 3 == 0 {
                p.camera
                    .push_frame(&solid_i420(320, 180, p.colour))
                    .unwrap();
            }
            while let Some(pkt) = p.camera.pull_rtp(Duration::ZERO).unwrap() {
                let data = pkt.map_readable().unwrap();
                p.video.send_to(data.as_slice(), p.video_to).await.unwrap();
            }
            while let Ok((n, _)) = p.audio.try_recv_from(&mut buf) {
                if p.id == watch {
                    adec.push_rtp(&buf[..n]).unwrap();
                }
            }
            while let Ok((n, _)) = p.video.try_recv_from(&mut buf) {
                if p.id == watch {
                    vdec.push_rtp(&buf[..n]).unwrap();
                }
            }
        }
        heard.audio.extend(adec.pull_frames().unwrap());
        while let Some(s) = vdec.pull_frame(Duration::ZERO).unwrap() {
            heard.pictures.push(Picture::from_sample(&s));
        }
        k += 1;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    heard
}

/// The median amplitude of `freq` over the second half of `frames` (the
/// start has the others' audio still arriving).
fn median_tone(frames: &[crate::audio::Frame], freq: f64) -> f64 {
    use crate::audio::testutil::tone_amplitude;
    assert!(frames.len() > 20, "only {} audio frames", frames.len());
    let mut a: Vec<f64> = frames[frames.len() / 2..]
        .iter()
        .map(|f| tone_amplitude(f, freq))
        .collect();
    a.sort_by(f64::total_cmp);
    a[a.len() / 2]
}

/// The colour at each tile's centre, in the last picture.
fn tile_colours(heard: &Heard, tiles: &[crate::video::CanvasTile]) -> Vec<Option<&'static str>> {
    let pic = heard.pictures.last().expect("no picture decoded");
    tiles
        .iter()
        .map(|t| {
            let (x, y) = t.rect.center();
            pic.primary(x, y)
        })
        .collect()
}

/// Two senders (red at 440 Hz, green at 660 Hz) and two WHEP-style
/// viewers: a viewer has no tile and never takes the floor, even when its
/// relay sends a loud tone; it sees both senders and hears both tones, and
/// the viewers share one encoder. Then the first viewer excludes sender 1
/// (a bridge leaving out its own publisher): its picture loses the red
/// tile and its mix the 440 Hz tone, while the others are unchanged.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_viewer_sees_and_hears_everyone_but_whom_it_excludes() {
    use crate::video::testutil::{GREEN_YUV, RED_YUV};
    let (room, _events, _ports) = room(8, Duration::from_secs(30));
    let plain = ParticipantOptions::default();
    let viewer = ParticipantOptions {
        viewer: true,
        exclude: Vec::new(),
        lobby: None,
    };
    let (both, camera_only) = (
        (Direction::SendRecv, Direction::SendRecv),
        (Direction::SendRecv, Direction::RecvOnly),
    );
    let receive_only = (Direction::SendOnly, Direction::SendOnly);
    let mut peers = vec![
        AvPeer::join(&room, 1, (440.0, RED_YUV), both, plain.clone()).await,
        AvPeer::join(&room, 2, (660.0, GREEN_YUV), camera_only, plain).await,
        // The first viewer's relay misbehaves: it sends a loud tone.
        AvPeer::join(
            &room,
            10,
            (1100.0, RED_YUV),
            (Direction::SendRecv, Direction::SendOnly),
            viewer.clone(),
        )
        .await,
        AvPeer::join(&room, 11, (1300.0, RED_YUV), receive_only, viewer).await,
    ];
    assert!(room.is_viewer(10) && !room.is_viewer(1));
    let views = room.video().views();
    let ids = |tiles: &[crate::video::CanvasTile]| -> Vec<ParticipantId> {
        tiles.iter().map(|t| t.participant).collect()
    };
    // Nobody sees a viewer; viewers see both senders, side by side.
    assert_eq!(ids(&views[&1]), [2]);
    assert_eq!(ids(&views[&10]), [1, 2]);
    assert_eq!(views[&10], views[&11]);
    assert!(room.video().encoder_groups().contains(&vec![10, 11]));

    let heard = run_av(&mut peers, 10, Duration::from_secs(4)).await;
    assert_eq!(
        tile_colours(&heard, &views[&10]),
        [Some("red"), Some("green")]
    );
    let (a440, a660) = (
        median_tone(&heard.audio, 440.0),
        median_tone(&heard.audio, 660.0),
    );
    assert!(a440 > 2000.0 && a660 > 2000.0, "{a440:.0} {a660:.0}");
    assert_ne!(room.active_speaker(), Some(10));
    // Sender 1 hears 2, not the viewer's relay.
    let heard1 = run_av(&mut peers, 1, Duration::from_secs(2)).await;
    let (a660, a1100) = (
        median_tone(&heard1.audio, 660.0),
        median_tone(&heard1.audio, 1100.0),
    );
    assert!(a660 > 2000.0 && a1100 < a660 / 20.0, "{a660:.0} {a1100:.0}");
    assert_ne!(room.active_speaker(), Some(10));

    room.set_exclusions(10, vec![1]).unwrap();
    let views = room.video().views();
    assert_eq!(ids(&views[&10]), [2]);
    assert_eq!(ids(&views[&11]), [1, 2]);
    let heard = run_av(&mut peers, 10, Duration::from_secs(3)).await;
    let last = heard
        .pictures
        .last()
        .expect("no picture after the exclusion");
    assert_eq!(tile_colours(&heard, &views[&10]), [Some("green")]);
    let red = (0..last.height)
        .step_by(8)
        .flat_map(|y| (0..last.width).step_by(8).map(move |x| (x, y)))
        .filter(|&(x, y)| last.primary(x, y) == Some("red"))
        .count();
    assert_eq!(red, 0, "the excluded sender is still on the picture");
    let (a440, a660) = (
        median_tone(&heard.audio, 440.0),
        median_tone(&heard.audio, 660.0),
    );
    assert!(a660 > 2000.0 && a440 < a660 / 20.0, "{a440:.0} {a660:.0}");
    // The other viewer still gets everyone.
    let heard11 = run_av(&mut peers, 11, Duration::from_secs(2)).await;
    assert!(median_tone(&heard11.audio, 440.0) > 2000.0);
    assert!(matches!(
        room.set_exclusions(99, vec![1]),
        Err(MixerError::NoSuchParticipant(99))
    ));
}

/// Pixels (on an 8 px grid) of the last picture whose colour is `colour`.
fn count_colour(heard: &Heard, colour: &str) -> usize {
    let last = heard.pictures.last().expect("no picture decoded");
    (0..last.height)
        .step_by(8)
        .flat_map(|y| (0..last.width).step_by(8).map(move |x| (x, y)))
        .filter(|&(x, y)| last.primary(x, y) == Some(colour))
        .count()
}

/// A caller waiting to type its PIN (the lobby) is neither seen nor heard,
/// sees only the prompt and hears silence, even while it sends a loud
/// tone; the prompt can change; let in, it is an ordinary participant on
/// the same ports, seen and heard, seeing and hearing the room.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_participant_in_the_lobby_is_let_in() {
    use crate::video::testutil::{GREEN_YUV, RED_YUV};
    let (room, _events, _ports) = room(8, Duration::from_secs(30));
    let both = (Direction::SendRecv, Direction::SendRecv);
    let lobby = ParticipantOptions {
        lobby: Some("Nhập mã PIN rồi bấm #".into()),
        ..ParticipantOptions::default()
    };
    let mut peers = vec![
        AvPeer::join(
            &room,
            1,
            (440.0, RED_YUV),
            both,
            ParticipantOptions::default(),
        )
        .await,
        AvPeer::join(&room, 2, (660.0, GREEN_YUV), both, lobby).await,
    ];
    let views = room.video().views();
    assert!(
        views[&1].is_empty(),
        "the lobby has a tile: {:?}",
        views[&1]
    );
    assert_eq!(views[&2].len(), 1, "{:?}", views[&2]);
    assert_eq!(views[&2][0].participant, 2);
    assert_eq!(views[&2][0].name, "Nhập mã PIN rồi bấm #");
    assert_eq!(views[&2][0].source, crate::video::TileSource::Placeholder);

    let heard2 = run_av(&mut peers, 2, Duration::from_secs(3)).await;
    assert_eq!(count_colour(&heard2, "red"), 0, "the lobby sees the room");
    let a440 = median_tone(&heard2.audio, 440.0);
    assert!(a440 < 50.0, "the lobby hears the room at {a440:.0}");
    let heard1 = run_av(&mut peers, 1, Duration::from_secs(2)).await;
    let a660 = median_tone(&heard1.audio, 660.0);
    assert!(a660 < 50.0, "the room hears the lobby at {a660:.0}");
    assert_ne!(room.active_speaker(), Some(2));

    room.set_lobby_prompt(2, "Sai mã PIN").unwrap();
    assert_eq!(room.video().views()[&2][0].name, "Sai mã PIN");

    let ports_before: Vec<u16> = room.streams(2).iter().map(|s| s.local_rtp_port()).collect();
    room.let_in(2).unwrap();
    let ports_after: Vec<u16> = room.streams(2).iter().map(|s| s.local_rtp_port()).collect();
    assert_eq!(ports_before, ports_after);
    let views = room.video().views();
    let ids = |tiles: &[crate::video::CanvasTile]| -> Vec<ParticipantId> {
        tiles.iter().map(|t| t.participant).collect()
    };
    assert_eq!(ids(&views[&1]), [2]);
    assert_eq!(ids(&views[&2]), [1]);
    let heard2 = run_av(&mut peers, 2, Duration::from_secs(3)).await;
    assert_eq!(tile_colours(&heard2, &views[&2]), [Some("red")]);
    assert!(median_tone(&heard2.audio, 440.0) > 2000.0);
    // A fresh decoder asks for a keyframe, as a terminal would.
    room.request_keyframe(1);
    let heard1 = run_av(&mut peers, 1, Duration::from_secs(3)).await;
    assert_eq!(tile_colours(&heard1, &views[&1]), [Some("green")]);
    assert!(median_tone(&heard1.audio, 660.0) > 2000.0);
    // Letting in twice, or someone never in the lobby, changes nothing.
    let before = room.video().views();
    room.let_in(2).unwrap();
    room.let_in(1).unwrap();
    assert_eq!(room.video().views(), before);
}

/// Bytes of video RTP (payload type 96) that reach `sock` in `d`, as
/// kbit/s; RTCP that arrives meanwhile is kept in `rtcp`.
async fn video_kbps(sock: &UdpSocket, d: Duration, rtcp: &mut Vec<Vec<u8>>) -> f64 {
    let mut buf = vec![0u8; 2048];
    let mut bytes = 0usize;
    let deadline = Instant::now() + d;
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        let Ok(Ok((n, _))) = tokio::time::timeout(left, sock.recv_from(&mut buf)).await else {
            break;
        };
        if n >= 12 && (200..=206).contains(&buf[1]) {
            rtcp.push(buf[..n].to_vec());
        } else if n >= 12 && buf[1] & 0x7f == 96 {
            bytes += n;
        }
    }
    bytes as f64 * 8.0 / 1000.0 / d.as_secs_f64()
}

/// A receiver's video follows its bit rate limit: measured on its socket,
/// the rate drops when the relay sets a limit; TMMBR and REMB on its RTCP
/// set the limit too (TMMBR answered by TMMBN); the stats show the limit
/// and the encoder's rate; lifting the limit restores the negotiated rate.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bitrate_limit_lowers_what_the_receiver_gets() {
    use crate::video::feedback::{rate_feedback, remb, tmmbr, RateFeedback};
    use crate::video::{EncoderConfig, VideoCodec, VideoEncoder};
    let (room, _events, _ports) = room(2, Duration::from_secs(30));
    // The sender: busy SMPTE bars at 640x360, so that the receiver's
    // encoder has more to say than any limit lets it.
    let cam_sock = client().await;
    add(
        &room,
        1,
        vec![video(spec(
            Some(cam_sock.local_addr().unwrap()),
            false,
            Direction::RecvOnly,
        ))],
    )
    .await;
    let rx = client().await;
    add(
        &room,
        2,
        vec![video(spec(
            Some(rx.local_addr().unwrap()),
            true,
            Direction::SendOnly,
        ))],
    )
    .await;
    let negotiated = room.video().encoder_config(2).unwrap().bitrate_kbps;
    assert_eq!(negotiated, 1024);
    let to_cam = rtp_addr(&room.streams(1)[0]);
    let to_rx = rtp_addr(&room.streams(2)[0]);
    let camera = VideoEncoder::new(EncoderConfig {
        codec: VideoCodec::H264,
        payload_type: 96,
        width: 640,
        height: 360,
        fps: 15,
        bitrate_kbps: 2000,
        mtu: 1200,
        packetization_mode: 1,
        keyframe_interval: 15,
    })
    .unwrap();
    let frames = {
        use gstreamer::prelude::*;
        crate::video::element::init().unwrap();
        let desc = "videotestsrc pattern=smpte num-buffers=15 \
             ! video/x-raw,format=I420,width=640,height=360,framerate=15/1 \
             ! appsink name=out sync=false";
        let pipeline = gstreamer::parse::launch(desc)
            .unwrap()
            .downcast::<gstreamer::Pipeline>()
            .unwrap();
        let sink = pipeline
            .by_name("out")
            .unwrap()
            .downcast::<gstreamer_app::AppSink>()
            .unwrap();
        pipeline.set_state(gstreamer::State::Playing).unwrap();
        let mut out = Vec::new();
        while let Some(s) = sink.try_pull_sample(gstreamer::ClockTime::from_seconds(5)) {
            out.push(s);
        }
        pipeline.set_state(gstreamer::State::Null).unwrap();
        out
    };
    assert_eq!(frames.len(), 15);
    let (stop_tx, mut stop_rx) = oneshot::channel::<()>();
    let cam = tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_millis(66));
        let mut i = 0;
        loop {
            tokio::select! {
                _ = &mut stop_rx => return,
                _ = tick.tick() => {
                    camera.push_frame(&frames[i % frames.len()]).unwrap();
                    i += 1;
                    while let Some(p) = camera.pull_rtp(Duration::ZERO).unwrap() {
                        let data = p.map_readable().unwrap();
                        let _ = cam_sock.send_to(data.as_slice(), to_cam).await;
                    }
                }
            }
        }
    });
    let stats = || room.video().participant_stats(2).unwrap();
    let mut rtcp = Vec::new();
    // Warm up (first pictures, keyframes), then measure.
    video_kbps(&rx, Duration::from_secs(2), &mut rtcp).await;
    let before = video_kbps(&rx, Duration::from_secs(3), &mut rtcp).await;
    assert_eq!(stats().bitrate_limit_kbps, None);
    assert_eq!(stats().encoder_bitrate_kbps, Some(negotiated));

    room.set_bitrate_limit(2, Some(250)).unwrap();
    assert!(eventually(|| stats().encoder_bitrate_kbps == Some(250)).await);
    assert_eq!(stats().bitrate_limit_kbps, Some(250));
    video_kbps(&rx, Duration::from_secs(1), &mut rtcp).await;
    let after = video_kbps(&rx, Duration::from_secs(3), &mut rtcp).await;
    eprintln!("receiver's video: {before:.0} kbit/s, {after:.0} kbit/s with a 250 kbit/s limit");
    // Margins for a loaded machine (frames dropped on the way lower both).
    assert!(before > 500.0, "only {before:.0} kbit/s without a limit");
    assert!(after < 375.0, "{after:.0} kbit/s with a 250 kbit/s limit");
    assert!(after < before / 2.0, "{before:.0} -> {after:.0} kbit/s");

    // A room system's TMMBR (RR first, as a compound): the limit, and a
    // TMMBN back from the SSRC the receiver gets video from.
    let ours = video_rtp_for(&rx, Duration::from_millis(300)).await[0].0;
    let mut compound = receiver_report(0x5eed);
    compound.extend(tmmbr(0x5eed, ours, 400_000, 40));
    rx.send_to(&compound, to_rx).await.unwrap();
    assert!(eventually(|| stats().bitrate_limit_kbps == Some(400)).await);
    // Under a second after the last change: held, then applied.
    assert!(eventually(|| stats().encoder_bitrate_kbps == Some(400)).await);
    rtcp.clear();
    video_kbps(&rx, Duration::from_millis(300), &mut rtcp).await;
    let answered = rtcp.iter().flat_map(|p| {
        // The TMMBN is the second packet of its compound (RTPFB FMT 4).
        let at = (usize::from(u16::from_be_bytes([p[2], p[3]])) + 1) * 4;
        p.get(at..).map(<[u8]>::to_vec)
    });
    let tmmbn = answered
        .into_iter()
        .find(|p| p.len() == 20 && p[0] & 0x1f == 4 && p[1] == 205)
        .expect("no TMMBN");
    assert_eq!(&tmmbn[4..8], &ours.to_be_bytes());
    assert_eq!(&tmmbn[12..16], &0x5eed_u32.to_be_bytes());
    // Read as a TMMBR, the tuple is the one asked.
    let mut as_request = tmmbn.clone();
    as_request[0] = 0x83;
    assert_eq!(
        rate_feedback(&as_request),
        [RateFeedback::Tmmbr {
            sender_ssrc: ours,
            media_ssrc: 0x5eed,
            bitrate_bps: 400_000,
            overhead: 40
        }]
    );

    // A browser's REMB; an estimate beyond what was negotiated is capped.
    rx.send_to(&remb(0x5eed, 600_000, &[ours]), to_rx)
        .await
        .unwrap();
    assert!(eventually(|| stats().encoder_bitrate_kbps == Some(600)).await);
    let big = remb(0x5eed, 50_000_000, &[ours]);
    // 50 Mbit/s as an 18-bit mantissa, rounded down.
    let Some(RateFeedback::Remb { bitrate_bps, .. }) = rate_feedback(&big).pop() else {
        panic!("our REMB does not parse");
    };
    rx.send_to(&big, to_rx).await.unwrap();
    assert!(eventually(|| stats().encoder_bitrate_kbps == Some(negotiated)).await);
    assert_eq!(
        stats().bitrate_limit_kbps,
        Some((bitrate_bps / 1000) as u32)
    );
    // A limit under the floor stops at the floor; lifting it restores.
    room.set_bitrate_limit(2, Some(10)).unwrap();
    assert!(eventually(|| stats().encoder_bitrate_kbps == Some(150)).await);
    room.set_bitrate_limit(2, None).unwrap();
    assert!(eventually(|| stats().encoder_bitrate_kbps == Some(negotiated)).await);
    assert_eq!(stats().bitrate_limit_kbps, None);
    assert!(room.video().stats().bitrate_changes >= 5);
    assert!(matches!(
        room.set_bitrate_limit(9, Some(1)),
        Err(MixerError::NoSuchParticipant(9))
    ));
    let _ = stop_tx.send(());
    cam.await.unwrap();
}

/// What is set for a participant holds before the others join and across
/// a stream rebuild: an exclusion given at join names a participant that
/// comes later, a viewer stays a viewer after a re-INVITE; viewers sharing
/// an encoder get the lower of their rates, and one limited under half of
/// its rate gets an encoder apart until its limit is lifted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn options_hold_across_joins_and_rebuilds() {
    let (room, _events, ports) = room(5, Duration::from_secs(30));
    let join = |id, direction, options| {
        let room = &room;
        async move {
            let pair = room.reserve(1).unwrap().remove(0);
            room.add_participant_with(
                id,
                "P",
                vec![(pair, video(spec(None, false, direction)))],
                options,
            )
            .await
            .unwrap();
        }
    };
    let viewer = |exclude| ParticipantOptions {
        viewer: true,
        exclude,
        lobby: None,
    };
    join(1, Direction::SendRecv, ParticipantOptions::default()).await;
    // The link's viewer excludes its publisher, 3, which is not here yet.
    join(2, Direction::SendOnly, viewer(vec![3])).await;
    join(3, Direction::SendRecv, ParticipantOptions::default()).await;
    join(4, Direction::SendOnly, viewer(vec![])).await;
    // An audio-only viewer: no placeholder tile either.
    let pair = room.reserve(1).unwrap().remove(0);
    room.add_participant_with(
        5,
        "Audio viewer",
        vec![(pair, spec(None, false, Direction::SendOnly))],
        viewer(vec![]),
    )
    .await
    .unwrap();
    let ids = |id| -> Vec<ParticipantId> {
        room.video().views()[&id]
            .iter()
            .map(|t| t.participant)
            .collect()
    };
    assert_eq!(ids(1), [3]);
    assert_eq!(ids(3), [1]);
    assert_eq!(ids(2), [1]);
    assert_eq!(ids(4), [1, 3]);

    // A re-INVITE that rebuilds the viewer's chains (now also sending
    // video, say): still no tile, still its exclusion.
    room.update_participant(2, vec![video(spec(None, false, Direction::SendRecv))])
        .unwrap();
    assert_eq!(ids(1), [3]);
    assert_eq!(ids(2), [1]);
    assert!(room.is_viewer(2));

    // 4 and a second plain viewer share an encoder at the lower of their
    // rates, and only the one who set a limit shows it.
    room.remove_participant(5).unwrap();
    // Its ports come back once its streams have stopped.
    assert!(eventually(|| ports.in_use() < 5).await);
    join(6, Direction::SendOnly, viewer(vec![])).await;
    assert!(room.video().encoder_groups().contains(&vec![4, 6]));
    room.set_bitrate_limit(6, Some(800)).unwrap();
    let stats = |id| room.video().participant_stats(id).unwrap();
    assert!(eventually(|| stats(4).encoder_bitrate_kbps == Some(800)).await);
    assert_eq!(stats(6).encoder_bitrate_kbps, Some(800));
    assert_eq!(
        (stats(4).bitrate_limit_kbps, stats(6).bitrate_limit_kbps),
        (None, Some(800))
    );
    // Whoever is not limited and not shared keeps the negotiated rate.
    assert_eq!(stats(1).encoder_bitrate_kbps, Some(1024));
    // 4 limited under half its rate: an encoder apart, so 6 keeps 800.
    room.set_bitrate_limit(4, Some(300)).unwrap();
    let apart = |room: &MediaRoom| {
        let groups = room.video().encoder_groups();
        groups.contains(&vec![4]) && groups.contains(&vec![6])
    };
    assert!(eventually(|| apart(&room)).await);
    assert!(eventually(|| stats(4).encoder_bitrate_kbps == Some(300)).await);
    assert_eq!(stats(6).encoder_bitrate_kbps, Some(800));
    // Back up to 600: still apart (released above 70 %), at 600.
    room.set_bitrate_limit(4, Some(600)).unwrap();
    assert!(eventually(|| stats(4).encoder_bitrate_kbps == Some(600)).await);
    assert!(apart(&room));
    // Lifted: together again, at 6's 800.
    room.set_bitrate_limit(4, None).unwrap();
    assert!(eventually(|| room.video().encoder_groups().contains(&vec![4, 6])).await);
    assert!(eventually(|| stats(4).encoder_bitrate_kbps == Some(800)).await);
    // Gone and back: nothing kept from before.
    room.remove_participant(4).unwrap();
    assert!(eventually(|| ports.in_use() < 5).await);
    join(4, Direction::SendRecv, ParticipantOptions::default()).await;
    assert!(!room.is_viewer(4));
    assert_eq!(stats(4).bitrate_limit_kbps, None);
    assert!(ids(1).contains(&4));
    // Same picture for all: the viewer shares everyone's encoder; the
    // one with an exclusion has its own.
    room.set_same_picture(true);
    let mut groups = room.video().encoder_groups();
    groups.sort();
    assert_eq!(groups, [vec![1, 3, 4, 6], vec![2]]);
    assert_eq!(ids(6), [1, 3, 4]);
    assert_eq!(ids(2), [1, 4]);
}
