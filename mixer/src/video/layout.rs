//! Continuous-presence layout geometry, sans-IO: which participants a
//! receiver sees, and where on its canvas.
//!
//! Every layout is a set of cells on a fractional grid (columns and rows of
//! the canvas); a cell's edges are computed from those fractions and rounded
//! down to even pixels, so two neighbouring cells share an edge exactly (no
//! gap, no overlap) and every coordinate suits I420's 2x2 chroma subsampling.
//! Aspect inside a cell is kept by the scaler (letterbox), not here.

use crate::room::ParticipantId;

/// The most tiles any layout shows (4x4).
pub const MAX_TILES: usize = 16;

/// How a receiver's canvas is divided; also what a room's `layout` is
/// configured as (spellings in [`Layout::as_str`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Layout {
    /// Chosen from the number of participants to show ([`Layout::auto_for`]).
    #[default]
    Auto,
    /// One participant full screen: the active speaker.
    Single,
    /// Two side by side, each keeping the canvas shape.
    SideBySide,
    Grid2x2,
    Grid3x3,
    Grid4x4,
    /// The active speaker large (2/3 of each side) and five small.
    OnePlusFive,
    /// The active speaker large (3/4 of each side) and seven small.
    OnePlusSeven,
}

// Names as rooms are configured and the API shows them.
impl Layout {
    pub const ALL: [Layout; 8] = [
        Layout::Auto,
        Layout::Single,
        Layout::SideBySide,
        Layout::Grid2x2,
        Layout::Grid3x3,
        Layout::Grid4x4,
        Layout::OnePlusFive,
        Layout::OnePlusSeven,
    ];

    /// The spelling used in the configuration file and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Layout::Auto => "auto",
            Layout::Single => "1",
            Layout::SideBySide => "2",
            Layout::Grid2x2 => "2x2",
            Layout::Grid3x3 => "3x3",
            Layout::Grid4x4 => "4x4",
            Layout::OnePlusFive => "1+5",
            Layout::OnePlusSeven => "1+7",
        }
    }
}

impl std::fmt::Display for Layout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Layout {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim();
        Layout::ALL
            .into_iter()
            .find(|l| l.as_str().eq_ignore_ascii_case(wanted))
            .ok_or_else(|| {
                let names: Vec<&str> = Layout::ALL.iter().map(|l| l.as_str()).collect();
                format!("unknown layout {s:?}, expected one of {}", names.join(", "))
            })
    }
}

/// A cell as fractions of the canvas: columns `x0..x1` of `cols`, rows
/// `y0..y1` of `rows`.
#[derive(Debug, Clone, Copy)]
struct Cell {
    cols: u32,
    rows: u32,
    x0: u32,
    x1: u32,
    y0: u32,
    y1: u32,
}

const fn cell(cols: u32, rows: u32, x: u32, y: u32, w: u32, h: u32) -> Cell {
    Cell {
        cols,
        rows,
        x0: x,
        x1: x + w,
        y0: y,
        y1: y + h,
    }
}

const SINGLE: &[Cell] = &[cell(1, 1, 0, 0, 1, 1)];
// Half the width and half the height, centred vertically: each picture
// keeps the canvas shape instead of being squeezed into a tall strip.
const SIDE_BY_SIDE: &[Cell] = &[cell(2, 4, 0, 1, 1, 2), cell(2, 4, 1, 1, 1, 2)];
const ONE_PLUS_FIVE: &[Cell] = &[
    cell(3, 3, 0, 0, 2, 2),
    cell(3, 3, 2, 0, 1, 1),
    cell(3, 3, 2, 1, 1, 1),
    cell(3, 3, 0, 2, 1, 1),
    cell(3, 3, 1, 2, 1, 1),
    cell(3, 3, 2, 2, 1, 1),
];
const ONE_PLUS_SEVEN: &[Cell] = &[
    cell(4, 4, 0, 0, 3, 3),
    cell(4, 4, 3, 0, 1, 1),
    cell(4, 4, 3, 1, 1, 1),
    cell(4, 4, 3, 2, 1, 1),
    cell(4, 4, 0, 3, 1, 1),
    cell(4, 4, 1, 3, 1, 1),
    cell(4, 4, 2, 3, 1, 1),
    cell(4, 4, 3, 3, 1, 1),
];

