//! Classical models: the linear family (smartcore), naive Bayes and kNN, plus `build`, which
//! turns a kind and its checked hyper-parameters into a `Learner`. Trees, forests, SVMs and
//! clustering live in their own files.

use smartcore::linalg::basic::arrays::Array;
use smartcore::linalg::basic::matrix::DenseMatrix;
use smartcore::linear::linear_regression::{LinearRegression, LinearRegressionParameters};
use smartcore::linear::logistic_regression::{LogisticRegression, LogisticRegressionParameters};

use super::insight::ModelInsight;
use super::params::Params;
use super::{Learner, ModelError, ModelKind, Prediction, PreparedData};
use crate::data::Task;

/// Builds an untrained classical model of `kind` (not the networks, not the two linear kinds
/// that `ModelConfig::build` makes itself).
pub fn build(
    kind: ModelKind,
    params: &Params,
    task: Task,
    classes: usize,
    seed: u64,
) -> Result<Box<dyn Learner>, ModelError> {
    let classifier_only = |what: &str| {
        ModelError::Unsuitable(format!(
            "{what} predicts classes, but this target holds continuous values: pick a regression model (linear regression, ridge, a tree, a forest, kNN, an SVM) or a network"
        ))
    };
    let regressor_only = |what: &str| {
        ModelError::Unsuitable(format!(
            "{what} predicts a value, but this target holds classes: pick logistic regression, a tree, a forest, kNN, an SVM or naive Bayes"
        ))
    };
    Ok(match kind {
        ModelKind::Ridge if task == Task::Regression => Box::new(RidgeModel::new(params.float("alpha"))),
        ModelKind::Ridge => return Err(regressor_only("ridge regression")),
        ModelKind::Lasso if task == Task::Regression => Box::new(LassoModel::new(params.float("alpha"))),
        ModelKind::Lasso => return Err(regressor_only("lasso regression")),
        ModelKind::NaiveBayes if task == Task::Classification => {
            Box::new(NaiveBayesModel::new(classes, params.float("var_smoothing")))
        }
        ModelKind::NaiveBayes => return Err(classifier_only("naive Bayes")),
        ModelKind::Knn => Box::new(KnnModel::new(
            task,
            classes,
            params.int("n_neighbors") as usize,
            params.choice("weights") == "distance",
        )),
        ModelKind::DecisionTree => Box::new(super::tree::DecisionTreeModel::new(
            task,
            classes,
            super::tree::TreeSettings::from_params(params, seed),
        )),
        ModelKind::RandomForest => {
            Box::new(super::forest::RandomForestModel::new(task, classes, params, seed))
        }
        ModelKind::Svm => Box::new(super::svm::SvmModel::new(task, classes, params)),
        ModelKind::KMeans => Box::new(super::clustering::KMeansModel::new(classes, params, seed)),
        ModelKind::Dbscan => Box::new(super::clustering::DbscanModel::new(classes, params)),
        ModelKind::LinearRegression | ModelKind::LogisticRegression | ModelKind::Mlp => {
            return Err(ModelError::Failed(format!("{} is not built here", kind.name())));
        }
    })
}

/// Row-major features into smartcore's matrix without a per-row copy.
pub fn to_matrix(features: &[f64], n_features: usize) -> Result<DenseMatrix<f64>, ModelError> {
    let rows = features.len() / n_features.max(1);
    DenseMatrix::new(rows, n_features, features.to_vec(), false)
        .map_err(|e| ModelError::Failed(e.to_string()))
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

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }

    fn is_iterative(&self) -> bool {
        false
    }
}

/// Solves `a x = b` for a symmetric positive definite `a` (row-major `n × n`) by Cholesky.
fn cholesky_solve(a: &[f64], b: &[f64], n: usize) -> Option<Vec<f64>> {
    let mut l = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..=i {
            let s: f64 = a[i * n + j] - (0..j).map(|k| l[i * n + k] * l[j * n + k]).sum::<f64>();
            if i == j {
                if s <= 0.0 || !s.is_finite() {
                    return None;
                }
                l[i * n + i] = s.sqrt();
            } else {
                l[i * n + j] = s / l[j * n + j];
            }
        }
    }
    let mut y = vec![0.0; n];
    for i in 0..n {
        y[i] = (b[i] - (0..i).map(|k| l[i * n + k] * y[k]).sum::<f64>()) / l[i * n + i];
    }
    let mut x = vec![0.0; n];
    for i in (0..n).rev() {
        x[i] = (y[i] - (i + 1..n).map(|k| l[k * n + i] * x[k]).sum::<f64>()) / l[i * n + i];
    }
    Some(x)
}

