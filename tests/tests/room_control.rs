//! The room's media under the operator's hand and the signalling's: layout,
//! "same picture for all", mute and keyframes from the admin API, the
//! mixer's keyframe requests reaching a terminal without RTCP feedback as
//! SIP INFO, and the per-room metrics that show all of it.

use std::net::UdpSocket;
use std::time::Duration;

use diemcau_e2e::{wait_until, Daemon, DaemonOptions, Sipp};
use serde_json::{json, Value};

const WAIT: Duration = Duration::from_secs(15);

fn first_participant(d: &Daemon) -> Option<Value> {
    let room = d.api_get("/rooms/1000").json();
    room["participants"]
        .as_array()
        .and_then(|p| p.first().cloned())
        .filter(|p| p["state"] == "connected")
}

/// H.264 the gateway cannot decode: non-IDR slices of noise, as a room
/// system sends after its keyframe was lost.
fn undecodable(pt: u8, seq: u16) -> Vec<u8> {
    let mut p = vec![0x80, pt];
    p.extend_from_slice(&seq.to_be_bytes());
    p.extend_from_slice(&(u32::from(seq) * 3000).to_be_bytes());
    p.extend_from_slice(&0x5eed_u32.to_be_bytes());
    p.push(0x41);
    p.extend((0..300u32).map(|i| (i.wrapping_mul(97) ^ u32::from(seq)) as u8));
    p
}

#[test]
fn undecodable_video_makes_the_gateway_ask_for_a_keyframe_by_info() {
    let d = Daemon::start(DaemonOptions::default());
    let sipp = Sipp::spawn(
        "call_keyframe_info.xml",
        Some(d.sip_addr()),
        &["-s", "1000", "-aa", "-timeout", "45s"],
    );
    let p = wait_until_some(|| first_participant(&d)).expect("sipp never connected");
    let video = p["streams"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["kind"] == "video").cloned())
        .expect("a video stream");
    let port = video["local_port"].as_u64().expect("video port") as u16;
    let pt = video["payload_type"].as_u64().expect("payload type") as u8;
    let id = p["id"].to_string();

    let sock = UdpSocket::bind("127.0.0.1:0").expect("bind");
    let sent = |d: &Daemon| {
        d.metric(
            "diemcau_stream_keyframe_requests_total",
            &[("participant", &id), ("direction", "sent")],
        )
        .unwrap_or(0.0)
    };
    let mut seq = 0u16;
    let asked = wait_until(WAIT, || {
        for _ in 0..5 {
            seq = seq.wrapping_add(1);
            let _ = sock.send_to(&undecodable(pt, seq), ("127.0.0.1", port));
        }
        std::thread::sleep(Duration::from_millis(40));
        sent(&d) >= 1.0
    });
    assert!(asked, "the mixer never asked for a keyframe");
    // sipp checked the INFO's type and body and hung up.
    sipp.wait(Duration::from_secs(40)).assert_success();
    assert!(d.metric("diemcau_sip_requests_total", &[("method", "BYE")]) >= Some(1.0));
}

fn wait_until_some<T>(mut f: impl FnMut() -> Option<T>) -> Option<T> {
    let mut out = None;
    wait_until(WAIT, || {
        out = f();
        out.is_some()
    });
    out
}

#[test]
fn operator_changes_layout_picture_mode_mute_and_asks_keyframes() {
    let d = Daemon::start(DaemonOptions::default());
    let r = d.api_patch(
        "/rooms/1000",
        &json!({"layout": "2x2", "same_picture": true}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["layout"], "2x2");
    assert_eq!(r.json()["same_picture"], true);
    let r = d.api_patch("/rooms/1000", &json!({"layout": "9x9"}));
    assert_eq!(r.status, 400, "{}", r.body);
    assert_eq!(d.api_get("/rooms/1000").json()["layout"], "2x2");

    // A call with audio and video, held up by sipp for a while.
    let sipp = Sipp::spawn(
        "call_basic.xml",
        Some(d.sip_addr()),
        &["-s", "1000", "-key", "caller", "101", "-d", "6000"],
    );
    let p = wait_until_some(|| first_participant(&d)).expect("sipp never connected");
    let id = p["id"].as_u64().expect("id");
    assert_eq!(p["muted"], false);

    let path = format!("/rooms/1000/participants/{id}");
    let r = d.api_patch(&path, &json!({"muted": true}));
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["muted"], true);
    assert_eq!(d.api_get(&path).json()["muted"], true);
    let r = d.api_patch("/rooms/1000/participants/999999", &json!({"muted": true}));
    assert_eq!(r.status, 404, "{}", r.body);

    // The metrics list the room, its one encoder feeding one receiver and
    // the CPU time its pipelines took.
    assert!(wait_until(WAIT, || d
        .metric("diemcau_room_participants", &[("room", "1000")])
        == Some(1.0)));
    assert!(
        p["streams"]
            .as_array()
            .is_some_and(|s| s.iter().any(|s| s["kind"] == "video")),
        "call_basic offers video: {p}"
    );
    assert_eq!(
        d.metric(
            "diemcau_mixer_encoders",
            &[("room", "1000"), ("receivers", "1")]
        ),
        Some(1.0)
    );
    let r = d.api_post(&format!("{path}/keyframe"), &json!({}));
    assert_eq!(r.status, 204, "{}", r.body);
    let asked = id.to_string();
    assert!(wait_until(WAIT, || d
        .metric(
            "diemcau_stream_keyframe_requests_total",
            &[("participant", &asked), ("direction", "received")]
        )
        .unwrap_or(0.0)
        >= 1.0));
    assert!(wait_until(WAIT, || d
        .metric("diemcau_mixer_cpu_seconds_total", &[("room", "1000")])
        .unwrap_or(0.0)
        > 0.0));
    assert!(d
        .metric("diemcau_stream_packets_received_total", &[("room", "1000")])
        .is_some());
    sipp.wait(Duration::from_secs(40)).assert_success();
    assert!(wait_until(WAIT, || d
        .metric("diemcau_room_participants", &[("room", "1000")])
        == Some(0.0)));
}
