//! The audio half of the room mixer.
//!
//! - [`mixminus`]: sans-IO mix-minus of 20 ms frames (each participant hears
//!   everyone but itself), with bounded per-participant queues.
//! - [`level`]: RFC 6464 audio levels and the active speaker detector.
//! - [`codec`]: GStreamer decode (RTP → PCM) and encode (PCM → RTP) chains
//!   for PCMU, PCMA, G.722 and Opus, driven through appsrc/appsink.
//!
//! Everything inside the mixer is 48 kHz mono signed 16-bit PCM in 20 ms
//! frames ([`Frame`]); the codec chains resample at the edges.

pub mod codec;
pub mod engine;
pub mod level;
pub mod mixminus;
pub mod resample;

#[cfg(test)]
pub(crate) mod testutil;

pub use codec::{AudioCodec, AudioDecoder, AudioEncoder};
pub use engine::AudioEngine;
pub use level::{audio_level, SpeakerConfig, SpeakerDetector, SpeakerEvent};
pub use mixminus::MixMinus;

/// Sample rate of the mixer.
pub const SAMPLE_RATE: u32 = 48_000;
/// Samples in one 20 ms frame at 48 kHz.
pub const FRAME_SAMPLES: usize = 960;
/// Duration of one frame.
pub const FRAME_DURATION: std::time::Duration = std::time::Duration::from_millis(20);

/// One 20 ms frame of 48 kHz mono PCM.
pub type Frame = [i16; FRAME_SAMPLES];

/// A frame of silence.
pub const SILENCE: Frame = [0; FRAME_SAMPLES];
