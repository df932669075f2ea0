//! Hostile and broken SIP: each message gets a 4xx/5xx where a response is
//! possible or is dropped, the daemon keeps answering good requests after
//! every one, and a call in progress (a real baresip terminal) is not
//! disturbed by any of it.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::time::Duration;

use diemcau_e2e::{wait_until, Account, Baresip, BaresipOptions, Daemon, DaemonOptions};

const WAIT: Duration = Duration::from_secs(15);

/// A well-formed OPTIONS from `local`, unique per `n`.
fn options(local: SocketAddr, transport: &str, n: usize) -> String {
    format!(
        "OPTIONS sip:1000@diemcau.local SIP/2.0\r\n\
         Via: SIP/2.0/{transport} {local};branch=z9hG4bK-good-{n};rport\r\n\
         Max-Forwards: 70\r\n\
         From: <sip:probe@127.0.0.1>;tag=good{n}\r\n\
         To: <sip:1000@diemcau.local>\r\n\
         Call-ID: good-{n}@127.0.0.1\r\n\
         CSeq: {n} OPTIONS\r\n\
         Content-Length: 0\r\n\r\n"
    )
}

/// A request with the usual headers and `method`, `cseq` and `extra`
/// headers, then `body` with the Content-Length given (None: the right one).
fn request(
    local: SocketAddr,
    method: &str,
    cseq: &str,
    extra: &str,
    body: &str,
    length: Option<&str>,
    n: usize,
) -> String {
    let length = length.map_or_else(|| body.len().to_string(), str::to_owned);
    format!(
        "{method} sip:1000@diemcau.local SIP/2.0\r\n\
         Via: SIP/2.0/UDP {local};branch=z9hG4bK-bad-{n};rport\r\n\
         Max-Forwards: 70\r\n\
         From: <sip:probe@127.0.0.1>;tag=bad{n}\r\n\
         To: <sip:1000@diemcau.local>\r\n\
         Call-ID: bad-{n}@127.0.0.1\r\n\
         CSeq: {cseq}\r\n\
         {extra}Content-Length: {length}\r\n\r\n{body}"
    )
}

/// The status code of the first response line in `data`.
fn status_of(data: &[u8]) -> Option<u16> {
    let text = String::from_utf8_lossy(data);
    let line = text.lines().next()?;
    let mut parts = line.split_whitespace();
    (parts.next()? == "SIP/2.0").then_some(())?;
    parts.next()?.parse().ok()
}

/// The Call-ID header value in `data`, if any.
fn call_id_of(data: &[u8]) -> Option<String> {
    String::from_utf8_lossy(data)
        .lines()
        .find_map(|l| l.strip_prefix("Call-ID:").map(|v| v.trim().to_owned()))
}

/// Every response (status code, Call-ID) that arrives within `wait`.
fn responses(sock: &UdpSocket, wait: Duration) -> Vec<(u16, String)> {
    let mut out = Vec::new();
    let mut buf = vec![0u8; 65_535];
    sock.set_read_timeout(Some(wait)).expect("timeout");
    while let Ok((n, _)) = sock.recv_from(&mut buf) {
        if let Some(code) = status_of(&buf[..n]) {
            out.push((code, call_id_of(&buf[..n]).unwrap_or_default()));
        }
    }
    out
}

/// Final responses that belong to a message with `call_id` (None: one
/// without a Call-ID, so anything that is not a late retransmission of an
/// answer to an earlier case).
fn finals_for(all: &[(u16, String)], call_id: Option<&str>) -> Vec<u16> {
    all.iter()
        .filter(|(code, _)| *code >= 200)
        .filter(|(_, id)| match call_id {
            Some(c) => id == c,
            None => !id.starts_with("bad-") && !id.starts_with("good-"),
        })
        .map(|(code, _)| *code)
        .collect()
}

/// A good OPTIONS is answered 200: the daemon is alive and not confused.
fn assert_alive(sock: &UdpSocket, server: SocketAddr, n: usize, after: &str) {
    let local = sock.local_addr().expect("local addr");
    sock.send_to(options(local, "UDP", n).as_bytes(), server)
        .expect("send");
    let all = responses(sock, Duration::from_millis(700));
    let codes = finals_for(&all, Some(&format!("good-{n}@127.0.0.1")));
    assert!(
        codes.contains(&200),
        "no 200 to a good OPTIONS after {after}: got {codes:?}"
    );
}

struct Case {
    name: &'static str,
    data: Vec<u8>,
    /// Acceptable answers; empty: the message must be dropped silently.
    answers: &'static [u16],
}

