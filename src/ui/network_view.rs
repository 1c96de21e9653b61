//! Inside a network, live: the diagram with its weights, each hidden unit's map over the input
//! plane, conv filters, weight and gradient histograms over time, gradient norms, diagnostics,
//! and "why this prediction?" for one row or plot point. Everything here reads snapshots the
//! training worker sent; textures are rebuilt only when a new snapshot arrives.

use std::sync::Arc;

use egui::{
    Align2, Color32, ColorImage, FontId, Rect, Sense, Stroke, TextureHandle, TextureOptions, pos2, vec2,
};
use egui_plot::{Legend, Line, Plot, PlotPoint, PlotPoints};

use super::palette::{class_color, mix, value_color};
use crate::data::{Dataset, InputShape, Target};
use crate::models::network::Shape;
use crate::models::network::diagnostics::Severity;
use crate::models::network::explain::Explanation;
use crate::models::network::snapshot::{DiagramStage, Histogram, NetworkInsight};
use crate::training::EpochRecord;
use crate::training::ExplainTarget;
use crate::training::OverfitWatch;

/// Time slices kept per histogram strip; beyond this every other one is dropped.
const HISTORY_SLICES: usize = 48;
const THUMB_SIZE: f32 = 52.0;
const ENLARGED_SIZE: f32 = 220.0;
const FILTER_SIZE: f32 = 40.0;
const FEATURE_MAP_SIZE: f32 = 48.0;
/// Feature maps drawn per conv layer, and units per vector layer, for one sample.
const MAX_FEATURE_MAPS: usize = 8;
const MAX_ACTIVATION_CELLS: usize = 64;
/// Diagram edges closer than this to the pointer show their weight.
const EDGE_HOVER_DISTANCE: f32 = 4.0;
const POSITIVE: Color32 = Color32::from_rgb(242, 142, 43);
const NEGATIVE: Color32 = Color32::from_rgb(78, 121, 167);

/// What the view needs from the studio besides its own state.
pub struct NetworkViewContext<'a> {
    pub data: &'a Dataset,
    /// A run is under way (the views say so instead of "train first").
    pub trained: bool,
}

#[derive(Default)]
pub struct NetworkView {
    insight: Option<Arc<NetworkInsight>>,
    units: Vec<LayerTextures>,
    filters: Vec<TextureHandle>,
    histories: Vec<LayerHistory>,
    /// (position in `units`, unit) shown large.
    enlarged: Option<(usize, usize)>,
    overfit: OverfitWatch,
    explained: Option<Explained>,
    explain_error: Option<String>,
    /// The data row the sample picker points at (0-based).
    pub sample: usize,
    /// Gradient norms as (layer label, points of log10 norm).
    norm_lines: Vec<(String, Vec<PlotPoint>)>,
    /// Snapshots received since the run began.
    snapshots: usize,
    /// The explanation shown predates the latest snapshot; asked again at most once a second.
    explanation_stale: bool,
    last_request: Option<web_time::Instant>,
}

struct LayerTextures {
    index: usize,
    layer: String,
    units: usize,
    textures: Vec<TextureHandle>,
}

/// One weighted layer's histograms over time, and their strips as textures.
struct LayerHistory {
    index: usize,
    layer: String,
    weights: Vec<Histogram>,
    gradients: Vec<Histogram>,
    /// Keep one snapshot in `stride` (doubles when the strip is thinned).
    stride: usize,
    seen: usize,
    weight_strip: Option<(TextureHandle, f32, f32)>,
    gradient_strip: Option<(TextureHandle, f32, f32)>,
}

struct Explained {
    target: ExplainTarget,
    explanation: Arc<Explanation>,
    /// Per layer with image output: (layer label, channels in all, one texture per channel).
    maps: Vec<(String, usize, Vec<TextureHandle>)>,
    saliency_image: Option<TextureHandle>,
}

impl NetworkView {
    /// A new run: forget the last network.
    pub fn reset(&mut self) {
        *self = Self { sample: self.sample, ..Self::default() };
    }

    pub fn snapshots(&self) -> usize {
        self.snapshots
    }

    pub fn insight(&self) -> Option<&NetworkInsight> {
        self.insight.as_deref()
    }

    pub fn explanation(&self) -> Option<&Explanation> {
        self.explained.as_ref().map(|e| e.explanation.as_ref())
    }

    /// Follows the epoch history for the overfitting diagnostic.
    pub fn push_epoch(&mut self, record: &EpochRecord) {
        self.overfit.push(record);
    }

