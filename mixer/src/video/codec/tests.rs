use std::time::{Duration, Instant};

use super::*;
use crate::video::testutil::Picture;

/// `count` frames of a videotestsrc pattern, made up front.
fn frames(pattern: &str, width: u32, height: u32, count: u32) -> Vec<gst::Sample> {
    element::init().unwrap();
    let desc = format!(
        "videotestsrc pattern={pattern} num-buffers={count} \
         ! video/x-raw,format=I420,width={width},height={height},framerate=30/1 \
         ! appsink name=out sync=false"
    );
    let pipeline = gst::parse::launch(&desc)
        .unwrap()
        .downcast::<gst::Pipeline>()
        .unwrap();
    let sink = pipeline
        .by_name("out")
        .unwrap()
        .downcast::<gst_app::AppSink>()
        .unwrap();
    pipeline.set_state(gst::State::Playing).unwrap();
    let mut out = Vec::new();
    while let Some(s) = sink.try_pull_sample(gst::ClockTime::from_seconds(5)) {
        out.push(s);
    }
    pipeline.set_state(gst::State::Null).unwrap();
    assert_eq!(out.len(), count as usize);
    out
}

fn config(codec: VideoCodec, width: u32, height: u32, pm: u8) -> EncoderConfig {
    EncoderConfig {
        codec,
        payload_type: 96,
        width,
        height,
        fps: 30,
        bitrate_kbps: 1500,
        mtu: DEFAULT_MTU,
        packetization_mode: pm,
        keyframe_interval: 300,
    }
}

/// Feeds `input` at the frame rate (the encoder drops frames that come
/// faster than its rate) and collects the RTP packets.
fn encode(enc: &VideoEncoder, input: &[gst::Sample]) -> Vec<Vec<u8>> {
    let mut packets = Vec::new();
    for s in input {
        enc.push_frame(s).unwrap();
        std::thread::sleep(Duration::from_millis(34));
        while let Some(b) = enc.pull_rtp(Duration::ZERO).unwrap() {
            packets.push(b.map_readable().unwrap().to_vec());
        }
    }
    while let Some(b) = enc.pull_rtp(Duration::from_millis(300)).unwrap() {
        packets.push(b.map_readable().unwrap().to_vec());
    }
    packets
}

/// RTP payload (no CSRCs or extensions in what GStreamer payloaders send
/// here, but honour them anyway).
fn payload(packet: &[u8]) -> &[u8] {
    let cc = usize::from(packet[0] & 0x0f);
    let mut at = 12 + 4 * cc;
    if packet[0] & 0x10 != 0 {
        let len = usize::from(u16::from_be_bytes([packet[at + 2], packet[at + 3]]));
        at += 4 + 4 * len;
    }
    &packet[at..]
}

fn rtp_caps(codec: VideoCodec, pm: u8) -> String {
    match codec {
        VideoCodec::H264 => format!(
            "application/x-rtp,media=video,clock-rate=90000,encoding-name=H264,payload=96,packetization-mode=(string){pm}"
        ),
        VideoCodec::H263 => {
            "application/x-rtp,media=video,clock-rate=90000,encoding-name=H263,payload=96".into()
        }
        VideoCodec::H263_1998 => {
            "application/x-rtp,media=video,clock-rate=90000,encoding-name=H263-1998,payload=96"
                .into()
        }
        VideoCodec::Vp8 => {
            "application/x-rtp,media=video,clock-rate=90000,encoding-name=VP8,payload=96".into()
        }
    }
}

/// Encodes, decodes, and checks that frames of the configured size come
/// out. Returns the packets for further checks.
fn round_trip(codec: VideoCodec, pattern: &str, width: u32, height: u32, pm: u8) -> Vec<Vec<u8>> {
    let enc = VideoEncoder::new(config(codec, width, height, pm)).unwrap();
    // Input at another size: the encoder scales to what the receiver takes.
    let packets = encode(&enc, &frames(pattern, 320, 240, 12));
    assert!(packets.len() >= 12, "{} packets", packets.len());
    let largest = packets.iter().map(Vec::len).max().unwrap_or(0);
    // rtph263pay (RFC 2190) cuts only between GOBs in practice: with the
    // encoder's `ps` a CIF GOB still reaches ~2 kB. The others honour the MTU.
    let limit = if codec == VideoCodec::H263 {
        2600
    } else {
        1200
    };
    assert!(largest <= limit, "{codec:?}: {largest} bytes");
    assert!(packets.iter().all(|p| p[1] & 0x7f == 96));

    let dec = VideoDecoder::new(&rtp_caps(codec, pm)).unwrap();
    assert_eq!(dec.codec(), codec);
    for p in &packets {
        dec.push_rtp(p).unwrap();
    }
    let mut decoded = 0;
    let deadline = Instant::now() + Duration::from_secs(3);
    while decoded < 8 && Instant::now() < deadline {
        if let Some(s) = dec.pull_frame(Duration::from_millis(200)).unwrap() {
            let pic = Picture::from_sample(&s);
            assert_eq!((pic.width, pic.height), (width, height));
            decoded += 1;
        }
    }
    assert!(decoded >= 8, "only {decoded} frames decoded");
    packets
}

