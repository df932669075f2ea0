//! Registration against the daemon: digest auth, failures, removal, both
//! transports, and what the API and metrics say about it.

use std::time::Duration;

use diemcau_e2e::{
    Account, Baresip, BaresipOptions, Daemon, DaemonOptions, Linphone, LinphoneAccount, Sipp,
    Terminal, Tshark,
};

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

/// The demo config plus terminal 104, offered SHA-256 digest only.
fn sha256_only_daemon() -> Daemon {
    Daemon::start(
        DaemonOptions::default().terminal(
            Terminal::sip("104", "pw104")
                .display_name("Điểm cầu Cần Thơ")
                .digest_algorithms(&["SHA-256"]),
        ),
    )
}

/// Every `sip.auth.algorithm` in the rows (tshark joins repeats with `,`).
fn algorithms(rows: &[Vec<String>]) -> Vec<String> {
    rows.iter()
        .flat_map(|row| row[0].split(','))
        .map(|a| a.trim_matches('"').to_owned())
        .collect()
}

#[test]
fn linphone_registers_with_sha256_digest() {
    let d = sha256_only_daemon();
    let mut cap = Tshark::start(&[d.ports().sip]);
    let mut l = Linphone::start(&LinphoneAccount::new("104", "pw104", d.sip_addr()));
    l.wait_registered(WAIT)
        .expect("linphone registers against a SHA-256-only terminal");
    let status = l.status_register();
    assert!(status.starts_with("registered, identity="), "{status}");

    assert_eq!(registered_users(&d), ["104"]);
    assert_eq!(sip_registrations(&d), Some(1.0));
    let regs = d.api_get("/registrations").json();
    assert_eq!(regs[0]["display_name"], "Điểm cầu Cần Thơ", "{regs}");
    let contact = &regs[0]["contacts"][0];
    let uri = contact["uri"].as_str().unwrap_or_default();
    assert!(
        uri.contains(&format!("sip:104@{}", l.sip_addr())),
        "contact {uri:?} in {regs}"
    );
    let ua = contact["user_agent"].as_str().unwrap_or_default();
    assert!(ua.contains("Linphone"), "user agent {ua:?} in {regs}");

    // On the wire, as Wireshark reads it: the challenge offered SHA-256
    // alone, and the REGISTER that got the 200 answered it with SHA-256.
    let challenges = cap.fields(
        "sip.Status-Code == 401 && sip.CSeq.method == \"REGISTER\"",
        &["sip.auth.algorithm"],
    );
    let offered = algorithms(&challenges);
    assert!(!offered.is_empty(), "no 401 to a REGISTER captured");
    assert!(
        offered.iter().all(|a| a == "SHA-256"),
        "challenged with {offered:?}"
    );
    let answered = cap.fields(
        "sip.Method == \"REGISTER\" && sip.Authorization",
        &["sip.auth.algorithm", "sip.auth.username"],
    );
    assert!(
        !answered.is_empty(),
        "no REGISTER with Authorization captured"
    );
    assert!(
        answered.iter().all(|row| row[1].trim_matches('"') == "104"),
        "{answered:?}"
    );
    let used = algorithms(&answered);
    assert!(
        used.iter().all(|a| a == "SHA-256"),
        "answered with {used:?}"
    );
    let ok = cap.count("sip.Status-Code == 200 && sip.CSeq.method == \"REGISTER\"");
    assert!(ok >= 1, "no 200 to a REGISTER captured");
}

#[test]
fn linphone_with_a_wrong_password_is_refused_under_sha256() {
    let d = sha256_only_daemon();
    let failures_before = d.metric("diemcau_auth_failures_total", &[]).unwrap_or(0.0);
    let mut l = Linphone::start(&LinphoneAccount::new(
        "104",
        "not-the-password",
        d.sip_addr(),
    ));
    let outcome = l.wait_registered(WAIT);
    assert!(
        outcome.as_ref().is_err_and(|e| e.contains("401")),
        "registered with a wrong password, or failed otherwise: {outcome:?}"
    );
    assert!(registered_users(&d).is_empty());
    assert_eq!(sip_registrations(&d), Some(0.0));
    let failures = d.metric("diemcau_auth_failures_total", &[]).unwrap_or(0.0);
    assert!(
        failures >= failures_before + 1.0,
        "auth failures {failures_before} -> {failures}"
    );
}
