//! What a network looks like inside, in plain data the studio draws while it trains: the
//! diagram's weights, each hidden unit's map over the input plane, weight and gradient
//! histograms, the gradient-norm history, the first conv layer's filters and diagnostics.
//! Kept small and cheap: sizes are capped, rows are sampled.

use candle_core::DType;

use super::diagnostics::{self, Diagnostic};
use super::layers::{Layer, Pass};
use super::{Activation, DeadRelus, LayerSpec, NetworkLearner, Shape, candle_err};
use crate::models::learner::ModelError;

/// Nodes drawn per diagram column; weights beyond them are left out.
pub const MAX_DIAGRAM_NODES: usize = 16;
/// Unit maps kept per layer.
pub const MAX_UNIT_MAPS: usize = 8;
/// Unit maps are computed on this many cells per side (a coarse copy of the decision grid).
pub const UNIT_MAP_RESOLUTION: usize = 32;
/// Histogram bins.
pub const HISTOGRAM_BINS: usize = 24;
/// Conv filters kept.
pub const MAX_FILTERS: usize = 16;
/// Training rows used for gradient histograms and dead ReLUs: vectors are cheap, images and
/// sequences cost a conv or recurrent pass per row.
pub const SAMPLE_ROWS: usize = 256;
pub const SAMPLE_ROWS_IMAGES_AND_SEQUENCES: usize = 32;
/// Gradient-norm points kept per layer.
const MAX_NORM_POINTS: usize = 400;

/// A histogram over `[lo, hi]` in equal bins.
#[derive(Clone, Debug, PartialEq)]
pub struct Histogram {
    pub lo: f32,
    pub hi: f32,
    pub counts: Vec<u32>,
}

impl Histogram {
    /// Bins the finite values over their own range (a constant set gets a small range around it).
    pub fn of(values: &[f32], bins: usize) -> Self {
        let bins = bins.max(1);
        let finite = values.iter().copied().filter(|v| v.is_finite());
        let (mut lo, mut hi) =
            finite.clone().fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)));
        if lo > hi {
            (lo, hi) = (0.0, 0.0);
        }
        if hi - lo < 1e-12 {
            let pad = (lo.abs() * 0.01).max(1e-6);
            (lo, hi) = (lo - pad, hi + pad);
        }
        let mut counts = vec![0u32; bins];
        let width = (hi - lo) / bins as f32;
        for v in finite {
            let bin = (((v - lo) / width) as usize).min(bins - 1);
            counts[bin] += 1;
        }
        Self { lo, hi, counts }
    }

    pub fn total(&self) -> u32 {
        self.counts.iter().sum()
    }

    /// The value at the centre of bin `i`.
    pub fn center(&self, i: usize) -> f32 {
        self.lo + (i as f32 + 0.5) * (self.hi - self.lo) / self.counts.len().max(1) as f32
    }
}

/// One dense layer of the diagram: weights between the first nodes of two columns.
#[derive(Clone, Debug, PartialEq)]
pub struct DiagramLayer {
    pub index: usize,
    pub layer: String,
    pub inputs: usize,
    pub units: usize,
    /// Nodes drawn (`≤ MAX_DIAGRAM_NODES`).
    pub shown_inputs: usize,
    pub shown_units: usize,
    /// `weights[i * shown_units + u]`: from input node `i` to unit `u`.
    pub weights: Vec<f32>,
}

/// A step before the chain of dense layers (the input, a convolution, pooling, a recurrent
/// layer, flatten), drawn as a block in front of the diagram's nodes. Activations, dropout and
/// batch norm join the step before them.
#[derive(Clone, Debug, PartialEq)]
pub struct DiagramStage {
    /// "input", "conv2d(8,3,1,1) + relu"…
    pub label: String,
    pub output: Shape,
    pub parameters: usize,
}

