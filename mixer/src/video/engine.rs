//! The room's video mixer at work: continuous presence.
//!
//! ```text
//! peer ─RTP─▶ MediaStream ─▶ VideoDecoder (jitter buffer, depay, decode)
//!                                 │ frames, to every output showing the peer
//!                                 ▼
//!            Output_k: Canvas (compose(layout, everyone but i, speaker))
//!                      ▶ VideoEncoder (its codec, size, rate)
//!                                 │ RTP, rewritten per receiver (SSRC, seq, ts)
//! peer_i ◀─RTP─ MediaStream_i.send_rtp
//! ```
//!
//! An *output* is one canvas and its encoder. Receivers whose picture and
//! encoder settings are identical share one output; in the room's "same
//! picture for all" mode everyone sees everyone (self included), so all
//! receivers with the same settings share one: capacity for self-view.
//! Each receiver still gets an RTP stream of its own ([`RtpRewriter`]), so
//! moving it between outputs on a relayout is invisible on the wire but
//! for the keyframe that follows.
//!
//! One thread per room moves frames between the GStreamer chains (decoder
//! appsinks to canvas appsrcs, canvas appsinks to encoders, encoder RTP to
//! the sockets) with non-blocking pulls, the way the audio engine's tick
//! does: our code decides what goes where, GStreamer does the pixels.
//! Outputs are recomputed when someone joins, leaves, (in layouts with a
//! speaker tile) takes the floor, when a camera stops or comes back, or
//! when the room's layout or picture mode is changed; an output whose
//! picture changed then sends a keyframe.
//!
//! A *viewer* (a WHEP viewer: it sends nothing) has no tile anywhere and
//! is not decoded; it receives every other participant's tile, so viewers
//! with the same settings share one output (with everyone, in "same
//! picture" mode). A receiver may have participants left out of its
//! picture (exclusions): they get no tile on its canvas.
//!
//! Each receiver's encoder bit rate follows its congestion estimate (REMB,
//! TMMBR, or the relay through [`VideoEngine::set_bitrate_limit`]) within
//! what it negotiated ([`super::bitrate`]); a shared encoder takes the
//! lowest of its receivers' limits, and receivers limited under half of
//! their rate are grouped apart from the others of the same picture, so
//! that one poor link does not lower everyone's picture: at most two
//! encoders per picture and settings.
//!
//! Senders are asked for a keyframe (RTCP PLI/FIR where AVPF feedback was
//! negotiated, else [`VideoEvent::KeyframeWanted`] for the signalling to
//! send SIP INFO or H.245) when their decoder has packets but no picture,
//! and when packets were lost.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use webrtc_util::Marshal;

use super::bitrate::{self, receiver_target, BitrateControl};
use super::canvas::{Canvas, CanvasConfig, CanvasTile, TileSource};
use super::codec::{EncoderConfig, VideoDecoder, VideoEncoder};
use super::feedback::{self, KeyframeFeedback, RateFeedback};
use super::layout::{compose_excluding, Layout, Rect};
use super::pacer::KeyframePacer;
use super::rewrite::RtpRewriter;
use crate::cpu::CpuMeter;
use crate::room::ParticipantId;
use crate::spec::MediaKind;
use crate::stream::{MediaSink, MediaStream, ReceivedRtcp, ReceivedRtp};
use crate::MixerError;

pub use super::feedback::asks_for_keyframe;

/// How often the pump moves frames and packets: well under a frame at
/// 30 fps, and cheap when there is nothing to move.
const PUMP_PERIOD: Duration = Duration::from_millis(5);
/// A sender whose decoder gave no picture for this long shows its
/// placeholder (camera off, dead input) until its next frame.
pub const STALE_AFTER: Duration = Duration::from_secs(3);
/// Decoders are checked for starvation and loss this often.
const INPUT_CHECK: Duration = Duration::from_millis(200);
/// Packets but no picture for this long: the decoder waits for a keyframe.
const STARVED_AFTER: Duration = Duration::from_millis(500);
/// The least time between two keyframe requests to one sender.
pub const KEYFRAME_REQUEST_INTERVAL: Duration = Duration::from_secs(1);
/// The receiver "same picture for all" composes for: nobody is left out.
const EVERYONE: ParticipantId = ParticipantId::MAX;

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

/// What the video engine tells the room.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VideoEvent {
    /// The participant's decoder needs a keyframe and its stream has no
    /// RTCP feedback for it: the signalling must ask (SIP INFO
    /// picture_fast_update, H.245 videoFastUpdatePicture).
    KeyframeWanted { participant: ParticipantId },
}

/// Called from the pump thread; must not block.
pub type EventHandler = Box<dyn Fn(VideoEvent) + Send + Sync>;

