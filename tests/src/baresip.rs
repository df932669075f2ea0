//! baresip 1.0 (Debian's baresip-core + baresip-ffmpeg) as a real terminal:
//! registers, dials or auto-answers, sends a sine tone and a test picture,
//! decodes what it receives without a display.
//!
//! It is driven over `ctrl_tcp` (netstring-framed JSON) because there is no
//! TTY in CI. Quirks of 1.0 found while building this (each one cost a try):
//! - `stdio` (the default UI) fails without a TTY ("epoll_ctl: Operation not
//!   permitted" on fd 0): it is not loaded.
//! - ctrl_tcp only forwards commands; `dial`, `hangup`, `reginfo`,
//!   `callstat`... are defined by the `menu` module. Without `menu` every
//!   command answers "command not found".
//! - ctrl_tcp sends events only to clients connected at the time; the first
//!   REGISTER goes out before we can connect, so registration is read from
//!   the log ("<user>@<host>: {0/UDP/v4} 200 OK () [1 binding]", or
//!   "reg: <aor>: 403 Forbidden ()").
//! - sip_listen P binds UDP P, TCP P *and* TCP P+1 (TLS); two instances need
//!   ports at least 2 apart. Here each gets a private block of 100 ports.
//! - If the SIP port is taken, baresip logs "ua: init failed" and keeps
//!   running with a dead UA: start() treats that line as failure.
//! - On SIGTERM it first un-REGISTERs and waits for the answer (up to 32 s
//!   when the registrar is gone): drop() kills it outright.
//! - The Contact it registers is `<sip:USER-0xADDR@ip:port>`, not
//!   `<sip:USER@...>`; calls to that exact URI (or to any user at its
//!   address) are answered.
//! - `ausine` only runs at 48 kHz stereo (ausrc_srate/ausrc_channels set
//!   here); baresip resamples to the codec.
//! - `aufile` is a source only in 1.0; with no audio_player configured the
//!   received audio is decoded and dropped ("audio rx pipeline: (play)").
//! - While in a call the `menu` module redraws a status line with `\r`
//!   ("[0:00:03] audio=64000/0 video=1400/0 (bit/s) efps=25.0/0.0") about
//!   ten times a second: [`crate::util::tail`] splits on `\r` too.
//! - `-s` (SIP trace) prints every SIP message with ANSI colours; [`Baresip::log`]
//!   strips escape sequences.