    /// A new snapshot arrived: rebuild the textures and extend the histories.
    pub fn set_insight(&mut self, ctx: &egui::Context, insight: Arc<NetworkInsight>) {
        self.snapshots += 1;
        self.explanation_stale = self.explained.is_some();
        // Unit maps: reuse the textures when the layout is unchanged.
        let same_layout = self.units.len() == insight.unit_maps.len()
            && self.units.iter().zip(&insight.unit_maps).all(|(t, m)| t.textures.len() == m.maps.len());
        if !same_layout {
            self.units.clear();
            self.enlarged = None;
        }
        for (position, layer) in insight.unit_maps.iter().enumerate() {
            let n = layer.resolution;
            let images = layer.maps.iter().map(|map| unit_image(map, n));
            if same_layout {
                for (texture, image) in self.units[position].textures.iter_mut().zip(images) {
                    texture.set(image, TextureOptions::LINEAR);
                }
            } else {
                let textures = images
                    .enumerate()
                    .map(|(u, image)| {
                        ctx.load_texture(
                            format!("unit-map-{}-{u}", layer.index),
                            image,
                            TextureOptions::LINEAR,
                        )
                    })
                    .collect();
                self.units.push(LayerTextures {
                    index: layer.index,
                    layer: layer.layer.clone(),
                    units: layer.units,
                    textures,
                });
            }
        }
        self.filters = match &insight.conv_filters {
            Some(f) => f
                .filters
                .iter()
                .enumerate()
                .map(|(i, kernel)| {
                    let image = signed_image(kernel, f.width, f.height);
                    ctx.load_texture(format!("conv-filter-{i}"), image, TextureOptions::NEAREST)
                })
                .collect(),
            None => Vec::new(),
        };
        self.update_histories(ctx, &insight);
        let history = &insight.gradient_norms;
        self.norm_lines = history
            .layers
            .iter()
            .zip(&history.norms)
            .map(|((index, name), norms)| {
                let points = history
                    .steps
                    .iter()
                    .zip(norms)
                    .filter(|(_, n)| **n > 0.0 && n.is_finite())
                    .map(|(&s, &n)| PlotPoint::new(s, f64::from(n).log10()))
                    .collect();
                (format!("layer {index} {name}"), points)
            })
            .collect();
        self.insight = Some(insight);
    }

    fn update_histories(&mut self, ctx: &egui::Context, insight: &NetworkInsight) {
        if self.histories.len() != insight.histograms.len()
            || self.histories.iter().zip(&insight.histograms).any(|(h, l)| h.index != l.index)
        {
            self.histories = insight
                .histograms
                .iter()
                .map(|l| LayerHistory {
                    index: l.index,
                    layer: l.layer.clone(),
                    weights: Vec::new(),
                    gradients: Vec::new(),
                    stride: 1,
                    seen: 0,
                    weight_strip: None,
                    gradient_strip: None,
                })
                .collect();
        }
        for (history, layer) in self.histories.iter_mut().zip(&insight.histograms) {
            history.seen += 1;
            if (history.seen - 1) % history.stride != 0 {
                continue;
            }
            history.weights.push(layer.weights.clone());
            if let Some(g) = &layer.gradients {
                history.gradients.push(g.clone());
            }
            if history.weights.len() > HISTORY_SLICES {
                history.stride *= 2;
                for slices in [&mut history.weights, &mut history.gradients] {
                    let mut i = 0;
                    slices.retain(|_| {
                        i += 1;
                        i % 2 == 1
                    });
                }
            }
            let name = format!("histogram-{}", history.index);
            set_strip(ctx, &mut history.weight_strip, &format!("{name}-w"), &history.weights);
            set_strip(ctx, &mut history.gradient_strip, &format!("{name}-g"), &history.gradients);
        }
    }

    /// The answer to an explain request arrived.
    pub fn set_explanation(
        &mut self,
        ctx: &egui::Context,
        target: ExplainTarget,
        result: Result<Arc<Explanation>, String>,
        data: &Dataset,
    ) {
        let explanation = match result {
            Ok(e) => e,
            Err(message) => {
                self.explain_error = Some(message);
                return;
            }
        };
        self.explain_error = None;
        let maps = explanation
            .layers
            .iter()
            .filter(|l| l.shape.len() == 4)
            .map(|l| {
                let (channels, h, w) = (l.shape[1], l.shape[2], l.shape[3]);
                let textures = (0..channels.min(MAX_FEATURE_MAPS))
                    .map(|c| {
                        let values = &l.values[c * h * w..(c + 1) * h * w];
                        let image = signed_image(values, w, h);
                        ctx.load_texture(
                            format!("feature-map-{}-{c}", l.index),
                            image,
                            TextureOptions::NEAREST,
                        )
                    })
                    .collect();
                (format!("layer {} {}", l.index, l.layer), channels, textures)
            })
            .collect();
        let saliency_image = match data.input_shape {
            InputShape::Image { height, width, .. } if explanation.saliency.len() >= height * width => {
                let values: Vec<f32> =
                    explanation.saliency[..height * width].iter().map(|&v| v as f32).collect();
                Some(ctx.load_texture(
                    "saliency",
                    signed_image(&values, width, height),
                    TextureOptions::NEAREST,
                ))
            }
            _ => None,
        };
        self.explained = Some(Explained { target, explanation, maps, saliency_image });
    }

