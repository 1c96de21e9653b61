//! The one set of scores a model gets on some rows: accuracy, per-class scores and the confusion
//! matrix for classes, R², RMSE and MAE for values, agreement and inertia for clusters. The CLI,
//! the evaluation runners, the lessons and the studio's metrics panel all read this type.

use serde::Serialize;

use crate::data::Task;
use crate::metrics::{self, ClassScores};
use crate::models::insight::ModelInsight;
use crate::models::{Learner, ModelError, ModelKind, Prediction, PreparedData};

/// Every score that applies to a model's predictions on some rows.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Scores {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accuracy: Option<f64>,
    /// Precision, recall, F1 and support per class (classification).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub per_class: Option<Vec<ClassScores>>,
    /// `confusion_matrix[true][predicted]` row counts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confusion_matrix: Option<Vec<Vec<usize>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub r2: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rmse: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mae: Option<f64>,
    /// Agreement of the clusters with the target classes (clustering with a class target).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ari: Option<f64>,
    /// k-means' sum of squared distances to the nearest centre, on the training rows.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inertia: Option<f64>,
}

impl Scores {
    /// Accuracy, per-class scores and the confusion matrix of predicted against true classes.
    pub fn of_classes(predicted: &[u32], labels: &[u32], classes: usize) -> Self {
        let confusion = metrics::confusion_matrix(predicted, labels, classes);
        Self {
            accuracy: Some(metrics::accuracy(predicted, labels)),
            per_class: Some(metrics::per_class_scores(&confusion)),
            confusion_matrix: Some(confusion),
            ..Self::default()
        }
    }
}

/// Every score that applies to `learner` of `kind` on `data`.
pub fn score(learner: &dyn Learner, kind: ModelKind, data: &PreparedData) -> Result<Scores, ModelError> {
    let prediction = learner.predict(&data.features, data.n_features)?;
    let mut scores = Scores::default();
    if kind.is_clustering() {
        if data.task == Task::Classification
            && let Some(clusters) = prediction.classes()
        {
            let clusters: Vec<usize> = clusters.into_iter().map(|c| c as usize).collect();
            let truth: Vec<usize> = data.labels().into_iter().map(|c| c as usize).collect();
            scores.ari = Some(metrics::adjusted_rand_index(&clusters, &truth));
        }
        if let Some(ModelInsight::Centroids { inertia, .. }) = learner.insight() {
            scores.inertia = Some(inertia);
        }
        return Ok(scores);
    }
    match &prediction {
        Prediction::Probabilities { classes, .. } => {
            let predicted = prediction.classes().unwrap_or_default();
            return Ok(Scores::of_classes(&predicted, &data.labels(), data.classes.max(*classes)));
        }
        Prediction::Values(values) => {
            let mse = metrics::mean_squared_error(values, &data.targets);
            scores.r2 = Some(metrics::r2(values, &data.targets));
            scores.rmse = Some(mse.sqrt());
            scores.mae = Some(metrics::mean_absolute_error(values, &data.targets));
        }
    }
    Ok(scores)
}