use std::collections::VecDeque;
use std::fmt::Write as _;
use std::fs;
use std::io::{self, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::ports::PortBlock;
use crate::util::{self, TempDir};

const COMMAND_TIMEOUT: Duration = Duration::from_secs(10);

/// A SIP account line for baresip's `accounts` file.
#[derive(Debug, Clone)]
pub struct Account {
    pub user: String,
    pub password: Option<String>,
    /// The registrar and outbound proxy (the daemon's SIP address).
    pub server: SocketAddr,
    /// `udp` or `tcp`.
    pub transport: String,
    /// REGISTER interval in seconds; 0 = do not register.
    pub regint: u32,
    /// `auto` answers incoming calls, `manual` lets them ring.
    pub answermode: String,
    /// Appended as is (`;ptime=20;audio_codecs=PCMU`...).
    pub extra: String,
}

impl Account {
    pub fn new(user: &str, password: &str, server: SocketAddr) -> Account {
        Account {
            user: user.to_owned(),
            password: Some(password.to_owned()),
            server,
            transport: "udp".to_owned(),
            regint: 600,
            answermode: "auto".to_owned(),
            extra: String::new(),
        }
    }

    pub fn transport(mut self, transport: &str) -> Account {
        self.transport = transport.to_owned();
        self
    }

    pub fn regint(mut self, secs: u32) -> Account {
        self.regint = secs;
        self
    }

    pub fn answermode(mut self, mode: &str) -> Account {
        self.answermode = mode.to_owned();
        self
    }

    pub fn extra(mut self, params: &str) -> Account {
        self.extra.push_str(params);
        self
    }

    /// `<sip:101@127.0.0.1:5060;transport=udp>;auth_pass=...;answermode=auto;regint=600`
    pub fn line(&self) -> String {
        let mut line = format!(
            "<sip:{}@{};transport={}>",
            self.user, self.server, self.transport
        );
        if let Some(pass) = &self.password {
            let _ = write!(line, ";auth_pass={pass}");
        }
        let _ = write!(
            line,
            ";answermode={};regint={}{}",
            self.answermode, self.regint, self.extra
        );
        line
    }
}

/// How to set baresip up besides its account.
#[derive(Debug, Clone)]
pub struct BaresipOptions {
    /// Audio codec modules, in preference order (`g711`, `g722`, `opus`...).
    pub audio_modules: Vec<String>,
    /// Video codec modules, in preference order (`avcodec` gives H.264 and
    /// H.263, `vp8`). Ignored without `video`.
    pub video_modules: Vec<String>,
    /// Send the fakevideo test picture and decode received video.
    pub video: bool,
    /// Frequency of the sine tone sent as microphone.
    pub sine_hz: u32,
    /// `key value` lines added to (or replacing keys of) the config.
    pub config: Vec<(String, String)>,
    /// Print SIP messages to the log (`-s`).
    pub sip_trace: bool,
    pub startup_timeout: Duration,
}

impl Default for BaresipOptions {
    fn default() -> BaresipOptions {
        BaresipOptions {
            audio_modules: vec!["g711".into(), "g722".into()],
            video_modules: vec!["avcodec".into()],
            video: true,
            sine_hz: 440,
            config: Vec::new(),
            sip_trace: true,
            startup_timeout: Duration::from_secs(15),
        }
    }
}

impl BaresipOptions {
    /// A terminal whose camera plays `clip` (see
    /// [`crate::video::solid_colour_clips`]) and whose microphone is a
    /// `tone_hz` sine, in G.711, that can snapshot what it receives and
    /// dumps the decoded audio (`dump-*-dec.wav`, see
    /// [`Baresip::received_audio`]) into its own dir.
    pub fn camera(clip: &std::path::Path, tone_hz: u32) -> BaresipOptions {
        BaresipOptions {
            audio_modules: vec!["g711".into()],
            sine_hz: tone_hz,
            ..BaresipOptions::default()
        }
        .set("video_source", &format!("avformat,{}", clip.display()))
        .set("module", "avformat.so")
        .set("module", "snapshot.so")
        .set("module", "sndfile.so")
        // b=AS:512: keyframes small enough for a baresip starved of CPU
        // (see room_video.rs).
        .set("rtp_bandwidth", "128-640")
        .set("snd_path", ".")
    }

    pub fn audio_only() -> BaresipOptions {
        BaresipOptions {
            video: false,
            ..BaresipOptions::default()
        }
    }

    pub fn set(mut self, key: &str, value: &str) -> BaresipOptions {
        self.config.push((key.to_owned(), value.to_owned()));
        self
    }
}

/// Ports inside baresip's block.
const SIP_PORT: u16 = 0; // UDP+TCP 0, TLS on 1
const CTRL_PORT: u16 = 2;
const RTP_FROM: u16 = 10;

/// baresip's `config` file for a block of ports.
pub fn render_config(opts: &BaresipOptions, block: PortBlock) -> String {
    let rtp = block.sub(RTP_FROM, 100);
    let mut entries: Vec<(String, String)> = vec![
        ("poll_method".into(), "epoll".into()),
        (
            "sip_listen".into(),
            format!("127.0.0.1:{}", block.port(SIP_PORT)),
        ),
        ("call_local_timeout".into(), "120".into()),
        ("call_max_calls".into(), "4".into()),
        ("audio_source".into(), format!("ausine,{}", opts.sine_hz)),
        ("ausrc_srate".into(), "48000".into()),
        ("ausrc_channels".into(), "2".into()),
        ("audio_level".into(), "no".into()),
        ("rtp_ports".into(), format!("{}-{}", rtp.start, rtp.end - 1)),
        // 0 = never end a call for missing RTP: the tests decide that.
        ("rtp_timeout".into(), "0".into()),
        ("rtcp_mux".into(), "no".into()),
        ("module_path".into(), "/usr/lib/baresip/modules".into()),
    ];
    if opts.video {
        entries.extend([
            ("video_source".into(), "fakevideo,nil".into()),
            ("video_display".into(), "fakevideo,nil".into()),
            ("video_size".into(), "352x288".into()),
            ("video_bitrate".into(), "500000".into()),
            ("video_fps".into(), "25".into()),
        ]);
    }
    let mut modules: Vec<String> = opts.audio_modules.clone();
    modules.push("ausine".into());
    if opts.video {
        modules.extend(opts.video_modules.iter().cloned());
        modules.push("fakevideo".into());
    }
    for m in modules {
        entries.push(("module".into(), format!("{m}.so")));
    }
    entries.push(("module_tmp".into(), "account.so".into()));
    // menu defines the commands; ctrl_tcp carries them.
    entries.push(("module_app".into(), "menu.so".into()));
    entries.push(("module_app".into(), "ctrl_tcp.so".into()));
    entries.push((
        "ctrl_tcp_listen".into(),
        format!("127.0.0.1:{}", block.port(CTRL_PORT)),
    ));
    for (k, v) in &opts.config {
        // module lines repeat; any other key is replaced.
        match entries
            .iter_mut()
            .find(|(ek, _)| ek == k && !k.starts_with("module"))
        {
            Some(e) => e.1 = v.clone(),
            None => entries.push((k.clone(), v.clone())),
        }
    }
    let mut out = String::from("# Written by the diemcau-e2e harness.\n");
    for (k, v) in entries {
        let _ = writeln!(out, "{k}\t\t{v}");
    }
    out
}

#[derive(Default)]
struct CtrlState {
    events: VecDeque<Value>,
    responses: Vec<Value>,
    closed: bool,
}

/// A running baresip; killed on drop.
pub struct Baresip {
    child: Child,
    block: PortBlock,
    log_path: PathBuf,
    ctrl: TcpStream,
    state: Arc<(Mutex<CtrlState>, Condvar)>,
    next_token: u64,
    reader: Option<thread::JoinHandle<()>>,
    dir: TempDir,
}

impl Baresip {
    /// Starts baresip with one account (an `accounts` line, see
    /// [`Account::line`]) and waits until its control port answers.
    pub fn start(account: &str, opts: BaresipOptions) -> Baresip {
        let bin = util::require_program("baresip", "baresip-core");
        let dir = TempDir::new("baresip");
        let block = PortBlock::reserve();
        let write = |name: &str, text: &str| {
            if let Err(e) = fs::write(dir.join(name), text) {
                panic!("writing baresip {name}: {e}");
            }
        };
        write("config", &render_config(&opts, block));
        write("accounts", &format!("{account}\n"));
        // Without these baresip writes templates (and a contacts list) itself.
        write("contacts", "");
        let log_path = dir.join("baresip.log");
        let (stdout, stderr) = match util::log_stdio(&log_path) {
            Ok(s) => s,
            Err(e) => panic!("creating {}: {e}", log_path.display()),
        };
        let mut cmd = Command::new(bin);
        cmd.arg("-f").arg(dir.path());
        if opts.sip_trace {
            cmd.arg("-s");
        }
        let mut child = match cmd
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .stdout(stdout)
            .stderr(stderr)
            .spawn()
        {
            Ok(c) => c,
            Err(e) => panic!("starting baresip: {e}"),
        };

        let ctrl_addr = SocketAddr::from(([127, 0, 0, 1], block.port(CTRL_PORT)));
        let mut failure = None;
        let ctrl = util::wait_for(opts.startup_timeout, || {
            if let Ok(Some(status)) = child.try_wait() {
                failure = Some(format!("exited with {status}"));
                return Some(None);
            }
            let log = strip_ansi(&util::read_lossy(&log_path));
            if log.contains("ua: init failed") {
                failure = Some("could not start its SIP stack".to_owned());
                return Some(None);
            }
            if !log.contains("baresip is ready.") {
                return None;
            }
            TcpStream::connect_timeout(&ctrl_addr, Duration::from_millis(200))
                .ok()
                .map(Some)
        })
        .flatten();
        let ctrl = match ctrl {
            Some(c) => c,
            None => {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "baresip {} \n--- baresip log {} ---\n{}",
                    failure.unwrap_or_else(|| format!(
                        "ctrl_tcp not reachable within {:?}",
                        opts.startup_timeout
                    )),
                    log_path.display(),
                    util::tail(&strip_ansi(&util::read_lossy(&log_path)), 60)
                );
            }
        };

        let state = Arc::new((Mutex::new(CtrlState::default()), Condvar::new()));
        let reader = {
            let state = Arc::clone(&state);
            let stream = match ctrl.try_clone() {
                Ok(s) => s,
                Err(e) => panic!("cloning ctrl_tcp socket: {e}"),
            };
            thread::spawn(move || read_ctrl(stream, &state))
        };
        Baresip {
            child,
            block,
            log_path,
            ctrl,
            state,
            next_token: 0,
            reader: Some(reader),
            dir,
        }
    }

    /// baresip's SIP address (UDP and TCP).
    pub fn sip_addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.block.port(SIP_PORT)))
    }

    /// A URI that reaches this baresip directly.
    pub fn sip_uri(&self, user: &str) -> String {
        format!("sip:{user}@{}", self.sip_addr())
    }

    /// Its RTP port range.
    pub fn rtp_ports(&self) -> std::ops::Range<u16> {
        self.block.sub(RTP_FROM, 100)
    }

    pub fn dir(&self) -> &std::path::Path {
        self.dir.path()
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Everything baresip printed so far, without ANSI colours.
    pub fn log(&self) -> String {
        strip_ansi(&util::read_lossy(&self.log_path))
    }

    /// Waits until the log contains `needle`.
    pub fn wait_for_log(&self, needle: &str, timeout: Duration) -> bool {
        util::wait_until(timeout, || self.log().contains(needle))
    }

    /// Waits for the outcome of a registration: `Ok` on a 200 OK, `Err` with
    /// the failure line ("reg: sip:101@...: 403 Forbidden ()") otherwise.
    pub fn wait_registered(&self, timeout: Duration) -> Result<(), String> {
        let outcome = util::wait_for(timeout, || {
            let log = self.log();
            for line in log.lines() {
                if line.contains("} 200 OK") && line.contains("binding") {
                    return Some(Ok(()));
                }
                if line.starts_with("reg: ") {
                    return Some(Err(line.to_owned()));
                }
            }
            None
        });
        outcome.unwrap_or_else(|| Err(format!("no registration outcome within {timeout:?}")))
    }

    /// Runs a menu command (`dial`, `hangup`, `reginfo`, `callstat`,
    /// `listcalls`, `quit`...) and returns its text, or the error baresip
    /// gave.
    pub fn command(&mut self, command: &str, params: Option<&str>) -> Result<String, String> {
        self.next_token += 1;
        let token = format!("t{}", self.next_token);
        let mut msg = serde_json::json!({ "command": command, "token": token });
        if let Some(p) = params {
            msg["params"] = Value::from(p);
        }
        let body = msg.to_string();
        let frame = format!("{}:{},", body.len(), body);
        if let Err(e) = self.ctrl.write_all(frame.as_bytes()) {
            return Err(format!("ctrl_tcp write: {e}"));
        }
        let (lock, cvar) = &*self.state;
        let deadline = Instant::now() + COMMAND_TIMEOUT;
        let Ok(mut st) = lock.lock() else {
            return Err("ctrl_tcp state poisoned".into());
        };
        loop {
            if let Some(i) = st.responses.iter().position(|r| r["token"] == token) {
                let r = st.responses.remove(i);
                let data = r["data"].as_str().unwrap_or_default().to_owned();
                return if r["ok"] == true { Ok(data) } else { Err(data) };
            }
            if st.closed {
                return Err("ctrl_tcp connection closed".into());
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(format!("no answer to {command} within {COMMAND_TIMEOUT:?}"));
            }
            st = match cvar.wait_timeout(st, deadline - now) {
                Ok((g, _)) => g,
                Err(_) => return Err("ctrl_tcp state poisoned".into()),
            };
        }
    }

    /// Dials `uri`; panics if baresip refuses to start the call.
    pub fn dial(&mut self, uri: &str) {
        if let Err(e) = self.command("dial", Some(uri)) {
            panic!("baresip dial {uri}: {e}");
        }
    }

    /// Hangs up the current call.
    pub fn hangup(&mut self) {
        if let Err(e) = self.command("hangup", None) {
            panic!("baresip hangup: {e}");
        }
    }

    /// Has the `snapshot` module save the next decoded received frame to
    /// `path` and returns the PNG once it is whole. The module keeps the
    /// path in a 100-byte buffer, so keep it short; while a snapshot is
    /// pending it ignores further requests.
    pub fn snapshot_recv(
        &mut self,
        path: &std::path::Path,
        timeout: Duration,
    ) -> Result<Vec<u8>, String> {
        let _ = fs::remove_file(path);
        let text = path.to_string_lossy().into_owned();
        if text.len() >= 100 {
            return Err(format!("snapshot path too long for baresip: {text}"));
        }
        self.command("snapshot_recv", Some(&text))?;
        // A PNG ends with its IEND chunk: before that it is still being written.
        util::wait_for(timeout, || {
            fs::read(path)
                .ok()
                .filter(|b| b.ends_with(&[0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82]))
        })
        .ok_or_else(|| format!("no snapshot at {text} within {timeout:?} (no video decoded?)"))
    }

    /// The decoded audio of the current call: the newest `dump-*-dec.wav`
    /// that `sndfile` wrote (see [`BaresipOptions::camera`]).
    pub fn received_audio(&self) -> Result<crate::audio::Wav, String> {
        let newest = fs::read_dir(self.dir())
            .map_err(|e| format!("{}: {e}", self.dir().display()))?
            .filter_map(Result::ok)
            .filter(|e| {
                let n = e.file_name().to_string_lossy().into_owned();
                n.starts_with("dump-") && n.ends_with("-dec.wav")
            })
            .max_by_key(|e| e.metadata().and_then(|m| m.modified()).ok())
            .ok_or_else(|| format!("no dump-*-dec.wav in {}", self.dir().display()))?;
        let bytes =
            fs::read(newest.path()).map_err(|e| format!("{}: {e}", newest.path().display()))?;
        crate::audio::parse_wav(&bytes).map_err(|e| format!("{}: {e}", newest.path().display()))
    }

    /// Waits for an event of `kind` (`CALL_ESTABLISHED`, `CALL_CLOSED`,
    /// `CALL_INCOMING`, `CALL_RINGING`, `REGISTER_OK`...) and takes it off the
    /// queue; other events stay.
    pub fn wait_for_event(&self, kind: &str, timeout: Duration) -> Option<Value> {
        let (lock, cvar) = &*self.state;
        let deadline = Instant::now() + timeout;
        let mut st = lock.lock().ok()?;
        loop {
            if let Some(i) = st.events.iter().position(|e| e["type"] == kind) {
                return st.events.remove(i);
            }
            let now = Instant::now();
            if now >= deadline || st.closed {
                return None;
            }
            st = cvar.wait_timeout(st, deadline - now).ok()?.0;
        }
    }

    /// The events received and not taken yet.
    pub fn events(&self) -> Vec<Value> {
        self.state
            .0
            .lock()
            .map(|s| s.events.iter().cloned().collect())
            .unwrap_or_default()
    }
}

