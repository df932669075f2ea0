//! Linphone's console client (Debian's linphone-cli 5.1: linphonec on
//! liblinphone and belle-sip) as a terminal that answers an RFC 7616/8760
//! SHA-256 digest challenge, which baresip 1.0 and sipp 3.6 cannot.
//!
//! It is driven through its stdin, a pipe the harness keeps open, and read
//! from two files: `linphonec.out` (its console: prompts, echoed commands and
//! their answers) and `linphone.log` (`-d 6 -l`: liblinphone's log, with
//! every SIP message sent and received). Quirks of 5.1 found while building
//! this:
//! - linphonec reads commands from a pipe as from a TTY and echoes each one
//!   after its prompt: `linphonec> status register\nregistered, identity=...
//!   duration=600\nlinphonec> `. [`Linphone::command`] returns the text
//!   between the echo and the next prompt.
//! - linphonecsh (and `linphonec --pipe`) talk over one socket per user
//!   (`/tmp/linphonec-<uid>`): two instances would collide. stdin is private.
//! - With `register_only_when_network_is_up=0` the first REGISTER goes out
//!   before the listening point exists ("No listening point matching") and
//!   the account stays failed: the default is kept.
//! - The registration state is taken from the log ("... moving from state
//!   [LinphoneRegistrationProgress] to [LinphoneRegistrationOk]"):
//!   `status register` answers `registered=-1` until the first REGISTER is
//!   answered, then `registered, identity=... duration=600`.
//! - On a 401 to its credentials it prompts on the console ("Password for
//!   104 on diemcau.local: ") and takes the next line of stdin as the new
//!   password: [`Linphone::command`] refuses to send while that prompt is
//!   open.
//! - It writes the config file back, replacing `passwd` by `ha1` plus the
//!   algorithm after the first authentication: the harness writes it fresh
//!   for each start.
//! - It opens sqlite databases under `$HOME/.local/share/linphone` and logs
//!   errors when that directory is missing: HOME points into the temp dir,
//!   with the directory made.
//! - There is no sound card in CI: ALSA complaints at start are harmless,
//!   and `soundcard use files` (sent first) switches to WAV files so a call
//!   would not open a device either.
//! - SIP listens on `[::0]` unless `bind_address` is set; here 127.0.0.1.
//! - On `quit` it un-REGISTERs first: drop() kills it outright.

use std::fmt::Write as _;
use std::fs;
use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::thread;
use std::time::Duration;

use crate::ports::PortBlock;
use crate::util::{self, TempDir};

const COMMAND_TIMEOUT: Duration = Duration::from_secs(10);
const STARTUP_TIMEOUT: Duration = Duration::from_secs(15);
const PROMPT: &str = "linphonec> ";

/// Ports inside linphone's block.
const SIP_PORT: u16 = 0;
const AUDIO_RTP: u16 = 10; // RTCP on 11
const VIDEO_RTP: u16 = 12; // RTCP on 13
const TEXT_RTP: u16 = 14; // RTCP on 15

/// The one account linphonec registers.
#[derive(Debug, Clone)]
pub struct LinphoneAccount {
    pub user: String,
    pub password: String,
    /// The registrar (the daemon's SIP address).
    pub server: SocketAddr,
    /// `udp` or `tcp`.
    pub transport: String,
    /// REGISTER Expires in seconds.
    pub expires: u32,
    pub display_name: Option<String>,
}

impl LinphoneAccount {
    pub fn new(user: &str, password: &str, server: SocketAddr) -> LinphoneAccount {
        LinphoneAccount {
            user: user.to_owned(),
            password: password.to_owned(),
            server,
            transport: "udp".to_owned(),
            expires: 600,
            display_name: None,
        }
    }

    pub fn transport(mut self, transport: &str) -> LinphoneAccount {
        self.transport = transport.to_owned();
        self
    }

    pub fn expires(mut self, secs: u32) -> LinphoneAccount {
        self.expires = secs;
        self
    }

