//! Optimizers: candle-nn's SGD, SGD with momentum, which candle-nn lacks, and AdamW in two forms
//! whose moments can be saved (candle-nn's cannot be read): one fused CPU kernel, and tensor ops
//! for every other device and dtype.

use candle_core::backprop::GradStore;
use candle_core::{Tensor, Var};
use candle_nn::{Optimizer, ParamsAdamW, SGD};
use serde::{Deserialize, Serialize};

/// Momentum's μ, Adam's β₁, β₂ and ε, and AdamW's weight decay (PyTorch's defaults); the
/// backprop stepper shows its updates with the same constants.
pub const MOMENTUM: f64 = 0.9;
pub const ADAM_BETA1: f32 = 0.9;
pub const ADAM_BETA2: f32 = 0.999;
pub const ADAM_EPS: f32 = 1e-8;
pub const ADAMW_WEIGHT_DECAY: f64 = 0.01;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OptimizerKind {
    Sgd,
    Momentum,
    Adam,
    AdamW,
}

impl OptimizerKind {
    pub const ALL: [OptimizerKind; 4] = [Self::Sgd, Self::Momentum, Self::Adam, Self::AdamW];

    pub fn name(self) -> &'static str {
        match self {
            Self::Sgd => "sgd",
            Self::Momentum => "momentum",
            Self::Adam => "adam",
            Self::AdamW => "adamw",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|o| o.name() == name.trim().to_ascii_lowercase())
    }
}

/// SGD with classical momentum (PyTorch's form: v ← μv + g, p ← p − lr·v).
pub struct MomentumSgd {
    vars: Vec<Var>,
    velocities: Vec<Option<Tensor>>,
    learning_rate: f64,
    momentum: f64,
}

impl MomentumSgd {
    pub fn new(vars: Vec<Var>, learning_rate: f64, momentum: f64) -> Self {
        let velocities = vec![None; vars.len()];
        Self { vars, velocities, learning_rate, momentum }
    }

    pub fn step(&mut self, grads: &GradStore) -> candle_core::Result<()> {
        for (var, velocity) in self.vars.iter().zip(self.velocities.iter_mut()) {
            let Some(grad) = grads.get(var) else { continue };
            let v = match velocity.take() {
                Some(v) => ((v * self.momentum)? + grad)?,
                None => grad.clone(),
            };
            var.set(&var.sub(&(&v * self.learning_rate)?)?)?;
            *velocity = Some(v);
        }
        Ok(())
    }
}

/// candle-nn's AdamW defaults (which are PyTorch's), applied by `kernels::AdamSlot`.
pub struct FusedAdamW {
    slots: Vec<super::kernels::AdamSlot>,
    learning_rate: f64,
    weight_decay: f64,
    t: i32,
}

impl FusedAdamW {
    fn suits(vars: &[Var]) -> bool {
        vars.iter().all(|v| v.device().is_cpu() && v.dtype() == candle_core::DType::F32 && v.is_contiguous())
    }

    fn new(vars: Vec<Var>, learning_rate: f64, weight_decay: f64) -> Self {
        let slots = vars.into_iter().map(super::kernels::AdamSlot::new).collect();
        Self { slots, learning_rate, weight_decay, t: 0 }
    }

    fn step(&mut self, grads: &GradStore) -> candle_core::Result<()> {
        self.t += 1;
        let (beta1, beta2) = (ADAM_BETA1, ADAM_BETA2);
        let step = super::kernels::AdamStep {
            lr: self.learning_rate as f32,
            beta1,
            beta2,
            eps: ADAM_EPS,
            weight_decay: self.weight_decay as f32,
            correction1: 1.0 - beta1.powi(self.t),
            correction2: 1.0 - beta2.powi(self.t),
        };
        for slot in &mut self.slots {
            if let Some(grad) = grads.get(&slot.var) {
                slot.update(grad, step)?;
            }
        }
        Ok(())
    }
}

/// candle-nn's AdamW update rule (which is PyTorch's: bias-corrected moments, decoupled weight
/// decay), in tensor ops on the variables' own device and dtype, with moments that can be saved.
pub struct TensorAdamW {
    vars: Vec<Var>,
    /// (m, v) per variable, zeros until its first gradient.
    moments: Vec<(Tensor, Tensor)>,
    learning_rate: f64,
    weight_decay: f64,
    t: i32,
}

