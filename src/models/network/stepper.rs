//! The backpropagation stepper: one training step of a small dense network on one point (or a
//! tiny batch), worked out by hand in f64 from the network's own weights and optimizer state, so
//! the studio can walk through it stage by stage: each unit's weighted sum and activation, the
//! loss, each unit's error signal and each weight's gradient, and the update. The tests hold
//! every number to candle's autograd and to the network's real training step.

use candle_core::{DType, Tensor};

use super::layers::{LEAKY_RELU_SLOPE, Layer};
use super::optimizer::{self, OptimizerKind, OptimizerState};
use super::{Activation, NetworkLearner, OutputHead, Shape, candle_err};
use crate::models::learner::ModelError;

/// The largest network the stepper walks through: its numbers must fit on one diagram.
pub const MAX_HIDDEN_LAYERS: usize = 3;
pub const MAX_UNITS: usize = 8;
/// Inputs per point: two coordinates and the engineered features fit.
pub const MAX_INPUTS: usize = 10;
/// Points in one stepped batch.
pub const MAX_ROWS: usize = 8;
/// What the studio says about any other network.
pub const SMALL_NETWORKS_ONLY: &str = "the stepper shows networks up to 3 hidden layers of 8 units";

/// What a unit does to its weighted sum.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnitActivation {
    Linear,
    Tanh,
    Relu,
    LeakyRelu,
    Sigmoid,
}

impl UnitActivation {
    fn of(activation: Activation) -> Option<Self> {
        match activation {
            Activation::Tanh => Some(Self::Tanh),
            Activation::Relu => Some(Self::Relu),
            Activation::LeakyRelu => Some(Self::LeakyRelu),
            Activation::Sigmoid => Some(Self::Sigmoid),
            // Its slope needs the error function; the stepper keeps to the ones a class can follow.
            Activation::Gelu => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Linear => "linear",
            Self::Tanh => "tanh",
            Self::Relu => "relu",
            Self::LeakyRelu => "leaky_relu",
            Self::Sigmoid => "sigmoid",
        }
    }

    pub fn apply(self, z: f64) -> f64 {
        match self {
            Self::Linear => z,
            Self::Tanh => z.tanh(),
            Self::Relu => z.max(0.0),
            Self::LeakyRelu if z >= 0.0 => z,
            Self::LeakyRelu => LEAKY_RELU_SLOPE * z,
            Self::Sigmoid => sigmoid(z),
        }
    }

    /// The slope f'(z) (with a = f(z)), taken as candle's backward pass takes it: ReLU's is 1 at 0.
    pub fn slope(self, z: f64, a: f64) -> f64 {
        match self {
            Self::Linear => 1.0,
            Self::Tanh => 1.0 - a * a,
            Self::Relu => f64::from(u8::from(z >= 0.0)),
            Self::LeakyRelu if z >= 0.0 => 1.0,
            Self::LeakyRelu => LEAKY_RELU_SLOPE,
            Self::Sigmoid => a * (1.0 - a),
        }
    }

    /// How the slope reads, for the chain-rule texts.
    pub fn slope_formula(self) -> &'static str {
        match self {
            Self::Linear => "1",
            Self::Tanh => "1 − a²",
            Self::Relu => "1 if z ≥ 0, else 0",
            Self::LeakyRelu => "1 if z ≥ 0, else 0.01",
            Self::Sigmoid => "a(1 − a)",
        }
    }
}

fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

/// How the optimizer turns a gradient into a change of weight.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum UpdateRule {
    /// new w = w − η·g.
    Sgd,
    /// v = μ·v + g (v = g on the first step), new w = w − η·v.
    Momentum { momentum: f64, first: bool },
    /// AdamW (Adam when the decay is 0); `step` is the step this update is (t).
    Adam { beta1: f64, beta2: f64, eps: f64, weight_decay: f64, step: i32 },
    /// The optimizer's state cannot be read here (candle-nn's AdamW, used off the CPU): the
    /// update shown is plain SGD's, not the one training takes.
    SgdInsteadOf(OptimizerKind),
}

