//! The gatekeeper end to end: the daemon with an `[h323]` section on its own
//! loopback ports, a RAS client built on the daemon's H.225.0 types, and
//! tshark judging every RAS message the daemon sends.

use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::time::Duration;

use diemcau_e2e::h323::ras_client::{build, h225, RasClient, RasMessage};
use diemcau_e2e::{netns, ports, Daemon, DaemonOptions, Tshark};

const TIMEOUT: Duration = Duration::from_secs(5);

fn text(m: &h225::EndpointIdentifier) -> String {
    h225::bmp_text(&m.0)
}

#[test]
fn gatekeeper_registers_admits_and_survives_garbage() {
    let ras_port = ports::free_udp_tcp_port();
    let cs_port = ports::free_tcp_port();
    let mut tshark = Tshark::start_filter(
        &format!("udp port {ras_port}"),
        &[format!("udp.port=={ras_port},h225")],
    );
    let opts = DaemonOptions::default();
    let mut opts = opts;
    opts.extra_toml = format!(
        r#"
[h323]
enabled = true
ras_listen = ["127.0.0.1:{ras_port}"]
call_signalling_listen = "127.0.0.1:{cs_port}"
gatekeeper_id = "diemcau-e2e"
time_to_live_secs = 60

[[terminals]]
username = "201"
password = "unused"
display_name = "Điểm cầu Cần Thơ"
protocol = "h323"
aliases = ["cantho.room", "2010"]
"#
    );
    let daemon = Daemon::start(opts);
    let gk = SocketAddr::from((Ipv4Addr::LOCALHOST, ras_port));
    let ours = SocketAddrV4::new(Ipv4Addr::LOCALHOST, cs_port);
    let mut client = RasClient::new(gk);
    let me = client.local();
    // Our terminal's call-signalling address (nothing listens: RAS only).
    let my_cs = SocketAddrV4::new(Ipv4Addr::LOCALHOST, me.port().wrapping_add(1).max(1024));
    let aliases = vec![build::alias("cantho.room"), build::alias("2010")];

    // GRQ → GCF with our gatekeeper id and RAS address.
    let RasMessage::GatekeeperConfirm(gcf) = client.request(|s| build::grq(s, me, aliases.clone()))
    else {
        panic!("no GCF")
    };
    assert_eq!(
        gcf.gatekeeper_identifier
            .as_ref()
            .map(|g| h225::bmp_text(&g.0))
            .as_deref(),
        Some("diemcau-e2e")
    );
    assert_eq!(
        build::socket_addr(&gcf.ras_address),
        Some(SocketAddrV4::new(Ipv4Addr::LOCALHOST, ras_port))
    );

    // An alias nobody configured → RRJ securityDenial.
    let answer =
        client.request(|s| build::rrq(s, my_cs, me, vec![build::alias("stranger")], None, None));
    let RasMessage::RegistrationReject(rrj) = answer else {
        panic!("no RRJ: {answer:?}")
    };
    assert!(matches!(
        rrj.reject_reason,
        h225::RegistrationRejectReason::SecurityDenial(())
    ));

    // The known terminal → RCF: our call-signalling address, its aliases, TTL.
    let answer = client.request(|s| build::rrq(s, my_cs, me, aliases.clone(), Some(120), None));
    let RasMessage::RegistrationConfirm(rcf) = answer else {
        panic!("no RCF: {answer:?}")
    };
    assert_eq!(build::socket_addr(&rcf.call_signal_address[0]), Some(ours));
    assert_eq!(rcf.time_to_live, Some(h225::TimeToLive(60)));
    let endpoint = text(&rcf.endpoint_identifier);

    // In the API with the SIP registrations, and in the metrics.
    let regs = daemon.api_get("/api/v1/registrations").json();
    let h323: Vec<_> = regs
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| r["protocol"] == "h323")
        .collect();
    assert_eq!(h323.len(), 1, "{regs}");
    assert_eq!(h323[0]["username"], "201");
    assert_eq!(h323[0]["display_name"], "Điểm cầu Cần Thơ");
    assert!(h323[0]["contacts"][0]["uri"]
        .as_str()
        .unwrap_or("")
        .contains("cantho.room"));
    assert_eq!(
        daemon.wait_for_metric(
            "diemcau_registrations",
            &[("protocol", "h323")],
            1.0,
            TIMEOUT
        ),
        Some(1.0)
    );
    assert_eq!(
        daemon.metric(
            "diemcau_h323_ras_rejects_total",
            &[
                ("message", "registrationReject"),
                ("reason", "securityDenial")
            ]
        ),
        Some(1.0)
    );

    // Garbage does not disturb the registered terminal: dropped, counted.
    for junk in [
        &b""[..],
        &[0xff; 40],
        b"OPTIONS sip:x SIP/2.0\r\n\r\n",
        &[0x0e, 0x80],
    ] {
        client.send_raw(junk);
    }
    assert_eq!(
        daemon.wait_for_metric(
            "diemcau_h323_ras_messages_total",
            &[("message", "malformed")],
            4.0,
            TIMEOUT
        ),
        Some(4.0)
    );
    assert!(
        client.recv(Duration::from_millis(300)).is_none(),
        "garbage was answered"
    );

    // Lightweight RRQ keep-alive: same endpoint, refreshed.
    let answer = client.request(|s| build::rrq(s, my_cs, me, vec![], Some(30), Some(&endpoint)));
    let RasMessage::RegistrationConfirm(keep) = answer else {
        panic!("keep-alive not confirmed: {answer:?}")
    };
    assert_eq!(text(&keep.endpoint_identifier), endpoint);
    assert_eq!(keep.time_to_live, Some(h225::TimeToLive(30)));

    // ARQ to room 1000 → ACF with our call-signalling address.
    let call = build::CallRef {
        call_reference_value: 77,
        conference_id: [3; 16],
        call_identifier: [4; 16],
    };
    let answer = client.request(|s| {
        build::arq(
            s,
            &endpoint,
            call,
            aliases.clone(),
            vec![build::alias("1000")],
            None,
            7680,
            false,
        )
    });
    let RasMessage::AdmissionConfirm(acf) = answer else {
        panic!("no ACF: {answer:?}")
    };
    assert_eq!(
        build::socket_addr(&acf.dest_call_signal_address),
        Some(ours)
    );
    // And to a number nobody has → ARJ calledPartyNotRegistered.
    let answer = client.request(|s| {
        build::arq(
            s,
            &endpoint,
            call,
            aliases.clone(),
            vec![build::alias("4242")],
            None,
            7680,
            false,
        )
    });
    assert!(
        matches!(answer, RasMessage::AdmissionReject(ref a) if matches!(a.reject_reason, h225::AdmissionRejectReason::CalledPartyNotRegistered(()))),
        "{answer:?}"
    );

    // LRQ for the room → LCF.
    let answer = client.request(|s| build::lrq(s, vec![build::alias("1000")], me));
    let RasMessage::LocationConfirm(lcf) = answer else {
        panic!("no LCF: {answer:?}")
    };
    assert_eq!(build::socket_addr(&lcf.call_signal_address), Some(ours));

    // BRQ, IRQ, DRQ.
    assert!(
        matches!(client.request(|s| build::brq(s, &endpoint, call, 3840)), RasMessage::BandwidthConfirm(ref b) if b.band_width == 3840)
    );
    assert!(matches!(
        client.request(|s| build::irq(s, 0, Some(me))),
        RasMessage::InfoRequestResponse(_)
    ));
    assert!(matches!(
        client.request(|s| build::drq(s, &endpoint, call, false)),
        RasMessage::DisengageConfirm(_)
    ));

    // URQ → UCF; gone from the API and the gauge.
    assert!(matches!(
        client.request(|s| build::urq(s, my_cs, Some(&endpoint))),
        RasMessage::UnregistrationConfirm(_)
    ));
    assert_eq!(
        daemon.wait_for_metric(
            "diemcau_registrations",
            &[("protocol", "h323")],
            0.0,
            TIMEOUT
        ),
        Some(0.0)
    );
    let regs = daemon.api_get("/api/v1/registrations").json();
    assert!(!regs.to_string().contains("\"h323\""), "{regs}");
    assert!(
        daemon.metric(
            "diemcau_h323_ras_messages_total",
            &[("message", "admissionRequest")]
        ) >= Some(2.0)
    );

    // tshark: everything the daemon sent is H.225.0 RAS, none malformed,
    // with the fields we set.
    let from_us = format!("udp.srcport == {ras_port}");
    let sent = tshark.fields(&from_us, &["h225.RasMessage"]);
    assert_eq!(sent.len(), 11, "answers captured: {sent:?}");
    assert_eq!(
        tshark.count(&format!("{from_us} && _ws.malformed")),
        0,
        "{}",
        tshark.dump(&format!("{from_us} && _ws.malformed"))
    );
    assert_eq!(tshark.count(&format!("{from_us} && !h225")), 0);
    let gcf = tshark.fields(
        &format!("{from_us} && h225.gatekeeperConfirm_element"),
        &["h225.gatekeeperIdentifier", "h225.ipV4", "h225.ipV4_port"],
    );
    assert_eq!(
        gcf,
        [vec![
            "diemcau-e2e".to_owned(),
            "127.0.0.1".to_owned(),
            ras_port.to_string()
        ]]
    );
    let rcf = tshark.fields(
        &format!("{from_us} && h225.registrationConfirm_element"),
        &[
            "h225.h323_ID",
            "h225.dialledDigits",
            "h225.ipV4",
            "h225.ipV4_port",
            "h225.timeToLive",
        ],
    );
    assert_eq!(rcf.len(), 2, "{rcf:?}");
    assert_eq!(
        rcf[0],
        [
            "cantho.room",
            "2010",
            "127.0.0.1",
            &cs_port.to_string(),
            "60"
        ]
    );
    let acf = tshark.fields(
        &format!("{from_us} && h225.admissionConfirm_element"),
        &["h225.ipV4", "h225.ipV4_port", "h225.dialledDigits"],
    );
    assert_eq!(
        acf,
        [vec![
            "127.0.0.1".to_owned(),
            cs_port.to_string(),
            "1000".to_owned()
        ]]
    );
    let rejects = tshark.fields(
        &format!("{from_us} && (h225.registrationReject_element || h225.admissionReject_element)"),
        &["h225.rejectReason"],
    );
    assert_eq!(rejects.len(), 2, "{rejects:?}");
    // Our client's own messages decode too (only the garbage is malformed).
    assert_eq!(
        tshark.count(&format!("udp.dstport == {ras_port} && _ws.malformed")),
        3
    );
}

