//! The studio: lays out the panels, turns clicks into commands and worker events into views.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::Receiver;

use serde::{Deserialize, Serialize};

use super::boundary::BoundaryView;
use super::controls::{ControlsContext, controls_ui};
use super::curves::TrainingCurves;
use super::data_view;
use super::desktop::{Log, LogLevel, MenuContext, Preferences, ThemeChoice};
use super::export::{self, PlotExporter};
use super::insight_view::{InsightContext, InsightView};
use super::loading::{
    CsvSource, LoadOutcome, LoadRequest, PendingLoad, load_in_background, pick_file_in_background,
};
use super::network_builder::{BuilderState, shape_report};
use super::network_view::{NetworkView, NetworkViewContext};
use super::rewind::Rewind;
use crate::data::csv_loader::{ColumnReport, CsvOptions, MissingPolicy, TaskOverride};
use crate::data::features::{EngineeredFeature, add_features};
use crate::data::{
    BuiltinDataset, Dataset, GeneratorSettings, Split, Standardizer, Target, stratified_split,
};
use crate::models::ModelConfig;
use crate::models::clustering::Projection2d;
use crate::models::insight::ModelInsight;
use crate::network::live::ExplainTarget;
use crate::training::{
    EpochRecord, GridPlane, GridSpec, TestScores, TrainEvent, TrainJob, TrainingWorker, Waker, WorkerCommand,
};

mod debug_views;

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
    /// A CSV file in use instead of the built-in data set, reloaded on the next start.
    pub csv_path: Option<PathBuf>,
    /// The CSV column to predict; `None` means the last column.
    pub csv_target: Option<String>,
    /// Classes or a quantity for the CSV target; `None` infers it from the column.
    pub csv_task: Option<TaskOverride>,
    /// Fill missing CSV cells with the column mean instead of dropping their rows.
    pub impute_missing: bool,
    /// Hand-made inputs added to 2-D data (x², y², xy, sin x, sin y, r, θ).
    pub features: Vec<EngineeredFeature>,
    /// Which features the boundary plot shows (data with more than two features).
    pub view: ViewAxes,
    /// Clicking the boundary plot paints points of this class; `None` leaves the plot to pan and zoom.
    #[serde(skip)]
    pub paint_class: Option<u32>,
}

impl Default for StudioSettings {
    fn default() -> Self {
        Self {
            dataset: BuiltinDataset::Moons,
            generator: GeneratorSettings::default(),
            test_fraction: 0.2,
            model: ModelConfig::default(),
            csv_path: None,
            csv_target: None,
            csv_task: None,
            impute_missing: false,
            features: Vec::new(),
            view: ViewAxes::default(),
            paint_class: None,
        }
    }
}

impl StudioSettings {
    pub fn csv_options(&self) -> CsvOptions {
        CsvOptions {
            target: self.csv_target.clone(),
            missing: if self.impute_missing { MissingPolicy::ImputeMean } else { MissingPolicy::DropRows },
            task: self.csv_task,
        }
    }
}

/// The plane the boundary plot shows: two feature axes, or the first two principal components.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ViewAxes {
    pub x: usize,
    pub y: usize,
    pub pca: bool,
}

impl Default for ViewAxes {
    fn default() -> Self {
        Self { x: 0, y: 1, pca: false }
    }
}

/// Things the user asked for; handled in one place at the end of a frame.
#[derive(Clone, Debug, PartialEq)]
pub enum StudioCommand {
    TogglePlay,
    Step,
    Reset,
    RegenerateData,
    SetLearningRate(f64),
    /// Go back from a CSV file to the chosen built-in data set.
    UseBuiltin,
    /// The boundary plot's axes (or the PCA option) changed.
    ChangeView,
    OpenFileDialog,
    LoadPath(PathBuf),
    /// Parse the current file again (a new target or missing-cell policy).
    ReloadCsv,
    /// The engineered-feature toggles changed.
    ApplyFeatures,
    /// Paint a point of a class onto 2-D data (left click on the plot).
    AddPoint {
        x: f64,
        y: f64,
        class: u32,
    },
    /// Erase the point nearest to this place (right click on the plot).
    RemovePoint {
        x: f64,
        y: f64,
    },
    CancelLoad,
    OpenExperimentDialog,
    OpenExperiment(PathBuf),
    SaveExperiment,
    SaveExperimentAs,
    SaveExperimentTo(PathBuf),
    TogglePresentation,
    SetTheme(ThemeChoice),
    ToggleLog,
    ShowHelp,
}

/// Which view fills the right-hand column of the model view.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum SideView {
    #[default]
    Curves,
    Metrics,
    Learned,
}

/// Which view fills the central panel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum CentralTab {
    #[default]
    Model,
    Data,
}

