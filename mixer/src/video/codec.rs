//! Decode and encode chains, each its own small pipeline fed and drained by
//! appsrc/appsink:
//!
//! ```text
//! decoder: appsrc(RTP caps) ! rtpjitterbuffer ! depayloader ! decoder
//!          ! videoconvert ! I420 ! appsink
//! encoder: appsrc(raw) ! videoconvert ! videoscale ! videorate ! I420 WxH
//!          ! encoder ! payloader ! appsink(RTP)
//! ```
//!
//! Both stamp buffers on arrival (do-timestamp), so they can be fed from
//! the network or from another pipeline without sharing a clock. The
//! decoder has an `rtpjitterbuffer` in front of its depayloader: packets
//! come straight from the network, reordered and duplicated.
//!
//! Packet sizes: H.264 packetization-mode 0, H.263+ and VP8 stay within
//! [`EncoderConfig::mtu`]. RFC 2190 H.263 cannot: `rtph263pay` cuts between
//! GOBs, and a CIF GOB reaches ~2 kB even with the encoder's `ps` (RTP
//! payload size) set, so such packets rely on IP fragmentation.

use std::str::FromStr;
use std::time::Duration;

use diemcau_codecs::catalogue::CodecName;
use diemcau_codecs::negotiate::{CodecParams, NegotiatedStream};
use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;
use gstreamer_video as gst_video;

use diemcau_codecs::h263::H263Params;
use diemcau_codecs::h264::H264Params;
use diemcau_codecs::vp8::Vp8Params;

use super::element::{self, bus_error, make};
use crate::spec::StreamSpec;
use crate::MixerError;

/// How long the decoder's jitter buffer waits for a missing packet before
/// it gives up on it: video tolerates a little more delay than audio, and
/// a lost packet costs a damaged picture until the next keyframe.
const JITTER_LATENCY_MS: u32 = 60;

/// The video codecs the mixer decodes and encodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VideoCodec {
    H264,
    /// RFC 2190 H.263.
    H263,
    /// RFC 4629 H.263+ ("H263-1998"/"H263-2000").
    H263_1998,
    Vp8,
}

impl VideoCodec {
    pub fn from_name(name: CodecName) -> Option<VideoCodec> {
        match name {
            CodecName::H264 => Some(VideoCodec::H264),
            CodecName::H263 => Some(VideoCodec::H263),
            CodecName::H263_1998 => Some(VideoCodec::H263_1998),
            CodecName::Vp8 => Some(VideoCodec::Vp8),
            _ => None,
        }
    }

    /// From a caps `encoding-name` (case-insensitive, as in SDP).
    pub fn from_encoding_name(name: &str) -> Option<VideoCodec> {
        CodecName::from_encoding_name(name).and_then(VideoCodec::from_name)
    }

    fn depayloader(self) -> &'static str {
        match self {
            VideoCodec::H264 => "rtph264depay",
            VideoCodec::H263 => "rtph263depay",
            VideoCodec::H263_1998 => "rtph263pdepay",
            VideoCodec::Vp8 => "rtpvp8depay",
        }
    }

    /// Whether its encoder takes a new bit rate while running: x264enc
    /// reconfigures its rate control, vp8enc its target; libav's H.263
    /// encoders read theirs only when they open.
    pub fn adjustable_bitrate(self) -> bool {
        matches!(self, VideoCodec::H264 | VideoCodec::Vp8)
    }

    fn decoder(self) -> &'static str {
        match self {
            VideoCodec::H264 => "avdec_h264",
            // H.263+ is decoded by the same libavcodec decoder.
            VideoCodec::H263 | VideoCodec::H263_1998 => "avdec_h263",
            VideoCodec::Vp8 => "vp8dec",
        }
    }
}

/// A pipeline driven through an appsrc and drained through an appsink.
struct Chain {
    pipeline: gst::Pipeline,
    src: gst_app::AppSrc,
    sink: gst_app::AppSink,
}

