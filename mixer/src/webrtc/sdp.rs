//! SDP text edits around webrtcbin, sans-IO: which ICE candidates we accept
//! and announce (tests and locked-down hosts restrict them to some
//! addresses; 1:1 NAT adds the public address), and trickle ICE fragments
//! (RFC 8840) from a WHIP/WHEP PATCH.

use std::net::IpAddr;

/// Which candidates a session uses and how it announces its own.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CandidatePolicy {
    /// Only candidates on these addresses, ours and the peer's. Empty: all.
    /// Relayed (TURN) candidates of ours are kept: their address is the
    /// relay's.
    pub allowed: Vec<IpAddr>,
    /// Our address as the outside sees it (1:1 NAT): every host candidate
    /// is announced a second time with this address, same port.
    pub public_address: Option<IpAddr>,
}

/// The fields of an ICE candidate attribute value
/// (`candidate:1 1 UDP 2013266431 192.0.2.1 50000 typ host ...`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate<'a> {
    pub foundation: &'a str,
    pub component: &'a str,
    pub transport: &'a str,
    pub priority: u32,
    pub address: &'a str,
    pub port: u16,
    pub kind: &'a str,
    /// Everything after the type (raddr, rport, tcptype, generation…).
    pub rest: Vec<&'a str>,
}

impl<'a> Candidate<'a> {
    /// Parses `candidate:...` (with or without the `a=` prefix).
    pub fn parse(value: &'a str) -> Option<Candidate<'a>> {
        let value = value.trim();
        let value = value.strip_prefix("a=").unwrap_or(value);
        let value = value.strip_prefix("candidate:")?;
        let mut it = value.split_ascii_whitespace();
        let foundation = it.next()?;
        let component = it.next()?;
        let transport = it.next()?;
        let priority = it.next()?.parse().ok()?;
        let address = it.next()?;
        let port = it.next()?.parse().ok()?;
        if it.next()? != "typ" {
            return None;
        }
        let kind = it.next()?;
        Some(Candidate {
            foundation,
            component,
            transport,
            priority,
            address,
            port,
            kind,
            rest: it.collect(),
        })
    }

    pub fn ip(&self) -> Option<IpAddr> {
        self.address.parse().ok()
    }

    /// The attribute value (`candidate:...`).
    pub fn to_value(&self) -> String {
        let mut s = format!(
            "candidate:{} {} {} {} {} {} typ {}",
            self.foundation,
            self.component,
            self.transport,
            self.priority,
            self.address,
            self.port,
            self.kind
        );
        for r in &self.rest {
            s.push(' ');
            s.push_str(r);
        }
        s
    }
}

impl CandidatePolicy {
    fn allows(&self, ip: Option<IpAddr>) -> bool {
        self.allowed.is_empty() || ip.is_some_and(|ip| self.allowed.contains(&ip))
    }

    /// Whether to use a candidate the peer sent. mDNS names (`*.local`) and
    /// anything unparsable count as not allowed when addresses are
    /// restricted.
    pub fn accepts_remote(&self, value: &str) -> bool {
        match Candidate::parse(value) {
            Some(c) => self.allows(c.ip()),
            None => self.allowed.is_empty(),
        }
    }

