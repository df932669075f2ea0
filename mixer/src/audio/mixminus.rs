//! Mix-minus, sans-IO: every participant hears the sum of everyone else.
//!
//! Participants [`push`](MixMinus::push) decoded 20 ms frames whenever they
//! arrive; the room's clock calls [`mix`](MixMinus::mix) every 20 ms. Each
//! tick takes at most one frame from each participant's queue, sums all of
//! them once in `i32`, and gives each receiver `full − own`, saturated to
//! `i16`: N additions and N subtractions per sample instead of N mixes of
//! N − 1 inputs. The subtraction is exact because it happens before
//! saturation, so a participant never hears a trace of itself.
//!
//! A receiver may also have participants left out of its mix (a bridge to
//! another platform must not hear back what it published there): its
//! output is `full − own − excluded`, one more subtraction per excluded
//! participant for that receiver alone, still before saturation.
//!
//! The queues absorb network jitter but are bounded: a participant with no
//! frame this tick contributes silence (it is late; we do not wait for it),
//! and one whose queue grows past [`MAX_QUEUED_FRAMES`] (its clock runs
//! fast, or a burst arrived) loses its oldest frames, so what it says never
//! reaches the room more than that much late. A queue that never ran
//! below two frames for a whole second ([`TRIM_WINDOW_TICKS`]) holds a
//! standing delay (a burst that arrived once and never drained, as input
//! and output run at the same rate): its oldest frame is dropped, a frame
//! a second, until frames are mixed at the first tick after they arrive.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use super::{Frame, FRAME_SAMPLES, SILENCE};
use crate::{MixerError, ParticipantId};

/// Frames a participant may have waiting: 60 ms.
pub const MAX_QUEUED_FRAMES: usize = 3;
/// Ticks over which a standing queue is measured: one second.
pub const TRIM_WINDOW_TICKS: u32 = 50;

/// Counters of one participant's input, for statistics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct InputStats {
    /// Ticks at which the participant had no frame (it contributed silence).
    pub late: u64,
    /// Frames dropped because the queue was full.
    pub dropped: u64,
    /// Frames mixed.
    pub mixed: u64,
    /// Frames dropped to shorten a standing queue.
    pub trimmed: u64,
}

struct Slot {
    queue: VecDeque<Frame>,
    muted: bool,
    /// What the participant put in this tick's mix (silence if muted/late).
    contribution: Frame,
    /// What it hears this tick.
    output: Frame,
    stats: InputStats,
    /// Participants this one does not hear (never itself; may name
    /// participants not in the room yet).
    excluded: Vec<ParticipantId>,
    /// The smallest queue seen at a tick in this window, and the window's
    /// ticks so far.
    window_min: usize,
    window_ticks: u32,
}

impl Slot {
    fn new() -> Self {
        Self {
            queue: VecDeque::with_capacity(MAX_QUEUED_FRAMES + 1),
            muted: false,
            contribution: SILENCE,
            output: SILENCE,
            stats: InputStats::default(),
            excluded: Vec::new(),
            window_min: usize::MAX,
            window_ticks: 0,
        }
    }
}

/// The mix-minus of one room.
pub struct MixMinus {
    // BTreeMap: a stable order of outputs, which keeps tests and logs
    // deterministic.
    slots: BTreeMap<ParticipantId, Slot>,
    full: Box<[i32; FRAME_SAMPLES]>,
    /// Receivers with exclusions: they take the slow path.
    excluding: BTreeSet<ParticipantId>,
    /// The slow path's sum.
    scratch: Box<[i32; FRAME_SAMPLES]>,
}

impl Default for MixMinus {
    fn default() -> Self {
        Self::new()
    }
}

impl MixMinus {
    pub fn new() -> Self {
        Self {
            slots: BTreeMap::new(),
            full: Box::new([0; FRAME_SAMPLES]),
            excluding: BTreeSet::new(),
            scratch: Box::new([0; FRAME_SAMPLES]),
        }
    }

