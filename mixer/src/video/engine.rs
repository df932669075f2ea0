//! The room's video mixer at work: continuous presence, one picture per
//! receiver.
//!
//! ```text
//! peer ─RTP─▶ MediaStream ─▶ VideoDecoder (jitter buffer, depay, decode)
//!                                 │ frames, to every canvas showing the peer
//!                                 ▼
//!               Canvas_i (compose(Auto, everyone but i, speaker))
//!                                 │ composed frames
//! peer_i ◀─RTP─ MediaStream_i.send_rtp ◀─ VideoEncoder_i (its codec, size)
//! ```
//!
//! One thread per room moves frames between the GStreamer chains (decoder
//! appsinks to canvas appsrcs, canvas appsinks to encoders, encoder RTP to
//! the sockets) with non-blocking pulls, the way the audio engine's tick
//! does: our code decides what goes where, GStreamer does the pixels.
//! Every canvas is relaid when someone joins, leaves, (in layouts with a
//! speaker tile) takes the floor, or the room's layout is changed, and its
//! encoder then sends a keyframe.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::thread::JoinHandle;
use std::time::Duration;

use webrtc_util::Marshal;

use super::canvas::{Canvas, CanvasConfig, CanvasTile, TileSource};
use super::codec::{EncoderConfig, VideoDecoder, VideoEncoder};
use super::layout::{compose, Layout};
use crate::room::ParticipantId;
use crate::spec::MediaKind;
use crate::stream::{MediaSink, MediaStream, ReceivedRtcp, ReceivedRtp};
use crate::MixerError;

/// How often the pump moves frames and packets: well under a frame at
/// 30 fps, and cheap when there is nothing to move.
const PUMP_PERIOD: Duration = Duration::from_millis(5);

/// The picture sent when the receiver takes it: its own limits (fmtp)
/// lower it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VideoPreference {
    pub width: u32,
    pub height: u32,
    pub fps: u32,
}

impl Default for VideoPreference {
    fn default() -> Self {
        Self {
            width: 1280,
            height: 720,
            fps: 30,
        }
    }
}

/// Set on every video stream: RTP to the decoder, keyframe requests (RTCP
/// PLI and FIR) to the receiver's encoder.
struct StreamSink {
    decoder: Option<Arc<VideoDecoder>>,
    keyframe: Arc<AtomicBool>,
}

impl MediaSink for StreamSink {
    fn on_rtp(&self, received: ReceivedRtp) {
        let Some(decoder) = &self.decoder else { return };
        let raw = match received.packet.marshal() {
            Ok(raw) => raw,
            Err(e) => {
                tracing::debug!(error = %e, "RTP packet could not be re-serialised");
                return;
            }
        };
        if let Err(e) = decoder.push_rtp(&raw) {
            tracing::debug!(error = %e, "video decoder refused a packet");
        }
    }

    fn on_rtcp(&self, packet: ReceivedRtcp) {
        if asks_for_keyframe(&packet.data) {
            self.keyframe.store(true, Ordering::Relaxed);
        }
    }
}

/// Whether an RTCP compound holds a PLI (RFC 4585 PSFB FMT 1) or a FIR
/// (RFC 5104 PSFB FMT 4).
pub fn asks_for_keyframe(mut data: &[u8]) -> bool {
    while data.len() >= 4 {
        let (fmt, pt) = (data[0] & 0x1f, data[1]);
        if pt == 206 && (fmt == 1 || fmt == 4) {
            return true;
        }
        let len = (usize::from(u16::from_be_bytes([data[2], data[3]])) + 1) * 4;
        if len > data.len() {
            return false;
        }
        data = &data[len..];
    }
    false
}

/// What one receiver is sent.
struct Output {
    canvas: Canvas,
    encoder: VideoEncoder,
    /// The tiles the canvas shows now.
    view: Vec<CanvasTile>,
    /// A keyframe is owed (new layout, or the receiver asked).
    keyframe: bool,
    sent: u64,
    refused: u64,
}

struct Member {
    name: String,
    stream: Arc<MediaStream>,
    decoder: Option<Arc<VideoDecoder>>,
    output: Option<Output>,
    /// Set by the stream's sink on PLI/FIR.
    keyframe_asked: Arc<AtomicBool>,
    errors: u64,
}

