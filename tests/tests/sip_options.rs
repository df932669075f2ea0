//! OPTIONS to the gateway: 200 with Allow, on both transports.

use diemcau_e2e::{Daemon, DaemonOptions, Sipp};

#[test]
fn options_over_udp() {
    let d = Daemon::start(DaemonOptions::default());
    Sipp::run("options.xml", d.sip_addr(), &[]).assert_success();
}

#[test]
fn options_over_tcp() {
    let d = Daemon::start(DaemonOptions::default());
    Sipp::run("options.xml", d.sip_addr(), &["-t", "t1"]).assert_success();
}
