//! Judging received audio: G.711 decoding of captured RTP, PCM out of the
//! WAV files baresip's `sndfile` filter writes, and the level of one tone
//! in a signal (Goertzel).

use std::f64::consts::PI;

/// ITU-T G.711 µ-law to linear PCM.
pub fn ulaw(b: u8) -> i16 {
    let b = !b;
    let sign = b & 0x80;
    let exponent = (b >> 4) & 0x07;
    let mantissa = i16::from(b & 0x0f);
    let magnitude = (((mantissa << 3) + 0x84) << exponent) - 0x84;
    if sign != 0 {
        -magnitude
    } else {
        magnitude
    }
}

/// ITU-T G.711 A-law to linear PCM.
pub fn alaw(b: u8) -> i16 {
    let b = b ^ 0x55;
    let sign = b & 0x80;
    let exponent = (b >> 4) & 0x07;
    let mantissa = i16::from(b & 0x0f);
    let magnitude = if exponent == 0 {
        (mantissa << 4) + 8
    } else {
        ((mantissa << 4) + 0x108) << (exponent - 1)
    };
    if sign != 0 {
        magnitude
    } else {
        -magnitude
    }
}

/// Amplitude of `freq` in `samples` taken at `rate` Hz (Goertzel, Hann
/// window): a full-scale sine of that frequency gives about its peak value.
pub fn tone_amplitude(samples: &[i16], rate: u32, freq: f64) -> f64 {
    let n = samples.len();
    if n == 0 || rate == 0 {
        return 0.0;
    }
    let w = 2.0 * PI * freq / f64::from(rate);
    let coeff = 2.0 * w.cos();
    let (mut s1, mut s2) = (0.0f64, 0.0f64);
    for (i, &x) in samples.iter().enumerate() {
        let hann = 0.5 - 0.5 * (2.0 * PI * i as f64 / n as f64).cos();
        let s = f64::from(x) * hann + coeff * s1 - s2;
        s2 = s1;
        s1 = s;
    }
    let power = (s1 * s1 + s2 * s2 - coeff * s1 * s2).max(0.0);
    4.0 * power.sqrt() / n as f64
}

/// Bytes from tshark's hex (`0a:1b...` or `0a1b...`).
pub fn unhex(s: &str) -> Vec<u8> {
    let s: String = s.chars().filter(|c| c.is_ascii_hexdigit()).collect();
    (0..s.len() / 2)
        .filter_map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).ok())
        .collect()
}

/// Sequence number and decoded samples of a G.711 RTP packet (PT 0 or 8);
/// `None` for anything else.
pub fn g711_samples(packet: &[u8]) -> Option<(u16, Vec<i16>)> {
    if packet.len() < 12 || packet[0] >> 6 != 2 {
        return None;
    }
    let csrc = usize::from(packet[0] & 0x0f);
    let pt = packet[1] & 0x7f;
    let seq = u16::from_be_bytes([packet[2], packet[3]]);
    let payload = packet.get(12 + 4 * csrc..)?;
    let decode: fn(u8) -> i16 = match pt {
        0 => ulaw,
        8 => alaw,
        _ => return None,
    };
    Some((seq, payload.iter().map(|b| decode(*b)).collect()))
}

/// 16-bit PCM from a WAV file.
#[derive(Debug, Clone, PartialEq)]
pub struct Wav {
    pub rate: u32,
    pub channels: u16,
    /// Interleaved.
    pub samples: Vec<i16>,
}

impl Wav {
    /// The first channel of the last `secs` seconds.
    pub fn last_secs(&self, secs: f64) -> Vec<i16> {
        let ch = usize::from(self.channels.max(1));
        let frames = self.samples.len() / ch;
        let want = ((f64::from(self.rate) * secs) as usize).min(frames);
        self.samples[(frames - want) * ch..]
            .iter()
            .step_by(ch)
            .copied()
            .collect()
    }

    /// Seconds of audio held.
    pub fn duration_secs(&self) -> f64 {
        if self.rate == 0 {
            return 0.0;
        }
        let ch = usize::from(self.channels.max(1));
        (self.samples.len() / ch) as f64 / f64::from(self.rate)
    }
}

