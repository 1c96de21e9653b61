//! Learning curves: test accuracy against training-set size, over several seeds. Per seed the
//! test set is fixed; the training subsets grow (stratified) inside that seed's training part, so
//! every point of one seed is scored on the same held-out rows.

use std::sync::atomic::{AtomicBool, Ordering};

use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use serde::Serialize;

use super::effort::{Effort, EffortError, StopReason, fit_with_effort};
use crate::data::{DataError, Dataset, Split, Target, stratified_split};
use crate::models::{ModelConfig, ModelError};

/// One model on the curve: how it is shown and built.
#[derive(Clone, Debug, PartialEq)]
pub struct CurveModel {
    /// The name in tables and in the JSON's `model` key (a kind name or a network's spec text).
    pub label: String,
    pub config: ModelConfig,
    /// How long a network trains at each size; one-shot models ignore it.
    pub effort: Effort,
}

/// What to measure.
#[derive(Clone, Debug, PartialEq)]
pub struct CurveSettings {
    /// Training-set sizes, in rows.
    pub sizes: Vec<usize>,
    /// Seeds `base_seed .. base_seed + seeds`: each draws its own split, subsets and weights.
    pub seeds: usize,
    pub base_seed: u64,
    pub test_fraction: f64,
    /// Standardize features, fitted on each subset's training rows only.
    pub scale: bool,
    /// Keep the base seed's split and subsets for every seed, so only the models' own randomness
    /// (a network's starting weights) differs between seeds: seed variance alone.
    pub fixed_split: bool,
}

