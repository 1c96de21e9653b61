//! Data sets: the `Dataset` type, generators, splits and scaling. No UI code here.

pub mod csv_loader;
pub mod features;
pub mod generators;
pub mod image_folder;
pub mod impute;
pub mod layout;
pub mod mnist1d;
pub mod samples;
pub mod scale;
pub mod separation;
pub mod shapes;
pub mod split;

use serde::{Deserialize, Serialize};

pub use features::{EngineeredFeature, FeatureError, add_features};
pub use generators::{BuiltinDataset, GeneratorSettings};
pub use samples::SampleSet;
pub use scale::Standardizer;
pub use split::{Split, stratified_split};

/// Whether the target holds classes or continuous values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Task {
    Classification,
    Regression,
}

impl Task {
    pub fn name(self) -> &'static str {
        match self {
            Task::Classification => "classification",
            Task::Regression => "regression",
        }
    }
}

/// What the model should predict for each row.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Target {
    /// Class index per row, with a display name per class.
    Classes { labels: Vec<u32>, class_names: Vec<String> },
    /// One continuous value per row.
    Values(Vec<f64>),
}

/// How a row's features are laid out, so networks can see images and sequences as such.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InputShape {
    /// A plain feature vector (tables, 2-D points).
    #[default]
    Vector,
    /// An image of `channels × height × width` values, stored channel-major in the row.
    Image { channels: usize, height: usize, width: usize },
    /// A sequence of `steps` time steps with `channels` values each, stored step-major in the row.
    Sequence { steps: usize, channels: usize },
}

impl InputShape {
    /// Values per row this shape needs, or `None` for a vector (any width).
    pub fn values(self) -> Option<usize> {
        match self {
            InputShape::Vector => None,
            // Saturating: a shape read from a file may hold absurd sizes, which must not overflow.
            InputShape::Image { channels, height, width } => {
                Some(channels.saturating_mul(height).saturating_mul(width))
            }
            InputShape::Sequence { steps, channels } => Some(steps.saturating_mul(channels)),
        }
    }
}

/// A table of numeric features plus a target, row-major.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Dataset {
    pub name: String,
    pub feature_names: Vec<String>,
    /// Row-major, `rows() * n_features()` values.
    pub features: Vec<f64>,
    pub target: Target,
    pub target_name: String,
    /// How each row is laid out (vector, image or sequence).
    #[serde(default)]
    pub input_shape: InputShape,
    /// Cells (row × features + column, ascending) that were missing in the file and hold a
    /// stand-in value; a model refills them from its own training rows (see [`impute`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub imputed: Vec<usize>,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum DataError {
    #[error("{0}")]
    Invalid(String),
    #[error(
        "too few rows to split: {rows} row(s), need at least {needed} so that both the training and the test set get data"
    )]
    TooFewRows { rows: usize, needed: usize },
    #[error("test fraction must lie strictly between 0 and 1, got {0}")]
    BadTestFraction(f64),
}

impl Dataset {
    /// Builds a data set, checking that every row has the same number of features.
    pub fn new(
        name: impl Into<String>,
        feature_names: Vec<String>,
        features: Vec<f64>,
        target: Target,
        target_name: impl Into<String>,
    ) -> Result<Self, DataError> {
        let dataset = Self {
            name: name.into(),
            feature_names,
            features,
            target,
            target_name: target_name.into(),
            input_shape: InputShape::Vector,
            imputed: Vec::new(),
        };
        dataset.check()?;
        Ok(dataset)
    }

    /// `new`'s checks, and the row shape's, for a data set read from a file (an experiment):
    /// serde builds it without them.
    pub fn check(&self) -> Result<(), DataError> {
        let n_features = self.feature_names.len();
        let rows = match &self.target {
            Target::Classes { labels, .. } => labels.len(),
            Target::Values(values) => values.len(),
        };
        if rows.checked_mul(n_features) != Some(self.features.len()) {
            return Err(DataError::Invalid(format!(
                "{} feature values do not fill {rows} rows of {n_features} features",
                self.features.len()
            )));
        }
        if let Target::Classes { labels, class_names } = &self.target
            && let Some(bad) = labels.iter().find(|&&l| l as usize >= class_names.len())
        {
            return Err(DataError::Invalid(format!(
                "class label {bad} has no name ({} classes named)",
                class_names.len()
            )));
        }
        if self.imputed.windows(2).any(|w| w[0] >= w[1])
            || self.imputed.last().is_some_and(|&last| last >= self.features.len())
        {
            return Err(DataError::Invalid(format!(
                "the list of imputed cells must be ascending and below {} (the number of feature values)",
                self.features.len()
            )));
        }
        let needed = match self.input_shape {
            InputShape::Vector => None,
            InputShape::Image { channels, height, width } => {
                Some(channels.checked_mul(height).and_then(|v| v.checked_mul(width)))
            }
            InputShape::Sequence { steps, channels } => Some(steps.checked_mul(channels)),
        };
        if let Some(needed) = needed
            && needed != Some(n_features)
        {
            return Err(DataError::Invalid(format!(
                "rows laid out as {:?} do not match the {n_features} features",
                self.input_shape
            )));
        }
        Ok(())
    }

