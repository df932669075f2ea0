//! H.323 test peers built on the daemon's own H.225.0/H.245 stack.

pub mod caller;
pub mod media_peer;
pub mod ras_client;
