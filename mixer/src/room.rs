//! A conference room's media: each participant's streams, and the watchdog
//! that reports participants whose media stopped.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::{Duration, Instant};

use tokio::sync::{mpsc, oneshot};

use crate::audio::AudioEngine;
use crate::cpu::CpuMeter;
use crate::ports::{PortAllocator, PortPair};
use crate::spec::{MediaKind, StreamSpec};
use crate::stream::{MediaStream, StreamStats};
use crate::video::{VideoEngine, VideoEvent, VideoPreference};
use crate::{MediaMetrics, MixerError};

pub type ParticipantId = u64;

/// How a participant takes part, beyond its streams.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParticipantOptions {
    /// Receives only (a WHEP viewer): no tile or placeholder anywhere,
    /// never the active speaker, not counted by the auto layout; it sees
    /// every other participant and hears the full mix.
    pub viewer: bool,
    /// Participants left out of its picture and its audio mix (a bridge's
    /// viewer must not get back what its publisher sent out). Ids may name
    /// participants that join later.
    pub exclude: Vec<ParticipantId>,
    /// Waiting to be let in (a room PIN asked by DTMF), with the prompt to
    /// show: not decoded, no tile anywhere, never the speaker; it hears
    /// silence and sees only the prompt. [`MediaRoom::let_in`] ends it.
    pub lobby: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoomEvent {
    /// No RTP and no RTCP on any stream of the participant for the media
    /// timeout, while it was expected to send on at least one of them. A
    /// camera that stops alone does not count; a participant whose streams
    /// are all on hold or inactive is not timed out. The gateway ends the
    /// call.
    MediaTimeout { participant: ParticipantId },
    /// The active speaker changed (audio levels, with hysteresis).
    ActiveSpeaker { participant: ParticipantId },
    /// The participant's video decoder needs a keyframe and its stream has
    /// no RTCP feedback: the gateway asks by signalling (SIP INFO
    /// picture_fast_update). Throttled by the mixer.
    KeyframeWanted { participant: ParticipantId },
}

const EVENT_QUEUE: usize = 64;

/// Decides when a participant's media is dead, sans-IO.
#[derive(Debug, Clone)]
struct Watchdog {
    /// Start of the current expectation: join, or resume from hold.
    since: Instant,
    expecting: bool,
    /// The silence already reported (its start), so it is reported once.
    reported: Option<Instant>,
}

impl Watchdog {
    fn new(now: Instant, expecting: bool) -> Self {
        Self {
            since: now,
            expecting,
            reported: None,
        }
    }

    /// `expecting`: the peer should send on some stream now.
    /// `last_activity`: last RTP/RTCP on any stream. True: report now.
    fn check(
        &mut self,
        now: Instant,
        expecting: bool,
        last_activity: Option<Instant>,
        timeout: Duration,
    ) -> bool {
        if !expecting {
            self.expecting = false;
            return false;
        }
        if !self.expecting {
            // Resumed from hold: a fresh chance to send.
            self.expecting = true;
            self.since = now;
        }
        let silent_since = last_activity.map_or(self.since, |a| a.max(self.since));
        if now.saturating_duration_since(silent_since) < timeout
            || self.reported == Some(silent_since)
        {
            return false;
        }
        self.reported = Some(silent_since);
        true
    }

    /// The report could not be delivered; try again at the next check.
    fn unreport(&mut self) {
        self.reported = None;
    }
}

struct Participant {
    display_name: String,
    viewer: bool,
    streams: Vec<Arc<MediaStream>>,
    watchdog: Watchdog,
}

impl Participant {
    fn expecting(&self) -> bool {
        self.streams.iter().any(|s| s.direction().peer_sends())
    }

    fn last_activity(&self) -> Option<Instant> {
        self.streams.iter().filter_map(|s| s.last_activity()).max()
    }

    fn close(&self) {
        for s in &self.streams {
            s.close();
        }
    }
}

struct Inner {
    name: String,
    ports: Arc<PortAllocator>,
    metrics: MediaMetrics,
    media_timeout: Duration,
    participants: Mutex<BTreeMap<ParticipantId, Participant>>,
    events: mpsc::Sender<RoomEvent>,
}

