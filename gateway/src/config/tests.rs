use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};

use super::*;

const BASE: &str = r#"
[server]
sip_domain = "example.test"

[http]
admin_token = "secret"
"#;

fn parse(text: &str) -> Result<Config, ConfigError> {
    Config::from_str(text, Path::new("test.toml"))
}

fn ok(text: &str) -> Config {
    parse(text).unwrap_or_else(|e| panic!("expected a valid config, got {e}"))
}

/// 1-based number of the first line containing `needle`.
fn line_of(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|l| l.contains(needle))
        .map(|i| i + 1)
        .unwrap_or_else(|| panic!("{needle:?} not in the test text"))
}

/// Assert that `text` fails on the line containing `needle`, with a reason
/// containing `why`.
fn fails_at(text: &str, needle: &str, why: &str) -> ConfigError {
    let err = match parse(text) {
        Ok(_) => panic!("expected an error at {needle:?}"),
        Err(e) => e,
    };
    assert_eq!(err.line, line_of(text, needle), "wrong line for {err}");
    assert!(
        err.reason.contains(why),
        "reason {:?} should mention {why:?}",
        err.reason
    );
    assert_eq!(err.file, PathBuf::from("test.toml"));
    err
}

fn with(extra: &str) -> String {
    format!("{BASE}{extra}")
}

#[test]
fn demo_config_loads() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../configs/diemcau.toml");
    let cfg = Config::load(&path).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(cfg.source, path);
    assert_eq!(cfg.server.sip_domain, "diemcau.local");
    let any5060 = SocketAddr::from(([0, 0, 0, 0], 5060));
    assert_eq!(cfg.sip.udp, vec![any5060]);
    assert_eq!(cfg.sip.tcp, vec![any5060]);
    assert_eq!(cfg.http.listen, SocketAddr::from(([0, 0, 0, 0], 8080)));
    assert_eq!(cfg.http.admin_token, "demo-admin-token");
    assert_eq!(
        (cfg.media.rtp_port_min, cfg.media.rtp_port_max),
        (20000, 29999)
    );

    let room = cfg.room("1000").expect("room 1000");
    assert_eq!(room.name, "Phòng họp trực tuyến");
    assert_eq!(room.pin, None);
    assert_eq!(room.max_participants, 16);
    assert_eq!(room.layout, Layout::Auto);
    assert!(!room.same_picture);

    let users: Vec<_> = cfg
        .terminals
        .iter()
        .map(|t| (t.username.as_str(), t.password.as_str()))
        .collect();
    assert_eq!(
        users,
        [("101", "demo101"), ("102", "demo102"), ("103", "demo103")]
    );
    assert!(cfg.terminals.iter().all(|t| t.protocol == Protocol::Sip));
    assert_eq!(
        cfg.terminal("102").map(|t| t.display_name.as_str()),
        Some("Điểm cầu Đà Nẵng")
    );
}

