//! Streams on loopback with real RTP built by the `rtp` crate.

use super::*;
use crate::ports::tests::free_range;
use crate::ports::PortAllocator;
use rtp::header::Header;
use rtp::packet::Packet;
use std::net::{IpAddr, Ipv4Addr};
use webrtc_util::marshal::Marshal;

const LOCALHOST: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

pub(crate) fn allocator(pairs: u16) -> PortAllocator {
    let (min, max) = free_range(pairs);
    PortAllocator::new(LOCALHOST, min, max)
}

pub(crate) fn spec(remote: Option<SocketAddr>, mux: bool, direction: Direction) -> StreamSpec {
    StreamSpec {
        kind: MediaKind::Audio,
        payload_types: vec![
            (0, 8000, "PCMU".into()),
            (101, 8000, "telephone-event".into()),
        ],
        remote_rtp: remote,
        remote_rtcp: None,
        rtcp_mux: mux,
        direction,
        fmtp: Vec::new(),
        max_send_kbps: None,
        rtcp_fb: Vec::new(),
    }
}

pub(crate) fn rtp(pt: u8, seq: u16, ssrc: u32) -> Vec<u8> {
    Packet {
        header: Header {
            version: 2,
            payload_type: pt,
            sequence_number: seq,
            timestamp: u32::from(seq).wrapping_mul(160),
            ssrc,
            ..Default::default()
        },
        payload: Bytes::from(vec![0xd5u8; 160]),
    }
    .marshal()
    .unwrap()
    .to_vec()
}

pub(crate) fn receiver_report(ssrc: u32) -> Vec<u8> {
    let mut rr = vec![0x80, 201, 0, 1];
    rr.extend_from_slice(&ssrc.to_be_bytes());
    rr
}

pub(crate) async fn client() -> UdpSocket {
    UdpSocket::bind((LOCALHOST, 0)).await.unwrap()
}

pub(crate) fn rtp_addr(s: &MediaStream) -> SocketAddr {
    SocketAddr::new(LOCALHOST, s.local_rtp_port())
}

pub(crate) fn rtcp_addr(s: &MediaStream) -> SocketAddr {
    SocketAddr::new(LOCALHOST, s.local_rtcp_port())
}