    /// Draws the views; returns a row or point the student asked to explain.
    pub fn ui(&mut self, ui: &mut egui::Ui, context: &NetworkViewContext<'_>) -> Option<ExplainTarget> {
        let mut request = None;
        let Some(insight) = self.insight.clone() else {
            ui.label(if context.trained {
                "Waiting for the first look inside the network..."
            } else {
                "Train the network (Step or Play) to see inside it."
            });
            return None;
        };
        ui.label(format!("Epoch {}, {} gradient steps.", insight.epoch, insight.steps));
        self.diagnostics_ui(ui, &insight);
        egui::CollapsingHeader::new("Network diagram")
            .default_open(true)
            .show(ui, |ui| diagram_ui(ui, &insight));
        if !self.units.is_empty() {
            egui::CollapsingHeader::new("Hidden units").default_open(true).show(ui, |ui| self.units_ui(ui));
        }
        if let Some(filters) = &insight.conv_filters {
            egui::CollapsingHeader::new("Conv filters").default_open(true).show(ui, |ui| {
                ui.label(format!(
                    "The {} kernels of layer {} {} ({}×{}; orange adds, blue subtracts).",
                    filters.total, filters.index, filters.layer, filters.height, filters.width
                ));
                ui.horizontal_wrapped(|ui| {
                    for (i, texture) in self.filters.iter().enumerate() {
                        // A conv1d filter is a strip: as wide as a conv2d one, as tall as its channels.
                        let [w, h] = texture.size();
                        let size = vec2(FILTER_SIZE, FILTER_SIZE * h as f32 / w.max(1) as f32);
                        let sized = egui::load::SizedTexture::new(texture.id(), size);
                        let response = ui.add(egui::Image::from_texture(sized));
                        response.widget_info(|| {
                            egui::WidgetInfo::labeled(
                                egui::Role::Image,
                                true,
                                format!("conv filter {}", i + 1),
                            )
                        });
                    }
                });
            });
        }
        egui::CollapsingHeader::new("Why this prediction?").default_open(true).show(ui, |ui| {
            request = self.explain_ui(ui, context);
        });
        // Keep the answer current while the network trains.
        if request.is_none()
            && self.explanation_stale
            && self.last_request.is_none_or(|t| t.elapsed() >= std::time::Duration::from_secs(1))
        {
            request = self.explained.as_ref().map(|e| e.target);
        }
        if request.is_some() {
            self.explanation_stale = false;
            self.last_request = Some(web_time::Instant::now());
        }
        egui::CollapsingHeader::new("Weight and gradient histograms")
            .default_open(false)
            .show(ui, |ui| self.histograms_ui(ui));
        egui::CollapsingHeader::new("Gradient norms").default_open(false).show(ui, |ui| self.norms_ui(ui));
        request
    }

    fn diagnostics_ui(&self, ui: &mut egui::Ui, insight: &NetworkInsight) {
        let mut any = false;
        for diagnostic in insight.diagnostics.iter().chain(self.overfit.diagnostic().as_ref()) {
            any = true;
            let color = match diagnostic.severity {
                Severity::Problem => ui.visuals().error_fg_color,
                Severity::Warning => ui.visuals().warn_fg_color,
            };
            ui.colored_label(color, &diagnostic.text);
        }
        if !any && insight.steps > 0 {
            ui.colored_label(
                Color32::from_rgb(89, 161, 79),
                "No warning signs: the ReLUs fire, gradients reach every layer at a sensible size.",
            );
        }
    }

