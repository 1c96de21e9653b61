//! Neural networks in candle: built from a `NetworkSpec` for vectors, images or sequences,
//! trained in mini-batches, inspectable layer by layer, saved as safetensors.

mod conv;
pub mod device;
pub mod diagnostics;
mod dropout;
pub mod explain;
mod gru;
mod kernels;
mod layers;
mod matmul;
pub mod optimizer;
mod pool;
pub mod representations;
pub mod save;
pub mod shapes;
pub mod snapshot;
pub mod spec;
pub mod stepper;
mod threads;

use candle_core::{D, DType, Device, Tensor, Var};
use candle_nn::VarMap;
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};

pub use device::select_device;
pub use optimizer::{NetworkOptimizer, OptimizerKind};
pub use shapes::{LayerShape, OutputHead, Shape, ShapeError, ShapeReport, infer};
pub use spec::{
    Activation, DeviceChoice, LayerSpec, NetworkOptions, NetworkSpec, RecurrentKind, SpecError, WeightInit,
    presets,
};

use crate::data::{InputShape, Task};
use crate::models::learner::{Learner, ModelError, Prediction, PreparedData};
use layers::{Builder, Layer, Pass};

/// The most parameters a network may have: weights, gradients and Adam's two moments are four
/// f32 copies, so 50 million take about 800 MB.
pub const MAX_PARAMETERS: usize = 50_000_000;

/// Gradient-norm rows kept at most (see `gradient_norms`).
const MAX_GRADIENT_ROWS: usize = 4096;

/// How a network is trained.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrainSettings {
    pub learning_rate: f64,
    pub batch_size: usize,
    pub optimizer: OptimizerKind,
    pub seed: u64,
}

fn candle_err(e: candle_core::Error) -> ModelError {
    ModelError::Failed(e.to_string())
}

/// One layer's outputs for a batch: what the activation views draw.
#[derive(Clone, Debug, PartialEq)]
pub struct LayerActivations {
    /// 1-based position; the appended output layer is `spec.layers.len() + 1`.
    pub index: usize,
    pub layer: String,
    /// Including the batch dimension first.
    pub shape: Vec<usize>,
    /// Row-major values.
    pub values: Vec<f32>,
}

/// One layer's weights and biases. Dense weights are `[inputs, units]`, conv2d
/// `[filters, channels, k, k]`, recurrent `[inputs, gates·hidden]`, batch norm's are γ and β.
#[derive(Clone, Debug, PartialEq)]
pub struct LayerWeights {
    pub index: usize,
    pub layer: String,
    pub weight_shape: Vec<usize>,
    pub weights: Vec<f32>,
    pub biases: Vec<f32>,
}

/// Each hidden unit's output over a set of inputs (one map per unit, for the neuron view).
#[derive(Clone, Debug, PartialEq)]
pub struct UnitMaps {
    pub index: usize,
    pub layer: String,
    /// `units[u][p]`: unit `u`'s output at input point `p`.
    pub units: Vec<Vec<f32>>,
}

/// The share of a ReLU layer's units that output zero for every row given.
#[derive(Clone, Debug, PartialEq)]
pub struct DeadRelus {
    pub index: usize,
    pub units: usize,
    pub dead: usize,
}

impl DeadRelus {
    pub fn share(&self) -> f64 {
        if self.units == 0 { 0.0 } else { self.dead as f64 / self.units as f64 }
    }
}

/// The training rows as tensors, shuffled afresh each epoch.
struct TrainCache {
    key: (usize, usize),
    x: Tensor,
    y: Tensor,
}

