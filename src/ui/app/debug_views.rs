//! Visual debugging around the boundary plot: the pinned point and its rule path ("Why this
//! prediction?"), k-means stepping, support vectors, misclassified rows, rewind and export.
//! A child module of `app`, so it reads the studio's state without widening its fields.

use std::sync::Arc;

use egui_plot::PlotPoint;

use super::StudioApp;
use crate::models::insight::{ModelInsight, TreeInsight};
use crate::training::{DecisionGrid, EpochRecord, Scores, WorkerCommand};
use crate::ui::boundary::{BoundaryOverlay, PlotPointer};
use crate::ui::export;
use crate::ui::palette::class_color;
use crate::ui::rewind::RewindChange;
use crate::ui::{metrics_view, palette};

/// A point the user pinned by clicking the boundary plot.
#[derive(Clone, Debug, PartialEq)]
pub struct PinnedPoint {
    /// Every feature column (engineered ones included), in the data's own units.
    pub raw: Vec<f64>,
    /// The data row, when the click landed on one.
    pub row: Option<usize>,
    /// Where it was clicked on the plot.
    pub at: [f64; 2],
}

/// State of the debugging views that outlives a frame.
#[derive(Default)]
pub struct DebugState {
    pub pinned: Option<PinnedPoint>,
    /// The k-means iteration on view; `None` follows the latest.
    pub kmeans_iteration: Option<usize>,
    /// The part of the plane the boundary plot showed last frame (x from, x to, y from, y to).
    pub visible: Option<[f64; 4]>,
    /// When the worker was last asked for a grid over the view, and over which bounds.
    pub bounds_sent: Option<(web_time::Instant, [f64; 4])>,
}

/// A click lands on a data row when it is this close (share of the plot's diagonal).
const PIN_REACH: f64 = 0.03;
/// The grid follows the view once an edge has moved by more than this share of the view...
const BOUNDS_TOLERANCE: f64 = 0.03;
/// ...and is asked for at most this often.
const BOUNDS_INTERVAL: std::time::Duration = std::time::Duration::from_millis(250);

/// Whether two views (x from, x to, y from, y to) differ by more than the tolerance.
fn bounds_moved(a: [f64; 4], b: [f64; 4]) -> bool {
    let (width, height) = ((a[1] - a[0]).abs(), (a[3] - a[2]).abs());
    let scale = [width, width, height, height];
    (0..4).any(|i| (a[i] - b[i]).abs() > BOUNDS_TOLERANCE * scale[i])
}

impl StudioApp {
    /// The point pinned for "Why this prediction?": the full feature row (the data's own units,
    /// every column including engineered ones) of the data row the user clicked on the boundary
    /// plot, or of the clicked place with the other features at their mean. `None` until a
    /// click; cleared when the data changes. Views that explain a prediction (the tree's rule
    /// path here, the network's input saliency in the network views) read this.
    pub fn pinned_point(&self) -> Option<Vec<f64>> {
        self.views.debug.pinned.as_ref().map(|p| p.raw.clone())
    }

    /// The data row pinned, when the click landed on one.
    pub fn pinned_row(&self) -> Option<usize> {
        self.views.debug.pinned.as_ref().and_then(|p| p.row)
    }

    /// Pins the data row nearest to (x, y) on the boundary plot, or that place itself when no
    /// row is close: what a left click on the plot does when not painting.
    pub fn pin_at(&mut self, x: f64, y: f64) {
        let coords = &self.views.boundary.coords;
        let (mut lo, mut hi) = ([f64::INFINITY; 2], [f64::NEG_INFINITY; 2]);
        for c in coords {
            for k in 0..2 {
                lo[k] = lo[k].min(c[k]);
                hi[k] = hi[k].max(c[k]);
            }
        }
        let reach = PIN_REACH * ((hi[0] - lo[0]).powi(2) + (hi[1] - lo[1]).powi(2)).sqrt();
        // Among the points drawn: on a big file the click aims at one the user can see.
        let nearest = coords
            .iter()
            .enumerate()
            .filter(|&(i, _)| self.views.boundary.is_drawn(i))
            .map(|(i, c)| (i, ((c[0] - x).powi(2) + (c[1] - y).powi(2)).sqrt()))
            .min_by(|a, b| a.1.total_cmp(&b.1));
        let pinned = match nearest {
            Some((row, distance)) if distance <= reach && row < self.input.data.rows() => {
                Some(PinnedPoint { raw: self.input.data.row(row).to_vec(), row: Some(row), at: coords[row] })
            }
            _ => self.place_row(x, y).map(|raw| PinnedPoint { raw, row: None, at: [x, y] }),
        };
        if pinned.is_some() {
            self.views.debug.pinned = pinned;
        }
    }

