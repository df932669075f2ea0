//! Dialog state (RFC 3261 §12) and building in-dialog requests. Requests are
//! composed as text and parsed back, so what we send passes the same checks
//! as what we receive.

use super::message;
use super::transport::{Peer, TransportKind};
use super::SipError;

/// One side's view of a dialog.
#[derive(Debug, Clone)]
pub struct Dialog {
    pub call_id: String,
    pub local_tag: String,
    /// None on the UAC side until a response carries the To tag.
    pub remote_tag: Option<String>,
    /// From/To header values without the tag parameter.
    pub local_uri: String,
    pub remote_uri: String,
    pub local_cseq: u32,
    pub remote_cseq: Option<u32>,
    /// The peer's Contact URI: the Request-URI of in-dialog requests.
    pub remote_target: String,
    /// Record-Route values, in the order the requests must carry them.
    pub route_set: Vec<String>,
    /// Where in-dialog requests go: the address the peer's signalling came
    /// from (or the one we reached it on), which survives NAT where the
    /// Contact does not.
    pub peer: Peer,
    /// Our Contact URI (without angle brackets).
    pub local_contact: String,
}

impl Dialog {
    /// The next CSeq number for a new request of ours.
    pub fn next_cseq(&mut self) -> u32 {
        self.local_cseq = self.local_cseq.wrapping_add(1).max(1);
        self.local_cseq
    }

    /// A new in-dialog request (not ACK, which reuses the INVITE's CSeq: see
    /// [`Dialog::ack`]). `extra` are complete header lines without CRLF.
    pub fn request(
        &mut self,
        method: &str,
        extra: &[String],
        body: Option<(&str, &[u8])>,
        sent_by: &str,
        user_agent: &str,
    ) -> Result<rsip::Request, SipError> {
        let cseq = self.next_cseq();
        self.build(
            method,
            cseq,
            &message::new_branch(),
            extra,
            body,
            sent_by,
            user_agent,
        )
    }

    /// The ACK for a 2xx to our INVITE with CSeq `cseq` (a new transaction-less
    /// request with its own branch, RFC 3261 §13.2.2.4).
    pub fn ack(
        &self,
        cseq: u32,
        body: Option<(&str, &[u8])>,
        sent_by: &str,
        user_agent: &str,
    ) -> Result<rsip::Request, SipError> {
        self.build(
            "ACK",
            cseq,
            &message::new_branch(),
            &[],
            body,
            sent_by,
            user_agent,
        )
    }

    #[allow(clippy::too_many_arguments)]
    pub fn build(
        &self,
        method: &str,
        cseq: u32,
        branch: &str,
        extra: &[String],
        body: Option<(&str, &[u8])>,
        sent_by: &str,
        user_agent: &str,
    ) -> Result<rsip::Request, SipError> {
        let transport = self.peer.transport;
        let mut text = String::with_capacity(512);
        text.push_str(&format!("{method} {} SIP/2.0\r\n", self.remote_target));
        text.push_str(&format!(
            "Via: SIP/2.0/{} {sent_by};branch={branch};rport\r\n",
            transport.via_token()
        ));
        text.push_str("Max-Forwards: 70\r\n");
        for r in &self.route_set {
            text.push_str(&format!("Route: {r}\r\n"));
        }
        text.push_str(&format!(
            "From: {};tag={}\r\n",
            self.local_uri, self.local_tag
        ));
        match &self.remote_tag {
            Some(t) => text.push_str(&format!("To: {};tag={t}\r\n", self.remote_uri)),
            None => text.push_str(&format!("To: {}\r\n", self.remote_uri)),
        }
        text.push_str(&format!("Call-ID: {}\r\n", self.call_id));
        text.push_str(&format!("CSeq: {cseq} {method}\r\n"));
        text.push_str(&format!("Contact: <{}>\r\n", self.local_contact));
        text.push_str(&format!("User-Agent: {user_agent}\r\n"));
        for h in extra {
            text.push_str(h);
            text.push_str("\r\n");
        }
        let mut raw = text.into_bytes();
        match body {
            Some((ctype, b)) => {
                raw.extend_from_slice(
                    format!(
                        "Content-Type: {ctype}\r\nContent-Length: {}\r\n\r\n",
                        b.len()
                    )
                    .as_bytes(),
                );
                raw.extend_from_slice(b);
            }
            None => raw.extend_from_slice(b"Content-Length: 0\r\n\r\n"),
        }
        match message::parse(&raw)? {
            rsip::SipMessage::Request(r) => Ok(r),
            rsip::SipMessage::Response(_) => Err(SipError::Malformed(
                "built request parsed as a response".into(),
            )),
        }
    }
}

