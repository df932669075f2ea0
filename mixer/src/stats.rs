//! RFC 3550 receiver statistics for one incoming stream, sans-IO: the caller
//! passes the parsed header fields and the arrival time.
//!
//! - Appendix A.1: sequence number validation (probation, resync after a
//!   large jump, wrap-around cycles) giving the extended highest sequence
//!   number, the expected and the lost count;
//! - Appendix A.3: fraction lost per report interval;
//! - Appendix A.8: interarrival jitter;
//! - plus totals and a sliding-window bitrate.
//!
//! A new SSRC starts a new source (the sender restarted); the loss of the
//! old one is kept in the totals.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

const RTP_SEQ_MOD: u32 = 1 << 16;
/// Packets in sequence before a new source is valid.
pub const MIN_SEQUENTIAL: u16 = 2;
/// Forward jumps below this are losses; larger ones need confirmation.
pub const MAX_DROPOUT: u16 = 3000;
/// Backward jumps up to this are late or duplicate packets.
pub const MAX_MISORDER: u16 = 100;

/// How a packet fitted in the sequence of its source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeqVerdict {
    /// Counted (in order, after a gap, late, or duplicate).
    Valid,
    /// The source is not yet validated (first packets, or out of sequence
    /// while on probation).
    Probation,
    /// A very large jump: not counted until the next packet confirms it, at
    /// which point the sequence state restarts (sender reset its counter).
    Jump,
}

/// Appendix A.1 state of one source.
#[derive(Debug, Clone)]
struct SeqState {
    max_seq: u16,
    /// Wrap count times 2^16.
    cycles: u64,
    base_seq: u64,
    /// Sequence number that confirms a jump; 2^16 + 1 means "none".
    bad_seq: u32,
    probation: u16,
    received: u64,
    expected_prior: u64,
    received_prior: u64,
}

impl SeqState {
    fn new(seq: u16) -> Self {
        let mut s = Self {
            max_seq: 0,
            cycles: 0,
            base_seq: 0,
            bad_seq: 0,
            probation: 0,
            received: 0,
            expected_prior: 0,
            received_prior: 0,
        };
        s.init(seq);
        s.max_seq = seq.wrapping_sub(1);
        s.probation = MIN_SEQUENTIAL;
        s
    }

    fn init(&mut self, seq: u16) {
        self.base_seq = u64::from(seq);
        self.max_seq = seq;
        self.bad_seq = RTP_SEQ_MOD + 1;
        self.cycles = 0;
        self.received = 0;
        self.received_prior = 0;
        self.expected_prior = 0;
    }

    /// Returns the verdict and whether the counting restarted (the loss
    /// accounted so far was discarded by `init`).
    fn update(&mut self, seq: u16) -> (SeqVerdict, bool) {
        let udelta = seq.wrapping_sub(self.max_seq);
        if self.probation > 0 {
            if seq == self.max_seq.wrapping_add(1) {
                self.probation -= 1;
                self.max_seq = seq;
                if self.probation == 0 {
                    self.init(seq);
                    self.received += 1;
                    return (SeqVerdict::Valid, false);
                }
            } else {
                self.probation = MIN_SEQUENTIAL - 1;
                self.max_seq = seq;
            }
            return (SeqVerdict::Probation, false);
        }
        let mut restarted = false;
        if udelta < MAX_DROPOUT {
            if seq < self.max_seq {
                self.cycles += u64::from(RTP_SEQ_MOD);
            }
            self.max_seq = seq;
        } else if u32::from(udelta) <= RTP_SEQ_MOD - u32::from(MAX_MISORDER) {
            if u32::from(seq) == self.bad_seq {
                // Two sequential packets after the jump: the sender restarted.
                self.init(seq);
                restarted = true;
            } else {
                self.bad_seq = (u32::from(seq) + 1) & (RTP_SEQ_MOD - 1);
                return (SeqVerdict::Jump, false);
            }
        }
        // else: duplicate or late packet, counted but max_seq stays.
        self.received += 1;
        (SeqVerdict::Valid, restarted)
    }

    fn validated(&self) -> bool {
        self.probation == 0
    }

    fn extended_max(&self) -> u64 {
        self.cycles + u64::from(self.max_seq)
    }

