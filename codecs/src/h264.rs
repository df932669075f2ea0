//! H.264 in SDP (RFC 6184): `profile-level-id`, the level limits of H.264
//! Table A-1, the receiver parameters (`max-fs`, `max-mbps`, `max-br`, ...)
//! and the offer/answer rules of RFC 6184 §8.2.2.

use std::fmt;

use crate::catalogue::Capabilities;
use crate::fmtp::FmtpParams;
use crate::resolution::{self, Limits};
use crate::CodecError;

const BASELINE_IDC: u8 = 66;
const MAIN_IDC: u8 = 77;
const EXTENDED_IDC: u8 = 88;
const HIGH_IDC: u8 = 100;
const HIGH10_IDC: u8 = 110;
const HIGH422_IDC: u8 = 122;
const HIGH444_IDC: u8 = 244;
const CAVLC444_IDC: u8 = 44;

/// constraint_set0..5 flags in the profile-iop byte.
const CS0: u8 = 0x80;
const CS1: u8 = 0x40;
const CS3: u8 = 0x10;
const CS4: u8 = 0x08;
const CS5: u8 = 0x04;

/// H.264 profiles as RFC 6184 Table 5 and RFC 7742 name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum H264Profile {
    ConstrainedBaseline,
    Baseline,
    Main,
    Extended,
    High,
    ConstrainedHigh,
    High10,
    High422,
    High444,
}

impl H264Profile {
    /// The profile of a profile_idc / profile-iop pair (RFC 6184 Table 5).
    pub fn from_idc(profile_idc: u8, iop: u8) -> Option<H264Profile> {
        Some(match profile_idc {
            BASELINE_IDC if iop & CS1 != 0 => H264Profile::ConstrainedBaseline,
            BASELINE_IDC => H264Profile::Baseline,
            MAIN_IDC if iop & CS0 != 0 => H264Profile::ConstrainedBaseline,
            MAIN_IDC => H264Profile::Main,
            EXTENDED_IDC if iop & (CS0 | CS1) == CS0 | CS1 => H264Profile::ConstrainedBaseline,
            EXTENDED_IDC if iop & CS0 != 0 => H264Profile::Baseline,
            EXTENDED_IDC => H264Profile::Extended,
            HIGH_IDC if iop & (CS4 | CS5) == CS4 | CS5 => H264Profile::ConstrainedHigh,
            HIGH_IDC => H264Profile::High,
            HIGH10_IDC => H264Profile::High10,
            HIGH422_IDC => H264Profile::High422,
            HIGH444_IDC | CAVLC444_IDC => H264Profile::High444,
            _ => return None,
        })
    }

    /// The usual profile_idc / profile-iop we announce for the profile.
    pub fn idc(self) -> (u8, u8) {
        match self {
            H264Profile::ConstrainedBaseline => (BASELINE_IDC, 0xe0),
            H264Profile::Baseline => (BASELINE_IDC, 0x00),
            H264Profile::Main => (MAIN_IDC, 0x00),
            H264Profile::Extended => (EXTENDED_IDC, 0x00),
            H264Profile::High => (HIGH_IDC, 0x00),
            H264Profile::ConstrainedHigh => (HIGH_IDC, 0x0c),
            H264Profile::High10 => (HIGH10_IDC, 0x00),
            H264Profile::High422 => (HIGH422_IDC, 0x00),
            H264Profile::High444 => (HIGH444_IDC, 0x00),
        }
    }
}

/// Levels of H.264 Table A-1, in increasing order (1b sits between 1 and
/// 1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    L1,
    L1b,
    L1_1,
    L1_2,
    L1_3,
    L2,
    L2_1,
    L2_2,
    L3,
    L3_1,
    L3_2,
    L4,
    L4_1,
    L4_2,
    L5,
    L5_1,
    L5_2,
    L6,
    L6_1,
    L6_2,
}

/// The limits of one level (H.264 Table A-1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LevelLimits {
    /// Macroblocks per second.
    pub max_mbps: u32,
    /// Macroblocks per frame.
    pub max_fs: u32,
    /// Decoded picture buffer, in macroblocks.
    pub max_dpb_mbs: u32,
    /// Bit rate in units of cpbBrVclFactor bit/s (1000 for the Baseline,
    /// Main and Extended profiles, 1250 for High; Table A-2).
    pub max_br: u32,
    /// Coded picture buffer, in the same units.
    pub max_cpb: u32,
}

