//! H.323 peers for the tests.

pub mod caller;
pub mod media_peer;
