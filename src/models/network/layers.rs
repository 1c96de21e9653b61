//! The layers as candle tensors: weights, forward pass, training vs evaluation mode.

use candle_core::{DType, Device, Tensor, Var};
use candle_nn::VarMap;
use rand::Rng;
use rand::rngs::StdRng;
use rand_distr_free::normal;

use super::spec::{Activation, LayerSpec, RecurrentKind, WeightInit};

/// Batch-norm running statistics move this far toward each batch's statistics.
const BN_MOMENTUM: f64 = 0.1;
const BN_EPS: f64 = 1e-5;

/// A built layer. Dense weights are stored `(in, out)` so the forward pass needs no transpose.
pub(crate) enum Layer {
    Dense {
        weight: Var,
        bias: Var,
    },
    Conv2d {
        weight: Var,
        bias: Var,
        stride: usize,
        padding: usize,
    },
    MaxPool(usize),
    AvgPool(usize),
    /// Sequences flow as `(batch, steps, channels)`; the weight is `(filters, channels, kernel)`.
    Conv1d {
        weight: Var,
        bias: Var,
        stride: usize,
        padding: usize,
    },
    MaxPool1d(usize),
    AvgPool1d(usize),
    Flatten,
    /// `w_ih (F, G·H)`, `w_hh (H, G·H)`, `bias (G·H)`; GRU adds `bias_hh` for its candidate gate.
    Recurrent {
        cell: RecurrentKind,
        hidden: usize,
        w_ih: Var,
        w_hh: Var,
        bias: Var,
        bias_hh: Option<Var>,
    },
    /// Running statistics are Vars too so that saving keeps them, but the optimizer never sees them.
    BatchNorm {
        gamma: Var,
        beta: Var,
        running_mean: Var,
        running_var: Var,
    },
    Dropout(f64),
    Activation(Activation),
}

/// What a forward pass does besides computing: training mode and what to record.
pub(crate) struct Pass<'a> {
    /// Dropout masks come from here; `None` means evaluation mode.
    pub train_rng: Option<&'a mut StdRng>,
    /// Each layer's output, when asked for (activation views).
    pub record: Option<Vec<Tensor>>,
    /// Batch statistics to fold into the running ones once the step is done.
    pub batch_stats: Vec<(usize, Tensor, Tensor, usize)>,
    /// Whether a backward pass follows: layers that keep state for it (the fused GRU) skip that
    /// for a plain prediction.
    pub backward: bool,
}

impl<'a> Pass<'a> {
    pub fn eval() -> Self {
        Self { train_rng: None, record: None, batch_stats: Vec::new(), backward: false }
    }

    /// Evaluation mode, with gradients to take afterwards (saliency, the gradient views).
    pub fn eval_with_gradients() -> Self {
        Self { backward: true, ..Self::eval() }
    }

    pub fn train(rng: &'a mut StdRng) -> Self {
        Self { train_rng: Some(rng), record: None, batch_stats: Vec::new(), backward: true }
    }
}

/// Draws a standard normal value (Box–Muller) so every weight comes from our seeded generator.
mod rand_distr_free {
    use rand::Rng;
    pub fn normal(rng: &mut impl Rng) -> f64 {
        let u1: f64 = rng.random_range(f64::EPSILON..1.0);
        let u2: f64 = rng.random_range(0.0..1.0);
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    }
}

/// PyTorch's default bound for weights and biases: 1/√fan_in.
fn fan_in_bound(fan_in: usize) -> f64 {
    1.0 / (fan_in.max(1) as f64).sqrt()
}

/// Builds layers and registers their variables in a `VarMap` under stable names (for saving).
pub(crate) struct Builder<'a> {
    pub varmap: &'a VarMap,
    pub device: &'a Device,
    pub dtype: DType,
    pub rng: &'a mut StdRng,
    pub init: WeightInit,
    /// Variables the optimizer updates, in layer order.
    pub trainable: Vec<Var>,
    /// Variables the L1/L2 penalties apply to (weights, not biases).
    pub penalized: Vec<Var>,
}

