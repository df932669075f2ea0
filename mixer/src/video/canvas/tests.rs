use std::time::{Duration, Instant};

use super::*;
use crate::video::layout::{compose, Layout};
use crate::video::testutil::{solid_i420, Picture, RED_YUV};

const W: u32 = 640;
const H: u32 = 360;

fn canvas() -> Canvas {
    Canvas::new(CanvasConfig {
        width: W,
        height: H,
        fps: 30,
        room_name: "Phòng họp Bộ".into(),
    })
    .expect("canvas")
}

/// The tiles of `receiver`'s view with the given sources and names.
fn tiles(
    layout: Layout,
    members: &[ParticipantId],
    sources: &[(TileSource, &str)],
) -> Vec<CanvasTile> {
    let view = compose(layout, W, H, members, 0, None);
    view.tiles
        .iter()
        .zip(sources)
        .map(|(t, (source, name))| CanvasTile {
            participant: t.participant,
            name: name.to_string(),
            source: *source,
            rect: t.rect,
        })
        .collect()
}

/// Pulls frames until `ok` holds for one, for at most `within`.
fn wait_for(canvas: &mut Canvas, within: Duration, ok: impl Fn(&Picture) -> bool) -> Picture {
    let deadline = Instant::now() + within;
    let mut last = None;
    while Instant::now() < deadline {
        if let Some(sample) = canvas
            .pull_frame(Duration::from_millis(200))
            .expect("no error")
        {
            let pic = Picture::from_sample(&sample);
            if ok(&pic) {
                return pic;
            }
            last = Some(pic);
        }
    }
    panic!(
        "condition not met within {within:?} (last frame: {:?})",
        last.map(|p| (p.width, p.height))
    );
}

fn colours_at_centres(pic: &Picture, tiles: &[CanvasTile]) -> Vec<Option<&'static str>> {
    tiles
        .iter()
        .map(|t| {
            let (x, y) = t.rect.center();
            pic.primary(x, y)
        })
        .collect()
}

#[test]
fn three_colours_in_a_grid_with_vietnamese_names() {
    let mut c = canvas();
    let ts = tiles(
        Layout::Grid2x2,
        &[1, 2, 3],
        &[
            (TileSource::TestPattern("red"), "Điểm cầu Hà Nội"),
            (TileSource::TestPattern("green"), "Đà Nẵng"),
            (TileSource::TestPattern("blue"), "Điểm cầu Hà Nội"),
        ],
    );
    c.apply(&ts).unwrap();
    c.start().unwrap();
    // The name is drawn in the bottom band of the blue tile (the label may
    // start a few frames after the picture), and nowhere in its top half;
    // the empty fourth cell stays black.
    let r = ts[2].rect;
    let band =
        |pic: &Picture| pic.bright_pixels(r.x, r.bottom() - r.height / 3, r.right(), r.bottom());
    let pic = wait_for(&mut c, Duration::from_secs(3), |p| {
        colours_at_centres(p, &ts) == [Some("red"), Some("green"), Some("blue")] && band(p) > 100
    });
    assert_eq!((pic.width, pic.height), (W, H));
    assert_eq!(
        pic.bright_pixels(r.x, r.y, r.right(), r.y + r.height / 2),
        0
    );
    assert!(pic.luma(W * 3 / 4, H * 3 / 4) < 30);
}

#[test]
fn speaker_layout_and_holding_picture() {
    let mut c = canvas();
    let ts = tiles(
        Layout::OnePlusFive,
        &[1, 2, 3],
        &[
            (TileSource::TestPattern("blue"), "Hà Nội"),
            (TileSource::TestPattern("red"), "Huế"),
            (TileSource::Placeholder, "Cần Thơ"),
        ],
    );
    c.apply(&ts).unwrap();
    c.start().unwrap();
    // The placeholder: dark, with the name in its middle.
    let r = ts[2].rect;
    let pic = wait_for(&mut c, Duration::from_secs(3), |p| {
        colours_at_centres(p, &ts[..2]) == [Some("blue"), Some("red")]
            && p.bright_pixels(r.x, r.y, r.right(), r.bottom()) > 30
    });
    assert!(pic.luma(r.x + 4, r.y + 4) < 60);

    // Everyone left: only the room name on black.
    c.apply(&[]).unwrap();
    assert!(c.participants().is_empty());
    wait_for(&mut c, Duration::from_secs(3), |p| {
        p.primary(W / 3, H / 3).is_none()
            && p.bright_pixels(0, H / 3, W, H * 2 / 3) > 100
            && p.bright_pixels(0, 0, W, H / 4) == 0
    });
}