/// (level, level_idc, MaxMBPS, MaxFS, MaxDpbMbs, MaxBR, MaxCPB)
const TABLE: [(Level, u8, u32, u32, u32, u32, u32); 20] = [
    (Level::L1, 10, 1_485, 99, 396, 64, 175),
    (Level::L1b, 11, 1_485, 99, 396, 128, 350),
    (Level::L1_1, 11, 3_000, 396, 900, 192, 500),
    (Level::L1_2, 12, 6_000, 396, 2_376, 384, 1_000),
    (Level::L1_3, 13, 11_880, 396, 2_376, 768, 2_000),
    (Level::L2, 20, 11_880, 396, 2_376, 2_000, 2_000),
    (Level::L2_1, 21, 19_800, 792, 4_752, 4_000, 4_000),
    (Level::L2_2, 22, 20_250, 1_620, 8_100, 4_000, 4_000),
    (Level::L3, 30, 40_500, 1_620, 8_100, 10_000, 10_000),
    (Level::L3_1, 31, 108_000, 3_600, 18_000, 14_000, 14_000),
    (Level::L3_2, 32, 216_000, 5_120, 20_480, 20_000, 20_000),
    (Level::L4, 40, 245_760, 8_192, 32_768, 20_000, 25_000),
    (Level::L4_1, 41, 245_760, 8_192, 32_768, 50_000, 62_500),
    (Level::L4_2, 42, 522_240, 8_704, 34_816, 50_000, 62_500),
    (Level::L5, 50, 589_824, 22_080, 110_400, 135_000, 135_000),
    (Level::L5_1, 51, 983_040, 36_864, 184_320, 240_000, 240_000),
    (
        Level::L5_2,
        52,
        2_073_600,
        36_864,
        184_320,
        240_000,
        240_000,
    ),
    (Level::L6, 60, 4_177_920, 139_264, 696_320, 240_000, 240_000),
    (
        Level::L6_1,
        61,
        8_355_840,
        139_264,
        696_320,
        480_000,
        480_000,
    ),
    (
        Level::L6_2,
        62,
        16_711_680,
        139_264,
        696_320,
        800_000,
        800_000,
    ),
];

impl Level {
    fn row(self) -> (Level, u8, u32, u32, u32, u32, u32) {
        TABLE
            .iter()
            .copied()
            .find(|r| r.0 == self)
            .unwrap_or(TABLE[0])
    }

    pub fn limits(self) -> LevelLimits {
        let (_, _, max_mbps, max_fs, max_dpb_mbs, max_br, max_cpb) = self.row();
        LevelLimits {
            max_mbps,
            max_fs,
            max_dpb_mbs,
            max_br,
            max_cpb,
        }
    }

    /// The level of a plain level_idc (1b aside), rounding an unknown value
    /// down to the level below it: a receiver is never assumed to take more
    /// than it said.
    pub fn from_idc(level_idc: u8) -> Level {
        if level_idc == 9 {
            return Level::L1b;
        }
        TABLE
            .iter()
            .filter(|r| r.0 != Level::L1b && r.1 <= level_idc)
            .map(|r| r.0)
            .next_back()
            .unwrap_or(Level::L1)
    }

    /// level_idc as written in profile-level-id (1b has two spellings).
    pub fn idc(self) -> u8 {
        self.row().1
    }

    /// The name, e.g. "3.1" or "1b".
    pub fn name(self) -> String {
        match self {
            Level::L1b => "1b".to_string(),
            other => {
                let idc = other.idc();
                if idc % 10 == 0 {
                    format!("{}", idc / 10)
                } else {
                    format!("{}.{}", idc / 10, idc % 10)
                }
            }
        }
    }
}

fn is_baseline_main_extended(profile_idc: u8) -> bool {
    matches!(profile_idc, BASELINE_IDC | MAIN_IDC | EXTENDED_IDC)
}

/// `profile-level-id`: profile_idc, profile-iop (the constraint flags) and
/// level_idc, written as 6 hex digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ProfileLevelId {
    pub profile_idc: u8,
    pub profile_iop: u8,
    pub level_idc: u8,
}

