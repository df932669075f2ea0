//! One receiver's continuous-presence picture: a GStreamer `compositor`
//! with one input branch per tile of its [`View`](super::View).
//!
//! ```text
//! videotestsrc(black, live) ! capsfilter(canvas) ! textoverlay(room) ! queue ─┐ zorder 0
//! appsrc | videotestsrc ! videoscale ! videoconvert ! capsfilter(tile)       │
//!        ! textoverlay(name) ! queue(leaky) ─────────────────────────────────┤ zorder 1
//!                                       compositor ! capsfilter(I420) ! appsink
//! ```
//!
//! The black background branch is always there, live: it is the canvas's
//! clock, so the compositor produces frames at the canvas rate even when
//! every participant's video has stopped, and its text is the holding
//! picture (the room name) when the receiver is alone. The compositor runs
//! in live mode and times out on inputs that are late, so a dead decoder
//! freezes or blanks its own tile, never the canvas; leaky queues keep a
//! slow canvas from blocking the decoders.

use std::collections::HashMap;
use std::time::Duration;

use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;

use super::element::{self, bus_error, leaky_queue, make};
use super::layout::Rect;
use crate::room::ParticipantId;
use crate::MixerError;

/// Pango font families of names and the holding picture. Noto Sans and
/// DejaVu Sans both cover Vietnamese (Latin Extended Additional); Pango
/// falls back to DejaVu when Noto is missing.
pub const FONT_FAMILIES: &str = "Noto Sans, DejaVu Sans";

/// The font for a picture `height` pixels high: 20 on a 360-line tile, in
/// proportion elsewhere, but never below 10 so the name of a small tile
/// stays legible. (textoverlay's own auto-resize follows the width, which
/// shrinks names of the small 1+N tiles to a few pixels.)
pub fn font_for(height: u32) -> String {
    format!("{FONT_FAMILIES} {}", (height * 20 / 360).clamp(10, 48))
}

/// How long the compositor waits for a late input before it composes
/// without it: one frame and a bit at 30 fps.
const LATENCY: Duration = Duration::from_millis(50);

/// The canvas of one receiver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CanvasConfig {
    /// Even, since the output is I420.
    pub width: u32,
    pub height: u32,
    pub fps: u32,
    /// Shown alone on the holding picture.
    pub room_name: String,
}

/// Where a tile's picture comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TileSource {
    /// Raw frames pushed with [`Canvas::push_frame`] (a decoder's output).
    Frames,
    /// The participant sends no video: a dark tile with its name.
    Placeholder,
    /// A `videotestsrc` pattern (e.g. `"red"`), for tests and diagnostics.
    TestPattern(&'static str),
}

/// One tile to show: who, under which name, where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CanvasTile {
    pub participant: ParticipantId,
    pub name: String,
    pub source: TileSource,
    pub rect: Rect,
}

/// One input branch, from its source to its compositor pad.
struct Branch {
    source: TileSource,
    /// In link order; the first is the source element.
    elements: Vec<gst::Element>,
    appsrc: Option<gst_app::AppSrc>,
    size: gst::Element,
    overlay: gst::Element,
    pad: gst::Pad,
    rect: Rect,
}

pub struct Canvas {
    config: CanvasConfig,
    pipeline: gst::Pipeline,
    compositor: gst::Element,
    sink: gst_app::AppSink,
    holding: gst::Element,
    tiles: HashMap<ParticipantId, Branch>,
}

fn video_caps(width: u32, height: u32, fps: Option<u32>) -> gst::Caps {
    let mut b = gst::Caps::builder("video/x-raw")
        .field("format", "I420")
        .field("width", i32::try_from(width).unwrap_or(i32::MAX))
        .field("height", i32::try_from(height).unwrap_or(i32::MAX))
        .field("pixel-aspect-ratio", gst::Fraction::new(1, 1));
    if let Some(fps) = fps {
        b = b.field(
            "framerate",
            gst::Fraction::new(i32::try_from(fps).unwrap_or(30), 1),
        );
    }
    b.build()
}

