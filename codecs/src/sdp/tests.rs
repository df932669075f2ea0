use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::*;
use crate::CodecError;

const BASIC: &str = "v=0\r\n\
o=alice 2890844526 2890844527 IN IP4 192.0.2.10\r\n\
s=A call\r\n\
i=session info\r\n\
u=http://example.com/\r\n\
e=alice@example.com\r\n\
p=+1 555 0100\r\n\
c=IN IP4 192.0.2.10\r\n\
b=AS:2048\r\n\
t=0 0\r\n\
r=7d 1h 0 25h\r\n\
z=2882844526 -1h\r\n\
k=prompt\r\n\
a=group:BUNDLE 0 1\r\n\
a=x-vendor-thing\r\n\
m=audio 49170 RTP/AVP 0 8 101\r\n\
i=voice\r\n\
b=TIAS:64000\r\n\
a=rtpmap:0 PCMU/8000\r\n\
a=rtpmap:101 telephone-event/8000\r\n\
a=fmtp:101 0-15\r\n\
a=ptime:20\r\n\
a=sendrecv\r\n\
m=video 51372/2 RTP/AVPF 96\r\n\
c=IN IP6 2001:db8::1\r\n\
a=rtpmap:96 H264/90000\r\n\
a=fmtp:96 profile-level-id=42e01f;packetization-mode=1\r\n\
a=rtcp-fb:96 nack\r\n\
a=rtcp-fb:* nack pli\r\n\
a=rtcp-fb:* ccm fir\r\n";

fn parse(text: &str) -> SessionDescription {
    match SessionDescription::parse(text) {
        Ok(sdp) => sdp,
        Err(e) => panic!("{e}\n{text}"),
    }
}

fn error_line(text: &str) -> usize {
    match SessionDescription::parse(text) {
        Err(CodecError::Sdp { line, .. }) => line,
        other => panic!("expected an SDP error, got {other:?}"),
    }
}

#[test]
fn parses_every_field() {
    let sdp = parse(BASIC);
    assert_eq!(
        sdp.origin,
        Origin {
            username: "alice".into(),
            session_id: 2_890_844_526,
            version: 2_890_844_527,
            address: IpAddr::V4(Ipv4Addr::new(192, 0, 2, 10)),
        }
    );
    assert_eq!(sdp.session_name, "A call");
    assert_eq!(sdp.information.as_deref(), Some("session info"));
    assert_eq!(sdp.uri.as_deref(), Some("http://example.com/"));
    assert_eq!(sdp.emails, ["alice@example.com"]);
    assert_eq!(sdp.phones, ["+1 555 0100"]);
    assert_eq!(
        sdp.connection,
        Some(Connection::new("192.0.2.10".parse().unwrap()))
    );
    assert_eq!(sdp.bandwidths, [Bandwidth::new("AS", 2048)]);
    assert_eq!(sdp.timing.len(), 1);
    assert_eq!(sdp.timing[0].repeats, ["7d 1h 0 25h"]);
    assert_eq!(sdp.time_zones.as_deref(), Some("2882844526 -1h"));
    assert_eq!(sdp.key.as_deref(), Some("prompt"));
    assert_eq!(sdp.attributes[0], Attribute::value("group", "BUNDLE 0 1"));
    assert_eq!(sdp.attributes[1], Attribute::property("x-vendor-thing"));
    assert_eq!(sdp.media.len(), 2);

    let audio = &sdp.media[0];
    assert_eq!(
        (audio.media.as_str(), audio.port, audio.port_count),
        ("audio", 49170, None)
    );
    assert_eq!(audio.protocol, "RTP/AVP");
    assert_eq!(audio.formats, ["0", "8", "101"]);
    assert_eq!(audio.title.as_deref(), Some("voice"));
    assert_eq!(audio.bandwidths, [Bandwidth::new("TIAS", 64000)]);
    assert_eq!(audio.attribute_value("ptime"), Some("20"));
    assert!(audio.has_attribute("SENDRECV"));
    assert_eq!(audio.fmtp(101), Some("0-15"));
    assert_eq!(audio.fmtp(0), None);
    let te = audio.rtpmap(101).unwrap();
    assert_eq!(
        (te.encoding_name.as_str(), te.clock_rate, te.channels),
        ("telephone-event", 8000, None)
    );
    assert!(audio.rtpmap(8).is_none());
    assert_eq!(audio.payload_types().collect::<Vec<_>>(), [0, 8, 101]);

    let video = &sdp.media[1];
    assert_eq!((video.port, video.port_count), (51372, Some(2)));
    assert_eq!(
        video.connection.map(|c| c.address),
        Some(IpAddr::V6("2001:db8::1".parse::<Ipv6Addr>().unwrap()))
    );
    assert_eq!(
        sdp.connection_for(video).map(|c| c.address.is_ipv6()),
        Some(true)
    );
    assert_eq!(
        sdp.connection_for(audio).map(|c| c.address.is_ipv4()),
        Some(true)
    );
    assert_eq!(video.rtcp_fb(96), ["nack", "nack pli", "ccm fir"]);
    assert_eq!(video.rtcp_fb(97), ["nack pli", "ccm fir"]);
}