    fn units_ui(&mut self, ui: &mut egui::Ui) {
        ui.label("Each square is one unit's output over the plane of the boundary plot (orange high, blue low). Click one to enlarge it.");
        let mut clicked = None;
        for (position, layer) in self.units.iter().enumerate() {
            let shown = layer.textures.len();
            let more = if layer.units > shown { format!(", first {shown} shown") } else { String::new() };
            ui.small(format!("layer {} {} ({} units{more})", layer.index, layer.layer, layer.units));
            ui.horizontal_wrapped(|ui| {
                for (u, texture) in layer.textures.iter().enumerate() {
                    let selected = self.enlarged == Some((position, u));
                    let response = ui.add(image_of(texture, THUMB_SIZE).sense(Sense::click()));
                    if selected {
                        ui.painter().rect_stroke(
                            response.rect,
                            0.0,
                            Stroke::new(2.0, ui.visuals().selection.stroke.color),
                            egui::StrokeKind::Outside,
                        );
                    }
                    let label = format!("unit map: layer {} unit {}", layer.index, u + 1);
                    response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Button, true, &label));
                    if response.on_hover_text(&label).clicked() {
                        clicked = Some((position, u));
                    }
                }
            });
        }
        if let Some(c) = clicked {
            self.enlarged = if self.enlarged == Some(c) { None } else { Some(c) };
        }
        if let Some((position, u)) = self.enlarged
            && let Some(layer) = self.units.get(position)
            && let Some(texture) = layer.textures.get(u)
        {
            ui.label(format!("Unit {} of layer {} {}, enlarged:", u + 1, layer.index, layer.layer));
            let response = ui.add(image_of(texture, ENLARGED_SIZE));
            response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Image, true, "enlarged unit map"));
        }
    }

    fn explain_ui(&mut self, ui: &mut egui::Ui, context: &NetworkViewContext<'_>) -> Option<ExplainTarget> {
        let data = context.data;
        let mut request = None;
        match data.input_shape {
            InputShape::Vector if data.n_features() >= 2 => {
                ui.label("Click a point on the boundary plot, or pick a row:");
            }
            InputShape::Image { .. } => {
                ui.label("Click a digit, or pick a row, to see what every layer makes of it:");
                request = digit_picker_ui(ui, data, 12);
            }
            _ => {
                ui.label("Pick a row to see what every layer makes of it:");
            }
        }
        ui.horizontal(|ui| {
            let last = data.rows().saturating_sub(1);
            let mut row = self.sample.min(last) + 1;
            ui.label("row");
            ui.add(egui::DragValue::new(&mut row).range(1..=last + 1));
            self.sample = row - 1;
            if ui.button("Explain row").clicked() {
                request = Some(ExplainTarget::Row(self.sample));
            }
        });
        if let Some(ExplainTarget::Row(i)) = request {
            self.sample = i;
        }
        if let Some(error) = &self.explain_error {
            ui.colored_label(ui.visuals().error_fg_color, error);
        }
        let Some(explained) = &self.explained else { return request };
        let e = &explained.explanation;
        let what = match explained.target {
            ExplainTarget::Row(i) => format!("Row {}", i + 1),
            ExplainTarget::Point([x, y]) => format!("The point ({x:.2}, {y:.2})"),
        };
        let answer = match (e.confidence, data.class_names().get(e.predicted as usize)) {
            (Some(p), Some(name)) => format!("{what}: predicted {name} with probability {p:.2}."),
            (Some(p), None) => format!("{what}: predicted class {} with probability {p:.2}.", e.predicted),
            (None, _) => format!("{what}: predicted value {:.3}.", e.predicted),
        };
        ui.strong(answer);
        ui.label("Saliency: how much the predicted score moves per unit of each (standardized) input; orange pushes toward the prediction, blue away.");
        match (&explained.saliency_image, data.input_shape) {
            (Some(texture), _) => {
                let response = ui.add(image_of(texture, 96.0));
                response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Image, true, "saliency image"));
            }
            (None, InputShape::Sequence { steps, channels }) => {
                // The sequence itself above its saliency, step for step.
                if let ExplainTarget::Row(i) = explained.target
                    && i < data.rows()
                {
                    let row = data.row(i);
                    Plot::new("explained_sequence")
                        .height(90.0)
                        .allow_scroll(false)
                        .x_axis_label("step")
                        .show(ui, |plot| {
                            for c in 0..channels {
                                let points: Vec<[f64; 2]> =
                                    (0..steps).map(|t| [t as f64, row[t * channels + c]]).collect();
                                plot.line(Line::new(format!("input {}", c + 1), PlotPoints::from(points)));
                            }
                        });
                }
                let points: Vec<[f64; 2]> =
                    e.saliency.iter().enumerate().map(|(i, &v)| [(i / channels.max(1)) as f64, v]).collect();
                Plot::new("saliency_over_time")
                    .height(110.0)
                    .allow_scroll(false)
                    .x_axis_label("step")
                    .show(ui, |plot| plot.line(Line::new("saliency", PlotPoints::from(points))));
            }
            (None, _) => saliency_bars_ui(ui, &e.saliency, &data.feature_names),
        }
        egui::CollapsingHeader::new("Activation maps").default_open(true).show(ui, |ui| {
            for (label, channels, textures) in &explained.maps {
                let more = if *channels > textures.len() {
                    format!(", first {}", textures.len())
                } else {
                    String::new()
                };
                ui.small(format!("{label} ({channels} maps{more})"));
                ui.horizontal_wrapped(|ui| {
                    for (c, texture) in textures.iter().enumerate() {
                        let response = ui.add(image_of(texture, FEATURE_MAP_SIZE));
                        let label = format!("activation map: {label} channel {}", c + 1);
                        response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Image, true, &label));
                    }
                });
            }
            for layer in e.layers.iter().filter(|l| l.shape.len() == 2) {
                activation_row_ui(ui, &format!("layer {} {}", layer.index, layer.layer), &layer.values);
            }
        });
        if !e.hidden_states.is_empty() {
            egui::CollapsingHeader::new("Hidden state over time").default_open(true).show(ui, |ui| {
                for states in &e.hidden_states {
                    ui.small(format!(
                        "layer {} {}: each line is one hidden unit, step by step",
                        states.index, states.layer
                    ));
                    let units = states.states.first().map_or(0, Vec::len);
                    Plot::new(("hidden_state", states.index))
                        .height(140.0)
                        .allow_scroll(false)
                        .x_axis_label("step")
                        .show(ui, |plot| {
                            for u in 0..units.min(MAX_FEATURE_MAPS) {
                                let points: Vec<[f64; 2]> = states
                                    .states
                                    .iter()
                                    .enumerate()
                                    .map(|(t, h)| [t as f64 + 1.0, f64::from(h[u])])
                                    .collect();
                                plot.line(
                                    Line::new(format!("unit {}", u + 1), PlotPoints::from(points))
                                        .color(class_color(u)),
                                );
                            }
                        });
                }
            });
        }
        request
    }

    fn histograms_ui(&self, ui: &mut egui::Ui) {
        ui.label("Each strip runs left (start) to right (now); each column is one moment's histogram, darker where more values sit.");
        for history in &self.histories {
            ui.small(format!("layer {} {}", history.index, history.layer));
            ui.horizontal(|ui| {
                for (what, strip) in
                    [("weights", &history.weight_strip), ("gradients", &history.gradient_strip)]
                {
                    let Some((texture, lo, hi)) = strip else { continue };
                    ui.vertical(|ui| {
                        let response = ui.add(egui::Image::from_texture(egui::load::SizedTexture::new(
                            texture.id(),
                            vec2(150.0, 60.0),
                        )));
                        let label = format!("{what} histogram, layer {}", history.index);
                        response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Image, true, &label));
                        ui.small(format!("{what}: {} to {}", short(*lo), short(*hi)));
                    });
                }
            });
        }
    }

    fn norms_ui(&self, ui: &mut egui::Ui) {
        if self.norm_lines.iter().all(|(_, p)| p.is_empty()) {
            ui.label("No gradient norms recorded yet.");
            return;
        }
        ui.label("Each layer's gradient size per step, on a log scale: lines far apart mean vanishing or exploding gradients.");
        Plot::new("gradient_norms")
            .height(180.0)
            .legend(Legend::default())
            .allow_scroll(false)
            .x_axis_label("step")
            .y_axis_label("gradient norm")
            .y_axis_formatter(|mark, _| format!("1e{:.0}", mark.value))
            .show(ui, |plot| {
                for (i, (name, points)) in self.norm_lines.iter().enumerate() {
                    plot.line(Line::new(name.as_str(), PlotPoints::Borrowed(points)).color(class_color(i)));
                }
            });
    }
}