    pub fn display_name(mut self, name: &str) -> LinphoneAccount {
        self.display_name = Some(name.to_owned());
        self
    }
}

/// linphonec's config file (linphonerc) for an account on a block of ports.
pub fn render_config(account: &LinphoneAccount, block: PortBlock) -> String {
    let sip = block.port(SIP_PORT);
    // One transport on; 0 turns the others off.
    let (udp, tcp) = match account.transport.as_str() {
        "udp" => (sip, 0),
        "tcp" => (0, sip),
        other => panic!("linphone harness: transport {other:?} is not udp or tcp"),
    };
    let identity = format!(
        "<sip:{}@{}>",
        account.user,
        account.server.ip() // the port goes in reg_proxy
    );
    let identity = match &account.display_name {
        Some(name) => format!("\"{name}\" {identity}"),
        None => identity,
    };
    let mut out = String::from("# Written by the diemcau-e2e harness.\n");
    let _ = writeln!(
        out,
        "[sip]\nsip_port={udp}\nsip_tcp_port={tcp}\nsip_tls_port=0\n\
         bind_address=127.0.0.1\ndefault_proxy=0\nguess_hostname=0\n\
         ping_with_options=0\n"
    );
    let _ = writeln!(
        out,
        "[rtp]\naudio_rtp_port={}\nvideo_rtp_port={}\ntext_rtp_port={}\n",
        block.port(AUDIO_RTP),
        block.port(VIDEO_RTP),
        block.port(TEXT_RTP)
    );
    let _ = writeln!(
        out,
        "[proxy_0]\nreg_proxy=<sip:{};transport={}>\nreg_identity={identity}\n\
         reg_expires={}\nreg_sendregister=1\npublish=0\n",
        account.server, account.transport, account.expires
    );
    let _ = writeln!(
        out,
        "[auth_info_0]\nusername={}\npasswd={}",
        account.user, account.password
    );
    out
}

/// A running linphonec; killed on drop.
pub struct Linphone {
    child: Child,
    stdin: ChildStdin,
    block: PortBlock,
    out_path: PathBuf,
    log_path: PathBuf,
    // Last: removed after the child is gone.
    dir: TempDir,
}

impl Linphone {
    /// Starts linphonec with `account`, waits until its SIP listening point
    /// is up and its console answers, and switches it to WAV files instead
    /// of a sound card. It registers by itself; see
    /// [`Linphone::wait_registered`].
    pub fn start(account: &LinphoneAccount) -> Linphone {
        let bin = util::require_program("linphonec", "linphone-cli");
        let dir = TempDir::new("linphone");
        let block = PortBlock::reserve();
        let rc_path = dir.join("linphonerc");
        if let Err(e) = fs::write(&rc_path, render_config(account, block)) {
            panic!("writing {}: {e}", rc_path.display());
        }
        let home = dir.join("home");
        if let Err(e) = fs::create_dir_all(home.join(".local/share/linphone")) {
            panic!("creating linphone's home in {}: {e}", home.display());
        }
        let out_path = dir.join("linphonec.out");
        let log_path = dir.join("linphone.log");
        let (stdout, stderr) = match util::log_stdio(&out_path) {
            Ok(s) => s,
            Err(e) => panic!("creating {}: {e}", out_path.display()),
        };
        let mut child = match Command::new(bin)
            .arg("-c")
            .arg(&rc_path)
            .args(["-d", "6", "-l"])
            .arg(&log_path)
            .current_dir(dir.path())
            .env("HOME", &home)
            .env_remove("XDG_CONFIG_HOME")
            .env_remove("XDG_DATA_HOME")
            .stdin(Stdio::piped())
            .stdout(stdout)
            .stderr(stderr)
            .spawn()
        {
            Ok(c) => c,
            Err(e) => panic!("starting linphonec: {e}"),
        };
        let Some(stdin) = child.stdin.take() else {
            panic!("linphonec started without a stdin pipe");
        };
        let mut linphone = Linphone {
            child,
            stdin,
            block,
            out_path,
            log_path,
            dir,
        };

        // "Creating listening point [0x...] on [sip:127.0.0.1:PORT;transport=UDP]"
        let listening = format!("sip:127.0.0.1:{};transport=", linphone.sip_addr().port());
        let ready = util::wait_for(STARTUP_TIMEOUT, || {
            if let Ok(Some(status)) = linphone.child.try_wait() {
                return Some(Err(format!("exited with {status}")));
            }
            let listens = linphone
                .log()
                .lines()
                .any(|l| l.contains("Creating listening point") && l.contains(&listening));
            (listens && linphone.output().contains(PROMPT)).then_some(Ok(()))
        });
        match ready {
            Some(Ok(())) => {}
            Some(Err(why)) => panic!("linphonec {why}"),
            None => panic!("linphonec did not listen on its SIP port within {STARTUP_TIMEOUT:?}"),
        }
        let answer = linphone.command("soundcard use files");
        if !answer.contains("Using wav files") {
            panic!("linphonec: `soundcard use files` answered {answer:?}");
        }
        linphone
    }