impl UpdateRule {
    /// The rule in one line, e.g. "new w = w − η·∂L/∂w (plain SGD), η = 0.03".
    pub fn describe(self, learning_rate: f64) -> String {
        let eta = format!("η = {learning_rate}");
        match self {
            Self::Sgd => format!("new w = w − η·∂L/∂w (plain SGD), {eta}"),
            Self::Momentum { momentum, .. } => {
                format!("v = {momentum}·v + ∂L/∂w, then new w = w − η·v (SGD with momentum), {eta}")
            }
            Self::Adam { weight_decay, step, .. } if weight_decay > 0.0 => format!(
                "AdamW step {step}: moments m and v, then new w = w·(1 − η·{weight_decay}) − η·M/(√V + ε), {eta}"
            ),
            Self::Adam { step, .. } => {
                format!("Adam step {step}: moments m and v, then new w = w − η·M/(√V + ε), {eta}")
            }
            Self::SgdInsteadOf(kind) => format!(
                "shown as plain SGD, new w = w − η·∂L/∂w, {eta}: {} keeps state the stepper cannot read on this device",
                kind.name()
            ),
        }
    }
}

/// An optimizer's state for one weight or bias, before and after the step: Adam's (m, v),
/// momentum's (velocity, 0); zeros for SGD.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ParamState {
    pub before: [f64; 2],
    pub after: [f64; 2],
}

/// One dense layer through the step.
#[derive(Clone, Debug, PartialEq)]
pub struct StepLayer {
    /// 1-based position of the dense layer among the network's layers (as in `LayerWeights`):
    /// what `NetworkLearner::set_weight` takes.
    pub index: usize,
    /// "hidden 1", "hidden 2", …, "output".
    pub name: String,
    pub activation: UnitActivation,
    pub inputs: usize,
    pub units: usize,
    /// `[inputs, units]` row-major: the weight from input `i` to unit `u` is `weights[i * units + u]`.
    pub weights: Vec<f64>,
    pub biases: Vec<f64>,
    /// Per point, `[rows, units]`: weighted sums z, activations a = f(z), error signals δ = ∂L/∂z.
    pub z: Vec<f64>,
    pub a: Vec<f64>,
    pub delta: Vec<f64>,
    /// ∂L/∂w over the batch with the penalty's share, and that share alone.
    pub weight_grads: Vec<f64>,
    pub penalty_grads: Vec<f64>,
    pub bias_grads: Vec<f64>,
    pub new_weights: Vec<f64>,
    pub new_biases: Vec<f64>,
    pub weight_state: Vec<ParamState>,
    pub bias_state: Vec<ParamState>,
}

/// One stage of the walk-through, in the order the stepper shows them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StepStage {
    Input,
    /// The forward pass through layer k (position in `BackpropStep::layers`).
    Forward(usize),
    Loss,
    /// The backward pass through layer k, from the output down.
    Backward(usize),
    Update,
}

/// One training step on a few points, every number of it.
#[derive(Clone, Debug, PartialEq)]
pub struct BackpropStep {
    pub rows: usize,
    pub n_inputs: usize,
    /// The points as the network reads them (standardized), `[rows, n_inputs]`.
    pub inputs: Vec<f64>,
    /// Class index or value per point.
    pub targets: Vec<f64>,
    pub head: OutputHead,
    pub layers: Vec<StepLayer>,
    /// Per point, what the head makes of the output layer: p(class 1) for two classes, each
    /// class's probability for more, the value for regression.
    pub outputs: Vec<f64>,
    /// The loss on the points, the penalty λ₁·Σ|w| + λ₂·Σw² on every weight, and their sum.
    pub data_loss: f64,
    pub penalty: f64,
    pub loss: f64,
    pub l1: f64,
    pub l2: f64,
    pub optimizer: OptimizerKind,
    pub learning_rate: f64,
    pub rule: UpdateRule,
    /// Gradient steps the network had taken before this one.
    pub steps_before: usize,
    /// The data row stepped on, and whether it is a training row (set by whoever picked it).
    pub row: Option<usize>,
    pub training_row: bool,
}

