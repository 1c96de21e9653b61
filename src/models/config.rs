//! Everything needed to build a fresh model, and the one factory that builds any kind.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::data::{InputShape, Task};
use crate::models::classical;
use crate::models::kind::ModelKind;
use crate::models::learner::{Learner, ModelError};
use crate::models::network::{self, Activation, NetworkSpec, OptimizerKind};
use crate::models::params;

/// Everything needed to build a fresh model: its kind and settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ModelConfig {
    pub kind: ModelKind,
    pub hidden_layers: Vec<usize>,
    pub activation: Activation,
    pub learning_rate: f64,
    pub batch_size: usize,
    pub optimizer: OptimizerKind,
    pub seed: u64,
    /// A network written layer by layer (`--net`); when set it replaces `hidden_layers` and `activation`.
    pub network: Option<NetworkSpec>,
    /// Hyper-parameters of classical kinds, checked against `ModelKind::params()`; missing keys take their default.
    pub params: BTreeMap<String, params::ParamValue>,
}

impl Default for ModelConfig {
    fn default() -> Self {
        Self {
            kind: ModelKind::Mlp,
            hidden_layers: vec![8, 8],
            activation: Activation::Tanh,
            learning_rate: 0.03,
            batch_size: 32,
            optimizer: OptimizerKind::AdamW,
            seed: 0,
            network: None,
            params: BTreeMap::new(),
        }
    }
}

impl ModelConfig {
    /// Builds an untrained model for data with `n_features` inputs and the given task.
    pub fn build(
        &self,
        n_features: usize,
        task: Task,
        classes: usize,
    ) -> Result<Box<dyn Learner>, ModelError> {
        self.build_for(InputShape::Vector, n_features, task, classes)
    }

    /// Like `build`, for rows laid out as `input` (images and sequences matter to networks).
    pub fn build_for(
        &self,
        input: InputShape,
        n_features: usize,
        task: Task,
        classes: usize,
    ) -> Result<Box<dyn Learner>, ModelError> {
        if let Some(spec) = &self.network {
            // A network that did not come through the parser (a file, a link) meets its rules here.
            spec.check().map_err(|e| ModelError::Unsuitable(format!("the network: {e}")))?;
        }
        if !self.kind.is_network() {
            let params = params::validate(self.kind, &self.params)?;
            return classical::build(self.kind, &params, task, classes, self.seed);
        }
        match self.kind {
            _ => {
                let spec = self.network.clone().unwrap_or_else(|| {
                    // A plain MLP reads images and sequences as flat rows.
                    let mut spec = NetworkSpec::mlp(&self.hidden_layers, self.activation);
                    if input != InputShape::Vector {
                        spec.layers.insert(0, network::LayerSpec::Flatten);
                    }
                    spec
                });
                let net = network::NetworkLearner::with_input(
                    &spec,
                    input,
                    n_features,
                    task,
                    classes,
                    network::TrainSettings {
                        learning_rate: self.learning_rate,
                        batch_size: self.batch_size,
                        optimizer: self.optimizer,
                        seed: self.seed,
                    },
                )?;
                Ok(Box::new(net))
            }
        }
    }
}