impl Drop for Baresip {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = self.ctrl.shutdown(std::net::Shutdown::Both);
        if let Some(r) = self.reader.take() {
            let _ = r.join();
        }
        if thread::panicking() {
            eprintln!(
                "--- baresip log ({}), last lines ---\n{}\n--- end of baresip log ---",
                self.log_path.display(),
                util::tail(&self.log(), 60)
            );
        }
    }
}

fn read_ctrl(stream: TcpStream, state: &(Mutex<CtrlState>, Condvar)) {
    let mut reader = BufReader::new(stream);
    while let Ok(Some(msg)) = read_netstring(&mut reader) {
        let Ok(value) = serde_json::from_slice::<Value>(&msg) else {
            continue;
        };
        if let Ok(mut st) = state.0.lock() {
            if value["response"] == true {
                st.responses.push(value);
            } else if value["event"] == true {
                st.events.push_back(value);
            }
        }
        state.1.notify_all();
    }
    if let Ok(mut st) = state.0.lock() {
        st.closed = true;
    }
    state.1.notify_all();
}

/// Reads one `<len>:<data>,` frame; `None` at a clean end of stream.
pub fn read_netstring(r: &mut impl Read) -> io::Result<Option<Vec<u8>>> {
    let mut len: usize = 0;
    let mut digits = 0;
    let mut byte = [0u8; 1];
    loop {
        if r.read(&mut byte)? == 0 {
            return if digits == 0 {
                Ok(None)
            } else {
                Err(io::ErrorKind::UnexpectedEof.into())
            };
        }
        match byte[0] {
            b @ b'0'..=b'9' if digits < 9 => {
                len = len * 10 + usize::from(b - b'0');
                digits += 1;
            }
            b':' if digits > 0 => break,
            _ => {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "bad netstring length",
                ))
            }
        }
    }
    let mut data = vec![0u8; len];
    r.read_exact(&mut data)?;
    r.read_exact(&mut byte)?;
    if byte[0] != b',' {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "netstring without ','",
        ));
    }
    Ok(Some(data))
}

