//! What a model learned: the tree drawn node by node, coefficient and importance bars,
//! centroids and class statistics. Everything here reads a `ModelInsight` the worker sent.

use std::collections::HashSet;

use egui::{Align2, Color32, FontId, Rect, Sense, Stroke, vec2};
use egui_plot::{Bar, BarChart, Plot};

use super::palette::class_color;
use crate::data::Standardizer;
use crate::models::insight::{ModelInsight, TreeInsight, TreeNode};

const NODE_SIZE: egui::Vec2 = vec2(128.0, 40.0);
const LEVEL_GAP: f32 = 28.0;
const SLOT_GAP: f32 = 8.0;
/// Levels shown before a subtree starts collapsed, so a deep tree opens readable.
const OPEN_DEPTH: usize = 3;
/// Height of the tree's canvas; the tree is scaled to fit it and the panel's width.
const CANVAS_HEIGHT: f32 = 420.0;
/// Below this scale a new tree opens fewer levels rather than shrink further.
const MIN_READABLE: f32 = 0.6;
const MIN_ZOOM: f32 = 0.1;
const MAX_ZOOM: f32 = 4.0;

pub struct InsightView {
    /// Nodes the user folded or unfolded, relative to the depth default.
    toggled: HashSet<usize>,
    /// Which tree of a forest to draw.
    pub forest_tree: usize,
    /// A new tree arrived: scroll so its root is in view.
    centred: bool,
    /// Levels open by default: fewer when a tree would not fit readable.
    open_depth: usize,
    /// The tree's scale and where its corner sits in the canvas.
    zoom: f32,
    pan: egui::Vec2,
    /// The canvas's height, chosen when the tree first shows.
    canvas_height: f32,
}

impl Default for InsightView {
    fn default() -> Self {
        Self {
            toggled: HashSet::new(),
            forest_tree: 0,
            centred: false,
            open_depth: OPEN_DEPTH,
            zoom: 1.0,
            pan: egui::Vec2::ZERO,
            canvas_height: CANVAS_HEIGHT,
        }
    }
}

/// Names and units the views need beside the insight itself.
pub struct InsightContext<'a> {
    pub feature_names: &'a [String],
    pub class_names: &'a [String],
    /// Turns standardized thresholds back into the data's own units.
    pub scaler: Option<&'a Standardizer>,
    /// Nodes on the path of the point under the pointer, to highlight.
    pub highlight: &'a [usize],
}

impl InsightView {
    pub fn reset(&mut self) {
        self.toggled.clear();
        self.forest_tree = 0;
        self.centred = false;
    }