impl ProfileLevelId {
    /// The value RFC 6184 §8.1 implies when the parameter is absent:
    /// Baseline, level 1.
    pub const DEFAULT: ProfileLevelId = ProfileLevelId {
        profile_idc: BASELINE_IDC,
        profile_iop: 0x00,
        level_idc: 10,
    };

    pub fn parse(s: &str) -> Result<ProfileLevelId, CodecError> {
        let s = s.trim();
        let bad = || CodecError::fmtp("H264", format!("invalid profile-level-id {s:?}"));
        if s.len() != 6 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(bad());
        }
        let byte = |i: usize| {
            s.get(i..i + 2)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(bad)
        };
        Ok(ProfileLevelId {
            profile_idc: byte(0)?,
            profile_iop: byte(2)?,
            level_idc: byte(4)?,
        })
    }

    pub fn new(profile: H264Profile, level: Level) -> ProfileLevelId {
        let (profile_idc, profile_iop) = profile.idc();
        ProfileLevelId {
            profile_idc,
            profile_iop,
            level_idc: 0,
        }
        .with_level(level)
    }

    pub fn profile(&self) -> Option<H264Profile> {
        H264Profile::from_idc(self.profile_idc, self.profile_iop)
    }

    /// Level 1b is level_idc 11 with constraint_set3 in the Baseline, Main
    /// and Extended profiles, level_idc 9 in the others.
    pub fn level(&self) -> Level {
        if self.level_idc == 11
            && self.profile_iop & CS3 != 0
            && is_baseline_main_extended(self.profile_idc)
        {
            Level::L1b
        } else {
            Level::from_idc(self.level_idc)
        }
    }

    /// The same profile at another level, with constraint_set3 adjusted so
    /// that level 1.1 is never read as 1b and 1b is spelled right.
    pub fn with_level(self, level: Level) -> ProfileLevelId {
        let mut out = self;
        let bme = is_baseline_main_extended(self.profile_idc);
        match level {
            Level::L1b if bme => {
                out.level_idc = 11;
                out.profile_iop |= CS3;
            }
            Level::L1b => out.level_idc = 9,
            other => {
                out.level_idc = other.idc();
                if bme && other == Level::L1_1 {
                    out.profile_iop &= !CS3;
                }
            }
        }
        out
    }
}

impl fmt::Display for ProfileLevelId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:02x}{:02x}{:02x}",
            self.profile_idc, self.profile_iop, self.level_idc
        )
    }
}

/// The H.264 parameters of one payload type: on a peer's line, what the
/// peer can receive (what we may send to it); on ours, what we receive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct H264Params {
    pub profile_idc: u8,
    /// constraint_set flags (profile-iop).
    pub profile_iop: u8,
    pub level_idc: u8,
    /// 0: single NAL unit, 1: non-interleaved (FU-A, STAP-A).
    pub packetization_mode: u8,
    pub level_asymmetry_allowed: bool,
    /// Macroblocks per frame beyond the level.
    pub max_fs: Option<u32>,
    /// Macroblocks per second beyond the level.
    pub max_mbps: Option<u32>,
    /// Bit rate in units of 1000 bit/s (VCL HRD).
    pub max_br: Option<u32>,
    /// Static macroblocks per second.
    pub max_smbps: Option<u32>,
    /// Decoded picture buffer in units of 8/3 macroblocks (RFC 6184 §8.1).
    pub max_dpb: Option<u32>,
    pub max_cpb: Option<u32>,
    /// The sender's SPS/PPS (base64, comma separated), if announced.
    pub sprop_parameter_sets: Option<String>,
}

