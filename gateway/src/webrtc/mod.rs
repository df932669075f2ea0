//! WebRTC participants: the join page, WHIP/WHEP endpoints, their sessions
//! (`service`), and metrics. The media side (webrtcbin and the relay to
//! the mixer) is `diemcau_mixer::webrtc`.

pub mod client;
pub mod link;
pub mod metrics;
pub mod plan;
pub mod routes;
pub mod service;

pub use routes::routes;
pub use service::{SessionKind, WebrtcError, WebrtcService};
