//! What a model learned: the tree drawn node by node, coefficient and importance bars,
//! centroids and class statistics. Everything here reads a `ModelInsight` the worker sent.

use std::collections::HashSet;

use egui::{Align2, Color32, FontId, Rect, Sense, Stroke, pos2, vec2};
use egui_plot::{Bar, BarChart, Plot};

use super::palette::class_color;
use crate::data::Standardizer;
use crate::models::insight::{ModelInsight, TreeInsight, TreeNode};

const NODE_SIZE: egui::Vec2 = vec2(128.0, 40.0);
const LEVEL_GAP: f32 = 28.0;
const SLOT_GAP: f32 = 8.0;
/// Levels shown before a subtree starts collapsed, so a deep tree opens readable.
const OPEN_DEPTH: usize = 3;

#[derive(Default)]
pub struct InsightView {
    /// Nodes the user folded or unfolded, relative to the depth default.
    toggled: HashSet<usize>,
    /// Which tree of a forest to draw.
    pub forest_tree: usize,
    /// A new tree arrived: scroll so its root is in view.
    centred: bool,
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
                ui.strong("Feature importance");
                bars_ui(
                    ui,
                    "tree_importance",
                    &tree.feature_importances,
                    context.feature_names,
                    "importance",
                );
                ui.strong("The tree (click a question to fold or unfold it)");
                self.tree_ui(ui, tree, context);
            }
            ModelInsight::Forest { feature_importances, trees } => {
                ui.label(format!(
                    "{} trees vote; each saw a different bootstrap sample of the rows.",
                    trees.len()
                ));
                ui.strong("Feature importance (mean over the trees)");
                bars_ui(ui, "forest_importance", feature_importances, context.feature_names, "importance");
                if !trees.is_empty() {
                    let last = trees.len() - 1;
                    if ui
                        .add(egui::Slider::new(&mut self.forest_tree, 0..=last).text("Tree to show"))
                        .changed()
                    {
                        self.toggled.clear();
                    }
                    let tree = &trees[self.forest_tree.min(last)];
                    // The highlight is the pinned point's path through the tree on view.
                    self.tree_ui(ui, tree, context);
                }
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
        (node.depth < OPEN_DEPTH) != self.toggled.contains(&index)
    }

    fn tree_ui(&mut self, ui: &mut egui::Ui, tree: &TreeInsight, context: &InsightContext<'_>) {
        if tree.nodes.is_empty() {
            return;
        }
        // Lay out visible nodes: leaves (or folded nodes) take consecutive slots, parents centre over children.
        let mut positions = vec![None; tree.nodes.len()];
        let mut next_slot = 0.0f32;
        let mut max_depth = 0;
        self.layout(tree, 0, &mut positions, &mut next_slot, &mut max_depth);
        let size = vec2(
            next_slot * (NODE_SIZE.x + SLOT_GAP) + SLOT_GAP,
            (max_depth + 1) as f32 * (NODE_SIZE.y + LEVEL_GAP) + 8.0,
        );
        let highlight: HashSet<usize> = context.highlight.iter().copied().collect();
        let mut clicked = None;
        let mut scroll = egui::ScrollArea::both().id_salt("tree_view").max_height(420.0);
        if !self.centred {
            // Wide trees centre their root: start the view there, not at the left-most leaf.
            let root_x = SLOT_GAP
                + positions[0].map_or(0.0, |(slot, _)| slot) * (NODE_SIZE.x + SLOT_GAP)
                + NODE_SIZE.x / 2.0;
            scroll = scroll.horizontal_scroll_offset((root_x - ui.available_width() / 2.0).max(0.0));
            self.centred = true;
        }
        scroll.show(ui, |ui| {
            let (rect, _) = ui.allocate_exact_size(size, Sense::hover());
            let painter = ui.painter_at(rect);
            let node_rect = |i: usize| -> Option<Rect> {
                positions[i].map(|(slot, depth): (f32, usize)| {
                    let x = rect.min.x + SLOT_GAP + slot * (NODE_SIZE.x + SLOT_GAP);
                    let y = rect.min.y + 4.0 + depth as f32 * (NODE_SIZE.y + LEVEL_GAP);
                    Rect::from_min_size(pos2(x, y), NODE_SIZE)
                })
            };
            let text_color = ui.visuals().text_color();
            let line = ui.visuals().widgets.noninteractive.fg_stroke.color;
            for (i, node) in tree.nodes.iter().enumerate() {
                let Some(r) = node_rect(i) else { continue };
                if self.is_open(node, i) {
                    for child in [node.left, node.right].into_iter().flatten() {
                        if let Some(c) = node_rect(child) {
                            let on_path = highlight.contains(&i) && highlight.contains(&child);
                            let stroke = if on_path {
                                Stroke::new(3.0, Color32::YELLOW)
                            } else {
                                Stroke::new(1.0, line)
                            };
                            painter.line_segment([r.center_bottom(), c.center_top()], stroke);
                        }
                    }
                }
            }
            for (i, node) in tree.nodes.iter().enumerate() {
                let Some(r) = node_rect(i) else { continue };
                let fill = match node.class {
                    Some(c) => {
                        super::palette::mix(ui.visuals().extreme_bg_color, class_color(c as usize), 0.45)
                    }
                    None => ui.visuals().faint_bg_color,
                };
                let on_path = highlight.contains(&i);
                painter.rect_filled(r, 4.0, fill);
                let border = if on_path { Stroke::new(3.0, Color32::YELLOW) } else { Stroke::new(1.0, line) };
                painter.rect_stroke(r, 4.0, border, egui::StrokeKind::Inside);
                let (title, detail) = describe(node, context, self.is_open(node, i));
                painter.text(
                    r.center_top() + vec2(0.0, 11.0),
                    Align2::CENTER_CENTER,
                    &title,
                    FontId::proportional(12.0),
                    text_color,
                );
                painter.text(
                    r.center_bottom() - vec2(0.0, 11.0),
                    Align2::CENTER_CENTER,
                    &detail,
                    FontId::proportional(11.0),
                    text_color,
                );
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
        });
        if let Some(i) = clicked {
            if !self.toggled.remove(&i) {
                self.toggled.insert(i);
            }
        }
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
        ui.label(
            egui::RichText::new(format!("The {rows} largest of {} features.", values.len())).weak(),
        );
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
