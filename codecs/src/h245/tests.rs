use std::net::SocketAddr;

use super::*;
use crate::catalogue::Capabilities;
use crate::h264::ProfileLevelId;

fn addr(s: &str) -> SocketAddr {
    s.parse().expect("test address")
}

/// H.264 as a Polycom room system announces it (see the gateway's
/// `POLYCOM_TCS`): Baseline, level 1.3, CustomMaxMBPS 216, CustomMaxFS 15.
fn polycom_h264() -> H264Capability {
    H264Capability {
        profiles: h241::BASELINE,
        level: 36,
        custom_max_mbps: Some(216),
        custom_max_fs: Some(15),
        custom_max_dpb: None,
        custom_max_br_cpb: Some(64),
        max_bit_rate: Some(19200),
        packetization_mode: 0,
    }
}

#[test]
fn h241_levels_map_both_ways() {
    assert_eq!(h241_level(Level::L1), 15);
    assert_eq!(h241_level(Level::L1b), 19);
    assert_eq!(h241_level(Level::L1_3), 36);
    assert_eq!(h241_level(Level::L3), 64);
    assert_eq!(h241_level(Level::L3_1), 71);
    assert_eq!(h241_level(Level::L4), 85);
    assert_eq!(h241_level(Level::L5_2), 120);
    assert_eq!(
        h241_level(Level::L6),
        120,
        "above H.241's table: its highest"
    );
    for (level, n) in H241_LEVELS {
        assert_eq!(level_from_h241(n), level);
    }
    // Unknown numbers round down, never up.
    assert_eq!(level_from_h241(70), Level::L3);
    assert_eq!(level_from_h241(0), Level::L1);
}

#[test]
fn polycom_h264_becomes_sdp_side_params_with_its_units() {
    let p = polycom_h264().to_params();
    assert_eq!(p.profile(), Some(H264Profile::Baseline));
    assert_eq!(p.level(), Level::L1_3);
    // 216 * 500 macroblocks/s and 15 * 256 macroblocks: 720p30.
    assert_eq!(p.max_mbps, Some(108_000));
    assert_eq!(p.max_fs, Some(3840));
    // CustomMaxBRandCPB 64 * 25000 bit/s = 1600 kbit/s.
    assert_eq!(p.max_br, Some(1600));
    assert_eq!(p.max_resolution(1280, 720, 30), (1280, 720, 30));
    assert_eq!(p.packetization_mode, 0);
    // High wins when the mask has it.
    let mut high = polycom_h264();
    high.profiles = h241::HIGH | h241::BASELINE;
    assert_eq!(high.to_params().profile(), Some(H264Profile::High));
}

#[test]
fn our_h264_params_become_h241_custom_values() {
    let mut params = H264Params::new(
        ProfileLevelId::new(H264Profile::ConstrainedBaseline, Level::L3_1),
        1,
    );
    params.max_fs = Some(8160); // 1080p
    params.max_mbps = Some(245_760);
    let h = H264Capability::from_params(&params, h241::BASELINE | h241::HIGH, Some(2048));
    assert_eq!(h.level, 71);
    assert_eq!(h.custom_max_fs, Some(31), "8160 / 256, rounded down");
    assert_eq!(h.custom_max_mbps, Some(491));
    assert_eq!(h.max_bit_rate, Some(20480), "units of 100 bit/s");
    // Values at or below the level's are not announced.
    let plain = H264Params::new(ProfileLevelId::new(H264Profile::Baseline, Level::L3_1), 0);
    let h = H264Capability::from_params(&plain, h241::BASELINE, None);
    assert_eq!((h.custom_max_fs, h.custom_max_mbps), (None, None));
}

#[test]
fn our_capability_set_follows_the_sip_side_capabilities() {
    let caps = Capabilities::default();
    let set = local_capability_set(&caps);
    let codecs: Vec<_> = set.entries.iter().map(|e| e.capability.codec()).collect();
    // Opus has no H.245 capability of ours; H.263 and H.263+ are one RFC
    // 2190 entry; VP8 has none.
    assert_eq!(
        codecs,
        [
            CodecName::G722,
            CodecName::Pcmu,
            CodecName::Pcma,
            CodecName::H264,
            CodecName::H263
        ]
    );
    assert!(set
        .entries
        .iter()
        .all(|e| e.direction == CapabilityDirection::Receive));
    let Some(MediaCapability::H264(h)) = set.entries.iter().find_map(|e| match &e.capability {
        c @ MediaCapability::H264(_) => Some(c.clone()),
        _ => None,
    }) else {
        panic!("no H.264");
    };
    assert_eq!(h.level, 71, "caps.h264_max_level_idc 31");
    assert_eq!(h.profiles, h241::BASELINE | h241::MAIN | h241::HIGH);
    assert_eq!(h.max_bit_rate, Some(20480));
    let Some(MediaCapability::H263(h263)) = set.entries.last().map(|e| e.capability.clone()) else {
        panic!("no H.263");
    };
    assert_eq!(h263.sizes, caps.h263_sizes);
    assert_eq!(set.descriptors.len(), 1);
    assert_eq!(
        set.descriptors[0].simultaneous,
        [vec![1, 2, 3], vec![11, 12]]
    );
    assert!(set.user_input.dtmf && set.user_input.alphanumeric);

    // A G.711-only configuration announces only that.
    let g711 = Capabilities {
        audio: vec![CodecName::Pcma],
        video: vec![],
        ..Capabilities::default()
    };
    let set = local_capability_set(&g711);
    assert_eq!(set.entries.len(), 1);
    assert_eq!(set.descriptors[0].simultaneous, [vec![1]]);
}