/// Multicast discovery across a LAN: the gatekeeper host and a terminal in
/// two namespaces of the test's own, joined by a veth pair. The terminal
/// knows no gatekeeper address: its GRQ goes to 224.0.1.41:1718, the GCF
/// comes back unicast naming the RAS address on the LAN (the daemon's RAS
/// is on the default 0.0.0.0:1719), and the terminal registers there.
#[test]
fn multicast_discovery_finds_the_gatekeeper_on_the_lan() {
    let Some(peer) = netns::peer_netns() else {
        let lan = netns::Lan::create("gkd");
        assert!(
            lan.run_test_in_host("multicast_discovery_finds_the_gatekeeper_on_the_lan"),
            "the test failed inside namespace {} (its output is above)",
            lan.host
        );
        return;
    };
    // Inside the gatekeeper's namespace: standard ports are ours alone.
    let mut tshark = Tshark::start_on("dch", "udp port 1718 or udp port 1719", &[]);
    let opts = DaemonOptions {
        extra_toml: r#"
[h323]
enabled = true
discovery_multicast = true
gatekeeper_id = "diemcau-lan"

[[terminals]]
username = "301"
password = "unused"
display_name = "Điểm cầu Huế"
protocol = "h323"
aliases = ["hue.room"]
"#
        .into(),
        ..DaemonOptions::default()
    };
    let daemon = Daemon::start(opts);

    let group = SocketAddr::from((Ipv4Addr::new(224, 0, 1, 41), 1718));
    let socket = netns::udp_socket_in(&peer, SocketAddr::from((netns::PEER_IP, 0)));
    let mut terminal = RasClient::on(socket, group);
    let me = terminal.local();
    let aliases = vec![build::alias("hue.room")];
    let gk_ras = SocketAddrV4::new(netns::HOST_IP, 1719);

    // A GRQ for another gatekeeper is not ours to answer: silence.
    let mut other = build::grq(terminal.seq(), me, aliases.clone());
    if let RasMessage::GatekeeperRequest(g) = &mut other {
        g.gatekeeper_identifier = Some(h225::GatekeeperIdentifier(h225::bmp("other-gk")));
    }
    match build::encode(&other) {
        Ok(bytes) => terminal.send_raw(&bytes),
        Err(e) => panic!("encoding: {e}"),
    }
    assert!(
        terminal.recv(Duration::from_secs(2)).is_none(),
        "answered a GRQ meant for another gatekeeper"
    );

    // An alias nobody configured: GRJ terminalExcluded, from port 1718.
    let (answer, _) = terminal.request_from(|s| build::grq(s, me, vec![build::alias("lạ")]));
    let RasMessage::GatekeeperReject(grj) = answer else {
        panic!("no GRJ: {answer:?}")
    };
    assert!(matches!(
        grj.reject_reason,
        h225::GatekeeperRejectReason::TerminalExcluded(())
    ));

    // Ours: GCF, unicast from the gatekeeper host, naming its LAN RAS address.
    let (answer, from) = terminal.request_from(|s| build::grq(s, me, aliases.clone()));
    let RasMessage::GatekeeperConfirm(gcf) = answer else {
        panic!("no GCF: {answer:?}")
    };
    assert_eq!(from, SocketAddr::from((netns::HOST_IP, 1718)));
    assert_eq!(
        gcf.gatekeeper_identifier
            .map(|g| h225::bmp_text(&g.0))
            .as_deref(),
        Some("diemcau-lan")
    );
    assert_eq!(build::socket_addr(&gcf.ras_address), Some(gk_ras));

    // The terminal registers where the GCF said.
    terminal.set_gatekeeper(SocketAddr::V4(gk_ras));
    let my_cs = SocketAddrV4::new(netns::PEER_IP, 1720);
    let answer = terminal.request(|s| build::rrq(s, my_cs, me, aliases.clone(), None, None));
    let RasMessage::RegistrationConfirm(rcf) = answer else {
        panic!("no RCF: {answer:?}")
    };
    assert_eq!(
        rcf.gatekeeper_identifier
            .map(|g| h225::bmp_text(&g.0))
            .as_deref(),
        Some("diemcau-lan")
    );
    assert_eq!(
        daemon.wait_for_metric(
            "diemcau_registrations",
            &[("protocol", "h323")],
            1.0,
            TIMEOUT
        ),
        Some(1.0)
    );

    // On the wire, by Wireshark: GRQs to the group and port 1718, the
    // GCF and GRJ unicast back to the terminal, nothing malformed.
    let grqs = tshark.fields("h225.gatekeeperRequest_element", &["ip.dst", "udp.dstport"]);
    assert!(
        grqs.len() >= 3 && grqs.iter().all(|r| r == &["224.0.1.41", "1718"]),
        "GRQs: {grqs:?}"
    );
    let gcf = tshark.fields(
        "h225.gatekeeperConfirm_element",
        &["ip.src", "ip.dst", "h225.ipV4", "h225.ipV4_port"],
    );
    assert_eq!(
        gcf,
        [["10.77.0.1", "10.77.0.2", "10.77.0.1", "1719"]],
        "{}",
        tshark.dump("h225")
    );
    assert_eq!(tshark.count("h225.gatekeeperReject_element"), 1);
    assert_eq!(tshark.count("h225.registrationConfirm_element"), 1);
    assert_eq!(
        tshark.count("_ws.malformed"),
        0,
        "{}",
        tshark.dump("_ws.malformed")
    );
}
