//! Support vector machines: libsvm's SMO solver (second-order working-set selection) for
//! classification (one-vs-one for more than two classes) and epsilon regression. Written here
//! because smartcore's SVC is binary, borrows its training data, panics on an RBF kernel
//! without gamma and was far slower than scikit-learn on the W6 bench.

use super::platt;
use crate::data::Task;
use crate::models::insight::ModelInsight;
use crate::models::learner::class_width;
use crate::models::learner::{Learner, ModelError, Prediction, PreparedData};
use crate::models::learner::{check_features, check_width, not_fitted, require_classes};
use crate::models::params::Params;

/// libsvm's stopping tolerance on the KKT gap.
const TOLERANCE: f64 = 1e-3;
const TAU: f64 = 1e-12;

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Kernel {
    Linear,
    Rbf { gamma: f64 },
    Poly { gamma: f64, degree: i32, coef0: f64 },
}

impl Kernel {
    fn eval(&self, a: &[f64], b: &[f64]) -> f64 {
        match *self {
            Kernel::Linear => dot(a, b),
            Kernel::Rbf { gamma } => {
                (-gamma * a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum::<f64>()).exp()
            }
            Kernel::Poly { gamma, degree, coef0 } => (gamma * dot(a, b) + coef0).powi(degree),
        }
    }
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// scikit-learn's gamma='scale': 1 / (features × variance of all feature values).
pub fn scale_gamma(features: &[f64], n_features: usize) -> f64 {
    let n = features.len() as f64;
    let mean = features.iter().sum::<f64>() / n;
    let var = features.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n;
    if var > 0.0 && var.is_finite() { 1.0 / (n_features as f64 * var) } else { 1.0 }
}

/// `exp(x)` for `x ≤ 0` to about 1e-13 relative error, written so the compiler can vectorise a
/// whole kernel row (libm's `exp` cannot be): range reduction by powers of two, then a
/// degree-11 Taylor polynomial.
#[inline(always)]
fn exp_nonpositive(x: f64) -> f64 {
    // 1.5 × 2^52: adding it rounds to an integer held in the low mantissa bits.
    const SHIFT: f64 = 6_755_399_441_055_744.0;
    const LN2_HI: f64 = 0.693_147_180_369_123_816_49;
    const LN2_LO: f64 = 1.908_214_929_270_587_7e-10;
    let x = x.max(-700.0);
    let t = x * std::f64::consts::LOG2_E + SHIFT;
    let k = t - SHIFT;
    let r = x - k * LN2_HI - k * LN2_LO;
    let mut p = 1.0 / 39_916_800.0;
    for c in [
        1.0 / 3_628_800.0,
        1.0 / 362_880.0,
        1.0 / 40_320.0,
        1.0 / 5_040.0,
        1.0 / 720.0,
        1.0 / 120.0,
        1.0 / 24.0,
        1.0 / 6.0,
        0.5,
        1.0,
        1.0,
    ] {
        p = p * r + c;
    }
    // 2^k from the integer in t's low bits.
    let scale = f64::from_bits(t.to_bits().wrapping_add(1023) << 52);
    p * scale
}

/// Kernel rows over a set of training rows, computed on demand and cached. The rows are kept
/// column-major so one kernel row is a handful of vectorised passes.
struct KernelCache {
    m: usize,
    d: usize,
    columns: Vec<f64>,
    norms: Vec<f64>,
    kernel: Kernel,
    /// Rows stored as f32, like libsvm: half the memory traffic, ample precision for the solver.
    cache: Vec<Option<Box<[f32]>>>,
    /// Cached rows in insertion order, for eviction.
    order: std::collections::VecDeque<usize>,
    capacity: usize,
    scratch: Vec<f64>,
}

impl KernelCache {
    fn new(rows: &[&[f64]], d: usize, kernel: Kernel) -> Self {
        let m = rows.len();
        let mut columns = vec![0.0; m * d];
        for (j, row) in rows.iter().enumerate() {
            for (k, &v) in row.iter().enumerate() {
                columns[k * m + j] = v;
            }
        }
        let norms = rows.iter().map(|r| dot(r, r)).collect();
        // About 256 MB of rows at most.
        let capacity = (32_000_000 / m.max(1)).max(2);
        Self {
            m,
            d,
            columns,
            norms,
            kernel,
            cache: vec![None; m],
            order: Default::default(),
            capacity,
            scratch: vec![0.0; m],
        }
    }

