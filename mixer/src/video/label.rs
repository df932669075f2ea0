//! Names on the canvas, rendered by us into small I420 images (white text
//! on a dark plate) that the compositor lays over the tiles. I420 like the
//! rest of the canvas: an input with alpha makes the compositor want an
//! alpha output format, which the I420 canvas refuses.
//!
//! GStreamer's `textoverlay` was used first; with many canvases in one
//! process its Pango rendering in streaming threads crashed the mixer (a
//! SIGSEGV inside `pango_layout_get_pixel_extents` while other overlays
//! were being created and disposed). Rendering each label once, here, with
//! fontdue (a pure Rust rasteriser) keeps text out of the streaming
//! threads altogether: they only blend a still image.
//!
//! Vietnamese names use precomposed letters (Latin Extended Additional:
//! "Điểm cầu Huế"), which Noto Sans and DejaVu Sans both cover; text is
//! laid out left to right without shaping.

use std::sync::OnceLock;

use fontdue::layout::{CoordinateSystem, Layout, LayoutSettings, TextStyle};
use fontdue::{Font, FontSettings};

use crate::MixerError;

/// Fonts tried in order (Debian's fonts-noto-core, fonts-dejavu-core).
pub const FONT_FILES: [&str; 3] = [
    "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/freefont/FreeSans.ttf",
];

/// A label: I420, even sizes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelImage {
    pub width: u32,
    pub height: u32,
    /// Y plane, then U and V at half size.
    pub i420: Vec<u8>,
}

/// Luma of the plate and of the text (video range).
const PLATE_Y: u16 = 24;
const TEXT_Y: u16 = 235;

fn load_font() -> Result<Font, String> {
    let mut tried = Vec::new();
    for path in FONT_FILES {
        match std::fs::read(path) {
            Ok(bytes) => {
                return Font::from_bytes(bytes, FontSettings::default())
                    .map_err(|e| format!("{path}: {e}"))
            }
            Err(e) => tried.push(format!("{path}: {e}")),
        }
    }
    Err(format!(
        "no font for names (install fonts-noto-core): {}",
        tried.join("; ")
    ))
}

fn font() -> Result<&'static Font, MixerError> {
    static FONT: OnceLock<Result<Font, String>> = OnceLock::new();
    FONT.get_or_init(load_font)
        .as_ref()
        .map_err(|e| MixerError::Gstreamer(e.clone()))
}

/// The text size for a picture `height` pixels high: 24 px on a 360-line
/// tile, in proportion elsewhere, never below 14 so the name of a small
/// tile stays legible once the picture is encoded.
pub fn text_px(height: u32) -> f32 {
    (height * 24 / 360).clamp(14, 48) as f32
}

/// Width in pixels of `text` at `px`, and the laid-out glyphs.
fn layout(font: &Font, text: &str, px: f32) -> (Layout, u32) {
    let mut l = Layout::new(CoordinateSystem::PositiveYDown);
    l.reset(&LayoutSettings::default());
    l.append(&[font], &TextStyle::new(text, px, 0));
    let width = l
        .glyphs()
        .iter()
        .map(|g| g.x + g.width as f32)
        .fold(0.0f32, f32::max)
        .ceil() as u32;
    (l, width)
}

