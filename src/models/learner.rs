//! The one trait every model implements, what it consumes and returns, its error, and the
//! guards that every family runs on its training rows.

use crate::data::Task;
use crate::models::insight::ModelInsight;

/// Rows ready for a model: standardized features, row-major, plus the target.
#[derive(Clone, Debug)]
pub struct PreparedData {
    pub features: Vec<f64>,
    pub n_features: usize,
    /// Class index per row (classification) or the value (regression), as floats.
    pub targets: Vec<f64>,
    pub task: Task,
    pub classes: usize,
}

impl PreparedData {
    /// The rows of `data` picked by `rows`, standardized by `scaler`.
    pub fn from_rows(
        data: &crate::data::Dataset,
        rows: &[usize],
        scaler: &crate::data::Standardizer,
    ) -> Self {
        let mut features = Vec::with_capacity(rows.len() * data.n_features());
        for &i in rows {
            scaler.transform_row(data.row(i), &mut features);
        }
        PreparedData {
            features,
            n_features: data.n_features(),
            targets: rows.iter().map(|&i| data.target_value(i)).collect(),
            task: data.task(),
            classes: data.class_count(),
        }
    }

    pub fn rows(&self) -> usize {
        self.targets.len()
    }

    pub fn labels(&self) -> Vec<u32> {
        self.targets.iter().map(|&t| t as u32).collect()
    }
}

/// What a model says about a batch of rows.
#[derive(Clone, Debug, PartialEq)]
pub enum Prediction {
    /// Row-major `rows × classes` probabilities.
    Probabilities { classes: usize, probs: Vec<f32> },
    /// One value per row.
    Values(Vec<f64>),
}

impl Prediction {
    /// The most likely class per row (classification) or `None` for values.
    pub fn classes(&self) -> Option<Vec<u32>> {
        match self {
            Prediction::Probabilities { classes, probs } => Some(
                probs
                    .chunks_exact(*classes)
                    .map(|p| {
                        p.iter()
                            .enumerate()
                            .fold(
                                (0, f32::NEG_INFINITY),
                                |best, (c, &v)| if v > best.1 { (c, v) } else { best },
                            )
                            .0 as u32
                    })
                    .collect(),
            ),
            Prediction::Values(_) => None,
        }
    }
}

#[derive(Debug, thiserror::Error, Clone, PartialEq)]
pub enum ModelError {
    /// The model cannot be trained on this data; the message says why and what to do.
    #[error("{0}")]
    Unsuitable(String),
    #[error("training failed: {0}")]
    Failed(String),
    #[error(
        "training diverged at epoch {epoch}: the loss became {loss}. Try a smaller learning rate (now {lr})"
    )]
    Diverged { epoch: usize, loss: f64, lr: f64 },
}

/// A model being trained. One-shot fits do all their work on the first epoch.
pub trait Learner: std::any::Any + Send {
    /// Trains one pass over `train`; returns whether more epochs would change anything.
    fn train_epoch(&mut self, train: &PreparedData, epoch: usize) -> Result<(), ModelError>;
    /// Predicts standardized rows (row-major, `n_features` wide).
    fn predict(&self, features: &[f64], n_features: usize) -> Result<Prediction, ModelError>;
    fn parameter_count(&self) -> usize;
    /// `false` for one-shot fits such as logistic regression.
    fn is_iterative(&self) -> bool {
        false
    }
    fn set_learning_rate(&mut self, _lr: f64) {}
    /// What the fitted model learned (tree nodes, coefficients, centroids), for the views.
    fn insight(&self) -> Option<ModelInsight> {
        None
    }
}

impl dyn Learner {
    /// The model as its own type, for views that need a family's details (tree nodes, layer
    /// weights): `learner.downcast_ref::<DecisionTreeModel>()`.
    pub fn downcast_ref<T: Learner>(&self) -> Option<&T> {
        (self as &dyn std::any::Any).downcast_ref::<T>()
    }

    /// The model as its own type, mutable (early stopping restores a network's best weights).
    pub fn downcast_mut<T: Learner>(&mut self) -> Option<&mut T> {
        (self as &mut dyn std::any::Any).downcast_mut::<T>()
    }
}

/// Refuses empty data and NaN or infinite features with a message a student can act on.
pub fn check_features(train: &PreparedData) -> Result<(), ModelError> {
    if train.rows() == 0 || train.n_features == 0 {
        return Err(ModelError::Unsuitable("there are no training rows or no features to learn from".into()));
    }
    if let Some(at) = train.features.iter().position(|v| !v.is_finite()) {
        return Err(ModelError::Unsuitable(format!(
            "training row {}, feature {} is not a finite number (NaN or infinity): drop or impute missing values (--missing impute) first",
            at / train.n_features + 1,
            at % train.n_features + 1
        )));
    }
    if train.targets.iter().any(|t| !t.is_finite()) {
        return Err(ModelError::Unsuitable(
            "the target holds a NaN or infinite value: clean the target column first".into(),
        ));
    }
    Ok(())
}

/// The training labels, refusing a target with fewer than two classes.
pub fn require_classes(train: &PreparedData) -> Result<Vec<u32>, ModelError> {
    if train.task != Task::Classification {
        return Err(ModelError::Unsuitable(
            "this model predicts classes, but the target holds continuous values: pick a regression model"
                .into(),
        ));
    }
    check_features(train)?;
    let labels = train.labels();
    let mut present = labels.clone();
    present.sort_unstable();
    present.dedup();
    if present.len() < 2 {
        return Err(ModelError::Unsuitable(
            "the training rows hold only one class: a classifier needs at least two. Pick a target column with two or more values, or a regression model".into(),
        ));
    }
    Ok(labels)
}

/// Runs a fit that calls into a library which may panic on odd input, turning a panic into an error.
pub fn guarded<T>(what: &str, fit: impl FnOnce() -> Result<T, ModelError>) -> Result<T, ModelError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(fit)).unwrap_or_else(|_| {
        Err(ModelError::Failed(format!(
            "{what} stopped on this data; try other hyper-parameters or scaled features"
        )))
    })
}

pub fn not_fitted() -> ModelError {
    ModelError::Failed("the model is not fitted yet: train it first".into())
}

/// Checks that rows to predict have the width the model was trained on.
pub fn check_width(features: &[f64], n_features: usize, trained: usize) -> Result<usize, ModelError> {
    if n_features != trained || n_features == 0 || features.len() % n_features != 0 {
        return Err(ModelError::Failed(format!(
            "the model was trained on {trained} features but was asked about rows of {n_features}"
        )));
    }
    Ok(features.len() / n_features)
}

/// The number of classes a model must cover: the declared count, or more when a label is larger.
pub fn class_width(classes: usize, labels: &[u32]) -> usize {
    classes.max(labels.iter().max().map_or(0, |&m| m as usize + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prediction_picks_the_most_likely_class() {
        let p = Prediction::Probabilities { classes: 3, probs: vec![0.1, 0.7, 0.2, 0.5, 0.2, 0.3] };
        assert_eq!(p.classes(), Some(vec![1, 0]));
        assert_eq!(Prediction::Values(vec![1.0]).classes(), None);
    }
}