impl H264Params {
    /// The parameters of a payload type from its fmtp (absent fmtp: the
    /// RFC 6184 defaults, Baseline level 1 in packetization mode 0).
    pub fn from_fmtp(fmtp: Option<&str>) -> Result<H264Params, CodecError> {
        let p = FmtpParams::parse(fmtp.unwrap_or_default());
        let plid = match p.get("profile-level-id") {
            Some(v) => ProfileLevelId::parse(v)?,
            None => ProfileLevelId::DEFAULT,
        };
        let number = |name: &str| p.get_u32(name).map_err(|e| CodecError::fmtp("H264", e));
        let packetization_mode = match number("packetization-mode")? {
            None => 0,
            Some(m @ 0..=2) => m as u8,
            Some(m) => {
                return Err(CodecError::fmtp(
                    "H264",
                    format!("invalid packetization-mode {m}"),
                ))
            }
        };
        Ok(H264Params {
            profile_idc: plid.profile_idc,
            profile_iop: plid.profile_iop,
            level_idc: plid.level_idc,
            packetization_mode,
            level_asymmetry_allowed: p.flag("level-asymmetry-allowed"),
            max_fs: number("max-fs")?,
            max_mbps: number("max-mbps")?,
            max_br: number("max-br")?,
            max_smbps: number("max-smbps")?,
            max_dpb: number("max-dpb")?,
            max_cpb: number("max-cpb")?,
            sprop_parameter_sets: p.get("sprop-parameter-sets").map(str::to_string),
        })
    }

    /// Plain parameters for a profile-level-id and packetization mode.
    pub fn new(plid: ProfileLevelId, packetization_mode: u8) -> H264Params {
        H264Params {
            profile_idc: plid.profile_idc,
            profile_iop: plid.profile_iop,
            level_idc: plid.level_idc,
            packetization_mode,
            level_asymmetry_allowed: false,
            max_fs: None,
            max_mbps: None,
            max_br: None,
            max_smbps: None,
            max_dpb: None,
            max_cpb: None,
            sprop_parameter_sets: None,
        }
    }

    pub fn profile_level_id(&self) -> ProfileLevelId {
        ProfileLevelId {
            profile_idc: self.profile_idc,
            profile_iop: self.profile_iop,
            level_idc: self.level_idc,
        }
    }

    pub fn profile(&self) -> Option<H264Profile> {
        self.profile_level_id().profile()
    }

    pub fn level(&self) -> Level {
        self.profile_level_id().level()
    }

    fn set_level(&mut self, level: Level) {
        let plid = self.profile_level_id().with_level(level);
        self.profile_iop = plid.profile_iop;
        self.level_idc = plid.level_idc;
    }

    /// Macroblocks per frame the receiver takes: `max-fs`, else the
    /// level's. An explicit value below the level's (which RFC 6184 does not
    /// allow) is obeyed anyway: the receiver said so.
    pub fn effective_max_fs(&self) -> u32 {
        self.max_fs.unwrap_or(self.level().limits().max_fs)
    }

    /// Macroblocks per second the receiver takes: `max-mbps`, else the
    /// level's.
    pub fn effective_max_mbps(&self) -> u32 {
        self.max_mbps.unwrap_or(self.level().limits().max_mbps)
    }

    /// Bit rate the receiver takes in kbit/s: `max-br`, else the level's
    /// MaxBR scaled by the profile's cpbBrVclFactor (H.264 Table A-2).
    pub fn effective_max_br_kbps(&self) -> u32 {
        if let Some(br) = self.max_br {
            return br;
        }
        let factor = match self.profile_idc {
            HIGH_IDC => 1250,
            HIGH10_IDC => 3000,
            HIGH422_IDC | HIGH444_IDC | CAVLC444_IDC => 4000,
            _ => 1000,
        };
        let kbps = u64::from(self.level().limits().max_br) * factor / 1000;
        u32::try_from(kbps).unwrap_or(u32::MAX)
    }

    /// The largest picture of the preferred shape (16:9 or 4:3), no larger
    /// than `prefer_w` x `prefer_h`, and the frame rate (at most `fps`) to
    /// send to this receiver. See [`resolution::pick`].
    pub fn max_resolution(&self, prefer_w: u32, prefer_h: u32, fps: u32) -> (u32, u32, u32) {
        let limits = Limits {
            max_fs: u64::from(self.effective_max_fs()),
            max_mbps: Some(u64::from(self.effective_max_mbps())),
            max_fps: None,
        };
        resolution::pick(&limits, prefer_w, prefer_h, fps)
    }

    /// The fmtp parameter string for these parameters.
    pub fn to_fmtp(&self) -> String {
        let mut p = FmtpParams::new();
        p.push("profile-level-id", self.profile_level_id());
        p.push("packetization-mode", self.packetization_mode);
        if self.level_asymmetry_allowed {
            p.push("level-asymmetry-allowed", 1);
        }
        let limits = [
            ("max-mbps", self.max_mbps),
            ("max-smbps", self.max_smbps),
            ("max-fs", self.max_fs),
            ("max-cpb", self.max_cpb),
            ("max-dpb", self.max_dpb),
            ("max-br", self.max_br),
        ];
        for (name, value) in limits {
            if let Some(v) = value {
                p.push(name, v);
            }
        }
        if let Some(sprop) = &self.sprop_parameter_sets {
            p.push("sprop-parameter-sets", sprop);
        }
        p.to_string()
    }
}