/// Counters of a room's video, for metrics and the API.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VideoStats {
    /// Frames composed by every canvas, since the room started.
    pub frames_composed: u64,
    /// Composed frames that did not come out of their encoder (dropped on
    /// the way in when it falls behind, or still in flight).
    pub frames_dropped: u64,
    /// Frames decoded from every sender.
    pub frames_decoded: u64,
    /// Encoders running now, and for each how many receivers it feeds.
    pub encoders: Vec<usize>,
    /// Keyframe requests received from receivers (RTCP PLI/FIR, SIP INFO).
    pub keyframes_asked: u64,
    /// Keyframe requests sent to senders (RTCP or signalling).
    pub keyframes_requested: u64,
    /// Encoder bit rate changes made to follow receivers' limits.
    pub bitrate_changes: u64,
}

/// One participant's video counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ParticipantVideo {
    pub frames_decoded: u64,
    /// Keyframe requests received from it (RTCP PLI/FIR, SIP INFO).
    pub keyframes_asked: u64,
    /// Keyframe requests sent to it (RTCP or signalling).
    pub keyframes_requested: u64,
    /// Its tile shows its video (else its placeholder).
    pub live: bool,
    /// The bit rate limit it set us (REMB, TMMBR, the relay), kbit/s.
    pub bitrate_limit_kbps: Option<u32>,
    /// The bit rate of the encoder that feeds it now, kbit/s.
    pub encoder_bitrate_kbps: Option<u32>,
}

/// What a receiver tells about the video we send it, from its stream's
/// RTCP (receive task) or the API; read by the pump.
#[derive(Default)]
struct ReceiverFeedback {
    /// PLI/FIR, or SIP INFO.
    keyframe: AtomicBool,
    /// Its bit rate limit in kbit/s; 0: none.
    limit_kbps: AtomicU32,
    /// A TMMBR to answer with a TMMBN: (requester SSRC, bit/s, overhead).
    tmmbn_due: Mutex<Option<(u32, u64, u16)>>,
}

impl ReceiverFeedback {
    fn set_limit(&self, kbps: Option<u32>) {
        // 0 means none: a limit of 0 (REMB 0, TMMBR pause) is the floor.
        self.limit_kbps
            .store(kbps.map_or(0, |k| k.max(1)), Ordering::Relaxed);
    }

    fn limit(&self) -> Option<u32> {
        Some(self.limit_kbps.load(Ordering::Relaxed)).filter(|&k| k > 0)
    }

    fn on_rtcp(&self, data: &[u8]) {
        if asks_for_keyframe(data) {
            self.keyframe.store(true, Ordering::Relaxed);
        }
        for fb in feedback::rate_feedback(data) {
            let bps = match fb {
                RateFeedback::Remb { bitrate_bps, .. } => bitrate_bps,
                RateFeedback::Tmmbr {
                    sender_ssrc,
                    bitrate_bps,
                    overhead,
                    ..
                } => {
                    *self.tmmbn_due.lock().unwrap_or_else(|p| p.into_inner()) =
                        Some((sender_ssrc, bitrate_bps, overhead));
                    bitrate_bps
                }
            };
            self.set_limit(Some(u32::try_from(bps / 1000).unwrap_or(u32::MAX)));
        }
    }
}

/// Set on every video stream: RTP to the decoder, keyframe requests (RTCP
/// PLI and FIR) and bit rate limits (REMB, TMMBR) to the receiver's
/// encoder.
struct StreamSink {
    decoder: Option<Arc<VideoDecoder>>,
    feedback: Arc<ReceiverFeedback>,
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
        self.feedback.on_rtcp(&packet.data);
    }
}

type OutputId = u64;

/// One canvas and its encoder, feeding every receiver whose picture and
/// settings are the same.
struct Output {
    config: EncoderConfig,
    canvas: Canvas,
    encoder: VideoEncoder,
    /// The tiles the canvas shows now.
    view: Vec<CanvasTile>,
    receivers: BTreeSet<ParticipantId>,
    /// When to force keyframes (new picture, new receiver, asked).
    keyframes: KeyframePacer,
    /// Its bit rate, following its receivers' limits.
    bitrate: BitrateControl,
    composed: u64,
    encoded: u64,
}

impl Output {
    fn new(room: &str, config: &EncoderConfig, tiles: &[CanvasTile]) -> Result<Output, MixerError> {
        let mut canvas = Canvas::new(CanvasConfig {
            width: config.width,
            height: config.height,
            fps: config.fps,
            room_name: room.to_owned(),
        })?;
        let encoder = VideoEncoder::new(config.clone())?;
        canvas.start()?;
        canvas.apply(tiles)?;
        Ok(Output {
            config: config.clone(),
            canvas,
            encoder,
            view: tiles.to_vec(),
            receivers: BTreeSet::new(),
            keyframes: KeyframePacer::new(),
            bitrate: BitrateControl::new(config.bitrate_kbps),
            composed: 0,
            encoded: 0,
        })
    }
}

/// A participant we send video to.
struct Receiver {
    config: EncoderConfig,
    /// Its limit is well under its rate: it shares only with others so
    /// limited ([`bitrate::constrained`]).
    constrained: bool,
    output: Option<OutputId>,
    rtp: RtpRewriter,
    sent: u64,
    refused: u64,
}

