//! The linear family: logistic regression, least squares and ridge (smartcore), and lasso
//! (coordinate descent here, see [`LassoModel`]), all with scikit-learn's objectives.

use smartcore::linalg::basic::arrays::Array;
use smartcore::linalg::basic::matrix::DenseMatrix;
use smartcore::linear::linear_regression::{LinearRegression, LinearRegressionParameters};
use smartcore::linear::logistic_regression::{LogisticRegression, LogisticRegressionParameters};
use smartcore::linear::ridge_regression::{
    RidgeRegression, RidgeRegressionParameters, RidgeRegressionSolverName,
};

use crate::data::Task;
use crate::models::insight::ModelInsight;
use crate::models::learner::{
    Learner, ModelError, Prediction, PreparedData, check_features, check_width, not_fitted, require_classes,
};

/// Row-major features into smartcore's matrix without a per-row copy.
pub fn to_matrix(features: &[f64], n_features: usize) -> Result<DenseMatrix<f64>, ModelError> {
    let rows = features.len() / n_features.max(1);
    DenseMatrix::new(rows, n_features, features.to_vec(), false)
        .map_err(|e| ModelError::Failed(e.to_string()))
}

/// Runs a fit that calls into a library which may panic on odd input, turning a panic into an error.
pub fn guarded<T>(what: &str, fit: impl FnOnce() -> Result<T, ModelError>) -> Result<T, ModelError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(fit)).unwrap_or_else(|_| {
        Err(ModelError::Failed(format!(
            "{what} stopped on this data; try other hyper-parameters or scaled features"
        )))
    })
}

/// Logistic regression (smartcore, L-BFGS). Probabilities come from the fitted coefficients.
pub struct LogisticRegressionModel {
    classes: usize,
    c: f64,
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
        Self { classes, c: 1.0, fitted: None }
    }

    /// scikit-learn's C. smartcore minimises `sum(log loss) + alpha/2 |w|^2`, scikit-learn
    /// `C * sum(log loss) + 1/2 |w|^2`: the same optimum with alpha = 1 / C.
    pub fn with_c(mut self, c: f64) -> Self {
        self.c = c;
        self
    }
}

impl Learner for LogisticRegressionModel {
    fn train_epoch(&mut self, train: &PreparedData, _epoch: usize) -> Result<(), ModelError> {
        if self.fitted.is_some() {
            return Ok(());
        }
        let labels = require_classes(train)?;
        let x = to_matrix(&train.features, train.n_features)?;
        let params = LogisticRegressionParameters::default().with_alpha(1.0 / self.c);
        let model = guarded("logistic regression", || {
            LogisticRegression::fit(&x, &labels, params).map_err(|e| ModelError::Failed(e.to_string()))
        })?;
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
        let fitted = self.fitted.as_ref().ok_or_else(not_fitted)?;
        let d = fitted.weights.first().map_or(0, |w| w.len() - 1);
        check_width(features, n_features, d)?;
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

    fn insight(&self) -> Option<ModelInsight> {
        let fitted = self.fitted.as_ref()?;
        let outputs = if fitted.weights.len() == 1 {
            vec![format!("class {}", fitted.present[1])]
        } else {
            fitted.present.iter().map(|c| format!("class {c}")).collect()
        };
        Some(ModelInsight::Coefficients {
            weights: fitted.weights.iter().map(|w| w[..w.len() - 1].to_vec()).collect(),
            intercepts: fitted.weights.iter().map(|w| w[w.len() - 1]).collect(),
            outputs,
        })
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
        if train.task != Task::Regression {
            return Err(ModelError::Unsuitable(
                "linear regression predicts a value, but this target holds classes: pick logistic regression"
                    .into(),
            ));
        }
        check_features(train)?;
        let x = to_matrix(&train.features, train.n_features)?;
        let params = LinearRegressionParameters::default()
            .with_solver(smartcore::linear::linear_regression::LinearRegressionSolverName::SVD);
        let model = guarded("linear regression", || {
            LinearRegression::fit(&x, &train.targets, params).map_err(|e| ModelError::Failed(e.to_string()))
        })?;
        self.parameters = train.n_features + 1;
        self.fitted = Some(model);
        Ok(())
    }

    fn predict(&self, features: &[f64], n_features: usize) -> Result<Prediction, ModelError> {
        let fitted = self.fitted.as_ref().ok_or_else(not_fitted)?;
        check_width(features, n_features, self.parameters - 1)?;
        let x = to_matrix(features, n_features)?;
        fitted.predict(&x).map(Prediction::Values).map_err(|e| ModelError::Failed(e.to_string()))
    }

    fn parameter_count(&self) -> usize {
        self.parameters
    }

    fn insight(&self) -> Option<ModelInsight> {
        let fitted = self.fitted.as_ref()?;
        let c = fitted.coefficients();
        let weights = (0..self.parameters - 1).map(|i| *c.get((i, 0))).collect();
        Some(ModelInsight::Coefficients {
            weights: vec![weights],
            intercepts: vec![*fitted.intercept()],
            outputs: vec!["value".into()],
        })
    }
}

/// Column means of the features and the mean of the target, for fitting an intercept.
pub(super) fn centre(train: &PreparedData) -> (Vec<f64>, f64) {
    let d = train.n_features;
    let n = train.rows() as f64;
    let mut mean = vec![0.0; d];
    for row in train.features.chunks_exact(d) {
        for (m, v) in mean.iter_mut().zip(row) {
            *m += v / n;
        }
    }
    (mean, train.targets.iter().sum::<f64>() / n)
}

/// A fitted linear model: `y = w · x + b`.
#[derive(Clone, Debug, PartialEq)]
pub struct LinearFit {
    pub weights: Vec<f64>,
    pub intercept: f64,
}

impl LinearFit {
    fn predict(&self, features: &[f64], n_features: usize) -> Result<Prediction, ModelError> {
        check_width(features, n_features, self.weights.len())?;
        Ok(Prediction::Values(
            features
                .chunks_exact(n_features)
                .map(|r| r.iter().zip(&self.weights).map(|(a, b)| a * b).sum::<f64>() + self.intercept)
                .collect(),
        ))
    }