/// Column means of the features and the mean of the target, for fitting an intercept.
fn centre(train: &PreparedData) -> (Vec<f64>, f64) {
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

/// Ridge regression (L2 penalty), scikit-learn's objective `|y - Xw - b|^2 + alpha |w|^2`,
/// solved exactly on centred data.
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
        let mut gram = vec![0.0; d * d];
        let mut xty = vec![0.0; d];
        let mut xc = vec![0.0; d];
        for (row, &y) in train.features.chunks_exact(d).zip(&train.targets) {
            for j in 0..d {
                xc[j] = row[j] - mean[j];
            }
            for j in 0..d {
                xty[j] += xc[j] * (y - y_mean);
                for k in 0..=j {
                    gram[j * d + k] += xc[j] * xc[k];
                }
            }
        }
        let trace: f64 = (0..d).map(|j| gram[j * d + j]).sum();
        for j in 0..d {
            for k in 0..j {
                gram[k * d + j] = gram[j * d + k];
            }
            gram[j * d + j] += self.alpha;
        }
        // With alpha = 0 and collinear columns the system is singular: a tiny ridge keeps it solvable.
        let weights = cholesky_solve(&gram, &xty, d)
            .or_else(|| {
                let mut g = gram.clone();
                (0..d).for_each(|j| g[j * d + j] += 1e-10 * trace.max(1.0));
                cholesky_solve(&g, &xty, d)
            })
            .ok_or_else(|| ModelError::Failed("ridge regression could not solve its equations".into()))?;
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

    fn is_iterative(&self) -> bool {
        false
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }

    fn insight(&self) -> Option<ModelInsight> {
        self.fitted.as_ref().map(LinearFit::insight)
    }
}

/// Lasso regression (L1 penalty), scikit-learn's objective `|y - Xw - b|^2 / (2n) + alpha |w|_1`,
/// by cyclic coordinate descent.
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

    fn is_iterative(&self) -> bool {
        false
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }

    fn insight(&self) -> Option<ModelInsight> {
        self.fitted.as_ref().map(LinearFit::insight)
    }
}

/// Gaussian naive Bayes, as scikit-learn's `GaussianNB`; probabilities from the fitted
/// per-class Gaussians and priors.
pub struct NaiveBayesModel {
    classes: usize,
    var_smoothing: f64,
    fitted: Option<FittedGaussians>,
}

struct FittedGaussians {
    /// Classes seen in training; rows of `means` and `variances` follow this order.
    present: Vec<u32>,
    means: Vec<Vec<f64>>,
    variances: Vec<Vec<f64>>,
    log_priors: Vec<f64>,
}

impl NaiveBayesModel {
    pub fn new(classes: usize, var_smoothing: f64) -> Self {
        Self { classes, var_smoothing, fitted: None }
    }
}

