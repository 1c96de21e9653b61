//! Workloads W1–W4, W9 and W10: the network half of ../shared/bench (definitions in
//! peer_torch.py's docstring). Only training (or the forward pass, W4) is timed, as the peer does.

use web_time::Instant;

use super::BenchReport;
use crate::data::{Dataset, InputShape, Task};
use crate::models::network::{NetworkLearner, NetworkSpec, OptimizerKind, TrainSettings, WeightInit};
use crate::models::{Learner, PreparedData};

pub fn run(
    key: &str,
    files: super::BenchFiles<'_>,
    seed: u64,
    report: &mut BenchReport,
) -> Result<(), String> {
    match key {
        "W1" => {
            let data = prepared(&files("moons500.csv")?);
            report.insert(key.into(), moons_training(&data, data.rows(), 2000, seed)?);
        }
        "W2" => {
            let data = prepared(&files("moons500.csv")?);
            report.insert(key.into(), moons_training(&data, 10, 2000, seed)?);
        }
        "W3" => {
            let train = prepared(&files("digits_train.csv")?);
            let test = prepared(&files("digits_test.csv")?);
            let (seconds, accuracy) = digits_training(&train, &test, seed)?;
            report.insert(key.into(), seconds);
            report.insert("W3_test_accuracy".into(), accuracy);
        }
        "W4" => {
            report.insert(key.into(), grid_forward(seed)?);
        }
        "W9" => {
            let image = InputShape::Image { channels: 1, height: 28, width: 28 };
            let train = prepared(&files("images28_train.csv")?);
            let test = prepared(&files("images28_test.csv")?);
            let net = network_for(W9_CNN, image, &train, (1e-3, 64), seed)?;
            let (seconds, accuracy) = epochs_and_accuracy(net, &train, &test, 2)?;
            report.insert(key.into(), seconds);
            report.insert("W9_test_accuracy".into(), accuracy);
        }
        "W10" => {
            let waves = InputShape::Sequence { steps: 40, channels: 1 };
            let train = prepared(&files("waves_train.csv")?);
            let test = prepared(&files("waves_test.csv")?);
            let net = network_for("gru(64)", waves, &train, (3e-3, 32), seed)?;
            let (seconds, accuracy) = epochs_and_accuracy(net, &train, &test, 2)?;
            report.insert(key.into(), seconds);
            report.insert("W10_test_accuracy".into(), accuracy);
        }
        other => return Err(format!("{other} is not a network workload")),
    }
    Ok(())
}

/// W9's CNN (the output layer, dense(10), is added by the network itself).
const W9_CNN: &str =
    "conv2d(16,3,1,1) relu maxpool(2) conv2d(32,3,1,1) relu maxpool(2) flatten dense(64) relu";

/// The rows as they are in the file: the peer trains on unscaled features too.
fn prepared(data: &Dataset) -> PreparedData {
    PreparedData {
        features: data.features.clone(),
        n_features: data.n_features(),
        targets: (0..data.rows()).map(|i| data.target_value(i)).collect(),
        task: data.task(),
        classes: data.class_count(),
    }
}

fn network(
    spec: &str,
    n_features: usize,
    classes: usize,
    (lr, batch_size): (f64, usize),
    seed: u64,
) -> Result<NetworkLearner, String> {
    network_shaped(spec, InputShape::Vector, (n_features, classes), (lr, batch_size), seed, WeightInit::Auto)
}

/// A classifier for `train`'s rows laid out as `input` (images, sequences), starting as the
/// peer's PyTorch modules do (uniform ±1/√fan-in, biases too), so both train the same model:
/// our default He start lifts W9's test accuracy about 4 points above the peer's.
fn network_for(
    spec: &str,
    input: InputShape,
    train: &PreparedData,
    (lr, batch_size): (f64, usize),
    seed: u64,
) -> Result<NetworkLearner, String> {
    let shape = (train.n_features, train.classes);
    network_shaped(spec, input, shape, (lr, batch_size), seed, WeightInit::FanIn)
}