#[test]
fn writes_in_rfc_order_with_crlf() {
    let sdp = parse(BASIC);
    let text = sdp.to_string();
    assert_eq!(text, BASIC);
    assert!(!text.replace("\r\n", "").contains('\n'));
    assert_eq!(parse(&text), sdp);
}

#[test]
fn writer_orders_fields_whatever_the_input_order() {
    // Session lines out of order are accepted and written in order.
    let sdp = parse("v=0\nc=IN IP4 192.0.2.1\nt=0 0\ns=x\no=- 1 1 IN IP4 192.0.2.1\nb=AS:1\nm=audio 1 RTP/AVP 0\n");
    assert_eq!(
        sdp.to_string(),
        "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=x\r\nc=IN IP4 192.0.2.1\r\nb=AS:1\r\nt=0 0\r\nm=audio 1 RTP/AVP 0\r\n"
    );
}

#[test]
fn tolerant_of_lf_whitespace_and_blank_lines() {
    let text = "v=0 \n\no=- 1 1 IN IP4 10.0.0.1\t\ns=-\nt=0 0\nm=audio 4000 RTP/AVP 0   \r\na=rtpmap:0 PCMU/8000  \n\n";
    let sdp = parse(text);
    assert_eq!(sdp.media[0].formats, ["0"]);
    assert_eq!(
        sdp.media[0].attributes[0],
        Attribute::value("rtpmap", "0 PCMU/8000")
    );
}

#[test]
fn keeps_unknown_lines_and_attributes() {
    let text = "v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nt=0 0\r\nx=session extension\r\na=polycom-thing:1\r\nm=audio 4000 RTP/AVP 0\r\ny=media extension\r\na=vendor\r\n";
    let sdp = parse(text);
    assert_eq!(
        sdp.unknown_lines,
        [UnknownLine {
            letter: 'x',
            value: "session extension".into()
        }]
    );
    assert_eq!(sdp.media[0].unknown_lines[0].letter, 'y');
    assert!(sdp.media[0].has_attribute("vendor"));
    let again = parse(&sdp.to_string());
    assert_eq!(again, sdp);
}

#[test]
fn missing_optional_lines() {
    // No s= and no t=: forgiven.
    let sdp = parse("v=0\no=- 1 1 IN IP4 10.0.0.1\nm=audio 4000 RTP/AVP 0\n");
    assert_eq!(sdp.session_name, "-");
    assert_eq!(sdp.timing, [Timing::default()]);
    assert!(sdp.to_string().contains("s=-\r\nt=0 0\r\n"));
    // A rejected line without formats.
    let sdp = parse("v=0\no=- 1 1 IN IP4 10.0.0.1\ns=-\nm=video 0 RTP/AVP\n");
    assert!(sdp.media[0].formats.is_empty());
}

