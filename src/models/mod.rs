//! Everything that learns: classical models (smartcore) and networks (candle) behind one trait,
//! so the training worker, the CLI and the tests drive both families the same way.

pub mod classical;
pub mod clustering;
pub mod forest;
pub mod insight;
pub mod params;
pub mod svm;
pub mod tree;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::data::Task;
use crate::network::{Activation, NetworkSpec, OptimizerKind};

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
pub trait Learner: Send {
    /// Trains one pass over `train`; returns whether more epochs would change anything.
    fn train_epoch(&mut self, train: &PreparedData, epoch: usize) -> Result<(), ModelError>;
    /// Predicts standardized rows (row-major, `n_features` wide).
    fn predict(&self, features: &[f64], n_features: usize) -> Result<Prediction, ModelError>;
    fn parameter_count(&self) -> usize;
    /// `false` for one-shot fits such as logistic regression.
    fn is_iterative(&self) -> bool;
    fn set_learning_rate(&mut self, _lr: f64) {}
    /// For views that need a family's own details (tree nodes, layer weights).
    fn as_any(&self) -> &dyn std::any::Any;
    /// What the fitted model learned (tree nodes, coefficients, centroids), for the views.
    fn insight(&self) -> Option<insight::ModelInsight> {
        None
    }
}

/// The model families the studio and the CLI offer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModelKind {
    LinearRegression,
    Ridge,
    Lasso,
    LogisticRegression,
    DecisionTree,
    RandomForest,
    Svm,
    Knn,
    NaiveBayes,
    #[serde(rename = "kmeans")]
    KMeans,
    Dbscan,
    Mlp,
}

impl ModelKind {
    pub const ALL: [ModelKind; 12] = [
        Self::LinearRegression,
        Self::Ridge,
        Self::Lasso,
        Self::LogisticRegression,
        Self::DecisionTree,
        Self::RandomForest,
        Self::Svm,
        Self::Knn,
        Self::NaiveBayes,
        Self::KMeans,
        Self::Dbscan,
        Self::Mlp,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Self::LinearRegression => "linear_regression",
            Self::Ridge => "ridge",
            Self::Lasso => "lasso",
            Self::LogisticRegression => "logistic_regression",
            Self::DecisionTree => "decision_tree",
            Self::RandomForest => "random_forest",
            Self::Svm => "svm",
            Self::Knn => "knn",
            Self::NaiveBayes => "naive_bayes",
            Self::KMeans => "kmeans",
            Self::Dbscan => "dbscan",
            Self::Mlp => "mlp",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::LinearRegression => "Linear regression",
            Self::Ridge => "Ridge regression",
            Self::Lasso => "Lasso regression",
            Self::LogisticRegression => "Logistic regression",
            Self::DecisionTree => "Decision tree",
            Self::RandomForest => "Random forest",
            Self::Svm => "Support vector machine",
            Self::Knn => "k-nearest neighbours",
            Self::NaiveBayes => "Gaussian naive Bayes",
            Self::KMeans => "k-means clustering",
            Self::Dbscan => "DBSCAN clustering",
            Self::Mlp => "Neural network (MLP)",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.name() == name.trim().to_ascii_lowercase())
    }

    pub fn is_network(self) -> bool {
        matches!(self, Self::Mlp)
    }

    /// Clustering kinds learn from the features only and ignore the target while fitting.
    pub fn is_clustering(self) -> bool {
        matches!(self, Self::KMeans | Self::Dbscan)
    }

    /// The hyper-parameters this kind declares (sliders and drop-downs in the studio).
    pub fn params(self) -> &'static [params::ParamSpec] {
        params::specs(self)
    }
}

/// Everything needed to build a fresh model: its kind and settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ModelConfig {
    pub kind: ModelKind,
    pub hidden_layers: Vec<usize>,
    pub activation: Activation,
    pub learning_rate: f64,
    pub batch_size: usize,
    pub optimizer: OptimizerKind,
    pub seed: u64,
    /// A network written layer by layer (`--net`); when set it replaces `hidden_layers` and `activation`.
    pub network: Option<NetworkSpec>,
    /// Hyper-parameters of classical kinds, checked against `ModelKind::params()`; missing keys take their default.
    pub params: BTreeMap<String, params::ParamValue>,
}

impl Default for ModelConfig {
    fn default() -> Self {
        Self {
            kind: ModelKind::Mlp,
            hidden_layers: vec![8, 8],
            activation: Activation::Tanh,
            learning_rate: 0.03,
            batch_size: 32,
            optimizer: OptimizerKind::AdamW,
            seed: 0,
            network: None,
            params: BTreeMap::new(),
        }
    }
}

impl ModelConfig {
    /// Builds an untrained model for data with `n_features` inputs and the given task.
    pub fn build(
        &self,
        n_features: usize,
        task: Task,
        classes: usize,
    ) -> Result<Box<dyn Learner>, ModelError> {
        self.build_for(crate::data::InputShape::Vector, n_features, task, classes)
    }

    /// Like `build`, for rows laid out as `input` (images and sequences matter to networks).
    pub fn build_for(
        &self,
        input: crate::data::InputShape,
        n_features: usize,
        task: Task,
        classes: usize,
    ) -> Result<Box<dyn Learner>, ModelError> {
        match self.kind {
            ModelKind::Ridge
            | ModelKind::Lasso
            | ModelKind::DecisionTree
            | ModelKind::RandomForest
            | ModelKind::Svm
            | ModelKind::Knn
            | ModelKind::NaiveBayes
            | ModelKind::KMeans
            | ModelKind::Dbscan => {
                let params = params::validate(self.kind, &self.params)?;
                classical::build(self.kind, &params, task, classes, self.seed)
            }
            ModelKind::LogisticRegression => {
                let params = params::validate(self.kind, &self.params)?;
                if task != Task::Classification {
                    return Err(ModelError::Unsuitable(
                        "logistic regression predicts classes, but this target holds continuous values: pick linear regression or a network".into(),
                    ));
                }
                Ok(Box::new(classical::LogisticRegressionModel::new(classes).with_c(params.float("c"))))
            }
            ModelKind::LinearRegression => {
                if task != Task::Regression {
                    return Err(ModelError::Unsuitable(
                        "linear regression predicts a value, but this target holds classes: pick logistic regression or a network".into(),
                    ));
                }
                params::validate(self.kind, &self.params)?;
                Ok(Box::new(classical::LinearRegressionModel::default()))
            }
            ModelKind::Mlp => {
                let spec = self.network.clone().unwrap_or_else(|| {
                    // A plain MLP reads images and sequences as flat rows.
                    let mut spec = NetworkSpec::mlp(&self.hidden_layers, self.activation);
                    if input != crate::data::InputShape::Vector {
                        spec.layers.insert(0, crate::network::LayerSpec::Flatten);
                    }
                    spec
                });
                let net = crate::network::NetworkLearner::with_input(
                    &spec,
                    input,
                    n_features,
                    task,
                    classes,
                    crate::network::TrainSettings {
                        learning_rate: self.learning_rate,
                        batch_size: self.batch_size,
                        optimizer: self.optimizer,
                        seed: self.seed,
                    },
                )?;
                Ok(Box::new(net))
            }
        }
    }
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

    #[test]
    fn model_names_round_trip() {
        for kind in ModelKind::ALL {
            assert_eq!(ModelKind::from_name(kind.name()), Some(kind));
        }
        assert_eq!(ModelKind::from_name("gpt"), None);
    }
}
