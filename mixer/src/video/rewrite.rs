//! One RTP stream per receiver out of shared encoders, sans-IO.
//!
//! Receivers that see the same picture share an encoder, and a relayout can
//! move a receiver from one encoder to another. Each encoder's payloader
//! has its own SSRC, sequence numbers and timestamps; a room system that
//! sees them jump drops packets until it resyncs (or forever). So every
//! packet is rewritten for its receiver: the receiver's own SSRC, its own
//! continuous sequence numbers, and timestamps that carry on from the last
//! one it got when the source encoder changes.

/// Identifies the encoder a packet came from.
pub type SourceId = u64;

#[derive(Debug, Clone)]
pub struct RtpRewriter {
    ssrc: u32,
    next_seq: u16,
    /// Ticks between frames at the receiver's rate: the gap put between the
    /// last timestamp of one source and the first of the next.
    frame_ticks: u32,
    source: Option<SourceId>,
    offset: u32,
    last_ts: Option<u32>,
}

impl RtpRewriter {
    pub fn new(ssrc: u32, first_seq: u16, clock_rate: u32, fps: u32) -> RtpRewriter {
        RtpRewriter {
            ssrc,
            next_seq: first_seq,
            frame_ticks: clock_rate / fps.max(1),
            source: None,
            offset: 0,
            last_ts: None,
        }
    }

    pub fn ssrc(&self) -> u32 {
        self.ssrc
    }

    /// Rewrites `packet` (an RTP packet from encoder `source`) in place for
    /// this receiver; false (and untouched) if it is too short to be RTP.
    pub fn rewrite(&mut self, source: SourceId, packet: &mut [u8]) -> bool {
        if packet.len() < 12 {
            return false;
        }
        let ts = u32::from_be_bytes([packet[4], packet[5], packet[6], packet[7]]);
        if self.source != Some(source) {
            self.source = Some(source);
            // The first source keeps its own timestamps; a later one carries
            // on one frame after the last timestamp sent.
            self.offset = match self.last_ts {
                Some(last) => last.wrapping_add(self.frame_ticks).wrapping_sub(ts),
                None => 0,
            };
        }
        let out_ts = ts.wrapping_add(self.offset);
        packet[2..4].copy_from_slice(&self.next_seq.to_be_bytes());
        packet[4..8].copy_from_slice(&out_ts.to_be_bytes());
        packet[8..12].copy_from_slice(&self.ssrc.to_be_bytes());
        self.next_seq = self.next_seq.wrapping_add(1);
        self.last_ts = Some(out_ts);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn packet(seq: u16, ts: u32, ssrc: u32) -> Vec<u8> {
        let mut p = vec![0x80, 96];
        p.extend_from_slice(&seq.to_be_bytes());
        p.extend_from_slice(&ts.to_be_bytes());
        p.extend_from_slice(&ssrc.to_be_bytes());
        p.extend_from_slice(b"payload");
        p
    }

    fn fields(p: &[u8]) -> (u16, u32, u32) {
        (
            u16::from_be_bytes([p[2], p[3]]),
            u32::from_be_bytes([p[4], p[5], p[6], p[7]]),
            u32::from_be_bytes([p[8], p[9], p[10], p[11]]),
        )
    }

    #[test]
    fn one_continuous_stream_across_a_change_of_encoder() {
        let mut r = RtpRewriter::new(0xfeed, 65534, 90_000, 30);
        let mut out = Vec::new();
        for (src, seq, ts) in [
            (1, 100, 9000),
            (1, 101, 9000),
            (1, 102, 12000),
            // Another encoder: other SSRC, sequence and clock.
            (2, 7, 4_294_960_000),
            (2, 8, 4_294_963_000),
        ] {
            let mut p = packet(seq, ts, 0x1234 + src as u32);
            assert!(r.rewrite(src, &mut p));
            assert_eq!(&p[12..], b"payload");
            out.push(fields(&p));
        }
        let seqs: Vec<u16> = out.iter().map(|f| f.0).collect();
        assert_eq!(seqs, [65534, 65535, 0, 1, 2]);
        assert!(out.iter().all(|f| f.2 == 0xfeed));
        let ts: Vec<u32> = out.iter().map(|f| f.1).collect();
        // The first source's clock is kept; the second carries on one
        // frame (3000 ticks) later, wrapping like RTP does.
        assert_eq!(ts, [9000, 9000, 12000, 15000, 18000]);
    }

    #[test]
    fn short_packets_are_left_alone() {
        let mut r = RtpRewriter::new(1, 0, 90_000, 30);
        let mut p = vec![0x80, 96, 0, 1];
        assert!(!r.rewrite(1, &mut p));
        assert_eq!(p, [0x80, 96, 0, 1]);
    }
}