impl Chain {
    /// `queue`: how many input buffers may wait before the oldest is
    /// dropped.
    fn new(
        caps: Option<gst::Caps>,
        middle: &[gst::Element],
        queue: u64,
    ) -> Result<Chain, MixerError> {
        element::init()?;
        let pipeline = crate::cpu::pipeline();
        let mut src = gst_app::AppSrc::builder()
            .is_live(true)
            .format(gst::Format::Time)
            .do_timestamp(true)
            // Bounded: when the chain falls behind, the oldest input goes.
            .max_buffers(queue)
            .leaky_type(gst_app::AppLeakyType::Downstream);
        if let Some(caps) = caps {
            src = src.caps(&caps);
        }
        let src = src.build();
        let sink = gst_app::AppSink::builder()
            .sync(false)
            .max_buffers(64)
            .drop(true)
            .build();
        let mut all: Vec<gst::Element> = vec![src.clone().upcast()];
        all.extend(middle.iter().cloned());
        all.push(sink.clone().upcast());
        pipeline.add_many(&all)?;
        gst::Element::link_many(&all)?;
        pipeline.set_state(gst::State::Playing)?;
        Ok(Chain {
            pipeline,
            src,
            sink,
        })
    }

    fn push(&self, buffer: gst::Buffer) -> Result<(), MixerError> {
        if let Some(e) = bus_error(&self.pipeline) {
            return Err(e);
        }
        self.src
            .push_buffer(buffer)
            .map_err(|e| MixerError::Gstreamer(format!("push: {e:?}")))?;
        Ok(())
    }

    fn pull(&self, timeout: Duration) -> Result<Option<gst::Sample>, MixerError> {
        if let Some(e) = bus_error(&self.pipeline) {
            return Err(e);
        }
        Ok(self.sink.try_pull_sample(element::clock_time(timeout)))
    }
}

impl Drop for Chain {
    fn drop(&mut self) {
        let _ = self.pipeline.set_state(gst::State::Null);
    }
}

/// RTP in, raw I420 frames out.
pub struct VideoDecoder {
    codec: VideoCodec,
    /// The payload type of the caps; other packets never reach the chain.
    payload_type: Option<u8>,
    chain: Chain,
}

impl VideoDecoder {
    /// A decoder for the RTP described by `rtp_caps`
    /// ([`NegotiatedStream::rtp_caps`]).
    pub fn new(rtp_caps: &str) -> Result<VideoDecoder, MixerError> {
        element::init()?;
        let bad = |reason: &str| MixerError::BadCaps {
            caps: rtp_caps.to_string(),
            reason: reason.to_string(),
        };
        let caps = gst::Caps::from_str(rtp_caps).map_err(|_| bad("unparsable"))?;
        let name = caps
            .structure(0)
            .filter(|s| s.name() == "application/x-rtp")
            .and_then(|s| s.get::<&str>("encoding-name").ok())
            .ok_or_else(|| bad("not RTP caps with an encoding-name"))?;
        let codec = VideoCodec::from_encoding_name(name)
            .ok_or_else(|| MixerError::UnsupportedCodec(name.to_string()))?;
        let payload_type = caps
            .structure(0)
            .and_then(|s| s.get::<i32>("payload").ok())
            .and_then(|pt| u8::try_from(pt).ok());
        let jitter = make("rtpjitterbuffer")?;
        jitter.set_property("latency", JITTER_LATENCY_MS);
        // Timestamps from RTP alone (as the audio decoder does): nothing is
        // played against the clock, and the canvas restamps frames anyway.
        jitter.set_property_from_str("mode", "none");
        let convert = make("videoconvert")?;
        let raw = make("capsfilter")?;
        raw.set_property(
            "caps",
            gst_video::VideoCapsBuilder::new()
                .format(gst_video::VideoFormat::I420)
                .build(),
        );
        let decoder = make(codec.decoder())?;
        if decoder.find_property("max-threads").is_some() {
            // One thread: libav's own threads escape the room's CPU meter,
            // and frame threading costs a frame of latency per thread. A
            // room's parallelism is its many streams.
            decoder.set_property("max-threads", 1i32);
        }
        let chain = Chain::new(
            Some(caps),
            &[jitter, make(codec.depayloader())?, decoder, convert, raw],
            // RTP packets: room for a burst of a few large keyframes.
            1024,
        )?;
        Ok(VideoDecoder {
            codec,
            payload_type,
            chain,
        })
    }

    /// A decoder for the first video payload type of `spec` the mixer
    /// decodes, with the negotiated fmtp (packetization mode, the peer's
    /// sprop-parameter-sets) in its caps.
    pub fn for_stream(spec: &StreamSpec) -> Result<VideoDecoder, MixerError> {
        VideoDecoder::new(&decoder_caps(spec)?)
    }