    pub fn unpin(&mut self) {
        self.views.debug.pinned = None;
    }

    /// The feature row at a place of the plot: the two axes (or the plane) set, the other
    /// features at their mean, engineered features computed from the place.
    pub(super) fn place_row(&self, x: f64, y: f64) -> Option<Vec<f64>> {
        let data = &self.input.data;
        let d = data.n_features();
        if d == 0 || data.rows() == 0 {
            return None;
        }
        if d == 1 {
            return Some(vec![x]);
        }
        let spec = self.views.boundary.spec.as_ref();
        let mut raw = vec![0.0; d];
        if let Some(plane) = spec.and_then(|s| s.plane.as_ref()) {
            plane.row_at(x, y, &mut raw);
            return Some(raw);
        }
        for i in 0..data.rows() {
            for (sum, value) in raw.iter_mut().zip(data.row(i)) {
                *sum += value;
            }
        }
        raw.iter_mut().for_each(|v| *v /= data.rows() as f64);
        let (xi, yi) = self.view_axes();
        raw[xi] = x;
        raw[yi] = y;
        if let Some(spec) = spec.filter(|s| (s.x_feature, s.y_feature) == (0, 1)) {
            for (offset, feature) in spec.derived.iter().enumerate() {
                if let Some(slot) = raw.get_mut(2 + offset) {
                    *slot = feature.value(x, y);
                }
            }
        }
        Some(raw)
    }

    /// Where a feature row sits on the boundary plot (its axes, or its projection on the plane).
    pub(super) fn view_point(&self, raw: &[f64]) -> Option<[f64; 2]> {
        if let Some(plane) = self.views.boundary.spec.as_ref().and_then(|s| s.plane.as_ref()) {
            return Some(plane.project(raw));
        }
        if raw.len() < 2 {
            return None;
        }
        let (xi, yi) = self.view_axes();
        Some([*raw.get(xi)?, *raw.get(yi)?])
    }

    /// (misclassified rows, rows scored) at the snapshot the boundary shows.
    pub fn misclassified_count(&self) -> Option<(usize, usize)> {
        self.views.boundary.misclassified_count
    }

    /// True when the boundary plot shows the model's fitted curve (one-feature data).
    pub fn shows_fitted_curve(&self) -> bool {
        self.views.boundary.shows_curve()
    }

    /// Epoch of what the boundary and metrics show: a rewound snapshot's, or the live one.
    pub fn shown_epoch(&self) -> usize {
        self.views.rewind.shown().map_or(self.run.epoch, |s| s.epoch())
    }

    /// Snapshots the rewind timeline holds.
    pub fn snapshot_count(&self) -> usize {
        self.views.rewind.len()
    }

    /// The epochs on the curves, as the CSV export writes them.
    pub fn metrics_history(&self) -> &[EpochRecord] {
        self.views.curves.history()
    }

    /// The k-means centres drawn on the boundary plot at the iteration on view.
    pub fn shown_centroids(&self) -> Vec<[f64; 2]> {
        self.centroid_trails().into_iter().filter_map(|trail| trail.last().map(|p| [p.x, p.y])).collect()
    }

    /// Iterations k-means ran (the slider's range is 0..=this); 0 for other models.
    pub fn kmeans_iterations(&self) -> usize {
        match self.run.insight.as_deref() {
            Some(ModelInsight::Centroids { iterations, .. }) => iterations.len().saturating_sub(1),
            _ => 0,
        }
    }

    /// Each centre's positions from the k-means++ start to the iteration on view.
    pub(super) fn centroid_trails(&self) -> Vec<Vec<PlotPoint>> {
        let (Some(ModelInsight::Centroids { iterations, k, n_features, .. }), Some(scaler)) =
            (self.run.insight.as_deref(), &self.run.scaler)
        else {
            return Vec::new();
        };
        let last = iterations.len().saturating_sub(1);
        let shown = self.views.debug.kmeans_iteration.unwrap_or(last).min(last);
        let d = *n_features;
        (0..*k)
            .map(|c| {
                iterations[..=shown.min(last)]
                    .iter()
                    .filter_map(|centres| {
                        let scaled = centres.get(c * d..(c + 1) * d)?;
                        let raw: Vec<f64> = scaled
                            .iter()
                            .enumerate()
                            .map(|(f, v)| {
                                v * scaler.scale.get(f).unwrap_or(&1.0) + scaler.mean.get(f).unwrap_or(&0.0)
                            })
                            .collect();
                        self.view_point(&raw).map(|[x, y]| PlotPoint::new(x, y))
                    })
                    .collect()
            })
            .collect()
    }

