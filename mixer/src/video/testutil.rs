//! Picture checks shared by the canvas and codec tests.

use gstreamer as gst;
use gstreamer_video as gst_video;

/// Reads an I420 sample's pixels.
pub struct Picture {
    pub width: u32,
    pub height: u32,
    planes: [Vec<u8>; 3],
    strides: [usize; 3],
}

impl Picture {
    pub fn from_sample(sample: &gst::Sample) -> Picture {
        let caps = sample.caps().expect("caps");
        let info = gst_video::VideoInfo::from_caps(caps).expect("video caps");
        assert_eq!(info.format(), gst_video::VideoFormat::I420);
        let buffer = sample.buffer().expect("buffer");
        let frame = gst_video::VideoFrameRef::from_buffer_ref_readable(buffer, &info)
            .expect("readable frame");
        let plane = |i: u32| frame.plane_data(i).expect("plane").to_vec();
        let stride = |i: usize| usize::try_from(info.stride()[i]).expect("stride");
        Picture {
            width: info.width(),
            height: info.height(),
            planes: [plane(0), plane(1), plane(2)],
            strides: [stride(0), stride(1), stride(2)],
        }
    }

    pub fn luma(&self, x: u32, y: u32) -> u8 {
        self.planes[0][y as usize * self.strides[0] + x as usize]
    }

    /// BT.601 limited range to RGB.
    pub fn rgb(&self, x: u32, y: u32) -> (u8, u8, u8) {
        let (cx, cy) = (x as usize / 2, y as usize / 2);
        let yy = f32::from(self.luma(x, y)) - 16.0;
        let u = f32::from(self.planes[1][cy * self.strides[1] + cx]) - 128.0;
        let v = f32::from(self.planes[2][cy * self.strides[2] + cx]) - 128.0;
        let c = |f: f32| f.clamp(0.0, 255.0) as u8;
        (
            c(1.164 * yy + 1.596 * v),
            c(1.164 * yy - 0.392 * u - 0.813 * v),
            c(1.164 * yy + 2.017 * u),
        )
    }

    /// Which primary the pixel is, if clearly one of red, green, blue.
    pub fn primary(&self, x: u32, y: u32) -> Option<&'static str> {
        let (r, g, b) = self.rgb(x, y);
        match (r > 180, g > 180, b > 180, r < 70, g < 70, b < 70) {
            (true, _, _, _, true, true) => Some("red"),
            (_, true, _, true, _, true) => Some("green"),
            (_, _, true, true, true, _) => Some("blue"),
            _ => None,
        }
    }

    /// Pixels brighter than any primary or dark background (text).
    pub fn bright_pixels(&self, x0: u32, y0: u32, x1: u32, y1: u32) -> usize {
        let mut n = 0;
        for y in y0..y1.min(self.height) {
            for x in x0..x1.min(self.width) {
                if self.luma(x, y) > 200 {
                    n += 1;
                }
            }
        }
        n
    }
}

/// A solid I420 frame of `width` x `height` in limited-range YUV.
pub fn solid_i420(width: u32, height: u32, yuv: (u8, u8, u8)) -> gst::Sample {
    let info = gst_video::VideoInfo::builder(gst_video::VideoFormat::I420, width, height)
        .build()
        .expect("info");
    let mut buffer = gst::Buffer::with_size(info.size()).expect("buffer");
    {
        let b = buffer.get_mut().expect("unique");
        let mut frame =
            gst_video::VideoFrameRef::from_buffer_ref_writable(b, &info).expect("writable");
        for (i, v) in [yuv.0, yuv.1, yuv.2].into_iter().enumerate() {
            frame.plane_data_mut(i as u32).expect("plane").fill(v);
        }
    }
    let caps = info.to_caps().expect("caps");
    gst::Sample::builder().buffer(&buffer).caps(&caps).build()
}

/// Red in BT.601 limited range.
pub const RED_YUV: (u8, u8, u8) = (81, 90, 240);

/// Green in BT.601 limited range.
pub const GREEN_YUV: (u8, u8, u8) = (145, 54, 34);
/// Blue in BT.601 limited range.
pub const BLUE_YUV: (u8, u8, u8) = (41, 240, 110);
