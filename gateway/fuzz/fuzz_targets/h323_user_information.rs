//! H.225.0 call-signalling user information (the Q.931 User-user contents).
#![no_main]

use diemcau_gateway::h323::asn1::h225::H323UserInformation;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(m) = rasn::aper::decode::<H323UserInformation>(data) {
        if let Ok(bytes) = rasn::aper::encode(&m) {
            let again = rasn::aper::decode::<H323UserInformation>(&bytes);
            assert_eq!(again.ok().as_ref(), Some(&m), "re-encoding changed the message");
        }
    }
});
