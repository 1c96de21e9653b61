//! A GRU over a whole sequence on the CPU, forward and backward through time in one op each.
//!
//! Written by hand because through candle's ops every time step costs a dozen small tensor
//! ops forward (and more backward), each allocating: a GRU(64) over 40 steps (bench W10) spent
//! most of its time there rather than in arithmetic. Here one op runs all steps, keeps what
//! the backward pass needs, and splits the batch over cores when the work pays for it. The
//! gate order and the candidate's `r · (W_hn h + b_hn)` are PyTorch's. Other devices and dtypes
//! use the step-by-step form in layers.rs.

use std::sync::Mutex;

use candle_core::{CpuStorage, CustomOp3, DType, Device, Layout, Shape, Tensor};

use super::kernels::fast_tanh;
use super::matmul::{Matrix, contiguous_f32, gemm};
use super::threads::map_chunks;

fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

/// What the backward pass needs of one chunk of batch rows: every hidden state and gate.
struct Saved {
    rows: std::ops::Range<usize>,
    /// Whether every step was kept (else only the last, and no backward pass is possible).
    kept: bool,
    /// `(steps + 1) × rows × hidden`: the states before and after each step.
    states: Vec<f32>,
    /// `steps × rows × hidden` each: reset and update gates, candidate, and `W_hn h + b_hn`.
    reset: Vec<f32>,
    update: Vec<f32>,
    candidate: Vec<f32>,
    hidden_n: Vec<f32>,
}

/// The last hidden state `(batch, hidden)` of a GRU, from the projected inputs
/// `(batch, steps, 3·hidden)` (`x W_ih + b_ih`), `W_hh (hidden, 3·hidden)` and `b_hh (3·hidden)`.
struct GruSequence {
    saved: Mutex<Vec<Saved>>,
    keep: bool,
}

/// Sizes of one sequence batch.
#[derive(Clone, Copy)]
struct Dims {
    batch: usize,
    steps: usize,
    hidden: usize,
}

impl Dims {
    fn work(&self) -> usize {
        self.batch * self.steps * self.hidden * 3 * self.hidden
    }
}

/// Runs `rows` of the batch through every step, keeping each state and gate.
/// Without `keep` (no backward pass to come) only the latest state and gates are kept: a
/// prediction over thousands of rows would otherwise hold every step of every row.
fn forward_rows(
    d: Dims,
    rows: std::ops::Range<usize>,
    (projected, w_hh, b_hh): (&[f32], &[f32], &[f32]),
    keep: bool,
) -> Saved {
    let (h, n, width) = (d.hidden, rows.len(), 3 * d.hidden);
    let kept = if keep { d.steps } else { 1 };
    let mut saved = Saved {
        rows: rows.clone(),
        kept: keep,
        states: vec![0.0; (kept + 1) * n * h],
        reset: vec![0.0; kept * n * h],
        update: vec![0.0; kept * n * h],
        candidate: vec![0.0; kept * n * h],
        hidden_n: vec![0.0; kept * n * h],
    };
    let mut hp = vec![0.0f32; n * width];
    for t in 0..d.steps {
        for row in hp.chunks_mut(width) {
            row.copy_from_slice(b_hh);
        }
        let slot = if keep { t } else { 0 };
        let (before, after) = saved.states.split_at_mut((slot + 1) * n * h);
        let state = &before[slot * n * h..];
        gemm(&mut hp, true, Matrix::rows(state, h), Matrix::rows(w_hh, width), (n, h, width));
        let next = &mut after[..n * h];
        let at = slot * n * h;
        for (b, row) in rows.clone().enumerate() {
            let xp = &projected[(row * d.steps + t) * width..][..width];
            let hp = &hp[b * width..][..width];
            for j in 0..h {
                let i = b * h + j;
                let r = sigmoid(xp[j] + hp[j]);
                let z = sigmoid(xp[h + j] + hp[h + j]);
                let hn = hp[2 * h + j];
                let c = fast_tanh(xp[2 * h + j] + r * hn);
                next[i] = c + z * (state[i] - c);
                saved.reset[at + i] = r;
                saved.update[at + i] = z;
                saved.candidate[at + i] = c;
                saved.hidden_n[at + i] = hn;
            }
        }
        if !keep {
            saved.states.copy_within(n * h..2 * n * h, 0);
        }
    }
    saved
}