/// The CSV file in use and what the loader said about it.
struct LoadedFile {
    source: CsvSource,
    columns: Vec<ColumnReport>,
    warnings: Vec<String>,
    /// The task choice the file was loaded with, restored when a reload with another fails.
    task: Option<TaskOverride>,
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
    /// The data as generated or loaded; `data` adds the engineered features to it.
    base_data: Arc<Dataset>,
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
    tab: CentralTab,
    file: Option<LoadedFile>,
    pending_load: Option<PendingLoad>,
    file_dialog: Option<Receiver<Option<PathBuf>>>,
    side_view: SideView,
    scaler: Option<Standardizer>,
    scores: Option<Arc<TestScores>>,
    insight: Option<Arc<ModelInsight>>,
    insight_view: InsightView,
    network_view: NetworkView,
    /// The boundary-plot point under the pointer, in the data's units.
    hovered: Option<[f64; 2]>,
    builder: BuilderState,
    /// Pinned point and k-means stepping (issue #6; see `debug_views`).
    debug: debug_views::DebugState,
    /// Snapshots for the rewind timeline.
    rewind: Rewind,
    /// "Save PNG" / "Save CSV" on the plots.
    exporter: PlotExporter,
    /// The Lessons menu, the lesson and duel windows (issue #7).
    lessons: super::lessons_view::LessonsStudio,
    preferences: Preferences,
    log: Log,
    /// The experiment file last saved or opened; Save writes back to it.
    experiment_path: Option<PathBuf>,
    /// An open or save dialog on its thread: (saving?, its answer).
    experiment_dialog: Option<(bool, Receiver<Option<PathBuf>>)>,
    /// Saved weights the next model starts from (an opened experiment's network).
    pending_weights: Option<PathBuf>,
    /// A `SaveNetwork` sent to the worker and not yet answered.
    saving_weights: bool,
    show_help: bool,
    /// The last error and notice copied into the log, so each is logged once.
    logged: (Option<String>, Option<String>),
    window_title: String,
    ctx: egui::Context,
}

/// The storage key of the app preferences (theme, presentation mode, recent files).
const PREFERENCES_KEY: &str = "preferences";

impl StudioApp {
    pub fn new(cc: &eframe::CreationContext<'_>) -> Self {
        Self::restore(&cc.egui_ctx, cc.storage)
    }

