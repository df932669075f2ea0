//! Message framing for stream transports (TCP, TLS), sans-IO: bytes go in
//! with [`StreamFramer::push`], whole messages and RFC 5626 keep-alives come
//! out of [`StreamFramer::next_frame`].
//!
//! On a stream the only message boundary is Content-Length (RFC 3261
//! §18.3), so a message without it, or a header section that never ends
//! within the limit, leaves the stream unsynchronisable: the framer then
//! fails for good and the caller closes the connection.

use bytes::{Buf, BytesMut};

use super::message::{content_length_of_head, header_block_end};
use super::SipError;

/// One unit read off a stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    /// A complete message (header section and body), for `message::parse`.
    Message(Vec<u8>),
    /// RFC 5626 double-CRLF ping: answer with a single CRLF pong.
    Ping,
    /// Single CRLF (pong) from the peer: ignore.
    Pong,
}

#[derive(Debug)]
pub struct StreamFramer {
    buf: BytesMut,
    max_message: usize,
    /// Bytes of `buf` already searched for the end of the header section.
    scanned: usize,
    /// Total length of the message at the front, once its headers are read.
    pending: Option<usize>,
    failed: Option<String>,
}

impl StreamFramer {
    /// A framer refusing messages (header section plus body) larger than
    /// `max_message` bytes.
    pub fn new(max_message: usize) -> Self {
        Self {
            buf: BytesMut::new(),
            max_message,
            scanned: 0,
            pending: None,
            failed: None,
        }
    }

    /// Append bytes read from the stream.
    pub fn push(&mut self, data: &[u8]) {
        if self.failed.is_none() {
            self.buf.extend_from_slice(data);
        }
    }

    /// Bytes buffered but not yet returned.
    pub fn buffered(&self) -> usize {
        self.buf.len()
    }

    /// The next complete frame, `Ok(None)` when more bytes are needed, or an
    /// error once the stream cannot be framed any more (then always).
    pub fn next_frame(&mut self) -> Result<Option<Frame>, SipError> {
        if let Some(why) = &self.failed {
            return Err(SipError::Malformed(why.clone()));
        }
        match self.next_inner() {
            Err(e) => {
                self.failed = Some(match &e {
                    SipError::Malformed(m) => m.clone(),
                    other => other.to_string(),
                });
                self.buf.clear();
                Err(e)
            }
            ok => ok,
        }
    }