    /// Training rows that are support vectors, where they sit on the plot.
    pub(super) fn support_vector_points(&self) -> Vec<PlotPoint> {
        let Some(ModelInsight::SupportVectors { indices, .. }) = self.run.insight.as_deref() else {
            return Vec::new();
        };
        indices
            .iter()
            .filter_map(|&i| self.views.boundary.coords.get(*self.input.split.train.get(i)?))
            .map(|&[x, y]| PlotPoint::new(x, y))
            .collect()
    }

    pub(super) fn boundary_overlay(&self) -> BoundaryOverlay {
        let circled = self.support_vector_points();
        let trails = self
            .centroid_trails()
            .into_iter()
            .enumerate()
            .map(|(c, trail)| (class_color(c), trail))
            .collect();
        let pinned = self.views.debug.pinned.as_ref().map(|p| {
            let [x, y] = p
                .row
                .and_then(|row| self.views.boundary.coords.get(row).copied())
                .or_else(|| self.view_point(&p.raw))
                .unwrap_or(p.at);
            PlotPoint::new(x, y)
        });
        BoundaryOverlay {
            circled_name: format!("support vectors ({})", circled.len()),
            circled,
            trails,
            pinned,
        }
    }

    /// Above the boundary plot: the rewind timeline, the k-means stepper and what is marked.
    pub(super) fn boundary_extras_ui(&mut self, ui: &mut egui::Ui) {
        let training = self.run.status == super::RunStatus::Running;
        if let Some(change) = self.views.rewind.timeline_ui(ui, training) {
            self.apply_rewind(ui.ctx(), change);
        }
        let iterations = self.kmeans_iterations();
        if iterations > 0 {
            let mut shown = self.views.debug.kmeans_iteration.unwrap_or(iterations).min(iterations);
            let response = ui
                .add(egui::Slider::new(&mut shown, 0..=iterations).text("k-means iteration"))
                .on_hover_text(
                    "Step through k-means: each iteration moves every centre (cross) to the mean of the \
                     points nearest to it. Iteration 0 is the k-means++ start; the lines are the trails.",
                );
            if response.changed() {
                self.views.debug.kmeans_iteration = if shown == iterations { None } else { Some(shown) };
            }
        }
        let mut notes = Vec::new();
        if let Some((drawn, rows, stride)) = self.views.boundary.thinned() {
            notes.push(format!("{drawn} of {rows} points drawn (1 row in {stride})"));
        }
        if let Some((wrong, scored)) = self.views.boundary.misclassified_count {
            notes.push(format!("{wrong} of {scored} points misclassified (red rings)"));
        }
        if let Some(ModelInsight::SupportVectors { indices, .. }) = self.run.insight.as_deref() {
            notes.push(format!("{} support vectors circled", indices.len()));
        }
        if self.settings.paint_class.is_none() && self.input.data.n_features() >= 1 {
            let explained = self.settings.model.kind.is_network()
                || matches!(
                    self.run.insight.as_deref(),
                    Some(ModelInsight::Tree(_) | ModelInsight::Forest { .. })
                );
            notes.push(match (self.views.debug.pinned.is_some(), explained) {
                (true, true) => "pinned point (star): see What it learned for why".to_string(),
                (true, false) => "pinned point (star)".to_string(),
                (false, true) => "click a point to ask why".to_string(),
                (false, false) => "click a point to pin it".to_string(),
            });
        }
        if !notes.is_empty() {
            ui.label(notes.join("; "));
        }
        // Where the last "Save PNG" / "Save CSV" went, whichever plot it came from.
        self.views.exporter.message_ui(ui);
    }

    /// After the boundary plot: a click pins a point; a PNG request captures the plot.
    pub(super) fn after_boundary(&mut self, ui: &egui::Ui, pointer: &PlotPointer, wants_png: bool) {
        if self.settings.paint_class.is_none()
            && let Some([x, y]) = pointer.left_click
        {
            self.pin_at(x, y);
            if matches!(
                self.run.insight.as_deref(),
                Some(ModelInsight::Tree(_) | ModelInsight::Forest { .. })
            ) {
                // The answer to "why?" is the rule path, in the side view.
                self.views.side_view = super::SideView::Learned;
            }
        }
        if wants_png {
            self.views.exporter.save_png(ui.ctx(), "decision-boundary", pointer.rect);
        }
        self.follow_view_bounds(ui.ctx(), pointer);
    }

