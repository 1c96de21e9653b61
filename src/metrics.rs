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
            // A label past the predicted classes (a clustering scored against a value target) counts as p = 0.
            let p = p.get(l as usize).copied().unwrap_or(0.0);
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

/// Rows of true class `i` predicted as class `j`, for `classes` classes.
pub fn confusion_matrix(predicted: &[u32], labels: &[u32], classes: usize) -> Vec<Vec<usize>> {
    let width = classes.max(predicted.iter().chain(labels).max().map_or(0, |&m| m as usize + 1));
    let mut matrix = vec![vec![0; width]; width];
    for (&p, &l) in predicted.iter().zip(labels) {
        matrix[l as usize][p as usize] += 1;
    }
    matrix
}

/// Precision, recall and F1 of one class, and how many rows truly belong to it.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct ClassScores {
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub support: usize,
}

/// Per-class scores from a confusion matrix; 0 where a ratio has nothing to divide (as scikit-learn's zero_division=0).
pub fn per_class_scores(confusion: &[Vec<usize>]) -> Vec<ClassScores> {
    let k = confusion.len();
    (0..k)
        .map(|c| {
            let tp = confusion[c][c] as f64;
            let predicted: usize = (0..k).map(|r| confusion[r][c]).sum();
            let support: usize = confusion[c].iter().sum();
            let precision = if predicted > 0 { tp / predicted as f64 } else { 0.0 };
            let recall = if support > 0 { tp / support as f64 } else { 0.0 };
            let f1 =
                if precision + recall > 0.0 { 2.0 * precision * recall / (precision + recall) } else { 0.0 };
            ClassScores { precision, recall, f1, support }
        })
        .collect()
}

/// Macro-averaged F1 as scikit-learn's `f1_score(average="macro")` defines it: the mean over the
/// classes that occur in the true labels or the predictions, not over classes absent from both.
pub fn macro_f1(confusion: &[Vec<usize>]) -> f64 {
    let k = confusion.len();
    let scores = per_class_scores(confusion);
    let present: Vec<f64> = (0..k)
        .filter(|&c| scores[c].support > 0 || (0..k).any(|r| confusion[r][c] > 0))
        .map(|c| scores[c].f1)
        .collect();
    if present.is_empty() { f64::NAN } else { present.iter().sum::<f64>() / present.len() as f64 }
}

pub fn mean_absolute_error(predicted: &[f64], actual: &[f64]) -> f64 {
    if actual.is_empty() {
        return f64::NAN;
    }
    predicted.iter().zip(actual).map(|(p, a)| (p - a).abs()).sum::<f64>() / actual.len() as f64
}

/// Adjusted Rand index of two labelings: 1 for the same grouping (whatever the ids), about 0 for chance.
pub fn adjusted_rand_index(a: &[usize], b: &[usize]) -> f64 {
    let n = a.len().min(b.len());
    if n < 2 {
        return 1.0;
    }
    let (ka, kb) = (a.iter().max().map_or(0, |m| m + 1), b.iter().max().map_or(0, |m| m + 1));
    let mut table = vec![0u64; ka * kb];
    for i in 0..n {
        table[a[i] * kb + b[i]] += 1;
    }
    let pairs = |x: u64| (x * x.saturating_sub(1)) as f64 / 2.0;
    let index: f64 = table.iter().map(|&c| pairs(c)).sum();
    let rows: f64 = (0..ka).map(|i| pairs(table[i * kb..(i + 1) * kb].iter().sum())).sum();
    let cols: f64 = (0..kb).map(|j| pairs((0..ka).map(|i| table[i * kb + j]).sum())).sum();
    let expected = rows * cols / pairs(n as u64);
    let max = (rows + cols) / 2.0;
    if max == expected { 1.0 } else { (index - expected) / (max - expected) }
}

/// Sum of squared distances from each row to its nearest centre (k-means' objective).
pub fn inertia(features: &[f64], n_features: usize, centroids: &[f64]) -> f64 {
    features
        .chunks_exact(n_features.max(1))
        .map(|row| {
            centroids
                .chunks_exact(n_features.max(1))
                .map(|c| row.iter().zip(c).map(|(x, y)| (x - y) * (x - y)).sum::<f64>())
                .fold(f64::INFINITY, f64::min)
        })
        .sum()
}

#[cfg(test)]
mod tests {
    #[test]
    fn macro_f1_leaves_out_classes_absent_from_truth_and_predictions() {
        // Three classes, the third never seen nor predicted on this test set. scikit-learn:
        // f1_score([0,0,1,1], [0,1,1,1], average="macro") = (2/3 + 4/5) / 2 = 0.7333...
        let confusion = vec![vec![1, 1, 0], vec![0, 2, 0], vec![0, 0, 0]];
        assert!((macro_f1(&confusion) - (2.0 / 3.0 + 0.8) / 2.0).abs() < 1e-12);
        // A class predicted but never true counts, with an F1 of 0.
        let confusion = vec![vec![1, 0, 1], vec![0, 2, 0], vec![0, 0, 0]];
        let expected = (2.0 / 3.0 + 1.0 + 0.0) / 3.0;
        assert!((macro_f1(&confusion) - expected).abs() < 1e-12);
    }

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

    #[test]
    fn confusion_matrix_and_per_class_scores() {
        let m = confusion_matrix(&[0, 1, 1, 2], &[0, 1, 2, 2], 3);
        assert_eq!(m, vec![vec![1, 0, 0], vec![0, 1, 0], vec![0, 1, 1]]);
        let s = per_class_scores(&m);
        assert_eq!((s[1].precision, s[1].recall), (0.5, 1.0));
        assert_eq!((s[2].precision, s[2].recall, s[2].support), (1.0, 0.5, 2));
        assert!((s[1].f1 - 2.0 / 3.0).abs() < 1e-12);
        assert_eq!(mean_absolute_error(&[1.0, 3.0], &[2.0, 2.0]), 1.0);
    }

    #[test]
    fn adjusted_rand_index_ignores_ids_and_punishes_mixing() {
        assert_eq!(adjusted_rand_index(&[0, 0, 1, 1], &[1, 1, 0, 0]), 1.0);
        // scikit-learn: adjusted_rand_score([0, 0, 1, 1], [0, 0, 1, 2]) = 0.5714285714285715
        assert!((adjusted_rand_index(&[0, 0, 1, 1], &[0, 0, 1, 2]) - 0.5714285714285715).abs() < 1e-12);
        assert!(adjusted_rand_index(&[0, 1, 0, 1], &[0, 0, 1, 1]) < 0.0);
        assert_eq!(inertia(&[0.0, 0.0, 2.0, 0.0], 2, &[1.0, 0.0]), 2.0);
    }

    #[test]
    fn log_loss_survives_a_label_past_the_classes() {
        assert!(log_loss(&[0.5, 0.5], 2, &[7]).is_finite());
    }
}
