//! A [`Signal`] on the wire: a Q.931 message (Q.931 §4 as profiled by
//! H.225.0 §7) whose User-user information element carries the
//! H323-UserInformation in aligned PER.
//!
//! Decoding never panics: a wrong protocol discriminator, a truncated
//! information element, an undecodable UUIE are errors the call answers
//! with Release Complete.

use super::signal::{Kind, Signal};
use crate::h323::asn1::h225::H323UserInformation;

/// Q.931 protocol discriminator.
const Q931: u8 = 0x08;
/// User-user IE protocol discriminator for X.208/X.209 coded user
/// information (H.225.0 §7.2.2.1).
const UU_PROTOCOL: u8 = 0x05;

const IE_BEARER: u8 = 0x04;
const IE_CAUSE: u8 = 0x08;
const IE_CALL_STATE: u8 = 0x14;
const IE_DISPLAY: u8 = 0x28;
const IE_CALLING: u8 = 0x6c;
const IE_CALLED: u8 = 0x70;
const IE_USER_USER: u8 = 0x7e;

/// The most we decode (a TPKT packet's payload at most).
pub const MAX_MESSAGE: usize = 65_531;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    #[error("Q.931: {0}")]
    Q931(&'static str),
    #[error("H.225.0 UUIE: {0}")]
    Uuie(String),
}

fn message_type(k: Kind) -> u8 {
    match k {
        Kind::Alerting => 0x01,
        Kind::CallProceeding => 0x02,
        Kind::Progress => 0x03,
        Kind::Setup => 0x05,
        Kind::Connect => 0x07,
        Kind::SetupAcknowledge => 0x0d,
        Kind::ReleaseComplete => 0x5a,
        Kind::Facility => 0x62,
        Kind::Notify => 0x6e,
        Kind::StatusInquiry => 0x75,
        Kind::Information => 0x7b,
        Kind::Status => 0x7d,
        Kind::Other => 0x62,
    }
}

fn kind_of(t: u8) -> Kind {
    match t {
        0x01 => Kind::Alerting,
        0x02 => Kind::CallProceeding,
        0x03 => Kind::Progress,
        0x05 => Kind::Setup,
        0x07 => Kind::Connect,
        0x0d => Kind::SetupAcknowledge,
        0x5a => Kind::ReleaseComplete,
        0x62 => Kind::Facility,
        0x6e => Kind::Notify,
        0x75 => Kind::StatusInquiry,
        0x7b => Kind::Information,
        0x7d => Kind::Status,
        _ => Kind::Other,
    }
}

fn ie(out: &mut Vec<u8>, id: u8, body: &[u8]) {
    // One-octet lengths; callers keep bodies short (Display is cut).
    let len = body.len().min(255);
    out.push(id);
    out.push(len as u8);
    out.extend_from_slice(&body[..len]);
}

fn digits(s: &str) -> Vec<u8> {
    s.bytes()
        .filter(|b| b.is_ascii_digit() || *b == b'*' || *b == b'#')
        .take(32)
        .collect()
}