/// Poll `cond` until it holds; false after two seconds.
pub(crate) async fn eventually(mut cond: impl FnMut() -> bool) -> bool {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(2);
    while tokio::time::Instant::now() < deadline {
        if cond() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    cond()
}

async fn recv_within(sock: &UdpSocket, ms: u64) -> Option<(Vec<u8>, SocketAddr)> {
    let mut buf = [0u8; 2048];
    match tokio::time::timeout(Duration::from_millis(ms), sock.recv_from(&mut buf)).await {
        Ok(Ok((n, from))) => Some((buf[..n].to_vec(), from)),
        _ => None,
    }
}

fn dropped(m: &MediaMetrics, reason: DropReason) -> u64 {
    m.rtp_dropped.with_label_values(&[reason.as_str()]).get()
}

#[derive(Default)]
struct Collect {
    rtp: Mutex<Vec<ReceivedRtp>>,
    rtcp: Mutex<Vec<ReceivedRtcp>>,
}

impl MediaSink for Collect {
    fn on_rtp(&self, packet: ReceivedRtp) {
        self.rtp.lock().unwrap().push(packet);
    }
    fn on_rtcp(&self, packet: ReceivedRtcp) {
        self.rtcp.lock().unwrap().push(packet);
    }
}

fn start(spec: StreamSpec) -> (MediaStream, MediaMetrics) {
    let metrics = MediaMetrics::unregistered();
    let pair = allocator(1).allocate().unwrap();
    let s = MediaStream::start(pair, spec, metrics.clone()).unwrap();
    (s, metrics)
}

#[tokio::test]
async fn counts_rtp_and_hands_it_to_the_sink() {
    let (s, m) = start(spec(None, false, Direction::SendRecv));
    let sink = Arc::new(Collect::default());
    s.set_sink(Some(sink.clone()));
    let c = client().await;
    for seq in 1..=10 {
        c.send_to(&rtp(0, seq, 42), rtp_addr(&s)).await.unwrap();
    }
    assert!(eventually(|| s.stats().packets == 10).await);
    let st = s.stats();
    assert_eq!(st.bytes, 1600);
    assert_eq!(st.lost, 0);
    assert_eq!(st.ssrc, Some(42));
    assert_eq!(st.latched_rtp, Some(c.local_addr().unwrap()));
    assert!(st.last_rtp_at.is_some() && st.last_rtcp_at.is_none());
    assert!(st.bitrate_kbps > 0.0);
    assert_eq!(st.local_rtp_port % 2, 0);
    assert_eq!(m.rtp_packets_received.get(), 10);
    assert_eq!(m.rtp_bytes_received.get(), 1600);
    let got = sink.rtp.lock().unwrap();
    let seqs: Vec<u16> = got
        .iter()
        .map(|p| p.packet.header.sequence_number)
        .collect();
    assert_eq!(seqs, (1..=10).collect::<Vec<_>>());
    assert_eq!(got[0].clock_rate, 8000);
    assert_eq!(got[0].packet.payload.len(), 160);
}

#[tokio::test]
async fn latches_and_answers_the_source_not_the_sdp_address() {
    let sdp = client().await;
    let (s, _m) = start(spec(
        Some(sdp.local_addr().unwrap()),
        false,
        Direction::SendRecv,
    ));
    // Before the peer sends, the SDP address is the best guess.
    s.send_rtp(b"early").unwrap();
    let (data, from) = recv_within(&sdp, 1000).await.unwrap();
    assert_eq!((&data[..], from), (&b"early"[..], rtp_addr(&s)));

    let natted = client().await;
    natted.send_to(&rtp(0, 1, 7), rtp_addr(&s)).await.unwrap();
    assert!(eventually(|| s.stats().latched_rtp.is_some()).await);
    assert_eq!(s.stats().remote_rtp, Some(natted.local_addr().unwrap()));
    s.send_rtp(b"media").unwrap();
    // Symmetric RTP: from our RTP port to where the packets came from.
    let (data, from) = recv_within(&natted, 1000).await.unwrap();
    assert_eq!((&data[..], from), (&b"media"[..], rtp_addr(&s)));
    assert!(recv_within(&sdp, 100).await.is_none());
}

#[tokio::test]
async fn a_gap_counts_as_loss() {
    let (s, m) = start(spec(None, false, Direction::SendRecv));
    let c = client().await;
    for seq in (1..=5).chain(9..=10) {
        c.send_to(&rtp(0, seq, 1), rtp_addr(&s)).await.unwrap();
        // Keep the order on the wire so that the test measures loss only.
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    assert!(eventually(|| s.stats().packets == 7).await);
    assert_eq!(s.stats().lost, 3);
    assert_eq!(m.rtp_packets_lost.get(), 3);
}

#[tokio::test]
async fn rtcp_on_its_own_port_is_counted_and_latched() {
    let (s, m) = start(spec(None, false, Direction::SendRecv));
    let sink = Arc::new(Collect::default());
    s.set_sink(Some(sink.clone()));
    let c = client().await;
    c.send_to(&receiver_report(5), rtcp_addr(&s)).await.unwrap();
    assert!(eventually(|| s.stats().rtcp_packets == 1).await);
    let st = s.stats();
    assert!(st.last_rtcp_at.is_some());
    assert_eq!(st.packets, 0);
    assert_eq!(st.latched_rtcp, Some(c.local_addr().unwrap()));
    assert_eq!(m.rtcp_packets_received.get(), 1);
    assert!(s.last_activity().is_some());
    assert_eq!(sink.rtcp.lock().unwrap()[0].info.sender_ssrc, 5);
    // Our RTCP goes back from the RTCP port to the latched source.
    s.send_rtcp(&receiver_report(9)).unwrap();
    let (_, from) = recv_within(&c, 1000).await.unwrap();
    assert_eq!(from, rtcp_addr(&s));
}

#[tokio::test]
async fn garbage_is_dropped_and_counted_without_panic() {
    let (s, m) = start(spec(None, false, Direction::SendRecv));
    let c = client().await;
    let fixed = [0x80u8, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1];
    let truncated_ext = [
        &[0x90u8][..],
        &fixed[1..],
        &[0xbe, 0xde, 0, 1, 0x1f, 0, 0, 0],
    ]
    .concat();
    let to_rtp: Vec<Vec<u8>> = vec![
        vec![],                       // not_rtp
        b"hello world".to_vec(),      // not_rtp
        vec![0x00, 0x01, 0x00, 0x00], // STUN: not_rtp
        fixed[..8].to_vec(),          // malformed
        truncated_ext,                // malformed (would panic `rtp`)
        rtp(34, 1, 3),                // unknown_payload_type
        receiver_report(3),           // wrong_port (no rtcp-mux)
    ];
    for d in &to_rtp {
        c.send_to(d, rtp_addr(&s)).await.unwrap();
    }
    c.send_to(&rtp(0, 1, 3), rtcp_addr(&s)).await.unwrap(); // wrong_port
    c.send_to(&[0x80, 201, 0, 9], rtcp_addr(&s)).await.unwrap(); // malformed
    assert!(
        eventually(|| s.stats().dropped == 9).await,
        "{:?}",
        s.stats()
    );
    assert_eq!(dropped(&m, DropReason::NotRtp), 3);
    assert_eq!(dropped(&m, DropReason::Malformed), 3);
    assert_eq!(dropped(&m, DropReason::UnknownPayloadType), 1);
    assert_eq!(dropped(&m, DropReason::WrongPort), 2);
    // The stream still works, and nothing above latched it.
    assert_eq!(s.stats().latched_rtp, None);
    c.send_to(&rtp(0, 1, 3), rtp_addr(&s)).await.unwrap();
    assert!(eventually(|| s.stats().packets == 1).await);
    assert_eq!(s.stats().rtcp_packets, 0);
}

#[tokio::test]
async fn rtcp_mux_demultiplexes_on_the_rtp_port() {
    let (s, m) = start(spec(None, true, Direction::SendRecv));
    let c = client().await;
    c.send_to(&rtp(0, 1, 3), rtp_addr(&s)).await.unwrap();
    c.send_to(&receiver_report(3), rtp_addr(&s)).await.unwrap();
    // A marker bit on PT 0 (octet 0x80) is RTP, not RTCP.
    let mut marked = rtp(0, 2, 3);
    marked[1] |= 0x80;
    c.send_to(&marked, rtp_addr(&s)).await.unwrap();
    // Muxed: nothing belongs on the RTCP port.
    c.send_to(&receiver_report(3), rtcp_addr(&s)).await.unwrap();
    assert!(
        eventually(|| {
            let st = s.stats();
            st.packets == 2 && st.rtcp_packets == 1 && st.dropped == 1
        })
        .await
    );
    assert_eq!(dropped(&m, DropReason::WrongPort), 1);
    // RTCP goes out from the RTP port.
    s.send_rtcp(&receiver_report(9)).unwrap();
    let (_, from) = recv_within(&c, 1000).await.unwrap();
    assert_eq!(from, rtp_addr(&s));
}

#[tokio::test]
async fn a_stray_packet_cannot_hijack_but_a_moved_peer_can() {
    let (s, m) = start(spec(None, false, Direction::SendRecv));
    let peer = client().await;
    let other = client().await;
    peer.send_to(&rtp(0, 1, 1), rtp_addr(&s)).await.unwrap();
    assert!(eventually(|| s.stats().packets == 1).await);
    other.send_to(&rtp(0, 500, 2), rtp_addr(&s)).await.unwrap();
    assert!(eventually(|| dropped(&m, DropReason::WrongSource) == 1).await);
    assert_eq!(s.stats().latched_rtp, Some(peer.local_addr().unwrap()));
    // Four more consecutive packets from the new source with its new SSRC.
    for seq in 501..=504 {
        other.send_to(&rtp(0, seq, 2), rtp_addr(&s)).await.unwrap();
    }
    assert!(eventually(|| s.stats().latched_rtp == Some(other.local_addr().unwrap())).await);
    assert_eq!(dropped(&m, DropReason::WrongSource), 4);
    assert_eq!(s.stats().ssrc, Some(2));
}

#[tokio::test]
async fn update_keeps_ports_and_applies_address_direction_and_codecs() {
    let first = client().await;
    let (s, _m) = start(spec(
        Some(first.local_addr().unwrap()),
        false,
        Direction::SendRecv,
    ));
    let ports = (s.local_rtp_port(), s.local_rtcp_port());
    let c = client().await;
    c.send_to(&rtp(8, 1, 1), rtp_addr(&s)).await.unwrap();
    c.send_to(&rtp(0, 2, 1), rtp_addr(&s)).await.unwrap();
    assert!(eventually(|| s.stats().latched_rtp.is_some()).await);
    assert_eq!(s.stats().dropped, 1, "PCMA not negotiated yet");

    // Re-INVITE: we only receive now, codecs PCMA, new address.
    let moved = client().await;
    let mut new = spec(
        Some(moved.local_addr().unwrap()),
        false,
        Direction::RecvOnly,
    );
    new.payload_types = vec![(8, 8000, "PCMA".into())];
    s.update(new.clone());
    assert_eq!(s.spec(), new);
    assert_eq!((s.local_rtp_port(), s.local_rtcp_port()), ports);
    assert_eq!(
        s.stats().latched_rtp,
        None,
        "new SDP address resets the latch"
    );
    assert!(matches!(s.send_rtp(b"x"), Err(MixerError::NotSending(_))));
    c.send_to(&rtp(8, 3, 1), rtp_addr(&s)).await.unwrap();
    assert!(eventually(|| s.stats().packets == 2).await);

    // Resume: send to the new SDP address until the peer's packets latch.
    let mut resumed = spec(
        Some(moved.local_addr().unwrap()),
        false,
        Direction::SendRecv,
    );
    resumed.payload_types = new.payload_types.clone();
    s.update(resumed);
    assert_eq!(
        s.stats().latched_rtp,
        Some(c.local_addr().unwrap()),
        "same SDP address keeps the latch"
    );
    let ghost = spec(None, false, Direction::SendRecv);
    s.update(ghost);
    assert!(matches!(s.send_rtp(b"x"), Err(MixerError::NoRemote)));
    s.update(spec(
        Some(moved.local_addr().unwrap()),
        false,
        Direction::SendRecv,
    ));
    s.send_rtp(b"x").unwrap();
    assert!(recv_within(&moved, 1000).await.is_some());
}

#[tokio::test]
async fn unexpected_payload_from_the_peer_still_shows_it_is_alive() {
    let (s, _m) = start(spec(None, false, Direction::SendRecv));
    let c = client().await;
    c.send_to(&rtp(0, 1, 1), rtp_addr(&s)).await.unwrap();
    assert!(eventually(|| s.last_activity().is_some()).await);
    let t = s.last_activity().unwrap();
    // Comfort noise (PT 13) that was never negotiated.
    tokio::time::sleep(Duration::from_millis(5)).await;
    c.send_to(&rtp(13, 2, 1), rtp_addr(&s)).await.unwrap();
    assert!(eventually(|| s.last_activity() > Some(t)).await);
    assert_eq!(s.stats().packets, 1);
    // The same from a stranger is not a sign of life of the peer.
    let t = s.last_activity().unwrap();
    let stranger = client().await;
    stranger
        .send_to(&rtp(13, 2, 1), rtp_addr(&s))
        .await
        .unwrap();
    assert!(eventually(|| s.stats().dropped == 2).await);
    assert_eq!(s.last_activity(), Some(t));
}

#[tokio::test]
async fn close_stops_the_stream_and_frees_its_ports() {
    let alloc = allocator(1);
    let pair = alloc.allocate().unwrap();
    let s = MediaStream::start(
        pair,
        spec(None, false, Direction::SendRecv),
        MediaMetrics::unregistered(),
    )
    .unwrap();
    let (rtp_port, rtcp_port) = (s.local_rtp_port(), s.local_rtcp_port());
    assert_eq!(alloc.in_use(), 1);
    s.close();
    assert!(s.is_closed());
    assert!(matches!(s.send_rtcp(b"x"), Err(MixerError::NoRemote)));
    s.update(spec(
        Some("127.0.0.1:9".parse().unwrap()),
        false,
        Direction::SendRecv,
    ));
    assert!(matches!(s.send_rtp(b"x"), Err(MixerError::Closed)));
    // The task drops the last socket handle when it is cancelled.
    assert!(eventually(|| alloc.in_use() == 0).await);
    assert!(std::net::UdpSocket::bind((LOCALHOST, rtp_port)).is_ok());
    assert!(std::net::UdpSocket::bind((LOCALHOST, rtcp_port)).is_ok());
    s.close();
    // The pair can be handed out again.
    let again = alloc.allocate().unwrap();
    assert_eq!(again.rtp_port(), rtp_port);
}

#[tokio::test]
async fn dropping_the_stream_frees_its_ports() {
    let alloc = allocator(1);
    let s = MediaStream::start(
        alloc.allocate().unwrap(),
        spec(None, false, Direction::SendRecv),
        MediaMetrics::unregistered(),
    )
    .unwrap();
    drop(s);
    assert!(eventually(|| alloc.in_use() == 0).await);
}

#[test]
fn starting_outside_a_runtime_is_an_error() {
    let pair = allocator(1).allocate().unwrap();
    assert!(matches!(
        MediaStream::start(
            pair,
            spec(None, false, Direction::SendRecv),
            MediaMetrics::unregistered()
        ),
        Err(MixerError::NoRuntime)
    ));
}