    pub fn codec(&self) -> VideoCodec {
        self.codec
    }

    /// The payload type it decodes (from the caps, when they said).
    pub fn payload_type(&self) -> Option<u8> {
        self.payload_type
    }

    /// One RTP packet as received. Packets of another payload type are
    /// dropped here, malformed ones by the jitter buffer or depayloader:
    /// never a panic or an error.
    pub fn push_rtp(&self, packet: &[u8]) -> Result<(), MixerError> {
        if let Some(pt) = self.payload_type {
            if packet.len() < 12 || packet[0] >> 6 != 2 || packet[1] & 0x7f != pt {
                return Ok(());
            }
        }
        self.chain
            .push(gst::Buffer::from_mut_slice(packet.to_vec()))
    }

    /// The next decoded frame (I420, the sender's size), waiting at most
    /// `timeout`.
    pub fn pull_frame(&self, timeout: Duration) -> Result<Option<gst::Sample>, MixerError> {
        self.chain.pull(timeout)
    }
}

/// What to encode for one receiver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncoderConfig {
    pub codec: VideoCodec,
    pub payload_type: u8,
    pub width: u32,
    pub height: u32,
    pub fps: u32,
    pub bitrate_kbps: u32,
    /// The largest RTP packet to send (bytes, RTP header included).
    pub mtu: u32,
    /// H.264 only: 0 sends every NAL unit in its own packet (no FU-A), so
    /// slices are cut to fit the MTU; 1 allows fragmentation.
    pub packetization_mode: u8,
    /// Frames between keyframes when nobody asks for one.
    pub keyframe_interval: u32,
}

/// Safe below any Ethernet/VPN path we meet, leaving room for IP, UDP and
/// SRTP overhead.
pub const DEFAULT_MTU: u32 = 1200;
/// Bit rate when the receiver announced no limit.
pub const DEFAULT_BITRATE_KBPS: u32 = 1024;
/// The most we send even when the receiver allows more (an H.264 level's
/// max-br alone can say 14 Mbit/s): beyond this a composed 720p/1080p
/// conference picture gains nothing visible, and the link pays for it.
pub const MAX_BITRATE_KBPS: u32 = 2048;

impl EncoderConfig {
    /// What to send on `stream`: the largest picture of the preferred shape
    /// within the receiver's limits, at the lower of its bit rate limits.
    pub fn for_stream(
        stream: &NegotiatedStream,
        prefer_w: u32,
        prefer_h: u32,
        fps: u32,
    ) -> Result<EncoderConfig, MixerError> {
        let name = stream.codec.name;
        let codec = VideoCodec::from_name(name)
            .ok_or_else(|| MixerError::UnsupportedCodec(name.encoding_name().to_string()))?;
        let (width, height, fps) = stream
            .max_resolution(prefer_w, prefer_h, fps)
            .ok_or_else(|| MixerError::UnsupportedCodec(name.encoding_name().to_string()))?;
        let packetization_mode = match &stream.codec.params {
            CodecParams::H264(p) => p.packetization_mode,
            _ => 0,
        };
        Ok(EncoderConfig {
            codec,
            payload_type: stream.codec.payload_type,
            width,
            height,
            fps,
            bitrate_kbps: stream
                .max_send_bitrate_kbps()
                .unwrap_or(DEFAULT_BITRATE_KBPS)
                .clamp(64, MAX_BITRATE_KBPS),
            mtu: DEFAULT_MTU,
            packetization_mode,
            // A keyframe every ten seconds at most: receivers ask (FIR, PLI,
            // picture_fast_update) when they need one sooner.
            keyframe_interval: fps.max(1) * 10,
        })
    }
}

/// The first payload type of `spec` that is a video codec we handle.
fn video_payload(spec: &StreamSpec) -> Result<(u8, VideoCodec), MixerError> {
    spec.payload_types
        .iter()
        .find_map(|(pt, _, name)| Some((*pt, VideoCodec::from_encoding_name(name)?)))
        .ok_or_else(|| {
            let names: Vec<&str> = spec
                .payload_types
                .iter()
                .map(|(_, _, n)| n.as_str())
                .collect();
            MixerError::UnsupportedCodec(names.join(","))
        })
}