/// The steps before the first dense layer (the network's own or the output layer); empty when
/// the network starts with a dense layer, whose inputs the diagram's first column shows.
pub fn diagram_stages(learner: &NetworkLearner) -> Vec<DiagramStage> {
    let spec = learner.spec();
    let first_dense =
        spec.layers.iter().position(|l| matches!(l, LayerSpec::Dense { .. })).unwrap_or(spec.layers.len());
    if first_dense == 0 {
        return Vec::new();
    }
    let Ok(report) = super::shapes::infer(spec, learner.input_shape(), learner.head()) else {
        return Vec::new();
    };
    let mut stages = vec![DiagramStage { label: "input".into(), output: report.input, parameters: 0 }];
    for (layer, shape) in spec.layers.iter().zip(&report.layers).take(first_dense) {
        let joins_previous =
            matches!(layer, LayerSpec::Activation(_) | LayerSpec::Dropout { .. } | LayerSpec::BatchNorm);
        // The input takes no activation: one straight after it stands as its own step.
        let after_a_layer = stages.len() > 1;
        match stages.last_mut() {
            Some(previous) if joins_previous && after_a_layer => {
                previous.label.push_str(&format!(" + {}", shape.layer));
                previous.output = shape.output;
                previous.parameters += shape.parameters;
            }
            _ => stages.push(DiagramStage {
                label: shape.layer.clone(),
                output: shape.output,
                parameters: shape.parameters,
            }),
        }
    }
    stages
}

/// Each of a layer's first units over the input plane.
#[derive(Clone, Debug, PartialEq)]
pub struct UnitThumbnails {
    pub index: usize,
    pub layer: String,
    pub units: usize,
    /// `maps[u]`: `resolution²` values, bottom row first (like `DecisionGrid`).
    pub maps: Vec<Vec<f32>>,
    pub resolution: usize,
}

/// A weighted layer's weights and, on a sample of training rows, its weight gradients.
#[derive(Clone, Debug, PartialEq)]
pub struct LayerHistograms {
    pub index: usize,
    pub layer: String,
    pub weights: Histogram,
    pub gradients: Option<Histogram>,
}

/// The first conv layer's kernels: a conv2d's `k × k` averaged over input channels, a conv1d's
/// `channels × k` (one row per input channel).
#[derive(Clone, Debug, PartialEq)]
pub struct ConvFilters {
    pub index: usize,
    pub layer: String,
    /// Rows and columns of each kept filter.
    pub height: usize,
    pub width: usize,
    /// Filters in all (only the first `MAX_FILTERS` are kept).
    pub total: usize,
    pub filters: Vec<Vec<f32>>,
}

/// Per weighted layer, its gradient norm over the steps (thinned).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct GradientHistory {
    pub layers: Vec<(usize, String)>,
    /// Gradient step of each point.
    pub steps: Vec<f64>,
    /// `norms[layer][point]`.
    pub norms: Vec<Vec<f32>>,
}

/// Everything the network views draw, as of one moment of training.
#[derive(Clone, Debug, PartialEq)]
pub struct NetworkInsight {
    pub epoch: usize,
    pub steps: usize,
    /// Every layer's label (the output layer last).
    pub layer_names: Vec<String>,
    /// The chain of dense layers at the end of the network, in order.
    pub diagram: Vec<DiagramLayer>,
    /// What comes before that chain (see [`diagram_stages`]).
    pub stages: Vec<DiagramStage>,
    pub unit_maps: Vec<UnitThumbnails>,
    pub histograms: Vec<LayerHistograms>,
    pub gradient_norms: GradientHistory,
    pub conv_filters: Option<ConvFilters>,
    /// Dead ReLUs, vanishing or exploding gradients (overfitting is judged from the epoch
    /// history by whoever keeps it: `diagnostics::overfitting`).
    pub diagnostics: Vec<Diagnostic>,
}

/// Rows the snapshot evaluates: a coarse grid over the plane for unit maps and a training
/// sample (standardized) for gradients and dead ReLUs.
pub struct SnapshotInputs<'a> {
    /// Standardized rows at the cell centres, bottom row first, and the cells per side.
    pub grid: Option<(&'a [f64], usize)>,
    pub sample: &'a [f64],
    pub sample_targets: &'a [f64],
}

