//! The decision boundary: a heatmap of the model's answer under the train and test points, with
//! misclassified points ringed; for one-feature data, the fitted curve over the points.

use egui::{Color32, ColorImage, TextureHandle, TextureOptions};
use egui_plot::{Legend, Line, MarkerShape, Plot, PlotImage, PlotPoint, PlotPoints, Points};

use super::palette::{class_color, class_marker, mix, value_color};
use crate::data::{Dataset, Split};
use crate::training::{DecisionGrid, GridSpec, GridValues};

/// Points drawn at most: past this, every n-th row is drawn (a million points would take a
/// tenth of a second a frame and gigabytes of vertices). Counts still cover every row.
pub const MAX_DRAWN_POINTS: usize = 20_000;

/// Ring colour of misclassified points.
const MISCLASSIFIED: Color32 = Color32::from_rgb(230, 30, 30);

/// The points of one class (or all rows for regression), split into train and test.
struct PointSeries {
    name: String,
    color: Color32,
    /// Filled for training rows, hollow for test rows.
    shape: MarkerShape,
    train: Vec<PlotPoint>,
    test: Vec<PlotPoint>,
}

/// What other views draw on top of the boundary: circled rows (support vectors), centroid
/// trails (k-means), the pinned point.
#[derive(Default)]
pub struct BoundaryOverlay {
    pub circled_name: String,
    pub circled: Vec<PlotPoint>,
    /// One trail per centroid, oldest position first; the last point is drawn as a cross.
    pub trails: Vec<(Color32, Vec<PlotPoint>)>,
    pub pinned: Option<PlotPoint>,
}

#[derive(Default)]
pub struct BoundaryView {
    series: Vec<PointSeries>,
    texture: Option<TextureHandle>,
    grid: Option<(f64, f64, f64, f64)>,
    /// Each row's place on the plot, its class and the split, to place per-row overlays.
    pub coords: Vec<[f64; 2]>,
    labels: Option<Vec<u32>>,
    train_rows: Vec<usize>,
    test_rows: Vec<usize>,
    /// One-feature data: the fitted curve instead of a heatmap.
    curve: Vec<PlotPoint>,
    misclassified: Vec<PlotPoint>,
    /// (misclassified rows, rows scored) at the shown snapshot; `None` before the first epoch.
    pub misclassified_count: Option<(usize, usize)>,
    /// The grid the shown snapshot covers (its plane, for placing rows).
    pub spec: Option<GridSpec>,
    /// Cluster ids are arbitrary names, not answers: clustering models mark no mistakes.
    pub skip_mistakes: bool,
    /// Revision of the last grid turned into a texture.
    pub revision: u64,
    /// How many grid snapshots this view has drawn since the last reset.
    pub refreshes: u64,
    /// Views with the same group pan, zoom and point together (the duel's two boundaries).
    pub link_group: Option<egui::Id>,
    /// Every `stride`-th row is drawn (1: all of them).
    stride: usize,
    /// The view the plot opens on (and returns to on a double click): the points with a margin,
    /// set explicitly so the heatmap, which follows the view, never widens it.
    home: Option<[f64; 4]>,
    /// The home last put on the plot: a new one (new data or axes) moves the view there.
    home_shown: std::cell::Cell<Option<[f64; 4]>>,
}

impl BoundaryView {
    /// Rebuilds the point series when the data, the split or the view's axes change;
    /// `coords` holds each row's place on the plot.
    pub fn set_points(&mut self, data: &Dataset, split: &Split, coords: &[[f64; 2]]) {
        self.series.clear();
        self.coords.clear();
        self.misclassified.clear();
        self.misclassified_count = None;
        if coords.len() != data.rows() {
            return;
        }
        self.coords = coords.to_vec();
        self.home =
            GridSpec::covering(coords, 0, 1, 1).map(|s| [s.x_range.0, s.x_range.1, s.y_range.0, s.y_range.1]);
        self.labels = data.labels().map(<[u32]>::to_vec);
        self.train_rows = split.train.clone();
        self.test_rows = split.test.clone();
        // By row number, so train, test and every class keep their shares of the drawing.
        self.stride = data.rows().div_ceil(MAX_DRAWN_POINTS).max(1);
        let stride = self.stride;
        let point = |i: usize| PlotPoint::new(coords[i][0], coords[i][1]);
        let drawn = |rows: &[usize]| -> Vec<usize> {
            rows.iter().copied().filter(|i| i.is_multiple_of(stride)).collect()
        };
        let (train, test) = (drawn(&split.train), drawn(&split.test));
        match data.labels() {
            Some(labels) => {
                for (class, name) in data.class_names().iter().enumerate() {
                    let of_class = |rows: &[usize]| -> Vec<PlotPoint> {
                        rows.iter().filter(|&&i| labels[i] as usize == class).map(|&i| point(i)).collect()
                    };
                    self.series.push(PointSeries {
                        name: name.clone(),
                        color: class_color(class),
                        shape: class_marker(class),
                        train: of_class(&train),
                        test: of_class(&test),
                    });
                }
            }
            None => self.series.push(PointSeries {
                name: "rows".into(),
                color: Color32::GRAY,
                shape: MarkerShape::Circle,
                train: train.iter().map(|&i| point(i)).collect(),
                test: test.iter().map(|&i| point(i)).collect(),
            }),
        }
    }

