//! Pictures for and from terminals: a solid-colour camera clip made with
//! GStreamer, and a census of the saturated colours in a received snapshot
//! (PNG), so a test can tell whose tiles a composed picture holds.

use std::fmt;
use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::util;

/// A saturated primary colour, one per terminal's camera.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Colour {
    Red,
    Green,
    Blue,
}

impl Colour {
    pub const ALL: [Colour; 3] = [Colour::Red, Colour::Green, Colour::Blue];

    /// `0xAARRGGBB` as videotestsrc's `foreground-color` takes it.
    pub fn argb(self) -> u32 {
        match self {
            Colour::Red => 0xffff_0000,
            Colour::Green => 0xff00_ff00,
            Colour::Blue => 0xff00_00ff,
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Colour {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Colour::Red => "red",
            Colour::Green => "green",
            Colour::Blue => "blue",
        })
    }
}

/// Length of a camera clip. baresip 1.0's avformat source loops a file
/// badly: at its end it pauses for about the clip's length, then pushes
/// the whole clip again at once. A clip longer than any test avoids that.
pub const CLIP_SECS: u32 = 160;

/// Writes one 352x288 H.264 clip (Matroska) per colour, of a white ball
/// moving on that colour, for baresip's `avformat` video source to play as
/// its camera; returns the paths in `colours` order. The ball keeps the
/// encoder sending (a still picture comes down to a few bytes a second).
/// The clips are made concurrently: each takes a few seconds.
pub fn solid_colour_clips(dir: &Path, colours: &[Colour]) -> Vec<PathBuf> {
    let gst = util::require_program("gst-launch-1.0", "gstreamer1.0-tools");
    let jobs: Vec<(String, PathBuf, std::io::Result<std::process::Child>)> = colours
        .iter()
        .map(|colour| {
            let path = dir.join(format!("{colour}.mkv"));
            // I420: baresip 1.0's avformat refuses the 4:4:4 x264enc
            // would otherwise pick.
            let pipeline = format!(
                "videotestsrc pattern=ball background-color={:#x} foreground-color=0xffffffff \
                 num-buffers={} ! video/x-raw,format=I420,width=352,height=288,framerate=25/1 \
                 ! x264enc speed-preset=ultrafast key-int-max=50 bitrate=64 ! matroskamux \
                 ! filesink location={}",
                colour.argb(),
                CLIP_SECS * 25,
                path.display()
            );
            let child = Command::new(&gst)
                .arg("-q")
                .args(pipeline.split_whitespace())
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn();
            (pipeline, path, child)
        })
        .collect();
    jobs.into_iter()
        .map(
            |(pipeline, path, child)| match child.and_then(|c| c.wait_with_output()) {
                Ok(o) if o.status.success() && path.is_file() => path,
                Ok(o) => panic!(
                    "gst-launch-1.0 {pipeline}: {} (x264enc is in gstreamer1.0-plugins-ugly)\n{}",
                    o.status,
                    String::from_utf8_lossy(&o.stderr)
                ),
                Err(e) => panic!("running gst-launch-1.0: {e}"),
            },
        )
        .collect()
}

/// How much of a picture each colour covers, counted in 8x8 blocks whose
/// mean is clearly that colour (one channel high, the other two low).
#[derive(Debug, Clone, PartialEq)]
pub struct Census {
    pub width: u32,
    pub height: u32,
    /// Fraction of blocks, by [`Colour`] order.
    pub share: [f64; 3],
}

impl Census {
    pub fn share(&self, colour: Colour) -> f64 {
        self.share[colour.index()]
    }
}

impl fmt::Display for Census {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}x{}:", self.width, self.height)?;
        for c in Colour::ALL {
            write!(f, " {c} {:.1}%", 100.0 * self.share(c))?;
        }
        Ok(())
    }
}

const BLOCK: usize = 8;

