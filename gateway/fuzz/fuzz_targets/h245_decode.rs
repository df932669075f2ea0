//! H.245: arbitrary bytes through the PER decoder, the re-encoder, a
//! session and fast start parsing; none may panic.
#![no_main]

use std::time::Instant;

use diemcau_codecs::catalogue::Capabilities;
use diemcau_codecs::h245::local_capability_set;
use diemcau_gateway::h323::asn1::h245;
use diemcau_gateway::h323::h245::{fast_start, Config, Session};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(msg) = h245::decode(data) {
        if let Ok(bytes) = h245::encode(&msg) {
            // What we encode we must read back.
            assert!(h245::decode(&bytes).is_ok());
        }
        let now = Instant::now();
        let mut s = Session::new(
            Config::new(local_capability_set(&Capabilities::default())),
            now,
        );
        s.start(now);
        s.handle_message(msg, now);
        while s.poll_transmit().is_some() {}
        while s.poll_event().is_some() {}
    }
    let _ = fast_start::parse(&[data.to_vec()]);
});
