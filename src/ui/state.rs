//! The studio's vocabulary, shared by the app, its panels and the menus: the settings it
//! remembers, the commands a click becomes, the tabs and views, the run status and the theme.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::data::csv_loader::{CsvOptions, MissingPolicy, TaskOverride};
use crate::data::features::EngineeredFeature;
use crate::data::{BuiltinDataset, GeneratorSettings, InputShape};
use crate::models::ModelConfig;
use crate::training::ExplainTarget;
use crate::ui::platform::PickedFile;

/// The speeds the studio offers, in epochs a second (`None`: as fast as it goes).
pub const PACES: [Option<u32>; 6] = [Some(1), Some(3), Some(10), Some(30), Some(100), None];
/// The default speed: about 10 seconds for the moons network's boundary to settle, as in TF
/// Playground, which trains one epoch per animation frame.
pub const DEFAULT_PACE: u32 = 30;

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
    /// How a CSV file's rows are read: a plain vector, an image or a sequence.
    pub csv_layout: InputShape,
    /// Epochs a second at most while playing (so the boundary visibly forms); `None`: as fast as
    /// it goes.
    pub pace: Option<u32>,
    /// The seed of the model's starting weights; Reset moves on to the next one unless
    /// `same_start` pins it.
    pub weights_seed: u64,
    pub same_start: bool,
    /// Step advances one mini-batch (one gradient step) instead of one epoch (networks).
    pub step_by_batch: bool,
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
            csv_layout: InputShape::Vector,
            pace: Some(DEFAULT_PACE),
            weights_seed: 0,
            same_start: false,
            step_by_batch: false,
            features: Vec::new(),
            view: ViewAxes::default(),
            paint_class: None,
        }
    }
}

impl StudioSettings {
    /// Every count, size and rate within sane bounds, for settings read from outside (a share
    /// link, an experiment file); the message names the field.
    pub fn check(&self) -> Result<(), String> {
        let g = &self.generator;
        if !(2..=100_000).contains(&g.samples) {
            return Err(format!("samples: {} generated points; give 2 to 100000", g.samples));
        }
        if !(g.noise.is_finite() && (0.0..=5.0).contains(&g.noise)) {
            return Err(format!("noise: {}; give 0 to 5", g.noise));
        }
        if !(2..=12).contains(&g.classes) {
            return Err(format!("classes: {}; give 2 to 12", g.classes));
        }
        if !(self.test_fraction.is_finite() && (0.05..=0.9).contains(&self.test_fraction)) {
            return Err(format!("test share: {}; give 0.05 to 0.9", self.test_fraction));
        }
        let model = &self.model;
        if !(model.learning_rate.is_finite() && model.learning_rate > 0.0 && model.learning_rate <= 10.0) {
            return Err(format!("learning rate: {}; give a number above 0, at most 10", model.learning_rate));
        }
        if !(1..=65_536).contains(&model.batch_size) {
            return Err(format!("batch size: {}; give 1 to 65536", model.batch_size));
        }
        if model.hidden_layers.len() > 16 || model.hidden_layers.iter().any(|&u| !(1..=4096).contains(&u)) {
            return Err("hidden layers: at most 16, each of 1 to 4096 units".into());
        }
        if let Some(network) = &model.network {
            network.check().map_err(|e| format!("network: {e}"))?;
        }
        if self.pace.is_some_and(|p| !PACES.contains(&Some(p))) {
            return Err(format!(
                "pace: {:?} epochs a second; give one of 1, 3, 10, 30, 100 or none",
                self.pace
            ));
        }
        if self.csv_layout.values().is_some_and(|v| !(1..=1 << 24).contains(&v)) {
            return Err(format!(
                "rows read as {}: give a layout of 1 to 16777216 values",
                self.csv_layout.describe()
            ));
        }
        crate::models::params::validate(model.kind, &model.params).map_err(|e| format!("parameters: {e}"))?;
        Ok(())
    }

