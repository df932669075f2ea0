//! GStreamer `application/x-rtp` caps as strings, the way
//! `gst_sdp_media_get_caps_from_media` would build them from our SDP, so the
//! mixer can configure rtpbin/depayloaders without this crate depending on
//! GStreamer.

use std::fmt::Write;

/// A caps string under construction.
#[derive(Debug, Clone)]
pub struct RtpCaps {
    text: String,
}

impl RtpCaps {
    /// `application/x-rtp` with the four fields every RTP caps needs.
    pub fn new(media: &str, clock_rate: u32, encoding_name: &str, payload: u8) -> RtpCaps {
        let mut caps = RtpCaps {
            text: "application/x-rtp".to_string(),
        };
        caps.string("media", media);
        caps.int("clock-rate", i64::from(clock_rate));
        caps.string("encoding-name", encoding_name);
        caps.int("payload", i64::from(payload));
        caps
    }

    /// Add a string field, quoted when GStreamer's parser needs it.
    pub fn string(&mut self, name: &str, value: &str) -> &mut Self {
        let _ = write!(self.text, ",{name}=(string){}", quote(value));
        self
    }

    pub fn int(&mut self, name: &str, value: i64) -> &mut Self {
        let _ = write!(self.text, ",{name}=(int){value}");
        self
    }

    pub fn boolean(&mut self, name: &str, value: bool) -> &mut Self {
        let _ = write!(self.text, ",{name}=(boolean){value}");
        self
    }

    pub fn build(&self) -> String {
        self.text.clone()
    }
}

/// GStreamer serialises a string bare when every character is alphanumeric
/// or one of `_-+/:.`; anything else goes in double quotes with `"` and `\`
/// escaped (and control characters dropped: they have no business in caps).
fn quote(value: &str) -> String {
    let plain = !value.is_empty()
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-+/:.".contains(c));
    if plain {
        return value.to_string();
    }
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars().filter(|c| !c.is_control()) {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting() {
        assert_eq!(quote("42e01f"), "42e01f");
        assert_eq!(quote("Z0LAH9oB,aM4xsg=="), "\"Z0LAH9oB,aM4xsg==\"");
        assert_eq!(quote("a\"b\\c"), "\"a\\\"b\\\\c\"");
        assert_eq!(quote(""), "\"\"");
        assert_eq!(quote("x\r\ny"), "\"xy\"");
    }

    #[test]
    fn builds_fields_in_order() {
        let mut caps = RtpCaps::new("audio", 8000, "PCMU", 0);
        caps.string("ssrc-mode", "x y");
        assert_eq!(
            caps.build(),
            "application/x-rtp,media=(string)audio,clock-rate=(int)8000,encoding-name=(string)PCMU,payload=(int)0,ssrc-mode=(string)\"x y\""
        );
    }
}
