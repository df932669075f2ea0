//! The video half of the room mixer's building blocks: layout geometry
//! (sans-IO), the per-receiver GStreamer canvas, and the decode/encode
//! chains around it. Nothing here is wired to a room yet.

pub mod canvas;
pub mod codec;
mod element;
pub mod layout;
#[cfg(test)]
mod testutil;

pub use canvas::{Canvas, CanvasConfig, CanvasTile, TileSource};
pub use codec::{EncoderConfig, VideoCodec, VideoDecoder, VideoEncoder};
pub use layout::{compose, Layout, Rect, Tile, View, MAX_TILES};
