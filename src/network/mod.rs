//! Neural networks in candle: built from a `NetworkSpec`, trained in mini-batches on the CPU.

pub mod optimizer;
pub mod spec;

use candle_core::{D, Device, Tensor, Var};
use candle_nn::VarMap;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

pub use optimizer::{NetworkOptimizer, OptimizerKind};
pub use spec::{Activation, LayerSpec, NetworkSpec, SpecError};

use crate::data::Task;
use crate::models::{Learner, ModelError, Prediction, PreparedData};

/// How a network is trained.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrainSettings {
    pub learning_rate: f64,
    pub batch_size: usize,
    pub optimizer: OptimizerKind,
    pub seed: u64,
}

enum Layer {
    Dense { weight: Var, bias: Var },
    Activation(Activation),
}

/// What the last layer emits and which loss follows from it.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Head {
    /// One logit, binary cross-entropy.
    Binary,
    /// One logit per class, softmax cross-entropy.
    Multiclass(usize),
    /// One value, mean squared error.
    Value,
}

fn candle_err(e: candle_core::Error) -> ModelError {
    ModelError::Failed(e.to_string())
}

/// A feed-forward network being trained.
pub struct NetworkLearner {
    layers: Vec<Layer>,
    varmap: VarMap,
    head: Head,
    optimizer: NetworkOptimizer,
    batch_size: usize,
    rng: StdRng,
    device: Device,
    /// The training rows as tensors, built on the first epoch.
    train_tensors: Option<(Tensor, Tensor)>,
    parameters: usize,
}