impl NetworkLearner {
    /// The dense blocks the stepper walks, as (position in `layers`, activation after it), or
    /// why this network is not one it shows.
    fn stepper_blocks(&self) -> Result<Vec<(usize, UnitActivation)>, String> {
        let Shape::Vector(inputs) = self.input else {
            return Err(format!("{SMALL_NETWORKS_ONLY}, on rows of plain numbers"));
        };
        let mut blocks: Vec<(usize, UnitActivation)> = Vec::new();
        let mut open = false;
        for (i, (layer, name)) in self.layers.iter().zip(self.layer_names()).enumerate() {
            match layer {
                Layer::Dense { .. } => {
                    blocks.push((i, UnitActivation::Linear));
                    open = true;
                }
                Layer::Activation(a) => {
                    let Some(unit) = UnitActivation::of(*a) else {
                        return Err(format!(
                            "{SMALL_NETWORKS_ONLY} with tanh, relu, leaky_relu or sigmoid units: layer {} is {name}",
                            i + 1
                        ));
                    };
                    match blocks.last_mut() {
                        Some(block) if open => block.1 = unit,
                        _ => {
                            return Err(format!(
                                "{SMALL_NETWORKS_ONLY}, each activation right after a dense layer: layer {} is {name}",
                                i + 1
                            ));
                        }
                    }
                    open = false;
                }
                // A vector stays the same vector; dropout of 0 drops nothing.
                Layer::Flatten => {}
                Layer::Dropout(p) if *p == 0.0 => {}
                _ => {
                    return Err(format!(
                        "{SMALL_NETWORKS_ONLY}, made of dense layers and activations: layer {} is {name}",
                        i + 1
                    ));
                }
            }
        }
        let units = |&(i, _): &(usize, UnitActivation)| match &self.layers[i] {
            Layer::Dense { weight, .. } => weight.dims().get(1).copied().unwrap_or(0),
            _ => 0,
        };
        let hidden = blocks.len().saturating_sub(1);
        let widest = blocks.iter().map(units).max().unwrap_or(0);
        if hidden > MAX_HIDDEN_LAYERS || widest > MAX_UNITS || inputs > MAX_INPUTS {
            return Err(format!(
                "{SMALL_NETWORKS_ONLY} and up to {MAX_INPUTS} inputs; this one has {hidden} hidden layers, \
                 {widest} units in its widest layer and {inputs} inputs"
            ));
        }
        Ok(blocks)
    }

    /// Whether the stepper can walk this network; the message says why not.
    pub fn stepper_fits(&self) -> Result<(), String> {
        self.stepper_blocks().map(|_| ())
    }