struct State {
    room: String,
    prefer: VideoPreference,
    speaker: Option<ParticipantId>,
    /// The room's layout (`Auto` unless configured).
    layout: Layout,
    /// Join order: tiles keep it.
    order: Vec<ParticipantId>,
    members: BTreeMap<ParticipantId, Member>,
}

impl State {
    /// Recomputes every receiver's view; canvases whose tiles changed are
    /// rebuilt in place and owe a keyframe.
    fn relayout(&mut self) {
        let shown: BTreeMap<ParticipantId, (String, TileSource)> = self
            .members
            .iter()
            .map(|(id, m)| {
                let source = if m.decoder.is_some() {
                    TileSource::Frames
                } else {
                    TileSource::Placeholder
                };
                (*id, (m.name.clone(), source))
            })
            .collect();
        let State {
            room,
            speaker,
            layout,
            order,
            members,
            ..
        } = self;
        for (id, m) in members.iter_mut() {
            let Some(out) = m.output.as_mut() else {
                continue;
            };
            let cfg = out.canvas.config();
            let view = compose(*layout, cfg.width, cfg.height, order, *id, *speaker);
            let tiles: Vec<CanvasTile> = view
                .tiles
                .iter()
                .filter_map(|t| {
                    let (name, source) = shown.get(&t.participant)?;
                    Some(CanvasTile {
                        participant: t.participant,
                        name: name.clone(),
                        source: *source,
                        rect: t.rect,
                    })
                })
                .collect();
            if tiles == out.view {
                continue;
            }
            match out.canvas.apply(&tiles) {
                Ok(()) => {
                    out.view = tiles;
                    out.keyframe = true;
                }
                Err(e) => {
                    tracing::warn!(room = %room, participant = id, error = %e, "video layout not applied")
                }
            }
        }
    }
}

struct Shared {
    state: Mutex<State>,
    stop: AtomicBool,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn set_speaker(&self, speaker: Option<ParticipantId>) {
        let mut st = self.lock();
        if st.speaker != speaker {
            st.speaker = speaker;
            st.relayout();
        }
    }
}

/// Tells the video engine who has the floor, from the audio engine's
/// thread; does nothing once the engine is gone.
#[derive(Clone)]
pub struct SpeakerHandle(Weak<Shared>);

impl SpeakerHandle {
    pub fn set(&self, speaker: Option<ParticipantId>) {
        if let Some(shared) = self.0.upgrade() {
            shared.set_speaker(speaker);
        }
    }
}