/// A network being trained.
pub struct NetworkLearner {
    spec: NetworkSpec,
    input: Shape,
    n_features: usize,
    task: Task,
    classes: usize,
    head: OutputHead,
    layers: Vec<Layer>,
    varmap: VarMap,
    penalized: Vec<Var>,
    optimizer: NetworkOptimizer,
    settings: TrainSettings,
    rng: StdRng,
    device: Device,
    dtype: DType,
    cache: Option<TrainCache>,
    parameters: usize,
    /// Per step, the gradient norm of each layer with weights (see `gradient_layers`).
    gradient_norms: Vec<Vec<f32>>,
    /// Rows recorded since the last [`Self::flush_gradient_norms`], still on the device: copied
    /// to `gradient_norms` in one transfer per `epoch_limited` or `step`, not one per batch.
    pending_gradient_norms: Vec<Tensor>,
    /// Record one step in this many (doubles each time the history is thinned).
    gradient_stride: usize,
    steps: usize,
}

impl NetworkLearner {
    /// Builds a network for vector rows of `n_features` values.
    pub fn new(
        spec: &NetworkSpec,
        n_features: usize,
        task: Task,
        classes: usize,
        settings: TrainSettings,
    ) -> Result<Self, ModelError> {
        Self::with_input(spec, InputShape::Vector, n_features, task, classes, settings)
    }

    /// Builds a network for rows laid out as `input` (vector, image or sequence), in f32.
    pub fn with_input(
        spec: &NetworkSpec,
        input: InputShape,
        n_features: usize,
        task: Task,
        classes: usize,
        settings: TrainSettings,
    ) -> Result<Self, ModelError> {
        Self::build(spec, input, n_features, task, classes, settings, DType::F32)
    }

    pub(crate) fn build(
        spec: &NetworkSpec,
        input: InputShape,
        n_features: usize,
        task: Task,
        classes: usize,
        settings: TrainSettings,
        dtype: DType,
    ) -> Result<Self, ModelError> {
        if n_features == 0 {
            return Err(ModelError::Unsuitable("the data has no feature columns to learn from".into()));
        }
        let shape =
            Shape::from_input(input, n_features).map_err(|e| ModelError::Unsuitable(e.to_string()))?;
        let head = OutputHead::for_task(task, classes);
        let report = infer(spec, shape, head).map_err(|e| ModelError::Unsuitable(e.to_string()))?;
        // Estimated before anything is allocated, so a typo never aborts on a failed allocation.
        if report.total_parameters > MAX_PARAMETERS {
            return Err(ModelError::Unsuitable(format!(
                "the network has {} parameters, about {} MB to train with its gradients and optimizer state; \
                 at most {MAX_PARAMETERS} are allowed: use smaller layers",
                report.total_parameters,
                report.total_parameters.saturating_mul(16) / 1_000_000
            )));
        }
        // Why CUDA is not used is said by the studio and the CLI (`device::cuda_unavailable_reason`).
        let (device, _) = select_device(spec.options.device);
        let mut rng = StdRng::seed_from_u64(settings.seed);
        let varmap = VarMap::new();
        let mut builder = Builder {
            varmap: &varmap,
            device: &device,
            dtype,
            rng: &mut rng,
            init: spec.options.init,
            trainable: Vec::new(),
            penalized: Vec::new(),
        };
        let layers =
            layers::build_layers(&mut builder, &spec.layers, shape, head.units()).map_err(candle_err)?;
        let (trainable, penalized) = (builder.trainable, builder.penalized);
        let optimizer = NetworkOptimizer::new(settings.optimizer, trainable, settings.learning_rate)
            .map_err(candle_err)?;
        Ok(Self {
            spec: spec.clone(),
            input: shape,
            n_features,
            task,
            classes,
            head,
            layers,
            varmap,
            penalized,
            optimizer,
            settings,
            rng,
            device,
            dtype,
            cache: None,
            parameters: report.total_parameters,
            gradient_norms: Vec::new(),
            pending_gradient_norms: Vec::new(),
            gradient_stride: 1,
            steps: 0,
        })
    }

    pub fn spec(&self) -> &NetworkSpec {
        &self.spec
    }

    pub fn input_shape(&self) -> Shape {
        self.input
    }

    /// Values per input row, flattened.
    pub fn n_features(&self) -> usize {
        self.n_features
    }

    pub fn head(&self) -> OutputHead {
        self.head
    }

    pub fn settings(&self) -> TrainSettings {
        self.settings
    }