    fn insight(&self) -> ModelInsight {
        ModelInsight::Coefficients {
            weights: vec![self.weights.clone()],
            intercepts: vec![self.intercept],
            outputs: vec!["value".into()],
        }
    }
}

fn require_regression(train: &PreparedData, what: &str) -> Result<(), ModelError> {
    if train.task != Task::Regression {
        return Err(ModelError::Unsuitable(format!(
            "{what} predicts a value, but this target holds classes: pick logistic regression or a classifier"
        )));
    }
    check_features(train)
}

/// Ridge regression (L2 penalty), scikit-learn's objective `|y - Xw - b|^2 + alpha |w|^2`:
/// smartcore's solver on data centred here, so the intercept goes unpenalized as in
/// scikit-learn (smartcore's own centring also rescales the columns, which changes the penalty).
pub struct RidgeModel {
    alpha: f64,
    fitted: Option<LinearFit>,
}

impl RidgeModel {
    pub fn new(alpha: f64) -> Self {
        Self { alpha, fitted: None }
    }
}

impl Learner for RidgeModel {
    fn train_epoch(&mut self, train: &PreparedData, _epoch: usize) -> Result<(), ModelError> {
        if self.fitted.is_some() {
            return Ok(());
        }
        require_regression(train, "ridge regression")?;
        let d = train.n_features;
        let (mean, y_mean) = centre(train);
        let centred: Vec<f64> = train
            .features
            .chunks_exact(d)
            .flat_map(|row| row.iter().zip(&mean).map(|(v, m)| v - m))
            .collect();
        let x = to_matrix(&centred, d)?;
        let y: Vec<f64> = train.targets.iter().map(|t| t - y_mean).collect();
        let solve = |alpha: f64, solver: RidgeRegressionSolverName| -> Result<Vec<f64>, ModelError> {
            let params = RidgeRegressionParameters::default()
                .with_alpha(alpha)
                .with_normalize(false)
                .with_solver(solver);
            let model: RidgeRegression<f64, f64, DenseMatrix<f64>, Vec<f64>> =
                RidgeRegression::fit(&x, &y, params).map_err(|e| ModelError::Failed(e.to_string()))?;
            let weights: Vec<f64> = (0..d).map(|j| *model.coefficients().get((j, 0))).collect();
            if weights.iter().all(|w| w.is_finite()) {
                Ok(weights)
            } else {
                Err(ModelError::Failed("ridge regression could not solve its equations".into()))
            }
        };
        // With alpha = 0 and collinear columns the system is singular: SVD, then a tiny ridge.
        let trace: f64 = centred.iter().map(|v| v * v).sum();
        let weights = guarded("ridge regression", || {
            solve(self.alpha, RidgeRegressionSolverName::Cholesky)
                .or_else(|_| solve(self.alpha, RidgeRegressionSolverName::SVD))
                .or_else(|_| solve(self.alpha + 1e-10 * trace.max(1.0), RidgeRegressionSolverName::Cholesky))
        })?;
        let intercept = y_mean - weights.iter().zip(&mean).map(|(w, m)| w * m).sum::<f64>();
        self.fitted = Some(LinearFit { weights, intercept });
        Ok(())
    }

    fn predict(&self, features: &[f64], n_features: usize) -> Result<Prediction, ModelError> {
        self.fitted.as_ref().ok_or_else(not_fitted)?.predict(features, n_features)
    }

    fn parameter_count(&self) -> usize {
        self.fitted.as_ref().map_or(0, |f| f.weights.len() + 1)
    }