/// One measurement: one model trained on `train_size` rows with one seed.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CurvePoint {
    pub model: String,
    pub train_size: usize,
    pub seed: u64,
    pub test_accuracy: f64,
    pub train_seconds: f64,
    /// Optimizer steps this point took (networks).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gradient_steps: Option<usize>,
    pub stop_reason: StopReason,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum CurveError {
    #[error(transparent)]
    Data(#[from] DataError),
    /// Bad settings (a size too large or too small, no models, no seeds); the message says which.
    #[error("{0}")]
    Settings(String),
    #[error("{model} on {size} rows (seed {seed}): {error}")]
    Model { model: String, size: usize, seed: u64, error: ModelError },
    #[error("the learning curve was cancelled")]
    Cancelled,
}

/// Trains every model on every size for every seed and scores it on that seed's test set.
/// `progress(fraction, what)` is called before each fit, `measured(points so far)` after each
/// (a chart fills in live); `cancel` is checked between fits and between a network's epochs.
pub fn learning_curve(
    data: &Dataset,
    models: &[CurveModel],
    settings: &CurveSettings,
    progress: &dyn Fn(f32, &str),
    measured: &dyn Fn(&[CurvePoint]),
    cancel: &AtomicBool,
) -> Result<Vec<CurvePoint>, CurveError> {
    let Target::Classes { class_names, .. } = &data.target else {
        return Err(CurveError::Settings(
            "a learning curve plots test accuracy, so it needs a class target, but this one holds values"
                .into(),
        ));
    };
    if models.is_empty() {
        return Err(CurveError::Settings("give at least one model (--models or --net)".into()));
    }
    if settings.seeds == 0 {
        return Err(CurveError::Settings("--seeds must be at least 1".into()));
    }
    if settings.sizes.is_empty() {
        return Err(CurveError::Settings("give at least one training-set size (--sizes 50,100,200)".into()));
    }
    let classes = class_names.len();
    let total = models.len() * settings.sizes.len() * settings.seeds;
    let mut points = Vec::with_capacity(total);
    for s in 0..settings.seeds {
        let seed = settings.base_seed + s as u64;
        let data_seed = if settings.fixed_split { settings.base_seed } else { seed };
        let split = stratified_split(data, settings.test_fraction, data_seed)?;
        check_sizes(&settings.sizes, split.train.len(), classes)?;
        let order = stratified_order(data, &split.train, data_seed);
        for &size in &settings.sizes {
            let subset =
                Split { train: take_stratified(&order, size), test: split.test.clone(), warning: None };
            for model in models {
                if cancel.load(Ordering::Relaxed) {
                    return Err(CurveError::Cancelled);
                }
                progress(
                    points.len() as f32 / total as f32,
                    &format!("{} on {size} rows, seed {seed}", model.label),
                );
                let config = ModelConfig { seed, ..model.config.clone() };
                let fail = |error| CurveError::Model { model: model.label.clone(), size, seed, error };
                let fit = fit_with_effort(data, &subset, &config, settings.scale, model.effort, seed, cancel)
                    .map_err(|e| match e {
                        EffortError::Cancelled => CurveError::Cancelled,
                        EffortError::Model(error) => fail(error),
                    })?;
                let scores = fit.fitted.test_scores().map_err(fail)?;
                points.push(CurvePoint {
                    model: model.label.clone(),
                    train_size: size,
                    seed,
                    test_accuracy: scores.accuracy.unwrap_or(f64::NAN),
                    train_seconds: fit.fitted.train_seconds,
                    gradient_steps: fit.steps,
                    stop_reason: fit.stop,
                });
                measured(&points);
            }
        }
    }
    progress(1.0, "done");
    Ok(points)
}

fn check_sizes(sizes: &[usize], train_rows: usize, classes: usize) -> Result<(), CurveError> {
    if let Some(&big) = sizes.iter().find(|&&n| n > train_rows) {
        return Err(CurveError::Settings(format!(
            "training-set size {big} is larger than the training part of the data ({train_rows} rows after holding out the test set); use sizes up to {train_rows}, or more --samples for generated data"
        )));
    }
    if let Some(&small) = sizes.iter().find(|&&n| n < classes.max(2)) {
        return Err(CurveError::Settings(format!(
            "training-set size {small} is too small: every size needs at least one row per class ({} classes)",
            classes
        )));
    }
    Ok(())
}

/// The training rows of each class, shuffled with the seed.
fn stratified_order(data: &Dataset, train: &[usize], seed: u64) -> Vec<Vec<usize>> {
    let mut rng = StdRng::seed_from_u64(seed ^ 0x9e37_79b9_7f4a_7c15);
    let mut by_class = vec![Vec::new(); data.class_count()];
    if let Some(labels) = data.labels() {
        for &i in train {
            by_class[labels[i] as usize].push(i);
        }
    }
    for members in &mut by_class {
        members.sort_unstable();
        members.shuffle(&mut rng);
    }
    by_class.retain(|m| !m.is_empty());
    by_class
}

/// `size` rows keeping each class's share (largest remainders), at least one row per class, so
/// a larger size's rows include a smaller one's in each class.
pub fn take_stratified(by_class: &[Vec<usize>], size: usize) -> Vec<usize> {
    let total: usize = by_class.iter().map(Vec::len).sum();
    let size = size.min(total);
    let exact: Vec<f64> =
        by_class.iter().map(|m| m.len() as f64 * size as f64 / total.max(1) as f64).collect();
    let mut quota: Vec<usize> =
        exact.iter().zip(by_class).map(|(e, m)| (e.floor() as usize).clamp(1, m.len())).collect();
    let mut order: Vec<usize> = (0..by_class.len()).collect();
    order.sort_by(|&a, &b| (exact[b] - exact[b].floor()).total_cmp(&(exact[a] - exact[a].floor())));
    let mut taken: usize = quota.iter().sum();
    // Hand out the rest by largest remainder, then trim from the largest classes if the minimum
    // of one row per class overshot.
    let mut i = 0;
    while taken < size && i < order.len() * 4 {
        let c = order[i % order.len()];
        if quota[c] < by_class[c].len() {
            quota[c] += 1;
            taken += 1;
        }
        i += 1;
    }
    while taken > size {
        let Some(c) = (0..quota.len()).filter(|&c| quota[c] > 1).max_by_key(|&c| quota[c]) else { break };
        quota[c] -= 1;
        taken -= 1;
    }
    let mut rows: Vec<usize> =
        by_class.iter().zip(&quota).flat_map(|(m, &q)| m[..q].iter().copied()).collect();
    rows.sort_unstable();
    rows
}

/// Mean, lowest and highest test accuracy per (model, size), in first-seen model order and
/// increasing size: what a chart with spread bands draws.
pub fn summarize(points: &[CurvePoint]) -> Vec<CurveSummary> {
    let mut out: Vec<CurveSummary> = Vec::new();
    for p in points {
        let entry = match out.iter_mut().position(|s| s.model == p.model && s.train_size == p.train_size) {
            Some(i) => &mut out[i],
            None => {
                out.push(CurveSummary {
                    model: p.model.clone(),
                    train_size: p.train_size,
                    mean: 0.0,
                    low: f64::INFINITY,
                    high: f64::NEG_INFINITY,
                    runs: 0,
                    mean_seconds: 0.0,
                    mean_steps: None,
                    stops: Vec::new(),
                });
                out.last_mut().expect("just pushed")
            }
        };
        entry.runs += 1;
        entry.mean += p.test_accuracy;
        entry.mean_seconds += p.train_seconds;
        entry.low = entry.low.min(p.test_accuracy);
        entry.high = entry.high.max(p.test_accuracy);
        if let Some(steps) = p.gradient_steps {
            *entry.mean_steps.get_or_insert(0.0) += steps as f64;
        }
        match entry.stops.iter_mut().find(|(reason, _)| *reason == p.stop_reason) {
            Some((_, count)) => *count += 1,
            None => entry.stops.push((p.stop_reason, 1)),
        }
    }
    for s in &mut out {
        s.mean /= s.runs as f64;
        s.mean_seconds /= s.runs as f64;
        s.mean_steps = s.mean_steps.map(|total| total / s.runs as f64);
    }
    let model_order: Vec<String> = out.iter().fold(Vec::new(), |mut names, s| {
        if !names.contains(&s.model) {
            names.push(s.model.clone());
        }
        names
    });
    out.sort_by_key(|s| (model_order.iter().position(|m| *m == s.model), s.train_size));
    out
}

/// One model at one size, over all seeds.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CurveSummary {
    pub model: String,
    pub train_size: usize,
    pub mean: f64,
    pub low: f64,
    pub high: f64,
    pub runs: usize,
    pub mean_seconds: f64,
    /// Mean optimizer steps over the seeds (networks).
    pub mean_steps: Option<f64>,
    /// Why the runs stopped, with how many runs stopped for each reason.
    pub stops: Vec<(StopReason, usize)>,
}

