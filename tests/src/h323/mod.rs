//! H.323 test peers built on the daemon's own H.225.0 stack.

pub mod ras_client;