    fn diagonal(&self, i: usize) -> f64 {
        match self.kernel {
            Kernel::Linear => self.norms[i],
            Kernel::Rbf { .. } => 1.0,
            Kernel::Poly { gamma, degree, coef0 } => (gamma * self.norms[i] + coef0).powi(degree),
        }
    }

    /// Computes row `i` unless cached, evicting the oldest row other than `keep`.
    fn ensure(&mut self, i: usize, keep: usize) {
        if self.cache[i].is_none() {
            if self.order.len() >= self.capacity {
                let victim = if self.order.front() == Some(&keep) {
                    self.order.remove(1)
                } else {
                    self.order.pop_front()
                };
                if let Some(old) = victim {
                    self.cache[old] = None;
                }
            }
            let (m, d) = (self.m, self.d);
            let dots = &mut self.scratch;
            dots.iter_mut().for_each(|v| *v = 0.0);
            for k in 0..d {
                let xik = self.columns[k * m + i];
                dots.iter_mut().zip(&self.columns[k * m..(k + 1) * m]).for_each(|(acc, &x)| *acc += xik * x);
            }
            let row: Box<[f32]> = match self.kernel {
                Kernel::Linear => dots.iter().map(|&v| v as f32).collect(),
                Kernel::Rbf { gamma } => {
                    let ni = self.norms[i];
                    dots.iter()
                        .zip(&self.norms)
                        .map(|(&dot, &nj)| exp_nonpositive(-gamma * (ni + nj - 2.0 * dot).max(0.0)) as f32)
                        .collect()
                }
                Kernel::Poly { gamma, degree, coef0 } => {
                    dots.iter().map(|&dot| (gamma * dot + coef0).powi(degree) as f32).collect()
                }
            };
            self.cache[i] = Some(row);
            self.order.push_back(i);
        }
    }

