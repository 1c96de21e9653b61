//! How the test rows look to each layer: the raw input and every block's output (a layer with
//! the activation, dropout or batch norm after it), each projected onto its own first two
//! principal components. Coloured by class, it shows "each layer transforms the input into
//! increasingly abstract representations": the classes pull apart layer by layer.

use super::{LayerSpec, NetworkLearner};
use crate::models::classical::clustering::Projection2d;
use crate::models::learner::{ModelError, PreparedData};

/// Rows projected at most (the first ones given: the test rows, in their stratified order).
pub const MAX_REPRESENTATION_ROWS: usize = 500;
/// Values per row that PCA takes directly; a wider layer (a convolution's feature maps) is first
/// folded into this many directions by a fixed signed hashing, which keeps inner products on
/// average, so a 28×28 CNN costs a few milliseconds instead of a d×d covariance of its maps.
pub const MAX_PCA_WIDTH: usize = 256;

/// One layer's view of the rows.
#[derive(Clone, Debug, PartialEq)]
pub struct LayerProjection {
    /// 0 for the raw input; else the 1-based position of the block's last layer (the output
    /// layer is `spec.layers.len() + 1`), as in the other network views.
    pub index: usize,
    /// "input", "dense(8) + tanh", "conv2d(4,3,1,1) + relu", "output dense(10)".
    pub layer: String,
    /// 1-based positions of the first and last layer in the block (0, 0 for the input).
    pub layers: (usize, usize),
    /// Values per row in this layer's output.
    pub width: usize,
    /// The width was folded to `MAX_PCA_WIDTH` directions before the PCA.
    pub sketched: bool,
    /// Each row's (x, y) on the layer's first two principal components.
    pub points: Vec<[f64; 2]>,
    /// Share of the layer's variance along each component.
    pub explained: [f64; 2],
    /// Classification: the share of rows lying nearer their own class's centre than any other
    /// in this 2-D picture (how far apart the classes are, as the eye sees it).
    pub separation: Option<f64>,
}

impl LayerProjection {
    /// "input", "layer 3 maxpool(2)", "layers 1-2 dense(8) + tanh".
    pub fn title(&self) -> String {
        match self.layers {
            (0, _) => "input".to_string(),
            (first, last) if first == last => format!("layer {first} {}", self.layer),
            (first, last) => format!("layers {first}-{last} {}", self.layer),
        }
    }
}

/// The rows as each layer sees them, raw input first.
#[derive(Clone, Debug, PartialEq)]
pub struct Representations {
    /// Epoch of the network when projected (set by whoever trains it).
    pub epoch: usize,
    /// Classes of a classifier; 0 for regression.
    pub classes: usize,
    /// Per row, its class index (classification) or target value (regression).
    pub targets: Vec<f64>,
    pub layers: Vec<LayerProjection>,
}

impl Representations {
    /// Class of a row, for colouring (classification only).
    pub fn class(&self, row: usize) -> Option<usize> {
        (self.classes > 0).then(|| self.targets.get(row).map(|&t| t as usize)).flatten()
    }

    /// A principal component's sign is arbitrary, so consecutive snapshots could mirror each
    /// other; flips each axis that points against the previous snapshot's (same rows, same layer).
    pub fn align_to(&mut self, previous: &Representations) {
        for layer in &mut self.layers {
            let Some(old) = previous
                .layers
                .iter()
                .find(|o| o.layers == layer.layers && o.points.len() == layer.points.len())
            else {
                continue;
            };
            for axis in 0..2 {
                let agreement: f64 =
                    layer.points.iter().zip(&old.points).map(|(a, b)| a[axis] * b[axis]).sum();
                if agreement < 0.0 {
                    layer.points.iter_mut().for_each(|p| p[axis] = -p[axis]);
                }
            }
        }
    }
}

/// Projects the first `MAX_REPRESENTATION_ROWS` rows (standardized, as the network takes them):
/// the input, then each block's output in evaluation mode, skipping a block whose output is the
/// same numbers as the one before (flatten, dropout at evaluation time).
pub fn representations(learner: &NetworkLearner, data: &PreparedData) -> Result<Representations, ModelError> {
    let d = data.n_features;
    let rows = data.rows().min(MAX_REPRESENTATION_ROWS);
    if rows == 0 || d == 0 {
        return Err(ModelError::Unsuitable("there are no rows to project".into()));
    }
    let features = &data.features[..rows * d];
    let targets = data.targets[..rows].to_vec();
    let classes = if data.task == crate::data::Task::Classification { data.classes } else { 0 };
    let activations = learner.activations(features, d)?;

    let mut previous: Vec<f32> = features.iter().map(|&v| v as f32).collect();
    let mut layers = vec![project(0, "input", (0, 0), &previous, rows, &targets, classes)?];
    let output = learner.layer_names().pop().unwrap_or_else(|| "output".into());
    for (first, last, label) in blocks(&learner.spec.layers, output) {
        let Some(output) = activations.get(last - 1) else { continue };
        if output.values == previous {
            continue;
        }
        layers.push(project(last, &label, (first, last), &output.values, rows, &targets, classes)?);
        previous.clone_from(&output.values);
    }
    Ok(Representations { epoch: 0, classes, targets, layers })
}