    /// The task and class count the output layer was built for.
    pub fn task(&self) -> (Task, usize) {
        (self.task, self.classes)
    }

    pub fn device(&self) -> &Device {
        &self.device
    }

    /// The weights as a VarMap, for saving to safetensors.
    pub fn varmap(&self) -> &VarMap {
        &self.varmap
    }

    pub(crate) fn varmap_mut(&mut self) -> &mut VarMap {
        &mut self.varmap
    }

    /// Gradient steps taken so far.
    pub fn steps(&self) -> usize {
        self.steps
    }

    /// The optimizer's state, its variables named as in the weights file (see `save`).
    pub(crate) fn optimizer_state(&self) -> candle_core::Result<Option<optimizer::OptimizerState>> {
        let names = self.variable_names();
        self.optimizer.state(|var| names.get(&var.as_tensor().id()).cloned())
    }

    /// Puts back a state from [`Self::optimizer_state`]: training resumes where it stopped.
    pub(crate) fn restore_optimizer(&mut self, state: &optimizer::OptimizerState) -> candle_core::Result<()> {
        let names = self.variable_names();
        self.optimizer.restore(state, |var| names.get(&var.as_tensor().id()).cloned())
    }

    fn variable_names(&self) -> std::collections::HashMap<candle_core::TensorId, String> {
        let data = self.varmap.data().lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        data.iter().map(|(name, var)| (var.as_tensor().id(), name.clone())).collect()
    }

    /// Rows `(batch, ...)` shaped for the first layer.
    fn input_tensor(&self, features: &[f64], n_features: usize) -> candle_core::Result<Tensor> {
        if n_features != self.n_features || features.len() % n_features.max(1) != 0 {
            candle_core::bail!(
                "the network was built for rows of {} values but was given rows of {n_features}",
                self.n_features
            );
        }
        let rows = features.len() / n_features;
        let x =
            Tensor::from_vec(features.iter().map(|&v| v as f32).collect(), (rows, n_features), &Device::Cpu)?
                .to_dtype(self.dtype)?
                .to_device(&self.device)?;
        self.shape_rows(x)
    }

    fn shape_rows(&self, x: Tensor) -> candle_core::Result<Tensor> {
        let rows = x.dim(0)?;
        match self.input {
            Shape::Vector(_) => Ok(x),
            Shape::Image { channels, height, width } => x.reshape((rows, channels, height, width)),
            Shape::Sequence { steps, features } => x.reshape((rows, steps, features)),
        }
    }

    fn target_tensor(&self, targets: &[f64]) -> candle_core::Result<Tensor> {
        let n = targets.len();
        match self.head {
            OutputHead::Multiclass(_) => {
                Tensor::from_vec(targets.iter().map(|&t| t as u32).collect(), n, &Device::Cpu)?
                    .to_device(&self.device)
            }
            _ => Tensor::from_vec(targets.iter().map(|&t| t as f32).collect(), (n, 1), &Device::Cpu)?
                .to_dtype(self.dtype)?
                .to_device(&self.device),
        }
    }