    /// What to announce for one of our gathered candidates: nothing, the
    /// candidate, or the candidate and its public twin.
    pub fn announce(&self, value: &str) -> Vec<String> {
        let Some(c) = Candidate::parse(value) else {
            return Vec::new();
        };
        if c.kind != "relay" && !self.allows(c.ip()) {
            return Vec::new();
        }
        let mut out = vec![c.to_value()];
        if let (Some(public), "host") = (self.public_address, c.kind) {
            if c.ip() != Some(public) {
                let foundation = format!("{}9", c.foundation);
                let twin = Candidate {
                    foundation: &foundation,
                    priority: c.priority.saturating_sub(1),
                    address: &public.to_string(),
                    ..c.clone()
                }
                .to_value();
                out.push(twin);
            }
        }
        out
    }
}

/// Splits SDP text into its session part and one chunk per m-section,
/// each chunk a list of lines without line ends.
fn sections(sdp: &str) -> (Vec<&str>, Vec<Vec<&str>>) {
    let mut session = Vec::new();
    let mut media: Vec<Vec<&str>> = Vec::new();
    for line in sdp.lines().map(|l| l.trim_end_matches('\r')) {
        if line.is_empty() {
            continue;
        }
        if line.starts_with("m=") {
            media.push(vec![line]);
        } else if let Some(m) = media.last_mut() {
            m.push(line);
        } else {
            session.push(line);
        }
    }
    (session, media)
}

fn join(session: &[&str], media: &[Vec<String>]) -> String {
    let mut out = String::new();
    for l in session {
        out.push_str(l);
        out.push_str("\r\n");
    }
    for m in media {
        for l in m {
            out.push_str(l);
            out.push_str("\r\n");
        }
    }
    out
}

/// The peer's offer or answer with the candidates we will not use removed.
pub fn filter_remote_candidates(sdp: &str, policy: &CandidatePolicy) -> String {
    let (session, media) = sections(sdp);
    let media: Vec<Vec<String>> = media
        .into_iter()
        .map(|m| {
            m.into_iter()
                .filter(|l| !l.starts_with("a=candidate:") || policy.accepts_remote(l))
                .map(str::to_string)
                .collect()
        })
        .collect();
    join(&session, &media)
}

/// Our SDP with the candidates we gathered (`(m-line index, value)`), as the
/// policy announces them, each section closed with `a=end-of-candidates`
/// (we send the answer once gathering is done). Candidates webrtcbin
/// already wrote are replaced, so none appears twice.
pub fn with_candidates(sdp: &str, gathered: &[(u32, String)], policy: &CandidatePolicy) -> String {
    let (session, media) = sections(sdp);
    let bundled = session
        .iter()
        .any(|l| l.starts_with("a=group:BUNDLE ") && l.split_ascii_whitespace().count() > 1);
    let media: Vec<Vec<String>> = media
        .into_iter()
        .enumerate()
        .map(|(i, m)| {
            let mut lines: Vec<String> = m
                .into_iter()
                .filter(|l| !l.starts_with("a=candidate:") && *l != "a=end-of-candidates")
                .map(str::to_string)
                .collect();
            let rejected = lines[0].split_ascii_whitespace().nth(1) == Some("0");
            // With BUNDLE every section shares the first one's transport;
            // webrtcbin reports its candidates for m-line 0.
            if !rejected && (!bundled || i == 0) {
                let wanted = i as u32;
                let mut seen = std::collections::HashSet::new();
                for (_, value) in gathered.iter().filter(|(m, _)| *m == wanted) {
                    for v in policy.announce(value) {
                        if seen.insert(v.clone()) {
                            lines.push(format!("a={v}"));
                        }
                    }
                }
                lines.push("a=end-of-candidates".to_string());
            }
            lines
        })
        .collect();
    join(&session, &media)
}

/// The `a=mid` of each m-section, in order.
pub fn mids(sdp: &str) -> Vec<Option<String>> {
    let (_, media) = sections(sdp);
    media
        .iter()
        .map(|m| {
            m.iter()
                .find_map(|l| l.strip_prefix("a=mid:"))
                .map(|v| v.trim().to_string())
        })
        .collect()
}

/// What a trickle ICE PATCH body (RFC 8840 sdpfrag) carries.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IceFragment {
    /// `(m-line index, candidate value)`, the index found from the
    /// fragment's `a=mid` against the session's mids.
    pub candidates: Vec<(u32, String)>,
    /// `a=ice-ufrag` of the fragment: a different one than the session's
    /// means an ICE restart.
    pub ufrag: Option<String>,
    pub end_of_candidates: bool,
}

/// Parses an sdpfrag. Candidates under an unknown mid go to m-line 0
/// (BUNDLE: one transport), candidates before any mid likewise.
pub fn parse_fragment(frag: &str, mids: &[Option<String>]) -> IceFragment {
    let mut out = IceFragment::default();
    let mut mline = 0u32;
    for line in frag.lines().map(|l| l.trim_end_matches('\r').trim()) {
        if let Some(mid) = line.strip_prefix("a=mid:") {
            mline = mids
                .iter()
                .position(|m| m.as_deref() == Some(mid.trim()))
                .map_or(0, |p| p as u32);
        } else if let Some(value) = line.strip_prefix("a=") {
            if value.starts_with("candidate:") {
                if Candidate::parse(value).is_some() {
                    out.candidates.push((mline, value.to_string()));
                }
            } else if let Some(u) = value.strip_prefix("ice-ufrag:") {
                out.ufrag = Some(u.trim().to_string());
            } else if value == "end-of-candidates" {
                out.end_of_candidates = true;
            }
        }
    }
    out
}

