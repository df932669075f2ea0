//! H.263 picture sizes in SDP: `SQCIF/QCIF/CIF/CIF4/CIF16=<MPI>` and
//! `CUSTOM=<x>,<y>,<MPI>` (RFC 4629 §8.1 for H263-1998/2000, §8.2 for the
//! RFC 2190 "H263" format), the H.263 Annex X `PROFILE`/`LEVEL` pair, and
//! the answer rule: the sizes both sides take, each at the larger MPI.
//!
//! MPI is the minimum picture interval in units of 1/29.97 s: MPI 1 is
//! 30 fps, 2 is 15 fps.

use std::fmt;

use crate::fmtp::FmtpParams;

/// The standard H.263 source formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum H263Size {
    Sqcif,
    Qcif,
    Cif,
    Cif4,
    Cif16,
}

impl H263Size {
    /// Smallest first.
    pub const ALL: [H263Size; 5] = [
        H263Size::Sqcif,
        H263Size::Qcif,
        H263Size::Cif,
        H263Size::Cif4,
        H263Size::Cif16,
    ];

    pub fn dimensions(self) -> (u32, u32) {
        match self {
            H263Size::Sqcif => (128, 96),
            H263Size::Qcif => (176, 144),
            H263Size::Cif => (352, 288),
            H263Size::Cif4 => (704, 576),
            H263Size::Cif16 => (1408, 1152),
        }
    }

    /// The fmtp parameter name.
    pub fn name(self) -> &'static str {
        match self {
            H263Size::Sqcif => "SQCIF",
            H263Size::Qcif => "QCIF",
            H263Size::Cif => "CIF",
            H263Size::Cif4 => "CIF4",
            H263Size::Cif16 => "CIF16",
        }
    }

    pub fn from_name(name: &str) -> Option<H263Size> {
        H263Size::ALL
            .into_iter()
            .find(|s| s.name().eq_ignore_ascii_case(name))
    }
}

/// A `CUSTOM=<x>,<y>,<MPI>` picture size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CustomSize {
    pub width: u16,
    pub height: u16,
    pub mpi: u8,
}

/// Valid MPI values (RFC 4629: 1 to 32).
fn valid_mpi(mpi: u32) -> Option<u8> {
    u8::try_from(mpi).ok().filter(|m| (1..=32).contains(m))
}

/// Frames per second at an MPI (29.97 / MPI, rounded down, at least 1).
pub fn mpi_fps(mpi: u8) -> u32 {
    (30 / u32::from(mpi.max(1))).max(1)
}

/// A set of picture sizes with their MPI.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct H263Sizes {
    /// Standard sizes, smallest first, each at most once.
    pub standard: Vec<(H263Size, u8)>,
    pub custom: Vec<CustomSize>,
}