/// A PNG (baresip's `snapshot` and chromium's screenshots write RGB or
/// RGBA) as rows of RGB pixels.
struct Rgb {
    width: usize,
    height: usize,
    pixels: Vec<[u8; 3]>,
}

impl Rgb {
    fn at(&self, x: usize, y: usize) -> [u8; 3] {
        self.pixels[y * self.width + x]
    }
}

fn decode_png(bytes: &[u8]) -> Result<Rgb, String> {
    let mut decoder = png::Decoder::new(Cursor::new(bytes));
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = decoder.read_info().map_err(|e| format!("png: {e}"))?;
    let size = reader
        .output_buffer_size()
        .ok_or("png: picture too large")?;
    let mut buf = vec![0u8; size];
    let info = reader
        .next_frame(&mut buf)
        .map_err(|e| format!("png: {e}"))?;
    let px = match info.color_type {
        png::ColorType::Rgb => 3,
        png::ColorType::Rgba => 4,
        other => return Err(format!("png: colour type {other:?}, want RGB")),
    };
    let (width, height) = (info.width as usize, info.height as usize);
    let stride = info.line_size;
    let mut pixels = Vec::with_capacity(width * height);
    for y in 0..height {
        for x in 0..width {
            let p = &buf[y * stride + x * px..][..3];
            pixels.push([p[0], p[1], p[2]]);
        }
    }
    Ok(Rgb {
        width,
        height,
        pixels,
    })
}

/// Decodes a PNG and counts its colours.
pub fn census_png(bytes: &[u8]) -> Result<Census, String> {
    let img = decode_png(bytes)?;
    let (w, h) = (img.width, img.height);
    let mut counts = [0usize; 3];
    let mut blocks = 0usize;
    for by in 0..h / BLOCK {
        for bx in 0..w / BLOCK {
            let mut sum = [0u32; 3];
            for y in by * BLOCK..(by + 1) * BLOCK {
                for x in bx * BLOCK..(bx + 1) * BLOCK {
                    let p = img.at(x, y);
                    for c in 0..3 {
                        sum[c] += u32::from(p[c]);
                    }
                }
            }
            let mean = sum.map(|s| s / (BLOCK * BLOCK) as u32);
            blocks += 1;
            if let Some(c) = classify(mean) {
                counts[c.index()] += 1;
            }
        }
    }
    if blocks == 0 {
        return Err(format!("png: {w}x{h} is too small"));
    }
    Ok(Census {
        width: w as u32,
        height: h as u32,
        share: counts.map(|n| n as f64 / blocks as f64),
    })
}

/// What the bottom middle of a picture holds where the mixer lays a
/// tile's name (white text on a dark plate, centred at the bottom).
#[derive(Debug, Clone, PartialEq)]
pub struct LabelArea {
    /// Share of the bottom fifth's middle three fifths that is plate-dark.
    pub dark: f64,
    /// Share of light pixels inside the dark pixels' bounding box: the text.
    pub text: f64,
    /// The dark pixels' bounding box (x0, y0, x1, y1), if any.
    pub plate: Option<(usize, usize, usize, usize)>,
}

/// Looks for a name label at the bottom middle of a one-tile picture.
pub fn label_area_png(bytes: &[u8]) -> Result<LabelArea, String> {
    let img = decode_png(bytes)?;
    let (w, h) = (img.width, img.height);
    let (x0, x1, y0) = (w / 5, w - w / 5, h - h / 5);
    let dark = |p: [u8; 3]| p.iter().all(|c| *c < 60);
    let light = |p: [u8; 3]| p.iter().all(|c| *c > 170);
    let mut n_dark = 0usize;
    let mut bbox: Option<(usize, usize, usize, usize)> = None;
    for y in y0..h {
        for x in x0..x1 {
            if dark(img.at(x, y)) {
                n_dark += 1;
                bbox = Some(match bbox {
                    None => (x, y, x, y),
                    Some((a, b, c, d)) => (a.min(x), b.min(y), c.max(x), d.max(y)),
                });
            }
        }
    }
    let area = ((x1 - x0) * (h - y0)).max(1);
    let text = bbox.map_or(0.0, |(a, b, c, d)| {
        let mut n = 0usize;
        for y in b..=d {
            for x in a..=c {
                if light(img.at(x, y)) {
                    n += 1;
                }
            }
        }
        n as f64 / ((c - a + 1) * (d - b + 1)) as f64
    });
    Ok(LabelArea {
        dark: n_dark as f64 / area as f64,
        text,
        plate: bbox,
    })
}

