//! dialplan
