//! Audio levels and the active speaker.
//!
//! [`audio_level`] is the RFC 6464 figure of a frame: its RMS level in
//! −dBov, 0 (full scale) to 127 (silence). [`SpeakerDetector`] decides who
//! has the floor from those levels, one call per 20 ms tick, with enough
//! hysteresis that the layout does not jump on every cough:
//!
//! - levels are smoothed per participant, rising fast and falling slowly,
//!   so the pauses between words do not drop a talker;
//! - a candidate must be the loudest, above a threshold, and louder than
//!   the current speaker by a margin, for a hold time in a row;
//! - silence never steals the floor: when nobody qualifies, the last
//!   speaker keeps it.

use crate::ParticipantId;

/// The level of silence (and of anything at or below −127 dBov).
pub const SILENT_LEVEL: u8 = 127;

/// RFC 6464 audio level of `samples`: RMS in −dBov, rounded and clamped to
/// 0..=127. The overload point is a full-scale square wave, so a full-scale
/// sine is 3.
pub fn audio_level(samples: &[i16]) -> u8 {
    if samples.is_empty() {
        return SILENT_LEVEL;
    }
    let energy: f64 = samples.iter().map(|&s| f64::from(s) * f64::from(s)).sum();
    let rms = (energy / samples.len() as f64).sqrt() / 32768.0;
    if rms <= 0.0 {
        return SILENT_LEVEL;
    }
    let dbov = 20.0 * rms.log10();
    (-dbov).round().clamp(0.0, f64::from(SILENT_LEVEL)) as u8
}

/// Tuning of the speaker detector. Levels are in dBov (negative).
#[derive(Debug, Clone, PartialEq)]
pub struct SpeakerConfig {
    /// A participant quieter than this (smoothed) is not talking.
    pub threshold_dbov: f32,
    /// Ticks a candidate must lead in a row before it takes the floor.
    pub hold_ticks: u32,
    /// How much louder than the current speaker a candidate must be (dB).
    pub margin_db: f32,
    /// Smoothing weight of a new level above the smoothed one (attack).
    pub attack: f32,
    /// Smoothing weight of a new level below the smoothed one (release).
    pub release: f32,
}