/// RTP caps for what the peer sends on `spec`.
fn decoder_caps(spec: &StreamSpec) -> Result<String, MixerError> {
    use diemcau_codecs::caps::RtpCaps;
    let (pt, codec) = video_payload(spec)?;
    let (clock, name) = spec.payload_type(pt).unwrap_or((90_000, ""));
    let encoding = CodecName::from_encoding_name(name).map_or("", CodecName::gst_encoding_name);
    let mut caps = RtpCaps::new("video", clock, encoding, pt);
    if codec == VideoCodec::H264 {
        let fmtp = spec.fmtp(pt);
        let ours = H264Params::from_fmtp(fmtp.and_then(|f| f.recv.as_deref())).ok();
        if let Some(h) = ours {
            caps.string("packetization-mode", &h.packetization_mode.to_string());
        }
        let theirs = H264Params::from_fmtp(fmtp.and_then(|f| f.send.as_deref())).ok();
        if let Some(sprop) = theirs.and_then(|h| h.sprop_parameter_sets) {
            caps.string("sprop-parameter-sets", &sprop);
        }
    }
    Ok(caps.build())
}

/// What to send to an H.264 peer that announced no fmtp: RFC 6184's
/// default is level 1 (QCIF at 15 fps), which no room system really means.
pub const H264_DEFAULT: (u32, u32, u32) = (640, 360, 15);
/// H.263 without fmtp: CIF, which every H.263 room system takes.
pub const H263_DEFAULT: (u32, u32, u32) = (352, 288, 15);

impl EncoderConfig {
    /// What to send on `spec`: like [`EncoderConfig::for_stream`], from the
    /// peer's fmtp the gateway put in the spec ([`StreamSpec::fmtp`]);
    /// without one, [`H264_DEFAULT`] (packetization mode 0), [`H263_DEFAULT`],
    /// and for VP8 the preferred size (RFC 7741: no limit).
    pub fn for_spec(
        spec: &StreamSpec,
        prefer_w: u32,
        prefer_h: u32,
        fps: u32,
    ) -> Result<EncoderConfig, MixerError> {
        let (pt, codec) = video_payload(spec)?;
        let send = spec.fmtp(pt).and_then(|f| f.send.as_deref());
        let bad = |e: diemcau_codecs::CodecError| MixerError::BadCaps {
            caps: send.unwrap_or_default().to_string(),
            reason: e.to_string(),
        };
        let capped = |(w, h, r): (u32, u32, u32)| (w.min(prefer_w), h.min(prefer_h), r.min(fps));
        let ((width, height, fps), packetization_mode) = match (codec, send) {
            (VideoCodec::H264, Some(f)) => {
                let p = H264Params::from_fmtp(Some(f)).map_err(bad)?;
                (
                    p.max_resolution(prefer_w, prefer_h, fps),
                    p.packetization_mode,
                )
            }
            (VideoCodec::H264, None) => (capped(H264_DEFAULT), 0),
            (VideoCodec::H263 | VideoCodec::H263_1998, Some(f)) => (
                H263Params::from_fmtp(Some(f)).max_resolution(prefer_w, prefer_h, fps),
                0,
            ),
            (VideoCodec::H263 | VideoCodec::H263_1998, None) => (H263_DEFAULT, 0),
            (VideoCodec::Vp8, f) => (
                Vp8Params::from_fmtp(f)
                    .map_err(bad)?
                    .max_resolution(prefer_w, prefer_h, fps),
                0,
            ),
        };
        Ok(EncoderConfig {
            codec,
            payload_type: pt,
            // The canvas is I420: even sizes.
            width: width & !1,
            height: height & !1,
            fps,
            bitrate_kbps: spec
                .max_send_kbps
                .unwrap_or(DEFAULT_BITRATE_KBPS)
                .clamp(64, MAX_BITRATE_KBPS),
            mtu: DEFAULT_MTU,
            packetization_mode,
            keyframe_interval: fps.max(1) * 10,
        })
    }
}

