//! CPU kernels for the operations that dominate small networks: candle's scalar `tanh` costs
//! about 20 ns per value and its AdamW launches a dozen tensor ops per variable per step.
//! Other devices and dtypes fall back to candle's own ops.

use std::cell::RefCell;

use candle_core::{
    CpuStorage, CustomOp1, CustomOp2, CustomOp3, DType, InplaceOp1, Layout, Shape, Tensor, Var,
};

/// tanh as a rational function (Eigen's `generic_fast_tanh_float`, error below 1e-6),
/// written so the loop vectorizes.
#[inline(always)]
pub(crate) fn fast_tanh(x: f32) -> f32 {
    const CLAMP: f32 = 7.905_311;
    let x = x.clamp(-CLAMP, CLAMP);
    let x2 = x * x;
    let mut p = -2.760_768_5e-16_f32;
    p = p * x2 + 2.000_187_9e-13;
    p = p * x2 + -8.604_671_5e-11;
    p = p * x2 + 5.122_297e-8;
    p = p * x2 + 1.485_722_4e-5;
    p = p * x2 + 6.372_619_3e-4;
    p = p * x2 + 4.893_524_6e-3;
    p *= x;
    let mut q = 1.198_258_4e-6_f32;
    q = q * x2 + 1.185_347e-4;
    q = q * x2 + 2.268_434_6e-3;
    q = q * x2 + 4.893_525e-3;
    p / q
}

fn contiguous_f32<'a>(storage: &'a CpuStorage, layout: &Layout) -> Option<&'a [f32]> {
    match (storage, layout.contiguous_offsets()) {
        (CpuStorage::F32(v), Some((start, end))) => Some(&v[start..end]),
        _ => None,
    }
}

struct Tanh;

impl CustomOp1 for Tanh {
    fn name(&self) -> &'static str {
        "fast-tanh"
    }

    fn cpu_fwd(&self, storage: &CpuStorage, layout: &Layout) -> candle_core::Result<(CpuStorage, Shape)> {
        let Some(x) = contiguous_f32(storage, layout) else {
            candle_core::bail!("fast-tanh needs contiguous f32")
        };
        let out: Vec<f32> = x.iter().map(|&v| fast_tanh(v)).collect();
        Ok((CpuStorage::F32(out), layout.shape().clone()))
    }

    fn bwd(&self, _arg: &Tensor, res: &Tensor, grad_res: &Tensor) -> candle_core::Result<Option<Tensor>> {
        let grad_res = grad_res.contiguous()?;
        Ok(Some(grad_res.apply_op2_no_bwd(res, &TanhGrad)?))
    }
}

/// `grad · (1 − tanh²)` in one pass.
struct TanhGrad;

impl CustomOp2 for TanhGrad {
    fn name(&self) -> &'static str {
        "fast-tanh-grad"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> candle_core::Result<(CpuStorage, Shape)> {
        let (Some(g), Some(y)) = (contiguous_f32(s1, l1), contiguous_f32(s2, l2)) else {
            candle_core::bail!("fast-tanh-grad needs contiguous f32")
        };
        let out: Vec<f32> = g.iter().zip(y).map(|(&g, &y)| g * (1.0 - y * y)).collect();
        Ok((CpuStorage::F32(out), l1.shape().clone()))
    }
}

/// tanh with a fast CPU kernel for f32; candle's own elsewhere.
pub(crate) fn tanh(x: &Tensor) -> candle_core::Result<Tensor> {
    if x.device().is_cpu() && x.dtype() == DType::F32 { x.contiguous()?.apply_op1(Tanh) } else { x.tanh() }
}

/// Mean binary cross-entropy of logits against 0/1 targets, in one pass each way.
struct BceWithLogits;

impl CustomOp2 for BceWithLogits {
    fn name(&self) -> &'static str {
        "fused-bce-with-logits"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> candle_core::Result<(CpuStorage, Shape)> {
        let (Some(x), Some(y)) = (contiguous_f32(s1, l1), contiguous_f32(s2, l2)) else {
            candle_core::bail!("fused BCE needs contiguous f32")
        };
        // max(x, 0) − x·y + ln(1 + e^−|x|): stable for large |x|.
        let sum: f64 =
            x.iter().zip(y).map(|(&x, &y)| f64::from(x.max(0.0) - x * y + (-x.abs()).exp().ln_1p())).sum();
        Ok((CpuStorage::F32(vec![(sum / x.len().max(1) as f64) as f32]), Shape::from(())))
    }