    fn expected(&self) -> u64 {
        if !self.validated() {
            return 0;
        }
        (self.extended_max() + 1).saturating_sub(self.base_seq)
    }

    /// Expected minus received: negative with duplicates.
    fn lost_signed(&self) -> i64 {
        to_i64(self.expected()) - to_i64(self.received)
    }
}

fn to_i64(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

/// Appendix A.8 interarrival jitter of one source.
#[derive(Debug, Clone)]
struct JitterState {
    /// Arrival times are measured from here; only differences matter.
    epoch: Instant,
    /// Relative transit time of the previous packet and its clock rate.
    last: Option<(u32, u32)>,
    /// In timestamp units of `clock_rate`.
    jitter: f64,
    clock_rate: u32,
}

impl JitterState {
    fn new(epoch: Instant) -> Self {
        Self {
            epoch,
            last: None,
            jitter: 0.0,
            clock_rate: 0,
        }
    }

    fn update(&mut self, arrival: Instant, timestamp: u32, clock_rate: u32) {
        if clock_rate == 0 {
            return;
        }
        let nanos = arrival.saturating_duration_since(self.epoch).as_nanos();
        // Arrival in timestamp units; RTP arithmetic is modulo 2^32.
        let arrival_ts = (nanos * u128::from(clock_rate) / 1_000_000_000) as u32;
        let transit = arrival_ts.wrapping_sub(timestamp);
        match self.last {
            Some((prev, rate)) if rate == clock_rate => {
                let d = f64::from((transit.wrapping_sub(prev) as i32).unsigned_abs());
                self.jitter += (d - self.jitter) / 16.0;
            }
            // A payload type with another clock: the units changed, so the
            // estimate restarts in the new units.
            Some(_) => self.jitter = 0.0,
            None => {}
        }
        self.last = Some((transit, clock_rate));
        self.clock_rate = clock_rate;
    }

    fn millis(&self) -> f64 {
        if self.clock_rate == 0 {
            0.0
        } else {
            self.jitter * 1000.0 / f64::from(self.clock_rate)
        }
    }
}

#[derive(Debug, Clone)]
struct Source {
    ssrc: u32,
    seq: SeqState,
    jitter: JitterState,
}

/// Header fields of a received RTP packet.
#[derive(Debug, Clone, Copy)]
pub struct PacketInfo {
    pub ssrc: u32,
    pub seq: u16,
    pub timestamp: u32,
    /// RTP clock rate of the packet's payload type.
    pub clock_rate: u32,
    pub payload_bytes: usize,
    pub arrival: Instant,
}

/// What one packet changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PacketOutcome {
    pub verdict: SeqVerdict,
    /// The packet started a new source (first packet or new SSRC).
    pub new_source: bool,
    /// Newly lost packets, for a monotonic counter. Late packets that make
    /// up for earlier losses do not subtract from it.
    pub lost_delta: u64,
}

/// A3 report block figures for the interval since the previous call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct IntervalReport {
    pub expected: u64,
    pub received: u64,
    /// Negative when duplicates outnumber losses.
    pub lost: i64,
    /// Fixed point, lost / expected × 256, as in an RTCP report block.
    pub fraction_lost: u8,
}

/// Receiver statistics of one stream (RFC 3550 §6.4.1 and Appendix A).
#[derive(Debug, Clone)]
pub struct ReceiverStats {
    source: Option<Source>,
    packets: u64,
    bytes: u64,
    /// Loss of earlier sources (SSRC changes, sequence restarts).
    lost_prior: u64,
    /// Highest total loss reported through `lost_delta`.
    lost_high_water: u64,
    ssrc_changes: u64,
    last_packet_at: Option<Instant>,
    last_fraction_lost: u8,
    rate: RateWindow,
}

impl ReceiverStats {
    /// `rate_window`: span of the bitrate average.
    pub fn new(rate_window: Duration) -> Self {
        Self {
            source: None,
            packets: 0,
            bytes: 0,
            lost_prior: 0,
            lost_high_water: 0,
            ssrc_changes: 0,
            last_packet_at: None,
            last_fraction_lost: 0,
            rate: RateWindow::new(rate_window),
        }
    }

