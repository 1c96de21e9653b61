//! The duel: a classical model and a network trained on the SAME split, measured the same way
//! (accuracy, F1, fit time, prediction time per 1,000 rows, parameters, device), with their
//! decision grids over the same plane so a view can draw the two boundaries side by side.
//!
//! For the studio: call [`duel`] on a background thread (it can take seconds), pass a progress
//! callback and an `AtomicBool` cancel flag, then show [`Duel::table`] and `Duel::grids`.
//! [`measure`] is the same measurement for any one model (the cost lesson uses it).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use web_time::Instant;

use serde::{Deserialize, Serialize};

use super::{LessonError, ReportTable};
use crate::data::{Dataset, Split};
use crate::models::{Learner, ModelConfig};
use crate::training::{DecisionGrid, GridSpec, TrainJob, TrainingSession};

/// One contender of a duel (or one row of a cost table).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Contender {
    /// The name in the table.
    pub label: String,
    pub config: ModelConfig,
    /// Epochs for a network; one-shot models ignore it.
    pub epochs: usize,
}

/// One model's line in the duel table.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DuelRow {
    pub label: String,
    /// The kind's name (`mlp` for every network).
    pub model: String,
    pub accuracy: f64,
    /// Macro-averaged F1 over the classes of the test set.
    pub f1: f64,
    pub fit_seconds: f64,
    /// Milliseconds to predict 1,000 rows (the test rows repeated as needed).
    pub predict_ms_per_1000: f64,
    pub parameters: usize,
    /// `cpu` or `cuda`.
    pub device: String,
}

/// The outcome of a duel: one row and one decision grid (when a grid was asked for) per contender.
pub struct Duel {
    pub rows: Vec<DuelRow>,
    pub grids: Vec<Option<DecisionGrid>>,
}

impl Duel {
    /// The rows as a report table (cells formatted for reading).
    pub fn table(&self, title: &str) -> ReportTable {
        rows_table(title, &self.rows)
    }
}

/// The columns of a duel or cost table.
pub fn rows_table(title: &str, rows: &[DuelRow]) -> ReportTable {
    ReportTable {
        title: title.to_string(),
        columns: ["model", "accuracy", "F1", "fit s", "predict ms / 1,000 rows", "parameters", "device"]
            .map(String::from)
            .to_vec(),
        rows: rows
            .iter()
            .map(|r| {
                vec![
                    r.label.clone(),
                    format!("{:.3}", r.accuracy),
                    format!("{:.3}", r.f1),
                    format!("{:.3}", r.fit_seconds),
                    format!("{:.2}", r.predict_ms_per_1000),
                    r.parameters.to_string(),
                    r.device.clone(),
                ]
            })
            .collect(),
    }
}

/// Trains a classical model and a network (or any two or more contenders) on the same split and
/// measures each; `grid` evaluates every model over the same plane for side-by-side boundaries.
pub fn duel(
    data: &Arc<Dataset>,
    split: &Split,
    contenders: &[Contender],
    scale: bool,
    grid: Option<&GridSpec>,
    progress: &dyn Fn(f32, &str),
    cancel: &AtomicBool,
) -> Result<Duel, LessonError> {
    let mut rows = Vec::new();
    let mut grids = Vec::new();
    for (i, contender) in contenders.iter().enumerate() {
        progress(i as f32 / contenders.len().max(1) as f32, &format!("training {}", contender.label));
        let mut measured = measure(data, split, contender, scale, cancel)?;
        grids.push(match grid {
            Some(spec) => Some(
                measured
                    .session
                    .decision_grid(spec)
                    .map_err(|error| LessonError::Model { model: contender.label.clone(), error })?,
            ),
            None => None,
        });
        rows.push(measured.row);
    }
    Ok(Duel { rows, grids })
}

/// A trained model, its table row, and the session that holds it (for views and explanations).
pub struct Measured {
    pub row: DuelRow,
    pub session: TrainingSession,
}

