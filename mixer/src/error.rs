//! The mixer crate's one error type.

#[derive(Debug, thiserror::Error)]
pub enum MixerError {
    #[error("no free RTP port pair in {min}-{max}")]
    PortsExhausted { min: u16, max: u16 },
    #[error("socket: {0}")]
    Io(#[from] std::io::Error),
    #[error("participant {0} not in room")]
    NoSuchParticipant(u64),
}