    /// Add a participant; it is mixed from the next tick.
    pub fn join(&mut self, id: ParticipantId) -> Result<(), MixerError> {
        if self.slots.contains_key(&id) {
            return Err(MixerError::ParticipantExists(id));
        }
        self.slots.insert(id, Slot::new());
        Ok(())
    }

    /// Remove a participant and whatever it had queued.
    pub fn leave(&mut self, id: ParticipantId) -> Result<(), MixerError> {
        self.excluding.remove(&id);
        self.slots
            .remove(&id)
            .map(|_| ())
            .ok_or(MixerError::NoSuchParticipant(id))
    }

    /// A muted participant contributes nothing but still hears the room.
    pub fn set_muted(&mut self, id: ParticipantId, muted: bool) -> Result<(), MixerError> {
        self.slot(id)?.muted = muted;
        Ok(())
    }

    /// The participants `id` does not hear from now on (replacing any
    /// earlier list). Ids not in the room are kept: they apply when those
    /// participants join.
    pub fn set_excluded(
        &mut self,
        id: ParticipantId,
        mut excluded: Vec<ParticipantId>,
    ) -> Result<(), MixerError> {
        excluded.sort_unstable();
        excluded.dedup();
        excluded.retain(|&p| p != id);
        let slot = self.slot(id)?;
        let any = !excluded.is_empty();
        slot.excluded = excluded;
        if any {
            self.excluding.insert(id);
        } else {
            self.excluding.remove(&id);
        }
        Ok(())
    }

    /// Queue a decoded frame of the participant. Returns whether an older
    /// frame had to be dropped to keep the queue within bounds.
    pub fn push(&mut self, id: ParticipantId, frame: &Frame) -> Result<bool, MixerError> {
        let slot = self.slot(id)?;
        let mut dropped = false;
        while slot.queue.len() >= MAX_QUEUED_FRAMES {
            slot.queue.pop_front();
            slot.stats.dropped += 1;
            dropped = true;
        }
        slot.queue.push_back(*frame);
        Ok(dropped)
    }

