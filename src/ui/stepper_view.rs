//! The backprop stepper: one training step of a small network on one point, walked stage by
//! stage on its diagram (the point, forward layer by layer, the loss, backward from the output
//! down, the update) with every number the step computes, the chain rule for the edge under the
//! pointer, and a field to type a weight. It draws what the worker worked out; clicks become
//! `StepperCommand`s.

use std::sync::Arc;

use egui::{Align2, Color32, FontId, Pos2, Rect, Sense, Stroke, pos2, vec2};

use super::network_view::distance_to_segment;
use super::state::StepperCommand;
use crate::data::Dataset;
use crate::models::network::OutputHead;
use crate::models::network::stepper::{
    BackpropStep, SMALL_NETWORKS_ONLY, StepStage, UnitActivation, parse_number, short,
};

const POSITIVE: Color32 = Color32::from_rgb(242, 142, 43);
const NEGATIVE: Color32 = Color32::from_rgb(78, 121, 167);
const NODE_RADIUS: f32 = 9.0;
/// An edge closer than this to the pointer is the one under it.
const EDGE_REACH: f32 = 5.0;
/// A layer with at most this many edges shows all their numbers; a larger one those into the
/// unit under the pointer.
const LABELLED_EDGES: usize = 8;

/// What the stepper needs from the studio besides its own state.
pub struct StepperContext<'a> {
    pub data: &'a Dataset,
    pub is_network: bool,
    /// Training rows to pick from.
    pub train_rows: usize,
}

/// The stepper's window and what it shows.
#[derive(Default)]
pub struct StepperView {
    pub open: bool,
    /// The data row stepped on.
    row: Option<usize>,
    step: Option<Arc<BackpropStep>>,
    error: Option<String>,
    /// Position in the step's stages.
    stage: usize,
    /// The weight to set: (layer position, from, to), and the value typed for it.
    edge: (usize, usize, usize),
    typed: String,
    /// Walks received since the stepper opened on this worker (tests wait on it).
    updates: usize,
    /// What the worker was last told (`None`: nothing yet, this worker).
    sent: Option<Option<usize>>,
    picks: u64,
}

/// The thing under the pointer on the diagram.
#[derive(Clone, Copy, PartialEq)]
enum Hovered {
    /// Column (0 the inputs, k + 1 layer k) and unit.
    Unit(usize, usize),
    /// Layer position, from, to.
    Edge(usize, usize, usize),
}

impl StepperView {
    /// A new worker: its network is another, so the walk goes; the row and stage stay.
    pub fn worker_changed(&mut self) {
        (self.step, self.error, self.sent, self.updates) = (None, None, None, 0);
    }

    pub fn set(&mut self, result: Result<Arc<BackpropStep>, String>) {
        self.updates += 1;
        match result {
            Ok(step) => {
                let stages = step.stages().len();
                self.stage = self.stage.min(stages - 1);
                if self.step.as_ref().is_none_or(|old| old.layers.len() != step.layers.len()) {
                    self.edge = (step.layers.len() - 1, 0, 0);
                    self.typed.clear();
                }
                (self.step, self.error) = (Some(step), None);
            }
            Err(message) => (self.step, self.error) = (None, Some(message)),
        }
    }

    pub fn show_row(&mut self, row: usize) {
        self.row = Some(row);
    }

    pub fn row(&self) -> Option<usize> {
        self.row
    }

    pub fn step(&self) -> Option<&BackpropStep> {
        self.step.as_deref()
    }

    pub fn stage(&self) -> Option<StepStage> {
        self.step.as_ref().and_then(|s| s.stages().get(self.stage).copied())
    }

    pub fn updates(&self) -> usize {
        self.updates
    }

    /// What the worker should be showing, if it was not told yet.
    pub fn take_request(&mut self, is_network: bool) -> Option<Option<usize>> {
        let wanted = if self.open && is_network { self.row } else { None };
        if self.sent == Some(wanted) {
            return None;
        }
        self.sent = Some(wanted);
        Some(wanted)
    }