fn to_i32(v: u32) -> i32 {
    i32::try_from(v).unwrap_or(i32::MAX)
}

fn place(pad: &gst::Pad, rect: Rect) {
    pad.set_property("xpos", to_i32(rect.x));
    pad.set_property("ypos", to_i32(rect.y));
    pad.set_property("width", to_i32(rect.width));
    pad.set_property("height", to_i32(rect.height));
}

fn text_overlay(text: &str, valign: &str, height: u32) -> Result<gst::Element, MixerError> {
    let overlay = make("textoverlay")?;
    overlay.set_property("text", text);
    overlay.set_property("auto-resize", false);
    overlay.set_property("font-desc", font_for(height).as_str());
    overlay.set_property_from_str("valignment", valign);
    overlay.set_property_from_str("halignment", "center");
    Ok(overlay)
}

impl Canvas {
    /// Builds the pipeline (not yet playing: see [`Canvas::start`]).
    pub fn new(config: CanvasConfig) -> Result<Canvas, MixerError> {
        element::init()?;
        if config.width < 2 || config.height < 2 || config.width % 2 + config.height % 2 != 0 {
            return Err(MixerError::Gstreamer(format!(
                "canvas {}x{} is not an even I420 size",
                config.width, config.height
            )));
        }
        let fps = config.fps.max(1);
        let pipeline = crate::cpu::pipeline();
        // Live even before any live input is linked (force-live can only
        // be set at construction), and do not wait for inputs that never
        // produced anything.
        let compositor = gst::ElementFactory::make("compositor")
            .property("force-live", true)
            .build()
            .map_err(|_| MixerError::MissingElement("compositor".into()))?;
        compositor.set_property_from_str("background", "black");
        compositor.set_property("ignore-inactive-pads", true);
        compositor.set_property("latency", element::clock_time(LATENCY).nseconds());
        compositor.set_property_from_str("start-time-selection", "first");
        let out_caps = make("capsfilter")?;
        out_caps.set_property("caps", video_caps(config.width, config.height, Some(fps)));
        let sink = gst_app::AppSink::builder()
            .sync(false)
            .max_buffers(2)
            .drop(true)
            .build();
        pipeline.add_many([&compositor, &out_caps, sink.upcast_ref()])?;
        gst::Element::link_many([&compositor, &out_caps, sink.upcast_ref()])?;

        // The background: canvas clock and holding picture.
        let bg = make("videotestsrc")?;
        bg.set_property("is-live", true);
        bg.set_property_from_str("pattern", "black");
        let bg_caps = make("capsfilter")?;
        bg_caps.set_property("caps", video_caps(config.width, config.height, Some(fps)));
        let holding = text_overlay(&config.room_name, "center", config.height)?;
        let bg_queue = leaky_queue()?;
        let chain = [&bg, &bg_caps, &holding, &bg_queue];
        pipeline.add_many(chain)?;
        gst::Element::link_many(chain)?;
        let pad = compositor
            .request_pad_simple("sink_%u")
            .ok_or_else(|| MixerError::Gstreamer("compositor gave no sink pad".into()))?;
        pad.set_property("zorder", 0u32);
        place(
            &pad,
            Rect {
                x: 0,
                y: 0,
                width: config.width,
                height: config.height,
            },
        );
        let src = bg_queue
            .static_pad("src")
            .ok_or_else(|| MixerError::Gstreamer("queue without src pad".into()))?;
        src.link(&pad)
            .map_err(|e| MixerError::Gstreamer(format!("background link: {e:?}")))?;

        Ok(Canvas {
            config,
            pipeline,
            compositor,
            sink,
            holding,
            tiles: HashMap::new(),
        })
    }

    pub fn config(&self) -> &CanvasConfig {
        &self.config
    }

    pub fn start(&self) -> Result<(), MixerError> {
        self.pipeline.set_state(gst::State::Playing)?;
        Ok(())
    }

    pub fn stop(&self) -> Result<(), MixerError> {
        self.pipeline.set_state(gst::State::Null)?;
        Ok(())
    }