    /// The studio as the last session left it; what cannot be read falls back to defaults with
    /// a notice.
    pub fn restore(ctx: &egui::Context, storage: Option<&dyn eframe::Storage>) -> Self {
        let (settings, notice) = match storage {
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
        let preferences = storage
            .and_then(|storage| storage.get_string(PREFERENCES_KEY))
            .and_then(|text| serde_json::from_str::<Preferences>(&text).ok())
            .unwrap_or_default();
        let mut app = Self::with_settings(ctx, settings, notice);
        (app.tab, app.side_view) = (preferences.tab, preferences.side_view);
        app.set_preferences(ctx, preferences);
        app
    }

    /// Theme, presentation mode and recent files; applied to the UI at once.
    pub fn set_preferences(&mut self, ctx: &egui::Context, preferences: Preferences) {
        preferences.apply(ctx);
        self.preferences = preferences;
    }

    pub fn preferences(&self) -> &Preferences {
        &self.preferences
    }

    pub fn log(&self) -> &Log {
        &self.log
    }

    /// The experiment file in use, if it was saved or opened.
    pub fn experiment_path(&self) -> Option<&std::path::Path> {
        self.experiment_path.as_deref()
    }

    /// True until the worker has written the weights of the last save.
    pub fn is_saving(&self) -> bool {
        self.saving_weights
    }

    /// The window title: the open experiment's name, or the data in use.
    pub fn title(&self) -> String {
        match &self.experiment_path {
            Some(path) => {
                let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                format!("{name} - Learnscope")
            }
            None => "Learnscope".to_string(),
        }
    }

    /// Saves the experiment: settings, the rows unless they come from a CSV file, and a
    /// network's trained weights beside it (written by the worker, between two epochs).
    pub fn save_experiment(&mut self, path: PathBuf) {
        let path = crate::experiment::with_extension(path);
        let from_file = self.file.is_some() && self.settings.csv_path.is_some();
        let data = (!from_file).then(|| Dataset::clone(&self.base_data));
        let mut experiment = crate::experiment::ExperimentFile::new(self.settings.clone(), data);
        let trained_network =
            self.settings.model.kind.is_network() && self.worker.is_some() && self.epoch > 0;
        let weights = crate::experiment::weights_base(&path);
        if trained_network {
            experiment.weights = weights.file_name().map(|n| n.to_string_lossy().into_owned());
            experiment.epochs = self.epoch;
        }
        match crate::experiment::save(&path, &experiment) {
            Ok(()) => {
                if trained_network {
                    self.saving_weights = true;
                    self.send(WorkerCommand::SaveNetwork(weights));
                }
                self.log.push(LogLevel::Info, format!("Saved the experiment to {}", path.display()));
                self.preferences.remember(path.clone());
                self.experiment_path = Some(path);
            }
            Err(e) => {
                self.error =
                    Some(format!("The experiment was not saved: {e}. The previous file is unchanged."))
            }
        }
    }

    /// Opens a saved experiment; a damaged or foreign file leaves the studio as it was, with a message.
    pub fn open_experiment(&mut self, path: PathBuf) {
        let experiment = match crate::experiment::load::<StudioSettings>(&path) {
            Ok(experiment) => experiment,
            Err(e) => {
                self.error = Some(e.to_string());
                return;
            }
        };
        let view = experiment.settings.view;
        self.settings = experiment.settings;
        self.settings.paint_class = None;
        self.file = None;
        self.pending_load = None;
        self.pending_weights = match (&experiment.weights, self.settings.model.kind.is_network()) {
            (Some(name), true) => Some(path.with_file_name(name)),
            _ => None,
        };
        match (experiment.data, self.settings.csv_path.take()) {
            (Some(data), _) => self.set_data_with_view(data, Some(view)),
            (None, Some(csv)) => {
                // The weights wait for the file: the model starts once it has loaded.
                self.load_path(csv);
                self.regenerate_data();
            }
            (None, None) => self.regenerate_data(),
        }
        if experiment.epochs > 0 && self.pending_weights.is_none() && self.settings.model.kind.is_network() {
            self.notice =
                Some("The saved weights could not be found; the network starts from fresh weights.".into());
        }
        self.log.push(LogLevel::Info, format!("Opened the experiment {}", path.display()));
        self.preferences.remember(path.clone());
        self.experiment_path = Some(path);
        self.restart_classical();
    }

    /// A studio with the given settings, as a test or `learnscope gui` would open it.
    pub fn with_settings(ctx: &egui::Context, settings: StudioSettings, notice: Option<String>) -> Self {
        let repaint = ctx.clone();
        let waker: Waker = Arc::new(move || repaint.request_repaint());
        let exporter = PlotExporter::new(Arc::clone(&waker));
        let lessons = super::lessons_view::LessonsStudio::new(Arc::clone(&waker));
        let data = Arc::new(settings.dataset.generate(&settings.generator));
        let mut app = Self {
            base_data: Arc::clone(&data),
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
            tab: CentralTab::Model,
            file: None,
            pending_load: None,
            file_dialog: None,
            side_view: SideView::Curves,
            scaler: None,
            scores: None,
            insight: None,
            insight_view: InsightView::default(),
            network_view: NetworkView::default(),
            hovered: None,
            builder: BuilderState::default(),
            debug: debug_views::DebugState::default(),
            rewind: Rewind::default(),
            exporter,
            lessons,
            preferences: Preferences::default(),
            log: Log::default(),
            experiment_path: None,
            experiment_dialog: None,
            pending_weights: None,
            saving_weights: false,
            show_help: false,
            logged: (None, None),
            window_title: String::new(),
            ctx: ctx.clone(),
        };
        match app.settings.csv_path.clone() {
            // Show the built-in data until the remembered file has loaded in the background.
            Some(path) => {
                app.settings.csv_path = None;
                app.regenerate_data();
                app.load_path(path);
            }
            None => app.regenerate_data(),
        }
        app
    }

    pub fn open_builtin(&mut self, dataset: BuiltinDataset) {
        self.settings.dataset = dataset;
        self.settings.csv_path = None;
        self.file = None;
        self.regenerate_data();
    }

    /// Starts loading a CSV file in the background, as the file dialog and drag-and-drop do.
    pub fn load_path(&mut self, path: PathBuf) {
        let same_file = self.settings.csv_path.as_ref() == Some(&path)
            || self.file.as_ref().map(|f| &f.source.path) == Some(&path);
        if !same_file {
            self.settings.csv_target = None;
            self.settings.csv_task = None;
        }
        let options = self.settings.csv_options();
        self.pending_load =
            Some(load_in_background(LoadRequest::Path(path), options, Arc::clone(&self.waker)));
    }

    /// Adds a painted point to 2-D class data; the split and the model start over.
    pub fn add_point(&mut self, x: f64, y: f64, class: u32) {
        let mut data = Dataset::clone(&self.base_data);
        let Target::Classes { labels, class_names } = &mut data.target else { return };
        if data.feature_names.len() != 2 || class as usize >= class_names.len() {
            return;
        }
        data.features.extend([x, y]);
        labels.push(class);
        self.set_data(data);
        self.restart_classical();
    }

    /// Removes the point nearest to (x, y) if one lies close by (2% of the plot's span).
    pub fn remove_point(&mut self, x: f64, y: f64) {
        let data = &self.base_data;
        if data.n_features() != 2 || data.rows() <= 2 {
            return;
        }
        let bounds = data.feature_bounds();
        let reach = 0.02 * ((bounds[0].1 - bounds[0].0).powi(2) + (bounds[1].1 - bounds[1].0).powi(2)).sqrt();
        let nearest = (0..data.rows())
            .map(|i| {
                let row = data.row(i);
                (i, ((row[0] - x).powi(2) + (row[1] - y).powi(2)).sqrt())
            })
            .min_by(|a, b| a.1.total_cmp(&b.1));
        if let Some((index, distance)) = nearest
            && distance <= reach
        {
            let keep: Vec<usize> = (0..data.rows()).filter(|&i| i != index).collect();
            let data = data.subset(&keep);
            self.set_data(data);
            self.restart_classical();
        }
    }

    /// Classical fits are quick: after the data changes they refit at once.
    fn restart_classical(&mut self) {
        if !self.settings.model.kind.is_network() {
            self.handle(StudioCommand::TogglePlay);
        }
    }

    /// Engineered features that apply: only plain 2-D data gets them, in a fixed order.
    fn active_features(&self) -> Vec<EngineeredFeature> {
        if self.base_data.n_features() != 2 || self.base_data.input_shape != crate::data::InputShape::Vector {
            return Vec::new();
        }
        EngineeredFeature::ALL.into_iter().filter(|f| self.settings.features.contains(f)).collect()
    }

    /// True while a file is loading.
    pub fn is_loading(&self) -> bool {
        self.pending_load.is_some()
    }

    pub fn data(&self) -> &Dataset {
        &self.data
    }

    pub fn tab(&self) -> CentralTab {
        self.tab
    }

    pub fn set_tab(&mut self, tab: CentralTab) {
        self.tab = tab;
    }

    fn poll_loading(&mut self) {
        if let Some(receiver) = &self.file_dialog
            && let Ok(picked) = receiver.try_recv()
        {
            self.file_dialog = None;
            match picked {
                Some(path) => self.load_path(path),
                None => {
                    self.notice = Some(
                        "No file was chosen. If no file dialog appeared, drag a CSV file onto the window instead.".into(),
                    )
                }
            }
        }
        let Some(outcome) = self.pending_load.as_ref().and_then(PendingLoad::poll) else { return };
        self.pending_load = None;
        match outcome {
            LoadOutcome::Loaded(source, loaded) => {
                self.settings.csv_path = Some(source.path.clone());
                self.settings.csv_target = Some(loaded.dataset.target_name.clone());
                self.notice = None;
                self.file = Some(LoadedFile {
                    source,
                    columns: loaded.columns,
                    warnings: loaded.warnings,
                    task: self.settings.csv_task,
                });
                self.set_data(loaded.dataset);
                self.restart_classical();
            }
            LoadOutcome::Failed(message) => {
                // The controls go back to what the data in use was loaded with.
                if let Some(file) = &self.file {
                    self.settings.csv_target = Some(self.data.target_name.clone());
                    self.settings.csv_task = file.task;
                }
                self.error = Some(message);
            }
        }
    }

    pub fn lessons(&self) -> &super::lessons_view::LessonsStudio {
        &self.lessons
    }

    pub fn lessons_mut(&mut self) -> &mut super::lessons_view::LessonsStudio {
        &mut self.lessons
    }

    pub fn settings(&self) -> &StudioSettings {
        &self.settings
    }

    /// Opens the data and model `learnscope gui` was given; classical models fit at once.
    pub fn apply_start(&mut self, start: super::StudioStart) {
        if let Some(dataset) = start.dataset {
            self.open_builtin(dataset);
        }
        if let Some(kind) = start.model {
            self.settings.model.kind = kind;
        }
        if let Some(net) = start.net {
            self.settings.model.kind = crate::models::ModelKind::Mlp;
            self.settings.model.network = Some(net);
        }
        if let Some(path) = start.data {
            self.settings.csv_target = start.target;
            self.settings.csv_path = None;
            // The file's columns decide the target; the model restarts when it has loaded.
            let options = self.settings.csv_options();
            self.pending_load =
                Some(load_in_background(LoadRequest::Path(path), options, Arc::clone(&self.waker)));
        }
        self.reset();
        self.restart_classical();
    }

    /// For tests and scripted lessons: change settings, then call `refit` or `reset_model`.
    pub fn settings_mut(&mut self) -> &mut StudioSettings {
        &mut self.settings
    }

    /// A fresh model with the current settings, trained straight away (what a slider does).
    pub fn refit(&mut self) {
        self.handle(StudioCommand::Reset);
        self.handle(StudioCommand::TogglePlay);
    }

    pub fn status(&self) -> RunStatus {
        self.status
    }

    pub fn epoch(&self) -> usize {
        self.epoch
    }

    /// The latest look inside the network, and how many have arrived this run.
    pub fn network_insight(&self) -> Option<&crate::network::snapshot::NetworkInsight> {
        self.network_view.insight()
    }

    pub fn network_snapshots(&self) -> usize {
        self.network_view.snapshots()
    }

    /// The last "why this prediction?" answer for a network.
    pub fn network_explanation(&self) -> Option<&crate::network::explain::Explanation> {
        self.network_view.explanation()
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
        if self.file.is_some() {
            // Generator settings do not apply to a file; a new seed still reshuffles the split.
            let data = Dataset::clone(&self.base_data);
            self.set_data(data);
            return;
        }
        let data = self.settings.dataset.generate(&self.settings.generator);
        self.set_data(data);
    }

    fn set_data(&mut self, base: Dataset) {
        self.set_data_with_view(base, None);
    }

    /// New data; `view` keeps the plot's axes (an opened experiment) instead of picking them anew.
    fn set_data_with_view(&mut self, base: Dataset, view: Option<ViewAxes>) {
        if let Some(view) = view {
            self.settings.view = view;
        } else if base.feature_names != self.base_data.feature_names {
            // New columns: wide data opens on its PCA plane, where two raw columns (say, two
            // corner pixels of a digit) would show nothing.
            self.settings.view = ViewAxes { pca: base.n_features() > 4, ..ViewAxes::default() };
        }
        self.base_data = Arc::new(base);
        self.apply_features();
    }

    /// Adds the engineered inputs (x², sin x…) the user switched on to the base data.
    fn apply_features(&mut self) {
        let chosen = self.active_features();
        let data = if chosen.is_empty() {
            Dataset::clone(&self.base_data)
        } else {
            match add_features(&self.base_data, &chosen) {
                Ok(data) => data,
                Err(e) => {
                    self.notice = Some(e.to_string());
                    Dataset::clone(&self.base_data)
                }
            }
        };
        self.data = Arc::new(data);
        self.debug.pinned = None;
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
        self.refresh_view();
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
        self.scores = None;
        self.insight = None;
        self.insight_view.reset();
        self.network_view.reset();
        self.rewind.clear();
        self.debug.kmeans_iteration = None;
        if self.split.train.is_empty() {
            return;
        }
        if self.settings.model.kind.is_network()
            && let Some(spec) = &self.settings.model.network
            && let Err(message) = shape_report(spec, &self.data)
        {
            // The builder shows the same message beside the layers; training waits for a fix.
            self.error = Some(format!("The network does not fit this data: {message}"));
            return;
        }
        self.error = None;
        // Saved weights wait until the data they were trained on is in place.
        let saved = if self.pending_load.is_none() { self.pending_weights.take() } else { None };
        let job = TrainJob {
            dataset: Arc::clone(&self.data),
            split: self.split.clone(),
            model: ModelConfig { seed: self.settings.generator.seed, ..self.settings.model.clone() },
            scale: true,
            max_epochs: None,
            grid: self.grid_spec(),
        };
        self.worker = Some(match saved {
            Some(path) => TrainingWorker::spawn_from_saved(job, path, Arc::clone(&self.waker)),
            None => TrainingWorker::spawn(job, Arc::clone(&self.waker)),
        });
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
            StudioCommand::UseBuiltin => {
                let dataset = self.settings.dataset;
                self.open_builtin(dataset);
            }
            StudioCommand::OpenFileDialog => {
                if self.file_dialog.is_none() {
                    self.file_dialog = Some(pick_file_in_background(Arc::clone(&self.waker)));
                }
            }
            StudioCommand::LoadPath(path) => self.load_path(path),
            StudioCommand::ReloadCsv => {
                if let Some(file) = &self.file {
                    let request = LoadRequest::Source(file.source.clone());
                    let options = self.settings.csv_options();
                    self.pending_load = Some(load_in_background(request, options, Arc::clone(&self.waker)));
                }
            }
            StudioCommand::ApplyFeatures => self.apply_features(),
            StudioCommand::ChangeView => {
                self.refresh_view();
                self.reset();
                self.restart_classical();
            }
            StudioCommand::AddPoint { x, y, class } => self.add_point(x, y, class),
            StudioCommand::RemovePoint { x, y } => self.remove_point(x, y),
            StudioCommand::OpenExperimentDialog | StudioCommand::SaveExperimentAs => {
                if self.experiment_dialog.is_none() {
                    let save = command == StudioCommand::SaveExperimentAs;
                    let dialog =
                        super::desktop::experiment_dialog_in_background(save, Arc::clone(&self.waker));
                    self.experiment_dialog = Some((save, dialog));
                }
            }
            StudioCommand::OpenExperiment(path) => self.open_experiment(path),
            StudioCommand::SaveExperiment => match self.experiment_path.clone() {
                Some(path) => self.save_experiment(path),
                None => self.handle(StudioCommand::SaveExperimentAs),
            },
            StudioCommand::SaveExperimentTo(path) => self.save_experiment(path),
            StudioCommand::TogglePresentation => {
                let mut preferences = self.preferences.clone();
                preferences.presentation = !preferences.presentation;
                self.set_preferences(&self.ctx.clone(), preferences);
            }
            StudioCommand::SetTheme(theme) => {
                let mut preferences = self.preferences.clone();
                preferences.theme = theme;
                self.set_preferences(&self.ctx.clone(), preferences);
            }
            StudioCommand::ToggleLog => self.preferences.show_log = !self.preferences.show_log,
            StudioCommand::ShowHelp => self.show_help = true,
            StudioCommand::CancelLoad => {
                // The loader thread stops at its next read; its result is ignored.
                if let Some(load) = self.pending_load.take() {
                    load.cancel();
                    self.log.push(LogLevel::Info, format!("Loading {} was cancelled", load.name));
                }
            }
        }
    }