/// What the pump knows of a sender's decoder.
#[derive(Default)]
struct Input {
    frames: u64,
    last_frame: Option<Instant>,
    /// Its tile shows decoded frames (else the placeholder).
    live: bool,
    /// Cumulative loss already answered with a keyframe request.
    lost_seen: u64,
    last_request: Option<Instant>,
    /// Keyframe requests sent to this sender.
    requests: u64,
    fir_seq: u8,
}

struct Member {
    name: String,
    /// None: the participant has no video stream (audio only); it still
    /// gets a placeholder tile.
    stream: Option<Arc<MediaStream>>,
    decoder: Option<Arc<VideoDecoder>>,
    receiver: Option<Receiver>,
    input: Input,
    /// Keyframes asked and bit rate limits, set by the stream's sink or
    /// the API; kept across a stream rebuild.
    feedback: Arc<ReceiverFeedback>,
    /// Keyframe requests received from this receiver.
    asked: u64,
    errors: u64,
}

struct State {
    room: String,
    prefer: VideoPreference,
    speaker: Option<ParticipantId>,
    /// The room's layout (`Auto` unless configured).
    layout: Layout,
    /// Everyone sees the same picture, self included.
    same_picture: bool,
    /// Join order: tiles keep it. Viewers are not in it.
    order: Vec<ParticipantId>,
    /// Participants that only receive; kept across a stream rebuild, until
    /// [`VideoEngine::remove`].
    viewers: BTreeSet<ParticipantId>,
    /// Participants waiting to be let in (a PIN asked by DTMF), with the
    /// text their whole picture shows; they are viewers meanwhile.
    lobby: BTreeMap<ParticipantId, String>,
    /// Who each receiver does not see; kept likewise.
    exclusions: BTreeMap<ParticipantId, Vec<ParticipantId>>,
    /// Each participant's feedback state; kept likewise.
    feedback: BTreeMap<ParticipantId, Arc<ReceiverFeedback>>,
    members: BTreeMap<ParticipantId, Member>,
    outputs: BTreeMap<OutputId, Output>,
    next_output: OutputId,
    last_input_check: Option<Instant>,
    /// Counters of outputs and members that are gone, so totals only grow.
    retired: VideoStats,
    keyframes_asked: u64,
    keyframes_requested: u64,
    /// The room's CPU time: the pump thread and every pipeline.
    meter: CpuMeter,
}

/// One picture to produce: the settings, the tiles, who gets it.
struct Wanted {
    config: EncoderConfig,
    tiles: Vec<CanvasTile>,
    constrained: bool,
    receivers: Vec<ParticipantId>,
}

impl State {
    /// The picture each receiver should get, grouped by identical settings
    /// and tiles.
    fn wanted(&self) -> Vec<Wanted> {
        let shown: BTreeMap<ParticipantId, (&str, TileSource)> = self
            .members
            .iter()
            .map(|(id, m)| {
                let source = if m.input.live {
                    TileSource::Frames
                } else {
                    TileSource::Placeholder
                };
                (*id, (m.name.as_str(), source))
            })
            .collect();
        let mut wanted: Vec<Wanted> = Vec::new();
        for (id, m) in &self.members {
            let Some(r) = &m.receiver else { continue };
            let cfg = &r.config;
            // A viewer is not in `order`: it sees everyone either way.
            let who = if self.same_picture { EVERYONE } else { *id };
            let excluded = self.exclusions.get(id).map_or(&[][..], Vec::as_slice);
            if let Some(prompt) = self.lobby.get(id) {
                // Nobody else: one placeholder over the whole picture with
                // the prompt in its middle.
                let tiles = vec![CanvasTile {
                    participant: *id,
                    name: prompt.clone(),
                    source: TileSource::Placeholder,
                    rect: Rect {
                        x: 0,
                        y: 0,
                        width: cfg.width,
                        height: cfg.height,
                    },
                }];
                wanted.push(Wanted {
                    config: cfg.clone(),
                    tiles,
                    constrained: r.constrained,
                    receivers: vec![*id],
                });
                continue;
            }
            let view = compose_excluding(
                self.layout,
                cfg.width,
                cfg.height,
                &self.order,
                who,
                excluded,
                self.speaker,
            );
            let tiles: Vec<CanvasTile> = view
                .tiles
                .iter()
                .filter_map(|t| {
                    let (name, source) = shown.get(&t.participant)?;
                    Some(CanvasTile {
                        participant: t.participant,
                        name: (*name).to_owned(),
                        source: *source,
                        rect: t.rect,
                    })
                })
                .collect();
            match wanted
                .iter_mut()
                .find(|w| w.config == *cfg && w.tiles == tiles && w.constrained == r.constrained)
            {
                Some(w) => w.receivers.push(*id),
                None => wanted.push(Wanted {
                    config: cfg.clone(),
                    tiles,
                    constrained: r.constrained,
                    receivers: vec![*id],
                }),
            }
        }
        wanted
    }

