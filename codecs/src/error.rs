//! The codecs crate's one error type.

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodecError {
    /// Malformed or oversized SDP. `line` is 1-based; 0 means the input as a
    /// whole (too large, empty, too many m-lines).
    #[error("SDP line {line}: {reason}")]
    Sdp { line: usize, reason: String },
    /// Nothing in the offer (or answer) can be used: no audio and no video
    /// m-line with a codec and transport we support.
    #[error("no common codec")]
    NoCommonCodec,
    /// A format parameter (`a=fmtp`) value of the named codec is malformed.
    #[error("{codec} fmtp: {reason}")]
    Fmtp { codec: &'static str, reason: String },
    /// An SDP answer that does not fit the offer it answers (RFC 3264 §6).
    #[error("answer does not match our offer: {0}")]
    AnswerMismatch(String),
}

impl CodecError {
    pub(crate) fn sdp(line: usize, reason: impl Into<String>) -> Self {
        CodecError::Sdp {
            line,
            reason: reason.into(),
        }
    }

    pub(crate) fn fmtp(codec: &'static str, reason: impl Into<String>) -> Self {
        CodecError::Fmtp {
            codec,
            reason: reason.into(),
        }
    }
}