/// The network's blocks as (first, last, label), 1-based, the output layer last: a layer and
/// the activations, dropout and batch norm after it (one straight after the input stands alone).
fn blocks(spec: &[LayerSpec], output_label: String) -> Vec<(usize, usize, String)> {
    let mut blocks: Vec<(usize, usize, String)> = Vec::new();
    for (i, layer) in spec.iter().enumerate() {
        let joins =
            matches!(layer, LayerSpec::Activation(_) | LayerSpec::Dropout { .. } | LayerSpec::BatchNorm);
        match blocks.last_mut() {
            Some((_, last, label)) if joins => {
                *last = i + 1;
                label.push_str(&format!(" + {layer}"));
            }
            _ => blocks.push((i + 1, i + 1, layer.to_string())),
        }
    }
    let output = spec.len() + 1;
    blocks.push((output, output, output_label));
    blocks
}

/// One layer's values (`rows × width`, row-major) on their first two principal components.
fn project(
    index: usize,
    label: &str,
    layers: (usize, usize),
    values: &[f32],
    rows: usize,
    targets: &[f64],
    classes: usize,
) -> Result<LayerProjection, ModelError> {
    let width = values.len() / rows.max(1);
    let sketched = width > MAX_PCA_WIDTH;
    let folded = if sketched {
        fold(values, width, MAX_PCA_WIDTH)
    } else {
        values.iter().map(|&v| f64::from(v)).collect()
    };
    let d = width.min(MAX_PCA_WIDTH);
    let projection = Projection2d::fit(&folded, d)
        .map_err(|e| ModelError::Unsuitable(format!("the representation of {label}: {e}")))?;
    let points = projection.project(&folded);
    let separation = (classes > 1).then(|| nearest_centroid_accuracy(&points, targets, classes));
    Ok(LayerProjection {
        index,
        layer: label.to_string(),
        layers,
        width,
        sketched,
        points,
        explained: projection.explained_variance_ratio,
        separation,
    })
}

/// Signed feature hashing: value `j` of each row is added, with a fixed pseudo-random sign, to
/// one of `m` buckets. The same `j` always lands in the same bucket, so snapshots agree.
fn fold(values: &[f32], width: usize, m: usize) -> Vec<f64> {
    let slots: Vec<(usize, f64)> = (0..width)
        .map(|j| {
            let h = splitmix(j as u64);
            ((h % m as u64) as usize, if h >> 63 == 0 { 1.0 } else { -1.0 })
        })
        .collect();
    let mut out = vec![0.0; values.len() / width * m];
    for (row, folded) in values.chunks_exact(width).zip(out.chunks_exact_mut(m)) {
        for (&v, &(bucket, sign)) in row.iter().zip(&slots) {
            folded[bucket] += sign * f64::from(v);
        }
    }
    out
}

