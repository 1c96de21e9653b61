//! Lessons: the differences between classical machine learning and deep learning as experiments
//! that run in one click (studio) or one command (CLI).
//!
//! A [`Lesson`] is plain data (a JSON file in `assets/lessons/`, embedded in the binary): the data
//! set, the models, the experiment's settings and the explanation for students. A teacher can edit
//! one, save it with [`save_lesson`] and share the file; [`load_lesson`] reads it back.
//! [`run_lesson`] measures it and returns a [`LessonReport`].

pub mod descent;
pub mod duel;
pub mod export;
pub mod report;
pub mod rule;
mod run;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use serde::{Deserialize, Serialize};

pub use duel::{Duel, DuelRow, duel};
pub use report::{
    AnswerOutcome, ChartSeries, Figure, Heatmap, LessonReport, ReportChart, ReportTable, SeriesStyle,
};
pub use run::curve_report;

use crate::data::{BuiltinDataset, Dataset, EngineeredFeature, GeneratorSettings};
use crate::models::network::{Activation, NetworkSpec, OptimizerKind};
use crate::models::{ModelConfig, ModelError, ModelKind};

/// One lesson: what to run and what to tell the students.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lesson {
    /// Short name used on the command line (`learnscope lesson data-dependency`).
    pub id: String,
    pub title: String,
    /// Which of the six differences between classical ML and deep learning it shows (1-6).
    pub difference: u8,
    /// What the students should look at and why, written for them.
    pub explanation: String,
    /// The command that runs the same experiment from a terminal.
    #[serde(default)]
    pub cli: String,
    /// Asked before the run ("On 50 rows, who wins: the forest or the CNN?").
    #[serde(default)]
    pub question: String,
    /// Two to four choices, each with the rule over the run's figures that makes it come true.
    #[serde(default)]
    pub answers: Vec<Answer>,
    /// Run stays locked until an answer is picked; a teacher can switch this off.
    #[serde(default = "yes")]
    pub ask_first: bool,
    pub data: LessonData,
    pub experiment: Experiment,
}

fn yes() -> bool {
    true
}

/// One choice of a lesson's question.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Answer {
    pub text: String,
    /// When it comes true, over the report's figures, e.g. "CNN@50 > best_classical@50" or
    /// "crossing_size >= 0 and crossing_size <= 1000" (see `rule`).
    pub rule: String,
}

/// The built-in data set a lesson runs on.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LessonData {
    pub dataset: BuiltinDataset,
    /// Points to generate (generated data sets only).
    pub samples: usize,
    /// Rows in a quick run (tests): fewer generated points, or a stratified share of a fixed
    /// table such as digits; `None` keeps them all.
    pub quick_samples: Option<usize>,
    /// Points to generate in a full run; `None` keeps `samples`.
    pub full_samples: Option<usize>,
    pub noise: f64,
    /// Classes for blobs, arms for the spiral.
    pub classes: usize,
    pub seed: u64,
    pub test_fraction: f64,
    /// Standardize features (fitted on the training rows only).
    pub scale: bool,
}

impl Default for LessonData {
    fn default() -> Self {
        let g = GeneratorSettings::default();
        Self {
            dataset: BuiltinDataset::Moons,
            samples: g.samples,
            quick_samples: None,
            full_samples: None,
            noise: g.noise,
            classes: g.classes,
            seed: 0,
            test_fraction: 0.2,
            scale: true,
        }
    }
}

impl LessonData {
    pub fn load(&self, quick: bool) -> Result<Dataset, LessonError> {
        self.load_for(&RunOptions { quick, full: false })
    }

    /// The data for this kind of run: fewer rows when quick, `full_samples` when full.
    pub fn load_for(&self, options: &RunOptions) -> Result<Dataset, LessonError> {
        let quick = options.quick;
        let samples = match (quick, options.full) {
            (true, _) => self.quick_samples.unwrap_or(self.samples),
            (false, true) => self.full_samples.unwrap_or(self.samples),
            (false, false) => self.samples,
        };
        let settings =
            GeneratorSettings { samples, noise: self.noise, seed: self.seed, classes: self.classes };
        let data = self.dataset.load(&settings).map_err(|e| LessonError::Invalid(e.to_string()))?;
        // A fixed table cannot be generated smaller: a quick run takes a stratified share of its rows.
        match self.quick_samples {
            Some(rows) if quick && !self.dataset.is_generated() && rows < data.rows() => {
                let fraction = rows as f64 / data.rows() as f64;
                let split = crate::data::stratified_split(&data, fraction, self.seed)
                    .map_err(|e| LessonError::Invalid(e.to_string()))?;
                Ok(data.subset(&split.test))
            }
            _ => Ok(data),
        }
    }
}