    /// Recomputes every receiver's picture: outputs that already show it
    /// are kept, others are re-laid in place (same settings) or built, and
    /// outputs nobody needs any more are stopped.
    fn relayout(&mut self) {
        let wanted = self.wanted();
        let mut free: BTreeSet<OutputId> = self.outputs.keys().copied().collect();
        let mut chosen: Vec<Option<OutputId>> = vec![None; wanted.len()];
        // Unchanged pictures first: they need no work at all. Of two such
        // outputs (constrained receivers joining the others again) the one
        // feeding most of the picture's receivers stays theirs.
        for (w, slot) in wanted.iter().zip(chosen.iter_mut()) {
            let same = free
                .iter()
                .copied()
                .filter(|o| {
                    let out = &self.outputs[o];
                    out.config == w.config && out.view == w.tiles
                })
                .max_by_key(|o| {
                    let out = &self.outputs[o];
                    let shared = w
                        .receivers
                        .iter()
                        .filter(|r| out.receivers.contains(r))
                        .count();
                    // Ties go to the oldest output.
                    (shared, std::cmp::Reverse(*o))
                });
            if let Some(o) = same {
                free.remove(&o);
                *slot = Some(o);
            }
        }
        // Then re-lay an output with the same settings, preferably one that
        // already feeds some of the picture's receivers.
        for (w, slot) in wanted.iter().zip(chosen.iter_mut()) {
            if slot.is_some() {
                continue;
            }
            let candidates: Vec<OutputId> = free
                .iter()
                .copied()
                .filter(|o| self.outputs[o].config == w.config)
                .collect();
            let pick = candidates
                .iter()
                .copied()
                .find(|o| {
                    w.receivers
                        .iter()
                        .any(|r| self.outputs[o].receivers.contains(r))
                })
                .or_else(|| candidates.first().copied());
            let Some(o) = pick else { continue };
            let out = self.outputs.get_mut(&o).expect("free outputs exist");
            match out.canvas.apply(&w.tiles) {
                Ok(()) => {
                    out.view = w.tiles.clone();
                    out.keyframes.owe();
                    free.remove(&o);
                    *slot = Some(o);
                }
                Err(e) => {
                    tracing::warn!(room = %self.room, error = %e, "video layout not applied")
                }
            }
        }
        // The rest get an output of their own.
        for (w, slot) in wanted.iter().zip(chosen.iter_mut()) {
            if slot.is_some() {
                continue;
            }
            let built = {
                let _counted = self.meter.scope();
                Output::new(&self.room, &w.config, &w.tiles)
            };
            match built {
                Ok(out) => {
                    let id = self.next_output;
                    self.next_output += 1;
                    self.outputs.insert(id, out);
                    *slot = Some(id);
                }
                Err(e) => tracing::warn!(
                    room = %self.room,
                    receivers = ?w.receivers,
                    error = %e,
                    "no video output for these receivers"
                ),
            }
        }
        for o in free {
            if let Some(out) = self.outputs.remove(&o) {
                self.retire_output(&out);
            }
        }
        for out in self.outputs.values_mut() {
            out.receivers.clear();
        }
        for (w, slot) in wanted.iter().zip(chosen) {
            for r in &w.receivers {
                let Some(receiver) = self.members.get_mut(r).and_then(|m| m.receiver.as_mut())
                else {
                    continue;
                };
                if receiver.output != slot {
                    // A new picture for this receiver: start it with keyframes.
                    if let Some(out) = slot.and_then(|o| self.outputs.get_mut(&o)) {
                        out.keyframes.receiver_joined(Instant::now());
                    }
                }
                receiver.output = slot;
                if let Some(out) = slot.and_then(|o| self.outputs.get_mut(&o)) {
                    out.receivers.insert(*r);
                }
            }
        }
    }

    fn retire_output(&mut self, out: &Output) {
        self.retired.bitrate_changes += out.bitrate.changes();
        self.retired.frames_composed += out.composed;
        self.retired.frames_dropped += out.composed.saturating_sub(out.encoded);
    }

    fn stats(&self) -> VideoStats {
        let mut s = self.retired.clone();
        for out in self.outputs.values() {
            s.frames_composed += out.composed;
            s.frames_dropped += out.composed.saturating_sub(out.encoded);
            s.encoders.push(out.receivers.len());
        }
        s.frames_decoded += self.members.values().map(|m| m.input.frames).sum::<u64>();
        s.keyframes_asked = self.keyframes_asked;
        s.keyframes_requested = self.keyframes_requested;
        s.bitrate_changes += self
            .outputs
            .values()
            .map(|o| o.bitrate.changes())
            .sum::<u64>();
        s
    }

    /// The feedback state of `id`, made on first use.
    fn feedback_of(&mut self, id: ParticipantId) -> Arc<ReceiverFeedback> {
        self.feedback.entry(id).or_default().clone()
    }
}