    fn drain_events(&mut self, ctx: &egui::Context) {
        let Some(worker) = &self.worker else { return };
        let background = ctx.global_style().visuals.extreme_bg_color;
        for event in worker.drain() {
            match event {
                TrainEvent::Ready { parameters, scaler, .. } => {
                    self.parameters = Some(parameters);
                    self.scaler = Some(scaler);
                }
                TrainEvent::Scores(scores) => self.on_scores(scores),
                TrainEvent::Insight(insight) => self.insight = Some(insight),
                TrainEvent::Epoch(record) => {
                    self.epoch = record.epoch;
                    self.curves.push(&record);
                    self.network_view.push_epoch(&record);
                    self.latest = Some(record);
                }
                TrainEvent::Grid(grid) => self.on_grid(ctx, grid, background),
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
                TrainEvent::Saved(result) => {
                    self.saving_weights = false;
                    self.weights_saved(result);
                }
                TrainEvent::Network(insight) => self.network_view.set_insight(ctx, insight),
                TrainEvent::Explained(target, result) => {
                    self.network_view.set_explanation(ctx, target, result, &self.data)
                }
            }
        }
    }

    /// Copies a new error or notice into the log (which also shows it as a notification).
    fn log_messages(&mut self) {
        if self.error != self.logged.0 {
            if let Some(error) = &self.error {
                self.log.push(LogLevel::Error, error.clone());
            }
            self.logged.0 = self.error.clone();
        }
        if self.notice != self.logged.1 {
            if let Some(notice) = &self.notice {
                self.log.push(LogLevel::Warning, notice.clone());
            }
            self.logged.1 = self.notice.clone();
        }
    }

