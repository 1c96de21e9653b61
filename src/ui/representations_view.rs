//! "Representations": the test rows as each layer of a network sees them, one small scatter per
//! layer from the raw input on the left to the output on the right, each on its own first two
//! principal components and coloured by class. It draws what the training worker sent.

use std::sync::Arc;

use egui::Color32;
use egui_plot::{MarkerShape, Plot, PlotBounds, Points};

use super::palette::{class_color, value_color};
use crate::data::Dataset;
use crate::models::network::representations::{LayerProjection, MAX_PCA_WIDTH, Representations};

/// Smallest and largest side of one layer's plot.
const MIN_PLOT: f32 = 170.0;
const MAX_PLOT: f32 = 300.0;
/// Colour steps for a regression target.
const VALUE_BINS: usize = 8;

/// What the view needs from the studio besides what the worker sent.
pub struct RepresentationsContext<'a> {
    pub data: &'a Dataset,
    pub is_network: bool,
    /// A run is under way (the view says so instead of "train first").
    pub trained: bool,
}

#[derive(Default)]
pub struct RepresentationsView {
    latest: Option<Arc<Representations>>,
    error: Option<String>,
    /// Updates received since the run began.
    updates: usize,
}

impl RepresentationsView {
    /// A new run: forget the last network's pictures.
    pub fn reset(&mut self) {
        *self = Self::default();
    }

    pub fn set(&mut self, result: Result<Arc<Representations>, String>) {
        self.updates += 1;
        match result {
            Ok(r) => {
                self.latest = Some(r);
                self.error = None;
            }
            Err(message) => self.error = Some(message),
        }
    }

    pub fn latest(&self) -> Option<&Representations> {
        self.latest.as_deref()
    }

    pub fn updates(&self) -> usize {
        self.updates
    }

    pub fn ui(&self, ui: &mut egui::Ui, context: &RepresentationsContext<'_>) {
        ui.strong("How each layer sees the test rows");
        if !context.is_network {
            ui.label(
                "Representations are for networks: a classical model has no layers to look inside. \
                 Pick MLP, or build a network, to watch each layer turn the data into its own features.",
            );
            return;
        }
        ui.label(format!(
            "Each plot is one layer's output for up to {} test rows, flattened to 2-D with PCA (the flat view \
             that keeps the most spread) and coloured by class: the raw input on the left, the output on the right.",
            crate::models::network::representations::MAX_REPRESENTATION_ROWS
        ));
        if let Some(error) = &self.error {
            ui.colored_label(
                ui.visuals().error_fg_color,
                format!("The layers could not be projected: {error}"),
            );
        }
        let Some(r) = self.latest.as_deref() else {
            if context.trained {
                ui.horizontal(|ui| {
                    ui.spinner();
                    ui.label("Projecting the test rows through every layer...");
                });
            } else {
                ui.label("Train the network (Step or Play) to see what each layer makes of the data.");
            }
            return;
        };
        ui.label(format!("Epoch {}, {} test rows.", r.epoch, r.targets.len()));
        ui.add_space(4.0);
        layers_ui(ui, r);
        legend_ui(ui, r, context.data);
        ui.add_space(6.0);
        ui.label(
            "What to look for: in the raw input the colours overlap; layer by layer the same rows move until \
             each class sits in its own patch. The last hidden layer's picture is what the output layer draws \
             its straight lines through, so features that pull the classes apart are what the network has \
             learned. Colours that stay mixed mean it has not learned yet (or cannot).",
        );
    }
}

/// The plots, left to right in rows as wide as the view.
fn layers_ui(ui: &mut egui::Ui, r: &Representations) {
    let spacing = ui.spacing().item_spacing.x + 8.0;
    let available = ui.available_width().max(MIN_PLOT);
    let n = r.layers.len().max(1);
    let columns = ((available / (MIN_PLOT + spacing)).floor() as usize).clamp(1, n);
    let side = (available / columns as f32 - spacing).clamp(MIN_PLOT.min(available), MAX_PLOT);
    for (row, chunk) in r.layers.chunks(columns).enumerate() {
        ui.horizontal_top(|ui| {
            for (offset, layer) in chunk.iter().enumerate() {
                let position = row * columns + offset;
                ui.vertical(|ui| {
                    ui.set_width(side);
                    layer_ui(ui, r, layer, position, side);
                });
                ui.add_space(8.0);
            }
        });
        ui.add_space(4.0);
    }
}