impl NetworkLearner {
    pub fn new(
        spec: &NetworkSpec,
        n_features: usize,
        task: Task,
        classes: usize,
        settings: TrainSettings,
    ) -> Result<Self, ModelError> {
        if n_features == 0 {
            return Err(ModelError::Unsuitable("the data has no feature columns to learn from".into()));
        }
        let head = match task {
            Task::Regression => Head::Value,
            Task::Classification if classes <= 2 => Head::Binary,
            Task::Classification => Head::Multiclass(classes),
        };
        let device = Device::Cpu;
        let mut rng = StdRng::seed_from_u64(settings.seed);
        let varmap = VarMap::new();
        let mut layers = Vec::new();
        let mut width = n_features;
        let mut parameters = 0;
        let output_units = match head {
            Head::Multiclass(k) => k,
            _ => 1,
        };
        // Glorot init suits tanh/sigmoid; He init suits the ReLU family.
        let next_activation = |from: usize| {
            spec.layers[from..].iter().find_map(|l| match l {
                LayerSpec::Activation(a) => Some(*a),
                _ => None,
            })
        };
        let dense_layers: Vec<(usize, Option<Activation>)> = spec
            .layers
            .iter()
            .enumerate()
            .filter_map(|(i, l)| match l {
                LayerSpec::Dense { units } => Some((*units, next_activation(i + 1))),
                _ => None,
            })
            .chain(std::iter::once((output_units, None)))
            .collect();
        let mut dense_index = 0;
        let mut add_dense =
            |units: usize, activation: Option<Activation>, width: usize, layers: &mut Vec<Layer>| {
                let bound = match activation {
                    Some(Activation::Relu | Activation::LeakyRelu | Activation::Gelu) => {
                        (6.0 / width as f64).sqrt()
                    }
                    _ => (6.0 / (width + units) as f64).sqrt(),
                };
                let weights: Vec<f32> =
                    (0..units * width).map(|_| rng.random_range(-bound..bound) as f32).collect();
                let weight = Var::from_vec(weights, (units, width), &device)?;
                let bias = Var::from_vec(vec![0f32; units], units, &device)?;
                let mut data = varmap.data().lock().expect("varmap lock");
                data.insert(format!("layer{dense_index}.weight"), weight.clone());
                data.insert(format!("layer{dense_index}.bias"), bias.clone());
                dense_index += 1;
                layers.push(Layer::Dense { weight, bias });
                Ok::<usize, candle_core::Error>(units * width + units)
            };
        let mut dense_iter = dense_layers.into_iter();
        for layer in &spec.layers {
            match layer {
                LayerSpec::Dense { units } => {
                    let (_, act) = dense_iter.next().expect("one entry per dense layer");
                    parameters += add_dense(*units, act, width, &mut layers).map_err(candle_err)?;
                    width = *units;
                }
                LayerSpec::Activation(a) => layers.push(Layer::Activation(*a)),
            }
        }
        parameters += add_dense(output_units, None, width, &mut layers).map_err(candle_err)?;
        let optimizer = NetworkOptimizer::new(settings.optimizer, varmap.all_vars(), settings.learning_rate)
            .map_err(candle_err)?;
        Ok(Self {
            layers,
            varmap,
            head,
            optimizer,
            batch_size: settings.batch_size.max(1),
            rng,
            device,
            train_tensors: None,
            parameters,
        })
    }

    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        let mut h = x.clone();
        for layer in &self.layers {
            h = match layer {
                Layer::Dense { weight, bias } => h.matmul(&weight.t()?)?.broadcast_add(bias)?,
                Layer::Activation(a) => match a {
                    Activation::Relu => h.relu()?,
                    Activation::LeakyRelu => candle_nn::ops::leaky_relu(&h, 0.01)?,
                    Activation::Tanh => h.tanh()?,
                    Activation::Sigmoid => candle_nn::ops::sigmoid(&h)?,
                    Activation::Gelu => h.gelu_erf()?,
                },
            };
        }
        Ok(h)
    }

    fn loss(&self, output: &Tensor, target: &Tensor) -> candle_core::Result<Tensor> {
        match self.head {
            Head::Binary => candle_nn::loss::binary_cross_entropy_with_logit(output, target),
            Head::Multiclass(_) => candle_nn::loss::cross_entropy(output, target),
            Head::Value => candle_nn::loss::mse(output, target),
        }
    }

    fn target_tensor(&self, targets: &[f64]) -> candle_core::Result<Tensor> {
        let n = targets.len();
        match self.head {
            Head::Multiclass(_) => {
                Tensor::from_vec(targets.iter().map(|&t| t as u32).collect(), n, &self.device)
            }
            _ => Tensor::from_vec(targets.iter().map(|&t| t as f32).collect(), (n, 1), &self.device),
        }
    }

    fn features_tensor(&self, features: &[f64], n_features: usize) -> candle_core::Result<Tensor> {
        let rows = features.len() / n_features;
        Tensor::from_vec(features.iter().map(|&v| v as f32).collect(), (rows, n_features), &self.device)
    }

    /// The weights as a VarMap, for saving to safetensors.
    pub fn varmap(&self) -> &VarMap {
        &self.varmap
    }

    fn epoch(&mut self, train: &PreparedData) -> candle_core::Result<()> {
        if self.train_tensors.is_none() {
            let x = self.features_tensor(&train.features, train.n_features)?;
            let y = self.target_tensor(&train.targets)?;
            self.train_tensors = Some((x, y));
        }
        let (x, y) = self.train_tensors.clone().expect("set above");
        let n = train.rows();
        if self.batch_size >= n {
            let loss = self.loss(&self.forward(&x)?, &y)?;
            return self.optimizer.backward_step(&loss);
        }
        let mut order: Vec<u32> = (0..n as u32).collect();
        order.shuffle(&mut self.rng);
        for batch in order.chunks(self.batch_size) {
            let index = Tensor::from_slice(batch, batch.len(), &self.device)?;
            let xb = x.index_select(&index, 0)?;
            let yb = y.index_select(&index, 0)?;
            let loss = self.loss(&self.forward(&xb)?, &yb)?;
            self.optimizer.backward_step(&loss)?;
        }
        Ok(())
    }
}