#[test]
fn h264_packetization_mode_1() {
    round_trip(VideoCodec::H264, "smpte", 640, 360, 1);
}

#[test]
fn h264_packetization_mode_0_fits_every_nal_in_a_packet() {
    // Noise makes frames far larger than one packet, so slicing is tested.
    let packets = round_trip(VideoCodec::H264, "snow", 640, 360, 0);
    let mut per_frame = std::collections::HashMap::<u32, usize>::new();
    for p in &packets {
        assert!(p.len() <= 1200, "{} bytes", p.len());
        let nal = payload(p)[0] & 0x1f;
        assert!((1..=23).contains(&nal), "NAL type {nal} (FU-A/STAP) in pm0");
        let ts = u32::from_be_bytes([p[4], p[5], p[6], p[7]]);
        *per_frame.entry(ts).or_default() += p.len();
    }
    assert!(per_frame.values().any(|&bytes| bytes > 3 * 1200));
}

#[test]
fn h263_and_h263_plus() {
    round_trip(VideoCodec::H263, "smpte", 352, 288, 0);
    round_trip(VideoCodec::H263_1998, "smpte", 352, 288, 0);
}

#[test]
fn vp8() {
    round_trip(VideoCodec::Vp8, "smpte", 640, 360, 0);
}

fn idr_count(packets: &[Vec<u8>]) -> usize {
    packets.iter().filter(|p| payload(p)[0] & 0x1f == 5).count()
}

#[test]
fn keyframe_on_request() {
    let enc = VideoEncoder::new(config(VideoCodec::H264, 320, 180, 0)).unwrap();
    let input = frames("smpte", 320, 180, 16);
    let first = encode(&enc, &input[..8]);
    assert!(idr_count(&first) >= 1, "no IDR to start with");
    // Without a request, no keyframe for the next frames (interval 300).
    let quiet = encode(&enc, &input[8..11]);
    assert_eq!(idr_count(&quiet), 0);
    enc.force_keyframe().unwrap();
    let after = encode(&enc, &input[11..]);
    assert!(idr_count(&after) >= 1, "no IDR after the request");
}

#[test]
fn bad_caps_are_errors() {
    assert!(matches!(
        VideoDecoder::new("not caps at all ,,"),
        Err(MixerError::BadCaps { .. })
    ));
    assert!(matches!(
        VideoDecoder::new("application/x-rtp,media=video,clock-rate=90000,encoding-name=THEORA"),
        Err(MixerError::UnsupportedCodec(_))
    ));
    let dec = VideoDecoder::new(&rtp_caps(VideoCodec::H264, 1)).unwrap();
    // Garbage from the network is dropped, not a panic.
    for junk in [&[][..], &[0x80, 96, 0, 1][..], &[0xff; 40][..]] {
        let _ = dec.push_rtp(junk);
    }
}

fn negotiated_video(offer: &str) -> NegotiatedStream {
    use diemcau_codecs::catalogue::{Capabilities, MediaKind};
    use diemcau_codecs::sdp::SessionDescription;
    let offer = SessionDescription::parse(offer).unwrap();
    let neg = diemcau_codecs::negotiate::answer(&offer, &Capabilities::default()).unwrap();
    neg.stream(MediaKind::Video).unwrap().clone()
}

fn offer(media: &str) -> String {
    format!(
        "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n\
         m=audio 5000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n{media}"
    )
}

