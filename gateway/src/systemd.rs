//! The systemd service protocol without libsystemd: `sd_notify(3)` state
//! messages on `$NOTIFY_SOCKET` and watchdog pings for `WatchdogSec=`.
//!
//! Every function is a no-op returning `Ok(false)` / `None` when the daemon
//! does not run under systemd (no `$NOTIFY_SOCKET`), so callers need no
//! special case for foreground runs.

use std::ffi::{OsStr, OsString};
use std::io;
use std::os::linux::net::SocketAddrExt;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::net::{SocketAddr, UnixDatagram};
use std::path::Path;
use std::time::Duration;

/// A send to the service manager must not stall the caller (often a runtime
/// worker) for long; systemd drains its queue quickly unless it is wedged.
const SEND_TIMEOUT: Duration = Duration::from_secs(1);

/// Sends `state` (newline-separated `KEY=VALUE` assignments) to the service
/// manager. `Ok(false)` when `$NOTIFY_SOCKET` is unset, `Ok(true)` once sent.
pub fn notify(state: &str) -> io::Result<bool> {
    match std::env::var_os("NOTIFY_SOCKET") {
        None => Ok(false),
        Some(socket) => notify_to(&socket, state).map(|()| true),
    }
}

/// `READY=1`: start-up (or a reload) is complete.
pub fn ready() -> io::Result<bool> {
    notify("READY=1")
}

/// `RELOADING=1` with the `MONOTONIC_USEC` timestamp systemd ≥ 253 requires
/// for `Type=notify-reload`; follow with [`ready`] when the reload is done.
pub fn reloading() -> io::Result<bool> {
    notify(&reloading_message(monotonic_usec()?))
}

/// `STOPPING=1`: shutdown has begun.
pub fn stopping() -> io::Result<bool> {
    notify("STOPPING=1")
}

/// `STATUS=…`: a one-line status shown by `systemctl status`.
pub fn status(text: &str) -> io::Result<bool> {
    notify(&status_message(text))
}

/// The watchdog period systemd expects pings within, from `$WATCHDOG_USEC`;
/// `None` when the watchdog is off or `$WATCHDOG_PID` names another process
/// (the variables were inherited from a parent that is the real service).
pub fn watchdog_interval() -> Option<Duration> {
    let usec = std::env::var("WATCHDOG_USEC").ok();
    let pid = std::env::var("WATCHDOG_PID").ok();
    watchdog_interval_from(usec.as_deref(), pid.as_deref(), std::process::id())
}

/// Pings `WATCHDOG=1` at half the watchdog interval on a tokio task, so a
/// wedged runtime stops the pings and systemd restarts the service. `None`
/// when the watchdog is off, `$NOTIFY_SOCKET` is unset, or there is no tokio
/// runtime to run the task on.
pub fn spawn_watchdog() -> Option<tokio::task::JoinHandle<()>> {
    let interval = watchdog_interval()?;
    let socket = std::env::var_os("NOTIFY_SOCKET")?;
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        tracing::warn!("systemd watchdog requested but no tokio runtime is running");
        return None;
    };
    tracing::debug!(?interval, "pinging the systemd watchdog");
    Some(runtime.spawn(watchdog_pings(socket, interval / 2)))
}

/// Sends `WATCHDOG=1` to `socket` every `period`, starting at once. A failed
/// ping is logged, not fatal: the next one may get through, and if none do
/// systemd acts on the silence, which is the point.
async fn watchdog_pings(socket: OsString, period: Duration) {
    let mut ticks = tokio::time::interval(period);
    // After a stall, ping once and carry on rather than bursting.
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        if let Err(e) = notify_to(&socket, "WATCHDOG=1") {
            tracing::warn!(error = %e, "systemd watchdog ping failed");
        }
    }
}

/// Sends one datagram to the notify socket named by `socket`: a filesystem
/// path (`/run/systemd/notify`) or an abstract name (`@name`).
fn notify_to(socket: &OsStr, state: &str) -> io::Result<()> {
    let addr = notify_addr(socket)?;
    let sock = UnixDatagram::unbound()?;
    sock.set_write_timeout(Some(SEND_TIMEOUT))?;
    let sent = sock.send_to_addr(state.as_bytes(), &addr)?;
    if sent != state.len() {
        return Err(io::Error::new(
            io::ErrorKind::WriteZero,
            format!("notify socket took {sent} of {} bytes", state.len()),
        ));
    }
    Ok(())
}

fn notify_addr(socket: &OsStr) -> io::Result<SocketAddr> {
    let bytes = socket.as_bytes();
    match bytes.first() {
        Some(b'/') => SocketAddr::from_pathname(Path::new(socket)),
        Some(b'@') => SocketAddr::from_abstract_name(&bytes[1..]),
        _ => Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "NOTIFY_SOCKET {:?} is neither an absolute path nor an @abstract name",
                socket
            ),
        )),
    }
}

fn reloading_message(monotonic_usec: u64) -> String {
    format!("RELOADING=1\nMONOTONIC_USEC={monotonic_usec}")
}

/// A newline would end the STATUS assignment and start another one.
fn status_message(text: &str) -> String {
    let one_line: String = text
        .chars()
        .map(|c| if c == '\n' || c == '\r' { ' ' } else { c })
        .collect();
    format!("STATUS={one_line}")
}