    fn forward(&self, x: &Tensor, pass: &mut Pass<'_>) -> candle_core::Result<Tensor> {
        // Dense + tanh may fuse unless a view wants the value between them.
        let fuse = pass.record.is_none();
        let mut h = x.clone();
        let mut i = 0;
        while i < self.layers.len() {
            if fuse
                && let (Layer::Dense { weight, bias }, Some(Layer::Activation(Activation::Tanh))) =
                    (&self.layers[i], self.layers.get(i + 1))
            {
                h = kernels::dense_tanh(&h, weight.as_tensor(), bias.as_tensor())?;
                i += 2;
                continue;
            }
            // A CNN block, convolution then ReLU and max pooling in either order (both keep
            // order, so they commute): one op.
            if fuse && let Layer::Conv2d { weight, bias, stride, padding } = &self.layers[i] {
                let pool = match (self.layers.get(i + 1), self.layers.get(i + 2)) {
                    (Some(Layer::Activation(Activation::Relu)), Some(Layer::MaxPool(k)))
                    | (Some(Layer::MaxPool(k)), Some(Layer::Activation(Activation::Relu))) => Some(*k),
                    _ => None,
                };
                if let Some(k) = pool {
                    let (w, b) = (weight.as_tensor(), bias.as_tensor());
                    h = conv::conv2d_relu_max_pool(&h, w, b, (*stride, *padding), k)?;
                    i += 3;
                    continue;
                }
            }
            // ReLU then max pooling equals pooling then ReLU (both keep order), on k² times
            // fewer values.
            if fuse
                && let (Layer::Activation(Activation::Relu), Some(Layer::MaxPool(k))) =
                    (&self.layers[i], self.layers.get(i + 1))
            {
                h = pool::max_pool2d(&h, *k)?.relu()?;
                i += 2;
                continue;
            }
            h = self.layers[i].forward(i, &h, pass)?;
            if let Some(record) = pass.record.as_mut() {
                record.push(h.clone());
            }
            i += 1;
        }
        Ok(h)
    }

    fn loss(&self, output: &Tensor, target: &Tensor) -> candle_core::Result<Tensor> {
        let loss = match self.head {
            OutputHead::Binary => kernels::bce_with_logits(output, target)?,
            OutputHead::Multiclass(_) => candle_nn::loss::cross_entropy(output, target)?,
            OutputHead::Value => candle_nn::loss::mse(output, target)?,
        };
        let (l1, l2) = (self.spec.options.l1, self.spec.options.l2);
        if l1 == 0.0 && l2 == 0.0 {
            return Ok(loss);
        }
        let mut total = loss;
        for w in &self.penalized {
            if l2 != 0.0 {
                total = (total + (w.as_tensor().sqr()?.sum_all()? * l2)?)?;
            }
            if l1 != 0.0 {
                total = (total + (w.as_tensor().abs()?.sum_all()? * l1)?)?;
            }
        }
        Ok(total)
    }

    /// One gradient step on a batch, its gradient norms flushed to the host (the stepper's step).
    fn step(&mut self, xb: &Tensor, yb: &Tensor, epoch: usize) -> Result<(), ModelError> {
        let stepped = self.batch_step(xb, yb, epoch);
        self.flush_gradient_norms().map_err(candle_err)?;
        stepped
    }

    /// One gradient step on a batch; its gradient norms wait on the device for a flush.
    fn batch_step(&mut self, xb: &Tensor, yb: &Tensor, epoch: usize) -> Result<(), ModelError> {
        let mut rng = self.rng.clone();
        let mut pass = Pass::train(&mut rng);
        let out = self.forward(xb, &mut pass).map_err(candle_err)?;
        let batch_stats = std::mem::take(&mut pass.batch_stats);
        drop(pass);
        self.rng = rng;
        let loss = self.loss(&out, yb).map_err(candle_err)?;
        let value = match loss.dtype() {
            DType::F32 => loss.to_scalar::<f32>().map(f64::from),
            _ => loss.to_dtype(DType::F64).and_then(|l| l.to_scalar::<f64>()),
        }
        .map_err(candle_err)?;
        if !value.is_finite() {
            return Err(ModelError::Diverged {
                epoch: epoch + 1,
                loss: value,
                lr: self.settings.learning_rate,
            });
        }
        let grads = loss.backward().map_err(candle_err)?;
        // Bounded history: past the cap every other row goes and recording slows to match, so
        // hours of training keep a fixed memory and the shape of the whole run.
        if self.spec.options.record_gradients && self.steps % self.gradient_stride == 0 {
            let norms = self.layer_gradient_norms(&grads).map_err(candle_err)?;
            self.pending_gradient_norms.push(norms);
            if self.gradient_norms.len() + self.pending_gradient_norms.len() > MAX_GRADIENT_ROWS {
                self.flush_gradient_norms().map_err(candle_err)?;
                let mut index = 0;
                self.gradient_norms.retain(|_| {
                    index += 1;
                    index % 2 == 1
                });
                self.gradient_stride *= 2;
            }
        }
        self.optimizer.step(&grads).map_err(candle_err)?;
        for (i, mean, var, count) in batch_stats {
            self.layers[i].update_running(&mean, &var, count).map_err(candle_err)?;
        }
        self.steps += 1;
        Ok(())
    }

