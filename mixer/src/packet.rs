//! First look at a datagram on a media port: RTP, RTCP or neither, and a
//! bounds check of the RTP header before the `rtp` crate parses it.
//!
//! The bounds check is not optional: `rtp` 0.17 reads RFC 8285 header
//! extension elements without checking them against the packet length and
//! panics on a truncated one. Everything it reads is validated here first.

use bytes::Bytes;
use rtp::packet::Packet;
use webrtc_util::marshal::Unmarshal;

/// Kind of a datagram by its first two octets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    Rtp,
    Rtcp,
    /// Not version 2, or too short (STUN, DTLS, garbage).
    Other,
}

/// Why a datagram that looked like RTP or RTCP was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("malformed {0}")]
pub struct Malformed(pub &'static str);

/// RFC 5761 §4: on a muxed port, an octet 1 of 192-223 (RTCP packet types;
/// RTP payload types 64-95 with or without marker, which must not be used)
/// is RTCP; anything else with version 2 is RTP.
pub fn classify(data: &[u8]) -> Class {
    match data {
        [b0, b1, ..] if b0 >> 6 == 2 => {
            if (192..=223).contains(b1) {
                Class::Rtcp
            } else {
                Class::Rtp
            }
        }
        _ => Class::Other,
    }
}

const RTP_FIXED_HEADER: usize = 12;
const EXT_ONE_BYTE: u16 = 0xBEDE;
const EXT_TWO_BYTE: u16 = 0x1000;

/// Parse an RTP packet whose bounds are checked first. The payload excludes
/// the header extension and the padding.
pub fn parse_rtp(data: &Bytes) -> Result<Packet, Malformed> {
    let (start, end) = rtp_payload_range(data)?;
    let mut buf = data.clone();
    let mut packet = Packet::unmarshal(&mut buf).map_err(|_| Malformed("RTP packet"))?;
    // `rtp` stops at an RFC 8285 ID 15 element and leaves the rest of the
    // extension block in the payload; the range computed here is exact.
    packet.payload = data.slice(start..end);
    Ok(packet)
}

/// Offsets of the payload (RFC 3550 §5.1, RFC 8285), or why the header does
/// not fit in the datagram.
fn rtp_payload_range(data: &[u8]) -> Result<(usize, usize), Malformed> {
    let b0 = *data.first().ok_or(Malformed("RTP header"))?;
    if data.len() < RTP_FIXED_HEADER || b0 >> 6 != 2 {
        return Err(Malformed("RTP header"));
    }
    let csrc_count = usize::from(b0 & 0x0f);
    let mut pos = RTP_FIXED_HEADER + 4 * csrc_count;
    if data.len() < pos {
        return Err(Malformed("RTP CSRC list"));
    }
    if b0 & 0x10 != 0 {
        let ext = data
            .get(pos..pos + 4)
            .ok_or(Malformed("RTP header extension"))?;
        let profile = u16::from_be_bytes([ext[0], ext[1]]);
        let len = 4 * usize::from(u16::from_be_bytes([ext[2], ext[3]]));
        pos += 4;
        let block = data
            .get(pos..pos + len)
            .ok_or(Malformed("RTP header extension"))?;
        match profile {
            EXT_ONE_BYTE => check_one_byte_elements(block)?,
            EXT_TWO_BYTE => check_two_byte_elements(block)?,
            _ => {}
        }
        pos += len;
    }
    let end = if b0 & 0x20 != 0 {
        // The last octet counts the padding, itself included.
        let pad = usize::from(*data.last().ok_or(Malformed("RTP padding"))?);
        if pad == 0 || pad > data.len() - pos {
            return Err(Malformed("RTP padding"));
        }
        data.len() - pad
    } else {
        data.len()
    };
    Ok((pos, end))
}

/// RFC 8285 §4.2: ID and length-1 in one octet; 0 is padding; ID 15 ends
/// the list.
fn check_one_byte_elements(block: &[u8]) -> Result<(), Malformed> {
    let mut pos = 0;
    while let Some(&b) = block.get(pos) {
        pos += 1;
        if b == 0 {
            continue;
        }
        if b >> 4 == 15 {
            return Ok(());
        }
        pos += usize::from(b & 0x0f) + 1;
        if pos > block.len() {
            return Err(Malformed("RTP one-byte header extension"));
        }
    }
    Ok(())
}

/// RFC 8285 §4.3: an ID octet (0 is padding), a length octet, the data.
fn check_two_byte_elements(block: &[u8]) -> Result<(), Malformed> {
    let mut pos = 0;
    while let Some(&id) = block.get(pos) {
        pos += 1;
        if id == 0 {
            continue;
        }
        let len = *block
            .get(pos)
            .ok_or(Malformed("RTP two-byte header extension"))?;
        pos += 1 + usize::from(len);
        if pos > block.len() {
            return Err(Malformed("RTP two-byte header extension"));
        }
    }
    Ok(())
}

/// What the stream needs from an RTCP compound packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RtcpInfo {
    /// Packet type of the first packet (200 SR, 201 RR, …).
    pub first_type: u8,
    /// SSRC of the sender (the first packet's first word after the header).
    pub sender_ssrc: u32,
    /// Packets in the compound.
    pub packets: u16,
}