impl Builder<'_> {
    fn var(
        &mut self,
        name: String,
        values: Vec<f32>,
        shape: &[usize],
        trainable: bool,
    ) -> candle_core::Result<Var> {
        let t =
            Tensor::from_vec(values, shape, &Device::Cpu)?.to_dtype(self.dtype)?.to_device(self.device)?;
        let var = Var::from_tensor(&t)?;
        // A poisoned lock means another thread panicked mid-insert; the map is still usable.
        let mut data = self.varmap.data().lock().unwrap_or_else(|e| e.into_inner());
        data.insert(name, var.clone());
        drop(data);
        if trainable {
            self.trainable.push(var.clone());
        }
        Ok(var)
    }

    fn weights(
        &mut self,
        fan_in: usize,
        fan_out: usize,
        count: usize,
        relu_next: bool,
        default_bound: Option<f64>,
    ) -> Vec<f32> {
        let init = match (self.init, default_bound) {
            (WeightInit::Auto | WeightInit::FanIn, Some(bound)) => return self.uniform(bound, count),
            (WeightInit::Auto, None) if relu_next => WeightInit::He,
            (WeightInit::Auto, None) => WeightInit::Glorot,
            (other, _) => other,
        };
        match init {
            WeightInit::He => self.uniform((6.0 / fan_in as f64).sqrt(), count),
            WeightInit::Normal => (0..count).map(|_| (0.05 * normal(self.rng)) as f32).collect(),
            WeightInit::FanIn => self.uniform(fan_in_bound(fan_in), count),
            _ => self.uniform((6.0 / (fan_in + fan_out) as f64).sqrt(), count),
        }
    }

    /// `count` draws from uniform ±`bound`.
    fn uniform(&mut self, bound: f64, count: usize) -> Vec<f32> {
        (0..count).map(|_| self.rng.random_range(-bound..bound) as f32).collect()
    }

    /// Zero, or with [`WeightInit::FanIn`] uniform ±1/√fan_in as PyTorch starts its biases.
    fn biases(&mut self, fan_in: usize, count: usize) -> Vec<f32> {
        match self.init {
            WeightInit::FanIn => self.uniform(fan_in_bound(fan_in), count),
            _ => vec![0.0; count],
        }
    }

    pub fn dense(
        &mut self,
        i: usize,
        fan_in: usize,
        units: usize,
        relu_next: bool,
    ) -> candle_core::Result<Layer> {
        let w = self.weights(fan_in, units, fan_in * units, relu_next, None);
        let weight = self.var(format!("layer{i}.weight"), w, &[fan_in, units], true)?;
        let b = self.biases(fan_in, units);
        let bias = self.var(format!("layer{i}.bias"), b, &[units], true)?;
        self.penalized.push(weight.clone());
        Ok(Layer::Dense { weight, bias })
    }

    pub fn conv2d(
        &mut self,
        i: usize,
        channels: usize,
        filters: usize,
        kernel: usize,
        stride: usize,
        padding: usize,
        relu_next: bool,
    ) -> candle_core::Result<Layer> {
        let area = kernel * kernel;
        let w = self.weights(channels * area, filters * area, filters * channels * area, relu_next, None);
        let weight = self.var(format!("layer{i}.weight"), w, &[filters, channels, kernel, kernel], true)?;
        let b = self.biases(channels * area, filters);
        let bias = self.var(format!("layer{i}.bias"), b, &[1, filters, 1, 1], true)?;
        self.penalized.push(weight.clone());
        Ok(Layer::Conv2d { weight, bias, stride, padding })
    }

    pub fn conv1d(
        &mut self,
        i: usize,
        channels: usize,
        filters: usize,
        kernel: usize,
        stride: usize,
        padding: usize,
        relu_next: bool,
    ) -> candle_core::Result<Layer> {
        let w =
            self.weights(channels * kernel, filters * kernel, filters * channels * kernel, relu_next, None);
        let weight = self.var(format!("layer{i}.weight"), w, &[filters, channels, kernel], true)?;
        let b = self.biases(channels * kernel, filters);
        let bias = self.var(format!("layer{i}.bias"), b, &[1, 1, filters], true)?;
        self.penalized.push(weight.clone());
        Ok(Layer::Conv1d { weight, bias, stride, padding })
    }

    pub fn recurrent(
        &mut self,
        i: usize,
        cell: RecurrentKind,
        features: usize,
        hidden: usize,
    ) -> candle_core::Result<Layer> {
        let width = cell.gates() * hidden;
        // PyTorch's default for recurrent cells: uniform ±1/√hidden.
        let bound = 1.0 / (hidden as f64).sqrt();
        let w = self.weights(features, hidden, features * width, false, Some(bound));
        let w_ih = self.var(format!("layer{i}.w_ih"), w, &[features, width], true)?;
        let w = self.weights(hidden, hidden, hidden * width, false, Some(bound));
        let w_hh = self.var(format!("layer{i}.w_hh"), w, &[hidden, width], true)?;
        // PyTorch's default also starts the biases uniform ±1/√hidden.
        let fan_in = self.init == WeightInit::FanIn;
        let mut b = if fan_in { self.uniform(bound, width) } else { vec![0.0f32; width] };
        if cell == RecurrentKind::Lstm && !fan_in {
            // A forget-gate bias of 1 lets gradients flow through long sequences from the start.
            b[hidden..2 * hidden].fill(1.0);
        }
        let bias = self.var(format!("layer{i}.bias"), b, &[width], true)?;
        let bias_hh = if cell == RecurrentKind::Gru {
            let b = if fan_in { self.uniform(bound, width) } else { vec![0.0; width] };
            Some(self.var(format!("layer{i}.bias_hh"), b, &[width], true)?)
        } else {
            None
        };
        self.penalized.push(w_ih.clone());
        self.penalized.push(w_hh.clone());
        Ok(Layer::Recurrent { cell, hidden, w_ih, w_hh, bias, bias_hh })
    }

    pub fn batch_norm(&mut self, i: usize, width: usize, spatial: bool) -> candle_core::Result<Layer> {
        let shape: Vec<usize> = if spatial { vec![1, width, 1, 1] } else { vec![1, width] };
        let gamma = self.var(format!("layer{i}.gamma"), vec![1.0; width], &shape, true)?;
        let beta = self.var(format!("layer{i}.beta"), vec![0.0; width], &shape, true)?;
        let running_mean = self.var(format!("layer{i}.running_mean"), vec![0.0; width], &shape, false)?;
        let running_var = self.var(format!("layer{i}.running_var"), vec![1.0; width], &shape, false)?;
        Ok(Layer::BatchNorm { gamma, beta, running_mean, running_var })
    }
}