    /// The next "random" training row: a fixed sequence spread over the rows, so a class can
    /// repeat it.
    pub fn next_pick(&mut self, rows: usize) -> usize {
        self.picks += 1;
        let mut z = self.picks.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) % rows.max(1) as u64) as usize
    }

    /// The window, while open; returns what was asked for.
    pub fn window_ui(&mut self, ctx: &egui::Context, context: &StepperContext<'_>) -> Vec<StepperCommand> {
        let mut commands = Vec::new();
        if !self.open {
            return commands;
        }
        if context.is_network && self.row.is_none() && context.train_rows > 0 {
            // Opened without a point: start on one, so the walk is there at once.
            commands.push(StepperCommand::RandomRow);
        }
        let mut open = self.open;
        // At the right, over the curves, so the training points stay in view to click.
        let corner = pos2(ctx.content_rect().right() - 8.0, 60.0);
        egui::Window::new("Backprop stepper")
            .open(&mut open)
            .default_width(560.0)
            .pivot(Align2::RIGHT_TOP)
            .default_pos(corner)
            .show(ctx, |ui| self.contents_ui(ui, context, &mut commands));
        self.open = open;
        commands
    }

    fn contents_ui(
        &mut self,
        ui: &mut egui::Ui,
        context: &StepperContext<'_>,
        commands: &mut Vec<StepperCommand>,
    ) {
        if !context.is_network {
            ui.label("The stepper walks through one training step of a network: choose a network model.");
            return;
        }
        if let Some(error) = &self.error {
            if error.contains(SMALL_NETWORKS_ONLY) {
                // Larger networks get the one sentence and nothing else.
                let mut sentence = SMALL_NETWORKS_ONLY.to_string();
                sentence[..1].make_ascii_uppercase();
                ui.label(format!("{sentence}."));
                return;
            }
            ui.colored_label(ui.visuals().error_fg_color, error);
        }
        let Some(step) = self.step.clone() else {
            ui.horizontal(|ui| {
                ui.label("Click a training point (a filled dot) on the boundary plot, or");
                if ui.button("Random training point").clicked() {
                    commands.push(StepperCommand::RandomRow);
                }
            });
            if self.error.is_none() {
                ui.spinner();
            }
            return;
        };
        self.header_ui(ui, &step, context.data);
        let stages = step.stages();
        self.stage = self.stage.min(stages.len() - 1);
        let stage = stages[self.stage];
        ui.horizontal(|ui| {
            if ui
                .add_enabled(self.stage > 0, egui::Button::new("Back"))
                .on_hover_text("The stage before.")
                .clicked()
            {
                self.stage -= 1;
            }
            let last = self.stage + 1 == stages.len();
            if ui.add_enabled(!last, egui::Button::new("Forward")).on_hover_text("The next stage.").clicked()
            {
                self.stage += 1;
            }
            if ui.button("Random training point").on_hover_text("Step on another training point.").clicked() {
                commands.push(StepperCommand::RandomRow);
            }
            if ui
                .button("Apply this step")
                .on_hover_text("Take this step for real: the network's weights become the new ones shown.")
                .clicked()
            {
                commands.push(StepperCommand::Apply);
            }
        });
        let stage = stages.get(self.stage).copied().unwrap_or(stage);
        ui.strong(format!("Stage {} of {}: {}", self.stage + 1, stages.len(), step.stage_title(stage)));
        let hovered = diagram_ui(ui, &step, stage, self.edge);
        let detail = match hovered {
            Some((Hovered::Unit(column, u), _)) => step.unit_text(stage, column, u),
            Some((Hovered::Edge(k, i, u), clicked)) => {
                if clicked {
                    self.edge = (k, i, u);
                    self.typed = short(step.layers[k].weight(i, u));
                }
                step.edge_text(stage, k, i, u)
            }
            None => {
                let (k, i, u) = self.edge;
                format!(
                    "Picked edge (hover another, or click one to pick it): {}",
                    step.edge_text(stage, k, i, u)
                )
            }
        };
        ui.label(detail);
        self.weight_field_ui(ui, &step, commands);
        egui::CollapsingHeader::new("Numbers of this stage").default_open(true).show(ui, |ui| {
            egui::ScrollArea::vertical().max_height(200.0).auto_shrink([false, true]).show(ui, |ui| {
                for line in step.stage_lines(stage) {
                    ui.label(line);
                }
            });
        });
    }

    fn header_ui(&self, ui: &mut egui::Ui, step: &BackpropStep, data: &Dataset) {
        let Some(row) = step.row else { return };
        let target = step.targets[0];
        let what = match data.class_names().get(target as usize) {
            Some(name) if data.task() == crate::data::Task::Classification => name.clone(),
            _ => format!("target {}", short(target)),
        };
        let kind = if step.training_row {
            "training point"
        } else {
            "test point (training never steps on it; this is for the lesson)"
        };
        ui.label(format!(
            "One training step on {kind} {} ({what}), alone: {} at learning rate {}, after {} steps.",
            row + 1,
            step.optimizer.name(),
            step.learning_rate,
            step.steps_before
        ));
    }

    /// Which weight to set and its new value; clicking an edge fills them in.
    fn weight_field_ui(
        &mut self,
        ui: &mut egui::Ui,
        step: &BackpropStep,
        commands: &mut Vec<StepperCommand>,
    ) {
        let (mut k, mut from, mut to) = self.edge;
        k = k.min(step.layers.len() - 1);
        ui.horizontal(|ui| {
            ui.label("Set weight of");
            egui::ComboBox::from_id_salt("stepper layer").selected_text(step.layers[k].name.clone()).show_ui(
                ui,
                |ui| {
                    for (position, layer) in step.layers.iter().enumerate() {
                        ui.selectable_value(&mut k, position, layer.name.clone());
                    }
                },
            );
            let layer = &step.layers[k];
            (from, to) = (from.min(layer.inputs - 1), to.min(layer.units - 1));
            let mut shown = (from + 1, to + 1);
            ui.add(egui::DragValue::new(&mut shown.0).range(1..=layer.inputs).prefix("from "));
            ui.add(egui::DragValue::new(&mut shown.1).range(1..=layer.units).prefix("to "));
            (from, to) = (shown.0 - 1, shown.1 - 1);
            if (k, from, to) != self.edge {
                self.edge = (k, from, to);
                self.typed = short(layer.weight(from, to));
            }
            let label = ui.label("new weight");
            let field = egui::TextEdit::singleline(&mut self.typed)
                .desired_width(80.0)
                .hint_text(short(layer.weight(from, to)));
            let response = ui.add(field).labelled_by(label.id);
            let entered = response.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
            let value = parse_number(&self.typed);
            let set = ui
                .add_enabled(value.is_some(), egui::Button::new("Set weight"))
                .on_hover_text("Give the network this weight and see the boundary change.")
                .clicked();
            if (set || entered)
                && let Some(value) = value
            {
                commands.push(StepperCommand::SetWeight { layer: layer.index, from, to, value });
            }
        });
    }
}