    /// Each weighted layer's gradient norm, as an f32 vector left on the device.
    fn layer_gradient_norms(&self, grads: &candle_core::backprop::GradStore) -> candle_core::Result<Tensor> {
        let mut squares = Vec::new();
        for layer in &self.layers {
            let vars = layer.trainable();
            if vars.is_empty() {
                continue;
            }
            let mut sum: Option<Tensor> = None;
            for var in vars {
                if let Some(g) = grads.get(var) {
                    let s = g.sqr()?.sum_all()?;
                    sum = Some(match sum {
                        Some(acc) => (acc + s)?,
                        None => s,
                    });
                }
            }
            squares.push(match sum {
                Some(s) => s,
                None => Tensor::zeros((), self.dtype, &self.device)?,
            });
        }
        Tensor::stack(&squares, 0)?.sqrt()?.to_dtype(DType::F32)
    }

    /// Moves the pending gradient-norm rows to the host, all in one transfer.
    fn flush_gradient_norms(&mut self) -> candle_core::Result<()> {
        if self.pending_gradient_norms.is_empty() {
            return Ok(());
        }
        let rows = Tensor::stack(&self.pending_gradient_norms, 0)?.to_vec2::<f32>()?;
        self.pending_gradient_norms.clear();
        self.gradient_norms.extend(rows);
        Ok(())
    }

    fn epoch(&mut self, train: &PreparedData, epoch: usize) -> Result<(), ModelError> {
        self.epoch_limited(train, epoch, usize::MAX).map(|_| ())
    }

    /// One pass over `train` that stops after `max_steps` batches (a fixed step budget ends
    /// mid-epoch); returns the steps taken.
    pub fn epoch_limited(
        &mut self,
        train: &PreparedData,
        epoch: usize,
        max_steps: usize,
    ) -> Result<usize, ModelError> {
        let taken = self.take_steps(train, epoch, max_steps);
        // Also after a failed step: the rows recorded before it are history too.
        self.flush_gradient_norms().map_err(candle_err)?;
        taken
    }

    fn take_steps(
        &mut self,
        train: &PreparedData,
        epoch: usize,
        max_steps: usize,
    ) -> Result<usize, ModelError> {
        if max_steps == 0 {
            return Ok(0);
        }
        let key = (train.features.as_ptr() as usize, train.features.len());
        if self.cache.as_ref().is_none_or(|c| c.key != key) {
            let x = self.input_tensor(&train.features, train.n_features).map_err(candle_err)?;
            let y = self.target_tensor(&train.targets).map_err(candle_err)?;
            self.cache = Some(TrainCache { key, x, y });
        }
        let Some(cache) = self.cache.as_ref() else { return Ok(0) };
        let (x, y) = (cache.x.clone(), cache.y.clone());
        let n = train.rows();
        if self.batch_size() >= n {
            return self.batch_step(&x, &y, epoch).map(|()| 1);
        }
        // One gather per epoch, then cheap views per batch.
        let mut order: Vec<u32> = (0..n as u32).collect();
        order.shuffle(&mut self.rng);
        let index = Tensor::from_vec(order, n, &self.device).map_err(candle_err)?;
        let xs = x.index_select(&index, 0).map_err(candle_err)?;
        let ys = y.index_select(&index, 0).map_err(candle_err)?;
        let size = self.batch_size();
        let (mut start, mut taken) = (0, 0);
        while start < n && taken < max_steps {
            let len = size.min(n - start);
            let xb = xs.narrow(0, start, len).map_err(candle_err)?;
            let yb = ys.narrow(0, start, len).map_err(candle_err)?;
            self.batch_step(&xb, &yb, epoch)?;
            start += len;
            taken += 1;
        }
        Ok(taken)
    }

