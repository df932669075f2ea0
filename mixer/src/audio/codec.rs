//! GStreamer decode and encode chains for the audio codecs we transcode.
//!
//! Each chain is a small pipeline between an appsrc and an appsink, so our
//! code owns the timing: RTP goes in as it arrives and comes out as 20 ms
//! frames; mixed frames go in at the mixer's tick and come out as RTP.
//!
//! ```text
//! decode: appsrc(application/x-rtp) ! rtpjitterbuffer latency=60 mode=none ! depay
//!         ! decoder ! audioconvert ! S16LE/<codec rate>/1 ! appsink → Upsampler
//! encode: Downsampler → appsrc(S16LE/<codec rate>/1) ! audioconvert
//!         ! encoder ! payloader ! appsink
//! ```
//!
//! The rate change to and from the mixer's 48 kHz is ours
//! ([`super::resample`]): one 20 ms frame in, one out, where
//! `audioresample` kept a tail back and cost a 20 ms tick each way.
//!
//! Both appsinks run with `sync=false`: they hand over data as soon as it
//! is ready instead of waiting for the pipeline clock. The pulls never block
//! longer than the timeout they are given (zero for the plain ones), so a
//! caller on an async runtime can use the plain ones from its tick.

use std::time::Duration;

use bytes::Bytes;
use diemcau_codecs::caps::RtpCaps;
use diemcau_codecs::catalogue::CodecName;
use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;

use super::resample::{Downsampler, Upsampler};
use super::{Frame, FRAME_DURATION, FRAME_SAMPLES, SAMPLE_RATE};
use crate::spec::StreamSpec;
use crate::MixerError;

/// Jitter buffer depth of the decoder (ms): room systems on a LAN or a
/// managed WAN; more would add to every participant's mouth-to-ear delay.
pub const JITTER_LATENCY_MS: u32 = 60;
/// Decoded buffers kept when nobody pulls (about a second), then the oldest
/// are dropped: the mixer wants recent audio, not a backlog.
const SINK_MAX_BUFFERS: u32 = 50;
/// RTP packets queued in the decoder's appsrc before the oldest are dropped.
const SRC_MAX_PACKETS: u64 = 50;

/// The audio codecs the mixer decodes and encodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AudioCodec {
    Pcmu,
    Pcma,
    G722,
    Opus,
}

impl AudioCodec {
    pub const ALL: [AudioCodec; 4] = [
        AudioCodec::Pcmu,
        AudioCodec::Pcma,
        AudioCodec::G722,
        AudioCodec::Opus,
    ];

    /// From an rtpmap encoding name, case-insensitive (`PCMU`, `opus`...).
    pub fn from_encoding_name(name: &str) -> Option<AudioCodec> {
        CodecName::from_encoding_name(name).and_then(|c| AudioCodec::try_from(c).ok())
    }

    pub fn codec_name(self) -> CodecName {
        match self {
            AudioCodec::Pcmu => CodecName::Pcmu,
            AudioCodec::Pcma => CodecName::Pcma,
            AudioCodec::G722 => CodecName::G722,
            AudioCodec::Opus => CodecName::Opus,
        }
    }

    /// Sample rate of the codec itself. G.722 codes 16 kHz audio although
    /// its RTP clock runs at 8 kHz (RFC 3551 §4.5.2).
    pub fn sample_rate(self) -> i32 {
        match self {
            AudioCodec::Pcmu | AudioCodec::Pcma => 8000,
            AudioCodec::G722 => 16_000,
            AudioCodec::Opus => 48_000,
        }
    }

    /// 48 kHz divided by the codec's sample rate.
    pub fn rate_factor(self) -> usize {
        (SAMPLE_RATE as i32 / self.sample_rate()).max(1) as usize
    }

