//! The daemon under test: a private config on free loopback ports, the real
//! binary as a child process, its log in a file, helpers for HTTP, metrics
//! and the admin API.

use std::fmt::Write as _;
use std::fs;
use std::net::SocketAddr;
use std::ops::Range;
use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use crate::http::{self, HttpResponse};
use crate::ports::{self, PortBlock};
use crate::prom;
use crate::util::{self, TempDir};

pub const DEMO_TOKEN: &str = "demo-admin-token";
const HTTP_TIMEOUT: Duration = Duration::from_secs(10);

/// A room in the generated config.
#[derive(Debug, Clone)]
pub struct Room {
    pub number: String,
    pub name: String,
    pub max_participants: Option<u32>,
    pub layout: Option<String>,
    pub pin: Option<String>,
}

impl Room {
    pub fn new(number: &str, name: &str) -> Room {
        Room {
            number: number.to_owned(),
            name: name.to_owned(),
            max_participants: None,
            layout: None,
            pin: None,
        }
    }

    pub fn max_participants(mut self, n: u32) -> Room {
        self.max_participants = Some(n);
        self
    }

    pub fn layout(mut self, layout: &str) -> Room {
        self.layout = Some(layout.to_owned());
        self
    }

    pub fn pin(mut self, pin: &str) -> Room {
        self.pin = Some(pin.to_owned());
        self
    }
}

/// A terminal account in the generated config.
#[derive(Debug, Clone)]
pub struct Terminal {
    pub username: String,
    pub password: String,
    pub display_name: Option<String>,
    pub protocol: String,
    /// `digest_algorithms` for this terminal ("SHA-256", "MD5"); None: the
    /// config's default.
    pub digest_algorithms: Option<Vec<String>>,
}

impl Terminal {
    pub fn sip(username: &str, password: &str) -> Terminal {
        Terminal {
            username: username.to_owned(),
            password: password.to_owned(),
            display_name: None,
            protocol: "sip".to_owned(),
            digest_algorithms: None,
        }
    }

    pub fn digest_algorithms(mut self, algorithms: &[&str]) -> Terminal {
        self.digest_algorithms = Some(algorithms.iter().map(|a| (*a).to_owned()).collect());
        self
    }

    pub fn display_name(mut self, name: &str) -> Terminal {
        self.display_name = Some(name.to_owned());
        self
    }

    pub fn protocol(mut self, protocol: &str) -> Terminal {
        self.protocol = protocol.to_owned();
        self
    }
}

/// What to put in the daemon's config besides the ports the harness picks.
#[derive(Debug, Clone)]
pub struct DaemonOptions {
    pub sip_domain: String,
    pub admin_token: String,
    pub rooms: Vec<Room>,
    pub terminals: Vec<Terminal>,
    /// `(section, key, raw TOML value)`, applied over the harness's keys:
    /// `("sip", "answer_delay_ms", "3000")`, `("server", "public_address",
    /// "\"127.0.0.1\"")`.
    pub settings: Vec<(String, String, String)>,
    /// Appended verbatim at the end (whole tables the harness does not know).
    pub extra_toml: String,
    /// Extra environment for the daemon (RUST_LOG is set unless given here
    /// or in the test's environment).
    pub env: Vec<(String, String)>,
    /// Sets WATCHDOG_USEC (with WATCHDOG_PID) as systemd would.
    pub watchdog_usec: Option<u64>,
    /// How long to wait for /healthz to answer 200.
    pub startup_timeout: Duration,
}

impl Default for DaemonOptions {
    /// The demo config's rooms and terminals: room 1000 (16 places),
    /// terminals 101..103 with passwords demo101..demo103.
    fn default() -> DaemonOptions {
        DaemonOptions::empty()
            .room(Room::new("1000", "Phòng họp trực tuyến").max_participants(16))
            .terminal(Terminal::sip("101", "demo101").display_name("Điểm cầu Hà Nội"))
            .terminal(Terminal::sip("102", "demo102").display_name("Điểm cầu Đà Nẵng"))
            .terminal(Terminal::sip("103", "demo103").display_name("Điểm cầu TP. Hồ Chí Minh"))
    }
}

impl DaemonOptions {
    /// No rooms, no terminals.
    pub fn empty() -> DaemonOptions {
        DaemonOptions {
            sip_domain: "diemcau.local".to_owned(),
            admin_token: DEMO_TOKEN.to_owned(),
            rooms: Vec::new(),
            terminals: Vec::new(),
            settings: Vec::new(),
            extra_toml: String::new(),
            env: Vec::new(),
            watchdog_usec: None,
            startup_timeout: Duration::from_secs(20),
        }
    }