/// The video mixer of one room. Dropping it stops the pump and every
/// pipeline.
pub struct VideoEngine {
    shared: Arc<Shared>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl VideoEngine {
    pub fn new(room: impl Into<String>, prefer: VideoPreference) -> Self {
        Self {
            shared: Arc::new(Shared {
                state: Mutex::new(State {
                    room: room.into(),
                    prefer,
                    speaker: None,
                    layout: Layout::Auto,
                    order: Vec::new(),
                    members: BTreeMap::new(),
                }),
                stop: AtomicBool::new(false),
            }),
            thread: Mutex::new(None),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.shared.lock()
    }

    /// For the audio engine's speaker callback.
    pub fn speaker_handle(&self) -> SpeakerHandle {
        SpeakerHandle(Arc::downgrade(&self.shared))
    }

    /// Add a participant's video stream (other kinds are ignored): decoded
    /// onto the others' canvases if the peer sends, given a canvas and an
    /// encoder of its own if we send. Everyone's layout follows. On error
    /// nothing of the stream is kept.
    pub fn add(
        &self,
        id: ParticipantId,
        name: &str,
        stream: Arc<MediaStream>,
    ) -> Result<(), MixerError> {
        let spec = stream.spec();
        if spec.kind != MediaKind::Video {
            return Ok(());
        }
        let (room, prefer) = {
            let st = self.lock();
            if st.members.contains_key(&id) {
                return Err(MixerError::ParticipantExists(id));
            }
            (st.room.clone(), st.prefer)
        };
        let decoder = if spec.direction.peer_sends() {
            Some(Arc::new(VideoDecoder::for_stream(&spec)?))
        } else {
            None
        };
        let output = if spec.direction.we_send() {
            let config = EncoderConfig::for_spec(&spec, prefer.width, prefer.height, prefer.fps)?;
            let canvas = Canvas::new(CanvasConfig {
                width: config.width,
                height: config.height,
                fps: config.fps,
                room_name: room.clone(),
            })?;
            let encoder = VideoEncoder::new(config)?;
            canvas.start()?;
            Some(Output {
                canvas,
                encoder,
                view: Vec::new(),
                keyframe: true,
                sent: 0,
                refused: 0,
            })
        } else {
            None
        };
        let keyframe_asked = Arc::new(AtomicBool::new(false));
        let mut st = self.lock();
        if st.members.contains_key(&id) {
            return Err(MixerError::ParticipantExists(id));
        }
        stream.set_sink(Some(Arc::new(StreamSink {
            decoder: decoder.clone(),
            keyframe: keyframe_asked.clone(),
        })));
        st.members.insert(
            id,
            Member {
                name: name.to_owned(),
                stream,
                decoder,
                output,
                keyframe_asked,
                errors: 0,
            },
        );
        st.order.push(id);
        st.relayout();
        drop(st);
        self.ensure_thread();
        Ok(())
    }

    /// Remove a participant (unknown ids are ignored); the others' canvases
    /// close the gap.
    pub fn remove(&self, id: ParticipantId) {
        let gone = {
            let mut st = self.lock();
            let gone = st.members.remove(&id);
            if let Some(m) = &gone {
                m.stream.set_sink(None);
                st.order.retain(|p| *p != id);
                if st.speaker == Some(id) {
                    st.speaker = None;
                }
                st.relayout();
            }
            gone
        };
        // Its pipelines stop here, outside the lock.
        drop(gone);
    }

    /// The stream's direction or codec changed (re-INVITE): rebuild its
    /// chains; its tiles keep their place in the others' layouts.
    pub fn update(
        &self,
        id: ParticipantId,
        name: &str,
        stream: Arc<MediaStream>,
    ) -> Result<(), MixerError> {
        let place = self.lock().order.iter().position(|p| *p == id);
        self.remove(id);
        self.add(id, name, stream)?;
        if let Some(place) = place {
            let mut st = self.lock();
            st.order.retain(|p| *p != id);
            let place = place.min(st.order.len());
            st.order.insert(place, id);
            st.relayout();
        }
        Ok(())
    }

    /// The participant asked for a keyframe another way (SIP INFO
    /// picture_fast_update).
    pub fn request_keyframe(&self, id: ParticipantId) {
        if let Some(m) = self.lock().members.get(&id) {
            m.keyframe_asked.store(true, Ordering::Relaxed);
        }
    }

    /// The room's layout for every receiver (the gateway's configuration);
    /// canvases that change send a keyframe.
    pub fn set_layout(&self, layout: Layout) {
        let mut st = self.lock();
        if st.layout != layout {
            st.layout = layout;
            st.relayout();
        }
    }

    /// Who has the large tile in speaker layouts.
    pub fn set_speaker(&self, speaker: Option<ParticipantId>) {
        self.shared.set_speaker(speaker);
    }

    /// The participants each receiver sees now, in tile order (for the API
    /// and tests).
    pub fn views(&self) -> BTreeMap<ParticipantId, Vec<CanvasTile>> {
        self.lock()
            .members
            .iter()
            .filter_map(|(id, m)| Some((*id, m.output.as_ref()?.view.clone())))
            .collect()
    }

    /// The encoder settings of a receiver, if we send it video.
    pub fn encoder_config(&self, id: ParticipantId) -> Option<EncoderConfig> {
        let st = self.lock();
        let out = st.members.get(&id)?.output.as_ref()?;
        Some(out.encoder.config().clone())
    }

    fn ensure_thread(&self) {
        let mut thread = self.thread.lock().unwrap_or_else(|p| p.into_inner());
        if thread.is_some() {
            return;
        }
        let shared = self.shared.clone();
        let name = format!("video-{}", self.lock().room);
        match std::thread::Builder::new()
            .name(name.chars().take(15).collect())
            .spawn(move || run(shared))
        {
            Ok(handle) => *thread = Some(handle),
            Err(e) => tracing::error!(error = %e, "cannot start the video mixer thread"),
        }
    }
}

impl Drop for VideoEngine {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::Relaxed);
        let handle = self.thread.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(h) = handle {
            let _ = h.join();
        }
        let members = std::mem::take(&mut self.lock().members);
        for m in members.values() {
            m.stream.set_sink(None);
        }
    }
}

