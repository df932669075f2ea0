//! H.323: the gatekeeper (H.225.0 RAS), call signalling (H.225.0 over Q.931
//! and TPKT) and H.245 control, bringing H.323 terminals into the same rooms
//! as SIP and WebRTC participants.

pub mod asn1;
pub mod call;
pub mod h245;
pub mod media;
pub mod pin;
pub mod q931;
pub mod ras;
pub mod signalling;
pub mod tpkt;

#[cfg(test)]
pub(crate) mod testdata;