/// A model as a lesson file writes it: a kind, or a network in its text form, plus settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LessonModel {
    /// The name in tables; empty means the kind's name or the network's text.
    pub label: String,
    /// A model kind (`logistic_regression`, `svm`, `mlp`...); ignored when `net` is set.
    pub model: String,
    /// A network written layer by layer, e.g. "conv2d(8,3) relu maxpool(2) flatten dense(32) relu".
    pub net: Option<String>,
    /// Hyper-parameters of a classical kind, e.g. {"max_depth": 4}.
    pub params: BTreeMap<String, serde_json::Value>,
    /// Engineered inputs added to 2-D data for this model only, e.g. ["x2", "y2"].
    pub features: Vec<EngineeredFeature>,
    /// Hidden layers and activation of a plain `mlp`.
    pub layers: Vec<usize>,
    pub activation: Activation,
    pub epochs: usize,
    /// Epochs in a quick run; `None` keeps `epochs`.
    pub quick_epochs: Option<usize>,
    pub learning_rate: f64,
    pub batch_size: usize,
    pub optimizer: OptimizerKind,
    /// The figure its test accuracy is reported under (e.g. "raw_accuracy"); default from the label.
    pub figure: Option<String>,
    /// Trained in full runs only (a slow model, such as a recurrent network on long sequences).
    pub full_only: bool,
}

impl Default for LessonModel {
    fn default() -> Self {
        let config = ModelConfig::default();
        Self {
            label: String::new(),
            model: "mlp".into(),
            net: None,
            params: BTreeMap::new(),
            features: Vec::new(),
            layers: config.hidden_layers,
            activation: config.activation,
            epochs: 200,
            quick_epochs: None,
            learning_rate: 0.01,
            batch_size: 32,
            optimizer: OptimizerKind::Adam,
            figure: None,
            full_only: false,
        }
    }
}

impl LessonModel {
    pub fn kind(&self) -> Result<ModelKind, LessonError> {
        if self.net.is_some() {
            return Ok(ModelKind::Mlp);
        }
        ModelKind::from_name(&self.model)
            .ok_or_else(|| LessonError::Invalid(format!("unknown model kind '{}'", self.model)))
    }

    pub fn label(&self) -> String {
        if !self.label.is_empty() {
            return self.label.clone();
        }
        let base = match &self.net {
            Some(net) => net.clone(),
            None => self.model.clone(),
        };
        if self.features.is_empty() {
            base
        } else {
            let names: Vec<&str> = self.features.iter().map(|f| f.name()).collect();
            format!("{base} + {}", names.join(","))
        }
    }

    /// The figure name of its accuracy: `figure`, or the label made into an identifier.
    pub fn figure_name(&self) -> String {
        self.figure.clone().unwrap_or_else(|| {
            let slug: String = self
                .label()
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '_' })
                .collect();
            format!("{}_accuracy", slug.trim_matches('_'))
        })
    }

    pub fn epochs(&self, quick: bool) -> usize {
        if quick { self.quick_epochs.unwrap_or(self.epochs) } else { self.epochs }.max(1)
    }

    pub fn config(&self, seed: u64) -> Result<ModelConfig, LessonError> {
        let kind = self.kind()?;
        let network = match &self.net {
            Some(text) => Some(
                NetworkSpec::parse(text)
                    .map_err(|e| LessonError::Invalid(format!("{}: network '{text}': {e}", self.label())))?,
            ),
            None => None,
        };
        let mut params = BTreeMap::new();
        for (key, value) in &self.params {
            let text = match value {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            let (key, value) = crate::models::params::parse_assignment(kind, &format!("{key}={text}"))
                .map_err(|e| LessonError::Invalid(format!("{}: {e}", self.label())))?;
            params.insert(key, value);
        }
        Ok(ModelConfig {
            kind,
            hidden_layers: self.layers.clone(),
            activation: self.activation,
            learning_rate: self.learning_rate,
            batch_size: self.batch_size.max(1),
            optimizer: self.optimizer,
            seed,
            network,
            params,
        })
    }
}

