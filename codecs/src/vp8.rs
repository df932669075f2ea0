//! VP8 in SDP (RFC 7741 §6.1): `max-fr` (frames per second) and `max-fs`
//! (frame size in 16x16 macroblocks) limit what a receiver takes.

use crate::fmtp::FmtpParams;
use crate::resolution::{self, Limits};
use crate::CodecError;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Vp8Params {
    pub max_fr: Option<u32>,
    pub max_fs: Option<u32>,
}

impl Vp8Params {
    pub fn from_fmtp(fmtp: Option<&str>) -> Result<Vp8Params, CodecError> {
        let p = FmtpParams::parse(fmtp.unwrap_or_default());
        let number = |name: &str| p.get_u32(name).map_err(|e| CodecError::fmtp("VP8", e));
        Ok(Vp8Params {
            max_fr: number("max-fr")?,
            max_fs: number("max-fs")?,
        })
    }

    /// The fmtp string, `None` when there is nothing to say.
    pub fn to_fmtp(&self) -> Option<String> {
        let mut p = FmtpParams::new();
        if let Some(fr) = self.max_fr {
            p.push("max-fr", fr);
        }
        if let Some(fs) = self.max_fs {
            p.push("max-fs", fs);
        }
        (!p.is_empty()).then(|| p.to_string())
    }

    /// The largest picture of the preferred shape and frame rate within
    /// `max-fs` and `max-fr`. Without limits VP8 takes anything; the
    /// preferred size then decides.
    pub fn max_resolution(&self, prefer_w: u32, prefer_h: u32, fps: u32) -> (u32, u32, u32) {
        let limits = Limits {
            max_fs: self.max_fs.map_or(u64::MAX / 8, u64::from),
            max_mbps: None,
            max_fps: self.max_fr,
        };
        resolution::pick(&limits, prefer_w, prefer_h, fps)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits() {
        let p = Vp8Params::from_fmtp(Some("max-fr=30;max-fs=3600")).unwrap();
        assert_eq!(p.max_resolution(1920, 1080, 30), (1280, 720, 30));
        assert_eq!(p.to_fmtp().as_deref(), Some("max-fr=30;max-fs=3600"));
        let p = Vp8Params::from_fmtp(Some("max-fs=1200;max-fr=15")).unwrap();
        assert_eq!(p.max_resolution(1280, 720, 30), (640, 360, 15));
        let open = Vp8Params::from_fmtp(None).unwrap();
        assert_eq!(open.max_resolution(1920, 1080, 30), (1920, 1080, 30));
        assert_eq!(open.to_fmtp(), None);
        assert!(Vp8Params::from_fmtp(Some("max-fs=big")).is_err());
    }
}