#[test]
fn encoder_settings_follow_the_receiver() {
    let polycom = negotiated_video(include_str!(
        "../../../../codecs/fixtures/polycom-group.sdp"
    ));
    let c = EncoderConfig::for_stream(&polycom, 1920, 1080, 30).unwrap();
    assert_eq!(
        (c.codec, c.payload_type, c.packetization_mode),
        (VideoCodec::H264, 109, 1)
    );
    assert_eq!((c.width, c.height, c.fps), (1280, 720, 30));
    // Its b=AS and max-br say 1920.
    assert_eq!(c.bitrate_kbps, 1920);
    assert_eq!(c.mtu, DEFAULT_MTU);

    // baresip: packetization mode 0 and only the level's bit rate limit,
    // far above what a composed picture needs.
    let baresip = negotiated_video(include_str!("../../../../codecs/fixtures/baresip-1.0.sdp"));
    let c = EncoderConfig::for_stream(&baresip, 1920, 1080, 30).unwrap();
    assert_eq!((c.codec, c.packetization_mode), (VideoCodec::H264, 0));
    assert_eq!(c.bitrate_kbps, MAX_BITRATE_KBPS);

    let vp8 = negotiated_video(&offer(
        "m=video 5002 RTP/AVP 100\r\nb=AS:500\r\na=rtpmap:100 VP8/90000\r\na=fmtp:100 max-fs=1200;max-fr=15\r\n",
    ));
    let c = EncoderConfig::for_stream(&vp8, 1280, 720, 30).unwrap();
    assert_eq!(
        (c.codec, c.width, c.height, c.fps),
        (VideoCodec::Vp8, 640, 360, 15)
    );
    assert_eq!((c.bitrate_kbps, c.keyframe_interval), (500, 150));

    let h263 = negotiated_video(&offer(
        "m=video 5002 RTP/AVP 34\r\na=rtpmap:34 H263/90000\r\na=fmtp:34 CIF=2;QCIF=1\r\n",
    ));
    let c = EncoderConfig::for_stream(&h263, 1280, 720, 30).unwrap();
    assert_eq!((c.codec, c.payload_type), (VideoCodec::H263, 34));
    assert_eq!((c.width, c.height), (352, 288));
}

fn video_spec(name: &str, pt: u8, send: Option<&str>, recv: Option<&str>) -> StreamSpec {
    use crate::spec::{Direction, MediaKind, PayloadFmtp};
    StreamSpec {
        kind: MediaKind::Video,
        payload_types: vec![(pt, 90000, name.into())],
        remote_rtp: None,
        remote_rtcp: None,
        rtcp_mux: false,
        direction: Direction::SendRecv,
        fmtp: vec![PayloadFmtp {
            payload_type: pt,
            recv: recv.map(str::to_string),
            send: send.map(str::to_string),
        }],
        max_send_kbps: None,
        rtcp_fb: Vec::new(),
    }
}

#[test]
fn encoder_settings_from_a_stream_spec() {
    // No fmtp at all: 640x360 at 15 in packetization mode 0 (RFC 6184's
    // own default, level 1, would be a stamp-sized picture).
    let c = EncoderConfig::for_spec(&video_spec("H264", 96, None, None), 1280, 720, 30).unwrap();
    assert_eq!(
        (
            c.codec,
            c.payload_type,
            c.width,
            c.height,
            c.fps,
            c.packetization_mode
        ),
        (VideoCodec::H264, 96, 640, 360, 15, 0)
    );
    assert_eq!(c.bitrate_kbps, DEFAULT_BITRATE_KBPS);
    // A smaller preference wins over the default.
    let c = EncoderConfig::for_spec(&video_spec("H264", 96, None, None), 320, 180, 30).unwrap();
    assert_eq!((c.width, c.height), (320, 180));
    // The peer's level 3.1 and mode 1, and its bit rate limit.
    let mut spec = video_spec(
        "H264",
        109,
        Some("profile-level-id=42e01f;packetization-mode=1"),
        Some("profile-level-id=42e01f;packetization-mode=1"),
    );
    spec.max_send_kbps = Some(768);
    let c = EncoderConfig::for_spec(&spec, 1920, 1080, 30).unwrap();
    assert_eq!(
        (
            c.width,
            c.height,
            c.fps,
            c.packetization_mode,
            c.bitrate_kbps
        ),
        (1280, 720, 30, 1, 768)
    );
    // H.263 without fmtp: CIF; with QCIF only: QCIF.
    let c = EncoderConfig::for_spec(&video_spec("H263", 34, None, None), 1280, 720, 30).unwrap();
    assert_eq!((c.codec, c.width, c.height), (VideoCodec::H263, 352, 288));
    let c = EncoderConfig::for_spec(
        &video_spec("H263-1998", 115, Some("QCIF=1"), None),
        1280,
        720,
        30,
    )
    .unwrap();
    assert_eq!(
        (c.codec, c.width, c.height),
        (VideoCodec::H263_1998, 176, 144)
    );
    // VP8: max-fs and max-fr; without them the preference.
    let c = EncoderConfig::for_spec(
        &video_spec("VP8", 100, Some("max-fr=15;max-fs=1200"), None),
        1280,
        720,
        30,
    )
    .unwrap();
    assert_eq!((c.width, c.height, c.fps), (640, 360, 15));
    let c = EncoderConfig::for_spec(&video_spec("VP8", 100, None, None), 1280, 720, 30).unwrap();
    assert_eq!((c.width, c.height, c.fps), (1280, 720, 30));
    // Nothing we encode.
    let mut audio = video_spec("PCMU", 0, None, None);
    audio.payload_types[0].1 = 8000;
    assert!(matches!(
        EncoderConfig::for_spec(&audio, 1280, 720, 30),
        Err(MixerError::UnsupportedCodec(_))
    ));
}

