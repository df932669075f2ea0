//! Resampling between the mixer's 48 kHz and a codec's 8 or 16 kHz, one
//! 20 ms frame at a time, sans-IO.
//!
//! `audioresample` in the codec chains held back its filter's tail: 960
//! samples in gave a few less than 160 out, so the payloader (which cuts
//! exactly 20 ms) sent each packet one tick late, and on the way in the
//! decoder completed each 48 kHz frame one packet late. Here every frame
//! in gives exactly one frame out; the filter state carries over between
//! frames, so the only delay is the filter's own group delay (1 ms).
//!
//! Both directions use one windowed-sinc low-pass (Blackman window) at
//! 48 kHz with its cut-off just under the low rate's Nyquist frequency,
//! applied polyphase: decimation computes only the kept outputs,
//! interpolation only the non-zero inputs.

/// Taps per phase: the filter is `TAPS_PER_PHASE * factor` long.
const TAPS_PER_PHASE: usize = 16;

/// The low-pass for a rate change by `factor`, at the high rate.
fn lowpass(factor: usize) -> Vec<f32> {
    let len = TAPS_PER_PHASE * factor;
    // Cut-off at 90 % of the low rate's Nyquist, in cycles per sample.
    let fc = 0.45 / factor as f64;
    let mid = (len - 1) as f64 / 2.0;
    let mut taps: Vec<f64> = (0..len)
        .map(|i| {
            let t = i as f64 - mid;
            let sinc = if t == 0.0 {
                2.0 * fc
            } else {
                (2.0 * std::f64::consts::PI * fc * t).sin() / (std::f64::consts::PI * t)
            };
            let w = 2.0 * std::f64::consts::PI * i as f64 / (len - 1) as f64;
            let blackman = 0.42 - 0.5 * w.cos() + 0.08 * (2.0 * w).cos();
            sinc * blackman
        })
        .collect();
    let sum: f64 = taps.iter().sum();
    for t in &mut taps {
        *t /= sum;
    }
    taps.into_iter().map(|t| t as f32).collect()
}

fn to_i16(v: f32) -> i16 {
    v.round().clamp(f32::from(i16::MIN), f32::from(i16::MAX)) as i16
}

/// High rate to low rate by an integer factor.
#[derive(Debug, Clone)]
pub struct Downsampler {
    factor: usize,
    taps: Vec<f32>,
    /// The last `taps.len() - 1` input samples, oldest first, then room for
    /// one frame.
    history: Vec<f32>,
}

impl Downsampler {
    pub fn new(factor: usize) -> Downsampler {
        let factor = factor.max(1);
        let taps = lowpass(factor);
        Downsampler {
            factor,
            history: vec![0.0; taps.len() - 1],
            taps,
        }
    }

    /// `input.len() / factor` samples (a whole number of outputs per call:
    /// give it whole frames).
    pub fn process(&mut self, input: &[i16]) -> Vec<i16> {
        if self.factor == 1 {
            return input.to_vec();
        }
        let keep = self.taps.len() - 1;
        self.history.extend(input.iter().map(|&s| f32::from(s)));
        let outputs = input.len() / self.factor;
        let mut out = Vec::with_capacity(outputs);
        for n in 0..outputs {
            // Output n is aligned with the last input sample of its group.
            let end = keep + (n + 1) * self.factor;
            let window = &self.history[end - self.taps.len()..end];
            let acc: f32 = window
                .iter()
                .rev()
                .zip(&self.taps)
                .map(|(x, h)| x * h)
                .sum();
            out.push(to_i16(acc));
        }
        let drop = self.history.len() - keep;
        self.history.drain(..drop);
        out
    }
}

/// Low rate to high rate by an integer factor.
#[derive(Debug, Clone)]
pub struct Upsampler {
    factor: usize,
    /// `phases[p][j]` = taps[j * factor + p] * factor.
    phases: Vec<Vec<f32>>,
    /// The last `TAPS_PER_PHASE - 1` input samples, oldest first, then room
    /// for one frame.
    history: Vec<f32>,
}

impl Upsampler {
    pub fn new(factor: usize) -> Upsampler {
        let factor = factor.max(1);
        let taps = lowpass(factor);
        let gain = factor as f32;
        let phases = (0..factor)
            .map(|p| {
                (0..TAPS_PER_PHASE)
                    .map(|j| taps[j * factor + p] * gain)
                    .collect()
            })
            .collect();
        Upsampler {
            factor,
            phases,
            history: vec![0.0; TAPS_PER_PHASE - 1],
        }
    }