impl TensorAdamW {
    fn new(vars: Vec<Var>, learning_rate: f64, weight_decay: f64) -> candle_core::Result<Self> {
        let moments = vars
            .iter()
            .map(|var| Ok((var.zeros_like()?, var.zeros_like()?)))
            .collect::<candle_core::Result<_>>()?;
        Ok(Self { vars, moments, learning_rate, weight_decay, t: 0 })
    }

    fn step(&mut self, grads: &GradStore) -> candle_core::Result<()> {
        self.t += 1;
        // In f64 as candle-nn has them (the f32 constants above are these, rounded).
        let ParamsAdamW { beta1, beta2, eps, .. } = ParamsAdamW::default();
        let (lr, t) = (self.learning_rate, self.t);
        let (scale_m, scale_v) = (1.0 / (1.0 - beta1.powi(t)), 1.0 / (1.0 - beta2.powi(t)));
        for (var, (m, v)) in self.vars.iter().zip(self.moments.iter_mut()) {
            let Some(g) = grads.get(var) else { continue };
            let next_m = ((&*m * beta1)? + (g * (1.0 - beta1))?)?;
            let next_v = ((&*v * beta2)? + (g.sqr()? * (1.0 - beta2))?)?;
            let m_hat = (&next_m * scale_m)?;
            let v_hat = (&next_v * scale_v)?;
            let decayed = (var.as_tensor() * (1.0 - lr * self.weight_decay))?;
            let adjusted = (m_hat / (v_hat.sqrt()? + eps)?)?;
            var.set(&(decayed - (adjusted * lr)?)?)?;
            (*m, *v) = (next_m, next_v);
        }
        Ok(())
    }
}

/// What an optimizer carries from one step to the next (Adam's moments, momentum's
/// velocities), by the names of the variables, so training resumes exactly where it stopped.
pub struct OptimizerState {
    /// Adam steps taken (its bias corrections depend on them); 0 for momentum.
    pub step: i32,
    /// `"m.NAME"`, `"v.NAME"` or `"velocity.NAME"`.
    pub tensors: std::collections::HashMap<String, Tensor>,
}

pub enum NetworkOptimizer {
    Sgd(SGD),
    /// Adam/AdamW with each variable updated by one fused CPU kernel (f32 on the CPU only).
    FusedAdamW(FusedAdamW),
    Momentum(MomentumSgd),
    /// Adam/AdamW in tensor ops: on a GPU, or in f64. Adam is AdamW without weight decay.
    AdamW(TensorAdamW),
}

impl NetworkOptimizer {
    pub fn new(kind: OptimizerKind, vars: Vec<Var>, learning_rate: f64) -> candle_core::Result<Self> {
        Ok(match kind {
            OptimizerKind::Sgd => Self::Sgd(SGD::new(vars, learning_rate)?),
            OptimizerKind::Momentum => Self::Momentum(MomentumSgd::new(vars, learning_rate, MOMENTUM)),
            OptimizerKind::Adam | OptimizerKind::AdamW => {
                let weight_decay = if kind == OptimizerKind::Adam { 0.0 } else { ADAMW_WEIGHT_DECAY };
                if FusedAdamW::suits(&vars) {
                    Self::FusedAdamW(FusedAdamW::new(vars, learning_rate, weight_decay))
                } else {
                    Self::AdamW(TensorAdamW::new(vars, learning_rate, weight_decay)?)
                }
            }
        })
    }