    /// The composed frames (I420, canvas size and rate), for an encoder.
    pub fn appsink(&self) -> &gst_app::AppSink {
        &self.sink
    }

    /// The participants with a tile now.
    pub fn participants(&self) -> Vec<ParticipantId> {
        let mut ids: Vec<_> = self.tiles.keys().copied().collect();
        ids.sort_unstable();
        ids
    }

    /// Shows exactly `tiles`, while running or not: new participants get a
    /// branch, gone ones lose theirs, the others move (and are rescaled) in
    /// place without a gap in their video. No tiles: the holding picture.
    pub fn apply(&mut self, tiles: &[CanvasTile]) -> Result<(), MixerError> {
        let gone: Vec<ParticipantId> = self
            .tiles
            .iter()
            .filter(|(id, branch)| {
                !tiles
                    .iter()
                    .any(|t| t.participant == **id && t.source == branch.source)
            })
            .map(|(id, _)| *id)
            .collect();
        for id in gone {
            if let Some(branch) = self.tiles.remove(&id) {
                self.remove_branch(branch)?;
            }
        }
        for tile in tiles {
            match self.tiles.get_mut(&tile.participant) {
                Some(branch) => {
                    branch.overlay.set_property("text", tile.name.as_str());
                    if branch.rect != tile.rect {
                        branch.size.set_property(
                            "caps",
                            video_caps(tile.rect.width, tile.rect.height, None),
                        );
                        branch
                            .overlay
                            .set_property("font-desc", font_for(tile.rect.height).as_str());
                        place(&branch.pad, tile.rect);
                        branch.rect = tile.rect;
                    }
                }
                None => {
                    let branch = self.add_branch(tile)?;
                    self.tiles.insert(tile.participant, branch);
                }
            }
        }
        let holding = if tiles.is_empty() {
            self.config.room_name.as_str()
        } else {
            ""
        };
        self.holding.set_property("text", holding);
        Ok(())
    }

    fn add_branch(&self, tile: &CanvasTile) -> Result<Branch, MixerError> {
        let mut appsrc = None;
        let source = match tile.source {
            TileSource::Frames => {
                let src = gst_app::AppSrc::builder()
                    .is_live(true)
                    .format(gst::Format::Time)
                    // Frames are stamped on arrival: a decoder's timestamps
                    // belong to another pipeline's clock.
                    .do_timestamp(true)
                    .max_buffers(2)
                    .leaky_type(gst_app::AppLeakyType::Downstream)
                    .build();
                appsrc = Some(src.clone());
                src.upcast()
            }
            TileSource::Placeholder => {
                let src = make("videotestsrc")?;
                src.set_property("is-live", true);
                src.set_property_from_str("pattern", "solid-color");
                src.set_property("foreground-color", 0xff26_2a30u32);
                src
            }
            TileSource::TestPattern(pattern) => {
                let src = make("videotestsrc")?;
                src.set_property("is-live", true);
                src.set_property_from_str("pattern", pattern);
                src
            }
        };
        let scale = make("videoscale")?;
        let convert = make("videoconvert")?;
        let size = make("capsfilter")?;
        size.set_property("caps", video_caps(tile.rect.width, tile.rect.height, None));
        let valign = if tile.source == TileSource::Placeholder {
            "center"
        } else {
            "bottom"
        };
        let overlay = text_overlay(&tile.name, valign, tile.rect.height)?;
        let queue = leaky_queue()?;
        let elements = vec![
            source,
            scale,
            convert,
            size.clone(),
            overlay.clone(),
            queue.clone(),
        ];
        self.pipeline.add_many(&elements)?;
        gst::Element::link_many(&elements)?;
        let pad = self
            .compositor
            .request_pad_simple("sink_%u")
            .ok_or_else(|| MixerError::Gstreamer("compositor gave no sink pad".into()))?;
        pad.set_property("zorder", 1u32);
        place(&pad, tile.rect);
        let src = queue
            .static_pad("src")
            .ok_or_else(|| MixerError::Gstreamer("queue without src pad".into()))?;
        src.link(&pad)
            .map_err(|e| MixerError::Gstreamer(format!("tile link: {e:?}")))?;
        // Downstream first: a live source started before the elements it
        // feeds gets FLUSHING on its first push and pauses its task for
        // good, leaving the tile black (seen under load in
        // `relayout_from_two_to_three_while_running`).
        for e in elements.iter().rev() {
            e.sync_state_with_parent()?;
        }
        Ok(Branch {
            source: tile.source,
            elements,
            appsrc,
            size,
            overlay,
            pad,
            rect: tile.rect,
        })
    }