    /// The caps of the RTP stream, as the depayloader wants them.
    pub fn rtp_caps(self, payload_type: u8) -> String {
        let name = self.codec_name();
        let mut caps = RtpCaps::new(
            "audio",
            name.clock_rate(),
            name.gst_encoding_name(),
            payload_type,
        );
        if self == AudioCodec::Opus {
            // RFC 7587: always "opus/48000/2" whatever the peer sends.
            caps.string("encoding-params", "2");
        }
        caps.build()
    }

    /// Depayloader and decoder elements.
    fn decode_elements(self) -> [&'static str; 2] {
        match self {
            AudioCodec::Pcmu => ["rtppcmudepay", "mulawdec"],
            AudioCodec::Pcma => ["rtppcmadepay", "alawdec"],
            AudioCodec::G722 => ["rtpg722depay", "avdec_g722"],
            AudioCodec::Opus => ["rtpopusdepay", "opusdec"],
        }
    }

    /// Encoder and payloader elements.
    fn encode_elements(self) -> [&'static str; 2] {
        match self {
            AudioCodec::Pcmu => ["mulawenc", "rtppcmupay"],
            AudioCodec::Pcma => ["alawenc", "rtppcmapay"],
            AudioCodec::G722 => ["avenc_g722", "rtpg722pay"],
            AudioCodec::Opus => ["opusenc", "rtpopuspay"],
        }
    }
}

impl TryFrom<CodecName> for AudioCodec {
    type Error = MixerError;

    fn try_from(name: CodecName) -> Result<Self, MixerError> {
        match name {
            CodecName::Pcmu => Ok(AudioCodec::Pcmu),
            CodecName::Pcma => Ok(AudioCodec::Pcma),
            CodecName::G722 => Ok(AudioCodec::G722),
            CodecName::Opus => Ok(AudioCodec::Opus),
            other => Err(MixerError::UnsupportedCodec(other.to_string())),
        }
    }
}

/// RTP in, 20 ms frames of 48 kHz mono out.
pub struct AudioDecoder {
    chain: Chain,
    codec: AudioCodec,
    payload_type: u8,
    /// Decoded samples (codec rate) not yet making a whole codec frame.
    pending: Vec<i16>,
    /// Codec rate to 48 kHz.
    up: Upsampler,
}

impl AudioDecoder {
    /// A decoder for RTP of `codec` on `payload_type`.
    pub fn new(codec: AudioCodec, payload_type: u8) -> Result<Self, MixerError> {
        init()?;
        let caps = parse_caps(&codec.rtp_caps(payload_type))?;
        // Live with arrival timestamps: the jitter buffer measures jitter
        // against the clock and waits at most its latency for a gap.
        let src = gst_app::AppSrc::builder()
            .caps(&caps)
            .format(gst::Format::Time)
            .is_live(true)
            .do_timestamp(true)
            .block(false)
            .max_buffers(SRC_MAX_PACKETS)
            .leaky_type(gst_app::AppLeakyType::Downstream)
            .build();
        let [depay, dec] = codec.decode_elements();
        let jitter = make("rtpjitterbuffer")?;
        jitter.set_property("latency", JITTER_LATENCY_MS);
        // Output timestamps from the RTP timestamps alone, not from arrival
        // times ("slave", the default). In slave mode a burst of packets
        // (the round-trip test, or a network hiccup) lost samples: a 1 kHz
        // tone through PCMU came back as 34 frames out of 48 with phase
        // jumps. Opus, which needs no resampling, was unaffected, so the
        // likely culprit is audioresample resyncing on the overlapping
        // arrival-based timestamps. We play nothing against the clock, so we
        // need no arrival timing; sender clock drift is bounded by the
        // mixer's queues instead.
        jitter.set_property_from_str("mode", "none");
        let middle = vec![jitter, make(depay)?, make(dec)?, make("audioconvert")?];
        let sink = gst_app::AppSink::builder()
            .caps(&pcm_caps(codec.sample_rate()))
            .sync(false)
            .max_buffers(SINK_MAX_BUFFERS)
            .drop(true)
            .build();
        let chain = Chain::start(src, middle, sink)?;
        Ok(Self {
            chain,
            codec,
            payload_type,
            pending: Vec::with_capacity(2 * FRAME_SAMPLES),
            up: Upsampler::new(codec.rate_factor()),
        })
    }