fn short(v: f32) -> String {
    if v.abs() >= 0.01 || v == 0.0 { format!("{v:.2}") } else { format!("{v:.1e}") }
}

fn image_of(texture: &TextureHandle, size: f32) -> egui::Image<'static> {
    egui::Image::from_texture(egui::load::SizedTexture::new(texture.id(), vec2(size, size)))
}

/// A unit's map, bottom row first, coloured blue (low) to orange (high) around zero.
fn unit_image(values: &[f32], n: usize) -> ColorImage {
    let scale = values.iter().fold(0f32, |m, v| m.max(v.abs())).max(1e-6);
    let mut pixels = vec![Color32::TRANSPARENT; n * n];
    for (i, v) in values.iter().enumerate().take(n * n) {
        let (row, column) = (i / n, i % n);
        pixels[(n - 1 - row) * n + column] = value_color(0.5 + 0.5 * v / scale);
    }
    ColorImage::new([n, n], pixels)
}

/// Values laid out top row first, coloured by sign around zero.
fn signed_image(values: &[f32], width: usize, height: usize) -> ColorImage {
    let scale = values.iter().fold(0f32, |m, v| m.max(v.abs())).max(1e-6);
    let pixels = (0..width * height)
        .map(|i| value_color(0.5 + 0.5 * values.get(i).copied().unwrap_or(0.0) / scale))
        .collect();
    ColorImage::new([width, height], pixels)
}

/// Histograms over time as one texture: columns are moments, rows bins (high values on top).
fn set_strip(
    ctx: &egui::Context,
    slot: &mut Option<(TextureHandle, f32, f32)>,
    name: &str,
    slices: &[Histogram],
) {
    if slices.is_empty() {
        return;
    }
    const ROWS: usize = 32;
    let lo = slices.iter().map(|h| h.lo).fold(f32::INFINITY, f32::min);
    let hi = slices.iter().map(|h| h.hi).fold(f32::NEG_INFINITY, f32::max);
    let span = (hi - lo).max(1e-12);
    let columns = slices.len();
    let mut density = vec![0f32; columns * ROWS];
    for (c, h) in slices.iter().enumerate() {
        for (i, &count) in h.counts.iter().enumerate() {
            let row = (((h.center(i) - lo) / span) * ROWS as f32) as usize;
            density[row.min(ROWS - 1) * columns + c] += count as f32;
        }
        let max = (0..ROWS).map(|r| density[r * columns + c]).fold(0f32, f32::max).max(1.0);
        for r in 0..ROWS {
            density[r * columns + c] = (density[r * columns + c] / max).sqrt();
        }
    }
    let background = Color32::from_gray(250);
    let ink = Color32::from_rgb(78, 121, 167);
    let mut pixels = vec![background; columns * ROWS];
    for r in 0..ROWS {
        for c in 0..columns {
            pixels[(ROWS - 1 - r) * columns + c] = mix(background, ink, density[r * columns + c]);
        }
    }
    let image = ColorImage::new([columns, ROWS], pixels);
    match slot {
        Some((texture, l, h)) if texture.size() == [columns, ROWS] => {
            texture.set(image, TextureOptions::NEAREST);
            (*l, *h) = (lo, hi);
        }
        _ => *slot = Some((ctx.load_texture(name, image, TextureOptions::NEAREST), lo, hi)),
    }
}

