//! The studio's colours as plain RGB, so the library (the exported lesson charts) and the UI
//! (`ui::palette`, which builds egui colours from them) draw with the same ones.

/// Classes in the data views and a chart's series, in order, on screen and in the exported PNGs:
/// a hand-out matches the screen.
pub const PALETTE: [[u8; 3]; 10] = [
    [242, 142, 43],
    [78, 121, 167],
    [89, 161, 79],
    [225, 87, 89],
    [176, 122, 161],
    [118, 183, 178],
    [237, 201, 72],
    [156, 117, 95],
    [255, 157, 167],
    [186, 176, 172],
];

/// `PALETTE`'s colours in words, for text that names them.
pub const PALETTE_NAMES: [&str; 10] =
    ["orange", "blue", "green", "red", "purple", "teal", "yellow", "brown", "pink", "grey"];

/// Okabe and Ito's colour-universal-design palette (2008), readable with every common colour
/// vision deficiency; the last is a grey rather than their black, which vanishes on a dark theme.
pub const COLOUR_BLIND_PALETTE: [[u8; 3]; 8] = [
    [230, 159, 0],
    [86, 180, 233],
    [0, 158, 115],
    [240, 228, 66],
    [0, 114, 178],
    [213, 94, 0],
    [204, 121, 167],
    [153, 153, 153],
];

/// `COLOUR_BLIND_PALETTE`'s colours in words a teacher can say aloud.
pub const COLOUR_BLIND_NAMES: [&str; 8] =
    ["orange", "sky blue", "bluish green", "yellow", "blue", "vermillion", "reddish purple", "grey"];