    pub fn ui(&mut self, ui: &mut egui::Ui, insight: &ModelInsight, context: &InsightContext<'_>) {
        match insight {
            ModelInsight::Coefficients { weights, intercepts, outputs } => {
                ui.label("Each bar is one learned weight: how strongly a (standardized) feature pushes the prediction up or down.");
                for (row, (w, name)) in weights.iter().zip(outputs).enumerate() {
                    let intercept = intercepts.get(row).copied().unwrap_or(0.0);
                    ui.strong(format!("{name} (intercept {intercept:.3})"));
                    bars_ui(ui, &format!("coefficients_{row}"), w, context.feature_names, "weight");
                }
            }
            ModelInsight::Tree(tree) => {
                ui.label(format!(
                    "{} nodes, {} leaves, depth {}.",
                    tree.nodes.len(),
                    tree.leaves(),
                    tree.depth()
                ));
                // The tree first: it is what a student opens this view to see.
                ui.strong("The tree (click a question to fold or unfold it)");
                self.tree_ui(ui, tree, context);
                ui.strong("Feature importance");
                bars_ui(
                    ui,
                    "tree_importance",
                    &tree.feature_importances,
                    context.feature_names,
                    "importance",
                );
            }
            ModelInsight::Forest { feature_importances, trees } => {
                ui.label(format!(
                    "{} trees vote; each saw a different bootstrap sample of the rows.",
                    trees.len()
                ));
                if !trees.is_empty() {
                    let last = trees.len() - 1;
                    if ui
                        .add(egui::Slider::new(&mut self.forest_tree, 0..=last).text("Tree to show"))
                        .changed()
                    {
                        self.toggled.clear();
                        self.centred = false;
                    }
                    let tree = &trees[self.forest_tree.min(last)];
                    // The highlight is the pinned point's path through the tree on view.
                    self.tree_ui(ui, tree, context);
                }
                ui.strong("Feature importance (mean over the trees)");
                bars_ui(ui, "forest_importance", feature_importances, context.feature_names, "importance");
            }
            ModelInsight::SupportVectors { indices, .. } => {
                ui.label(format!(
                    "{} of the training rows are support vectors: only they decide where the boundary lies; \
                     moving any other point (without crossing the margin) changes nothing.",
                    indices.len()
                ));
            }
            ModelInsight::Centroids { iterations, k, n_features, inertia } => {
                ui.label(format!(
                    "{k} centres after {} iterations; inertia (sum of squared distances to the nearest centre) {inertia:.2}.",
                    iterations.len().saturating_sub(1)
                ));
                if let Some(last) = iterations.last() {
                    centroid_table(ui, last, *k, *n_features, context);
                }
            }
            ModelInsight::DensityClusters { labels, clusters, core } => {
                let noise = labels.iter().filter(|l| l.is_none()).count();
                let cores = core.iter().filter(|c| **c).count();
                ui.label(format!(
                    "{clusters} clusters found; {cores} core points; {noise} points left as noise."
                ));
            }
            ModelInsight::ClassGaussians { means, priors, .. } => {
                ui.label("Naive Bayes models each class as a bell curve per feature, assuming features are independent.");
                egui::Grid::new("class_gaussians").striped(true).show(ui, |ui| {
                    ui.strong("class");
                    ui.strong("prior");
                    for name in context.feature_names.iter().take(8) {
                        ui.strong(format!("mean {name}"));
                    }
                    ui.end_row();
                    for (class, (m, p)) in means.iter().zip(priors).enumerate() {
                        let name =
                            context.class_names.get(class).cloned().unwrap_or_else(|| class.to_string());
                        ui.colored_label(class_color(class), name);
                        ui.label(format!("{p:.2}"));
                        for v in m.iter().take(8) {
                            ui.label(format!("{v:.2}"));
                        }
                        ui.end_row();
                    }
                });
            }
            ModelInsight::Neighbours { k, rows } => {
                ui.label(format!(
                    "kNN learns nothing ahead of time: it keeps all {rows} training rows and asks the {k} nearest ones at prediction time."
                ));
            }
        }
    }

    fn is_open(&self, node: &TreeNode, index: usize) -> bool {
        (node.depth < self.open_depth) != self.toggled.contains(&index)
    }

    /// Each visible node's (slot, depth), and the drawing's size at scale 1.
    fn tree_layout(&self, tree: &TreeInsight) -> (Vec<Option<(f32, usize)>>, egui::Vec2) {
        // Leaves (or folded nodes) take consecutive slots, parents centre over their children.
        let mut positions = vec![None; tree.nodes.len()];
        let mut next_slot = 0.0f32;
        let mut max_depth = 0;
        self.layout(tree, 0, &mut positions, &mut next_slot, &mut max_depth);
        let size = vec2(
            next_slot * (NODE_SIZE.x + SLOT_GAP) + SLOT_GAP,
            (max_depth + 1) as f32 * (NODE_SIZE.y + LEVEL_GAP) + 8.0,
        );
        (positions, size)
    }

    /// Scales and centres a drawing of `size` in a canvas of `canvas` (the Fit button).
    fn fit(&mut self, size: egui::Vec2, canvas: egui::Vec2) {
        let scale = (canvas.x / size.x).min(canvas.y / size.y).min(1.0);
        self.zoom = scale.clamp(MIN_ZOOM, MAX_ZOOM);
        self.pan = (canvas - size * self.zoom) / 2.0;
        self.pan.y = self.pan.y.max(0.0);
    }