impl H263Sizes {
    /// Every standard size up to `largest`, all at one MPI.
    pub fn up_to(largest: H263Size, mpi: u8) -> H263Sizes {
        let mpi = mpi.clamp(1, 32);
        H263Sizes {
            standard: H263Size::ALL
                .into_iter()
                .filter(|s| *s <= largest)
                .map(|s| (s, mpi))
                .collect(),
            custom: Vec::new(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.standard.is_empty() && self.custom.is_empty()
    }

    /// The MPI of a standard size, if present.
    pub fn mpi(&self, size: H263Size) -> Option<u8> {
        self.standard
            .iter()
            .find(|(s, _)| *s == size)
            .map(|(_, m)| *m)
    }

    fn set(&mut self, size: H263Size, mpi: u8) {
        match self.standard.iter_mut().find(|(s, _)| *s == size) {
            Some(entry) => entry.1 = mpi,
            None => {
                self.standard.push((size, mpi));
                self.standard.sort();
            }
        }
    }

    /// The sizes both sets contain, each at the larger (slower) MPI of the
    /// two, so that both ends can keep up.
    pub fn intersection(&self, other: &H263Sizes) -> H263Sizes {
        let standard = self
            .standard
            .iter()
            .filter_map(|(size, mpi)| other.mpi(*size).map(|m| (*size, (*mpi).max(m))))
            .collect();
        let custom = self
            .custom
            .iter()
            .filter_map(|c| {
                other
                    .custom
                    .iter()
                    .find(|o| o.width == c.width && o.height == c.height)
                    .map(|o| CustomSize {
                        mpi: c.mpi.max(o.mpi),
                        ..*c
                    })
            })
            .collect();
        H263Sizes { standard, custom }
    }

    /// Every size with its dimensions and frame rate.
    fn all(&self) -> impl Iterator<Item = (u32, u32, u32)> + '_ {
        let standard = self.standard.iter().map(|(s, mpi)| {
            let (w, h) = s.dimensions();
            (w, h, mpi_fps(*mpi))
        });
        let custom = self
            .custom
            .iter()
            .map(|c| (u32::from(c.width), u32::from(c.height), mpi_fps(c.mpi)));
        standard.chain(custom)
    }

    /// The largest size no larger than `prefer_w` x `prefer_h` (0 means no
    /// preference) and its frame rate (at most `fps`), trading frame rate
    /// for size as `resolution::pick` does; the smallest size when none is
    /// small enough; QCIF at `fps` for an empty set (every H.263 decoder
    /// takes QCIF, H.263 §4.1).
    pub fn max_resolution(&self, prefer_w: u32, prefer_h: u32, fps: u32) -> (u32, u32, u32) {
        let fps = fps.max(1);
        let (pw, ph) = if prefer_w == 0 || prefer_h == 0 {
            (u32::MAX, u32::MAX)
        } else {
            (prefer_w, prefer_h)
        };
        let mut sizes: Vec<(u32, u32, u32)> =
            self.all().map(|(w, h, f)| (w, h, f.min(fps))).collect();
        // Largest area first; faster first among equals.
        sizes.sort_by_key(|&(w, h, f)| std::cmp::Reverse((u64::from(w) * u64::from(h), f)));
        let within: Vec<_> = sizes
            .iter()
            .copied()
            .filter(|&(w, h, _)| w <= pw && h <= ph)
            .collect();
        let threshold = crate::resolution::min_acceptable_fps(fps);
        within
            .iter()
            .copied()
            .find(|s| s.2 >= threshold)
            .or_else(|| within.iter().copied().max_by_key(|s| s.2))
            .or_else(|| sizes.last().copied())
            .unwrap_or((176, 144, fps.min(30)))
    }
}

/// H.263 Annex X levels as picture sizes, for an fmtp with `LEVEL` but no
/// sizes (the level's largest format and rate; lower levels round down).
fn level_sizes(level: u32) -> H263Sizes {
    let mut s = H263Sizes::default();
    let entries: &[(H263Size, u8)] = match level {
        0..=19 => &[(H263Size::Sqcif, 2), (H263Size::Qcif, 2)],
        20..=29 => &[
            (H263Size::Sqcif, 1),
            (H263Size::Qcif, 1),
            (H263Size::Cif, 2),
        ],
        45..=49 => &[(H263Size::Sqcif, 2), (H263Size::Qcif, 2)],
        30..=44 | 50..=69 => &[
            (H263Size::Sqcif, 1),
            (H263Size::Qcif, 1),
            (H263Size::Cif, 1),
        ],
        _ => &[
            (H263Size::Sqcif, 1),
            (H263Size::Qcif, 1),
            (H263Size::Cif, 1),
            (H263Size::Cif4, 1),
        ],
    };
    for (size, mpi) in entries {
        s.set(*size, *mpi);
    }
    s
}

/// The H.263 parameters of one payload type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct H263Params {
    pub sizes: H263Sizes,
    /// `MAXBR`, in units of 100 bit/s.
    pub max_br: Option<u32>,
    /// Annex X profile and level, if given.
    pub profile: Option<u32>,
    pub level: Option<u32>,
}

impl H263Params {
    /// Parse an fmtp. Malformed size entries are skipped rather than
    /// refused: H.263 is the fallback of last resort and should survive a
    /// sloppy fmtp. Without any size, the `LEVEL`'s sizes apply, and without
    /// a level SQCIF and QCIF, which every H.263 decoder takes.
    pub fn from_fmtp(fmtp: Option<&str>) -> H263Params {
        let p = FmtpParams::parse(fmtp.unwrap_or_default());
        let mut sizes = H263Sizes::default();
        for (name, value) in p.iter() {
            if let Some(size) = H263Size::from_name(name) {
                if let Some(mpi) = value.parse().ok().and_then(valid_mpi) {
                    sizes.set(size, mpi);
                }
            } else if name.eq_ignore_ascii_case("CUSTOM") {
                if let Some(c) = parse_custom(value) {
                    sizes.custom.push(c);
                }
            }
        }
        let number = |name: &str| p.get_u32(name).ok().flatten();
        let level = number("LEVEL");
        if sizes.is_empty() {
            sizes = match level {
                Some(l) => level_sizes(l),
                None => H263Sizes {
                    standard: vec![(H263Size::Sqcif, 1), (H263Size::Qcif, 1)],
                    custom: Vec::new(),
                },
            };
        }
        H263Params {
            sizes,
            max_br: number("MAXBR"),
            profile: number("PROFILE"),
            level,
        }
    }

    pub fn new(sizes: H263Sizes) -> H263Params {
        H263Params {
            sizes,
            max_br: None,
            profile: None,
            level: None,
        }
    }

    /// See [`H263Sizes::max_resolution`].
    pub fn max_resolution(&self, prefer_w: u32, prefer_h: u32, fps: u32) -> (u32, u32, u32) {
        self.sizes.max_resolution(prefer_w, prefer_h, fps)
    }

    /// The fmtp parameter string: sizes largest first, as endpoints write
    /// them. Annexes are never announced: we do not use them.
    pub fn to_fmtp(&self) -> String {
        let mut p = FmtpParams::new();
        for (size, mpi) in self.sizes.standard.iter().rev() {
            p.push(size.name(), mpi);
        }
        for c in &self.sizes.custom {
            p.push("CUSTOM", format_args!("{},{},{}", c.width, c.height, c.mpi));
        }
        if let Some(br) = self.max_br {
            p.push("MAXBR", br);
        }
        p.to_string()
    }
}

