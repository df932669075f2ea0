//! Offer/answer against what real terminals send: each case stands for an
//! interop trap of room systems (Polycom, Cisco, Yealink, baresip...).

use std::net::{IpAddr, SocketAddr};

use super::*;
use crate::catalogue::Capabilities;
use crate::h264::{H264Profile, Level};
use crate::CodecError;

/// A Polycom RealPresence Group offer: Siren/G.722.1 first, H.264 High,
/// Baseline in both packetization modes, H.263+, H.263, a content video
/// line, BFCP and FECC.
const POLYCOM: &str = include_str!("../../fixtures/polycom-group.sdp");
/// baresip 1.0's offer as captured on the wire (opus/G.722/G.711, H.264
/// packetization-mode 0 first, rtcp-fb in RTP/AVP, a=content:main).
const BARESIP: &str = include_str!("../../fixtures/baresip-1.0.sdp");

fn parse(text: &str) -> SessionDescription {
    match SessionDescription::parse(text) {
        Ok(sdp) => sdp,
        Err(e) => panic!("{e}\n{text}"),
    }
}

fn caps() -> Capabilities {
    Capabilities::default()
}

fn origin() -> Origin {
    Origin {
        username: "diemcau".into(),
        session_id: 42,
        version: 1,
        address: local_ip(),
    }
}

fn local_ip() -> IpAddr {
    "203.0.113.5".parse().unwrap()
}

