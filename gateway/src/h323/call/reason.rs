//! Why a call ends: the H.225.0 ReleaseCompleteReason we send with its
//! Q.931 Cause (Q.850 value), chosen after H.225.0 Table 5 where it pairs
//! them, and the label our metrics count it under.

/// The ReleaseCompleteReason alternatives we send or recognise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReleaseReason {
    NoBandwidth,
    GatekeeperResources,
    UnreachableDestination,
    DestinationRejection,
    InvalidRevision,
    NoPermission,
    UnreachableGatekeeper,
    GatewayResources,
    BadFormatAddress,
    AdaptiveBusy,
    InConf,
    UndefinedReason,
    SecurityDenied,
    CalledPartyNotRegistered,
    CallerNotRegistered,
    NewConnectionNeeded,
    /// Any other alternative (an extension we do not model).
    Other,
}

impl ReleaseReason {
    /// The metrics label (the ASN.1 identifier).
    pub fn label(self) -> &'static str {
        match self {
            ReleaseReason::NoBandwidth => "noBandwidth",
            ReleaseReason::GatekeeperResources => "gatekeeperResources",
            ReleaseReason::UnreachableDestination => "unreachableDestination",
            ReleaseReason::DestinationRejection => "destinationRejection",
            ReleaseReason::InvalidRevision => "invalidRevision",
            ReleaseReason::NoPermission => "noPermission",
            ReleaseReason::UnreachableGatekeeper => "unreachableGatekeeper",
            ReleaseReason::GatewayResources => "gatewayResources",
            ReleaseReason::BadFormatAddress => "badFormatAddress",
            ReleaseReason::AdaptiveBusy => "adaptiveBusy",
            ReleaseReason::InConf => "inConf",
            ReleaseReason::UndefinedReason => "undefinedReason",
            ReleaseReason::SecurityDenied => "securityDenied",
            ReleaseReason::CalledPartyNotRegistered => "calledPartyNotRegistered",
            ReleaseReason::CallerNotRegistered => "callerNotRegistered",
            ReleaseReason::NewConnectionNeeded => "newConnectionNeeded",
            ReleaseReason::Other => "other",
        }
    }

    pub const ALL: [ReleaseReason; 17] = [
        ReleaseReason::NoBandwidth,
        ReleaseReason::GatekeeperResources,
        ReleaseReason::UnreachableDestination,
        ReleaseReason::DestinationRejection,
        ReleaseReason::InvalidRevision,
        ReleaseReason::NoPermission,
        ReleaseReason::UnreachableGatekeeper,
        ReleaseReason::GatewayResources,
        ReleaseReason::BadFormatAddress,
        ReleaseReason::AdaptiveBusy,
        ReleaseReason::InConf,
        ReleaseReason::UndefinedReason,
        ReleaseReason::SecurityDenied,
        ReleaseReason::CalledPartyNotRegistered,
        ReleaseReason::CallerNotRegistered,
        ReleaseReason::NewConnectionNeeded,
        ReleaseReason::Other,
    ];
}

/// Q.850 cause values we send.
pub mod cause {
    pub const UNALLOCATED_NUMBER: u8 = 1;
    pub const NORMAL_CLEARING: u8 = 16;
    pub const USER_BUSY: u8 = 17;
    pub const CALL_REJECTED: u8 = 21;
    pub const INVALID_NUMBER_FORMAT: u8 = 28;
    pub const NORMAL_UNSPECIFIED: u8 = 31;
    pub const TEMPORARY_FAILURE: u8 = 41;
    pub const RESOURCE_UNAVAILABLE: u8 = 47;
    pub const INCOMPATIBLE_DESTINATION: u8 = 88;
    pub const INVALID_MESSAGE: u8 = 95;
    pub const RECOVERY_ON_TIMER_EXPIRY: u8 = 102;
}