/// The slope of leaky ReLU below zero.
pub(crate) const LEAKY_RELU_SLOPE: f64 = 0.01;

pub(crate) fn activate(h: &Tensor, a: Activation) -> candle_core::Result<Tensor> {
    match a {
        Activation::Relu => h.relu(),
        Activation::LeakyRelu => candle_nn::ops::leaky_relu(h, LEAKY_RELU_SLOPE),
        Activation::Tanh => super::kernels::tanh(h),
        Activation::Sigmoid => candle_nn::ops::sigmoid(h),
        Activation::Gelu => h.gelu_erf(),
    }
}

/// The part of a pool window that fits: candle's pooling gradient needs whole windows.
fn crop_to(x: &Tensor, k: usize) -> candle_core::Result<Tensor> {
    let (_, _, h, w) = x.dims4()?;
    let (ch, cw) = (h - h % k, w - w % k);
    if ch == h && cw == w { Ok(x.clone()) } else { x.narrow(2, 0, ch)?.narrow(3, 0, cw) }
}

/// Pooling over time of a `(batch, steps, channels)` sequence, the last partial window dropped
/// (as PyTorch's `MaxPool1d` does).
fn pool_steps(x: &Tensor, k: usize, max: bool) -> candle_core::Result<Tensor> {
    let (b, t, c) = x.dims3()?;
    let windows = x.narrow(1, 0, t - t % k)?.reshape((b, t / k, k, c))?;
    if max { windows.max(2) } else { windows.mean(2) }
}