    fn insight(&self) -> Option<ModelInsight> {
        self.fitted.as_ref().map(LinearFit::insight)
    }
}

/// Lasso regression (L1 penalty), scikit-learn's objective `|y - Xw - b|^2 / (2n) + alpha |w|_1`,
/// by cyclic coordinate descent as scikit-learn solves it. Not smartcore's: its interior-point
/// solver leaves no coefficient exactly zero (0 of 10 on the diabetes at alpha 5, ours 4:
/// coordinate descent lands on exact zeros), so the coefficient view could not show which
/// inputs the penalty dropped, and it was 7–14× slower there (`learnscope smartcore-parity`).
pub struct LassoModel {
    alpha: f64,
    fitted: Option<LinearFit>,
}

impl LassoModel {
    pub fn new(alpha: f64) -> Self {
        Self { alpha, fitted: None }
    }
}

impl Learner for LassoModel {
    fn train_epoch(&mut self, train: &PreparedData, _epoch: usize) -> Result<(), ModelError> {
        if self.fitted.is_some() {
            return Ok(());
        }
        require_regression(train, "lasso regression")?;
        let d = train.n_features;
        let n = train.rows();
        let (mean, y_mean) = centre(train);
        // Column-major centred copy: coordinate descent walks one column at a time.
        let mut cols = vec![0.0; n * d];
        for (i, row) in train.features.chunks_exact(d).enumerate() {
            for j in 0..d {
                cols[j * n + i] = row[j] - mean[j];
            }
        }
        let norms: Vec<f64> = (0..d).map(|j| cols[j * n..(j + 1) * n].iter().map(|v| v * v).sum()).collect();
        let mut residual: Vec<f64> = train.targets.iter().map(|y| y - y_mean).collect();
        let mut w = vec![0.0; d];
        let penalty = self.alpha * n as f64;
        for _ in 0..1000 {
            let (mut max_change, mut max_w) = (0.0f64, 0.0f64);
            for j in 0..d {
                if norms[j] == 0.0 {
                    continue;
                }
                let col = &cols[j * n..(j + 1) * n];
                let rho: f64 = col.iter().zip(&residual).map(|(x, r)| x * r).sum::<f64>() + norms[j] * w[j];
                let new = rho.signum() * (rho.abs() - penalty).max(0.0) / norms[j];
                let change = new - w[j];
                if change != 0.0 {
                    residual.iter_mut().zip(col).for_each(|(r, x)| *r -= change * x);
                    w[j] = new;
                }
                max_change = max_change.max(change.abs());
                max_w = max_w.max(new.abs());
            }
            if max_change <= 1e-4 * max_w.max(1e-12) || max_w == 0.0 {
                break;
            }
        }
        let intercept = y_mean - w.iter().zip(&mean).map(|(w, m)| w * m).sum::<f64>();
        self.fitted = Some(LinearFit { weights: w, intercept });
        Ok(())
    }

    fn predict(&self, features: &[f64], n_features: usize) -> Result<Prediction, ModelError> {
        self.fitted.as_ref().ok_or_else(not_fitted)?.predict(features, n_features)
    }

    fn parameter_count(&self) -> usize {
        self.fitted.as_ref().map_or(0, |f| f.weights.len() + 1)
    }

    fn insight(&self) -> Option<ModelInsight> {
        self.fitted.as_ref().map(LinearFit::insight)
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

    fn fitted_ridge(data: &PreparedData, alpha: f64) -> LinearFit {
        let mut model = RidgeModel::new(alpha);
        model.train_epoch(data, 0).unwrap();
        model.fitted.unwrap()
    }

    #[test]
    fn ridge_shrinks_the_slope_but_never_the_intercept() {
        // x = 0..3, y = 10 + 2x: centred, Σx² = 5 and Σxy = 10, so w = 10 / (5 + alpha) as
        // scikit-learn's Ridge gives, and the intercept keeps the line through the means.
        let data = PreparedData {
            features: vec![0.0, 1.0, 2.0, 3.0],
            n_features: 1,
            targets: vec![10.0, 12.0, 14.0, 16.0],
            task: Task::Regression,
            classes: 0,
        };
        let fit = fitted_ridge(&data, 5.0);
        assert!((fit.weights[0] - 1.0).abs() < 1e-9, "{fit:?}");
        assert!((fit.intercept - (13.0 - 1.5)).abs() < 1e-9, "{fit:?}");
    }

    #[test]
    fn ridge_without_penalty_survives_a_repeated_column() {
        let data = PreparedData {
            features: vec![0.0, 0.0, 1.0, 1.0, 2.0, 2.0, 3.0, 3.0],
            n_features: 2,
            targets: vec![1.0, 3.0, 5.0, 7.0],
            task: Task::Regression,
            classes: 0,
        };
        let fit = fitted_ridge(&data, 0.0);
        let Prediction::Values(v) = fit.predict(&[4.0, 4.0], 2).unwrap() else { panic!() };
        assert!((v[0] - 9.0).abs() < 1e-3, "{fit:?} {v:?}");
    }
}