/// The highest level we handle, from the capabilities.
fn our_level(caps: &Capabilities) -> Level {
    Level::from_idc(caps.h264_max_level_idc)
}

/// Whether we negotiate this payload type at all: a profile we can encode
/// and a packetization mode we do (interleaved mode 2 is not supported).
pub fn acceptable(params: &H264Params, caps: &Capabilities) -> bool {
    params.packetization_mode <= 1
        && caps
            .h264_packetization_modes
            .contains(&params.packetization_mode)
        && params
            .profile()
            .is_some_and(|p| caps.h264_profiles.contains(&p))
}

/// What we announce to receive at a level: the level, and for HD the
/// explicit max-fs/max-mbps (Polycom DMA refuses HD without max-fs); never
/// below the level's own values, as RFC 6184 §8.1 requires.
fn announce_receive_limits(ours: &mut H264Params, level: Level, caps: &Capabilities) {
    if level < Level::L3_1 {
        return;
    }
    let ceiling = our_level(caps).max(level).limits();
    let at_level = level.limits();
    ours.max_fs = Some(
        caps.h264_max_fs
            .unwrap_or(ceiling.max_fs)
            .max(at_level.max_fs),
    );
    ours.max_mbps = Some(
        caps.h264_max_mbps
            .unwrap_or(ceiling.max_mbps)
            .max(at_level.max_mbps),
    );
}

/// Answer an offered H.264 payload type (RFC 6184 §8.2.2). Returns our
/// parameters (what we receive, for the answer's fmtp) and the peer's (what
/// it receives), or `None` when we cannot take this payload type.
///
/// The profile is answered as offered (we can encode every profile we
/// accept), the packetization mode unchanged, the level the lower of the
/// offered one and ours. With `level-asymmetry-allowed` the peer still
/// receives at its offered level; otherwise at the answered one.
pub fn answer(offered: &H264Params, caps: &Capabilities) -> Option<(H264Params, H264Params)> {
    if !acceptable(offered, caps) {
        return None;
    }
    let level = offered.level().min(our_level(caps));
    let mut ours = H264Params::new(offered.profile_level_id(), offered.packetization_mode);
    ours.set_level(level);
    ours.level_asymmetry_allowed = offered.level_asymmetry_allowed;
    announce_receive_limits(&mut ours, level, caps);

    let mut peer = offered.clone();
    if !offered.level_asymmetry_allowed {
        peer.set_level(level);
    }
    Some((ours, peer))
}

