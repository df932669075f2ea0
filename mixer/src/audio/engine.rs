//! The room's audio mixer at work: every participant's audio stream is
//! decoded, mixed minus itself every 20 ms, and re-encoded in the codec that
//! participant negotiated, then sent back on its own RTP port (symmetric
//! RTP). The active speaker is followed from the levels of what was mixed.
//!
//! A *viewer* (a WHEP viewer: it sends nothing) only listens: its stream is
//! not decoded and it never takes the floor. Any participant may have
//! others left out of its mix ([`MixMinus::set_excluded`]).
//!
//! One thread per room runs the 20 ms tick: GStreamer pulls and pushes are
//! short but blocking calls that have no place on the async runtime, and a
//! dedicated thread keeps the tick steady when the runtime is busy with
//! signalling.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use webrtc_util::Marshal;

use super::codec::{AudioCodec, AudioDecoder, AudioEncoder};
use super::level::{audio_level, SpeakerConfig, SpeakerDetector, SpeakerEvent};
use super::mixminus::MixMinus;
use super::{FRAME_DURATION, SILENCE};
use crate::cpu::CpuMeter;
use crate::room::ParticipantId;
use crate::spec::MediaKind;
use crate::stream::{MediaSink, MediaStream, ReceivedRtp};
use crate::MixerError;

/// Decoded audio of one participant; fed by its stream's receive task and
/// drained by the tick.
struct DecoderSink {
    decoder: Mutex<AudioDecoder>,
}

impl MediaSink for DecoderSink {
    fn on_rtp(&self, received: ReceivedRtp) {
        let raw = match received.packet.marshal() {
            Ok(raw) => raw,
            Err(e) => {
                tracing::debug!(error = %e, "RTP packet could not be re-serialised");
                return;
            }
        };
        let decoder = self.decoder.lock().unwrap_or_else(|p| p.into_inner());
        if let Err(e) = decoder.push_rtp(&raw) {
            tracing::debug!(error = %e, "audio decoder refused a packet");
        }
    }
}

struct Member {
    stream: Arc<MediaStream>,
    decoder: Option<Arc<DecoderSink>>,
    encoder: Option<AudioEncoder>,
    /// Packets sent, and sends refused (no address yet, held, socket full).
    sent: u64,
    refused: u64,
}

struct State {
    room: String,
    mix: MixMinus,
    speaker: SpeakerDetector,
    members: BTreeMap<ParticipantId, Member>,
    /// Listen-only participants; kept across a stream rebuild, until
    /// [`AudioEngine::forget`].
    viewers: BTreeSet<ParticipantId>,
    /// Participants waiting to be let in (a PIN asked by DTMF): viewers
    /// that hear silence. Kept likewise.
    lobby: BTreeSet<ParticipantId>,
    /// Who each participant does not hear; kept likewise.
    exclusions: BTreeMap<ParticipantId, Vec<ParticipantId>>,
}

/// Called on the tick thread when the active speaker changes.
pub type SpeakerCallback = Box<dyn Fn(ParticipantId) + Send + Sync>;

/// The audio mixer of one room. Dropping it stops the tick.
pub struct AudioEngine {
    state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
    thread: Mutex<Option<JoinHandle<()>>>,
    on_speaker: Arc<SpeakerCallback>,
    /// The room's CPU time: the tick thread and the codec pipelines.
    meter: CpuMeter,
}