    fn bwd(
        &self,
        x: &Tensor,
        y: &Tensor,
        _res: &Tensor,
        grad_res: &Tensor,
    ) -> candle_core::Result<(Option<Tensor>, Option<Tensor>)> {
        let scale = grad_res.to_dtype(DType::F32)?.to_scalar::<f32>()? / x.elem_count().max(1) as f32;
        let xs: Vec<f32> = x.flatten_all()?.to_vec1()?;
        let ys: Vec<f32> = y.flatten_all()?.to_vec1()?;
        let g: Vec<f32> = xs.iter().zip(&ys).map(|(&x, &y)| scale * (1.0 / (1.0 + (-x).exp()) - y)).collect();
        Ok((Some(Tensor::from_vec(g, x.shape(), x.device())?), None))
    }
}

/// Binary cross-entropy with logits: a fused kernel for f32 on the CPU, the same stable formula
/// from candle's ops elsewhere (CUDA, f64). Not candle-nn's `binary_cross_entropy_with_logit`:
/// it takes the log of a sigmoid, which is exactly 1 in f32 once a logit passes about 17, so the
/// loss turns infinite and training reports a divergence that never happened.
pub(crate) fn bce_with_logits(logits: &Tensor, targets: &Tensor) -> candle_core::Result<Tensor> {
    if logits.device().is_cpu() && logits.dtype() == DType::F32 && targets.dtype() == DType::F32 {
        logits.contiguous()?.apply_op2(&targets.contiguous()?, BceWithLogits)
    } else {
        stable_bce_with_logits(logits, targets)
    }
}

/// `mean(max(x, 0) − x·y + ln(1 + e^−|x|))` from candle's own ops, on any device and dtype; its
/// gradient, `sigmoid(x) − y`, comes from autograd.
pub(crate) fn stable_bce_with_logits(logits: &Tensor, targets: &Tensor) -> candle_core::Result<Tensor> {
    let softplus_of_minus_abs = (logits.abs()?.neg()?.exp()? + 1.0)?.log()?;
    ((logits.relu()? - (logits * targets)?)? + softplus_of_minus_abs)?.mean_all()
}

/// Dense layers this small run as one fused kernel (matmul + bias in one pass); bigger ones
/// go through candle's gemm, which wins once the matrices are large.
const FUSED_DENSE_MAX_WEIGHTS: usize = 64 * 128;

/// `x (N, in) · w (in, out) + b (out)` for small layers.
struct Dense {
    inputs: usize,
    units: usize,
}

fn dense_forward(x: &[f32], w: &[f32], b: &[f32], inputs: usize, units: usize) -> Vec<f32> {
    let rows = x.len() / inputs.max(1);
    let mut out = Vec::with_capacity(rows * units);
    for row in x.chunks_exact(inputs) {
        let start = out.len();
        out.extend_from_slice(b);
        let acc = &mut out[start..];
        for (&xv, w_row) in row.iter().zip(w.chunks_exact(units)) {
            for (a, &wv) in acc.iter_mut().zip(w_row) {
                *a += xv * wv;
            }
        }
    }
    out
}

impl CustomOp3 for Dense {
    fn name(&self) -> &'static str {
        "fused-dense"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
        s3: &CpuStorage,
        l3: &Layout,
    ) -> candle_core::Result<(CpuStorage, Shape)> {
        let (Some(x), Some(w), Some(b)) =
            (contiguous_f32(s1, l1), contiguous_f32(s2, l2), contiguous_f32(s3, l3))
        else {
            candle_core::bail!("fused dense needs contiguous f32")
        };
        let rows = x.len() / self.inputs.max(1);
        Ok((
            CpuStorage::F32(dense_forward(x, w, b, self.inputs, self.units)),
            Shape::from((rows, self.units)),
        ))
    }

    fn bwd(
        &self,
        x: &Tensor,
        w: &Tensor,
        _b: &Tensor,
        _res: &Tensor,
        grad: &Tensor,
    ) -> candle_core::Result<(Option<Tensor>, Option<Tensor>, Option<Tensor>)> {
        let g: Vec<f32> = grad.flatten_all()?.to_vec1()?;
        dense_backward(x, w, &g, self.inputs, self.units)
    }
}

