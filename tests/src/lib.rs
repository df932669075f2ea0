//! diemcau-e2e: end-to-end tests of the `diemcau` daemon against real peers.
//!
//! - [`Daemon`] starts the built binary on free loopback ports with a
//!   generated config and offers HTTP, metrics and admin-API helpers.
//! - [`Baresip`] is a real SIP terminal (audio + video) driven over ctrl_tcp.
//! - [`Linphone`] is linphonec, a SIP terminal that answers SHA-256 digest
//!   challenges (RFC 8760), driven over its stdin.
//! - [`Sipp`] runs the scripted scenarios in `tests/scenarios`.
//! - [`netns::Lan`] is a two-host LAN in network namespaces of the test's own.
//! - [`Tshark`] captures on loopback and judges packets with Wireshark's
//!   dissectors.
//!
//! Every peer runs in its own temp dir; when a test fails the dirs are kept
//! and the log tails printed. `DIEMCAU_BIN` picks the daemon binary
//! (default `target/debug/diemcau`), `DIEMCAU_E2E_KEEP=1` keeps all dirs.

pub mod aiortc;
pub mod audio;
pub mod baresip;
pub mod browser;
pub mod daemon;
pub mod h323;
pub mod http;
pub mod linphone;
pub mod netns;
pub mod ports;
pub mod prom;
pub mod room_terminal;
pub mod sipp;
pub mod tshark;
pub mod util;
pub mod video;

pub use baresip::{Account, Baresip, BaresipOptions};
pub use daemon::{Daemon, DaemonOptions, Room, Terminal, DEMO_TOKEN};
pub use http::HttpResponse;
pub use linphone::{Linphone, LinphoneAccount};
pub use sipp::{Sipp, SippResult};
pub use tshark::Tshark;
pub use util::{wait_for, wait_until};
