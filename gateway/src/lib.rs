//! diemcau gateway: the daemon's signalling, rooms, HTTP API and metrics.
//!
//! Layout: `config` (TOML, validated with file/line errors), `sip` (sans-IO
//! message handling, transactions, registrar, calls; I/O only in
//! `sip::transport` and `sip::endpoint`), `rooms` (room registry tying calls to
//! the media engine in `diemcau-mixer`), `http` (health, metrics, admin API),
//! `metrics`, `systemd`.

pub mod config;
pub mod control;
pub mod error;
pub mod h323;
pub mod http;
pub mod metrics;
pub mod room_metrics;
pub mod rooms;
pub mod sip;
pub mod systemd;
pub mod timers;
pub mod webrtc;

pub use error::GatewayError;
