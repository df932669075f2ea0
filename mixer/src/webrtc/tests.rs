//! Two of our peers on loopback, one offering (as our WHIP client does)
//! and one answering (as for a browser): RTP from one "mixer" socket comes
//! out at the other through ICE and DTLS-SRTP, and a PLI from the receiving
//! mixer reaches the sending mixer as a PLI.

use std::net::UdpSocket;
use std::sync::Arc;
use std::time::{Duration, Instant};

use gstreamer as gst;

use super::peer::{PeerConfig, PeerLine, WebRtcPeer};
use super::relay::Relay;
use super::sdp::CandidatePolicy;
use crate::spec::MediaKind;
use crate::video::feedback;

fn config() -> PeerConfig {
    PeerConfig {
        candidates: CandidatePolicy {
            allowed: vec!["127.0.0.1".parse().unwrap()],
            public_address: None,
        },
        gather_timeout: Duration::from_secs(3),
        latency_ms: 0,
        ..PeerConfig::default()
    }
}

fn vp8() -> String {
    "application/x-rtp,media=video,encoding-name=VP8,payload=96,clock-rate=90000,rtcp-fb-nack-pli=true"
        .into()
}

fn rtp(seq: u16) -> Vec<u8> {
    let mut p = vec![0x80, 96, 0, 0, 0, 0, 0, 0, 0x11, 0x22, 0x33, 0x44];
    p[2..4].copy_from_slice(&seq.to_be_bytes());
    p[4..8].copy_from_slice(&(u32::from(seq) * 3000).to_be_bytes());
    // A VP8 payload descriptor and a fake keyframe header byte.
    p.extend_from_slice(&[0x10, 0x00, 0x9d, 0x01, 0x2a]);
    p.extend_from_slice(&[0xab; 100]);
    p
}

#[test]
fn rtp_and_keyframe_requests_cross_a_dtls_srtp_connection() {
    gst::init().unwrap();
    // "Mixers": a socket each, as a mixer stream's port would be.
    let mixer_a = UdpSocket::bind("127.0.0.1:0").unwrap();
    let mixer_b = UdpSocket::bind("127.0.0.1:0").unwrap();
    mixer_a
        .set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    mixer_b
        .set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    let relay_a = Arc::new(Relay::bind(mixer_a.local_addr().unwrap()).unwrap());
    let relay_b = Arc::new(Relay::bind(mixer_b.local_addr().unwrap()).unwrap());
    let noop: super::peer::EventSink = Arc::new(|_| {});

    let (a, offer) = WebRtcPeer::offer(
        "test-offerer",
        vec![PeerLine {
            kind: MediaKind::Video,
            caps: vp8(),
            send: true,
            recv: false,
            relay: relay_a.clone(),
        }],
        &config(),
        noop.clone(),
    )
    .unwrap();
    assert!(offer.contains("a=candidate:"), "{offer}");
    assert!(offer.contains("VP8/90000"), "{offer}");
    let (b, answer) = WebRtcPeer::answer(
        "test-answerer",
        &offer,
        vec![Some(PeerLine {
            kind: MediaKind::Video,
            caps: vp8(),
            send: false,
            recv: true,
            relay: relay_b.clone(),
        })],
        &config(),
        noop,
    )
    .unwrap();
    assert!(answer.contains("a=recvonly"), "{answer}");
    assert!(answer.contains("127.0.0.1"), "{answer}");
    a.apply_answer(&answer).unwrap();

    // Media from mixer A until mixer B gets it.
    let relay_a_addr = relay_a.local_addr().unwrap();
    let deadline = Instant::now() + Duration::from_secs(15);
    let mut got = None;
    let mut seq = 0u16;
    let mut buf = [0u8; 2000];
    while Instant::now() < deadline && got.is_none() {
        seq = seq.wrapping_add(1);
        mixer_a.send_to(&rtp(seq), relay_a_addr).unwrap();
        if let Ok((n, _)) = mixer_b.recv_from(&mut buf) {
            got = Some(buf[..n].to_vec());
        }
    }
    let got = got.expect("no RTP crossed the WebRTC connection");
    assert_eq!(got[1] & 0x7f, 96);
    assert_eq!(&got[12..], &rtp(1)[12..], "payload changed on the way");
    assert_eq!(a.connection_state(), "connected");
    assert_eq!(b.connection_state(), "connected");

    // Mixer B asks for a keyframe; mixer A hears a PLI.
    let pli = feedback::keyframe_request(feedback::KeyframeFeedback::Pli, 1, 0x11223344, 0);
    let relay_b_addr = relay_b.local_addr().unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut asked = false;
    while Instant::now() < deadline && !asked {
        mixer_b.send_to(&pli, relay_b_addr).unwrap();
        seq = seq.wrapping_add(1);
        mixer_a.send_to(&rtp(seq), relay_a_addr).unwrap();
        let stop = Instant::now() + Duration::from_millis(300);
        while Instant::now() < stop && !asked {
            if let Ok((n, _)) = mixer_a.recv_from(&mut buf) {
                asked = feedback::asks_for_keyframe(&buf[..n]);
            }
        }
    }
    use std::sync::atomic::Ordering::Relaxed;
    assert!(
        asked,
        "the PLI did not reach the sending mixer: asked of peer {}, asked by peer {}",
        relay_b.counters().keyframes_asked_of_peer.load(Relaxed),
        relay_a.counters().keyframes_asked_by_peer.load(Relaxed)
    );
    let stats = b.stats(Duration::from_secs(2));
    assert!(
        ["connected", "completed"].contains(&stats.ice_state),
        "{stats:?}"
    );
    assert_eq!(stats.dtls_state, "connected", "{stats:?}");
    assert!(stats.packets_received > 0, "{stats:?}");
    drop(a);
    drop(b);
}