    /// A row made ready by `ensure`.
    fn get(&self, i: usize) -> &[f32] {
        self.cache[i].as_deref().unwrap_or(&[])
    }
}

/// The dual problem `min ½ aᵀQa + pᵀa, yᵀa = const, 0 ≤ a ≤ C` with `Q_ij = y_i y_j K(r_i, r_j)`,
/// where variable `t` uses cached row `t mod m` (so SVR's 2m variables share m rows).
/// Returns the alphas and rho.
fn solve(cache: &mut KernelCache, y: &[f64], p: &[f64], c: f64) -> (Vec<f64>, f64) {
    let l = y.len();
    let m = cache.m;
    let row = |t: usize| if t < m { t } else { t - m };
    let diag: Vec<f64> = (0..l).map(|t| cache.diagonal(row(t))).collect();
    let mut alpha = vec![0.0; l];
    let mut grad = p.to_vec();
    let upper = |a: f64| a >= c;
    let lower = |a: f64| a <= 0.0;
    let max_iter = (100 * l).max(10_000_000);
    for _ in 0..max_iter {
        // Working set: i maximises -y G over I_up; j by the second-order gain.
        let (mut gmax, mut i) = (f64::NEG_INFINITY, usize::MAX);
        for t in 0..l {
            if y[t] > 0.0 {
                if !upper(alpha[t]) && -grad[t] >= gmax {
                    (gmax, i) = (-grad[t], t);
                }
            } else if !lower(alpha[t]) && grad[t] >= gmax {
                (gmax, i) = (grad[t], t);
            }
        }
        let mut j = usize::MAX;
        let mut gmax2 = f64::NEG_INFINITY;
        if i != usize::MAX {
            cache.ensure(row(i), usize::MAX);
            let ki = cache.get(row(i));
            let mut best = f64::INFINITY;
            for t in 0..l {
                // quad = |phi_i - phi_t|^2 whatever the labels.
                let quad = diag[i] + diag[t] - 2.0 * ki[row(t)] as f64;
                let quad = if quad > 0.0 { quad } else { TAU };
                if y[t] > 0.0 {
                    if !lower(alpha[t]) {
                        let diff = gmax + grad[t];
                        gmax2 = gmax2.max(grad[t]);
                        if diff > 0.0 {
                            let gain = -(diff * diff) / quad;
                            if gain <= best {
                                (j, best) = (t, gain);
                            }
                        }
                    }
                } else if !upper(alpha[t]) {
                    let diff = gmax - grad[t];
                    gmax2 = gmax2.max(-grad[t]);
                    if diff > 0.0 {
                        let gain = -(diff * diff) / quad;
                        if gain <= best {
                            (j, best) = (t, gain);
                        }
                    }
                }
            }
        }
        if i == usize::MAX || j == usize::MAX || gmax + gmax2 < TOLERANCE {
            break;
        }
        cache.ensure(row(j), row(i));
        let (ki, kj) = (cache.get(row(i)), cache.get(row(j)));
        let qij = y[i] * y[j] * ki[row(j)] as f64;
        let (old_i, old_j) = (alpha[i], alpha[j]);
        if y[i] != y[j] {
            let quad = (diag[i] + diag[j] + 2.0 * qij).max(TAU);
            let delta = (-grad[i] - grad[j]) / quad;
            let diff = alpha[i] - alpha[j];
            alpha[i] += delta;
            alpha[j] += delta;
            if diff > 0.0 {
                if alpha[j] < 0.0 {
                    alpha[j] = 0.0;
                    alpha[i] = diff;
                }
            } else if alpha[i] < 0.0 {
                alpha[i] = 0.0;
                alpha[j] = -diff;
            }
            if diff > 0.0 {
                if alpha[i] > c {
                    alpha[i] = c;
                    alpha[j] = c - diff;
                }
            } else if alpha[j] > c {
                alpha[j] = c;
                alpha[i] = c + diff;
            }
        } else {
            let quad = (diag[i] + diag[j] - 2.0 * qij).max(TAU);
            let delta = (grad[i] - grad[j]) / quad;
            let sum = alpha[i] + alpha[j];
            alpha[i] -= delta;
            alpha[j] += delta;
            if sum > c {
                if alpha[i] > c {
                    alpha[i] = c;
                    alpha[j] = sum - c;
                }
            } else if alpha[j] < 0.0 {
                alpha[j] = 0.0;
                alpha[i] = sum;
            }
            if sum > c {
                if alpha[j] > c {
                    alpha[j] = c;
                    alpha[i] = sum - c;
                }
            } else if alpha[i] < 0.0 {
                alpha[i] = 0.0;
                alpha[j] = sum;
            }
        }
        let (si, sj) = (y[i] * (alpha[i] - old_i), y[j] * (alpha[j] - old_j));
        for (g_half, y_half) in grad.chunks_mut(m).zip(y.chunks(m)) {
            for (((g, &yt), &a), &b) in g_half.iter_mut().zip(y_half).zip(ki).zip(kj) {
                *g += yt * (si * a as f64 + sj * b as f64);
            }
        }
    }
    // rho: mean of y G over free variables, else the middle of the feasible interval.
    let (mut ub, mut lb, mut sum, mut free) = (f64::INFINITY, f64::NEG_INFINITY, 0.0, 0usize);
    for t in 0..l {
        let yg = y[t] * grad[t];
        if upper(alpha[t]) {
            if y[t] < 0.0 { ub = ub.min(yg) } else { lb = lb.max(yg) }
        } else if lower(alpha[t]) {
            if y[t] > 0.0 { ub = ub.min(yg) } else { lb = lb.max(yg) }
        } else {
            free += 1;
            sum += yg;
        }
    }
    let rho = if free > 0 { sum / free as f64 } else { (ub + lb) / 2.0 };
    (alpha, rho)
}

/// One binary machine: `f(x) = Σ coef_i K(sv_i, x) - rho`.
#[derive(Clone, Debug)]
struct Machine {
    /// Indices into the model's support-vector table.
    support: Vec<usize>,
    coef: Vec<f64>,
    rho: f64,
    /// Class for f > 0 and for f ≤ 0 (classification).
    positive: u32,
    negative: u32,
    /// The training rows this machine learned from and their ±1 labels, for calibration.
    rows: Vec<usize>,
    y: Vec<f64>,
}

pub struct SvmModel {
    task: Task,
    classes: usize,
    c: f64,
    kernel_name: String,
    gamma: f64,
    degree: i32,
    coef0: f64,
    epsilon: f64,
    fitted: Option<FittedSvm>,
}

struct FittedSvm {
    kernel: Kernel,
    n_features: usize,
    /// Support vectors, row-major, and their training-row indices.
    vectors: Vec<f64>,
    indices: Vec<usize>,
    machines: Vec<Machine>,
    width: usize,
    /// The training rows, row-major: calibration refits on folds of them.
    training: Vec<f64>,
    /// Platt's sigmoid (a, b) per machine, fitted when probabilities are first asked for, so a
    /// fit costs what scikit-learn's SVC costs without `probability=True` (bench W6).
    calibration: std::sync::OnceLock<Vec<(f64, f64)>>,
}

impl SvmModel {
    pub fn new(task: Task, classes: usize, params: &Params) -> Self {
        Self {
            task,
            classes,
            c: params.float("c"),
            kernel_name: params.choice("kernel").to_string(),
            gamma: params.float("gamma"),
            degree: params.int("degree") as i32,
            coef0: params.float("coef0"),
            epsilon: params.float("epsilon"),
            fitted: None,
        }
    }