/// Gradients of `x·w + b` given the output gradient `g` (row-major `N × units`).
fn dense_backward(
    x: &Tensor,
    w: &Tensor,
    g: &[f32],
    inputs: usize,
    units: usize,
) -> candle_core::Result<(Option<Tensor>, Option<Tensor>, Option<Tensor>)> {
    let xs: Vec<f32> = x.flatten_all()?.to_vec1()?;
    let mut grad_w = vec![0f32; inputs * units];
    let mut grad_b = vec![0f32; units];
    for (x_row, g_row) in xs.chunks_exact(inputs).zip(g.chunks_exact(units)) {
        for (gb, &gv) in grad_b.iter_mut().zip(g_row) {
            *gb += gv;
        }
        for (&xv, gw_row) in x_row.iter().zip(grad_w.chunks_exact_mut(units)) {
            for (gw, &gv) in gw_row.iter_mut().zip(g_row) {
                *gw += xv * gv;
            }
        }
    }
    // The input's gradient only matters when something before this layer learns.
    let grad_x = if x.track_op() {
        let ws: Vec<f32> = w.flatten_all()?.to_vec1()?;
        let mut gx = Vec::with_capacity(xs.len());
        for g_row in g.chunks_exact(units) {
            gx.extend(
                ws.chunks_exact(units).map(|w_row| w_row.iter().zip(g_row).map(|(a, b)| a * b).sum::<f32>()),
            );
        }
        Some(Tensor::from_vec(gx, x.shape(), x.device())?)
    } else {
        None
    };
    Ok((
        grad_x,
        Some(Tensor::from_vec(grad_w, w.shape(), w.device())?),
        Some(Tensor::from_vec(grad_b, units, w.device())?),
    ))
}

/// A dense layer's output: fused on the CPU for small f32 layers, candle's matmul otherwise.
pub(crate) fn dense(x: &Tensor, w: &Tensor, b: &Tensor) -> candle_core::Result<Tensor> {
    let (inputs, units) = w.dims2()?;
    if x.device().is_cpu()
        && x.dtype() == DType::F32
        && x.rank() == 2
        && inputs * units <= FUSED_DENSE_MAX_WEIGHTS
    {
        x.contiguous()?.apply_op3(w, b, Dense { inputs, units })
    } else {
        x.matmul(w)?.broadcast_add(b)
    }
}

/// Dense then tanh in one pass: one buffer and one graph node instead of three, which is most
/// of a tiny network's step.
struct DenseTanh {
    inputs: usize,
    units: usize,
}

impl CustomOp3 for DenseTanh {
    fn name(&self) -> &'static str {
        "fused-dense-tanh"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
        s3: &CpuStorage,
        l3: &Layout,
    ) -> candle_core::Result<(CpuStorage, Shape)> {
        let (Some(x), Some(w), Some(b)) =
            (contiguous_f32(s1, l1), contiguous_f32(s2, l2), contiguous_f32(s3, l3))
        else {
            candle_core::bail!("fused dense-tanh needs contiguous f32")
        };
        let rows = x.len() / self.inputs.max(1);
        let mut out = dense_forward(x, w, b, self.inputs, self.units);
        out.iter_mut().for_each(|v| *v = fast_tanh(*v));
        Ok((CpuStorage::F32(out), Shape::from((rows, self.units))))
    }

    fn bwd(
        &self,
        x: &Tensor,
        w: &Tensor,
        _b: &Tensor,
        res: &Tensor,
        grad: &Tensor,
    ) -> candle_core::Result<(Option<Tensor>, Option<Tensor>, Option<Tensor>)> {
        let g: Vec<f32> = grad.flatten_all()?.to_vec1()?;
        let y: Vec<f32> = res.flatten_all()?.to_vec1()?;
        let gz: Vec<f32> = g.iter().zip(&y).map(|(&g, &y)| g * (1.0 - y * y)).collect();
        dense_backward(x, w, &gz, self.inputs, self.units)
    }
}

