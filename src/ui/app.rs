//! The studio: lays out the panels, turns clicks into commands and worker events into views.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::boundary::BoundaryView;
use super::controls::controls_ui;
use super::curves::TrainingCurves;
use crate::data::{BuiltinDataset, Dataset, GeneratorSettings, Split, stratified_split};
use crate::models::ModelConfig;
use crate::training::{EpochRecord, GridSpec, TrainEvent, TrainJob, TrainingWorker, Waker, WorkerCommand};

/// Grid cells per side of the decision-boundary heatmap.
const GRID_RESOLUTION: usize = 64;

/// What the studio remembers between runs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct StudioSettings {
    pub dataset: BuiltinDataset,
    pub generator: GeneratorSettings,
    pub test_fraction: f64,
    pub model: ModelConfig,
    /// The hidden layer sizes as the user typed them ("8,8").
    pub layers_text: String,
}

impl Default for StudioSettings {
    fn default() -> Self {
        Self {
            dataset: BuiltinDataset::Moons,
            generator: GeneratorSettings::default(),
            test_fraction: 0.2,
            model: ModelConfig::default(),
            layers_text: "8,8".into(),
        }
    }
}

impl StudioSettings {
    pub fn parsed_layers(&self) -> Result<Vec<usize>, String> {
        self.layers_text
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| match s.parse::<usize>() {
                Ok(n) if (1..=1024).contains(&n) => Ok(n),
                _ => Err(format!("'{s}' is not a layer size: use whole numbers from 1 to 1024, e.g. 8,8")),
            })
            .collect()
    }
}

/// Things the user asked for; handled in one place at the end of a frame.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum StudioCommand {
    TogglePlay,
    Step,
    Reset,
    RegenerateData,
    SetLearningRate(f64),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunStatus {
    Ready,
    Running,
    Paused,
    Finished,
    Failed,
}

impl RunStatus {
    fn label(self) -> &'static str {
        match self {
            RunStatus::Ready => "Ready",
            RunStatus::Running => "Training…",
            RunStatus::Paused => "Paused",
            RunStatus::Finished => "Finished",
            RunStatus::Failed => "Stopped by an error",
        }
    }
}

pub struct StudioApp {
    settings: StudioSettings,
    data: Arc<Dataset>,
    split: Split,
    worker: Option<TrainingWorker>,
    waker: Waker,
    status: RunStatus,
    epoch: usize,
    parameters: Option<usize>,
    latest: Option<EpochRecord>,
    notice: Option<String>,
    error: Option<String>,
    curves: TrainingCurves,
    boundary: BoundaryView,
    commands: Vec<StudioCommand>,
}

impl StudioApp {
    pub fn new(cc: &eframe::CreationContext<'_>) -> Self {
        let (settings, notice) = match cc.storage {
            Some(storage) => match storage.get_string(eframe::APP_KEY) {
                Some(text) => match serde_json::from_str::<StudioSettings>(&text) {
                    Ok(settings) => (settings, None),
                    Err(_) => (
                        StudioSettings::default(),
                        Some("The saved session could not be read (it may come from an older version); starting fresh.".into()),
                    ),
                },
                None => (StudioSettings::default(), None),
            },
            None => (StudioSettings::default(), None),
        };
        Self::with_settings(&cc.egui_ctx, settings, notice)
    }

    /// A studio with the given settings, as a test or `learnscope gui` would open it.
    pub fn with_settings(ctx: &egui::Context, settings: StudioSettings, notice: Option<String>) -> Self {
        let repaint = ctx.clone();
        let waker: Waker = Arc::new(move || repaint.request_repaint());
        let data = Arc::new(settings.dataset.generate(&settings.generator));
        let mut app = Self {
            split: Split { train: Vec::new(), test: Vec::new(), warning: None },
            data,
            settings,
            worker: None,
            waker,
            status: RunStatus::Ready,
            epoch: 0,
            parameters: None,
            latest: None,
            notice,
            error: None,
            curves: TrainingCurves::default(),
            boundary: BoundaryView::default(),
            commands: Vec::new(),
        };
        app.regenerate_data();
        app
    }