/// `<x>,<y>,<MPI>`; x and y must be multiples of 4 (RFC 4629 §8.1.1).
fn parse_custom(value: &str) -> Option<CustomSize> {
    let mut parts = value.split(',').map(str::trim);
    let width: u16 = parts.next()?.parse().ok()?;
    let height: u16 = parts.next()?.parse().ok()?;
    let mpi = valid_mpi(parts.next()?.parse().ok()?)?;
    if parts.next().is_some()
        || width == 0
        || height == 0
        || !width.is_multiple_of(4)
        || !height.is_multiple_of(4)
    {
        return None;
    }
    Some(CustomSize { width, height, mpi })
}

/// Answer an offered H.263 payload type: our receivable sizes intersected
/// with the offered ones. Returns the answer's parameters (which also bound
/// what we send, so that endpoints that read the answer as symmetric are
/// safe) or `None` when no size is common.
pub fn answer(offered: &H263Params, ours: &H263Sizes) -> Option<H263Params> {
    let common = offered.sizes.intersection(ours);
    (!common.is_empty()).then(|| H263Params::new(common))
}

impl fmt::Display for H263Params {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_fmtp())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_sizes_and_custom() {
        let p = H263Params::from_fmtp(Some(
            "CIF=1;QCIF=1;SQCIF=1;CIF4=2;CUSTOM=1024,768,4;MAXBR=20000;F=1;I=1;J=1;T=1",
        ));
        assert_eq!(p.sizes.mpi(H263Size::Cif), Some(1));
        assert_eq!(p.sizes.mpi(H263Size::Cif4), Some(2));
        assert_eq!(p.sizes.mpi(H263Size::Cif16), None);
        assert_eq!(
            p.sizes.custom,
            [CustomSize {
                width: 1024,
                height: 768,
                mpi: 4
            }]
        );
        assert_eq!(p.max_br, Some(20000));
        assert_eq!(
            p.to_fmtp(),
            "CIF4=2;CIF=1;QCIF=1;SQCIF=1;CUSTOM=1024,768,4;MAXBR=20000"
        );
    }

    #[test]
    fn sloppy_entries_are_skipped() {
        let p = H263Params::from_fmtp(Some(
            "cif=1;QCIF=0;SQCIF=99;CIF4=x;CUSTOM=1023,768,1;CUSTOM=1,2",
        ));
        assert_eq!(p.sizes.standard, [(H263Size::Cif, 1)]);
        assert!(p.sizes.custom.is_empty());
    }

    #[test]
    fn defaults_without_sizes() {
        let p = H263Params::from_fmtp(None);
        assert_eq!(
            p.sizes.standard,
            [(H263Size::Sqcif, 1), (H263Size::Qcif, 1)]
        );
        let p = H263Params::from_fmtp(Some("PROFILE=0;LEVEL=10"));
        assert_eq!(p.sizes.mpi(H263Size::Qcif), Some(2));
        assert_eq!(p.sizes.mpi(H263Size::Cif), None);
        let p = H263Params::from_fmtp(Some("PROFILE=0;LEVEL=30"));
        assert_eq!(p.sizes.mpi(H263Size::Cif), Some(1));
        let p = H263Params::from_fmtp(Some("PROFILE=3;LEVEL=70"));
        assert_eq!(p.sizes.mpi(H263Size::Cif4), Some(1));
    }

    #[test]
    fn answer_is_the_intersection_at_the_larger_mpi() {
        let offered = H263Params::from_fmtp(Some("CIF16=2;CIF4=1;CIF=2;QCIF=1;CUSTOM=640,480,2"));
        let ours = H263Sizes::up_to(H263Size::Cif4, 1);
        let answer = answer(&offered, &ours).unwrap();
        assert_eq!(answer.to_fmtp(), "CIF4=1;CIF=2;QCIF=1");
        let only_huge = H263Params::from_fmtp(Some("CIF16=1"));
        assert!(super::answer(&only_huge, &ours).is_none());
    }

    #[test]
    fn resolution_choice() {
        let p = H263Params::from_fmtp(Some("CIF4=2;CIF=1;QCIF=1"));
        assert_eq!(p.max_resolution(1280, 720, 30), (704, 576, 15));
        assert_eq!(p.max_resolution(704, 576, 30), (704, 576, 15));
        assert_eq!(p.max_resolution(640, 480, 30), (352, 288, 30));
        assert_eq!(p.max_resolution(100, 100, 30), (176, 144, 30));
        let slow = H263Params::from_fmtp(Some("CIF=4;QCIF=1"));
        assert_eq!(slow.max_resolution(704, 576, 30), (176, 144, 30));
        assert_eq!(mpi_fps(1), 30);
        assert_eq!(mpi_fps(3), 10);
        assert_eq!(mpi_fps(32), 1);
    }
}