    /// Declares the rows to be images or sequences; refuses a shape that does not fit the width.
    pub fn with_input_shape(mut self, shape: InputShape) -> Result<Self, DataError> {
        if let Some(needed) = shape.values()
            && needed != self.n_features()
        {
            return Err(DataError::Invalid(format!(
                "a {shape:?} row needs {needed} values, but the data has {} features",
                self.n_features()
            )));
        }
        self.input_shape = shape;
        Ok(self)
    }

    pub fn rows(&self) -> usize {
        match &self.target {
            Target::Classes { labels, .. } => labels.len(),
            Target::Values(values) => values.len(),
        }
    }

    pub fn n_features(&self) -> usize {
        self.feature_names.len()
    }

    pub fn row(&self, index: usize) -> &[f64] {
        let d = self.n_features();
        &self.features[index * d..(index + 1) * d]
    }

    pub fn task(&self) -> Task {
        match self.target {
            Target::Classes { .. } => Task::Classification,
            Target::Values(_) => Task::Regression,
        }
    }

    pub fn class_count(&self) -> usize {
        match &self.target {
            Target::Classes { class_names, .. } => class_names.len(),
            Target::Values(_) => 0,
        }
    }

    pub fn class_names(&self) -> &[String] {
        match &self.target {
            Target::Classes { class_names, .. } => class_names,
            Target::Values(_) => &[],
        }
    }

    /// Class labels, or `None` for a regression target.
    pub fn labels(&self) -> Option<&[u32]> {
        match &self.target {
            Target::Classes { labels, .. } => Some(labels),
            Target::Values(_) => None,
        }
    }

    /// Target values as floats (class index for classification).
    pub fn target_value(&self, row: usize) -> f64 {
        match &self.target {
            Target::Classes { labels, .. } => labels[row] as f64,
            Target::Values(values) => values[row],
        }
    }

    /// The rows at `indices`, as a new data set (same columns and classes).
    pub fn subset(&self, indices: &[usize]) -> Dataset {
        let mut features = Vec::with_capacity(indices.len() * self.n_features());
        for &i in indices {
            features.extend_from_slice(self.row(i));
        }
        let target = match &self.target {
            Target::Classes { labels, class_names } => Target::Classes {
                labels: indices.iter().map(|&i| labels[i]).collect(),
                class_names: class_names.clone(),
            },
            Target::Values(values) => Target::Values(indices.iter().map(|&i| values[i]).collect()),
        };
        Dataset {
            name: self.name.clone(),
            feature_names: self.feature_names.clone(),
            features,
            target,
            target_name: self.target_name.clone(),
            input_shape: self.input_shape,
            imputed: self.imputed_cells_of(indices),
        }
    }

    /// Smallest and largest value of each feature.
    pub fn feature_bounds(&self) -> Vec<(f64, f64)> {
        let d = self.n_features();
        let mut bounds = vec![(f64::INFINITY, f64::NEG_INFINITY); d];
        for row in self.features.chunks_exact(d.max(1)) {
            for (b, &v) in bounds.iter_mut().zip(row) {
                b.0 = b.0.min(v);
                b.1 = b.1.max(v);
            }
        }
        bounds
    }

    /// Number of rows in each class.
    pub fn class_counts(&self) -> Vec<usize> {
        let mut counts = vec![0; self.class_count()];
        if let Some(labels) = self.labels() {
            for &l in labels {
                counts[l as usize] += 1;
            }
        }
        counts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_refuses_mismatched_shapes() {
        let target = Target::Values(vec![1.0, 2.0]);
        let err = Dataset::new("t", vec!["a".into()], vec![1.0], target, "y").unwrap_err();
        assert!(err.to_string().contains("do not fill 2 rows"));
    }

    #[test]
    fn subset_keeps_rows_and_labels_together() {
        let target = Target::Classes { labels: vec![0, 1, 0], class_names: vec!["a".into(), "b".into()] };
        let ds = Dataset::new("t", vec!["x".into(), "y".into()], vec![0., 0., 1., 1., 2., 2.], target, "c")
            .unwrap();
        let sub = ds.subset(&[2, 1]);
        assert_eq!(sub.row(0), &[2.0, 2.0]);
        assert_eq!(sub.labels().unwrap(), &[0, 1]);
        assert_eq!(ds.class_counts(), vec![2, 1]);
    }
}
