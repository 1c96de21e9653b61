//! Carrying out what the user asked for: every `StudioCommand` is handled here, at the end of the
//! frame, along with what the worker and the background tasks report.

use std::path::PathBuf;
use std::sync::Arc;

use super::{ExperimentDialog, GRID_RESOLUTION, LoadedFile, StudioApp};
use crate::data::features::{EngineeredFeature, add_features};
use crate::data::{BuiltinDataset, Dataset, Split, Target, stratified_split};
use crate::experiment::ExperimentFile;
use crate::models::ModelConfig;
use crate::training::{
    GridPlane, GridSpec, TrainEvent, TrainJob, TrainingWorker, WorkerCommand, view_coordinates,
};
use crate::ui::desktop::LogLevel;
use crate::ui::loading::PendingLoad;
use crate::ui::loading::{LoadOutcome, LoadRequest, load_in_background, pick_file_in_background};
use crate::ui::network_builder::shape_report;
use crate::ui::platform::{HAS_FILE_SYSTEM, PickedFile, pick_file, save_bytes};
use crate::ui::state::{CentralTab, RunStatus, SideView, StudioCommand, StudioSettings, ViewAxes};

impl StudioApp {
    /// Saves the experiment: settings, the rows unless they come from a CSV file, and a
    /// network's trained weights beside it (written by the worker, between two epochs).
    pub fn save_experiment(&mut self, path: PathBuf) {
        let path = crate::experiment::with_extension(path);
        let from_file = self.input.file.is_some() && self.settings.csv_path.is_some();
        let data = (!from_file).then(|| Dataset::clone(&self.input.base));
        let mut experiment = crate::experiment::ExperimentFile::new(self.settings.clone(), data);
        let trained_network =
            self.settings.model.kind.is_network() && self.run.worker.is_some() && self.run.epoch > 0;
        let weights = crate::experiment::weights_base(&path);
        if trained_network {
            experiment.weights = weights.file_name().map(|n| n.to_string_lossy().into_owned());
            experiment.epochs = self.run.epoch;
        }
        match crate::experiment::save(&path, &experiment) {
            Ok(()) => {
                if trained_network {
                    self.run.saving_weights = true;
                    self.send(WorkerCommand::SaveNetwork(weights));
                }
                self.messages.log.push(LogLevel::Info, format!("Saved the experiment to {}", path.display()));
                self.window.preferences.remember(path.clone());
                self.window.experiment_path = Some(path);
            }
            Err(e) => {
                self.messages.error =
                    Some(format!("The experiment was not saved: {e}. The previous file is unchanged."))
            }
        }
    }

    /// Opens a saved experiment; a damaged or foreign file leaves the studio as it was, with a message.
    pub fn open_experiment(&mut self, path: PathBuf) {
        match crate::experiment::load::<StudioSettings>(&path) {
            Ok(experiment) => self.apply_experiment(path, experiment),
            Err(e) => self.messages.error = Some(e.to_string()),
        }
    }

    /// Opens an experiment the browser handed over (or one picked on the desktop).
    pub fn open_picked_experiment(&mut self, picked: PickedFile) {
        let parsed = picked.read_text().and_then(|text| {
            crate::experiment::parse::<StudioSettings>(&picked.path(), &text).map_err(|e| e.to_string())
        });
        match parsed {
            Ok(experiment) => self.apply_experiment(picked.path(), experiment),
            Err(message) => self.messages.error = Some(message),
        }
    }

