//! Network namespaces a test makes for itself (iproute2; needs root, as CI
//! runs): a small LAN of two hosts joined by a veth pair, a way to run the
//! test's own body inside one of them (the binary re-runs itself under
//! `ip netns exec`), and sockets opened in the other. Everything is removed
//! when the [`Lan`] drops.

use std::fs::File;
use std::net::{Ipv4Addr, UdpSocket};
use std::os::fd::AsRawFd;
use std::process::Command;

/// Set in the re-run test process: the name of the other host's namespace.
const PEER_ENV: &str = "DIEMCAU_E2E_NETNS_PEER";

fn ip(args: &[&str]) {
    let out = match Command::new("ip").args(args).output() {
        Ok(o) => o,
        Err(e) => panic!(
            "running ip {}: {e} (iproute2 is installed by scripts/setup.sh)",
            args.join(" ")
        ),
    };
    if !out.status.success() {
        panic!(
            "ip {} failed ({}): {} (network namespaces need root or CAP_SYS_ADMIN)",
            args.join(" "),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
}

/// Two namespaces, `host` and `peer`, on one /24 over a veth pair: host
/// is 10.77.0.1, peer 10.77.0.2; both links up with multicast, loopback up
/// in both, and the peer routes multicast onto the link. No route leaves
/// the LAN.
pub struct Lan {
    pub host: String,
    pub peer: String,
}

pub const HOST_IP: Ipv4Addr = Ipv4Addr::new(10, 77, 0, 1);
pub const PEER_IP: Ipv4Addr = Ipv4Addr::new(10, 77, 0, 2);

impl Lan {
    /// Names carry the process id, so test binaries can run side by side.
    pub fn create(tag: &str) -> Lan {
        let id = std::process::id();
        let lan = Lan {
            host: format!("dc-{tag}-h{id}"),
            peer: format!("dc-{tag}-p{id}"),
        };
        // Drop (on a panic below too) removes whatever was made.
        ip(&["netns", "add", &lan.host]);
        ip(&["netns", "add", &lan.peer]);
        // Interface names: at most 15 bytes; each lives in its own namespace.
        ip(&[
            "link", "add", "dch", "netns", &lan.host, "type", "veth", "peer", "name", "dcp",
            "netns", &lan.peer,
        ]);
        for (ns, dev, addr) in [(&lan.host, "dch", HOST_IP), (&lan.peer, "dcp", PEER_IP)] {
            let cidr = format!("{addr}/24");
            ip(&["-n", ns, "link", "set", "lo", "up"]);
            ip(&["-n", ns, "addr", "add", &cidr, "dev", dev]);
            ip(&["-n", ns, "link", "set", dev, "multicast", "on", "up"]);
        }
        // The peer sends multicast onto the LAN, as a default route would
        // take it; the host needs no such route (it joins by interface).
        ip(&["-n", &lan.peer, "route", "add", "224.0.0.0/4", "dev", "dcp"]);
        lan
    }

    /// Re-runs the current test (`name`, as libtest knows it) inside the
    /// host namespace and returns whether it passed. The re-run finds the
    /// peer's namespace with [`peer_netns`].
    pub fn run_test_in_host(&self, name: &str) -> bool {
        let exe = match std::env::current_exe() {
            Ok(e) => e,
            Err(e) => panic!("the test binary's path: {e}"),
        };
        let status = Command::new("ip")
            .args(["netns", "exec", &self.host])
            .arg(exe)
            .args([name, "--exact", "--test-threads=1", "--nocapture"])
            .env(PEER_ENV, &self.peer)
            .status();
        match status {
            Ok(s) => s.success(),
            Err(e) => panic!("re-running {name} in {}: {e}", self.host),
        }
    }
}

impl Drop for Lan {
    fn drop(&mut self) {
        // Deleting a namespace takes its end of the veth pair, and the pair
        // with it.
        for ns in [&self.host, &self.peer] {
            let _ = Command::new("ip").args(["netns", "del", ns]).status();
        }
    }
}

/// Inside a [`Lan::run_test_in_host`] re-run: the peer's namespace.
pub fn peer_netns() -> Option<String> {
    std::env::var(PEER_ENV).ok()
}

/// Binds a UDP socket inside namespace `ns`. A socket stays in the
/// namespace it was made in, so a short-lived thread enters `ns`, binds,
/// and hands the socket back; the rest of the process is untouched.
pub fn udp_socket_in(ns: &str, addr: std::net::SocketAddr) -> UdpSocket {
    let path = format!("/run/netns/{ns}");
    let handle = std::thread::spawn(move || -> Result<UdpSocket, String> {
        let file = File::open(&path).map_err(|e| format!("opening {path}: {e}"))?;
        // SAFETY: setns on a valid namespace fd changes only this thread.
        if unsafe { libc::setns(file.as_raw_fd(), libc::CLONE_NEWNET) } != 0 {
            return Err(format!("setns {path}: {}", std::io::Error::last_os_error()));
        }
        UdpSocket::bind(addr).map_err(|e| format!("binding {addr} in {path}: {e}"))
    });
    match handle.join() {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => panic!("{e}"),
        Err(_) => panic!("the thread binding in {ns} panicked"),
    }
}