/// The first digits as clickable pictures; returns the one clicked.
fn digit_picker_ui(ui: &mut egui::Ui, data: &Dataset, count: usize) -> Option<ExplainTarget> {
    let InputShape::Image { height, width, .. } = data.input_shape else { return None };
    let pixel = 3.0;
    let mut clicked = None;
    ui.horizontal_wrapped(|ui| {
        for i in 0..count.min(data.rows()) {
            let row = data.row(i);
            let (lo, hi) =
                row.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| (a.min(v), b.max(v)));
            let span = (hi - lo).max(1e-9);
            let (rect, response) =
                ui.allocate_exact_size(vec2(width as f32 * pixel, height as f32 * pixel), Sense::click());
            super::data_view::paint_grey_image(&ui.painter_at(rect), rect, row, width, height, (lo, span));
            let class = match &data.target {
                Target::Classes { labels, class_names } => class_names[labels[i] as usize].clone(),
                Target::Values(values) => format!("{:.2}", values[i]),
            };
            let label = format!("digit row {} ({class})", i + 1);
            response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Button, true, &label));
            if response.on_hover_text(&label).clicked() {
                clicked = Some(ExplainTarget::Row(i));
            }
        }
    });
    clicked
}

/// One bar per input feature, orange for positive saliency, blue for negative.
fn saliency_bars_ui(ui: &mut egui::Ui, saliency: &[f64], names: &[String]) {
    let scale = saliency.iter().fold(0f64, |m, v| m.max(v.abs())).max(1e-12);
    egui::Grid::new("saliency_bars").show(ui, |ui| {
        for (i, &v) in saliency.iter().enumerate().take(32) {
            let name = names.get(i).cloned().unwrap_or_else(|| format!("feature {}", i + 1));
            ui.label(&name);
            let (rect, response) = ui.allocate_exact_size(vec2(160.0, 12.0), Sense::hover());
            let middle = rect.center().x;
            let end = middle + (v / scale) as f32 * rect.width() / 2.0;
            let bar = Rect::from_x_y_ranges(middle.min(end)..=middle.max(end), rect.y_range());
            ui.painter().rect_filled(bar, 0.0, if v >= 0.0 { POSITIVE } else { NEGATIVE });
            ui.painter().vline(middle, rect.y_range(), Stroke::new(1.0, ui.visuals().weak_text_color()));
            let label = format!("saliency of {name}: {v:.3}");
            response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Image, true, &label));
            ui.label(format!("{v:+.3}"));
            ui.end_row();
        }
    });
    if saliency.len() > 32 {
        ui.small(format!("... and {} more inputs", saliency.len() - 32));
    }
}

/// A vector layer's activation for one row as a strip of coloured cells.
fn activation_row_ui(ui: &mut egui::Ui, label: &str, values: &[f32]) {
    ui.horizontal(|ui| {
        ui.small(label);
        let shown = values.len().min(MAX_ACTIVATION_CELLS);
        // Narrower cells for wide layers, so the strip fits the panel.
        let cell = (ui.available_width() / shown.max(1) as f32).clamp(3.0, 10.0);
        let (rect, response) = ui.allocate_exact_size(vec2(cell * shown as f32, cell), Sense::hover());
        let scale = values.iter().fold(0f32, |m, v| m.max(v.abs())).max(1e-6);
        for (i, v) in values.iter().take(shown).enumerate() {
            let r = Rect::from_min_size(rect.min + vec2(i as f32 * cell, 0.0), vec2(cell - 1.0, cell));
            ui.painter().rect_filled(r, 0.0, value_color(0.5 + 0.5 * v / scale));
        }
        let text = format!("activations of {label}");
        response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Image, true, &text));
        if let Some(pos) = response.hover_pos() {
            let i = ((pos.x - rect.min.x) / cell) as usize;
            if let Some(v) = values.get(i) {
                response.on_hover_text_at_pointer(format!("unit {}: {v:.3}", i + 1));
            }
        }
    });
}