    fn next_inner(&mut self) -> Result<Option<Frame>, SipError> {
        if self.pending.is_none() {
            // Between messages: keep-alives and stray line ends.
            loop {
                match (self.buf.first(), self.buf.get(1)) {
                    (None, _) => return Ok(None),
                    (Some(b'\r'), Some(b'\n')) => {
                        return match (self.buf.get(2), self.buf.get(3)) {
                            (Some(b'\r'), Some(b'\n')) => {
                                self.buf.advance(4);
                                self.scanned = 0;
                                Ok(Some(Frame::Ping))
                            }
                            // "\r\n" or "\r\n\r": a ping may still be arriving.
                            (None, _) | (Some(b'\r'), None) => Ok(None),
                            _ => {
                                self.buf.advance(2);
                                self.scanned = 0;
                                Ok(Some(Frame::Pong))
                            }
                        };
                    }
                    (Some(b'\r'), None) => return Ok(None),
                    // A lone CR or LF is noise before a start line.
                    (Some(b'\r' | b'\n'), _) => {
                        self.buf.advance(1);
                        self.scanned = 0;
                    }
                    _ => break,
                }
            }
            let from = self.scanned;
            let Some(head_len) = header_block_end(&self.buf, from) else {
                if self.buf.len() > self.max_message {
                    return Err(SipError::TooLarge(self.buf.len()));
                }
                // Resume the search where a terminator could still start.
                self.scanned = self.buf.len().saturating_sub(3);
                return Ok(None);
            };
            let head = self.buf.get(..head_len).unwrap_or_default();
            let body_len = content_length_of_head(head)?.ok_or_else(|| {
                SipError::Malformed("message without Content-Length on a stream".into())
            })?;
            let total = head_len.saturating_add(body_len);
            if total > self.max_message {
                return Err(SipError::TooLarge(total));
            }
            self.pending = Some(total);
        }
        match self.pending {
            Some(total) if self.buf.len() >= total => {
                self.pending = None;
                self.scanned = 0;
                Ok(Some(Frame::Message(self.buf.split_to(total).to_vec())))
            }
            _ => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sip::message;

    fn msg(call_id: &str, body: &str) -> String {
        format!(
            "OPTIONS sip:gw.example.com SIP/2.0\r\n\
             Via: SIP/2.0/TCP 192.0.2.1:5060;branch=z9hG4bK{call_id}\r\n\
             From: <sip:a@example.com>;tag=1\r\n\
             To: <sip:gw.example.com>\r\n\
             Call-ID: {call_id}\r\n\
             CSeq: 1 OPTIONS\r\n\
             Content-Length: {}\r\n\r\n{body}",
            body.len()
        )
    }

    fn drain(f: &mut StreamFramer) -> Vec<Frame> {
        let mut out = Vec::new();
        while let Some(frame) = f.next_frame().expect("frame") {
            out.push(frame);
        }
        out
    }

    #[test]
    fn one_message_byte_by_byte() {
        let m = msg("c1", "hello");
        let mut f = StreamFramer::new(message::MAX_MESSAGE_SIZE);
        let mut frames = Vec::new();
        for b in m.as_bytes() {
            f.push(std::slice::from_ref(b));
            frames.extend(drain(&mut f));
        }
        assert_eq!(frames, vec![Frame::Message(m.clone().into_bytes())]);
        assert_eq!(f.buffered(), 0);
        let parsed = message::parse(m.as_bytes()).expect("frame parses");
        assert_eq!(parsed.body(), b"hello");
    }

    #[test]
    fn several_messages_and_keepalives_in_one_push() {
        let (a, b, c) = (msg("a", ""), msg("b", "xyz"), msg("c", "v=0\r\n\r\n"));
        let stream = format!("\r\n\r\n{a}\r\n{b}{c}\r\n\r\n");
        let mut f = StreamFramer::new(message::MAX_MESSAGE_SIZE);
        f.push(stream.as_bytes());
        assert_eq!(
            drain(&mut f),
            vec![
                Frame::Ping,
                Frame::Message(a.into_bytes()),
                Frame::Pong,
                Frame::Message(b.into_bytes()),
                Frame::Message(c.into_bytes()),
                Frame::Ping,
            ]
        );
    }

    #[test]
    fn a_ping_split_in_two_is_still_a_ping() {
        let mut f = StreamFramer::new(1000);
        f.push(b"\r\n");
        assert_eq!(f.next_frame().unwrap(), None);
        f.push(b"\r");
        assert_eq!(f.next_frame().unwrap(), None);
        f.push(b"\n");
        assert_eq!(f.next_frame().unwrap(), Some(Frame::Ping));
        // A lone CRLF followed by a message is a pong.
        f.push(b"\r\nOPT");
        assert_eq!(f.next_frame().unwrap(), Some(Frame::Pong));
        assert_eq!(f.next_frame().unwrap(), None);
    }

    #[test]
    fn split_inside_the_terminator_and_body() {
        let m = msg("s", "0123456789");
        let cut = m.find("\r\n\r\n").unwrap() + 1;
        let mut f = StreamFramer::new(message::MAX_MESSAGE_SIZE);
        for piece in [
            &m[..cut],
            &m[cut..cut + 2],
            &m[cut + 2..m.len() - 3],
            &m[m.len() - 3..],
        ] {
            assert!(drain(&mut f).is_empty());
            f.push(piece.as_bytes());
        }
        assert_eq!(drain(&mut f), vec![Frame::Message(m.into_bytes())]);
    }

    #[test]
    fn compact_and_folded_content_length() {
        let m = msg("k", "abc").replace("Content-Length: 3", "l :\r\n 3");
        let mut f = StreamFramer::new(message::MAX_MESSAGE_SIZE);
        f.push(m.as_bytes());
        f.push(b"tail");
        assert_eq!(drain(&mut f), vec![Frame::Message(m.into_bytes())]);
        assert_eq!(f.buffered(), 4);
    }

    #[test]
    fn bare_lf_line_ends_are_framed() {
        let m = msg("lf", "body").replace("\r\n", "\n");
        let mut f = StreamFramer::new(message::MAX_MESSAGE_SIZE);
        f.push(m.as_bytes());
        f.push(m.as_bytes());
        assert_eq!(
            drain(&mut f),
            vec![
                Frame::Message(m.clone().into_bytes()),
                Frame::Message(m.into_bytes())
            ]
        );
    }

    #[test]
    fn missing_content_length_breaks_the_stream() {
        let m = msg("n", "").replace("Content-Length: 0\r\n", "");
        let mut f = StreamFramer::new(message::MAX_MESSAGE_SIZE);
        f.push(m.as_bytes());
        let e = f.next_frame().unwrap_err().to_string();
        assert!(e.contains("Content-Length"), "{e}");
        // Once lost, always lost: the connection must be closed.
        f.push(msg("ok", "").as_bytes());
        assert!(f.next_frame().is_err());
        let bad = msg("b", "").replace("Content-Length: 0", "Content-Length: zero");
        let mut f = StreamFramer::new(message::MAX_MESSAGE_SIZE);
        f.push(bad.as_bytes());
        assert!(f.next_frame().is_err());
    }

    #[test]
    fn oversized_headers_and_bodies_are_refused() {
        let mut f = StreamFramer::new(512);
        f.push(b"OPTIONS sip:x SIP/2.0\r\n");
        assert_eq!(f.next_frame().unwrap(), None);
        f.push(&[b'a'; 600]);
        assert!(matches!(f.next_frame(), Err(SipError::TooLarge(_))));
        let big = msg("big", "").replace("Content-Length: 0", "Content-Length: 100000");
        let mut f = StreamFramer::new(message::MAX_MESSAGE_SIZE);
        f.push(big.as_bytes());
        assert!(matches!(f.next_frame(), Err(SipError::TooLarge(_))));
    }
}