/// `host:port` for our Via and Contact on this transport.
pub fn sent_by(addr: std::net::SocketAddr) -> String {
    addr.to_string()
}

/// Our Contact URI for a user part and transport.
pub fn contact_uri(user: &str, addr: std::net::SocketAddr, transport: TransportKind) -> String {
    match transport {
        TransportKind::Udp => format!("sip:{user}@{addr}"),
        TransportKind::Tcp => format!("sip:{user}@{addr};transport=tcp"),
        TransportKind::Tls => format!("sips:{user}@{addr}"),
    }
}

/// Split a From/To header value into the part without tag and the tag.
pub fn split_tag(value: &str) -> (String, Option<String>) {
    // The tag is a header parameter: after the closing '>' for name-addr, or
    // anywhere in the params of a bare addr-spec.
    let (head, params) = match value.rfind('>') {
        Some(i) => (&value[..=i], &value[i + 1..]),
        None => match value.find(';') {
            Some(i) => (&value[..i], &value[i..]),
            None => (value, ""),
        },
    };
    let mut kept = String::from(head.trim());
    let mut tag = None;
    for p in params.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        match p.split_once('=') {
            Some((k, v)) if k.trim().eq_ignore_ascii_case("tag") => {
                tag = Some(v.trim().to_string())
            }
            _ => {
                kept.push(';');
                kept.push_str(p);
            }
        }
    }
    (kept, tag)
}

/// The URI inside a name-addr (`"Name" <sip:x@y>;p=1` → `sip:x@y`), or the
/// addr-spec itself without header parameters.
pub fn uri_of(value: &str) -> String {
    if let (Some(a), Some(b)) = (value.find('<'), value.rfind('>')) {
        if a < b {
            return value[a + 1..b].trim().to_string();
        }
    }
    value.split(';').next().unwrap_or("").trim().to_string()
}

/// The quoted or bare display name of a name-addr, if any.
pub fn display_name_of(value: &str) -> Option<String> {
    let before = &value[..value.find('<')?];
    let name = before.trim().trim_matches('"').trim();
    (!name.is_empty()).then(|| name.replace("\\\"", "\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_tags() {
        assert_eq!(
            split_tag("\"A\" <sip:a@b>;tag=123;x=y"),
            ("\"A\" <sip:a@b>;x=y".to_string(), Some("123".to_string()))
        );
        assert_eq!(
            split_tag("sip:a@b;tag=9"),
            ("sip:a@b".to_string(), Some("9".to_string()))
        );
        assert_eq!(split_tag("<sip:a@b>"), ("<sip:a@b>".to_string(), None));
    }

    #[test]
    fn extracts_uri_and_name() {
        assert_eq!(
            uri_of("\"Điểm cầu\" <sip:101@h;transport=tcp>;expires=3"),
            "sip:101@h;transport=tcp"
        );
        assert_eq!(uri_of("sip:101@h;tag=1"), "sip:101@h");
        assert_eq!(
            display_name_of("\"Điểm cầu\" <sip:101@h>").as_deref(),
            Some("Điểm cầu")
        );
        assert_eq!(display_name_of("<sip:101@h>"), None);
        assert_eq!(display_name_of("sip:101@h"), None);
    }
}
