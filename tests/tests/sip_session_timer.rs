//! Session timers (RFC 4028). Each test takes about 100 s: a session
//! interval cannot be shorter than 90 s (Min-SE), and these tests are about
//! what happens across one.

use std::time::Duration;

use diemcau_e2e::{Daemon, DaemonOptions, Sipp};

fn caller() -> Vec<&'static str> {
    vec![
        "-s", "1000", "-key", "caller", "101", "-au", "101", "-ap", "demo101",
    ]
}

#[test]
fn refreshed_session_outlives_its_interval() {
    let d = Daemon::start(
        DaemonOptions::default()
            .set("sip", "session_expires", "90")
            .set("sip", "min_se", "90")
            // sipp sends no RTP: keep the media watchdog out of the way.
            .set("media", "media_timeout_secs", "600"),
    );
    let mut args = caller();
    // Refresh at 35 s (re-INVITE) and 70 s (UPDATE), BYE at 105 s.
    args.extend(["-d", "35000", "-timeout", "150s"]);
    let sipp = Sipp::spawn("call_session_timer.xml", Some(d.sip_addr()), &args);
    sipp.wait(Duration::from_secs(180)).assert_success();
}

#[test]
fn unrefreshed_session_is_ended_by_the_gateway() {
    let d = Daemon::start(
        DaemonOptions::default()
            .set("sip", "session_expires", "90")
            .set("sip", "min_se", "90")
            // sipp sends no RTP: keep the media watchdog out of the way.
            .set("media", "media_timeout_secs", "600"),
    );
    let mut args = caller();
    args.extend(["-timeout", "150s"]);
    let sipp = Sipp::spawn("call_session_expiry.xml", Some(d.sip_addr()), &args);
    sipp.wait(Duration::from_secs(180)).assert_success();
    let r = d.api_get("/rooms/1000");
    assert_eq!(
        r.json()["participants"].as_array().map(Vec::len),
        Some(0),
        "{}",
        r.body
    );
}