/// Trains one contender on the split (epoch by epoch, so `cancel` stops a network mid-way) and
/// measures it on the test rows.
pub fn measure(
    data: &Arc<Dataset>,
    split: &Split,
    contender: &Contender,
    scale: bool,
    cancel: &AtomicBool,
) -> Result<Measured, LessonError> {
    let fail = |error| LessonError::Model { model: contender.label.clone(), error };
    let job = TrainJob {
        dataset: Arc::clone(data),
        split: split.clone(),
        model: contender.config.clone(),
        scale,
        max_epochs: Some(contender.epochs.max(1)),
        grid: None,
    };
    let mut session = TrainingSession::new(&job).map_err(fail)?;
    while !session.is_finished() {
        if cancel.load(Ordering::Relaxed) {
            return Err(LessonError::Cancelled);
        }
        session.train_only().map_err(fail)?;
    }
    let evaluation = session.test_evaluation().map_err(fail)?;
    let f1 = session
        .test_scores()
        .map_err(fail)?
        .and_then(|s| s.confusion_matrix)
        .map(|confusion| crate::metrics::macro_f1(&confusion))
        .unwrap_or(f64::NAN);
    let test = crate::training::prepare(&data.imputed_from(&split.train), &split.test, session.scaler());
    let predict_ms_per_1000 =
        predict_time_per_1000(session.learner(), &test.features, test.n_features).map_err(fail)?;
    let device = match session.network() {
        Some(net) if net.device().is_cuda() => "cuda",
        _ => "cpu",
    };
    let row = DuelRow {
        label: contender.label.clone(),
        model: contender.config.kind.name().to_string(),
        accuracy: evaluation.accuracy.unwrap_or(f64::NAN),
        f1,
        fit_seconds: session.train_seconds(),
        predict_ms_per_1000,
        parameters: session.learner().parameter_count(),
        device: device.to_string(),
    };
    Ok(Measured { row, session })
}

/// Milliseconds to predict 1,000 rows: the rows repeated up to 1,000, best of three runs.
pub fn predict_time_per_1000(
    learner: &dyn Learner,
    features: &[f64],
    n_features: usize,
) -> Result<f64, crate::models::ModelError> {
    let rows = features.len() / n_features.max(1);
    if rows == 0 {
        return Ok(f64::NAN);
    }
    let mut batch = Vec::with_capacity(1000 * n_features);
    while batch.len() < 1000 * n_features {
        batch.extend_from_slice(features);
    }
    batch.truncate(1000 * n_features);
    let mut best = f64::INFINITY;
    for _ in 0..3 {
        let start = Instant::now();
        learner.predict(&batch, n_features)?;
        best = best.min(start.elapsed().as_secs_f64() * 1000.0);
    }
    Ok(best)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{BuiltinDataset, GeneratorSettings, stratified_split};
    use crate::models::ModelKind;

    #[test]
    fn a_duel_measures_both_models_on_the_same_rows() {
        let data = Arc::new(
            BuiltinDataset::Moons.generate(&GeneratorSettings { samples: 200, ..Default::default() }),
        );
        let split = stratified_split(&data, 0.25, 0).unwrap();
        let contenders = [
            Contender {
                label: "logistic regression".into(),
                config: ModelConfig { kind: ModelKind::LogisticRegression, ..Default::default() },
                epochs: 1,
            },
            Contender { label: "MLP 8-8".into(), config: ModelConfig::default(), epochs: 60 },
        ];
        let grid = GridSpec::around(&data, 10).unwrap();
        let duel =
            duel(&data, &split, &contenders, true, Some(&grid), &|_, _| {}, &AtomicBool::new(false)).unwrap();
        assert_eq!(duel.rows.len(), 2);
        assert!(duel.grids.iter().all(|g| g.is_some()));
        let (linear, net) = (&duel.rows[0], &duel.rows[1]);
        assert!(net.parameters > linear.parameters && net.device == "cpu");
        assert!(net.accuracy > linear.accuracy, "{net:?} vs {linear:?}");
        assert!(linear.predict_ms_per_1000 >= 0.0 && (0.0..=1.0).contains(&linear.f1));
        let table = duel.table("Duel");
        assert_eq!(table.rows.len(), 2);
        assert_eq!(table.columns[1], "accuracy");
        let cancelled = AtomicBool::new(true);
        assert!(matches!(
            measure(&data, &split, &contenders[1], true, &cancelled),
            Err(LessonError::Cancelled)
        ));
    }
}