    /// One training step on these rows (standardized, `n_features` each) worked out by hand:
    /// the forward pass, the loss, the backward pass and the optimizer's update, from the
    /// network's weights and optimizer state as they are. Nothing changes; `step_rows` takes
    /// the same step for real.
    pub fn backprop_step(&self, features: &[f64], targets: &[f64]) -> Result<BackpropStep, ModelError> {
        let blocks = self.stepper_blocks().map_err(ModelError::Unsuitable)?;
        let rows = targets.len();
        if rows == 0 || rows > MAX_ROWS || features.len() != rows * self.n_features {
            return Err(ModelError::Unsuitable(format!(
                "the stepper takes 1 to {MAX_ROWS} points of {} values; it was given {} values for {rows} points",
                self.n_features,
                features.len()
            )));
        }
        if features.iter().chain(targets).any(|v| !v.is_finite()) {
            return Err(ModelError::Unsuitable("the point has a missing or infinite value".into()));
        }
        let classes = match self.head {
            OutputHead::Binary => 2,
            OutputHead::Multiclass(k) => k,
            OutputHead::Value => usize::MAX,
        };
        if classes != usize::MAX
            && targets.iter().any(|&t| t < 0.0 || t.fract() != 0.0 || t as usize >= classes)
        {
            return Err(ModelError::Unsuitable(format!(
                "the targets must be class numbers 0 to {}",
                classes - 1
            )));
        }
        let state = self.optimizer_state().map_err(candle_err)?;
        let names = self.variable_names();
        let mut layers = Vec::with_capacity(blocks.len());
        let mut states = Vec::with_capacity(blocks.len());
        for (k, &(i, activation)) in blocks.iter().enumerate() {
            let Layer::Dense { weight, bias } = &self.layers[i] else { continue };
            let read = |t: &Tensor| -> candle_core::Result<Vec<f64>> {
                t.to_dtype(DType::F64)?.flatten_all()?.to_vec1()
            };
            let (inputs, units) = weight.dims2().map_err(candle_err)?;
            let name = if k + 1 == blocks.len() { "output".to_string() } else { format!("hidden {}", k + 1) };
            let (weights, biases) =
                (read(weight.as_tensor()).map_err(candle_err)?, read(bias.as_tensor()).map_err(candle_err)?);
            let state_of = |var: &candle_core::Var| {
                names.get(&var.as_tensor().id()).and_then(|n| saved_state(state.as_ref(), n))
            };
            states.push((state_of(weight), state_of(bias)));
            layers.push(StepLayer::new(i + 1, name, activation, inputs, units, weights, biases));
        }
        let (l1, l2) = (self.spec.options.l1, self.spec.options.l2);
        let mut step = BackpropStep {
            rows,
            n_inputs: self.n_features,
            inputs: features.to_vec(),
            targets: targets.to_vec(),
            head: self.head,
            layers,
            outputs: Vec::new(),
            data_loss: 0.0,
            penalty: 0.0,
            loss: 0.0,
            l1,
            l2,
            optimizer: self.settings.optimizer,
            learning_rate: self.settings.learning_rate,
            rule: self.update_rule(state.as_ref()),
            steps_before: self.steps,
            row: None,
            training_row: false,
        };
        step.forward();
        step.loss_and_output_delta();
        step.backward();
        step.update(&states)?;
        Ok(step)
    }

    fn update_rule(&self, state: Option<&OptimizerState>) -> UpdateRule {
        match (self.settings.optimizer, state) {
            (OptimizerKind::Sgd, _) => UpdateRule::Sgd,
            (OptimizerKind::Momentum, Some(state)) => {
                UpdateRule::Momentum { momentum: optimizer::MOMENTUM, first: state.tensors.is_empty() }
            }
            (kind @ (OptimizerKind::Adam | OptimizerKind::AdamW), Some(state)) => UpdateRule::Adam {
                beta1: as_written(optimizer::ADAM_BETA1),
                beta2: as_written(optimizer::ADAM_BETA2),
                eps: as_written(optimizer::ADAM_EPS),
                weight_decay: if kind == OptimizerKind::Adam { 0.0 } else { optimizer::ADAMW_WEIGHT_DECAY },
                step: state.step + 1,
            },
            (kind, None) => UpdateRule::SgdInsteadOf(kind),
        }
    }

    /// Exactly one gradient step on these rows (standardized, `n_features` each), as training
    /// takes it: the stepper's "apply this step".
    pub fn step_rows(&mut self, features: &[f64], targets: &[f64]) -> Result<(), ModelError> {
        if targets.is_empty() {
            return Err(ModelError::Unsuitable("a step needs at least one point".into()));
        }
        let x = self.input_tensor(features, self.n_features).map_err(candle_err)?;
        let y = self.target_tensor(targets).map_err(candle_err)?;
        self.step(&x, &y, 0)
    }

    /// Candle's own gradients of the loss on these rows, per layer with weights (output layer
    /// last), without a step: `weights` and `biases` hold ∂L/∂w and ∂L/∂b.
    pub fn gradients(
        &self,
        features: &[f64],
        targets: &[f64],
    ) -> Result<Vec<super::LayerWeights>, ModelError> {
        let run = || -> candle_core::Result<Vec<super::LayerWeights>> {
            let x = self.input_tensor(features, self.n_features)?;
            let y = self.target_tensor(targets)?;
            let out = self.forward(&x, &mut super::layers::Pass::eval())?;
            let grads = self.loss(&out, &y)?.backward()?;
            let mut found = Vec::new();
            for (i, (layer, name)) in self.layers.iter().zip(self.layer_names()).enumerate() {
                let Some((w, b)) = layer.weight_and_bias() else { continue };
                let read = |var: &candle_core::Var| -> candle_core::Result<Vec<f32>> {
                    match grads.get(var) {
                        Some(g) => g.to_dtype(DType::F32)?.flatten_all()?.to_vec1(),
                        None => Ok(vec![0.0; var.elem_count()]),
                    }
                };
                found.push(super::LayerWeights {
                    index: i + 1,
                    layer: name,
                    weight_shape: w.dims().to_vec(),
                    weights: read(w)?,
                    biases: read(b)?,
                });
            }
            Ok(found)
        };
        run().map_err(candle_err)
    }