impl Layout {
    /// The layout `Auto` resolves to for `shown` participants (the
    /// receiver excluded): 1, 2 side by side, 2x2 up to 4, then the speaker
    /// large with 1+5 and 1+7 (a conference usually has one speaker at a
    /// time), 3x3 for 9, 4x4 beyond.
    pub fn auto_for(shown: usize) -> Layout {
        match shown {
            0 | 1 => Layout::Single,
            2 => Layout::SideBySide,
            3 | 4 => Layout::Grid2x2,
            5 | 6 => Layout::OnePlusFive,
            7 | 8 => Layout::OnePlusSeven,
            9 => Layout::Grid3x3,
            _ => Layout::Grid4x4,
        }
    }

    /// `Auto` resolved for `shown` participants; any other layout as is.
    pub fn resolve(self, shown: usize) -> Layout {
        match self {
            Layout::Auto => Layout::auto_for(shown),
            fixed => fixed,
        }
    }

    /// Whether the first tile is the active speaker's large one.
    pub fn has_speaker_tile(self) -> bool {
        matches!(
            self,
            Layout::Single | Layout::OnePlusFive | Layout::OnePlusSeven
        )
    }

    /// How many tiles the layout has (`Auto`: the most it can grow to).
    pub fn capacity(self) -> usize {
        match self {
            Layout::Auto | Layout::Grid4x4 => MAX_TILES,
            other => other.cells().len(),
        }
    }

    fn cells(self) -> Vec<Cell> {
        fn grid(n: u32) -> Vec<Cell> {
            (0..n * n).map(|i| cell(n, n, i % n, i / n, 1, 1)).collect()
        }
        match self {
            Layout::Single => SINGLE.to_vec(),
            Layout::SideBySide => SIDE_BY_SIDE.to_vec(),
            Layout::Grid2x2 => grid(2),
            Layout::Grid3x3 => grid(3),
            Layout::Grid4x4 | Layout::Auto => grid(4),
            Layout::OnePlusFive => ONE_PLUS_FIVE.to_vec(),
            Layout::OnePlusSeven => ONE_PLUS_SEVEN.to_vec(),
        }
    }
}

/// A rectangle on the canvas, in pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rect {
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub height: u32,
}

impl Rect {
    pub fn right(&self) -> u32 {
        self.x + self.width
    }

    pub fn bottom(&self) -> u32 {
        self.y + self.height
    }

    pub fn center(&self) -> (u32, u32) {
        (self.x + self.width / 2, self.y + self.height / 2)
    }

    pub fn intersects(&self, other: &Rect) -> bool {
        self.x < other.right()
            && other.x < self.right()
            && self.y < other.bottom()
            && other.y < self.bottom()
    }
}

/// One participant's place on a canvas.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tile {
    pub participant: ParticipantId,
    pub rect: Rect,
}

/// What one receiver sees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct View {
    /// The layout used (`Auto` resolved).
    pub layout: Layout,
    /// In layout order: the large tile first in 1+N layouts. Empty: the
    /// receiver is alone and gets the holding picture.
    pub tiles: Vec<Tile>,
}

impl View {
    pub fn is_alone(&self) -> bool {
        self.tiles.is_empty()
    }
}

/// Rounds `num * total / den` down to an even number.
fn edge(num: u32, den: u32, total: u32) -> u32 {
    let exact = u64::from(num) * u64::from(total) / u64::from(den.max(1));
    // `exact <= total`, so it fits back in u32.
    (exact as u32) & !1
}

