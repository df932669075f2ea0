//! The encoder bit rate following the receivers' congestion estimates,
//! sans-IO.
//!
//! A receiver's limit (REMB from a browser, given by the relay or read from
//! RTCP; TMMBR from a room system) is clamped between [`MIN_BITRATE_KBPS`]
//! and what the receiver negotiated; an encoder shared by several receivers
//! takes the lowest of them. Estimates move constantly (a browser sends a
//! REMB about every second, each a little different) and every encoder
//! reconfiguration disturbs its rate control for a moment, so a change is
//! applied at most once per [`MIN_CHANGE_INTERVAL`] and only if it moves the
//! rate by at least a tenth ([`MIN_CHANGE_FRACTION`]), except a move to
//! either bound: a lifted limit must bring back the full negotiated rate,
//! not stay a few percent under it for good.

//!
//! An encoder shared by several receivers would follow the lowest of them,
//! so one browser on a poor link would lower the picture of a whole "same
//! picture" room. A receiver whose target falls under half of what it
//! negotiated is therefore *constrained* ([`constrained`]) and gets an
//! output apart from the unconstrained receivers of the same picture; the
//! constrained share theirs at their lowest. At most two encoders per
//! picture, and a receiver flips back only above 70 %, so an estimate
//! hovering near the line does not move it to and fro.

use std::time::{Duration, Instant};

/// Never below this, whatever the estimate says: less does not carry a
/// composed picture, and an estimate that low soon comes back up.
pub const MIN_BITRATE_KBPS: u32 = 150;
/// The least time between two reconfigurations of one encoder.
pub const MIN_CHANGE_INTERVAL: Duration = Duration::from_secs(1);
/// Changes smaller than 1/10 of the current rate are ignored.
pub const MIN_CHANGE_FRACTION: u32 = 10;

/// What one receiver may get: its limit within the floor and its
/// negotiated maximum (a receiver that negotiated less than the floor gets
/// what it negotiated).
pub fn receiver_target(negotiated_kbps: u32, limit_kbps: Option<u32>) -> u32 {
    let floor = MIN_BITRATE_KBPS.min(negotiated_kbps);
    limit_kbps
        .unwrap_or(negotiated_kbps)
        .clamp(floor, negotiated_kbps)
}

/// Under this fraction (percent) of its negotiated rate a receiver becomes
/// constrained; above [`RELEASE_PERCENT`] it is not any more.
pub const CONSTRAIN_PERCENT: u64 = 50;
pub const RELEASE_PERCENT: u64 = 70;

/// Whether a receiver, constrained before or not (`was`), is constrained
/// now.
pub fn constrained(was: bool, negotiated_kbps: u32, limit_kbps: Option<u32>) -> bool {
    let target = u64::from(receiver_target(negotiated_kbps, limit_kbps));
    let line = if was {
        RELEASE_PERCENT
    } else {
        CONSTRAIN_PERCENT
    };
    target * 100 < u64::from(negotiated_kbps) * line
}

/// One encoder's bit rate over time.
#[derive(Debug, Clone)]
pub struct BitrateControl {
    current_kbps: u32,
    last_change: Option<Instant>,
    changes: u64,
}

impl BitrateControl {
    /// An encoder started at `initial_kbps` (its negotiated rate). The
    /// first change is not held back: a receiver whose estimate is known
    /// gets it from its first second.
    pub fn new(initial_kbps: u32) -> Self {
        Self {
            current_kbps: initial_kbps,
            last_change: None,
            changes: 0,
        }
    }

    pub fn current_kbps(&self) -> u32 {
        self.current_kbps
    }

    /// Reconfigurations so far.
    pub fn changes(&self) -> u64 {
        self.changes
    }

    /// `targets`: [`receiver_target`] of each receiver of the encoder;
    /// `ceiling`: the encoder's negotiated rate. The rate to set now, if it
    /// should change.
    pub fn update(
        &mut self,
        now: Instant,
        ceiling: u32,
        targets: impl IntoIterator<Item = u32>,
    ) -> Option<u32> {
        let want = targets.into_iter().min()?;
        if want == self.current_kbps {
            return None;
        }
        if self
            .last_change
            .is_some_and(|t| now.saturating_duration_since(t) < MIN_CHANGE_INTERVAL)
        {
            return None;
        }
        let step = want.abs_diff(self.current_kbps);
        let bound = want == ceiling || want == MIN_BITRATE_KBPS.min(ceiling);
        if !bound && u64::from(step) * u64::from(MIN_CHANGE_FRACTION) < u64::from(self.current_kbps)
        {
            return None;
        }
        self.current_kbps = want;
        self.last_change = Some(now);
        self.changes += 1;
        Some(want)
    }

