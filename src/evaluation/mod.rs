//! Experiments over whole models: fit on a split and score everything (per-class scores,
//! confusion matrix, clustering agreement), k-fold cross-validation, side-by-side comparison and
//! permutation importance. Works for every `ModelKind`, networks included (trained for a given
//! number of epochs).

pub mod effort;
pub mod learning_curve;

use web_time::Instant;

use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use serde::Serialize;

use crate::data::split::stratified_k_fold;
use crate::data::{DataError, Dataset, Split, Standardizer, Task};
use crate::metrics;
use crate::models::{Learner, ModelConfig, ModelError, ModelKind, Prediction, PreparedData};

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ExperimentError {
    #[error(transparent)]
    Data(#[from] DataError),
    #[error(transparent)]
    Model(#[from] ModelError),
    #[error("fold {fold} of {folds}: {error}")]
    Fold { fold: usize, folds: usize, error: ModelError },
}

pub use crate::training::prepare;
pub use crate::training::scores::{Scores, score};
pub use effort::{Effort, EffortFit, StopReason, fit_with_effort};
pub use learning_curve::{CurveModel, CurvePoint, CurveSettings, learning_curve};

/// A model fitted on the training rows of a split, with both halves prepared.
pub struct Fitted {
    pub learner: Box<dyn Learner>,
    pub train: PreparedData,
    pub test: PreparedData,
    pub scaler: Standardizer,
    pub kind: ModelKind,
    pub epochs: usize,
    /// Seconds spent in `train_epoch`, scoring excluded.
    pub train_seconds: f64,
}

impl Fitted {
    /// Scores on the held-out rows.
    pub fn test_scores(&self) -> Result<Scores, ModelError> {
        score(self.learner.as_ref(), self.kind, &self.test)
    }
}

/// Fits `config` on the split's training rows (standardization fitted on them only when `scale`),
/// `epochs` epochs for iterative models, one fit for the others.
pub fn fit_split(
    data: &Dataset,
    split: &Split,
    config: &ModelConfig,
    scale: bool,
    epochs: usize,
) -> Result<Fitted, ModelError> {
    let (mut unfitted, _) = prepare_fit(data, split, &[], config, scale)?;
    let start = Instant::now();
    let mut done = 0;
    for epoch in 0..epochs.max(1) {
        unfitted.learner.train_epoch(&unfitted.train, epoch)?;
        done += 1;
        if !unfitted.learner.is_iterative() {
            break;
        }
    }
    unfitted.epochs = done;
    unfitted.train_seconds = start.elapsed().as_secs_f64();
    Ok(unfitted)
}

/// A built, untrained model with its rows prepared: the split's training and test rows, plus
/// `extra` rows (a validation share) prepared with the same imputation and scaling, which are
/// fitted on the training rows only.
pub(crate) fn prepare_fit(
    data: &Dataset,
    split: &Split,
    extra: &[usize],
    config: &ModelConfig,
    scale: bool,
) -> Result<(Fitted, PreparedData), ModelError> {
    if data.n_features() == 0 {
        return Err(ModelError::Unsuitable("the data has no feature columns to learn from".into()));
    }
    if split.train.is_empty() || split.test.is_empty() {
        return Err(ModelError::Unsuitable("both the training and the test set need rows".into()));
    }
    // Missing cells take the training rows' means (per fold in cross-validation).
    let data = &*data.imputed_from(&split.train);
    let scaler = if scale && config.kind.standardizes() {
        Standardizer::fit(&data.subset(&split.train))
    } else {
        Standardizer::identity(data.n_features())
    };
    let train = prepare(data, &split.train, &scaler);
    let test = prepare(data, &split.test, &scaler);
    let extra = prepare(data, extra, &scaler);
    let learner = config.build_for(data.input_shape, data.n_features(), data.task(), data.class_count())?;
    Ok((Fitted { learner, train, test, scaler, kind: config.kind, epochs: 0, train_seconds: 0.0 }, extra))
}

/// Which score cross-validation reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CvMetric {
    Accuracy,
    R2,
    /// Adjusted Rand index, for clustering against class labels.
    Ari,
}

impl CvMetric {
    pub fn name(self) -> &'static str {
        match self {
            CvMetric::Accuracy => "accuracy",
            CvMetric::R2 => "r2",
            CvMetric::Ari => "ari",
        }
    }
}