/// `tanh(x·w + b)`, fused on the CPU for small f32 layers.
pub(crate) fn dense_tanh(x: &Tensor, w: &Tensor, b: &Tensor) -> candle_core::Result<Tensor> {
    let (inputs, units) = w.dims2()?;
    if x.device().is_cpu()
        && x.dtype() == DType::F32
        && x.rank() == 2
        && inputs * units <= FUSED_DENSE_MAX_WEIGHTS
    {
        x.contiguous()?.apply_op3(w, b, DenseTanh { inputs, units })
    } else {
        tanh(&dense(x, w, b)?)
    }
}

/// Adam/AdamW state for one variable, updated in place (PyTorch's formulas).
pub(crate) struct AdamSlot {
    pub var: Var,
    m: Vec<f32>,
    v: Vec<f32>,
}

impl AdamSlot {
    pub fn new(var: Var) -> Self {
        let n = var.elem_count();
        Self { var, m: vec![0.0; n], v: vec![0.0; n] }
    }

    /// The first and second moments.
    pub fn moments(&self) -> (&[f32], &[f32]) {
        (&self.m, &self.v)
    }

    /// Puts back saved moments; refused unless both fit the variable.
    pub fn set_moments(&mut self, m: Vec<f32>, v: Vec<f32>) -> candle_core::Result<()> {
        if m.len() != self.m.len() || v.len() != self.v.len() {
            candle_core::bail!(
                "saved moments of {} values do not fit a variable of {}",
                m.len(),
                self.m.len()
            )
        }
        (self.m, self.v) = (m, v);
        Ok(())
    }
}

/// Hyper-parameters of one AdamW step, with the bias corrections of step `t` folded in.
#[derive(Clone, Copy)]
pub(crate) struct AdamStep {
    pub lr: f32,
    pub beta1: f32,
    pub beta2: f32,
    pub eps: f32,
    pub weight_decay: f32,
    pub correction1: f32,
    pub correction2: f32,
}

struct AdamUpdate<'a> {
    grad: &'a [f32],
    m: RefCell<&'a mut [f32]>,
    v: RefCell<&'a mut [f32]>,
    step: AdamStep,
}

impl InplaceOp1 for AdamUpdate<'_> {
    fn name(&self) -> &'static str {
        "fused-adamw"
    }

    fn cpu_fwd(&self, storage: &mut CpuStorage, layout: &Layout) -> candle_core::Result<()> {
        let (CpuStorage::F32(p), Some((start, end))) = (storage, layout.contiguous_offsets()) else {
            candle_core::bail!("fused AdamW needs a contiguous f32 variable")
        };
        let p = &mut p[start..end];
        let (mut m, mut v) = (self.m.borrow_mut(), self.v.borrow_mut());
        let s = self.step;
        let decay = 1.0 - s.lr * s.weight_decay;
        for (((p, &g), m), v) in p.iter_mut().zip(self.grad).zip(m.iter_mut()).zip(v.iter_mut()) {
            *m = s.beta1 * *m + (1.0 - s.beta1) * g;
            *v = s.beta2 * *v + (1.0 - s.beta2) * g * g;
            let m_hat = *m / s.correction1;
            let v_hat = *v / s.correction2;
            *p = *p * decay - s.lr * m_hat / (v_hat.sqrt() + s.eps);
        }
        Ok(())
    }
}