impl AudioEngine {
    pub fn new(room: impl Into<String>, on_speaker: SpeakerCallback, meter: CpuMeter) -> Self {
        Self {
            state: Arc::new(Mutex::new(State {
                room: room.into(),
                mix: MixMinus::new(),
                speaker: SpeakerDetector::new(SpeakerConfig::default()),
                members: BTreeMap::new(),
                viewers: BTreeSet::new(),
                lobby: BTreeSet::new(),
                exclusions: BTreeMap::new(),
            })),
            stop: Arc::new(AtomicBool::new(false)),
            thread: Mutex::new(None),
            on_speaker: Arc::new(on_speaker),
            meter,
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Add a participant's audio stream (other kinds are ignored): it is
    /// decoded if the peer sends and receives the mix if we send. A stream
    /// whose codec we cannot handle joins as a silent listener-less member
    /// and is logged; the call goes on.
    pub fn add(&self, id: ParticipantId, stream: Arc<MediaStream>) -> Result<(), MixerError> {
        let spec = stream.spec();
        if spec.kind != MediaKind::Audio {
            return Ok(());
        }
        let _counted = self.meter.scope();
        let viewer = self.lock().viewers.contains(&id);
        let decoder = if spec.direction.peer_sends() && !viewer {
            let sink = Arc::new(DecoderSink {
                decoder: Mutex::new(AudioDecoder::for_stream(&spec)?),
            });
            stream.set_sink(Some(sink.clone()));
            Some(sink)
        } else {
            None
        };
        let encoder = if spec.direction.we_send() {
            let (pt, codec) = spec
                .payload_types
                .iter()
                .find_map(|(pt, _, name)| Some((*pt, AudioCodec::from_encoding_name(name)?)))
                .ok_or(MixerError::NoAudioCodec)?;
            Some(AudioEncoder::new(codec, pt, rand::random())?)
        } else {
            None
        };
        let mut st = self.lock();
        if st.members.contains_key(&id) {
            return Err(MixerError::ParticipantExists(id));
        }
        st.mix.join(id)?;
        if let Some(excluded) = st.exclusions.get(&id).cloned() {
            st.mix.set_excluded(id, excluded)?;
        }
        st.members.insert(
            id,
            Member {
                stream,
                decoder,
                encoder,
                sent: 0,
                refused: 0,
            },
        );
        drop(st);
        self.ensure_thread();
        Ok(())
    }

    /// Remove a participant; unknown ids are ignored.
    pub fn remove(&self, id: ParticipantId) {
        let mut st = self.lock();
        if let Some(m) = st.members.remove(&id) {
            m.stream.set_sink(None);
            let _ = st.mix.leave(id);
        }
    }

    /// The stream's direction or codec changed (re-INVITE): rebuild its
    /// chains. The participant hears nothing for at most one tick.
    pub fn update(&self, id: ParticipantId, stream: Arc<MediaStream>) -> Result<(), MixerError> {
        self.remove(id);
        self.add(id, stream)
    }

    /// Make a participant a listener only (before its stream is added:
    /// a viewer's stream is not decoded) or a full participant again.
    pub fn set_viewer(&self, id: ParticipantId, viewer: bool) {
        let mut st = self.lock();
        if viewer {
            st.viewers.insert(id);
        } else {
            st.viewers.remove(&id);
        }
    }

    /// Puts a participant in the lobby (before its stream is added): not
    /// decoded, hears silence. `false` lets it in: its stream is rebuilt as
    /// an ordinary one, decoded and given the mix.
    pub fn set_lobby(&self, id: ParticipantId, lobby: bool) -> Result<(), MixerError> {
        let stream = {
            let mut st = self.lock();
            if lobby {
                st.lobby.insert(id);
                st.viewers.insert(id);
                return Ok(());
            }
            if !st.lobby.remove(&id) {
                return Ok(());
            }
            st.viewers.remove(&id);
            st.members.get(&id).map(|m| m.stream.clone())
        };
        match stream {
            Some(s) => self.update(id, s),
            None => Ok(()),
        }
    }

    /// The participants `id` does not hear (replacing any earlier list);
    /// applies now if it is mixed, else when its stream is added.
    pub fn set_exclusions(&self, id: ParticipantId, excluded: Vec<ParticipantId>) {
        let mut st = self.lock();
        if st.members.contains_key(&id) {
            let _ = st.mix.set_excluded(id, excluded.clone());
        }
        if excluded.is_empty() {
            st.exclusions.remove(&id);
        } else {
            st.exclusions.insert(id, excluded);
        }
    }

    /// The participant left the room: drop what was kept for it.
    pub fn forget(&self, id: ParticipantId) {
        self.remove(id);
        let mut st = self.lock();
        st.viewers.remove(&id);
        st.lobby.remove(&id);
        st.exclusions.remove(&id);
    }

    /// Mute or unmute what a participant contributes to the others.
    pub fn set_muted(&self, id: ParticipantId, muted: bool) -> Result<(), MixerError> {
        self.lock().mix.set_muted(id, muted)
    }

    /// The current active speaker.
    pub fn speaker(&self) -> Option<ParticipantId> {
        self.lock().speaker.speaker()
    }

    fn ensure_thread(&self) {
        let mut thread = self.thread.lock().unwrap_or_else(|p| p.into_inner());
        if thread.is_some() {
            return;
        }
        let (state, stop, cb, meter) = (
            self.state.clone(),
            self.stop.clone(),
            self.on_speaker.clone(),
            self.meter.clone(),
        );
        let name = format!("audio-{}", self.lock().room);
        match std::thread::Builder::new()
            .name(name.chars().take(15).collect())
            .spawn(move || {
                meter.enter();
                run(state, stop, cb);
                meter.leave();
            }) {
            Ok(handle) => *thread = Some(handle),
            Err(e) => tracing::error!(error = %e, "cannot start the audio mixer thread"),
        }
    }
}

impl Drop for AudioEngine {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        let handle = self.thread.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(h) = handle {
            let _ = h.join();
        }
        for m in self.lock().members.values() {
            m.stream.set_sink(None);
        }
    }
}

/// The 20 ms tick on an absolute schedule, so that a slow tick is caught up
/// rather than drifting (a tick more than 100 ms late is skipped instead).
fn run(state: Arc<Mutex<State>>, stop: Arc<AtomicBool>, on_speaker: Arc<SpeakerCallback>) {
    let mut next = Instant::now() + FRAME_DURATION;
    while !stop.load(Ordering::Relaxed) {
        let now = Instant::now();
        if next > now {
            std::thread::sleep(next - now);
        } else if now - next > Duration::from_millis(100) {
            next = now;
        }
        next += FRAME_DURATION;
        let event = {
            let mut st = state.lock().unwrap_or_else(|p| p.into_inner());
            tick(&mut st)
        };
        if let Some(SpeakerEvent::SpeakerChanged(id)) = event {
            on_speaker(id);
        }
    }
}

/// One 20 ms step: drain decoders, mix, detect the speaker, encode and send.
fn tick(st: &mut State) -> Option<SpeakerEvent> {
    let State {
        room,
        mix,
        speaker,
        members,
        viewers,
        lobby,
        ..
    } = st;
    for (id, m) in members.iter() {
        let Some(sink) = &m.decoder else { continue };
        let frames = {
            let mut dec = sink.decoder.lock().unwrap_or_else(|p| p.into_inner());
            dec.pull_frames()
        };
        match frames {
            Ok(frames) => {
                for f in &frames {
                    let _ = mix.push(*id, f);
                }
            }
            Err(e) => tracing::debug!(room = %room, participant = id, error = %e, "audio decoder"),
        }
    }
    let mut outputs = Vec::with_capacity(members.len());
    for (id, frame) in mix.mix() {
        // The lobby hears nothing of the room (the stream keeps going, so
        // the terminal's jitter buffer has something to play).
        let frame = if lobby.contains(&id) { SILENCE } else { *frame };
        outputs.push((id, frame));
    }
    // Viewers never take the floor.
    let levels: Vec<(ParticipantId, u8)> = members
        .keys()
        .filter(|id| !viewers.contains(id))
        .map(|id| (*id, mix.contribution(*id).map_or(127, |f| audio_level(f))))
        .collect();
    let event = speaker.update(levels);
    for (id, frame) in &outputs {
        let Some(m) = members.get_mut(id) else {
            continue;
        };
        let Some(enc) = m.encoder.as_mut() else {
            continue;
        };
        if let Err(e) = enc.push_frame(frame) {
            tracing::debug!(room = %room, participant = id, error = %e, "audio encoder");
            continue;
        }
        match enc.pull_rtp() {
            Ok(packets) => {
                for p in packets {
                    // Before the peer's address is known (or while it holds
                    // us) sending fails: logged at the first refusal and
                    // then every 10 s of them, not per packet.
                    match m.stream.send_rtp(&p) {
                        Ok(_) => m.sent += 1,
                        Err(e) => {
                            if m.refused % 500 == 0 {
                                tracing::debug!(room = %room, participant = id, sent = m.sent, refused = m.refused, error = %e, "mixed audio not sent");
                            }
                            m.refused += 1;
                        }
                    }
                }
            }
            Err(e) => tracing::debug!(room = %room, participant = id, error = %e, "audio encoder"),
        }
    }
    event
}