    /// Account for one received packet. Every packet counts in the packet,
    /// byte and bitrate totals; the RFC 3550 counters follow A.1.
    pub fn on_packet(&mut self, p: &PacketInfo) -> PacketOutcome {
        self.packets += 1;
        self.bytes += p.payload_bytes as u64;
        self.last_packet_at = Some(p.arrival);
        self.rate.add(p.arrival, p.payload_bytes as u64);

        let mut new_source = false;
        if self.source.as_ref().map(|s| s.ssrc) != Some(p.ssrc) {
            if let Some(old) = self.source.take() {
                self.lost_prior += clamp_lost(old.seq.lost_signed());
                self.ssrc_changes += 1;
            }
            self.source = Some(Source {
                ssrc: p.ssrc,
                seq: SeqState::new(p.seq),
                jitter: JitterState::new(p.arrival),
            });
            new_source = true;
        }
        let mut folded = 0;
        let verdict = match self.source.as_mut() {
            Some(src) => {
                let before = clamp_lost(src.seq.lost_signed());
                let (verdict, restarted) = src.seq.update(p.seq);
                if restarted {
                    folded = before;
                    // The timestamps restarted with the sequence numbers.
                    src.jitter = JitterState::new(p.arrival);
                }
                if verdict == SeqVerdict::Valid {
                    src.jitter.update(p.arrival, p.timestamp, p.clock_rate);
                }
                verdict
            }
            None => SeqVerdict::Probation,
        };
        self.lost_prior += folded;
        let lost = self.lost();
        let lost_delta = lost.saturating_sub(self.lost_high_water);
        self.lost_high_water = self.lost_high_water.max(lost);
        PacketOutcome {
            verdict,
            new_source,
            lost_delta,
        }
    }

    /// Close a report interval (A.3) and start the next one.
    pub fn roll_interval(&mut self) -> IntervalReport {
        let Some(src) = self.source.as_mut() else {
            self.last_fraction_lost = 0;
            return IntervalReport::default();
        };
        let s = &mut src.seq;
        if !s.validated() {
            self.last_fraction_lost = 0;
            return IntervalReport::default();
        }
        let expected = s.expected();
        let expected_interval = expected.saturating_sub(s.expected_prior);
        s.expected_prior = expected;
        let received_interval = s.received.saturating_sub(s.received_prior);
        s.received_prior = s.received;
        let lost = to_i64(expected_interval) - to_i64(received_interval);
        let fraction_lost = if expected_interval == 0 || lost <= 0 {
            0
        } else {
            // lost == expected would be 256: saturate at 255/256.
            ((lost.unsigned_abs() << 8) / expected_interval).min(255) as u8
        };
        self.last_fraction_lost = fraction_lost;
        IntervalReport {
            expected: expected_interval,
            received: received_interval,
            lost,
            fraction_lost,
        }
    }

    /// SSRC of the current source.
    pub fn ssrc(&self) -> Option<u32> {
        self.source.as_ref().map(|s| s.ssrc)
    }

    /// Extended highest sequence number of the current, validated source.
    pub fn extended_highest_seq(&self) -> Option<u64> {
        let s = &self.source.as_ref()?.seq;
        s.validated().then(|| s.extended_max())
    }

    /// Packets expected from the current source (A.3).
    pub fn expected(&self) -> u64 {
        self.source.as_ref().map_or(0, |s| s.seq.expected())
    }

    /// Cumulative number of packets lost, over all sources; never negative.
    pub fn lost(&self) -> u64 {
        self.lost_prior
            + self
                .source
                .as_ref()
                .map_or(0, |s| clamp_lost(s.seq.lost_signed()))
    }

    /// RFC 3550 cumulative lost of the current source, as an RTCP report
    /// block carries it (may be negative with duplicates).
    pub fn cumulative_lost_signed(&self) -> i64 {
        self.source.as_ref().map_or(0, |s| s.seq.lost_signed())
    }

    /// Fraction lost of the last closed interval, 0.0-1.0.
    pub fn fraction_lost(&self) -> f64 {
        f64::from(self.last_fraction_lost) / 256.0
    }

    /// Interarrival jitter in timestamp units of the current source.
    pub fn jitter(&self) -> f64 {
        self.source.as_ref().map_or(0.0, |s| s.jitter.jitter)
    }