/// `text` in white at `px` on a dark plate, at most
/// `max_width` wide (cut with an ellipsis when longer). None for an empty
/// text or no room at all.
pub fn render(text: &str, px: f32, max_width: u32) -> Result<Option<LabelImage>, MixerError> {
    let text = text.trim();
    if text.is_empty() || max_width < 8 {
        return Ok(None);
    }
    let font = font()?;
    let pad = (px / 3.0).ceil() as u32;
    // The label's width is rounded up to 8 (see below): text may take
    // what is left of `max_width` after that and the padding.
    let room = (max_width / 8 * 8).saturating_sub(2 * pad);
    let mut shown: String = text.to_owned();
    let (mut l, mut w) = layout(font, &shown, px);
    let mut chars: Vec<char> = text.chars().collect();
    while w > room && !chars.is_empty() {
        chars.pop();
        shown = chars.iter().collect::<String>().trim_end().to_owned() + "…";
        (l, w) = layout(font, &shown, px);
    }
    if w > room {
        return Ok(None);
    }
    let line = font
        .horizontal_line_metrics(px)
        .map_or(px * 1.2, |m| m.new_line_size)
        .ceil() as u32;
    // A multiple of 8 wide: GStreamer's I420 rows are 4-byte aligned, so
    // the half-width chroma rows then need no padding and the planes are
    // exactly width x height x 3/2 bytes.
    let width = ((w + 2 * pad).div_ceil(8) * 8).min(max_width / 8 * 8);
    let height = (line + 2 * pad) & !1;
    let mut alpha = vec![0u8; (width * height) as usize];
    for g in l.glyphs() {
        if g.width == 0 || g.height == 0 {
            continue;
        }
        let (metrics, coverage) = font.rasterize_config(g.key);
        let x0 = g.x.round() as i64 + i64::from(pad);
        let y0 = g.y.round() as i64 + i64::from(pad);
        for row in 0..metrics.height {
            for col in 0..metrics.width {
                let (x, y) = (x0 + col as i64, y0 + row as i64);
                if x < 0 || y < 0 || x >= i64::from(width) || y >= i64::from(height) {
                    continue;
                }
                let at = (y as usize) * width as usize + x as usize;
                alpha[at] = alpha[at].max(coverage[row * metrics.width + col]);
            }
        }
    }
    // White text on a dark grey plate: legible on any picture.
    let chroma = (width / 2 * (height / 2)) as usize;
    let mut i420 = Vec::with_capacity(alpha.len() + 2 * chroma);
    i420.extend(
        alpha
            .iter()
            // Coverage boosted by half: thin antialiased strokes would
            // otherwise turn grey and blur away in the encoded picture.
            .map(|&a| {
                let a = (u16::from(a) * 3 / 2).min(255);
                (PLATE_Y + (TEXT_Y - PLATE_Y) * a / 255) as u8
            }),
    );
    i420.resize(alpha.len() + 2 * chroma, 128);
    Ok(Some(LabelImage {
        width,
        height,
        i420,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lit(img: &LabelImage) -> usize {
        img.i420[..(img.width * img.height) as usize]
            .iter()
            .filter(|y| **y > 200)
            .count()
    }

    #[test]
    fn vietnamese_names_render_with_their_diacritics() {
        let img = render("Điểm cầu Huế", 20.0, 400).unwrap().unwrap();
        assert!(img.width > 60 && img.width <= 400, "{}", img.width);
        assert!(img.height >= 20 && img.height < 48, "{}", img.height);
        assert_eq!(img.width % 8 + img.height % 2, 0);
        assert_eq!(img.i420.len(), (img.width * img.height * 3 / 2) as usize);
        // Diacritics are drawn: the same letters without them light fewer
        // pixels.
        let plain = render("Diem cau Hue", 20.0, 400).unwrap().unwrap();
        assert!(lit(&img) > lit(&plain), "{} vs {}", lit(&img), lit(&plain));
        // Full white text on the dark plate, no colour.
        let luma = &img.i420[..(img.width * img.height) as usize];
        assert!(luma.contains(&(TEXT_Y as u8)));
        assert!(luma.contains(&(PLATE_Y as u8)));
        assert!(img.i420[luma.len()..].iter().all(|c| *c == 128));
    }

    #[test]
    fn long_names_are_cut_to_the_tile() {
        let name = "Ủy ban nhân dân tỉnh Thừa Thiên Huế — điểm cầu chính";
        let full = render(name, 20.0, 2000).unwrap().unwrap();
        let cut = render(name, 20.0, 160).unwrap().unwrap();
        assert!(cut.width <= 160 && cut.width < full.width);
        assert!(render("", 20.0, 100).unwrap().is_none());
        assert!(render("   ", 20.0, 100).unwrap().is_none());
        assert!(render("Huế", 20.0, 4).unwrap().is_none());
    }

    #[test]
    fn text_size_follows_the_tile() {
        assert_eq!(text_px(360), 24.0);
        assert_eq!(text_px(720), 48.0);
        assert_eq!(text_px(90), 14.0);
        assert_eq!(text_px(2160), 48.0);
    }
}