    pub fn room(mut self, room: Room) -> Self {
        self.rooms.push(room);
        self
    }

    pub fn terminal(mut self, terminal: Terminal) -> Self {
        self.terminals.push(terminal);
        self
    }

    /// Sets `key = value` (raw TOML) in `[section]`.
    pub fn set(mut self, section: &str, key: &str, value: &str) -> Self {
        self.settings
            .push((section.to_owned(), key.to_owned(), value.to_owned()));
        self
    }

    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.env.push((key.to_owned(), value.to_owned()));
        self
    }
}

/// Where the harness put the daemon.
#[derive(Debug, Clone)]
pub struct DaemonPorts {
    /// SIP on UDP and TCP, same number.
    pub sip: u16,
    pub http: u16,
    pub rtp: Range<u16>,
}

/// A TOML basic string.
pub fn toml_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The config file for `opts` on `ports`: loopback only.
pub fn render_config(opts: &DaemonOptions, ports: &DaemonPorts) -> String {
    let sip = toml_str(&format!("127.0.0.1:{}", ports.sip));
    let mut sections: Vec<(&str, Vec<(String, String)>)> = vec![
        (
            "server",
            vec![("sip_domain".into(), toml_str(&opts.sip_domain))],
        ),
        (
            "sip",
            vec![
                ("udp".into(), format!("[{sip}]")),
                ("tcp".into(), format!("[{sip}]")),
            ],
        ),
        (
            "media",
            vec![
                ("address".into(), toml_str("127.0.0.1")),
                ("rtp_port_min".into(), ports.rtp.start.to_string()),
                ("rtp_port_max".into(), (ports.rtp.end - 1).to_string()),
            ],
        ),
        (
            "http",
            vec![
                (
                    "listen".into(),
                    toml_str(&format!("127.0.0.1:{}", ports.http)),
                ),
                ("admin_token".into(), toml_str(&opts.admin_token)),
            ],
        ),
        ("auth", vec![]),
        // Tests only use loopback: WebRTC candidates too.
        (
            "webrtc",
            vec![(
                "ice_addresses".into(),
                format!("[{}]", toml_str("127.0.0.1")),
            )],
        ),
    ];
    for (section, key, value) in &opts.settings {
        let entries = match sections.iter_mut().find(|(s, _)| s == section) {
            Some((_, entries)) => entries,
            None => panic!("unknown config section [{section}] in DaemonOptions::set"),
        };
        match entries.iter_mut().find(|(k, _)| k == key) {
            Some(entry) => entry.1 = value.clone(),
            None => entries.push((key.clone(), value.clone())),
        }
    }

    let mut out = String::from("# Written by the diemcau-e2e harness.\n");
    for (section, entries) in &sections {
        let _ = writeln!(out, "\n[{section}]");
        for (k, v) in entries {
            let _ = writeln!(out, "{k} = {v}");
        }
    }
    for room in &opts.rooms {
        let _ = writeln!(out, "\n[[rooms]]");
        let _ = writeln!(out, "number = {}", toml_str(&room.number));
        let _ = writeln!(out, "name = {}", toml_str(&room.name));
        if let Some(n) = room.max_participants {
            let _ = writeln!(out, "max_participants = {n}");
        }
        if let Some(layout) = &room.layout {
            let _ = writeln!(out, "layout = {}", toml_str(layout));
        }
        if let Some(pin) = &room.pin {
            let _ = writeln!(out, "pin = {}", toml_str(pin));
        }
    }
    for t in &opts.terminals {
        let _ = writeln!(out, "\n[[terminals]]");
        let _ = writeln!(out, "username = {}", toml_str(&t.username));
        let _ = writeln!(out, "password = {}", toml_str(&t.password));
        if let Some(name) = &t.display_name {
            let _ = writeln!(out, "display_name = {}", toml_str(name));
        }
        let _ = writeln!(out, "protocol = {}", toml_str(&t.protocol));
        if let Some(algs) = &t.digest_algorithms {
            let list: Vec<String> = algs.iter().map(|a| toml_str(a)).collect();
            let _ = writeln!(out, "digest_algorithms = [{}]", list.join(", "));
        }
    }
    if !opts.extra_toml.is_empty() {
        out.push('\n');
        out.push_str(&opts.extra_toml);
        out.push('\n');
    }
    out
}