fn addr(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

fn answered(offer: &str) -> Negotiation {
    match answer(&parse(offer), &caps()) {
        Ok(n) => n,
        Err(e) => panic!("{e}\n{offer}"),
    }
}

fn only(neg: &Negotiation, kind: MediaKind) -> &NegotiatedStream {
    neg.stream(kind)
        .unwrap_or_else(|| panic!("no {kind} stream in {:?}", neg.lines))
}

fn h264(stream: &NegotiatedStream) -> &H264Params {
    match &stream.codec.params {
        CodecParams::H264(p) => p,
        other => panic!("not H.264: {other:?}"),
    }
}

/// An offer with one m-line block (`media` holds the m= line and its
/// attributes, LF separated).
fn offer_with(session_extra: &str, media: &str) -> String {
    format!("v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-\nc=IN IP4 192.0.2.1\nt=0 0\n{session_extra}{media}")
}

const H264_PM1: &str = "m=video 5004 RTP/AVP 96\na=rtpmap:96 H264/90000\na=fmtp:96 profile-level-id=42e01f;packetization-mode=1\n";
const PCMU: &str = "m=audio 5002 RTP/AVP 0\n";

#[test]
fn polycom_group_offer() {
    assert!(POLYCOM.len() > 1300, "the fixture must be a large offer");
    let crlf = POLYCOM.replace('\n', "\r\n");
    for text in [POLYCOM, crlf.as_str()] {
        let offer = parse(text);
        assert_eq!(offer.media.len(), 5);
        let neg = answer(&offer, &caps()).unwrap();
        assert_eq!(neg.lines.len(), 5);

        let audio = only(&neg, MediaKind::Audio);
        assert_eq!(audio.index, 0);
        assert_eq!(audio.codec.name, CodecName::G722);
        assert_eq!(
            (audio.codec.payload_type, audio.codec.clock_rate),
            (9, 8000)
        );
        assert_eq!(audio.telephone_event, Some(101));
        assert_eq!(audio.remote_rtp, Some(addr("198.51.100.20:49152")));
        assert_eq!(audio.remote_rtcp, Some(addr("198.51.100.20:49153")));
        assert_eq!(audio.profile, RtpProfile::Avp);
        assert_eq!(audio.direction, Direction::SendRecv);

        let video = only(&neg, MediaKind::Video);
        assert_eq!(video.index, 1);
        assert_eq!(
            (video.codec.name, video.codec.payload_type),
            (CodecName::H264, 109)
        );
        let peer = h264(video);
        assert_eq!(peer.profile(), Some(H264Profile::High));
        assert_eq!(peer.level(), Level::L3_1);
        assert_eq!(peer.packetization_mode, 1);
        assert_eq!(
            (peer.max_fs, peer.max_mbps, peer.max_br),
            (Some(3600), Some(108_000), Some(1920))
        );
        assert_eq!(video.max_resolution(1920, 1080, 30), Some((1280, 720, 30)));
        assert_eq!(video.bandwidth_kbps, Some(1920));
        assert_eq!(video.max_send_bitrate_kbps(), Some(1920));
        assert!(video.rtcp_fb.is_empty(), "no feedback in RTP/AVP");

        for (i, media) in [(2, "video"), (3, "application"), (4, "application")] {
            assert!(
                matches!(&neg.lines[i], MediaLine::Rejected { index, media: m, .. } if *index == i && m == media),
                "{:?}",
                neg.lines[i]
            );
        }

        let sdp = neg.answer_sdp(&origin(), local_ip(), &[40000, 40002]);
        let text = sdp.to_string();
        assert_eq!(
            text,
            "v=0\r\n\
             o=diemcau 42 1 IN IP4 203.0.113.5\r\n\
             s=diemcau\r\n\
             c=IN IP4 203.0.113.5\r\n\
             t=0 0\r\n\
             m=audio 40000 RTP/AVP 9 101\r\n\
             a=rtpmap:9 G722/8000\r\n\
             a=rtpmap:101 telephone-event/8000\r\n\
             a=fmtp:101 0-15\r\n\
             a=sendrecv\r\n\
             m=video 40002 RTP/AVP 109\r\n\
             b=AS:2048\r\n\
             a=rtpmap:109 H264/90000\r\n\
             a=fmtp:109 profile-level-id=64001f;packetization-mode=1;max-mbps=108000;max-fs=3600\r\n\
             a=sendrecv\r\n\
             m=video 0 RTP/AVP 109 110 111 97 34\r\n\
             m=application 0 TCP/BFCP *\r\n\
             m=application 0 RTP/AVP 100\r\n"
        );
        let reparsed = parse(&text);
        assert_eq!(reparsed, sdp);
        assert_eq!(reparsed.media.len(), offer.media.len());
    }
}

#[test]
fn polycom_offer_with_fewer_capabilities() {
    let offer = parse(POLYCOM);
    let pick = |caps: Capabilities| {
        let neg = answer(&offer, &caps).unwrap();
        let v = only(&neg, MediaKind::Video);
        (v.codec.name, v.codec.payload_type, v.codec.fmtp.clone())
    };
    // No High: the Baseline mode 1 payload type, at our level.
    let baseline = Capabilities {
        h264_profiles: vec![H264Profile::ConstrainedBaseline, H264Profile::Baseline],
        ..caps()
    };
    assert_eq!(
        pick(baseline.clone()),
        (
            CodecName::H264,
            110,
            Some("profile-level-id=42801f;packetization-mode=1;max-mbps=108000;max-fs=3600".into())
        )
    );
    // Mode 0 only: the payload type without packetization-mode.
    let mode0 = Capabilities {
        h264_packetization_modes: vec![0],
        ..baseline
    };
    assert_eq!(pick(mode0).1, 111);
    // Level 3.0 receiver: the level drops and so do the HD limits.
    let sd = Capabilities {
        h264_max_level_idc: 30,
        ..caps()
    };
    assert_eq!(
        pick(sd).2.as_deref(),
        Some("profile-level-id=64001e;packetization-mode=1")
    );
    // H.263+ only: the common sizes, no annexes, no custom sizes.
    let h263p = Capabilities {
        video: vec![CodecName::H263_1998],
        ..caps()
    };
    assert_eq!(
        pick(h263p),
        (
            CodecName::H263_1998,
            97,
            Some("CIF4=1;CIF=1;QCIF=1;SQCIF=1".into())
        )
    );
    let h263 = Capabilities {
        video: vec![CodecName::H263],
        h263_sizes: crate::h263::H263Sizes::up_to(crate::h263::H263Size::Cif, 2),
        ..caps()
    };
    assert_eq!(
        pick(h263),
        (CodecName::H263, 34, Some("CIF=2;QCIF=2;SQCIF=2".into()))
    );
    // G.711 only.
    let g711 = Capabilities {
        audio: vec![CodecName::Pcma, CodecName::Pcmu],
        ..caps()
    };
    let neg = answer(&offer, &g711).unwrap();
    let a = only(&neg, MediaKind::Audio);
    // The offerer's order wins: PCMU comes before PCMA in the offer.
    assert_eq!((a.codec.name, a.telephone_event), (CodecName::Pcmu, None));
}

#[test]
fn baresip_offer() {
    let neg = answered(BARESIP);
    assert_eq!(neg.lines.len(), 2);
    let audio = only(&neg, MediaKind::Audio);
    assert_eq!(audio.codec.name, CodecName::Opus);
    assert_eq!(
        (
            audio.codec.payload_type,
            audio.codec.clock_rate,
            audio.codec.channels
        ),
        (96, 48000, 2)
    );
    assert_eq!(
        audio.codec.fmtp.as_deref(),
        Some("minptime=10;useinbandfec=1")
    );
    match &audio.codec.params {
        CodecParams::Opus(p) => assert!(p.stereo && p.sprop_stereo),
        other => panic!("{other:?}"),
    }
    // Only telephone-event/8000 is offered: it does not go with 48 kHz opus.
    assert_eq!(audio.telephone_event, None);
    assert_eq!(audio.ptime, Some(20));

    let video = only(&neg, MediaKind::Video);
    // packetization-mode 0 comes first and is what baresip wants.
    assert_eq!(
        (video.codec.name, video.codec.payload_type),
        (CodecName::H264, 96)
    );
    assert_eq!(h264(video).packetization_mode, 0);
    assert_eq!(
        video.codec.fmtp.as_deref(),
        Some("profile-level-id=42e01f;packetization-mode=0;max-mbps=108000;max-fs=3600")
    );
    assert!(
        video.rtcp_fb.is_empty(),
        "a=rtcp-fb in RTP/AVP means nothing"
    );
    assert_eq!(
        video.rtp_caps(),
        "application/x-rtp,media=(string)video,clock-rate=(int)90000,encoding-name=(string)H264,\
         payload=(int)96,packetization-mode=(string)0,profile-level-id=(string)42e01f"
    );

    let text = neg
        .answer_sdp(&origin(), local_ip(), &[41000, 41002])
        .to_string();
    assert!(text.contains("m=audio 41000 RTP/AVP 96\r\na=rtpmap:96 opus/48000/2\r\na=fmtp:96 minptime=10;useinbandfec=1\r\n"));
    assert!(text.contains("m=video 41002 RTP/AVP 96\r\nb=AS:2048\r\na=rtpmap:96 H264/90000\r\n"));
    assert!(!text.contains("rtcp-fb"));

    // Without opus: G.722 and its telephone-event.
    let no_opus = Capabilities {
        audio: vec![CodecName::G722, CodecName::Pcmu, CodecName::TelephoneEvent],
        ..caps()
    };
    let neg = answer(&parse(BARESIP), &no_opus).unwrap();
    let audio = only(&neg, MediaKind::Audio);
    assert_eq!(
        (audio.codec.name, audio.telephone_event),
        (CodecName::G722, Some(101))
    );
}

#[test]
fn packetization_mode_0_only_is_answered_with_mode_0() {
    for fmtp in [
        "profile-level-id=42e01f",
        "profile-level-id=42e01f;packetization-mode=0",
    ] {
        let neg = answered(&offer_with(
            "",
            &format!("m=video 5004 RTP/AVP 126\na=rtpmap:126 H264/90000\na=fmtp:126 {fmtp}\n"),
        ));
        let v = only(&neg, MediaKind::Video);
        assert_eq!(h264(v).packetization_mode, 0);
        let text = neg.answer_sdp(&origin(), local_ip(), &[6000]).to_string();
        assert!(
            text.contains("a=fmtp:126 profile-level-id=42e01f;packetization-mode=0;"),
            "{text}"
        );
        assert!(v.rtp_caps().contains("packetization-mode=(string)0"));
    }
    // Mode 1 first: mode 1.
    let neg = answered(&offer_with(
        "",
        "m=video 5004 RTP/AVP 97 96\na=rtpmap:96 H264/90000\na=fmtp:96 profile-level-id=42e01f\n\
         a=rtpmap:97 H264/90000\na=fmtp:97 profile-level-id=42e01f;packetization-mode=1\n",
    ));
    assert_eq!(only(&neg, MediaKind::Video).codec.payload_type, 97);
    // Interleaved mode 2 is skipped for the next payload type.
    let neg = answered(&offer_with(
        "",
        "m=video 5004 RTP/AVP 98 96\na=rtpmap:98 H264/90000\na=fmtp:98 profile-level-id=42e01f;packetization-mode=2\n\
         a=rtpmap:96 H264/90000\na=fmtp:96 profile-level-id=42e01f\n",
    ));
    assert_eq!(only(&neg, MediaKind::Video).codec.payload_type, 96);
}

#[test]
fn baseline_level_1_3_is_limited_to_cif() {
    // Polycom VVX.
    let neg = answered(&offer_with(
        "",
        "m=video 5004 RTP/AVP 109\na=rtpmap:109 H264/90000\na=fmtp:109 profile-level-id=42800d; packetization-mode=1\n",
    ));
    let v = only(&neg, MediaKind::Video);
    assert_eq!(
        v.codec.fmtp.as_deref(),
        Some("profile-level-id=42800d;packetization-mode=1")
    );
    assert_eq!(h264(v).level(), Level::L1_3);
    assert_eq!(h264(v).effective_max_fs(), 396);
    assert_eq!(v.max_resolution(704, 576, 30), Some((352, 288, 30)));
    assert_eq!(v.max_resolution(1280, 720, 30), Some((384, 216, 30)));
    assert_eq!(v.max_send_bitrate_kbps(), Some(768));
}

#[test]
fn absent_profile_level_id_means_baseline_level_1() {
    let neg = answered(&offer_with(
        "",
        "m=video 5004 RTP/AVP 96\na=rtpmap:96 H264/90000\n",
    ));
    let v = only(&neg, MediaKind::Video);
    assert_eq!(h264(v).profile_level_id().to_string(), "42000a");
    assert_eq!(
        v.codec.fmtp.as_deref(),
        Some("profile-level-id=42000a;packetization-mode=0")
    );
    assert_eq!(v.max_resolution(352, 288, 30), Some((176, 144, 15)));
}

#[test]
fn level_asymmetry() {
    let neg = answered(&offer_with(
        "",
        "m=video 5004 RTP/AVP 96\na=rtpmap:96 H264/90000\n\
         a=fmtp:96 profile-level-id=640c34;packetization-mode=1;level-asymmetry-allowed=1\n",
    ));
    let v = only(&neg, MediaKind::Video);
    assert_eq!(
        v.codec.fmtp.as_deref(),
        Some("profile-level-id=640c1f;packetization-mode=1;level-asymmetry-allowed=1;max-mbps=108000;max-fs=3600")
    );
    // The peer receives at its own level 5.2.
    assert_eq!(h264(v).level(), Level::L5_2);
    assert_eq!(v.max_resolution(1920, 1080, 30), Some((1920, 1080, 30)));
}

#[test]
fn answer_keeps_avp_or_avpf() {
    let avpf = offer_with(
        "",
        "m=video 5004 RTP/AVPF 96\na=rtpmap:96 H264/90000\na=fmtp:96 profile-level-id=42e01f;packetization-mode=1\n\
         a=rtcp-fb:96 goog-remb\na=rtcp-fb:96 transport-cc\na=rtcp-fb:96 nack\na=rtcp-fb:96  nack  pli\n\
         a=rtcp-fb:* ccm fir\na=rtcp-fb:* ccm tmmbr\na=rtcp-fb:97 nack\n",
    );
    let neg = answered(&avpf);
    let v = only(&neg, MediaKind::Video);
    assert_eq!(v.profile, RtpProfile::Avpf);
    assert_eq!(v.rtcp_fb, ["nack", "nack pli", "ccm fir"]);
    let text = neg.answer_sdp(&origin(), local_ip(), &[6000]).to_string();
    assert!(text.contains("m=video 6000 RTP/AVPF 96\r\n"));
    assert!(text.contains("a=rtcp-fb:96 nack\r\na=rtcp-fb:96 nack pli\r\na=rtcp-fb:96 ccm fir\r\n"));
    assert!(v.rtp_caps().ends_with(
        ",rtcp-fb-nack=(boolean)true,rtcp-fb-nack-pli=(boolean)true,rtcp-fb-ccm-fir=(boolean)true"
    ));

    let avp = avpf.replace("RTP/AVPF", "RTP/AVP");
    let neg = answered(&avp);
    let v = only(&neg, MediaKind::Video);
    assert_eq!(v.profile, RtpProfile::Avp);
    assert!(v.rtcp_fb.is_empty());
    let text = neg.answer_sdp(&origin(), local_ip(), &[6000]).to_string();
    assert!(text.contains("m=video 6000 RTP/AVP 96\r\n") && !text.contains("rtcp-fb"));
}

#[test]
fn srtp_lines_are_rejected_not_the_call() {
    // Best-effort SRTP style: the same audio as SAVP and as AVP.
    let neg = answered(&offer_with(
        "",
        "m=audio 5002 RTP/SAVP 0\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz\n\
         m=audio 5006 RTP/AVP 0\n",
    ));
    assert!(matches!(&neg.lines[0], MediaLine::Rejected { reason, .. } if reason.contains("SRTP")));
    assert_eq!(only(&neg, MediaKind::Audio).index, 1);
    // SRTP only: nothing to accept.
    let offer = parse(&offer_with("", "m=audio 5002 UDP/TLS/RTP/SAVPF 0\n"));
    assert_eq!(answer(&offer, &caps()), Err(CodecError::NoCommonCodec));
}

#[test]
fn no_common_codec() {
    let cases = [
        // G.729 and H.261 only.
        "m=audio 5002 RTP/AVP 18\na=rtpmap:18 G729/8000\nm=video 5004 RTP/AVP 31\n",
        // Telephone-event alone is no audio.
        "m=audio 5002 RTP/AVP 101\na=rtpmap:101 telephone-event/8000\n",
        // A dynamic payload type without rtpmap is nothing.
        "m=audio 5002 RTP/AVP 96\n",
        // Only BFCP.
        "m=application 5070 TCP/BFCP *\na=floorctrl:c-s\n",
        // Everything at port 0.
        "m=audio 0 RTP/AVP 0\nm=video 0 RTP/AVP 96\n",
        // Audio codecs on a video line are no video.
        "m=video 5004 RTP/AVP 0 8\n",
        // Opus at the wrong clock rate or channel count.
        "m=audio 5002 RTP/AVP 111 112\na=rtpmap:111 opus/48000\na=rtpmap:112 opus/16000/2\n",
        // H.264 in a profile we do not do.
        "m=video 5004 RTP/AVP 96\na=rtpmap:96 H264/90000\na=fmtp:96 profile-level-id=f4001f;packetization-mode=1\n",
    ];
    for media in cases {
        let offer = parse(&offer_with("", media));
        assert_eq!(
            answer(&offer, &caps()),
            Err(CodecError::NoCommonCodec),
            "{media}"
        );
    }
    let no_offer = parse("v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-\nt=0 0\n");
    assert_eq!(answer(&no_offer, &caps()), Err(CodecError::NoCommonCodec));
    let no_audio_caps = Capabilities {
        audio: vec![CodecName::TelephoneEvent],
        ..caps()
    };
    assert_eq!(
        answer(&parse(&offer_with("", PCMU)), &no_audio_caps),
        Err(CodecError::NoCommonCodec)
    );
}

#[test]
fn audio_only_offer() {
    // Static payload type without rtpmap.
    let neg = answered(&offer_with("", PCMU));
    assert_eq!(neg.lines.len(), 1);
    let a = only(&neg, MediaKind::Audio);
    assert_eq!(
        (a.codec.name, a.codec.payload_type, a.codec.clock_rate),
        (CodecName::Pcmu, 0, 8000)
    );
    assert!(neg.stream(MediaKind::Video).is_none());
    assert_eq!(neg.accepted().count(), 1);
    let text = neg.answer_sdp(&origin(), local_ip(), &[7000]).to_string();
    assert!(
        text.ends_with("m=audio 7000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n"),
        "{text}"
    );
}

#[test]
fn static_types_and_case_insensitive_names() {
    let neg = answered(&offer_with(
        "",
        "m=audio 5002 RTP/AVP 18 8\nm=video 5004 RTP/AVP 31 34\n",
    ));
    assert_eq!(only(&neg, MediaKind::Audio).codec.name, CodecName::Pcma);
    assert_eq!(only(&neg, MediaKind::Video).codec.name, CodecName::H263);
    let neg = answered(&offer_with(
        "",
        "m=audio 5002 RTP/AVP 100\na=rtpmap:100 pcma/8000\nm=video 5004 RTP/AVP 120\na=rtpmap:120 h264/90000\na=fmtp:120 PROFILE-LEVEL-ID=42E01F;Packetization-Mode=1\n",
    ));
    assert_eq!(only(&neg, MediaKind::Audio).codec.payload_type, 100);
    let v = only(&neg, MediaKind::Video);
    assert_eq!(
        (v.codec.name, h264(v).packetization_mode),
        (CodecName::H264, 1)
    );
    // An rtpmap overrides the static meaning of a number.
    let neg = answered(&offer_with(
        "",
        "m=audio 5002 RTP/AVP 0 8\na=rtpmap:0 G729/8000\n",
    ));
    assert_eq!(only(&neg, MediaKind::Audio).codec.name, CodecName::Pcma);
}

#[test]
fn g722_clock_is_8000_even_when_written_16000() {
    let neg = answered(&offer_with(
        "",
        "m=audio 5002 RTP/AVP 9 101\na=rtpmap:9 G722/16000\na=rtpmap:101 telephone-event/8000\n",
    ));
    let a = only(&neg, MediaKind::Audio);
    assert_eq!(
        (a.codec.name, a.codec.clock_rate, a.telephone_event),
        (CodecName::G722, 8000, Some(101))
    );
    let text = neg.answer_sdp(&origin(), local_ip(), &[7000]).to_string();
    assert!(text.contains("a=rtpmap:9 G722/8000\r\n"));
    assert_eq!(
        a.rtp_caps(),
        "application/x-rtp,media=(string)audio,clock-rate=(int)8000,encoding-name=(string)G722,payload=(int)9"
    );
}

#[test]
fn telephone_event_follows_the_clock_rate() {
    let neg = answered(&offer_with(
        "",
        "m=audio 5002 RTP/AVP 111 101 110\na=rtpmap:111 opus/48000/2\na=rtpmap:101 telephone-event/8000\n\
         a=rtpmap:110 telephone-event/48000\na=fmtp:110 0-16\n",
    ));
    let a = only(&neg, MediaKind::Audio);
    assert_eq!(a.telephone_event, Some(110));
    assert_eq!(
        a.payload_types(),
        [(111, 48000, "opus"), (110, 48000, "telephone-event")]
    );
    assert_eq!(
        a.caps_for_payload(110).as_deref(),
        Some("application/x-rtp,media=(string)audio,clock-rate=(int)48000,encoding-name=(string)TELEPHONE-EVENT,payload=(int)110")
    );
    assert_eq!(a.caps_for_payload(101), None);
    let text = neg.answer_sdp(&origin(), local_ip(), &[7000]).to_string();
    assert!(text.contains("m=audio 7000 RTP/AVP 111 110\r\n"));
    assert!(text.contains("a=rtpmap:110 telephone-event/48000\r\na=fmtp:110 0-15\r\n"));
    // Disabled in the capabilities: not answered.
    let no_dtmf = Capabilities {
        audio: vec![CodecName::Opus],
        ..caps()
    };
    let offer = parse(&offer_with(
        "",
        "m=audio 5002 RTP/AVP 0 101\na=rtpmap:101 telephone-event/8000\n",
    ));
    let neg = answer(
        &offer,
        &Capabilities {
            audio: vec![CodecName::Pcmu],
            ..no_dtmf
        },
    )
    .unwrap();
    assert_eq!(only(&neg, MediaKind::Audio).telephone_event, None);
}

#[test]
fn one_stream_per_kind_first_usable() {
    let neg = answered(&offer_with(
        "",
        "m=audio 5002 RTP/AVP 18\n\
         m=audio 5006 RTP/AVP 0\n\
         m=audio 5008 RTP/AVP 8\n\
         m=video 5004 RTP/AVP 31\n\
         m=video 5010 RTP/AVP 34\n\
         m=video 5012 RTP/AVP 34\n\
         m=text 5014 RTP/AVP 98\na=rtpmap:98 t140/1000\n",
    ));
    let accepted: Vec<usize> = neg.accepted().map(|s| s.index).collect();
    assert_eq!(accepted, [1, 4]);
    assert_eq!(neg.lines.len(), 7);
    let text = neg
        .answer_sdp(&origin(), local_ip(), &[7000, 7002])
        .to_string();
    let sdp = parse(&text);
    let ports: Vec<u16> = sdp.media.iter().map(|m| m.port).collect();
    assert_eq!(ports, [0, 7000, 0, 0, 7002, 0, 0]);
    assert_eq!(sdp.media[6].formats, ["98"]);
}

#[test]
fn content_video_is_rejected_wherever_it_is() {
    let neg = answered(&offer_with(
        "",
        &format!("{H264_PM1}a=content:slides\n{H264_PM1}a=content:main\n"),
    ));
    assert!(matches!(&neg.lines[0], MediaLine::Rejected { .. }));
    assert_eq!(only(&neg, MediaKind::Video).index, 1);
    // a=content listing main among others is the main stream.
    let neg = answered(&offer_with("", &format!("{H264_PM1}a=content:main,alt\n")));
    assert_eq!(only(&neg, MediaKind::Video).index, 0);
}

#[test]
fn port_zero_lines_stay_rejected() {
    let neg = answered(&offer_with(
        "",
        &format!("{PCMU}m=video 0 RTP/AVP 96\na=rtpmap:96 H264/90000\n"),
    ));
    assert!(matches!(&neg.lines[1], MediaLine::Rejected { reason, .. } if reason == "port 0"));
    let text = neg.answer_sdp(&origin(), local_ip(), &[7000]).to_string();
    assert!(text.ends_with("m=video 0 RTP/AVP 96\r\n"));
}

#[test]
fn legacy_hold() {
    let offer = "v=0\no=- 1 2 IN IP4 192.0.2.1\ns=-\nc=IN IP4 0.0.0.0\nt=0 0\nm=audio 5002 RTP/AVP 0\nm=video 5004 RTP/AVP 34\na=recvonly\n";
    let neg = answered(offer);
    let a = only(&neg, MediaKind::Audio);
    assert_eq!(a.direction, Direction::RecvOnly);
    assert_eq!((a.remote_rtp, a.remote_rtcp), (None, None));
    let v = only(&neg, MediaKind::Video);
    assert_eq!(v.direction, Direction::Inactive);
    let text = neg
        .answer_sdp(&origin(), local_ip(), &[7000, 7002])
        .to_string();
    assert!(text.contains("a=rtpmap:0 PCMU/8000\r\na=recvonly\r\n"));
    assert!(text.contains("a=inactive\r\n"));
    // IPv6 unspecified is the same hold.
    let neg = answered(&offer.replace("IN IP4 0.0.0.0", "IN IP6 ::"));
    assert_eq!(only(&neg, MediaKind::Audio).direction, Direction::RecvOnly);
}

#[test]
fn directions() {
    let dir = |session: &str, media: &str| {
        let neg = answered(&offer_with(session, &format!("{PCMU}{media}")));
        only(&neg, MediaKind::Audio).direction
    };
    assert_eq!(dir("", ""), Direction::SendRecv);
    assert_eq!(dir("", "a=sendonly\n"), Direction::RecvOnly);
    assert_eq!(dir("", "a=recvonly\n"), Direction::SendOnly);
    assert_eq!(dir("", "a=inactive\n"), Direction::Inactive);
    assert_eq!(dir("a=sendonly\n", ""), Direction::RecvOnly);
    // The media level wins over the session level.
    assert_eq!(dir("a=sendonly\n", "a=sendrecv\n"), Direction::SendRecv);
    assert_eq!(dir("a=inactive\n", "a=recvonly\n"), Direction::SendOnly);

    assert_eq!(Direction::SendOnly.reversed(), Direction::RecvOnly);
    assert_eq!(Direction::RecvOnly.reversed(), Direction::SendOnly);
    assert_eq!(Direction::SendRecv.reversed(), Direction::SendRecv);
    assert_eq!(Direction::Inactive.reversed(), Direction::Inactive);
    assert_eq!(
        Direction::SendOnly.intersect(Direction::RecvOnly),
        Direction::Inactive
    );
    assert_eq!(
        Direction::SendRecv.intersect(Direction::SendOnly),
        Direction::SendOnly
    );
}

#[test]
fn rtcp_mux_and_rtcp_attribute() {
    let stream = |media: &str, caps: &Capabilities| {
        let neg = answer(&parse(&offer_with("", media)), caps).unwrap();
        let s = only(&neg, MediaKind::Audio).clone();
        (
            s,
            neg.answer_sdp(&origin(), local_ip(), &[7000]).to_string(),
        )
    };
    let (s, text) = stream("m=audio 5002 RTP/AVP 0\na=rtcp-mux\na=rtcp:5003\n", &caps());
    assert!(s.rtcp_mux);
    assert_eq!(s.remote_rtcp, s.remote_rtp);
    assert!(text.contains("a=rtcp-mux\r\n"));
    let no_mux = Capabilities {
        rtcp_mux: false,
        ..caps()
    };
    let (s, text) = stream("m=audio 5002 RTP/AVP 0\na=rtcp-mux\n", &no_mux);
    assert!(!s.rtcp_mux);
    assert_eq!(s.remote_rtcp, Some(addr("192.0.2.1:5003")));
    assert!(!text.contains("rtcp-mux"));

    let (s, _) = stream("m=audio 5002 RTP/AVP 0\na=rtcp:53020\n", &caps());
    assert_eq!(s.remote_rtcp, Some(addr("192.0.2.1:53020")));
    let (s, _) = stream(
        "m=audio 5002 RTP/AVP 0\na=rtcp:53020 IN IP4 126.16.64.4\n",
        &caps(),
    );
    assert_eq!(s.remote_rtcp, Some(addr("126.16.64.4:53020")));
    let (s, _) = stream(
        "m=audio 5002 RTP/AVP 0\na=rtcp:53020 IN IP6 2001:db8::9\n",
        &caps(),
    );
    assert_eq!(s.remote_rtcp, Some(addr("[2001:db8::9]:53020")));
    // A malformed a=rtcp falls back to RTP + 1; so does a missing one.
    let (s, _) = stream("m=audio 5002 RTP/AVP 0\na=rtcp:none\n", &caps());
    assert_eq!(s.remote_rtcp, Some(addr("192.0.2.1:5003")));
    let (s, _) = stream("m=audio 65535 RTP/AVP 0\n", &caps());
    assert_eq!(s.remote_rtcp, None);
}

#[test]
fn ipv6() {
    let offer = "v=0\r\no=- 1 1 IN IP6 2001:db8::5\r\ns=-\r\nc=IN IP6 2001:db8::5\r\nt=0 0\r\n\
                 m=audio 5002 RTP/AVP 9\r\nm=video 5004 RTP/AVP 96\r\nc=IN IP6 2001:db8::6\r\n\
                 a=rtpmap:96 VP8/90000\r\na=fmtp:96 max-fr=30;max-fs=3600\r\n";
    let neg = answered(offer);
    assert_eq!(
        only(&neg, MediaKind::Audio).remote_rtp,
        Some(addr("[2001:db8::5]:5002"))
    );
    let v = only(&neg, MediaKind::Video);
    assert_eq!(v.remote_rtp, Some(addr("[2001:db8::6]:5004")));
    assert_eq!(v.remote_rtcp, Some(addr("[2001:db8::6]:5005")));
    assert_eq!(v.max_resolution(1920, 1080, 30), Some((1280, 720, 30)));
    let local: IpAddr = "2001:db8::1".parse().unwrap();
    let o = Origin {
        address: local,
        ..origin()
    };
    let text = neg.answer_sdp(&o, local, &[7000, 7002]).to_string();
    assert!(text.starts_with(
        "v=0\r\no=diemcau 42 1 IN IP6 2001:db8::1\r\ns=diemcau\r\nc=IN IP6 2001:db8::1\r\n"
    ));
    assert_eq!(parse(&text).connection.map(|c| c.address), Some(local));
}

#[test]
fn bandwidth() {
    let bw = |session: &str, media: &str| {
        let neg = answered(&offer_with(session, &format!("{H264_PM1}{media}")));
        only(&neg, MediaKind::Video).bandwidth_kbps
    };
    assert_eq!(bw("", ""), None);
    assert_eq!(bw("", "b=AS:512\n"), Some(512));
    assert_eq!(bw("", "b=TIAS:1500000\n"), Some(1500));
    assert_eq!(bw("", "b=TIAS:1500001\nb=AS:9999\n"), Some(1501));
    assert_eq!(bw("b=AS:768\n", ""), Some(768));
    assert_eq!(bw("b=AS:768\n", "b=AS:384\n"), Some(384));
    assert_eq!(bw("b=CT:768\n", "b=RS:0\n"), None);
}

#[test]
fn ptime_and_mid() {
    let neg = answered(&offer_with(
        "a=group:BUNDLE a v\n",
        "m=audio 5002 RTP/AVP 0\na=ptime:30.0\na=mid:a\nm=video 0 RTP/AVP 96\na=mid:v\n",
    ));
    assert_eq!(only(&neg, MediaKind::Audio).ptime, Some(30));
    let text = neg.answer_sdp(&origin(), local_ip(), &[7000]).to_string();
    assert!(text.contains("a=mid:a\r\n"));
    assert!(text.ends_with("m=video 0 RTP/AVP 96\r\na=mid:v\r\n"));
}

#[test]
fn h263_answers() {
    let neg = answered(&offer_with(
        "",
        "m=video 5004 RTP/AVP 96 34\na=rtpmap:96 H263-2000/90000\na=fmtp:96 CIF16=1\n\
         a=fmtp:34 CIF=2;QCIF=1;SQCIF=1;D=1\n",
    ));
    // H263-2000 with only 16CIF has nothing in common with us: H.263 then.
    let v = only(&neg, MediaKind::Video);
    assert_eq!((v.codec.name, v.codec.payload_type), (CodecName::H263, 34));
    assert_eq!(v.codec.fmtp.as_deref(), Some("CIF=2;QCIF=1;SQCIF=1"));
    assert_eq!(v.max_resolution(704, 576, 30), Some((352, 288, 15)));
    assert_eq!(
        v.rtp_caps(),
        "application/x-rtp,media=(string)video,clock-rate=(int)90000,encoding-name=(string)H263,payload=(int)34"
    );
    let neg = answered(&offer_with(
        "",
        "m=video 5004 RTP/AVP 96\na=rtpmap:96 H263-2000/90000\na=fmtp:96 CIF=1;QCIF=1\n",
    ));
    let v = only(&neg, MediaKind::Video);
    assert_eq!(v.codec.name, CodecName::H263_1998);
    assert!(v.rtp_caps().contains("encoding-name=(string)H263-1998,"));
}

#[test]
fn rtp_caps_for_each_codec() {
    let caps_of = |media: &str| {
        let neg = answered(&offer_with("", media));
        let caps = neg.accepted().next().map(NegotiatedStream::rtp_caps);
        caps.unwrap_or_default()
    };
    assert_eq!(
        caps_of("m=audio 5002 RTP/AVP 0\n"),
        "application/x-rtp,media=(string)audio,clock-rate=(int)8000,encoding-name=(string)PCMU,payload=(int)0"
    );
    assert_eq!(
        caps_of("m=audio 5002 RTP/AVP 8\n"),
        "application/x-rtp,media=(string)audio,clock-rate=(int)8000,encoding-name=(string)PCMA,payload=(int)8"
    );
    assert_eq!(
        caps_of("m=audio 5002 RTP/AVP 9\n"),
        "application/x-rtp,media=(string)audio,clock-rate=(int)8000,encoding-name=(string)G722,payload=(int)9"
    );
    assert_eq!(
        caps_of("m=audio 5002 RTP/AVP 111\na=rtpmap:111 OPUS/48000/2\n"),
        "application/x-rtp,media=(string)audio,clock-rate=(int)48000,encoding-name=(string)OPUS,payload=(int)111,encoding-params=(string)2"
    );
    assert_eq!(
        caps_of(H264_PM1),
        "application/x-rtp,media=(string)video,clock-rate=(int)90000,encoding-name=(string)H264,payload=(int)96,packetization-mode=(string)1,profile-level-id=(string)42e01f"
    );
    assert_eq!(
        caps_of(
            "m=video 5004 RTP/AVP 96\na=rtpmap:96 H264/90000\n\
             a=fmtp:96 profile-level-id=42e01f;packetization-mode=1;sprop-parameter-sets=Z0LgH9oBQBbpUgAAAwACAAADAGQeMGVA,aM4xsg==\n"
        ),
        "application/x-rtp,media=(string)video,clock-rate=(int)90000,encoding-name=(string)H264,payload=(int)96,packetization-mode=(string)1,profile-level-id=(string)42e01f,sprop-parameter-sets=(string)\"Z0LgH9oBQBbpUgAAAwACAAADAGQeMGVA,aM4xsg==\""
    );
    assert_eq!(
        caps_of("m=video 5004 RTP/AVP 100\na=rtpmap:100 VP8/90000\n"),
        "application/x-rtp,media=(string)video,clock-rate=(int)90000,encoding-name=(string)VP8,payload=(int)100"
    );
    assert_eq!(
        caps_of("m=video 5004 RTP/AVP 97\na=rtpmap:97 H263-1998/90000\na=fmtp:97 CIF=1\n"),
        "application/x-rtp,media=(string)video,clock-rate=(int)90000,encoding-name=(string)H263-1998,payload=(int)97"
    );
}

#[test]
fn missing_ports_give_port_zero_not_a_panic() {
    let neg = answered(POLYCOM);
    let sdp = neg.answer_sdp(&origin(), local_ip(), &[]);
    assert!(sdp.media.iter().all(|m| m.port == 0));
    let sdp = neg.answer_sdp(&origin(), local_ip(), &[1, 2, 3, 4, 5, 6]);
    assert_eq!(
        sdp.media.iter().map(|m| m.port).collect::<Vec<_>>(),
        [1, 2, 0, 0, 0]
    );
}

fn our_offer(caps: &Capabilities) -> SessionDescription {
    offer(caps, &origin(), local_ip(), 40000, 40002)
}

#[test]
fn our_offer_lists_everything_in_rtp_avp() {
    let sdp = our_offer(&caps());
    let text = sdp.to_string();
    assert_eq!(sdp.media.len(), 2);
    assert_eq!(sdp.media[0].formats, ["111", "9", "0", "8", "110", "101"]);
    assert_eq!(sdp.media[1].formats, ["96", "97", "98", "99", "34"]);
    assert!(sdp.media.iter().all(|m| m.protocol == "RTP/AVP"));
    assert!(!text.contains("rtcp-fb"));
    assert!(text.contains(
        "a=fmtp:96 profile-level-id=42e01f;packetization-mode=1;level-asymmetry-allowed=1;max-mbps=108000;max-fs=3600\r\n"
    ));
    assert!(text.contains("a=fmtp:97 profile-level-id=42e01f;packetization-mode=0;"));
    assert!(
        text.contains("a=rtpmap:99 H263-1998/90000\r\na=fmtp:99 CIF4=1;CIF=1;QCIF=1;SQCIF=1\r\n")
    );
    assert!(text.contains("a=rtpmap:34 H263/90000\r\n"));
    assert!(text.contains("a=rtpmap:111 opus/48000/2\r\na=fmtp:111 minptime=10;useinbandfec=1\r\n"));
    assert!(text.contains("a=rtpmap:110 telephone-event/48000\r\n"));
    assert!(text.contains("a=rtpmap:101 telephone-event/8000\r\n"));
    assert!(text.contains("m=video 40002 RTP/AVP 96 97 98 99 34\r\nb=AS:2048\r\n"));
    assert_eq!(parse(&text), sdp);

    // A kind without codecs is left out; level and order follow the caps.
    let narrow = Capabilities {
        audio: vec![CodecName::Pcma, CodecName::TelephoneEvent],
        video: vec![CodecName::H263, CodecName::H264],
        h264_packetization_modes: vec![0],
        h264_max_level_idc: 13,
        ..caps()
    };
    let sdp = our_offer(&narrow);
    assert_eq!(sdp.media[0].formats, ["8", "101"]);
    assert_eq!(sdp.media[1].formats, ["34", "97"]);
    assert_eq!(
        sdp.media[1].fmtp(97),
        Some("profile-level-id=42e00d;packetization-mode=0;level-asymmetry-allowed=1")
    );
    let audio_only = Capabilities {
        video: Vec::new(),
        ..caps()
    };
    assert_eq!(our_offer(&audio_only).media.len(), 1);
}

#[test]
fn offer_answer_round_trip() {
    // The peer is another diemcau: our answer to our own offer.
    let offer = our_offer(&caps());
    let offer = parse(&offer.to_string());
    let their_neg = answer(&offer, &caps()).unwrap();
    let their_answer = their_neg.answer_sdp(
        &Origin {
            address: "192.0.2.77".parse().unwrap(),
            ..origin()
        },
        "192.0.2.77".parse().unwrap(),
        &[30000, 30002],
    );
    let neg = process_answer(&offer, &parse(&their_answer.to_string()), &caps()).unwrap();
    let a = only(&neg, MediaKind::Audio);
    assert_eq!(
        (a.codec.name, a.codec.payload_type, a.telephone_event),
        (CodecName::Opus, 111, Some(110))
    );
    assert_eq!(a.codec.fmtp.as_deref(), Some("minptime=10;useinbandfec=1"));
    assert!(a.rtcp_mux);
    assert_eq!(a.remote_rtp, Some(addr("192.0.2.77:30000")));
    assert_eq!(a.remote_rtcp, Some(addr("192.0.2.77:30000")));
    let v = only(&neg, MediaKind::Video);
    assert_eq!((v.codec.name, v.codec.payload_type), (CodecName::H264, 96));
    assert_eq!(h264(v).packetization_mode, 1);
    assert_eq!(h264(v).level(), Level::L3_1);
    assert_eq!(v.direction, Direction::SendRecv);
    assert_eq!(v.rtp_caps(), "application/x-rtp,media=(string)video,clock-rate=(int)90000,encoding-name=(string)H264,payload=(int)96,packetization-mode=(string)1,profile-level-id=(string)42e01f");
}

#[test]
fn answers_from_legacy_terminals() {
    let offer = our_offer(&caps());
    let their = |audio: &str, video: &str| {
        format!("v=0\r\no=Polycom 5 5 IN IP4 198.51.100.9\r\ns=-\r\nc=IN IP4 198.51.100.9\r\nt=0 0\r\n{audio}{video}")
    };
    // G.722 and H.264 mode 0 without a packetization-mode in the answer's
    // fmtp: the payload type says mode 0. Peer on hold (sendonly).
    let answer = their(
        "m=audio 6000 RTP/AVP 9 101\r\na=rtpmap:101 telephone-event/8000\r\na=sendonly\r\n",
        "m=video 6002 RTP/AVP 97\r\na=rtpmap:97 H264/90000\r\na=fmtp:97 profile-level-id=42800d\r\n",
    );
    let neg = process_answer(&offer, &parse(&answer), &caps()).unwrap();
    let a = only(&neg, MediaKind::Audio);
    assert_eq!(
        (a.codec.name, a.telephone_event, a.direction),
        (CodecName::G722, Some(101), Direction::RecvOnly)
    );
    assert!(!a.rtcp_mux);
    assert_eq!(a.remote_rtcp, Some(addr("198.51.100.9:6001")));
    let v = only(&neg, MediaKind::Video);
    assert_eq!((v.codec.payload_type, h264(v).packetization_mode), (97, 0));
    assert_eq!(v.max_resolution(704, 576, 30), Some((352, 288, 30)));
    // Our fmtp is what we offered for that payload type.
    assert!(v
        .codec
        .fmtp
        .as_deref()
        .unwrap()
        .contains("packetization-mode=0"));

    // A mode that contradicts the payload type, then one we did not offer:
    // both skipped for H.263.
    let answer = their(
        "m=audio 6000 RTP/AVP 0\r\n",
        "m=video 6002 RTP/AVP 96 120 34\r\na=rtpmap:96 H264/90000\r\na=fmtp:96 profile-level-id=42e01f;packetization-mode=0\r\n\
         a=rtpmap:120 H264/90000\r\na=fmtp:34 CIF=1;QCIF=1\r\n",
    );
    let neg = process_answer(&offer, &parse(&answer), &caps()).unwrap();
    let v = only(&neg, MediaKind::Video);
    assert_eq!(v.codec.name, CodecName::H263);
    assert_eq!(v.max_resolution(704, 576, 30), Some((352, 288, 30)));

    // Video rejected by the peer.
    let answer = their("m=audio 6000 RTP/AVP 8\r\n", "m=video 0 RTP/AVP 96\r\n");
    let neg = process_answer(&offer, &parse(&answer), &caps()).unwrap();
    assert_eq!(neg.accepted().count(), 1);
    assert!(matches!(
        &neg.lines[1],
        MediaLine::Rejected { index: 1, .. }
    ));

    // Nothing we offered.
    let answer = their("m=audio 6000 RTP/AVP 18\r\n", "m=video 6002 RTP/AVP 31\r\n");
    assert_eq!(
        process_answer(&offer, &parse(&answer), &caps()),
        Err(CodecError::NoCommonCodec)
    );

    // m-lines missing, or a changed transport.
    let answer = their("m=audio 6000 RTP/AVP 0\r\n", "");
    assert!(matches!(
        process_answer(&offer, &parse(&answer), &caps()),
        Err(CodecError::AnswerMismatch(_))
    ));
    let answer = their("m=audio 6000 RTP/SAVP 0\r\n", "m=video 6002 RTP/AVP 34\r\n");
    let neg = process_answer(&offer, &parse(&answer), &caps()).unwrap();
    assert!(
        matches!(&neg.lines[0], MediaLine::Rejected { reason, .. } if reason.contains("transport"))
    );
}

/// Parse, answer, write and re-parse: whatever the input, no panic, and
/// whatever we write parses.
fn exercise(text: &str, caps: &Capabilities, offer: &SessionDescription) {
    let Ok(sdp) = SessionDescription::parse(text) else {
        return;
    };
    let written = sdp.to_string();
    assert!(
        SessionDescription::parse(&written).is_ok(),
        "rewrite failed:\n{written}"
    );
    if let Ok(neg) = answer(&sdp, caps) {
        let out = neg
            .answer_sdp(&origin(), local_ip(), &[1000, 1002])
            .to_string();
        let back = match SessionDescription::parse(&out) {
            Ok(b) => b,
            Err(e) => panic!("our answer does not parse: {e}\n{out}\nfor\n{text}"),
        };
        assert_eq!(back.media.len(), sdp.media.len());
        for s in neg.accepted() {
            let _ = (
                s.rtp_caps(),
                s.max_resolution(1280, 720, 30),
                s.max_send_bitrate_kbps(),
            );
        }
    }
    if let Ok(neg) = process_answer(offer, &sdp, caps) {
        let _ = neg.answer_sdp(&origin(), local_ip(), &[1000]).to_string();
    }
}

/// A small deterministic generator (xorshift), so the test needs no crate
/// and fails the same way every time.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

#[test]
fn garbage_and_truncated_sdp_never_panics() {
    let caps = caps();
    let offer = our_offer(&caps);
    let answer_text = "v=0\r\no=- 1 1 IN IP4 192.0.2.9\r\ns=-\r\nc=IN IP4 192.0.2.9\r\nt=0 0\r\n\
        m=audio 6000 RTP/AVP 9 101\r\na=rtpmap:101 telephone-event/8000\r\na=rtcp:6001 IN IP4 192.0.2.9\r\n\
        m=video 6002 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=fmtp:96 profile-level-id=64001f;packetization-mode=1;max-fs=8160\r\n";
    let sources = [POLYCOM, BARESIP, answer_text];
    let replacements = [
        "",
        " ",
        "0",
        "99999",
        "-1",
        ":",
        "=",
        "/",
        "\n",
        "\r\n",
        "a=",
        "m=",
        "*",
        ";",
        ",",
        "0.0.0.0",
        "::",
        "é",
        "\u{0}",
        "4294967296",
        "18446744073709551616",
        "ff",
        "IN IP6",
    ];
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut runs = 0;
    for source in sources {
        // Every prefix.
        for (i, _) in source.char_indices() {
            exercise(&source[..i], &caps, &offer);
            runs += 1;
        }
        // Every line dropped, doubled, or moved to the end.
        let lines: Vec<&str> = source.lines().collect();
        for i in 0..lines.len() {
            let mut dropped = lines.clone();
            let line = dropped.remove(i);
            exercise(&dropped.join("\n"), &caps, &offer);
            let mut doubled = lines.clone();
            doubled.insert(i, line);
            exercise(&doubled.join("\n"), &caps, &offer);
            dropped.push(line);
            exercise(&dropped.join("\n"), &caps, &offer);
            runs += 3;
        }
        // Random token replacements and byte-level damage.
        let chars: Vec<char> = source.chars().collect();
        for _ in 0..3000 {
            let mut text: String = chars.iter().collect();
            for _ in 0..=rng.below(3) {
                let boundaries: Vec<usize> = text
                    .char_indices()
                    .map(|(i, _)| i)
                    .chain([text.len()])
                    .collect();
                let a = boundaries[rng.below(boundaries.len())];
                let b = boundaries[rng.below(boundaries.len())];
                let (start, end) = (a.min(b), a.max(b).min(a.min(b) + 12));
                let end = boundaries
                    .iter()
                    .copied()
                    .filter(|x| *x <= end)
                    .max()
                    .unwrap_or(start)
                    .max(start);
                text.replace_range(start..end, replacements[rng.below(replacements.len())]);
            }
            exercise(&text, &caps, &offer);
            runs += 1;
        }
    }
    // Pure noise.
    for _ in 0..2000 {
        let len = rng.below(300);
        let noise: String = (0..len)
            .map(|_| {
                let pool = b"vomsctba=:/ 0123456789\r\nRTP/AVPINIP4H264";
                char::from(pool[rng.below(pool.len())])
            })
            .collect();
        exercise(
            &format!("v=0\no=- 1 1 IN IP4 10.0.0.1\n{noise}"),
            &caps,
            &offer,
        );
        runs += 1;
    }
    assert!(runs > 10_000);
}