impl Learner for NetworkLearner {
    fn train_epoch(&mut self, train: &PreparedData, _epoch: usize) -> Result<(), ModelError> {
        if train.rows() == 0 {
            return Err(ModelError::Unsuitable("there are no training rows".into()));
        }
        if self.head != Head::Value && train.targets.iter().all(|&t| t == train.targets[0]) {
            return Err(ModelError::Unsuitable(
                "the training rows hold only one class: a classifier needs at least two".into(),
            ));
        }
        self.epoch(train).map_err(candle_err)
    }

    fn predict(&self, features: &[f64], n_features: usize) -> Result<Prediction, ModelError> {
        let run = || -> candle_core::Result<Prediction> {
            let x = self.features_tensor(features, n_features)?;
            let out = self.forward(&x)?;
            Ok(match self.head {
                Head::Binary => {
                    let p: Vec<f32> = candle_nn::ops::sigmoid(&out)?.flatten_all()?.to_vec1()?;
                    Prediction::Probabilities {
                        classes: 2,
                        probs: p.iter().flat_map(|&p| [1.0 - p, p]).collect(),
                    }
                }
                Head::Multiclass(k) => {
                    let probs = candle_nn::ops::softmax(&out, D::Minus1)?.flatten_all()?.to_vec1()?;
                    Prediction::Probabilities { classes: k, probs }
                }
                Head::Value => {
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

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }

    fn is_iterative(&self) -> bool {
        true
    }

    fn set_learning_rate(&mut self, lr: f64) {
        self.optimizer.set_learning_rate(lr);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn xor_data() -> PreparedData {
        PreparedData {
            features: vec![-1.0, -1.0, -1.0, 1.0, 1.0, -1.0, 1.0, 1.0],
            n_features: 2,
            targets: vec![0.0, 1.0, 1.0, 0.0],
            task: Task::Classification,
            classes: 2,
        }
    }

    fn settings(seed: u64) -> TrainSettings {
        TrainSettings { learning_rate: 0.05, batch_size: 4, optimizer: OptimizerKind::AdamW, seed }
    }

    #[test]
    fn learns_xor_which_no_line_separates() {
        let data = xor_data();
        let spec = NetworkSpec::mlp(&[8], Activation::Tanh);
        let mut net = NetworkLearner::new(&spec, 2, Task::Classification, 2, settings(1)).unwrap();
        assert_eq!(net.parameter_count(), 2 * 8 + 8 + 8 + 1);
        for epoch in 0..300 {
            net.train_epoch(&data, epoch).unwrap();
        }
        let pred = net.predict(&data.features, 2).unwrap();
        assert_eq!(pred.classes().unwrap(), vec![0, 1, 1, 0]);
    }

    #[test]
    fn same_seed_gives_the_same_predictions() {
        let data = xor_data();
        let spec = NetworkSpec::mlp(&[4], Activation::Relu);
        let run = |seed| {
            let mut net = NetworkLearner::new(&spec, 2, Task::Classification, 2, settings(seed)).unwrap();
            for epoch in 0..20 {
                net.train_epoch(&data, epoch).unwrap();
            }
            net.predict(&data.features, 2).unwrap()
        };
        assert_eq!(run(7), run(7));
        assert_ne!(run(7), run(8));
    }

    #[test]
    fn multiclass_and_regression_heads_have_the_right_shape() {
        let spec = NetworkSpec::mlp(&[4], Activation::Relu);
        let net = NetworkLearner::new(&spec, 3, Task::Classification, 5, settings(0)).unwrap();
        let Prediction::Probabilities { classes, probs } = net.predict(&[0.0; 6], 3).unwrap() else {
            panic!()
        };
        assert_eq!((classes, probs.len()), (5, 10));
        assert!((probs[..5].iter().sum::<f32>() - 1.0).abs() < 1e-5);
        let reg = NetworkLearner::new(&spec, 3, Task::Regression, 0, settings(0)).unwrap();
        assert!(matches!(reg.predict(&[0.0; 6], 3).unwrap(), Prediction::Values(v) if v.len() == 2));
    }
}