    /// A new tree: open as many levels as still read at a readable scale, then fit them.
    fn first_fit(&mut self, tree: &TreeInsight, canvas: egui::Vec2) {
        self.open_depth = OPEN_DEPTH;
        loop {
            let (_, size) = self.tree_layout(tree);
            let scale = (canvas.x / size.x).min(canvas.y / size.y);
            if scale >= MIN_READABLE || self.open_depth <= 1 {
                self.fit(size, canvas);
                return;
            }
            self.open_depth -= 1;
        }
    }

    /// Zooms by `factor` keeping the canvas point `anchor` (relative to its corner) still.
    fn zoom_by(&mut self, factor: f32, anchor: egui::Vec2) {
        let zoom = (self.zoom * factor).clamp(MIN_ZOOM, MAX_ZOOM);
        let applied = zoom / self.zoom;
        self.pan = anchor - (anchor - self.pan) * applied;
        self.zoom = zoom;
    }

    /// The tree in a canvas of its own: fitted when it first shows, dragged to pan, zoomed with
    /// the scroll wheel or the buttons; a question clicked folds or unfolds its subtree.
    fn tree_ui(&mut self, ui: &mut egui::Ui, tree: &TreeInsight, context: &InsightContext<'_>) {
        if tree.nodes.is_empty() {
            return;
        }
        let mut canvas_size = vec2(ui.available_width().max(200.0), CANVAS_HEIGHT);
        if !self.centred {
            self.first_fit(tree, canvas_size);
            // A small tree gets a short canvas, not a tall empty one.
            let (_, size) = self.tree_layout(tree);
            self.canvas_height = (size.y * self.zoom + 16.0).clamp(160.0, CANVAS_HEIGHT);
            self.fit(size, vec2(canvas_size.x, self.canvas_height));
            self.centred = true;
        }
        canvas_size.y = self.canvas_height;
        let (positions, size) = self.tree_layout(tree);
        ui.horizontal(|ui| {
            if ui.button("Zoom out").on_hover_text("Smaller boxes, more of the tree").clicked() {
                self.zoom_by(1.0 / 1.25, canvas_size / 2.0);
            }
            if ui.button("Zoom in").on_hover_text("Larger boxes, easier to read").clicked() {
                self.zoom_by(1.25, canvas_size / 2.0);
            }
            if ui.button("Fit").on_hover_text("Show the whole tree").clicked() {
                self.fit(size, canvas_size);
            }
            ui.small(format!("{:.0}% · drag to pan, scroll to zoom", self.zoom * 100.0));
        });
        if self.open_depth < OPEN_DEPTH {
            ui.small(format!(
                "Only the first {} levels start open, so the tree fits; click a (+) to unfold one.",
                self.open_depth
            ));
        }
        let (canvas, response) = ui.allocate_exact_size(canvas_size, Sense::drag());
        response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Group, true, "Decision tree view"));
        self.pan += response.drag_delta();
        if let Some(pointer) = response.hover_pos() {
            // The wheel zooms the tree instead of scrolling the side view.
            let (scroll, pinch) = ui.input(|i| (i.smooth_scroll_delta.y, i.zoom_delta()));
            let factor = pinch * (scroll / 200.0).exp();
            if factor != 1.0 {
                self.zoom_by(factor, pointer - canvas.min);
                ui.ctx().input_mut(|i| i.smooth_scroll_delta = egui::Vec2::ZERO);
            }
        }
        ui.painter().rect_stroke(
            canvas,
            2.0,
            ui.visuals().widgets.noninteractive.bg_stroke,
            egui::StrokeKind::Inside,
        );
        // Nodes outside the canvas are neither drawn nor clickable.
        let mut inner = ui.new_child(egui::UiBuilder::new().max_rect(canvas));
        inner.set_clip_rect(canvas.intersect(ui.clip_rect()));
        let (zoom, origin) = (self.zoom, canvas.min + self.pan);
        let node_rect = |i: usize| -> Option<Rect> {
            positions[i].map(|(slot, depth): (f32, usize)| {
                let x = SLOT_GAP + slot * (NODE_SIZE.x + SLOT_GAP);
                let y = 4.0 + depth as f32 * (NODE_SIZE.y + LEVEL_GAP);
                Rect::from_min_size(origin + vec2(x, y) * zoom, NODE_SIZE * zoom)
            })
        };
        if let Some(i) = self.draw_nodes(&mut inner, tree, context, &node_rect)
            && !self.toggled.remove(&i)
        {
            self.toggled.insert(i);
        }
    }

    /// Edges, then boxes; returns the question clicked, if any.
    fn draw_nodes(
        &self,
        ui: &mut egui::Ui,
        tree: &TreeInsight,
        context: &InsightContext<'_>,
        node_rect: &dyn Fn(usize) -> Option<Rect>,
    ) -> Option<usize> {
        let highlight: HashSet<usize> = context.highlight.iter().copied().collect();
        let painter = ui.painter().clone();
        let text_color = ui.visuals().text_color();
        let line = ui.visuals().widgets.noninteractive.fg_stroke.color;
        let zoom = self.zoom;
        for (i, node) in tree.nodes.iter().enumerate() {
            let Some(r) = node_rect(i) else { continue };
            if self.is_open(node, i) {
                for child in [node.left, node.right].into_iter().flatten() {
                    if let Some(c) = node_rect(child) {
                        let on_path = highlight.contains(&i) && highlight.contains(&child);
                        let stroke =
                            if on_path { Stroke::new(3.0, Color32::YELLOW) } else { Stroke::new(1.0, line) };
                        painter.line_segment([r.center_bottom(), c.center_top()], stroke);
                    }
                }
            }
        }
        let mut clicked = None;
        for (i, node) in tree.nodes.iter().enumerate() {
            let Some(r) = node_rect(i) else { continue };
            if !r.intersects(ui.clip_rect()) {
                continue;
            }
            let fill = match node.class {
                Some(c) => super::palette::mix(ui.visuals().extreme_bg_color, class_color(c as usize), 0.45),
                None => ui.visuals().faint_bg_color,
            };
            let on_path = highlight.contains(&i);
            painter.rect_filled(r, 4.0 * zoom, fill);
            let border = if on_path { Stroke::new(3.0, Color32::YELLOW) } else { Stroke::new(1.0, line) };
            painter.rect_stroke(r, 4.0 * zoom, border, egui::StrokeKind::Inside);
            let (title, detail) = describe(node, context, self.is_open(node, i));
            // Below a few pixels text is noise: the box and its colour still show.
            if 12.0 * zoom >= 4.0 {
                let title_at = r.center_top() + vec2(0.0, 11.0 * zoom);
                let detail_at = r.center_bottom() - vec2(0.0, 11.0 * zoom);
                for (text, at, size) in [(&title, title_at, 12.0), (&detail, detail_at, 11.0)] {
                    // Long feature names shrink to stay inside their box.
                    let font = FontId::proportional(size * zoom);
                    let width = painter.layout_no_wrap(text.clone(), font.clone(), text_color).size().x;
                    let room = r.width() - 6.0 * zoom;
                    let font =
                        if width > room { FontId::proportional(size * zoom * room / width) } else { font };
                    painter.text(at, Align2::CENTER_CENTER, text, font, text_color);
                }
            }
            let sense = if node.feature.is_some() { Sense::click() } else { Sense::hover() };
            let response = ui.interact(r, ui.scope_id().with(("tree_node", i)), sense);
            // Painted boxes are invisible to screen readers and tests unless labelled.
            let kind = if node.feature.is_some() { egui::Role::Button } else { egui::Role::Label };
            let label = format!("{title} {detail}");
            response.widget_info(|| egui::WidgetInfo::labeled(kind, true, &label));
            if response.clicked() {
                clicked = Some(i);
            }
        }
        clicked
    }

    fn layout(
        &self,
        tree: &TreeInsight,
        index: usize,
        positions: &mut [Option<(f32, usize)>],
        next_slot: &mut f32,
        max_depth: &mut usize,
    ) -> f32 {
        let node = &tree.nodes[index];
        *max_depth = (*max_depth).max(node.depth);
        let children: Vec<usize> = if self.is_open(node, index) {
            [node.left, node.right].into_iter().flatten().collect()
        } else {
            Vec::new()
        };
        let slot = if children.is_empty() {
            let s = *next_slot;
            *next_slot += 1.0;
            s
        } else {
            let slots: Vec<f32> =
                children.iter().map(|&c| self.layout(tree, c, positions, next_slot, max_depth)).collect();
            slots.iter().sum::<f32>() / slots.len() as f32
        };
        positions[index] = Some((slot, node.depth));
        slot
    }
}