    fn apply_experiment(&mut self, path: PathBuf, experiment: ExperimentFile<StudioSettings>) {
        if let Err(e) = experiment.settings.check() {
            self.messages.error =
                Some(format!("{}: {e}. The studio carries on with what it had.", path.display()));
            return;
        }
        let view = experiment.settings.view;
        self.settings = experiment.settings;
        self.settings.paint_class = None;
        self.input.file = None;
        self.input.pending_load = None;
        self.run.pending_weights = match (&experiment.weights, self.settings.model.kind.is_network()) {
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
        if experiment.epochs > 0
            && self.run.pending_weights.is_none()
            && self.settings.model.kind.is_network()
        {
            self.messages.notice =
                Some("The saved weights could not be found; the network starts from fresh weights.".into());
        }
        self.messages.log.push(LogLevel::Info, format!("Opened the experiment {}", path.display()));
        self.window.preferences.remember(path.clone());
        self.window.experiment_path = Some(path);
        self.restart_classical();
    }

    pub fn open_builtin(&mut self, dataset: BuiltinDataset) {
        self.settings.dataset = dataset;
        self.settings.csv_path = None;
        self.input.file = None;
        self.regenerate_data();
    }

    /// Starts loading a file the user picked or dropped.
    pub fn load_picked(&mut self, picked: PickedFile) {
        match picked {
            PickedFile::Path(path) => self.load_path(path),
            bytes => {
                // Another file: its own columns decide the target.
                self.settings.csv_target = None;
                self.settings.csv_task = None;
                let options = self.settings.csv_options();
                self.input.pending_load =
                    Some(load_in_background(LoadRequest::Picked(bytes), options, &self.tasks));
            }
        }
    }

    /// The experiment as a download (the browser has no file system to save it in).
    fn download_experiment(&mut self) {
        let from_file = self.input.file.as_ref().is_some_and(|f| f.source.bytes.is_none());
        let data = (!from_file).then(|| Dataset::clone(&self.input.base));
        let experiment = ExperimentFile::new(self.settings.clone(), data);
        let name = format!("experiment.{}", crate::experiment::EXTENSION);
        let task = save_bytes(&self.tasks, name, ("Learnscope experiments", "json"), move || {
            serde_json::to_vec_pretty(&experiment).map_err(|e| e.to_string())
        });
        self.window.experiment_dialog = Some(ExperimentDialog::Download(task));
    }

    /// Starts loading a CSV file in the background, as the file dialog and drag-and-drop do.
    pub fn load_path(&mut self, path: PathBuf) {
        let same_file = self.settings.csv_path.as_ref() == Some(&path)
            || self.input.file.as_ref().map(|f| &f.source.path) == Some(&path);
        if !same_file {
            self.settings.csv_target = None;
            self.settings.csv_task = None;
        }
        let options = self.settings.csv_options();
        self.input.pending_load = Some(load_in_background(LoadRequest::Path(path), options, &self.tasks));
    }

    /// Adds a painted point to 2-D class data; the split and the model start over.
    pub fn add_point(&mut self, x: f64, y: f64, class: u32) {
        let mut data = Dataset::clone(&self.input.base);
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
        let data = &self.input.base;
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
    pub(super) fn restart_classical(&mut self) {
        if !self.settings.model.kind.is_network() {
            self.handle(StudioCommand::TogglePlay);
        }
    }

    /// Engineered features that apply: only plain 2-D data gets them, in a fixed order.
    pub(super) fn active_features(&self) -> Vec<EngineeredFeature> {
        self.settings.active_features(&self.input.base)
    }

    pub(super) fn poll_loading(&mut self) {
        // A dialog that died counts as no choice.
        if let Some(task) = &self.input.file_dialog
            && let Some(picked) = task.poll().unwrap_or(Some(None))
        {
            self.input.file_dialog = None;
            match picked {
                Some(picked) => self.load_picked(picked),
                None => {
                    self.messages.notice = Some(
                        "No file was chosen. If no file dialog appeared, drag a CSV file onto the window instead.".into(),
                    )
                }
            }
        }
        let Some(outcome) = self.input.pending_load.as_ref().and_then(PendingLoad::poll) else { return };
        self.input.pending_load = None;
        match outcome {
            LoadOutcome::Loaded(source, loaded) => {
                // A browser's file has no path to load again next time.
                self.settings.csv_path = source.bytes.is_none().then(|| source.path.clone());
                self.settings.csv_target = Some(loaded.dataset.target_name.clone());
                self.messages.notice = None;
                // A folder of images brings its own layout; a table keeps the one chosen for it
                // before (a reload, a new target) if that still fits.
                let name = source.path.display().to_string();
                let data = if loaded.dataset.input_shape != crate::data::InputShape::Vector {
                    self.settings.csv_layout = loaded.dataset.input_shape;
                    loaded.dataset
                } else {
                    match loaded.dataset.clone().read_as(self.settings.csv_layout, &name) {
                        Ok(data) => data,
                        Err(_) => {
                            self.settings.csv_layout = crate::data::InputShape::Vector;
                            loaded.dataset
                        }
                    }
                };
                self.input.file = Some(LoadedFile {
                    source,
                    columns: loaded.columns,
                    warnings: loaded.warnings,
                    task: self.settings.csv_task,
                });
                self.set_data(data);
                self.restart_classical();
            }
            LoadOutcome::Failed(message) => {
                // The controls go back to what the data in use was loaded with.
                if let Some(file) = &self.input.file {
                    self.settings.csv_target = Some(self.input.data.target_name.clone());
                    self.settings.csv_task = file.task;
                }
                self.messages.error = Some(message);
            }
        }
    }

    /// Opens the data and model `learnscope gui` was given; classical models fit at once.
    pub fn apply_start(&mut self, start: crate::ui::StudioStart) {
        if let Some(link) = start.link {
            self.open_link(&link);
            return;
        }
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
            self.input.pending_load = Some(load_in_background(LoadRequest::Path(path), options, &self.tasks));
        }
        self.reset();
        self.restart_classical();
        if let Some(lesson) = start.lesson {
            let command = if crate::lessons::builtin_lesson(&lesson).is_some() {
                crate::ui::state::LessonCommand::OpenBuiltin(lesson)
            } else {
                crate::ui::state::LessonCommand::OpenPath(PathBuf::from(lesson))
            };
            self.lessons.handle(command);
        }
    }

    /// A fresh model with the current settings, trained straight away (what a slider does).
    pub fn refit(&mut self) {
        self.handle(StudioCommand::Restart);
        self.handle(StudioCommand::TogglePlay);
    }

    pub(super) fn regenerate_data(&mut self) {
        if self.input.file.is_some() {
            // Generator settings do not apply to a file; a new seed still reshuffles the split.
            let data = Dataset::clone(&self.input.base);
            self.set_data(data);
            return;
        }
        let data = self.settings.dataset.generate(&self.settings.generator);
        self.set_data(data);
    }

    pub(super) fn set_data(&mut self, base: Dataset) {
        self.set_data_with_view(base, None);
    }

    /// New data; `view` keeps the plot's axes (an opened experiment) instead of picking them anew.
    pub(super) fn set_data_with_view(&mut self, base: Dataset, view: Option<ViewAxes>) {
        if let Some(view) = view {
            self.settings.view = view;
        } else if base.feature_names != self.input.base.feature_names {
            // New columns: wide data opens on its PCA plane, where two raw columns (say, two
            // corner pixels of a digit) would show nothing; three or four features open on the
            // two that separate the classes best (iris on its petals, not its sepals).
            let pca = base.n_features() > 4;
            self.settings.view = match base.most_separating_pair() {
                Some((x, y)) if !pca && base.n_features() > 2 => ViewAxes { x, y, pca },
                _ => ViewAxes { pca, ..ViewAxes::default() },
            };
        }
        self.input.base = Arc::new(base);
        self.fit_network_to_rows();
        self.apply_features();
    }

    /// k-means starts with as many clusters as the data has classes (scikit-learn's 8 would split
    /// three blobs into eight); a k the student chose stays.
    fn start_k_at_the_classes(&mut self) {
        let classes = self.input.data.class_count();
        let model = &mut self.settings.model;
        if model.kind == crate::models::ModelKind::KMeans
            && classes >= 2
            && !model.params.contains_key("n_clusters")
        {
            model.params.insert("n_clusters".into(), crate::models::params::ParamValue::Int(classes as i64));
        }
    }

    /// A network of dense layers cannot read images or sequences as they come; when `flatten`
    /// in front makes it fit the new data, it is added, with a note saying so.
    fn fit_network_to_rows(&mut self) {
        let model = &mut self.settings.model;
        let Some(spec) = model.network.as_mut().filter(|_| model.kind.is_network()) else { return };
        if shape_report(spec, &self.input.base).is_ok() {
            return;
        }
        let mut flattened = spec.clone();
        flattened.layers.insert(0, crate::models::network::LayerSpec::Flatten);
        if shape_report(&flattened, &self.input.base).is_ok() {
            *spec = flattened;
            self.messages.notice = Some(format!(
                "These rows are {}: the network now starts with flatten so its dense layers can read them. \
                 For conv or recurrent layers, edit the network in the builder.",
                self.input.base.input_shape.describe()
            ));
        }
    }

    /// Adds the engineered inputs (x², sin x…) the user switched on to the base data.
    pub(super) fn apply_features(&mut self) {
        let chosen = self.active_features();
        let data = if chosen.is_empty() {
            Dataset::clone(&self.input.base)
        } else {
            match add_features(&self.input.base, &chosen) {
                Ok(data) => data,
                Err(e) => {
                    self.messages.notice = Some(e.to_string());
                    Dataset::clone(&self.input.base)
                }
            }
        };
        self.input.data = Arc::new(data);
        self.views.debug.pinned = None;
        match stratified_split(&self.input.data, self.settings.test_fraction, self.settings.generator.seed) {
            Ok(split) => {
                self.messages.notice = split.warning.clone().or(self.messages.notice.take());
                self.input.split = split;
                self.messages.error = None;
            }
            Err(e) => {
                self.input.split = Split { train: Vec::new(), test: Vec::new(), warning: None };
                self.messages.error = Some(e.to_string());
            }
        }
        self.refresh_view();
        self.reset();
    }

    /// Throws the model away and starts a fresh, untrained one (paused).
    pub(super) fn reset(&mut self) {
        self.run.worker = None;
        self.views.curves.clear();
        self.views.boundary.clear_grid();
        self.run.status = RunStatus::Ready;
        self.run.epoch = 0;
        self.run.parameters = None;
        self.run.latest = None;
        self.run.scores = None;
        self.run.insight = None;
        self.views.insight_view.reset();
        self.views.network_view.reset();
        self.views.representations.reset();
        self.run.watching_representations = false;
        self.views.stepper.worker_changed();
        self.views.rewind.clear();
        self.views.debug.kmeans_iteration = None;
        if self.input.split.train.is_empty() {
            return;
        }
        if self.settings.model.kind.is_network()
            && let Some(spec) = &self.settings.model.network
            && let Err(message) = shape_report(spec, &self.input.data)
        {
            // The builder shows the same message beside the layers; training waits for a fix.
            self.messages.error = Some(format!("The network does not fit this data: {message}"));
            return;
        }
        self.messages.error = None;
        self.start_k_at_the_classes();
        // Saved weights wait until the data they were trained on is in place.
        let saved = if self.input.pending_load.is_none() { self.run.pending_weights.take() } else { None };
        let job = TrainJob {
            dataset: Arc::clone(&self.input.data),
            split: self.input.split.clone(),
            model: ModelConfig { seed: self.settings.weights_seed, ..self.settings.model.clone() },
            scale: true,
            max_epochs: None,
            grid: self.grid_spec(),
        };
        self.run.worker = Some(match saved {
            Some(path) => TrainingWorker::spawn_from_saved(job, path, self.tasks.waker()),
            None => TrainingWorker::spawn(job, self.tasks.waker()),
        });
        self.send(WorkerCommand::SetPace(self.settings.pace.map(f64::from)));
    }

    /// Tells the worker whether the Representations view is on screen, so it projects the
    /// layers only while someone looks (once per change, and again for each new worker).
    pub(super) fn sync_representations_watch(&mut self) {
        let wanted = self.views.tab == CentralTab::Representations && self.settings.model.kind.is_network();
        if self.run.worker.is_some() && wanted != self.run.watching_representations {
            self.send(WorkerCommand::WatchRepresentations(wanted));
            self.run.watching_representations = wanted;
        }
    }

    pub(super) fn send(&self, command: WorkerCommand) {
        if let Some(worker) = &self.run.worker {
            worker.send(command);
        }
    }

    /// Carries out the commands gathered since the last call, in order.
    pub(super) fn handle_commands(&mut self) {
        for command in std::mem::take(&mut self.commands) {
            self.handle(command);
        }
    }

    /// Play, or Pause while training.
    fn toggle_play(&mut self) {
        match self.run.status {
            RunStatus::Running => {
                self.send(WorkerCommand::Pause);
                self.run.status = RunStatus::Paused;
            }
            RunStatus::Ready | RunStatus::Paused => {
                if self.run.worker.is_none() {
                    self.reset();
                }
                self.send(WorkerCommand::Play);
                if self.run.worker.is_some() {
                    self.run.status = RunStatus::Running;
                }
            }
            RunStatus::Finished | RunStatus::Failed => {}
        }
    }

    pub(super) fn handle(&mut self, command: StudioCommand) {
        match command {
            StudioCommand::TogglePlay => self.toggle_play(),
            StudioCommand::Step => {
                if matches!(self.run.status, RunStatus::Ready | RunStatus::Paused) {
                    let by_batch = self.settings.step_by_batch && self.settings.model.kind.is_network();
                    self.send(if by_batch { WorkerCommand::StepBatch } else { WorkerCommand::Step });
                    self.run.status = RunStatus::Paused;
                }
            }
            StudioCommand::Reset => {
                // A fresh start: the next seed's weights, unless the teacher pinned this one.
                if !self.settings.same_start {
                    self.settings.weights_seed = self.settings.weights_seed.wrapping_add(1);
                }
                self.reset();
            }
            StudioCommand::Restart => self.reset(),
            StudioCommand::SetPace(pace) => {
                self.settings.pace = pace;
                self.send(WorkerCommand::SetPace(pace.map(f64::from)));
            }
            StudioCommand::SetWeightsSeed(seed) => {
                self.settings.weights_seed = seed;
                self.reset();
                self.restart_classical();
            }
            StudioCommand::RegenerateData => self.regenerate_data(),
            StudioCommand::SetLearningRate(lr) => self.send(WorkerCommand::SetLearningRate(lr)),
            StudioCommand::UseBuiltin => {
                let dataset = self.settings.dataset;
                self.open_builtin(dataset);
            }
            StudioCommand::OpenFileDialog => {
                if self.input.file_dialog.is_none() {
                    self.input.file_dialog = Some(pick_file_in_background(&self.tasks));
                }
            }
            StudioCommand::OpenFolderDialog => {
                if self.input.file_dialog.is_none() {
                    self.input.file_dialog = Some(crate::ui::platform::pick_folder(
                        &self.tasks,
                        "Open a folder of images (one subfolder per class)",
                    ));
                }
            }
            StudioCommand::LoadPath(path) => self.load_path(path),
            StudioCommand::LoadPicked(picked) => self.load_picked(picked),
            StudioCommand::OpenExperimentPicked(picked) => self.open_picked_experiment(picked),
            StudioCommand::ReloadCsv => {
                if let Some(file) = &self.input.file {
                    let request = LoadRequest::Source(file.source.clone());
                    let options = self.settings.csv_options();
                    self.input.pending_load = Some(load_in_background(request, options, &self.tasks));
                }
            }
            StudioCommand::ReadRowsAs(layout) => {
                let name = self
                    .input
                    .file
                    .as_ref()
                    .map_or_else(String::new, |f| f.source.path.display().to_string());
                match Dataset::clone(&self.input.base).read_as(layout, &name) {
                    Ok(data) => {
                        self.settings.csv_layout = layout;
                        self.set_data(data);
                        self.reset();
                        self.restart_classical();
                    }
                    Err(e) => self.messages.error = Some(e.to_string()),
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
            StudioCommand::OpenExperimentDialog if self.window.experiment_dialog.is_none() => {
                let filter = ("Learnscope experiments", &["json"][..]);
                let task = pick_file(&self.tasks, "Open an experiment", filter);
                self.window.experiment_dialog = Some(ExperimentDialog::Open(task));
            }
            StudioCommand::SaveExperimentAs if self.window.experiment_dialog.is_none() => {
                if HAS_FILE_SYSTEM {
                    let task = crate::ui::desktop::save_experiment_dialog(&self.tasks);
                    self.window.experiment_dialog = Some(ExperimentDialog::SaveAs(task));
                } else {
                    self.download_experiment();
                }
            }
            StudioCommand::OpenExperimentDialog | StudioCommand::SaveExperimentAs => {}
            StudioCommand::OpenExperiment(path) => self.open_experiment(path),
            StudioCommand::SaveExperiment => match self.window.experiment_path.clone() {
                Some(path) => self.save_experiment(path),
                None => self.handle(StudioCommand::SaveExperimentAs),
            },
            StudioCommand::SaveExperimentTo(path) => self.save_experiment(path),
            StudioCommand::TogglePresentation => {
                let mut preferences = self.window.preferences.clone();
                preferences.presentation = !preferences.presentation;
                self.set_preferences(&self.ctx.clone(), preferences);
            }
            StudioCommand::SetTheme(theme) => {
                let mut preferences = self.window.preferences.clone();
                preferences.theme = theme;
                self.set_preferences(&self.ctx.clone(), preferences);
            }
            StudioCommand::ToggleLog => self.window.preferences.show_log = !self.window.preferences.show_log,
            StudioCommand::ToggleColourBlind => {
                let mut preferences = self.window.preferences.clone();
                preferences.colour_blind = !preferences.colour_blind;
                self.set_preferences(&self.ctx.clone(), preferences);
                // Redraw the points and the boundary in the new colours, paused or not.
                self.refresh_view();
                if let Some(grid) = self.views.rewind.on_view().map(|s| Arc::clone(&s.grid)) {
                    let background = self.ctx.global_style().visuals.extreme_bg_color;
                    self.views.boundary.set_grid(&self.ctx.clone(), &grid, background);
                }
            }
            StudioCommand::ShowHelp => self.window.show_help = true,
            StudioCommand::CopyLink => {
                let link = self.share_link();
                self.ctx.copy_text(link.clone());
                self.messages.log.push(LogLevel::Info, format!("Copied the share link: {link}"));
            }
            StudioCommand::ShowOpenLink => self.window.link_text = Some(String::new()),
            StudioCommand::OpenLink(link) => self.open_link(&link),
            StudioCommand::Explain(target) => {
                self.send(WorkerCommand::Explain(target));
                self.views.side_view = SideView::Learned;
            }
            StudioCommand::Lesson(command) => self.lessons.handle(command),
            StudioCommand::Stepper(command) => self.handle_stepper(command),
            StudioCommand::CancelLoad => {
                // The loader thread stops at its next read; its result is ignored.
                if let Some(load) = self.input.pending_load.take() {
                    load.cancel();
                    self.messages.log.push(LogLevel::Info, format!("Loading {} was cancelled", load.name));
                }
            }
        }
    }

    pub(super) fn drain_events(&mut self, ctx: &egui::Context) {
        let Some(worker) = &self.run.worker else { return };
        let background = ctx.global_style().visuals.extreme_bg_color;
        // Asked before draining: a worker that has ended has already sent all it will send.
        let stopped = worker.has_stopped();
        for event in worker.drain() {
            match event {
                TrainEvent::Ready { parameters, scaler, .. } => {
                    self.run.parameters = Some(parameters);
                    self.run.scaler = Some(scaler);
                }
                TrainEvent::Scores(scores) => self.on_scores(scores),
                TrainEvent::Insight(insight) => self.run.insight = Some(insight),
                TrainEvent::Batch(progress) => self.run.batch = (progress.taken > 0).then_some(progress),
                TrainEvent::Epoch(record) => {
                    self.run.batch = None;
                    self.run.epoch = record.epoch;
                    self.views.curves.push(&record);
                    self.views.network_view.push_epoch(&record);
                    self.run.latest = Some(record);
                }
                TrainEvent::Grid(grid) => self.on_grid(ctx, grid, background),
                TrainEvent::Running(running) => {
                    if !running && self.run.status == RunStatus::Running {
                        self.run.status = RunStatus::Paused;
                    }
                }
                TrainEvent::Finished { parameters, .. } => {
                    self.run.status = RunStatus::Finished;
                    self.run.parameters = Some(parameters);
                }
                TrainEvent::Failed(error) => {
                    self.run.status = RunStatus::Failed;
                    self.messages.error = Some(error.to_string());
                }
                TrainEvent::Saved(result) => {
                    self.run.saving_weights = false;
                    self.weights_saved(result);
                }
                TrainEvent::Network(insight) => self.views.network_view.set_insight(ctx, insight),
                TrainEvent::Explained(target, result) => {
                    self.views.network_view.set_explanation(ctx, target, result, &self.input.data)
                }
                TrainEvent::Representations(result) => self.views.representations.set(result),
                TrainEvent::Backprop(result) => self.views.stepper.set(result),
            }
        }
        // A worker that died without a word (its failure report is drained above when it sent one).
        if stopped && self.run.status != RunStatus::Failed {
            self.run.status = RunStatus::Failed;
            self.messages.error =
                Some("The training worker stopped unexpectedly. Press Reset to start a new one.".into());
        }
    }

    /// Copies a new error or notice into the log (which also shows it as a notification).
    pub(super) fn log_messages(&mut self) {
        if self.messages.error != self.messages.logged.0 {
            if let Some(error) = &self.messages.error {
                self.messages.log.push(LogLevel::Error, error.clone());
            }
            self.messages.logged.0 = self.messages.error.clone();
        }
        if self.messages.notice != self.messages.logged.1 {
            if let Some(notice) = &self.messages.notice {
                self.messages.log.push(LogLevel::Warning, notice.clone());
            }
            self.messages.logged.1 = self.messages.notice.clone();
        }
    }

    pub(super) fn poll_experiment_dialog(&mut self) {
        // A dialog that died counts as no choice.
        match &self.window.experiment_dialog {
            Some(ExperimentDialog::Open(task)) => {
                let Some(picked) = task.poll().unwrap_or(Some(None)) else { return };
                if let Some(picked) = picked {
                    self.commands.push(StudioCommand::OpenExperimentPicked(picked));
                }
            }
            Some(ExperimentDialog::SaveAs(task)) => {
                let Some(path) = task.poll().unwrap_or(Some(None)) else { return };
                if let Some(path) = path {
                    self.commands.push(StudioCommand::SaveExperimentTo(path));
                }
            }
            Some(ExperimentDialog::Download(task)) => {
                let Some(outcome) = task.poll().unwrap_or_else(|e| Some(Err(e))) else { return };
                match outcome {
                    Ok(name) => self
                        .messages
                        .log
                        .push(LogLevel::Info, format!("Saved the experiment as {}", name.display())),
                    Err(e) => self.messages.error = Some(format!("The experiment was not saved: {e}")),
                }
            }
            None => return,
        }
        self.window.experiment_dialog = None;
    }

    pub(super) fn weights_saved(&mut self, result: Result<PathBuf, String>) {
        if let Err(reason) = result {
            self.messages.error =
                Some(format!("The experiment was saved, but its weights were not: {reason}"));
        }
    }

    /// Each row's place on the boundary plot, and the plane when the view is PCA.
    pub(super) fn view_coordinates(&self) -> (Vec<[f64; 2]>, Option<GridPlane>) {
        let (x, y) = self.view_axes();
        view_coordinates(&self.input.data, x, y, self.settings.view.pca)
    }

    /// The two feature columns shown, kept within the data.
    pub(super) fn view_axes(&self) -> (usize, usize) {
        let d = self.input.data.n_features();
        let x = self.settings.view.x.min(d.saturating_sub(1));
        let y = self.settings.view.y.min(d.saturating_sub(1));
        if x == y { (0, 1.min(d.saturating_sub(1))) } else { (x, y) }
    }

    pub(super) fn refresh_view(&mut self) {
        let (coords, _) = self.view_coordinates();
        self.views.boundary.set_points(&self.input.data, &self.input.split, &coords);
    }

    pub(super) fn grid_spec(&self) -> Option<GridSpec> {
        if self.input.data.n_features() == 1 {
            return GridSpec::along_one_feature(&self.input.data, GRID_RESOLUTION * 2);
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
}
