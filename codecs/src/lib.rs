//! Codec catalogue and negotiation for diemcau: SDP offer/answer (RFC 3264)
//! with the fmtp rules of each codec, and the GStreamer RTP caps of each
//! negotiated stream. No I/O and no GStreamer dependency: caps are strings.
//!
//! Modules:
//! - [`sdp`]: the SDP model, a tolerant but bounded parser, the writer.
//! - [`catalogue`]: codec names, clock rates, static payload types, and
//!   [`catalogue::Capabilities`], what we negotiate.
//! - [`negotiate`]: offer/answer: [`negotiate::answer`], [`negotiate::offer`],
//!   [`negotiate::process_answer`], and the resulting streams.
//! - [`h264`]: profile-level-id, the level table (H.264 Table A-1), receiver
//!   limits (max-fs, max-mbps, max-br...), RFC 6184 answer rules.
//! - [`h245`]: H.245 capabilities (H.323) and their mapping to the model
//!   above, so that logical channels become [`negotiate::NegotiatedStream`]s.
//! - [`h263`]: RFC 4629 picture sizes and their intersection.
//! - [`vp8`]: RFC 7741 max-fr / max-fs.
//! - [`opus`]: RFC 7587 receiver preferences.
//! - [`resolution`]: picking the picture size and frame rate to send.
//! - [`fmtp`]: the generic `a=fmtp` parameter list.
//! - [`caps`]: GStreamer `application/x-rtp` caps strings.
//!
//! The interop traps of real room systems (Polycom, Cisco, Yealink...)
//! that shaped the rules are summarised in the [`negotiate`] module doc and
//! each has a test there, against a Polycom Group offer and a captured
//! baresip 1.0 offer (`fixtures/`).

pub mod caps;
pub mod catalogue;
pub mod error;
pub mod fmtp;
pub mod h245;
pub mod h263;
pub mod h264;
pub mod negotiate;
pub mod opus;
pub mod resolution;
pub mod sdp;
pub mod vp8;

pub use error::CodecError;