/// RFC 3550 Appendix A.2 validity check, relaxed for RFC 5506 reduced-size
/// RTCP (the first packet may be any of SR, RR, SDES, BYE, APP, RTPFB,
/// PSFB, XR): version 2 throughout and lengths that add up to the datagram.
pub fn check_rtcp(data: &[u8]) -> Result<RtcpInfo, Malformed> {
    let first_type = *data.get(1).ok_or(Malformed("RTCP header"))?;
    if !(200..=207).contains(&first_type) {
        return Err(Malformed("RTCP packet type"));
    }
    let ssrc = data.get(4..8).ok_or(Malformed("RTCP header"))?;
    let sender_ssrc = u32::from_be_bytes([ssrc[0], ssrc[1], ssrc[2], ssrc[3]]);
    let mut pos = 0;
    let mut packets = 0u16;
    while pos < data.len() {
        let h = data.get(pos..pos + 4).ok_or(Malformed("RTCP length"))?;
        if h[0] >> 6 != 2 {
            return Err(Malformed("RTCP version"));
        }
        let words = usize::from(u16::from_be_bytes([h[2], h[3]]));
        pos += 4 * (words + 1);
        packets = packets.saturating_add(1);
    }
    if pos != data.len() {
        return Err(Malformed("RTCP length"));
    }
    Ok(RtcpInfo {
        first_type,
        sender_ssrc,
        packets,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rtp::header::Header;
    use webrtc_util::marshal::Marshal;

    fn rtp_bytes(pt: u8, seq: u16, payload: &[u8]) -> Bytes {
        Packet {
            header: Header {
                version: 2,
                payload_type: pt,
                sequence_number: seq,
                timestamp: 1234,
                ssrc: 0xdead_beef,
                ..Default::default()
            },
            payload: Bytes::copy_from_slice(payload),
        }
        .marshal()
        .unwrap()
    }

    #[test]
    fn classifies_by_version_and_rtcp_range() {
        assert_eq!(classify(&rtp_bytes(0, 1, b"x")), Class::Rtp);
        // Marker bit set on PT 96 is octet 224: still RTP.
        assert_eq!(classify(&[0x80, 0xe0]), Class::Rtp);
        assert_eq!(classify(&[0x80, 200]), Class::Rtcp);
        assert_eq!(classify(&[0x81, 201]), Class::Rtcp);
        assert_eq!(classify(&[0x80, 192]), Class::Rtcp);
        assert_eq!(classify(&[0x80, 223]), Class::Rtcp);
        assert_eq!(classify(&[0x80]), Class::Other);
        assert_eq!(classify(&[]), Class::Other);
        // STUN binding request (RFC 7983: first octet 0-3).
        assert_eq!(classify(&[0x00, 0x01, 0x00, 0x00]), Class::Other);
        // DTLS handshake (20-63).
        assert_eq!(classify(&[0x16, 0xfe, 0xfd]), Class::Other);
        assert_eq!(classify(&[0x40, 0x00]), Class::Other);
    }

    #[test]
    fn parses_plain_rtp() {
        let p = parse_rtp(&rtp_bytes(8, 42, b"hello")).unwrap();
        assert_eq!(p.header.payload_type, 8);
        assert_eq!(p.header.sequence_number, 42);
        assert_eq!(p.header.ssrc, 0xdead_beef);
        assert_eq!(&p.payload[..], b"hello");
    }

    #[test]
    fn padding_and_extensions_are_not_payload() {
        let mut header = Header {
            version: 2,
            payload_type: 96,
            sequence_number: 1,
            ssrc: 1,
            padding: true,
            ..Default::default()
        };
        header.set_extension(3, Bytes::from_static(b"ab")).unwrap();
        let raw = Packet {
            header,
            payload: Bytes::from_static(b"media"),
        }
        .marshal()
        .unwrap();
        // One-byte profile (0xBEDE), so the element walk ran.
        assert_eq!(&raw[12..14], &[0xbe, 0xde]);
        let p = parse_rtp(&raw).unwrap();
        assert_eq!(&p.payload[..], b"media");
        assert_eq!(p.header.get_extension(3).as_deref(), Some(&b"ab"[..]));
    }

    #[test]
    fn id_15_ends_one_byte_extensions_without_leaking_into_payload() {
        // V=2 X=1, PT 96; extension 0xBEDE, 2 words: [0xF0, junk×7]; payload.
        let mut raw = vec![0x90, 96, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1];
        raw.extend_from_slice(&[0xbe, 0xde, 0, 2, 0xf0, 9, 9, 9, 9, 9, 9, 9]);
        raw.extend_from_slice(b"pay");
        let p = parse_rtp(&Bytes::from(raw)).unwrap();
        assert_eq!(&p.payload[..], b"pay");
    }

    #[test]
    fn truncated_headers_are_errors_not_panics() {
        let fixed = [0x80u8, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1];
        let cases: Vec<Vec<u8>> = vec![
            vec![],
            vec![0x80],
            fixed[..11].to_vec(),
            // CC = 2 but no CSRCs.
            [&[0x82u8][..], &fixed[1..]].concat(),
            // X=1 without the extension header.
            [&[0x90u8][..], &fixed[1..]].concat(),
            // Extension length 10 words, nothing follows.
            [&[0x90u8][..], &fixed[1..], &[0xbe, 0xde, 0, 10]].concat(),
            // One-byte element of 16 bytes in a 1-word block: `rtp` would
            // read past the end of the datagram.
            [
                &[0x90u8][..],
                &fixed[1..],
                &[0xbe, 0xde, 0, 1, 0x1f, 0, 0, 0],
            ]
            .concat(),
            // Two-byte element claiming 200 bytes.
            [
                &[0x90u8][..],
                &fixed[1..],
                &[0x10, 0x00, 0, 1, 1, 200, 0, 0],
            ]
            .concat(),
            // Two-byte element whose length octet is outside the block.
            [&[0x90u8][..], &fixed[1..], &[0x10, 0x00, 0, 1, 0, 0, 0, 7]].concat(),
            // Padding larger than the packet, and padding count 0.
            [&[0xa0u8][..], &fixed[1..], &[1, 2, 50]].concat(),
            [&[0xa0u8][..], &fixed[1..], &[1, 2, 0]].concat(),
            [&[0xa0u8][..], &fixed[1..]].concat(),
        ];
        for c in cases {
            assert!(parse_rtp(&Bytes::from(c.clone())).is_err(), "{c:02x?}");
        }
    }

    #[test]
    fn never_panics_on_arbitrary_bytes() {
        // Deterministic pseudo-random datagrams with RTP-like first octets.
        let mut x: u32 = 0x1234_5678;
        for len in 0..200usize {
            for _ in 0..20 {
                let mut d = Vec::with_capacity(len);
                for _ in 0..len {
                    x ^= x << 13;
                    x ^= x >> 17;
                    x ^= x << 5;
                    d.push(x as u8);
                }
                if let Some(b) = d.first_mut() {
                    *b = 0x80 | (*b & 0x3f);
                }
                let data = Bytes::from(d);
                let _ = parse_rtp(&data);
                let _ = check_rtcp(&data);
            }
        }
    }

    fn receiver_report(ssrc: u32) -> Vec<u8> {
        let mut rr = vec![0x80, 201, 0, 1];
        rr.extend_from_slice(&ssrc.to_be_bytes());
        rr
    }

    #[test]
    fn rtcp_compound_checks() {
        let rr = receiver_report(77);
        let info = check_rtcp(&rr).unwrap();
        assert_eq!(info.first_type, 201);
        assert_eq!(info.sender_ssrc, 77);
        assert_eq!(info.packets, 1);
        // RR + SDES (CNAME "a").
        let mut compound = rr.clone();
        compound.extend_from_slice(&[0x81, 202, 0, 2, 0, 0, 0, 77, 1, 1, b'a', 0]);
        assert_eq!(check_rtcp(&compound).unwrap().packets, 2);
        // Reduced-size PLI (RFC 5506): PSFB first.
        let pli = [0x81, 206, 0, 2, 0, 0, 0, 77, 0, 0, 0, 9];
        assert_eq!(check_rtcp(&pli).unwrap().first_type, 206);

        assert!(check_rtcp(&rr[..6]).is_err());
        // Length says 2 words, only 1 present.
        assert!(check_rtcp(&[0x80, 201, 0, 2, 0, 0, 0, 1]).is_err());
        // Trailing bytes.
        assert!(check_rtcp(&[&rr[..], &[0, 0]].concat()).is_err());
        // Second packet with a bad version.
        assert!(check_rtcp(&[&rr[..], &[0x40, 202, 0, 0]].concat()).is_err());
        // Not an RTCP type first (192 = FIR of RFC 2032, obsolete).
        assert!(check_rtcp(&[0x80, 192, 0, 1, 0, 0, 0, 1]).is_err());
    }
}