/// Cross-validation results: one test score per fold, their mean and (population) spread.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CvReport {
    pub model: String,
    pub metric: CvMetric,
    pub scores: Vec<f64>,
    pub mean: f64,
    pub std: f64,
    /// Set when the folds could not all keep every class.
    pub warning: Option<String>,
}

/// Stratified k-fold cross-validation of `config` on `data`; standardization (when `scale`) is
/// fitted per fold on the training folds only.
pub fn cross_validate(
    data: &Dataset,
    config: &ModelConfig,
    folds: usize,
    seed: u64,
    scale: bool,
    epochs: usize,
) -> Result<CvReport, ExperimentError> {
    let metric = match (config.kind.is_clustering(), data.task()) {
        (true, Task::Classification) => CvMetric::Ari,
        (true, Task::Regression) => {
            return Err(ModelError::Unsuitable(
                "cross-validating a clustering compares clusters with class labels, but this target holds values".into(),
            )
            .into());
        }
        (false, Task::Classification) => CvMetric::Accuracy,
        (false, Task::Regression) => CvMetric::R2,
    };
    let splits = stratified_k_fold(data, folds, seed)?;
    let warning = splits.first().and_then(|s| s.warning.clone());
    let mut scores = Vec::with_capacity(folds);
    for (f, split) in splits.iter().enumerate() {
        let fold_error = |error: ModelError| ExperimentError::Fold { fold: f + 1, folds, error };
        let fitted = fit_split(data, split, config, scale, epochs).map_err(fold_error)?;
        let s = fitted.test_scores().map_err(fold_error)?;
        let value = match metric {
            CvMetric::Accuracy => s.accuracy,
            CvMetric::R2 => s.r2,
            CvMetric::Ari => s.ari,
        };
        scores.push(value.unwrap_or(f64::NAN));
    }
    let (mean, std) = mean_std(&scores);
    Ok(CvReport { model: config.kind.name().to_string(), metric, scores, mean, std, warning })
}

/// Mean and population standard deviation (numpy's default, as scikit-learn reports).
pub fn mean_std(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    (mean, (values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n).sqrt())
}

/// One model's line in a comparison.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CompareRow {
    pub model: String,
    pub train_seconds: f64,
    pub parameters: usize,
    pub scores: Scores,
}

/// Fits each configuration on the same split and scores it on the same test rows.
pub fn compare(
    data: &Dataset,
    configs: &[ModelConfig],
    split: &Split,
    scale: bool,
    epochs: usize,
) -> Result<Vec<CompareRow>, ModelError> {
    configs
        .iter()
        .map(|config| {
            let fitted = fit_split(data, split, config, scale, epochs)?;
            Ok(CompareRow {
                model: config.kind.name().to_string(),
                train_seconds: fitted.train_seconds,
                parameters: fitted.learner.parameter_count(),
                scores: fitted.test_scores()?,
            })
        })
        .collect()
}

/// How much the score drops when one feature's values are shuffled.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Importance {
    pub mean: f64,
    pub std: f64,
}