/// What a lesson measures. Each kind has its own settings; see the lesson files for examples.
// Plain data that the studio edits in place; a few hundred bytes per lesson, so no boxing.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Experiment {
    /// Test accuracy against training-set size over several seeds, with spread bands.
    LearningCurve {
        models: Vec<LessonModel>,
        sizes: Vec<usize>,
        seeds: usize,
        #[serde(default)]
        quick_sizes: Vec<usize>,
        #[serde(default)]
        quick_seeds: Option<usize>,
        /// Sizes and seeds of a full run; empty and `None` keep the normal ones.
        #[serde(default)]
        full_sizes: Vec<usize>,
        #[serde(default)]
        full_seeds: Option<usize>,
        /// Same split for every seed: only the networks' starting weights vary (seed variance).
        #[serde(default)]
        fixed_split: bool,
        /// How long networks train at each size; by default early stopping, so every size
        /// gets training to convergence rather than the same number of epochs.
        #[serde(default)]
        effort: Option<crate::evaluation::Effort>,
        /// The chart's title for this first part (empty: a generic one).
        #[serde(default)]
        title: String,
        /// More learning curves on other data, drawn after the first (skipped in quick runs
        /// when they give no quick sizes).
        #[serde(default)]
        parts: Vec<CurvePart>,
    },
    /// Models side by side on the same split, in one or more parts (each may use other data).
    Comparison { parts: Vec<ComparisonPart> },
    /// Parameters, fit time, prediction time per 1,000 rows and device, per model.
    Cost { models: Vec<LessonModel> },
    /// One test point explained by a tree's rule path and by a network's input saliency.
    Explain {
        tree: LessonModel,
        network: LessonModel,
        /// Which test row to explain (index into the test set).
        #[serde(default)]
        point: usize,
    },
    /// Gradient descent, momentum and Adam on the loss surface of a 2-weight logistic regression.
    LossSurface {
        learning_rate: f64,
        steps: usize,
        start: [f64; 2],
        /// The surface spans `[-span, span]` on both weights.
        span: f64,
        resolution: usize,
    },
    /// k-fold cross-validation: one test score per fold and model.
    CrossValidation { models: Vec<LessonModel>, folds: usize },
    /// Epochs each network needs to bring its training loss under `target_loss`.
    EpochsToLoss { models: Vec<LessonModel>, target_loss: f64 },
    /// The gradient norm of every layer, first layer to last, while the network trains.
    GradientFlow { models: Vec<LessonModel> },
}

/// A further learning curve of a lesson, on its own data, with the lesson's seeds and effort.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CurvePart {
    pub title: String,
    pub data: LessonData,
    pub models: Vec<LessonModel>,
    pub sizes: Vec<usize>,
    pub quick_sizes: Vec<usize>,
    /// Put before this part's figure names (e.g. "digits_").
    pub figure_prefix: String,
}

/// One table of a comparison.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ComparisonPart {
    pub title: String,
    /// Other data for this part; `None` uses the lesson's.
    pub data: Option<LessonData>,
    pub models: Vec<LessonModel>,
    /// Draw each first-hidden-layer unit of the first network over the plane (2-D data only).
    pub unit_maps: bool,
    /// Draw the test rows as each layer of the first network sees them (PCA, coloured by class),
    /// beside the hand-made features.
    pub representations: bool,
    /// Put before the figure names made from labels, so parts with the same models differ
    /// (e.g. "waveforms_"); explicit `figure` names are kept as written.
    pub figure_prefix: String,
}

/// How to run a lesson.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RunOptions {
    /// Small sizes, few seeds and epochs: seconds in a debug build (tests, previews).
    pub quick: bool,
    /// The whole experiment where a lesson has a larger form (more rows, sizes and seeds,
    /// slow models): minutes, for the figures a teacher quotes. Ignored when `quick`.
    pub full: bool,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum LessonError {
    /// The lesson file could not be read or is not a lesson.
    #[error("{}: {reason}", path.display())]
    Load { path: PathBuf, reason: String },
    /// The lesson's settings do not make sense (unknown model, bad network text, bad sizes).
    #[error("{0}")]
    Invalid(String),
    #[error("{model}: {error}")]
    Model { model: String, error: ModelError },
    #[error("the lesson was cancelled")]
    Cancelled,
}

