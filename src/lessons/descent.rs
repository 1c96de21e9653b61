//! Gradient descent you can see: a logistic regression with two weights and no bias, so its whole
//! loss surface is a picture, and the paths that plain gradient descent, momentum and Adam take
//! across it. The update rules are written out by hand and mirror `network::optimizer`
//! (PyTorch's forms: momentum v <- mu*v + g, p <- p - lr*v; Adam with bias correction).

use crate::models::network::OptimizerKind;

/// The mean binary cross-entropy of `sigmoid(w . x)` on 2-D rows, and its gradient.
pub struct TwoWeightLogistic {
    /// Row-major `(x, y)` pairs (standardized).
    pub rows: Vec<[f64; 2]>,
    /// 0 or 1 per row.
    pub labels: Vec<f64>,
}

impl TwoWeightLogistic {
    pub fn loss(&self, w: [f64; 2]) -> f64 {
        let n = self.rows.len().max(1) as f64;
        self.rows
            .iter()
            .zip(&self.labels)
            .map(|(x, &y)| {
                let z = w[0] * x[0] + w[1] * x[1];
                // log(1 + e^z) - y*z, written to stay finite for large |z|.
                z.max(0.0) + (-z.abs()).exp().ln_1p() - y * z
            })
            .sum::<f64>()
            / n
    }

    pub fn gradient(&self, w: [f64; 2]) -> [f64; 2] {
        let n = self.rows.len().max(1) as f64;
        let mut g = [0.0; 2];
        for (x, &y) in self.rows.iter().zip(&self.labels) {
            let p = 1.0 / (1.0 + (-(w[0] * x[0] + w[1] * x[1])).exp());
            g[0] += (p - y) * x[0] / n;
            g[1] += (p - y) * x[1] / n;
        }
        g
    }

    /// The weights after each of `steps` full-batch steps from `start` (the start first).
    pub fn path(
        &self,
        optimizer: OptimizerKind,
        start: [f64; 2],
        learning_rate: f64,
        steps: usize,
    ) -> Vec<[f64; 2]> {
        let mut w = start;
        let mut path = vec![w];
        let (mut m, mut v) = ([0.0; 2], [0.0; 2]);
        let (beta1, beta2, eps, momentum) = (0.9, 0.999, 1e-8, 0.9);
        for t in 1..=steps {
            let g = self.gradient(w);
            for i in 0..2 {
                match optimizer {
                    OptimizerKind::Sgd => w[i] -= learning_rate * g[i],
                    OptimizerKind::Momentum => {
                        m[i] = if t == 1 { g[i] } else { momentum * m[i] + g[i] };
                        w[i] -= learning_rate * m[i];
                    }
                    OptimizerKind::Adam | OptimizerKind::AdamW => {
                        m[i] = beta1 * m[i] + (1.0 - beta1) * g[i];
                        v[i] = beta2 * v[i] + (1.0 - beta2) * g[i] * g[i];
                        let m_hat = m[i] / (1.0 - f64::powi(beta1, t as i32));
                        let v_hat = v[i] / (1.0 - f64::powi(beta2, t as i32));
                        w[i] -= learning_rate * m_hat / (v_hat.sqrt() + eps);
                    }
                }
            }
            path.push(w);
        }
        path
    }

    /// The loss over a `resolution × resolution` grid spanning `[-span, span]` on both weights,
    /// row 0 at `-span` of the second weight.
    pub fn surface(&self, span: f64, resolution: usize) -> Vec<f64> {
        let n = resolution.max(2);
        let at = |i: usize| -span + 2.0 * span * (i as f64 + 0.5) / n as f64;
        (0..n).flat_map(|r| (0..n).map(move |c| (c, r))).map(|(c, r)| self.loss([at(c), at(r)])).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem() -> TwoWeightLogistic {
        // Class 1 lies along +x, with some overlap so the best weights are finite.
        let rows: Vec<[f64; 2]> =
            (0..40).map(|i| [((i % 10) as f64 - 4.5) / 3.0, ((i * 7 % 10) as f64 - 4.5) / 3.0]).collect();
        let labels =
            rows.iter().enumerate().map(|(i, r)| f64::from(r[0] + 0.3 * (i % 3) as f64 > 0.2)).collect();
        TwoWeightLogistic { rows, labels }
    }

    #[test]
    fn the_gradient_matches_finite_differences() {
        let p = problem();
        let w = [0.4, -0.7];
        let g = p.gradient(w);
        let h = 1e-6;
        let numeric = (p.loss([w[0] + h, w[1]]) - p.loss([w[0] - h, w[1]])) / (2.0 * h);
        assert!((g[0] - numeric).abs() < 1e-6, "{g:?} vs {numeric}");
    }

    #[test]
    fn every_optimizer_goes_downhill_and_momentum_outpaces_plain_descent() {
        let p = problem();
        let start = [-3.0, 3.0];
        let end_loss = |kind| p.loss(*p.path(kind, start, 0.1, 40).last().unwrap());
        for kind in [OptimizerKind::Sgd, OptimizerKind::Momentum, OptimizerKind::Adam] {
            assert!(end_loss(kind) < p.loss(start) - 0.1, "{kind:?}");
        }
        assert!(end_loss(OptimizerKind::Momentum) < end_loss(OptimizerKind::Sgd));
        assert_eq!(p.surface(4.0, 5).len(), 25);
    }
}