    fn remove_branch(&self, branch: Branch) -> Result<(), MixerError> {
        // Drop what the branch still pushes before unlinking, so its queue
        // sees OK rather than not-linked (which it would post as an error).
        if let Some(src) = branch.elements.last().and_then(|q| q.static_pad("src")) {
            src.add_probe(
                gst::PadProbeType::BUFFER | gst::PadProbeType::BUFFER_LIST,
                |_, _| gst::PadProbeReturn::Drop,
            );
            let _ = src.unlink(&branch.pad);
        }
        // Releasing flushes the pad, which frees a push blocked in it.
        self.compositor.release_request_pad(&branch.pad);
        // Locked first: a state change of the pipeline still in progress
        // (a canvas just started) would otherwise set an element back to
        // PLAYING between our NULL and its removal, and its streaming
        // thread would run on in a disposed element (seen as a crash).
        for e in branch.elements.iter().rev() {
            e.set_locked_state(true);
            e.set_state(gst::State::Null)?;
        }
        self.pipeline.remove_many(&branch.elements)?;
        Ok(())
    }

    /// Feeds a decoded frame (any raw format and size: the tile converts
    /// and scales it) to `participant`'s tile. Frames for a participant
    /// without a [`TileSource::Frames`] tile are dropped (it may just have
    /// been moved out of view). Never blocks: a full input drops its oldest.
    pub fn push_frame(
        &self,
        participant: ParticipantId,
        sample: &gst::Sample,
    ) -> Result<(), MixerError> {
        let Some(src) = self.tiles.get(&participant).and_then(|b| b.appsrc.as_ref()) else {
            return Ok(());
        };
        let (Some(caps), Some(buffer)) = (sample.caps(), sample.buffer()) else {
            return Ok(());
        };
        if src.caps().as_deref() != Some(caps) {
            src.set_caps(Some(&caps.to_owned()));
        }
        // Clear the timestamps so that the appsrc stamps the frame with the
        // canvas's running time (do-timestamp only fills missing ones).
        let mut buffer = buffer.copy();
        {
            let b = buffer.make_mut();
            b.set_pts(gst::ClockTime::NONE);
            b.set_dts(gst::ClockTime::NONE);
            b.set_duration(gst::ClockTime::NONE);
        }
        src.push_buffer(buffer)
            .map_err(|e| MixerError::Gstreamer(format!("push to tile {participant}: {e:?}")))?;
        Ok(())
    }

    /// The participant's video ended for good (BYE, codec change): its
    /// tile keeps nothing and the canvas goes on.
    pub fn end_frames(&self, participant: ParticipantId) {
        if let Some(src) = self.tiles.get(&participant).and_then(|b| b.appsrc.as_ref()) {
            let _ = src.end_of_stream();
        }
    }

    /// The next composed frame, waiting at most `timeout`. An error posted
    /// by any element comes out here.
    pub fn pull_frame(&self, timeout: Duration) -> Result<Option<gst::Sample>, MixerError> {
        if let Some(e) = bus_error(&self.pipeline) {
            return Err(e);
        }
        Ok(self.sink.try_pull_sample(element::clock_time(timeout)))
    }
}

impl Drop for Canvas {
    fn drop(&mut self) {
        let _ = self.pipeline.set_state(gst::State::Null);
    }
}

#[cfg(test)]
mod tests;