impl CurveSummary {
    /// "early stopping" or "early stopping 2, step cap 1".
    pub fn stops_text(&self) -> String {
        match self.stops.as_slice() {
            [(reason, _)] => reason.name().to_string(),
            many => many.iter().map(|(r, n)| format!("{} {n}", r.name())).collect::<Vec<_>>().join(", "),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{BuiltinDataset, GeneratorSettings};
    use crate::models::ModelKind;

    fn moons() -> Dataset {
        BuiltinDataset::Moons.generate(&GeneratorSettings { samples: 200, ..Default::default() })
    }

    fn settings(sizes: Vec<usize>) -> CurveSettings {
        CurveSettings { sizes, seeds: 2, base_seed: 0, test_fraction: 0.25, scale: true, fixed_split: false }
    }

    fn model(kind: ModelKind) -> CurveModel {
        CurveModel {
            label: kind.name().into(),
            config: ModelConfig { kind, ..Default::default() },
            effort: Effort::Epochs(30),
        }
    }

    #[test]
    fn stratified_subsets_have_the_exact_size_and_every_class() {
        let by_class = vec![(0..30).collect::<Vec<_>>(), (30..40).collect(), (40..100).collect()];
        for size in [3, 7, 10, 33, 99, 100] {
            let rows = take_stratified(&by_class, size);
            assert_eq!(rows.len(), size);
            for class in &by_class {
                assert!(rows.iter().any(|r| class.contains(r)), "size {size} misses a class");
            }
        }
        let small = take_stratified(&by_class, 20);
        let large = take_stratified(&by_class, 50);
        assert!(small.iter().all(|r| large.contains(r)), "subsets grow by adding rows");
    }

    #[test]
    fn every_model_size_and_seed_gets_a_point_and_more_data_helps() {
        let data = moons();
        let models = [model(ModelKind::DecisionTree), model(ModelKind::Knn)];
        let calls = std::cell::Cell::new(0);
        let points = learning_curve(
            &data,
            &models,
            &settings(vec![10, 150]),
            &|_, _| calls.set(calls.get() + 1),
            &|_| {},
            &AtomicBool::new(false),
        )
        .unwrap();
        assert_eq!(points.len(), 2 * 2 * 2);
        assert!(calls.get() >= 8);
        let summary = summarize(&points);
        assert_eq!(summary.len(), 4);
        assert_eq!((summary[0].model.as_str(), summary[0].train_size), ("decision_tree", 10));
        for m in ["decision_tree", "knn"] {
            let at = |n| summary.iter().find(|s| s.model == m && s.train_size == n).unwrap().mean;
            assert!(at(150) > at(10), "{m}: {summary:?}");
        }
    }

    #[test]
    fn a_fixed_split_leaves_only_the_network_to_vary() {
        let data = moons();
        let net = CurveModel {
            label: "net".into(),
            config: ModelConfig { hidden_layers: vec![4], ..Default::default() },
            effort: Effort::Epochs(3),
        };
        let models = [model(ModelKind::LogisticRegression), net];
        let settings = CurveSettings { fixed_split: true, seeds: 3, ..settings(vec![40]) };
        let points =
            learning_curve(&data, &models, &settings, &|_, _| {}, &|_| {}, &AtomicBool::new(false)).unwrap();
        let summary = summarize(&points);
        assert_eq!(summary[0].low, summary[0].high, "logistic regression is deterministic: {summary:?}");
        assert!(summary[1].high > summary[1].low, "the network's seeds differ: {summary:?}");
    }

    #[test]
    fn sizes_are_checked_and_cancelling_stops() {
        let data = moons();
        let models = [model(ModelKind::Knn)];
        let none = AtomicBool::new(false);
        let err =
            learning_curve(&data, &models, &settings(vec![500]), &|_, _| {}, &|_| {}, &none).unwrap_err();
        assert!(err.to_string().contains("larger than the training part") && err.to_string().contains("150"));
        let err = learning_curve(&data, &models, &settings(vec![1]), &|_, _| {}, &|_| {}, &none).unwrap_err();
        assert!(err.to_string().contains("at least one row per class"), "{err}");
        let err =
            learning_curve(&data, &models, &settings(vec![50]), &|_, _| {}, &|_| {}, &AtomicBool::new(true));
        assert_eq!(err.unwrap_err(), CurveError::Cancelled);
    }
}
