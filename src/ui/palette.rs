//! Class colours shared by the points and the boundary, readable on dark and light themes.

use egui::Color32;

const CLASS_COLORS: [Color32; 10] = [
    Color32::from_rgb(242, 142, 43),
    Color32::from_rgb(78, 121, 167),
    Color32::from_rgb(89, 161, 79),
    Color32::from_rgb(225, 87, 89),
    Color32::from_rgb(176, 122, 161),
    Color32::from_rgb(118, 183, 178),
    Color32::from_rgb(237, 201, 72),
    Color32::from_rgb(156, 117, 95),
    Color32::from_rgb(255, 157, 167),
    Color32::from_rgb(186, 176, 172),
];

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