#[test]
fn decoder_caps_from_a_stream_spec() {
    let spec = video_spec(
        "H264",
        109,
        Some("profile-level-id=42e01f;packetization-mode=1;sprop-parameter-sets=Z0LAH9oB,aM4xsg=="),
        Some("profile-level-id=42e01f;packetization-mode=1"),
    );
    let caps = decoder_caps(&spec).unwrap();
    assert!(caps.contains("encoding-name=(string)H264"), "{caps}");
    assert!(caps.contains("payload=(int)109"), "{caps}");
    assert!(caps.contains("packetization-mode=(string)1"), "{caps}");
    assert!(caps.contains("sprop-parameter-sets"), "{caps}");
    let dec = VideoDecoder::for_stream(&spec).unwrap();
    assert_eq!(
        (dec.codec(), dec.payload_type()),
        (VideoCodec::H264, Some(109))
    );
    let caps = decoder_caps(&video_spec("H263-1998", 115, None, None)).unwrap();
    assert!(caps.contains("encoding-name=(string)H263-1998"), "{caps}");
}

/// RTP bytes per second of `enc` fed `input` (cycled) at 30 fps for
/// `secs`, the first half second left out (rate control settling).
fn measured_kbps(enc: &VideoEncoder, input: &[gst::Sample], secs: f64) -> f64 {
    let start = Instant::now();
    let settle = Duration::from_millis(500);
    let mut bytes = 0usize;
    let mut i = 0;
    while start.elapsed().as_secs_f64() < secs {
        enc.push_frame(&input[i % input.len()]).unwrap();
        i += 1;
        std::thread::sleep(Duration::from_millis(33));
        while let Some(b) = enc.pull_rtp(Duration::ZERO).unwrap() {
            if start.elapsed() >= settle {
                bytes += b.size();
            }
        }
    }
    bytes as f64 * 8.0 / 1000.0 / (secs - settle.as_secs_f64())
}

/// x264enc and vp8enc take a new bit rate while PLAYING: the output rate
/// of the same picture follows it down, to what an encoder started at the
/// lower rate sends.
#[test]
fn bitrate_changes_while_encoding() {
    // SMPTE bars with their corner of noise: more than 250 kbit/s can
    // carry, and within what VP8 at its coarsest quantizer still squeezes
    // under 1.2 Mbit/s (full-screen noise is not: vp8enc then overshoots
    // any target).
    let input = frames("smpte", 640, 360, 30);
    for codec in [VideoCodec::H264, VideoCodec::Vp8] {
        assert!(codec.adjustable_bitrate());
        let mut cfg = config(codec, 640, 360, 1);
        cfg.bitrate_kbps = 1200;
        let mut enc = VideoEncoder::new(cfg.clone()).unwrap();
        let high = measured_kbps(&enc, &input, 2.5);
        enc.set_bitrate(250).unwrap();
        assert_eq!(enc.bitrate_kbps(), 250);
        let low = measured_kbps(&enc, &input, 2.5);
        drop(enc);
        cfg.bitrate_kbps = 250;
        let fresh = measured_kbps(&VideoEncoder::new(cfg).unwrap(), &input, 2.5);
        eprintln!(
            "{codec:?}: {high:.0} kbit/s at 1200, {low:.0} after the change to 250, {fresh:.0} started at 250"
        );
        assert!(high > 800.0, "{codec:?} at 1200 kbit/s sent {high:.0}");
        // How low an encoder goes on this picture depends on the machine
        // (VP8 stayed at ~530 kbit/s for a 250 target on a slow CI box),
        // so the change is judged against a fresh encoder at the low rate:
        // well below the high rate, and most of the way there.
        assert!(
            fresh < high * 0.75,
            "{codec:?}: {fresh:.0} at 250, {high:.0} at 1200"
        );
        assert!(
            high - low > 0.7 * (high - fresh),
            "{codec:?}: {high:.0} -> {low:.0}, fresh at 250: {fresh:.0}"
        );
        assert!(
            (low - fresh).abs() < fresh * 0.3,
            "{codec:?}: {low:.0} after the change, {fresh:.0} from the start"
        );
    }
    let mut h263 = VideoEncoder::new(config(VideoCodec::H263, 352, 288, 0)).unwrap();
    assert!(!VideoCodec::H263.adjustable_bitrate());
    assert!(h263.set_bitrate(300).is_err());
    assert_eq!(h263.bitrate_kbps(), 1500);
}
