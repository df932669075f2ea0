//! Opus in SDP (RFC 7587 §6): the receiver's preferences.

use crate::fmtp::FmtpParams;

/// What an Opus receiver asked for in its fmtp.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OpusParams {
    /// The receiver prefers stereo.
    pub stereo: bool,
    /// The sender will likely send stereo.
    pub sprop_stereo: bool,
    /// The receiver can use in-band FEC.
    pub useinbandfec: bool,
    /// The receiver prefers DTX.
    pub usedtx: bool,
    /// The receiver prefers constant bit rate.
    pub cbr: bool,
    /// Highest audio sampling rate worth sending (Hz).
    pub maxplaybackrate: Option<u32>,
    /// Highest average bit rate the receiver wants (bit/s).
    pub maxaveragebitrate: Option<u32>,
    /// Shortest packet duration the receiver takes (ms).
    pub minptime: Option<u32>,
}

impl OpusParams {
    /// Parse an fmtp; malformed numbers count as absent (they are only
    /// preferences).
    pub fn from_fmtp(fmtp: Option<&str>) -> OpusParams {
        let p = FmtpParams::parse(fmtp.unwrap_or_default());
        let number = |name: &str| p.get_u32(name).ok().flatten();
        OpusParams {
            stereo: p.flag("stereo"),
            sprop_stereo: p.flag("sprop-stereo"),
            useinbandfec: p.flag("useinbandfec"),
            usedtx: p.flag("usedtx"),
            cbr: p.flag("cbr"),
            maxplaybackrate: number("maxplaybackrate"),
            maxaveragebitrate: number("maxaveragebitrate"),
            minptime: number("minptime"),
        }
    }
}

/// The fmtp we announce for Opus: 10 ms packets and up, in-band FEC.
pub const OUR_FMTP: &str = "minptime=10;useinbandfec=1";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_preferences() {
        let p = OpusParams::from_fmtp(Some(
            "minptime=10;useinbandfec=1;stereo=1;maxaveragebitrate=x;maxplaybackrate=16000",
        ));
        assert!(p.useinbandfec && p.stereo && !p.usedtx);
        assert_eq!(p.minptime, Some(10));
        assert_eq!(p.maxaveragebitrate, None);
        assert_eq!(p.maxplaybackrate, Some(16000));
        assert_eq!(OpusParams::from_fmtp(None), OpusParams::default());
    }
}
