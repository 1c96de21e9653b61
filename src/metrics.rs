//! Scores computed from predictions: losses, accuracy, R², RMSE.

use crate::models::Prediction;

/// Smallest probability used inside a log, so a confident mistake costs a lot but never infinity.
const PROBABILITY_FLOOR: f32 = 1e-7;

/// Mean cross-entropy of the true classes under the predicted probabilities.
pub fn log_loss(probs: &[f32], classes: usize, labels: &[u32]) -> f64 {
    if labels.is_empty() {
        return f64::NAN;
    }
    let total: f64 = probs
        .chunks_exact(classes)
        .zip(labels)
        .map(|(p, &l)| {
            let p = p[l as usize];
            // NaN probabilities (a diverged model) must surface as a NaN loss, not hide behind the floor.
            if p.is_nan() { f64::NAN } else { -(p.max(PROBABILITY_FLOOR) as f64).ln() }
        })
        .sum();
    total / labels.len() as f64
}

pub fn accuracy(predicted: &[u32], labels: &[u32]) -> f64 {
    if labels.is_empty() {
        return f64::NAN;
    }
    predicted.iter().zip(labels).filter(|(p, l)| p == l).count() as f64 / labels.len() as f64
}

pub fn mean_squared_error(predicted: &[f64], actual: &[f64]) -> f64 {
    if actual.is_empty() {
        return f64::NAN;
    }
    predicted.iter().zip(actual).map(|(p, a)| (p - a) * (p - a)).sum::<f64>() / actual.len() as f64
}

/// Coefficient of determination; 0 when the target is constant and perfectly predicted by its mean.
pub fn r2(predicted: &[f64], actual: &[f64]) -> f64 {
    let n = actual.len() as f64;
    let mean = actual.iter().sum::<f64>() / n;
    let total: f64 = actual.iter().map(|a| (a - mean) * (a - mean)).sum();
    let residual: f64 = predicted.iter().zip(actual).map(|(p, a)| (p - a) * (p - a)).sum();
    if total == 0.0 { if residual == 0.0 { 1.0 } else { 0.0 } } else { 1.0 - residual / total }
}

/// Loss and score of one prediction against its targets.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Evaluation {
    pub loss: f64,
    pub accuracy: Option<f64>,
    pub r2: Option<f64>,
    pub rmse: Option<f64>,
}

pub fn evaluate(prediction: &Prediction, targets: &[f64]) -> Evaluation {
    match prediction {
        Prediction::Probabilities { classes, probs } => {
            let labels: Vec<u32> = targets.iter().map(|&t| t as u32).collect();
            let predicted = prediction.classes().unwrap_or_default();
            Evaluation {
                loss: log_loss(probs, *classes, &labels),
                accuracy: Some(accuracy(&predicted, &labels)),
                r2: None,
                rmse: None,
            }
        }
        Prediction::Values(values) => {
            let mse = mean_squared_error(values, targets);
            Evaluation { loss: mse, accuracy: None, r2: Some(r2(values, targets)), rmse: Some(mse.sqrt()) }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_loss_is_zero_when_certain_and_right_and_finite_when_certain_and_wrong() {
        assert!(log_loss(&[0.0, 1.0], 2, &[1]).abs() < 1e-6);
        let wrong = log_loss(&[1.0, 0.0], 2, &[1]);
        assert!(wrong.is_finite() && wrong > 10.0);
        assert!((log_loss(&[0.5, 0.5], 2, &[0]) - std::f64::consts::LN_2).abs() < 1e-6);
    }

    #[test]
    fn accuracy_r2_and_rmse() {
        assert_eq!(accuracy(&[0, 1, 1, 0], &[0, 1, 0, 0]), 0.75);
        assert_eq!(r2(&[1.0, 2.0, 3.0], &[1.0, 2.0, 3.0]), 1.0);
        assert_eq!(r2(&[2.0, 2.0, 2.0], &[1.0, 2.0, 3.0]), 0.0);
        let e = evaluate(&Prediction::Values(vec![1.0, 3.0]), &[2.0, 2.0]);
        assert_eq!(e.rmse, Some(1.0));
    }
}