/// The encoder element of `config`, set for conferencing: no lookahead,
/// constant-ish rate, and for H.264 pm0 slices cut to fit one packet.
fn encoder_element(config: &EncoderConfig) -> Result<gst::Element, MixerError> {
    let bits = i32::try_from(u64::from(config.bitrate_kbps) * 1000).unwrap_or(i32::MAX);
    let gop = i32::try_from(config.keyframe_interval.max(1)).unwrap_or(i32::MAX);
    let enc = match config.codec {
        VideoCodec::H264 => {
            let enc = make("x264enc")?;
            enc.set_property_from_str("tune", "zerolatency");
            enc.set_property_from_str("speed-preset", "ultrafast");
            enc.set_property("bitrate", config.bitrate_kbps.max(1));
            enc.set_property("key-int-max", config.keyframe_interval.max(1));
            // One thread per encoder: a room runs one encoder per receiver.
            enc.set_property("threads", 1u32);
            if config.packetization_mode == 0 {
                // The NAL unit must fit in one RTP packet: 12 bytes of RTP
                // header plus slack for the NAL header and SPS/PPS.
                let slice = config.mtu.saturating_sub(100).max(200);
                enc.set_property("option-string", format!("slice-max-size={slice}"));
            }
            enc
        }
        VideoCodec::H263 | VideoCodec::H263_1998 => {
            let enc = make(if config.codec == VideoCodec::H263 {
                "avenc_h263"
            } else {
                "avenc_h263p"
            })?;
            enc.set_property("bitrate", bits);
            enc.set_property("gop-size", gop);
            // GOB headers often enough that the payloader, which can only
            // cut at GOBs (RFC 2190 mode A, RFC 4629), stays under the MTU.
            let ps = i32::try_from(config.mtu.saturating_sub(100).max(200)).unwrap_or(1100);
            enc.set_property("ps", ps);
            enc
        }
        VideoCodec::Vp8 => {
            let enc = make("vp8enc")?;
            enc.set_property("deadline", 1i64);
            enc.set_property("cpu-used", 8i32);
            enc.set_property_from_str("end-usage", "cbr");
            enc.set_property("target-bitrate", bits);
            enc.set_property("keyframe-max-dist", gop);
            enc.set_property("lag-in-frames", 0i32);
            enc.set_property("threads", 1i32);
            // Decodable past lost packets (partitions independent).
            enc.set_property_from_str("error-resilient", "default+partitions");
            enc
        }
    };
    Ok(enc)
}

fn payloader(config: &EncoderConfig) -> Result<gst::Element, MixerError> {
    let pay = make(match config.codec {
        VideoCodec::H264 => "rtph264pay",
        VideoCodec::H263 => "rtph263pay",
        VideoCodec::H263_1998 => "rtph263ppay",
        VideoCodec::Vp8 => "rtpvp8pay",
    })?;
    pay.set_property("pt", u32::from(config.payload_type & 0x7f));
    pay.set_property("mtu", config.mtu.max(200));
    match config.codec {
        VideoCodec::H264 => {
            // SPS/PPS in front of every IDR: a room system that joins late
            // or lost them can decode the next keyframe.
            pay.set_property("config-interval", -1i32);
            if config.packetization_mode == 0 {
                pay.set_property_from_str("aggregate-mode", "none");
            }
        }
        VideoCodec::Vp8 => pay.set_property_from_str("picture-id-mode", "15-bit"),
        _ => {}
    }
    Ok(pay)
}

/// Raw frames in, RTP packets out.
pub struct VideoEncoder {
    config: EncoderConfig,
    encoder: gst::Element,
    chain: Chain,
    /// The rate it encodes at now: the configured one until
    /// [`VideoEncoder::set_bitrate`].
    bitrate_kbps: u32,
}

impl VideoEncoder {
    pub fn new(config: EncoderConfig) -> Result<VideoEncoder, MixerError> {
        element::init()?;
        if config.width < 16 || config.height < 16 {
            return Err(MixerError::Gstreamer(format!(
                "cannot encode {}x{}",
                config.width, config.height
            )));
        }
        let convert = make("videoconvert")?;
        let scale = make("videoscale")?;
        let rate = make("videorate")?;
        // Drop frames above the receiver's rate; never duplicate.
        rate.set_property("drop-only", true);
        rate.set_property("max-rate", i32::try_from(config.fps.max(1)).unwrap_or(30));
        let size = make("capsfilter")?;
        size.set_property(
            "caps",
            gst_video::VideoCapsBuilder::new()
                .format(gst_video::VideoFormat::I420)
                .width(i32::try_from(config.width).unwrap_or(i32::MAX))
                .height(i32::try_from(config.height).unwrap_or(i32::MAX))
                .pixel_aspect_ratio(gst::Fraction::new(1, 1))
                .build(),
        );
        let encoder = encoder_element(&config)?;
        let mut middle = vec![convert, scale, rate, size, encoder.clone()];
        if config.codec == VideoCodec::H264 {
            // Room systems decode Constrained Baseline; x264 picks the
            // profile from downstream caps.
            let profile = make("capsfilter")?;
            profile.set_property(
                "caps",
                gst::Caps::builder("video/x-h264")
                    .field("profile", "constrained-baseline")
                    .build(),
            );
            middle.push(profile);
        }
        middle.push(payloader(&config)?);
        // Raw frames: a frame or two of slack, older ones are stale anyway.
        let chain = Chain::new(None, &middle, 2)?;
        Ok(VideoEncoder {
            bitrate_kbps: config.bitrate_kbps,
            config,
            encoder,
            chain,
        })
    }