fn network_shaped(
    spec: &str,
    input: InputShape,
    (n_features, classes): (usize, usize),
    (lr, batch_size): (f64, usize),
    seed: u64,
    init: WeightInit,
) -> Result<NetworkLearner, String> {
    let mut spec = NetworkSpec::parse(spec).map_err(|e| e.to_string())?;
    spec.options.init = init;
    // The peer records nothing per step either.
    spec.options.record_gradients = false;
    let settings = TrainSettings { learning_rate: lr, batch_size, optimizer: OptimizerKind::AdamW, seed };
    NetworkLearner::with_input(&spec, input, n_features, Task::Classification, classes, settings)
        .map_err(|e| e.to_string())
}

/// 2-8-8-1 tanh, AdamW lr 1e-2, `steps` steps on batches of `batch_size` (reshuffled each epoch).
fn moons_training(data: &PreparedData, batch_size: usize, steps: usize, seed: u64) -> Result<f64, String> {
    let mut net = network("dense(8) tanh dense(8) tanh", data.n_features, 2, (1e-2, batch_size), seed)?;
    let per_epoch = data.rows().div_ceil(batch_size);
    if steps % per_epoch != 0 {
        return Err(format!("{steps} steps are not whole epochs of {per_epoch} batches"));
    }
    let start = Instant::now();
    for epoch in 0..steps / per_epoch {
        net.train_epoch(data, epoch).map_err(|e| e.to_string())?;
    }
    let seconds = start.elapsed().as_secs_f64();
    if net.steps() != steps {
        return Err(format!("expected {steps} steps, took {}", net.steps()));
    }
    Ok(seconds)
}

/// 64-128-10 ReLU, cross-entropy, AdamW lr 1e-3, batch 32, 200 epochs; returns (seconds, test accuracy).
fn digits_training(train: &PreparedData, test: &PreparedData, seed: u64) -> Result<(f64, f64), String> {
    let net = network("dense(128) relu", train.n_features, train.classes.max(10), (1e-3, 32), seed)?;
    epochs_and_accuracy(net, train, test, 200)
}

/// Trains `epochs` epochs (timed), then scores the test rows (not timed).
fn epochs_and_accuracy(
    mut net: NetworkLearner,
    train: &PreparedData,
    test: &PreparedData,
    epochs: usize,
) -> Result<(f64, f64), String> {
    let start = Instant::now();
    for epoch in 0..epochs {
        net.train_epoch(train, epoch).map_err(|e| e.to_string())?;
    }
    let seconds = start.elapsed().as_secs_f64();
    let predicted = net.predict(&test.features, test.n_features).map_err(|e| e.to_string())?;
    let classes = predicted.classes().unwrap_or_default();
    let correct = classes.iter().zip(&test.targets).filter(|(c, t)| **c as f64 == **t).count();
    Ok((seconds, correct as f64 / test.rows().max(1) as f64))
}

/// Median time of one forward pass (sigmoid output) of an untrained 2-8-8-1 net over a 256×256 grid.
fn grid_forward(seed: u64) -> Result<f64, String> {
    let net = network("dense(8) tanh dense(8) tanh", 2, 2, (1e-2, 1), seed)?;
    let n = 256;
    let mut points = Vec::with_capacity(n * n * 2);
    for row in 0..n {
        for column in 0..n {
            points.push(-2.0 + 5.0 * column as f64 / (n - 1) as f64);
            points.push(-1.5 + 3.5 * row as f64 / (n - 1) as f64);
        }
    }
    let x = net.rows_tensor(&points, 2).map_err(|e| e.to_string())?;
    let pass = || -> Result<f64, String> {
        let start = Instant::now();
        let out = net.output_tensor(&x).map_err(|e| e.to_string())?;
        let p = candle_nn::ops::sigmoid(&out).map_err(|e| e.to_string())?;
        let seconds = start.elapsed().as_secs_f64();
        std::hint::black_box(p);
        Ok(seconds)
    };
    for _ in 0..5 {
        pass()?;
    }

    let mut times = (0..50).map(|_| pass()).collect::<Result<Vec<f64>, String>>()?;
    times.sort_by(f64::total_cmp);
    Ok((times[24] + times[25]) / 2.0)
}