fn udp_cases(local: SocketAddr) -> Vec<Case> {
    let sdp = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n";
    let huge_header = format!("X-Padding: {}\r\n", "a".repeat(30_000));
    let many_headers: String = (0..2_000).map(|i| format!("X-H{i}: v\r\n")).collect();
    let no_via = request(local, "OPTIONS", "1 OPTIONS", "", "", None, 90)
        .lines()
        .filter(|l| !l.starts_with("Via:"))
        .collect::<Vec<_>>()
        .join("\r\n");
    let mut cases = vec![
        Case {
            name: "truncated INVITE (headers cut off)",
            data: request(local, "INVITE", "1 INVITE", "", "", None, 1).as_bytes()[..120].to_vec(),
            answers: &[400],
        },
        Case {
            name: "Content-Length longer than the body",
            data: request(local, "INVITE", "1 INVITE", "Content-Type: application/sdp\r\n", sdp, Some("900"), 2).into_bytes(),
            answers: &[400],
        },
        Case {
            name: "negative Content-Length",
            data: request(local, "OPTIONS", "1 OPTIONS", "", "", Some("-5"), 3).into_bytes(),
            answers: &[400],
        },
        Case {
            name: "non-numeric Content-Length",
            data: request(local, "OPTIONS", "1 OPTIONS", "", "", Some("lots"), 4).into_bytes(),
            answers: &[400],
        },
        Case {
            name: "a 30 kB header",
            data: request(local, "OPTIONS", "1 OPTIONS", &huge_header, "", None, 5).into_bytes(),
            answers: &[200, 400, 413, 513],
        },
        Case {
            name: "2,000 headers",
            data: request(local, "OPTIONS", "1 OPTIONS", &many_headers, "", None, 6).into_bytes(),
            answers: &[200, 400, 413, 513],
        },
        Case {
            name: "unknown method",
            data: request(local, "FROBNICATE", "1 FROBNICATE", "", "", None, 7).into_bytes(),
            answers: &[405, 501],
        },
        Case {
            name: "CSeq method does not match",
            data: request(local, "OPTIONS", "1 INVITE", "", "", None, 8).into_bytes(),
            answers: &[400],
        },
        Case {
            name: "CSeq number not a number",
            data: request(local, "OPTIONS", "x OPTIONS", "", "", None, 9).into_bytes(),
            answers: &[400],
        },
        Case {
            name: "CSeq number out of range",
            data: request(local, "OPTIONS", "99999999999 OPTIONS", "", "", None, 10).into_bytes(),
            answers: &[400],
        },
        Case {
            name: "missing Via",
            data: no_via.into_bytes(),
            answers: &[],
        },
        Case {
            name: "SIP/3.0",
            data: request(local, "OPTIONS", "1 OPTIONS", "", "", None, 11)
                .replacen("SIP/2.0\r\n", "SIP/3.0\r\n", 1)
                .into_bytes(),
            answers: &[505, 400],
        },
        Case {
            name: "INVITE with an SDP that is garbage",
            data: request(local, "INVITE", "1 INVITE", "Content-Type: application/sdp\r\n", "v=9\r\nzzz\r\n", None, 12).into_bytes(),
            answers: &[400, 488],
        },
        Case {
            name: "response to nothing",
            data: b"SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1:1;branch=z9hG4bKnothing\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:c@d>;tag=2\r\nCall-ID: x\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n".to_vec(),
            answers: &[],
        },
        Case {
            name: "binary garbage",
            data: (0..1_400u32).map(|i| (i * 7919 % 251) as u8).collect(),
            answers: &[],
        },
        Case {
            name: "NUL bytes in a header",
            data: request(local, "OPTIONS", "1 OPTIONS", "X-Nul: a\0b\r\n", "", None, 13).into_bytes(),
            answers: &[200, 400],
        },
        Case {
            name: "invalid UTF-8 in the From display name",
            data: {
                let mut d = request(local, "OPTIONS", "1 OPTIONS", "", "", None, 14).into_bytes();
                let at = d.windows(5).position(|w| w == b"From:").expect("From") + 6;
                d.splice(at..at, *b"\"\xff\xfe\" ");
                d
            },
            answers: &[200, 400],
        },
        Case {
            name: "BYE for a dialog that does not exist",
            data: request(local, "BYE", "1 BYE", "", "", None, 15).replacen(">\r\nCall-ID", ">;tag=nope\r\nCall-ID", 1).into_bytes(),
            answers: &[481],
        },
    ];
    // Empty datagrams and bare CRLF keepalives are ignored.
    cases.push(Case {
        name: "empty datagram",
        data: Vec::new(),
        answers: &[],
    });
    cases.push(Case {
        name: "CRLF keepalive",
        data: b"\r\n\r\n".to_vec(),
        answers: &[],
    });
    cases
}

