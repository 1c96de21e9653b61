//! CPU kernels for the operations that dominate small networks: candle's scalar `tanh` costs
//! about 20 ns per value and its AdamW launches a dozen tensor ops per variable per step.
//! Other devices and dtypes fall back to candle's own ops.

use std::cell::RefCell;

use candle_core::{CpuStorage, CustomOp1, CustomOp2, DType, InplaceOp1, Layout, Shape, Tensor, Var};

/// tanh as a rational function (Eigen's `generic_fast_tanh_float`, error below 1e-6),
/// written so the loop vectorizes.
#[inline(always)]
fn fast_tanh(x: f32) -> f32 {
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
}