/// Where the diagram puts its columns and units.
struct Layout {
    rect: Rect,
    columns: Vec<usize>,
}

impl Layout {
    fn x(&self, column: usize) -> f32 {
        let span = self.rect.width() - 170.0;
        self.rect.min.x + 40.0 + column as f32 * span / (self.columns.len() - 1).max(1) as f32
    }

    fn at(&self, column: usize, unit: usize) -> Pos2 {
        let n = self.columns[column].max(1) as f32;
        let usable = self.rect.height() - 30.0;
        pos2(self.x(column), self.rect.min.y + 22.0 + (unit as f32 + 0.5) * usable / n)
    }
}

/// The number an edge carries at this stage: its weight, its gradient, its new weight.
fn edge_value(step: &BackpropStep, stage: StepStage, k: usize, j: usize) -> f64 {
    let l = &step.layers[k];
    match stage {
        StepStage::Backward(b) if k >= b => l.weight_grads[j],
        StepStage::Update => l.new_weights[j],
        _ => l.weights[j],
    }
}

/// Whether layer k's edges are the ones this stage is about.
fn is_active(stage: StepStage, k: usize) -> bool {
    match stage {
        StepStage::Forward(f) | StepStage::Backward(f) => f == k,
        StepStage::Update => true,
        StepStage::Input | StepStage::Loss => false,
    }
}