    fn kernel(&self, train: &PreparedData) -> Kernel {
        // gamma 0 means 'scale', computed from the training rows; always set, never left to a library default.
        let gamma =
            if self.gamma > 0.0 { self.gamma } else { scale_gamma(&train.features, train.n_features) };
        match self.kernel_name.as_str() {
            "linear" => Kernel::Linear,
            "poly" => Kernel::Poly { gamma, degree: self.degree, coef0: self.coef0 },
            _ => Kernel::Rbf { gamma },
        }
    }

    /// Platt's sigmoid for every machine, fitted on out-of-fold decision values.
    fn calibrate(&self, fitted: &FittedSvm) -> Vec<(f64, f64)> {
        let d = fitted.n_features;
        fitted
            .machines
            .iter()
            .map(|m| {
                let rows: Vec<&[f64]> =
                    m.rows.iter().map(|&r| &fitted.training[r * d..(r + 1) * d]).collect();
                let positive: Vec<bool> = m.y.iter().map(|&v| v > 0.0).collect();
                platt::fit_sigmoid(&self.out_of_fold(&rows, &m.y, d, fitted.kernel), &positive)
            })
            .collect()
    }

    /// Each row's decision value from a machine trained without it (k-fold, as libsvm does
    /// before fitting Platt's sigmoid), so the probabilities are not fitted to training noise.
    fn out_of_fold(&self, rows: &[&[f64]], y: &[f64], d: usize, kernel: Kernel) -> Vec<f64> {
        let n = rows.len();
        let folds = 5.min(n / 2).max(2);
        let mut out = vec![0.0; n];
        for fold in 0..folds {
            let kept: Vec<usize> = (0..n).filter(|i| i % folds != fold).collect();
            let ys: Vec<f64> = kept.iter().map(|&i| y[i]).collect();
            let held = (0..n).filter(|i| i % folds == fold);
            if ys.iter().all(|&v| v > 0.0) || ys.iter().all(|&v| v < 0.0) {
                // One class left in the fold: its sign is the answer, as in libsvm.
                held.for_each(|i| out[i] = ys.first().copied().unwrap_or(0.0));
                continue;
            }
            let subset: Vec<&[f64]> = kept.iter().map(|&i| rows[i]).collect();
            let mut cache = KernelCache::new(&subset, d, kernel);
            let (alpha, rho) = solve(&mut cache, &ys, &vec![-1.0; ys.len()], self.c);
            for i in held {
                out[i] = kept
                    .iter()
                    .zip(alpha.iter().zip(&ys))
                    .filter(|(_, (a, _))| **a > 0.0)
                    .map(|(&j, (a, yj))| a * yj * kernel.eval(rows[j], rows[i]))
                    .sum::<f64>()
                    - rho;
            }
        }
        out
    }

