//! The daemon as a service: health, metrics, systemd notifications, config
//! reload on SIGHUP, clean exit on SIGTERM.

use std::time::Duration;

use diemcau_e2e::{Daemon, DaemonOptions, Room};

const WAIT: Duration = Duration::from_secs(10);

#[test]
fn health_and_metrics() {
    let d = Daemon::start(DaemonOptions::default());
    let metrics = d.get("/metrics").expect("GET /metrics");
    assert_eq!(metrics.status, 200);
    assert!(
        metrics
            .header("content-type")
            .is_some_and(|c| c.starts_with("text/plain")),
        "{:?}",
        metrics.headers
    );
    for family in [
        "diemcau_registrations",
        "diemcau_sip_requests_total",
        "diemcau_auth_failures_total",
    ] {
        assert!(
            metrics.body.contains(&format!("# TYPE {family} ")),
            "{family} missing:\n{}",
            metrics.body
        );
    }
    assert_eq!(
        d.metric("diemcau_registrations", &[("protocol", "sip")]),
        Some(0.0)
    );
    assert_eq!(
        d.metric("diemcau_registrations", &[("protocol", "h323")]),
        Some(0.0)
    );
}

#[test]
fn tells_systemd_it_is_ready_and_alive() {
    let d = Daemon::start(DaemonOptions {
        watchdog_usec: Some(2_000_000),
        ..DaemonOptions::default()
    });
    assert!(
        d.wait_for_notification("READY=1", WAIT),
        "no READY=1; got {:?}",
        d.notifications()
    );
    // Pings at least every WatchdogSec/2 = 1 s.
    std::thread::sleep(Duration::from_millis(2500));
    let pings = d
        .notifications()
        .iter()
        .filter(|m| m.contains("WATCHDOG=1"))
        .count();
    assert!(
        pings >= 2,
        "{pings} watchdog pings in 2.5 s: {:?}",
        d.notifications()
    );
}

#[test]
fn sighup_reloads_rooms() {
    let mut d = Daemon::start(DaemonOptions::default());
    assert_eq!(d.api_get("/rooms/2000").status, 404);
    let more = DaemonOptions::default().room(Room::new("2000", "Phòng 2").pin("1234"));
    d.reconfigure(more);
    assert!(
        diemcau_e2e::wait_until(WAIT, || d.api_get("/rooms/2000").status == 200),
        "room 2000 not there after SIGHUP"
    );
    assert_eq!(d.api_get("/rooms/2000").json()["has_pin"], true);
    assert!(d.is_running());
}

#[test]
fn broken_config_on_reload_keeps_the_old_one() {
    let mut d = Daemon::start(DaemonOptions::default());
    d.write_config("[server\nthis is not toml");
    d.reload();
    std::thread::sleep(Duration::from_secs(1));
    assert!(d.is_running(), "daemon died on a bad config reload");
    assert_eq!(d.get("/healthz").expect("healthz").status, 200);
    assert_eq!(d.api_get("/rooms/1000").status, 200);
}

#[test]
fn sigterm_exits_cleanly() {
    let mut d = Daemon::start(DaemonOptions::default());
    let status = d.stop(WAIT).expect("exits within 10 s of SIGTERM");
    assert!(status.success(), "exit status {status}");
}
