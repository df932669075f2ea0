//! The admin API: bearer-token auth, the views, dial-out and hang-up.

use std::time::Duration;

use serde_json::json;

use diemcau_e2e::{wait_for, Account, Baresip, BaresipOptions, Daemon, DaemonOptions, Sipp};

const WAIT: Duration = Duration::from_secs(15);

#[test]
fn api_requires_the_bearer_token() {
    let d = Daemon::start(DaemonOptions::default());
    let refused: [&[(&str, &str)]; 3] = [
        &[],
        &[("Authorization", "Bearer nope")],
        &[("Authorization", "Basic ZGVtbzpkZW1v")],
    ];
    for headers in refused {
        let r = d.http("GET", "/api/v1/rooms", headers, None).expect("GET");
        assert_eq!(r.status, 401, "{headers:?}: {}", r.body);
    }
    assert_eq!(d.api_get("/rooms").status, 200);
    // Health and metrics stay open for probes and scrapers.
    assert_eq!(d.get("/healthz").expect("healthz").status, 200);
    assert_eq!(d.get("/metrics").expect("metrics").status, 200);
}

#[test]
fn rooms_and_registrations_views() {
    let d = Daemon::start(DaemonOptions::default());
    let rooms = d.api_get("/rooms");
    assert_eq!(rooms.status, 200);
    let rooms = rooms.json();
    assert_eq!(rooms.as_array().map(Vec::len), Some(1), "{rooms}");
    let room = d.api_get("/rooms/1000").json();
    assert_eq!(room["number"], "1000");
    assert_eq!(room["name"], "Phòng họp trực tuyến");
    assert_eq!(room["max_participants"], 16);
    assert_eq!(room["has_pin"], false);
    assert_eq!(room["participants"], json!([]));
    assert_eq!(d.api_get("/rooms/9999").status, 404);
    let regs = d.api_get("/registrations");
    assert_eq!(regs.status, 200);
    // Nobody registered: no entry has a contact.
    assert!(regs
        .json()
        .as_array()
        .expect("array")
        .iter()
        .all(|r| r["contacts"].as_array().is_none_or(|c| c.is_empty())));
}

fn participant_state(d: &Daemon, id: u64) -> Option<String> {
    d.api_get("/rooms/1000").json()["participants"]
        .as_array()?
        .iter()
        .find(|p| p["id"] == id)
        .and_then(|p| p["state"].as_str().map(str::to_owned))
}

#[test]
fn dial_out_to_a_uri_and_hang_up() {
    let d = Daemon::start(DaemonOptions::default());
    let uas = Sipp::spawn("uas_answer.xml", None, &["-s", "2001", "-d", "500"]);
    let r = d.api_post("/rooms/1000/dial", &json!({ "uri": uas.uri("2001") }));
    assert!(
        r.status == 200 || r.status == 201,
        "dial: {} {}",
        r.status,
        r.body
    );
    let p = r.json();
    assert_eq!(p["direction"], "outbound", "{p}");
    let id = p["id"].as_u64().expect("participant id");

    let connected = wait_for(WAIT, || {
        (participant_state(&d, id).as_deref() == Some("connected")).then_some(())
    });
    assert!(
        connected.is_some(),
        "never connected: {:?}",
        participant_state(&d, id)
    );

    let del = d.api_delete(&format!("/rooms/1000/participants/{id}"));
    assert!(
        del.status == 200 || del.status == 204,
        "{} {}",
        del.status,
        del.body
    );
    // The terminal got the BYE and answered it.
    uas.wait(WAIT).assert_success();
    assert_eq!(participant_state(&d, id), None);
}

#[test]
fn dial_out_to_a_registered_terminal() {
    let d = Daemon::start(DaemonOptions::default());
    let b = Baresip::start(
        &Account::new("102", "demo102", d.sip_addr()).line(),
        BaresipOptions::default(),
    );
    b.wait_registered(WAIT).expect("baresip registers");

    let r = d.api_post("/rooms/1000/dial", &json!({ "terminal": "102" }));
    assert!(
        r.status == 200 || r.status == 201,
        "dial: {} {}",
        r.status,
        r.body
    );
    let id = r.json()["id"].as_u64().expect("participant id");
    assert!(
        b.wait_for_event("CALL_ESTABLISHED", WAIT).is_some(),
        "baresip never answered; events {:?}",
        b.events()
    );
    assert!(wait_for(WAIT, || (participant_state(&d, id).as_deref()
        == Some("connected"))
    .then_some(()))
    .is_some());

    let del = d.api_delete(&format!("/rooms/1000/participants/{id}"));
    assert!(
        del.status == 200 || del.status == 204,
        "{} {}",
        del.status,
        del.body
    );
    assert!(
        b.wait_for_event("CALL_CLOSED", WAIT).is_some(),
        "no BYE at baresip"
    );
}

#[test]
fn dial_errors_are_client_errors() {
    let d = Daemon::start(DaemonOptions::default());
    // 103 is configured but not registered.
    let not_registered = d.api_post("/rooms/1000/dial", &json!({ "terminal": "103" }));
    assert!(
        (400..500).contains(&not_registered.status),
        "{} {}",
        not_registered.status,
        not_registered.body
    );
    let no_room = d.api_post("/rooms/9999/dial", &json!({ "terminal": "101" }));
    assert_eq!(no_room.status, 404, "{}", no_room.body);
    let bad_uri = d.api_post("/rooms/1000/dial", &json!({ "uri": "not a uri" }));
    assert!(
        (400..500).contains(&bad_uri.status),
        "{} {}",
        bad_uri.status,
        bad_uri.body
    );
    let garbage = d
        .http(
            "POST",
            "/api/v1/rooms/1000/dial",
            &[("Authorization", "Bearer demo-admin-token")],
            Some(("application/json", b"{not json")),
        )
        .expect("POST");
    assert!(
        (400..500).contains(&garbage.status),
        "{} {}",
        garbage.status,
        garbage.body
    );
    let gone = d.api_delete("/rooms/1000/participants/424242");
    assert_eq!(gone.status, 404, "{}", gone.body);
}