impl Learner for NaiveBayesModel {
    fn train_epoch(&mut self, train: &PreparedData, _epoch: usize) -> Result<(), ModelError> {
        if self.fitted.is_some() {
            return Ok(());
        }
        let labels = require_classes(train)?;
        let d = train.n_features;
        let width = self.classes.max(labels.iter().max().map_or(0, |&m| m as usize + 1));
        let mut counts = vec![0usize; width];
        let mut sums = vec![vec![0.0; d]; width];
        for (row, &l) in train.features.chunks_exact(d).zip(&labels) {
            counts[l as usize] += 1;
            sums[l as usize].iter_mut().zip(row).for_each(|(s, v)| *s += v);
        }
        let present: Vec<u32> = (0..width as u32).filter(|&c| counts[c as usize] > 0).collect();
        let means: Vec<Vec<f64>> = present
            .iter()
            .map(|&c| sums[c as usize].iter().map(|s| s / counts[c as usize] as f64).collect())
            .collect();
        let slot: Vec<usize> = {
            let mut slot = vec![0; width];
            present.iter().enumerate().for_each(|(i, &c)| slot[c as usize] = i);
            slot
        };
        let mut variances = vec![vec![0.0; d]; present.len()];
        for (row, &l) in train.features.chunks_exact(d).zip(&labels) {
            let s = slot[l as usize];
            for j in 0..d {
                let diff = row[j] - means[s][j];
                variances[s][j] += diff * diff;
            }
        }
        // scikit-learn adds var_smoothing times the largest feature variance to every variance.
        let (overall_mean, _) = centre(train);
        let n = train.rows() as f64;
        let max_var = (0..d)
            .map(|j| {
                train.features.chunks_exact(d).map(|r| (r[j] - overall_mean[j]).powi(2)).sum::<f64>() / n
            })
            .fold(0.0, f64::max);
        // Every feature constant: fall back to var_smoothing itself so no variance is zero.
        let epsilon = if max_var > 0.0 { self.var_smoothing * max_var } else { self.var_smoothing };
        for (s, &c) in present.iter().enumerate() {
            variances[s].iter_mut().for_each(|v| *v = *v / counts[c as usize] as f64 + epsilon);
        }
        let log_priors = present.iter().map(|&c| (counts[c as usize] as f64 / n).ln()).collect();
        self.fitted = Some(FittedGaussians { present, means, variances, log_priors });
        Ok(())
    }

    fn predict(&self, features: &[f64], n_features: usize) -> Result<Prediction, ModelError> {
        let f = self.fitted.as_ref().ok_or_else(not_fitted)?;
        let rows = check_width(features, n_features, f.means[0].len())?;
        let width = self.classes.max(f.present.last().map_or(0, |&c| c as usize + 1));
        let mut probs = vec![0f32; rows * width];
        let mut scores = vec![0.0; f.present.len()];
        for (row, out) in features.chunks_exact(n_features).zip(probs.chunks_exact_mut(width)) {
            for (s, score) in scores.iter_mut().enumerate() {
                *score = f.log_priors[s]
                    - 0.5
                        * row
                            .iter()
                            .zip(&f.means[s])
                            .zip(&f.variances[s])
                            .map(|((x, m), v)| (2.0 * std::f64::consts::PI * v).ln() + (x - m) * (x - m) / v)
                            .sum::<f64>();
            }
            let mut max = scores.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            if !max.is_finite() {
                // A row so far from every class that all likelihoods vanish: fall back to the priors.
                scores.copy_from_slice(&f.log_priors);
                max = scores.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            }
            let total: f64 = scores.iter().map(|s| (s - max).exp()).sum();
            for (s, &c) in f.present.iter().enumerate() {
                out[c as usize] = ((scores[s] - max).exp() / total) as f32;
            }
        }
        Ok(Prediction::Probabilities { classes: width, probs })
    }

    fn parameter_count(&self) -> usize {
        self.fitted.as_ref().map_or(0, |f| f.present.len() * (2 * f.means[0].len() + 1))
    }

    fn is_iterative(&self) -> bool {
        false
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }

    fn insight(&self) -> Option<ModelInsight> {
        let f = self.fitted.as_ref()?;
        let width = self.classes.max(f.present.last().map_or(0, |&c| c as usize + 1));
        let d = f.means[0].len();
        let (mut means, mut variances, mut priors) =
            (vec![vec![0.0; d]; width], vec![vec![0.0; d]; width], vec![0.0; width]);
        for (s, &c) in f.present.iter().enumerate() {
            means[c as usize] = f.means[s].clone();
            variances[c as usize] = f.variances[s].clone();
            priors[c as usize] = f.log_priors[s].exp();
        }
        Some(ModelInsight::ClassGaussians { means, variances, priors })
    }
}

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

    fn is_iterative(&self) -> bool {
        false
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }

    fn insight(&self) -> Option<ModelInsight> {
        self.train.as_ref().map(|t| ModelInsight::Neighbours { k: self.k, rows: t.rows() })
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
