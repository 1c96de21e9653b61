//! Class colours shared by the points and the boundary, readable on dark and light themes. They
//! are `crate::colors::PALETTE`, which the exported lesson charts use too.

use std::cell::Cell;

use egui::Color32;
use egui_plot::MarkerShape;

use crate::colors::{COLOUR_BLIND_NAMES, COLOUR_BLIND_PALETTE, PALETTE, PALETTE_NAMES};

/// egui colours from plain RGB, at compile time.
const fn to_colors<const N: usize>(rgb: [[u8; 3]; N]) -> [Color32; N] {
    let mut colors = [Color32::BLACK; N];
    let mut i = 0;
    while i < N {
        let [r, g, b] = rgb[i];
        colors[i] = Color32::from_rgb(r, g, b);
        i += 1;
    }
    colors
}

const CLASS_COLORS: [Color32; PALETTE.len()] = to_colors(PALETTE);
const COLOUR_BLIND_COLORS: [Color32; COLOUR_BLIND_PALETTE.len()] = to_colors(COLOUR_BLIND_PALETTE);

// Which palette the views draw with. A switch on the UI thread rather than a parameter: the
// class colour is asked for in every view, down to helpers that never see the settings; the
// studio sets it from its preferences (View > Colour-blind-safe colours). Per thread, so two
// studios in one process (the UI tests) do not repaint each other.
thread_local! {
    static COLOUR_BLIND: Cell<bool> = const { Cell::new(false) };
}

pub fn set_colour_blind(on: bool) {
    COLOUR_BLIND.with(|flag| flag.set(on));
}

pub fn is_colour_blind() -> bool {
    COLOUR_BLIND.with(Cell::get)
}

pub fn class_color(class: usize) -> Color32 {
    if is_colour_blind() {
        COLOUR_BLIND_COLORS[class % COLOUR_BLIND_COLORS.len()]
    } else {
        CLASS_COLORS[class % CLASS_COLORS.len()]
    }
}

/// The class colour's name, for text and screen readers ("class 1 (blue)").
pub fn class_color_name(class: usize) -> &'static str {
    if is_colour_blind() {
        COLOUR_BLIND_NAMES[class % COLOUR_BLIND_NAMES.len()]
    } else {
        PALETTE_NAMES[class % PALETTE_NAMES.len()]
    }
}

/// A marker shape per class, so classes differ by shape as well as colour.
pub fn class_marker(class: usize) -> MarkerShape {
    const SHAPES: [MarkerShape; 8] = [
        MarkerShape::Circle,
        MarkerShape::Square,
        MarkerShape::Up,
        MarkerShape::Diamond,
        MarkerShape::Down,
        MarkerShape::Cross,
        MarkerShape::Plus,
        MarkerShape::Asterisk,
    ];
    SHAPES[class % SHAPES.len()]
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