fn place(c: &Cell, width: u32, height: u32) -> Rect {
    let (x0, x1) = (edge(c.x0, c.cols, width), edge(c.x1, c.cols, width));
    let (y0, y1) = (edge(c.y0, c.rows, height), edge(c.y1, c.rows, height));
    Rect {
        x: x0,
        y: y0,
        width: x1 - x0,
        height: y1 - y0,
    }
}

/// The view of `receiver` on a `width` x `height` canvas.
///
/// `members` are the room's participants in join order (the receiver among
/// them or not); the receiver never sees itself. Others keep join order so
/// tiles do not jump around when someone speaks, except that in layouts
/// with a speaker tile (1, 1+5, 1+7) the active `speaker` takes the first,
/// large tile, and in grids a speaker that would fall beyond the last tile
/// takes the last one instead, so whoever talks is always visible. At most
/// [`MAX_TILES`] are shown.
pub fn compose(
    layout: Layout,
    width: u32,
    height: u32,
    members: &[ParticipantId],
    receiver: ParticipantId,
    speaker: Option<ParticipantId>,
) -> View {
    compose_excluding(layout, width, height, members, receiver, &[], speaker)
}

/// [`compose`] for a receiver that also does not see the `excluded`
/// participants: they get no tile and do not count for `Auto`, and an
/// excluded speaker does not take the large tile. A viewer (a receiver
/// that is not among `members`) sees every member.
pub fn compose_excluding(
    layout: Layout,
    width: u32,
    height: u32,
    members: &[ParticipantId],
    receiver: ParticipantId,
    excluded: &[ParticipantId],
    speaker: Option<ParticipantId>,
) -> View {
    let mut order: Vec<ParticipantId> = members
        .iter()
        .copied()
        .filter(|&p| p != receiver && !excluded.contains(&p))
        .collect();
    // The same participant listed twice would get two tiles.
    let mut seen = std::collections::HashSet::new();
    order.retain(|p| seen.insert(*p));

    let layout = layout.resolve(order.len());
    if order.is_empty() {
        return View {
            layout,
            tiles: Vec::new(),
        };
    }
    let cells = layout.cells();
    let speaker_at = speaker
        .filter(|&s| s != receiver)
        .and_then(|s| order.iter().position(|&p| p == s));
    if let Some(at) = speaker_at {
        if layout.has_speaker_tile() {
            let s = order.remove(at);
            order.insert(0, s);
        } else if at >= cells.len() {
            order.swap(at, cells.len() - 1);
        }
    }
    let tiles = order
        .iter()
        .zip(cells.iter())
        .map(|(&participant, c)| Tile {
            participant,
            rect: place(c, width, height),
        })
        .collect();
    View { layout, tiles }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIXED: [Layout; 7] = [
        Layout::Single,
        Layout::SideBySide,
        Layout::Grid2x2,
        Layout::Grid3x3,
        Layout::Grid4x4,
        Layout::OnePlusFive,
        Layout::OnePlusSeven,
    ];

    fn members(n: u64) -> Vec<ParticipantId> {
        (1..=n).collect()
    }

    fn check_geometry(view: &View, width: u32, height: u32) {
        for (i, t) in view.tiles.iter().enumerate() {
            let r = t.rect;
            assert!(r.width > 0 && r.height > 0, "{view:?}");
            assert!(r.right() <= width && r.bottom() <= height, "{r:?}");
            for v in [r.x, r.y, r.width, r.height] {
                assert_eq!(v % 2, 0, "odd coordinate in {r:?}");
            }
            for other in &view.tiles[i + 1..] {
                assert!(!r.intersects(&other.rect), "{r:?} / {:?}", other.rect);
            }
        }
    }

    #[test]
    fn every_layout_fills_its_cells_inside_the_canvas() {
        for (w, h) in [(1280, 720), (1920, 1080), (352, 288), (854, 480)] {
            for layout in FIXED {
                let view = compose(layout, w, h, &members(17), 0, None);
                assert_eq!(view.layout, layout);
                assert_eq!(view.tiles.len(), layout.capacity());
                check_geometry(&view, w, h);
            }
        }
    }

    #[test]
    fn grids_cover_the_canvas() {
        for layout in [
            Layout::Single,
            Layout::Grid2x2,
            Layout::Grid3x3,
            Layout::Grid4x4,
            Layout::OnePlusFive,
            Layout::OnePlusSeven,
        ] {
            let view = compose(layout, 1280, 720, &members(16), 0, None);
            let area: u32 = view
                .tiles
                .iter()
                .map(|t| t.rect.width * t.rect.height)
                .sum();
            assert_eq!(area, 1280 * 720, "{layout:?}");
        }
    }

    #[test]
    fn known_rectangles() {
        let r = |x, y, width, height| Rect {
            x,
            y,
            width,
            height,
        };
        let v = compose(Layout::OnePlusFive, 1280, 720, &members(6), 0, None);
        let rects: Vec<Rect> = v.tiles.iter().map(|t| t.rect).collect();
        assert_eq!(
            rects,
            [
                r(0, 0, 852, 480),
                r(852, 0, 428, 240),
                r(852, 240, 428, 240),
                r(0, 480, 426, 240),
                r(426, 480, 426, 240),
                r(852, 480, 428, 240),
            ]
        );
        let v = compose(Layout::SideBySide, 1280, 720, &members(2), 0, None);
        assert_eq!(v.tiles[0].rect, r(0, 180, 640, 360));
        assert_eq!(v.tiles[1].rect, r(640, 180, 640, 360));
        let v = compose(Layout::Grid2x2, 1280, 720, &members(4), 0, None);
        assert_eq!(v.tiles[3].rect, r(640, 360, 640, 360));
    }

    #[test]
    fn auto_thresholds() {
        let expect = [
            (1, Layout::Single),
            (2, Layout::SideBySide),
            (3, Layout::Grid2x2),
            (4, Layout::Grid2x2),
            (5, Layout::OnePlusFive),
            (6, Layout::OnePlusFive),
            (7, Layout::OnePlusSeven),
            (8, Layout::OnePlusSeven),
            (9, Layout::Grid3x3),
            (10, Layout::Grid4x4),
            (16, Layout::Grid4x4),
            (40, Layout::Grid4x4),
        ];
        for (shown, layout) in expect {
            assert_eq!(Layout::auto_for(shown), layout, "{shown}");
            // The receiver is one more member than it sees.
            let view = compose(Layout::Auto, 1280, 720, &members(shown as u64 + 1), 1, None);
            assert_eq!(view.layout, layout, "{shown}");
            assert_eq!(view.tiles.len(), shown.min(MAX_TILES));
            check_geometry(&view, 1280, 720);
        }
    }

    #[test]
    fn alone_means_no_tiles() {
        let view = compose(Layout::Auto, 1280, 720, &[7], 7, Some(7));
        assert!(view.is_alone());
        assert!(compose(Layout::Grid2x2, 1280, 720, &[], 7, None).is_alone());
    }

    #[test]
    fn the_receiver_never_sees_itself() {
        for layout in FIXED.into_iter().chain([Layout::Auto]) {
            let view = compose(layout, 1280, 720, &members(5), 3, Some(3));
            assert!(view.tiles.iter().all(|t| t.participant != 3), "{layout:?}");
        }
        let view = compose(Layout::Grid2x2, 1280, 720, &members(4), 2, None);
        let shown: Vec<_> = view.tiles.iter().map(|t| t.participant).collect();
        assert_eq!(shown, [1, 3, 4]);
    }

    #[test]
    fn speaker_takes_the_large_tile() {
        let view = compose(Layout::OnePlusFive, 1280, 720, &members(6), 1, Some(5));
        let shown: Vec<_> = view.tiles.iter().map(|t| t.participant).collect();
        assert_eq!(shown, [5, 2, 3, 4, 6]);
        assert_eq!(view.tiles[0].rect.width, 852);
        let view = compose(Layout::Single, 1280, 720, &members(4), 1, Some(3));
        assert_eq!(view.tiles[0].participant, 3);
        // Without a speaker, join order.
        let view = compose(Layout::OnePlusSeven, 1280, 720, &members(4), 1, None);
        assert_eq!(view.tiles[0].participant, 2);
    }

    #[test]
    fn grids_keep_join_order_but_show_the_speaker() {
        let view = compose(Layout::Grid2x2, 1280, 720, &members(6), 1, Some(3));
        let shown: Vec<_> = view.tiles.iter().map(|t| t.participant).collect();
        assert_eq!(shown, [2, 3, 4, 5]);
        let view = compose(Layout::Grid2x2, 1280, 720, &members(8), 1, Some(7));
        let shown: Vec<_> = view.tiles.iter().map(|t| t.participant).collect();
        assert_eq!(shown, [2, 3, 4, 7]);
    }

    #[test]
    fn more_than_sixteen_are_truncated() {
        let view = compose(Layout::Auto, 1920, 1080, &members(30), 1, None);
        assert_eq!(view.tiles.len(), MAX_TILES);
        let shown: Vec<_> = view.tiles.iter().map(|t| t.participant).collect();
        assert_eq!(shown, (2..=17).collect::<Vec<_>>());
        let view = compose(Layout::Auto, 1920, 1080, &members(30), 1, Some(25));
        assert_eq!(view.tiles[15].participant, 25);
        check_geometry(&view, 1920, 1080);
    }

    #[test]
    fn duplicates_get_one_tile() {
        let view = compose(Layout::Auto, 1280, 720, &[1, 2, 2, 3], 1, None);
        assert_eq!(view.tiles.len(), 2);
    }
    #[test]
    fn a_viewer_sees_every_member() {
        // 9 is not among the members (viewers get no tile): it sees all
        // four, and Auto counts four.
        let view = compose(Layout::Auto, 1280, 720, &members(4), 9, None);
        let shown: Vec<_> = view.tiles.iter().map(|t| t.participant).collect();
        assert_eq!(shown, [1, 2, 3, 4]);
        assert_eq!(view.layout, Layout::Grid2x2);
        // A member sees the three others: the viewer does not count.
        let view = compose(Layout::Auto, 1280, 720, &members(4), 1, None);
        assert_eq!(view.tiles.len(), 3);
        assert_eq!(view.layout, Layout::Grid2x2);
        check_geometry(&view, 1280, 720);
    }

    #[test]
    fn excluded_participants_get_no_tile() {
        let shown = |v: &View| v.tiles.iter().map(|t| t.participant).collect::<Vec<_>>();
        let view = compose_excluding(Layout::Auto, 1280, 720, &members(5), 1, &[3, 4], None);
        assert_eq!(shown(&view), [2, 5]);
        assert_eq!(view.layout, Layout::SideBySide);
        // An excluded speaker does not take the large tile.
        let view = compose_excluding(
            Layout::OnePlusFive,
            1280,
            720,
            &members(6),
            1,
            &[5],
            Some(5),
        );
        assert_eq!(shown(&view), [2, 3, 4, 6]);
        // Everyone excluded: alone.
        let view = compose_excluding(Layout::Auto, 1280, 720, &members(3), 1, &[2, 3], None);
        assert!(view.is_alone());
        // A viewer with an exclusion.
        let view = compose_excluding(Layout::Auto, 1280, 720, &members(3), 9, &[2], None);
        assert_eq!(shown(&view), [1, 3]);
        // Unknown ids in the list change nothing.
        let view = compose_excluding(Layout::Auto, 1280, 720, &members(3), 1, &[42], None);
        assert_eq!(shown(&view), [2, 3]);
    }
}
