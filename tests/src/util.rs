//! Small shared pieces: temp dirs that survive a failed test, bounded waits,
//! reading the growing log files of child processes, sending signals.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::thread;
use std::time::{Duration, Instant};

/// A directory for one peer's files (config, logs, captures). Removed on drop
/// when the test passed; kept, and its path printed, when it panicked, so the
/// logs can be read after the fact.
#[derive(Debug)]
pub struct TempDir {
    path: PathBuf,
    keep: bool,
}

impl TempDir {
    /// `<tmp>/diemcau-e2e/<label>-<pid>-<n>`.
    pub fn new(label: &str) -> TempDir {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir()
            .join("diemcau-e2e")
            .join(format!("{label}-{}-{n}", std::process::id()));
        // A leftover from an earlier run with a recycled pid is stale.
        let _ = fs::remove_dir_all(&path);
        if let Err(e) = fs::create_dir_all(&path) {
            panic!("creating {}: {e}", path.display());
        }
        TempDir { path, keep: false }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn join(&self, name: &str) -> PathBuf {
        self.path.join(name)
    }

    /// Do not remove the directory on drop (its contents explain a failure).
    pub fn keep(&mut self) {
        self.keep = true;
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if self.keep || thread::panicking() || std::env::var_os("DIEMCAU_E2E_KEEP").is_some() {
            eprintln!("e2e: kept {}", self.path.display());
        } else {
            let _ = fs::remove_dir_all(&self.path);
        }
    }
}

/// Polls `check` every 20 ms until it returns `Some`, or gives up after
/// `timeout`.
pub fn wait_for<T>(timeout: Duration, mut check: impl FnMut() -> Option<T>) -> Option<T> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(v) = check() {
            return Some(v);
        }
        if Instant::now() >= deadline {
            return None;
        }
        thread::sleep(Duration::from_millis(20));
    }
}

/// `wait_for` for a plain condition.
pub fn wait_until(timeout: Duration, mut cond: impl FnMut() -> bool) -> bool {
    wait_for(timeout, || cond().then_some(())).is_some()
}

/// The whole file as text; invalid UTF-8 is replaced, a missing file is empty.
pub fn read_lossy(path: &Path) -> String {
    fs::read(path)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default()
}

/// The last `n` lines of `text`. Carriage returns count as line ends: baresip
/// redraws its status line with `\r`.
pub fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text
        .split(['\n', '\r'])
        .filter(|l| !l.trim().is_empty())
        .collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// Opens `path` for a child's stdout and stderr (both into one file).
pub fn log_stdio(path: &Path) -> io::Result<(Stdio, Stdio)> {
    let out = fs::File::create(path)?;
    let err = out.try_clone()?;
    Ok((Stdio::from(out), Stdio::from(err)))
}

/// Whether something has port `port` bound for UDP, or listening on TCP, on
/// 127.0.0.1 or any address. Read from /proc/net/{udp,tcp}, so checking
/// takes nothing away from the owner (a probe bind could).
pub fn port_listening(port: u16) -> bool {
    let wanted = [
        format!("0100007F:{port:04X}"),
        format!("00000000:{port:04X}"),
    ];
    let matches = |table: &str, tcp: bool| {
        read_lossy(Path::new(table)).lines().skip(1).any(|line| {
            let mut cols = line.split_whitespace();
            let local = cols.nth(1).unwrap_or_default();
            // Column 4 is the state; 0A is LISTEN.
            let state = cols.nth(1).unwrap_or_default();
            wanted.iter().any(|w| w == local) && (!tcp || state == "0A")
        })
    };
    matches("/proc/net/udp", false) || matches("/proc/net/tcp", true)
}

/// Sends a signal by name (`HUP`, `INT`, `TERM`) with kill(1): keeps the
/// crate free of libc for the three signals it needs.
pub fn signal(pid: u32, name: &str) -> io::Result<()> {
    let status = Command::new("kill")
        .arg("-s")
        .arg(name)
        .arg(pid.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()?;
    if status.success() {
        Ok(())
    } else {
        Err(io::Error::other(format!("kill -s {name} {pid}: {status}")))
    }
}

/// Asks a child to stop with `sig`, waits up to `grace`, then kills it.
pub fn stop_child(child: &mut Child, sig: &str, grace: Duration) {
    if let Ok(Some(_)) = child.try_wait() {
        return;
    }
    if signal(child.id(), sig).is_ok()
        && wait_until(grace, || matches!(child.try_wait(), Ok(Some(_))))
    {
        return;
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// Looks for a program on PATH; the message says which package provides it.
pub fn require_program(name: &str, package: &str) -> PathBuf {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    });
    match found {
        Some(p) => p,
        None => panic!(
            "{name} not found on PATH: install the Debian package {package} \
             (scripts/setup.sh test does)"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tail_splits_on_carriage_returns_and_skips_blank_lines() {
        let text = "a\nb\n\n[0:01] x\r[0:02] y\rc\n";
        assert_eq!(tail(text, 3), "[0:01] x\n[0:02] y\nc");
        assert_eq!(tail("", 5), "");
        assert_eq!(tail("one", 5), "one");
    }

    #[test]
    fn wait_for_returns_the_first_value_and_gives_up() {
        let mut n = 0;
        assert_eq!(
            wait_for(Duration::from_secs(1), || {
                n += 1;
                (n == 3).then_some(n)
            }),
            Some(3)
        );
        assert!(!wait_until(Duration::from_millis(50), || false));
    }

    #[test]
    fn bound_ports_are_seen_in_proc() {
        let sock = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let port = sock.local_addr().unwrap().port();
        assert!(port_listening(port));
        drop(sock);
        assert!(!port_listening(port));
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        assert!(port_listening(port));
    }

    #[test]
    fn temp_dir_is_created_and_removed() {
        let path = {
            let d = TempDir::new("util-test");
            assert!(d.path().is_dir());
            d.path().to_owned()
        };
        assert!(!path.exists());
    }
}
