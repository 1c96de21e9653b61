//! Probabilities for the SVM, as libsvm makes them: Platt scaling of each pairwise machine's
//! decision values (fitted on out-of-fold values, by the Newton method of Lin, Lin and Weng 2007)
//! and, for more than two classes, pairwise coupling (Wu, Lin and Weng 2004, libsvm's method).
//! Written here because smartcore's SVC gives no probabilities.

/// The sigmoid `P(positive | f) = 1 / (1 + exp(a f + b))` that best fits decision values `f`
/// of rows whose class is `positive[i]`.
pub fn fit_sigmoid(decisions: &[f64], positive: &[bool]) -> (f64, f64) {
    let prior1 = positive.iter().filter(|&&p| p).count() as f64;
    let prior0 = positive.len() as f64 - prior1;
    // Targets a little inside (0, 1), as Platt suggests, so the fit cannot run to infinity.
    let (hi, lo) = ((prior1 + 1.0) / (prior1 + 2.0), 1.0 / (prior0 + 2.0));
    let targets: Vec<f64> = positive.iter().map(|&p| if p { hi } else { lo }).collect();
    let objective = |a: f64, b: f64| -> f64 {
        decisions
            .iter()
            .zip(&targets)
            .map(|(f, t)| {
                let z = f * a + b;
                if z >= 0.0 { t * z + (-z).exp().ln_1p() } else { (t - 1.0) * z + z.exp().ln_1p() }
            })
            .sum()
    };
    let (mut a, mut b) = (0.0, ((prior0 + 1.0) / (prior1 + 1.0)).ln());
    let mut value = objective(a, b);
    for _ in 0..100 {
        let (mut h11, mut h22, mut h21, mut g1, mut g2) = (1e-12, 1e-12, 0.0, 0.0, 0.0);
        for (f, t) in decisions.iter().zip(&targets) {
            let z = f * a + b;
            let (p, q) = if z >= 0.0 {
                ((-z).exp() / (1.0 + (-z).exp()), 1.0 / (1.0 + (-z).exp()))
            } else {
                (1.0 / (1.0 + z.exp()), z.exp() / (1.0 + z.exp()))
            };
            let d2 = p * q;
            h11 += f * f * d2;
            h22 += d2;
            h21 += f * d2;
            let d1 = t - p;
            g1 += f * d1;
            g2 += d1;
        }
        if g1.abs() < 1e-5 && g2.abs() < 1e-5 {
            break;
        }
        let det = h11 * h22 - h21 * h21;
        let (da, db) = (-(h22 * g1 - h21 * g2) / det, -(-h21 * g1 + h11 * g2) / det);
        let slope = g1 * da + g2 * db;
        let mut step = 1.0;
        while step >= 1e-10 {
            let (na, nb) = (a + step * da, b + step * db);
            let candidate = objective(na, nb);
            if candidate < value + 1e-4 * step * slope {
                (a, b, value) = (na, nb, candidate);
                break;
            }
            step /= 2.0;
        }
        if step < 1e-10 {
            break;
        }
    }
    (a, b)
}

/// The sigmoid's probability of the positive class for decision value `f`.
pub fn sigmoid(f: f64, (a, b): (f64, f64)) -> f64 {
    let z = f * a + b;
    if z >= 0.0 { (-z).exp() / (1.0 + (-z).exp()) } else { 1.0 / (1.0 + z.exp()) }
}

/// Class probabilities from pairwise ones: `pair(i, j)` is P(i | i or j) for i ≠ j.
pub fn couple(k: usize, pair: impl Fn(usize, usize) -> f64) -> Vec<f64> {
    let r = |i: usize, j: usize| pair(i, j).clamp(1e-7, 1.0 - 1e-7);
    let mut q = vec![vec![0.0; k]; k];
    for t in 0..k {
        for j in 0..k {
            if j != t {
                q[t][t] += r(j, t) * r(j, t);
                q[t][j] = -r(j, t) * r(t, j);
            }
        }
    }
    let mut p = vec![1.0 / k as f64; k];
    let mut qp = vec![0.0; k];
    let eps = 0.005 / k as f64;
    for _ in 0..100.max(k) {
        let mut pqp = 0.0;
        for t in 0..k {
            qp[t] = (0..k).map(|j| q[t][j] * p[j]).sum();
            pqp += p[t] * qp[t];
        }
        if qp.iter().map(|v| (v - pqp).abs()).fold(0.0, f64::max) < eps {
            break;
        }
        for t in 0..k {
            let diff = (-qp[t] + pqp) / q[t][t];
            p[t] += diff;
            pqp = (pqp + diff * (diff * q[t][t] + 2.0 * qp[t])) / ((1.0 + diff) * (1.0 + diff));
            for j in 0..k {
                qp[j] = (qp[j] + diff * q[t][j]) / (1.0 + diff);
                p[j] /= 1.0 + diff;
            }
        }
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sigmoid_fits_separated_and_overlapping_values() {
        // Positive rows have larger decision values: the fitted sigmoid rises with f.
        let f = [-2.0, -1.5, -1.0, -0.2, 0.3, 1.0, 1.4, 2.2];
        let positive = [false, false, false, true, false, true, true, true];
        let ab = fit_sigmoid(&f, &positive);
        assert!(ab.0 < 0.0, "{ab:?}");
        assert!(sigmoid(2.0, ab) > 0.8 && sigmoid(-2.0, ab) < 0.2, "{ab:?}");
        let at_zero = sigmoid(0.0, ab);
        assert!((0.3..0.7).contains(&at_zero), "{at_zero}");
    }

    #[test]
    fn coupling_sums_to_one_and_follows_the_pairs() {
        // Class 0 beats both others, class 1 beats class 2.
        let pairs = [[0.5, 0.8, 0.9], [0.2, 0.5, 0.7], [0.1, 0.3, 0.5]];
        let p = couple(3, |i, j| pairs[i][j]);
        assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-9, "{p:?}");
        assert!(p[0] > p[1] && p[1] > p[2], "{p:?}");
        // Two classes: coupling gives the pair's own probability back.
        let two = couple(2, |i, _| if i == 0 { 0.7 } else { 0.3 });
        assert!((two[0] - 0.7).abs() < 1e-6, "{two:?}");
    }
}