fn peer(entries: Vec<MediaCapability>) -> CapabilitySet {
    CapabilitySet {
        entries: entries
            .into_iter()
            .enumerate()
            .map(|(i, capability)| CapabilityEntry {
                number: i as u16 + 1,
                direction: CapabilityDirection::Receive,
                capability,
            })
            .collect(),
        ..CapabilitySet::default()
    }
}

#[test]
fn transmit_choice_follows_our_preference_within_the_peers_set() {
    let caps = Capabilities::default();
    let p = peer(vec![
        MediaCapability::G711Alaw { frames: 30 },
        MediaCapability::G711Ulaw { frames: 10 },
        MediaCapability::H263(H263Capability {
            sizes: H263Sizes::up_to(H263Size::Cif, 2),
            max_bit_rate: 3840,
            rfc4629: false,
        }),
    ]);
    // Ours: G.722, PCMU, PCMA: PCMU, at the peer's 10 ms.
    assert_eq!(
        choose_transmit(&p, &caps, MediaKind::Audio),
        Some(MediaCapability::G711Ulaw { frames: 10 })
    );
    // No H.264 at the peer: H.263 at the common sizes and slower MPI, the
    // lower bit rate.
    let Some(MediaCapability::H263(h)) = choose_transmit(&p, &caps, MediaKind::Video) else {
        panic!("no H.263");
    };
    assert_eq!(h.sizes.mpi(H263Size::Cif), Some(2));
    assert_eq!(h.sizes.mpi(H263Size::Cif4), None);
    assert_eq!(h.max_bit_rate, 3840);
    // Nothing in common.
    let p = peer(vec![]);
    assert_eq!(choose_transmit(&p, &caps, MediaKind::Audio), None);
}

#[test]
fn transmit_only_entries_and_entries_outside_descriptors_are_not_chosen() {
    let caps = Capabilities::default();
    let mut p = peer(vec![
        MediaCapability::G722 { frames: 20 },
        MediaCapability::G711Alaw { frames: 20 },
    ]);
    p.entries[0].direction = CapabilityDirection::Transmit;
    assert_eq!(
        choose_transmit(&p, &caps, MediaKind::Audio),
        Some(MediaCapability::G711Alaw { frames: 20 })
    );
    p.entries[0].direction = CapabilityDirection::Receive;
    p.descriptors = vec![CapabilityDescriptor {
        number: 0,
        simultaneous: vec![vec![2]],
    }];
    assert_eq!(
        choose_transmit(&p, &caps, MediaKind::Audio),
        Some(MediaCapability::G711Alaw { frames: 20 })
    );
}

#[test]
fn h264_choice_takes_the_tighter_limits() {
    let caps = Capabilities::default();
    let p = peer(vec![MediaCapability::H264(polycom_h264())]);
    let Some(MediaCapability::H264(h)) = choose_transmit(&p, &caps, MediaKind::Video) else {
        panic!("no H.264");
    };
    assert_eq!(h.profiles, h241::BASELINE);
    assert_eq!(h.level, 36);
    // Its custom limits stand (our level 3.1 allows as much).
    assert_eq!(h.custom_max_fs, Some(15));
    assert_eq!(h.custom_max_mbps, Some(216));
    assert_eq!(h.max_bit_rate, Some(19200));
    // A peer at level 4 with no custom values: our level 3.1 binds.
    let p = peer(vec![MediaCapability::H264(H264Capability {
        profiles: h241::HIGH,
        level: 85,
        custom_max_mbps: None,
        custom_max_fs: None,
        custom_max_dpb: None,
        custom_max_br_cpb: None,
        max_bit_rate: None,
        packetization_mode: 1,
    })]);
    let Some(MediaCapability::H264(h)) = choose_transmit(&p, &caps, MediaKind::Video) else {
        panic!("no H.264");
    };
    assert_eq!((h.profiles, h.level), (h241::HIGH, 71));
    assert_eq!((h.custom_max_fs, h.custom_max_mbps), (None, None));
    assert_eq!(h.packetization_mode, 1);
    // Only a profile we do not encode: no H.264, H.263 neither: nothing.
    let p = peer(vec![MediaCapability::H264(H264Capability {
        profiles: h241::HIGH444,
        ..polycom_h264()
    })]);
    assert_eq!(choose_transmit(&p, &caps, MediaKind::Video), None);
}

