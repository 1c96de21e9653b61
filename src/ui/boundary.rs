//! The decision boundary: a heatmap of the model's answer under the train and test points.

use egui::{Color32, ColorImage, TextureHandle, TextureOptions};
use egui_plot::{Legend, MarkerShape, Plot, PlotImage, PlotPoint, PlotPoints, Points};

use super::palette::{class_color, mix, value_color};
use crate::data::{Dataset, Split};
use crate::training::{DecisionGrid, GridValues};

/// The points of one class (or all rows for regression), split into train and test.
struct PointSeries {
    name: String,
    color: Color32,
    train: Vec<PlotPoint>,
    test: Vec<PlotPoint>,
}

#[derive(Default)]
pub struct BoundaryView {
    series: Vec<PointSeries>,
    texture: Option<TextureHandle>,
    grid: Option<(f64, f64, f64, f64)>,
    /// Revision of the last grid turned into a texture.
    pub revision: u64,
    /// How many grid snapshots this view has drawn since the last reset.
    pub refreshes: u64,
}

impl BoundaryView {
    /// Rebuilds the point series when the data, the split or the view's axes change;
    /// `coords` holds each row's place on the plot.
    pub fn set_points(&mut self, data: &Dataset, split: &Split, coords: &[[f64; 2]]) {
        self.series.clear();
        if coords.len() != data.rows() {
            return;
        }
        let point = |i: usize| PlotPoint::new(coords[i][0], coords[i][1]);
        match data.labels() {
            Some(labels) => {
                for (class, name) in data.class_names().iter().enumerate() {
                    let of_class = |rows: &[usize]| -> Vec<PlotPoint> {
                        rows.iter().filter(|&&i| labels[i] as usize == class).map(|&i| point(i)).collect()
                    };
                    self.series.push(PointSeries {
                        name: name.clone(),
                        color: class_color(class),
                        train: of_class(&split.train),
                        test: of_class(&split.test),
                    });
                }
            }
            None => self.series.push(PointSeries {
                name: "rows".into(),
                color: Color32::GRAY,
                train: split.train.iter().map(|&i| point(i)).collect(),
                test: split.test.iter().map(|&i| point(i)).collect(),
            }),
        }
    }

    pub fn clear_grid(&mut self) {
        self.texture = None;
        self.grid = None;
        self.revision = 0;
        self.refreshes = 0;
    }

    /// Turns a new grid snapshot into the heatmap texture.
    pub fn set_grid(&mut self, ctx: &egui::Context, grid: &DecisionGrid, background: Color32) {
        let n = grid.spec.resolution;
        let mut pixels = vec![Color32::TRANSPARENT; n * n];
        match &grid.values {
            GridValues::Classes { classes, class, confidence } => {
                let chance = 1.0 / (*classes).max(2) as f32;
                for (i, (&c, &p)) in class.iter().zip(confidence).enumerate() {
                    // Pale near a coin flip, saturated where the model is sure.
                    let certainty = ((p - chance) / (1.0 - chance)).clamp(0.0, 1.0);
                    pixels[flip(i, n)] = mix(background, class_color(c as usize), 0.10 + 0.35 * certainty);
                }
            }
            GridValues::Values(values) => {
                let (lo, hi) =
                    values.iter().fold((f32::INFINITY, f32::NEG_INFINITY), |(a, b), &v| (a.min(v), b.max(v)));
                let span = (hi - lo).max(1e-6);
                for (i, &v) in values.iter().enumerate() {
                    pixels[flip(i, n)] = mix(background, value_color((v - lo) / span), 0.6);
                }
            }
        }
        let image = ColorImage::new([n, n], pixels);
        match &mut self.texture {
            Some(texture) => texture.set(image, TextureOptions::LINEAR),
            None => self.texture = Some(ctx.load_texture("decision-boundary", image, TextureOptions::LINEAR)),
        }
        let s = &grid.spec;
        self.grid = Some((s.x_range.0, s.x_range.1, s.y_range.0, s.y_range.1));
        self.revision = grid.revision;
        self.refreshes += 1;
    }

    /// Draws the plot; returns the data coordinates under the pointer and any click on it.
    pub fn ui(&self, ui: &mut egui::Ui, x_name: &str, y_name: &str) -> PlotPointer {
        let shown = Plot::new("decision_boundary")
            .data_aspect(1.0)
            .legend(Legend::default())
            .x_axis_label(x_name)
            .y_axis_label(y_name)
            .allow_scroll(false)
            .show(ui, |plot| {
                if let (Some(texture), Some((x0, x1, y0, y1))) = (&self.texture, self.grid) {
                    let center = PlotPoint::new((x0 + x1) / 2.0, (y0 + y1) / 2.0);
                    let size = egui::vec2((x1 - x0) as f32, (y1 - y0) as f32);
                    // No name: the heatmap needs no legend entry.
                    plot.image(PlotImage::new("", texture.id(), center, size));
                }
                for series in &self.series {
                    plot.points(
                        Points::new(format!("{} (train)", series.name), PlotPoints::Borrowed(&series.train))
                            .color(series.color)
                            .radius(3.0)
                            .shape(MarkerShape::Circle)
                            .filled(true),
                    );
                    plot.points(
                        Points::new(format!("{} (test)", series.name), PlotPoints::Borrowed(&series.test))
                            .color(series.color)
                            .radius(4.0)
                            .shape(MarkerShape::Diamond)
                            .filled(false),
                    );
                }
                plot.pointer_coordinate().map(|p| [p.x, p.y])
            });
        let hovered = shown.inner;
        let response = &shown.response;
        PlotPointer {
            hovered,
            left_click: hovered.filter(|_| response.clicked()),
            right_click: hovered.filter(|_| response.secondary_clicked()),
        }
    }
}

/// Where the pointer is over the boundary plot, in data units, and what it clicked.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct PlotPointer {
    pub hovered: Option<[f64; 2]>,
    pub left_click: Option<[f64; 2]>,
    pub right_click: Option<[f64; 2]>,
}

/// Grid cells run bottom row first; images run top row first.
fn flip(index: usize, n: usize) -> usize {
    let (row, column) = (index / n, index % n);
    (n - 1 - row) * n + column
}