    /// linphonec's SIP address (the transport of its account).
    pub fn sip_addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.block.port(SIP_PORT)))
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// liblinphone's log so far (`-d 6`: every SIP message in and out).
    pub fn log(&self) -> String {
        util::read_lossy(&self.log_path)
    }

    /// The console so far: prompts, echoed commands, answers.
    pub fn output(&self) -> String {
        util::read_lossy(&self.out_path)
    }

    /// Whether linphonec is waiting for a password on the console (it asks
    /// after a 401 to its credentials).
    pub fn asks_for_password(&self) -> bool {
        let out = self.output();
        let since_prompt = out.rfind(PROMPT).map_or(&out[..], |i| &out[i..]);
        since_prompt.contains("Password for ")
    }

    /// Sends one console command and returns its answer (the text between
    /// the echoed command and the next prompt, trimmed). Panics when
    /// linphonec is asking for a password (the command would be taken as
    /// one), has exited, or does not answer within 10 s.
    pub fn command(&mut self, command: &str) -> String {
        if self.asks_for_password() {
            panic!(
                "linphonec is asking for a password; {command:?} would be taken as one\n{}",
                util::tail(&self.output(), 5)
            );
        }
        let from = self.output().len();
        if let Err(e) = writeln!(self.stdin, "{command}").and_then(|()| self.stdin.flush()) {
            panic!("writing {command:?} to linphonec: {e}");
        }
        let echo = format!("{command}\n");
        let answer = util::wait_for(COMMAND_TIMEOUT, || {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(Err(format!("linphonec exited with {status}")));
            }
            let out = self.output();
            let new = out.get(from..)?;
            let start = new.find(&echo)? + echo.len();
            let len = new[start..].find(PROMPT)?;
            Some(Ok(new[start..start + len].trim().to_owned()))
        });
        match answer {
            Some(Ok(a)) => a,
            Some(Err(why)) => panic!("{command:?}: {why}"),
            None => panic!(
                "linphonec did not answer {command:?} within {COMMAND_TIMEOUT:?}\n{}",
                util::tail(&self.output(), 10)
            ),
        }
    }

    /// `status register`: `registered, identity="..." <sip:...> duration=600`
    /// when registered, `registered=0` or `registered=-1` otherwise.
    pub fn status_register(&mut self) -> String {
        self.command("status register")
    }

    /// The account's last registration state from the log
    /// (`LinphoneRegistrationOk`, `...Progress`, `...Failed`, `...Cleared`).
    pub fn registration_state(&self) -> Option<String> {
        registration_state(&self.log())
    }

    /// The start line of the last SIP response linphonec received
    /// (`SIP/2.0 401 Unauthorized`).
    pub fn last_response(&self) -> Option<String> {
        self.log()
            .lines()
            .rev()
            .find(|l| l.starts_with("SIP/2.0 "))
            .map(|l| l.trim().to_owned())
    }

    /// Waits for the outcome of the registration: `Ok` once the account is
    /// registered, `Err` (with the last SIP response) when it failed.
    pub fn wait_registered(&mut self, timeout: Duration) -> Result<(), String> {
        let outcome = util::wait_for(timeout, || {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(Err(format!("linphonec exited with {status}")));
            }
            match self.registration_state().as_deref() {
                Some("LinphoneRegistrationOk") => Some(Ok(())),
                Some("LinphoneRegistrationFailed") => Some(Err(format!(
                    "registration failed, last response {:?}",
                    self.last_response()
                ))),
                _ => None,
            }
        });
        outcome.unwrap_or_else(|| {
            Err(format!(
                "no registration outcome within {timeout:?}: state {:?}, last response {:?}",
                self.registration_state(),
                self.last_response()
            ))
        })
    }
}

