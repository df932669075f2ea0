//! The video half of the room mixer: layout geometry (sans-IO), the
//! per-receiver GStreamer canvas, the decode/encode chains around it, and
//! [`VideoEngine`], which wires them to a room's streams.

pub mod bitrate;
pub mod canvas;
pub mod codec;
pub(crate) mod element;
pub mod engine;
pub mod feedback;
pub mod label;
pub mod layout;
pub mod pacer;
pub mod rewrite;
#[cfg(test)]
pub(crate) mod testutil;

pub use canvas::{Canvas, CanvasConfig, CanvasTile, TileSource};
pub use codec::{EncoderConfig, VideoCodec, VideoDecoder, VideoEncoder};
pub use engine::{
    EventHandler, ParticipantVideo, SpeakerHandle, VideoEngine, VideoEvent, VideoPreference,
    VideoStats,
};
pub use feedback::KeyframeFeedback;
pub use layout::{compose, compose_excluding, Layout, Rect, Tile, View, MAX_TILES};