/// The lesson files shipped with Learnscope, embedded so they work without the assets folder.
const BUILTIN_FILES: [(&str, &str); 10] = [
    ("data-dependency.json", include_str!("../../assets/lessons/data-dependency.json")),
    ("seed-variance.json", include_str!("../../assets/lessons/seed-variance.json")),
    ("feature-engineering.json", include_str!("../../assets/lessons/feature-engineering.json")),
    ("compute-cost.json", include_str!("../../assets/lessons/compute-cost.json")),
    ("interpretability.json", include_str!("../../assets/lessons/interpretability.json")),
    ("algorithms.json", include_str!("../../assets/lessons/algorithms.json")),
    ("loss-surface.json", include_str!("../../assets/lessons/loss-surface.json")),
    ("cross-validation.json", include_str!("../../assets/lessons/cross-validation.json")),
    ("batch-norm.json", include_str!("../../assets/lessons/batch-norm.json")),
    ("gradient-flow.json", include_str!("../../assets/lessons/gradient-flow.json")),
];

/// Every built-in lesson, in the order of the six differences.
pub fn builtin_lessons() -> Vec<Lesson> {
    BUILTIN_FILES
        .iter()
        .map(|(name, text)| {
            // The embedded files are checked by `every_builtin_lesson_parses`.
            parse_lesson(Path::new(name), text).expect("the embedded lesson files parse")
        })
        .collect()
}

/// The built-in lesson with this id.
pub fn builtin_lesson(id: &str) -> Option<Lesson> {
    builtin_lessons().into_iter().find(|l| l.id == id)
}

/// Parses lesson JSON; errors name `path` and the line and column where parsing stopped.
pub fn parse_lesson(path: &Path, text: &str) -> Result<Lesson, LessonError> {
    let fail = |reason: String| LessonError::Load { path: path.to_path_buf(), reason };
    let lesson: Lesson = serde_json::from_str(text).map_err(|e| {
        let what =
            if e.is_syntax() || e.is_eof() { "is not valid JSON" } else { "is not a Learnscope lesson" };
        fail(format!("{what}: {e}"))
    })?;
    if !(1..=6).contains(&lesson.difference) {
        return Err(fail(format!("'difference' must be 1 to 6, got {}", lesson.difference)));
    }
    if lesson.id.trim().is_empty() {
        return Err(fail("'id' must not be empty".into()));
    }
    check_bounds(&lesson).map_err(fail)?;
    Ok(lesson)
}