impl Inner {
    fn lock(&self) -> MutexGuard<'_, BTreeMap<ParticipantId, Participant>> {
        self.participants.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn check_timeouts(&self, now: Instant) {
        let mut parts = self.lock();
        for (id, p) in parts.iter_mut() {
            let (expecting, last) = (p.expecting(), p.last_activity());
            if !p.watchdog.check(now, expecting, last, self.media_timeout) {
                continue;
            }
            let ev = RoomEvent::MediaTimeout { participant: *id };
            match self.events.try_send(ev) {
                Ok(()) => tracing::warn!(
                    room = %self.name,
                    participant = id,
                    name = %p.display_name,
                    timeout = ?self.media_timeout,
                    "no media from participant"
                ),
                Err(mpsc::error::TrySendError::Full(_)) => p.watchdog.unreport(),
                // Nobody listens any more: the room is going away.
                Err(mpsc::error::TrySendError::Closed(_)) => {}
            }
        }
    }
}

/// One conference room's media.
pub struct MediaRoom {
    inner: Arc<Inner>,
    /// Dropping the sender stops the watchdog task; it is started with the
    /// first participant (which guarantees a runtime).
    watchdog_stop: Mutex<Option<oneshot::Sender<()>>>,
    /// Mix-minus audio: everyone hears everyone else.
    audio: AudioEngine,
    /// Continuous presence: everyone sees everyone else.
    video: VideoEngine,
    /// CPU time of the room's threads and pipelines.
    meter: CpuMeter,
}

impl MediaRoom {
    pub fn new(
        name: impl Into<String>,
        ports: Arc<PortAllocator>,
        metrics: MediaMetrics,
        media_timeout: Duration,
    ) -> (Self, mpsc::Receiver<RoomEvent>) {
        let (events, rx) = mpsc::channel(EVENT_QUEUE);
        let name = name.into();
        let meter = CpuMeter::new();
        let speaker_events = events.clone();
        let video_events = events.clone();
        let video = VideoEngine::new(
            name.clone(),
            VideoPreference::default(),
            Box::new(move |ev| match ev {
                // A full queue loses a request; the mixer asks again.
                VideoEvent::KeyframeWanted { participant } => {
                    let _ = video_events.try_send(RoomEvent::KeyframeWanted { participant });
                }
            }),
            meter.clone(),
        );
        let video_speaker = video.speaker_handle();
        let audio = AudioEngine::new(
            name.clone(),
            Box::new(move |participant| {
                video_speaker.set(Some(participant));
                // A full queue loses a speaker change; the next one follows.
                let _ = speaker_events.try_send(RoomEvent::ActiveSpeaker { participant });
            }),
            meter.clone(),
        );
        let room = Self {
            inner: Arc::new(Inner {
                name,
                ports,
                metrics,
                media_timeout,
                participants: Mutex::new(BTreeMap::new()),
                events,
            }),
            watchdog_stop: Mutex::new(None),
            audio,
            video,
            meter,
        };
        (room, rx)
    }

    pub fn name(&self) -> &str {
        &self.inner.name
    }

    /// Reserve ports for a participant's streams before the SDP answer is
    /// written (the answer needs the local ports). Dropping the pairs
    /// returns them.
    pub fn reserve(&self, count: usize) -> Result<Vec<PortPair>, MixerError> {
        (0..count).map(|_| self.inner.ports.allocate()).collect()
    }

    /// Start the participant's streams on reserved ports. The media timeout
    /// clock starts now.
    pub async fn add_participant(
        &self,
        id: ParticipantId,
        display_name: &str,
        streams: Vec<(PortPair, StreamSpec)>,
    ) -> Result<(), MixerError> {
        self.add_participant_with(id, display_name, streams, ParticipantOptions::default())
            .await
    }