/// The Q.931 message for `s`.
pub fn encode(s: &Signal) -> Result<Vec<u8>, WireError> {
    let uuie = rasn::aper::encode(&s.to_uuie()).map_err(|e| WireError::Uuie(e.to_string()))?;
    let mut out = Vec::with_capacity(uuie.len() + 64);
    out.push(Q931);
    out.push(2);
    let flag = if s.from_destination { 0x80 } else { 0 };
    let crv = s.call_reference & 0x7fff;
    out.push(flag | (crv >> 8) as u8);
    out.push((crv & 0xff) as u8);
    out.push(message_type(s.kind()));
    // Information elements in ascending order (Q.931 §4.5.1).
    if s.kind() == Kind::Setup {
        // Unrestricted digital information, circuit mode at 64 kbit/s,
        // layer 1 H.221 (H.225.0 §7.2.2.1).
        ie(&mut out, IE_BEARER, &[0x88, 0x90, 0xa5]);
    }
    if let Some(c) = s.cause {
        // ITU-T coding, location user; the cause value with its
        // extension bit.
        ie(&mut out, IE_CAUSE, &[0x80, 0x80 | (c & 0x7f)]);
    }
    if let Some(state) = s.call_state {
        // Coding standard ITU-T (00) and the state value.
        ie(&mut out, IE_CALL_STATE, &[state & 0x3f]);
    }
    if let Some(d) = s.display.as_deref().filter(|d| !d.is_empty()) {
        // Display is IA5: what is not ASCII becomes '?'; the UUIE's
        // display name keeps the full text.
        let text: Vec<u8> = d
            .chars()
            .take(80)
            .map(|c| {
                if c.is_ascii() && !c.is_ascii_control() {
                    c as u8
                } else {
                    b'?'
                }
            })
            .collect();
        ie(&mut out, IE_DISPLAY, &text);
    }
    if let Some(n) = s.calling_number.as_deref() {
        let mut body = vec![0x81];
        body.extend(digits(n));
        if body.len() > 1 {
            ie(&mut out, IE_CALLING, &body);
        }
    }
    if let Some(n) = s.called_number.as_deref() {
        let mut body = vec![0x81];
        body.extend(digits(n));
        if body.len() > 1 {
            ie(&mut out, IE_CALLED, &body);
        }
    }
    // User-user has a two-octet length in H.225.0.
    let len = uuie.len() + 1;
    let len16 = u16::try_from(len).map_err(|_| WireError::Uuie("UUIE too long".into()))?;
    out.push(IE_USER_USER);
    out.extend_from_slice(&len16.to_be_bytes());
    out.push(UU_PROTOCOL);
    out.extend_from_slice(&uuie);
    Ok(out)
}