/// Every count, size and rate of a lesson within bounds a class can run (a typo such as 10^12
/// samples or steps must get a message, not an abort or an endless run); the message names the field.
fn check_bounds(lesson: &Lesson) -> Result<(), String> {
    fn within<T: PartialOrd + std::fmt::Display>(
        field: &str,
        value: T,
        low: T,
        high: T,
    ) -> Result<(), String> {
        if value >= low && value <= high {
            Ok(())
        } else {
            Err(format!("'{field}' is {value}; give {low} to {high}"))
        }
    }
    let check_data = |data: &LessonData, at: &str| -> Result<(), String> {
        within(&format!("{at}samples"), data.samples, 2, 100_000)?;
        within(&format!("{at}quick_samples"), data.quick_samples.unwrap_or(2), 2, 100_000)?;
        within(&format!("{at}full_samples"), data.full_samples.unwrap_or(2), 2, 100_000)?;
        within(&format!("{at}noise"), if data.noise.is_finite() { data.noise } else { -1.0 }, 0.0, 5.0)?;
        within(&format!("{at}classes"), data.classes, 2, 12)?;
        let test = if data.test_fraction.is_finite() { data.test_fraction } else { -1.0 };
        within(&format!("{at}test_fraction"), test, 0.05, 0.9)
    };
    let check_models = |models: &[LessonModel]| -> Result<(), String> {
        within("models (count)", models.len(), 1, 16)?;
        for (i, model) in models.iter().enumerate() {
            let at = format!("models[{}].", i + 1);
            within(&format!("{at}epochs"), model.epochs, 0, 100_000)?;
            within(&format!("{at}quick_epochs"), model.quick_epochs.unwrap_or(1), 0, 100_000)?;
            within(&format!("{at}batch_size"), model.batch_size, 0, 65_536)?;
            let lr = if model.learning_rate.is_finite() { model.learning_rate } else { -1.0 };
            within(&format!("{at}learning_rate"), lr, 0.0, 10.0)?;
            within(&format!("{at}layers (count)"), model.layers.len(), 0, 16)?;
            if let Some(units) = model.layers.iter().find(|&&u| !(1..=4096).contains(&u)) {
                return Err(format!("'{at}layers' holds a layer of {units} units; give 1 to 4096"));
            }
            if let Some(net) = &model.net {
                NetworkSpec::parse(net).map_err(|e| format!("'{at}net': {e}"))?;
            }
        }
        Ok(())
    };
    check_data(&lesson.data, "data.")?;
    within("answers (count)", lesson.answers.len(), 0, 4)?;
    if lesson.answers.len() == 1 {
        return Err("'answers' holds one choice; give two to four, or none".into());
    }
    if !lesson.answers.is_empty() && lesson.question.trim().is_empty() {
        return Err("'answers' are given but 'question' is empty".into());
    }
    for (i, answer) in lesson.answers.iter().enumerate() {
        rule::Rule::parse(&answer.rule).map_err(|e| format!("'answers[{}].rule': {e}", i + 1))?;
    }
    match &lesson.experiment {
        Experiment::LearningCurve {
            models,
            sizes,
            seeds,
            quick_sizes,
            quick_seeds,
            full_sizes,
            full_seeds,
            effort,
            parts,
            ..
        } => {
            check_models(models)?;
            within("sizes (count)", sizes.len(), 1, 40)?;
            within("quick_sizes (count)", quick_sizes.len(), 0, 40)?;
            within("full_sizes (count)", full_sizes.len(), 0, 40)?;
            let all_sizes = sizes.iter().chain(quick_sizes).chain(full_sizes);
            if let Some(size) = all_sizes.clone().find(|&&n| !(2..=1_000_000).contains(&n)) {
                return Err(format!("'sizes' holds {size}; give 2 to 1000000"));
            }
            within("seeds", *seeds, 1, 50)?;
            within("quick_seeds", quick_seeds.unwrap_or(1), 1, 50)?;
            within("full_seeds", full_seeds.unwrap_or(1), 1, 50)?;
            if let Some(effort) = effort {
                effort.check().map_err(|e| format!("effort: {e}"))?;
            }
            within("parts (count)", parts.len(), 0, 4)?;
            for (i, part) in parts.iter().enumerate() {
                let at = format!("parts[{}].", i + 1);
                check_data(&part.data, &format!("{at}data."))?;
                check_models(&part.models)?;
                within(&format!("{at}sizes (count)"), part.sizes.len(), 1, 40)?;
                if let Some(size) =
                    part.sizes.iter().chain(&part.quick_sizes).find(|&&n| !(2..=1_000_000).contains(&n))
                {
                    return Err(format!("'{at}sizes' holds {size}; give 2 to 1000000"));
                }
            }
            Ok(())
        }
        Experiment::Comparison { parts } => {
            within("parts (count)", parts.len(), 1, 8)?;
            for (i, part) in parts.iter().enumerate() {
                if let Some(data) = &part.data {
                    check_data(data, &format!("parts[{}].data.", i + 1))?;
                }
                check_models(&part.models)?;
            }
            Ok(())
        }
        Experiment::Cost { models } | Experiment::GradientFlow { models } => check_models(models),
        Experiment::Explain { tree, network, point } => {
            check_models(&[tree.clone(), network.clone()])?;
            within("point", *point, 0, 100_000)
        }
        Experiment::LossSurface { learning_rate, steps, start, span, resolution } => {
            within(
                "learning_rate",
                if learning_rate.is_finite() { *learning_rate } else { -1.0 },
                1e-9,
                100.0,
            )?;
            within("steps", *steps, 1, 100_000)?;
            within("span", if span.is_finite() { *span } else { -1.0 }, 1e-6, 1e3)?;
            within("resolution", *resolution, 2, 256)?;
            if start.iter().any(|v| !v.is_finite() || v.abs() > 1e3) {
                return Err("'start' must be two finite numbers within ±1000".into());
            }
            Ok(())
        }
        Experiment::CrossValidation { models, folds } => {
            check_models(models)?;
            within("folds", *folds, 2, 20)
        }
        Experiment::EpochsToLoss { models, target_loss } => {
            check_models(models)?;
            within("target_loss", if target_loss.is_finite() { *target_loss } else { -1.0 }, 1e-9, 1e3)
        }
    }
}

