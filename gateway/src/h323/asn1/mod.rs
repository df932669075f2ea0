//! ASN.1 types of the H.323 protocols, aligned PER through rasn, each in a
//! module named after its standard and keeping the standard's names.

pub mod h225;
pub mod h235;
pub mod h245;
