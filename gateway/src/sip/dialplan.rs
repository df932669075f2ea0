//! Dial plan: what the user part of a dialled Request-URI means.
//!
//! Room terminals cannot send a PIN out of band, so it travels in the dialled
//! string: `1000*1234` (also `1000**1234`, `1000#1234`) is room 1000 with PIN
//! 1234. Phone-style numbers are normalised to bare digits (`+84 (24) 1000` →
//! `84241000`) so they match the digits-only room numbers and aliases of the
//! configuration; anything else is a room alias, returned unchanged for the
//! configuration lookup.

use super::SipError;

/// A parsed dial string.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DialString {
    /// Room number (digits) or room alias, as the configuration knows it.
    pub room: String,
    /// PIN dialled after the room, digits only.
    pub pin: Option<String>,
}

/// Separators terminals put between room and PIN. Several in a row (`**`,
/// `*#`) count as one, and a trailing `#` is the usual "end of dialling" key.
const PIN_SEPARATORS: [char; 2] = ['*', '#'];

/// Characters RFC 3966 calls visual separators, plus the space that keypads and
/// address books insert (it arrives percent-encoded).
const VISUAL_SEPARATORS: [char; 5] = ['-', '.', '(', ')', ' '];

/// Parse the user part of a dialled Request-URI.
pub fn parse_dial(user: &str) -> Result<DialString, SipError> {
    let decoded = percent_decode(user)?;
    let text = decoded.trim();
    if text.is_empty() {
        return Err(malformed(user, "empty dial string"));
    }

    let (room_part, pin_part) = match text.find(PIN_SEPARATORS) {
        Some(at) => (&text[..at], Some(&text[at..])),
        None => (text, None),
    };

    let room = parse_room(room_part.trim()).ok_or_else(|| malformed(user, "invalid room"))?;

    let pin = match pin_part {
        None => None,
        Some(rest) => {
            let pin = rest
                .trim_start_matches(PIN_SEPARATORS)
                .trim_end_matches('#');
            if pin.is_empty() {
                // "1000#" or "1000*": a dangling separator, no PIN entered.
                None
            } else if pin.bytes().all(|b| b.is_ascii_digit()) {
                Some(pin.to_owned())
            } else {
                return Err(malformed(user, "PIN must be digits"));
            }
        }
    };

    Ok(DialString { room, pin })
}

/// Digits of a phone-style number (optional leading `+`, digits, visual
/// separators), or `None` when `text` is not one. Used for dialled strings and
/// for configured aliases, so both sides normalise the same way.
pub fn normalize_number(text: &str) -> Option<String> {
    let body = text.strip_prefix('+').unwrap_or(text);
    if !body.chars().any(|c| c.is_ascii_digit()) {
        return None;
    }
    if !body
        .chars()
        .all(|c| c.is_ascii_digit() || VISUAL_SEPARATORS.contains(&c))
    {
        return None;
    }
    Some(body.chars().filter(char::is_ascii_digit).collect())
}

/// True for a string that can be a room alias: something other than a plain
/// number that is still safe in a SIP user part and free of PIN separators.
pub fn is_alias(text: &str) -> bool {
    text.chars().any(char::is_alphanumeric)
        && text.chars().all(|c| {
            c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | '!' | '~' | '\'' | '(' | ')' | '+')
        })
}

fn parse_room(text: &str) -> Option<String> {
    if let Some(digits) = normalize_number(text) {
        return Some(digits);
    }
    is_alias(text).then(|| text.to_owned())
}

/// Decode `%XX` escapes (RFC 3261 §25.1 `escaped`); the result must be UTF-8.
fn percent_decode(text: &str) -> Result<String, SipError> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hi = bytes.get(i + 1).and_then(|b| hex_value(*b));
            let lo = bytes.get(i + 2).and_then(|b| hex_value(*b));
            match (hi, lo) {
                (Some(hi), Some(lo)) => out.push(hi << 4 | lo),
                _ => return Err(malformed(text, "bad percent escape")),
            }
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| malformed(text, "escapes are not UTF-8"))
}

fn hex_value(b: u8) -> Option<u8> {
    char::from(b)
        .to_digit(16)
        .and_then(|d| u8::try_from(d).ok())
}