    /// Sets one dense weight by hand: layer `layer` (1-based, as in `LayerWeights`), from its
    /// input `from` to its unit `to` (0-based). A student types a weight and sees the boundary move.
    pub fn set_weight(&mut self, layer: usize, from: usize, to: usize, value: f64) -> Result<(), ModelError> {
        let Some(Layer::Dense { weight, .. }) = layer.checked_sub(1).and_then(|i| self.layers.get(i)) else {
            return Err(ModelError::Unsuitable(format!("layer {layer} is not a dense layer")));
        };
        let (inputs, units) = weight.dims2().map_err(candle_err)?;
        if from >= inputs || to >= units || !value.is_finite() {
            return Err(ModelError::Unsuitable(format!(
                "layer {layer} has weights from {inputs} inputs to {units} units; from {} to {} = {value} does not fit",
                from + 1,
                to + 1
            )));
        }
        let run = || -> candle_core::Result<()> {
            let t = weight.as_tensor();
            let mut values: Vec<f32> = t.to_dtype(DType::F32)?.flatten_all()?.to_vec1()?;
            values[from * units + to] = value as f32;
            let changed = Tensor::from_vec(values, (inputs, units), &candle_core::Device::Cpu)?
                .to_dtype(t.dtype())?
                .to_device(t.device())?;
            weight.set(&changed)
        };
        run().map_err(candle_err)?;
        // The training rows' tensors stay valid; only the weights moved.
        Ok(())
    }
}

/// An f32 constant as written (0.9, not 0.8999999761581421); it converts back to the same f32.
fn as_written(v: f32) -> f64 {
    v.to_string().parse().unwrap_or(f64::from(v))
}

/// An optimizer's saved values for one variable: Adam's (m, v), or momentum's (velocity, empty).
type SavedState = [Vec<f64>; 2];

/// Adam's (m, v) or momentum's velocity for the variable named `name`, flattened.
fn saved_state(state: Option<&OptimizerState>, name: &str) -> Option<SavedState> {
    let state = state?;
    let read = |key: String| -> Option<Vec<f64>> {
        let t = state.tensors.get(&key)?;
        t.to_dtype(DType::F64).ok()?.flatten_all().ok()?.to_vec1().ok()
    };
    match (read(format!("m.{name}")), read(format!("v.{name}")), read(format!("velocity.{name}"))) {
        (Some(m), Some(v), _) => Some([m, v]),
        (_, _, Some(velocity)) => Some([velocity, Vec::new()]),
        _ => None,
    }
}

impl StepLayer {
    fn new(
        index: usize,
        name: String,
        activation: UnitActivation,
        inputs: usize,
        units: usize,
        weights: Vec<f64>,
        biases: Vec<f64>,
    ) -> Self {
        Self {
            index,
            name,
            activation,
            inputs,
            units,
            weights,
            biases,
            z: Vec::new(),
            a: Vec::new(),
            delta: Vec::new(),
            weight_grads: Vec::new(),
            penalty_grads: Vec::new(),
            bias_grads: Vec::new(),
            new_weights: Vec::new(),
            new_biases: Vec::new(),
            weight_state: Vec::new(),
            bias_state: Vec::new(),
        }
    }

    pub fn weight(&self, from: usize, to: usize) -> f64 {
        self.weights[from * self.units + to]
    }
}