    pub fn clear_grid(&mut self) {
        self.texture = None;
        self.grid = None;
        self.curve.clear();
        self.misclassified.clear();
        self.misclassified_count = None;
        self.spec = None;
        self.revision = 0;
        self.refreshes = 0;
    }

    /// Turns a new grid snapshot into the heatmap texture.
    pub fn set_grid(&mut self, ctx: &egui::Context, grid: &DecisionGrid, background: Color32) {
        self.mark_misclassified(grid);
        if self.spec.as_ref() != Some(&grid.spec) {
            self.spec = Some(grid.spec.clone());
        }
        let n = grid.spec.resolution;
        let cells = match &grid.values {
            GridValues::Classes { class, .. } => class.len(),
            GridValues::Values(values) => values.len(),
        };
        if grid.spec.is_one_feature() && cells == n {
            let y = |column: usize| match &grid.values {
                GridValues::Classes { class, .. } => class[column] as f64,
                GridValues::Values(values) => values[column] as f64,
            };
            self.curve = (0..n).map(|c| PlotPoint::new(grid.spec.cell_center(c, 0).0, y(c))).collect();
            self.texture = None;
            self.grid = None;
            self.revision = grid.revision;
            self.refreshes += 1;
            return;
        }
        self.curve.clear();
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

    /// Rings the rows the model gets wrong at this snapshot.
    fn mark_misclassified(&mut self, grid: &DecisionGrid) {
        self.misclassified.clear();
        self.misclassified_count = None;
        let (Some(rows), Some(labels)) = (&grid.rows, &self.labels) else { return };
        if self.skip_mistakes {
            return;
        }
        if rows.train.len() != self.train_rows.len() || rows.test.len() != self.test_rows.len() {
            return;
        }
        let pairs = self.train_rows.iter().zip(&rows.train).chain(self.test_rows.iter().zip(&rows.test));
        let (mut scored, mut wrong) = (0, 0);
        for (&row, &predicted) in pairs {
            let (Some(&truth), Some(&[x, y])) = (labels.get(row), self.coords.get(row)) else { continue };
            scored += 1;
            if truth != predicted {
                wrong += 1;
                // Rings only on drawn points; the count covers every row.
                if self.is_drawn(row) {
                    self.misclassified.push(PlotPoint::new(x, y));
                }
            }
        }
        self.misclassified_count = Some((wrong, scored));
    }

    /// The plot in one sentence: "decision boundary over x and y, 2 classes (orange, blue), 10 of
    /// 400 points wrong".
    pub fn summary(&self, x_name: &str, y_name: &str) -> String {
        let what = if self.curve.is_empty() { "decision boundary" } else { "fitted curve" };
        let mut text = format!("{what} over {x_name} and {y_name}");
        if self.labels.is_some() {
            let colours: Vec<String> = self
                .series
                .iter()
                .enumerate()
                .map(|(class, s)| format!("{} {}", s.name, super::palette::class_color_name(class)))
                .collect();
            text.push_str(&format!(", {} classes ({})", self.series.len(), colours.join(", ")));
        }
        if let Some((wrong, scored)) = self.misclassified_count {
            text.push_str(&format!(", {wrong} of {scored} points wrong"));
        }
        text
    }

    /// Whether row `row` is among the points drawn.
    pub fn is_drawn(&self, row: usize) -> bool {
        row.is_multiple_of(self.stride.max(1))
    }

    /// (points drawn, rows, n) when only every n-th row is drawn; `None` when all are.
    pub fn thinned(&self) -> Option<(usize, usize, usize)> {
        let drawn: usize = self.series.iter().map(|s| s.train.len() + s.test.len()).sum();
        (self.stride > 1).then_some((drawn, self.coords.len(), self.stride))
    }

    /// True when the plot shows a fitted curve (one-feature data) rather than a heatmap.
    pub fn shows_curve(&self) -> bool {
        !self.curve.is_empty()
    }

    /// The rectangle the heatmap (or the curve's x span) covers: x from, x to, y from, y to.
    pub fn grid_rect(&self) -> Option<(f64, f64, f64, f64)> {
        self.grid
    }

    /// Draws the plot; returns the data coordinates under the pointer and any click on it.
    pub fn ui(
        &self,
        ui: &mut egui::Ui,
        x_name: &str,
        y_name: &str,
        overlay: &BoundaryOverlay,
    ) -> PlotPointer {
        let strong = ui.visuals().strong_text_color();
        let mut plot = Plot::new("decision_boundary");
        if self.curve.is_empty() {
            plot = plot.data_aspect(1.0);
        }
        if let Some(group) = self.link_group {
            plot = plot.link_axis(group, [true, true]).link_cursor(group, [true, true]);
        }
        let shown = plot
            .x_grid_spacer(super::axes::round_number_spacer())
            .y_grid_spacer(super::axes::round_number_spacer())
            .x_axis_formatter(super::axes::tick_label)
            .y_axis_formatter(super::axes::tick_label)
            .legend(Legend::default())
            .x_axis_label(x_name)
            .y_axis_label(y_name)
            .allow_scroll(false)
            .show(ui, |plot| {
                let ui_strong_color = strong;
                if let Some([x0, x1, y0, y1]) = self.home
                    && (plot.auto_bounds().any() || self.home_shown.get() != self.home)
                {
                    plot.set_plot_bounds(egui_plot::PlotBounds::from_min_max([x0, y0], [x1, y1]));
                    self.home_shown.set(self.home);
                }
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
                            .shape(series.shape)
                            .filled(true),
                    );
                    plot.points(
                        Points::new(format!("{} (test)", series.name), PlotPoints::Borrowed(&series.test))
                            .color(series.color)
                            .radius(4.0)
                            .shape(series.shape)
                            .filled(false),
                    );
                }
                if !self.curve.is_empty() {
                    plot.line(
                        Line::new("fitted curve", PlotPoints::Borrowed(&self.curve))
                            .color(Color32::from_rgb(242, 142, 43))
                            .width(2.5),
                    );
                }
                if !self.misclassified.is_empty() {
                    plot.points(
                        Points::new("misclassified", PlotPoints::Borrowed(&self.misclassified))
                            .color(MISCLASSIFIED)
                            .radius(6.5)
                            .shape(MarkerShape::Circle)
                            .filled(false),
                    );
                }
                overlay_ui(plot, overlay, ui_strong_color);
                let bounds = plot.plot_bounds();
                let visible = [bounds.min()[0], bounds.max()[0], bounds.min()[1], bounds.max()[1]];
                (plot.pointer_coordinate().map(|p| [p.x, p.y]), visible)
            });
        let (hovered, visible) = shown.inner;
        let response = &shown.response;
        // What a screen reader says for the plot.
        let summary = self.summary(x_name, y_name);
        response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Figure, true, &summary));
        PlotPointer {
            hovered,
            left_click: hovered.filter(|_| response.clicked()),
            right_click: hovered.filter(|_| response.secondary_clicked()),
            rect: response.rect,
            visible: visible.iter().all(|v| v.is_finite()).then_some(visible),
            dragging: response.dragged() || response.is_pointer_button_down_on(),
        }
    }
}

