//! Registration against the daemon: digest auth, failures, removal, both
//! transports, and what the API and metrics say about it.

use std::time::Duration;

use diemcau_e2e::{Account, Baresip, BaresipOptions, Daemon, DaemonOptions, Sipp};

const WAIT: Duration = Duration::from_secs(10);

fn sip_registrations(d: &Daemon) -> Option<f64> {
    d.metric("diemcau_registrations", &[("protocol", "sip")])
}

fn registered_users(d: &Daemon) -> Vec<String> {
    let r = d.api_get("/registrations");
    assert_eq!(r.status, 200, "{}", r.body);
    r.json()
        .as_array()
        .expect("registrations is a JSON array")
        .iter()
        .filter(|reg| reg["contacts"].as_array().is_some_and(|c| !c.is_empty()))
        .filter_map(|reg| reg["username"].as_str().map(str::to_owned))
        .collect()
}

#[test]
fn register_with_digest_auth_over_udp() {
    let d = Daemon::start(DaemonOptions::default());
    assert_eq!(sip_registrations(&d), Some(0.0));
    Sipp::run(
        "register.xml",
        d.sip_addr(),
        &["-s", "101", "-au", "101", "-ap", "demo101"],
    )
    .assert_success();
    assert_eq!(registered_users(&d), ["101"]);
    assert_eq!(sip_registrations(&d), Some(1.0));
    let regs = d.api_get("/registrations").json();
    let contact = &regs[0]["contacts"][0];
    assert!(
        contact["uri"]
            .as_str()
            .unwrap_or_default()
            .contains("sip:101@127.0.0.1:"),
        "{regs}"
    );
    assert!(
        contact["expires_in_secs"]
            .as_u64()
            .is_some_and(|s| s > 0 && s <= 600),
        "{regs}"
    );
}

#[test]
fn register_over_tcp() {
    let d = Daemon::start(DaemonOptions::default());
    Sipp::run(
        "register.xml",
        d.sip_addr(),
        &["-t", "t1", "-s", "102", "-au", "102", "-ap", "demo102"],
    )
    .assert_success();
    assert_eq!(registered_users(&d), ["102"]);
    let regs = d.api_get("/registrations").json();
    let source = regs[0]["contacts"][0]["source"]
        .as_str()
        .unwrap_or_default()
        .to_ascii_lowercase();
    assert!(source.starts_with("tcp"), "source {source:?} in {regs}");
}

#[test]
fn wrong_password_is_challenged_again() {
    let d = Daemon::start(DaemonOptions::default());
    let failures_before = d.metric("diemcau_auth_failures_total", &[]).unwrap_or(0.0);
    Sipp::run(
        "register_wrong_password.xml",
        d.sip_addr(),
        &["-s", "101", "-au", "101", "-ap", "not-the-password"],
    )
    .assert_success();
    assert!(registered_users(&d).is_empty());
    assert_eq!(sip_registrations(&d), Some(0.0));
    let failures = d.metric("diemcau_auth_failures_total", &[]).unwrap_or(0.0);
    assert!(
        failures >= failures_before + 1.0,
        "auth failures {failures_before} -> {failures}"
    );
}

#[test]
fn unknown_user_is_forbidden() {
    let d = Daemon::start(DaemonOptions::default());
    Sipp::run(
        "register_unknown_user.xml",
        d.sip_addr(),
        &["-s", "999", "-au", "999", "-ap", "whatever"],
    )
    .assert_success();
    assert!(registered_users(&d).is_empty());
}

#[test]
fn expires_zero_removes_the_binding() {
    let d = Daemon::start(DaemonOptions::default());
    Sipp::run(
        "register_unregister.xml",
        d.sip_addr(),
        &["-s", "103", "-au", "103", "-ap", "demo103"],
    )
    .assert_success();
    assert!(registered_users(&d).is_empty());
    assert_eq!(sip_registrations(&d), Some(0.0));
}

#[test]
fn many_terminals_register_at_once() {
    // 50 users, each registering 4 times: 200 digest rounds in parallel.
    let users: Vec<String> = (2000..2050).map(|u| u.to_string()).collect();
    let mut opts = DaemonOptions::default();
    for u in &users {
        opts = opts.terminal(diemcau_e2e::Terminal::sip(u, &format!("pw{u}")));
    }
    let d = Daemon::start(opts);
    let csv = d.dir().join("users.csv");
    let mut text = String::from("SEQUENTIAL\n");
    for u in &users {
        text.push_str(&format!("{u};pw{u}\n"));
    }
    std::fs::write(&csv, text).expect("write users.csv");
    let bench = diemcau_e2e::daemon::workspace_root().join("bench/register.xml");
    let result = Sipp::run(
        &bench.to_string_lossy(),
        d.sip_addr(),
        &[
            "-inf",
            &csv.to_string_lossy(),
            "-m",
            "200",
            "-r",
            "200",
            "-l",
            "50",
        ],
    );
    result.assert_success();
    assert_eq!(result.successful, 200);
    let registered = registered_users(&d);
    assert_eq!(registered.len(), users.len(), "{registered:?}");
    assert_eq!(sip_registrations(&d), Some(users.len() as f64));
}

#[test]
fn baresip_registers_and_is_listed_with_its_user_agent() {
    let d = Daemon::start(DaemonOptions::default());
    let b = Baresip::start(
        &Account::new("101", "demo101", d.sip_addr()).line(),
        BaresipOptions::audio_only(),
    );
    b.wait_registered(WAIT).expect("baresip registers");
    assert_eq!(registered_users(&d), ["101"]);
    let regs = d.api_get("/registrations").json();
    let ua = regs[0]["contacts"][0]["user_agent"]
        .as_str()
        .unwrap_or_default();
    assert!(ua.contains("baresip"), "user agent {ua:?} in {regs}");
    assert_eq!(regs[0]["display_name"], "Điểm cầu Hà Nội");
}

#[test]
fn baresip_with_a_wrong_password_stays_unregistered() {
    let d = Daemon::start(DaemonOptions::default());
    let b = Baresip::start(
        &Account::new("101", "wrong", d.sip_addr()).line(),
        BaresipOptions::audio_only(),
    );
    let outcome = b.wait_registered(WAIT);
    assert!(outcome.is_err(), "registered with a wrong password");
    assert!(registered_users(&d).is_empty());
}