/// A convolution over time: candle convolves `(batch, channels, steps)`, the network carries
/// sequences as `(batch, steps, channels)` (what the recurrent layers read).
fn conv_steps(
    x: &Tensor,
    weight: &Tensor,
    bias: &Tensor,
    stride: usize,
    padding: usize,
) -> candle_core::Result<Tensor> {
    super::conv::conv1d(&x.transpose(1, 2)?, weight, bias, stride, padding)?.transpose(1, 2)
}

impl Layer {
    /// The layer's trainable weight and bias, for the weights view.
    pub fn weight_and_bias(&self) -> Option<(&Var, &Var)> {
        match self {
            Layer::Dense { weight, bias }
            | Layer::Conv2d { weight, bias, .. }
            | Layer::Conv1d { weight, bias, .. } => Some((weight, bias)),
            Layer::Recurrent { w_ih, bias, .. } => Some((w_ih, bias)),
            Layer::BatchNorm { gamma, beta, .. } => Some((gamma, beta)),
            _ => None,
        }
    }

    /// Every trainable variable of the layer.
    pub fn trainable(&self) -> Vec<&Var> {
        match self {
            Layer::Dense { weight, bias }
            | Layer::Conv2d { weight, bias, .. }
            | Layer::Conv1d { weight, bias, .. } => {
                vec![weight, bias]
            }
            Layer::Recurrent { w_ih, w_hh, bias, bias_hh, .. } => {
                let mut v = vec![w_ih, w_hh, bias];
                v.extend(bias_hh.as_ref());
                v
            }
            Layer::BatchNorm { gamma, beta, .. } => vec![gamma, beta],
            _ => Vec::new(),
        }
    }

    pub fn forward(&self, index: usize, x: &Tensor, pass: &mut Pass<'_>) -> candle_core::Result<Tensor> {
        match self {
            Layer::Dense { weight, bias } => super::kernels::dense(x, weight.as_tensor(), bias.as_tensor()),
            Layer::Conv2d { weight, bias, stride, padding } => {
                super::conv::conv2d(x, weight.as_tensor(), bias.as_tensor(), *stride, *padding)
            }
            Layer::MaxPool(k) => super::pool::max_pool2d(x, *k),
            Layer::AvgPool(k) => crop_to(x, *k)?.avg_pool2d(*k),
            Layer::Conv1d { weight, bias, stride, padding } => {
                conv_steps(x, weight.as_tensor(), bias.as_tensor(), *stride, *padding)
            }
            Layer::MaxPool1d(k) => pool_steps(x, *k, true),
            Layer::AvgPool1d(k) => pool_steps(x, *k, false),
            Layer::Flatten => x.flatten_from(1),
            Layer::Activation(a) => activate(x, *a),
            Layer::Dropout(p) => match pass.train_rng.as_deref_mut() {
                Some(rng) if *p > 0.0 => {
                    x * super::dropout::mask(x.shape(), x.dtype(), x.device(), 1.0 - p, rng)?
                }
                _ => Ok(x.clone()),
            },
            Layer::BatchNorm { gamma, beta, running_mean, running_var } => {
                let spatial = x.rank() == 4;
                let (mean, var) = if pass.train_rng.is_some() {
                    let (mean, var) = if spatial {
                        let mean = x.mean_keepdim(0)?.mean_keepdim(2)?.mean_keepdim(3)?;
                        let var = x
                            .broadcast_sub(&mean)?
                            .sqr()?
                            .mean_keepdim(0)?
                            .mean_keepdim(2)?
                            .mean_keepdim(3)?;
                        (mean, var)
                    } else {
                        let mean = x.mean_keepdim(0)?;
                        let var = x.broadcast_sub(&mean)?.sqr()?.mean_keepdim(0)?;
                        (mean, var)
                    };
                    let count = x.elem_count() / mean.elem_count().max(1);
                    pass.batch_stats.push((index, mean.detach(), var.detach(), count));
                    (mean, var)
                } else {
                    (running_mean.as_tensor().clone(), running_var.as_tensor().clone())
                };
                let normed = x.broadcast_sub(&mean)?.broadcast_div(&(var + BN_EPS)?.sqrt()?)?;
                normed.broadcast_mul(gamma.as_tensor())?.broadcast_add(beta.as_tensor())
            }
            Layer::Recurrent { cell, hidden, w_ih, w_hh, bias, bias_hh } => {
                recurrent_forward(*cell, *hidden, x, (w_ih, w_hh, bias, bias_hh.as_ref()), pass.backward)
            }
        }
    }