    /// The state to save, with each variable named by `name_of`; `None` when there is none to
    /// carry (SGD).
    pub fn state(
        &self,
        name_of: impl Fn(&Var) -> Option<String>,
    ) -> candle_core::Result<Option<OptimizerState>> {
        let mut tensors = std::collections::HashMap::new();
        let step = match self {
            Self::Sgd(_) => return Ok(None),
            Self::FusedAdamW(o) => {
                for slot in &o.slots {
                    let Some(name) = name_of(&slot.var) else { continue };
                    let (m, v) = slot.moments();
                    let shape = slot.var.shape();
                    tensors.insert(
                        format!("m.{name}"),
                        Tensor::from_slice(m, shape, &candle_core::Device::Cpu)?,
                    );
                    tensors.insert(
                        format!("v.{name}"),
                        Tensor::from_slice(v, shape, &candle_core::Device::Cpu)?,
                    );
                }
                o.t
            }
            Self::AdamW(o) => {
                for (var, (m, v)) in o.vars.iter().zip(&o.moments) {
                    let Some(name) = name_of(var) else { continue };
                    tensors.insert(format!("m.{name}"), m.clone());
                    tensors.insert(format!("v.{name}"), v.clone());
                }
                o.t
            }
            Self::Momentum(o) => {
                for (var, velocity) in o.vars.iter().zip(&o.velocities) {
                    if let (Some(name), Some(velocity)) = (name_of(var), velocity) {
                        tensors.insert(format!("velocity.{name}"), velocity.clone());
                    }
                }
                0
            }
        };
        Ok(Some(OptimizerState { step, tensors }))
    }

    /// Puts back a saved state (from [`Self::state`], variables named the same way). A state
    /// that does not fit (another optimizer, other shapes) is refused and changes nothing.
    pub fn restore(
        &mut self,
        state: &OptimizerState,
        name_of: impl Fn(&Var) -> Option<String>,
    ) -> candle_core::Result<()> {
        match self {
            Self::Sgd(_) => Ok(()),
            Self::FusedAdamW(o) => {
                let mut moments = Vec::with_capacity(o.slots.len());
                for slot in &o.slots {
                    let name = name_of(&slot.var);
                    let saved = |kind: &str| -> candle_core::Result<Vec<f32>> {
                        let key = format!("{kind}.{}", name.as_deref().unwrap_or_default());
                        match state.tensors.get(&key) {
                            Some(t) => t.to_dtype(candle_core::DType::F32)?.flatten_all()?.to_vec1(),
                            None => candle_core::bail!("the saved optimizer state has no {key}"),
                        }
                    };
                    moments.push((saved("m")?, saved("v")?));
                }
                for (slot, (m, v)) in o.slots.iter().zip(&moments) {
                    if m.len() != slot.var.elem_count() || v.len() != slot.var.elem_count() {
                        candle_core::bail!("the saved optimizer state does not fit this network")
                    }
                }
                for (slot, (m, v)) in o.slots.iter_mut().zip(moments) {
                    slot.set_moments(m, v)?;
                }
                o.t = state.step;
                Ok(())
            }
            Self::AdamW(o) => {
                let mut moments = Vec::with_capacity(o.vars.len());
                for var in &o.vars {
                    let name = name_of(var).unwrap_or_default();
                    let saved = |kind: &str| -> candle_core::Result<Tensor> {
                        match state.tensors.get(&format!("{kind}.{name}")) {
                            Some(t) if t.shape() == var.shape() => {
                                t.to_device(var.device())?.to_dtype(var.dtype())
                            }
                            Some(_) => {
                                candle_core::bail!("the saved optimizer state does not fit this network")
                            }
                            None => candle_core::bail!("the saved optimizer state has no {kind}.{name}"),
                        }
                    };
                    moments.push((saved("m")?, saved("v")?));
                }
                o.moments = moments;
                o.t = state.step;
                Ok(())
            }
            Self::Momentum(o) => {
                let mut velocities = Vec::with_capacity(o.vars.len());
                for var in &o.vars {
                    let key = format!("velocity.{}", name_of(var).unwrap_or_default());
                    velocities.push(match state.tensors.get(&key) {
                        Some(t) if t.shape() == var.shape() => {
                            Some(t.to_device(var.device())?.to_dtype(var.dtype())?)
                        }
                        Some(_) => candle_core::bail!("the saved optimizer state does not fit this network"),
                        // A variable that had no gradient yet has no velocity either.
                        None => None,
                    });
                }
                o.velocities = velocities;
                Ok(())
            }
        }
    }

    pub fn backward_step(&mut self, loss: &Tensor) -> candle_core::Result<()> {
        let grads = loss.backward()?;
        self.step(&grads)
    }