/// What a unit shows at this stage: z and a for the layer the forward pass is at, a for the
/// layers before (short, so the numbers on the edges beside them stay clear), δ on the way back.
fn unit_label(step: &BackpropStep, stage: StepStage, column: usize, u: usize) -> Option<String> {
    let Some(k) = column.checked_sub(1) else { return Some(format!("x {}", short(step.inputs[u]))) };
    let l = &step.layers[k];
    let linear = l.activation == UnitActivation::Linear;
    let output = if linear { format!("z {}", short(l.z[u])) } else { format!("a {}", short(l.a[u])) };
    match stage {
        StepStage::Input => None,
        StepStage::Forward(f) if k == f && !linear => {
            Some(format!("z {}  a {}", short(l.z[u]), short(l.a[u])))
        }
        StepStage::Forward(f) if k <= f => Some(output),
        StepStage::Forward(_) => None,
        StepStage::Loss if k + 1 == step.layers.len() => Some(match step.head {
            OutputHead::Value => format!("ŷ {}  L {}", short(step.outputs[u]), short(step.loss)),
            _ => format!("p {}  L {}", short(step.outputs[u]), short(step.loss)),
        }),
        StepStage::Loss => Some(output),
        StepStage::Backward(b) if k >= b => Some(format!("δ {}", short(l.delta[u]))),
        StepStage::Backward(_) => Some(output),
        StepStage::Update => Some(format!("new b {}", short(l.new_biases[u]))),
    }
}

/// Units in columns and edges coloured by the stage's number (weight, gradient, new weight);
/// the numbers beside the units, and on the active layer's edges. Returns what is under the
/// pointer and whether it was clicked.
fn diagram_ui(
    ui: &mut egui::Ui,
    step: &BackpropStep,
    stage: StepStage,
    selected: (usize, usize, usize),
) -> Option<(Hovered, bool)> {
    let mut columns = vec![step.n_inputs];
    columns.extend(step.layers.iter().map(|l| l.units));
    let most = columns.iter().copied().max().unwrap_or(1);
    let height = (most as f32 * 34.0 + 40.0).max(140.0);
    let width = ui.available_width().clamp(420.0, 900.0);
    let (rect, response) = ui.allocate_exact_size(vec2(width, height), Sense::click());
    let layout = Layout { rect, columns };
    let painter = ui.painter_at(rect);
    let pointer = response.hover_pos();
    let hovered = pointer.and_then(|p| thing_at(step, &layout, p));
    // Numbers go on the edges into the unit under the pointer, else into the picked edge's unit.
    let focus = hovered.unwrap_or(Hovered::Edge(selected.0, selected.1, selected.2));
    draw_edges(ui, &painter, step, stage, &layout, selected, focus);
    draw_units(ui, &painter, step, stage, &layout, hovered);
    let summary = format!("backprop diagram: {}", step.stage_title(stage));
    response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Image, true, &summary));
    let clicked = response.clicked();
    hovered.map(|h| (h, clicked))
}

fn thing_at(step: &BackpropStep, layout: &Layout, p: Pos2) -> Option<Hovered> {
    for (column, &n) in layout.columns.iter().enumerate() {
        for u in 0..n {
            if layout.at(column, u).distance(p) <= NODE_RADIUS + 2.0 {
                return Some(Hovered::Unit(column, u));
            }
        }
    }
    let mut nearest: Option<(f32, Hovered)> = None;
    for (k, l) in step.layers.iter().enumerate() {
        for i in 0..l.inputs {
            for u in 0..l.units {
                let d = distance_to_segment(p, layout.at(k, i), layout.at(k + 1, u));
                if d < EDGE_REACH && nearest.is_none_or(|(best, _)| d < best) {
                    nearest = Some((d, Hovered::Edge(k, i, u)));
                }
            }
        }
    }
    nearest.map(|(_, h)| h)
}

