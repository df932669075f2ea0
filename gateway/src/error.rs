//! The gateway crate's one error type.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum GatewayError {
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    #[error("cannot bind {what} on {addr}: {source}")]
    Bind {
        what: &'static str,
        addr: String,
        source: std::io::Error,
    },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("I/O error: {0}")]
    Net(#[from] std::io::Error),
    #[error("SIP: {0}")]
    Sip(#[from] crate::sip::SipError),
    #[error("media: {0}")]
    Media(#[from] diemcau_mixer::MixerError),
    #[error("codec negotiation: {0}")]
    Codec(#[from] diemcau_codecs::CodecError),
    /// Undecodable or unencodable H.245, or an H.245 procedure failing.
    #[error("H.245: {0}")]
    H245(String),
    #[error("metrics: {0}")]
    Metrics(#[from] prometheus::Error),
}
