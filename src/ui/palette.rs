//! Class colours shared by the points and the boundary, readable on dark and light themes. They
//! are `crate::colors::PALETTE`, which the exported lesson charts use too.

use egui::Color32;

use crate::colors::PALETTE;

const CLASS_COLORS: [Color32; PALETTE.len()] = {
    let mut colors = [Color32::BLACK; PALETTE.len()];
    let mut i = 0;
    while i < PALETTE.len() {
        let [r, g, b] = PALETTE[i];
        colors[i] = Color32::from_rgb(r, g, b);
        i += 1;
    }
    colors
};

pub fn class_color(class: usize) -> Color32 {
    CLASS_COLORS[class % CLASS_COLORS.len()]
}

/// Mixes `a` towards `b` by `t` in [0, 1].
pub fn mix(a: Color32, b: Color32, t: f32) -> Color32 {
    let t = t.clamp(0.0, 1.0);
    let channel = |x: u8, y: u8| (x as f32 + (y as f32 - x as f32) * t).round() as u8;
    Color32::from_rgb(channel(a.r(), b.r()), channel(a.g(), b.g()), channel(a.b(), b.b()))
}

/// Blue-white-orange scale for regression values, `t` in [0, 1].
pub fn value_color(t: f32) -> Color32 {
    let low = Color32::from_rgb(78, 121, 167);
    let mid = Color32::from_rgb(240, 240, 240);
    let high = Color32::from_rgb(242, 142, 43);
    if t < 0.5 { mix(low, mid, t * 2.0) } else { mix(mid, high, (t - 0.5) * 2.0) }
}