    pub fn jitter_ms(&self) -> f64 {
        self.source.as_ref().map_or(0.0, |s| s.jitter.millis())
    }

    /// All packets accounted, including those on probation.
    pub fn packets(&self) -> u64 {
        self.packets
    }

    /// Payload bytes of all packets accounted.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    pub fn last_packet_at(&self) -> Option<Instant> {
        self.last_packet_at
    }

    /// Times the SSRC changed.
    pub fn ssrc_changes(&self) -> u64 {
        self.ssrc_changes
    }

    /// Payload bitrate over the sliding window, in bits per second.
    pub fn bitrate_bps(&self, now: Instant) -> f64 {
        self.rate.bits_per_second(now)
    }
}

fn clamp_lost(lost: i64) -> u64 {
    u64::try_from(lost).unwrap_or(0)
}

/// Bytes per time bucket over a sliding window: constant memory whatever
/// the packet rate.
#[derive(Debug, Clone)]
pub struct RateWindow {
    bucket: Duration,
    buckets: usize,
    epoch: Option<Instant>,
    /// (bucket number since epoch, bytes), oldest first.
    samples: VecDeque<(u64, u64)>,
}

const RATE_BUCKETS: usize = 20;

impl RateWindow {
    pub fn new(window: Duration) -> Self {
        let window = window.max(Duration::from_millis(RATE_BUCKETS as u64));
        Self {
            bucket: window / RATE_BUCKETS as u32,
            buckets: RATE_BUCKETS,
            epoch: None,
            samples: VecDeque::with_capacity(RATE_BUCKETS + 1),
        }
    }

    fn bucket_of(&self, epoch: Instant, t: Instant) -> u64 {
        let n = t.saturating_duration_since(epoch).as_nanos() / self.bucket.as_nanos().max(1);
        u64::try_from(n).unwrap_or(u64::MAX)
    }

    pub fn add(&mut self, now: Instant, bytes: u64) {
        let epoch = *self.epoch.get_or_insert(now);
        let b = self.bucket_of(epoch, now);
        match self.samples.back_mut() {
            Some((last, sum)) if *last >= b => *sum += bytes,
            _ => self.samples.push_back((b, bytes)),
        }
        let oldest = b.saturating_sub(self.buckets as u64 - 1);
        while self.samples.front().is_some_and(|(i, _)| *i < oldest) {
            self.samples.pop_front();
        }
    }