fn splitmix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The share of points nearer their own class's mean than any other class's mean.
pub fn nearest_centroid_accuracy(points: &[[f64; 2]], targets: &[f64], classes: usize) -> f64 {
    let mut sums = vec![[0.0, 0.0, 0.0]; classes];
    for (p, &t) in points.iter().zip(targets) {
        if let Some(s) = sums.get_mut(t as usize) {
            *s = [s[0] + p[0], s[1] + p[1], s[2] + 1.0];
        }
    }
    let centres: Vec<Option<[f64; 2]>> =
        sums.iter().map(|s| (s[2] > 0.0).then(|| [s[0] / s[2], s[1] / s[2]])).collect();
    let nearest = |p: &[f64; 2]| {
        centres
            .iter()
            .enumerate()
            .filter_map(|(c, centre)| centre.map(|m| (c, (p[0] - m[0]).powi(2) + (p[1] - m[1]).powi(2))))
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(c, _)| c)
    };
    let right = points.iter().zip(targets).filter(|(p, t)| nearest(p) == Some(**t as usize)).count();
    right as f64 / points.len().max(1) as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{SampleSet, Standardizer, Task, stratified_split};
    use crate::models::Learner;
    use crate::models::network::{NetworkSpec, OptimizerKind, TrainSettings};

    fn settings() -> TrainSettings {
        TrainSettings { learning_rate: 0.01, batch_size: 32, optimizer: OptimizerKind::Adam, seed: 3 }
    }

    fn prepared(data: &crate::data::Dataset, rows: &[usize], scaler: &Standardizer) -> PreparedData {
        PreparedData::from_rows(data, rows, scaler)
    }

    #[test]
    fn every_block_gets_one_projection_with_one_point_per_row() {
        let spec = NetworkSpec::parse("dense(6) relu dropout(0.2) dense(4) tanh").unwrap();
        let net = NetworkLearner::new(&spec, 3, Task::Classification, 3, settings()).unwrap();
        let rows = 40;
        let data = PreparedData {
            features: (0..rows * 3).map(|i| ((i * 37 % 23) as f64 / 11.0) - 1.0).collect(),
            n_features: 3,
            targets: (0..rows).map(|i| (i % 3) as f64).collect(),
            task: Task::Classification,
            classes: 3,
        };
        let r = representations(&net, &data).unwrap();
        let titles: Vec<String> = r.layers.iter().map(LayerProjection::title).collect();
        assert_eq!(
            titles,
            [
                "input",
                "layers 1-3 dense(6) + relu + dropout(0.2)",
                "layers 4-5 dense(4) + tanh",
                "layer 6 output dense(3)"
            ]
        );
        assert!(r.layers.iter().all(|l| l.points.len() == rows && l.separation.is_some()));
        assert_eq!(r.layers.iter().map(|l| l.width).collect::<Vec<_>>(), [3, 6, 4, 3]);
        assert_eq!((r.classes, r.class(4)), (3, Some(1)));

        // A mirrored copy is flipped back onto the previous snapshot.
        let mut mirrored = r.clone();
        mirrored.layers[1].points.iter_mut().for_each(|p| p[0] = -p[0]);
        mirrored.align_to(&r);
        assert_eq!(mirrored, r);
    }

    #[test]
    fn flatten_is_skipped_and_wide_conv_maps_are_folded() {
        let spec = NetworkSpec::parse("conv2d(8,3,1,1) relu flatten dense(5) relu").unwrap();
        let input = crate::data::InputShape::Image { channels: 1, height: 8, width: 8 };
        let net = NetworkLearner::with_input(&spec, input, 64, Task::Classification, 2, settings()).unwrap();
        let data = PreparedData {
            features: (0..20 * 64).map(|i| ((i * 13 % 17) as f64 / 8.0) - 1.0).collect(),
            n_features: 64,
            targets: (0..20).map(|i| (i % 2) as f64).collect(),
            task: Task::Classification,
            classes: 2,
        };
        let r = representations(&net, &data).unwrap();
        let shape: Vec<(usize, bool)> = r.layers.iter().map(|l| (l.width, l.sketched)).collect();
        // input, conv + relu (8 maps of 8×8, folded), dense + relu, the one output logit.
        assert_eq!(shape, [(64, false), (512, true), (5, false), (1, false)]);
        assert!(r.layers.iter().all(|l| l.points.len() == 20));
    }

    #[test]
    fn a_trained_mlp_pulls_the_digits_apart_layer_by_layer() {
        let data = SampleSet::Digits.load().unwrap();
        let split = stratified_split(&data, 0.25, 0).unwrap();
        let scaler = Standardizer::fit(&data);
        let (train, test) = (prepared(&data, &split.train, &scaler), prepared(&data, &split.test, &scaler));
        let spec = NetworkSpec::parse("dense(32) tanh dense(16) tanh").unwrap();
        let mut net = NetworkLearner::new(&spec, 64, Task::Classification, 10, settings()).unwrap();
        // Nearest class centre in each 2-D picture: input, the two hidden blocks, the output.
        let separation = |net: &NetworkLearner| -> Vec<f64> {
            let r = representations(net, &test).unwrap();
            assert_eq!(r.layers.len(), 4);
            assert!(r.layers.iter().all(|l| l.points.len() == test.rows()));
            r.layers.iter().map(|l| l.separation.unwrap()).collect()
        };
        // Random weights only blur the pixels: the classes mix more than in the raw input...
        let untrained = separation(&net);
        assert!(untrained[2] < untrained[0], "{untrained:?}");
        for epoch in 0..30 {
            net.train_epoch(&train, epoch).unwrap();
        }
        // ...trained, the last hidden layer holds them far more apart (about 0.58 → 0.80).
        let trained = separation(&net);
        assert!(trained[2] > trained[0] + 0.15 && trained[2] > trained[1], "{trained:?}");
    }
}