/// Permutation importance of every feature for any fitted model: the drop in accuracy (or R²)
/// on `data` when that feature's column is shuffled, over `repeats` shuffles.
pub fn permutation_importance(
    learner: &dyn Learner,
    data: &PreparedData,
    repeats: usize,
    seed: u64,
) -> Result<Vec<Importance>, ModelError> {
    let d = data.n_features;
    let rows = data.rows();
    let score_of = |features: &[f64]| -> Result<f64, ModelError> {
        Ok(match learner.predict(features, d)? {
            p @ Prediction::Probabilities { .. } => {
                metrics::accuracy(&p.classes().unwrap_or_default(), &data.labels())
            }
            Prediction::Values(v) => metrics::r2(&v, &data.targets),
        })
    };
    let baseline = score_of(&data.features)?;
    let mut rng = StdRng::seed_from_u64(seed);
    let mut order: Vec<usize> = (0..rows).collect();
    let mut shuffled = data.features.clone();
    let mut result = Vec::with_capacity(d);
    for f in 0..d {
        let mut drops = Vec::with_capacity(repeats.max(1));
        for _ in 0..repeats.max(1) {
            order.shuffle(&mut rng);
            for (i, &from) in order.iter().enumerate() {
                shuffled[i * d + f] = data.features[from * d + f];
            }
            drops.push(baseline - score_of(&shuffled)?);
        }
        for i in 0..rows {
            shuffled[i * d + f] = data.features[i * d + f];
        }
        let (mean, std) = mean_std(&drops);
        result.push(Importance { mean, std });
    }
    Ok(result)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use super::*;
    use crate::data::{BuiltinDataset, GeneratorSettings, Target, stratified_split};
    use crate::models::params::ParamValue;
    use crate::training::{GridSpec, GridValues, TrainEvent, TrainJob, TrainingWorker, WorkerCommand};

    fn blobs() -> Dataset {
        BuiltinDataset::Blobs.generate(&GeneratorSettings { samples: 150, classes: 3, ..Default::default() })
    }

    fn config(kind: ModelKind) -> ModelConfig {
        ModelConfig { kind, ..Default::default() }
    }

    #[test]
    fn cross_validation_scores_each_fold() {
        let data = blobs();
        let report = cross_validate(&data, &config(ModelKind::Knn), 5, 0, true, 1).unwrap();
        assert_eq!(report.scores.len(), 5);
        assert!(report.mean > 0.85, "{report:?}");
        assert!(report.std >= 0.0 && report.std < 0.2);
        assert_eq!(report.metric, CvMetric::Accuracy);
        let err = cross_validate(&data, &config(ModelKind::Knn), 1, 0, true, 1).unwrap_err();
        assert!(err.to_string().contains("between 2 and 150"), "{err}");
    }

    #[test]
    fn cross_validation_works_for_a_network_too() {
        let data = blobs();
        let report = cross_validate(&data, &config(ModelKind::Mlp), 3, 0, true, 30).unwrap();
        assert!(report.mean > 0.7, "{report:?}");
    }

    #[test]
    fn missing_cells_take_the_training_rows_mean_never_the_test_rows() {
        // Row 4 (a test row) holds 1000 in feature a; rows 1 and 3 were missing a.
        let mut data = Dataset::new(
            "gaps",
            vec!["a".into(), "b".into()],
            vec![1.0, 0.0, 0.0, 1.0, 3.0, 0.0, 0.0, 1.0, 1000.0, 0.0, 5.0, 1.0],
            Target::Classes { labels: vec![0, 1, 0, 1, 0, 1], class_names: vec!["x".into(), "y".into()] },
            "c",
        )
        .unwrap();
        data.imputed = vec![2, 6];
        let split = Split { train: vec![0, 1, 2, 3, 5], test: vec![4], warning: None };
        let fitted = fit_split(&data, &split, &config(ModelKind::NaiveBayes), false, 1).unwrap();
        // Training rows' a: 1, 3, 5 → mean 3; the test row's 1000 is not counted.
        let a: Vec<f64> = fitted.train.features.iter().step_by(2).copied().collect();
        assert_eq!(a, vec![1.0, 3.0, 3.0, 3.0, 5.0]);
        assert_eq!(fitted.test.features, vec![1000.0, 0.0]);
    }

    #[test]
    fn clustering_scores_agreement_and_inertia() {
        let data = blobs();
        let split = stratified_split(&data, 0.2, 0).unwrap();
        let mut c = config(ModelKind::KMeans);
        c.params.insert("n_clusters".into(), ParamValue::Int(3));
        let scores = fit_split(&data, &split, &c, true, 1).unwrap().test_scores().unwrap();
        assert!(scores.ari.unwrap() > 0.6, "{scores:?}");
        assert!(scores.inertia.unwrap() > 0.0 && scores.accuracy.is_none());
    }

    #[test]
    fn compare_scores_every_model_on_the_same_rows() {
        let data = blobs();
        let split = stratified_split(&data, 0.2, 0).unwrap();
        let configs: Vec<ModelConfig> = [ModelKind::DecisionTree, ModelKind::NaiveBayes, ModelKind::Svm]
            .into_iter()
            .map(config)
            .collect();
        let rows = compare(&data, &configs, &split, true, 1).unwrap();
        assert_eq!(rows.len(), 3);
        for row in &rows {
            let confusion = row.scores.confusion_matrix.as_ref().unwrap();
            assert_eq!(confusion.iter().flatten().sum::<usize>(), split.test.len());
            assert!(row.scores.accuracy.unwrap() > 0.8, "{row:?}");
        }
    }

    #[test]
    fn permutation_importance_finds_the_useful_feature() {
        // Only feature 0 decides the class; feature 1 is noise.
        let features: Vec<f64> =
            (0..60).flat_map(|i| [(i % 2) as f64 * 2.0 - 1.0, ((i * 7) % 11) as f64 / 11.0]).collect();
        let targets: Vec<f64> = (0..60).map(|i| (i % 2) as f64).collect();
        let data = PreparedData { features, n_features: 2, targets, task: Task::Classification, classes: 2 };
        let mut tree = config(ModelKind::DecisionTree).build(2, Task::Classification, 2).unwrap();
        tree.train_epoch(&data, 0).unwrap();
        let imp = permutation_importance(tree.as_ref(), &data, 5, 0).unwrap();
        assert!(imp[0].mean > 0.3 && imp[1].mean.abs() < 1e-9, "{imp:?}");
    }

    /// Every classical kind trains on the background worker as the studio drives it, and sends a grid.
    #[test]
    fn every_classical_kind_runs_on_the_worker_with_a_grid() {
        let data = blobs();
        let regression =
            BuiltinDataset::Plane.generate(&GeneratorSettings { samples: 80, ..Default::default() });
        for kind in ModelKind::ALL.into_iter().filter(|k| !k.is_network()) {
            let data = if matches!(kind, ModelKind::LinearRegression | ModelKind::Ridge | ModelKind::Lasso) {
                regression.clone()
            } else {
                data.clone()
            };
            let mut model = config(kind);
            if kind == ModelKind::RandomForest {
                model.params.insert("n_estimators".into(), ParamValue::Int(10));
            }
            let job = TrainJob {
                split: stratified_split(&data, 0.2, 0).unwrap(),
                grid: GridSpec::around(&data, 8),
                dataset: Arc::new(data),
                model,
                scale: true,
                max_epochs: Some(1),
            };
            let worker = TrainingWorker::spawn(job, Arc::new(|| {}));
            worker.send(WorkerCommand::Play);
            let mut grid = None;
            let mut finished = false;
            while let Some(event) = worker.recv_timeout(Duration::from_secs(10)) {
                match event {
                    TrainEvent::Grid(g) => grid = Some(g),
                    TrainEvent::Finished { .. } => finished = true,
                    TrainEvent::Failed(e) => panic!("{}: {e}", kind.name()),
                    _ => {}
                }
                if finished && grid.is_some() {
                    break;
                }
            }
            assert!(finished, "{} did not finish", kind.name());
            let grid = grid.unwrap_or_else(|| panic!("{} sent no grid", kind.name()));
            match &grid.values {
                GridValues::Classes { confidence, .. } => {
                    assert!(confidence.iter().all(|c| (0.0..=1.0001).contains(c)), "{}", kind.name())
                }
                GridValues::Values(v) => assert!(v.iter().all(|x| x.is_finite()), "{}", kind.name()),
            }
        }
    }
}
