//! RFC 4028 session timers, sans-IO: what to answer to a Session-Expires
//! offer, who refreshes, and when to refresh or give up.

use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refresher {
    Uac,
    Uas,
}

impl Refresher {
    pub fn as_str(self) -> &'static str {
        match self {
            Refresher::Uac => "uac",
            Refresher::Uas => "uas",
        }
    }
}

/// A parsed `Session-Expires: 1800;refresher=uac` value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionExpires {
    pub interval: u32,
    pub refresher: Option<Refresher>,
}

impl SessionExpires {
    pub fn parse(value: &str) -> Option<Self> {
        let mut parts = value.split(';');
        let interval = parts.next()?.trim().parse().ok()?;
        let mut refresher = None;
        for p in parts {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            if k.trim().eq_ignore_ascii_case("refresher") {
                refresher = match v.trim().to_ascii_lowercase().as_str() {
                    "uac" => Some(Refresher::Uac),
                    "uas" => Some(Refresher::Uas),
                    _ => None,
                };
            }
        }
        Some(Self {
            interval,
            refresher,
        })
    }

    pub fn header_value(&self) -> String {
        match self.refresher {
            Some(r) => format!("{};refresher={}", self.interval, r.as_str()),
            None => self.interval.to_string(),
        }
    }
}

/// Our configuration: the interval we want and the smallest we accept.
#[derive(Debug, Clone, Copy)]
pub struct TimerPolicy {
    pub session_expires: u32,
    pub min_se: u32,
}

/// The agreed timer of a dialog.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionTimer {
    pub interval: u32,
    /// True when we must send the refreshes.
    pub we_refresh: bool,
    /// Whether the response carries `Require: timer` (the peer supports it).
    pub peer_supports: bool,
    pub refresher: Refresher,
}

impl SessionTimer {
    /// When the refresher sends its refresh: half the interval (§10).
    pub fn refresh_after(&self) -> Duration {
        Duration::from_secs(u64::from(self.interval / 2).max(1))
    }

    /// When the non-refresher gives up: interval minus min(32, interval/3)
    /// (§10), to leave room for a late refresh.
    pub fn expire_after(&self) -> Duration {
        let i = u64::from(self.interval);
        Duration::from_secs(i - (i / 3).min(32))
    }
}

/// What the UAS does with a request's timer headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UasDecision {
    /// No session timer for this dialog.
    None,
    Timer(SessionTimer),
    /// 422 Session Interval Too Small, with our Min-SE.
    TooSmall {
        min_se: u32,
    },
}

/// Decide as UAS (RFC 4028 §9) for an INVITE/UPDATE/re-INVITE carrying these
/// headers. `supported_timer` is `Supported: timer` (or `Require: timer`).
pub fn uas_decide(
    policy: TimerPolicy,
    requested: Option<SessionExpires>,
    request_min_se: Option<u32>,
    supported_timer: bool,
) -> UasDecision {
    let floor = policy.min_se.max(request_min_se.unwrap_or(0)).max(90);
    match requested {
        Some(se) if se.interval < policy.min_se => UasDecision::TooSmall {
            min_se: policy.min_se,
        },
        Some(se) => {
            // We may shorten the interval towards ours, never below Min-SE.
            let interval = se.interval.min(policy.session_expires).max(floor);
            let refresher = match se.refresher {
                Some(r) => r,
                None if supported_timer => Refresher::Uac,
                None => Refresher::Uas,
            };
            UasDecision::Timer(SessionTimer {
                interval,
                we_refresh: refresher == Refresher::Uas,
                peer_supports: supported_timer,
                refresher,
            })
        }
        // The UAC supports timers but asked for none: we may insert one and
        // let it refresh (§9). Old terminals without support get none: the
        // media timeout catches their disappearance instead.
        None if supported_timer => UasDecision::Timer(SessionTimer {
            interval: policy.session_expires.max(floor),
            we_refresh: false,
            peer_supports: true,
            refresher: Refresher::Uac,
        }),
        None => UasDecision::None,
    }
}

