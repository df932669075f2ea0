//! Codec catalogue and negotiation: SDP offer/answer (RFC 3264) with the fmtp
//! rules of each codec, and the mapping to GStreamer RTP caps.

pub mod error;

pub use error::CodecError;
