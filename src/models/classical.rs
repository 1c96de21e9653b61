//! Classical models over smartcore.

use smartcore::linalg::basic::arrays::Array;
use smartcore::linalg::basic::matrix::DenseMatrix;
use smartcore::linear::linear_regression::{LinearRegression, LinearRegressionParameters};
use smartcore::linear::logistic_regression::{LogisticRegression, LogisticRegressionParameters};

use super::{Learner, ModelError, Prediction, PreparedData};

/// Row-major features into smartcore's matrix without a per-row copy.
pub fn to_matrix(features: &[f64], n_features: usize) -> Result<DenseMatrix<f64>, ModelError> {
    let rows = features.len() / n_features.max(1);
    DenseMatrix::new(rows, n_features, features.to_vec(), false)
        .map_err(|e| ModelError::Failed(e.to_string()))
}

fn require_classes(train: &PreparedData) -> Result<Vec<u32>, ModelError> {
    let labels = train.labels();
    let mut present = labels.clone();
    present.sort_unstable();
    present.dedup();
    if present.len() < 2 {
        return Err(ModelError::Unsuitable(format!(
            "the training rows hold only one class ({}): a classifier needs at least two",
            present.first().map_or("none".to_string(), |c| c.to_string())
        )));
    }
    Ok(labels)
}

/// Logistic regression (smartcore, L-BFGS). Probabilities come from the fitted coefficients.
pub struct LogisticRegressionModel {
    classes: usize,
    fitted: Option<FittedLogistic>,
}

struct FittedLogistic {
    /// Classes seen in training, sorted; row `i` of `weights` belongs to `present[i]`.
    present: Vec<u32>,
    /// One row of weights per class (one row in total for two classes), bias last.
    weights: Vec<Vec<f64>>,
}

impl LogisticRegressionModel {
    pub fn new(classes: usize) -> Self {
        Self { classes, fitted: None }
    }
}

impl Learner for LogisticRegressionModel {
    fn train_epoch(&mut self, train: &PreparedData, _epoch: usize) -> Result<(), ModelError> {
        if self.fitted.is_some() {
            return Ok(());
        }
        let labels = require_classes(train)?;
        let x = to_matrix(&train.features, train.n_features)?;
        let model = LogisticRegression::fit(&x, &labels, LogisticRegressionParameters::default())
            .map_err(|e| ModelError::Failed(e.to_string()))?;
        let mut present = labels.clone();
        present.sort_unstable();
        present.dedup();
        let coefficients = model.coefficients();
        let intercept = model.intercept();
        let (weight_rows, d) = coefficients.shape();
        let weights = (0..weight_rows)
            .map(|r| {
                let mut w: Vec<f64> = (0..d).map(|c| *coefficients.get((r, c))).collect();
                w.push(*intercept.get((r, 0)));
                w
            })
            .collect();
        self.fitted = Some(FittedLogistic { present, weights });
        Ok(())
    }

    fn predict(&self, features: &[f64], n_features: usize) -> Result<Prediction, ModelError> {
        let fitted =
            self.fitted.as_ref().ok_or_else(|| ModelError::Failed("the model is not fitted yet".into()))?;
        let k = self.classes;
        let mut probs = vec![0f32; features.len() / n_features.max(1) * k];
        for (row, out) in features.chunks_exact(n_features).zip(probs.chunks_exact_mut(k)) {
            let score =
                |w: &[f64]| w[..n_features].iter().zip(row).map(|(a, b)| a * b).sum::<f64>() + w[n_features];
            if fitted.weights.len() == 1 {
                let p = 1.0 / (1.0 + (-score(&fitted.weights[0])).exp());
                out[fitted.present[0] as usize] = (1.0 - p) as f32;
                out[fitted.present[1] as usize] = p as f32;
            } else {
                let scores: Vec<f64> = fitted.weights.iter().map(|w| score(w)).collect();
                let max = scores.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
                let total: f64 = scores.iter().map(|s| (s - max).exp()).sum();
                for (class, s) in fitted.present.iter().zip(&scores) {
                    out[*class as usize] = ((s - max).exp() / total) as f32;
                }
            }
        }
        Ok(Prediction::Probabilities { classes: k, probs })
    }

    fn parameter_count(&self) -> usize {
        self.fitted.as_ref().map_or(0, |f| f.weights.iter().map(Vec::len).sum())
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }

    fn is_iterative(&self) -> bool {
        false
    }
}

/// Ordinary least squares (smartcore, SVD so collinear or constant columns do not fail).
#[derive(Default)]
pub struct LinearRegressionModel {
    fitted: Option<LinearRegression<f64, f64, DenseMatrix<f64>, Vec<f64>>>,
    parameters: usize,
}

impl Learner for LinearRegressionModel {
    fn train_epoch(&mut self, train: &PreparedData, _epoch: usize) -> Result<(), ModelError> {
        if self.fitted.is_some() {
            return Ok(());
        }
        let x = to_matrix(&train.features, train.n_features)?;
        let params = LinearRegressionParameters::default()
            .with_solver(smartcore::linear::linear_regression::LinearRegressionSolverName::SVD);
        let model = LinearRegression::fit(&x, &train.targets, params)
            .map_err(|e| ModelError::Failed(e.to_string()))?;
        self.parameters = train.n_features + 1;
        self.fitted = Some(model);
        Ok(())
    }

    fn predict(&self, features: &[f64], n_features: usize) -> Result<Prediction, ModelError> {
        let fitted =
            self.fitted.as_ref().ok_or_else(|| ModelError::Failed("the model is not fitted yet".into()))?;
        let x = to_matrix(features, n_features)?;
        fitted.predict(&x).map(Prediction::Values).map_err(|e| ModelError::Failed(e.to_string()))
    }

    fn parameter_count(&self) -> usize {
        self.parameters
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }

    fn is_iterative(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Task;

    fn separable() -> PreparedData {
        PreparedData {
            features: vec![-2.0, -1.5, -1.0, 1.0, 1.5, 2.0],
            n_features: 1,
            targets: vec![0.0, 0.0, 0.0, 1.0, 1.0, 1.0],
            task: Task::Classification,
            classes: 2,
        }
    }

    #[test]
    fn logistic_regression_separates_a_line_with_probabilities() {
        let data = separable();
        let mut model = LogisticRegressionModel::new(2);
        model.train_epoch(&data, 1).unwrap();
        let pred = model.predict(&[-3.0, 3.0], 1).unwrap();
        assert_eq!(pred.classes(), Some(vec![0, 1]));
        let Prediction::Probabilities { probs, .. } = pred else { panic!() };
        assert!(probs[1] < 0.5 && probs[3] > 0.5);
        assert!((probs[0] + probs[1] - 1.0).abs() < 1e-6);
    }

    #[test]
    fn logistic_regression_refuses_a_single_class() {
        let mut data = separable();
        data.targets = vec![1.0; 6];
        let err = LogisticRegressionModel::new(2).train_epoch(&data, 1).unwrap_err();
        assert!(err.to_string().contains("only one class"), "{err}");
    }

    #[test]
    fn linear_regression_recovers_a_line() {
        let data = PreparedData {
            features: vec![0.0, 1.0, 2.0, 3.0],
            n_features: 1,
            targets: vec![1.0, 3.0, 5.0, 7.0],
            task: Task::Regression,
            classes: 0,
        };
        let mut model = LinearRegressionModel::default();
        model.train_epoch(&data, 1).unwrap();
        let Prediction::Values(v) = model.predict(&[10.0], 1).unwrap() else { panic!() };
        assert!((v[0] - 21.0).abs() < 1e-6, "{v:?}");
    }
}