    /// Gradient steps one full pass over `rows` training rows takes.
    pub fn steps_per_epoch(&self, rows: usize) -> usize {
        rows.div_ceil(self.batch_size()).max(1)
    }

    /// A copy of every variable (weights and batch-norm statistics), for [`Self::restore_weights`]:
    /// early stopping keeps the best weights seen.
    pub fn weights_copy(&self) -> Result<Vec<(String, Tensor)>, ModelError> {
        let data = self.varmap.data().lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        data.iter()
            .map(|(name, var)| Ok((name.clone(), var.as_tensor().copy().map_err(candle_err)?)))
            .collect()
    }

    /// Puts back the variables of a [`Self::weights_copy`].
    pub fn restore_weights(&mut self, copy: &[(String, Tensor)]) -> Result<(), ModelError> {
        let data = self.varmap.data().lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        for (name, value) in copy {
            let var = data
                .get(name)
                .ok_or_else(|| ModelError::Failed(format!("no variable '{name}' to restore")))?;
            var.set(value).map_err(candle_err)?;
        }
        Ok(())
    }

    fn batch_size(&self) -> usize {
        self.settings.batch_size.max(1)
    }

    /// The raw outputs (logits or values) for a batch already shaped for the first layer,
    /// in evaluation mode.
    pub fn output_tensor(&self, x: &Tensor) -> Result<Tensor, ModelError> {
        self.forward(x, &mut Pass::eval()).map_err(candle_err)
    }

    /// Rows as a tensor shaped for the first layer, on the network's device.
    pub fn rows_tensor(&self, features: &[f64], n_features: usize) -> Result<Tensor, ModelError> {
        self.input_tensor(features, n_features).map_err(candle_err)
    }

    /// Every layer's output for these rows, in evaluation mode (the output layer last).
    pub fn activations(
        &self,
        features: &[f64],
        n_features: usize,
    ) -> Result<Vec<LayerActivations>, ModelError> {
        let run = || -> candle_core::Result<Vec<LayerActivations>> {
            let x = self.input_tensor(features, n_features)?;
            let mut pass = Pass::eval();
            pass.record = Some(Vec::new());
            self.forward(&x, &mut pass)?;
            let names = self.layer_names();
            pass.record
                .unwrap_or_default()
                .into_iter()
                .zip(names)
                .enumerate()
                .map(|(i, (t, layer))| {
                    Ok(LayerActivations {
                        index: i + 1,
                        layer,
                        shape: t.dims().to_vec(),
                        values: t.to_dtype(DType::F32)?.flatten_all()?.to_vec1()?,
                    })
                })
                .collect()
        };
        run().map_err(candle_err)
    }

    /// Each unit's output over the given points (e.g. a 2-D grid), for every layer whose
    /// output is a vector; the output layer's units come last.
    pub fn unit_maps(&self, features: &[f64], n_features: usize) -> Result<Vec<UnitMaps>, ModelError> {
        let acts = self.activations(features, n_features)?;
        Ok(acts
            .into_iter()
            .filter(|a| a.shape.len() == 2)
            .map(|a| {
                let (points, units) = (a.shape[0], a.shape[1]);
                let maps =
                    (0..units).map(|u| (0..points).map(|p| a.values[p * units + u]).collect()).collect();
                UnitMaps { index: a.index, layer: a.layer, units: maps }
            })
            .collect())
    }

    /// Weights and biases of each layer that has them (output layer last).
    pub fn weights(&self) -> Result<Vec<LayerWeights>, ModelError> {
        let names = self.layer_names();
        let mut out = Vec::new();
        for (i, (layer, name)) in self.layers.iter().zip(names).enumerate() {
            let Some((w, b)) = layer.weight_and_bias() else { continue };
            let read = |t: &Tensor| -> candle_core::Result<Vec<f32>> {
                t.to_dtype(DType::F32)?.flatten_all()?.to_vec1()
            };
            out.push(LayerWeights {
                index: i + 1,
                layer: name,
                weight_shape: w.dims().to_vec(),
                weights: read(w.as_tensor()).map_err(candle_err)?,
                biases: read(b.as_tensor()).map_err(candle_err)?,
            });
        }
        Ok(out)
    }