    /// A decoder for the first payload type of the stream we can decode
    /// (telephone-event and the like are skipped).
    pub fn for_stream(spec: &StreamSpec) -> Result<Self, MixerError> {
        let (pt, codec) = spec
            .payload_types
            .iter()
            .find_map(|(pt, _, name)| Some((*pt, AudioCodec::from_encoding_name(name)?)))
            .ok_or(MixerError::NoAudioCodec)?;
        Self::new(codec, pt)
    }

    pub fn codec(&self) -> AudioCodec {
        self.codec
    }

    pub fn payload_type(&self) -> u8 {
        self.payload_type
    }

    /// Feed one RTP packet. Returns `Ok(false)` for a packet that is not
    /// RTP version 2 of our payload type (DTMF, comfort noise, garbage):
    /// those never reach the pipeline, whose caps are fixed to one codec.
    pub fn push_rtp(&self, packet: &[u8]) -> Result<bool, MixerError> {
        let ours =
            packet.len() >= 12 && packet[0] >> 6 == 2 && packet[1] & 0x7f == self.payload_type;
        if !ours {
            return Ok(false);
        }
        self.chain.push(gst::Buffer::from_slice(packet.to_vec()))?;
        Ok(true)
    }

    /// The whole frames decoded so far, without waiting.
    pub fn pull_frames(&mut self) -> Result<Vec<Frame>, MixerError> {
        self.pull_frames_timeout(Duration::ZERO)
    }

    /// Like [`pull_frames`](Self::pull_frames), but waits up to `timeout`
    /// for decoded audio if there is none yet.
    pub fn pull_frames_timeout(&mut self, timeout: Duration) -> Result<Vec<Frame>, MixerError> {
        let mut wait = timeout;
        while let Some(sample) = self.chain.pull(wait)? {
            wait = Duration::ZERO;
            let Some(buffer) = sample.buffer() else {
                continue;
            };
            let map = buffer
                .map_readable()
                .map_err(|e| MixerError::Gstreamer(format!("decoded buffer: {e}")))?;
            self.pending.extend(
                map.as_slice()
                    .chunks_exact(2)
                    .map(|b| i16::from_le_bytes([b[0], b[1]])),
            );
        }
        let per_frame = FRAME_SAMPLES / self.codec.rate_factor();
        let whole = self.pending.len() / per_frame;
        let mut frames = Vec::with_capacity(whole);
        for chunk in self.pending.chunks_exact(per_frame) {
            let mut frame = [0i16; FRAME_SAMPLES];
            frame.copy_from_slice(&self.up.process(chunk));
            frames.push(frame);
        }
        self.pending.drain(..whole * per_frame);
        Ok(frames)
    }
}

/// 20 ms frames of 48 kHz mono in, RTP packets out.
pub struct AudioEncoder {
    chain: Chain,
    codec: AudioCodec,
    /// Frames pushed: the timestamp of the next one.
    frames: u64,
    /// 48 kHz to the codec rate.
    down: Downsampler,
}