/// The other way round, as our WHEP client does: the offerer only
/// receives (bundle-only second line), the answerer sends.
#[test]
fn a_receive_only_offer_gets_media_from_the_answerer() {
    gst::init().unwrap();
    let mixer_a = UdpSocket::bind("127.0.0.1:0").unwrap();
    let mixer_b = UdpSocket::bind("127.0.0.1:0").unwrap();
    mixer_a
        .set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    let relays_a: Vec<Arc<Relay>> = (0..2)
        .map(|_| Arc::new(Relay::bind(mixer_a.local_addr().unwrap()).unwrap()))
        .collect();
    let relays_b: Vec<Arc<Relay>> = (0..2)
        .map(|_| Arc::new(Relay::bind(mixer_b.local_addr().unwrap()).unwrap()))
        .collect();
    let opus =
        "application/x-rtp,media=audio,encoding-name=OPUS,payload=111,clock-rate=48000".to_string();
    let lines = |relays: &[Arc<Relay>], send: bool| {
        vec![
            PeerLine {
                kind: MediaKind::Audio,
                caps: opus.clone(),
                send,
                recv: !send,
                relay: relays[0].clone(),
            },
            PeerLine {
                kind: MediaKind::Video,
                caps: vp8(),
                send,
                recv: !send,
                relay: relays[1].clone(),
            },
        ]
    };
    let noop: super::peer::EventSink = Arc::new(|_| {});
    let (a, offer) = WebRtcPeer::offer(
        "test-whep-client",
        lines(&relays_a, false),
        &config(),
        noop.clone(),
    )
    .unwrap();
    let plan = lines(&relays_b, true).into_iter().map(Some).collect();
    let (_b, answer) =
        WebRtcPeer::answer("test-whep-server", &offer, plan, &config(), noop).unwrap();
    assert!(answer.contains("a=sendonly"), "{answer}");
    a.apply_answer(&answer).unwrap();
    let to = relays_b[1].local_addr().unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut buf = [0u8; 2000];
    let mut got = false;
    let mut seq = 0u16;
    while Instant::now() < deadline && !got {
        seq = seq.wrapping_add(1);
        mixer_b.send_to(&rtp(seq), to).unwrap();
        if let Ok((n, _)) = mixer_a.recv_from(&mut buf) {
            got = n > 12 && buf[1] & 0x7f == 96;
        }
    }
    assert!(
        got,
        "no video reached the offerer; offer:\n{offer}\nanswer:\n{answer}"
    );
}