fn malformed(user: &str, why: &str) -> SipError {
    // The dialled string ends up in logs and reason phrases: keep it short.
    let shown: String = user.chars().take(64).collect();
    SipError::Malformed(format!("dial string {shown:?}: {why}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dial(user: &str) -> (String, Option<String>) {
        let d = parse_dial(user).unwrap_or_else(|e| panic!("{user:?}: {e}"));
        (d.room, d.pin)
    }

    fn room(r: &str) -> (String, Option<String>) {
        (r.to_owned(), None)
    }

    fn room_pin(r: &str, p: &str) -> (String, Option<String>) {
        (r.to_owned(), Some(p.to_owned()))
    }

    #[test]
    fn plain_room_number() {
        assert_eq!(dial("1000"), room("1000"));
        assert_eq!(dial("0042"), room("0042"));
    }

    #[test]
    fn room_with_pin_and_every_separator() {
        assert_eq!(dial("1000*1234"), room_pin("1000", "1234"));
        assert_eq!(dial("1000**1234"), room_pin("1000", "1234"));
        assert_eq!(dial("1000#1234"), room_pin("1000", "1234"));
        assert_eq!(dial("1000*#1234"), room_pin("1000", "1234"));
        assert_eq!(dial("1000*1234#"), room_pin("1000", "1234"));
    }

    #[test]
    fn dangling_separator_means_no_pin() {
        assert_eq!(dial("1000#"), room("1000"));
        assert_eq!(dial("1000*"), room("1000"));
        assert_eq!(dial("1000**"), room("1000"));
    }

    #[test]
    fn percent_escapes_are_decoded() {
        assert_eq!(dial("1000%2A1234"), room_pin("1000", "1234"));
        assert_eq!(dial("1000%2a%2A1234"), room_pin("1000", "1234"));
        assert_eq!(dial("1000%231234"), room_pin("1000", "1234"));
        assert_eq!(dial("%2B84%2024%201000"), room("84241000"));
    }

    #[test]
    fn e164_style_numbers_are_normalised() {
        assert_eq!(dial("+1000"), room("1000"));
        assert_eq!(dial("+84-24-1000"), room("84241000"));
        assert_eq!(dial("+84(24)1000"), room("84241000"));
        assert_eq!(dial("1.000"), room("1000"));
        assert_eq!(dial("+84-24-1000*99"), room_pin("84241000", "99"));
    }

    #[test]
    fn aliases_are_returned_as_is() {
        assert_eq!(dial("giaoban"), room("giaoban"));
        assert_eq!(dial("Hop-Giao-Ban"), room("Hop-Giao-Ban"));
        assert_eq!(dial("room.one*55"), room_pin("room.one", "55"));
        assert_eq!(dial("ph%C3%B2ng"), room("phòng"));
    }

    #[test]
    fn garbage_is_rejected() {
        for bad in [
            "",
            "   ",
            "%20",
            "*1234",
            "#",
            "***",
            "+",
            "-",
            "+-",
            "1000*12a4",
            "1000*abc",
            "a b",
            "room@host",
            "sip:1000",
            "1000;x",
            "%",
            "%2",
            "%zz",
            "%ff",
            "<1000>",
            "1000*12 34",
            "\"1000\"",
            "10,00",
        ] {
            assert!(parse_dial(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn normalize_number_rules() {
        assert_eq!(normalize_number("+84 24 1000").as_deref(), Some("84241000"));
        assert_eq!(normalize_number("1000").as_deref(), Some("1000"));
        assert_eq!(normalize_number("++1000"), None);
        assert_eq!(normalize_number("10a0"), None);
        assert_eq!(normalize_number("-.-"), None);
        assert_eq!(normalize_number(""), None);
    }

    #[test]
    fn never_panics_on_odd_input() {
        let samples = [
            "%",
            "%%",
            "%e2%82",
            "\u{0}",
            "ä*",
            "1000*%2",
            "*\u{1F600}",
            "🙂",
        ];
        for s in samples {
            let _ = parse_dial(s);
        }
        // Every byte boundary of a multi-byte string.
        let s = "Điểm*12";
        for cut in 0..=s.len() {
            if let Some(prefix) = s.get(..cut) {
                let _ = parse_dial(prefix);
            }
        }
    }
}
