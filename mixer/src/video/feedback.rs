//! RTCP payload-specific feedback for keyframes, sans-IO: reading PLI/FIR
//! from a receiver, writing them to a sender (RFC 4585 §6.3.1, RFC 5104
//! §4.3.1).

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
}
