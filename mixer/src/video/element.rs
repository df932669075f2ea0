//! Small GStreamer helpers shared by the canvas and the codec chains.

use std::time::Duration;

use gstreamer as gst;
use gstreamer::prelude::*;

use crate::MixerError;

/// Initialises GStreamer once per process (later calls are cheap).
pub fn init() -> Result<(), MixerError> {
    gst::init().map_err(|e| MixerError::Gstreamer(format!("GStreamer init: {e}")))
}

/// An element of `factory`, or an error that names the missing plugin's
/// element rather than a bare "no such element".
pub fn make(factory: &str) -> Result<gst::Element, MixerError> {
    gst::ElementFactory::make(factory)
        .build()
        .map_err(|_| MixerError::MissingElement(factory.to_string()))
}

/// The first error posted on the pipeline's bus, if any, without waiting.
pub fn bus_error(pipeline: &gst::Pipeline) -> Option<MixerError> {
    let bus = pipeline.bus()?;
    let msg = bus.pop_filtered(&[gst::MessageType::Error])?;
    match msg.view() {
        gst::MessageView::Error(e) => Some(MixerError::Gstreamer(format!(
            "{} ({})",
            e.error(),
            e.debug().map(|d| d.to_string()).unwrap_or_default()
        ))),
        _ => None,
    }
}

/// `d` as a GStreamer clock time.
pub fn clock_time(d: Duration) -> gst::ClockTime {
    gst::ClockTime::from_nseconds(u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
}

/// A leaky queue of two buffers: when downstream is slower (or stalled),
/// old frames are dropped instead of blocking the thread that feeds it.
pub fn leaky_queue() -> Result<gst::Element, MixerError> {
    let q = make("queue")?;
    q.set_property("max-size-buffers", 2u32);
    q.set_property("max-size-bytes", 0u32);
    q.set_property("max-size-time", 0u64);
    q.set_property_from_str("leaky", "downstream");
    Ok(q)
}
