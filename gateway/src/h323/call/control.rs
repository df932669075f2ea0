//! The call's H.245 control channel: the H.245 session (TerminalCapabilitySet,
//! MasterSlaveDetermination, logical channels, commands and indications)
//! as the call state machine drives it, whether its PDUs travel tunnelled
//! in H.225.0 or on their own TCP connection.

use std::time::Instant;

use diemcau_codecs::catalogue::Capabilities;

use super::LocalMedia;
use crate::h323::media::H323Stream;

/// What the H.245 session tells the call.
#[derive(Debug, Clone, PartialEq)]
pub enum ControlEvent {
    /// Logical channels changed the media (opened, acknowledged, closed).
    Media(Vec<H323Stream>),
    /// videoFastUpdatePicture from the peer.
    FastUpdate,
    /// FlowControlCommand: the most the peer wants, kbit/s.
    Bitrate(u32),
    /// UserInputIndication digits.
    Dtmf(String),
    /// The capability sets share no codec.
    NoCommonCapability,
    /// EndSessionCommand from the peer.
    EndSession,
    /// A procedure failed for good (no answer, rejected).
    Failed,
}

/// One H.245 session; PDUs in and out are aligned PER.
pub struct Control {
    caps: Capabilities,
    local: LocalMedia,
    mcu: bool,
    fast_started: bool,
}

type Step = (Vec<Vec<u8>>, Vec<ControlEvent>);

impl Control {
    pub fn new(
        caps: Capabilities,
        local: LocalMedia,
        mcu: bool,
        fast_started: bool,
        _now: Instant,
    ) -> Control {
        Control {
            caps,
            local,
            mcu,
            fast_started,
        }
    }

    /// Our opening PDUs (TerminalCapabilitySet, MasterSlaveDetermination).
    pub fn start(&mut self, _now: Instant) -> Vec<Vec<u8>> {
        let _ = (&self.caps, &self.local, self.mcu, self.fast_started);
        Vec::new()
    }

    pub fn on_pdu(&mut self, _pdu: &[u8], _now: Instant) -> Step {
        (Vec::new(), Vec::new())
    }

    pub fn on_timer(&mut self, _now: Instant) -> Step {
        (Vec::new(), Vec::new())
    }

    pub fn end_session(&mut self) -> Vec<Vec<u8>> {
        Vec::new()
    }

    pub fn fast_update(&mut self) -> Vec<Vec<u8>> {
        Vec::new()
    }

    pub fn user_input(&mut self, _digits: &str) -> Vec<Vec<u8>> {
        Vec::new()
    }
}
