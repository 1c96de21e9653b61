//! The studio: lays out the panels, turns clicks into commands and worker events into views.

use std::path::PathBuf;
use std::sync::Arc;

use super::background::{BackgroundTasks, Task};
use super::boundary::BoundaryView;
use super::curves::TrainingCurves;
use super::desktop::{Log, MenuContext, Preferences};
use super::export::PlotExporter;
use super::insight_view::InsightView;
use super::lessons_view::LessonsStudio;
use super::loading::{CsvSource, PendingLoad};
use super::network_builder::BuilderState;
use super::network_view::NetworkView;
use super::platform::PickedFile;
use super::representations_view::RepresentationsView;
use super::rewind::Rewind;
use super::state::{CentralTab, RunStatus, SideView, StudioCommand, StudioSettings};
use super::stepper_view::StepperView;
use crate::data::csv_loader::{ColumnReport, TaskOverride};
use crate::data::{Dataset, Split, Standardizer};
use crate::models::insight::ModelInsight;
use crate::training::{EpochRecord, Scores, TrainingWorker};

mod commands;
mod debug_views;
mod gallery;
mod layout;
mod share;
mod stepper;

/// Grid cells per side of the decision-boundary heatmap.
const GRID_RESOLUTION: usize = 64;

/// The CSV file in use and what the loader said about it.
struct LoadedFile {
    source: CsvSource,
    columns: Vec<ColumnReport>,
    warnings: Vec<String>,
    /// The task choice the file was loaded with, restored when a reload with another fails.
    task: Option<TaskOverride>,
}

/// The studio. Its state comes in a few groups, each with one concern; `commands.rs` changes
/// them, `layout.rs` draws them.
pub struct StudioApp {
    settings: StudioSettings,
    input: DataState,
    run: RunState,
    views: Views,
    messages: Messages,
    window: WindowState,
    /// The Lessons menu, the lesson and duel windows.
    lessons: LessonsStudio,
    /// Clicks of this frame, handled together at its end.
    commands: Vec<StudioCommand>,
    /// Where loading, dialogs and exports run.
    tasks: BackgroundTasks,
    ctx: egui::Context,
}

/// The data in use and where it came from.
struct DataState {
    /// The data as generated or loaded; `data` adds the engineered features to it.
    base: Arc<Dataset>,
    data: Arc<Dataset>,
    split: Split,
    file: Option<LoadedFile>,
    pending_load: Option<PendingLoad>,
    file_dialog: Option<Task<Option<PickedFile>>>,
}

/// The model being trained and what its worker reported last.
#[derive(Default)]
struct RunState {
    worker: Option<TrainingWorker>,
    status: RunStatus,
    epoch: usize,
    parameters: Option<usize>,
    latest: Option<EpochRecord>,
    scaler: Option<Standardizer>,
    scores: Option<Arc<Scores>>,
    insight: Option<Arc<ModelInsight>>,
    /// Saved weights the next model starts from (an opened experiment's network).
    pending_weights: Option<PathBuf>,
    /// A `SaveNetwork` sent to the worker and not yet answered.
    saving_weights: bool,
    /// The worker was told the Representations view is open.
    watching_representations: bool,
    /// Step by batch: batches taken into the current epoch, while it is incomplete.
    batch: Option<crate::training::session::BatchProgress>,
}

/// The views and their own state.
struct Views {
    tab: CentralTab,
    side_view: SideView,
    curves: TrainingCurves,
    boundary: BoundaryView,
    insight_view: InsightView,
    network_view: NetworkView,
    representations: RepresentationsView,
    /// The boundary-plot point under the pointer, in the data's units.
    hovered: Option<[f64; 2]>,
    builder: BuilderState,
    /// Pinned point and k-means stepping (see `debug_views`).
    debug: debug_views::DebugState,
    /// Snapshots for the rewind timeline.
    rewind: Rewind,
    /// "Save PNG" / "Save CSV" on the plots.
    exporter: PlotExporter,
    /// Controls a share link asked to hide (names from `share::HIDEABLE`).
    hidden: Vec<String>,
    /// One training step of a small network, stage by stage.
    stepper: StepperView,
}

