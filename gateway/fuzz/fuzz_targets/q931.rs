//! Q.931 messages: parse; what parses builds and parses back the same.
#![no_main]

use diemcau_gateway::h323::q931::Message;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(m) = Message::parse(data) {
        if let Ok(bytes) = m.build() {
            assert_eq!(Message::parse(&bytes).ok().as_ref(), Some(&m), "build/parse changed the message");
        }
    }
});
