//! The bridge of issue 4, between two diemcau instances on loopback: room
//! 1000 on A is linked to room 1000 on B (A publishes with its WHIP client
//! and pulls B's room with its WHEP client). A SIP terminal in each room
//! sees and hears the other through the link, and does not get its own
//! picture or voice back (B's viewer for the link leaves A's publisher
//! out). B is then killed with SIGKILL and started again on the same
//! ports: A's link notices, retries with backoff and reconnects, and the
//! terminals see each other again.

use std::time::{Duration, Instant};

use serde_json::Value;

use diemcau_e2e::daemon::DaemonPorts;
use diemcau_e2e::room_terminal::{assert_hears, join, start_terminal, wait_for_picture};
use diemcau_e2e::util::TempDir;
use diemcau_e2e::video::{solid_colour_clips, Colour};
use diemcau_e2e::{wait_for, Daemon, DaemonOptions};

const LINK_WAIT: Duration = Duration::from_secs(30);

fn link_options(b: &DaemonPorts) -> DaemonOptions {
    DaemonOptions {
        extra_toml: format!(
            "[[webrtc.links]]\nroom = \"1000\"\nname = \"Nền tảng họp quốc gia\"\n\
         whip_url = \"http://127.0.0.1:{p}/whip/1000?name=Ph%C3%B2ng%20h%E1%BB%8Dp%20A\"\n\
         whep_url = \"http://127.0.0.1:{p}/whep/1000\"\nretry_max_secs = 2\n",
            p = b.http
        ),
        ..DaemonOptions::default()
    }
}

fn link(a: &Daemon) -> Value {
    a.api_get("/links").json()[0].clone()
}

fn wait_link_connected(a: &Daemon, connects: u64) -> Value {
    wait_for(LINK_WAIT, || {
        let l = link(a);
        (l["state"] == "connected" && l["connects"].as_u64() >= Some(connects)).then_some(l)
    })
    .unwrap_or_else(|| {
        panic!(
            "link not connected ({connects}) in {LINK_WAIT:?}: {}",
            link(a)
        )
    })
}

fn session_kinds(d: &Daemon) -> Vec<String> {
    let mut kinds: Vec<String> = d
        .api_get("/webrtc/sessions")
        .json()
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s["kind"].as_str().map(str::to_string))
        .collect();
    kinds.sort();
    kinds
}

#[test]
fn two_instances_bridged_see_and_hear_each_other_and_reconnect() {
    let clip_dir = TempDir::new("clips");
    let clips = solid_colour_clips(clip_dir.path(), &[Colour::Red, Colour::Blue]);
    let b = Daemon::start(DaemonOptions::default());
    let b_ports = b.ports().clone();
    let a = Daemon::start(link_options(&b_ports));

    let l = wait_link_connected(&a, 1);
    assert_eq!(l["name"], "Nền tảng họp quốc gia");
    // B holds our publisher and our viewer; A has the link.
    assert_eq!(session_kinds(&b), vec!["whep", "whip"]);
    assert_eq!(session_kinds(&a), vec!["link"]);
    let b_room = b.api_get("/rooms/1000").json();
    assert!(
        b_room["participants"]
            .as_array()
            .is_some_and(|ps| ps.iter().any(|p| p["display_name"] == "Phòng họp A")),
        "{b_room}"
    );

    let mut ta = start_terminal(&a, &clips[0], "A", "101", Colour::Red, 440, "");
    let mut tb = start_terminal(&b, &clips[1], "B", "102", Colour::Blue, 880, "");
    join(&a, &mut ta);
    join(&b, &mut tb);

    // Each sees the other room's terminal, not its own picture back.
    wait_for_picture(&mut ta, "a-sees-b", &[Colour::Blue], &[Colour::Red]);
    wait_for_picture(&mut tb, "b-sees-a", &[Colour::Red], &[Colour::Blue]);
    std::thread::sleep(Duration::from_secs(3));
    // And each hears the other, not itself through the far room.
    assert_hears(&ta, &[&tb]);
    assert_hears(&tb, &[&ta]);

    let m = a.metrics();
    assert!(
        m.contains("diemcau_webrtc_sessions{kind=\"link\"} 1"),
        "{m}"
    );
    assert!(m.contains("diemcau_webrtc_link_up{"), "{m}");

    // B dies without a word and comes back on the same ports.
    let killed = Instant::now();
    drop(tb);
    let mut b = b;
    b.kill();
    let down = wait_for(LINK_WAIT, || {
        let l = link(&a);
        (l["state"] != "connected").then_some(l)
    })
    .unwrap_or_else(|| panic!("the link did not notice B's death: {}", link(&a)));
    assert!(down["last_error"].is_string(), "{down}");
    eprintln!("link down after {:?}: {down}", killed.elapsed());
    drop(b);
    let b = Daemon::start_on(DaemonOptions::default(), b_ports);
    let l = wait_link_connected(&a, 2);
    eprintln!("link back after {:?}: {l}", killed.elapsed());
    assert!(l["failures"].as_u64() >= Some(1), "{l}");

    let mut tb = start_terminal(&b, &clips[1], "B", "102", Colour::Blue, 880, "");
    join(&b, &mut tb);
    wait_for_picture(&mut ta, "a-sees-b-again", &[Colour::Blue], &[Colour::Red]);
    wait_for_picture(&mut tb, "b-sees-a-again", &[Colour::Red], &[Colour::Blue]);
}