    /// `input.len() * factor` samples.
    pub fn process(&mut self, input: &[i16]) -> Vec<i16> {
        if self.factor == 1 {
            return input.to_vec();
        }
        let keep = TAPS_PER_PHASE - 1;
        self.history.extend(input.iter().map(|&s| f32::from(s)));
        let mut out = Vec::with_capacity(input.len() * self.factor);
        for n in 0..input.len() {
            let end = keep + n + 1;
            let window = &self.history[end - TAPS_PER_PHASE..end];
            for phase in &self.phases {
                let acc: f32 = window.iter().rev().zip(phase).map(|(x, h)| x * h).sum();
                out.push(to_i16(acc));
            }
        }
        let drop = self.history.len() - keep;
        self.history.drain(..drop);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(freq: f64, rate: f64, n: usize, from: usize) -> Vec<i16> {
        (from..from + n)
            .map(|i| (8000.0 * (2.0 * std::f64::consts::PI * freq * i as f64 / rate).sin()) as i16)
            .collect()
    }

    /// Amplitude of `freq` in `samples` at `rate` (single-bin DFT).
    fn amplitude(samples: &[i16], freq: f64, rate: f64) -> f64 {
        let (mut re, mut im) = (0.0, 0.0);
        for (i, &s) in samples.iter().enumerate() {
            let a = 2.0 * std::f64::consts::PI * freq * i as f64 / rate;
            re += f64::from(s) * a.cos();
            im += f64::from(s) * a.sin();
        }
        2.0 * (re * re + im * im).sqrt() / samples.len() as f64
    }

    #[test]
    fn one_frame_in_is_one_frame_out() {
        let mut down = Downsampler::new(6);
        let mut up = Upsampler::new(6);
        for _ in 0..3 {
            assert_eq!(down.process(&[0; 960]).len(), 160);
            assert_eq!(up.process(&[0; 160]).len(), 960);
        }
        let mut g722 = Downsampler::new(3);
        assert_eq!(g722.process(&[0; 960]).len(), 320);
        assert_eq!(Upsampler::new(1).process(&[1, 2, 3]), [1, 2, 3]);
    }

    #[test]
    fn speech_band_tones_pass_both_ways() {
        let mut down = Downsampler::new(6);
        let mut low = Vec::new();
        for f in 0..10 {
            low.extend(down.process(&tone(440.0, 48_000.0, 960, f * 960)));
        }
        // Past the filter's start.
        let a = amplitude(&low[160..], 440.0, 8000.0);
        assert!((a - 8000.0).abs() < 400.0, "440 Hz down at {a:.0}");

        let mut up = Upsampler::new(6);
        let mut high = Vec::new();
        for f in 0..10 {
            high.extend(up.process(&tone(1000.0, 8000.0, 160, f * 160)));
        }
        let a = amplitude(&high[960..], 1000.0, 48_000.0);
        assert!((a - 8000.0).abs() < 400.0, "1 kHz up at {a:.0}");
        // The image at 8000 − 1000 Hz is filtered out.
        let image = amplitude(&high[960..], 7000.0, 48_000.0);
        assert!(image < 80.0, "image at {image:.0}");
    }

    #[test]
    fn what_the_low_rate_cannot_carry_does_not_alias() {
        // 6 kHz at 48 kHz would fold to 2 kHz at 8 kHz.
        let mut down = Downsampler::new(6);
        let mut low = Vec::new();
        for f in 0..10 {
            low.extend(down.process(&tone(6000.0, 48_000.0, 960, f * 960)));
        }
        let alias = amplitude(&low[160..], 2000.0, 8000.0);
        assert!(alias < 80.0, "alias at {alias:.0}");
    }

    #[test]
    fn the_delay_is_the_filters_alone() {
        // A step shows within the filter's half length, not a frame later.
        let mut down = Downsampler::new(6);
        let out = down.process(&[10_000; 960]);
        let settled = out.iter().position(|&s| s > 9_000).unwrap();
        assert!(settled <= TAPS_PER_PHASE, "{settled}");
        let mut up = Upsampler::new(6);
        let out = up.process(&[10_000; 160]);
        let settled = out.iter().position(|&s| s > 9_000).unwrap();
        assert!(settled <= TAPS_PER_PHASE * 6, "{settled}");
    }
}
