//! Gaussian naive Bayes, as scikit-learn's `GaussianNB` (variance smoothing included). Not
//! smartcore's: its `GaussianNB` has no variance smoothing, so on the digits every class's
//! likelihood is NaN and it predicts nothing, and no `predict_proba` for the boundary's shading
//! (`learnscope smartcore-parity`).

use super::linear::centre;
use crate::models::insight::ModelInsight;
use crate::models::learner::{
    Learner, ModelError, Prediction, PreparedData, check_width, not_fitted, require_classes,
};

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