    /// Asks the worker for the grid over the part of the plane in view, once the view has
    /// settled (no drag) and moved by more than a few percent, at most a few times a second;
    /// a rewound view keeps its snapshot's grid.
    fn follow_view_bounds(&mut self, ctx: &egui::Context, pointer: &PlotPointer) {
        self.views.debug.visible = pointer.visible;
        let Some(visible) = pointer.visible else { return };
        let Some(spec) = self.views.boundary.spec.as_ref() else { return };
        if pointer.dragging || !self.views.rewind.is_live() || self.run.worker.is_none() {
            return;
        }
        let grid = [spec.x_range.0, spec.x_range.1, spec.y_range.0, spec.y_range.1];
        if !bounds_moved(visible, grid) {
            return;
        }
        let recently = |(at, bounds): (web_time::Instant, [f64; 4])| {
            at.elapsed() < BOUNDS_INTERVAL
                || !bounds_moved(visible, bounds) && at.elapsed() < 4 * BOUNDS_INTERVAL
        };
        if self.views.debug.bounds_sent.is_some_and(recently) {
            // Come back once the interval has passed, so the settled view is not missed.
            ctx.request_repaint_after(BOUNDS_INTERVAL);
            return;
        }
        let [x0, x1, y0, y1] = visible;
        self.send(WorkerCommand::ViewBounds { x_range: (x0, x1), y_range: (y0, y1) });
        self.views.debug.bounds_sent = Some((web_time::Instant::now(), visible));
    }

    /// The part of the plane the boundary plot shows (x from, x to, y from, y to).
    pub fn visible_bounds(&self) -> Option<[f64; 4]> {
        self.views.debug.visible
    }

    /// The rectangle the boundary's grid covers (x from, x to, y from, y to).
    pub fn boundary_grid_rect(&self) -> Option<[f64; 4]> {
        self.views.boundary.grid_rect().map(|(x0, x1, y0, y1)| [x0, x1, y0, y1])
    }

    pub(super) fn apply_rewind(&mut self, ctx: &egui::Context, change: RewindChange) {
        let background = ctx.global_style().visuals.extreme_bg_color;
        match change {
            RewindChange::Show(grid) | RewindChange::Live(Some(grid)) => {
                self.views.boundary.set_grid(ctx, &grid, background)
            }
            RewindChange::Live(None) => {}
        }
    }

    /// A new grid from the worker: kept for rewind, drawn unless the view is rewound.
    pub(super) fn on_grid(
        &mut self,
        ctx: &egui::Context,
        grid: Arc<DecisionGrid>,
        background: egui::Color32,
    ) {
        self.views.boundary.skip_mistakes = self.settings.model.kind.is_clustering();
        self.views.rewind.record(Arc::clone(&grid), self.run.latest, self.run.scores.clone());
        if self.views.rewind.is_live() {
            self.views.boundary.set_grid(ctx, &grid, background);
        }
    }

    pub(super) fn on_scores(&mut self, scores: Arc<Scores>) {
        self.views.rewind.attach_scores(Arc::clone(&scores));
        self.run.scores = Some(scores);
    }

    /// The one snapshot the status line, the Metrics tab and the boundary show: the rewound
    /// one, else the newest (its epoch record and test scores as they were when its grid came),
    /// else (no grid yet) the latest record and scores.
    pub(super) fn view_snapshot(&self) -> (Option<EpochRecord>, Option<Arc<Scores>>) {
        match self.views.rewind.on_view() {
            Some(snapshot) => (snapshot.record, snapshot.scores.clone()),
            None => (self.run.latest, self.run.scores.clone()),
        }
    }

    /// The epoch of the snapshot on view (see `view_snapshot`), the one the status line and the
    /// Metrics tab name.
    pub fn snapshot_epoch(&self) -> usize {
        self.view_snapshot().0.map_or(self.run.epoch, |r| r.epoch)
    }

    /// The test accuracy the Metrics tab shows (its scores' accuracy).
    pub fn metrics_accuracy(&self) -> Option<f64> {
        self.view_snapshot().1.and_then(|s| s.accuracy)
    }

