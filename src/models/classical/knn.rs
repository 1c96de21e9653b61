//! k-nearest neighbours by brute force, exact like scikit-learn's `algorithm='brute'`. Not
//! smartcore's: same accuracy on the digits (0.973) but 5× slower to fit and predict there, and
//! the boundary plot predicts a whole grid each time (`learnscope smartcore-parity`).

use crate::data::Task;
use crate::models::insight::ModelInsight;
use crate::models::learner::{
    Learner, ModelError, Prediction, PreparedData, check_features, check_width, not_fitted, require_classes,
};

/// k-nearest neighbours by brute force (exact, like scikit-learn's `algorithm='brute'`):
/// a class vote share per class, or the neighbours' mean value.
pub struct KnnModel {
    task: Task,
    classes: usize,
    k: usize,
    by_distance: bool,
    train: Option<PreparedData>,
}

impl KnnModel {
    pub fn new(task: Task, classes: usize, k: usize, by_distance: bool) -> Self {
        Self { task, classes, k, by_distance, train: None }
    }

    /// The `k` nearest training rows of `row` with their distances, nearest first.
    fn neighbours(&self, train: &PreparedData, row: &[f64], scratch: &mut Vec<(f64, u32)>) -> usize {
        scratch.clear();
        scratch.extend(
            train
                .features
                .chunks_exact(train.n_features)
                .enumerate()
                .map(|(i, t)| (t.iter().zip(row).map(|(a, b)| (a - b) * (a - b)).sum::<f64>(), i as u32)),
        );
        let k = self.k.min(scratch.len());
        if k < scratch.len() {
            scratch.select_nth_unstable_by(k - 1, |a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        }
        scratch[..k].sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        k
    }

    /// Neighbour weights: 1 each, or 1/distance (only the exact matches when one is at distance 0).
    fn weights(&self, near: &[(f64, u32)], out: &mut Vec<f64>) {
        out.clear();
        if !self.by_distance {
            out.extend(near.iter().map(|_| 1.0));
        } else if near.iter().any(|n| n.0 == 0.0) {
            out.extend(near.iter().map(|n| if n.0 == 0.0 { 1.0 } else { 0.0 }));
        } else {
            out.extend(near.iter().map(|n| 1.0 / n.0.sqrt()));
        }
    }
}

impl Learner for KnnModel {
    fn train_epoch(&mut self, train: &PreparedData, _epoch: usize) -> Result<(), ModelError> {
        if self.train.is_some() {
            return Ok(());
        }
        match self.task {
            Task::Classification => {
                require_classes(train)?;
            }
            Task::Regression => check_features(train)?,
        }
        if self.k > train.rows() {
            return Err(ModelError::Unsuitable(format!(
                "kNN asks for {} neighbours but there are only {} training rows: lower n_neighbors",
                self.k,
                train.rows()
            )));
        }
        self.train = Some(train.clone());
        Ok(())
    }

    fn predict(&self, features: &[f64], n_features: usize) -> Result<Prediction, ModelError> {
        let train = self.train.as_ref().ok_or_else(not_fitted)?;
        let rows = check_width(features, n_features, train.n_features)?;
        let (mut scratch, mut w) = (Vec::with_capacity(train.rows()), Vec::with_capacity(self.k));
        match self.task {
            Task::Classification => {
                let width = self.classes.max(train.labels().iter().max().map_or(0, |&m| m as usize + 1));
                let mut probs = vec![0f32; rows * width];
                for (row, out) in features.chunks_exact(n_features).zip(probs.chunks_exact_mut(width)) {
                    let k = self.neighbours(train, row, &mut scratch);
                    self.weights(&scratch[..k], &mut w);
                    let total: f64 = w.iter().sum();
                    for (n, wi) in scratch[..k].iter().zip(&w) {
                        out[train.targets[n.1 as usize] as usize] += (wi / total) as f32;
                    }
                }
                Ok(Prediction::Probabilities { classes: width, probs })
            }
            Task::Regression => {
                let mut values = Vec::with_capacity(rows);
                for row in features.chunks_exact(n_features) {
                    let k = self.neighbours(train, row, &mut scratch);
                    self.weights(&scratch[..k], &mut w);
                    let total: f64 = w.iter().sum();
                    values.push(
                        scratch[..k]
                            .iter()
                            .zip(&w)
                            .map(|(n, wi)| train.targets[n.1 as usize] * wi)
                            .sum::<f64>()
                            / total,
                    );
                }
                Ok(Prediction::Values(values))
            }
        }
    }

    fn parameter_count(&self) -> usize {
        // kNN keeps its training rows instead of parameters.
        self.train.as_ref().map_or(0, |t| t.features.len())
    }

    fn insight(&self) -> Option<ModelInsight> {
        self.train.as_ref().map(|t| ModelInsight::Neighbours { k: self.k, rows: t.rows() })
    }
}