impl Views {
    fn new(exporter: PlotExporter) -> Self {
        Self {
            tab: CentralTab::default(),
            side_view: SideView::default(),
            curves: TrainingCurves::default(),
            boundary: BoundaryView::default(),
            insight_view: InsightView::default(),
            network_view: NetworkView::default(),
            representations: RepresentationsView::default(),
            hovered: None,
            builder: BuilderState::default(),
            debug: debug_views::DebugState::default(),
            rewind: Rewind::default(),
            exporter,
            hidden: Vec::new(),
            stepper: StepperView::default(),
        }
    }
}

/// What the studio tells the user.
#[derive(Default)]
struct Messages {
    notice: Option<String>,
    error: Option<String>,
    log: Log,
    /// The last error and notice copied into the log, so each is logged once.
    logged: (Option<String>, Option<String>),
}

/// Opening or saving an experiment file, in the background.
enum ExperimentDialog {
    Open(Task<Option<PickedFile>>),
    /// The desktop's save dialog: where to write the experiment and its weights.
    SaveAs(Task<Option<PathBuf>>),
    /// The browser's download of the experiment.
    Download(Task<Result<PathBuf, String>>),
}

/// The window around the studio: preferences, the experiment file, dialogs.
#[derive(Default)]
struct WindowState {
    preferences: Preferences,
    /// The experiment file last saved or opened; Save writes back to it.
    experiment_path: Option<PathBuf>,
    /// An open or save dialog (or a download) in the background.
    experiment_dialog: Option<ExperimentDialog>,
    show_help: bool,
    window_title: String,
    /// The Open link window's text, while it is open.
    link_text: Option<String>,
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
                    Ok(settings) if settings.check().is_ok() => (settings, None),
                    Ok(settings) => (
                        StudioSettings::default(),
                        settings.check().err().map(|e| format!("The saved session was out of bounds ({e}); starting fresh.")),
                    ),
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
        (app.views.tab, app.views.side_view) = (preferences.tab, preferences.side_view);
        app.set_preferences(ctx, preferences);
        app
    }

    /// A studio with the given settings, as a test or `learnscope gui` would open it.
    pub fn with_settings(ctx: &egui::Context, settings: StudioSettings, notice: Option<String>) -> Self {
        let repaint = ctx.clone();
        let tasks = BackgroundTasks::new(Arc::new(move || repaint.request_repaint()));
        let data = Arc::new(settings.dataset.generate(&settings.generator));
        let mut app = Self {
            input: DataState {
                base: Arc::clone(&data),
                data,
                split: Split { train: Vec::new(), test: Vec::new(), warning: None },
                file: None,
                pending_load: None,
                file_dialog: None,
            },
            settings,
            run: RunState::default(),
            views: Views::new(PlotExporter::new(tasks.clone())),
            messages: Messages { notice, ..Messages::default() },
            window: WindowState::default(),
            lessons: LessonsStudio::new(tasks.clone()),
            commands: Vec::new(),
            tasks,
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

    /// Theme, presentation mode and recent files; applied to the UI at once.
    pub fn set_preferences(&mut self, ctx: &egui::Context, preferences: Preferences) {
        preferences.apply(ctx);
        self.window.preferences = preferences;
    }

    pub fn preferences(&self) -> &Preferences {
        &self.window.preferences
    }

    pub fn log(&self) -> &Log {
        &self.messages.log
    }

    /// The experiment file in use, if it was saved or opened.
    pub fn experiment_path(&self) -> Option<&std::path::Path> {
        self.window.experiment_path.as_deref()
    }

    /// True until the worker has written the weights of the last save.
    pub fn is_saving(&self) -> bool {
        self.run.saving_weights
    }

    /// The browser tab's title: the data, the model, and how training goes.
    #[cfg(target_arch = "wasm32")]
    fn page_title(&self) -> String {
        let data = self
            .input
            .file
            .as_ref()
            .map_or_else(|| self.settings.dataset.name().to_string(), |f| f.source.name.clone());
        let mut title = format!(
            "Learnscope · {data} · {} · {}",
            self.settings.model.kind.name(),
            self.run.status.label()
        );
        if let Some(record) = &self.run.latest {
            title += &format!(" · epoch {}", record.epoch);
            if let Some(accuracy) = record.test_accuracy {
                title += &format!(" · test accuracy {:.3}", accuracy);
            }
        }
        if let Some(lesson) = self.lessons.lesson() {
            let state = if self.lessons.is_running() {
                "running"
            } else if self.lessons.report().is_some() {
                "done"
            } else {
                "open"
            };
            title += &format!(" · lesson {} {state}", lesson.id);
        }
        title
    }

    /// The window title: the open experiment's name, or the data in use.
    pub fn title(&self) -> String {
        match &self.window.experiment_path {
            Some(path) => {
                let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                format!("{name} - Learnscope")
            }
            None => "Learnscope".to_string(),
        }
    }

    /// True while a file is loading.
    pub fn is_loading(&self) -> bool {
        self.input.pending_load.is_some()
    }

    pub fn data(&self) -> &Dataset {
        &self.input.data
    }

    pub fn tab(&self) -> CentralTab {
        self.views.tab
    }

    pub fn set_tab(&mut self, tab: CentralTab) {
        self.views.tab = tab;
    }

    pub fn lessons(&self) -> &LessonsStudio {
        &self.lessons
    }

    pub fn lessons_mut(&mut self) -> &mut LessonsStudio {
        &mut self.lessons
    }

    pub fn settings(&self) -> &StudioSettings {
        &self.settings
    }

    /// For tests and scripted lessons: change settings, then call `refit` or `reset_model`.
    pub fn settings_mut(&mut self) -> &mut StudioSettings {
        &mut self.settings
    }

    pub fn status(&self) -> RunStatus {
        self.run.status
    }

    /// Step by batch: batches taken into the current, incomplete epoch, of how many.
    pub fn batch_progress(&self) -> Option<crate::training::session::BatchProgress> {
        self.run.batch
    }

    pub fn epoch(&self) -> usize {
        self.run.epoch
    }

    /// The latest look inside the network, and how many have arrived this run.
    pub fn network_insight(&self) -> Option<&crate::models::network::snapshot::NetworkInsight> {
        self.views.network_view.insight()
    }

    pub fn network_snapshots(&self) -> usize {
        self.views.network_view.snapshots()
    }

    /// The last "why this prediction?" answer for a network.
    pub fn network_explanation(&self) -> Option<&crate::models::network::explain::Explanation> {
        self.views.network_view.explanation()
    }

    /// The latest look at the test rows through each layer, and how many have arrived this run.
    pub fn representations(&self) -> Option<&crate::models::network::representations::Representations> {
        self.views.representations.latest()
    }

    pub fn representation_updates(&self) -> usize {
        self.views.representations.updates()
    }

    /// Points on the loss plot.
    pub fn loss_points(&self) -> usize {
        self.views.curves.len()
    }

    /// Decision-grid snapshots drawn since the last reset.
    pub fn boundary_refreshes(&self) -> u64 {
        self.views.boundary.refreshes
    }

    pub fn latest(&self) -> Option<&EpochRecord> {
        self.run.latest.as_ref()
    }

    pub fn error(&self) -> Option<&str> {
        self.messages.error.as_deref()
    }
}

impl eframe::App for StudioApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        #[cfg(target_arch = "wasm32")]
        let frame_started = web_time::Instant::now();
        let ctx = ui.ctx().clone();
        self.poll_loading();
        self.views.exporter.poll();
        self.drain_events(&ctx);
        // A dropped file has a path on the desktop; in the browser its bytes are read first.
        if let Some(file) = ctx.input(|i| i.raw.dropped_files.first().cloned()) {
            #[cfg(not(target_arch = "wasm32"))]
            self.commands.push(StudioCommand::LoadPath(file.path().to_path_buf()));
            #[cfg(target_arch = "wasm32")]
            {
                self.input.file_dialog = Some(super::platform::read_dropped(&self.tasks, file));
            }
        }
        self.poll_experiment_dialog();
        let shortcuts = super::desktop::shortcuts(&ctx);
        self.commands.extend(shortcuts);
        self.window.preferences.follow_zoom(&ctx);
        egui::Panel::top("menu_bar").show(ui, |ui| {
            let context = MenuContext {
                preferences: &self.window.preferences,
                experiment: self.window.experiment_path.as_deref(),
                problems: self.messages.log.problems(),
                lessons: &self.lessons,
            };
            let commands = super::desktop::menu_bar_ui(ui, &context);
            self.commands.extend(commands);
        });
        egui::Panel::top("toolbar").show(ui, |ui| self.toolbar_ui(ui));
        if self.window.preferences.show_log {
            egui::Panel::bottom("log").resizable(true).show(ui, |ui| self.messages.log.panel_ui(ui));
        }
        egui::Panel::left("controls")
            .resizable(true)
            .default_size(330.0)
            .max_size(420.0)
            .show(ui, |ui| egui::ScrollArea::vertical().show(ui, |ui| self.controls_panel_ui(ui)));
        egui::CentralPanel::default().show(ui, |ui| self.central_ui(ui));
        // The panels' and menus' commands first, so a window they open is drawn this frame...
        self.handle_commands();
        let lesson_commands = self.lessons.windows_ui(&ctx);
        self.commands.extend(lesson_commands.into_iter().map(StudioCommand::Lesson));
        self.stepper_ui(&ctx);
        // ...then the floating windows' own.
        self.handle_commands();
        self.sync_representations_watch();
        self.sync_stepper();
        if self.input.pending_load.is_some() {
            // Keep the elapsed-time label moving while the loader works.
            ctx.request_repaint_after(std::time::Duration::from_millis(100));
        }
        self.log_messages();
        self.messages.log.notifications_ui(&ctx);
        if let Some(link) = self.open_link_window_ui(&ctx) {
            self.commands.push(StudioCommand::OpenLink(link));
        }
        let mut show_help = self.window.show_help;
        super::desktop::help_window_ui(&ctx, &mut show_help);
        self.window.show_help = show_help;
        // In the browser the tab's title follows the training (the page test reads it too).
        #[cfg(target_arch = "wasm32")]
        let title = self.page_title();
        #[cfg(not(target_arch = "wasm32"))]
        let title = self.title();
        #[cfg(target_arch = "wasm32")]
        super::web::record_frame(frame_started.elapsed().as_secs_f64() * 1000.0);
        if title != self.window.window_title {
            #[cfg(target_arch = "wasm32")]
            {
                if self.window.window_title.is_empty() {
                    super::web::log(&format!(
                        "learnscope: first frame at {:.0} ms",
                        super::web::page_milliseconds()
                    ));
                }
                super::web::set_title(&title);
            }
            ctx.send_viewport_cmd(egui::ViewportCommand::Title(title.clone()));
            self.window.window_title = title;
        }
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        if let Ok(text) = serde_json::to_string(&self.settings) {
            storage.set_string(eframe::APP_KEY, text);
        }
        (self.window.preferences.tab, self.window.preferences.side_view) =
            (self.views.tab, self.views.side_view);
        if let Ok(text) = serde_json::to_string(&self.window.preferences) {
            storage.set_string(PREFERENCES_KEY, text);
        }
    }
}