impl AudioEncoder {
    /// An encoder sending `codec` on `payload_type` with our `ssrc`, 20 ms
    /// per packet.
    pub fn new(codec: AudioCodec, payload_type: u8, ssrc: u32) -> Result<Self, MixerError> {
        init()?;
        // Not live: we stamp the frames ourselves, one frame duration apart,
        // so the RTP timestamps advance by exactly 20 ms per frame whatever
        // the tick jitter.
        let src = gst_app::AppSrc::builder()
            .caps(&pcm_caps(codec.sample_rate()))
            .format(gst::Format::Time)
            .is_live(false)
            .block(false)
            .build();
        let [enc, pay] = codec.encode_elements();
        let payloader = make(pay)?;
        payloader.set_property("pt", u32::from(payload_type));
        payloader.set_property("ssrc", ssrc);
        if codec != AudioCodec::Opus {
            // The G.711/G.722 payloaders cut by duration; opusenc already
            // makes 20 ms frames (its default) and rtpopuspay sends one per
            // packet.
            let ptime = FRAME_DURATION.as_nanos() as i64;
            payloader.set_property("min-ptime", ptime);
            payloader.set_property("max-ptime", ptime);
        }
        let middle = vec![make("audioconvert")?, make(enc)?, payloader];
        let sink = gst_app::AppSink::builder()
            .sync(false)
            .max_buffers(SINK_MAX_BUFFERS)
            .drop(true)
            .build();
        let chain = Chain::start(src, middle, sink)?;
        Ok(Self {
            chain,
            codec,
            frames: 0,
            down: Downsampler::new(codec.rate_factor()),
        })
    }

    pub fn codec(&self) -> AudioCodec {
        self.codec
    }

    /// Encode the next 20 ms.
    pub fn push_frame(&mut self, frame: &Frame) -> Result<(), MixerError> {
        let bytes: Vec<u8> = self
            .down
            .process(frame)
            .iter()
            .flat_map(|s| s.to_le_bytes())
            .collect();
        let mut buffer = gst::Buffer::from_mut_slice(bytes);
        let frame_ns = FRAME_DURATION.as_nanos() as u64;
        {
            let b = buffer.make_mut();
            b.set_pts(gst::ClockTime::from_nseconds(self.frames * frame_ns));
            b.set_duration(gst::ClockTime::from_nseconds(frame_ns));
        }
        self.frames += 1;
        self.chain.push(buffer)
    }

    /// The RTP packets ready, without waiting.
    pub fn pull_rtp(&self) -> Result<Vec<Bytes>, MixerError> {
        self.pull_rtp_timeout(Duration::ZERO)
    }

    /// Like [`pull_rtp`](Self::pull_rtp), but waits up to `timeout` for a
    /// packet if there is none yet.
    pub fn pull_rtp_timeout(&self, timeout: Duration) -> Result<Vec<Bytes>, MixerError> {
        let mut packets = Vec::new();
        let mut wait = timeout;
        while let Some(sample) = self.chain.pull(wait)? {
            wait = Duration::ZERO;
            let copy = |b: &gst::BufferRef| {
                b.map_readable()
                    .map(|m| Bytes::copy_from_slice(m.as_slice()))
                    .map_err(|e| MixerError::Gstreamer(format!("RTP buffer: {e}")))
            };
            if let Some(list) = sample.buffer_list() {
                for b in list.iter() {
                    packets.push(copy(b)?);
                }
            } else if let Some(b) = sample.buffer() {
                packets.push(copy(b)?);
            }
        }
        Ok(packets)
    }
}

/// appsrc ! elements... ! appsink in a playing pipeline, stopped on drop.
struct Chain {
    pipeline: gst::Pipeline,
    src: gst_app::AppSrc,
    sink: gst_app::AppSink,
}

impl Chain {
    fn start(
        src: gst_app::AppSrc,
        middle: Vec<gst::Element>,
        sink: gst_app::AppSink,
    ) -> Result<Self, MixerError> {
        let pipeline = crate::cpu::pipeline();
        // GObject handles: clones are references to the same elements.
        let mut elements: Vec<gst::Element> = Vec::with_capacity(middle.len() + 2);
        elements.push(src.clone().upcast());
        elements.extend(middle);
        elements.push(sink.clone().upcast());
        pipeline
            .add_many(&elements)
            .map_err(|e| MixerError::Gstreamer(format!("adding elements: {e}")))?;
        // Stop the pipeline on every early return from here on.
        let chain = Chain {
            pipeline,
            src,
            sink,
        };
        gst::Element::link_many(&elements).map_err(|e| {
            let names: Vec<String> = elements
                .iter()
                .filter_map(|e| e.factory().map(|f| f.name().to_string()))
                .collect();
            MixerError::Gstreamer(format!("linking {}: {e}", names.join(" ! ")))
        })?;
        chain
            .pipeline
            .set_state(gst::State::Playing)
            .map_err(|e| MixerError::Gstreamer(format!("starting pipeline: {e}")))?;
        chain.check_bus()?;
        Ok(chain)
    }

