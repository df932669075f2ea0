//! RTCP feedback, sans-IO: keyframe requests (PLI/FIR, RFC 4585 §6.3.1,
//! RFC 5104 §4.3.1) read from a receiver and written to a sender, and the
//! bit rate limits a receiver sets us (REMB from browsers, TMMBR from room
//! systems, answered with TMMBN).

/// How a sender can be asked for a keyframe over RTCP, from the stream's
/// negotiated `a=rtcp-fb` (AVPF only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyframeFeedback {
    /// `nack pli`
    Pli,
    /// `ccm fir`
    Fir,
}

impl KeyframeFeedback {
    /// From negotiated rtcp-fb values (`"nack pli"`, `"ccm fir"`, `"nack"`…):
    /// PLI when offered, else FIR, else none.
    pub fn from_rtcp_fb<S: AsRef<str>>(values: &[S]) -> Option<KeyframeFeedback> {
        let has = |want: &[&str]| {
            values.iter().any(|v| {
                let words: Vec<&str> = v.as_ref().split_ascii_whitespace().collect();
                words.len() >= want.len()
                    && words
                        .iter()
                        .zip(want)
                        .all(|(w, x)| w.eq_ignore_ascii_case(x))
            })
        };
        if has(&["nack", "pli"]) {
            Some(KeyframeFeedback::Pli)
        } else if has(&["ccm", "fir"]) {
            Some(KeyframeFeedback::Fir)
        } else {
            None
        }
    }
}

/// Whether an RTCP compound holds a PLI (RFC 4585 PSFB FMT 1) or a FIR
/// (RFC 5104 PSFB FMT 4).
pub fn asks_for_keyframe(mut data: &[u8]) -> bool {
    while data.len() >= 4 {
        let (fmt, pt) = (data[0] & 0x1f, data[1]);
        if pt == 206 && (fmt == 1 || fmt == 4) {
            return true;
        }
        let len = (usize::from(u16::from_be_bytes([data[2], data[3]])) + 1) * 4;
        if len > data.len() {
            return false;
        }
        data = &data[len..];
    }
    false
}

/// A compound RTCP packet asking `media_ssrc` for a keyframe: an empty
/// receiver report first (RFC 3550 §6.1: a compound starts with SR or RR;
/// room systems drop bare feedback), then the PLI or FIR. `fir_seq` is the
/// FIR command sequence number, incremented by the caller per new request.
pub fn keyframe_request(
    kind: KeyframeFeedback,
    our_ssrc: u32,
    media_ssrc: u32,
    fir_seq: u8,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(28);
    // RR, no report blocks: V=2, RC=0, PT=201, length 1 word.
    out.extend_from_slice(&[0x80, 201, 0, 1]);
    out.extend_from_slice(&our_ssrc.to_be_bytes());
    match kind {
        KeyframeFeedback::Pli => {
            out.extend_from_slice(&[0x81, 206, 0, 2]);
            out.extend_from_slice(&our_ssrc.to_be_bytes());
            out.extend_from_slice(&media_ssrc.to_be_bytes());
        }
        KeyframeFeedback::Fir => {
            // The media source field is 0; the target is in the FCI.
            out.extend_from_slice(&[0x84, 206, 0, 4]);
            out.extend_from_slice(&our_ssrc.to_be_bytes());
            out.extend_from_slice(&[0, 0, 0, 0]);
            out.extend_from_slice(&media_ssrc.to_be_bytes());
            out.extend_from_slice(&[fir_seq, 0, 0, 0]);
        }
    }
    out
}

/// A bit rate the receiver asks us to stay under, read from its RTCP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RateFeedback {
    /// REMB (draft-alvestrand-rmcat-remb): the receiver's congestion
    /// estimate for the streams it lists.
    Remb { bitrate_bps: u64, ssrcs: Vec<u32> },
    /// TMMBR (RFC 5104 §4.2.1): a temporary maximum for the stream of
    /// `media_ssrc`, to be answered with a TMMBN.
    Tmmbr {
        /// The requester: owner of the tuple in our TMMBN.
        sender_ssrc: u32,
        media_ssrc: u32,
        bitrate_bps: u64,
        /// The per-packet overhead the requester measured (bytes).
        overhead: u16,
    },
}

/// Mantissa × 2^exp without overflow: an exponent of up to 63 on an 18-bit
/// mantissa does not fit, and a hostile packet may say so.
fn scaled(mantissa: u32, exp: u32) -> u64 {
    let m = u64::from(mantissa);
    if m == 0 {
        0
    } else if exp > m.leading_zeros() {
        u64::MAX
    } else {
        m << exp
    }
}