    pub fn config(&self) -> &EncoderConfig {
        &self.config
    }

    /// The bit rate it encodes at now (kbit/s).
    pub fn bitrate_kbps(&self) -> u32 {
        self.bitrate_kbps
    }

    /// Changes the bit rate while encoding (the receiver's congestion
    /// estimate): x264enc `bitrate` (kbit/s), vp8enc `target-bitrate`
    /// (bit/s); both apply from the next frame. Codecs that cannot
    /// ([`VideoCodec::adjustable_bitrate`]) are an error.
    pub fn set_bitrate(&mut self, kbps: u32) -> Result<(), MixerError> {
        let kbps = kbps.max(1);
        match self.config.codec {
            VideoCodec::H264 => self.encoder.set_property("bitrate", kbps),
            VideoCodec::Vp8 => self.encoder.set_property(
                "target-bitrate",
                i32::try_from(u64::from(kbps) * 1000).unwrap_or(i32::MAX),
            ),
            VideoCodec::H263 | VideoCodec::H263_1998 => {
                return Err(MixerError::Gstreamer(
                    "H.263 encoders cannot change their bit rate while running".into(),
                ))
            }
        }
        self.bitrate_kbps = kbps;
        Ok(())
    }

    /// Feeds one raw frame (any size and format: it is scaled to the
    /// configured size). Its timestamps are replaced by the arrival time.
    pub fn push_frame(&self, sample: &gst::Sample) -> Result<(), MixerError> {
        let (Some(caps), Some(buffer)) = (sample.caps(), sample.buffer()) else {
            return Ok(());
        };
        // videorate aborts the process (a g_assert) on frames of variable
        // rate (framerate 0/1 or none) once their durations are cleared:
        // such input is declared at the configured rate instead.
        let variable = caps
            .structure(0)
            .and_then(|s| s.get::<gst::Fraction>("framerate").ok())
            .is_none_or(|f| f.numer() == 0);
        let caps = if variable {
            let mut fixed = caps.to_owned();
            fixed.make_mut().set(
                "framerate",
                gst::Fraction::new(i32::try_from(self.config.fps.max(1)).unwrap_or(30), 1),
            );
            fixed
        } else {
            caps.to_owned()
        };
        if self.chain.src.caps().as_ref() != Some(&caps) {
            self.chain.src.set_caps(Some(&caps));
        }
        let mut buffer = buffer.copy();
        {
            let b = buffer.make_mut();
            b.set_pts(gst::ClockTime::NONE);
            b.set_dts(gst::ClockTime::NONE);
            b.set_duration(gst::ClockTime::NONE);
        }
        self.chain.push(buffer)
    }

    /// The next RTP packet, waiting at most `timeout`.
    pub fn pull_rtp(&self, timeout: Duration) -> Result<Option<gst::Buffer>, MixerError> {
        Ok(self.chain.pull(timeout)?.and_then(|s| s.buffer_owned()))
    }

    /// Asks the encoder for a keyframe (with SPS/PPS) as soon as possible:
    /// a receiver sent FIR, PLI or picture_fast_update.
    pub fn force_keyframe(&self) -> Result<(), MixerError> {
        let event = gst_video::UpstreamForceKeyUnitEvent::builder()
            .all_headers(true)
            .build();
        // Sent into the encoder's source pad, the way a downstream element
        // would ask.
        let pad = self
            .encoder
            .static_pad("src")
            .ok_or_else(|| MixerError::Gstreamer("encoder without src pad".into()))?;
        if pad.send_event(event) {
            Ok(())
        } else {
            Err(MixerError::Gstreamer("keyframe request refused".into()))
        }
    }
}

#[cfg(test)]
mod tests;