    fn poll_experiment_dialog(&mut self) {
        let Some((save, receiver)) = &self.experiment_dialog else { return };
        let Ok(picked) = receiver.try_recv() else { return };
        let save = *save;
        self.experiment_dialog = None;
        match (picked, save) {
            (Some(path), true) => self.commands.push(StudioCommand::SaveExperimentTo(path)),
            (Some(path), false) => self.commands.push(StudioCommand::OpenExperiment(path)),
            (None, _) => {}
        }
    }

    fn weights_saved(&mut self, result: Result<PathBuf, String>) {
        if let Err(reason) = result {
            self.error = Some(format!("The experiment was saved, but its weights were not: {reason}"));
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
                // Adding 0.0 turns a rounded -0.000 into 0.000.
                ui.label(format!(
                    "train loss {:.3}  test loss {:.3}",
                    record.train_loss + 0.0,
                    record.test_loss + 0.0
                ));
                // Cluster numbers are names, not classes: matching them to labels means nothing.
                if let Some(acc) = record.test_accuracy
                    && !self.settings.model.kind.is_clustering()
                {
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
        ui.horizontal(|ui| {
            ui.selectable_value(&mut self.tab, CentralTab::Model, "Model view")
                .on_hover_text("The decision boundary and the training curves.");
            ui.selectable_value(&mut self.tab, CentralTab::Data, "Data view")
                .on_hover_text("The rows, the columns and the class balance of the data.");
        });
        if self.tab == CentralTab::Data {
            let file = self.file.as_ref();
            data_view::summary_ui(
                ui,
                &self.data,
                file.map(|f| f.columns.as_slice()),
                file.map_or(&[][..], |f| f.warnings.as_slice()),
            );
            ui.separator();
            if matches!(self.data.input_shape, crate::data::InputShape::Image { .. }) {
                data_view::image_gallery_ui(ui, &self.data, 30);
                ui.separator();
            }
            data_view::table_ui(ui, &self.data);
            return;
        }
        let data = Arc::clone(&self.data);
        let names = &data.feature_names;
        let (xi, yi) = self.view_axes();
        let (x_name, y_name) = if self.settings.view.pca && data.n_features() > 2 {
            ("principal component 1", "principal component 2")
        } else if data.n_features() == 1 {
            (names[0].as_str(), data.target_name.as_str())
        } else {
            (names.get(xi).map_or("x", String::as_str), names.get(yi).map_or("y", String::as_str))
        };
        let available = ui.available_size();
        let mut hovered = None;
        ui.horizontal_top(|ui| {
            let boundary_width = (available.x * 0.55).max(200.0);
            ui.allocate_ui(egui::vec2(boundary_width, available.y), |ui| {
                ui.vertical(|ui| {
                    let mut wants_png = false;
                    ui.horizontal(|ui| {
                        ui.strong("Decision boundary").on_hover_text(
                            "The shading is the model's answer at every place: the stronger the colour, the surer it is. \
                             Filled dots are training points, hollow diamonds are test points.",
                        );
                        wants_png = export::png_button(ui);
                    });
                    if self.data.n_features() == 1 {
                        ui.label("A single feature: each point sits at its target value; the line is the model's answer along the feature.");
                    } else if data.n_features() > 2 {
                        self.view_picker_ui(ui, &data);
                        if !self.settings.view.pca {
                            ui.label(format!(
                                "The shading holds the other {} features at their mean.",
                                data.n_features() - 2
                            ));
                        }
                    }
                    self.boundary_extras_ui(ui);
                    let overlay = self.boundary_overlay();
                    let pointer = self.boundary.ui(ui, x_name, y_name, &overlay);
                    self.after_boundary(ui, &pointer, wants_png);
                    hovered = pointer.hovered;
                    if let Some(class) = self.settings.paint_class {
                        if let Some([x, y]) = pointer.left_click {
                            self.commands.push(StudioCommand::AddPoint { x, y, class });
                        }
                        if let Some([x, y]) = pointer.right_click {
                            self.commands.push(StudioCommand::RemovePoint { x, y });
                        }
                    } else if let Some(point) = pointer.left_click
                        && self.settings.model.kind.is_network()
                    {
                        // "Why this prediction?" for the pinned row (the star), or the clicked
                        // place when no row is near; answered in the side view.
                        let target = self.pinned_row().map_or(ExplainTarget::Point(point), ExplainTarget::Row);
                        self.send(WorkerCommand::Explain(target));
                        self.side_view = SideView::Learned;
                    }
                });
            });
            ui.vertical(|ui| {
                let mut wants_learned_png = false;
                ui.horizontal(|ui| {
                    ui.selectable_value(&mut self.side_view, SideView::Curves, "Curves")
                        .on_hover_text("Loss and accuracy on the training and test points, epoch by epoch.");
                    ui.selectable_value(&mut self.side_view, SideView::Metrics, "Metrics")
                        .on_hover_text("The confusion matrix and per-class scores on the test points.");
                    ui.selectable_value(&mut self.side_view, SideView::Learned, "What it learned")
                        .on_hover_text("Inside the model: the tree, the weights, the importances.");
                    // The curves and metrics have a button per plot; this one saves the visible view.
                    wants_learned_png = self.side_view == SideView::Learned && export::png_button(ui);
                });
                let shown = egui::ScrollArea::vertical()
                    .id_salt("side_view")
                    .show(ui, |ui| self.side_view_ui(ui, available.y));
                if wants_learned_png {
                    self.exporter.save_png(ui.ctx(), "what-it-learned", shown.inner_rect);
                }
            });
        });
        if hovered.is_some() {
            self.hovered = hovered;
        }
    }

    fn side_view_ui(&mut self, ui: &mut egui::Ui, available_height: f32) {
        match self.side_view {
            SideView::Curves => self.curves_view_ui(ui, available_height),
            SideView::Metrics => self.metrics_view_ui(ui),
            SideView::Learned => match self.insight.clone() {
                Some(insight) => {
                    let insight = insight.as_ref();
                    self.why_ui(ui, insight);
                    let path = self.highlighted_tree_path(insight);
                    let context = InsightContext {
                        feature_names: &self.data.feature_names,
                        class_names: self.data.class_names(),
                        scaler: self.scaler.as_ref(),
                        highlight: &path,
                    };
                    self.insight_view.ui(ui, insight, &context);
                }
                None if self.settings.model.kind.is_network() => {
                    let context = NetworkViewContext { data: &self.data, trained: self.worker.is_some() };
                    if let Some(target) = self.network_view.ui(ui, &context)
                        && let Some(worker) = &self.worker
                    {
                        worker.send(WorkerCommand::Explain(target));
                    }
                }
                None => {
                    ui.label("Train the model to see what it learned.");
                }
            },
        }
    }

    /// Axis pickers and the PCA option for data with more than two features.
    fn view_picker_ui(&mut self, ui: &mut egui::Ui, data: &Dataset) {
        let mut view = self.settings.view;
        ui.horizontal(|ui| {
            ui.checkbox(&mut view.pca, "PCA plane").on_hover_text(
                "Show the data on its first two principal components: the flat view that keeps the most spread. \
                 The shading is the model's answer on that plane.",
            );
            if !view.pca {
                for (label, axis) in [("x axis", &mut view.x), ("y axis", &mut view.y)] {
                    let current = data.feature_names.get(*axis).cloned().unwrap_or_default();
                    egui::ComboBox::from_label(label).selected_text(current).height(300.0).show_ui(ui, |ui| {
                        for (index, name) in data.feature_names.iter().enumerate() {
                            ui.selectable_value(axis, index, name);
                        }
                    });
                }
            }
        });
        if view != self.settings.view {
            self.settings.view = view;
            self.commands.push(StudioCommand::ChangeView);
        }
    }

    /// Each row's place on the boundary plot, and the plane when the view is PCA.
    fn view_coordinates(&self) -> (Vec<[f64; 2]>, Option<GridPlane>) {
        let data = &self.data;
        let d = data.n_features();
        if d == 1 {
            // One feature: the points against their target, under the fitted curve.
            return ((0..data.rows()).map(|i| [data.row(i)[0], data.target_value(i)]).collect(), None);
        }
        if d < 2 {
            return (Vec::new(), None);
        }
        if self.settings.view.pca && d > 2 {
            let scaler = Standardizer::fit(data);
            let scaled = scaler.transform(data);
            if let Ok(projection) = Projection2d::fit(&scaled.features, d) {
                let plane = GridPlane {
                    mean: scaler.mean.clone(),
                    scale: scaler.scale.clone(),
                    u: projection.components[0].clone(),
                    v: projection.components[1].clone(),
                };
                let coords = (0..data.rows()).map(|i| plane.project(data.row(i))).collect();
                return (coords, Some(plane));
            }
        }
        let (x, y) = self.view_axes();
        ((0..data.rows()).map(|i| [data.row(i)[x], data.row(i)[y]]).collect(), None)
    }

    /// The two feature columns shown, kept within the data.
    fn view_axes(&self) -> (usize, usize) {
        let d = self.data.n_features();
        let x = self.settings.view.x.min(d.saturating_sub(1));
        let y = self.settings.view.y.min(d.saturating_sub(1));
        if x == y { (0, 1.min(d.saturating_sub(1))) } else { (x, y) }
    }

    fn refresh_view(&mut self) {
        let (coords, _) = self.view_coordinates();
        self.boundary.set_points(&self.data, &self.split, &coords);
    }

    fn grid_spec(&self) -> Option<GridSpec> {
        if self.data.n_features() == 1 {
            return GridSpec::along_one_feature(&self.data, GRID_RESOLUTION * 2);
        }
        let (coords, plane) = self.view_coordinates();
        let (x, y) = self.view_axes();
        let mut grid = GridSpec::covering(&coords, x, y, GRID_RESOLUTION)?;
        if plane.is_some() {
            grid.plane = plane;
        } else if (x, y) == (0, 1) {
            // Engineered columns follow from the two base axes only.
            grid.derived = self.active_features();
        }
        Some(grid)
    }

    /// Tree nodes on the path of the point under the pointer (other features at their mean).
    fn hovered_tree_path(&self, insight: &ModelInsight) -> Vec<usize> {
        let (ModelInsight::Tree(tree), Some([x, y]), Some(scaler)) = (insight, self.hovered, &self.scaler)
        else {
            return Vec::new();
        };
        let mut raw = scaler.mean.clone();
        if raw.len() < 2 || self.settings.view.pca {
            return Vec::new();
        }
        let (xi, yi) = self.view_axes();
        raw[xi] = x;
        raw[yi] = y;
        let mut row = Vec::with_capacity(raw.len());
        scaler.transform_row(&raw, &mut row);
        tree.decision_path(&row)
    }
}

impl eframe::App for StudioApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        let ctx = ui.ctx().clone();
        self.poll_loading();
        self.exporter.poll();
        self.drain_events(&ctx);
        let dropped: Vec<PathBuf> =
            ctx.input(|i| i.raw.dropped_files.iter().map(|f| f.path().to_path_buf()).collect());
        if let Some(path) = dropped.into_iter().next() {
            self.commands.push(StudioCommand::LoadPath(path));
        }
        self.poll_experiment_dialog();
        let shortcuts = super::desktop::shortcuts(&ctx);
        self.commands.extend(shortcuts);
        self.preferences.follow_zoom(&ctx);
        egui::Panel::top("menu_bar").show(ui, |ui| {
            let context = MenuContext {
                preferences: &self.preferences,
                experiment: self.experiment_path.as_deref(),
                problems: self.log.problems(),
                lessons: &self.lessons,
            };
            let (commands, lesson) = super::desktop::menu_bar_ui(ui, &context);
            self.commands.extend(commands);
            if let Some(command) = lesson {
                self.lessons.handle(command);
            }
        });
        egui::Panel::top("toolbar").show(ui, |ui| self.toolbar_ui(ui));
        if self.preferences.show_log {
            egui::Panel::bottom("log").resizable(true).show(ui, |ui| self.log.panel_ui(ui));
        }
        egui::Panel::left("controls").resizable(true).default_size(330.0).max_size(420.0).show(ui, |ui| {
            egui::ScrollArea::vertical().show(ui, |ui| {
                let context = ControlsContext {
                    parameters: self.parameters,
                    file_name: self.file.as_ref().map(|f| f.source.name.as_str()),
                    file_columns: self.file.as_ref().map(|f| f.columns.as_slice()),
                    loading: self.pending_load.as_ref().map(|p| super::controls::Loading {
                        name: p.name.as_str(),
                        seconds: p.started.elapsed().as_secs_f32(),
                        fraction: p.fraction(),
                        pass: p.pass(),
                    }),
                    two_d: self.base_data.n_features() == 2
                        && self.base_data.input_shape == crate::data::InputShape::Vector,
                    data: &self.data,
                    paintable: self.base_data.n_features() == 2 && self.base_data.labels().is_some(),
                    presentation: self.preferences.presentation,
                };
                let commands = controls_ui(ui, &mut self.settings, &context, &mut self.builder);
                self.commands.extend(commands);
            });
        });
        egui::CentralPanel::default().show(ui, |ui| self.central_ui(ui));
        self.lessons.windows_ui(&ctx);
        if self.pending_load.is_some() {
            // Keep the elapsed-time label moving while the loader works.
            ctx.request_repaint_after(std::time::Duration::from_millis(100));
        }
        for command in std::mem::take(&mut self.commands) {
            self.handle(command);
        }
        self.log_messages();
        self.log.notifications_ui(&ctx);
        let mut show_help = self.show_help;
        super::desktop::help_window_ui(&ctx, &mut show_help);
        self.show_help = show_help;
        let title = self.title();
        if title != self.window_title {
            ctx.send_viewport_cmd(egui::ViewportCommand::Title(title.clone()));
            self.window_title = title;
        }
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        if let Ok(text) = serde_json::to_string(&self.settings) {
            storage.set_string(eframe::APP_KEY, text);
        }
        (self.preferences.tab, self.preferences.side_view) = (self.tab, self.side_view);
        if let Ok(text) = serde_json::to_string(&self.preferences) {
            storage.set_string(PREFERENCES_KEY, text);
        }
    }
}