struct Shared {
    state: Mutex<State>,
    stop: AtomicBool,
    events: EventHandler,
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
    pub fn new(
        room: impl Into<String>,
        prefer: VideoPreference,
        events: EventHandler,
        meter: CpuMeter,
    ) -> Self {
        Self {
            shared: Arc::new(Shared {
                state: Mutex::new(State {
                    room: room.into(),
                    prefer,
                    speaker: None,
                    layout: Layout::Auto,
                    same_picture: false,
                    order: Vec::new(),
                    viewers: BTreeSet::new(),
                    lobby: BTreeMap::new(),
                    exclusions: BTreeMap::new(),
                    feedback: BTreeMap::new(),
                    members: BTreeMap::new(),
                    outputs: BTreeMap::new(),
                    next_output: 0,
                    last_input_check: None,
                    retired: VideoStats::default(),
                    keyframes_asked: 0,
                    keyframes_requested: 0,
                    meter,
                }),
                stop: AtomicBool::new(false),
                events,
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
    /// onto the others' pictures if the peer sends, given a picture of its
    /// own if we send. Everyone's layout follows. On error nothing of the
    /// stream is kept.
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
        let (prefer, meter, viewer, feedback) = {
            let mut st = self.lock();
            if st.members.contains_key(&id) {
                return Err(MixerError::ParticipantExists(id));
            }
            let viewer = st.viewers.contains(&id);
            (st.prefer, st.meter.clone(), viewer, st.feedback_of(id))
        };
        let _counted = meter.scope();
        // A viewer has no tile: whatever it might send is not decoded.
        let decoder = if spec.direction.peer_sends() && !viewer {
            Some(Arc::new(VideoDecoder::for_stream(&spec)?))
        } else {
            None
        };
        let receiver = if spec.direction.we_send() {
            let config = EncoderConfig::for_spec(&spec, prefer.width, prefer.height, prefer.fps)?;
            let limited = bitrate::constrained(false, config.bitrate_kbps, feedback.limit());
            Some(Receiver {
                constrained: limited,
                rtp: RtpRewriter::new(rand::random(), rand::random(), 90_000, config.fps),
                config,
                output: None,
                sent: 0,
                refused: 0,
            })
        } else {
            None
        };
        stream.set_sink(Some(Arc::new(StreamSink {
            decoder: decoder.clone(),
            feedback: feedback.clone(),
        })));
        self.insert(
            id,
            Member {
                name: name.to_owned(),
                stream: Some(stream.clone()),
                decoder,
                receiver,
                input: Input::default(),
                feedback,
                asked: 0,
                errors: 0,
            },
        )
        .inspect_err(|_| stream.set_sink(None))
    }

    /// A participant without video (audio only): the others see its
    /// placeholder tile with its name.
    pub fn add_without_video(&self, id: ParticipantId, name: &str) -> Result<(), MixerError> {
        let feedback = self.lock().feedback_of(id);
        self.insert(
            id,
            Member {
                name: name.to_owned(),
                stream: None,
                decoder: None,
                receiver: None,
                input: Input::default(),
                feedback,
                asked: 0,
                errors: 0,
            },
        )
    }

    fn insert(&self, id: ParticipantId, member: Member) -> Result<(), MixerError> {
        let mut st = self.lock();
        if st.members.contains_key(&id) {
            return Err(MixerError::ParticipantExists(id));
        }
        st.members.insert(id, member);
        if !st.viewers.contains(&id) {
            st.order.push(id);
        }
        st.relayout();
        drop(st);
        self.ensure_thread();
        Ok(())
    }

    /// Remove a participant (unknown ids are ignored); the others' pictures
    /// close the gap. What was set for it (viewer, exclusions, bit rate
    /// limit) is forgotten.
    pub fn remove(&self, id: ParticipantId) {
        self.detach(id);
        let mut st = self.lock();
        st.viewers.remove(&id);
        st.lobby.remove(&id);
        st.feedback.remove(&id);
        // Its exclusions shaped only its own picture, which is gone.
        st.exclusions.remove(&id);
    }

    /// Stop the participant's chains, keeping what was set for it.
    fn detach(&self, id: ParticipantId) {
        let gone = {
            let mut st = self.lock();
            let gone = st.members.remove(&id);
            if let Some(m) = &gone {
                if let Some(s) = &m.stream {
                    s.set_sink(None);
                }
                st.retired.frames_decoded += m.input.frames;
                st.order.retain(|p| *p != id);
                if st.speaker == Some(id) {
                    st.speaker = None;
                }
                st.relayout();
            }
            gone
        };
        // Its decoder stops here, outside the lock.
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
        self.detach(id);
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
            m.feedback.keyframe.store(true, Ordering::Relaxed);
        }
    }

    /// Make a participant a viewer (before its stream is added): no tile
    /// anywhere, not decoded, and it sees every other participant. `false`
    /// makes it an ordinary participant from its next stream on.
    pub fn set_viewer(&self, id: ParticipantId, viewer: bool) {
        let mut st = self.lock();
        if viewer {
            st.viewers.insert(id);
        } else {
            st.viewers.remove(&id);
        }
    }

    /// Puts a participant in the lobby with `prompt` as its whole picture
    /// (before its stream is added, or to change the prompt), or lets it
    /// in (`None`): its video is decoded from then on and it gets its tile
    /// and the room's picture. A participant that never was in the lobby is
    /// left alone.
    pub fn set_lobby(&self, id: ParticipantId, prompt: Option<String>) -> Result<(), MixerError> {
        let (name, stream) = {
            let mut st = self.lock();
            match prompt {
                Some(p) => {
                    st.viewers.insert(id);
                    if st.lobby.insert(id, p.clone()).as_ref() != Some(&p) {
                        st.relayout();
                    }
                    return Ok(());
                }
                None => {
                    if st.lobby.remove(&id).is_none() {
                        return Ok(());
                    }
                    st.viewers.remove(&id);
                    match st.members.get(&id) {
                        Some(m) => (m.name.clone(), m.stream.clone()),
                        None => return Ok(()),
                    }
                }
            }
        };
        match stream {
            // Rebuilt as an ordinary participant: decoded, in the order.
            Some(s) => self.update(id, &name, s),
            None => {
                let mut st = self.lock();
                st.order.push(id);
                st.relayout();
                Ok(())
            }
        }
    }

    /// Whether the participant waits in the lobby.
    pub fn in_lobby(&self, id: ParticipantId) -> bool {
        self.lock().lobby.contains_key(&id)
    }

    /// The participants `id` does not see (replacing any earlier list; ids
    /// not in the room yet apply when they join).
    pub fn set_exclusions(&self, id: ParticipantId, mut excluded: Vec<ParticipantId>) {
        excluded.sort_unstable();
        excluded.dedup();
        let mut st = self.lock();
        let before = st.exclusions.get(&id).cloned().unwrap_or_default();
        if before == excluded {
            return;
        }
        if excluded.is_empty() {
            st.exclusions.remove(&id);
        } else {
            st.exclusions.insert(id, excluded);
        }
        st.relayout();
    }

    /// The receiver's congestion estimate (kbit/s; `None`: no limit): its
    /// encoder follows within what it negotiated, at the next check
    /// ([`super::bitrate`] for the floor and hysteresis). REMB and TMMBR
    /// arriving on its stream set the same limit; the latest wins.
    pub fn set_bitrate_limit(&self, id: ParticipantId, kbps: Option<u32>) {
        self.lock().feedback_of(id).set_limit(kbps);
    }

    /// The room's layout for every receiver (the gateway's configuration);
    /// pictures that change start with a keyframe.
    pub fn set_layout(&self, layout: Layout) {
        let mut st = self.lock();
        if st.layout != layout {
            st.layout = layout;
            st.relayout();
        }
    }

    /// The room's layout now.
    pub fn layout(&self) -> Layout {
        self.lock().layout
    }

    /// "Same picture for all": every receiver sees everyone, itself
    /// included, and receivers with the same settings share one canvas and
    /// encoder. Off (the default): nobody sees itself.
    pub fn set_same_picture(&self, on: bool) {
        let mut st = self.lock();
        if st.same_picture != on {
            st.same_picture = on;
            st.relayout();
        }
    }

    /// Who has the large tile in speaker layouts.
    pub fn set_speaker(&self, speaker: Option<ParticipantId>) {
        self.shared.set_speaker(speaker);
    }

    /// The tiles each receiver sees now, in tile order (for the API and
    /// tests).
    pub fn views(&self) -> BTreeMap<ParticipantId, Vec<CanvasTile>> {
        let st = self.lock();
        st.members
            .iter()
            .filter_map(|(id, m)| {
                let o = m.receiver.as_ref()?.output?;
                Some((*id, st.outputs.get(&o)?.view.clone()))
            })
            .collect()
    }

    /// The encoder settings of a receiver, if we send it video.
    pub fn encoder_config(&self, id: ParticipantId) -> Option<EncoderConfig> {
        let st = self.lock();
        Some(st.members.get(&id)?.receiver.as_ref()?.config.clone())
    }

    /// The receivers grouped by the encoder that feeds them.
    pub fn encoder_groups(&self) -> Vec<Vec<ParticipantId>> {
        self.lock()
            .outputs
            .values()
            .map(|o| o.receivers.iter().copied().collect())
            .collect()
    }

    pub fn stats(&self) -> VideoStats {
        self.lock().stats()
    }

    /// A participant's video counters: frames decoded from it, keyframe
    /// requests it sent us, keyframe requests we sent it.
    pub fn participant_stats(&self, id: ParticipantId) -> Option<ParticipantVideo> {
        let st = self.lock();
        let m = st.members.get(&id)?;
        let encoder = m
            .receiver
            .as_ref()
            .and_then(|r| r.output)
            .and_then(|o| st.outputs.get(&o));
        Some(ParticipantVideo {
            frames_decoded: m.input.frames,
            keyframes_asked: m.asked,
            keyframes_requested: m.input.requests,
            live: m.input.live,
            bitrate_limit_kbps: m.feedback.limit(),
            encoder_bitrate_kbps: encoder.map(|o| o.encoder.bitrate_kbps()),
        })
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
        let (members, outputs) = {
            let mut st = self.lock();
            (
                std::mem::take(&mut st.members),
                std::mem::take(&mut st.outputs),
            )
        };
        for s in members.values().filter_map(|m| m.stream.as_ref()) {
            s.set_sink(None);
        }
        drop(outputs);
    }
}

fn run(shared: Arc<Shared>) {
    let meter = shared.lock().meter.clone();
    meter.enter();
    while !shared.stop.load(Ordering::Relaxed) {
        {
            let mut st = shared.lock();
            pump(&mut st, &shared.events, Instant::now());
        }
        std::thread::sleep(PUMP_PERIOD);
    }
    meter.leave();
}

/// Moves whatever is ready: decoded frames to the canvases, composed
/// frames to the encoders, RTP to the receivers. Never waits.
fn pump(st: &mut State, events: &EventHandler, now: Instant) {
    let decoded = pull_decoded(st, now);
    if st
        .last_input_check
        .is_none_or(|t| now.saturating_duration_since(t) >= INPUT_CHECK)
    {
        st.last_input_check = Some(now);
        check_inputs(st, events, now);
        follow_limits(st, now);
    }
    answer_tmmbr(st);
    for out in st.outputs.values() {
        for (from, frame) in &decoded {
            // Only canvases with a tile for `from` take it.
            if let Err(e) = out.canvas.push_frame(*from, frame) {
                tracing::debug!(room = %st.room, participant = from, error = %e, "tile refused a frame");
            }
        }
    }
    let State {
        room,
        members,
        outputs,
        keyframes_asked,
        ..
    } = st;
    for (id, m) in members.iter_mut() {
        if m.feedback.keyframe.swap(false, Ordering::Relaxed) {
            *keyframes_asked += 1;
            m.asked += 1;
            let o = m.receiver.as_ref().and_then(|r| r.output);
            if let Some(out) = o.and_then(|o| outputs.get_mut(&o)) {
                tracing::debug!(room = %room, participant = id, "keyframe asked");
                out.keyframes.owe();
            }
        }
    }
    for (oid, out) in outputs.iter_mut() {
        encode(room, *oid, out, members, now);
    }
}

/// Every frame the decoders have ready; notes which inputs are live.
fn pull_decoded(st: &mut State, now: Instant) -> Vec<(ParticipantId, gstreamer::Sample)> {
    let mut decoded = Vec::new();
    let mut changed = false;
    for (id, m) in st.members.iter_mut() {
        let Some(dec) = &m.decoder else { continue };
        loop {
            match dec.pull_frame(Duration::ZERO) {
                Ok(Some(frame)) => {
                    m.input.frames += 1;
                    m.input.last_frame = Some(now);
                    decoded.push((*id, frame));
                }
                Ok(None) => break,
                Err(e) => {
                    if m.errors % 100 == 0 {
                        tracing::warn!(room = %st.room, participant = id, errors = m.errors, error = %e, "video decoder");
                    }
                    m.errors += 1;
                    break;
                }
            }
        }
        let live = m
            .input
            .last_frame
            .is_some_and(|t| now.saturating_duration_since(t) < STALE_AFTER);
        if live != m.input.live {
            tracing::info!(room = %st.room, participant = id, live, "video input");
            m.input.live = live;
            changed = true;
        }
    }
    if changed {
        // The tile flips between frames and placeholder; frames decoded
        // just now go to the new branch.
        st.relayout();
    }
    decoded
}

/// Sets each output's encoder to the lowest of its receivers' targets,
/// within the controller's hysteresis.
fn follow_limits(st: &mut State, now: Instant) {
    let mut regroup = false;
    for (id, m) in st.members.iter_mut() {
        let Some(r) = m.receiver.as_mut() else {
            continue;
        };
        let limited =
            bitrate::constrained(r.constrained, r.config.bitrate_kbps, m.feedback.limit());
        if limited != r.constrained {
            tracing::debug!(room = %st.room, participant = id, constrained = limited, "receiver regrouped by its bit rate limit");
            r.constrained = limited;
            regroup = true;
        }
    }
    if regroup {
        st.relayout();
    }
    let State {
        room,
        members,
        outputs,
        ..
    } = st;
    for (oid, out) in outputs.iter_mut() {
        if !out.config.codec.adjustable_bitrate() {
            continue;
        }
        let targets = out.receivers.iter().filter_map(|r| {
            let m = members.get(r)?;
            let negotiated = m.receiver.as_ref()?.config.bitrate_kbps;
            Some(receiver_target(negotiated, m.feedback.limit()))
        });
        let before = out.bitrate.current_kbps();
        let Some(kbps) = out.bitrate.update(now, out.config.bitrate_kbps, targets) else {
            continue;
        };
        match out.encoder.set_bitrate(kbps) {
            Ok(()) => {
                tracing::debug!(room = %room, output = oid, from = before, to = kbps, "encoder bit rate")
            }
            Err(e) => {
                out.bitrate.refused(before);
                tracing::warn!(room = %room, output = oid, error = %e, "encoder bit rate not changed");
            }
        }
    }
}

/// Answers each TMMBR with a TMMBN (RFC 5104 §4.2.2) from the receiver's
/// own SSRC: the bounding set is the requester's tuple, which we follow
/// (above our floor).
fn answer_tmmbr(st: &mut State) {
    for (id, m) in st.members.iter() {
        let due = m
            .feedback
            .tmmbn_due
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        let Some((owner, bps, overhead)) = due else {
            continue;
        };
        let (Some(stream), Some(r)) = (&m.stream, &m.receiver) else {
            continue;
        };
        let packet = feedback::tmmbn(r.rtp.ssrc(), owner, bps, overhead);
        if let Err(e) = stream.send_rtcp(&packet) {
            tracing::debug!(room = %st.room, participant = id, error = %e, "TMMBN not sent");
        }
    }
}

/// Asks senders for a keyframe when their decoder has packets but no
/// picture (start, or after a loss it cannot conceal) or lost packets.
fn check_inputs(st: &mut State, events: &EventHandler, now: Instant) {
    let State {
        room,
        members,
        keyframes_requested,
        ..
    } = st;
    for (id, m) in members.iter_mut() {
        let (Some(stream), Some(_)) = (&m.stream, &m.decoder) else {
            continue;
        };
        let stats = stream.stats();
        let Some(last_rtp) = stats.last_rtp_at else {
            continue;
        };
        // Packets still arriving (a sender that stopped is not asked), and
        // none of them made a picture for a while.
        let arriving = now.saturating_duration_since(last_rtp) < KEYFRAME_REQUEST_INTERVAL;
        let starved = arriving
            && m.input.last_frame.is_none_or(|f| {
                last_rtp > f && last_rtp.saturating_duration_since(f) >= STARVED_AFTER
            });
        let lost = stats.lost > m.input.lost_seen;
        m.input.lost_seen = stats.lost;
        let due = m
            .input
            .last_request
            .is_none_or(|t| now.saturating_duration_since(t) >= KEYFRAME_REQUEST_INTERVAL);
        if !(starved || lost) || !due {
            continue;
        }
        m.input.last_request = Some(now);
        m.input.requests += 1;
        *keyframes_requested += 1;
        let spec = stream.spec();
        match KeyframeFeedback::from_rtcp_fb(&spec.rtcp_fb) {
            Some(kind) => {
                m.input.fir_seq = m.input.fir_seq.wrapping_add(1);
                let ours = m.receiver.as_ref().map_or(1, |r| r.rtp.ssrc());
                let packet = feedback::keyframe_request(
                    kind,
                    ours,
                    stats.ssrc.unwrap_or(0),
                    m.input.fir_seq,
                );
                if let Err(e) = stream.send_rtcp(&packet) {
                    tracing::debug!(room = %room, participant = id, error = %e, "keyframe request not sent");
                }
                tracing::debug!(room = %room, participant = id, ?kind, starved, lost, "keyframe requested by RTCP");
            }
            None => {
                tracing::debug!(room = %room, participant = id, starved, lost, "keyframe wanted from the signalling");
                events(VideoEvent::KeyframeWanted { participant: *id });
            }
        }
    }
}

/// Composed frames into the output's encoder, its RTP to each receiver
/// as that receiver's own stream.
fn encode(
    room: &str,
    oid: OutputId,
    out: &mut Output,
    members: &mut BTreeMap<ParticipantId, Member>,
    now: Instant,
) {
    loop {
        match out.canvas.pull_frame(Duration::ZERO) {
            Ok(Some(frame)) => {
                out.composed += 1;
                if let Err(e) = out.encoder.push_frame(&frame) {
                    tracing::debug!(room = %room, output = oid, error = %e, "video encoder");
                }
                if out.keyframes.due(now) && out.encoder.force_keyframe().is_err() {
                    out.keyframes.refused();
                }
            }
            Ok(None) => break,
            Err(e) => {
                tracing::warn!(room = %room, output = oid, error = %e, "video canvas");
                break;
            }
        }
    }
    loop {
        let packet = match out.encoder.pull_rtp(Duration::ZERO) {
            Ok(Some(p)) => p,
            Ok(None) => break,
            Err(e) => {
                tracing::warn!(room = %room, output = oid, error = %e, "video encoder");
                break;
            }
        };
        let Ok(map) = packet.map_readable() else {
            continue;
        };
        let data = map.as_slice();
        // The marker bit ends a frame.
        if data.len() > 1 && data[1] & 0x80 != 0 {
            out.encoded += 1;
        }
        let mut copy = Vec::with_capacity(data.len());
        for r in &out.receivers {
            let Some(m) = members.get_mut(r) else {
                continue;
            };
            let (Some(stream), Some(recv)) = (&m.stream, m.receiver.as_mut()) else {
                continue;
            };
            copy.clear();
            copy.extend_from_slice(data);
            if !recv.rtp.rewrite(oid, &mut copy) {
                continue;
            }
            // Before the peer's address is known (or while it holds us)
            // sending fails: logged at the first refusal and then every
            // 1000, not per packet.
            match stream.send_rtp(&copy) {
                Ok(_) => recv.sent += 1,
                Err(e) => {
                    if recv.refused % 1000 == 0 {
                        tracing::debug!(room = %room, participant = r, sent = recv.sent, refused = recv.refused, error = %e, "video not sent");
                    }
                    recv.refused += 1;
                }
            }
        }
    }
}