/// Takes the snapshot. Its cost is a few forward passes over ≤ 1,024 grid rows and one
/// forward/backward pass over ≤ `SAMPLE_ROWS` training rows.
pub fn snapshot(
    learner: &NetworkLearner,
    epoch: usize,
    inputs: &SnapshotInputs<'_>,
) -> Result<NetworkInsight, ModelError> {
    let names = learner.layer_names();
    let weights = learner.weights()?;
    let d = learner.n_features;
    let cap = if matches!(learner.input, Shape::Vector(_)) {
        SAMPLE_ROWS
    } else {
        SAMPLE_ROWS_IMAGES_AND_SEQUENCES
    };
    let rows = (inputs.sample.len() / d.max(1)).min(cap);
    let sample = &inputs.sample[..rows * d];
    let targets = &inputs.sample_targets[..rows.min(inputs.sample_targets.len())];

    let diagram = weights
        .iter()
        .filter(|w| matches!(learner.layers[w.index - 1], Layer::Dense { .. }))
        .map(|w| {
            let (inputs, units) = (w.weight_shape[0], w.weight_shape[1]);
            let (shown_inputs, shown_units) = (inputs.min(MAX_DIAGRAM_NODES), units.min(MAX_DIAGRAM_NODES));
            let mut kept = Vec::with_capacity(shown_inputs * shown_units);
            for i in 0..shown_inputs {
                kept.extend_from_slice(&w.weights[i * units..i * units + shown_units]);
            }
            DiagramLayer {
                index: w.index,
                layer: w.layer.clone(),
                inputs,
                units,
                shown_inputs,
                shown_units,
                weights: kept,
            }
        })
        .collect();

    let unit_maps = match inputs.grid {
        Some((grid, resolution)) if matches!(learner.input, Shape::Vector(_)) => {
            unit_thumbnails(learner, grid, resolution)?
        }
        _ => Vec::new(),
    };

    let (gradients, dead) = if rows > 0 && targets.len() == rows {
        learner.weight_gradients(sample, targets).map_err(candle_err)?
    } else {
        (vec![None; weights.len()], Vec::new())
    };
    let histograms = weights
        .iter()
        .zip(gradients)
        .map(|(w, g)| LayerHistograms {
            index: w.index,
            layer: w.layer.clone(),
            weights: Histogram::of(&w.weights, HISTOGRAM_BINS),
            gradients: g.map(|g| Histogram::of(&g, HISTOGRAM_BINS)),
        })
        .collect();

    let conv_filters = weights.iter().find_map(|w| match w.weight_shape[..] {
        [filters, channels, k, _] => {
            let area = k * k;
            let kept = (0..filters.min(MAX_FILTERS))
                .map(|f| {
                    (0..area)
                        .map(|p| {
                            (0..channels).map(|c| w.weights[(f * channels + c) * area + p]).sum::<f32>()
                                / channels as f32
                        })
                        .collect()
                })
                .collect();
            Some(ConvFilters {
                index: w.index,
                layer: w.layer.clone(),
                height: k,
                width: k,
                total: filters,
                filters: kept,
            })
        }
        // conv1d: `(filters, channels, k)` is already one `channels × k` picture per filter.
        [filters, channels, k] if w.layer.starts_with("conv1d") => {
            let size = channels * k;
            let kept = w.weights.chunks_exact(size.max(1)).take(MAX_FILTERS).map(<[f32]>::to_vec).collect();
            Some(ConvFilters {
                index: w.index,
                layer: w.layer.clone(),
                height: channels,
                width: k,
                total: filters,
                filters: kept,
            })
        }
        _ => None,
    });

    let gradient_layers = learner.gradient_layers();
    let all_norms = learner.gradient_norms();
    let mut diagnostics = Vec::new();
    diagnostics.extend(diagnostics::dead_relus(&dead));
    diagnostics.extend(diagnostics::gradients(&gradient_layers, all_norms));
    let gradient_norms = thin_norms(gradient_layers, all_norms, learner.gradient_stride);

    Ok(NetworkInsight {
        epoch,
        steps: learner.steps,
        layer_names: names,
        diagram,
        stages: diagram_stages(learner),
        unit_maps,
        histograms,
        gradient_norms,
        conv_filters,
        diagnostics,
    })
}

/// The hidden units worth a map: outputs of activations, of dense or recurrent layers with no
/// activation after them, and the output layer.
fn unit_thumbnails(
    learner: &NetworkLearner,
    grid: &[f64],
    resolution: usize,
) -> Result<Vec<UnitThumbnails>, ModelError> {
    let spec = &learner.spec.layers;
    let wanted = |index: usize| -> bool {
        let Some(layer) = spec.get(index - 1) else { return true };
        match layer {
            LayerSpec::Activation(_) => true,
            LayerSpec::Dense { .. } | LayerSpec::Recurrent { .. } => !spec[index..]
                .iter()
                .take_while(|l| !matches!(l, LayerSpec::Dense { .. } | LayerSpec::Recurrent { .. }))
                .any(|l| matches!(l, LayerSpec::Activation(_))),
            _ => false,
        }
    };
    Ok(learner
        .unit_maps(grid, learner.n_features)?
        .into_iter()
        .filter(|m| wanted(m.index))
        .map(|m| UnitThumbnails {
            index: m.index,
            layer: m.layer,
            units: m.units.len(),
            maps: m.units.into_iter().take(MAX_UNIT_MAPS).collect(),
            resolution,
        })
        .collect())
}

