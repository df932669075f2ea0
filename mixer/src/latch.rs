//! Symmetric RTP (RFC 4961 behaviour expected from the peer; the "latching"
//! of RFC 7362 on our side): send to where the peer's packets come from,
//! because behind NAT the SDP address is private and useless.
//!
//! The first valid packet latches. After that a different source only takes
//! over when it is clearly the peer that moved, not a stray or spoofed
//! packet: either several consecutive packets from it with an SSRC other
//! than the latched one (the peer restarted from a new port), or any valid
//! packet once the latched source has been silent for a while (NAT
//! rebinding).

use std::net::SocketAddr;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LatchPolicy {
    /// Consecutive packets (with a new SSRC) a new source must send.
    pub relatch_packets: u32,
    /// Silence of the latched source after which any source may take over.
    pub relatch_silence: Duration,
}

impl LatchPolicy {
    /// RTP: a few packets are 60-100 ms of media; two seconds of silence
    /// is longer than audio VAD gaps in practice.
    pub const RTP: LatchPolicy = LatchPolicy {
        relatch_packets: 5,
        relatch_silence: Duration::from_secs(2),
    };
    /// RTCP comes every ~5 s (RFC 3550 §6.2), so the silence must span more
    /// than two report intervals and fewer packets must suffice.
    pub const RTCP: LatchPolicy = LatchPolicy {
        relatch_packets: 2,
        relatch_silence: Duration::from_secs(12),
    };
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LatchVerdict {
    /// From the latched source (`changed`: it just became the latched one).
    Accept { changed: bool },
    /// From another source; drop it.
    Reject,
}

#[derive(Debug, Clone, Copy)]
struct Latched {
    addr: SocketAddr,
    ssrc: u32,
    last_seen: Instant,
}

#[derive(Debug, Clone, Copy)]
struct Candidate {
    addr: SocketAddr,
    ssrc: u32,
    count: u32,
}

#[derive(Debug, Clone)]
pub struct Latch {
    policy: LatchPolicy,
    current: Option<Latched>,
    candidate: Option<Candidate>,
}

impl Latch {
    pub fn new(policy: LatchPolicy) -> Self {
        Self {
            policy,
            current: None,
            candidate: None,
        }
    }

    /// The latched source address.
    pub fn addr(&self) -> Option<SocketAddr> {
        self.current.map(|c| c.addr)
    }

    /// Forget the latched source (the peer announced a new address).
    pub fn reset(&mut self) {
        self.current = None;
        self.candidate = None;
    }

    /// Decide about a valid packet from `src` carrying `ssrc`.
    pub fn on_packet(&mut self, src: SocketAddr, ssrc: u32, now: Instant) -> LatchVerdict {
        let Some(cur) = self.current.as_mut() else {
            self.latch(src, ssrc, now);
            return LatchVerdict::Accept { changed: true };
        };
        if cur.addr == src {
            // The same source may restart with a new SSRC: still the peer.
            cur.ssrc = ssrc;
            cur.last_seen = now;
            self.candidate = None;
            return LatchVerdict::Accept { changed: false };
        }
        if now.saturating_duration_since(cur.last_seen) >= self.policy.relatch_silence {
            self.latch(src, ssrc, now);
            return LatchVerdict::Accept { changed: true };
        }
        if ssrc == cur.ssrc {
            // The latched stream's SSRC from elsewhere while the latched
            // source is alive: a reflection or a spoof, never a move.
            self.candidate = None;
            return LatchVerdict::Reject;
        }
        let count = match self.candidate {
            Some(c) if c.addr == src && c.ssrc == ssrc => c.count + 1,
            _ => 1,
        };
        if count >= self.policy.relatch_packets {
            self.latch(src, ssrc, now);
            return LatchVerdict::Accept { changed: true };
        }
        self.candidate = Some(Candidate {
            addr: src,
            ssrc,
            count,
        });
        LatchVerdict::Reject
    }