/// The first `a=ice-ufrag` of an SDP.
pub fn ice_ufrag(sdp: &str) -> Option<String> {
    sdp.lines()
        .find_map(|l| l.trim_end_matches('\r').strip_prefix("a=ice-ufrag:"))
        .map(|u| u.trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHROME_OFFER: &str = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n\
a=group:BUNDLE 0 1\r\n\
m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\na=ice-ufrag:abcd\r\n\
a=candidate:1 1 udp 2122260223 10.1.2.3 50000 typ host generation 0\r\n\
a=candidate:2 1 udp 2122194687 127.0.0.1 50001 typ host generation 0\r\n\
a=candidate:3 1 udp 2122194687 4d1c.local 50002 typ host generation 0\r\n\
m=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=mid:1\r\n";

    fn loopback_only() -> CandidatePolicy {
        CandidatePolicy {
            allowed: vec!["127.0.0.1".parse().unwrap()],
            public_address: None,
        }
    }

    #[test]
    fn parses_candidates() {
        let c = Candidate::parse(
            "candidate:842163049 1 udp 1677729535 192.0.2.7 61665 typ srflx raddr 10.0.0.1 rport 61665",
        )
        .unwrap();
        assert_eq!(c.address, "192.0.2.7");
        assert_eq!(c.port, 61665);
        assert_eq!(c.kind, "srflx");
        assert_eq!(c.rest, vec!["raddr", "10.0.0.1", "rport", "61665"]);
        assert_eq!(
            c.to_value(),
            "candidate:842163049 1 udp 1677729535 192.0.2.7 61665 typ srflx raddr 10.0.0.1 rport 61665"
        );
        assert!(Candidate::parse("candidate:1 1 udp x 1.2.3.4 5 typ host").is_none());
        assert!(Candidate::parse("candidate:1 1 udp 1 1.2.3.4 99999 typ host").is_none());
        assert!(Candidate::parse("candidate:1 1 udp 1 1.2.3.4 5 host").is_none());
        assert!(Candidate::parse("garbage").is_none());
    }

    #[test]
    fn remote_candidates_outside_the_allowed_addresses_are_dropped() {
        let out = filter_remote_candidates(CHROME_OFFER, &loopback_only());
        assert!(out.contains("127.0.0.1 50001"));
        assert!(!out.contains("10.1.2.3"));
        assert!(!out.contains(".local"));
        assert!(out.contains("m=video 9"));
        // No restriction: everything stays.
        let all = filter_remote_candidates(CHROME_OFFER, &CandidatePolicy::default());
        assert!(all.contains("10.1.2.3") && all.contains(".local"));
    }

    #[test]
    fn our_candidates_go_into_the_first_bundled_section_once() {
        let answer = "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0 1\r\n\
m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\na=candidate:9 1 UDP 1 10.0.0.9 9 typ host\r\n\
m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:1\r\n";
        let gathered = vec![
            (
                0,
                "candidate:1 1 UDP 2015363327 127.0.0.1 40000 typ host".to_string(),
            ),
            (
                0,
                "candidate:1 1 UDP 2015363327 127.0.0.1 40000 typ host".to_string(),
            ),
            (
                0,
                "candidate:2 1 UDP 2015363327 10.0.0.9 40002 typ host".to_string(),
            ),
        ];
        let out = with_candidates(answer, &gathered, &loopback_only());
        assert_eq!(out.matches("a=candidate:").count(), 1, "{out}");
        assert!(out.contains("a=candidate:1 1 UDP 2015363327 127.0.0.1 40000 typ host\r\na=end-of-candidates\r\nm=video"));
        assert_eq!(out.matches("a=end-of-candidates").count(), 1);
    }

    #[test]
    fn public_address_adds_a_twin_of_each_host_candidate() {
        let policy = CandidatePolicy {
            allowed: Vec::new(),
            public_address: Some("203.0.113.5".parse().unwrap()),
        };
        let out = policy.announce("candidate:1 1 UDP 100 10.0.0.9 40000 typ host");
        assert_eq!(
            out,
            vec![
                "candidate:1 1 UDP 100 10.0.0.9 40000 typ host".to_string(),
                "candidate:19 1 UDP 99 203.0.113.5 40000 typ host".to_string()
            ]
        );
        // Relayed candidates are kept even where host addresses are restricted.
        assert_eq!(
            loopback_only()
                .announce("candidate:5 1 UDP 10 198.51.100.1 3478 typ relay raddr 0.0.0.0 rport 0")
                .len(),
            1
        );
    }

    #[test]
    fn trickle_fragments_map_mids_to_m_lines() {
        let mids = mids(CHROME_OFFER);
        assert_eq!(mids, vec![Some("0".into()), Some("1".into())]);
        let frag = "a=ice-ufrag:abcd\r\na=ice-pwd:xyz\r\na=group:BUNDLE 0 1\r\nm=audio 9 UDP/TLS/RTP/SAVPF 0\r\na=mid:1\r\n\
a=candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host\r\na=candidate:bad\r\na=end-of-candidates\r\n";
        let f = parse_fragment(frag, &mids);
        assert_eq!(
            f.candidates,
            vec![(
                1,
                "candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host".to_string()
            )]
        );
        assert_eq!(f.ufrag.as_deref(), Some("abcd"));
        assert!(f.end_of_candidates);
        assert_eq!(ice_ufrag(CHROME_OFFER).as_deref(), Some("abcd"));
    }
}
