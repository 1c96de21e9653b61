//! Duel mode: one classical model and one network on the same data and the same split, side by
//! side, with boundaries on the same axes, played and paused together, and one comparison table.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use super::background::{BackgroundTasks, Task};
use super::boundary::{BoundaryOverlay, BoundaryView};
use super::report_view::table_ui;
use crate::data::{BuiltinDataset, Dataset, GeneratorSettings, Split, stratified_split};
use crate::lessons::ReportTable;
#[cfg(not(target_arch = "wasm32"))]
use crate::lessons::duel::duel;
use crate::lessons::duel::{Contender, rows_table};
use crate::models::{ModelConfig, ModelKind};
use crate::training::{GridSpec, TrainEvent, TrainJob, TrainingWorker, WorkerCommand};

const GRID_RESOLUTION: usize = 64;

/// Data sets with two features, where a boundary can be drawn.
pub const DUEL_DATASETS: [BuiltinDataset; 6] = [
    BuiltinDataset::Moons,
    BuiltinDataset::Circles,
    BuiltinDataset::Xor,
    BuiltinDataset::Spiral,
    BuiltinDataset::Checkerboard,
    BuiltinDataset::Blobs,
];

pub const DUEL_CLASSICAL: [ModelKind; 6] = [
    ModelKind::LogisticRegression,
    ModelKind::DecisionTree,
    ModelKind::RandomForest,
    ModelKind::Svm,
    ModelKind::Knn,
    ModelKind::NaiveBayes,
];

/// What the duel runs; the split is shared by both sides.
#[derive(Clone, Debug, PartialEq)]
pub struct DuelSettings {
    pub dataset: BuiltinDataset,
    pub generator: GeneratorSettings,
    pub test_fraction: f64,
    pub classical: ModelKind,
    pub network: ModelConfig,
    pub epochs: usize,
}

impl Default for DuelSettings {
    fn default() -> Self {
        Self {
            dataset: BuiltinDataset::Circles,
            generator: GeneratorSettings::default(),
            test_fraction: 0.25,
            classical: ModelKind::LogisticRegression,
            network: ModelConfig::default(),
            epochs: 200,
        }
    }
}

/// One contestant: its worker and what it reported.
#[derive(Default)]
struct DuelSide {
    worker: Option<TrainingWorker>,
    boundary: BoundaryView,
    label: String,
    epoch: usize,
    accuracy: Option<f64>,
    parameters: Option<usize>,
    train_seconds: Option<f64>,
    finished: bool,
    error: Option<String>,
}

impl DuelSide {
    fn drain(&mut self, ctx: &egui::Context, background: egui::Color32) {
        let Some(worker) = &self.worker else { return };
        for event in worker.drain() {
            match event {
                TrainEvent::Ready { parameters, .. } => self.parameters = Some(parameters),
                TrainEvent::Epoch(record) => {
                    self.epoch = record.epoch;
                    self.accuracy = record.test_accuracy.or(self.accuracy);
                }
                TrainEvent::Grid(grid) => self.boundary.set_grid(ctx, &grid, background),
                TrainEvent::Finished { train_seconds, parameters, .. } => {
                    self.finished = true;
                    self.train_seconds = Some(train_seconds);
                    self.parameters = Some(parameters);
                }
                TrainEvent::Failed(error) => self.error = Some(error.to_string()),
                // Scores, insight, saves: the duel shows none of them.
                _ => {}
            }
        }
    }

    fn status(&self) -> String {
        if let Some(error) = &self.error {
            return format!("stopped: {error}");
        }
        let accuracy = self.accuracy.map_or("-".into(), |a| format!("{a:.3}"));
        let state = match (self.finished, self.epoch) {
            (true, _) => "finished",
            (false, 0) => "ready",
            (false, _) => "training",
        };
        format!("epoch {}  test accuracy {accuracy}  ({state})", self.epoch)
    }
}

pub struct DuelView {
    pub settings: DuelSettings,
    data: Arc<Dataset>,
    split: Split,
    sides: [DuelSide; 2],
    playing: bool,
    /// The comparison table once both have finished (from the lessons' duel helper).
    table: Option<ReportTable>,
    pending_table: Option<Task<Result<ReportTable, String>>>,
    /// Stops the helper's measurement when the duel starts over.
    cancel: Arc<AtomicBool>,
    /// The two models as configured: classical first, then the network.
    models: Vec<ModelConfig>,
    error: Option<String>,
}

impl Default for DuelView {
    fn default() -> Self {
        Self {
            settings: DuelSettings::default(),
            data: Arc::new(BuiltinDataset::Circles.generate(&GeneratorSettings::default())),
            split: Split { train: Vec::new(), test: Vec::new(), warning: None },
            sides: Default::default(),
            playing: false,
            table: None,
            pending_table: None,
            cancel: Arc::new(AtomicBool::new(false)),
            models: Vec::new(),
            error: None,
        }
    }
}