/// Nodes per layer and edges coloured by sign, thickened by size; hover an edge for its weight.
fn diagram_ui(ui: &mut egui::Ui, insight: &NetworkInsight) {
    let layers = &insight.diagram;
    let Some(first) = layers.first() else {
        ui.label("This network has no dense layers to draw.");
        return;
    };
    stages_ui(ui, &insight.stages);
    // After convolutions or a recurrent layer, the first column is what the last step hands on.
    let feeding = insight.stages.last().map_or("inputs", |s| s.label.split(" + ").next().unwrap_or("inputs"));
    let mut columns: Vec<(usize, usize, String)> =
        vec![(first.shown_inputs, first.inputs, format!("{feeding} ({})", first.inputs))];
    columns.extend(layers.iter().map(|l| (l.shown_units, l.units, l.layer.clone())));
    let most = columns.iter().map(|c| c.0).max().unwrap_or(1);
    let height = (most as f32 * 16.0 + 40.0).max(90.0);
    let width = ui.available_width().clamp(200.0, 520.0);
    let (rect, response) = ui.allocate_exact_size(vec2(width, height), Sense::hover());
    let painter = ui.painter_at(rect);
    let top = rect.min.y + 22.0;
    let usable = height - 34.0;
    let x_of = |c: usize| rect.min.x + 30.0 + c as f32 * (width - 60.0) / (columns.len() - 1).max(1) as f32;
    let y_of = |n: usize, i: usize| top + (i as f32 + 0.5) * usable / n.max(1) as f32;
    let pointer = response.hover_pos();
    let mut nearest: Option<(f32, String)> = None;
    for (k, layer) in layers.iter().enumerate() {
        let scale = layer.weights.iter().fold(0f32, |m, w| m.max(w.abs())).max(1e-6);
        let (x0, x1) = (x_of(k), x_of(k + 1));
        for i in 0..layer.shown_inputs {
            for u in 0..layer.shown_units {
                let w = layer.weights[i * layer.shown_units + u];
                let strength = w.abs() / scale;
                let (a, b) = (pos2(x0, y_of(layer.shown_inputs, i)), pos2(x1, y_of(layer.shown_units, u)));
                let base = if w >= 0.0 { POSITIVE } else { NEGATIVE };
                let color = base.gamma_multiply(0.15 + 0.85 * strength);
                painter.line_segment([a, b], Stroke::new(0.5 + 3.0 * strength, color));
                if let Some(p) = pointer {
                    let d = distance_to_segment(p, a, b);
                    if d < EDGE_HOVER_DISTANCE && nearest.as_ref().is_none_or(|n| d < n.0) {
                        let text = format!(
                            "layer {} {}: input {} -> unit {}: weight {w:.3}",
                            layer.index,
                            layer.layer,
                            i + 1,
                            u + 1
                        );
                        nearest = Some((d, text));
                    }
                }
            }
        }
    }
    let node = ui.visuals().strong_text_color();
    let text_color = ui.visuals().text_color();
    for (c, (shown, total, label)) in columns.iter().enumerate() {
        let x = x_of(c);
        for i in 0..*shown {
            painter.circle(
                pos2(x, y_of(*shown, i)),
                4.0,
                ui.visuals().extreme_bg_color,
                Stroke::new(1.0, node),
            );
        }
        // The outer labels lean inwards so they are never cut at the edges.
        let (anchor, label_x) = match c {
            0 => (Align2::LEFT_CENTER, rect.min.x + 2.0),
            c if c + 1 == columns.len() => (Align2::RIGHT_CENTER, rect.max.x - 2.0),
            _ => (Align2::CENTER_CENTER, x),
        };
        painter.text(
            pos2(label_x, rect.min.y + 8.0),
            anchor,
            short_label(label),
            FontId::proportional(11.0),
            text_color,
        );
        if total > shown {
            painter.text(
                pos2(x, rect.max.y - 6.0),
                Align2::CENTER_CENTER,
                format!("+{} more", total - shown),
                FontId::proportional(10.0),
                text_color,
            );
        }
    }
    let names: Vec<&str> = columns.iter().map(|c| c.2.as_str()).collect();
    let summary = if insight.stages.is_empty() {
        format!("network diagram: {}", names.join(" | "))
    } else {
        let steps: Vec<String> =
            insight.stages.iter().map(|s| format!("{} {}", s.label, s.output.compact())).collect();
        format!("network diagram: {} | {}", steps.join(" -> "), names[1..].join(" | "))
    };
    response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Image, true, &summary));
    if let Some((_, text)) = nearest {
        response.on_hover_text_at_pointer(text);
    }
    ui.small(format!("Layers: {}", names.join(" | ")));
    ui.small(
        "Orange edges are positive weights, blue negative; thicker is larger. Hover an edge for its value.",
    );
}