/// Gradients of one chunk: `d projected` for its rows, and its share of `dW_hh`, `db_hh`.
fn backward_rows(d: Dims, s: &Saved, grad_last: &[f32], w_hh: &[f32]) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
    let (h, n, width) = (d.hidden, s.rows.len(), 3 * d.hidden);
    let mut d_projected = vec![0.0f32; n * d.steps * width];
    let mut d_w = vec![0.0f32; h * width];
    let mut d_b = vec![0.0f32; width];
    let mut dh = grad_last[s.rows.start * h..s.rows.end * h].to_vec();
    let mut d_hp = vec![0.0f32; n * width];
    for t in (0..d.steps).rev() {
        let state = &s.states[t * n * h..(t + 1) * n * h];
        let at = t * n * h;
        for b in 0..n {
            for j in 0..h {
                let i = b * h + j;
                let (r, z, c, hn) =
                    (s.reset[at + i], s.update[at + i], s.candidate[at + i], s.hidden_n[at + i]);
                let g = dh[i];
                let d_candidate = g * (1.0 - z) * (1.0 - c * c);
                let d_reset = d_candidate * hn * r * (1.0 - r);
                let d_update = g * (state[i] - c) * z * (1.0 - z);
                let dp = &mut d_projected[(b * d.steps + t) * width..][..width];
                dp[j] = d_reset;
                dp[h + j] = d_update;
                dp[2 * h + j] = d_candidate;
                let dq = &mut d_hp[b * width..][..width];
                dq[j] = d_reset;
                dq[h + j] = d_update;
                dq[2 * h + j] = d_candidate * r;
                // The direct path h → h' through the update gate.
                dh[i] = g * z;
            }
        }
        for row in d_hp.chunks(width) {
            d_b.iter_mut().zip(row).for_each(|(a, v)| *a += v);
        }
        // dW_hh += stateᵀ (h × n) · d_hp (n × 3h);  dh += d_hp (n × 3h) · W_hhᵀ (3h × h)
        gemm(&mut d_w, true, Matrix::transposed(state, h), Matrix::rows(&d_hp, width), (h, n, width));
        gemm(&mut dh, true, Matrix::rows(&d_hp, width), Matrix::transposed(w_hh, width), (n, width, h));
    }
    (d_projected, d_w, d_b)
}