    /// The encoder refused the change: try again at the next update.
    pub fn refused(&mut self, previous_kbps: u32) {
        self.current_kbps = previous_kbps;
        self.last_change = None;
        self.changes = self.changes.saturating_sub(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_receiver_target_stays_between_the_floor_and_what_it_negotiated() {
        assert_eq!(receiver_target(1024, None), 1024);
        assert_eq!(receiver_target(1024, Some(500)), 500);
        assert_eq!(receiver_target(1024, Some(5000)), 1024);
        assert_eq!(receiver_target(1024, Some(20)), MIN_BITRATE_KBPS);
        assert_eq!(receiver_target(1024, Some(0)), MIN_BITRATE_KBPS);
        // Negotiated below the floor: that is the most and the least.
        assert_eq!(receiver_target(64, Some(20)), 64);
        assert_eq!(receiver_target(64, Some(500)), 64);
    }

    #[test]
    fn at_most_one_change_a_second_and_none_under_a_tenth() {
        let t0 = Instant::now();
        let ms = |n| t0 + Duration::from_millis(n);
        let mut c = BitrateControl::new(1000);
        // Nothing asked, or the same: nothing to do.
        assert_eq!(c.update(t0, 1000, []), None);
        assert_eq!(c.update(t0, 1000, [1000]), None);
        // The first change goes at once.
        assert_eq!(c.update(t0, 1000, [600]), Some(600));
        // Within the second: held, however large.
        assert_eq!(c.update(ms(500), 1000, [200]), None);
        assert_eq!(c.current_kbps(), 600);
        // Then applied.
        assert_eq!(c.update(ms(1000), 1000, [200]), Some(200));
        // Under 10 % of the current rate: ignored, even much later.
        assert_eq!(c.update(ms(5000), 1000, [219]), None);
        assert_eq!(c.update(ms(5000), 1000, [181]), None);
        assert_eq!(c.update(ms(5000), 1000, [220]), Some(220));
        assert_eq!(c.changes(), 3);
        // Back to either bound, however small the step.
        let mut c = BitrateControl::new(1000);
        assert_eq!(c.update(t0, 1000, [950]), None);
        assert_eq!(c.update(t0, 1000, [900]), Some(900));
        assert_eq!(c.update(ms(1000), 1000, [1000]), Some(1000));
        let mut c = BitrateControl::new(160);
        assert_eq!(
            c.update(t0, 1000, [MIN_BITRATE_KBPS]),
            Some(MIN_BITRATE_KBPS)
        );
    }

    #[test]
    fn a_shared_encoder_follows_its_lowest_receiver() {
        let t0 = Instant::now();
        let mut c = BitrateControl::new(1024);
        let targets = [
            receiver_target(1024, None),
            receiver_target(1024, Some(400)),
            receiver_target(768, Some(900)),
        ];
        assert_eq!(c.update(t0, 1024, targets), Some(400));
        // The constrained receiver leaves: back up to the next lowest.
        let later = t0 + MIN_CHANGE_INTERVAL;
        assert_eq!(c.update(later, 1024, [1024, 768]), Some(768));
    }

    #[test]
    fn constrained_receivers_with_hysteresis() {
        assert!(!constrained(false, 1000, None));
        assert!(!constrained(false, 1000, Some(600)));
        assert!(constrained(false, 1000, Some(450)));
        // Once constrained, it takes more than 70 % to be released.
        assert!(constrained(true, 1000, Some(600)));
        assert!(!constrained(true, 1000, Some(710)));
        assert!(!constrained(true, 1000, None));
        // A receiver that negotiated no more than the floor never is.
        assert!(!constrained(false, 150, Some(10)));
    }

    #[test]
    fn a_refused_change_is_retried() {
        let t0 = Instant::now();
        let mut c = BitrateControl::new(1000);
        assert_eq!(c.update(t0, 1000, [500]), Some(500));
        c.refused(1000);
        assert_eq!(c.current_kbps(), 1000);
        assert_eq!(c.update(t0, 1000, [500]), Some(500));
        assert_eq!(c.changes(), 1);
    }
}