    pub fn open_builtin(&mut self, dataset: BuiltinDataset) {
        self.settings.dataset = dataset;
        self.regenerate_data();
    }

    pub fn settings(&self) -> &StudioSettings {
        &self.settings
    }

    pub fn status(&self) -> RunStatus {
        self.status
    }

    pub fn epoch(&self) -> usize {
        self.epoch
    }

    /// Points on the loss plot.
    pub fn loss_points(&self) -> usize {
        self.curves.len()
    }

    /// Decision-grid snapshots drawn since the last reset.
    pub fn boundary_refreshes(&self) -> u64 {
        self.boundary.refreshes
    }

    pub fn latest(&self) -> Option<&EpochRecord> {
        self.latest.as_ref()
    }

    pub fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }

    fn regenerate_data(&mut self) {
        self.data = Arc::new(self.settings.dataset.generate(&self.settings.generator));
        match stratified_split(&self.data, self.settings.test_fraction, self.settings.generator.seed) {
            Ok(split) => {
                self.notice = split.warning.clone().or(self.notice.take());
                self.split = split;
                self.error = None;
            }
            Err(e) => {
                self.split = Split { train: Vec::new(), test: Vec::new(), warning: None };
                self.error = Some(e.to_string());
            }
        }
        self.boundary.set_points(&self.data, &self.split);
        self.reset();
    }

    /// Throws the model away and starts a fresh, untrained one (paused).
    fn reset(&mut self) {
        self.worker = None;
        self.curves.clear();
        self.boundary.clear_grid();
        self.status = RunStatus::Ready;
        self.epoch = 0;
        self.parameters = None;
        self.latest = None;
        if self.split.train.is_empty() {
            return;
        }
        if let Err(message) = self.settings.parsed_layers() {
            self.error = Some(message);
            return;
        }
        self.error = None;
        let job = TrainJob {
            dataset: Arc::clone(&self.data),
            split: self.split.clone(),
            model: ModelConfig { seed: self.settings.generator.seed, ..self.settings.model.clone() },
            scale: true,
            max_epochs: None,
            grid: GridSpec::around(&self.data, GRID_RESOLUTION),
        };
        self.worker = Some(TrainingWorker::spawn(job, Arc::clone(&self.waker)));
    }

    fn send(&self, command: WorkerCommand) {
        if let Some(worker) = &self.worker {
            worker.send(command);
        }
    }

    fn handle(&mut self, command: StudioCommand) {
        match command {
            StudioCommand::TogglePlay => match self.status {
                RunStatus::Running => {
                    self.send(WorkerCommand::Pause);
                    self.status = RunStatus::Paused;
                }
                RunStatus::Ready | RunStatus::Paused => {
                    if self.worker.is_none() {
                        self.reset();
                    }
                    self.send(WorkerCommand::Play);
                    if self.worker.is_some() {
                        self.status = RunStatus::Running;
                    }
                }
                RunStatus::Finished | RunStatus::Failed => {}
            },
            StudioCommand::Step => {
                if matches!(self.status, RunStatus::Ready | RunStatus::Paused) {
                    self.send(WorkerCommand::Step);
                    self.status = RunStatus::Paused;
                }
            }
            StudioCommand::Reset => self.reset(),
            StudioCommand::RegenerateData => self.regenerate_data(),
            StudioCommand::SetLearningRate(lr) => self.send(WorkerCommand::SetLearningRate(lr)),
        }
    }

    fn drain_events(&mut self, ctx: &egui::Context) {
        let Some(worker) = &self.worker else { return };
        let background = ctx.global_style().visuals.extreme_bg_color;
        for event in worker.drain() {
            match event {
                TrainEvent::Ready { parameters, .. } => self.parameters = Some(parameters),
                TrainEvent::Epoch(record) => {
                    self.epoch = record.epoch;
                    self.curves.push(&record);
                    self.latest = Some(record);
                }
                TrainEvent::Grid(grid) => self.boundary.set_grid(ctx, &grid, background),
                TrainEvent::Running(running) => {
                    if !running && self.status == RunStatus::Running {
                        self.status = RunStatus::Paused;
                    }
                }
                TrainEvent::Finished { parameters, .. } => {
                    self.status = RunStatus::Finished;
                    self.parameters = Some(parameters);
                }
                TrainEvent::Failed(error) => {
                    self.status = RunStatus::Failed;
                    self.error = Some(error.to_string());
                }
            }
        }
    }

    fn toolbar_ui(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            let playing = self.status == RunStatus::Running;
            let can_train = matches!(self.status, RunStatus::Ready | RunStatus::Paused | RunStatus::Running);
            let label = if playing { "Pause" } else { "Play" };
            if ui
                .add_enabled(can_train, egui::Button::new(label).min_size(egui::vec2(64.0, 0.0)))
                .on_hover_text("Start or pause training (space bar).")
                .clicked()
            {
                self.commands.push(StudioCommand::TogglePlay);
            }
            if ui
                .add_enabled(can_train && !playing, egui::Button::new("Step"))
                .on_hover_text("Train exactly one epoch: one pass over the training points.")
                .clicked()
            {
                self.commands.push(StudioCommand::Step);
            }
            if ui
                .button("Reset")
                .on_hover_text("Forget everything learned and start from fresh random weights.")
                .clicked()
            {
                self.commands.push(StudioCommand::Reset);
            }
            ui.separator();
            ui.label(format!("Epoch {}", self.epoch));
            ui.separator();
            if let Some(record) = &self.latest {
                ui.label(format!("train loss {:.3}  test loss {:.3}", record.train_loss, record.test_loss));
                if let Some(acc) = record.test_accuracy {
                    ui.label(format!("test accuracy {:.1}%", acc * 100.0));
                }
                if let Some(r2) = record.test_r2 {
                    ui.label(format!("test R² {r2:.3}"));
                }
                ui.separator();
            }
            ui.label(self.status.label());
        });
    }

    fn central_ui(&mut self, ui: &mut egui::Ui) {
        if let Some(error) = &self.error {
            ui.colored_label(ui.visuals().error_fg_color, error);
        }
        if let Some(notice) = &self.notice {
            ui.colored_label(ui.visuals().warn_fg_color, notice);
        }
        let names = &self.data.feature_names;
        let (x_name, y_name) =
            (names.first().map_or("x", String::as_str), names.get(1).map_or("y", String::as_str));
        let available = ui.available_size();
        ui.horizontal_top(|ui| {
            let boundary_width = (available.x * 0.55).max(200.0);
            ui.allocate_ui(egui::vec2(boundary_width, available.y), |ui| {
                ui.vertical(|ui| {
                    ui.strong("Decision boundary");
                    if self.data.n_features() < 2 {
                        ui.label("This data set has a single feature, so there is no plane to shade.");
                    }
                    self.boundary.ui(ui, x_name, y_name);
                });
            });
            ui.vertical(|ui| {
                let height = ((available.y - 60.0) / 2.0).max(100.0);
                ui.strong("Loss");
                self.curves.loss_ui(ui, height);
                ui.strong("Accuracy");
                self.curves.accuracy_ui(ui, height);
            });
        });
    }
}

impl eframe::App for StudioApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        let ctx = ui.ctx().clone();
        self.drain_events(&ctx);
        if !ctx.egui_wants_keyboard_input() && ctx.input(|i| i.key_pressed(egui::Key::Space)) {
            self.commands.push(StudioCommand::TogglePlay);
        }
        egui::Panel::top("toolbar").show(ui, |ui| self.toolbar_ui(ui));
        egui::Panel::left("controls").resizable(true).default_size(260.0).show(ui, |ui| {
            egui::ScrollArea::vertical().show(ui, |ui| {
                let commands = controls_ui(ui, &mut self.settings, self.parameters);
                self.commands.extend(commands);
            });
        });
        egui::CentralPanel::default().show(ui, |ui| self.central_ui(ui));
        for command in std::mem::take(&mut self.commands) {
            self.handle(command);
        }
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        if let Ok(text) = serde_json::to_string(&self.settings) {
            storage.set_string(eframe::APP_KEY, text);
        }
    }
}