    pub fn participants(&self) -> impl Iterator<Item = ParticipantId> + '_ {
        self.slots.keys().copied()
    }

    pub fn stats(&self, id: ParticipantId) -> Option<InputStats> {
        self.slots.get(&id).map(|s| s.stats)
    }

    /// Frames the participant has waiting.
    pub fn queued(&self, id: ParticipantId) -> Option<usize> {
        self.slots.get(&id).map(|s| s.queue.len())
    }

    /// What the participant put in the last tick's mix (silence when it was
    /// muted or late): the input of the level meter and speaker detector.
    pub fn contribution(&self, id: ParticipantId) -> Option<&Frame> {
        self.slots.get(&id).map(|s| &s.contribution)
    }

    /// One 20 ms tick: what each participant hears, in participant order.
    pub fn mix(&mut self) -> impl Iterator<Item = (ParticipantId, &Frame)> + '_ {
        self.full.fill(0);
        for slot in self.slots.values_mut() {
            slot.window_min = slot.window_min.min(slot.queue.len());
            slot.window_ticks += 1;
            if slot.window_ticks >= TRIM_WINDOW_TICKS {
                if slot.window_min >= 2 {
                    slot.queue.pop_front();
                    slot.stats.trimmed += 1;
                }
                slot.window_ticks = 0;
                slot.window_min = usize::MAX;
            }
            // A muted participant's queue still drains, so that unmuting
            // does not replay stale audio.
            match slot.queue.pop_front() {
                Some(frame) => {
                    slot.stats.mixed += 1;
                    slot.contribution = if slot.muted { SILENCE } else { frame };
                }
                None => {
                    slot.stats.late += 1;
                    slot.contribution = SILENCE;
                }
            }
            for (sum, &s) in self.full.iter_mut().zip(slot.contribution.iter()) {
                *sum += i32::from(s);
            }
        }
        let clamp = |v: i32| v.clamp(i32::from(i16::MIN), i32::from(i16::MAX)) as i16;
        for (id, slot) in self.slots.iter_mut() {
            if self.excluding.contains(id) {
                continue;
            }
            for ((out, &sum), &own) in slot
                .output
                .iter_mut()
                .zip(self.full.iter())
                .zip(slot.contribution.iter())
            {
                *out = clamp(sum - i32::from(own));
            }
        }
        let Self {
            slots,
            full,
            excluding,
            scratch,
        } = self;
        for id in excluding.iter() {
            let Some(slot) = slots.get(id) else { continue };
            for ((acc, &sum), &own) in scratch
                .iter_mut()
                .zip(full.iter())
                .zip(slot.contribution.iter())
            {
                *acc = sum - i32::from(own);
            }
            for other in &slot.excluded {
                // Absent, late or muted: it put silence in, nothing to take out.
                let Some(o) = slots.get(other) else { continue };
                if o.contribution == SILENCE {
                    continue;
                }
                for (acc, &s) in scratch.iter_mut().zip(o.contribution.iter()) {
                    *acc -= i32::from(s);
                }
            }
            if let Some(slot) = slots.get_mut(id) {
                for (out, &v) in slot.output.iter_mut().zip(scratch.iter()) {
                    *out = clamp(v);
                }
            }
        }
        self.slots.iter().map(|(id, s)| (*id, &s.output))
    }

    fn slot(&mut self, id: ParticipantId) -> Result<&mut Slot, MixerError> {
        self.slots
            .get_mut(&id)
            .ok_or(MixerError::NoSuchParticipant(id))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::audio::testutil::{concat, tone_amplitude, tone_frame};

    const TONES: [(ParticipantId, f64); 3] = [(1, 440.0), (2, 660.0), (3, 880.0)];

    fn tick(m: &mut MixMinus) -> BTreeMap<ParticipantId, Frame> {
        m.mix().map(|(id, f)| (id, *f)).collect()
    }

    #[test]
    fn a_standing_queue_is_trimmed() {
        let mut m = MixMinus::new();
        m.join(1).unwrap();
        // A burst once: three frames waiting, then one in per tick.
        for _ in 0..3 {
            m.push(1, &SILENCE).unwrap();
        }
        let mut depths = Vec::new();
        for _ in 0..(3 * TRIM_WINDOW_TICKS) {
            m.push(1, &SILENCE).unwrap();
            let _ = tick(&mut m);
            depths.push(m.queued(1).unwrap());
        }
        let stats = m.stats(1).unwrap();
        assert_eq!(stats.dropped, 1, "the bound took one");
        // One frame a second until each frame is mixed at the tick after
        // it arrived: nothing left waiting after the tick.
        assert_eq!(stats.trimmed, 2, "{stats:?}");
        assert_eq!(depths.last(), Some(&0), "{depths:?}");
        // Jitter alone (a frame late, then two at once) is left alone.
        let mut m = MixMinus::new();
        m.join(1).unwrap();
        for i in 0..(3 * TRIM_WINDOW_TICKS) {
            let pushes = match i % 10 {
                5 => 0,
                6 => 2,
                _ => 1,
            };
            for _ in 0..pushes {
                m.push(1, &SILENCE).unwrap();
            }
            let _ = tick(&mut m);
        }
        let stats = m.stats(1).unwrap();
        assert_eq!((stats.trimmed, stats.dropped), (0, 0), "{stats:?}");
    }

    #[test]
    fn each_hears_the_others_and_not_itself() {
        let mut m = MixMinus::new();
        for (id, _) in TONES {
            m.join(id).unwrap();
        }
        let mut heard: BTreeMap<ParticipantId, Vec<Frame>> = BTreeMap::new();
        for i in 0..10 {
            for (id, f) in TONES {
                m.push(id, &tone_frame(f, 8000.0, i)).unwrap();
            }
            for (id, frame) in tick(&mut m) {
                heard.entry(id).or_default().push(frame);
            }
        }
        for (id, own) in TONES {
            let samples = concat(&heard[&id]);
            for (other, f) in TONES {
                let a = tone_amplitude(&samples, f);
                if other == id {
                    assert!(a < 1.0, "{id} hears itself ({own} Hz): {a}");
                } else {
                    assert!((a - 8000.0).abs() < 400.0, "{id} hears {f} Hz at {a}");
                }
            }
        }
    }

    #[test]
    fn saturates_instead_of_wrapping() {
        let mut m = MixMinus::new();
        for id in 1..=3 {
            m.join(id).unwrap();
            m.push(id, &[30_000; FRAME_SAMPLES]).unwrap();
        }
        m.join(4).unwrap();
        m.push(4, &[-30_000; FRAME_SAMPLES]).unwrap();
        let out = tick(&mut m);
        // 1 hears 2 + 3 − 4 = 30000: in range, exact.
        assert!(out[&1].iter().all(|&s| s == 30_000));
        // 4 hears 90000: clipped at the top, not wrapped negative.
        assert!(out[&4].iter().all(|&s| s == i16::MAX));
        m.push(1, &[i16::MIN; FRAME_SAMPLES]).unwrap();
        m.push(2, &[i16::MIN; FRAME_SAMPLES]).unwrap();
        assert!(tick(&mut m)[&3].iter().all(|&s| s == i16::MIN));
    }

    #[test]
    fn late_participant_is_silence_and_early_one_is_bounded() {
        let mut m = MixMinus::new();
        m.join(1).unwrap();
        m.join(2).unwrap();
        // 1 is late: 2 hears silence, and 1 is counted late.
        m.push(2, &[100; FRAME_SAMPLES]).unwrap();
        let out = tick(&mut m);
        assert_eq!(out[&2], SILENCE);
        assert_eq!(out[&1], [100; FRAME_SAMPLES]);
        assert_eq!(m.stats(1).unwrap().late, 1);

        // 1 sends a burst of five frames: only the newest three stay.
        let mut dropped = 0;
        for v in 1..=5 {
            dropped += usize::from(m.push(1, &[v; FRAME_SAMPLES]).unwrap());
        }
        assert_eq!((dropped, m.queued(1)), (2, Some(MAX_QUEUED_FRAMES)));
        assert_eq!(m.stats(1).unwrap().dropped, 2);
        for v in 3..=5 {
            assert_eq!(tick(&mut m)[&2], [v; FRAME_SAMPLES]);
        }
        // Drained: silence again, not a repeat of the last frame.
        assert_eq!(tick(&mut m)[&2], SILENCE);
        assert_eq!(m.stats(1).unwrap().mixed, 3);
    }

    #[test]
    fn join_and_leave_between_ticks() {
        let mut m = MixMinus::new();
        m.join(1).unwrap();
        assert!(matches!(m.join(1), Err(MixerError::ParticipantExists(1))));
        m.push(1, &[10; FRAME_SAMPLES]).unwrap();
        let out = tick(&mut m);
        assert_eq!(out.len(), 1);
        assert_eq!(out[&1], SILENCE, "alone: hears nobody");

        m.join(2).unwrap();
        m.push(1, &[10; FRAME_SAMPLES]).unwrap();
        m.push(2, &[20; FRAME_SAMPLES]).unwrap();
        let out = tick(&mut m);
        assert_eq!((out[&1][0], out[&2][0]), (20, 10));

        // 2 leaves with a frame queued: it is gone from the next mix.
        m.push(2, &[20; FRAME_SAMPLES]).unwrap();
        m.leave(2).unwrap();
        assert!(matches!(m.leave(2), Err(MixerError::NoSuchParticipant(2))));
        assert!(matches!(
            m.push(2, &SILENCE),
            Err(MixerError::NoSuchParticipant(2))
        ));
        m.push(1, &[10; FRAME_SAMPLES]).unwrap();
        let out = tick(&mut m);
        assert_eq!(out.keys().copied().collect::<Vec<_>>(), [1]);
        assert_eq!(out[&1], SILENCE);
    }

    #[test]
    fn muted_participant_still_hears() {
        let mut m = MixMinus::new();
        for id in 1..=3 {
            m.join(id).unwrap();
        }
        m.set_muted(2, true).unwrap();
        m.push(1, &[1; FRAME_SAMPLES]).unwrap();
        m.push(2, &[2; FRAME_SAMPLES]).unwrap();
        m.push(3, &[4; FRAME_SAMPLES]).unwrap();
        let out = tick(&mut m);
        assert_eq!((out[&1][0], out[&2][0], out[&3][0]), (4, 5, 1));
        assert_eq!(m.contribution(2), Some(&SILENCE));
        // Its frame was consumed, not kept for after the unmute.
        assert_eq!(m.queued(2), Some(0));
        m.set_muted(2, false).unwrap();
        m.push(2, &[2; FRAME_SAMPLES]).unwrap();
        assert_eq!(tick(&mut m)[&1][0], 2);
    }
    #[test]
    fn excluded_participants_are_left_out_of_that_receivers_mix() {
        let mut m = MixMinus::new();
        for id in 1..=4 {
            m.join(id).unwrap();
        }
        // 1 does not hear 2 (nor itself, listed or not); 9 is not here yet.
        m.set_excluded(1, vec![2, 1, 2, 9]).unwrap();
        let push_all = |m: &mut MixMinus| {
            for (id, v) in [(1, 1), (2, 2), (3, 4), (4, 8)] {
                m.push(id, &[v; FRAME_SAMPLES]).unwrap();
            }
        };
        push_all(&mut m);
        let out = tick(&mut m);
        assert_eq!(
            (out[&1][0], out[&2][0], out[&3][0], out[&4][0]),
            (12, 13, 11, 7)
        );
        // 9 joins and talks: 1 does not hear it either; the others do.
        m.join(9).unwrap();
        push_all(&mut m);
        m.push(9, &[16; FRAME_SAMPLES]).unwrap();
        let out = tick(&mut m);
        assert_eq!((out[&1][0], out[&3][0], out[&9][0]), (12, 27, 15));
        // An excluded participant that is muted or late is not taken out
        // twice.
        m.set_muted(2, true).unwrap();
        push_all(&mut m);
        assert_eq!(tick(&mut m)[&1][0], 12);
        m.set_muted(2, false).unwrap();
        m.push(3, &[4; FRAME_SAMPLES]).unwrap();
        assert_eq!(tick(&mut m)[&1][0], 4);
        // Cleared: 1 hears everyone again.
        m.set_excluded(1, vec![]).unwrap();
        push_all(&mut m);
        m.push(9, &[16; FRAME_SAMPLES]).unwrap();
        assert_eq!(tick(&mut m)[&1][0], 30);
        assert!(matches!(
            m.set_excluded(5, vec![1]),
            Err(MixerError::NoSuchParticipant(5))
        ));
    }

    #[test]
    fn exclusions_are_exact_before_saturation() {
        let mut m = MixMinus::new();
        for id in 1..=4 {
            m.join(id).unwrap();
        }
        // 1 and 2 loud, 3 excludes both: it hears 4 alone, exactly, although
        // the room's sum is far beyond i16.
        m.set_excluded(3, vec![1, 2]).unwrap();
        m.push(1, &[30_000; FRAME_SAMPLES]).unwrap();
        m.push(2, &[30_000; FRAME_SAMPLES]).unwrap();
        m.push(4, &[-123; FRAME_SAMPLES]).unwrap();
        let out = tick(&mut m);
        assert!(out[&3].iter().all(|&s| s == -123));
        assert!(out[&4].iter().all(|&s| s == i16::MAX));
        // Tones: 3 hears 4's tone and no trace of 1's or 2's.
        let mut heard = Vec::new();
        for i in 0..10 {
            for (id, f) in TONES {
                m.push(id, &tone_frame(f, 8000.0, i)).unwrap();
            }
            m.push(4, &tone_frame(1100.0, 8000.0, i)).unwrap();
            heard.push(tick(&mut m)[&3]);
        }
        let samples = concat(&heard);
        assert!(tone_amplitude(&samples, 440.0) < 1.0);
        assert!(tone_amplitude(&samples, 660.0) < 1.0);
        assert!(tone_amplitude(&samples, 880.0) < 1.0);
        assert!((tone_amplitude(&samples, 1100.0) - 8000.0).abs() < 400.0);
    }
}