    fn push(&self, buffer: gst::Buffer) -> Result<(), MixerError> {
        self.check_bus()?;
        self.src
            .push_buffer(buffer)
            .map(|_| ())
            .map_err(|e| MixerError::Gstreamer(format!("pushing into the pipeline: {e:?}")))
    }

    /// A sample if one comes within `timeout`; an error if the pipeline
    /// failed.
    fn pull(&self, timeout: Duration) -> Result<Option<gst::Sample>, MixerError> {
        self.check_bus()?;
        let timeout = gst::ClockTime::from_nseconds(timeout.as_nanos() as u64);
        Ok(self.sink.try_pull_sample(timeout))
    }

    /// The first error posted on the bus, if any: a decoder choking on a
    /// stream, a caps mismatch at runtime.
    fn check_bus(&self) -> Result<(), MixerError> {
        let Some(bus) = self.pipeline.bus() else {
            return Ok(());
        };
        match bus.pop_filtered(&[gst::MessageType::Error]) {
            Some(msg) => match msg.view() {
                gst::MessageView::Error(err) => Err(MixerError::Gstreamer(format!(
                    "{}: {}",
                    msg.src()
                        .map(|s| s.path_string().to_string())
                        .unwrap_or_default(),
                    err.error()
                ))),
                _ => Ok(()),
            },
            None => Ok(()),
        }
    }
}

impl Drop for Chain {
    fn drop(&mut self) {
        let _ = self.pipeline.set_state(gst::State::Null);
    }
}

fn init() -> Result<(), MixerError> {
    gst::init().map_err(|e| MixerError::Gstreamer(format!("init: {e}")))
}

fn make(factory: &str) -> Result<gst::Element, MixerError> {
    gst::ElementFactory::make(factory)
        .build()
        .map_err(|_| MixerError::Gstreamer(format!("element {factory} is not installed")))
}

fn parse_caps(text: &str) -> Result<gst::Caps, MixerError> {
    text.parse()
        .map_err(|_| MixerError::Gstreamer(format!("bad caps {text}")))
}