    /// The "Curves" tab: loss and accuracy, each with a PNG export, and the CSV export.
    pub(super) fn curves_view_ui(&mut self, ui: &mut egui::Ui, available_height: f32) {
        let height = ((available_height - 120.0) / 2.0).max(100.0);
        self.views.curves.marker = self.views.rewind.shown().map(|snapshot| snapshot.epoch());
        let mut wants_loss_png = false;
        ui.horizontal(|ui| {
            ui.strong("Loss");
            wants_loss_png = export::png_button(ui);
            if export::csv_button(ui) {
                self.views.exporter.save_metrics_csv("metrics", self.views.curves.history().to_vec());
            }
        });
        let rect = self.views.curves.loss_ui(ui, height);
        if wants_loss_png {
            self.views.exporter.save_png(ui.ctx(), "loss", rect);
        }
        let mut wants_accuracy_png = false;
        ui.horizontal(|ui| {
            ui.strong("Accuracy");
            wants_accuracy_png = export::png_button(ui);
        });
        let rect = self.views.curves.accuracy_ui(ui, height);
        if wants_accuracy_png {
            self.views.exporter.save_png(ui.ctx(), "accuracy", rect);
        }
    }

    /// The "Metrics" tab: the confusion matrix of the shown snapshot (rewound or live).
    pub(super) fn metrics_view_ui(&mut self, ui: &mut egui::Ui) {
        let (record, scores) = self.view_snapshot();
        let epoch = record.map_or(self.run.epoch, |r| r.epoch);
        let rewound = if self.views.rewind.is_live() { "" } else { " (rewound)" };
        match (scores, record) {
            (Some(scores), _) => {
                let mut wants_png = false;
                ui.horizontal(|ui| {
                    ui.strong(format!("Metrics at epoch {epoch}{rewound}")).on_hover_text(
                        "The test set's scores at the epoch the status line and the boundary show.",
                    );
                    if let Some(accuracy) = scores.accuracy {
                        ui.label(format!("test accuracy {:.1}%", accuracy * 100.0));
                    }
                    wants_png = export::png_button(ui);
                });
                let rect = ui
                    .scope(|ui| {
                        metrics_view::confusion_ui(
                            ui,
                            scores.confusion_matrix.as_deref().unwrap_or_default(),
                            scores.per_class.as_deref().unwrap_or_default(),
                            self.input.data.class_names(),
                        )
                    })
                    .response
                    .rect;
                if wants_png {
                    self.views.exporter.save_png(ui.ctx(), "confusion-matrix", rect);
                }
            }
            (None, Some(record)) if record.test_r2.is_some() => {
                ui.label(format!(
                    "Metrics at epoch {epoch}{rewound}: test R² {:.3}, test RMSE {:.3}",
                    record.test_r2.unwrap_or(0.0),
                    record.test_loss.sqrt()
                ));
            }
            _ => {
                ui.label("Train the model to see its scores on the test points.");
            }
        }
    }

    /// Tree nodes to light up: the pinned point's path, else the hovered one's.
    pub(super) fn highlighted_tree_path(&self, insight: &ModelInsight) -> Vec<usize> {
        match (insight, self.pinned_scaled_row()) {
            (ModelInsight::Tree(tree), Some(row)) => tree.decision_path(&row),
            (ModelInsight::Forest { trees, .. }, Some(row)) if !trees.is_empty() => {
                trees[self.views.insight_view.forest_tree.min(trees.len() - 1)].decision_path(&row)
            }
            // A forest's trees are not lit by hovering: only a pinned point picks a path.
            (ModelInsight::Forest { .. }, None) => Vec::new(),
            _ => self.hovered_tree_path(insight),
        }
    }

    /// The pinned row, standardized like the training rows.
    pub(super) fn pinned_scaled_row(&self) -> Option<Vec<f64>> {
        let (pinned, scaler) = (self.views.debug.pinned.as_ref()?, self.run.scaler.as_ref()?);
        if pinned.raw.len() != scaler.mean.len() {
            return None;
        }
        let mut row = Vec::with_capacity(pinned.raw.len());
        scaler.transform_row(&pinned.raw, &mut row);
        Some(row)
    }

    /// The readable rules that decide the pinned point: one line per question on its path
    /// through the tree (for a forest, the tree on view), then the answer.
    pub fn pinned_rules(&self) -> Vec<String> {
        let (Some(insight), Some(row)) = (self.run.insight.as_deref(), self.pinned_scaled_row()) else {
            return Vec::new();
        };
        let tree = match insight {
            ModelInsight::Tree(tree) => tree,
            ModelInsight::Forest { trees, .. } if !trees.is_empty() => {
                &trees[self.views.insight_view.forest_tree.min(trees.len() - 1)]
            }
            _ => return Vec::new(),
        };
        self.tree_rules(tree, &row)
    }