/// Reads a lesson file.
pub fn load_lesson(path: &Path) -> Result<Lesson, LessonError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| LessonError::Load { path: path.to_path_buf(), reason: e.to_string() })?;
    parse_lesson(path, &text)
}

/// Writes a lesson file (pretty JSON), atomically: a failed save leaves the old file intact.
pub fn save_lesson(lesson: &Lesson, path: &Path) -> Result<(), LessonError> {
    let text = serde_json::to_string_pretty(lesson)
        .map_err(|e| LessonError::Load { path: path.to_path_buf(), reason: e.to_string() })?;
    crate::files::write_bytes_atomically(path, format!("{text}\n").as_bytes())
        .map_err(|e| LessonError::Load { path: e.path, reason: e.reason })
}

/// Runs the lesson's experiment. `progress(fraction, what)` reports along the way; setting
/// `cancel` stops it between fits (and between epochs of a network).
pub fn run_lesson(
    lesson: &Lesson,
    options: &RunOptions,
    progress: &dyn Fn(f32, &str),
    cancel: &AtomicBool,
) -> Result<LessonReport, LessonError> {
    run_lesson_live(lesson, options, progress, &|_| {}, cancel)
}

/// [`run_lesson`], also handing `partial` the report as it fills in (a learning curve's points
/// so far), so a chart can grow while the lesson runs.
pub fn run_lesson_live(
    lesson: &Lesson,
    options: &RunOptions,
    progress: &dyn Fn(f32, &str),
    partial: &dyn Fn(&LessonReport),
    cancel: &AtomicBool,
) -> Result<LessonReport, LessonError> {
    let mut report = run::run(lesson, options, progress, partial, cancel)?;
    // JSON has no NaN: a figure that could not be measured is left out rather than written as null.
    report.figures.retain(|f| f.value.is_finite());
    report.lesson_id = lesson.id.clone();
    report.title = lesson.title.clone();
    report.question = lesson.question.clone();
    report.answers = lesson
        .answers
        .iter()
        .map(|answer| {
            let outcome = rule::Rule::parse(&answer.rule).and_then(|r| r.holds(&report.figures));
            AnswerOutcome {
                text: answer.text.clone(),
                rule: answer.rule.clone(),
                came_true: outcome.as_ref().ok().copied(),
                why_unknown: outcome.err(),
            }
        })
        .collect();
    progress(1.0, "done");
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lesson_files_with_absurd_sizes_get_a_message_naming_the_field() {
        let path = Path::new("teacher.json");
        let mut surface = serde_json::to_value(builtin_lesson("loss-surface").unwrap()).unwrap();
        surface["experiment"]["steps"] = serde_json::json!(1_000_000_000_000u64);
        let error = parse_lesson(path, &surface.to_string()).unwrap_err().to_string();
        assert!(error.contains("teacher.json") && error.contains("'steps'"), "{error}");

        let mut features = serde_json::to_value(builtin_lesson("feature-engineering").unwrap()).unwrap();
        features["data"]["samples"] = serde_json::json!(1_000_000_000_000u64);
        let error = parse_lesson(path, &features.to_string()).unwrap_err().to_string();
        assert!(error.contains("'data.samples'"), "{error}");

        let mut features = serde_json::to_value(builtin_lesson("feature-engineering").unwrap()).unwrap();
        features["experiment"]["parts"][0]["models"][0]["net"] = serde_json::json!("dense(0)");
        let error = parse_lesson(path, &features.to_string()).unwrap_err().to_string();
        assert!(error.contains("'models[1].net'") && error.contains("at least 1"), "{error}");
    }

    #[test]
    fn every_builtin_lesson_parses_and_every_difference_has_one() {
        let lessons = builtin_lessons();
        for d in 1..=6 {
            assert!(lessons.iter().any(|l| l.difference == d), "no lesson for difference {d}");
        }
        for lesson in &lessons {
            assert!(lesson.cli.starts_with("learnscope "), "{}: {}", lesson.id, lesson.cli);
            assert!(lesson.explanation.len() > 100, "{}", lesson.id);
        }
        let mut ids: Vec<&str> = lessons.iter().map(|l| l.id.as_str()).collect();
        // dedup only drops neighbours: sort first, or two equal ids apart would both stay.
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), lessons.len());
    }

    #[test]
    fn explanations_state_ideas_and_every_lesson_asks_first() {
        // A measured figure belongs in the run's finding, never in the text beside it.
        let is_figure = |word: &str| {
            let digits = word.trim_matches(|c: char| !c.is_ascii_digit());
            word.contains('%') || (digits.contains('.') && digits.split('.').all(|p| !p.is_empty()))
        };
        for lesson in builtin_lessons() {
            let figures: Vec<&str> = lesson.explanation.split_whitespace().filter(|w| is_figure(w)).collect();
            assert!(figures.is_empty(), "{}: the explanation states {figures:?}", lesson.id);
            let paragraphs = lesson.explanation.split("\n\n").count();
            assert!((1..=3).contains(&paragraphs), "{}: {paragraphs} paragraphs", lesson.id);
            assert!(!lesson.question.is_empty() && (2..=4).contains(&lesson.answers.len()), "{}", lesson.id);
        }
        assert!(is_figure("0.714") && is_figure("(98%)") && is_figure("0.25,"));
        assert!(!is_figure("8x8") && !is_figure("1,000") && !is_figure("end."));
    }

    #[test]
    fn answers_are_checked_when_a_lesson_file_is_read() {
        let path = Path::new("mine.json");
        let mut lesson = serde_json::to_value(builtin_lesson("loss-surface").unwrap()).unwrap();
        lesson["answers"][0]["rule"] = serde_json::json!("sgd_final_loss = 1");
        let error = parse_lesson(path, &lesson.to_string()).unwrap_err().to_string();
        assert!(error.contains("'answers[1].rule'") && error.contains("'='"), "{error}");
        lesson["answers"] = serde_json::json!([{"text": "only one", "rule": "a > 1"}]);
        let error = parse_lesson(path, &lesson.to_string()).unwrap_err().to_string();
        assert!(error.contains("two to four"), "{error}");
    }

    #[test]
    fn a_lesson_round_trips_through_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mine.json");
        let mut lesson = builtin_lesson("feature-engineering").unwrap();
        lesson.title = "My circles".into();
        save_lesson(&lesson, &path).unwrap();
        assert_eq!(load_lesson(&path).unwrap(), lesson);
    }

    #[test]
    fn damaged_and_foreign_files_name_the_file_and_the_place() {
        let err = parse_lesson(Path::new("broken.json"), "{\n  \"id\": \"x\",\n  oops").unwrap_err();
        let text = err.to_string();
        assert!(text.starts_with("broken.json: is not valid JSON") && text.contains("line 3"), "{text}");
        let err = parse_lesson(Path::new("net.json"), r#"{"layers": []}"#).unwrap_err().to_string();
        assert!(err.contains("net.json: is not a Learnscope lesson") && err.contains("column"), "{err}");
    }

    #[test]
    fn a_run_reports_progress_and_stops_when_cancelled() {
        let lesson = builtin_lesson("feature-engineering").unwrap();
        let quick = RunOptions { quick: true, full: false };
        let err = run_lesson(&lesson, &quick, &|_, _| {}, &AtomicBool::new(true)).unwrap_err();
        assert_eq!(err, LessonError::Cancelled);
        let mut surface = builtin_lesson("loss-surface").unwrap();
        let steps = std::sync::Mutex::new(Vec::new());
        let report =
            run_lesson(&surface, &quick, &|f, _| steps.lock().unwrap().push(f), &AtomicBool::new(false))
                .unwrap();
        assert_eq!(report.lesson_id, "loss-surface");
        assert_eq!(steps.lock().unwrap().last(), Some(&1.0));
        surface.data.dataset = BuiltinDataset::Iris;
        let err = run_lesson(&surface, &quick, &|_, _| {}, &AtomicBool::new(false)).unwrap_err();
        assert!(err.to_string().contains("2-D data with two classes"), "{err}");
    }

    #[test]
    fn models_turn_into_configs_with_checked_params() {
        let model = LessonModel {
            model: "decision_tree".into(),
            params: [("max_depth".to_string(), serde_json::json!(3))].into(),
            ..Default::default()
        };
        assert_eq!(model.config(0).unwrap().kind, ModelKind::DecisionTree);
        assert_eq!(model.figure_name(), "decision_tree_accuracy");
        let bad = LessonModel { params: [("depth".to_string(), serde_json::json!(3))].into(), ..model };
        assert!(bad.config(0).is_err());
        let net = LessonModel { net: Some("dense(4) relu".into()), ..Default::default() };
        assert!(net.config(0).unwrap().network.is_some());
    }
}
