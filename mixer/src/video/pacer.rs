//! When an encoder sends keyframes, sans-IO. A keyframe is owed when the
//! picture changes, a receiver joins or one asks (PLI, FIR, INFO); it goes
//! out with the next frame, but never sooner than [`MIN_INTERVAL`] after
//! the last one: a burst of joins or a receiver that asks on every packet
//! lost would otherwise turn the stream into keyframes only. A receiver
//! that joins also gets two more a little later, because some room systems
//! drop the first ones while their decoder starts.

use std::time::{Duration, Instant};

/// The least time between two forced keyframes of one encoder.
pub const MIN_INTERVAL: Duration = Duration::from_millis(500);
/// After a receiver joins: keyframes again this long after.
pub const EARLY_REPEATS: [Duration; 2] = [Duration::from_secs(1), Duration::from_secs(3)];

#[derive(Debug, Clone, Default)]
pub struct KeyframePacer {
    owed: bool,
    last: Option<Instant>,
    scheduled: Vec<Instant>,
}

impl KeyframePacer {
    /// A new encoder starts with a keyframe anyway; nothing is owed.
    pub fn new() -> KeyframePacer {
        KeyframePacer::default()
    }

    /// The picture changed or a receiver asked.
    pub fn owe(&mut self) {
        self.owed = true;
    }

    /// A receiver starts getting this encoder's stream at `now`.
    pub fn receiver_joined(&mut self, now: Instant) {
        self.owed = true;
        self.scheduled
            .extend(EARLY_REPEATS.iter().map(|d| now + *d));
    }

    /// Whether to force a keyframe with the frame encoded at `now`.
    pub fn due(&mut self, now: Instant) -> bool {
        let before = self.scheduled.len();
        self.scheduled.retain(|t| *t > now);
        if self.scheduled.len() != before {
            self.owed = true;
        }
        let rested = self
            .last
            .is_none_or(|t| now.saturating_duration_since(t) >= MIN_INTERVAL);
        if !(self.owed && rested) {
            return false;
        }
        self.owed = false;
        self.last = Some(now);
        true
    }

    /// The encoder refused the request: try again with the next frame.
    pub fn refused(&mut self) {
        self.owed = true;
        self.last = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(t0: Instant, n: u64) -> Instant {
        t0 + Duration::from_millis(n)
    }

    #[test]
    fn requests_are_paced() {
        let t0 = Instant::now();
        let mut p = KeyframePacer::new();
        assert!(!p.due(t0), "nothing owed");
        p.owe();
        assert!(p.due(t0));
        // Asked again at once, and again: one more, once rested.
        p.owe();
        assert!(!p.due(ms(t0, 100)));
        p.owe();
        assert!(!p.due(ms(t0, 400)));
        assert!(p.due(ms(t0, 500)));
        assert!(!p.due(ms(t0, 2000)));
    }

    #[test]
    fn a_joining_receiver_gets_two_more_early_keyframes() {
        let t0 = Instant::now();
        let mut p = KeyframePacer::new();
        p.receiver_joined(t0);
        let sent: Vec<u64> = (0..200)
            .map(|i| i * 33)
            .filter(|&t| p.due(ms(t0, t)))
            .collect();
        assert_eq!(sent.len(), 3, "{sent:?}");
        assert_eq!(sent[0], 0);
        assert!((1000..1100).contains(&sent[1]), "{sent:?}");
        assert!((3000..3100).contains(&sent[2]), "{sent:?}");
    }

    #[test]
    fn a_refused_request_is_retried_with_the_next_frame() {
        let t0 = Instant::now();
        let mut p = KeyframePacer::new();
        p.owe();
        assert!(p.due(t0));
        p.refused();
        assert!(p.due(ms(t0, 33)));
    }
}