fn draw_edges(
    ui: &egui::Ui,
    painter: &egui::Painter,
    step: &BackpropStep,
    stage: StepStage,
    layout: &Layout,
    selected: (usize, usize, usize),
    focus: Hovered,
) {
    let text_color = ui.visuals().strong_text_color();
    let label_fill = ui.visuals().extreme_bg_color.gamma_multiply(0.85);
    for (k, l) in step.layers.iter().enumerate() {
        let values: Vec<f64> = (0..l.weights.len()).map(|j| edge_value(step, stage, k, j)).collect();
        let scale = values.iter().fold(0f64, |m, v| m.max(v.abs())).max(1e-12);
        let active = is_active(stage, k);
        let target_unit = match focus {
            Hovered::Unit(column, u) if column == k + 1 => Some(u),
            Hovered::Edge(fk, _, u) if fk == k => Some(u),
            _ => None,
        };
        for i in 0..l.inputs {
            for u in 0..l.units {
                let j = i * l.units + u;
                let (a, b) = (layout.at(k, i), layout.at(k + 1, u));
                let strength = (values[j].abs() / scale) as f32;
                let base = if values[j] >= 0.0 { POSITIVE } else { NEGATIVE };
                let alpha = if active { 0.25 + 0.75 * strength } else { 0.08 + 0.25 * strength };
                let mut stroke = Stroke::new(0.6 + 3.0 * strength, base.gamma_multiply(alpha));
                if (k, i, u) == selected || focus == Hovered::Edge(k, i, u) {
                    stroke = Stroke::new(stroke.width + 0.8, text_color.gamma_multiply(0.8));
                }
                painter.line_segment([a, b], stroke);
                let labelled = active && (l.weights.len() <= LABELLED_EDGES || target_unit == Some(u));
                if labelled {
                    // Past the source's own label, where the edges into one unit are still apart.
                    let at = a + (b - a) * 0.58;
                    let galley =
                        painter.layout_no_wrap(short(values[j]), FontId::proportional(10.0), text_color);
                    let back = Rect::from_center_size(at, galley.size() + vec2(4.0, 1.0));
                    painter.rect_filled(back, 2.0, label_fill);
                    painter.galley(back.min + vec2(2.0, 0.5), galley, text_color);
                }
            }
        }
    }
}

fn draw_units(
    ui: &egui::Ui,
    painter: &egui::Painter,
    step: &BackpropStep,
    stage: StepStage,
    layout: &Layout,
    hovered: Option<Hovered>,
) {
    let node = ui.visuals().strong_text_color();
    let text_color = ui.visuals().text_color();
    let fill = ui.visuals().extreme_bg_color;
    let backing = fill.gamma_multiply(0.8);
    for (column, &n) in layout.columns.iter().enumerate() {
        let title = match column.checked_sub(1) {
            None => "inputs".to_string(),
            Some(k) if step.layers[k].activation == UnitActivation::Linear => step.layers[k].name.clone(),
            Some(k) => format!("{} ({})", step.layers[k].name, step.layers[k].activation.name()),
        };
        let current = match stage {
            StepStage::Forward(k) | StepStage::Backward(k) => column == k + 1,
            StepStage::Input => column == 0,
            StepStage::Loss => column + 1 == layout.columns.len(),
            StepStage::Update => false,
        };
        let font = if current { FontId::proportional(12.5) } else { FontId::proportional(11.0) };
        painter.text(
            pos2(layout.x(column), layout.rect.min.y + 8.0),
            Align2::CENTER_CENTER,
            title,
            font,
            node,
        );
        for u in 0..n {
            let at = layout.at(column, u);
            let ring = if hovered == Some(Hovered::Unit(column, u)) {
                3.0
            } else if current {
                2.0
            } else {
                1.0
            };
            painter.circle(at, NODE_RADIUS, fill, Stroke::new(ring, node));
            if let Some(text) = unit_label(step, stage, column, u) {
                // On a faint backing, so the edges behind do not cross the digits.
                let galley = painter.layout_no_wrap(text, FontId::proportional(10.5), text_color);
                let min = at + vec2(NODE_RADIUS + 3.0, -galley.size().y / 2.0);
                painter.rect_filled(Rect::from_min_size(min, galley.size() + vec2(3.0, 0.0)), 2.0, backing);
                painter.galley(min + vec2(1.5, 0.0), galley, text_color);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_spread_over_the_rows_and_repeat_from_the_start() {
        let mut view = StepperView::default();
        let picks: Vec<usize> = (0..20).map(|_| view.next_pick(100)).collect();
        let distinct: std::collections::BTreeSet<_> = picks.iter().collect();
        assert!(distinct.len() >= 15, "{picks:?}");
        let mut again = StepperView::default();
        assert_eq!(again.next_pick(100), picks[0]);
        assert!(picks.iter().all(|&p| p < 100));
    }

    #[test]
    fn the_worker_is_told_once_per_change() {
        let mut view = StepperView { open: true, ..StepperView::default() };
        view.show_row(4);
        assert_eq!(view.take_request(true), Some(Some(4)));
        assert_eq!(view.take_request(true), None);
        view.open = false;
        assert_eq!(view.take_request(true), Some(None));
        view.worker_changed();
        assert_eq!(view.take_request(true), Some(None), "a new worker is told too");
    }
}