/// The colour a block's mean RGB clearly is. The bounds leave room for
/// what H.264/H.263 coding and 4:2:0 chroma do to a saturated primary.
fn classify([r, g, b]: [u32; 3]) -> Option<Colour> {
    const HIGH: u32 = 140;
    const LOW: u32 = 90;
    match (r >= HIGH, g >= HIGH, b >= HIGH) {
        (true, false, false) if g < LOW && b < LOW => Some(Colour::Red),
        (false, true, false) if r < LOW && b < LOW => Some(Colour::Green),
        (false, false, true) if r < LOW && g < LOW => Some(Colour::Blue),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png_of(w: u32, h: u32, pixel: impl Fn(u32, u32) -> [u8; 3]) -> Vec<u8> {
        let mut out = Vec::new();
        {
            let mut enc = png::Encoder::new(&mut out, w, h);
            enc.set_color(png::ColorType::Rgb);
            enc.set_depth(png::BitDepth::Eight);
            let mut writer = enc.write_header().unwrap();
            let mut data = Vec::new();
            for y in 0..h {
                for x in 0..w {
                    data.extend(pixel(x, y));
                }
            }
            writer.write_image_data(&data).unwrap();
        }
        out
    }

    #[test]
    fn halves_of_two_colours_are_counted() {
        // Left half red (slightly off, as after coding), right half blue,
        // a grey bar at the bottom.
        let bytes = png_of(64, 64, |x, y| {
            if y >= 48 {
                [128, 128, 128]
            } else if x < 32 {
                [230, 30, 40]
            } else {
                [20, 35, 220]
            }
        });
        let c = census_png(&bytes).unwrap();
        assert_eq!((c.width, c.height), (64, 64));
        assert!((c.share(Colour::Red) - 0.375).abs() < 1e-9, "{c}");
        assert!((c.share(Colour::Blue) - 0.375).abs() < 1e-9, "{c}");
        assert_eq!(c.share(Colour::Green), 0.0, "{c}");
    }

    #[test]
    fn a_label_plate_with_text_is_found_and_a_plain_picture_has_none() {
        // Red picture, a dark plate at the bottom middle with a light bar
        // (the "text") inside it.
        let labelled = png_of(100, 100, |x, y| {
            if (40..60).contains(&x) && (86..96).contains(&y) {
                if (45..55).contains(&x) && (89..93).contains(&y) {
                    [235, 235, 235]
                } else {
                    [20, 20, 20]
                }
            } else {
                [220, 20, 20]
            }
        });
        let l = label_area_png(&labelled).unwrap();
        assert_eq!(l.plate, Some((40, 86, 59, 95)), "{l:?}");
        assert!((l.text - 40.0 / 200.0).abs() < 1e-9, "{l:?}");
        assert!((l.dark - 160.0 / 1200.0).abs() < 1e-9, "{l:?}");
        let plain = label_area_png(&png_of(100, 100, |_, _| [220, 20, 20])).unwrap();
        assert_eq!((plain.dark, plain.text, plain.plate), (0.0, 0.0, None));
    }

    #[test]
    fn washed_out_colours_are_not_counted() {
        assert_eq!(classify([200, 120, 110]), None);
        assert_eq!(classify([255, 255, 255]), None);
        assert_eq!(classify([10, 10, 10]), None);
        assert_eq!(classify([60, 200, 70]), Some(Colour::Green));
        assert!(census_png(b"not a png").is_err());
    }
}