/// Why we end or refuse a call, as the state machine knows it; each maps
/// to the reason and cause sent in Release Complete.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Ending {
    /// Normal hang-up (by us, the operator or the peer).
    Normal,
    /// The dialled alias or number names no room.
    NoSuchRoom,
    /// No destination at all, or not a dial string.
    BadAddress,
    /// The room has a PIN and none (or a wrong one) was given.
    WrongPin,
    RoomFull,
    /// Neither fast start nor H.245 found a codec we share.
    NoCommonCapability,
    /// No RTP from the peer for the media timeout.
    MediaTimeout,
    /// The peer broke the protocol (undecodable PER, a message out of place).
    ProtocolError,
    /// A procedure timed out (no Connect, no H.245 answer).
    Timeout,
    /// Ports or the mixer failed.
    Resources,
    /// The callee refused (outgoing calls; from its Release Complete).
    Rejected,
}

impl Ending {
    /// What we put in Release Complete.
    pub fn reason(self) -> ReleaseReason {
        match self {
            Ending::Normal | Ending::MediaTimeout => ReleaseReason::UndefinedReason,
            // Cause 1 (unallocated number) is the Q.931 word for a number
            // nobody has; Table 5 pairs it with unreachableDestination.
            Ending::NoSuchRoom => ReleaseReason::UnreachableDestination,
            Ending::BadAddress => ReleaseReason::BadFormatAddress,
            Ending::WrongPin => ReleaseReason::SecurityDenied,
            // A room at capacity is a busy called party (cause 17 <-> inConf).
            Ending::RoomFull => ReleaseReason::InConf,
            Ending::NoCommonCapability => ReleaseReason::UndefinedReason,
            Ending::ProtocolError => ReleaseReason::UndefinedReason,
            Ending::Timeout => ReleaseReason::AdaptiveBusy,
            Ending::Resources => ReleaseReason::GatewayResources,
            Ending::Rejected => ReleaseReason::DestinationRejection,
        }
    }

    /// The Q.850 cause of the Cause IE.
    pub fn cause(self) -> u8 {
        match self {
            Ending::Normal => cause::NORMAL_CLEARING,
            Ending::NoSuchRoom => cause::UNALLOCATED_NUMBER,
            Ending::BadAddress => cause::INVALID_NUMBER_FORMAT,
            Ending::WrongPin => cause::CALL_REJECTED,
            Ending::RoomFull => cause::USER_BUSY,
            // RFC 3398 pairs SIP's 488 with cause 88 the same way.
            Ending::NoCommonCapability => cause::INCOMPATIBLE_DESTINATION,
            Ending::MediaTimeout => cause::RECOVERY_ON_TIMER_EXPIRY,
            Ending::ProtocolError => cause::INVALID_MESSAGE,
            Ending::Timeout => cause::RECOVERY_ON_TIMER_EXPIRY,
            Ending::Resources => cause::RESOURCE_UNAVAILABLE,
            Ending::Rejected => cause::CALL_REJECTED,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Ending::Normal => "normal",
            Ending::NoSuchRoom => "no such room",
            Ending::BadAddress => "bad address",
            Ending::WrongPin => "wrong PIN",
            Ending::RoomFull => "room full",
            Ending::NoCommonCapability => "no common capability",
            Ending::MediaTimeout => "media timeout",
            Ending::ProtocolError => "protocol error",
            Ending::Timeout => "timeout",
            Ending::Resources => "no resources",
            Ending::Rejected => "rejected",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_carry_distinct_reasons_and_causes() {
        assert_eq!(
            (Ending::NoSuchRoom.reason(), Ending::NoSuchRoom.cause()),
            (ReleaseReason::UnreachableDestination, 1)
        );
        assert_eq!(
            (Ending::RoomFull.reason(), Ending::RoomFull.cause()),
            (ReleaseReason::InConf, 17)
        );
        assert_eq!(
            (
                Ending::NoCommonCapability.reason(),
                Ending::NoCommonCapability.cause()
            ),
            (ReleaseReason::UndefinedReason, 88)
        );
        assert_eq!(Ending::WrongPin.reason().label(), "securityDenied");
        assert_eq!(Ending::Normal.cause(), 16);
        let mut labels: Vec<_> = ReleaseReason::ALL.iter().map(|r| r.label()).collect();
        labels.sort_unstable();
        labels.dedup();
        assert_eq!(labels.len(), ReleaseReason::ALL.len());
    }
}
