//! WHIP and WHEP clients that are neither a browser nor ours: aiortc (from
//! PyPI, in the venv scripts/setup.sh makes) behind the small scripts in
//! tests/webrtc. Each prints JSON lines (`answered`, `connected`,
//! `deleted`/`done`, `error`) that [`PyClient`] collects.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::util::{self, TempDir};

/// The venv's python: `$DIEMCAU_AIORTC_PYTHON`, else
/// `${XDG_CACHE_HOME:-~/.cache}/diemcau/aiortc-venv/bin/python`.
pub fn python() -> PathBuf {
    if let Some(p) = std::env::var_os("DIEMCAU_AIORTC_PYTHON") {
        return PathBuf::from(p);
    }
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(|| PathBuf::from("/root/.cache"));
    cache
        .join("diemcau")
        .join("aiortc-venv")
        .join("bin")
        .join("python")
}

fn script(name: &str) -> PathBuf {
    crate::daemon::workspace_root()
        .join("tests")
        .join("webrtc")
        .join(name)
}

/// One running client script; killed on drop.
pub struct PyClient {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<Value>,
    seen: Vec<Value>,
    log_path: PathBuf,
    dir: TempDir,
}

impl PyClient {
    /// Starts `tests/webrtc/<name>` with `args`.
    pub fn start(name: &str, args: &[String]) -> PyClient {
        let py = python();
        if !py.is_file() {
            panic!(
                "{} not found: run scripts/setup.sh test (it makes the aiortc venv)",
                py.display()
            );
        }
        let dir = TempDir::new(name.trim_end_matches(".py"));
        let log_path = dir.join("client.log");
        let log = match std::fs::File::create(&log_path) {
            Ok(f) => f,
            Err(e) => panic!("creating {}: {e}", log_path.display()),
        };
        let mut child = match Command::new(&py)
            .arg(script(name))
            .args(args)
            .current_dir(dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
        {
            Ok(c) => c,
            Err(e) => panic!("starting {name}: {e}"),
        };
        let stdin = child.stdin.take();
        let Some(stdout) = child.stdout.take() else {
            panic!("{name}: no stdout");
        };
        let (tx, lines) = mpsc::channel();
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                let v = serde_json::from_str(&line).unwrap_or(Value::String(line));
                if tx.send(v).is_err() {
                    break;
                }
            }
        });
        PyClient {
            child,
            stdin,
            lines,
            seen: Vec::new(),
            log_path,
            dir,
        }
    }

    /// Waits for the event named `event` (an `error` event fails at once).
    pub fn wait_event(&mut self, event: &str, timeout: Duration) -> Result<Value, String> {
        if let Some(v) = self.seen.iter().find(|v| v["event"] == event) {
            return Ok(v.clone());
        }
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(v) => {
                    self.seen.push(v.clone());
                    if v["event"] == event {
                        return Ok(v);
                    }
                    if v["event"] == "error" {
                        return Err(format!("{v} after {:?}\n{}", self.seen, self.log_tail()));
                    }
                }
                Err(_) => {
                    return Err(format!(
                        "no {event} within {timeout:?}; saw {:?}\n{}",
                        self.seen,
                        self.log_tail()
                    ))
                }
            }
        }
    }

    /// Closes the script's stdin: the WHIP client DELETEs and exits.
    pub fn close_stdin(&mut self) {
        self.stdin.take();
    }

    pub fn dir(&self) -> &std::path::Path {
        self.dir.path()
    }

    pub fn log_tail(&self) -> String {
        util::tail(&util::read_lossy(&self.log_path), 40)
    }

    /// Waits for the script to exit.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<std::process::ExitStatus> {
        util::wait_for(timeout, || self.child.try_wait().ok().flatten())
    }
}

impl Drop for PyClient {
    fn drop(&mut self) {
        util::stop_child(&mut self.child, "TERM", Duration::from_secs(3));
        if thread::panicking() {
            eprintln!(
                "--- {} ---\n{}\n--- end ---",
                self.log_path.display(),
                self.log_tail()
            );
        }
    }
}