    fn latch(&mut self, addr: SocketAddr, ssrc: u32, now: Instant) {
        self.current = Some(Latched {
            addr,
            ssrc,
            last_seen: now,
        });
        self.candidate = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    const POLICY: LatchPolicy = LatchPolicy {
        relatch_packets: 3,
        relatch_silence: Duration::from_secs(2),
    };

    #[test]
    fn first_packet_latches() {
        let mut l = Latch::new(POLICY);
        let t = Instant::now();
        assert_eq!(l.addr(), None);
        assert_eq!(
            l.on_packet(a("10.0.0.1:5000"), 1, t),
            LatchVerdict::Accept { changed: true }
        );
        assert_eq!(l.addr(), Some(a("10.0.0.1:5000")));
        assert_eq!(
            l.on_packet(a("10.0.0.1:5000"), 1, t),
            LatchVerdict::Accept { changed: false }
        );
    }

    #[test]
    fn a_stray_packet_does_not_hijack() {
        let mut l = Latch::new(POLICY);
        let t = Instant::now();
        let peer = a("10.0.0.1:5000");
        let stray = a("203.0.113.9:40000");
        l.on_packet(peer, 1, t);
        assert_eq!(l.on_packet(stray, 99, t), LatchVerdict::Reject);
        assert_eq!(l.on_packet(stray, 99, t), LatchVerdict::Reject);
        // The peer in between resets the stray's run.
        l.on_packet(peer, 1, t);
        assert_eq!(l.on_packet(stray, 99, t), LatchVerdict::Reject);
        assert_eq!(l.on_packet(stray, 99, t), LatchVerdict::Reject);
        assert_eq!(l.addr(), Some(peer));
    }

    #[test]
    fn consecutive_packets_with_a_new_ssrc_take_over() {
        let mut l = Latch::new(POLICY);
        let t = Instant::now();
        let peer = a("10.0.0.1:5000");
        let moved = a("10.0.0.1:6000");
        l.on_packet(peer, 1, t);
        assert_eq!(l.on_packet(moved, 2, t), LatchVerdict::Reject);
        assert_eq!(l.on_packet(moved, 2, t), LatchVerdict::Reject);
        assert_eq!(
            l.on_packet(moved, 2, t),
            LatchVerdict::Accept { changed: true }
        );
        assert_eq!(l.addr(), Some(moved));
        // The old source is now the stranger.
        assert_eq!(l.on_packet(peer, 1, t), LatchVerdict::Reject);
    }

    #[test]
    fn the_run_must_keep_one_ssrc_and_one_source() {
        let mut l = Latch::new(POLICY);
        let t = Instant::now();
        l.on_packet(a("10.0.0.1:5000"), 1, t);
        let x = a("10.0.0.2:5000");
        let y = a("10.0.0.3:5000");
        assert_eq!(l.on_packet(x, 2, t), LatchVerdict::Reject);
        assert_eq!(l.on_packet(x, 3, t), LatchVerdict::Reject);
        assert_eq!(l.on_packet(y, 3, t), LatchVerdict::Reject);
        assert_eq!(l.on_packet(x, 3, t), LatchVerdict::Reject);
        assert_eq!(l.on_packet(x, 3, t), LatchVerdict::Reject);
        assert_eq!(l.on_packet(x, 3, t), LatchVerdict::Accept { changed: true });
    }

    #[test]
    fn the_latched_ssrc_from_elsewhere_is_never_a_move() {
        let mut l = Latch::new(POLICY);
        let t = Instant::now();
        l.on_packet(a("10.0.0.1:5000"), 1, t);
        for _ in 0..10 {
            assert_eq!(l.on_packet(a("10.0.0.9:5000"), 1, t), LatchVerdict::Reject);
        }
    }

    #[test]
    fn silence_lets_any_source_take_over() {
        let mut l = Latch::new(POLICY);
        let t = Instant::now();
        l.on_packet(a("10.0.0.1:5000"), 1, t);
        let t1 = t + Duration::from_millis(1999);
        assert_eq!(l.on_packet(a("10.0.0.1:7000"), 1, t1), LatchVerdict::Reject);
        let t2 = t + Duration::from_secs(2);
        // Same SSRC from a new port after silence: NAT rebinding.
        assert_eq!(
            l.on_packet(a("10.0.0.1:7000"), 1, t2),
            LatchVerdict::Accept { changed: true }
        );
        assert_eq!(l.addr(), Some(a("10.0.0.1:7000")));
    }

    #[test]
    fn same_source_new_ssrc_stays_latched() {
        let mut l = Latch::new(POLICY);
        let t = Instant::now();
        let peer = a("10.0.0.1:5000");
        l.on_packet(peer, 1, t);
        assert_eq!(
            l.on_packet(peer, 2, t),
            LatchVerdict::Accept { changed: false }
        );
        // The new SSRC is now the latched one.
        for _ in 0..5 {
            assert_eq!(l.on_packet(a("10.0.0.5:1"), 2, t), LatchVerdict::Reject);
        }
    }

    #[test]
    fn reset_unlatches() {
        let mut l = Latch::new(POLICY);
        let t = Instant::now();
        l.on_packet(a("10.0.0.1:5000"), 1, t);
        l.reset();
        assert_eq!(l.addr(), None);
        assert_eq!(
            l.on_packet(a("10.0.0.2:5000"), 1, t),
            LatchVerdict::Accept { changed: true }
        );
    }
}