/// The two lines of a node's box: its question (or answer) and its counts.
fn describe(node: &TreeNode, context: &InsightContext<'_>, open: bool) -> (String, String) {
    let class_name =
        |c: u32| context.class_names.get(c as usize).cloned().unwrap_or_else(|| format!("class {c}"));
    match node.feature {
        Some(f) => {
            let name = context.feature_names.get(f).cloned().unwrap_or_else(|| format!("feature {f}"));
            let threshold = context
                .scaler
                .and_then(|s| Some(node.threshold * s.scale.get(f)? + s.mean.get(f)?))
                .unwrap_or(node.threshold);
            let fold = if open { "" } else { " (+)" };
            (
                format!("{name} ≤ {threshold:.3}?{fold}"),
                format!("n={} impurity {:.2}", node.samples, node.impurity),
            )
        }
        None => match node.class {
            Some(c) => (class_name(c), format!("n={} impurity {:.2}", node.samples, node.impurity)),
            None => (
                format!("value {:.3}", node.value.first().copied().unwrap_or(0.0)),
                format!("n={}", node.samples),
            ),
        },
    }
}

/// Features shown at most in a bar chart; the rest are the smallest and are counted instead.
const MAX_BARS: usize = 15;

/// Horizontal bars, largest first, the feature names on the y axis where they have a row each
/// (names under vertical bars run into each other).
fn bars_ui(ui: &mut egui::Ui, id: &str, values: &[f64], names: &[String], what: &str) {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[b].abs().total_cmp(&values[a].abs()).then(a.cmp(&b)));
    order.truncate(MAX_BARS);
    let name_of = |i: usize| names.get(i).cloned().unwrap_or_else(|| format!("feature {i}"));
    // The largest bar on top: row 0 is at the top of the chart.
    let rows = order.len();
    let bars: Vec<Bar> = order
        .iter()
        .enumerate()
        .map(|(row, &i)| {
            let v = values[i];
            let color =
                if v >= 0.0 { Color32::from_rgb(78, 121, 167) } else { Color32::from_rgb(225, 87, 89) };
            Bar::new((rows - 1 - row) as f64, v).name(name_of(i)).fill(color).width(0.7)
        })
        .collect();
    let labels: Vec<String> = order.iter().rev().map(|&i| name_of(i)).collect();
    if values.len() > rows {
        ui.label(egui::RichText::new(format!("The {rows} largest of {} features.", values.len())).weak());
    }
    Plot::new(id.to_string())
        .height((30.0 * rows as f32 + 40.0).clamp(120.0, 500.0))
        .allow_scroll(false)
        .allow_drag(false)
        .allow_zoom(false)
        .x_axis_label(what)
        .y_grid_spacer(egui_plot::uniform_grid_spacer(|_| [1.0, 1.0, 1.0]))
        .y_axis_formatter(move |mark, _| {
            let i = mark.value.round();
            if (mark.value - i).abs() < 1e-6 && i >= 0.0 {
                labels.get(i as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        })
        .show(ui, |plot| plot.bar_chart(BarChart::new(what.to_string(), bars).horizontal()));
}

fn centroid_table(ui: &mut egui::Ui, centres: &[f64], k: usize, d: usize, context: &InsightContext<'_>) {
    egui::Grid::new("centroids").striped(true).show(ui, |ui| {
        ui.strong("centre");
        for name in context.feature_names.iter().take(8) {
            ui.strong(name);
        }
        ui.end_row();
        for c in 0..k {
            ui.colored_label(class_color(c), format!("cluster {c}"));
            for f in 0..d.min(8) {
                let v = centres.get(c * d + f).copied().unwrap_or(0.0);
                let raw =
                    context.scaler.and_then(|s| Some(v * s.scale.get(f)? + s.mean.get(f)?)).unwrap_or(v);
                ui.label(format!("{raw:.3}"));
            }
            ui.end_row();
        }
    });
}