/// The target state of the last "moving from state [A] to [B]" line about
/// registration in a liblinphone log.
pub fn registration_state(log: &str) -> Option<String> {
    log.lines().rev().find_map(|line| {
        let rest = &line[line.find("moving from state [")?..];
        let to = &rest[rest.find("] to [")? + "] to [".len()..];
        let state = &to[..to.find(']')?];
        state
            .starts_with("LinphoneRegistration")
            .then(|| state.to_owned())
    })
}

impl Drop for Linphone {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if thread::panicking() {
            eprintln!(
                "--- linphonec console ({}), last lines ---\n{}\n\
                 --- linphone log ({}), last lines ---\n{}\n--- end of linphone log ---",
                self.out_path.display(),
                util::tail(&self.output(), 20),
                self.log_path.display(),
                util::tail(&self.log(), 80)
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_has_ports_account_and_transport() {
        let block = PortBlock { first: 20000 };
        let account = LinphoneAccount::new("104", "pw", "127.0.0.1:5062".parse().unwrap())
            .display_name("Điểm cầu 104");
        let text = render_config(&account, block);
        for want in [
            "sip_port=20000\nsip_tcp_port=0\n",
            "bind_address=127.0.0.1\n",
            "audio_rtp_port=20010\nvideo_rtp_port=20012\ntext_rtp_port=20014\n",
            "reg_proxy=<sip:127.0.0.1:5062;transport=udp>\n",
            "reg_identity=\"Điểm cầu 104\" <sip:104@127.0.0.1>\n",
            "reg_expires=600\n",
            "[auth_info_0]\nusername=104\npasswd=pw\n",
        ] {
            assert!(text.contains(want), "{want:?} in {text}");
        }
        let tcp = render_config(&account.transport("tcp").expires(60), block);
        assert!(tcp.contains("sip_port=0\nsip_tcp_port=20000\n"), "{tcp}");
        assert!(tcp.contains(";transport=tcp>"), "{tcp}");
        assert!(tcp.contains("reg_expires=60\n"), "{tcp}");
    }

    #[test]
    fn registration_state_is_the_last_transition() {
        let log = "\
x liblinphone-message-Account [0x1] for identity [\"A\" <sip:104@127.0.0.1>] moving from state [LinphoneRegistrationNone] to [LinphoneRegistrationProgress] on core [0x2]
x belle-sip-message-Changing [client] [REGISTER] transaction [0x3], from state [TRYING] to [COMPLETED]
x liblinphone-message-Account [0x1] for identity [\"A\" <sip:104@127.0.0.1>] moving from state [LinphoneRegistrationProgress] to [LinphoneRegistrationOk] on core [0x2]
x liblinphone-message-Something else moving from state [Idle] to [Busy]
";
        assert_eq!(
            registration_state(log).as_deref(),
            Some("LinphoneRegistrationOk")
        );
        assert_eq!(registration_state("nothing here"), None);
    }
}