fn overlay_ui<'a>(plot: &mut egui_plot::PlotUi<'a>, overlay: &'a BoundaryOverlay, strong: Color32) {
    if !overlay.circled.is_empty() {
        plot.points(
            Points::new(overlay.circled_name.clone(), PlotPoints::Borrowed(&overlay.circled))
                .color(strong)
                .radius(8.0)
                .shape(MarkerShape::Circle)
                .filled(false),
        );
    }
    // One legend entry for all the trails and one for all the centres.
    for (color, trail) in &overlay.trails {
        plot.line(Line::new("centre trails", PlotPoints::Borrowed(trail)).color(*color).width(2.0));
        if let Some(last) = trail.last() {
            plot.points(
                Points::new("centres", vec![[last.x, last.y]])
                    .color(strong)
                    .radius(9.0)
                    .shape(MarkerShape::Cross),
            );
        }
    }
    if let Some(pinned) = overlay.pinned {
        plot.points(
            Points::new("pinned point", vec![[pinned.x, pinned.y]])
                .color(Color32::from_rgb(255, 200, 0))
                .radius(10.0)
                .shape(MarkerShape::Asterisk),
        );
    }
}

/// Where the pointer is over the boundary plot, in data units, and what it clicked.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PlotPointer {
    pub hovered: Option<[f64; 2]>,
    pub left_click: Option<[f64; 2]>,
    pub right_click: Option<[f64; 2]>,
    /// Where the plot sits on screen (for exporting it as PNG).
    pub rect: egui::Rect,
    /// The part of the plane in view: x from, x to, y from, y to (data units).
    pub visible: Option<[f64; 4]>,
    /// A drag (pan or box zoom) is under way: the view is not settled yet.
    pub dragging: bool,
}

/// Grid cells run bottom row first; images run top row first.
fn flip(index: usize, n: usize) -> usize {
    let (row, column) = (index / n, index % n);
    (n - 1 - row) * n + column
}