/// The steps before the dense layers as blocks in a row: stacked squares for images (one per
/// channel, four at most), a row of cells for sequences, a column of dots for vectors; the
/// layer above, its output shape below, parameters on hover.
fn stages_ui(ui: &mut egui::Ui, stages: &[DiagramStage]) {
    if stages.is_empty() {
        return;
    }
    let node = ui.visuals().strong_text_color();
    let fill = ui.visuals().extreme_bg_color;
    let text_color = ui.visuals().text_color();
    ui.horizontal_wrapped(|ui| {
        for (k, stage) in stages.iter().enumerate() {
            if k > 0 {
                let (rect, _) = ui.allocate_exact_size(vec2(12.0, 84.0), Sense::hover());
                let y = rect.center().y + 4.0;
                ui.painter().arrow(pos2(rect.min.x, y), vec2(rect.width(), 0.0), Stroke::new(1.0, node));
            }
            let (rect, response) = ui.allocate_exact_size(vec2(76.0, 84.0), Sense::hover());
            let painter = ui.painter_at(rect);
            let name = painter.layout(
                stage.label.replace(" + ", "\n+ "),
                FontId::proportional(10.0),
                text_color,
                rect.width(),
            );
            let figure_top = rect.min.y + name.size().y + 4.0;
            painter.galley(pos2(rect.center().x - name.size().x / 2.0, rect.min.y), name, text_color);
            let figure = Rect::from_min_max(
                pos2(rect.min.x + 8.0, figure_top),
                pos2(rect.max.x - 8.0, rect.max.y - 16.0),
            );
            let stroke = Stroke::new(1.0, node);
            match stage.output {
                Shape::Image { channels, height, width } => {
                    let maps = channels.clamp(1, 4);
                    let offset = 4.0;
                    let side = (figure.height() - offset * (maps - 1) as f32)
                        .min(figure.width() - offset * (maps - 1) as f32)
                        .max(6.0);
                    let aspect = width as f32 / height.max(1) as f32;
                    let size =
                        if aspect >= 1.0 { vec2(side, side / aspect) } else { vec2(side * aspect, side) };
                    let start =
                        pos2(figure.center().x - (size.x + offset * (maps - 1) as f32) / 2.0, figure.min.y);
                    for m in (0..maps).rev() {
                        let min = start + vec2(offset * m as f32, offset * m as f32);
                        painter.rect(
                            Rect::from_min_size(min, size),
                            1.0,
                            fill,
                            stroke,
                            egui::StrokeKind::Inside,
                        );
                    }
                }
                Shape::Sequence { steps, .. } => {
                    let cells = steps.clamp(1, 10);
                    let cell = (figure.width() / cells as f32).min(10.0);
                    let left = figure.center().x - cell * cells as f32 / 2.0;
                    for c in 0..cells {
                        let min = pos2(left + c as f32 * cell, figure.center().y - cell / 2.0);
                        painter.rect(
                            Rect::from_min_size(min, vec2(cell, cell)),
                            0.0,
                            fill,
                            stroke,
                            egui::StrokeKind::Inside,
                        );
                    }
                }
                Shape::Vector(n) => {
                    let dots = n.clamp(1, 6);
                    for d in 0..dots {
                        let y = figure.min.y + (d as f32 + 0.5) * figure.height() / dots as f32;
                        painter.circle(pos2(figure.center().x, y), 3.0, fill, stroke);
                    }
                }
            }
            painter.text(
                pos2(rect.center().x, rect.max.y - 7.0),
                Align2::CENTER_CENTER,
                stage.output.compact(),
                FontId::proportional(10.0),
                text_color,
            );
            let about = format!(
                "stage: {}, output {}, {} parameters",
                stage.label,
                stage.output.compact(),
                stage.parameters
            );
            response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Image, true, &about));
            response.on_hover_text(about);
        }
    });
    ui.small("The steps before the dense layers; the nodes below start where they end.");
}

fn short_label(label: &str) -> String {
    label.strip_prefix("output ").map_or_else(|| label.to_string(), |rest| format!("out {rest}"))
}

/// How far `p` is from the segment `a`–`b` (an edge under the pointer).
pub(super) fn distance_to_segment(p: egui::Pos2, a: egui::Pos2, b: egui::Pos2) -> f32 {
    let ab = b - a;
    let t = ((p - a).dot(ab) / ab.length_sq().max(1e-6)).clamp(0.0, 1.0);
    (a + ab * t - p).length()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_images_put_the_bottom_grid_row_at_the_bottom() {
        // 2×2 grid, bottom row first: the bottom-left cell is the largest.
        let image = unit_image(&[1.0, 0.0, 0.0, -1.0], 2);
        assert_eq!(image.pixels[2], value_color(1.0), "bottom-left");
        assert_eq!(image.pixels[1], value_color(0.0), "top-right");
    }

    #[test]
    fn a_point_on_an_edge_is_near_it() {
        let (a, b) = (pos2(0.0, 0.0), pos2(10.0, 0.0));
        assert!(distance_to_segment(pos2(5.0, 1.0), a, b) < 1.01);
        assert!((distance_to_segment(pos2(13.0, 4.0), a, b) - 5.0).abs() < 1e-4);
    }
}