impl DuelView {
    /// Builds the data, the shared split and both workers (paused), dropping any earlier run.
    pub fn restart(&mut self, tasks: &BackgroundTasks) {
        self.playing = false;
        self.table = None;
        self.pending_table = None;
        self.cancel.store(true, Ordering::Relaxed);
        self.cancel = Arc::new(AtomicBool::new(false));
        self.error = None;
        let settings = &self.settings;
        let data = settings.dataset.generate(&settings.generator);
        let split = match stratified_split(&data, settings.test_fraction, settings.generator.seed) {
            Ok(split) => split,
            Err(e) => {
                self.error = Some(e.to_string());
                self.sides = Default::default();
                return;
            }
        };
        let coords: Vec<[f64; 2]> = (0..data.rows()).map(|i| [data.row(i)[0], data.row(i)[1]]).collect();
        // One grid for both: the same cells over the same ranges, so the two plots line up.
        let grid = GridSpec::covering(&coords, 0, 1, GRID_RESOLUTION);
        self.data = Arc::new(data);
        self.split = split;
        let classical = ModelConfig {
            kind: settings.classical,
            seed: settings.generator.seed,
            params: Default::default(),
            ..ModelConfig::default()
        };
        let network =
            ModelConfig { kind: ModelKind::Mlp, seed: settings.generator.seed, ..settings.network.clone() };
        self.models = vec![classical, network];
        let models = self.models.clone();
        for (side, model) in self.sides.iter_mut().zip(models) {
            *side = DuelSide { label: model_label(&model), ..DuelSide::default() };
            side.boundary.set_points(&self.data, &self.split, &coords);
            side.boundary.link_group = Some(egui::Id::unique("duel_boundaries"));
            let job = TrainJob {
                dataset: Arc::clone(&self.data),
                split: self.split.clone(),
                max_epochs: (model.kind.is_network()).then_some(self.settings.epochs),
                model,
                scale: true,
                grid: grid.clone(),
            };
            side.worker = Some(TrainingWorker::spawn(job, tasks.waker()));
        }
    }

    pub fn is_started(&self) -> bool {
        self.sides.iter().all(|s| s.worker.is_some())
    }

    /// Play or pause both sides together.
    pub fn toggle_play(&mut self, tasks: &BackgroundTasks) {
        if !self.is_started() {
            self.restart(tasks);
        }
        self.playing = !self.playing;
        let command = if self.playing { WorkerCommand::Play } else { WorkerCommand::Pause };
        for side in &self.sides {
            if let Some(worker) = &side.worker {
                worker.send(command.clone());
            }
        }
    }

    pub fn is_playing(&self) -> bool {
        self.playing
    }

    pub fn both_finished(&self) -> bool {
        self.sides.iter().all(|s| s.finished || s.error.is_some())
    }

    pub fn table(&self) -> Option<&ReportTable> {
        self.table.as_ref()
    }

    /// Boundary snapshots drawn on each side.
    pub fn boundary_refreshes(&self) -> [u64; 2] {
        [self.sides[0].boundary.refreshes, self.sides[1].boundary.refreshes]
    }

