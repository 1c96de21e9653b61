//! Each experiment kind, measured and written up as a `LessonReport`: one file per difference
//! between classical machine learning and deep learning, and the helpers they share here.

mod comparison;
mod cost;
mod data_dependency;
mod explain;
mod optimization;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::data::{Dataset, Split, add_features, stratified_split};
use crate::lessons::duel::{Contender, Measured, measure};
use crate::lessons::{
    Experiment, Figure, Lesson, LessonData, LessonError, LessonModel, LessonReport, RunOptions,
};
use comparison::comparison;
use cost::cost;
use data_dependency::curve;
pub use data_dependency::curve_report;
use explain::explain;
use optimization::{cross_validation, epochs_to_loss, gradient_flow, loss_surface};

pub(super) type Progress<'a> = &'a dyn Fn(f32, &str);

pub fn run(
    lesson: &Lesson,
    options: &RunOptions,
    progress: Progress<'_>,
    partial: &dyn Fn(&LessonReport),
    cancel: &AtomicBool,
) -> Result<LessonReport, LessonError> {
    let quick = options.quick;
    match &lesson.experiment {
        Experiment::LearningCurve { .. } => curve(lesson, options, progress, partial, cancel),
        Experiment::Comparison { parts } => comparison(&lesson.data, parts, quick, progress, cancel),
        Experiment::Cost { models } => cost(&lesson.data, models, quick, progress, cancel),
        Experiment::Explain { tree, network, point } => {
            explain(&lesson.data, tree, network, *point, quick, progress, cancel)
        }
        Experiment::LossSurface { learning_rate, steps, start, span, resolution } => {
            loss_surface(&lesson.data, *learning_rate, *steps, *start, *span, *resolution, quick)
        }
        Experiment::CrossValidation { models, folds } => {
            cross_validation(&lesson.data, models, *folds, quick, progress, cancel)
        }
        Experiment::EpochsToLoss { models, target_loss } => {
            epochs_to_loss(&lesson.data, models, *target_loss, quick, progress, cancel)
        }
        Experiment::GradientFlow { models } => gradient_flow(&lesson.data, models, quick, progress, cancel),
    }
}

pub(super) fn figure(name: impl Into<String>, value: f64) -> Figure {
    Figure { name: name.into(), value }
}

pub(super) fn split_of(data: &Dataset, settings: &LessonData) -> Result<Split, LessonError> {
    stratified_split(data, settings.test_fraction, settings.seed)
        .map_err(|e| LessonError::Invalid(e.to_string()))
}

/// The identifier a model's figures start with ("logistic_regression", "mlp_raw").
pub(super) fn slug(model: &LessonModel) -> String {
    let name = model.figure_name();
    name.strip_suffix("_accuracy").unwrap_or(&name).to_string()
}

pub(super) fn contender(model: &LessonModel, seed: u64, quick: bool) -> Result<Contender, LessonError> {
    Ok(Contender { label: model.label(), config: model.config(seed)?, epochs: model.epochs(quick) })
}

/// Trains one lesson model on its own copy of the data (with its engineered features) and the
/// lesson's split.
pub(super) fn measure_model(
    data: &Dataset,
    settings: &LessonData,
    model: &LessonModel,
    quick: bool,
    cancel: &AtomicBool,
) -> Result<(Measured, Arc<Dataset>, Split), LessonError> {
    let data = Arc::new(
        add_features(data, &model.features)
            .map_err(|e| LessonError::Invalid(format!("{}: {e}", model.label())))?,
    );
    let split = split_of(&data, settings)?;
    let measured = measure(&data, &split, &contender(model, settings.seed, quick)?, settings.scale, cancel)?;
    Ok((measured, data, split))
}

pub(super) fn check_cancel(cancel: &AtomicBool) -> Result<(), LessonError> {
    if cancel.load(Ordering::Relaxed) { Err(LessonError::Cancelled) } else { Ok(()) }
}
