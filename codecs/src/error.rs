//! The codecs crate's one error type.

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodecError {
    #[error("SDP line {line}: {reason}")]
    Sdp { line: usize, reason: String },
    #[error("no common codec")]
    NoCommonCodec,
}