    pub(super) fn tree_rules(&self, tree: &TreeInsight, row: &[f64]) -> Vec<String> {
        let names = &self.input.data.feature_names;
        let class_names = self.input.data.class_names();
        let scaler = self.run.scaler.as_ref();
        let unscale =
            |f: usize, v: f64| scaler.and_then(|s| Some(v * s.scale.get(f)? + s.mean.get(f)?)).unwrap_or(v);
        let path = tree.decision_path(row);
        let mut rules = Vec::new();
        for step in path.windows(2) {
            let node = &tree.nodes[step[0]];
            let Some(f) = node.feature else { continue };
            let name = names.get(f).cloned().unwrap_or_else(|| format!("feature {f}"));
            let answer = if node.left == Some(step[1]) { "yes" } else { "no" };
            rules.push(format!(
                "{name} <= {:.3} -> {answer} (it is {:.3})",
                unscale(f, node.threshold),
                unscale(f, row.get(f).copied().unwrap_or(0.0))
            ));
        }
        if let Some(leaf) = path.last().and_then(|&i| tree.nodes.get(i)) {
            rules.push(match leaf.class {
                Some(c) => {
                    let name = class_names.get(c as usize).cloned().unwrap_or_else(|| format!("class {c}"));
                    let share = leaf.value.get(c as usize).copied().unwrap_or(0.0) * 100.0;
                    format!(
                        "so: {name} ({} training rows reached this leaf, {share:.0}% of them {name})",
                        leaf.samples
                    )
                }
                None => format!(
                    "so: {:.3} (the mean of the {} training rows that reached this leaf)",
                    leaf.value.first().copied().unwrap_or(0.0),
                    leaf.samples
                ),
            });
        }
        rules
    }

    /// "Why this prediction?" above the tree viewer: the pinned point and its rule path.
    pub(super) fn why_ui(&mut self, ui: &mut egui::Ui, insight: &ModelInsight) {
        if !matches!(insight, ModelInsight::Tree(_) | ModelInsight::Forest { .. }) {
            return;
        }
        ui.strong("Why this prediction?").on_hover_text(
            "The questions the tree asks about the pinned point, in order, and the leaf it lands in.",
        );
        let Some(pinned) = self.views.debug.pinned.clone() else {
            ui.label("Click a point on the boundary plot to pin it: its path through the tree appears here.");
            ui.separator();
            return;
        };
        let description = match pinned.row {
            Some(row) => {
                let set = if self.input.split.test.contains(&row) { "test" } else { "training" };
                let truth = self
                    .input
                    .data
                    .labels()
                    .and_then(|labels| self.input.data.class_names().get(*labels.get(row)? as usize))
                    .map(|name| format!(", true class {name}"))
                    .unwrap_or_default();
                format!("Pinned: {set} row {row}{truth}.")
            }
            None => "Pinned: a place on the plot (the other features at their mean).".to_string(),
        };
        ui.horizontal(|ui| {
            ui.label(description);
            if ui.small_button("Unpin").clicked() {
                self.views.debug.pinned = None;
            }
        });
        if let (ModelInsight::Forest { trees, .. }, Some(row)) = (insight, self.pinned_scaled_row()) {
            let mut votes = vec![0usize; self.input.data.class_count().max(1)];
            for tree in trees {
                let leaf = tree.decision_path(&row).last().and_then(|&i| tree.nodes.get(i)?.class);
                if let Some(c) = leaf.and_then(|c| votes.get_mut(c as usize)) {
                    *c += 1;
                }
            }
            let class_names = self.input.data.class_names();
            let tally: Vec<String> = votes
                .iter()
                .enumerate()
                .filter(|(_, n)| **n > 0)
                .map(|(c, n)| {
                    format!("{n} for {}", class_names.get(c).cloned().unwrap_or_else(|| c.to_string()))
                })
                .collect();
            if !tally.is_empty() {
                ui.label(format!(
                    "The {} trees vote: {}. Tree {} decides so:",
                    trees.len(),
                    tally.join(", "),
                    self.views.insight_view.forest_tree
                ));
            }
        }
        let rules = self.pinned_rules();
        let color = palette::mix(ui.visuals().text_color(), egui::Color32::YELLOW, 0.3);
        for rule in &rules {
            ui.colored_label(color, rule);
        }
        ui.separator();
    }
}