fn run(shared: Arc<Shared>) {
    while !shared.stop.load(Ordering::Relaxed) {
        {
            let mut st = shared.lock();
            pump(&mut st);
        }
        std::thread::sleep(PUMP_PERIOD);
    }
}

/// Moves whatever is ready: decoded frames to the canvases, composed
/// frames to the encoders, RTP to the receivers. Never waits.
fn pump(st: &mut State) {
    let State { room, members, .. } = st;
    let mut decoded = Vec::new();
    for (id, m) in members.iter_mut() {
        let Some(dec) = &m.decoder else { continue };
        loop {
            match dec.pull_frame(Duration::ZERO) {
                Ok(Some(frame)) => decoded.push((*id, frame)),
                Ok(None) => break,
                Err(e) => {
                    if m.errors % 100 == 0 {
                        tracing::warn!(room = %room, participant = id, errors = m.errors, error = %e, "video decoder");
                    }
                    m.errors += 1;
                    break;
                }
            }
        }
    }
    for (from, frame) in &decoded {
        for (id, m) in members.iter() {
            let Some(out) = &m.output else { continue };
            if id == from {
                continue;
            }
            // Only canvases with a tile for `from` take it.
            if let Err(e) = out.canvas.push_frame(*from, frame) {
                tracing::debug!(room = %room, participant = id, error = %e, "tile refused a frame");
            }
        }
    }
    for (id, m) in members.iter_mut() {
        let Some(out) = m.output.as_mut() else {
            continue;
        };
        if m.keyframe_asked.swap(false, Ordering::Relaxed) {
            out.keyframe = true;
        }
        loop {
            match out.canvas.pull_frame(Duration::ZERO) {
                Ok(Some(frame)) => {
                    if let Err(e) = out.encoder.push_frame(&frame) {
                        tracing::debug!(room = %room, participant = id, error = %e, "video encoder");
                    }
                    if out.keyframe && out.encoder.force_keyframe().is_ok() {
                        out.keyframe = false;
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    if m.errors % 100 == 0 {
                        tracing::warn!(room = %room, participant = id, errors = m.errors, error = %e, "video canvas");
                    }
                    m.errors += 1;
                    break;
                }
            }
        }
        loop {
            let packet = match out.encoder.pull_rtp(Duration::ZERO) {
                Ok(Some(p)) => p,
                Ok(None) => break,
                Err(e) => {
                    if m.errors % 100 == 0 {
                        tracing::warn!(room = %room, participant = id, errors = m.errors, error = %e, "video encoder");
                    }
                    m.errors += 1;
                    break;
                }
            };
            let Ok(map) = packet.map_readable() else {
                continue;
            };
            // Before the peer's address is known (or while it holds us)
            // sending fails: logged at the first refusal and then every
            // 1000, not per packet.
            match m.stream.send_rtp(map.as_slice()) {
                Ok(_) => out.sent += 1,
                Err(e) => {
                    if out.refused % 1000 == 0 {
                        tracing::debug!(room = %room, participant = id, sent = out.sent, refused = out.refused, error = %e, "video not sent");
                    }
                    out.refused += 1;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyframe_requests_in_rtcp() {
        // RR (empty) then PSFB PLI.
        let rr = [0x80, 201, 0, 1, 0, 0, 0, 1];
        let pli = [0x81, 206, 0, 2, 0, 0, 0, 1, 0, 0, 0, 2];
        let fir = [0x84, 206, 0, 2, 0, 0, 0, 1, 0, 0, 0, 0];
        let nack = [0x81, 205, 0, 2, 0, 0, 0, 1, 0, 0, 0, 2];
        assert!(asks_for_keyframe(&[&rr[..], &pli[..]].concat()));
        assert!(asks_for_keyframe(&fir));
        assert!(!asks_for_keyframe(&rr));
        assert!(!asks_for_keyframe(&nack));
        // A length beyond the datagram ends the walk.
        assert!(!asks_for_keyframe(&[0x80, 201, 0, 9, 0, 0, 0, 1]));
        assert!(!asks_for_keyframe(&[]));
    }
}