impl AdamSlot {
    pub fn update(&mut self, grad: &Tensor, step: AdamStep) -> candle_core::Result<()> {
        let grad: Vec<f32> = grad.flatten_all()?.to_vec1()?;
        if grad.len() != self.m.len() {
            candle_core::bail!("gradient of {} values for a variable of {}", grad.len(), self.m.len());
        }
        let op = AdamUpdate { grad: &grad, m: RefCell::new(&mut self.m), v: RefCell::new(&mut self.v), step };
        self.var.as_tensor().inplace_op1(&op)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::Device;

    #[test]
    fn fast_tanh_matches_the_exact_one_and_its_gradient() {
        let values: Vec<f32> = (-400..=400).map(|i| i as f32 * 0.025).collect();
        let x = Var::from_vec(values.clone(), values.len(), &Device::Cpu).unwrap();
        let y = tanh(x.as_tensor()).unwrap();
        let fast: Vec<f32> = y.to_vec1().unwrap();
        for (v, f) in values.iter().zip(&fast) {
            assert!((v.tanh() - f).abs() < 2e-6, "tanh({v}) = {} but got {f}", v.tanh());
        }
        let grads = y.sum_all().unwrap().backward().unwrap();
        let g: Vec<f32> = grads.get(&x).unwrap().to_vec1().unwrap();
        for (v, g) in values.iter().zip(&g) {
            assert!((1.0 - v.tanh().powi(2) - g).abs() < 1e-5);
        }
    }

    #[test]
    fn fused_dense_matches_matmul_plus_bias_and_its_gradients() {
        let x =
            Var::from_vec((0..15).map(|i| (i as f32 * 0.37).sin()).collect(), (5, 3), &Device::Cpu).unwrap();
        let w =
            Var::from_vec((0..12).map(|i| (i as f32 * 0.91).cos()).collect(), (3, 4), &Device::Cpu).unwrap();
        let b = Var::from_vec(vec![0.1f32, -0.2, 0.3, 0.0], 4, &Device::Cpu).unwrap();
        let fused = dense(x.as_tensor(), w.as_tensor(), b.as_tensor()).unwrap();
        let reference = x.as_tensor().matmul(w.as_tensor()).unwrap().broadcast_add(b.as_tensor()).unwrap();
        let read = |t: &Tensor| -> Vec<f32> { t.flatten_all().unwrap().to_vec1().unwrap() };
        for (a, r) in read(&fused).iter().zip(read(&reference)) {
            assert!((a - r).abs() < 1e-5);
        }
        // A loss that weighs each output differently, so every gradient entry is distinct.
        let weights =
            Tensor::from_vec((0..20).map(|i| i as f32 * 0.1).collect(), (5, 4), &Device::Cpu).unwrap();
        let g1 = (fused * &weights).unwrap().sum_all().unwrap().backward().unwrap();
        let g2 = (reference * &weights).unwrap().sum_all().unwrap().backward().unwrap();
        for var in [&x, &w, &b] {
            let (a, r) = (read(g1.get(var).unwrap()), read(g2.get(var).unwrap()));
            for (a, r) in a.iter().zip(&r) {
                assert!((a - r).abs() < 1e-4, "{a:?} vs {r:?}");
            }
        }
    }

    #[test]
    fn fused_dense_tanh_matches_the_two_steps() {
        let x = Tensor::from_vec((0..15).map(|i| (i as f32 * 0.37).sin()).collect(), (5, 3), &Device::Cpu)
            .unwrap();
        let w = Tensor::from_vec((0..12).map(|i| (i as f32 * 0.91).cos()).collect(), (3, 4), &Device::Cpu)
            .unwrap();
        let b = Tensor::from_vec(vec![0.1f32, -0.2, 0.3, 0.0], 4, &Device::Cpu).unwrap();
        let fused: Vec<f32> = dense_tanh(&x, &w, &b).unwrap().flatten_all().unwrap().to_vec1().unwrap();
        let two: Vec<f32> = x
            .matmul(&w)
            .unwrap()
            .broadcast_add(&b)
            .unwrap()
            .tanh()
            .unwrap()
            .flatten_all()
            .unwrap()
            .to_vec1()
            .unwrap();
        for (a, r) in fused.iter().zip(&two) {
            assert!((a - r).abs() < 1e-5);
        }
        // Gradients through the fused pair equal those through candle's two ops.
        let (xv, wv, bv) =
            (Var::from_tensor(&x).unwrap(), Var::from_tensor(&w).unwrap(), Var::from_tensor(&b).unwrap());
        let weights =
            Tensor::from_vec((0..20).map(|i| i as f32 * 0.1).collect(), (5, 4), &Device::Cpu).unwrap();
        let f = dense_tanh(xv.as_tensor(), wv.as_tensor(), bv.as_tensor()).unwrap();
        let r = xv
            .as_tensor()
            .matmul(wv.as_tensor())
            .unwrap()
            .broadcast_add(bv.as_tensor())
            .unwrap()
            .tanh()
            .unwrap();
        let g1 = (f * &weights).unwrap().sum_all().unwrap().backward().unwrap();
        let g2 = (r * &weights).unwrap().sum_all().unwrap().backward().unwrap();
        for var in [&xv, &wv, &bv] {
            let a: Vec<f32> = g1.get(var).unwrap().flatten_all().unwrap().to_vec1().unwrap();
            let e: Vec<f32> = g2.get(var).unwrap().flatten_all().unwrap().to_vec1().unwrap();
            for (a, e) in a.iter().zip(&e) {
                assert!((a - e).abs() < 1e-4, "{a} vs {e}");
            }
        }
    }

    #[test]
    fn the_stable_bce_stays_finite_on_large_logits_and_matches_the_fused_kernel() {
        let values = vec![-40f32, -18.0, -2.0, 0.0, 0.7, 18.0, 40.0];
        let targets = vec![1f32, 1.0, 0.0, 1.0, 1.0, 0.0, 0.0];
        let logits = Var::from_vec(values.clone(), (7, 1), &Device::Cpu).unwrap();
        let targets = Tensor::from_vec(targets, (7, 1), &Device::Cpu).unwrap();
        // candle-nn's form overflows here (the device-agnostic path used to be this one).
        let naive = candle_nn::loss::binary_cross_entropy_with_logit(logits.as_tensor(), &targets).unwrap();
        assert!(!naive.to_scalar::<f32>().unwrap().is_finite(), "the reference case must overflow");
        let stable = stable_bce_with_logits(logits.as_tensor(), &targets).unwrap();
        let fused = bce_with_logits(logits.as_tensor(), &targets).unwrap();
        let (a, b) = (stable.to_scalar::<f32>().unwrap(), fused.to_scalar::<f32>().unwrap());
        assert!(a.is_finite() && (a - b).abs() < 1e-4 * b.abs().max(1.0), "{a} vs {b}");
        let gradient: Vec<f32> =
            stable.backward().unwrap().get(&logits).unwrap().flatten_all().unwrap().to_vec1().unwrap();
        let expected = [1.0f32, 1.0, 0.0, 1.0, 1.0, 0.0, 0.0];
        for ((g, &x), y) in gradient.iter().zip(&values).zip(expected) {
            let sigmoid = 1.0 / (1.0 + (-x).exp());
            assert!((g - (sigmoid - y) / 7.0).abs() < 1e-6, "{gradient:?}");
        }
        // f64 logits take the stable path too.
        let wide = logits.as_tensor().to_dtype(DType::F64).unwrap();
        let loss = bce_with_logits(&wide, &targets.to_dtype(DType::F64).unwrap()).unwrap();
        assert!((loss.to_scalar::<f64>().unwrap() - f64::from(b)).abs() < 1e-3);
    }

    #[test]
    fn fused_bce_matches_candle_nn_value_and_gradient() {
        let logits =
            Var::from_vec(vec![-8f32, -2.0, -0.1, 0.0, 0.7, 3.0, 6.0], (7, 1), &Device::Cpu).unwrap();
        let targets =
            Tensor::from_vec(vec![0f32, 1.0, 0.0, 1.0, 1.0, 0.0, 1.0], (7, 1), &Device::Cpu).unwrap();
        let fused = bce_with_logits(logits.as_tensor(), &targets).unwrap();
        let reference =
            candle_nn::loss::binary_cross_entropy_with_logit(logits.as_tensor(), &targets).unwrap();
        let (a, b) = (fused.to_scalar::<f32>().unwrap(), reference.to_scalar::<f32>().unwrap());
        assert!((a - b).abs() < 1e-4 * b.abs().max(1.0), "{a} vs {b}");
        let g1: Vec<f32> = (fused * 3.0)
            .unwrap()
            .backward()
            .unwrap()
            .get(&logits)
            .unwrap()
            .flatten_all()
            .unwrap()
            .to_vec1()
            .unwrap();
        let g2: Vec<f32> = (reference * 3.0)
            .unwrap()
            .backward()
            .unwrap()
            .get(&logits)
            .unwrap()
            .flatten_all()
            .unwrap()
            .to_vec1()
            .unwrap();
        for (x, y) in g1.iter().zip(&g2) {
            assert!((x - y).abs() < 1e-5, "{g1:?} vs {g2:?}");
        }
        // Where candle-nn's log(sigmoid) overflows to NaN, the fused form stays finite.
        let extreme = Tensor::from_vec(vec![-60f32, 60.0], (2, 1), &Device::Cpu).unwrap();
        let t = Tensor::from_vec(vec![1f32, 0.0], (2, 1), &Device::Cpu).unwrap();
        let loss = bce_with_logits(&extreme, &t).unwrap().to_scalar::<f32>().unwrap();
        assert!((loss - 60.0).abs() < 1e-3, "{loss}");
    }
}