fn layer_ui(ui: &mut egui::Ui, r: &Representations, layer: &LayerProjection, position: usize, side: f32) {
    let title = layer.title();
    ui.strong(&title).on_hover_text(format!(
        "{} values per row{}; the two axes keep {:.0}% and {:.0}% of their spread. The frame holds the middle \
         96% of the rows on each axis: the few farthest out fall outside it.",
        layer.width,
        if layer.sketched {
            format!(" (folded into {MAX_PCA_WIDTH} directions before the PCA)")
        } else {
            String::new()
        },
        layer.explained[0] * 100.0,
        layer.explained[1] * 100.0
    ));
    let response = bare_plot(egui::IdSalt::new(("representation", position)), side)
        .show(ui, |plot| {
            if let Some((min, max)) = framing(&layer.points) {
                plot.set_plot_bounds(PlotBounds::from_min_max(min, max));
            }
            for (name, color, points) in groups(r, layer) {
                plot.points(
                    Points::new(name, points)
                        .color(color)
                        .radius(2.0)
                        .shape(MarkerShape::Circle)
                        .filled(true),
                );
            }
        })
        .response;
    let label = format!("representation plot: {title}");
    response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Image, true, &label));
    match layer.separation {
        Some(share) => {
            ui.small(format!("{:.0}% of rows lie nearest their own class's centre here", share * 100.0));
        }
        None => {
            ui.small(format!("{} values per row", layer.width));
        }
    }
}

/// A frame around the middle 96% of the points on each axis, with a margin: a few far-out rows
/// (a rare pixel, standardized) would otherwise squeeze everyone else into a corner.
fn framing(points: &[[f64; 2]]) -> Option<([f64; 2], [f64; 2])> {
    if points.is_empty() {
        return None;
    }
    let mut min = [0.0; 2];
    let mut max = [0.0; 2];
    for axis in 0..2 {
        let mut values: Vec<f64> = points.iter().map(|p| p[axis]).filter(|v| v.is_finite()).collect();
        if values.is_empty() {
            return None;
        }
        values.sort_by(f64::total_cmp);
        let at = |q: f64| values[((values.len() - 1) as f64 * q).round() as usize];
        let (lo, hi) = (at(0.02), at(0.98));
        let margin = ((hi - lo) * 0.15).max(1e-6);
        (min[axis], max[axis]) = (lo - margin, hi + margin);
    }
    Some((min, max))
}

/// The layer's points grouped by colour: one group per class, or per band of the target value.
fn groups(r: &Representations, layer: &LayerProjection) -> Vec<(String, Color32, Vec<[f64; 2]>)> {
    if r.classes > 0 {
        let mut out: Vec<(String, Color32, Vec<[f64; 2]>)> =
            (0..r.classes).map(|c| (format!("class {c}"), class_color(c), Vec::new())).collect();
        for (row, &point) in layer.points.iter().enumerate() {
            if let Some(group) = r.class(row).and_then(|c| out.get_mut(c)) {
                group.2.push(point);
            }
        }
        return out;
    }
    let (lo, hi) =
        r.targets.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &t| (lo.min(t), hi.max(t)));
    let span = (hi - lo).max(1e-12);
    let mut out: Vec<(String, Color32, Vec<[f64; 2]>)> = (0..VALUE_BINS)
        .map(|b| {
            let t = (b as f32 + 0.5) / VALUE_BINS as f32;
            (format!("values {}/{VALUE_BINS}", b + 1), value_color(t), Vec::new())
        })
        .collect();
    for (&point, &target) in layer.points.iter().zip(&r.targets) {
        let bin = (((target - lo) / span * VALUE_BINS as f64) as usize).min(VALUE_BINS - 1);
        out[bin].2.push(point);
    }
    out
}

/// The class colours with their names (or the value scale for regression).
fn legend_ui(ui: &mut egui::Ui, r: &Representations, data: &Dataset) {
    ui.horizontal_wrapped(|ui| {
        if r.classes == 0 {
            swatch(ui, value_color(0.0));
            ui.label(format!("low {}", data.target_name));
            swatch(ui, value_color(1.0));
            ui.label("high");
            return;
        }
        let names = data.class_names();
        for class in 0..r.classes {
            swatch(ui, class_color(class));
            ui.label(names.get(class).cloned().unwrap_or_else(|| format!("class {class}")));
        }
    });
}

/// A dot of a class's colour, as the plots draw it.
fn swatch(ui: &mut egui::Ui, color: Color32) {
    let (rect, _) = ui.allocate_exact_size(egui::vec2(10.0, 10.0), egui::Sense::hover());
    ui.painter().circle_filled(rect.center(), 4.0, color);
}

/// A small square scatter with no axes that ignores the mouse: the layers' pictures here and the
/// lesson's representation charts.
pub(super) fn bare_plot<'a>(id: egui::IdSalt, side: f32) -> Plot<'a> {
    Plot::new(id)
        .width(side)
        .height(side)
        .show_axes(false)
        .show_x(false)
        .show_y(false)
        .allow_drag(false)
        .allow_zoom(false)
        .allow_scroll(false)
        .allow_boxed_zoom(false)
        .allow_double_click_reset(false)
}