    pub fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }

    /// Takes the workers' news; once both have finished, asks for the comparison table.
    pub fn poll(&mut self, ctx: &egui::Context, tasks: &BackgroundTasks) {
        let background = ctx.global_style().visuals.extreme_bg_color;
        for side in &mut self.sides {
            side.drain(ctx, background);
        }
        if self.playing && self.both_finished() {
            self.playing = false;
            if self.table.is_none() && self.pending_table.is_none() {
                self.pending_table = Some(self.comparison_in_background(tasks));
            }
        }
        if let Some(task) = &self.pending_table
            && let Some(result) = task.poll().unwrap_or_else(|e| Some(Err(e)))
        {
            self.pending_table = None;
            match result {
                Ok(table) => self.table = Some(table),
                Err(message) => {
                    self.error = Some(message);
                    self.table = Some(self.live_table());
                }
            }
        }
    }

    /// What the workers themselves measured, used until (or if) the duel helper answers.
    fn live_table(&self) -> ReportTable {
        let rows = self
            .sides
            .iter()
            .map(|side| {
                vec![
                    side.label.clone(),
                    side.accuracy.map_or("-".into(), |a| format!("{a:.3}")),
                    "-".into(),
                    side.train_seconds.map_or("-".into(), |s| format!("{:.1} ms", s * 1000.0)),
                    "-".into(),
                    side.parameters.map_or("-".into(), |p| p.to_string()),
                    "cpu".into(),
                ]
            })
            .collect();
        ReportTable { title: "Duel".into(), columns: rows_table("Duel", &[]).columns, rows }
    }

    /// Measures both models again with the lessons' duel helper (same split, same timing method),
    /// on a background thread, for the comparison table.
    fn comparison_in_background(&self, tasks: &BackgroundTasks) -> Task<Result<ReportTable, String>> {
        let data = Arc::clone(&self.data);
        let split = self.split.clone();
        let contenders: Vec<Contender> = self
            .models
            .iter()
            .map(|model| Contender {
                label: model_label(model),
                config: model.clone(),
                epochs: if model.kind.is_network() { self.settings.epochs } else { 1 },
            })
            .collect();
        let cancel = Arc::clone(&self.cancel);
        #[cfg(not(target_arch = "wasm32"))]
        {
            tasks.spawn("duel-table", move |_| {
                duel(&data, &split, &contenders, true, None, &|_, _| {}, &cancel)
                    .map(|outcome| outcome.table("Duel"))
                    .map_err(|e| format!("The comparison could not be measured: {e}"))
            })
        }
        // The browser measures in a web worker, so the page keeps drawing.
        #[cfg(target_arch = "wasm32")]
        {
            let _ = cancel;
            let input =
                serde_json::json!({ "data": *data, "split": split, "contenders": contenders }).to_string();
            tasks.spawn_in_worker("duel-table", "duel-table", input, |outcome| {
                outcome
                    .and_then(|json| serde_json::from_str::<ReportTable>(&json).map_err(|e| e.to_string()))
                    .map_err(|e| format!("The comparison could not be measured: {e}"))
            })
        }
    }

    pub fn ui(&mut self, ui: &mut egui::Ui, tasks: &BackgroundTasks) {
        ui.label(
            "Both models learn from the same training rows and are scored on the same test rows; \
             the two plots share their axes (drag or zoom one, the other follows).",
        );
        self.settings_ui(ui, tasks);
        if let Some(error) = &self.error {
            ui.colored_label(ui.visuals().error_fg_color, error);
        }
        ui.separator();
        let width = ((ui.available_width() - 16.0) / 2.0).max(150.0);
        let height = (ui.available_height() - 190.0).clamp(180.0, 520.0);
        let (x_name, y_name) = (
            self.data.feature_names.first().map_or("x", String::as_str).to_owned(),
            self.data.feature_names.get(1).map_or("y", String::as_str).to_owned(),
        );
        ui.horizontal_top(|ui| {
            for (index, side) in self.sides.iter().enumerate() {
                ui.allocate_ui(egui::vec2(width, height + 40.0), |ui| {
                    ui.vertical(|ui| {
                        ui.strong(if index == 0 { "Classical" } else { "Network" });
                        ui.label(&side.label);
                        ui.label(side.status());
                        ui.push_id(("duel_boundary", index), |ui| {
                            ui.set_max_height(height);
                            side.boundary.ui(ui, &x_name, &y_name, &BoundaryOverlay::default());
                        });
                    });
                });
            }
        });
        ui.separator();
        match (&self.table, &self.pending_table) {
            (Some(table), _) => table_ui(ui, table, 100),
            (None, Some(_)) => {
                ui.horizontal(|ui| {
                    ui.spinner();
                    ui.label("Measuring both models on the test rows...");
                });
            }
            (None, None) => {
                ui.label("Press Play duel: the comparison table appears when both have finished.");
            }
        }
    }

    fn settings_ui(&mut self, ui: &mut egui::Ui, tasks: &BackgroundTasks) {
        let before = self.settings.clone();
        ui.horizontal_wrapped(|ui| {
            egui::ComboBox::from_label("Duel data").selected_text(self.settings.dataset.name()).show_ui(
                ui,
                |ui| {
                    for dataset in DUEL_DATASETS {
                        ui.selectable_value(&mut self.settings.dataset, dataset, dataset.name());
                    }
                },
            );
            egui::ComboBox::from_label("Classical model")
                .selected_text(self.settings.classical.label())
                .show_ui(ui, |ui| {
                    for kind in DUEL_CLASSICAL {
                        ui.selectable_value(&mut self.settings.classical, kind, kind.label());
                    }
                });
            ui.add(egui::DragValue::new(&mut self.settings.epochs).range(1..=5000).prefix("network epochs "));
            ui.add(egui::DragValue::new(&mut self.settings.generator.seed).prefix("seed "));
        });
        if self.settings != before {
            self.restart(tasks);
        }
        ui.horizontal(|ui| {
            let label = if self.playing { "Pause duel" } else { "Play duel" };
            let can_play = !self.both_finished() || !self.is_started();
            if ui
                .add_enabled(can_play, egui::Button::new(label))
                .on_hover_text("Train both models together on the same training rows.")
                .clicked()
            {
                self.toggle_play(tasks);
            }
            if ui.button("New duel").on_hover_text("Start both models again from scratch.").clicked() {
                self.restart(tasks);
            }
        });
    }
}

fn model_label(model: &ModelConfig) -> String {
    if model.kind.is_network() {
        let layers: Vec<String> = model.hidden_layers.iter().map(usize::to_string).collect();
        format!("{} [{}]", model.kind.label(), layers.join(", "))
    } else {
        model.kind.label().to_owned()
    }
}
