//! diemcau media engine. Today: RTP/RTCP endpoints per negotiated stream
//! (symmetric RTP, RFC 3550 statistics) grouped in a room. The GStreamer
//! mixing pipeline (continuous presence, mix-minus) builds on this: it
//! attaches a [`MediaSink`] to each stream and sends through
//! [`MediaStream::send_rtp`]. Its video building blocks are in [`video`]:
//! layout geometry, the per-receiver canvas, decode/encode chains.

pub mod audio;
pub mod cpu;
pub mod error;
pub mod latch;
pub mod metrics;
pub mod packet;
pub mod ports;
pub mod room;
pub mod spec;
pub mod stats;
pub mod stream;
pub mod video;
pub mod webrtc;

pub use error::MixerError;
pub use metrics::{DropReason, MediaMetrics};
pub use ports::{PortAllocator, PortPair};
pub use room::{MediaRoom, ParticipantId, ParticipantOptions, RoomEvent};
pub use spec::{Direction, MediaKind, PayloadFmtp, StreamSpec};
pub use stream::{MediaSink, MediaStream, ReceivedRtcp, ReceivedRtp, StreamStats};
