//! diemcau media engine. Today: RTP/RTCP endpoints per negotiated stream
//! (symmetric RTP, RFC 3550 statistics) grouped in a room. The GStreamer
//! mixing pipeline (continuous presence, mix-minus) builds on this.

pub mod error;
pub mod metrics;
pub mod ports;
pub mod spec;
pub mod stats;

pub use error::MixerError;
pub use metrics::MediaMetrics;
pub use ports::{PortAllocator, PortPair};
pub use spec::{Direction, MediaKind, StreamSpec};