    /// Decision value of every machine for one row.
    fn decisions(fitted: &FittedSvm, row: &[f64], kernel_values: &mut Vec<f64>, out: &mut Vec<f64>) {
        kernel_values.clear();
        kernel_values
            .extend(fitted.vectors.chunks_exact(fitted.n_features).map(|sv| fitted.kernel.eval(sv, row)));
        out.clear();
        out.extend(
            fitted.machines.iter().map(|m| {
                m.support.iter().zip(&m.coef).map(|(&s, c)| c * kernel_values[s]).sum::<f64>() - m.rho
            }),
        );
    }
}

impl Learner for SvmModel {
    fn train_epoch(&mut self, train: &PreparedData, _epoch: usize) -> Result<(), ModelError> {
        if self.fitted.is_some() {
            return Ok(());
        }
        let kernel = self.kernel(train);
        let d = train.n_features;
        let rows: Vec<&[f64]> = match self.task {
            Task::Classification => {
                require_classes(train)?;
                train.features.chunks_exact(d).collect()
            }
            Task::Regression => {
                check_features(train)?;
                train.features.chunks_exact(d).collect()
            }
        };
        let n = rows.len();
        let mut raw: Vec<(Vec<usize>, Vec<f64>, f64, u32, u32, Vec<usize>, Vec<f64>)> = Vec::new();
        let width;
        match self.task {
            Task::Classification => {
                let labels = train.labels();
                width = class_width(self.classes, &labels);
                let mut present: Vec<u32> = labels.clone();
                present.sort_unstable();
                present.dedup();
                for (a, &ca) in present.iter().enumerate() {
                    for &cb in &present[a + 1..] {
                        let row_of: Vec<usize> =
                            (0..n).filter(|&r| labels[r] == ca || labels[r] == cb).collect();
                        let subset: Vec<&[f64]> = row_of.iter().map(|&r| rows[r]).collect();
                        let mut cache = KernelCache::new(&subset, d, kernel);
                        let y: Vec<f64> =
                            row_of.iter().map(|&r| if labels[r] == ca { 1.0 } else { -1.0 }).collect();
                        let p = vec![-1.0; row_of.len()];
                        let (alpha, rho) = solve(&mut cache, &y, &p, self.c);
                        let (support, coef): (Vec<usize>, Vec<f64>) = alpha
                            .iter()
                            .zip(&y)
                            .zip(&row_of)
                            .filter(|((a, _), _)| **a > 0.0)
                            .map(|((a, y), &r)| (r, a * y))
                            .unzip();
                        raw.push((support, coef, rho, ca, cb, row_of, y));
                    }
                }
            }
            Task::Regression => {
                width = 0;
                let mut cache = KernelCache::new(&rows, d, kernel);
                let y: Vec<f64> = (0..2 * n).map(|i| if i < n { 1.0 } else { -1.0 }).collect();
                let p: Vec<f64> = (0..2 * n)
                    .map(|i| {
                        if i < n {
                            self.epsilon - train.targets[i]
                        } else {
                            self.epsilon + train.targets[i - n]
                        }
                    })
                    .collect();
                let (alpha, rho) = solve(&mut cache, &y, &p, self.c);
                let (support, coef): (Vec<usize>, Vec<f64>) =
                    (0..n).map(|r| (r, alpha[r] - alpha[r + n])).filter(|(_, c)| *c != 0.0).unzip();
                raw.push((support, coef, rho, 0, 0, Vec::new(), Vec::new()));
            }
        }
        // One shared table of support vectors, so a row's kernel values are computed once per prediction.
        let mut slot = vec![usize::MAX; n];
        let mut indices = Vec::new();
        for (support, ..) in &raw {
            for &r in support {
                if slot[r] == usize::MAX {
                    slot[r] = indices.len();
                    indices.push(r);
                }
            }
        }
        let vectors =
            indices.iter().flat_map(|&r| train.features[r * d..(r + 1) * d].iter().copied()).collect();
        let machines = raw
            .into_iter()
            .map(|(support, coef, rho, positive, negative, rows, y)| Machine {
                support: support.iter().map(|&r| slot[r]).collect(),
                coef,
                rho,
                positive,
                negative,
                rows,
                y,
            })
            .collect();
        let training = if self.task == Task::Classification { train.features.clone() } else { Vec::new() };
        let calibration = std::sync::OnceLock::new();
        self.fitted = Some(FittedSvm {
            kernel,
            n_features: d,
            vectors,
            indices,
            machines,
            width,
            training,
            calibration,
        });
        Ok(())
    }