    /// The layers that have gradient norms, in the column order of `gradient_norms`.
    pub fn gradient_layers(&self) -> Vec<(usize, String)> {
        self.layer_names()
            .into_iter()
            .enumerate()
            .filter(|(i, _)| !self.layers[*i].trainable().is_empty())
            .map(|(i, name)| (i + 1, name))
            .collect()
    }

    /// One row per training step: each weighted layer's gradient L2 norm.
    pub fn gradient_norms(&self) -> &[Vec<f32>] {
        // Every step is taken by `step` or `epoch_limited`, which flush before they return.
        debug_assert!(self.pending_gradient_norms.is_empty());
        &self.gradient_norms
    }

    /// For every ReLU layer, how many units stay at zero for all the rows given.
    pub fn dead_relus(&self, features: &[f64], n_features: usize) -> Result<Vec<DeadRelus>, ModelError> {
        let acts = self.activations(features, n_features)?;
        Ok(self
            .spec
            .layers
            .iter()
            .enumerate()
            .filter(|(_, l)| matches!(l, LayerSpec::Activation(Activation::Relu)))
            .filter_map(|(i, _)| acts.get(i))
            .map(|a| {
                let rows = a.shape[0].max(1);
                let units = a.values.len() / rows;
                let dead = (0..units).filter(|&u| (0..rows).all(|r| a.values[r * units + u] <= 0.0)).count();
                DeadRelus { index: a.index, units, dead }
            })
            .collect())
    }

    /// Layer labels as shown to the user: the spec's layers, then the output layer.
    pub fn layer_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.spec.layers.iter().map(ToString::to_string).collect();
        names.push(format!("output dense({})", self.head.units()));
        names
    }

    /// A description of the appended output layer and loss.
    pub fn describe_output(&self) -> String {
        self.head.describe()
    }
}

impl Learner for NetworkLearner {
    fn train_epoch(&mut self, train: &PreparedData, epoch: usize) -> Result<(), ModelError> {
        if train.rows() == 0 {
            return Err(ModelError::Unsuitable("there are no training rows".into()));
        }
        if self.head != OutputHead::Value && train.targets.iter().all(|&t| t == train.targets[0]) {
            return Err(ModelError::Unsuitable(
                "the training rows hold only one class: a classifier needs at least two".into(),
            ));
        }
        self.epoch(train, epoch)
    }

    fn predict(&self, features: &[f64], n_features: usize) -> Result<Prediction, ModelError> {
        let run = || -> candle_core::Result<Prediction> {
            let x = self.input_tensor(features, n_features)?;
            let out = self.forward(&x, &mut Pass::eval())?.to_dtype(DType::F32)?;
            Ok(match self.head {
                OutputHead::Binary => {
                    let p: Vec<f32> = candle_nn::ops::sigmoid(&out)?.flatten_all()?.to_vec1()?;
                    Prediction::Probabilities {
                        classes: 2,
                        probs: p.iter().flat_map(|&p| [1.0 - p, p]).collect(),
                    }
                }
                OutputHead::Multiclass(k) => {
                    let probs = candle_nn::ops::softmax(&out, D::Minus1)?.flatten_all()?.to_vec1()?;
                    Prediction::Probabilities { classes: k, probs }
                }
                OutputHead::Value => {
                    let v: Vec<f32> = out.flatten_all()?.to_vec1()?;
                    Prediction::Values(v.into_iter().map(f64::from).collect())
                }
            })
        };
        run().map_err(candle_err)
    }

    fn parameter_count(&self) -> usize {
        self.parameters
    }

    fn is_iterative(&self) -> bool {
        true
    }

    fn set_learning_rate(&mut self, lr: f64) {
        self.settings.learning_rate = lr;
        self.optimizer.set_learning_rate(lr);
    }
}

#[cfg(test)]
mod tests;