#[test]
fn origin_variants() {
    let o = |line: &str| parse(&format!("v=0\n{line}\ns=-\n")).origin;
    let spaced = o("o=Polycom VVX 600 1234 1 IN IP4 10.0.0.2");
    assert_eq!(spaced.username, "Polycom VVX 600");
    assert_eq!(spaced.session_id, 1234);
    let fqdn = o("o=- 1 2 IN IP4 host.example.com");
    assert_eq!(fqdn.address, IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    let fqdn6 = o("o=- 1 2 IN IP6 host.example.com");
    assert_eq!(fqdn6.address, IpAddr::V6(Ipv6Addr::UNSPECIFIED));
    // A 128-bit id wraps instead of failing the call.
    let big = o("o=- 340282366920938463463374607431768211455 1 IN IP4 10.0.0.1");
    assert_eq!(big.session_id, u64::MAX);
    assert_eq!(
        o("o=- 1 2 in ip6 ::1").address,
        IpAddr::V6(Ipv6Addr::LOCALHOST)
    );
}

#[test]
fn connection_variants() {
    let c = |line: &str| {
        parse(&format!("v=0\no=- 1 1 IN IP4 10.0.0.1\ns=-\n{line}\n"))
            .connection
            .unwrap()
    };
    let mc = c("c=IN IP4 224.2.1.1/127/3");
    assert_eq!((mc.ttl, mc.address_count), (Some(127), Some(3)));
    assert_eq!(mc.to_string(), "IN IP4 224.2.1.1/127/3");
    let v6 = c("c=IN IP6 ff15::101/3");
    assert_eq!((v6.ttl, v6.address_count), (None, Some(3)));
    assert_eq!(v6.to_string(), "IN IP6 ff15::101/3");
    assert!(c("c=IN IP4 0.0.0.0").is_hold());
    assert!(c("c=IN IP6 ::").is_hold());
    assert!(!c("c=IN IP4 192.0.2.1").is_hold());
}

#[test]
fn errors_name_the_line() {
    let head = "v=0\no=- 1 1 IN IP4 10.0.0.1\ns=-\nt=0 0\n";
    assert_eq!(error_line("o=- 1 1 IN IP4 10.0.0.1\nv=0\n"), 1);
    assert_eq!(error_line("\r\n\r\nv=1\r\n"), 3);
    assert_eq!(error_line("v=0\nv=0\n"), 2);
    assert_eq!(error_line(&format!("{head}m=audio 70000 RTP/AVP 0\n")), 5);
    assert_eq!(error_line(&format!("{head}m=audio -1 RTP/AVP 0\n")), 5);
    assert_eq!(error_line(&format!("{head}m=audio 4000/0 RTP/AVP 0\n")), 5);
    assert_eq!(error_line(&format!("{head}m=audio 4000 RTP/AVP\n")), 5);
    assert_eq!(error_line(&format!("{head}m=audio 4000\n")), 5);
    assert_eq!(error_line(&format!("{head}c=IN IP4 host.example.com\n")), 5);
    assert_eq!(error_line(&format!("{head}c=IN IP4\n")), 5);
    assert_eq!(error_line(&format!("{head}c=ATM NSAP 47.0005\n")), 5);
    assert_eq!(error_line(&format!("{head}c=IN IP4 10.0.0.1/x\n")), 5);
    assert_eq!(error_line(&format!("{head}c=IN IP6 ::1/1/2\n")), 5);
    assert_eq!(error_line(&format!("{head}b=AS:fast\n")), 5);
    assert_eq!(error_line(&format!("{head}b=AS\n")), 5);
    assert_eq!(error_line(&format!("{head}a=\n")), 5);
    assert_eq!(error_line(&format!("{head}a=:x\n")), 5);
    assert_eq!(error_line(&format!("{head}garbage\n")), 5);
    assert_eq!(error_line(&format!("{head}A=upper\n")), 5);
    assert_eq!(
        error_line(&format!("{head}m=audio 4000 RTP/AVP 0\nt=0 0\n")),
        6
    );
    assert_eq!(
        error_line(&format!(
            "{head}m=audio 4000 RTP/AVP 0\no=- 1 1 IN IP4 10.0.0.1\n"
        )),
        6
    );
    assert_eq!(
        error_line("v=0\no=- 1 1 IN IP4 10.0.0.1\no=- 1 1 IN IP4 10.0.0.1\n"),
        3
    );
    assert_eq!(error_line("v=0\no=- x 1 IN IP4 10.0.0.1\n"), 2);
    assert_eq!(error_line("v=0\no=- 1 1 IN IP4\n"), 2);
    assert_eq!(error_line("v=0\no=- 1 1 IN IPX 10.0.0.1\n"), 2);
    assert_eq!(error_line("v=0\no=- 1 1 IN IP4 10.0.0.1\nt=now\n"), 3);
    assert_eq!(error_line("v=0\no=- 1 1 IN IP4 10.0.0.1\nr=1 2 3\n"), 3);
    // Whole-input errors.
    assert_eq!(error_line(""), 0);
    assert_eq!(error_line("\r\n \r\n"), 0);
    assert_eq!(error_line("v=0\ns=-\n"), 0);
}

#[test]
fn bounded_input() {
    let head = "v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nt=0 0\r\n";
    let mut huge = head.to_string();
    while huge.len() <= MAX_SDP_BYTES {
        huge.push_str("a=padding-padding-padding-padding-padding-padding\r\n");
    }
    assert_eq!(error_line(&huge), 0);

    let mut many = head.to_string();
    for i in 0..MAX_MEDIA {
        many.push_str(&format!("m=audio {} RTP/AVP 0\r\n", 4000 + 2 * i));
    }
    assert_eq!(parse(&many).media.len(), MAX_MEDIA);
    many.push_str("m=audio 9000 RTP/AVP 0\r\n");
    assert_eq!(error_line(&many), 5 + MAX_MEDIA);
}

#[test]
fn rtpmap_parsing() {
    let m = |v: &str| RtpMap::parse(v);
    assert_eq!(
        m("111 opus/48000/2"),
        Some(RtpMap {
            payload_type: 111,
            encoding_name: "opus".into(),
            clock_rate: 48000,
            channels: Some(2),
        })
    );
    assert_eq!(m("9  G722/8000").map(|r| r.clock_rate), Some(8000));
    assert_eq!(m("128 X/8000"), None);
    assert_eq!(m("96 H264"), None);
    assert_eq!(m("96 /90000"), None);
    assert_eq!(m("96 H264/x"), None);
    assert_eq!(m("96 L16/8000/2/1"), None);
    assert_eq!(m("x H264/90000"), None);
    assert_eq!(parse_payload_type("007"), Some(7));
    assert_eq!(parse_payload_type("0127"), None);
    assert_eq!(parse_payload_type("+1"), None);
    assert_eq!(parse_payload_type("*"), None);
}

#[test]
fn writer_never_splits_lines() {
    let mut sdp = SessionDescription::new(
        Origin {
            username: "a b".into(),
            session_id: 1,
            version: 2,
            address: "::1".parse().unwrap(),
        },
        "evil\r\nm=audio 1 RTP/AVP 0",
    );
    let mut m = MediaDescription::new("audio", 4000, "RTP/AVP", vec!["0".into()]);
    m.add_attribute("label", Some("x\ny".into()));
    m.unknown_lines.push(UnknownLine {
        letter: 'm',
        value: "video 1 RTP/AVP 96".into(),
    });
    sdp.media.push(m);
    let text = sdp.to_string();
    assert_eq!(text.matches("\r\nm=").count(), 1, "{text}");
    assert!(
        text.starts_with("v=0\r\no=a-b 1 2 IN IP6 ::1\r\ns=evil  m=audio 1 RTP/AVP 0\r\nt=0 0\r\n")
    );
    assert!(text.contains("a=label:x y\r\n"));
    assert_eq!(parse(&text).media.len(), 1);
}