#[test]
fn malformed_messages_are_answered_or_dropped_and_do_not_disturb_a_call() {
    let d = Daemon::start(DaemonOptions::default());
    // A real call is up in the room throughout.
    let mut t = Baresip::start(
        &Account::new("101", "demo101", d.sip_addr()).line(),
        BaresipOptions::audio_only(),
    );
    t.wait_registered(WAIT).expect("101 registers");
    t.dial(&d.sip_uri("1000"));
    assert!(
        t.wait_for_event("CALL_ESTABLISHED", WAIT).is_some(),
        "{:?}",
        t.events()
    );

    let sock = UdpSocket::bind("127.0.0.1:0").expect("bind");
    let local = sock.local_addr().expect("local addr");
    let server = d.sip_addr();
    assert_alive(&sock, server, 1000, "start");
    let malformed_before = d.metric("diemcau_sip_malformed_total", &[]).unwrap_or(0.0);

    for (i, case) in udp_cases(local).into_iter().enumerate() {
        sock.send_to(&case.data, server).expect("send");
        let all = responses(&sock, Duration::from_millis(400));
        let codes = finals_for(&all, call_id_of(&case.data).as_deref());
        if case.answers.is_empty() {
            assert!(
                codes.is_empty(),
                "{}: expected no answer, got {codes:?}",
                case.name
            );
        } else {
            assert!(
                codes.len() == 1 && case.answers.contains(&codes[0]),
                "{}: expected one of {:?}, got {codes:?}",
                case.name,
                case.answers
            );
        }
        assert_alive(&sock, server, 1001 + i, case.name);
    }
    assert!(
        d.metric("diemcau_sip_malformed_total", &[]).unwrap_or(0.0) > malformed_before,
        "malformed messages are not counted"
    );

    // The call went on through all of it.
    let room = d.api_get("/rooms/1000").json();
    assert_eq!(room["participants"].as_array().map(Vec::len), Some(1));
    assert_eq!(room["participants"][0]["state"], "connected");
    assert!(t.events().iter().all(|e| e["type"] != "CALL_CLOSED"));
    t.hangup();
    assert!(wait_until(WAIT, || {
        d.api_get("/rooms/1000").json()["participants"]
            .as_array()
            .is_some_and(Vec::is_empty)
    }));
}

/// Reads one response from a TCP stream (headers only; our answers to
/// these carry no body), or None on EOF or timeout.
fn read_tcp_status(s: &mut TcpStream) -> Option<u16> {
    s.set_read_timeout(Some(Duration::from_millis(700))).ok()?;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        match s.read(&mut chunk) {
            Ok(0) | Err(_) => return None,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    status_of(&buf)
}

#[test]
fn hostile_tcp_streams_are_closed_without_harm() {
    let d = Daemon::start(DaemonOptions::default());
    let server = d.sip_addr();

    // A Content-Length no message could have: the connection is closed
    // (framing is lost), after a 400 if one could be sent.
    let mut s = TcpStream::connect(server).expect("connect");
    let local = s.local_addr().expect("local");
    let bad = request(
        local,
        "OPTIONS",
        "1 OPTIONS",
        "",
        "",
        Some("999999999999"),
        1,
    )
    .replace("SIP/2.0/UDP", "SIP/2.0/TCP");
    s.write_all(bad.as_bytes()).expect("write");
    let code = read_tcp_status(&mut s);
    assert!(matches!(code, None | Some(400) | Some(413)), "got {code:?}");

    // A header that never ends: the daemon gives up on the stream rather
    // than buffering without bound.
    let mut s = TcpStream::connect(server).expect("connect");
    s.set_write_timeout(Some(Duration::from_secs(5))).ok();
    let mut closed = false;
    let line = vec![b'a'; 16 * 1024];
    s.write_all(b"OPTIONS sip:1000@diemcau.local SIP/2.0\r\nX-Endless: ")
        .expect("write");
    for _ in 0..256 {
        if s.write_all(&line).is_err() {
            closed = true;
            break;
        }
    }
    if !closed {
        s.set_read_timeout(Some(Duration::from_secs(3))).ok();
        let mut b = [0u8; 1024];
        closed = loop {
            match s.read(&mut b) {
                Ok(0) | Err(_) => break true,
                Ok(_) => continue,
            }
        };
    }
    assert!(closed, "a 4 MB header line was accepted");

    // Garbage then a good request on a fresh connection: answered.
    let mut s = TcpStream::connect(server).expect("connect");
    let local = s.local_addr().expect("local");
    s.write_all(options(local, "TCP", 7).as_bytes())
        .expect("write");
    assert_eq!(read_tcp_status(&mut s), Some(200));

    // And UDP is unaffected.
    let sock = UdpSocket::bind("127.0.0.1:0").expect("bind");
    assert_alive(&sock, server, 8, "the TCP abuse");
}