/// The REMB and TMMBR entries of an RTCP compound, in order. Malformed
/// parts are skipped: a length beyond the datagram ends the walk, a
/// REMB or TMMBR too short for what it announces is ignored.
pub fn rate_feedback(mut data: &[u8]) -> Vec<RateFeedback> {
    let mut out = Vec::new();
    while data.len() >= 4 {
        let (fmt, pt) = (data[0] & 0x1f, data[1]);
        let len = (usize::from(u16::from_be_bytes([data[2], data[3]])) + 1) * 4;
        if len > data.len() {
            break;
        }
        let packet = &data[..len];
        data = &data[len..];
        // Header, sender SSRC, media source SSRC; then the FCI.
        if packet.len() < 12 {
            continue;
        }
        let sender_ssrc = be32(&packet[4..8]);
        let fci = &packet[12..];
        match (pt, fmt) {
            (206, 15) => {
                if fci.len() < 8 || &fci[..4] != b"REMB" {
                    continue;
                }
                let count = usize::from(fci[4]);
                let exp = u32::from(fci[5] >> 2);
                let mantissa = (u32::from(fci[5] & 0x03) << 16) | u32::from(be16(&fci[6..8]));
                let list = &fci[8..];
                if list.len() < count * 4 {
                    continue;
                }
                out.push(RateFeedback::Remb {
                    bitrate_bps: scaled(mantissa, exp),
                    ssrcs: list.chunks_exact(4).take(count).map(be32).collect(),
                });
            }
            (205, 3) => {
                for entry in fci.chunks_exact(8) {
                    let word = be32(&entry[4..8]);
                    out.push(RateFeedback::Tmmbr {
                        sender_ssrc,
                        media_ssrc: be32(&entry[..4]),
                        bitrate_bps: scaled((word >> 9) & 0x1_ffff, word >> 26),
                        overhead: (word & 0x1ff) as u16,
                    });
                }
            }
            _ => {}
        }
    }
    out
}

fn be32(b: &[u8]) -> u32 {
    u32::from_be_bytes([b[0], b[1], b[2], b[3]])
}

fn be16(b: &[u8]) -> u16 {
    u16::from_be_bytes([b[0], b[1]])
}

/// `bps` as an exponent and a mantissa of `bits` bits, rounded down (a
/// maximum must not grow on the way).
fn exp_mantissa(bps: u64, bits: u32) -> (u32, u32) {
    let mut exp = 0;
    let mut m = bps;
    while m >= 1 << bits {
        m >>= 1;
        exp += 1;
    }
    (exp, m as u32)
}

/// A compound RTCP answering a TMMBR (RFC 5104 §4.2.2): an empty receiver
/// report, then a TMMBN whose bounding set is the requester's tuple as we
/// apply it. The TMMBN's media source field is 0 (§4.2.2.1).
pub fn tmmbn(our_ssrc: u32, owner_ssrc: u32, bitrate_bps: u64, overhead: u16) -> Vec<u8> {
    let mut out = Vec::with_capacity(28);
    out.extend_from_slice(&[0x80, 201, 0, 1]);
    out.extend_from_slice(&our_ssrc.to_be_bytes());
    // RTPFB FMT 4, one FCI entry: 2 + 2 words after the header.
    out.extend_from_slice(&[0x84, 205, 0, 4]);
    out.extend_from_slice(&our_ssrc.to_be_bytes());
    out.extend_from_slice(&[0, 0, 0, 0]);
    out.extend_from_slice(&owner_ssrc.to_be_bytes());
    let (exp, mantissa) = exp_mantissa(bitrate_bps, 17);
    let word = (exp.min(63) << 26) | (mantissa << 9) | u32::from(overhead & 0x1ff);
    out.extend_from_slice(&word.to_be_bytes());
    out
}