/// Decide as UAC from the 2xx to our INVITE (§7.2).
pub fn uac_decide(response: Option<SessionExpires>, require_timer: bool) -> Option<SessionTimer> {
    let se = response?;
    // Without a refresher in the answer, a UAS that did not support timers
    // leaves the refreshing to us.
    let refresher = se.refresher.unwrap_or(Refresher::Uac);
    Some(SessionTimer {
        interval: se.interval,
        we_refresh: refresher == Refresher::Uac,
        peer_supports: require_timer,
        refresher,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: TimerPolicy = TimerPolicy {
        session_expires: 1800,
        min_se: 90,
    };

    #[test]
    fn parses_header() {
        assert_eq!(
            SessionExpires::parse("1800;refresher=uac"),
            Some(SessionExpires {
                interval: 1800,
                refresher: Some(Refresher::Uac)
            })
        );
        assert_eq!(
            SessionExpires::parse(" 90 ; REFRESHER = UAS"),
            Some(SessionExpires {
                interval: 90,
                refresher: Some(Refresher::Uas)
            })
        );
        assert_eq!(SessionExpires::parse("abc"), None);
        assert_eq!(SessionExpires::parse(""), None);
    }

    #[test]
    fn too_small_gets_422() {
        let d = uas_decide(
            POLICY,
            SessionExpires::parse("60;refresher=uac"),
            None,
            true,
        );
        assert_eq!(d, UasDecision::TooSmall { min_se: 90 });
    }

    #[test]
    fn honours_requested_refresher() {
        let d = uas_decide(
            POLICY,
            SessionExpires::parse("90;refresher=uac"),
            None,
            true,
        );
        let UasDecision::Timer(t) = d else {
            panic!("{d:?}")
        };
        assert_eq!(t.interval, 90);
        assert!(!t.we_refresh);
        let d = uas_decide(
            POLICY,
            SessionExpires::parse("600;refresher=uas"),
            None,
            true,
        );
        let UasDecision::Timer(t) = d else {
            panic!("{d:?}")
        };
        assert!(t.we_refresh);
        assert_eq!(t.refresh_after(), Duration::from_secs(300));
    }

    #[test]
    fn long_interval_is_shortened_to_ours() {
        let d = uas_decide(POLICY, SessionExpires::parse("7200"), None, true);
        let UasDecision::Timer(t) = d else {
            panic!("{d:?}")
        };
        assert_eq!(t.interval, 1800);
        assert_eq!(t.refresher, Refresher::Uac);
    }

    #[test]
    fn no_support_no_header_means_no_timer() {
        assert_eq!(uas_decide(POLICY, None, None, false), UasDecision::None);
        // A Session-Expires without Supported: timer makes us the refresher.
        let d = uas_decide(POLICY, SessionExpires::parse("1200"), None, false);
        let UasDecision::Timer(t) = d else {
            panic!("{d:?}")
        };
        assert!(t.we_refresh);
    }

    #[test]
    fn expiry_leaves_margin() {
        let t = SessionTimer {
            interval: 90,
            we_refresh: false,
            peer_supports: true,
            refresher: Refresher::Uac,
        };
        assert_eq!(t.expire_after(), Duration::from_secs(60));
        let t = SessionTimer {
            interval: 1800,
            ..t
        };
        assert_eq!(t.expire_after(), Duration::from_secs(1768));
    }

    #[test]
    fn uac_side() {
        let t = uac_decide(SessionExpires::parse("1800;refresher=uac"), true).unwrap();
        assert!(t.we_refresh);
        let t = uac_decide(SessionExpires::parse("1800;refresher=uas"), true).unwrap();
        assert!(!t.we_refresh);
        assert_eq!(uac_decide(None, false), None);
    }
}
