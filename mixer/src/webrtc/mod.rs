//! WebRTC participants. webrtcbin terminates ICE, DTLS-SRTP and the
//! browser-facing RTCP; each m-line's plain RTP is relayed over loopback to
//! an ordinary mixer stream (`relay.rs`), so browsers, WHIP publishers, WHEP
//! viewers and bridge links are mixed exactly like SIP terminals.

pub mod peer;
pub mod relay;
pub mod sdp;

/// GStreamer must be initialised before the first peer.
pub fn init() -> Result<(), crate::MixerError> {
    gstreamer::init().map_err(|e| crate::MixerError::Gstreamer(e.to_string()))
}

pub use peer::{PeerConfig, PeerEvent, PeerLine, PeerStats, WebRtcPeer};
pub use relay::Relay;
pub use sdp::CandidatePolicy;

#[cfg(test)]
mod tests;
