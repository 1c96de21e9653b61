//! Saving and loading a trained network: weights as safetensors, the spec and what the network
//! expects (input shape, task, scaling) as JSON beside it. Each file is written to a temporary
//! file in the same folder and renamed, so a crash never leaves a half-written file.

use std::path::{Path, PathBuf};

use candle_core::DType;
use serde::{Deserialize, Serialize};

use super::{NetworkLearner, NetworkSpec, Shape, TrainSettings};
use crate::data::{InputShape, Standardizer, Task};

const FORMAT: u32 = 1;

/// The JSON written beside the weights.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SavedNetwork {
    pub format: u32,
    pub spec: NetworkSpec,
    /// The spec as text, for people reading the file.
    pub spec_text: String,
    pub input_shape: InputShape,
    pub n_features: usize,
    pub task: Task,
    pub classes: usize,
    pub settings: TrainSettings,
    /// Gradient steps taken before saving.
    pub steps: usize,
    /// The standardization the network was trained behind, if any: apply it before `predict`.
    pub scaler: Option<Standardizer>,
    /// Set when the weights file also holds the optimizer's state (`optimizer.*` tensors: Adam's
    /// moments or momentum's velocities) and, for Adam, the steps it has taken.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub optimizer_step: Option<i32>,
}

/// Names of the optimizer's tensors in the weights file start with this.
const OPTIMIZER_PREFIX: &str = "optimizer.";

#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    #[error("could not write {path}: {reason}")]
    Write { path: PathBuf, reason: String },
    #[error("could not read {path}: {reason}")]
    Read { path: PathBuf, reason: String },
    #[error("{path} is not a saved Learnscope network: {reason}")]
    Format { path: PathBuf, reason: String },
}

/// The two files a save writes: `PATH.safetensors` and `PATH.json` (any extension of PATH replaced).
pub fn file_paths(path: &Path) -> (PathBuf, PathBuf) {
    (path.with_extension("safetensors"), path.with_extension("json"))
}

/// Writes through `write` into a temporary file, then renames it into place.
fn write_atomically(path: &Path, write: impl FnOnce(&Path) -> Result<(), String>) -> Result<(), SaveError> {
    crate::files::write_atomically(path, write)
        .map_err(|e| SaveError::Write { path: e.path, reason: e.reason })
}

fn input_shape_of(shape: Shape) -> InputShape {
    match shape {
        Shape::Vector(_) => InputShape::Vector,
        Shape::Image { channels, height, width } => InputShape::Image { channels, height, width },
        Shape::Sequence { steps, features } => InputShape::Sequence { steps, channels: features },
    }
}

/// Saves `net` as `PATH.safetensors` + `PATH.json`; returns both paths.
pub fn save(
    net: &NetworkLearner,
    path: &Path,
    scaler: Option<&Standardizer>,
) -> Result<(PathBuf, PathBuf), SaveError> {
    let (weights, meta_path) = file_paths(path);
    let (task, classes) = net.task();
    let mut meta = SavedNetwork {
        format: FORMAT,
        spec: net.spec().clone(),
        spec_text: net.spec().to_string(),
        input_shape: input_shape_of(net.input_shape()),
        n_features: net.input_shape().size(),
        task,
        classes,
        settings: net.settings(),
        steps: net.steps(),
        scaler: scaler.cloned(),
        optimizer_step: None,
    };
    let optimizer = net
        .optimizer_state()
        .map_err(|e| SaveError::Write { path: weights.clone(), reason: e.to_string() })?;
    // The weights and the optimizer's state in one safetensors file.
    let mut tensors: std::collections::HashMap<String, candle_core::Tensor> = {
        let data = net.varmap().data().lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        data.iter().map(|(name, var)| (name.clone(), var.as_tensor().clone())).collect()
    };
    if let Some(state) = optimizer {
        meta.optimizer_step = Some(state.step);
        tensors.extend(state.tensors.into_iter().map(|(name, t)| (format!("{OPTIMIZER_PREFIX}{name}"), t)));
    }
    let json = serde_json::to_string_pretty(&meta)
        .map_err(|e| SaveError::Write { path: meta_path.clone(), reason: e.to_string() })?;
    write_atomically(&weights, |temp| {
        candle_core::safetensors::save(&tensors, temp).map_err(|e| e.to_string())
    })?;
    write_atomically(&meta_path, |temp| std::fs::write(temp, json).map_err(|e| e.to_string()))?;
    Ok((weights, meta_path))
}

/// Loads a saved network, ready to predict or to train further (from the optimizer's saved
/// state when the file holds one).
pub fn load(path: &Path) -> Result<(NetworkLearner, SavedNetwork), SaveError> {
    load_as(path, DType::F32)
}

/// [`load`] into a network of `dtype` (f64 in tests, which train through the optimizers' tensor path).
pub(crate) fn load_as(path: &Path, dtype: DType) -> Result<(NetworkLearner, SavedNetwork), SaveError> {
    let (weights, meta_path) = file_paths(path);
    let text = std::fs::read_to_string(&meta_path)
        .map_err(|e| SaveError::Read { path: meta_path.clone(), reason: e.to_string() })?;
    let format = |reason: String| SaveError::Format { path: meta_path.clone(), reason };
    let meta: SavedNetwork = serde_json::from_str(&text).map_err(|e| format(e.to_string()))?;
    if meta.format != FORMAT {
        return Err(format(format!("format {} is not supported (expected {FORMAT})", meta.format)));
    }
    // Checked like typed network text before anything is built from it.
    meta.spec.check().map_err(|e| format(format!("spec: {e}")))?;
    if meta.input_shape.values().is_some_and(|v| v != meta.n_features) || meta.n_features > 1 << 20 {
        return Err(format(format!(
            "input_shape {:?} does not fit n_features {}",
            meta.input_shape, meta.n_features
        )));
    }
    if meta.classes > 10_000
        || !(meta.settings.learning_rate.is_finite() && meta.settings.learning_rate > 0.0)
    {
        return Err(format("classes or learning_rate out of bounds".into()));
    }
    let mut net = NetworkLearner::build(
        &meta.spec,
        meta.input_shape,
        meta.n_features,
        meta.task,
        meta.classes,
        meta.settings,
        dtype,
    )
    .map_err(|e| format(e.to_string()))?;
    if !weights.exists() {
        return Err(SaveError::Read { path: weights, reason: "the weights file is missing".into() });
    }
    net.varmap_mut()
        .load(&weights)
        .map_err(|e| SaveError::Format { path: weights.clone(), reason: e.to_string() })?;
    if let Some(step) = meta.optimizer_step {
        let damaged =
            |e: candle_core::Error| SaveError::Format { path: weights.clone(), reason: e.to_string() };
        let tensors = candle_core::safetensors::load(&weights, &candle_core::Device::Cpu).map_err(damaged)?;
        let tensors = tensors
            .into_iter()
            .filter_map(|(name, t)| name.strip_prefix(OPTIMIZER_PREFIX).map(|n| (n.to_string(), t)))
            .collect();
        net.restore_optimizer(&super::optimizer::OptimizerState { step, tensors }).map_err(damaged)?;
    }
    Ok((net, meta))
}
