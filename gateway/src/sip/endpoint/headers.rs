//! Header reading for the core, as owned strings, on top of `message`'s
//! name-aware lookups (compact forms included).

use rsip::message::HasHeaders;

use crate::sip::message;

pub fn values(msg: &impl HasHeaders, name: &str) -> Vec<String> {
    message::header_values(msg, name)
        .into_iter()
        .map(str::to_string)
        .collect()
}

pub fn first(msg: &impl HasHeaders, name: &str) -> Option<String> {
    message::header(msg, name).map(str::to_string)
}

/// Option tags of comma-separated headers (Supported, Require, Allow).
pub fn tokens(msg: &impl HasHeaders, name: &str) -> Vec<String> {
    message::header_values(msg, name)
        .into_iter()
        .flat_map(message::split_list)
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .collect()
}

pub fn has_token(msg: &impl HasHeaders, name: &str, token: &str) -> bool {
    tokens(msg, name)
        .iter()
        .any(|t| t.eq_ignore_ascii_case(token))
}

pub fn push(msg: &mut impl HasHeaders, name: &str, value: impl Into<String>) {
    message::add_header(msg, name, value);
}

pub fn from_value(msg: &impl HasHeaders) -> Option<String> {
    first(msg, "From")
}

pub fn to_value(msg: &impl HasHeaders) -> Option<String> {
    first(msg, "To")
}

pub fn call_id(msg: &impl HasHeaders) -> Option<String> {
    message::call_id(msg).ok()
}

/// CSeq number and method token.
pub fn cseq(msg: &impl HasHeaders) -> Option<(u32, String)> {
    message::cseq(msg).ok().map(|(n, m)| (n, m.to_string()))
}

/// The body and its media type (lower-case, without parameters).
pub fn body_of<'a>(msg: &impl HasHeaders, body: &'a [u8]) -> Option<(String, &'a [u8])> {
    if body.is_empty() {
        return None;
    }
    let ctype = first(msg, "Content-Type")
        .map(|c| {
            c.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .unwrap_or_default();
    Some((ctype, body))
}

#[cfg(test)]
mod tests {
    use super::*;

    const INVITE: &str = "INVITE sip:1000@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK1\r\nFrom: \"A\" <sip:101@h>;tag=abc\r\nTo: <sip:1000@h>\r\nCall-ID: c1\r\nCSeq: 7 INVITE\r\nk: timer, 100rel\r\nSession-Expires: 90;refresher=uac\r\nContent-Length: 0\r\n\r\n";

    #[test]
    fn finds_headers_and_tokens() {
        let Ok(rsip::SipMessage::Request(r)) = message::parse(INVITE.as_bytes()) else {
            panic!("test request must parse")
        };
        assert_eq!(call_id(&r).as_deref(), Some("c1"));
        assert_eq!(cseq(&r), Some((7, "INVITE".to_string())));
        assert!(has_token(&r, "Supported", "timer"));
        assert!(has_token(&r, "Supported", "100rel"));
        assert!(!has_token(&r, "Supported", "replaces"));
        assert_eq!(
            first(&r, "session-expires").as_deref(),
            Some("90;refresher=uac")
        );
        assert_eq!(body_of(&r, &r.body), None);
    }
}