    /// Applies gradients already computed (so they can be inspected first).
    pub fn step(&mut self, grads: &GradStore) -> candle_core::Result<()> {
        match self {
            Self::Sgd(o) => o.step(grads),
            Self::FusedAdamW(o) => o.step(grads),
            Self::Momentum(o) => o.step(grads),
            Self::AdamW(o) => o.step(grads),
        }
    }

    pub fn set_learning_rate(&mut self, lr: f64) {
        match self {
            Self::Sgd(o) => o.set_learning_rate(lr),
            Self::FusedAdamW(o) => o.learning_rate = lr,
            Self::Momentum(o) => o.learning_rate = lr,
            Self::AdamW(o) => o.learning_rate = lr,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::Device;

    /// Minimizes (p − 3)² and checks every optimizer gets there.
    #[test]
    fn every_optimizer_descends_a_parabola() {
        for kind in OptimizerKind::ALL {
            let p = Var::from_vec(vec![0f32], 1, &Device::Cpu).unwrap();
            let mut opt = NetworkOptimizer::new(kind, vec![p.clone()], 0.1).unwrap();
            for _ in 0..300 {
                let loss = (p.as_tensor() - 3.0).unwrap().sqr().unwrap().sum_all().unwrap();
                opt.backward_step(&loss).unwrap();
            }
            let value = p.as_tensor().to_vec1::<f32>().unwrap()[0];
            assert!((value - 3.0).abs() < 0.1, "{} ended at {value}", kind.name());
        }
    }

    /// The same gradients through the fused f32 kernel and through tensor ops in f64.
    #[test]
    fn the_tensor_adamw_takes_the_fused_kernels_steps() {
        use candle_core::DType;
        for kind in [OptimizerKind::Adam, OptimizerKind::AdamW] {
            let start = [0.5f32, -1.5, 2.0, 0.0];
            let fused_p = Var::from_slice(&start, (2, 2), &Device::Cpu).unwrap();
            let tensor_p = Var::from_slice(&start, (2, 2), &Device::Cpu).unwrap();
            let tensor_p = Var::from_tensor(&tensor_p.to_dtype(DType::F64).unwrap()).unwrap();
            let mut fused = NetworkOptimizer::new(kind, vec![fused_p.clone()], 0.05).unwrap();
            let mut tensor = NetworkOptimizer::new(kind, vec![tensor_p.clone()], 0.05).unwrap();
            assert!(matches!(fused, NetworkOptimizer::FusedAdamW(_)));
            assert!(matches!(tensor, NetworkOptimizer::AdamW(_)));
            // A loss whose gradients change sign and size from step to step.
            let target = [1.0, 2.0, -3.0, 0.5];
            for _ in 0..8 {
                for (p, opt) in [(&fused_p, &mut fused), (&tensor_p, &mut tensor)] {
                    let target = Tensor::new(&target, &Device::Cpu).unwrap().reshape((2, 2)).unwrap();
                    let target = target.to_dtype(p.dtype()).unwrap();
                    let loss = (p.as_tensor() - target).unwrap().powf(4.0).unwrap().sum_all().unwrap();
                    opt.backward_step(&loss).unwrap();
                }
                let values = |p: &Var| -> Vec<f64> {
                    p.to_dtype(DType::F64).unwrap().flatten_all().unwrap().to_vec1().unwrap()
                };
                for (a, b) in values(&fused_p).iter().zip(values(&tensor_p)) {
                    assert!((a - b).abs() < 1e-5, "{}: fused {a}, tensor ops {b}", kind.name());
                }
            }
        }
    }

    #[test]
    fn momentum_moves_further_than_plain_sgd_in_the_same_steps() {
        let end = |kind| {
            let p = Var::from_vec(vec![0f32], 1, &Device::Cpu).unwrap();
            let mut opt = NetworkOptimizer::new(kind, vec![p.clone()], 0.01).unwrap();
            for _ in 0..10 {
                let loss = (p.as_tensor() - 3.0).unwrap().sqr().unwrap().sum_all().unwrap();
                opt.backward_step(&loss).unwrap();
            }
            p.as_tensor().to_vec1::<f32>().unwrap()[0]
        };
        assert!(end(OptimizerKind::Momentum) > end(OptimizerKind::Sgd) + 0.2);
    }
}
