//! The shipped unit file passes `systemd-analyze verify`, with ExecStart
//! pointed at the built binary (verify insists that it exists).

use std::fs;
use std::process::Command;

use diemcau_e2e::daemon::{daemon_binary, workspace_root};
use diemcau_e2e::util::{require_program, TempDir};

#[test]
fn unit_file_verifies_clean() {
    require_program("systemd-analyze", "systemd");
    let unit = fs::read_to_string(workspace_root().join("systemd/diemcau.service"))
        .expect("systemd/diemcau.service is readable");
    let bin = daemon_binary();
    assert!(bin.is_file(), "{} not built", bin.display());
    let installed = "ExecStart=/usr/local/bin/diemcau ";
    assert!(unit.contains(installed), "unit no longer runs {installed}");
    let unit = unit.replace(installed, &format!("ExecStart={} ", bin.display()));

    let dir = TempDir::new("systemd");
    let path = dir.join("diemcau.service");
    fs::write(&path, unit).expect("write unit copy");
    let out = Command::new("systemd-analyze")
        .arg("verify")
        .arg(&path)
        .output()
        .expect("run systemd-analyze");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // verify exits 0 on unknown keys and only warns: any line naming the
    // unit is a finding.
    let findings: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("diemcau.service") || l.contains(&*path.to_string_lossy()))
        .collect();
    assert!(
        out.status.success(),
        "systemd-analyze verify failed:\n{text}"
    );
    assert!(findings.is_empty(), "systemd-analyze verify:\n{text}");
}

#[test]
fn unit_has_the_hardening_we_document() {
    let unit = fs::read_to_string(workspace_root().join("systemd/diemcau.service"))
        .expect("systemd/diemcau.service is readable");
    for line in [
        "Type=notify",
        "WatchdogSec=30",
        "Restart=on-failure",
        "User=diemcau",
        "ExecReload=/bin/kill -HUP $MAINPID",
        "AmbientCapabilities=CAP_NET_BIND_SERVICE",
        "CapabilityBoundingSet=CAP_NET_BIND_SERVICE",
        "NoNewPrivileges=yes",
        "ProtectSystem=strict",
        "SystemCallFilter=@system-service",
        "ReadOnlyPaths=/etc/diemcau",
        "LimitNOFILE=65536",
    ] {
        assert!(
            unit.lines().any(|l| l.trim() == line),
            "missing {line:?} in the unit"
        );
    }
    // GStreamer's ORC JIT needs W+X pages: the option must stay off.
    assert!(!unit
        .lines()
        .any(|l| l.trim_start().starts_with("MemoryDenyWriteExecute=")));
    let sysusers = fs::read_to_string(workspace_root().join("systemd/diemcau.sysusers"))
        .expect("systemd/diemcau.sysusers is readable");
    assert!(sysusers.lines().any(|l| l.starts_with("u diemcau ")));
}