impl BackpropStep {
    /// What layer k reads for point r: the inputs, or the layer before's activations.
    pub fn layer_input(&self, k: usize, r: usize) -> &[f64] {
        match k.checked_sub(1) {
            None => &self.inputs[r * self.n_inputs..(r + 1) * self.n_inputs],
            Some(before) => {
                let l = &self.layers[before];
                &l.a[r * l.units..(r + 1) * l.units]
            }
        }
    }

    fn forward(&mut self) {
        for k in 0..self.layers.len() {
            let mut z = Vec::with_capacity(self.rows * self.layers[k].units);
            for r in 0..self.rows {
                let x = self.layer_input(k, r).to_vec();
                let l = &self.layers[k];
                z.extend((0..l.units).map(|u| {
                    l.biases[u] + x.iter().enumerate().map(|(i, xi)| xi * l.weight(i, u)).sum::<f64>()
                }));
            }
            let l = &mut self.layers[k];
            l.a = z.iter().map(|&v| l.activation.apply(v)).collect();
            l.z = z;
        }
    }

    /// The loss of the head on the output layer's sums, what the head makes of them, and the
    /// output layer's error signals (the mean over the points included).
    fn loss_and_output_delta(&mut self) {
        let n = self.rows as f64;
        let head = self.head;
        let Some(out) = self.layers.last_mut() else { return };
        let k = out.units;
        let (mut loss, mut outputs, mut delta) = (0.0, Vec::new(), Vec::new());
        for (r, &y) in self.targets.iter().enumerate() {
            let z = &out.z[r * k..(r + 1) * k];
            match head {
                OutputHead::Binary => {
                    let x = z[0];
                    loss += x.max(0.0) - x * y + (-x.abs()).exp().ln_1p();
                    outputs.push(sigmoid(x));
                    delta.push((sigmoid(x) - y) / n);
                }
                OutputHead::Multiclass(_) => {
                    let top = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                    let sum: f64 = z.iter().map(|v| (v - top).exp()).sum();
                    loss += top + sum.ln() - z[y as usize];
                    for (c, v) in z.iter().enumerate() {
                        let p = (v - top).exp() / sum;
                        outputs.push(p);
                        delta.push((p - f64::from(u8::from(c == y as usize))) / n);
                    }
                }
                OutputHead::Value => {
                    loss += (z[0] - y).powi(2);
                    outputs.push(z[0]);
                    delta.push(2.0 * (z[0] - y) / n);
                }
            }
        }
        out.delta = delta;
        self.outputs = outputs;
        self.data_loss = loss / n;
        self.penalty =
            self.layers.iter().flat_map(|l| &l.weights).map(|w| self.l1 * w.abs() + self.l2 * w * w).sum();
        self.loss = self.data_loss + self.penalty;
    }

    fn backward(&mut self) {
        for k in (0..self.layers.len()).rev() {
            if k + 1 < self.layers.len() {
                let (lower, upper) = self.layers.split_at_mut(k + 1);
                let (l, next) = (&mut lower[k], &upper[0]);
                l.delta = (0..self.rows)
                    .flat_map(|r| (0..l.units).map(move |u| (r, u)))
                    .map(|(r, u)| {
                        let i = r * l.units + u;
                        let back: f64 =
                            (0..next.units).map(|v| next.weight(u, v) * next.delta[r * next.units + v]).sum();
                        l.activation.slope(l.z[i], l.a[i]) * back
                    })
                    .collect();
            }
            let mut grads = vec![0.0; self.layers[k].inputs * self.layers[k].units];
            let mut bias_grads = vec![0.0; self.layers[k].units];
            for r in 0..self.rows {
                let x = self.layer_input(k, r).to_vec();
                let l = &self.layers[k];
                for u in 0..l.units {
                    let d = l.delta[r * l.units + u];
                    bias_grads[u] += d;
                    for (i, xi) in x.iter().enumerate() {
                        grads[i * l.units + u] += d * xi;
                    }
                }
            }
            let (l1, l2) = (self.l1, self.l2);
            let l = &mut self.layers[k];
            // candle's |w| has slope +1 at 0.
            l.penalty_grads =
                l.weights.iter().map(|&w| l1 * if w >= 0.0 { 1.0 } else { -1.0 } + 2.0 * l2 * w).collect();
            l.weight_grads = grads.iter().zip(&l.penalty_grads).map(|(g, p)| g + p).collect();
            l.bias_grads = bias_grads;
        }
    }

