//! SIP: sans-IO parsing, framing, transactions, digest auth, registrar, dial
//! plan and calls; `transport` and `endpoint` are the only parts that do I/O.

pub mod auth;
pub mod dialog;
pub mod dialplan;
pub mod endpoint;
pub mod framing;
pub mod message;
pub mod registrar;
pub mod session_timer;
pub mod transaction;
pub mod transport;

/// Errors of the SIP layer.
#[derive(Debug, thiserror::Error)]
pub enum SipError {
    /// The bytes are not a SIP message we can act on; the reason is logged and,
    /// where a response is possible, sent back in a 400's reason phrase.
    #[error("malformed message: {0}")]
    Malformed(String),
    #[error("message too large ({0} bytes)")]
    TooLarge(usize),
    #[error("transport: {0}")]
    Transport(String),
}