    /// Moves the running statistics toward a batch's (PyTorch's rule, unbiased variance).
    pub fn update_running(&self, mean: &Tensor, var: &Tensor, batch_count: usize) -> candle_core::Result<()> {
        if let Layer::BatchNorm { running_mean, running_var, .. } = self {
            let unbias = if batch_count > 1 { batch_count as f64 / (batch_count - 1) as f64 } else { 1.0 };
            let m = ((running_mean.as_tensor() * (1.0 - BN_MOMENTUM))? + (mean * BN_MOMENTUM)?)?;
            let v = ((running_var.as_tensor() * (1.0 - BN_MOMENTUM))? + (var * (BN_MOMENTUM * unbias))?)?;
            running_mean.set(&m)?;
            running_var.set(&v)?;
        }
        Ok(())
    }
}

/// Runs a recurrent cell over `x (B, T, F)` and returns the last hidden state `(B, H)`.
fn recurrent_forward(
    cell: RecurrentKind,
    hidden: usize,
    x: &Tensor,
    (w_ih, w_hh, bias, bias_hh): (&Var, &Var, &Var, Option<&Var>),
    backward: bool,
) -> candle_core::Result<Tensor> {
    let (b, t, f) = x.dims3()?;
    let width = cell.gates() * hidden;
    // One matmul projects every step's input at once; only the hidden path is sequential.
    let projected = x
        .reshape((b * t, f))?
        .matmul(w_ih.as_tensor())?
        .broadcast_add(bias.as_tensor())?
        .reshape((b, t, width))?;
    if cell == RecurrentKind::Gru
        && let Some(bias_hh) = bias_hh
        && super::gru::suits(&[&projected, w_hh.as_tensor(), bias_hh.as_tensor()])
    {
        return super::gru::gru_sequence(&projected, w_hh.as_tensor(), bias_hh.as_tensor(), backward);
    }
    let mut h = Tensor::zeros((b, hidden), x.dtype(), x.device())?;
    let mut c = h.clone();
    for step in 0..t {
        let xp = projected.narrow(1, step, 1)?.squeeze(1)?;
        let hp = h.matmul(w_hh.as_tensor())?;
        h = match cell {
            RecurrentKind::Rnn => super::kernels::tanh(&(xp + hp)?)?,
            RecurrentKind::Lstm => {
                let gates = (xp + hp)?;
                let i = candle_nn::ops::sigmoid(&gates.narrow(1, 0, hidden)?)?;
                let fg = candle_nn::ops::sigmoid(&gates.narrow(1, hidden, hidden)?)?;
                let g = super::kernels::tanh(&gates.narrow(1, 2 * hidden, hidden)?)?;
                let o = candle_nn::ops::sigmoid(&gates.narrow(1, 3 * hidden, hidden)?)?;
                c = ((fg * &c)? + (i * g)?)?;
                (o * super::kernels::tanh(&c)?)?
            }
            RecurrentKind::Gru => {
                let hp = match bias_hh {
                    Some(b) => hp.broadcast_add(b.as_tensor())?,
                    None => hp,
                };
                let rz =
                    candle_nn::ops::sigmoid(&(xp.narrow(1, 0, 2 * hidden)? + hp.narrow(1, 0, 2 * hidden)?)?)?;
                let r = rz.narrow(1, 0, hidden)?;
                let z = rz.narrow(1, hidden, hidden)?;
                let n = super::kernels::tanh(
                    &(xp.narrow(1, 2 * hidden, hidden)? + (r * hp.narrow(1, 2 * hidden, hidden)?)?)?,
                )?;
                // h' = (1 − z)·n + z·h = n + z·(h − n)
                (&n + (z * (&h - &n)?)?)?
            }
        };
    }
    Ok(h)
}