    fn predict(&self, features: &[f64], n_features: usize) -> Result<Prediction, ModelError> {
        let fitted = self.fitted.as_ref().ok_or_else(not_fitted)?;
        let rows = check_width(features, n_features, fitted.n_features)?;
        let (mut kv, mut dec) = (Vec::new(), Vec::new());
        match self.task {
            Task::Regression => Ok(Prediction::Values(
                features
                    .chunks_exact(n_features)
                    .map(|row| {
                        Self::decisions(fitted, row, &mut kv, &mut dec);
                        dec[0]
                    })
                    .collect(),
            )),
            Task::Classification => {
                let k = fitted.width;
                let sigmoids = fitted.calibration.get_or_init(|| self.calibrate(fitted));
                let mut probs = vec![0f32; rows * k];
                // The classes the machines were trained on, and which machine answers each pair.
                let mut present: Vec<u32> =
                    fitted.machines.iter().flat_map(|m| [m.positive, m.negative]).collect();
                present.sort_unstable();
                present.dedup();
                let place = |class: u32| present.iter().position(|&c| c == class).unwrap_or(0);
                let mut machine_of = vec![vec![None; present.len()]; present.len()];
                for (index, m) in fitted.machines.iter().enumerate() {
                    machine_of[place(m.positive)][place(m.negative)] = Some(index);
                }
                for (row, out) in features.chunks_exact(n_features).zip(probs.chunks_exact_mut(k)) {
                    Self::decisions(fitted, row, &mut kv, &mut dec);
                    if let [m] = fitted.machines.as_slice() {
                        let p = platt::sigmoid(dec[0], sigmoids[0]);
                        out[m.positive as usize] = p as f32;
                        out[m.negative as usize] = (1.0 - p) as f32;
                        continue;
                    }
                    // P(i | i or j) from machine (i, j), or 1 - P(j | i or j) from machine (j, i).
                    let pair = |i: usize, j: usize| match (machine_of[i][j], machine_of[j][i]) {
                        (Some(m), _) => platt::sigmoid(dec[m], sigmoids[m]),
                        (None, Some(m)) => 1.0 - platt::sigmoid(dec[m], sigmoids[m]),
                        (None, None) => 0.5,
                    };
                    for (t, p) in platt::couple(present.len(), pair).into_iter().enumerate() {
                        out[present[t] as usize] = p as f32;
                    }
                }
                Ok(Prediction::Probabilities { classes: k, probs })
            }
        }
    }

    fn parameter_count(&self) -> usize {
        self.fitted
            .as_ref()
            .map_or(0, |f| f.vectors.len() + f.machines.iter().map(|m| m.coef.len() + 1).sum::<usize>())
    }