fn watchdog_interval_from(usec: Option<&str>, pid: Option<&str>, our_pid: u32) -> Option<Duration> {
    let usec: u64 = usec?.trim().parse().ok()?;
    if usec == 0 {
        return None;
    }
    if let Some(pid) = pid {
        if pid.trim().parse::<u32>().ok()? != our_pid {
            return None;
        }
    }
    Some(Duration::from_micros(usec))
}

/// `CLOCK_MONOTONIC` in microseconds, the clock systemd compares
/// `MONOTONIC_USEC` against. `std::time::Instant` uses the same clock but does
/// not expose its absolute value.
fn monotonic_usec() -> io::Result<u64> {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec for the duration of the call.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    let secs =
        u64::try_from(ts.tv_sec).map_err(|_| io::Error::other("negative CLOCK_MONOTONIC"))?;
    let nanos =
        u64::try_from(ts.tv_nsec).map_err(|_| io::Error::other("negative CLOCK_MONOTONIC"))?;
    Ok(secs.saturating_mul(1_000_000).saturating_add(nanos / 1_000))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A notify socket in a fresh directory, removed on drop.
    struct Listener {
        dir: std::path::PathBuf,
        path: std::path::PathBuf,
        sock: UnixDatagram,
    }

    impl Listener {
        fn bind() -> Self {
            static N: AtomicUsize = AtomicUsize::new(0);
            let dir = std::env::temp_dir().join(format!(
                "diemcau-sd-{}-{}",
                std::process::id(),
                N.fetch_add(1, Ordering::Relaxed)
            ));
            std::fs::create_dir_all(&dir).expect("temp dir");
            let path = dir.join("notify.sock");
            let sock = UnixDatagram::bind(&path).expect("bind notify socket");
            sock.set_read_timeout(Some(Duration::from_secs(5)))
                .expect("read timeout");
            Self { dir, path, sock }
        }

        fn recv(&self) -> String {
            let mut buf = [0u8; 4096];
            let n = self.sock.recv(&mut buf).expect("a datagram");
            String::from_utf8(buf[..n].to_vec()).expect("utf-8")
        }
    }

    impl Drop for Listener {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }

    #[test]
    fn sends_to_a_path_socket() {
        let l = Listener::bind();
        notify_to(l.path.as_os_str(), "READY=1").expect("send");
        assert_eq!(l.recv(), "READY=1");
        notify_to(l.path.as_os_str(), &status_message("two\nlines")).expect("send");
        assert_eq!(l.recv(), "STATUS=two lines");
    }

    #[test]
    fn sends_to_an_abstract_socket() {
        let name = format!("diemcau-sd-test-{}", std::process::id());
        let addr = SocketAddr::from_abstract_name(name.as_bytes()).expect("addr");
        let sock = UnixDatagram::bind_addr(&addr).expect("bind abstract");
        sock.set_read_timeout(Some(Duration::from_secs(5)))
            .expect("read timeout");
        notify_to(OsStr::new(&format!("@{name}")), "STOPPING=1").expect("send");
        let mut buf = [0u8; 64];
        let n = sock.recv(&mut buf).expect("a datagram");
        assert_eq!(&buf[..n], b"STOPPING=1");
    }

    #[test]
    fn refuses_relative_and_empty_socket_names() {
        for bad in ["", "notify.sock", "vsock:2:1234"] {
            let err = notify_to(OsStr::new(bad), "READY=1").expect_err(bad);
            assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "{bad:?}");
        }
    }

    #[test]
    fn a_missing_socket_is_an_error() {
        let l = Listener::bind();
        let gone = l.dir.join("nobody-here.sock");
        assert!(notify_to(gone.as_os_str(), "READY=1").is_err());
    }

    #[test]
    fn reloading_carries_the_monotonic_clock() {
        let before = monotonic_usec().expect("clock");
        std::thread::sleep(Duration::from_millis(2));
        let after = monotonic_usec().expect("clock");
        assert!(after >= before + 2_000, "{before} → {after}");
        assert_eq!(
            reloading_message(1_234_567),
            "RELOADING=1\nMONOTONIC_USEC=1234567"
        );
    }

    #[test]
    fn watchdog_interval_rules() {
        let us = Some("30000000");
        assert_eq!(
            watchdog_interval_from(us, None, 42),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            watchdog_interval_from(us, Some("42"), 42),
            Some(Duration::from_secs(30))
        );
        // Inherited from another process: not ours to ping.
        assert_eq!(watchdog_interval_from(us, Some("41"), 42), None);
        assert_eq!(watchdog_interval_from(us, Some("junk"), 42), None);
        assert_eq!(watchdog_interval_from(None, Some("42"), 42), None);
        assert_eq!(watchdog_interval_from(Some("0"), None, 42), None);
        assert_eq!(watchdog_interval_from(Some("-5"), None, 42), None);
        assert_eq!(watchdog_interval_from(Some("30s"), None, 42), None);
    }

    #[tokio::test]
    async fn watchdog_pings_repeatedly() {
        let l = Listener::bind();
        let task = tokio::spawn(watchdog_pings(
            l.path.clone().into_os_string(),
            Duration::from_millis(20),
        ));
        let sock = l.sock.try_clone().expect("clone");
        let pings = tokio::task::spawn_blocking(move || {
            let mut buf = [0u8; 64];
            (0..3)
                .map(|_| {
                    let n = sock.recv(&mut buf).expect("a ping");
                    String::from_utf8_lossy(&buf[..n]).into_owned()
                })
                .collect::<Vec<_>>()
        })
        .await
        .expect("receiver");
        task.abort();
        assert_eq!(pings, ["WATCHDOG=1"; 3]);
    }
}