#[test]
fn a_stalled_input_does_not_stall_the_canvas() {
    let mut c = canvas();
    let ts = tiles(
        Layout::SideBySide,
        &[1, 2],
        &[
            (TileSource::Frames, "Hà Nội"),
            (TileSource::TestPattern("green"), "Huế"),
        ],
    );
    c.apply(&ts).unwrap();
    c.start().unwrap();
    // A decoder that has not produced anything yet holds nothing up.
    for _ in 0..3 {
        assert!(c.pull_frame(Duration::from_secs(1)).unwrap().is_some());
    }
    let red = solid_i420(320, 240, RED_YUV);
    let (x, y) = ts[0].rect.center();
    let deadline = Instant::now() + Duration::from_secs(3);
    let mut seen_red = false;
    while Instant::now() < deadline && !seen_red {
        c.push_frame(1, &red).unwrap();
        // Frames for someone without a Frames tile are ignored.
        c.push_frame(2, &red).unwrap();
        c.push_frame(99, &red).unwrap();
        if let Some(s) = c.pull_frame(Duration::from_millis(100)).unwrap() {
            seen_red = Picture::from_sample(&s).primary(x, y) == Some("red");
        }
    }
    assert!(seen_red, "pushed frames never showed");

    // No more frames from 1: the canvas keeps its rate (30 fps, so 10
    // frames take about a third of a second).
    let start = Instant::now();
    for _ in 0..10 {
        let s = c
            .pull_frame(Duration::from_secs(1))
            .unwrap()
            .expect("frame while stalled");
        let pic = Picture::from_sample(&s);
        let (gx, gy) = ts[1].rect.center();
        assert_eq!(pic.primary(gx, gy), Some("green"));
    }
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "{:?}",
        start.elapsed()
    );

    // Its video ends for good: still frames.
    c.end_frames(1);
    for _ in 0..5 {
        assert!(c.pull_frame(Duration::from_secs(1)).unwrap().is_some());
    }
}

#[test]
fn relayout_from_two_to_three_while_running() {
    let mut c = canvas();
    let two = tiles(
        Layout::Auto,
        &[1, 2],
        &[
            (TileSource::TestPattern("red"), "A"),
            (TileSource::TestPattern("green"), "B"),
        ],
    );
    c.apply(&two).unwrap();
    c.start().unwrap();
    wait_for(&mut c, Duration::from_secs(3), |p| {
        colours_at_centres(p, &two) == [Some("red"), Some("green")]
    });
    let three = tiles(
        Layout::Auto,
        &[1, 2, 3],
        &[
            (TileSource::TestPattern("red"), "A"),
            (TileSource::TestPattern("green"), "B"),
            (TileSource::TestPattern("blue"), "C"),
        ],
    );
    assert_ne!(two[0].rect, three[0].rect);
    c.apply(&three).unwrap();
    assert_eq!(c.participants(), [1, 2, 3]);
    wait_for(&mut c, Duration::from_secs(3), |p| {
        colours_at_centres(p, &three) == [Some("red"), Some("green"), Some("blue")]
    });
    // And back to one: the removed branches leave no error behind.
    c.apply(&three[2..]).unwrap();
    let only = CanvasTile {
        rect: Rect {
            x: 0,
            y: 0,
            width: W,
            height: H,
        },
        ..three[2].clone()
    };
    c.apply(std::slice::from_ref(&only)).unwrap();
    wait_for(&mut c, Duration::from_secs(3), |p| {
        p.primary(W / 4, H / 4) == Some("blue")
    });
}

#[test]
fn canvas_and_chains_can_move_between_threads() {
    fn send<T: Send>() {}
    send::<Canvas>();
    send::<crate::video::VideoDecoder>();
    send::<crate::video::VideoEncoder>();
}