#[test]
fn minimal_config_gets_the_defaults() {
    let cfg = ok(BASE);
    assert_eq!(cfg.server.user_agent, "diemcau");
    assert_eq!(cfg.server.public_address, None);
    let any5060 = SocketAddr::from(([0, 0, 0, 0], 5060));
    assert_eq!(cfg.sip.udp, vec![any5060]);
    assert_eq!(cfg.sip.tcp, vec![any5060]);
    assert_eq!(cfg.sip.t1(), std::time::Duration::from_millis(500));
    assert_eq!(
        (
            cfg.sip.min_expires,
            cfg.sip.default_expires,
            cfg.sip.max_expires
        ),
        (60, 600, 3600)
    );
    assert_eq!((cfg.sip.session_expires, cfg.sip.min_se), (1800, 90));
    assert_eq!(cfg.sip.answer_delay_ms, 0);
    assert_eq!(cfg.media.bind_address(), IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    assert_eq!(
        (cfg.media.rtp_port_min, cfg.media.rtp_port_max),
        (20000, 29999)
    );
    assert_eq!(cfg.media.media_timeout_secs, 30);
    assert_eq!(cfg.http.listen, SocketAddr::from(([0, 0, 0, 0], 8080)));
    assert_eq!(cfg.auth.nonce_lifetime_secs, 300);
    assert!(cfg.rooms.is_empty() && cfg.terminals.is_empty());
    // Listening on 0.0.0.0 only: advertise loopback.
    assert_eq!(cfg.public_address(), IpAddr::V4(Ipv4Addr::LOCALHOST));
    assert_eq!(cfg.media_ip(), IpAddr::V4(Ipv4Addr::LOCALHOST));
}

#[test]
fn public_address_falls_back_to_a_specific_listen_address() {
    let cfg = ok(&with(
        "[sip]\nudp = [\"0.0.0.0:5060\"]\ntcp = [\"192.0.2.7:5061\"]\n",
    ));
    assert_eq!(cfg.public_address(), IpAddr::from([192, 0, 2, 7]));
    assert_eq!(cfg.public_ip(), None);

    let cfg = ok(concat!(
        "[server]\nsip_domain = \"d\"\npublic_address = \"198.51.100.1\"\n",
        "[http]\nadmin_token = \"t\"\n[media]\naddress = \"10.0.0.5\"\n",
    ));
    assert_eq!(cfg.public_address(), IpAddr::from([198, 51, 100, 1]));
    assert_eq!(cfg.media_ip(), IpAddr::from([10, 0, 0, 5]));
}

#[test]
fn unreadable_file_is_line_zero() {
    let err = Config::load(Path::new("/nonexistent/diemcau.toml")).expect_err("must fail");
    assert_eq!((err.line, err.column), (0, 0));
    assert!(err
        .to_string()
        .starts_with("/nonexistent/diemcau.toml:0:0: cannot read"));
}

#[test]
fn syntax_error_names_line_and_column() {
    let text = "[server]\nsip_domain = \"x\"\n[http]\nadmin_token = \"t\n";
    let err = fails_at(text, "admin_token", "");
    assert!(err.column > 1, "{err}");
}

#[test]
fn column_counts_characters_not_bytes() {
    let text = with("[[rooms]]\nnumber = \"1\"\nname = \"Phòng\"\nmax_participants = \"x\"\n");
    let err = fails_at(&text, "max_participants", "");
    assert_eq!(err.column, "max_participants = ".chars().count() + 1);

    let text = with("[[rooms]]\nnumber = \"1\"\nname = \"Đà Nẵng\" ; pin = 1\n");
    let err = parse(&text).expect_err("garbage after a value");
    assert_eq!(err.line, line_of(&text, "Đà Nẵng"));
    // The error is after the string; counted in characters it is column 18.
    assert_eq!(err.column, "name = \"Đà Nẵng\" ".chars().count() + 1);
}

#[test]
fn unknown_keys_are_errors() {
    fails_at(
        &with("[sip]\nudp_listen = [\"0.0.0.0:5060\"]\n"),
        "udp_listen",
        "udp_listen",
    );
    fails_at(
        &with("[[rooms]]\nnumber = \"1\"\nname = \"n\"\npim = \"1\"\n"),
        "pim",
        "pim",
    );
    fails_at(
        &format!("{BASE}[logging]\nlevel = \"x\"\n"),
        "[logging]",
        "logging",
    );
}

#[test]
fn type_errors_name_the_value() {
    fails_at(
        &with("[media]\nrtp_port_min = \"abc\"\n"),
        "rtp_port_min",
        "",
    );
    fails_at(&with("[media]\nrtp_port_max = 70000\n"), "rtp_port_max", "");
    fails_at(&with("[sip]\nudp = [\"0.0.0.0\"]\n"), "udp", "");
    fails_at(
        &with("[[terminals]]\nusername = \"1\"\npassword = \"p\"\nprotocol = \"iax\"\n"),
        "protocol",
        "",
    );
}

#[test]
fn missing_required_keys_are_errors() {
    assert!(parse("[server]\nsip_domain = \"d\"\n").is_err());
    assert!(parse("[http]\nadmin_token = \"t\"\n").is_err());
    let err = parse(&with("[[rooms]]\nnumber = \"1\"\n")).expect_err("room without name");
    assert!(err.reason.contains("name"), "{err}");
}

#[test]
fn room_number_and_pin_must_be_digits() {
    fails_at(
        &with("[[rooms]]\nnumber = \"10a0\"\nname = \"n\"\n"),
        "10a0",
        "digits",
    );
    fails_at(
        &with("[[rooms]]\nnumber = \"\"\nname = \"n\"\n"),
        "number",
        "digits",
    );
    fails_at(
        &with("[[rooms]]\nnumber = \"1\"\nname = \"n\"\npin = \"12a\"\n"),
        "pin",
        "digits",
    );
    fails_at(
        &with("[[rooms]]\nnumber = \"1\"\nname = \"n\"\npin = \"\"\n"),
        "pin",
        "digits",
    );
    // Bare integers are accepted for numbers and PINs.
    let cfg = ok(&with(
        "[[rooms]]\nnumber = 2000\nname = \"n\"\npin = 4321\n",
    ));
    assert_eq!(cfg.rooms[0].number, "2000");
    assert_eq!(cfg.rooms[0].pin.as_deref(), Some("4321"));
}

#[test]
fn duplicate_room_numbers_and_aliases() {
    let text = with("[[rooms]]\nnumber = \"1000\"\nname = \"a\"\n\n[[rooms]]\nnumber = \"1000\" # again\nname = \"b\"\n");
    let err = fails_at(&text, "# again", "already used");
    assert!(
        err.reason
            .contains(&format!("line {}", line_of(&text, "number = \"1000\""))),
        "{err}"
    );

    // An alias equal to another room's number (after normalisation).
    let text = with(
        "[[rooms]]\nnumber = \"1000\"\nname = \"a\"\n[[rooms]]\nnumber = \"2000\"\nname = \"b\"\naliases = [\"x\", \"+1000\"]\n",
    );
    fails_at(&text, "+1000", "already used");

    // Aliases of different rooms that differ only in case.
    let text = with(
        "[[rooms]]\nnumber = \"1\"\nname = \"a\"\naliases = [\"Board\"]\n[[rooms]]\nnumber = \"2\"\nname = \"b\"\naliases = [\"board\"]\n",
    );
    fails_at(&text, "[\"board\"]", "already used");

    // A room number equal to an earlier room's alias.
    let text = with("[[rooms]]\nnumber = \"1\"\nname = \"a\"\naliases = [\"77\"]\n[[rooms]]\nnumber = \"77\"\nname = \"b\"\n");
    fails_at(&text, "number = \"77\"", "already used");
}

#[test]
fn aliases_must_be_dialable_and_are_normalised() {
    fails_at(
        &with("[[rooms]]\nnumber = \"1\"\nname = \"a\"\naliases = [\"a*b\"]\n"),
        "aliases",
        "cannot be dialled",
    );
    fails_at(
        &with("[[rooms]]\nnumber = \"1\"\nname = \"a\"\naliases = [\"a b\"]\n"),
        "aliases",
        "cannot be dialled",
    );
    fails_at(
        &with("[[rooms]]\nnumber = \"1\"\nname = \"a\"\naliases = [\"\"]\n"),
        "aliases",
        "cannot be dialled",
    );

    let cfg = ok(&with(
        "[[rooms]]\nnumber = \"1000\"\nname = \"a\"\naliases = [\"+84 24 1000\", \"Giao-Ban\"]\n",
    ));
    assert_eq!(cfg.rooms[0].aliases, ["84241000", "Giao-Ban"]);
    assert_eq!(
        cfg.room("84241000").map(|r| r.number.as_str()),
        Some("1000")
    );
    assert_eq!(
        cfg.room("+84-24-1000").map(|r| r.number.as_str()),
        Some("1000")
    );
    assert_eq!(
        cfg.room("giao-ban").map(|r| r.number.as_str()),
        Some("1000")
    );
    assert_eq!(cfg.room("1000").map(|r| r.number.as_str()), Some("1000"));
    assert!(cfg.room("1001").is_none());
    assert!(cfg.room("").is_none());
}

#[test]
fn room_limits_and_layouts() {
    fails_at(
        &with("[[rooms]]\nnumber = \"1\"\nname = \"a\"\nmax_participants = 0\n"),
        "max_participants",
        "between 1 and 64",
    );
    fails_at(
        &with("[[rooms]]\nnumber = \"1\"\nname = \"a\"\nmax_participants = 65\n"),
        "max_participants",
        "between 1 and 64",
    );
    fails_at(
        &with("[[rooms]]\nnumber = \"1\"\nname = \"  \"\n"),
        "name",
        "room name",
    );
    fails_at(
        &with("[[rooms]]\nnumber = \"1\"\nname = \"a\"\nlayout = \"5x5\"\n"),
        "layout",
        "unknown layout",
    );

    for layout in Layout::ALL {
        let cfg = ok(&with(&format!(
            "[[rooms]]\nnumber = \"1\"\nname = \"a\"\nlayout = \"{layout}\"\n"
        )));
        assert_eq!(cfg.rooms[0].layout, layout);
    }
    let cfg = ok(&with(
        "[[rooms]]\nnumber = \"1\"\nname = \"a\"\nlayout = 1\n",
    ));
    assert_eq!(cfg.rooms[0].layout, Layout::Single);
    let cfg = ok(&with(
        "[[rooms]]\nnumber = \"1\"\nname = \"a\"\nlayout = \"2X2\"\nmax_participants = 64\n",
    ));
    assert_eq!(cfg.rooms[0].layout, Layout::Grid2x2);
    assert_eq!(cfg.rooms[0].max_participants, 64);

    let cfg = ok(&with(
        "[[rooms]]\nnumber = \"1\"\nname = \"a\"\nsame_picture = true\n",
    ));
    assert!(cfg.rooms[0].same_picture);
    fails_at(
        &with("[[rooms]]\nnumber = \"1\"\nname = \"a\"\nsame_picture = \"yes\"\n"),
        "same_picture",
        "bool",
    );
}

#[test]
fn terminal_checks() {
    let t = |extra: &str| {
        with(&format!(
            "[[rooms]]\nnumber = \"1000\"\nname = \"r\"\naliases = [\"hop\"]\n{extra}"
        ))
    };

    let text = t("[[terminals]]\nusername = \"101\"\npassword = \"a\"\n[[terminals]]\nusername = \"101\" # dup\npassword = \"b\"\n");
    fails_at(&text, "# dup", "already used");

    fails_at(
        &t("[[terminals]]\nusername = \"1000\"\npassword = \"a\"\n"),
        "username",
        "room 1000",
    );
    fails_at(
        &t("[[terminals]]\nusername = \"HOP\"\npassword = \"a\"\n"),
        "username",
        "room 1000",
    );
    fails_at(
        &t("[[terminals]]\nusername = \"101\"\npassword = \"\"\n"),
        "password",
        "must not be empty",
    );
    fails_at(
        &t("[[terminals]]\nusername = \"a b\"\npassword = \"x\"\n"),
        "username",
        "must be 1 to",
    );
    fails_at(
        &t("[[terminals]]\nusername = \"a@b\"\npassword = \"x\"\n"),
        "username",
        "must be 1 to",
    );
    fails_at(
        &t("[[terminals]]\nusername = \"101\"\npassword = \"x\"\ndisplay_name = \"a\\r\\nVia: x\"\n"),
        "display_name",
        "display_name",
    );
    fails_at(
        &t("[[terminals]]\nusername = \"101\"\npassword = \"x\"\naliases = [\"1000\"]\n"),
        "aliases = [\"1000\"]",
        "room 1000",
    );
    let text = t("[[terminals]]\nusername = \"101\"\npassword = \"x\"\n[[terminals]]\nusername = \"102\"\npassword = \"y\"\naliases = [\"101\"]\n");
    fails_at(&text, "aliases = [\"101\"]", "already used");

    let cfg = ok(&t(
        "[[terminals]]\nusername = 101\npassword = \"x\"\nprotocol = \"h323\"\naliases = [\"101\", \"hanoi-room\"]\n",
    ));
    let term = &cfg.terminals[0];
    assert_eq!(term.username, "101");
    assert_eq!(
        term.display_name, "101",
        "display name defaults to the username"
    );
    assert_eq!(term.protocol, Protocol::H323);
    assert_eq!(
        cfg.terminal_by_alias("hanoi-room")
            .map(|t| t.username.as_str()),
        Some("101")
    );
    assert!(cfg.terminal("10").is_none());
}

#[test]
fn port_range_checks() {
    fails_at(
        &with("[media]\nrtp_port_min = 20001\n"),
        "rtp_port_min",
        "even",
    );
    fails_at(
        &with("[media]\nrtp_port_min = 0\nrtp_port_max = 10\n"),
        "rtp_port_min",
        "even",
    );
    fails_at(
        &with("[media]\nrtp_port_min = 30000\nrtp_port_max = 30000\n"),
        "rtp_port_min",
        "below",
    );
    // Only the max written: the error points at it.
    fails_at(
        &with("[media]\nrtp_port_max = 10000\n"),
        "rtp_port_max",
        "below",
    );
    // Two ports (one pair) are enough.
    let cfg = ok(&with(
        "[media]\nrtp_port_min = 30000\nrtp_port_max = 30001\n",
    ));
    assert_eq!(
        (cfg.media.rtp_port_min, cfg.media.rtp_port_max),
        (30000, 30001)
    );
    fails_at(
        &with("[media]\nmedia_timeout_secs = 0\n"),
        "media_timeout_secs",
        "at least 1",
    );
}

#[test]
fn expiry_checks() {
    fails_at(
        &with("[sip]\ndefault_expires = 30\n"),
        "default_expires",
        "between",
    );
    fails_at(
        &with("[sip]\ndefault_expires = 7200\n"),
        "default_expires",
        "between",
    );
    fails_at(
        &with("[sip]\nmin_expires = 700\n"),
        "min_expires",
        "between",
    );
    fails_at(
        &with("[sip]\nmin_expires = 100\nmax_expires = 50\n"),
        "min_expires",
        "must not exceed",
    );
    fails_at(
        &with("[sip]\nmin_expires = 0\n"),
        "min_expires",
        "at least 1",
    );
    let cfg = ok(&with(
        "[sip]\nmin_expires = 30\ndefault_expires = 30\nmax_expires = 30\n",
    ));
    assert_eq!(cfg.sip.default_expires, 30);
}

#[test]
fn session_timer_checks() {
    fails_at(&with("[sip]\nmin_se = 60\n"), "min_se", "RFC 4028");
    fails_at(
        &with("[sip]\nsession_expires = 80\n"),
        "session_expires",
        "min_se",
    );
    fails_at(&with("[sip]\nmin_se = 2000\n"), "min_se", "session_expires");
    let cfg = ok(&with("[sip]\nsession_expires = 90\nmin_se = 90\n"));
    assert_eq!(cfg.sip.session_expires, 90);
}

#[test]
fn listen_and_misc_checks() {
    fails_at(&with("[sip]\nudp = []\ntcp = []\n"), "udp", "both empty");
    fails_at(
        &with("[sip]\nudp = [\"0.0.0.0:5060\", \"0.0.0.0:5060\"]\n"),
        "udp",
        "twice",
    );
    fails_at(&with("[sip]\ntcp = [\"0.0.0.0:0\"]\n"), "tcp", "port 0");
    fails_at(&with("[sip]\nt1_ms = 0\n"), "t1_ms", "at least 1");
    fails_at(&with("[sip]\nt2_ms = 100\n"), "t2_ms", "t1_ms");
    fails_at(
        &with("[sip]\nmax_message_size = 100\n"),
        "max_message_size",
        "between",
    );
    fails_at(
        &with("[sip]\nanswer_delay_ms = 60000\n"),
        "answer_delay_ms",
        "must not exceed",
    );
    fails_at(
        &with("[auth]\nnonce_lifetime_secs = 1\n"),
        "nonce_lifetime_secs",
        "between",
    );
    let cfg = ok(&with("[sip]\nudp = []\n"));
    assert!(cfg.sip.udp.is_empty());
    assert_eq!(cfg.sip.tcp.len(), 1);
}

#[test]
fn server_and_http_checks() {
    fails_at(
        "[server]\nsip_domain = \"d\"\n[http]\nadmin_token = \"\"\n",
        "admin_token",
        "must not be empty",
    );
    fails_at(
        "[server]\nsip_domain = \"d\"\n[http]\nadmin_token = \"a b\"\n",
        "admin_token",
        "spaces",
    );
    fails_at(
        "[server]\nsip_domain = \"bad domain\"\n[http]\nadmin_token = \"t\"\n",
        "sip_domain",
        "host name",
    );
    fails_at(
        "[server]\nsip_domain = \"\"\n[http]\nadmin_token = \"t\"\n",
        "sip_domain",
        "host name",
    );
    fails_at(
        "[server]\nsip_domain = \"d\"\npublic_address = \"0.0.0.0\"\n[http]\nadmin_token = \"t\"\n",
        "public_address",
        "cannot be reached",
    );
    fails_at(
        "[server]\nsip_domain = \"d\"\n[http]\nlisten = \"0.0.0.0:0\"\nadmin_token = \"t\"\n",
        "listen",
        "port",
    );
}

#[test]
fn error_display_is_file_line_column_reason() {
    let err = fails_at(
        &with("[media]\nrtp_port_min = 20001\n"),
        "rtp_port_min",
        "even",
    );
    assert_eq!(
        err.to_string(),
        format!("test.toml:{}:{}: {}", err.line, err.column, err.reason)
    );
}

#[test]
fn line_column_is_robust() {
    use super::validate::Locator;
    let text = "a\nĐb\n";
    let loc = Locator::new(text, Path::new("x"));
    let pos = |offset| {
        let e = loc.error(offset..offset, String::new());
        (e.line, e.column)
    };
    assert_eq!(pos(0), (1, 1));
    assert_eq!(pos(2), (2, 1));
    assert_eq!(pos(3), (2, 1), "inside a multi-byte character");
    assert_eq!(pos(4), (2, 2));
    assert_eq!(pos(1000), (3, 1), "past the end");
}

#[test]
fn digest_algorithms_global_and_per_terminal() {
    let cfg = ok(&with(""));
    assert_eq!(cfg.auth.algorithms, vec![DigestAlgorithm::Md5]);
    let cfg = ok(&with(
        "[auth]\nalgorithms = [\"MD5\"]\n[[terminals]]\nusername = \"7\"\npassword = \"p\"\ndigest_algorithms = [\"SHA-256\"]\n[[terminals]]\nusername = \"8\"\npassword = \"p\"\n",
    ));
    assert_eq!(cfg.auth.algorithms, vec![DigestAlgorithm::Md5]);
    let t7 = cfg.terminal("7").expect("terminal 7");
    let t8 = cfg.terminal("8").expect("terminal 8");
    assert_eq!(t7.algorithms(&cfg.auth), &[DigestAlgorithm::Sha256]);
    assert_eq!(t8.algorithms(&cfg.auth), &[DigestAlgorithm::Md5]);

    fails_at(
        &with("[auth]\nalgorithms = []\n"),
        "algorithms",
        "at least one",
    );
    fails_at(
        &with("[auth]\nalgorithms = [\"MD5\", \"SHA-512\"]\n"),
        "SHA-512",
        "unknown digest algorithm",
    );
    fails_at(
        &with("[[terminals]]\nusername = \"7\"\npassword = \"p\"\ndigest_algorithms = [\"MD5\", \"md5\"]\n"),
        "md5\"]",
        "listed twice",
    );
}

#[test]
fn webrtc_section_defaults_and_values() {
    let cfg = ok(BASE);
    assert!(cfg.webrtc.enabled);
    assert!(cfg.webrtc.links.is_empty());
    assert_eq!(cfg.webrtc.gather_timeout, Duration::from_secs(2));
    let cfg = ok(&with(
        r#"
[webrtc]
stun_server = "stun://stun.example.test:3478"
ice_addresses = ["192.0.2.10"]
public_address = "203.0.113.10"
ice_port_min = 30000
ice_port_max = 30999
token = "whip-secret"

[[webrtc.links]]
room = "1000"
name = "Nền tảng họp quốc gia"
whip_url = "http://127.0.0.1:9000/whip/r1"
whep_url = "http://127.0.0.1:9000/whep/r1"

[[rooms]]
number = "1000"
name = "Phòng"
"#,
    ));
    assert_eq!(cfg.webrtc.ice_ports, Some((30000, 30999)));
    assert_eq!(cfg.webrtc.token.as_deref(), Some("whip-secret"));
    assert_eq!(cfg.webrtc.links[0].name, "Nền tảng họp quốc gia");
    assert_eq!(cfg.webrtc.links[0].retry_max, Duration::from_secs(30));
}

#[test]
fn webrtc_mistakes_name_their_line() {
    let room = "\n[[rooms]]\nnumber = \"1000\"\nname = \"Phòng\"\n";
    fails_at(
        &with("[webrtc]\nstun_server = \"stun.example.test\"\n"),
        "stun_server",
        "stun://",
    );
    fails_at(
        &with("[webrtc]\nice_port_min = 31000\nice_port_max = 30000\n"),
        "ice_port_min",
        "min below max",
    );
    fails_at(
        &with(&format!(
            "[[webrtc.links]]\nroom = \"2000\"\nname = \"x\"\nwhip_url = \"http://h/whip\"\n{room}"
        )),
        "room = \"2000\"",
        "unknown room 2000",
    );
    fails_at(
        &with(&format!(
            "[[webrtc.links]]\nroom = \"1000\"\nname = \"x\"\nwhip_url = \"https://h/whip\"\n{room}"
        )),
        "whip_url",
        "https",
    );
    fails_at(
        &with(&format!(
            "[[webrtc.links]]\nroom = \"1000\"\nname = \"x\"\n{room}"
        )),
        "room = \"1000\"",
        "whip_url, whep_url or both",
    );
}

#[test]
fn h323_section_defaults_and_values() {
    let cfg = ok(BASE);
    assert!(!cfg.h323.enabled);
    assert_eq!(cfg.h323.ras_listen, ["0.0.0.0:1719".parse().unwrap()]);
    assert_eq!(
        cfg.h323.call_signalling_listen,
        "0.0.0.0:1720".parse().unwrap()
    );
    assert_eq!(cfg.h323.gatekeeper_id, "diemcau");
    assert_eq!(cfg.h323.time_to_live, Duration::from_secs(300));
    let cfg = ok(&with(
        r#"
[h323]
enabled = true
ras_listen = ["127.0.0.1:11719", "127.0.0.2:11719"]
discovery_multicast = true
call_signalling_listen = "127.0.0.1:11720"
gatekeeper_id = "Bộ GK"
time_to_live_secs = 60
"#,
    ));
    assert!(cfg.h323.enabled && cfg.h323.discovery_multicast);
    assert_eq!(cfg.h323.ras_listen.len(), 2);
    assert_eq!(
        cfg.h323.call_signalling_listen,
        "127.0.0.1:11720".parse().unwrap()
    );
    assert_eq!(cfg.h323.gatekeeper_id, "Bộ GK");
    assert_eq!(cfg.h323.time_to_live, Duration::from_secs(60));
}

#[test]
fn h323_mistakes_name_their_line() {
    fails_at(
        &with("[h323]\nras_listen = []\n"),
        "ras_listen",
        "at least one",
    );
    fails_at(
        &with("[h323]\nras_listen = [\"[::1]:1719\"]\n"),
        "ras_listen",
        "IPv4",
    );
    fails_at(
        &with("[h323]\ntime_to_live_secs = 5\n"),
        "time_to_live_secs",
        "10..=86400",
    );
    fails_at(
        &with("[h323]\ngatekeeper_id = \"\"\n"),
        "gatekeeper_id",
        "1 to 128",
    );
    fails_at(
        &with("[h323]\ncall_signalling_listen = \"127.0.0.1:0\"\n"),
        "call_signalling_listen",
        "needs a port",
    );
    fails_at(&with("[h323]\nras = true\n"), "ras", "unknown field");
}
