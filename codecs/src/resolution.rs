//! Choosing the picture size and frame rate to send to a receiver from the
//! limits it announced (H.264 level / max-fs / max-mbps, VP8 max-fs /
//! max-fr), among the sizes room systems handle well.

/// 16:9 sizes, largest first.
const WIDE: &[(u32, u32)] = &[
    (3840, 2160),
    (2560, 1440),
    (1920, 1080),
    (1600, 900),
    (1280, 720),
    (1024, 576),
    (960, 540),
    (848, 480),
    (768, 432),
    (640, 360),
    (512, 288),
    (480, 270),
    (384, 216),
    (320, 180),
    (256, 144),
    (160, 90),
];

/// 4:3 sizes and the CIF family (11:9 with 12:11 pixels, shown as 4:3),
/// largest first.
const STANDARD: &[(u32, u32)] = &[
    (1600, 1200),
    (1408, 1152),
    (1280, 960),
    (1024, 768),
    (800, 600),
    (704, 576),
    (640, 480),
    (352, 288),
    (320, 240),
    (176, 144),
    (128, 96),
];

/// What a receiver can take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Macroblocks (16x16) per frame.
    pub max_fs: u64,
    /// Macroblocks per second, if limited.
    pub max_mbps: Option<u64>,
    /// Frames per second, if limited.
    pub max_fps: Option<u32>,
}

/// Macroblocks of a picture.
pub fn macroblocks(width: u32, height: u32) -> u64 {
    u64::from(width.div_ceil(16)) * u64::from(height.div_ceil(16))
}

/// Whether a picture fits the frame size limit. H.264 (A.3.1 f/g) also caps
/// each side at sqrt(8 * MaxFS) macroblocks, so that a tiny frame budget
/// cannot be spent on a 1-macroblock-high strip; VP8 receivers expect the
/// same (RFC 7741 §6.1 follows H.264 here).
fn fits(limits: &Limits, width: u32, height: u32) -> bool {
    let (w, h) = (
        u64::from(width.div_ceil(16)),
        u64::from(height.div_ceil(16)),
    );
    let side = limits.max_fs.saturating_mul(8);
    w * h <= limits.max_fs && w * w <= side && h * h <= side
}

fn frame_rate(limits: &Limits, width: u32, height: u32, wanted: u32) -> u32 {
    let mut fps = u64::from(wanted);
    if let Some(max) = limits.max_fps {
        fps = fps.min(u64::from(max));
    }
    if let Some(mbps) = limits.max_mbps {
        fps = fps.min(mbps / macroblocks(width, height).max(1));
    }
    u32::try_from(fps).unwrap_or(u32::MAX)
}

/// The lowest frame rate we accept in exchange for a larger picture when
/// aiming at `target`: three quarters of it, and never more than 15 fps
/// (CIF at 15 beats QCIF at 30 in a conference).
pub(crate) fn min_acceptable_fps(target: u32) -> u32 {
    target.saturating_mul(3).div_ceil(4).min(15)
}

/// The largest size of the preferred shape (16:9 when `prefer_w`/`prefer_h`
/// is wider than 4:3, else 4:3/CIF), no larger than the preferred size, that
/// the receiver can take at `fps`. A frame rate down to three quarters of
/// `fps` (15 at most) is traded for a larger picture: 848x480 at 25 rather
/// than 640x360 at 30.
/// When nothing reaches that, the smallest fitting size at the rate it
/// allows; when nothing fits at all, the smallest size at 1 fps or more.
pub fn pick(limits: &Limits, prefer_w: u32, prefer_h: u32, fps: u32) -> (u32, u32, u32) {
    let fps = fps.max(1);
    let (pw, ph) = if prefer_w == 0 || prefer_h == 0 {
        (u32::MAX, u32::MAX)
    } else {
        (prefer_w, prefer_h)
    };
    let wide = u64::from(pw) * 3 > u64::from(ph) * 4;
    let list = if wide { WIDE } else { STANDARD };
    // The rate aimed at: what was asked, capped by any frame rate limit.
    let target = limits.max_fps.map_or(fps, |max| fps.min(max.max(1)));
    let threshold = min_acceptable_fps(target);
    let candidates = || list.iter().copied().filter(|&(w, h)| w <= pw && h <= ph);

    let mut smallest_fitting = None;
    for (w, h) in candidates() {
        if !fits(limits, w, h) {
            continue;
        }
        let rate = frame_rate(limits, w, h, fps);
        if rate >= threshold {
            return (w, h, rate);
        }
        smallest_fitting = Some((w, h, rate.max(1)));
    }
    if let Some(found) = smallest_fitting {
        return found;
    }
    let (w, h) = candidates()
        .next_back()
        .or_else(|| list.last().copied())
        .unwrap_or((128, 96));
    (w, h, frame_rate(limits, w, h, fps).max(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h264(max_fs: u64, max_mbps: u64) -> Limits {
        Limits {
            max_fs,
            max_mbps: Some(max_mbps),
            max_fps: None,
        }
    }

    #[test]
    fn level_3_1_gives_720p30() {
        assert_eq!(pick(&h264(3600, 108_000), 1920, 1080, 30), (1280, 720, 30));
        assert_eq!(pick(&h264(3600, 108_000), 1280, 720, 60), (1280, 720, 30));
    }

    #[test]
    fn trades_some_frame_rate_for_size() {
        // Level 3: 848x480 at 25 rather than 640x360 at 30.
        assert_eq!(pick(&h264(1620, 40_500), 1280, 720, 30), (848, 480, 25));
        // ...but not half the frame rate.
        assert_eq!(pick(&h264(1620, 20_000), 1280, 720, 30), (768, 432, 15));
        assert_eq!(pick(&h264(1620, 10_000), 1280, 720, 30), (512, 288, 17));
    }

    #[test]
    fn cif_limits() {
        // Level 1.3: 396 macroblocks, 11880 per second.
        assert_eq!(pick(&h264(396, 11_880), 704, 576, 30), (352, 288, 30));
        assert_eq!(pick(&h264(396, 11_880), 1280, 720, 30), (384, 216, 30));
    }

    #[test]
    fn never_beyond_the_preferred_size() {
        assert_eq!(pick(&h264(36_864, 983_040), 1280, 720, 30), (1280, 720, 30));
        assert_eq!(pick(&h264(36_864, 983_040), 640, 480, 15), (640, 480, 15));
    }

    #[test]
    fn impossible_limits_still_give_a_size() {
        assert_eq!(pick(&h264(0, 0), 1280, 720, 30), (160, 90, 1));
        let (w, h, f) = pick(&h264(99, 100), 1280, 720, 30);
        assert!(w * h > 0 && f >= 1);
        assert_eq!(pick(&h264(3600, 108_000), 0, 0, 0).2, 1);
    }

    #[test]
    fn frame_rate_cap() {
        let vp8 = Limits {
            max_fs: 3600,
            max_mbps: None,
            max_fps: Some(15),
        };
        assert_eq!(pick(&vp8, 1920, 1080, 30), (1280, 720, 15));
        // A very thin frame budget is refused even when the area fits.
        assert!(!fits(&h264(99, 1485), 1280, 16));
    }
}