    fn insight(&self) -> Option<ModelInsight> {
        let f = self.fitted.as_ref()?;
        // Sum of |coefficient| over the machines each vector serves.
        let mut coefficients = vec![0.0; f.indices.len()];
        for m in &f.machines {
            for (&s, c) in m.support.iter().zip(&m.coef) {
                coefficients[s] += if f.machines.len() == 1 { *c } else { c.abs() };
            }
        }
        Some(ModelInsight::SupportVectors {
            vectors: f.vectors.clone(),
            n_features: f.n_features,
            indices: f.indices.clone(),
            coefficients,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::ModelKind;
    use crate::models::classical::tree::tests::three_blobs;
    use crate::models::params::{ParamValue, validate};

    fn svm(task: Task, kernel: &str) -> SvmModel {
        let mut given = std::collections::BTreeMap::new();
        given.insert("kernel".to_string(), ParamValue::Choice(kernel.into()));
        SvmModel::new(task, 3, &validate(ModelKind::Svm, &given).unwrap())
    }

    #[test]
    fn every_kernel_separates_three_blobs() {
        let data = three_blobs(20);
        for kernel in ["rbf", "linear", "poly"] {
            let mut model = svm(Task::Classification, kernel);
            model.train_epoch(&data, 0).unwrap();
            let pred = model.predict(&data.features, 2).unwrap();
            let acc = crate::metrics::accuracy(&pred.classes().unwrap(), &data.labels());
            assert!(acc >= 0.95, "{kernel}: {acc}");
            let Some(ModelInsight::SupportVectors { indices, .. }) = model.insight() else { panic!() };
            assert!(!indices.is_empty() && indices.len() < 60, "{kernel}: {}", indices.len());
        }
    }

    #[test]
    fn binary_probabilities_are_platt_scaled_decision_values() {
        let data = PreparedData {
            features: vec![-2.0, -1.5, -1.0, -0.5, 0.5, 1.0, 1.5, 2.0],
            n_features: 1,
            targets: vec![0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0],
            task: Task::Classification,
            classes: 2,
        };
        let mut model = svm(Task::Classification, "linear");
        model.train_epoch(&data, 0).unwrap();
        let Prediction::Probabilities { probs, classes } = model.predict(&[-3.0, 0.0, 3.0], 1).unwrap()
        else {
            panic!()
        };
        let p: Vec<&[f32]> = probs.chunks_exact(classes).collect();
        // Rising with the decision value, summing to one, undecided on the boundary.
        assert!(p[0][1] < p[1][1] && p[1][1] < p[2][1], "{probs:?}");
        assert!(p[0][1] < 0.25 && p[2][1] > 0.75, "{probs:?}");
        assert!((p[1][1] - 0.5).abs() < 0.1 && (p[1][0] + p[1][1] - 1.0).abs() < 1e-6, "{probs:?}");
    }

    #[test]
    fn multiclass_probabilities_are_coupled_and_sum_to_one() {
        let data = three_blobs(20);
        let mut model = svm(Task::Classification, "rbf");
        model.train_epoch(&data, 0).unwrap();
        let Prediction::Probabilities { probs, classes } = model.predict(&data.features, 2).unwrap() else {
            panic!()
        };
        for (row, p) in probs.chunks_exact(classes).enumerate() {
            assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-4, "row {row}: {p:?}");
            let best = p.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)).unwrap().0;
            assert_eq!(best as f64, data.targets[row], "row {row}: {p:?}");
            // Well-separated blobs: sure answers, where vote shares would stop at 2/3.
            assert!(p[best] > 0.7, "row {row}: {p:?}");
        }
    }

    #[test]
    fn svr_fits_a_line_within_epsilon() {
        let features: Vec<f64> = (0..30).map(|i| i as f64 / 10.0 - 1.5).collect();
        let targets: Vec<f64> = features.iter().map(|x| 2.0 * x + 1.0).collect();
        let data = PreparedData { features, n_features: 1, targets, task: Task::Regression, classes: 0 };
        let mut model = svm(Task::Regression, "linear");
        model.train_epoch(&data, 0).unwrap();
        let Prediction::Values(v) = model.predict(&[0.0, 1.0], 1).unwrap() else { panic!() };
        assert!((v[0] - 1.0).abs() < 0.15 && (v[1] - 3.0).abs() < 0.15, "{v:?}");
    }

    #[test]
    fn the_fast_exp_matches_the_library_exp() {
        for i in 0..2000 {
            let x = -(i as f64) * 0.37;
            let (a, b) = (exp_nonpositive(x), x.exp());
            assert!((a - b).abs() <= 1e-12 * b + 1e-300, "{x}: {a} vs {b}");
        }
        assert_eq!(exp_nonpositive(0.0), 1.0);
        assert!(exp_nonpositive(-1e6) < 1e-300);
    }

    #[test]
    fn gamma_scale_matches_scikit_learn() {
        // var of [0, 2, 4, 6] is 5; two features: 1 / (2 * 5).
        assert!((scale_gamma(&[0.0, 2.0, 4.0, 6.0], 2) - 0.1).abs() < 1e-12);
        assert_eq!(scale_gamma(&[3.0, 3.0], 2), 1.0);
    }
}