impl CustomOp3 for GruSequence {
    fn name(&self) -> &'static str {
        "gru-sequence"
    }

    fn cpu_fwd(
        &self,
        p: &CpuStorage,
        p_layout: &Layout,
        w: &CpuStorage,
        w_layout: &Layout,
        b: &CpuStorage,
        b_layout: &Layout,
    ) -> candle_core::Result<(CpuStorage, Shape)> {
        let (batch, steps, width) = p_layout.shape().dims3()?;
        let hidden = width / 3;
        if width % 3 != 0
            || w_layout.shape().dims2()? != (hidden, width)
            || b_layout.shape().elem_count() != width
        {
            candle_core::bail!(
                "gru: projected inputs {:?} do not fit W_hh {:?}",
                p_layout.shape(),
                w_layout.shape()
            )
        }
        let d = Dims { batch, steps, hidden };
        let (p, w, b) = (
            contiguous_f32(p, p_layout, "gru: the projected input")?,
            contiguous_f32(w, w_layout, "gru: W_hh")?,
            contiguous_f32(b, b_layout, "gru: b_hh")?,
        );
        let chunks = map_chunks(batch, d.work(), |rows| forward_rows(d, rows, (p, w, b), self.keep));
        let mut last = Vec::with_capacity(batch * hidden);
        for s in &chunks {
            last.extend_from_slice(&s.states[s.states.len() - s.rows.len() * hidden..]);
        }
        *self.saved.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = chunks;
        Ok((CpuStorage::F32(last), Shape::from((batch, hidden))))
    }

    fn bwd(
        &self,
        projected: &Tensor,
        w_hh: &Tensor,
        b_hh: &Tensor,
        _res: &Tensor,
        grad: &Tensor,
    ) -> candle_core::Result<(Option<Tensor>, Option<Tensor>, Option<Tensor>)> {
        let (batch, steps, width) = projected.dims3()?;
        let d = Dims { batch, steps, hidden: width / 3 };
        let grad: Vec<f32> = grad.flatten_all()?.to_vec1()?;
        let w: Vec<f32> = w_hh.flatten_all()?.to_vec1()?;
        let saved = self.saved.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if saved.iter().map(|s| s.rows.len()).sum::<usize>() != batch || saved.iter().any(|s| !s.kept) {
            candle_core::bail!("gru: the backward pass has no forward pass to go back through")
        }
        let parts = map_chunks(saved.len(), 2 * d.work(), |chunks| {
            chunks.map(|c| backward_rows(d, &saved[c], &grad, &w)).collect::<Vec<_>>()
        });
        let mut d_projected = Vec::with_capacity(batch * steps * width);
        let mut d_w = vec![0.0f32; w.len()];
        let mut d_b = vec![0.0f32; width];
        for (dp, dw, db) in parts.into_iter().flatten() {
            d_projected.extend_from_slice(&dp);
            d_w.iter_mut().zip(&dw).for_each(|(a, v)| *a += v);
            d_b.iter_mut().zip(&db).for_each(|(a, v)| *a += v);
        }
        Ok((
            Some(Tensor::from_vec(d_projected, projected.shape(), &Device::Cpu)?),
            Some(Tensor::from_vec(d_w, w_hh.shape(), &Device::Cpu)?),
            Some(Tensor::from_vec(d_b, b_hh.shape(), &Device::Cpu)?),
        ))
    }
}

/// Whether [`gru_sequence`] runs these tensors (f32 on the CPU).
pub(crate) fn suits(tensors: &[&Tensor]) -> bool {
    tensors.iter().all(|t| t.device().is_cpu() && t.dtype() == DType::F32)
}

/// The last hidden state of a GRU run over `projected (batch, steps, 3·hidden)`, starting from
/// zeros. `keep` keeps every step for a backward pass (training, or a saliency map through the
/// input). Call only where [`suits`] holds.
pub(crate) fn gru_sequence(
    projected: &Tensor,
    w_hh: &Tensor,
    b_hh: &Tensor,
    keep: bool,
) -> candle_core::Result<Tensor> {
    let op = GruSequence { saved: Mutex::new(Vec::new()), keep };
    projected.contiguous()?.apply_op3(&w_hh.contiguous()?, &b_hh.contiguous()?, op)
}

#[cfg(test)]
mod tests {
    use candle_core::Var;

    use super::*;

    fn values(n: usize, seed: f32, scale: f32) -> Vec<f32> {
        (0..n).map(|i| ((i as f32 + seed) * 0.613).sin() * scale).collect()
    }

    fn read(t: &Tensor) -> Vec<f32> {
        t.flatten_all().unwrap().to_vec1().unwrap()
    }

    /// The same GRU through candle's ops, step by step (the form other devices use).
    fn reference(projected: &Tensor, w_hh: &Tensor, b_hh: &Tensor, hidden: usize) -> Tensor {
        let (batch, steps, _) = projected.dims3().unwrap();
        let mut h = Tensor::zeros((batch, hidden), DType::F32, &Device::Cpu).unwrap();
        for t in 0..steps {
            let xp = projected.narrow(1, t, 1).unwrap().squeeze(1).unwrap();
            let hp = h.matmul(w_hh).unwrap().broadcast_add(b_hh).unwrap();
            let gate = |k: usize| {
                (xp.narrow(1, k * hidden, hidden).unwrap(), hp.narrow(1, k * hidden, hidden).unwrap())
            };
            let (xr, hr) = gate(0);
            let (xz, hz) = gate(1);
            let (xn, hn) = gate(2);
            let r = candle_nn::ops::sigmoid(&(xr + hr).unwrap()).unwrap();
            let z = candle_nn::ops::sigmoid(&(xz + hz).unwrap()).unwrap();
            let n = (xn + (r * hn).unwrap()).unwrap().tanh().unwrap();
            h = (&n + (z * (&h - &n).unwrap()).unwrap()).unwrap();
        }
        h
    }

