//! Standardization, fitted on the training rows only so the test set stays unseen.

use serde::{Deserialize, Serialize};

use super::Dataset;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Standardizer {
    pub mean: Vec<f64>,
    /// Standard deviation per feature; 1 for a constant feature so nothing divides by zero.
    pub scale: Vec<f64>,
}

impl Standardizer {
    pub fn fit(data: &Dataset) -> Self {
        let d = data.n_features();
        let n = data.rows().max(1) as f64;
        let mut mean = vec![0.0; d];
        for row in data.features.chunks_exact(d.max(1)) {
            for (m, v) in mean.iter_mut().zip(row) {
                *m += v;
            }
        }
        mean.iter_mut().for_each(|m| *m /= n);
        let mut var = vec![0.0; d];
        for row in data.features.chunks_exact(d.max(1)) {
            for ((s, v), m) in var.iter_mut().zip(row).zip(&mean) {
                *s += (v - m) * (v - m);
            }
        }
        let scale = var
            .into_iter()
            .map(|s| {
                let sd = (s / n).sqrt();
                if sd > 1e-12 && sd.is_finite() { sd } else { 1.0 }
            })
            .collect();
        Self { mean, scale }
    }

    /// A scaler that changes nothing (for `--no-scale`).
    pub fn identity(n_features: usize) -> Self {
        Self { mean: vec![0.0; n_features], scale: vec![1.0; n_features] }
    }

    pub fn transform_row(&self, row: &[f64], out: &mut Vec<f64>) {
        out.extend(row.iter().zip(&self.mean).zip(&self.scale).map(|((v, m), s)| (v - m) / s));
    }

    pub fn transform(&self, data: &Dataset) -> Dataset {
        let mut features = Vec::with_capacity(data.features.len());
        for i in 0..data.rows() {
            self.transform_row(data.row(i), &mut features);
        }
        Dataset { features, ..data.clone() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Target;

    #[test]
    fn standardizes_and_leaves_constant_columns_finite() {
        let ds = Dataset::new(
            "t",
            vec!["a".into(), "const".into()],
            vec![1.0, 7.0, 3.0, 7.0],
            Target::Values(vec![0.0, 1.0]),
            "y",
        )
        .unwrap();
        let scaler = Standardizer::fit(&ds);
        assert_eq!(scaler.mean, vec![2.0, 7.0]);
        assert_eq!(scaler.scale, vec![1.0, 1.0]);
        let scaled = scaler.transform(&ds);
        assert_eq!(scaled.features, vec![-1.0, 0.0, 1.0, 0.0]);
    }
}