fn thin_norms(layers: Vec<(usize, String)>, rows: &[Vec<f32>], stride: usize) -> GradientHistory {
    let every = rows.len().div_ceil(MAX_NORM_POINTS).max(1);
    let kept: Vec<usize> = (0..rows.len()).step_by(every).collect();
    let steps = kept.iter().map(|&r| (r * stride.max(1)) as f64).collect();
    let norms = (0..layers.len())
        .map(|c| kept.iter().map(|&r| rows[r].get(c).copied().unwrap_or(0.0)).collect())
        .collect();
    GradientHistory { layers, steps, norms }
}

impl NetworkLearner {
    /// The loss gradient of each weighted layer's weight tensor on these rows (evaluation mode),
    /// in the order of `weights()`, and the dead ReLUs seen in the same forward pass.
    #[allow(clippy::type_complexity)]
    fn weight_gradients(
        &self,
        features: &[f64],
        targets: &[f64],
    ) -> candle_core::Result<(Vec<Option<Vec<f32>>>, Vec<DeadRelus>)> {
        let x = self.input_tensor(features, self.n_features)?;
        let y = self.target_tensor(targets)?;
        let mut pass = Pass::eval_with_gradients();
        pass.record = Some(Vec::new());
        let out = self.forward(&x, &mut pass)?;
        let recorded = pass.record.take().unwrap_or_default();
        let mut dead = Vec::new();
        for (i, layer) in self.spec.layers.iter().enumerate() {
            let (LayerSpec::Activation(Activation::Relu), Some(t)) = (layer, recorded.get(i)) else {
                continue;
            };
            let rows = t.dim(0)?.max(1);
            let values: Vec<f32> = t.to_dtype(DType::F32)?.flatten_all()?.to_vec1()?;
            let units = values.len() / rows;
            let dead_units = (0..units).filter(|&u| (0..rows).all(|r| values[r * units + u] <= 0.0)).count();
            dead.push(DeadRelus { index: i + 1, units, dead: dead_units });
        }
        let grads = self.loss(&out, &y)?.backward()?;
        let gradients = self
            .layers
            .iter()
            .filter_map(|l| l.weight_and_bias())
            .map(|(w, _)| {
                grads
                    .get(w.as_tensor())
                    .map(|g| g.to_dtype(DType::F32)?.flatten_all()?.to_vec1::<f32>())
                    .transpose()
            })
            .collect::<candle_core::Result<_>>()?;
        Ok((gradients, dead))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{InputShape, Task};
    use crate::models::network::{NetworkSpec, OptimizerKind, TrainSettings};
    use crate::models::{Learner, PreparedData};

    fn settings() -> TrainSettings {
        TrainSettings { learning_rate: 0.05, batch_size: 16, optimizer: OptimizerKind::Adam, seed: 2 }
    }

    #[test]
    fn histogram_counts_every_value_in_the_right_bin() {
        let h = Histogram::of(&[-1.0, -0.9, 0.0, 0.1, 1.0, f32::NAN], 4);
        assert_eq!((h.lo, h.hi), (-1.0, 1.0));
        assert_eq!(h.counts, vec![2, 0, 2, 1]);
        assert_eq!(h.total(), 5);
        assert!((h.center(0) + 0.75).abs() < 1e-6);
        let constant = Histogram::of(&[0.5; 3], 5);
        assert_eq!(constant.total(), 3);
        assert!(constant.lo < 0.5 && constant.hi > 0.5);
        assert_eq!(Histogram::of(&[], 3).total(), 0);
    }

    fn xor(n: usize) -> PreparedData {
        let mut features = Vec::new();
        let mut targets = Vec::new();
        for i in 0..n {
            let (a, b) = (((i * 7) % 13) as f64 / 6.0 - 1.0, ((i * 5) % 11) as f64 / 5.0 - 1.0);
            features.extend([a, b]);
            targets.push(f64::from(u8::from((a > 0.0) != (b > 0.0))));
        }
        PreparedData { features, n_features: 2, targets, task: Task::Classification, classes: 2 }
    }

    #[test]
    fn snapshot_of_an_mlp_has_capped_diagram_maps_and_histograms() {
        let spec = NetworkSpec::parse("dense(20) relu dense(4) tanh").unwrap();
        let mut net = NetworkLearner::new(&spec, 2, Task::Classification, 2, settings()).unwrap();
        let data = xor(64);
        for e in 0..3 {
            net.train_epoch(&data, e).unwrap();
        }
        let grid: Vec<f64> = (0..16).flat_map(|i| [(i % 4) as f64 - 1.5, (i / 4) as f64 - 1.5]).collect();
        let inputs =
            SnapshotInputs { grid: Some((&grid, 4)), sample: &data.features, sample_targets: &data.targets };
        let s = snapshot(&net, 3, &inputs).unwrap();
        assert_eq!(s.layer_names.len(), 5);
        // Diagram: 2 → 20 (16 shown) → 4 → 1.
        let shape: Vec<_> =
            s.diagram.iter().map(|l| (l.inputs, l.units, l.shown_inputs, l.shown_units)).collect();
        assert_eq!(shape, vec![(2, 20, 2, 16), (20, 4, 16, 4), (4, 1, 4, 1)]);
        assert_eq!(s.diagram[1].weights.len(), 64);
        // Maps after relu (8 of 20 kept), after tanh, and the output.
        let maps: Vec<_> = s.unit_maps.iter().map(|m| (m.index, m.units, m.maps.len())).collect();
        assert_eq!(maps, vec![(2, 20, 8), (4, 4, 4), (5, 1, 1)]);
        assert!(s.unit_maps.iter().all(|m| m.maps.iter().all(|u| u.len() == 16)));
        assert_eq!(s.histograms.len(), 3);
        assert_eq!(s.histograms[0].weights.total(), 40);
        assert_eq!(s.histograms[1].gradients.as_ref().map(Histogram::total), Some(80));
        assert_eq!(s.gradient_norms.layers.len(), 3);
        assert_eq!(s.gradient_norms.norms[0].len(), s.gradient_norms.steps.len());
        assert!(s.gradient_norms.steps.len() >= 3);
        assert!(s.conv_filters.is_none());
        assert!(s.stages.is_empty(), "an MLP's diagram starts at its inputs");
    }

    #[test]
    fn snapshot_of_a_cnn_keeps_its_filters_and_skips_unit_maps() {
        let spec = NetworkSpec::parse("conv2d(3,3,1,1) relu flatten dense(5) relu").unwrap();
        let input = InputShape::Image { channels: 1, height: 4, width: 4 };
        let net = NetworkLearner::with_input(&spec, input, 16, Task::Classification, 3, settings()).unwrap();
        let sample: Vec<f64> = (0..32).map(|i| (i % 7) as f64 / 7.0).collect();
        let inputs = SnapshotInputs { grid: None, sample: &sample, sample_targets: &[0.0, 2.0] };
        let s = snapshot(&net, 0, &inputs).unwrap();
        let filters = s.conv_filters.expect("filters");
        assert_eq!((filters.height, filters.width, filters.total, filters.filters.len()), (3, 3, 3, 3));
        assert!(filters.filters.iter().all(|f| f.len() == 9));
        assert!(s.unit_maps.is_empty());
        // The diagram starts at the first dense layer: 48 flattened values, 16 drawn; the steps
        // before it are blocks, the activation joined to its convolution.
        assert_eq!((s.diagram[0].inputs, s.diagram[0].shown_inputs), (48, 16));
        let stages: Vec<(&str, Shape, usize)> =
            s.stages.iter().map(|st| (st.label.as_str(), st.output, st.parameters)).collect();
        assert_eq!(
            stages,
            vec![
                ("input", Shape::Image { channels: 1, height: 4, width: 4 }, 0),
                ("conv2d(3,3,1,1) + relu", Shape::Image { channels: 3, height: 4, width: 4 }, 30),
                ("flatten", Shape::Vector(48), 0),
            ]
        );
        assert!(s.histograms.iter().all(|h| h.gradients.is_some()));
    }

    #[test]
    fn a_dead_relu_layer_becomes_a_diagnostic() {
        let spec = NetworkSpec::parse("dense(4) relu").unwrap();
        let net = NetworkLearner::new(&spec, 2, Task::Classification, 2, settings()).unwrap();
        {
            // A large negative bias keeps every unit below zero for every row.
            let data = net.varmap().data().lock().unwrap();
            let b = &data["layer0.bias"];
            b.set(&candle_core::Tensor::from_vec(vec![-100f32; 4], 4, b.device()).unwrap()).unwrap();
        }
        let data = xor(16);
        let inputs = SnapshotInputs { grid: None, sample: &data.features, sample_targets: &data.targets };
        let s = snapshot(&net, 0, &inputs).unwrap();
        assert!(
            s.diagnostics.iter().any(|d| d.text.starts_with("layer 2: 100% of ReLUs never fire")),
            "{:?}",
            s.diagnostics
        );
    }
}