/// The repository root (the workspace's directory).
pub fn workspace_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_owned()
}

/// The daemon binary: `$DIEMCAU_BIN`, else `$CARGO_TARGET_DIR/debug/diemcau`,
/// else `<workspace>/target/debug/diemcau`.
pub fn daemon_binary() -> PathBuf {
    if let Some(bin) = std::env::var_os("DIEMCAU_BIN") {
        return PathBuf::from(bin);
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"));
    target.join("debug").join("diemcau")
}

/// Collects what the daemon sends to $NOTIFY_SOCKET (READY=1, WATCHDOG=1,
/// RELOADING=1, STOPPING=1...), one entry per datagram.
struct NotifyListener {
    messages: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
    thread: Option<thread::JoinHandle<()>>,
}

impl NotifyListener {
    fn bind(path: &Path) -> NotifyListener {
        let socket = match UnixDatagram::bind(path) {
            Ok(s) => s,
            Err(e) => panic!("binding notify socket {}: {e}", path.display()),
        };
        let _ = socket.set_read_timeout(Some(Duration::from_millis(100)));
        let messages = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let messages = Arc::clone(&messages);
            let stop = Arc::clone(&stop);
            thread::spawn(move || {
                let mut buf = vec![0u8; 4096];
                while !stop.load(Ordering::Relaxed) {
                    if let Ok(n) = socket.recv(&mut buf) {
                        let text = String::from_utf8_lossy(&buf[..n]).into_owned();
                        if let Ok(mut m) = messages.lock() {
                            m.push(text);
                        }
                    }
                }
            })
        };
        NotifyListener {
            messages,
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for NotifyListener {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// A running daemon; killed on drop (its log tail is printed when the test
/// failed).
pub struct Daemon {
    child: Child,
    ports: DaemonPorts,
    opts: DaemonOptions,
    config_path: PathBuf,
    log_path: PathBuf,
    notify: NotifyListener,
    // Last: removed after the child is gone.
    dir: TempDir,
}

impl Daemon {
    /// Writes the config, starts the binary and waits until /healthz answers
    /// 200. Panics (with the daemon's log) if it exits or never gets healthy.
    pub fn start(opts: DaemonOptions) -> Daemon {
        let block = PortBlock::reserve();
        let ports = DaemonPorts {
            sip: ports::free_udp_tcp_port(),
            http: ports::free_tcp_port(),
            rtp: block.range(),
        };
        Daemon::start_on(opts, ports)
    }

    /// Like [`Daemon::start`], on given ports: a daemon restarted where its
    /// peers expect it (a bridge link's far side).
    pub fn start_on(opts: DaemonOptions, ports: DaemonPorts) -> Daemon {
        let bin = daemon_binary();
        if !bin.is_file() {
            panic!(
                "{} not found: build it first (cargo build -p diemcau-gateway) \
                 or set DIEMCAU_BIN",
                bin.display()
            );
        }
        let dir = TempDir::new("daemon");
        let config_path = dir.join("diemcau.toml");
        if let Err(e) = fs::write(&config_path, render_config(&opts, &ports)) {
            panic!("writing {}: {e}", config_path.display());
        }
        let log_path = dir.join("diemcau.log");
        let notify_path = dir.join("notify.sock");
        let notify = NotifyListener::bind(&notify_path);

        let (stdout, stderr) = match util::log_stdio(&log_path) {
            Ok(s) => s,
            Err(e) => panic!("creating {}: {e}", log_path.display()),
        };
        let mut cmd = Command::new(&bin);
        cmd.arg("--config")
            .arg(&config_path)
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .stdout(stdout)
            .stderr(stderr)
            .env("NOTIFY_SOCKET", &notify_path)
            .env_remove("WATCHDOG_USEC")
            .env_remove("WATCHDOG_PID")
            .env_remove("LISTEN_FDS");
        if std::env::var_os("RUST_LOG").is_none() {
            cmd.env(
                "RUST_LOG",
                "info,diemcau=debug,diemcau_gateway=debug,diemcau_mixer=debug,diemcau_codecs=debug",
            );
        }
        // WATCHDOG_PID stays unset: it would have to name the child before
        // it exists, and sd_watchdog_enabled() accepts its absence.
        if let Some(usec) = opts.watchdog_usec {
            cmd.env("WATCHDOG_USEC", usec.to_string());
        }
        for (k, v) in &opts.env {
            cmd.env(k, v);
        }
        let child = match cmd.spawn() {
            Ok(c) => c,
            Err(e) => panic!("starting {}: {e}", bin.display()),
        };
        let mut daemon = Daemon {
            child,
            ports,
            opts,
            config_path,
            log_path,
            notify,
            dir,
        };
        daemon.wait_healthy();
        daemon
    }

    fn wait_healthy(&mut self) {
        let timeout = self.opts.startup_timeout;
        let mut last = String::from("no answer yet");
        let healthy = util::wait_for(timeout, || {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(Err(format!("exited with {status}")));
            }
            match self.get("/healthz") {
                Ok(r) if r.status == 200 => Some(Ok(())),
                Ok(r) => {
                    last = format!("HTTP {}: {}", r.status, r.body);
                    None
                }
                Err(e) => {
                    last = e.to_string();
                    None
                }
            }
        });
        let why = match healthy {
            Some(Ok(())) => return,
            Some(Err(why)) => why,
            None => format!("not healthy within {timeout:?} ({last})"),
        };
        panic!(
            "diemcau {why}\n--- config {} ---\n{}\n--- log {} ---\n{}",
            self.config_path.display(),
            util::read_lossy(&self.config_path),
            self.log_path.display(),
            util::tail(&self.log(), 80)
        );
    }

    pub fn ports(&self) -> &DaemonPorts {
        &self.ports
    }

    pub fn options(&self) -> &DaemonOptions {
        &self.opts
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Where SIP listens (UDP and TCP).
    pub fn sip_addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.ports.sip))
    }

    pub fn http_addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.ports.http))
    }

    /// `sip:<user>@127.0.0.1:<port>`: what a terminal dials.
    pub fn sip_uri(&self, user: &str) -> String {
        format!("sip:{user}@127.0.0.1:{}", self.ports.sip)
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    pub fn config_path(&self) -> &Path {
        &self.config_path
    }

    /// Everything the daemon has logged so far.
    pub fn log(&self) -> String {
        util::read_lossy(&self.log_path)
    }

    /// Waits until the log contains `needle`.
    pub fn wait_for_log(&self, needle: &str, timeout: Duration) -> bool {
        util::wait_until(timeout, || self.log().contains(needle))
    }

    /// Datagrams received on $NOTIFY_SOCKET so far.
    pub fn notifications(&self) -> Vec<String> {
        self.notify
            .messages
            .lock()
            .map(|m| m.clone())
            .unwrap_or_default()
    }

    /// Waits for a notify datagram containing `needle` (e.g. `READY=1`).
    pub fn wait_for_notification(&self, needle: &str, timeout: Duration) -> bool {
        util::wait_until(timeout, || {
            self.notifications().iter().any(|m| m.contains(needle))
        })
    }

    /// Still running?
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Rewrites the config from `opts` (same ports) and sends SIGHUP.
    pub fn reconfigure(&mut self, opts: DaemonOptions) {
        if let Err(e) = fs::write(&self.config_path, render_config(&opts, &self.ports)) {
            panic!("writing {}: {e}", self.config_path.display());
        }
        self.opts = opts;
        self.reload();
    }

    /// Writes arbitrary text as the config file (for invalid-config tests);
    /// send [`Daemon::reload`] to apply.
    pub fn write_config(&self, text: &str) {
        if let Err(e) = fs::write(&self.config_path, text) {
            panic!("writing {}: {e}", self.config_path.display());
        }
    }

    /// SIGHUP: reload the config.
    pub fn reload(&self) {
        if let Err(e) = util::signal(self.pid(), "HUP") {
            panic!("SIGHUP to diemcau: {e}");
        }
    }

    /// SIGKILL (a crash or a power cut, no goodbye to anyone), reaped.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM, then waits up to `timeout` for the exit.
    pub fn stop(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let _ = util::signal(self.pid(), "TERM");
        util::wait_for(timeout, || self.child.try_wait().ok().flatten())
    }

    /// Any HTTP request to the daemon.
    pub fn http(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<(&str, &[u8])>,
    ) -> std::io::Result<HttpResponse> {
        http::request(self.http_addr(), method, path, headers, body, HTTP_TIMEOUT)
    }

    /// GET without credentials (/healthz, /metrics).
    pub fn get(&self, path: &str) -> std::io::Result<HttpResponse> {
        self.http("GET", path, &[], None)
    }

    fn api_path(path: &str) -> String {
        if path.starts_with("/api/") {
            path.to_owned()
        } else {
            format!("/api/v1{path}")
        }
    }

    fn api(&self, method: &str, path: &str, body: Option<&serde_json::Value>) -> HttpResponse {
        let auth = format!("Bearer {}", self.opts.admin_token);
        let json = body.map(|b| b.to_string());
        let path = Self::api_path(path);
        match self.http(
            method,
            &path,
            &[("Authorization", &auth)],
            json.as_deref().map(|j| ("application/json", j.as_bytes())),
        ) {
            Ok(r) => r,
            Err(e) => panic!("{method} {path}: {e}"),
        }
    }

    /// GET on the admin API with the bearer token; `path` is relative to
    /// /api/v1 unless it starts with /api/.
    pub fn api_get(&self, path: &str) -> HttpResponse {
        self.api("GET", path, None)
    }

    pub fn api_post(&self, path: &str, json: &serde_json::Value) -> HttpResponse {
        self.api("POST", path, Some(json))
    }

    pub fn api_patch(&self, path: &str, json: &serde_json::Value) -> HttpResponse {
        self.api("PATCH", path, Some(json))
    }

    pub fn api_delete(&self, path: &str) -> HttpResponse {
        self.api("DELETE", path, None)
    }

    /// The /metrics text.
    pub fn metrics(&self) -> String {
        match self.get("/metrics") {
            Ok(r) if r.status == 200 => r.body,
            Ok(r) => panic!("GET /metrics: HTTP {}: {}", r.status, r.body),
            Err(e) => panic!("GET /metrics: {e}"),
        }
    }

    /// One metric's value (summed over series matching `labels`).
    pub fn metric(&self, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        prom::value(&self.metrics(), name, labels)
    }

    /// Waits until `metric(name, labels)` equals `want`; returns the last
    /// value seen.
    pub fn wait_for_metric(
        &self,
        name: &str,
        labels: &[(&str, &str)],
        want: f64,
        timeout: Duration,
    ) -> Option<f64> {
        let mut last = None;
        util::wait_until(timeout, || {
            last = self.metric(name, labels);
            last == Some(want)
        });
        last
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        util::stop_child(&mut self.child, "TERM", Duration::from_secs(3));
        if thread::panicking() {
            eprintln!(
                "--- diemcau log ({}), last lines ---\n{}\n--- end of diemcau log ---",
                self.log_path.display(),
                util::tail(&self.log(), 60)
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_has_the_ports_rooms_terminals_and_overrides() {
        let opts = DaemonOptions::default()
            .set("sip", "answer_delay_ms", "3000")
            .set("http", "admin_token", "\"other\"")
            .set("auth", "nonce_lifetime_secs", "5");
        let ports = DaemonPorts {
            sip: 40000,
            http: 40001,
            rtp: 12000..12100,
        };
        let text = render_config(&opts, &ports);
        assert!(text.contains("udp = [\"127.0.0.1:40000\"]"), "{text}");
        assert!(text.contains("tcp = [\"127.0.0.1:40000\"]"), "{text}");
        assert!(text.contains("listen = \"127.0.0.1:40001\""), "{text}");
        assert!(
            text.contains("rtp_port_min = 12000\nrtp_port_max = 12099"),
            "{text}"
        );
        assert!(text.contains("answer_delay_ms = 3000"), "{text}");
        assert!(text.contains("admin_token = \"other\""), "{text}");
        assert!(!text.contains(DEMO_TOKEN), "{text}");
        assert!(text.contains("[auth]\nnonce_lifetime_secs = 5"), "{text}");
        assert_eq!(text.matches("[[rooms]]").count(), 1);
        assert_eq!(text.matches("[[terminals]]").count(), 3);
        assert!(text.contains("name = \"Phòng họp trực tuyến\""));
        assert!(text.contains("password = \"demo103\""));
    }

    #[test]
    #[should_panic(expected = "unknown config section")]
    fn unknown_section_is_refused() {
        let opts = DaemonOptions::empty().set("nope", "a", "1");
        render_config(
            &opts,
            &DaemonPorts {
                sip: 1,
                http: 2,
                rtp: 3..4,
            },
        );
    }

    #[test]
    fn toml_strings_are_escaped() {
        assert_eq!(toml_str("a\"b\\c\n"), "\"a\\\"b\\\\c\\n\"");
        assert_eq!(toml_str("\u{1}"), "\"\\u0001\"");
    }

    #[test]
    fn api_paths_default_to_v1() {
        assert_eq!(Daemon::api_path("/rooms"), "/api/v1/rooms");
        assert_eq!(Daemon::api_path("/api/v2/x"), "/api/v2/x");
    }
}
