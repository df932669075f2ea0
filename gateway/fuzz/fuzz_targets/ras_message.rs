//! RAS datagrams: decode, and what decodes must encode and decode again to
//! the same value; then the gatekeeper must handle it without panicking.
#![no_main]

use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::time::Instant;

use diemcau_gateway::h323::asn1::h225::RasMessage;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(m) = rasn::aper::decode::<RasMessage>(data) {
        if let Ok(bytes) = rasn::aper::encode(&m) {
            let again = rasn::aper::decode::<RasMessage>(&bytes);
            assert_eq!(again.ok().as_ref(), Some(&m), "re-encoding changed the message");
        }
    }
    let mut gk = diemcau_gateway::h323::ras::Gatekeeper::new(
        diemcau_gateway::h323::ras::GatekeeperConfig::new(
            "fuzz",
            SocketAddrV4::new(Ipv4Addr::LOCALHOST, 1720),
            std::time::Duration::from_secs(60),
            &[("201", "Fuzz", &["2010", "fuzz.room"])],
            &["1000"],
        ),
    );
    let from = SocketAddr::from((Ipv4Addr::LOCALHOST, 5000));
    let _ = gk.handle(data, from, SocketAddrV4::new(Ipv4Addr::LOCALHOST, 1719), Instant::now());
});
