//! WebRTC participants. webrtcbin terminates ICE, DTLS-SRTP and the
//! browser-facing RTCP; each m-line's plain RTP is relayed over loopback to
//! an ordinary mixer stream (`relay.rs`), so browsers, WHIP publishers, WHEP
//! viewers and bridge links are mixed exactly like SIP terminals.

pub mod peer;
pub mod relay;
pub mod sdp;

pub use peer::{PeerConfig, PeerEvent, PeerLine, PeerStats, WebRtcPeer};
pub use relay::Relay;
pub use sdp::CandidatePolicy;

#[cfg(test)]
mod tests;