/// Our offered parameters for one packetization mode: the first profile of
/// the capabilities (Constrained Baseline by default, which every H.264
/// endpoint decodes), our level, level asymmetry allowed.
pub fn offer(caps: &Capabilities, packetization_mode: u8) -> H264Params {
    let profile = caps
        .h264_profiles
        .first()
        .copied()
        .unwrap_or(H264Profile::ConstrainedBaseline);
    let level = our_level(caps);
    let mut ours = H264Params::new(ProfileLevelId::new(profile, level), packetization_mode);
    ours.level_asymmetry_allowed = true;
    announce_receive_limits(&mut ours, level, caps);
    ours
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(fmtp: &str) -> H264Params {
        H264Params::from_fmtp(Some(fmtp)).unwrap()
    }

    #[test]
    fn profiles() {
        let p = |s: &str| ProfileLevelId::parse(s).unwrap().profile();
        assert_eq!(p("42e01f"), Some(H264Profile::ConstrainedBaseline));
        assert_eq!(p("42c01e"), Some(H264Profile::ConstrainedBaseline));
        assert_eq!(p("4d801f"), Some(H264Profile::ConstrainedBaseline));
        assert_eq!(p("42800d"), Some(H264Profile::Baseline));
        assert_eq!(p("42001f"), Some(H264Profile::Baseline));
        assert_eq!(p("4d001f"), Some(H264Profile::Main));
        assert_eq!(p("58001f"), Some(H264Profile::Extended));
        assert_eq!(p("58801f"), Some(H264Profile::Baseline));
        assert_eq!(p("64001f"), Some(H264Profile::High));
        assert_eq!(p("640c1f"), Some(H264Profile::ConstrainedHigh));
        assert_eq!(p("6e001f"), Some(H264Profile::High10));
        assert_eq!(p("f4001f"), Some(H264Profile::High444));
        assert_eq!(p("53001f"), None);
    }

    #[test]
    fn profile_level_id_syntax() {
        assert!(ProfileLevelId::parse("42e01").is_err());
        assert!(ProfileLevelId::parse("42e01g").is_err());
        assert!(ProfileLevelId::parse("42e01fff").is_err());
        assert!(ProfileLevelId::parse("é2e01f").is_err());
        let plid = ProfileLevelId::parse(" 42E01F ").unwrap();
        assert_eq!(plid.to_string(), "42e01f");
        assert_eq!(
            ProfileLevelId::new(H264Profile::High, Level::L4).to_string(),
            "640028"
        );
    }

    #[test]
    fn levels() {
        let l = |s: &str| ProfileLevelId::parse(s).unwrap().level();
        assert_eq!(l("42e01f"), Level::L3_1);
        assert_eq!(l("42800d"), Level::L1_3);
        assert_eq!(l("42f00b"), Level::L1b);
        assert_eq!(l("42e00b"), Level::L1_1);
        assert_eq!(l("640009"), Level::L1b);
        // constraint_set3 means intra-only in High 10 etc., not level 1b.
        assert_eq!(l("6e100b"), Level::L1_1);
        // Unknown values round down.
        assert_eq!(l("42e019"), Level::L2_2);
        assert_eq!(l("42e0ff"), Level::L6_2);
        assert_eq!(l("42e001"), Level::L1);
        assert!(Level::L1 < Level::L1b && Level::L1b < Level::L1_1);
        assert_eq!(Level::L3_1.name(), "3.1");
        assert_eq!(Level::L4.name(), "4");
        assert_eq!(Level::L1b.name(), "1b");
        assert_eq!(Level::L3_1.limits().max_fs, 3600);
        assert_eq!(Level::L3_1.limits().max_mbps, 108_000);
        assert_eq!(Level::L4_1.limits().max_br, 50_000);
        assert_eq!(Level::L1_3.limits().max_fs, 396);
    }

    #[test]
    fn with_level_spells_1b() {
        let base = ProfileLevelId::parse("42e01f").unwrap();
        assert_eq!(base.with_level(Level::L1b).to_string(), "42f00b");
        assert_eq!(
            base.with_level(Level::L1b)
                .with_level(Level::L1_1)
                .to_string(),
            "42e00b"
        );
        let high = ProfileLevelId::parse("64001f").unwrap();
        assert_eq!(high.with_level(Level::L1b).to_string(), "640009");
    }

    #[test]
    fn defaults_when_absent() {
        let p = H264Params::from_fmtp(None).unwrap();
        assert_eq!(p.profile_level_id().to_string(), "42000a");
        assert_eq!(p.packetization_mode, 0);
        assert_eq!(p.effective_max_fs(), 99);
        assert_eq!(p.max_resolution(704, 576, 30), (176, 144, 15));
    }

    #[test]
    fn fmtp_errors() {
        assert!(H264Params::from_fmtp(Some("profile-level-id=zz")).is_err());
        assert!(H264Params::from_fmtp(Some("packetization-mode=3")).is_err());
        assert!(H264Params::from_fmtp(Some("packetization-mode=x")).is_err());
        assert!(H264Params::from_fmtp(Some("profile-level-id=42e01f;max-fs=-1")).is_err());
        assert!(H264Params::from_fmtp(Some("profile-level-id=42e01f;max-fs=99999999999")).is_err());
    }

    #[test]
    fn receiver_limits_from_fmtp() {
        let p = params(
            "profile-level-id=64001f;max-fs=8160;max-mbps=245760;max-br=4096;packetization-mode=1",
        );
        assert_eq!(p.profile(), Some(H264Profile::High));
        assert_eq!(p.effective_max_fs(), 8160);
        assert_eq!(p.effective_max_mbps(), 245_760);
        assert_eq!(p.effective_max_br_kbps(), 4096);
        assert_eq!(p.max_resolution(1920, 1080, 30), (1920, 1080, 30));
        let p = params("profile-level-id=64001f");
        assert_eq!(p.effective_max_br_kbps(), 17_500);
        assert_eq!(p.max_resolution(1920, 1080, 30), (1280, 720, 30));
        let p = params("profile-level-id=42e01f");
        assert_eq!(p.effective_max_br_kbps(), 14_000);
    }

    #[test]
    fn polycom_vvx_level_1_3_is_cif() {
        let p = params("profile-level-id=42800d;packetization-mode=1");
        assert_eq!(p.level(), Level::L1_3);
        assert_eq!(p.max_resolution(1280, 720, 30), (384, 216, 30));
        assert_eq!(p.max_resolution(704, 576, 30), (352, 288, 30));
    }

    #[test]
    fn answer_takes_the_lower_level_and_same_profile() {
        let caps = Capabilities::default();
        let offered =
            params("profile-level-id=640028;packetization-mode=1;max-fs=8160;max-mbps=245760");
        let (ours, peer) = answer(&offered, &caps).unwrap();
        assert_eq!(ours.profile_level_id().to_string(), "64001f");
        assert_eq!(ours.packetization_mode, 1);
        assert_eq!(ours.max_fs, Some(3600));
        assert_eq!(ours.max_mbps, Some(108_000));
        assert_eq!(
            ours.to_fmtp(),
            "profile-level-id=64001f;packetization-mode=1;max-mbps=108000;max-fs=3600"
        );
        // Without level asymmetry the lower level binds both directions.
        assert_eq!(peer.level(), Level::L3_1);
        assert_eq!(peer.max_fs, Some(8160));

        let offered = params("profile-level-id=42800d;packetization-mode=0");
        let (ours, peer) = answer(&offered, &caps).unwrap();
        assert_eq!(
            ours.to_fmtp(),
            "profile-level-id=42800d;packetization-mode=0"
        );
        assert_eq!(peer.level(), Level::L1_3);
    }

    #[test]
    fn answer_with_level_asymmetry() {
        let caps = Capabilities::default();
        let offered =
            params("profile-level-id=42e028;packetization-mode=1;level-asymmetry-allowed=1");
        let (ours, peer) = answer(&offered, &caps).unwrap();
        assert_eq!(
            ours.to_fmtp(),
            "profile-level-id=42e01f;packetization-mode=1;level-asymmetry-allowed=1;max-mbps=108000;max-fs=3600"
        );
        assert_eq!(peer.level(), Level::L4);
    }

    #[test]
    fn answer_refuses_what_we_do_not_do() {
        let caps = Capabilities::default();
        assert!(answer(
            &params("profile-level-id=42e01f;packetization-mode=2"),
            &caps
        )
        .is_none());
        assert!(answer(
            &params("profile-level-id=f4001f;packetization-mode=1"),
            &caps
        )
        .is_none());
        let cb_only = Capabilities {
            h264_profiles: vec![H264Profile::ConstrainedBaseline],
            h264_packetization_modes: vec![1],
            ..Capabilities::default()
        };
        assert!(answer(
            &params("profile-level-id=64001f;packetization-mode=1"),
            &cb_only
        )
        .is_none());
        assert!(answer(
            &params("profile-level-id=42e01f;packetization-mode=0"),
            &cb_only
        )
        .is_none());
        assert!(answer(
            &params("profile-level-id=42e01f;packetization-mode=1"),
            &cb_only
        )
        .is_some());
    }

    #[test]
    fn explicit_receive_limits_beyond_the_level() {
        let caps = Capabilities {
            h264_max_fs: Some(8160),
            h264_max_mbps: Some(245_760),
            ..Capabilities::default()
        };
        let ours = offer(&caps, 1);
        assert_eq!(
            ours.to_fmtp(),
            "profile-level-id=42e01f;packetization-mode=1;level-asymmetry-allowed=1;max-mbps=245760;max-fs=8160"
        );
        let low = Capabilities {
            h264_max_level_idc: 30,
            ..Capabilities::default()
        };
        assert_eq!(
            offer(&low, 0).to_fmtp(),
            "profile-level-id=42e01e;packetization-mode=0;level-asymmetry-allowed=1"
        );
    }
}