    /// The optimizer's update of every weight and bias, from its state before the step.
    fn update(&mut self, states: &[(Option<SavedState>, Option<SavedState>)]) -> Result<(), ModelError> {
        let (rule, lr) = (self.rule, self.learning_rate);
        for (l, (weight_state, bias_state)) in self.layers.iter_mut().zip(states) {
            let (new_weights, weight_state) =
                update_all(rule, lr, &l.weights, &l.weight_grads, weight_state.as_ref(), &l.name)?;
            let (new_biases, bias_state) =
                update_all(rule, lr, &l.biases, &l.bias_grads, bias_state.as_ref(), &l.name)?;
            (l.new_weights, l.weight_state, l.new_biases, l.bias_state) =
                (new_weights, weight_state, new_biases, bias_state);
        }
        Ok(())
    }

    /// The stages in the order the stepper shows them: the point, forward layer by layer, the
    /// loss, backward from the output down, the update.
    pub fn stages(&self) -> Vec<StepStage> {
        let n = self.layers.len();
        let mut stages = vec![StepStage::Input];
        stages.extend((0..n).map(StepStage::Forward));
        stages.push(StepStage::Loss);
        stages.extend((0..n).rev().map(StepStage::Backward));
        stages.push(StepStage::Update);
        stages
    }
}

type ParamUpdates = (Vec<f64>, Vec<ParamState>);

fn update_all(
    rule: UpdateRule,
    lr: f64,
    old: &[f64],
    grads: &[f64],
    state: Option<&SavedState>,
    layer: &str,
) -> Result<ParamUpdates, ModelError> {
    let missing = || ModelError::Failed(format!("the optimizer has no state for the {layer} layer"));
    let mut new = Vec::with_capacity(old.len());
    let mut states = Vec::with_capacity(old.len());
    for (j, (&w, &g)) in old.iter().zip(grads).enumerate() {
        let (value, param) = match rule {
            UpdateRule::Sgd | UpdateRule::SgdInsteadOf(_) => (w - lr * g, ParamState::default()),
            UpdateRule::Momentum { momentum, first } => {
                let before =
                    if first { 0.0 } else { *state.ok_or_else(missing)?[0].get(j).ok_or_else(missing)? };
                let v = if first { g } else { momentum * before + g };
                (w - lr * v, ParamState { before: [before, 0.0], after: [v, 0.0] })
            }
            UpdateRule::Adam { beta1, beta2, eps, weight_decay, step } => {
                let [m, v] = state.ok_or_else(missing)?;
                let (m0, v0) = (*m.get(j).ok_or_else(missing)?, *v.get(j).ok_or_else(missing)?);
                adam(w, g, [m0, v0], lr, [beta1, beta2, eps, weight_decay], step)
            }
        };
        new.push(value);
        states.push(param);
    }
    Ok((new, states))
}

/// One AdamW update in f32, operation for operation as the fused kernel takes it, so the new
/// weight is the one training writes.
fn adam(w: f64, g: f64, [m0, v0]: [f64; 2], lr: f64, constants: [f64; 4], step: i32) -> (f64, ParamState) {
    let [beta1, beta2, eps, decay] = constants.map(|c| c as f32);
    let (lr, g) = (lr as f32, g as f32);
    let m = beta1 * m0 as f32 + (1.0 - beta1) * g;
    let v = beta2 * v0 as f32 + (1.0 - beta2) * g * g;
    let m_hat = m / (1.0 - beta1.powi(step));
    let v_hat = v / (1.0 - beta2.powi(step));
    let new = w as f32 * (1.0 - lr * decay) - lr * m_hat / (v_hat.sqrt() + eps);
    (f64::from(new), ParamState { before: [m0, v0], after: [f64::from(m), f64::from(v)] })
}

mod text;
pub use text::{exact, parse_number, short};

#[cfg(test)]
mod tests;