    /// The engineered features that apply to `base`: only plain 2-D data gets them, in a fixed order.
    pub fn active_features(&self, base: &crate::data::Dataset) -> Vec<EngineeredFeature> {
        if base.n_features() != 2 || base.input_shape != crate::data::InputShape::Vector {
            return Vec::new();
        }
        EngineeredFeature::ALL.into_iter().filter(|f| self.features.contains(f)).collect()
    }

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
    /// A fresh model from the next start's weights (unless the start is pinned).
    Reset,
    /// A fresh model from the same start (after a setting changed).
    Restart,
    RegenerateData,
    SetLearningRate(f64),
    /// Go back from a CSV file to the chosen built-in data set.
    UseBuiltin,
    /// The boundary plot's axes (or the PCA option) changed.
    ChangeView,
    OpenFileDialog,
    /// Ask for a folder of images, one subfolder per class.
    OpenFolderDialog,
    LoadPath(PathBuf),
    /// A file picked in a dialog or dropped on the window (in the browser, with its bytes).
    LoadPicked(PickedFile),
    /// Train at most this many epochs a second (`None`: as fast as it goes).
    SetPace(Option<u32>),
    /// Start the model from the weights of this seed.
    SetWeightsSeed(u64),
    /// Read the file's rows as a vector, an image or a sequence.
    ReadRowsAs(InputShape),
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
    OpenExperimentPicked(PickedFile),
    SaveExperiment,
    SaveExperimentAs,
    SaveExperimentTo(PathBuf),
    TogglePresentation,
    SetTheme(ThemeChoice),
    ToggleLog,
    /// Okabe–Ito's colour-blind-safe class colours on or off.
    ToggleColourBlind,
    ShowHelp,
    /// Copy the share link of the set-up on screen.
    CopyLink,
    /// Show the window where a share link is pasted.
    ShowOpenLink,
    OpenLink(String),
    /// "Why this prediction?" for a network's row or plot point; answered in the side view.
    Explain(ExplainTarget),
    /// Something asked of the lessons: the menu, the lesson window, the duel.
    Lesson(LessonCommand),
    /// Something asked of the backprop stepper.
    Stepper(StepperCommand),
}

/// What the backprop stepper asks for; handled by the app's `handle_stepper`.
#[derive(Clone, Debug, PartialEq)]
pub enum StepperCommand {
    /// Step on this data row (a training point clicked on the boundary plot).
    Row(usize),
    /// Step on a training row picked at random.
    RandomRow,
    /// A weight typed by hand: dense layer `layer` (1-based, as the network counts its layers),
    /// from its input `from` to its unit `to` (0-based).
    SetWeight { layer: usize, from: usize, to: usize, value: f64 },
    /// Take the step shown for real.
    Apply,
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
    /// The test rows as each layer of a network sees them.
    Representations,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum RunStatus {
    #[default]
    Ready,
    Running,
    Paused,
    Finished,
    Failed,
}

impl RunStatus {
    pub fn label(self) -> &'static str {
        match self {
            RunStatus::Ready => "Ready",
            RunStatus::Running => "Training…",
            RunStatus::Paused => "Paused",
            RunStatus::Finished => "Finished",
            RunStatus::Failed => "Stopped by an error",
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum ThemeChoice {
    /// Follow the operating system's light or dark setting.
    #[default]
    System,
    Light,
    Dark,
}

impl ThemeChoice {
    pub const ALL: [ThemeChoice; 3] = [ThemeChoice::System, ThemeChoice::Light, ThemeChoice::Dark];

    pub fn label(self) -> &'static str {
        match self {
            ThemeChoice::System => "Follow the system",
            ThemeChoice::Light => "Light",
            ThemeChoice::Dark => "Dark",
        }
    }

    pub fn preference(self) -> egui::ThemePreference {
        match self {
            ThemeChoice::System => egui::ThemePreference::System,
            ThemeChoice::Light => egui::ThemePreference::Light,
            ThemeChoice::Dark => egui::ThemePreference::Dark,
        }
    }
}

/// What the Lessons menu asks for; handled by `LessonsStudio::handle`.
#[derive(Clone, Debug, PartialEq)]
pub enum LessonCommand {
    OpenBuiltin(String),
    OpenFileDialog,
    OpenPath(PathBuf),
    SaveAsDialog,
    SavePath(PathBuf),
    ExportDialog,
    ExportTo(PathBuf),
    Run,
    Cancel,
    ShowDuel,
}