#[test]
fn logical_channels_become_a_negotiated_stream_like_sips() {
    // We send H.264 to the peer (its limits) and receive its H.264 in
    // packetization mode 1 on payload type 109.
    let send = ChannelCodec {
        capability: MediaCapability::H264(polycom_h264()),
        dynamic_payload_type: Some(96),
    };
    let mut recv_h264 = polycom_h264();
    recv_h264.packetization_mode = 1;
    let receive = ChannelCodec {
        capability: MediaCapability::H264(recv_h264),
        dynamic_payload_type: Some(109),
    };
    let remote = RemoteMedia {
        rtp: Some(addr("192.0.2.10:5004")),
        rtcp: Some(addr("192.0.2.10:5005")),
    };
    let s = negotiated_stream(1, Some(&send), Some(&receive), remote).expect("stream");
    assert_eq!(s.kind, MediaKind::Video);
    assert_eq!(s.codec.name, CodecName::H264);
    assert_eq!(s.codec.payload_type, 109, "what our depayloader gets");
    assert_eq!(s.codec.clock_rate, 90_000);
    assert_eq!(s.direction, Direction::SendRecv);
    assert_eq!(s.remote_rtp, remote.rtp);
    assert_eq!(s.remote_rtcp, remote.rtcp);
    let CodecParams::H264(p) = &s.codec.params else {
        panic!("{:?}", s.codec.params);
    };
    assert_eq!(p.max_fs, Some(3840));
    // The mixer's view, as for SIP: caps of what we receive, the size and
    // rate to send, the bit rate to send.
    let caps = s.rtp_caps();
    assert!(caps.contains("encoding-name=(string)H264"), "{caps}");
    assert!(caps.contains("payload=(int)109"), "{caps}");
    assert!(caps.contains("packetization-mode=(string)1"), "{caps}");
    assert_eq!(s.max_resolution(1280, 720, 30), Some((1280, 720, 30)));
    assert_eq!(s.max_send_bitrate_kbps(), Some(1600));

    // Audio, receive only (the peer opened G.711 to us, we did not open).
    let receive = ChannelCodec {
        capability: MediaCapability::G711Ulaw { frames: 20 },
        dynamic_payload_type: None,
    };
    let s = negotiated_stream(0, None, Some(&receive), RemoteMedia::default()).expect("stream");
    assert_eq!(s.codec.name, CodecName::Pcmu);
    assert_eq!(s.codec.payload_type, 0);
    assert_eq!(s.direction, Direction::RecvOnly);
    assert_eq!(s.remote_rtp, None);
    // G.722 sent at 20 ms: ptime 20, payload type 9, RTP clock 8000.
    let send = ChannelCodec {
        capability: MediaCapability::G722 { frames: 20 },
        dynamic_payload_type: None,
    };
    let s = negotiated_stream(0, Some(&send), None, RemoteMedia::default()).expect("stream");
    assert_eq!(
        (
            s.codec.payload_type,
            s.codec.clock_rate,
            s.ptime,
            s.direction
        ),
        (9, 8000, Some(20), Direction::SendOnly)
    );
    assert!(negotiated_stream(0, None, None, RemoteMedia::default()).is_none());
}

#[test]
fn accepts_checks_codec_and_limits() {
    let ours = local_capability_set(&Capabilities::default());
    assert!(ours.accepts(&MediaCapability::G711Alaw { frames: 30 }));
    assert!(ours.accepts(&MediaCapability::H264(polycom_h264())));
    let mut odd = polycom_h264();
    odd.profiles = h241::HIGH444;
    assert!(!ours.accepts(&MediaCapability::H264(odd)));
    assert!(ours.accepts(&MediaCapability::H263(H263Capability {
        sizes: H263Sizes::up_to(H263Size::Cif, 1),
        max_bit_rate: 100,
        rfc4629: false,
    })));
    assert!(!ours.accepts(&MediaCapability::H263(H263Capability {
        sizes: h263_sizes([None, None, None, None, Some(1)]),
        max_bit_rate: 100,
        rfc4629: false,
    })));
}

#[test]
fn h263_mpi_fields_map_both_ways() {
    let sizes = h263_sizes([Some(1), Some(1), Some(2), Some(40), None]);
    assert_eq!(
        sizes.standard,
        [
            (H263Size::Sqcif, 1),
            (H263Size::Qcif, 1),
            (H263Size::Cif, 2)
        ],
        "MPI 40 is out of range"
    );
    assert_eq!(h263_mpis(&sizes), [Some(1), Some(1), Some(2), None, None]);
}
