//! Test helpers: tone generation and a Goertzel tone detector.

use super::{Frame, FRAME_SAMPLES, SAMPLE_RATE};

/// Frame `index` of a continuous sine of `freq` Hz and peak `amplitude`.
pub fn tone_frame(freq: f64, amplitude: f64, index: usize) -> Frame {
    let mut frame = [0i16; FRAME_SAMPLES];
    let start = index * FRAME_SAMPLES;
    for (i, s) in frame.iter_mut().enumerate() {
        let t = (start + i) as f64 / f64::from(SAMPLE_RATE);
        *s = (amplitude * (2.0 * std::f64::consts::PI * freq * t).sin()).round() as i16;
    }
    frame
}

/// Estimated peak amplitude of the `freq` Hz component of `samples`
/// (Goertzel over a Hann window, so that neighbouring tones leak little).
pub fn tone_amplitude(samples: &[i16], freq: f64) -> f64 {
    let n = samples.len();
    if n == 0 {
        return 0.0;
    }
    let w = 2.0 * std::f64::consts::PI * freq / f64::from(SAMPLE_RATE);
    let coeff = 2.0 * w.cos();
    let (mut s1, mut s2) = (0.0f64, 0.0f64);
    for (i, &x) in samples.iter().enumerate() {
        let hann = 0.5 - 0.5 * (2.0 * std::f64::consts::PI * i as f64 / n as f64).cos();
        let s = f64::from(x) * hann + coeff * s1 - s2;
        s2 = s1;
        s1 = s;
    }
    let power = (s1 * s1 + s2 * s2 - coeff * s1 * s2).max(0.0);
    // The Hann window halves the coherent gain: amplitude = 2|X| / (N/2).
    4.0 * power.sqrt() / n as f64
}

/// Frames flattened into one sample run.
pub fn concat(frames: &[Frame]) -> Vec<i16> {
    frames.iter().flat_map(|f| f.iter().copied()).collect()
}