/// A Q.931 message back into a [`Signal`].
pub fn decode(bytes: &[u8]) -> Result<Signal, WireError> {
    if bytes.len() > MAX_MESSAGE {
        return Err(WireError::Q931("message too long"));
    }
    let mut it = bytes.iter().copied();
    if it.next() != Some(Q931) {
        return Err(WireError::Q931("not Q.931 (protocol discriminator)"));
    }
    let crv_len = usize::from(it.next().ok_or(WireError::Q931("truncated"))? & 0x0f);
    let crv_bytes: Vec<u8> = it.by_ref().take(crv_len).collect();
    if crv_bytes.len() != crv_len || crv_len > 2 {
        return Err(WireError::Q931("bad call reference"));
    }
    let (from_destination, crv) = match crv_bytes.as_slice() {
        [] => (false, 0),
        [a] => (a & 0x80 != 0, u16::from(a & 0x7f)),
        [a, b] => (a & 0x80 != 0, u16::from(a & 0x7f) << 8 | u16::from(*b)),
        _ => return Err(WireError::Q931("bad call reference")),
    };
    let t = it.next().ok_or(WireError::Q931("no message type"))?;
    let mut s = Signal {
        kind: Some(kind_of(t)),
        call_reference: crv,
        from_destination,
        ..Signal::default()
    };
    let rest: Vec<u8> = it.collect();
    let mut i = 0;
    let mut uuie = None;
    while i < rest.len() {
        let id = rest[i];
        i += 1;
        if id & 0x80 != 0 {
            // Single-octet IE (Sending complete, shift…).
            continue;
        }
        let len = if id == IE_USER_USER {
            let hi = *rest.get(i).ok_or(WireError::Q931("truncated IE"))?;
            let lo = *rest.get(i + 1).ok_or(WireError::Q931("truncated IE"))?;
            i += 2;
            usize::from(u16::from_be_bytes([hi, lo]))
        } else {
            let l = *rest.get(i).ok_or(WireError::Q931("truncated IE"))?;
            i += 1;
            usize::from(l)
        };
        let body = rest
            .get(i..i + len)
            .ok_or(WireError::Q931("IE longer than the message"))?;
        i += len;
        match id {
            IE_CAUSE => s.cause = body.get(1).map(|c| c & 0x7f),
            IE_CALL_STATE => s.call_state = body.first().map(|c| c & 0x3f),
            IE_DISPLAY => s.display = Some(String::from_utf8_lossy(body).into_owned()),
            IE_CALLED | IE_CALLING => {
                // Octet 3 (and 3a when its extension bit is clear) before
                // the digits.
                let skip = match body.first() {
                    Some(b) if b & 0x80 == 0 => 2,
                    Some(_) => 1,
                    None => 0,
                };
                let n: String = body
                    .iter()
                    .skip(skip)
                    .map(|b| char::from(*b))
                    .filter(|c| c.is_ascii_digit() || *c == '*' || *c == '#')
                    .collect();
                if id == IE_CALLED {
                    s.called_number = Some(n);
                } else {
                    s.calling_number = Some(n);
                }
            }
            IE_USER_USER => uuie = Some(body),
            _ => {}
        }
    }
    let body = uuie.ok_or(WireError::Q931("no User-user IE"))?;
    let (proto, per) = body
        .split_first()
        .ok_or(WireError::Q931("empty User-user IE"))?;
    if *proto != UU_PROTOCOL {
        return Err(WireError::Q931("User-user IE is not X.208/X.209 coded"));
    }
    let ui: H323UserInformation =
        rasn::aper::decode(per).map_err(|e| WireError::Uuie(e.to_string()))?;
    s.read_uuie(&ui);
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::h323::call::reason::ReleaseReason;
    use crate::h323::call::signal::Alias;

    #[test]
    fn setup_and_release_complete_roundtrip() {
        let mut s = Signal::new(Kind::Setup, 0x1234, false);
        s.destination = vec![Alias::Digits("1000".into())];
        s.called_number = Some("1000*1234".into());
        s.calling_number = Some("2001".into());
        s.display = Some("Điểm cầu".into());
        s.tunnelling = true;
        let bytes = encode(&s).unwrap();
        assert_eq!(&bytes[..5], &[0x08, 2, 0x12, 0x34, 0x05]);
        let back = decode(&bytes).unwrap();
        assert_eq!(back.kind(), Kind::Setup);
        assert_eq!(back.call_reference, 0x1234);
        assert!(!back.from_destination);
        assert_eq!(back.called_number.as_deref(), Some("1000*1234"));
        assert_eq!(back.calling_number.as_deref(), Some("2001"));
        // Q.931 Display carries "?i?m c?u"; the UUIE's display name wins.
        assert_eq!(back.display.as_deref(), Some("Điểm cầu"));
        assert!(bytes.windows(8).any(|w| w == b"?i?m c?u"));
        assert_eq!(back.destination, s.destination);
        assert!(back.tunnelling);

        let mut rc = Signal::new(Kind::ReleaseComplete, 0x1234, true);
        rc.reason = Some(ReleaseReason::UnreachableDestination);
        rc.cause = Some(1);
        let back = decode(&encode(&rc).unwrap()).unwrap();
        assert_eq!(back.kind(), Kind::ReleaseComplete);
        assert!(back.from_destination);
        assert_eq!(back.cause, Some(1));
        assert_eq!(back.reason, Some(ReleaseReason::UnreachableDestination));
    }

    #[test]
    fn malformed_messages_are_errors() {
        let good = encode(&Signal::new(Kind::Connect, 1, true)).unwrap();
        for n in 0..good.len() {
            // Every truncation fails cleanly.
            assert!(decode(&good[..n]).is_err(), "truncated at {n}");
        }
        assert!(decode(&[0x09, 0, 5]).is_err());
        assert!(decode(&[0x08, 2, 0, 1, 5, 0x7e, 0xff, 0xff, 5]).is_err());
        let mut seed = 7u32;
        for _ in 0..5000 {
            let mut b = good.clone();
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
            let at = (seed as usize >> 8) % b.len();
            b[at] ^= (seed >> 24) as u8 | 1;
            let _ = decode(&b);
        }
    }
}