/// Parses a RIFF/WAVE file of 16-bit PCM. The data chunk is read to the end
/// of the file whatever its header says: libsndfile writes the real length
/// only when the file is closed, and these files are read while still being
/// written.
pub fn parse_wav(bytes: &[u8]) -> Result<Wav, String> {
    if bytes.len() < 12 || &bytes[0..4] != b"RIFF" || &bytes[8..12] != b"WAVE" {
        return Err("not a RIFF/WAVE file".into());
    }
    let mut pos = 12;
    let mut format: Option<(u16, u16, u32, u16)> = None;
    while pos + 8 <= bytes.len() {
        let id = &bytes[pos..pos + 4];
        let len = u32::from_le_bytes([
            bytes[pos + 4],
            bytes[pos + 5],
            bytes[pos + 6],
            bytes[pos + 7],
        ]) as usize;
        let body = pos + 8;
        if id == b"fmt " {
            let f = bytes.get(body..body + 16).ok_or("fmt chunk cut short")?;
            let le16 = |i: usize| u16::from_le_bytes([f[i], f[i + 1]]);
            let rate = u32::from_le_bytes([f[4], f[5], f[6], f[7]]);
            format = Some((le16(0), le16(2), rate, le16(14)));
        } else if id == b"data" {
            let (tag, channels, rate, bits) = format.ok_or("data before fmt")?;
            // 1 = PCM, 0xfffe = WAVE_FORMAT_EXTENSIBLE (PCM here).
            if !(tag == 1 || tag == 0xfffe) || bits != 16 {
                return Err(format!("not 16-bit PCM (format {tag:#x}, {bits} bits)"));
            }
            let samples = bytes[body..]
                .chunks_exact(2)
                .map(|b| i16::from_le_bytes([b[0], b[1]]))
                .collect();
            return Ok(Wav {
                rate,
                channels,
                samples,
            });
        }
        // Chunks are padded to an even length.
        pos = body.saturating_add(len).saturating_add(len & 1);
    }
    Err("no data chunk".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sine(rate: u32, freq: f64, amp: f64, n: usize) -> Vec<i16> {
        (0..n)
            .map(|i| (amp * (2.0 * PI * freq * i as f64 / f64::from(rate)).sin()) as i16)
            .collect()
    }

    #[test]
    fn goertzel_finds_the_tone_and_not_others() {
        let s = sine(8000, 660.0, 8000.0, 4000);
        let at = tone_amplitude(&s, 8000, 660.0);
        assert!((at - 8000.0).abs() < 400.0, "{at}");
        assert!(tone_amplitude(&s, 8000, 440.0) < 100.0);
        assert!(tone_amplitude(&s, 8000, 880.0) < 100.0);
    }

    #[test]
    fn g711_round_trips_known_values() {
        assert_eq!(ulaw(0xff), 0);
        assert_eq!(ulaw(0x80), 32124);
        assert_eq!(ulaw(0x00), -32124);
        assert_eq!(alaw(0xd5), 8);
        assert_eq!(alaw(0x55), -8);
        assert_eq!(alaw(0xaa), 32256);
    }

    #[test]
    fn rtp_g711_payload_is_decoded() {
        let mut p = vec![0x80, 0, 0x12, 0x34, 0, 0, 0, 0, 0, 0, 0, 0];
        p.extend([0xff, 0x80]);
        assert_eq!(g711_samples(&p), Some((0x1234, vec![0, 32124])));
        p[1] = 96;
        assert_eq!(g711_samples(&p), None);
        assert_eq!(unhex("0a:1B:ff"), vec![0x0a, 0x1b, 0xff]);
    }

    fn wav(rate: u32, channels: u16, samples: &[i16], declared: u32) -> Vec<u8> {
        let mut b = Vec::new();
        b.extend(b"RIFF");
        b.extend(0u32.to_le_bytes());
        b.extend(b"WAVE");
        b.extend(b"fmt ");
        b.extend(16u32.to_le_bytes());
        b.extend(1u16.to_le_bytes());
        b.extend(channels.to_le_bytes());
        b.extend(rate.to_le_bytes());
        b.extend((rate * 2 * u32::from(channels)).to_le_bytes());
        b.extend((2 * channels).to_le_bytes());
        b.extend(16u16.to_le_bytes());
        b.extend(b"data");
        b.extend(declared.to_le_bytes());
        for s in samples {
            b.extend(s.to_le_bytes());
        }
        b
    }

    #[test]
    fn wav_being_written_is_read_to_its_end() {
        let w = parse_wav(&wav(8000, 2, &[1, 2, 3, 4, 5, 6], 0)).unwrap();
        assert_eq!((w.rate, w.channels), (8000, 2));
        assert_eq!(w.samples, vec![1, 2, 3, 4, 5, 6]);
        assert_eq!(w.last_secs(2.0 / 8000.0), vec![3, 5]);
        assert!(parse_wav(b"RIFF\0\0\0\0WAVEdata").is_err());
        let mut float = wav(8000, 1, &[0], 0);
        float[20] = 3;
        assert!(parse_wav(&float).is_err());
    }
}