/// Removes ANSI escape sequences (`ESC [ ... letter`).
pub fn strip_ansi(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            if chars.next() == Some('[') {
                for c in chars.by_ref() {
                    if c.is_ascii_alphabetic() {
                        break;
                    }
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn netstrings_are_framed() {
        let mut data: &[u8] = b"3:abc,0:,11:{\"event\":1},";
        assert_eq!(read_netstring(&mut data).unwrap().unwrap(), b"abc");
        assert_eq!(read_netstring(&mut data).unwrap().unwrap(), b"");
        assert_eq!(
            read_netstring(&mut data).unwrap().unwrap(),
            b"{\"event\":1}"
        );
        assert!(read_netstring(&mut data).unwrap().is_none());
    }

    #[test]
    fn bad_netstrings_are_errors() {
        for bad in [
            &b"x:abc,"[..],
            b"3:abc;",
            b"3:ab",
            b"12",
            b":abc,",
            b"1234567890:x,",
        ] {
            let mut data = bad;
            assert!(read_netstring(&mut data).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn ansi_colours_are_stripped() {
        assert_eq!(
            strip_ansi("\u{1b}[31mreg: 403 Forbidden ()\n\u{1b}[;m\u{1b}[36;1m#"),
            "reg: 403 Forbidden ()\n#"
        );
    }

    #[test]
    fn account_line() {
        let a = Account::new("101", "demo101", "127.0.0.1:5062".parse().unwrap())
            .transport("tcp")
            .regint(0)
            .extra(";ptime=20");
        assert_eq!(
            a.line(),
            "<sip:101@127.0.0.1:5062;transport=tcp>;auth_pass=demo101;answermode=auto;regint=0;ptime=20"
        );
    }

    #[test]
    fn config_has_ports_modules_and_overrides() {
        let block = PortBlock { first: 20000 };
        let text = render_config(
            &BaresipOptions::default()
                .set("video_size", "640x360")
                .set("module", "vp8.so"),
            block,
        );
        assert!(text.contains("sip_listen\t\t127.0.0.1:20000\n"), "{text}");
        assert!(
            text.contains("ctrl_tcp_listen\t\t127.0.0.1:20002\n"),
            "{text}"
        );
        assert!(text.contains("rtp_ports\t\t20010-20099\n"), "{text}");
        assert!(text.contains("video_size\t\t640x360\n"), "{text}");
        assert!(!text.contains("352x288"), "{text}");
        for m in ["g711", "g722", "ausine", "avcodec", "fakevideo", "vp8"] {
            assert!(text.contains(&format!("module\t\t{m}.so\n")), "{m}: {text}");
        }
        let menu = text.find("menu.so").unwrap();
        let ctrl = text.find("ctrl_tcp.so").unwrap();
        assert!(menu < ctrl);
        let audio_only = render_config(&BaresipOptions::audio_only(), block);
        assert!(!audio_only.contains("fakevideo"));
        assert!(!audio_only.contains("avcodec"));
    }
}