impl Default for SpeakerConfig {
    fn default() -> Self {
        Self {
            // Speech sits around −20 to −35 dBov; room noise well below −50.
            threshold_dbov: -50.0,
            // 1.5 s of 20 ms frames.
            hold_ticks: 75,
            margin_db: 6.0,
            attack: 0.3,
            // About 1 s to fall 40 dB: bridges the gaps between words.
            release: 0.05,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpeakerEvent {
    SpeakerChanged(ParticipantId),
}

/// Picks the active speaker from per-tick levels. Sans-IO.
#[derive(Debug, Clone)]
pub struct SpeakerDetector {
    config: SpeakerConfig,
    /// Smoothed level (dBov) per participant, in participant order.
    smoothed: Vec<(ParticipantId, f32)>,
    speaker: Option<ParticipantId>,
    /// The participant leading the current speaker, and for how many ticks.
    candidate: Option<(ParticipantId, u32)>,
}

impl SpeakerDetector {
    pub fn new(config: SpeakerConfig) -> Self {
        Self {
            config,
            smoothed: Vec::new(),
            speaker: None,
            candidate: None,
        }
    }

    /// Who has the floor.
    pub fn speaker(&self) -> Option<ParticipantId> {
        self.speaker
    }

    /// One tick: the RFC 6464 level of every participant in the room (muted
    /// or late ones as [`SILENT_LEVEL`]). A participant missing from the
    /// list has left: it is forgotten, and if it had the floor the floor is
    /// empty until someone qualifies. Returns an event only on a change.
    pub fn update(
        &mut self,
        levels: impl IntoIterator<Item = (ParticipantId, u8)>,
    ) -> Option<SpeakerEvent> {
        let previous = std::mem::take(&mut self.smoothed);
        for (id, level) in levels {
            let dbov = -f32::from(level.min(SILENT_LEVEL));
            let smoothed = match previous.iter().find(|(p, _)| *p == id) {
                Some(&(_, old)) => {
                    let weight = if dbov > old {
                        self.config.attack
                    } else {
                        self.config.release
                    };
                    old + weight * (dbov - old)
                }
                None => dbov,
            };
            self.smoothed.push((id, smoothed));
        }
        if let Some(s) = self.speaker {
            if !self.smoothed.iter().any(|(p, _)| *p == s) {
                self.speaker = None;
            }
        }

        let Some(leader) = self.qualified_leader() else {
            self.candidate = None;
            return None;
        };
        let ticks = match self.candidate {
            Some((c, n)) if c == leader => n + 1,
            _ => 1,
        };
        if ticks < self.config.hold_ticks {
            self.candidate = Some((leader, ticks));
            return None;
        }
        self.candidate = None;
        self.speaker = Some(leader);
        Some(SpeakerEvent::SpeakerChanged(leader))
    }

    /// The loudest participant if it could take the floor: above the
    /// threshold, not the speaker already, and a margin above the speaker.
    fn qualified_leader(&self) -> Option<ParticipantId> {
        let &(leader, level) = self.smoothed.iter().max_by(|a, b| a.1.total_cmp(&b.1))?;
        if level < self.config.threshold_dbov || Some(leader) == self.speaker {
            return None;
        }
        let speaker_level = self
            .smoothed
            .iter()
            .find(|(p, _)| Some(*p) == self.speaker)
            .map(|(_, l)| *l);
        match speaker_level {
            Some(s) if level < s + self.config.margin_db => None,
            _ => Some(leader),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audio::testutil::tone_frame;
    use crate::audio::FRAME_SAMPLES;

    const TALK: u8 = 25;
    const QUIET: u8 = 90;

    #[test]
    fn rfc6464_levels() {
        assert_eq!(audio_level(&[0; FRAME_SAMPLES]), 127);
        assert_eq!(audio_level(&[]), 127);
        assert_eq!(audio_level(&[i16::MIN; FRAME_SAMPLES]), 0);
        assert_eq!(audio_level(&[i16::MAX; FRAME_SAMPLES]), 0);
        // Full-scale sine: −3 dBov; each halving of amplitude −6 dB.
        assert_eq!(audio_level(&tone_frame(1000.0, 32767.0, 0)), 3);
        assert_eq!(audio_level(&tone_frame(1000.0, 16384.0, 0)), 9);
        // One LSB of noise is about −90 dBov; still a level, not silence.
        assert_eq!(audio_level(&[1; FRAME_SAMPLES]), 90);
    }

    /// Runs `ticks` ticks of the given levels, returning the events with
    /// the tick they happened at.
    fn run(
        d: &mut SpeakerDetector,
        ticks: u32,
        start: u32,
        levels: impl Fn(u32) -> Vec<(ParticipantId, u8)>,
    ) -> Vec<(u32, SpeakerEvent)> {
        (start..start + ticks)
            .filter_map(|t| d.update(levels(t)).map(|e| (t, e)))
            .collect()
    }

    #[test]
    fn quiet_room_has_no_speaker() {
        let mut d = SpeakerDetector::new(SpeakerConfig::default());
        let events = run(&mut d, 500, 0, |t| {
            vec![(1, QUIET), (2, 127), (3, QUIET + (t % 7) as u8)]
        });
        assert!(events.is_empty());
        assert_eq!(d.speaker(), None);
    }

    #[test]
    fn first_speaker_after_the_hold_time() {
        let mut d = SpeakerDetector::new(SpeakerConfig::default());
        let events = run(&mut d, 200, 0, |_| vec![(1, QUIET), (2, TALK)]);
        assert_eq!(events, [(74, SpeakerEvent::SpeakerChanged(2))]);
    }

    #[test]
    fn flapping_does_not_move_the_floor() {
        let mut d = SpeakerDetector::new(SpeakerConfig::default());
        // Two people trading half-second bursts: nobody leads for 1.5 s.
        let trade = |t: u32| {
            let a_talks = t % 50 < 25;
            let (a, b) = if a_talks { (TALK, 127) } else { (127, TALK) };
            vec![(1, a), (2, b), (3, 127)]
        };
        assert!(run(&mut d, 1000, 0, trade).is_empty());

        // With 1 established, the same trading never steals its floor, nor
        // do short bursts of 3 or a single loud click.
        let mut d = SpeakerDetector::new(SpeakerConfig::default());
        let events = run(&mut d, 100, 0, |_| vec![(1, TALK), (2, 127), (3, 127)]);
        assert_eq!(events.len(), 1);
        let events = run(&mut d, 1000, 100, |t| {
            let mut l = trade(t);
            l[2].1 = match t % 100 {
                0 => 0,
                10..=30 => 10,
                _ => 127,
            };
            l
        });
        assert!(events.is_empty(), "{events:?}");
        assert_eq!(d.speaker(), Some(1));
    }

    #[test]
    fn silence_never_steals_the_floor() {
        let mut d = SpeakerDetector::new(SpeakerConfig::default());
        run(&mut d, 100, 0, |_| vec![(1, TALK), (2, QUIET)]);
        assert_eq!(d.speaker(), Some(1));
        assert!(run(&mut d, 1000, 100, |_| vec![(1, 127), (2, QUIET)]).is_empty());
        assert_eq!(d.speaker(), Some(1));
    }

    #[test]
    fn handover_needs_the_margin_and_the_hold() {
        let mut d = SpeakerDetector::new(SpeakerConfig::default());
        run(&mut d, 100, 0, |_| vec![(1, TALK), (2, QUIET)]);
        // 2 talks over 1, only 3 dB louder: not enough.
        assert!(run(&mut d, 500, 100, |_| vec![(1, TALK), (2, TALK - 3)]).is_empty());
        // 1 stops, 2 goes on: 2 takes over once 1's level has fallen below
        // 2's by the margin and 2 has led for the hold time.
        let events = run(&mut d, 500, 600, |_| vec![(1, 127), (2, TALK)]);
        let [(t, e)] = events[..] else {
            panic!("{events:?}")
        };
        assert_eq!(e, SpeakerEvent::SpeakerChanged(2));
        assert!((600 + 70..600 + 100).contains(&t), "handover at tick {t}");
        // And back, once.
        let events = run(&mut d, 500, 1100, |_| vec![(1, TALK), (2, 127)]);
        assert_eq!(events.len(), 1);
        assert_eq!(d.speaker(), Some(1));
    }

    #[test]
    fn speaker_leaving_frees_the_floor() {
        let mut d = SpeakerDetector::new(SpeakerConfig::default());
        run(&mut d, 100, 0, |_| vec![(1, TALK), (2, QUIET)]);
        assert_eq!(d.update([(2, QUIET)]), None);
        assert_eq!(d.speaker(), None);
        // 2's level has to climb from QUIET past the threshold first.
        let events = run(&mut d, 100, 0, |_| vec![(2, TALK)]);
        assert!(
            matches!(events[..], [(74..=85, SpeakerEvent::SpeakerChanged(2))]),
            "{events:?}"
        );
    }
}