    #[test]
    fn fused_gru_matches_the_step_by_step_form_and_its_gradients() {
        let dev = Device::Cpu;
        // The second case is big enough to be split over threads.
        for (batch, steps, hidden) in [(3, 5, 4), (64, 12, 32)] {
            let width = 3 * hidden;
            let p =
                Var::from_vec(values(batch * steps * width, 0.2, 1.5), (batch, steps, width), &dev).unwrap();
            let w = Var::from_vec(values(hidden * width, 1.3, 0.4), (hidden, width), &dev).unwrap();
            let b = Var::from_vec(values(width, 2.7, 0.3), width, &dev).unwrap();
            let ours = gru_sequence(p.as_tensor(), w.as_tensor(), b.as_tensor(), true).unwrap();
            let theirs = reference(p.as_tensor(), w.as_tensor(), b.as_tensor(), hidden);
            for (a, r) in read(&ours).iter().zip(read(&theirs)) {
                assert!((a - r).abs() < 1e-5, "output {a} vs {r}");
            }
            // Without the steps kept (a prediction) the output is the same.
            let light = gru_sequence(p.as_tensor(), w.as_tensor(), b.as_tensor(), false).unwrap();
            assert_eq!(read(&light), read(&ours));
            let k = Tensor::from_vec(values(batch * hidden, 3.9, 1.0), (batch, hidden), &dev).unwrap();
            let g1 = (ours * &k).unwrap().sum_all().unwrap().backward().unwrap();
            let g2 = (theirs * &k).unwrap().sum_all().unwrap().backward().unwrap();
            for (var, what) in [(&p, "input"), (&w, "W_hh"), (&b, "b_hh")] {
                for (i, (a, r)) in
                    read(g1.get(var).unwrap()).iter().zip(read(g2.get(var).unwrap())).enumerate()
                {
                    assert!((a - r).abs() < 1e-4 * r.abs().max(1.0), "{what} gradient [{i}]: {a} vs {r}");
                }
            }
        }
    }

    #[test]
    fn fused_gru_gradients_match_finite_differences() {
        let dev = Device::Cpu;
        let (batch, steps, hidden) = (2, 4, 3);
        let width = 3 * hidden;
        let args = [
            values(batch * steps * width, 0.5, 1.0),
            values(hidden * width, 1.9, 0.5),
            values(width, 3.1, 0.2),
        ];
        let shapes = [Shape::from((batch, steps, width)), Shape::from((hidden, width)), Shape::from(width)];
        let k = values(batch * hidden, 4.4, 1.0);
        let loss = |args: &[Vec<f32>; 3]| -> f64 {
            let t: Vec<Tensor> =
                args.iter().zip(&shapes).map(|(a, s)| Tensor::from_slice(a, s, &dev).unwrap()).collect();
            let y = read(&gru_sequence(&t[0], &t[1], &t[2], true).unwrap());
            y.iter().zip(&k).map(|(y, k)| f64::from(y * k)).sum()
        };
        let vars: Vec<Var> =
            args.iter().zip(&shapes).map(|(a, s)| Var::from_slice(a, s, &dev).unwrap()).collect();
        let y = gru_sequence(vars[0].as_tensor(), vars[1].as_tensor(), vars[2].as_tensor(), true).unwrap();
        let kt = Tensor::from_slice(&k, (batch, hidden), &dev).unwrap();
        let grads = (y * kt).unwrap().sum_all().unwrap().backward().unwrap();
        let h = 1e-2f32;
        for (which, var) in vars.iter().enumerate() {
            for (i, a) in read(grads.get(var).unwrap()).iter().enumerate() {
                let (mut up, mut down) = (args.clone(), args.clone());
                up[which][i] += h;
                down[which][i] -= h;
                let n = (loss(&up) - loss(&down)) / (2.0 * f64::from(h));
                assert!(
                    (f64::from(*a) - n).abs() < 2e-3 * n.abs().max(1.0),
                    "argument {which}, entry {i}: {a} vs {n}"
                );
            }
        }
    }
}