    /// [`MediaRoom::add_participant`] for a viewer, or a participant with
    /// exclusions.
    pub async fn add_participant_with(
        &self,
        id: ParticipantId,
        display_name: &str,
        streams: Vec<(PortPair, StreamSpec)>,
        options: ParticipantOptions,
    ) -> Result<(), MixerError> {
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| MixerError::NoRuntime)?;
        if self.inner.lock().contains_key(&id) {
            return Err(MixerError::ParticipantExists(id));
        }
        let started = streams
            .into_iter()
            .map(|(ports, spec)| {
                MediaStream::start(ports, spec, self.inner.metrics.clone()).map(Arc::new)
            })
            .collect::<Result<Vec<_>, _>>()?;
        let ports: Vec<u16> = started.iter().map(|s| s.local_rtp_port()).collect();
        let to_mix: Vec<Arc<MediaStream>> = started.clone();
        let participant = Participant {
            display_name: display_name.to_owned(),
            viewer: options.viewer,
            watchdog: Watchdog::new(
                Instant::now(),
                started.iter().any(|s| s.direction().peer_sends()),
            ),
            streams: started,
        };
        {
            let mut parts = self.inner.lock();
            if parts.contains_key(&id) {
                // Raced with another add of the same id; ours are closed on drop.
                return Err(MixerError::ParticipantExists(id));
            }
            parts.insert(id, participant);
        }
        // Before the streams join: a viewer's are not decoded and get no
        // tile.
        self.audio.set_viewer(id, options.viewer);
        self.video.set_viewer(id, options.viewer);
        let in_lobby = options.lobby.is_some();
        if let Some(prompt) = options.lobby {
            self.audio.set_lobby(id, true)?;
            self.video.set_lobby(id, Some(prompt))?;
        }
        if !options.exclude.is_empty() {
            self.audio.set_exclusions(id, options.exclude.clone());
            self.video.set_exclusions(id, options.exclude);
        }
        let has_video = to_mix.iter().any(|s| s.spec().kind == MediaKind::Video);
        for s in to_mix {
            self.join_audio(id, s.clone());
            self.join_video(id, display_name, s);
        }
        if !has_video && !options.viewer && !in_lobby {
            // Audio only: the others see a placeholder with its name.
            if let Err(e) = self.video.add_without_video(id, display_name) {
                tracing::warn!(room = %self.inner.name, participant = id, error = %e, "no placeholder tile");
            }
        }
        self.ensure_watchdog(&runtime);
        tracing::info!(room = %self.inner.name, participant = id, name = display_name, ?ports, "media started");
        Ok(())
    }

    /// Re-INVITE/UPDATE: new remote addresses, directions (hold/resume),
    /// codecs; streams keep their ports. `specs` are matched to the streams
    /// by position (the order given to `add_participant`); specs beyond the
    /// participant's streams have no ports and are ignored.
    pub fn update_participant(
        &self,
        id: ParticipantId,
        specs: Vec<StreamSpec>,
    ) -> Result<(), MixerError> {
        let parts = self.inner.lock();
        let p = parts.get(&id).ok_or(MixerError::NoSuchParticipant(id))?;
        if specs.len() > p.streams.len() {
            tracing::warn!(
                room = %self.inner.name,
                participant = id,
                streams = p.streams.len(),
                specs = specs.len(),
                "more negotiated streams than started ones; extra ones ignored"
            );
        }
        let mut changed_audio = Vec::new();
        let mut changed_video = Vec::new();
        for (stream, spec) in p.streams.iter().zip(specs) {
            let before = stream.spec();
            stream.update(spec);
            let after = stream.spec();
            match after.kind {
                MediaKind::Audio => changed_audio.push(stream.clone()),
                // A session refresh or a new address changes nothing the
                // video chains use: they keep running (a rebuild costs the
                // receiver a new keyframe and a blink).
                MediaKind::Video if !same_video_chains(&before, &after) => {
                    changed_video.push(stream.clone())
                }
                MediaKind::Video => {}
            }
        }
        let name = p.display_name.clone();
        drop(parts);
        for s in changed_audio {
            self.audio.remove(id);
            self.join_audio(id, s);
        }
        for s in changed_video {
            if let Err(e) = self.video.update(id, &name, s) {
                tracing::warn!(room = %self.inner.name, participant = id, error = %e, "video not mixed for this participant");
            }
        }
        Ok(())
    }

    /// Put a video stream on the others' canvases and give the participant
    /// its own; a codec the mixer cannot handle is logged and the call goes
    /// on without mixed video.
    fn join_video(&self, id: ParticipantId, name: &str, stream: Arc<MediaStream>) {
        if let Err(e) = self.video.add(id, name, stream) {
            tracing::warn!(room = %self.inner.name, participant = id, error = %e, "video not mixed for this participant");
        }
    }

    /// A new prompt for a participant in the lobby (a wrong PIN, say).
    pub fn set_lobby_prompt(&self, id: ParticipantId, prompt: &str) -> Result<(), MixerError> {
        if !self.inner.lock().contains_key(&id) {
            return Err(MixerError::NoSuchParticipant(id));
        }
        if self.video.in_lobby(id) {
            self.video.set_lobby(id, Some(prompt.to_owned()))?;
        }
        Ok(())
    }

    /// Lets a participant in from the lobby: from now on it is decoded,
    /// gets its tile, is heard, and sees and hears the room. Its streams
    /// keep their ports.
    pub fn let_in(&self, id: ParticipantId) -> Result<(), MixerError> {
        if !self.video.in_lobby(id) {
            return Ok(());
        }
        let (name, has_video) = {
            let parts = self.inner.lock();
            let p = parts.get(&id).ok_or(MixerError::NoSuchParticipant(id))?;
            let has_video = p.streams.iter().any(|s| s.spec().kind == MediaKind::Video);
            (p.display_name.clone(), has_video)
        };
        self.audio.set_lobby(id, false)?;
        self.video.set_lobby(id, None)?;
        if !has_video {
            self.video.add_without_video(id, &name)?;
        }
        tracing::info!(room = %self.inner.name, participant = id, name = %name, "let in from the lobby");
        Ok(())
    }

    /// The participants `id` does not see or hear, replacing any earlier
    /// list (a bridge's two sides join at different times, so each learns
    /// the other's id late).
    pub fn set_exclusions(
        &self,
        id: ParticipantId,
        exclude: Vec<ParticipantId>,
    ) -> Result<(), MixerError> {
        if !self.inner.lock().contains_key(&id) {
            return Err(MixerError::NoSuchParticipant(id));
        }
        self.audio.set_exclusions(id, exclude.clone());
        self.video.set_exclusions(id, exclude);
        Ok(())
    }

    /// The receiver's congestion estimate for the video we send it (REMB
    /// from a browser, given by the relay), kbit/s; `None` lifts it. Its
    /// encoder follows within what it negotiated, at least 150 kbit/s, with
    /// hysteresis; REMB and TMMBR arriving on its RTCP set the same limit.
    pub fn set_bitrate_limit(
        &self,
        id: ParticipantId,
        kbps: Option<u32>,
    ) -> Result<(), MixerError> {
        if !self.inner.lock().contains_key(&id) {
            return Err(MixerError::NoSuchParticipant(id));
        }
        self.video.set_bitrate_limit(id, kbps);
        Ok(())
    }

    /// Whether the participant only receives (added as a viewer).
    pub fn is_viewer(&self, id: ParticipantId) -> bool {
        self.inner.lock().get(&id).is_some_and(|p| p.viewer)
    }

    /// The participant asked for a keyframe (SIP INFO picture_fast_update;
    /// RTCP PLI/FIR are handled by the mixer itself).
    pub fn request_keyframe(&self, id: ParticipantId) {
        self.video.request_keyframe(id);
    }

    /// The continuous-presence layout of every receiver in the room
    /// (`Layout::Auto` until set).
    pub fn set_layout(&self, layout: crate::video::Layout) {
        self.video.set_layout(layout);
    }

    /// "Same picture for all" (a room option): everyone sees everyone, self
    /// included, and receivers with the same settings share one encoder.
    pub fn set_same_picture(&self, on: bool) {
        self.video.set_same_picture(on);
    }

    /// CPU time spent on the room's media so far (its pipelines' streaming
    /// threads and its mixer threads).
    pub fn cpu_time(&self) -> Duration {
        self.meter.total()
    }

    /// The video engine, for what the room does not wrap (views, encoder
    /// settings).
    pub fn video(&self) -> &VideoEngine {
        &self.video
    }

    /// Put an audio stream into the mix; a codec the mixer cannot handle is
    /// logged and the call goes on without mixed audio.
    fn join_audio(&self, id: ParticipantId, stream: Arc<MediaStream>) {
        if let Err(e) = self.audio.add(id, stream) {
            tracing::warn!(room = %self.inner.name, participant = id, error = %e, "audio not mixed for this participant");
        }
    }

    /// Mute or unmute what a participant contributes to the mix.
    pub fn set_muted(&self, id: ParticipantId, muted: bool) -> Result<(), MixerError> {
        self.audio.set_muted(id, muted)
    }

    /// The active speaker, if anyone has the floor.
    pub fn active_speaker(&self) -> Option<ParticipantId> {
        self.audio.speaker()
    }

    /// Stop the participant's streams and free their ports.
    pub fn remove_participant(&self, id: ParticipantId) -> Result<(), MixerError> {
        let p = self
            .inner
            .lock()
            .remove(&id)
            .ok_or(MixerError::NoSuchParticipant(id))?;
        self.audio.forget(id);
        self.video.remove(id);
        p.close();
        tracing::info!(room = %self.inner.name, participant = id, name = %p.display_name, "media stopped");
        Ok(())
    }

    /// Statistics of the participant's streams, in `add_participant` order;
    /// empty for an unknown participant.
    pub fn participant_stats(&self, id: ParticipantId) -> Vec<StreamStats> {
        self.inner
            .lock()
            .get(&id)
            .map(|p| p.streams.iter().map(|s| s.stats()).collect())
            .unwrap_or_default()
    }

    /// Participants, in id order.
    pub fn participants(&self) -> Vec<ParticipantId> {
        self.inner.lock().keys().copied().collect()
    }

    pub fn display_name(&self, id: ParticipantId) -> Option<String> {
        self.inner.lock().get(&id).map(|p| p.display_name.clone())
    }

    /// The participant's streams, for the mixer to attach sinks and send.
    /// They stop when the participant is removed even if still referenced.
    pub fn streams(&self, id: ParticipantId) -> Vec<Arc<MediaStream>> {
        self.inner
            .lock()
            .get(&id)
            .map(|p| p.streams.clone())
            .unwrap_or_default()
    }

    fn ensure_watchdog(&self, runtime: &tokio::runtime::Handle) {
        let mut stop = self.watchdog_stop.lock().unwrap_or_else(|p| p.into_inner());
        if stop.is_some() {
            return;
        }
        let (tx, rx) = oneshot::channel();
        *stop = Some(tx);
        let period =
            (self.inner.media_timeout / 4).clamp(Duration::from_millis(10), Duration::from_secs(1));
        runtime.spawn(watchdog(Arc::downgrade(&self.inner), period, rx));
    }
}

impl Drop for MediaRoom {
    fn drop(&mut self) {
        for p in self.inner.lock().values() {
            p.close();
        }
    }
}

impl std::fmt::Debug for MediaRoom {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MediaRoom")
            .field("name", &self.inner.name)
            .field("participants", &self.participants())
            .finish()
    }
}

/// Whether the video chains built for `a` serve `b` as they are: same
/// codecs, parameters and directions.
fn same_video_chains(a: &StreamSpec, b: &StreamSpec) -> bool {
    a.kind == b.kind
        && a.payload_types == b.payload_types
        && a.direction == b.direction
        && a.fmtp == b.fmtp
        && a.max_send_kbps == b.max_send_kbps
        && a.rtcp_fb == b.rtcp_fb
}

/// Periodic media check; ends with the room.
async fn watchdog(room: Weak<Inner>, period: Duration, mut stop: oneshot::Receiver<()>) {
    let mut tick = tokio::time::interval(period);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = &mut stop => return,
            _ = tick.tick() => {
                let Some(room) = room.upgrade() else { return };
                room.check_timeouts(Instant::now());
            }
        }
    }
}

#[cfg(test)]
mod tests;