/// Builds the runtime layers of `spec` for an input of `input` shape, plus the output layer.
pub(crate) fn build_layers(
    builder: &mut Builder<'_>,
    spec: &[LayerSpec],
    input: super::shapes::Shape,
    output_units: usize,
) -> candle_core::Result<Vec<Layer>> {
    use super::shapes::Shape;
    let relu_after = |from: usize| {
        spec[from..]
            .iter()
            .take_while(|l| {
                !matches!(
                    l,
                    LayerSpec::Dense { .. }
                        | LayerSpec::Conv2d { .. }
                        | LayerSpec::Conv1d { .. }
                        | LayerSpec::Recurrent { .. }
                )
            })
            .find_map(|l| match l {
                LayerSpec::Activation(a) => Some(a.is_relu_like()),
                _ => None,
            })
            .unwrap_or(false)
    };
    let mut layers = Vec::with_capacity(spec.len() + 1);
    let mut shape = input;
    for (i, layer) in spec.iter().enumerate() {
        let built = match (layer, shape) {
            (LayerSpec::Dense { units }, Shape::Vector(n)) => {
                builder.dense(i, n, *units, relu_after(i + 1))?
            }
            (LayerSpec::Conv2d { filters, kernel, stride, padding }, Shape::Image { channels, .. }) => {
                builder.conv2d(i, channels, *filters, *kernel, *stride, *padding, relu_after(i + 1))?
            }
            (LayerSpec::Conv1d { filters, kernel, stride, padding }, Shape::Sequence { features, .. }) => {
                builder.conv1d(i, features, *filters, *kernel, *stride, *padding, relu_after(i + 1))?
            }
            (LayerSpec::MaxPool1d { size }, _) => Layer::MaxPool1d(*size),
            (LayerSpec::AvgPool1d { size }, _) => Layer::AvgPool1d(*size),
            (LayerSpec::Recurrent { cell, hidden }, Shape::Sequence { features, .. }) => {
                builder.recurrent(i, *cell, features, *hidden)?
            }
            (LayerSpec::BatchNorm, Shape::Vector(n)) => builder.batch_norm(i, n, false)?,
            (LayerSpec::BatchNorm, Shape::Image { channels, .. }) => builder.batch_norm(i, channels, true)?,
            (LayerSpec::MaxPool { size }, _) => Layer::MaxPool(*size),
            (LayerSpec::AvgPool { size }, _) => Layer::AvgPool(*size),
            (LayerSpec::Flatten, _) => Layer::Flatten,
            (LayerSpec::Dropout { p }, _) => Layer::Dropout(*p),
            (LayerSpec::Activation(a), _) => Layer::Activation(*a),
            (other, shape) => candle_core::bail!("layer {} {other} cannot take {shape}", i + 1),
        };
        layers.push(built);
        shape = super::shapes::layer_output(i + 1, layer, shape)
            .map_err(|e| candle_core::Error::Msg(e.to_string()))?
            .0;
    }
    let Shape::Vector(n) = shape else { candle_core::bail!("the output layer needs a vector, got {shape}") };
    layers.push(builder.dense(spec.len(), n, output_units, false)?);
    Ok(layers)
}