    pub fn bits_per_second(&self, now: Instant) -> f64 {
        let Some(epoch) = self.epoch else {
            return 0.0;
        };
        let b = self.bucket_of(epoch, now);
        let oldest = b.saturating_sub(self.buckets as u64 - 1);
        let bytes: u64 = self
            .samples
            .iter()
            .filter(|(i, _)| *i >= oldest && *i <= b)
            .map(|(_, n)| n)
            .sum();
        // The window covers whole buckets; early in a stream only the time
        // since the first packet.
        let covered = (b - oldest + 1) as f64 * self.bucket.as_secs_f64();
        (bytes * 8) as f64 / covered
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WINDOW: Duration = Duration::from_secs(2);

    struct Feed {
        stats: ReceiverStats,
        t0: Instant,
    }

    impl Feed {
        fn new() -> Self {
            Self {
                stats: ReceiverStats::new(WINDOW),
                t0: Instant::now(),
            }
        }

        /// PCMU-like packet: 160 bytes, 20 ms, timestamp = seq × 160.
        fn pkt(&mut self, ssrc: u32, seq: u16, at_ms: u64) -> PacketOutcome {
            self.pkt_ts(ssrc, seq, u32::from(seq).wrapping_mul(160), at_ms)
        }

        fn pkt_ts(&mut self, ssrc: u32, seq: u16, ts: u32, at_ms: u64) -> PacketOutcome {
            self.stats.on_packet(&PacketInfo {
                ssrc,
                seq,
                timestamp: ts,
                clock_rate: 8000,
                payload_bytes: 160,
                arrival: self.t0 + Duration::from_millis(at_ms),
            })
        }

        fn seqs(&mut self, ssrc: u32, seqs: &[u16]) -> Vec<SeqVerdict> {
            seqs.iter()
                .enumerate()
                .map(|(i, s)| self.pkt(ssrc, *s, i as u64 * 20).verdict)
                .collect()
        }
    }

    #[test]
    fn in_order_stream() {
        let mut f = Feed::new();
        let v = f.seqs(7, &(100..110).collect::<Vec<_>>());
        // A.1: the first packet is on probation; the second validates the
        // source and becomes the base.
        assert_eq!(v[0], SeqVerdict::Probation);
        assert!(v[1..].iter().all(|v| *v == SeqVerdict::Valid));
        assert_eq!(f.stats.packets(), 10);
        assert_eq!(f.stats.bytes(), 1600);
        assert_eq!(f.stats.extended_highest_seq(), Some(109));
        assert_eq!(f.stats.expected(), 9);
        assert_eq!(f.stats.lost(), 0);
        assert_eq!(f.stats.ssrc(), Some(7));
        assert_eq!(
            f.stats.last_packet_at(),
            Some(f.t0 + Duration::from_millis(180))
        );
        // Perfectly paced: no jitter.
        assert_eq!(f.stats.jitter(), 0.0);
    }

    #[test]
    fn loss_is_counted_and_reported_per_interval() {
        let mut f = Feed::new();
        f.seqs(1, &[1, 2, 3, 4, 5]);
        let r = f.stats.roll_interval();
        assert_eq!(
            (r.expected, r.received, r.lost, r.fraction_lost),
            (4, 4, 0, 0)
        );
        // 6, 7, 8 lost; 9 and 10 arrive.
        let mut out = Vec::new();
        for (i, s) in [9u16, 10].iter().enumerate() {
            out.push(f.pkt(1, *s, 200 + i as u64 * 20));
        }
        assert_eq!(out[0].lost_delta, 3);
        assert_eq!(out[1].lost_delta, 0);
        assert_eq!(f.stats.lost(), 3);
        assert_eq!(f.stats.expected(), 9);
        let r = f.stats.roll_interval();
        assert_eq!((r.expected, r.received, r.lost), (5, 2, 3));
        // 3/5 × 256 = 153.6 → 153.
        assert_eq!(r.fraction_lost, 153);
        assert!((f.stats.fraction_lost() - 153.0 / 256.0).abs() < 1e-9);
        // A quiet interval reports nothing lost.
        let r = f.stats.roll_interval();
        assert_eq!(r, IntervalReport::default());
        assert_eq!(f.stats.fraction_lost(), 0.0);
    }

    #[test]
    fn a_big_gap_within_one_interval() {
        let mut f = Feed::new();
        f.seqs(1, &[1, 2]);
        f.stats.roll_interval();
        // 3..=19 lost, 20 arrives.
        assert_eq!(f.pkt(1, 20, 100).lost_delta, 17);
        let r = f.stats.roll_interval();
        assert_eq!((r.expected, r.received, r.lost), (18, 1, 17));
        assert_eq!(r.fraction_lost, 241); // 17 × 256 / 18
    }

    #[test]
    fn reordered_packets_are_not_losses() {
        let mut f = Feed::new();
        let v = f.seqs(3, &[1, 2, 4, 3, 5, 6]);
        assert!(v[1..].iter().all(|v| *v == SeqVerdict::Valid));
        assert_eq!(f.stats.extended_highest_seq(), Some(6));
        assert_eq!(f.stats.lost(), 0);
        // The gap at 4 was briefly counted as a loss; the monotonic delta
        // does not give it back, the cumulative value does.
        let mut f = Feed::new();
        f.seqs(3, &[1, 2]);
        assert_eq!(f.pkt(3, 4, 60).lost_delta, 1);
        assert_eq!(f.pkt(3, 3, 80).lost_delta, 0);
        assert_eq!(f.stats.lost(), 0);
        assert_eq!(f.pkt(3, 6, 100).lost_delta, 0, "loss of 5 = old high water");
        assert_eq!(f.pkt(3, 8, 120).lost_delta, 1);
        assert_eq!(f.stats.lost(), 2);
    }

    #[test]
    fn duplicates_never_make_loss_negative() {
        let mut f = Feed::new();
        f.seqs(9, &[10, 11, 12, 12, 12, 13]);
        assert_eq!(f.stats.expected(), 3);
        assert_eq!(f.stats.cumulative_lost_signed(), -2);
        assert_eq!(f.stats.lost(), 0);
        let r = f.stats.roll_interval();
        assert_eq!((r.lost, r.fraction_lost), (-2, 0));
        assert_eq!(f.stats.packets(), 6);
    }

    #[test]
    fn sequence_wraps_at_65535() {
        let mut f = Feed::new();
        let v = f.seqs(5, &[65533, 65534, 65535, 0, 1, 3]);
        assert!(v[1..].iter().all(|v| *v == SeqVerdict::Valid));
        assert_eq!(f.stats.extended_highest_seq(), Some(65536 + 3));
        // Base 65534 .. 65539 = 6 expected, 5 received (65538 lost).
        assert_eq!(f.stats.expected(), 6);
        assert_eq!(f.stats.lost(), 1);
        // A late packet from before the wrap does not add a cycle.
        assert_eq!(f.pkt(5, 65535, 200).verdict, SeqVerdict::Valid);
        assert_eq!(f.stats.extended_highest_seq(), Some(65539));
    }

    #[test]
    fn probation_wraps_too() {
        let mut f = Feed::new();
        let v = f.seqs(5, &[65535, 0, 1]);
        assert_eq!(
            v,
            [SeqVerdict::Probation, SeqVerdict::Valid, SeqVerdict::Valid]
        );
        assert_eq!(f.stats.extended_highest_seq(), Some(1));
    }

    #[test]
    fn out_of_sequence_probation_restarts() {
        let mut f = Feed::new();
        let v = f.seqs(5, &[10, 50, 51, 52]);
        assert_eq!(
            v,
            [
                SeqVerdict::Probation,
                SeqVerdict::Probation,
                SeqVerdict::Valid,
                SeqVerdict::Valid
            ]
        );
        assert_eq!(f.stats.expected(), 2);
        assert_eq!(f.stats.lost(), 0);
    }

    #[test]
    fn large_jump_needs_confirmation_then_resyncs() {
        let mut f = Feed::new();
        f.seqs(4, &[100, 101, 102, 103]);
        // A single stray jump is ignored…
        assert_eq!(f.pkt(4, 30000, 100).verdict, SeqVerdict::Jump);
        assert_eq!(f.pkt(4, 104, 120).verdict, SeqVerdict::Valid);
        assert_eq!(f.stats.lost(), 0);
        // …two in sequence restart the counting (the sender reset).
        assert_eq!(f.pkt(4, 40000, 140).verdict, SeqVerdict::Jump);
        assert_eq!(f.pkt(4, 40001, 160).verdict, SeqVerdict::Valid);
        assert_eq!(f.stats.extended_highest_seq(), Some(40001));
        assert_eq!(f.stats.expected(), 1);
        assert_eq!(f.stats.lost(), 0);
        assert_eq!(f.pkt(4, 40003, 180).lost_delta, 1);
        // A backwards jump beyond MAX_MISORDER is a jump too.
        assert_eq!(f.pkt(4, 40003 - 200, 200).verdict, SeqVerdict::Jump);
        // Within MAX_MISORDER it is a late packet.
        assert_eq!(f.pkt(4, 40003 - 50, 220).verdict, SeqVerdict::Valid);
        assert_eq!(f.stats.packets(), 11);
    }

    #[test]
    fn loss_before_a_resync_is_kept() {
        let mut f = Feed::new();
        f.seqs(4, &[1, 2, 5]);
        assert_eq!(f.stats.lost(), 2);
        f.pkt(4, 20000, 100);
        f.pkt(4, 20001, 120);
        assert_eq!(f.stats.lost(), 2);
        f.pkt(4, 20003, 140);
        assert_eq!(f.stats.lost(), 3);
    }

    #[test]
    fn new_ssrc_resets_the_source_but_keeps_totals() {
        let mut f = Feed::new();
        f.seqs(1, &[1, 2, 4, 5]);
        assert_eq!(f.stats.lost(), 1);
        let out = f.pkt(2, 5000, 200);
        assert!(out.new_source);
        assert_eq!(out.verdict, SeqVerdict::Probation);
        assert_eq!(f.stats.ssrc(), Some(2));
        assert_eq!(f.stats.ssrc_changes(), 1);
        assert_eq!(f.stats.extended_highest_seq(), None);
        assert_eq!(f.stats.jitter(), 0.0);
        assert_eq!(f.pkt(2, 5001, 220).verdict, SeqVerdict::Valid);
        assert_eq!(f.pkt(2, 5003, 240).lost_delta, 1);
        assert_eq!(f.stats.lost(), 2);
        assert_eq!(f.stats.packets(), 7);
        assert_eq!(f.stats.extended_highest_seq(), Some(5003));
    }

    #[test]
    fn jitter_matches_hand_computation() {
        // 8 kHz, 20 ms packets (160 ticks). The first packet only passes
        // probation; the example starts with the second, at 20 ms:
        //   timestamps      0, 160, 320, 480
        //   arrivals (ms)  20,  40,  65,  80 → ticks 160, 320, 520, 640
        //   transit       160, 160, 200, 160 → D = 0, 40, 40
        //   J = 0 → 0 + 40/16 = 2.5 → 2.5 + (40 - 2.5)/16 = 4.84375 ticks
        //     = 4.84375 / 8 = 0.60546875 ms
        let mut f = Feed::new();
        f.pkt_ts(2, 9, 0u32.wrapping_sub(160), 0);
        f.pkt_ts(2, 10, 0, 20);
        f.pkt_ts(2, 11, 160, 40);
        assert_eq!(f.stats.jitter(), 0.0);
        f.pkt_ts(2, 12, 320, 65);
        assert!((f.stats.jitter() - 2.5).abs() < 1e-9);
        f.pkt_ts(2, 13, 480, 80);
        assert!(
            (f.stats.jitter() - 4.84375).abs() < 1e-9,
            "{}",
            f.stats.jitter()
        );
        assert!((f.stats.jitter_ms() - 0.60546875).abs() < 1e-9);
    }

    #[test]
    fn early_packets_count_as_much_as_late_ones() {
        // Transit 160, 120 (40 ticks early), 160: |D| = 40 both times.
        let mut f = Feed::new();
        f.pkt_ts(2, 9, 0u32.wrapping_sub(160), 0);
        f.pkt_ts(2, 10, 0, 20);
        f.pkt_ts(2, 11, 160 + 40, 40);
        f.pkt_ts(2, 12, 320, 60);
        assert!(
            (f.stats.jitter() - 4.84375).abs() < 1e-9,
            "{}",
            f.stats.jitter()
        );
    }

    #[test]
    fn jitter_survives_timestamp_wrap() {
        let mut f = Feed::new();
        let base = u32::MAX - 200;
        for i in 0..6u32 {
            f.pkt_ts(1, i as u16, base.wrapping_add(i * 160), u64::from(i) * 20);
        }
        assert_eq!(f.stats.jitter(), 0.0);
    }

    #[test]
    fn bitrate_over_sliding_window() {
        let mut f = Feed::new();
        // 50 packets/s × 160 bytes = 64 kbit/s, for 4 s.
        for i in 0..200u16 {
            f.pkt(1, i, u64::from(i) * 20);
        }
        let now = f.t0 + Duration::from_millis(3990);
        let bps = f.stats.bitrate_bps(now);
        assert!((bps - 64_000.0).abs() < 64_000.0 * 0.06, "{bps}");
        // Silence: the window empties.
        let later = f.t0 + Duration::from_secs(10);
        assert_eq!(f.stats.bitrate_bps(later), 0.0);
        // Half a window after the last packet, about half the rate remains.
        let half = f.t0 + Duration::from_millis(3980 + 1000);
        let bps = f.stats.bitrate_bps(half);
        assert!((bps - 32_000.0).abs() < 32_000.0 * 0.12, "{bps}");
    }

    #[test]
    fn bitrate_early_in_a_stream_uses_elapsed_time() {
        let mut w = RateWindow::new(WINDOW);
        let t0 = Instant::now();
        assert_eq!(w.bits_per_second(t0), 0.0);
        // 1000 bytes in each of the first 5 buckets (100 ms each).
        for i in 0..5 {
            w.add(t0 + Duration::from_millis(i * 100 + 50), 1000);
        }
        let bps = w.bits_per_second(t0 + Duration::from_millis(499));
        assert!((bps - 80_000.0).abs() < 1.0, "{bps}");
    }
}