fn pcm_caps(rate: i32) -> gst::Caps {
    gst::Caps::builder("audio/x-raw")
        .field("format", "S16LE")
        .field("layout", "interleaved")
        .field("rate", rate)
        .field("channels", 1i32)
        .build()
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use super::*;
    use crate::audio::testutil::{concat, tone_amplitude, tone_frame};
    use crate::spec::{Direction, MediaKind};

    const AMPLITUDE: f64 = 12_000.0;
    const FRAMES: usize = 50;

    /// 1 s of 1 kHz through the encoder, the RTP through the decoder.
    fn round_trip(codec: AudioCodec, pt: u8) {
        let started = Instant::now();
        let mut enc = AudioEncoder::new(codec, pt, 0x1234_5678).unwrap();
        let mut dec = AudioDecoder::new(codec, pt).unwrap();
        let mut packets = Vec::new();
        for i in 0..FRAMES {
            enc.push_frame(&tone_frame(1000.0, AMPLITUDE, i)).unwrap();
            packets.extend(enc.pull_rtp().unwrap());
        }
        // The encoder and resampler hold back a few ms at the end.
        let deadline = Instant::now() + Duration::from_secs(2);
        while packets.len() < FRAMES - 3 && Instant::now() < deadline {
            packets.extend(enc.pull_rtp_timeout(Duration::from_millis(50)).unwrap());
        }
        assert!(
            packets.len() >= FRAMES - 3,
            "{codec:?}: {} packets",
            packets.len()
        );
        for p in &packets {
            assert_eq!(p[1] & 0x7f, pt);
            assert_eq!(&p[8..12], &0x1234_5678u32.to_be_bytes());
        }

        let mut frames = Vec::new();
        for p in &packets {
            assert!(dec.push_rtp(p).unwrap());
            frames.extend(dec.pull_frames().unwrap());
        }
        let deadline = Instant::now() + Duration::from_secs(2);
        while frames.len() < FRAMES - 10 && Instant::now() < deadline {
            frames.extend(dec.pull_frames_timeout(Duration::from_millis(50)).unwrap());
        }
        assert!(
            frames.len() >= FRAMES - 10,
            "{codec:?}: {} frames",
            frames.len()
        );

        // Skip the codec's start-up; the rest must be the tone.
        let samples = concat(&frames[5..]);
        let tone = tone_amplitude(&samples, 1000.0);
        let off = tone_amplitude(&samples, 1500.0);
        assert!(tone > 0.7 * AMPLITUDE, "{codec:?}: 1 kHz at {tone}");
        assert!(off < 0.05 * tone, "{codec:?}: 1.5 kHz at {off}");
        eprintln!(
            "{codec:?}: {} packets, {} frames, 1 kHz at {tone:.0}, {:?}",
            packets.len(),
            frames.len(),
            started.elapsed()
        );
    }

    #[test]
    fn pcmu_round_trip() {
        round_trip(AudioCodec::Pcmu, 0);
    }

    #[test]
    fn pcma_round_trip() {
        round_trip(AudioCodec::Pcma, 8);
    }

    #[test]
    fn g722_round_trip() {
        round_trip(AudioCodec::G722, 9);
    }

    #[test]
    fn opus_round_trip() {
        round_trip(AudioCodec::Opus, 111);
    }

    #[test]
    fn foreign_packets_are_refused_before_the_pipeline() {
        let spec = StreamSpec {
            kind: MediaKind::Audio,
            payload_types: vec![
                (101, 8000, "telephone-event".into()),
                (8, 8000, "PCMA".into()),
            ],
            remote_rtp: None,
            remote_rtcp: None,
            rtcp_mux: false,
            direction: Direction::SendRecv,
            fmtp: Vec::new(),
            max_send_kbps: None,
            rtcp_fb: Vec::new(),
        };
        let mut dec = AudioDecoder::for_stream(&spec).unwrap();
        assert_eq!((dec.codec(), dec.payload_type()), (AudioCodec::Pcma, 8));
        let mut dtmf = vec![0x80, 101, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1];
        dtmf.extend([0; 4]);
        assert!(!dec.push_rtp(&dtmf).unwrap());
        assert!(!dec.push_rtp(&[0x80, 8, 0]).unwrap());
        assert!(!dec.push_rtp(&[0x00; 40]).unwrap());
        // An RTP header with a CSRC count longer than the packet: the jitter
        // buffer drops it, the pipeline survives.
        let mut bad = vec![0x8f, 8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1];
        bad.extend([0xd5; 4]);
        assert!(dec.push_rtp(&bad).unwrap());
        assert!(dec
            .pull_frames_timeout(Duration::from_millis(20))
            .unwrap()
            .is_empty());

        let video = StreamSpec {
            payload_types: vec![(96, 90000, "H264".into())],
            ..spec
        };
        assert!(matches!(
            AudioDecoder::for_stream(&video),
            Err(MixerError::NoAudioCodec)
        ));
        assert!(matches!(
            AudioCodec::try_from(CodecName::Vp8),
            Err(MixerError::UnsupportedCodec(_))
        ));
        assert_eq!(
            AudioCodec::from_encoding_name("OPUS"),
            Some(AudioCodec::Opus)
        );
    }
}