/// A REMB packet (for tests and for peers that want to hear ours): the
/// 18-bit mantissa rounded down.
pub fn remb(our_ssrc: u32, bitrate_bps: u64, ssrcs: &[u32]) -> Vec<u8> {
    let count = ssrcs.len().min(255);
    let words = 4 + count;
    let mut out = Vec::with_capacity(4 * (words + 1));
    out.extend_from_slice(&[0x8f, 206]);
    out.extend_from_slice(&(words as u16).to_be_bytes());
    out.extend_from_slice(&our_ssrc.to_be_bytes());
    out.extend_from_slice(&[0, 0, 0, 0]);
    out.extend_from_slice(b"REMB");
    let (exp, mantissa) = exp_mantissa(bitrate_bps, 18);
    out.push(count as u8);
    out.push(((exp.min(63) as u8) << 2) | ((mantissa >> 16) as u8 & 0x03));
    out.extend_from_slice(&((mantissa & 0xffff) as u16).to_be_bytes());
    for s in &ssrcs[..count] {
        out.extend_from_slice(&s.to_be_bytes());
    }
    out
}

/// A TMMBR packet asking `media_ssrc` to stay under `bitrate_bps` (what
/// a room system sends; for tests).
pub fn tmmbr(our_ssrc: u32, media_ssrc: u32, bitrate_bps: u64, overhead: u16) -> Vec<u8> {
    let mut out = Vec::with_capacity(20);
    out.extend_from_slice(&[0x83, 205, 0, 4]);
    out.extend_from_slice(&our_ssrc.to_be_bytes());
    out.extend_from_slice(&[0, 0, 0, 0]);
    out.extend_from_slice(&media_ssrc.to_be_bytes());
    let (exp, mantissa) = exp_mantissa(bitrate_bps, 17);
    let word = (exp.min(63) << 26) | (mantissa << 9) | u32::from(overhead & 0x1ff);
    out.extend_from_slice(&word.to_be_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyframe_requests_in_rtcp() {
        // RR (empty) then PSFB PLI.
        let rr = [0x80, 201, 0, 1, 0, 0, 0, 1];
        let pli = [0x81, 206, 0, 2, 0, 0, 0, 1, 0, 0, 0, 2];
        let fir = [0x84, 206, 0, 2, 0, 0, 0, 1, 0, 0, 0, 0];
        let nack = [0x81, 205, 0, 2, 0, 0, 0, 1, 0, 0, 0, 2];
        assert!(asks_for_keyframe(&[&rr[..], &pli[..]].concat()));
        assert!(asks_for_keyframe(&fir));
        assert!(!asks_for_keyframe(&rr));
        assert!(!asks_for_keyframe(&nack));
        // A length beyond the datagram ends the walk.
        assert!(!asks_for_keyframe(&[0x80, 201, 0, 9, 0, 0, 0, 1]));
        assert!(!asks_for_keyframe(&[]));
    }

    #[test]
    fn requests_we_write_are_read_back_as_requests() {
        for kind in [KeyframeFeedback::Pli, KeyframeFeedback::Fir] {
            let p = keyframe_request(kind, 0x1122_3344, 0xaabb_ccdd, 7);
            assert!(asks_for_keyframe(&p), "{kind:?}");
            // Every length field adds up to the datagram.
            let mut at = 0;
            while at < p.len() {
                at += (usize::from(u16::from_be_bytes([p[at + 2], p[at + 3]])) + 1) * 4;
            }
            assert_eq!(at, p.len(), "{kind:?}");
            assert_eq!(&p[0..2], &[0x80, 201]);
        }
        let pli = keyframe_request(KeyframeFeedback::Pli, 1, 0xaabb_ccdd, 0);
        assert_eq!(&pli[16..20], &[0xaa, 0xbb, 0xcc, 0xdd]);
        let fir = keyframe_request(KeyframeFeedback::Fir, 1, 0xaabb_ccdd, 9);
        assert_eq!(&fir[16..20], &[0, 0, 0, 0]);
        assert_eq!(&fir[20..24], &[0xaa, 0xbb, 0xcc, 0xdd]);
        assert_eq!(fir[24], 9);
    }

    #[test]
    fn feedback_from_rtcp_fb() {
        assert_eq!(
            KeyframeFeedback::from_rtcp_fb(&["nack", "nack pli", "ccm fir"]),
            Some(KeyframeFeedback::Pli)
        );
        assert_eq!(
            KeyframeFeedback::from_rtcp_fb(&["CCM FIR"]),
            Some(KeyframeFeedback::Fir)
        );
        assert_eq!(KeyframeFeedback::from_rtcp_fb(&["nack", "goog-remb"]), None);
        assert_eq!(KeyframeFeedback::from_rtcp_fb::<&str>(&[]), None);
    }
    #[test]
    fn remb_is_read_from_a_compound() {
        // RR, then REMB of 250000 x 2^2 = 1 Mbit/s for one SSRC.
        let rr = [0x80, 201, 0, 1, 0x11, 0x22, 0x33, 0x44];
        let remb_bytes = [
            0x8f, 206, 0, 5, 0x11, 0x22, 0x33, 0x44, 0, 0, 0, 0, b'R', b'E', b'M', b'B', 1, 0x0b,
            0xd0, 0x90, 0xaa, 0xbb, 0xcc, 0xdd,
        ];
        let got = rate_feedback(&[&rr[..], &remb_bytes[..]].concat());
        assert_eq!(
            got,
            [RateFeedback::Remb {
                bitrate_bps: 1_000_000,
                ssrcs: vec![0xaabb_ccdd]
            }]
        );
        // What we write reads back the same, rounded down to the mantissa.
        let ours = remb(1, 2_500_000, &[5, 6]);
        assert_eq!(
            rate_feedback(&ours),
            [RateFeedback::Remb {
                bitrate_bps: 2_500_000 >> 4 << 4,
                ssrcs: vec![5, 6]
            }]
        );
        assert!(!asks_for_keyframe(&ours));
    }

    #[test]
    fn malformed_rate_feedback_is_skipped() {
        let good = remb(1, 300_000, &[9]);
        // Not "REMB" (another FMT 15 application), an SSRC count beyond
        // the packet, a truncated datagram, an empty one.
        let mut other = good.clone();
        other[12..16].copy_from_slice(b"ABCD");
        let mut short_list = good.clone();
        short_list[16] = 3;
        assert!(rate_feedback(&other).is_empty());
        assert!(rate_feedback(&short_list).is_empty());
        assert!(rate_feedback(&good[..good.len() - 1]).is_empty());
        assert!(rate_feedback(&[]).is_empty());
        assert!(rate_feedback(&[0x8f, 206, 0, 0]).is_empty());
        // A hostile exponent saturates instead of overflowing.
        let mut huge = good.clone();
        huge[17] = 0xff;
        assert_eq!(
            rate_feedback(&huge),
            [RateFeedback::Remb {
                bitrate_bps: u64::MAX,
                ssrcs: vec![9]
            }]
        );
        // A bad part after a good one keeps the good one.
        let both = [&good[..], &[0x80, 201, 0, 9][..]].concat();
        assert_eq!(rate_feedback(&both).len(), 1);
    }

    #[test]
    fn tmmbr_is_read_and_answered_with_tmmbn() {
        // 62500 x 2^3 = 500 kbit/s, 40 bytes of overhead, for 0xaabbccdd.
        let t = [
            0x83, 205, 0, 4, 1, 2, 3, 4, 0, 0, 0, 0, 0xaa, 0xbb, 0xcc, 0xdd, 0x0d, 0xe8, 0x48, 0x28,
        ];
        let want = RateFeedback::Tmmbr {
            sender_ssrc: 0x0102_0304,
            media_ssrc: 0xaabb_ccdd,
            bitrate_bps: 500_000,
            overhead: 40,
        };
        assert_eq!(rate_feedback(&t), std::slice::from_ref(&want));
        // Ours may pick another exponent for the same value.
        assert_eq!(
            rate_feedback(&tmmbr(0x0102_0304, 0xaabb_ccdd, 500_000, 40)),
            std::slice::from_ref(&want)
        );
        // Generic NACK (FMT 1) and TMMBN (FMT 4) are not requests.
        let n = tmmbn(0xaabb_ccdd, 0x0102_0304, 500_000, 40);
        assert!(rate_feedback(&n).is_empty());
        // The TMMBN: RR, then RTPFB FMT 4 with media source 0 and the
        // requester's tuple.
        assert_eq!(n.len(), 28);
        assert_eq!(&n[8..12], &[0x84, 205, 0, 4]);
        assert_eq!(&n[12..16], &[0xaa, 0xbb, 0xcc, 0xdd]);
        assert_eq!(&n[16..20], &[0, 0, 0, 0]);
        assert_eq!(&n[20..24], &[1, 2, 3, 4]);
        let back = [&t[..16], &n[24..28]].concat();
        assert_eq!(rate_feedback(&back), [want]);
        // Several tuples in one TMMBR.
        let mut two = tmmbr(7, 8, 1_000_000, 0);
        two[3] = 6;
        let entry = two[12..20].to_vec();
        two.extend(entry);
        assert_eq!(rate_feedback(&two).len(), 2);
    }
}
