//! The mixer crate's one error type.

use std::net::SocketAddr;

#[derive(Debug, thiserror::Error)]
pub enum MixerError {
    #[error("no free RTP port pair in {min}-{max}")]
    PortsExhausted { min: u16, max: u16 },
    #[error("socket: {0}")]
    Io(#[from] std::io::Error),
    #[error("participant {0} not in room")]
    NoSuchParticipant(u64),
    #[error("cannot bind media port {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("participant {0} is already in the room")]
    ParticipantExists(u64),
    #[error("no remote media address known yet")]
    NoRemote,
    #[error("stream direction {0} does not allow sending RTP")]
    NotSending(&'static str),
    #[error("media stream is closed")]
    Closed,
    #[error("media streams need a tokio runtime")]
    NoRuntime,
    #[error("codec {0} is not one the mixer can transcode")]
    UnsupportedCodec(String),
    #[error("no audio payload type the mixer can decode in the stream")]
    NoAudioCodec,
    /// Building or running a GStreamer pipeline failed: caps that do not
    /// link, a state change refused, or an error posted on the bus.
    #[error("GStreamer: {0}")]
    Gstreamer(String),
    #[error("GStreamer element {0} is missing (is its plugin installed?)")]
    MissingElement(String),
    #[error("bad RTP caps {caps:?}: {reason}")]
    BadCaps { caps: String, reason: String },
}

impl From<gstreamer::glib::BoolError> for MixerError {
    fn from(e: gstreamer::glib::BoolError) -> Self {
        MixerError::Gstreamer(e.to_string())
    }
}

impl From<gstreamer::StateChangeError> for MixerError {
    fn from(e: gstreamer::StateChangeError) -> Self {
        MixerError::Gstreamer(e.to_string())
    }
}
